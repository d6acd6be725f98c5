/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared internals of the SCSI layer: LU/nexus/engine structures, sense helpers, the command
 * table and the hooks between the command dispatcher and the io_uring engine. */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <liburing.h>
#include <sys/types.h>

#include "scsi.h"

/* Additional sense codes used here (ASC << 8 | ASCQ). */
enum {
        ASC_NO_ADDITIONAL_SENSE = 0x0000,
        ASC_INVALID_FIELD_IN_INFORMATION_UNIT = 0x0e03,
        ASC_WRITE_ERROR = 0x0c00,
        ASC_UNRECOVERED_READ_ERROR = 0x1100,
        ASC_PARAMETER_LIST_LENGTH_ERROR = 0x1a00,
        ASC_MISCOMPARE_DURING_VERIFY = 0x1d00,
        ASC_INVALID_OPCODE = 0x2000,
        ASC_LBA_OUT_OF_RANGE = 0x2100,
        ASC_INVALID_FIELD_IN_CDB = 0x2400,
        ASC_LU_NOT_SUPPORTED = 0x2500,
        ASC_INVALID_FIELD_IN_PARAMETER_LIST = 0x2600,
        ASC_INVALID_RELEASE_OF_PR = 0x2604,
        ASC_WRITE_PROTECTED = 0x2700,
        ASC_SPACE_ALLOCATION_FAILED = 0x2707,
        ASC_POWER_ON_RESET = 0x2900,
        ASC_POWER_ON_OCCURRED = 0x2901,
        ASC_SCSI_BUS_RESET = 0x2902,
        ASC_BUS_DEVICE_RESET = 0x2903,
        ASC_I_T_NEXUS_LOSS = 0x2907,
        ASC_MODE_PARAMETERS_CHANGED = 0x2a01,
        ASC_RESERVATIONS_PREEMPTED = 0x2a03,
        ASC_RESERVATIONS_RELEASED = 0x2a04,
        ASC_REGISTRATIONS_PREEMPTED = 0x2a05,
        ASC_SAVING_PARAMETERS_NOT_SUPPORTED = 0x3900,
        ASC_INTERNAL_TARGET_FAILURE = 0x4400,
        ASC_NOT_READY_ALUA_TRANSITION = 0x040a,
        ASC_NOT_READY_ALUA_STANDBY = 0x040b,
        ASC_NOT_READY_ALUA_UNAVAILABLE = 0x040c,
        ASC_NOT_READY_OFFLINE = 0x0412,
        ASC_ASYMMETRIC_ACCESS_STATE_CHANGED = 0x2a06,
        ASC_INSUFFICIENT_REGISTRATION_RESOURCES = 0x5504,
        ASC_MEDIUM_NOT_PRESENT = 0x3a00,
        ASC_MEDIUM_REMOVAL_PREVENTED = 0x5302,
};

/* Limits advertised in the Block Limits VPD page and enforced by the SBC handlers. */
#define MAX_CAW_BLOCKS 128
#define MAX_UNMAP_DESCRIPTORS 256
#define MAX_WRITE_SAME_BLOCKS (UINT32_C(1) << 20)
#define OPTIMAL_XFER_BYTES (1024u * 1024u)

/* ---- backstore internals (backstore.c) ---- */
struct backstore {
        enum backstore_type type;
        int fd;                 /* fileio, block */
        uint8_t *mem;           /* ramdisk (NULL for nullio) */
        uint64_t *map;          /* ramdisk: one bit per RAMDISK_PAGE written since last unmap */
        uint64_t size;
        uint32_t min_block;     /* O_DIRECT granularity (block: logical block size) */
        bool readonly;
        bool write_back;
        bool direct;            /* opened with O_DIRECT */
        bool nullio;
        bool sync_io;           /* fileio on tmpfs: pread/pwrite inline instead of io_uring */
        uint8_t *rmap;          /* fileio on tmpfs: shared read-only mapping for zero-copy reads */
        uint64_t *rmap_seen;    /* rmap: one bit per page known to be in the page cache */
        bool can_unmap;
};

