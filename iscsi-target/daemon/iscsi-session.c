/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <assert.h>
#include <stdarg.h>
#include <strings.h>

#include "clock.h"
#include "iscsi-proto/serial.h"
#include "iscsi-session.h"
#include "log.h"

/* LIO's defaults for the ACL attributes nopin_timeout and nopin_response_timeout (s). */
#define NOPIN_INTERVAL_DEFAULT_SEC 15
#define NOPIN_TIMEOUT_DEFAULT_SEC 30

static bool tsih_in_use(Daemon *d, uint16_t tsih) {
        for (Session *s = d->sessions.head; s; s = s->reg_next)
                if (s->tsih == tsih)
                        return true;
        return false;
}

uint16_t session_alloc_tsih(Daemon *d) {
        uint16_t t;

        pthread_mutex_lock(&d->lock);
        do {
                t = d->sessions.next_tsih++;
        } while (t == 0 || tsih_in_use(d, t));
        pthread_mutex_unlock(&d->lock);
        return t;
}

bool session_tsih_exists(Daemon *d, uint16_t tsih) {
        bool r;

        pthread_mutex_lock(&d->lock);
        r = tsih_in_use(d, tsih);
        pthread_mutex_unlock(&d->lock);
        return r;
}

static void registry_remove_locked(Daemon *d, Session *s) {
        for (Session **p = &d->sessions.head; *p; p = &(*p)->reg_next)
                if (*p == s) {
                        *p = s->reg_next;
                        d->sessions.n--;
                        break;
                }
        s->reg_next = NULL;
}

typedef struct ReinstateMsg {
        Session *session;
        uint64_t conn_id;
        const char *why;
} ReinstateMsg;

/* On the old session's worker: close it if it is still the same session. */
static void reinstate_on_worker(Worker *w, void *userdata) {
        ReinstateMsg *m = userdata;
        Daemon *d = w->daemon;
        bool found = false;

        pthread_mutex_lock(&d->lock);
        for (Session *s = d->sessions.head; s; s = s->reg_next)
                if (s == m->session && s->conn && s->conn->id == m->conn_id) {
                        found = true;
                        break;
                }
        pthread_mutex_unlock(&d->lock);

        /* Only this thread frees sessions of this worker, so m->session stays valid here. */
        if (found && m->session->conn) {
                log_info("%s: closing the session of %s: %s", m->session->conn->peer,
                         m->session->initiator, m->why);
                conn_close(m->session->conn);
        }
        free(m);
}

/* Ask the worker of o to close it (reinstatement, cold reset). Call with Daemon.lock held. */
static void post_close_locked(Session *o, const char *why) {
        ReinstateMsg *m;

        if (!o->conn)
                return;
        m = malloc(sizeof(*m));
        if (!m)
                return;
        *m = (ReinstateMsg) { .session = o, .conn_id = o->conn->id, .why = why };
        if (worker_post(o->worker, reinstate_on_worker, m) < 0)
                free(m);
}

static uint64_t acl_seconds_locked(Daemon *d, const Session *s, const char *attr, int64_t def) {
        int64_t v = runtime_acl_attr(d->runtime, s->target, s->tpgt, s->initiator, attr, def);

        return (uint64_t) MAX(v, 0) * USEC_PER_SEC;
}

/* Under Daemon.lock: the LUN view and ACL attributes of a normal session, and reinstatement of
 * an older session with the same initiator, ISID, target and TPG (RFC 7143 §6.3.5). */
