/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reservations between two I_T nexuses: PERSISTENT RESERVE IN/OUT of every type and
 * service action, and RESERVE/RELEASE(6). */
#include "scsi-test-util.h"

enum { WE = 1, EA = 3, WERO = 5, EARO = 6, WEAR = 7, EAAR = 8 };

static int prout(struct fx *f, struct scsi_nexus *n, uint8_t sa, uint8_t type, uint64_t key, uint64_t sakey) {
        uint8_t cdb[10] = { 0x5f, sa, type, 0, 0, 0, 0, 0, 24, 0 };
        uint8_t p[24] = { 0 };

        put64(p, key);
        put64(p + 8, sakey);
        return fx_status(f, n, cdb, 10, 0, p, 24);
}

static struct scsi_cmd prin(struct fx *f, struct scsi_nexus *n, uint8_t sa) {
        uint8_t cdb[10] = { 0x5e, sa, 0, 0, 0, 0, 0, 0x04, 0, 0 };
        struct scsi_cmd cmd;
        assert_int_equal(fx_run(f, n, cdb, 10, 1024, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        return cmd;
}

static int do_read(struct fx *f, struct scsi_nexus *n) {
        uint8_t cdb[16];
        cdb_rw10(cdb, 0x28, 0, 1);
        return fx_status(f, n, cdb, 10, f->bs, NULL, 0);
}

static int do_write(struct fx *f, struct scsi_nexus *n) {
        uint8_t cdb[16], blk[4096] = { 0 };
        cdb_rw10(cdb, 0x2a, 0, 1);
        return fx_status(f, n, cdb, 10, 0, blk, f->bs);
}

static int do_tur(struct fx *f, struct scsi_nexus *n) {
        uint8_t cdb[6] = { 0 };
        return fx_status(f, n, cdb, 6, 0, NULL, 0);
}

/* Clear pending UAs of a nexus. */
static void drain_ua(struct fx *f, struct scsi_nexus *n) {
        for (int i = 0; i < 10 && do_tur(f, n) != SCSI_STATUS_GOOD; i++)
                ;
}

static void test_register_read_keys(void **state) {
        struct fx *f = *state;
        struct scsi_cmd cmd;

        assert_int_equal(prout(f, f->n1, 0, 0, 0, 0xaa), SCSI_STATUS_GOOD);
        assert_int_equal(prout(f, f->n2, 6, 0, 0x1234, 0xbb), SCSI_STATUS_GOOD);  /* ignore key */
        cmd = prin(f, f->n1, 0);
        assert_int_equal(get32(cmd.buf), 2);                            /* generation */
        assert_int_equal(get32(cmd.buf + 4), 16);
        assert_true((get64(cmd.buf + 8) == 0xaa && get64(cmd.buf + 16) == 0xbb) ||
                    (get64(cmd.buf + 8) == 0xbb && get64(cmd.buf + 16) == 0xaa));
        scsi_cmd_release(&cmd);

        /* REGISTER with the wrong current key conflicts; with the right one changes it. */
        assert_int_equal(prout(f, f->n1, 0, 0, 0x99, 0xcc), SCSI_STATUS_RESERVATION_CONFLICT);
        assert_int_equal(prout(f, f->n1, 0, 0, 0xaa, 0xcc), SCSI_STATUS_GOOD);
        /* Unregister with key 0. */
        assert_int_equal(prout(f, f->n1, 0, 0, 0xcc, 0), SCSI_STATUS_GOOD);
        cmd = prin(f, f->n1, 0);
        assert_int_equal(get32(cmd.buf), 4);
        assert_int_equal(get32(cmd.buf + 4), 8);
        assert_int_equal(get64(cmd.buf + 8), 0xbb);
        scsi_cmd_release(&cmd);

        /* Truncated READ KEYS still reports the full length. */
        uint8_t cdb[10] = { 0x5e, 0, 0, 0, 0, 0, 0, 0, 8, 0 };
        assert_int_equal(fx_run(f, f->n1, cdb, 10, 8, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(cmd.data_in_len, 8);
        assert_int_equal(get32(cmd.buf + 4), 8);
        scsi_cmd_release(&cmd);

        /* Parameter list length must be 24; APTPL is not supported. */
        uint8_t bad[10] = { 0x5f, 0, 0, 0, 0, 0, 0, 0, 20, 0 };
        uint8_t p[24] = { 0 };
        fx_expect_sense(f, f->n1, bad, 10, 0, p, 20, SCSI_SENSE_ILLEGAL_REQUEST, 0x1a, 0x00);
        bad[8] = 24;
        put64(p + 8, 5);
        p[20] = 0x01;
        fx_expect_sense(f, f->n1, bad, 10, 0, p, 24, SCSI_SENSE_ILLEGAL_REQUEST, 0x26, 0x00);
}

static void test_report_capabilities(void **state) {
        struct fx *f = *state;
        struct scsi_cmd cmd = prin(f, f->n1, 2);

        assert_int_equal(get16(cmd.buf), 8);
        assert_int_equal(cmd.data_in_len, 8);
        assert_int_equal(cmd.buf[3] & 0x80, 0x80);                      /* TMV */
        assert_int_equal(cmd.buf[4], 0x80 | 0x40 | 0x20 | 0x08 | 0x02);
        assert_int_equal(cmd.buf[5] & 0x01, 0x01);
        scsi_cmd_release(&cmd);
}

/* Access matrix for each type: holder n1, n2 registered or not. */
static void check_access(struct fx *f, uint8_t type, bool n2_registered) {
        bool all_reg = type == WEAR || type == EAAR;
        bool ro_or_ar = type >= WERO;
        bool read_ok = type == WE || type == WERO || type == WEAR || (ro_or_ar && n2_registered);
        bool write_ok = ro_or_ar && n2_registered;
        struct scsi_cmd cmd;

        assert_int_equal(prout(f, f->n1, 0, 0, 0, 0xa1), SCSI_STATUS_GOOD);
        if (n2_registered)
                assert_int_equal(prout(f, f->n2, 0, 0, 0, 0xb2), SCSI_STATUS_GOOD);
        assert_int_equal(prout(f, f->n1, 1, type, 0xa1, 0), SCSI_STATUS_GOOD);

        cmd = prin(f, f->n2, 1);
        assert_int_equal(get32(cmd.buf + 4), 16);
        assert_int_equal(get64(cmd.buf + 8), all_reg ? 0 : 0xa1);
        assert_int_equal(cmd.buf[21] & 0x0f, type);
        scsi_cmd_release(&cmd);

        assert_int_equal(do_read(f, f->n1), SCSI_STATUS_GOOD);
        assert_int_equal(do_write(f, f->n1), SCSI_STATUS_GOOD);
        assert_int_equal(do_read(f, f->n2), read_ok ? SCSI_STATUS_GOOD : SCSI_STATUS_RESERVATION_CONFLICT);
        assert_int_equal(do_write(f, f->n2), write_ok ? SCSI_STATUS_GOOD : SCSI_STATUS_RESERVATION_CONFLICT);
        /* INQUIRY, TUR and PR IN are never blocked. */
        assert_int_equal(do_tur(f, f->n2), SCSI_STATUS_GOOD);

        /* Reserving again: same type by the holder is GOOD, anything else conflicts. */
        assert_int_equal(prout(f, f->n1, 1, type, 0xa1, 0), SCSI_STATUS_GOOD);
        assert_int_equal(prout(f, f->n1, 1, type == WE ? EA : WE, 0xa1, 0),
                         all_reg || true ? SCSI_STATUS_RESERVATION_CONFLICT : SCSI_STATUS_GOOD);
        if (n2_registered && !all_reg)
                assert_int_equal(prout(f, f->n2, 1, type, 0xb2, 0), SCSI_STATUS_RESERVATION_CONFLICT);

        /* RELEASE with the wrong type: INVALID RELEASE OF PERSISTENT RESERVATION. */
        {
                uint8_t cdb[10] = { 0x5f, 2, type == WE ? EA : WE, 0, 0, 0, 0, 0, 24, 0 };
                uint8_t p[24] = { 0 };
                put64(p, 0xa1);
                fx_expect_sense(f, f->n1, cdb, 10, 0, p, 24, SCSI_SENSE_ILLEGAL_REQUEST, 0x26, 0x04);
        }
        assert_int_equal(prout(f, f->n1, 2, type, 0xa1, 0), SCSI_STATUS_GOOD);
        if (n2_registered && ro_or_ar) {
                /* Registrants are told that an RO/AR reservation was released. */
                uint8_t tur[6] = { 0 };
                fx_expect_sense(f, f->n2, tur, 6, 0, NULL, 0, SCSI_SENSE_UNIT_ATTENTION, 0x2a, 0x04);
        }
        assert_int_equal(do_write(f, f->n2), SCSI_STATUS_GOOD);
        assert_int_equal(prout(f, f->n1, 3, 0, 0xa1, 0), SCSI_STATUS_GOOD);   /* CLEAR */
        drain_ua(f, f->n2);
        cmd = prin(f, f->n1, 0);
        assert_int_equal(get32(cmd.buf + 4), 0);
        scsi_cmd_release(&cmd);
}

#define ACCESS_TEST(name, type, reg) \
        static void name(void **state) { check_access(*state, type, reg); }
ACCESS_TEST(test_access_we, WE, false)
ACCESS_TEST(test_access_ea, EA, false)
ACCESS_TEST(test_access_wero, WERO, false)
ACCESS_TEST(test_access_wero_reg, WERO, true)
ACCESS_TEST(test_access_earo, EARO, false)
ACCESS_TEST(test_access_earo_reg, EARO, true)
ACCESS_TEST(test_access_wear, WEAR, false)
ACCESS_TEST(test_access_wear_reg, WEAR, true)
ACCESS_TEST(test_access_eaar, EAAR, false)
ACCESS_TEST(test_access_eaar_reg, EAAR, true)

static void test_reserve_unregistered(void **state) {
        struct fx *f = *state;

        assert_int_equal(prout(f, f->n1, 1, WE, 0, 0), SCSI_STATUS_RESERVATION_CONFLICT);
        assert_int_equal(prout(f, f->n1, 2, WE, 0, 0), SCSI_STATUS_RESERVATION_CONFLICT);
        assert_int_equal(prout(f, f->n1, 3, 0, 0, 0), SCSI_STATUS_RESERVATION_CONFLICT);
        assert_int_equal(prout(f, f->n1, 0, 0, 0, 0xa1), SCSI_STATUS_GOOD);
        assert_int_equal(prout(f, f->n1, 1, 2, 0xa1, 0), SCSI_STATUS_CHECK_CONDITION); /* bad type */
        assert_int_equal(prout(f, f->n1, 1, 0x11, 0xa1, 0), SCSI_STATUS_CHECK_CONDITION); /* scope */
        /* Releasing when nothing is reserved is fine. */
        assert_int_equal(prout(f, f->n1, 2, WE, 0xa1, 0), SCSI_STATUS_GOOD);
}

static void test_preempt(void **state) {
        struct fx *f = *state;
        struct scsi_cmd cmd;

        assert_int_equal(prout(f, f->n1, 0, 0, 0, 0xa1), SCSI_STATUS_GOOD);
        assert_int_equal(prout(f, f->n2, 0, 0, 0, 0xb2), SCSI_STATUS_GOOD);
        assert_int_equal(prout(f, f->n1, 1, WE, 0xa1, 0), SCSI_STATUS_GOOD);
        assert_int_equal(do_write(f, f->n2), SCSI_STATUS_RESERVATION_CONFLICT);
        /* Preempting an unknown key conflicts; key 0 is an invalid field. */
        assert_int_equal(prout(f, f->n2, 4, EA, 0xb2, 0x77), SCSI_STATUS_RESERVATION_CONFLICT);
        assert_int_equal(prout(f, f->n2, 4, EA, 0xb2, 0), SCSI_STATUS_CHECK_CONDITION);
        /* n2 preempts the holder: takes the reservation as EA, n1 is unregistered. */
        assert_int_equal(prout(f, f->n2, 4, EA, 0xb2, 0xa1), SCSI_STATUS_GOOD);
        {
                uint8_t tur[6] = { 0 };
                fx_expect_sense(f, f->n1, tur, 6, 0, NULL, 0, SCSI_SENSE_UNIT_ATTENTION, 0x2a, 0x05);
        }
        assert_int_equal(do_read(f, f->n1), SCSI_STATUS_RESERVATION_CONFLICT);
        assert_int_equal(do_write(f, f->n2), SCSI_STATUS_GOOD);
        cmd = prin(f, f->n1, 1);
        assert_int_equal(get64(cmd.buf + 8), 0xb2);
        assert_int_equal(cmd.buf[21], EA);
        scsi_cmd_release(&cmd);
        cmd = prin(f, f->n1, 0);
        assert_int_equal(get32(cmd.buf + 4), 8);
        assert_int_equal(get64(cmd.buf + 8), 0xb2);
        scsi_cmd_release(&cmd);
        /* n1 is no longer registered: its PR OUT with the old key conflicts. */
        assert_int_equal(prout(f, f->n1, 2, WE, 0xa1, 0), SCSI_STATUS_RESERVATION_CONFLICT);

        /* PREEMPT AND ABORT of a non-holder registration without reservation change. */
        assert_int_equal(prout(f, f->n1, 0, 0, 0, 0xc3), SCSI_STATUS_GOOD);
        assert_int_equal(prout(f, f->n2, 5, EA, 0xb2, 0xc3), SCSI_STATUS_GOOD);
        cmd = prin(f, f->n2, 0);
        assert_int_equal(get32(cmd.buf + 4), 8);
        scsi_cmd_release(&cmd);
        /* Unregistering the holder releases the reservation. */
        assert_int_equal(prout(f, f->n2, 0, 0, 0xb2, 0), SCSI_STATUS_GOOD);
        cmd = prin(f, f->n2, 1);
        assert_int_equal(get32(cmd.buf + 4), 0);
        scsi_cmd_release(&cmd);
        drain_ua(f, f->n1);
        assert_int_equal(do_read(f, f->n1), SCSI_STATUS_GOOD);
}

static void test_read_full_status(void **state) {
        struct fx *f = *state;
        struct scsi_cmd cmd;

        assert_int_equal(prout(f, f->n1, 0, 0, 0, 0xa1), SCSI_STATUS_GOOD);
        assert_int_equal(prout(f, f->n1, 1, WE, 0xa1, 0), SCSI_STATUS_GOOD);
        cmd = prin(f, f->n1, 3);
        assert_int_equal(get64(cmd.buf + 8), 0xa1);
        assert_int_equal(cmd.buf[8 + 12] & 0x01, 0x01);                 /* R_HOLDER */
        assert_int_equal(cmd.buf[8 + 13], WE);
        assert_int_equal(cmd.buf[8 + 24], 0x45);                        /* iSCSI, format 01b */
        assert_string_equal((char *) cmd.buf + 8 + 28, "iqn.2026-01.org.example:init1,i,0x400000010000");
        scsi_cmd_release(&cmd);
}

static void test_reserve6(void **state) {
        struct fx *f = *state;
        uint8_t res[6] = { 0x16 }, rel[6] = { 0x17 };
        uint8_t inq[6] = { 0x12, 0, 0, 0, 36, 0 };

        assert_int_equal(fx_status(f, f->n1, res, 6, 0, NULL, 0), SCSI_STATUS_GOOD);
        assert_int_equal(fx_status(f, f->n1, res, 6, 0, NULL, 0), SCSI_STATUS_GOOD);
        assert_int_equal(fx_status(f, f->n2, res, 6, 0, NULL, 0), SCSI_STATUS_RESERVATION_CONFLICT);
        assert_int_equal(do_read(f, f->n2), SCSI_STATUS_RESERVATION_CONFLICT);
        assert_int_equal(do_tur(f, f->n2), SCSI_STATUS_RESERVATION_CONFLICT);
        assert_int_equal(fx_status(f, f->n2, inq, 6, 36, NULL, 0), SCSI_STATUS_GOOD);
        /* RELEASE from the other nexus succeeds but releases nothing. */
        assert_int_equal(fx_status(f, f->n2, rel, 6, 0, NULL, 0), SCSI_STATUS_GOOD);
        assert_int_equal(do_write(f, f->n2), SCSI_STATUS_RESERVATION_CONFLICT);
        assert_int_equal(do_write(f, f->n1), SCSI_STATUS_GOOD);
        assert_int_equal(fx_status(f, f->n1, rel, 6, 0, NULL, 0), SCSI_STATUS_GOOD);
        assert_int_equal(do_write(f, f->n2), SCSI_STATUS_GOOD);

        /* A LUN reset drops it too (with a UA); so does the holder's nexus loss. */
        assert_int_equal(fx_status(f, f->n1, res, 6, 0, NULL, 0), SCSI_STATUS_GOOD);
        scsi_lu_reset(f->lu, SCSI_RESET_LUN);
        drain_ua(f, f->n2);
        assert_int_equal(do_write(f, f->n2), SCSI_STATUS_GOOD);
        drain_ua(f, f->n1);
        assert_int_equal(fx_status(f, f->n1, res, 6, 0, NULL, 0), SCSI_STATUS_GOOD);
        scsi_lu_nexus_loss(f->lu, f->n1);
        assert_int_equal(do_write(f, f->n2), SCSI_STATUS_GOOD);

        /* With a PR registration present, RESERVE(6) conflicts. */
        assert_int_equal(prout(f, f->n1, 0, 0, 0, 0xa1), SCSI_STATUS_GOOD);
        assert_int_equal(fx_status(f, f->n2, res, 6, 0, NULL, 0), SCSI_STATUS_RESERVATION_CONFLICT);
}

/* Registrations are bounded: the 1025th I_T nexus gets INSUFFICIENT REGISTRATION RESOURCES. */
static void test_registration_limit(void **state) {
        struct fx *f = *state;
        uint8_t isid[6] = { 0x40 };

        for (unsigned i = 0; i <= 1024; i++) {
                struct scsi_nexus *n;
                uint8_t cdb[10] = { 0x5f, 0, 0, 0, 0, 0, 0, 0, 24, 0 };
                uint8_t p[24] = { 0 };
                struct scsi_cmd cmd;

                isid[4] = (uint8_t) (i >> 8);
                isid[5] = (uint8_t) i;
                assert_int_equal(scsi_nexus_new("iqn.2026-01.org.example:many", isid,
                                                "iqn.2026-01.org.example:target", 1, &n), 0);
                put64(p + 8, 0x1000 + i);
                fx_run(f, n, cdb, 10, 0, p, 24, &cmd);
                if (i < 1024)
                        assert_int_equal(cmd.status, SCSI_STATUS_GOOD);
                else
                        assert_sense(&cmd, SCSI_SENSE_ILLEGAL_REQUEST, 0x55, 0x04);
                scsi_cmd_release(&cmd);
                scsi_nexus_unref(n);
        }
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup_ram, fx_teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_register_read_keys),
                T(test_report_capabilities),
                T(test_access_we),
                T(test_access_ea),
                T(test_access_wero),
                T(test_access_wero_reg),
                T(test_access_earo),
                T(test_access_earo_reg),
                T(test_access_wear),
                T(test_access_wear_reg),
                T(test_access_eaar),
                T(test_access_eaar_reg),
                T(test_reserve_unregistered),
                T(test_preempt),
                T(test_read_full_status),
                T(test_reserve6),
                T(test_registration_limit),
                cmocka_unit_test_setup_teardown(test_access_we, fx_setup_file, fx_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
