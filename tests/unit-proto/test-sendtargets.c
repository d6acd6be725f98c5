/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SendTargets: portal syntax, build/parse round trips, continuation, malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi-proto/sendtargets.h"

static void test_portal_parse(void **state) {
        static const struct {
                const char *in;
                const char *host;
                unsigned port;
                int tpgt;
                bool ipv6;
        } good[] = {
                { "10.0.0.1:3260,1", "10.0.0.1", 3260, 1, false },
                { "10.0.0.1", "10.0.0.1", 3260, -1, false },
                { "10.0.0.1,7", "10.0.0.1", 3260, 7, false },
                { "127.0.0.1:3261", "127.0.0.1", 3261, -1, false },
                { "storage-1.example.com:860,65535", "storage-1.example.com", 860, 65535, false },
                { "[::1]:3260,1", "::1", 3260, 1, true },
                { "[fe80::a:b:c]", "fe80::a:b:c", 3260, -1, true },
                { "[2001:db8::1],0", "2001:db8::1", 3260, 0, true },
                { "[::ffff:10.1.2.3]:65535", "::ffff:10.1.2.3", 65535, -1, true },
                { "[fe80::1%eth0]:3260,1", "fe80::1%eth0", 3260, 1, true },
        };
        static const char *bad[] = {
                "", ":3260", "[::1", "::1:3260", "[zz::1]:3260", "[]:3260", "10.0.0.1:", "10.0.0.1:0",
                "10.0.0.1:65536", "10.0.0.1:32x0", "10.0.0.1,", "10.0.0.1,65536", "10.0.0.1:3260,1,2",
                "[::1]x", "[::1]:3260junk", "host name:3260", "h\xc3\xa9:1", "10.0.0.1:-1", "10.0.0.1:+80",
                "10.0.0.1:999999", "[fe80::1%]:3260", "[fe80::1%e th]:3260", "[::1%a%b]",
        };

        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                struct iscsi_portal p;
                char buf[300];

                if (iscsi_portal_parse(good[i].in, &p) != 0)
                        fail_msg("'%s' rejected", good[i].in);
                assert_string_equal(p.host, good[i].host);
                assert_int_equal(p.port, good[i].port);
                assert_int_equal(p.tpgt, good[i].tpgt);
                assert_int_equal(p.ipv6, good[i].ipv6);
                /* Formatting and re-parsing gives the same portal. */
                assert_int_equal(iscsi_portal_format(&p, buf, sizeof(buf)), 0);
                {
                        struct iscsi_portal q;
                        assert_int_equal(iscsi_portal_parse(buf, &q), 0);
                        assert_string_equal(q.host, p.host);
                        assert_int_equal(q.port, p.port);
                        assert_int_equal(q.tpgt, p.tpgt);
                        iscsi_portal_clear(&q);
                }
                iscsi_portal_clear(&p);
        }
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct iscsi_portal p = {};
                if (iscsi_portal_parse(bad[i], &p) != -EINVAL)
                        fail_msg("'%s' accepted", bad[i]);
                assert_null(p.host);
        }
}

