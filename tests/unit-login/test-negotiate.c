/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Negotiation rules, key by key: result functions, ranges, defaults, special answers, errors. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "iscsi-util/macro.h"
#include "iscsi-proto/negotiate.h"

#define OP ISCSI_STAGE_OPERATIONAL
#define SEC ISCSI_STAGE_SECURITY

/* Target answers one offer "key=value"; returns the answer (static buffer) or NULL. */
static const char *answer1(struct iscsi_negotiator *t, enum iscsi_login_stage stage, const char *key, const char *value) {
        static char ans[300];
        _cleanup_keys_ struct iscsi_keys in = {}, out = {};
        const char *v;

        assert_int_equal(iscsi_keys_add(&in, key, value), 0);
        assert_true(iscsi_neg_receive(t, stage, &in, &out) >= 0);
        v = iscsi_keys_get(&out, key);
        if (!v)
                return NULL;
        snprintf(ans, sizeof(ans), "%s", v);
        return ans;
}

static struct iscsi_negotiator *target(void) {
        struct iscsi_negotiator *t = NULL;
        assert_int_equal(iscsi_neg_new(ISCSI_ROLE_TARGET, true, &t), 0);
        return t;
}

static struct iscsi_negotiator *initiator(void) {
        struct iscsi_negotiator *i = NULL;
        assert_int_equal(iscsi_neg_new(ISCSI_ROLE_INITIATOR, true, &i), 0);
        return i;
}

static void test_table(void **state) {
        for (int i = 0; i < _ISCSI_KEY_MAX; i++) {
                const struct iscsi_key_def *d = &iscsi_key_table[i];
                uint64_t v;

                assert_non_null(d->name);
                assert_int_equal(iscsi_key_lookup(d->name), i);
                if (d->kind == ISCSI_KEY_KIND_NUMBER && d->def) {
                        assert_int_equal(iscsi_value_parse_number(d->def, d->max, &v), 0);
                        assert_true(v >= d->min);
                }
                if (d->kind == ISCSI_KEY_KIND_LIST)
                        assert_true(iscsi_value_list_contains(d->values, d->def));
        }
        assert_int_equal(iscsi_key_lookup("NoSuchKey"), -ENOENT);
        assert_true(iscsi_key_is_chap("CHAP_R"));
        assert_false(iscsi_key_is_chap("CHAP_X"));
}

static void test_defaults(void **state) {
        _cleanup_(iscsi_neg_freep) struct iscsi_negotiator *t = target();
        struct iscsi_params p;

        iscsi_neg_get_params(t, &p);
        assert_false(p.header_digest);
        assert_false(p.data_digest);
        assert_int_equal(p.max_connections, 1);
        assert_true(p.initial_r2t);
        assert_true(p.immediate_data);
        assert_int_equal(p.initiator_max_recv_dsl, 8192);
        assert_int_equal(p.target_max_recv_dsl, 8192);
        assert_int_equal(p.max_burst_length, 262144);
        assert_int_equal(p.first_burst_length, 65536);
        assert_int_equal(p.default_time2wait, 2);
        assert_int_equal(p.default_time2retain, 20);
        assert_int_equal(p.max_outstanding_r2t, 1);
        assert_true(p.data_pdu_in_order);
        assert_true(p.data_sequence_in_order);
        assert_int_equal(p.error_recovery_level, 0);
        assert_int_equal(p.tpgt, -1);
        assert_string_equal(p.auth_method, "None");
}

