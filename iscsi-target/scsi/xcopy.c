/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Third-party copy within one logical unit: EXTENDED COPY (LID1) with identification CSCD
 * descriptors (0xE4) that name this LU and block-to-block segments (0x02), RECEIVE COPY
 * RESULTS (COPY STATUS, OPERATING PARAMETERS) and the Third-party Copy VPD page contents.
 * Copies run synchronously in chunks (they are rare and bounded: 65535 blocks a segment). */
#include <errno.h>
#include <stdlib.h>

#include "scsi-ops.h"

#define XCOPY_MAX_CSCD 8
#define XCOPY_MAX_SEGMENTS 8
#define XCOPY_MAX_LIST_LENGTH 512
#define XCOPY_CHUNK (1024u * 1024u)

enum {
        ASC_TOO_MANY_TARGET_DESCRIPTORS = 0x2606,
        ASC_UNSUPPORTED_TARGET_DESCRIPTOR = 0x2607,
        ASC_TOO_MANY_SEGMENT_DESCRIPTORS = 0x2608,
        ASC_UNSUPPORTED_SEGMENT_DESCRIPTOR = 0x2609,
        ASC_COPY_TARGET_NOT_REACHABLE = 0x0d02,
        ASC_INCORRECT_COPY_TARGET_TYPE = 0x0d03,
};

ScsiStep parse_xcopy(struct scsi_cmd *cmd) {
        uint32_t len = get_be32(cmd->cdb + 10);

        if (len > 16 + XCOPY_MAX_LIST_LENGTH + 4096)
                return cmd_fail(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_PARAMETER_LIST_LENGTH_ERROR);
        cmd->priv.xfer_len = len;
        return SCSI_STEP_CONTINUE;
}

struct cscd {
        bool ok;
        uint16_t asc;           /* why it cannot be used, COPY ABORTED */
};

static void parse_cscd(struct scsi_lu *lu, const uint8_t *d, struct cscd *c) {
        c->ok = false;
        if (d[1] & 0x20)
                c->asc = ASC_COPY_TARGET_NOT_REACHABLE;         /* NUL: no device */
        else if ((d[1] & 0x1f) != 0)
                c->asc = ASC_INCORRECT_COPY_TARGET_TYPE;        /* not a block device */
        else if ((d[4] & 0x0f) != 0x01 || (d[5] & 0x3f) != 0x03 || d[7] != 16 ||
                 memcmp(d + 8, lu->naa, 16) != 0)
                c->asc = ASC_COPY_TARGET_NOT_REACHABLE;         /* another LU: not served */
        else if (get_be24(d + 29) != 0 && get_be24(d + 29) != lu->block_size)
                c->asc = ASC_INCORRECT_COPY_TARGET_TYPE;
        else
                c->ok = true;
}

static int copy_blocks(struct scsi_lu *lu, uint64_t src, uint64_t dst, uint32_t n) {
        struct backstore *bs = lu->bs;
        uint64_t left = (uint64_t) n << lu->block_shift;
        uint64_t s = src << lu->block_shift, d = dst << lu->block_shift;
        uint8_t *buf;
        int r = 0;

        if (bs->type == BACKSTORE_RAMDISK) {
                if (bs->mem) {
                        memmove(bs->mem + d, bs->mem + s, left);
                        ramdisk_map_range(bs, d, left, true);
                }
                return 0;
        }
        buf = buf_pool_alloc(XCOPY_CHUNK);
        if (!buf)
                return -ENOMEM;
        /* Overlapping ranges copied forward would read what they just wrote. */
        bool backward = d > s && d < s + left;
        while (left > 0 && r == 0) {
                uint32_t chunk = (uint32_t) MIN(left, (uint64_t) XCOPY_CHUNK);
                uint64_t so = backward ? s + left - chunk : s, dof = backward ? d + left - chunk : d;
                ssize_t got = pread(bs->fd, buf, chunk, (off_t) so);
                if (got != (ssize_t) chunk)
                        r = got < 0 ? -errno : -EIO;
                else if (pwrite(bs->fd, buf, chunk, (off_t) dof) != (ssize_t) chunk)
                        r = -EIO;
                left -= chunk;
                if (!backward) {
                        s += chunk;
                        d += chunk;
                }
        }
        if (r == 0 && bs->write_back && !__atomic_load_n(&lu->wce, __ATOMIC_RELAXED) && fdatasync(bs->fd) < 0)
                r = -errno;
        buf_pool_free(buf, XCOPY_CHUNK);
        return r;
}

static void hold_results(struct scsi_cmd *cmd, uint8_t list_id, uint8_t status, uint16_t segments,
                         uint64_t bytes) {
        struct scsi_lu *lu = cmd_lu(cmd);

        pthread_mutex_lock(&lu->lock);
        free(lu->xc.iport);
        lu->xc.iport = cmd->nexus ? strdup(cmd->nexus->initiator_port) : strdup("");
        lu->xc.held = lu->xc.iport != NULL;
        lu->xc.list_id = list_id;
        lu->xc.status = status;
        lu->xc.segments = segments;
        lu->xc.kib = (uint32_t) MIN(bytes >> 10, (uint64_t) UINT32_MAX);
        pthread_mutex_unlock(&lu->lock);
}

