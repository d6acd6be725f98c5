/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A session's configuration: the deep copy of a login request with open-iscsi's defaults, the
 * state file that lets a restarted daemon recover a session with its credentials, and adopting
 * kernel sessions found in sysfs at start.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build-config.h"
#include "log.h"
#include "manager.h"
#include "iscsi-node/sysfs-session.h"
#include "iscsi-proto/defaults.h"

static char *dup_or_null(const char *s) {
        return s && *s ? strdup(s) : NULL;
}

static int pick(int v, int def) {
        return v >= 0 ? v : def;
}

static int read_initiator_name(char **ret) {
        const char *path = getenv("ISCSI_INITIATORNAME_FILE");
        char buf[512];
        snprintf(buf, sizeof buf, "%s/initiatorname.iscsi", ISCSI_CONFIG_DIR);
        _cleanup_fclose_ FILE *f = fopen(path ?: buf, "re");
        if (!f)
                return -errno;
        char line[512];
        while (fgets(line, sizeof line, f)) {
                char *p = line;
                while (*p == ' ' || *p == '\t')
                        p++;
                if (strncmp(p, "InitiatorName=", 14) != 0)
                        continue;
                p += 14;
                p[strcspn(p, " \t\r\n")] = 0;
                if (!*p)
                        continue;
                char *s = strdup(p);
                if (!s)
                        return -ENOMEM;
                *ret = s;
                return 0;
        }
        return -ENODATA;
}

void session_config_done(struct session_config *c) {
        free(c->target_name);
        free(c->address);
        free(c->iface);
        free(c->initiator_name);
        free(c->initiator_alias);
        free(c->netdev);
        free(c->hwaddress);
        free(c->auth_method);
        free(c->username);
        erase_and_freep(&c->password);
        free(c->username_in);
        erase_and_freep(&c->password_in);
        free(c->chap_algs);
        free(c->header_digest);
        free(c->data_digest);
}

int session_config_from_req(struct session_config *c, const struct node_login_req *r) {
        *c = (struct session_config) {
                .target_name = dup_or_null(r->target_name),
                .address = dup_or_null(r->address),
                .iface = strdup(r->iface && *r->iface ? r->iface : "default"),
                .initiator_name = dup_or_null(r->initiator_name),
                .initiator_alias = dup_or_null(r->initiator_alias),
                .netdev = dup_or_null(r->netdev),
                .hwaddress = dup_or_null(r->hwaddress),
                .auth_method = dup_or_null(r->auth_method),
                .username = dup_or_null(r->username),
                .password = dup_or_null(r->password),
                .username_in = dup_or_null(r->username_in),
                .password_in = dup_or_null(r->password_in),
                .chap_algs = dup_or_null(r->chap_algs),
                .header_digest = dup_or_null(r->header_digest),
                .data_digest = dup_or_null(r->data_digest),
                .port = r->port > 0 ? r->port : ISCSI_DEFAULT_PORT,
                .tpgt = r->tpgt,
                .scan_manual = r->scan_manual,
                .max_recv_dlength = r->max_recv_dlength,
                .max_xmit_dlength = r->max_xmit_dlength,
                .first_burst = r->first_burst,
                .max_burst = r->max_burst,
                .max_r2t = r->max_r2t,
                .initial_r2t = r->initial_r2t,
                .immediate_data = r->immediate_data,
                .erl = r->erl,
                .default_time2wait = r->default_time2wait,
                .default_time2retain = r->default_time2retain,
                /* Defaults as in open-iscsi's iscsid.conf. */
                .login_timeout = pick(r->login_timeout, 15),
                .logout_timeout = pick(r->logout_timeout, 15),
                .replacement_timeout = pick(r->replacement_timeout, 120),
                .noop_out_interval = pick(r->noop_out_interval, 5),
                .noop_out_timeout = pick(r->noop_out_timeout, 5),
                .abort_timeout = pick(r->abort_timeout, 15),
                .lu_reset_timeout = pick(r->lu_reset_timeout, 30),
                .tgt_reset_timeout = pick(r->tgt_reset_timeout, 30),
                .host_reset_timeout = pick(r->host_reset_timeout, 60),
                .initial_login_retry_max = pick(r->initial_login_retry_max, 8),
                .cmds_max = pick(r->cmds_max, 128),
                .queue_depth = pick(r->queue_depth, 32),
        };
        if (!c->target_name || !c->address || !c->iface)
                return -ENOMEM;
        if (c->login_timeout == 0)
                c->login_timeout = 15;
        if (!c->initiator_name) {
                int r2 = read_initiator_name(&c->initiator_name);
                if (r2 < 0)
                        return r2;
        }
        return 0;
}

