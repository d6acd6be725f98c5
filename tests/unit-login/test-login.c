/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Whole login conversations initiator <-> target in memory. Every PDU goes through the
 * pdu.h codec (encode to bytes, parse back), as it would on a socket. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "iscsi-proto/login.h"
#include "iscsi-util/macro.h"

#define TARGET_IQN "iqn.2026-01.org.example:disk1"
#define MOVED_IQN "iqn.2026-01.org.example:moved"
#define GONE_IQN "iqn.2026-01.org.example:gone"
#define INIT_IQN "iqn.2026-01.org.example:host1"
#define DENIED_IQN "iqn.2026-01.org.example:intruder"

/* ---- a small target policy ---- */

struct policy {
        bool require_chap;
        struct iscsi_chap_credentials chap;      /* for the normal target */
        struct iscsi_chap_credentials disc_chap; /* discovery auth */
        bool disc_require_chap;
        enum iscsi_chap_alg algs[ISCSI_CHAP_MAX_ALGS];
        size_t n_algs;
        const struct iscsi_keys *target_oper;
        unsigned binds;
        bool redirect_permanent;
        uint16_t existing_tsih;
};

static int p_lookup(void *ud, const char *name, struct iscsi_login_target_info *info) {
        struct policy *p = ud;

        if (streq(name, MOVED_IQN)) {
                snprintf(info->redirect_address, sizeof(info->redirect_address), "[::1]:3261,2");
                info->redirect_permanent = p->redirect_permanent;
                return -EREMOTE;
        }
        if (streq(name, GONE_IQN))
                return -ENODEV;
        if (!streq(name, TARGET_IQN))
                return -ENOENT;
        snprintf(info->alias, sizeof(info->alias), "disk one");
        info->operational = p->target_oper;
        return 0;
}

static int p_authorize(void *ud, const char *iname, const char *tname) {
        return streq(iname, DENIED_IQN) && tname ? -EACCES : 0;
}

static int p_get_auth(void *ud, const char *iname, const char *tname, struct iscsi_login_target_auth *ret) {
        struct policy *p = ud;

        ret->require_chap = tname ? p->require_chap : p->disc_require_chap;
        ret->chap = tname ? p->chap : p->disc_chap;
        memcpy(ret->algs, p->algs, sizeof(p->algs));
        ret->n_algs = p->n_algs;
        return 0;
}

static int p_bind(void *ud, const char *iname, const uint8_t isid[6], uint16_t tsih, const struct iscsi_params *params,
                  uint16_t *ret_tsih) {
        struct policy *p = ud;

        p->binds++;
        if (tsih == 0) {
                *ret_tsih = 0x1234;
                return 0;
        }
        return tsih == p->existing_tsih ? 0 : -ENOENT;
}

static struct iscsi_login_target_config tcfg(struct policy *p) {
        return (struct iscsi_login_target_config) {
                .tpgt = 1,
                .initial_statsn = 0x1000,
                .cmdsn_window = 32,
                .policy = { p_lookup, p_authorize, p_get_auth, p_bind, p },
        };
}

static struct iscsi_login_initiator_config icfg(void) {
        return (struct iscsi_login_initiator_config) {
                .initiator_name = INIT_IQN,
                .target_name = TARGET_IQN,
                .session_type = ISCSI_SESSION_NORMAL,
                .isid = { 0x00, 0x02, 0x3d, 0x00, 0x00, 0x01 },
                .itt = 0x11,
                .cmdsn = 5,
                .auth = ISCSI_AUTH_NONE,
        };
}

static struct iscsi_login *new_target(struct policy *p);

/* ---- moving PDUs ---- */

struct wire {
        uint8_t buf[ISCSI_BHS_SIZE + 70000];
        struct iscsi_pdu_view v;
};

/* Encode a machine's PDU to bytes and parse it back. */
static void transmit(const struct iscsi_login_pdu *p, struct wire *w) {
        ssize_t n = iscsi_pdu_build(&p->bhs, NULL, 0, p->data, 0, w->buf, sizeof(w->buf));

        assert_true(n >= (ssize_t) ISCSI_BHS_SIZE);
        assert_int_equal(iscsi_pdu_parse(w->buf, (size_t) n, 0, 0, &w->v), 0);
        assert_int_equal(w->v.data_len, p->data_len);
}

/* A hand-made Login Request. */
static void request(struct wire *w, uint8_t csg, uint8_t nsg, bool transit, bool cont, uint16_t tsih, const void *text,
                    size_t len) {
        struct iscsi_login_pdu p = {
                .bhs = {
                        .opcode = ISCSI_OP_LOGIN_REQ,
                        .immediate = true,
                        .final = transit,
                        .flags = iscsi_login_flags(transit, cont, csg, nsg),
                        .csg = csg,
                        .nsg = transit ? nsg : 0,
                        .isid = { 0x80, 0, 0, 0, 0, 1 },
                        .tsih = tsih,
                        .itt = 7,
                        .cmdsn = 1,
                        .dlength = (uint32_t) len,
                },
                .data = text,
                .data_len = len,
        };
        transmit(&p, w);
}

struct outcome {
        int ri, rt;                       /* last outcomes of initiator and target */
        struct iscsi_login_result ir, tr; /* results */
        unsigned pdus;
};

/* Run the conversation to the end. */
static void converse(struct iscsi_login *i, struct iscsi_login *t, struct outcome *o) {
        struct wire w;

        *o = (struct outcome) { .ri = ISCSI_LOGIN_CONTINUE, .rt = ISCSI_LOGIN_CONTINUE };
        while (o->ri == ISCSI_LOGIN_CONTINUE && o->pdus < 40) {
                struct iscsi_login_pdu req, rsp;

                assert_int_equal(iscsi_login_initiator_next(i, &req), 0);
                transmit(&req, &w);
                assert_int_equal(o->rt, ISCSI_LOGIN_CONTINUE); /* target still listening */
                o->rt = iscsi_login_target_receive(t, &w.v.bhs, w.v.data, w.v.data_len, &rsp);
                assert_true(o->rt >= 0);
                transmit(&rsp, &w);
                o->ri = iscsi_login_initiator_receive(i, &w.v.bhs, w.v.data, w.v.data_len);
                assert_true(o->ri >= 0);
                o->pdus++;
        }
        iscsi_login_get_result(i, &o->ir);
        iscsi_login_get_result(t, &o->tr);
}

static void run(const struct iscsi_login_initiator_config *ic, struct policy *p, struct outcome *o) {
        _cleanup_(iscsi_login_freep) struct iscsi_login *i = NULL, *t = NULL;
        struct iscsi_login_target_config tc = tcfg(p);

        assert_int_equal(iscsi_login_initiator_new(ic, &i), 0);
        assert_int_equal(iscsi_login_target_new(&tc, &t), 0);
        converse(i, t, o);
}

