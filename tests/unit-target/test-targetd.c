/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon core in-process: a Daemon from daemon_new() with one worker driven on the test
 * thread (worker_run_once()), and an initiator on the other end of a socketpair that stands
 * in for the TCP connection. Drives iscsi-conn.c, iscsi-session.c and task.c through login,
 * SCSI commands (Data-In, R2T/Data-Out), NOP, Text, Logout, reinstatement, and their error
 * paths; under ASan it also proves that sessions and tasks are freed exactly once. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <cmocka.h>

#include "iscsi-conn.h"
#include "iscsi-proto/login.h"
#include "iscsi-proto/pdu.h"
#include "iscsi-session.h"
#include "iscsi-util/fs-util.h"

#define TARGET "iqn.2026-12.org.iscsi-tools.unit:disk"
#define INITIATOR "iqn.2026-12.org.iscsi-tools.unit:init"
#define STRANGER "iqn.2026-12.org.iscsi-tools.unit:stranger"
#define PORTAL_PORT 3260        /* TPG 1 */
#define PORTAL2_PORT 3261       /* TPG 2: a second path to the same LU */
#define BLOCK 512u
#define PUMP_LIMIT 2000         /* worker rounds of 1 ms before a wait gives up */

static const char config_json[] =
        "{ \"fabric_modules\": [],\n"
        "  \"storage_objects\": [ { \"plugin\": \"ramdisk\", \"name\": \"rd0\", \"size\": 1048576, \"attributes\": {} } ],\n"
        "  \"targets\": [ { \"wwn\": \"" TARGET "\", \"fabric\": \"iscsi\", \"tpgs\": [ {\n"
        "    \"tag\": 1, \"enable\": true,\n"
        "    \"attributes\": { \"authentication\": 0, \"generate_node_acls\": 0 },\n"
        "    \"parameters\": {},\n"
        "    \"luns\": [ { \"index\": 0, \"storage_object\": \"/backstores/ramdisk/rd0\" } ],\n"
        "    \"portals\": [ { \"ip_address\": \"127.0.0.1\", \"iser\": false, \"offload\": false, \"port\": 3260 } ],\n"
        "    \"node_acls\": [ { \"node_wwn\": \"" INITIATOR "\", \"attributes\": {},\n"
        "                     \"mapped_luns\": [ { \"index\": 0, \"tpg_lun\": 0, \"write_protect\": false } ] } ]\n"
        "  }, {\n"
        "    \"tag\": 2, \"enable\": true,\n"
        "    \"attributes\": { \"authentication\": 0, \"generate_node_acls\": 0 },\n"
        "    \"parameters\": {},\n"
        "    \"luns\": [ { \"index\": 0, \"storage_object\": \"/backstores/ramdisk/rd0\" } ],\n"
        "    \"portals\": [ { \"ip_address\": \"127.0.0.1\", \"iser\": false, \"offload\": false, \"port\": 3261 } ],\n"
        "    \"node_acls\": [ { \"node_wwn\": \"" INITIATOR "\", \"attributes\": {},\n"
        "                     \"mapped_luns\": [ { \"index\": 0, \"tpg_lun\": 0, \"write_protect\": false } ] } ]\n"
        "  } ] } ] }\n";

/* One initiator connection. */
typedef struct Peer {
        int fd;
        uint32_t cmdsn, exp_statsn, itt;
        uint16_t tsih;
        struct iscsi_params params;
} Peer;

typedef struct Fixture {
        char dir[64];
        char config[96];
        Daemon *d;
        Worker *w;
} Fixture;

static Fixture *fx;

static IscsiConnWorker *icw(void) {
        return iscsi_conn_worker_get(fx->w);
}

static void pump(int timeout_ms) {
        assert_true(worker_run_once(fx->w, timeout_ms) >= 0);
}

static unsigned n_sessions(void) {
        return fx->d->sessions.n;
}

