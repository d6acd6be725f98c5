/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iscsi-target: configure iscsi-targetd the way targetcli configures LIO, one command per
 * invocation ("iscsi-target /iscsi create iqn...") or a script of commands (-f FILE or stdin).
 * Each change is saved atomically to saveconfig.json; a running daemon is then sent SIGHUP. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build-config.h" /* the build's: PACKAGE_VERSION, TARGET_CONFIG_DIR */
#include "cli.h"
#include "iscsi-util/macro.h"

#define DEFAULT_PIDFILE "/run/iscsi-targetd.pid"

static void help(void) {
        printf("Usage: iscsi-target [OPTIONS] [PATH] COMMAND [ARGS...]\n"
               "       iscsi-target [OPTIONS] -f SCRIPT      (or commands on stdin)\n\n"
               "Configure iscsi-targetd with targetcli's paths and commands, e.g.\n"
               "  iscsi-target /backstores/fileio create disk01 /var/lib/iscsi_disks/disk01.img 10G\n"
               "  iscsi-target /iscsi create iqn.2022-08.com.test:dlp.target01\n"
               "  iscsi-target /iscsi/iqn.2022-08.com.test:dlp.target01/tpg1/luns create /backstores/fileio/disk01\n"
               "  iscsi-target /iscsi/iqn.2022-08.com.test:dlp.target01/tpg1/acls create iqn.2022-08.com.test:node01.initiator01\n"
               "  iscsi-target /iscsi/iqn.../tpg1/acls/iqn... set auth userid=username password=password\n"
               "  iscsi-target ls\n\n"
               "Options:\n"
               "  -c, --config=PATH    configuration file [$ISCSI_TARGET_CONFIG or %s/saveconfig.json]\n"
               "  -p, --pidfile=PATH   iscsi-targetd pid file to signal [$ISCSI_TARGETD_PIDFILE or %s]\n"
               "  -n, --no-reload      do not signal iscsi-targetd\n"
               "  -f, --file=SCRIPT    run the commands in SCRIPT, one per line ('-' = stdin);\n"
               "                       scripts may use 'cd PATH' and relative paths; stops at the first error\n"
               "  -h, --help           this text\n"
               "      --version        print the version\n\n"
               "Run 'iscsi-target PATH help' for the commands at a path.\n",
               TARGET_CONFIG_DIR, DEFAULT_PIDFILE);
}

static int run_script(ConfigLock *cl, FILE *f, const char *name) {
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        unsigned lineno = 0;
        cl->interactive_cd = true;
        while (getline(&line, &cap, f) >= 0) {
                lineno++;
                char **words;
                int n = split_words(line, &words);
                if (n < 0) {
                        cli_error("%s:%u: unbalanced quotes", name, lineno);
                        return n;
                }
                int r = run_command(cl, words, (size_t) n);
                tc_strv_free(words);
                if (r < 0) {
                        cli_error("%s:%u: command failed; stopping (earlier commands are saved)", name, lineno);
                        return r;
                }
                if (cl->exit_requested)
                        break;
        }
        if (ferror(f)) {
                cli_error("cannot read %s", name);
                return -EIO;
        }
        return 0;
}

int main(int argc, char **argv) {
        enum { ARG_VERSION = 0x100 };
        static const struct option options[] = {
                { "config", required_argument, NULL, 'c' },
                { "pidfile", required_argument, NULL, 'p' },
                { "no-reload", no_argument, NULL, 'n' },
                { "file", required_argument, NULL, 'f' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {}
        };
        const char *config = getenv("ISCSI_TARGET_CONFIG");
        const char *pidfile = getenv("ISCSI_TARGETD_PIDFILE");
        const char *script = NULL;
        bool reload = true;
        int c;

        /* '+': stop at the first non-option, so "-" inside later arguments is left alone. */
        while ((c = getopt_long(argc, argv, "+c:p:nf:h", options, NULL)) >= 0)
                switch (c) {
                case 'c': config = optarg; break;
                case 'p': pidfile = optarg; break;
                case 'n': reload = false; break;
                case 'f': script = optarg; break;
                case 'h': help(); return EXIT_SUCCESS;
                case ARG_VERSION: printf("iscsi-target %s\n", PACKAGE_VERSION); return EXIT_SUCCESS;
                default: return 2;
                }
        if (script && optind < argc) {
                cli_error("give either a command or -f SCRIPT, not both");
                return 2;
        }
        if (!script && optind == argc) {
                if (isatty(STDIN_FILENO)) {
                        help();
                        return 2;
                }
                script = "-";
        }

        _cleanup_free_ char *default_config = NULL;
        if (!config || !*config) {
                if (asprintf(&default_config, "%s/saveconfig.json", TARGET_CONFIG_DIR) < 0)
                        return EXIT_FAILURE;
                config = default_config;
        }
        ConfigLock cl = {
                .config_path = (char *) config,
                .pidfile = (char *) (pidfile ? pidfile : DEFAULT_PIDFILE),
                .reload = reload,
                .lock_fd = -1,
                .cwd = strdup("/"),
        };
        if (!cl.cwd)
                return EXIT_FAILURE;
        int r = config_lock_open(&cl);
        if (r < 0) {
                config_lock_close(&cl);
                return EXIT_FAILURE;
        }

        if (script) {
                FILE *f = streq(script, "-") ? stdin : fopen(script, "re");
                if (!f) {
                        cli_error("cannot open %s: %m", script);
                        r = -errno;
                } else {
                        r = run_script(&cl, f, streq(script, "-") ? "stdin" : script);
                        if (f != stdin)
                                fclose(f);
                }
        } else
                r = run_command(&cl, argv + optind, (size_t) (argc - optind));

        config_lock_close(&cl);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
