/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* iscsiadm <-> iscsid IPC: length-prefixed JSON messages over AF_UNIX (see iscsid/IPC.md). */

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "build-config.h"
#include "iscsi-node/ipc.h"
#include "iscsi-util/macro.h"
#include "iscsi-util/send-all.h"
#include "iscsi-proto/defaults.h"


const char *node_iscsid_socket_path(void) {
        const char *e = getenv(ISCSID_SOCKET_ENV);
        if (e && *e)
                return e;
        return ISCSI_RUN_DIR "/" ISCSID_SOCKET_NAME;
}

/* How long a message read or write may stall on a non-blocking socket. */
#define IPC_IO_TIMEOUT_MS 5000

static int read_all(int fd, void *buf, size_t len) {
        uint8_t *p = buf;
        size_t got = 0;
        while (got < len) {
                ssize_t n = read(fd, p + got, len - got);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN) {
                                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                                if (poll(&pfd, 1, IPC_IO_TIMEOUT_MS) <= 0)
                                        return -ETIMEDOUT;
                                continue;
                        }
                        return -errno;
                }
                if (n == 0)
                        return got == 0 ? -ENODATA : -EPIPE;
                got += (size_t) n;
        }
        return 0;
}

int node_ipc_send_message(int fd, struct json_object *msg) {
        size_t len;
        const char *s = json_object_to_json_string_length(msg, JSON_C_TO_STRING_PLAIN, &len);
        if (!s)
                return -ENOMEM;
        if (len > ISCSID_IPC_MAX_MESSAGE)
                return -EMSGSIZE;
        uint32_t be = htonl((uint32_t) len);
        int r = util_send_all(fd, &be, sizeof be, IPC_IO_TIMEOUT_MS);
        if (r < 0)
                return r;
        return util_send_all(fd, s, len, IPC_IO_TIMEOUT_MS);
}

/* One message body: exactly one JSON object in strict syntax (json-c's default mode takes
 * forms such as 0043 or 1E, which then read back as another value). */
static struct json_object *parse_message(const char *buf, size_t len) {
        struct json_tokener *tok = json_tokener_new();
        struct json_object *obj;

        if (!tok)
                return NULL;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        obj = json_tokener_parse_ex(tok, buf, (int) len);
        if (obj && (json_tokener_get_error(tok) != json_tokener_success ||
                    json_tokener_get_parse_end(tok) != len || !json_object_is_type(obj, json_type_object))) {
                json_object_put(obj);
                obj = NULL;
        }
        json_tokener_free(tok);
        return obj;
}

int node_ipc_recv_message(int fd, struct json_object **ret) {
        uint32_t be;
        int r = read_all(fd, &be, sizeof be);
        if (r < 0)
                return r;
        uint32_t len = ntohl(be);
        if (len == 0 || len > ISCSID_IPC_MAX_MESSAGE)
                return -EBADMSG;
        _cleanup_free_ char *buf = malloc(len + 1);
        if (!buf)
                return -ENOMEM;
        r = read_all(fd, buf, len);
        if (r < 0)
                return r == -ENODATA ? -EPIPE : r;
        buf[len] = 0;
        struct json_object *obj = parse_message(buf, len);
        if (!obj)
                return -EBADMSG;
        *ret = obj;
        return 0;
}

/* ---- field helpers ---- */

static void add_str(struct json_object *o, const char *key, const char *v) {
        if (v)
                json_object_object_add(o, key, json_object_new_string(v));
}

static void add_int(struct json_object *o, const char *key, int64_t v) {
        json_object_object_add(o, key, json_object_new_int64(v));
}

static const char *get_str(struct json_object *o, const char *key) {
        struct json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

static int64_t get_int(struct json_object *o, const char *key, int64_t def) {
        struct json_object *v;
        if (!json_object_object_get_ex(o, key, &v))
                return def;
        if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_boolean))
                return def;
        return json_object_get_int64(v);
}

