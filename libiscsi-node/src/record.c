/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parsing, validation, printing and JSON of records, all driven by the table in record-keys.h. */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "iscsi-node/record.h"

static const char *const startup_choices[] = { "manual", "automatic", "onboot", NULL };
static const char *const dstartup_choices[] = { "manual", "automatic", NULL };
static const char *const disctype_choices[] = { "static", "send_targets", "isns", "offload_send_targets",
                                                "slp", "fw", NULL };
static const char *const dtype_choices[] = { "sendtargets", "isns", "offload_send_targets", "slp",
                                             "static", "fw", NULL };
static const char *const authmethod_choices[] = { "None", "CHAP", NULL };
static const char *const digest_choices[] = { "None", "CRC32C", "CRC32C,None", "None,CRC32C", NULL };
static const char *const scan_choices[] = { "auto", "manual", NULL };
static const char *const chap_alg_choices[] = { "MD5", "SHA1", "SHA256", "SHA3-256", NULL };

static const KeyType T_STR = { KEY_KIND_STR, NULL };
static const KeyType T_INT = { KEY_KIND_INT, NULL };
static const KeyType T_BOOL = { KEY_KIND_BOOL, NULL };
static const KeyType T_STARTUP = { KEY_KIND_ENUM, startup_choices };
static const KeyType T_DSTARTUP = { KEY_KIND_ENUM, dstartup_choices };
static const KeyType T_DISCTYPE = { KEY_KIND_ENUM, disctype_choices };
static const KeyType T_DTYPE = { KEY_KIND_ENUM, dtype_choices };
static const KeyType T_AUTHMETHOD = { KEY_KIND_ENUM, authmethod_choices };
static const KeyType T_DIGEST = { KEY_KIND_ENUM, digest_choices };
static const KeyType T_SCAN = { KEY_KIND_ENUM, scan_choices };
static const KeyType T_CHAP_ALGS = { KEY_KIND_LIST, chap_alg_choices };

#define RECORD_KEY_ENTRY(id, name, type, def, flags) { name, &type, def, flags },

static const RecordKey node_keys[] = { NODE_KEYS(RECORD_KEY_ENTRY) };
static const RecordKey iface_keys[] = { IFACE_KEYS(RECORD_KEY_ENTRY) };
static const RecordKey st_keys[] = { ST_KEYS(RECORD_KEY_ENTRY) };
static const RecordKey isns_keys[] = { ISNS_KEYS(RECORD_KEY_ENTRY) };

const RecordSchema node_record_schema_node = { "node", node_keys, ELEMENTSOF(node_keys) };
const RecordSchema node_record_schema_iface = { "iface", iface_keys, ELEMENTSOF(iface_keys) };
const RecordSchema node_record_schema_st = { "discovery", st_keys, ELEMENTSOF(st_keys) };
const RecordSchema node_record_schema_isns = { "discovery", isns_keys, ELEMENTSOF(isns_keys) };

Record *node_record_free(Record *r) {
        if (!r)
                return NULL;
        for (size_t i = 0; r->values && i < r->schema->n_keys; i++) {
                if (r->values[i] && (r->schema->keys[i].flags & KEY_SECRET))
                        explicit_bzero(r->values[i], strlen(r->values[i]));
                free(r->values[i]);
        }
        free(r->values);
        free(r);
        return NULL;
}

Record *node_record_new(const RecordSchema *schema) {
        _cleanup_(node_record_freep) Record *r = calloc(1, sizeof(*r));
        if (!r)
                return NULL;
        r->schema = schema;
        r->values = calloc(schema->n_keys, sizeof(char *));
        if (!r->values)
                return NULL;
        for (size_t i = 0; i < schema->n_keys; i++)
                if (schema->keys[i].def) {
                        r->values[i] = strdup(schema->keys[i].def);
                        if (!r->values[i])
                                return NULL;
                }
        return TAKE_PTR(r);
}

