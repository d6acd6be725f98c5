/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <strings.h>

#include "log.h"
#include "runtime.h"

static RtLu *rtlu_free(RtLu *l) {
        if (!l)
                return NULL;
        scsi_lu_unref(l->lu);
        free(l->path);
        free(l->dev);
        free(l->wwn);
        free(l);
        return NULL;
}

static bool rtlu_same(const RtLu *a, const RtLu *b) {
        return a->type == b->type && streq_ptr(a->path, b->path) && streq_ptr(a->dev, b->dev) &&
               a->size == b->size && a->write_back == b->write_back && a->readonly == b->readonly &&
               a->nullio == b->nullio && a->block_size == b->block_size && streq_ptr(a->wwn, b->wwn) &&
               a->emulate_tpu == b->emulate_tpu && a->emulate_tpws == b->emulate_tpws &&
               a->emulate_caw == b->emulate_caw;
}

static int rtlu_describe(const TcStorageObject *so, RtLu **ret) {
        struct scsi_lu_params p;
        RtLu *l;

        scsi_lu_params_init(&p);
        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        if (asprintf(&l->path, "/backstores/%s/%s", tc_backstore_type_to_string(so->type), so->name) < 0) {
                free(l);
                return -ENOMEM;
        }
        l->type = so->type;
        l->dev = so->dev ? strdup(so->dev) : NULL;
        l->wwn = so->wwn ? strdup(so->wwn) : NULL;
        l->size = so->size;
        l->write_back = so->write_back;
        l->readonly = so->readonly;
        l->nullio = so->nullio;
        l->block_size = tc_storage_object_block_size(so);
        l->emulate_tpu = tc_attr_get_int(&so->attributes, "emulate_tpu", p.emulate_tpu) != 0;
        l->emulate_tpws = tc_attr_get_int(&so->attributes, "emulate_tpws", p.emulate_tpws) != 0;
        l->emulate_caw = tc_attr_get_int(&so->attributes, "emulate_caw", p.emulate_caw) != 0;
        if ((so->dev && !l->dev) || (so->wwn && !l->wwn)) {
                rtlu_free(l);
                return -ENOMEM;
        }
        *ret = l;
        return 0;
}

static int rtlu_open(RtLu *l, const char *name) {
        struct backstore *b = NULL;
        struct scsi_lu_params p;
        int r;

        switch (l->type) {
        case TC_BACKSTORE_FILEIO:
                r = backstore_open_fileio(l->dev, l->size, l->write_back, false, &b);
                break;
        case TC_BACKSTORE_BLOCK:
                r = backstore_open_block(l->dev, l->readonly, &b);
                break;
        case TC_BACKSTORE_RAMDISK:
                r = backstore_open_ramdisk(l->size, l->nullio, &b);
                break;
        default:
                r = -EINVAL;
        }
        if (r < 0)
                return r;

        scsi_lu_params_init(&p);
        p.name = name;
        p.wwn = l->wwn;
        p.block_size = l->block_size;
        p.emulate_tpu = l->emulate_tpu;
        p.emulate_tpws = l->emulate_tpws;
        p.emulate_caw = l->emulate_caw;
        p.readonly = l->readonly;
        r = scsi_lu_new(&p, b, &l->lu);
        if (r < 0)
                backstore_free(b);
        return r;
}

/* Port p joins group g (each TPG tag once: a TPG exports an LU under one group). */
static void alua_add_port(struct scsi_alua_group *g, uint16_t port) {
        for (size_t i = 0; i < g->n_ports; i++)
                if (g->ports[i] == port)
                        return;
        if (g->n_ports < SCSI_ALUA_MAX_PORTS)
                g->ports[g->n_ports++] = port;
}

