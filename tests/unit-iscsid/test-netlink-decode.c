/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netlink-decode.c: the kernel's NETLINK_ISCSI replies and events as the kernel lays them out
 * (scsi_transport_iscsi.c), and buffers that are short, lie about lengths or are misaligned. */

#include <errno.h>
#include <linux/netlink.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "netlink-decode.h"

/* A receive buffer built message by message; `shift` bytes in, to test misalignment. */
struct rxbuf {
        uint8_t raw[16384];
        size_t shift, len;
};

static uint8_t *rx_data(struct rxbuf *b) {
        return b->raw + b->shift;
}

/* One message: header (nlmsg_len = header + uevent + payload), then aligned unless !pad. */
static void put(struct rxbuf *b, uint16_t nl_type, uint32_t pid, const struct kiscsi_uevent *ev, const void *payload,
                size_t plen, bool pad) {
        struct nlmsghdr h = {
                .nlmsg_len = (uint32_t) (NLMSG_HDRLEN + sizeof *ev + plen),
                .nlmsg_type = nl_type,
                .nlmsg_pid = pid,
        };
        uint8_t *p = rx_data(b) + b->len;
        memcpy(p, &h, sizeof h);
        memcpy(p + NLMSG_HDRLEN, ev, sizeof *ev);
        if (plen)
                memcpy(p + NLMSG_HDRLEN + sizeof *ev, payload, plen);
        b->len += pad ? NLMSG_ALIGN(h.nlmsg_len) : h.nlmsg_len;
}

/* Raw bytes, for broken headers. */
static void put_raw(struct rxbuf *b, const void *p, size_t n) {
        memcpy(rx_data(b) + b->len, p, n);
        b->len += n;
}

static struct netlink_reader reader(struct rxbuf *b) {
        return netlink_reader_make(rx_data(b), b->len);
}

static void test_reply(void **state) {
        struct rxbuf b = {};
        struct kiscsi_uevent ev = { .type = KISCSI_UEVENT_CREATE_SESSION, .transport_handle = 0xffff8880deadbeefull };
        ev.r.c_session_ret.sid = 7;
        ev.r.c_session_ret.host_no = 3;
        put(&b, KISCSI_UEVENT_CREATE_SESSION, 0, &ev, NULL, 0, true);

        struct netlink_reader r = reader(&b);
        struct netlink_msg m;
        assert_int_equal(netlink_reader_next(&r, &m), 1);
        assert_int_equal(m.kind, NETLINK_MSG_REPLY);
        assert_int_equal(m.request, KISCSI_UEVENT_CREATE_SESSION);
        assert_int_equal(m.error, 0);
        assert_int_equal(m.uevent.r.c_session_ret.sid, 7);
        assert_int_equal(m.uevent.r.c_session_ret.host_no, 3);
        assert_int_equal(m.payload_len, 0);
        assert_int_equal(netlink_reader_next(&r, &m), 0);
}

static int if_error(uint32_t iferror) {
        struct rxbuf b = {};
        struct kiscsi_uevent ev = { .type = KISCSI_KEVENT_IF_ERROR, .iferror = iferror };
        put(&b, KISCSI_UEVENT_BIND_CONN, 0, &ev, NULL, 0, true);
        struct netlink_reader r = reader(&b);
        struct netlink_msg m;
        assert_int_equal(netlink_reader_next(&r, &m), 1);
        assert_int_equal(m.kind, NETLINK_MSG_REPLY);
        assert_int_equal(m.request, KISCSI_UEVENT_BIND_CONN);
        return m.error;
}

static void test_if_error(void **state) {
        assert_int_equal(if_error((uint32_t) -EEXIST), -EEXIST);
        assert_int_equal(if_error(ENOMEM), -ENOMEM);            /* a positive one, read as an errno too */
        assert_int_equal(if_error(0), -EIO);                    /* IF_ERROR without an error */
        assert_int_equal(if_error(100000), -EIO);               /* not an errno */
        assert_int_equal(if_error(0x80000000u), -EIO);          /* INT32_MIN: no overflow */
}

/* A reply from a userspace port (nlmsg_pid != 0) is not the kernel's answer. */
static void test_reply_from_userspace(void **state) {
        struct rxbuf b = {};
        struct kiscsi_uevent ev = { .type = KISCSI_UEVENT_CREATE_SESSION };
        put(&b, KISCSI_UEVENT_CREATE_SESSION, 4242, &ev, NULL, 0, true);
        struct netlink_reader r = reader(&b);
        struct netlink_msg m;
        assert_int_equal(netlink_reader_next(&r, &m), 1);
        assert_int_equal(m.kind, NETLINK_MSG_OTHER);
}

