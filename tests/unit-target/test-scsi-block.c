/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The block backstore on a loop device: O_DIRECT io_uring reads and writes, size from
 * BLKGETSIZE64, UNMAP as a discard, SYNCHRONIZE CACHE. Skipped (with the reason) where no
 * loop device can be set up, e.g. without root or inside a restricted container. */
#include <linux/loop.h>
#include <sys/ioctl.h>

#include "scsi-test-util.h"

struct loopdev {
        char file[64];
        char dev[32];
        int fd;
};

static int loop_attach(struct loopdev *l, uint64_t size) {
        int ctl, backing, n;

        snprintf(l->file, sizeof(l->file), "/tmp/unit-target-loop-XXXXXX");
        backing = mkstemp(l->file);
        if (backing < 0)
                return -1;
        if (ftruncate(backing, (off_t) size) < 0)
                goto fail;
        ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
        if (ctl < 0)
                goto fail;
        n = ioctl(ctl, LOOP_CTL_GET_FREE);
        close(ctl);
        if (n < 0)
                goto fail;
        snprintf(l->dev, sizeof(l->dev), "/dev/loop%d", n);
        l->fd = open(l->dev, O_RDWR | O_CLOEXEC);
        if (l->fd < 0)
                goto fail;
        if (ioctl(l->fd, LOOP_SET_FD, backing) < 0) {
                close(l->fd);
                goto fail;
        }
        close(backing);
        return 0;
fail:
        close(backing);
        unlink(l->file);
        return -1;
}

static void loop_detach(struct loopdev *l) {
        ioctl(l->fd, LOOP_CLR_FD, 0);
        close(l->fd);
        unlink(l->file);
}

static struct loopdev l;
static bool attached;

/* Detach even when an assertion ended the test early. */
static int teardown(void **state) {
        (void) state;
        if (attached)
                loop_detach(&l);
        attached = false;
        return 0;
}

static void test_block_backstore(void **state) {
        struct backstore *b = NULL;
        struct scsi_lu_params p;
        struct fx f = { 0 };
        uint8_t cdb[16], *rd;
        (void) state;

        if (geteuid() != 0 || loop_attach(&l, 16u << 20) < 0)
                skip();         /* needs root and a loop device */
        attached = true;

        assert_int_equal(backstore_open_block(l.dev, false, &b), 0);
        assert_int_equal(backstore_get_size(b), 16u << 20);
        assert_int_equal(backstore_get_type(b), BACKSTORE_BLOCK);
        scsi_lu_params_init(&p);
        p.name = "blk";
        assert_int_equal(scsi_lu_new(&p, b, &f.lu), 0);
        assert_int_equal(scsi_engine_new(32, &f.e), 0);
        assert_int_equal(scsi_nexus_new("iqn.x:i", NULL, "iqn.x:t", 1, &f.n1), 0);
        f.bs = 512;
        f.blocks = (16u << 20) / 512;

        fx_write(&f, 8, 16, 0x5c);
        rd = fx_read(&f, 8, 16);
        assert_true(all_bytes(rd, 16 * 512, 0x5c));
        free(rd);
        fx_write(&f, f.blocks - 8, 8, 0x6d);
        rd = fx_read(&f, f.blocks - 8, 8);
        assert_true(all_bytes(rd, 8 * 512, 0x6d));
        free(rd);

        cdb_rw10(cdb, 0x35, 0, 0);
        assert_int_equal(fx_status(&f, f.n1, cdb, 10, 0, NULL, 0), SCSI_STATUS_GOOD);

        /* UNMAP on a block device: the range reads back as zeroes. */
        {
                uint8_t um[10] = { 0x42, [8] = 24 }, par[24] = { 0 };
                put16(par, 22);
                put16(par + 2, 16);
                put64(par + 8, 8);
                put32(par + 16, 16);
                assert_int_equal(fx_status(&f, f.n1, um, 10, 0, par, 24), SCSI_STATUS_GOOD);
        }
        rd = fx_read(&f, 8, 16);
        assert_true(all_bytes(rd, 16 * 512, 0));
        free(rd);

        /* A read-only block backstore refuses writes with DATA PROTECT. */
        scsi_nexus_unref(f.n1);
        scsi_lu_unref(f.lu);
        assert_int_equal(backstore_open_block(l.dev, true, &b), 0);
        assert_int_equal(scsi_lu_new(&p, b, &f.lu), 0);
        assert_int_equal(scsi_nexus_new("iqn.x:i", NULL, "iqn.x:t", 1, &f.n1), 0);
        {
                uint8_t blk[512] = { 0 };
                cdb_rw10(cdb, 0x2a, 0, 1);
                fx_expect_sense(&f, f.n1, cdb, 10, 0, blk, 512, SCSI_SENSE_DATA_PROTECT, 0x27, 0x00);
        }
        scsi_nexus_unref(f.n1);
        scsi_lu_unref(f.lu);
        scsi_engine_free(f.e);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_teardown(test_block_backstore, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
