/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /iscsi, /iscsi/<iqn>, .../tpgN, .../luns, .../acls, .../acls/<iqn>, .../portals: create,
 * delete, enable, disable — with targetcli's side effects (tpg1 and the default portal on
 * target creation, LUNs mapped into ACLs) and its messages. */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/utsname.h>

#include "cli.h"
#include "iscsi-proto/defaults.h"
#include "iscsi-util/macro.h"

#define DEFAULT_PORTAL_IP "0.0.0.0"
#define DEFAULT_PORTAL_PORT ISCSI_DEFAULT_PORT

/* targetcli's generated name: iqn.2003-01.org.linux-iscsi.<host>.<arch>:sn.<12 hex>. */
static int generate_target_name(char **ret) {
        struct utsname u;
        uint8_t b[6];
        if (uname(&u) < 0)
                return -errno;
        if (getrandom(b, sizeof(b), 0) != sizeof(b))
                return -EIO;
        char host[65], arch[65];
        size_t k = 0;
        for (const char *p = u.nodename; *p && *p != '.' && k < sizeof(host) - 1; p++)
                if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')
                        host[k++] = *p;
                else if (*p >= 'A' && *p <= 'Z')
                        host[k++] = (char) (*p - 'A' + 'a');
        host[k] = 0;
        k = 0;
        for (const char *p = u.machine; *p && k < sizeof(arch) - 1; p++)
                if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
                        arch[k++] = *p;
        arch[k] = 0;
        if (asprintf(ret, "iqn.2003-01.org.linux-iscsi.%s.%s:sn.%02x%02x%02x%02x%02x%02x", host[0] ? host : "localhost",
                     arch[0] ? arch : "unknown", b[0], b[1], b[2], b[3], b[4], b[5]) < 0)
                return -ENOMEM;
        return 0;
}

static bool ip_is_wildcard(const char *ip) {
        return streq(ip, "0.0.0.0") || streq(ip, "[::]");
}

static bool ip_is_v6(const char *ip) {
        return ip[0] == '[';
}

/* Two listeners on one port conflict when one is a wildcard covering the other's address
 * (the daemon could not bind both, and LIO refuses the same). The same address:port in
 * several TPGs is one shared listener, which is fine. */
static int check_portal_conflict(const TargetConfig *c, const TcTpg *self, const char *ip, uint16_t port, bool quiet) {
        for (size_t t = 0; t < c->n_targets; t++)
                for (size_t g = 0; g < c->targets[t]->n_tpgs; g++) {
                        const TcTpg *tpg = c->targets[t]->tpgs[g];
                        for (size_t i = 0; i < tpg->n_portals; i++) {
                                const TcPortal *p = tpg->portals[i];
                                if (p->port != port)
                                        continue;
                                if (strcasecmp(p->ip_address, ip) == 0) {
                                        if (tpg == self) {
                                                cli_error("Network portal %s:%u already exists", ip, port);
                                                return -EEXIST;
                                        }
                                        continue;
                                }
                                bool clash = (ip_is_wildcard(ip) && (streq(ip, "[::]") || !ip_is_v6(p->ip_address))) ||
                                             (ip_is_wildcard(p->ip_address) &&
                                              (streq(p->ip_address, "[::]") || !ip_is_v6(ip)));
                                if (clash) {
                                        if (quiet)
                                                return -EADDRINUSE;
                                        cli_error("Could not create network portal %s:%u: it overlaps %s:%u of %s tpg%u "
                                                  "(delete that portal first)", ip, port, p->ip_address, p->port,
                                                  c->targets[t]->wwn, tpg->tag);
                                        return -EADDRINUSE;
                                }
                        }
                }
        return 0;
}

