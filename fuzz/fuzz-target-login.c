/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness: the TARGET side of the login (iscsi_login_target_*) fed the way
 * iscsi-targetd feeds it. Input: byte 0 selects the policy, the rest is the byte stream an
 * initiator sends, cut into PDUs like the daemon's login phase does (BHS decode error or a
 * data segment over 8192 bytes = the daemon drops the connection, so the run ends; a stream
 * that ends mid-PDU is cut short as a vanished peer would).
 *
 * Besides "never crash", it checks what the daemon relies on:
 *   - every response encodes, is a Login Response, carries <= 8192 bytes, and its text
 *     (joined over C-bit PDUs) parses as keys;
 *   - DONE only with status 0, T=1, NSG=3, a non-zero TSIH; FAILED only with status != 0;
 *   - never DONE when the policy requires CHAP (the challenge is random, so fuzz input
 *     cannot answer it: a DONE would be an authentication bypass), nor for an initiator the
 *     ACL refuses, nor for a target that does not exist;
 *   - negotiated limits stay in the RFC ranges the daemon sizes its buffers with;
 *   - after DONE/FAILED the machine answers -EALREADY.
 * Started from the login engineer's /tmp/plfz/fuzz-login.c (target half), reworked to use
 * the wire format and the daemon's framing.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi-proto/keys.h"
#include "iscsi-proto/login.h"
#include "iscsi-proto/pdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
        POLICY_REQUIRE_CHAP = 1u << 0,  /* every initiator must do CHAP */
        POLICY_MUTUAL = 1u << 1,        /* target credentials for mutual CHAP */
        POLICY_DENY = 1u << 2,          /* initiator names containing "deny" are refused */
        POLICY_MISSING = 1u << 3,       /* target names containing "missing" do not exist */
        POLICY_REDIRECT = 1u << 4,      /* target names containing "moved" redirect */
        POLICY_BIND = 1u << 5,          /* session binding callback (else the default) */
        POLICY_LIMITS = 1u << 6,        /* the daemon's portal defaults as operational limits */
};

static unsigned policy;

static int lookup(void *u, const char *name, struct iscsi_login_target_info *info) {
        if ((policy & POLICY_MISSING) && strstr(name, "missing"))
                return -ENOENT;
        if ((policy & POLICY_REDIRECT) && strstr(name, "moved")) {
                strcpy(info->redirect_address, "127.0.0.2:3260,1");
                info->redirect_permanent = name[0] == 'p';
                return -EREMOTE;
        }
        strcpy(info->alias, "fuzz");
        return 0;
}

static int authorize(void *u, const char *initiator, const char *target) {
        return (policy & POLICY_DENY) && strstr(initiator, "deny") ? -EACCES : 0;
}

static int get_auth(void *u, const char *initiator, const char *target, struct iscsi_login_target_auth *ret) {
        ret->require_chap = policy & POLICY_REQUIRE_CHAP;
        ret->chap = (struct iscsi_chap_credentials) {
                .username = "fuzzuser",
                .secret = "fuzzsecret1234",
                .mutual_username = policy & POLICY_MUTUAL ? "fuzztarget" : NULL,
                .mutual_secret = policy & POLICY_MUTUAL ? "fuzztargetsecret" : NULL,
        };
        return 0;
}

static int bind_session(void *u, const char *initiator, const uint8_t isid[6], uint16_t tsih,
                        const struct iscsi_params *params, uint16_t *ret_tsih) {
        if (tsih == 0) {
                *ret_tsih = 0x1234;
                return 0;
        }
        return tsih == 0x1234 ? 0 : -ENOENT;
}

/* The daemon's portal defaults (iscsi-target/daemon/target-login.c). */
static struct iscsi_keys portal_limits;

static void setup_limits(void) {
        static const char *const kv[][2] = {
                { "HeaderDigest", "CRC32C,None" }, { "DataDigest", "CRC32C,None" },
                { "MaxRecvDataSegmentLength", "262144" }, { "MaxBurstLength", "16776192" },
                { "FirstBurstLength", "262144" }, { "MaxOutstandingR2T", "8" },
                { "ImmediateData", "Yes" }, { "InitialR2T", "No" },
                { "MaxConnections", "1" }, { "ErrorRecoveryLevel", "0" },
        };
        if (portal_limits.n > 0)
                return;
        for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
                if (iscsi_keys_add(&portal_limits, kv[i][0], kv[i][1]) < 0)
                        abort();
}

static void check_response(const struct iscsi_login_pdu *rsp, struct iscsi_text_accum *text) {
        uint8_t hdr[ISCSI_BHS_SIZE];
        int r;

        if (rsp->bhs.opcode != ISCSI_OP_LOGIN_RSP || rsp->bhs.dlength != rsp->data_len ||
            rsp->data_len > ISCSI_LOGIN_MAX_SEGMENT || (rsp->data_len && !rsp->data))
                abort();
        if (iscsi_bhs_encode(&rsp->bhs, hdr) < 0)
                abort();        /* the daemon would have to drop the connection */
        if (rsp->bhs.status_class != 0)
                return;         /* a reject's text is not interpreted */
        r = iscsi_text_accum_feed(text, rsp->data, rsp->data_len, rsp->bhs.flags & ISCSI_FLAG_CONTINUE);
        if (r == 1 && text->len > 0) {
                struct iscsi_keys keys = {};
                if (iscsi_keys_parse(text->data, text->len, &keys) < 0)
                        abort();        /* we would send text no initiator can parse */
                iscsi_keys_clear(&keys);
        }
}

