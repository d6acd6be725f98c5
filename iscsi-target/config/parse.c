/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* saveconfig.json text -> TargetConfig. Strict on types of the keys it knows, lenient on
 * keys it does not know (kept verbatim, reported as warnings). */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "saveconfig.h"
#include "model-internal.h"
#include "iscsi-proto/defaults.h"
#include "iscsi-util/macro.h"

#define CONFIG_MAX_SIZE (64u * 1024u * 1024u)

typedef struct Parser {
        char **warnings;
        size_t n_warnings;
        char *error;
        bool oom;
} Parser;

_printf_(2, 3) static void warn(Parser *p, const char *fmt, ...) {
        char *s;
        va_list ap;
        va_start(ap, fmt);
        int r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0) {
                p->oom = true;
                return;
        }
        char **n = reallocarray(p->warnings, p->n_warnings + 2, sizeof(char *));
        if (!n) {
                free(s);
                p->oom = true;
                return;
        }
        p->warnings = n;
        p->warnings[p->n_warnings++] = s;
        p->warnings[p->n_warnings] = NULL;
}

_printf_(2, 3) static int fail(Parser *p, const char *fmt, ...) {
        if (p->error)
                return -EINVAL;
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&p->error, fmt, ap) < 0) {
                p->error = NULL;
                p->oom = true;
        }
        va_end(ap);
        return -EINVAL;
}

static int keep_extra(Parser *p, TcExtraList *l, const char *path, const char *key,
                      struct json_object *v, bool known) {
        if (!known)
                warn(p, "%s: unknown key '%s' (kept, ignored)", path, key);
        const char *s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
        if (!s)
                return -ENOMEM;
        return tc_extra_add(l, key, s);
}

static int get_string(Parser *p, const char *path, const char *key, struct json_object *v,
                      bool nullable, char **dst) {
        if (nullable && json_object_get_type(v) == json_type_null) {
                free(*dst);
                *dst = NULL;
                return 0;
        }
        if (!json_object_is_type(v, json_type_string))
                return fail(p, "%s.%s: expected a string", path, key);
        char *s = strdup(json_object_get_string(v));
        if (!s)
                return -ENOMEM;
        if (*dst)
                explicit_bzero(*dst, strlen(*dst));
        free(*dst);
        *dst = s;
        return 0;
}

static int get_bool(Parser *p, const char *path, const char *key, struct json_object *v, bool *dst) {
        if (json_object_is_type(v, json_type_boolean)) {
                *dst = json_object_get_boolean(v);
                return 0;
        }
        if (json_object_is_type(v, json_type_int)) {
                int64_t x = json_object_get_int64(v);
                if (x == 0 || x == 1) {
                        *dst = x;
                        return 0;
                }
        }
        return fail(p, "%s.%s: expected true or false", path, key);
}

static int get_uint(Parser *p, const char *path, const char *key, struct json_object *v,
                    uint64_t min, uint64_t max, uint64_t *dst) {
        if (!json_object_is_type(v, json_type_int))
                return fail(p, "%s.%s: expected an integer", path, key);
        /* json-c clamps what does not fit in int64 to INT64_MAX: treat that as out of range. */
        int64_t x = json_object_get_int64(v);
        if (x < 0 || x == INT64_MAX || (uint64_t) x < min || (uint64_t) x > max)
                return fail(p, "%s.%s: %s is out of range %" PRIu64 "..%" PRIu64, path, key,
                            json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), min, max);
        *dst = (uint64_t) x;
        return 0;
}

static int need_object(Parser *p, const char *path, struct json_object *v) {
        if (!json_object_is_type(v, json_type_object))
                return fail(p, "%s: expected an object", path);
        return 0;
}

static int need_array(Parser *p, const char *path, const char *key, struct json_object *v) {
        if (!json_object_is_type(v, json_type_array))
                return fail(p, "%s.%s: expected a list", path, key);
        return 0;
}

