/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * iSCSI PDU codec (RFC 7143 §11): the 48-byte Basic Header Segment (BHS), Additional Header
 * Segments (AHS), data segment padding, header/data digests, and assembly of whole PDUs.
 * Pure code: bytes in, bytes/structs out; no sockets, no logging, no allocation.
 *
 * Wire layout of one PDU:
 *   BHS (48) | AHS (TotalAHSLength*4) | HeaderDigest (4, optional) |
 *   Data (DataSegmentLength) | pad to 4 | DataDigest (4, optional, only if DataSegmentLength>0)
 *
 * Typical receive loop (daemon side):
 *   read 48 bytes -> iscsi_bhs_decode() -> need = iscsi_pdu_total_length(&bhs, digests)
 *   -> read the remaining need-48 bytes -> iscsi_pdu_parse() on the whole buffer
 *   (checks digests, splits AHS/data).
 * Typical send: fill struct iscsi_bhs (dlength = data length) -> iscsi_pdu_out_init()
 *   -> iscsi_pdu_out_iovec() for writev()/io_uring, or iscsi_pdu_out_copy() into a buffer.
 *
 * Error conventions (negative errno):
 *   -ENODATA     input shorter than needed (truncated BHS or PDU; read more bytes)
 *   -EOPNOTSUPP  unknown, reserved or vendor-specific opcode (answer with Reject 0x05/0x04)
 *   -EBADMSG     malformed header: bad AHS layout, forbidden flag combination (RFC "MUST")
 *   -E2BIG       DataSegmentLength larger than the caller's limit (MaxRecvDataSegmentLength)
 *   -EPROTO      header digest mismatch (RFC 7143 §7.8: the connection must be dropped)
 *   -EILSEQ      data digest mismatch (recoverable: Reject reason 0x02 / SNACK)
 *   -EINVAL      bad argument to an encoder (field out of range, wrong opcode)
 *   -ENOBUFS     caller's output buffer too small
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#define ISCSI_BHS_SIZE           48u
#define ISCSI_DIGEST_SIZE        4u
#define ISCSI_MAX_DLENGTH        0xffffffu          /* 24-bit DataSegmentLength */
#define ISCSI_MAX_AHS_LEN        (255u * 4u)        /* TotalAHSLength is in 4-byte words */
#define ISCSI_RESERVED_TAG       0xffffffffu        /* ITT/TTT "no tag" value */
#define ISCSI_VERSION            0x00u              /* Version-max/min/active (RFC 7143 §11.12.4) */
#define ISCSI_CDB_SIZE           16u                /* CDB bytes inside the BHS; more go in an AHS */

/* Byte 0 of the BHS. */
#define ISCSI_OPCODE_MASK        0x3fu
#define ISCSI_OP_IMMEDIATE       0x40u              /* I bit, initiator opcodes only */

/* Opcodes (RFC 7143 §11.2.1.2). Initiator opcodes are 0x00-0x1f, target opcodes 0x20-0x3f. */
enum iscsi_opcode {
        /* initiator -> target */
        ISCSI_OP_NOP_OUT         = 0x00,
        ISCSI_OP_SCSI_CMD        = 0x01,
        ISCSI_OP_TMF_REQ         = 0x02,
        ISCSI_OP_LOGIN_REQ       = 0x03,
        ISCSI_OP_TEXT_REQ        = 0x04,
        ISCSI_OP_DATA_OUT        = 0x05,
        ISCSI_OP_LOGOUT_REQ      = 0x06,
        ISCSI_OP_SNACK_REQ       = 0x10,
        /* 0x1c-0x1e vendor-specific: decode returns -EOPNOTSUPP */
        /* target -> initiator */
        ISCSI_OP_NOP_IN          = 0x20,
        ISCSI_OP_SCSI_RSP        = 0x21,
        ISCSI_OP_TMF_RSP         = 0x22,
        ISCSI_OP_LOGIN_RSP       = 0x23,
        ISCSI_OP_TEXT_RSP        = 0x24,
        ISCSI_OP_DATA_IN         = 0x25,
        ISCSI_OP_LOGOUT_RSP      = 0x26,
        ISCSI_OP_R2T             = 0x31,
        ISCSI_OP_ASYNC_MSG       = 0x32,
        ISCSI_OP_REJECT          = 0x3f,
        /* 0x3c-0x3e vendor-specific: decode returns -EOPNOTSUPP */
};