static int setup(void **state) {
        DaemonOptions opts = { .n_workers = 1 };

        fx = calloc(1, sizeof(*fx));
        assert_non_null(fx);
        strcpy(fx->dir, "/tmp/test-targetd.XXXXXX");
        assert_non_null(mkdtemp(fx->dir));
        snprintf(fx->config, sizeof(fx->config), "%s/saveconfig.json", fx->dir);
        assert_int_equal(util_write_file_atomic(fx->config, config_json, strlen(config_json), 0600), 0);
        opts.config_path = fx->config;

        assert_int_equal(daemon_new(&opts, &iscsi_conn_worker_hooks, &fx->d), 0);
        assert_int_equal(fx->d->n_workers, 1);
        fx->w = &fx->d->workers[0];
        /* The worker runs on this thread: its init hook sets up the per-thread SCSI engine. */
        assert_int_equal(fx->w->hooks->init(fx->w), 0);
        *state = fx;
        return 0;
}

static int teardown(void **state) {
        /* The fini hook closes every connection; each session goes with its last task. */
        fx->w->hooks->fini(fx->w);
        assert_int_equal(n_sessions(), 0);
        fx->d = daemon_free(fx->d);
        (void) unlink(fx->config);
        (void) rmdir(fx->dir);
        free(fx);
        fx = NULL;
        return 0;
}

/* A connection as if accepted on 127.0.0.1:3260: a socketpair, handed to the worker the way
 * the listener does, with the local address the portal lookup sees set to the portal's. */
static Peer *peer_connect_to(uint16_t port) {
        struct sockaddr_in *sa;
        Peer *p = calloc(1, sizeof(*p));
        Conn *c;
        int sv[2];

        assert_non_null(p);
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
        p->fd = sv[1];
        p->itt = 0x100;
        iscsi_conn_dispatch_new(fx->d, sv[0]);
        for (int i = 0; i < PUMP_LIMIT && (!icw()->cw.conns || icw()->cw.conns->io.fd != sv[0]); i++)
                pump(1);
        c = icw()->cw.conns;
        assert_non_null(c);
        assert_int_equal(c->io.fd, sv[0]);
        sa = (struct sockaddr_in *) &c->local_sa;
        *sa = (struct sockaddr_in) { .sin_family = AF_INET, .sin_port = htons(port) };
        assert_int_equal(inet_pton(AF_INET, "127.0.0.1", &sa->sin_addr), 1);
        return p;
}

static Peer *peer_connect(void) {
        return peer_connect_to(PORTAL_PORT);
}

static void peer_free(Peer *p) {
        if (p->fd >= 0)
                close(p->fd);
        free(p);
}

static void send_pdu(Peer *p, const struct iscsi_bhs *h, const void *data, size_t len) {
        size_t total = ISCSI_BHS_SIZE + ((len + 3) & ~(size_t) 3), off = 0;
        uint8_t *buf = calloc(1, total);

        assert_non_null(buf);
        assert_int_equal(iscsi_bhs_encode(h, buf), 0);
        if (len > 0)
                memcpy(buf + ISCSI_BHS_SIZE, data, len);
        for (int i = 0; off < total && i < PUMP_LIMIT; i++) {
                ssize_t n = write(p->fd, buf + off, total - off);
                if (n > 0)
                        off += (size_t) n;
                else {
                        assert_true(n < 0 && errno == EAGAIN);
                        pump(1);
                }
        }
        assert_int_equal(off, total);
        free(buf);
        pump(0);
}

/* Read exactly len bytes, running the worker while the target has not answered yet. Returns
 * false on end of file (the target closed the connection). */
static bool read_exact(Peer *p, void *buf, size_t len) {
        size_t off = 0;

        for (int i = 0; off < len && i < PUMP_LIMIT; i++) {
                ssize_t n = read(p->fd, (uint8_t *) buf + off, len - off);
                if (n == 0)
                        return false;
                if (n > 0) {
                        off += (size_t) n;
                        i = 0;
                        continue;
                }
                assert_int_equal(errno, EAGAIN);
                pump(1);
        }
        assert_int_equal(off, len);
        return true;
}

