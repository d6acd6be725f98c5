/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <sys/epoll.h>

#include "clock.h"
#include "discovery.h"
#include "iscsi-conn.h"
#include "iscsi-proto/serial.h"
#include "iscsi-session.h"
#include "log.h"
#include "reply.h"
#include "task.h"

/* Idle connections get a NOP-In ping (iscsi-session.c: the ACL's nopin_timeout /
 * nopin_response_timeout). Logins must finish within LOGIN_TIMEOUT. */
#define LOGIN_TIMEOUT_USEC (30 * USEC_PER_SEC)

static IscsiConn *iscsi_conn_of(Conn *c) {
        return c->proto;
}

IscsiConnWorker *iscsi_conn_worker_get(Worker *w) {
        return w->userdata;
}

/* Log one line per connection about hostile or broken input; later ones only at debug. */
_printf_(2, 3) static void log_bad_input(IscsiConn *ic, const char *fmt, ...) {
        char buf[256];
        va_list ap;

        const char *who = ic->s ? ic->s->initiator : ic->login ? iscsi_login_target_initiator_name(ic->login) : NULL;

        if (who && !*who)
                who = NULL;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (ic->logged_bad_input)
                log_debug("%s (%s): %s", ic->c->peer, who ?: "initiator not named yet", buf);
        else
                log_warning("%s (%s): %s", ic->c->peer, who ?: "initiator not named yet", buf);
        ic->logged_bad_input = true;
}

static void send_reject(IscsiConn *ic, uint8_t reason) {
        reply_reject(ic->c, ic->s, reason, ic->c->rx_hdr);
}

/* ---- login phase ---- */

static void login_done(IscsiConn *ic) {
        struct iscsi_login_result res;
        Conn *c = ic->c;
        Session *s;
        int r;

        iscsi_login_get_result(ic->login, &res);
        r = session_new(ic->d, c, iscsi_conn_worker_get(c->worker)->engine, &res.params, ic->bhs.isid,
                        ic->login_policy.tpgt, &s);
        if (r < 0) {
                log_error("%s: cannot create session for %s: %s", c->peer, res.params.initiator_name,
                          strerror(-r));
                conn_close_after_flush(c);
                return;
        }
        s->tsih = res.tsih;
        s->statsn = res.statsn;
        s->exp_cmdsn = res.exp_cmdsn;
        s->max_cmdsn = res.max_cmdsn;
        ic->s = s;
        c->initiator = s->initiator;
        ic->phase = PHASE_FFP;
        ic->login = iscsi_login_free(ic->login);
        target_login_clear(&ic->login_policy);

        /* The final Login Response is queued (and finalised) already; digests apply from
         * the next PDU on in both directions. */
        c->header_digest = res.params.header_digest;
        c->data_digest = res.params.data_digest;
        c->rx_max_dlen = res.params.target_max_recv_dsl;

        log_info("%s: %s session%s%s for %s (TSIH %u, digests %s/%s, MRDSL %u/%u, burst %u/%u)", c->peer,
                 s->discovery ? "discovery" : "normal", s->discovery ? "" : " to ", s->target ?: "",
                 s->initiator, s->tsih, c->header_digest ? "CRC32C" : "None",
                 c->data_digest ? "CRC32C" : "None", res.params.initiator_max_recv_dsl,
                 res.params.target_max_recv_dsl, res.params.first_burst_length, res.params.max_burst_length);
}

static int login_pdu(IscsiConn *ic, const uint8_t *data, size_t len) {
        struct iscsi_login_pdu rsp;
        Conn *c = ic->c;
        int r;

        if (!ic->login) {
                r = target_login_start(&ic->login_policy, ic->d, c, ic->bhs.opcode == ISCSI_OP_LOGIN_REQ ? data : NULL,
                                       len, &ic->login);
                if (r < 0) {
                        log_error("%s: cannot start login: %s", c->peer, strerror(-r));
                        return r;
                }
        }
        r = iscsi_login_target_receive(ic->login, &ic->bhs, data, len, &rsp);
        if (r < 0) {
                log_warning("%s: login aborted: %s", c->peer, strerror(-r));
                return r;
        }
        reply_queue(c, &rsp.bhs, rsp.data, rsp.data_len);
        if (r == ISCSI_LOGIN_DONE)
                login_done(ic);
        else if (r == ISCSI_LOGIN_FAILED) {
                struct iscsi_login_result res;
                iscsi_login_get_result(ic->login, &res);
                log_warning("%s: login of %s failed: %s (%s)", c->peer,
                            iscsi_login_target_initiator_name(ic->login) ?: "unknown initiator",
                            iscsi_login_status_to_string(res.status), res.reason);
                ic->phase = PHASE_CLOSING;
                conn_close_after_flush(c);
        }
        return 0;
}