static int add_default_portal(ConfigLock *cl, TcTpg *tpg) {
        printf("Global pref auto_add_default_portal=true\n");
        /* An overlapping portal elsewhere means LIO would fail here too; keep the TPG. */
        if (check_portal_conflict(cl->cfg, tpg, DEFAULT_PORTAL_IP, DEFAULT_PORTAL_PORT, true) < 0) {
                printf("Default portal not created: %s:%u would overlap an existing portal on port %u.\n", DEFAULT_PORTAL_IP,
                       DEFAULT_PORTAL_PORT, DEFAULT_PORTAL_PORT);
                return 0;
        }
        int r = tc_tpg_add_portal(tpg, DEFAULT_PORTAL_IP, DEFAULT_PORTAL_PORT, NULL);
        if (r < 0)
                return r;
        printf("Created default portal listening on all IPs (%s), port %u.\n", DEFAULT_PORTAL_IP, DEFAULT_PORTAL_PORT);
        return 0;
}

int cmd_iscsi_create(ConfigLock *cl, const Node *n, const Args *a) {
        static const char *const spec[] = { "wwn", NULL };
        const char *v[1];
        int r = args_bind(a, "create", spec, v);
        if (r < 0)
                return r;
        _cleanup_free_ char *generated = NULL;
        if (!v[0]) {
                if ((r = generate_target_name(&generated)) < 0)
                        return r;
                v[0] = generated;
        }
        if (!tc_iscsi_name_is_valid(v[0])) {
                cli_error("WWN not valid as: iqn, naa, eui ('%s')", v[0]);
                return -EINVAL;
        }
        if (tc_config_find_target(cl->cfg, v[0])) {
                cli_error("Target %s already exists", v[0]);
                return -EEXIST;
        }
        TcTarget *t;
        TcTpg *tpg;
        if ((r = tc_config_add_target(cl->cfg, v[0], &t)) < 0)
                return r;
        printf("Created target %s.\n", t->wwn);
        if ((r = tc_target_add_tpg(t, 1, &tpg)) < 0)
                return r;
        printf("Created TPG %u.\n", tpg->tag);
        if ((r = add_default_portal(cl, tpg)) < 0)
                return r;
        return 1;
}

static TcTarget *find_iscsi_target(const TargetConfig *c, const char *wwn) {
        TcTarget *t = tc_config_find_target(c, wwn);
        return t && streq(t->fabric, "iscsi") ? t : NULL;
}

int cmd_iscsi_delete(ConfigLock *cl, const Node *n, const Args *a) {
        static const char *const spec[] = { "wwn", NULL };
        const char *v[1];
        int r = args_bind(a, "delete", spec, v);
        if (r < 0)
                return r;
        TcTarget *t = v[0] ? find_iscsi_target(cl->cfg, v[0]) : NULL;
        if (!t) {
                cli_error(v[0] ? "No such Target in configfs: %s" : "usage: delete wwn%s", v[0] ? v[0] : "");
                return -ENOENT;
        }
        _cleanup_free_ char *name = strdup(t->wwn);
        if (!name || (r = tc_config_remove_target(cl->cfg, t)) < 0)
                return name ? r : -ENOMEM;
        printf("Deleted Target %s.\n", name);
        return 1;
}

static int parse_tag(const char *s, uint16_t *ret) {
        uint64_t v;
        if (!s)
                return -EINVAL;
        if (strncmp(s, "tpg", 3) == 0)
                s += 3;
        if (parse_uint(s, 65535, &v) < 0 || v == 0)
                return -EINVAL;
        *ret = (uint16_t) v;
        return 0;
}

int cmd_target_create(ConfigLock *cl, const Node *n, const Args *a) {
        static const char *const spec[] = { "tag", NULL };
        const char *v[1];
        uint16_t tag = 0;
        int r = args_bind(a, "create", spec, v);
        if (r < 0)
                return r;
        if (v[0] && parse_tag(v[0], &tag) < 0) {
                cli_error("'%s' is not a valid TPG tag (1-65535)", v[0]);
                return -EINVAL;
        }
        if (tag && tc_target_find_tpg(n->target, tag)) {
                cli_error("TPG %u already exists", tag);
                return -EEXIST;
        }
        TcTpg *tpg;
        if ((r = tc_target_add_tpg(n->target, tag, &tpg)) < 0)
                return r;
        printf("Created TPG %u.\n", tpg->tag);
        if ((r = add_default_portal(cl, tpg)) < 0)
                return r;
        return 1;
}