/* Served from memory (memcpy, inline completion) rather than through the engine. */
static inline bool bs_mem(const struct backstore *b) {
        return b->type == BACKSTORE_RAMDISK;
}

/* Ramdisk provisioning granularity: pages written are "mapped", UNMAP drops whole pages. */
#define RAMDISK_PAGE UINT64_C(4096)
static inline bool ramdisk_page_mapped(const struct backstore *b, uint64_t page) {
        return __atomic_load_n(&b->map[page / 64], __ATOMIC_RELAXED) & (UINT64_C(1) << (page % 64));
}
void ramdisk_map_range(struct backstore *b, uint64_t off, uint64_t len, bool mapped);
/* rmap_seen: pages overlapping a range written through the fd are in the page cache; whole
 * pages inside a punched range are not any more. A set bit only saves a mincore(). */
void rmap_mark_range(struct backstore *b, uint64_t off, uint64_t len, bool resident);

/* ---- I_T nexus ---- */
#define NEXUS_MAX_LUS 64
struct scsi_nexus {
        atomic_uint refs;
        char *initiator_name;
        char *initiator_port;   /* "<iqn>,i,0x<isid>" */
        char *target_name;
        char *target_port;      /* "<iqn>,t,0x<tpgt>" */
        uint16_t tpgt;
        pthread_mutex_t lock;
        struct scsi_lu *lus[NEXUS_MAX_LUS];  /* LUs this nexus has been seen on (refs held) */
        size_t n_lus;
};

/* ---- logical unit ---- */
#define LU_MAX_UA 8
struct lu_port {                /* an initiator port that has used the LU: UA queue */
        char *iport;
        unsigned users;
        unsigned n_ua;
        uint16_t ua[LU_MAX_UA]; /* ASC << 8 | ASCQ, oldest first */
};

struct pr_reg {
        uint64_t key;
        char *iport;            /* initiator port ("<iqn>,i,0x<isid>") */
        char *tport;            /* target port, ignored if all_tg_pt */
        uint16_t rtpi;
        bool all_tg_pt;
};

struct scsi_lu {
        atomic_uint refs;
        struct backstore *bs;
        char *name;
        char serial[41];
        uint8_t naa[16];
        char product[17];
        uint32_t block_size;
        uint32_t block_shift;
        uint64_t nblocks;
        bool tpu, tpws, caw, readonly;

        pthread_mutex_t lock;   /* everything below */
        bool wce;               /* caching page WCE */
        bool swp;               /* control page SWP */
        atomic_uint n_ua;       /* pending unit attentions over all ports (fast path) */
        struct lu_port *ports;
        size_t n_ports;

        /* RESERVE(6)/RELEASE(6) */
        char *res6_holder;      /* initiator port, NULL if none */
        char *res6_tport;

        /* persistent reservations */
        uint32_t pr_generation;
        struct pr_reg *regs;
        size_t n_regs;
        bool pr_held;
        uint8_t pr_type;
        struct pr_reg pr_holder;  /* copy of iport/tport of the holder (not for AR types) */

        /* ALUA target port groups; alua_all_active lets the data path skip the lock. */
        struct scsi_alua_group alua[SCSI_ALUA_MAX_GROUPS];
        uint8_t alua_configured[SCSI_ALUA_MAX_GROUPS];  /* state last set by the configuration */
        uint8_t alua_status[SCSI_ALUA_MAX_GROUPS];      /* RTPG status code: what changed it */
        size_t n_alua;
        atomic_bool alua_all_active;

        struct {                /* EXTENDED COPY results held for RECEIVE COPY RESULTS */
                char *iport;
                bool held;
                uint8_t list_id;
                uint8_t status;
                uint16_t segments;
                uint32_t kib;
        } xc;

        pthread_mutex_t caw_lock; /* COMPARE AND WRITE atomicity */
};