static void test_events(void **state) {
        struct rxbuf b = { .shift = 1 }; /* misaligned on purpose: UBSan watches the reads */
        struct kiscsi_uevent ev = { .type = KISCSI_KEVENT_CONN_ERROR };
        ev.r.connerror.sid = 5;
        ev.r.connerror.cid = 1;
        ev.r.connerror.error = KISCSI_ERR_TCP_CONN_CLOSE;
        put(&b, 0, 0, &ev, NULL, 0, true);
        ev = (struct kiscsi_uevent) { .type = KISCSI_KEVENT_DESTROY_SESSION };
        ev.r.d_session.host_no = 9;
        ev.r.d_session.sid = 5;
        put(&b, 0, 0, &ev, NULL, 0, true);
        ev = (struct kiscsi_uevent) { .type = KISCSI_KEVENT_CONN_LOGIN_STATE };
        ev.r.connerror.sid = 6;
        ev.r.connerror.cid = 2;
        ev.r.connerror.error = 3;
        put(&b, 0, 0, &ev, NULL, 0, true);
        ev = (struct kiscsi_uevent) { .type = KISCSI_KEVENT_UNBIND_SESSION };
        put(&b, 0, 0, &ev, NULL, 0, true);

        struct netlink_reader r = reader(&b);
        struct netlink_msg m;
        assert_int_equal(netlink_reader_next(&r, &m), 1);
        assert_int_equal(m.kind, NETLINK_MSG_EVENT);
        assert_int_equal(m.event.type, KISCSI_KEVENT_CONN_ERROR);
        assert_int_equal(m.event.sid, 5);
        assert_int_equal(m.event.cid, 1);
        assert_int_equal(m.event.error, KISCSI_ERR_TCP_CONN_CLOSE);
        assert_null(m.event.pdu);
        assert_int_equal(netlink_reader_next(&r, &m), 1);
        assert_int_equal(m.event.type, KISCSI_KEVENT_DESTROY_SESSION);
        assert_int_equal(m.event.sid, 5); /* not the host number that comes first */
        assert_int_equal(netlink_reader_next(&r, &m), 1);
        assert_int_equal(m.event.type, KISCSI_KEVENT_CONN_LOGIN_STATE);
        assert_int_equal(m.event.sid, 6);
        assert_int_equal(m.event.cid, 2);
        assert_int_equal(m.event.error, 3);
        assert_int_equal(netlink_reader_next(&r, &m), 1);
        assert_int_equal(m.kind, NETLINK_MSG_OTHER);
        assert_int_equal(netlink_reader_next(&r, &m), 0);
}

/* RECV_PDU: the BHS and data follow the uevent; the kernel pads the message to 4 bytes. */
static void test_recv_pdu(void **state) {
        struct rxbuf b = { .shift = 2 };
        uint8_t pdu[48 + 5 + 3] = { 0x26 };     /* Logout Response, 5 data bytes, 3 padding */
        struct kiscsi_uevent ev = { .type = KISCSI_KEVENT_RECV_PDU };
        ev.r.recv_req.sid = 4;
        ev.r.recv_req.cid = 0;
        put(&b, 0, 0, &ev, pdu, sizeof pdu, true);
        put(&b, 0, 0, &ev, pdu, 47, true);      /* no full BHS */
        put(&b, 0, 0, &ev, pdu, 48, false);     /* the last, exactly a BHS */

        struct netlink_reader r = reader(&b);
        struct netlink_msg m;
        assert_int_equal(netlink_reader_next(&r, &m), 1);
        assert_int_equal(m.event.type, KISCSI_KEVENT_RECV_PDU);
        assert_int_equal(m.event.sid, 4);
        assert_int_equal(m.event.pdu_len, sizeof pdu);
        assert_ptr_equal(m.event.pdu, rx_data(&b) + NLMSG_HDRLEN + sizeof ev);
        assert_int_equal(((const uint8_t *) m.event.pdu)[0], 0x26);
        memset(&m, 0xa5, sizeof m);
        struct netlink_msg before = m;
        assert_int_equal(netlink_reader_next(&r, &m), -EBADMSG);
        assert_memory_equal(&m, &before, sizeof m);     /* untouched on failure */
        assert_int_equal(netlink_reader_next(&r, &m), 1);
        assert_int_equal(m.event.pdu_len, 48);
        assert_int_equal(netlink_reader_next(&r, &m), 0);
}