static void test_list(void **state) {
        _cleanup_(iscsi_neg_freep) struct iscsi_negotiator *t = target(), *t2 = target(), *t3 = target(), *t4 = target();

        /* target supports both by default: the initiator's order wins */
        assert_string_equal(answer1(t, OP, "HeaderDigest", "CRC32C,None"), "CRC32C");
        assert_string_equal(answer1(t, OP, "DataDigest", "None,CRC32C"), "None");
        /* target restricted to None */
        assert_int_equal(iscsi_neg_set(t2, "HeaderDigest", "None", false), 0);
        assert_string_equal(answer1(t2, OP, "HeaderDigest", "CRC32C,None"), "None");
        /* unknown values in the offer are skipped; nothing acceptable: Reject */
        assert_string_equal(answer1(t2, OP, "DataDigest", "MD5,None"), "None");
        assert_int_equal(iscsi_neg_set(t3, "HeaderDigest", "CRC32C", false), 0);
        assert_string_equal(answer1(t3, OP, "HeaderDigest", "None"), "Reject");
        /* malformed list */
        assert_string_equal(answer1(t4, OP, "HeaderDigest", "CRC32C,,None"), "Reject");
        {
                struct iscsi_params p;
                iscsi_neg_get_params(t, &p);
                assert_true(p.header_digest);
                assert_false(p.data_digest);
                iscsi_neg_get_params(t3, &p);
                assert_false(p.header_digest); /* rejected: default None */
        }
}

static void test_min(void **state) {
        _cleanup_(iscsi_neg_freep) struct iscsi_negotiator *t = target(), *t2 = target();
        struct iscsi_params p;

        assert_int_equal(iscsi_neg_set(t, "MaxBurstLength", "1048576", false), 0);
        assert_string_equal(answer1(t, OP, "MaxBurstLength", "16776192"), "1048576");
        assert_string_equal(answer1(t, OP, "FirstBurstLength", "0x1000"), "4096");
        assert_string_equal(answer1(t, OP, "MaxOutstandingR2T", "8"), "1");
        assert_string_equal(answer1(t, OP, "ErrorRecoveryLevel", "2"), "0");
        assert_string_equal(answer1(t, OP, "DefaultTime2Retain", "0"), "0");
        assert_string_equal(answer1(t, OP, "MaxConnections", "4"), "1");
        iscsi_neg_get_params(t, &p);
        assert_int_equal(p.max_burst_length, 1048576);
        assert_int_equal(p.first_burst_length, 4096);
        assert_int_equal(p.default_time2retain, 0);

        /* range and form */
        assert_string_equal(answer1(t2, OP, "MaxBurstLength", "511"), "Reject");
        assert_string_equal(answer1(t2, OP, "FirstBurstLength", "16777216"), "Reject");
        assert_string_equal(answer1(t2, OP, "MaxOutstandingR2T", "0"), "Reject");
        assert_string_equal(answer1(t2, OP, "ErrorRecoveryLevel", "3"), "Reject");
        assert_string_equal(answer1(t2, OP, "MaxConnections", "many"), "Reject");
        assert_string_equal(answer1(t2, OP, "DefaultTime2Retain", "Yes"), "Reject");
        iscsi_neg_get_params(t2, &p);
        assert_int_equal(p.max_burst_length, 262144); /* defaults stay after Reject */
        assert_int_equal(p.max_outstanding_r2t, 1);
}

static void test_max(void **state) {
        _cleanup_(iscsi_neg_freep) struct iscsi_negotiator *t = target(), *t2 = target();
        struct iscsi_params p;

        assert_string_equal(answer1(t, OP, "DefaultTime2Wait", "5"), "5");
        iscsi_neg_get_params(t, &p);
        assert_int_equal(p.default_time2wait, 5);
        assert_int_equal(iscsi_neg_set(t2, "DefaultTime2Wait", "10", false), 0);
        assert_string_equal(answer1(t2, OP, "DefaultTime2Wait", "1"), "10");
        {
                _cleanup_(iscsi_neg_freep) struct iscsi_negotiator *t3 = target();
                assert_string_equal(answer1(t3, OP, "DefaultTime2Wait", "3601"), "Reject");
        }
}

