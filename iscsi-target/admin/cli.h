/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iscsi-target: targetcli's path-and-verb model, run non-interactively. Shared declarations. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/saveconfig.h"
#include "config/config-edit.h"
#include "config-lock.h"

/* ---- arguments ---------------------------------------------------------------------------- */

typedef struct Args {
        char **pos;   /* positional arguments */
        size_t n_pos;
        char **keys;  /* key=value arguments, in order */
        char **values;
        size_t n_kv;
} Args;

void args_split(Args *a, char **argv, size_t argc); /* argv entries are borrowed */
void args_done(Args *a);
/* Bind positional then key=value arguments to the names in spec (NULL-terminated); out[i]
 * gets the value for spec[i] or NULL. Fails with a message on unknown keys, duplicates or
 * too many positional arguments. */
int args_bind(const Args *a, const char *verb, const char *const *spec, const char **out);

int parse_size(const char *s, uint64_t *ret);      /* "10G", "512MiB", "4096" */
int parse_bool(const char *s, bool *ret);          /* true/false/yes/no/1/0/on/off */
int parse_uint(const char *s, uint64_t max, uint64_t *ret);
char *format_size(uint64_t bytes, char buf[static 32]); /* "10.0GiB" like targetcli */

/* Split a script line into words: whitespace separated, '...' and "..." quoting, '#'
 * comments. Returns the number of words or a negative errno. */
int split_words(const char *line, char ***ret);

/* ---- the tree ----------------------------------------------------------------------------- */

typedef enum NodeKind {
        NODE_ROOT,
        NODE_BACKSTORES,
        NODE_BACKSTORE_TYPE,
        NODE_STORAGE_OBJECT,
        NODE_ISCSI,
        NODE_TARGET,
        NODE_TPG,
        NODE_LUNS,
        NODE_LUN,
        NODE_ACLS,
        NODE_ACL,
        NODE_MAPPED_LUN,
        NODE_PORTALS,
        NODE_PORTAL,
        NODE_ALUA,              /* /backstores/TYPE/NAME/alua */
        NODE_ALUA_GROUP,        /* .../alua/GROUP (an ALUA target port group) */
} NodeKind;

typedef struct Node {
        NodeKind kind;
        TcBackstoreType bs;
        TcStorageObject *so;
        TcTarget *target;
        TcTpg *tpg;
        TcLun *lun;
        TcNodeAcl *acl;
        TcMappedLun *mlun;
        TcPortal *portal;
        char alua_group[64];    /* NODE_ALUA_GROUP: the group's name */
} Node;

/* Resolve path (absolute, or relative to cwd; ".." and "." allowed). -ENOENT with a message
 * printed when it does not exist. */
int tree_resolve(const TargetConfig *c, const char *cwd, const char *path, Node *ret, char **ret_canonical);
char *node_path(const Node *n);
char *node_name(const Node *n);
int node_children(const TargetConfig *c, const Node *n, Node **ret, size_t *ret_n);
char *node_summary(const TargetConfig *c, const Node *n);

int cmd_ls(ConfigLock *s, const Node *n, const Args *a);

/* ---- verbs -------------------------------------------------------------------------------- */

/* Run one command: words[0] may be a path, then a verb and its arguments. */
int run_command(ConfigLock *s, char **words, size_t n_words);

typedef int (*VerbHandler)(ConfigLock *s, const Node *n, const Args *a);

/* Handlers live in cmd-*.c; each returns 0, 1 if the model changed (caller saves), or a
 * negative errno after printing a message. */
int cmd_backstore_create(ConfigLock *s, const Node *n, const Args *a);
int cmd_backstore_delete(ConfigLock *s, const Node *n, const Args *a);
int cmd_iscsi_create(ConfigLock *s, const Node *n, const Args *a);
int cmd_iscsi_delete(ConfigLock *s, const Node *n, const Args *a);
int cmd_target_create(ConfigLock *s, const Node *n, const Args *a);
int cmd_target_delete(ConfigLock *s, const Node *n, const Args *a);
int cmd_tpg_enable(ConfigLock *s, const Node *n, const Args *a);
int cmd_tpg_disable(ConfigLock *s, const Node *n, const Args *a);
int cmd_luns_create(ConfigLock *s, const Node *n, const Args *a);
int cmd_luns_delete(ConfigLock *s, const Node *n, const Args *a);
int cmd_acls_create(ConfigLock *s, const Node *n, const Args *a);
int cmd_acls_delete(ConfigLock *s, const Node *n, const Args *a);
int cmd_acl_create(ConfigLock *s, const Node *n, const Args *a);
int cmd_acl_delete(ConfigLock *s, const Node *n, const Args *a);
int cmd_portals_create(ConfigLock *s, const Node *n, const Args *a);
int cmd_portals_delete(ConfigLock *s, const Node *n, const Args *a);
int cmd_alua_create(ConfigLock *s, const Node *n, const Args *a);
int cmd_alua_delete(ConfigLock *s, const Node *n, const Args *a);
/* "set alua k=v" / "get alua [k]" at an ALUA group or a LUN (cmd-alua.c). */
int cmd_alua_set(ConfigLock *s, const Node *n, const Args *a);
int cmd_alua_get(ConfigLock *s, const Node *n, const Args *a);
int cmd_set(ConfigLock *s, const Node *n, const Args *a);
int cmd_get(ConfigLock *s, const Node *n, const Args *a);
int cmd_clearconfig(ConfigLock *s, const Node *n, const Args *a);
int cmd_saveconfig(ConfigLock *s, const Node *n, const Args *a);

/* Errors go to stderr with the program name, once, where the decision is made. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
