/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Construction, destruction, small helpers and lookups of the saveconfig.json model. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "saveconfig.h"
#include "model-internal.h"
#include "iscsi-util/macro.h"

static void erase_free(char *s) {
        if (s) {
                explicit_bzero(s, strlen(s));
                free(s);
        }
}

void tc_chap_clear(TcChap *c) {
        erase_free(c->userid);
        erase_free(c->password);
        erase_free(c->mutual_userid);
        erase_free(c->mutual_password);
        *c = (TcChap) {};
}

void tc_attr_list_clear(TcAttrList *l) {
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].name);
                free(l->items[i].value);
        }
        free(l->items);
        *l = (TcAttrList) {};
}

void tc_extra_list_clear(TcExtraList *l) {
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].key);
                free(l->items[i].json);
        }
        free(l->items);
        *l = (TcExtraList) {};
}

int tc_extra_add(TcExtraList *l, const char *key, const char *json) {
        _cleanup_free_ char *k = strdup(key), *j = strdup(json);
        if (!k || !j)
                return -ENOMEM;
        TcExtra *n = reallocarray(l->items, l->n + 1, sizeof(TcExtra));
        if (!n)
                return -ENOMEM;
        l->items = n;
        l->items[l->n++] = (TcExtra) { .key = TAKE_PTR(k), .json = TAKE_PTR(j) };
        return 0;
}

int tc_extra_set(TcExtraList *l, const char *key, const char *json) {
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->items[i].key, key)) {
                        char *j = strdup(json);
                        if (!j)
                                return -ENOMEM;
                        free(l->items[i].json);
                        l->items[i].json = j;
                        return 0;
                }
        return tc_extra_add(l, key, json);
}

const char *tc_extra_get(const TcExtraList *l, const char *key) {
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->items[i].key, key))
                        return l->items[i].json;
        return NULL;
}

TcStorageObject *tc_storage_object_free(TcStorageObject *so) {
        if (!so)
                return NULL;
        free(so->name);
        free(so->dev);
        free(so->wwn);
        tc_attr_list_clear(&so->attributes);
        tc_extra_list_clear(&so->extra);
        free(so);
        return NULL;
}

TcLun *tc_lun_free(TcLun *l) {
        if (!l)
                return NULL;
        free(l->storage_object);
        free(l->alias);
        tc_extra_list_clear(&l->extra);
        free(l);
        return NULL;
}

TcPortal *tc_portal_free(TcPortal *p) {
        if (!p)
                return NULL;
        free(p->ip_address);
        tc_extra_list_clear(&p->extra);
        free(p);
        return NULL;
}

TcMappedLun *tc_mapped_lun_free(TcMappedLun *m) {
        if (!m)
                return NULL;
        free(m->alias);
        tc_extra_list_clear(&m->extra);
        free(m);
        return NULL;
}

TcNodeAcl *tc_node_acl_free(TcNodeAcl *a) {
        if (!a)
                return NULL;
        free(a->node_wwn);
        free(a->tag);
        tc_chap_clear(&a->chap);
        tc_attr_list_clear(&a->attributes);
        tc_attr_list_clear(&a->parameters);
        for (size_t i = 0; i < a->n_mapped_luns; i++)
                tc_mapped_lun_free(a->mapped_luns[i]);
        free(a->mapped_luns);
        tc_extra_list_clear(&a->extra);
        free(a);
        return NULL;
}

TcTpg *tc_tpg_free(TcTpg *t) {
        if (!t)
                return NULL;
        tc_attr_list_clear(&t->attributes);
        tc_attr_list_clear(&t->parameters);
        tc_chap_clear(&t->chap);
        for (size_t i = 0; i < t->n_luns; i++)
                tc_lun_free(t->luns[i]);
        free(t->luns);
        for (size_t i = 0; i < t->n_portals; i++)
                tc_portal_free(t->portals[i]);
        free(t->portals);
        for (size_t i = 0; i < t->n_node_acls; i++)
                tc_node_acl_free(t->node_acls[i]);
        free(t->node_acls);
        tc_extra_list_clear(&t->extra);
        free(t);
        return NULL;
}

TcTarget *tc_target_free(TcTarget *t) {
        if (!t)
                return NULL;
        free(t->wwn);
        free(t->fabric);
        for (size_t i = 0; i < t->n_tpgs; i++)
                tc_tpg_free(t->tpgs[i]);
        free(t->tpgs);
        tc_extra_list_clear(&t->extra);
        free(t);
        return NULL;
}

TcFabricModule *tc_fabric_module_free(TcFabricModule *f) {
        if (!f)
                return NULL;
        free(f->name);
        tc_chap_clear(&f->discovery_chap);
        tc_extra_list_clear(&f->extra);
        free(f);
        return NULL;
}

