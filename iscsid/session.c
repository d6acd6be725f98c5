/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One iSCSI session: TCP connect, login, hand-over to the kernel, recovery, logout.
 *
 * Why the login runs in userspace on the socket, before BIND_CONN: the login is pure protocol
 * (libiscsi-proto's state machine, bytes in and out), so running it on our own non-blocking
 * socket lets one event loop drive many logins in parallel, with no netlink round trip per
 * Login PDU, and lets a failed login (wrong CHAP secret, unknown target) end without ever
 * creating a kernel session or SCSI host. Only a fully logged-in connection is bound: the
 * kernel's iscsi_tcp takes over a socket that is exactly at the first Full Feature Phase PDU
 * (login-conn.c reads precisely the bytes of each Login Response), and we tell it the
 * negotiated values with SET_PARAM. CmdSN continuity is kept by creating the kernel session
 * with the CmdSN the login left us at, and on recovery by logging in with the CmdSN the kernel
 * will use next (its start value plus the SCSI Command PDUs it has numbered since, from its
 * own statistics).
 *
 * Recovery (ErrorRecoveryLevel 0): on CONN_ERROR we STOP_CONN(RECOVER) (the kernel blocks the
 * SCSI devices and starts replacement_timeout), wait DefaultTime2Wait, connect again and log
 * in with the same ISID and TSIH 0 -- session reinstatement, RFC 7143 §6.3.5: at ERL 0 a failed
 * connection ends the target's session, and a restarted target knows no TSIH at all -- then
 * bind the new socket to the same kernel connection and START_CONN, which unblocks the disks.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build-config.h"
#include "clock.h"
#include "log.h"
#include "login-conn.h"
#include "scsi-host.h"
#include "session.h"
#include "session-config.h"
#include "session-params.h"
#include "iscsi-node/ipc.h"
#include "iscsi-node/sysfs-session.h"

/* Pause between connection attempts of an initial login. */
#define LOGIN_RETRY_DELAY_USEC (1 * USEC_PER_SEC)
/* Longest pause between reconnects in recovery (DefaultTime2Wait, capped). */
#define RECONNECT_DELAY_MAX_USEC (5 * USEC_PER_SEC)
/* Time for removing the disks (sd flushes their caches) before the Logout PDU is sent. */
#define LOGOUT_DEVICE_REMOVAL_USEC (60 * USEC_PER_SEC)


static const char *const state_names[] = {
        [SESSION_CONNECTING] = "CONNECTING",
        [SESSION_LOGGING_IN] = "LOGGING_IN",
        [SESSION_SCANNING] = "SCANNING",
        [SESSION_LOGGED_IN] = "LOGGED_IN",
        [SESSION_RECOVERY_WAIT] = "IN_RECOVERY",
        [SESSION_LOGGING_OUT] = "LOGGING_OUT",
        [SESSION_DEAD] = "FREE",
};

const char *session_state_to_string(enum session_state s) {
        return s < ELEMENTSOF(state_names) ? state_names[s] : "UNKNOWN";
}

int session_new(const struct session_context *ctx, const struct node_login_req *req, struct session **ret) {
        struct session *s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->ctx = ctx;
        s->host_no = -1;
        s->initial_cmdsn = 1;
        int r = session_config_from_req(&s->cfg, req);
        if (r < 0) {
                session_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

/* The login parameters of a kernel session without a state file, as sysfs shows them. */
static int req_from_sysfs(const struct sysfs_session *ss, struct node_login_req *ret) {
        struct node_login_req req;
        node_login_req_init(&req);
        req.target_name = ss->target_name;
        req.address = ss->persistent_address ?: ss->address;
        req.port = ss->persistent_port > 0 ? ss->persistent_port : ss->port;
        req.tpgt = ss->tpgt;
        req.iface = ss->iface_name;
        req.initiator_name = ss->initiator_name;
        if (!req.target_name || !req.address)
                return -ENODATA;
        *ret = req;
        return 0;
}

static void schedule_reconnect(struct session *s, uint64_t delay_usec);

int session_adopt(const struct session_context *ctx, int sid, struct session **ret) {
        _cleanup_(node_sysfs_session_freep) struct sysfs_session *ss = NULL;
        _cleanup_json_ struct json_object *saved = NULL;
        struct node_login_req req;
        uint32_t initial_cmdsn = 1;
        struct session *s;

        int r = node_sysfs_session_read(sid, &ss);
        if (r < 0)
                return r;
        r = session_state_file_load((uint32_t) sid, &saved, &req, &initial_cmdsn);
        if (r == 0 && !streq_ptr(req.target_name, ss->target_name)) {
                log_warning("session %d: its state file names target %s, the kernel %s: ignored, adopting "
                            "the session with what sysfs shows", sid,
                            req.target_name, ss->target_name ?: "(none)");
                r = -ESTALE;
        } else if (r < 0 && r != -ENOENT)
                log_errno(LOG_WARNING, r,
                          "session %d: its state file is unusable (torn or foreign): ignored, adopting the "
                          "session with what sysfs shows (no CHAP credentials for its recovery)",
                          sid);
        if (r < 0) {
                /* no CHAP credentials then: a recovery of this session logs in without them */
                initial_cmdsn = 1;
                r = req_from_sysfs(ss, &req);
                if (r < 0)
                        return r;
        }
        r = session_new(ctx, &req, &s);
        if (r < 0)
                return r;
        s->sid = (uint32_t) sid;
        s->cid = 0;
        s->host_no = ss->host_no;
        s->kernel_session = true;
        s->initial_cmdsn = initial_cmdsn;
        iscsi_params_init_defaults(&s->params);
        s->state = SESSION_LOGGED_IN;
        bool failed = (ss->state && !streq(ss->state, "LOGGED_IN")) ||
                      (ss->conn_state && !streq(ss->conn_state, "up"));
        if (failed && ctx->transport) {
                /* It failed while no daemon was watching: stop the connection for recovery (the
                 * kernel refuses a new BIND_CONN until then) and reconnect now. */
                r = ctx->transport->ops->stop_conn(ctx->transport, s->sid, s->cid, KISCSI_STOP_CONN_RECOVER);
                if (r < 0)
                        log_errno(LOG_WARNING, r, "session %u: STOP_CONN(recover) failed", s->sid);
                schedule_reconnect(s, 0);
        }
        *ret = s;
        return 0;
}

static void close_connection(struct session *s) {
        s->login_conn = login_conn_free(s->login_conn);
}

struct session *session_free(struct session *s) {
        if (!s)
                return NULL;
        close_connection(s);
        s->timer = sd_event_source_disable_unref(s->timer);
        node_login_req_done(&s->cfg);
        explicit_bzero(&s->params, sizeof s->params);
        free(s);
        return NULL;
}

/* ---- timers ---- */

static int on_timer(sd_event_source *es, uint64_t usec, void *userdata);

static void arm_timer(struct session *s, uint64_t delay_usec) {
        s->timer = sd_event_source_disable_unref(s->timer);
        int r = sd_event_add_time_relative(s->ctx->event, &s->timer, CLOCK_MONOTONIC, delay_usec, 0,
                                           on_timer, s);
        if (r < 0)
                log_errno(LOG_ERR, r, "session %s: cannot arm timer", s->cfg.target_name);
}

static void disarm_timer(struct session *s) {
        s->timer = sd_event_source_disable_unref(s->timer);
}

static void schedule_reconnect(struct session *s, uint64_t delay_usec) {
        s->state = SESSION_RECOVERY_WAIT;
        arm_timer(s, delay_usec);
}

/* ---- ending a login ---- */

static void login_finished(struct session *s, int status, const char *message) {
        session_done_fn done = s->login_done;
        if (!done)
                return;
        s->login_done = NULL;
        done(&(struct session_result) {
                .status = status,
                .message = message,
                .sid = s->kernel_session ? (int) s->sid : -1,
                .host_no = s->host_no,
             }, s->login_userdata);
}

/* The session is over: its owner unlinks and frees it. */
static void session_end(struct session *s) {
        s->state = SESSION_DEAD;
        s->ctx->session_ended(s, s->ctx->userdata);
}

static void teardown_kernel(struct session *s) {
        struct kernel_transport *t = s->ctx->transport;
        if (!s->kernel_session || !t)
                return;
        int r = t->ops->stop_conn(t, s->sid, s->cid, KISCSI_STOP_CONN_TERM);
        if (r < 0)
                log_errno(LOG_WARNING, r, "session %u: STOP_CONN failed", s->sid);
        r = t->ops->destroy_conn(t, s->sid, s->cid);
        if (r < 0)
                log_errno(LOG_WARNING, r, "session %u: DESTROY_CONN failed", s->sid);
        r = t->ops->destroy_session(t, s->sid);
        if (r < 0)
                log_errno(LOG_WARNING, r, "session %u: DESTROY_SESSION failed", s->sid);
        session_state_file_remove(s->sid);
        s->kernel_session = false;
}

/* The initial login failed for good: nothing stays behind. */
static void fail_login(struct session *s, int status, const char *message) {
        log_error("Login to [iface: %s, target: %s, portal: %s,%d] failed: %s",
                  s->cfg.iface, s->cfg.target_name, s->cfg.address, s->cfg.port, message);
        close_connection(s);
        disarm_timer(s);
        teardown_kernel(s);
        login_finished(s, status, message);
        session_end(s);
}

static void start_connect(struct session *s);

/* A connection attempt failed (connect error, timeout, dropped during login). */
static void attempt_failed(struct session *s, int status, const char *message) {
        close_connection(s);
        if (!s->kernel_session) {
                /* Initial login: retry connection-level failures a few times. */
                if (++s->attempts <= (unsigned) s->cfg.initial_login_retry_max) {
                        log_info("session %s,%s:%d: %s; retrying (%u/%d)", s->cfg.target_name, s->cfg.address,
                                 s->cfg.port, message, s->attempts, s->cfg.initial_login_retry_max);
                        s->state = SESSION_RECOVERY_WAIT;
                        arm_timer(s, LOGIN_RETRY_DELAY_USEC);
                        return;
                }
                fail_login(s, status, message);
                return;
        }
        /* Recovery: keep trying until logout; the kernel fails I/O after replacement_timeout. */
        s->attempts++;
        log_info("connection%u:0: reconnect failed: %s; retrying", s->sid, message);
        s->state = SESSION_RECOVERY_WAIT;
        uint64_t delay = s->params.default_time2wait > 0 ? s->params.default_time2wait * USEC_PER_SEC
                                                          : LOGIN_RETRY_DELAY_USEC;
        arm_timer(s, MIN(delay, RECONNECT_DELAY_MAX_USEC));
}

/* ---- kernel hand-over ---- */

/* First login: CREATE_SESSION starting at the CmdSN the login left us at, then CREATE_CONN.
 * On failure the login has failed (and nothing stays in the kernel). */
static int create_kernel_session(struct session *s, struct kernel_transport *t, uint32_t cmdsn) {
        uint32_t sid, host_no, cid;
        char msg[256];
        int r = t->ops->create_session(t, cmdsn, (uint16_t) s->cfg.cmds_max, (uint16_t) s->cfg.queue_depth, &sid,
                                       &host_no);
        if (r < 0) {
                snprintf(msg, sizeof msg, "kernel CREATE_SESSION failed: %s", strerror(-r));
                fail_login(s, ISCSI_ERR_INTERNAL, msg);
                return r;
        }
        s->sid = sid;
        s->host_no = (int) host_no;
        s->kernel_session = true;
        s->initial_cmdsn = cmdsn;
        r = t->ops->create_conn(t, sid, &cid);
        if (r < 0) {
                /* Only the session exists: destroy it alone. */
                (void) t->ops->destroy_session(t, sid);
                s->kernel_session = false;
                snprintf(msg, sizeof msg, "kernel CREATE_CONN failed: %s", strerror(-r));
                fail_login(s, ISCSI_ERR_INTERNAL, msg);
                return r;
        }
        s->cid = cid;
        return 0;
}

/* BIND_CONN our socket, SET_PARAM, START_CONN. On failure the login (initial) or this
 * reconnect attempt (recovery) has failed. */
static int bind_and_start(struct session *s, struct kernel_transport *t, bool initial,
                          const struct iscsi_login_result *res) {
        if (res->params.tpgt >= 0) /* the target's word over the record's */
                s->cfg.tpgt = res->params.tpgt;
        _cleanup_close_ int fd = login_conn_take_fd(s->login_conn);
        int r = t->ops->bind_conn(t, s->sid, s->cid, fd);
        if (r >= 0)
                r = session_set_kernel_params(t, s->sid, s->cid, &s->cfg, res);
        if (r >= 0 && initial)
                r = session_set_host_params(t, (uint32_t) s->host_no, &s->cfg);
        if (r >= 0)
                r = t->ops->start_conn(t, s->sid, s->cid);
        if (r >= 0)
                return 0;
        char msg[256];
        snprintf(msg, sizeof msg, "handing the connection to the kernel failed: %s", strerror(-r));
        if (initial)
                fail_login(s, ISCSI_ERR_INTERNAL, msg);
        else {
                (void) t->ops->stop_conn(t, s->sid, s->cid, KISCSI_STOP_CONN_RECOVER);
                attempt_failed(s, ISCSI_ERR_INTERNAL, msg);
        }
        return r;
}

/* The initial login is through: scan the LUNs (unless node.session.scan = manual), then
 * report the login done. */
static void start_scan(struct session *s) {
        const struct session_context *ctx = s->ctx;
        if (streq_ptr(s->cfg.scan, "manual") || ctx->no_scan) {
                s->state = SESSION_LOGGED_IN;
                login_finished(s, ISCSI_SUCCESS, NULL);
                return;
        }
        s->state = SESSION_SCANNING;
        int r = host_job_async(s->host_no, HOST_JOB_SCAN, s->token, ctx->host_job_fd);
        if (r < 0) {
                log_errno(LOG_WARNING, r, "session %u: LUN scan could not start", s->sid);
                s->state = SESSION_LOGGED_IN;
                login_finished(s, ISCSI_SUCCESS, NULL);
        }
}

static void kernel_handover(struct session *s, const struct iscsi_login_result *res) {
        const struct session_context *ctx = s->ctx;
        struct kernel_transport *t = ctx->transport;
        bool initial = !s->kernel_session;

        if (!t) {
                char msg[256];
                snprintf(msg, sizeof msg, "the kernel cannot do iSCSI: %s", strerror(-ctx->transport_error));
                fail_login(s, ISCSI_ERR_TRANS_NOT_FOUND, msg);
                return;
        }
        if (initial && create_kernel_session(s, t, res->cmdsn) < 0)
                return;
        if (bind_and_start(s, t, initial, res) < 0)
                return;
        /* The kernel holds its own reference to the socket now. */
        close_connection(s);
        disarm_timer(s);
        s->params = res->params;
        s->tsih = res->tsih;
        s->attempts = 0;
        /* a failure is logged there; the session stays up (session-config.h says why) */
        (void) session_config_save(s->sid, &s->cfg, s->initial_cmdsn, s->host_no);

        if (!initial) {
                s->recoveries++;
                s->state = SESSION_LOGGED_IN;
                log_info("connection%u:0 is operational after recovery (recovery #%u)", s->sid, s->recoveries);
                return;
        }
        log_info("Login to [iface: %s, target: %s, portal: %s,%d] successful (session %u, host %d).",
                 s->cfg.iface, s->cfg.target_name, s->cfg.address, s->cfg.port, s->sid, s->host_no);
        start_scan(s);
}

void session_scan_done(struct session *s) {
        if (s->state == SESSION_SCANNING)
                s->state = SESSION_LOGGED_IN;
        login_finished(s, ISCSI_SUCCESS, NULL);
}

/* ---- the login exchange ---- */

static int login_cmdsn(struct session *s, uint32_t *ret) {
        /* Recovery: the kernel numbers each SCSI Command PDU with the next CmdSN, starting at
         * initial_cmdsn; its statistics count those PDUs on this (never re-created) connection. */
        if (!s->kernel_session) {
                *ret = s->initial_cmdsn;
                return 0;
        }
        struct kernel_transport *t = s->ctx->transport;
        _cleanup_free_ struct iscsid_stat *stats = NULL;
        size_t n = 0;
        int r = t->ops->get_stats(t, s->sid, s->cid, &stats, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                if (streq(stats[i].name, "scsicmd_pdus")) {
                        *ret = s->initial_cmdsn + (uint32_t) stats[i].value;
                        return 0;
                }
        return -ENODATA;
}

static void on_login_conn(struct login_conn *lc, const struct login_conn_report *rep, void *userdata) {
        struct session *s = userdata;
        switch (rep->event) {
        case LOGIN_CONN_CONNECTED:
                s->state = SESSION_LOGGING_IN;
                break;
        case LOGIN_CONN_DONE:
                kernel_handover(s, rep->result);
                break;
        case LOGIN_CONN_FAILED:
                attempt_failed(s, rep->status, rep->message);
                break;
        case LOGIN_CONN_REFUSED:
                if (s->kernel_session)
                        attempt_failed(s, rep->status, rep->message); /* recovery: keep trying */
                else
                        fail_login(s, rep->status, rep->message);
                break;
        }
}

static void start_connect(struct session *s) {
        struct login_conn_report rep = {};
        enum login_conn_start_error error;
        uint32_t cmdsn;

        int r = login_cmdsn(s, &cmdsn);
        if (r < 0) {
                log_errno(LOG_WARNING, r, "session %u: kernel CmdSN unknown, using the initial one", s->sid);
                cmdsn = s->initial_cmdsn;
        }
        r = login_conn_start(s->ctx->event, &s->cfg, cmdsn, on_login_conn, s, &s->login_conn, &error, &rep);
        if (r < 0) {
                if (error == LOGIN_CONN_START_FATAL)
                        fail_login(s, rep.status, rep.message);
                else
                        attempt_failed(s, rep.status, rep.message);
                return;
        }
        s->state = SESSION_CONNECTING;
        arm_timer(s, (uint64_t) s->cfg.login_timeout * USEC_PER_SEC);
}

void session_start_login(struct session *s, session_done_fn done, void *userdata) {
        s->login_done = done;
        s->login_userdata = userdata;
        s->attempts = 0;
        start_connect(s);
}

/* ---- recovery ---- */

void session_on_conn_error(struct session *s, uint32_t error) {
        struct kernel_transport *t = s->ctx->transport;
        switch (s->state) {
        case SESSION_LOGGED_IN:
        case SESSION_SCANNING:
                break;
        case SESSION_LOGGING_OUT:
                /* The target closes the connection after the Logout Response, or it died:
                 * either way the logout can finish now. */
                disarm_timer(s);
                arm_timer(s, 0);
                return;
        default:
                return; /* already recovering */
        }
        log_warning("Kernel reported iSCSI connection %u:%u error (%u) state (%s)", s->sid, s->cid, error,
                    session_state_to_string(s->state));
        int r = t->ops->stop_conn(t, s->sid, s->cid, KISCSI_STOP_CONN_RECOVER);
        if (r < 0)
                log_errno(LOG_WARNING, r, "session %u: STOP_CONN(recover) failed", s->sid);
        s->recovery_start_usec = 0;
        sd_event_now(s->ctx->event, CLOCK_MONOTONIC, &s->recovery_start_usec);
        s->attempts = 0;
        s->state = SESSION_RECOVERY_WAIT;
        arm_timer(s, (uint64_t) s->params.default_time2wait * USEC_PER_SEC);
}

/* ---- logout ---- */

/* How a logout ended: with the target's Logout Response, or without one (no kernel session,
 * the PDU could not be sent, or the logout timer ran out). */
enum logout_end {
        LOGOUT_ANSWERED,
        LOGOUT_UNANSWERED,
};

static void finish_logout(struct session *s, enum logout_end how) {
        disarm_timer(s);
        close_connection(s);
        uint32_t sid = s->sid;
        uint64_t t0 = clock_now_usec();
        teardown_kernel(s);
        log_debug("logout of session %u: Logout Response after %llu ms, kernel teardown took %llu ms", sid,
                  (unsigned long long) ((t0 - s->logout_start_usec) / USEC_PER_MSEC),
                  (unsigned long long) ((clock_now_usec() - t0) / USEC_PER_MSEC));
        log_info("Logout of session %u [target: %s, portal: %s,%d] %s", sid, s->cfg.target_name, s->cfg.address,
                 s->cfg.port, how == LOGOUT_ANSWERED ? "successful." : "done without a Logout Response.");
        session_done_fn done = s->logout_done;
        s->logout_done = NULL;
        if (done)
                done(&(struct session_result) { .status = ISCSI_SUCCESS, .sid = (int) sid, .host_no = s->host_no },
                     s->logout_userdata);
        login_finished(s, ISCSI_ERR_LOGIN, "logged out while logging in");
        session_end(s);
}

void session_on_recv_pdu(struct session *s, const void *pdu, size_t len) {
        struct iscsi_bhs bhs;
        if (iscsi_bhs_decode(pdu, len, &bhs) < 0)
                return;
        if (bhs.opcode == ISCSI_OP_LOGOUT_RSP && s->state == SESSION_LOGGING_OUT) {
                finish_logout(s, LOGOUT_ANSWERED);
                return;
        }
        log_debug("session %u: unsolicited PDU 0x%02x from the kernel ignored", s->sid, bhs.opcode);
}

int session_start_logout(struct session *s, session_done_fn done, void *userdata) {
        struct kernel_transport *t = s->ctx->transport;
        if (s->state == SESSION_LOGGING_OUT)
                return -EALREADY;
        s->logout_done = done;
        s->logout_userdata = userdata;
        if (!s->kernel_session || !t || (s->state != SESSION_LOGGED_IN && s->state != SESSION_SCANNING)) {
                /* Not running in the kernel (login or recovery in progress): just stop. */
                s->state = SESSION_LOGGING_OUT;
                finish_logout(s, LOGOUT_UNANSWERED);
                return 0;
        }
        /* Remove the disks first, while the connection is up, so their caches are flushed; in a
         * thread, so other logouts proceed meanwhile. The Logout PDU follows when it is done. */
        s->state = SESSION_LOGGING_OUT;
        s->deleting = true;
        s->logout_start_usec = clock_now_usec();
        int r = host_job_async(s->host_no, HOST_JOB_DELETE, s->token, s->ctx->host_job_fd);
        if (r < 0) {
                log_errno(LOG_WARNING, r, "session %u: cannot start removing its SCSI devices", s->sid);
                (void) host_delete_devices(s->host_no);
                session_devices_deleted(s);
                return 0;
        }
        /* Flushing caches can take a while on a slow target; the logout timer covers both. */
        arm_timer(s, (uint64_t) MAX(s->cfg.logout_timeout, 1) * USEC_PER_SEC + LOGOUT_DEVICE_REMOVAL_USEC);
        return 0;
}

void session_devices_deleted(struct session *s) {
        struct kernel_transport *t = s->ctx->transport;
        if (s->state != SESSION_LOGGING_OUT || !s->deleting)
                return;
        s->deleting = false;
        log_debug("logout of session %u: devices removed after %llu ms", s->sid,
                  (unsigned long long) ((clock_now_usec() - s->logout_start_usec) / USEC_PER_MSEC));
        struct iscsi_bhs h = {
                .opcode = ISCSI_OP_LOGOUT_REQ,
                .immediate = true,
                .final = true,
                .logout_reason = ISCSI_LOGOUT_CLOSE_SESSION,
                .itt = 0,
                .cid = (uint16_t) s->cid,
        };
        uint8_t hdr[ISCSI_BHS_SIZE];
        int r = iscsi_bhs_encode(&h, hdr);
        if (r >= 0)
                r = t->ops->send_pdu(t, s->sid, s->cid, hdr, sizeof hdr, NULL, 0);
        if (r < 0) {
                log_errno(LOG_WARNING, r, "session %u: cannot send the Logout PDU", s->sid);
                finish_logout(s, LOGOUT_UNANSWERED);
                return;
        }
        arm_timer(s, (uint64_t) MAX(s->cfg.logout_timeout, 1) * USEC_PER_SEC);
}

static int on_timer(sd_event_source *es, uint64_t usec, void *userdata) {
        struct session *s = userdata;
        s->timer = sd_event_source_disable_unref(s->timer);
        switch (s->state) {
        case SESSION_CONNECTING:
        case SESSION_LOGGING_IN: {
                char msg[160];
                snprintf(msg, sizeof msg, "login to %s:%d timed out after %d s", s->cfg.address, s->cfg.port,
                         s->cfg.login_timeout);
                attempt_failed(s, ISCSI_ERR_TRANS_TIMEOUT, msg);
                break;
        }
        case SESSION_RECOVERY_WAIT:
                start_connect(s);
                break;
        case SESSION_LOGGING_OUT:
                finish_logout(s, LOGOUT_UNANSWERED);
                break;
        default:
                break;
        }
        return 0;
}
