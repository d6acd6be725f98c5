/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* BHS encode/decode for every RFC 7143 opcode; see pdu.h for the contract. */
#include <stddef.h>
#include <string.h>

#include "iscsi-proto/digest.h"
#include "iscsi-proto/pdu.h"
#include "iscsi-util/macro.h"

/*
 * One layout description per opcode (RFC 7143 chapter 11) drives both directions: the bytes
 * 0-1, 4-7 and 16-19 every BHS shares are handled once, byte 1's flags and sub-fields, and
 * then the opcode's fields, each as (offset in the BHS, width, member of struct iscsi_bhs).
 * Reserved bytes are never written on encode and never read on decode.
 */

enum field_kind {
        FK_BE8 = 1,             /* integer of 1, 2, 4 or 8 bytes, big-endian on the wire */
        FK_BE16 = 2,
        FK_BE32 = 4,
        FK_BE64 = 8,
        FK_BYTES6 = 6,          /* ISID: copied as is */
        FK_BYTES16 = 16,        /* CDB: copied as is */
};

struct field {
        uint8_t off;            /* in the BHS */
        uint8_t kind;           /* enum field_kind: also the width in bytes */
        uint16_t member;        /* offsetof(struct iscsi_bhs, ...) */
};

/* A sub-field of byte 1 (task attribute, TMF function, login stages, ...): a uint8_t member. */
struct bitfield {
        uint8_t mask, shift;
        uint16_t member;
};

struct opcode_layout {
        const char *name;       /* NULL: not an opcode */
        uint8_t flag_mask;      /* single-bit flags of byte 1 the caller may set */
        uint8_t fixed;          /* bits of byte 1 that are always 1 */
        uint8_t exclusive[2];   /* pairs of byte-1 bits that must not both be set (decode) */
        uint8_t needs_final;    /* a byte-1 bit only valid together with F (decode) */
        bool login_stages;      /* stage value 2 is reserved in CSG and, with T, NSG (decode) */
        uint8_t n_bitfields;
        struct bitfield bitfields[2];
        uint8_t n_fields;
        struct field fields[10];
};

#define M(m) ((uint16_t) offsetof(struct iscsi_bhs, m))
#define F8(o, m) { o, FK_BE8, M(m) }
#define F16(o, m) { o, FK_BE16, M(m) }
#define F32(o, m) { o, FK_BE32, M(m) }
#define F64(o, m) { o, FK_BE64, M(m) }
#define FIELDS(...) .n_fields = ELEMENTSOF(((struct field[]) { __VA_ARGS__ })), .fields = { __VA_ARGS__ }
#define BITFIELDS(...) .n_bitfields = ELEMENTSOF(((struct bitfield[]) { __VA_ARGS__ })), .bitfields = { __VA_ARGS__ }
/* Sequence numbers of target PDUs and the LUN, at their usual offsets. */
#define TARGET_SN F32(24, statsn), F32(28, expcmdsn), F32(32, maxcmdsn)