/* Every TPG that exports so becomes a port of the group its LUN names. */
static int alua_collect_ports(const TargetConfig *cfg, const TcStorageObject *so, const TcAluaGroup *groups,
                              struct scsi_alua_group *g, size_t n) {
        for (size_t i = 0; i < cfg->n_targets; i++)
                for (size_t j = 0; j < cfg->targets[i]->n_tpgs; j++) {
                        const TcTpg *tpg = cfg->targets[i]->tpgs[j];
                        for (size_t k = 0; k < tpg->n_luns; k++) {
                                _cleanup_free_ char *name = NULL;
                                size_t gi = 0;
                                int r;

                                if (tc_config_lun_storage_object(cfg, tpg->luns[k]) != so)
                                        continue;
                                r = tc_lun_alua_group(tpg->luns[k], &name);
                                if (r < 0)
                                        return r;
                                for (size_t x = 0; x < n; x++)
                                        if (streq(groups[x].name, name))
                                                gi = x;
                                alua_add_port(&g[gi], tpg->tag);
                        }
                }
        return 0;
}

/* The storage object's ALUA target port groups (alua_tpgs) with their member ports. */
static int rtlu_apply_alua(const TargetConfig *cfg, const TcStorageObject *so, struct scsi_lu *lu) {
        struct scsi_alua_group g[SCSI_ALUA_MAX_GROUPS] = {};
        TcAluaGroup *groups = NULL;
        size_t n = 0;
        int r;

        r = tc_alua_groups(so, &groups, &n);
        if (r < 0)
                return r;
        if (n > SCSI_ALUA_MAX_GROUPS) {
                log_warning("storage object %s: only the first %u ALUA groups are used", so->name,
                            SCSI_ALUA_MAX_GROUPS);
                n = SCSI_ALUA_MAX_GROUPS;
        }
        for (size_t i = 0; i < n; i++)
                g[i] = (struct scsi_alua_group) {
                        .id = groups[i].id,
                        .state = groups[i].access_state,
                        .supported = groups[i].supported,
                        .access = groups[i].access_type,
                        .preferred = groups[i].preferred,
                };
        r = alua_collect_ports(cfg, so, groups, g, n);
        tc_alua_groups_free(groups, n);
        if (r < 0)
                return r;
        return scsi_lu_set_alua_groups(lu, g, n);
}

Runtime *runtime_free(Runtime *rt) {
        if (!rt)
                return NULL;
        for (size_t i = 0; i < rt->n_lus; i++)
                rtlu_free(rt->lus[i]);
        free(rt->lus);
        tc_config_free(rt->cfg);
        free(rt);
        return NULL;
}

int runtime_new(TargetConfig *cfg, const Runtime *old, Runtime **ret) {
        Runtime *rt;

        rt = calloc(1, sizeof(*rt));
        if (!rt)
                return -ENOMEM;
        rt->lus = calloc(cfg->n_storage_objects ?: 1, sizeof(RtLu *));
        if (!rt->lus) {
                free(rt);
                return -ENOMEM;
        }
        rt->cfg = cfg;

        for (size_t i = 0; i < cfg->n_storage_objects; i++) {
                const TcStorageObject *so = cfg->storage_objects[i];
                RtLu *l;
                int r;

                r = rtlu_describe(so, &l);
                if (r < 0) {
                        runtime_free(rt);
                        return r;
                }
                for (size_t j = 0; old && j < old->n_lus; j++)
                        if (old->lus[j]->lu && rtlu_same(old->lus[j], l)) {
                                l->lu = scsi_lu_ref(old->lus[j]->lu);
                                break;
                        }
                if (!l->lu) {
                        r = rtlu_open(l, so->name);
                        if (r < 0) {
                                log_error("storage object %s (%s): cannot open: %s", l->path,
                                          l->dev ?: "memory", strerror(-r));
                                rtlu_free(l);
                                continue;
                        }
                        log_info("storage object %s ready (%s, %" PRIu64 " blocks of %u bytes)", l->path,
                                 l->dev ?: "memory", scsi_lu_get_blocks(l->lu), scsi_lu_get_block_size(l->lu));
                }
                r = rtlu_apply_alua(cfg, so, l->lu);
                if (r < 0)
                        log_warning("storage object %s: ALUA groups ignored: %s", l->path, strerror(-r));
                rt->lus[rt->n_lus++] = l;
        }
        *ret = rt;
        return 0;
}

struct scsi_lu *runtime_find_lu(const Runtime *rt, const char *path) {
        const TcStorageObject *so = tc_config_resolve_storage_object(rt->cfg, path);
        char *canon;

