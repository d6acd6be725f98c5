/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iSNS servers watched for state changes and the logins they lead to; see isns-watch.h.
 * The exchanges with a server run in isns-job.c's threads; everything here runs on the loop. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "iscsi-node/initiatorname.h"
#include "iscsi-node/iscsid-conf.h"
#include "iscsi-node/isns-client.h"
#include "iscsi-node/nodedb.h"
#include "iscsi-node/paths.h"
#include "isns-job.h"
#include "isns-scn.h"
#include "isns-watch.h"
#include "log.h"
#include "manager.h"

#define USEC_PER_SEC_ 1000000ULL
#define RETRY_USEC (10 * USEC_PER_SEC_)
#define DEFAULT_REFRESH_USEC (60 * USEC_PER_SEC_)
#define EXIT_WAIT_MS 2000

/* One portal of one target, as a server lists it. */
struct found {
        char *target, *address;
        int port, tpgt;
};

struct isns_server {
        struct isns_watch *w;
        char *host;
        int port;
        int poll_sec;                   /* discoveryd_poll_inval; <= 0: SCNs only */
        sd_event_source *timer;         /* next registration refresh (or retry, or poll) */
        uint16_t xid;
        bool registered, busy;
        bool again, again_register;     /* a job was asked for while one ran */
        struct found *known;
        size_t n_known;
        struct isns_server *next;
};

struct isns_watch {
        struct manager *m;
        char *initiator;
        struct isns_server *servers;
        struct isns_scn_listener *scn;
        int job_pipe[2];
        sd_event_source *job_io;
        unsigned jobs_running;
};