/* The next PDU from the target; its data (if any) in a malloc'd *ret_data. */
static void recv_pdu(Peer *p, struct iscsi_bhs *h, uint8_t **ret_data) {
        uint8_t hdr[ISCSI_BHS_SIZE];
        uint8_t *data = NULL;

        assert_true(read_exact(p, hdr, sizeof(hdr)));
        assert_int_equal(iscsi_bhs_decode(hdr, sizeof(hdr), h), 0);
        if (h->dlength > 0) {
                size_t padded = (h->dlength + 3) & ~3u;
                data = malloc(padded);
                assert_non_null(data);
                assert_true(read_exact(p, data, padded));
        }
        if (h->opcode != ISCSI_OP_DATA_IN || (h->flags & ISCSI_FLAG_DATA_STATUS))
                if (h->opcode != ISCSI_OP_R2T && h->opcode != ISCSI_OP_LOGIN_RSP)
                        p->exp_statsn = h->statsn + 1;
        if (ret_data)
                *ret_data = data;
        else
                free(data);
}

/* The target closed the connection: end of file after whatever it still had queued. */
static void expect_closed(Peer *p) {
        uint8_t b[ISCSI_BHS_SIZE];

        while (read_exact(p, b, sizeof(b)))
                ;
}

static int do_login(Peer *p, const char *initiator, const char *target, enum iscsi_session_type type,
                    const uint8_t isid[6]) {
        struct iscsi_login_initiator_config cfg = {
                .initiator_name = initiator,
                .target_name = target,
                .session_type = type,
                .itt = p->itt++,
                .cmdsn = p->cmdsn,
        };
        struct iscsi_login_result res;
        struct iscsi_login *l = NULL;
        int r;

        memcpy(cfg.isid, isid, 6);
        assert_int_equal(iscsi_login_initiator_new(&cfg, &l), 0);
        do {
                struct iscsi_login_pdu req;
                struct iscsi_bhs h;
                uint8_t *data = NULL;

                assert_int_equal(iscsi_login_initiator_next(l, &req), 0);
                send_pdu(p, &req.bhs, req.data, req.data_len);
                recv_pdu(p, &h, &data);
                assert_int_equal(h.opcode, ISCSI_OP_LOGIN_RSP);
                r = iscsi_login_initiator_receive(l, &h, data, h.dlength);
                free(data);
                assert_true(r >= 0);
        } while (r == ISCSI_LOGIN_CONTINUE);
        iscsi_login_get_result(l, &res);
        if (r == ISCSI_LOGIN_DONE) {
                p->tsih = res.tsih;
                p->params = res.params;
                p->exp_statsn = res.statsn + 1;
                p->cmdsn = res.exp_cmdsn;
        }
        iscsi_login_free(l);
        return r;
}

static const uint8_t isid_a[6] = { 0x80, 0, 0, 1, 0, 1 };
static const uint8_t isid_b[6] = { 0x80, 0, 0, 1, 0, 2 };

static Peer *logged_in(const uint8_t isid[6]) {
        Peer *p = peer_connect();

        assert_int_equal(do_login(p, INITIATOR, TARGET, ISCSI_SESSION_NORMAL, isid), ISCSI_LOGIN_DONE);
        return p;
}

static struct iscsi_bhs cmd_bhs(Peer *p, const uint8_t *cdb, uint8_t rw, uint32_t edtl) {
        struct iscsi_bhs h = {
                .opcode = ISCSI_OP_SCSI_CMD,
                .final = true,
                .flags = rw | ISCSI_ATTR_SIMPLE,
                .itt = p->itt++,
                .cmdsn = p->cmdsn++,
                .expstatsn = p->exp_statsn,
                .edtl = edtl,
        };

        memcpy(h.cdb, cdb, 16);
        return h;
}

