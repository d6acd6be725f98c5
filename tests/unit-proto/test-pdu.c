/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* BHS encode/decode: field offsets from RFC 7143 §11, round trips, golden bytes, bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "iscsi-proto/pdu.h"

#define F(field) offsetof(struct iscsi_bhs, field), sizeof(((struct iscsi_bhs *) 0)->field)

/* Where each field lives on the wire, per opcode, typed from the RFC 7143 §11 figures. */
static const struct field_pos {
        uint8_t opcode;
        size_t member, size;
        size_t wire;
} positions[] = {
        { ISCSI_OP_NOP_OUT, F(lun), 8 },    { ISCSI_OP_NOP_OUT, F(itt), 16 },
        { ISCSI_OP_NOP_OUT, F(ttt), 20 },   { ISCSI_OP_NOP_OUT, F(cmdsn), 24 },
        { ISCSI_OP_NOP_OUT, F(expstatsn), 28 },

        { ISCSI_OP_SCSI_CMD, F(lun), 8 },   { ISCSI_OP_SCSI_CMD, F(itt), 16 },
        { ISCSI_OP_SCSI_CMD, F(edtl), 20 }, { ISCSI_OP_SCSI_CMD, F(cmdsn), 24 },
        { ISCSI_OP_SCSI_CMD, F(expstatsn), 28 },

        { ISCSI_OP_TMF_REQ, F(lun), 8 },    { ISCSI_OP_TMF_REQ, F(itt), 16 },
        { ISCSI_OP_TMF_REQ, F(rtt), 20 },   { ISCSI_OP_TMF_REQ, F(cmdsn), 24 },
        { ISCSI_OP_TMF_REQ, F(expstatsn), 28 }, { ISCSI_OP_TMF_REQ, F(refcmdsn), 32 },
        { ISCSI_OP_TMF_REQ, F(expdatasn), 36 },

        { ISCSI_OP_LOGIN_REQ, F(version_max), 2 }, { ISCSI_OP_LOGIN_REQ, F(version_min), 3 },
        { ISCSI_OP_LOGIN_REQ, F(tsih), 14 }, { ISCSI_OP_LOGIN_REQ, F(itt), 16 },
        { ISCSI_OP_LOGIN_REQ, F(cid), 20 }, { ISCSI_OP_LOGIN_REQ, F(cmdsn), 24 },
        { ISCSI_OP_LOGIN_REQ, F(expstatsn), 28 },

        { ISCSI_OP_TEXT_REQ, F(lun), 8 },   { ISCSI_OP_TEXT_REQ, F(itt), 16 },
        { ISCSI_OP_TEXT_REQ, F(ttt), 20 },  { ISCSI_OP_TEXT_REQ, F(cmdsn), 24 },
        { ISCSI_OP_TEXT_REQ, F(expstatsn), 28 },

        { ISCSI_OP_DATA_OUT, F(lun), 8 },   { ISCSI_OP_DATA_OUT, F(itt), 16 },
        { ISCSI_OP_DATA_OUT, F(ttt), 20 },  { ISCSI_OP_DATA_OUT, F(expstatsn), 28 },
        { ISCSI_OP_DATA_OUT, F(datasn), 36 }, { ISCSI_OP_DATA_OUT, F(buffer_offset), 40 },

        { ISCSI_OP_LOGOUT_REQ, F(itt), 16 }, { ISCSI_OP_LOGOUT_REQ, F(cid), 20 },
        { ISCSI_OP_LOGOUT_REQ, F(cmdsn), 24 }, { ISCSI_OP_LOGOUT_REQ, F(expstatsn), 28 },

        { ISCSI_OP_SNACK_REQ, F(lun), 8 },  { ISCSI_OP_SNACK_REQ, F(itt), 16 },
        { ISCSI_OP_SNACK_REQ, F(ttt), 20 }, { ISCSI_OP_SNACK_REQ, F(expstatsn), 28 },
        { ISCSI_OP_SNACK_REQ, F(begrun), 40 }, { ISCSI_OP_SNACK_REQ, F(runlength), 44 },

        { ISCSI_OP_NOP_IN, F(lun), 8 },     { ISCSI_OP_NOP_IN, F(itt), 16 },
        { ISCSI_OP_NOP_IN, F(ttt), 20 },    { ISCSI_OP_NOP_IN, F(statsn), 24 },
        { ISCSI_OP_NOP_IN, F(expcmdsn), 28 }, { ISCSI_OP_NOP_IN, F(maxcmdsn), 32 },

        { ISCSI_OP_SCSI_RSP, F(response), 2 }, { ISCSI_OP_SCSI_RSP, F(status), 3 },
        { ISCSI_OP_SCSI_RSP, F(itt), 16 },  { ISCSI_OP_SCSI_RSP, F(snack_tag), 20 },
        { ISCSI_OP_SCSI_RSP, F(statsn), 24 }, { ISCSI_OP_SCSI_RSP, F(expcmdsn), 28 },
        { ISCSI_OP_SCSI_RSP, F(maxcmdsn), 32 }, { ISCSI_OP_SCSI_RSP, F(expdatasn), 36 },
        { ISCSI_OP_SCSI_RSP, F(bidi_residual_count), 40 }, { ISCSI_OP_SCSI_RSP, F(residual_count), 44 },

        { ISCSI_OP_TMF_RSP, F(response), 2 }, { ISCSI_OP_TMF_RSP, F(itt), 16 },
        { ISCSI_OP_TMF_RSP, F(statsn), 24 }, { ISCSI_OP_TMF_RSP, F(expcmdsn), 28 },
        { ISCSI_OP_TMF_RSP, F(maxcmdsn), 32 },

        { ISCSI_OP_LOGIN_RSP, F(version_max), 2 }, { ISCSI_OP_LOGIN_RSP, F(version_active), 3 },
        { ISCSI_OP_LOGIN_RSP, F(tsih), 14 }, { ISCSI_OP_LOGIN_RSP, F(itt), 16 },
        { ISCSI_OP_LOGIN_RSP, F(statsn), 24 }, { ISCSI_OP_LOGIN_RSP, F(expcmdsn), 28 },
        { ISCSI_OP_LOGIN_RSP, F(maxcmdsn), 32 }, { ISCSI_OP_LOGIN_RSP, F(status_class), 36 },
        { ISCSI_OP_LOGIN_RSP, F(status_detail), 37 },

        { ISCSI_OP_TEXT_RSP, F(lun), 8 },   { ISCSI_OP_TEXT_RSP, F(itt), 16 },
        { ISCSI_OP_TEXT_RSP, F(ttt), 20 },  { ISCSI_OP_TEXT_RSP, F(statsn), 24 },
        { ISCSI_OP_TEXT_RSP, F(expcmdsn), 28 }, { ISCSI_OP_TEXT_RSP, F(maxcmdsn), 32 },

        { ISCSI_OP_DATA_IN, F(status), 3 }, { ISCSI_OP_DATA_IN, F(lun), 8 },
        { ISCSI_OP_DATA_IN, F(itt), 16 },   { ISCSI_OP_DATA_IN, F(ttt), 20 },
        { ISCSI_OP_DATA_IN, F(statsn), 24 }, { ISCSI_OP_DATA_IN, F(expcmdsn), 28 },
        { ISCSI_OP_DATA_IN, F(maxcmdsn), 32 }, { ISCSI_OP_DATA_IN, F(datasn), 36 },
        { ISCSI_OP_DATA_IN, F(buffer_offset), 40 }, { ISCSI_OP_DATA_IN, F(residual_count), 44 },

        { ISCSI_OP_LOGOUT_RSP, F(response), 2 }, { ISCSI_OP_LOGOUT_RSP, F(itt), 16 },
        { ISCSI_OP_LOGOUT_RSP, F(statsn), 24 }, { ISCSI_OP_LOGOUT_RSP, F(expcmdsn), 28 },
        { ISCSI_OP_LOGOUT_RSP, F(maxcmdsn), 32 }, { ISCSI_OP_LOGOUT_RSP, F(time2wait), 40 },
        { ISCSI_OP_LOGOUT_RSP, F(time2retain), 42 },

        { ISCSI_OP_R2T, F(lun), 8 },        { ISCSI_OP_R2T, F(itt), 16 },
        { ISCSI_OP_R2T, F(ttt), 20 },       { ISCSI_OP_R2T, F(statsn), 24 },
        { ISCSI_OP_R2T, F(expcmdsn), 28 },  { ISCSI_OP_R2T, F(maxcmdsn), 32 },
        { ISCSI_OP_R2T, F(r2tsn), 36 },     { ISCSI_OP_R2T, F(buffer_offset), 40 },
        { ISCSI_OP_R2T, F(desired_length), 44 },

        { ISCSI_OP_ASYNC_MSG, F(lun), 8 },  { ISCSI_OP_ASYNC_MSG, F(itt), 16 },
        { ISCSI_OP_ASYNC_MSG, F(statsn), 24 }, { ISCSI_OP_ASYNC_MSG, F(expcmdsn), 28 },
        { ISCSI_OP_ASYNC_MSG, F(maxcmdsn), 32 }, { ISCSI_OP_ASYNC_MSG, F(async_event), 36 },
        { ISCSI_OP_ASYNC_MSG, F(async_vcode), 37 }, { ISCSI_OP_ASYNC_MSG, F(async_param1), 38 },
        { ISCSI_OP_ASYNC_MSG, F(async_param2), 40 }, { ISCSI_OP_ASYNC_MSG, F(async_param3), 42 },

        { ISCSI_OP_REJECT, F(reject_reason), 2 }, { ISCSI_OP_REJECT, F(itt), 16 },
        { ISCSI_OP_REJECT, F(statsn), 24 }, { ISCSI_OP_REJECT, F(expcmdsn), 28 },
        { ISCSI_OP_REJECT, F(maxcmdsn), 32 }, { ISCSI_OP_REJECT, F(datasn), 36 },
};