static int parse_attrs(Parser *p, const char *path, const char *key, struct json_object *v,
                       TcAttrGroup group, TcAttrList *l) {
        if (!json_object_is_type(v, json_type_object))
                return fail(p, "%s.%s: expected an object", path, key);
        json_object_object_foreach(v, name, val) {
                char buf[32];
                const char *s;
                bool as_string;
                switch (json_object_get_type(val)) {
                case json_type_int:
                        snprintf(buf, sizeof(buf), "%" PRId64, json_object_get_int64(val));
                        s = buf;
                        as_string = false;
                        break;
                case json_type_string:
                        s = json_object_get_string(val);
                        as_string = true;
                        break;
                case json_type_boolean:
                        s = json_object_get_boolean(val) ? "1" : "0";
                        as_string = false;
                        break;
                default:
                        return fail(p, "%s.%s.%s: expected a number or a string", path, key, name);
                }
                if (!tc_attr_is_known(group, name))
                        warn(p, "%s: unknown %s '%s' (kept, ignored)", path,
                             group == TC_ATTRS_TPG_PARAMETERS ? "parameter" : "attribute", name);
                int r = tc_attr_set(l, name, s, as_string);
                if (r < 0)
                        return r;
                /* tc_attr_set() guesses from the text; keep exactly the JSON type we saw. */
                for (size_t i = 0; i < l->n; i++)
                        if (streq(l->items[i].name, name))
                                l->items[i].numeric = !as_string;
        }
        return 0;
}

/* CHAP keys: "<prefix>userid", ... e.g. prefix "chap_" or "discovery_". */
static int parse_chap_key(Parser *p, const char *path, const char *prefix, const char *key,
                          struct json_object *v, TcChap *chap, bool *matched) {
        size_t pl = strlen(prefix);
        *matched = false;
        if (strncmp(key, prefix, pl) != 0)
                return 0;
        const char *k = key + pl;
        char **dst = streq(k, "userid") ? &chap->userid :
                     streq(k, "password") ? &chap->password :
                     streq(k, "mutual_userid") ? &chap->mutual_userid :
                     streq(k, "mutual_password") ? &chap->mutual_password : NULL;
        if (!dst)
                return 0;
        *matched = true;
        int r = get_string(p, path, key, v, true, dst);
        if (r < 0)
                return r;
        if (*dst && !**dst) { /* rtslib omits empty credentials; normalize to "not set" */
                free(*dst);
                *dst = NULL;
        }
        return 0;
}

static int parse_storage_object(Parser *p, const char *path, struct json_object *o, TcStorageObject **ret) {
        int r = need_object(p, path, o);
        if (r < 0)
                return r;
        _cleanup_free_ TcStorageObject *so_mem = calloc(1, sizeof(TcStorageObject));
        if (!so_mem)
                return -ENOMEM;
        TcStorageObject *so = so_mem;
        so->type = _TC_BACKSTORE_INVALID;
        _cleanup_free_ char *plugin = NULL;

        json_object_object_foreach(o, key, v) {
                uint64_t u;
                if (streq(key, "name"))
                        r = get_string(p, path, key, v, false, &so->name);
                else if (streq(key, "plugin"))
                        r = get_string(p, path, key, v, false, &plugin);
                else if (streq(key, "dev"))
                        r = get_string(p, path, key, v, true, &so->dev);
                else if (streq(key, "wwn"))
                        r = get_string(p, path, key, v, true, &so->wwn);
                else if (streq(key, "size")) {
                        r = get_uint(p, path, key, v, 0, INT64_MAX - 1, &u);
                        so->size = u;
                } else if (streq(key, "write_back"))
                        r = get_bool(p, path, key, v, &so->write_back);
                else if (streq(key, "readonly"))
                        r = get_bool(p, path, key, v, &so->readonly);
                else if (streq(key, "nullio"))
                        r = get_bool(p, path, key, v, &so->nullio);
                else if (streq(key, "aio"))
                        r = get_bool(p, path, key, v, &so->aio);
                else if (streq(key, "attributes"))
                        r = parse_attrs(p, path, key, v, TC_ATTRS_STORAGE_OBJECT, &so->attributes);
                else
                        r = keep_extra(p, &so->extra, path, key, v,
                                       streq(key, "alua_tpgs") || streq(key, "buffered_mode"));
                if (r < 0)
                        goto fail;
        }
        if (!so->name) {
                r = fail(p, "%s: 'name' is missing", path);
                goto fail;
        }
        if (!plugin) {
                r = fail(p, "%s (%s): 'plugin' is missing", path, so->name);
                goto fail;
        }
        so->type = tc_backstore_type_from_string(plugin);
        if (so->type < 0) {
                r = fail(p, "%s (%s): plugin '%s' is not supported (fileio, block, ramdisk)",
                         path, so->name, plugin);
                goto fail;
        }
        if (so->type != TC_BACKSTORE_RAMDISK && !so->dev) {
                r = fail(p, "%s (%s/%s): 'dev' is missing", path, plugin, so->name);
                goto fail;
        }
        if (so->type == TC_BACKSTORE_FILEIO && so->size == 0) {
                r = fail(p, "%s (fileio/%s): 'size' is missing or 0", path, so->name);
                goto fail;
        }
        if (so->type == TC_BACKSTORE_RAMDISK && so->size == 0) {
                r = fail(p, "%s (ramdisk/%s): 'size' is missing or 0", path, so->name);
                goto fail;
        }
        *ret = TAKE_PTR(so_mem);
        return 0;
fail:
        so_mem = NULL;
        tc_storage_object_free(so);
        return r;
}