/* A command with no data, or reading up to `cap` bytes into `in`. Returns the SCSI status and
 * leaves the sense key in *ret_key (0 without sense data). */
static uint8_t scsi_read_cmd(Peer *p, const uint8_t *cdb, uint8_t *in, uint32_t cap, uint8_t *ret_key) {
        struct iscsi_bhs h = cmd_bhs(p, cdb, cap ? ISCSI_FLAG_CMD_READ : 0, cap);
        uint32_t got = 0;

        *ret_key = 0;
        send_pdu(p, &h, NULL, 0);
        for (;;) {
                uint8_t *data = NULL;
                recv_pdu(p, &h, &data);
                if (h.opcode == ISCSI_OP_DATA_IN) {
                        assert_true(h.buffer_offset + h.dlength <= cap);
                        memcpy(in + h.buffer_offset, data, h.dlength);
                        got += h.dlength;
                        free(data);
                        if (h.flags & ISCSI_FLAG_DATA_STATUS)
                                return h.status;
                        continue;
                }
                assert_int_equal(h.opcode, ISCSI_OP_SCSI_RSP);
                if (h.dlength >= 2 + 3)
                        *ret_key = data[2 + 2] & 0x0f;
                free(data);
                return h.status;
        }
}

/* The first command of a nexus reports the power-on unit attention; clear it. */
static void clear_unit_attention(Peer *p) {
        static const uint8_t tur[16] = { 0x00 };
        uint8_t key;

        for (int i = 0; i < 3; i++)
                if (scsi_read_cmd(p, tur, NULL, 0, &key) == 0)
                        return;
        fail_msg("TEST UNIT READY never returned GOOD");
}

static void rw10_cdb(uint8_t cdb[16], uint8_t op, uint32_t lba, uint16_t blocks) {
        memset(cdb, 0, 16);
        cdb[0] = op;
        cdb[2] = lba >> 24;
        cdb[3] = lba >> 16;
        cdb[4] = lba >> 8;
        cdb[5] = lba;
        cdb[7] = blocks >> 8;
        cdb[8] = blocks;
}

static void logout(Peer *p) {
        struct iscsi_bhs h = {
                .opcode = ISCSI_OP_LOGOUT_REQ,
                .immediate = true,
                .final = true,
                .itt = p->itt++,
                .cmdsn = p->cmdsn,
                .expstatsn = p->exp_statsn,
                .logout_reason = ISCSI_LOGOUT_CLOSE_SESSION,
        };

        send_pdu(p, &h, NULL, 0);
        recv_pdu(p, &h, NULL);
        assert_int_equal(h.opcode, ISCSI_OP_LOGOUT_RSP);
        assert_int_equal(h.response, ISCSI_LOGOUT_RSP_SUCCESS);
        expect_closed(p);
}

/* ---- tests ---- */

static void test_login_logout(void **state) {
        Peer *p = logged_in(isid_a);

        assert_int_equal(n_sessions(), 1);
        assert_int_not_equal(p->tsih, 0);
        assert_string_equal(fx->d->sessions.head->initiator, INITIATOR);
        logout(p);
        pump(0);
        assert_int_equal(n_sessions(), 0);
        assert_null(icw()->cw.conns);
        peer_free(p);
}

static void test_login_refused(void **state) {
        Peer *p = peer_connect();

        /* No ACL for this initiator: the login fails and the connection is closed. */
        assert_int_equal(do_login(p, STRANGER, TARGET, ISCSI_SESSION_NORMAL, isid_a), ISCSI_LOGIN_FAILED);
        expect_closed(p);
        assert_int_equal(n_sessions(), 0);
        peer_free(p);

        p = peer_connect();
        assert_int_equal(do_login(p, INITIATOR, TARGET ":nosuch", ISCSI_SESSION_NORMAL, isid_a), ISCSI_LOGIN_FAILED);
        expect_closed(p);
        peer_free(p);
}

