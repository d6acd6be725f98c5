/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Network bring-up from the iBFT with the classic interface ioctls (see fw-net.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "fw-net.h"

static int parse_ipv4(const char *s, struct sockaddr_in *ret) {
        *ret = (struct sockaddr_in) { .sin_family = AF_INET };
        return s && inet_pton(AF_INET, s, &ret->sin_addr) == 1 ? 0 : -EINVAL;
}

/* The netmask: the iBFT's subnet-mask, else one made from prefix-len. */
static int netmask(const NodeIbftTarget *t, struct sockaddr_in *ret) {
        if (parse_ipv4(t->subnet_mask, ret) == 0)
                return 0;
        if (t->prefix_len <= 0 || t->prefix_len > 32)
                return -EINVAL;
        ret->sin_addr.s_addr = htonl(t->prefix_len == 32 ? 0xffffffffu : ~(0xffffffffu >> t->prefix_len));
        return 0;
}

static int set_addr(int fd, const char *ifname, unsigned long req, const struct sockaddr_in *a) {
        struct ifreq ifr = {};
        strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
        memcpy(&ifr.ifr_addr, a, sizeof *a);
        return ioctl(fd, req, &ifr) < 0 ? -errno : 0;
}

static int link_up(int fd, const char *ifname) {
        struct ifreq ifr = {};
        strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
        if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
                return -errno;
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        return ioctl(fd, SIOCSIFFLAGS, &ifr) < 0 ? -errno : 0;
}

/* A host route to the target through the gateway when the target is not on the NIC's subnet. */
static int route_target(int fd, const NodeIbftTarget *t, const struct sockaddr_in *addr,
                        const struct sockaddr_in *mask) {
        struct sockaddr_in target, gw;
        if (parse_ipv4(t->target_ip, &target) < 0 || parse_ipv4(t->gateway, &gw) < 0 ||
            gw.sin_addr.s_addr == INADDR_ANY)
                return 0;
        if ((target.sin_addr.s_addr & mask->sin_addr.s_addr) == (addr->sin_addr.s_addr & mask->sin_addr.s_addr))
                return 0;
        struct rtentry rt = { .rt_flags = RTF_UP | RTF_GATEWAY | RTF_HOST, .rt_dev = t->netdev };
        struct sockaddr_in host_mask = { .sin_family = AF_INET, .sin_addr.s_addr = INADDR_BROADCAST };
        memcpy(&rt.rt_dst, &target, sizeof target);
        memcpy(&rt.rt_gateway, &gw, sizeof gw);
        memcpy(&rt.rt_genmask, &host_mask, sizeof host_mask);
        return ioctl(fd, SIOCADDRT, &rt) < 0 && errno != EEXIST ? -errno : 0;
}

int fw_net_setup(const NodeIbftTarget *t) {
        struct sockaddr_in addr, mask;
        if (!t->netdev)
                return -ENODEV;
        if (parse_ipv4(t->ip_addr, &addr) < 0 || netmask(t, &mask) < 0)
                return -EAFNOSUPPORT; /* IPv6 or no address: not configured here */
        _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        int r = set_addr(fd, t->netdev, SIOCSIFADDR, &addr);
        if (r >= 0)
                r = set_addr(fd, t->netdev, SIOCSIFNETMASK, &mask);
        if (r >= 0)
                r = link_up(fd, t->netdev);
        if (r >= 0)
                r = route_target(fd, t, &addr, &mask);
        return r;
}