static int parse_lun(Parser *p, const char *path, struct json_object *o, TcLun **ret) {
        int r = need_object(p, path, o);
        if (r < 0)
                return r;
        TcLun *l = calloc(1, sizeof(TcLun));
        if (!l)
                return -ENOMEM;
        bool have_index = false;
        json_object_object_foreach(o, key, v) {
                uint64_t u;
                if (streq(key, "index")) {
                        r = get_uint(p, path, key, v, 0, 65535, &u);
                        l->index = (uint32_t) u;
                        have_index = true;
                } else if (streq(key, "storage_object"))
                        r = get_string(p, path, key, v, false, &l->storage_object);
                else if (streq(key, "alias"))
                        r = get_string(p, path, key, v, true, &l->alias);
                else
                        r = keep_extra(p, &l->extra, path, key, v, streq(key, "alua_tg_pt_gp_name"));
                if (r < 0)
                        goto fail;
        }
        if (!have_index || !l->storage_object) {
                r = fail(p, "%s: 'index' and 'storage_object' are required", path);
                goto fail;
        }
        *ret = l;
        return 0;
fail:
        tc_lun_free(l);
        return r;
}

static int parse_portal(Parser *p, const char *path, struct json_object *o, TcPortal **ret) {
        int r = need_object(p, path, o);
        if (r < 0)
                return r;
        TcPortal *po = calloc(1, sizeof(TcPortal));
        if (!po)
                return -ENOMEM;
        po->port = ISCSI_DEFAULT_PORT;
        json_object_object_foreach(o, key, v) {
                uint64_t u;
                if (streq(key, "ip_address"))
                        r = get_string(p, path, key, v, false, &po->ip_address);
                else if (streq(key, "port")) {
                        r = get_uint(p, path, key, v, 1, 65535, &u);
                        po->port = (uint16_t) u;
                } else if (streq(key, "iser"))
                        r = get_bool(p, path, key, v, &po->iser);
                else if (streq(key, "offload"))
                        r = get_bool(p, path, key, v, &po->offload);
                else
                        r = keep_extra(p, &po->extra, path, key, v, false);
                if (r < 0)
                        goto fail;
        }
        if (!po->ip_address) {
                r = fail(p, "%s: 'ip_address' is missing", path);
                goto fail;
        }
        *ret = po;
        return 0;
fail:
        tc_portal_free(po);
        return r;
}