static void test_inquiry(void **state) {
        static const uint8_t inquiry[16] = { 0x12, 0, 0, 0, 96, 0 };
        Peer *p = logged_in(isid_a);
        uint8_t buf[96] = {}, key;

        clear_unit_attention(p);
        assert_int_equal(scsi_read_cmd(p, inquiry, buf, sizeof(buf), &key), 0);
        assert_int_equal(buf[0] & 0x1f, 0x00);          /* direct-access block device */
        assert_memory_equal(buf + 8, "ISCSITLS", 8);        /* T10 vendor identification */
        logout(p);
        peer_free(p);
}

/* WRITE(10) without unsolicited data: the target asks for it with an R2T, takes the Data-Out
 * straight into the command buffer, and the data reads back. */
static void test_write_r2t_and_read_back(void **state) {
        Peer *p = logged_in(isid_a);
        uint8_t cdb[16], out[8 * BLOCK], in[8 * BLOCK], key;
        struct iscsi_bhs h, r2t;

        clear_unit_attention(p);
        for (size_t i = 0; i < sizeof(out); i++)
                out[i] = (uint8_t) (i * 7 + 3);
        rw10_cdb(cdb, 0x2a, 16, 8);
        h = cmd_bhs(p, cdb, ISCSI_FLAG_CMD_WRITE, sizeof(out));
        send_pdu(p, &h, NULL, 0);

        recv_pdu(p, &r2t, NULL);
        assert_int_equal(r2t.opcode, ISCSI_OP_R2T);
        assert_int_equal(r2t.itt, h.itt);
        assert_int_equal(r2t.buffer_offset, 0);
        assert_int_equal(r2t.desired_length, sizeof(out));
        assert_int_not_equal(r2t.ttt, ISCSI_RESERVED_TAG);

        /* Two Data-Out PDUs answer the R2T. */
        for (uint32_t off = 0, sn = 0; off < sizeof(out); off += sizeof(out) / 2, sn++) {
                struct iscsi_bhs d = {
                        .opcode = ISCSI_OP_DATA_OUT,
                        .final = off + sizeof(out) / 2 == sizeof(out),
                        .itt = h.itt,
                        .ttt = r2t.ttt,
                        .expstatsn = p->exp_statsn,
                        .datasn = sn,
                        .buffer_offset = off,
                        .dlength = sizeof(out) / 2,
                };
                send_pdu(p, &d, out + off, d.dlength);
        }
        recv_pdu(p, &h, NULL);
        assert_int_equal(h.opcode, ISCSI_OP_SCSI_RSP);
        assert_int_equal(h.status, 0);

        rw10_cdb(cdb, 0x28, 16, 8);
        assert_int_equal(scsi_read_cmd(p, cdb, in, sizeof(in), &key), 0);
        assert_memory_equal(in, out, sizeof(out));
        logout(p);
        peer_free(p);
}

/* Data-Out that does not match its R2T fails the command (ABORTED COMMAND), not the session. */
static void test_data_out_out_of_sequence(void **state) {
        static const uint8_t tur[16] = { 0x00 };
        Peer *p = logged_in(isid_a);
        uint8_t cdb[16], out[BLOCK] = {}, key;
        struct iscsi_bhs h, r2t;

        clear_unit_attention(p);
        rw10_cdb(cdb, 0x2a, 0, 1);
        h = cmd_bhs(p, cdb, ISCSI_FLAG_CMD_WRITE, sizeof(out));
        send_pdu(p, &h, NULL, 0);
        recv_pdu(p, &r2t, NULL);
        assert_int_equal(r2t.opcode, ISCSI_OP_R2T);

        struct iscsi_bhs d = {
                .opcode = ISCSI_OP_DATA_OUT,
                .final = true,
                .itt = h.itt,
                .ttt = r2t.ttt,
                .datasn = 5,            /* should be 0 */
                .dlength = sizeof(out),
        };
        send_pdu(p, &d, out, sizeof(out));
        recv_pdu(p, &h, NULL);
        assert_int_equal(h.opcode, ISCSI_OP_SCSI_RSP);
        assert_int_equal(h.status, 0x02);       /* CHECK CONDITION */

        /* The session goes on. */
        assert_int_equal(scsi_read_cmd(p, tur, NULL, 0, &key), 0);
        logout(p);
        peer_free(p);
}

