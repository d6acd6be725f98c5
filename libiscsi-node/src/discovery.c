/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "iscsi-node/discovery.h"
#include "iscsi-proto/login.h"
#include "iscsi-util/macro.h"
#include "iscsi-proto/pdu.h"

#define EXIT_TRANS 4
#define EXIT_LOGIN 5
#define EXIT_INTERNAL 9
#define EXIT_PDU_TIMEOUT 11
#define EXIT_TRANS_TIMEOUT 8

typedef struct Conn {
        int fd;
        uint64_t deadline_ms;
        uint8_t *buf;
        size_t size;
} Conn;

static uint64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_fd(Conn *c, short events) {
        for (;;) {
                uint64_t now = now_ms();
                struct pollfd p = { .fd = c->fd, .events = events };
                int k;

                if (now >= c->deadline_ms)
                        return -ETIMEDOUT;
                k = poll(&p, 1, (int) MIN(c->deadline_ms - now, (uint64_t) 60000));
                if (k < 0 && errno != EINTR)
                        return -errno;
                if (k > 0)
                        return 0;
        }
}

static int read_exact(Conn *c, void *buf, size_t len) {
        size_t off = 0;
        while (off < len) {
                ssize_t n = recv(c->fd, (uint8_t *) buf + off, len - off, MSG_DONTWAIT);
                if (n == 0)
                        return -ECONNRESET;
                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR) {
                                int k = wait_fd(c, POLLIN);
                                if (k < 0)
                                        return k;
                                continue;
                        }
                        return -errno;
                }
                off += n;
        }
        return 0;
}

static int send_pdu(Conn *c, const struct iscsi_bhs *h, const void *data) {
        struct iscsi_pdu_out p;
        struct iovec iov[3];
        int n, k;

        k = iscsi_pdu_out_init(&p, h, NULL, 0, data, 0);
        if (k < 0)
                return k;
        n = iscsi_pdu_out_iovec(&p, iov);
        while (n > 0) {
                ssize_t w = writev(c->fd, iov, n);
                if (w < 0) {
                        if (errno == EAGAIN || errno == EINTR) {
                                k = wait_fd(c, POLLOUT);
                                if (k < 0)
                                        return k;
                                continue;
                        }
                        return -errno;
                }
                while (n > 0 && (size_t) w >= iov[0].iov_len) {
                        w -= iov[0].iov_len;
                        memmove(iov, iov + 1, sizeof(iov[0]) * --n);
                }
                if (n > 0) {
                        iov[0].iov_base = (uint8_t *) iov[0].iov_base + w;
                        iov[0].iov_len -= w;
                }
        }
        return 0;
}

/* Read one whole PDU into c->buf; view points into it. */
static int recv_pdu(Conn *c, struct iscsi_pdu_view *view) {
        uint8_t hdr[ISCSI_BHS_SIZE];
        size_t total;
        int k;

        k = read_exact(c, hdr, sizeof(hdr));
        if (k < 0)
                return k;
        k = iscsi_pdu_peek_length(hdr, sizeof(hdr), 0, &total);
        if (k < 0)
                return k;
        if (total > (size_t) 16 * 1024 * 1024)
                return -EMSGSIZE;
        if (total > c->size) {
                uint8_t *nb = realloc(c->buf, total);
                if (!nb)
                        return -ENOMEM;
                c->buf = nb;
                c->size = total;
        }
        memcpy(c->buf, hdr, sizeof(hdr));
        k = read_exact(c, c->buf + sizeof(hdr), total - sizeof(hdr));
        if (k < 0)
                return k;
        return iscsi_pdu_parse(c->buf, total, 0, 0, view);
}

