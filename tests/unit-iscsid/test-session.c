/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon core end to end without a kernel: a client thread talks to the IPC server, the
 * session logs in over TCP on 127.0.0.1 to a target thread running libiscsi-node's target
 * login machine, and a fake kernel transport records what the kernel would have been told.
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
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "fake-sysfs.h"
#include "iscsi-proto/login.h"
#include "iscsi-util/macro.h"
#include "ipc-server.h"
#include "login-run.h"
#include "manager.h"
#include "netlink.h"

#define TARGET_IQN "iqn.2026-11.org.example:unit"
#define INITIATOR_IQN "iqn.2026-11.org.example:initiator"
#define CHAP_USER "unituser"
#define CHAP_SECRET "unitsecret123456"
/* The 4-byte big-endian length in front of every IPC message (iscsid/IPC.md). */
#define IPC_PREFIX 4

/* ---- fake kernel transport ---- */

struct fake {
        struct kernel_transport base;
        unsigned creates, destroys, conn_creates, conn_destroys, binds, starts, sends;
        int stops[8];
        unsigned n_stops;
        char params[64][80];
        unsigned n_params;
        uint32_t last_initial_cmdsn;
        bool pending_logout_rsp;
        uint32_t logout_sids[8];        /* Logout PDUs sent, not answered yet */
        unsigned n_logout_sids;
        uint32_t next_sid;
        char bound_dev[32], bound_source[48]; /* of the last socket handed over */
        bool hold_sockets;              /* keep each bound socket open, as iscsi_tcp does */
        int held[4];                    /* those sockets: our own descriptors of them */
        unsigned n_held;
};

static struct fake *F(struct kernel_transport *t) {
        return (struct fake *) t;
}

static int f_create_session(struct kernel_transport *t, uint32_t cmdsn, uint16_t cmds_max, uint16_t qd,
                            uint32_t *sid, uint32_t *host) {
        F(t)->creates++;
        F(t)->last_initial_cmdsn = cmdsn;
        *sid = ++F(t)->next_sid;
        *host = 10 + *sid;
        return 0;
}
static int f_destroy_session(struct kernel_transport *t, uint32_t sid) {
        F(t)->destroys++;
        return 0;
}
static int f_create_conn(struct kernel_transport *t, uint32_t sid, uint32_t *cid) {
        F(t)->conn_creates++;
        *cid = 0;
        return 0;
}
static int f_destroy_conn(struct kernel_transport *t, uint32_t sid, uint32_t cid) {
        F(t)->conn_destroys++;
        return 0;
}
static int f_bind_conn(struct kernel_transport *t, uint32_t sid, uint32_t cid, int fd) {
        struct sockaddr_in local;
        socklen_t dlen = sizeof F(t)->bound_dev, llen = sizeof local;
        F(t)->binds++;
        F(t)->bound_dev[0] = 0;
        (void) getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, F(t)->bound_dev, &dlen);
        if (getsockname(fd, (struct sockaddr *) &local, &llen) == 0)
                inet_ntop(AF_INET, &local.sin_addr, F(t)->bound_source, sizeof F(t)->bound_source);
        if (F(t)->hold_sockets && fd >= 0 && F(t)->n_held < ELEMENTSOF(F(t)->held))
                F(t)->held[F(t)->n_held++] = fcntl(fd, F_DUPFD_CLOEXEC, 0); /* sockfd_lookup() */
        return fd >= 0 ? 0 : -EBADF;
}
static int f_set_param(struct kernel_transport *t, uint32_t sid, uint32_t cid, enum kiscsi_param p, const char *v) {
        struct fake *f = F(t);
        if (p == KISCSI_PARAM_ISID)
                return -ENOSYS; /* as iscsi_tcp answers */
        if (f->n_params < 64)
                snprintf(f->params[f->n_params++], sizeof f->params[0], "%d=%s", (int) p, v);
        return 0;
}
static int f_start_conn(struct kernel_transport *t, uint32_t sid, uint32_t cid) {
        F(t)->starts++;
        return 0;
}
static int f_stop_conn(struct kernel_transport *t, uint32_t sid, uint32_t cid, int flag) {
        struct fake *f = F(t);
        if (f->n_stops < 8)
                f->stops[f->n_stops++] = flag;
        return 0;
}
static int f_send_pdu(struct kernel_transport *t, uint32_t sid, uint32_t cid, const void *hdr, size_t hl,
                      const void *d, size_t dl) {
        struct iscsi_bhs bhs;
        F(t)->sends++;
        if (iscsi_bhs_decode(hdr, hl, &bhs) == 0 && bhs.opcode == ISCSI_OP_LOGOUT_REQ) {
                F(t)->pending_logout_rsp = true;
                if (F(t)->n_logout_sids < 8)
                        F(t)->logout_sids[F(t)->n_logout_sids++] = sid;
        }
        return 0;
}
static int f_get_stats(struct kernel_transport *t, uint32_t sid, uint32_t cid, struct iscsid_stat **ret, size_t *n) {
        struct iscsid_stat *s = calloc(2, sizeof *s);
        snprintf(s[0].name, sizeof s[0].name, "txdata_octets");
        s[0].value = 4096;
        snprintf(s[1].name, sizeof s[1].name, "scsicmd_pdus");
        s[1].value = 5;
        *ret = s;
        *n = 2;
        return 0;
}
/* Kernel teardown calls made before the transport was freed (the manager frees it last). */
static unsigned teardowns_at_free;
static void f_free(struct kernel_transport *t) {
        teardowns_at_free = F(t)->destroys + F(t)->conn_destroys + F(t)->n_stops;
        free(t);
}

