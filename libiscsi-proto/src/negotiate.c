/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Login key negotiation: the key table and an engine that proposes, answers and checks. */

#include <inttypes.h>
#include <stdarg.h>

#include "iscsi-util/macro.h"
#include "iscsi-proto/negotiate.h"

#define SEC ISCSI_KEY_F_SECURITY
#define OPR ISCSI_KEY_F_OPERATIONAL
#define FFP ISCSI_KEY_F_FFP
#define LO ISCSI_KEY_F_LEADING
#define BYI ISCSI_KEY_F_BY_INITIATOR
#define BYT ISCSI_KEY_F_BY_TARGET
#define NDS ISCSI_KEY_F_NOT_DISCOVERY
#define DSL_MAX 16777215u /* 2^24 - 1 */

#define NUM(n, res, fl, d, lo, hi) \
        { .name = n, .kind = ISCSI_KEY_KIND_NUMBER, .result = res, .flags = fl, .def = d, .min = lo, .max = hi }
#define BOOLK(n, res, fl, d) { .name = n, .kind = ISCSI_KEY_KIND_BOOL, .result = res, .flags = fl, .def = d }
#define LIST(n, fl, d, vals) \
        { .name = n, .kind = ISCSI_KEY_KIND_LIST, .result = ISCSI_RESULT_LIST, .flags = fl, .def = d, .values = vals }
#define TEXT(n, fl) { .name = n, .kind = ISCSI_KEY_KIND_TEXT, .result = ISCSI_RESULT_DECLARATIVE, .flags = fl }

/* RFC 7143 §13 (and RFC 7144 for iSCSIProtocolLevel/TaskReporting, RFC 7145 for
 * RDMAExtensions). Defaults, ranges and result functions as the RFCs give them. */