/* ---- full feature phase ---- */

static int handle_nop_out(IscsiConn *ic, const uint8_t *data, size_t len) {
        Session *s = ic->s;
        const struct iscsi_bhs *b = &ic->bhs;

        if (b->itt == ISCSI_RESERVED_TAG) {
                /* Answer to our ping (or a bare CmdSN update): nothing to send. */
                if (b->ttt != ISCSI_RESERVED_TAG && b->ttt == ic->ping_ttt)
                        ic->ping_ttt = 0;
                return 0;
        }
        if (session_check_cmdsn(s, b->cmdsn, b->immediate) == CMDSN_IGNORE)
                return 0;

        struct iscsi_bhs h = {
                .opcode = ISCSI_OP_NOP_IN,
                .final = true,
                .lun = b->lun,
                .itt = b->itt,
                .ttt = ISCSI_RESERVED_TAG,
                .dlength = MIN(len, s->params.initiator_max_recv_dsl),
        };
        session_fill_sn(s, &h, true);
        reply_queue(ic->c, &h, data, h.dlength);
        return 0;
}

static void send_ping(IscsiConn *ic) {
        Session *s = ic->s;
        struct iscsi_bhs h = {
                .opcode = ISCSI_OP_NOP_IN,
                .final = true,
                .itt = ISCSI_RESERVED_TAG,
        };

        ic->ping_ttt = h.ttt = session_next_ttt(s);
        ic->ping_sent_usec = now_usec();
        session_fill_sn(s, &h, false);
        reply_queue(ic->c, &h, NULL, 0);
}

static int send_text_chunk(IscsiConn *ic, uint32_t itt) {
        Session *s = ic->s;
        const uint8_t *chunk = NULL;
        size_t n = 0;
        bool more = false;
        int r;

        r = iscsi_text_out_next(&ic->text_out, s->params.initiator_max_recv_dsl, &chunk, &n, &more);
        if (r == -ENODATA) {
                chunk = NULL;
                n = 0;
                more = false;
        } else if (r < 0)
                return r;

        struct iscsi_bhs h = {
                .opcode = ISCSI_OP_TEXT_RSP,
                .final = !more,
                .flags = more ? ISCSI_FLAG_CONTINUE : 0,
                .itt = itt,
                .ttt = ISCSI_RESERVED_TAG,
                .dlength = n,
        };
        if (more) {
                ic->text_ttt = h.ttt = session_next_ttt(s);
        }
        session_fill_sn(s, &h, true);
        reply_queue(ic->c, &h, chunk, n);      /* copies chunk */
        if (!more) {
                ic->text_ttt = 0;
                iscsi_text_out_clear(&ic->text_out);
        }
        return 0;
}

/* The answer to a complete Text Request: SendTargets, and NotUnderstood for any other key. */
static int build_text_answer(IscsiConn *ic, const struct iscsi_keys *in, uint8_t **ret, size_t *ret_len) {
        _cleanup_keys_ struct iscsi_keys out = {};
        _cleanup_free_ uint8_t *text = NULL, *extra = NULL;
        size_t text_len = 0, extra_len = 0;
        uint8_t *joined;
        int r;

        for (size_t i = 0; i < in->n; i++) {
                const char *k = in->items[i].key, *v = in->items[i].value;
                if (streq(k, "SendTargets")) {
                        free(text);
                        text = NULL;
                        r = discovery_build(ic->s, ic->c, v, &text, &text_len);
                        if (r < 0)
                                return r;
                } else
                        (void) iscsi_keys_add(&out, k, ISCSI_VALUE_NOT_UNDERSTOOD);
        }
        if (out.n > 0) {
                r = iscsi_keys_build(&out, &extra, &extra_len);
                if (r < 0)
                        return r;
                joined = realloc(text, text_len + extra_len + 1);
                if (!joined)
                        return -ENOMEM;
                memcpy(joined + text_len, extra, extra_len);
                text = joined;
                text_len += extra_len;
        }
        *ret = TAKE_PTR(text);
        *ret_len = text_len;
        return 0;
}

