/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One TCP connection: PDU framing on receive (BHS, AHS, header digest, data, padding, data
 * digest) and a send queue flushed with scatter-gather sendmsg(). Protocol meaning lives in
 * iscsi-conn.c; this file only moves bytes. A connection belongs to one worker thread. */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "iscsi-proto/pdu.h"
#include "worker.h"


typedef struct Conn Conn;
typedef struct ConnWorker ConnWorker;
typedef struct TxPdu TxPdu;

/* One PDU to send: header (+ header digest), optional data pointing anywhere (a task's buffer:
 * no copy), then padding and data digest. release() runs once the bytes are on the wire or
 * the connection is gone; it owns freeing the TxPdu. */
struct TxPdu {
        TxPdu *next;
        uint8_t hdr[ISCSI_BHS_SIZE + ISCSI_DIGEST_SIZE];
        uint32_t hdr_len;
        uint32_t data_len;
        const uint8_t *data;
        uint8_t trailer[3 + ISCSI_DIGEST_SIZE];        /* padding + data digest */
        uint32_t trailer_len;
        size_t sent;
        void (*release)(TxPdu *p);
        void *owner;
};

enum rx_phase {
        RX_BHS,
        RX_AHS,
        RX_HDIGEST,
        RX_DATA,
        RX_PAD,
        RX_DDIGEST,
};

/* What the protocol layer answers when a header has been received. */
enum rx_verdict {
        RX_ACCEPT,      /* read data into conn->rx_dst (set by the callback) or a conn buffer */
        RX_DISCARD,     /* read and drop the data segment */
        RX_CLOSE,       /* drop the connection now */
};

typedef struct ConnOps {
        /* Header (BHS + AHS) complete and its digest checked. May set c->rx_dst to receive the
         * data segment straight into its final place (at least c->rx_dlen bytes). */
        enum rx_verdict (*header)(Conn *c);
        /* Whole PDU received; data at c->rx_data (c->rx_dlen bytes). Return <0 to close. */
        int (*pdu)(Conn *c, bool data_digest_ok);
        /* Connection is going away (fd closed already): drop protocol state. */
        void (*closed)(Conn *c);
} ConnOps;

struct Conn {
        EventSource io;
        Worker *worker;
        ConnWorker *cw;
        Conn *prev, *next;              /* worker's list */
        unsigned refs;
        const ConnOps *ops;
        bool dead;
        char peer[INET6_ADDRSTRLEN + 8];
        const char *initiator;          /* set by the protocol layer after login, for logs */
        struct sockaddr_storage local_sa;
        uint64_t id;

        /* receive */
        uint8_t *stage;                 /* staged bytes: the worker's buffer while receiving,
                                         * else NULL or this connection's parked copy */
        size_t stage_pos, stage_len;
        enum rx_phase rx_phase;
        size_t rx_got, rx_want;
        uint8_t rx_hdr[ISCSI_BHS_SIZE + ISCSI_MAX_AHS_LEN + ISCSI_DIGEST_SIZE];
        uint32_t rx_ahs_len;
        uint32_t rx_dlen;
        uint8_t *rx_dst;                /* where data goes (set by ops->header) */
        uint8_t *rx_buf;                /* own buffer used when rx_dst is NULL */
        size_t rx_buf_size;
        uint8_t *rx_data;               /* data of the PDU just completed */
        bool rx_discard;
        uint8_t rx_trailer[8];
        bool rx_paused;                 /* receive stopped (send backlog) */
        uint32_t rx_max_dlen;           /* largest data segment accepted */

        /* digests, as negotiated */
        bool header_digest;
        bool data_digest;

        /* send */
        TxPdu *tx_head, *tx_tail;
        size_t tx_bytes;
        bool tx_epollout;
        bool close_when_flushed;
        bool in_flush_list;
        Conn *flush_next;
        Conn *dead_next;

        void *proto;                    /* iscsi-conn.c state */
};

/* Per-worker connection bookkeeping, kept in Worker.userdata. */
struct ConnWorker {
        Worker *worker;
        Conn *conns;
        Conn *flush_list;
        Conn *dead_list;
        unsigned n_conns;
        /* One staging buffer for all connections of the worker (allocated on first use):
         * small PDUs are read in bulk through it, and whatever a connection leaves unread
         * when it stops receiving is parked in a copy of its own. A connection that never
         * sends costs only its struct. */
        uint8_t *stage;
        Conn *stage_user;               /* connection whose bytes are in stage now */
        /* Connections opened or closed (ever), and closed since memory was last given back
         * to the system; the churn seen at the previous tick. See conn_worker_tick(). */
        uint64_t churn, churn_last_tick;
        unsigned closed_since_trim;
        void *engine;                   /* per-thread SCSI engine */
};

/* Take over fd (non-blocking TCP socket) on the current worker. */
int conn_new(ConnWorker *cw, int fd, const ConnOps *ops, Conn **ret);
Conn *conn_ref(Conn *c);
void conn_unref(Conn *c);
/* Close the socket and tell the protocol layer; memory goes when the last ref is dropped. */
void conn_close(Conn *c);
/* Queue a PDU; computes header/data digests and padding. Sent at the end of the loop
 * iteration (or right away when called with flush=true). */
void conn_queue(Conn *c, TxPdu *p);
void conn_flush(Conn *c);
/* Stop reading, send what is queued, then close (login failure, logout). */
void conn_close_after_flush(Conn *c);
/* Once a second: after a wave of connections closed (a flood, a login storm, many sessions
 * logging out) and a second without any opened or closed, give the freed heap back to the
 * system (malloc_trim), so the daemon's memory returns to where it was before the wave. */
void conn_worker_tick(ConnWorker *cw);
/* Free what conn_worker_after_dispatch() leaves once no connection remains (the stage). */
void conn_worker_done(ConnWorker *cw);
/* Flush every connection that queued something in this iteration; reap dead ones. Only
 * between epoll batches (the after_dispatch hook, shutdown): never from an event handler. */
void conn_worker_after_dispatch(ConnWorker *cw);
/* A TxPdu from malloc whose release() frees it, with room for len bytes of data copied in. */
TxPdu *txpdu_new_copy(const void *data, uint32_t len);
void txpdu_free(TxPdu *p);
