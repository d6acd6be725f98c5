/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The connection to a portal through an iface: IPv6 zones become scope ids, the socket is
 * bound to the iface's device (SO_BINDTODEVICE) and source address, misconfigurations are
 * refused with distinct errors. Loopback only (run in a private network namespace).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "portal-socket.h"

static int listen_fd = -1, listen_port;

static int setup(void **state) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof sa;
        listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(listen_fd >= 0);
        assert_int_equal(bind(listen_fd, (struct sockaddr *) &sa, sizeof sa), 0);
        assert_int_equal(getsockname(listen_fd, (struct sockaddr *) &sa, &len), 0);
        listen_port = ntohs(sa.sin_port);
        assert_int_equal(listen(listen_fd, 8), 0);
        return 0;
}

static int teardown(void **state) {
        close(listen_fd);
        return 0;
}

/* Connect through portal_connect and return the accepted peer's address (as the target sees it). */
static int connect_and_accept(const char *netdev, const char *source, int *ret_fd, char *peer, size_t size) {
        struct sockaddr_storage sa;
        socklen_t len;
        int fd = -1;
        assert_int_equal(portal_resolve("127.0.0.1", listen_port, &sa, &len, NULL), 0);
        int r = portal_connect((struct sockaddr *) &sa, len, netdev, source, &fd);
        if (r < 0)
                return r;
        struct pollfd p = { .fd = fd, .events = POLLOUT };
        assert_int_equal(poll(&p, 1, 5000), 1);
        struct sockaddr_in from;
        socklen_t flen = sizeof from;
        int afd = accept(listen_fd, (struct sockaddr *) &from, &flen);
        assert_true(afd >= 0);
        inet_ntop(AF_INET, &from.sin_addr, peer, (socklen_t) size);
        close(afd);
        *ret_fd = fd;
        return 0;
}

static void test_resolve(void **state) {
        struct sockaddr_storage sa;
        socklen_t len;
        const char *why = NULL;

        assert_int_equal(portal_resolve("127.0.0.1", 3260, &sa, &len, NULL), 0);
        assert_int_equal(sa.ss_family, AF_INET);
        assert_int_equal(ntohs(((struct sockaddr_in *) &sa)->sin_port), 3260);

        /* a link-local portal keeps its zone as the scope id: without it connect() fails */
        assert_int_equal(portal_resolve("fe80::1%lo", 3261, &sa, &len, NULL), 0);
        assert_int_equal(sa.ss_family, AF_INET6);
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *) &sa;
        assert_int_equal(s6->sin6_scope_id, if_nametoindex("lo"));
        assert_int_equal(ntohs(s6->sin6_port), 3261);
        char text[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, &s6->sin6_addr, text, sizeof text);
        assert_string_equal(text, "fe80::1");

        assert_int_equal(portal_resolve("fe80::1%nosuchdev0", 3260, &sa, &len, &why), -EADDRNOTAVAIL);
        assert_non_null(why);
}

static void test_bind_to_device(void **state) {
        char peer[INET_ADDRSTRLEN], dev[IFNAMSIZ] = "";
        socklen_t dlen = sizeof dev;
        int fd = -1;

        int r = connect_and_accept("lo", NULL, &fd, peer, sizeof peer);
        if (r == -EPERM) {
                print_message("SO_BINDTODEVICE needs CAP_NET_RAW, which this test lacks\n");
                skip();
        }
        assert_int_equal(r, 0);
        assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, &dlen), 0);
        assert_string_equal(dev, "lo");
        close(fd);

        struct sockaddr_storage sa;
        socklen_t len;
        assert_int_equal(portal_resolve("127.0.0.1", listen_port, &sa, &len, NULL), 0);
        assert_int_equal(portal_connect((struct sockaddr *) &sa, len, "nosuchdev0", NULL, &fd), -ENODEV);
}

static void test_source_address(void **state) {
        char peer[INET_ADDRSTRLEN];
        int fd = -1;

        /* all of 127/8 is local on lo: the target sees the iface's address as the peer */
        assert_int_equal(connect_and_accept(NULL, "127.0.0.2", &fd, peer, sizeof peer), 0);
        assert_string_equal(peer, "127.0.0.2");
        close(fd);

        struct sockaddr_storage sa;
        socklen_t len;
        assert_int_equal(portal_resolve("127.0.0.1", listen_port, &sa, &len, NULL), 0);
        assert_int_equal(portal_connect((struct sockaddr *) &sa, len, NULL, "::1", &fd), -EAFNOSUPPORT);
        assert_int_equal(portal_connect((struct sockaddr *) &sa, len, NULL, "192.0.2.77", &fd), -EADDRNOTAVAIL);
        assert_int_equal(portal_connect((struct sockaddr *) &sa, len, NULL, "not-an-address", &fd), -EADDRNOTAVAIL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_resolve),
                cmocka_unit_test(test_bind_to_device),
                cmocka_unit_test(test_source_address),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