static int parse_mapped_lun(Parser *p, const char *path, struct json_object *o, TcMappedLun **ret) {
        int r = need_object(p, path, o);
        if (r < 0)
                return r;
        TcMappedLun *m = calloc(1, sizeof(TcMappedLun));
        if (!m)
                return -ENOMEM;
        bool have_index = false, have_tpg_lun = false;
        json_object_object_foreach(o, key, v) {
                uint64_t u;
                if (streq(key, "index")) {
                        r = get_uint(p, path, key, v, 0, 65535, &u);
                        m->index = (uint32_t) u;
                        have_index = true;
                } else if (streq(key, "tpg_lun")) {
                        r = get_uint(p, path, key, v, 0, 65535, &u);
                        m->tpg_lun = (uint32_t) u;
                        have_tpg_lun = true;
                } else if (streq(key, "write_protect"))
                        r = get_bool(p, path, key, v, &m->write_protect);
                else if (streq(key, "alias"))
                        r = get_string(p, path, key, v, true, &m->alias);
                else
                        r = keep_extra(p, &m->extra, path, key, v, false);
                if (r < 0)
                        goto fail;
        }
        if (!have_index || !have_tpg_lun) {
                r = fail(p, "%s: 'index' and 'tpg_lun' are required", path);
                goto fail;
        }
        *ret = m;
        return 0;
fail:
        tc_mapped_lun_free(m);
        return r;
}

static int parse_node_acl(Parser *p, const char *path, struct json_object *o, TcNodeAcl **ret) {
        int r = need_object(p, path, o);
        if (r < 0)
                return r;
        TcNodeAcl *a = calloc(1, sizeof(TcNodeAcl));
        if (!a)
                return -ENOMEM;
        json_object_object_foreach(o, key, v) {
                bool matched;
                r = parse_chap_key(p, path, "chap_", key, v, &a->chap, &matched);
                if (r < 0)
                        goto fail;
                if (matched)
                        continue;
                if (streq(key, "node_wwn"))
                        r = get_string(p, path, key, v, false, &a->node_wwn);
                else if (streq(key, "tag"))
                        r = get_string(p, path, key, v, true, &a->tag);
                else if (streq(key, "attributes"))
                        r = parse_attrs(p, path, key, v, TC_ATTRS_ACL, &a->attributes);
                else if (streq(key, "parameters"))
                        r = parse_attrs(p, path, key, v, TC_ATTRS_TPG_PARAMETERS, &a->parameters);
                else if (streq(key, "mapped_luns")) {
                        r = need_array(p, path, key, v);
                        for (size_t i = 0; r >= 0 && i < json_object_array_length(v); i++) {
                                _cleanup_free_ char *sub = NULL;
                                TcMappedLun *m = NULL;
                                if (asprintf(&sub, "%s.mapped_luns[%zu]", path, i) < 0)
                                        r = -ENOMEM;
                                else
                                        r = parse_mapped_lun(p, sub, json_object_array_get_idx(v, i), &m);
                                if (r >= 0 && (r = TC_APPEND(a->mapped_luns, a->n_mapped_luns, m)) < 0)
                                        tc_mapped_lun_free(m);
                        }
                } else
                        r = keep_extra(p, &a->extra, path, key, v, false);
                if (r < 0)
                        goto fail;
        }
        if (!a->node_wwn) {
                r = fail(p, "%s: 'node_wwn' is missing", path);
                goto fail;
        }
        *ret = a;
        return 0;
fail:
        tc_node_acl_free(a);
        return r;
}

#define PARSE_LIST(p, path, key, v, array, n, parse_fn, free_fn)                                   \
        ({                                                                                         \
                int _r = need_array(p, path, key, v);                                              \
                for (size_t _i = 0; _r >= 0 && _i < json_object_array_length(v); _i++) {           \
                        _cleanup_free_ char *_sub = NULL;                                          \
                        typeof((array)[0]) _item = NULL;                                           \
                        if (asprintf(&_sub, "%s.%s[%zu]", path, key, _i) < 0)                      \
                                _r = -ENOMEM;                                                      \
                        else                                                                       \
                                _r = parse_fn(p, _sub, json_object_array_get_idx(v, _i), &_item);  \
                        if (_r >= 0 && (_r = TC_APPEND(array, n, _item)) < 0)                      \
                                free_fn(_item);                                                    \
                }                                                                                  \
                _r;                                                                                \
        })