static const uint8_t all_opcodes[] = {
        ISCSI_OP_NOP_OUT, ISCSI_OP_SCSI_CMD, ISCSI_OP_TMF_REQ, ISCSI_OP_LOGIN_REQ, ISCSI_OP_TEXT_REQ,
        ISCSI_OP_DATA_OUT, ISCSI_OP_LOGOUT_REQ, ISCSI_OP_SNACK_REQ, ISCSI_OP_NOP_IN, ISCSI_OP_SCSI_RSP,
        ISCSI_OP_TMF_RSP, ISCSI_OP_LOGIN_RSP, ISCSI_OP_TEXT_RSP, ISCSI_OP_DATA_IN, ISCSI_OP_LOGOUT_RSP,
        ISCSI_OP_R2T, ISCSI_OP_ASYNC_MSG, ISCSI_OP_REJECT,
};

static uint64_t pattern(size_t size, unsigned salt) {
        /* Distinct non-zero bytes in every position, different per field. */
        uint64_t v = 0;
        for (size_t i = 0; i < size; i++)
                v = (v << 8) | (uint8_t) (0x11 * (i + 1) + salt);
        return v;
}

static void set_member(struct iscsi_bhs *h, size_t member, size_t size, uint64_t v) {
        uint8_t *p = (uint8_t *) h + member;
        switch (size) {
        case 1: *p = (uint8_t) v; break;
        case 2: { uint16_t x = (uint16_t) v; memcpy(p, &x, 2); break; }
        case 4: { uint32_t x = (uint32_t) v; memcpy(p, &x, 4); break; }
        case 8: memcpy(p, &v, 8); break;
        default: fail();
        }
}