static const struct kernel_transport_ops fake_ops = {
        .create_session = f_create_session, .destroy_session = f_destroy_session,
        .create_conn = f_create_conn, .destroy_conn = f_destroy_conn, .bind_conn = f_bind_conn,
        .set_param = f_set_param, .start_conn = f_start_conn, .stop_conn = f_stop_conn,
        .send_pdu = f_send_pdu, .get_stats = f_get_stats, .free = f_free,
};

static bool has_param(struct fake *f, enum kiscsi_param p, const char *v) {
        char want[80];
        snprintf(want, sizeof want, "%d=%s", (int) p, v);
        for (unsigned i = 0; i < f->n_params; i++)
                if (streq(f->params[i], want))
                        return true;
        return false;
}

/* ---- target thread ---- */

struct target {
        int listen_fd;
        int port;
        pthread_t thread;
        atomic_int logins_ok, logins_failed;
        atomic_uint first_cmdsn[4];
        bool require_chap;
};

static int t_get_auth(void *ud, const char *ini, const char *tgt, struct iscsi_login_target_auth *ret) {
        struct target *t = ud;
        memset(ret, 0, sizeof *ret);
        ret->require_chap = t->require_chap;
        ret->chap.username = CHAP_USER;
        ret->chap.secret = CHAP_SECRET;
        return 0;
}

static int read_full(int fd, void *buf, size_t len) {
        size_t got = 0;
        while (got < len) {
                ssize_t n = read(fd, (uint8_t *) buf + got, len - got);
                if (n <= 0)
                        return -1;
                got += (size_t) n;
        }
        return 0;
}

static void *target_main(void *arg) {
        struct target *t = arg;
        for (unsigned conn = 0;; conn++) {
                int fd = accept(t->listen_fd, NULL, NULL);
                if (fd < 0)
                        return NULL;
                struct iscsi_login_target_config cfg = {
                        .tpgt = 1, .initial_statsn = 100, .cmdsn_window = 32,
                        .policy = { .get_auth = t_get_auth, .userdata = t },
                };
                struct iscsi_login *l = NULL;
                if (iscsi_login_target_new(&cfg, &l) < 0) {
                        close(fd);
                        continue;
                }
                bool first = true;
                for (;;) {
                        uint8_t buf[ISCSI_BHS_SIZE + 16384];
                        if (read_full(fd, buf, ISCSI_BHS_SIZE) < 0)
                                break;
                        size_t total;
                        if (iscsi_pdu_peek_length(buf, ISCSI_BHS_SIZE, 0, &total) < 0 || total > sizeof buf)
                                break;
                        if (read_full(fd, buf + ISCSI_BHS_SIZE, total - ISCSI_BHS_SIZE) < 0)
                                break;
                        struct iscsi_pdu_view v;
                        if (iscsi_pdu_parse(buf, total, 0, 0, &v) < 0)
                                break;
                        if (first && conn < 4)
                                t->first_cmdsn[conn] = v.bhs.cmdsn;
                        first = false;
                        struct iscsi_login_pdu rsp;
                        int r = iscsi_login_target_receive(l, &v.bhs, v.data, v.data_len, &rsp);
                        if (r < 0)
                                break;
                        if (r == ISCSI_LOGIN_DONE)
                                t->logins_ok++; /* before the initiator can see the response */
                        uint8_t out[ISCSI_BHS_SIZE + 16384];
                        ssize_t n = iscsi_pdu_build(&rsp.bhs, NULL, 0, rsp.data, 0, out, sizeof out);
                        if (n < 0 || write(fd, out, (size_t) n) != n)
                                break;
                        if (r == ISCSI_LOGIN_DONE) {
                                /* full feature phase: wait for the "kernel" to close */
                                while (read(fd, buf, sizeof buf) > 0)
                                        ;
                                break;
                        }
                        if (r == ISCSI_LOGIN_FAILED) {
                                t->logins_failed++;
                                break;
                        }
                }
                iscsi_login_free(l);
                close(fd);
        }
}