static void test_nop_ping(void **state) {
        Peer *p = logged_in(isid_a);
        static const char payload[] = "ping-data";
        uint8_t *data = NULL;
        struct iscsi_bhs h = {
                .opcode = ISCSI_OP_NOP_OUT,
                .immediate = true,
                .final = true,
                .itt = p->itt++,
                .ttt = ISCSI_RESERVED_TAG,
                .cmdsn = p->cmdsn,
                .expstatsn = p->exp_statsn,
                .dlength = sizeof(payload),
        };

        send_pdu(p, &h, payload, sizeof(payload));
        recv_pdu(p, &h, &data);
        assert_int_equal(h.opcode, ISCSI_OP_NOP_IN);
        assert_int_equal(h.itt, p->itt - 1);
        assert_int_equal(h.ttt, ISCSI_RESERVED_TAG);
        assert_int_equal(h.dlength, sizeof(payload));
        assert_memory_equal(data, payload, sizeof(payload));
        free(data);
        logout(p);
        peer_free(p);
}

/* Bad input in full feature phase gets a Reject and the session goes on. */
static void test_rejects(void **state) {
        static const uint8_t tur[16] = { 0x00 };
        Peer *p = logged_in(isid_a);
        uint8_t cdb[16], key;
        struct iscsi_bhs h, w;

        clear_unit_attention(p);
        /* A SNACK at ErrorRecoveryLevel 0. */
        h = (struct iscsi_bhs) {
                .opcode = ISCSI_OP_SNACK_REQ,
                .final = true,
                .itt = p->itt++,
                .expstatsn = p->exp_statsn,
        };
        send_pdu(p, &h, NULL, 0);
        recv_pdu(p, &h, NULL);
        assert_int_equal(h.opcode, ISCSI_OP_REJECT);
        assert_int_equal(h.reject_reason, ISCSI_REJECT_PROTOCOL_ERROR);

        /* A second command with the ITT of one still waiting for its data. */
        rw10_cdb(cdb, 0x2a, 0, 1);
        w = cmd_bhs(p, cdb, ISCSI_FLAG_CMD_WRITE, BLOCK);
        send_pdu(p, &w, NULL, 0);
        recv_pdu(p, &h, NULL);
        assert_int_equal(h.opcode, ISCSI_OP_R2T);
        h = cmd_bhs(p, tur, 0, 0);
        h.itt = w.itt;
        send_pdu(p, &h, NULL, 0);
        recv_pdu(p, &h, NULL);
        assert_int_equal(h.opcode, ISCSI_OP_REJECT);
        assert_int_equal(h.reject_reason, ISCSI_REJECT_TASK_IN_PROGRESS);

        /* A Login Request in full feature phase. */
        h = (struct iscsi_bhs) { .opcode = ISCSI_OP_LOGIN_REQ, .itt = p->itt++, .cmdsn = p->cmdsn };
        send_pdu(p, &h, NULL, 0);
        recv_pdu(p, &h, NULL);
        assert_int_equal(h.opcode, ISCSI_OP_REJECT);

        assert_int_equal(scsi_read_cmd(p, tur, NULL, 0, &key), 0);
        assert_int_equal(n_sessions(), 1);
        /* The write still waits for its data when the session ends: logout aborts it. */
        logout(p);
        peer_free(p);
}

