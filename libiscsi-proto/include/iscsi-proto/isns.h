/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * iSNSP (RFC 4171 §5): messages of the Internet Storage Name Service protocol.
 *
 * A message is a function ID, flags, a transaction ID and a payload; the payload of a response
 * starts with a 4-byte status code. The rest is a list of TLV attributes (tag 4 bytes, length
 * 4 bytes, value padded to a multiple of 4): the source attribute, the message key attributes,
 * a delimiter (tag 0, length 0), then the operating attributes.
 * On the wire a message is one or more PDUs (12-byte header + payload); the first carries the
 * FIRST flag, the last the LAST flag, sequence IDs count from 0.
 *
 * Pure code: bytes in, bytes and structures out; no sockets, no name resolution.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ISNS_DEFAULT_PORT 3205u
#define ISNS_VERSION 1u
#define ISNS_HDR_LEN 12u
#define ISNS_PDU_PAYLOAD_MAX 65532u            /* 16-bit length, multiple of 4 */
#define ISNS_MSG_DEFAULT_MAX (1024u * 1024u)    /* default bound on a reassembled message */
#define ISNS_IP_LEN 16u                         /* addresses are IPv6 or IPv4-mapped */

enum iscsi_isns_function {
        ISNS_DEV_ATTR_REG = 0x0001,
        ISNS_DEV_ATTR_QRY = 0x0002,
        ISNS_DEV_GET_NEXT = 0x0003,
        ISNS_DEV_DEREG = 0x0004,
        ISNS_SCN_REG = 0x0005,
        ISNS_SCN_DEREG = 0x0006,
        ISNS_SCN_EVENT = 0x0007,
        ISNS_SCN = 0x0008,
        ISNS_DD_REG = 0x0009,
        ISNS_DD_DEREG = 0x000a,
        ISNS_DDS_REG = 0x000b,
        ISNS_DDS_DEREG = 0x000c,
        ISNS_ESI = 0x000d,
        ISNS_HEARTBEAT = 0x000e,
        ISNS_RESPONSE = 0x8000,                 /* or-ed into the request's function ID */
};

enum iscsi_isns_flag {
        ISNS_F_CLIENT = 0x8000,
        ISNS_F_SERVER = 0x4000,
        ISNS_F_AUTH = 0x2000,
        ISNS_F_REPLACE = 0x1000,
        ISNS_F_LAST = 0x0800,
        ISNS_F_FIRST = 0x0400,
};

enum iscsi_isns_tag {
        ISNS_TAG_DELIMITER = 0,
        ISNS_TAG_ENTITY_ID = 1,
        ISNS_TAG_ENTITY_PROTOCOL = 2,
        ISNS_TAG_MGMT_IP = 3,
        ISNS_TAG_TIMESTAMP = 4,
        ISNS_TAG_PROTOCOL_VERSION_RANGE = 5,
        ISNS_TAG_REGISTRATION_PERIOD = 6,
        ISNS_TAG_ENTITY_INDEX = 7,
        ISNS_TAG_ENTITY_NEXT_INDEX = 8,
        ISNS_TAG_PORTAL_IP = 16,
        ISNS_TAG_PORTAL_PORT = 17,
        ISNS_TAG_PORTAL_SYMBOLIC_NAME = 18,
        ISNS_TAG_ESI_INTERVAL = 19,
        ISNS_TAG_ESI_PORT = 20,
        ISNS_TAG_PORTAL_INDEX = 22,
        ISNS_TAG_SCN_PORT = 23,
        ISNS_TAG_PORTAL_NEXT_INDEX = 24,
        ISNS_TAG_ISCSI_NAME = 32,
        ISNS_TAG_ISCSI_NODE_TYPE = 33,
        ISNS_TAG_ISCSI_ALIAS = 34,
        ISNS_TAG_ISCSI_SCN_BITMAP = 35,
        ISNS_TAG_ISCSI_NODE_INDEX = 36,
        ISNS_TAG_ISCSI_NODE_NEXT_INDEX = 38,
        ISNS_TAG_ISCSI_AUTHMETHOD = 42,
        ISNS_TAG_PG_ISCSI_NAME = 48,
        ISNS_TAG_PG_PORTAL_IP = 49,
        ISNS_TAG_PG_PORTAL_PORT = 50,
        ISNS_TAG_PG_TAG = 51,
        ISNS_TAG_PG_INDEX = 52,
        ISNS_TAG_PG_NEXT_INDEX = 53,
        ISNS_TAG_DD_ID = 2065,
        ISNS_TAG_DD_SYMBOLIC_NAME = 2066,
};

