/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <assert.h>
#include <limits.h>
#include <malloc.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>

#include "conn.h"
#include "iscsi-proto/digest.h"
#include "log.h"

#define _fallthrough_ __attribute__((fallthrough))

/* Small PDUs are read in bulk through the worker's stage; large data segments bypass it. */
#define STAGE_SIZE (64u * 1024u)
#define DIRECT_READ_MIN (16u * 1024u)
/* Stop reading from a peer that does not read our responses. */
#define TX_BACKLOG_MAX (32u * 1024u * 1024u)
/* Give freed heap back after this many connections closed, once a second passed quietly. */
#define TRIM_AFTER_CLOSED 64u
/* Work done for one connection per epoll wakeup, so one busy peer can't starve others. */
#define RX_BUDGET (4u * 1024u * 1024u)

static void conn_dispatch(EventSource *s, uint32_t events);

/* "(iqn)" for log lines once the initiator is known, "" before. */
#define INITIATOR_FMT "%s%s%s"
#define INITIATOR_ARGS(c) (c)->initiator ? " (" : "", (c)->initiator ?: "", (c)->initiator ? ")" : ""
static void conn_receive(Conn *c);

void txpdu_free(TxPdu *p) {
        free(p);
}

static void txpdu_release_free(TxPdu *p) {
        free(p);
}

TxPdu *txpdu_new_copy(const void *data, uint32_t len) {
        TxPdu *p = calloc(1, sizeof(*p) + len);
        if (!p)
                return NULL;
        p->release = txpdu_release_free;
        if (len > 0) {
                memcpy((uint8_t *) (p + 1), data, len);
                p->data = (const uint8_t *) (p + 1);
        }
        p->data_len = len;
        return p;
}

