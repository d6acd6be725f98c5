/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* iSNSP message codec: headers, TLV attributes, PDU splitting and reassembly; see isns.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi-proto/isns.h"
#include "iscsi-util/macro.h"

#define ISNS_ATTR_VALUE_MAX (ISNS_MSG_DEFAULT_MAX)
#define ISNS_PDUS_MAX 65536u

static const char *const status_names[] = {
        [ISNS_STATUS_SUCCESS] = "Successful",
        [ISNS_STATUS_UNKNOWN_ERROR] = "Unknown Error",
        [ISNS_STATUS_MSG_FORMAT_ERROR] = "Message Format Error",
        [ISNS_STATUS_INVALID_REGISTRATION] = "Invalid Registration",
        [ISNS_STATUS_INVALID_QUERY] = "Invalid Query",
        [ISNS_STATUS_SOURCE_UNKNOWN] = "Source Unknown",
        [ISNS_STATUS_SOURCE_ABSENT] = "Source Absent",
        [ISNS_STATUS_SOURCE_UNAUTHORIZED] = "Source Unauthorized",
        [ISNS_STATUS_NO_SUCH_ENTRY] = "No Such Entry",
        [ISNS_STATUS_VERSION_NOT_SUPPORTED] = "Version Not Supported",
        [ISNS_STATUS_INTERNAL_ERROR] = "Internal Error",
        [ISNS_STATUS_BUSY] = "Busy",
        [ISNS_STATUS_OPTION_NOT_UNDERSTOOD] = "Option Not Understood",
        [ISNS_STATUS_INVALID_UPDATE] = "Invalid Update",
        [ISNS_STATUS_MSG_NOT_SUPPORTED] = "Message (FUNCTION_ID) Not Supported",
        [ISNS_STATUS_SCN_EVENT_REJECTED] = "SCN Event Rejected",
        [ISNS_STATUS_SCN_REG_REJECTED] = "SCN Registration Rejected",
        [ISNS_STATUS_ATTR_NOT_IMPLEMENTED] = "Attribute Not Implemented",
        [ISNS_STATUS_ESI_NOT_AVAILABLE] = "ESI Not Available",
        [ISNS_STATUS_INVALID_DEREG] = "Invalid Deregistration",
        [ISNS_STATUS_REG_NOT_SUPPORTED] = "Registration Feature Not Supported",
};

const char *iscsi_isns_status_name(uint32_t status) {
        if (status < ELEMENTSOF(status_names) && status_names[status])
                return status_names[status];
        return "Unknown status";
}