static void check_done(const struct iscsi_login *l, const struct iscsi_login_pdu *rsp) {
        struct iscsi_login_result res;

        iscsi_login_get_result(l, &res);
        if (res.status != 0 || res.tsih == 0 || !rsp->bhs.final || rsp->bhs.nsg != ISCSI_STAGE_FULL_FEATURE)
                abort();
        if (policy & POLICY_REQUIRE_CHAP)
                abort();        /* logged in without answering a random challenge */
        if ((policy & POLICY_DENY) && strstr(res.params.initiator_name, "deny"))
                abort();
        if (res.params.session_type == ISCSI_SESSION_NORMAL &&
            (((policy & POLICY_MISSING) && strstr(res.params.target_name, "missing")) ||
             ((policy & POLICY_REDIRECT) && strstr(res.params.target_name, "moved"))))
                abort();
        /* The daemon sizes receive buffers and bursts from these. */
        if (res.params.target_max_recv_dsl < 512 || res.params.target_max_recv_dsl > ISCSI_MAX_DLENGTH ||
            res.params.initiator_max_recv_dsl < 512 || res.params.initiator_max_recv_dsl > ISCSI_MAX_DLENGTH ||
            res.params.first_burst_length > res.params.max_burst_length || res.params.max_burst_length < 512 ||
            res.params.max_outstanding_r2t < 1 || res.params.error_recovery_level > 2)
                abort();
        if ((policy & POLICY_LIMITS) && (res.params.target_max_recv_dsl > 262144 ||
                                         res.params.max_connections != 1 || res.params.error_recovery_level != 0))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct iscsi_login_target_config cfg = {
                .tpgt = 1,
                .initial_statsn = 0x10000,
                .cmdsn_window = 128,
                .policy = { .lookup_target = lookup, .authorize = authorize, .get_auth = get_auth },
        };
        struct iscsi_text_accum text = {};
        struct iscsi_login *l = NULL;
        size_t off = 1;
        int r = ISCSI_LOGIN_CONTINUE;

        if (size < 1)
                return 0;
        policy = data[0];
        if (policy & POLICY_BIND)
                cfg.policy.bind_session = bind_session;
        if (policy & POLICY_LIMITS) {
                setup_limits();
                cfg.operational = &portal_limits;
        }
        if (iscsi_login_target_new(&cfg, &l) < 0)
                abort();

        while (r == ISCSI_LOGIN_CONTINUE && size - off >= ISCSI_BHS_SIZE) {
                struct iscsi_login_pdu rsp;
                struct iscsi_bhs bhs;
                size_t dlen, ahs;

                if (iscsi_bhs_decode(data + off, size - off, &bhs) < 0)
                        break;          /* daemon: invalid PDU during login, drop */
                if (bhs.dlength > ISCSI_LOGIN_MAX_SEGMENT)
                        break;          /* daemon: oversized login PDU, drop */
                ahs = (size_t) bhs.totalahslen * 4;
                off += ISCSI_BHS_SIZE;
                if (size - off < ahs)
                        break;
                off += ahs;
                dlen = bhs.dlength;
                if (size - off < dlen)
                        break;          /* peer vanished mid-PDU */
                r = iscsi_login_target_receive(l, &bhs, dlen ? data + off : NULL, dlen, &rsp);
                off += dlen;
                off += iscsi_pad_len(dlen) <= size - off ? iscsi_pad_len(dlen) : size - off;
                if (r == -ENOMEM)
                        break;
                if (r < 0)
                        abort();        /* the daemon treats any other error as fatal misuse */
                check_response(&rsp, &text);
                if (r == ISCSI_LOGIN_DONE)
                        check_done(l, &rsp);
                else if (r == ISCSI_LOGIN_FAILED) {
                        struct iscsi_login_result res;
                        iscsi_login_get_result(l, &res);
                        if (res.status == 0 || rsp.bhs.status_class == 0)
                                abort();
                } else if (r != ISCSI_LOGIN_CONTINUE)
                        abort();
        }
        if (r == ISCSI_LOGIN_DONE || r == ISCSI_LOGIN_FAILED) {
                struct iscsi_login_pdu rsp;
                struct iscsi_bhs again = { .opcode = ISCSI_OP_LOGIN_REQ };
                if (iscsi_login_target_receive(l, &again, NULL, 0, &rsp) != -EALREADY)
                        abort();
        }
        iscsi_text_accum_clear(&text);
        iscsi_login_free(l);
        return 0;
}
