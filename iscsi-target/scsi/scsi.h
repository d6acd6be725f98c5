/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SCSI logical-unit emulation (SPC-4 / SBC-3) for the userspace iSCSI target.
 *
 * Objects:
 *   struct scsi_lu      one logical unit (a backstore + attributes + PR/UA state). Shared by
 *                       every TPG LUN / ACL mapping and every thread; internally locked.
 *   struct scsi_nexus   one I_T nexus (initiator port + target port); one per iSCSI session.
 *   struct scsi_engine  per-thread executor: one io_uring whose completions are signalled on
 *                       an eventfd the thread's event loop polls. Not thread safe: use one
 *                       engine per worker thread and only from that thread.
 *   struct scsi_cmd     one SCSI command, embedded by the caller in its task (container_of).
 *
 * Life of a command (daemon side):
 *   scsi_cmd_init(&t->cmd);  fill cdb/cdb_len/lun/nexus/task_attr/read/write/expected_len/
 *                            write_protect/luns/n_luns/done/userdata;
 *   r = scsi_cmd_prepare(lu_or_NULL, &t->cmd);
 *     SCSI_PREP_DATA_OUT: receive cmd.data_out_len bytes of Data-Out into cmd.buf (at the
 *                         PDU's buffer offset: zero copy), then scsi_cmd_submit().
 *     SCSI_PREP_EXEC:     scsi_cmd_submit() now.
 *     SCSI_PREP_COMPLETE: status/sense already set (e.g. bad CDB); send the response. Any
 *                         unsolicited Data-Out for it must be read and discarded by the caller.
 *   r = scsi_cmd_submit(engine, &t->cmd);
 *     SCSI_SUBMIT_COMPLETED: completed inline (done is NOT called);
 *     SCSI_SUBMIT_IN_FLIGHT: cmd.done(cmd) will be called from
 *                            scsi_engine_process_completions() on the same engine/thread.
 *   On completion: send cmd.data_in_len bytes from cmd.buf as Data-In (scatter-gather from the
 *   buffer directly), then status, sense (cmd.sense, cmd.sense_len bytes, fixed format) and the
 *   residual (cmd.resid_kind / cmd.resid) in the SCSI Response.
 *   scsi_cmd_release(&t->cmd) frees the buffer. Never release a command that is in flight
 *   (scsi_cmd_in_flight()); for ABORT TASK wait for its completion and drop the response.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backstore.h"
#include "scsi-opcodes.h"
#include "iscsi-util/macro.h"

#define SCSI_MAX_CDB 32
#define SCSI_SENSE_BUFFER 96
#define SCSI_FIXED_SENSE_LEN 18
/* Largest data transfer we accept in one command (also reported as MAXIMUM TRANSFER LENGTH
 * in VPD 0xB0). Larger expected lengths complete with INVALID FIELD IN CDB. 32 MiB = 65536
 * blocks of 512, which conformance suites write in one command. The caller should bound
 * the bytes it buffers per session: one command may make the layer allocate this much. */
#define SCSI_MAX_XFER_BYTES (32u * 1024u * 1024u)

/* SAM status codes. */
enum {
        SCSI_STATUS_GOOD = 0x00,
        SCSI_STATUS_CHECK_CONDITION = 0x02,
        SCSI_STATUS_CONDITION_MET = 0x04,
        SCSI_STATUS_BUSY = 0x08,
        SCSI_STATUS_RESERVATION_CONFLICT = 0x18,
        SCSI_STATUS_TASK_SET_FULL = 0x28,
        SCSI_STATUS_ACA_ACTIVE = 0x30,
        SCSI_STATUS_TASK_ABORTED = 0x40,
};

/* Sense keys. */
enum {
        SCSI_SENSE_NO_SENSE = 0x0,
        SCSI_SENSE_RECOVERED_ERROR = 0x1,
        SCSI_SENSE_NOT_READY = 0x2,
        SCSI_SENSE_MEDIUM_ERROR = 0x3,
        SCSI_SENSE_HARDWARE_ERROR = 0x4,
        SCSI_SENSE_ILLEGAL_REQUEST = 0x5,
        SCSI_SENSE_UNIT_ATTENTION = 0x6,
        SCSI_SENSE_DATA_PROTECT = 0x7,
        SCSI_SENSE_BLANK_CHECK = 0x8,
        SCSI_SENSE_COPY_ABORTED = 0xa,
        SCSI_SENSE_ABORTED_COMMAND = 0xb,
        SCSI_SENSE_MISCOMPARE = 0xe,
};

/* iSCSI task attributes (same numbering as the iSCSI ATTR field). */
enum scsi_task_attr {
        SCSI_TASK_UNTAGGED = 0,
        SCSI_TASK_SIMPLE = 1,
        SCSI_TASK_ORDERED = 2,
        SCSI_TASK_HEAD_OF_QUEUE = 3,
        SCSI_TASK_ACA = 4,
};

enum scsi_resid_kind {
        SCSI_RESID_NONE = 0,
        SCSI_RESID_UNDERFLOW,   /* the command moved less than expected_len: iSCSI U bit */
        SCSI_RESID_OVERFLOW,    /* the command wanted more than expected_len: iSCSI O bit */
};

enum scsi_prep_result {
        SCSI_PREP_EXEC = 0,
        SCSI_PREP_DATA_OUT = 1,
        SCSI_PREP_COMPLETE = 2,
};

/* Why a unit attention is raised; see scsi_lu_reset(). */
enum scsi_reset_kind {
        SCSI_RESET_LUN,         /* LOGICAL UNIT RESET TMF: UA 29/03 */
        SCSI_RESET_TARGET_WARM, /* TARGET WARM RESET TMF: UA 29/02 (all nexuses) */
        SCSI_RESET_TARGET_COLD, /* TARGET COLD RESET / power on: UA 29/01 */
};

struct scsi_lu;
struct scsi_nexus;
struct scsi_engine;
struct scsi_cmd;

typedef void (*scsi_cmd_done_t)(struct scsi_cmd *cmd);

struct scsi_cmd {
        /* ---- set by the caller before scsi_cmd_prepare() ---- */
        uint8_t cdb[SCSI_MAX_CDB];
        uint8_t cdb_len;
        uint64_t lun;                   /* mapped LUN number, as the initiator addressed it */
        struct scsi_nexus *nexus;       /* borrowed; must outlive the command */
        enum scsi_task_attr task_attr;
        bool read;                      /* iSCSI R bit: Data-In expected */
        bool write;                     /* iSCSI W bit: Data-Out expected */
        uint32_t expected_len;          /* Expected Data Transfer Length (of the W side if bidi) */
        bool write_protect;             /* the mapping (ACL mapped_lun / demo mode) is read-only */
        const uint64_t *luns;           /* LUNs this nexus sees, for REPORT LUNS (borrowed) */
        size_t n_luns;
        scsi_cmd_done_t done;           /* async completion; see scsi_cmd_submit() */
        void *userdata;

        /* ---- set by scsi_cmd_prepare() ---- */
        uint8_t *buf;                   /* data buffer, owned by the layer (do not free/resize), 4 KiB aligned */
        uint32_t buf_len;
        uint32_t data_out_len;          /* bytes of Data-Out to place into buf (== expected_len) */

        /* ---- results, valid once the command completed ---- */
        uint8_t status;                 /* SCSI_STATUS_* */
        uint8_t sense_len;              /* 0, or bytes of fixed-format sense in sense[] */
        uint8_t sense[SCSI_SENSE_BUFFER];
        uint32_t data_in_len;           /* bytes at buf to return as Data-In (<= expected_len) */
        enum scsi_resid_kind resid_kind;
        uint32_t resid;

        /* ---- private to the SCSI layer ---- */
        struct {
                struct scsi_lu *lu;     /* reference held from prepare to release */
                struct scsi_engine *engine;
                const void *handler;
                uint64_t lba;
                uint32_t nblocks;
                uint32_t xfer_len;      /* bytes the CDB itself asks to move */
                uint32_t pending;       /* outstanding io_uring requests */
                int error;              /* first negative errno of a backstore request */
                int stage;
                bool fua;
                bool prepared;
                bool in_flight;
                bool borrowed;          /* buf points into the backstore's memory (zero copy) */
                uint8_t *aux;           /* scratch buffer (compare data, verify) */
                struct scsi_cmd *next;  /* engine's queue of commands waiting for ring space */
        } priv;
};

/* ---------------- commands ---------------- */

void scsi_cmd_init(struct scsi_cmd *cmd);

/* Parse and check the CDB against `lu` (NULL: no LU is mapped at cmd->lun; INQUIRY,
 * REPORT LUNS and REQUEST SENSE still work as SPC requires, everything else fails with
 * LOGICAL UNIT NOT SUPPORTED). Returns an enum scsi_prep_result. Takes a reference on lu. */
enum scsi_prep_result scsi_cmd_prepare(struct scsi_lu *lu, struct scsi_cmd *cmd);

enum scsi_submit_result {
        SCSI_SUBMIT_IN_FLIGHT = 0,      /* done will be called from scsi_engine_process_completions() of `engine` */
        SCSI_SUBMIT_COMPLETED = 1,      /* completed inline; done is not called */
};

/* Execute a prepared command. Never fails: errors become a status + sense in the command. */
enum scsi_submit_result scsi_cmd_submit(struct scsi_engine *engine, struct scsi_cmd *cmd);

bool scsi_cmd_in_flight(const struct scsi_cmd *cmd);

/* Free the data buffer, drop the LU reference. Safe on an initialised, never prepared cmd. */
void scsi_cmd_release(struct scsi_cmd *cmd);

/* Complete a command with CHECK CONDITION and fixed-format sense (for callers that fail a
 * command themselves, e.g. a Data-Out digest error → ABORTED COMMAND 47/05). */
void scsi_cmd_set_sense(struct scsi_cmd *cmd, uint8_t key, uint8_t asc, uint8_t ascq);

/* ---------------- ALUA target port groups (SPC-5 5.16) ---------------- */

enum scsi_alua_state {
        SCSI_ALUA_ACTIVE_OPTIMIZED      = 0x0,
        SCSI_ALUA_ACTIVE_NON_OPTIMIZED  = 0x1,
        SCSI_ALUA_STANDBY               = 0x2,
        SCSI_ALUA_UNAVAILABLE           = 0x3,
        SCSI_ALUA_OFFLINE               = 0xe,
        SCSI_ALUA_TRANSITIONING         = 0xf,
};

/* Which states a group supports: byte 1 of a REPORT TARGET PORT GROUPS descriptor. */
enum scsi_alua_support {
        SCSI_ALUA_SUP_ACTIVE_OPTIMIZED          = 0x01,
        SCSI_ALUA_SUP_ACTIVE_NON_OPTIMIZED      = 0x02,
        SCSI_ALUA_SUP_STANDBY                   = 0x04,
        SCSI_ALUA_SUP_UNAVAILABLE               = 0x08,
        SCSI_ALUA_SUP_OFFLINE                   = 0x40,
        SCSI_ALUA_SUP_TRANSITIONING             = 0x80,
};

/* How states may change (rtslib's alua_access_type; INQUIRY TPGS field). */
enum scsi_alua_access {
        SCSI_ALUA_IMPLICIT = 0x1,       /* the target changes states (here: the configuration) */
        SCSI_ALUA_EXPLICIT = 0x2,       /* SET TARGET PORT GROUPS */
};

#define SCSI_ALUA_MAX_GROUPS 8
#define SCSI_ALUA_MAX_PORTS 16

struct scsi_alua_group {
        uint16_t id;                    /* target port group identifier */
        uint8_t state;                  /* enum scsi_alua_state */
        uint8_t supported;              /* enum scsi_alua_support bits */
        uint8_t access;                 /* enum scsi_alua_access bits */
        bool preferred;
        uint16_t ports[SCSI_ALUA_MAX_PORTS];    /* relative target port identifiers */
        uint8_t n_ports;
};

/* Replace the LU's target port groups (configuration load or reload). A state set by SET
 * TARGET PORT GROUPS survives unless the configured state of that group changed. A state
 * change raises ASYMMETRIC ACCESS STATE CHANGED for every I_T nexus. With n == 0 the LU has
 * one group (id 0, every port, active/optimized, implicit and explicit), as LIO's
 * default_tg_pt_gp. Returns -EINVAL if n is over SCSI_ALUA_MAX_GROUPS. */
int scsi_lu_set_alua_groups(struct scsi_lu *lu, const struct scsi_alua_group *groups, size_t n);
/* State of the group that holds relative target port `port`. */
enum scsi_alua_state scsi_lu_get_alua_state(struct scsi_lu *lu, uint16_t port);

/* ---------------- engines (one per thread) ---------------- */

/* queue_depth: io_uring entries (rounded up by the kernel); 0 picks a default (256). */
int scsi_engine_new(unsigned queue_depth, struct scsi_engine **ret);
/* Waits for in-flight requests (their done callbacks are still called) and frees. */
struct scsi_engine *scsi_engine_free(struct scsi_engine *e);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct scsi_engine *, scsi_engine_free)
/* An eventfd that becomes readable when completions are ready (EPOLLIN). */
int scsi_engine_get_fd(struct scsi_engine *e);
/* Reap completions and call done callbacks. Non-blocking. Returns the number of backstore
 * completions processed (0 if none), or negative errno. */
