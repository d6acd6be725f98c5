/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One login exchange on our own socket (login-conn.c) against an in-process target: the socket
 * taken after DONE is positioned at the first Full Feature Phase byte, and once taken it is out
 * of the event loop even while someone else (the kernel, after BIND_CONN) keeps it open and the
 * target writes to it.
 */

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "iscsi-proto/login.h"
#include "iscsi-node/ipc.h"
#include "login-conn.h"

#define TARGET_IQN "iqn.2026-12.org.example:lc"
#define INITIATOR_IQN "iqn.2026-12.org.example:lc-initiator"
/* What the target sends right after its final Login Response: must be left for the kernel. */
static const char ffp_bytes[] = "FULL-FEATURE";

struct target {
        int listen_fd, port;
        pthread_t thread;
        int conn_fd;            /* the accepted connection, kept open by the thread */
        atomic_bool write_more; /* write ffp_bytes again (after the hand-over) */
        atomic_bool stop;
};

static int read_full(int fd, void *buf, size_t len) {
        for (size_t got = 0; got < len;) {
                ssize_t n = read(fd, (uint8_t *) buf + got, len - got);
                if (n <= 0)
                        return -1;
                got += (size_t) n;
        }
        return 0;
}

static int no_auth(void *ud, const char *ini, const char *tgt, struct iscsi_login_target_auth *ret) {
        memset(ret, 0, sizeof *ret);
        return 0;
}

/* Log in one initiator, then write ffp_bytes (at once, and again when asked). */
static void *target_main(void *arg) {
        struct target *t = arg;
        struct iscsi_login_target_config cfg = { .tpgt = 1, .initial_statsn = 1, .cmdsn_window = 32,
                                                 .policy = { .get_auth = no_auth } };
        struct iscsi_login *l = NULL;
        int fd = accept(t->listen_fd, NULL, NULL);
        if (fd < 0 || iscsi_login_target_new(&cfg, &l) < 0)
                return NULL;
        t->conn_fd = fd;
        for (;;) {
                uint8_t buf[ISCSI_BHS_SIZE + 16384], out[ISCSI_BHS_SIZE + 16384];
                size_t total;
                struct iscsi_pdu_view v;
                struct iscsi_login_pdu rsp;
                if (read_full(fd, buf, ISCSI_BHS_SIZE) < 0 ||
                    iscsi_pdu_peek_length(buf, ISCSI_BHS_SIZE, 0, &total) < 0 || total > sizeof buf ||
                    read_full(fd, buf + ISCSI_BHS_SIZE, total - ISCSI_BHS_SIZE) < 0 ||
                    iscsi_pdu_parse(buf, total, 0, 0, &v) < 0)
                        break;
                int r = iscsi_login_target_receive(l, &v.bhs, v.data, v.data_len, &rsp);
                ssize_t n = r < 0 ? -1 : iscsi_pdu_build(&rsp.bhs, NULL, 0, rsp.data, 0, out, sizeof out);
                if (n < 0 || write(fd, out, (size_t) n) != n || r != ISCSI_LOGIN_CONTINUE)
                        break;
        }
        iscsi_login_free(l);
        if (write(fd, ffp_bytes, sizeof ffp_bytes) != sizeof ffp_bytes)
                return NULL;
        while (!t->stop) {
                if (t->write_more) {
                        t->write_more = false;
                        if (write(fd, ffp_bytes, sizeof ffp_bytes) != sizeof ffp_bytes)
                                break;
                }
                usleep(1000);
        }
        return NULL;
}

static void target_start(struct target *t) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof sa;
        memset(t, 0, sizeof *t);
        t->conn_fd = -1;
        t->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(t->listen_fd >= 0);
        assert_int_equal(bind(t->listen_fd, (struct sockaddr *) &sa, sizeof sa), 0);
        assert_int_equal(getsockname(t->listen_fd, (struct sockaddr *) &sa, &len), 0);
        t->port = ntohs(sa.sin_port);
        assert_int_equal(listen(t->listen_fd, 1), 0);
        assert_int_equal(pthread_create(&t->thread, NULL, target_main, t), 0);
}

