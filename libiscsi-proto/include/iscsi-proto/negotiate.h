/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Login key negotiation (RFC 7143 §6.2, §13), usable by both the initiator and the target.
 *
 * One table (iscsi_key_table) describes every key the login knows: its kind, default,
 * range, result function, in which stage it may appear, who may send it, and whether it is
 * leading-only. The engine (struct iscsi_negotiator) keeps, per key, our local value (what we offer
 * as proposer, or the limit/preference we apply as responder) and the negotiation state.
 *
 * Driving it (per Login PDU exchange; the login state machine in login.c does this):
 *   proposer side:  iscsi_neg_propose(n, stage, &out)  adds our pending offers/declarations
 *   on receive:     iscsi_neg_receive(n, stage, &in, &out)
 *                     - answers to our offers are checked and recorded,
 *                     - offers from the peer are answered into out (result value,
 *                       NotUnderstood, Irrelevant or Reject),
 *                     - declarations from the peer are recorded.
 *   at the end:     iscsi_neg_get_params(n, &params)
 *
 * CHAP_* keys are not handled here (see chap.h); iscsi_neg_receive() skips them, the login
 * code hands them to the CHAP exchange. SendTargets is a Full Feature Phase key handled by
 * the SendTargets code, it is a phase error in login.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "iscsi-proto/iscsi-name.h" /* ISCSI_NAME_MAX */
#include "iscsi-proto/keys.h"
#include "iscsi-proto/pdu.h" /* enum iscsi_login_stage */

enum iscsi_role {
        ISCSI_ROLE_INITIATOR,
        ISCSI_ROLE_TARGET,
};

enum iscsi_session_type {
        ISCSI_SESSION_NORMAL,
        ISCSI_SESSION_DISCOVERY,
};

enum iscsi_key_kind {
        ISCSI_KEY_KIND_NUMBER,  /* numerical-value in [min, max] */
        ISCSI_KEY_KIND_BOOL,    /* Yes / No */
        ISCSI_KEY_KIND_LIST,    /* list of enumerated values (digests, AuthMethod, ...) */
        ISCSI_KEY_KIND_TEXT,    /* names, aliases, addresses: free text */
};

enum iscsi_result_fn {
        ISCSI_RESULT_DECLARATIVE, /* no answer; each side declares its own value */
        ISCSI_RESULT_LIST,        /* responder picks the first offered value it supports */
        ISCSI_RESULT_MIN,
        ISCSI_RESULT_MAX,
        ISCSI_RESULT_OR,
        ISCSI_RESULT_AND,
        ISCSI_RESULT_IRRELEVANT,  /* obsolete keys we always answer "Irrelevant" (OFMarkInt...) */
};

enum {
        ISCSI_KEY_F_SECURITY     = 1u << 0, /* may appear in the security stage */
        ISCSI_KEY_F_OPERATIONAL  = 1u << 1, /* may appear in the operational stage */
        ISCSI_KEY_F_FFP          = 1u << 2, /* Text PDUs in full feature phase (SendTargets) */
        ISCSI_KEY_F_LEADING      = 1u << 3, /* leading connection only (session-wide) */
        ISCSI_KEY_F_BY_INITIATOR = 1u << 4, /* the initiator may send it */
        ISCSI_KEY_F_BY_TARGET    = 1u << 5, /* the target may send it */
        ISCSI_KEY_F_NOT_DISCOVERY = 1u << 6, /* Irrelevant in a discovery session */
        ISCSI_KEY_F_AUTH         = 1u << 7, /* CHAP_*: handled by the CHAP exchange */
};