static int attach_target_locked(Daemon *d, Session *s) {
        int r;

        r = runtime_build_lunmap(d->runtime, s->target, s->tpgt, s->initiator, &s->map);
        s->map_gen = daemon_generation(d);
        if (r < 0)
                return r;
        /* LIO's ACL attributes, in seconds; 0 turns pings off. */
        s->nopin_interval_usec = acl_seconds_locked(d, s, "nopin_timeout", NOPIN_INTERVAL_DEFAULT_SEC);
        s->nopin_timeout_usec = acl_seconds_locked(d, s, "nopin_response_timeout", NOPIN_TIMEOUT_DEFAULT_SEC);

        for (Session *o = d->sessions.head; o; o = o->reg_next) {
                /* The session identifier includes the target portal group: a login through
                 * another TPG (multipath) is a separate session. */
                if (o->discovery || o->reinstated || memcmp(o->isid, s->isid, 6) != 0 || o->tpgt != s->tpgt ||
                    strcasecmp(o->initiator, s->initiator) != 0 || strcasecmp(o->target, s->target) != 0)
                        continue;
                o->reinstated = true;
                post_close_locked(o, "reinstated by a new login with the same ISID");
        }
        return 0;
}

static void session_free(Session *s) {
        if (!s)
                return;
        if (s->nexus && s->map)
                for (size_t i = 0; i < s->map->n; i++)
                        scsi_lu_nexus_loss(s->map->entries[i].lu, s->nexus);
        lunmap_unref(s->map);
        scsi_nexus_unref(s->nexus);
        free(s->initiator);
        free(s->target);
        free(s);
}

static Session *session_alloc(Conn *c, struct scsi_engine *engine, const struct iscsi_params *params,
                              const uint8_t isid[6], uint16_t tpgt) {
        Session *s = calloc(1, sizeof(*s));

        if (!s)
                return NULL;
        s->refs = 1;
        s->conn = c;
        s->worker = c->worker;
        s->engine = engine;
        s->params = *params;
        memcpy(s->isid, isid, 6);
        s->tpgt = tpgt;
        s->discovery = params->session_type == ISCSI_SESSION_DISCOVERY;
        s->next_ttt = 1;
        s->nopin_interval_usec = NOPIN_INTERVAL_DEFAULT_SEC * USEC_PER_SEC;
        s->nopin_timeout_usec = NOPIN_TIMEOUT_DEFAULT_SEC * USEC_PER_SEC;
        s->initiator = strdup(params->initiator_name);
        if (s->initiator && !s->discovery)
                s->target = strdup(params->target_name);
        if (!s->initiator || (!s->discovery && !s->target)) {
                session_free(s);
                return NULL;
        }
        return s;
}

