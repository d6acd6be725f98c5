/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* INQUIRY: standard data and the VPD pages 0x00, 0x80, 0x83, 0xB0, 0xB1, 0xB2. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "scsi-ops.h"

#define VENDOR_ID "ISCSITLS"
#define PRODUCT_REV "0001"
#define INQ_BUF 1024

/* Block limits we advertise (VPD 0xB0); also enforced by the SBC handlers. */

static const uint8_t vpd_pages[] = { 0x00, 0x80, 0x83, 0x8f, 0xb0, 0xb1, 0xb2 };

ScsiStep parse_inquiry(struct scsi_cmd *cmd) {
        bool evpd = cmd->cdb[1] & 0x01;

        if (cmd->cdb[1] & 0x02)
                return cmd_fail_field(cmd, true, 1, 1);         /* CMDDT (obsolete) */
        if (!evpd && cmd->cdb[2] != 0)
                return cmd_fail_field(cmd, true, 2, -1);
        if (evpd && cmd_lu(cmd)) {
                bool known = false;
                for (size_t i = 0; i < ELEMENTSOF(vpd_pages); i++)
                        known |= vpd_pages[i] == cmd->cdb[2];
                if (!known)
                        return cmd_fail_field(cmd, true, 2, -1);
        } else if (evpd)
                return cmd_fail_field(cmd, true, 2, -1);
        cmd->priv.xfer_len = get_be16(cmd->cdb + 3);
        return SCSI_STEP_CONTINUE;
}

static void pad_copy(uint8_t *dst, const char *src, size_t n) {
        size_t l = strlen(src);
        memset(dst, ' ', n);
        memcpy(dst, src, MIN(l, n));
}

static uint32_t inquiry_standard(struct scsi_cmd *cmd, uint8_t *p) {
        struct scsi_lu *lu = cmd_lu(cmd);

        p[0] = lu ? 0x00 : 0x7f;        /* direct access block device / no LU here */
        p[2] = 0x06;                    /* SPC-4 */
        p[3] = 0x12;                    /* HISUP, response data format 2 */
        p[4] = 74 - 5;
        if (lu && cmd->nexus) {
                uint16_t group;
                uint8_t access;

                alua_port_info(lu, cmd->nexus->tpgt, &group, &access);
                p[5] = (uint8_t) ((access & 0x3) << 4);  /* TPGS: implicit (01b), explicit (10b) ALUA */
        }
        p[7] = 0x02;                    /* CMDQUE */
        pad_copy(p + 8, VENDOR_ID, 8);
        pad_copy(p + 16, lu ? lu->product : "", 16);
        pad_copy(p + 32, PRODUCT_REV, 4);
        /* Version descriptors: SAM-5, iSCSI, SPC-4, SBC-3. */
        put_be16(p + 58, 0x00a0);
        put_be16(p + 60, 0x0960);
        put_be16(p + 62, 0x0460);
        put_be16(p + 64, 0x04c0);
        return 74;
}

static uint32_t put_name_designator(uint8_t *d, uint8_t assoc, const char *name) {
        size_t l = strlen(name) + 1;            /* null terminated */
        size_t padded = (l + 3) & ~(size_t) 3;

        if (padded > 252)
                padded = 252, l = 251;
        d[0] = 0x50 | 0x03;                     /* iSCSI, UTF-8 */
        d[1] = 0x80 | assoc | 0x08;             /* PIV, association, SCSI name string */
        d[3] = (uint8_t) padded;
        memset(d + 4, 0, padded);
        memcpy(d + 4, name, l - 1);
        return (uint32_t) (4 + padded);
}

static uint32_t vpd_device_id(struct scsi_cmd *cmd, uint8_t *p) {
        struct scsi_lu *lu = cmd_lu(cmd);
        uint8_t *d = p + 4;
        size_t sl;

        /* NAA IEEE Registered Extended, logical unit. */
        d[0] = 0x01;
        d[1] = 0x03;
        d[3] = 16;
        memcpy(d + 4, lu->naa, 16);
        d += 20;

        /* T10 vendor ID + serial, logical unit. */
        sl = MIN(strlen(lu->serial), (size_t) 40);
        d[0] = 0x02;
        d[1] = 0x01;
        d[3] = (uint8_t) (8 + sl);
        pad_copy(d + 4, VENDOR_ID, 8);
        memcpy(d + 12, lu->serial, sl);
        d += 4 + 8 + sl;

        if (cmd->nexus) {
                const struct scsi_nexus *n = cmd->nexus;
                uint16_t group;
                uint8_t access;

                alua_port_info(lu, n->tpgt, &group, &access);
                /* Relative target port identifier. */
                d[0] = 0x51;
                d[1] = 0x80 | 0x10 | 0x04;
                d[3] = 4;
                put_be16(d + 6, n->tpgt);
                d += 8;
                /* Target port group (ALUA). */
                d[0] = 0x51;
                d[1] = 0x80 | 0x10 | 0x05;
                d[3] = 4;
                put_be16(d + 6, group);
                d += 8;
                /* SCSI name strings of the target port and the target device. */
                d += put_name_designator(d, 0x10, n->target_port);
                d += put_name_designator(d, 0x20, n->target_name);
        }
        put_be16(p + 2, (uint16_t) (d - p - 4));
        return (uint32_t) (d - p);
}

