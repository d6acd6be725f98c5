/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Logical units, I_T nexuses and unit attention bookkeeping. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "iscsi-util/hex-digit.h"
#include "scsi-internal.h"

/* IEEE company id used in the NAA designator (the same one Linux LIO uses, so initiators
 * that special-case LIO-like targets see a familiar prefix). */
#define NAA_OUI 0x001405

void scsi_lu_params_init(struct scsi_lu_params *p) {
        *p = (struct scsi_lu_params) {
                .block_size = 512,
                .emulate_tpu = true,
                .emulate_tpws = true,
                .emulate_caw = true,
        };
}

static uint64_t fnv1a(const char *s, uint64_t h) {
        for (; *s; s++)
                h = (h ^ (uint8_t) *s) * UINT64_C(0x100000001b3);
        return h;
}

/* NAA 6 (IEEE registered extended): 4 bits NAA, 24 bits OUI, then 100 bits taken from the
 * serial's hex digits so the designator is stable for a given saveconfig wwn. */
static void make_naa(struct scsi_lu *lu) {
        uint8_t nibbles[32] = {};
        size_t n = 0;

        nibbles[n++] = 6;
        for (int i = 5; i >= 0; i--)
                nibbles[n++] = (NAA_OUI >> (4 * i)) & 0xf;
        for (const char *s = lu->serial; *s && n < 32; s++) {
                int v = util_hex_digit_value(*s);
                if (v >= 0)
                        nibbles[n++] = (uint8_t) v;
        }
        for (size_t i = 0; i < 16; i++)
                lu->naa[i] = (uint8_t) (nibbles[2 * i] << 4 | nibbles[2 * i + 1]);
}

int scsi_lu_new(const struct scsi_lu_params *p, struct backstore *bs, struct scsi_lu **ret) {
        struct scsi_lu *lu;
        uint32_t bsz;

        if (!p || !bs || !ret)
                return -EINVAL;
        bsz = p->block_size ?: 512;
        if (bsz < 512 || bsz > 4096 || (bsz & (bsz - 1)) || bsz < bs->min_block)
                return -EINVAL;
        if (bs->size / bsz == 0)
                return -EINVAL;

        lu = calloc(1, sizeof(*lu));
        if (!lu)
                return -ENOMEM;
        lu->name = strdup(p->name ?: "lu");
        if (!lu->name) {
                free(lu);
                return -ENOMEM;
        }
        atomic_init(&lu->refs, 1);
        atomic_init(&lu->n_ua, 0);
        lu->bs = bs;
        lu->block_size = bsz;
        lu->block_shift = (uint32_t) __builtin_ctz(bsz);
        lu->nblocks = bs->size / bsz;
        lu->tpu = p->emulate_tpu && bs->can_unmap;
        lu->tpws = p->emulate_tpws && bs->can_unmap;
        lu->caw = p->emulate_caw;
        lu->readonly = p->readonly || bs->readonly;
        lu->wce = bs->write_back;

        if (p->wwn && *p->wwn)
                snprintf(lu->serial, sizeof(lu->serial), "%s", p->wwn);
        else
                snprintf(lu->serial, sizeof(lu->serial), "%016llx%016llx",
                         (unsigned long long) fnv1a(lu->name, UINT64_C(0xcbf29ce484222325)),
                         (unsigned long long) fnv1a(lu->name, UINT64_C(0x84222325cbf29ce4)));
        make_naa(lu);
        switch (bs->type) {
        case BACKSTORE_FILEIO:
                snprintf(lu->product, sizeof(lu->product), "FILEIO");
                break;
        case BACKSTORE_BLOCK:
                snprintf(lu->product, sizeof(lu->product), "BLOCK");
                break;
        case BACKSTORE_RAMDISK:
                snprintf(lu->product, sizeof(lu->product), "RAMDISK");
                break;
        }
        pthread_mutex_init(&lu->lock, NULL);
        pthread_mutex_init(&lu->caw_lock, NULL);
        alua_init(lu);
        *ret = lu;
        return 0;
}

struct scsi_lu *scsi_lu_ref(struct scsi_lu *lu) {
        if (lu)
                atomic_fetch_add(&lu->refs, 1);
        return lu;
}

