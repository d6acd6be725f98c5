/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* iSNSP codec: wire bytes, PDU splitting and reassembly, malformed input, iSCSI messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi-proto/isns-iscsi.h"
#include "iscsi-proto/isns.h"

#define ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

/* Feed a whole stream to a reassembler in chunks of step bytes; returns the last feed result. */
static int feed_all(struct iscsi_isns_reasm *r, const uint8_t *b, size_t len, size_t step, size_t *ret_used) {
        size_t off = 0;
        int k = 0;

        while (off < len && k == 0) {
                size_t n = len - off < step ? len - off : step;
                size_t want = iscsi_isns_reasm_want(r);
                n = n < want ? n : want;
                k = iscsi_isns_reasm_feed(r, b + off, n);
                off += n;
        }
        if (ret_used)
                *ret_used = off;
        return k;
}

static void test_wire_bytes(void **state) {
        static const uint8_t expect[] = {
                0x00, 0x01, 0x00, 0x02, 0x00, 0x18, 0x8c, 0x00, 0x12, 0x34, 0x00, 0x00, /* header */
                0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x04, 'i', 'q', 'n', 0x00,    /* "iqn" */
                0x00, 0x00, 0x00, 0x21, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, /* target */
        };
        struct iscsi_isns_msg m = { .function = ISNS_DEV_ATTR_QRY, .flags = ISNS_F_CLIENT, .xid = 0x1234 };
        uint8_t *buf;
        size_t len;

        assert_int_equal(iscsi_isns_add_string(&m, ISNS_TAG_ISCSI_NAME, "iqn"), 0);
        assert_int_equal(iscsi_isns_add_u32(&m, ISNS_TAG_ISCSI_NODE_TYPE, ISNS_NODE_TARGET), 0);
        assert_int_equal(iscsi_isns_msg_encode(&m, 0, &buf, &len), 0);
        assert_int_equal(len, sizeof(expect));
        assert_memory_equal(buf, expect, sizeof(expect));
        free(buf);
        iscsi_isns_msg_clear(&m);
}

static void test_string_padding(void **state) {
        struct iscsi_isns_msg m = {};
        const char *s;

        assert_int_equal(iscsi_isns_add_string(&m, ISNS_TAG_ISCSI_NAME, "abcd"), 0);
        assert_int_equal(m.attrs[0].len, 8); /* NUL always present, then padding */
        assert_int_equal(iscsi_isns_attr_string(&m.attrs[0], &s), 0);
        assert_string_equal(s, "abcd");
        assert_int_equal(iscsi_isns_add_raw(&m, ISNS_TAG_ISCSI_NAME, "abcd", 4), 0);
        assert_int_equal(iscsi_isns_attr_string(&m.attrs[1], &s), -EBADMSG); /* no NUL */
        assert_int_equal(iscsi_isns_add_raw(&m, 1, "ab", 2), -EINVAL);      /* not a multiple of 4 */
        iscsi_isns_msg_clear(&m);
}

static void test_ip(void **state) {
        struct iscsi_isns_msg m = {};
        char buf[64];

        assert_int_equal(iscsi_isns_add_ip(&m, ISNS_TAG_PORTAL_IP, "10.1.2.3"), 0);
        assert_int_equal(iscsi_isns_add_ip(&m, ISNS_TAG_PORTAL_IP, "2001:db8::7"), 0);
        assert_int_equal(iscsi_isns_add_ip(&m, ISNS_TAG_PORTAL_IP, "host.example"), -EINVAL);
        assert_int_equal(m.attrs[0].value[10], 0xff);
        assert_int_equal(iscsi_isns_attr_ip(&m.attrs[0], buf, sizeof(buf)), 0);
        assert_string_equal(buf, "10.1.2.3");
        assert_int_equal(iscsi_isns_attr_ip(&m.attrs[1], buf, sizeof(buf)), 0);
        assert_string_equal(buf, "2001:db8::7");
        /* open-isns sends IPv4 portals IPv4-compatible (::127.0.0.1); ::1 stays IPv6 */
        {
                static const uint8_t compat[16] = { [12] = 127, [15] = 1 }, loop6[16] = { [15] = 1 };
                assert_int_equal(iscsi_isns_add_raw(&m, ISNS_TAG_PORTAL_IP, compat, 16), 0);
                assert_int_equal(iscsi_isns_add_raw(&m, ISNS_TAG_PORTAL_IP, loop6, 16), 0);
                assert_int_equal(iscsi_isns_attr_ip(&m.attrs[2], buf, sizeof(buf)), 0);
                assert_string_equal(buf, "127.0.0.1");
                assert_int_equal(iscsi_isns_attr_ip(&m.attrs[3], buf, sizeof(buf)), 0);
                assert_string_equal(buf, "::1");
        }
        iscsi_isns_msg_clear(&m);
}

