/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Text key=value records (RFC 7143 §6.1): parse, build, reassemble, split, value forms. */

#include <stdarg.h>

#include "iscsi-util/hex-digit.h"
#include "iscsi-proto/keys.h"
#include "iscsi-util/macro.h"

void iscsi_keys_clear(struct iscsi_keys *keys) {
        if (!keys)
                return;
        for (size_t i = 0; i < keys->n; i++) {
                /* Values may be CHAP responses or secrets' derivatives: wipe them. */
                if (keys->items[i].value)
                        explicit_bzero(keys->items[i].value, strlen(keys->items[i].value));
                free(keys->items[i].key);
                free(keys->items[i].value);
        }
        free(keys->items);
        free(keys->index);
        *keys = (struct iscsi_keys) {};
}

/* FNV-1a */
static uint32_t key_hash(const char *s) {
        uint32_t h = 2166136261u;

        for (; *s; s++)
                h = (h ^ (uint8_t) *s) * 16777619u;
        return h;
}

static void index_insert(struct iscsi_keys *keys, size_t i) {
        size_t mask = keys->index_size - 1, slot = key_hash(keys->items[i].key) & mask;

        while (keys->index[slot] != 0)
                slot = (slot + 1) & mask;
        keys->index[slot] = (uint32_t) i + 1;
}

/* (Re)build the open-addressing index with room for at least 2 * want entries. */
static int index_rebuild(struct iscsi_keys *keys, size_t want) {
        size_t size = 32;
        uint32_t *idx;

        while (size < 2 * want)
                size *= 2;
        idx = calloc(size, sizeof(*idx));
        if (!idx)
                return -ENOMEM;
        free(keys->index);
        keys->index = idx;
        keys->index_size = size;
        for (size_t i = 0; i < keys->n; i++)
                index_insert(keys, i);
        return 0;
}

static bool key_char_valid(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '-' || c == '+' || c == '@' || c == '_';
}

