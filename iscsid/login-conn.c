/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One login exchange on our own socket (login-conn.h). */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "iscsi-node/ipc.h"
#include "iscsi-util/macro.h"
#include "iscsi-util/send-all.h"
#include "login-conn.h"
#include "portal-socket.h"

/* How long one Login PDU may take to enter the socket's send buffer. */
#define LOGIN_PDU_SEND_TIMEOUT_MS 1000
/* Room for the largest Login PDU we accept: BHS, AHS, both digests, data, padding. */
#define LOGIN_RBUF_SIZE (ISCSI_BHS_SIZE + ISCSI_MAX_AHS_LEN + 2 * ISCSI_DIGEST_SIZE + ISCSI_LOGIN_MAX_SEGMENT + 4)
/* Padding and digest room after the data segment of a Login PDU we send. */
#define LOGIN_PDU_TAIL 8

struct login_conn {
        int fd;
        sd_event_source *io;
        bool connected;
        struct iscsi_login *login;
        uint8_t *rbuf;
        size_t rlen, rneed;
        char portal[300];               /* "address:port", for messages */
        login_conn_fn fn;
        void *userdata;
};

struct login_conn *login_conn_free(struct login_conn *lc) {
        if (!lc)
                return NULL;
        sd_event_source_disable_unref(lc->io);
        safe_close(lc->fd);
        iscsi_login_free(lc->login);
        if (lc->rbuf)
                explicit_bzero(lc->rbuf, LOGIN_RBUF_SIZE);
        free(lc->rbuf);
        free(lc);
        return NULL;
}

int login_conn_take_fd(struct login_conn *lc) {
        /* Out of epoll before the socket goes: the kernel keeps the file open after BIND_CONN,
         * so closing our descriptor would not end the registration, and its events would
         * reach a freed source. */
        lc->io = sd_event_source_disable_unref(lc->io);
        return TAKE_FD(lc->fd);
}

_printf_(4, 5) static void report(struct login_conn *lc, enum login_conn_event event, int status, const char *fmt,
                                  ...) {
        struct login_conn_report r = { .event = event, .status = status };
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r.message, sizeof r.message, fmt, ap);
        va_end(ap);
        lc->fn(lc, &r, lc->userdata); /* may free lc */
}

static int send_next_request(struct login_conn *lc) {
        struct iscsi_login_pdu pdu;
        int r = iscsi_login_initiator_next(lc->login, &pdu);
        if (r < 0)
                return r;
        uint8_t buf[ISCSI_BHS_SIZE + ISCSI_LOGIN_MAX_SEGMENT + LOGIN_PDU_TAIL];
        ssize_t n = iscsi_pdu_build(&pdu.bhs, NULL, 0, pdu.data, 0, buf, sizeof buf);
        if (n < 0)
                return (int) n;
        /* A Login PDU is at most ~9 KiB: a fresh socket takes it at once; if not, the peer is
         * not reading and the owner's login timer ends it. */
        r = util_send_all(lc->fd, buf, (size_t) n, LOGIN_PDU_SEND_TIMEOUT_MS);
        explicit_bzero(buf, sizeof buf);
        return r;
}

/* The login ended without success: say why, as open-iscsi does. */
static void report_refusal(struct login_conn *lc, const struct iscsi_login_result *res) {
        int code = iscsi_login_exit_code(res) ?: ISCSI_ERR_LOGIN;
        if (res->failure == ISCSI_LOGIN_FAIL_REDIRECT)
                report(lc, LOGIN_CONN_REFUSED, code, "target redirected the login to %.150s (redirects are not followed)",
                       res->target_address);
        else if (res->failure == ISCSI_LOGIN_FAIL_STATUS)
                report(lc, LOGIN_CONN_REFUSED, code, "target answered status 0x%04x (%s)%s%s", res->status,
                       iscsi_login_status_to_string(res->status), res->reason[0] ? ": " : "", res->reason);
        else
                report(lc, LOGIN_CONN_REFUSED, code, "%s%s%s", iscsi_login_failure_to_string(res->failure),
                       res->reason[0] ? ": " : "", res->reason);
}

