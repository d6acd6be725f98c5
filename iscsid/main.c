/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iscsid: the iSCSI initiator daemon. */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "build-config.h"
#include "ipc-server.h"
#include "isns-watch.h"
#include "log.h"
#include "manager.h"

static void help(void) {
        printf("Usage: iscsid [OPTIONS]\n"
               "iSCSI initiator daemon: logs in over TCP and hands sessions to the kernel.\n\n"
               "  -f, --foreground   run in the foreground, log to stderr\n"
               "  -d, --debug        debug logging\n"
               "  -s, --socket PATH  IPC socket (default $ISCSID_SOCKET or %s/iscsid.sock)\n"
               "  -h, --help         this help\n"
               "  -v, --version      print the version\n",
               ISCSI_RUN_DIR);
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        log_info("received signal %u, exiting (sessions stay in the kernel)", si->ssi_signo);
        sd_notify(0, "STOPPING=1");
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

int main(int argc, char **argv) {
        static const struct option opts[] = {
                { "foreground", no_argument, NULL, 'f' },
                { "debug", optional_argument, NULL, 'd' },
                { "socket", required_argument, NULL, 's' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'v' },
                {}
        };
        bool foreground = false, debug = false;
        const char *socket_path = NULL;
        int c;
        while ((c = getopt_long(argc, argv, "fd::s:hv", opts, NULL)) >= 0)
                switch (c) {
                case 'f':
                        foreground = true;
                        break;
                case 'd':
                        debug = true;
                        break;
                case 's':
                        socket_path = optarg;
                        break;
                case 'h':
                        help();
                        return 0;
                case 'v':
                        printf("iscsid version %s\n", PACKAGE_VERSION);
                        return 0;
                default:
                        return 1;
                }
        /* Without -f we still stay in the foreground: systemd (Type=notify) supervises us. */
        log_setup(foreground, debug);
        signal(SIGPIPE, SIG_IGN);

        /* Declared in this order so the server (whose clients sessions may still answer) goes first. */
        _cleanup_(manager_freep) struct manager *m = NULL;
        _cleanup_(ipc_server_freep) struct ipc_server *server = NULL;
        int r = manager_new(&m);
        if (r < 0)
                return log_errno(LOG_ERR, r, "cannot set up the daemon"), 1;

        sigset_t ss;
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigprocmask(SIG_BLOCK, &ss, NULL);
        sd_event_add_signal(m->event, NULL, SIGTERM, on_signal, m);
        sd_event_add_signal(m->event, NULL, SIGINT, on_signal, m);

        (void) manager_open_transport(m); /* failure is reported; logins then answer 12 */
        r = ipc_server_new(m, socket_path ?: node_iscsid_socket_path(), &server);
        if (r < 0)
                return log_errno(LOG_ERR, r, "cannot listen on %s", socket_path ?: node_iscsid_socket_path()), 1;
        r = manager_resync(m);
        if (r < 0)
                log_errno(LOG_WARNING, r, "cannot read sessions from sysfs");
        _cleanup_(isns_watch_freep) struct isns_watch *isns = NULL; /* freed before the manager */
        r = isns_watch_start(m, &isns);
        if (r < 0)
                log_errno(LOG_WARNING, r, "iSNS state change notifications are off");

        log_info("iscsid %s ready (socket %s)", PACKAGE_VERSION,
                 ipc_server_describe(server));
        sd_notify(0, "READY=1\nSTATUS=Processing requests");
        r = sd_event_loop(m->event);
        return r < 0 ? 1 : 0;
}