static uint64_t get_member(const struct iscsi_bhs *h, size_t member, size_t size) {
        const uint8_t *p = (const uint8_t *) h + member;
        switch (size) {
        case 1: return *p;
        case 2: { uint16_t x; memcpy(&x, p, 2); return x; }
        case 4: { uint32_t x; memcpy(&x, p, 4); return x; }
        case 8: { uint64_t x; memcpy(&x, p, 8); return x; }
        }
        fail();
        return 0;
}

/* Every field lands at its RFC offset, big-endian, and decodes back. */
static void test_field_offsets(void **state) {
        for (size_t i = 0; i < sizeof(positions) / sizeof(positions[0]); i++) {
                const struct field_pos *fp = &positions[i];
                struct iscsi_bhs h = { .opcode = fp->opcode }, d;
                uint8_t b[ISCSI_BHS_SIZE];
                uint64_t v = pattern(fp->size, (unsigned) i), wire = 0;

                set_member(&h, fp->member, fp->size, v);
                assert_int_equal(iscsi_bhs_encode(&h, b), 0);
                for (size_t k = 0; k < fp->size; k++)
                        wire = (wire << 8) | b[fp->wire + k];
                if (wire != v)
                        fail_msg("opcode 0x%02x field@%zu: wire offset %zu has 0x%llx, want 0x%llx", fp->opcode,
                                 fp->member, fp->wire, (unsigned long long) wire, (unsigned long long) v);
                assert_int_equal(b[0] & ISCSI_OPCODE_MASK, fp->opcode);
                assert_int_equal(iscsi_bhs_decode(b, sizeof(b), &d), 0);
                assert_int_equal(get_member(&d, fp->member, fp->size), v);
        }
}