/* A message too short for its uevent is dropped, the next one is read. */
static void test_short_uevent(void **state) {
        struct rxbuf b = {};
        struct nlmsghdr h = { .nlmsg_len = NLMSG_HDRLEN + 20 };
        uint8_t body[20] = {};
        put_raw(&b, &h, sizeof h);
        put_raw(&b, body, sizeof body);
        struct kiscsi_uevent ev = { .type = KISCSI_UEVENT_STOP_CONN };
        put(&b, KISCSI_UEVENT_STOP_CONN, 0, &ev, NULL, 0, true);

        struct netlink_reader r = reader(&b);
        struct netlink_msg m;
        assert_int_equal(netlink_reader_next(&r, &m), -EBADMSG);
        assert_int_equal(netlink_reader_next(&r, &m), 1);
        assert_int_equal(m.request, KISCSI_UEVENT_STOP_CONN);
        assert_int_equal(netlink_reader_next(&r, &m), 0);
}

/* Broken framing ends the buffer: nothing after it can be located. */
static void test_bad_framing(void **state) {
        static const uint32_t lens[] = { 0, 15, 1000 /* past the end */ };
        for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
                struct rxbuf b = {};
                struct kiscsi_uevent ev = { .type = KISCSI_KEVENT_CONN_ERROR };
                put(&b, 0, 0, &ev, NULL, 0, true);
                struct nlmsghdr h = { .nlmsg_len = lens[i] };
                put_raw(&b, &h, sizeof h);
                put(&b, 0, 0, &ev, NULL, 0, true);

                struct netlink_reader r = reader(&b);
                struct netlink_msg m;
                assert_int_equal(netlink_reader_next(&r, &m), 1);
                assert_int_equal(netlink_reader_next(&r, &m), -EBADMSG);
                assert_int_equal(netlink_reader_next(&r, &m), 0);
        }
}

/* A buffer that ends inside a header, or right after an unpadded odd-length message. */
static void test_truncated(void **state) {
        struct rxbuf b = {};
        struct kiscsi_uevent ev = { .type = KISCSI_KEVENT_CONN_ERROR };
        uint8_t odd[1] = {};
        put(&b, 0, 0, &ev, odd, 1, false);      /* nlmsg_len 73; its padding would pass the end */
        struct netlink_reader r = reader(&b);
        struct netlink_msg m;
        assert_int_equal(netlink_reader_next(&r, &m), 1);
        assert_int_equal(netlink_reader_next(&r, &m), 0);

        put_raw(&b, "\x10\0\0\0\0\0", 6);      /* 6 bytes of a next header */
        r = reader(&b);
        assert_int_equal(netlink_reader_next(&r, &m), 1);
        assert_int_equal(netlink_reader_next(&r, &m), -EBADMSG);
        assert_int_equal(netlink_reader_next(&r, &m), 0);

        r = netlink_reader_make(rx_data(&b), 0);
        assert_int_equal(netlink_reader_next(&r, &m), 0);
}

/* A GET_STATS answer as iscsi_if_get_stats() sends it: multicast, uevent type GET_STATS. */
static size_t stats_payload(uint8_t *out, uint32_t custom_length, size_t customs_present) {
        struct kiscsi_stats st = { .txdata_octets = 1ull << 40, .rxdata_octets = 12345, .noptx_pdus = 1,
                                   .scsicmd_pdus = 77, .timeout_err = 19, .custom_length = custom_length };
        memcpy(out, &st, sizeof st);
        for (size_t k = 0; k < customs_present; k++) {
                struct kiscsi_stats_custom c = { .value = 100 + k };
                memcpy(c.desc, "eh_abort_cnt", 13);
                memcpy(out + sizeof st + k * sizeof c, &c, sizeof c);
        }
        return sizeof st + customs_present * sizeof(struct kiscsi_stats_custom);
}

