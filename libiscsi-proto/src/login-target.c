/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Login, target side: consumes Login Requests, asks the policy, produces Login Responses. */

#include <stdarg.h>

#include "login-internal.h"
#include "iscsi-util/macro.h"

int iscsi_login_target_new(const struct iscsi_login_target_config *cfg, struct iscsi_login **ret) {
        _cleanup_(iscsi_login_freep) struct iscsi_login *l = NULL;
        int r;

        if (!cfg || !ret || cfg->cmdsn_window == 0)
                return -EINVAL;
        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        l->role = ISCSI_ROLE_TARGET;
        l->stage = ISCSI_STAGE_SECURITY;
        l->tcfg = *cfg;
        l->statsn = cfg->initial_statsn;
        iscsi_params_init_defaults(&l->result.params);
        if (cfg->operational) {
                /* Validate now, so a bad config fails here rather than in a login. */
                _cleanup_(iscsi_neg_freep) struct iscsi_negotiator *probe = NULL;

                r = iscsi_keys_extend(&l->toper, cfg->operational);
                if (r < 0)
                        return r;
                r = iscsi_neg_new(ISCSI_ROLE_TARGET, true, &probe);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < l->toper.n; i++) {
                        r = iscsi_neg_set(probe, l->toper.items[i].key, l->toper.items[i].value, false);
                        if (r < 0)
                                return r == -ENOMEM ? r : -EINVAL;
                }
        }
        l->tcfg.operational = &l->toper;
        *ret = TAKE_PTR(l);
        return 0;
}

/* Response header for the PDU carrying (data, len). */
static void fill_response(struct iscsi_login *l, const struct iscsi_bhs *req, struct iscsi_login_pdu *rsp,
                          bool transit, bool more, uint16_t status, uint16_t tsih, const uint8_t *data, size_t len) {
        enum iscsi_login_stage csg = req->opcode == ISCSI_OP_LOGIN_REQ && req->csg <= ISCSI_STAGE_OPERATIONAL ? req->csg : l->stage;
        enum iscsi_login_stage nsg = transit ? l->out_nsg : 0;

        *rsp = (struct iscsi_login_pdu) {
                .bhs = {
                        .opcode = ISCSI_OP_LOGIN_RSP,
                        .final = transit,
                        .flags = iscsi_login_flags(transit, more, csg, nsg),
                        .csg = csg,
                        .nsg = nsg,
                        .dlength = (uint32_t) len,
                        .tsih = tsih,
                        .itt = req->itt,
                        .statsn = l->statsn++,
                        .expcmdsn = req->cmdsn,
                        .maxcmdsn = req->cmdsn + l->tcfg.cmdsn_window - 1,
                        .version_max = ISCSI_VERSION,
                        .version_active = ISCSI_VERSION,
                        .status_class = (uint8_t) (status >> 8),
                        .status_detail = (uint8_t) status,
                },
                .data = data,
                .data_len = len,
        };
        memcpy(rsp->bhs.isid, req->opcode == ISCSI_OP_LOGIN_REQ ? req->isid : l->isid, sizeof(l->isid));
        l->result.exp_cmdsn = rsp->bhs.expcmdsn;
        l->result.max_cmdsn = rsp->bhs.maxcmdsn;
}

static int target_fail(struct iscsi_login *l, const struct iscsi_bhs *req, struct iscsi_login_pdu *rsp,
                       enum iscsi_login_failure f, uint16_t status, const char *fmt, ...) _printf_(6, 7);
static int target_fail(struct iscsi_login *l, const struct iscsi_bhs *req, struct iscsi_login_pdu *rsp,
                       enum iscsi_login_failure f, uint16_t status, const char *fmt, ...) {
        struct iscsi_keys keys = {};
        char reason[sizeof(l->result.reason)];
        const uint8_t *data = NULL;
        size_t len = 0;
        bool more;
        va_list ap;
        int r = 0;

        va_start(ap, fmt);
        vsnprintf(reason, sizeof(reason), fmt, ap);
        va_end(ap);
        (void) iscsi_login_fail(l, f, status, "%s", reason);
        if (f == ISCSI_LOGIN_FAIL_REDIRECT) {
                r = iscsi_keys_add(&keys, "TargetAddress", l->result.target_address);
                if (r >= 0)
                        r = iscsi_login_set_text(l, &keys);
                iscsi_keys_clear(&keys);
                if (r >= 0)
                        r = iscsi_text_out_next(&l->tx, ISCSI_LOGIN_MAX_SEGMENT, &data, &len, &more);
                if (r < 0)
                        return r;
        }
        fill_response(l, req, rsp, false, false, status, l->tsih, data, len);
        return ISCSI_LOGIN_FAILED;
}

