/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Adding and removing objects in the model, with the defaults targetcli/LIO would give them. */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "config-edit.h"
#include "model-internal.h"
#include "iscsi-util/macro.h"

static int random_bytes(uint8_t *buf, size_t n) {
        size_t have = 0;
        while (have < n) {
                ssize_t r = getrandom(buf + have, n - have, 0);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                have += (size_t) r;
        }
        return 0;
}

/* A random (version 4) UUID, the form LIO uses for a unit serial. */
static int new_uuid(char **ret) {
        uint8_t b[16];
        int r = random_bytes(b, sizeof(b));
        if (r < 0)
                return r;
        b[6] = (b[6] & 0x0F) | 0x40;
        b[8] = (b[8] & 0x3F) | 0x80;
        if (asprintf(ret, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                     b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
                     b[12], b[13], b[14], b[15]) < 0)
                return -ENOMEM;
        return 0;
}

/* rtslib names LUN and mapped-LUN links with 10 random hex digits. */
static int new_alias(char **ret) {
        uint8_t b[5];
        int r = random_bytes(b, sizeof(b));
        if (r < 0)
                return r;
        if (asprintf(ret, "%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4]) < 0)
                return -ENOMEM;
        return 0;
}

static int fill_defaults(TcAttrList *l, TcAttrGroup g, bool as_string) {
        size_t n;
        const TcAttrDefault *t = tc_attr_defaults(g, &n);
        for (size_t i = 0; i < n; i++) {
                int r = tc_attr_set(l, t[i].name, t[i].value, as_string);
                if (r < 0)
                        return r;
        }
        return 0;
}

static ssize_t index_of(void **array, size_t n, const void *item) {
        for (size_t i = 0; i < n; i++)
                if (array[i] == item)
                        return (ssize_t) i;
        return -ENOENT;
}

int tc_config_add_storage_object(TargetConfig *c, TcBackstoreType type, const char *name,
                                 const char *dev, uint64_t size, const char *wwn,
                                 TcStorageObject **ret) {
        if (!tc_backstore_type_to_string(type) || !name || !*name || strchr(name, '/') || strlen(name) > 128)
                return -EINVAL;
        if (type != TC_BACKSTORE_RAMDISK && (!dev || !*dev))
                return -EINVAL;
        if (type != TC_BACKSTORE_BLOCK && size == 0)
                return -EINVAL;
        if (tc_config_find_storage_object(c, type, name))
                return -EEXIST;

        _cleanup_(tc_storage_object_freep) TcStorageObject *so = calloc(1, sizeof(TcStorageObject));
        if (!so)
                return -ENOMEM;
        so->type = type;
        so->name = strdup(name);
        if (!so->name)
                return -ENOMEM;
        if (type != TC_BACKSTORE_RAMDISK && !(so->dev = strdup(dev)))
                return -ENOMEM;
        if (type != TC_BACKSTORE_BLOCK)
                so->size = size;
        int r = wwn ? ((so->wwn = strdup(wwn)) ? 0 : -ENOMEM) : new_uuid(&so->wwn);
        if (r < 0)
                return r;
        if ((r = fill_defaults(&so->attributes, TC_ATTRS_STORAGE_OBJECT, false)) < 0)
                return r;
        /* targetcli creates fileio objects write-back; block and ramdisk report no cache. */
        so->write_back = type == TC_BACKSTORE_FILEIO;
        if (!so->write_back)
                r = tc_attr_set(&so->attributes, "emulate_write_cache", "0", false);
        if (r < 0 || (r = tc_alua_add_default(so)) < 0)
                return r;
        if ((r = TC_APPEND(c->storage_objects, c->n_storage_objects, so)) < 0)
                return r;
        if (ret)
                *ret = so;
        so = NULL;
        return 0;
}

int tc_storage_object_set_write_back(TcStorageObject *so, bool write_back) {
        if (so->type == TC_BACKSTORE_RAMDISK && write_back)
                return -EINVAL;
        int r = tc_attr_set(&so->attributes, "emulate_write_cache", write_back ? "1" : "0", false);
        if (r < 0)
                return r;
        so->write_back = write_back;
        return 0;
}

static size_t remove_luns_matching(TcTpg *tpg, const char *so_path) {
        size_t removed = 0;
        for (size_t i = 0; i < tpg->n_luns;) {
                if (streq(tpg->luns[i]->storage_object, so_path)) {
                        tc_tpg_remove_lun(tpg, tpg->luns[i]);
                        removed++;
                } else
                        i++;
        }
        return removed;
}

int tc_config_remove_storage_object(TargetConfig *c, TcStorageObject *so, size_t *ret_n_luns) {
        ssize_t i = index_of((void **) c->storage_objects, c->n_storage_objects, so);
        if (i < 0)
                return (int) i;
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "/backstores/%s/%s", tc_backstore_type_to_string(so->type), so->name) < 0)
                return -ENOMEM;
        size_t n = 0;
        for (size_t t = 0; t < c->n_targets; t++)
                for (size_t g = 0; g < c->targets[t]->n_tpgs; g++) {
                        TcTpg *tpg = c->targets[t]->tpgs[g];
                        /* Also catch LUNs written with the configfs prefixes (iblock, rd_mcp). */
                        for (size_t l = 0; l < tpg->n_luns;) {
                                if (tc_config_lun_storage_object(c, tpg->luns[l]) == so) {
                                        tc_tpg_remove_lun(tpg, tpg->luns[l]);
                                        n++;
                                } else
                                        l++;
                        }
                        n += remove_luns_matching(tpg, path);
                }
        tc_storage_object_free(tc_ptr_array_remove((void **) c->storage_objects, &c->n_storage_objects, (size_t) i));
        if (ret_n_luns)
                *ret_n_luns = n;
        return 0;
}

