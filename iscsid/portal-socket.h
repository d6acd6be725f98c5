/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The TCP connection to a portal, as an iface describes it: the portal's address resolved (an
 * IPv6 link-local address carries its zone, "fe80::1%eth1", which becomes the scope id), the
 * socket bound to the iface's network device (iface.net_ifacename: SO_BINDTODEVICE, so the
 * connection leaves by that link) and to its source address (iface.ipaddress), and a
 * non-blocking connect started.
 */
#pragma once

#include <sys/socket.h>

/* address: IPv4/IPv6 literal (IPv6 with an optional %zone) or a host name. -EADDRNOTAVAIL when
 * it does not resolve (*ret_error_text then says why, static). */
int portal_resolve(const char *address, int port, struct sockaddr_storage *ret, socklen_t *ret_len,
                   const char **ret_error_text);

/* A non-blocking TCP socket (TCP_NODELAY) to sa, bound to netdev and source when given
 * (either may be NULL), with connect() started. Errors: -ENODEV no such netdev, -EPERM binding
 * to a device needs CAP_NET_RAW, -EAFNOSUPPORT source is of the other address family,
 * -EADDRNOTAVAIL source is not an address of this host or does not parse, or connect()'s
 * immediate error (-ECONNREFUSED, -ENETUNREACH, ...). */
int portal_connect(const struct sockaddr *sa, socklen_t len, const char *netdev, const char *source, int *ret_fd);
