/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SCN listener and its connections; see isns-scn.h. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "iscsi-node/isns-client.h"
#include "isns-scn.h"
#include "log.h"

#define SCN_REPLY_TIMEOUT_MS 1000

struct scn_conn {
        struct isns_scn_listener *l;
        int fd;
        sd_event_source *io;
        struct iscsi_isns_reasm reasm;
        struct scn_conn *next;
};

struct isns_scn_listener {
        int fd;
        uint16_t port;
        sd_event_source *io;
        isns_scn_fn fn;
        void *userdata;
        struct scn_conn *conns;
};

static void conn_free(struct scn_conn *c) {
        struct scn_conn **p = &c->l->conns;

        while (*p && *p != c)
                p = &(*p)->next;
        if (*p)
                *p = c->next;
        sd_event_source_unref(c->io);
        safe_close(c->fd);
        iscsi_isns_reasm_clear(&c->reasm);
        free(c);
}

/* Answer an SCN or ESI; an SCN then goes to the callback. */
static void on_message(struct scn_conn *c, const struct iscsi_isns_msg *m) {
        _cleanup_isns_msg_ struct iscsi_isns_msg reply = {};
        struct iscsi_isns_scn scn;

        if (m->function != ISNS_SCN && m->function != ISNS_ESI)
                return;
        if (iscsi_isns_build_reply(m, &reply) >= 0)
                (void) node_isns_send(c->fd, &reply, SCN_REPLY_TIMEOUT_MS);
        if (m->function == ISNS_SCN && iscsi_isns_parse_scn(m, &scn) >= 0)
                c->l->fn(&scn, c->l->userdata);
}

static int on_conn_io(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        struct scn_conn *c = userdata;
        uint8_t buf[4096];
        size_t want = iscsi_isns_reasm_want(&c->reasm);
        ssize_t n = recv(fd, buf, want < sizeof(buf) ? want : sizeof(buf), MSG_DONTWAIT);
        int k;

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n <= 0) {
                conn_free(c);
                return 0;
        }
        k = iscsi_isns_reasm_feed(&c->reasm, buf, (size_t) n);
        if (k == 1) {
                _cleanup_isns_msg_ struct iscsi_isns_msg m = {};
                k = iscsi_isns_reasm_take(&c->reasm, &m);
                if (k >= 0)
                        on_message(c, &m);
        }
        if (k < 0) {
                log_errno(LOG_WARNING, k, "iSNS: dropping an SCN connection with a bad message");
                conn_free(c);
        }
        return 0;
}

static int on_accept(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        struct isns_scn_listener *l = userdata;
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        struct scn_conn *c;

        if (cfd < 0)
                return 0;
        c = calloc(1, sizeof(*c));
        if (!c || sd_event_add_io(sd_event_source_get_event(es), &c->io, cfd, EPOLLIN, on_conn_io, c) < 0) {
                free(c);
                safe_close(cfd);
                return 0;
        }
        *c = (struct scn_conn) { .l = l, .fd = cfd, .io = c->io, .next = l->conns };
        iscsi_isns_reasm_init(&c->reasm, 0);
        l->conns = c;
        return 0;
}

/* A listening socket on every address, any port: IPv6 with IPv4-mapped, else IPv4. */
static int open_socket(uint16_t *ret_port) {
        struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
        struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY) };
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        int off = 0, fd;

        fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd >= 0 && (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0 ||
                        bind(fd, (struct sockaddr *) &a6, sizeof(a6)) < 0))
                fd = safe_close(fd);
        if (fd < 0) {
                fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                if (fd < 0)
                        return -errno;
                if (bind(fd, (struct sockaddr *) &a4, sizeof(a4)) < 0) {
                        int k = -errno;
                        safe_close(fd);
                        return k;
                }
        }
        if (listen(fd, 8) < 0 || getsockname(fd, (struct sockaddr *) &ss, &len) < 0) {
                int k = -errno;
                safe_close(fd);
                return k;
        }
        *ret_port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *) &ss)->sin6_port
                                                    : ((struct sockaddr_in *) &ss)->sin_port);
        return fd;
}

int isns_scn_listen(sd_event *e, isns_scn_fn fn, void *userdata, struct isns_scn_listener **ret) {
        struct isns_scn_listener *l = calloc(1, sizeof(*l));
        int k;

        if (!l)
                return -ENOMEM;
        *l = (struct isns_scn_listener) { .fn = fn, .userdata = userdata };
        l->fd = open_socket(&l->port);
        if (l->fd < 0) {
                k = l->fd;
                free(l);
                return k;
        }
        k = sd_event_add_io(e, &l->io, l->fd, EPOLLIN, on_accept, l);
        if (k < 0) {
                isns_scn_listener_free(l);
                return k;
        }
        *ret = l;
        return 0;
}

uint16_t isns_scn_port(const struct isns_scn_listener *l) {
        return l->port;
}

struct isns_scn_listener *isns_scn_listener_free(struct isns_scn_listener *l) {
        if (!l)
                return NULL;
        while (l->conns)
                conn_free(l->conns);
        sd_event_source_unref(l->io);
        safe_close(l->fd);
        free(l);
        return NULL;
}