/* A SCSI command in a discovery session is rejected; SendTargets answers. */
static void test_discovery_session(void **state) {
        static const uint8_t tur[16] = { 0x00 };
        static const char st[] = "SendTargets=All";
        Peer *p = peer_connect();
        uint8_t *data = NULL;
        struct iscsi_bhs h;

        assert_int_equal(do_login(p, INITIATOR, NULL, ISCSI_SESSION_DISCOVERY, isid_a), ISCSI_LOGIN_DONE);
        h = cmd_bhs(p, tur, 0, 0);
        send_pdu(p, &h, NULL, 0);
        recv_pdu(p, &h, NULL);
        assert_int_equal(h.opcode, ISCSI_OP_REJECT);

        h = (struct iscsi_bhs) {
                .opcode = ISCSI_OP_TEXT_REQ,
                .immediate = true,
                .final = true,
                .itt = p->itt++,
                .ttt = ISCSI_RESERVED_TAG,
                .cmdsn = p->cmdsn,
                .expstatsn = p->exp_statsn,
                .dlength = sizeof(st),
        };
        send_pdu(p, &h, st, sizeof(st));
        recv_pdu(p, &h, &data);
        assert_int_equal(h.opcode, ISCSI_OP_TEXT_RSP);
        assert_non_null(data);
        assert_non_null(memmem(data, h.dlength, "TargetName=" TARGET, strlen("TargetName=" TARGET)));
        assert_non_null(memmem(data, h.dlength, "TargetAddress=127.0.0.1:3260,1", 30));
        free(data);
        logout(p);
        peer_free(p);
}

/* The initiator vanishes while a task waits for its Data-Out: the session and the task are
 * freed once, by their owners (ASan checks), and the registry forgets the session. */
static void test_connection_drop_with_open_task(void **state) {
        Peer *p = logged_in(isid_a);
        uint8_t cdb[16];
        struct iscsi_bhs h;

        clear_unit_attention(p);
        rw10_cdb(cdb, 0x2a, 0, 4);
        h = cmd_bhs(p, cdb, ISCSI_FLAG_CMD_WRITE, 4 * BLOCK);
        send_pdu(p, &h, NULL, 0);
        recv_pdu(p, &h, NULL);
        assert_int_equal(h.opcode, ISCSI_OP_R2T);
        assert_int_equal(fx->d->sessions.head->n_tasks, 1);

        close(p->fd);
        p->fd = -1;
        for (int i = 0; i < PUMP_LIMIT && n_sessions() > 0; i++)
                pump(1);
        assert_int_equal(n_sessions(), 0);
        assert_null(icw()->cw.conns);
        peer_free(p);
}

/* The target wakes up (SIGCONT after SIGSTOP) to an unanswered NOP-In ping and a peer that
 * has hung up: one epoll batch holds the 1 s tick, which drops the connection, and then the
 * connection's own socket event. The Conn must outlive the batch (netem VM scenario: the
 * worker jumped through the freed Conn's EventSource.dispatch). */
static void test_ping_timeout_and_hangup_in_one_batch(void **state) {
        const struct itimerspec soon = { .it_value = { .tv_nsec = 1000 }, .it_interval = { .tv_sec = 1 } };
        Peer *p = logged_in(isid_a);
        Session *s = fx->d->sessions.head;
        IscsiConn *ic = icw()->cw.conns->proto;
        struct iscsi_bhs h;

        s->nopin_interval_usec = s->nopin_timeout_usec = 1;
        ic->last_rx_usec = 0;
        fx->w->hooks->tick(fx->w);              /* sends the ping */
        pump(0);
        recv_pdu(p, &h, NULL);
        assert_int_equal(h.opcode, ISCSI_OP_NOP_IN);
        assert_int_not_equal(ic->ping_ttt, 0);
        usleep(10000);                          /* the ping is overdue */

        /* Timer ready first, then the hangup: epoll reports them in that order. */
        assert_int_equal(timerfd_settime(fx->w->timer.fd, 0, &soon, NULL), 0);
        usleep(10000);
        close(p->fd);
        p->fd = -1;
        pump(100);
        for (int i = 0; i < PUMP_LIMIT && n_sessions() > 0; i++)
                pump(1);
        assert_int_equal(n_sessions(), 0);
        assert_null(icw()->cw.conns);
        peer_free(p);
}