static void target_start(struct target *t, bool chap) {
        memset(t, 0, sizeof *t);
        t->require_chap = chap;
        t->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(t->listen_fd >= 0);
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        assert_int_equal(bind(t->listen_fd, (struct sockaddr *) &sa, sizeof sa), 0);
        socklen_t len = sizeof sa;
        assert_int_equal(getsockname(t->listen_fd, (struct sockaddr *) &sa, &len), 0);
        t->port = ntohs(sa.sin_port);
        assert_int_equal(listen(t->listen_fd, 8), 0);
        assert_int_equal(pthread_create(&t->thread, NULL, target_main, t), 0);
}

static void target_stop(struct target *t) {
        shutdown(t->listen_fd, SHUT_RDWR);
        close(t->listen_fd);
        pthread_join(t->thread, NULL);
}

/* ---- client thread ---- */

struct call {
        pthread_t thread;
        bool is_batch;
        struct node_login_req batch[3];
        struct login_result batch_res[3];
        atomic_bool done;
        int r;
        struct node_login_req req;
        struct login_result login;
        struct session_logout_req logout_req;
        struct logout_result logout;
        bool is_logout;
        bool is_logout_batch;
        struct session_logout_req logout_batch[3];
        struct logout_result logout_batch_res[3];
};

static void *call_main(void *arg) {
        struct call *c = arg;
        if (c->is_batch)
                c->r = node_iscsid_client_login_many(c->batch, 3, c->batch_res);
        else if (c->is_logout_batch)
                c->r = node_iscsid_client_logout_many(c->logout_batch, 3, c->logout_batch_res);
        else if (c->is_logout)
                c->r = node_iscsid_client_logout(&c->logout_req, &c->logout);
        else
                c->r = node_iscsid_client_login(&c->req, &c->login);
        c->done = true;
        return NULL;
}

static struct manager *m;
static struct ipc_server *server;
static struct fake *fake;
static char tmpdir[256], sockpath[300];

static void loop_until(atomic_bool *flag) {
        for (int i = 0; i < 400 && !*flag; i++) {
                sd_event_run(m->event, 50000);
                if (fake->pending_logout_rsp) {
                        /* the kernel passes each session's Logout Response up as RECV_PDU */
                        fake->pending_logout_rsp = false;
                        uint8_t hdr[ISCSI_BHS_SIZE];
                        struct iscsi_bhs rsp = { .opcode = ISCSI_OP_LOGOUT_RSP, .final = true };
                        assert_int_equal(iscsi_bhs_encode(&rsp, hdr), 0);
                        unsigned n = fake->n_logout_sids;
                        fake->n_logout_sids = 0;
                        for (unsigned k = 0; k < n; k++) {
                                struct kernel_event ev = { .type = KISCSI_KEVENT_RECV_PDU, .sid = fake->logout_sids[k],
                                                           .pdu = hdr, .pdu_len = sizeof hdr };
                                manager_on_kernel_event(&ev, m);
                        }
                }
        }
        assert_true(*flag);
}

static void call_run(struct call *c) {
        c->done = false;
        assert_int_equal(pthread_create(&c->thread, NULL, call_main, c), 0);
        loop_until(&c->done);
        pthread_join(c->thread, NULL);
}

static void req_init(struct node_login_req *r, int port) {
        node_login_req_init(r);
        r->target_name = TARGET_IQN;
        r->address = "127.0.0.1";
        r->port = port;
        r->initiator_name = INITIATOR_IQN;
        r->scan = "manual";
        r->default_time2wait = 0;
        r->login_timeout = 5;
        r->logout_timeout = 2;
        r->replacement_timeout = 33;
        r->initial_login_retry_max = 1;
}

static int setup(void **state) {
        snprintf(tmpdir, sizeof tmpdir, "%s/iscsid-test.XXXXXX", getenv("TMPDIR") ?: "/tmp");
        assert_non_null(mkdtemp(tmpdir));
        snprintf(sockpath, sizeof sockpath, "%s/iscsid.sock", tmpdir);
        setenv("ISCSID_SOCKET", sockpath, 1);
        setenv("ISCSID_RUN_DIR", tmpdir, 1);
        setenv("ISCSID_NO_KMOD", "1", 1);
        fake_sysfs_setup();
        assert_int_equal(manager_new(&m), 0);
        fake = calloc(1, sizeof *fake);
        fake->base.ops = &fake_ops;
        manager_set_transport(m, &fake->base);
        m->ctx.no_scan = true;
        assert_int_equal(ipc_server_new(m, sockpath, &server), 0);
        return 0;
}

static int teardown(void **state) {
        server = ipc_server_free(server);
        m = manager_free(m);
        fake_sysfs_teardown();
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        assert_int_equal(system(cmd), 0);
        return 0;
}