static void assert_success(const struct outcome *o) {
        if (o->ri != ISCSI_LOGIN_DONE)
                fail_msg("initiator: %s / target: %s", o->ir.reason, o->tr.reason);
        assert_int_equal(o->rt, ISCSI_LOGIN_DONE);
        assert_int_equal(o->ir.failure, ISCSI_LOGIN_FAIL_NONE);
        assert_int_equal(o->tr.failure, ISCSI_LOGIN_FAIL_NONE);
        assert_int_equal(iscsi_login_exit_code(&o->ir), 0);
        assert_int_equal(o->ir.tsih, o->tr.tsih);
        assert_int_not_equal(o->ir.tsih, 0);
        /* the initiator's ExpStatSN is the target's next StatSN */
        assert_int_equal(o->ir.exp_statsn, o->tr.statsn);
        assert_int_equal(o->ir.params.initiator_max_recv_dsl, o->tr.params.initiator_max_recv_dsl);
        assert_int_equal(o->ir.params.target_max_recv_dsl, o->tr.params.target_max_recv_dsl);
        assert_int_equal(o->ir.params.max_burst_length, o->tr.params.max_burst_length);
        assert_int_equal(o->ir.params.first_burst_length, o->tr.params.first_burst_length);
        assert_int_equal(o->ir.params.header_digest, o->tr.params.header_digest);
        assert_int_equal(o->ir.params.data_digest, o->tr.params.data_digest);
        assert_int_equal(o->ir.params.immediate_data, o->tr.params.immediate_data);
        assert_int_equal(o->ir.params.initial_r2t, o->tr.params.initial_r2t);
        assert_int_equal(o->ir.params.session_type, o->tr.params.session_type);
        assert_string_equal(o->ir.params.auth_method, o->tr.params.auth_method);
}

#define T(s) s, sizeof(s) - 1

/* ---- conversations ---- */

static void test_no_auth(void **state) {
        struct iscsi_login_initiator_config ic = icfg();
        struct policy p = {};
        struct outcome o;

        run(&ic, &p, &o);
        assert_success(&o);
        assert_int_equal(o.ir.tsih, 0x1234);
        assert_int_equal(p.binds, 1);
        assert_string_equal(o.ir.params.auth_method, "None");
        assert_string_equal(o.ir.params.target_alias, "disk one");
        assert_int_equal(o.ir.params.tpgt, 1);
        assert_string_equal(o.tr.params.initiator_name, INIT_IQN);
        assert_string_equal(o.tr.params.target_name, TARGET_IQN);
        assert_int_equal(o.ir.cmdsn, 5);
        assert_int_equal(o.ir.exp_cmdsn, 5);
        assert_int_equal(o.ir.max_cmdsn, 5 + 32 - 1);
        /* security (T to operational) + operational (T to full feature) */
        assert_int_equal(o.pdus, 2);
}

static void test_one_way_chap(void **state) {
        struct iscsi_login_initiator_config ic = icfg();
        struct policy p = { .require_chap = true, .chap = { .username = "host1", .secret = "host1secret!" } };
        struct outcome o;

        ic.auth = ISCSI_AUTH_CHAP;
        ic.chap = p.chap;
        run(&ic, &p, &o);
        assert_success(&o);
        assert_string_equal(o.ir.params.auth_method, "CHAP");
}

static void test_mutual_chap_each_alg(void **state) {
        static const enum iscsi_chap_alg algs[] = { ISCSI_CHAP_MD5, ISCSI_CHAP_SHA1, ISCSI_CHAP_SHA256, ISCSI_CHAP_SHA3_256 };

        for (size_t k = 0; k < ELEMENTSOF(algs); k++) {
                struct iscsi_login_initiator_config ic = icfg();
                struct policy p = {
                        .require_chap = true,
                        .chap = { "host1", "host1secret!", "disk1", "disk1secret!" },
                };
                struct outcome o;

                ic.auth = ISCSI_AUTH_CHAP;
                ic.chap = p.chap;
                ic.chap_algs = &algs[k];
                ic.n_chap_algs = 1;
                run(&ic, &p, &o);
                assert_success(&o);
                assert_string_equal(o.ir.params.auth_method, "CHAP");
        }
}

static void test_chap_offered_not_required(void **state) {
        struct iscsi_login_initiator_config ic = icfg();
        struct policy p = {}; /* no credentials: the target answers None */
        struct outcome o;

        ic.auth = ISCSI_AUTH_CHAP;
        ic.chap = (struct iscsi_chap_credentials) { .username = "host1", .secret = "host1secret!" };
        run(&ic, &p, &o);
        assert_success(&o);
        assert_string_equal(o.ir.params.auth_method, "None");
}

static void test_wrong_secret(void **state) {
        struct iscsi_login_initiator_config ic = icfg();
        struct policy p = { .require_chap = true, .chap = { .username = "host1", .secret = "host1secret!" } };
        struct outcome o;

        ic.auth = ISCSI_AUTH_CHAP;
        ic.chap = (struct iscsi_chap_credentials) { .username = "host1", .secret = "not-the-secret" };
        run(&ic, &p, &o);
        assert_int_equal(o.ri, ISCSI_LOGIN_FAILED);
        assert_int_equal(o.rt, ISCSI_LOGIN_FAILED);
        assert_int_equal(o.ir.failure, ISCSI_LOGIN_FAIL_STATUS);
        assert_int_equal(o.ir.status, ISCSI_LOGIN_STATUS_AUTH_FAILED);
        assert_int_equal(iscsi_login_exit_code(&o.ir), 24);
        assert_int_equal(o.tr.failure, ISCSI_LOGIN_FAIL_AUTH);
        assert_non_null(strstr(o.tr.reason, "wrong CHAP response"));
        assert_int_equal(p.binds, 0);
}

static void test_target_fails_mutual(void **state) {
        struct iscsi_login_initiator_config ic = icfg();
        struct policy p = { .require_chap = true, .chap = { "host1", "host1secret!", "disk1", "disk1secret!" } };
        struct outcome o;

        ic.auth = ISCSI_AUTH_CHAP;
        ic.chap = (struct iscsi_chap_credentials) { "host1", "host1secret!", "disk1", "expected-other" };
        run(&ic, &p, &o);
        assert_int_equal(o.ri, ISCSI_LOGIN_FAILED);
        assert_int_equal(o.ir.failure, ISCSI_LOGIN_FAIL_AUTH);
        /* open-iscsi: the target failing mutual CHAP is a non-retryable login failure */
        assert_int_equal(iscsi_login_exit_code(&o.ir), 19);
}

static void test_mutual_required_target_has_none(void **state) {
        struct iscsi_login_initiator_config ic = icfg();
        struct policy p = { .require_chap = true, .chap = { .username = "host1", .secret = "host1secret!" } };
        struct outcome o;

        ic.auth = ISCSI_AUTH_CHAP;
        ic.chap = (struct iscsi_chap_credentials) { "host1", "host1secret!", "disk1", "disk1secret!" };
        run(&ic, &p, &o);
        assert_int_equal(o.ri, ISCSI_LOGIN_FAILED);
        assert_int_equal(o.ir.status, ISCSI_LOGIN_STATUS_AUTH_FAILED);
        assert_non_null(strstr(o.tr.reason, "mutual"));
}