enum iscsi_key_id {
        ISCSI_KEY_HEADER_DIGEST,
        ISCSI_KEY_DATA_DIGEST,
        ISCSI_KEY_MAX_CONNECTIONS,
        ISCSI_KEY_SEND_TARGETS,
        ISCSI_KEY_TARGET_NAME,
        ISCSI_KEY_INITIATOR_NAME,
        ISCSI_KEY_TARGET_ALIAS,
        ISCSI_KEY_INITIATOR_ALIAS,
        ISCSI_KEY_TARGET_ADDRESS,
        ISCSI_KEY_TARGET_PORTAL_GROUP_TAG,
        ISCSI_KEY_INITIAL_R2T,
        ISCSI_KEY_IMMEDIATE_DATA,
        ISCSI_KEY_MAX_RECV_DATA_SEGMENT_LENGTH,
        ISCSI_KEY_MAX_BURST_LENGTH,
        ISCSI_KEY_FIRST_BURST_LENGTH,
        ISCSI_KEY_DEFAULT_TIME2WAIT,
        ISCSI_KEY_DEFAULT_TIME2RETAIN,
        ISCSI_KEY_MAX_OUTSTANDING_R2T,
        ISCSI_KEY_DATA_PDU_IN_ORDER,
        ISCSI_KEY_DATA_SEQUENCE_IN_ORDER,
        ISCSI_KEY_ERROR_RECOVERY_LEVEL,
        ISCSI_KEY_SESSION_TYPE,
        ISCSI_KEY_AUTH_METHOD,
        ISCSI_KEY_OF_MARKER,
        ISCSI_KEY_IF_MARKER,
        ISCSI_KEY_OF_MARK_INT,
        ISCSI_KEY_IF_MARK_INT,
        ISCSI_KEY_ISCSI_PROTOCOL_LEVEL,
        ISCSI_KEY_TASK_REPORTING,
        ISCSI_KEY_RDMA_EXTENSIONS,
        _ISCSI_KEY_MAX,
        _ISCSI_KEY_INVALID = -ENOENT,
};

struct iscsi_key_def {
        const char *name;
        enum iscsi_key_kind kind;
        enum iscsi_result_fn result;
        unsigned flags;          /* ISCSI_KEY_F_* */
        const char *def;         /* default value as text ("None", "8192", "Yes"); NULL: none */
        uint64_t min, max;       /* range for ISCSI_KEY_KIND_NUMBER */
        const char *values;      /* ISCSI_KEY_KIND_LIST: the comma-separated values we know */
};

extern const struct iscsi_key_def iscsi_key_table[_ISCSI_KEY_MAX];

/* Table lookup by exact (case-sensitive) name; -ENOENT for unknown keys. */
enum iscsi_key_id iscsi_key_lookup(const char *name);
/* True for CHAP_A, CHAP_I, CHAP_C, CHAP_N, CHAP_R. */
bool iscsi_key_is_chap(const char *name);

/* ---- the negotiated result ---- */


struct iscsi_params {
        enum iscsi_session_type session_type;
        bool header_digest;              /* CRC32C on headers */
        bool data_digest;                /* CRC32C on data */
        uint32_t max_connections;
        bool initial_r2t;
        bool immediate_data;
        /* MaxRecvDataSegmentLength is declarative, one value per direction:
         * declared by the initiator = most the target may send in one PDU to the initiator;
         * declared by the target    = most the initiator may send in one PDU to the target. */
        uint32_t initiator_max_recv_dsl;
        uint32_t target_max_recv_dsl;
        uint32_t max_burst_length;
        uint32_t first_burst_length;     /* clamped to max_burst_length */
        uint32_t default_time2wait;
        uint32_t default_time2retain;
        uint32_t max_outstanding_r2t;
        bool data_pdu_in_order;
        bool data_sequence_in_order;
        uint32_t error_recovery_level;
        bool of_marker, if_marker;       /* always false: markers are not supported */
        uint32_t protocol_level;         /* iSCSIProtocolLevel (RFC 7144), 0 if not negotiated */
        int32_t tpgt;                    /* TargetPortalGroupTag, -1 if not declared */
        char initiator_name[ISCSI_NAME_MAX + 1];
        char target_name[ISCSI_NAME_MAX + 1];
        char initiator_alias[ISCSI_VALUE_MAX + 1];
        char target_alias[ISCSI_VALUE_MAX + 1];
        char target_address[ISCSI_VALUE_MAX + 1]; /* from a redirect, "" otherwise */
        char auth_method[16];            /* "None" or "CHAP" */
};

/* Fill with the RFC 7143 defaults (normal session, tpgt -1, empty names). */
void iscsi_params_init_defaults(struct iscsi_params *p);
/* Largest data segment we may send / must accept, seen from role. */
uint32_t iscsi_params_max_xmit_dsl(const struct iscsi_params *p, enum iscsi_role role);
uint32_t iscsi_params_max_recv_dsl(const struct iscsi_params *p, enum iscsi_role role);

