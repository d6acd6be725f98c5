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
#include "clock.h"
#include "ipc-server.h"
#include "log.h"

/* IPC goes before kernel events and LUN jobs: a batch (--logoutall, --loginall: one connection
 * per request) is then taken in whole and its sessions' work (LUN removal threads, connects)
 * starts at once and overlaps, instead of each request waiting behind the synchronous kernel
 * teardowns of the sessions ahead of it. */
#define IPC_PRIORITY (SD_EVENT_PRIORITY_IMPORTANT - 1)
/* A client has this long to send its whole request after connecting; then it is dropped. */
#define IPC_REQUEST_TIMEOUT_DEFAULT_USEC (10 * USEC_PER_SEC)
/* Receive buffer: first size, and the free room below which it grows (doubling). */
#define IPC_BUF_INITIAL 8192
#define IPC_BUF_MIN_ROOM 4096
/* Connections taken per wake-up of the listening socket. */
#define IPC_ACCEPT_BATCH 1024
/* The 4-byte big-endian length in front of every message. */
#define IPC_LENGTH_SIZE 4

struct ipc_server {
        struct manager *manager;
        int listen_fd;
        bool from_systemd;
        char *socket_path;               /* ours to unlink; NULL with a systemd socket */
        uint64_t request_timeout_usec;
        sd_event_source *listen_io;
        struct ipc_conn *conns;
};

struct ipc_conn {
        struct ipc_server *server;
        struct ipc_conn *prev, *next;
        int fd;
        sd_event_source *io, *timer;
        uint8_t *buf;
        size_t len, cap;
        bool refused;           /* not root: the request is read, then answered with 13 */
};

static void conn_free(struct ipc_conn *c) {
        if (!c)
                return;
        if (c->prev)
                c->prev->next = c->next;
        else
                c->server->conns = c->next;
        if (c->next)
                c->next->prev = c->prev;
        sd_event_source_disable_unref(c->io);
        sd_event_source_disable_unref(c->timer);
        safe_close(c->fd);
        if (c->buf)
                explicit_bzero(c->buf, c->cap); /* may hold CHAP secrets */
        free(c->buf);
        free(c);
}

/* Send the reply (if any) and end the connection. */
static void conn_reply(struct ipc_conn *c, struct json_object *reply) {
        if (reply) {
                int r = node_ipc_send_message(c->fd, reply);
                if (r < 0)
                        log_errno(LOG_DEBUG, r, "IPC reply not delivered");
                json_object_put(reply);
        }
        conn_free(c);
}

static void conn_reply_simple(struct ipc_conn *c, const char *type, int status, const char *message) {
        conn_reply(c, node_ipc_new_response(type, status, message));
}

/* {"version", "type", "status", "message", "result": {"sid"[, "host_no"]}} */
static void conn_reply_session(struct ipc_conn *c, const char *type, const struct session_result *res,
                               bool with_host) {
        struct json_object *o = node_ipc_new_response(type, res->status, res->message);
        struct json_object *result = json_object_new_object();
        if (o && result) {
                json_object_object_add(result, "sid", json_object_new_int64(res->sid));
                if (with_host)
                        json_object_object_add(result, "host_no", json_object_new_int64(res->host_no));
                json_object_object_add(o, "result", TAKE_PTR(result));
        }
        json_object_put(result);
        conn_reply(c, o);
}

static void on_login_done(const struct session_result *res, void *userdata) {
        conn_reply_session(userdata, "login", res, true);
}

static void on_logout_done(const struct session_result *res, void *userdata) {
        conn_reply_session(userdata, "logout", res, false);
}

/* ---- requests ---- */

static int64_t request_int(struct json_object *req, const char *key, int64_t def) {
        struct json_object *v;
        if (!req || !json_object_object_get_ex(req, key, &v))
                return def;
        return json_object_get_int64(v);
}

static void handle_ping(struct ipc_conn *c, struct json_object *req) {
        conn_reply_simple(c, "ping", ISCSI_SUCCESS, "iscsid " PACKAGE_VERSION);
}

