/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One iSCSI session: TCP connect, login, hand-over to the kernel, recovery, logout.
 *
 * A session knows the kernel transport and the event loop (struct session_context, shared by
 * all sessions and owned by the manager), never the manager or IPC clients: whoever starts a
 * login or logout passes a callback, called once when it is over, and the context's
 * session_ended callback tells the owner to unlink and free a session that has ended.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "iscsi-node/login-params.h"
#include "iscsi-proto/login.h"
#include "transport.h"

enum session_state {
        SESSION_CONNECTING,      /* TCP connect in progress */
        SESSION_LOGGING_IN,      /* login PDUs on our socket */
        SESSION_SCANNING,        /* kernel session running, LUN scan in progress */
        SESSION_LOGGED_IN,
        SESSION_RECOVERY_WAIT,   /* connection failed: waiting DefaultTime2Wait before reconnecting */
        SESSION_LOGGING_OUT,     /* Logout PDU sent through the kernel, waiting for the response */
        SESSION_DEAD,            /* about to be freed */
};
const char *session_state_to_string(enum session_state s);

struct session;

/* How a login or logout ended: status is an iscsiadm exit code (0 = success), message says why
 * when it is not 0 (may be NULL), sid/host_no are -1 when there is no kernel session. */
struct session_result {
        int status;
        const char *message;
        int sid;
        int host_no;
};
typedef void (*session_done_fn)(const struct session_result *res, void *userdata);

/* What every session shares; owned by the manager, which keeps transport up to date. */
struct session_context {
        sd_event *event;
        struct kernel_transport *transport; /* NULL while the kernel cannot do iSCSI */
        int transport_error;                /* why transport is NULL (negative errno) */
        int host_job_fd;                    /* LUN scan / removal threads report here */
        bool no_scan;                       /* tests: never scan LUNs */
        /* The session has ended (login failed for good, logged out, destroyed by the kernel): the
         * owner unlinks it and calls session_free(). */
        void (*session_ended)(struct session *s, void *userdata);
        void *userdata;
};

struct session {
        const struct session_context *ctx;
        struct session *next;            /* the owner's list */
        struct node_login_req cfg;       /* owned copy, defaults applied; cfg.isid is the ISID */
        enum session_state state;

        uint16_t tsih;
        uint32_t initial_cmdsn;          /* CmdSN the kernel session started from */
        bool kernel_session;             /* sid/cid/host_no are valid */
        uint32_t sid, cid;
        int host_no;

        struct login_conn *login_conn;   /* the login exchange in progress, on our own socket */
        sd_event_source *timer;

        struct iscsi_params params;      /* negotiated at the last login */
        unsigned attempts;               /* failed connection attempts of this (re)login */
        unsigned recoveries;
        uint64_t recovery_start_usec;

        session_done_fn login_done, logout_done;
        void *login_userdata, *logout_userdata;
        uint32_t token;                  /* unique per session object, for host job replies */
        bool deleting;                   /* logout: waiting for the LUN removal thread */
        uint64_t logout_start_usec;
};

/* A session for req (copied, defaults applied); -EINVAL for a bad parameter, -ENOENT when no
 * initiator name is known. Not started. */
int session_new(const struct session_context *ctx, const struct node_login_req *req, struct session **ret);
/* A logged-in session for kernel session sid (daemon restart), from sysfs and the state file;
 * one the kernel reports failed is put into recovery. */
int session_adopt(const struct session_context *ctx, int sid, struct session **ret);
/* Frees without calling any callback; the kernel session, if any, stays. */
struct session *session_free(struct session *s);

/* Start the login; done is called once when it is over (after the LUN scan), maybe before
 * this returns. */
void session_start_login(struct session *s, session_done_fn done, void *userdata);
/* Remove the disks, send the Logout PDU, destroy the kernel session; done is called once when
 * it is over. -EALREADY if a logout is in progress. */
int session_start_logout(struct session *s, session_done_fn done, void *userdata);

/* Kernel events and host job results, routed here by the owner. */
void session_on_conn_error(struct session *s, uint32_t error);
void session_on_recv_pdu(struct session *s, const void *pdu, size_t len);
void session_scan_done(struct session *s);
void session_devices_deleted(struct session *s);