enum iscsi_isns_entity_protocol {
        ISNS_ENTITY_PROTOCOL_NONE = 1,
        ISNS_ENTITY_PROTOCOL_ISCSI = 2,
        ISNS_ENTITY_PROTOCOL_IFCP = 3,
};

/* iSCSI Node Type bits (RFC 4171 §6.4.2; bit 31 in RFC numbering is the least significant) */
enum iscsi_isns_node_type {
        ISNS_NODE_TARGET = 0x1,
        ISNS_NODE_INITIATOR = 0x2,
        ISNS_NODE_CONTROL = 0x4,
};

/* iSCSI SCN Bitmap bits (RFC 4171 §6.4.4) */
enum iscsi_isns_scn_bit {
        ISNS_SCN_DD_MEMBER_ADDED = 0x01,
        ISNS_SCN_DD_MEMBER_REMOVED = 0x02,
        ISNS_SCN_OBJECT_UPDATED = 0x04,
        ISNS_SCN_OBJECT_ADDED = 0x08,
        ISNS_SCN_OBJECT_REMOVED = 0x10,
        ISNS_SCN_MANAGEMENT = 0x20,
        ISNS_SCN_TARGET_SELF_ONLY = 0x40,
        ISNS_SCN_INITIATOR_SELF_ONLY = 0x80,
};

#define ISNS_PORT_UDP 0x10000u  /* in a Portal TCP/UDP Port value: the port is UDP */

enum iscsi_isns_status {
        ISNS_STATUS_SUCCESS = 0,
        ISNS_STATUS_UNKNOWN_ERROR = 1,
        ISNS_STATUS_MSG_FORMAT_ERROR = 2,
        ISNS_STATUS_INVALID_REGISTRATION = 3,
        ISNS_STATUS_INVALID_QUERY = 5,
        ISNS_STATUS_SOURCE_UNKNOWN = 6,
        ISNS_STATUS_SOURCE_ABSENT = 7,
        ISNS_STATUS_SOURCE_UNAUTHORIZED = 8,
        ISNS_STATUS_NO_SUCH_ENTRY = 9,
        ISNS_STATUS_VERSION_NOT_SUPPORTED = 10,
        ISNS_STATUS_INTERNAL_ERROR = 11,
        ISNS_STATUS_BUSY = 12,
        ISNS_STATUS_OPTION_NOT_UNDERSTOOD = 13,
        ISNS_STATUS_INVALID_UPDATE = 14,
        ISNS_STATUS_MSG_NOT_SUPPORTED = 15,
        ISNS_STATUS_SCN_EVENT_REJECTED = 16,
        ISNS_STATUS_SCN_REG_REJECTED = 17,
        ISNS_STATUS_ATTR_NOT_IMPLEMENTED = 18,
        ISNS_STATUS_ESI_NOT_AVAILABLE = 21,
        ISNS_STATUS_INVALID_DEREG = 22,
        ISNS_STATUS_REG_NOT_SUPPORTED = 23,
};

/* RFC 4171's name of a status code ("Source Unknown"), or "Unknown status". */
const char *iscsi_isns_status_name(uint32_t status);

/* One header (all fields host order). */
struct iscsi_isns_hdr {
        uint16_t version;
        uint16_t function;
        uint16_t length;      /* payload bytes after this header */
        uint16_t flags;
        uint16_t xid;
        uint16_t seq;
};

/* Decode 12 bytes. -EPROTONOSUPPORT for a version other than 1, -EBADMSG for a length that
 * is not a multiple of 4. */
int iscsi_isns_hdr_parse(const uint8_t buf[ISNS_HDR_LEN], struct iscsi_isns_hdr *ret);

struct iscsi_isns_attr {
        uint32_t tag;
        uint32_t len;         /* a multiple of 4 */
        uint8_t *value;       /* malloc()ed, len bytes (NULL when len is 0) */
};

struct iscsi_isns_msg {
        uint16_t function;
        uint16_t flags;       /* ISNS_F_CLIENT/SERVER/REPLACE; FIRST/LAST are set by encode */
        uint16_t xid;
        uint32_t status;      /* responses only (function & ISNS_RESPONSE) */
        struct iscsi_isns_attr *attrs;
        size_t n_attrs;
};

/* Free the attributes and zero *m. NULL-safe. */
void iscsi_isns_msg_clear(struct iscsi_isns_msg *m);
#define _cleanup_isns_msg_ __attribute__((cleanup(iscsi_isns_msg_clear)))

