/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command dispatch ([path] verb args...), and the verbs every node has: ls, cd, pwd, help,
 * exit, saveconfig, clearconfig. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "iscsi-util/macro.h"

void cli_error(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        fputs("iscsi-target: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
}

void cli_warning(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        fputs("iscsi-target: warning: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
}

typedef struct Verb {
        const char *name;
        NodeKind kind; /* which node it applies to */
        bool any_kind; /* or every node */
        VerbHandler handler;
        const char *usage;
} Verb;

static int cmd_cd(ConfigLock *s, const Node *n, const Args *a);
static int cmd_pwd(ConfigLock *s, const Node *n, const Args *a);
static int cmd_help(ConfigLock *s, const Node *n, const Args *a);
static int cmd_exit(ConfigLock *s, const Node *n, const Args *a);

static const Verb verbs[] = {
        { "ls", 0, true, cmd_ls, "ls [path] [depth]" },
        { "cd", 0, true, cmd_cd, "cd [path]" },
        { "pwd", 0, true, cmd_pwd, "pwd" },
        { "help", 0, true, cmd_help, "help" },
        { "exit", 0, true, cmd_exit, "exit" },
        { "get", 0, true, cmd_get, "get [group] [name...]" },
        { "set", 0, true, cmd_set, "set group name=value..." },
        { "saveconfig", 0, true, cmd_saveconfig, "saveconfig [savefile]" },
        { "clearconfig", NODE_ROOT, false, cmd_clearconfig, "clearconfig confirm=True" },
        { "create", NODE_BACKSTORE_TYPE, false, cmd_backstore_create,
          "create name file_or_dev|size [size] [write_back=] [sparse=] [readonly=] [nullio=] [wwn=]" },
        { "delete", NODE_BACKSTORE_TYPE, false, cmd_backstore_delete, "delete name" },
        { "create", NODE_ISCSI, false, cmd_iscsi_create, "create [wwn]" },
        { "delete", NODE_ISCSI, false, cmd_iscsi_delete, "delete wwn" },
        { "create", NODE_TARGET, false, cmd_target_create, "create [tag]" },
        { "delete", NODE_TARGET, false, cmd_target_delete, "delete tag" },
        { "enable", NODE_TPG, false, cmd_tpg_enable, "enable" },
        { "disable", NODE_TPG, false, cmd_tpg_disable, "disable" },
        { "create", NODE_LUNS, false, cmd_luns_create, "create storage_object [lun] [add_mapped_luns=true]" },
        { "delete", NODE_LUNS, false, cmd_luns_delete, "delete lun" },
        { "create", NODE_ACLS, false, cmd_acls_create, "create wwn [add_mapped_luns=true]" },
        { "delete", NODE_ACLS, false, cmd_acls_delete, "delete wwn" },
        { "create", NODE_ACL, false, cmd_acl_create, "create mapped_lun tpg_lun [write_protect=false]" },
        { "delete", NODE_ACL, false, cmd_acl_delete, "delete mapped_lun" },
        { "create", NODE_PORTALS, false, cmd_portals_create, "create [ip_address] [ip_port]" },
        { "delete", NODE_PORTALS, false, cmd_portals_delete, "delete ip_address ip_port" },
        { "create", NODE_ALUA, false, cmd_alua_create, "create name tag" },
        { "delete", NODE_ALUA, false, cmd_alua_delete, "delete name" },
};

static bool is_verb_name(const char *w) {
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, w))
                        return true;
        return false;
}

static const Verb *find_verb(NodeKind kind, const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, name) && (verbs[i].any_kind || verbs[i].kind == kind))
                        return &verbs[i];
        return NULL;
}

static int cmd_cd(ConfigLock *cl, const Node *n, const Args *a) {
        if (a->n_kv > 0 || a->n_pos > 1) {
                cli_error("usage: cd [path]");
                return -EINVAL;
        }
        Node target;
        char *canon;
        int r = tree_resolve(cl->cfg, cl->cwd, a->n_pos ? a->pos[0] : "/", &target, &canon);
        if (r < 0)
                return r;
        free(cl->cwd);
        cl->cwd = canon;
        return 0;
}

