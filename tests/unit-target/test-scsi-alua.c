/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ALUA (SPC-5 5.16): TPGS in INQUIRY, the target port group designator, REPORT and SET
 * TARGET PORT GROUPS, commands refused through a standby or unavailable port, and target
 * port groups replaced by a configuration reload. Port 1 (TPG tag 1) is n1/n2's, port 2 is
 * n3's. */
#include "scsi-test-util.h"

static const uint8_t tur[6] = { SCSI_OP_TEST_UNIT_READY };
static const uint8_t inquiry[6] = { SCSI_OP_INQUIRY, 0, 0, 0, 96, 0 };
static const uint8_t vpd83[6] = { SCSI_OP_INQUIRY, 1, 0x83, 1, 0, 0 };

static struct scsi_nexus *nexus_on_port2(void) {
        static const uint8_t isid3[6] = { 0x40, 0, 0, 3, 0, 0 };
        struct scsi_nexus *n = NULL;

        assert_int_equal(scsi_nexus_new("iqn.2026-01.org.example:init3", isid3, "iqn.2026-01.org.example:target",
                                        2, &n), 0);
        return n;
}

/* Two groups: 0 holds port 1 (active/optimized), 1 holds port 2 (standby). */
static void set_two_groups(struct fx *f, uint8_t state0, uint8_t state1, uint8_t access1) {
        struct scsi_alua_group g[2] = {
                { .id = 0, .state = state0, .supported = 0xcf, .access = 3, .ports = { 1 }, .n_ports = 1 },
                { .id = 1, .state = state1, .supported = 0xcf, .access = access1, .preferred = true,
                  .ports = { 2 }, .n_ports = 1 },
        };

        assert_int_equal(scsi_lu_set_alua_groups(f->lu, g, 2), 0);
}

static void rtpg_cdb(uint8_t cdb[12], bool extended) {
        memset(cdb, 0, 12);
        cdb[0] = SCSI_OP_MAINTENANCE_IN;
        cdb[1] = (uint8_t) ((extended ? 0x20 : 0) | SCSI_SA_REPORT_TARGET_PORT_GROUPS);
        put32(cdb + 6, 512);
}

/* SET TARGET PORT GROUPS: one descriptor (group id, state). */
static int stpg(struct fx *f, struct scsi_nexus *n, uint16_t id, uint8_t state, struct scsi_cmd *cmd) {
        uint8_t cdb[12] = { SCSI_OP_MAINTENANCE_OUT, SCSI_SA_SET_TARGET_PORT_GROUPS };
        uint8_t param[8] = {};

        put32(cdb + 6, sizeof(param));
        param[4] = state;
        put16(param + 6, id);
        return fx_run(f, n, cdb, 12, 0, param, sizeof(param), cmd);
}

