/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * In-memory model of targetcli's saveconfig.json (the rtslib-fb dump() schema), shared by
 * iscsi-targetd (reads it) and iscsi-target (edits it).  Include as "config/config.h" with
 * target_config_dep; the plain "config.h" name is the build's generated header.
 *
 * Schema (keys exactly as rtslib-fb 2.1 writes them, json.dumps(sort_keys=True, indent=2)):
 *   { "fabric_modules": [ { "name": "iscsi", "discovery_enable_auth": bool,
 *                           "discovery_userid"/"discovery_password"/
 *                           "discovery_mutual_userid"/"discovery_mutual_password": str } ],
 *     "storage_objects": [ { "plugin": "fileio"|"block"|"ramdisk", "name": str, "wwn": str,
 *                            "attributes": { "block_size": 512, ... }, "alua_tpgs": [...],
 *                            fileio: "dev": path, "size": int, "write_back": bool, "aio": bool
 *                            block:  "dev": path, "readonly": bool, "write_back": bool
 *                            ramdisk: "size": int, "nullio": true (only when set) } ],
 *     "targets": [ { "wwn": iqn, "fabric": "iscsi", "tpgs": [ {
 *         "tag": int, "enable": bool, "attributes": { "authentication": 0|1, ... },
 *         "parameters": { "MaxRecvDataSegmentLength": "8192", ... },   (values are strings)
 *         "chap_userid"...: str (TPG-wide CHAP for generate_node_acls),
 *         "luns": [ { "index": int, "storage_object": "/backstores/fileio/disk01",
 *                     "alias": str, "alua_tg_pt_gp_name": str } ],
 *         "portals": [ { "ip_address": str ("[::1]" for IPv6), "port": int,
 *                        "iser": bool, "offload": bool } ],
 *         "node_acls": [ { "node_wwn": iqn, "attributes": {...}, "tag": str (optional),
 *                          "chap_userid"/"chap_password"/"chap_mutual_userid"/
 *                          "chap_mutual_password": str (only when set),
 *                          "mapped_luns": [ { "index": int, "tpg_lun": int,
 *                                             "write_protect": bool, "alias": str } ] } ] } ] } ] }
 *
 * Keys of the schema this target does not model as fields (aio, alua_tpgs and
 * alua_tg_pt_gp_name, which alua.h reads and edits, ...) and keys it does not know at all are
 * kept verbatim in the object's `extra` list, so a file
 * saved by real targetcli loads and saves back without losing anything.  Unknown keys and
 * unknown attribute/parameter names produce warnings (never errors).
 *
 * Reload contract (daemon <-> CLI):
 *   - iscsi-target takes an exclusive flock() on "<config>.lock" (same directory) around
 *     read-modify-write, writes the file with tc_config_save() (temp file in the same
 *     directory, fsync, rename(2), fsync of the directory, mode 0600) after every command
 *     that changed something, and at the end of the run (one SIGHUP per invocation, even for
 *     a script of many commands) sends SIGHUP to the pid in /run/iscsi-targetd.pid (-p or
 *     env ISCSI_TARGETD_PIDFILE overrides; -n skips), but only if /proc/<pid>/comm is
 *     "iscsi-targetd" (a stale pid file never hits another process). No pid file, no such
 *     process: not an error, the change is saved and used at the next start.
 *   - iscsi-targetd on SIGHUP calls tc_config_load() on its config path; on error it keeps
 *     the running configuration and logs the message; on success it applies the new model
 *     without dropping existing sessions (sessions whose target/ACL disappeared may be
 *     closed).  The daemon never writes the file.  Because the file is replaced by rename,
 *     the daemon always reads either the old or the new complete file.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- generic pieces ---------------------------------------------------------------------- */

/* One entry of an "attributes" or "parameters" object. rtslib writes attribute values as
 * JSON integers when they parse as integers and strings otherwise; parameters always as
 * strings. `numeric` remembers which, so a save writes the same JSON type back. */
typedef struct TcAttr {
        char *name;
        char *value;
        bool numeric;
} TcAttr;

typedef struct TcAttrList {
        TcAttr *items;
        size_t n;
} TcAttrList;

/* A key this model does not interpret, kept as compact JSON text and written back as-is. */
typedef struct TcExtra {
        char *key;
        char *json;
} TcExtra;

typedef struct TcExtraList {
        TcExtra *items;
        size_t n;
} TcExtraList;

/* CHAP credentials; NULL means not set (rtslib omits empty ones). */
typedef struct TcChap {
        char *userid;
        char *password;
        char *mutual_userid;
        char *mutual_password;
} TcChap;

/* ---- storage objects (/backstores/<plugin>/<name>) ---------------------------------------- */

