/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's one owner object: event loop, kernel transport, sessions, IPC server. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "iscsi-node/ipc.h"
#include "iscsi-proto/login.h"
#include "iscsi-util/macro.h"
#include "session-config.h"
#include "session-params.h"
#include "transport.h"

struct ipc_conn;
struct session;

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

struct session {
        struct manager *manager;
        struct session *next;
        struct node_login_req cfg;       /* owned copy, defaults applied; cfg.isid is the ISID */
        enum session_state state;

        uint16_t tsih;
        uint32_t initial_cmdsn;          /* CmdSN the kernel session started from */
        bool kernel_session;             /* sid/cid/host_no are valid */
        uint32_t sid, cid;
        int host_no;

        int fd;                          /* our TCP socket until the kernel takes it */
        sd_event_source *io, *timer;
        struct iscsi_login *login;
        uint8_t *rbuf;
        size_t rlen, rneed, rcap;

        struct iscsi_params params;      /* negotiated at the last login */
        unsigned attempts;               /* failed connection attempts of this (re)login */
        unsigned recoveries;
        uint64_t recovery_start_usec;
        char conn_address[64];           /* the address we connected to */
        int conn_port;
        char local_address[64];

        struct ipc_conn *login_waiter;   /* reply when the login ends */
        struct ipc_conn *logout_waiter;  /* reply when the logout ends */
        uint32_t token;                  /* unique per session object, for host job replies */
        bool deleting;                   /* logout: waiting for the LUN removal thread */
        uint64_t logout_start_usec;
};

struct manager {
        sd_event *event;
        struct kernel_transport *transport;
        int transport_error;             /* why there is no transport (negative errno) */
        struct session *sessions;
        sd_event_source *ipc_listen;
        int listen_fd;
        bool listen_fd_from_systemd;
        char *socket_path;
        int scan_pipe[2];                /* LUN-scan threads report finished sids here */
        sd_event_source *scan_io;
        uint8_t isid_base[3];
        uint32_t next_token;
        bool exiting;
        /* Tests: a transport to use instead of NETLINK_ISCSI, and no sysfs scans. */
        bool no_scan;
};

int manager_new(struct manager **ret);
struct manager *manager_free(struct manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct manager *, manager_free)

/* Open the kernel transport (loading iscsi_tcp if needed); keeps the error for later replies. */
int manager_open_transport(struct manager *m);
/* Listen on the IPC socket: one passed by systemd, or our own at path. */
int manager_listen(struct manager *m, const char *path);
/* Adopt sessions the kernel already has (daemon restart). */
int manager_resync(struct manager *m);
/* Log out everything we started? No: sessions outlive the daemon. Just release resources. */

/* Requests (from IPC or tests). The reply goes to `waiter` (may be NULL in tests). */
int manager_login(struct manager *m, const struct node_login_req *req, struct ipc_conn *waiter,
                  struct session **ret);
int manager_logout(struct manager *m, const struct session_logout_req *req, struct ipc_conn *waiter);
struct session *manager_find_session(struct manager *m, uint32_t sid);

void manager_on_kernel_event(const struct kernel_event *ev, void *userdata);
void manager_remove_session(struct manager *m, struct session *s);

/* session.c */
int session_new(struct manager *m, const struct node_login_req *req, struct session **ret);
struct session *session_free(struct session *s);
void session_start_login(struct session *s);
void session_on_conn_error(struct session *s, uint32_t error);
void session_on_recv_pdu(struct session *s, const void *pdu, size_t len);
int session_start_logout(struct session *s);
void session_scan_done(struct session *s);
void session_devices_deleted(struct session *s);
void session_schedule_reconnect(struct session *s, uint64_t delay_usec);



/* ipc-server.c */
void ipc_conn_reply(struct ipc_conn *c, struct json_object *reply);
void ipc_conn_reply_login(struct ipc_conn *c, int status, const char *message, const struct session *s);
void ipc_conn_reply_simple(struct ipc_conn *c, const char *type, int status, const char *message);

/* logout-guard.c: is any block device of host_no (disk, partition, holder) mounted? */
int logout_guard_check(int host_no, char *ret_message, size_t size);

/* sysfs.c (iscsid side): LUN scan and LUN removal for a SCSI host, each in a thread (the sysfs
 * writes block: a scan until every LUN is probed, a delete until sd has flushed its cache); the
 * thread writes a struct host_job_done to notify_fd when it is over. */
enum host_job_kind {
        HOST_JOB_SCAN,
        HOST_JOB_DELETE,
};
struct host_job_done {
        uint32_t token;         /* the session's token (sids are reused by the kernel) */
        uint32_t kind;
};
int host_job_async(int host_no, enum host_job_kind kind, uint32_t token, int notify_fd);
int host_delete_devices(int host_no);
/* Calls fn with each <sysfs>/class/scsi_device/H:C:T:L directory of SCSI host host_no;
 * -errno if that class directory cannot be read. Shared by LUN removal and the logout guard. */
int host_foreach_scsi_device(int host_no, void (*fn)(const char *dev_dir, void *userdata), void *userdata);
int sysfs_session_exists(uint32_t sid);

/* kmod.c */
int kmod_load_iscsi_tcp(void);
