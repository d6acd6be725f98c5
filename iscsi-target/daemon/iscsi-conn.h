/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The iSCSI meaning of a connection: login phase (driven by libiscsi-node's login state
 * machine with our policy callbacks), then full feature phase dispatch, NOP-In pings,
 * Text/SendTargets, Logout and Reject. */
#pragma once

#include "conn.h"
#include "daemon.h"
#include "iscsi-proto/keys.h"
#include "iscsi-proto/login.h"
#include "iscsi-proto/pdu.h"
#include "target-login.h"

typedef struct Session Session;
typedef struct Task Task;

typedef struct IscsiConnWorker {
        ConnWorker cw;
        struct scsi_engine *engine;
        EventSource engine_src;
} IscsiConnWorker;

enum conn_phase {
        PHASE_LOGIN,
        PHASE_FFP,
        PHASE_CLOSING,
};

typedef struct IscsiConn {
        Daemon *d;
        Conn *c;
        enum conn_phase phase;
        struct iscsi_login *login;
        TargetLogin login_policy;
        Session *s;

        struct iscsi_bhs bhs;           /* header of the PDU being received */
        int bhs_error;                  /* decode error of that header, 0 if fine */
        Task *rx_task;

        uint64_t started_usec;
        uint64_t last_rx_usec;
        uint32_t ping_ttt;              /* outstanding NOP-In ping, 0 if none */
        uint64_t ping_sent_usec;
        bool logged_bad_input;
        unsigned data_digest_errors;    /* full feature PDUs whose data digest failed */

        struct iscsi_text_accum text_in;
        struct iscsi_text_out text_out;
        uint32_t text_ttt;
} IscsiConn;

extern const WorkerHooks iscsi_conn_worker_hooks;

/* Main thread: hand an accepted socket to a worker. */
void iscsi_conn_dispatch_new(Daemon *d, int fd);
/* Main thread, after a reload: every worker re-checks its sessions. */
void iscsi_conn_config_changed(Daemon *d);

IscsiConnWorker *iscsi_conn_worker_get(Worker *w);
