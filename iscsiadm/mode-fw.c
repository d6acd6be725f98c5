/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -m fw and -m discovery -t fw: the boot targets the firmware's iBFT names (read by the kernel's
 * iscsi_ibft under <sysfs>/firmware/ibft, see iscsi-node/ibft.h).
 *   -m fw             print each target as open-iscsi's firmware record
 *   -m fw -l          log in to each (through iscsid), without touching the node database
 *   -m discovery -t fw  add them to the node database (startup onboot) and list them
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi-node/ibft.h"
#include "iscsi-node/sysfs-session.h"
#include "iscsiadm.h"
#include "output.h"

typedef struct FwTargets {
        NodeIbftTarget **t;
        size_t n;
} FwTargets;

static void fw_targets_done(FwTargets *f) {
        node_ibft_list_free(f->t, f->n);
}

/* open-iscsi's message and code (21) when the firmware names no usable target. */
static int read_targets(FwTargets *ret) {
        int r = node_ibft_read(node_sysfs_root(), &ret->t, &ret->n);
        if (r == -ENOMEM)
                return ISCSI_ERR_NOMEM;
        if (r < 0) {
                log_error("Could not get list of targets from firmware. (err %d)", ISCSI_ERR_NO_OBJS_FOUND);
                return ISCSI_ERR_NO_OBJS_FOUND;
        }
        return 0;
}

/* Node records (iscsid.conf defaults + firmware values), one per target. */
static int fw_entries(Context *c, const FwTargets *f, NodeEntry **ret) {
        NodeEntry *e = calloc(f->n ?: 1, sizeof(*e));
        if (!e)
                return ISCSI_ERR_NOMEM;
        for (size_t i = 0; i < f->n; i++) {
                const NodeIbftTarget *t = f->t[i];
                int k = node_from_conf(c, t->target_name, t->target_ip, t->target_port, 1, "default", &e[i].rec);
                if (k >= 0)
                        k = node_ibft_apply_to_record(t, e[i].rec);
                if (k < 0) {
                        log_error("Could not convert firmware info to node record.");
                        node_entries_free(e, f->n);
                        return k == -ENOMEM ? ISCSI_ERR_NOMEM : ISCSI_ERR_INVAL;
                }
        }
        *ret = e;
        return 0;
}

static int fw_show(const FwTargets *f) {
        for (size_t i = 0; i < f->n; i++) {
                _cleanup_free_ char *text = NULL;
                if (node_ibft_format(f->t[i], &text) < 0)
                        return ISCSI_ERR_NOMEM;
                fputs(text, stdout);
        }
        return 0;
}

int mode_fw(Context *c) {
        _cleanup_(fw_targets_done) FwTargets f = {};
        int r;

        if (c->o->op & ~OP_SHOW) {
                log_error("fw mode: option '-o' is not allowed/supported");
                return ISCSI_ERR_INVAL;
        }
        r = read_targets(&f);
        if (r)
                return r;
        if (!c->o->login)
                return fw_show(&f);

        NodeEntry *e = NULL;
        r = fw_entries(c, &f, &e);
        if (r)
                return r;
        r = nodes_login(c, e, f.n);
        node_entries_free(e, f.n);
        return r;
}

static int fw_write_records(Context *c, const NodeEntry *e, size_t n) {
        int r = ctx_lock(c), rc = 0;
        if (r)
                return r;
        node_db_batch_begin(c->db);
        for (size_t i = 0; i < n; i++) {
                r = node_db_write_node(c->db, e[i].rec);
                if (r < 0) {
                        log_error("Could not write record for %s: %s", node_record_get(e[i].rec, NODE_KEY_NAME),
                                  strerror(-r));
                        rc = ISCSI_ERR_IDBM;
                }
        }
        if (node_db_batch_commit(c->db) < 0)
                rc = rc ?: ISCSI_ERR_IDBM;
        return rc;
}

int mode_fw_discovery(Context *c) {
        _cleanup_(fw_targets_done) FwTargets f = {};
        NodeEntry *e = NULL;
        int r = read_targets(&f);
        if (r)
                return r;
        r = fw_entries(c, &f, &e);
        if (r)
                return r;
        if (!(c->o->op & OP_NONPERSISTENT))
                r = fw_write_records(c, e, f.n);
        _cleanup_free_ DiscoveredPortal *p = calloc(f.n ?: 1, sizeof(*p));
        if (!p)
                r = r ?: ISCSI_ERR_NOMEM;
        for (size_t i = 0; p && i < f.n; i++)
                p[i] = (DiscoveredPortal) { f.t[i]->target_name, f.t[i]->target_ip, f.t[i]->target_port, 1 };
        if (p)
                out->discovered(p, f.n);
        if (r == 0 && c->o->login)
                r = nodes_login(c, e, f.n);
        node_entries_free(e, f.n);
        return r;
}