static void test_chap_required_initiator_offers_none(void **state) {
        struct iscsi_login_initiator_config ic = icfg();
        struct policy p = { .require_chap = true, .chap = { .username = "host1", .secret = "host1secret!" } };
        struct outcome o;

        run(&ic, &p, &o);
        assert_int_equal(o.ri, ISCSI_LOGIN_FAILED);
        assert_int_equal(o.ir.status, ISCSI_LOGIN_STATUS_AUTH_FAILED);
        assert_int_equal(iscsi_login_exit_code(&o.ir), 24);
        assert_int_equal(o.pdus, 1);
}

static void test_not_found(void **state) {
        struct iscsi_login_initiator_config ic = icfg();
        struct policy p = {};
        struct outcome o;

        ic.target_name = "iqn.2026-01.org.example:nosuch";
        run(&ic, &p, &o);
        assert_int_equal(o.ri, ISCSI_LOGIN_FAILED);
        assert_int_equal(o.ir.status, ISCSI_LOGIN_STATUS_TGT_NOT_FOUND);
        assert_int_equal(o.tr.failure, ISCSI_LOGIN_FAIL_NOT_FOUND);
        assert_int_equal(iscsi_login_exit_code(&o.ir), 19);

        ic.target_name = GONE_IQN;
        run(&ic, &p, &o);
        assert_int_equal(o.ir.status, ISCSI_LOGIN_STATUS_TGT_REMOVED);
}

static void test_acl_denied(void **state) {
        struct iscsi_login_initiator_config ic = icfg();
        struct policy p = {};
        struct outcome o;

        ic.initiator_name = DENIED_IQN;
        run(&ic, &p, &o);
        assert_int_equal(o.ri, ISCSI_LOGIN_FAILED);
        assert_int_equal(o.ir.status, ISCSI_LOGIN_STATUS_TGT_FORBIDDEN);
        assert_int_equal(o.tr.failure, ISCSI_LOGIN_FAIL_AUTHORIZATION);
        assert_int_equal(iscsi_login_exit_code(&o.ir), 24);
}

static void test_redirect(void **state) {
        struct iscsi_login_initiator_config ic = icfg();
        struct policy p = {};
        struct outcome o;

        ic.target_name = MOVED_IQN;
        run(&ic, &p, &o);
        assert_int_equal(o.ri, ISCSI_LOGIN_FAILED);
        assert_int_equal(o.ir.failure, ISCSI_LOGIN_FAIL_REDIRECT);
        assert_int_equal(o.ir.status, ISCSI_LOGIN_STATUS_TGT_MOVED_TEMP);
        assert_false(o.ir.redirect_permanent);
        assert_string_equal(o.ir.target_address, "[::1]:3261,2");
        assert_int_equal(iscsi_login_exit_code(&o.ir), 5);
}

static void test_redirect_permanent(void **state) {
        struct policy p = {};
        _cleanup_(iscsi_login_freep) struct iscsi_login *t = new_target(&p);
        _cleanup_(iscsi_login_freep) struct iscsi_login *i = NULL;
        struct iscsi_login_initiator_config ic = icfg();
        struct outcome o;

        p.redirect_permanent = true;
        ic.target_name = MOVED_IQN;
        assert_int_equal(iscsi_login_initiator_new(&ic, &i), 0);
        converse(i, t, &o);
        assert_int_equal(o.ir.failure, ISCSI_LOGIN_FAIL_REDIRECT);
        assert_int_equal(o.ir.status, ISCSI_LOGIN_STATUS_TGT_MOVED_PERM);
        assert_true(o.ir.redirect_permanent);
        assert_int_equal(o.tr.failure, ISCSI_LOGIN_FAIL_REDIRECT);
}

/* What the initiator puts into its first Login Request. */
static void test_first_request_content(void **state) {
        struct iscsi_login_initiator_config ic = icfg();
        _cleanup_(iscsi_login_freep) struct iscsi_login *i = NULL, *d = NULL, *c = NULL;
        _cleanup_keys_ struct iscsi_keys k = {}, kd = {}, kc = {};
        struct iscsi_login_pdu req;

        ic.initiator_alias = "host one";
        assert_int_equal(iscsi_login_initiator_new(&ic, &i), 0);
        assert_int_equal(iscsi_login_initiator_next(i, &req), 0);
        assert_int_equal(req.bhs.opcode, ISCSI_OP_LOGIN_REQ);
        assert_true(req.bhs.immediate);
        assert_true(req.bhs.final);
        assert_int_equal(req.bhs.csg, 0);
        assert_int_equal(req.bhs.nsg, 1);
        assert_int_equal(req.bhs.itt, 0x11);
        assert_int_equal(req.bhs.cmdsn, 5);
        assert_int_equal(req.bhs.tsih, 0);
        assert_memory_equal(req.bhs.isid, ic.isid, 6);
        assert_int_equal(req.bhs.dlength, req.data_len);
        assert_int_equal(iscsi_keys_parse(req.data, req.data_len, &k), 0);
        assert_string_equal(iscsi_keys_get(&k, "InitiatorName"), INIT_IQN);
        assert_string_equal(iscsi_keys_get(&k, "InitiatorAlias"), "host one");
        assert_string_equal(iscsi_keys_get(&k, "TargetName"), TARGET_IQN);
        assert_string_equal(iscsi_keys_get(&k, "SessionType"), "Normal");
        assert_string_equal(iscsi_keys_get(&k, "AuthMethod"), "None");
        assert_null(iscsi_keys_get(&k, "HeaderDigest")); /* operational keys wait for their stage */
        assert_int_equal(k.n, 5);

        ic.session_type = ISCSI_SESSION_DISCOVERY;
        ic.initiator_alias = NULL;
        assert_int_equal(iscsi_login_initiator_new(&ic, &d), 0);
        assert_int_equal(iscsi_login_initiator_next(d, &req), 0);
        assert_int_equal(iscsi_keys_parse(req.data, req.data_len, &kd), 0);
        assert_null(iscsi_keys_get(&kd, "TargetName"));
        assert_string_equal(iscsi_keys_get(&kd, "SessionType"), "Discovery");

        ic = icfg();
        ic.auth = ISCSI_AUTH_CHAP;
        ic.chap = (struct iscsi_chap_credentials) { "u", "abcdefabcdef", "m", "mutualsecret" };
        assert_int_equal(iscsi_login_initiator_new(&ic, &c), 0);
        assert_int_equal(iscsi_login_initiator_next(c, &req), 0);
        assert_false(req.bhs.final); /* CHAP needs more round trips */
        assert_int_equal(iscsi_keys_parse(req.data, req.data_len, &kc), 0);
        assert_string_equal(iscsi_keys_get(&kc, "AuthMethod"), "CHAP"); /* mutual: no None */
}