int conn_new(ConnWorker *cw, int fd, const ConnOps *ops, Conn **ret) {
        _cleanup_close_ int sfd = fd;
        struct sockaddr_storage peer;
        socklen_t sl = sizeof(peer);
        char addr[INET6_ADDRSTRLEN] = "?";
        uint16_t port = 0;
        static uint64_t next_id;
        int one = 1, r;
        Conn *c;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;

        (void) setsockopt(sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (getpeername(sfd, (struct sockaddr *) &peer, &sl) == 0) {
                if (peer.ss_family == AF_INET) {
                        struct sockaddr_in *a = (struct sockaddr_in *) &peer;
                        inet_ntop(AF_INET, &a->sin_addr, addr, sizeof(addr));
                        port = ntohs(a->sin_port);
                } else if (peer.ss_family == AF_INET6) {
                        struct sockaddr_in6 *a = (struct sockaddr_in6 *) &peer;
                        inet_ntop(AF_INET6, &a->sin6_addr, addr, sizeof(addr));
                        port = ntohs(a->sin6_port);
                }
        }
        snprintf(c->peer, sizeof(c->peer), peer.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr, port);
        sl = sizeof(c->local_sa);
        (void) getsockname(sfd, (struct sockaddr *) &c->local_sa, &sl);

        c->io = (EventSource) { .fd = sfd, .dispatch = conn_dispatch };
        c->worker = cw->worker;
        c->cw = cw;
        c->refs = 1;
        c->ops = ops;
        c->id = __atomic_add_fetch(&next_id, 1, __ATOMIC_RELAXED);
        c->rx_phase = RX_BHS;
        c->rx_want = ISCSI_BHS_SIZE;
        c->rx_max_dlen = 8192;

        r = worker_add_fd(cw->worker, &c->io, EPOLLIN | EPOLLRDHUP);
        if (r < 0) {
                free(c);
                return r;
        }
        TAKE_FD(sfd);

        c->next = cw->conns;
        if (cw->conns)
                cw->conns->prev = c;
        cw->conns = c;
        cw->n_conns++;
        cw->churn++;

        *ret = c;
        return 0;
}

Conn *conn_ref(Conn *c) {
        c->refs++;
        return c;
}

static void conn_free(Conn *c) {
        free(c->stage);
        free(c->rx_buf);
        free(c);
}

void conn_unref(Conn *c) {
        if (!c)
                return;
        if (--c->refs == 0)
                conn_free(c);
}

static void tx_drop_all(Conn *c) {
        while (c->tx_head) {
                TxPdu *p = c->tx_head;
                c->tx_head = p->next;
                p->release(p);
        }
        c->tx_tail = NULL;
        c->tx_bytes = 0;
}

void conn_close(Conn *c) {
        ConnWorker *cw = c->cw;

        if (c->dead)
                return;
        c->dead = true;

        worker_del_fd(c->worker, &c->io);
        c->io.fd = safe_close(c->io.fd);
        tx_drop_all(c);

        if (c->prev)
                c->prev->next = c->next;
        else
                cw->conns = c->next;
        if (c->next)
                c->next->prev = c->prev;
        c->prev = c->next = NULL;
        cw->n_conns--;
        cw->churn++;
        cw->closed_since_trim++;

        if (c->ops->closed)
                c->ops->closed(c);

        /* Freed after this loop iteration: callers up the stack may still look at c. */
        c->dead_next = cw->dead_list;
        cw->dead_list = c;
}

/* DataSegmentLength, header digest, padding and data digest of a filled-in TxPdu. */
static void txpdu_finalize(const Conn *c, TxPdu *p) {
        uint32_t pad = (4 - (p->data_len & 3)) & 3;

        /* DataSegmentLength in the BHS. */
        p->hdr[5] = p->data_len >> 16;
        p->hdr[6] = p->data_len >> 8;
        p->hdr[7] = p->data_len;
        p->hdr_len = ISCSI_BHS_SIZE;
        if (c->header_digest) {
                iscsi_digest_put(p->hdr + ISCSI_BHS_SIZE, iscsi_crc32c(p->hdr, ISCSI_BHS_SIZE));
                p->hdr_len += ISCSI_DIGEST_SIZE;
        }
        memset(p->trailer, 0, sizeof(p->trailer));
        p->trailer_len = pad;
        if (c->data_digest && p->data_len > 0) {
                uint32_t crc = iscsi_crc32c_update(ISCSI_CRC32C_INIT, p->data, p->data_len);
                crc = iscsi_crc32c_update(crc, p->trailer, pad);
                iscsi_digest_put(p->trailer + pad, iscsi_crc32c_final(crc));
                p->trailer_len += ISCSI_DIGEST_SIZE;
        }
        p->sent = 0;
}

static void conn_update_events(Conn *c) {
        uint32_t ev = EPOLLRDHUP;

        if (c->dead)
                return;
        c->rx_paused = c->tx_bytes > TX_BACKLOG_MAX || c->close_when_flushed;
        if (!c->rx_paused)
                ev |= EPOLLIN;
        if (c->tx_epollout)
                ev |= EPOLLOUT;
        (void) worker_mod_fd(c->worker, &c->io, ev);
}

void conn_queue(Conn *c, TxPdu *p) {
        ConnWorker *cw = c->cw;

        if (c->dead) {
                p->release(p);
                return;
        }
        txpdu_finalize(c, p);
        p->next = NULL;
        if (c->tx_tail)
                c->tx_tail->next = p;
        else
                c->tx_head = p;
        c->tx_tail = p;
        c->tx_bytes += p->hdr_len + p->data_len + p->trailer_len;

        if (!c->in_flush_list) {
                c->in_flush_list = true;
                conn_ref(c);
                c->flush_next = cw->flush_list;
                cw->flush_list = c;
        }
}

void conn_flush(Conn *c) {
        bool was_paused = c->rx_paused, was_out = c->tx_epollout;

        while (c->tx_head && !c->dead) {
                struct iovec iov[IOV_MAX < 256 ? IOV_MAX : 256];
                struct msghdr mh = { .msg_iov = iov };
                size_t n = 0;
                ssize_t k;

                /* Gather as many queued PDUs as fit: header, data and trailer of each. */
                for (TxPdu *p = c->tx_head; p && n + 3 <= ELEMENTSOF(iov); p = p->next) {
                        size_t off = p->sent;
                        struct { const void *b; size_t l; } parts[3] = {
                                { p->hdr, p->hdr_len },
                                { p->data, p->data_len },
                                { p->trailer, p->trailer_len },
                        };
                        for (unsigned i = 0; i < 3; i++) {
                                if (off >= parts[i].l) {
                                        off -= parts[i].l;
                                        continue;
                                }
                                iov[n++] = (struct iovec) {
                                        .iov_base = (uint8_t *) parts[i].b + off,
                                        .iov_len = parts[i].l - off,
                                };
                                off = 0;
                        }
                }
                mh.msg_iovlen = n;
                k = sendmsg(c->io.fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN) {
                                c->tx_epollout = true;
                                break;
                        }
                        log_debug("%s: send failed: %m", c->peer);
                        conn_close(c);
                        return;
                }
                c->tx_bytes -= k;
                while (k > 0 && c->tx_head) {
                        TxPdu *p = c->tx_head;
                        size_t left = p->hdr_len + p->data_len + p->trailer_len - p->sent;
                        if ((size_t) k < left) {
                                p->sent += k;
                                break;
                        }
                        k -= left;
                        c->tx_head = p->next;
                        if (!c->tx_head)
                                c->tx_tail = NULL;
                        p->release(p);
                }
        }
        if (!c->tx_head)
                c->tx_epollout = false;
        if (c->dead)
                return;
        if (!c->tx_head && c->close_when_flushed) {
                conn_close(c);
                return;
        }
        c->rx_paused = c->tx_bytes > TX_BACKLOG_MAX || c->close_when_flushed;
        if (was_paused != c->rx_paused || was_out != c->tx_epollout)
                conn_update_events(c);
        /* Resumed: bytes already staged would not wake epoll again. */
        if (was_paused && !c->rx_paused && c->stage_pos < c->stage_len)
                conn_receive(c);
}