static void test_login_logout(void **state) {
        struct target t;
        target_start(&t, false);
        struct call c = {};
        req_init(&c.req, t.port);
        call_run(&c);
        assert_int_equal(c.r, 0);
        assert_int_equal(c.login.status, 0);
        assert_int_equal(c.login.sid, 1);
        assert_int_equal(c.login.host_no, 11);
        assert_int_equal(fake->creates, 1);
        assert_int_equal(fake->binds, 1);
        assert_int_equal(fake->starts, 1);
        assert_int_equal(fake->last_initial_cmdsn, t.first_cmdsn[0]);
        assert_true(has_param(fake, KISCSI_PARAM_TARGET_NAME, TARGET_IQN));
        assert_true(has_param(fake, KISCSI_PARAM_INITIATOR_NAME, INITIATOR_IQN));
        assert_true(has_param(fake, KISCSI_PARAM_PERSISTENT_ADDRESS, "127.0.0.1"));
        assert_true(has_param(fake, KISCSI_PARAM_SESS_RECOVERY_TMO, "33"));
        assert_true(has_param(fake, KISCSI_PARAM_TPGT, "1"));
        assert_true(has_param(fake, KISCSI_PARAM_HDRDGST_EN, "0"));
        assert_true(has_param(fake, KISCSI_PARAM_IFACE_NAME, "default"));
        assert_int_equal(t.logins_ok, 1);

        /* the same node again: session exists (15), no second kernel session */
        struct call dup = {};
        req_init(&dup.req, t.port);
        call_run(&dup);
        assert_int_equal(dup.login.status, ISCSI_ERR_SESS_EXISTS);
        assert_int_equal(fake->creates, 1);

        /* logout by target/portal: Logout PDU through the kernel, then teardown */
        struct call out = { .is_logout = true };
        out.logout_req = (struct session_logout_req) { .sid = -1, .target_name = TARGET_IQN, .address = "127.0.0.1",
                                                       .port = t.port };
        call_run(&out);
        assert_int_equal(out.r, 0);
        assert_int_equal(out.logout.status, 0);
        assert_int_equal(out.logout.sid, 1);
        assert_int_equal(fake->sends, 1);
        assert_int_equal(fake->stops[fake->n_stops - 1], KISCSI_STOP_CONN_TERM);
        assert_int_equal(fake->conn_destroys, 1);
        assert_int_equal(fake->destroys, 1);
        assert_null(m->sessions);
        target_stop(&t);
}

/* A state file that cannot be written (here: "sessions" is a file; 70-reliability.sh does ENOSPC
 * and EIO on the writer itself) does not fail the login: the session is up, the daemon goes on
 * serving, and the logout works (session-config.h says why). */
static void test_state_file_unwritable(void **state) {
        char path[400];
        struct target t;

        snprintf(path, sizeof path, "%s/sessions", tmpdir);
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        fclose(f);
        target_start(&t, false);
        struct call c = {};
        req_init(&c.req, t.port);
        call_run(&c);
        assert_int_equal(c.r, 0);
        assert_int_equal(c.login.status, 0);
        assert_int_equal(fake->starts, 1);
        assert_non_null(m->sessions);
        struct call out = { .is_logout = true };
        out.logout_req = (struct session_logout_req) { .sid = -1, .target_name = TARGET_IQN, .address = "127.0.0.1",
                                                       .port = t.port };
        call_run(&out);
        assert_int_equal(out.logout.status, 0);
        assert_int_equal(fake->destroys, 1);
        assert_null(m->sessions);
        target_stop(&t);
}

struct login_outcome {
        atomic_bool done;
        struct session_result res;
};

static void on_login_outcome(const struct session_result *res, void *userdata) {
        struct login_outcome *o = userdata;
        o->res = *res;
        o->res.message = NULL; /* only valid during the call */
        o->done = true;
}

/* iscsistart's use of the core library: one login through manager_login() without IPC; the
 * callback reports it; freeing the manager leaves the kernel session (no teardown). */
