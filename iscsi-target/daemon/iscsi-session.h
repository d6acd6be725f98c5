/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An iSCSI session in full feature phase (ERL 0, one connection): sequence numbers, the
 * task table, the LUN view. Lives on the worker thread of its connection. The registry
 * (daemon-wide, under Daemon.lock) finds sessions by ISID for reinstatement and by TSIH.
 *
 * Lifetime: a session is reference counted and this file alone frees it. Its connection holds
 * one reference until it closes, every Task object (including aborted ones still in the SCSI
 * engine) holds one; the registry holds none: session_close() takes the session out of it
 * before the connection drops its reference. All references are taken and dropped on the
 * session's worker thread. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "conn.h"
#include "daemon.h"
#include "iscsi-proto/negotiate.h"
#include "iscsi-proto/pdu.h"
#include "runtime.h"
#include "scsi.h"

/* Commands the initiator may have outstanding (CmdSN window). */
#define SESSION_CMD_WINDOW 128u
#define TASK_HASH_SIZE 256u

typedef struct Task Task;
typedef struct Session Session;
typedef struct PendingTmf PendingTmf;

struct Session {
        Daemon *daemon;
        Conn *conn;             /* NULL once the connection is gone */
        Worker *worker;
        struct scsi_engine *engine;     /* the worker's; NULL if it has none (no io_uring) */
        unsigned refs;                  /* connection + Task objects */

        uint16_t tsih;
        uint8_t isid[6];
        char *initiator;
        char *target;           /* NULL for discovery */
        uint16_t tpgt;
        bool discovery;
        struct iscsi_params params;

        uint32_t exp_cmdsn;
        uint32_t max_cmdsn;
        uint32_t statsn;        /* next StatSN to send */

        LunMap *map;
        unsigned long map_gen;
        struct scsi_nexus *nexus;

        Task *tasks[TASK_HASH_SIZE];    /* by ITT */
        Task *all_tasks;                /* list, for aborts */
        unsigned n_tasks;               /* in the table (CmdSN window accounting) */
        uint32_t next_ttt;

        bool logged_bad_input;
        uint64_t nopin_interval_usec;   /* idle time before we ping (ACL nopin_timeout) */
        uint64_t nopin_timeout_usec;    /* unanswered ping drops the connection */
        bool closed;            /* dropped from the registry / being torn down */
        bool reinstated;        /* replaced by a new login with the same ISID */
        Session *reg_next;
};

/* ---- lifetime and registry (call with Daemon.lock NOT held; these take it) ---- */

/* Create a session for a completed login and register it; the caller (the connection) owns
 * the reference returned. If a session with the same initiator, ISID and target exists, it is
 * reinstated: closed on its own worker. */
int session_new(Daemon *d, Conn *c, struct scsi_engine *engine, const struct iscsi_params *params,
                const uint8_t isid[6], uint16_t tpgt, Session **ret);
Session *session_ref(Session *s);
/* Frees the session (releasing its nexus on every LU it saw) with the last reference. */
Session *session_unref(Session *s);
/* TSIH allocation for the login response (unique among live sessions). */
uint16_t session_alloc_tsih(Daemon *d);
bool session_tsih_exists(Daemon *d, uint16_t tsih);
/* Close every other session to s's target, each on its own worker (TARGET COLD RESET). */
void session_close_target_sessions(Session *s, const char *why);
/* Connection gone: unregister (no new task may start). The caller aborts the tasks
 * (task_abort_all()) and drops its reference. */
void session_close(Session *s);

/* ---- sequence numbers ---- */
typedef enum CmdSnVerdict {
        CMDSN_IGNORE,   /* outside the window: drop the PDU silently */
        CMDSN_ACCEPT,   /* in the window (ExpCmdSN advanced) or immediate */
} CmdSnVerdict;

/* Check a command's CmdSN (RFC 7143 §4.2.2.1). */
CmdSnVerdict session_check_cmdsn(Session *s, uint32_t cmdsn, bool immediate);
/* A fresh Target Transfer Tag (R2T, NOP-In ping, Text continuation): never 0 or 0xffffffff. */
uint32_t session_next_ttt(Session *s);
/* Fill StatSN (advancing it when `advance`), ExpCmdSN and MaxCmdSN of a target PDU. */
void session_fill_sn(Session *s, struct iscsi_bhs *h, bool advance_statsn);

/* Refresh the LUN map if the configuration changed. Returns <0 if the session's target or
 * ACL disappeared (the caller closes the session). */
int session_refresh_map(Session *s);

/* One warning per session about broken or hostile input, later ones at debug level. */
void session_log_bad_input(Session *s, const char *fmt, ...) _printf_(2, 3);

/* Every live session on worker w: run fn (used after a reload). Call on w's thread. */
void session_registry_foreach_on_worker(Daemon *d, Worker *w, void (*fn)(Session *s));
