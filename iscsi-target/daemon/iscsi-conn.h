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

/* Strings the login policy hands to the login machine; owned here so a reload can't free
 * them mid-login. */
typedef struct LoginScratch {
        char *chap_user, *chap_secret, *mutual_user, *mutual_secret;
        struct iscsi_keys target_ops;
        struct iscsi_keys portal_ops;
        uint16_t tpgt;
} LoginScratch;

typedef struct IscsiConn {
        Daemon *d;
        Conn *c;
        enum conn_phase phase;
        struct iscsi_login *login;
        LoginScratch scratch;
        Session *s;

        struct iscsi_bhs bhs;           /* header of the PDU being received */
        int bhs_error;                  /* decode error of that header, 0 if fine */
        Task *rx_task;

        uint64_t started_usec;
        uint64_t last_rx_usec;
        uint32_t ping_ttt;              /* outstanding NOP-In ping, 0 if none */
        uint64_t ping_sent_usec;
        bool logged_bad_input;

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
const struct iscsi_bhs *iscsi_conn_current_bhs(Conn *c);
void iscsi_conn_send_reject(Conn *c, uint8_t reason, const uint8_t *hdr);

/* target-login.c */
int target_login_start(IscsiConn *ic, const void *data, size_t len);
void target_login_scratch_clear(LoginScratch *ls);
/* discovery.c: build the SendTargets answer ("All" or one target name, "" = the session's). */
int discovery_build(IscsiConn *ic, const char *value, uint8_t **ret, size_t *ret_len);

uint64_t now_usec(void);
