/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Login state machines (RFC 7143 §6.3, §11.12, §11.13) for the initiator and the target.
 * No sockets: the caller moves Login PDUs (a decoded struct iscsi_bhs from pdu.h + the data
 * segment bytes) and the machine says what to send next and when the login is over.
 *
 * Initiator:
 *     iscsi_login_initiator_new(&cfg, &l);
 *     for (;;) {
 *             iscsi_login_initiator_next(l, &req);          // Login Request to send
 *             send req.bhs (+ req.data) with iscsi_pdu_out_init();
 *             receive a PDU, iscsi_pdu_parse() it;
 *             r = iscsi_login_initiator_receive(l, &view.bhs, view.data, view.data_len);
 *             if (r == ISCSI_LOGIN_CONTINUE) continue;
 *             break;                                        // DONE or FAILED (r < 0: ENOMEM)
 *     }
 *     iscsi_login_get_result(l, &res);   // params, TSIH, status, failure, exit code
 *
 * Target:
 *     iscsi_login_target_new(&cfg, &l);
 *     for (;;) {
 *             receive a PDU (any opcode), parse it;
 *             r = iscsi_login_target_receive(l, &view.bhs, view.data, view.data_len, &rsp);
 *             send rsp;                                     // always, unless r < 0
 *             if (r == ISCSI_LOGIN_CONTINUE) continue;
 *             break;     // DONE: full feature phase; FAILED: close the connection after sending
 *     }
 *
 * Stages: both sides go Security (CSG 0) -> LoginOperational (CSG 1) -> Full Feature (3). The
 * initiator always starts in the security stage and offers AuthMethod (CHAP,None / CHAP /
 * None from its config); the target accepts a first request in CSG 1 only when its policy
 * does not require CHAP. Text longer than 8192 bytes (the login-time
 * MaxRecvDataSegmentLength) is split with the C bit in both directions; the other side
 * answers continued PDUs with empty ones as RFC 7143 §6.2 says.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "iscsi-proto/chap.h"
#include "iscsi-proto/keys.h"
#include "iscsi-proto/negotiate.h"
#include "iscsi-proto/pdu.h"

/* Data segment limit for every Login PDU (RFC 7143 §13.12: 8192 until negotiated). */
#define ISCSI_LOGIN_MAX_SEGMENT 8192u

/* Return value of the *_receive() functions (negative: -ENOMEM / -EINVAL misuse). */
enum iscsi_login_outcome {
        ISCSI_LOGIN_CONTINUE = 0, /* initiator: call _next() and send; target: send rsp, read more */
        ISCSI_LOGIN_DONE = 1,     /* full feature phase reached (target: after sending rsp) */
        ISCSI_LOGIN_FAILED = 2,   /* login over without success; see iscsi_login_get_result() */
};

/* Why a login did not succeed, from the point of view of the side that runs the machine. */
enum iscsi_login_failure {
        ISCSI_LOGIN_FAIL_NONE,
        ISCSI_LOGIN_FAIL_STATUS,       /* initiator: the target answered status != 0 (see status) */
        ISCSI_LOGIN_FAIL_REDIRECT,     /* initiator: status class 1; target_address says where */
        ISCSI_LOGIN_FAIL_AUTH,         /* CHAP failed (target: initiator's response wrong;
                                        * initiator: the target failed mutual CHAP or chose an
                                        * AuthMethod we did not allow) */
        ISCSI_LOGIN_FAIL_AUTHORIZATION,/* target: ACL denied the initiator */
        ISCSI_LOGIN_FAIL_NOT_FOUND,    /* target: TargetName unknown */
        ISCSI_LOGIN_FAIL_NEGOTIATION,  /* key negotiation violated (iscsi_neg_receive -EPROTO) */
        ISCSI_LOGIN_FAIL_PROTOCOL,     /* malformed/unexpected PDU: wrong opcode, ITT/ISID
                                        * mismatch, bad CSG/NSG/T/C, bad text, missing key */
        ISCSI_LOGIN_FAIL_INTERNAL,     /* policy callback failure, out of memory */
};
const char *iscsi_login_failure_to_string(enum iscsi_login_failure f);
/* "Success", "Authentication failure", "Target not found", ... for a (class<<8|detail). */
const char *iscsi_login_status_to_string(uint16_t status);

/* A Login PDU to send: BHS fields (encode with pdu.h) plus data owned by the machine, valid
 * until the next call on it. bhs.dlength == data_len. */
struct iscsi_login_pdu {
        struct iscsi_bhs bhs;
        const uint8_t *data;
        size_t data_len;
};

