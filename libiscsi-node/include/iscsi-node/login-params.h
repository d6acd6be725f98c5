/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The login parameter schema: the one list of everything a login needs and where each value
 * goes. Adding a login/session parameter means adding one line to NODE_LOGIN_PARAMS below (and,
 * if it is a new node-record key, one line to record-keys.h); everything else is derived:
 *
 *   - struct node_login_req (the request iscsiadm/iscsistart send, and iscsid's session config)
 *   - node_login_req_from_record(): node record -> request
 *   - the IPC codec (node_login_req_to_json / _from_json) and thus iscsid's session state file
 *   - the daemon's defaults (node_login_req_apply_defaults: the node record key's default, never
 *     a second copy of it) and its range checks
 *   - the login proposals (node_login_req_to_login_keys)
 *   - iscsid's SET_PARAM calls for values the kernel keeps (iscsid/session-params.c)
 *
 * X(field, type, record key, min, max, login key, kernel param, flags)
 *   field         member of struct node_login_req and name of the IPC JSON field
 *   type          STR (const char *, NULL = unset), INT (int, -1 = unset: node.tpgt's -1,
 *                 "not known", is the same thing),
 *                 BOOL (int, -1 = unset, 0 = No, 1 = Yes)
 *   record key    NODE_KEY_<id> of record-keys.h it is read from (its default is the default),
 *                 NONE when it is not a node-record key
 *   min, max      accepted range of an INT (ignored for STR/BOOL)
 *   login key     RFC 7143 operational key proposed in the login with this value, or NULL
 *   kernel param  KISCSI_PARAM_<id> iscsid sets to this value after BIND_CONN, NONE if none.
 *                 Values that are negotiated (login key set) reach the kernel as negotiated,
 *                 which iscsid/session-params.c takes from the login result instead.
 *   flags         NODE_LOGIN_SECRET: erased when freed, never logged
 *                 NODE_LOGIN_REQUIRED: a request without it is refused
 *
 * Numbers are ints on the wire and in records; the widest value (MaxBurstLength, 2^24 - 1)
 * fits.
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iscsi-node/record.h"

