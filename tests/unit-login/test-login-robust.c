/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Robustness: both login machines fed with deterministic pseudo-random mutations of real
 * conversations. They must never crash (the ASan/UBSan build checks memory), return only the
 * documented values, and never produce a data segment larger than the login limit. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "iscsi-proto/login.h"
#include "iscsi-util/macro.h"

static uint64_t rng_state;
static unsigned outcomes[3]; /* CONTINUE (ran out of input), DONE, FAILED */

static uint32_t rnd(void) {
        /* xorshift64*: reproducible across runs and machines */
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return (uint32_t) ((rng_state * 2685821657736338717ULL) >> 32);
}

/* Policy: names starting with 'r' redirect, 'x' do not exist; initiator names starting with
 * 'c' must use CHAP, with a second letter 'm' mutual credentials exist. */
static int lookup(void *u, const char *name, struct iscsi_login_target_info *info) {
        if (name[0] == 'r') {
                snprintf(info->redirect_address, sizeof(info->redirect_address), "127.0.0.2:3260,1");
                return -EREMOTE;
        }
        if (name[0] == 'x')
                return -ENOENT;
        snprintf(info->alias, sizeof(info->alias), "alias");
        return 0;
}

static int get_auth(void *u, const char *iname, const char *tname, struct iscsi_login_target_auth *ret) {
        bool mutual = iname[0] && iname[1] == 'm';

        ret->require_chap = iname[0] == 'c';
        ret->chap = (struct iscsi_chap_credentials) {
                .username = "user",
                .secret = "secretsecret",
                .mutual_username = mutual ? "tu" : NULL,
                .mutual_secret = mutual ? "tsecretsecret" : NULL,
        };
        return 0;
}

/* Input format: byte 0 selects the side and options; then PDUs of
 * [flags byte][opcode/field byte][16-bit length][data]. */
static bool next_pdu(const uint8_t **p, size_t *left, struct iscsi_bhs *b, const uint8_t **d, size_t *dl) {
        const uint8_t *q = *p;
        size_t len;

        if (*left < 4)
                return false;
        *b = (struct iscsi_bhs) {
                .opcode = (q[1] & 0x80) ? (q[1] & 0x3f) : (q[1] & 1) ? ISCSI_OP_LOGIN_RSP : ISCSI_OP_LOGIN_REQ,
                .final = q[0] & 0x80,
                .flags = q[0],
                .csg = (q[0] >> 2) & 3,
                .nsg = q[0] & 3,
                .tsih = (q[1] & 0x40) ? 0x1234 : 0,
                .itt = (q[1] & 0x20) ? 7 : 0,
                .status_class = (q[1] & 0x10) ? 2 : 0,
                .status_detail = (q[1] & 0x08) ? 1 : 0,
        };
        len = (size_t) q[2] << 8 | q[3];
        len = MIN(len, *left - 4);
        b->dlength = (uint32_t) len;
        *d = q + 4;
        *dl = len;
        *p += 4 + len;
        *left -= 4 + len;
        return true;
}

static void run_target(const uint8_t *p, size_t left) {
        struct iscsi_login_target_config cfg = {
                .tpgt = 1,
                .cmdsn_window = 4,
                .policy = { .lookup_target = lookup, .get_auth = get_auth },
        };
        _cleanup_(iscsi_login_freep) struct iscsi_login *t = NULL;
        struct iscsi_login_result res;
        struct iscsi_bhs b;
        const uint8_t *d;
        size_t dl;

        assert_int_equal(iscsi_login_target_new(&cfg, &t), 0);
        while (next_pdu(&p, &left, &b, &d, &dl)) {
                struct iscsi_login_pdu rsp;
                int r = iscsi_login_target_receive(t, &b, dl ? d : NULL, dl, &rsp);

                assert_true(r == ISCSI_LOGIN_CONTINUE || r == ISCSI_LOGIN_DONE || r == ISCSI_LOGIN_FAILED);
                assert_int_equal(rsp.bhs.opcode, ISCSI_OP_LOGIN_RSP);
                assert_true(rsp.data_len <= ISCSI_LOGIN_MAX_SEGMENT);
                assert_int_equal(rsp.bhs.dlength, rsp.data_len);
                if (rsp.data_len > 0)
                        assert_true(rsp.data[0] != 0 && rsp.data[rsp.data_len - 1] == 0);
                if (r == ISCSI_LOGIN_FAILED)
                        assert_int_not_equal(rsp.bhs.status_class, 0);
                if (r != ISCSI_LOGIN_CONTINUE) {
                        outcomes[r]++;
                        break;
                }
        }
        iscsi_login_get_result(t, &res);
        assert_true(strlen(res.reason) < sizeof(res.reason));
}