static bool get_bool(struct json_object *o, const char *key) {
        struct json_object *v;
        if (!json_object_object_get_ex(o, key, &v))
                return false;
        return json_object_get_boolean(v);
}

static void copy_str(char *dst, size_t size, const char *src) {
        snprintf(dst, size, "%s", src ?: "");
}

struct json_object *node_ipc_logout_req_to_json(const struct session_logout_req *req) {
        struct json_object *o = json_object_new_object();
        if (!o)
                return NULL;
        add_int(o, "sid", req->sid);
        add_str(o, "target_name", req->target_name);
        add_str(o, "address", req->address);
        add_int(o, "port", req->port);
        add_str(o, "iface", req->iface);
        json_object_object_add(o, "force", json_object_new_boolean(req->force));
        return o;
}

int node_ipc_logout_req_from_json(struct json_object *o, struct session_logout_req *ret) {
        struct session_logout_req r = {
                .sid = (int) get_int(o, "sid", -1),
                .target_name = get_str(o, "target_name"),
                .address = get_str(o, "address"),
                .port = (int) get_int(o, "port", ISCSI_DEFAULT_PORT),
                .iface = get_str(o, "iface"),
                .force = get_bool(o, "force"),
        };
        if (r.sid < 0 && (!r.target_name || !r.address))
                return -EINVAL;
        *ret = r;
        return 0;
}

struct json_object *node_ipc_new_response(const char *type, int status, const char *message) {
        struct json_object *o = json_object_new_object();
        if (!o)
                return NULL;
        add_int(o, "version", ISCSID_IPC_VERSION);
        add_str(o, "type", type);
        add_int(o, "status", status);
        add_str(o, "message", message ?: "");
        return o;
}

/* ---- client ---- */

