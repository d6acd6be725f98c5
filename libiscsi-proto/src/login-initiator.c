/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Login, initiator side: builds Login Requests, consumes Login Responses. */

#include "login-internal.h"
#include "iscsi-util/macro.h"

static int initiator_setup_negotiator(struct iscsi_login *l, const struct iscsi_login_initiator_config *cfg) {
        bool discovery = cfg->session_type == ISCSI_SESSION_DISCOVERY;
        const char *auth;
        int r;

        r = iscsi_neg_new(ISCSI_ROLE_INITIATOR, cfg->tsih == 0, &l->neg);
        if (r < 0)
                return r;
        iscsi_neg_set_session_type(l->neg, cfg->session_type);

        r = iscsi_neg_set(l->neg, "InitiatorName", cfg->initiator_name, true);
        if (r >= 0 && cfg->initiator_alias && *cfg->initiator_alias)
                r = iscsi_neg_set(l->neg, "InitiatorAlias", cfg->initiator_alias, true);
        if (r >= 0 && !discovery)
                r = iscsi_neg_set(l->neg, "TargetName", cfg->target_name, true);
        if (r >= 0)
                r = iscsi_neg_set(l->neg, "SessionType", discovery ? "Discovery" : "Normal", true);
        if (r < 0)
                return r == -ENOMEM ? r : -EINVAL;

        /* Mutual CHAP means we insist on CHAP; one-way CHAP lets the target say None. */
        if (cfg->auth == ISCSI_AUTH_NONE)
                auth = "None";
        else
                auth = cfg->chap.mutual_username ? "CHAP" : "CHAP,None";
        r = iscsi_neg_set(l->neg, "AuthMethod", auth, true);
        if (r < 0)
                return r;

        if (cfg->operational)
                for (size_t i = 0; i < cfg->operational->n; i++) {
                        const struct iscsi_key_value *kv = &cfg->operational->items[i];
                        enum iscsi_key_id id = iscsi_key_lookup(kv->key);

                        /* Only operational keys may be overridden here. */
                        if (id < 0 || !(iscsi_key_table[id].flags & ISCSI_KEY_F_OPERATIONAL) ||
                            iscsi_key_table[id].kind == ISCSI_KEY_KIND_TEXT || id == ISCSI_KEY_SESSION_TYPE)
                                return -EINVAL;
                        r = iscsi_neg_set(l->neg, kv->key, kv->value, true);
                        if (r < 0)
                                return r == -ENOMEM ? r : -EINVAL;
                }
        return 0;
}

/* Keys of the first request: names, SessionType, AuthMethod. */
static int initiator_first_request(struct iscsi_login *l) {
        _cleanup_(iscsi_keys_clear) struct iscsi_keys out = {};
        int r;

        r = iscsi_neg_propose(l->neg, ISCSI_STAGE_SECURITY, &out);
        if (r < 0)
                return r;
        /* Without CHAP nothing more is needed in the security stage. */
        l->out_transit = l->auth == ISCSI_AUTH_NONE;
        l->out_csg = ISCSI_STAGE_SECURITY;
        l->out_nsg = ISCSI_STAGE_OPERATIONAL;
        return iscsi_login_set_text(l, &out);
}

