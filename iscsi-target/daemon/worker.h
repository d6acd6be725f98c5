/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Worker threads: each owns an epoll loop, its connections and (through them) their sessions,
 * so the data path never takes a global lock. Other threads talk to a worker only through its
 * mailbox (a mutex-protected list plus an eventfd). */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct Worker Worker;
typedef struct Daemon Daemon;

/* Anything registered with an epoll loop: the epoll data pointer points at one of these. */
typedef struct EventSource {
        int fd;
        void (*dispatch)(struct EventSource *s, uint32_t events);
} EventSource;

typedef struct WorkerMsg {
        struct WorkerMsg *next;
        void (*fn)(Worker *w, void *userdata);
        void *userdata;
} WorkerMsg;

/* Hooks run on the worker's own thread. */
typedef struct WorkerHooks {
        void (*tick)(Worker *w);        /* about once a second, inside a batch: must not free */
        void (*after_dispatch)(Worker *w); /* after each batch of events: flush sends, reap */
        int (*init)(Worker *w);         /* thread start: per-thread engines */
        void (*fini)(Worker *w);
} WorkerHooks;

struct Worker {
        unsigned idx;
        Daemon *daemon;
        pthread_t thread;
        bool started;
        int epoll_fd;
        EventSource wake;       /* eventfd */
        EventSource timer;      /* timerfd, 1 s */
        pthread_mutex_t lock;
        WorkerMsg *mailbox, *mailbox_tail;
        bool stop;
        /* Inside a batch of epoll events: later events of the batch may point into objects an
         * earlier one closed, so nothing may be freed until after_dispatch. */
        bool dispatching;
        const WorkerHooks *hooks;
        void *userdata;         /* the connection layer's per-thread state */
};

int worker_init(Worker *w, unsigned idx, Daemon *d, const WorkerHooks *hooks);
int worker_start(Worker *w);
/* One round of the worker loop on the calling thread: wait up to timeout_ms (-1: forever) for
 * events, dispatch them, run the after_dispatch hook. Returns the number of events or -errno.
 * worker_start() runs it in a loop on a new thread; tests call it directly. */
int worker_run_once(Worker *w, int timeout_ms);
/* Run fn(w, userdata) on the worker's thread. Returns -ENOMEM or 0. */
int worker_post(Worker *w, void (*fn)(Worker *w, void *userdata), void *userdata);
void worker_stop_and_join(Worker *w);
void worker_done(Worker *w);

int worker_add_fd(Worker *w, EventSource *s, uint32_t events);
int worker_mod_fd(Worker *w, EventSource *s, uint32_t events);
void worker_del_fd(Worker *w, EventSource *s);