static void handle_login(struct ipc_conn *c, struct json_object *req) {
        struct node_login_req r;
        if (!req || node_login_req_from_json(req, &r) < 0) {
                conn_reply_simple(c, "login", ISCSI_ERR_INVALID_MGMT_REQ,
                                  "login request without target_name/address, or a value of the wrong type");
                return;
        }
        (void) manager_login(c->server->manager, &r, on_login_done, c);
}

static void handle_logout(struct ipc_conn *c, struct json_object *req) {
        struct session_logout_req r;
        if (!req || node_ipc_logout_req_from_json(req, &r) < 0) {
                conn_reply_simple(c, "logout", ISCSI_ERR_INVALID_MGMT_REQ,
                                  "logout request needs sid or target_name+address");
                return;
        }
        (void) manager_logout(c->server->manager, &r, on_logout_done, c);
}

static struct json_object *session_info_to_json(const struct iscsid_session_info *s) {
        struct json_object *o = json_object_new_object();
        if (!o)
                return NULL;
        json_object_object_add(o, "sid", json_object_new_int64(s->sid));
        json_object_object_add(o, "host_no", json_object_new_int64(s->host_no));
        json_object_object_add(o, "target_name", json_object_new_string(s->target_name));
        json_object_object_add(o, "address", json_object_new_string(s->address));
        json_object_object_add(o, "port", json_object_new_int64(s->port));
        json_object_object_add(o, "tpgt", json_object_new_int64(s->tpgt));
        json_object_object_add(o, "iface", json_object_new_string(s->iface));
        json_object_object_add(o, "state", json_object_new_string(s->state));
        json_object_object_add(o, "recoveries", json_object_new_int64(s->recoveries));
        return o;
}

/* Reply {"result": {key: [...]}} with the array arr (taken). */
static void conn_reply_array(struct ipc_conn *c, const char *type, const char *key, struct json_object *arr) {
        struct json_object *o = node_ipc_new_response(type, ISCSI_SUCCESS, NULL);
        struct json_object *res = json_object_new_object();
        if (!o || !res || !arr) {
                json_object_put(o);
                json_object_put(res);
                json_object_put(arr);
                conn_reply_simple(c, type, ISCSI_ERR_NOMEM, "out of memory");
                return;
        }
        json_object_object_add(res, key, arr);
        json_object_object_add(o, "result", res);
        conn_reply(c, o);
}

static void handle_list(struct ipc_conn *c, struct json_object *req) {
        _cleanup_free_ struct iscsid_session_info *infos = NULL;
        size_t n = 0;
        if (manager_list(c->server->manager, &infos, &n) < 0) {
                conn_reply_simple(c, "list", ISCSI_ERR_NOMEM, "out of memory");
                return;
        }
        struct json_object *arr = json_object_new_array();
        for (size_t i = 0; arr && i < n; i++)
                json_object_array_add(arr, session_info_to_json(&infos[i]));
        conn_reply_array(c, "list", "sessions", arr);
}

static void handle_rescan(struct ipc_conn *c, struct json_object *req) {
        if (manager_rescan(c->server->manager, (int) request_int(req, "sid", -1)) == 0)
                conn_reply_simple(c, "rescan", ISCSI_ERR_SESS_NOT_FOUND, "no matching session");
        else
                conn_reply_simple(c, "rescan", ISCSI_SUCCESS, NULL);
}