Record *node_record_copy(const Record *src) {
        _cleanup_(node_record_freep) Record *r = node_record_new(src->schema);
        if (!r)
                return NULL;
        for (size_t i = 0; i < src->schema->n_keys; i++) {
                free(r->values[i]);
                r->values[i] = NULL;
                if (src->values[i] && !(r->values[i] = strdup(src->values[i])))
                        return NULL;
        }
        return TAKE_PTR(r);
}

/* Name lookup: parsing a record looks up every line's key, so each schema gets a sorted
 * index searched with bsearch (built on first use; the tables are small and constant). */
#define MAX_SCHEMA_KEYS 128

typedef struct KeyIndex {
        const RecordSchema *schema;
        unsigned short order[MAX_SCHEMA_KEYS]; /* key indices sorted by name */
} KeyIndex;

static const RecordSchema *sort_schema;

static int cmp_order(const void *a, const void *b) {
        return strcmp(sort_schema->keys[*(const unsigned short *) a].name,
                      sort_schema->keys[*(const unsigned short *) b].name);
}

static const unsigned short *key_order(const RecordSchema *schema) {
        static KeyIndex idx[3];
        for (size_t i = 0; i < ELEMENTSOF(idx); i++) {
                if (idx[i].schema == schema)
                        return idx[i].order;
                if (!idx[i].schema) {
                        if (schema->n_keys > MAX_SCHEMA_KEYS)
                                return NULL;
                        for (size_t k = 0; k < schema->n_keys; k++)
                                idx[i].order[k] = (unsigned short) k;
                        sort_schema = schema;
                        qsort(idx[i].order, schema->n_keys, sizeof(unsigned short), cmp_order);
                        idx[i].schema = schema;
                        return idx[i].order;
                }
        }
        return NULL;
}

int node_record_key_index(const RecordSchema *schema, const char *name) {
        const unsigned short *o = key_order(schema);
        size_t lo = 0, hi = schema->n_keys;

        if (!o) {
                for (size_t i = 0; i < schema->n_keys; i++)
                        if (streq(schema->keys[i].name, name))
                                return (int) i;
                return -ENOENT;
        }
        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                int c = strcmp(name, schema->keys[o[mid]].name);
                if (c == 0)
                        return o[mid];
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return -ENOENT;
}

static int parse_int(const char *s, long *ret) {
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, 0);
        if (errno || end == s || *end || v < INT_MIN || v > UINT_MAX)
                return -EINVAL;
        *ret = v;
        return 0;
}

/* Normalize value for key into a newly allocated string (NULL for empty). */
static int normalize(const RecordKey *key, const char *value, char **ret) {
        char *n = NULL;

        if (!value || !*value || streq(value, "<empty>")) {
                *ret = NULL;
                return 0;
        }
        switch (key->type->kind) {
        case KEY_KIND_STR:
                n = strdup(value);
                break;
        case KEY_KIND_INT: {
                long v;
                if (parse_int(value, &v) < 0)
                        return -EINVAL;
                if (asprintf(&n, "%ld", v) < 0)
                        n = NULL;
                break;
        }
        case KEY_KIND_BOOL:
                if (strcasecmp(value, "yes") == 0)
                        n = strdup("Yes");
                else if (strcasecmp(value, "no") == 0)
                        n = strdup("No");
                else
                        return -EINVAL;
                break;
        case KEY_KIND_ENUM:
                for (const char *const *c = key->type->choices; *c; c++)
                        if (strcasecmp(*c, value) == 0) {
                                n = strdup(*c);
                                goto done;
                        }
                return -EINVAL;
        case KEY_KIND_LIST: {
                /* every comma-separated item must be one of the choices */
                _cleanup_free_ char *copy = strdup(value);
                char *save = NULL;
                if (!copy)
                        return -ENOMEM;
                for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
                        bool ok = false;
                        for (const char *const *c = key->type->choices; *c; c++)
                                if (strcasecmp(*c, t) == 0)
                                        ok = true;
                        if (!ok)
                                return -EINVAL;
                }
                n = strdup(value);
                break;
        }
        }