static void test_login_without_ipc(void **state) {
        struct target t;
        struct node_login_req req;
        struct login_outcome out = {};
        char path[400];

        server = ipc_server_free(server);
        target_start(&t, false);
        req_init(&req, t.port);
        assert_int_equal(manager_login(m, &req, on_login_outcome, &out), 0);
        loop_until(&out.done);
        assert_int_equal(out.res.status, ISCSI_SUCCESS);
        assert_int_equal(out.res.sid, 1);
        assert_int_equal(out.res.host_no, 11);
        assert_int_equal(fake->starts, 1);
        snprintf(path, sizeof path, "%s/sessions/1.json", tmpdir);
        assert_int_equal(access(path, F_OK), 0); /* for iscsid to adopt the session */

        teardowns_at_free = 99;
        m = manager_free(m);
        fake = NULL;
        assert_int_equal(teardowns_at_free, 0);
        target_stop(&t);

        /* a refused login is reported through the callback before manager_login returns */
        assert_int_equal(manager_new(&m), 0);
        struct login_outcome bad = {};
        node_login_req_init(&req);
        req.address = "127.0.0.1";
        req.target_name = TARGET_IQN;
        req.initiator_name = INITIATOR_IQN;
        req.port = 70000;
        fake = calloc(1, sizeof *fake);
        fake->base.ops = &fake_ops;
        manager_set_transport(m, &fake->base);
        assert_int_equal(manager_login(m, &req, on_login_outcome, &bad), -EINVAL);
        assert_true(bad.done);
        assert_int_equal(bad.res.status, ISCSI_ERR_INVAL);
        assert_null(m->sessions);
}

/* An iface bound to a netdev and a source address: the socket handed to the kernel leaves by
 * that device from that address; an unknown device fails the login and says why. */
static void test_iface_binding(void **state) {
        if (geteuid() != 0) {
                print_message("SO_BINDTODEVICE needs CAP_NET_RAW: run as root\n");
                skip();
        }
        struct target t;
        target_start(&t, false);
        struct call c = {};
        req_init(&c.req, t.port);
        c.req.iface = "lo-bound";
        c.req.netdev = "lo";
        c.req.ipaddress = "127.0.0.3";
        call_run(&c);
        assert_int_equal(c.login.status, ISCSI_SUCCESS);
        assert_string_equal(fake->bound_dev, "lo");
        assert_string_equal(fake->bound_source, "127.0.0.3");

        struct call bad = {};
        req_init(&bad.req, t.port);
        bad.req.iface = "gone";
        bad.req.netdev = "nosuchdev0";
        bad.req.initial_login_retry_max = 0;
        call_run(&bad);
        assert_int_equal(bad.login.status, ISCSI_ERR_TRANS);
        assert_non_null(strstr(bad.login.message, "network device nosuchdev0"));
        assert_int_equal(fake->creates, 1);
        target_stop(&t);
}

/* login_run: several logins at once, waited for, each with its own outcome. */
static void test_login_run(void **state) {
        struct target t, gone;
        struct node_login_req reqs[3];
        struct login_result res[3];

        server = ipc_server_free(server);
        target_start(&t, false);
        target_start(&gone, false);
        int closed_port = gone.port;
        target_stop(&gone);
        req_init(&reqs[0], t.port);
        req_init(&reqs[1], closed_port);
        reqs[1].initial_login_retry_max = 0;
        req_init(&reqs[2], t.port); /* the same node as reqs[0]: refused at once */
        assert_int_equal(login_run(m, reqs, 3, res), 0);
        assert_int_equal(res[0].status, ISCSI_SUCCESS);
        assert_int_equal(res[0].sid, 1);
        assert_int_equal(res[1].status, ISCSI_ERR_TRANS);
        assert_non_null(strstr(res[1].message, "cannot connect"));
        assert_int_equal(res[2].status, ISCSI_ERR_SESS_EXISTS);
        assert_int_equal(fake->creates, 1);
        target_stop(&t);
}

static void test_wrong_chap(void **state) {
        struct target t;
        target_start(&t, true);
        struct call c = {};
        req_init(&c.req, t.port);
        c.req.auth_method = "CHAP";
        c.req.username = CHAP_USER;
        c.req.password = "wrongsecret12345";
        call_run(&c);
        assert_int_equal(c.r, 0);
        assert_int_equal(c.login.status, ISCSI_ERR_LOGIN_AUTH_FAILED);
        assert_true(strlen(c.login.message) > 0);
        assert_int_equal(c.login.sid, -1);
        assert_int_equal(fake->creates, 0); /* nothing reached the kernel */
        assert_null(m->sessions);

        struct call ok = {};
        req_init(&ok.req, t.port);
        ok.req.auth_method = "CHAP";
        ok.req.username = CHAP_USER;
        ok.req.password = CHAP_SECRET;
        call_run(&ok);
        assert_int_equal(ok.login.status, 0);
        assert_true(has_param(fake, KISCSI_PARAM_USERNAME, CHAP_USER));
        target_stop(&t);
}

static void test_connection_refused(void **state) {
        struct target t;
        target_start(&t, false);
        int port = t.port;
        target_stop(&t); /* nobody listens any more */
        struct call c = {};
        req_init(&c.req, port);
        c.req.initial_login_retry_max = 0;
        call_run(&c);
        assert_int_equal(c.login.status, ISCSI_ERR_TRANS);
        assert_int_equal(fake->creates, 0);
        assert_null(m->sessions);
}

