/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Micro-benchmark of the SCSI layer alone (no network): READ(16)/WRITE(16) at a queue depth
 * against a fileio path or "ram", for 3 seconds, on one engine with batching. Not a test.
 *   scsi-microbench PATH|ram XFER_BYTES QD [w]      (fileio PATH is created at 1 GiB) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "scsi.h"

struct slot {
        struct scsi_cmd cmd;
        bool done;
        bool used;
};

static void done_cb(struct scsi_cmd *c) {
        ((struct slot *) c->userdata)->done = true;
}

static double now(void) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

/* READ(16) or WRITE(16) of nb blocks at lba in slot sl. */
static void start_io(struct slot *sl, struct scsi_lu *lu, struct scsi_engine *e, struct scsi_nexus *n, bool write,
                     uint64_t lba, uint32_t nb, uint32_t xfer) {
        struct scsi_cmd *c = &sl->cmd;

        scsi_cmd_init(c);
        c->cdb[0] = write ? SCSI_OP_WRITE_16 : SCSI_OP_READ_16;
        for (int k = 0; k < 8; k++)
                c->cdb[2 + k] = (uint8_t) (lba >> (56 - 8 * k));
        for (int k = 0; k < 4; k++)
                c->cdb[10 + k] = (uint8_t) (nb >> (24 - 8 * k));
        c->nexus = n;
        c->read = !write;
        c->write = write;
        c->expected_len = xfer;
        c->done = done_cb;
        c->userdata = sl;
        sl->used = true;
        sl->done = false;
        (void) scsi_cmd_prepare(lu, c);
        if (scsi_cmd_submit(e, c) == SCSI_SUBMIT_COMPLETED)
                sl->done = true;
}

int main(int argc, char **argv) {
        uint64_t size = UINT64_C(1) << 30, seq = 0;
        struct backstore *b = NULL;
        struct scsi_lu *lu = NULL;
        struct scsi_engine *e = NULL;
        struct scsi_nexus *n = NULL;
        struct scsi_lu_params p;
        unsigned seed = 1;
        long ops = 0;
        double t0, t;

        if (argc < 4) {
                fprintf(stderr, "usage: %s PATH|ram XFER_BYTES QD [w]\n", argv[0]);
                return 2;
        }
        uint32_t xfer = (uint32_t) atoi(argv[2]), nb = xfer / 512;
        int qd = atoi(argv[3]);
        bool write = argc > 4 && argv[4][0] == 'w';
        if (nb == 0 || qd <= 0)
                return 2;
        if (streq(argv[1], "ram") ? backstore_open_ramdisk(size, false, &b) < 0 :
            backstore_open_fileio(argv[1], size, true, false, &b) < 0) {
                fprintf(stderr, "cannot open backstore\n");
                return 1;
        }
        scsi_lu_params_init(&p);
        p.name = "bench";
        if (scsi_lu_new(&p, b, &lu) < 0 || scsi_engine_new(256, &e) < 0 ||
            scsi_nexus_new("iqn.2026-01.bench:i", NULL, "iqn.2026-01.bench:t", 1, &n) < 0)
                return 1;
        scsi_engine_set_batching(e, true);

        struct slot *s = calloc((size_t) qd, sizeof(*s));
        uint64_t blocks = size / 512;
        for (int i = 0; i < qd; i++)
                s[i].done = true;
        t0 = now();
        while (now() - t0 < 3.0) {
                for (int i = 0; i < qd; i++) {
                        struct scsi_cmd *c = &s[i].cmd;
                        uint64_t lba;

                        if (!s[i].done)
                                continue;
                        if (s[i].used) {
                                scsi_cmd_release(c);
                                ops++;
                        }
                        lba = xfer <= 4096 ? ((uint64_t) rand_r(&seed) % (blocks / nb)) * nb : (seq += nb) % blocks;
                        start_io(&s[i], lu, e, n, write, lba, nb, xfer);
                }
                (void) scsi_engine_flush(e);
                if (scsi_engine_in_flight(e) > 0)
                        (void) scsi_engine_wait(e);
        }
        t = now() - t0;
        printf("%s %u bytes QD%d %s: %.0f IOPS, %.2f GB/s\n", argv[1], xfer, qd, write ? "write" : "read",
               (double) ops / t, (double) ops * xfer / t / 1e9);
        for (int i = 0; i < qd; i++) {
                while (!s[i].done)
                        (void) scsi_engine_wait(e);
                if (s[i].used)
                        scsi_cmd_release(&s[i].cmd);
        }
        free(s);
        scsi_nexus_unref(n);
        scsi_lu_unref(lu);
        scsi_engine_free(e);
        return 0;
}