/* Advance the receive state machine once the current piece is complete. Returns <0 to close. */
static int rx_expect(Conn *c, enum rx_phase phase, size_t want) {
        c->rx_phase = phase;
        c->rx_want = want;
        c->rx_got = 0;
        return 0;
}

/* A PDU is complete (or failed): hand it up, then wait for the next BHS. */
static int rx_pdu_done(Conn *c, bool data_ok) {
        int r = c->ops->pdu(c, data_ok);

        c->rx_dst = NULL;
        c->rx_data = NULL;
        (void) rx_expect(c, RX_BHS, ISCSI_BHS_SIZE);
        return r;
}

/* Where the data segment goes: the protocol layer's place (c->rx_dst), or our own buffer. */
static int rx_data_buffer(Conn *c) {
        if (c->rx_dlen > c->rx_max_dlen) {
                log_warning("%s" INITIATOR_FMT ": data segment of %u bytes exceeds %u, dropping connection",
                            c->peer, INITIATOR_ARGS(c), c->rx_dlen, c->rx_max_dlen);
                return -EMSGSIZE;
        }
        if (c->rx_buf_size < c->rx_dlen) {
                uint8_t *b = realloc(c->rx_buf, c->rx_dlen);
                if (!b)
                        return -ENOMEM;
                c->rx_buf = b;
                c->rx_buf_size = c->rx_dlen;
        }
        c->rx_dst = c->rx_buf;
        return 0;
}

/* BHS, AHS and header digest received: check the digest, ask the protocol layer. */
static int rx_header_done(Conn *c) {
        size_t hlen = ISCSI_BHS_SIZE + c->rx_ahs_len;
        enum rx_verdict v;
        int r;

        if (c->header_digest && iscsi_crc32c(c->rx_hdr, hlen) != iscsi_digest_get(c->rx_hdr + hlen)) {
                /* The length fields can't be trusted: no way to resync. */
                log_warning("%s" INITIATOR_FMT ": header digest error, dropping connection",
                            c->peer, INITIATOR_ARGS(c));
                return -EBADMSG;
        }
        c->rx_dst = NULL;
        c->rx_discard = false;
        v = c->ops->header(c);
        if (v == RX_CLOSE)
                return -EPROTO;
        if (c->rx_dlen == 0) {
                c->rx_data = NULL;
                return rx_pdu_done(c, true);
        }
        if (v == RX_DISCARD)
                c->rx_discard = true;
        else if (!c->rx_dst) {
                r = rx_data_buffer(c);
                if (r < 0)
                        return r;
        }
        return rx_expect(c, RX_DATA, c->rx_dlen);
}