static void run_initiator(uint8_t opts, const uint8_t *p, size_t left) {
        struct iscsi_login_initiator_config ic = {
                .initiator_name = "iqn.2026-01.a:i",
                .target_name = "iqn.2026-01.a:t",
                .itt = 7,
                .auth = (opts & 2) ? ISCSI_AUTH_CHAP : ISCSI_AUTH_NONE,
                .chap = {
                        .username = "user",
                        .secret = "secretsecret",
                        .mutual_username = (opts & 4) ? "tu" : NULL,
                        .mutual_secret = (opts & 4) ? "tsecretsecret" : NULL,
                },
                .session_type = (opts & 8) ? ISCSI_SESSION_DISCOVERY : ISCSI_SESSION_NORMAL,
        };
        _cleanup_(iscsi_login_freep) struct iscsi_login *i = NULL;
        struct iscsi_login_result res;
        struct iscsi_bhs b;
        const uint8_t *d;
        size_t dl;
        int r = ISCSI_LOGIN_CONTINUE;

        assert_int_equal(iscsi_login_initiator_new(&ic, &i), 0);
        while (next_pdu(&p, &left, &b, &d, &dl)) {
                struct iscsi_login_pdu req;

                assert_int_equal(iscsi_login_initiator_next(i, &req), 0);
                assert_true(req.data_len <= ISCSI_LOGIN_MAX_SEGMENT);
                r = iscsi_login_initiator_receive(i, &b, dl ? d : NULL, dl);
                assert_true(r == ISCSI_LOGIN_CONTINUE || r == ISCSI_LOGIN_DONE || r == ISCSI_LOGIN_FAILED);
                if (r != ISCSI_LOGIN_CONTINUE) {
                        outcomes[r]++;
                        break;
                }
        }
        iscsi_login_get_result(i, &res);
        if (r == ISCSI_LOGIN_FAILED)
                assert_int_not_equal(iscsi_login_exit_code(&res), 0);
}

static size_t pdu(uint8_t *out, uint8_t flags, uint8_t op, const char *text, size_t len) {
        out[0] = flags;
        out[1] = op;
        out[2] = (uint8_t) (len >> 8);
        out[3] = (uint8_t) len;
        memcpy(out + 4, text, len);
        return 4 + len;
}

#define P(buf, n, flags, op, s) (n += pdu(buf + n, flags, op, s, sizeof(s) - 1))

/* Seeds: plausible conversations for the target and for the initiator. */
static size_t seed_target(uint8_t *buf) {
        size_t n = 0;

        buf[n++] = 1;
        P(buf, n, 0x01, 0x20, "InitiatorName=cm\0TargetName=abc\0SessionType=Normal\0AuthMethod=CHAP,None\0");
        P(buf, n, 0x01, 0x20, "CHAP_A=7,5\0");
        P(buf, n, 0x81, 0x20, "CHAP_N=user\0CHAP_R=0x00112233445566778899aabbccddeeff\0CHAP_I=3\0"
                              "CHAP_C=0bABEiM0RVZneImaq7zN3u/w==\0");
        P(buf, n, 0x87, 0x20, "HeaderDigest=CRC32C,None\0MaxBurstLength=4096\0X-foo=bar\0FirstBurstLength=0x200\0"
                              "InitialR2T=No\0ImmediateData=Yes\0MaxRecvDataSegmentLength=65536\0");
        return n;
}

static size_t seed_target_plain(uint8_t *buf) {
        size_t n = 0;

        buf[n++] = 1;
        P(buf, n, 0x81, 0x20, "InitiatorName=plain\0TargetName=abc\0SessionType=Normal\0AuthMethod=None\0");
        P(buf, n, 0x87, 0x20, "HeaderDigest=CRC32C,None\0DataDigest=None\0MaxBurstLength=4096\0OFMarker=No\0"
                              "DefaultTime2Wait=2\0ErrorRecoveryLevel=0\0MaxRecvDataSegmentLength=65536\0");
        return n;
}

