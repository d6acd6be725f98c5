/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon core: one Daemon object owns the loaded configuration, the runtime model built
 * from it, the session registry and the worker threads that run connections. It knows nothing
 * of sockets, signals or the iSCSI protocol (service.c runs it as a process, iscsi-conn.c
 * supplies the worker hooks), so tests create one in-process with daemon_new(). */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "runtime.h"
#include "worker.h"

typedef struct Session Session;

typedef struct DaemonOptions {
        const char *config_path;
        const char *pidfile;
        bool foreground;
        bool debug;
        unsigned n_workers;     /* 0: one per CPU */
        const char *isns_server; /* --isns: register with this iSNS server (isns.h); NULL/"": none */
} DaemonOptions;

/* Every live session of the daemon (iscsi-session.c keeps it, under Daemon.lock). */
typedef struct SessionRegistry {
        Session *head;
        unsigned n;
        uint16_t next_tsih;
} SessionRegistry;

struct Daemon {
        DaemonOptions opts;
        Worker *workers;
        unsigned n_workers;
        unsigned next_worker;

        /* Protects `runtime` (swapped on reload) and the session registry. Never held on the
         * data path: sessions cache what they need and check `generation`. */
        pthread_mutex_t lock;
        Runtime *runtime;
        unsigned long generation;       /* bumped on every applied reload (atomic reads) */
        SessionRegistry sessions;
};

/* Load opts->config_path (a missing file is an empty configuration) and set up the workers
 * with `hooks`, without starting their threads. */
int daemon_new(const DaemonOptions *opts, const WorkerHooks *hooks, Daemon **ret);
/* Start one thread per worker. */
int daemon_start_workers(Daemon *d);
/* Stop and join the worker threads (their fini hooks close every connection), free the rest. */
Daemon *daemon_free(Daemon *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(Daemon *, daemon_free);

/* Re-read the configuration file and make it the running one (bumping the generation).
 * On error the running configuration stays and the error is logged. */
int daemon_reload(Daemon *d);

/* Current configuration generation, read lock-free by workers. */
static inline unsigned long daemon_generation(Daemon *d) {
        return __atomic_load_n(&d->generation, __ATOMIC_ACQUIRE);
}