#define NODE_LOGIN_PARAMS(X)                                                                                    \
        X(target_name, STR, NAME, 0, 0, NULL, TARGET_NAME, NODE_LOGIN_REQUIRED)                                   \
        X(address, STR, CONN_ADDRESS, 0, 0, NULL, PERSISTENT_ADDRESS, NODE_LOGIN_REQUIRED)                        \
        X(port, INT, CONN_PORT, 1, 65535, NULL, PERSISTENT_PORT, 0)                                               \
        X(tpgt, INT, TPGT, -1, 65535, NULL, TPGT, 0)                                                              \
        X(iface, STR, IFACE_NAME, 0, 0, NULL, IFACE_NAME, 0)                                                      \
        X(initiator_name, STR, IFACE_INITIATORNAME, 0, 0, NULL, INITIATOR_NAME, 0)                                \
        X(initiator_alias, STR, NONE, 0, 0, NULL, NONE, 0)                                                        \
        X(netdev, STR, IFACE_NET_IFACENAME, 0, 0, NULL, NONE, 0)                                                  \
        X(ipaddress, STR, IFACE_IPADDRESS, 0, 0, NULL, NONE, 0)                                                   \
        X(hwaddress, STR, IFACE_HWADDRESS, 0, 0, NULL, NONE, 0)                                                   \
        X(scan, STR, SCAN, 0, 0, NULL, NONE, 0)                                                                   \
        X(auth_method, STR, AUTHMETHOD, 0, 0, NULL, NONE, 0)                                                      \
        X(username, STR, USERNAME, 0, 0, NULL, USERNAME, 0)                                                       \
        X(password, STR, PASSWORD, 0, 0, NULL, PASSWORD, NODE_LOGIN_SECRET)                                       \
        X(username_in, STR, USERNAME_IN, 0, 0, NULL, USERNAME_IN, 0)                                              \
        X(password_in, STR, PASSWORD_IN, 0, 0, NULL, PASSWORD_IN, NODE_LOGIN_SECRET)                              \
        X(chap_algs, STR, CHAP_ALGS, 0, 0, NULL, NONE, 0)                                                         \
        X(header_digest, STR, HEADERDIGEST, 0, 0, "HeaderDigest", NONE, 0)                                        \
        X(data_digest, STR, DATADIGEST, 0, 0, "DataDigest", NONE, 0)                                              \
        X(max_recv_dlength, INT, MAXRECVDATASEGMENTLENGTH, 512, 16777215, "MaxRecvDataSegmentLength", NONE, 0)    \
        X(max_xmit_dlength, INT, MAXXMITDATASEGMENTLENGTH, 0, 16777215, NULL, NONE, 0)                            \
        X(first_burst, INT, FIRSTBURSTLENGTH, 512, 16777215, "FirstBurstLength", NONE, 0)                         \
        X(max_burst, INT, MAXBURSTLENGTH, 512, 16777215, "MaxBurstLength", NONE, 0)                               \
        X(max_r2t, INT, MAXOUTSTANDINGR2T, 1, 65535, "MaxOutstandingR2T", NONE, 0)                                \
        X(initial_r2t, BOOL, INITIALR2T, 0, 0, "InitialR2T", NONE, 0)                                             \
        X(immediate_data, BOOL, IMMEDIATEDATA, 0, 0, "ImmediateData", NONE, 0)                                    \
        X(erl, INT, ERL, 0, 2, "ErrorRecoveryLevel", NONE, 0)                                                     \
        X(default_time2wait, INT, DEFAULTTIME2WAIT, 0, 3600, "DefaultTime2Wait", NONE, 0)                         \
        X(default_time2retain, INT, DEFAULTTIME2RETAIN, 0, 3600, "DefaultTime2Retain", NONE, 0)                   \
        X(fast_abort, BOOL, FASTABORT, 0, 0, NULL, FAST_ABORT, 0)                                                 \
        X(login_timeout, INT, LOGIN_TIMEOUT, 1, INT_MAX, NULL, NONE, 0)                                           \
        X(logout_timeout, INT, LOGOUT_TIMEOUT, 0, INT_MAX, NULL, NONE, 0)                                         \
        X(replacement_timeout, INT, REPLACEMENT_TIMEOUT, 0, INT_MAX, NULL, SESS_RECOVERY_TMO, 0)                  \
        X(noop_out_interval, INT, NOOP_OUT_INTERVAL, 0, INT_MAX, NULL, RECV_TMO, 0)                               \
        X(noop_out_timeout, INT, NOOP_OUT_TIMEOUT, 0, INT_MAX, NULL, PING_TMO, 0)                                 \
        X(abort_timeout, INT, ABORT_TIMEOUT, 0, INT_MAX, NULL, ABORT_TMO, 0)                                      \
        X(lu_reset_timeout, INT, LU_RESET_TIMEOUT, 0, INT_MAX, NULL, LU_RESET_TMO, 0)                             \
        X(tgt_reset_timeout, INT, TGT_RESET_TIMEOUT, 0, INT_MAX, NULL, TGT_RESET_TMO, 0)                          \
        X(host_reset_timeout, INT, HOST_RESET_TIMEOUT, 0, INT_MAX, NULL, HOST_RESET_TMO, 0)                       \
        X(initial_login_retry_max, INT, INITIAL_LOGIN_RETRY_MAX, 0, INT_MAX, NULL, NONE, 0)                       \
        X(cmds_max, INT, CMDS_MAX, 1, 65535, NULL, NONE, 0)                                                       \
        X(queue_depth, INT, QUEUE_DEPTH, 1, 65535, NULL, NONE, 0)

enum node_login_param_type {
        NODE_LOGIN_STR,
        NODE_LOGIN_INT,
        NODE_LOGIN_BOOL,
};

enum {
        NODE_LOGIN_SECRET = 1 << 0,
        NODE_LOGIN_REQUIRED = 1 << 1,
};