int iscsi_login_initiator_new(const struct iscsi_login_initiator_config *cfg, struct iscsi_login **ret) {
        _cleanup_(iscsi_login_freep) struct iscsi_login *l = NULL;
        int r;

        if (!cfg || !ret || !cfg->initiator_name || !*cfg->initiator_name)
                return -EINVAL;
        if (cfg->session_type != ISCSI_SESSION_DISCOVERY && (!cfg->target_name || !*cfg->target_name))
                return -EINVAL;
        if (cfg->auth == ISCSI_AUTH_CHAP && (!cfg->chap.username || !cfg->chap.secret))
                return -EINVAL;

        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        l->role = ISCSI_ROLE_INITIATOR;
        l->stage = ISCSI_STAGE_SECURITY;
        memcpy(l->isid, cfg->isid, sizeof(l->isid));
        l->tsih = cfg->tsih;
        l->cid = cfg->cid;
        l->itt = cfg->itt;
        l->cmdsn = cfg->cmdsn;
        l->exp_statsn = cfg->exp_statsn;
        l->auth = cfg->auth;
        iscsi_params_init_defaults(&l->result.params);

        r = initiator_setup_negotiator(l, cfg);
        if (r < 0)
                return r;
        if (cfg->auth == ISCSI_AUTH_CHAP) {
                r = iscsi_chap_new(true, &cfg->chap, cfg->chap_algs, cfg->chap_algs ? cfg->n_chap_algs : 0, &l->chap);
                if (r < 0)
                        return r;
        }
        r = initiator_first_request(l);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

int iscsi_login_initiator_next(struct iscsi_login *l, struct iscsi_login_pdu *ret) {
        const uint8_t *data;
        size_t len;
        bool more;
        int r;

        if (!l || !ret || l->role != ISCSI_ROLE_INITIATOR)
                return -EINVAL;
        if (l->over)
                return -EALREADY;
        if (l->awaiting)
                return -EBUSY;
        r = iscsi_text_out_next(&l->tx, ISCSI_LOGIN_MAX_SEGMENT, &data, &len, &more);
        if (r < 0)
                return r == -ENODATA ? -EBUSY : r;

        l->sent_transit = !more && l->out_transit;
        l->sent_nsg = l->out_nsg;
        *ret = (struct iscsi_login_pdu) {
                .bhs = {
                        .opcode = ISCSI_OP_LOGIN_REQ,
                        .immediate = true,
                        .final = l->sent_transit,
                        .flags = iscsi_login_flags(l->sent_transit, more, l->out_csg, l->sent_transit ? l->out_nsg : 0),
                        .csg = l->out_csg,
                        .nsg = l->sent_transit ? l->out_nsg : 0,
                        .dlength = (uint32_t) len,
                        .tsih = l->tsih,
                        .cid = l->cid,
                        .itt = l->itt,
                        .cmdsn = l->cmdsn,
                        .expstatsn = l->exp_statsn,
                        .version_max = ISCSI_VERSION,
                        .version_min = ISCSI_VERSION,
                },
                .data = data,
                .data_len = len,
        };
        memcpy(ret->bhs.isid, l->isid, sizeof(l->isid));
        l->awaiting = true;
        return 0;
}

/* Queue an empty request asking the target for the rest of a continued response. It repeats
 * the T/NSG of the request being answered, so the target may still transit at the end. */
static int queue_empty(struct iscsi_login *l) {
        struct iscsi_keys none = {};

        l->out_csg = l->stage;
        return iscsi_login_set_text(l, &none);
}

static int handle_failure_status(struct iscsi_login *l, const struct iscsi_bhs *bhs, const void *data, size_t len) {
        _cleanup_(iscsi_keys_clear) struct iscsi_keys keys = {};
        uint16_t status = (uint16_t) (bhs->status_class << 8 | bhs->status_detail);
        const char *addr;

        /* Best effort: a redirect carries TargetAddress; other failures may carry nothing. */
        (void) iscsi_keys_parse(data, len, &keys);
        if (bhs->status_class == ISCSI_STATUS_CLASS_REDIRECT) {
                addr = iscsi_keys_get(&keys, "TargetAddress");
                if (!addr)
                        return iscsi_login_fail(l, ISCSI_LOGIN_FAIL_PROTOCOL, status, "redirect without TargetAddress");
                snprintf(l->result.target_address, sizeof(l->result.target_address), "%s", addr);
                l->result.redirect_permanent = status == ISCSI_LOGIN_STATUS_TGT_MOVED_PERM;
                return iscsi_login_fail(l, ISCSI_LOGIN_FAIL_REDIRECT, status, "target moved %s to %s",
                                  l->result.redirect_permanent ? "permanently" : "temporarily", addr);
        }
        return iscsi_login_fail(l, ISCSI_LOGIN_FAIL_STATUS, status, "login rejected: %s (%02x/%02x)",
                          iscsi_login_status_to_string(status), bhs->status_class, bhs->status_detail);
}

static bool has_chap_keys(const struct iscsi_keys *k) {
        for (size_t i = 0; i < k->n; i++)
                if (iscsi_key_is_chap(k->items[i].key))
                        return true;
        return false;
}

/* The security stage part of a response: AuthMethod outcome and CHAP. */
static int initiator_security(struct iscsi_login *l, const struct iscsi_keys *keys, struct iscsi_keys *out) {
        const char *answer = iscsi_keys_get(keys, "AuthMethod");
        const char *auth = iscsi_neg_get_result(l->neg, ISCSI_KEY_AUTH_METHOD);
        int r;

        if (answer && iscsi_value_is_special(answer))
                return iscsi_login_fail(l, ISCSI_LOGIN_FAIL_AUTH, 0, "target answered AuthMethod=%s", answer);
        if (!auth || !streq(auth, "CHAP")) {
                if (has_chap_keys(keys))
                        return iscsi_login_fail(l, ISCSI_LOGIN_FAIL_PROTOCOL, 0, "CHAP keys without AuthMethod=CHAP");
                return 0;
        }
        if (!l->chap)
                return iscsi_login_fail(l, ISCSI_LOGIN_FAIL_PROTOCOL, 0, "target chose CHAP, which we did not offer");
        if (answer) /* just agreed: start the exchange */
                return iscsi_chap_initiator_start(l->chap, out) < 0 ? -ENOMEM : 0;

        r = iscsi_chap_step(l->chap, keys, out);
        if (r == -ENOMEM || r == -EIO)
                return iscsi_login_fail(l, ISCSI_LOGIN_FAIL_INTERNAL, 0, "CHAP: %s",
                                  iscsi_chap_failure_to_string(iscsi_chap_failure(l->chap)));
        if (r == -EALREADY)
                return has_chap_keys(keys) ? iscsi_login_fail(l, ISCSI_LOGIN_FAIL_PROTOCOL, 0, "CHAP keys after CHAP completed") : 0;
        if (r < 0)
                return iscsi_login_fail(l, ISCSI_LOGIN_FAIL_AUTH, 0, "CHAP: %s",
                                  iscsi_chap_failure_to_string(iscsi_chap_failure(l->chap)));
        l->chap_responded = true;
        if (r == 1)
                l->chap_done = true;
        return 0;
}

static bool security_satisfied(const struct iscsi_login *l) {
        const char *auth = iscsi_neg_get_result(l->neg, ISCSI_KEY_AUTH_METHOD);

        if (auth && streq(auth, "None"))
                return true;
        return auth && streq(auth, "CHAP") && l->chap_done;
}

static int process_response(struct iscsi_login *l, const struct iscsi_bhs *bhs, const struct iscsi_keys *keys) {
        _cleanup_(iscsi_keys_clear) struct iscsi_keys out = {};
        const char *auth = iscsi_keys_get(keys, "AuthMethod");
        const char *offered = iscsi_neg_get_local(l->neg, ISCSI_KEY_AUTH_METHOD);
        int r;

        /* A target choosing an authentication we did not allow (None when we demand mutual
         * CHAP) is an authentication failure, not just a negotiation error. */
        if (l->stage == ISCSI_STAGE_SECURITY && auth && !iscsi_value_is_special(auth) &&
            (strchr(auth, ',') || !iscsi_value_list_contains(offered, auth)))
                return iscsi_login_fail(l, ISCSI_LOGIN_FAIL_AUTH, 0, "target chose AuthMethod=%s, we offered %s", auth, offered);

        r = iscsi_neg_receive(l->neg, l->stage, keys, &out);
        if (r == -EPROTO)
                return iscsi_login_fail(l, ISCSI_LOGIN_FAIL_NEGOTIATION, 0, "%s", iscsi_neg_error(l->neg));
        if (r < 0)
                return r;

        if (l->stage == ISCSI_STAGE_SECURITY) {
                r = initiator_security(l, keys, &out);
                if (r != 0)
                        return r;
        } else if (has_chap_keys(keys))
                return iscsi_login_fail(l, ISCSI_LOGIN_FAIL_PROTOCOL, 0, "CHAP keys in the operational stage");

        if (bhs->final) {
                if (iscsi_neg_pending(l->neg) > 0)
                        return iscsi_login_fail(l, ISCSI_LOGIN_FAIL_NEGOTIATION, 0, "target left the stage with our offers unanswered");
                if (l->stage == ISCSI_STAGE_SECURITY && !security_satisfied(l))
                        return iscsi_login_fail(l, ISCSI_LOGIN_FAIL_AUTH, 0, "target ended the security stage before authenticating");
                l->stage = bhs->nsg;
                if (l->stage == ISCSI_STAGE_FULL_FEATURE) {
                        if ((l->tsih == 0 && bhs->tsih == 0) || (l->tsih != 0 && bhs->tsih != l->tsih))
                                return iscsi_login_fail(l, ISCSI_LOGIN_FAIL_PROTOCOL, 0, "bad TSIH %u in the final response", bhs->tsih);
                        l->result.tsih = bhs->tsih;
                        iscsi_neg_get_params(l->neg, &l->result.params);
                        l->over = true;
                        return ISCSI_LOGIN_DONE;
                }
                /* Answers to offers made in a transit response cannot be sent any more. */
                iscsi_keys_clear(&out);
        }

        r = iscsi_neg_propose(l->neg, l->stage, &out);
        if (r < 0)
                return r;
        l->out_csg = l->stage;
        if (l->stage == ISCSI_STAGE_SECURITY) {
                l->out_transit = security_satisfied(l) || l->chap_responded;
                l->out_nsg = ISCSI_STAGE_OPERATIONAL;
        } else {
                l->out_transit = true;
                l->out_nsg = ISCSI_STAGE_FULL_FEATURE;
        }
        r = iscsi_login_set_text(l, &out);
        return r < 0 ? r : ISCSI_LOGIN_CONTINUE;
}

int iscsi_login_initiator_receive(struct iscsi_login *l, const struct iscsi_bhs *bhs, const void *data, size_t data_len) {
        _cleanup_(iscsi_keys_clear) struct iscsi_keys keys = {};
        int r;

        if (!l || !bhs || (!data && data_len) || l->role != ISCSI_ROLE_INITIATOR)
                return -EINVAL;
        if (l->over)
                return -EALREADY;
        if (!l->awaiting)
                return -EBUSY;
        l->awaiting = false;
        if (++l->exchanges > LOGIN_MAX_EXCHANGES)
                return iscsi_login_fail(l, ISCSI_LOGIN_FAIL_PROTOCOL, 0, "too many login exchanges");

        if (bhs->opcode != ISCSI_OP_LOGIN_RSP)
                return iscsi_login_fail(l, ISCSI_LOGIN_FAIL_PROTOCOL, 0, "expected a Login Response, got opcode 0x%02x", bhs->opcode);
        if (bhs->itt != l->itt)
                return iscsi_login_fail(l, ISCSI_LOGIN_FAIL_PROTOCOL, 0, "Login Response for ITT 0x%08x, expected 0x%08x", bhs->itt, l->itt);
        if (data_len != bhs->dlength)
                return iscsi_login_fail(l, ISCSI_LOGIN_FAIL_PROTOCOL, 0, "data length does not match the header");

        l->exp_statsn = bhs->statsn + 1;
        l->result.exp_cmdsn = bhs->expcmdsn;
        l->result.max_cmdsn = bhs->maxcmdsn;

        /* Checked before the ISID: some targets (tgt) send rejections with a zero ISID, and
         * the status is what the user needs to see. */
        if (bhs->status_class != ISCSI_STATUS_CLASS_SUCCESS || bhs->status_detail != 0)
                return handle_failure_status(l, bhs, data, data_len);
        if (memcmp(bhs->isid, l->isid, sizeof(l->isid)) != 0)
                return iscsi_login_fail(l, ISCSI_LOGIN_FAIL_PROTOCOL, 0, "Login Response for another ISID");

        if (bhs->csg != l->out_csg)
                return iscsi_login_fail(l, ISCSI_LOGIN_FAIL_PROTOCOL, 0, "response in stage %u to a request in stage %u", bhs->csg, l->out_csg);
        if (bhs->final) {
                if (!l->sent_transit)
                        return iscsi_login_fail(l, ISCSI_LOGIN_FAIL_PROTOCOL, 0, "target set T without our T");
                if (bhs->nsg <= bhs->csg || bhs->nsg > l->sent_nsg || bhs->nsg == 2)
                        return iscsi_login_fail(l, ISCSI_LOGIN_FAIL_PROTOCOL, 0, "bad NSG %u in response", bhs->nsg);
                if (bhs->flags & ISCSI_FLAG_CONTINUE)
                        return iscsi_login_fail(l, ISCSI_LOGIN_FAIL_PROTOCOL, 0, "T and C both set");
        }

        /* Mid-way through sending a long text: the target acknowledges with empty PDUs. */
        if (iscsi_text_out_pending(&l->tx)) {
                if (data_len > 0 || bhs->final || (bhs->flags & ISCSI_FLAG_CONTINUE))
                        return iscsi_login_fail(l, ISCSI_LOGIN_FAIL_PROTOCOL, 0, "non-empty response to a continued request");
                return ISCSI_LOGIN_CONTINUE;
        }

        r = iscsi_text_accum_feed(&l->rx, data, data_len, bhs->flags & ISCSI_FLAG_CONTINUE);
        if (r == -EMSGSIZE)
                return iscsi_login_fail(l, ISCSI_LOGIN_FAIL_PROTOCOL, 0, "login text longer than %u bytes", ISCSI_TEXT_MAX);
        if (r < 0)
                return r;
        if (r == 0) {
                r = queue_empty(l);
                return r < 0 ? r : ISCSI_LOGIN_CONTINUE;
        }

        r = iscsi_keys_parse(l->rx.data, l->rx.len, &keys);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return iscsi_login_fail(l, ISCSI_LOGIN_FAIL_PROTOCOL, 0, "malformed login text: %s", strerror(-r));
        return process_response(l, bhs, &keys);
}