int cmd_target_delete(ConfigLock *cl, const Node *n, const Args *a) {
        static const char *const spec[] = { "tag", NULL };
        const char *v[1];
        uint16_t tag;
        int r = args_bind(a, "delete", spec, v);
        if (r < 0)
                return r;
        TcTpg *tpg = v[0] && parse_tag(v[0], &tag) >= 0 ? tc_target_find_tpg(n->target, tag) : NULL;
        if (!tpg) {
                cli_error("No such TPG: %s", v[0] ? v[0] : "(none given)");
                return -ENOENT;
        }
        if ((r = tc_target_remove_tpg(n->target, tpg)) < 0)
                return r;
        printf("Deleted TPG %u.\n", tag);
        return 1;
}

int cmd_tpg_enable(ConfigLock *cl, const Node *n, const Args *a) {
        if (a->n_pos || a->n_kv) {
                cli_error("usage: enable");
                return -EINVAL;
        }
        if (n->tpg->enable) {
                printf("The TPGT is already enabled.\n");
                return 0;
        }
        n->tpg->enable = true;
        printf("The TPGT has been enabled.\n");
        return 1;
}

int cmd_tpg_disable(ConfigLock *cl, const Node *n, const Args *a) {
        if (a->n_pos || a->n_kv) {
                cli_error("usage: disable");
                return -EINVAL;
        }
        if (!n->tpg->enable) {
                printf("The TPGT is already disabled.\n");
                return 0;
        }
        n->tpg->enable = false;
        printf("The TPGT has been disabled.\n");
        return 1;
}

static bool acl_maps_tpg_lun(const TcNodeAcl *acl, uint32_t tpg_lun) {
        for (size_t i = 0; i < acl->n_mapped_luns; i++)
                if (acl->mapped_luns[i]->tpg_lun == tpg_lun)
                        return true;
        return false;
}

static int parse_lun_index(const char *s, const char *prefix, uint32_t *ret) {
        uint64_t v;
        if (!s)
                return -EINVAL;
        if (strncmp(s, prefix, strlen(prefix)) == 0)
                s += strlen(prefix);
        if (parse_uint(s, 65535, &v) < 0)
                return -EINVAL;
        *ret = (uint32_t) v;
        return 0;
}

int cmd_luns_create(ConfigLock *cl, const Node *n, const Args *a) {
        static const char *const spec[] = { "storage_object", "lun", "add_mapped_luns", NULL };
        const char *v[3];
        int r = args_bind(a, "create", spec, v);
        if (r < 0)
                return r;
        if (!v[0]) {
                cli_error("usage: create storage_object [lun] [add_mapped_luns=true]");
                return -EINVAL;
        }
        if (!tc_config_resolve_storage_object(cl->cfg, v[0])) {
                cli_error("Invalid storage object %s (expected /backstores/<fileio|block|ramdisk>/<name>)", v[0]);
                return -ENOENT;
        }
        int64_t index = -1;
        if (v[1]) {
                uint32_t i;
                if (parse_lun_index(v[1], "lun", &i) < 0) {
                        cli_error("'%s' is not a valid LUN number (0-65535)", v[1]);
                        return -EINVAL;
                }
                if (tc_tpg_find_lun(n->tpg, i)) {
                        cli_error("LUN %u already exists", i);
                        return -EEXIST;
                }
                index = i;
        }
        bool add_mapped = true;
        if (v[2] && parse_bool(v[2], &add_mapped) < 0) {
                cli_error("add_mapped_luns must be true or false");
                return -EINVAL;
        }
        TcLun *lun;
        if ((r = tc_tpg_add_lun(cl->cfg, n->tpg, index, v[0], &lun)) < 0) {
                cli_error("Could not create LUN: %s", strerror(-r));
                return r;
        }
        printf("Created LUN %u.\n", lun->index);
        if (!add_mapped)
                return 1;
        for (size_t i = 0; i < n->tpg->n_node_acls; i++) {
                TcNodeAcl *acl = n->tpg->node_acls[i];
                TcMappedLun *m;
                if (acl_maps_tpg_lun(acl, lun->index))
                        continue;
                int64_t want = tc_acl_find_mapped_lun(acl, lun->index) ? -1 : (int64_t) lun->index;
                if ((r = tc_acl_add_mapped_lun(n->tpg, acl, want, lun->index, false, &m)) < 0)
                        return r;
                printf("Created LUN %u->%u mapping in node ACL %s\n", lun->index, m->index, acl->node_wwn);
        }
        return 1;
}