static void test_or_and(void **state) {
        _cleanup_(iscsi_neg_freep) struct iscsi_negotiator *t = target(), *t2 = target();
        struct iscsi_params p;

        /* OR: target default Yes wins over No */
        assert_string_equal(answer1(t, OP, "InitialR2T", "No"), "Yes");
        /* AND: target default Yes follows the offer */
        assert_string_equal(answer1(t, OP, "ImmediateData", "No"), "No");
        assert_string_equal(answer1(t, OP, "DataPDUInOrder", "Yes"), "Yes");
        assert_string_equal(answer1(t, OP, "DataSequenceInOrder", "maybe"), "Reject");

        assert_int_equal(iscsi_neg_set(t2, "InitialR2T", "No", false), 0);
        assert_int_equal(iscsi_neg_set(t2, "ImmediateData", "No", false), 0);
        assert_string_equal(answer1(t2, OP, "InitialR2T", "No"), "No");
        assert_string_equal(answer1(t2, OP, "ImmediateData", "Yes"), "No");
        assert_string_equal(answer1(t2, OP, "DataPDUInOrder", "No"), "Yes");
        iscsi_neg_get_params(t2, &p);
        assert_false(p.initial_r2t);
        assert_false(p.immediate_data);
        assert_true(p.data_pdu_in_order);
        /* markers: AND with our No */
        assert_string_equal(answer1(t2, OP, "OFMarker", "Yes"), "No");
        assert_string_equal(answer1(t2, OP, "IFMarker", "No"), "No");
        assert_string_equal(answer1(t2, OP, "OFMarkInt", "2048~8192"), "Irrelevant");
        assert_string_equal(answer1(t2, OP, "IFMarkInt", "2048"), "Irrelevant");
        assert_string_equal(answer1(t2, OP, "RDMAExtensions", "Yes"), "No");
        assert_string_equal(answer1(t2, OP, "iSCSIProtocolLevel", "1"), "0");
        assert_string_equal(answer1(t2, OP, "TaskReporting", "FastAbort,RFC3720"), "RFC3720");
}

static void test_declarative(void **state) {
        _cleanup_(iscsi_neg_freep) struct iscsi_negotiator *i = initiator(), *t = target();
        _cleanup_keys_ struct iscsi_keys req = {}, rsp = {}, none = {};
        struct iscsi_params pi, pt;

        assert_int_equal(iscsi_neg_set(i, "MaxRecvDataSegmentLength", "262144", true), 0);
        assert_int_equal(iscsi_neg_set(t, "MaxRecvDataSegmentLength", "65536", true), 0);
        assert_true(iscsi_neg_propose(i, OP, &req) > 0);
        assert_string_equal(iscsi_keys_get(&req, "MaxRecvDataSegmentLength"), "262144");
        assert_true(iscsi_neg_receive(t, OP, &req, &rsp) >= 0);
        /* a declaration is not answered... */
        assert_null(iscsi_keys_get(&rsp, "MaxRecvDataSegmentLength"));
        /* ...but the target declares its own */
        assert_true(iscsi_neg_propose(t, OP, &rsp) > 0);
        assert_string_equal(iscsi_keys_get(&rsp, "MaxRecvDataSegmentLength"), "65536");
        assert_int_equal(iscsi_neg_receive(i, OP, &rsp, &none), 0);
        assert_int_equal(none.n, 0);
        assert_int_equal(iscsi_neg_pending(i), 0);
        iscsi_neg_get_params(i, &pi);
        iscsi_neg_get_params(t, &pt);
        assert_int_equal(pi.initiator_max_recv_dsl, 262144);
        assert_int_equal(pi.target_max_recv_dsl, 65536);
        assert_int_equal(pt.initiator_max_recv_dsl, 262144);
        assert_int_equal(pt.target_max_recv_dsl, 65536);
        assert_int_equal(iscsi_params_max_xmit_dsl(&pi, ISCSI_ROLE_INITIATOR), 65536);
        assert_int_equal(iscsi_params_max_xmit_dsl(&pt, ISCSI_ROLE_TARGET), 262144);
        assert_int_equal(iscsi_params_max_recv_dsl(&pt, ISCSI_ROLE_TARGET), 65536);
        /* out of range declaration is rejected, not recorded */
        {
                _cleanup_(iscsi_neg_freep) struct iscsi_negotiator *t2 = target();
                assert_string_equal(answer1(t2, OP, "MaxRecvDataSegmentLength", "100"), "Reject");
                iscsi_neg_get_params(t2, &pt);
                assert_int_equal(pt.initiator_max_recv_dsl, 8192);
        }
}

