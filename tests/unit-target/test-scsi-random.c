/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Hostile-input robustness: thousands of random CDBs (every supported opcode and random
 * ones, random fields, Expected Data Transfer Lengths and Data-Out) from two nexuses against
 * ramdisk and fileio LUs. Each completion must be self-consistent: a known status, fixed-
 * format sense exactly when CHECK CONDITION, Data-In within the EDTL and the buffer, and a
 * residual that matches. Run under ASan/UBSan by the unit-asan suite. */
#include "scsi-test-util.h"

static const uint8_t opcodes[] = {
        0x00, 0x03, 0x08, 0x0a, 0x12, 0x15, 0x16, 0x17, 0x1a, 0x1b, 0x1e, 0x25, 0x28, 0x2a,
        0x2e, 0x2f, 0x34, 0x35, 0x37, 0x41, 0x42, 0x55, 0x56, 0x57, 0x5a, 0x5e, 0x5f, 0x88,
        0x89, 0x8a, 0x8b, 0x8e, 0x8f, 0x90, 0x91, 0x93, 0x9e, 0xa0, 0xa3, 0xa8, 0xaa, 0xae,
        0xaf, 0xb7, 0x83, 0x84, 0x9c, 0x48, 0xff,
};

static uint32_t rnd(uint64_t *s) {
        /* xorshift64*: deterministic, so a failure reproduces. */
        *s ^= *s >> 12;
        *s ^= *s << 25;
        *s ^= *s >> 27;
        return (uint32_t) ((*s * UINT64_C(2685821657736338717)) >> 32);
}

static void check_cmd(const struct scsi_cmd *cmd) {
        switch (cmd->status) {
        case SCSI_STATUS_GOOD:
        case SCSI_STATUS_RESERVATION_CONFLICT:
        case SCSI_STATUS_BUSY:
                assert_int_equal(cmd->sense_len, 0);
                break;
        case SCSI_STATUS_CHECK_CONDITION:
                assert_int_equal(cmd->sense_len, SCSI_FIXED_SENSE_LEN);
                assert_int_equal(cmd->sense[0] & 0x7f, 0x70);
                assert_int_equal(cmd->sense[7], 10);
                assert_true((cmd->sense[2] & 0x0f) != SCSI_SENSE_NO_SENSE);
                assert_int_equal(cmd->data_in_len, 0);
                break;
        default:
                fail_msg("unexpected status 0x%x", cmd->status);
        }
        assert_true(cmd->data_in_len <= cmd->expected_len);
        if (cmd->data_in_len > 0) {
                assert_true(cmd->read);
                assert_non_null(cmd->buf);
                assert_true(cmd->data_in_len <= cmd->buf_len);
                /* Touch every byte: ASan catches a buffer shorter than claimed. */
                volatile uint8_t sum = 0;
                for (uint32_t i = 0; i < cmd->data_in_len; i++)
                        sum += cmd->buf[i];
                (void) sum;
        }
        if (cmd->resid_kind == SCSI_RESID_UNDERFLOW)
                assert_true(cmd->resid > 0 && cmd->resid <= cmd->expected_len);
        else if (cmd->resid_kind == SCSI_RESID_OVERFLOW)
                assert_true(cmd->resid > 0);
        else
                assert_int_equal(cmd->resid, 0);
}

static void test_random_cdbs(void **state) {
        struct fx *f = *state;
        uint64_t seed = 0x5eed0001;
        uint8_t *out = malloc(1 << 20);

        assert_non_null(out);
        for (int iter = 0; iter < 20000; iter++) {
                struct scsi_cmd cmd;
                uint8_t cdb[16];
                uint32_t edtl, r;
                bool write, read;
                struct scsi_nexus *n = (rnd(&seed) & 1) ? f->n1 : f->n2;

                for (int i = 0; i < 16; i++)
                        cdb[i] = (uint8_t) rnd(&seed);
                cdb[0] = opcodes[rnd(&seed) % sizeof(opcodes)];
                r = rnd(&seed);
                /* Keep LBAs and lengths small most of the time so commands get past the
                 * range checks and really execute. */
                if (r & 1) {
                        memset(cdb + 2, 0, 6);
                        cdb[7] = 0;
                        cdb[8] = (uint8_t) (rnd(&seed) % 64);
                        if (cdb[0] >= 0x80 && cdb[0] < 0xa0) {
                                memset(cdb + 2, 0, 8);
                                cdb[9] = (uint8_t) rnd(&seed);
                                memset(cdb + 10, 0, 3);
                                cdb[13] = (uint8_t) (rnd(&seed) % 64);
                        }
                }
                if (r & 2)
                        cdb[1] &= 0x1f;         /* no protection fields */
                switch ((r >> 4) % 4) {
                case 0: edtl = 0; break;
                case 1: edtl = rnd(&seed) % 512; break;
                case 2: edtl = (rnd(&seed) % 64) * 512; break;
                default: edtl = rnd(&seed) % (1 << 20); break;
                }
                write = (r >> 8) & 1;
                read = !write || ((r >> 9) & 1);
                for (uint32_t i = 0; i < MIN(edtl, 4096u); i++)
                        out[i] = (uint8_t) rnd(&seed);
                fx_run_full(f, f->lu, n, cdb, 16, read, write, edtl, out, (r >> 10) % 8 == 0, &cmd);
                check_cmd(&cmd);
                scsi_cmd_release(&cmd);
                if (iter % 1000 == 999)
                        scsi_lu_reset(f->lu, (enum scsi_reset_kind) (iter / 1000 % 3));
        }
        free(out);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_random_cdbs, fx_setup_ram, fx_teardown),
                cmocka_unit_test_setup_teardown(test_random_cdbs, fx_setup_file, fx_teardown),
                cmocka_unit_test_setup_teardown(test_random_cdbs, fx_setup_shm, fx_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