/* ---- the engine ---- */

struct iscsi_negotiator;

/*
 * leading: true for the first connection of a session (TSIH 0). Leading-only keys received
 * on another connection are answered "Irrelevant".
 * Initial local values are the RFC defaults, except: the initiator offers, in the
 * operational stage, every operational key relevant for the session type (so the target
 * sees explicit values, as open-iscsi does); the target offers only its
 * MaxRecvDataSegmentLength declaration. Digests default to "None" for both.
 */
int iscsi_neg_new(enum iscsi_role role, bool leading, struct iscsi_negotiator **ret);
struct iscsi_negotiator *iscsi_neg_free(struct iscsi_negotiator *n);
static inline void iscsi_neg_freep(struct iscsi_negotiator **n) {
        if (*n)
                *n = iscsi_neg_free(*n);
}

/* Session type affects which keys are relevant. Set before negotiating (the initiator from
 * its config, the target once it has seen SessionType). */
void iscsi_neg_set_session_type(struct iscsi_negotiator *n, enum iscsi_session_type type);
enum iscsi_session_type iscsi_neg_get_session_type(const struct iscsi_negotiator *n);

/*
 * Set our local value for a key: what we offer as proposer, and what we accept as
 * responder (for MIN/MAX our limit, for LIST the values we support in order of
 * preference, for OR/AND our own boolean). The value is validated against the table:
 * -ENOENT unknown key, -EINVAL wrong form, -ERANGE out of range, -EBUSY already negotiated.
 * offer: whether iscsi_neg_propose() sends it (declarative keys: whether we declare it).
 */
int iscsi_neg_set(struct iscsi_negotiator *n, const char *key, const char *value, bool offer);
int iscsi_neg_set_number(struct iscsi_negotiator *n, enum iscsi_key_id id, uint64_t value, bool offer);
/* Our local value (NULL if none). */
const char *iscsi_neg_get_local(const struct iscsi_negotiator *n, enum iscsi_key_id id);
/* The negotiated value, the peer's declaration, or NULL if the key was not negotiated. */
const char *iscsi_neg_get_result(const struct iscsi_negotiator *n, enum iscsi_key_id id);

/*
 * Add our offers for keys allowed in this stage that were not sent yet (appended to out,
 * each key at most once per login). Returns the number of keys added (>= 0) or -errno.
 */
int iscsi_neg_propose(struct iscsi_negotiator *n, enum iscsi_login_stage stage, struct iscsi_keys *out);

/*
 * Process keys received in a Login (or Text) PDU of this stage. Answers for the peer's
 * offers are appended to out. CHAP_* keys are skipped (not an error).
 * Returns >= 0 (number of answers added) or:
 *   -EPROTO  negotiation protocol violation: key in the wrong stage, a key the peer may not
 *            send (e.g. TargetAlias from the initiator), renegotiation of a key already
 *            negotiated, an answer outside what our offer allows (e.g. a MIN answer above
 *            our offer, a LIST answer not in our list), an answer to something we never
 *            offered, or a declarative key changed.
 *   -ENOMEM
 * On -EPROTO, iscsi_neg_error() tells which key and why.
 * Keys unknown to the table (including X-/X# keys) are answered NotUnderstood; values out of
 * range or of the wrong form are answered Reject; keys irrelevant in this session are
 * answered Irrelevant.
 */
int iscsi_neg_receive(struct iscsi_negotiator *n, enum iscsi_login_stage stage, const struct iscsi_keys *in, struct iscsi_keys *out);

/* Number of our offers still waiting for an answer (excluding those whose result is fixed
 * by the offer alone: OR with Yes, AND with No, which RFC 7143 §6.2.2 lets the responder
 * omit). A stage must not be left while this is non-zero. */
unsigned iscsi_neg_pending(const struct iscsi_negotiator *n);

/* Human-readable reason of the last -EPROTO ("HeaderDigest: answer not in offered list"). */
const char *iscsi_neg_error(const struct iscsi_negotiator *n);

/* Fill *ret with the negotiated values (defaults for keys not negotiated). */
void iscsi_neg_get_params(const struct iscsi_negotiator *n, struct iscsi_params *ret);
