/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One login exchange on our own non-blocking TCP socket: connect to the portal through the iface
 * (portal-socket.h), send the Login PDUs of libiscsi-proto's initiator state machine, and read
 * exactly the bytes of each Login Response, never beyond, so that after a successful login the
 * socket is positioned at the first Full Feature Phase PDU, ready for the kernel.
 *
 * It knows nothing of sessions or the kernel: it reports through one callback, and has no timer
 * (its owner bounds the exchange with the login timeout and frees it).
 */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

#include "iscsi-node/login-params.h"
#include "iscsi-proto/login.h"

enum login_conn_event {
        LOGIN_CONN_CONNECTED,   /* TCP is up, the first Login PDU is sent (progress, not the end) */
        LOGIN_CONN_DONE,        /* logged in: result holds the outcome, take the socket */
        LOGIN_CONN_FAILED,      /* connect, I/O or a malformed PDU: this attempt failed, another may work */
        LOGIN_CONN_REFUSED,     /* the target refused the login (status, redirect, authentication) */
};

struct login_conn_report {
        enum login_conn_event event;
        int status;                             /* iscsiadm exit code, for FAILED / REFUSED */
        char message[512];                      /* why, for FAILED / REFUSED */
        const struct iscsi_login_result *result; /* DONE only: valid during the callback */
};

struct login_conn;
/* Called for every event; the callback may free the login_conn (not after CONNECTED). */
typedef void (*login_conn_fn)(struct login_conn *lc, const struct login_conn_report *report, void *userdata);

/* Why a login cannot even start (login_conn_start's error): a bad iface or bad parameters end
 * the login for good; an unresolvable or unreachable portal is a failed attempt. */
enum login_conn_start_error {
        LOGIN_CONN_START_RETRY,
        LOGIN_CONN_START_FATAL,
};

/*
 * Start connecting to cfg's portal and logging in with cmdsn as the first CmdSN and cfg's ISID.
 * On failure returns a negative errno with *ret_error saying whether to retry and
 * ret_report->status / message why (the callback is not called).
 */
int login_conn_start(sd_event *e, const struct node_login_req *cfg, uint32_t cmdsn, login_conn_fn fn,
                     void *userdata, struct login_conn **ret, enum login_conn_start_error *ret_error,
                     struct login_conn_report *ret_report);
/* Closes the socket unless it was taken. */
struct login_conn *login_conn_free(struct login_conn *lc);
/* After DONE: the socket, now the caller's (no longer watched by the event loop). */
int login_conn_take_fd(struct login_conn *lc);