static int connect_portal(const struct discovery_config *cfg, Conn *c, struct discovery_status *st) {
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG }, *ai = NULL;
        char port[16];
        int k, last = -ECONNREFUSED;

        snprintf(port, sizeof(port), "%d", cfg->port > 0 ? cfg->port : 3260);
        k = getaddrinfo(cfg->address, port, &hints, &ai);
        if (k != 0) {
                hints.ai_flags = 0;
                k = getaddrinfo(cfg->address, port, &hints, &ai);
        }
        if (k != 0) {
                snprintf(st->reason, sizeof(st->reason), "cannot resolve host name %s", cfg->address);
                st->exit_code = EXIT_TRANS;
                return -EHOSTUNREACH;
        }
        for (struct addrinfo *a = ai; a; a = a->ai_next) {
                int fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), one = 1, err = 0;
                socklen_t len = sizeof(err);

                if (fd < 0) {
                        last = -errno;
                        continue;
                }
                (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                c->fd = fd;
                if (connect(fd, a->ai_addr, a->ai_addrlen) < 0) {
                        if (errno != EINPROGRESS) {
                                last = -errno;
                                close(fd);
                                continue;
                        }
                        k = wait_fd(c, POLLOUT);
                        if (k == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err)
                                k = -err;
                        if (k < 0) {
                                last = k;
                                close(fd);
                                continue;
                        }
                }
                freeaddrinfo(ai);
                return 0;
        }
        freeaddrinfo(ai);
        c->fd = -EBADF;
        snprintf(st->reason, sizeof(st->reason), "cannot make connection to %s: %s", cfg->address, strerror(-last));
        st->exit_code = last == -ETIMEDOUT ? EXIT_TRANS_TIMEOUT : EXIT_TRANS;
        return last;
}

static int do_login(const struct discovery_config *cfg, Conn *c, struct iscsi_login_result *res,
                    struct discovery_status *st) {
        struct iscsi_login_initiator_config lc = {
                .initiator_name = cfg->initiator_name,
                .session_type = ISCSI_SESSION_DISCOVERY,
                .itt = 1,
        };
        enum iscsi_chap_alg algs[ISCSI_CHAP_MAX_ALGS];
        size_t n_algs = 0;
        struct iscsi_keys op = { 0 };
        struct iscsi_login *l = NULL;
        int k;

        /* random-qualifier ISID (RFC 7143 §11.12.5: type 0b10) */
        (void) getrandom(lc.isid, sizeof(lc.isid), 0);
        lc.isid[0] = 0x80 | (lc.isid[0] & 0x3f);
        if (cfg->auth_method && strcasecmp(cfg->auth_method, "CHAP") == 0) {
                lc.auth = ISCSI_AUTH_CHAP;
                lc.chap.username = cfg->username;
                lc.chap.secret = cfg->password;
                if (cfg->username_in && cfg->password_in) {
                        lc.chap.mutual_username = cfg->username_in;
                        lc.chap.mutual_secret = cfg->password_in;
                }
                if (iscsi_chap_alg_list_parse(cfg->chap_algs ?: "MD5", algs, &n_algs) == 0) {
                        lc.chap_algs = algs;
                        lc.n_chap_algs = n_algs;
                }
        }
        if (iscsi_keys_addf(&op, "MaxRecvDataSegmentLength", "%d",
                            cfg->max_recv_dlength > 0 ? cfg->max_recv_dlength : 32768) == 0)
                lc.operational = &op;
        k = iscsi_login_initiator_new(&lc, &l);
        iscsi_keys_clear(&op);
        if (k < 0) {
                snprintf(st->reason, sizeof(st->reason), "invalid discovery login settings (%s)", strerror(-k));
                st->exit_code = k == -EINVAL ? 7 : EXIT_INTERNAL;
                return k;
        }
        for (;;) {
                struct iscsi_login_pdu req;
                struct iscsi_pdu_view v;

                k = iscsi_login_initiator_next(l, &req);
                if (k < 0)
                        break;
                k = send_pdu(c, &req.bhs, req.data);
                if (k < 0)
                        break;
                k = recv_pdu(c, &v);
                if (k < 0)
                        break;
                k = iscsi_login_initiator_receive(l, &v.bhs, v.data, v.data_len);
                if (k != ISCSI_LOGIN_CONTINUE)
                        break;
        }
        iscsi_login_get_result(l, res);
        iscsi_login_free(l);
        if (k == ISCSI_LOGIN_DONE)
                return 0;
        if (k == ISCSI_LOGIN_FAILED) {
                st->exit_code = iscsi_login_exit_code(res);
                snprintf(st->reason, sizeof(st->reason), "%s", res->reason[0] ? res->reason : "login failed");
                return -EACCES;
        }
        st->exit_code = k == -ETIMEDOUT ? EXIT_PDU_TIMEOUT : EXIT_TRANS;
        snprintf(st->reason, sizeof(st->reason), "discovery login failed: %s", strerror(-k));
        return k;
}

