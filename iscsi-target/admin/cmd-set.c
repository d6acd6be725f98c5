/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "set <group> k=v..." and "get [group] [k...]": attribute, parameter, auth and
 * discovery_auth groups, checked against what LIO accepts so a typo never reaches the file. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "iscsi-util/macro.h"

typedef enum Group {
        GROUP_ATTRIBUTE,
        GROUP_PARAMETER,
        GROUP_AUTH,
        GROUP_DISCOVERY_AUTH,
        _GROUP_MAX,
} Group;

static const char *const group_names[_GROUP_MAX] = {
        [GROUP_ATTRIBUTE] = "attribute",
        [GROUP_PARAMETER] = "parameter",
        [GROUP_AUTH] = "auth",
        [GROUP_DISCOVERY_AUTH] = "discovery_auth",
};

static const char *const auth_fields[] = { "userid", "password", "mutual_userid", "mutual_password" };

/* Which groups a node has, and where their values live. */
typedef struct GroupTarget {
        TcAttrList *attrs;     /* attribute or parameter list */
        const char *table;     /* tc_attr_table() group */
        TcChap *chap;          /* auth */
        TcFabricModule *fabric; /* discovery_auth (may be created on set) */
} GroupTarget;

static bool node_has_group(const Node *n, Group g) {
        switch (n->kind) {
        case NODE_STORAGE_OBJECT: return g == GROUP_ATTRIBUTE;
        case NODE_TPG: return g == GROUP_ATTRIBUTE || g == GROUP_PARAMETER || g == GROUP_AUTH;
        case NODE_ACL: return g == GROUP_ATTRIBUTE || g == GROUP_AUTH;
        case NODE_ISCSI: return g == GROUP_DISCOVERY_AUTH;
        default: return false;
        }
}

static GroupTarget group_target(TargetConfig *c, const Node *n, Group g) {
        GroupTarget t = {};
        switch (n->kind) {
        case NODE_STORAGE_OBJECT:
                t.attrs = &n->so->attributes;
                t.table = "storage_object";
                break;
        case NODE_TPG:
                if (g == GROUP_ATTRIBUTE) {
                        t.attrs = &n->tpg->attributes;
                        t.table = "tpg";
                } else if (g == GROUP_PARAMETER) {
                        t.attrs = &n->tpg->parameters;
                        t.table = "tpg_parameter";
                } else
                        t.chap = &n->tpg->chap;
                break;
        case NODE_ACL:
                if (g == GROUP_ATTRIBUTE) {
                        t.attrs = &n->acl->attributes;
                        t.table = "acl";
                } else
                        t.chap = &n->acl->chap;
                break;
        case NODE_ISCSI:
                t.fabric = tc_config_find_fabric_module(c, "iscsi");
                break;
        default:
                break;
        }
        return t;
}

static int find_group(const Node *n, const char *name, Group *ret) {
        for (int g = 0; g < _GROUP_MAX; g++)
                if (streq(name, group_names[g])) {
                        if (!node_has_group(n, g)) {
                                _cleanup_free_ char *p = node_path(n);
                                cli_error("No configuration group '%s' at %s", name, p ? p : "?");
                                return -EINVAL;
                        }
                        *ret = g;
                        return 0;
                }
        cli_error("Unknown configuration group '%s' (attribute, parameter, auth, discovery_auth)", name);
        return -EINVAL;
}

static const char *table_default(const char *table, const char *name) {
        size_t n;
        const TcAttrInfo *t = tc_attr_table(table, &n);
        for (size_t i = 0; i < n; i++)
                if (streq(t[i].name, name))
                        return t[i].value;
        return NULL;
}

static bool value_in(const char *v, const char *const *set) {
        for (; *set; set++)
                if (streq(v, *set))
                        return true;
        return false;
}

