/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iscsi-iname: print a new initiator name, "<prefix>:<12 hex digits>", like open-iscsi's. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "iscsi-node/initiatorname.h"
#include "iscsi-util/fs-util.h"
#include "iscsi-proto/iscsi-name.h"
#include "iscsi-util/macro.h"
#include "iscsi-node/paths.h"

#define DEFAULT_PREFIX "iqn.2016-04.com.open-iscsi"

static int mkdir_parents_of(const char *path) {
        _cleanup_free_ char *dir = strdup(path);
        char *slash;
        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (slash && slash != dir)
                *slash = 0;
        return util_mkdir_parents(dir, 0755, true);
}

int main(int argc, char **argv) {
        static const struct option opts[] = {
                { "prefix", required_argument, NULL, 'p' },
                { "generate-iname-prefix", no_argument, NULL, 'g' },
                { "write", no_argument, NULL, 'w' },
                { "force", no_argument, NULL, 'f' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *prefix = DEFAULT_PREFIX;
        _cleanup_free_ char *name = NULL;
        bool with_key = false, write = false, force = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "p:gwfh", opts, NULL)) >= 0) {
                switch (c) {
                case 'p':
                        prefix = optarg;
                        break;
                case 'g':
                        with_key = true;
                        break;
                case 'w':
                        write = true;
                        break;
                case 'f':
                        force = true;
                        break;
                case 'h':
                        printf("Usage: iscsi-iname [OPTIONS]\n"
                               "  -p, --prefix <prefix>          IQN prefix [%s]\n"
                               "  -g, --generate-iname-prefix    print as InitiatorName=<name>\n"
                               "  -w, --write                    also create initiatorname.iscsi in the config\n"
                               "                                 dir (under $ISCSI_ROOT if set) unless it exists\n"
                               "  -f, --force                    with --write: replace an existing name\n",
                               DEFAULT_PREFIX);
                        return 0;
                default:
                        return 1;
                }
        }
        if (strlen(prefix) > 210) {
                fprintf(stderr, "iscsi-iname: prefix too long (max 210)\n");
                return 1;
        }
        r = iscsi_name_generate(prefix, &name);
        if (r < 0) {
                fprintf(stderr, "iscsi-iname: cannot generate a name with prefix '%s': %s\n", prefix, strerror(-r));
                return 1;
        }
        if (write) {
                _cleanup_free_ char *path = node_path_config("initiatorname.iscsi"), *old = NULL;
                if (!path)
                        return 1;
                if (!force && node_initiatorname_read(path, &old, NULL) == 0) {
                        fprintf(stderr, "iscsi-iname: %s already names this initiator %s (use --force to replace)\n",
                                path, old);
                        return 1;
                }
                r = mkdir_parents_of(path);
                if (r >= 0)
                        r = node_initiatorname_write(path, name, NULL);
                if (r < 0) {
                        fprintf(stderr, "iscsi-iname: cannot write %s: %s\n", path, strerror(-r));
                        return 1;
                }
        }
        printf("%s%s\n", with_key ? "InitiatorName=" : "", name);
        return 0;
}