static void target_stop(struct target *t) {
        t->stop = true;
        shutdown(t->listen_fd, SHUT_RDWR);
        pthread_join(t->thread, NULL);
        close(t->listen_fd);
        if (t->conn_fd >= 0)
                close(t->conn_fd);
}

struct outcome {
        enum login_conn_event last;
        int fd;                 /* taken at DONE */
        struct login_conn *done; /* freed by the test after DONE, as iscsid does after BIND_CONN */
        bool ended;
};

static void on_event(struct login_conn *lc, const struct login_conn_report *rep, void *userdata) {
        struct outcome *o = userdata;
        o->last = rep->event;
        if (rep->event == LOGIN_CONN_CONNECTED)
                return;
        o->ended = true;
        if (rep->event == LOGIN_CONN_DONE) {
                o->fd = login_conn_take_fd(lc);
                o->done = lc;
        } else
                login_conn_free(lc);
}

static void test_login_then_hand_over(void **state) {
        sd_event *e = NULL;
        struct target t;
        struct node_login_req req;
        struct outcome o = { .fd = -1 };
        struct login_conn *lc = NULL;
        enum login_conn_start_error err;
        struct login_conn_report rep;

        assert_int_equal(sd_event_new(&e), 0);
        target_start(&t);
        node_login_req_init(&req);
        req.target_name = TARGET_IQN;
        req.initiator_name = INITIATOR_IQN;
        req.address = "127.0.0.1";
        req.port = t.port;
        assert_int_equal(node_login_req_apply_defaults(&req, NULL), 0);
        req.isid[0] = 0xc0;
        assert_int_equal(login_conn_start(e, &req, 1, on_event, &o, &lc, &err, &rep), 0);
        for (int i = 0; i < 200 && !o.ended; i++)
                assert_true(sd_event_run(e, 50000) >= 0);
        assert_int_equal(o.last, LOGIN_CONN_DONE);
        assert_true(o.fd >= 0);

        /* the first byte after the final Login Response is still in the socket, for the kernel */
        char buf[sizeof ffp_bytes];
        assert_int_equal(fcntl(o.fd, F_SETFL, fcntl(o.fd, F_GETFL) & ~O_NONBLOCK), 0);
        assert_int_equal(read_full(o.fd, buf, sizeof buf), 0);
        assert_memory_equal(buf, ffp_bytes, sizeof ffp_bytes);

        /* the kernel keeps the socket (as iscsi_tcp does after BIND_CONN); iscsid closes its
         * descriptor, then frees the login_conn; the target writes: no event may reach it */
        int kernel_ref = dup(o.fd);
        close(o.fd);
        login_conn_free(o.done);
        t.write_more = true;
        for (int i = 0; i < 20; i++)
                assert_true(sd_event_run(e, 10000) >= 0);
        close(kernel_ref);
        target_stop(&t);
        sd_event_unref(e);
}

static void test_refused_start(void **state) {
        sd_event *e = NULL;
        struct node_login_req req;
        struct login_conn *lc = NULL;
        enum login_conn_start_error err;
        struct login_conn_report rep = {};

        assert_int_equal(sd_event_new(&e), 0);
        node_login_req_init(&req);
        req.target_name = TARGET_IQN;
        req.initiator_name = INITIATOR_IQN;
        req.address = "127.0.0.1";
        assert_int_equal(node_login_req_apply_defaults(&req, NULL), 0);
        req.ipaddress = "::1"; /* an IPv6 source for an IPv4 portal: the iface is wrong */
        assert_true(login_conn_start(e, &req, 1, on_event, NULL, &lc, &err, &rep) < 0);
        assert_int_equal(err, LOGIN_CONN_START_FATAL);
        assert_int_equal(rep.status, ISCSI_ERR_INVAL);
        assert_non_null(strstr(rep.message, "source address ::1"));
        assert_null(lc);
        sd_event_unref(e);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_login_then_hand_over),
                cmocka_unit_test(test_refused_start),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