/* LIO's ranges for the values people actually change; anything else must be an integer. */
static int check_attribute(const char *table, const char *name, const char *value) {
        uint64_t x;
        if (streq(table, "acl") && streq(name, "authentication")) {
                if (!streq(value, "-1") && !streq(value, "0") && !streq(value, "1")) {
                        cli_error("Attribute authentication must be -1 (as the TPG), 0 or 1");
                        return -EINVAL;
                }
                return 0;
        }
        if (parse_uint(value, INT64_MAX, &x) < 0) {
                cli_error("Attribute %s must be a non-negative integer, not '%s'", name, value);
                return -EINVAL;
        }
        if (streq(name, "block_size") && x != 512 && x != 1024 && x != 2048 && x != 4096) {
                cli_error("block_size must be 512, 1024, 2048 or 4096");
                return -EINVAL;
        }
        if ((strncmp(name, "emulate_", 8) == 0 || streq(name, "authentication") || streq(name, "generate_node_acls") ||
             streq(name, "cache_dynamic_acls") || streq(name, "demo_mode_write_protect") ||
             streq(name, "prod_mode_write_protect") || streq(name, "demo_mode_discovery") || streq(name, "is_nonrot") ||
             streq(name, "tpg_enabled_sendtargets") || streq(name, "enforce_pr_isids") || streq(name, "force_pr_aptpl") ||
             strncmp(name, "random_", 7) == 0) && x > 1) {
                cli_error("Attribute %s must be 0 or 1", name);
                return -EINVAL;
        }
        if (streq(name, "default_erl") && x > 2) {
                cli_error("default_erl must be 0, 1 or 2");
                return -EINVAL;
        }
        if (streq(name, "default_cmdsn_depth") && (x < 1 || x > 512)) {
                cli_error("default_cmdsn_depth must be 1-512");
                return -EINVAL;
        }
        if (streq(name, "queue_depth") && (x < 1 || x > 1024)) {
                cli_error("queue_depth must be 1-1024");
                return -EINVAL;
        }
        return 0;
}

static int check_number(const char *name, const char *value, uint64_t min, uint64_t max) {
        uint64_t x;
        if (parse_uint(value, UINT64_MAX, &x) < 0 || x < min || x > max) {
                cli_error("Parameter %s must be a number in %" PRIu64 "-%" PRIu64 ", not '%s'", name, min, max, value);
                return -EINVAL;
        }
        return 0;
}

/* RFC 7143 ranges and value lists for the negotiated keys. */
static int check_parameter(const char *name, const char *value) {
        static const char *const yes_no[] = { "Yes", "No", NULL };
        static const char *const digests[] = { "None", "CRC32C", "CRC32C,None", "None,CRC32C", NULL };
        static const char *const auth[] = { "CHAP", "None", "CHAP,None", "None,CHAP", NULL };
        if (streq(name, "MaxRecvDataSegmentLength") || streq(name, "MaxXmitDataSegmentLength"))
                return check_number(name, value, 512, 16777215);
        if (streq(name, "FirstBurstLength") || streq(name, "MaxBurstLength"))
                return check_number(name, value, 512, 16777215);
        if (streq(name, "MaxOutstandingR2T") || streq(name, "MaxConnections"))
                return check_number(name, value, 1, 65535);
        if (streq(name, "DefaultTime2Wait") || streq(name, "DefaultTime2Retain"))
                return check_number(name, value, 0, 3600);
        if (streq(name, "ErrorRecoveryLevel"))
                return check_number(name, value, 0, 2);
        if (streq(name, "HeaderDigest") || streq(name, "DataDigest")) {
                if (!value_in(value, digests)) {
                        cli_error("Parameter %s must be one of None, CRC32C, CRC32C,None, None,CRC32C", name);
                        return -EINVAL;
                }
                return 0;
        }
        if (streq(name, "AuthMethod")) {
                if (!value_in(value, auth)) {
                        cli_error("Parameter AuthMethod must be CHAP, None or CHAP,None");
                        return -EINVAL;
                }
                return 0;
        }
        if (streq(name, "InitialR2T") || streq(name, "ImmediateData") || streq(name, "DataPDUInOrder") ||
            streq(name, "DataSequenceInOrder") || streq(name, "IFMarker") || streq(name, "OFMarker")) {
                if (!value_in(value, yes_no)) {
                        cli_error("Parameter %s must be Yes or No", name);
                        return -EINVAL;
                }
                return 0;
        }
        if (streq(name, "TargetAlias") && strlen(value) > 255) {
                cli_error("TargetAlias is at most 255 characters");
                return -EINVAL;
        }
        return 0;
}

