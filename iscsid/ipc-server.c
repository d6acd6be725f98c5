/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon side of the IPC protocol (iscsid/IPC.md): accept, check the peer, dispatch. */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>

#include "build-config.h"
#include "log.h"
#include "manager.h"

struct ipc_conn {
        struct manager *manager;
        int fd;
        sd_event_source *io;
        uint8_t *buf;
        size_t len, cap;
        bool refused;           /* not root: the request is read, then answered with 13 */
};

static void conn_free(struct ipc_conn *c) {
        if (!c)
                return;
        sd_event_source_disable_unref(c->io);
        safe_close(c->fd);
        free(c->buf);
        free(c);
}

void ipc_conn_reply(struct ipc_conn *c, struct json_object *reply) {
        if (!c) {
                json_object_put(reply);
                return;
        }
        if (reply) {
                int r = node_ipc_send_message(c->fd, reply);
                if (r < 0)
                        log_errno(LOG_DEBUG, r, "IPC reply not delivered");
                json_object_put(reply);
        }
        conn_free(c);
}

void ipc_conn_reply_simple(struct ipc_conn *c, const char *type, int status, const char *message) {
        ipc_conn_reply(c, node_ipc_new_response(type, status, message));
}

void ipc_conn_reply_login(struct ipc_conn *c, int status, const char *message, const struct session *s) {
        struct json_object *o = node_ipc_new_response("login", status, message);
        if (o) {
                struct json_object *res = json_object_new_object();
                json_object_object_add(res, "sid", json_object_new_int64(s && s->kernel_session ? (int64_t) s->sid : -1));
                json_object_object_add(res, "host_no", json_object_new_int64(s ? s->host_no : -1));
                json_object_object_add(o, "result", res);
        }
        ipc_conn_reply(c, o);
}

static struct json_object *session_to_json(const struct session *s) {
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "sid", json_object_new_int64(s->kernel_session ? (int64_t) s->sid : -1));
        json_object_object_add(o, "host_no", json_object_new_int64(s->host_no));
        json_object_object_add(o, "target_name", json_object_new_string(s->cfg.target_name));
        json_object_object_add(o, "address", json_object_new_string(s->cfg.address));
        json_object_object_add(o, "port", json_object_new_int64(s->cfg.port));
        json_object_object_add(o, "tpgt", json_object_new_int64(s->params.tpgt >= 0 ? s->params.tpgt : s->cfg.tpgt));
        json_object_object_add(o, "iface", json_object_new_string(s->cfg.iface));
        json_object_object_add(o, "state", json_object_new_string(session_state_to_string(s->state)));
        json_object_object_add(o, "recoveries", json_object_new_int64(s->recoveries));
        return o;
}

static void handle_list(struct ipc_conn *c) {
        struct json_object *o = node_ipc_new_response("list", ISCSI_SUCCESS, NULL);
        struct json_object *res = json_object_new_object(), *arr = json_object_new_array();
        for (struct session *s = c->manager->sessions; s; s = s->next)
                if (s->state != SESSION_DEAD)
                        json_object_array_add(arr, session_to_json(s));
        json_object_object_add(res, "sessions", arr);
        json_object_object_add(o, "result", res);
        ipc_conn_reply(c, o);
}

static int64_t request_int(struct json_object *req, const char *key, int64_t def) {
        struct json_object *v;
        if (!req || !json_object_object_get_ex(req, key, &v))
                return def;
        return json_object_get_int64(v);
}

static void handle_rescan(struct ipc_conn *c, struct json_object *req) {
        struct manager *m = c->manager;
        int64_t sid = request_int(req, "sid", -1);
        unsigned n = 0;
        for (struct session *s = m->sessions; s; s = s->next) {
                if (!s->kernel_session || s->host_no < 0 || (sid >= 0 && s->sid != (uint32_t) sid))
                        continue;
                if (host_job_async(s->host_no, HOST_JOB_SCAN, s->token, m->scan_pipe[1]) >= 0)
                        n++;
        }
        if (n == 0)
                ipc_conn_reply_simple(c, "rescan", ISCSI_ERR_SESS_NOT_FOUND, "no matching session");
        else
                ipc_conn_reply_simple(c, "rescan", ISCSI_SUCCESS, NULL);
}