const struct iscsi_key_def iscsi_key_table[_ISCSI_KEY_MAX] = {
        [ISCSI_KEY_HEADER_DIGEST] = LIST("HeaderDigest", OPR | BYI | BYT, "None", "CRC32C,None"),
        [ISCSI_KEY_DATA_DIGEST] = LIST("DataDigest", OPR | BYI | BYT, "None", "CRC32C,None"),
        [ISCSI_KEY_MAX_CONNECTIONS] = NUM("MaxConnections", ISCSI_RESULT_MIN, OPR | LO | BYI | BYT | NDS, "1", 1, 65535),
        [ISCSI_KEY_SEND_TARGETS] = TEXT("SendTargets", FFP | BYI),
        [ISCSI_KEY_TARGET_NAME] = TEXT("TargetName", SEC | OPR | FFP | BYI | BYT),
        [ISCSI_KEY_INITIATOR_NAME] = TEXT("InitiatorName", SEC | OPR | BYI),
        [ISCSI_KEY_TARGET_ALIAS] = TEXT("TargetAlias", SEC | OPR | FFP | BYT),
        [ISCSI_KEY_INITIATOR_ALIAS] = TEXT("InitiatorAlias", SEC | OPR | FFP | BYI),
        [ISCSI_KEY_TARGET_ADDRESS] = TEXT("TargetAddress", SEC | OPR | FFP | BYT),
        [ISCSI_KEY_TARGET_PORTAL_GROUP_TAG] = { .name = "TargetPortalGroupTag", .kind = ISCSI_KEY_KIND_NUMBER,
                                                .result = ISCSI_RESULT_DECLARATIVE, .flags = SEC | OPR | BYT,
                                                .min = 0, .max = 65535 },
        [ISCSI_KEY_INITIAL_R2T] = BOOLK("InitialR2T", ISCSI_RESULT_OR, OPR | LO | BYI | BYT | NDS, "Yes"),
        [ISCSI_KEY_IMMEDIATE_DATA] = BOOLK("ImmediateData", ISCSI_RESULT_AND, OPR | LO | BYI | BYT | NDS, "Yes"),
        [ISCSI_KEY_MAX_RECV_DATA_SEGMENT_LENGTH] = NUM("MaxRecvDataSegmentLength", ISCSI_RESULT_DECLARATIVE,
                                                       OPR | BYI | BYT, "8192", 512, DSL_MAX),
        [ISCSI_KEY_MAX_BURST_LENGTH] = NUM("MaxBurstLength", ISCSI_RESULT_MIN, OPR | LO | BYI | BYT | NDS, "262144", 512, DSL_MAX),
        [ISCSI_KEY_FIRST_BURST_LENGTH] = NUM("FirstBurstLength", ISCSI_RESULT_MIN, OPR | LO | BYI | BYT | NDS, "65536", 512, DSL_MAX),
        [ISCSI_KEY_DEFAULT_TIME2WAIT] = NUM("DefaultTime2Wait", ISCSI_RESULT_MAX, OPR | LO | BYI | BYT, "2", 0, 3600),
        [ISCSI_KEY_DEFAULT_TIME2RETAIN] = NUM("DefaultTime2Retain", ISCSI_RESULT_MIN, OPR | LO | BYI | BYT, "20", 0, 3600),
        [ISCSI_KEY_MAX_OUTSTANDING_R2T] = NUM("MaxOutstandingR2T", ISCSI_RESULT_MIN, OPR | LO | BYI | BYT | NDS, "1", 1, 65535),
        [ISCSI_KEY_DATA_PDU_IN_ORDER] = BOOLK("DataPDUInOrder", ISCSI_RESULT_OR, OPR | LO | BYI | BYT | NDS, "Yes"),
        [ISCSI_KEY_DATA_SEQUENCE_IN_ORDER] = BOOLK("DataSequenceInOrder", ISCSI_RESULT_OR, OPR | LO | BYI | BYT | NDS, "Yes"),
        [ISCSI_KEY_ERROR_RECOVERY_LEVEL] = NUM("ErrorRecoveryLevel", ISCSI_RESULT_MIN, OPR | LO | BYI | BYT, "0", 0, 2),
        [ISCSI_KEY_SESSION_TYPE] = { .name = "SessionType", .kind = ISCSI_KEY_KIND_LIST, .result = ISCSI_RESULT_DECLARATIVE,
                                     .flags = SEC | OPR | LO | BYI, .def = "Normal", .values = "Discovery,Normal" },
        [ISCSI_KEY_AUTH_METHOD] = LIST("AuthMethod", SEC | BYI | BYT, "None", "CHAP,None"),
        [ISCSI_KEY_OF_MARKER] = BOOLK("OFMarker", ISCSI_RESULT_AND, OPR | BYI | BYT, "No"),
        [ISCSI_KEY_IF_MARKER] = BOOLK("IFMarker", ISCSI_RESULT_AND, OPR | BYI | BYT, "No"),
        [ISCSI_KEY_OF_MARK_INT] = { .name = "OFMarkInt", .kind = ISCSI_KEY_KIND_TEXT, .result = ISCSI_RESULT_IRRELEVANT,
                                    .flags = OPR | BYI | BYT },
        [ISCSI_KEY_IF_MARK_INT] = { .name = "IFMarkInt", .kind = ISCSI_KEY_KIND_TEXT, .result = ISCSI_RESULT_IRRELEVANT,
                                    .flags = OPR | BYI | BYT },
        [ISCSI_KEY_ISCSI_PROTOCOL_LEVEL] = NUM("iSCSIProtocolLevel", ISCSI_RESULT_MIN, SEC | OPR | LO | BYI | BYT, "0", 0, 31),
        [ISCSI_KEY_TASK_REPORTING] = LIST("TaskReporting", OPR | LO | BYI | BYT | NDS, "RFC3720", "RFC3720,ResponseFence,FastAbort"),
        [ISCSI_KEY_RDMA_EXTENSIONS] = BOOLK("RDMAExtensions", ISCSI_RESULT_AND, SEC | OPR | LO | BYI | BYT, "No"),
};

enum key_state {
        KS_IDLE,    /* nothing happened */
        KS_OFFERED, /* we sent an offer, no answer yet */
        KS_DONE,    /* negotiated (or declared, or answered by us) */
};

struct key_slot {
        char *local;     /* our value */
        bool offer;      /* iscsi_neg_propose() sends it */
        bool sent;       /* we did send local */
        enum key_state state;
        char *result;    /* negotiated value; for declaratives the peer's value; NULL = default */
};

struct iscsi_negotiator {
        enum iscsi_role role;
        bool leading;
        enum iscsi_session_type type;
        struct key_slot k[_ISCSI_KEY_MAX];
        char error[160];
};

enum iscsi_key_id iscsi_key_lookup(const char *name) {
        if (!name)
                return _ISCSI_KEY_INVALID;
        for (size_t i = 0; i < _ISCSI_KEY_MAX; i++)
                if (streq(iscsi_key_table[i].name, name))
                        return (enum iscsi_key_id) i;
        return _ISCSI_KEY_INVALID;
}

