/* SPDX-License-Identifier: GPL-2.0-or-later */
/* -m iface: list, show, new, delete, update interface records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iscsiadm.h"
#include "output.h"

static int iface_update(Context *c, const char *name) {
        _cleanup_(node_record_freep) Record *r = NULL;
        int k;

        if (node_iface_is_builtin(name)) {
                log_error("iface %s is a special interface and is not stored in %s/ifaces.", name,
                          node_db_root(c->db));
                return ISCSI_ERR_INVAL;
        }
        k = node_db_read_iface(c->db, name, &r);
        if (k < 0) {
                log_error("Could not read iface %s (%s).", name, strerror(-k));
                return ISCSI_ERR_IDBM;
        }
        for (size_t i = 0; i < c->o->n_nv; i++) {
                const char *n = c->o->nv[i].name, *v = c->o->nv[i].value;
                int idx = node_record_key_index(&node_record_schema_iface, n);
                if (idx < 0 || idx == IFACE_KEY_IFACE_NAME || !v) {
                        log_error("Cannot modify %s. Invalid param name.", n);
                        return ISCSI_ERR_INVAL;
                }
                if (node_record_set_index(r, idx, v) < 0) {
                        log_error("unknown value format '%s' for parameter name '%s'", v, n);
                        return ISCSI_ERR_INVAL;
                }
        }
        if (c->o->n_nv == 0) {
                log_error("update requires name and value");
                return ISCSI_ERR_INVAL;
        }
        k = node_db_write_iface(c->db, r);
        if (k < 0) {
                log_error("Could not update iface %s: %s", name, strerror(-k));
                return ISCSI_ERR_IDBM;
        }
        printf("%s updated.\n", name);
        return 0;
}

static int iface_list_all(Context *c) {
        Record **v = NULL;
        size_t n = 0;
        int k;

        if (c->o->op & ~OP_SHOW) {
                log_error("iface name required (-I)");
                return ISCSI_ERR_INVAL;
        }
        k = node_db_list_ifaces(c->db, &v, &n);
        if (k < 0) {
                log_error("Could not list ifaces: %s", strerror(-k));
                return ISCSI_ERR_IDBM;
        }
        if (c->o->op & OP_SHOW)
                out->records(v, n, 0);
        else
                out->iface_list(v, n);
        node_records_free(v, n);
        return 0;
}

static int iface_new(Context *c, const char *name) {
        _cleanup_(node_record_freep) Record *r = node_record_new(&node_record_schema_iface);
        int k;

        if (!r)
                return ISCSI_ERR_NOMEM;
        if (node_iface_is_builtin(name) || node_record_set_index(r, IFACE_KEY_IFACE_NAME, name) < 0) {
                log_error("Could not add interface %s.", name);
                return ISCSI_ERR_INVAL;
        }
        k = node_db_write_iface(c->db, r);
        if (k < 0) {
                log_error("Could not add interface %s: %s", name, strerror(-k));
                return ISCSI_ERR_IDBM;
        }
        /* open-iscsi 2.1.8 prints both lines for a new iface */
        printf("%s updated.\nNew interface %s added\n", name, name);
        return 0;
}

/* The iface and, as in open-iscsi, the node records bound to it. */
static int iface_delete(Context *c, const char *name) {
        NodeFilter f = NODE_FILTER_ALL;
        NodeEntry *e = NULL;
        size_t n = 0;
        int k;

        if (node_iface_is_builtin(name)) {
                log_error("iface %s is a special interface and cannot be deleted.", name);
                log_error("Could not delete iface %s: invalid parameter", name);
                return ISCSI_ERR_INVAL;
        }
        k = node_db_delete_iface(c->db, name);
        if (k < 0) {
                log_error("Could not delete iface %s: %s", name, strerror(-k));
                return k == -ENOENT ? ISCSI_ERR_NO_OBJS_FOUND : ISCSI_ERR_IDBM;
        }
        f.iface = name;
        if (node_db_find_nodes(c->db, &f, &e, &n) == 0)
                for (size_t i = 0; i < n; i++)
                        (void) node_db_delete_node(c->db, &e[i]);
        node_entries_free(e, n);
        printf("%s unbound and deleted.\n", name);
        return 0;
}

static int iface_show(Context *c, const char *name) {
        _cleanup_(node_record_freep) Record *r = NULL;
        int k = node_db_read_iface(c->db, name, &r);

        if (k < 0) {
                log_error("Could not read iface %s (%s).", name, strerror(-k));
                return ISCSI_ERR_IDBM;
        }
        out->records(&r, 1, 0);
        return 0;
}

int mode_iface(Context *c) {
        Options *o = c->o;
        const char *name = o->n_ifaces ? o->ifaces[0] : NULL;
        int k;

        if (o->op & (OP_APPLY | OP_APPLYALL)) {
                log_error("apply/applyall configure offload (iSCSI HBA) interfaces; only the software "
                          "tcp transport is supported");
                return ISCSI_ERR_OP_NOT_SUPP;
        }
        if (o->submode) {
                log_error("iface submode %s (ping) is not supported", o->submode);
                return ISCSI_ERR_OP_NOT_SUPP;
        }
        if (!name)
                return iface_list_all(c);
        if (o->op & (OP_NEW | OP_DELETE | OP_UPDATE)) {
                k = ctx_lock(c);
                if (k)
                        return k;
        }
        if (o->op & OP_NEW)
                return iface_new(c, name);
        if (o->op & OP_DELETE)
                return iface_delete(c, name);
        if (o->op & OP_UPDATE)
                return iface_update(c, name);
        return iface_show(c, name);
}