/* Outcome of a login, filled on both sides. */
struct iscsi_login_result {
        enum iscsi_login_failure failure;
        uint16_t status;              /* class << 8 | detail: received (initiator) / sent (target) */
        uint16_t tsih;                /* the session's TSIH (non-zero after DONE) */
        uint32_t cmdsn;               /* initiator: CmdSN for the first FFP command */
        uint32_t exp_statsn;          /* initiator: ExpStatSN to send next (last StatSN + 1) */
        uint32_t statsn;              /* target: StatSN for the next response (last + 1) */
        uint32_t exp_cmdsn, max_cmdsn;/* from the last Login Response */
        bool redirect_permanent;      /* status 0x0102 */
        char target_address[ISCSI_VALUE_MAX + 1]; /* TargetAddress of a redirect */
        char reason[160];             /* one line for a log: what went wrong */
        struct iscsi_params params;   /* negotiated values (valid after DONE) */
};

struct iscsi_login;

struct iscsi_login *iscsi_login_free(struct iscsi_login *l);
static inline void iscsi_login_freep(struct iscsi_login **l) {
        if (*l)
                *l = iscsi_login_free(*l);
}
/* Valid at any time; most useful after DONE or FAILED. */
void iscsi_login_get_result(const struct iscsi_login *l, struct iscsi_login_result *ret);
/* Current stage (CSG of the next PDU). */
enum iscsi_login_stage iscsi_login_get_stage(const struct iscsi_login *l);
/* Access to the negotiator (e.g. to read a key's result, or in tests). */
struct iscsi_negotiator *iscsi_login_get_negotiator(struct iscsi_login *l);

/*
 * open-iscsi exit code for a failed initiator login (iscsiadm/iscsid report these):
 *   0 success, 24 ISCSI_ERR_LOGIN_AUTH_FAILED (status 0x0201/0x0202, mutual CHAP failure),
 *   19 ISCSI_ERR_FATAL_LOGIN (other initiator-class statuses, e.g. 0x0203 not found),
 *   5 ISCSI_ERR_LOGIN (target-class statuses, protocol/negotiation failures, redirects the
 *   caller did not follow), 9 ISCSI_ERR_INTERNAL (internal).
 */
int iscsi_login_exit_code(const struct iscsi_login_result *r);

/* ---------------- initiator ---------------- */

enum iscsi_auth_method {
        ISCSI_AUTH_NONE,      /* offer AuthMethod=None */
        ISCSI_AUTH_CHAP,      /* offer AuthMethod=CHAP,None (one-way) or CHAP (mutual) */
};

struct iscsi_login_initiator_config {
        const char *initiator_name;          /* required */
        const char *initiator_alias;         /* optional */
        const char *target_name;             /* required for normal sessions, ignored for discovery */
        enum iscsi_session_type session_type;
        uint8_t isid[6];
        uint16_t tsih;                       /* 0: new session; else add a connection to it */
        uint16_t cid;
        uint32_t itt;                        /* Initiator Task Tag for all Login Requests */
        uint32_t cmdsn;                      /* CmdSN of the login (stays for the first command) */
        uint32_t exp_statsn;                 /* ExpStatSN for the first Login Request */
        enum iscsi_auth_method auth;
        /* CHAP: username+secret required with ISCSI_AUTH_CHAP; mutual_* set = require mutual. */
        struct iscsi_chap_credentials chap;
        const enum iscsi_chap_alg *chap_algs; /* preference order; NULL/0: MD5 (open-iscsi's default) */
        size_t n_chap_algs;
        /* Optional operational keys to propose instead of the defaults, e.g.
         * HeaderDigest=CRC32C,None  MaxRecvDataSegmentLength=262144  ImmediateData=No.
         * Unknown keys or bad values make iscsi_login_initiator_new() fail with -EINVAL. */
        const struct iscsi_keys *operational;
};

/* Copies everything it needs from cfg (secrets included; wiped on free).
 * -EINVAL: missing names, CHAP without credentials, bad operational key. */
int iscsi_login_initiator_new(const struct iscsi_login_initiator_config *cfg, struct iscsi_login **ret);
/* The next Login Request. -EALREADY if the login is over, -EBUSY if a response is awaited. */
int iscsi_login_initiator_next(struct iscsi_login *l, struct iscsi_login_pdu *ret);
/* Consume a received PDU (expected: a Login Response). Returns enum iscsi_login_outcome or
 * -ENOMEM; -EBUSY if no request is outstanding. */
int iscsi_login_initiator_receive(struct iscsi_login *l, const struct iscsi_bhs *bhs,
                                  const void *data, size_t data_len);

