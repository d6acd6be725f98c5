/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "iscsi-conn.h"
#include "listener.h"
#include "log.h"

static int parse_portal(const char *ip, uint16_t port, struct sockaddr_storage *ret, socklen_t *ret_len) {
        struct sockaddr_storage sa = {};
        char buf[INET6_ADDRSTRLEN + 2];
        size_t l = strlen(ip);

        if (ip[0] == '[' && l > 2 && ip[l - 1] == ']' && l - 2 < sizeof(buf)) {
                struct sockaddr_in6 *a = (struct sockaddr_in6 *) &sa;
                memcpy(buf, ip + 1, l - 2);
                buf[l - 2] = 0;
                if (inet_pton(AF_INET6, buf, &a->sin6_addr) != 1)
                        return -EINVAL;
                a->sin6_family = AF_INET6;
                a->sin6_port = htons(port);
                *ret_len = sizeof(*a);
        } else {
                struct sockaddr_in *a = (struct sockaddr_in *) &sa;
                if (inet_pton(AF_INET, ip, &a->sin_addr) != 1) {
                        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *) &sa;
                        if (inet_pton(AF_INET6, ip, &a6->sin6_addr) != 1)
                                return -EINVAL;
                        a6->sin6_family = AF_INET6;
                        a6->sin6_port = htons(port);
                        *ret_len = sizeof(*a6);
                } else {
                        a->sin_family = AF_INET;
                        a->sin_port = htons(port);
                        *ret_len = sizeof(*a);
                }
        }
        *ret = sa;
        return 0;
}

/* The pending connection stays in the backlog, so the listener stays readable: without a
 * pause, EMFILE/ENFILE would spin the main loop and log on every wakeup. */
#define ACCEPT_PAUSE_USEC (100 * 1000)

static int on_resume(sd_event_source *s, uint64_t usec, void *userdata) {
        Listener *l = userdata;

        l->resume = sd_event_source_disable_unref(l->resume);
        (void) sd_event_source_set_enabled(l->source, SD_EVENT_ON);
        return 0;
}

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Listener *l = userdata;

        for (unsigned i = 0; i < 64; i++) {
                int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (cfd < 0) {
                        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                                if (!l->exhausted_logged)
                                        log_warning("portal %s:%u: accept failed: %m; pausing new connections until descriptors are free",
                                                    l->ip, l->port);
                                l->exhausted_logged = true;
                                if (sd_event_add_time_relative(l->set->event, &l->resume, CLOCK_MONOTONIC,
                                                               ACCEPT_PAUSE_USEC, 0, on_resume, l) >= 0)
                                        (void) sd_event_source_set_enabled(l->source, SD_EVENT_OFF);
                        } else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                                log_warning("portal %s:%u: accept failed: %m", l->ip, l->port);
                        break;
                }
                if (l->exhausted_logged) {
                        log_info("portal %s:%u: accepting connections again", l->ip, l->port);
                        l->exhausted_logged = false;
                }
                iscsi_conn_dispatch_new(l->set->daemon, cfd);
        }
        return 0;
}

static void listener_free(Listener *l) {
        if (!l)
                return;
        sd_event_source_disable_unref(l->resume);
        sd_event_source_disable_unref(l->source);
        safe_close(l->fd);
        free(l->ip);
        free(l);
}

static int listener_open(ListenerSet *set, const char *ip, uint16_t port, Listener **ret) {
        struct sockaddr_storage sa;
        socklen_t sl;
        _cleanup_close_ int fd = -EBADF;
        int one = 1, r;
        Listener *l;

        r = parse_portal(ip, port, &sa, &sl);
        if (r < 0)
                return r;
        fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (sa.ss_family == AF_INET6)
                (void) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        if (bind(fd, (struct sockaddr *) &sa, sl) < 0)
                return -errno;
        if (listen(fd, 128) < 0)
                return -errno;

        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        l->ip = strdup(ip);
        l->port = port;
        l->set = set;
        l->fd = -EBADF;
        if (!l->ip) {
                free(l);
                return -ENOMEM;
        }
        r = sd_event_add_io(set->event, &l->source, fd, EPOLLIN, on_accept, l);
        if (r < 0) {
                listener_free(l);
                return r;
        }
        l->fd = TAKE_FD(fd);
        *ret = l;
        return 0;
}

int listeners_apply(ListenerSet *set, const Runtime *rt) {
        _cleanup_free_ TcPortalRef *refs = NULL;
        size_t n = 0;
        int failed = 0, r;

        r = tc_config_list_portals(rt->cfg, &refs, &n);
        if (r < 0)
                return r;

        for (Listener *l = set->head; l; l = l->next)
                l->keep = false;

        for (size_t i = 0; i < n; i++) {
                const TcPortal *p = refs[i].portal;
                Listener *l;

                if (!refs[i].tpg->enable)
                        continue;
                for (l = set->head; l; l = l->next)
                        if (l->port == p->port && streq(l->ip, p->ip_address))
                                break;
                if (l) {
                        l->keep = true;
                        continue;
                }
                r = listener_open(set, p->ip_address, p->port, &l);
                if (r < 0) {
                        log_error("portal %s:%u: cannot listen: %s", p->ip_address, p->port, strerror(-r));
                        failed++;
                        continue;
                }
                log_info("listening on %s:%u", p->ip_address, p->port);
                l->keep = true;
                l->next = set->head;
                set->head = l;
        }

        for (Listener **lp = &set->head; *lp;) {
                Listener *l = *lp;
                if (l->keep) {
                        lp = &l->next;
                        continue;
                }
                log_info("portal %s:%u removed, no longer listening", l->ip, l->port);
                *lp = l->next;
                listener_free(l);
        }
        return failed;
}

void listeners_free_all(ListenerSet *set) {
        while (set->head) {
                Listener *l = set->head;
                set->head = l->next;
                listener_free(l);
        }
}
