/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Whole-model consistency checks: names, uniqueness, references. */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "saveconfig.h"
#include "iscsi-proto/iscsi-name.h"
#include "model-internal.h"
#include "iscsi-util/macro.h"

_printf_(2, 3) static int invalid(char **ret_error, const char *fmt, ...) {
        if (ret_error) {
                va_list ap;
                va_start(ap, fmt);
                if (vasprintf(ret_error, fmt, ap) < 0)
                        *ret_error = NULL;
                va_end(ap);
        }
        return -EINVAL;
}

/* The rules are libiscsi-proto's (RFC 7143 4.2.7 after RFC 3722 stringprep). Names compare
 * case-insensitively, and LIO accepts upper case in configfs, so a loaded file may carry it:
 * validate the lower-cased form. The CLI stores lower case. */
bool tc_iscsi_name_is_valid(const char *name) {
        char buf[ISCSI_NAME_MAX + 1];
        if (!name)
                return false;
        size_t len = strlen(name);
        if (len == 0 || len > ISCSI_NAME_MAX)
                return false;
        for (size_t i = 0; i <= len; i++)
                buf[i] = (char) tolower((unsigned char) name[i]);
        return iscsi_name_validate(buf) > 0;
}

static bool portal_address_is_valid(const char *ip) {
        unsigned char buf[sizeof(struct in6_addr)];
        size_t len = strlen(ip);
        if (len >= 2 && ip[0] == '[' && ip[len - 1] == ']') {
                char v6[INET6_ADDRSTRLEN + 1];
                if (len - 2 >= sizeof(v6))
                        return false;
                memcpy(v6, ip + 1, len - 2);
                v6[len - 2] = 0;
                return inet_pton(AF_INET6, v6, buf) == 1;
        }
        return inet_pton(AF_INET, ip, buf) == 1;
}

static int validate_tpg(const TargetConfig *c, const TcTarget *t, const TcTpg *tpg, char **ret_error) {
        bool iscsi = streq(t->fabric, "iscsi");
        for (size_t i = 0; i < tpg->n_luns; i++) {
                const TcLun *l = tpg->luns[i];
                for (size_t j = 0; j < i; j++)
                        if (tpg->luns[j]->index == l->index)
                                return invalid(ret_error, "%s tpg%u: LUN %u is defined twice",
                                               t->wwn, tpg->tag, l->index);
                if (!tc_config_resolve_storage_object(c, l->storage_object) &&
                    !tc_extra_get(&c->unsupported_storage_objects, l->storage_object))
                        return invalid(ret_error, "%s tpg%u: LUN %u refers to %s, which does not exist",
                                       t->wwn, tpg->tag, l->index, l->storage_object);
        }
        for (size_t i = 0; i < tpg->n_portals; i++) {
                const TcPortal *p = tpg->portals[i];
                if (!portal_address_is_valid(p->ip_address))
                        return invalid(ret_error, "%s tpg%u: portal address '%s' is not an IPv4 "
                                       "address or a bracketed IPv6 address", t->wwn, tpg->tag, p->ip_address);
                for (size_t j = 0; j < i; j++)
                        if (tpg->portals[j]->port == p->port &&
                            strcasecmp(tpg->portals[j]->ip_address, p->ip_address) == 0)
                                return invalid(ret_error, "%s tpg%u: portal %s:%u is defined twice",
                                               t->wwn, tpg->tag, p->ip_address, p->port);
        }
        for (size_t i = 0; i < tpg->n_node_acls; i++) {
                const TcNodeAcl *a = tpg->node_acls[i];
                if (iscsi && !tc_iscsi_name_is_valid(a->node_wwn))
                        return invalid(ret_error, "%s tpg%u: '%s' is not a valid iSCSI initiator name",
                                       t->wwn, tpg->tag, a->node_wwn);
                for (size_t j = 0; j < i; j++)
                        if (strcasecmp(tpg->node_acls[j]->node_wwn, a->node_wwn) == 0)
                                return invalid(ret_error, "%s tpg%u: ACL %s is defined twice",
                                               t->wwn, tpg->tag, a->node_wwn);
                for (size_t k = 0; k < a->n_mapped_luns; k++) {
                        const TcMappedLun *m = a->mapped_luns[k];
                        for (size_t j = 0; j < k; j++)
                                if (a->mapped_luns[j]->index == m->index)
                                        return invalid(ret_error, "%s tpg%u ACL %s: mapped LUN %u is defined twice",
                                                       t->wwn, tpg->tag, a->node_wwn, m->index);
                        if (!tc_tpg_find_lun(tpg, m->tpg_lun))
                                return invalid(ret_error, "%s tpg%u ACL %s: mapped LUN %u refers to TPG LUN %u, "
                                               "which does not exist", t->wwn, tpg->tag, a->node_wwn,
                                               m->index, m->tpg_lun);
                }
        }
        return 0;
}

int tc_config_validate(const TargetConfig *c, char **ret_error) {
        for (size_t i = 0; i < c->n_storage_objects; i++) {
                const TcStorageObject *so = c->storage_objects[i];
                const char *plugin = tc_backstore_type_to_string(so->type);
                if (!plugin)
                        return invalid(ret_error, "storage object %s has no valid plugin", so->name);
                if (!*so->name || strchr(so->name, '/') || strlen(so->name) > 128)
                        return invalid(ret_error, "storage object name '%s' is not valid", so->name);
                for (size_t j = 0; j < i; j++)
                        if (c->storage_objects[j]->type == so->type && streq(c->storage_objects[j]->name, so->name))
                                return invalid(ret_error, "storage object %s/%s is defined twice", plugin, so->name);
        }
        for (size_t i = 0; i < c->n_targets; i++) {
                const TcTarget *t = c->targets[i];
                if (streq(t->fabric, "iscsi") && !tc_iscsi_name_is_valid(t->wwn))
                        return invalid(ret_error, "'%s' is not a valid iSCSI target name", t->wwn);
                for (size_t j = 0; j < i; j++)
                        if (strcasecmp(c->targets[j]->wwn, t->wwn) == 0 && streq(c->targets[j]->fabric, t->fabric))
                                return invalid(ret_error, "target %s is defined twice", t->wwn);
                for (size_t k = 0; k < t->n_tpgs; k++) {
                        for (size_t j = 0; j < k; j++)
                                if (t->tpgs[j]->tag == t->tpgs[k]->tag)
                                        return invalid(ret_error, "%s: tpg%u is defined twice", t->wwn, t->tpgs[k]->tag);
                        int r = validate_tpg(c, t, t->tpgs[k], ret_error);
                        if (r < 0)
                                return r;
                }
        }
        for (size_t i = 0; i < c->n_fabric_modules; i++)
                for (size_t j = 0; j < i; j++)
                        if (streq(c->fabric_modules[i]->name, c->fabric_modules[j]->name))
                                return invalid(ret_error, "fabric module %s is defined twice",
                                               c->fabric_modules[i]->name);
        return 0;
}