/* Byte 1 flag bits. The meaning of each bit depends on the opcode. */
#define ISCSI_FLAG_FINAL              0x80u  /* F: most opcodes (fixed 1 where the RFC says so) */
/* SCSI Command */
#define ISCSI_FLAG_CMD_READ           0x40u  /* R */
#define ISCSI_FLAG_CMD_WRITE          0x20u  /* W */
#define ISCSI_FLAG_CMD_ATTR_MASK      0x07u  /* task attribute, see task_attr */
/* SCSI Response */
#define ISCSI_FLAG_RSP_BIDI_OVERFLOW  0x10u  /* o */
#define ISCSI_FLAG_RSP_BIDI_UNDERFLOW 0x08u  /* u */
#define ISCSI_FLAG_RSP_OVERFLOW       0x04u  /* O */
#define ISCSI_FLAG_RSP_UNDERFLOW      0x02u  /* U */
/* SCSI Data-In */
#define ISCSI_FLAG_DATA_ACK           0x40u  /* A */
#define ISCSI_FLAG_DATA_OVERFLOW      0x04u  /* O */
#define ISCSI_FLAG_DATA_UNDERFLOW     0x02u  /* U */
#define ISCSI_FLAG_DATA_STATUS        0x01u  /* S: status is in this PDU (requires F) */
/* Login Request/Response and Text Request/Response */
#define ISCSI_FLAG_LOGIN_TRANSIT      0x80u  /* T (login: same bit position as F) */
#define ISCSI_FLAG_CONTINUE           0x40u  /* C: text continues in the next PDU */
#define ISCSI_FLAG_LOGIN_CSG_MASK     0x0cu
#define ISCSI_FLAG_LOGIN_CSG_SHIFT    2
#define ISCSI_FLAG_LOGIN_NSG_MASK     0x03u

/* Task attributes (SCSI Command byte 1, bits 0-2). */
enum iscsi_task_attr {
        ISCSI_ATTR_UNTAGGED      = 0,
        ISCSI_ATTR_SIMPLE        = 1,
        ISCSI_ATTR_ORDERED       = 2,
        ISCSI_ATTR_HEAD_OF_QUEUE = 3,
        ISCSI_ATTR_ACA           = 4,
};

/* Login stages (CSG/NSG). Value 2 is reserved. */
enum iscsi_login_stage {
        ISCSI_STAGE_SECURITY     = 0,
        ISCSI_STAGE_OPERATIONAL  = 1,
        ISCSI_STAGE_FULL_FEATURE = 3,
};

/* Login Response Status-Class (RFC 7143 §11.13.5). */
enum iscsi_status_class {
        ISCSI_STATUS_CLASS_SUCCESS        = 0x00,
        ISCSI_STATUS_CLASS_REDIRECT       = 0x01,
        ISCSI_STATUS_CLASS_INITIATOR_ERR  = 0x02,
        ISCSI_STATUS_CLASS_TARGET_ERR     = 0x03,
};

/* Login Response status as (class << 8 | detail). */
enum iscsi_login_status {
        ISCSI_LOGIN_STATUS_SUCCESS            = 0x0000,
        ISCSI_LOGIN_STATUS_TGT_MOVED_TEMP     = 0x0101,
        ISCSI_LOGIN_STATUS_TGT_MOVED_PERM     = 0x0102,
        ISCSI_LOGIN_STATUS_INIT_ERR           = 0x0200,
        ISCSI_LOGIN_STATUS_AUTH_FAILED        = 0x0201,
        ISCSI_LOGIN_STATUS_TGT_FORBIDDEN      = 0x0202, /* authorization failure */
        ISCSI_LOGIN_STATUS_TGT_NOT_FOUND      = 0x0203,
        ISCSI_LOGIN_STATUS_TGT_REMOVED        = 0x0204,
        ISCSI_LOGIN_STATUS_NO_VERSION         = 0x0205,
        ISCSI_LOGIN_STATUS_TOO_MANY_CONNS     = 0x0206,
        ISCSI_LOGIN_STATUS_MISSING_FIELDS     = 0x0207,
        ISCSI_LOGIN_STATUS_CONN_ADD_FAILED    = 0x0208,
        ISCSI_LOGIN_STATUS_NO_SESSION_TYPE    = 0x0209,
        ISCSI_LOGIN_STATUS_NO_SESSION         = 0x020a,
        ISCSI_LOGIN_STATUS_INVALID_REQUEST    = 0x020b, /* invalid request during login */
        ISCSI_LOGIN_STATUS_TARGET_ERROR       = 0x0300,
        ISCSI_LOGIN_STATUS_SVC_UNAVAILABLE    = 0x0301,
        ISCSI_LOGIN_STATUS_NO_RESOURCES       = 0x0302,
};

