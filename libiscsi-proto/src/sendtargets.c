/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SendTargets response building and (accumulating) parsing; see sendtargets.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi-proto/iscsi-name.h" /* ISCSI_NAME_MAX */
#include "iscsi-util/macro.h"
#include "iscsi-proto/sendtargets.h"

#define ST_RECORD_MAX 4096u

void iscsi_portal_clear(struct iscsi_portal *p) {
        if (!p)
                return;
        free(p->host);
        *p = (struct iscsi_portal) {};
}

void iscsi_st_list_clear(struct iscsi_st_list *l) {
        if (!l)
                return;
        for (size_t i = 0; i < l->n_targets; i++) {
                struct iscsi_st_target *t = &l->targets[i];

                for (size_t j = 0; j < t->n_portals; j++)
                        iscsi_portal_clear(&t->portals[j]);
                free(t->portals);
                free(t->name);
        }
        free(l->targets);
        *l = (struct iscsi_st_list) {};
}

/* Liberal check for names received from a peer: the strict check is iscsi_name_validate(). */
static bool name_acceptable(const char *name) {
        size_t n = strlen(name);

        if (n == 0 || n > ISCSI_NAME_MAX)
                return false;
        for (const char *c = name; *c; c++)
                if ((unsigned char) *c <= 0x20 || *c == 0x7f)
                        return false;
        return true;
}

static bool host_char_ok(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '-' || c == '_';
}

/* host without brackets; ipv6 tells which syntax applies. */
static bool host_valid(const char *host, size_t len, bool ipv6) {
        char buf[INET6_ADDRSTRLEN + 1];
        struct in6_addr a6;

        if (len == 0 || len > ISCSI_ST_HOST_MAX)
                return false;
        if (ipv6) {
                /* A link-local address may carry a zone ("fe80::1%eth0", RFC 6874 style). */
                const char *zone = memchr(host, '%', len);
                size_t alen = zone ? (size_t) (zone - host) : len;

                if (alen >= sizeof(buf))
                        return false;
                if (zone) {
                        if (zone + 1 == host + len)
                                return false;
                        for (const char *c = zone + 1; c < host + len; c++)
                                if (!host_char_ok(*c))
                                        return false;
                }
                memcpy(buf, host, alen);
                buf[alen] = 0;
                return inet_pton(AF_INET6, buf, &a6) == 1;
        }
        for (size_t i = 0; i < len; i++)
                if (!host_char_ok(host[i]))
                        return false;
        return true;
}

