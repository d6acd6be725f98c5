/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <time.h>

#include "hconn.h"
#include "iscsi-util/macro.h"

char hfail_reason[512];

int hfail(const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(hfail_reason, sizeof(hfail_reason), fmt, ap);
        va_end(ap);
        return -EPROTO;
}

static uint64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int hc_connect(uint16_t port, HConn *ret) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
        struct sockaddr_in local;
        socklen_t sl = sizeof(local);
        struct timeval tv = { .tv_sec = 5 };
        static unsigned counter;
        int one = 1;
        HConn hc = {};

        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        hc.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (hc.fd < 0)
                return -errno;
        if (connect(hc.fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                int r = -errno;
                safe_close(hc.fd);
                return r;
        }
        (void) setsockopt(hc.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        (void) setsockopt(hc.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (getsockname(hc.fd, (struct sockaddr *) &local, &sl) == 0)
                snprintf(hc.local, sizeof(hc.local), "127.0.0.1:%u", ntohs(local.sin_port));
        /* A random-format ISID (T=10b) unique per process and connection. */
        counter++;
        hc.isid[0] = 0x80;
        hc.isid[1] = (uint8_t) (getpid() >> 8);
        hc.isid[2] = (uint8_t) getpid();
        hc.isid[3] = (uint8_t) (counter >> 16);
        hc.isid[4] = (uint8_t) (counter >> 8);
        hc.isid[5] = (uint8_t) counter;
        hc.itt = 0x100;
        hc.cmdsn = 1;
        hc.target_mrdsl = ISCSI_LOGIN_MAX_SEGMENT;
        *ret = hc;
        return 0;
}

void hc_close(HConn *hc) {
        hc->fd = safe_close(hc->fd);
        free(hc->rx);
        hc->rx = NULL;
        hc->rx_size = 0;
}

int hc_send_raw(HConn *hc, const void *buf, size_t len) {
        const uint8_t *p = buf;

        while (len > 0) {
                ssize_t n = send(hc->fd, p, len, MSG_NOSIGNAL);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return errno == EAGAIN ? -ETIMEDOUT : -errno;
                }
                p += n;
                len -= n;
        }
        return 0;
}

int hc_send(HConn *hc, struct iscsi_bhs *bhs, const void *data, size_t len) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t size = ISCSI_BHS_SIZE + 2 * ISCSI_DIGEST_SIZE + len + 4;
        ssize_t n;

        bhs->dlength = (uint32_t) len;
        buf = malloc(size);
        if (!buf)
                return -ENOMEM;
        n = iscsi_pdu_build(bhs, NULL, 0, len ? data : NULL, hc->digests, buf, size);
        if (n < 0)
                return (int) n;
        return hc_send_raw(hc, buf, n);
}

/* Read exactly len bytes into hc->rx + off before the deadline. */
static int read_exact(HConn *hc, size_t off, size_t len, uint64_t deadline) {
        if (hc->rx_size < off + len) {
                uint8_t *b = realloc(hc->rx, off + len);
                if (!b)
                        return -ENOMEM;
                hc->rx = b;
                hc->rx_size = off + len;
        }
        while (len > 0) {
                struct pollfd pfd = { .fd = hc->fd, .events = POLLIN };
                uint64_t now = now_ms();
                ssize_t n;
                int r;

                if (now >= deadline)
                        return -ETIMEDOUT;
                r = poll(&pfd, 1, (int) (deadline - now));
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -errno;
                if (r == 0)
                        return -ETIMEDOUT;
                n = recv(hc->fd, hc->rx + off, len, 0);
                if (n == 0)
                        return -ECONNRESET;
                if (n < 0) {
                        if (errno == EINTR || errno == EAGAIN)
                                continue;
                        return errno == ECONNRESET ? -ECONNRESET : -errno;
                }
                off += n;
                len -= n;
        }
        return 0;
}

static void track_sn(HConn *hc, const struct iscsi_bhs *b) {
        bool has_statsn = b->opcode != ISCSI_OP_R2T &&
                          !(b->opcode == ISCSI_OP_DATA_IN && !(b->flags & ISCSI_FLAG_DATA_STATUS));

        if (b->opcode == ISCSI_OP_LOGIN_RSP)
                return;
        if (has_statsn && !(b->opcode == ISCSI_OP_NOP_IN && b->itt == ISCSI_RESERVED_TAG))
                hc->expstatsn = b->statsn + 1;
        hc->exp_cmdsn = b->expcmdsn;
        hc->max_cmdsn = b->maxcmdsn;
}

