/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iscsi-targetd: userspace iSCSI target daemon. */
#include <getopt.h>
#include <malloc.h>
#include <unistd.h>

#include "build-config.h"
#include "log.h"
#include "service.h"

#define DEFAULT_PIDFILE "/run/iscsi-targetd.pid"

static void help(void) {
        printf("Usage: iscsi-targetd [OPTIONS]\n\n"
               "Userspace iSCSI target serving the targets of a targetcli saveconfig.json.\n\n"
               "  -c, --config=PATH     configuration file [%s/saveconfig.json]\n"
               "  -f, --foreground      log to stderr (for tests and debugging); without it\n"
               "                        messages go to the journal (stderr if there is none)\n"
               "  -p, --pidfile=PATH    pid file, used by iscsi-target to signal reloads [%s]\n"
               "  -t, --threads=N       worker threads [number of CPUs]\n"
               "      --isns=SERVER[:PORT]\n"
               "                        register entity, portals and targets with this iSNS\n"
               "                        server [$ISCSI_TARGETD_ISNS_SERVER; port 3205]\n"
               "  -d, --debug           debug logging\n"
               "  -h, --help            this help\n"
               "      --version         print the version\n\n"
               "SIGHUP reloads the configuration without dropping sessions.\n",
               TARGET_CONFIG_DIR, DEFAULT_PIDFILE);
}

/* What the command line asks for. */
typedef enum ArgsResult {
        ARGS_RUN,               /* start the daemon */
        ARGS_EXIT_SUCCESS,      /* --help, --version: done */
        ARGS_EXIT_USAGE,        /* bad option (reported) */
} ArgsResult;

static ArgsResult parse_args(int argc, char **argv, DaemonOptions *opts) {
        static const struct option options[] = {
                { "config", required_argument, NULL, 'c' },
                { "foreground", no_argument, NULL, 'f' },
                { "pidfile", required_argument, NULL, 'p' },
                { "threads", required_argument, NULL, 't' },
                { "debug", no_argument, NULL, 'd' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                { "isns", required_argument, NULL, 'I' },
                {}
        };
        char *end;
        unsigned long n;
        int c;

        while ((c = getopt_long(argc, argv, "c:fp:t:dh", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        opts->config_path = optarg;
                        break;
                case 'f':
                        opts->foreground = true;
                        break;
                case 'p':
                        opts->pidfile = optarg[0] ? optarg : NULL;
                        break;
                case 't':
                        n = strtoul(optarg, &end, 10);
                        if (*end || n == 0 || n > 256) {
                                fprintf(stderr, "iscsi-targetd: invalid thread count '%s'\n", optarg);
                                return ARGS_EXIT_USAGE;
                        }
                        opts->n_workers = n;
                        break;
                case 'd':
                        opts->debug = true;
                        break;
                case 'I':
                        opts->isns_server = optarg;
                        break;
                case 'h':
                        help();
                        return ARGS_EXIT_SUCCESS;
                case 'V':
                        printf("iscsi-targetd %s\n", PACKAGE_VERSION);
                        return ARGS_EXIT_SUCCESS;
                default:
                        return ARGS_EXIT_USAGE;
                }
        if (optind < argc) {
                fprintf(stderr, "iscsi-targetd: unexpected argument '%s'\n", argv[optind]);
                return ARGS_EXIT_USAGE;
        }
        return ARGS_RUN;
}

int main(int argc, char **argv) {
        DaemonOptions opts = {
                .config_path = TARGET_CONFIG_DIR "/saveconfig.json",
                .pidfile = DEFAULT_PIDFILE,
                .isns_server = getenv("ISCSI_TARGETD_ISNS_SERVER"), /* "" = none, like --isns= */
        };
        const char *env;
        int r;

        env = getenv("ISCSI_TARGETD_PIDFILE");
        if (env && *env)
                opts.pidfile = env;
        switch (parse_args(argc, argv, &opts)) {
        case ARGS_EXIT_SUCCESS:
                return 0;
        case ARGS_EXIT_USAGE:
                return 2;
        case ARGS_RUN:
                break;
        }

        /* Command buffers (up to several MiB) are allocated and freed at I/O rate: keep them
         * in the heap instead of a fresh mmap (zero-filled page faults, TLB shootdowns on
         * munmap) per command. Memory stays bounded by the CmdSN window per session. */
        mallopt(M_MMAP_THRESHOLD, 64 * 1024 * 1024);
        mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);

        /* -f: stderr (unless stderr is already the journal); otherwise the journal, if there
         * is one to talk to. */
        log_setup((opts.foreground && !getenv("JOURNAL_STREAM")) ||
                          access("/run/systemd/journal/socket", F_OK) < 0,
                  opts.debug);

        r = service_run(&opts);
        return r < 0 ? 1 : 0;
}