static void test_not_understood(void **state) {
        _cleanup_(iscsi_neg_freep) struct iscsi_negotiator *t = target();

        assert_string_equal(answer1(t, OP, "X-com.example.Feature", "1"), "NotUnderstood");
        assert_string_equal(answer1(t, SEC, "X#vendor", "abc"), "NotUnderstood");
        assert_string_equal(answer1(t, OP, "FancyNewKey", "Yes"), "NotUnderstood");
}

static void test_irrelevant(void **state) {
        _cleanup_(iscsi_neg_freep) struct iscsi_negotiator *d = target(), *nl = NULL, *t = target();
        _cleanup_keys_ struct iscsi_keys in = {}, out = {};

        /* discovery session: session-data keys are irrelevant */
        iscsi_neg_set_session_type(d, ISCSI_SESSION_DISCOVERY);
        assert_string_equal(answer1(d, OP, "MaxBurstLength", "65536"), "Irrelevant");
        assert_string_equal(answer1(d, OP, "InitialR2T", "No"), "Irrelevant");
        assert_string_equal(answer1(d, OP, "MaxConnections", "2"), "Irrelevant");
        assert_string_equal(answer1(d, OP, "HeaderDigest", "None"), "None");

        /* leading-only key on a non-leading connection */
        assert_int_equal(iscsi_neg_new(ISCSI_ROLE_TARGET, false, &nl), 0);
        assert_string_equal(answer1(nl, OP, "MaxBurstLength", "65536"), "Irrelevant");
        assert_string_equal(answer1(nl, OP, "MaxRecvDataSegmentLength", "65536") ?: "(none)", "(none)");

        /* FirstBurstLength with InitialR2T=Yes and ImmediateData=No, even listed first */
        assert_int_equal(iscsi_keys_add(&in, "FirstBurstLength", "65536"), 0);
        assert_int_equal(iscsi_keys_add(&in, "InitialR2T", "Yes"), 0);
        assert_int_equal(iscsi_keys_add(&in, "ImmediateData", "No"), 0);
        assert_int_equal(iscsi_neg_receive(t, OP, &in, &out), 3);
        assert_string_equal(iscsi_keys_get(&out, "FirstBurstLength"), "Irrelevant");
        assert_string_equal(iscsi_keys_get(&out, "ImmediateData"), "No");
}

static void test_wrong_stage_and_sender(void **state) {
        _cleanup_(iscsi_neg_freep) struct iscsi_negotiator *t = target(), *i = initiator();
        _cleanup_keys_ struct iscsi_keys in = {}, out = {};

        assert_int_equal(iscsi_keys_add(&in, "HeaderDigest", "None"), 0);
        assert_int_equal(iscsi_neg_receive(t, SEC, &in, &out), -EPROTO);
        assert_non_null(strstr(iscsi_neg_error(t), "HeaderDigest"));
        iscsi_keys_clear(&in);
        assert_int_equal(iscsi_keys_add(&in, "AuthMethod", "None"), 0);
        assert_int_equal(iscsi_neg_receive(t, OP, &in, &out), -EPROTO);
        iscsi_keys_clear(&in);
        assert_int_equal(iscsi_keys_add(&in, "SendTargets", "All"), 0);
        assert_int_equal(iscsi_neg_receive(t, OP, &in, &out), -EPROTO);
        iscsi_keys_clear(&in);
        /* TargetAlias may only come from the target */
        assert_int_equal(iscsi_keys_add(&in, "TargetAlias", "disk"), 0);
        assert_int_equal(iscsi_neg_receive(t, SEC, &in, &out), -EPROTO);
        iscsi_keys_clear(&in);
        /* InitiatorName may only come from the initiator */
        assert_int_equal(iscsi_keys_add(&in, "InitiatorName", "iqn.2026-01.x:y"), 0);
        assert_int_equal(iscsi_neg_receive(i, SEC, &in, &out), -EPROTO);
        /* CHAP keys are skipped, not errors */
        iscsi_keys_clear(&in);
        assert_int_equal(iscsi_keys_add(&in, "CHAP_A", "5"), 0);
        assert_int_equal(iscsi_neg_receive(t, SEC, &in, &out), 0);
        assert_int_equal(out.n, 0);
}