static const struct opcode_layout layouts[ISCSI_OPCODE_MASK + 1] = {
        [ISCSI_OP_NOP_OUT] = {
                "NOP-Out", 0, ISCSI_FLAG_FINAL,
                FIELDS(F64(8, lun), F32(20, ttt), F32(24, cmdsn), F32(28, expstatsn)),
        },
        [ISCSI_OP_SCSI_CMD] = {
                "SCSI Command", ISCSI_FLAG_FINAL | ISCSI_FLAG_CMD_READ | ISCSI_FLAG_CMD_WRITE, 0,
                BITFIELDS({ ISCSI_FLAG_CMD_ATTR_MASK, 0, M(task_attr) }),
                FIELDS(F64(8, lun), F32(20, edtl), F32(24, cmdsn), F32(28, expstatsn), { 32, FK_BYTES16, M(cdb) }),
        },
        [ISCSI_OP_TMF_REQ] = {
                "Task Management Request", 0, ISCSI_FLAG_FINAL,
                BITFIELDS({ 0x7f, 0, M(tmf_function) }),
                FIELDS(F64(8, lun), F32(20, rtt), F32(24, cmdsn), F32(28, expstatsn), F32(32, refcmdsn),
                       F32(36, expdatasn)),
        },
        [ISCSI_OP_LOGIN_REQ] = {
                "Login Request", ISCSI_FLAG_LOGIN_TRANSIT | ISCSI_FLAG_CONTINUE, 0,
                .exclusive = { ISCSI_FLAG_LOGIN_TRANSIT | ISCSI_FLAG_CONTINUE },
                .login_stages = true,
                BITFIELDS({ ISCSI_FLAG_LOGIN_CSG_MASK, ISCSI_FLAG_LOGIN_CSG_SHIFT, M(csg) },
                          { ISCSI_FLAG_LOGIN_NSG_MASK, 0, M(nsg) }),
                FIELDS(F8(2, version_max), F8(3, version_min), { 8, FK_BYTES6, M(isid) }, F16(14, tsih),
                       F16(20, cid), F32(24, cmdsn), F32(28, expstatsn)),
        },
        [ISCSI_OP_TEXT_REQ] = {
                "Text Request", ISCSI_FLAG_FINAL | ISCSI_FLAG_CONTINUE, 0,
                .exclusive = { ISCSI_FLAG_FINAL | ISCSI_FLAG_CONTINUE },
                FIELDS(F64(8, lun), F32(20, ttt), F32(24, cmdsn), F32(28, expstatsn)),
        },
        [ISCSI_OP_DATA_OUT] = {
                "SCSI Data-Out", ISCSI_FLAG_FINAL, 0,
                FIELDS(F64(8, lun), F32(20, ttt), F32(28, expstatsn), F32(36, datasn), F32(40, buffer_offset)),
        },
        [ISCSI_OP_LOGOUT_REQ] = {
                "Logout Request", 0, ISCSI_FLAG_FINAL,
                BITFIELDS({ 0x7f, 0, M(logout_reason) }),
                FIELDS(F16(20, cid), F32(24, cmdsn), F32(28, expstatsn)),
        },
        [ISCSI_OP_SNACK_REQ] = {
                "SNACK Request", 0, ISCSI_FLAG_FINAL,
                BITFIELDS({ 0x0f, 0, M(snack_type) }),
                FIELDS(F64(8, lun), F32(20, ttt), F32(28, expstatsn), F32(40, begrun), F32(44, runlength)),
        },
        [ISCSI_OP_NOP_IN] = {
                "NOP-In", 0, ISCSI_FLAG_FINAL,
                FIELDS(F64(8, lun), F32(20, ttt), TARGET_SN),
        },
        [ISCSI_OP_SCSI_RSP] = {
                "SCSI Response",
                ISCSI_FLAG_RSP_BIDI_OVERFLOW | ISCSI_FLAG_RSP_BIDI_UNDERFLOW | ISCSI_FLAG_RSP_OVERFLOW |
                        ISCSI_FLAG_RSP_UNDERFLOW,
                ISCSI_FLAG_FINAL,
                .exclusive = { ISCSI_FLAG_RSP_OVERFLOW | ISCSI_FLAG_RSP_UNDERFLOW,
                               ISCSI_FLAG_RSP_BIDI_OVERFLOW | ISCSI_FLAG_RSP_BIDI_UNDERFLOW },
                FIELDS(F8(2, response), F8(3, status), F32(20, snack_tag), TARGET_SN, F32(36, expdatasn),
                       F32(40, bidi_residual_count), F32(44, residual_count)),
        },
        [ISCSI_OP_TMF_RSP] = {
                "Task Management Response", 0, ISCSI_FLAG_FINAL,
                FIELDS(F8(2, response), TARGET_SN),
        },
        [ISCSI_OP_LOGIN_RSP] = {
                "Login Response", ISCSI_FLAG_LOGIN_TRANSIT | ISCSI_FLAG_CONTINUE, 0,
                .exclusive = { ISCSI_FLAG_LOGIN_TRANSIT | ISCSI_FLAG_CONTINUE },
                .login_stages = true,
                BITFIELDS({ ISCSI_FLAG_LOGIN_CSG_MASK, ISCSI_FLAG_LOGIN_CSG_SHIFT, M(csg) },
                          { ISCSI_FLAG_LOGIN_NSG_MASK, 0, M(nsg) }),
                FIELDS(F8(2, version_max), F8(3, version_active), { 8, FK_BYTES6, M(isid) }, F16(14, tsih),
                       TARGET_SN, F8(36, status_class), F8(37, status_detail)),
        },
        [ISCSI_OP_TEXT_RSP] = {
                "Text Response", ISCSI_FLAG_FINAL | ISCSI_FLAG_CONTINUE, 0,
                .exclusive = { ISCSI_FLAG_FINAL | ISCSI_FLAG_CONTINUE },
                FIELDS(F64(8, lun), F32(20, ttt), TARGET_SN),
        },
        [ISCSI_OP_DATA_IN] = {
                "SCSI Data-In",
                ISCSI_FLAG_FINAL | ISCSI_FLAG_DATA_ACK | ISCSI_FLAG_DATA_OVERFLOW | ISCSI_FLAG_DATA_UNDERFLOW |
                        ISCSI_FLAG_DATA_STATUS,
                0,
                .exclusive = { ISCSI_FLAG_DATA_OVERFLOW | ISCSI_FLAG_DATA_UNDERFLOW },
                .needs_final = ISCSI_FLAG_DATA_STATUS,
                FIELDS(F8(3, status), F64(8, lun), F32(20, ttt), TARGET_SN, F32(36, datasn),
                       F32(40, buffer_offset), F32(44, residual_count)),
        },
        [ISCSI_OP_LOGOUT_RSP] = {
                "Logout Response", 0, ISCSI_FLAG_FINAL,
                FIELDS(F8(2, response), TARGET_SN, F16(40, time2wait), F16(42, time2retain)),
        },
        [ISCSI_OP_R2T] = {
                "Ready To Transfer", 0, ISCSI_FLAG_FINAL,
                FIELDS(F64(8, lun), F32(20, ttt), TARGET_SN, F32(36, r2tsn), F32(40, buffer_offset),
                       F32(44, desired_length)),
        },
        [ISCSI_OP_ASYNC_MSG] = {
                "Asynchronous Message", 0, ISCSI_FLAG_FINAL,
                FIELDS(F64(8, lun), TARGET_SN, F8(36, async_event), F8(37, async_vcode), F16(38, async_param1),
                       F16(40, async_param2), F16(42, async_param3)),
        },
        [ISCSI_OP_REJECT] = {
                "Reject", 0, ISCSI_FLAG_FINAL,
                FIELDS(F8(2, reject_reason), TARGET_SN, F32(36, datasn)),
        },
};

