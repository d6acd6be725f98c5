/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The manager: owns the event loop, the kernel transport and every session, and takes login,
 * logout, rescan, stats and list requests. It knows no IPC clients: each request that takes
 * time reports its end through a callback. iscsid's IPC server is one user; iscsistart is
 * another.
 *
 * One login without a daemon, the session left in the kernel for iscsid to adopt (login-run.h
 * wraps this for several logins waited for, as iscsistart needs):
 *
 *      static void on_login(const struct session_result *res, void *userdata) {
 *              struct manager *m = userdata;
 *              ... res->status (iscsiadm exit code), res->message, res->sid, res->host_no ...
 *              sd_event_exit(m->event, res->status);
 *      }
 *
 *      _cleanup_(manager_freep) struct manager *m = NULL;
 *      r = manager_new(&m);                      // sd_event_default(), no IPC socket
 *      (void) manager_open_transport(m);         // NETLINK_ISCSI, loading iscsi_tcp if needed
 *      r = manager_login(m, &req, on_login, m);  // req: node_login_req_init() + fields
 *      if (r >= 0)
 *              r = sd_event_loop(m->event);      // returns what on_login passed to sd_event_exit
 *      // manager_free() releases memory only: the kernel session stays, and iscsid adopts it at
 *      // start (manager_resync) with the parameters of the state file session-config.c wrote.
 *
 * The login is complete when on_login runs: logged in, SET_PARAM done, LUNs scanned (unless
 * req.scan is "manual"); the state file <run dir>/sessions/<sid>.json is written.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "iscsi-node/ipc.h"
#include "iscsi-node/login-params.h"
#include "iscsi-util/macro.h"
#include "session.h"
#include "transport.h"

struct manager {
        sd_event *event;
        struct session_context ctx;      /* what sessions share: loop, transport, host job pipe */
        struct session *sessions;
        int host_job_pipe[2];            /* LUN scan / removal threads report finished jobs here */
        sd_event_source *host_job_io;
        uint8_t isid_base[3];
        uint32_t next_token;
};

/* A manager on sd_event_default(), without a transport yet. */
int manager_new(struct manager **ret);
/* Frees every session object; the kernel sessions stay (a restarted daemon adopts them). */
struct manager *manager_free(struct manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct manager *, manager_free)

/* Open the kernel transport (loading iscsi_tcp if needed); keeps the error for later replies. */
int manager_open_transport(struct manager *m);
/* Tests: use t instead of NETLINK_ISCSI (the manager owns it). */
void manager_set_transport(struct manager *m, struct kernel_transport *t);
/* Adopt the sessions the kernel already has (daemon restart); returns how many. */
int manager_resync(struct manager *m);

/* Log in; done is called exactly once with the outcome, possibly before this returns (then
 * with the same error this returns: -EEXIST session exists, -EINVAL bad parameters, ...). */
int manager_login(struct manager *m, const struct node_login_req *req, session_done_fn done, void *userdata);
/* Log out one session (by sid or by target/portal/iface); done is called exactly once. A
 * mounted disk of the session refuses the logout (ISCSI_ERR_BUSY) unless req->force. */
int manager_logout(struct manager *m, const struct session_logout_req *req, session_done_fn done, void *userdata);
/* Start a LUN scan of session sid (-1: all); the number started, 0 when no session matched. */
unsigned manager_rescan(struct manager *m, int sid);
/* The kernel's statistics of session sid; -ENOENT no such session, -ENXIO no transport. */
int manager_get_stats(struct manager *m, int sid, struct iscsid_stat **ret, size_t *ret_n);
/* What the daemon knows of every live session; *ret is malloc()ed. */
int manager_list(struct manager *m, struct iscsid_session_info **ret, size_t *ret_n);

struct session *manager_find_session(struct manager *m, uint32_t sid);
/* The transport's event handler (tests feed it events of their fake transport). */
void manager_on_kernel_event(const struct kernel_event *ev, void *userdata);
