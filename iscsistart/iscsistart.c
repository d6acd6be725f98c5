/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * iscsistart: log in to the boot target from an initramfs, without iscsid, and leave the
 * session in the kernel for iscsid to adopt after switch_root. The options, messages and exit
 * codes are open-iscsi 2.1.8's (what initramfs-tools and dracut call):
 *   -i -t -g -a [-p -u -w -U -W -P NAME=VALUE]   one login from the command line
 *   -b   log in to every target of the firmware's iBFT     -N   bring up the iBFT's network
 *   -f   print the iBFT as firmware records               -c   iscsid.conf for defaults
 * Options act in order, as open-iscsi's do: -f and -N finish the program where they stand.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot-login.h"
#include "build-config.h"
#include "fw-net.h"
#include "iscsi-node/exit-code.h"
#include "iscsi-node/ibft.h"
#include "iscsi-node/iscsid-conf.h"
#include "iscsi-node/login-params.h"
#include "iscsi-node/paths.h"
#include "iscsi-node/record.h"
#include "iscsi-node/sysfs-session.h"

#define PROGRAM "iscsistart"
#define COMPAT_VERSION "2.1.8"
/* open-iscsi's limits on the command-line values. */
#define TARGET_NAME_MAXLEN 255
#define ADDRESS_MAXLEN 1025 /* NI_MAXHOST */
#define AUTH_STR_MAX_LEN 256
/* Root-boot defaults that -P may override (open-iscsi's apply_params). */
#define BOOT_LOGIN_RETRY_MAX "30"
#define BOOT_NOOP_OFF "0"

typedef struct Options {
        const char *initiator_name;
        const char *config;          /* -c */
        bool tpgt_set, debug;
        Record *rec;                 /* the one login of -i/-t/-g/-a..., with -P applied */
        NodeIbftTarget **fw;         /* -b: the firmware's targets */
        size_t n_fw;
        const char *params[64];      /* -P NAME=VALUE, applied after everything else */
        size_t n_params;
} Options;

static const struct option long_options[] = {
        { "config", required_argument, NULL, 'c' },
        { "initiatorname", required_argument, NULL, 'i' },
        { "targetname", required_argument, NULL, 't' },
        { "tgpt", required_argument, NULL, 'g' },
        { "address", required_argument, NULL, 'a' },
        { "port", required_argument, NULL, 'p' },
        { "username", required_argument, NULL, 'u' },
        { "password", required_argument, NULL, 'w' },
        { "username_in", required_argument, NULL, 'U' },
        { "password_in", required_argument, NULL, 'W' },
        { "debug", required_argument, NULL, 'd' },
        { "fwparam_connect", no_argument, NULL, 'b' },
        { "fwparam_network", no_argument, NULL, 'N' },
        { "fwparam_print", no_argument, NULL, 'f' },
        { "param", required_argument, NULL, 'P' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'v' },
        {}
};

static void usage(void) {
        printf("Usage: %s [OPTION]\n"
               "Open-iSCSI initiator.\n"
               "  -c, --config=[path]      set config file (default %s/iscsid.conf).\n"
               "  -i, --initiatorname=name set InitiatorName to name (Required)\n"
               "  -t, --targetname=name    set TargetName to name (Required)\n"
               "  -g, --tgpt=N             set target portal group tag to N (Required)\n"
               "  -a, --address=A.B.C.D    set IP address to A.B.C.D (Required)\n"
               "  -p, --port=N             set port to N (Default 3260)\n"
               "  -u, --username=N         set username to N (optional)\n"
               "  -w, --password=N         set password to N (optional\n"
               "  -U, --username_in=N      set incoming username to N (optional)\n"
               "  -W, --password_in=N      set incoming password to N (optional)\n"
               "  -d, --debug=debuglevel   print debugging information \n"
               "  -b, --fwparam_connect    create a session to the target using iBFT or OF\n"
               "  -N, --fwparam_network    bring up the network as specified by iBFT or OF\n"
               "  -f, --fwparam_print      print the iBFT or OF info to STDOUT \n"
               "  -P, --param=NAME=VALUE   set parameter with the name NAME to VALUE\n"
               "  -h, --help               display this help and exit\n"
               "  -v, --version            display version and exit\n",
               PROGRAM, ISCSI_CONFIG_DIR);
}

