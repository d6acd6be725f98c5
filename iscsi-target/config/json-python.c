/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JSON output byte-compatible with Python's json.dumps(obj, sort_keys=True, indent=2), which
 * is what targetcli writes, so that a load/save cycle leaves a targetcli file unchanged. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model-internal.h"
#include "iscsi-util/macro.h"

static void put_indent(FILE *f, int level) {
        fputc('\n', f);
        for (int i = 0; i < level; i++)
                fputs("  ", f);
}

/* Decode one UTF-8 sequence; on malformed input consume one byte and return it as-is
 * (Latin-1), which is what a lenient reader would do. */
static uint32_t utf8_next(const unsigned char **p, const unsigned char *end) {
        const unsigned char *s = *p;
        uint32_t c = s[0];
        int len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (len <= 1 || s + len > end) {
                (*p)++;
                return c;
        }
        uint32_t v = c & (0x7F >> len);
        for (int i = 1; i < len; i++) {
                if ((s[i] & 0xC0) != 0x80) {
                        (*p)++;
                        return c;
                }
                v = (v << 6) | (s[i] & 0x3F);
        }
        *p += len;
        return v;
}

static void put_string(FILE *f, const char *str, size_t len) {
        const unsigned char *p = (const unsigned char *) str, *end = p + len;
        fputc('"', f);
        while (p < end) {
                uint32_t c = utf8_next(&p, end);
                switch (c) {
                case '"': fputs("\\\"", f); break;
                case '\\': fputs("\\\\", f); break;
                case '\n': fputs("\\n", f); break;
                case '\r': fputs("\\r", f); break;
                case '\t': fputs("\\t", f); break;
                case '\b': fputs("\\b", f); break;
                case '\f': fputs("\\f", f); break;
                default:
                        if (c < 0x20 || (c >= 0x7F && c < 0x10000))
                                fprintf(f, "\\u%04x", c);
                        else if (c >= 0x10000) {
                                c -= 0x10000;
                                fprintf(f, "\\u%04x\\u%04x", 0xD800 + (c >> 10), 0xDC00 + (c & 0x3FF));
                        } else
                                fputc((int) c, f);
                }
        }
        fputc('"', f);
}

static int cmp_keys(const void *a, const void *b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static int dump(FILE *f, struct json_object *o, int level) {
        switch (json_object_get_type(o)) {
        case json_type_null:
                fputs("null", f);
                return 0;
        case json_type_boolean:
                fputs(json_object_get_boolean(o) ? "true" : "false", f);
                return 0;
        case json_type_int:
                fprintf(f, "%" PRId64, json_object_get_int64(o));
                return 0;
        case json_type_double:
                fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), f);
                return 0;
        case json_type_string:
                put_string(f, json_object_get_string(o), (size_t) json_object_get_string_len(o));
                return 0;
        case json_type_array: {
                size_t n = json_object_array_length(o);
                if (n == 0) {
                        fputs("[]", f);
                        return 0;
                }
                fputc('[', f);
                for (size_t i = 0; i < n; i++) {
                        put_indent(f, level + 1);
                        int r = dump(f, json_object_array_get_idx(o, i), level + 1);
                        if (r < 0)
                                return r;
                        if (i + 1 < n)
                                fputc(',', f);
                }
                put_indent(f, level);
                fputc(']', f);
                return 0;
        }
        case json_type_object: {
                size_t n = (size_t) json_object_object_length(o);
                if (n == 0) {
                        fputs("{}", f);
                        return 0;
                }
                _cleanup_free_ const char **keys = calloc(n, sizeof(char *));
                if (!keys)
                        return -ENOMEM;
                size_t k = 0;
                json_object_object_foreach(o, key, val) {
                        (void) val;
                        keys[k++] = key;
                }
                qsort(keys, k, sizeof(char *), cmp_keys);
                fputc('{', f);
                for (size_t i = 0; i < k; i++) {
                        put_indent(f, level + 1);
                        put_string(f, keys[i], strlen(keys[i]));
                        fputs(": ", f);
                        int r = dump(f, json_object_object_get(o, keys[i]), level + 1);
                        if (r < 0)
                                return r;
                        if (i + 1 < k)
                                fputc(',', f);
                }
                put_indent(f, level);
                fputc('}', f);
                return 0;
        }
        }
        return -EINVAL;
}

int tc_json_dump_python(struct json_object *o, char **ret) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        int r = dump(f, o, 0);
        fputc('\n', f);
        if (fclose(f) != 0 && r >= 0)
                r = -ENOMEM;
        if (r < 0) {
                free(buf);
                return r;
        }
        *ret = buf;
        return 0;
}