static char *lowercase_dup(const char *s) {
        char *d = strdup(s);
        if (d)
                for (char *p = d; *p; p++)
                        *p = (char) tolower((unsigned char) *p);
        return d;
}

int tc_config_add_target(TargetConfig *c, const char *wwn, TcTarget **ret) {
        if (!tc_iscsi_name_is_valid(wwn))
                return -EINVAL;
        if (tc_config_find_target(c, wwn))
                return -EEXIST;
        TcTarget *t = calloc(1, sizeof(TcTarget));
        if (!t)
                return -ENOMEM;
        t->wwn = lowercase_dup(wwn);
        t->fabric = strdup("iscsi");
        int r = (!t->wwn || !t->fabric) ? -ENOMEM : TC_APPEND(c->targets, c->n_targets, t);
        if (r < 0) {
                tc_target_free(t);
                return r;
        }
        if (ret)
                *ret = t;
        return 0;
}

int tc_config_remove_target(TargetConfig *c, TcTarget *t) {
        ssize_t i = index_of((void **) c->targets, c->n_targets, t);
        if (i < 0)
                return (int) i;
        tc_target_free(tc_ptr_array_remove((void **) c->targets, &c->n_targets, (size_t) i));
        return 0;
}

int tc_target_add_tpg(TcTarget *t, uint16_t tag, TcTpg **ret) {
        if (tag == 0) {
                for (uint32_t x = 1; x <= 65535 && tag == 0; x++)
                        if (!tc_target_find_tpg(t, (uint16_t) x))
                                tag = (uint16_t) x;
                if (tag == 0)
                        return -ERANGE;
        } else if (tc_target_find_tpg(t, tag))
                return -EEXIST;
        TcTpg *tpg = calloc(1, sizeof(TcTpg));
        if (!tpg)
                return -ENOMEM;
        tpg->tag = tag;
        tpg->enable = true;
        int r = fill_defaults(&tpg->attributes, TC_ATTRS_TPG, false);
        if (r >= 0)
                r = fill_defaults(&tpg->parameters, TC_ATTRS_TPG_PARAMETERS, true);
        if (r >= 0)
                r = TC_APPEND(t->tpgs, t->n_tpgs, tpg);
        if (r < 0) {
                tc_tpg_free(tpg);
                return r;
        }
        if (ret)
                *ret = tpg;
        return 0;
}

int tc_target_remove_tpg(TcTarget *t, TcTpg *tpg) {
        ssize_t i = index_of((void **) t->tpgs, t->n_tpgs, tpg);
        if (i < 0)
                return (int) i;
        tc_tpg_free(tc_ptr_array_remove((void **) t->tpgs, &t->n_tpgs, (size_t) i));
        return 0;
}