/* Data segment, padding and data digest received. */
static int rx_trailer_done(Conn *c) {
        bool ok = true;

        if (c->data_digest && !c->rx_discard) {
                uint32_t pad = (4 - (c->rx_dlen & 3)) & 3;
                uint32_t crc = iscsi_crc32c_update(ISCSI_CRC32C_INIT, c->rx_dst, c->rx_dlen);
                crc = iscsi_crc32c_update(crc, c->rx_trailer, pad);
                ok = iscsi_crc32c_final(crc) == iscsi_digest_get(c->rx_trailer + pad);
        }
        /* A discarded data segment still completes its PDU (rx_data NULL): the protocol layer
         * may owe an answer for it. */
        c->rx_data = c->rx_discard ? NULL : c->rx_dst;
        return rx_pdu_done(c, ok);
}

static int rx_piece_done(Conn *c) {
        const uint8_t *h = c->rx_hdr;

        switch (c->rx_phase) {
        case RX_BHS:
                c->rx_ahs_len = h[4] * 4u;
                c->rx_dlen = (uint32_t) h[5] << 16 | (uint32_t) h[6] << 8 | h[7];
                if (c->rx_ahs_len > 0)
                        return rx_expect(c, RX_AHS, c->rx_ahs_len);
                _fallthrough_;
        case RX_AHS:
                if (c->header_digest)
                        return rx_expect(c, RX_HDIGEST, ISCSI_DIGEST_SIZE);
                _fallthrough_;
        case RX_HDIGEST:
                return rx_header_done(c);
        case RX_DATA:
                if ((c->rx_dlen & 3) || c->data_digest)
                        return rx_expect(c, RX_PAD, ((4 - (c->rx_dlen & 3)) & 3) +
                                                    (c->data_digest ? ISCSI_DIGEST_SIZE : 0));
                _fallthrough_;
        case RX_PAD:
        case RX_DDIGEST:
                return rx_trailer_done(c);
        }
        return -EINVAL;
}

static uint8_t *rx_target(Conn *c) {
        switch (c->rx_phase) {
        case RX_BHS:
                return c->rx_hdr + c->rx_got;
        case RX_AHS:
                return c->rx_hdr + ISCSI_BHS_SIZE + c->rx_got;
        case RX_HDIGEST:
                return c->rx_hdr + ISCSI_BHS_SIZE + c->rx_ahs_len + c->rx_got;
        case RX_DATA:
                return c->rx_discard ? NULL : c->rx_dst + c->rx_got;
        case RX_PAD:
        case RX_DDIGEST:
                return c->rx_trailer + c->rx_got;
        }
        return NULL;
}

/* Read into the worker's stage. Returns recv()'s result, or -EBUSY (errno untouched) when
 * another connection's bytes are still staged there (a receive nested in that connection's
 * PDU handler): level-triggered EPOLLIN brings this connection back. */
static ssize_t stage_fill(Conn *c) {
        ConnWorker *cw = c->cw;
        ssize_t n;

        if (cw->stage_user && cw->stage_user != c)
                return -EBUSY;
        if (!cw->stage) {
                cw->stage = malloc(STAGE_SIZE);
                if (!cw->stage)
                        return -ENOMEM;
        }
        /* Parked bytes are all consumed when we get here. */
        if (c->stage != cw->stage)
                free(c->stage);
        c->stage = cw->stage;
        c->stage_pos = c->stage_len = 0;
        cw->stage_user = c;
        n = recv(c->io.fd, cw->stage, STAGE_SIZE, MSG_DONTWAIT);
        if (n > 0)
                c->stage_len = n;
        return n;
}

/* Leaving conn_receive(): hand the worker's stage back. Bytes left in it (receive paused,
 * see conn_flush()) are parked in a copy that conn_receive() consumes on resume. */
static int stage_release(Conn *c) {
        ConnWorker *cw = c->cw;
        size_t left = c->stage_len - c->stage_pos;
        uint8_t *parked;

        if (c->stage == cw->stage) {
                cw->stage_user = NULL;
                if (left == 0 || c->dead || c->close_when_flushed) {
                        c->stage = NULL;
                        c->stage_pos = c->stage_len = 0;
                        return 0;
                }
                parked = malloc(left);
                if (!parked)
                        return -ENOMEM;
                memcpy(parked, cw->stage + c->stage_pos, left);
                c->stage = parked;
                c->stage_pos = 0;
                c->stage_len = left;
        } else if (c->stage && left == 0) {
                free(c->stage);
                c->stage = NULL;
                c->stage_pos = c->stage_len = 0;
        }
        return 0;
}