/* A message split into many PDUs reassembles to the same attributes, whatever the read size. */
static void test_split_reassemble(void **state) {
        struct iscsi_isns_msg m = { .function = ISNS_DEV_ATTR_QRY | ISNS_RESPONSE, .xid = 7, .status = 0 };
        uint8_t *buf;
        size_t len;

        for (int i = 0; i < 40; i++)
                assert_int_equal(iscsi_isns_add_string(&m, ISNS_TAG_ISCSI_NAME, "iqn.2003-01.org.example:t"), 0);
        assert_int_equal(iscsi_isns_msg_encode(&m, 100, &buf, &len), 0);
        assert_true(len > 12 * 10); /* many PDUs */
        for (size_t step = 1; step < 30; step += 7) {
                struct iscsi_isns_reasm r;
                struct iscsi_isns_msg out = {};
                size_t used;

                iscsi_isns_reasm_init(&r, 0);
                assert_int_equal(feed_all(&r, buf, len, step, &used), 1);
                assert_int_equal(used, len);
                assert_int_equal(iscsi_isns_reasm_take(&r, &out), 0);
                assert_int_equal(out.n_attrs, 40);
                assert_int_equal(out.xid, 7);
                assert_int_equal(out.status, 0);
                assert_memory_equal(out.attrs[39].value, m.attrs[39].value, m.attrs[39].len);
                assert_int_equal(iscsi_isns_reasm_want(&r), ISNS_HDR_LEN); /* ready for the next one */
                iscsi_isns_msg_clear(&out);
                iscsi_isns_reasm_clear(&r);
        }
        free(buf);
        iscsi_isns_msg_clear(&m);
}

static void test_malformed(void **state) {
        static const uint8_t tlv_truncated[] = { 0, 0, 0, 0x20, 0, 0, 0, 8, 'a', 0, 0, 0 };
        static const uint8_t tlv_unaligned[] = { 0, 0, 0, 0x20, 0, 0, 0, 3, 'a', 0, 0, 0 };
        uint8_t h[ISNS_HDR_LEN] = { 0, 2, 0, 2, 0, 4, 0x0c, 0, 0, 1, 0, 0 };
        struct iscsi_isns_hdr hdr;
        struct iscsi_isns_msg m = {};
        struct iscsi_isns_reasm r;

        assert_int_equal(iscsi_isns_hdr_parse(h, &hdr), -EPROTONOSUPPORT);
        h[1] = 1;
        h[5] = 5;
        assert_int_equal(iscsi_isns_hdr_parse(h, &hdr), -EBADMSG);
        assert_int_equal(iscsi_isns_msg_decode(1, 0, 0, tlv_truncated, sizeof(tlv_truncated), &m), -EBADMSG);
        assert_int_equal(iscsi_isns_msg_decode(1, 0, 0, tlv_unaligned, sizeof(tlv_unaligned), &m), -EBADMSG);
        assert_int_equal(iscsi_isns_msg_decode(0x8001, 0, 0, tlv_truncated, 2, &m), -EBADMSG); /* no status */
        assert_int_equal(iscsi_isns_msg_decode(1, ISNS_F_AUTH, 0, NULL, 0, &m), -EOPNOTSUPP);
        assert_int_equal(m.n_attrs, 0);

        /* a second PDU that does not continue the first: wrong sequence number */
        {
                uint8_t s[] = { 0, 1, 0, 2, 0, 0, 0x84, 0, 0, 9, 0, 0, /* FIRST, seq 0 */
                                0, 1, 0, 2, 0, 0, 0x88, 0, 0, 9, 0, 5 }; /* LAST, seq 5 */
                iscsi_isns_reasm_init(&r, 0);
                assert_int_equal(feed_all(&r, s, sizeof(s), 12, NULL), -EBADMSG);
                assert_int_equal(iscsi_isns_reasm_feed(&r, s, 1), -EBADMSG); /* sticky */
                iscsi_isns_reasm_clear(&r);
        }
        /* first PDU without FIRST */
        {
                uint8_t s[] = { 0, 1, 0, 2, 0, 0, 0x88, 0, 0, 9, 0, 0 };
                iscsi_isns_reasm_init(&r, 0);
                assert_int_equal(feed_all(&r, s, sizeof(s), 12, NULL), -EBADMSG);
                iscsi_isns_reasm_clear(&r);
        }
        /* over the size bound */
        {
                uint8_t s[] = { 0, 1, 0, 2, 0x01, 0x00, 0x8c, 0, 0, 9, 0, 0 };
                iscsi_isns_reasm_init(&r, 128);
                assert_int_equal(feed_all(&r, s, sizeof(s), 12, NULL), -EMSGSIZE);
                iscsi_isns_reasm_clear(&r);
        }
}