static void log_error(const char *fmt, ...) _printf_(1, 2);
static void log_error(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, PROGRAM ": ");
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
}

/* The option-to-key table of the command-line login: option letter, record key, limit. */
static const struct {
        char opt;
        size_t key;
        const char *what;
        size_t max;
} string_options[] = {
        { 't', NODE_KEY_NAME, "targetname", TARGET_NAME_MAXLEN },
        { 'a', NODE_KEY_CONN_ADDRESS, "address", ADDRESS_MAXLEN },
        { 'u', NODE_KEY_USERNAME, "username", AUTH_STR_MAX_LEN },
        { 'w', NODE_KEY_PASSWORD, "password", AUTH_STR_MAX_LEN },
        { 'U', NODE_KEY_USERNAME_IN, "username_in", AUTH_STR_MAX_LEN },
        { 'W', NODE_KEY_PASSWORD_IN, "password_in", AUTH_STR_MAX_LEN },
        { 'g', NODE_KEY_TPGT, "tgpt", 16 },
        { 'p', NODE_KEY_CONN_PORT, "port", 16 },
};

/* -t -a -u -w -U -W -g -p: an exit code (0 ok, 7 invalid), or -1 if ch is none of them. */
static int set_string_option(Options *o, int ch, const char *value) {
        for (size_t i = 0; i < ELEMENTSOF(string_options); i++) {
                if (string_options[i].opt != ch)
                        continue;
                if (strlen(value) > string_options[i].max) {
                        printf("%s: invalid %s %s. Max %s length is %zu.\n", PROGRAM, string_options[i].what, value,
                               string_options[i].what, string_options[i].max);
                        return ISCSI_ERR_INVAL;
                }
                /* open-iscsi takes -g and -p with atoi(): a number or 0 */
                char num[16];
                if (ch == 'g' || ch == 'p') {
                        snprintf(num, sizeof num, "%d", atoi(value));
                        value = num;
                }
                if (node_record_set_index(o->rec, string_options[i].key, value) < 0) {
                        log_error("invalid %s %s", string_options[i].what, value);
                        return ISCSI_ERR_INVAL;
                }
                if (ch == 'g')
                        o->tpgt_set = true;
                if (ch == 'u')
                        (void) node_record_set_index(o->rec, NODE_KEY_AUTHMETHOD, "CHAP");
                return 0;
        }
        return -1;
}


/* ---- firmware (iBFT) actions ---- */

static int read_fw(NodeIbftTarget ***ret, size_t *ret_n) {
        int r = node_ibft_read(node_sysfs_root(), ret, ret_n);
        return r == -ENOMEM ? ISCSI_ERR_NOMEM : r < 0 ? ISCSI_ERR_NO_OBJS_FOUND : 0;
}

/* -f */
static int fw_print(void) {
        NodeIbftTarget **t = NULL;
        size_t n = 0;
        int r = read_fw(&t, &n);
        if (r) {
                printf("Could not get list of targets from firmware.\n");
                return r;
        }
        for (size_t i = 0; i < n && r == 0; i++) {
                _cleanup_free_ char *text = NULL;
                if (node_ibft_format(t[i], &text) < 0)
                        r = ISCSI_ERR_NOMEM;
                else
                        fputs(text, stdout);
        }
        node_ibft_list_free(t, n);
        return r;
}

/* -N: each NIC the targets use, once. */
static int fw_network(void) {
        NodeIbftTarget **t = NULL;
        size_t n = 0;
        int rc = read_fw(&t, &n);
        if (rc) {
                printf("Could not setup fw entries.\n");
                return rc;
        }
        for (size_t i = 0; i < n; i++) {
                if (i > 0 && streq_ptr(t[i]->netdev, t[i - 1]->netdev))
                        continue;
                printf("Setting up software interface %s\n", t[i]->netdev ?: t[i]->nic);
                int r = fw_net_setup(t[i]);
                if (r < 0) {
                        printf("Setting up software interface %s failed\n", t[i]->netdev ?: t[i]->nic);
                        log_error("%s: %s", t[i]->nic, strerror(-r));
                        rc = ISCSI_ERR;
                }
        }
        node_ibft_list_free(t, n);
        return rc;
}