static void conn_receive(Conn *c) {
        size_t budget = RX_BUDGET;
        /* A short read emptied the socket: don't ask again just to hear EAGAIN, the
         * level-triggered EPOLLIN tells when more arrives (one syscall less per wakeup). */
        bool drained = false;

        conn_ref(c);
        while (!c->dead && !c->rx_paused) {
                size_t need = c->rx_want - c->rx_got;
                uint8_t *dst = rx_target(c);
                ssize_t n;

                if (need == 0) {
                        if (rx_piece_done(c) < 0) {
                                conn_close(c);
                                break;
                        }
                        continue;
                }

                if (c->stage_pos < c->stage_len) {
                        size_t k = MIN(need, c->stage_len - c->stage_pos);
                        if (dst)
                                memcpy(dst, c->stage + c->stage_pos, k);
                        c->stage_pos += k;
                        c->rx_got += k;
                        continue;
                }
                /* Staged bytes are always consumed; the budget only limits new reads. */
                if (budget == 0 || drained)
                        break;

                /* Staging empty: a large data segment goes straight to its destination. */
                if (c->rx_phase == RX_DATA && dst && need >= DIRECT_READ_MIN) {
                        n = recv(c->io.fd, dst, need, MSG_DONTWAIT);
                        drained = n > 0 && (size_t) n < need;
                } else {
                        n = stage_fill(c);
                        if (n == -EBUSY)
                                break;
                        if (n == -ENOMEM) {
                                conn_close(c);
                                break;
                        }
                        if (n > 0) {
                                budget -= MIN(budget, (size_t) n);
                                drained = (size_t) n < STAGE_SIZE;
                                continue;
                        }
                }
                if (n == 0) {
                        log_debug("%s: connection closed by peer", c->peer);
                        conn_close(c);
                        break;
                }
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno != EAGAIN) {
                                log_debug("%s: receive failed: %m", c->peer);
                                conn_close(c);
                        }
                        break;
                }
                c->rx_got += n;
                budget -= MIN(budget, (size_t) n);
        }
        if (stage_release(c) < 0)
                conn_close(c);
        conn_unref(c);
}

static void conn_dispatch(EventSource *s, uint32_t events) {
        Conn *c = (Conn *) s;

        conn_ref(c);
        if (events & EPOLLOUT)
                conn_flush(c);
        if (!c->dead && (events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)))
                conn_receive(c);
        conn_unref(c);
}

void conn_worker_after_dispatch(ConnWorker *cw) {
        /* Reaping inside a batch would free a Conn whose EventSource a later event of the
         * same batch still points to. */
        assert(!cw->worker->dispatching);
        while (cw->flush_list) {
                Conn *c = cw->flush_list;
                cw->flush_list = c->flush_next;
                c->in_flush_list = false;
                if (!c->dead)
                        conn_flush(c);
                conn_unref(c);
        }
        while (cw->dead_list) {
                Conn *c = cw->dead_list;
                cw->dead_list = c->dead_next;
                conn_unref(c);
        }
}

void conn_worker_tick(ConnWorker *cw) {
        bool quiet = cw->churn == cw->churn_last_tick;

        cw->churn_last_tick = cw->churn;
        if (!quiet || cw->closed_since_trim < TRIM_AFTER_CLOSED)
                return;
        /* glibc keeps freed chunks in its arenas (and main.c's M_TRIM_THRESHOLD keeps the
         * top of the heap for command buffers): a wave of connection structs, login state and
         * sessions would stay resident. malloc_trim() returns every free page; the cost (one
         * walk of the free lists, page faults when the heap grows again) is paid once per
         * wave, not per connection. */
        (void) malloc_trim(0);
        cw->closed_since_trim = 0;
}

void conn_worker_done(ConnWorker *cw) {
        assert(!cw->conns && !cw->stage_user);
        free(cw->stage);
        cw->stage = NULL;
}

void conn_close_after_flush(Conn *c) {
        ConnWorker *cw = c->cw;

        if (c->dead)
                return;
        c->close_when_flushed = true;
        c->rx_paused = true;
        conn_update_events(c);
        /* Make sure a flush happens even if nothing else is queued. */
        if (!c->in_flush_list) {
                c->in_flush_list = true;
                conn_ref(c);
                c->flush_next = cw->flush_list;
                cw->flush_list = c;
        }
}