bool iscsi_key_name_valid(const char *name) {
        size_t n;

        if (!name)
                return false;
        n = strlen(name);
        if (n == 0 || n > ISCSI_KEY_NAME_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                /* '#' only in the "X#" prefix of IANA-registered extension keys */
                if (!key_char_valid(name[i]) && !(i == 1 && name[0] == 'X' && name[1] == '#'))
                        return false;
        return true;
}

size_t iscsi_key_value_max(const char *name) {
        if (name && (streq(name, "CHAP_C") || streq(name, "CHAP_R")))
                return ISCSI_LONG_VALUE_MAX;
        return ISCSI_VALUE_MAX;
}

bool iscsi_key_is_private(const char *name) {
        return name && name[0] == 'X' && (name[1] == '-' || name[1] == '#');
}

/* Values are UTF-8 text; control characters other than none are never legal (RFC 7143 §6.1
 * text-value: no NUL, and our values never need CR/LF/TAB). */
static int value_check(const char *key, const char *value, size_t len) {
        if (len > iscsi_key_value_max(key))
                return -EMSGSIZE;
        for (size_t i = 0; i < len; i++)
                if ((unsigned char) value[i] < 0x20 || value[i] == 0x7f)
                        return -EINVAL;
        return 0;
}

static ssize_t keys_find(const struct iscsi_keys *keys, const char *key) {
        size_t mask, slot;

        if (!keys->index) {
                for (size_t i = 0; i < keys->n; i++)
                        if (streq(keys->items[i].key, key))
                                return (ssize_t) i;
                return -1;
        }
        mask = keys->index_size - 1;
        for (slot = key_hash(key) & mask; keys->index[slot] != 0; slot = (slot + 1) & mask)
                if (streq(keys->items[keys->index[slot] - 1].key, key))
                        return (ssize_t) keys->index[slot] - 1;
        return -1;
}

static int keys_append_n(struct iscsi_keys *keys, const char *key, const char *value, size_t vlen) {
        _cleanup_free_ char *k = NULL, *v = NULL;

        if (keys->n == keys->allocated) {
                size_t na = keys->allocated ? keys->allocated * 2 : 16;
                struct iscsi_key_value *ni = reallocarray(keys->items, na, sizeof(*ni));
                if (!ni)
                        return -ENOMEM;
                keys->items = ni;
                keys->allocated = na;
        }
        /* Small lists are scanned; from 16 entries on a hash index keeps lookups O(1). */
        if (keys->n + 1 >= 16 && 2 * (keys->n + 1) > keys->index_size) {
                int r = index_rebuild(keys, 2 * (keys->n + 1));
                if (r < 0)
                        return r;
        }
        k = strdup(key);
        v = strndup(value, vlen);
        if (!k || !v)
                return -ENOMEM;
        keys->items[keys->n++] = (struct iscsi_key_value) { TAKE_PTR(k), TAKE_PTR(v) };
        if (keys->index)
                index_insert(keys, keys->n - 1);
        return 0;
}

int iscsi_keys_add(struct iscsi_keys *keys, const char *key, const char *value) {
        int r;

        if (!keys || !value || !iscsi_key_name_valid(key))
                return -EINVAL;
        r = value_check(key, value, strlen(value));
        if (r < 0)
                return r;
        if (keys_find(keys, key) >= 0)
                return -EEXIST;
        return keys_append_n(keys, key, value, strlen(value));
}

int iscsi_keys_addf(struct iscsi_keys *keys, const char *key, const char *fmt, ...) {
        _cleanup_free_ char *v = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&v, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return iscsi_keys_add(keys, key, v);
}

int iscsi_keys_set(struct iscsi_keys *keys, const char *key, const char *value) {
        ssize_t i;
        char *v;
        int r;

        if (!keys || !value || !iscsi_key_name_valid(key))
                return -EINVAL;
        r = value_check(key, value, strlen(value));
        if (r < 0)
                return r;
        i = keys_find(keys, key);
        if (i < 0)
                return keys_append_n(keys, key, value, strlen(value));
        v = strdup(value);
        if (!v)
                return -ENOMEM;
        explicit_bzero(keys->items[i].value, strlen(keys->items[i].value));
        free(keys->items[i].value);
        keys->items[i].value = v;
        return 0;
}

const char *iscsi_keys_get(const struct iscsi_keys *keys, const char *key) {
        ssize_t i;

        if (!keys || !key)
                return NULL;
        i = keys_find(keys, key);
        return i < 0 ? NULL : keys->items[i].value;
}

int iscsi_keys_remove(struct iscsi_keys *keys, const char *key) {
        ssize_t i;

        if (!keys || !key)
                return 0;
        i = keys_find(keys, key);
        if (i < 0)
                return 0;
        explicit_bzero(keys->items[i].value, strlen(keys->items[i].value));
        free(keys->items[i].key);
        free(keys->items[i].value);
        memmove(keys->items + i, keys->items + i + 1, (keys->n - (size_t) i - 1) * sizeof(keys->items[0]));
        keys->n--;
        if (keys->index && index_rebuild(keys, keys->n) < 0) {
                /* Without memory for a new index fall back to scanning. */
                free(keys->index);
                keys->index = NULL;
                keys->index_size = 0;
        }
        return 1;
}

int iscsi_keys_extend(struct iscsi_keys *dst, const struct iscsi_keys *src) {
        if (!dst || !src)
                return -EINVAL;
        for (size_t i = 0; i < src->n; i++) {
                int r = iscsi_keys_add(dst, src->items[i].key, src->items[i].value);
                if (r < 0)
                        return r;
        }
        return 0;
}

int iscsi_keys_parse(const void *data, size_t len, struct iscsi_keys *ret) {
        _cleanup_(iscsi_keys_clear) struct iscsi_keys keys = {};
        const char *p = data, *end;
        int r;

        if (!ret || (!data && len > 0))
                return -EINVAL;
        if (len > ISCSI_TEXT_MAX)
                return -EMSGSIZE;
        end = len > 0 ? p + len : p; /* no arithmetic on a NULL data pointer (UB) */

        while (p < end) {
                const char *rec_end, *eq;
                char name[ISCSI_KEY_NAME_MAX + 1];
                size_t nlen, vlen;

                if (*p == '\0') {
                        /* Only NUL padding may follow the last record. */
                        for (; p < end; p++)
                                if (*p != '\0')
                                        return -EBADMSG;
                        break;
                }
                rec_end = memchr(p, '\0', (size_t) (end - p));
                if (!rec_end)
                        rec_end = end; /* last record without its NUL */
                eq = memchr(p, '=', (size_t) (rec_end - p));
                if (!eq)
                        return -EBADMSG;
                nlen = (size_t) (eq - p);
                if (nlen == 0)
                        return -EBADMSG;
                if (nlen > ISCSI_KEY_NAME_MAX)
                        return -EMSGSIZE;
                memcpy(name, p, nlen);
                name[nlen] = '\0';
                if (!iscsi_key_name_valid(name))
                        return -EBADMSG;
                vlen = (size_t) (rec_end - eq - 1);
                r = value_check(name, eq + 1, vlen);
                if (r == -EINVAL)
                        return -EBADMSG;
                if (r < 0)
                        return r;
                if (keys_find(&keys, name) >= 0)
                        return -EEXIST;
                r = keys_append_n(&keys, name, eq + 1, vlen);
                if (r < 0)
                        return r;
                p = rec_end + 1;
        }

        iscsi_keys_clear(ret);
        *ret = keys;
        keys = (struct iscsi_keys) {};
        return 0;
}

size_t iscsi_keys_build_size(const struct iscsi_keys *keys) {
        size_t n = 0;

        if (!keys)
                return 0;
        for (size_t i = 0; i < keys->n; i++)
                n += strlen(keys->items[i].key) + 1 + strlen(keys->items[i].value) + 1;
        return n;
}

int iscsi_keys_build(const struct iscsi_keys *keys, uint8_t **ret, size_t *ret_len) {
        size_t n, off = 0;
        uint8_t *buf;

        if (!keys || !ret || !ret_len)
                return -EINVAL;
        n = iscsi_keys_build_size(keys);
        buf = malloc(n ? n : 1);
        if (!buf)
                return -ENOMEM;
        for (size_t i = 0; i < keys->n; i++) {
                size_t kl = strlen(keys->items[i].key), vl = strlen(keys->items[i].value);
                memcpy(buf + off, keys->items[i].key, kl);
                off += kl;
                buf[off++] = '=';
                memcpy(buf + off, keys->items[i].value, vl);
                off += vl;
                buf[off++] = '\0';
        }
        *ret = buf;
        *ret_len = n;
        return 0;
}

/* ---- reassembly ---- */

void iscsi_text_accum_reset(struct iscsi_text_accum *a) {
        if (a->data)
                explicit_bzero(a->data, a->len);
        a->len = 0;
        a->complete = false;
}

void iscsi_text_accum_clear(struct iscsi_text_accum *a) {
        if (!a)
                return;
        iscsi_text_accum_reset(a);
        free(a->data);
        *a = (struct iscsi_text_accum) {};
}

int iscsi_text_accum_feed(struct iscsi_text_accum *a, const void *data, size_t len, bool more) {
        if (!a || (!data && len > 0))
                return -EINVAL;
        if (a->complete)
                iscsi_text_accum_reset(a);
        if (len > ISCSI_TEXT_MAX - a->len)
                return -EMSGSIZE;
        if (a->len + len > a->allocated) {
                size_t na = MAX(a->allocated * 2, a->len + len);
                uint8_t *nd;

                na = MIN(MAX(na, (size_t) 1024), (size_t) ISCSI_TEXT_MAX);
                nd = malloc(na);
                if (!nd)
                        return -ENOMEM;
                /* copy + wipe instead of realloc: the text may hold CHAP values */
                if (a->len)
                        memcpy(nd, a->data, a->len);
                if (a->data) {
                        explicit_bzero(a->data, a->allocated);
                        free(a->data);
                }
                a->data = nd;
                a->allocated = na;
        }
        if (len)
                memcpy(a->data + a->len, data, len);
        a->len += len;
        if (more)
                return 0;
        a->complete = true;
        return 1;
}

/* ---- splitting ---- */

void iscsi_text_out_clear(struct iscsi_text_out *o) {
        if (!o)
                return;
        if (o->data) {
                explicit_bzero(o->data, o->len);
                free(o->data);
        }
        *o = (struct iscsi_text_out) {};
}

void iscsi_text_out_set(struct iscsi_text_out *o, uint8_t *data, size_t len) {
        iscsi_text_out_clear(o);
        o->data = data;
        o->len = len;
}

bool iscsi_text_out_pending(const struct iscsi_text_out *o) {
        /* An empty text still yields one (empty) segment. */
        return o && (!o->started || o->offset < o->len);
}

int iscsi_text_out_next(struct iscsi_text_out *o, size_t max_segment, const uint8_t **ret_data,
                        size_t *ret_len, bool *ret_more) {
        size_t n;

        if (!o || max_segment == 0 || !ret_data || !ret_len || !ret_more)
                return -EINVAL;
        if (!iscsi_text_out_pending(o))
                return -ENODATA;
        n = MIN(max_segment, o->len - o->offset);
        *ret_data = n ? o->data + o->offset : NULL;
        *ret_len = n;
        o->offset += n;
        o->started = true;
        *ret_more = o->offset < o->len;
        return 0;
}

/* ---- value forms ---- */

int iscsi_value_parse_number(const char *s, uint64_t max, uint64_t *ret) {
        uint64_t v = 0;

        if (!s || !ret || !*s)
                return -EINVAL;
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
                const char *p = s + 2;
                size_t n = 0;

                if (!*p)
                        return -EINVAL;
                for (; *p; p++) {
                        int d = util_hex_digit_value(*p);
                        if (d < 0)
                                return -EINVAL;
                        if (n == 0 && d == 0 && p[1])
                                continue; /* leading zeros do not count towards the width */
                        if (++n > 16)
                                return -ERANGE;
                        v = (v << 4) | (uint64_t) d;
                }
        } else {
                for (const char *p = s; *p; p++) {
                        if (*p < '0' || *p > '9')
                                return -EINVAL;
                        if (v > (UINT64_MAX - (uint64_t) (*p - '0')) / 10)
                                return -ERANGE;
                        v = v * 10 + (uint64_t) (*p - '0');
                }
        }
        if (v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

int iscsi_value_parse_bool(const char *s, bool *ret) {
        if (!s || !ret)
                return -EINVAL;
        if (streq(s, ISCSI_VALUE_YES))
                *ret = true;
        else if (streq(s, ISCSI_VALUE_NO))
                *ret = false;
        else
                return -EINVAL;
        return 0;
}

bool iscsi_value_is_special(const char *s) {
        return s && (streq(s, ISCSI_VALUE_NOT_UNDERSTOOD) || streq(s, ISCSI_VALUE_IRRELEVANT) ||
                     streq(s, ISCSI_VALUE_REJECT));
}

int iscsi_value_list_next(const char *list, const char **state, char *item, size_t item_size) {
        const char *p, *comma;
        size_t n;

        if (!list || !state || !item || item_size == 0)
                return -EINVAL;
        p = *state ? *state : list;
        if (*state && *p == '\0')
                return 0;
        if (!*state && *p == '\0')
                return -EINVAL; /* an empty list is not a list */
        comma = strchr(p, ',');
        n = comma ? (size_t) (comma - p) : strlen(p);
        if (n == 0 || n >= item_size)
                return -EINVAL;
        if (comma && comma[1] == '\0')
                return -EINVAL; /* trailing comma: empty last item */
        memcpy(item, p, n);
        item[n] = '\0';
        *state = comma ? comma + 1 : p + n;
        return 1;
}

bool iscsi_value_list_contains(const char *list, const char *item) {
        const char *state = NULL;
        char buf[ISCSI_VALUE_MAX + 1];
        int r;

        if (!list || !item)
                return false;
        while ((r = iscsi_value_list_next(list, &state, buf, sizeof(buf))) > 0)
                if (streq(buf, item))
                        return true;
        return false;
}