/* A target that picks an AuthMethod we did not offer. */
static void test_initiator_auth_downgrade(void **state) {
        struct iscsi_login_initiator_config ic = icfg();
        _cleanup_(iscsi_login_freep) struct iscsi_login *i = NULL;
        struct iscsi_login_pdu req;
        struct iscsi_login_result r;
        struct iscsi_bhs b = {
                .opcode = ISCSI_OP_LOGIN_RSP, .itt = 0x11, .isid = { 0x00, 0x02, 0x3d, 0, 0, 1 },
                .dlength = sizeof("AuthMethod=None") - 1,
        };

        ic.auth = ISCSI_AUTH_CHAP;
        ic.chap = (struct iscsi_chap_credentials) { "u", "abcdefabcdef", "m", "mutualsecret" };
        assert_int_equal(iscsi_login_initiator_new(&ic, &i), 0);
        assert_int_equal(iscsi_login_initiator_next(i, &req), 0);
        assert_int_equal(iscsi_login_initiator_receive(i, &b, T("AuthMethod=None")), ISCSI_LOGIN_FAILED);
        iscsi_login_get_result(i, &r);
        assert_int_equal(r.failure, ISCSI_LOGIN_FAIL_AUTH);
        assert_int_equal(iscsi_login_exit_code(&r), 19);
}

static void test_discovery(void **state) {
        struct iscsi_login_initiator_config ic = icfg();
        struct policy p = { .require_chap = true, .chap = { .username = "x", .secret = "normal-only!" } };
        struct outcome o;
        _cleanup_(iscsi_login_freep) struct iscsi_login *i = NULL, *t = NULL;
        struct iscsi_login_target_config tc = tcfg(&p);

        ic.session_type = ISCSI_SESSION_DISCOVERY;
        ic.target_name = NULL;
        assert_int_equal(iscsi_login_initiator_new(&ic, &i), 0);
        assert_int_equal(iscsi_login_target_new(&tc, &t), 0);
        converse(i, t, &o);
        assert_success(&o);
        assert_int_equal(o.tr.params.session_type, ISCSI_SESSION_DISCOVERY);
        assert_string_equal(o.tr.params.target_name, "");
        /* session-data keys were neither offered nor answered */
        assert_null(iscsi_neg_get_result(iscsi_login_get_negotiator(t), ISCSI_KEY_MAX_BURST_LENGTH));
        assert_null(iscsi_neg_get_result(iscsi_login_get_negotiator(i), ISCSI_KEY_INITIAL_R2T));

        /* discovery CHAP */
        p = (struct policy) { .disc_require_chap = true, .disc_chap = { "disc", "discsecret12", "tgt", "tgtsecret123" } };
        ic.auth = ISCSI_AUTH_CHAP;
        ic.chap = p.disc_chap;
        run(&ic, &p, &o);
        assert_success(&o);
        ic.chap.secret = "wrong-secret";
        run(&ic, &p, &o);
        assert_int_equal(o.ir.status, ISCSI_LOGIN_STATUS_AUTH_FAILED);
}

static void test_operational_values(void **state) {
        _cleanup_keys_ struct iscsi_keys iop = {}, top = {}, portal = {};
        struct iscsi_login_initiator_config ic = icfg();
        struct policy p = { .target_oper = &top };
        _cleanup_(iscsi_login_freep) struct iscsi_login *i = NULL, *t = NULL;
        struct iscsi_login_target_config tc = tcfg(&p);
        struct outcome o;

        assert_int_equal(iscsi_keys_add(&iop, "HeaderDigest", "CRC32C,None"), 0);
        assert_int_equal(iscsi_keys_add(&iop, "DataDigest", "CRC32C,None"), 0);
        assert_int_equal(iscsi_keys_add(&iop, "MaxRecvDataSegmentLength", "262144"), 0);
        assert_int_equal(iscsi_keys_add(&iop, "MaxBurstLength", "16776192"), 0);
        assert_int_equal(iscsi_keys_add(&iop, "FirstBurstLength", "262144"), 0);
        assert_int_equal(iscsi_keys_add(&iop, "ImmediateData", "No"), 0);
        assert_int_equal(iscsi_keys_add(&iop, "InitialR2T", "No"), 0);
        assert_int_equal(iscsi_keys_add(&top, "MaxBurstLength", "1048576"), 0);
        assert_int_equal(iscsi_keys_add(&top, "MaxRecvDataSegmentLength", "65536"), 0);
        assert_int_equal(iscsi_keys_add(&portal, "DataDigest", "None"), 0);
        assert_int_equal(iscsi_keys_add(&portal, "InitialR2T", "No"), 0);
        ic.operational = &iop;
        tc.operational = &portal;
        assert_int_equal(iscsi_login_initiator_new(&ic, &i), 0);
        assert_int_equal(iscsi_login_target_new(&tc, &t), 0);
        converse(i, t, &o);
        assert_success(&o);
        assert_true(o.ir.params.header_digest);
        assert_false(o.ir.params.data_digest);
        assert_int_equal(o.ir.params.initiator_max_recv_dsl, 262144);
        assert_int_equal(o.ir.params.target_max_recv_dsl, 65536);
        assert_int_equal(iscsi_params_max_xmit_dsl(&o.ir.params, ISCSI_ROLE_INITIATOR), 65536);
        assert_int_equal(o.ir.params.max_burst_length, 1048576);
        assert_int_equal(o.ir.params.first_burst_length, 65536);
        assert_false(o.ir.params.immediate_data);
        assert_false(o.ir.params.initial_r2t);
}

static void test_bad_config(void **state) {
        _cleanup_keys_ struct iscsi_keys bad = {};
        struct iscsi_login_initiator_config ic = icfg();
        struct policy p = {};
        struct iscsi_login_target_config tc = tcfg(&p);
        struct iscsi_login *l = NULL;

        assert_int_equal(iscsi_keys_add(&bad, "MaxBurstLength", "12"), 0);
        ic.operational = &bad;
        assert_int_equal(iscsi_login_initiator_new(&ic, &l), -EINVAL);
        tc.operational = &bad;
        assert_int_equal(iscsi_login_target_new(&tc, &l), -EINVAL);
        ic = icfg();
        ic.auth = ISCSI_AUTH_CHAP; /* without credentials */
        assert_int_equal(iscsi_login_initiator_new(&ic, &l), -EINVAL);
        ic = icfg();
        ic.target_name = NULL;
        assert_int_equal(iscsi_login_initiator_new(&ic, &l), -EINVAL);
        tc = tcfg(&p);
        tc.cmdsn_window = 0;
        assert_int_equal(iscsi_login_target_new(&tc, &l), -EINVAL);
        assert_null(l);
}

/* ---- hand-made requests to the target ---- */

static struct iscsi_login *new_target(struct policy *p) {
        struct iscsi_login *t = NULL;
        struct iscsi_login_target_config tc = tcfg(p);
        assert_int_equal(iscsi_login_target_new(&tc, &t), 0);
        return t;
}

#define FIRST "InitiatorName=" INIT_IQN "\0TargetName=" TARGET_IQN "\0SessionType=Normal\0"

static void expect_reject(const void *text, size_t len, uint8_t csg, bool transit, uint16_t status,
                          enum iscsi_login_failure f) {
        struct policy p = {};
        _cleanup_(iscsi_login_freep) struct iscsi_login *t = new_target(&p);
        struct iscsi_login_pdu rsp;
        struct iscsi_login_result r;
        struct wire w;

        request(&w, csg, 1 + (csg == 1) * 2, transit, false, 0, text, len);
        assert_int_equal(iscsi_login_target_receive(t, &w.v.bhs, w.v.data, w.v.data_len, &rsp), ISCSI_LOGIN_FAILED);
        assert_int_equal(rsp.bhs.opcode, ISCSI_OP_LOGIN_RSP);
        assert_int_equal(rsp.bhs.status_class << 8 | rsp.bhs.status_detail, status);
        assert_false(rsp.bhs.final);
        assert_int_equal(rsp.bhs.itt, 7);
        iscsi_login_get_result(t, &r);
        assert_int_equal(r.failure, f);
        assert_int_equal(r.status, status);
        assert_int_equal(iscsi_login_target_receive(t, &w.v.bhs, w.v.data, w.v.data_len, &rsp), -EALREADY);
}