/* A DevAttrQry response shaped like open-isns's: nodes, then portal groups. */
static void test_query_targets(void **state) {
        struct iscsi_isns_msg m = { .function = ISNS_DEV_ATTR_QRY | ISNS_RESPONSE };
        struct iscsi_st_list l = {};

        assert_int_equal(iscsi_isns_add_u32(&m, ISNS_TAG_ISCSI_NODE_TYPE, ISNS_NODE_TARGET), 0);
        assert_int_equal(iscsi_isns_add_delimiter(&m), 0);
        assert_int_equal(iscsi_isns_add_string(&m, ISNS_TAG_ISCSI_NAME, "iqn.2003-01.org.example:t1"), 0);
        assert_int_equal(iscsi_isns_add_u32(&m, ISNS_TAG_ISCSI_NODE_TYPE, ISNS_NODE_TARGET), 0);
        assert_int_equal(iscsi_isns_add_string(&m, ISNS_TAG_ISCSI_NAME, "iqn.2003-01.org.example:i1"), 0);
        assert_int_equal(iscsi_isns_add_u32(&m, ISNS_TAG_ISCSI_NODE_TYPE, ISNS_NODE_INITIATOR), 0);
        assert_int_equal(iscsi_isns_add_string(&m, ISNS_TAG_ISCSI_NAME, "iqn.2003-01.org.example:t2"), 0);
        assert_int_equal(iscsi_isns_add_u32(&m, ISNS_TAG_ISCSI_NODE_TYPE, ISNS_NODE_TARGET), 0);
        /* t1 through two portals, one of them IPv6; t1 once more with a NULL PGT (no access) */
        assert_int_equal(iscsi_isns_add_string(&m, ISNS_TAG_PG_ISCSI_NAME, "iqn.2003-01.org.example:t1"), 0);
        assert_int_equal(iscsi_isns_add_ip(&m, ISNS_TAG_PG_PORTAL_IP, "127.0.0.1"), 0);
        assert_int_equal(iscsi_isns_add_u32(&m, ISNS_TAG_PG_PORTAL_PORT, 3260), 0);
        assert_int_equal(iscsi_isns_add_u32(&m, ISNS_TAG_PG_TAG, 1), 0);
        assert_int_equal(iscsi_isns_add_string(&m, ISNS_TAG_PG_ISCSI_NAME, "iqn.2003-01.org.example:t1"), 0);
        assert_int_equal(iscsi_isns_add_ip(&m, ISNS_TAG_PG_PORTAL_IP, "::1"), 0);
        assert_int_equal(iscsi_isns_add_u32(&m, ISNS_TAG_PG_PORTAL_PORT, 3261), 0);
        assert_int_equal(iscsi_isns_add_u32(&m, ISNS_TAG_PG_TAG, 2), 0);
        assert_int_equal(iscsi_isns_add_string(&m, ISNS_TAG_PG_ISCSI_NAME, "iqn.2003-01.org.example:t1"), 0);
        assert_int_equal(iscsi_isns_add_ip(&m, ISNS_TAG_PG_PORTAL_IP, "10.0.0.1"), 0);
        assert_int_equal(iscsi_isns_add_u32(&m, ISNS_TAG_PG_PORTAL_PORT, 3260), 0);
        assert_int_equal(iscsi_isns_add_nil(&m, ISNS_TAG_PG_TAG), 0);
        /* a UDP portal is not an iSCSI portal */
        assert_int_equal(iscsi_isns_add_string(&m, ISNS_TAG_PG_ISCSI_NAME, "iqn.2003-01.org.example:t2"), 0);
        assert_int_equal(iscsi_isns_add_ip(&m, ISNS_TAG_PG_PORTAL_IP, "127.0.0.1"), 0);
        assert_int_equal(iscsi_isns_add_u32(&m, ISNS_TAG_PG_PORTAL_PORT, 3260 | ISNS_PORT_UDP), 0);
        assert_int_equal(iscsi_isns_add_u32(&m, ISNS_TAG_PG_TAG, 1), 0);

        assert_int_equal(iscsi_isns_query_targets(&m, &l), 0);
        assert_int_equal(l.n_targets, 1);
        assert_string_equal(l.targets[0].name, "iqn.2003-01.org.example:t1");
        assert_int_equal(l.targets[0].n_portals, 2);
        assert_string_equal(l.targets[0].portals[0].host, "127.0.0.1");
        assert_int_equal(l.targets[0].portals[0].port, 3260);
        assert_int_equal(l.targets[0].portals[0].tpgt, 1);
        assert_string_equal(l.targets[0].portals[1].host, "::1");
        assert_int_equal(l.targets[0].portals[1].tpgt, 2);
        iscsi_st_list_clear(&l);

        m.status = ISNS_STATUS_SOURCE_UNKNOWN;
        assert_int_equal(iscsi_isns_query_targets(&m, &l), -ENOMSG);
        assert_string_equal(iscsi_isns_status_name(m.status), "Source Unknown");
        assert_string_equal(iscsi_isns_status_name(4), "Unknown status");
        iscsi_isns_msg_clear(&m);
}