/* Append attributes. -ENOMEM; -EINVAL for a value too long or an unparsable address. */
int iscsi_isns_add_raw(struct iscsi_isns_msg *m, uint32_t tag, const void *value, uint32_t len);
int iscsi_isns_add_string(struct iscsi_isns_msg *m, uint32_t tag, const char *s); /* NUL, padded */
int iscsi_isns_add_u32(struct iscsi_isns_msg *m, uint32_t tag, uint32_t v);
int iscsi_isns_add_ip(struct iscsi_isns_msg *m, uint32_t tag, const char *address); /* v4 or v6 text */
int iscsi_isns_add_nil(struct iscsi_isns_msg *m, uint32_t tag);                     /* length 0 */
int iscsi_isns_add_delimiter(struct iscsi_isns_msg *m);

/*
 * Encode *m as one or more PDUs, each payload at most max_payload bytes (0 = as large as
 * the header allows; rounded down to a multiple of 4, at least 4). *ret malloc()ed.
 * -EINVAL for max_payload < 4, -EMSGSIZE if more than 65536 PDUs would be needed, -ENOMEM.
 */
int iscsi_isns_msg_encode(const struct iscsi_isns_msg *m, size_t max_payload, uint8_t **ret, size_t *ret_len);

/*
 * Decode a complete message payload (the PDU payloads concatenated). For a response the first
 * 4 bytes are the status; a response that is only a status is fine. -EBADMSG for a truncated
 * TLV or a length not a multiple of 4, -EOPNOTSUPP when flags has ISNS_F_AUTH (authentication
 * blocks are not supported), -ENOMEM. *ret must be zeroed; untouched on failure.
 */
int iscsi_isns_msg_decode(uint16_t function, uint16_t flags, uint16_t xid, const uint8_t *payload, size_t len,
                          struct iscsi_isns_msg *ret);

/*
 * Reassembly of a message from PDUs, fed as they come off a byte stream:
 *   iscsi_isns_reasm_init(&r, max)          max 0 = ISNS_MSG_DEFAULT_MAX
 *   iscsi_isns_reasm_want(&r)               bytes to read next (header or payload)
 *   iscsi_isns_reasm_feed(&r, data, len)    len <= want; returns 1 when a message is complete
 *   iscsi_isns_reasm_take(&r, &msg)         decode it; the reassembler is ready for the next
 *   iscsi_isns_reasm_clear(&r)
 * Errors (sticky): those of hdr_parse; -EBADMSG for a PDU that does not continue the message
 * (other function or xid, sequence out of order, FIRST missing on the first PDU);
 * -EMSGSIZE past max; -EINVAL when fed more than want.
 */
struct iscsi_isns_reasm {
        struct iscsi_isns_hdr hdr;       /* of the first PDU */
        struct iscsi_isns_hdr cur;       /* of the PDU being read */
        uint8_t hbuf[ISNS_HDR_LEN];
        size_t hbuf_len;
        bool in_payload;                 /* reading cur's payload */
        size_t payload_left;
        uint8_t *data;                   /* concatenated payloads */
        size_t len;
        size_t max;
        uint16_t next_seq;
        bool started, complete;
        int error;
};

void iscsi_isns_reasm_init(struct iscsi_isns_reasm *r, size_t max);
size_t iscsi_isns_reasm_want(const struct iscsi_isns_reasm *r);
int iscsi_isns_reasm_feed(struct iscsi_isns_reasm *r, const void *data, size_t len);
int iscsi_isns_reasm_take(struct iscsi_isns_reasm *r, struct iscsi_isns_msg *ret);
void iscsi_isns_reasm_clear(struct iscsi_isns_reasm *r);

/* Typed reads of an attribute. -EBADMSG if the value does not have the type's shape. */
/* A string: NUL-terminated within len, non-empty. *ret points into the attribute. */
int iscsi_isns_attr_string(const struct iscsi_isns_attr *a, const char **ret);
int iscsi_isns_attr_u32(const struct iscsi_isns_attr *a, uint32_t *ret);
/* A 16-byte address as text: IPv4 for IPv4-mapped, else IPv6. size >= 46 (INET6_ADDRSTRLEN). */
int iscsi_isns_attr_ip(const struct iscsi_isns_attr *a, char *buf, size_t size);

/* The index of the first attribute with tag at or after index from, or -ENOENT. */
int iscsi_isns_find(const struct iscsi_isns_msg *m, size_t from, uint32_t tag);
/* The index just past the delimiter (the first operating attribute), or m->n_attrs. */
size_t iscsi_isns_operating_start(const struct iscsi_isns_msg *m);