/* SCSI Response "Response" field. */
enum iscsi_scsi_response {
        ISCSI_RSP_COMPLETED      = 0x00,
        ISCSI_RSP_TARGET_FAILURE = 0x01,
};

/* Task Management functions (request byte 1, bits 0-6). */
enum iscsi_tmf_function {
        ISCSI_TMF_ABORT_TASK        = 1,
        ISCSI_TMF_ABORT_TASK_SET    = 2,
        ISCSI_TMF_CLEAR_ACA         = 3,
        ISCSI_TMF_CLEAR_TASK_SET    = 4,
        ISCSI_TMF_LOGICAL_UNIT_RESET = 5,
        ISCSI_TMF_TARGET_WARM_RESET = 6,
        ISCSI_TMF_TARGET_COLD_RESET = 7,
        ISCSI_TMF_TASK_REASSIGN     = 8,
};

/* Task Management response codes. */
enum iscsi_tmf_response {
        ISCSI_TMF_RSP_COMPLETE        = 0,
        ISCSI_TMF_RSP_NO_TASK         = 1,
        ISCSI_TMF_RSP_NO_LUN          = 2,
        ISCSI_TMF_RSP_TASK_ALLEGIANT  = 3,
        ISCSI_TMF_RSP_NO_FAILOVER     = 4,
        ISCSI_TMF_RSP_NOT_SUPPORTED   = 5,
        ISCSI_TMF_RSP_AUTH_FAILED     = 6,
        ISCSI_TMF_RSP_REJECTED        = 255,
};

/* Logout Request reason codes (byte 1, bits 0-6). */
enum iscsi_logout_reason {
        ISCSI_LOGOUT_CLOSE_SESSION    = 0,
        ISCSI_LOGOUT_CLOSE_CONNECTION = 1,
        ISCSI_LOGOUT_REMOVE_FOR_RECOVERY = 2,
};

/* Logout Response codes. */
enum iscsi_logout_response {
        ISCSI_LOGOUT_RSP_SUCCESS         = 0,
        ISCSI_LOGOUT_RSP_CID_NOT_FOUND   = 1,
        ISCSI_LOGOUT_RSP_NO_RECOVERY     = 2,
        ISCSI_LOGOUT_RSP_CLEANUP_FAILED  = 3,
};

/* Reject reason codes (RFC 7143 §11.17.1). */
enum iscsi_reject_reason {
        ISCSI_REJECT_DATA_DIGEST       = 0x02,
        ISCSI_REJECT_SNACK             = 0x03,
        ISCSI_REJECT_PROTOCOL_ERROR    = 0x04,
        ISCSI_REJECT_CMD_NOT_SUPPORTED = 0x05,
        ISCSI_REJECT_IMM_CMD_REJECT    = 0x06,
        ISCSI_REJECT_TASK_IN_PROGRESS  = 0x07,
        ISCSI_REJECT_INVALID_DATA_ACK  = 0x08,
        ISCSI_REJECT_INVALID_PDU_FIELD = 0x09,
        ISCSI_REJECT_LONG_OP_REJECT    = 0x0a, /* out of resources */
        ISCSI_REJECT_NEGOTIATION_RESET = 0x0b, /* deprecated */
        ISCSI_REJECT_WAITING_FOR_LOGOUT = 0x0c,
};