        if (!so)
                return NULL;
        if (asprintf(&canon, "/backstores/%s/%s", tc_backstore_type_to_string(so->type), so->name) < 0)
                return NULL;
        for (size_t i = 0; i < rt->n_lus; i++)
                if (streq(rt->lus[i]->path, canon)) {
                        free(canon);
                        return rt->lus[i]->lu;
                }
        free(canon);
        return NULL;
}

LunMap *lunmap_ref(LunMap *m) {
        if (m)
                __atomic_add_fetch(&m->refs, 1, __ATOMIC_RELAXED);
        return m;
}

void lunmap_unref(LunMap *m) {
        if (!m || __atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) > 0)
                return;
        for (size_t i = 0; i < m->n; i++)
                scsi_lu_unref(m->entries[i].lu);
        free(m->entries);
        free(m->luns);
        free(m);
}

const LunMapEntry *lunmap_find(const LunMap *m, uint64_t lun) {
        size_t lo = 0, hi = m ? m->n : 0;

        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (m->entries[mid].lun == lun)
                        return &m->entries[mid];
                if (m->entries[mid].lun < lun)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

static int entry_cmp(const void *a, const void *b) {
        const LunMapEntry *x = a, *y = b;
        return x->lun < y->lun ? -1 : x->lun > y->lun;
}

static int lunmap_add(LunMap *m, const Runtime *rt, const TcTpg *tpg, uint32_t tpg_lun, uint64_t lun, bool wp) {
        const TcLun *tl = tc_tpg_find_lun(tpg, tpg_lun);
        struct scsi_lu *lu;

        if (!tl)
                return 0;
        lu = runtime_find_lu(rt, tl->storage_object);
        if (!lu)
                return 0;       /* storage object failed to open: LUN absent */
        m->entries[m->n++] = (LunMapEntry) { .lun = lun, .lu = scsi_lu_ref(lu), .write_protect = wp };
        return 0;
}

int runtime_build_lunmap(const Runtime *rt, const char *target, uint16_t tpgt, const char *initiator,
                         LunMap **ret) {
        const TcTarget *t = tc_config_find_target(rt->cfg, target);
        const TcTpg *tpg = t ? tc_target_find_tpg(t, tpgt) : NULL;
        const TcNodeAcl *acl;
        LunMap *m;
        size_t cap;

        if (!tpg || !tpg->enable)
                return -ENOENT;
        acl = tc_tpg_find_acl(tpg, initiator);
        if (!acl && !tc_tpg_generate_node_acls(tpg))
                return -EACCES;

        cap = acl ? acl->n_mapped_luns : tpg->n_luns;
        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->refs = 1;
        m->entries = calloc(cap ?: 1, sizeof(LunMapEntry));
        m->luns = calloc(cap ?: 1, sizeof(uint64_t));
        if (!m->entries || !m->luns) {
                lunmap_unref(m);
                return -ENOMEM;
        }
        if (acl)
                for (size_t i = 0; i < acl->n_mapped_luns; i++) {
                        const TcMappedLun *ml = acl->mapped_luns[i];
                        lunmap_add(m, rt, tpg, ml->tpg_lun, ml->index, ml->write_protect);
                }
        else
                /* Demo mode: every TPG LUN under its own number. */
                for (size_t i = 0; i < tpg->n_luns; i++)
                        lunmap_add(m, rt, tpg, tpg->luns[i]->index, tpg->luns[i]->index,
                                   tc_tpg_demo_mode_write_protect(tpg));
        qsort(m->entries, m->n, sizeof(LunMapEntry), entry_cmp);
        for (size_t i = 0; i < m->n; i++)
                m->luns[i] = m->entries[i].lun;
        *ret = m;
        return 0;
}

int64_t runtime_acl_attr(const Runtime *rt, const char *target, uint16_t tpgt, const char *initiator,
                         const char *name, int64_t def) {
        const TcTarget *t = tc_config_find_target(rt->cfg, target);
        const TcTpg *tpg = t ? tc_target_find_tpg(t, tpgt) : NULL;
        const TcNodeAcl *acl = tpg ? tc_tpg_find_acl(tpg, initiator) : NULL;

        return acl ? tc_attr_get_int(&acl->attributes, name, def) : def;
}