static const struct opcode_layout *layout_of(uint8_t opcode) {
        const struct opcode_layout *l = &layouts[opcode & ISCSI_OPCODE_MASK];

        return opcode <= ISCSI_OPCODE_MASK && l->name ? l : NULL;
}

bool iscsi_opcode_is_known(uint8_t opcode) {
        return layout_of(opcode) != NULL;
}

bool iscsi_opcode_is_initiator(uint8_t opcode) {
        return (opcode & ISCSI_OPCODE_MASK) < 0x20;
}

const char *iscsi_opcode_to_string(uint8_t opcode) {
        const struct opcode_layout *l = layout_of(opcode);
        return l ? l->name : NULL;
}

static void put_field(uint8_t *b, const struct field *f, const struct iscsi_bhs *h) {
        const uint8_t *m = (const uint8_t *) h + f->member;

        switch (f->kind) {
        case FK_BE8:
                b[f->off] = *m;
                break;
        case FK_BE16: {
                uint16_t v;
                memcpy(&v, m, sizeof(v));
                iscsi_put_be16(b + f->off, v);
                break;
        }
        case FK_BE32: {
                uint32_t v;
                memcpy(&v, m, sizeof(v));
                iscsi_put_be32(b + f->off, v);
                break;
        }
        case FK_BE64: {
                uint64_t v;
                memcpy(&v, m, sizeof(v));
                iscsi_put_be64(b + f->off, v);
                break;
        }
        case FK_BYTES6:
                memcpy(b + f->off, m, FK_BYTES6);
                break;
        case FK_BYTES16:
                memcpy(b + f->off, m, FK_BYTES16);
                break;
        }
}

static void get_field(const uint8_t *b, const struct field *f, struct iscsi_bhs *h) {
        uint8_t *m = (uint8_t *) h + f->member;

        switch (f->kind) {
        case FK_BE8:
                *m = b[f->off];
                break;
        case FK_BE16: {
                uint16_t v = iscsi_get_be16(b + f->off);
                memcpy(m, &v, sizeof(v));
                break;
        }
        case FK_BE32: {
                uint32_t v = iscsi_get_be32(b + f->off);
                memcpy(m, &v, sizeof(v));
                break;
        }
        case FK_BE64: {
                uint64_t v = iscsi_get_be64(b + f->off);
                memcpy(m, &v, sizeof(v));
                break;
        }
        case FK_BYTES6:
                memcpy(m, b + f->off, FK_BYTES6);
                break;
        case FK_BYTES16:
                memcpy(m, b + f->off, FK_BYTES16);
                break;
        }
}