/* Asynchronous Message AsyncEvent codes. */
enum iscsi_async_event {
        ISCSI_ASYNC_SCSI_EVENT          = 0,
        ISCSI_ASYNC_REQUEST_LOGOUT      = 1,
        ISCSI_ASYNC_DROP_CONNECTION     = 2,
        ISCSI_ASYNC_DROP_ALL_CONNECTIONS = 3,
        ISCSI_ASYNC_REQUEST_NEGOTIATION = 4,
        ISCSI_ASYNC_VENDOR              = 255,
};

/* SNACK types (byte 1, bits 0-3). */
enum iscsi_snack_type {
        ISCSI_SNACK_DATA_R2T  = 0,
        ISCSI_SNACK_STATUS    = 1,
        ISCSI_SNACK_DATA_ACK  = 2,
        ISCSI_SNACK_RDATA     = 3,
};

/* AHS types (RFC 7143 §11.2.2). */
enum iscsi_ahs_type {
        ISCSI_AHS_EXTENDED_CDB   = 1,
        ISCSI_AHS_BIDI_READ_LEN  = 2,   /* Expected Bidirectional Read Data Length */
};

/* Digest selection bits for the whole-PDU helpers (HeaderDigest/DataDigest=CRC32C negotiated). */
enum {
        ISCSI_DIGEST_HEADER = 1u << 0,
        ISCSI_DIGEST_DATA   = 1u << 1,
};

/*
 * Decoded BHS. Common fields first, then per-opcode fields; each per-opcode field is only read
 * by iscsi_bhs_encode() and only written by iscsi_bhs_decode() for the opcodes listed next to
 * it (others are left zero by decode and ignored by encode). Zero-initialize before filling.
 *
 * Byte 1 rule: on decode, `flags` is byte 1 verbatim and `final` is its 0x80 bit. On encode,
 * byte 1 = (single-bit flags valid for the opcode, taken from `flags`, plus F if `final`)
 * | (multi-bit fields from their named members: task_attr, csg/nsg, tmf_function,
 * logout_reason, snack_type) | (bits the RFC fixes to 1, e.g. F on NOP/TMF/R2T/...).
 * So a decoded struct re-encodes to the same bytes (modulo reserved bits).
 */
struct iscsi_bhs {
        /* --- common --- */
        uint8_t  opcode;          /* enum iscsi_opcode, without the I bit */
        bool     immediate;       /* I bit; initiator opcodes only (Login: always set on encode) */
        bool     final;           /* F bit (for Login this position is T) */
        uint8_t  flags;           /* byte 1, see rule above */
        uint8_t  totalahslen;     /* in 4-byte words; iscsi_pdu_out_init() fills it from the AHS */
        uint32_t dlength;         /* DataSegmentLength, 24-bit, excluding padding */
        uint64_t lun;             /* bytes 8-15 big-endian: SCSI Cmd, TMF Req, Data-Out/In, R2T, NOP, Text, SNACK, Async */
        uint32_t itt;             /* Initiator Task Tag (ISCSI_RESERVED_TAG for unsolicited) */

        /* --- sequence numbers --- */
        uint32_t ttt;             /* Target Transfer Tag: NOP-Out/In, Text, Data-Out/In, R2T, SNACK (also SNACK Tag) */
        uint32_t cmdsn;           /* initiator PDUs: NOP-Out, SCSI Cmd, TMF, Login, Text, Logout */
        uint32_t expstatsn;       /* initiator PDUs incl. Data-Out and SNACK */
        uint32_t statsn;          /* target PDUs (Data-In only meaningful with S bit) */
        uint32_t expcmdsn;        /* target PDUs */
        uint32_t maxcmdsn;        /* target PDUs */
        uint32_t datasn;          /* Data-Out/In; Reject: DataSN/R2TSN */
        uint32_t r2tsn;           /* R2T */
        uint32_t expdatasn;       /* SCSI Response, TMF Request */

