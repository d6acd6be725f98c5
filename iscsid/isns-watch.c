/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iSNS SCN registration, SCN reception and the logins they lead to; see isns-watch.h.
 * Calls to the server are short blocking exchanges (NODE_ISNS_TIMEOUT_MS) on the main loop;
 * SCNs arrive on a listening socket driven by sd-event. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "iscsi-node/initiatorname.h"
#include "iscsi-node/iscsid-conf.h"
#include "iscsi-node/isns-client.h"
#include "iscsi-node/nodedb.h"
#include "iscsi-node/paths.h"
#include "isns-watch.h"
#include "log.h"
#include "manager.h"

#define USEC_PER_SEC_ 1000000ULL
#define RETRY_USEC (10 * USEC_PER_SEC_)

struct scn_conn {
        struct isns_server *srv;
        int fd;
        sd_event_source *io;
        struct iscsi_isns_reasm reasm;
        struct scn_conn *next;
};

/* One portal of one target, as the server lists it. */
struct found {
        char *target, *address;
        int port, tpgt;
};

struct isns_server {
        struct isns_watch *w;
        char *host;
        int port;
        int poll_sec;                   /* discoveryd_poll_inval; <= 0: SCNs only */
        int listen_fd;
        uint16_t scn_port;
        char local[INET6_ADDRSTRLEN];   /* our address as the server sees it */
        sd_event_source *listen_io, *timer;
        struct scn_conn *conns;
        uint16_t xid;
        bool registered;
        uint64_t refresh_usec;
        struct found *known;
        size_t n_known;
        struct isns_server *next;
};

struct isns_watch {
        struct manager *m;
        char *initiator;
        struct isns_server *servers;
};

static void found_free(struct found *f, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(f[i].target);
                free(f[i].address);
        }
        free(f);
}

static bool found_in(const struct found *f, size_t n, const struct found *x) {
        for (size_t i = 0; i < n; i++)
                if (streq(f[i].target, x->target) && streq(f[i].address, x->address) && f[i].port == x->port &&
                    f[i].tpgt == x->tpgt)
                        return true;
        return false;
}

static int flatten(const struct iscsi_st_list *l, struct found **ret, size_t *ret_n) {
        size_t n = 0, k = 0;
        struct found *v;

        for (size_t i = 0; i < l->n_targets; i++)
                n += l->targets[i].n_portals;
        v = calloc(n + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < l->n_targets; i++)
                for (size_t j = 0; j < l->targets[i].n_portals; j++, k++) {
                        const struct iscsi_portal *p = &l->targets[i].portals[j];
                        v[k] = (struct found) { strdup(l->targets[i].name), strdup(p->host), p->port, p->tpgt };
                        if (!v[k].target || !v[k].address) {
                                found_free(v, k + 1);
                                return -ENOMEM;
                        }
                }
        *ret = v;
        *ret_n = k;
        return 0;
}

/* The node record for f: the stored one, else iscsid.conf's defaults (then stored too, with
 * the server as its discovery, as iscsiadm -m discovery -t isns would). */
