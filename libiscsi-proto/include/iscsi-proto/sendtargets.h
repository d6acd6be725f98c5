/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SendTargets (RFC 7143 §4.3 and appendix C): the Text Response of a discovery session lists
 * "TargetName=<iscsi-name>" records, each followed by zero or more
 * "TargetAddress=<host>[:<port>][,<tpgt>]" records, NUL-separated. <host> is a DNS name, an
 * IPv4 address, or an IPv6 address in brackets ("[fe80::1]:3260,1").
 * A target without TargetAddress is reachable through the portal used for discovery.
 *
 * Pure code: builds and parses bytes; never resolves or connects to anything.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iscsi-proto/defaults.h"

#define ISCSI_ST_TPGT_NONE (-1)          /* TargetAddress without ",tpgt" */
#define ISCSI_ST_HOST_MAX 255u           /* max host string length (without brackets) */
#define ISCSI_ST_DEFAULT_MAX_TOTAL (1024u * 1024u) /* default bound on a whole response */

struct iscsi_portal {
        char *host;           /* without brackets for IPv6; malloc()ed */
        uint16_t port;        /* ISCSI_DEFAULT_PORT if the record had none */
        int32_t tpgt;         /* 0..65535, or ISCSI_ST_TPGT_NONE */
        bool ipv6;            /* host was written in brackets */
};

struct iscsi_st_target {
        char *name;           /* malloc()ed */
        struct iscsi_portal *portals;
        size_t n_portals;
};

struct iscsi_st_list {
        struct iscsi_st_target *targets;
        size_t n_targets;
};

/* Free everything inside *l and zero it (the struct itself is the caller's). NULL-safe. */
void iscsi_st_list_clear(struct iscsi_st_list *l);
#define _cleanup_st_list_ __attribute__((cleanup(iscsi_st_list_clear)))

/* Appending, for building lists (target side) or by the parser. -EINVAL/-ENOMEM. */
int iscsi_st_list_add_target(struct iscsi_st_list *l, const char *name);
/* Adds to the last target; -ENOENT if there is none. tpgt may be ISCSI_ST_TPGT_NONE. */
int iscsi_st_list_add_portal(struct iscsi_st_list *l, const char *host, uint16_t port, int32_t tpgt);

/*
 * A link-local IPv6 address (fe80::/10) means nothing without the link it was found on: give
 * every such portal host of l that has no "%zone" the zone of the portal the discovery went
 * through ("fe80::1" -> "fe80::1%eth1"). Returns how many hosts changed, -EINVAL if zone is
 * empty or not [A-Za-z0-9.-_] or a result would exceed ISCSI_ST_HOST_MAX, -ENOMEM.
 */
int iscsi_st_list_scope_link_local(struct iscsi_st_list *l, const char *zone);

/*
 * Parse one TargetAddress value into *ret (host malloc()ed). -EINVAL if malformed: empty host,
 * unbalanced brackets, bad IPv6 literal (a "%zone" suffix is allowed), host characters outside [A-Za-z0-9.-_] (DNS/IPv4),
 * port not 1..65535, tpgt not 0..65535, trailing garbage.
 */
int iscsi_portal_parse(const char *s, struct iscsi_portal *ret);
/* Format "host:port[,tpgt]" with brackets for IPv6 into buf; -ENOBUFS if it does not fit. */
int iscsi_portal_format(const struct iscsi_portal *p, char *buf, size_t size);
void iscsi_portal_clear(struct iscsi_portal *p);

/*
 * Build the Text Response data for a list: "TargetName=..\0TargetAddress=..\0...".
 * *ret is malloc()ed, *ret_len is its length (no padding). Split it into PDUs with the text
 * splitting helpers of keys.h. -EINVAL if a name is empty, longer than 223 bytes or has
 * spaces/control bytes (the strict RFC form is iscsi_name_validate()'s job), -ENOMEM.
 */
int iscsi_sendtargets_build(const struct iscsi_st_list *l, uint8_t **ret, size_t *ret_len);

/*
 * Accumulating parser: feed each Text Response data segment in order, as it arrives (records
 * may be split anywhere across PDUs when the C bit was set), then finish.
 *   iscsi_st_parser_init(&p, max_total);     max_total 0 = ISCSI_ST_DEFAULT_MAX_TOTAL
 *   iscsi_st_parser_feed(&p, data, len);     -EMSGSIZE past max_total, -EBADMSG malformed
 *   iscsi_st_parser_finish(&p, &list);       moves the result into list (zeroed by caller)
 *   iscsi_st_parser_clear(&p);               always (also after finish)
 * A last record without its terminating NUL is accepted at finish (some peers omit it).
 * Empty records (NUL padding) are skipped. Unknown keys are ignored (RFC 7143: a SendTargets response may carry other keys).
 * Errors are sticky: after a failed feed every later call returns the same error.
 * Malformed means: record without '=', TargetAddress before any TargetName, empty or invalid
 * TargetName (see iscsi-name.h, checked loosely: non-empty, <= 223 bytes, printable), bad
 * TargetAddress, a single record longer than 4096 bytes.
 */
struct iscsi_st_parser {
        struct iscsi_st_list list;
        char *partial;        /* an unterminated record carried over to the next feed */
        size_t partial_len;
        size_t total;
        size_t max_total;
        int error;
};

void iscsi_st_parser_init(struct iscsi_st_parser *p, size_t max_total);
int iscsi_st_parser_feed(struct iscsi_st_parser *p, const void *data, size_t len);
int iscsi_st_parser_finish(struct iscsi_st_parser *p, struct iscsi_st_list *ret);
void iscsi_st_parser_clear(struct iscsi_st_parser *p);

/* One-shot parse of a complete response. *ret must be zeroed; untouched on failure. */
int iscsi_sendtargets_parse(const void *data, size_t len, struct iscsi_st_list *ret);