static int parse_tpg(Parser *p, const char *path, struct json_object *o, TcTpg **ret) {
        int r = need_object(p, path, o);
        if (r < 0)
                return r;
        TcTpg *t = calloc(1, sizeof(TcTpg));
        if (!t)
                return -ENOMEM;
        t->enable = true;
        bool have_tag = false;
        json_object_object_foreach(o, key, v) {
                bool matched;
                uint64_t u;
                r = parse_chap_key(p, path, "chap_", key, v, &t->chap, &matched);
                if (r < 0)
                        goto fail;
                if (matched)
                        continue;
                if (streq(key, "tag")) {
                        r = get_uint(p, path, key, v, 1, 65535, &u);
                        t->tag = (uint16_t) u;
                        have_tag = true;
                } else if (streq(key, "enable"))
                        r = get_bool(p, path, key, v, &t->enable);
                else if (streq(key, "attributes"))
                        r = parse_attrs(p, path, key, v, TC_ATTRS_TPG, &t->attributes);
                else if (streq(key, "parameters"))
                        r = parse_attrs(p, path, key, v, TC_ATTRS_TPG_PARAMETERS, &t->parameters);
                else if (streq(key, "luns"))
                        r = PARSE_LIST(p, path, key, v, t->luns, t->n_luns, parse_lun, tc_lun_free);
                else if (streq(key, "portals"))
                        r = PARSE_LIST(p, path, key, v, t->portals, t->n_portals, parse_portal, tc_portal_free);
                else if (streq(key, "node_acls"))
                        r = PARSE_LIST(p, path, key, v, t->node_acls, t->n_node_acls, parse_node_acl, tc_node_acl_free);
                else
                        r = keep_extra(p, &t->extra, path, key, v, false);
                if (r < 0)
                        goto fail;
        }
        if (!have_tag) {
                r = fail(p, "%s: 'tag' is missing", path);
                goto fail;
        }
        *ret = t;
        return 0;
fail:
        tc_tpg_free(t);
        return r;
}

static int parse_target(Parser *p, const char *path, struct json_object *o, TcTarget **ret) {
        int r = need_object(p, path, o);
        if (r < 0)
                return r;
        TcTarget *t = calloc(1, sizeof(TcTarget));
        if (!t)
                return -ENOMEM;
        json_object_object_foreach(o, key, v) {
                if (streq(key, "wwn"))
                        r = get_string(p, path, key, v, false, &t->wwn);
                else if (streq(key, "fabric"))
                        r = get_string(p, path, key, v, false, &t->fabric);
                else if (streq(key, "tpgs"))
                        r = PARSE_LIST(p, path, key, v, t->tpgs, t->n_tpgs, parse_tpg, tc_tpg_free);
                else
                        r = keep_extra(p, &t->extra, path, key, v, false);
                if (r < 0)
                        goto fail;
        }
        if (!t->wwn) {
                r = fail(p, "%s: 'wwn' is missing", path);
                goto fail;
        }
        if (!t->fabric) {
                r = fail(p, "%s (%s): 'fabric' is missing", path, t->wwn);
                goto fail;
        }
        if (!streq(t->fabric, "iscsi"))
                warn(p, "%s (%s): fabric '%s' is not served by this target (kept, ignored)",
                     path, t->wwn, t->fabric);
        *ret = t;
        return 0;
fail:
        tc_target_free(t);
        return r;
}

static int parse_fabric_module(Parser *p, const char *path, struct json_object *o, TcFabricModule **ret) {
        int r = need_object(p, path, o);
        if (r < 0)
                return r;
        TcFabricModule *f = calloc(1, sizeof(TcFabricModule));
        if (!f)
                return -ENOMEM;
        json_object_object_foreach(o, key, v) {
                bool matched;
                r = parse_chap_key(p, path, "discovery_", key, v, &f->discovery_chap, &matched);
                if (r < 0)
                        goto fail;
                if (matched)
                        continue;
                if (streq(key, "name"))
                        r = get_string(p, path, key, v, false, &f->name);
                else if (streq(key, "discovery_enable_auth"))
                        r = get_bool(p, path, key, v, &f->discovery_enable_auth);
                else
                        r = keep_extra(p, &f->extra, path, key, v, false);
                if (r < 0)
                        goto fail;
        }
        if (!f->name) {
                r = fail(p, "%s: 'name' is missing", path);
                goto fail;
        }
        *ret = f;
        return 0;
fail:
        tc_fabric_module_free(f);
        return r;
}