int tc_tpg_add_portal(TcTpg *tpg, const char *ip_address, uint16_t port, TcPortal **ret) {
        unsigned char buf[sizeof(struct in6_addr)];
        _cleanup_free_ char *ip = NULL;
        if (port == 0 || !ip_address)
                return -EINVAL;
        if (inet_pton(AF_INET, ip_address, buf) == 1)
                ip = strdup(ip_address);
        else if (inet_pton(AF_INET6, ip_address, buf) == 1) {
                char norm[INET6_ADDRSTRLEN];
                if (!inet_ntop(AF_INET6, buf, norm, sizeof(norm)) || asprintf(&ip, "[%s]", norm) < 0)
                        return -ENOMEM;
        } else {
                size_t len = strlen(ip_address);
                if (len < 3 || ip_address[0] != '[' || ip_address[len - 1] != ']' || len - 2 >= INET6_ADDRSTRLEN)
                        return -EINVAL;
                char v6[INET6_ADDRSTRLEN], norm[INET6_ADDRSTRLEN];
                memcpy(v6, ip_address + 1, len - 2);
                v6[len - 2] = 0;
                if (inet_pton(AF_INET6, v6, buf) != 1)
                        return -EINVAL;
                if (!inet_ntop(AF_INET6, buf, norm, sizeof(norm)) || asprintf(&ip, "[%s]", norm) < 0)
                        return -ENOMEM;
        }
        if (!ip)
                return -ENOMEM;
        if (tc_tpg_find_portal(tpg, ip, port))
                return -EEXIST;
        TcPortal *p = calloc(1, sizeof(TcPortal));
        if (!p)
                return -ENOMEM;
        p->ip_address = TAKE_PTR(ip);
        p->port = port;
        int r = TC_APPEND(tpg->portals, tpg->n_portals, p);
        if (r < 0) {
                tc_portal_free(p);
                return r;
        }
        if (ret)
                *ret = p;
        return 0;
}

int tc_tpg_remove_portal(TcTpg *tpg, TcPortal *p) {
        ssize_t i = index_of((void **) tpg->portals, tpg->n_portals, p);
        if (i < 0)
                return (int) i;
        tc_portal_free(tc_ptr_array_remove((void **) tpg->portals, &tpg->n_portals, (size_t) i));
        return 0;
}

int tc_tpg_add_lun(const TargetConfig *c, TcTpg *tpg, int64_t index, const char *so_path, TcLun **ret) {
        TcStorageObject *so = tc_config_resolve_storage_object(c, so_path);
        if (!so)
                return -ENOENT;
        if (index < 0) {
                for (int64_t x = 0; x <= 65535 && index < 0; x++)
                        if (!tc_tpg_find_lun(tpg, (uint32_t) x))
                                index = x;
                if (index < 0)
                        return -ERANGE;
        } else if (index > 65535)
                return -EINVAL;
        else if (tc_tpg_find_lun(tpg, (uint32_t) index))
                return -EEXIST;
        TcLun *l = calloc(1, sizeof(TcLun));
        if (!l)
                return -ENOMEM;
        l->index = (uint32_t) index;
        char *path;
        int r = -ENOMEM;
        if (asprintf(&path, "/backstores/%s/%s", tc_backstore_type_to_string(so->type), so->name) >= 0) {
                l->storage_object = path;
                r = new_alias(&l->alias);
        }
        if (r >= 0)
                r = tc_extra_add(&l->extra, "alua_tg_pt_gp_name", "\"default_tg_pt_gp\"");
        if (r >= 0)
                r = TC_APPEND(tpg->luns, tpg->n_luns, l);
        if (r < 0) {
                tc_lun_free(l);
                return r;
        }
        if (ret)
                *ret = l;
        return 0;
}

int tc_tpg_remove_lun(TcTpg *tpg, TcLun *lun) {
        ssize_t i = index_of((void **) tpg->luns, tpg->n_luns, lun);
        if (i < 0)
                return (int) i;
        for (size_t a = 0; a < tpg->n_node_acls; a++) {
                TcNodeAcl *acl = tpg->node_acls[a];
                for (size_t m = 0; m < acl->n_mapped_luns;) {
                        if (acl->mapped_luns[m]->tpg_lun == lun->index)
                                tc_acl_remove_mapped_lun(acl, acl->mapped_luns[m]);
                        else
                                m++;
                }
        }
        tc_lun_free(tc_ptr_array_remove((void **) tpg->luns, &tpg->n_luns, (size_t) i));
        return 0;
}

