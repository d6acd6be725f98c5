/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iscsiadm.h"
#include "iscsi-node/paths.h"
#include "iscsi-proto/defaults.h"

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

static const struct {
        ErrnoSource source; /* ERRNO_FROM_ANY: whatever failed */
        int err;            /* positive errno */
        int code;
} errno_exit_codes[] = {
        { ERRNO_FROM_ANY, ENOMEM, ISCSI_ERR_NOMEM },
        { ERRNO_FROM_ISCSID, ENOENT, ISCSI_ERR_ISCSID_NOTCONN },       /* no socket */
        { ERRNO_FROM_ISCSID, ECONNREFUSED, ISCSI_ERR_ISCSID_NOTCONN }, /* nobody listening */
        { ERRNO_FROM_ISCSID, ETIMEDOUT, ISCSI_ERR_ISCSID_REQ_TIMEOUT },
        { ERRNO_FROM_ISCSID, EACCES, ISCSI_ERR_ACCESS },
        { ERRNO_FROM_ISCSID, 0, ISCSI_ERR_ISCSID_COMM_ERR }, /* any other: no valid reply */
        { ERRNO_FROM_DB, 0, ISCSI_ERR_IDBM },
        { ERRNO_FROM_SYSFS, 0, ISCSI_ERR_SYSFS_LOOKUP },
};

int exit_code_from_errno(ErrnoSource source, int r) {
        if (r >= 0)
                return ISCSI_SUCCESS;
        for (size_t i = 0; i < ELEMENTSOF(errno_exit_codes); i++)
                if ((errno_exit_codes[i].source == ERRNO_FROM_ANY || errno_exit_codes[i].source == source) &&
                    (errno_exit_codes[i].err == 0 || errno_exit_codes[i].err == -r))
                        return errno_exit_codes[i].code;
        return ISCSI_ERR;
}

/* "ip", "ip:port", "ip:port,tpgt", "[v6]:port,tpgt", a bare IPv6 literal, "host:port". */
int parse_portal(const char *s, Portal *ret) {
        _cleanup_free_ char *copy = strdup(s);
        char *addr, *rest = NULL, *comma;
        Portal p = { .port = ISCSI_DEFAULT_PORT, .tpgt = NODE_TPGT_ANY };

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