/* The target port group designator of VPD 0x83 through nexus n. */
static uint16_t vpd_group_id(struct fx *f, struct scsi_nexus *n, uint8_t naa[16]) {
        struct scsi_cmd cmd;
        uint16_t id = 0xffff;

        assert_int_equal(fx_run(f, n, vpd83, 6, 256, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        for (uint32_t off = 4; off + 4 <= cmd.data_in_len; off += 4 + cmd.buf[off + 3]) {
                const uint8_t *d = cmd.buf + off;
                if ((d[1] & 0x0f) == 0x05)              /* target port group */
                        id = get16(d + 6);
                if ((d[1] & 0x0f) == 0x03 && (d[1] & 0x30) == 0)
                        memcpy(naa, d + 4, 16);         /* NAA, logical unit */
        }
        scsi_cmd_release(&cmd);
        return id;
}

static void test_default_group(void **state) {
        struct fx *f = *state;
        uint8_t cdb[12], naa[16];
        struct scsi_cmd cmd;

        /* LIO's default_tg_pt_gp: implicit and explicit ALUA, one group with id 0. */
        assert_int_equal(fx_run(f, f->n1, inquiry, 6, 96, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(cmd.buf[5] & 0x30, 0x30);
        scsi_cmd_release(&cmd);
        assert_int_equal(vpd_group_id(f, f->n1, naa), 0);

        rtpg_cdb(cdb, false);
        assert_int_equal(fx_run(f, f->n1, cdb, 12, 512, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(get32(cmd.buf), 8);
        assert_int_equal(cmd.buf[4] & 0x0f, SCSI_ALUA_ACTIVE_OPTIMIZED);
        assert_int_equal(cmd.buf[5], 0xcf);
        assert_int_equal(get16(cmd.buf + 6), 0);
        scsi_cmd_release(&cmd);
        assert_int_equal(scsi_lu_get_alua_state(f->lu, 1), SCSI_ALUA_ACTIVE_OPTIMIZED);
}

static void test_standby_port(void **state) {
        static const uint8_t report_luns[12] = { SCSI_OP_REPORT_LUNS, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
        struct fx *f = *state;
        struct scsi_nexus *n3 = nexus_on_port2();
        uint8_t cdb[16], naa1[16], naa2[16];
        struct scsi_cmd cmd;

        set_two_groups(f, SCSI_ALUA_ACTIVE_OPTIMIZED, SCSI_ALUA_STANDBY, 3);
        assert_int_equal(fx_status(f, f->n1, tur, 6, 0, NULL, 0), SCSI_STATUS_GOOD);
        fx_expect_sense(f, n3, tur, 6, 0, NULL, 0, SCSI_SENSE_NOT_READY, 0x04, 0x0b);
        cdb_rw10(cdb, SCSI_OP_READ_10, 0, 1);
        fx_expect_sense(f, n3, cdb, 10, 512, NULL, 0, SCSI_SENSE_NOT_READY, 0x04, 0x0b);
        /* What a standby port still answers. */
        assert_int_equal(fx_status(f, n3, inquiry, 6, 96, NULL, 0), SCSI_STATUS_GOOD);
        assert_int_equal(fx_status(f, n3, report_luns, 12, 256, NULL, 0), SCSI_STATUS_GOOD);

        /* Same LU through both ports: one NAA, one group per port. */
        assert_int_equal(vpd_group_id(f, f->n1, naa1), 0);
        assert_int_equal(vpd_group_id(f, n3, naa2), 1);
        assert_memory_equal(naa1, naa2, 16);

        /* REPORT TARGET PORT GROUPS, extended header: both groups with their ports. */
        rtpg_cdb(cdb, true);
        assert_int_equal(fx_run(f, n3, cdb, 12, 512, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(get32(cmd.buf), 4 + 2 * 12);
        assert_int_equal(cmd.buf[4], 0x10);
        assert_int_equal(cmd.buf[8] & 0x0f, SCSI_ALUA_ACTIVE_OPTIMIZED);
        assert_int_equal(cmd.buf[8 + 7], 1);                    /* port count */
        assert_int_equal(get16(cmd.buf + 8 + 8 + 2), 1);        /* relative port 1 */
        assert_int_equal(cmd.buf[20], 0x80 | SCSI_ALUA_STANDBY); /* PREF, standby */
        assert_int_equal(get16(cmd.buf + 20 + 2), 1);
        assert_int_equal(get16(cmd.buf + 20 + 8 + 2), 2);
        scsi_cmd_release(&cmd);

        /* Unavailable refuses with its own sense, INQUIRY still works. */
        set_two_groups(f, SCSI_ALUA_ACTIVE_OPTIMIZED, SCSI_ALUA_UNAVAILABLE, 3);
        fx_expect_sense(f, n3, tur, 6, 0, NULL, 0, SCSI_SENSE_UNIT_ATTENTION, 0x2a, 0x06);
        fx_expect_sense(f, n3, tur, 6, 0, NULL, 0, SCSI_SENSE_NOT_READY, 0x04, 0x0c);
        assert_int_equal(fx_status(f, n3, inquiry, 6, 96, NULL, 0), SCSI_STATUS_GOOD);
        scsi_nexus_unref(n3);
}

static void test_set_target_port_groups(void **state) {
        struct fx *f = *state;
        struct scsi_nexus *n3 = nexus_on_port2();
        struct scsi_cmd cmd;
        uint8_t cdb[12];

        set_two_groups(f, SCSI_ALUA_ACTIVE_OPTIMIZED, SCSI_ALUA_STANDBY, 3);
        fx_expect_sense(f, n3, tur, 6, 0, NULL, 0, SCSI_SENSE_NOT_READY, 0x04, 0x0b);

        /* Explicit ALUA through port 1 makes port 2 active; port 2's nexus is told first. */
        assert_int_equal(stpg(f, f->n1, 1, SCSI_ALUA_ACTIVE_OPTIMIZED, &cmd), SCSI_STATUS_GOOD);
        scsi_cmd_release(&cmd);
        fx_expect_sense(f, n3, tur, 6, 0, NULL, 0, SCSI_SENSE_UNIT_ATTENTION, 0x2a, 0x06);
        assert_int_equal(fx_status(f, n3, tur, 6, 0, NULL, 0), SCSI_STATUS_GOOD);
        assert_int_equal(scsi_lu_get_alua_state(f->lu, 2), SCSI_ALUA_ACTIVE_OPTIMIZED);
        rtpg_cdb(cdb, false);
        assert_int_equal(fx_run(f, n3, cdb, 12, 512, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(cmd.buf[4 + 12 + 5], 0x01);           /* status: altered by STPG */
        scsi_cmd_release(&cmd);

        /* Refused: unknown group, a state that cannot be requested. */
        assert_int_equal(stpg(f, f->n1, 7, SCSI_ALUA_STANDBY, &cmd), SCSI_STATUS_CHECK_CONDITION);
        assert_sense(&cmd, SCSI_SENSE_ILLEGAL_REQUEST, 0x26, 0x00);
        scsi_cmd_release(&cmd);
        assert_int_equal(stpg(f, f->n1, 1, SCSI_ALUA_TRANSITIONING, &cmd), SCSI_STATUS_CHECK_CONDITION);
        assert_sense(&cmd, SCSI_SENSE_ILLEGAL_REQUEST, 0x26, 0x00);
        scsi_cmd_release(&cmd);

        /* A group that only allows implicit transitions refuses SET TARGET PORT GROUPS. */
        set_two_groups(f, SCSI_ALUA_ACTIVE_OPTIMIZED, SCSI_ALUA_STANDBY, SCSI_ALUA_IMPLICIT);
        assert_int_equal(stpg(f, f->n1, 1, SCSI_ALUA_ACTIVE_OPTIMIZED, &cmd), SCSI_STATUS_CHECK_CONDITION);
        assert_sense(&cmd, SCSI_SENSE_ILLEGAL_REQUEST, 0x26, 0x00);
        scsi_cmd_release(&cmd);
        scsi_nexus_unref(n3);
}

/* A reload with the same configured states keeps what SET TARGET PORT GROUPS chose; a changed
 * configured state wins. */
static void test_reconfigure(void **state) {
        struct fx *f = *state;
        struct scsi_cmd cmd;

        set_two_groups(f, SCSI_ALUA_ACTIVE_OPTIMIZED, SCSI_ALUA_STANDBY, 3);
        assert_int_equal(stpg(f, f->n1, 1, SCSI_ALUA_ACTIVE_NON_OPTIMIZED, &cmd), SCSI_STATUS_GOOD);
        scsi_cmd_release(&cmd);
        set_two_groups(f, SCSI_ALUA_ACTIVE_OPTIMIZED, SCSI_ALUA_STANDBY, 3);
        assert_int_equal(scsi_lu_get_alua_state(f->lu, 2), SCSI_ALUA_ACTIVE_NON_OPTIMIZED);
        set_two_groups(f, SCSI_ALUA_STANDBY, SCSI_ALUA_ACTIVE_OPTIMIZED, 3);
        assert_int_equal(scsi_lu_get_alua_state(f->lu, 1), SCSI_ALUA_STANDBY);
        assert_int_equal(scsi_lu_get_alua_state(f->lu, 2), SCSI_ALUA_ACTIVE_OPTIMIZED);
        /* Port 1's nexuses learn of the change. */
        fx_expect_sense(f, f->n1, tur, 6, 0, NULL, 0, SCSI_SENSE_UNIT_ATTENTION, 0x2a, 0x06);
        fx_expect_sense(f, f->n1, tur, 6, 0, NULL, 0, SCSI_SENSE_NOT_READY, 0x04, 0x0b);
        /* Back to the default group: active again, after telling the nexus. */
        assert_int_equal(scsi_lu_set_alua_groups(f->lu, NULL, 0), 0);
        fx_expect_sense(f, f->n1, tur, 6, 0, NULL, 0, SCSI_SENSE_UNIT_ATTENTION, 0x2a, 0x06);
        assert_int_equal(fx_status(f, f->n1, tur, 6, 0, NULL, 0), SCSI_STATUS_GOOD);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_default_group, fx_setup_ram, fx_teardown),
                cmocka_unit_test_setup_teardown(test_standby_port, fx_setup_ram, fx_teardown),
                cmocka_unit_test_setup_teardown(test_set_target_port_groups, fx_setup_ram, fx_teardown),
                cmocka_unit_test_setup_teardown(test_reconfigure, fx_setup_ram, fx_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