TargetConfig *tc_config_new(void) {
        return calloc(1, sizeof(TargetConfig));
}

TargetConfig *tc_config_free(TargetConfig *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n_storage_objects; i++)
                tc_storage_object_free(c->storage_objects[i]);
        free(c->storage_objects);
        for (size_t i = 0; i < c->n_targets; i++)
                tc_target_free(c->targets[i]);
        free(c->targets);
        for (size_t i = 0; i < c->n_fabric_modules; i++)
                tc_fabric_module_free(c->fabric_modules[i]);
        free(c->fabric_modules);
        tc_extra_list_clear(&c->extra);
        tc_extra_list_clear(&c->unsupported_storage_objects);
        free(c);
        return NULL;
}

void tc_strv_free(char **v) {
        if (!v)
                return;
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
}

int tc_ptr_array_append(void ***array, size_t *n, void *item) {
        void **a = reallocarray(*array, *n + 1, sizeof(void *));
        if (!a)
                return -ENOMEM;
        a[(*n)++] = item;
        *array = a;
        return 0;
}

void *tc_ptr_array_remove(void **array, size_t *n, size_t i) {
        void *item = array[i];
        memmove(array + i, array + i + 1, (*n - i - 1) * sizeof(void *));
        (*n)--;
        return item;
}

static const char *const backstore_names[_TC_BACKSTORE_MAX] = {
        [TC_BACKSTORE_FILEIO] = "fileio",
        [TC_BACKSTORE_BLOCK] = "block",
        [TC_BACKSTORE_RAMDISK] = "ramdisk",
};

const char *tc_backstore_type_to_string(TcBackstoreType t) {
        if (t < 0 || t >= _TC_BACKSTORE_MAX)
                return NULL;
        return backstore_names[t];
}

TcBackstoreType tc_backstore_type_from_string(const char *s) {
        if (!s)
                return _TC_BACKSTORE_INVALID;
        for (int i = 0; i < _TC_BACKSTORE_MAX; i++)
                if (streq(s, backstore_names[i]))
                        return i;
        /* rtslib accepts the configfs directory prefixes as plugin names too. */
        if (streq(s, "iblock"))
                return TC_BACKSTORE_BLOCK;
        if (streq(s, "rd_mcp"))
                return TC_BACKSTORE_RAMDISK;
        return _TC_BACKSTORE_INVALID;
}

bool tc_value_is_integer(const char *v) {
        if (!v || !*v)
                return false;
        const char *p = v;
        if (*p == '-')
                p++;
        if (!*p)
                return false;
        for (; *p; p++)
                if (*p < '0' || *p > '9')
                        return false;
        /* Leading zeros would not survive int() in rtslib either; keep such values strings. */
        if ((v[0] == '0' && v[1]) || (v[0] == '-' && v[1] == '0'))
                return false;
        return strlen(v) <= 18;
}

const char *tc_attr_get(const TcAttrList *l, const char *name) {
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->items[i].name, name))
                        return l->items[i].value;
        return NULL;
}

int64_t tc_attr_get_int(const TcAttrList *l, const char *name, int64_t def) {
        const char *v = tc_attr_get(l, name);
        if (!v || !*v)
                return def;
        char *end;
        errno = 0;
        long long x = strtoll(v, &end, 10);
        if (errno != 0 || *end)
                return def;
        return x;
}

int tc_attr_set(TcAttrList *l, const char *name, const char *value, bool as_string) {
        _cleanup_free_ char *v = strdup(value);
        if (!v)
                return -ENOMEM;
        bool numeric = !as_string && tc_value_is_integer(value);
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->items[i].name, name)) {
                        free(l->items[i].value);
                        l->items[i].value = TAKE_PTR(v);
                        l->items[i].numeric = numeric;
                        return 0;
                }
        _cleanup_free_ char *n = strdup(name);
        if (!n)
                return -ENOMEM;
        TcAttr *a = reallocarray(l->items, l->n + 1, sizeof(TcAttr));
        if (!a)
                return -ENOMEM;
        l->items = a;
        l->items[l->n++] = (TcAttr) { .name = TAKE_PTR(n), .value = TAKE_PTR(v), .numeric = numeric };
        return 0;
}

uint32_t tc_storage_object_block_size(const TcStorageObject *so) {
        int64_t bs = tc_attr_get_int(&so->attributes, "block_size", 512);
        if (bs < 512 || bs > 65536 || (bs & (bs - 1)))
                return 512;
        return (uint32_t) bs;
}

