/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <unistd.h>

#include "daemon.h"
#include "log.h"

static int load_runtime(Daemon *d, const Runtime *old, Runtime **ret) {
        _cleanup_tc_strv_ char **warnings = NULL;
        _cleanup_free_ char *error = NULL;
        TargetConfig *cfg = NULL;
        int r;

        r = tc_config_load(d->opts.config_path, &cfg, &warnings, &error);
        if (r == -ENOENT) {
                log_warning("%s does not exist, starting with an empty configuration", d->opts.config_path);
                cfg = tc_config_new();
                if (!cfg)
                        return -ENOMEM;
        } else if (r < 0) {
                log_error("%s: %s", d->opts.config_path, error ?: strerror(-r));
                return r;
        }
        for (char **w = warnings; w && *w; w++)
                log_warning("%s: %s", d->opts.config_path, *w);

        r = runtime_new(cfg, old, ret);
        if (r < 0) {
                tc_config_free(cfg);
                log_error("cannot build runtime configuration: %s", strerror(-r));
        }
        return r;
}

int daemon_new(const DaemonOptions *opts, const WorkerHooks *hooks, Daemon **ret) {
        _cleanup_(daemon_freep) Daemon *d = NULL;
        unsigned n;
        long ncpu;
        int r;

        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        d->opts = *opts;
        d->sessions.next_tsih = 1;
        pthread_mutex_init(&d->lock, NULL);

        r = load_runtime(d, NULL, &d->runtime);
        if (r < 0)
                return r;

        ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        n = opts->n_workers ?: (unsigned) MAX(ncpu, 1L);
        d->workers = calloc(n, sizeof(Worker));
        if (!d->workers)
                return -ENOMEM;
        for (unsigned i = 0; i < n; i++) {
                r = worker_init(&d->workers[i], i, d, hooks);
                d->n_workers = i + 1;   /* worker_done() cleans up a half-initialised one too */
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(d);
        return 0;
}

int daemon_start_workers(Daemon *d) {
        for (unsigned i = 0; i < d->n_workers; i++) {
                int r = worker_start(&d->workers[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

Daemon *daemon_free(Daemon *d) {
        if (!d)
                return NULL;
        for (unsigned i = 0; d->workers && i < d->n_workers; i++)
                worker_stop_and_join(&d->workers[i]);
        for (unsigned i = 0; d->workers && i < d->n_workers; i++)
                worker_done(&d->workers[i]);
        free(d->workers);
        /* Sessions belong to their connections, which the workers have torn down already. */
        runtime_free(d->runtime);
        pthread_mutex_destroy(&d->lock);
        free(d);
        return NULL;
}

int daemon_reload(Daemon *d) {
        Runtime *rt = NULL, *old;
        int r;

        /* Building the new runtime opens new storage objects without the lock: only the
         * thread that calls daemon_reload() ever replaces d->runtime, so reading it is safe. */
        r = load_runtime(d, d->runtime, &rt);
        if (r < 0)
                return r;

        pthread_mutex_lock(&d->lock);
        old = d->runtime;
        d->runtime = rt;
        __atomic_add_fetch(&d->generation, 1, __ATOMIC_ACQ_REL);
        pthread_mutex_unlock(&d->lock);

        /* Sessions hold their LUs through their LunMaps; the old model itself can go. */
        runtime_free(old);
        return 0;
}