/* Storage objects of plugins this target cannot serve (pscsi, user:...) are kept verbatim
 * with a warning, so a targetcli file that has them still loads; LUNs on them are kept too
 * and simply not served. */
static int parse_storage_objects(Parser *p, const char *path, const char *key, struct json_object *v,
                                 TargetConfig *c) {
        int r = need_array(p, path, key, v);
        for (size_t i = 0; r >= 0 && i < json_object_array_length(v); i++) {
                struct json_object *o = json_object_array_get_idx(v, i), *pl, *nm;
                _cleanup_free_ char *sub = NULL;
                if (asprintf(&sub, "%s.%s[%zu]", path, key, i) < 0)
                        return -ENOMEM;
                if (json_object_is_type(o, json_type_object) &&
                    json_object_object_get_ex(o, "plugin", &pl) && json_object_is_type(pl, json_type_string) &&
                    json_object_object_get_ex(o, "name", &nm) && json_object_is_type(nm, json_type_string) &&
                    tc_backstore_type_from_string(json_object_get_string(pl)) < 0) {
                        _cleanup_free_ char *so_path = NULL;
                        if (asprintf(&so_path, "/backstores/%s/%s", json_object_get_string(pl),
                                     json_object_get_string(nm)) < 0)
                                return -ENOMEM;
                        warn(p, "%s (%s): plugin '%s' is not supported by this target (kept, not served)",
                             sub, json_object_get_string(nm), json_object_get_string(pl));
                        const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
                        r = text ? tc_extra_add(&c->unsupported_storage_objects, so_path, text) : -ENOMEM;
                        continue;
                }
                TcStorageObject *so = NULL;
                r = parse_storage_object(p, sub, o, &so);
                if (r >= 0 && (r = TC_APPEND(c->storage_objects, c->n_storage_objects, so)) < 0)
                        tc_storage_object_free(so);
        }
        return r;
}

static int parse_root(Parser *p, struct json_object *o, TargetConfig *c) {
        const char *path = "config";
        int r = need_object(p, path, o);
        if (r < 0)
                return r;
        json_object_object_foreach(o, key, v) {
                if (streq(key, "storage_objects"))
                        r = parse_storage_objects(p, path, key, v, c);
                else if (streq(key, "targets"))
                        r = PARSE_LIST(p, path, key, v, c->targets, c->n_targets, parse_target, tc_target_free);
                else if (streq(key, "fabric_modules"))
                        r = PARSE_LIST(p, path, key, v, c->fabric_modules, c->n_fabric_modules,
                                       parse_fabric_module, tc_fabric_module_free);
                else
                        r = keep_extra(p, &c->extra, path, key, v, streq(key, "alua_tpgs"));
                if (r < 0)
                        return r;
        }
        return 0;
}

static void offset_to_line(const char *text, size_t off, unsigned *line, unsigned *col) {
        *line = 1;
        *col = 1;
        for (size_t i = 0; i < off; i++) {
                if (text[i] == '\n') {
                        (*line)++;
                        *col = 1;
                } else
                        (*col)++;
        }
}

/* Offset of the first byte that is not well-formed UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF), or len. json-c's own check lets overlong forms through,
 * and those would change (e.g. C0 BA becomes ':') once saved and reloaded. */
static size_t utf8_invalid_offset(const char *text, size_t len) {
        const unsigned char *s = (const unsigned char *) text;
        size_t i = 0;
        while (i < len) {
                unsigned char c = s[i];
                size_t n;
                unsigned char lo = 0x80, hi = 0xBF;
                if (c < 0x80) {
                        i++;
                        continue;
                } else if (c >= 0xC2 && c <= 0xDF)
                        n = 1;
                else if (c >= 0xE0 && c <= 0xEF) {
                        n = 2;
                        if (c == 0xE0)
                                lo = 0xA0;
                        else if (c == 0xED)
                                hi = 0x9F;
                } else if (c >= 0xF0 && c <= 0xF4) {
                        n = 3;
                        if (c == 0xF0)
                                lo = 0x90;
                        else if (c == 0xF4)
                                hi = 0x8F;
                } else
                        return i;
                if (len - i <= n || s[i + 1] < lo || s[i + 1] > hi)
                        return i;
                for (size_t k = 2; k <= n; k++)
                        if (s[i + k] < 0x80 || s[i + k] > 0xBF)
                                return i;
                i += n + 1;
        }
        return len;
}

