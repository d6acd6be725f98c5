/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CRC32C (Castagnoli) as used for iSCSI HeaderDigest/DataDigest (RFC 7143 §13.1, test vectors
 * in RFC 3720 appendix B.4), computed with ISA-L's crc32_iscsi().
 *
 * ISA-L convention: crc32_iscsi(buf, len, seed) neither pre- nor post-inverts, so the standard
 * CRC32C is ~crc32_iscsi(buf, len, 0xffffffff), and a running (non-inverted) state can be fed
 * back as the seed of the next call. The incremental API below hides that.
 *
 * Wire order: the 32-bit digest is sent least significant byte first (RFC 3720 B.4 shows
 * CRC 0x8a9136aa for 32 zero bytes transmitted as aa 36 91 8a).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define ISCSI_CRC32C_INIT 0xffffffffu

/* Incremental: state = init; state = update(state, ...)...; crc = final(state). */
uint32_t iscsi_crc32c_update(uint32_t state, const void *buf, size_t len);
static inline uint32_t iscsi_crc32c_final(uint32_t state) {
        return ~state;
}

/* One-shot CRC32C of buf. */
uint32_t iscsi_crc32c(const void *buf, size_t len);

/* Store/load a digest in wire byte order. */
static inline void iscsi_digest_put(uint8_t out[4], uint32_t crc) {
        out[0] = (uint8_t) crc;
        out[1] = (uint8_t) (crc >> 8);
        out[2] = (uint8_t) (crc >> 16);
        out[3] = (uint8_t) (crc >> 24);
}
static inline uint32_t iscsi_digest_get(const uint8_t in[4]) {
        return (uint32_t) in[0] | ((uint32_t) in[1] << 8) | ((uint32_t) in[2] << 16) | ((uint32_t) in[3] << 24);
}