bool iscsi_key_is_chap(const char *name) {
        return name && (streq(name, "CHAP_A") || streq(name, "CHAP_I") || streq(name, "CHAP_C") ||
                        streq(name, "CHAP_N") || streq(name, "CHAP_R"));
}

void iscsi_params_init_defaults(struct iscsi_params *p) {
        *p = (struct iscsi_params) {
                .session_type = ISCSI_SESSION_NORMAL,
                .max_connections = 1,
                .initial_r2t = true,
                .immediate_data = true,
                .initiator_max_recv_dsl = 8192,
                .target_max_recv_dsl = 8192,
                .max_burst_length = 262144,
                .first_burst_length = 65536,
                .default_time2wait = 2,
                .default_time2retain = 20,
                .max_outstanding_r2t = 1,
                .data_pdu_in_order = true,
                .data_sequence_in_order = true,
                .tpgt = -1,
                .auth_method = "None",
        };
}

uint32_t iscsi_params_max_xmit_dsl(const struct iscsi_params *p, enum iscsi_role role) {
        return role == ISCSI_ROLE_INITIATOR ? p->target_max_recv_dsl : p->initiator_max_recv_dsl;
}

uint32_t iscsi_params_max_recv_dsl(const struct iscsi_params *p, enum iscsi_role role) {
        return role == ISCSI_ROLE_INITIATOR ? p->initiator_max_recv_dsl : p->target_max_recv_dsl;
}

static int set_error(struct iscsi_negotiator *n, const char *key, const char *fmt, ...) _printf_(3, 4);
static int set_error(struct iscsi_negotiator *n, const char *key, const char *fmt, ...) {
        char msg[128];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        snprintf(n->error, sizeof(n->error), "%s: %s", key, msg);
        return -EPROTO;
}

const char *iscsi_neg_error(const struct iscsi_negotiator *n) {
        return n->error[0] ? n->error : NULL;
}

static int slot_set_local(struct key_slot *s, const char *value) {
        char *v = strdup(value);
        if (!v)
                return -ENOMEM;
        free(s->local);
        s->local = v;
        return 0;
}

static int slot_set_result(struct key_slot *s, const char *value) {
        char *v = value ? strdup(value) : NULL;
        if (value && !v)
                return -ENOMEM;
        free(s->result);
        s->result = v;
        return 0;
}

/* Validate value against the table entry: 0, -EINVAL (form) or -ERANGE. */
static int value_valid(const struct iscsi_key_def *d, enum iscsi_key_id id, const char *value, bool allow_list) {
        uint64_t u;
        bool b;

        switch (d->kind) {
        case ISCSI_KEY_KIND_NUMBER: {
                int r = iscsi_value_parse_number(value, d->max, &u);
                if (r < 0)
                        return r;
                return u < d->min ? -ERANGE : 0;
        }
        case ISCSI_KEY_KIND_BOOL:
                return iscsi_value_parse_bool(value, &b);
        case ISCSI_KEY_KIND_LIST: {
                const char *state = NULL;
                char item[ISCSI_VALUE_MAX + 1];
                unsigned count = 0;
                int r;

                while ((r = iscsi_value_list_next(value, &state, item, sizeof(item))) > 0) {
                        if (!iscsi_value_list_contains(d->values, item))
                                return -EINVAL;
                        count++;
                }
                if (r < 0)
                        return r;
                return count > 1 && !allow_list ? -EINVAL : 0;
        }
        case ISCSI_KEY_KIND_TEXT:
                if (id == ISCSI_KEY_TARGET_NAME || id == ISCSI_KEY_INITIATOR_NAME)
                        return strlen(value) > ISCSI_NAME_MAX || !*value ? -EINVAL : 0;
                return 0;
        }
        return -EINVAL;
}