/* A field written for one opcode must not leak into an opcode that does not have it. */
static void test_irrelevant_fields_ignored(void **state) {
        struct iscsi_bhs h = {
                .opcode = ISCSI_OP_LOGOUT_REQ, .lun = 0x0102030405060708ull, .ttt = 0xdeadbeef,
                .statsn = 0x55555555, .edtl = 7,
        };
        uint8_t b[ISCSI_BHS_SIZE], zero[ISCSI_BHS_SIZE] = {};

        assert_int_equal(iscsi_bhs_encode(&h, b), 0);
        /* Logout Request: bytes 8-15 reserved, 20-23 CID+reserved, 32-47 reserved. */
        assert_memory_equal(b + 8, zero, 8);
        assert_memory_equal(b + 20, zero, 4);
        assert_memory_equal(b + 32, zero, 16);
}

static void assert_bhs_equal(const struct iscsi_bhs *a, const struct iscsi_bhs *b) {
#define EQ(x) assert_int_equal(a->x, b->x)
        EQ(opcode); EQ(immediate); EQ(final); EQ(flags); EQ(totalahslen); EQ(dlength); EQ(lun); EQ(itt);
        EQ(ttt); EQ(cmdsn); EQ(expstatsn); EQ(statsn); EQ(expcmdsn); EQ(maxcmdsn); EQ(datasn); EQ(r2tsn);
        EQ(expdatasn); EQ(edtl); EQ(task_attr); EQ(buffer_offset); EQ(desired_length); EQ(residual_count);
        EQ(bidi_residual_count); EQ(snack_tag); EQ(response); EQ(status); EQ(tsih); EQ(cid);
        EQ(version_max); EQ(version_min); EQ(version_active); EQ(csg); EQ(nsg); EQ(status_class);
        EQ(status_detail); EQ(reject_reason); EQ(async_event); EQ(async_vcode); EQ(async_param1);
        EQ(async_param2); EQ(async_param3); EQ(tmf_function); EQ(rtt); EQ(refcmdsn); EQ(logout_reason);
        EQ(time2wait); EQ(time2retain); EQ(snack_type); EQ(begrun); EQ(runlength);
#undef EQ
        assert_memory_equal(a->cdb, b->cdb, sizeof(a->cdb));
        assert_memory_equal(a->isid, b->isid, sizeof(a->isid));
}

/* decode(encode(decode(bytes))) is stable for every opcode, and encode(decode(x)) == x for
 * headers whose reserved bytes are zero. */