static void test_stats(void **state) {
        struct rxbuf b = { .shift = 3 };
        uint8_t payload[4096];
        size_t plen = stats_payload(payload, 3, 3);
        struct kiscsi_uevent ev = { .type = KISCSI_UEVENT_GET_STATS };
        ev.u.get_stats.sid = 8;
        ev.u.get_stats.cid = 0;
        put(&b, 0, 0, &ev, payload, plen, true);
        struct netlink_reader r = reader(&b);
        struct netlink_msg m;
        assert_int_equal(netlink_reader_next(&r, &m), 1);
        assert_int_equal(m.kind, NETLINK_MSG_STATS);
        assert_int_equal(m.uevent.u.get_stats.sid, 8);

        struct iscsid_stat *s;
        size_t n;
        assert_int_equal(netlink_stats_decode(m.payload, m.payload_len, &s, &n), 0);
        assert_int_equal(n, 21 + 3);
        assert_string_equal(s[0].name, "txdata_octets");
        assert_true(s[0].value == 1ull << 40);
        assert_string_equal(s[1].name, "rxdata_octets");
        assert_int_equal(s[1].value, 12345);
        assert_string_equal(s[2].name, "noptx_pdus");
        assert_int_equal(s[2].value, 1);
        assert_string_equal(s[3].name, "scsicmd_pdus");
        assert_int_equal(s[3].value, 77);
        assert_string_equal(s[20].name, "timeout_err");
        assert_int_equal(s[20].value, 19);
        assert_string_equal(s[23].name, "eh_abort_cnt");
        assert_int_equal(s[23].value, 102);
        free(s);
}

static void test_stats_bad_lengths(void **state) {
        uint8_t payload[8192];
        struct iscsid_stat *s = (struct iscsid_stat *) 0x1;
        size_t n = 99;
        size_t plen = stats_payload(payload, 3, 2);     /* announces 3, carries 2 */
        assert_int_equal(netlink_stats_decode(payload, plen, &s, &n), -EBADMSG);
        plen = stats_payload(payload, KISCSI_STATS_CUSTOM_MAX + 1, KISCSI_STATS_CUSTOM_MAX + 1);
        assert_int_equal(netlink_stats_decode(payload, plen, &s, &n), -EBADMSG);
        plen = stats_payload(payload, 0xffffffffu, 0);  /* no overflow in the size check */
        assert_int_equal(netlink_stats_decode(payload, plen, &s, &n), -EBADMSG);
        assert_int_equal(netlink_stats_decode(payload, sizeof(struct kiscsi_stats) - 1, &s, &n), -EBADMSG);
        assert_ptr_equal(s, (struct iscsid_stat *) 0x1);
        assert_int_equal(n, 99);

        /* The most the kernel sends; extra bytes after the entries are padding. */
        plen = stats_payload(payload, KISCSI_STATS_CUSTOM_MAX, KISCSI_STATS_CUSTOM_MAX);
        assert_int_equal(netlink_stats_decode(payload, plen + 4, &s, &n), 0);
        assert_int_equal(n, 21 + KISCSI_STATS_CUSTOM_MAX);
        free(s);
}

/* A custom description of 64 bytes without a NUL is cut to what a stat name holds. */
static void test_stats_unterminated_desc(void **state) {
        uint8_t payload[512];
        size_t plen = stats_payload(payload, 1, 1);
        memset(payload + sizeof(struct kiscsi_stats), 'x', 64);
        struct iscsid_stat *s;
        size_t n;
        assert_int_equal(netlink_stats_decode(payload, plen, &s, &n), 0);
        assert_int_equal(n, 22);
        assert_int_equal(strlen(s[21].name), sizeof s[21].name - 1);
        free(s);
}

/* An IF_ERROR answer to GET_STATS comes back unicast, like any other request's. */
static void test_stats_error(void **state) {
        struct rxbuf b = {};
        struct kiscsi_uevent ev = { .type = KISCSI_KEVENT_IF_ERROR, .iferror = (uint32_t) -EEXIST };
        put(&b, KISCSI_UEVENT_GET_STATS, 0, &ev, NULL, 0, true);
        struct netlink_reader r = reader(&b);
        struct netlink_msg m;
        assert_int_equal(netlink_reader_next(&r, &m), 1);
        assert_int_equal(m.kind, NETLINK_MSG_REPLY);
        assert_int_equal(m.request, KISCSI_UEVENT_GET_STATS);
        assert_int_equal(m.error, -EEXIST);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_reply),
                cmocka_unit_test(test_if_error),
                cmocka_unit_test(test_reply_from_userspace),
                cmocka_unit_test(test_events),
                cmocka_unit_test(test_recv_pdu),
                cmocka_unit_test(test_short_uevent),
                cmocka_unit_test(test_bad_framing),
                cmocka_unit_test(test_truncated),
                cmocka_unit_test(test_stats),
                cmocka_unit_test(test_stats_bad_lengths),
                cmocka_unit_test(test_stats_unterminated_desc),
                cmocka_unit_test(test_stats_error),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