/* CSCD (target) descriptors at p[off..end). */
static ScsiStep parse_cscd_list(struct scsi_cmd *cmd, const uint8_t *p, uint32_t off, uint32_t end,
                                struct cscd *cscd, unsigned *ret_n) {
        struct scsi_lu *lu = cmd_lu(cmd);
        unsigned n = 0;

        for (; off < end; off += 32) {
                uint8_t type = p[off];
                if (type < 0xe0 || type > 0xeb || type != 0xe4)
                        return cmd_fail(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_UNSUPPORTED_TARGET_DESCRIPTOR);
                if (off + 32 > end)
                        return cmd_fail(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_PARAMETER_LIST_LENGTH_ERROR);
                if (n == XCOPY_MAX_CSCD)
                        return cmd_fail(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_TOO_MANY_TARGET_DESCRIPTORS);
                /* LU ID TYPE (byte 1 bits 7-6) is obsolete in SPC-4 and ignored: the
                 * designator names the LU. */
                parse_cscd(lu, p + off, &cscd[n++]);
        }
        *ret_n = n;
        return SCSI_STEP_CONTINUE;
}

/* Segment descriptors at p[off..end): all validated before any runs. */
static ScsiStep check_segments(struct scsi_cmd *cmd, const uint8_t *p, uint32_t off, uint32_t end) {
        unsigned n = 0;

        for (; off < end; off += 28) {
                if (p[off] != 0x02)
                        return cmd_fail(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_UNSUPPORTED_SEGMENT_DESCRIPTOR);
                if (off + 28 > end)
                        return cmd_fail(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_PARAMETER_LIST_LENGTH_ERROR);
                if (get_be16(p + off + 2) != 0x18)
                        return cmd_fail_field(cmd, false, (uint16_t) (off + 2), -1);
                if (++n > XCOPY_MAX_SEGMENTS)
                        return cmd_fail(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_TOO_MANY_SEGMENT_DESCRIPTORS);
        }
        return SCSI_STEP_CONTINUE;
}

/* Run the block-to-block segments; *n_seg and *copied count what was done. CONTINUE if all
 * succeeded (no status set yet), COMPLETE with sense otherwise. */
static ScsiStep run_segments(struct scsi_cmd *cmd, const uint8_t *p, uint32_t off, uint32_t end,
                             const struct cscd *cscd, unsigned n_cscd, unsigned *n_seg, uint64_t *copied) {
        struct scsi_lu *lu = cmd_lu(cmd);

        for (; off < end; off += 28) {
                const uint8_t *s = p + off;
                uint16_t si = get_be16(s + 4), di = get_be16(s + 6);
                uint32_t n = get_be16(s + 10);
                uint64_t src = get_be64(s + 12), dst = get_be64(s + 20);
                int r;

                if (si >= n_cscd || di >= n_cscd || !cscd[si].ok || !cscd[di].ok) {
                        uint16_t asc = si < n_cscd && !cscd[si].ok ? cscd[si].asc :
                                di < n_cscd && !cscd[di].ok ? cscd[di].asc : ASC_COPY_TARGET_NOT_REACHABLE;
                        return cmd_fail(cmd, SCSI_SENSE_COPY_ABORTED, asc);
                }
                if (!lba_range_ok(lu, src, n) || !lba_range_ok(lu, dst, n))
                        return cmd_fail(cmd, SCSI_SENSE_COPY_ABORTED, ASC_NO_ADDITIONAL_SENSE);
                r = copy_blocks(lu, src, dst, n);
                if (r < 0)
                        return cmd_fail_errno(cmd, r, true);
                *copied += (uint64_t) n << lu->block_shift;
                (*n_seg)++;
        }
        return SCSI_STEP_CONTINUE;
}