static void test_target_malformed(void **state) {
        expect_reject(T("InitiatorName\0"), 0, true, ISCSI_LOGIN_STATUS_INIT_ERR, ISCSI_LOGIN_FAIL_PROTOCOL);
        expect_reject(T(FIRST "InitiatorName=x\0"), 0, true, ISCSI_LOGIN_STATUS_INIT_ERR, ISCSI_LOGIN_FAIL_PROTOCOL);
        expect_reject(T("TargetName=" TARGET_IQN "\0"), 0, true, ISCSI_LOGIN_STATUS_MISSING_FIELDS, ISCSI_LOGIN_FAIL_PROTOCOL);
        expect_reject(T("InitiatorName=" INIT_IQN "\0"), 0, true, ISCSI_LOGIN_STATUS_MISSING_FIELDS, ISCSI_LOGIN_FAIL_PROTOCOL);
        expect_reject(T("InitiatorName=" INIT_IQN "\0SessionType=Special\0"), 0, true, ISCSI_LOGIN_STATUS_NO_SESSION_TYPE,
                      ISCSI_LOGIN_FAIL_PROTOCOL);
        /* operational key in the security stage */
        expect_reject(T(FIRST "HeaderDigest=None\0"), 0, true, ISCSI_LOGIN_STATUS_INIT_ERR, ISCSI_LOGIN_FAIL_NEGOTIATION);
        /* CHAP keys without AuthMethod=CHAP */
        expect_reject(T(FIRST "CHAP_A=5\0"), 0, false, ISCSI_LOGIN_STATUS_INIT_ERR, ISCSI_LOGIN_FAIL_PROTOCOL);
        /* oversize value */
        {
                char buf[600];
                size_t n = (size_t) snprintf(buf, sizeof(buf), "InitiatorName=" INIT_IQN "%0300d", 0) + 1;
                expect_reject(buf, n, 0, true, ISCSI_LOGIN_STATUS_INIT_ERR, ISCSI_LOGIN_FAIL_PROTOCOL);
        }
}

static void test_target_bad_headers(void **state) {
        struct policy p = {};
        struct iscsi_login_pdu rsp;
        struct wire w;

        {       /* not a Login Request */
                _cleanup_(iscsi_login_freep) struct iscsi_login *t = new_target(&p);
                struct iscsi_bhs nop = { .opcode = ISCSI_OP_NOP_OUT, .final = true, .itt = 9 };
                assert_int_equal(iscsi_login_target_receive(t, &nop, NULL, 0, &rsp), ISCSI_LOGIN_FAILED);
                assert_int_equal(rsp.bhs.status_class << 8 | rsp.bhs.status_detail, ISCSI_LOGIN_STATUS_INVALID_REQUEST);
                assert_int_equal(rsp.bhs.itt, 9);
        }
        {       /* unsupported version */
                _cleanup_(iscsi_login_freep) struct iscsi_login *t = new_target(&p);
                request(&w, 0, 1, true, false, 0, T(FIRST));
                w.v.bhs.version_min = 1;
                w.v.bhs.version_max = 1;
                assert_int_equal(iscsi_login_target_receive(t, &w.v.bhs, w.v.data, w.v.data_len, &rsp), ISCSI_LOGIN_FAILED);
                assert_int_equal(rsp.bhs.status_class << 8 | rsp.bhs.status_detail, ISCSI_LOGIN_STATUS_NO_VERSION);
        }
        {       /* ISID changes in the middle of a login */
                _cleanup_(iscsi_login_freep) struct iscsi_login *t = new_target(&p);
                request(&w, 0, 1, false, false, 0, T(FIRST "AuthMethod=None\0"));
                assert_int_equal(iscsi_login_target_receive(t, &w.v.bhs, w.v.data, w.v.data_len, &rsp), ISCSI_LOGIN_CONTINUE);
                request(&w, 0, 1, true, false, 0, NULL, 0);
                w.v.bhs.isid[5] = 2;
                assert_int_equal(iscsi_login_target_receive(t, &w.v.bhs, w.v.data, w.v.data_len, &rsp), ISCSI_LOGIN_FAILED);
        }
        {       /* request in the wrong stage */
                _cleanup_(iscsi_login_freep) struct iscsi_login *t = new_target(&p);
                request(&w, 0, 1, false, false, 0, T(FIRST "AuthMethod=None\0"));
                assert_int_equal(iscsi_login_target_receive(t, &w.v.bhs, w.v.data, w.v.data_len, &rsp), ISCSI_LOGIN_CONTINUE);
                request(&w, 1, 3, true, false, 0, NULL, 0);
                assert_int_equal(iscsi_login_target_receive(t, &w.v.bhs, w.v.data, w.v.data_len, &rsp), ISCSI_LOGIN_FAILED);
        }
}

static void test_target_skip_security(void **state) {
        struct iscsi_login_pdu rsp;
        struct wire w;

        {       /* allowed without auth: straight to full feature from the operational stage */
                struct policy p = {};
                _cleanup_(iscsi_login_freep) struct iscsi_login *t = new_target(&p);
                request(&w, 1, 3, true, false, 0, T(FIRST "MaxRecvDataSegmentLength=65536\0"));
                assert_int_equal(iscsi_login_target_receive(t, &w.v.bhs, w.v.data, w.v.data_len, &rsp), ISCSI_LOGIN_DONE);
                assert_true(rsp.bhs.final);
                assert_int_equal(rsp.bhs.nsg, 3);
                assert_int_equal(rsp.bhs.tsih, 0x1234);
        }
        {       /* refused when CHAP is required */
                struct policy p = { .require_chap = true, .chap = { .username = "a", .secret = "abcdefabcdef" } };
                _cleanup_(iscsi_login_freep) struct iscsi_login *t = new_target(&p);
                request(&w, 1, 3, true, false, 0, T(FIRST));
                assert_int_equal(iscsi_login_target_receive(t, &w.v.bhs, w.v.data, w.v.data_len, &rsp), ISCSI_LOGIN_FAILED);
                assert_int_equal(rsp.bhs.status_class << 8 | rsp.bhs.status_detail, ISCSI_LOGIN_STATUS_AUTH_FAILED);
        }
        {       /* T in the security stage without ever negotiating AuthMethod, CHAP required */
                struct policy p = { .require_chap = true, .chap = { .username = "a", .secret = "abcdefabcdef" } };
                _cleanup_(iscsi_login_freep) struct iscsi_login *t = new_target(&p);
                request(&w, 0, 1, true, false, 0, T(FIRST));
                assert_int_equal(iscsi_login_target_receive(t, &w.v.bhs, w.v.data, w.v.data_len, &rsp), ISCSI_LOGIN_FAILED);
                assert_int_equal(rsp.bhs.status_class << 8 | rsp.bhs.status_detail, ISCSI_LOGIN_STATUS_AUTH_FAILED);
        }
}