static int handle_text(IscsiConn *ic, const uint8_t *data, size_t len) {
        _cleanup_keys_ struct iscsi_keys in = {};
        const struct iscsi_bhs *b = &ic->bhs;
        Session *s = ic->s;
        uint8_t *text = NULL;
        size_t text_len = 0;
        int r;

        if (session_check_cmdsn(s, b->cmdsn, b->immediate) == CMDSN_IGNORE)
                return 0;

        /* Continuation of a long answer we are sending. */
        if (b->ttt != ISCSI_RESERVED_TAG) {
                if (b->ttt != ic->text_ttt || !iscsi_text_out_pending(&ic->text_out)) {
                        log_bad_input(ic, "Text Request with unknown TTT 0x%x, rejected", b->ttt);
                        send_reject(ic, ISCSI_REJECT_PROTOCOL_ERROR);
                        return 0;
                }
                return send_text_chunk(ic, b->itt);
        }
        iscsi_text_out_clear(&ic->text_out);
        ic->text_ttt = 0;

        r = iscsi_text_accum_feed(&ic->text_in, data, len, b->flags & ISCSI_FLAG_CONTINUE);
        if (r == -EMSGSIZE) {
                log_bad_input(ic, "Text Request longer than %u bytes, dropping connection", ISCSI_TEXT_MAX);
                return r;
        }
        if (r < 0)
                return r;
        if (r == 0) {
                /* More request text follows: acknowledge with an empty response. */
                struct iscsi_bhs h = {
                        .opcode = ISCSI_OP_TEXT_RSP,
                        .itt = b->itt,
                        .ttt = session_next_ttt(s),
                };
                session_fill_sn(s, &h, true);
                reply_queue(ic->c, &h, NULL, 0);
                return 0;
        }
        r = iscsi_keys_parse(ic->text_in.data, ic->text_in.len, &in);
        iscsi_text_accum_reset(&ic->text_in);
        if (r < 0) {
                log_bad_input(ic, "malformed Text Request (%s), rejected", strerror(-r));
                send_reject(ic, ISCSI_REJECT_PROTOCOL_ERROR);
                return 0;
        }
        r = build_text_answer(ic, &in, &text, &text_len);
        if (r < 0)
                return r;
        iscsi_text_out_set(&ic->text_out, text, text_len);
        return send_text_chunk(ic, b->itt);
}

static int handle_logout(IscsiConn *ic) {
        const struct iscsi_bhs *b = &ic->bhs;
        Session *s = ic->s;
        uint8_t response = ISCSI_LOGOUT_RSP_SUCCESS;

        if (session_check_cmdsn(s, b->cmdsn, b->immediate) == CMDSN_IGNORE)
                return 0;
        if (b->logout_reason == ISCSI_LOGOUT_REMOVE_FOR_RECOVERY)
                response = ISCSI_LOGOUT_RSP_NO_RECOVERY;

        struct iscsi_bhs h = {
                .opcode = ISCSI_OP_LOGOUT_RSP,
                .final = true,
                .itt = b->itt,
                .response = response,
        };
        session_fill_sn(s, &h, true);
        reply_queue(ic->c, &h, NULL, 0);
        if (response == ISCSI_LOGOUT_RSP_SUCCESS) {
                log_info("%s: %s logged out%s%s", ic->c->peer, s->initiator, s->target ? " of " : "",
                         s->target ?: "");
                ic->phase = PHASE_CLOSING;
                conn_close_after_flush(ic->c);
        }
        return 0;
}

static enum rx_verdict ffp_header(IscsiConn *ic) {
        Conn *c = ic->c;
        Session *s = ic->s;
        const struct iscsi_bhs *b = &ic->bhs;
        const uint8_t *ahs = c->rx_ahs_len ? c->rx_hdr + ISCSI_BHS_SIZE : NULL;