static int node_record_for(struct isns_server *s, const struct found *f, Record **ret) {
        _cleanup_(node_db_freep) NodeDb *db = NULL;
        _cleanup_(node_iscsid_conf_freep) IscsidConf *conf = NULL;
        _cleanup_free_ char *conf_path = node_path_config("iscsid.conf");
        NodeFilter nf = { .target = f->target, .address = f->address, .port = f->port, .tpgt = f->tpgt,
                          .iface = "default" };
        NodeEntry *e = NULL;
        size_t ne = 0;
        Record *r;
        char buf[16];
        int k;

        k = node_db_open(&db);
        if (k >= 0)
                k = node_db_find_nodes(db, &nf, &e, &ne);
        if (k >= 0 && ne > 0) {
                r = node_record_copy(e[0].rec);
                node_entries_free(e, ne);
                return r ? (*ret = r, 0) : -ENOMEM;
        }
        node_entries_free(e, ne);
        k = k < 0 ? k : conf_path ? node_iscsid_conf_load(conf_path, NULL, NULL, &conf) : -ENOMEM;
        if (k < 0)
                return k;
        r = node_record_copy(conf->node);
        if (!r)
                return -ENOMEM;
        (void) node_record_set_index(r, NODE_KEY_NAME, f->target);
        (void) node_record_set_index(r, NODE_KEY_CONN_ADDRESS, f->address);
        snprintf(buf, sizeof(buf), "%d", f->port);
        (void) node_record_set_index(r, NODE_KEY_CONN_PORT, buf);
        snprintf(buf, sizeof(buf), "%d", f->tpgt);
        (void) node_record_set_index(r, NODE_KEY_TPGT, buf);
        (void) node_record_set_index(r, NODE_KEY_DISCOVERY_TYPE, "isns");
        (void) node_record_set_index(r, NODE_KEY_DISCOVERY_ADDRESS, s->host);
        snprintf(buf, sizeof(buf), "%d", s->port);
        (void) node_record_set_index(r, NODE_KEY_DISCOVERY_PORT, buf);
        if (node_db_lock(db) < 0 || node_db_write_node(db, r) < 0)
                log_warning("iSNS: cannot store the node record of %s", f->target);
        *ret = r;
        return 0;
}

static void on_login_done(const struct session_result *res, void *userdata) {
        char *what = userdata;

        if (res->status == 0)
                log_info("iSNS: logged in to %s (session %d)", what, res->sid);
        else
                log_warning("iSNS: login to %s failed: %s", what, res->message ?: "error");
        free(what);
}

static void login(struct isns_server *s, const struct found *f) {
        _cleanup_(node_record_freep) Record *r = NULL;
        struct node_login_req req;
        char *what = NULL;
        int k;

        k = node_record_for(s, f, &r);
        if (k < 0) {
                log_errno(LOG_WARNING, k, "iSNS: no node record for %s", f->target);
                return;
        }
        if (asprintf(&what, "%s at %s:%d,%d", f->target, f->address, f->port, f->tpgt) < 0)
                return;
        node_login_req_init(&req);
        node_login_req_from_record(r, &req);
        (void) manager_login(s->w->m, &req, on_login_done, what); /* on_login_done frees what */
}

/* Ask the server for its targets now; log in to new portals, report vanished ones. */
static void rescan(struct isns_server *s) {
        _cleanup_st_list_ struct iscsi_st_list list = {};
        struct found *now = NULL;
        size_t n = 0;
        uint32_t status = 0;
        int k;

        k = node_isns_discover_targets(s->host, s->port, s->w->initiator, &list, &status);
        if (k == -ENOMSG)
                log_warning("iSNS server %s:%d: %s", s->host, s->port, iscsi_isns_status_name(status));
        if (k < 0 || flatten(&list, &now, &n) < 0) {
                log_errno(LOG_WARNING, k < 0 ? k : -ENOMEM, "iSNS: query of %s:%d failed", s->host, s->port);
                return;
        }
        for (size_t i = 0; i < s->n_known; i++)
                if (!found_in(now, n, &s->known[i]))
                        log_notice("iSNS: target %s at %s:%d,%d is gone from %s:%d", s->known[i].target,
                                   s->known[i].address, s->known[i].port, s->known[i].tpgt, s->host, s->port);
        for (size_t i = 0; i < n; i++)
                if (!found_in(s->known, s->n_known, &now[i])) {
                        log_info("iSNS: target %s at %s:%d,%d found on %s:%d", now[i].target, now[i].address,
                                 now[i].port, now[i].tpgt, s->host, s->port);
                        login(s, &now[i]);
                }
        found_free(s->known, s->n_known);
        s->known = now;
        s->n_known = n;
}

static void scn_conn_free(struct scn_conn *c) {
        struct scn_conn **p = &c->srv->conns;

        while (*p && *p != c)
                p = &(*p)->next;
        if (*p)
                *p = c->next;
        sd_event_source_unref(c->io);
        safe_close(c->fd);
        iscsi_isns_reasm_clear(&c->reasm);
        free(c);
}