/* ---- engine ---- */
struct io_req {
        struct scsi_cmd *cmd;
        struct io_req *next_free;
        uint8_t *buf;
        uint64_t off;
        uint64_t flen;          /* fallocate length */
        uint32_t len;
        uint32_t done;
        int rw_flags;
        uint8_t op;             /* IORING_OP_* */
        int mode;               /* fallocate mode */
};

struct scsi_engine {
        struct io_uring ring;
        int efd;
        bool batching;
        unsigned in_flight;     /* io requests */
        unsigned queued;        /* SQEs not yet submitted */
        struct io_req *free_reqs;
};

/* ---- command table ---- */
enum {
        OP_NO_LU = 1 << 0,        /* valid without an LU (INQUIRY, REPORT LUNS, REQUEST SENSE) */
        OP_NO_UA = 1 << 1,        /* not blocked by a pending unit attention */
        OP_MEDIUM_READ = 1 << 2,  /* reservation class: read */
        OP_MEDIUM_WRITE = 1 << 3, /* reservation class: write, also write-protect checked */
        OP_PR_ALLOWED = 1 << 4,   /* never conflicts with persistent reservations */
        OP_RES6_ALLOWED = 1 << 5, /* never conflicts with RESERVE(6) */
        OP_DATA_OUT = 1 << 6,     /* parameter data / blocks come from the initiator */
        OP_DATA_IN = 1 << 7,
        OP_WRITE_PROTECT = 1 << 8, /* fails with DATA PROTECT on a read-only mapping */
        OP_ALUA_STANDBY = 1 << 9,  /* allowed through a port in standby */
        OP_ALUA_ANY = 1 << 10,     /* allowed in every ALUA state (unavailable, offline, ...) */
};

/* What one step of a command (parse, exec, io_done) reports. */
typedef enum ScsiStep {
        SCSI_STEP_COMPLETE = -1,        /* status (and sense, if any) is set: the command is over */
        SCSI_STEP_CONTINUE = 0,         /* parse: execute it; exec/io_done: I/O in flight */
} ScsiStep;

/* cmd->priv.stage of a command that is over (handlers number their own stages from 0). */
#define CMD_STAGE_DONE (-1)

/* scsi_op.sa of an opcode without service actions. */
#define SCSI_SA_NONE (-1)

struct scsi_op {
        uint8_t opcode;
        int16_t sa;             /* service action, SCSI_SA_NONE if the opcode has none */
        uint16_t flags;
        uint8_t cdb_len;
        uint8_t usage[16];      /* CDB usage data for REPORT SUPPORTED OPERATION CODES */
        /* Check CDB fields; set priv.xfer_len (bytes to move), lba, nblocks. */
        ScsiStep (*parse)(struct scsi_cmd *cmd);
        ScsiStep (*exec)(struct scsi_cmd *cmd);
        /* All I/O of a stage finished (priv.error holds the first error); CONTINUE if it
         * queued more I/O. */
        ScsiStep (*io_done)(struct scsi_cmd *cmd);
};

extern const struct scsi_op scsi_ops[];
extern const size_t scsi_ops_count;
const struct scsi_op *scsi_op_find(uint8_t opcode, int sa, bool *ret_opcode_known);
int scsi_op_sa(const uint8_t *cdb);

/* ---- sense / result helpers (sense.c) ---- */
ScsiStep cmd_fail(struct scsi_cmd *cmd, uint8_t key, uint16_t asc);   /* returns SCSI_STEP_COMPLETE */
ScsiStep cmd_fail_info(struct scsi_cmd *cmd, uint8_t key, uint16_t asc, uint64_t info);
ScsiStep cmd_fail_field(struct scsi_cmd *cmd, bool in_cdb, uint16_t byte, int bit); /* INVALID FIELD + SKS */
ScsiStep cmd_status(struct scsi_cmd *cmd, uint8_t status);              /* returns SCSI_STEP_COMPLETE */
ScsiStep cmd_fail_errno(struct scsi_cmd *cmd, int error, bool write);
void cmd_good(struct scsi_cmd *cmd);
/* Data-in produced by a non-I/O command: `len` bytes ready at cmd->buf; applies the
 * allocation length and EDTL. */
