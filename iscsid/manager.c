/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The manager: owns the event loop's sources, the kernel transport and every session. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "kmod.h"
#include "log.h"
#include "logout-guard.h"
#include "manager.h"
#include "netlink.h"
#include "scsi-host.h"
#include "session-config.h"
#include "iscsi-node/sysfs-session.h"
#include "iscsi-proto/defaults.h"

/* ISID "random" format (RFC 7143 §10.12.5): type bits T = 11b in the top two bits of the
 * first byte; the rest of A/B/C is the random part, D the qualifier. */
#define ISID_TYPE_RANDOM 0xc0
#define ISID_QUALIFIER_MAX 0xffff
/* The hostname's djb2 hash gives the ISID's random part. */
#define DJB2_SEED 5381u
#define DJB2_FACTOR 33u
/* Host job records read at once from the pipe. */
#define HOST_JOBS_PER_READ 64

static int on_host_job_done(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        struct manager *m = userdata;
        struct host_job_done done[HOST_JOBS_PER_READ];
        ssize_t n = read(fd, done, sizeof done);
        for (ssize_t i = 0; n > 0 && i < n / (ssize_t) sizeof done[0]; i++) {
                struct session *s = m->sessions;
                while (s && s->token != done[i].token)
                        s = s->next;
                if (!s)
                        continue;
                if (done[i].kind == HOST_JOB_SCAN)
                        session_scan_done(s);
                else
                        session_devices_deleted(s);
        }
        return 0;
}

static void on_session_ended(struct session *s, void *userdata) {
        struct manager *m = userdata;
        for (struct session **p = &m->sessions; *p; p = &(*p)->next)
                if (*p == s) {
                        *p = s->next;
                        break;
                }
        session_free(s);
}