        ic->rx_task = NULL;
        if (b->dlength > s->params.target_max_recv_dsl) {
                log_bad_input(ic, "%s with a data segment of %u bytes exceeds MaxRecvDataSegmentLength %u, dropping connection",
                              iscsi_opcode_to_string(b->opcode) ?: "PDU", b->dlength, s->params.target_max_recv_dsl);
                return RX_CLOSE;
        }
        switch (b->opcode) {
        case ISCSI_OP_SCSI_CMD:
                if (s->discovery) {
                        log_bad_input(ic, "SCSI command in a discovery session, rejected");
                        send_reject(ic, ISCSI_REJECT_PROTOCOL_ERROR);
                        return RX_DISCARD;
                }
                if (ahs && iscsi_ahs_validate(ahs, c->rx_ahs_len) < 0) {
                        log_bad_input(ic, "malformed AHS, rejected");
                        send_reject(ic, ISCSI_REJECT_PROTOCOL_ERROR);
                        return RX_DISCARD;
                }
                if (b->dlength > s->params.target_max_recv_dsl) {
                        log_bad_input(ic, "data segment of %u bytes exceeds MaxRecvDataSegmentLength, dropping connection",
                                      b->dlength);
                        return RX_CLOSE;
                }
                return task_cmd_header(s, c, b, ahs, c->rx_ahs_len, &ic->rx_task);
        case ISCSI_OP_DATA_OUT:
                if (s->discovery)
                        return RX_DISCARD;
                return task_data_out_header(s, c, b, &ic->rx_task);
        case ISCSI_OP_NOP_OUT:
        case ISCSI_OP_TEXT_REQ:
        case ISCSI_OP_TMF_REQ:
        case ISCSI_OP_LOGOUT_REQ:
                return RX_ACCEPT;       /* conn.c bounds the data by rx_max_dlen */
        case ISCSI_OP_LOGIN_REQ:
                log_bad_input(ic, "Login Request in full feature phase, rejected");
                send_reject(ic, ISCSI_REJECT_PROTOCOL_ERROR);
                return RX_DISCARD;
        case ISCSI_OP_SNACK_REQ:
                log_bad_input(ic, "SNACK at ErrorRecoveryLevel 0, rejected");
                send_reject(ic, ISCSI_REJECT_PROTOCOL_ERROR);
                return RX_DISCARD;
        default:
                log_bad_input(ic, "unexpected opcode 0x%02x, rejected", b->opcode);
                send_reject(ic, ISCSI_REJECT_PROTOCOL_ERROR);
                return RX_DISCARD;
        }
}

static int ffp_pdu(IscsiConn *ic, const uint8_t *data, size_t len, bool data_ok) {
        Session *s = ic->s;
        Conn *c = ic->c;

        if (!data_ok)
                ic->data_digest_errors++;
        if (!data_ok && ic->bhs.opcode != ISCSI_OP_SCSI_CMD && ic->bhs.opcode != ISCSI_OP_DATA_OUT) {
                log_bad_input(ic, "data digest error on %s, rejected", iscsi_opcode_to_string(ic->bhs.opcode));
                send_reject(ic, ISCSI_REJECT_DATA_DIGEST);
                return 0;
        }
        switch (ic->bhs.opcode) {
        case ISCSI_OP_SCSI_CMD:
                if (!ic->rx_task)
                        return 0;
                return task_cmd_received(s, c, ic->rx_task, &ic->bhs, len, data_ok);
        case ISCSI_OP_DATA_OUT:
                if (!ic->rx_task)
                        return 0;
                return task_data_out_received(s, c, ic->rx_task, &ic->bhs, data_ok);
        case ISCSI_OP_NOP_OUT:
                return handle_nop_out(ic, data, len);
        case ISCSI_OP_TEXT_REQ:
                return handle_text(ic, data, len);
        case ISCSI_OP_TMF_REQ:
                if (session_check_cmdsn(s, ic->bhs.cmdsn, ic->bhs.immediate) == CMDSN_IGNORE)
                        return 0;
                return task_tmf(s, c, &ic->bhs);
        case ISCSI_OP_LOGOUT_REQ:
                return handle_logout(ic);
        }
        return 0;
}

/* ---- ConnOps ---- */

static enum rx_verdict ic_header(Conn *c) {
        IscsiConn *ic = iscsi_conn_of(c);
        int r;

