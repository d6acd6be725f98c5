/* SPDX-License-Identifier: GPL-2.0-or-later */
/* -m node: list, show, new, delete, update node records; login/logout through iscsid. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi-node/initiatorname.h"
#include "iscsiadm.h"
#include "output.h"
#include "iscsi-node/paths.h"
#include "mode-session.h"

static NodeFilter make_filter(const Options *o) {
        NodeFilter f = NODE_FILTER_ALL;
        f.target = o->target;
        if (o->has_portal) {
                f.address = o->portal.address;
                f.port = o->portal.port;
                /* open-iscsi selects records by target, address and port: a ",tpgt" given
                 * with the portal does not narrow the selection */
        }
        if (o->n_ifaces > 0)
                f.iface = o->ifaces[0];
        return f;
}

int node_from_conf(Context *c, const char *target, const char *address, int port, int tpgt, const char *iface,
                   Record **ret) {
        IscsidConf *conf = ctx_conf(c);
        _cleanup_(node_record_freep) Record *r = NULL;
        char buf[16];

        if (!conf)
                return -ENOMEM;
        r = node_record_copy(conf->node);
        if (!r)
                return -ENOMEM;
        if (iface && !streq(iface, "default")) {
                _cleanup_(node_record_freep) Record *ir = NULL;
                int k = node_db_read_iface(c->db, iface, &ir);
                if (k < 0)
                        return k;
                node_record_copy_matching(r, ir);
        }
        snprintf(buf, sizeof(buf), "%d", port);
        if (node_record_set_index(r, NODE_KEY_NAME, target) < 0 || node_record_set_index(r, NODE_KEY_CONN_ADDRESS, address) < 0 ||
            node_record_set_index(r, NODE_KEY_CONN_PORT, buf) < 0)
                return -EINVAL;
        snprintf(buf, sizeof(buf), "%d", tpgt);
        if (node_record_set_index(r, NODE_KEY_TPGT, buf) < 0)
                return -EINVAL;
        if (iface && node_record_set_index(r, NODE_KEY_IFACE_NAME, iface) < 0)
                return -EINVAL;
        *ret = TAKE_PTR(r);
        return 0;
}

static int node_new(Context *c) {
        Options *o = c->o;
        size_t n_if = o->n_ifaces ?: 1;
        int r;

        if (!o->target || !o->has_portal) {
                log_error("portal and target required for new node record");
                return ISCSI_ERR_INVAL;
        }
        r = ctx_lock(c);
        if (r)
                return r;
        (void) node_db_ensure_ifaces_dir(c->db);
        for (size_t i = 0; i < n_if; i++) {
                const char *iface = o->n_ifaces ? o->ifaces[i] : "default";
                _cleanup_(node_record_freep) Record *rec = NULL;
                int tpgt = o->portal.tpgt == NODE_TPGT_ANY ? -1 : o->portal.tpgt;

                r = node_from_conf(c, o->target, o->portal.address, o->portal.port, tpgt, iface, &rec);
                if (r == -ENOENT) {
                        log_error("Could not read iface info for %s.", iface);
                        return ISCSI_ERR_NOMEM;
                }
                if (r < 0) {
                        log_error("Error while adding record: %s", strerror(-r));
                        return ISCSI_ERR_IDBM;
                }
                r = node_db_write_node(c->db, rec);
                if (r < 0) {
                        log_error("Error while adding record: %s", strerror(-r));
                        return ISCSI_ERR_IDBM;
                }
                if (tpgt != -1)
                        (void) node_db_link_node(c->db, rec, NULL, 0);
                printf("New iSCSI node [%s:[hw=%s,ip=%s,net_if=%s,iscsi_if=%s] %s,%d,%d %s] added\n",
                       node_record_get(rec, NODE_KEY_IFACE_TRANSPORT_NAME) ?: "tcp",
                       node_record_get(rec, NODE_KEY_IFACE_HWADDRESS) ?: "",
                       node_record_get(rec, NODE_KEY_IFACE_IPADDRESS) ?: "",
                       node_record_get(rec, NODE_KEY_IFACE_NET_IFACENAME) ?: "", iface, o->portal.address,
                       o->portal.port, tpgt, o->target);
        }
        return 0;
}

/* Apply every -n/-v pair to rec; prints open-iscsi's messages. */
static int apply_updates(const Options *o, Record *rec) {
        for (size_t i = 0; i < o->n_nv; i++) {
                const char *name = o->nv[i].name, *value = o->nv[i].value;
                int idx = node_record_key_index(rec->schema, name), k;

                if (strncmp(name, "iface.", strlen("iface.")) == 0) {
                        log_error("Cannot modify %s. Use iface mode to update this value.", name);
                        return ISCSI_ERR_INVAL;
                }
                if (idx < 0 || (rec->schema->keys[idx].flags & KEY_IDENTITY)) {
                        log_error("Cannot modify %s. Invalid param name.", name);
                        return ISCSI_ERR_INVAL;
                }
                if (!value) {
                        log_error("update requires name and value");
                        return ISCSI_ERR_INVAL;
                }
                k = node_record_set_index(rec, idx, value);
                if (k < 0) {
                        log_error("unknown value format '%s' for parameter name '%s'", value, name);
                        log_error("Unknown parameter %s.", name);
                        return ISCSI_ERR_INVAL;
                }
        }
        return 0;
}

