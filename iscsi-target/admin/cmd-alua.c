/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ALUA target port groups as targetcli edits them: "create name tag" / "delete name" under
 * /backstores/TYPE/NAME/alua, "set alua key=value" in a group (alua_access_state=0..3, 14, 15,
 * alua_access_type, preferred, alua_support_*), and "set alua alua_tg_pt_gp_name=GROUP" on a
 * LUN. A running iscsi-targetd applies a saved change on the reload the CLI signals. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config/alua.h"
#include "iscsi-util/macro.h"

#define LUN_GROUP_KEY "alua_tg_pt_gp_name"

static const char *const group_keys[] = {
        "alua_access_state", "alua_access_status", "alua_access_type", "alua_support_active_nonoptimized",
        "alua_support_active_optimized", "alua_support_offline", "alua_support_standby",
        "alua_support_transitioning", "alua_support_unavailable", "alua_write_metadata",
        "implicit_trans_secs", "nonop_delay_msecs", "preferred", "tg_pt_gp_id", "trans_delay_msecs",
};

static int report(int r, const char *what, const char *name) {
        switch (r) {
        case -ENOENT:
                cli_error("No ALUA %s '%s'", what, name);
                break;
        case -EEXIST:
                cli_error("ALUA group name or tag already in use: %s", name);
                break;
        case -EPERM:
                cli_error("'%s' cannot be changed", name);
                break;
        case -EINVAL:
                cli_error("Invalid value for %s", name);
                break;
        default:
                if (r < 0)
                        cli_error("%s: %s", name, strerror(-r));
        }
        return r;
}

int cmd_alua_create(ConfigLock *cl, const Node *n, const Args *a) {
        static const char *const spec[] = { "name", "tag", NULL };
        const char *v[2];
        uint64_t tag;
        int r;

        r = args_bind(a, "create", spec, v);
        if (r < 0)
                return r;
        if (!v[0] || !v[1] || parse_uint(v[1], 65535, &tag) < 0) {
                cli_error("usage: create name tag (tag 0..65535)");
                return -EINVAL;
        }
        r = tc_alua_group_create(n->so, v[0], (uint16_t) tag);
        if (r < 0)
                return report(r, "group", v[0]);
        printf("Created ALUA TPG %s.\n", v[0]);
        return 1;
}

int cmd_alua_delete(ConfigLock *cl, const Node *n, const Args *a) {
        static const char *const spec[] = { "name", NULL };
        const char *v[1];
        int r;

        r = args_bind(a, "delete", spec, v);
        if (r < 0)
                return r;
        if (!v[0]) {
                cli_error("usage: delete name");
                return -EINVAL;
        }
        r = tc_alua_group_delete(cl->cfg, n->so, v[0]);
        if (r < 0)
                return report(r, "group", v[0]);
        printf("Deleted ALUA TPG %s.\n", v[0]);
        return 1;
}

static int set_lun_group(ConfigLock *cl, const Node *n, const char *key, const char *value) {
        const TcStorageObject *so = tc_config_lun_storage_object(cl->cfg, n->lun);
        int r;

        if (!streq(key, LUN_GROUP_KEY)) {
                cli_error("Unknown alua parameter '%s' (%s)", key, LUN_GROUP_KEY);
                return -EINVAL;
        }
        if (!so) {
                cli_error("The LUN's storage object is missing");
                return -ENOENT;
        }
        r = tc_lun_set_alua_group(so, n->lun, value);
        return r < 0 ? report(r, "group", value) : 0;
}

int cmd_alua_set(ConfigLock *cl, const Node *n, const Args *a) {
        if (a->n_pos != 1 || a->n_kv == 0) {
                cli_error("usage: set alua name=value ...");
                return -EINVAL;
        }
        for (size_t i = 0; i < a->n_kv; i++) {
                const char *k = a->keys[i], *v = a->values[i];
                int r;

                if (n->kind == NODE_LUN)
                        r = set_lun_group(cl, n, k, v);
                else {
                        r = tc_alua_group_set(n->so, n->alua_group, k, v);
                        if (r < 0)
                                return report(r, r == -ENOENT ? "parameter" : "value", k);
                }
                if (r < 0)
                        return r;
                printf("Parameter %s is now '%s'.\n", k, v);
        }
        return 1;
}

static int print_value(const Node *n, const char *key) {
        _cleanup_free_ char *v = NULL;
        int r = tc_alua_group_get(n->so, n->alua_group, key, &v);

        if (r < 0)
                return report(r, "parameter", key);
        printf("%s=%s\n", key, v);
        return 0;
}

int cmd_alua_get(ConfigLock *cl, const Node *n, const Args *a) {
        if (n->kind == NODE_LUN) {
                _cleanup_free_ char *g = NULL;
                int r = tc_lun_alua_group(n->lun, &g);
                if (r < 0)
                        return r;
                printf("%s=%s\n", LUN_GROUP_KEY, g);
                return 0;
        }
        if (a->n_pos <= 1) {
                printf("ALUA CONFIG GROUP\n=================\n");
                for (size_t i = 0; i < ELEMENTSOF(group_keys); i++)
                        if (print_value(n, group_keys[i]) < 0)
                                return -EINVAL;
                return 0;
        }
        for (size_t i = 1; i < a->n_pos; i++)
                if (print_value(n, a->pos[i]) < 0)
                        return -EINVAL;
        return 0;
}