/* A new login with the same initiator, ISID and target replaces the old session. */
static void test_reinstatement(void **state) {
        Peer *old = logged_in(isid_a), *other = logged_in(isid_b), *p;

        assert_int_equal(n_sessions(), 2);
        p = logged_in(isid_a);
        expect_closed(old);
        for (int i = 0; i < PUMP_LIMIT && n_sessions() > 2; i++)
                pump(1);
        assert_int_equal(n_sessions(), 2);
        logout(p);
        logout(other);
        assert_int_equal(n_sessions(), 0);
        peer_free(old);
        peer_free(other);
        peer_free(p);
}

/* One initiator, one ISID, two paths (TPG 1 and TPG 2): two sessions, not a reinstatement,
 * and the LU behind both has one identity (same NAA in VPD 0x83, one port per TPG). */
static void test_two_paths(void **state) {
        static const uint8_t vpd83[16] = { 0x12, 1, 0x83, 0, 255, 0 };
        Peer *a = logged_in(isid_a), *b = peer_connect_to(PORTAL2_PORT);
        uint8_t va[255] = {}, vb[255] = {}, key;

        assert_int_equal(do_login(b, INITIATOR, TARGET, ISCSI_SESSION_NORMAL, isid_a), ISCSI_LOGIN_DONE);
        pump(0);
        assert_int_equal(n_sessions(), 2);
        clear_unit_attention(a);
        clear_unit_attention(b);
        assert_int_equal(scsi_read_cmd(a, vpd83, va, sizeof(va), &key), 0);
        assert_int_equal(scsi_read_cmd(b, vpd83, vb, sizeof(vb), &key), 0);
        /* NAA designator first: identical; the relative target ports (TPG tags) differ. */
        assert_int_equal(va[4 + 1] & 0x0f, 0x03);
        assert_memory_equal(va + 8, vb + 8, 16);
        assert_memory_not_equal(va, vb, sizeof(va));
        logout(a);
        logout(b);
        assert_int_equal(n_sessions(), 0);
        peer_free(a);
        peer_free(b);
}

/* Reload with the ACL gone: the session is closed on the next command. */
static void test_reload_drops_unauthorised_session(void **state) {
        static const uint8_t tur[16] = { 0x00 };
        Peer *p = logged_in(isid_a);
        char *edited = strdup(config_json), *acl;
        struct iscsi_bhs h;

        assert_non_null(edited);
        acl = strstr(edited, INITIATOR);
        assert_non_null(acl);
        acl[strlen(INITIATOR) - 1] = 'X';        /* the ACL now names someone else */
        assert_int_equal(util_write_file_atomic(fx->config, edited, strlen(edited), 0600), 0);
        free(edited);
        assert_int_equal(daemon_reload(fx->d), 0);

        h = cmd_bhs(p, tur, 0, 0);
        send_pdu(p, &h, NULL, 0);
        expect_closed(p);
        assert_int_equal(n_sessions(), 0);
        peer_free(p);
        assert_int_equal(util_write_file_atomic(fx->config, config_json, strlen(config_json), 0600), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_login_logout, setup, teardown),
                cmocka_unit_test_setup_teardown(test_login_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_inquiry, setup, teardown),
                cmocka_unit_test_setup_teardown(test_write_r2t_and_read_back, setup, teardown),
                cmocka_unit_test_setup_teardown(test_data_out_out_of_sequence, setup, teardown),
                cmocka_unit_test_setup_teardown(test_nop_ping, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rejects, setup, teardown),
                cmocka_unit_test_setup_teardown(test_discovery_session, setup, teardown),
                cmocka_unit_test_setup_teardown(test_connection_drop_with_open_task, setup, teardown),
                cmocka_unit_test_setup_teardown(test_ping_timeout_and_hangup_in_one_batch, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reinstatement, setup, teardown),
                cmocka_unit_test_setup_teardown(test_two_paths, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reload_drops_unauthorised_session, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