/* An initiator that sends the target's own challenge back: refused as reflection. */
static void test_target_reflected_challenge(void **state) {
        struct policy p = {
                .require_chap = true,
                .chap = { "host1", "host1secret!", "disk1", "disk1secret!" },
        };
        _cleanup_(iscsi_login_freep) struct iscsi_login *t = new_target(&p);
        _cleanup_keys_ struct iscsi_keys ch = {}, resp = {};
        _cleanup_free_ uint8_t *c = NULL, *text = NULL;
        _cleanup_free_ char *hex = NULL;
        struct iscsi_login_pdu rsp;
        struct iscsi_login_result r;
        uint8_t digest[16];
        uint64_t id;
        size_t n, tlen;
        struct wire w;

        request(&w, 0, 1, false, false, 0, T(FIRST "AuthMethod=CHAP\0"));
        assert_int_equal(iscsi_login_target_receive(t, &w.v.bhs, w.v.data, w.v.data_len, &rsp), ISCSI_LOGIN_CONTINUE);
        request(&w, 0, 1, false, false, 0, T("CHAP_A=5\0"));
        assert_int_equal(iscsi_login_target_receive(t, &w.v.bhs, w.v.data, w.v.data_len, &rsp), ISCSI_LOGIN_CONTINUE);
        assert_int_equal(iscsi_keys_parse(rsp.data, rsp.data_len, &ch), 0);
        assert_int_equal(iscsi_value_parse_number(iscsi_keys_get(&ch, "CHAP_I"), 255, &id), 0);
        assert_int_equal(iscsi_binary_decode(iscsi_keys_get(&ch, "CHAP_C"), 1024, &c, &n), 0);
        assert_int_equal(iscsi_chap_compute(ISCSI_CHAP_MD5, (uint8_t) id, "host1secret!", 12, c, n, digest), 0);
        assert_int_equal(iscsi_binary_encode_hex(digest, 16, &hex), 0);
        assert_int_equal(iscsi_keys_add(&resp, "CHAP_N", "host1"), 0);
        assert_int_equal(iscsi_keys_add(&resp, "CHAP_R", hex), 0);
        assert_int_equal(iscsi_keys_add(&resp, "CHAP_I", "1"), 0);
        assert_int_equal(iscsi_keys_add(&resp, "CHAP_C", iscsi_keys_get(&ch, "CHAP_C")), 0);
        assert_int_equal(iscsi_keys_build(&resp, &text, &tlen), 0);
        request(&w, 0, 1, true, false, 0, text, tlen);
        assert_int_equal(iscsi_login_target_receive(t, &w.v.bhs, w.v.data, w.v.data_len, &rsp), ISCSI_LOGIN_FAILED);
        assert_int_equal(rsp.bhs.status_class << 8 | rsp.bhs.status_detail, ISCSI_LOGIN_STATUS_AUTH_FAILED);
        assert_int_equal(rsp.data_len, 0); /* no CHAP_R computed for the attacker */
        iscsi_login_get_result(t, &r);
        assert_non_null(strstr(r.reason, "reflected"));
}

/* A first request split over two PDUs with the C bit; then a key flood. */
static void test_target_continuation(void **state) {
        struct policy p = {};
        _cleanup_(iscsi_login_freep) struct iscsi_login *t = new_target(&p);
        static const char text[] = FIRST "AuthMethod=None\0";
        struct iscsi_login_pdu rsp;
        struct wire w;

        request(&w, 0, 1, false, true, 0, text, 20);
        assert_int_equal(iscsi_login_target_receive(t, &w.v.bhs, w.v.data, w.v.data_len, &rsp), ISCSI_LOGIN_CONTINUE);
        assert_int_equal(rsp.data_len, 0);
        assert_false(rsp.bhs.final);
        request(&w, 0, 1, true, false, 0, text + 20, sizeof(text) - 1 - 20);
        assert_int_equal(iscsi_login_target_receive(t, &w.v.bhs, w.v.data, w.v.data_len, &rsp), ISCSI_LOGIN_CONTINUE);
        assert_true(rsp.bhs.final);
        assert_int_equal(rsp.bhs.nsg, 1);

        {
                _cleanup_(iscsi_login_freep) struct iscsi_login *t2 = new_target(&p);
                static char chunk[8192];
                int r = ISCSI_LOGIN_CONTINUE;
                unsigned k;

                memset(chunk, 'A', sizeof(chunk));
                for (k = 0; k < 20 && r == ISCSI_LOGIN_CONTINUE; k++) {
                        request(&w, 0, 1, false, true, 0, chunk, sizeof(chunk));
                        r = iscsi_login_target_receive(t2, &w.v.bhs, w.v.data, w.v.data_len, &rsp);
                }
                assert_int_equal(r, ISCSI_LOGIN_FAILED);
                assert_int_equal(k, ISCSI_TEXT_MAX / sizeof(chunk) + 1);
                assert_int_equal(rsp.bhs.status_class, ISCSI_STATUS_CLASS_INITIATOR_ERR);
        }
}

/* A response longer than 8192 bytes (600 NotUnderstood answers) goes out in two PDUs. */
static void test_target_long_response(void **state) {
        struct policy p = {};
        _cleanup_(iscsi_login_freep) struct iscsi_login *t = new_target(&p);
        _cleanup_keys_ struct iscsi_keys req = {}, back = {};
        _cleanup_free_ uint8_t *text = NULL;
        struct iscsi_text_accum acc = {};
        struct iscsi_login_pdu rsp;
        struct wire w;
        size_t len;
        char name[16];

        assert_int_equal(iscsi_keys_add(&req, "InitiatorName", INIT_IQN), 0);
        assert_int_equal(iscsi_keys_add(&req, "TargetName", TARGET_IQN), 0);
        assert_int_equal(iscsi_keys_add(&req, "AuthMethod", "None"), 0);
        for (int k = 0; k < 600; k++) {
                snprintf(name, sizeof(name), "X-k%04d", k);
                assert_int_equal(iscsi_keys_add(&req, name, "v"), 0);
        }
        assert_int_equal(iscsi_keys_build(&req, &text, &len), 0);
        assert_true(len <= ISCSI_LOGIN_MAX_SEGMENT);
        request(&w, 0, 1, true, false, 0, text, len);
        assert_int_equal(iscsi_login_target_receive(t, &w.v.bhs, w.v.data, w.v.data_len, &rsp), ISCSI_LOGIN_CONTINUE);
        assert_int_equal(rsp.data_len, ISCSI_LOGIN_MAX_SEGMENT);
        assert_true(rsp.bhs.flags & ISCSI_FLAG_CONTINUE);
        assert_false(rsp.bhs.final);
        assert_int_equal(iscsi_text_accum_feed(&acc, rsp.data, rsp.data_len, true), 0);
        /* an empty request (repeating T) fetches the rest */
        request(&w, 0, 1, true, false, 0, NULL, 0);
        assert_int_equal(iscsi_login_target_receive(t, &w.v.bhs, w.v.data, w.v.data_len, &rsp), ISCSI_LOGIN_CONTINUE);
        assert_false(rsp.bhs.flags & ISCSI_FLAG_CONTINUE);
        assert_true(rsp.bhs.final);
        assert_int_equal(rsp.bhs.nsg, 1);
        assert_int_equal(iscsi_text_accum_feed(&acc, rsp.data, rsp.data_len, false), 1);
        assert_int_equal(iscsi_keys_parse(acc.data, acc.len, &back), 0);
        assert_string_equal(iscsi_keys_get(&back, "X-k0000"), "NotUnderstood");
        assert_string_equal(iscsi_keys_get(&back, "X-k0599"), "NotUnderstood");
        assert_string_equal(iscsi_keys_get(&back, "AuthMethod"), "None");
        iscsi_text_accum_clear(&acc);
}