int tc_tpg_add_acl(TcTpg *tpg, const char *initiator_wwn, TcNodeAcl **ret) {
        if (!tc_iscsi_name_is_valid(initiator_wwn))
                return -EINVAL;
        if (tc_tpg_find_acl(tpg, initiator_wwn))
                return -EEXIST;
        TcNodeAcl *a = calloc(1, sizeof(TcNodeAcl));
        if (!a)
                return -ENOMEM;
        a->node_wwn = lowercase_dup(initiator_wwn);
        int r = a->node_wwn ? fill_defaults(&a->attributes, TC_ATTRS_ACL, false) : -ENOMEM;
        if (r >= 0)
                r = TC_APPEND(tpg->node_acls, tpg->n_node_acls, a);
        if (r < 0) {
                tc_node_acl_free(a);
                return r;
        }
        if (ret)
                *ret = a;
        return 0;
}

int tc_tpg_remove_acl(TcTpg *tpg, TcNodeAcl *acl) {
        ssize_t i = index_of((void **) tpg->node_acls, tpg->n_node_acls, acl);
        if (i < 0)
                return (int) i;
        tc_node_acl_free(tc_ptr_array_remove((void **) tpg->node_acls, &tpg->n_node_acls, (size_t) i));
        return 0;
}

int tc_acl_add_mapped_lun(TcTpg *tpg, TcNodeAcl *acl, int64_t index, uint32_t tpg_lun,
                          bool write_protect, TcMappedLun **ret) {
        if (!tc_tpg_find_lun(tpg, tpg_lun))
                return -ENOENT;
        if (index < 0) {
                for (int64_t x = 0; x <= 65535 && index < 0; x++)
                        if (!tc_acl_find_mapped_lun(acl, (uint32_t) x))
                                index = x;
                if (index < 0)
                        return -ERANGE;
        } else if (index > 65535)
                return -EINVAL;
        else if (tc_acl_find_mapped_lun(acl, (uint32_t) index))
                return -EEXIST;
        TcMappedLun *m = calloc(1, sizeof(TcMappedLun));
        if (!m)
                return -ENOMEM;
        m->index = (uint32_t) index;
        m->tpg_lun = tpg_lun;
        m->write_protect = write_protect;
        int r = new_alias(&m->alias);
        if (r >= 0)
                r = TC_APPEND(acl->mapped_luns, acl->n_mapped_luns, m);
        if (r < 0) {
                tc_mapped_lun_free(m);
                return r;
        }
        if (ret)
                *ret = m;
        return 0;
}

int tc_acl_remove_mapped_lun(TcNodeAcl *acl, TcMappedLun *m) {
        ssize_t i = index_of((void **) acl->mapped_luns, acl->n_mapped_luns, m);
        if (i < 0)
                return (int) i;
        tc_mapped_lun_free(tc_ptr_array_remove((void **) acl->mapped_luns, &acl->n_mapped_luns, (size_t) i));
        return 0;
}

int tc_chap_set(TcChap *chap, const char *field, const char *value) {
        char **dst = streq(field, "userid") ? &chap->userid :
                     streq(field, "password") ? &chap->password :
                     streq(field, "mutual_userid") ? &chap->mutual_userid :
                     streq(field, "mutual_password") ? &chap->mutual_password : NULL;
        if (!dst)
                return -EINVAL;
        char *v = NULL;
        if (value && *value && !(v = strdup(value)))
                return -ENOMEM;
        if (*dst)
                explicit_bzero(*dst, strlen(*dst));
        free(*dst);
        *dst = v;
        return 0;
}

int tc_config_iscsi_fabric(TargetConfig *c, TcFabricModule **ret) {
        TcFabricModule *f = tc_config_find_fabric_module(c, "iscsi");
        if (!f) {
                f = calloc(1, sizeof(TcFabricModule));
                if (!f)
                        return -ENOMEM;
                int r = (f->name = strdup("iscsi")) ? TC_APPEND(c->fabric_modules, c->n_fabric_modules, f) : -ENOMEM;
                if (r < 0) {
                        tc_fabric_module_free(f);
                        return r;
                }
        }
        *ret = f;
        return 0;
}

void tc_config_prune_fabric_modules(TargetConfig *c) {
        for (size_t i = 0; i < c->n_fabric_modules;) {
                if (!c->fabric_modules[i]->discovery_enable_auth)
                        tc_fabric_module_free(tc_ptr_array_remove((void **) c->fabric_modules, &c->n_fabric_modules, i));
                else
                        i++;
        }
}