static int parse_text(Parser *p, const char *text, size_t len, TargetConfig **ret, bool want_error) {
        unsigned line, col;

        if (len > CONFIG_MAX_SIZE)
                return fail(p, "configuration is larger than %u bytes", CONFIG_MAX_SIZE);
        if (memchr(text, 0, len))
                return fail(p, "configuration contains a NUL byte");
        size_t bad = utf8_invalid_offset(text, len);
        if (bad < len) {
                offset_to_line(text, bad, &line, &col);
                return fail(p, "line %u, column %u: malformed JSON: invalid utf-8 string", line, col);
        }
        _cleanup_(json_tokener_freep) struct json_tokener *tok = json_tokener_new();
        if (!tok)
                return -ENOMEM;
        /* JSON is UTF-8 (RFC 8259); other bytes would not survive a save and reload. */
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        _cleanup_(json_object_putp) struct json_object *root = json_tokener_parse_ex(tok, text, (int) len);
        enum json_tokener_error jerr = json_tokener_get_error(tok);
        size_t end = json_tokener_get_parse_end(tok);
        if (!root || jerr != json_tokener_success) {
                if (jerr == json_tokener_continue) {
                        offset_to_line(text, len, &line, &col);
                        return fail(p, "line %u, column %u: unexpected end of input (truncated JSON)", line, col);
                }
                offset_to_line(text, MIN(end, len), &line, &col);
                return fail(p, "line %u, column %u: malformed JSON: %s", line, col, json_tokener_error_desc(jerr));
        }
        /* Like Python's json.loads: nothing but white space may follow the document. */
        for (size_t i = end; i < len; i++)
                if (!strchr(" \t\r\n", text[i])) {
                        offset_to_line(text, i, &line, &col);
                        return fail(p, "line %u, column %u: trailing data after the JSON document", line, col);
                }

        _cleanup_tc_config_ TargetConfig *c = tc_config_new();
        if (!c)
                return -ENOMEM;
        int r = parse_root(p, root, c);
        if (r < 0)
                return r;
        if (p->oom)
                return -ENOMEM;
        r = tc_config_validate(c, want_error ? &p->error : NULL);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

int tc_config_parse(const char *text, size_t len, TargetConfig **ret, char ***ret_warnings,
                    char **ret_error) {
        Parser p = {};
        TargetConfig *c = NULL;
        int r = parse_text(&p, text, len, &c, ret_error != NULL);
        if (r >= 0 && ret_warnings && !p.warnings && !(p.warnings = calloc(1, sizeof(char *))))
                r = -ENOMEM;
        if (r < 0) {
                tc_config_free(c);
                tc_strv_free(p.warnings);
                if (ret_error && p.error)
                        *ret_error = p.error;
                else
                        free(p.error);
                return r;
        }
        free(p.error);
        if (ret_warnings)
                *ret_warnings = p.warnings;
        else
                tc_strv_free(p.warnings);
        *ret = c;
        return 0;
}

int tc_config_load(const char *path, TargetConfig **ret, char ***ret_warnings, char **ret_error) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADF;
        if ((uint64_t) st.st_size > CONFIG_MAX_SIZE)
                return -EFBIG;
        _cleanup_free_ char *buf = malloc((size_t) st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        size_t have = 0;
        for (;;) {
                if (have == (size_t) st.st_size + 1)
                        return -EFBIG; /* grew while we read it */
                ssize_t n = read(fd, buf + have, (size_t) st.st_size + 1 - have);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                have += (size_t) n;
        }
        buf[have] = 0;
        return tc_config_parse(buf, have, ret, ret_warnings, ret_error);
}