/* The initiator handles a target response split with the C bit. */
static void test_initiator_continued_response(void **state) {
        struct iscsi_login_initiator_config ic = icfg();
        struct policy p = {};
        _cleanup_(iscsi_login_freep) struct iscsi_login *i = NULL, *t = NULL;
        struct iscsi_login_target_config tc = tcfg(&p);
        struct iscsi_login_pdu req, rsp, part;
        struct outcome o;
        struct wire w;

        assert_int_equal(iscsi_login_initiator_new(&ic, &i), 0);
        assert_int_equal(iscsi_login_target_new(&tc, &t), 0);
        assert_int_equal(iscsi_login_initiator_next(i, &req), 0);
        transmit(&req, &w);
        assert_int_equal(iscsi_login_target_receive(t, &w.v.bhs, w.v.data, w.v.data_len, &rsp), ISCSI_LOGIN_CONTINUE);
        assert_true(rsp.data_len > 10);

        /* first part: C set, no T */
        part = rsp;
        part.data_len = 10;
        part.bhs.dlength = 10;
        part.bhs.final = false;
        part.bhs.nsg = 0;
        part.bhs.flags = iscsi_login_flags(false, true, rsp.bhs.csg, 0);
        transmit(&part, &w);
        assert_int_equal(iscsi_login_initiator_receive(i, &w.v.bhs, w.v.data, w.v.data_len), ISCSI_LOGIN_CONTINUE);
        assert_int_equal(iscsi_login_initiator_next(i, &req), 0);
        assert_int_equal(req.data_len, 0); /* "send me the rest" */
        assert_true(req.bhs.final);        /* repeats the T of the request being answered */
        assert_int_equal(req.bhs.nsg, 1);
        /* second part: the rest with the original flags */
        part = rsp;
        part.data = rsp.data + 10;
        part.data_len = rsp.data_len - 10;
        part.bhs.dlength = (uint32_t) part.data_len;
        transmit(&part, &w);
        assert_int_equal(iscsi_login_initiator_receive(i, &w.v.bhs, w.v.data, w.v.data_len), ISCSI_LOGIN_CONTINUE);
        converse(i, t, &o);
        assert_success(&o);
}

static void test_initiator_bad_responses(void **state) {
        struct iscsi_login_initiator_config ic = icfg();
        struct iscsi_login_pdu req;
        struct iscsi_login_result r;

        {       /* wrong ITT */
                _cleanup_(iscsi_login_freep) struct iscsi_login *i = NULL;
                struct iscsi_bhs b = { .opcode = ISCSI_OP_LOGIN_RSP, .itt = 0x99, .isid = { 0x00, 0x02, 0x3d, 0, 0, 1 } };

                assert_int_equal(iscsi_login_initiator_new(&ic, &i), 0);
                assert_int_equal(iscsi_login_initiator_receive(i, &b, NULL, 0), -EBUSY); /* nothing sent yet */
                assert_int_equal(iscsi_login_initiator_next(i, &req), 0);
                assert_int_equal(iscsi_login_initiator_next(i, &req), -EBUSY);
                assert_int_equal(iscsi_login_initiator_receive(i, &b, NULL, 0), ISCSI_LOGIN_FAILED);
                iscsi_login_get_result(i, &r);
                assert_int_equal(r.failure, ISCSI_LOGIN_FAIL_PROTOCOL);
                assert_int_equal(iscsi_login_exit_code(&r), 5);
                assert_int_equal(iscsi_login_initiator_next(i, &req), -EALREADY);
        }
        {       /* T set by the target although we did not ask (CHAP offered: first request has T=0) */
                _cleanup_(iscsi_login_freep) struct iscsi_login *i = NULL;
                struct iscsi_bhs b = {
                        .opcode = ISCSI_OP_LOGIN_RSP, .itt = 0x11, .isid = { 0x00, 0x02, 0x3d, 0, 0, 1 },
                        .final = true, .csg = 0, .nsg = 1, .flags = iscsi_login_flags(true, false, 0, 1),
                        .dlength = sizeof("AuthMethod=CHAP") - 1,
                };

                ic.auth = ISCSI_AUTH_CHAP;
                ic.chap = (struct iscsi_chap_credentials) { .username = "a", .secret = "abcdefabcdef" };
                assert_int_equal(iscsi_login_initiator_new(&ic, &i), 0);
                assert_int_equal(iscsi_login_initiator_next(i, &req), 0);
                assert_false(req.bhs.final);
                assert_int_equal(iscsi_login_initiator_receive(i, &b, T("AuthMethod=CHAP\0")), ISCSI_LOGIN_FAILED);
                iscsi_login_get_result(i, &r);
                assert_int_equal(r.failure, ISCSI_LOGIN_FAIL_PROTOCOL);
        }
        {       /* a rejection with a zero ISID (tgt does this) still reports the status */
                _cleanup_(iscsi_login_freep) struct iscsi_login *i = NULL;
                struct iscsi_bhs b = {
                        .opcode = ISCSI_OP_LOGIN_RSP, .itt = 0x11,
                        .status_class = 2, .status_detail = 3,
                };

                ic = icfg();
                assert_int_equal(iscsi_login_initiator_new(&ic, &i), 0);
                assert_int_equal(iscsi_login_initiator_next(i, &req), 0);
                assert_int_equal(iscsi_login_initiator_receive(i, &b, NULL, 0), ISCSI_LOGIN_FAILED);
                iscsi_login_get_result(i, &r);
                assert_int_equal(r.failure, ISCSI_LOGIN_FAIL_STATUS);
                assert_int_equal(r.status, ISCSI_LOGIN_STATUS_TGT_NOT_FOUND);
                assert_int_equal(iscsi_login_exit_code(&r), 19);
        }
        {       /* a successful response for another ISID is refused */
                _cleanup_(iscsi_login_freep) struct iscsi_login *i = NULL;
                struct iscsi_bhs b = { .opcode = ISCSI_OP_LOGIN_RSP, .itt = 0x11, .isid = { 1 } };

                ic = icfg();
                assert_int_equal(iscsi_login_initiator_new(&ic, &i), 0);
                assert_int_equal(iscsi_login_initiator_next(i, &req), 0);
                assert_int_equal(iscsi_login_initiator_receive(i, &b, NULL, 0), ISCSI_LOGIN_FAILED);
                iscsi_login_get_result(i, &r);
                assert_int_equal(r.failure, ISCSI_LOGIN_FAIL_PROTOCOL);
        }
        {       /* malformed text from the target */
                _cleanup_(iscsi_login_freep) struct iscsi_login *i = NULL;
                struct iscsi_bhs b = { .opcode = ISCSI_OP_LOGIN_RSP, .itt = 0x11, .isid = { 0x00, 0x02, 0x3d, 0, 0, 1 } };

                ic = icfg();
                assert_int_equal(iscsi_login_initiator_new(&ic, &i), 0);
                assert_int_equal(iscsi_login_initiator_next(i, &req), 0);
                b.dlength = 9;
                assert_int_equal(iscsi_login_initiator_receive(i, &b, "AuthMetho", 9), ISCSI_LOGIN_FAILED);
                iscsi_login_get_result(i, &r);
                assert_int_equal(r.failure, ISCSI_LOGIN_FAIL_PROTOCOL);
        }
        {       /* target negotiates against the rules: answers MaxBurstLength above our offer */
                _cleanup_(iscsi_login_freep) struct iscsi_login *i = NULL;
                struct iscsi_bhs b = {
                        .opcode = ISCSI_OP_LOGIN_RSP, .itt = 0x11, .isid = { 0x00, 0x02, 0x3d, 0, 0, 1 },
                        .final = true, .csg = 0, .nsg = 1,
                };
                static const char op[] = "MaxBurstLength=16777215\0";

                ic = icfg();
                assert_int_equal(iscsi_login_initiator_new(&ic, &i), 0);
                assert_int_equal(iscsi_login_initiator_next(i, &req), 0);
                assert_true(req.bhs.final);
                b.dlength = sizeof("AuthMethod=None");
                assert_int_equal(iscsi_login_initiator_receive(i, &b, "AuthMethod=None", b.dlength), ISCSI_LOGIN_CONTINUE);
                assert_int_equal(iscsi_login_initiator_next(i, &req), 0);
                assert_int_equal(req.bhs.csg, 1);
                assert_int_equal(req.bhs.nsg, 3);
                b.final = false;
                b.csg = 1;
                b.nsg = 0;
                b.dlength = sizeof(op) - 1;
                assert_int_equal(iscsi_login_initiator_receive(i, &b, op, b.dlength), ISCSI_LOGIN_FAILED);
                iscsi_login_get_result(i, &r);
                assert_int_equal(r.failure, ISCSI_LOGIN_FAIL_NEGOTIATION);
                assert_non_null(strstr(r.reason, "MaxBurstLength"));
        }
}

