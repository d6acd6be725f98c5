/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the kernel is told of a logged-in session (SET_PARAM after BIND_CONN). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "iscsi-node/login-params.h"
#include "iscsi-proto/login.h"
#include "transport.h"

/* Every SET_PARAM of a session whose connection was just bound: the negotiated values of res,
 * the login parameters of cfg that the kernel keeps, the ISID and the target's alias. */
int session_set_kernel_params(struct kernel_transport *t, uint32_t sid, uint32_t cid,
                              const struct node_login_req *cfg, const struct iscsi_login_result *res);

/* The host attributes of a session's SCSI host that name how its iface is bound (netdev,
 * hwaddress), as open-iscsi sets them: what `iscsiadm -m session -P 1` and
 * /sys/class/iscsi_host/hostH/{netdev,hwaddress} show. Nothing for an unbound iface. */
int session_set_host_params(struct kernel_transport *t, uint32_t host_no, const struct node_login_req *cfg);

/* The KISCSI_PARAM_* a login parameter is set as, or -1 (from the schema's column). */
int session_kernel_param_of(enum node_login_param_id id);
/* The text SET_PARAM gives the kernel for that parameter of cfg (NULL when unset). */
const char *session_kernel_param_text(const struct node_login_req *cfg, enum node_login_param_id id, char *buf,
                                      size_t size);