/* One whole message from the server on an SCN connection: answer it; an SCN starts a rescan. */
static void scn_message(struct scn_conn *c, const struct iscsi_isns_msg *m) {
        _cleanup_isns_msg_ struct iscsi_isns_msg reply = {};
        struct iscsi_isns_scn scn;

        if (m->function != ISNS_SCN && m->function != ISNS_ESI)
                return;
        if (iscsi_isns_build_reply(m, &reply) >= 0)
                (void) node_isns_send(c->fd, &reply, NODE_ISNS_TIMEOUT_MS);
        if (m->function != ISNS_SCN)
                return;
        if (iscsi_isns_parse_scn(m, &scn) >= 0)
                log_info("iSNS: state change notification from %s:%d (bitmap 0x%x%s%s)", c->srv->host, c->srv->port,
                         scn.bitmap, scn.node ? ", node " : "", scn.node ?: "");
        rescan(c->srv);
}

static int on_scn_io(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        struct scn_conn *c = userdata;
        uint8_t buf[4096];
        ssize_t n;
        int k;

        n = recv(fd, buf, MIN(sizeof(buf), iscsi_isns_reasm_want(&c->reasm)), MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n <= 0) {
                scn_conn_free(c);
                return 0;
        }
        k = iscsi_isns_reasm_feed(&c->reasm, buf, (size_t) n);
        if (k == 1) {
                _cleanup_isns_msg_ struct iscsi_isns_msg m = {};
                k = iscsi_isns_reasm_take(&c->reasm, &m);
                if (k >= 0)
                        scn_message(c, &m);
        }
        if (k < 0) {
                log_errno(LOG_WARNING, k, "iSNS: bad message on the SCN connection from %s:%d", c->srv->host,
                          c->srv->port);
                scn_conn_free(c);
        }
        return 0;
}

static int on_scn_accept(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        struct isns_server *s = userdata;
        struct scn_conn *c;
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (cfd < 0)
                return 0;
        c = calloc(1, sizeof(*c));
        if (!c || sd_event_add_io(sd_event_source_get_event(es), &c->io, cfd, EPOLLIN, on_scn_io, c) < 0) {
                free(c);
                safe_close(cfd);
                return 0;
        }
        c->srv = s;
        c->fd = cfd;
        iscsi_isns_reasm_init(&c->reasm, 0);
        c->next = s->conns;
        s->conns = c;
        return 0;
}

static int open_listener(struct isns_server *s) {
        struct sockaddr_storage ss = {};
        socklen_t len;
        int fd, k;

        if (inet_pton(AF_INET, s->local, &((struct sockaddr_in *) &ss)->sin_addr) == 1) {
                ss.ss_family = AF_INET;
                len = sizeof(struct sockaddr_in);
        } else if (inet_pton(AF_INET6, s->local, &((struct sockaddr_in6 *) &ss)->sin6_addr) == 1) {
                ss.ss_family = AF_INET6;
                len = sizeof(struct sockaddr_in6);
        } else
                return -EINVAL;
        fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (bind(fd, (struct sockaddr *) &ss, len) < 0 || listen(fd, 8) < 0 ||
            getsockname(fd, (struct sockaddr *) &ss, &len) < 0) {
                k = -errno;
                safe_close(fd);
                return k;
        }
        s->scn_port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *) &ss)->sin_port
                                                    : ((struct sockaddr_in6 *) &ss)->sin6_port);
        k = sd_event_add_io(s->w->m->event, &s->listen_io, fd, EPOLLIN, on_scn_accept, s);
        if (k < 0) {
                safe_close(fd);
                return k;
        }
        s->listen_fd = fd;
        return 0;
}

static int local_address(int fd, char *buf, size_t size) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        const void *a;

        if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0)
                return -errno;
        a = ss.ss_family == AF_INET ? (const void *) &((struct sockaddr_in *) &ss)->sin_addr
                                    : (const void *) &((struct sockaddr_in6 *) &ss)->sin6_addr;
        return inet_ntop(ss.ss_family, a, buf, (socklen_t) size) ? 0 : -errno;
}