static void pr_reg_clear(struct pr_reg *r) {
        free(r->iport);
        free(r->tport);
        r->iport = r->tport = NULL;
}

struct scsi_lu *scsi_lu_unref(struct scsi_lu *lu) {
        if (!lu || atomic_fetch_sub(&lu->refs, 1) != 1)
                return NULL;
        for (size_t i = 0; i < lu->n_ports; i++)
                free(lu->ports[i].iport);
        free(lu->ports);
        for (size_t i = 0; i < lu->n_regs; i++)
                pr_reg_clear(&lu->regs[i]);
        free(lu->regs);
        pr_reg_clear(&lu->pr_holder);
        free(lu->res6_holder);
        free(lu->res6_tport);
        free(lu->xc.iport);
        pthread_mutex_destroy(&lu->lock);
        pthread_mutex_destroy(&lu->caw_lock);
        backstore_free(lu->bs);
        free(lu->name);
        free(lu);
        return NULL;
}

uint64_t scsi_lu_get_blocks(const struct scsi_lu *lu) {
        return lu->nblocks;
}

uint32_t scsi_lu_get_block_size(const struct scsi_lu *lu) {
        return lu->block_size;
}

const char *scsi_lu_get_serial(const struct scsi_lu *lu) {
        return lu->serial;
}

/* ---- unit attentions ---- */

static struct lu_port *lu_port_find(struct scsi_lu *lu, const char *iport) {
        for (size_t i = 0; i < lu->n_ports; i++)
                if (streq(lu->ports[i].iport, iport))
                        return &lu->ports[i];
        return NULL;
}

static void port_push(struct scsi_lu *lu, struct lu_port *p, uint16_t asc) {
        for (unsigned i = 0; i < p->n_ua; i++)
                if (p->ua[i] == asc)
                        return;
        if (p->n_ua == LU_MAX_UA) {
                /* Keep the newest: drop the oldest. */
                memmove(p->ua, p->ua + 1, (LU_MAX_UA - 1) * sizeof(p->ua[0]));
                p->n_ua--;
                atomic_fetch_sub(&lu->n_ua, 1);
        }
        p->ua[p->n_ua++] = asc;
        atomic_fetch_add(&lu->n_ua, 1);
}

void lu_ua_add_all(struct scsi_lu *lu, uint16_t asc, const char *except_iport) {
        for (size_t i = 0; i < lu->n_ports; i++)
                if (!except_iport || !streq(lu->ports[i].iport, except_iport))
                        port_push(lu, &lu->ports[i], asc);
}

void lu_ua_add_port(struct scsi_lu *lu, const char *iport, uint16_t asc) {
        struct lu_port *p = lu_port_find(lu, iport);
        if (p)
                port_push(lu, p, asc);
}

bool lu_ua_take(struct scsi_lu *lu, const char *iport, uint16_t *ret_asc) {
        struct lu_port *p;

        if (atomic_load(&lu->n_ua) == 0)
                return false;
        p = lu_port_find(lu, iport);
        if (!p || p->n_ua == 0)
                return false;
        *ret_asc = p->ua[0];
        memmove(p->ua, p->ua + 1, (--p->n_ua) * sizeof(p->ua[0]));
        atomic_fetch_sub(&lu->n_ua, 1);
        return true;
}

static void lu_port_put(struct scsi_lu *lu, const char *iport) {
        struct lu_port *p = lu_port_find(lu, iport);

        if (!p || --p->users > 0)
                return;
        atomic_fetch_sub(&lu->n_ua, p->n_ua);
        free(p->iport);
        *p = lu->ports[--lu->n_ports];
}