/* The session's config as a request (borrowed strings), for the state file. */
static void config_to_req(const struct session *s, struct node_login_req *r) {
        const struct session_config *c = &s->cfg;
        *r = (struct node_login_req) {
                .target_name = c->target_name, .address = c->address, .port = c->port, .tpgt = c->tpgt,
                .iface = c->iface, .initiator_name = c->initiator_name, .initiator_alias = c->initiator_alias,
                .netdev = c->netdev, .hwaddress = c->hwaddress, .scan_manual = c->scan_manual,
                .auth_method = c->auth_method, .username = c->username, .password = c->password,
                .username_in = c->username_in, .password_in = c->password_in, .chap_algs = c->chap_algs,
                .max_recv_dlength = c->max_recv_dlength, .max_xmit_dlength = c->max_xmit_dlength,
                .first_burst = c->first_burst, .max_burst = c->max_burst, .max_r2t = c->max_r2t,
                .initial_r2t = c->initial_r2t, .immediate_data = c->immediate_data, .erl = c->erl,
                .header_digest = c->header_digest, .data_digest = c->data_digest,
                .default_time2wait = c->default_time2wait, .default_time2retain = c->default_time2retain,
                .login_timeout = c->login_timeout, .logout_timeout = c->logout_timeout,
                .replacement_timeout = c->replacement_timeout, .noop_out_interval = c->noop_out_interval,
                .noop_out_timeout = c->noop_out_timeout, .abort_timeout = c->abort_timeout,
                .lu_reset_timeout = c->lu_reset_timeout, .tgt_reset_timeout = c->tgt_reset_timeout,
                .host_reset_timeout = c->host_reset_timeout,
                .initial_login_retry_max = c->initial_login_retry_max, .cmds_max = c->cmds_max,
                .queue_depth = c->queue_depth,
        };
        memcpy(r->isid, s->isid, sizeof r->isid);
}

static const char *run_dir(void) {
        const char *e = getenv("ISCSID_RUN_DIR");
        return e && *e ? e : ISCSI_RUN_DIR;
}

static void state_file_path(uint32_t sid, char *buf, size_t size) {
        snprintf(buf, size, "%s/sessions/%u.json", run_dir(), sid);
}

/* Keep the login parameters (secrets included: 0600 in a root-only runtime directory) so a
 * restarted daemon can recover the session. */
int session_config_save(struct session *s) {
        char dir[512], path[600], tmp[620];
        snprintf(dir, sizeof dir, "%s/sessions", run_dir());
        (void) mkdir(run_dir(), 0700);
        (void) mkdir(dir, 0700);
        state_file_path(s->sid, path, sizeof path);
        snprintf(tmp, sizeof tmp, "%s.tmp", path);

        struct node_login_req req;
        config_to_req(s, &req);
        _cleanup_json_ struct json_object *o = node_ipc_login_req_to_json(&req);
        if (!o)
                return -ENOMEM;
        json_object_object_add(o, "initial_cmdsn", json_object_new_int64(s->initial_cmdsn));
        json_object_object_add(o, "host_no", json_object_new_int64(s->host_no));
        const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
        _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        size_t len = strlen(text);
        if (write(fd, text, len) != (ssize_t) len)
                return -EIO;
        if (rename(tmp, path) < 0)
                return -errno;
        return 0;
}

void session_state_file_remove(uint32_t sid) {
        char path[600];
        state_file_path(sid, path, sizeof path);
        (void) unlink(path);
}

/* ---- adopting a kernel session after a daemon restart ---- */

int session_adopt(struct manager *m, int sid, struct session **ret) {
        _cleanup_(node_sysfs_session_freep) struct sysfs_session *ss = NULL;
        int r = node_sysfs_session_read(sid, &ss);
        if (r < 0)
                return r;

        char path[600];
        state_file_path((uint32_t) sid, path, sizeof path);
        _cleanup_json_ struct json_object *saved = json_object_from_file(path);
        struct node_login_req req;
        bool have_saved = saved && node_ipc_login_req_from_json(saved, &req) >= 0;
        if (!have_saved) {
                req = (struct node_login_req) {
                        .target_name = ss->target_name,
                        .address = ss->persistent_address ?: ss->address,
                        .port = ss->persistent_port > 0 ? ss->persistent_port : ss->port,
                        .tpgt = ss->tpgt,
                        .iface = ss->iface_name,
                        .initiator_name = ss->initiator_name,
                        .max_r2t = -1, .initial_r2t = -1, .immediate_data = -1, .erl = -1,
                        .default_time2wait = -1, .default_time2retain = -1, .login_timeout = -1,
                        .logout_timeout = -1, .replacement_timeout = -1, .noop_out_interval = -1,
                        .noop_out_timeout = -1, .abort_timeout = -1, .lu_reset_timeout = -1,
                        .tgt_reset_timeout = -1, .host_reset_timeout = -1,
                        .initial_login_retry_max = -1, .cmds_max = -1, .queue_depth = -1,
                };
                if (!req.target_name || !req.address)
                        return -ENODATA;
        }
        struct session *s;
        r = session_new(m, &req, &s);
        if (r < 0)
                return r;
        s->sid = (uint32_t) sid;
        s->cid = 0;
        s->host_no = ss->host_no;
        s->kernel_session = true;
        if (have_saved) {
                struct json_object *v;
                if (json_object_object_get_ex(saved, "initial_cmdsn", &v))
                        s->initial_cmdsn = (uint32_t) json_object_get_int64(v);
        }
        iscsi_params_init_defaults(&s->params);
        bool failed = (ss->state && !streq(ss->state, "LOGGED_IN")) ||
                      (ss->conn_state && !streq(ss->conn_state, "up"));
        s->state = SESSION_LOGGED_IN;
        *ret = s;
        if (failed && m->transport) {
                /* It failed while no daemon was watching: stop the connection for recovery (the
                 * kernel refuses a new BIND_CONN until then) and reconnect now. */
                r = m->transport->ops->stop_conn(m->transport, s->sid, s->cid, KISCSI_STOP_CONN_RECOVER);
                if (r < 0)
                        log_errno(LOG_WARNING, r, "session %u: STOP_CONN(recover) failed", s->sid);
                session_schedule_reconnect(s, 0);
        }
        return 0;
}