/* Send the next chunk of l->tx; T/NSG only with the last one. */
static int send_chunk(struct iscsi_login *l, const struct iscsi_bhs *req, struct iscsi_login_pdu *rsp) {
        const uint8_t *data;
        size_t len;
        bool more, transit;
        int r;

        r = iscsi_text_out_next(&l->tx, ISCSI_LOGIN_MAX_SEGMENT, &data, &len, &more);
        if (r < 0)
                return r;
        transit = !more && l->out_transit;
        fill_response(l, req, rsp, transit, more, 0,
                      transit && l->out_nsg == ISCSI_STAGE_FULL_FEATURE ? l->result.tsih : l->tsih, data, len);
        if (!transit)
                return ISCSI_LOGIN_CONTINUE;
        l->stage = l->out_nsg;
        if (l->stage != ISCSI_STAGE_FULL_FEATURE)
                return ISCSI_LOGIN_CONTINUE;
        l->over = true;
        l->result.statsn = l->statsn;
        return ISCSI_LOGIN_DONE;
}

static bool has_chap_keys(const struct iscsi_keys *k) {
        for (size_t i = 0; i < k->n; i++)
                if (iscsi_key_is_chap(k->items[i].key))
                        return true;
        return false;
}

/* Apply the target's operational settings: limits, not offers; MaxRecvDataSegmentLength is
 * our declaration and therefore sent. */
