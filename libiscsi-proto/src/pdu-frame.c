/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Whole PDUs: length computation, parsing with digest checks, assembly for sending. */
#include <string.h>

#include "iscsi-proto/digest.h"
#include "iscsi-proto/pdu.h"

static size_t frame_length(size_t ahs_len, size_t dlength, unsigned digests) {
        size_t n = ISCSI_BHS_SIZE + ahs_len;

        if (digests & ISCSI_DIGEST_HEADER)
                n += ISCSI_DIGEST_SIZE;
        if (dlength > 0) {
                n += dlength + iscsi_pad_len(dlength);
                if (digests & ISCSI_DIGEST_DATA)
                        n += ISCSI_DIGEST_SIZE;
        }
        return n;
}

size_t iscsi_pdu_total_length(const struct iscsi_bhs *h, unsigned digests) {
        return frame_length((size_t) h->totalahslen * 4, h->dlength, digests);
}

int iscsi_pdu_peek_length(const void *buf, size_t len, unsigned digests, size_t *ret_total) {
        const uint8_t *b = buf;

        if (!buf || len < ISCSI_BHS_SIZE)
                return -ENODATA;
        *ret_total = frame_length((size_t) b[4] * 4, iscsi_get_be24(b + 5), digests);
        return 0;
}

int iscsi_pdu_parse(const void *buf, size_t len, unsigned digests, uint32_t max_dlength,
                    struct iscsi_pdu_view *ret) {
        const uint8_t *b = buf;
        struct iscsi_pdu_view v = {};
        size_t off;
        int r;

        if (!buf || len < ISCSI_BHS_SIZE)
                return -ENODATA;

        /* Check the header digest before believing anything in the header: a corrupted
         * opcode must be reported as a digest error, not as an unknown opcode. */
        v.ahs_len = (size_t) b[4] * 4;
        off = ISCSI_BHS_SIZE + v.ahs_len;
        if (digests & ISCSI_DIGEST_HEADER) {
                if (len < off + ISCSI_DIGEST_SIZE)
                        return -ENODATA;
                if (iscsi_crc32c(b, off) != iscsi_digest_get(b + off))
                        return -EPROTO;
                off += ISCSI_DIGEST_SIZE;
        }

        r = iscsi_bhs_decode(buf, len, &v.bhs);
        if (r < 0)
                return r;
        if (max_dlength > 0 && v.bhs.dlength > max_dlength)
                return -E2BIG;
        v.total_len = iscsi_pdu_total_length(&v.bhs, digests);
        if (len < v.total_len)
                return -ENODATA;

        if (v.ahs_len > 0) {
                v.ahs = b + ISCSI_BHS_SIZE;
                r = iscsi_ahs_validate(v.ahs, v.ahs_len);
                if (r < 0)
                        return r;
        }
        if (v.bhs.dlength > 0) {
                size_t padded = v.bhs.dlength + iscsi_pad_len(v.bhs.dlength);

                v.data = b + off;
                v.data_len = v.bhs.dlength;
                if ((digests & ISCSI_DIGEST_DATA) && iscsi_crc32c(b + off, padded) != iscsi_digest_get(b + off + padded))
                        return -EILSEQ;
        }

        *ret = v;
        return 0;
}

int iscsi_pdu_out_init(struct iscsi_pdu_out *p, const struct iscsi_bhs *h,
                       const void *ahs, size_t ahs_len, const void *data, unsigned digests) {
        struct iscsi_bhs hh;
        size_t pad;
        int r;

        if (ahs_len % 4 != 0 || ahs_len > ISCSI_MAX_AHS_LEN || (ahs_len > 0 && !ahs))
                return -EINVAL;
        if (h->dlength > 0 && !data)
                return -EINVAL;

        hh = *h;
        hh.totalahslen = (uint8_t) (ahs_len / 4);
        r = iscsi_bhs_encode(&hh, p->hdr);
        if (r < 0)
                return r;
        if (ahs_len > 0)
                memcpy(p->hdr + ISCSI_BHS_SIZE, ahs, ahs_len);
        p->hdr_len = ISCSI_BHS_SIZE + ahs_len;
        if (digests & ISCSI_DIGEST_HEADER) {
                iscsi_digest_put(p->hdr + p->hdr_len, iscsi_crc32c(p->hdr, p->hdr_len));
                p->hdr_len += ISCSI_DIGEST_SIZE;
        }

        p->data = hh.dlength > 0 ? data : NULL;
        p->data_len = hh.dlength;
        p->tail_len = 0;
        if (hh.dlength > 0) {
                pad = iscsi_pad_len(hh.dlength);
                memset(p->tail, 0, pad);
                p->tail_len = pad;
                if (digests & ISCSI_DIGEST_DATA) {
                        uint32_t s = iscsi_crc32c_update(ISCSI_CRC32C_INIT, data, hh.dlength);

                        s = iscsi_crc32c_update(s, p->tail, pad);
                        iscsi_digest_put(p->tail + pad, iscsi_crc32c_final(s));
                        p->tail_len += ISCSI_DIGEST_SIZE;
                }
        }
        return 0;
}

size_t iscsi_pdu_out_size(const struct iscsi_pdu_out *p) {
        return p->hdr_len + p->data_len + p->tail_len;
}

int iscsi_pdu_out_iovec(const struct iscsi_pdu_out *p, struct iovec iov[static 3]) {
        int n = 0;

        iov[n++] = (struct iovec) { .iov_base = (void *) p->hdr, .iov_len = p->hdr_len };
        if (p->data_len > 0)
                iov[n++] = (struct iovec) { .iov_base = (void *) p->data, .iov_len = p->data_len };
        if (p->tail_len > 0)
                iov[n++] = (struct iovec) { .iov_base = (void *) p->tail, .iov_len = p->tail_len };
        return n;
}

ssize_t iscsi_pdu_out_copy(const struct iscsi_pdu_out *p, void *buf, size_t bufsize) {
        uint8_t *o = buf;
        size_t total = iscsi_pdu_out_size(p);

        if (!buf || bufsize < total)
                return -ENOBUFS;
        memcpy(o, p->hdr, p->hdr_len);
        if (p->data_len > 0)
                memmove(o + p->hdr_len, p->data, p->data_len);
        memcpy(o + p->hdr_len + p->data_len, p->tail, p->tail_len);
        return (ssize_t) total;
}

ssize_t iscsi_pdu_build(const struct iscsi_bhs *h, const void *ahs, size_t ahs_len,
                        const void *data, unsigned digests, void *buf, size_t bufsize) {
        struct iscsi_pdu_out p;
        int r;

        r = iscsi_pdu_out_init(&p, h, ahs, ahs_len, data, digests);
        if (r < 0)
                return r;
        return iscsi_pdu_out_copy(&p, buf, bufsize);
}