typedef enum TcBackstoreType {
        TC_BACKSTORE_FILEIO,
        TC_BACKSTORE_BLOCK,
        TC_BACKSTORE_RAMDISK,
        _TC_BACKSTORE_MAX,
        _TC_BACKSTORE_INVALID = -22, /* -EINVAL */
} TcBackstoreType;

typedef struct TcStorageObject {
        TcBackstoreType type;
        char *name;
        char *dev;        /* fileio: backing file path; block: device node; ramdisk: NULL */
        uint64_t size;    /* bytes; fileio and ramdisk (block: 0, the device decides) */
        bool write_back;  /* fileio, block */
        bool readonly;    /* block */
        bool nullio;      /* ramdisk: no backing pages, reads return zeroes */
        bool aio;         /* fileio (kept for round trip) */
        char *wwn;        /* T10 unit serial, a UUID string as LIO generates it */
        TcAttrList attributes; /* block_size, emulate_tpu, is_nonrot, ... */
        TcExtraList extra;
} TcStorageObject;

/* ---- targets ------------------------------------------------------------------------------ */

typedef struct TcLun {
        uint32_t index;
        char *storage_object; /* "/backstores/fileio/disk01" */
        char *alias;          /* may be NULL */
        TcExtraList extra;    /* alua_tg_pt_gp_name, ... */
} TcLun;

typedef struct TcPortal {
        char *ip_address; /* "0.0.0.0", "127.0.0.1", "[::1]" (IPv6 in brackets, like rtslib) */
        uint16_t port;
        bool iser;
        bool offload;
        TcExtraList extra;
} TcPortal;

typedef struct TcMappedLun {
        uint32_t index;   /* LUN number the initiator sees */
        uint32_t tpg_lun; /* TcLun.index in the same TPG */
        bool write_protect;
        char *alias;      /* may be NULL */
        TcExtraList extra;
} TcMappedLun;

typedef struct TcNodeAcl {
        char *node_wwn; /* initiator IQN */
        char *tag;      /* may be NULL */
        TcChap chap;
        TcAttrList attributes; /* dataout_timeout, nopin_timeout, ... */
        TcAttrList parameters;
        TcMappedLun **mapped_luns;
        size_t n_mapped_luns;
        TcExtraList extra;
} TcNodeAcl;

typedef struct TcTpg {
        uint16_t tag;
        bool enable;
        TcAttrList attributes; /* authentication, generate_node_acls, demo_mode_write_protect,
                                * cache_dynamic_acls, default_cmdsn_depth, ... (integers) */
        TcAttrList parameters; /* RFC 7143 keys as strings: "MaxRecvDataSegmentLength", ... */
        TcChap chap;           /* TPG-wide credentials (used with generate_node_acls) */
        TcLun **luns;
        size_t n_luns;
        TcPortal **portals;
        size_t n_portals;
        TcNodeAcl **node_acls;
        size_t n_node_acls;
        TcExtraList extra;
} TcTpg;

typedef struct TcTarget {
        char *wwn;    /* target IQN */
        char *fabric; /* "iscsi" */
        TcTpg **tpgs;
        size_t n_tpgs;
        TcExtraList extra;
} TcTarget;

/* Only fabric modules with discovery auth enabled are written by rtslib. */
typedef struct TcFabricModule {
        char *name; /* "iscsi" */
        bool discovery_enable_auth;
        TcChap discovery_chap;
        TcExtraList extra;
} TcFabricModule;

typedef struct TargetConfig {
        TcStorageObject **storage_objects;
        size_t n_storage_objects;
        TcTarget **targets;
        size_t n_targets;
        TcFabricModule **fabric_modules;
        size_t n_fabric_modules;
        TcExtraList extra;
        /* Storage objects of plugins not served here (pscsi, user:...), kept verbatim: key
         * "/backstores/<plugin>/<name>", value the JSON object. LUNs may refer to them; such
         * LUNs resolve to no TcStorageObject and are not served. */
        TcExtraList unsupported_storage_objects;
} TargetConfig;

/* ---- life cycle, load, save --------------------------------------------------------------- */

TargetConfig *tc_config_new(void);          /* empty model; NULL on OOM */
TargetConfig *tc_config_free(TargetConfig *c); /* accepts NULL, returns NULL; wipes secrets */

/* Parse JSON text. On failure returns -EINVAL (malformed JSON or wrong types) or -ENOMEM and,
 * if ret_error is non-NULL, a malloc'd human-readable message ("line 3: ..." / "targets[0].
 * tpgs[0].tag: expected an integer"). ret_warnings (may be NULL) receives a NULL-terminated
 * malloc'd string vector of non-fatal findings (unknown keys/attributes), free with
 * tc_strv_free(); it is set (possibly to an empty vector) only on success.
 * The result is also checked with tc_config_validate(). */
