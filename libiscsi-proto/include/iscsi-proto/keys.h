/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * iSCSI text keys (RFC 7143 §6): the data segment of Login and Text PDUs is a sequence of
 * "key=value\0" records. This file parses and builds such sequences, joins data split over
 * several PDUs with the C (continue) bit, splits outgoing text into segments, and parses the
 * value forms that negotiation needs (numbers, booleans, lists, the special values).
 *
 * Pure code: no sockets, no logging. Every function returns a negative errno on failure and
 * leaves ret_* untouched then.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 7143 §6.1: a key name is at most 63 bytes. */
#define ISCSI_KEY_NAME_MAX 63u
/* A normal value (text, numeric, list) is at most 255 bytes. */
#define ISCSI_VALUE_MAX 255u
/* CHAP_C / CHAP_R carry large binary values: up to 8192 bytes once decoded, so their string
 * form (hex with "0x") may be up to 2 + 2 * 8192 characters. */
#define ISCSI_LONG_BINARY_MAX 8192u
#define ISCSI_LONG_VALUE_MAX (2u + 2u * ISCSI_LONG_BINARY_MAX)
/* Bound on the text of one logical Login/Text request or response, however many PDUs carry
 * it (a peer sending endless C-bit PDUs is cut off here). */
#define ISCSI_TEXT_MAX (64u * 1024u)

/* The special values of RFC 7143 §6.2. */
#define ISCSI_VALUE_NOT_UNDERSTOOD "NotUnderstood"
#define ISCSI_VALUE_IRRELEVANT "Irrelevant"
#define ISCSI_VALUE_REJECT "Reject"
#define ISCSI_VALUE_NONE "None"
#define ISCSI_VALUE_YES "Yes"
#define ISCSI_VALUE_NO "No"

struct iscsi_key_value {
        char *key;
        char *value;
};

/* An ordered list of key=value pairs with unique keys. Zero-initialise before use
 * (struct iscsi_keys k = {};) and release with iscsi_keys_clear(). */
struct iscsi_keys {
        struct iscsi_key_value *items;
        size_t n;
        /* internal: allocation and a hash index, so that duplicate checks stay O(1) even for
         * a 64 KiB flood of tiny keys */
        size_t allocated;
        uint32_t *index;
        size_t index_size;
};

void iscsi_keys_clear(struct iscsi_keys *keys);
/* For _cleanup_(iscsi_keys_clear). */
#define _cleanup_keys_ __attribute__((cleanup(iscsi_keys_clear)))

/* True if name is a valid key name: 1..63 bytes of [A-Za-z0-9.+@_-] ("X#" prefix allowed). */
bool iscsi_key_name_valid(const char *name);
/* Maximum string length of the value of this key: ISCSI_LONG_VALUE_MAX for CHAP_C/CHAP_R,
 * ISCSI_VALUE_MAX for everything else. */
size_t iscsi_key_value_max(const char *name);
/* True for the X- / X# vendor-specific key prefixes. */
bool iscsi_key_is_private(const char *name);

/*
 * Append key=value. Errors: -EINVAL bad key name or value containing a control byte,
 * -EMSGSIZE value longer than iscsi_key_value_max(key), -EEXIST key already present,
 * -ENOMEM.
 */
