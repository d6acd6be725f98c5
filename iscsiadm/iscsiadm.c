/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iscsiadm: open-iscsi 2.1 compatible command line. main() only parses and dispatches. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build-config.h"
#include "iscsiadm.h"
#include "output.h"

#define COMPAT_VERSION "2.1.8"

static void usage(void) {
        printf("iscsiadm -m discoverydb [-hV] [-d debug_level] [-P printlevel] [-t type -p ip:port -I ifaceN ... [-Dl]] | [[-p ip:port -t type] [-o operation] [-n name] [-v value] [-lD]]\n"
               "iscsiadm -m discovery [-hV] [-d debug_level] [-P printlevel] [-t type -p ip:port -I ifaceN ... [-l]] | [[-p ip:port] [-l | -D]] [-W]\n"
               "iscsiadm -m node [-hV] [-d debug_level] [-P printlevel] [-L all,manual,automatic,onboot] [-W] [-U all,manual,automatic,onboot] [-S] [[-T targetname -p ip:port -I ifaceN] [-l | -u | -R | -s]] [[-o operation ] [-n name] [-v value]]\n"
               "iscsiadm -m session [-hV] [-d debug_level] [-P printlevel] [-r sessionid | sysfsdir [-R | -u | -s] [-o operation] [-n name] [-v value]]\n"
               "iscsiadm -m iface [-hV] [-d debug_level] [-P printlevel] [-I ifacename] [[-o operation ] [-n name] [-v value]]\n"
               "iscsiadm -m fw [-d debug_level] [-l] [-W] [[-n name] [-v value]]\n"
               "iscsiadm -m host [-P printlevel] [-H hostno|MAC]\n"
               "iscsiadm -k priority\n"
               "\n"
               "Output format (an addition of this iscsiadm):\n"
               "  -j, --format=json   print every list and show as one JSON document\n"
               "      --format=classic  open-iscsi's text (the default)\n"
               "Environment: ISCSI_ROOT=<dir> puts every file the tool uses under <dir>.\n");
}

static const struct option long_options[] = {
        { "mode", required_argument, NULL, 'm' },
        { "portal", required_argument, NULL, 'p' },
        { "targetname", required_argument, NULL, 'T' },
        { "interface", required_argument, NULL, 'I' },
        { "op", required_argument, NULL, 'o' },
        { "type", required_argument, NULL, 't' },
        { "name", required_argument, NULL, 'n' },
        { "value", required_argument, NULL, 'v' },
        { "host", required_argument, NULL, 'H' },
        { "sid", required_argument, NULL, 'r' },
        { "rescan", no_argument, NULL, 'R' },
        { "print", required_argument, NULL, 'P' },
        { "discover", no_argument, NULL, 'D' },
        { "login", no_argument, NULL, 'l' },
        { "loginall", required_argument, NULL, 'L' },
        { "logout", no_argument, NULL, 'u' },
        { "logoutall", required_argument, NULL, 'U' },
        { "stats", no_argument, NULL, 's' },
        { "killiscsid", required_argument, NULL, 'k' },
        { "debug", required_argument, NULL, 'd' },
        { "show", no_argument, NULL, 'S' },
        { "version", no_argument, NULL, 'V' },
        { "help", no_argument, NULL, 'h' },
        { "submode", required_argument, NULL, 'C' },
        { "ip", required_argument, NULL, 'a' },
        { "packetsize", required_argument, NULL, 'b' },
        { "count", required_argument, NULL, 'c' },
        { "interval", required_argument, NULL, 'i' },
        { "index", required_argument, NULL, 'x' },
        { "portal_type", required_argument, NULL, 'A' },
        { "no_wait", no_argument, NULL, 'W' },
        { "format", required_argument, NULL, 'F' },
        { "json", no_argument, NULL, 'j' },
        {}
};

static int parse_op(const char *s, unsigned *op) {
        static const struct {
                const char *name;
                unsigned op;
        } ops[] = {
                { "new", OP_NEW },       { "delete", OP_DELETE },     { "update", OP_UPDATE },
                { "show", OP_SHOW },     { "nonpersistent", OP_NONPERSISTENT },
                { "apply", OP_APPLY },   { "applyall", OP_APPLYALL },
        };
        for (size_t i = 0; i < ELEMENTSOF(ops); i++)
                if (streq(ops[i].name, s)) {
                        *op |= ops[i].op;
                        return 0;
                }
        return -EINVAL;
}

