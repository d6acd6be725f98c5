/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "build-config.h"
#include "daemon.h"
#include "iscsi-conn.h"
#include "isns.h"
#include "listener.h"
#include "log.h"
#include "runtime.h"
#include "iscsi-session.h"

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

static void notify_reloading(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        sd_notifyf(false, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=Reloading configuration",
                   (unsigned long long) ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000);
}

static void daemon_reload(Daemon *d) {
        Runtime *rt = NULL, *old;
        int r;

        notify_reloading();
        log_info("reloading %s", d->opts.config_path);

        /* Building the new runtime opens new storage objects without the lock: only this
         * thread ever replaces d->runtime, so reading `old` here is safe. */
        r = load_runtime(d, d->runtime, &rt);
        if (r < 0) {
                log_error("reload failed, keeping the running configuration");
                sd_notify(false, "READY=1\nSTATUS=Reload failed, running configuration kept");
                return;
        }

        pthread_mutex_lock(&d->lock);
        old = d->runtime;
        d->runtime = rt;
        __atomic_add_fetch(&d->generation, 1, __ATOMIC_ACQ_REL);
        pthread_mutex_unlock(&d->lock);

        (void) listeners_apply(d, rt);
        iscsi_conn_config_changed(d);
        isns_registrar_refresh(d->isns);
        runtime_free(old);

        log_info("configuration reloaded");
        sd_notify(false, "READY=1\nSTATUS=Running");
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Daemon *d = userdata;

        if (si->ssi_signo == SIGHUP) {
                daemon_reload(d);
                return 0;
        }
        log_info("received %s, shutting down", strsignal(si->ssi_signo));
        sd_notify(false, "STOPPING=1");
        return sd_event_exit(d->event, 0);
}

static int write_pidfile(const char *path) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        int fd;

        if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        f = fdopen(fd, "w");
        if (!f) {
                safe_close(fd);
                unlink(tmp);
                return -errno;
        }
        (void) fchmod(fd, 0644);
        fprintf(f, "%d\n", (int) getpid());
        if (fflush(f) != 0 || rename(tmp, path) < 0) {
                int r = -errno;
                unlink(tmp);
                return r;
        }
        return 0;
}

int daemon_run(const DaemonOptions *opts) {
        Daemon *d;
        sigset_t ss;
        long ncpu;
        int r;

        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        d->opts = *opts;
        d->next_tsih = 1;
        pthread_mutex_init(&d->lock, NULL);

        /* Block the signals before any thread exists so only the main loop sees them. */
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigaddset(&ss, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &ss, NULL);
        signal(SIGPIPE, SIG_IGN);

        r = load_runtime(d, NULL, &d->runtime);
        if (r < 0)
                goto finish;

        r = session_registry_new(&d->sessions);
        if (r < 0)
                goto finish;

        r = sd_event_default(&d->event);
        if (r < 0)
                goto finish;
        (void) sd_event_add_signal(d->event, NULL, SIGTERM, on_signal, d);
        (void) sd_event_add_signal(d->event, NULL, SIGINT, on_signal, d);
        (void) sd_event_add_signal(d->event, NULL, SIGHUP, on_signal, d);

        ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        d->n_workers = opts->n_workers ?: (unsigned) MAX(ncpu, 1L);
        d->workers = calloc(d->n_workers, sizeof(Worker));
        if (!d->workers) {
                r = -ENOMEM;
                goto finish;
        }
        for (unsigned i = 0; i < d->n_workers; i++) {
                r = worker_init(&d->workers[i], i, d, &iscsi_conn_worker_hooks);
                if (r < 0)
                        goto finish;
                r = worker_start(&d->workers[i]);
                if (r < 0)
                        goto finish;
        }

        r = listeners_apply(d, d->runtime);
        if (r < 0)
                goto finish;

        r = isns_registrar_new(d, opts->isns_server, &d->isns);
        if (r < 0)
                goto finish;

        if (opts->pidfile) {
                r = write_pidfile(opts->pidfile);
                if (r < 0)
                        log_warning("cannot write pid file %s: %s", opts->pidfile, strerror(-r));
        }

        log_info("iscsi-targetd " PACKAGE_VERSION " running with %u worker threads, config %s",
                 d->n_workers, opts->config_path);
        sd_notify(false, "READY=1\nSTATUS=Running");

        r = sd_event_loop(d->event);

finish:
        if (r < 0)
                log_error("fatal: %s", strerror(-r));
        d->isns = isns_registrar_free(d->isns);
        listeners_free_all(d);
        for (unsigned i = 0; d->workers && i < d->n_workers; i++)
                worker_stop_and_join(&d->workers[i]);
        for (unsigned i = 0; d->workers && i < d->n_workers; i++)
                if (d->workers[i].epoll_fd >= 0 || d->workers[i].wake.fd >= 0)
                        worker_done(&d->workers[i]);
        free(d->workers);
        session_registry_free(d->sessions);
        runtime_free(d->runtime);
        sd_event_unref(d->event);
        if (opts->pidfile)
                (void) unlink(opts->pidfile);
        pthread_mutex_destroy(&d->lock);
        free(d);
        return r;
}