static void test_renegotiation(void **state) {
        _cleanup_(iscsi_neg_freep) struct iscsi_negotiator *t = target();
        _cleanup_keys_ struct iscsi_keys in = {}, out = {};

        assert_string_equal(answer1(t, OP, "MaxBurstLength", "65536"), "65536");
        assert_int_equal(iscsi_keys_add(&in, "MaxBurstLength", "65536"), 0);
        assert_int_equal(iscsi_neg_receive(t, OP, &in, &out), -EPROTO);
        assert_non_null(strstr(iscsi_neg_error(t), "negotiated again"));

        /* a declaration repeated with the same value is fine, a different one is not */
        iscsi_keys_clear(&in);
        assert_int_equal(iscsi_keys_add(&in, "InitiatorName", "iqn.2026-01.x:a"), 0);
        assert_int_equal(iscsi_neg_receive(t, SEC, &in, &out), 0);
        assert_int_equal(iscsi_neg_receive(t, SEC, &in, &out), 0);
        iscsi_keys_clear(&in);
        assert_int_equal(iscsi_keys_add(&in, "InitiatorName", "iqn.2026-01.x:b"), 0);
        assert_int_equal(iscsi_neg_receive(t, SEC, &in, &out), -EPROTO);
}

/* Initiator offers; we feed a hand-made answer and expect -EPROTO or success. */
static int offer_and_answer(const char *key, const char *offer, const char *answer, const char **result) {
        _cleanup_(iscsi_neg_freep) struct iscsi_negotiator *i = initiator();
        _cleanup_keys_ struct iscsi_keys req = {}, rsp = {}, out = {};
        int r;

        assert_int_equal(iscsi_neg_set(i, key, offer, true), 0);
        assert_true(iscsi_neg_propose(i, OP, &req) > 0);
        assert_string_equal(iscsi_keys_get(&req, key), offer);
        assert_int_equal(iscsi_keys_add(&rsp, key, answer), 0);
        r = iscsi_neg_receive(i, OP, &rsp, &out);
        if (r >= 0 && result) {
                static char buf[64];
                snprintf(buf, sizeof(buf), "%s", iscsi_neg_get_result(i, iscsi_key_lookup(key)) ?: "(default)");
                *result = buf;
        }
        return r;
}

static void test_answer_checks(void **state) {
        const char *res = NULL;

        assert_int_equal(offer_and_answer("MaxBurstLength", "65536", "32768", &res), 0);
        assert_string_equal(res, "32768");
        assert_int_equal(offer_and_answer("MaxBurstLength", "65536", "131072", NULL), -EPROTO);
        assert_int_equal(offer_and_answer("MaxBurstLength", "65536", "bogus", NULL), -EPROTO);
        assert_int_equal(offer_and_answer("DefaultTime2Wait", "5", "3", NULL), -EPROTO);
        assert_int_equal(offer_and_answer("DefaultTime2Wait", "5", "7", &res), 0);
        assert_string_equal(res, "7");
        assert_int_equal(offer_and_answer("InitialR2T", "Yes", "No", NULL), -EPROTO);
        assert_int_equal(offer_and_answer("InitialR2T", "No", "Yes", &res), 0);
        assert_int_equal(offer_and_answer("ImmediateData", "No", "Yes", NULL), -EPROTO);
        assert_int_equal(offer_and_answer("HeaderDigest", "None", "CRC32C", NULL), -EPROTO);
        assert_int_equal(offer_and_answer("HeaderDigest", "CRC32C,None", "CRC32C,None", NULL), -EPROTO);
        assert_int_equal(offer_and_answer("HeaderDigest", "CRC32C,None", "CRC32C", &res), 0);
        assert_string_equal(res, "CRC32C");
        /* special answers leave the default */
        assert_int_equal(offer_and_answer("MaxBurstLength", "65536", "Reject", &res), 0);
        assert_string_equal(res, "(default)");
        assert_int_equal(offer_and_answer("ErrorRecoveryLevel", "1", "NotUnderstood", &res), 0);
        assert_string_equal(res, "(default)");
}

