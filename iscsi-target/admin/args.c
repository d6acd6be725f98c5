/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Argument handling in targetcli's style: positional values or key=value pairs, human sizes,
 * and splitting script lines into words. */

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "iscsi-util/macro.h"

static bool is_key(const char *s, size_t len) {
        if (len == 0)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!(isalpha((unsigned char) s[i]) || s[i] == '_' || (i > 0 && isdigit((unsigned char) s[i]))))
                        return false;
        return true;
}

void args_split(Args *a, char **argv, size_t argc) {
        *a = (Args) {};
        a->pos = calloc(argc + 1, sizeof(char *));
        a->keys = calloc(argc + 1, sizeof(char *));
        a->values = calloc(argc + 1, sizeof(char *));
        if (!a->pos || !a->keys || !a->values) {
                fprintf(stderr, "iscsi-target: out of memory\n");
                exit(EXIT_FAILURE);
        }
        for (size_t i = 0; i < argc; i++) {
                const char *eq = strchr(argv[i], '=');
                if (eq && is_key(argv[i], (size_t) (eq - argv[i]))) {
                        a->keys[a->n_kv] = strndup(argv[i], (size_t) (eq - argv[i]));
                        if (!a->keys[a->n_kv]) {
                                fprintf(stderr, "iscsi-target: out of memory\n");
                                exit(EXIT_FAILURE);
                        }
                        a->values[a->n_kv++] = (char *) eq + 1;
                } else
                        a->pos[a->n_pos++] = argv[i];
        }
}

void args_done(Args *a) {
        for (size_t i = 0; i < a->n_kv; i++)
                free(a->keys[i]);
        free(a->keys);
        free(a->values);
        free(a->pos);
        *a = (Args) {};
}

int args_bind(const Args *a, const char *verb, const char *const *spec, const char **out) {
        size_t n = 0;
        while (spec[n])
                n++;
        for (size_t i = 0; i < n; i++)
                out[i] = NULL;
        if (a->n_pos > n) {
                cli_error("too many arguments for '%s' (at most %zu: %s%s%s%s%s)", verb, n,
                          n > 0 ? spec[0] : "", n > 1 ? " " : "", n > 1 ? spec[1] : "",
                          n > 2 ? " " : "", n > 2 ? "..." : "");
                return -EINVAL;
        }
        for (size_t i = 0; i < a->n_pos; i++)
                out[i] = a->pos[i];
        for (size_t k = 0; k < a->n_kv; k++) {
                size_t i;
                for (i = 0; i < n; i++)
                        if (streq(spec[i], a->keys[k]))
                                break;
                if (i == n) {
                        cli_error("unknown parameter '%s' for '%s'", a->keys[k], verb);
                        return -EINVAL;
                }
                if (out[i]) {
                        cli_error("parameter '%s' given twice", spec[i]);
                        return -EINVAL;
                }
                out[i] = a->values[k];
        }
        return 0;
}

int parse_uint(const char *s, uint64_t max, uint64_t *ret) {
        if (!s || !*s || !isdigit((unsigned char) *s))
                return -EINVAL;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || *end || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

/* targetcli's convert_human_to_bytes: K/M/G/T with an optional B or iB, powers of 1024. */
int parse_size(const char *s, uint64_t *ret) {
        if (!s || !isdigit((unsigned char) *s))
                return -EINVAL;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno)
                return -ERANGE;
        unsigned shift = 0;
        if (*end) {
                switch (toupper((unsigned char) *end)) {
                case 'K': shift = 10; break;
                case 'M': shift = 20; break;
                case 'G': shift = 30; break;
                case 'T': shift = 40; break;
                case 'B': shift = 0; break;
                default: return -EINVAL;
                }
                end++;
                if (shift > 0 && (strcasecmp(end, "B") == 0 || strcasecmp(end, "iB") == 0))
                        end += strlen(end);
                if (*end)
                        return -EINVAL;
        }
        if (v > (UINT64_MAX >> 1) >> shift)
                return -ERANGE;
        *ret = (uint64_t) v << shift;
        return 0;
}

int parse_bool(const char *s, bool *ret) {
        static const char *const yes[] = { "1", "true", "yes", "on", "y" };
        static const char *const no[] = { "0", "false", "no", "off", "n" };
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(s, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(s, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        return -EINVAL;
}

char *format_size(uint64_t bytes, char buf[static 32]) {
        static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
        double v = (double) bytes;
        size_t u = 0;
        while (v >= 1024.0 && u + 1 < ELEMENTSOF(units)) {
                v /= 1024.0;
                u++;
        }
        if (u == 0)
                snprintf(buf, 32, "%" PRIu64 "B", bytes);
        else
                snprintf(buf, 32, "%.1f%s", v, units[u]);
        return buf;
}

int split_words(const char *line, char ***ret) {
        char **words = NULL;
        size_t n = 0;
        const char *p = line;
        int r;
        for (;;) {
                while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
                        p++;
                if (!*p || *p == '#')
                        break;
                char *w = malloc(strlen(p) + 1), *o = w;
                if (!w) {
                        r = -ENOMEM;
                        goto fail;
                }
                while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
                        if (*p == '\'' || *p == '"') {
                                char q = *p++;
                                while (*p && *p != q)
                                        *o++ = *p++;
                                if (*p != q) {
                                        free(w);
                                        r = -EBADMSG;
                                        goto fail;
                                }
                                p++;
                        } else if (*p == '\\' && p[1])
                                *o++ = *++p, p++;
                        else
                                *o++ = *p++;
                }
                *o = 0;
                char **nw = reallocarray(words, n + 2, sizeof(char *));
                if (!nw) {
                        free(w);
                        r = -ENOMEM;
                        goto fail;
                }
                words = nw;
                words[n++] = w;
                words[n] = NULL;
        }
        if (!words && !(words = calloc(1, sizeof(char *))))
                return -ENOMEM;
        *ret = words;
        return (int) n;
fail:
        tc_strv_free(words);
        return r;
}