static uint16_t get16(const uint8_t *p) {
        return (uint16_t) (p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v) {
        p[0] = v >> 8;
        p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v) {
        put16(p, v >> 16);
        put16(p + 2, v & 0xffff);
}

int iscsi_isns_hdr_parse(const uint8_t buf[ISNS_HDR_LEN], struct iscsi_isns_hdr *ret) {
        struct iscsi_isns_hdr h = {
                .version = get16(buf), .function = get16(buf + 2), .length = get16(buf + 4),
                .flags = get16(buf + 6), .xid = get16(buf + 8), .seq = get16(buf + 10),
        };

        if (h.version != ISNS_VERSION)
                return -EPROTONOSUPPORT;
        if (h.length % 4 != 0)
                return -EBADMSG;
        *ret = h;
        return 0;
}

void iscsi_isns_msg_clear(struct iscsi_isns_msg *m) {
        if (!m)
                return;
        for (size_t i = 0; i < m->n_attrs; i++)
                free(m->attrs[i].value);
        free(m->attrs);
        *m = (struct iscsi_isns_msg) {};
}

/* Append an attribute whose value is len bytes of value followed by pad zero bytes. */
static int add_padded(struct iscsi_isns_msg *m, uint32_t tag, const void *value, size_t len, size_t pad) {
        struct iscsi_isns_attr *v;
        uint8_t *copy = NULL;

        if (len + pad > ISNS_ATTR_VALUE_MAX || (len + pad) % 4 != 0)
                return -EINVAL;
        if (len + pad > 0) {
                copy = calloc(1, len + pad);
                if (!copy)
                        return -ENOMEM;
                if (len > 0)
                        memcpy(copy, value, len);
        }
        v = reallocarray(m->attrs, m->n_attrs + 1, sizeof(*v));
        if (!v) {
                free(copy);
                return -ENOMEM;
        }
        m->attrs = v;
        m->attrs[m->n_attrs++] = (struct iscsi_isns_attr) { .tag = tag, .len = (uint32_t) (len + pad), .value = copy };
        return 0;
}

int iscsi_isns_add_raw(struct iscsi_isns_msg *m, uint32_t tag, const void *value, uint32_t len) {
        return add_padded(m, tag, value, len, 0);
}

int iscsi_isns_add_string(struct iscsi_isns_msg *m, uint32_t tag, const char *s) {
        size_t n = strlen(s);

        /* NUL-terminated, then padded with NULs to a multiple of 4 (RFC 4171 §5.6.1) */
        return add_padded(m, tag, s, n, 4 - n % 4);
}

int iscsi_isns_add_u32(struct iscsi_isns_msg *m, uint32_t tag, uint32_t v) {
        uint8_t b[4];

        put32(b, v);
        return add_padded(m, tag, b, sizeof(b), 0);
}

int iscsi_isns_add_ip(struct iscsi_isns_msg *m, uint32_t tag, const char *address) {
        uint8_t b[ISNS_IP_LEN] = {};
        struct in_addr a4;

        if (inet_pton(AF_INET, address, &a4) == 1) {
                b[10] = b[11] = 0xff; /* ::ffff:a.b.c.d */
                memcpy(b + 12, &a4, sizeof(a4));
        } else if (inet_pton(AF_INET6, address, b) != 1)
                return -EINVAL;
        return add_padded(m, tag, b, sizeof(b), 0);
}

int iscsi_isns_add_nil(struct iscsi_isns_msg *m, uint32_t tag) {
        return add_padded(m, tag, NULL, 0, 0);
}

int iscsi_isns_add_delimiter(struct iscsi_isns_msg *m) {
        return iscsi_isns_add_nil(m, ISNS_TAG_DELIMITER);
}

/* The payload: status (responses), then the TLVs. */
static int payload_build(const struct iscsi_isns_msg *m, uint8_t **ret, size_t *ret_len) {
        size_t len = (m->function & ISNS_RESPONSE) ? 4 : 0, off = 0;
        uint8_t *b;

        for (size_t i = 0; i < m->n_attrs; i++)
                len += 8 + m->attrs[i].len;
        b = malloc(len ?: 1);
        if (!b)
                return -ENOMEM;
        if (m->function & ISNS_RESPONSE) {
                put32(b, m->status);
                off = 4;
        }
        for (size_t i = 0; i < m->n_attrs; i++) {
                put32(b + off, m->attrs[i].tag);
                put32(b + off + 4, m->attrs[i].len);
                if (m->attrs[i].len > 0)
                        memcpy(b + off + 8, m->attrs[i].value, m->attrs[i].len);
                off += 8 + m->attrs[i].len;
        }
        *ret = b;
        *ret_len = len;
        return 0;
}

int iscsi_isns_msg_encode(const struct iscsi_isns_msg *m, size_t max_payload, uint8_t **ret, size_t *ret_len) {
        _cleanup_free_ uint8_t *payload = NULL;
        size_t plen, n_pdus, out_len;
        uint8_t *out;
        int k;

        if (max_payload == 0 || max_payload > ISNS_PDU_PAYLOAD_MAX)
                max_payload = ISNS_PDU_PAYLOAD_MAX;
        max_payload -= max_payload % 4;
        if (max_payload < 4)
                return -EINVAL;
        k = payload_build(m, &payload, &plen);
        if (k < 0)
                return k;
        n_pdus = plen == 0 ? 1 : (plen + max_payload - 1) / max_payload;
        if (n_pdus > ISNS_PDUS_MAX)
                return -EMSGSIZE;
        out_len = n_pdus * ISNS_HDR_LEN + plen;
        out = malloc(out_len);
        if (!out)
                return -ENOMEM;
        for (size_t i = 0, off = 0, o = 0; i < n_pdus; i++) {
                size_t chunk = MIN(max_payload, plen - off);
                uint16_t flags = m->flags & ~(ISNS_F_FIRST | ISNS_F_LAST | ISNS_F_AUTH);

                flags |= (i == 0 ? ISNS_F_FIRST : 0) | (i + 1 == n_pdus ? ISNS_F_LAST : 0);
                put16(out + o, ISNS_VERSION);
                put16(out + o + 2, m->function);
                put16(out + o + 4, (uint16_t) chunk);
                put16(out + o + 6, flags);
                put16(out + o + 8, m->xid);
                put16(out + o + 10, (uint16_t) i);
                memcpy(out + o + ISNS_HDR_LEN, payload + off, chunk);
                o += ISNS_HDR_LEN + chunk;
                off += chunk;
        }
        *ret = out;
        *ret_len = out_len;
        return 0;
}

int iscsi_isns_msg_decode(uint16_t function, uint16_t flags, uint16_t xid, const uint8_t *payload, size_t len,
                          struct iscsi_isns_msg *ret) {
        _cleanup_isns_msg_ struct iscsi_isns_msg m = { .function = function, .flags = flags, .xid = xid };
        size_t off = 0;
        int k;

        if (flags & ISNS_F_AUTH)
                return -EOPNOTSUPP;
        if (function & ISNS_RESPONSE) {
                if (len < 4)
                        return -EBADMSG;
                m.status = get32(payload);
                off = 4;
        }
        while (off < len) {
                uint32_t tag, alen;

                if (len - off < 8)
                        return -EBADMSG;
                tag = get32(payload + off);
                alen = get32(payload + off + 4);
                if (alen % 4 != 0 || alen > len - off - 8)
                        return -EBADMSG;
                k = add_padded(&m, tag, payload + off + 8, alen, 0);
                if (k < 0)
                        return k;
                off += 8 + alen;
        }
        *ret = m;
        m = (struct iscsi_isns_msg) {};
        return 0;
}

int iscsi_isns_attr_string(const struct iscsi_isns_attr *a, const char **ret) {
        if (a->len == 0 || a->value[0] == 0 || !memchr(a->value, 0, a->len))
                return -EBADMSG;
        *ret = (const char *) a->value;
        return 0;
}

int iscsi_isns_attr_u32(const struct iscsi_isns_attr *a, uint32_t *ret) {
        if (a->len != 4)
                return -EBADMSG;
        *ret = get32(a->value);
        return 0;
}

/* IPv4-mapped (::ffff:a.b.c.d, RFC 4171 §6.3.1) or IPv4-compatible (::a.b.c.d, what open-isns
 * sends for IPv4 portals), except :: and ::1. */
static bool holds_ipv4(const uint8_t *v) {
        static const uint8_t v4_mapped[12] = { [10] = 0xff, [11] = 0xff }, zero[12] = {};

        if (memcmp(v, v4_mapped, sizeof(v4_mapped)) == 0)
                return true;
        return memcmp(v, zero, sizeof(zero)) == 0 && (v[12] | v[13] | v[14]) != 0;
}

int iscsi_isns_attr_ip(const struct iscsi_isns_attr *a, char *buf, size_t size) {
        if (a->len != ISNS_IP_LEN)
                return -EBADMSG;
        if (size < INET6_ADDRSTRLEN)
                return -ENOBUFS;
        if (holds_ipv4(a->value))
                return inet_ntop(AF_INET, a->value + 12, buf, (socklen_t) size) ? 0 : -errno;
        return inet_ntop(AF_INET6, a->value, buf, (socklen_t) size) ? 0 : -errno;
}

int iscsi_isns_find(const struct iscsi_isns_msg *m, size_t from, uint32_t tag) {
        for (size_t i = from; i < m->n_attrs; i++)
                if (m->attrs[i].tag == tag)
                        return (int) i;
        return -ENOENT;
}

size_t iscsi_isns_operating_start(const struct iscsi_isns_msg *m) {
        int d = iscsi_isns_find(m, 0, ISNS_TAG_DELIMITER);

        return d < 0 ? m->n_attrs : (size_t) d + 1;
}