static uint32_t vpd_block_limits(struct scsi_lu *lu, uint8_t *p) {
        uint32_t bs = lu->block_size;

        put_be16(p + 2, 0x3c);
        p[5] = lu->caw ? MAX_CAW_BLOCKS : 0;
        /* 4 KiB granularity; 1 MiB optimal so partitioning tools align to 1 MiB. */
        put_be16(p + 6, (uint16_t) MAX(4096u / bs, 1u));
        put_be32(p + 8, SCSI_MAX_XFER_BYTES / bs);
        put_be32(p + 12, OPTIMAL_XFER_BYTES / bs);
        put_be32(p + 16, SCSI_MAX_XFER_BYTES / bs);     /* max prefetch */
        if (lu->tpu) {
                put_be32(p + 20, UINT32_C(0xffffffff));
                put_be32(p + 24, MAX_UNMAP_DESCRIPTORS);
                put_be32(p + 28, MAX(4096u / bs, 1u));  /* optimal unmap granularity */
                put_be32(p + 32, 0x80000000);           /* UGAVALID, alignment 0 */
        }
        put_be64(p + 36, MAX_WRITE_SAME_BLOCKS);
        return 64;
}

static uint32_t vpd_block_characteristics(uint8_t *p) {
        put_be16(p + 2, 0x3c);
        put_be16(p + 4, 0x0001);                        /* non-rotating medium */
        return 64;
}

static uint32_t vpd_lbp(struct scsi_lu *lu, uint8_t *p) {
        put_be16(p + 2, 4);
        if (lu->tpu)
                p[5] |= 0x80;                           /* LBPU */
        if (lu->tpws)
                p[5] |= 0x40 | 0x20;                    /* LBPWS, LBPWS10 */
        if (lu->tpu || lu->tpws) {
                p[5] |= 0x04;                           /* LBPRZ */
                p[6] = 0x02;                            /* thin provisioned */
        }
        return 8;
}

ScsiStep exec_inquiry(struct scsi_cmd *cmd) {
        struct scsi_lu *lu = cmd_lu(cmd);
        uint8_t *p;
        uint32_t len;

        if (cmd_alloc_buf(cmd, INQ_BUF) < 0) {
                cmd_status(cmd, SCSI_STATUS_BUSY);
                return SCSI_STEP_COMPLETE;
        }
        p = cmd->buf;
        memset(p, 0, INQ_BUF);
        if (!(cmd->cdb[1] & 0x01)) {
                cmd_data_in(cmd, inquiry_standard(cmd, p));
                return SCSI_STEP_COMPLETE;
        }
        p[1] = cmd->cdb[2];
        switch (cmd->cdb[2]) {
        case 0x00:
                put_be16(p + 2, sizeof(vpd_pages));
                memcpy(p + 4, vpd_pages, sizeof(vpd_pages));
                len = 4 + sizeof(vpd_pages);
                break;
        case 0x80: {
                size_t sl = strlen(lu->serial);
                put_be16(p + 2, (uint16_t) sl);
                memcpy(p + 4, lu->serial, sl);
                len = (uint32_t) (4 + sl);
                break;
        }
        case 0x83:
                len = vpd_device_id(cmd, p);
                break;
        case 0x8f:
                len = 4 + vpd_third_party_copy(lu, p + 4);
                put_be16(p + 2, (uint16_t) (len - 4));
                break;
        case 0xb0:
                len = vpd_block_limits(lu, p);
                break;
        case 0xb1:
                len = vpd_block_characteristics(p);
                break;
        default: /* 0xb2 */
                len = vpd_lbp(lu, p);
                break;
        }
        cmd_data_in(cmd, len);
        return SCSI_STEP_COMPLETE;
}