int hc_recv(HConn *hc, int timeout_ms, struct iscsi_pdu_view *ret) {
        uint64_t deadline = now_ms() + (uint64_t) timeout_ms;

        for (;;) {
                struct iscsi_pdu_view v;
                size_t total;
                int r;

                r = read_exact(hc, 0, ISCSI_BHS_SIZE, deadline);
                if (r < 0)
                        return r;
                r = iscsi_pdu_peek_length(hc->rx, ISCSI_BHS_SIZE, hc->digests, &total);
                if (r < 0)
                        return r;
                r = read_exact(hc, ISCSI_BHS_SIZE, total - ISCSI_BHS_SIZE, deadline);
                if (r < 0)
                        return r;
                r = iscsi_pdu_parse(hc->rx, total, hc->digests, 0, &v);
                if (r < 0)
                        return r;
                track_sn(hc, &v.bhs);
                if (v.bhs.opcode == ISCSI_OP_NOP_IN && v.bhs.itt == ISCSI_RESERVED_TAG &&
                    v.bhs.ttt != ISCSI_RESERVED_TAG) {
                        /* The target pings us: answer and keep waiting. */
                        struct iscsi_bhs b = {
                                .opcode = ISCSI_OP_NOP_OUT, .immediate = true, .final = true,
                                .itt = ISCSI_RESERVED_TAG, .ttt = v.bhs.ttt, .lun = v.bhs.lun,
                                .cmdsn = hc->cmdsn, .expstatsn = hc->expstatsn,
                        };
                        r = hc_send(hc, &b, NULL, 0);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (v.bhs.opcode == ISCSI_OP_NOP_IN && v.bhs.itt == ISCSI_RESERVED_TAG)
                        continue;
                *ret = v;
                return 0;
        }
}

bool hc_wait_closed(HConn *hc, int timeout_ms, uint8_t *ret_saw_opcode) {
        uint64_t deadline = now_ms() + (uint64_t) timeout_ms;
        uint8_t buf[65536];
        bool first = true;

        if (ret_saw_opcode)
                *ret_saw_opcode = 0xff;
        for (;;) {
                struct pollfd pfd = { .fd = hc->fd, .events = POLLIN };
                uint64_t now = now_ms();
                ssize_t n;
                int r;

                if (now >= deadline)
                        return false;
                r = poll(&pfd, 1, (int) (deadline - now));
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        return false;
                n = recv(hc->fd, buf, sizeof(buf), 0);
                if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
                        return true;
                if (n > 0 && first && ret_saw_opcode)
                        *ret_saw_opcode = buf[0] & ISCSI_OPCODE_MASK;
                if (n > 0)
                        first = false;
        }
}

uint32_t hc_next_itt(HConn *hc) {
        do
                hc->itt++;
        while (hc->itt == ISCSI_RESERVED_TAG);
        return hc->itt;
}

void hc_prepare(HConn *hc, struct iscsi_bhs *b, uint8_t opcode, bool immediate) {
        *b = (struct iscsi_bhs) {
                .opcode = opcode,
                .immediate = immediate,
                .final = true,
                .itt = hc_next_itt(hc),
                .ttt = ISCSI_RESERVED_TAG,
                .cmdsn = hc->cmdsn,
                .expstatsn = hc->expstatsn,
        };
        if (!immediate)
                hc->cmdsn++;
}

int hc_send_login(HConn *hc, uint8_t csg, uint8_t nsg, bool transit, bool cont, const void *text, size_t len) {
        struct iscsi_bhs b = {
                .opcode = ISCSI_OP_LOGIN_REQ,
                .immediate = true,
                .final = transit,
                .flags = iscsi_login_flags(transit, cont, csg, nsg),
                .csg = csg,
                .nsg = nsg,
                .itt = 0x4242,
                .cmdsn = hc->cmdsn,
                .expstatsn = hc->expstatsn,
        };
        memcpy(b.isid, hc->isid, sizeof(b.isid));
        return hc_send(hc, &b, text, len);
}

int hc_login(HConn *hc, const HLogin *o) {
        _cleanup_keys_ struct iscsi_keys ops = {};
        struct iscsi_login_initiator_config cfg = {
                .initiator_name = o->initiator,
                .target_name = o->target,
                .session_type = ISCSI_SESSION_NORMAL,
                .itt = 0x1000,
                .cmdsn = 1,
                .auth = o->chap_user ? ISCSI_AUTH_CHAP : ISCSI_AUTH_NONE,
                .chap = { .username = o->chap_user, .secret = o->chap_secret },
        };
        struct iscsi_login *l = NULL;
        struct iscsi_login_result res;
        int r;

        memcpy(cfg.isid, hc->isid, sizeof(cfg.isid));
        if (o->digests) {
                if (iscsi_keys_add(&ops, "HeaderDigest", "CRC32C") < 0 ||
                    iscsi_keys_add(&ops, "DataDigest", "CRC32C") < 0)
                        return -ENOMEM;
                cfg.operational = &ops;
        }
        r = iscsi_login_initiator_new(&cfg, &l);
        if (r < 0)
                return hfail("login setup: %s", strerror(-r));

        for (;;) {
                struct iscsi_login_pdu req;
                struct iscsi_pdu_view v;

                r = iscsi_login_initiator_next(l, &req);
                if (r < 0)
                        break;
                r = hc_send(hc, &req.bhs, req.data, req.data_len);
                if (r < 0)
                        break;
                r = hc_recv(hc, 5000, &v);
                if (r < 0)
                        break;
                r = iscsi_login_initiator_receive(l, &v.bhs, v.data, v.data_len);
                if (r != ISCSI_LOGIN_CONTINUE)
                        break;
        }
        iscsi_login_get_result(l, &res);
        iscsi_login_free(l);
        if (r < 0)
                return hfail("login: %s", strerror(-r));
        if (r != ISCSI_LOGIN_DONE) {
                hfail("login refused: status 0x%04x (%s)", res.status, res.reason);
                return -EPERM;
        }
        hc->cmdsn = res.cmdsn;
        hc->expstatsn = res.exp_statsn;
        hc->exp_cmdsn = res.exp_cmdsn;
        hc->max_cmdsn = res.max_cmdsn;
        hc->target_mrdsl = res.params.target_max_recv_dsl;
        hc->digests = (res.params.header_digest ? ISCSI_DIGEST_HEADER : 0) |
                      (res.params.data_digest ? ISCSI_DIGEST_DATA : 0);
        if (o->digests && hc->digests != (ISCSI_DIGEST_HEADER | ISCSI_DIGEST_DATA))
                return hfail("digests not negotiated (got %u)", hc->digests);
        return 0;
}

int hc_wait_itt(HConn *hc, uint32_t itt, int timeout_ms, struct iscsi_pdu_view *ret) {
        uint64_t deadline = now_ms() + (uint64_t) timeout_ms;

        for (;;) {
                struct iscsi_pdu_view v;
                uint64_t now = now_ms();
                int r;

                if (now >= deadline)
                        return -ETIMEDOUT;
                r = hc_recv(hc, (int) (deadline - now), &v);
                if (r < 0)
                        return r;
                if (v.bhs.itt == itt) {
                        *ret = v;
                        return 0;
                }
        }
}

int hc_ping(HConn *hc) {
        static const char payload[] = "hostile-ping";
        struct iscsi_pdu_view v;
        struct iscsi_bhs b;
        int r;

        hc_prepare(hc, &b, ISCSI_OP_NOP_OUT, true);
        r = hc_send(hc, &b, payload, sizeof(payload));
        if (r < 0)
                return r;
        r = hc_wait_itt(hc, b.itt, 5000, &v);
        if (r < 0)
                return r;
        if (v.bhs.opcode != ISCSI_OP_NOP_IN)
                return hfail("ping answered with opcode 0x%02x", v.bhs.opcode);
        if (v.data_len != sizeof(payload) || memcmp(v.data, payload, sizeof(payload)) != 0)
                return hfail("ping data not echoed");
        return 0;
}

int hc_tur(HConn *hc) {
        struct iscsi_pdu_view v;
        struct iscsi_bhs b;
        int r;

        hc_prepare(hc, &b, ISCSI_OP_SCSI_CMD, false);
        b.task_attr = ISCSI_ATTR_SIMPLE;
        r = hc_send(hc, &b, NULL, 0);
        if (r < 0)
                return r;
        r = hc_wait_itt(hc, b.itt, 5000, &v);
        if (r < 0)
                return r;
        if (v.bhs.opcode != ISCSI_OP_SCSI_RSP)
                return hfail("TEST UNIT READY answered with opcode 0x%02x", v.bhs.opcode);
        return v.bhs.status;
}

int hc_logout(HConn *hc) {
        struct iscsi_pdu_view v;
        struct iscsi_bhs b;
        int r;

        hc_prepare(hc, &b, ISCSI_OP_LOGOUT_REQ, true);
        b.logout_reason = ISCSI_LOGOUT_CLOSE_SESSION;
        r = hc_send(hc, &b, NULL, 0);
        if (r < 0)
                return r;
        r = hc_wait_itt(hc, b.itt, 5000, &v);
        if (r < 0)
                return r;
        if (v.bhs.opcode != ISCSI_OP_LOGOUT_RSP || v.bhs.response != 0)
                return hfail("logout answered with opcode 0x%02x response %u", v.bhs.opcode, v.bhs.response);
        return 0;
}

int text_add(uint8_t *buf, size_t size, size_t *len, const char *key, const char *value) {
        size_t kl = strlen(key), vl = strlen(value);

        if (*len + kl + vl + 2 > size)
                return -ENOBUFS;
        memcpy(buf + *len, key, kl);
        buf[*len + kl] = '=';
        memcpy(buf + *len + kl + 1, value, vl);
        buf[*len + kl + 1 + vl] = 0;
        *len += kl + vl + 2;
        return 0;
}