static int parse_args(int argc, char **argv, Options *o) {
        const char *pending_name = NULL;
        int ch;

        *o = (Options) { .print_level = -1 };
        while ((ch = getopt_long(argc, argv, "RlDVhjm:a:b:c:C:p:P:T:H:i:I:U:k:L:d:r:n:v:o:sSt:ux:A:W", long_options,
                                 NULL)) >= 0) {
                switch (ch) {
                case 'm':
                        o->mode = optarg;
                        break;
                case 'p':
                        if (parse_portal(optarg, &o->portal) < 0) {
                                log_error("Invalid portal argument %s", optarg);
                                return ISCSI_ERR_INVAL;
                        }
                        o->has_portal = true;
                        break;
                case 'T':
                        o->target = optarg;
                        break;
                case 'I':
                        if (o->n_ifaces >= ELEMENTSOF(o->ifaces)) {
                                log_error("too many ifaces");
                                return ISCSI_ERR_INVAL;
                        }
                        o->ifaces[o->n_ifaces++] = optarg;
                        break;
                case 'o':
                        if (parse_op(optarg, &o->op) < 0) {
                                log_error("can not recognize operation: '%s'", optarg);
                                return ISCSI_ERR_INVAL;
                        }
                        break;
                case 't':
                        o->type = optarg;
                        break;
                case 'n':
                        if (o->n_nv >= ELEMENTSOF(o->nv)) {
                                log_error("too many names");
                                return ISCSI_ERR_INVAL;
                        }
                        pending_name = optarg;
                        o->nv[o->n_nv++] = (NameValue) { .name = optarg };
                        break;
                case 'v':
                        if (!pending_name) {
                                log_error("value %s requires a name", optarg);
                                return ISCSI_ERR_INVAL;
                        }
                        o->nv[o->n_nv - 1].value = optarg;
                        pending_name = NULL;
                        break;
                case 'H':
                        o->host = optarg;
                        break;
                case 'r':
                        o->sid = optarg;
                        break;
                case 'R':
                        o->rescan = true;
                        break;
                case 'P':
                        o->print_level = atoi(optarg);
                        break;
                case 'D':
                        o->discover = true;
                        break;
                case 'l':
                        o->login = true;
                        break;
                case 'L':
                        o->loginall = optarg;
                        break;
                case 'u':
                        o->logout = true;
                        break;
                case 'U':
                        o->logoutall = optarg;
                        break;
                case 's':
                        o->stats = true;
                        break;
                case 'k':
                        o->killiscsid = optarg;
                        break;
                case 'd':
                        o->debug = atoi(optarg);
                        debug_level = o->debug;
                        break;
                case 'S':
                        o->show_secrets = true;
                        break;
                case 'V':
                        printf("iscsiadm version %s\n", COMPAT_VERSION);
                        return -1;
                case 'h':
                        usage();
                        return -1;
                case 'C':
                        o->submode = optarg;
                        break;
                case 'W':
                        o->no_wait = true;
                        break;
                case 'a':
                case 'b':
                case 'c':
                case 'i':
                case 'x':
                case 'A':
                        /* ping / CHAP table / flashnode arguments of iface and host modes */
                        break;
                case 'j':
                        o->json = true;
                        break;
                case 'F':
                        if (streq(optarg, "json"))
                                o->json = true;
                        else if (streq(optarg, "classic"))
                                o->json = false;
                        else {
                                log_error("unknown output format '%s' (json or classic)", optarg);
                                return ISCSI_ERR_INVAL;
                        }
                        break;
                default:
                        fprintf(stderr, "Try `iscsiadm --help' for more information.\n");
                        return ISCSI_ERR_INVAL;
                }
        }
        if (optind < argc) {
                log_error("unrecognized character '%s'", argv[optind]);
                return ISCSI_ERR_INVAL;
        }
        return 0;
}

int main(int argc, char **argv) {
        Options o;
        Context c = { .o = &o };
        int r;

        r = parse_args(argc, argv, &o);
        if (r != 0)
                return r < 0 ? 0 : r;
        if (o.json)
                out = &output_json;
        if (o.killiscsid) {
                log_error("-k is not supported: stop iscsid with 'systemctl stop iscsid' (our iscsid "
                          "has no kill request)");
                return ISCSI_ERR_OP_NOT_SUPP;
        }
        if (!o.mode) {
                fprintf(stderr, "Try `iscsiadm --help' for more information.\n");
                return ISCSI_ERR_INVAL;
        }
        r = node_db_open(&c.db);
        if (r < 0) {
                log_error("Could not open the node database: %s", strerror(-r));
                return ISCSI_ERR_IDBM;
        }

        if (streq(o.mode, "node"))
                r = mode_node(&c);
        else if (streq(o.mode, "discovery"))
                r = mode_discovery(&c, false);
        else if (streq(o.mode, "discoverydb"))
                r = mode_discovery(&c, true);
        else if (streq(o.mode, "session"))
                r = mode_session(&c);
        else if (streq(o.mode, "iface"))
                r = mode_iface(&c);
        else if (streq(o.mode, "host"))
                r = mode_host(&c);
        else if (streq(o.mode, "fw"))
                r = mode_fw(&c);
        else {
                log_error("mode %s is not yet supported", o.mode);
                r = ISCSI_ERR_INVAL;
        }
        out->flush();
        node_db_free(c.db);
        node_iscsid_conf_free(c.conf);
        free(o.portal.address);
        return r;
}