static void test_roundtrip_all_opcodes(void **state) {
        for (size_t i = 0; i < sizeof(all_opcodes); i++) {
                struct iscsi_bhs h = {}, d1, d2;
                uint8_t b1[ISCSI_BHS_SIZE], b2[ISCSI_BHS_SIZE];

                h.opcode = all_opcodes[i];
                h.immediate = iscsi_opcode_is_initiator(h.opcode);
                h.final = true;
                h.totalahslen = 3;
                h.dlength = 0x123456;
                h.lun = iscsi_lun_from_int(5);
                h.itt = 0x1000 + (uint32_t) i;
                h.ttt = 0x2000; h.cmdsn = 0x3000; h.expstatsn = 0x4000; h.statsn = 0x5000;
                h.expcmdsn = 0x6000; h.maxcmdsn = 0x7000; h.datasn = 8; h.r2tsn = 9; h.expdatasn = 10;
                h.edtl = 4096; h.task_attr = ISCSI_ATTR_SIMPLE; h.buffer_offset = 8192;
                h.desired_length = 65536; h.residual_count = 12; h.bidi_residual_count = 13;
                h.snack_tag = 14; h.response = 1; h.status = 2; h.tsih = 0x77; h.cid = 3;
                h.version_max = 0; h.version_min = 0; h.version_active = 0;
                h.csg = ISCSI_STAGE_OPERATIONAL; h.nsg = ISCSI_STAGE_FULL_FEATURE;
                h.status_class = 2; h.status_detail = 1; h.reject_reason = 9; h.async_event = 1;
                h.async_vcode = 2; h.async_param1 = 3; h.async_param2 = 4; h.async_param3 = 5;
                h.tmf_function = ISCSI_TMF_ABORT_TASK; h.rtt = 0xabc; h.refcmdsn = 0x99;
                h.logout_reason = ISCSI_LOGOUT_CLOSE_CONNECTION; h.time2wait = 2; h.time2retain = 20;
                h.snack_type = ISCSI_SNACK_STATUS; h.begrun = 1; h.runlength = 2;
                for (unsigned k = 0; k < 16; k++)
                        h.cdb[k] = (uint8_t) (0xa0 + k);
                memcpy(h.isid, "\x80\x12\x34\x56\x78\x9a", 6);
                if (h.opcode == ISCSI_OP_LOGIN_REQ || h.opcode == ISCSI_OP_LOGIN_RSP)
                        h.flags = ISCSI_FLAG_LOGIN_TRANSIT;
                if (h.opcode == ISCSI_OP_DATA_IN)
                        h.flags = ISCSI_FLAG_DATA_STATUS | ISCSI_FLAG_DATA_UNDERFLOW;

                assert_int_equal(iscsi_bhs_encode(&h, b1), 0);
                assert_int_equal(iscsi_bhs_decode(b1, sizeof(b1), &d1), 0);
                assert_int_equal(d1.opcode, h.opcode);
                assert_int_equal(d1.dlength, 0x123456);
                assert_int_equal(d1.totalahslen, 3);
                assert_int_equal(d1.itt, h.itt);
                assert_int_equal(d1.immediate, h.opcode != ISCSI_OP_LOGIN_REQ ? h.immediate : true);
                assert_int_equal(iscsi_bhs_encode(&d1, b2), 0);
                assert_memory_equal(b1, b2, sizeof(b1));
                assert_int_equal(iscsi_bhs_decode(b2, sizeof(b2), &d2), 0);
                assert_bhs_equal(&d1, &d2);
                /* Per-opcode specifics that must survive. */
                switch (h.opcode) {
                case ISCSI_OP_SCSI_CMD:
                        assert_memory_equal(d1.cdb, h.cdb, 16);
                        assert_int_equal(d1.task_attr, ISCSI_ATTR_SIMPLE);
                        break;
                case ISCSI_OP_LOGIN_REQ:
                case ISCSI_OP_LOGIN_RSP:
                        assert_memory_equal(d1.isid, h.isid, 6);
                        assert_int_equal(d1.csg, ISCSI_STAGE_OPERATIONAL);
                        assert_int_equal(d1.nsg, ISCSI_STAGE_FULL_FEATURE);
                        break;
                case ISCSI_OP_TMF_REQ:
                        assert_int_equal(d1.tmf_function, ISCSI_TMF_ABORT_TASK);
                        break;
                case ISCSI_OP_LOGOUT_REQ:
                        assert_int_equal(d1.logout_reason, ISCSI_LOGOUT_CLOSE_CONNECTION);
                        break;
                case ISCSI_OP_SNACK_REQ:
                        assert_int_equal(d1.snack_type, ISCSI_SNACK_STATUS);
                        break;
                default:
                        break;
                }
        }
}