static void found_free(struct found *f, size_t n) {
        for (size_t i = 0; f && i < n; i++) {
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

/* A new node record for f from iscsid.conf's defaults, with the server as its discovery. */
static Record *new_node_record(const struct isns_server *s, const struct found *f) {
        _cleanup_(node_iscsid_conf_freep) IscsidConf *conf = NULL;
        _cleanup_free_ char *path = node_path_config("iscsid.conf");
        char port[16], tpgt[16], dport[16];
        Record *r;

        if (!path || node_iscsid_conf_load(path, NULL, NULL, &conf) < 0 || !(r = node_record_copy(conf->node)))
                return NULL;
        snprintf(port, sizeof(port), "%d", f->port);
        snprintf(tpgt, sizeof(tpgt), "%d", f->tpgt);
        snprintf(dport, sizeof(dport), "%d", s->port);
        (void) node_record_set_index(r, NODE_KEY_NAME, f->target);
        (void) node_record_set_index(r, NODE_KEY_CONN_ADDRESS, f->address);
        (void) node_record_set_index(r, NODE_KEY_CONN_PORT, port);
        (void) node_record_set_index(r, NODE_KEY_TPGT, tpgt);
        (void) node_record_set_index(r, NODE_KEY_DISCOVERY_TYPE, "isns");
        (void) node_record_set_index(r, NODE_KEY_DISCOVERY_ADDRESS, s->host);
        (void) node_record_set_index(r, NODE_KEY_DISCOVERY_PORT, dport);
        return r;
}

/* The node record for f: the stored one, else a new one (stored too, as iscsiadm -m discovery
 * -t isns would). */
static int node_record_for(const struct isns_server *s, const struct found *f, Record **ret) {
        _cleanup_(node_db_freep) NodeDb *db = NULL;
        NodeFilter nf = { .target = f->target, .address = f->address, .port = f->port, .tpgt = f->tpgt,
                          .iface = "default" };
        NodeEntry *e = NULL;
        size_t ne = 0;
        Record *r;
        int k;

        k = node_db_open(&db);
        if (k >= 0)
                k = node_db_find_nodes(db, &nf, &e, &ne);
        if (k < 0)
                return k;
        r = ne > 0 ? node_record_copy(e[0].rec) : new_node_record(s, f);
        if (r && ne == 0 && (node_db_lock(db) < 0 || node_db_write_node(db, r) < 0))
                log_warning("iSNS: cannot store the node record of %s", f->target);
        node_entries_free(e, ne);
        if (!r)
                return -ENOMEM;
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

/* What the server lists now: log in to new portals, report vanished ones. */
static void apply_targets(struct isns_server *s, const struct iscsi_st_list *list) {
        struct found *now = NULL;
        size_t n = 0;

        if (flatten(list, &now, &n) < 0) {
                log_error("iSNS: out of memory");
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

static void start_job(struct isns_server *s, bool do_register) {
        struct isns_job *j;

        if (s->busy) {
                s->again = true;
                s->again_register |= do_register;
                return;
        }
        j = isns_job_new(s->host, s->port, s->w->initiator, isns_scn_port(s->w->scn), do_register, s->xid, s);
        if (!j || isns_job_start(j, s->w->job_pipe[1]) < 0) {
                log_error("iSNS: cannot start an exchange with %s:%d", s->host, s->port);
                isns_job_free(j);
                return;
        }
        s->xid += 8;
        s->busy = true;
        s->w->jobs_running++;
}

static void schedule(struct isns_server *s, uint64_t usec) {
        uint64_t now;

        if (s->poll_sec > 0)
                usec = MIN(usec, (uint64_t) s->poll_sec * USEC_PER_SEC_);
        (void) sd_event_now(s->w->m->event, CLOCK_MONOTONIC, &now);
        (void) sd_event_source_set_time(s->timer, now + usec);
        (void) sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT);
}

static void registration_done(struct isns_server *s, const struct isns_job *j) {
        if (j->reg_error < 0) {
                if (j->reg_error == -EPROTO)
                        log_warning("iSNS server %s:%d: %s", s->host, s->port, iscsi_isns_status_name(j->status));
                log_errno(LOG_WARNING, j->reg_error, "iSNS: SCN registration with %s:%d failed, retrying", s->host,
                          s->port);
                schedule(s, RETRY_USEC);
                return;
        }
        if (!s->registered)
                log_info("iSNS: registered %s for state change notifications with %s:%d (SCN port %u)",
                         s->w->initiator, s->host, s->port, isns_scn_port(s->w->scn));
        s->registered = true;
        /* refresh well before the server's registration period runs out */
        schedule(s, j->period > 0 ? (uint64_t) j->period * USEC_PER_SEC_ * 2 / 3 : DEFAULT_REFRESH_USEC);
}

static void job_done(struct isns_job *j) {
        struct isns_server *s = j->userdata;

        s->busy = false;
        s->w->jobs_running--;
        if (j->do_register)
                registration_done(s, j);
        if (j->query_error == -ENOMSG)
                log_warning("iSNS server %s:%d refused the query: %s", s->host, s->port,
                            iscsi_isns_status_name(j->status));
        else if (j->query_error < 0 && j->reg_error >= 0)
                log_errno(LOG_WARNING, j->query_error, "iSNS: query of %s:%d failed", s->host, s->port);
        else if (j->query_error >= 0)
                apply_targets(s, &j->targets);
        if (s->again) {
                bool reg = s->again_register;
                s->again = s->again_register = false;
                start_job(s, reg);
        }
}

static int on_job_io(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        struct isns_job *j;

        while (read(fd, &j, sizeof(j)) == sizeof(j)) {
                job_done(j);
                isns_job_free(j);
        }
        return 0;
}

static int on_timer(sd_event_source *es, uint64_t usec, void *userdata) {
        start_job(userdata, true); /* refresh the registration, then ask for the targets */
        return 0;
}

static void on_scn(const struct iscsi_isns_scn *scn, void *userdata) {
        struct isns_watch *w = userdata;

        log_info("iSNS: state change notification (bitmap 0x%x%s%s)", scn->bitmap, scn->node ? ", node " : "",
                 scn->node ?: "");
        for (struct isns_server *s = w->servers; s; s = s->next)
                start_job(s, false);
}

static void server_deregister(struct isns_server *s) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_isns_msg_ struct iscsi_isns_msg req = {}, rsp = {};

        if (!s->registered || node_isns_connect(s->host, s->port, NODE_ISNS_TIMEOUT_MS, &fd) < 0 ||
            iscsi_isns_build_node_dereg(s->xid++, s->w->initiator, &req) < 0 ||
            node_isns_call(fd, &req, NODE_ISNS_TIMEOUT_MS, &rsp) < 0)
                return;
        if (rsp.status == ISNS_STATUS_SUCCESS)
                log_info("iSNS: deregistered %s from %s:%d", s->w->initiator, s->host, s->port);
}

static void server_free(struct isns_server *s) {
        server_deregister(s);
        sd_event_source_unref(s->timer);
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
        *s = (struct isns_server) { .w = w, .host = strdup(host), .port = port, .poll_sec = poll_sec };
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
        int k = 0;

        if (node_db_open(&db) >= 0 && node_db_list_isns(db, &r, &n) >= 0)
                for (size_t i = 0; i < n && k >= 0; i++) {
                        int port = ISNS_DEFAULT_PORT, poll = -1;
                        if (!node_record_get_bool(r[i], ISNS_KEY_USE_DISCOVERYD))
                                continue;
                        (void) node_record_get_int(r[i], ISNS_KEY_PORT, &port);
                        (void) node_record_get_int(r[i], ISNS_KEY_DISCOVERYD_POLL_INVAL, &poll);
                        k = server_add(w, node_record_get(r[i], ISNS_KEY_ADDRESS), port, poll);
                }
        node_records_free(r, n);
        if (k >= 0)
                k = conf_path ? node_iscsid_conf_load(conf_path, NULL, NULL, &conf) : -ENOMEM;
        if (k >= 0 && conf->isns_address && node_record_get_bool(conf->isns, ISNS_KEY_USE_DISCOVERYD)) {
                int poll = -1;
                (void) node_record_get_int(conf->isns, ISNS_KEY_DISCOVERYD_POLL_INVAL, &poll);
                k = server_add(w, conf->isns_address, conf->isns_port, poll);
        }
        return k;
}

/* What the servers need besides the configuration: the initiator name, the job pipe, the SCN port. */
static int watch_setup(struct isns_watch *w) {
        _cleanup_free_ char *ipath = node_path_config("initiatorname.iscsi");
        int k;

        if (!ipath)
                return -ENOMEM;
        k = node_initiatorname_read(ipath, &w->initiator, NULL);
        if (k < 0)
                return log_errno(LOG_WARNING, k, "iSNS: no initiator name in %s", ipath);
        if (pipe2(w->job_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
                return -errno;
        k = sd_event_add_io(w->m->event, &w->job_io, w->job_pipe[0], EPOLLIN, on_job_io, w);
        if (k >= 0)
                k = isns_scn_listen(w->m->event, on_scn, w, &w->scn);
        return k;
}

int isns_watch_start(struct manager *m, struct isns_watch **ret) {
        struct isns_watch *w = calloc(1, sizeof(*w));
        int k;

        if (!w)
                return -ENOMEM;
        *w = (struct isns_watch) { .m = m, .job_pipe = { -EBADF, -EBADF } };
        k = add_configured_servers(w);
        if (k >= 0 && w->servers)
                k = watch_setup(w);
        if (k < 0 || !w->servers) {
                isns_watch_free(w);
                *ret = NULL;
                return k < 0 ? k : 0;
        }
        *ret = w;
        return 0;
}

/* Let running exchanges end (they are bounded by the client timeouts, but exit should not wait
 * that long): up to EXIT_WAIT_MS. */
static void wait_for_jobs(struct isns_watch *w) {
        while (w->jobs_running > 0) {
                struct pollfd p = { .fd = w->job_pipe[0], .events = POLLIN };
                if (poll(&p, 1, EXIT_WAIT_MS) <= 0)
                        break;
                on_job_io(NULL, w->job_pipe[0], 0, w);
        }
}

struct isns_watch *isns_watch_free(struct isns_watch *w) {
        if (!w)
                return NULL;
        wait_for_jobs(w);
        while (w->servers) {
                struct isns_server *s = w->servers;
                w->servers = s->next;
                server_free(s);
        }
        isns_scn_listener_free(w->scn);
        sd_event_source_unref(w->job_io);
        safe_close(w->job_pipe[0]);
        /* A thread still running only touches its job and the pipe's write end: both stay (the
         * process is exiting), so its final write fails with EPIPE instead of hitting a reused fd. */
        if (w->jobs_running == 0)
                safe_close(w->job_pipe[1]);
        else
                log_warning("iSNS: %u exchanges still running at exit", w->jobs_running);
        free(w->initiator);
        free(w);
        return NULL;
}
