/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi-node/initiatorname.h"
#include "output.h"
#include "iscsi-node/paths.h"
#include "mode-session.h"
#include "iscsi-proto/defaults.h"

void node_desc(const Record *r, char *buf, size_t size) {
        int port = ISCSI_DEFAULT_PORT;
        (void) node_record_get_int(r, NODE_KEY_CONN_PORT, &port);
        snprintf(buf, size, "[iface: %s, target: %s, portal: %s,%d]", node_record_get(r, NODE_KEY_IFACE_NAME) ?: "default",
                 node_record_get(r, NODE_KEY_NAME), node_record_get(r, NODE_KEY_CONN_ADDRESS), port);
}

static bool session_of_record(const struct sysfs_session *s, const Record *r) {
        int port = ISCSI_DEFAULT_PORT;
        (void) node_record_get_int(r, NODE_KEY_CONN_PORT, &port);
        return streq_ptr(s->target_name, node_record_get(r, NODE_KEY_NAME)) &&
               streq_ptr(s->persistent_address, node_record_get(r, NODE_KEY_CONN_ADDRESS)) &&
               s->persistent_port == port &&
               streq_ptr(s->iface_name ?: "default", node_record_get(r, NODE_KEY_IFACE_NAME) ?: "default");
}

bool record_has_session(const Record *r, struct sysfs_session *const *sessions, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (session_of_record(sessions[i], r))
                        return true;
        return false;
}

static void print_already_present(const Record *r, int requested, int present) {
        log_error("%s: %d session%s requested, but %d already present.",
                  node_record_get(r, NODE_KEY_IFACE_NAME) ?: "default", requested, requested == 1 ? "" : "s", present);
}

/* How many sessions each record still needs: node.session.nr_sessions minus those there.
 * Like open-iscsi, a record that has them all is reported and counts as "session exists". */
static int count_missing_sessions(const NodeEntry *e, size_t n, int *todo) {
        struct sysfs_session **sessions = NULL;
        size_t n_sessions = 0;
        int rc = 0;

        (void) sessions_collect(&sessions, &n_sessions);
        for (size_t i = 0; i < n; i++) {
                int nr = 1, present = 0;
                (void) node_record_get_int(e[i].rec, NODE_KEY_NR_SESSIONS, &nr);
                nr = MAX(nr, 1);
                for (size_t j = 0; j < n_sessions; j++)
                        if (session_of_record(sessions[j], e[i].rec))
                                present++;
                todo[i] = present >= nr ? 0 : nr - present;
                if (present >= nr) {
                        print_already_present(e[i].rec, nr, present);
                        rc = rc ?: ISCSI_ERR_SESS_EXISTS;
                }
        }
        node_sysfs_session_list_free(sessions, n_sessions);
        return rc;
}

/* The login requests in two rounds: qs[0..n_first) holds the first session of each node,
 * asked for without allow_existing so a session that appeared meanwhile is refused with 15;
 * the extra sessions (nr_sessions) follow and allow one. slot[i] is node i's first request. */
typedef struct LoginPlan {
        struct node_login_req *qs;
        struct login_result *rs;
        size_t *slot;
        size_t n_first, total;
} LoginPlan;

static void login_plan_done(LoginPlan *p) {
        free(p->qs);
        free(p->rs);
        free(p->slot);
}

static int login_plan_build(const NodeEntry *e, size_t n, const int *todo, const char *iname, const char *alias,
                            LoginPlan *p) {
        *p = (LoginPlan) {};
        for (size_t i = 0; i < n; i++) {
                p->total += (size_t) todo[i];
                p->n_first += todo[i] > 0;
        }
        p->qs = calloc(p->total ?: 1, sizeof(*p->qs));
        p->rs = calloc(p->total ?: 1, sizeof(*p->rs));
        p->slot = calloc(n ?: 1, sizeof(*p->slot));
        if (!p->qs || !p->rs || !p->slot)
                return -ENOMEM;
        for (size_t i = 0, k = 0, extra = p->n_first; i < n; i++) {
                if (todo[i] == 0)
                        continue;
                p->slot[i] = k++;
                for (int j = 0; j < todo[i]; j++) {
                        struct node_login_req *q = &p->qs[j == 0 ? p->slot[i] : extra++];

                        node_login_req_from_record(e[i].rec, q);
                        if (!q->initiator_name)
                                q->initiator_name = iname;
                        q->initiator_alias = alias;
                        q->allow_existing = j > 0;
                }
        }
        return 0;
}