static void test_unsolicited_special(void **state) {
        _cleanup_(iscsi_neg_freep) struct iscsi_negotiator *i = initiator();
        _cleanup_keys_ struct iscsi_keys rsp = {}, out = {};

        /* an "answer" to something never offered */
        assert_int_equal(iscsi_keys_add(&rsp, "MaxBurstLength", "Reject"), 0);
        assert_int_equal(iscsi_neg_receive(i, OP, &rsp, &out), -EPROTO);
}

static void test_pending(void **state) {
        _cleanup_(iscsi_neg_freep) struct iscsi_negotiator *i = initiator();
        _cleanup_keys_ struct iscsi_keys req = {};
        unsigned n;

        /* default initiator offers: InitialR2T=Yes (OR) and DataPDUInOrder=Yes,
         * DataSequenceInOrder=Yes need no answer; MaxRecvDataSegmentLength is declarative */
        assert_int_equal(iscsi_neg_set(i, "ImmediateData", "No", true), 0); /* AND with No: implicit */
        assert_true(iscsi_neg_propose(i, OP, &req) >= 14);
        n = iscsi_neg_pending(i);
        assert_int_equal(n, 14 - 5);
        /* proposing again adds nothing */
        assert_int_equal(iscsi_neg_propose(i, OP, &req), 0);
        /* setting an offered key is refused */
        assert_int_equal(iscsi_neg_set(i, "MaxBurstLength", "1024", true), -EBUSY);
}

static void test_set_validation(void **state) {
        _cleanup_(iscsi_neg_freep) struct iscsi_negotiator *i = initiator();

        assert_int_equal(iscsi_neg_set(i, "NoSuchKey", "1", true), -ENOENT);
        assert_int_equal(iscsi_neg_set(i, "MaxBurstLength", "100", true), -ERANGE);
        assert_int_equal(iscsi_neg_set(i, "MaxBurstLength", "lots", true), -EINVAL);
        assert_int_equal(iscsi_neg_set(i, "HeaderDigest", "MD5", true), -EINVAL);
        assert_int_equal(iscsi_neg_set(i, "InitialR2T", "yes", true), -EINVAL);
        assert_int_equal(iscsi_neg_set(i, "SessionType", "Discovery,Normal", true), -EINVAL);
        assert_int_equal(iscsi_neg_set(i, "HeaderDigest", "CRC32C,None", true), 0);
        assert_int_equal(iscsi_neg_set_number(i, ISCSI_KEY_MAX_BURST_LENGTH, 1048576, true), 0);
        assert_string_equal(iscsi_neg_get_local(i, ISCSI_KEY_MAX_BURST_LENGTH), "1048576");
}

static void assert_params_equal(const struct iscsi_params *a, const struct iscsi_params *b) {
        assert_int_equal(a->session_type, b->session_type);
        assert_int_equal(a->header_digest, b->header_digest);
        assert_int_equal(a->data_digest, b->data_digest);
        assert_int_equal(a->max_connections, b->max_connections);
        assert_int_equal(a->initial_r2t, b->initial_r2t);
        assert_int_equal(a->immediate_data, b->immediate_data);
        assert_int_equal(a->initiator_max_recv_dsl, b->initiator_max_recv_dsl);
        assert_int_equal(a->target_max_recv_dsl, b->target_max_recv_dsl);
        assert_int_equal(a->max_burst_length, b->max_burst_length);
        assert_int_equal(a->first_burst_length, b->first_burst_length);
        assert_int_equal(a->default_time2wait, b->default_time2wait);
        assert_int_equal(a->default_time2retain, b->default_time2retain);
        assert_int_equal(a->max_outstanding_r2t, b->max_outstanding_r2t);
        assert_int_equal(a->data_pdu_in_order, b->data_pdu_in_order);
        assert_int_equal(a->data_sequence_in_order, b->data_sequence_in_order);
        assert_int_equal(a->error_recovery_level, b->error_recovery_level);
}