/* -b: remember the firmware's targets for the login. */
static int fw_connect(Options *o) {
        node_ibft_list_free(o->fw, o->n_fw);
        o->fw = NULL;
        o->n_fw = 0;
        int r = read_fw(&o->fw, &o->n_fw);
        if (r)
                printf("Could not get boot entry.\n");
        return r;
}

/* ---- the login ---- */

/* iscsid.conf's node defaults when the file exists, else the built-in ones. */
static Record *base_record(const Options *o) {
        _cleanup_free_ char *path = o->config ? strdup(o->config) : node_path_config("iscsid.conf");
        _cleanup_(node_iscsid_conf_freep) IscsidConf *conf = NULL;
        if (path && access(path, F_OK) == 0 && node_iscsid_conf_load(path, NULL, NULL, &conf) >= 0)
                return node_record_copy(conf->node);
        return node_record_new(&node_record_schema_node);
}

/* open-iscsi's root-boot values unless -P sets them, then every -P. */
static int apply_params(const Options *o, Record *r) {
        if (node_record_set_index(r, NODE_KEY_INITIAL_LOGIN_RETRY_MAX, BOOT_LOGIN_RETRY_MAX) < 0 ||
            node_record_set_index(r, NODE_KEY_NOOP_OUT_INTERVAL, BOOT_NOOP_OFF) < 0 ||
            node_record_set_index(r, NODE_KEY_NOOP_OUT_TIMEOUT, BOOT_NOOP_OFF) < 0)
                return ISCSI_ERR_NOMEM;
        for (size_t i = 0; i < o->n_params; i++) {
                _cleanup_free_ char *name = strdup(o->params[i]);
                if (!name)
                        return ISCSI_ERR_NOMEM;
                char *value = strchr(name, '=');
                *value++ = 0;
                int k = node_record_set(r, name, value);
                if (k == -ENOENT)
                        log_error("Unknown parameter %s.", name);
                else if (k < 0)
                        log_error("Invalid value %s for parameter %s.", value, name);
                if (k < 0)
                        return ISCSI_ERR;
        }
        return 0;
}

typedef struct Logins {
        Record **recs;
        size_t n;
} Logins;

static void logins_done(Logins *l) {
        for (size_t i = 0; i < l->n; i++)
                node_record_free(l->recs[i]);
        free(l->recs);
}

/* The records to log in with: one per firmware target (-b), else the command line's. */
static int make_logins(Options *o, Logins *l) {
        size_t n = o->fw ? o->n_fw : 1;
        if (!(l->recs = calloc(n, sizeof(Record *))))
                return ISCSI_ERR_NOMEM;
        for (; l->n < n; l->n++) {
                Record *r = o->fw ? base_record(o) : TAKE_PTR(o->rec);
                l->recs[l->n] = r;
                if (!r)
                        return ISCSI_ERR_NOMEM;
                if (o->fw ? node_ibft_apply_to_record(o->fw[l->n], r) < 0 :
                            node_record_set_index(r, NODE_KEY_IFACE_INITIATORNAME, o->initiator_name) < 0)
                        return ISCSI_ERR_INVAL;
                int k = apply_params(o, r);
                if (k)
                        return k;
        }
        return 0;
}

static int report(const Record *r, const struct login_result *res) {
        const char *name = node_record_get(r, NODE_KEY_NAME), *addr = node_record_get(r, NODE_KEY_CONN_ADDRESS);
        int port = 0;
        (void) node_record_get_int(r, NODE_KEY_CONN_PORT, &port);
        if (res->status != 0) {
                log_error("Could not log into [target: %s, portal: %s,%d]: %s (%s)", name, addr, port,
                          node_exit_code_text(res->status), res->message);
                return ISCSI_ERR;
        }
        log_error("Connection%d:0 to [target: %s, portal: %s,%d] through [iface: default] is operational now",
                  res->sid, name, addr, port);
        return 0;
}

