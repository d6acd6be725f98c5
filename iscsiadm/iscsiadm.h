/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared state of the iscsiadm command: parsed options, the open database, logging. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "iscsi-node/iscsid-conf.h"
#include "iscsi-util/macro.h"
#include "iscsi-node/nodedb.h"

#include "iscsi-node/exit-code.h"

/* The open-iscsi release whose formats this iscsiadm follows (-V, the -P 3 header). */
#define ISCSIADM_COMPAT_VERSION "2.1.8"

enum {
        OP_NEW = 1 << 0,
        OP_DELETE = 1 << 1,
        OP_UPDATE = 1 << 2,
        OP_SHOW = 1 << 3,
        OP_NONPERSISTENT = 1 << 4,
        OP_APPLY = 1 << 5,
        OP_APPLYALL = 1 << 6,
};

typedef struct Portal {
        char *address; /* without brackets */
        int port;      /* ISCSI_DEFAULT_PORT when not given */
        int tpgt;      /* NODE_TPGT_ANY when not given */
        bool port_given;
} Portal;

typedef struct NameValue {
        const char *name;
        const char *value;
} NameValue;

typedef struct Options {
        const char *mode;
        const char *type;   /* -t */
        Portal portal;      /* -p */
        bool has_portal;
        const char *target; /* -T */
        const char *ifaces[16]; /* -I (repeatable) */
        size_t n_ifaces;
        unsigned op;        /* -o (repeatable) */
        NameValue nv[32];   /* -n / -v pairs */
        size_t n_nv;
        bool login, logout, rescan, stats, show_secrets, discover, no_wait;
        const char *loginall, *logoutall;
        int print_level; /* -1 = not given */
        const char *sid; /* -r */
        const char *host;
        const char *submode;
        const char *killiscsid;
        int debug;
        bool json;
} Options;

typedef struct Context {
        Options *o;
        NodeDb *db;
        IscsidConf *conf;
} Context;

void log_error(const char *fmt, ...) _printf_(1, 2);
void log_warn(const char *fmt, ...) _printf_(1, 2);
void log_debug(int level, const char *fmt, ...) _printf_(2, 3);
extern int debug_level;

/* Loads iscsid.conf once, reporting problems as "iscsiadm: file:line: ..." */
IscsidConf *ctx_conf(Context *c);
/* Takes the writers' lock; prints the error and returns an exit code on failure. */
int ctx_lock(Context *c);

int parse_portal(const char *s, Portal *ret);

/* Which kind of call returned the errno: the same errno means different things there. */
typedef enum ErrnoSource {
        ERRNO_FROM_ANY,
        ERRNO_FROM_ISCSID, /* the IPC client: could not reach iscsid or no valid reply */
        ERRNO_FROM_DB,     /* the node database */
        ERRNO_FROM_SYSFS,  /* the kernel's session objects */
} ErrnoSource;
/* The one errno -> exit code mapping of iscsiadm (r < 0; 0 for r >= 0). */
int exit_code_from_errno(ErrnoSource source, int r);

/* One function per mode; each returns an exit code. */
int mode_node(Context *c);
int mode_discovery(Context *c, bool db_mode);
int mode_iface(Context *c);
int mode_session(Context *c);
int mode_host(Context *c);
int mode_fw(Context *c);
int mode_fw_discovery(Context *c); /* -m discovery -t fw (mode-fw.c) */

/* node operations shared with discovery (-l after discovery) */
typedef struct NodeEntry NodeEntry;
int nodes_login(Context *c, NodeEntry *e, size_t n);
/* Apply -I ifaces / defaults to a new node record (from iscsid.conf). */
int node_from_conf(Context *c, const char *target, const char *address, int port, int tpgt, const char *iface,
                   Record **ret);