/* A whole operational stage between two engines: both sides end with the same params. */
static void test_full_operational(void **state) {
        _cleanup_(iscsi_neg_freep) struct iscsi_negotiator *i = initiator(), *t = target();
        _cleanup_keys_ struct iscsi_keys req = {}, rsp = {}, back = {};
        struct iscsi_params pi, pt;

        assert_int_equal(iscsi_neg_set(i, "HeaderDigest", "CRC32C,None", true), 0);
        assert_int_equal(iscsi_neg_set(i, "DataDigest", "CRC32C,None", true), 0);
        assert_int_equal(iscsi_neg_set(i, "MaxRecvDataSegmentLength", "262144", true), 0);
        assert_int_equal(iscsi_neg_set(i, "MaxBurstLength", "16776192", true), 0);
        assert_int_equal(iscsi_neg_set(i, "FirstBurstLength", "262144", true), 0);
        assert_int_equal(iscsi_neg_set(i, "InitialR2T", "No", true), 0);
        assert_int_equal(iscsi_neg_set(i, "MaxOutstandingR2T", "16", true), 0);
        assert_int_equal(iscsi_neg_set(i, "DefaultTime2Retain", "0", true), 0);
        assert_int_equal(iscsi_neg_set(t, "DataDigest", "None", false), 0);
        assert_int_equal(iscsi_neg_set(t, "MaxBurstLength", "1048576", false), 0);
        assert_int_equal(iscsi_neg_set(t, "FirstBurstLength", "65536", false), 0);
        assert_int_equal(iscsi_neg_set(t, "MaxOutstandingR2T", "4", false), 0);
        assert_int_equal(iscsi_neg_set(t, "InitialR2T", "No", false), 0);
        assert_int_equal(iscsi_neg_set(t, "MaxRecvDataSegmentLength", "131072", true), 0);

        assert_true(iscsi_neg_propose(i, OP, &req) > 0);
        assert_true(iscsi_neg_receive(t, OP, &req, &rsp) > 0);
        assert_true(iscsi_neg_propose(t, OP, &rsp) > 0);
        assert_int_equal(iscsi_neg_receive(i, OP, &rsp, &back), 0);
        assert_int_equal(iscsi_neg_pending(i), 0);
        assert_int_equal(iscsi_neg_pending(t), 0);
        iscsi_neg_get_params(i, &pi);
        iscsi_neg_get_params(t, &pt);
        assert_params_equal(&pi, &pt);
        assert_true(pi.header_digest);
        assert_false(pi.data_digest);
        assert_int_equal(pi.max_burst_length, 1048576);
        assert_int_equal(pi.first_burst_length, 65536);
        assert_int_equal(pi.max_outstanding_r2t, 4);
        assert_false(pi.initial_r2t);
        assert_int_equal(pi.default_time2retain, 0);
        assert_int_equal(pi.initiator_max_recv_dsl, 262144);
        assert_int_equal(pi.target_max_recv_dsl, 131072);
}

static void test_first_burst_clamped(void **state) {
        _cleanup_(iscsi_neg_freep) struct iscsi_negotiator *t = target();
        struct iscsi_params p;

        assert_string_equal(answer1(t, OP, "MaxBurstLength", "4096"), "4096");
        assert_string_equal(answer1(t, OP, "FirstBurstLength", "65536"), "65536");
        iscsi_neg_get_params(t, &p);
        assert_int_equal(p.first_burst_length, 4096);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_table),
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_list),
                cmocka_unit_test(test_min),
                cmocka_unit_test(test_max),
                cmocka_unit_test(test_or_and),
                cmocka_unit_test(test_declarative),
                cmocka_unit_test(test_not_understood),
                cmocka_unit_test(test_irrelevant),
                cmocka_unit_test(test_wrong_stage_and_sender),
                cmocka_unit_test(test_renegotiation),
                cmocka_unit_test(test_answer_checks),
                cmocka_unit_test(test_unsolicited_special),
                cmocka_unit_test(test_pending),
                cmocka_unit_test(test_set_validation),
                cmocka_unit_test(test_full_operational),
                cmocka_unit_test(test_first_burst_clamped),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
