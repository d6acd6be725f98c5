/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the files of libtarget-config; not part of the public API. */
#pragma once

#include <json-c/json.h>

#include "saveconfig.h"
#include "config-edit.h"

void tc_attr_list_clear(TcAttrList *l);
void tc_extra_list_clear(TcExtraList *l);
void tc_chap_clear(TcChap *c);
int tc_extra_add(TcExtraList *l, const char *key, const char *json);
const char *tc_extra_get(const TcExtraList *l, const char *key);
/* Replace the value of key (or add it). */
int tc_extra_set(TcExtraList *l, const char *key, const char *json);

/* alua.c: give a new storage object LIO's default_tg_pt_gp; move the LUNs of a deleted group
 * back to it. */
int tc_alua_add_default(TcStorageObject *so);
int tc_alua_group_unlink_luns(TargetConfig *c, const TcStorageObject *so, const char *name);
bool tc_value_is_integer(const char *v);

int tc_ptr_array_append(void ***array, size_t *n, void *item);
void *tc_ptr_array_remove(void **array, size_t *n, size_t i);
#define TC_APPEND(array, n, item) tc_ptr_array_append((void ***) &(array), &(n), (item))

/* Names LIO knows for each attribute group, with LIO's defaults; used to warn about unknown
 * names and to fill new objects the way targetcli's saved files look. */
typedef TcAttrInfo TcAttrDefault;

typedef enum TcAttrGroup {
        TC_ATTRS_STORAGE_OBJECT,
        TC_ATTRS_TPG,
        TC_ATTRS_TPG_PARAMETERS,
        TC_ATTRS_ACL,
        _TC_ATTRS_MAX,
} TcAttrGroup;

const TcAttrDefault *tc_attr_defaults(TcAttrGroup g, size_t *ret_n);
bool tc_attr_is_known(TcAttrGroup g, const char *name);

static inline void json_object_putp(struct json_object **o) {
        if (*o)
                json_object_put(*o);
}
static inline void json_tokener_freep(struct json_tokener **t) {
        if (*t)
                json_tokener_free(*t);
}

/* Serialize a json-c tree the way Python's json.dumps(sort_keys=True, indent=2) does. */
int tc_json_dump_python(struct json_object *o, char **ret);
