/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SendTargets answers (RFC 7143 §12.3): the targets and portals an initiator may see. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "iscsi-session.h"

/* The SendTargets text for `value` ("All", one target name, or "" for the session's own
 * target) as asked on connection c of session s. *ret is NULL when nothing is visible. */
int discovery_build(const Session *s, const Conn *c, const char *value, uint8_t **ret, size_t *ret_len);
