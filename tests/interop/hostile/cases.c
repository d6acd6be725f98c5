/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#include "cases.h"
#include "iscsi-proto/digest.h"
#include "hconn.h"
#include "iscsi-util/macro.h"

#define HUGE_DLENGTH 0xffffffu                  /* 16 MiB - 1: the largest 24-bit length */
#define SCSI_TUR 0x00
#define SCSI_WRITE10 0x2a

static void record(HCtx *ctx, const char *name, const HConn *hc, const char *iqn) {
        if (!ctx->peers)
                return;
        fprintf(ctx->peers, "%s %s %s\n", name, hc->local, iqn ?: "-");
        fflush(ctx->peers);
}

static int connect_login(HCtx *ctx, HConn *hc, bool digests) {
        HLogin o = { .initiator = ctx->initiator, .target = ctx->target, .digests = digests };
        int r;

        r = hc_connect(ctx->port, hc);
        if (r < 0)
                return hfail("connect: %s", strerror(-r));
        return hc_login(hc, &o);
}

/* The session still works: a ping and a TEST UNIT READY. */
static int session_alive(HConn *hc, const char *after) {
        int r;

        r = hc_ping(hc);
        if (r < 0)
                return r == -EPROTO ? r : hfail("no NOP-In after %s: %s", after, strerror(-r));
        r = hc_tur(hc);
        if (r < 0)
                return r == -EPROTO ? r : hfail("no SCSI Response after %s: %s", after, strerror(-r));
        if (r != 0)
                return hfail("TEST UNIT READY status 0x%02x after %s", r, after);
        return 0;
}

/* A Reject that carries the header we sent, or the connection dropped. *ret_dropped says
 * which. Other answers (an echo of an oversized ping, say) fail. */
static int expect_reject_or_drop(HConn *hc, const uint8_t hdr[ISCSI_BHS_SIZE], uint32_t itt, bool *ret_dropped,
                                 uint8_t *ret_reason) {
        struct iscsi_pdu_view v;
        int r;

        for (;;) {
                r = hc_recv(hc, 5000, &v);
                if (r == -ECONNRESET) {
                        *ret_dropped = true;
                        return 0;
                }
                if (r == -ETIMEDOUT)
                        return hfail("neither Reject nor connection drop within 5 s");
                if (r < 0)
                        return hfail("receive: %s", strerror(-r));
                if (v.bhs.opcode == ISCSI_OP_REJECT) {
                        if (v.data_len < ISCSI_BHS_SIZE || memcmp(v.data, hdr, ISCSI_BHS_SIZE) != 0)
                                return hfail("Reject (reason 0x%02x) does not carry the rejected header",
                                             v.bhs.reject_reason);
                        *ret_dropped = false;
                        if (ret_reason)
                                *ret_reason = v.bhs.reject_reason;
                        return 0;
                }
                if (v.bhs.itt == itt)
                        return hfail("the PDU was accepted (answered with opcode 0x%02x)", v.bhs.opcode);
        }
}

/* Send a header, then stream up to `data` bytes of zeros for at most 5 s while the target
 * reads them; true if the target drops the connection within 5 s after that. */
