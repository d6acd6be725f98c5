/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The runtime model: what a loaded saveconfig.json means for the data path. Storage objects
 * become SCSI logical units (kept across reloads while their definition is unchanged), and a
 * session's view of its target (which LUN number reaches which LU, write-protected or not)
 * becomes an immutable, refcounted LunMap that sessions swap when the generation changes. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "config/alua.h"
#include "config/saveconfig.h"
#include "scsi.h"

typedef struct RtLu {
        char *path;             /* "/backstores/fileio/disk01" */
        TcBackstoreType type;
        char *dev;
        uint64_t size;
        bool write_back, readonly, nullio;
        uint32_t block_size;
        char *wwn;
        bool emulate_tpu, emulate_tpws, emulate_caw;
        struct scsi_lu *lu;
} RtLu;

typedef struct Runtime {
        TargetConfig *cfg;
        RtLu **lus;
        size_t n_lus;
} Runtime;

typedef struct LunMapEntry {
        uint64_t lun;
        struct scsi_lu *lu;
        bool write_protect;
} LunMapEntry;

typedef struct LunMap {
        unsigned refs;          /* atomic */
        size_t n;
        LunMapEntry *entries;   /* sorted by lun */
        uint64_t *luns;         /* the same LUN numbers, for REPORT LUNS */
} LunMap;

/* Build a runtime for cfg (taking ownership of it), reusing LUs of `old` whose definition is
 * unchanged. Storage objects that fail to open are logged and left out. */
int runtime_new(TargetConfig *cfg, const Runtime *old, Runtime **ret);
Runtime *runtime_free(Runtime *rt);

struct scsi_lu *runtime_find_lu(const Runtime *rt, const char *path);

/* What an initiator sees behind (target, tpg): -ENOENT target/TPG gone or disabled, -EACCES
 * no ACL for it (and generate_node_acls off). */
int runtime_build_lunmap(const Runtime *rt, const char *target, uint16_t tpgt,
                         const char *initiator, LunMap **ret);
LunMap *lunmap_ref(LunMap *m);
void lunmap_unref(LunMap *m);
const LunMapEntry *lunmap_find(const LunMap *m, uint64_t lun);

/* An integer attribute of the ACL of initiator on (target, tpgt) (e.g. LIO's nopin_timeout),
 * def if there is no such ACL or attribute. */
int64_t runtime_acl_attr(const Runtime *rt, const char *target, uint16_t tpgt, const char *initiator,
                         const char *name, int64_t def);