static void test_recovery(void **state) {
        struct target t;
        target_start(&t, false);
        struct call c = {};
        req_init(&c.req, t.port);
        call_run(&c);
        assert_int_equal(c.login.status, 0);
        uint32_t initial = fake->last_initial_cmdsn;
        struct session *s = m->sessions;
        assert_non_null(s);

        struct kernel_event ev = { .type = KISCSI_KEVENT_CONN_ERROR, .sid = s->sid, .error = KISCSI_ERR_TCP_CONN_CLOSE };
        manager_on_kernel_event(&ev, m);
        assert_int_equal(fake->stops[fake->n_stops - 1], KISCSI_STOP_CONN_RECOVER);
        assert_int_equal(s->state, SESSION_RECOVERY_WAIT);
        for (int i = 0; i < 200 && s->state != SESSION_LOGGED_IN; i++)
                sd_event_run(m->event, 50000);
        assert_int_equal(s->state, SESSION_LOGGED_IN);
        assert_int_equal(s->recoveries, 1);
        assert_int_equal(fake->creates, 1);        /* same kernel session */
        assert_int_equal(fake->binds, 2);          /* new socket bound */
        assert_int_equal(fake->starts, 2);
        assert_int_equal(t.logins_ok, 2);
        /* the reconnect logs in with the CmdSN the kernel uses next: start + 5 commands */
        assert_int_equal(t.first_cmdsn[1], initial + 5);
        target_stop(&t);
}

/* Whether the epoll set epfd still watches the file with inode ino (its fdinfo lists one
 * "tfd: ... ino:HEX" line per registration). */
static bool epoll_watches_inode(int epfd, ino_t ino) {
        char path[64], line[256];
        bool found = false;
        snprintf(path, sizeof path, "/proc/self/fdinfo/%d", epfd);
        FILE *f = fopen(path, "re");
        assert_non_null(f);
        while (fgets(line, sizeof line, f)) {
                const char *p = strstr(line, " ino:");
                if (strncmp(line, "tfd:", 4) == 0 && p && strtoull(p + 5, NULL, 16) == (unsigned long long) ino)
                        found = true;
        }
        fclose(f);
        return found;
}

static ino_t inode_of(int fd) {
        struct stat st;
        assert_int_equal(fstat(fd, &st), 0);
        return st.st_ino;
}

/* The kernel keeps the socket after BIND_CONN: a socket handed over, at the first login and at
 * a reconnect in recovery, must have left iscsid's epoll set, or its next event (the target's
 * FIN after a Logout Response, a reset on a flapping link) reaches a freed event source and
 * sd-event aborts ("Code should not be reached" in process_epoll, seen in vm/netem and
 * vm/backing-eio). */
static void test_handover_leaves_epoll(void **state) {
        struct target t;
        target_start(&t, false);
        fake->hold_sockets = true;
        struct call c = {};
        req_init(&c.req, t.port);
        call_run(&c);
        assert_int_equal(c.login.status, 0);
        struct session *s = m->sessions;
        assert_non_null(s);
        assert_int_equal(fake->n_held, 1);
        int epfd = sd_event_get_fd(m->event);
        assert_false(epoll_watches_inode(epfd, inode_of(fake->held[0])));

        /* the connection fails; STOP_CONN releases the kernel's socket; the reconnect's socket
         * is handed over in its turn */
        struct kernel_event ev = { .type = KISCSI_KEVENT_CONN_ERROR, .sid = s->sid, .error = KISCSI_ERR_TCP_CONN_CLOSE };
        manager_on_kernel_event(&ev, m);
        fake->held[0] = safe_close(fake->held[0]);
        for (int i = 0; i < 200 && s->state != SESSION_LOGGED_IN; i++)
                sd_event_run(m->event, 50000);
        assert_int_equal(s->state, SESSION_LOGGED_IN);
        assert_int_equal(fake->n_held, 2);
        assert_false(epoll_watches_inode(epfd, inode_of(fake->held[1])));

        /* the target hangs up on the kernel's socket: nothing of iscsid's may see it */
        assert_int_equal(shutdown(fake->held[1], SHUT_WR), 0);
        for (int i = 0; i < 10; i++)
                assert_true(sd_event_run(m->event, 10000) >= 0);
        fake->held[1] = safe_close(fake->held[1]);
        target_stop(&t);
}