ScsiStep exec_xcopy(struct scsi_cmd *cmd) {
        const uint8_t *p = cmd->buf;
        uint32_t len = cmd->priv.xfer_len, tdl, sdl, inl;
        struct cscd cscd[XCOPY_MAX_CSCD];
        unsigned n_cscd = 0, n_seg = 0;
        uint8_t list_id, usage;
        uint64_t copied = 0;
        ScsiStep r;

        if (len == 0) {
                cmd_good(cmd);
                return SCSI_STEP_COMPLETE;
        }
        if (len < 16)
                return cmd_fail(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_PARAMETER_LIST_LENGTH_ERROR);
        list_id = p[0];
        usage = (p[1] >> 3) & 3;
        tdl = get_be16(p + 2);
        sdl = get_be32(p + 8);
        inl = get_be32(p + 12);
        if (usage == 1 || (usage == 3 && list_id != 0))
                return cmd_fail_field(cmd, false, usage == 1 ? 1 : 0, usage == 1 ? 4 : -1);
        if ((uint64_t) tdl + sdl > XCOPY_MAX_LIST_LENGTH || 16 + (uint64_t) tdl + sdl + inl > len)
                return cmd_fail(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_PARAMETER_LIST_LENGTH_ERROR);
        if (inl > 0)
                return cmd_fail_field(cmd, false, 12, -1);      /* no inline data */

        if (parse_cscd_list(cmd, p, 16, 16 + tdl, cscd, &n_cscd) == SCSI_STEP_COMPLETE ||
            check_segments(cmd, p, 16 + tdl, 16 + tdl + sdl) == SCSI_STEP_COMPLETE)
                return SCSI_STEP_COMPLETE;

        r = run_segments(cmd, p, 16 + tdl, 16 + tdl + sdl, cscd, n_cscd, &n_seg, &copied);
        if (usage == 0)
                hold_results(cmd, list_id, r == SCSI_STEP_CONTINUE ? 0x01 : 0x02, (uint16_t) n_seg, copied);
        if (r == SCSI_STEP_CONTINUE)
                cmd_good(cmd);
        return SCSI_STEP_COMPLETE;
}

/* ---- RECEIVE COPY RESULTS ---- */

ScsiStep parse_rcr(struct scsi_cmd *cmd) {
        cmd->priv.xfer_len = get_be32(cmd->cdb + 10);
        return SCSI_STEP_CONTINUE;
}

ScsiStep exec_rcr(struct scsi_cmd *cmd) {
        struct scsi_lu *lu = cmd_lu(cmd);
        uint8_t sa = cmd->cdb[1] & 0x1f;
        uint8_t *p;
        bool found;

        if (cmd_alloc_buf(cmd, 64) < 0) {
                cmd_status(cmd, SCSI_STATUS_BUSY);
                return SCSI_STEP_COMPLETE;
        }
        p = cmd->buf;
        memset(p, 0, 64);
        if (sa == 0x03) {       /* OPERATING PARAMETERS */
                put_be32(p, 44 + 2 - 4);
                p[4] = 0x01;                                    /* SNLID */
                put_be16(p + 8, XCOPY_MAX_CSCD);
                put_be16(p + 10, XCOPY_MAX_SEGMENTS);
                put_be32(p + 12, XCOPY_MAX_LIST_LENGTH);
                put_be32(p + 16, 65535u << lu->block_shift);   /* max segment length */
                put_be16(p + 34, 1);                            /* total concurrent copies */
                p[36] = 1;
                p[37] = (uint8_t) lu->block_shift;              /* data segment granularity */
                p[43] = 2;
                p[44] = 0x02;                                   /* block to block */
                p[45] = 0xe4;                                   /* identification CSCD */
                cmd_data_in(cmd, 46);
                return SCSI_STEP_COMPLETE;
        }
        /* COPY STATUS of a list whose results were held (LIST ID USAGE 00b). */
        pthread_mutex_lock(&lu->lock);
        found = lu->xc.held && lu->xc.list_id == cmd->cdb[2] &&
                streq(lu->xc.iport, cmd->nexus ? cmd->nexus->initiator_port : "");
        if (found) {
                put_be32(p, 8);
                p[4] = lu->xc.status;
                put_be16(p + 5, lu->xc.segments);
                p[7] = 0xf1;                                    /* transfer count in KiB */
                put_be32(p + 8, lu->xc.kib);
                lu->xc.held = false;                            /* reported once */
        }
        pthread_mutex_unlock(&lu->lock);
        if (!found) {
                cmd_fail_field(cmd, true, 2, -1);
                return SCSI_STEP_COMPLETE;
        }
        cmd_data_in(cmd, 12);
        return SCSI_STEP_COMPLETE;
}

/* Third-party Copy VPD page (0x8F) body after the 4-byte page header; returns its length. */
uint32_t vpd_third_party_copy(struct scsi_lu *lu, uint8_t *p) {
        uint8_t *d = p;

        /* Supported Commands: EXTENDED COPY (LID1), RECEIVE COPY RESULTS. */
        put_be16(d, 0x0001);
        put_be16(d + 2, 8);
        d[4] = 7;
        d[5] = 0x83, d[6] = 1, d[7] = 0x00;
        d[8] = 0x84, d[9] = 2, d[10] = 0x00, d[11] = 0x03;
        d += 12;
        /* Parameter Data. */
        put_be16(d, 0x0004);
        put_be16(d + 2, 0x1c);
        put_be16(d + 8, XCOPY_MAX_CSCD);
        put_be16(d + 10, XCOPY_MAX_SEGMENTS);
        put_be32(d + 12, XCOPY_MAX_LIST_LENGTH);
        d += 32;
        /* Supported Descriptors. */
        put_be16(d, 0x0008);
        put_be16(d + 2, 4);
        d[4] = 2;
        d[5] = 0x02;
        d[6] = 0xe4;
        d += 8;
        (void) lu;
        return (uint32_t) (d - p);
}