int tc_config_parse(const char *text, size_t len, TargetConfig **ret, char ***ret_warnings,
                    char **ret_error);

/* Read and parse a file. -ENOENT if it does not exist (callers may treat that as empty). */
int tc_config_load(const char *path, TargetConfig **ret, char ***ret_warnings, char **ret_error);

/* Serialize in rtslib's layout (sorted keys, 2-space indent, trailing newline). */
int tc_config_to_json(const TargetConfig *c, char **ret);

/* Atomic save: "<path>.XXXXXX" temp in the same directory created 0600, write, fsync, rename
 * over path, fsync the directory. The file is 0600 because it holds CHAP secrets. */
int tc_config_save(const TargetConfig *c, const char *path);

/* Consistency: valid target/initiator names, unique storage object names per plugin,
 * unique targets, TPG tags, LUN indexes, portals, ACLs and mapped LUN indexes, every LUN's
 * storage_object and every mapped LUN's tpg_lun resolves, portal addresses parse.
 * Returns 0, or -EINVAL with a malloc'd message in *ret_error (if non-NULL). */
int tc_config_validate(const TargetConfig *c, char **ret_error);

void tc_strv_free(char **v);

/* ---- names and helpers -------------------------------------------------------------------- */

const char *tc_backstore_type_to_string(TcBackstoreType t);   /* "fileio", "block", "ramdisk" */
TcBackstoreType tc_backstore_type_from_string(const char *s); /* also "iblock", "rd_mcp" */

/* iSCSI name check (RFC 7143 4.2.7, libiscsi-proto's iscsi_name_validate() on the
 * lower-cased name): iqn.YYYY-MM.reversed.domain[:any], eui.<16 hex>, naa.<16|32 hex>. */
bool tc_iscsi_name_is_valid(const char *name);

/* Attributes/parameters: value or NULL; integer value or def when missing/not a number. */
const char *tc_attr_get(const TcAttrList *l, const char *name);
int64_t tc_attr_get_int(const TcAttrList *l, const char *name, int64_t def);
/* Set (replace or append). numeric is derived from the value for attribute lists when
 * as_string is false. */
int tc_attr_set(TcAttrList *l, const char *name, const char *value, bool as_string);

/* Logical block size of a storage object: attribute block_size, default 512. */
uint32_t tc_storage_object_block_size(const TcStorageObject *so);

/* ---- lookups (pointers stay valid until the model is modified or freed) ------------------- */

TcStorageObject *tc_config_find_storage_object(const TargetConfig *c, TcBackstoreType type,
                                               const char *name);
/* "/backstores/fileio/disk01" (also accepts "fileio/disk01"). */
TcStorageObject *tc_config_resolve_storage_object(const TargetConfig *c, const char *path);
TcTarget *tc_config_find_target(const TargetConfig *c, const char *wwn); /* case-insensitive */
TcFabricModule *tc_config_find_fabric_module(const TargetConfig *c, const char *name);
TcTpg *tc_target_find_tpg(const TcTarget *t, uint16_t tag);
TcLun *tc_tpg_find_lun(const TcTpg *tpg, uint32_t index);
TcPortal *tc_tpg_find_portal(const TcTpg *tpg, const char *ip_address, uint16_t port);
TcNodeAcl *tc_tpg_find_acl(const TcTpg *tpg, const char *initiator_wwn); /* case-insensitive */
TcMappedLun *tc_acl_find_mapped_lun(const TcNodeAcl *acl, uint32_t index);
/* The storage object behind a TPG LUN, or NULL. */
TcStorageObject *tc_config_lun_storage_object(const TargetConfig *c, const TcLun *lun);

/* Convenience for the daemon's policy; defaults are LIO's. */
bool tc_tpg_authentication(const TcTpg *tpg);       /* attribute "authentication", default 0 */
bool tc_tpg_generate_node_acls(const TcTpg *tpg);   /* default 0 */
bool tc_tpg_demo_mode_write_protect(const TcTpg *tpg); /* default 1 */

/* Every (target, tpg, portal) triple in file order, for binding listeners and SendTargets.
 * *ret is a malloc'd array (free() it); entries point into the model. */
typedef struct TcPortalRef {
        TcTarget *target;
        TcTpg *tpg;
        TcPortal *portal;
} TcPortalRef;
int tc_config_list_portals(const TargetConfig *c, TcPortalRef **ret, size_t *ret_n);

static inline void tc_config_freep(TargetConfig **c) {
        if (*c)
                *c = tc_config_free(*c);
}
#define _cleanup_tc_config_ __attribute__((cleanup(tc_config_freep)))
static inline void tc_strv_freep(char ***v) {
        tc_strv_free(*v);
}
#define _cleanup_tc_strv_ __attribute__((cleanup(tc_strv_freep)))