/* One request on fd; -EPROTO (logged) for a status other than success. */
static int call(struct isns_server *s, int fd, int build, struct iscsi_isns_msg *req, struct iscsi_isns_msg *ret) {
        int k = build;

        if (k >= 0)
                k = node_isns_call(fd, req, NODE_ISNS_TIMEOUT_MS, ret);
        iscsi_isns_msg_clear(req);
        if (k >= 0 && ret->status != ISNS_STATUS_SUCCESS) {
                log_warning("iSNS server %s:%d: %s", s->host, s->port, iscsi_isns_status_name(ret->status));
                k = -EPROTO;
        }
        return k;
}

/* Register the initiator with its SCN portal and for SCNs; *ret_period: what the server grants. */
static int register_scn(struct isns_server *s, uint32_t *ret_period) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_isns_msg_ struct iscsi_isns_msg rsp = {}, rsp2 = {};
        struct iscsi_isns_msg req = {};
        const char *iname = s->w->initiator;
        int k;

        k = node_isns_connect(s->host, s->port, NODE_ISNS_TIMEOUT_MS, &fd);
        if (k >= 0 && s->listen_fd < 0)
                k = local_address(fd, s->local, sizeof(s->local)) ?: open_listener(s);
        if (k < 0)
                return k;
        k = call(s, fd, iscsi_isns_build_initiator_scn_reg(s->xid++, iname, s->local, s->scn_port, &req), &req, &rsp);
        if (k >= 0)
                k = call(s, fd,
                         iscsi_isns_build_scn_reg(s->xid++, iname,
                                                  ISNS_SCN_OBJECT_ADDED | ISNS_SCN_OBJECT_REMOVED |
                                                          ISNS_SCN_OBJECT_UPDATED | ISNS_SCN_DD_MEMBER_ADDED |
                                                          ISNS_SCN_DD_MEMBER_REMOVED,
                                                  &req),
                         &req, &rsp2);
        if (k >= 0 && iscsi_isns_granted_period(&rsp, ret_period) < 0)
                *ret_period = 0;
        return k;
}

static int on_timer(sd_event_source *es, uint64_t usec, void *userdata) {
        struct isns_server *s = userdata;
        uint64_t next = RETRY_USEC, now;
        uint32_t period = 0;
        bool first = !s->registered;
        int k;

        k = register_scn(s, &period);
        if (k < 0)
                log_errno(LOG_WARNING, k, "iSNS: SCN registration with %s:%d failed, retrying", s->host, s->port);
        else {
                if (first)
                        log_info("iSNS: registered %s for state change notifications with %s:%d (SCN port %u)",
                                 s->w->initiator, s->host, s->port, s->scn_port);
                s->registered = true;
                next = period > 0 ? (uint64_t) period * USEC_PER_SEC_ * 2 / 3 : 60 * USEC_PER_SEC_;
                if (s->poll_sec > 0)
                        next = MIN(next, (uint64_t) s->poll_sec * USEC_PER_SEC_);
                if (first || s->poll_sec > 0)
                        rescan(s);
        }
        (void) sd_event_now(sd_event_source_get_event(es), CLOCK_MONOTONIC, &now);
        (void) sd_event_source_set_time(es, now + next);
        return sd_event_source_set_enabled(es, SD_EVENT_ONESHOT);
}

static void server_deregister(struct isns_server *s) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_isns_msg_ struct iscsi_isns_msg rsp = {};
        struct iscsi_isns_msg req = {};

        if (!s->registered || node_isns_connect(s->host, s->port, NODE_ISNS_TIMEOUT_MS, &fd) < 0)
                return;
        if (call(s, fd, iscsi_isns_build_node_dereg(s->xid++, s->w->initiator, &req), &req, &rsp) >= 0)
                log_info("iSNS: deregistered %s from %s:%d", s->w->initiator, s->host, s->port);
}

