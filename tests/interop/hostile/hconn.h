/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A deliberately simple, blocking iSCSI initiator connection for the hostile-input tests: it
 * logs in with libiscsi-node's login machine, then lets a test send any bytes it likes (valid
 * PDUs, broken ones, half ones) and look at what the target answers. Only 127.0.0.1. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iscsi-proto/login.h"
#include "iscsi-proto/pdu.h"

typedef struct HConn {
        int fd;
        char local[64];                 /* our address as the target sees it: "127.0.0.1:PORT" */
        unsigned digests;               /* ISCSI_DIGEST_* in effect */
        uint8_t isid[6];
        uint32_t itt;                   /* last ITT used */
        uint32_t cmdsn, expstatsn;
        uint32_t exp_cmdsn, max_cmdsn;  /* the target's window, from its last PDU */
        uint32_t target_mrdsl;          /* most we may send in one data segment */
        uint8_t *rx;
        size_t rx_size;
} HConn;

#define HCONN_NULL { .fd = -EBADF }

typedef struct HLogin {
        const char *initiator;
        const char *target;
        bool digests;                   /* propose HeaderDigest/DataDigest=CRC32C only */
        const char *chap_user, *chap_secret;
} HLogin;

/* What a test did and why it failed; one line for the TAP output. */
extern char hfail_reason[512];
int hfail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int hc_connect(uint16_t port, HConn *ret);
void hc_close(HConn *hc);

/* Send bytes as they are (blocking, 5 s timeout). -EPIPE/-ECONNRESET when the peer is gone. */
int hc_send_raw(HConn *hc, const void *buf, size_t len);
/* Encode and send one PDU with the digests in effect (bhs->dlength is set from len). */
int hc_send(HConn *hc, struct iscsi_bhs *bhs, const void *data, size_t len);
/* Receive one PDU within timeout_ms: 0 with *ret pointing into hc's buffer, -ETIMEDOUT,
 * -ECONNRESET when the target closed, or a pdu parse error. Target pings (NOP-In with a
 * TTT) are answered and skipped. StatSN/ExpCmdSN/MaxCmdSN are tracked. */
int hc_recv(HConn *hc, int timeout_ms, struct iscsi_pdu_view *ret);
/* True if the target closes the connection within timeout_ms (anything it sends meanwhile is
 * read and dropped; *ret_saw_opcode gets the first opcode seen, 0xff if none). */
bool hc_wait_closed(HConn *hc, int timeout_ms, uint8_t *ret_saw_opcode);

/* Full login with libiscsi-node's initiator machine. -EPERM with hfail_reason on refusal. */
int hc_login(HConn *hc, const HLogin *o);
/* Logout (close session), waiting for the response. */
int hc_logout(HConn *hc);

/* A fresh ITT (never the reserved one). */
uint32_t hc_next_itt(HConn *hc);
/* Fill the common fields of an initiator PDU: ITT, CmdSN (advanced unless immediate),
 * ExpStatSN. */
void hc_prepare(HConn *hc, struct iscsi_bhs *b, uint8_t opcode, bool immediate);
/* Raw Login Request with our ISID/ITT and the given stage bits and text. */
int hc_send_login(HConn *hc, uint8_t csg, uint8_t nsg, bool transit, bool cont, const void *text, size_t len);

/* NOP-Out ping, wait for its NOP-In (timeout 5 s). */
int hc_ping(HConn *hc);
/* TEST UNIT READY to LUN 0; wait for its SCSI Response (timeout 5 s): SCSI status or <0. */
int hc_tur(HConn *hc);
/* Wait for a PDU with this ITT (other PDUs are skipped). -ETIMEDOUT if none. */
int hc_wait_itt(HConn *hc, uint32_t itt, int timeout_ms, struct iscsi_pdu_view *ret);
/* Append "key=value\0" to buf (capacity size, fill *len). -ENOBUFS if it does not fit. */
int text_add(uint8_t *buf, size_t size, size_t *len, const char *key, const char *value);
