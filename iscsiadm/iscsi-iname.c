/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iscsi-iname: print a new initiator name, "<prefix>:<12 hex digits>", like open-iscsi's. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "iscsi-name.h"
#include "macro.h"

#define DEFAULT_PREFIX "iqn.2016-04.com.open-iscsi"

int main(int argc, char **argv) {
        static const struct option opts[] = {
                { "prefix", required_argument, NULL, 'p' },
                { "generate-iname-prefix", no_argument, NULL, 'g' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *prefix = DEFAULT_PREFIX;
        _cleanup_free_ char *name = NULL;
        bool with_key = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "p:gh", opts, NULL)) >= 0) {
                switch (c) {
                case 'p':
                        prefix = optarg;
                        break;
                case 'g':
                        with_key = true;
                        break;
                case 'h':
                        printf("Usage: iscsi-iname [OPTIONS]\n"
                               "  -p, --prefix <prefix>          IQN prefix [%s]\n"
                               "  -g, --generate-iname-prefix    print as InitiatorName=<name>\n",
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
        printf("%s%s\n", with_key ? "InitiatorName=" : "", name);
        return 0;
}