int cmd_luns_delete(ConfigLock *cl, const Node *n, const Args *a) {
        static const char *const spec[] = { "lun", NULL };
        const char *v[1];
        uint32_t i;
        int r = args_bind(a, "delete", spec, v);
        if (r < 0)
                return r;
        TcLun *lun = parse_lun_index(v[0], "lun", &i) >= 0 ? tc_tpg_find_lun(n->tpg, i) : NULL;
        if (!lun) {
                cli_error("No such LUN: %s", v[0] ? v[0] : "(none given)");
                return -ENOENT;
        }
        if ((r = tc_tpg_remove_lun(n->tpg, lun)) < 0)
                return r;
        printf("Deleted LUN %u.\n", i);
        return 1;
}

int cmd_acls_create(ConfigLock *cl, const Node *n, const Args *a) {
        static const char *const spec[] = { "wwn", "add_mapped_luns", NULL };
        const char *v[2];
        int r = args_bind(a, "create", spec, v);
        if (r < 0)
                return r;
        if (!v[0]) {
                cli_error("usage: create wwn [add_mapped_luns=true]");
                return -EINVAL;
        }
        if (!tc_iscsi_name_is_valid(v[0])) {
                cli_error("'%s' is not a valid name for an iSCSI initiator (iqn., eui. or naa.)", v[0]);
                return -EINVAL;
        }
        if (tc_tpg_find_acl(n->tpg, v[0])) {
                cli_error("This NodeACL already exists: %s", v[0]);
                return -EEXIST;
        }
        bool add_mapped = true;
        if (v[1] && parse_bool(v[1], &add_mapped) < 0) {
                cli_error("add_mapped_luns must be true or false");
                return -EINVAL;
        }
        TcNodeAcl *acl;
        if ((r = tc_tpg_add_acl(n->tpg, v[0], &acl)) < 0)
                return r;
        printf("Created Node ACL for %s\n", acl->node_wwn);
        if (!add_mapped)
                return 1;
        /* Sorted by LUN number, each mapped under its own number where possible. */
        for (uint32_t idx = 0, done = 0; done < n->tpg->n_luns && idx <= 65535; idx++) {
                TcLun *lun = tc_tpg_find_lun(n->tpg, idx);
                TcMappedLun *m;
                if (!lun)
                        continue;
                done++;
                int64_t want = tc_acl_find_mapped_lun(acl, idx) ? -1 : (int64_t) idx;
                if ((r = tc_acl_add_mapped_lun(n->tpg, acl, want, idx, false, &m)) < 0)
                        return r;
                printf("Created mapped LUN %u.\n", m->index);
        }
        return 1;
}

