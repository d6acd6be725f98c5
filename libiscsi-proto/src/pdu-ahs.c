/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Additional Header Segments (RFC 7143 §11.2.2): iteration, validation, building. */
#include <string.h>

#include "iscsi-proto/pdu.h"

/* Each AHS: AHSLength (2, big-endian) | AHSType (1) | AHS-specific (AHSLength bytes) | pad to 4. */
#define AHS_HEADER_SIZE 3u

int iscsi_ahs_next(const uint8_t *ahs, size_t ahs_len, size_t *offset, struct iscsi_ahs *ret) {
        size_t off = *offset, seg;
        uint16_t length;

        if (ahs_len % 4 != 0 || off > ahs_len)
                return -EBADMSG;
        if (off == ahs_len)
                return 0;
        if (!ahs || ahs_len - off < 4)
                return -EBADMSG;

        length = iscsi_get_be16(ahs + off);
        seg = AHS_HEADER_SIZE + (size_t) length;
        seg += iscsi_pad_len(seg);
        if (seg > ahs_len - off)
                return -EBADMSG;

        *ret = (struct iscsi_ahs) {
                .type = ahs[off + 2],
                .length = length,
                .value = ahs + off + AHS_HEADER_SIZE,
        };
        *offset = off + seg;
        return 1;
}

int iscsi_ahs_validate(const uint8_t *ahs, size_t ahs_len) {
        struct iscsi_ahs a;
        size_t off = 0;
        int r;

        while ((r = iscsi_ahs_next(ahs, ahs_len, &off, &a)) > 0)
                ;
        return r;
}

static int ahs_append(uint8_t *buf, size_t bufsize, size_t *len, uint8_t type,
                      const uint8_t *value, size_t value_len) {
        size_t seg = AHS_HEADER_SIZE + value_len, off = *len;

        if (off % 4 != 0 || value_len > UINT16_MAX)
                return -EINVAL;
        seg += iscsi_pad_len(seg);
        if (off + seg > ISCSI_MAX_AHS_LEN)
                return -EINVAL;
        if (!buf || off + seg > bufsize)
                return -ENOBUFS;

        memset(buf + off, 0, seg);
        iscsi_put_be16(buf + off, (uint16_t) value_len);
        buf[off + 2] = type;
        if (value_len > 0)
                memcpy(buf + off + AHS_HEADER_SIZE, value, value_len);
        *len = off + seg;
        return 0;
}

int iscsi_ahs_append_ext_cdb(uint8_t *buf, size_t bufsize, size_t *len, const uint8_t *cdb, size_t cdb_len) {
        /* AHS-specific = Reserved (1) | CDB bytes 16.. ; AHSLength = (cdb_len - 16) + 1. */
        uint8_t value[ISCSI_MAX_AHS_LEN];
        size_t extra;

        if (!cdb || cdb_len <= ISCSI_CDB_SIZE)
                return -EINVAL;
        extra = cdb_len - ISCSI_CDB_SIZE;
        if (extra + 1 + AHS_HEADER_SIZE > ISCSI_MAX_AHS_LEN)
                return -EINVAL;
        value[0] = 0;
        memcpy(value + 1, cdb + ISCSI_CDB_SIZE, extra);
        return ahs_append(buf, bufsize, len, ISCSI_AHS_EXTENDED_CDB, value, extra + 1);
}

int iscsi_ahs_append_bidi_read_len(uint8_t *buf, size_t bufsize, size_t *len, uint32_t read_len) {
        /* AHSLength = 5: Reserved (1) | Expected Read-Data Length (4). */
        uint8_t value[5] = {};

        iscsi_put_be32(value + 1, read_len);
        return ahs_append(buf, bufsize, len, ISCSI_AHS_BIDI_READ_LEN, value, sizeof(value));
}

static int ahs_find(const uint8_t *ahs, size_t ahs_len, uint8_t type, struct iscsi_ahs *ret) {
        struct iscsi_ahs a;
        size_t off = 0;
        int r;

        while ((r = iscsi_ahs_next(ahs, ahs_len, &off, &a)) > 0)
                if (a.type == type) {
                        /* The whole chain must be sane, not just the prefix up to the match. */
                        r = iscsi_ahs_validate(ahs, ahs_len);
                        if (r < 0)
                                return r;
                        *ret = a;
                        return 0;
                }
        return r < 0 ? r : -ENOENT;
}

int iscsi_ahs_find_ext_cdb(const uint8_t *ahs, size_t ahs_len, const uint8_t **ret_extra, size_t *ret_len) {
        struct iscsi_ahs a;
        int r;

        r = ahs_find(ahs, ahs_len, ISCSI_AHS_EXTENDED_CDB, &a);
        if (r < 0)
                return r;
        if (a.length < 2) /* reserved byte plus at least one CDB byte */
                return -EBADMSG;
        *ret_extra = a.value + 1;
        *ret_len = (size_t) a.length - 1;
        return 0;
}

int iscsi_ahs_find_bidi_read_len(const uint8_t *ahs, size_t ahs_len, uint32_t *ret) {
        struct iscsi_ahs a;
        int r;

        r = ahs_find(ahs, ahs_len, ISCSI_AHS_BIDI_READ_LEN, &a);
        if (r < 0)
                return r;
        if (a.length != 5)
                return -EBADMSG;
        *ret = iscsi_get_be32(a.value + 1);
        return 0;
}