done:
        if (!n)
                return -ENOMEM;
        *ret = n;
        return 0;
}

int node_record_set_index(Record *r, size_t idx, const char *value) {
        char *n;
        int k;

        if (idx >= r->schema->n_keys)
                return -ENOENT;
        k = normalize(&r->schema->keys[idx], value, &n);
        if (k < 0)
                return k;
        if (r->values[idx] && (r->schema->keys[idx].flags & KEY_SECRET))
                explicit_bzero(r->values[idx], strlen(r->values[idx]));
        free(r->values[idx]);
        r->values[idx] = n;
        return 0;
}

int node_record_check_value(const RecordSchema *schema, size_t idx, const char *value) {
        char *n = NULL;
        int k;

        if (idx >= schema->n_keys)
                return -ENOENT;
        k = normalize(&schema->keys[idx], value, &n);
        if (n) /* may be a secret */
                explicit_bzero(n, strlen(n));
        free(n);
        return k;
}

int node_record_set(Record *r, const char *name, const char *value) {
        int idx = node_record_key_index(r->schema, name);
        if (idx < 0)
                return idx;
        return node_record_set_index(r, idx, value);
}

const char *node_record_get(const Record *r, size_t idx) {
        return idx < r->schema->n_keys ? r->values[idx] : NULL;
}

int node_record_get_int(const Record *r, size_t idx, int *ret) {
        const char *v = node_record_get(r, idx);
        long l;

        if (!v)
                return -ENODATA;
        if (parse_int(v, &l) < 0)
                return -EINVAL;
        *ret = (int) l;
        return 0;
}

bool node_record_get_bool(const Record *r, size_t idx) {
        const char *v = node_record_get(r, idx);
        return v && streq(v, "Yes");
}

void node_record_copy_matching(Record *dst, const Record *src) {
        for (size_t i = 0; i < src->schema->n_keys; i++) {
                int j = node_record_key_index(dst->schema, src->schema->keys[i].name);
                if (j >= 0)
                        (void) node_record_set_index(dst, j, src->values[i]);
        }
}

static char *strip(char *s) {
        char *e;
        while (*s == ' ' || *s == '\t')
                s++;
        e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
                *--e = 0;
        return s;
}

int node_kv_split_line(char *line, char **ret_key, char **ret_value) {
        char *eq, *key;

        line = strip(line);
        if (!*line || *line == '#')
                return 0;
        eq = strchr(line, '=');
        if (!eq)
                return -EBADMSG;
        *eq = 0;
        key = strip(line);
        if (!*key)
                return -EBADMSG;
        *ret_key = key;
        *ret_value = strip(eq + 1);
        return 1;
}

int node_kv_for_each_line(const char *text, NodeKvLineFn fn, void *userdata) {
        size_t len = strlen(text);
        _cleanup_free_ char *copy = strdup(text);
        unsigned lineno = 0;
        int r = 0;

        if (!copy)
                return -ENOMEM;
        /* strtok_r would swallow empty lines and break line numbers: walk by hand */
        for (char *line = copy, *next; line && r >= 0; line = next) {
                char *key, *value;

                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                lineno++;
                int k = node_kv_split_line(line, &key, &value);
                if (k != 0)
                        r = fn(userdata, lineno, line, k > 0 ? key : NULL, k > 0 ? value : NULL);
        }
        explicit_bzero(copy, len);
        return MIN(r, 0);
}

struct record_parse {
        Record *record;
        RecordWarnFn warn;
        void *userdata;
        int n_set;
};

static int record_parse_line(void *userdata, unsigned lineno, char *line, char *key, char *value) {
        struct record_parse *p = userdata;
        int k = key ? node_record_set(p->record, key, value) : -EBADMSG;

        if (k < 0) {
                if (p->warn)
                        p->warn(p->userdata, lineno, key ?: strip(line), k);
        } else
                p->n_set++;
        return 0;
}