static void test_non_leading(void **state) {
        struct iscsi_login_initiator_config ic = icfg();
        struct policy p = { .existing_tsih = 0x4321 };
        struct outcome o;

        ic.tsih = 0x4321;
        ic.cid = 2;
        {
                _cleanup_(iscsi_login_freep) struct iscsi_login *i = NULL, *t = NULL;
                struct iscsi_login_target_config tc = tcfg(&p);

                assert_int_equal(iscsi_login_initiator_new(&ic, &i), 0);
                assert_int_equal(iscsi_login_target_new(&tc, &t), 0);
                converse(i, t, &o);
                assert_success(&o);
                assert_int_equal(o.ir.tsih, 0x4321);
                /* leading-only keys are not offered on a second connection; per-connection ones are */
                assert_null(iscsi_neg_get_result(iscsi_login_get_negotiator(t), ISCSI_KEY_MAX_BURST_LENGTH));
                assert_null(iscsi_neg_get_result(iscsi_login_get_negotiator(t), ISCSI_KEY_SESSION_TYPE));
                assert_non_null(iscsi_neg_get_result(iscsi_login_get_negotiator(t), ISCSI_KEY_HEADER_DIGEST));
        }

        ic.tsih = 0x7777;
        run(&ic, &p, &o);
        assert_int_equal(o.ri, ISCSI_LOGIN_FAILED);
        assert_int_equal(o.ir.status, ISCSI_LOGIN_STATUS_NO_SESSION);
        assert_int_equal(iscsi_login_exit_code(&o.ir), 19);
}

static void test_exit_codes_and_strings(void **state) {
        struct iscsi_login_result r = { .failure = ISCSI_LOGIN_FAIL_STATUS };

        r.status = ISCSI_LOGIN_STATUS_AUTH_FAILED;
        assert_int_equal(iscsi_login_exit_code(&r), 24);
        r.status = ISCSI_LOGIN_STATUS_TGT_FORBIDDEN;
        assert_int_equal(iscsi_login_exit_code(&r), 24);
        r.status = ISCSI_LOGIN_STATUS_MISSING_FIELDS;
        assert_int_equal(iscsi_login_exit_code(&r), 19);
        r.status = ISCSI_LOGIN_STATUS_SVC_UNAVAILABLE;
        assert_int_equal(iscsi_login_exit_code(&r), 5);
        r.failure = ISCSI_LOGIN_FAIL_AUTH;
        assert_int_equal(iscsi_login_exit_code(&r), 19);
        r.failure = ISCSI_LOGIN_FAIL_INTERNAL;
        assert_int_equal(iscsi_login_exit_code(&r), 9);
        assert_string_equal(iscsi_login_status_to_string(0x0201), "Authentication failure");
        assert_string_equal(iscsi_login_status_to_string(0x0203), "Not found");
        assert_string_equal(iscsi_login_status_to_string(0x02ee), "Initiator error");
        assert_string_equal(iscsi_login_failure_to_string(ISCSI_LOGIN_FAIL_NEGOTIATION), "negotiation failure");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_no_auth),
                cmocka_unit_test(test_one_way_chap),
                cmocka_unit_test(test_mutual_chap_each_alg),
                cmocka_unit_test(test_chap_offered_not_required),
                cmocka_unit_test(test_wrong_secret),
                cmocka_unit_test(test_target_fails_mutual),
                cmocka_unit_test(test_mutual_required_target_has_none),
                cmocka_unit_test(test_chap_required_initiator_offers_none),
                cmocka_unit_test(test_not_found),
                cmocka_unit_test(test_acl_denied),
                cmocka_unit_test(test_redirect),
                cmocka_unit_test(test_redirect_permanent),
                cmocka_unit_test(test_first_request_content),
                cmocka_unit_test(test_initiator_auth_downgrade),
                cmocka_unit_test(test_discovery),
                cmocka_unit_test(test_operational_values),
                cmocka_unit_test(test_bad_config),
                cmocka_unit_test(test_target_malformed),
                cmocka_unit_test(test_target_bad_headers),
                cmocka_unit_test(test_target_skip_security),
                cmocka_unit_test(test_target_reflected_challenge),
                cmocka_unit_test(test_target_continuation),
                cmocka_unit_test(test_target_long_response),
                cmocka_unit_test(test_initiator_continued_response),
                cmocka_unit_test(test_initiator_bad_responses),
                cmocka_unit_test(test_non_leading),
                cmocka_unit_test(test_exit_codes_and_strings),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
