/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* LUN encoding and opcode names. */
#include "scsi.h"

void scsi_lun_encode(uint64_t lun, uint8_t out[8]) {
        memset(out, 0, 8);
        if (lun < 256)
                out[1] = (uint8_t) lun;                 /* peripheral device addressing */
        else {
                out[0] = 0x40 | ((lun >> 8) & 0x3f);    /* flat space addressing */
                out[1] = (uint8_t) lun;
        }
}

uint64_t scsi_lun_decode(const uint8_t in[8]) {
        switch (in[0] >> 6) {
        case 0: /* peripheral device addressing: only bus 0 exists here */
                return in[0] == 0 ? in[1] : UINT64_MAX;
        case 1: /* flat space addressing */
                return ((uint64_t) (in[0] & 0x3f) << 8) | in[1];
        default:
                /* Other methods are not used by iSCSI initiators; keep the raw value so it
                 * never matches a mapped LUN. */
                return UINT64_MAX;
        }
}

const char *scsi_opcode_name(uint8_t opcode) {
        static const char *const names[256] = {
                [0x00] = "TEST UNIT READY",
                [0x03] = "REQUEST SENSE",
                [0x08] = "READ(6)",
                [0x0a] = "WRITE(6)",
                [0x12] = "INQUIRY",
                [0x15] = "MODE SELECT(6)",
                [0x16] = "RESERVE(6)",
                [0x17] = "RELEASE(6)",
                [0x1a] = "MODE SENSE(6)",
                [0x1b] = "START STOP UNIT",
                [0x1e] = "PREVENT ALLOW MEDIUM REMOVAL",
                [0x25] = "READ CAPACITY(10)",
                [0x28] = "READ(10)",
                [0x2a] = "WRITE(10)",
                [0x2e] = "WRITE AND VERIFY(10)",
                [0x2f] = "VERIFY(10)",
                [0x34] = "PRE-FETCH(10)",
                [0x35] = "SYNCHRONIZE CACHE(10)",
                [0x37] = "READ DEFECT DATA(10)",
                [0x41] = "WRITE SAME(10)",
                [0x42] = "UNMAP",
                [0x55] = "MODE SELECT(10)",
                [0x56] = "RESERVE(10)",
                [0x57] = "RELEASE(10)",
                [0x5a] = "MODE SENSE(10)",
                [0x5e] = "PERSISTENT RESERVE IN",
                [0x5f] = "PERSISTENT RESERVE OUT",
                [0x88] = "READ(16)",
                [0x89] = "COMPARE AND WRITE",
                [0x8a] = "WRITE(16)",
                [0x8b] = "ORWRITE(16)",
                [0x8e] = "WRITE AND VERIFY(16)",
                [0x8f] = "VERIFY(16)",
                [0x90] = "PRE-FETCH(16)",
                [0x91] = "SYNCHRONIZE CACHE(16)",
                [0x93] = "WRITE SAME(16)",
                [0x9e] = "SERVICE ACTION IN(16)",
                [0xa0] = "REPORT LUNS",
                [0xa3] = "MAINTENANCE IN",
                [0xa8] = "READ(12)",
                [0xaa] = "WRITE(12)",
                [0xae] = "WRITE AND VERIFY(12)",
                [0xaf] = "VERIFY(12)",
                [0xb7] = "READ DEFECT DATA(12)",
        };
        return names[opcode];
}