int iscsi_bhs_encode(const struct iscsi_bhs *h, uint8_t out[static ISCSI_BHS_SIZE]) {
        const struct opcode_layout *l = layout_of(h->opcode);
        uint8_t b[ISCSI_BHS_SIZE] = {};
        uint8_t byte1;

        if (!l || h->opcode > ISCSI_OPCODE_MASK || h->dlength > ISCSI_MAX_DLENGTH)
                return -EINVAL;

        byte1 = (uint8_t) ((h->flags & l->flag_mask) | l->fixed);
        if (h->final && (l->flag_mask & ISCSI_FLAG_FINAL))
                byte1 |= ISCSI_FLAG_FINAL;
        for (unsigned i = 0; i < l->n_bitfields; i++) {
                const struct bitfield *bf = &l->bitfields[i];
                uint8_t v = *((const uint8_t *) h + bf->member);
                if (v > bf->mask >> bf->shift)
                        return -EINVAL;
                byte1 |= (uint8_t) (v << bf->shift);
        }

        b[0] = h->opcode;
        if (h->opcode == ISCSI_OP_LOGIN_REQ || (h->immediate && iscsi_opcode_is_initiator(h->opcode)))
                b[0] |= ISCSI_OP_IMMEDIATE;
        b[1] = byte1;
        b[4] = h->totalahslen;
        iscsi_put_be24(b + 5, h->dlength);
        iscsi_put_be32(b + 16, h->itt);
        for (unsigned i = 0; i < l->n_fields; i++)
                put_field(b, &l->fields[i], h);

        memcpy(out, b, sizeof(b));
        return 0;
}

/* Byte-1 combinations RFC 7143 forbids (§11.4.5.1, §11.7.4, §11.10.2, §11.12.2). */
static bool byte1_valid(const struct opcode_layout *l, uint8_t f) {
        for (unsigned i = 0; i < ELEMENTSOF(l->exclusive); i++)
                if (l->exclusive[i] && (f & l->exclusive[i]) == l->exclusive[i])
                        return false;
        if ((f & l->needs_final) && !(f & ISCSI_FLAG_FINAL))
                return false;
        if (l->login_stages) {
                uint8_t csg = (f & ISCSI_FLAG_LOGIN_CSG_MASK) >> ISCSI_FLAG_LOGIN_CSG_SHIFT;
                uint8_t nsg = f & ISCSI_FLAG_LOGIN_NSG_MASK;
                if (csg == 2 || ((f & ISCSI_FLAG_LOGIN_TRANSIT) && nsg == 2))
                        return false;
        }
        return true;
}

int iscsi_bhs_decode(const void *buf, size_t len, struct iscsi_bhs *ret) {
        const struct opcode_layout *l;
        const uint8_t *b = buf;
        struct iscsi_bhs h = {};
        uint8_t f;

        if (!buf || len < ISCSI_BHS_SIZE)
                return -ENODATA;

        h.opcode = b[0] & ISCSI_OPCODE_MASK;
        l = layout_of(h.opcode);
        if (!l)
                return -EOPNOTSUPP;
        f = h.flags = b[1];
        if (!byte1_valid(l, f))
                return -EBADMSG;

        h.final = f & ISCSI_FLAG_FINAL;
        h.immediate = iscsi_opcode_is_initiator(h.opcode) && (b[0] & ISCSI_OP_IMMEDIATE);
        h.totalahslen = b[4];
        h.dlength = iscsi_get_be24(b + 5);
        h.itt = iscsi_get_be32(b + 16);
        for (unsigned i = 0; i < l->n_bitfields; i++)
                *((uint8_t *) &h + l->bitfields[i].member) = (uint8_t) ((f & l->bitfields[i].mask) >> l->bitfields[i].shift);
        for (unsigned i = 0; i < l->n_fields; i++)
                get_field(b, &l->fields[i], &h);

        *ret = h;
        return 0;
}