static int cmd_pwd(ConfigLock *cl, const Node *n, const Args *a) {
        _cleanup_free_ char *p = node_path(n);
        printf("%s\n", p ? p : "?");
        return 0;
}

static int cmd_help(ConfigLock *cl, const Node *n, const Args *a) {
        _cleanup_free_ char *p = node_path(n);
        printf("Commands at %s:\n", p ? p : "?");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (verbs[i].any_kind || verbs[i].kind == n->kind)
                        printf("  %s\n", verbs[i].usage);
        return 0;
}

static int cmd_exit(ConfigLock *cl, const Node *n, const Args *a) {
        /* Every change is already saved; say so the way targetcli does on exit. */
        int r = config_lock_save(cl);
        if (r < 0)
                return r;
        printf("Global pref auto_save_on_exit=true\n");
        printf("Configuration saved to %s\n", cl->config_path);
        cl->exit_requested = true;
        return 0;
}

int cmd_saveconfig(ConfigLock *cl, const Node *n, const Args *a) {
        static const char *const spec[] = { "savefile", NULL };
        const char *v[1];
        int r = args_bind(a, "saveconfig", spec, v);
        if (r < 0)
                return r;
        if (v[0] && !streq(v[0], cl->config_path)) {
                r = tc_config_save(cl->cfg, v[0]);
                if (r < 0) {
                        cli_error("Could not save configuration to %s: %s", v[0], strerror(-r));
                        return r;
                }
                printf("Configuration saved to %s\n", v[0]);
                return 0;
        }
        r = config_lock_save(cl);
        if (r < 0)
                return r;
        printf("Configuration saved to %s\n", cl->config_path);
        return 0;
}

int cmd_clearconfig(ConfigLock *cl, const Node *n, const Args *a) {
        static const char *const spec[] = { "confirm", NULL };
        const char *v[1];
        bool confirm = false;
        int r = args_bind(a, "clearconfig", spec, v);
        if (r < 0)
                return r;
        if (!v[0] || parse_bool(v[0], &confirm) < 0 || !confirm) {
                cli_error("As a precaution, confirm=True needs to be set");
                return -EINVAL;
        }
        TargetConfig *empty = tc_config_new();
        if (!empty)
                return -ENOMEM;
        tc_config_free(cl->cfg);
        cl->cfg = empty;
        printf("All configuration cleared\n");
        return 1;
}

int run_command(ConfigLock *cl, char **words, size_t n_words) {
        if (n_words == 0)
                return 0;
        const char *path = NULL, *verb;
        size_t first_arg;
        /* targetcli: "[path] command args"; a first word that is not a command is a path. */
        if (words[0][0] == '/' || words[0][0] == '.' || !is_verb_name(words[0])) {
                path = words[0];
                if (n_words < 2) {
                        verb = cl->interactive_cd ? "cd" : "ls";
                        first_arg = 1;
                        if (streq(verb, "cd"))
                                return run_command(cl, (char *[]) { (char *) "cd", (char *) path }, 2);
                } else {
                        verb = words[1];
                        first_arg = 2;
                }
        } else {
                verb = words[0];
                first_arg = 1;
        }

        Node n;
        int r = tree_resolve(cl->cfg, cl->cwd, path ? path : ".", &n, NULL);
        if (r < 0)
                return r;
        const Verb *v = find_verb(n.kind, verb);
        if (!v) {
                _cleanup_free_ char *p = node_path(&n);
                if (is_verb_name(verb))
                        cli_error("Command '%s' is not available at %s (try: %s help)", verb, p ? p : "?", p ? p : "/");
                else
                        cli_error("Unknown command '%s' (try: %s help)", verb, p ? p : "/");
                return -EINVAL;
        }
        Args a;
        args_split(&a, words + first_arg, n_words - first_arg);
        r = v->handler(cl, &n, &a);
        args_done(&a);
        if (r < 0) {
                /* Nothing half-done survives a failed command. */
                int q = config_lock_revert(cl);
                if (q < 0)
                        cli_error("could not reload %s: %s", cl->config_path, strerror(-q));
                return r;
        }
        if (r > 0) {
                r = config_lock_save(cl);
                if (r < 0) {
                        (void) config_lock_revert(cl);
                        return r;
                }
        }
        return 0;
}
