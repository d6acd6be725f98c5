/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The targetcli node tree over the model: paths, names, children and one-line summaries. */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "cli.h"
#include "config/alua.h"
#include "iscsi-util/macro.h"

static const char *const backstore_dirs[] = { "block", "fileio", "ramdisk" };

static int tpg_tag_from_name(const char *s, uint16_t *ret) {
        uint64_t v;
        if (strncmp(s, "tpg", 3) != 0 || parse_uint(s + 3, 65535, &v) < 0 || v == 0)
                return -EINVAL;
        *ret = (uint16_t) v;
        return 0;
}

static int index_from_name(const char *s, const char *prefix, uint32_t *ret) {
        uint64_t v;
        size_t l = strlen(prefix);
        if (strncmp(s, prefix, l) != 0 || parse_uint(s + l, 65535, &v) < 0)
                return -EINVAL;
        *ret = (uint32_t) v;
        return 0;
}

/* "ip:port" with the ip possibly "[v6]". */
static TcPortal *find_portal_by_name(const TcTpg *tpg, const char *name) {
        const char *colon = strrchr(name, ':');
        uint64_t port;
        if (!colon || parse_uint(colon + 1, 65535, &port) < 0)
                return NULL;
        _cleanup_free_ char *ip = strndup(name, (size_t) (colon - name));
        if (!ip)
                return NULL;
        return tc_tpg_find_portal(tpg, ip, (uint16_t) port);
}

/* "alua" under a storage object, and its groups. */
static int child_alua(const Node *n, const char *name, Node *ret) {
        _cleanup_free_ char *v = NULL;
        Node x = *n;

        if (n->kind == NODE_STORAGE_OBJECT) {
                if (!streq(name, "alua"))
                        return -ENOENT;
                x.kind = NODE_ALUA;
        } else {
                if (strlen(name) >= sizeof(x.alua_group) || tc_alua_group_get(n->so, name, "name", &v) < 0)
                        return -ENOENT;
                strcpy(x.alua_group, name);
                x.kind = NODE_ALUA_GROUP;
        }
        *ret = x;
        return 0;
}

static int child(const TargetConfig *c, const Node *n, const char *name, Node *ret) {
        Node x = *n;
        switch (n->kind) {
        case NODE_ROOT:
                if (streq(name, "backstores"))
                        x.kind = NODE_BACKSTORES;
                else if (streq(name, "iscsi"))
                        x.kind = NODE_ISCSI;
                else
                        return -ENOENT;
                break;
        case NODE_BACKSTORES:
                x.bs = tc_backstore_type_from_string(name);
                if (x.bs < 0 || streq(name, "iblock") || streq(name, "rd_mcp"))
                        return -ENOENT;
                x.kind = NODE_BACKSTORE_TYPE;
                break;
        case NODE_BACKSTORE_TYPE:
                x.so = tc_config_find_storage_object(c, n->bs, name);
                if (!x.so)
                        return -ENOENT;
                x.kind = NODE_STORAGE_OBJECT;
                break;
        case NODE_STORAGE_OBJECT:
        case NODE_ALUA:
                return child_alua(n, name, ret);
        case NODE_ISCSI:
                x.target = tc_config_find_target(c, name);
                if (!x.target || !streq(x.target->fabric, "iscsi"))
                        return -ENOENT;
                x.kind = NODE_TARGET;
                break;
        case NODE_TARGET: {
                uint16_t tag;
                if (tpg_tag_from_name(name, &tag) < 0 || !(x.tpg = tc_target_find_tpg(n->target, tag)))
                        return -ENOENT;
                x.kind = NODE_TPG;
                break;
        }
        case NODE_TPG:
                if (streq(name, "luns"))
                        x.kind = NODE_LUNS;
                else if (streq(name, "acls"))
                        x.kind = NODE_ACLS;
                else if (streq(name, "portals"))
                        x.kind = NODE_PORTALS;
                else
                        return -ENOENT;
                break;
        case NODE_LUNS: {
                uint32_t i;
                if (index_from_name(name, "lun", &i) < 0 || !(x.lun = tc_tpg_find_lun(n->tpg, i)))
                        return -ENOENT;
                x.kind = NODE_LUN;
                break;
        }
        case NODE_ACLS:
                if (!(x.acl = tc_tpg_find_acl(n->tpg, name)))
                        return -ENOENT;
                x.kind = NODE_ACL;
                break;
        case NODE_ACL: {
                uint32_t i;
                if (index_from_name(name, "mapped_lun", &i) < 0 || !(x.mlun = tc_acl_find_mapped_lun(n->acl, i)))
                        return -ENOENT;
                x.kind = NODE_MAPPED_LUN;
                break;
        }
        case NODE_PORTALS:
                if (!(x.portal = find_portal_by_name(n->tpg, name)))
                        return -ENOENT;
                x.kind = NODE_PORTAL;
                break;
        default:
                return -ENOENT;
        }
        *ret = x;
        return 0;
}