static void test_portal_format(void **state) {
        struct iscsi_portal p = { .host = (char *) "::1", .port = 3260, .tpgt = 1, .ipv6 = true };
        char buf[32];

        assert_int_equal(iscsi_portal_format(&p, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "[::1]:3260,1");
        p = (struct iscsi_portal) { .host = (char *) "192.168.1.1", .port = 860, .tpgt = ISCSI_ST_TPGT_NONE };
        assert_int_equal(iscsi_portal_format(&p, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "192.168.1.1:860");
        assert_int_equal(iscsi_portal_format(&p, buf, 10), -ENOBUFS);
}

static void build_sample(struct iscsi_st_list *l) {
        assert_int_equal(iscsi_st_list_add_portal(l, "10.0.0.1", 3260, 1), -ENOENT);
        assert_int_equal(iscsi_st_list_add_target(l, "iqn.2003-01.org.example:disk1"), 0);
        assert_int_equal(iscsi_st_list_add_portal(l, "10.0.0.1", 3260, 1), 0);
        assert_int_equal(iscsi_st_list_add_portal(l, "fd00::5", 3260, 1), 0);
        assert_int_equal(iscsi_st_list_add_portal(l, "10.0.1.1", 3261, 2), 0);
        assert_int_equal(iscsi_st_list_add_target(l, "iqn.2003-01.org.example:disk2"), 0);
        assert_int_equal(iscsi_st_list_add_target(l, "eui.0123456789abcdef"), 0);
        assert_int_equal(iscsi_st_list_add_portal(l, "127.0.0.1", 3260, ISCSI_ST_TPGT_NONE), 0);
        /* Invalid input to the builder API. */
        assert_int_equal(iscsi_st_list_add_portal(l, "10.0.0.1", 0, 1), -EINVAL);
        assert_int_equal(iscsi_st_list_add_portal(l, "10.0.0.1", 1, 70000), -EINVAL);
        assert_int_equal(iscsi_st_list_add_portal(l, "bad host", 1, 1), -EINVAL);
        assert_int_equal(iscsi_st_list_add_target(l, ""), -EINVAL);
}

static const char sample_wire[] =
        "TargetName=iqn.2003-01.org.example:disk1\0"
        "TargetAddress=10.0.0.1:3260,1\0"
        "TargetAddress=[fd00::5]:3260,1\0"
        "TargetAddress=10.0.1.1:3261,2\0"
        "TargetName=iqn.2003-01.org.example:disk2\0"
        "TargetName=eui.0123456789abcdef\0"
        "TargetAddress=127.0.0.1:3260\0";

static void check_sample(const struct iscsi_st_list *l) {
        assert_int_equal(l->n_targets, 3);
        assert_string_equal(l->targets[0].name, "iqn.2003-01.org.example:disk1");
        assert_int_equal(l->targets[0].n_portals, 3);
        assert_string_equal(l->targets[0].portals[1].host, "fd00::5");
        assert_true(l->targets[0].portals[1].ipv6);
        assert_int_equal(l->targets[0].portals[2].port, 3261);
        assert_int_equal(l->targets[0].portals[2].tpgt, 2);
        assert_int_equal(l->targets[1].n_portals, 0);
        assert_int_equal(l->targets[2].n_portals, 1);
        assert_int_equal(l->targets[2].portals[0].tpgt, ISCSI_ST_TPGT_NONE);
}

static void test_build_golden(void **state) {
        _cleanup_st_list_ struct iscsi_st_list l = {};
        uint8_t *buf = NULL;
        size_t len = 0;

        build_sample(&l);
        assert_int_equal(iscsi_sendtargets_build(&l, &buf, &len), 0);
        assert_int_equal(len, sizeof(sample_wire) - 1);
        assert_memory_equal(buf, sample_wire, len);
        free(buf);
}

static void test_roundtrip(void **state) {
        _cleanup_st_list_ struct iscsi_st_list l = {}, parsed = {};
        uint8_t *buf = NULL;
        size_t len = 0;

        build_sample(&l);
        assert_int_equal(iscsi_sendtargets_build(&l, &buf, &len), 0);
        assert_int_equal(iscsi_sendtargets_parse(buf, len, &parsed), 0);
        check_sample(&parsed);
        free(buf);
}

/* Feed the response split at every possible point (as C-bit PDUs would), and in 1-byte pieces. */
static void test_continuation(void **state) {
        size_t len = sizeof(sample_wire) - 1;

        for (size_t split = 0; split <= len; split++) {
                struct iscsi_st_parser p;
                _cleanup_st_list_ struct iscsi_st_list l = {};

                iscsi_st_parser_init(&p, 0);
                assert_int_equal(iscsi_st_parser_feed(&p, sample_wire, split), 0);
                assert_int_equal(iscsi_st_parser_feed(&p, sample_wire + split, len - split), 0);
                assert_int_equal(iscsi_st_parser_finish(&p, &l), 0);
                iscsi_st_parser_clear(&p);
                check_sample(&l);
        }
        {
                struct iscsi_st_parser p;
                _cleanup_st_list_ struct iscsi_st_list l = {};

                iscsi_st_parser_init(&p, 0);
                for (size_t i = 0; i < len; i++)
                        assert_int_equal(iscsi_st_parser_feed(&p, sample_wire + i, 1), 0);
                assert_int_equal(iscsi_st_parser_finish(&p, &l), 0);
                iscsi_st_parser_clear(&p);
                check_sample(&l);
        }
}

static void test_total_bound(void **state) {
        struct iscsi_st_parser p;
        size_t len = sizeof(sample_wire) - 1;

        iscsi_st_parser_init(&p, len - 1);
        assert_int_equal(iscsi_st_parser_feed(&p, sample_wire, 40), 0);
        assert_int_equal(iscsi_st_parser_feed(&p, sample_wire + 40, len - 40), -EMSGSIZE);
        /* Sticky. */
        assert_int_equal(iscsi_st_parser_feed(&p, "", 0), -EMSGSIZE);
        {
                struct iscsi_st_list l = {};
                assert_int_equal(iscsi_st_parser_finish(&p, &l), -EMSGSIZE);
                assert_null(l.targets);
        }
        iscsi_st_parser_clear(&p);

        iscsi_st_parser_init(&p, len);
        assert_int_equal(iscsi_st_parser_feed(&p, sample_wire, len), 0);
        iscsi_st_parser_clear(&p);
}

static void test_tolerated(void **state) {
        /* No final NUL, NUL padding, unknown keys. */
        static const char wire[] = "X-vendor=1\0TargetName=iqn.2001-04.com.example:a\0\0\0"
                                   "TargetAlias=ignored\0TargetAddress=[::1]:3260,1";
        _cleanup_st_list_ struct iscsi_st_list l = {};

        assert_int_equal(iscsi_sendtargets_parse(wire, sizeof(wire) - 1, &l), 0);
        assert_int_equal(l.n_targets, 1);
        assert_int_equal(l.targets[0].n_portals, 1);
        assert_string_equal(l.targets[0].portals[0].host, "::1");
}

static void test_malformed(void **state) {
        static const struct {
                const char *wire;
                size_t len;
                int err;
        } cases[] = {
#define C(s, e) { s, sizeof(s) - 1, e }
                C("TargetAddress=10.0.0.1:3260,1\0", -EBADMSG),         /* address before name */
                C("TargetName\0", -EBADMSG),                            /* no '=' */
                C("=x\0", -EBADMSG),                                    /* empty key */
                C("TargetName=\0", -EBADMSG),                           /* empty name */
                C("TargetName=iqn.a b\0", -EBADMSG),                    /* space in name */
                C("TargetName=iqn.2001-04.com.e:x\0TargetAddress=[::1:3260\0", -EBADMSG),
                C("TargetName=iqn.2001-04.com.e:x\0TargetAddress=1.2.3.4:99999\0", -EBADMSG),
                C("TargetName=iqn.2001-04.com.e:x\0TargetAddress=\0", -EBADMSG),
#undef C
        };
        char big[5000];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct iscsi_st_list l = {};
                int r = iscsi_sendtargets_parse(cases[i].wire, cases[i].len, &l);
                if (r != cases[i].err)
                        fail_msg("case %zu: got %d, want %d", i, r, cases[i].err);
                assert_null(l.targets);
        }
        /* A name longer than 223 bytes, and a single oversized record. */
        memset(big, 'a', sizeof(big));
        memcpy(big, "TargetName=", 11);
        {
                struct iscsi_st_list l = {};
                assert_int_equal(iscsi_sendtargets_parse(big, 11 + 224, &l), -EBADMSG);
                assert_int_equal(iscsi_sendtargets_parse(big, sizeof(big), &l), -EBADMSG);
        }
}

static void test_build_rejects_invalid(void **state) {
        _cleanup_st_list_ struct iscsi_st_list l = {};
        struct iscsi_st_target t = { .name = (char *) "iqn.2001-04.com.example:a b" };
        struct iscsi_st_list manual = { .targets = &t, .n_targets = 1 };
        uint8_t *buf = (uint8_t *) "untouched";
        size_t len = 99;

        /* A name the add API would refuse, smuggled in by hand, is not sent. */
        assert_int_equal(iscsi_sendtargets_build(&manual, &buf, &len), -EINVAL);
        assert_int_equal(len, 99);

        /* Upper case is not RFC-normalized, but still discoverable. */
        assert_int_equal(iscsi_st_list_add_target(&l, "iqn.2001-04.com.example:UPPER"), 0);
        assert_int_equal(iscsi_sendtargets_build(&l, &buf, &len), 0);
        assert_int_equal(len, sizeof("TargetName=iqn.2001-04.com.example:UPPER"));
        free(buf);
        iscsi_st_list_clear(&l);

        /* An empty list builds to nothing. */
        assert_int_equal(iscsi_sendtargets_build(&l, &buf, &len), 0);
        assert_int_equal(len, 0);
        free(buf);
}

static void test_scope_link_local(void **state) {
        _cleanup_st_list_ struct iscsi_st_list l = {};

        assert_int_equal(iscsi_st_list_add_target(&l, "iqn.2026-12.org.example:t"), 0);
        assert_int_equal(iscsi_st_list_add_portal(&l, "fe80::1", 3260, 1), 0);
        assert_int_equal(iscsi_st_list_add_portal(&l, "fe80::2%eth0", 3260, 1), 0);
        assert_int_equal(iscsi_st_list_add_portal(&l, "fd00::1", 3260, 1), 0);
        assert_int_equal(iscsi_st_list_add_portal(&l, "10.0.0.1", 3260, 1), 0);
        assert_int_equal(iscsi_st_list_scope_link_local(&l, "eth1"), 1);
        assert_string_equal(l.targets[0].portals[0].host, "fe80::1%eth1");
        assert_string_equal(l.targets[0].portals[1].host, "fe80::2%eth0");
        assert_string_equal(l.targets[0].portals[2].host, "fd00::1");
        assert_string_equal(l.targets[0].portals[3].host, "10.0.0.1");
        assert_int_equal(iscsi_st_list_scope_link_local(&l, "eth1"), 0);
        assert_int_equal(iscsi_st_list_scope_link_local(&l, ""), -EINVAL);
        assert_int_equal(iscsi_st_list_scope_link_local(&l, "a b"), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_portal_parse),
                cmocka_unit_test(test_portal_format),
                cmocka_unit_test(test_build_golden),
                cmocka_unit_test(test_roundtrip),
                cmocka_unit_test(test_continuation),
                cmocka_unit_test(test_total_bound),
                cmocka_unit_test(test_tolerated),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_build_rejects_invalid),
                cmocka_unit_test(test_scope_link_local),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