/* Every login of a round goes to iscsid at once (one connection each), so it logs in to all
 * the nodes in parallel; the extra sessions go second so it never sees them before the first. */
static void login_plan_send(LoginPlan *p) {
        for (int round = 0; round < 2; round++) {
                size_t off = round == 0 ? 0 : p->n_first, cnt = round == 0 ? p->n_first : p->total - p->n_first;
                int k;

                if (cnt == 0)
                        continue;
                k = node_iscsid_client_login_many(p->qs + off, cnt, p->rs + off);
                if (k < 0)
                        for (size_t x = off; x < off + cnt; x++)
                                p->rs[x] = (struct login_result) { .status = exit_code_from_errno(ERRNO_FROM_ISCSID, k),
                                                                   .sid = -1, .host_no = -1 };
        }
}

static int login_plan_report(const LoginPlan *p, const NodeEntry *e, size_t n, const int *todo) {
        int rc = 0;

        for (size_t i = 0, extra = p->n_first; i < n; i++) {
                char d[512];

                if (todo[i] == 0)
                        continue;
                node_desc(e[i].rec, d, sizeof(d));
                for (int j = 0; j < todo[i]; j++) {
                        int status = p->rs[j == 0 ? p->slot[i] : extra++].status;

                        if (status == 0) {
                                printf("Login to %s successful.\n", d);
                                fflush(stdout);
                                continue;
                        }
                        if (status == ISCSI_ERR_SESS_EXISTS)
                                /* appeared since we looked */
                                print_already_present(e[i].rec, todo[i], 1);
                        else {
                                log_error("Could not login to %s.", d);
                                log_error("initiator reported error (%d - %s)", status, node_exit_code_text(status));
                        }
                        rc = rc ?: status;
                }
        }
        return rc;
}

int nodes_login(Context *c, NodeEntry *e, size_t n) {
        _cleanup_free_ char *iname = NULL, *alias = NULL, *path = node_path_config("initiatorname.iscsi");
        _cleanup_free_ int *todo = calloc(n ?: 1, sizeof(int));
        _cleanup_(login_plan_done) LoginPlan plan = {};
        int rc, k;

        if (!todo)
                return ISCSI_ERR_NOMEM;
        if (path && node_initiatorname_read(path, &iname, &alias) == -ENOENT)
                log_warn("%s does not exist: create it with 'echo \"InitiatorName=$(iscsi-iname)\" > %s' "
                         "or 'iscsi-iname --write'", path, path);
        rc = count_missing_sessions(e, n, todo);
        for (size_t i = 0; i < n; i++) {
                char d[512];
                node_desc(e[i].rec, d, sizeof(d));
                for (int j = 0; j < todo[i]; j++)
                        printf("Logging in to %s\n", d);
        }
        fflush(stdout);
        if (login_plan_build(e, n, todo, iname, alias, &plan) < 0)
                return ISCSI_ERR_NOMEM;
        login_plan_send(&plan);
        k = login_plan_report(&plan, e, n, todo);
        rc = rc ?: k;
        if (rc)
                log_error("Could not log into all portals");
        return rc;
}

static char *xstrdup0(const char *s) {
        return s && *s ? strdup(s) : NULL;
}