/* RFC 3720 B.4 "SCSI Read (10) Command PDU", built from fields. */
static void test_golden_scsi_read(void **state) {
        static const uint8_t expect[48] = {
                0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
                0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        };
        struct iscsi_bhs h = {
                .opcode = ISCSI_OP_SCSI_CMD, .final = true, .flags = ISCSI_FLAG_CMD_READ,
                .itt = 0x14000000, .edtl = 0x400, .cmdsn = 0x14, .expstatsn = 0x18,
                .cdb = { 0x28, 0, 0, 0, 0, 0, 0, 0, 0x02 },
        }, d;
        uint8_t b[48];

        assert_int_equal(iscsi_bhs_encode(&h, b), 0);
        assert_memory_equal(b, expect, 48);
        assert_int_equal(iscsi_bhs_decode(expect, 48, &d), 0);
        assert_true(d.final);
        assert_true(d.flags & ISCSI_FLAG_CMD_READ);
        assert_false(d.flags & ISCSI_FLAG_CMD_WRITE);
        assert_false(d.immediate);
        assert_int_equal(d.edtl, 1024);
        assert_int_equal(d.cdb[0], 0x28);
}

/* Login Request with T, CSG=0 NSG=1, ISID, CID and a data segment length. */
static void test_golden_login_request(void **state) {
        static const uint8_t expect[48] = {
                0x43, 0x81, 0x00, 0x00, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x02, 0x3d, 0x00, 0x00, 0x01, 0x00, 0x00,
                0x00, 0x00, 0x00, 0x07, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        };
        struct iscsi_bhs h = {
                .opcode = ISCSI_OP_LOGIN_REQ,
                .flags = ISCSI_FLAG_LOGIN_TRANSIT,
                .csg = ISCSI_STAGE_SECURITY, .nsg = ISCSI_STAGE_OPERATIONAL,
                .dlength = 300, .isid = { 0x00, 0x02, 0x3d, 0x00, 0x00, 0x01 },
                .itt = 7, .cid = 5, .cmdsn = 1,
        }, d;
        uint8_t b[48];

        assert_int_equal(iscsi_bhs_encode(&h, b), 0);
        assert_memory_equal(b, expect, 48);
        assert_int_equal(iscsi_bhs_decode(b, 48, &d), 0);
        assert_true(d.immediate);
        assert_true(d.flags & ISCSI_FLAG_LOGIN_TRANSIT);
        assert_int_equal(d.csg, 0);
        assert_int_equal(d.nsg, 1);
        assert_int_equal(d.dlength, 300);
        assert_int_equal(d.cid, 5);

        /* Same bytes from the helper for byte 1. */
        assert_int_equal(iscsi_login_flags(true, false, 0, 1), 0x81);
        assert_int_equal(iscsi_login_flags(false, true, 1, 3), 0x47);
}

/* Login Response rejecting with 02/01 (authentication failure). */
static void test_golden_login_response(void **state) {
        static const uint8_t expect[48] = {
                0x23, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x3d, 0x00, 0x00, 0x01, 0x00, 0x00,
                0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x02,
                0x00, 0x00, 0x00, 0x02, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        };
        struct iscsi_bhs d;

        assert_int_equal(iscsi_bhs_decode(expect, 48, &d), 0);
        assert_int_equal(d.opcode, ISCSI_OP_LOGIN_RSP);
        assert_false(d.immediate);
        assert_int_equal(d.statsn, 42);
        assert_int_equal(d.expcmdsn, 2);
        assert_int_equal(d.maxcmdsn, 2);
        assert_int_equal((d.status_class << 8) | d.status_detail, ISCSI_LOGIN_STATUS_AUTH_FAILED);
}