static int check_secret(const char *field, const char *value) {
        /* CHAP names and secrets travel as text keys: no NUL, no newline, bounded. */
        if (strlen(value) > 255) {
                cli_error("%s is at most 255 characters", field);
                return -EINVAL;
        }
        for (const char *p = value; *p; p++)
                if ((unsigned char) *p < ' ') {
                        cli_error("%s must not contain control characters", field);
                        return -EINVAL;
                }
        return 0;
}

static bool is_alua(const Node *n, const Args *a) {
        return (n->kind == NODE_ALUA_GROUP || n->kind == NODE_LUN) &&
               (a->n_pos == 0 ? n->kind == NODE_ALUA_GROUP : streq(a->pos[0], "alua"));
}

int cmd_set(ConfigLock *cl, const Node *n, const Args *a) {
        if (is_alua(n, a) && a->n_pos > 0)
                return cmd_alua_set(cl, n, a);
        if (a->n_pos != 1 || a->n_kv == 0) {
                cli_error("usage: set <group> name=value ... (groups here: see 'get')");
                return -EINVAL;
        }
        Group g;
        int r = find_group(n, a->pos[0], &g);
        if (r < 0)
                return r;
        GroupTarget t = group_target(cl->cfg, n, g);

        /* Check everything first: a bad pair means nothing is changed. */
        for (size_t i = 0; i < a->n_kv; i++) {
                const char *k = a->keys[i], *v = a->values[i];
                if (g == GROUP_ATTRIBUTE || g == GROUP_PARAMETER) {
                        if (!table_default(t.table, k) && !tc_attr_get(t.attrs, k)) {
                                cli_error("Unknown %s '%s' (see: get %s)", group_names[g], k, group_names[g]);
                                return -EINVAL;
                        }
                        r = g == GROUP_ATTRIBUTE ? check_attribute(t.table, k, v) : check_parameter(k, v);
                } else if (g == GROUP_AUTH || (g == GROUP_DISCOVERY_AUTH && !streq(k, "enable"))) {
                        bool known = false;
                        for (size_t j = 0; j < ELEMENTSOF(auth_fields); j++)
                                known = known || streq(k, auth_fields[j]);
                        if (!known) {
                                cli_error("Unknown auth parameter '%s' (userid, password, mutual_userid, mutual_password%s)",
                                          k, g == GROUP_DISCOVERY_AUTH ? ", enable" : "");
                                return -EINVAL;
                        }
                        r = check_secret(k, v);
                } else {
                        bool b;
                        if (parse_bool(v, &b) < 0) {
                                cli_error("enable must be true or false (or 1/0), not '%s'", v);
                                return -EINVAL;
                        }
                }
                if (r < 0)
                        return r;
        }

        if (g == GROUP_DISCOVERY_AUTH && !t.fabric && (r = tc_config_iscsi_fabric(cl->cfg, &t.fabric)) < 0)
                return r;
        for (size_t i = 0; i < a->n_kv; i++) {
                const char *k = a->keys[i], *v = a->values[i];
                switch (g) {
                case GROUP_ATTRIBUTE:
                        r = tc_attr_set(t.attrs, k, v, false);
                        /* Keep the storage object's flag and LIO's attribute in step. */
                        if (r >= 0 && n->kind == NODE_STORAGE_OBJECT && streq(k, "emulate_write_cache"))
                                n->so->write_back = !streq(v, "0");
                        break;
                case GROUP_PARAMETER:
                        r = tc_attr_set(t.attrs, k, v, true);
                        break;
                case GROUP_AUTH:
                        r = tc_chap_set(t.chap, k, v);
                        break;
                case GROUP_DISCOVERY_AUTH:
                        if (streq(k, "enable")) {
                                bool b = false;
                                (void) parse_bool(v, &b);
                                t.fabric->discovery_enable_auth = b;
                                printf("Parameter enable is now '%s'.\n", b ? "True" : "False");
                                continue;
                        }
                        r = tc_chap_set(&t.fabric->discovery_chap, k, v);
                        break;
                default:
                        r = -EINVAL;
                }
                if (r < 0)
                        return r;
                printf("Parameter %s is now '%s'.\n", k, v);
        }
        return 1;
}