int cmd_acls_delete(ConfigLock *cl, const Node *n, const Args *a) {
        static const char *const spec[] = { "wwn", NULL };
        const char *v[1];
        int r = args_bind(a, "delete", spec, v);
        if (r < 0)
                return r;
        TcNodeAcl *acl = v[0] ? tc_tpg_find_acl(n->tpg, v[0]) : NULL;
        if (!acl) {
                cli_error("No such NodeACL: %s", v[0] ? v[0] : "(none given)");
                return -ENOENT;
        }
        _cleanup_free_ char *name = strdup(acl->node_wwn);
        if (!name)
                return -ENOMEM;
        if ((r = tc_tpg_remove_acl(n->tpg, acl)) < 0)
                return r;
        printf("Deleted Node ACL %s.\n", name);
        return 1;
}

int cmd_acl_create(ConfigLock *cl, const Node *n, const Args *a) {
        static const char *const spec[] = { "mapped_lun", "tpg_lun_or_backstore", "write_protect", NULL };
        const char *v[3];
        uint32_t mapped, tpg_lun;
        int r = args_bind(a, "create", spec, v);
        if (r < 0)
                return r;
        if (!v[0] || !v[1]) {
                cli_error("usage: create mapped_lun tpg_lun_or_backstore [write_protect=false]");
                return -EINVAL;
        }
        if (parse_lun_index(v[0], "mapped_lun", &mapped) < 0) {
                cli_error("'%s' is not a valid mapped LUN number (0-65535)", v[0]);
                return -EINVAL;
        }
        if (tc_acl_find_mapped_lun(n->acl, mapped)) {
                cli_error("Mapped LUN %u already exists", mapped);
                return -EEXIST;
        }
        bool wp = false;
        if (v[2] && parse_bool(v[2], &wp) < 0) {
                cli_error("write_protect must be true or false");
                return -EINVAL;
        }
        if (v[1][0] == '/') {
                /* A backstore: use its LUN in this TPG, creating one if needed (targetcli). */
                const TcStorageObject *so = tc_config_resolve_storage_object(cl->cfg, v[1]);
                TcLun *lun = NULL;
                if (!so) {
                        cli_error("Invalid storage object %s", v[1]);
                        return -ENOENT;
                }
                for (size_t i = 0; i < n->tpg->n_luns && !lun; i++)
                        if (tc_config_lun_storage_object(cl->cfg, n->tpg->luns[i]) == so)
                                lun = n->tpg->luns[i];
                if (!lun) {
                        if ((r = tc_tpg_add_lun(cl->cfg, n->tpg, -1, v[1], &lun)) < 0)
                                return r;
                        printf("Created LUN %u.\n", lun->index);
                }
                tpg_lun = lun->index;
        } else if (parse_lun_index(v[1], "lun", &tpg_lun) < 0 || !tc_tpg_find_lun(n->tpg, tpg_lun)) {
                cli_error("No such LUN in this TPG: %s", v[1]);
                return -ENOENT;
        }
        TcMappedLun *m;
        if ((r = tc_acl_add_mapped_lun(n->tpg, n->acl, mapped, tpg_lun, wp, &m)) < 0)
                return r;
        printf("Created Mapped LUN %u.\n", m->index);
        return 1;
}

int cmd_acl_delete(ConfigLock *cl, const Node *n, const Args *a) {
        static const char *const spec[] = { "mapped_lun", NULL };
        const char *v[1];
        uint32_t i;
        int r = args_bind(a, "delete", spec, v);
        if (r < 0)
                return r;
        TcMappedLun *m = parse_lun_index(v[0], "mapped_lun", &i) >= 0 ? tc_acl_find_mapped_lun(n->acl, i) : NULL;
        if (!m) {
                cli_error("No such mapped LUN: %s", v[0] ? v[0] : "(none given)");
                return -ENOENT;
        }
        if ((r = tc_acl_remove_mapped_lun(n->acl, m)) < 0)
                return r;
        printf("Deleted Mapped LUN %u.\n", i);
        return 1;
}

