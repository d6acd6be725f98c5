/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness: login state machines (login.h), the part of a target that an
 * unauthenticated peer reaches first. Byte 0 picks the side and the policy; the rest is a
 * sequence of whole PDUs (BHS + data, no digests) fed to the machine one by one.
 * Invariants: every PDU the machine wants sent encodes (pdu.h), is a Login Request/Response
 * whose dlength matches its data, and a finished machine refuses further input.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi-proto/login.h"
#include "iscsi-proto/pdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TARGET_NAME "iqn.2026-01.org.example:t1"

static void check_sendable(const struct iscsi_login_pdu *p, uint8_t opcode) {
        struct iscsi_pdu_out out;

        if (p->bhs.opcode != opcode || p->bhs.dlength != p->data_len || p->data_len > ISCSI_LOGIN_MAX_SEGMENT)
                abort();
        if (iscsi_pdu_out_init(&out, &p->bhs, NULL, 0, p->data, ISCSI_DIGEST_HEADER | ISCSI_DIGEST_DATA) < 0)
                abort();
}

static int lookup_target(void *userdata, const char *target_name, struct iscsi_login_target_info *info) {
        if (strcmp(target_name, TARGET_NAME) == 0)
                return 0;
        if (strcmp(target_name, "iqn.2026-01.org.example:moved") == 0) {
                strcpy(info->redirect_address, "[::1]:3261,1");
                return -EREMOTE;
        }
        return -ENOENT;
}

static int authorize(void *userdata, const char *initiator_name, const char *target_name) {
        return strstr(initiator_name, "deny") ? -EACCES : 0;
}

static int get_auth(void *userdata, const char *initiator_name, const char *target_name,
                    struct iscsi_login_target_auth *ret) {
        bool chap = *(const bool *) userdata;

        *ret = (struct iscsi_login_target_auth) {
                .require_chap = chap,
                .chap = { .username = "user", .secret = "secret-secret-16",
                          .mutual_username = "tgt", .mutual_secret = "target-secret-16" },
        };
        return 0;
}

/* Feeds PDUs from data; calls step() for each; stops at the end or when step says so. */
static void feed_pdus(const uint8_t *data, size_t size, int (*step)(void *ctx, const struct iscsi_pdu_view *v), void *ctx) {
        for (int n = 0; size >= ISCSI_BHS_SIZE && n < 16; n++) {
                struct iscsi_pdu_view v;

                if (iscsi_pdu_parse(data, size, 0, ISCSI_LOGIN_MAX_SEGMENT, &v) < 0) {
                        /* skip a bad header and go on with the rest */
                        data += ISCSI_BHS_SIZE;
                        size -= ISCSI_BHS_SIZE;
                        continue;
                }
                if (step(ctx, &v) != 0)
                        return;
                data += v.total_len;
                size -= v.total_len;
        }
}

struct ctx {
        struct iscsi_login *l;
        bool done;
};

static int target_step(void *p, const struct iscsi_pdu_view *v) {
        struct ctx *c = p;
        struct iscsi_login_pdu rsp;
        int r;

        r = iscsi_login_target_receive(c->l, &v->bhs, v->data, v->data_len, &rsp);
        if (c->done) {
                if (r != -EALREADY)
                        abort();
                return 1;
        }
        if (r < 0)
                return 1;
        check_sendable(&rsp, ISCSI_OP_LOGIN_RSP);
        if (r == ISCSI_LOGIN_DONE || r == ISCSI_LOGIN_FAILED)
                c->done = true; /* one more PDU checks the -EALREADY rule */
        return 0;
}

static int initiator_step(void *p, const struct iscsi_pdu_view *v) {
        struct ctx *c = p;
        struct iscsi_login_pdu req;
        int r;

        if (c->done)
                return 1;
        r = iscsi_login_initiator_next(c->l, &req);
        if (r < 0)
                return 1;
        check_sendable(&req, ISCSI_OP_LOGIN_REQ);
        r = iscsi_login_initiator_receive(c->l, &v->bhs, v->data, v->data_len);
        if (r < 0 || r == ISCSI_LOGIN_DONE || r == ISCSI_LOGIN_FAILED)
                c->done = true;
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct ctx c = {};
        struct iscsi_login_result res;
        bool chap;

        if (size < 1)
                return 0;
        chap = data[0] & 2;

        if (data[0] & 1) {
                struct iscsi_login_target_config cfg = {
                        .tpgt = 1,
                        .initial_statsn = 0x1000,
                        .cmdsn_window = 32,
                        .policy = { .lookup_target = lookup_target, .authorize = authorize,
                                    .get_auth = get_auth, .userdata = &chap },
                };
                if (iscsi_login_target_new(&cfg, &c.l) < 0)
                        return 0;
                feed_pdus(data + 1, size - 1, target_step, &c);
        } else {
                struct iscsi_login_initiator_config cfg = {
                        .initiator_name = "iqn.2016-04.com.open-iscsi:0123456789ab",
                        .target_name = TARGET_NAME,
                        .session_type = data[0] & 4 ? ISCSI_SESSION_DISCOVERY : ISCSI_SESSION_NORMAL,
                        .isid = { 0x00, 0x02, 0x3d, 0x00, 0x00, 0x01 },
                        .itt = 1,
                        .cmdsn = 1,
                        .auth = chap ? ISCSI_AUTH_CHAP : ISCSI_AUTH_NONE,
                        .chap = { .username = "user", .secret = "secret-secret-16",
                                  .mutual_username = data[0] & 8 ? "tgt" : NULL,
                                  .mutual_secret = data[0] & 8 ? "target-secret-16" : NULL },
                };
                if (iscsi_login_initiator_new(&cfg, &c.l) < 0)
                        abort(); /* a valid config must be accepted */
                feed_pdus(data + 1, size - 1, initiator_step, &c);
        }
        iscsi_login_get_result(c.l, &res);
        (void) iscsi_login_failure_to_string(res.failure);
        (void) iscsi_login_status_to_string(res.status);
        (void) iscsi_login_exit_code(&res);
        iscsi_login_free(c.l);
        return 0;
}