/* Opcodes with F fixed to 1 get it even if the caller forgot; flags they do not have are dropped. */
static void test_fixed_and_foreign_bits(void **state) {
        struct iscsi_bhs h = { .opcode = ISCSI_OP_NOP_OUT, .flags = 0x7f, .itt = ISCSI_RESERVED_TAG };
        uint8_t b[48];

        assert_int_equal(iscsi_bhs_encode(&h, b), 0);
        assert_int_equal(b[1], 0x80);

        h = (struct iscsi_bhs) { .opcode = ISCSI_OP_TMF_REQ, .tmf_function = ISCSI_TMF_LOGICAL_UNIT_RESET };
        assert_int_equal(iscsi_bhs_encode(&h, b), 0);
        assert_int_equal(b[1], 0x85);

        h = (struct iscsi_bhs) { .opcode = ISCSI_OP_SNACK_REQ, .snack_type = ISCSI_SNACK_RDATA };
        assert_int_equal(iscsi_bhs_encode(&h, b), 0);
        assert_int_equal(b[1], 0x83);

        /* Target opcodes never carry the I bit. */
        h = (struct iscsi_bhs) { .opcode = ISCSI_OP_NOP_IN, .immediate = true };
        assert_int_equal(iscsi_bhs_encode(&h, b), 0);
        assert_int_equal(b[0], 0x20);

        /* Text Request: F via `final`, C via flags. */
        h = (struct iscsi_bhs) { .opcode = ISCSI_OP_TEXT_REQ, .immediate = true, .final = true };
        assert_int_equal(iscsi_bhs_encode(&h, b), 0);
        assert_int_equal(b[0], 0x44);
        assert_int_equal(b[1], 0x80);
}

static void test_encode_rejects_bad_fields(void **state) {
        uint8_t b[48];
        struct iscsi_bhs h = { .opcode = ISCSI_OP_SCSI_CMD, .dlength = 0x1000000 };

        assert_int_equal(iscsi_bhs_encode(&h, b), -EINVAL);
        h = (struct iscsi_bhs) { .opcode = 0x07 };
        assert_int_equal(iscsi_bhs_encode(&h, b), -EINVAL);
        h = (struct iscsi_bhs) { .opcode = ISCSI_OP_LOGIN_REQ, .csg = 4 };
        assert_int_equal(iscsi_bhs_encode(&h, b), -EINVAL);
        h = (struct iscsi_bhs) { .opcode = ISCSI_OP_SCSI_CMD, .task_attr = 8 };
        assert_int_equal(iscsi_bhs_encode(&h, b), -EINVAL);
        h = (struct iscsi_bhs) { .opcode = ISCSI_OP_SNACK_REQ, .snack_type = 16 };
        assert_int_equal(iscsi_bhs_encode(&h, b), -EINVAL);
        h = (struct iscsi_bhs) { .opcode = ISCSI_OP_LOGOUT_REQ, .logout_reason = 0x80 };
        assert_int_equal(iscsi_bhs_encode(&h, b), -EINVAL);
}

static void test_decode_truncated(void **state) {
        uint8_t b[48] = { ISCSI_OP_NOP_IN, 0x80 };
        struct iscsi_bhs d = { .itt = 0x1234 };

        assert_int_equal(iscsi_bhs_decode(b, 47, &d), -ENODATA);
        assert_int_equal(iscsi_bhs_decode(b, 0, &d), -ENODATA);
        assert_int_equal(iscsi_bhs_decode(NULL, 48, &d), -ENODATA);
        assert_int_equal(d.itt, 0x1234); /* untouched on failure */
        assert_int_equal(iscsi_bhs_decode(b, 48, &d), 0);
}

static void test_decode_unknown_opcode(void **state) {
        static const uint8_t bad[] = { 0x07, 0x08, 0x0f, 0x11, 0x1c, 0x1d, 0x1e, 0x1f, 0x27, 0x30, 0x33, 0x3c, 0x3e };
        uint8_t b[48] = {};
        struct iscsi_bhs d;
        unsigned known = 0;

        for (size_t i = 0; i < sizeof(bad); i++) {
                b[0] = bad[i];
                assert_int_equal(iscsi_bhs_decode(b, 48, &d), -EOPNOTSUPP);
                assert_false(iscsi_opcode_is_known(bad[i]));
                assert_null(iscsi_opcode_to_string(bad[i]));
        }
        /* Exactly the 18 RFC opcodes are known. */
        for (unsigned op = 0; op < 64; op++)
                known += iscsi_opcode_is_known((uint8_t) op);
        assert_int_equal(known, 18);
        assert_string_equal(iscsi_opcode_to_string(ISCSI_OP_R2T), "Ready To Transfer");
}

