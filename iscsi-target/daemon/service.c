/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <signal.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>

#include "build-config.h"
#include "clock.h"
#include "iscsi-conn.h"
#include "iscsi-util/fs-util.h"
#include "isns.h"
#include "listener.h"
#include "log.h"
#include "service.h"

typedef struct Service {
        Daemon *daemon;
        sd_event *event;
        ListenerSet listeners;
        IsnsRegistrar *isns;
} Service;

static void notify_reloading(void) {
        sd_notifyf(false, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=Reloading configuration",
                   (unsigned long long) now_usec());
}

static void service_reload(Service *svc) {
        Daemon *d = svc->daemon;

        notify_reloading();
        log_info("reloading %s", d->opts.config_path);
        if (daemon_reload(d) < 0) {
                log_error("reload failed, keeping the running configuration");
                sd_notify(false, "READY=1\nSTATUS=Reload failed, running configuration kept");
                return;
        }
        (void) listeners_apply(&svc->listeners, d->runtime);
        iscsi_conn_config_changed(d);
        isns_registrar_refresh(svc->isns);
        log_info("configuration reloaded");
        sd_notify(false, "READY=1\nSTATUS=Running");
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Service *svc = userdata;

        if (si->ssi_signo == SIGHUP) {
                service_reload(svc);
                return 0;
        }
        log_info("received %s, shutting down", strsignal(si->ssi_signo));
        sd_notify(false, "STOPPING=1");
        return sd_event_exit(svc->event, 0);
}

static int write_pidfile(const char *path) {
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "%d\n", (int) getpid());

        return util_write_file_atomic(path, buf, (size_t) n, 0644);
}

static int service_setup(Service *svc, const DaemonOptions *opts) {
        int r;

        r = daemon_new(opts, &iscsi_conn_worker_hooks, &svc->daemon);
        if (r < 0)
                return r;
        r = sd_event_default(&svc->event);
        if (r < 0)
                return r;
        (void) sd_event_add_signal(svc->event, NULL, SIGTERM, on_signal, svc);
        (void) sd_event_add_signal(svc->event, NULL, SIGINT, on_signal, svc);
        (void) sd_event_add_signal(svc->event, NULL, SIGHUP, on_signal, svc);
        svc->listeners = (ListenerSet) { .event = svc->event, .daemon = svc->daemon };

        r = daemon_start_workers(svc->daemon);
        if (r < 0)
                return r;
        r = listeners_apply(&svc->listeners, svc->daemon->runtime);
        if (r < 0)
                return r;
        if (opts->isns_server) {
                r = isns_registrar_new(svc->event, svc->daemon, opts->isns_server, &svc->isns);
                if (r < 0)
                        return r;
        }
        if (opts->pidfile) {
                r = write_pidfile(opts->pidfile);
                if (r < 0)
                        log_warning("cannot write pid file %s: %s", opts->pidfile, strerror(-r));
        }
        return 0;
}

int service_run(const DaemonOptions *opts) {
        Service svc = {};
        sigset_t ss;
        int r;

        /* Block the signals before any thread exists so only the main loop sees them. */
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigaddset(&ss, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &ss, NULL);
        signal(SIGPIPE, SIG_IGN);

        r = service_setup(&svc, opts);
        if (r >= 0) {
                log_info("iscsi-targetd " PACKAGE_VERSION " running with %u worker threads, config %s",
                         svc.daemon->n_workers, opts->config_path);
                sd_notify(false, "READY=1\nSTATUS=Running");
                r = sd_event_loop(svc.event);
        }
        if (r < 0)
                log_error("fatal: %s", strerror(-r));

        svc.isns = isns_registrar_free(svc.isns);
        listeners_free_all(&svc.listeners);
        svc.daemon = daemon_free(svc.daemon);
        sd_event_unref(svc.event);
        if (opts->pidfile)
                (void) unlink(opts->pidfile);
        return r;
}