static void server_free(struct isns_server *s) {
        server_deregister(s);
        while (s->conns)
                scn_conn_free(s->conns);
        sd_event_source_unref(s->timer);
        sd_event_source_unref(s->listen_io);
        safe_close(s->listen_fd);
        found_free(s->known, s->n_known);
        free(s->host);
        free(s);
}

static int server_add(struct isns_watch *w, const char *host, int port, int poll_sec) {
        struct isns_server *s;
        int k;

        for (s = w->servers; s; s = s->next)
                if (streq(s->host, host) && s->port == port)
                        return 0;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        *s = (struct isns_server) { .w = w, .host = strdup(host), .port = port, .poll_sec = poll_sec, .listen_fd = -EBADF };
        (void) getrandom(&s->xid, sizeof(s->xid), GRND_NONBLOCK);
        k = s->host ? sd_event_add_time_relative(w->m->event, &s->timer, CLOCK_MONOTONIC, 0, 0, on_timer, s) : -ENOMEM;
        if (k < 0) {
                free(s->host);
                free(s);
                return k;
        }
        s->next = w->servers;
        w->servers = s;
        log_info("iSNS: watching %s:%d for targets (discoveryd)", host, port);
        return 0;
}

/* Servers from the node DB's isns/ records with use_discoveryd = Yes, then iscsid.conf's. */
static int add_configured_servers(struct isns_watch *w) {
        _cleanup_(node_db_freep) NodeDb *db = NULL;
        _cleanup_(node_iscsid_conf_freep) IscsidConf *conf = NULL;
        _cleanup_free_ char *conf_path = node_path_config("iscsid.conf");
        Record **r = NULL;
        size_t n = 0;
        int k;

        if (node_db_open(&db) >= 0 && node_db_list_isns(db, &r, &n) >= 0)
                for (size_t i = 0; i < n; i++) {
                        int port = ISNS_DEFAULT_PORT, poll = -1;
                        if (!node_record_get_bool(r[i], ISNS_KEY_USE_DISCOVERYD))
                                continue;
                        (void) node_record_get_int(r[i], ISNS_KEY_PORT, &port);
                        (void) node_record_get_int(r[i], ISNS_KEY_DISCOVERYD_POLL_INVAL, &poll);
                        k = server_add(w, node_record_get(r[i], ISNS_KEY_ADDRESS), port, poll);
                        if (k < 0)
                                break;
                }
        node_records_free(r, n);
        k = conf_path ? node_iscsid_conf_load(conf_path, NULL, NULL, &conf) : -ENOMEM;
        if (k >= 0 && conf->isns_address && node_record_get_bool(conf->isns, ISNS_KEY_USE_DISCOVERYD)) {
                int poll = -1;
                (void) node_record_get_int(conf->isns, ISNS_KEY_DISCOVERYD_POLL_INVAL, &poll);
                k = server_add(w, conf->isns_address, conf->isns_port, poll);
        }
        return k;
}

int isns_watch_start(struct manager *m, struct isns_watch **ret) {
        _cleanup_free_ char *ipath = node_path_config("initiatorname.iscsi");
        struct isns_watch *w;
        int k;

        w = calloc(1, sizeof(*w));
        if (!w || !ipath) {
                free(w);
                return -ENOMEM;
        }
        w->m = m;
        k = add_configured_servers(w);
        if (k >= 0 && w->servers) {
                k = node_initiatorname_read(ipath, &w->initiator, NULL);
                if (k < 0)
                        log_errno(LOG_WARNING, k, "iSNS: no initiator name in %s", ipath);
        }
        if (k < 0 || !w->servers) {
                w = isns_watch_free(w);
                *ret = NULL;
                return k < 0 ? k : 0;
        }
        *ret = w;
        return 0;
}

struct isns_watch *isns_watch_free(struct isns_watch *w) {
        if (!w)
                return NULL;
        while (w->servers) {
                struct isns_server *s = w->servers;
                w->servers = s->next;
                server_free(s);
        }
        free(w->initiator);
        free(w);
        return NULL;
}