static void handle_stats(struct ipc_conn *c, struct json_object *req) {
        _cleanup_free_ struct iscsid_stat *stats = NULL;
        size_t n = 0;
        int r = manager_get_stats(c->server->manager, (int) request_int(req, "sid", -1), &stats, &n);
        if (r == -ENOENT || r == -ENXIO) {
                conn_reply_simple(c, "stats", ISCSI_ERR_SESS_NOT_FOUND, "no such session");
                return;
        }
        if (r < 0) {
                char msg[128];
                snprintf(msg, sizeof msg, "kernel GET_STATS failed: %s", strerror(-r));
                conn_reply_simple(c, "stats", ISCSI_ERR_INTERNAL, msg);
                return;
        }
        struct json_object *arr = json_object_new_array();
        for (size_t i = 0; arr && i < n; i++) {
                struct json_object *e = json_object_new_object();
                json_object_object_add(e, "name", json_object_new_string(stats[i].name));
                json_object_object_add(e, "value", json_object_new_int64((int64_t) stats[i].value));
                json_object_array_add(arr, e);
        }
        conn_reply_array(c, "stats", "stats", arr);
}

static const struct {
        const char *type;
        void (*handle)(struct ipc_conn *c, struct json_object *req);
} handlers[] = {
        { "ping", handle_ping },
        { "login", handle_login },
        { "logout", handle_logout },
        { "list", handle_list },
        { "rescan", handle_rescan },
        { "stats", handle_stats },
};

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
                conn_reply_simple(c, type ?: "error", ISCSI_ERR_INVALID_MGMT_REQ, m);
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(handlers); i++)
                if (streq(type, handlers[i].type)) {
                        handlers[i].handle(c, req);
                        return;
                }
        conn_reply_simple(c, type, ISCSI_ERR_INVALID_MGMT_REQ, "unknown request type");
}

/* ---- reading a request ---- */

/* Room for the next read(); false when the message would exceed the size limit. The last
 * step grows to the limit itself (the largest message plus its length prefix), so a request
 * of the largest allowed size fits. */
static bool conn_grow(struct ipc_conn *c) {
        const size_t limit = ISCSID_IPC_MAX_MESSAGE + IPC_LENGTH_SIZE;
        if (c->cap - c->len >= IPC_BUF_MIN_ROOM || (c->cap == limit && c->len < limit))
                return true;
        if (c->cap == limit)
                return false;
        size_t cap = MIN(c->cap ? c->cap * 2 : IPC_BUF_INITIAL, limit);
        uint8_t *b = realloc(c->buf, cap);
        if (!b)
                return false;
        c->buf = b;
        c->cap = cap;
        return true;
}

/* The whole request is in c->buf: parse it, answer a refused peer, else dispatch. */
static void conn_handle_request(struct ipc_conn *c, size_t len) {
        c->io = sd_event_source_disable_unref(c->io);
        c->timer = sd_event_source_disable_unref(c->timer);
        if (c->refused) {
                conn_reply_simple(c, "error", ISCSI_ERR_ACCESS, "iscsid accepts requests from root only");
                return;
        }
        _cleanup_free_ char *text = strndup((char *) c->buf + IPC_LENGTH_SIZE, len);
        explicit_bzero(c->buf, c->len);
        if (!text) {
                conn_free(c);
                return;
        }
        _cleanup_json_ struct json_object *msg = json_tokener_parse(text);
        explicit_bzero(text, len);
        if (!msg || !json_object_is_type(msg, json_type_object)) {
                conn_reply_simple(c, "error", ISCSI_ERR_INVALID_MGMT_REQ, "malformed JSON");
                return;
        }
        dispatch(c, msg);
}

static int on_conn_io(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        struct ipc_conn *c = userdata;
        if (!conn_grow(c)) {
                log_debug("IPC request larger than %u bytes dropped", ISCSID_IPC_MAX_MESSAGE);
                conn_free(c);
                return 0;
        }
        ssize_t n = read(fd, c->buf + c->len, c->cap - c->len);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n <= 0) {
                conn_free(c);
                return 0;
        }
        c->len += (size_t) n;
        if (c->len < IPC_LENGTH_SIZE)
                return 0;
        uint32_t be;
        memcpy(&be, c->buf, sizeof be);
        uint32_t len = ntohl(be);
        if (len == 0 || len > ISCSID_IPC_MAX_MESSAGE) {
                log_debug("IPC request of %u bytes dropped", len);
                conn_free(c);
                return 0;
        }
        if (c->len >= IPC_LENGTH_SIZE + (size_t) len)
                conn_handle_request(c, len);
        return 0;
}