int manager_new(struct manager **ret) {
        _cleanup_(manager_freep) struct manager *m = calloc(1, sizeof *m);
        if (!m)
                return -ENOMEM;
        m->host_job_pipe[0] = m->host_job_pipe[1] = -EBADF;
        int r = sd_event_default(&m->event);
        if (r < 0)
                return r;
        if (pipe2(m->host_job_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
                return -errno;
        r = sd_event_add_io(m->event, &m->host_job_io, m->host_job_pipe[0], EPOLLIN, on_host_job_done, m);
        if (r < 0)
                return r;
        m->ctx = (struct session_context) {
                .event = m->event,
                .host_job_fd = m->host_job_pipe[1],
                .session_ended = on_session_ended,
                .userdata = m,
        };
        /* ISID: "random" format (RFC 7143 §10.12.5, T=11b) with the random part derived from
         * the host so it stays the same across daemon restarts; the qualifier tells sessions
         * to one target apart. */
        unsigned h = DJB2_SEED;
        char host[HOST_NAME_MAX + 1] = "";
        gethostname(host, sizeof host - 1);
        for (const char *p = host; *p; p++)
                h = h * DJB2_FACTOR + (unsigned char) *p;
        m->isid_base[0] = (uint8_t) (h >> 16);
        m->isid_base[1] = (uint8_t) (h >> 8);
        m->isid_base[2] = (uint8_t) h;
        *ret = TAKE_PTR(m);
        return 0;
}

struct manager *manager_free(struct manager *m) {
        if (!m)
                return NULL;
        /* Sessions stay in the kernel: a restarted daemon adopts them. */
        while (m->sessions) {
                struct session *s = m->sessions;
                m->sessions = s->next;
                session_free(s);
        }
        sd_event_source_disable_unref(m->host_job_io);
        safe_close(m->host_job_pipe[0]);
        safe_close(m->host_job_pipe[1]);
        kernel_transport_free(m->ctx.transport);
        sd_event_unref(m->event);
        free(m);
        return NULL;
}

void manager_set_transport(struct manager *m, struct kernel_transport *t) {
        kernel_transport_free(m->ctx.transport);
        m->ctx.transport = t;
        m->ctx.transport_error = t ? 0 : -ENXIO;
        if (t) {
                t->on_event = manager_on_kernel_event;
                t->userdata = m;
        }
}

int manager_open_transport(struct manager *m) {
        if (m->ctx.transport)
                return 0;
        uint64_t handle;
        if (netlink_read_transport_handle("tcp", &handle) < 0) {
                int r = kmod_load_iscsi_tcp();
                if (r < 0)
                        log_errno(LOG_DEBUG, r, "loading iscsi_tcp failed");
        }
        int r = netlink_transport_new(m->event, manager_on_kernel_event, m, &m->ctx.transport);
        if (r < 0) {
                m->ctx.transport_error = r;
                if (r == -EPROTONOSUPPORT)
                        log_error("The running kernel has no iSCSI support (NETLINK_ISCSI: %s); "
                                  "logins will fail until scsi_transport_iscsi and iscsi_tcp are available.",
                                  strerror(-r));
                else if (r == -ENOENT)
                        log_error("No iSCSI TCP transport in the kernel (iscsi_tcp not loaded and not loadable).");
                else
                        log_errno(LOG_ERR, r, "Cannot open the kernel's iSCSI transport");
                return r;
        }
        m->ctx.transport_error = 0;
        return 0;
}

struct session *manager_find_session(struct manager *m, uint32_t sid) {
        for (struct session *s = m->sessions; s; s = s->next)
                if (s->kernel_session && s->sid == sid)
                        return s;
        return NULL;
}

static bool same_node(const struct session *s, const char *target, const char *address, int port, const char *iface) {
        return streq_ptr(s->cfg.target_name, target) && s->cfg.address && address &&
               strcasecmp(s->cfg.address, address) == 0 && s->cfg.port == port &&
               (!iface || streq_ptr(s->cfg.iface, iface));
}

static void assign_isid(struct manager *m, struct session *n) {
        static const uint8_t zero[6];
        if (memcmp(n->cfg.isid, zero, 6) != 0)
                return;
        /* Lowest qualifier not used by another session to the same target. */
        for (unsigned q = 1; q < ISID_QUALIFIER_MAX; q++) {
                bool used = false;
                for (struct session *s = m->sessions; s && !used; s = s->next)
                        used = s != n && streq_ptr(s->cfg.target_name, n->cfg.target_name) &&
                               s->cfg.isid[4] == (q >> 8) && s->cfg.isid[5] == (q & 0xff);
                if (!used) {
                        n->cfg.isid[0] = ISID_TYPE_RANDOM;
                        memcpy(n->cfg.isid + 1, m->isid_base, 3);
                        n->cfg.isid[4] = (uint8_t) (q >> 8);
                        n->cfg.isid[5] = (uint8_t) q;
                        return;
                }
        }
}

static int reply(session_done_fn done, void *userdata, int status, const char *message, const struct session *s,
                 int error) {
        done(&(struct session_result) {
                .status = status,
                .message = message,
                .sid = s && s->kernel_session ? (int) s->sid : -1,
                .host_no = s ? s->host_no : -1,
             }, userdata);
        return error;
}

static int transport_missing(struct manager *m, session_done_fn done, void *userdata) {
        char msg[256];
        int err = m->ctx.transport_error;
        snprintf(msg, sizeof msg, "the kernel cannot do iSCSI over TCP: %s%s", strerror(-err),
                 err == -EPROTONOSUPPORT ? " (no scsi_transport_iscsi)" :
                 err == -ENOENT ? " (iscsi_tcp not loaded)" : "");
        return reply(done, userdata, ISCSI_ERR_TRANS_NOT_FOUND, msg, NULL, err);
}

int manager_login(struct manager *m, const struct node_login_req *req, session_done_fn done, void *userdata) {
        char msg[256];
        int port = req->port > 0 ? req->port : ISCSI_DEFAULT_PORT;
        const char *iface = req->iface ?: "default";
        if (!req->allow_existing)
                for (struct session *s = m->sessions; s; s = s->next)
                        if (same_node(s, req->target_name, req->address, port, iface)) {
                                snprintf(msg, sizeof msg, "session exists: [iface: %s, target: %s, portal: %s,%d]",
                                         iface, req->target_name, req->address, port);
                                return reply(done, userdata, ISCSI_ERR_SESS_EXISTS, msg, s, -EEXIST);
                        }
        if (!m->ctx.transport)
                (void) manager_open_transport(m);
        if (!m->ctx.transport)
                return transport_missing(m, done, userdata);
        struct session *s;
        int r = session_new(&m->ctx, req, &s);
        if (r < 0) {
                snprintf(msg, sizeof msg, "cannot prepare the login: %s%s", strerror(-r),
                         r == -ENOENT ? " (no initiator name: set InitiatorName in initiatorname.iscsi)" : "");
                return reply(done, userdata, r == -ENOMEM ? ISCSI_ERR_NOMEM : ISCSI_ERR_INVAL, msg, NULL, r);
        }
        assign_isid(m, s);
        s->token = ++m->next_token;
        s->next = m->sessions;
        m->sessions = s;
        log_info("Logging in to [iface: %s, target: %s, portal: %s,%d]", s->cfg.iface, s->cfg.target_name,
                 s->cfg.address, s->cfg.port);
        session_start_login(s, done, userdata); /* may end (and free s) at once on an early failure */
        return 0;
}

static struct session *find_logout_target(struct manager *m, const struct session_logout_req *req) {
        if (req->sid >= 0)
                return manager_find_session(m, (uint32_t) req->sid);
        for (struct session *s = m->sessions; s; s = s->next)
                if (same_node(s, req->target_name, req->address, req->port, req->iface))
                        return s;
        return NULL;
}

int manager_logout(struct manager *m, const struct session_logout_req *req, session_done_fn done, void *userdata) {
        struct session *s = find_logout_target(m, req);
        char msg[512], full[700];
        if (!s)
                return reply(done, userdata, ISCSI_ERR_SESS_NOT_FOUND, "no matching session", NULL, -ENOENT);
        if (s->logout_done || s->state == SESSION_LOGGING_OUT)
                return reply(done, userdata, ISCSI_ERR_BUSY, "a logout of this session is in progress", s, -EBUSY);
        if (!req->force && s->host_no >= 0) {
                int r = logout_guard_check(s->host_no, msg, sizeof msg);
                if (r > 0) {
                        snprintf(full, sizeof full, "session %u not logged out: %s (unmount it first, or force the logout)",
                                 s->sid, msg);
                        log_notice("%s", full);
                        return reply(done, userdata, ISCSI_ERR_BUSY, full, s, -EBUSY);
                }
                if (r < 0)
                        log_errno(LOG_WARNING, r, "session %u: cannot check mounts", s->sid);
        }
        return session_start_logout(s, done, userdata);
}

unsigned manager_rescan(struct manager *m, int sid) {
        unsigned n = 0;
        for (struct session *s = m->sessions; s; s = s->next) {
                if (!s->kernel_session || s->host_no < 0 || (sid >= 0 && s->sid != (uint32_t) sid))
                        continue;
                if (host_job_async(s->host_no, HOST_JOB_SCAN, s->token, m->host_job_pipe[1]) >= 0)
                        n++;
        }
        return n;
}

int manager_get_stats(struct manager *m, int sid, struct iscsid_stat **ret, size_t *ret_n) {
        struct session *s = sid >= 0 ? manager_find_session(m, (uint32_t) sid) : NULL;
        struct kernel_transport *t = m->ctx.transport;
        if (!s)
                return -ENOENT;
        if (!t)
                return -ENXIO;
        return t->ops->get_stats(t, s->sid, s->cid, ret, ret_n);
}

static void session_info(const struct session *s, struct iscsid_session_info *info) {
        *info = (struct iscsid_session_info) {
                .sid = s->kernel_session ? (int) s->sid : -1,
                .host_no = s->host_no,
                .port = s->cfg.port,
                .tpgt = s->cfg.tpgt,
                .recoveries = s->recoveries,
        };
        snprintf(info->target_name, sizeof info->target_name, "%s", s->cfg.target_name);
        snprintf(info->address, sizeof info->address, "%s", s->cfg.address);
        snprintf(info->iface, sizeof info->iface, "%s", s->cfg.iface);
        snprintf(info->state, sizeof info->state, "%s", session_state_to_string(s->state));
}

int manager_list(struct manager *m, struct iscsid_session_info **ret, size_t *ret_n) {
        size_t n = 0, i = 0;
        for (struct session *s = m->sessions; s; s = s->next)
                n += s->state != SESSION_DEAD;
        struct iscsid_session_info *infos = calloc(n ?: 1, sizeof *infos);
        if (!infos)
                return -ENOMEM;
        for (struct session *s = m->sessions; s; s = s->next)
                if (s->state != SESSION_DEAD)
                        session_info(s, &infos[i++]);
        *ret = infos;
        *ret_n = n;
        return 0;
}

void manager_on_kernel_event(const struct kernel_event *ev, void *userdata) {
        struct manager *m = userdata;
        struct session *s = manager_find_session(m, ev->sid);
        switch (ev->type) {
        case KISCSI_KEVENT_CONN_ERROR:
                if (s)
                        session_on_conn_error(s, ev->error);
                else
                        log_debug("connection error %u on unknown session %u", ev->error, ev->sid);
                break;
        case KISCSI_KEVENT_RECV_PDU:
                if (s)
                        session_on_recv_pdu(s, ev->pdu, ev->pdu_len);
                break;
        case KISCSI_KEVENT_DESTROY_SESSION:
                if (s && s->state != SESSION_LOGGING_OUT) {
                        log_notice("session %u was destroyed by the kernel", ev->sid);
                        s->kernel_session = false;
                        on_session_ended(s, m);
                }
                break;
        default:
                break;
        }
}

int manager_resync(struct manager *m) {
        struct sysfs_session **list = NULL;
        size_t n = 0;
        int r = node_sysfs_session_list(&list, &n);
        if (r < 0)
                return r;
        session_state_dir_tidy(list, n);
        unsigned adopted = 0;
        for (size_t i = 0; i < n; i++) {
                if (manager_find_session(m, (uint32_t) list[i]->sid))
                        continue;
                if (list[i]->transport && !streq(list[i]->transport, "tcp"))
                        continue;
                struct session *s;
                r = session_adopt(&m->ctx, list[i]->sid, &s);
                if (r < 0) {
                        log_errno(LOG_WARNING, r, "cannot adopt session %d", list[i]->sid);
                        continue;
                }
                /* Keep the ISID the session was made with, so later logins do not reuse it. */
                s->token = ++m->next_token;
                s->next = m->sessions;
                m->sessions = s;
                adopted++;
                log_info("adopted session %u [target: %s, portal: %s,%d] (%s)", s->sid, s->cfg.target_name,
                         s->cfg.address, s->cfg.port, session_state_to_string(s->state));
        }
        node_sysfs_session_list_free(list, n);
        return (int) adopted;
}
