/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Target PDUs that carry a copy of their data (login and text responses, NOP-In, Reject,
 * Logout and TMF responses): encode the header and queue it on the connection. */
#pragma once

#include <stdint.h>

#include "conn.h"
#include "iscsi-session.h"

/* Queue h with len bytes of data (copied). On failure the connection is closed. */
void reply_queue(Conn *c, const struct iscsi_bhs *h, const void *data, uint32_t len);
/* Reject (RFC 7143 §11.17) carrying the offending header; s (may be NULL before the login
 * completed) supplies the sequence numbers. */
void reply_reject(Conn *c, Session *s, uint8_t reason, const uint8_t *hdr);
