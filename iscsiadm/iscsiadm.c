/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iscsiadm: open-iscsi 2.1 compatible command line. main() only parses and dispatches. */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build-config.h"
#include "iscsiadm.h"
#include "output.h"


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

/* What parse_args() decided: run the mode, or exit with 0 (-h, -V) or with ISCSI_ERR_INVAL. */
typedef enum ArgsResult {
        ARGS_RUN,
        ARGS_ANSWERED,
        ARGS_INVALID,
} ArgsResult;

/* Options that only store their argument (or true) into Options. */
typedef enum OptKind {
        OPT_STRING,  /* const char * = optarg */
        OPT_FLAG,    /* bool = true */
        OPT_INT,     /* int = atoi(optarg) */
        OPT_IGNORED, /* ping / CHAP table / flashnode arguments of iface and host modes */
} OptKind;

static const struct {
        int ch;
        OptKind kind;
        size_t offset;
} simple_options[] = {
        { 'm', OPT_STRING, offsetof(Options, mode) },       { 'T', OPT_STRING, offsetof(Options, target) },
        { 't', OPT_STRING, offsetof(Options, type) },       { 'H', OPT_STRING, offsetof(Options, host) },
        { 'r', OPT_STRING, offsetof(Options, sid) },        { 'L', OPT_STRING, offsetof(Options, loginall) },
        { 'U', OPT_STRING, offsetof(Options, logoutall) },  { 'k', OPT_STRING, offsetof(Options, killiscsid) },
        { 'C', OPT_STRING, offsetof(Options, submode) },    { 'R', OPT_FLAG, offsetof(Options, rescan) },
        { 'D', OPT_FLAG, offsetof(Options, discover) },     { 'l', OPT_FLAG, offsetof(Options, login) },
        { 'u', OPT_FLAG, offsetof(Options, logout) },       { 's', OPT_FLAG, offsetof(Options, stats) },
        { 'S', OPT_FLAG, offsetof(Options, show_secrets) }, { 'W', OPT_FLAG, offsetof(Options, no_wait) },
        { 'j', OPT_FLAG, offsetof(Options, json) },         { 'P', OPT_INT, offsetof(Options, print_level) },
        { 'd', OPT_INT, offsetof(Options, debug) },         { 'a', OPT_IGNORED, 0 },
        { 'b', OPT_IGNORED, 0 },                            { 'c', OPT_IGNORED, 0 },
        { 'i', OPT_IGNORED, 0 },                            { 'x', OPT_IGNORED, 0 },
        { 'A', OPT_IGNORED, 0 },
};

/* Returns true when ch is one of simple_options (and stores it). */
static bool store_simple_option(Options *o, int ch, const char *arg) {
        for (size_t i = 0; i < ELEMENTSOF(simple_options); i++) {
                char *field = (char *) o + simple_options[i].offset;

                if (simple_options[i].ch != ch)
                        continue;
                switch (simple_options[i].kind) {
                case OPT_STRING:
                        *(const char **) field = arg;
                        break;
                case OPT_FLAG:
                        *(bool *) field = true;
                        break;
                case OPT_INT:
                        *(int *) field = atoi(arg);
                        break;
                case OPT_IGNORED:
                        break;
                }
                return true;
        }
        return false;
}

static ArgsResult add_name_value(Options *o, int ch, const char *arg, const char **pending_name) {
        if (ch == 'n') {
                if (o->n_nv >= ELEMENTSOF(o->nv)) {
                        log_error("too many names");
                        return ARGS_INVALID;
                }
                *pending_name = arg;
                o->nv[o->n_nv++] = (NameValue) { .name = arg };
                return ARGS_RUN;
        }
        if (!*pending_name) {
                log_error("value %s requires a name", arg);
                return ARGS_INVALID;
        }
        o->nv[o->n_nv - 1].value = arg;
        *pending_name = NULL;
        return ARGS_RUN;
}

/* The options that do more than store their argument. */
static ArgsResult parse_option(Options *o, int ch, const char *arg, const char **pending_name) {
        switch (ch) {
        case 'p':
                if (parse_portal(arg, &o->portal) < 0) {
                        log_error("Invalid portal argument %s", arg);
                        return ARGS_INVALID;
                }
                o->has_portal = true;
                return ARGS_RUN;
        case 'I':
                if (o->n_ifaces >= ELEMENTSOF(o->ifaces)) {
                        log_error("too many ifaces");
                        return ARGS_INVALID;
                }
                o->ifaces[o->n_ifaces++] = arg;
                return ARGS_RUN;
        case 'o':
                if (parse_op(arg, &o->op) < 0) {
                        log_error("can not recognize operation: '%s'", arg);
                        return ARGS_INVALID;
                }
                return ARGS_RUN;
        case 'n':
        case 'v':
                return add_name_value(o, ch, arg, pending_name);
        case 'V':
                printf("iscsiadm version %s\n", ISCSIADM_COMPAT_VERSION);
                return ARGS_ANSWERED;
        case 'h':
                usage();
                return ARGS_ANSWERED;
        case 'F':
                if (!streq(arg, "json") && !streq(arg, "classic")) {
                        log_error("unknown output format '%s' (json or classic)", arg);
                        return ARGS_INVALID;
                }
                o->json = streq(arg, "json");
                return ARGS_RUN;
        default:
                fprintf(stderr, "Try `iscsiadm --help' for more information.\n");
                return ARGS_INVALID;
        }
}

static ArgsResult parse_args(int argc, char **argv, Options *o) {
        const char *pending_name = NULL;
        int ch;

        *o = (Options) { .print_level = -1 };
        while ((ch = getopt_long(argc, argv, "RlDVhjm:a:b:c:C:p:P:T:H:i:I:U:k:L:d:r:n:v:o:sSt:ux:A:W", long_options,
                                 NULL)) >= 0) {
                ArgsResult r;

                if (store_simple_option(o, ch, optarg))
                        continue;
                r = parse_option(o, ch, optarg, &pending_name);
                if (r != ARGS_RUN)
                        return r;
        }
        debug_level = o->debug;
        if (optind < argc) {
                log_error("unrecognized character '%s'", argv[optind]);
                return ARGS_INVALID;
        }
        return ARGS_RUN;
}

int main(int argc, char **argv) {
        Options o;
        Context c = { .o = &o };
        int r;

        switch (parse_args(argc, argv, &o)) {
        case ARGS_RUN:
                break;
        case ARGS_ANSWERED:
                return ISCSI_SUCCESS;
        case ARGS_INVALID:
                return ISCSI_ERR_INVAL;
        }
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