static int do_sendtargets(Conn *c, struct iscsi_login_result *res, struct iscsi_st_list *ret,
                          struct discovery_status *st) {
        static const char req_text[] = "SendTargets=All";
        struct iscsi_st_parser p;
        uint32_t cmdsn = res->cmdsn, expstatsn = res->exp_statsn, ttt = ISCSI_RESERVED_TAG;
        bool first = true;
        int k = 0;

        iscsi_st_parser_init(&p, 64u * 1024 * 1024);
        for (;;) {
                struct iscsi_bhs h = {
                        .opcode = ISCSI_OP_TEXT_REQ,
                        .final = true,
                        .itt = 2,
                        .ttt = ttt,
                        .cmdsn = cmdsn,
                        .expstatsn = expstatsn,
                        .lun = 0,
                };
                struct iscsi_pdu_view v;

                /* the first request carries the key; continuations are empty with the TTT */
                h.dlength = first ? sizeof(req_text) : 0;
                k = send_pdu(c, &h, first ? req_text : NULL);
                if (k < 0)
                        break;
                first = false;
                cmdsn++;
                do {
                        k = recv_pdu(c, &v);
                } while (k == 0 && v.bhs.opcode == ISCSI_OP_NOP_IN);
                if (k < 0)
                        break;
                if (v.bhs.opcode != ISCSI_OP_TEXT_RSP) {
                        k = -EPROTO;
                        break;
                }
                expstatsn = v.bhs.statsn + 1;
                k = iscsi_st_parser_feed(&p, v.data, v.data_len);
                if (k < 0)
                        break;
                if (v.bhs.final && !(v.bhs.flags & ISCSI_FLAG_CONTINUE))
                        break;
                ttt = v.bhs.ttt;
        }
        if (k == 0)
                k = iscsi_st_parser_finish(&p, ret);
        iscsi_st_parser_clear(&p);
        if (k < 0) {
                st->exit_code = k == -ETIMEDOUT ? EXIT_PDU_TIMEOUT : EXIT_LOGIN;
                snprintf(st->reason, sizeof(st->reason), "SendTargets exchange failed: %s", strerror(-k));
                return k;
        }
        /* polite logout; failures here do not matter */
        {
                struct iscsi_bhs h = { .opcode = ISCSI_OP_LOGOUT_REQ, .final = true, .itt = 3,
                                       .cmdsn = cmdsn, .expstatsn = expstatsn,
                                       .logout_reason = ISCSI_LOGOUT_CLOSE_SESSION };
                struct iscsi_pdu_view v;
                if (send_pdu(c, &h, NULL) == 0)
                        (void) recv_pdu(c, &v);
        }
        return 0;
}

int node_discovery_sendtargets(const struct discovery_config *cfg, struct iscsi_st_list *ret,
                          struct discovery_status *status) {
        Conn c = { .fd = -EBADF };
        struct iscsi_login_result res;
        struct iscsi_st_list list = { 0 };
        int k;

        *status = (struct discovery_status) { 0 };
        c.deadline_ms = now_ms() + 1000ull * (cfg->login_timeout > 0 ? cfg->login_timeout : 15);
        k = connect_portal(cfg, &c, status);
        if (k < 0)
                return k;
        memset(&res, 0, sizeof(res));
        k = do_login(cfg, &c, &res, status);
        if (k == 0) {
                c.deadline_ms = now_ms() + 1000ull * (cfg->active_timeout > 0 ? cfg->active_timeout : 30);
                k = do_sendtargets(&c, &res, &list, status);
        }
        explicit_bzero(&res, sizeof(res));
        safe_close(c.fd);
        free(c.buf);
        if (k < 0)
                return k;
        *ret = list;
        return 0;
}