static void handle_stats(struct ipc_conn *c, struct json_object *req) {
        struct manager *m = c->manager;
        int64_t sid = request_int(req, "sid", -1);
        struct session *s = sid >= 0 ? manager_find_session(m, (uint32_t) sid) : NULL;
        if (!s || !m->transport) {
                ipc_conn_reply_simple(c, "stats", ISCSI_ERR_SESS_NOT_FOUND, "no such session");
                return;
        }
        struct iscsid_stat *st = NULL;
        size_t n = 0;
        int r = m->transport->ops->get_stats(m->transport, s->sid, s->cid, &st, &n);
        if (r < 0) {
                char msg[128];
                snprintf(msg, sizeof msg, "kernel GET_STATS failed: %s", strerror(-r));
                ipc_conn_reply_simple(c, "stats", ISCSI_ERR_INTERNAL, msg);
                return;
        }
        struct json_object *o = node_ipc_new_response("stats", ISCSI_SUCCESS, NULL);
        struct json_object *res = json_object_new_object(), *arr = json_object_new_array();
        for (size_t i = 0; i < n; i++) {
                struct json_object *e = json_object_new_object();
                json_object_object_add(e, "name", json_object_new_string(st[i].name));
                json_object_object_add(e, "value", json_object_new_int64((int64_t) st[i].value));
                json_object_array_add(arr, e);
        }
        free(st);
        json_object_object_add(res, "stats", arr);
        json_object_object_add(o, "result", res);
        ipc_conn_reply(c, o);
}

static void dispatch(struct ipc_conn *c, struct json_object *msg) {
        struct json_object *v, *req = NULL;
        const char *type = NULL;
        if (json_object_object_get_ex(msg, "type", &v))
                type = json_object_get_string(v);
        int64_t version = request_int(msg, "version", -1);
        json_object_object_get_ex(msg, "request", &req);
        if (version != ISCSID_IPC_VERSION || !type) {
                char m[96];
                snprintf(m, sizeof m, "unsupported IPC version %lld (daemon speaks %d)", (long long) version,
                         ISCSID_IPC_VERSION);
                ipc_conn_reply_simple(c, type ?: "error", ISCSI_ERR_INVALID_MGMT_REQ, m);
                return;
        }
        if (streq(type, "ping")) {
                ipc_conn_reply_simple(c, "ping", ISCSI_SUCCESS, "iscsid " PACKAGE_VERSION);
        } else if (streq(type, "login")) {
                struct node_login_req r;
                if (!req || node_login_req_from_json(req, &r) < 0) {
                        ipc_conn_reply_simple(c, "login", ISCSI_ERR_INVALID_MGMT_REQ,
                                              "login request without target_name/address");
                        return;
                }
                (void) manager_login(c->manager, &r, c, NULL);
        } else if (streq(type, "logout")) {
                struct session_logout_req r;
                if (!req || node_ipc_logout_req_from_json(req, &r) < 0) {
                        ipc_conn_reply_simple(c, "logout", ISCSI_ERR_INVALID_MGMT_REQ,
                                              "logout request needs sid or target_name+address");
                        return;
                }
                (void) manager_logout(c->manager, &r, c);
        } else if (streq(type, "list"))
                handle_list(c);
        else if (streq(type, "rescan"))
                handle_rescan(c, req);
        else if (streq(type, "stats"))
                handle_stats(c, req);
        else
                ipc_conn_reply_simple(c, type, ISCSI_ERR_INVALID_MGMT_REQ, "unknown request type");
}