static void test_parallel_batch(void **state) {
        /* Three logins at once for one node: one of the two plain ones gets 15, the third asks
         * for an additional session (nr_sessions) and gets its own. */
        struct target t;
        target_start(&t, false);
        struct call c = { .is_batch = true };
        for (int i = 0; i < 3; i++)
                req_init(&c.batch[i], t.port);
        c.batch[2].allow_existing = true;
        call_run(&c);
        assert_int_equal(c.r, 0);
        int st0 = c.batch_res[0].status, st1 = c.batch_res[1].status;
        assert_true((st0 == 0 && st1 == ISCSI_ERR_SESS_EXISTS) || (st0 == ISCSI_ERR_SESS_EXISTS && st1 == 0));
        assert_int_equal(c.batch_res[2].status, 0);
        assert_int_equal(fake->creates, 2);
        assert_int_not_equal(c.batch_res[2].sid, st0 == 0 ? c.batch_res[0].sid : c.batch_res[1].sid);
        /* the two sessions use different ISIDs */
        assert_non_null(m->sessions);
        assert_non_null(m->sessions->next);
        assert_memory_not_equal(m->sessions->cfg.isid, m->sessions->next->cfg.isid, 6);

        /* --logoutall: both sessions and one unknown sid in one batch; each session removes its
         * LUNs (a thread), then sends its Logout PDU and is torn down; the unknown one gets 21 */
        int sids[2] = { c.batch_res[2].sid, st0 == 0 ? c.batch_res[0].sid : c.batch_res[1].sid };
        struct call out = { .is_logout_batch = true };
        out.logout_batch[0] = (struct session_logout_req) { .sid = sids[0] };
        out.logout_batch[1] = (struct session_logout_req) { .sid = 77 };
        out.logout_batch[2] = (struct session_logout_req) { .sid = sids[1] };
        call_run(&out);
        assert_int_equal(out.r, 0);
        assert_int_equal(out.logout_batch_res[0].status, 0);
        assert_int_equal(out.logout_batch_res[0].sid, sids[0]);
        assert_int_equal(out.logout_batch_res[1].status, ISCSI_ERR_SESS_NOT_FOUND);
        assert_int_equal(out.logout_batch_res[2].status, 0);
        assert_int_equal(out.logout_batch_res[2].sid, sids[1]);
        assert_int_equal(fake->sends, 2);
        assert_int_equal(fake->conn_destroys, 2);
        assert_int_equal(fake->destroys, 2);
        assert_null(m->sessions);
        target_stop(&t);
}

static bool kernel_has_iscsi(void) {
        int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ISCSI);
        if (fd >= 0)
                close(fd);
        return fd >= 0;
}

static void test_no_kernel_iscsi(void **state) {
        /* On a kernel without scsi_transport_iscsi the daemon must say so clearly: exit 12. */
        if (kernel_has_iscsi()) {
                skip();
                return;
        }
        struct kernel_transport *t = NULL;
        int r = netlink_transport_new(NULL, NULL, NULL, &t);
        assert_true(r == -EPROTONOSUPPORT || r == -ENOENT);
        manager_set_transport(m, NULL);
        fake = NULL;
        struct call c = {};
        req_init(&c.req, 3260);
        c.done = false;
        assert_int_equal(pthread_create(&c.thread, NULL, call_main, &c), 0);
        for (int i = 0; i < 200 && !c.done; i++)
                sd_event_run(m->event, 50000);
        pthread_join(c.thread, NULL);
        assert_int_equal(c.login.status, ISCSI_ERR_TRANS_NOT_FOUND);
        assert_non_null(strstr(c.login.message, "kernel"));
        assert_null(m->sessions);
}

static void test_non_root_refused(void **state) {
        if (geteuid() != 0) {
                skip();
                return;
        }
        assert_int_equal(chmod(sockpath, 0666), 0);
        assert_int_equal(chmod(tmpdir, 0755), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (setgid(65534) < 0 || setuid(65534) < 0)
                        _exit(100);
                struct iscsid_simple_result res;
                int r = node_iscsid_client_ping(&res);
                _exit(r < 0 ? 101 : res.status);
        }
        int status = 0;
        for (int i = 0; i < 200; i++) {
                sd_event_run(m->event, 20000);
                if (waitpid(pid, &status, WNOHANG) == pid)
                        break;
        }
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), ISCSI_ERR_ACCESS);
        /* and root is served */
        struct call c = { .is_logout = true };
        c.logout_req = (struct session_logout_req) { .sid = 42 };
        call_run(&c);
        assert_int_equal(c.logout.status, ISCSI_ERR_SESS_NOT_FOUND);
}

static int connect_raw(void) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        snprintf(sa.sun_path, sizeof sa.sun_path, "%.100s", sockpath);
        assert_true(fd >= 0);
        assert_int_equal(connect(fd, (struct sockaddr *) &sa, sizeof sa), 0);
        return fd;
}

/* Has the daemon closed its end of fd? (EOF or reset on a read that must not block.) */
static bool closed_by_daemon(int fd) {
        char b;
        ssize_t n = recv(fd, &b, 1, MSG_DONTWAIT);
        return n == 0 || (n < 0 && errno != EAGAIN);
}

/* A client that never sends, and one that announces a 100 MiB message, block nobody: another
 * client is served meanwhile, the oversized one is dropped at once, the silent one after the
 * request timeout. */