static int client_connect(int *ret_fd) {
        const char *path = node_iscsid_socket_path();
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (strlen(path) >= sizeof sa.sun_path)
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &sa, sizeof sa) < 0)
                return -errno;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* Send {"version","type","request"}; wait for the reply (logins may take long: no timeout on
 * the daemon's side of the work, the daemon enforces login timeouts itself). */
static int client_call(const char *type, struct json_object *request, struct json_object **ret) {
        _cleanup_json_ struct json_object *msg = json_object_new_object();
        if (!msg) {
                json_object_put(request);
                return -ENOMEM;
        }
        add_int(msg, "version", ISCSID_IPC_VERSION);
        add_str(msg, "type", type);
        if (request)
                json_object_object_add(msg, "request", request);

        _cleanup_close_ int fd = -EBADF;
        int r = client_connect(&fd);
        if (r < 0)
                return r;
        r = node_ipc_send_message(fd, msg);
        if (r < 0)
                return r;

        /* The reply arrives when the work is done; block without a poll timeout. */
        uint32_t be;
        size_t got = 0;
        while (got < sizeof be) {
                ssize_t n = read(fd, (uint8_t *) &be + got, sizeof be - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -EPIPE;
                got += (size_t) n;
        }
        uint32_t len = ntohl(be);
        if (len == 0 || len > ISCSID_IPC_MAX_MESSAGE)
                return -EBADMSG;
        _cleanup_free_ char *buf = malloc(len + 1);
        if (!buf)
                return -ENOMEM;
        r = read_all(fd, buf, len);
        if (r < 0)
                return r == -ENODATA ? -EPIPE : r;
        buf[len] = 0;
        struct json_object *reply = parse_message(buf, len);
        if (!reply)
                return -EBADMSG;
        if (get_int(reply, "version", -1) != ISCSID_IPC_VERSION) {
                json_object_put(reply);
                return -EPROTO;
        }
        *ret = reply;
        return 0;
}

static void fill_status(struct json_object *reply, int *status, char *message, size_t size) {
        *status = (int) get_int(reply, "status", ISCSI_ERR_ISCSID_COMM_ERR);
        copy_str(message, size, get_str(reply, "message"));
}

static struct json_object *get_result(struct json_object *reply) {
        struct json_object *v;
        if (!json_object_object_get_ex(reply, "result", &v) || !json_object_is_type(v, json_type_object))
                return NULL;
        return v;
}

/* The reply's result.KEY array, with one zeroed ELEM_SIZE item per entry for the caller to fill
 * (*ret_items stays NULL when the array is absent or empty). Returns the count or -ENOMEM. */
static ssize_t get_result_array(struct json_object *reply, const char *key, size_t elem_size,
                                struct json_object **ret_arr, void **ret_items) {
        struct json_object *result = get_result(reply), *arr = NULL;
        void *items = NULL;
        size_t n = 0;
        if (result && json_object_object_get_ex(result, key, &arr) &&
            json_object_is_type(arr, json_type_array))
                n = json_object_array_length(arr);
        if (n > 0 && !(items = calloc(n, elem_size)))
                return -ENOMEM;
        *ret_arr = arr;
        *ret_items = items;
        return (ssize_t) n;
}

int node_iscsid_client_login(const struct node_login_req *req, struct login_result *ret) {
        struct json_object *o = node_login_req_to_json(req);
        if (!o)
                return -ENOMEM;
        _cleanup_json_ struct json_object *reply = NULL;
        int r = client_call("login", o, &reply);
        if (r < 0)
                return r;
        struct login_result res = { .sid = -1, .host_no = -1 };
        fill_status(reply, &res.status, res.message, sizeof res.message);
        struct json_object *result = get_result(reply);
        if (result) {
                res.sid = (int) get_int(result, "sid", -1);
                res.host_no = (int) get_int(result, "host_no", -1);
        }
        *ret = res;
        return 0;
}

int node_iscsid_client_logout(const struct session_logout_req *req, struct logout_result *ret) {
        struct json_object *o = node_ipc_logout_req_to_json(req);
        if (!o)
                return -ENOMEM;
        _cleanup_json_ struct json_object *reply = NULL;
        int r = client_call("logout", o, &reply);
        if (r < 0)
                return r;
        struct logout_result res = { .sid = -1 };
        fill_status(reply, &res.status, res.message, sizeof res.message);
        struct json_object *result = get_result(reply);
        if (result)
                res.sid = (int) get_int(result, "sid", -1);
        *ret = res;
        return 0;
}

int node_iscsid_client_list(struct iscsid_list_result *ret) {
        _cleanup_json_ struct json_object *reply = NULL;
        int r = client_call("list", NULL, &reply);
        if (r < 0)
                return r;
        struct iscsid_list_result res = {};
        fill_status(reply, &res.status, res.message, sizeof res.message);
        struct json_object *arr;
        void *items;
        ssize_t n = get_result_array(reply, "sessions", sizeof *res.sessions, &arr, &items);
        if (n < 0)
                return (int) n;
        res.sessions = items;
        for (ssize_t i = 0; i < n; i++) {
                struct json_object *s = json_object_array_get_idx(arr, i);
                struct iscsid_session_info *info = &res.sessions[i];
                info->sid = (int) get_int(s, "sid", -1);
                info->host_no = (int) get_int(s, "host_no", -1);
                copy_str(info->target_name, sizeof info->target_name, get_str(s, "target_name"));
                copy_str(info->address, sizeof info->address, get_str(s, "address"));
                info->port = (int) get_int(s, "port", ISCSI_DEFAULT_PORT);
                info->tpgt = (int) get_int(s, "tpgt", -1);
                copy_str(info->iface, sizeof info->iface, get_str(s, "iface"));
                copy_str(info->state, sizeof info->state, get_str(s, "state"));
                info->recoveries = (unsigned) get_int(s, "recoveries", 0);
        }
        res.n_sessions = (size_t) n;
        *ret = res;
        return 0;
}

static int simple_call(const char *type, struct json_object *request, struct iscsid_simple_result *ret) {
        _cleanup_json_ struct json_object *reply = NULL;
        int r = client_call(type, request, &reply);
        if (r < 0)
                return r;
        struct iscsid_simple_result res = {};
        fill_status(reply, &res.status, res.message, sizeof res.message);
        *ret = res;
        return 0;
}

int node_iscsid_client_rescan(int sid, struct iscsid_simple_result *ret) {
        struct json_object *o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        add_int(o, "sid", sid);
        return simple_call("rescan", o, ret);
}

int node_iscsid_client_ping(struct iscsid_simple_result *ret) {
        return simple_call("ping", NULL, ret);
}

int node_iscsid_client_stats(int sid, struct iscsid_stats_result *ret) {
        struct json_object *o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        add_int(o, "sid", sid);
        _cleanup_json_ struct json_object *reply = NULL;
        int r = client_call("stats", o, &reply);
        if (r < 0)
                return r;
        struct iscsid_stats_result res = {};
        fill_status(reply, &res.status, res.message, sizeof res.message);
        struct json_object *arr;
        void *items;
        ssize_t n = get_result_array(reply, "stats", sizeof *res.stats, &arr, &items);
        if (n < 0)
                return (int) n;
        res.stats = items;
        for (ssize_t i = 0; i < n; i++) {
                struct json_object *s = json_object_array_get_idx(arr, i);
                copy_str(res.stats[i].name, sizeof res.stats[i].name, get_str(s, "name"));
                res.stats[i].value = (uint64_t) get_int(s, "value", 0);
        }
        res.n_stats = (size_t) n;
        *ret = res;
        return 0;
}

/* ---- batches ---- */

/* Connections open at once in a batch (stays well below the usual 1024 descriptors). */
#define BATCH_MAX 256

static int batch_send(const char *type, struct json_object *request, int *ret_fd) {
        _cleanup_json_ struct json_object *msg = json_object_new_object();
        if (!msg) {
                json_object_put(request);
                return -ENOMEM;
        }
        add_int(msg, "version", ISCSID_IPC_VERSION);
        add_str(msg, "type", type);
        json_object_object_add(msg, "request", request);
        _cleanup_close_ int fd = -EBADF;
        int r = client_connect(&fd);
        if (r < 0)
                return r;
        r = node_ipc_send_message(fd, msg);
        if (r < 0)
                return r;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* Wait for every fds[i] >= 0 to deliver one reply; replies[i] stays NULL when none came. */
static void batch_collect(int *fds, size_t n, struct json_object **replies) {
        struct pollfd *p = calloc(n, sizeof *p);
        if (!p)
                return;
        size_t pending = 0;
        for (size_t i = 0; i < n; i++) {
                p[i] = (struct pollfd) { .fd = fds[i], .events = POLLIN };
                if (fds[i] >= 0)
                        pending++;
        }
        while (pending > 0) {
                int r = poll(p, n, -1);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        break;
                for (size_t i = 0; i < n; i++) {
                        if (p[i].fd < 0 || !p[i].revents)
                                continue;
                        struct json_object *reply = NULL;
                        if (node_ipc_recv_message(p[i].fd, &reply) == 0 &&
                            get_int(reply, "version", -1) == ISCSID_IPC_VERSION)
                                replies[i] = reply;
                        else
                                json_object_put(reply);
                        safe_close(p[i].fd);
                        fds[i] = p[i].fd = -1;
                        pending--;
                }
        }
        free(p);
}

static int batch_run(const char *type, struct json_object **requests, size_t n, struct json_object **replies,
                     int *connect_errors) {
        _cleanup_free_ int *fds = calloc(n ?: 1, sizeof *fds);
        if (!fds) {
                for (size_t i = 0; i < n; i++)
                        json_object_put(requests[i]);
                return -ENOMEM;
        }
        size_t sent = 0;
        int first_error = 0;
        for (size_t i = 0; i < n; i++) {
                fds[i] = -1;
                int r = requests[i] ? batch_send(type, requests[i], &fds[i]) : -ENOMEM;
                requests[i] = NULL;
                if (r < 0) {
                        connect_errors[i] = r;
                        if (!first_error)
                                first_error = r;
                } else
                        sent++;
        }
        if (sent == 0 && n > 0)
                return first_error;
        batch_collect(fds, n, replies);
        return 0;
}

/* One request type of the batch client: how request i becomes JSON, and how its reply (NULL when
 * none came; connect_error < 0 when its connection failed) fills result i. */
struct batch_ops {
        const char *type;
        struct json_object *(*encode)(const void *reqs, size_t i);
        void (*decode)(void *results, size_t i, struct json_object *reply, int connect_error);
};

static int batch_chunk(const struct batch_ops *ops, const void *reqs, size_t n, void *results) {
        _cleanup_free_ struct json_object **req = calloc(n ?: 1, sizeof *req);
        _cleanup_free_ struct json_object **rep = calloc(n ?: 1, sizeof *rep);
        _cleanup_free_ int *cerr = calloc(n ?: 1, sizeof *cerr);
        if (!req || !rep || !cerr)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                req[i] = ops->encode(reqs, i);
        int r = batch_run(ops->type, req, n, rep, cerr);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                ops->decode(results, i, rep[i], cerr[i]);
                if (rep[i])
                        json_object_put(rep[i]);
        }
        return 0;
}

/* Requests and results are arrays (req_size / result_size bytes each), sent BATCH_MAX at a time. */
static int batch_many(const struct batch_ops *ops, const void *reqs, size_t req_size,
                      void *results, size_t result_size, size_t n) {
        for (size_t off = 0; off < n; off += BATCH_MAX) {
                int r = batch_chunk(ops, (const char *) reqs + off * req_size, MIN(n - off, (size_t) BATCH_MAX),
                                    (char *) results + off * result_size);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The status of a reply, or why there is none. */
static void batch_status(struct json_object *reply, int connect_error, int *status, char *message, size_t size) {
        if (reply)
                fill_status(reply, status, message, size);
        else
                *status = connect_error ? ISCSI_ERR_ISCSID_NOTCONN : ISCSI_ERR_ISCSID_COMM_ERR;
}

static struct json_object *login_encode(const void *reqs, size_t i) {
        return node_login_req_to_json(&((const struct node_login_req *) reqs)[i]);
}

static void login_decode(void *results, size_t i, struct json_object *reply, int connect_error) {
        struct login_result res = { .sid = -1, .host_no = -1 };
        batch_status(reply, connect_error, &res.status, res.message, sizeof res.message);
        struct json_object *result = reply ? get_result(reply) : NULL;
        if (result) {
                res.sid = (int) get_int(result, "sid", -1);
                res.host_no = (int) get_int(result, "host_no", -1);
        }
        ((struct login_result *) results)[i] = res;
}

static struct json_object *logout_encode(const void *reqs, size_t i) {
        return node_ipc_logout_req_to_json(&((const struct session_logout_req *) reqs)[i]);
}

static void logout_decode(void *results, size_t i, struct json_object *reply, int connect_error) {
        struct logout_result res = { .sid = -1 };
        batch_status(reply, connect_error, &res.status, res.message, sizeof res.message);
        struct json_object *result = reply ? get_result(reply) : NULL;
        if (result)
                res.sid = (int) get_int(result, "sid", -1);
        ((struct logout_result *) results)[i] = res;
}

int node_iscsid_client_login_many(const struct node_login_req *reqs, size_t n, struct login_result *results) {
        static const struct batch_ops ops = { "login", login_encode, login_decode };
        return batch_many(&ops, reqs, sizeof *reqs, results, sizeof *results, n);
}

int node_iscsid_client_logout_many(const struct session_logout_req *reqs, size_t n, struct logout_result *results) {
        static const struct batch_ops ops = { "logout", logout_encode, logout_decode };
        return batch_many(&ops, reqs, sizeof *reqs, results, sizeof *results, n);
}