int iscsi_keys_add(struct iscsi_keys *keys, const char *key, const char *value);
int iscsi_keys_addf(struct iscsi_keys *keys, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Like iscsi_keys_add() but replaces the value if the key is present. */
int iscsi_keys_set(struct iscsi_keys *keys, const char *key, const char *value);
/* Value of key or NULL. */
const char *iscsi_keys_get(const struct iscsi_keys *keys, const char *key);
/* Remove key; returns 1 if it was there, 0 if not. */
int iscsi_keys_remove(struct iscsi_keys *keys, const char *key);
/* Append all pairs of src to dst (duplicates are -EEXIST). */
int iscsi_keys_extend(struct iscsi_keys *dst, const struct iscsi_keys *src);

/*
 * Parse a complete text (all PDUs joined) into *ret (old content freed on success). Trailing NUL
 * padding is allowed; a record not terminated by NUL at the very end of the text is
 * accepted too, as some peers omit the final NUL.
 * Errors: -EBADMSG record without '=', empty or malformed key name, control byte in a value,
 *         data after the NUL padding,
 *         -EMSGSIZE key name or value too long, or text longer than ISCSI_TEXT_MAX,
 *         -EEXIST the same key twice (RFC 7143 §6.1: a key must not be repeated),
 *         -ENOMEM.
 */
int iscsi_keys_parse(const void *data, size_t len, struct iscsi_keys *ret);

/* Serialise to "k=v\0k=v\0". *ret_len excludes padding; the buffer is malloc()ed. An empty
 * list gives *ret = NULL (or a 1-byte allocation) and *ret_len = 0. */
int iscsi_keys_build(const struct iscsi_keys *keys, uint8_t **ret, size_t *ret_len);
/* Bytes iscsi_keys_build() would produce. */
size_t iscsi_keys_build_size(const struct iscsi_keys *keys);

/*
 * Reassembly of text that arrives over several PDUs (C bit). Zero-initialise; feed the data
 * segment of each PDU in order with more = (C bit set). Returns 0 while more data is
 * expected, 1 when the text is complete (data/len then valid until the next feed or
 * clear), -EMSGSIZE when the total would exceed ISCSI_TEXT_MAX, -ENOMEM.
 * After a complete text, the next feed starts a new text.
 */
struct iscsi_text_accum {
        uint8_t *data;
        size_t len;
        size_t allocated;
        bool complete;
};

int iscsi_text_accum_feed(struct iscsi_text_accum *a, const void *data, size_t len, bool more);
void iscsi_text_accum_reset(struct iscsi_text_accum *a);
void iscsi_text_accum_clear(struct iscsi_text_accum *a);

/*
 * Splitting outgoing text into segments of at most max_segment bytes (the peer's
 * MaxRecvDataSegmentLength; 8192 during login). Takes ownership of data.
 * iscsi_text_out_next() returns the next chunk and sets *ret_more when more follows (= set
 * the C bit); it returns -ENODATA when everything has been handed out.
 */
struct iscsi_text_out {
        uint8_t *data;
        size_t len;
        size_t offset;
        bool started;
};

void iscsi_text_out_set(struct iscsi_text_out *o, uint8_t *data, size_t len);
bool iscsi_text_out_pending(const struct iscsi_text_out *o);
int iscsi_text_out_next(struct iscsi_text_out *o, size_t max_segment, const uint8_t **ret_data,
                        size_t *ret_len, bool *ret_more);
void iscsi_text_out_clear(struct iscsi_text_out *o);

/* ---- value forms (RFC 7143 §6.1) ---- */

/* numerical-value: decimal, or hex "0x..."/"0X..." (at most 16 hex digits), no sign, no
 * spaces; must fit into max. Errors: -EINVAL malformed, -ERANGE larger than max. */
int iscsi_value_parse_number(const char *s, uint64_t max, uint64_t *ret);
/* "Yes" / "No" (case-sensitive as in the RFC). -EINVAL otherwise. */
int iscsi_value_parse_bool(const char *s, bool *ret);
static inline const char *iscsi_value_bool(bool b) {
        return b ? ISCSI_VALUE_YES : ISCSI_VALUE_NO;
}
/* True if value is one of NotUnderstood / Irrelevant / Reject. */
bool iscsi_value_is_special(const char *s);
/*
 * list-of-values: comma-separated, no empty items. Iterate with *state = NULL initially;
 * writes the next item (NUL-terminated, at most item_size - 1 bytes) into item and returns 1,
 * 0 at the end, -EINVAL for an empty or too long item.
 */
int iscsi_value_list_next(const char *list, const char **state, char *item, size_t item_size);
/* True if item is an element of the comma-separated list. */
bool iscsi_value_list_contains(const char *list, const char *item);