static size_t seed_initiator_plain(uint8_t *buf) {
        size_t n = 0;

        buf[n++] = 0;
        P(buf, n, 0x81, 0x21, "AuthMethod=None\0TargetPortalGroupTag=1\0TargetAlias=x\0");
        P(buf, n, 0x87, 0x61, "HeaderDigest=None\0DataDigest=None\0MaxBurstLength=4096\0FirstBurstLength=4096\0"
                              "MaxConnections=1\0InitialR2T=Yes\0ImmediateData=Yes\0DefaultTime2Wait=2\0"
                              "DefaultTime2Retain=20\0MaxOutstandingR2T=1\0DataPDUInOrder=Yes\0"
                              "DataSequenceInOrder=Yes\0ErrorRecoveryLevel=0\0MaxRecvDataSegmentLength=8192\0");
        return n;
}

static size_t seed_initiator(uint8_t *buf) {
        size_t n = 0;

        buf[n++] = 6;
        P(buf, n, 0x00, 0x21, "AuthMethod=CHAP\0TargetPortalGroupTag=1\0");
        P(buf, n, 0x00, 0x21, "CHAP_A=5\0CHAP_I=1\0CHAP_C=0xabababababababababababababababab\0");
        P(buf, n, 0x81, 0x21, "CHAP_N=tu\0CHAP_R=0x00000000000000000000000000000000\0");
        P(buf, n, 0x87, 0x61, "HeaderDigest=None\0MaxBurstLength=4096\0MaxRecvDataSegmentLength=8192\0");
        return n;
}

static void mutate_and_run(uint8_t *buf, size_t n, unsigned rounds) {
        static uint8_t work[4096];

        for (unsigned k = 0; k < rounds; k++) {
                size_t len = n;
                unsigned edits = 1 + rnd() % 8;

                memcpy(work, buf, n);
                for (unsigned e = 0; e < edits; e++) {
                        size_t at = 1 + rnd() % (len - 1);
                        switch (rnd() % 5) {
                        case 0: /* flip a bit */
                                work[at] ^= (uint8_t) (1u << (rnd() % 8));
                                break;
                        case 1: /* interesting byte */
                                work[at] = (uint8_t) "\0=,\xff\x80\x01x0"[rnd() % 8];
                                break;
                        case 2: /* truncate */
                                len = MAX(at, (size_t) 2);
                                break;
                        case 3: /* duplicate a chunk */
                                if (len + 64 < sizeof(work)) {
                                        size_t c = 1 + rnd() % 64;
                                        c = MIN(c, len - at);
                                        memmove(work + at + c, work + at, len - at);
                                        len += c;
                                }
                                break;
                        default: /* random byte */
                                work[at] = (uint8_t) rnd();
                                break;
                        }
                }
                if (work[0] & 1)
                        run_target(work + 1, len - 1);
                else
                        run_initiator(work[0], work + 1, len - 1);
        }
}

static void test_target_mutations(void **state) {
        uint8_t buf[1024];
        size_t n;

        memset(outcomes, 0, sizeof(outcomes));
        rng_state = 0x1234567887654321ULL;
        n = seed_target_plain(buf);
        run_target(buf + 1, n - 1);
        assert_int_equal(outcomes[ISCSI_LOGIN_DONE], 1); /* the plain seed is a complete login */
        mutate_and_run(buf, n, 4000);
        n = seed_target(buf);
        mutate_and_run(buf, n, 4000);
        /* the mutations reach both ends, so both paths were exercised */
        assert_true(outcomes[ISCSI_LOGIN_DONE] > 10);
        assert_true(outcomes[ISCSI_LOGIN_FAILED] > 1000);
}

static void test_initiator_mutations(void **state) {
        uint8_t buf[1024];
        size_t n;

        memset(outcomes, 0, sizeof(outcomes));
        rng_state = 0x0badc0ffee15900dULL;
        n = seed_initiator_plain(buf);
        run_initiator(0, buf + 1, n - 1);
        assert_int_equal(outcomes[ISCSI_LOGIN_DONE], 1);
        mutate_and_run(buf, n, 4000);
        n = seed_initiator(buf);
        for (uint8_t opts = 0; opts < 16; opts += 2)
                run_initiator(opts, buf + 1, n - 1);
        mutate_and_run(buf, n, 4000);
        assert_true(outcomes[ISCSI_LOGIN_DONE] > 10);
        assert_true(outcomes[ISCSI_LOGIN_FAILED] > 1000);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_target_mutations),
                cmocka_unit_test(test_initiator_mutations),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
