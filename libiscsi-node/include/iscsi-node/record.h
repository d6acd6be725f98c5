/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Records of the node database (node, iface, SendTargets discovery), driven by the key table
 * in record-keys.h. A record holds each value as normalized text (NULL = empty), exactly what
 * open-iscsi stores; typed accessors convert on demand.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "iscsi-util/macro.h"
#include "iscsi-node/record-keys.h"

typedef enum KeyKind {
        KEY_KIND_STR,
        KEY_KIND_INT,
        KEY_KIND_BOOL,  /* Yes / No */
        KEY_KIND_ENUM,  /* one of a fixed list */
        KEY_KIND_LIST,  /* comma-separated subset of a fixed list */
} KeyKind;

typedef struct KeyType {
        KeyKind kind;
        const char *const *choices; /* NULL-terminated, for ENUM and LIST */
} KeyType;

enum {
        KEY_SECRET = 1 << 0,   /* shown as ******** unless asked; file kept 0600 */
        KEY_IDENTITY = 1 << 1, /* part of the record's identity: not changed by update */
};

typedef struct RecordKey {
        const char *name;
        const KeyType *type;
        const char *def; /* NULL = empty */
        unsigned flags;
} RecordKey;

typedef struct RecordSchema {
        const char *kind; /* "node", "iface", "discovery" */
        const RecordKey *keys;
        size_t n_keys;
} RecordSchema;

#define RECORD_ENUM_NODE(id, name, type, def, flags) NODE_KEY_##id,
#define RECORD_ENUM_IFACE(id, name, type, def, flags) IFACE_KEY_##id,
#define RECORD_ENUM_ST(id, name, type, def, flags) ST_KEY_##id,
enum { NODE_KEYS(RECORD_ENUM_NODE) _NODE_KEY_MAX };
enum { IFACE_KEYS(RECORD_ENUM_IFACE) _IFACE_KEY_MAX };
enum { ST_KEYS(RECORD_ENUM_ST) _ST_KEY_MAX };
#define RECORD_ENUM_ISNS(id, name, type, def, flags) ISNS_KEY_##id,
enum { ISNS_KEYS(RECORD_ENUM_ISNS) _ISNS_KEY_MAX };
_Static_assert((int) ISNS_KEY_ADDRESS == (int) ST_KEY_ADDRESS && (int) ISNS_KEY_PORT == (int) ST_KEY_PORT &&
               (int) ISNS_KEY_TYPE == (int) ST_KEY_TYPE, "discovery records share address, port and type");

/* iface keys appear in node records right after node.leading_login */
#define NODE_KEY_FROM_IFACE(ik) (NODE_KEY_IFACE_NAME + (ik))

extern const RecordSchema node_record_schema_node;
extern const RecordSchema node_record_schema_iface;
extern const RecordSchema node_record_schema_st;
extern const RecordSchema node_record_schema_isns;

/* "# BEGIN RECORD <version>": the open-iscsi release whose format we write. */
#define RECORD_FORMAT_VERSION "2.1.8"

typedef struct Record {
        const RecordSchema *schema;
        char **values;
} Record;

Record *node_record_new(const RecordSchema *schema); /* all defaults; NULL on OOM */
Record *node_record_copy(const Record *r);
Record *node_record_free(Record *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(Record *, node_record_free);

int node_record_key_index(const RecordSchema *schema, const char *name); /* index or -ENOENT */

/* Validate and normalize value (NULL or "" or "<empty>" = empty). -EINVAL on a bad value. */
int node_record_set_index(Record *r, size_t idx, const char *value);
/* As above by name; -ENOENT for an unknown key. */
int node_record_set(Record *r, const char *name, const char *value);
/* Would value be accepted for key idx of schema? 0 or -EINVAL (-ENOENT: no such key). */
int node_record_check_value(const RecordSchema *schema, size_t idx, const char *value);
const char *node_record_get(const Record *r, size_t idx); /* NULL when empty */
int node_record_get_int(const Record *r, size_t idx, int *ret);
bool node_record_get_bool(const Record *r, size_t idx);

/* Copy every key with the same name from src (e.g. iface record into a node record). */
void node_record_copy_matching(Record *dst, const Record *src);

typedef void (*RecordWarnFn)(void *userdata, unsigned line, const char *key, int error);

/* Parse "key = value" text (comments and blank lines ignored). Unknown keys and bad values
 * are passed to warn (may be NULL) and skipped; returns the number of keys set. */
int node_record_parse(Record *r, const char *text, RecordWarnFn warn, void *userdata);
/* Split one "key = value" line in place: 1 with key/value set, 0 for blank or comment,
 * -EBADMSG when malformed. */
int node_kv_split_line(char *line, char **ret_key, char **ret_value);
/* Called for each line of "key = value" text that is not blank or a comment: key and value set,
 * or both NULL when the line (as written) is malformed. A result < 0 stops the walk. */
typedef int (*NodeKvLineFn)(void *userdata, unsigned lineno, char *line, char *key, char *value);
/* Walks a copy of text line by line (line numbers count blank lines too); the copy is wiped
 * afterwards, as the text may hold secrets. Returns fn's first result < 0, else 0. */
int node_kv_for_each_line(const char *text, NodeKvLineFn fn, void *userdata);
int node_record_load_file(Record *r, const char *path, RecordWarnFn warn, void *userdata);

enum {
        RECORD_SHOW_SECRETS = 1 << 0, /* print secrets instead of ******** */
        RECORD_FOR_FILE = 1 << 1,     /* on-disk form: empty values omitted, secrets in clear */
};
/* "# BEGIN RECORD ..." ... "# END RECORD" */
int node_record_write(const Record *r, unsigned flags, FILE *f);
int node_record_to_string(const Record *r, unsigned flags, char **ret);

struct json_object;
/* {"node.name": "...", ...}: ints as numbers, Yes/No as booleans, empty as null. */
int node_record_to_json(const Record *r, unsigned flags, struct json_object **ret);

bool node_record_has_secrets(const Record *r);