void lu_nexus_seen(struct scsi_lu *lu, struct scsi_nexus *n) {
        struct lu_port *p;

        pthread_mutex_lock(&n->lock);
        for (size_t i = 0; i < n->n_lus; i++)
                if (n->lus[i] == lu) {
                        pthread_mutex_unlock(&n->lock);
                        return;
                }
        if (n->n_lus == NEXUS_MAX_LUS) {
                pthread_mutex_unlock(&n->lock);
                return;
        }
        pthread_mutex_lock(&lu->lock);
        p = lu_port_find(lu, n->initiator_port);
        if (p)
                p->users++;
        else {
                struct lu_port *np = realloc(lu->ports, (lu->n_ports + 1) * sizeof(*np));
                char *s = strdup(n->initiator_port);
                if (np)
                        lu->ports = np;
                if (!np || !s) {
                        free(s);
                        pthread_mutex_unlock(&lu->lock);
                        pthread_mutex_unlock(&n->lock);
                        return;
                }
                lu->ports[lu->n_ports++] = (struct lu_port) { .iport = s, .users = 1 };
        }
        pthread_mutex_unlock(&lu->lock);
        n->lus[n->n_lus++] = scsi_lu_ref(lu);
        pthread_mutex_unlock(&n->lock);
}

void scsi_lu_reset(struct scsi_lu *lu, enum scsi_reset_kind kind) {
        static const uint16_t asc[] = {
                [SCSI_RESET_LUN] = ASC_BUS_DEVICE_RESET,
                [SCSI_RESET_TARGET_WARM] = ASC_SCSI_BUS_RESET,
                [SCSI_RESET_TARGET_COLD] = ASC_POWER_ON_OCCURRED,
        };

        pthread_mutex_lock(&lu->lock);
        pr_reset(lu);
        lu_ua_add_all(lu, asc[kind], NULL);
        if (kind == SCSI_RESET_TARGET_COLD) {
                __atomic_store_n(&lu->swp, false, __ATOMIC_RELAXED);
                __atomic_store_n(&lu->wce, lu->bs->write_back, __ATOMIC_RELAXED);
        }
        pthread_mutex_unlock(&lu->lock);
}

void scsi_lu_nexus_loss(struct scsi_lu *lu, const struct scsi_nexus *n) {
        pthread_mutex_lock(&lu->lock);
        pr_nexus_loss(lu, n);
        pthread_mutex_unlock(&lu->lock);
}

/* ---- nexus ---- */

int scsi_nexus_new(const char *initiator_name, const uint8_t isid[6], const char *target_name,
                   uint16_t tpgt, struct scsi_nexus **ret) {
        struct scsi_nexus *n;
        static const uint8_t zero_isid[6];

        if (!initiator_name || !target_name || !ret)
                return -EINVAL;
        if (!isid)
                isid = zero_isid;
        n = calloc(1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        atomic_init(&n->refs, 1);
        n->tpgt = tpgt;
        n->initiator_name = strdup(initiator_name);
        n->target_name = strdup(target_name);
        if (asprintf(&n->initiator_port, "%s,i,0x%02x%02x%02x%02x%02x%02x", initiator_name,
                     isid[0], isid[1], isid[2], isid[3], isid[4], isid[5]) < 0)
                n->initiator_port = NULL;
        if (asprintf(&n->target_port, "%s,t,0x%04x", target_name, tpgt) < 0)
                n->target_port = NULL;
        pthread_mutex_init(&n->lock, NULL);
        if (!n->initiator_name || !n->target_name || !n->initiator_port || !n->target_port) {
                atomic_store(&n->refs, 1);
                scsi_nexus_unref(n);
                return -ENOMEM;
        }
        *ret = n;
        return 0;
}

struct scsi_nexus *scsi_nexus_ref(struct scsi_nexus *n) {
        if (n)
                atomic_fetch_add(&n->refs, 1);
        return n;
}

struct scsi_nexus *scsi_nexus_unref(struct scsi_nexus *n) {
        if (!n || atomic_fetch_sub(&n->refs, 1) != 1)
                return NULL;
        for (size_t i = 0; i < n->n_lus; i++) {
                struct scsi_lu *lu = n->lus[i];
                pthread_mutex_lock(&lu->lock);
                if (n->initiator_port)
                        lu_port_put(lu, n->initiator_port);
                pthread_mutex_unlock(&lu->lock);
                scsi_lu_unref(lu);
        }
        pthread_mutex_destroy(&n->lock);
        free(n->initiator_name);
        free(n->initiator_port);
        free(n->target_name);
        free(n->target_port);
        free(n);
        return NULL;
}