/* "Not set" for INT and BOOL parameters (STR: NULL). */
#define NODE_LOGIN_UNSET (-1)
/* Record key column value for parameters that are not node-record keys. */
#define NODE_KEY_NONE (-1)

#define NODE_LOGIN_CTYPE_STR const char *
#define NODE_LOGIN_CTYPE_INT int
#define NODE_LOGIN_CTYPE_BOOL int

/*
 * Everything one login needs. A request borrows its strings (the caller keeps them alive during
 * the call); the copy made by node_login_req_dup() owns them. Initialize with
 * node_login_req_init() (all unset), never with = {}: 0 is a value, not "unset".
 */
struct node_login_req {
#define NODE_LOGIN_FIELD(field, type, rk, min, max, lk, kp, flags) NODE_LOGIN_CTYPE_##type field;
        NODE_LOGIN_PARAMS(NODE_LOGIN_FIELD)
#undef NODE_LOGIN_FIELD
        uint8_t isid[6];        /* all zero: the daemon picks a unique ISID */
        /* Open another session even if one to this target/portal/iface exists (nr_sessions). */
        bool allow_existing;
};

/* One row of the schema at run time. */
struct node_login_param {
        const char *name;               /* field and IPC name */
        enum node_login_param_type type;
        size_t offset;                  /* in struct node_login_req */
        int record_key;                 /* NODE_KEY_*, or NODE_KEY_NONE */
        int min, max;                   /* INT range */
        const char *login_key;          /* NULL: not proposed at login */
        unsigned flags;
};

#define NODE_LOGIN_PARAM_ID(field, type, rk, min, max, lk, kp, flags) NODE_LOGIN_PARAM_##field,
enum node_login_param_id { NODE_LOGIN_PARAMS(NODE_LOGIN_PARAM_ID) _NODE_LOGIN_PARAM_MAX };
#undef NODE_LOGIN_PARAM_ID

extern const struct node_login_param node_login_params[_NODE_LOGIN_PARAM_MAX];

/* Typed access to one parameter of r (by schema row). */
static inline const char **node_login_req_str(const struct node_login_req *r, const struct node_login_param *p) {
        return (const char **) ((uint8_t *) r + p->offset);
}
static inline int *node_login_req_int(const struct node_login_req *r, const struct node_login_param *p) {
        return (int *) ((uint8_t *) r + p->offset);
}

/* Every parameter unset, no ISID, allow_existing false. */
void node_login_req_init(struct node_login_req *r);

/* Fill r from a node record (strings borrowed from rec); keys the record leaves empty stay
 * unset. */
void node_login_req_from_record(const Record *rec, struct node_login_req *r);

/*
 * Give every unset parameter that has a node-record key that key's default, then check every
 * value against its type and range (and, for a record key, the record's own check: enums,
 * lists). Strings set here are static. Returns -EINVAL with *ret_bad = the offending row.
 */
int node_login_req_apply_defaults(struct node_login_req *r, const struct node_login_param **ret_bad);

/* Deep copy (owned strings) / release of such a copy (secrets erased). */
int node_login_req_dup(const struct node_login_req *src, struct node_login_req *ret);
void node_login_req_done(struct node_login_req *r);

/* Value of one parameter as text: "Yes"/"No" for BOOL, decimal for INT; NULL when unset.
 * buf holds numbers (12 bytes suffice). */
const char *node_login_req_value_text(const struct node_login_req *r, const struct node_login_param *p,
                                      char *buf, size_t size);

struct iscsi_keys;
/* Add "Key=value" for every set parameter that has a login key, in schema order. */
int node_login_req_to_login_keys(const struct node_login_req *r, struct iscsi_keys *ops);

struct json_object;
/* IPC codec: set parameters only, plus isid and allow_existing. */
struct json_object *node_login_req_to_json(const struct node_login_req *r);
/* Strings point into obj, which must outlive *ret. -EINVAL if a required one is missing or a
 * value has the wrong JSON type. */
int node_login_req_from_json(struct json_object *obj, struct node_login_req *ret);