void cmd_data_in(struct scsi_cmd *cmd, uint32_t len);
int cmd_alloc_buf(struct scsi_cmd *cmd, uint32_t len);

/* ---- buffers (buf-pool.c): 4 KiB aligned, recycled per thread; free with the same len ---- */
void *buf_pool_alloc(size_t len);
void buf_pool_free(void *p, size_t len);

/* ---- engine hooks (engine.c) ---- */
int engine_queue_rw(struct scsi_cmd *cmd, bool write, uint8_t *buf, uint32_t len, uint64_t off, int rw_flags);
int engine_queue_fsync(struct scsi_cmd *cmd);
int engine_queue_fallocate(struct scsi_cmd *cmd, int mode, uint64_t off, uint64_t len);
/* Called after a handler queued its requests; returns 1 if they all already failed. */
int engine_started(struct scsi_cmd *cmd);
/* From the dispatcher: the command's last I/O finished. */
void cmd_io_finished(struct scsi_cmd *cmd);

/* ---- LU state (lu.c) ---- */
void lu_ua_add_all(struct scsi_lu *lu, uint16_t asc, const char *except_iport);  /* lock held */
void lu_ua_add_port(struct scsi_lu *lu, const char *iport, uint16_t asc);        /* lock held */
bool lu_ua_take(struct scsi_lu *lu, const char *iport, uint16_t *ret_asc);        /* lock held */
void lu_nexus_seen(struct scsi_lu *lu, struct scsi_nexus *n);

/* ---- ALUA (alua.c) ---- */
void alua_init(struct scsi_lu *lu);
/* Refuse the command if the state of the port's group does not allow it (SPC-5 5.16.2.4). */
ScsiStep alua_check(struct scsi_lu *lu, struct scsi_cmd *cmd, const struct scsi_op *op);
/* The group of relative target port `port` (for VPD 0x83 and INQUIRY). LU lock NOT held. */
void alua_port_info(struct scsi_lu *lu, uint16_t port, uint16_t *ret_group, uint8_t *ret_access);

/* ---- reservations (pr.c) ---- */
/* Returns true if the command must fail with RESERVATION CONFLICT. LU lock held. */
bool pr_conflict(struct scsi_lu *lu, const struct scsi_cmd *cmd, const struct scsi_op *op);
void pr_nexus_loss(struct scsi_lu *lu, const struct scsi_nexus *n);
void pr_reset(struct scsi_lu *lu);

/* ---- byte helpers ---- */
static inline uint16_t get_be16(const uint8_t *p) { return (uint16_t) (p[0] << 8 | p[1]); }
static inline uint32_t get_be24(const uint8_t *p) { return (uint32_t) p[0] << 16 | p[1] << 8 | p[2]; }
static inline uint32_t get_be32(const uint8_t *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}
static inline uint64_t get_be64(const uint8_t *p) { return (uint64_t) get_be32(p) << 32 | get_be32(p + 4); }
static inline void put_be16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = (uint8_t) v; }
static inline void put_be32(uint8_t *p, uint32_t v) {
        p[0] = v >> 24; p[1] = (uint8_t) (v >> 16); p[2] = (uint8_t) (v >> 8); p[3] = (uint8_t) v;
}
static inline void put_be64(uint8_t *p, uint64_t v) { put_be32(p, v >> 32); put_be32(p + 4, (uint32_t) v); }

static inline struct scsi_lu *cmd_lu(const struct scsi_cmd *cmd) { return cmd->priv.lu; }
static inline bool lba_range_ok(const struct scsi_lu *lu, uint64_t lba, uint64_t n) {
        return lba <= lu->nblocks && n <= lu->nblocks - lba;
}