        /* --- SCSI command / data --- */
        uint32_t edtl;            /* SCSI Cmd: Expected Data Transfer Length */
        uint8_t  task_attr;       /* SCSI Cmd: enum iscsi_task_attr */
        uint8_t  cdb[ISCSI_CDB_SIZE]; /* SCSI Cmd: first 16 CDB bytes */
        uint32_t buffer_offset;   /* Data-Out/In, R2T */
        uint32_t desired_length;  /* R2T: Desired Data Transfer Length */
        uint32_t residual_count;  /* SCSI Rsp, Data-In */
        uint32_t bidi_residual_count; /* SCSI Rsp: Bidirectional Read Residual Count */
        uint32_t snack_tag;       /* SCSI Rsp */
        uint8_t  response;        /* SCSI Rsp, TMF Rsp, Logout Rsp */
        uint8_t  status;          /* SCSI Rsp, Data-In (with S): SCSI status byte */

        /* --- login --- */
        uint8_t  isid[6];         /* Login Req/Rsp: bytes 8-13 */
        uint16_t tsih;            /* Login Req/Rsp: bytes 14-15 */
        uint16_t cid;             /* Login Req, Logout Req */
        uint8_t  version_max;     /* Login Req/Rsp */
        uint8_t  version_min;     /* Login Req */
        uint8_t  version_active;  /* Login Rsp */
        uint8_t  csg;             /* Login Req/Rsp: enum iscsi_login_stage */
        uint8_t  nsg;             /* Login Req/Rsp: enum iscsi_login_stage (only meaningful with T) */
        uint8_t  status_class;    /* Login Rsp: enum iscsi_status_class */
        uint8_t  status_detail;   /* Login Rsp */

        /* --- others --- */
        uint8_t  reject_reason;   /* Reject: enum iscsi_reject_reason */
        uint8_t  async_event;     /* Async: enum iscsi_async_event */
        uint8_t  async_vcode;     /* Async */
        uint16_t async_param1, async_param2, async_param3; /* Async */
        uint8_t  tmf_function;    /* TMF Req: enum iscsi_tmf_function */
        uint32_t rtt;             /* TMF Req: Referenced Task Tag */
        uint32_t refcmdsn;        /* TMF Req */
        uint8_t  logout_reason;   /* Logout Req: enum iscsi_logout_reason */
        uint16_t time2wait;       /* Logout Rsp */
        uint16_t time2retain;     /* Logout Rsp */
        uint8_t  snack_type;      /* SNACK: enum iscsi_snack_type */
        uint32_t begrun;          /* SNACK */
        uint32_t runlength;       /* SNACK */
};

/* Opcode classification. */
bool iscsi_opcode_is_known(uint8_t opcode);
bool iscsi_opcode_is_initiator(uint8_t opcode);   /* 0x00-0x1f */
const char *iscsi_opcode_to_string(uint8_t opcode); /* "SCSI Command", ...; NULL if unknown */

/*
 * BHS encode: struct -> 48 bytes. Returns 0, or -EINVAL for an unknown opcode or a field out of
 * range (dlength > 24 bits, csg/nsg > 3, snack_type > 15, tmf_function/logout_reason > 127,
 * task_attr > 7). Reserved fields are written as zero.
 */
int iscsi_bhs_encode(const struct iscsi_bhs *h, uint8_t out[static ISCSI_BHS_SIZE]);

/*
 * BHS decode: 48 bytes -> struct. Safe on any input. Returns 0, -ENODATA if len < 48,
 * -EOPNOTSUPP for unknown/vendor opcodes, -EBADMSG for combinations the RFC forbids:
 * Login with T and C both set, Login CSG or (with T) NSG = 2, Text Req/Rsp with F and C set,
 * Data-In with S but not F, SCSI Rsp with both O and U or both o and u,
 * Data-In with both O and U. Reserved fields are otherwise ignored (RFC 7143 §11.2.1:
 * receivers ignore reserved bits). *ret is untouched on failure.
 */
int iscsi_bhs_decode(const void *buf, size_t len, struct iscsi_bhs *ret);

/* Total on-wire size of the PDU whose BHS is h: 48 + AHS + [hdr digest] + data + pad + [data digest]. */
size_t iscsi_pdu_total_length(const struct iscsi_bhs *h, unsigned digests);

