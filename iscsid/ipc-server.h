/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon side of the IPC protocol (iscsid/IPC.md): listen, accept, check the peer, read one
 * request per connection, hand it to the manager and send its reply when the manager's callback
 * reports the outcome. The only part of iscsid that knows clients.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "iscsi-util/macro.h"
#include "manager.h"

struct ipc_server;

/* Listen on the socket systemd passed (socket activation), else on our own at path. */
int ipc_server_new(struct manager *m, const char *path, struct ipc_server **ret);
/* Closes the socket (removing our own) and drops the connections still waiting. */
struct ipc_server *ipc_server_free(struct ipc_server *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct ipc_server *, ipc_server_free)

/* How long a client has to send its whole request after connecting (default 10 s). */
void ipc_server_set_request_timeout(struct ipc_server *s, uint64_t usec);

/* "from systemd" or the path we listen on, for the log. */
const char *ipc_server_describe(const struct ipc_server *s);