static void print_header(const char *group) {
        char title[64];
        snprintf(title, sizeof(title), "%s CONFIG GROUP", group);
        for (char *p = title; *p; p++)
                if (*p >= 'a' && *p <= 'z')
                        *p = (char) (*p - 'a' + 'A');
        printf("%s\n", title);
        for (size_t i = 0; i < strlen(title); i++)
                putchar('=');
        putchar('\n');
}

static int get_group(ConfigLock *cl, const Node *n, Group g, char **names, size_t n_names, bool header) {
        GroupTarget t = group_target(cl->cfg, n, g);
        if (header)
                print_header(group_names[g]);
        if (g == GROUP_ATTRIBUTE || g == GROUP_PARAMETER) {
                if (n_names == 0) {
                        for (size_t i = 0; i < t.attrs->n; i++)
                                printf("%s=%s\n", t.attrs->items[i].name, t.attrs->items[i].value);
                        return 0;
                }
                for (size_t i = 0; i < n_names; i++) {
                        const char *v = tc_attr_get(t.attrs, names[i]);
                        if (!v)
                                v = table_default(t.table, names[i]);
                        if (!v) {
                                cli_error("Unknown %s '%s'", group_names[g], names[i]);
                                return -EINVAL;
                        }
                        printf("%s=%s\n", names[i], v);
                }
                return 0;
        }
        const TcChap empty = {};
        const TcChap *chap = g == GROUP_AUTH ? t.chap : t.fabric ? &t.fabric->discovery_chap : &empty;
        const char *values[] = { chap->userid, chap->password, chap->mutual_userid, chap->mutual_password };
        bool any = n_names == 0;
        if (g == GROUP_DISCOVERY_AUTH) {
                bool want = any;
                for (size_t i = 0; i < n_names; i++)
                        want = want || streq(names[i], "enable");
                if (want)
                        printf("enable=%s\n", t.fabric && t.fabric->discovery_enable_auth ? "True" : "False");
        }
        for (size_t i = 0; i < n_names; i++) {
                bool known = streq(names[i], "enable") && g == GROUP_DISCOVERY_AUTH;
                for (size_t j = 0; j < ELEMENTSOF(auth_fields); j++)
                        known = known || streq(names[i], auth_fields[j]);
                if (!known) {
                        cli_error("Unknown auth parameter '%s'", names[i]);
                        return -EINVAL;
                }
        }
        for (size_t j = 0; j < ELEMENTSOF(auth_fields); j++) {
                bool want = any;
                for (size_t i = 0; i < n_names; i++)
                        want = want || streq(names[i], auth_fields[j]);
                if (want)
                        printf("%s=%s\n", auth_fields[j], values[j] ? values[j] : "");
        }
        return 0;
}

int cmd_get(ConfigLock *cl, const Node *n, const Args *a) {
        if (a->n_kv > 0) {
                cli_error("usage: get [group] [name...]");
                return -EINVAL;
        }
        if (is_alua(n, a))
                return cmd_alua_get(cl, n, a);
        if (a->n_pos == 0) {
                bool any = false;
                for (int g = 0; g < _GROUP_MAX; g++)
                        if (node_has_group(n, g)) {
                                if (any)
                                        putchar('\n');
                                any = true;
                                int r = get_group(cl, n, g, NULL, 0, true);
                                if (r < 0)
                                        return r;
                        }
                if (!any) {
                        _cleanup_free_ char *p = node_path(n);
                        printf("No configuration groups at %s\n", p ? p : "?");
                }
                return 0;
        }
        Group g;
        int r = find_group(n, a->pos[0], &g);
        if (r < 0)
                return r;
        return get_group(cl, n, g, a->pos + 1, a->n_pos - 1, a->n_pos == 1);
}
