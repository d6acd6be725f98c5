/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Editing the saveconfig.json model (used by iscsi-target; the daemon only reads). New
 * objects get the attributes/parameters LIO would give them, so saved files look like
 * targetcli's. Every function returns 0 or a negative errno and leaves the model unchanged
 * on failure: -EEXIST duplicate, -ENOENT missing reference, -EINVAL bad value, -ERANGE
 * no free index. */
#pragma once

#include "saveconfig.h"

TcStorageObject *tc_storage_object_free(TcStorageObject *so);
TcTarget *tc_target_free(TcTarget *t);
TcTpg *tc_tpg_free(TcTpg *t);
TcLun *tc_lun_free(TcLun *l);
TcPortal *tc_portal_free(TcPortal *p);
TcNodeAcl *tc_node_acl_free(TcNodeAcl *a);
TcMappedLun *tc_mapped_lun_free(TcMappedLun *m);
TcFabricModule *tc_fabric_module_free(TcFabricModule *f);

/* Storage objects. dev: file path (fileio) or device node (block), NULL for ramdisk; size in
 * bytes (fileio, ramdisk; ignored for block). wwn is generated (random UUID) when NULL. */
int tc_config_add_storage_object(TargetConfig *c, TcBackstoreType type, const char *name,
                                 const char *dev, uint64_t size, const char *wwn,
                                 TcStorageObject **ret);
/* fileio objects start write-back (targetcli's default); this keeps the write_back flag and
 * the emulate_write_cache attribute in step, as LIO does. */
int tc_storage_object_set_write_back(TcStorageObject *so, bool write_back);
/* Also deletes every LUN using it (and the mapped LUNs of those LUNs), like targetcli.
 * ret_n_luns (may be NULL) receives how many LUNs went with it. */
int tc_config_remove_storage_object(TargetConfig *c, TcStorageObject *so, size_t *ret_n_luns);

/* Target with no TPGs; wwn must be a valid iSCSI name. */
int tc_config_add_target(TargetConfig *c, const char *wwn, TcTarget **ret);
int tc_config_remove_target(TargetConfig *c, TcTarget *t);

/* tag 0 picks the lowest free tag. The TPG is enabled and has LIO's default attributes and
 * parameters. */
int tc_target_add_tpg(TcTarget *t, uint16_t tag, TcTpg **ret);
int tc_target_remove_tpg(TcTarget *t, TcTpg *tpg);

/* ip_address as rtslib stores it: dotted IPv4 or "[v6]"; also accepts a bare IPv6 address and
 * adds the brackets. */
int tc_tpg_add_portal(TcTpg *tpg, const char *ip_address, uint16_t port, TcPortal **ret);
int tc_tpg_remove_portal(TcTpg *tpg, TcPortal *p);

/* index < 0 picks the lowest free index. so_path "/backstores/<plugin>/<name>" must resolve
 * in c. */
int tc_tpg_add_lun(const TargetConfig *c, TcTpg *tpg, int64_t index, const char *so_path,
                   TcLun **ret);
/* Also removes the mapped LUNs pointing at it. */
int tc_tpg_remove_lun(TcTpg *tpg, TcLun *lun);

int tc_tpg_add_acl(TcTpg *tpg, const char *initiator_wwn, TcNodeAcl **ret);
int tc_tpg_remove_acl(TcTpg *tpg, TcNodeAcl *acl);

/* index < 0 picks the lowest free index; tpg_lun must exist in tpg. */
int tc_acl_add_mapped_lun(TcTpg *tpg, TcNodeAcl *acl, int64_t index, uint32_t tpg_lun,
                          bool write_protect, TcMappedLun **ret);
int tc_acl_remove_mapped_lun(TcNodeAcl *acl, TcMappedLun *m);

/* field: "userid", "password", "mutual_userid", "mutual_password"; value NULL or "" clears.
 * -EINVAL for an unknown field. */
int tc_chap_set(TcChap *chap, const char *field, const char *value);

/* The "iscsi" fabric module entry, created on demand. */
int tc_config_iscsi_fabric(TargetConfig *c, TcFabricModule **ret);
/* Drop fabric module entries without discovery auth (rtslib only saves enabled ones). */
void tc_config_prune_fabric_modules(TargetConfig *c);

/* Attribute/parameter names LIO knows, with LIO's defaults. group: "storage_object", "tpg",
 * "tpg_parameter", "acl". NULL (and *ret_n = 0) for an unknown group. */
typedef struct TcAttrInfo {
        const char *name;
        const char *value; /* default */
} TcAttrInfo;
const TcAttrInfo *tc_attr_table(const char *group, size_t *ret_n);

static inline void tc_storage_object_freep(TcStorageObject **p) {
        if (*p)
                *p = tc_storage_object_free(*p);
}