static int on_conn_io(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        struct ipc_conn *c = userdata;
        if (c->cap - c->len < 4096) {
                size_t cap = c->cap ? c->cap * 2 : 8192;
                if (cap > ISCSID_IPC_MAX_MESSAGE + 4) {
                        conn_free(c);
                        return 0;
                }
                uint8_t *b = realloc(c->buf, cap);
                if (!b) {
                        conn_free(c);
                        return 0;
                }
                c->buf = b;
                c->cap = cap;
        }
        ssize_t n = read(fd, c->buf + c->len, c->cap - c->len);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n <= 0) {
                conn_free(c);
                return 0;
        }
        c->len += (size_t) n;
        if (c->len < 4)
                return 0;
        uint32_t len = ntohl(*(uint32_t *) c->buf);
        if (len == 0 || len > ISCSID_IPC_MAX_MESSAGE) {
                conn_free(c);
                return 0;
        }
        if (c->len < 4 + (size_t) len)
                return 0;
        _cleanup_free_ char *text = strndup((char *) c->buf + 4, len);
        explicit_bzero(c->buf, c->len); /* may hold CHAP secrets */
        c->io = sd_event_source_disable_unref(c->io);
        if (!text) {
                conn_free(c);
                return 0;
        }
        if (c->refused) {
                explicit_bzero(text, len);
                ipc_conn_reply_simple(c, "error", ISCSI_ERR_ACCESS, "iscsid accepts requests from root only");
                return 0;
        }
        _cleanup_json_ struct json_object *msg = json_tokener_parse(text);
        explicit_bzero(text, len);
        if (!msg || !json_object_is_type(msg, json_type_object)) {
                ipc_conn_reply_simple(c, "error", ISCSI_ERR_INVALID_MGMT_REQ, "malformed JSON");
                return 0;
        }
        dispatch(c, msg);
        return 0;
}

/* IPC goes before kernel events and LUN jobs: a batch (--logoutall, --loginall: one connection
 * per request) is then taken in whole and its sessions' work (LUN removal threads, connects)
 * starts at once and overlaps, instead of each request waiting behind the synchronous kernel
 * teardowns of the sessions ahead of it. */
#define IPC_PRIORITY (SD_EVENT_PRIORITY_IMPORTANT - 1)

static void accept_one(struct manager *m, int cfd) {
        struct ipc_conn *c = calloc(1, sizeof *c);
        if (!c) {
                close(cfd);
                return;
        }
        c->manager = m;
        c->fd = cfd;
        struct ucred cred;
        socklen_t len = sizeof cred;
        if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0) {
                /* Answer once the request is in, so the client reads the refusal instead of
                 * failing its write on a closed socket. */
                log_notice("IPC connection from uid %d refused (root only)", len == sizeof cred ? (int) cred.uid : -1);
                c->refused = true;
        }
        if (sd_event_add_io(m->event, &c->io, cfd, EPOLLIN, on_conn_io, c) < 0 ||
            sd_event_source_set_priority(c->io, IPC_PRIORITY) < 0)
                conn_free(c);
}

static int on_accept(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        struct manager *m = userdata;
        /* Every pending connection, not one per loop iteration. */
        for (unsigned i = 0; i < 1024; i++) {
                int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (cfd < 0)
                        break;
                accept_one(m, cfd);
        }
        return 0;
}

int manager_listen(struct manager *m, const char *path) {
        int n = sd_listen_fds(1);
        if (n > 1)
                return -EINVAL;
        if (n == 1) {
                if (sd_is_socket(SD_LISTEN_FDS_START, AF_UNIX, SOCK_STREAM, 1) <= 0)
                        return -ENOTSOCK;
                m->listen_fd = SD_LISTEN_FDS_START;
                m->listen_fd_from_systemd = true;
                (void) fcntl(m->listen_fd, F_SETFL, fcntl(m->listen_fd, F_GETFL) | O_NONBLOCK);
        } else {
                struct sockaddr_un sa = { .sun_family = AF_UNIX };
                if (strlen(path) >= sizeof sa.sun_path)
                        return -ENAMETOOLONG;
                strcpy(sa.sun_path, path);
                _cleanup_free_ char *dir = strdup(path);
                if (!dir)
                        return -ENOMEM;
                (void) mkdir(dirname(dir), 0755);
                _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                if (fd < 0)
                        return -errno;
                (void) unlink(path);
                if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0)
                        return -errno;
                (void) chmod(path, 0600);
                if (listen(fd, SOMAXCONN) < 0)
                        return -errno;
                m->socket_path = strdup(path);
                if (!m->socket_path)
                        return -ENOMEM;
                m->listen_fd = TAKE_FD(fd);
        }
        int r = sd_event_add_io(m->event, &m->ipc_listen, m->listen_fd, EPOLLIN, on_accept, m);
        if (r < 0)
                return r;
        return sd_event_source_set_priority(m->ipc_listen, IPC_PRIORITY);
}
