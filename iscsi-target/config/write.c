/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TargetConfig -> saveconfig.json text (the keys rtslib-fb 2.1 writes), and the atomic save. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "saveconfig.h"
#include "model-internal.h"
#include "iscsi-util/fs-util.h"
#include "iscsi-util/macro.h"

/* json-c adders that turn allocation failure into -ENOMEM; each takes ownership of v. */
static int add(struct json_object *o, const char *key, struct json_object *v) {
        if (!v)
                return -ENOMEM;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static int add_string(struct json_object *o, const char *key, const char *s) {
        return add(o, key, s ? json_object_new_string(s) : json_object_new_null());
}

static int append(struct json_object *a, struct json_object *v) {
        if (!v)
                return -ENOMEM;
        if (json_object_array_add(a, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static int add_extras(struct json_object *o, const TcExtraList *l) {
        for (size_t i = 0; i < l->n; i++) {
                struct json_object *v = json_tokener_parse(l->items[i].json);
                if (!v)
                        return -EINVAL; /* only produced by our own serializer, so never */
                int r = add(o, l->items[i].key, v);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int add_attrs(struct json_object *o, const char *key, const TcAttrList *l) {
        if (l->n == 0) /* rtslib leaves the key out when the node has none */
                return 0;
        struct json_object *d = json_object_new_object();
        int r = add(o, key, d);
        if (r < 0)
                return r;
        for (size_t i = 0; i < l->n; i++) {
                const TcAttr *a = &l->items[i];
                struct json_object *v;
                if (a->numeric && tc_value_is_integer(a->value))
                        v = json_object_new_int64(strtoll(a->value, NULL, 10));
                else
                        v = json_object_new_string(a->value);
                r = add(d, a->name, v);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int add_chap(struct json_object *o, const char *prefix, const TcChap *c) {
        const struct {
                const char *name;
                const char *value;
        } f[] = {
                { "userid", c->userid },
                { "password", c->password },
                { "mutual_userid", c->mutual_userid },
                { "mutual_password", c->mutual_password },
        };
        for (size_t i = 0; i < ELEMENTSOF(f); i++) {
                if (!f[i].value || !*f[i].value)
                        continue;
                char key[64];
                snprintf(key, sizeof(key), "%s%s", prefix, f[i].name);
                int r = add_string(o, key, f[i].value);
                if (r < 0)
                        return r;
        }
        return 0;
}

static struct json_object *new_list(struct json_object *parent, const char *key, int *r) {
        struct json_object *a = json_object_new_array();
        *r = add(parent, key, a);
        return *r < 0 ? NULL : a;
}

static int dump_storage_object(const TcStorageObject *so, struct json_object *o) {
        int r;
        if ((r = add_attrs(o, "attributes", &so->attributes)) < 0 ||
            (r = add_string(o, "name", so->name)) < 0 ||
            (r = add_string(o, "plugin", tc_backstore_type_to_string(so->type))) < 0)
                return r;
        if (so->wwn && (r = add_string(o, "wwn", so->wwn)) < 0)
                return r;
        switch (so->type) {
        case TC_BACKSTORE_FILEIO:
                if ((r = add_string(o, "dev", so->dev)) < 0 ||
                    (r = add(o, "size", json_object_new_int64((int64_t) so->size))) < 0 ||
                    (r = add(o, "write_back", json_object_new_boolean(so->write_back))) < 0 ||
                    (r = add(o, "aio", json_object_new_boolean(so->aio))) < 0)
                        return r;
                break;
        case TC_BACKSTORE_BLOCK:
                if ((r = add_string(o, "dev", so->dev)) < 0 ||
                    (r = add(o, "readonly", json_object_new_boolean(so->readonly))) < 0 ||
                    (r = add(o, "write_back", json_object_new_boolean(so->write_back))) < 0)
                        return r;
                break;
        case TC_BACKSTORE_RAMDISK:
                if ((r = add(o, "size", json_object_new_int64((int64_t) so->size))) < 0)
                        return r;
                if (so->nullio && (r = add(o, "nullio", json_object_new_boolean(true))) < 0)
                        return r;
                break;
        default:
                return -EINVAL;
        }
        return add_extras(o, &so->extra);
}

static int dump_tpg(const TcTpg *t, struct json_object *o) {
        int r;
        if ((r = add_attrs(o, "attributes", &t->attributes)) < 0 ||
            (r = add_attrs(o, "parameters", &t->parameters)) < 0 ||
            (r = add(o, "tag", json_object_new_int(t->tag))) < 0 ||
            (r = add(o, "enable", json_object_new_boolean(t->enable))) < 0 ||
            (r = add_chap(o, "chap_", &t->chap)) < 0)
                return r;

        struct json_object *luns = new_list(o, "luns", &r);
        for (size_t i = 0; r >= 0 && i < t->n_luns; i++) {
                const TcLun *l = t->luns[i];
                struct json_object *lo = json_object_new_object();
                if ((r = append(luns, lo)) < 0 ||
                    (r = add(lo, "index", json_object_new_int64(l->index))) < 0 ||
                    (r = add_string(lo, "storage_object", l->storage_object)) < 0 ||
                    (l->alias && (r = add_string(lo, "alias", l->alias)) < 0))
                        break;
                r = add_extras(lo, &l->extra);
        }
        if (r < 0)
                return r;

        struct json_object *portals = new_list(o, "portals", &r);
        for (size_t i = 0; r >= 0 && i < t->n_portals; i++) {
                const TcPortal *p = t->portals[i];
                struct json_object *po = json_object_new_object();
                if ((r = append(portals, po)) < 0 ||
                    (r = add_string(po, "ip_address", p->ip_address)) < 0 ||
                    (r = add(po, "port", json_object_new_int(p->port))) < 0 ||
                    (r = add(po, "iser", json_object_new_boolean(p->iser))) < 0 ||
                    (r = add(po, "offload", json_object_new_boolean(p->offload))) < 0)
                        break;
                r = add_extras(po, &p->extra);
        }
        if (r < 0)
                return r;

        struct json_object *acls = new_list(o, "node_acls", &r);
        for (size_t i = 0; r >= 0 && i < t->n_node_acls; i++) {
                const TcNodeAcl *a = t->node_acls[i];
                struct json_object *ao = json_object_new_object();
                if ((r = append(acls, ao)) < 0 ||
                    (r = add_attrs(ao, "attributes", &a->attributes)) < 0 ||
                    (r = add_attrs(ao, "parameters", &a->parameters)) < 0 ||
                    (r = add_string(ao, "node_wwn", a->node_wwn)) < 0 ||
                    (a->tag && (r = add_string(ao, "tag", a->tag)) < 0) ||
                    (r = add_chap(ao, "chap_", &a->chap)) < 0)
                        break;
                struct json_object *mluns = new_list(ao, "mapped_luns", &r);
                for (size_t j = 0; r >= 0 && j < a->n_mapped_luns; j++) {
                        const TcMappedLun *m = a->mapped_luns[j];
                        struct json_object *mo = json_object_new_object();
                        if ((r = append(mluns, mo)) < 0 ||
                            (r = add(mo, "index", json_object_new_int64(m->index))) < 0 ||
                            (r = add(mo, "tpg_lun", json_object_new_int64(m->tpg_lun))) < 0 ||
                            (r = add(mo, "write_protect", json_object_new_boolean(m->write_protect))) < 0 ||
                            (m->alias && (r = add_string(mo, "alias", m->alias)) < 0))
                                break;
                        r = add_extras(mo, &m->extra);
                }
                if (r >= 0)
                        r = add_extras(ao, &a->extra);
        }
        if (r < 0)
                return r;
        return add_extras(o, &t->extra);
}

static int build(const TargetConfig *c, struct json_object *root) {
        int r;
        struct json_object *sos = new_list(root, "storage_objects", &r);
        for (size_t i = 0; r >= 0 && i < c->n_storage_objects; i++) {
                struct json_object *o = json_object_new_object();
                if ((r = append(sos, o)) >= 0)
                        r = dump_storage_object(c->storage_objects[i], o);
        }
        for (size_t i = 0; r >= 0 && i < c->unsupported_storage_objects.n; i++) {
                struct json_object *o = json_tokener_parse(c->unsupported_storage_objects.items[i].json);
                r = o ? append(sos, o) : -EINVAL;
        }
        if (r < 0)
                return r;

        struct json_object *targets = new_list(root, "targets", &r);
        for (size_t i = 0; r >= 0 && i < c->n_targets; i++) {
                const TcTarget *t = c->targets[i];
                struct json_object *to = json_object_new_object();
                if ((r = append(targets, to)) < 0 ||
                    (r = add_string(to, "wwn", t->wwn)) < 0 ||
                    (r = add_string(to, "fabric", t->fabric)) < 0)
                        break;
                struct json_object *tpgs = new_list(to, "tpgs", &r);
                for (size_t j = 0; r >= 0 && j < t->n_tpgs; j++) {
                        struct json_object *o = json_object_new_object();
                        if ((r = append(tpgs, o)) >= 0)
                                r = dump_tpg(t->tpgs[j], o);
                }
                if (r >= 0)
                        r = add_extras(to, &t->extra);
        }
        if (r < 0)
                return r;

        struct json_object *fms = new_list(root, "fabric_modules", &r);
        for (size_t i = 0; r >= 0 && i < c->n_fabric_modules; i++) {
                const TcFabricModule *f = c->fabric_modules[i];
                struct json_object *fo = json_object_new_object();
                if ((r = append(fms, fo)) < 0 ||
                    (r = add_string(fo, "name", f->name)) < 0 ||
                    (r = add(fo, "discovery_enable_auth", json_object_new_boolean(f->discovery_enable_auth))) < 0 ||
                    (r = add_chap(fo, "discovery_", &f->discovery_chap)) < 0)
                        break;
                r = add_extras(fo, &f->extra);
        }
        if (r < 0)
                return r;
        return add_extras(root, &c->extra);
}

int tc_config_to_json(const TargetConfig *c, char **ret) {
        _cleanup_(json_object_putp) struct json_object *root = json_object_new_object();
        if (!root)
                return -ENOMEM;
        int r = build(c, root);
        if (r < 0)
                return r;
        return tc_json_dump_python(root, ret);
}

int tc_config_save(const TargetConfig *c, const char *path) {
        _cleanup_erase_ char *text = NULL;
        int r = tc_config_to_json(c, &text);
        if (r < 0)
                return r;
        /* 0600 from the temp file on: the secrets never sit in a wider mode. */
        return util_write_file_atomic(path, text, strlen(text), 0600);
}
