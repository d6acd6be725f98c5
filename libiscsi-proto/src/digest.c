/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <isa-l/crc.h>
#include <limits.h>

#include "iscsi-proto/digest.h"

uint32_t iscsi_crc32c_update(uint32_t state, const void *buf, size_t len) {
        /* ISA-L takes a non-const pointer and an int length; it never writes the buffer. */
        unsigned char *p = (unsigned char *) (uintptr_t) buf;

        while (len > 0) {
                int chunk = len > (size_t) INT_MAX ? INT_MAX : (int) len;

                state = crc32_iscsi(p, chunk, state);
                p += chunk;
                len -= (size_t) chunk;
        }
        return state;
}

uint32_t iscsi_crc32c(const void *buf, size_t len) {
        return iscsi_crc32c_final(iscsi_crc32c_update(ISCSI_CRC32C_INIT, buf, len));
}