static int on_conn_timeout(sd_event_source *es, uint64_t usec, void *userdata) {
        log_debug("IPC client sent no complete request in time, dropped");
        conn_free(userdata);
        return 0;
}

/* ---- accepting ---- */

static bool peer_is_root(int fd) {
        struct ucred cred;
        socklen_t len = sizeof cred;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof cred)
                return false;
        if (cred.uid != 0)
                log_notice("IPC connection from uid %u refused (root only)", (unsigned) cred.uid);
        return cred.uid == 0;
}

static void accept_one(struct ipc_server *srv, int cfd) {
        sd_event *e = srv->manager->event;
        struct ipc_conn *c = calloc(1, sizeof *c);
        if (!c) {
                close(cfd);
                return;
        }
        *c = (struct ipc_conn) { .server = srv, .fd = cfd, .next = srv->conns };
        if (srv->conns)
                srv->conns->prev = c;
        srv->conns = c;
        /* A refused peer is answered once its request is in, so it reads the refusal instead of
         * failing its write on a closed socket. */
        c->refused = !peer_is_root(cfd);
        if (sd_event_add_io(e, &c->io, cfd, EPOLLIN, on_conn_io, c) < 0 ||
            sd_event_source_set_priority(c->io, IPC_PRIORITY) < 0 ||
            sd_event_add_time_relative(e, &c->timer, CLOCK_MONOTONIC, srv->request_timeout_usec, 0,
                                       on_conn_timeout, c) < 0)
                conn_free(c);
}

static int on_accept(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        /* Every pending connection, not one per loop iteration. */
        for (unsigned i = 0; i < IPC_ACCEPT_BATCH; i++) {
                int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (cfd < 0)
                        break;
                accept_one(userdata, cfd);
        }
        return 0;
}

static int listen_systemd(struct ipc_server *s) {
        if (sd_is_socket(SD_LISTEN_FDS_START, AF_UNIX, SOCK_STREAM, 1) <= 0)
                return -ENOTSOCK;
        s->listen_fd = SD_LISTEN_FDS_START;
        s->from_systemd = true;
        (void) fcntl(s->listen_fd, F_SETFL, fcntl(s->listen_fd, F_GETFL) | O_NONBLOCK);
        return 0;
}

static int listen_path(struct ipc_server *s, const char *path) {
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
        s->socket_path = strdup(path);
        if (!s->socket_path)
                return -ENOMEM;
        s->listen_fd = TAKE_FD(fd);
        return 0;
}

int ipc_server_new(struct manager *m, const char *path, struct ipc_server **ret) {
        _cleanup_(ipc_server_freep) struct ipc_server *s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->manager = m;
        s->listen_fd = -EBADF;
        s->request_timeout_usec = IPC_REQUEST_TIMEOUT_DEFAULT_USEC;
        int n = sd_listen_fds(1);
        if (n > 1)
                return -EINVAL;
        int r = n == 1 ? listen_systemd(s) : listen_path(s, path);
        if (r < 0)
                return r;
        r = sd_event_add_io(m->event, &s->listen_io, s->listen_fd, EPOLLIN, on_accept, s);
        if (r < 0)
                return r;
        r = sd_event_source_set_priority(s->listen_io, IPC_PRIORITY);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

struct ipc_server *ipc_server_free(struct ipc_server *s) {
        if (!s)
                return NULL;
        while (s->conns)
                conn_free(s->conns);
        sd_event_source_disable_unref(s->listen_io);
        if (s->socket_path)
                (void) unlink(s->socket_path);
        safe_close(s->listen_fd);
        free(s->socket_path);
        free(s);
        return NULL;
}

void ipc_server_set_request_timeout(struct ipc_server *s, uint64_t usec) {
        s->request_timeout_usec = usec;
}

const char *ipc_server_describe(const struct ipc_server *s) {
        return s->from_systemd ? "from systemd" : s->socket_path;
}
