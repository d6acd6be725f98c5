/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of conn.c, the PDU framing: PDUs split at every possible point, AHS, padding,
 * CRC32C digests (good and bad), data placed straight into a caller's buffer, the
 * scatter-gather send queue, and the worker's shared receive stage (bytes parked while
 * receiving is paused, a receive nested in another connection's handler). A socketpair
 * stands in for the TCP connection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "conn.h"
#include "iscsi-proto/digest.h"
#include "iscsi-util/macro.h"

typedef struct Seen {
        unsigned headers, pdus, closed;
        uint8_t opcode[16];
        uint32_t dlen[16];
        bool data_ok[16];
        uint8_t data[16][300];
        uint8_t direct[300];            /* where data goes when direct placement is on */
        bool use_direct;
        TxPdu *backlog;                 /* queued and flushed by the first PDU's handler */
        Conn *nested;                   /* receives inside the first PDU's handler */
} Seen;

static Seen seen;

static enum rx_verdict t_header(Conn *c) {
        seen.opcode[seen.headers % 16] = c->rx_hdr[0] & 0x3f;
        seen.headers++;
        if (seen.use_direct)
                c->rx_dst = seen.direct;
        return RX_ACCEPT;
}

static int t_pdu(Conn *c, bool data_ok) {
        unsigned i = seen.pdus++ % 16;
        seen.dlen[i] = c->rx_dlen;
        seen.data_ok[i] = data_ok;
        if (c->rx_data)
                memcpy(seen.data[i], c->rx_data, MIN(c->rx_dlen, sizeof(seen.data[i])));
        if (seen.nested) {
                Conn *other = TAKE_PTR(seen.nested);
                other->io.dispatch(&other->io, EPOLLIN);
        }
        if (seen.backlog) {
                /* More than the send backlog limit: receiving pauses inside this PDU's turn. */
                conn_queue(c, TAKE_PTR(seen.backlog));
                conn_flush(c);
        }
        return 0;
}

static void t_closed(Conn *c) {
        seen.closed++;
}

static const ConnOps ops = { .header = t_header, .pdu = t_pdu, .closed = t_closed };

typedef struct Fixture {
        Worker w;
        ConnWorker cw;
        Conn *c;
        int peer;
} Fixture;

static int setup(void **state) {
        Fixture *f = calloc(1, sizeof(*f));
        int sv[2];

        assert_non_null(f);
        memset(&seen, 0, sizeof(seen));
        f->w.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        assert_true(f->w.epoll_fd >= 0);
        f->cw.worker = &f->w;
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_equal(conn_new(&f->cw, sv[0], &ops, &f->c), 0);
        f->peer = sv[1];
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;

        /* The reference conn_new() returned is the live connection's: closing hands it to
         * the dead list, which drops it. A failed test may leave a second one open. */
        while (f->cw.conns)
                conn_close(f->cw.conns);
        conn_worker_after_dispatch(&f->cw);
        conn_worker_done(&f->cw);
        close(f->peer);
        close(f->w.epoll_fd);
        free(f);
        return 0;
}

/* Build one PDU: opcode, AHS words, data, with digests as the connection has them. */
static size_t build(const Conn *c, uint8_t *out, uint8_t opcode, unsigned ahs_words, const void *data,
                    uint32_t dlen, bool corrupt_hdr, bool corrupt_data) {
        size_t n = ISCSI_BHS_SIZE + ahs_words * 4, pad = iscsi_pad_len(dlen);

        memset(out, 0, n);
        out[0] = opcode;
        out[4] = ahs_words;
        out[5] = dlen >> 16;
        out[6] = dlen >> 8;
        out[7] = dlen;
        if (c->header_digest) {
                iscsi_digest_put(out + n, iscsi_crc32c(out, n) ^ (corrupt_hdr ? 1 : 0));
                n += 4;
        }
        if (dlen > 0) {
                memcpy(out + n, data, dlen);
                memset(out + n + dlen, 0, pad);
                if (c->data_digest) {
                        iscsi_digest_put(out + n + dlen + pad, iscsi_crc32c(out + n, dlen + pad) ^ (corrupt_data ? 1 : 0));
                        n += 4;
                }
                n += dlen + pad;
        }
        return n;
}

static void pump(Fixture *f) {
        f->c->io.dispatch(&f->c->io, EPOLLIN);
}

/* Write buf in pieces of `chunk` bytes, letting the connection read after each. */
static void feed(Fixture *f, const uint8_t *buf, size_t len, size_t chunk) {
        for (size_t off = 0; off < len && !f->c->dead; off += chunk) {
                size_t n = MIN(chunk, len - off);
                assert_int_equal(write(f->peer, buf + off, n), (ssize_t) n);
                pump(f);
        }
}

