/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A session's configuration: the owned copy of a login request with the node record's defaults
 * applied (login-params.h), and the state file that lets a restarted daemon recover a session.
 */
#pragma once

#include <stdint.h>

#include "iscsi-node/login-params.h"

struct json_object;

/* Owned copy of r in *c with defaults applied; the initiator name from initiatorname.iscsi
 * ($ISCSI_INITIATORNAME_FILE) when r has none. -EINVAL for a missing or bad parameter (logged
 * by name), -ENOENT when no initiator name is known. */
int session_config_from_req(struct node_login_req *c, const struct node_login_req *r);

/* <run dir>/sessions/<sid>.json: the session's config, initial CmdSN and host, written
 * atomically and durably (0600: it holds CHAP secrets). */
int session_config_save(uint32_t sid, const struct node_login_req *cfg, uint32_t initial_cmdsn, int host_no);
void session_state_file_remove(uint32_t sid);

/* Read the state file of session sid: the request (strings borrowed from *ret_json, which the
 * caller puts) and the CmdSN the kernel session started from. -ENOENT if there is none,
 * -EBADMSG if it is unreadable. */
int session_state_file_load(uint32_t sid, struct json_object **ret_json, struct node_login_req *ret_req,
                            uint32_t *ret_initial_cmdsn);
