/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Blocking iSNS client over TCP; see isns-client.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "iscsi-node/isns-client.h"
#include "iscsi-util/macro.h"
#include "iscsi-util/send-all.h"

static int64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for events until deadline; 0, -ETIMEDOUT or -errno. */
static int wait_until(int fd, short events, int64_t deadline) {
        for (;;) {
                struct pollfd p = { .fd = fd, .events = events };
                int64_t left = deadline - now_ms();
                int k;

                if (left <= 0)
                        return -ETIMEDOUT;
                k = poll(&p, 1, (int) MIN(left, (int64_t) 60000));
                if (k < 0 && errno != EINTR)
                        return -errno;
                if (k > 0)
                        return 0;
        }
}

static int connect_one(const struct addrinfo *a, int64_t deadline) {
        _cleanup_close_ int fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        socklen_t len = sizeof(int);
        int err = 0, k;

        if (fd < 0)
                return -errno;
        if (connect(fd, a->ai_addr, a->ai_addrlen) < 0) {
                if (errno != EINPROGRESS)
                        return -errno;
                k = wait_until(fd, POLLOUT, deadline);
                if (k < 0)
                        return k;
                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                        return -errno;
                if (err)
                        return -err;
        }
        return TAKE_FD(fd);
}

int node_isns_local_address(int fd, char *buf, size_t size) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        const void *a;

        if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0)
                return -errno;
        a = ss.ss_family == AF_INET ? (const void *) &((struct sockaddr_in *) &ss)->sin_addr
                                    : (const void *) &((struct sockaddr_in6 *) &ss)->sin6_addr;
        return inet_ntop(ss.ss_family, a, buf, (socklen_t) size) ? 0 : -errno;
}

int node_isns_connect(const char *host, int port, int timeout_ms, int *ret_fd) {
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
        struct addrinfo *ai = NULL;
        int64_t deadline = now_ms() + timeout_ms;
        char service[16];
        int fd = -EHOSTUNREACH;

        snprintf(service, sizeof(service), "%d", port);
        if (getaddrinfo(host, service, &hints, &ai) != 0)
                return -EHOSTUNREACH;
        for (struct addrinfo *a = ai; a; a = a->ai_next) {
                fd = connect_one(a, deadline);
                if (fd >= 0)
                        break;
        }
        freeaddrinfo(ai);
        if (fd < 0)
                return fd;
        *ret_fd = fd;
        return 0;
}

int node_isns_send(int fd, const struct iscsi_isns_msg *m, int timeout_ms) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t len;
        int k;

        k = iscsi_isns_msg_encode(m, 0, &buf, &len);
        if (k < 0)
                return k;
        return util_send_all(fd, buf, len, timeout_ms);
}

int node_isns_recv(int fd, int timeout_ms, struct iscsi_isns_msg *ret) {
        int64_t deadline = now_ms() + timeout_ms;
        struct iscsi_isns_reasm r;
        uint8_t buf[4096];
        int k = 0;

        iscsi_isns_reasm_init(&r, 0);
        while (k == 0) {
                size_t want = MIN(iscsi_isns_reasm_want(&r), sizeof(buf));
                ssize_t n = recv(fd, buf, want, MSG_DONTWAIT);

                if (n == 0)
                        k = -ECONNRESET;
                else if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        k = wait_until(fd, POLLIN, deadline);
                else if (n < 0)
                        k = -errno;
                else
                        k = iscsi_isns_reasm_feed(&r, buf, (size_t) n);
        }
        if (k > 0)
                k = iscsi_isns_reasm_take(&r, ret);
        iscsi_isns_reasm_clear(&r);
        return k;
}

int node_isns_call(int fd, const struct iscsi_isns_msg *req, int timeout_ms, struct iscsi_isns_msg *ret) {
        int64_t deadline = now_ms() + timeout_ms;
        int k;

        k = node_isns_send(fd, req, timeout_ms);
        if (k < 0)
                return k;
        for (;;) {
                struct iscsi_isns_msg m = {};
                int64_t left = deadline - now_ms();

                if (left <= 0)
                        return -ETIMEDOUT;
                k = node_isns_recv(fd, (int) left, &m);
                if (k < 0)
                        return k;
                if (m.function == (req->function | ISNS_RESPONSE) && m.xid == req->xid) {
                        *ret = m;
                        return 0;
                }
                iscsi_isns_msg_clear(&m);
        }
}

static uint16_t new_xid(void) {
        uint16_t x = 0;

        if (getrandom(&x, sizeof(x), GRND_NONBLOCK) != sizeof(x))
                x = (uint16_t) now_ms();
        return x;
}

/* Build with builder, call, and hand back the response. */
static int exchange(int fd, int k_build, struct iscsi_isns_msg *req, struct iscsi_isns_msg *ret) {
        int k;

        if (k_build < 0)
                return k_build;
        k = node_isns_call(fd, req, NODE_ISNS_TIMEOUT_MS, ret);
        iscsi_isns_msg_clear(req);
        return k;
}

static int query(int fd, const char *initiator, uint16_t xid, struct iscsi_isns_msg *ret) {
        struct iscsi_isns_msg req = {};

        return exchange(fd, iscsi_isns_build_target_query(xid, initiator, &req), &req, ret);
}

int node_isns_discover_targets(const char *host, int port, const char *initiator, struct iscsi_st_list *ret,
                               uint32_t *ret_status) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_isns_msg_ struct iscsi_isns_msg rsp = {};
        struct iscsi_isns_msg req = {}, reg = {}, dereg = {};
        uint16_t xid = new_xid();
        bool registered = false;
        int k;

        k = node_isns_connect(host, port, NODE_ISNS_TIMEOUT_MS, &fd);
        if (k < 0)
                return k;
        k = query(fd, initiator, xid++, &rsp);
        if (k >= 0 && rsp.status == ISNS_STATUS_SOURCE_UNKNOWN) {
                iscsi_isns_msg_clear(&rsp);
                k = exchange(fd, iscsi_isns_build_initiator_reg(xid++, initiator, &req), &req, &reg);
                registered = k >= 0 && reg.status == ISNS_STATUS_SUCCESS;
                if (k >= 0)
                        k = query(fd, initiator, xid++, &rsp);
        }
        if (k >= 0 && rsp.status == ISNS_STATUS_SUCCESS)
                k = iscsi_isns_query_targets(&rsp, ret);
        else if (k >= 0) {
                *ret_status = rsp.status;
                k = -ENOMSG;
        }
        if (registered && exchange(fd, iscsi_isns_build_node_dereg(xid++, initiator, &req), &req, &dereg) >= 0)
                iscsi_isns_msg_clear(&dereg);
        iscsi_isns_msg_clear(&reg);
        return k;
}