static void test_decode_forbidden_flags(void **state) {
        static const struct { uint8_t b0, b1; } cases[] = {
                { ISCSI_OP_LOGIN_REQ | 0x40, 0xc0 },   /* T and C */
                { ISCSI_OP_LOGIN_RSP, 0xc1 },          /* T and C */
                { ISCSI_OP_LOGIN_REQ | 0x40, 0x08 },   /* CSG = 2 */
                { ISCSI_OP_LOGIN_RSP, 0x82 },          /* T with NSG = 2 */
                { ISCSI_OP_TEXT_REQ, 0xc0 },           /* F and C */
                { ISCSI_OP_TEXT_RSP, 0xc0 },           /* F and C */
                { ISCSI_OP_DATA_IN, 0x01 },            /* S without F */
                { ISCSI_OP_DATA_IN, 0x86 },            /* O and U */
                { ISCSI_OP_SCSI_RSP, 0x86 },           /* O and U */
                { ISCSI_OP_SCSI_RSP, 0x98 },           /* o and u */
        };
        uint8_t b[48] = {};
        struct iscsi_bhs d;

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                b[0] = cases[i].b0;
                b[1] = cases[i].b1;
                if (iscsi_bhs_decode(b, 48, &d) != -EBADMSG)
                        fail_msg("case %zu (0x%02x 0x%02x) not rejected", i, cases[i].b0, cases[i].b1);
        }
        /* ... and the neighbouring legal combinations are accepted. */
        b[0] = ISCSI_OP_LOGIN_REQ | 0x40; b[1] = 0x40; /* C without T, NSG = 0 */
        assert_int_equal(iscsi_bhs_decode(b, 48, &d), 0);
        b[1] = 0x02; /* NSG = 2 without T is ignored */
        assert_int_equal(iscsi_bhs_decode(b, 48, &d), 0);
        b[0] = ISCSI_OP_DATA_IN; b[1] = 0x81;
        assert_int_equal(iscsi_bhs_decode(b, 48, &d), 0);
        assert_true(d.final);
}

/* Reserved bits (byte 0 bit 7, I bit on target PDUs, reserved bytes) are ignored by decode. */
static void test_decode_ignores_reserved(void **state) {
        uint8_t b[48];
        struct iscsi_bhs d;

        memset(b, 0, sizeof(b));
        b[0] = 0x80 | 0x40 | ISCSI_OP_NOP_IN;
        b[1] = 0x80;
        b[44] = 0xff;
        assert_int_equal(iscsi_bhs_decode(b, 48, &d), 0);
        assert_int_equal(d.opcode, ISCSI_OP_NOP_IN);
        assert_false(d.immediate);
}

static void test_lun_helpers(void **state) {
        uint8_t b[8];

        iscsi_put_be64(b, iscsi_lun_from_int(3));
        assert_memory_equal(b, "\x00\x03\x00\x00\x00\x00\x00\x00", 8);
        iscsi_put_be64(b, iscsi_lun_from_int(300));
        assert_memory_equal(b, "\x41\x2c\x00\x00\x00\x00\x00\x00", 8);
        assert_int_equal(iscsi_lun_to_int(iscsi_lun_from_int(300)), 300);
        assert_int_equal(iscsi_lun_to_int(iscsi_lun_from_int(0)), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_field_offsets),
                cmocka_unit_test(test_irrelevant_fields_ignored),
                cmocka_unit_test(test_roundtrip_all_opcodes),
                cmocka_unit_test(test_golden_scsi_read),
                cmocka_unit_test(test_golden_login_request),
                cmocka_unit_test(test_golden_login_response),
                cmocka_unit_test(test_fixed_and_foreign_bits),
                cmocka_unit_test(test_encode_rejects_bad_fields),
                cmocka_unit_test(test_decode_truncated),
                cmocka_unit_test(test_decode_unknown_opcode),
                cmocka_unit_test(test_decode_forbidden_flags),
                cmocka_unit_test(test_decode_ignores_reserved),
                cmocka_unit_test(test_lun_helpers),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