/* Join cwd and path and fold "." and "..": returns the list of components. */
static int normalize(const char *cwd, const char *path, char ***ret, size_t *ret_n) {
        _cleanup_free_ char *full = NULL;
        if (path[0] == '/')
                full = strdup(path);
        else if (asprintf(&full, "%s/%s", cwd, path) < 0)
                full = NULL;
        if (!full)
                return -ENOMEM;
        char **parts = calloc(strlen(full) + 1, sizeof(char *));
        if (!parts)
                return -ENOMEM;
        size_t n = 0;
        char *save = NULL;
        for (char *tok = strtok_r(full, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
                if (streq(tok, "."))
                        continue;
                if (streq(tok, "..")) {
                        if (n > 0)
                                free(parts[--n]);
                        continue;
                }
                if (!(parts[n++] = strdup(tok))) {
                        tc_strv_free(parts);
                        return -ENOMEM;
                }
        }
        *ret = parts;
        *ret_n = n;
        return 0;
}

int tree_resolve(const TargetConfig *c, const char *cwd, const char *path, Node *ret, char **ret_canonical) {
        char **parts;
        size_t n;
        int r = normalize(cwd, path, &parts, &n);
        if (r < 0)
                return r;
        Node x = { .kind = NODE_ROOT, .bs = _TC_BACKSTORE_INVALID };
        for (size_t i = 0; i < n; i++) {
                r = child(c, &x, parts[i], &x);
                if (r < 0) {
                        /* Report the prefix that does exist, like targetcli's "No such path". */
                        _cleanup_free_ char *shown = NULL;
                        size_t len = 0;
                        for (size_t j = 0; j <= i; j++)
                                len += strlen(parts[j]) + 1;
                        shown = calloc(len + 1, 1);
                        for (size_t j = 0; shown && j <= i; j++) {
                                strcat(shown, "/");
                                strcat(shown, parts[j]);
                        }
                        cli_error("No such path %s", shown ? shown : path);
                        tc_strv_free(parts);
                        return -ENOENT;
                }
        }
        tc_strv_free(parts);
        if (ret_canonical) {
                char *p = node_path(&x);
                if (!p)
                        return -ENOMEM;
                *ret_canonical = p;
        }
        *ret = x;
        return 0;
}

char *node_name(const Node *n) {
        char *s = NULL;
        switch (n->kind) {
        case NODE_ROOT: return strdup("/");
        case NODE_BACKSTORES: return strdup("backstores");
        case NODE_BACKSTORE_TYPE: return strdup(tc_backstore_type_to_string(n->bs));
        case NODE_STORAGE_OBJECT: return strdup(n->so->name);
        case NODE_ISCSI: return strdup("iscsi");
        case NODE_TARGET: return strdup(n->target->wwn);
        case NODE_TPG:
                if (asprintf(&s, "tpg%u", n->tpg->tag) < 0)
                        return NULL;
                return s;
        case NODE_LUNS: return strdup("luns");
        case NODE_LUN:
                if (asprintf(&s, "lun%u", n->lun->index) < 0)
                        return NULL;
                return s;
        case NODE_ACLS: return strdup("acls");
        case NODE_ACL: return strdup(n->acl->node_wwn);
        case NODE_MAPPED_LUN:
                if (asprintf(&s, "mapped_lun%u", n->mlun->index) < 0)
                        return NULL;
                return s;
        case NODE_PORTALS: return strdup("portals");
        case NODE_ALUA: return strdup("alua");
        case NODE_ALUA_GROUP: return strdup(n->alua_group);
        case NODE_PORTAL:
                if (asprintf(&s, "%s:%u", n->portal->ip_address, n->portal->port) < 0)
                        return NULL;
                return s;
        }
        return NULL;
}

static NodeKind parent_kind(NodeKind k) {
        switch (k) {
        case NODE_BACKSTORES: case NODE_ISCSI: return NODE_ROOT;
        case NODE_BACKSTORE_TYPE: return NODE_BACKSTORES;
        case NODE_STORAGE_OBJECT: return NODE_BACKSTORE_TYPE;
        case NODE_TARGET: return NODE_ISCSI;
        case NODE_TPG: return NODE_TARGET;
        case NODE_LUNS: case NODE_ACLS: case NODE_PORTALS: return NODE_TPG;
        case NODE_LUN: return NODE_LUNS;
        case NODE_ACL: return NODE_ACLS;
        case NODE_MAPPED_LUN: return NODE_ACL;
        case NODE_PORTAL: return NODE_PORTALS;
        case NODE_ALUA: return NODE_STORAGE_OBJECT;
        case NODE_ALUA_GROUP: return NODE_ALUA;
        default: return NODE_ROOT;
        }
}

char *node_path(const Node *n) {
        if (n->kind == NODE_ROOT)
                return strdup("/");
        Node p = *n;
        p.kind = parent_kind(n->kind);
        _cleanup_free_ char *parent = node_path(&p), *name = node_name(n);
        char *s;
        if (!parent || !name)
                return NULL;
        if (asprintf(&s, "%s%s%s", parent, streq(parent, "/") ? "" : "/", name) < 0)
                return NULL;
        return s;
}

static int cmp_nodes(const void *a, const void *b) {
        const Node *x = a, *y = b;
        switch (x->kind) {
        case NODE_LUN: return (int) x->lun->index - (int) y->lun->index;
        case NODE_MAPPED_LUN: return (int) x->mlun->index - (int) y->mlun->index;
        case NODE_TPG: return (int) x->tpg->tag - (int) y->tpg->tag;
        default: {
                _cleanup_free_ char *nx = node_name(x), *ny = node_name(y);
                return strcmp(nx ? nx : "", ny ? ny : "");
        }
        }
}

/* The ALUA groups of a storage object, in the order of its alua_tpgs. */
static int alua_children(const Node *n, Node **ret, size_t *ret_n) {
        TcAluaGroup *g = NULL;
        size_t ng = 0;
        Node *v;
        int r;

        r = tc_alua_groups(n->so, &g, &ng);
        if (r < 0)
                return r;
        v = calloc(ng ?: 1, sizeof(Node));
        if (!v) {
                tc_alua_groups_free(g, ng);
                return -ENOMEM;
        }
        for (size_t i = 0; i < ng; i++) {
                v[i] = (Node) { .kind = NODE_ALUA_GROUP, .bs = n->bs, .so = n->so };
                snprintf(v[i].alua_group, sizeof(v[i].alua_group), "%s", g[i].name);
        }
        tc_alua_groups_free(g, ng);
        *ret = v;
        *ret_n = ng;
        return 0;
}

int node_children(const TargetConfig *c, const Node *n, Node **ret, size_t *ret_n) {
        size_t cap = 8, k = 0;
        Node *v = NULL;
#define ADD(...)                                                                        \
        do {                                                                            \
                if (!v || k == cap) {                                                   \
                        cap = k + 8;                                                    \
                        Node *nv_ = reallocarray(v, cap, sizeof(Node));                 \
                        if (!nv_) {                                                     \
                                free(v);                                                \
                                return -ENOMEM;                                         \
                        }                                                               \
                        v = nv_;                                                        \
                }                                                                       \
                v[k] = (Node) __VA_ARGS__;                                              \
                k++;                                                                    \
        } while (0)
        Node b = *n;
        switch (n->kind) {
        case NODE_ROOT:
                ADD({ .kind = NODE_BACKSTORES, .bs = _TC_BACKSTORE_INVALID });
                ADD({ .kind = NODE_ISCSI, .bs = _TC_BACKSTORE_INVALID });
                break;
        case NODE_BACKSTORES:
                for (size_t i = 0; i < ELEMENTSOF(backstore_dirs); i++)
                        ADD({ .kind = NODE_BACKSTORE_TYPE, .bs = tc_backstore_type_from_string(backstore_dirs[i]) });
                break;
        case NODE_BACKSTORE_TYPE:
                for (size_t i = 0; i < c->n_storage_objects; i++)
                        if (c->storage_objects[i]->type == n->bs)
                                ADD({ .kind = NODE_STORAGE_OBJECT, .bs = n->bs, .so = c->storage_objects[i] });
                break;
        case NODE_ISCSI:
                for (size_t i = 0; i < c->n_targets; i++)
                        if (streq(c->targets[i]->fabric, "iscsi"))
                                ADD({ .kind = NODE_TARGET, .bs = _TC_BACKSTORE_INVALID, .target = c->targets[i] });
                break;
        case NODE_TARGET:
                for (size_t i = 0; i < n->target->n_tpgs; i++)
                        ADD({ .kind = NODE_TPG, .bs = b.bs, .target = b.target, .tpg = b.target->tpgs[i] });
                break;
        case NODE_TPG:
                ADD({ .kind = NODE_ACLS, .bs = b.bs, .target = b.target, .tpg = b.tpg });
                ADD({ .kind = NODE_LUNS, .bs = b.bs, .target = b.target, .tpg = b.tpg });
                ADD({ .kind = NODE_PORTALS, .bs = b.bs, .target = b.target, .tpg = b.tpg });
                break;
        case NODE_LUNS:
                for (size_t i = 0; i < n->tpg->n_luns; i++)
                        ADD({ .kind = NODE_LUN, .bs = b.bs, .target = b.target, .tpg = b.tpg, .lun = b.tpg->luns[i] });
                break;
        case NODE_ACLS:
                for (size_t i = 0; i < n->tpg->n_node_acls; i++)
                        ADD({ .kind = NODE_ACL, .bs = b.bs, .target = b.target, .tpg = b.tpg, .acl = b.tpg->node_acls[i] });
                break;
        case NODE_ACL:
                for (size_t i = 0; i < n->acl->n_mapped_luns; i++)
                        ADD({ .kind = NODE_MAPPED_LUN, .bs = b.bs, .target = b.target, .tpg = b.tpg, .acl = b.acl,
                              .mlun = b.acl->mapped_luns[i] });
                break;
        case NODE_PORTALS:
                for (size_t i = 0; i < n->tpg->n_portals; i++)
                        ADD({ .kind = NODE_PORTAL, .bs = b.bs, .target = b.target, .tpg = b.tpg, .portal = b.tpg->portals[i] });
                break;
        case NODE_STORAGE_OBJECT:
                ADD({ .kind = NODE_ALUA, .bs = b.bs, .so = b.so });
                break;
        case NODE_ALUA:
                free(v);
                return alua_children(n, ret, ret_n);
        default:
                break;
        }
#undef ADD
        if (k > 1)
                qsort(v, k, sizeof(Node), cmp_nodes);
        *ret = v;
        *ret_n = k;
        return 0;
}

static bool storage_object_in_use(const TargetConfig *c, const TcStorageObject *so) {
        for (size_t t = 0; t < c->n_targets; t++)
                for (size_t g = 0; g < c->targets[t]->n_tpgs; g++) {
                        const TcTpg *tpg = c->targets[t]->tpgs[g];
                        for (size_t l = 0; l < tpg->n_luns; l++)
                                if (tc_config_lun_storage_object(c, tpg->luns[l]) == so)
                                        return true;
                }
        return false;
}

static uint64_t block_device_size(const char *dev) {
        _cleanup_close_ int fd = open(dev, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        uint64_t size = 0;
        if (fd < 0 || ioctl(fd, BLKGETSIZE64, &size) < 0)
                return 0;
        return size;
}

static const char *chap_mode(const TcChap *chap) {
        if (chap->userid && chap->password)
                return chap->mutual_userid && chap->mutual_password ? "mutual auth" : "1-way auth";
        return NULL;
}

static char *storage_object_summary(const TargetConfig *c, const TcStorageObject *so) {
        const char *state = storage_object_in_use(c, so) ? "activated" : "deactivated";
        const char *wb = so->write_back ? "write-back" : "write-thru";
        char *s = NULL, sz[32];
        int r;

        if (so->type == TC_BACKSTORE_FILEIO)
                r = asprintf(&s, "%s (%s) %s %s", so->dev, format_size(so->size, sz), wb, state);
        else if (so->type == TC_BACKSTORE_BLOCK) {
                uint64_t bytes = block_device_size(so->dev);
                if (bytes)
                        r = asprintf(&s, "%s (%s) %s%s %s", so->dev, format_size(bytes, sz),
                                     so->readonly ? "ro " : "", wb, state);
                else
                        r = asprintf(&s, "%s %s%s %s", so->dev, so->readonly ? "ro " : "", wb, state);
        } else
                r = asprintf(&s, "%s(%s) %s", so->nullio ? "nullio " : "", format_size(so->size, sz), state);
        return r < 0 ? NULL : s;
}

static char *iscsi_summary(const TargetConfig *c) {
        const TcFabricModule *f = tc_config_find_fabric_module(c, "iscsi");
        const char *mode = f && f->discovery_enable_auth ? chap_mode(&f->discovery_chap) : NULL;
        char *s = NULL;
        size_t k = 0;
        int r;

        for (size_t i = 0; i < c->n_targets; i++)
                k += streq(c->targets[i]->fabric, "iscsi");
        if (mode)
                r = asprintf(&s, "%s discovery, Targets: %zu", mode, k);
        else
                r = asprintf(&s, "Targets: %zu", k);
        return r < 0 ? NULL : s;
}

/* targetcli's names of the ALUA access states. */
static const char *alua_state_name(unsigned state) {
        static const char *const names[16] = {
                [0] = "Active/optimized", [1] = "Active/non-optimized", [2] = "Standby",
                [3] = "Unavailable", [4] = "LBA Dependent", [14] = "Offline", [15] = "Transitioning",
        };
        return state < ELEMENTSOF(names) && names[state] ? names[state] : "?";
}

static char *alua_summary(const TcStorageObject *so, const char *group) {
        TcAluaGroup *g = NULL;
        size_t n = 0;
        char *s = NULL;
        int r = -ENOENT;

        if (tc_alua_groups(so, &g, &n) < 0)
                return NULL;
        if (!group)
                r = asprintf(&s, "ALUA Groups: %zu", n);
        for (size_t i = 0; group && i < n; i++)
                if (streq(g[i].name, group))
                        r = asprintf(&s, "ALUA state: %s", alua_state_name(g[i].access_state));
        tc_alua_groups_free(g, n);
        return r < 0 ? NULL : s;
}

static char *lun_summary(const TargetConfig *c, const TcLun *lun) {
        const TcStorageObject *so = tc_config_lun_storage_object(c, lun);
        const char *bs = so ? tc_backstore_type_to_string(so->type) : "?";
        _cleanup_free_ char *group = NULL;
        char *s = NULL;
        int r;

        if (tc_lun_alua_group(lun, &group) < 0)
                return NULL;
        if (so && so->dev)
                r = asprintf(&s, "%s/%s (%s) (%s)", bs, so->name, so->dev, group);
        else if (so)
                r = asprintf(&s, "%s/%s (%s)", bs, so->name, group);
        else
                r = asprintf(&s, "%s (missing)", lun->storage_object);
        return r < 0 ? NULL : s;
}

char *node_summary(const TargetConfig *c, const Node *n) {
        char *s = NULL;
        int r = 0;
        switch (n->kind) {
        case NODE_ROOT:
        case NODE_BACKSTORES:
                return strdup("...");
        case NODE_BACKSTORE_TYPE: {
                size_t k = 0;
                for (size_t i = 0; i < c->n_storage_objects; i++)
                        k += c->storage_objects[i]->type == n->bs;
                r = asprintf(&s, "Storage Objects: %zu", k);
                break;
        }
        case NODE_STORAGE_OBJECT:
                return storage_object_summary(c, n->so);
        case NODE_ISCSI:
                return iscsi_summary(c);
        case NODE_TARGET:
                r = asprintf(&s, "TPGs: %zu", n->target->n_tpgs);
                break;
        case NODE_TPG: {
                bool gen = tc_tpg_generate_node_acls(n->tpg);
                /* iscsi-targetd asks for CHAP when the TPG's authentication attribute is set, and
                 * from any explicit ACL that has credentials. */
                const char *auth = tc_tpg_authentication(n->tpg) ? (gen ? "tpg-auth" : "auth required")
                                                                 : (gen ? "no-auth" : "auth per-acl");
                r = asprintf(&s, "%s%s, %s", n->tpg->enable ? "" : "disabled, ", gen ? "gen-acls" : "no-gen-acls", auth);
                break;
        }
        case NODE_LUNS:
                r = asprintf(&s, "LUNs: %zu", n->tpg->n_luns);
                break;
        case NODE_LUN:
                return lun_summary(c, n->lun);
        case NODE_ACLS:
                r = asprintf(&s, "ACLs: %zu", n->tpg->n_node_acls);
                break;
        case NODE_ACL: {
                const char *mode = chap_mode(&n->acl->chap);
                r = asprintf(&s, "%s%sMapped LUNs: %zu", mode ? mode : "", mode ? ", " : "", n->acl->n_mapped_luns);
                break;
        }
        case NODE_MAPPED_LUN: {
                const TcLun *l = tc_tpg_find_lun(n->tpg, n->mlun->tpg_lun);
                const TcStorageObject *so = l ? tc_config_lun_storage_object(c, l) : NULL;
                r = asprintf(&s, "lun%u %s/%s (%s)", n->mlun->tpg_lun,
                             so ? tc_backstore_type_to_string(so->type) : "?", so ? so->name : "?",
                             n->mlun->write_protect ? "ro" : "rw");
                break;
        }
        case NODE_PORTALS:
                r = asprintf(&s, "Portals: %zu", n->tpg->n_portals);
                break;
        case NODE_PORTAL:
                return strdup(n->portal->iser ? "iser" : "OK");
        case NODE_ALUA:
                return alua_summary(n->so, NULL);
        case NODE_ALUA_GROUP:
                return alua_summary(n->so, n->alua_group);
        }
        return r < 0 ? NULL : s;
}