        ic->last_rx_usec = now_usec();
        ic->rx_task = NULL;
        r = iscsi_bhs_decode(c->rx_hdr, ISCSI_BHS_SIZE, &ic->bhs);
        ic->bhs_error = r;
        if (ic->phase == PHASE_CLOSING)
                return RX_DISCARD;
        if (r < 0) {
                if (ic->phase == PHASE_LOGIN) {
                        log_bad_input(ic, "invalid PDU during login (opcode 0x%02x: %s), dropping connection",
                                      c->rx_hdr[0] & ISCSI_OPCODE_MASK, strerror(-r));
                        return RX_CLOSE;
                }
                log_bad_input(ic, "invalid PDU (opcode 0x%02x: %s), rejected", c->rx_hdr[0] & ISCSI_OPCODE_MASK,
                              strerror(-r));
                send_reject(ic, r == -EOPNOTSUPP ? ISCSI_REJECT_CMD_NOT_SUPPORTED : ISCSI_REJECT_PROTOCOL_ERROR);
                return RX_DISCARD;
        }
        if (ic->phase == PHASE_LOGIN) {
                if (c->rx_dlen > c->rx_max_dlen) {
                        log_bad_input(ic, "login PDU with %u bytes of data, dropping connection", c->rx_dlen);
                        return RX_CLOSE;
                }
                return RX_ACCEPT;
        }
        return ffp_header(ic);
}

static int ic_pdu(Conn *c, bool data_ok) {
        IscsiConn *ic = iscsi_conn_of(c);
        int r;

        if (ic->phase == PHASE_CLOSING)
                return 0;
        if (ic->phase == PHASE_LOGIN) {
                if (!data_ok) {
                        log_bad_input(ic, "data digest error during login, dropping connection");
                        return -EBADMSG;
                }
                return login_pdu(ic, c->rx_data, c->rx_dlen);
        }
        r = ffp_pdu(ic, c->rx_data, c->rx_data ? c->rx_dlen : 0, data_ok);
        ic->rx_task = NULL;
        return r;
}

static void ic_closed(Conn *c) {
        IscsiConn *ic = iscsi_conn_of(c);

        /* Each bad digest after the first is logged at debug only (log_bad_input): the
         * count is the operator's view of a corrupting path. */
        if (ic->data_digest_errors > 0)
                log_warning("%s: connection closed after %u data digest errors", c->peer, ic->data_digest_errors);
        if (ic->s) {
                log_debug("%s: connection of %s closed", c->peer, ic->s->initiator);
                ic->s->conn = NULL;
                c->initiator = NULL;
                session_close(ic->s);
                task_abort_all(ic->s);
                ic->s = session_unref(ic->s);
        }
        ic->login = iscsi_login_free(ic->login);
        target_login_clear(&ic->login_policy);
        iscsi_text_accum_clear(&ic->text_in);
        iscsi_text_out_clear(&ic->text_out);
        c->proto = NULL;
        free(ic);
}

static const ConnOps iscsi_conn_ops = {
        .header = ic_header,
        .pdu = ic_pdu,
        .closed = ic_closed,
};

/* ---- worker plumbing ---- */

static void adopt_fd(Worker *w, void *userdata) {
        IscsiConnWorker *icw = iscsi_conn_worker_get(w);
        int fd = (int) (intptr_t) userdata;
        IscsiConn *ic;
        Conn *c;
        int r;

        if (!icw) {             /* the worker failed to initialise */
                safe_close(fd);
                return;
        }
        ic = calloc(1, sizeof(*ic));
        if (!ic) {
                safe_close(fd);
                return;
        }
        r = conn_new(&icw->cw, fd, &iscsi_conn_ops, &c);
        if (r < 0) {
                log_error("cannot set up connection: %s", strerror(-r));
                free(ic);
                return;
        }
        ic->d = w->daemon;
        ic->c = c;
        ic->phase = PHASE_LOGIN;
        ic->started_usec = ic->last_rx_usec = now_usec();
        c->proto = ic;
        c->rx_max_dlen = ISCSI_LOGIN_MAX_SEGMENT;
        log_debug("%s: connection accepted on worker %u", c->peer, w->idx);
}

void iscsi_conn_dispatch_new(Daemon *d, int fd) {
        Worker *w = &d->workers[d->next_worker++ % d->n_workers];

        if (worker_post(w, adopt_fd, (void *) (intptr_t) fd) < 0)
                safe_close(fd);
}

static void recheck_session(Session *s) {
        if (s->closed || !s->conn || s->discovery)
                return;
        if (session_refresh_map(s) < 0) {
                log_info("%s: %s no longer allowed on %s after reload, closing session", s->conn->peer,
                         s->initiator, s->target);
                conn_close(s->conn);
        }
}

/* Runs inside an epoll batch: closed connections are reaped by after_dispatch. */
static void config_changed_on_worker(Worker *w, void *userdata) {
        session_registry_foreach_on_worker(w->daemon, w, recheck_session);
}