int session_new(Daemon *d, Conn *c, struct scsi_engine *engine, const struct iscsi_params *params,
                const uint8_t isid[6], uint16_t tpgt, Session **ret) {
        Session *s;
        int r;

        s = session_alloc(c, engine, params, isid, tpgt);
        if (!s)
                return -ENOMEM;
        s->daemon = d;
        if (!s->discovery) {
                r = scsi_nexus_new(s->initiator, isid, s->target, tpgt, &s->nexus);
                if (r < 0) {
                        session_free(s);
                        return r;
                }
        }

        pthread_mutex_lock(&d->lock);
        r = s->discovery ? 0 : attach_target_locked(d, s);
        if (r >= 0) {
                s->reg_next = d->sessions.head;
                d->sessions.head = s;
                d->sessions.n++;
        }
        pthread_mutex_unlock(&d->lock);
        if (r < 0) {
                session_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

Session *session_ref(Session *s) {
        assert(s->refs > 0);
        s->refs++;
        return s;
}

Session *session_unref(Session *s) {
        if (!s)
                return NULL;
        assert(s->refs > 0);
        if (--s->refs > 0)
                return NULL;
        /* The connection's reference goes only after session_close(). */
        assert(s->closed);
        session_free(s);
        return NULL;
}

void session_close_target_sessions(Session *s, const char *why) {
        Daemon *d = s->daemon;

        pthread_mutex_lock(&d->lock);
        for (Session *o = d->sessions.head; o; o = o->reg_next)
                if (o != s && !o->discovery && strcasecmp(o->target, s->target) == 0)
                        post_close_locked(o, why);
        pthread_mutex_unlock(&d->lock);
}

void session_close(Session *s) {
        Daemon *d = s->daemon;

        if (s->closed)
                return;
        s->closed = true;

        pthread_mutex_lock(&d->lock);
        registry_remove_locked(d, s);
        pthread_mutex_unlock(&d->lock);
}

uint32_t session_next_ttt(Session *s) {
        do
                s->next_ttt++;
        while (s->next_ttt == ISCSI_RESERVED_TAG || s->next_ttt == 0);
        return s->next_ttt;
}

static void update_max_cmdsn(Session *s) {
        uint32_t room = SESSION_CMD_WINDOW > s->n_tasks ? SESSION_CMD_WINDOW - s->n_tasks : 0;
        uint32_t m = s->exp_cmdsn + room - 1;

        /* Never shrink the window already granted (RFC 7143 §4.2.2.1). */
        if (sn_gt(m, s->max_cmdsn))
                s->max_cmdsn = m;
}

CmdSnVerdict session_check_cmdsn(Session *s, uint32_t cmdsn, bool immediate) {
        if (immediate)
                return CMDSN_ACCEPT;
        if (!sn_in_window(cmdsn, s->exp_cmdsn, s->max_cmdsn)) {
                session_log_bad_input(s, "CmdSN %u outside the window [%u, %u], command ignored", cmdsn,
                                      s->exp_cmdsn, s->max_cmdsn);
                return CMDSN_IGNORE;
        }
        /* One connection: commands arrive in order, so a gap can only come from a broken
         * initiator; we accept the command and move the window past it. */
        s->exp_cmdsn = cmdsn + 1;
        return CMDSN_ACCEPT;
}

void session_fill_sn(Session *s, struct iscsi_bhs *h, bool advance_statsn) {
        update_max_cmdsn(s);
        h->statsn = s->statsn;
        if (advance_statsn)
                s->statsn++;
        h->expcmdsn = s->exp_cmdsn;
        h->maxcmdsn = s->max_cmdsn;
}

int session_refresh_map(Session *s) {
        Daemon *d = s->daemon;
        unsigned long gen = daemon_generation(d);
        LunMap *m = NULL;
        int r;

        if (s->discovery || _likely_(gen == s->map_gen))
                return 0;

        pthread_mutex_lock(&d->lock);
        r = runtime_build_lunmap(d->runtime, s->target, s->tpgt, s->initiator, &m);
        s->map_gen = daemon_generation(d);
        pthread_mutex_unlock(&d->lock);
        if (r < 0)
                return r;

        /* LUs that left this session's view lose the nexus (RESERVE(6) released). */
        for (size_t i = 0; s->map && i < s->map->n; i++) {
                bool kept = false;
                for (size_t j = 0; j < m->n; j++)
                        if (m->entries[j].lu == s->map->entries[i].lu)
                                kept = true;
                if (!kept)
                        scsi_lu_nexus_loss(s->map->entries[i].lu, s->nexus);
        }
        lunmap_unref(s->map);
        s->map = m;
        return 0;
}

void session_registry_foreach_on_worker(Daemon *d, Worker *w, void (*fn)(Session *s)) {
        Session **v;
        size_t n = 0;

        pthread_mutex_lock(&d->lock);
        v = calloc(d->sessions.n + 1, sizeof(Session *));
        for (Session *s = d->sessions.head; v && s; s = s->reg_next)
                if (s->worker == w)
                        v[n++] = s;
        pthread_mutex_unlock(&d->lock);

        for (size_t i = 0; i < n; i++)
                fn(v[i]);
        free(v);
}

void session_log_bad_input(Session *s, const char *fmt, ...) {
        char buf[256];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (s->logged_bad_input)
                log_debug("%s (%s): %s", s->conn ? s->conn->peer : "?", s->initiator, buf);
        else
                log_warning("%s (%s): %s", s->conn ? s->conn->peer : "?", s->initiator, buf);
        s->logged_bad_input = true;
}
