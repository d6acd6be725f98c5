/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ALUA target port groups as targetcli/rtslib write them: "alua_tpgs" under a storage object
 * (name, tg_pt_gp_id, alua_access_state, alua_access_type, preferred, alua_support_*), and a
 * LUN's group in "alua_tg_pt_gp_name". Both stay verbatim JSON in the model's extra lists (so
 * every key rtslib writes round-trips); these functions read and edit them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "saveconfig.h"

#define TC_ALUA_DEFAULT_GROUP "default_tg_pt_gp"

typedef struct TcAluaGroup {
        char *name;
        uint16_t id;            /* tg_pt_gp_id */
        uint8_t access_state;   /* SPC values: 0 active/optimized, 1 active/non-optimized,
                                 * 2 standby, 3 unavailable, 14 offline, 15 transitioning */
        uint8_t access_type;    /* 1 implicit, 2 explicit, 3 both */
        bool preferred;
        uint8_t supported;      /* REPORT TARGET PORT GROUPS support bits from alua_support_* */
} TcAluaGroup;

/* The groups of so; without "alua_tpgs" the one group LIO creates (default_tg_pt_gp, id 0,
 * active/optimized, implicit and explicit). -EINVAL for malformed JSON. */
int tc_alua_groups(const TcStorageObject *so, TcAluaGroup **ret, size_t *ret_n);
void tc_alua_groups_free(TcAluaGroup *g, size_t n);
/* The group named in a LUN ("default_tg_pt_gp" when it names none). */
int tc_lun_alua_group(const TcLun *l, char **ret);

/* Edits, checked against the ranges LIO accepts: -EINVAL bad value, -ENOENT no such group,
 * -EEXIST name or id taken, -EPERM read-only key (tg_pt_gp_id) or the default group. */
int tc_alua_group_create(TcStorageObject *so, const char *name, uint16_t id);
int tc_alua_group_delete(TargetConfig *c, TcStorageObject *so, const char *name);
int tc_alua_group_set(TcStorageObject *so, const char *name, const char *key, const char *value);
/* The value of key in group name as text; -ENOENT for an unknown group or key. */
int tc_alua_group_get(const TcStorageObject *so, const char *name, const char *key, char **ret);
/* Put LUN l (of storage object so) into group name, which must exist. */
int tc_lun_set_alua_group(const TcStorageObject *so, TcLun *l, const char *name);