static void handle_login_response(struct login_conn *lc) {
        struct iscsi_pdu_view v;
        int r = iscsi_pdu_parse(lc->rbuf, lc->rlen, 0, ISCSI_LOGIN_MAX_SEGMENT, &v);
        lc->rlen = lc->rneed = 0;
        if (r < 0) {
                report(lc, LOGIN_CONN_FAILED, ISCSI_ERR_LOGIN, "malformed PDU from the target during login");
                return;
        }
        if (v.bhs.opcode == ISCSI_OP_LOGIN_RSP && v.bhs.status_class >= ISCSI_STATUS_CLASS_INITIATOR_ERR) {
                /* A final error status ends the login whatever else the PDU says: tgtd, for one,
                 * zeroes the ISID in the Login Response that refuses a CHAP response. */
                struct iscsi_login_result res = {
                        .failure = ISCSI_LOGIN_FAIL_STATUS,
                        .status = (uint16_t) (v.bhs.status_class << 8 | v.bhs.status_detail),
                };
                report_refusal(lc, &res);
                return;
        }
        r = iscsi_login_initiator_receive(lc->login, &v.bhs, v.data, v.data_len);
        if (r < 0) {
                report(lc, LOGIN_CONN_FAILED, ISCSI_ERR_INTERNAL, "login state machine error");
                return;
        }
        if (r == ISCSI_LOGIN_CONTINUE) {
                if (send_next_request(lc) < 0)
                        report(lc, LOGIN_CONN_FAILED, ISCSI_ERR_TRANS, "sending a Login PDU failed");
                return;
        }
        struct iscsi_login_result res;
        iscsi_login_get_result(lc->login, &res);
        if (r == ISCSI_LOGIN_DONE) {
                struct login_conn_report done = { .event = LOGIN_CONN_DONE, .result = &res };
                lc->fn(lc, &done, lc->userdata); /* may free lc */
        } else
                report_refusal(lc, &res);
        explicit_bzero(&res, sizeof res);
}

/* Read up to the end of the PDU being received; true when it is complete. */
static bool read_pdu(struct login_conn *lc) {
        for (;;) {
                size_t want = lc->rneed ? lc->rneed : ISCSI_BHS_SIZE;
                if (lc->rlen < want) {
                        /* Exactly up to the end of this PDU: the bytes after the final Login
                         * Response belong to the kernel. */
                        ssize_t n = read(lc->fd, lc->rbuf + lc->rlen, want - lc->rlen);
                        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                                return false;
                        if (n <= 0) {
                                report(lc, LOGIN_CONN_FAILED, ISCSI_ERR_TRANS, "%s",
                                       n == 0 ? "target closed the connection during login"
                                              : "connection failed during login");
                                return false;
                        }
                        lc->rlen += (size_t) n;
                        if (lc->rlen < want)
                                return false;
                }
                if (lc->rneed)
                        return true;
                size_t total;
                if (iscsi_pdu_peek_length(lc->rbuf, lc->rlen, 0, &total) < 0 || total > LOGIN_RBUF_SIZE) {
                        report(lc, LOGIN_CONN_FAILED, ISCSI_ERR_LOGIN, "oversized PDU from the target during login");
                        return false;
                }
                lc->rneed = total;
                if (lc->rlen >= total)
                        return true;
        }
}

