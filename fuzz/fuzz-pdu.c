/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness: PDU decode/parse. Besides "never crash", checks invariants:
 * decode -> encode -> decode is a fixed point, and a parsed PDU re-assembled with the same
 * digests parses to the same data.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi-proto/pdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_bhs_fixed_point(const uint8_t *data, size_t size) {
        struct iscsi_bhs d1, d2;
        uint8_t b1[ISCSI_BHS_SIZE], b2[ISCSI_BHS_SIZE];

        if (iscsi_bhs_decode(data, size, &d1) < 0)
                return;
        if (iscsi_bhs_encode(&d1, b1) < 0)
                abort(); /* anything decode accepts must be encodable */
        if (iscsi_bhs_decode(b1, sizeof(b1), &d2) < 0)
                abort();
        if (iscsi_bhs_encode(&d2, b2) < 0 || memcmp(b1, b2, sizeof(b1)) != 0)
                abort();
        /* Byte 1 may change: encode drops reserved bits and sets the ones the RFC fixes to 1
         * (F on NOP-Out, R2T, ...), but it never invents any other bit. */
        if ((d2.flags & ~d1.flags & 0x7f) != 0)
                abort();
        if (d1.opcode != d2.opcode || d1.dlength != d2.dlength || d1.itt != d2.itt ||
            d1.totalahslen != d2.totalahslen || d1.lun != d2.lun || d1.ttt != d2.ttt ||
            d1.cmdsn != d2.cmdsn || d1.expstatsn != d2.expstatsn || d1.statsn != d2.statsn ||
            d1.expcmdsn != d2.expcmdsn || d1.maxcmdsn != d2.maxcmdsn || d1.datasn != d2.datasn ||
            d1.buffer_offset != d2.buffer_offset || d1.csg != d2.csg || d1.nsg != d2.nsg ||
            d1.tmf_function != d2.tmf_function || d1.status_class != d2.status_class ||
            memcmp(d1.cdb, d2.cdb, sizeof(d1.cdb)) != 0 || memcmp(d1.isid, d2.isid, sizeof(d1.isid)) != 0)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static uint8_t out[ISCSI_BHS_SIZE + ISCSI_MAX_AHS_LEN + 4 + 65536 + 8];
        size_t total;

        check_bhs_fixed_point(data, size);
        (void) iscsi_pdu_peek_length(data, size, ISCSI_DIGEST_HEADER, &total);

        for (unsigned digests = 0; digests < 4; digests++) {
                struct iscsi_pdu_view v, v2;
                ssize_t n;

                if (iscsi_pdu_parse(data, size, digests, digests & 1 ? 65536 : 0, &v) < 0)
                        continue;
                if (v.total_len > size || v.data_len != v.bhs.dlength)
                        abort();
                if (v.ahs_len > 0) {
                        struct iscsi_ahs a;
                        size_t off = 0;
                        const uint8_t *x;
                        size_t xl;
                        uint32_t rl;

                        while (iscsi_ahs_next(v.ahs, v.ahs_len, &off, &a) > 0)
                                if (a.value + a.length > v.ahs + v.ahs_len)
                                        abort();
                        (void) iscsi_ahs_find_ext_cdb(v.ahs, v.ahs_len, &x, &xl);
                        (void) iscsi_ahs_find_bidi_read_len(v.ahs, v.ahs_len, &rl);
                }
                if (v.data_len > 65536)
                        continue;
                n = iscsi_pdu_build(&v.bhs, v.ahs, v.ahs_len, v.data, digests, out, sizeof(out));
                if (n < 0)
                        abort();
                if (iscsi_pdu_parse(out, (size_t) n, digests, 0, &v2) < 0)
                        abort();
                if (v2.data_len != v.data_len || (v.data_len && memcmp(v2.data, v.data, v.data_len) != 0) ||
                    v2.ahs_len != v.ahs_len || (v.ahs_len && memcmp(v2.ahs, v.ahs, v.ahs_len) != 0))
                        abort();
        }
        return 0;
}
