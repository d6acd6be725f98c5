/* SPDX-License-Identifier: GPL-2.0-or-later */
/* -m iface: list, tree, show, new, delete, update interface records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iscsiadm.h"
#include "output.h"

/* After the reason, open-iscsi prints this line for an update it refuses, and exits 0. */
static int refuse_update(const char *name) {
        log_error("Could not update iface %s: %s", name, node_exit_code_text(ISCSI_ERR_INVAL));
        return ISCSI_SUCCESS;
}

/* The two ways a software iface is bound: by netdev or by MAC; one excludes the other. */
static const char *binding_conflict(const Record *r, int idx) {
        if (idx == IFACE_KEY_IFACE_HWADDRESS && node_record_get(r, IFACE_KEY_IFACE_NET_IFACENAME))
                return "Can not update interface binding from net_ifacename to hwaddress. You must delete the "
                       "interface and create a new one";
        if (idx == IFACE_KEY_IFACE_NET_IFACENAME && node_record_get(r, IFACE_KEY_IFACE_HWADDRESS))
                return "Can not update interface binding from hwaddress to net_ifacename. You must delete the "
                       "interface and create a new one";
        return NULL;
}

/* As open-iscsi, the node records bound to an iface carry its settings: rewrite their iface.*
 * keys (the login takes the netdev, address and initiator name from there). */
static int update_bound_nodes(Context *c, const Record *iface) {
        NodeFilter f = NODE_FILTER_ALL;
        NodeEntry *e = NULL;
        size_t n = 0;
        int k, rc = 0;

        f.iface = node_record_get(iface, IFACE_KEY_IFACE_NAME);
        k = node_db_find_nodes(c->db, &f, &e, &n);
        if (k < 0) {
                log_error("Could not read node records: %s", strerror(-k));
                return ISCSI_ERR_IDBM;
        }
        node_db_batch_begin(c->db);
        for (size_t i = 0; i < n; i++) {
                node_record_copy_matching(e[i].rec, iface);
                if (node_db_save_node(c->db, &e[i]) < 0)
                        rc = ISCSI_ERR_IDBM;
        }
        if (node_db_batch_commit(c->db) < 0)
                rc = ISCSI_ERR_IDBM;
        node_entries_free(e, n);
        if (rc)
                log_error("Could not update the node records bound to iface %s", f.iface);
        return rc;
}

static int iface_update(Context *c, const char *name) {
        _cleanup_(node_record_freep) Record *r = NULL;
        int k;

        if (c->o->n_nv == 0 || !c->o->nv[0].value) {
                log_error("Update requires name, value, and iface.");
                return ISCSI_ERR_INVAL;
        }
        if (node_iface_is_builtin(name)) {
                log_error("iface %s is a special interface and cannot be modified.", name);
                return refuse_update(name);
        }
        k = node_db_read_iface(c->db, name, &r);
        if (k < 0) {
                log_error("Could not read iface info for %s.", name);
                return ISCSI_ERR_IDBM;
        }
        for (size_t i = 0; i < c->o->n_nv; i++) {
                const char *n = c->o->nv[i].name, *v = c->o->nv[i].value;
                int idx = node_record_key_index(&node_record_schema_iface, n);

                if (idx < 0 || !v) {
                        log_error("Cannot modify %s. Invalid param name.", n);
                        return refuse_update(name);
                }
                if (idx == IFACE_KEY_IFACE_NAME) {
                        log_error("Can not update %s. Delete it, and then create a new one.", n);
                        return refuse_update(name);
                }
                if (binding_conflict(r, idx)) {
                        log_error("%s", binding_conflict(r, idx));
                        return refuse_update(name);
                }
                if (node_record_set_index(r, idx, v) < 0) {
                        log_error("unknown value format '%s' for parameter name '%s'", v, n);
                        return ISCSI_ERR_INVAL;
                }
        }
        k = node_db_write_iface(c->db, r);
        if (k < 0) {
                log_error("Could not update iface %s: %s", name, strerror(-k));
                return ISCSI_ERR_IDBM;
        }
        k = update_bound_nodes(c, r);
        if (k)
                return k;
        printf("%s updated.\n", name);
        return 0;
}

/* -P 1: each iface with the targets and portals of the node records bound to it. */
static int iface_tree(Context *c, Record **ifaces, size_t n) {
        NodeFilter f = NODE_FILTER_ALL;
        NodeEntry *e = NULL;
        size_t ne = 0;
        int k = node_db_find_nodes(c->db, &f, &e, &ne);

        if (k < 0) {
                log_error("Could not read node records: %s", strerror(-k));
                return ISCSI_ERR_IDBM;
        }
        /* open-iscsi walks the node records to draw this tree: without any, it prints nothing */
        if (ne > 0)
                out->iface_tree(ifaces, n, e, ne);
        node_entries_free(e, ne);
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
        /* with or without -o show, one line per iface (csi-lib-iscsi and democratic-csi split them) */
        if (c->o->print_level >= 1)
                k = iface_tree(c, v, n);
        else
                out->iface_list(v, n);
        node_records_free(v, n);
        return k;
}

/* open-iscsi accepts names of 1 to 64 characters; ours must also be a file name. */
#define IFACE_NAME_MAX 64

static int iface_new(Context *c, const char *name) {
        _cleanup_(node_record_freep) Record *r = node_record_new(&node_record_schema_iface);
        int k;

        if (!r)
                return ISCSI_ERR_NOMEM;
        if (!*name || strlen(name) > IFACE_NAME_MAX) {
                log_error("Invalid iface name %s. Must be from 1 to %d characters.", name, IFACE_NAME_MAX);
                return ISCSI_ERR_INVAL;
        }
        if (node_iface_is_builtin(name) || node_record_set_index(r, IFACE_KEY_IFACE_NAME, name) < 0) {
                log_error("Could not add interface %s.", name);
                return ISCSI_ERR_INVAL;
        }
        k = node_db_write_iface(c->db, r);
        if (k == -EINVAL) {
                log_error("Could not create new interface %s.", name);
                return ISCSI_ERR_IDBM;
        }
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
        _cleanup_(node_record_freep) Record *r = NULL;
        NodeFilter f = NODE_FILTER_ALL;
        NodeEntry *e = NULL;
        size_t n = 0;
        int k;

        if (node_iface_is_builtin(name)) {
                log_error("iface %s is a special interface and cannot be deleted.", name);
                log_error("Could not delete iface %s: %s", name, node_exit_code_text(ISCSI_ERR_INVAL));
                return ISCSI_ERR_INVAL;
        }
        if (node_db_read_iface(c->db, name, &r) < 0) {
                log_error("Could not read iface info for %s.", name);
                log_error("Could not delete iface %s: %s", name, node_exit_code_text(ISCSI_ERR_INVAL));
                return ISCSI_ERR_INVAL;
        }
        k = node_db_delete_iface(c->db, name);
        if (k < 0) {
                log_error("Could not delete iface %s: %s", name, strerror(-k));
                return ISCSI_ERR_IDBM;
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
        if (c->o->print_level >= 1)
                return iface_tree(c, &r, 1);
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
        if (o->print_level > 1) {
                log_error("Invalid info level %d. Try 0 - 1.", o->print_level);
                return ISCSI_ERR_INVAL;
        }
        /* open-iscsi sets up ifaces/ whenever it looks at interfaces */
        (void) node_db_ensure_ifaces_dir(c->db);
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
