/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iscsiadm.h"
#include "iscsi-node/paths.h"

int debug_level;

/* Errors and warnings flush stdout first so they land after the output they follow. */
_printf_(2, 0) static void log_va(bool flush_stdout, const char *fmt, va_list ap) {
        if (flush_stdout)
                fflush(stdout);
        fputs("iscsiadm: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
}

void log_error(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        log_va(true, fmt, ap);
        va_end(ap);
}

void log_warn(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        log_va(true, fmt, ap);
        va_end(ap);
}

void log_debug(int level, const char *fmt, ...) {
        va_list ap;
        if (level > debug_level)
                return;
        va_start(ap, fmt);
        log_va(false, fmt, ap);
        va_end(ap);
}

/* The texts open-iscsi prints for its exit codes ("initiator reported error (N - text)"). */
static const char *const err_text[] = {
        [0] = "success",
        [1] = "unknown error",
        [2] = "session not found",
        [3] = "no available memory",
        [4] = "encountered connection failure",
        [5] = "encountered iSCSI login failure",
        [6] = "encountered iSCSI database failure",
        [7] = "invalid parameter",
        [8] = "connection timed out",
        [9] = "internal error",
        [10] = "encountered iSCSI logout failure",
        [11] = "iSCSI PDU timed out",
        [12] = "iSCSI driver not found. Please make sure it is loaded, and retry the operation",
        [13] = "daemon access denied",
        [14] = "iSCSI driver does not support requested capability.",
        [15] = "session exists",
        [16] = "Unknown request",
        [17] = "iSNS service not supported",
        [18] = "could not communicate to iscsid",
        [19] = "encountered non-retryable iSCSI login failure",
        [20] = "could not connect to iscsid",
        [21] = "no objects found",
        [22] = "sysfs lookup failure",
        [23] = "host not found",
        [24] = "iSCSI login failed due to authorization failure",
        [25] = "iSNS query failed",
        [26] = "iSNS registration failed",
        [27] = "operation not supported",
        [28] = "device or resource in use",
        [29] = "operation failed but retry may succeed",
        [30] = "unknown discovery type",
        [31] = "child process terminated",
        [32] = "target likely not connected",
        [33] = "iscsid request timed out",
};

const char *iscsi_err_text(int code) {
        if (code < 0 || (size_t) code >= ELEMENTSOF(err_text))
                return "unknown error";
        return err_text[code];
}

int errno_to_exit(int r) {
        switch (r) {
        case 0:
                return ISCSI_SUCCESS;
        case -ENOMEM:
                return ISCSI_ERR_NOMEM;
        case -EINVAL:
                return ISCSI_ERR_INVAL;
        case -ENOENT:
                return ISCSI_ERR_NO_OBJS_FOUND;
        case -EACCES:
        case -EPERM:
                return ISCSI_ERR_ACCESS;
        case -ETIMEDOUT:
                return ISCSI_ERR_TRANS_TIMEOUT;
        case -ECONNREFUSED:
        case -EHOSTUNREACH:
        case -ENETUNREACH:
        case -ECONNRESET:
        case -EPIPE:
                return ISCSI_ERR_TRANS;
        case -EOPNOTSUPP:
                return ISCSI_ERR_OP_NOT_SUPP;
        default:
                return ISCSI_ERR;
        }
}

/* "ip", "ip:port", "ip:port,tpgt", "[v6]:port,tpgt", a bare IPv6 literal, "host:port". */
int parse_portal(const char *s, Portal *ret) {
        _cleanup_free_ char *copy = strdup(s);
        char *addr, *rest = NULL, *comma;
        Portal p = { .port = 3260, .tpgt = NODE_TPGT_ANY };

        if (!copy)
                return -ENOMEM;
        comma = strrchr(copy, ',');
        if (comma && !strchr(comma, ']')) {
                char *end;
                long t;
                *comma = 0;
                errno = 0;
                t = strtol(comma + 1, &end, 10);
                if (errno || end == comma + 1 || *end || t < -1 || t > 65535)
                        return -EINVAL;
                p.tpgt = (int) t;
        }
        if (copy[0] == '[') {
                char *close = strchr(copy, ']');
                if (!close)
                        return -EINVAL;
                *close = 0;
                addr = copy + 1;
                if (close[1] == ':')
                        rest = close + 2;
                else if (close[1])
                        return -EINVAL;
        } else {
                char *colon = strchr(copy, ':');
                addr = copy;
                /* more than one colon without brackets: a bare IPv6 literal */
                if (colon && !strchr(colon + 1, ':')) {
                        *colon = 0;
                        rest = colon + 1;
                }
        }
        if (!*addr)
                return -EINVAL;
        if (rest) {
                char *end;
                long port;
                errno = 0;
                port = strtol(rest, &end, 10);
                if (errno || end == rest || *end || port <= 0 || port > 65535)
                        return -EINVAL;
                p.port = (int) port;
                p.port_given = true;
        }
        p.address = strdup(addr);
        if (!p.address)
                return -ENOMEM;
        *ret = p;
        return 0;
}

static void conf_warn(void *userdata, const char *file, unsigned line, ConfProblem p, const char *key,
                      const char *value) {
        switch (p) {
        case CONF_MALFORMED:
                log_warn("%s:%u: malformed line '%s' (expected 'key = value'), skipped", file, line, key);
                break;
        case CONF_UNKNOWN_KEY:
                log_warn("%s:%u: unknown key '%s', ignored", file, line, key);
                break;
        case CONF_BAD_VALUE:
                log_warn("%s:%u: invalid value '%s' for '%s', skipped", file, line, value, key);
                break;
        }
}

IscsidConf *ctx_conf(Context *c) {
        if (!c->conf) {
                _cleanup_free_ char *path = node_path_config("iscsid.conf");
                int r;

                if (!path)
                        return NULL;
                r = node_iscsid_conf_load(path, conf_warn, NULL, &c->conf);
                if (r < 0) {
                        log_error("Could not read %s: %s", path, strerror(-r));
                        if (node_iscsid_conf_new(&c->conf) < 0)
                                return NULL;
                }
        }
        return c->conf;
}

int ctx_lock(Context *c) {
        int r = node_db_lock(c->db);
        if (r < 0) {
                log_error("Could not lock the node database: %s", strerror(-r));
                return ISCSI_ERR_IDBM;
        }
        return 0;
}