/* Read only TotalAHSLength/DataSegmentLength from raw bytes: total PDU size, or -ENODATA if len<48. */
int iscsi_pdu_peek_length(const void *buf, size_t len, unsigned digests, size_t *ret_total);

/* Bytes of zero padding after a data segment of length n. */
static inline size_t iscsi_pad_len(size_t n) {
        return (4u - (n & 3u)) & 3u;
}

/* A parsed whole PDU; pointers point into the caller's buffer. */
struct iscsi_pdu_view {
        struct iscsi_bhs bhs;
        const uint8_t *ahs;       /* NULL if none */
        size_t ahs_len;           /* bytes, = totalahslen * 4 */
        const uint8_t *data;      /* NULL if dlength == 0 */
        size_t data_len;          /* = bhs.dlength, without padding */
        size_t total_len;         /* bytes consumed from the buffer */
};

/*
 * Parse one whole PDU at the start of buf. digests: ISCSI_DIGEST_* in effect on the connection;
 * max_dlength: reject larger data segments with -E2BIG (0 = no limit beyond 24 bits).
 * Validates the AHS chain (-EBADMSG) and the digests (-EPROTO header, -EILSEQ data).
 * Returns 0, -ENODATA if len is shorter than the PDU, or any iscsi_bhs_decode() error.
 * Order: the header digest is checked first (a corrupted header is -EPROTO, never
 * -EOPNOTSUPP/-EBADMSG), then the BHS, -E2BIG, length, AHS, and the data digest last.
 * On -EOPNOTSUPP/-EILSEQ/-E2BIG the caller may still want the raw header for a Reject: it is
 * the first 48 bytes of buf.
 */
int iscsi_pdu_parse(const void *buf, size_t len, unsigned digests, uint32_t max_dlength,
                    struct iscsi_pdu_view *ret);

/* --- AHS --- */

struct iscsi_ahs {
        uint8_t type;             /* enum iscsi_ahs_type */
        uint16_t length;          /* AHSLength: bytes of type-specific data (incl. its reserved byte) */
        const uint8_t *value;     /* points to byte 3 of the AHS (the AHS-specific field) */
};

/*
 * Iterate an AHS chain: *offset starts at 0. Returns 1 and fills *ret, 0 at the end, or
 * -EBADMSG if an AHS runs past ahs_len. ahs_len must be a multiple of 4 (else -EBADMSG).
 */
int iscsi_ahs_next(const uint8_t *ahs, size_t ahs_len, size_t *offset, struct iscsi_ahs *ret);

/* Validate a whole AHS chain: 0 or -EBADMSG. */
int iscsi_ahs_validate(const uint8_t *ahs, size_t ahs_len);

/*
 * Append an Extended CDB AHS carrying cdb[16..cdb_len) (cdb_len > 16, <= 16 + 1020 - 4) to
 * buf (capacity bufsize, current fill *len, a multiple of 4). -EINVAL/-ENOBUFS on error.
 */
int iscsi_ahs_append_ext_cdb(uint8_t *buf, size_t bufsize, size_t *len, const uint8_t *cdb, size_t cdb_len);
/* Append an Expected Bidirectional Read Data Length AHS. */
int iscsi_ahs_append_bidi_read_len(uint8_t *buf, size_t bufsize, size_t *len, uint32_t read_len);
/* Find the extended CDB: 0 with pointer/length of the extra bytes, -ENOENT if absent, -EBADMSG. */
int iscsi_ahs_find_ext_cdb(const uint8_t *ahs, size_t ahs_len, const uint8_t **ret_extra, size_t *ret_len);
/* Find the bidirectional read length: 0, -ENOENT, or -EBADMSG (also on a wrong AHSLength). */
int iscsi_ahs_find_bidi_read_len(const uint8_t *ahs, size_t ahs_len, uint32_t *ret);

/* --- assembling whole PDUs for sending --- */

/*
 * One outgoing PDU: header part (BHS + AHS + header digest) in place, data referenced (not
 * copied), tail (padding + data digest) in place. Valid as long as the data stays alive and
 * unchanged.
 */