int scsi_engine_process_completions(struct scsi_engine *e);
/* Block until at least one request completes, then process (tests, shutdown). */
int scsi_engine_wait(struct scsi_engine *e);
/* Batching: with batching on, submissions are only queued and reach the kernel at
 * scsi_engine_flush() (call it once per event-loop iteration before sleeping). Off by
 * default: every scsi_cmd_submit() enters the kernel itself. */
void scsi_engine_set_batching(struct scsi_engine *e, bool on);
int scsi_engine_flush(struct scsi_engine *e);
unsigned scsi_engine_in_flight(const struct scsi_engine *e);

/* ---------------- logical units ---------------- */

struct scsi_lu_params {
        const char *name;               /* storage object name (used as product id suffix) */
        const char *wwn;                /* saveconfig "wwn" (unit serial); NULL: derived from name */
        uint32_t block_size;            /* 512 (default) or 4096 (1024, 2048 also accepted) */
        bool emulate_tpu;               /* UNMAP supported (default true if backstore can) */
        bool emulate_tpws;              /* WRITE SAME with UNMAP bit (default true if it can) */
        bool emulate_caw;               /* COMPARE AND WRITE (default true) */
        bool emulate_3pc;               /* accepted and ignored: no EXTENDED COPY */
        bool readonly;                  /* whole LU read-only (DATA PROTECT on writes) */
};

