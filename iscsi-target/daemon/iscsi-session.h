/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An iSCSI session in full feature phase (ERL 0, one connection): sequence numbers, the
 * task table, the LUN view. Lives on the worker thread of its connection. The registry
 * (daemon-wide, under Daemon.lock) finds sessions by ISID for reinstatement and by TSIH. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "conn.h"
#include "daemon.h"
#include "iscsi-proto/negotiate.h"
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
        unsigned refs;          /* registry entry + connection (registry is under Daemon.lock) */

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
        unsigned n_task_objs;           /* allocated, incl. aborted ones still in the engine */
        uint32_t next_ttt;

        bool logged_bad_input;
        uint64_t nopin_interval_usec;   /* idle time before we ping (ACL nopin_timeout) */
        uint64_t nopin_timeout_usec;    /* unanswered ping drops the connection */
        bool closed;            /* dropped from the registry / being torn down */
        bool reinstated;        /* replaced by a new login with the same ISID */
        Session *reg_next;
};

/* ---- registry (call with Daemon.lock NOT held; these take it) ---- */
int session_registry_new(SessionRegistry **ret);
void session_registry_free(SessionRegistry *r);

/* Create a session for a completed login and register it. If a session with the same
 * initiator, ISID and target exists, it is reinstated: closed on its own worker. */
int session_new(Daemon *d, Conn *c, const struct iscsi_params *params, const uint8_t isid[6],
                uint16_t tpgt, Session **ret);
/* TSIH allocation for the login response (unique among live sessions). */
uint16_t session_alloc_tsih(Daemon *d);
bool session_tsih_exists(Daemon *d, uint16_t tsih);
/* Close every other session to s's target, each on its own worker (TARGET COLD RESET). */
void session_close_target_sessions(Session *s, const char *why);
/* Connection gone: abort tasks, release the nexus, unregister. */
void session_close(Session *s);

/* ---- sequence numbers ---- */
/* Check a non-immediate command's CmdSN: 1 accept (ExpCmdSN advanced), 0 ignore silently. */
int session_check_cmdsn(Session *s, uint32_t cmdsn, bool immediate);
/* Fill StatSN (advancing it when `advance`), ExpCmdSN and MaxCmdSN of a target PDU. */
void session_fill_sn(Session *s, struct iscsi_bhs *h, bool advance_statsn);

/* Refresh the LUN map if the configuration changed. Returns <0 if the session's target or
 * ACL disappeared (the caller closes the session). */
int session_refresh_map(Session *s);

/* One warning per session about broken or hostile input, later ones at debug level. */
void session_log_bad_input(Session *s, const char *fmt, ...) _printf_(2, 3);

/* Every live session on worker w: run fn (used after a reload). */
void session_registry_foreach_on_worker(Daemon *d, Worker *w, void (*fn)(Session *s));