static void test_split_everywhere(void **state) {
        static const uint8_t data[] = "hello, target";   /* 14 bytes: 2 bytes of padding */
        uint8_t buf[1024];
        size_t len = 0;

        for (bool digests = false;; digests = true) {
                for (size_t chunk = 1; chunk <= 80; chunk++) {
                        Fixture *f = *state;
                        len = 0;
                        memset(&seen, 0, sizeof(seen));
                        f->c->header_digest = f->c->data_digest = digests;
                        len += build(f->c, buf + len, 0x00, 0, data, sizeof(data), false, false);
                        len += build(f->c, buf + len, 0x01, 2, NULL, 0, false, false);
                        len += build(f->c, buf + len, 0x04, 1, data, 5, false, false);
                        feed(f, buf, len, chunk);
                        assert_int_equal(seen.pdus, 3);
                        assert_int_equal(seen.opcode[0], 0x00);
                        assert_int_equal(seen.opcode[1], 0x01);
                        assert_int_equal(seen.opcode[2], 0x04);
                        assert_int_equal(seen.dlen[0], sizeof(data));
                        assert_memory_equal(seen.data[0], data, sizeof(data));
                        assert_int_equal(seen.dlen[1], 0);
                        assert_int_equal(seen.dlen[2], 5);
                        assert_memory_equal(seen.data[2], data, 5);
                        assert_true(seen.data_ok[0] && seen.data_ok[2]);
                        assert_int_equal(seen.closed, 0);
                }
                if (digests)
                        break;
        }
}

static void test_bad_header_digest_closes(void **state) {
        Fixture *f = *state;
        uint8_t buf[256];
        size_t len;

        f->c->header_digest = true;
        len = build(f->c, buf, 0x00, 0, NULL, 0, true, false);
        feed(f, buf, len, len);
        assert_int_equal(seen.pdus, 0);
        assert_int_equal(seen.closed, 1);
}

static void test_bad_data_digest_reported(void **state) {
        Fixture *f = *state;
        uint8_t buf[256];
        size_t len;

        f->c->header_digest = f->c->data_digest = true;
        len = build(f->c, buf, 0x00, 0, "abcdefg", 7, false, true);
        len += build(f->c, buf + len, 0x00, 0, "abcdefg", 7, false, false);
        feed(f, buf, len, 7);
        assert_int_equal(seen.pdus, 2);
        assert_false(seen.data_ok[0]);
        assert_true(seen.data_ok[1]);
        assert_int_equal(seen.closed, 0);
}

static void test_oversized_segment_closes(void **state) {
        Fixture *f = *state;
        uint8_t buf[ISCSI_BHS_SIZE] = { 0x00 };

        f->c->rx_max_dlen = 8192;
        buf[5] = 0xff;          /* 16 MiB - 1 */
        buf[6] = 0xff;
        buf[7] = 0xff;
        feed(f, buf, sizeof(buf), sizeof(buf));
        assert_int_equal(seen.closed, 1);
        assert_int_equal(seen.pdus, 0);
}

static void test_direct_placement(void **state) {
        Fixture *f = *state;
        uint8_t data[200], buf[512];
        size_t len;

        for (unsigned i = 0; i < sizeof(data); i++)
                data[i] = i;
        seen.use_direct = true;
        len = build(f->c, buf, 0x05, 0, data, sizeof(data), false, false);
        feed(f, buf, len, 13);
        assert_int_equal(seen.pdus, 1);
        assert_memory_equal(seen.direct, data, sizeof(data));
}

static void txpdu_count_release(TxPdu *p) {
        (*(unsigned *) p->owner)++;
        free(p);
}

static void test_send_queue(void **state) {
        Fixture *f = *state;
        static const uint8_t payload[] = "0123456789";        /* 11 bytes with the NUL */
        unsigned released = 0;
        uint8_t got[512];
        ssize_t n;

        f->c->header_digest = f->c->data_digest = true;
        for (unsigned i = 0; i < 3; i++) {
                TxPdu *p = calloc(1, sizeof(*p));
                assert_non_null(p);
                p->hdr[0] = 0x20 + i;
                p->data = payload;
                p->data_len = i == 1 ? 0 : sizeof(payload);
                p->owner = &released;
                p->release = txpdu_count_release;
                conn_queue(f->c, p);
        }
        conn_worker_after_dispatch(&f->cw);
        assert_int_equal(released, 3);

        n = read(f->peer, got, sizeof(got));
        /* (48 + 4) + (11 + 1 + 4), then 48 + 4, then the first again */
        assert_int_equal(n, 2 * (52 + 16) + 52);
        for (size_t off = 0, i = 0; i < 3; i++) {
                uint32_t dlen = (uint32_t) got[off + 5] << 16 | got[off + 6] << 8 | got[off + 7];
                assert_int_equal(got[off], 0x20 + i);
                assert_int_equal(iscsi_digest_get(got + off + 48), iscsi_crc32c(got + off, 48));
                off += 52;
                if (dlen) {
                        assert_int_equal(dlen, sizeof(payload));
                        assert_memory_equal(got + off, payload, sizeof(payload));
                        assert_int_equal(iscsi_digest_get(got + off + 12), iscsi_crc32c(got + off, 12));
                        off += 16;
                }
        }
}

