/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>

#include "log.h"
#include "worker.h"

static void wake_dispatch(EventSource *s, uint32_t events) {
        Worker *w = (Worker *) ((char *) s - offsetof(Worker, wake));
        WorkerMsg *list;
        uint64_t v;

        (void) !read(s->fd, &v, sizeof(v));

        pthread_mutex_lock(&w->lock);
        list = w->mailbox;
        w->mailbox = w->mailbox_tail = NULL;
        pthread_mutex_unlock(&w->lock);

        while (list) {
                WorkerMsg *m = list;
                list = m->next;
                m->fn(w, m->userdata);
                free(m);
        }
}

static void timer_dispatch(EventSource *s, uint32_t events) {
        Worker *w = (Worker *) ((char *) s - offsetof(Worker, timer));
        uint64_t v;

        (void) !read(s->fd, &v, sizeof(v));
        if (w->hooks && w->hooks->tick)
                w->hooks->tick(w);
}

int worker_add_fd(Worker *w, EventSource *s, uint32_t events) {
        struct epoll_event ev = { .events = events, .data.ptr = s };
        return epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, s->fd, &ev) < 0 ? -errno : 0;
}

int worker_mod_fd(Worker *w, EventSource *s, uint32_t events) {
        struct epoll_event ev = { .events = events, .data.ptr = s };
        return epoll_ctl(w->epoll_fd, EPOLL_CTL_MOD, s->fd, &ev) < 0 ? -errno : 0;
}

void worker_del_fd(Worker *w, EventSource *s) {
        if (s->fd >= 0)
                (void) epoll_ctl(w->epoll_fd, EPOLL_CTL_DEL, s->fd, NULL);
}

int worker_init(Worker *w, unsigned idx, Daemon *d, const WorkerHooks *hooks) {
        struct itimerspec its = {
                .it_interval = { .tv_sec = 1 },
                .it_value = { .tv_sec = 1 },
        };
        int r;

        *w = (Worker) {
                .idx = idx,
                .daemon = d,
                .epoll_fd = -EBADF,
                .wake = { .fd = -EBADF, .dispatch = wake_dispatch },
                .timer = { .fd = -EBADF, .dispatch = timer_dispatch },
                .hooks = hooks,
        };
        pthread_mutex_init(&w->lock, NULL);

        w->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (w->epoll_fd < 0)
                return -errno;
        w->wake.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (w->wake.fd < 0)
                return -errno;
        w->timer.fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (w->timer.fd < 0)
                return -errno;
        if (timerfd_settime(w->timer.fd, 0, &its, NULL) < 0)
                return -errno;
        r = worker_add_fd(w, &w->wake, EPOLLIN);
        if (r < 0)
                return r;
        return worker_add_fd(w, &w->timer, EPOLLIN);
}

int worker_post(Worker *w, void (*fn)(Worker *w, void *userdata), void *userdata) {
        WorkerMsg *m = malloc(sizeof(*m));
        uint64_t one = 1;

        if (!m)
                return -ENOMEM;
        *m = (WorkerMsg) { .fn = fn, .userdata = userdata };

        pthread_mutex_lock(&w->lock);
        if (w->mailbox_tail)
                w->mailbox_tail->next = m;
        else
                w->mailbox = m;
        w->mailbox_tail = m;
        pthread_mutex_unlock(&w->lock);

        (void) !write(w->wake.fd, &one, sizeof(one));
        return 0;
}

int worker_run_once(Worker *w, int timeout_ms) {
        struct epoll_event evs[64];
        int n;

        n = epoll_wait(w->epoll_fd, evs, ELEMENTSOF(evs), timeout_ms);
        if (n < 0)
                return errno == EINTR ? 0 : -errno;
        w->dispatching = true;
        for (int i = 0; i < n; i++) {
                EventSource *s = evs[i].data.ptr;
                s->dispatch(s, evs[i].events);
        }
        w->dispatching = false;
        if (w->hooks && w->hooks->after_dispatch)
                w->hooks->after_dispatch(w);
        return n;
}

static void *worker_main(void *arg) {
        Worker *w = arg;
        char name[16];

        snprintf(name, sizeof(name), "targetd-w%u", w->idx);
        pthread_setname_np(pthread_self(), name);

        if (w->hooks && w->hooks->init) {
                int r = w->hooks->init(w);
                if (r < 0) {
                        log_error("worker %u: initialisation failed: %s", w->idx, strerror(-r));
                        return NULL;
                }
        }

        while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
                int r = worker_run_once(w, -1);
                if (r < 0) {
                        log_error("worker %u: epoll_wait: %s", w->idx, strerror(-r));
                        break;
                }
        }

        if (w->hooks && w->hooks->fini)
                w->hooks->fini(w);
        return NULL;
}

int worker_start(Worker *w) {
        int r = pthread_create(&w->thread, NULL, worker_main, w);
        if (r != 0)
                return -r;
        w->started = true;
        return 0;
}

static void stop_fn(Worker *w, void *userdata) {
        __atomic_store_n(&w->stop, true, __ATOMIC_RELEASE);
}

void worker_stop_and_join(Worker *w) {
        if (!w->started)
                return;
        if (worker_post(w, stop_fn, NULL) < 0)
                __atomic_store_n(&w->stop, true, __ATOMIC_RELEASE);
        pthread_join(w->thread, NULL);
        w->started = false;
}

void worker_done(Worker *w) {
        WorkerMsg *m;

        while ((m = w->mailbox)) {
                w->mailbox = m->next;
                free(m);
        }
        w->epoll_fd = safe_close(w->epoll_fd);
        w->wake.fd = safe_close(w->wake.fd);
        w->timer.fd = safe_close(w->timer.fd);
        pthread_mutex_destroy(&w->lock);
}