/* ---------------- target ---------------- */

/* What the target's policy says about a target name. */
struct iscsi_login_target_info {
        char alias[ISCSI_VALUE_MAX + 1];           /* TargetAlias to declare, "" for none */
        /* Redirect: a lookup returning -EREMOTE sets this ("10.0.0.1:3260,1" or
         * "[fd00::1]:3260,1") and whether the move is permanent (0x0102) or temporary (0x0101). */
        char redirect_address[ISCSI_VALUE_MAX + 1];
        bool redirect_permanent;
        /* Per-target operational limits/preferences (LIO's TPG "parameters"), applied with
         * iscsi_neg_set(offer=false); NULL = the config's defaults. Must stay valid during
         * the login. */
        const struct iscsi_keys *operational;
};

/* Authentication required of an initiator. */
struct iscsi_login_target_auth {
        bool require_chap;          /* refuse AuthMethod=None */
        /* Expected initiator credentials (username NULL: CHAP impossible) and the target's own
         * credentials for mutual CHAP (mutual_* NULL: mutual CHAP will fail). */
        struct iscsi_chap_credentials chap;
        enum iscsi_chap_alg algs[ISCSI_CHAP_MAX_ALGS]; /* preference; n_algs 0 = default */
        size_t n_algs;
};

/*
 * Policy callbacks. Every callback returns 0 or a negative errno; strings passed in are
 * NUL-terminated and validated (names are <= 223 bytes). Pointers the callbacks fill in
 * (credentials) are copied right away, so they may point to the caller's config.
 */
struct iscsi_login_target_policy {
        /* target_name exists on this portal group? 0: yes (info may be filled), -ENOENT: not
         * found (0x0203), -EREMOTE: redirect (info->redirect_*), -EAGAIN: service unavailable
         * (0x0301), -ENODEV: target removed (0x0204). Not called for discovery sessions. */
        int (*lookup_target)(void *userdata, const char *target_name, struct iscsi_login_target_info *info);
        /* May initiator_name log in to target_name (NULL = discovery session)? 0 or -EACCES
         * (0x0202). */
        int (*authorize)(void *userdata, const char *initiator_name, const char *target_name);
        /* Authentication for this initiator on target_name (NULL = discovery auth). */
        int (*get_auth)(void *userdata, const char *initiator_name, const char *target_name,
                        struct iscsi_login_target_auth *ret);
        /* Session binding, called when the login is about to succeed. tsih == 0: create a
         * session for (initiator_name, isid) and return its new non-zero TSIH; the daemon also
         * does session reinstatement here. tsih != 0: add this connection to the existing
         * session: 0, -ENOENT (0x020a) or -EUSERS too many connections (0x0206).
         * NULL callback: TSIH 1 for every new session, non-leading logins refused. */
        int (*bind_session)(void *userdata, const char *initiator_name, const uint8_t isid[6],
                            uint16_t tsih, const struct iscsi_params *params, uint16_t *ret_tsih);
        void *userdata;
};

struct iscsi_login_target_config {
        uint16_t tpgt;                       /* declared as TargetPortalGroupTag */
        uint32_t initial_statsn;             /* StatSN of the first Login Response */
        uint32_t cmdsn_window;               /* MaxCmdSN = ExpCmdSN + window - 1 (>= 1) */
        /* Portal-wide operational limits (digests supported, MaxRecvDataSegmentLength,
         * MaxBurstLength, ...), NULL = RFC defaults. Applied before a target's own. */
        const struct iscsi_keys *operational;
        struct iscsi_login_target_policy policy; /* callbacks; all may be NULL (allow all, no
                                                    auth, every target exists) */
};

/* -EINVAL: bad operational keys, cmdsn_window 0. */
int iscsi_login_target_new(const struct iscsi_login_target_config *cfg, struct iscsi_login **ret);
/*
 * Consume one received PDU (a non-Login opcode is answered 0x020b) and fill *ret_rsp with the
 * Login Response to send. Returns enum iscsi_login_outcome: CONTINUE or DONE (send rsp),
 * FAILED (send rsp, then close: status and reason in the result), or -ENOMEM (close
 * without sending). After DONE/FAILED returns -EALREADY.
 */
int iscsi_login_target_receive(struct iscsi_login *l, const struct iscsi_bhs *bhs,
                               const void *data, size_t data_len, struct iscsi_login_pdu *ret_rsp);
/* Target, after DONE: the initiator's declared names (also in the result's params). */
const char *iscsi_login_target_initiator_name(const struct iscsi_login *l);