/* Fill params with the defaults (block_size 512, tpu/tpws/caw on). */
void scsi_lu_params_init(struct scsi_lu_params *p);

/* Create an LU over `backstore`; on success the LU owns it. Reference count starts at 1. */
int scsi_lu_new(const struct scsi_lu_params *p, struct backstore *backstore, struct scsi_lu **ret);
struct scsi_lu *scsi_lu_ref(struct scsi_lu *lu);
struct scsi_lu *scsi_lu_unref(struct scsi_lu *lu);     /* returns NULL */
DEFINE_TRIVIAL_CLEANUP_FUNC(struct scsi_lu *, scsi_lu_unref)

uint64_t scsi_lu_get_blocks(const struct scsi_lu *lu);
uint32_t scsi_lu_get_block_size(const struct scsi_lu *lu);
const char *scsi_lu_get_serial(const struct scsi_lu *lu);

/* Task management. LUN RESET / target resets: release RESERVE(6) reservations (persistent
 * reservations survive, per SPC-4), and queue a unit attention for every nexus that used the
 * LU (the caller aborts its own in-flight tasks). */
void scsi_lu_reset(struct scsi_lu *lu, enum scsi_reset_kind kind);
/* The nexus went away (logout, connection loss with ERL0): release its RESERVE(6)
 * reservation and forget its per-nexus state. PR registrations stay (SPC-4). */
void scsi_lu_nexus_loss(struct scsi_lu *lu, const struct scsi_nexus *nexus);

/* ---------------- I_T nexus ---------------- */

/* initiator_name: iSCSI initiator name, isid: the session ISID (6 bytes); target_name and
 * tpgt name the target port (also the relative target port identifier in VPD 0x83). */
int scsi_nexus_new(const char *initiator_name, const uint8_t isid[6], const char *target_name,
                   uint16_t tpgt, struct scsi_nexus **ret);
struct scsi_nexus *scsi_nexus_ref(struct scsi_nexus *n);
struct scsi_nexus *scsi_nexus_unref(struct scsi_nexus *n);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct scsi_nexus *, scsi_nexus_unref)

/* ---------------- helpers ---------------- */

/* SAM LUN encoding (8 bytes): peripheral (<256) or flat (<16384) addressing. */
void scsi_lun_encode(uint64_t lun, uint8_t out[8]);
uint64_t scsi_lun_decode(const uint8_t in[8]);
/* Short name of an opcode for logs ("READ(10)"), or NULL. */
const char *scsi_opcode_name(uint8_t opcode);