static bool send_and_expect_drop(HConn *hc, const uint8_t *hdr, size_t hdr_len, size_t data, bool *ret_answered) {
        static uint8_t zeros[65536];
        struct timespec start, now;
        uint8_t op;
        int r;

        *ret_answered = false;
        r = hc_send_raw(hc, hdr, hdr_len);
        if (r < 0)
                return true;
        clock_gettime(CLOCK_MONOTONIC, &start);
        while (data > 0) {
                struct pollfd pfd = { .fd = hc->fd, .events = POLLOUT | POLLIN };
                ssize_t n;

                clock_gettime(CLOCK_MONOTONIC, &now);
                if (now.tv_sec - start.tv_sec >= 5)
                        break;
                if (poll(&pfd, 1, 1000) <= 0)
                        continue;
                if (pfd.revents & (POLLIN | POLLHUP | POLLERR))
                        break;          /* an answer or the close: see below */
                n = send(hc->fd, zeros, MIN(data, sizeof(zeros)), MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
                        return true;
                if (n > 0)
                        data -= n;
        }
        if (hc_wait_closed(hc, 5000, &op)) {
                *ret_answered = op != 0xff && op != ISCSI_OP_REJECT;
                return true;
        }
        return false;
}

/* ---- full feature phase ---- */

static int run_unknown_opcode(HCtx *ctx) {
        static const uint8_t opcodes[] = { 0x1d, 0x0f };
        _cleanup_(hc_close) HConn hc = HCONN_NULL;
        int r;

        r = connect_login(ctx, &hc, false);
        if (r < 0)
                return r;
        record(ctx, "unknown-opcode", &hc, ctx->initiator);
        /* Vendor-specific 0x1d, then the reserved 0x0f: each gets its Reject, session goes on. */
        for (size_t i = 0; i < ELEMENTSOF(opcodes); i++) {
                uint8_t hdr[ISCSI_BHS_SIZE] = { ISCSI_OP_IMMEDIATE | opcodes[i], 0x80 };
                uint8_t reason = 0;
                bool dropped;

                iscsi_put_be32(hdr + 16, hc_next_itt(&hc));
                iscsi_put_be32(hdr + 24, hc.cmdsn);
                iscsi_put_be32(hdr + 28, hc.expstatsn);
                r = hc_send_raw(&hc, hdr, sizeof(hdr));
                if (r < 0)
                        return hfail("send: %s", strerror(-r));
                r = expect_reject_or_drop(&hc, hdr, iscsi_get_be32(hdr + 16), &dropped, &reason);
                if (r < 0)
                        return r;
                if (dropped)
                        return hfail("opcode 0x%02x: connection dropped instead of a Reject", opcodes[i]);
                if (reason != ISCSI_REJECT_PROTOCOL_ERROR && reason != ISCSI_REJECT_CMD_NOT_SUPPORTED)
                        return hfail("opcode 0x%02x: Reject reason 0x%02x, expected 0x04 or 0x05", opcodes[i], reason);
                r = session_alive(&hc, "the Reject");
                if (r < 0)
                        return r;
        }
        return 0;
}

/* NOP-Out (or WRITE with immediate data) whose data segment is 4 bytes over the target's
 * MaxRecvDataSegmentLength: RFC 7143 §13.12 makes that a protocol error. */
static int oversize(HCtx *ctx, const char *name, bool write) {
        _cleanup_(hc_close) HConn hc = HCONN_NULL;
        _cleanup_free_ uint8_t *data = NULL;
        uint8_t hdr[ISCSI_BHS_SIZE];
        struct iscsi_bhs b;
        size_t len;
        bool dropped;
        int r;

        r = connect_login(ctx, &hc, false);
        if (r < 0)
                return r;
        record(ctx, name, &hc, ctx->initiator);
        len = write ? ALIGN4(hc.target_mrdsl) + 512 : hc.target_mrdsl + 4;
        data = calloc(1, len);
        if (!data)
                return -ENOMEM;
        if (write) {
                hc_prepare(&hc, &b, ISCSI_OP_SCSI_CMD, false);
                b.flags = ISCSI_FLAG_CMD_WRITE;
                b.task_attr = ISCSI_ATTR_SIMPLE;
                b.edtl = (uint32_t) len;
                b.cdb[0] = SCSI_WRITE10;
                iscsi_put_be16(b.cdb + 7, (uint16_t) (len / 512));
        } else
                hc_prepare(&hc, &b, ISCSI_OP_NOP_OUT, true);
        b.dlength = (uint32_t) len;
        if (iscsi_bhs_encode(&b, hdr) < 0)
                return hfail("encode");
        r = hc_send(&hc, &b, data, len);
        if (r == -EPIPE || r == -ECONNRESET)
                return 0;       /* dropped while we were still sending */
        if (r < 0)
                return hfail("send: %s", strerror(-r));
        r = expect_reject_or_drop(&hc, hdr, b.itt, &dropped, NULL);
        if (r < 0 || dropped)
                return r;
        return session_alive(&hc, "the Reject");
}

static int run_mrdsl_nop(HCtx *ctx) {
        return oversize(ctx, "mrdsl-nop", false);
}

static int run_mrdsl_write(HCtx *ctx) {
        return oversize(ctx, "mrdsl-write", true);
}

/* A header announcing a 16 MiB data segment: the connection must go, without the target
 * buffering that much (the suite watches the daemon's memory). */
static int huge(HCtx *ctx, const char *name, uint8_t opcode) {
        _cleanup_(hc_close) HConn hc = HCONN_NULL;
        uint8_t hdr[ISCSI_BHS_SIZE + ISCSI_DIGEST_SIZE];
        struct iscsi_bhs b;
        bool answered;
        int r;

        if (opcode == ISCSI_OP_LOGIN_REQ) {
                r = hc_connect(ctx->port, &hc);
                if (r < 0)
                        return hfail("connect: %s", strerror(-r));
                record(ctx, name, &hc, NULL);
                b = (struct iscsi_bhs) {
                        .opcode = ISCSI_OP_LOGIN_REQ, .immediate = true, .final = true,
                        .csg = ISCSI_STAGE_SECURITY, .nsg = ISCSI_STAGE_OPERATIONAL,
                        .itt = 1, .cmdsn = 1,
                };
                b.flags = iscsi_login_flags(true, false, b.csg, b.nsg);
                memcpy(b.isid, hc.isid, 6);
        } else {
                r = connect_login(ctx, &hc, false);
                if (r < 0)
                        return r;
                record(ctx, name, &hc, ctx->initiator);
                hc_prepare(&hc, &b, opcode, true);
                if (opcode == ISCSI_OP_DATA_OUT) {
                        b.itt = 0xdead0001;     /* no such task */
                        b.immediate = false;
                }
        }
        b.dlength = HUGE_DLENGTH;
        if (iscsi_bhs_encode(&b, hdr) < 0)
                return hfail("encode");
        if (!send_and_expect_drop(&hc, hdr, ISCSI_BHS_SIZE, 16u << 20, &answered))
                return hfail("connection still open 5 s after 16 MiB were announced");
        if (answered)
                return hfail("the PDU was answered before the drop");
        return 0;
}

static int run_huge_nop(HCtx *ctx) {
        return huge(ctx, "huge-nop", ISCSI_OP_NOP_OUT);
}

static int run_huge_scsi(HCtx *ctx) {
        return huge(ctx, "huge-scsi", ISCSI_OP_SCSI_CMD);
}

static int run_huge_dataout(HCtx *ctx) {
        return huge(ctx, "huge-dataout", ISCSI_OP_DATA_OUT);
}

static int run_huge_login(HCtx *ctx) {
        return huge(ctx, "huge-login", ISCSI_OP_LOGIN_REQ);
}

/* Header digest error: RFC 7143 §7.8 - nothing in the header can be trusted; at ERL 0 the
 * connection is dropped. */
static int run_header_digest(HCtx *ctx) {
        _cleanup_(hc_close) HConn hc = HCONN_NULL;
        uint8_t pdu[ISCSI_BHS_SIZE + ISCSI_DIGEST_SIZE];
        struct iscsi_bhs b;
        bool answered;
        ssize_t n;
        int r;

        r = connect_login(ctx, &hc, true);
        if (r < 0)
                return r;
        r = session_alive(&hc, "login with digests");
        if (r < 0)
                return r;
        record(ctx, "header-digest", &hc, ctx->initiator);
        hc_prepare(&hc, &b, ISCSI_OP_NOP_OUT, true);
        n = iscsi_pdu_build(&b, NULL, 0, NULL, hc.digests, pdu, sizeof(pdu));
        if (n != (ssize_t) sizeof(pdu))
                return hfail("build");
        pdu[ISCSI_BHS_SIZE] ^= 0x5a;
        if (!send_and_expect_drop(&hc, pdu, sizeof(pdu), 0, &answered))
                return hfail("connection still open after a header digest error");
        if (answered)
                return hfail("the PDU with the bad header digest was answered");
        return 0;
}

/* Data digest error on a NOP-Out: RFC 7143 §7.8 - Reject with reason 0x02, PDU discarded,
 * the session goes on. */
static int run_data_digest(HCtx *ctx) {
        static const char payload[] = "payload with a broken digest";
        _cleanup_(hc_close) HConn hc = HCONN_NULL;
        uint8_t pdu[ISCSI_BHS_SIZE + 2 * ISCSI_DIGEST_SIZE + sizeof(payload) + 4];
        uint8_t reason = 0;
        struct iscsi_bhs b;
        bool dropped;
        ssize_t n;
        int r;

        r = connect_login(ctx, &hc, true);
        if (r < 0)
                return r;
        record(ctx, "data-digest", &hc, ctx->initiator);
        hc_prepare(&hc, &b, ISCSI_OP_NOP_OUT, true);
        b.dlength = sizeof(payload);
        n = iscsi_pdu_build(&b, NULL, 0, payload, hc.digests, pdu, sizeof(pdu));
        if (n < 0)
                return hfail("build");
        pdu[n - 1] ^= 0x5a;
        r = hc_send_raw(&hc, pdu, n);
        if (r < 0)
                return hfail("send: %s", strerror(-r));
        r = expect_reject_or_drop(&hc, pdu, b.itt, &dropped, &reason);
        if (r < 0)
                return r;
        if (dropped)
                return hfail("connection dropped; RFC 7143 §7.8 wants a Reject (0x02) and the session kept");
        if (reason != ISCSI_REJECT_DATA_DIGEST)
                return hfail("Reject reason 0x%02x, expected 0x02 (data digest error)", reason);
        return session_alive(&hc, "the data digest Reject");
}

/* Commands outside [ExpCmdSN, MaxCmdSN] are ignored silently (RFC 7143 §3.2.2.1); the ones
 * inside still work and the window does not move. */
static int run_cmdsn_window(HCtx *ctx) {
        _cleanup_(hc_close) HConn hc = HCONN_NULL;
        uint32_t bogus_itt[2], cmdsn;
        struct iscsi_pdu_view v;
        struct iscsi_bhs b;
        int r;

        r = connect_login(ctx, &hc, false);
        if (r < 0)
                return r;
        record(ctx, "cmdsn-window", &hc, ctx->initiator);
        cmdsn = hc.cmdsn;
        for (unsigned i = 0; i < 2; i++) {
                hc_prepare(&hc, &b, ISCSI_OP_SCSI_CMD, true);
                b.immediate = false;
                b.task_attr = ISCSI_ATTR_SIMPLE;
                b.cmdsn = i == 0 ? hc.max_cmdsn + 1000 : cmdsn - 10;
                bogus_itt[i] = b.itt;
                r = hc_send(&hc, &b, NULL, 0);
                if (r < 0)
                        return hfail("send: %s", strerror(-r));
        }
        hc_prepare(&hc, &b, ISCSI_OP_SCSI_CMD, false);
        b.task_attr = ISCSI_ATTR_SIMPLE;
        r = hc_send(&hc, &b, NULL, 0);
        if (r < 0)
                return hfail("send: %s", strerror(-r));
        for (;;) {
                r = hc_recv(&hc, 5000, &v);
                if (r < 0)
                        return hfail("in-window command not answered: %s", strerror(-r));
                if (v.bhs.itt == bogus_itt[0] || v.bhs.itt == bogus_itt[1])
                        return hfail("command with CmdSN outside the window was answered (opcode 0x%02x)",
                                     v.bhs.opcode);
                if (v.bhs.itt == b.itt)
                        break;
        }
        if (v.bhs.opcode != ISCSI_OP_SCSI_RSP || v.bhs.status != 0)
                return hfail("in-window TEST UNIT READY: opcode 0x%02x status 0x%02x", v.bhs.opcode, v.bhs.status);
        if (v.bhs.expcmdsn != cmdsn + 1)
                return hfail("ExpCmdSN %u after the in-window command, expected %u", v.bhs.expcmdsn, cmdsn + 1);
        r = hc_recv(&hc, ctx->quick ? 200 : 1000, &v);
        if (r == 0 && (v.bhs.itt == bogus_itt[0] || v.bhs.itt == bogus_itt[1]))
                return hfail("command with CmdSN outside the window was answered late");
        if (r == 0)
                return hfail("unexpected PDU 0x%02x", v.bhs.opcode);
        if (r != -ETIMEDOUT)
                return hfail("receive: %s", strerror(-r));
        return session_alive(&hc, "out-of-window commands");
}

/* Requests that are valid PDUs but wrong here: a Login Request in full feature phase, a
 * SNACK at ErrorRecoveryLevel 0. RFC 7143 §11.17: Reject with the header, session goes on. */
static int wrong_here(HCtx *ctx, const char *name, uint8_t opcode) {
        _cleanup_(hc_close) HConn hc = HCONN_NULL;
        uint8_t hdr[ISCSI_BHS_SIZE];
        struct iscsi_bhs b;
        uint8_t reason = 0;
        bool dropped;
        int r;

        r = connect_login(ctx, &hc, false);
        if (r < 0)
                return r;
        record(ctx, name, &hc, ctx->initiator);
        hc_prepare(&hc, &b, opcode, true);
        if (opcode == ISCSI_OP_LOGIN_REQ) {
                memcpy(b.isid, hc.isid, 6);
                b.csg = ISCSI_STAGE_OPERATIONAL;
                b.nsg = ISCSI_STAGE_FULL_FEATURE;
                b.flags = iscsi_login_flags(true, false, b.csg, b.nsg);
        }
        if (opcode == ISCSI_OP_SNACK_REQ) {
                b.snack_type = ISCSI_SNACK_STATUS;
                b.immediate = false;
        }
        b.dlength = 0;
        if (iscsi_bhs_encode(&b, hdr) < 0)
                return hfail("encode");
        r = hc_send_raw(&hc, hdr, sizeof(hdr));
        if (r < 0)
                return hfail("send: %s", strerror(-r));
        r = expect_reject_or_drop(&hc, hdr, b.itt, &dropped, &reason);
        if (r < 0)
                return r;
        if (dropped)
                return hfail("connection dropped instead of a Reject");
        if (reason != ISCSI_REJECT_PROTOCOL_ERROR && reason != ISCSI_REJECT_CMD_NOT_SUPPORTED &&
            reason != ISCSI_REJECT_SNACK)
                return hfail("Reject reason 0x%02x", reason);
        return session_alive(&hc, "the Reject");
}

static int run_login_in_ffp(HCtx *ctx) {
        return wrong_here(ctx, "login-in-ffp", ISCSI_OP_LOGIN_REQ);
}

static int run_snack(HCtx *ctx) {
        return wrong_here(ctx, "snack", ISCSI_OP_SNACK_REQ);
}

/* A SCSI Command whose AHS claims more bytes than TotalAHSLength holds. */
static int run_bad_ahs(HCtx *ctx) {
        _cleanup_(hc_close) HConn hc = HCONN_NULL;
        uint8_t pdu[ISCSI_BHS_SIZE + 8];
        struct iscsi_bhs b;
        bool dropped;
        int r;

        r = connect_login(ctx, &hc, false);
        if (r < 0)
                return r;
        record(ctx, "bad-ahs", &hc, ctx->initiator);
        hc_prepare(&hc, &b, ISCSI_OP_SCSI_CMD, false);
        b.task_attr = ISCSI_ATTR_SIMPLE;
        b.totalahslen = 2;
        if (iscsi_bhs_encode(&b, pdu) < 0)
                return hfail("encode");
        pdu[4] = 2;                             /* 8 bytes of AHS ... */
        memset(pdu + ISCSI_BHS_SIZE, 0, 8);
        iscsi_put_be16(pdu + ISCSI_BHS_SIZE, 100); /* ... whose first one says 100 */
        pdu[ISCSI_BHS_SIZE + 2] = ISCSI_AHS_EXTENDED_CDB;
        r = hc_send_raw(&hc, pdu, sizeof(pdu));
        if (r < 0)
                return hfail("send: %s", strerror(-r));
        r = expect_reject_or_drop(&hc, pdu, b.itt, &dropped, NULL);
        if (r < 0 || dropped)
                return r;
        return session_alive(&hc, "the Reject");
}

/* 96 KiB of Text Request over C-bit PDUs (the text bound is 64 KiB): Reject or drop, and
 * the target must not keep collecting. */
static int run_text_flood(HCtx *ctx) {
        _cleanup_(hc_close) HConn hc = HCONN_NULL;
        _cleanup_free_ uint8_t *chunk = malloc(ISCSI_LOGIN_MAX_SEGMENT);
        uint32_t itt;
        int r;

        if (!chunk)
                return -ENOMEM;
        r = connect_login(ctx, &hc, false);
        if (r < 0)
                return r;
        record(ctx, "text-flood", &hc, ctx->initiator);
        for (size_t i = 0, len = 0; len + 24 < ISCSI_LOGIN_MAX_SEGMENT; i++) {
                char key[32];
                snprintf(key, sizeof(key), "X-text.%zu", i);
                (void) text_add(chunk, ISCSI_LOGIN_MAX_SEGMENT, &len, key, "vvvvvvvvvv");
                memset(chunk + len, 0, ISCSI_LOGIN_MAX_SEGMENT - len);
        }
        itt = hc_next_itt(&hc);
        for (unsigned i = 0; i < 12; i++) {
                struct iscsi_pdu_view v;
                struct iscsi_bhs b = {
                        .opcode = ISCSI_OP_TEXT_REQ, .immediate = true, .final = i == 11,
                        .flags = i == 11 ? 0 : ISCSI_FLAG_CONTINUE, .itt = itt, .ttt = ISCSI_RESERVED_TAG,
                        .cmdsn = hc.cmdsn, .expstatsn = hc.expstatsn,
                };
                r = hc_send(&hc, &b, chunk, ISCSI_LOGIN_MAX_SEGMENT);
                if (r == -EPIPE || r == -ECONNRESET)
                        return 0;
                if (r < 0)
                        return hfail("send: %s", strerror(-r));
                r = hc_recv(&hc, 5000, &v);
                if (r == -ECONNRESET)
                        return 0;
                if (r < 0)
                        return hfail("no answer to text part %u: %s", i, strerror(-r));
                if (v.bhs.opcode == ISCSI_OP_REJECT)
                        return session_alive(&hc, "the Reject");
                if (v.bhs.opcode != ISCSI_OP_TEXT_RSP)
                        return hfail("text part %u answered with opcode 0x%02x", i, v.bhs.opcode);
        }
        return hfail("96 KiB of Text Request were accepted");
}

/* The same incident 20 times on one connection (a command reusing the ITT of a task still
 * waiting for its data): each gets its Reject, the log gets one line (the suite counts). */
static int run_dup_itt(HCtx *ctx) {
        static uint8_t block[512];
        _cleanup_(hc_close) HConn hc = HCONN_NULL;
        struct iscsi_pdu_view v;
        struct iscsi_bhs w, b;
        unsigned rejects = 0;
        uint32_t ttt = ISCSI_RESERVED_TAG;
        int r;

        r = connect_login(ctx, &hc, false);
        if (r < 0)
                return r;
        record(ctx, "dup-itt", &hc, ctx->initiator);
        /* WRITE(10) of one block without immediate data: the target asks for it with an R2T
         * and keeps the task until the Data-Out comes. */
        hc_prepare(&hc, &w, ISCSI_OP_SCSI_CMD, false);
        w.flags = ISCSI_FLAG_CMD_WRITE;
        w.task_attr = ISCSI_ATTR_SIMPLE;
        w.edtl = sizeof(block);
        w.cdb[0] = SCSI_WRITE10;
        w.cdb[8] = 1;
        r = hc_send(&hc, &w, NULL, 0);
        if (r < 0)
                return hfail("send: %s", strerror(-r));
        for (unsigned i = 0; i < 20; i++) {
                hc_prepare(&hc, &b, ISCSI_OP_SCSI_CMD, false);
                b.itt = w.itt;
                b.task_attr = ISCSI_ATTR_SIMPLE;
                r = hc_send(&hc, &b, NULL, 0);
                if (r < 0)
                        return hfail("send: %s", strerror(-r));
        }
        while (rejects < 20) {
                r = hc_recv(&hc, 5000, &v);
                if (r < 0)
                        return hfail("%u of 20 Rejects, then: %s", rejects, strerror(-r));
                if (v.bhs.opcode == ISCSI_OP_R2T && v.bhs.itt == w.itt) {
                        ttt = v.bhs.ttt;
                        continue;
                }
                if (v.bhs.opcode != ISCSI_OP_REJECT)
                        return hfail("command with a duplicate ITT answered with opcode 0x%02x", v.bhs.opcode);
                rejects++;
        }
        if (ttt == ISCSI_RESERVED_TAG) {
                r = hc_wait_itt(&hc, w.itt, 5000, &v);
                if (r < 0 || v.bhs.opcode != ISCSI_OP_R2T)
                        return hfail("no R2T for the WRITE");
                ttt = v.bhs.ttt;
        }
        /* The original WRITE still completes with its data. */
        b = (struct iscsi_bhs) {
                .opcode = ISCSI_OP_DATA_OUT, .final = true, .itt = w.itt, .ttt = ttt,
                .expstatsn = hc.expstatsn,
        };
        r = hc_send(&hc, &b, block, sizeof(block));
        if (r < 0)
                return hfail("send: %s", strerror(-r));
        r = hc_wait_itt(&hc, w.itt, 5000, &v);
        if (r < 0)
                return hfail("WRITE not answered after its Data-Out: %s", strerror(-r));
        if (v.bhs.opcode != ISCSI_OP_SCSI_RSP || v.bhs.status != 0)
                return hfail("WRITE: opcode 0x%02x status 0x%02x", v.bhs.opcode, v.bhs.status);
        return session_alive(&hc, "20 duplicate ITTs");
}

/* ---- login phase ---- */

static int add_names(HCtx *ctx, uint8_t *buf, size_t size, size_t *len, bool chap) {
        int r = 0;

        r |= text_add(buf, size, len, "InitiatorName", chap ? ctx->chap_initiator : ctx->initiator);
        r |= text_add(buf, size, len, "TargetName", chap ? ctx->chap_target : ctx->target);
        r |= text_add(buf, size, len, "SessionType", "Normal");
        return r < 0 ? hfail("text too long") : 0;
}

/* Wait for a Login Response; *ret_class = status class, 0xff if the connection closed. */
static int login_answer(HConn *hc, struct iscsi_pdu_view *v, uint8_t *ret_class) {
        int r = hc_recv(hc, 5000, v);

        if (r == -ECONNRESET) {
                *ret_class = 0xff;
                return 0;
        }
        if (r < 0)
                return hfail("no Login Response: %s", strerror(-r));
        if (v->bhs.opcode != ISCSI_OP_LOGIN_RSP)
                return hfail("answered with opcode 0x%02x instead of a Login Response", v->bhs.opcode);
        *ret_class = v->bhs.status_class;
        return 0;
}

/* A login that must be refused with an initiator error (class 2) and then closed. */
static int expect_login_reject(HConn *hc, bool drop_ok, uint16_t want_status) {
        struct iscsi_pdu_view v;
        uint8_t cls;
        int r;

        r = login_answer(hc, &v, &cls);
        if (r < 0)
                return r;
        if (cls == 0xff) {
                if (drop_ok)
                        return 0;
                return hfail("connection dropped without a Login Response (class 2 expected)");
        }
        if (cls != ISCSI_STATUS_CLASS_INITIATOR_ERR)
                return hfail("Login Response status 0x%02x%02x, expected class 2", cls, v.bhs.status_detail);
        if (want_status && (cls << 8 | v.bhs.status_detail) != want_status)
                return hfail("Login Response status 0x%02x%02x, expected 0x%04x", cls, v.bhs.status_detail, want_status);
        if (!hc_wait_closed(hc, 5000, NULL))
                return hfail("connection not closed after the login reject");
        return 0;
}

/* Login text of `total` bytes, the first keys real, the rest X- keys, over C-bit PDUs.
 * Returns 1 if the login ended (failure status or drop), 0 if the target accepted the text,
 * <0 on a test error. */
static int key_flood(HCtx *ctx, HConn *hc, size_t total) {
        _cleanup_free_ uint8_t *text = malloc(total + 64);
        struct iscsi_pdu_view v;
        size_t len = 0, off = 0;
        unsigned k = 0;
        uint8_t cls;
        int r;

        if (!text)
                return -ENOMEM;
        r = add_names(ctx, text, total, &len, false);
        if (r < 0)
                return r;
        if (text_add(text, total, &len, "AuthMethod", "None") < 0)
                return hfail("text");
        while (len < total) {
                char key[32];
                size_t left = total - len;
                int kl = snprintf(key, sizeof(key), "X-flood.%u", k++);
                if (left < (size_t) kl + 3) {
                        memset(text + len, 0, left);    /* NUL padding */
                        len = total;
                        break;
                }
                char value[64];
                size_t vl = MIN(left - kl - 2, sizeof(value) - 1);
                memset(value, 'v', vl);
                value[vl] = 0;
                (void) text_add(text, total + 64, &len, key, value);
        }
        while (off < total) {
                size_t n = MIN(total - off, (size_t) ISCSI_LOGIN_MAX_SEGMENT);
                bool more = off + n < total;

                r = hc_send_login(hc, ISCSI_STAGE_SECURITY, ISCSI_STAGE_OPERATIONAL, !more, more, text + off, n);
                if (r == -EPIPE || r == -ECONNRESET)
                        return 1;
                if (r < 0)
                        return hfail("send: %s", strerror(-r));
                off += n;
                r = login_answer(hc, &v, &cls);
                if (r < 0)
                        return r;
                if (cls != 0)
                        return 1;
        }
        /* Accepted: read a possibly continued answer (empty requests fetch the rest). */
        for (unsigned i = 0; i < 64 && (v.bhs.flags & ISCSI_FLAG_CONTINUE); i++) {
                r = hc_send_login(hc, ISCSI_STAGE_SECURITY, ISCSI_STAGE_OPERATIONAL, false, false, NULL, 0);
                if (r < 0)
                        return 1;
                r = login_answer(hc, &v, &cls);
                if (r < 0)
                        return r;
                if (cls != 0)
                        return 1;
        }
        if (v.bhs.flags & ISCSI_FLAG_CONTINUE)
                return hfail("the target's answer to the flood does not end");
        return 0;
}

static int run_key_flood_64k(HCtx *ctx) {
        _cleanup_(hc_close) HConn hc = HCONN_NULL;
        int r;

        r = hc_connect(ctx->port, &hc);
        if (r < 0)
                return hfail("connect: %s", strerror(-r));
        /* Exactly the 64 KiB text bound: the login step must end one way or the other. */
        r = key_flood(ctx, &hc, 64u * 1024u);
        return r < 0 ? r : 0;
}

static int run_key_flood_over(HCtx *ctx) {
        _cleanup_(hc_close) HConn hc = HCONN_NULL;
        int r;

        r = hc_connect(ctx->port, &hc);
        if (r < 0)
                return hfail("connect: %s", strerror(-r));
        record(ctx, "key-flood", &hc, NULL);  /* names are in text never parsed */
        r = key_flood(ctx, &hc, 96u * 1024u);
        if (r < 0)
                return r;
        if (r == 0)
                return hfail("96 KiB of login text were accepted");
        return 0;
}

static bool text_has(const struct iscsi_pdu_view *v, const char *kv) {
        size_t l = strlen(kv);

        for (size_t i = 0; i + l <= v->data_len; i++)
                if ((i == 0 || v->data[i - 1] == 0) && memcmp(v->data + i, kv, l) == 0 &&
                    (i + l == v->data_len || v->data[i + l] == 0))
                        return true;
        return false;
}

/* Unknown keys in both stages are answered NotUnderstood and the login still succeeds. */
static int run_unknown_keys(HCtx *ctx) {
        _cleanup_(hc_close) HConn hc = HCONN_NULL;
        uint8_t text[1024];
        struct iscsi_pdu_view v;
        size_t len = 0;
        uint8_t cls;
        int r;

        r = hc_connect(ctx->port, &hc);
        if (r < 0)
                return hfail("connect: %s", strerror(-r));
        if (add_names(ctx, text, sizeof(text), &len, false) < 0 ||
            text_add(text, sizeof(text), &len, "AuthMethod", "None") < 0 ||
            text_add(text, sizeof(text), &len, "FooBarKey", "1") < 0)
                return hfail("text");
        r = hc_send_login(&hc, ISCSI_STAGE_SECURITY, ISCSI_STAGE_OPERATIONAL, true, false, text, len);
        if (r < 0)
                return hfail("send: %s", strerror(-r));
        r = login_answer(&hc, &v, &cls);
        if (r < 0)
                return r;
        if (cls != 0)
                return hfail("security stage refused: class %u detail %u", cls, v.bhs.status_detail);
        if (!text_has(&v, "FooBarKey=NotUnderstood"))
                return hfail("no FooBarKey=NotUnderstood in the security stage answer");

        len = 0;
        if (text_add(text, sizeof(text), &len, "HeaderDigest", "None") < 0 ||
            text_add(text, sizeof(text), &len, "DataDigest", "None") < 0 ||
            text_add(text, sizeof(text), &len, "X-com.example.Hostile", "1") < 0 ||
            text_add(text, sizeof(text), &len, "BarBazKey", "Yes") < 0)
                return hfail("text");
        bool seen_x = false, seen_bar = false;
        for (unsigned round = 0; round < 4; round++) {
                r = hc_send_login(&hc, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, true, false,
                                  round == 0 ? text : NULL, round == 0 ? len : 0);
                if (r < 0)
                        return hfail("send: %s", strerror(-r));
                r = login_answer(&hc, &v, &cls);
                if (r < 0)
                        return r;
                if (cls != 0)
                        return hfail("operational stage refused: status 0x%02x%02x", cls, v.bhs.status_detail);
                seen_x |= text_has(&v, "X-com.example.Hostile=NotUnderstood");
                seen_bar |= text_has(&v, "BarBazKey=NotUnderstood");
                if (v.bhs.final && v.bhs.nsg == ISCSI_STAGE_FULL_FEATURE)
                        break;
        }
        if (!(v.bhs.final && v.bhs.nsg == ISCSI_STAGE_FULL_FEATURE))
                return hfail("login did not reach full feature phase");
        if (!seen_x || !seen_bar)
                return hfail("unknown operational keys not answered NotUnderstood (X-: %s, BarBazKey: %s)",
                             seen_x ? "yes" : "no", seen_bar ? "yes" : "no");
        hc.cmdsn = v.bhs.expcmdsn;
        hc.expstatsn = v.bhs.statsn + 1;
        return session_alive(&hc, "a login with unknown keys");
}

/* The opening of most wrong-stage cases: connect, note the incident NAME for the log check,
 * and send a first Login Request with the names (the CHAP initiator's when CHAP), KEY=VALUE and
 * the given stages. */
static int open_login(HCtx *ctx, const char *name, bool chap, const char *key, const char *value,
                      uint8_t csg, uint8_t nsg, bool transit, HConn *hc) {
        uint8_t text[1024];
        size_t len = 0;
        int r;

        r = hc_connect(ctx->port, hc);
        if (r < 0)
                return hfail("connect: %s", strerror(-r));
        record(ctx, name, hc, chap ? ctx->chap_initiator : ctx->initiator);
        if (add_names(ctx, text, sizeof(text), &len, chap) < 0 ||
            text_add(text, sizeof(text), &len, key, value) < 0)
                return hfail("text");
        r = hc_send_login(hc, csg, nsg, transit, false, text, len);
        if (r < 0)
                return hfail("send: %s", strerror(-r));
        return 0;
}

/* The ACL requires CHAP, the first request is already in the operational stage. */
static int run_stage_skip_auth(HCtx *ctx) {
        _cleanup_(hc_close) HConn hc = HCONN_NULL;
        int r;

        r = open_login(ctx, "stage-skip-auth", true, "HeaderDigest", "None",
                       ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, true, &hc);
        if (r < 0)
                return r;
        return expect_login_reject(&hc, false, 0);
}

/* After the security stage, a request whose NSG goes back (CSG 1 -> NSG 0). */
static int run_stage_nsg_backwards(HCtx *ctx) {
        _cleanup_(hc_close) HConn hc = HCONN_NULL;
        struct iscsi_pdu_view v;
        uint8_t cls;
        int r;

        r = open_login(ctx, "stage-nsg", false, "AuthMethod", "None",
                       ISCSI_STAGE_SECURITY, ISCSI_STAGE_OPERATIONAL, true, &hc);
        if (r < 0)
                return r;
        r = login_answer(&hc, &v, &cls);
        if (r < 0)
                return r;
        if (cls != 0 || !v.bhs.final || v.bhs.nsg != ISCSI_STAGE_OPERATIONAL)
                return hfail("security stage did not end normally (class %u, T %d, NSG %u)", cls, v.bhs.final,
                             v.bhs.nsg);
        r = hc_send_login(&hc, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_SECURITY, true, false, NULL, 0);
        if (r < 0)
                return hfail("send: %s", strerror(-r));
        return expect_login_reject(&hc, false, 0);
}

/* CHAP is required and agreed on, but the initiator jumps to full feature phase without
 * the CHAP exchange. */
static int run_stage_ffp_without_auth(HCtx *ctx) {
        _cleanup_(hc_close) HConn hc = HCONN_NULL;
        struct iscsi_pdu_view v;
        uint8_t cls;
        int r;

        r = open_login(ctx, "stage-ffp-without-auth", true, "AuthMethod", "CHAP",
                       ISCSI_STAGE_SECURITY, ISCSI_STAGE_SECURITY, false, &hc);
        if (r < 0)
                return r;
        r = login_answer(&hc, &v, &cls);
        if (r < 0)
                return r;
        if (cls != 0 || !text_has(&v, "AuthMethod=CHAP"))
                return hfail("AuthMethod=CHAP not agreed (class %u)", cls);
        /* The target may refuse the transit with a class 2 reject, or keep the stage (T=0)
         * and wait for CHAP (RFC 7143 §6.3); it must never answer T=1 with NSG 3. */
        for (unsigned i = 0; i < 3; i++) {
                r = hc_send_login(&hc, ISCSI_STAGE_SECURITY, ISCSI_STAGE_FULL_FEATURE, true, false, NULL, 0);
                if (r < 0)
                        return hfail("send: %s", strerror(-r));
                r = login_answer(&hc, &v, &cls);
                if (r < 0)
                        return r;
                if (cls == 0xff)
                        return hfail("connection dropped without a Login Response (class 2 expected)");
                if (cls == ISCSI_STATUS_CLASS_INITIATOR_ERR)
                        return hc_wait_closed(&hc, 5000, NULL) ? 0 : hfail("connection not closed after the login reject");
                if (cls != 0)
                        return hfail("Login Response status 0x%02x%02x, expected class 2", cls, v.bhs.status_detail);
                if (v.bhs.final && v.bhs.nsg == ISCSI_STAGE_FULL_FEATURE)
                        return hfail("the target let the login into full feature phase without CHAP");
                if (v.bhs.final)
                        return hfail("the target answered T=1 (NSG %u) without CHAP", v.bhs.nsg);
        }
        /* Still in the security stage after three attempts: a SCSI command must get 0x020b. */
        struct iscsi_bhs b;
        hc_prepare(&hc, &b, ISCSI_OP_SCSI_CMD, false);
        r = hc_send(&hc, &b, NULL, 0);
        if (r < 0)
                return hfail("send: %s", strerror(-r));
        return expect_login_reject(&hc, false, ISCSI_LOGIN_STATUS_INVALID_REQUEST);
}

/* Reserved stage 2 in CSG: malformed; a class 2 reject or a drop are both acceptable. */
static int run_stage_reserved(HCtx *ctx) {
        _cleanup_(hc_close) HConn hc = HCONN_NULL;
        uint8_t text[1024];
        size_t len = 0;
        int r;

        r = hc_connect(ctx->port, &hc);
        if (r < 0)
                return hfail("connect: %s", strerror(-r));
        record(ctx, "stage-reserved", &hc, NULL);
        if (add_names(ctx, text, sizeof(text), &len, false) < 0)
                return hfail("text");
        r = hc_send_login(&hc, 2, ISCSI_STAGE_FULL_FEATURE, true, false, text, len);
        if (r < 0)
                return hfail("send: %s", strerror(-r));
        return expect_login_reject(&hc, true, 0);
}

/* RFC 7143 §6.3: any PDU but a Login Request before the login phase started: the target
 * terminates the connection. Never executes the command. */
static int run_scsi_before_login(HCtx *ctx) {
        _cleanup_(hc_close) HConn hc = HCONN_NULL;
        struct iscsi_bhs b;
        uint8_t op;
        int r;

        r = hc_connect(ctx->port, &hc);
        if (r < 0)
                return hfail("connect: %s", strerror(-r));
        record(ctx, "scsi-before-login", &hc, NULL);
        hc_prepare(&hc, &b, ISCSI_OP_SCSI_CMD, false);
        b.task_attr = ISCSI_ATTR_SIMPLE;
        r = hc_send(&hc, &b, NULL, 0);
        if (r < 0)
                return hfail("send: %s", strerror(-r));
        if (!hc_wait_closed(&hc, 5000, &op))
                return hfail("connection not dropped");
        if (op == ISCSI_OP_SCSI_RSP)
                return hfail("the command was executed");
        if (op != 0xff)
                fprintf(stderr, "# scsi-before-login: target sent opcode 0x%02x before closing\n", op);
        return 0;
}

/* RFC 7143 §6.3: once the login phase started, any other PDU gets a Login reject "invalid
 * during login" (0x020b), then the connection is closed. */
static int run_scsi_during_login(HCtx *ctx) {
        _cleanup_(hc_close) HConn hc = HCONN_NULL;
        struct iscsi_pdu_view v;
        struct iscsi_bhs b;
        uint8_t cls;
        int r;

        r = open_login(ctx, "scsi-during-login", false, "AuthMethod", "None",
                       ISCSI_STAGE_SECURITY, ISCSI_STAGE_SECURITY, false, &hc);
        if (r < 0)
                return r;
        r = login_answer(&hc, &v, &cls);
        if (r < 0)
                return r;
        if (cls != 0)
                return hfail("first login step refused: class %u", cls);
        hc_prepare(&hc, &b, ISCSI_OP_SCSI_CMD, false);
        b.task_attr = ISCSI_ATTR_SIMPLE;
        r = hc_send(&hc, &b, NULL, 0);
        if (r < 0)
                return hfail("send: %s", strerror(-r));
        return expect_login_reject(&hc, false, ISCSI_LOGIN_STATUS_INVALID_REQUEST);
}

/* Half PDUs and peers that vanish mid-PDU, in login and in full feature phase; afterwards
 * a normal login must still work. */
static int run_truncated(HCtx *ctx) {
        struct iscsi_bhs b;
        uint8_t hdr[ISCSI_BHS_SIZE + 64] = {};
        int r;

        for (unsigned step = 0; step < 5; step++) {
                _cleanup_(hc_close) HConn hc = HCONN_NULL;

                if (step < 2) {
                        r = hc_connect(ctx->port, &hc);
                        if (r < 0)
                                return hfail("connect: %s", strerror(-r));
                } else {
                        r = connect_login(ctx, &hc, step == 4);
                        if (r < 0)
                                return r;
                }
                switch (step) {
                case 0:         /* 20 bytes of a BHS */
                        hdr[0] = ISCSI_OP_IMMEDIATE | ISCSI_OP_LOGIN_REQ;
                        r = hc_send_raw(&hc, hdr, 20);
                        break;
                case 1:         /* login header for 100 bytes of text, 50 sent */
                        b = (struct iscsi_bhs) { .opcode = ISCSI_OP_LOGIN_REQ, .immediate = true, .itt = 1,
                                                 .dlength = 100 };
                        (void) iscsi_bhs_encode(&b, hdr);
                        memset(hdr + ISCSI_BHS_SIZE, 'A', 50);
                        r = hc_send_raw(&hc, hdr, ISCSI_BHS_SIZE + 50);
                        break;
                case 2:         /* NOP-Out announcing 1000 bytes, 10 sent */
                        hc_prepare(&hc, &b, ISCSI_OP_NOP_OUT, true);
                        b.dlength = 1000;
                        (void) iscsi_bhs_encode(&b, hdr);
                        r = hc_send_raw(&hc, hdr, ISCSI_BHS_SIZE + 10);
                        break;
                case 3:         /* WRITE announcing 4096 bytes of immediate data, header only */
                        hc_prepare(&hc, &b, ISCSI_OP_SCSI_CMD, false);
                        b.flags = ISCSI_FLAG_CMD_WRITE;
                        b.edtl = 4096;
                        b.cdb[0] = SCSI_WRITE10;
                        b.cdb[8] = 8;
                        b.dlength = 4096;
                        (void) iscsi_bhs_encode(&b, hdr);
                        r = hc_send_raw(&hc, hdr, ISCSI_BHS_SIZE);
                        break;
                default:        /* digests on: a BHS without its header digest */
                        hc_prepare(&hc, &b, ISCSI_OP_NOP_OUT, true);
                        (void) iscsi_bhs_encode(&b, hdr);
                        r = hc_send_raw(&hc, hdr, ISCSI_BHS_SIZE);
                        break;
                }
                if (r < 0)
                        return hfail("step %u: send: %s", step, strerror(-r));
                /* Close right away (with RST for the last ones: data left unread). */
                if (step >= 3) {
                        struct linger lg = { .l_onoff = 1, .l_linger = 0 };
                        (void) setsockopt(hc.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
                }
        }

        _cleanup_(hc_close) HConn hc = HCONN_NULL;
        r = connect_login(ctx, &hc, false);
        if (r < 0)
                return r;
        return session_alive(&hc, "truncated PDUs on other connections");
}

const HCase hostile_cases[] = {
        { "unknown-opcode", "unknown opcode in full feature phase gets Reject 0x04/0x05 with the header, session goes on", run_unknown_opcode, true },
        { "mrdsl-nop", "NOP-Out data over MaxRecvDataSegmentLength: Reject or connection drop", run_mrdsl_nop, true },
        { "mrdsl-write", "immediate data over MaxRecvDataSegmentLength: Reject or connection drop", run_mrdsl_write, true },
        { "huge-login", "login PDU announcing 16 MiB of data: connection dropped", run_huge_login, true },
        { "huge-nop", "NOP-Out announcing 16 MiB of data: connection dropped", run_huge_nop, true },
        { "huge-scsi", "SCSI Command announcing 16 MiB of immediate data: connection dropped", run_huge_scsi, true },
        { "huge-dataout", "Data-Out (unknown ITT) announcing 16 MiB of data: connection dropped", run_huge_dataout, false },
        { "header-digest", "bad header digest: connection dropped, PDU not executed", run_header_digest, true },
        { "data-digest", "bad data digest on NOP-Out: Reject 0x02, session goes on", run_data_digest, true },
        { "cmdsn-window", "commands with CmdSN outside the window are ignored, in-window ones work", run_cmdsn_window, true },
        { "login-in-ffp", "Login Request in full feature phase: Reject with the header, session goes on", run_login_in_ffp, true },
        { "snack", "SNACK at ErrorRecoveryLevel 0: Reject with the header, session goes on", run_snack, true },
        { "bad-ahs", "SCSI Command with a malformed AHS: Reject or drop, never executed", run_bad_ahs, true },
        { "text-flood", "96 KiB of Text Request over continuation PDUs: Reject or drop", run_text_flood, true },
        { "dup-itt", "20 commands reusing a busy ITT: 20 Rejects, the task itself completes", run_dup_itt, true },
        { "key-flood-64k", "64 KiB of login keys over continuation PDUs: the login step ends, no hang", run_key_flood_64k, true },
        { "key-flood", "96 KiB of login keys (over the 64 KiB bound): login failure or drop, no hang", run_key_flood_over, true },
        { "unknown-keys", "unknown keys in both login stages are answered NotUnderstood, login succeeds", run_unknown_keys, true },
        { "stage-skip-auth", "first login request in the operational stage where CHAP is required: status class 2", run_stage_skip_auth, true },
        { "stage-nsg", "transit from the operational back to the security stage: status class 2", run_stage_nsg_backwards, true },
        { "stage-ffp-without-auth", "transit to full feature phase without the CHAP exchange: class 2 reject or the stage kept (T=0), never full feature", run_stage_ffp_without_auth, true },
        { "stage-reserved", "login request in reserved stage 2: status class 2 or drop", run_stage_reserved, true },
        { "scsi-before-login", "SCSI Command before login: connection dropped, not executed", run_scsi_before_login, true },
        { "scsi-during-login", "SCSI Command during login: Login reject 0x020b, then closed", run_scsi_during_login, true },
        { "truncated", "truncated PDUs and peers vanishing mid-PDU; a new login still works", run_truncated, true },
        {}
};

const HCase *hostile_case_find(const char *name) {
        for (const HCase *c = hostile_cases; c->name; c++)
                if (streq(c->name, name))
                        return c;
        return NULL;
}