void iscsi_conn_config_changed(Daemon *d) {
        for (unsigned i = 0; i < d->n_workers; i++)
                (void) worker_post(&d->workers[i], config_changed_on_worker, NULL);
}

static void engine_dispatch(EventSource *s, uint32_t events) {
        IscsiConnWorker *icw = (IscsiConnWorker *) ((char *) s - offsetof(IscsiConnWorker, engine_src));
        (void) scsi_engine_process_completions(icw->engine);
}

static int hook_init(Worker *w) {
        IscsiConnWorker *icw;
        int r;

        icw = calloc(1, sizeof(*icw));
        if (!icw)
                return -ENOMEM;
        icw->cw.worker = w;
        w->userdata = icw;

        r = scsi_engine_new(0, &icw->engine);
        if (r < 0) {
                /* No io_uring (old kernel, seccomp): keep serving; ramdisk LUs still work and
                 * file/block I/O completes with HARDWARE ERROR instead of crashing. */
                log_error("worker %u: cannot set up the SCSI engine (io_uring): %s", w->idx, strerror(-r));
                icw->engine = NULL;
                return 0;
        }
        scsi_engine_set_batching(icw->engine, true);
        icw->engine_src = (EventSource) { .fd = scsi_engine_get_fd(icw->engine), .dispatch = engine_dispatch };
        r = worker_add_fd(w, &icw->engine_src, EPOLLIN);
        if (r < 0) {
                log_error("worker %u: cannot watch the SCSI engine: %s", w->idx, strerror(-r));
                icw->engine = scsi_engine_free(icw->engine);
        }
        return 0;
}

static void hook_after_dispatch(Worker *w) {
        IscsiConnWorker *icw = iscsi_conn_worker_get(w);

        if (icw->engine)
                (void) scsi_engine_flush(icw->engine);
        conn_worker_after_dispatch(&icw->cw);
}

static void hook_tick(Worker *w) {
        IscsiConnWorker *icw = iscsi_conn_worker_get(w);
        uint64_t now = now_usec();

        for (Conn *c = icw->cw.conns, *next; c; c = next) {
                IscsiConn *ic = iscsi_conn_of(c);
                next = c->next;
                if (!ic)
                        continue;
                if (ic->phase == PHASE_LOGIN && now - ic->started_usec > LOGIN_TIMEOUT_USEC) {
                        log_warning("%s: login not completed within %llu s, dropping connection", c->peer,
                                    LOGIN_TIMEOUT_USEC / USEC_PER_SEC);
                        conn_close(c);
                        continue;
                }
                if (ic->phase != PHASE_FFP || !ic->s)
                        continue;
                if (ic->ping_ttt) {
                        if (ic->s->nopin_timeout_usec && now - ic->ping_sent_usec > ic->s->nopin_timeout_usec) {
                                log_warning("%s: %s did not answer NOP-In for %llu s, dropping connection",
                                            c->peer, ic->s->initiator,
                                            (unsigned long long) (ic->s->nopin_timeout_usec / USEC_PER_SEC));
                                conn_close(c);
                        }
                        continue;
                }
                if (ic->s->nopin_interval_usec && now - ic->last_rx_usec >= ic->s->nopin_interval_usec)
                        send_ping(ic);
        }
        conn_worker_tick(&icw->cw);
        /* No reaping here: the tick is one event of a batch, and a connection closed above
         * may have its socket event later in the same batch. after_dispatch flushes the
         * pings and frees the closed connections once the batch is done. */
}

static void hook_fini(Worker *w) {
        IscsiConnWorker *icw = iscsi_conn_worker_get(w);

        if (!icw)
                return;
        while (icw->cw.conns)
                conn_close(icw->cw.conns);
        conn_worker_after_dispatch(&icw->cw);
        if (icw->engine) {
                worker_del_fd(w, &icw->engine_src);
                /* Calls the done callbacks of commands still in flight: their tasks are aborted. */
                icw->engine = scsi_engine_free(icw->engine);
        }
        conn_worker_after_dispatch(&icw->cw);
        conn_worker_done(&icw->cw);
        free(icw);
        w->userdata = NULL;
}

const WorkerHooks iscsi_conn_worker_hooks = {
        .init = hook_init,
        .tick = hook_tick,
        .after_dispatch = hook_after_dispatch,
        .fini = hook_fini,
};