/* Accept "1.2.3.4", "::1", "[::1]"; give rtslib's form ("[::1]" for IPv6). */
static int normalize_ip(const char *in, char **ret) {
        unsigned char buf[sizeof(struct in6_addr)];
        char norm[INET6_ADDRSTRLEN];
        if (inet_pton(AF_INET, in, buf) == 1)
                return (*ret = strdup(in)) ? 0 : -ENOMEM;
        size_t len = strlen(in);
        _cleanup_free_ char *bare = len >= 2 && in[0] == '[' && in[len - 1] == ']' ? strndup(in + 1, len - 2) : strdup(in);
        if (!bare)
                return -ENOMEM;
        if (inet_pton(AF_INET6, bare, buf) != 1 || !inet_ntop(AF_INET6, buf, norm, sizeof(norm)))
                return -EINVAL;
        return asprintf(ret, "[%s]", norm) < 0 ? -ENOMEM : 0;
}

static int parse_portal_args(const Args *a, const char *verb, bool defaults, char **ret_ip, uint16_t *ret_port) {
        static const char *const spec[] = { "ip_address", "ip_port", NULL };
        const char *v[2];
        int r = args_bind(a, verb, spec, v);
        if (r < 0)
                return r;
        _cleanup_free_ char *combined_ip = NULL;
        /* Also accept the node name form "ip:port" as one argument. */
        if (v[0] && !v[1] && strrchr(v[0], ':') && (v[0][0] == '[' ? strstr(v[0], "]:") != NULL : strchr(v[0], ':') == strrchr(v[0], ':'))) {
                const char *colon = strrchr(v[0], ':');
                if (!(combined_ip = strndup(v[0], (size_t) (colon - v[0]))))
                        return -ENOMEM;
                v[1] = colon + 1;
                v[0] = combined_ip;
        }
        if (!v[0]) {
                if (!defaults) {
                        cli_error("usage: %s ip_address ip_port", verb);
                        return -EINVAL;
                }
                printf("Binding to INADDR_ANY (0.0.0.0)\n");
                v[0] = DEFAULT_PORTAL_IP;
        }
        uint64_t port = DEFAULT_PORTAL_PORT;
        if (!v[1]) {
                if (!defaults) {
                        cli_error("usage: %s ip_address ip_port", verb);
                        return -EINVAL;
                }
                printf("Using default IP port %u\n", DEFAULT_PORTAL_PORT);
        } else if (parse_uint(v[1], 65535, &port) < 0 || port == 0) {
                cli_error("'%s' is not a valid TCP port", v[1]);
                return -EINVAL;
        }
        if ((r = normalize_ip(v[0], ret_ip)) < 0) {
                if (r == -EINVAL)
                        cli_error("'%s' is not an IPv4 or IPv6 address", v[0]);
                return r;
        }
        *ret_port = (uint16_t) port;
        return 0;
}

int cmd_portals_create(ConfigLock *cl, const Node *n, const Args *a) {
        _cleanup_free_ char *ip = NULL;
        uint16_t port;
        int r = parse_portal_args(a, "create", true, &ip, &port);
        if (r < 0 || (r = check_portal_conflict(cl->cfg, n->tpg, ip, port, false)) < 0)
                return r;
        if ((r = tc_tpg_add_portal(n->tpg, ip, port, NULL)) < 0) {
                cli_error("Could not create network portal %s:%u: %s", ip, port, strerror(-r));
                return r;
        }
        printf("Created network portal %s:%u.\n", ip, port);
        return 1;
}

int cmd_portals_delete(ConfigLock *cl, const Node *n, const Args *a) {
        _cleanup_free_ char *ip = NULL;
        uint16_t port;
        int r = parse_portal_args(a, "delete", false, &ip, &port);
        if (r < 0)
                return r;
        TcPortal *p = tc_tpg_find_portal(n->tpg, ip, port);
        if (!p) {
                cli_error("No such network portal: %s:%u", ip, port);
                return -ENOENT;
        }
        if ((r = tc_tpg_remove_portal(n->tpg, p)) < 0)
                return r;
        printf("Deleted network portal %s:%u\n", ip, port);
        return 1;
}