static int apply_operational(struct iscsi_negotiator *neg, const struct iscsi_keys *k) {
        if (!k)
                return 0;
        for (size_t i = 0; i < k->n; i++) {
                bool declare = streq(k->items[i].key, "MaxRecvDataSegmentLength");
                int r = iscsi_neg_set(neg, k->items[i].key, k->items[i].value, declare);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* First complete request: names, session type and the policy decisions. */
static int target_first_text(struct iscsi_login *l, const struct iscsi_bhs *req, const struct iscsi_keys *keys,
                             struct iscsi_login_pdu *rsp) {
        const struct iscsi_login_target_policy *p = &l->tcfg.policy;
        const char *iname = iscsi_keys_get(keys, "InitiatorName");
        const char *stype = iscsi_keys_get(keys, "SessionType");
        const char *tname = iscsi_keys_get(keys, "TargetName");
        struct iscsi_login_target_info info = {};
        struct iscsi_login_target_auth auth = {};
        enum iscsi_session_type type = ISCSI_SESSION_NORMAL;
        bool chap_possible;
        int r;

        if (!iname || !*iname || strlen(iname) > ISCSI_NAME_MAX)
                return target_fail(l, req, rsp, ISCSI_LOGIN_FAIL_PROTOCOL, ISCSI_LOGIN_STATUS_MISSING_FIELDS,
                                   "InitiatorName missing or invalid");
        if (stype && streq(stype, "Discovery"))
                type = ISCSI_SESSION_DISCOVERY;
        else if (stype && !streq(stype, "Normal"))
                return target_fail(l, req, rsp, ISCSI_LOGIN_FAIL_PROTOCOL, ISCSI_LOGIN_STATUS_NO_SESSION_TYPE,
                                   "unsupported SessionType");
        if (type == ISCSI_SESSION_NORMAL && (!tname || !*tname || strlen(tname) > ISCSI_NAME_MAX))
                return target_fail(l, req, rsp, ISCSI_LOGIN_FAIL_PROTOCOL, ISCSI_LOGIN_STATUS_MISSING_FIELDS,
                                   "TargetName missing or invalid in a normal session");
        l->initiator_name = strdup(iname);
        if (!l->initiator_name)
                return -ENOMEM;
        if (type == ISCSI_SESSION_NORMAL) {
                l->target_name = strdup(tname);
                if (!l->target_name)
                        return -ENOMEM;
        }

        if (type == ISCSI_SESSION_NORMAL && p->lookup_target) {
                r = p->lookup_target(p->userdata, l->target_name, &info);
                if (r == -ENOENT)
                        return target_fail(l, req, rsp, ISCSI_LOGIN_FAIL_NOT_FOUND, ISCSI_LOGIN_STATUS_TGT_NOT_FOUND,
                                           "target %s not found", l->target_name);
                if (r == -EREMOTE) {
                        info.redirect_address[sizeof(info.redirect_address) - 1] = '\0';
                        snprintf(l->result.target_address, sizeof(l->result.target_address), "%s", info.redirect_address);
                        l->result.redirect_permanent = info.redirect_permanent;
                        return target_fail(l, req, rsp, ISCSI_LOGIN_FAIL_REDIRECT,
                                           info.redirect_permanent ? ISCSI_LOGIN_STATUS_TGT_MOVED_PERM
                                                                   : ISCSI_LOGIN_STATUS_TGT_MOVED_TEMP,
                                           "redirected to %s", l->result.target_address);
                }
                if (r == -ENODEV)
                        return target_fail(l, req, rsp, ISCSI_LOGIN_FAIL_NOT_FOUND, ISCSI_LOGIN_STATUS_TGT_REMOVED,
                                           "target %s removed", l->target_name);
                if (r == -EAGAIN)
                        return target_fail(l, req, rsp, ISCSI_LOGIN_FAIL_INTERNAL, ISCSI_LOGIN_STATUS_SVC_UNAVAILABLE,
                                           "target %s unavailable", l->target_name);
                if (r < 0)
                        return target_fail(l, req, rsp, ISCSI_LOGIN_FAIL_INTERNAL, ISCSI_LOGIN_STATUS_TARGET_ERROR,
                                           "target lookup failed: %s", strerror(-r));
                info.alias[sizeof(info.alias) - 1] = '\0';
        }
        if (p->authorize) {
                r = p->authorize(p->userdata, l->initiator_name, l->target_name);
                if (r == -EACCES)
                        return target_fail(l, req, rsp, ISCSI_LOGIN_FAIL_AUTHORIZATION, ISCSI_LOGIN_STATUS_TGT_FORBIDDEN,
                                           "initiator %s not allowed to log in to %s", l->initiator_name,
                                           l->target_name ?: "discovery");
                if (r < 0)
                        return target_fail(l, req, rsp, ISCSI_LOGIN_FAIL_INTERNAL, ISCSI_LOGIN_STATUS_TARGET_ERROR,
                                           "authorization check failed: %s", strerror(-r));
        }
        if (p->get_auth) {
                r = p->get_auth(p->userdata, l->initiator_name, l->target_name, &auth);
                if (r < 0)
                        return target_fail(l, req, rsp, ISCSI_LOGIN_FAIL_INTERNAL, ISCSI_LOGIN_STATUS_TARGET_ERROR,
                                           "authentication lookup failed: %s", strerror(-r));
        }

        r = iscsi_neg_new(ISCSI_ROLE_TARGET, l->tsih == 0, &l->neg);
        if (r < 0)
                return r;
        iscsi_neg_set_session_type(l->neg, type);
        r = apply_operational(l->neg, &l->toper);
        if (r >= 0)
                r = apply_operational(l->neg, info.operational);
        if (r >= 0 && info.alias[0])
                r = iscsi_neg_set(l->neg, "TargetAlias", info.alias, true);
        if (r >= 0)
                r = iscsi_neg_set_number(l->neg, ISCSI_KEY_TARGET_PORTAL_GROUP_TAG, l->tcfg.tpgt, true);
        chap_possible = auth.chap.username && auth.chap.secret;
        if (r >= 0)
                r = iscsi_neg_set(l->neg, "AuthMethod",
                                  auth.require_chap ? "CHAP" : chap_possible ? "CHAP,None" : "None", false);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return target_fail(l, req, rsp, ISCSI_LOGIN_FAIL_INTERNAL, ISCSI_LOGIN_STATUS_TARGET_ERROR,
                                   "bad target operational setting: %s", strerror(-r));
        if (chap_possible) {
                r = iscsi_chap_new(false, &auth.chap, auth.algs, MIN(auth.n_algs, (size_t) ISCSI_CHAP_MAX_ALGS), &l->chap);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return target_fail(l, req, rsp, ISCSI_LOGIN_FAIL_INTERNAL, ISCSI_LOGIN_STATUS_TARGET_ERROR,
                                           "bad CHAP configuration: %s", strerror(-r));
        }
        l->auth_required = auth.require_chap;
        if (l->auth_required && l->stage != ISCSI_STAGE_SECURITY)
                return target_fail(l, req, rsp, ISCSI_LOGIN_FAIL_AUTH, ISCSI_LOGIN_STATUS_AUTH_FAILED,
                                   "authentication required but the initiator skipped the security stage");
        l->have_first_text = true;
        return 0;
}

/* Bind the session when the login is about to complete. */
static int target_bind(struct iscsi_login *l, const struct iscsi_bhs *req, struct iscsi_login_pdu *rsp) {
        const struct iscsi_login_target_policy *p = &l->tcfg.policy;
        uint16_t tsih = 0;
        int r;

        iscsi_neg_get_params(l->neg, &l->result.params);
        if (!p->bind_session) {
                if (l->tsih != 0)
                        return target_fail(l, req, rsp, ISCSI_LOGIN_FAIL_PROTOCOL, ISCSI_LOGIN_STATUS_NO_SESSION,
                                           "no session with TSIH %u", l->tsih);
                l->result.tsih = 1;
                return 0;
        }
        r = p->bind_session(p->userdata, l->initiator_name, l->isid, l->tsih, &l->result.params, &tsih);
        if (r == -ENOENT)
                return target_fail(l, req, rsp, ISCSI_LOGIN_FAIL_PROTOCOL, ISCSI_LOGIN_STATUS_NO_SESSION,
                                   "no session with TSIH %u", l->tsih);
        if (r == -EUSERS)
                return target_fail(l, req, rsp, ISCSI_LOGIN_FAIL_PROTOCOL, ISCSI_LOGIN_STATUS_TOO_MANY_CONNS,
                                   "too many connections");
        if (r < 0 || (l->tsih == 0 && tsih == 0))
                return target_fail(l, req, rsp, ISCSI_LOGIN_FAIL_INTERNAL, ISCSI_LOGIN_STATUS_TARGET_ERROR,
                                   "session binding failed: %s", r < 0 ? strerror(-r) : "TSIH 0");
        l->result.tsih = l->tsih ? l->tsih : tsih;
        return 0;
}

static int target_process(struct iscsi_login *l, const struct iscsi_bhs *req, const struct iscsi_keys *keys,
                          struct iscsi_login_pdu *rsp) {
        _cleanup_(iscsi_keys_clear) struct iscsi_keys out = {};
        const char *auth, *ans;
        bool transit = false;
        int r;

        r = iscsi_neg_receive(l->neg, l->stage, keys, &out);
        if (r == -EPROTO)
                return target_fail(l, req, rsp, ISCSI_LOGIN_FAIL_NEGOTIATION, ISCSI_LOGIN_STATUS_INIT_ERR, "%s",
                                   iscsi_neg_error(l->neg));
        if (r < 0)
                return r;

        auth = iscsi_neg_get_result(l->neg, ISCSI_KEY_AUTH_METHOD);
        if (l->stage == ISCSI_STAGE_SECURITY) {
                ans = iscsi_keys_get(&out, "AuthMethod");
                if (ans && streq(ans, ISCSI_VALUE_REJECT))
                        return target_fail(l, req, rsp, ISCSI_LOGIN_FAIL_AUTH, ISCSI_LOGIN_STATUS_AUTH_FAILED,
                                           "no acceptable AuthMethod offered (%s)", iscsi_keys_get(keys, "AuthMethod"));
                if (auth && streq(auth, "CHAP") && !l->chap)
                        return target_fail(l, req, rsp, ISCSI_LOGIN_FAIL_AUTH, ISCSI_LOGIN_STATUS_AUTH_FAILED,
                                           "CHAP required but no credentials configured for %s", l->initiator_name);
                if (has_chap_keys(keys)) {
                        if (!auth || !streq(auth, "CHAP"))
                                return target_fail(l, req, rsp, ISCSI_LOGIN_FAIL_PROTOCOL, ISCSI_LOGIN_STATUS_INIT_ERR,
                                                   "CHAP keys without AuthMethod=CHAP");
                        r = iscsi_chap_step(l->chap, keys, &out);
                        if (r == -EACCES)
                                return target_fail(l, req, rsp, ISCSI_LOGIN_FAIL_AUTH, ISCSI_LOGIN_STATUS_AUTH_FAILED,
                                                   "CHAP authentication of %s failed: %s", l->initiator_name,
                                                   iscsi_chap_failure_to_string(iscsi_chap_failure(l->chap)));
                        if (r == -EALREADY || r == -EPROTO)
                                return target_fail(l, req, rsp, ISCSI_LOGIN_FAIL_PROTOCOL, ISCSI_LOGIN_STATUS_INIT_ERR,
                                                   "CHAP keys after the CHAP exchange");
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                return target_fail(l, req, rsp, ISCSI_LOGIN_FAIL_INTERNAL, ISCSI_LOGIN_STATUS_TARGET_ERROR,
                                                   "CHAP: %s", iscsi_chap_failure_to_string(iscsi_chap_failure(l->chap)));
                        if (r == 1)
                                l->chap_done = true;
                }
        } else if (has_chap_keys(keys))
                return target_fail(l, req, rsp, ISCSI_LOGIN_FAIL_PROTOCOL, ISCSI_LOGIN_STATUS_INIT_ERR,
                                   "CHAP keys in the operational stage");

        if (req->final) {
                bool ok = true;

                if (l->stage == ISCSI_STAGE_SECURITY) {
                        if (!auth && l->auth_required)
                                return target_fail(l, req, rsp, ISCSI_LOGIN_FAIL_AUTH, ISCSI_LOGIN_STATUS_AUTH_FAILED,
                                                   "authentication required, initiator did not negotiate AuthMethod");
                        /* Not done with CHAP yet: answer T=0 and let the initiator go on. */
                        ok = !auth || streq(auth, "None") || l->chap_done;
                }
                transit = ok && iscsi_neg_pending(l->neg) == 0;
        }

        r = iscsi_neg_propose(l->neg, l->stage, &out);
        if (r < 0)
                return r;
        l->out_transit = transit;
        l->out_csg = l->stage;
        l->out_nsg = transit ? req->nsg : 0;
        if (transit && req->nsg == ISCSI_STAGE_FULL_FEATURE) {
                r = target_bind(l, req, rsp);
                if (r != 0)
                        return r;
        }
        r = iscsi_login_set_text(l, &out);
        if (r < 0)
                return r;
        return send_chunk(l, req, rsp);
}

int iscsi_login_target_receive(struct iscsi_login *l, const struct iscsi_bhs *bhs, const void *data, size_t data_len,
                               struct iscsi_login_pdu *rsp) {
        _cleanup_(iscsi_keys_clear) struct iscsi_keys keys = {};
        bool more;
        int r;

        if (!l || !bhs || !rsp || (!data && data_len) || l->role != ISCSI_ROLE_TARGET)
                return -EINVAL;
        if (l->over)
                return -EALREADY;
        if (++l->exchanges > LOGIN_MAX_EXCHANGES)
                return target_fail(l, bhs, rsp, ISCSI_LOGIN_FAIL_PROTOCOL, ISCSI_LOGIN_STATUS_INIT_ERR,
                                   "too many login exchanges");
        if (bhs->opcode != ISCSI_OP_LOGIN_REQ)
                return target_fail(l, bhs, rsp, ISCSI_LOGIN_FAIL_PROTOCOL, ISCSI_LOGIN_STATUS_INVALID_REQUEST,
                                   "opcode 0x%02x during login", bhs->opcode);
        if (data_len != bhs->dlength)
                return target_fail(l, bhs, rsp, ISCSI_LOGIN_FAIL_PROTOCOL, ISCSI_LOGIN_STATUS_INIT_ERR,
                                   "data length does not match the header");

        if (!l->have_first_header) {
                memcpy(l->isid, bhs->isid, sizeof(l->isid));
                l->tsih = bhs->tsih;
                l->cid = bhs->cid;
                l->have_first_header = true;
                if (bhs->version_min > ISCSI_VERSION)
                        return target_fail(l, bhs, rsp, ISCSI_LOGIN_FAIL_PROTOCOL, ISCSI_LOGIN_STATUS_NO_VERSION,
                                           "unsupported version %u", bhs->version_min);
                if (bhs->csg != ISCSI_STAGE_SECURITY && bhs->csg != ISCSI_STAGE_OPERATIONAL)
                        return target_fail(l, bhs, rsp, ISCSI_LOGIN_FAIL_PROTOCOL, ISCSI_LOGIN_STATUS_INIT_ERR,
                                           "login starts in stage %u", bhs->csg);
                l->stage = bhs->csg;
        } else if (memcmp(l->isid, bhs->isid, sizeof(l->isid)) != 0 || l->tsih != bhs->tsih || l->cid != bhs->cid)
                return target_fail(l, bhs, rsp, ISCSI_LOGIN_FAIL_PROTOCOL, ISCSI_LOGIN_STATUS_INIT_ERR,
                                   "ISID, TSIH or CID changed during login");
        l->itt = bhs->itt;
        l->cmdsn = bhs->cmdsn;

        if (bhs->csg != l->stage)
                return target_fail(l, bhs, rsp, ISCSI_LOGIN_FAIL_PROTOCOL, ISCSI_LOGIN_STATUS_INIT_ERR,
                                   "request in stage %u, expected %u", bhs->csg, l->stage);
        more = bhs->flags & ISCSI_FLAG_CONTINUE;
        if (bhs->final && (more || bhs->nsg <= bhs->csg || bhs->nsg == 2))
                return target_fail(l, bhs, rsp, ISCSI_LOGIN_FAIL_PROTOCOL, ISCSI_LOGIN_STATUS_INIT_ERR,
                                   "bad transit to stage %u", bhs->nsg);

        /* Our response is longer than one PDU: each empty request fetches the next part (it
         * may repeat the T bit of the request we are answering). */
        if (iscsi_text_out_pending(&l->tx) && l->tx.started) {
                if (data_len > 0 || more)
                        return target_fail(l, bhs, rsp, ISCSI_LOGIN_FAIL_PROTOCOL, ISCSI_LOGIN_STATUS_INIT_ERR,
                                           "non-empty request during a continued response");
                return send_chunk(l, bhs, rsp);
        }

        r = iscsi_text_accum_feed(&l->rx, data, data_len, more);
        if (r == -EMSGSIZE)
                return target_fail(l, bhs, rsp, ISCSI_LOGIN_FAIL_PROTOCOL, ISCSI_LOGIN_STATUS_INIT_ERR,
                                   "login text longer than %u bytes", ISCSI_TEXT_MAX);
        if (r < 0)
                return r;
        if (r == 0) {
                struct iscsi_keys none = {};

                /* Acknowledge a continued request with an empty response. */
                l->out_transit = false;
                r = iscsi_login_set_text(l, &none);
                return r < 0 ? r : send_chunk(l, bhs, rsp);
        }

        r = iscsi_keys_parse(l->rx.data, l->rx.len, &keys);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return target_fail(l, bhs, rsp, ISCSI_LOGIN_FAIL_PROTOCOL, ISCSI_LOGIN_STATUS_INIT_ERR,
                                   "malformed login text: %s", strerror(-r));
        if (!l->have_first_text) {
                r = target_first_text(l, bhs, &keys, rsp);
                if (r != 0)
                        return r;
        }
        return target_process(l, bhs, &keys, rsp);
}