static int node_update(Context *c, NodeEntry *e, size_t n) {
        int rc = 0;

        if (c->o->n_nv == 0) {
                log_error("update requires name and value");
                return ISCSI_ERR_INVAL;
        }
        node_db_batch_begin(c->db);
        for (size_t i = 0; i < n; i++) {
                int r = apply_updates(c->o, e[i].rec), k;
                if (r == 0 && (k = node_db_save_node(c->db, &e[i])) < 0) {
                        log_error("Could not write %s: %s", e[i].path, strerror(-k));
                        r = ISCSI_ERR_IDBM;
                }
                if (r && !rc)
                        rc = r;
        }
        int k = node_db_batch_commit(c->db);
        if (k < 0) {
                log_error("Could not write the updated records: %s", strerror(-k));
                rc = rc ?: ISCSI_ERR_IDBM;
        }
        if (rc)
                log_error("Could not execute operation on all records: %s", node_exit_code_text(rc));
        return rc;
}

static int node_delete(Context *c, NodeEntry *e, size_t n) {
        struct sysfs_session **sessions = NULL;
        size_t n_sessions = 0;
        int rc = 0;

        (void) sessions_collect(&sessions, &n_sessions);
        node_db_batch_begin(c->db);
        for (size_t i = 0; i < n; i++) {
                int r;

                if (record_has_session(e[i].rec, sessions, n_sessions)) {
                        char d[512];
                        node_desc(e[i].rec, d, sizeof(d));
                        log_error("This command will remove the record %s, but a session is using it. Logout "
                                  "session then rerun command to remove record.", d);
                        rc = rc ?: ISCSI_ERR_SESS_EXISTS;
                        continue;
                }
                r = node_db_delete_node(c->db, &e[i]);
                if (r < 0) {
                        log_error("Could not delete %s: %s", e[i].path, strerror(-r));
                        if (!rc)
                                rc = ISCSI_ERR_IDBM;
                }
        }
        int k = node_db_batch_commit(c->db);
        if (k < 0) {
                log_error("Could not complete the deletion: %s", strerror(-k));
                rc = rc ?: ISCSI_ERR_IDBM;
        }
        if (rc)
                log_error("Could not execute operation on all records: %s", node_exit_code_text(rc));
        return rc;
}

static bool startup_matches(const char *which, const Record *r) {
        const char *s = node_record_get(r, NODE_KEY_STARTUP);
        if (streq(which, "all"))
                return true;
        return streq_ptr(which, s);
}

static int node_loginall(Context *c) {
        _cleanup_free_ NodeEntry *keep = NULL;
        NodeEntry *e = NULL;
        size_t n = 0, k = 0;
        NodeFilter f = NODE_FILTER_ALL;
        int r;

        if (!streq(c->o->loginall, "all") && !streq(c->o->loginall, "manual") &&
            !streq(c->o->loginall, "automatic") && !streq(c->o->loginall, "onboot")) {
                log_error("Invalid loginall option %s.", c->o->loginall);
                return ISCSI_ERR_INVAL;
        }
        r = node_db_find_nodes(c->db, &f, &e, &n);
        if (r < 0)
                return ISCSI_ERR_IDBM;
        keep = calloc(n ?: 1, sizeof(NodeEntry));
        for (size_t i = 0; keep && i < n; i++)
                if (startup_matches(c->o->loginall, e[i].rec))
                        keep[k++] = e[i];
        if (k == 0) {
                log_error("No records found");
                node_entries_free(e, n);
                return ISCSI_ERR_NO_OBJS_FOUND;
        }
        r = nodes_login(c, keep, k);
        node_entries_free(e, n);
        return r;
}

int mode_node(Context *c) {
        Options *o = c->o;
        NodeFilter f = make_filter(o);
        NodeEntry *e = NULL;
        size_t n = 0;
        int r;

        if (o->login && o->logout) {
                log_error("Invalid parameters. Both login and logout passed in");
                return ISCSI_ERR_INVAL;
        }
        if ((o->login || o->logout) && o->op) {
                log_error("Invalid parameters. Login/logout and op passed in");
                return ISCSI_ERR_INVAL;
        }
        if (o->loginall)
                return node_loginall(c);
        if (o->logoutall)
                return sessions_logoutall(c, o->logoutall);
        if (o->logout || o->rescan || o->stats)
                return sessions_for_nodes(c, &f);
        if (o->op & OP_NEW)
                return node_new(c);

        if (o->op & (OP_DELETE | OP_UPDATE)) {
                r = ctx_lock(c);
                if (r)
                        return r;
        }
        if (f.iface && !node_iface_is_builtin(f.iface)) {
                _cleanup_(node_record_freep) Record *ir = NULL;
                if (node_db_read_iface(c->db, f.iface, &ir) < 0) {
                        log_error("Could not read iface info for %s.", f.iface);
                        return ISCSI_ERR_NOMEM;
                }
        }
        r = node_db_find_nodes(c->db, &f, &e, &n);
        if (r < 0) {
                log_error("Could not read node records: %s", strerror(-r));
                return ISCSI_ERR_IDBM;
        }
        if (n == 0) {
                log_error("No records found");
                return ISCSI_ERR_NO_OBJS_FOUND;
        }

        if (o->login)
                r = nodes_login(c, e, n);
        else if (o->op & OP_DELETE)
                r = node_delete(c, e, n);
        else if (o->op & OP_UPDATE)
                r = node_update(c, e, n);
        else if ((o->op & OP_SHOW) || o->target || o->has_portal || o->n_ifaces) {
                Record **recs = calloc(n, sizeof(Record *));
                if (!recs) {
                        r = ISCSI_ERR_NOMEM;
                } else {
                        for (size_t i = 0; i < n; i++)
                                recs[i] = e[i].rec;
                        out->records(recs, n, o->show_secrets ? RECORD_SHOW_SECRETS : 0);
                        free(recs);
                        r = 0;
                }
        } else {
                if (o->print_level >= 1)
                        out->node_tree(e, n);
                else
                        out->node_list(e, n);
                r = 0;
        }
        node_entries_free(e, n);
        return r;
}