int sessions_collect(struct sysfs_session ***ret, size_t *ret_n) {
        struct sysfs_session **list = NULL;
        struct iscsid_list_result lr = { 0 };
        size_t n = 0;

        if (node_sysfs_session_list(&list, &n) == 0 && n > 0) {
                *ret = list;
                *ret_n = n;
                return 0;
        }
        node_sysfs_session_list_free(list, n);
        list = NULL;
        n = 0;
        /* no kernel sessions: iscsid may still run sessions of its own */
        if (node_iscsid_client_list(&lr) == 0 && lr.status == 0 && lr.n_sessions > 0) {
                list = calloc(lr.n_sessions, sizeof(*list));
                for (size_t i = 0; list && i < lr.n_sessions; i++) {
                        struct iscsid_session_info *si = &lr.sessions[i];
                        struct sysfs_session *s = calloc(1, sizeof(*s));
                        if (!s)
                                break;
                        s->sid = si->sid;
                        s->host_no = si->host_no;
                        s->target_name = strdup(si->target_name);
                        s->address = strdup(si->address);
                        s->persistent_address = strdup(si->address);
                        s->port = s->persistent_port = si->port;
                        s->tpgt = si->tpgt;
                        s->iface_name = xstrdup0(si->iface);
                        s->transport = strdup("tcp");
                        s->state = xstrdup0(si->state);
                        list[n++] = s;
                }
        }
        free(lr.sessions);
        *ret = list;
        *ret_n = n;
        return 0;
}

static bool session_matches(const struct sysfs_session *s, const NodeFilter *f) {
        if (f->target && !streq_ptr(f->target, s->target_name))
                return false;
        if (f->address && !streq_ptr(f->address, s->persistent_address))
                return false;
        if (f->port > 0 && f->port != s->persistent_port)
                return false;
        if (f->iface && !streq_ptr(f->iface, s->iface_name ?: "default"))
                return false;
        return true;
}

static int logout_sessions(struct sysfs_session **s, size_t n) {
        size_t failed = 0;
        int rc = 0;

        for (size_t i = 0; i < n; i++)
                printf("Logging out of session [sid: %d, target: %s, portal: %s,%d]\n", s[i]->sid, s[i]->target_name,
                       s[i]->persistent_address, s[i]->persistent_port);
        fflush(stdout);
        /* All requests go to iscsid at once, so it logs out in parallel. */
        _cleanup_free_ struct session_logout_req *qs = calloc(n ?: 1, sizeof(*qs));
        _cleanup_free_ struct logout_result *rs = calloc(n ?: 1, sizeof(*rs));
        if (!qs || !rs)
                return ISCSI_ERR_NOMEM;
        for (size_t i = 0; i < n; i++)
                qs[i] = (struct session_logout_req) { .sid = s[i]->sid };
        int kb = node_iscsid_client_logout_many(qs, n, rs);
        for (size_t i = 0; i < n; i++) {
                struct logout_result res = rs[i];
                int status = kb < 0 ? exit_code_from_errno(ERRNO_FROM_ISCSID, kb) : res.status;

                if (status == 0) {
                        printf("Logout of [sid: %d, target: %s, portal: %s,%d] successful.\n", s[i]->sid,
                               s[i]->target_name, s[i]->persistent_address, s[i]->persistent_port);
                        fflush(stdout);
                        continue;
                }
                log_error("Could not logout of [sid: %d, target: %s, portal: %s,%d].", s[i]->sid, s[i]->target_name,
                          s[i]->persistent_address, s[i]->persistent_port);
                log_error("initiator reported error (%d - %s)", status, node_exit_code_text(status));
                if (res.message[0])
                        log_error("%s", res.message);
                if (!rc)
                        rc = status;
                failed++;
        }
        /* open-iscsi counts a session it failed to log out as not found: when none could be
         * logged out it says so and exits 21 (os-brick's disconnect accepts that) */
        if (failed == n) {
                log_error("No matching sessions found");
                return ISCSI_ERR_NO_OBJS_FOUND;
        }
        if (rc)
                log_error("Could not logout of all requested sessions");
        return rc;
}