/* A connection that never sends holds no receive buffer; one that did holds none between
 * reads either: the 64 KiB stage is the worker's. */
static void test_stage_is_the_workers(void **state) {
        Fixture *f = *state;
        uint8_t buf[256];
        size_t len;

        assert_null(f->c->stage);
        pump(f);                        /* a wakeup without data */
        assert_null(f->c->stage);
        len = build(f->c, buf, 0x05, 0, "abc", 3, false, false);
        feed(f, buf, len, len);
        assert_int_equal(seen.pdus, 1);
        assert_null(f->c->stage);
        assert_non_null(f->cw.stage);
        assert_null(f->cw.stage_user);
}

static void txpdu_free_data(TxPdu *p) {
        free((void *) p->data);
        free(p);
}

/* Receive pauses (send backlog over its limit) with a second PDU already staged: those bytes
 * are parked in the connection's own copy, survive another connection using the worker's
 * stage, and are delivered when sending drains. */
static void test_paused_bytes_parked(void **state) {
        Fixture *f = *state;
        uint8_t buf[512], sink[256 * 1024];
        size_t len, len2;
        Conn *other;
        int sv[2];

        seen.backlog = calloc(1, sizeof(TxPdu));
        assert_non_null(seen.backlog);
        seen.backlog->data_len = 33u * 1024 * 1024;
        seen.backlog->data = calloc(1, seen.backlog->data_len);
        assert_non_null(seen.backlog->data);
        seen.backlog->release = txpdu_free_data;

        len = build(f->c, buf, 0x05, 0, "first", 5, false, false);
        len += build(f->c, buf + len, 0x06, 0, "second", 6, false, false);
        feed(f, buf, len, len);
        assert_int_equal(seen.pdus, 1);
        assert_true(f->c->rx_paused);
        assert_non_null(f->c->stage);
        assert_ptr_not_equal(f->c->stage, f->cw.stage);
        assert_null(f->cw.stage_user);

        /* Another connection of the worker reads through the stage meanwhile. */
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_equal(conn_new(&f->cw, sv[0], &ops, &other), 0);
        len2 = build(other, buf, 0x07, 0, "other", 5, false, false);
        assert_int_equal(write(sv[1], buf, len2), (ssize_t) len2);
        other->io.dispatch(&other->io, EPOLLIN);
        assert_int_equal(seen.pdus, 2);
        assert_int_equal(seen.opcode[1], 0x07);

        while (f->c->rx_paused) {
                assert_true(read(f->peer, sink, sizeof(sink)) > 0);
                f->c->io.dispatch(&f->c->io, EPOLLOUT);
        }
        assert_int_equal(seen.pdus, 3);
        assert_int_equal(seen.opcode[2], 0x06);
        assert_int_equal(seen.dlen[2], 6);
        assert_memory_equal(seen.data[2], "second", 6);
        assert_null(f->c->stage);

        conn_close(other);
        conn_worker_after_dispatch(&f->cw);
        close(sv[1]);
}

/* A receive nested in another connection's PDU handler leaves the stage alone while that
 * connection's next PDU is still staged in it, and reads on its next wakeup. */
static void test_nested_receive_waits(void **state) {
        Fixture *f = *state;
        uint8_t buf[512], obuf[128];
        size_t len, olen;
        Conn *other;
        int sv[2];

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_equal(conn_new(&f->cw, sv[0], &ops, &other), 0);
        olen = build(other, obuf, 0x07, 0, "other", 5, false, false);
        assert_int_equal(write(sv[1], obuf, olen), (ssize_t) olen);
        seen.nested = other;

        len = build(f->c, buf, 0x05, 0, "first", 5, false, false);
        len += build(f->c, buf + len, 0x06, 0, "second", 6, false, false);
        feed(f, buf, len, len);
        assert_int_equal(seen.pdus, 2);
        assert_int_equal(seen.opcode[1], 0x06);
        assert_memory_equal(seen.data[1], "second", 6);

        other->io.dispatch(&other->io, EPOLLIN);
        assert_int_equal(seen.pdus, 3);
        assert_int_equal(seen.opcode[2], 0x07);
        assert_memory_equal(seen.data[2], "other", 5);

        conn_close(other);
        conn_worker_after_dispatch(&f->cw);
        close(sv[1]);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_split_everywhere, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_header_digest_closes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_data_digest_reported, setup, teardown),
                cmocka_unit_test_setup_teardown(test_oversized_segment_closes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_direct_placement, setup, teardown),
                cmocka_unit_test_setup_teardown(test_send_queue, setup, teardown),
                cmocka_unit_test_setup_teardown(test_stage_is_the_workers, setup, teardown),
                cmocka_unit_test_setup_teardown(test_paused_bytes_parked, setup, teardown),
                cmocka_unit_test_setup_teardown(test_nested_receive_waits, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