struct iscsi_pdu_out {
        uint8_t hdr[ISCSI_BHS_SIZE + ISCSI_MAX_AHS_LEN + ISCSI_DIGEST_SIZE];
        size_t hdr_len;
        const void *data;
        size_t data_len;
        uint8_t tail[3 + ISCSI_DIGEST_SIZE];
        size_t tail_len;
};

/*
 * Encode h (with h->dlength = bytes at data; totalahslen is taken from ahs_len, which must be a
 * multiple of 4 and <= ISCSI_MAX_AHS_LEN) and compute digests selected by `digests`.
 * data may be NULL only if h->dlength == 0. Errors: -EINVAL.
 */
int iscsi_pdu_out_init(struct iscsi_pdu_out *p, const struct iscsi_bhs *h,
                       const void *ahs, size_t ahs_len, const void *data, unsigned digests);
/* Total bytes of the PDU. */
size_t iscsi_pdu_out_size(const struct iscsi_pdu_out *p);
/* Fill iov[0..2] (header, data, tail), skipping empty parts; returns the iovec count (1-3). */
int iscsi_pdu_out_iovec(const struct iscsi_pdu_out *p, struct iovec iov[static 3]);
/* Copy the whole PDU into buf: returns bytes written, or -ENOBUFS. */
ssize_t iscsi_pdu_out_copy(const struct iscsi_pdu_out *p, void *buf, size_t bufsize);

/* One-shot: encode + copy into buf. Returns bytes written or negative errno. */
ssize_t iscsi_pdu_build(const struct iscsi_bhs *h, const void *ahs, size_t ahs_len,
                        const void *data, unsigned digests, void *buf, size_t bufsize);

/* --- small helpers --- */

/* Login stage helpers for byte 1. */
static inline uint8_t iscsi_login_flags(bool transit, bool cont, uint8_t csg, uint8_t nsg) {
        return (uint8_t) ((transit ? ISCSI_FLAG_LOGIN_TRANSIT : 0) | (cont ? ISCSI_FLAG_CONTINUE : 0) |
                          ((csg & 3u) << ISCSI_FLAG_LOGIN_CSG_SHIFT) | (nsg & 3u));
}

/*
 * SAM LUN <-> 8-byte LUN field: peripheral addressing for LUN < 256, flat space addressing
 * for 256..16383 (callers must keep lun < 16384; higher bits are dropped).
 */
static inline uint64_t iscsi_lun_from_int(unsigned lun) {
        if (lun < 256)
                return (uint64_t) lun << 48;
        return (uint64_t) (0x4000u | (lun & 0x3fffu)) << 48;
}
static inline unsigned iscsi_lun_to_int(uint64_t lun) {
        return (unsigned) ((lun >> 48) & 0x3fffu);
}

/* Big-endian accessors used by the codec and handy for callers. */
static inline uint16_t iscsi_get_be16(const uint8_t *p) {
        return (uint16_t) ((p[0] << 8) | p[1]);
}
static inline uint32_t iscsi_get_be24(const uint8_t *p) {
        return ((uint32_t) p[0] << 16) | ((uint32_t) p[1] << 8) | p[2];
}
static inline uint32_t iscsi_get_be32(const uint8_t *p) {
        return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}
static inline uint64_t iscsi_get_be64(const uint8_t *p) {
        return ((uint64_t) iscsi_get_be32(p) << 32) | iscsi_get_be32(p + 4);
}
static inline void iscsi_put_be16(uint8_t *p, uint16_t v) {
        p[0] = (uint8_t) (v >> 8);
        p[1] = (uint8_t) v;
}
static inline void iscsi_put_be24(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t) (v >> 16);
        p[1] = (uint8_t) (v >> 8);
        p[2] = (uint8_t) v;
}
static inline void iscsi_put_be32(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t) (v >> 24);
        p[1] = (uint8_t) (v >> 16);
        p[2] = (uint8_t) (v >> 8);
        p[3] = (uint8_t) v;
}
static inline void iscsi_put_be64(uint8_t *p, uint64_t v) {
        iscsi_put_be32(p, (uint32_t) (v >> 32));
        iscsi_put_be32(p + 4, (uint32_t) v);
}