static void test_scn(void **state) {
        struct iscsi_isns_msg m = { .function = ISNS_SCN, .xid = 3 }, reply = {};
        struct iscsi_isns_scn scn;
        uint8_t ts[8] = {};

        assert_int_equal(iscsi_isns_parse_scn(&m, &scn), -EBADMSG);
        assert_int_equal(iscsi_isns_add_string(&m, ISNS_TAG_ISCSI_NAME, "iqn.2003-01.org.example:i1"), 0);
        assert_int_equal(iscsi_isns_add_raw(&m, ISNS_TAG_TIMESTAMP, ts, sizeof(ts)), 0);
        assert_int_equal(iscsi_isns_parse_scn(&m, &scn), -EBADMSG); /* no bitmap */
        assert_int_equal(iscsi_isns_add_u32(&m, ISNS_TAG_ISCSI_SCN_BITMAP, ISNS_SCN_OBJECT_ADDED), 0);
        assert_int_equal(iscsi_isns_add_string(&m, ISNS_TAG_ISCSI_NAME, "iqn.2003-01.org.example:t9"), 0);
        assert_int_equal(iscsi_isns_parse_scn(&m, &scn), 0);
        assert_string_equal(scn.destination, "iqn.2003-01.org.example:i1");
        assert_int_equal(scn.bitmap, ISNS_SCN_OBJECT_ADDED);
        assert_string_equal(scn.node, "iqn.2003-01.org.example:t9");

        assert_int_equal(iscsi_isns_build_reply(&m, &reply), 0);
        assert_int_equal(reply.function, ISNS_SCN | ISNS_RESPONSE);
        assert_int_equal(reply.xid, 3);
        assert_int_equal(reply.n_attrs, 1); /* the destination only */
        iscsi_isns_msg_clear(&reply);
        iscsi_isns_msg_clear(&m);
}

static void test_entity_reg(void **state) {
        static const char *const targets[] = { "iqn.2003-01.org.example:a", "iqn.2003-01.org.example:b" };
        static const struct iscsi_isns_pg pgs[] = {
                { "iqn.2003-01.org.example:a", "127.0.0.1", 3260, 1 },
                { "iqn.2003-01.org.example:b", "127.0.0.1", 3260, 1 },
                { "iqn.2003-01.org.example:b", "::1", 3260, 2 },
        };
        struct iscsi_isns_entity e = { "isns:ent", 600, targets, 2, pgs, 3 };
        struct iscsi_isns_msg m = {};
        uint32_t v;

        assert_int_equal(iscsi_isns_build_entity_reg(1, &e, &m), 0);
        assert_int_equal(m.function, ISNS_DEV_ATTR_REG);
        assert_true(m.flags & ISNS_F_REPLACE);
        assert_int_equal(m.attrs[0].tag, ISNS_TAG_ISCSI_NAME); /* source */
        assert_int_equal(m.attrs[1].tag, ISNS_TAG_ENTITY_ID);  /* key */
        assert_int_equal(m.attrs[2].tag, ISNS_TAG_DELIMITER);
        /* two distinct portals: 2 x (ip, port) */
        assert_int_equal(iscsi_isns_find(&m, 0, ISNS_TAG_PORTAL_IP), 6);
        assert_int_equal(iscsi_isns_find(&m, 7, ISNS_TAG_PORTAL_IP), 8);
        assert_int_equal(iscsi_isns_find(&m, 9, ISNS_TAG_PORTAL_IP), -ENOENT);
        assert_int_equal(iscsi_isns_granted_period(&m, &v), 0);
        assert_int_equal(v, 600);
        /* 3 portal groups */
        assert_int_equal(m.n_attrs, 3 + 3 + 4 + 4 + 12);
        iscsi_isns_msg_clear(&m);

        e.n_targets = 0;
        assert_int_equal(iscsi_isns_build_entity_reg(1, &e, &m), -EINVAL);
}

