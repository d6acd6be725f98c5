/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Manager: owns the event loop's sources, the kernel transport and every session. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "manager.h"
#include "netlink.h"
#include "iscsi-node/sysfs-session.h"
#include "iscsi-proto/defaults.h"

static int on_scan_pipe(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        struct manager *m = userdata;
        struct host_job_done done[64];
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

int manager_new(struct manager **ret) {
        _cleanup_(manager_freep) struct manager *m = calloc(1, sizeof *m);
        if (!m)
                return -ENOMEM;
        m->listen_fd = -EBADF;
        m->scan_pipe[0] = m->scan_pipe[1] = -EBADF;
        int r = sd_event_default(&m->event);
        if (r < 0)
                return r;
        if (pipe2(m->scan_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
                return -errno;
        r = sd_event_add_io(m->event, &m->scan_io, m->scan_pipe[0], EPOLLIN, on_scan_pipe, m);
        if (r < 0)
                return r;
        /* ISID: "random" format (RFC 7143 §10.12.5, T=11b) with the random part derived from
         * the host so it stays the same across daemon restarts; the qualifier tells sessions
         * to one target apart. */
        unsigned h = 5381;
        char host[256] = "";
        gethostname(host, sizeof host - 1);
        for (const char *p = host; *p; p++)
                h = h * 33 + (unsigned char) *p;
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
        sd_event_source_disable_unref(m->ipc_listen);
        sd_event_source_disable_unref(m->scan_io);
        if (m->listen_fd >= 0 && !m->listen_fd_from_systemd && m->socket_path)
                unlink(m->socket_path);
        safe_close(m->listen_fd);
        safe_close(m->scan_pipe[0]);
        safe_close(m->scan_pipe[1]);
        free(m->socket_path);
        kernel_transport_free(m->transport);
        sd_event_unref(m->event);
        free(m);
        return NULL;
}

int manager_open_transport(struct manager *m) {
        if (m->transport)
                return 0;
        uint64_t handle;
        if (netlink_read_transport_handle("tcp", &handle) < 0) {
                int r = kmod_load_iscsi_tcp();
                if (r < 0)
                        log_errno(LOG_DEBUG, r, "loading iscsi_tcp failed");
        }
        int r = netlink_transport_new(m->event, manager_on_kernel_event, m, &m->transport);
        if (r < 0) {
                m->transport_error = r;
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
        m->transport_error = 0;
        return 0;
}

struct session *manager_find_session(struct manager *m, uint32_t sid) {
        for (struct session *s = m->sessions; s; s = s->next)
                if (s->kernel_session && s->sid == sid)
                        return s;
        return NULL;
}

void manager_remove_session(struct manager *m, struct session *s) {
        for (struct session **p = &m->sessions; *p; p = &(*p)->next)
                if (*p == s) {
                        *p = s->next;
                        break;
                }
        session_free(s);
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
        for (unsigned q = 1; q < 0xffff; q++) {
                bool used = false;
                for (struct session *s = m->sessions; s && !used; s = s->next)
                        used = s != n && streq_ptr(s->cfg.target_name, n->cfg.target_name) &&
                               s->cfg.isid[4] == (q >> 8) && s->cfg.isid[5] == (q & 0xff);
                if (!used) {
                        n->cfg.isid[0] = 0xc0;
                        memcpy(n->cfg.isid + 1, m->isid_base, 3);
                        n->cfg.isid[4] = (uint8_t) (q >> 8);
                        n->cfg.isid[5] = (uint8_t) q;
                        return;
                }
        }
}

int manager_login(struct manager *m, const struct node_login_req *req, struct ipc_conn *waiter,
                  struct session **ret) {
        char msg[256];
        int port = req->port > 0 ? req->port : ISCSI_DEFAULT_PORT;
        const char *iface = req->iface && *req->iface ? req->iface : "default";
        if (!req->allow_existing)
                for (struct session *s = m->sessions; s; s = s->next)
                        if (same_node(s, req->target_name, req->address, port, iface)) {
                                snprintf(msg, sizeof msg, "session exists: [iface: %s, target: %s, portal: %s,%d]",
                                         iface, req->target_name, req->address, port);
                                if (waiter)
                                        ipc_conn_reply_login(waiter, ISCSI_ERR_SESS_EXISTS, msg, s);
                                return -EEXIST;
                        }
        if (!m->transport)
                (void) manager_open_transport(m);
        if (!m->transport) {
                snprintf(msg, sizeof msg, "the kernel cannot do iSCSI over TCP: %s%s",
                         strerror(-m->transport_error),
                         m->transport_error == -EPROTONOSUPPORT ? " (no scsi_transport_iscsi)" :
                         m->transport_error == -ENOENT ? " (iscsi_tcp not loaded)" : "");
                if (waiter)
                        ipc_conn_reply_login(waiter, ISCSI_ERR_TRANS_NOT_FOUND, msg, NULL);
                return m->transport_error;
        }
        struct session *s;
        int r = session_new(m, req, &s);
        if (r < 0) {
                snprintf(msg, sizeof msg, "cannot prepare the login: %s%s", strerror(-r),
                         r == -ENOENT ? " (no initiator name: set InitiatorName in initiatorname.iscsi)" : "");
                if (waiter)
                        ipc_conn_reply_login(waiter, r == -ENOMEM ? ISCSI_ERR_NOMEM : ISCSI_ERR_INVAL, msg, NULL);
                return r;
        }
        assign_isid(m, s);
        s->token = ++m->next_token;
        s->login_waiter = waiter;
        s->next = m->sessions;
        m->sessions = s;
        log_info("Logging in to [iface: %s, target: %s, portal: %s,%d]", s->cfg.iface, s->cfg.target_name,
                 s->cfg.address, s->cfg.port);
        if (ret)
                *ret = s;
        session_start_login(s); /* may end (and free s) at once on an early failure */
        return 0;
}

int manager_logout(struct manager *m, const struct session_logout_req *req, struct ipc_conn *waiter) {
        struct session *s = NULL;
        char msg[512];
        if (req->sid >= 0)
                s = manager_find_session(m, (uint32_t) req->sid);
        else
                for (struct session *i = m->sessions; i && !s; i = i->next)
                        if (same_node(i, req->target_name, req->address, req->port, req->iface))
                                s = i;
        if (!s) {
                if (waiter)
                        ipc_conn_reply_simple(waiter, "logout", ISCSI_ERR_SESS_NOT_FOUND, "no matching session");
                return -ENOENT;
        }
        if (s->logout_waiter || s->state == SESSION_LOGGING_OUT) {
                if (waiter)
                        ipc_conn_reply_simple(waiter, "logout", ISCSI_ERR_BUSY, "a logout of this session is in progress");
                return -EBUSY;
        }
        if (!req->force && s->host_no >= 0) {
                int r = logout_guard_check(s->host_no, msg, sizeof msg);
                if (r > 0) {
                        char full[700];
                        snprintf(full, sizeof full, "session %u not logged out: %s (unmount it first, or force the logout)",
                                 s->sid, msg);
                        log_notice("%s", full);
                        if (waiter)
                                ipc_conn_reply_simple(waiter, "logout", ISCSI_ERR_BUSY, full);
                        return -EBUSY;
                }
                if (r < 0)
                        log_errno(LOG_WARNING, r, "session %u: cannot check mounts", s->sid);
        }
        s->logout_waiter = waiter;
        return session_start_logout(s);
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
                        manager_remove_session(m, s);
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
        unsigned adopted = 0;
        for (size_t i = 0; i < n; i++) {
                if (manager_find_session(m, (uint32_t) list[i]->sid))
                        continue;
                if (list[i]->transport && !streq(list[i]->transport, "tcp"))
                        continue;
                struct session *s;
                r = session_adopt(m, list[i]->sid, &s);
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
