/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon: one Daemon object owns the configuration, the runtime model built from it,
 * the listeners (main thread) and the worker threads that run connections. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "worker.h"

typedef struct Runtime Runtime;
typedef struct Listener Listener;
typedef struct SessionRegistry SessionRegistry;
typedef struct IsnsRegistrar IsnsRegistrar;

typedef struct DaemonOptions {
        const char *config_path;
        const char *pidfile;
        bool foreground;
        bool debug;
        unsigned n_workers;     /* 0: one per CPU */
        const char *isns_server; /* --isns: register with this iSNS server (isns.h); NULL/"": none */
} DaemonOptions;

struct Daemon {
        DaemonOptions opts;
        sd_event *event;
        Worker *workers;
        unsigned n_workers;
        unsigned next_worker;

        /* Protects `runtime` (swapped on reload) and the session registry. Never held on the
         * data path: sessions cache what they need and check `generation`. */
        pthread_mutex_t lock;
        Runtime *runtime;
        unsigned long generation;       /* bumped on every applied reload (atomic reads) */

        Listener *listeners;
        SessionRegistry *sessions;
        uint16_t next_tsih;
        IsnsRegistrar *isns;
};

int daemon_run(const DaemonOptions *opts);

/* Current configuration generation, read lock-free by workers. */
static inline unsigned long daemon_generation(Daemon *d) {
        return __atomic_load_n(&d->generation, __ATOMIC_ACQUIRE);
}