static void on_connected(struct login_conn *lc, sd_event_source *es) {
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(lc->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                err = errno;
        if (err) {
                report(lc, LOGIN_CONN_FAILED, err == ETIMEDOUT ? ISCSI_ERR_TRANS_TIMEOUT : ISCSI_ERR_TRANS,
                       "cannot connect to %s: %s", lc->portal, strerror(err));
                return;
        }
        lc->connected = true;
        (void) sd_event_source_set_io_events(es, EPOLLIN);
        if (send_next_request(lc) < 0) {
                report(lc, LOGIN_CONN_FAILED, ISCSI_ERR_TRANS, "sending the first Login PDU failed");
                return;
        }
        report(lc, LOGIN_CONN_CONNECTED, 0, "connected");
}

static int on_io(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        struct login_conn *lc = userdata;
        if (!lc->connected)
                on_connected(lc, es);
        else if (read_pdu(lc))
                handle_login_response(lc);
        return 0;
}

/* libiscsi-proto's login machine for cfg: identity, CHAP, the proposals of the schema. */
static int make_login(const struct node_login_req *c, uint32_t cmdsn, struct iscsi_login **ret) {
        _cleanup_keys_ struct iscsi_keys ops = {};
        enum iscsi_chap_alg algs[ISCSI_CHAP_MAX_ALGS];
        size_t n_algs = 0;
        int r = node_login_req_to_login_keys(c, &ops);
        if (r < 0)
                return r;
        if (c->chap_algs && iscsi_chap_alg_list_parse(c->chap_algs, algs, &n_algs) < 0)
                return -EINVAL;
        bool chap = c->auth_method && strcasecmp(c->auth_method, "CHAP") == 0;
        bool mutual = chap && c->username_in && c->password_in;
        struct iscsi_login_initiator_config lc = {
                .initiator_name = c->initiator_name,
                .initiator_alias = c->initiator_alias,
                .target_name = c->target_name,
                .session_type = ISCSI_SESSION_NORMAL,
                .cmdsn = cmdsn,
                .auth = chap ? ISCSI_AUTH_CHAP : ISCSI_AUTH_NONE,
                .chap = {
                        .username = chap ? c->username : NULL,
                        .secret = chap ? c->password : NULL,
                        .mutual_username = mutual ? c->username_in : NULL,
                        .mutual_secret = mutual ? c->password_in : NULL,
                },
                .chap_algs = n_algs ? algs : NULL,
                .n_chap_algs = n_algs,
                .operational = ops.n ? &ops : NULL,
        };
        memcpy(lc.isid, c->isid, sizeof lc.isid);
        return iscsi_login_initiator_new(&lc, ret);
}

/* Resolve and connect through the iface; fills *ret_error and the report on failure. */
static int open_socket(struct login_conn *lc, const struct node_login_req *c, enum login_conn_start_error *ret_error,
                       struct login_conn_report *rep) {
        struct sockaddr_storage sa;
        socklen_t len;
        const char *why = NULL;

        *ret_error = LOGIN_CONN_START_RETRY;
        rep->status = ISCSI_ERR_TRANS;
        int r = portal_resolve(c->address, c->port, &sa, &len, &why);
        if (r < 0) {
                snprintf(rep->message, sizeof rep->message, "cannot resolve %s: %s", c->address, why ?: strerror(-r));
                return r;
        }
        r = portal_connect((struct sockaddr *) &sa, len, c->netdev, c->ipaddress, &lc->fd);
        if (r == -EAFNOSUPPORT || (r == -EADDRNOTAVAIL && c->ipaddress)) {
                *ret_error = LOGIN_CONN_START_FATAL;
                rep->status = ISCSI_ERR_INVAL;
                snprintf(rep->message, sizeof rep->message, "iface %s: source address %s cannot reach %s: %s",
                         c->iface, c->ipaddress, c->address, strerror(-r));
        } else if (r < 0 && c->netdev && (r == -ENODEV || r == -EPERM))
                snprintf(rep->message, sizeof rep->message, "iface %s: cannot bind to network device %s: %s", c->iface,
                         c->netdev, strerror(-r));
        else if (r < 0)
                snprintf(rep->message, sizeof rep->message, "cannot connect to %s: %s", lc->portal, strerror(-r));
        return r;
}

static int start_failed(struct login_conn *lc, int r, enum login_conn_start_error error, int status,
                        const char *message, enum login_conn_start_error *ret_error,
                        struct login_conn_report *ret_report) {
        login_conn_free(lc);
        *ret_error = error;
        ret_report->status = status;
        if (message)
                snprintf(ret_report->message, sizeof ret_report->message, "%s", message);
        return r;
}

int login_conn_start(sd_event *e, const struct node_login_req *cfg, uint32_t cmdsn, login_conn_fn fn,
                     void *userdata, struct login_conn **ret, enum login_conn_start_error *ret_error,
                     struct login_conn_report *ret_report) {
        struct login_conn *lc = calloc(1, sizeof *lc);
        if (!lc)
                return start_failed(NULL, -ENOMEM, LOGIN_CONN_START_FATAL, ISCSI_ERR_NOMEM, "out of memory",
                                    ret_error, ret_report);
        *lc = (struct login_conn) { .fd = -EBADF, .fn = fn, .userdata = userdata };
        snprintf(lc->portal, sizeof lc->portal, "%s:%d", cfg->address, cfg->port);
        int r = make_login(cfg, cmdsn, &lc->login);
        if (r < 0)
                return start_failed(lc, r, LOGIN_CONN_START_FATAL, r == -EINVAL ? ISCSI_ERR_INVAL : ISCSI_ERR_INTERNAL,
                                    r == -EINVAL ? "invalid login parameters (names, CHAP credentials or operational values)"
                                                 : "cannot set up the login", ret_error, ret_report);
        lc->rbuf = malloc(LOGIN_RBUF_SIZE);
        if (!lc->rbuf)
                return start_failed(lc, -ENOMEM, LOGIN_CONN_START_FATAL, ISCSI_ERR_NOMEM, "out of memory", ret_error,
                                    ret_report);
        r = open_socket(lc, cfg, ret_error, ret_report);
        if (r < 0)
                return start_failed(lc, r, *ret_error, ret_report->status, NULL, ret_error, ret_report);
        r = sd_event_add_io(e, &lc->io, lc->fd, EPOLLOUT, on_io, lc);
        if (r < 0)
                return start_failed(lc, r, LOGIN_CONN_START_FATAL, ISCSI_ERR_INTERNAL, "cannot watch the socket",
                                    ret_error, ret_report);
        *ret = lc;
        return 0;
}
