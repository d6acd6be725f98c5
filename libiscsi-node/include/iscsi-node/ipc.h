/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * iscsiadm <-> iscsid IPC: a versioned, self-describing protocol over an AF_UNIX stream socket.
 *
 * Wire format (see iscsid/IPC.md): every message is a 4-byte big-endian length followed by that
 * many bytes of a JSON object. Requests carry {"version", "type", "request"}; responses carry
 * {"version", "type", "status", "message", "result"}. Unknown keys are ignored, so either side
 * may add fields without a version bump; a version bump means an incompatible change.
 *
 * The socket is ISCSI_RUN_DIR "/iscsid.sock", or $ISCSID_SOCKET when set. The daemon refuses
 * peers whose SO_PEERCRED uid is not 0 (status ISCSI_ERR_ACCESS).
 *
 * The client API below is independent from the node database: the caller fills plain structs
 * from whatever records it has. Every client call returns a negative errno when the daemon
 * could not be reached or the reply was malformed (map that to ISCSI_ERR_ISCSID_NOTCONN /
 * ISCSI_ERR_ISCSID_COMM_ERR), and 0 when a reply arrived; the reply's outcome is then in the
 * result's `status` (an iscsiadm exit code, enum iscsi_err) and `message`.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "iscsi-node/exit-code.h"
#include "iscsi-node/login-params.h"

#define ISCSID_IPC_VERSION 1

static inline void json_object_putp(struct json_object **o) {
        if (*o)
                json_object_put(*o);
}
#define _cleanup_json_ __attribute__((cleanup(json_object_putp)))
#define ISCSID_SOCKET_ENV "ISCSID_SOCKET"
#define ISCSID_SOCKET_NAME "iscsid.sock"
#define ISCSID_IPC_MAX_MESSAGE (1u << 20)

/* The login request, struct node_login_req, is generated from the parameter schema. */

struct login_result {
        int status;                     /* enum iscsi_err */
        char message[256];              /* human-readable reason when status != 0 */
        int sid;                        /* kernel session id, -1 when none */
        int host_no;                    /* SCSI host number, -1 when none */
};

/* Log out one session: by sid (>= 0), or by target/address/port/iface (all given). */
struct session_logout_req {
        int sid;                        /* -1 → match by the fields below */
        const char *target_name;
        const char *address;
        int port;
        const char *iface;              /* NULL → any iface */
        bool force;                     /* log out even if a disk of the session is mounted */
};

struct logout_result {
        int status;                     /* enum iscsi_err; ISCSI_ERR_BUSY when a disk is mounted */
        char message[256];              /* e.g. "/dev/sda1 is mounted on /mnt" */
        int sid;
};

/* What the daemon knows of one session (the rest is in sysfs, see sysfs-session.h). */
struct iscsid_session_info {
        int sid;
        int host_no;
        char target_name[224];
        char address[64];
        int port;
        int tpgt;
        char iface[64];
        char state[32];                 /* "LOGGED_IN", "IN_RECOVERY", "FAILED", "LOGGING_OUT" */
        unsigned recoveries;            /* successful reconnects since the session was made */
};

struct iscsid_list_result {
        int status;
        char message[256];
        struct iscsid_session_info *sessions;   /* owned, free() */
        size_t n_sessions;
};

/* One counter of the kernel's iSCSI statistics (ISCSI_UEVENT_GET_STATS). */
struct iscsid_stat {
        char name[48];                  /* "txdata_octets", ..., custom ones like "eh_abort_cnt" */
        uint64_t value;
};

struct iscsid_stats_result {
        int status;
        char message[256];
        struct iscsid_stat *stats;      /* owned, free(); in the kernel's order */
        size_t n_stats;
};

struct iscsid_simple_result {
        int status;
        char message[256];
};

/* Path of the daemon's socket: $ISCSID_SOCKET, else ISCSI_RUN_DIR "/iscsid.sock". */
const char *node_iscsid_socket_path(void);

/* Client calls (each opens one connection, sends one request, reads one reply). */
int node_iscsid_client_login(const struct node_login_req *req, struct login_result *ret);
int node_iscsid_client_logout(const struct session_logout_req *req, struct logout_result *ret);
int node_iscsid_client_list(struct iscsid_list_result *ret);
int node_iscsid_client_rescan(int sid, struct iscsid_simple_result *ret);   /* sid -1 → all */
int node_iscsid_client_stats(int sid, struct iscsid_stats_result *ret);
int node_iscsid_client_ping(struct iscsid_simple_result *ret);              /* daemon alive? */

/*
 * Batches: send every request at once on its own connection, then collect the replies, so the
 * daemon works on all of them in parallel (--loginall / --logoutall). results[i] answers
 * reqs[i]; a request whose connection failed gets status ISCSI_ERR_ISCSID_NOTCONN (could not
 * connect) or ISCSI_ERR_ISCSID_COMM_ERR (no valid reply). Returns 0, or a negative errno only
 * when nothing could be sent at all (e.g. -ENOENT: no daemon).
 */
int node_iscsid_client_login_many(const struct node_login_req *reqs, size_t n, struct login_result *results);
int node_iscsid_client_logout_many(const struct session_logout_req *reqs, size_t n, struct logout_result *results);

/* Wire helpers shared by client and daemon. */
int node_ipc_send_message(int fd, struct json_object *msg);
int node_ipc_recv_message(int fd, struct json_object **ret);                 /* -ENODATA on EOF */

/* The login request's codec is node_login_req_to_json / _from_json (login-params.h). */
struct json_object *node_ipc_logout_req_to_json(const struct session_logout_req *req);
int node_ipc_logout_req_from_json(struct json_object *obj, struct session_logout_req *ret);

/* Build {"version", "type", "status", "message"} for a reply; the caller adds "result". */
struct json_object *node_ipc_new_response(const char *type, int status, const char *message);