/* Decimal 0..max, digits only, at most 5 digits. */
static int parse_u16(const char *s, size_t len, unsigned max, unsigned *ret) {
        unsigned v = 0;

        if (len == 0 || len > 5)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                v = v * 10 + (unsigned) (s[i] - '0');
        }
        if (v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

int iscsi_portal_parse(const char *s, struct iscsi_portal *ret) {
        const char *host, *rest, *comma;
        size_t host_len;
        unsigned port = ISCSI_DEFAULT_PORT, tpgt = 0;
        bool ipv6 = false, has_tpgt = false;
        char *h;
        int r;

        if (!s)
                return -EINVAL;
        if (s[0] == '[') {
                const char *end = strchr(s, ']');

                if (!end)
                        return -EINVAL;
                host = s + 1;
                host_len = (size_t) (end - host);
                rest = end + 1;
                ipv6 = true;
        } else {
                host = s;
                host_len = strcspn(s, ":,");
                rest = s + host_len;
        }
        if (!host_valid(host, host_len, ipv6))
                return -EINVAL;

        comma = strchr(rest, ',');
        if (rest[0] == ':') {
                size_t plen = comma ? (size_t) (comma - rest - 1) : strlen(rest + 1);

                r = parse_u16(rest + 1, plen, 65535, &port);
                if (r < 0 || port == 0)
                        return -EINVAL;
        } else if (rest[0] != ',' && rest[0] != 0)
                return -EINVAL;
        if (comma) {
                r = parse_u16(comma + 1, strlen(comma + 1), 65535, &tpgt);
                if (r < 0)
                        return -EINVAL;
                has_tpgt = true;
        }

        h = strndup(host, host_len);
        if (!h)
                return -ENOMEM;
        *ret = (struct iscsi_portal) {
                .host = h,
                .port = (uint16_t) port,
                .tpgt = has_tpgt ? (int32_t) tpgt : ISCSI_ST_TPGT_NONE,
                .ipv6 = ipv6,
        };
        return 0;
}

int iscsi_portal_format(const struct iscsi_portal *p, char *buf, size_t size) {
        bool ipv6 = p->ipv6 || (p->host && strchr(p->host, ':'));
        int n;

        if (!p->host)
                return -EINVAL;
        if (p->tpgt >= 0)
                n = snprintf(buf, size, ipv6 ? "[%s]:%u,%d" : "%s:%u,%d", p->host, p->port, (int) p->tpgt);
        else
                n = snprintf(buf, size, ipv6 ? "[%s]:%u" : "%s:%u", p->host, p->port);
        if (n < 0 || (size_t) n >= size)
                return -ENOBUFS;
        return 0;
}

int iscsi_st_list_add_target(struct iscsi_st_list *l, const char *name) {
        struct iscsi_st_target *t;
        char *n;

        if (!name || !name_acceptable(name))
                return -EINVAL;
        n = strdup(name);
        if (!n)
                return -ENOMEM;
        t = reallocarray(l->targets, l->n_targets + 1, sizeof(*t));
        if (!t) {
                free(n);
                return -ENOMEM;
        }
        l->targets = t;
        l->targets[l->n_targets++] = (struct iscsi_st_target) { .name = n };
        return 0;
}

static int add_portal(struct iscsi_st_list *l, struct iscsi_portal *p) {
        struct iscsi_st_target *t;
        struct iscsi_portal *a;

        if (l->n_targets == 0)
                return -ENOENT;
        t = &l->targets[l->n_targets - 1];
        a = reallocarray(t->portals, t->n_portals + 1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        t->portals = a;
        t->portals[t->n_portals++] = *p;
        *p = (struct iscsi_portal) {};
        return 0;
}

int iscsi_st_list_add_portal(struct iscsi_st_list *l, const char *host, uint16_t port, int32_t tpgt) {
        struct iscsi_portal p;
        bool ipv6;
        int r;

        if (!host || port == 0 || tpgt < ISCSI_ST_TPGT_NONE || tpgt > 65535)
                return -EINVAL;
        ipv6 = strchr(host, ':') != NULL;
        if (!host_valid(host, strlen(host), ipv6))
                return -EINVAL;
        if (l->n_targets == 0)
                return -ENOENT;
        p = (struct iscsi_portal) { .host = strdup(host), .port = port, .tpgt = tpgt, .ipv6 = ipv6 };
        if (!p.host)
                return -ENOMEM;
        r = add_portal(l, &p);
        iscsi_portal_clear(&p);
        return r;
}

static bool host_is_link_local_without_zone(const struct iscsi_portal *p) {
        struct in6_addr a;

        return p->ipv6 && !strchr(p->host, '%') && inet_pton(AF_INET6, p->host, &a) == 1 &&
               IN6_IS_ADDR_LINKLOCAL(&a);
}

int iscsi_st_list_scope_link_local(struct iscsi_st_list *l, const char *zone) {
        size_t zl;
        int n = 0;

        if (!l || !zone || !*zone)
                return -EINVAL;
        zl = strlen(zone);
        for (const char *c = zone; *c; c++)
                if (!host_char_ok(*c))
                        return -EINVAL;
        for (size_t i = 0; i < l->n_targets; i++)
                for (size_t j = 0; j < l->targets[i].n_portals; j++) {
                        struct iscsi_portal *p = &l->targets[i].portals[j];
                        size_t hl = strlen(p->host);
                        char *h;

                        if (!host_is_link_local_without_zone(p))
                                continue;
                        if (hl + 1 + zl > ISCSI_ST_HOST_MAX)
                                return -EINVAL;
                        h = malloc(hl + 1 + zl + 1);
                        if (!h)
                                return -ENOMEM;
                        memcpy(h, p->host, hl);
                        h[hl] = '%';
                        memcpy(h + hl + 1, zone, zl + 1);
                        free(p->host);
                        p->host = h;
                        n++;
                }
        return n;
}

/* Append "key=value\0" to a growing buffer. */
static int buf_append(uint8_t **buf, size_t *len, size_t *allocated, const char *key, const char *value) {
        size_t kl = strlen(key), vl = strlen(value), need = *len + kl + 1 + vl + 1;

        if (need > *allocated) {
                size_t a = MAX(need, *allocated * 2);
                uint8_t *n = realloc(*buf, a);

                if (!n)
                        return -ENOMEM;
                *buf = n;
                *allocated = a;
        }
        memcpy(*buf + *len, key, kl);
        (*buf)[*len + kl] = '=';
        memcpy(*buf + *len + kl + 1, value, vl);
        (*buf)[need - 1] = 0;
        *len = need;
        return 0;
}

int iscsi_sendtargets_build(const struct iscsi_st_list *l, uint8_t **ret, size_t *ret_len) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t len = 0, allocated = 0;
        char addr[ISCSI_ST_HOST_MAX + 16];
        int r;

        for (size_t i = 0; i < l->n_targets; i++) {
                const struct iscsi_st_target *t = &l->targets[i];

                /* Same liberal check as the parser: a target configured with an upper-case
                 * name must still be discoverable (names compare case-insensitively). */
                if (!t->name || !name_acceptable(t->name))
                        return -EINVAL;
                r = buf_append(&buf, &len, &allocated, "TargetName", t->name);
                if (r < 0)
                        return r;
                for (size_t j = 0; j < t->n_portals; j++) {
                        r = iscsi_portal_format(&t->portals[j], addr, sizeof(addr));
                        if (r < 0)
                                return -EINVAL;
                        r = buf_append(&buf, &len, &allocated, "TargetAddress", addr);
                        if (r < 0)
                                return r;
                }
        }
        if (!buf) {
                buf = malloc(1);
                if (!buf)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

void iscsi_st_parser_init(struct iscsi_st_parser *p, size_t max_total) {
        *p = (struct iscsi_st_parser) {
                .max_total = max_total > 0 ? max_total : ISCSI_ST_DEFAULT_MAX_TOTAL,
        };
}

void iscsi_st_parser_clear(struct iscsi_st_parser *p) {
        if (!p)
                return;
        iscsi_st_list_clear(&p->list);
        free(p->partial);
        p->partial = NULL;
        p->partial_len = 0;
}

/* One complete record (NUL-terminated string of length len). */
static int parse_record(struct iscsi_st_parser *p, const char *rec, size_t len) {
        const char *eq;

        if (len == 0) /* NUL padding between or after records */
                return 0;
        if (len > ST_RECORD_MAX)
                return -EBADMSG;
        eq = memchr(rec, '=', len);
        if (!eq || eq == rec)
                return -EBADMSG;

        if ((size_t) (eq - rec) == strlen("TargetName") && memcmp(rec, "TargetName", eq - rec) == 0) {
                int r = iscsi_st_list_add_target(&p->list, eq + 1);
                return r == -EINVAL ? -EBADMSG : r;
        }
        if ((size_t) (eq - rec) == strlen("TargetAddress") && memcmp(rec, "TargetAddress", eq - rec) == 0) {
                struct iscsi_portal portal;
                int r;

                if (p->list.n_targets == 0)
                        return -EBADMSG;
                r = iscsi_portal_parse(eq + 1, &portal);
                if (r < 0)
                        return r == -ENOMEM ? r : -EBADMSG;
                r = add_portal(&p->list, &portal);
                iscsi_portal_clear(&portal);
                return r;
        }
        return 0; /* other keys are not ours to judge */
}

static int feed(struct iscsi_st_parser *p, const uint8_t *d, size_t len) {
        int r;

        if (len > p->max_total - p->total)
                return -EMSGSIZE;
        p->total += len;

        while (len > 0) {
                const uint8_t *nul = memchr(d, 0, len);
                size_t seg = nul ? (size_t) (nul - d) : len;

                if (p->partial_len > 0 || !nul) {
                        /* Carry over (part of) a record split across PDUs. */
                        char *n;

                        if (p->partial_len + seg > ST_RECORD_MAX)
                                return -EBADMSG;
                        n = realloc(p->partial, p->partial_len + seg + 1);
                        if (!n)
                                return -ENOMEM;
                        memcpy(n + p->partial_len, d, seg);
                        p->partial = n;
                        p->partial_len += seg;
                        p->partial[p->partial_len] = 0;
                        if (!nul)
                                return 0;
                        r = parse_record(p, p->partial, p->partial_len);
                        p->partial_len = 0;
                        p->partial[0] = 0;
                } else
                        r = parse_record(p, (const char *) d, seg);
                if (r < 0)
                        return r;
                d += seg + 1;
                len -= seg + 1;
        }
        return 0;
}

int iscsi_st_parser_feed(struct iscsi_st_parser *p, const void *data, size_t len) {
        if (p->error < 0)
                return p->error;
        if (len > 0 && !data)
                return -EINVAL;
        if (len == 0)
                return 0;
        p->error = feed(p, data, len);
        return p->error;
}

int iscsi_st_parser_finish(struct iscsi_st_parser *p, struct iscsi_st_list *ret) {
        int r;

        if (p->error < 0)
                return p->error;
        if (p->partial_len > 0) {
                /* Some peers omit the final NUL: accept a last unterminated record. */
                r = parse_record(p, p->partial, p->partial_len);
                p->partial_len = 0;
                if (r < 0)
                        return (p->error = r);
        }
        *ret = p->list;
        p->list = (struct iscsi_st_list) {};
        return 0;
}

int iscsi_sendtargets_parse(const void *data, size_t len, struct iscsi_st_list *ret) {
        struct iscsi_st_parser p;
        int r;

        iscsi_st_parser_init(&p, len > 0 ? len : 1);
        r = iscsi_st_parser_feed(&p, data, len);
        if (r >= 0)
                r = iscsi_st_parser_finish(&p, ret);
        iscsi_st_parser_clear(&p);
        return r;
}
