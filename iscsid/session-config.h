/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A session's configuration: the owned copy of a login request with the node record's defaults
 * applied (login-params.h), and the state file that lets a restarted daemon recover a session.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "iscsi-node/login-params.h"

struct json_object;

/* Owned copy of r in *c with defaults applied; the initiator name from initiatorname.iscsi
 * ($ISCSI_INITIATORNAME_FILE) when r has none. -EINVAL for a missing or bad parameter (logged
 * by name), -ENOENT when no initiator name is known. */
int session_config_from_req(struct node_login_req *c, const struct node_login_req *r);

/* <run dir>/sessions/<sid>.json: the session's config, initial CmdSN and host, written
 * atomically and durably (0600: it holds CHAP secrets) after each login and recovery. A crash
 * leaves the old file or the new one. A failure (full or failing /run) is logged as an error
 * naming the file and what it costs, and leaves the old file; the session is not touched:
 * it works, only a daemon restarted before the next successful save adopts it with what sysfs
 * shows (no CHAP credentials for its recovery). Failing the login instead would tear down a
 * working session because /run is full; open-iscsi keeps no such file at all. */
int session_config_save(uint32_t sid, const struct node_login_req *cfg, uint32_t initial_cmdsn, int host_no);
void session_state_file_remove(uint32_t sid);

struct sysfs_session;
/* At start, before adopting: remove the temp files of a daemon killed in the middle of a save
 * (only the daemon writes there, and it is starting) and the state files of sessions the kernel
 * no longer has (@live, from sysfs), each with a message. */
void session_state_dir_tidy(struct sysfs_session *const *live, size_t n_live);

/* Read the state file of session sid: the request (strings borrowed from *ret_json, which the
 * caller puts) and the CmdSN the kernel session started from. -ENOENT if there is none,
 * -EBADMSG if it does not parse or lacks a field (a torn or foreign file). */
int session_state_file_load(uint32_t sid, struct json_object **ret_json, struct node_login_req *ret_req,
                            uint32_t *ret_initial_cmdsn);