int node_record_parse(Record *r, const char *text, RecordWarnFn warn, void *userdata) {
        struct record_parse p = { r, warn, userdata, 0 };
        int k = node_kv_for_each_line(text, record_parse_line, &p);
        return k < 0 ? k : p.n_set;
}

/* Records are a few KiB: read in steps of this. */
#define RECORD_READ_CHUNK 4096

int node_record_load_file(Record *r, const char *path, RecordWarnFn warn, void *userdata) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, n;
        int k;

        if (!f)
                return -errno;
        /* records are small; read it whole */
        for (;;) {
                char *nb = realloc(buf, len + RECORD_READ_CHUNK + 1);
                if (!nb)
                        return -ENOMEM;
                buf = nb;
                n = fread(buf + len, 1, RECORD_READ_CHUNK, f);
                len += n;
                if (n < RECORD_READ_CHUNK)
                        break;
        }
        if (ferror(f))
                return -EIO;
        buf[len] = 0;
        k = node_record_parse(r, buf, warn, userdata);
        explicit_bzero(buf, len);
        return k;
}

int node_record_write(const Record *r, unsigned flags, FILE *f) {
        fputs("# BEGIN RECORD " RECORD_FORMAT_VERSION "\n", f);
        for (size_t i = 0; i < r->schema->n_keys; i++) {
                const RecordKey *key = &r->schema->keys[i];
                const char *v = r->values[i];

                if (flags & RECORD_FOR_FILE) {
                        /* An empty value is left out unless the key has a default: then
                         * "key = " keeps it empty when the file is read back. */
                        if (!v && (!key->def || !*key->def))
                                continue;
                        if (!v)
                                v = "";
                } else if (!v)
                        v = "<empty>";
                else if ((key->flags & KEY_SECRET) && !(flags & RECORD_SHOW_SECRETS))
                        v = "********";
                fprintf(f, "%s = %s\n", key->name, v);
        }
        fputs("# END RECORD\n", f);
        return ferror(f) ? -EIO : 0;
}

int node_record_to_string(const Record *r, unsigned flags, char **ret) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        int k;

        if (!f)
                return -ENOMEM;
        k = node_record_write(r, flags, f);
        if (fclose(f) != 0 && k == 0)
                k = -ENOMEM;
        if (k < 0) {
                free(buf);
                return k;
        }
        *ret = buf;
        return 0;
}

int node_record_to_json(const Record *r, unsigned flags, struct json_object **ret) {
        struct json_object *o = json_object_new_object();

        if (!o)
                return -ENOMEM;
        for (size_t i = 0; i < r->schema->n_keys; i++) {
                const RecordKey *key = &r->schema->keys[i];
                const char *v = r->values[i];
                struct json_object *jv = NULL;
                long l;

                if (!v)
                        jv = NULL;
                else if ((key->flags & KEY_SECRET) && !(flags & RECORD_SHOW_SECRETS))
                        jv = json_object_new_string("********");
                else if (key->type->kind == KEY_KIND_INT && parse_int(v, &l) == 0)
                        jv = json_object_new_int64(l);
                else if (key->type->kind == KEY_KIND_BOOL)
                        jv = json_object_new_boolean(streq(v, "Yes"));
                else
                        jv = json_object_new_string(v);
                if (json_object_object_add(o, key->name, jv) < 0) {
                        json_object_put(jv);
                        json_object_put(o);
                        return -ENOMEM;
                }
        }
        *ret = o;
        return 0;
}

bool node_record_has_secrets(const Record *r) {
        for (size_t i = 0; i < r->schema->n_keys; i++)
                if ((r->schema->keys[i].flags & KEY_SECRET) && r->values[i])
                        return true;
        return false;
}