/* The requests an initiator sends: what open-isns needs first in each (checked against isnsd). */
static void test_initiator_requests(void **state) {
        static const uint32_t scn_reg[] = { ISNS_TAG_ISCSI_NAME,      ISNS_TAG_ENTITY_ID,    ISNS_TAG_DELIMITER,
                                            ISNS_TAG_ENTITY_ID,       ISNS_TAG_ENTITY_PROTOCOL, ISNS_TAG_PORTAL_IP,
                                            ISNS_TAG_PORTAL_PORT,     ISNS_TAG_SCN_PORT,     ISNS_TAG_ISCSI_NAME,
                                            ISNS_TAG_ISCSI_NODE_TYPE };
        static const uint32_t query[] = { ISNS_TAG_ISCSI_NAME,    ISNS_TAG_ISCSI_NODE_TYPE, ISNS_TAG_DELIMITER,
                                          ISNS_TAG_ISCSI_NAME,    ISNS_TAG_ISCSI_NODE_TYPE, ISNS_TAG_PG_ISCSI_NAME,
                                          ISNS_TAG_PG_PORTAL_IP,  ISNS_TAG_PG_PORTAL_PORT,  ISNS_TAG_PG_TAG };
        struct iscsi_isns_msg m = {};
        uint32_t v;

        assert_int_equal(iscsi_isns_build_initiator_scn_reg(5, "iqn.1993-08.org.debian:01:x", "10.0.0.2", 4000, &m), 0);
        assert_int_equal(m.function, ISNS_DEV_ATTR_REG);
        assert_int_equal(m.n_attrs, ELEMENTS(scn_reg));
        for (size_t i = 0; i < m.n_attrs; i++)
                assert_int_equal(m.attrs[i].tag, scn_reg[i]);
        assert_int_equal(iscsi_isns_attr_u32(&m.attrs[7], &v), 0);
        assert_int_equal(v, 4000);
        iscsi_isns_msg_clear(&m);

        assert_int_equal(iscsi_isns_build_target_query(6, "iqn.1993-08.org.debian:01:x", &m), 0);
        assert_int_equal(m.n_attrs, ELEMENTS(query));
        for (size_t i = 0; i < m.n_attrs; i++) {
                assert_int_equal(m.attrs[i].tag, query[i]);
                assert_true(i < 3 || m.attrs[i].len == 0); /* operating attributes: what to return */
        }
        iscsi_isns_msg_clear(&m);

        assert_int_equal(iscsi_isns_build_scn_reg(7, "iqn.1993-08.org.debian:01:x", ISNS_SCN_OBJECT_ADDED, &m), 0);
        assert_int_equal(m.function, ISNS_SCN_REG);
        assert_int_equal(m.attrs[m.n_attrs - 1].tag, ISNS_TAG_ISCSI_SCN_BITMAP);
        iscsi_isns_msg_clear(&m);
        assert_int_equal(iscsi_isns_build_node_dereg(8, "iqn.1993-08.org.debian:01:x", &m), 0);
        assert_int_equal(m.function, ISNS_DEV_DEREG);
        iscsi_isns_msg_clear(&m);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_wire_bytes),      cmocka_unit_test(test_string_padding),
                cmocka_unit_test(test_ip),              cmocka_unit_test(test_split_reassemble),
                cmocka_unit_test(test_malformed),       cmocka_unit_test(test_query_targets),
                cmocka_unit_test(test_scn),             cmocka_unit_test(test_entity_reg),
                cmocka_unit_test(test_initiator_requests),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
