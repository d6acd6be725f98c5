/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Nanoseconds per BHS encode and decode for the PDUs of the target's data path (SCSI Command,
 * Data-Out and NOP-Out decoded; Data-In, SCSI Response, R2T encoded), best of `rounds`.
 * Built and compared against another version of pdu.c by bench/pdu-codec.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "iscsi-proto/pdu.h"

#define ITERATIONS 4000000

static double now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e9 + (double) ts.tv_nsec;
}

static volatile uint32_t sink;

static double bench_encode(const struct iscsi_bhs *h) {
        uint8_t out[ISCSI_BHS_SIZE];
        struct iscsi_bhs x = *h;
        double t0 = now_ns();

        for (uint32_t i = 0; i < ITERATIONS; i++) {
                x.itt = i;                      /* keep the compiler from hoisting the call */
                if (iscsi_bhs_encode(&x, out) < 0)
                        abort();
                sink += out[19];
        }
        return (now_ns() - t0) / ITERATIONS;
}

static double bench_decode(const struct iscsi_bhs *h) {
        uint8_t in[ISCSI_BHS_SIZE];
        struct iscsi_bhs x;
        double t0;

        if (iscsi_bhs_encode(h, in) < 0)
                abort();
        t0 = now_ns();
        for (uint32_t i = 0; i < ITERATIONS; i++) {
                in[19] = (uint8_t) i;
                if (iscsi_bhs_decode(in, sizeof(in), &x) < 0)
                        abort();
                sink += x.itt;
        }
        return (now_ns() - t0) / ITERATIONS;
}

int main(int argc, char **argv) {
        int rounds = argc > 1 ? atoi(argv[1]) : 5;
        const struct iscsi_bhs cmd = { .opcode = ISCSI_OP_SCSI_CMD, .final = true, .flags = ISCSI_FLAG_CMD_READ,
                                       .lun = 1ULL << 48, .edtl = 4096, .cmdsn = 7, .expstatsn = 9,
                                       .cdb = { 0x88, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 8 } },
                           dout = { .opcode = ISCSI_OP_DATA_OUT, .final = true, .dlength = 4096, .ttt = 3,
                                    .expstatsn = 9, .datasn = 1, .buffer_offset = 8192 },
                           nop = { .opcode = ISCSI_OP_NOP_OUT, .immediate = true, .final = true,
                                   .ttt = ISCSI_RESERVED_TAG, .cmdsn = 7 },
                           din = { .opcode = ISCSI_OP_DATA_IN, .final = true, .flags = ISCSI_FLAG_DATA_STATUS,
                                   .dlength = 4096, .lun = 1ULL << 48, .ttt = ISCSI_RESERVED_TAG, .statsn = 5,
                                   .expcmdsn = 8, .maxcmdsn = 136, .datasn = 0 },
                           rsp = { .opcode = ISCSI_OP_SCSI_RSP, .final = true, .statsn = 5, .expcmdsn = 8,
                                   .maxcmdsn = 136 },
                           r2t = { .opcode = ISCSI_OP_R2T, .final = true, .lun = 1ULL << 48, .ttt = 3,
                                   .statsn = 5, .expcmdsn = 8, .maxcmdsn = 136, .r2tsn = 0,
                                   .buffer_offset = 0, .desired_length = 65536 };
        static const char *const names[] = { "decode SCSI Command", "decode Data-Out", "decode NOP-Out",
                                              "encode Data-In", "encode SCSI Response", "encode R2T" };
        double best[6];

        for (int i = 0; i < 6; i++)
                best[i] = 1e9;
        for (int r = 0; r < rounds; r++) {
                double t[6] = { bench_decode(&cmd), bench_decode(&dout), bench_decode(&nop),
                                bench_encode(&din), bench_encode(&rsp), bench_encode(&r2t) };
                for (int i = 0; i < 6; i++)
                        if (t[i] < best[i])
                                best[i] = t[i];
        }
        for (int i = 0; i < 6; i++)
                printf("%s\t%.2f\n", names[i], best[i]);
        return 0;
}