static void test_ipc_hostile_clients(void **state) {
        ipc_server_set_request_timeout(server, 300 * 1000);
        int silent = connect_raw(), big = connect_raw();
        uint32_t be = htonl(100u << 20);
        assert_int_equal(write(big, &be, sizeof be), (ssize_t) sizeof be);
        char chunk[4096] = "{";
        (void) send(big, chunk, sizeof chunk, MSG_DONTWAIT | MSG_NOSIGNAL);

        struct call c = { .is_logout = true };
        c.logout_req = (struct session_logout_req) { .sid = 42 };
        call_run(&c);
        assert_int_equal(c.logout.status, ISCSI_ERR_SESS_NOT_FOUND);
        assert_true(closed_by_daemon(big));
        assert_false(closed_by_daemon(silent));

        for (int i = 0; i < 40 && !closed_by_daemon(silent); i++)
                sd_event_run(m->event, 20000);
        assert_true(closed_by_daemon(silent));
        close(silent);
        close(big);
}

/* A request of exactly the largest allowed size (ISCSID_IPC_MAX_MESSAGE) is served: the
 * receive buffer may grow to the limit plus the length prefix, not stop a step below it. */
static void test_ipc_largest_request(void **state) {
        size_t len = ISCSID_IPC_MAX_MESSAGE;
        _cleanup_free_ char *msg = malloc(IPC_PREFIX + len);
        assert_non_null(msg);
        uint32_t be = htonl((uint32_t) len);
        memcpy(msg, &be, IPC_PREFIX);
        int head = snprintf(msg + IPC_PREFIX, len, "{\"version\": %d, \"type\": \"ping\", \"pad\": \"", ISCSID_IPC_VERSION);
        memset(msg + IPC_PREFIX + head, 'a', len - (size_t) head - 2);
        memcpy(msg + IPC_PREFIX + len - 2, "\"}", 2);

        int fd = connect_raw();
        size_t sent = 0;
        for (int i = 0; i < 2000 && sent < IPC_PREFIX + len; i++) {
                ssize_t n = send(fd, msg + sent, IPC_PREFIX + len - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (n > 0)
                        sent += (size_t) n;
                sd_event_run(m->event, 1000);
        }
        assert_int_equal(sent, IPC_PREFIX + len);
        for (int i = 0; i < 20; i++)
                sd_event_run(m->event, 1000);
        struct json_object *reply = NULL, *v;
        assert_int_equal(node_ipc_recv_message(fd, &reply), 0);
        assert_true(json_object_object_get_ex(reply, "status", &v));
        assert_int_equal(json_object_get_int(v), ISCSI_SUCCESS);
        json_object_put(reply);
        close(fd);
}

static void test_bad_version(void **state) {
        /* A request with a future version gets 16 and the daemon's version. */
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        snprintf(sa.sun_path, sizeof sa.sun_path, "%.100s", sockpath);
        assert_int_equal(connect(fd, (struct sockaddr *) &sa, sizeof sa), 0);
        struct json_object *o = json_tokener_parse("{\"version\": 99, \"type\": \"list\"}");
        assert_int_equal(node_ipc_send_message(fd, o), 0);
        json_object_put(o);
        for (int i = 0; i < 10; i++)
                sd_event_run(m->event, 20000);
        struct json_object *reply = NULL;
        assert_int_equal(node_ipc_recv_message(fd, &reply), 0);
        struct json_object *v;
        assert_true(json_object_object_get_ex(reply, "status", &v));
        assert_int_equal(json_object_get_int(v), ISCSI_ERR_INVALID_MGMT_REQ);
        json_object_put(reply);
        close(fd);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_login_logout, setup, teardown),
                cmocka_unit_test_setup_teardown(test_login_without_ipc, setup, teardown),
                cmocka_unit_test_setup_teardown(test_state_file_unwritable, setup, teardown),
                cmocka_unit_test_setup_teardown(test_login_run, setup, teardown),
                cmocka_unit_test_setup_teardown(test_iface_binding, setup, teardown),
                cmocka_unit_test_setup_teardown(test_wrong_chap, setup, teardown),
                cmocka_unit_test_setup_teardown(test_connection_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_recovery, setup, teardown),
                cmocka_unit_test_setup_teardown(test_handover_leaves_epoll, setup, teardown),
                cmocka_unit_test_setup_teardown(test_parallel_batch, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_version, setup, teardown),
                cmocka_unit_test_setup_teardown(test_ipc_hostile_clients, setup, teardown),
                cmocka_unit_test_setup_teardown(test_ipc_largest_request, setup, teardown),
                cmocka_unit_test_setup_teardown(test_no_kernel_iscsi, setup, teardown),
                cmocka_unit_test_setup_teardown(test_non_root_refused, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