static int rescan_sessions(struct sysfs_session **s, size_t n) {
        int rc = 0;
        for (size_t i = 0; i < n; i++) {
                int k;
                printf("Rescanning session [sid: %d, target: %s, portal: %s,%d]\n", s[i]->sid, s[i]->target_name,
                       s[i]->persistent_address, s[i]->persistent_port);
                k = node_sysfs_session_rescan(s[i]);
                if (k < 0) {
                        struct iscsid_simple_result res = { 0 };
                        if (node_iscsid_client_rescan(s[i]->sid, &res) < 0 || res.status != 0) {
                                log_error("Could not rescan session sid %d.", s[i]->sid);
                                if (!rc)
                                        rc = ISCSI_ERR_SYSFS_LOOKUP;
                        }
                }
        }
        return rc;
}

static int stats_sessions(struct sysfs_session **s, size_t n) {
        int rc = 0;
        for (size_t i = 0; i < n; i++) {
                struct iscsid_stats_result res = { 0 };
                int k = node_iscsid_client_stats(s[i]->sid, &res);
                if (k < 0 || res.status != 0) {
                        int code = k < 0 ? exit_code_from_errno(ERRNO_FROM_ISCSID, k) : res.status;
                        log_error("Could not execute operation on all sessions: %s", node_exit_code_text(code));
                        rc = rc ?: code;
                        free(res.stats);
                        continue;
                }
                out->session_stats(s[i], res.stats, res.n_stats);
                free(res.stats);
        }
        return rc;
}

static int act_on(Context *c, struct sysfs_session **s, size_t n) {
        if (c->o->rescan)
                return rescan_sessions(s, n);
        if (c->o->stats)
                return stats_sessions(s, n);
        return logout_sessions(s, n);
}

int sessions_for_nodes(Context *c, const NodeFilter *f) {
        struct sysfs_session **all = NULL, **sel;
        size_t n = 0, k = 0;
        int r;

        (void) sessions_collect(&all, &n);
        sel = calloc(n ?: 1, sizeof(*sel));
        for (size_t i = 0; sel && i < n; i++)
                if (session_matches(all[i], f))
                        sel[k++] = all[i];
        if (k == 0) {
                log_error(c->o->rescan ? "No session found." : "No matching sessions found");
                r = ISCSI_ERR_NO_OBJS_FOUND;
        } else
                r = act_on(c, sel, k);
        free(sel);
        node_sysfs_session_list_free(all, n);
        return r;
}

/* open-iscsi 2.1.8 logs out only sessions it has a node record for, never an "onboot" one;
 * it does not compare node.startup with the mode asked for. */
static bool logoutall_matches(Context *c, const struct sysfs_session *s) {
        NodeFilter f = { .target = s->target_name, .address = s->persistent_address, .port = s->persistent_port,
                         .tpgt = NODE_TPGT_ANY, .iface = s->iface_name ?: "default" };
        NodeEntry *e = NULL;
        size_t ne = 0;
        bool match = false;

        if (node_db_find_nodes(c->db, &f, &e, &ne) == 0 && ne > 0)
                match = !streq_ptr(node_record_get(e[0].rec, NODE_KEY_STARTUP), "onboot");
        node_entries_free(e, ne);
        return match;
}

int sessions_logoutall(Context *c, const char *which) {
        struct sysfs_session **all = NULL, **sel;
        size_t n = 0, k = 0;
        int r;

        if (!streq(which, "all") && !streq(which, "manual") && !streq(which, "automatic")) {
                log_error("Invalid logoutall option %s.", which);
                fprintf(stderr, "Try `iscsiadm --help' for more information.\n");
                return ISCSI_ERR_INVAL;
        }
        (void) sessions_collect(&all, &n);
        sel = calloc(n ?: 1, sizeof(*sel));
        for (size_t i = 0; sel && i < n; i++)
                if (logoutall_matches(c, all[i]))
                        sel[k++] = all[i];
        if (k == 0) {
                log_error("No matching sessions found");
                r = ISCSI_ERR_NO_OBJS_FOUND;
        } else
                r = logout_sessions(sel, k);
        free(sel);
        node_sysfs_session_list_free(all, n);
        return r;
}