int iscsi_neg_new(enum iscsi_role role, bool leading, struct iscsi_negotiator **ret) {
        _cleanup_(iscsi_neg_freep) struct iscsi_negotiator *n = NULL;
        static const enum iscsi_key_id initiator_offers[] = {
                ISCSI_KEY_HEADER_DIGEST, ISCSI_KEY_DATA_DIGEST, ISCSI_KEY_MAX_CONNECTIONS,
                ISCSI_KEY_INITIAL_R2T, ISCSI_KEY_IMMEDIATE_DATA, ISCSI_KEY_MAX_RECV_DATA_SEGMENT_LENGTH,
                ISCSI_KEY_MAX_BURST_LENGTH, ISCSI_KEY_FIRST_BURST_LENGTH, ISCSI_KEY_DEFAULT_TIME2WAIT,
                ISCSI_KEY_DEFAULT_TIME2RETAIN, ISCSI_KEY_MAX_OUTSTANDING_R2T, ISCSI_KEY_DATA_PDU_IN_ORDER,
                ISCSI_KEY_DATA_SEQUENCE_IN_ORDER, ISCSI_KEY_ERROR_RECOVERY_LEVEL,
        };
        int r;

        if (!ret)
                return -EINVAL;
        n = calloc(1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        n->role = role;
        n->leading = leading;
        n->type = ISCSI_SESSION_NORMAL;

        for (size_t i = 0; i < _ISCSI_KEY_MAX; i++)
                if (iscsi_key_table[i].def) {
                        r = slot_set_local(&n->k[i], iscsi_key_table[i].def);
                        if (r < 0)
                                return r;
                }

        if (role == ISCSI_ROLE_INITIATOR) {
                for (size_t i = 0; i < ELEMENTSOF(initiator_offers); i++)
                        n->k[initiator_offers[i]].offer = true;
        } else {
                /* A target supports both digests; the initiator's order decides. */
                r = slot_set_local(&n->k[ISCSI_KEY_HEADER_DIGEST], "CRC32C,None");
                if (r >= 0)
                        r = slot_set_local(&n->k[ISCSI_KEY_DATA_DIGEST], "CRC32C,None");
                if (r < 0)
                        return r;
                n->k[ISCSI_KEY_MAX_RECV_DATA_SEGMENT_LENGTH].offer = true;
        }

        *ret = TAKE_PTR(n);
        return 0;
}

struct iscsi_negotiator *iscsi_neg_free(struct iscsi_negotiator *n) {
        if (!n)
                return NULL;
        for (size_t i = 0; i < _ISCSI_KEY_MAX; i++) {
                free(n->k[i].local);
                free(n->k[i].result);
        }
        free(n);
        return NULL;
}

void iscsi_neg_set_session_type(struct iscsi_negotiator *n, enum iscsi_session_type type) {
        n->type = type;
}

enum iscsi_session_type iscsi_neg_get_session_type(const struct iscsi_negotiator *n) {
        return n->type;
}

int iscsi_neg_set(struct iscsi_negotiator *n, const char *key, const char *value, bool offer) {
        enum iscsi_key_id id = iscsi_key_lookup(key);
        const struct iscsi_key_def *d;
        struct key_slot *s;
        int r;

        if (!n || !value)
                return -EINVAL;
        if (id < 0)
                return -ENOENT;
        d = &iscsi_key_table[id];
        s = &n->k[id];
        if (s->sent || (s->state != KS_IDLE && d->result != ISCSI_RESULT_DECLARATIVE))
                return -EBUSY;
        if (strlen(value) > iscsi_key_value_max(key))
                return -EINVAL;
        /* Our own value may be a list for LIST keys (what we support), never a special value. */
        r = value_valid(d, id, value, d->result == ISCSI_RESULT_LIST);
        if (r < 0)
                return r;
        r = slot_set_local(s, value);
        if (r < 0)
                return r;
        s->offer = offer;
        return 0;
}

int iscsi_neg_set_number(struct iscsi_negotiator *n, enum iscsi_key_id id, uint64_t value, bool offer) {
        char buf[32];

        if (id < 0 || id >= _ISCSI_KEY_MAX)
                return -ENOENT;
        snprintf(buf, sizeof(buf), "%" PRIu64, value);
        return iscsi_neg_set(n, iscsi_key_table[id].name, buf, offer);
}

const char *iscsi_neg_get_local(const struct iscsi_negotiator *n, enum iscsi_key_id id) {
        if (!n || id < 0 || id >= _ISCSI_KEY_MAX)
                return NULL;
        return n->k[id].local;
}

const char *iscsi_neg_get_result(const struct iscsi_negotiator *n, enum iscsi_key_id id) {
        if (!n || id < 0 || id >= _ISCSI_KEY_MAX)
                return NULL;
        return n->k[id].state == KS_DONE ? n->k[id].result : NULL;
}

static bool stage_allows(const struct iscsi_key_def *d, enum iscsi_login_stage stage) {
        switch (stage) {
        case ISCSI_STAGE_SECURITY:
                return d->flags & ISCSI_KEY_F_SECURITY;
        case ISCSI_STAGE_OPERATIONAL:
                return d->flags & ISCSI_KEY_F_OPERATIONAL;
        case ISCSI_STAGE_FULL_FEATURE:
                return d->flags & ISCSI_KEY_F_FFP;
        }
        return false;
}

static bool key_relevant(const struct iscsi_negotiator *n, const struct iscsi_key_def *d) {
        if ((d->flags & ISCSI_KEY_F_LEADING) && !n->leading)
                return false;
        if ((d->flags & ISCSI_KEY_F_NOT_DISCOVERY) && n->type == ISCSI_SESSION_DISCOVERY)
                return false;
        return true;
}

int iscsi_neg_propose(struct iscsi_negotiator *n, enum iscsi_login_stage stage, struct iscsi_keys *out) {
        unsigned role_flag;
        int added = 0, r;

        if (!n || !out)
                return -EINVAL;
        role_flag = n->role == ISCSI_ROLE_INITIATOR ? ISCSI_KEY_F_BY_INITIATOR : ISCSI_KEY_F_BY_TARGET;
        for (size_t i = 0; i < _ISCSI_KEY_MAX; i++) {
                const struct iscsi_key_def *d = &iscsi_key_table[i];
                struct key_slot *s = &n->k[i];

                if (!s->offer || s->sent || !s->local)
                        continue;
                if (d->result != ISCSI_RESULT_DECLARATIVE && s->state != KS_IDLE)
                        continue; /* the peer offered it first and we answered */
                if (!(d->flags & role_flag) || !stage_allows(d, stage) || !key_relevant(n, d))
                        continue;
                if (iscsi_keys_get(out, d->name))
                        continue; /* the caller already put it there */
                r = iscsi_keys_add(out, d->name, s->local);
                if (r < 0)
                        return r;
                s->sent = true;
                /* Declarations need no answer; other keys wait for one. The peer's own
                 * declaration of the same key (MaxRecvDataSegmentLength) is independent. */
                if (d->result != ISCSI_RESULT_DECLARATIVE)
                        s->state = KS_OFFERED;
                added++;
        }
        return added;
}

static const char *bool_str(bool b) {
        return iscsi_value_bool(b);
}

/* Responder side: compute the answer for an offer (value) of key id. */
static int answer_offer(struct iscsi_negotiator *n, enum iscsi_key_id id, const char *value, char *ans, size_t ans_size) {
        const struct iscsi_key_def *d = &iscsi_key_table[id];
        const char *local = n->k[id].local;

        switch (d->result) {
        case ISCSI_RESULT_IRRELEVANT:
                snprintf(ans, ans_size, "%s", ISCSI_VALUE_IRRELEVANT);
                return 0;
        case ISCSI_RESULT_MIN:
        case ISCSI_RESULT_MAX: {
                uint64_t theirs, ours = 0;

                if (iscsi_value_parse_number(value, d->max, &theirs) < 0 || theirs < d->min)
                        goto reject;
                (void) iscsi_value_parse_number(local ? local : d->def, d->max, &ours);
                snprintf(ans, ans_size, "%" PRIu64,
                         d->result == ISCSI_RESULT_MIN ? MIN(theirs, ours) : MAX(theirs, ours));
                return 1;
        }
        case ISCSI_RESULT_OR:
        case ISCSI_RESULT_AND: {
                bool theirs, ours = false;

                if (iscsi_value_parse_bool(value, &theirs) < 0)
                        goto reject;
                (void) iscsi_value_parse_bool(local ? local : d->def, &ours);
                snprintf(ans, ans_size, "%s",
                         bool_str(d->result == ISCSI_RESULT_OR ? (theirs || ours) : (theirs && ours)));
                return 1;
        }
        case ISCSI_RESULT_LIST: {
                const char *state = NULL;
                char item[ISCSI_VALUE_MAX + 1];
                int r;

                /* First value of the proposer's list that we support; unknown values in the
                 * list are skipped (RFC 7143 §6.2.1), a malformed list is rejected. */
                while ((r = iscsi_value_list_next(value, &state, item, sizeof(item))) > 0)
                        ;
                if (r < 0)
                        goto reject;
                state = NULL;
                while ((r = iscsi_value_list_next(value, &state, item, sizeof(item))) > 0)
                        if (local && iscsi_value_list_contains(local, item)) {
                                snprintf(ans, ans_size, "%s", item);
                                return 1;
                        }
                goto reject;
        }
        case ISCSI_RESULT_DECLARATIVE:
                break;
        }
        return -EINVAL;
reject:
        snprintf(ans, ans_size, "%s", ISCSI_VALUE_REJECT);
        return 0;
}

/* Proposer side: check the peer's answer to our offer; store the result. */
static int take_answer(struct iscsi_negotiator *n, enum iscsi_key_id id, const char *value) {
        const struct iscsi_key_def *d = &iscsi_key_table[id];
        struct key_slot *s = &n->k[id];
        int r;

        if (iscsi_value_is_special(value)) {
                /* Not negotiated: the default stays in effect. */
                s->state = KS_DONE;
                return slot_set_result(s, NULL);
        }

        switch (d->result) {
        case ISCSI_RESULT_MIN:
        case ISCSI_RESULT_MAX: {
                uint64_t theirs, ours = 0;

                if (iscsi_value_parse_number(value, d->max, &theirs) < 0 || theirs < d->min)
                        return set_error(n, d->name, "answer \"%s\" is not a number in range", value);
                (void) iscsi_value_parse_number(s->local, d->max, &ours);
                if (d->result == ISCSI_RESULT_MIN && theirs > ours)
                        return set_error(n, d->name, "answer %" PRIu64 " above our offer %" PRIu64, theirs, ours);
                if (d->result == ISCSI_RESULT_MAX && theirs < ours)
                        return set_error(n, d->name, "answer %" PRIu64 " below our offer %" PRIu64, theirs, ours);
                break;
        }
        case ISCSI_RESULT_OR:
        case ISCSI_RESULT_AND: {
                bool theirs, ours = false;

                if (iscsi_value_parse_bool(value, &theirs) < 0)
                        return set_error(n, d->name, "answer \"%s\" is not Yes/No", value);
                (void) iscsi_value_parse_bool(s->local, &ours);
                if (d->result == ISCSI_RESULT_OR && ours && !theirs)
                        return set_error(n, d->name, "answer No to OR with Yes");
                if (d->result == ISCSI_RESULT_AND && !ours && theirs)
                        return set_error(n, d->name, "answer Yes to AND with No");
                break;
        }
        case ISCSI_RESULT_LIST:
                if (strchr(value, ',') || !iscsi_value_list_contains(s->local, value))
                        return set_error(n, d->name, "answer \"%s\" not in offered list", value);
                break;
        default:
                return set_error(n, d->name, "unexpected answer");
        }
        r = slot_set_result(s, value);
        if (r < 0)
                return r;
        s->state = KS_DONE;
        return 0;
}

/* FirstBurstLength is irrelevant when InitialR2T=Yes and ImmediateData=No (RFC 7143 §13.14). */
static const char *effective(const struct iscsi_negotiator *n, enum iscsi_key_id id);

static bool first_burst_irrelevant(const struct iscsi_negotiator *n) {
        return streq(effective(n, ISCSI_KEY_INITIAL_R2T), "Yes") &&
               streq(effective(n, ISCSI_KEY_IMMEDIATE_DATA), "No");
}

static int receive_one(struct iscsi_negotiator *n, enum iscsi_login_stage stage, const char *key,
                       const char *value, struct iscsi_keys *out) {
        enum iscsi_key_id id = iscsi_key_lookup(key);
        const struct iscsi_key_def *d;
        struct key_slot *s;
        unsigned peer_flag;
        char ans[ISCSI_VALUE_MAX + 1];
        int r;

        if (id < 0) {
                /* Unknown (incl. X- keys): NotUnderstood, unless the peer is itself answering
                 * with a special value (we never offer unknown keys, so ignore that). */
                if (iscsi_value_is_special(value))
                        return set_error(n, key, "answer to a key we did not offer");
                r = iscsi_keys_add(out, key, ISCSI_VALUE_NOT_UNDERSTOOD);
                return r < 0 ? r : 1;
        }
        d = &iscsi_key_table[id];
        s = &n->k[id];

        if (!stage_allows(d, stage))
                return set_error(n, key, "not allowed in the %s stage",
                                 stage == ISCSI_STAGE_SECURITY ? "security" :
                                 stage == ISCSI_STAGE_OPERATIONAL ? "operational" : "full feature");
        peer_flag = n->role == ISCSI_ROLE_INITIATOR ? ISCSI_KEY_F_BY_TARGET : ISCSI_KEY_F_BY_INITIATOR;
        if (!(d->flags & peer_flag))
                return set_error(n, key, "may not be sent by the %s",
                                 n->role == ISCSI_ROLE_INITIATOR ? "target" : "initiator");

        if (d->result == ISCSI_RESULT_DECLARATIVE) {
                if (iscsi_value_is_special(value)) {
                        /* The peer refuses our declaration (e.g. TargetName=Reject): note it. */
                        if (!s->sent)
                                return set_error(n, key, "answer to a key we did not send");
                        return 0;
                }
                if (s->state == KS_DONE && s->result) {
                        if (!streq(s->result, value))
                                return set_error(n, key, "declared again with a different value");
                        return 0;
                }
                if (value_valid(d, id, value, false) < 0) {
                        r = iscsi_keys_add(out, key, ISCSI_VALUE_REJECT);
                        return r < 0 ? r : 1;
                }
                r = slot_set_result(s, value);
                if (r < 0)
                        return r;
                s->state = KS_DONE;
                return 0;
        }

        if (s->state == KS_OFFERED) {
                r = take_answer(n, id, value);
                return r < 0 ? r : 0;
        }
        if (s->state == KS_DONE)
                return set_error(n, key, "negotiated again");
        if (iscsi_value_is_special(value))
                return set_error(n, key, "answer to a key we did not offer");

        if (!key_relevant(n, d) ||
            (id == ISCSI_KEY_FIRST_BURST_LENGTH && first_burst_irrelevant(n)))
                snprintf(ans, sizeof(ans), "%s", ISCSI_VALUE_IRRELEVANT);
        else {
                r = answer_offer(n, id, value, ans, sizeof(ans));
                if (r < 0)
                        return r;
                if (r > 0) {
                        r = slot_set_result(s, ans);
                        if (r < 0)
                                return r;
                }
        }
        s->state = KS_DONE;
        r = iscsi_keys_add(out, key, ans);
        return r < 0 ? r : 1;
}

int iscsi_neg_receive(struct iscsi_negotiator *n, enum iscsi_login_stage stage, const struct iscsi_keys *in,
                      struct iscsi_keys *out) {
        int answers = 0, r;
        ssize_t deferred = -1;

        if (!n || !in || !out)
                return -EINVAL;
        n->error[0] = '\0';
        for (size_t i = 0; i < in->n; i++) {
                const char *key = in->items[i].key;

                if (iscsi_key_is_chap(key))
                        continue;
                /* Decide FirstBurstLength after InitialR2T/ImmediateData of the same PDU. */
                if (streq(key, "FirstBurstLength")) {
                        deferred = (ssize_t) i;
                        continue;
                }
                r = receive_one(n, stage, key, in->items[i].value, out);
                if (r < 0)
                        return r;
                answers += r;
        }
        if (deferred >= 0) {
                r = receive_one(n, stage, in->items[deferred].key, in->items[deferred].value, out);
                if (r < 0)
                        return r;
                answers += r;
        }
        return answers;
}

static bool implicit_result(const struct iscsi_key_def *d, const char *local) {
        return local && ((d->result == ISCSI_RESULT_OR && streq(local, "Yes")) ||
                         (d->result == ISCSI_RESULT_AND && streq(local, "No")));
}

unsigned iscsi_neg_pending(const struct iscsi_negotiator *n) {
        unsigned c = 0;

        for (size_t i = 0; i < _ISCSI_KEY_MAX; i++)
                if (n->k[i].state == KS_OFFERED && !implicit_result(&iscsi_key_table[i], n->k[i].local))
                        c++;
        return c;
}

/* The value in effect for a negotiated key. */
static const char *effective(const struct iscsi_negotiator *n, enum iscsi_key_id id) {
        const struct iscsi_key_def *d = &iscsi_key_table[id];
        const struct key_slot *s = &n->k[id];

        if (s->state == KS_DONE && s->result)
                return s->result;
        if (s->state == KS_OFFERED && implicit_result(d, s->local))
                return s->local;
        return d->def ? d->def : "";
}

/* A declarative key's value as declared by the initiator (from_initiator) or the target. */
static const char *declared(const struct iscsi_negotiator *n, enum iscsi_key_id id, bool from_initiator) {
        const struct key_slot *s = &n->k[id];
        bool ours = (n->role == ISCSI_ROLE_INITIATOR) == from_initiator;

        if (ours)
                return s->sent ? s->local : NULL;
        return s->state == KS_DONE ? s->result : NULL;
}

static uint32_t num(const char *s, uint32_t def) {
        uint64_t v;
        return s && iscsi_value_parse_number(s, UINT32_MAX, &v) >= 0 ? (uint32_t) v : def;
}

static void copy_str(char *dst, size_t size, const char *src) {
        snprintf(dst, size, "%s", src ? src : "");
}

void iscsi_neg_get_params(const struct iscsi_negotiator *n, struct iscsi_params *ret) {
        struct iscsi_params p;
        const char *v;

        iscsi_params_init_defaults(&p);
        p.session_type = n->type;
        p.header_digest = streq(effective(n, ISCSI_KEY_HEADER_DIGEST), "CRC32C");
        p.data_digest = streq(effective(n, ISCSI_KEY_DATA_DIGEST), "CRC32C");
        p.max_connections = num(effective(n, ISCSI_KEY_MAX_CONNECTIONS), 1);
        p.initial_r2t = streq(effective(n, ISCSI_KEY_INITIAL_R2T), "Yes");
        p.immediate_data = streq(effective(n, ISCSI_KEY_IMMEDIATE_DATA), "Yes");
        p.initiator_max_recv_dsl = num(declared(n, ISCSI_KEY_MAX_RECV_DATA_SEGMENT_LENGTH, true), 8192);
        p.target_max_recv_dsl = num(declared(n, ISCSI_KEY_MAX_RECV_DATA_SEGMENT_LENGTH, false), 8192);
        p.max_burst_length = num(effective(n, ISCSI_KEY_MAX_BURST_LENGTH), 262144);
        p.first_burst_length = num(effective(n, ISCSI_KEY_FIRST_BURST_LENGTH), 65536);
        p.first_burst_length = MIN(p.first_burst_length, p.max_burst_length);
        p.default_time2wait = num(effective(n, ISCSI_KEY_DEFAULT_TIME2WAIT), 2);
        p.default_time2retain = num(effective(n, ISCSI_KEY_DEFAULT_TIME2RETAIN), 20);
        p.max_outstanding_r2t = num(effective(n, ISCSI_KEY_MAX_OUTSTANDING_R2T), 1);
        p.data_pdu_in_order = streq(effective(n, ISCSI_KEY_DATA_PDU_IN_ORDER), "Yes");
        p.data_sequence_in_order = streq(effective(n, ISCSI_KEY_DATA_SEQUENCE_IN_ORDER), "Yes");
        p.error_recovery_level = num(effective(n, ISCSI_KEY_ERROR_RECOVERY_LEVEL), 0);
        p.of_marker = streq(effective(n, ISCSI_KEY_OF_MARKER), "Yes");
        p.if_marker = streq(effective(n, ISCSI_KEY_IF_MARKER), "Yes");
        p.protocol_level = num(effective(n, ISCSI_KEY_ISCSI_PROTOCOL_LEVEL), 0);
        v = declared(n, ISCSI_KEY_TARGET_PORTAL_GROUP_TAG, false);
        p.tpgt = v ? (int32_t) num(v, 0) : -1;
        copy_str(p.initiator_name, sizeof(p.initiator_name), declared(n, ISCSI_KEY_INITIATOR_NAME, true));
        copy_str(p.target_name, sizeof(p.target_name), declared(n, ISCSI_KEY_TARGET_NAME, true));
        copy_str(p.initiator_alias, sizeof(p.initiator_alias), declared(n, ISCSI_KEY_INITIATOR_ALIAS, true));
        copy_str(p.target_alias, sizeof(p.target_alias), declared(n, ISCSI_KEY_TARGET_ALIAS, false));
        copy_str(p.target_address, sizeof(p.target_address), declared(n, ISCSI_KEY_TARGET_ADDRESS, false));
        copy_str(p.auth_method, sizeof(p.auth_method), effective(n, ISCSI_KEY_AUTH_METHOD));
        *ret = p;
}
