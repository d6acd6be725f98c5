/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Login policy of the target: the callbacks libiscsi-proto's target login machine asks which
 * targets exist on the portal the initiator connected to, who may log in, which CHAP
 * credentials apply, and which TSIH a new session gets. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "daemon.h"
#include "iscsi-proto/keys.h"
#include "iscsi-proto/login.h"

/* What the policy hands to the login machine, owned here so a reload can't free it mid-login. */
typedef struct TargetLogin {
        Daemon *d;
        const Conn *c;
        char *chap_user, *chap_secret, *mutual_user, *mutual_secret;
        struct iscsi_keys target_ops;
        struct iscsi_keys portal_ops;
        uint16_t tpgt;          /* the TPG the login binds to */
} TargetLogin;

/* Start the login machine for connection c, given the data of its first Login Request. */
int target_login_start(TargetLogin *tl, Daemon *d, const Conn *c, const void *data, size_t len,
                       struct iscsi_login **ret);
/* Erase the secrets and free what tl holds. */
void target_login_clear(TargetLogin *tl);