static char *transport_class_version(void) {
        _cleanup_free_ char *p = NULL;
        char buf[64] = "";
        FILE *f;

        if (asprintf(&p, "%s/module/scsi_transport_iscsi/version", node_sysfs_root()) < 0 || !(f = fopen(p, "re")))
                return NULL;
        if (!fgets(buf, sizeof(buf), f))
                buf[0] = 0;
        fclose(f);
        buf[strcspn(buf, "\n")] = 0;
        return *buf ? strdup(buf) : NULL;
}

static int show_session_tree(Context *c, struct sysfs_session **s, size_t n) {
        _cleanup_free_ char *version = transport_class_version();
        SessionTree t = { .level = c->o->print_level, .transport_version = version,
                          .flags = c->o->show_secrets ? RECORD_SHOW_SECRETS : 0 };

        if (t.level > 3) {
                log_error("Invalid info level %d. Try 0 - 3.", t.level);
                return ISCSI_ERR_INVAL;
        }
        out->session_tree(s, n, &t);
        return 0;
}

/* -m session -r SID: the node record the session was logged in with, as open-iscsi prints it. */
static int show_session_record(Context *c, const struct sysfs_session *s) {
        NodeFilter f = { .target = s->target_name, .address = s->persistent_address, .port = s->persistent_port,
                         .tpgt = NODE_TPGT_ANY, .iface = s->iface_name ?: "default" };
        _cleanup_free_ Record **recs = NULL;
        NodeEntry *e = NULL;
        size_t n = 0;

        if (node_db_find_nodes(c->db, &f, &e, &n) < 0 || n == 0) {
                node_entries_free(e, n);
                log_error("No records found");
                return ISCSI_ERR_NO_OBJS_FOUND;
        }
        recs = calloc(n, sizeof(Record *));
        for (size_t i = 0; recs && i < n; i++)
                recs[i] = e[i].rec;
        if (recs)
                out->records(recs, n, c->o->show_secrets ? RECORD_SHOW_SECRETS : 0);
        node_entries_free(e, n);
        return recs ? 0 : ISCSI_ERR_NOMEM;
}

int mode_session(Context *c) {
        Options *o = c->o;
        struct sysfs_session **all = NULL, **sel;
        size_t n = 0, k = 0;
        int sid = -1, r = 0;

        if (o->op & (OP_NEW | OP_DELETE | OP_UPDATE)) {
                log_error("session mode only supports show, logout (-u), rescan (-R) and stats (-s)");
                return ISCSI_ERR_OP_NOT_SUPP;
        }
        if (o->sid) {
                const char *s = o->sid, *slash = strrchr(s, '/');
                /* -r accepts a sid or a sysfs path ending in sessionN */
                if (slash)
                        s = slash + 1;
                if (strncmp(s, "session", 7) == 0)
                        s += 7;
                sid = atoi(s);
                if (sid <= 0 && !streq(s, "0")) {
                        log_error("invalid sid '%s'", o->sid);
                        return ISCSI_ERR_INVAL;
                }
        }
        (void) sessions_collect(&all, &n);
        sel = calloc(n ?: 1, sizeof(*sel));
        for (size_t i = 0; sel && i < n; i++)
                if (sid < 0 || all[i]->sid == sid)
                        sel[k++] = all[i];
        if (k == 0) {
                if (sid >= 0) {
                        log_error("Could not get session info for sid %d", sid);
                        r = ISCSI_ERR_SYSFS_LOOKUP;
                } else {
                        log_error("No active sessions.");
                        r = ISCSI_ERR_NO_OBJS_FOUND;
                }
        } else if (o->logout || o->rescan || o->stats)
                r = act_on(c, sel, k);
        else if (o->print_level >= 1)
                r = show_session_tree(c, sel, k);
        else if (sid >= 0)
                r = show_session_record(c, sel[0]);
        else
                out->session_list(sel, k);
        free(sel);
        node_sysfs_session_list_free(all, n);
        return r;
}
