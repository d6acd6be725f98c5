/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The TCP connection to a portal through an iface (portal-socket.h). */

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "iscsi-util/macro.h"
#include "portal-socket.h"

int portal_resolve(const char *address, int port, struct sockaddr_storage *ret, socklen_t *ret_len,
                   const char **ret_error_text) {
        char service[8];
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV }, *ai = NULL;

        snprintf(service, sizeof service, "%d", port);
        /* glibc turns "fe80::1%eth1" into sin6_scope_id = if_nametoindex("eth1") */
        int r = getaddrinfo(address, service, &hints, &ai);
        if (r != 0) {
                if (ret_error_text)
                        *ret_error_text = gai_strerror(r);
                return -EADDRNOTAVAIL;
        }
        if (ai->ai_addrlen > sizeof *ret) {
                freeaddrinfo(ai);
                return -EAFNOSUPPORT;
        }
        memset(ret, 0, sizeof *ret);
        memcpy(ret, ai->ai_addr, ai->ai_addrlen);
        *ret_len = ai->ai_addrlen;
        freeaddrinfo(ai);
        return 0;
}

/* Bind fd to the numeric address source (port 0: any), which must be of family. */
static int bind_source(int fd, int family, const char *source) {
        struct sockaddr_storage sa;
        socklen_t len;
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST }, *ai = NULL;

        if (getaddrinfo(source, NULL, &hints, &ai) != 0)
                return -EADDRNOTAVAIL;
        if (ai->ai_family != family || ai->ai_addrlen > sizeof sa) {
                freeaddrinfo(ai);
                return -EAFNOSUPPORT;
        }
        memcpy(&sa, ai->ai_addr, ai->ai_addrlen);
        len = ai->ai_addrlen;
        freeaddrinfo(ai);
        return bind(fd, (struct sockaddr *) &sa, len) < 0 ? -errno : 0;
}

int portal_connect(const struct sockaddr *sa, socklen_t len, const char *netdev, const char *source, int *ret_fd) {
        _cleanup_close_ int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
        int one = 1, r;

        if (fd < 0)
                return -errno;
        (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (netdev && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, netdev, (socklen_t) strlen(netdev)) < 0)
                return -errno;
        if (source) {
                r = bind_source(fd, sa->sa_family, source);
                if (r < 0)
                        return r;
        }
        if (connect(fd, sa, len) < 0 && errno != EINPROGRESS)
                return -errno;
        *ret_fd = TAKE_FD(fd);
        return 0;
}