TcStorageObject *tc_config_find_storage_object(const TargetConfig *c, TcBackstoreType type,
                                               const char *name) {
        for (size_t i = 0; i < c->n_storage_objects; i++)
                if (c->storage_objects[i]->type == type && streq(c->storage_objects[i]->name, name))
                        return c->storage_objects[i];
        return NULL;
}

TcStorageObject *tc_config_resolve_storage_object(const TargetConfig *c, const char *path) {
        if (!path)
                return NULL;
        const char *p = path;
        if (strncmp(p, "/backstores/", 12) == 0)
                p += 12;
        const char *slash = strchr(p, '/');
        if (!slash || slash == p || !slash[1] || strchr(slash + 1, '/'))
                return NULL;
        char plugin[32];
        size_t len = (size_t) (slash - p);
        if (len >= sizeof(plugin))
                return NULL;
        memcpy(plugin, p, len);
        plugin[len] = 0;
        TcBackstoreType t = tc_backstore_type_from_string(plugin);
        if (t < 0)
                return NULL;
        return tc_config_find_storage_object(c, t, slash + 1);
}

TcTarget *tc_config_find_target(const TargetConfig *c, const char *wwn) {
        for (size_t i = 0; i < c->n_targets; i++)
                if (strcasecmp(c->targets[i]->wwn, wwn) == 0)
                        return c->targets[i];
        return NULL;
}

TcFabricModule *tc_config_find_fabric_module(const TargetConfig *c, const char *name) {
        for (size_t i = 0; i < c->n_fabric_modules; i++)
                if (streq(c->fabric_modules[i]->name, name))
                        return c->fabric_modules[i];
        return NULL;
}

TcTpg *tc_target_find_tpg(const TcTarget *t, uint16_t tag) {
        for (size_t i = 0; i < t->n_tpgs; i++)
                if (t->tpgs[i]->tag == tag)
                        return t->tpgs[i];
        return NULL;
}

TcLun *tc_tpg_find_lun(const TcTpg *tpg, uint32_t index) {
        for (size_t i = 0; i < tpg->n_luns; i++)
                if (tpg->luns[i]->index == index)
                        return tpg->luns[i];
        return NULL;
}

TcPortal *tc_tpg_find_portal(const TcTpg *tpg, const char *ip_address, uint16_t port) {
        for (size_t i = 0; i < tpg->n_portals; i++)
                if (tpg->portals[i]->port == port && strcasecmp(tpg->portals[i]->ip_address, ip_address) == 0)
                        return tpg->portals[i];
        return NULL;
}

TcNodeAcl *tc_tpg_find_acl(const TcTpg *tpg, const char *initiator_wwn) {
        for (size_t i = 0; i < tpg->n_node_acls; i++)
                if (strcasecmp(tpg->node_acls[i]->node_wwn, initiator_wwn) == 0)
                        return tpg->node_acls[i];
        return NULL;
}

TcMappedLun *tc_acl_find_mapped_lun(const TcNodeAcl *acl, uint32_t index) {
        for (size_t i = 0; i < acl->n_mapped_luns; i++)
                if (acl->mapped_luns[i]->index == index)
                        return acl->mapped_luns[i];
        return NULL;
}

TcStorageObject *tc_config_lun_storage_object(const TargetConfig *c, const TcLun *lun) {
        return tc_config_resolve_storage_object(c, lun->storage_object);
}

bool tc_tpg_authentication(const TcTpg *tpg) {
        return tc_attr_get_int(&tpg->attributes, "authentication", 0) != 0;
}

bool tc_tpg_generate_node_acls(const TcTpg *tpg) {
        return tc_attr_get_int(&tpg->attributes, "generate_node_acls", 0) != 0;
}

bool tc_tpg_demo_mode_write_protect(const TcTpg *tpg) {
        return tc_attr_get_int(&tpg->attributes, "demo_mode_write_protect", 1) != 0;
}

int tc_config_list_portals(const TargetConfig *c, TcPortalRef **ret, size_t *ret_n) {
        size_t n = 0;
        for (size_t i = 0; i < c->n_targets; i++)
                for (size_t j = 0; j < c->targets[i]->n_tpgs; j++)
                        n += c->targets[i]->tpgs[j]->n_portals;
        TcPortalRef *r = calloc(n ? n : 1, sizeof(TcPortalRef));
        if (!r)
                return -ENOMEM;
        size_t k = 0;
        for (size_t i = 0; i < c->n_targets; i++)
                for (size_t j = 0; j < c->targets[i]->n_tpgs; j++) {
                        TcTpg *tpg = c->targets[i]->tpgs[j];
                        for (size_t p = 0; p < tpg->n_portals; p++)
                                r[k++] = (TcPortalRef) { c->targets[i], tpg, tpg->portals[p] };
                }
        *ret = r;
        *ret_n = n;
        return 0;
}