static int login(Options *o) {
        _cleanup_(logins_done) Logins l = {};
        int rc = make_logins(o, &l);
        if (rc)
                return rc;
        _cleanup_free_ struct node_login_req *reqs = calloc(l.n, sizeof(*reqs));
        _cleanup_free_ struct login_result *res = calloc(l.n, sizeof(*res));
        if (!reqs || !res)
                return ISCSI_ERR_NOMEM;
        for (size_t i = 0; i < l.n; i++) {
                int port = 0, tpgt = 0;
                (void) node_record_get_int(l.recs[i], NODE_KEY_CONN_PORT, &port);
                (void) node_record_get_int(l.recs[i], NODE_KEY_TPGT, &tpgt);
                printf("%s: Logging into %s %s:%d,%d\n", PROGRAM, node_record_get(l.recs[i], NODE_KEY_NAME),
                       node_record_get(l.recs[i], NODE_KEY_CONN_ADDRESS), port, tpgt);
                node_login_req_from_record(l.recs[i], &reqs[i]);
        }
        fflush(stdout);
        int r = boot_login(reqs, l.n, o->debug, res);
        if (r < 0) {
                log_error("Could not start the login engine: %s", strerror(-r));
                return ISCSI_ERR;
        }
        for (size_t i = 0; i < l.n; i++)
                rc = report(l.recs[i], &res[i]) ?: rc;
        return rc;
}

/* open-iscsi's check_params, in its order. */
static int check_params(const Options *o) {
        const char *missing = !o->initiator_name ? "InitiatorName" :
                              !o->tpgt_set ? "Portal Group" :
                              !node_record_get(o->rec, NODE_KEY_NAME) ? "TargetName" :
                              !node_record_get(o->rec, NODE_KEY_CONN_ADDRESS) ? "IP Address" : NULL;
        if (!missing)
                return 0;
        log_error("%s not set. Exiting %s", missing, PROGRAM);
        return ISCSI_ERR_INVAL;
}

/* ---- options ---- */

static int add_param(Options *o, const char *arg) {
        const char *eq = strchr(arg, '=');
        if (!eq || !eq[1]) {
                log_error("Invalid --param %s. Missing value.", arg);
                return ISCSI_ERR_INVAL;
        }
        if (o->n_params >= ELEMENTSOF(o->params)) {
                log_error("Too many --param options.");
                return ISCSI_ERR_INVAL;
        }
        o->params[o->n_params++] = arg;
        return 0;
}

/* An exit code to end with, or -1 to go on to the login. */
static int parse_option(Options *o, int ch, const char *arg) {
        int r = set_string_option(o, ch, arg ?: "");
        if (r >= 0)
                return r ?: -1;
        switch (ch) {
        case 'i':
                o->initiator_name = arg;
                return -1;
        case 'c':
                o->config = arg;
                return -1;
        case 'd':
                o->debug = atoi(arg) > 0;
                return -1;
        case 'b':
                return fw_connect(o) ?: -1;
        case 'N':
                return fw_network();
        case 'f':
                return fw_print();
        case 'P':
                return add_param(o, arg) ?: -1;
        case 'v':
                printf("%s version %s\n", PROGRAM, COMPAT_VERSION);
                return 0;
        case 'h':
                usage();
                return 0;
        default:
                fprintf(stderr, "Try `%s --help' for more information.\n", PROGRAM);
                return ISCSI_ERR_INVAL;
        }
}

static int run(int argc, char **argv, Options *o) {
        int ch;
        if (!(o->rec = node_record_new(&node_record_schema_node)))
                return ISCSI_ERR_NOMEM;
        while ((ch = getopt_long(argc, argv, "c:P:i:t:g:a:p:d:u:w:U:W:bNfvh", long_options, NULL)) >= 0) {
                int r = parse_option(o, ch, optarg);
                if (r >= 0)
                        return r;
        }
        if (!o->fw) {
                int r = check_params(o);
                if (r)
                        return r;
        }
        return login(o);
}

int main(int argc, char **argv) {
        Options o = {};
        int r = run(argc, argv, &o);
        node_record_free(o.rec);
        node_ibft_list_free(o.fw, o.n_fw);
        return r;
}
