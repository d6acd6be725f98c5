/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * iSCSI names (RFC 7143 §4.2.7, RFC 3720 §3.2.6): "iqn.YYYY-MM.<reversed domain>[:<anything>]",
 * "eui.<16 hex>", "naa.<16 or 32 hex>". Names are at most 223 bytes, and after stringprep
 * (RFC 3722) contain only lower-case ASCII letters, digits, '-', '.', ':' (and non-ASCII
 * UTF-8, which we do not accept: we are stricter than the RFC and say so with -EILSEQ).
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#define ISCSI_NAME_MAX 223u

enum iscsi_name_type {
        ISCSI_NAME_IQN = 1,
        ISCSI_NAME_EUI = 2,
        ISCSI_NAME_NAA = 3,
};

/*
 * Validate name. Returns the enum iscsi_name_type (> 0) on success, or:
 *   -EINVAL    empty, unknown prefix, or wrong structure (iqn date, eui/naa digit count)
 *   -ENAMETOOLONG  longer than 223 bytes
 *   -EILSEQ    a character not allowed after stringprep (upper case, space, '_', '/', non-ASCII...)
 * Prefixes are matched case-sensitively in lower case, as stringprep output is lower case;
 * the hex digits of eui./naa. names may be upper case (RFC 3720's own example
 * "eui.02004567A425678D" is), everything else must be lower case.
 */
int iscsi_name_validate(const char *name);
static inline bool iscsi_name_is_valid(const char *name) {
        return iscsi_name_validate(name) > 0;
}

/*
 * Build an iqn. prefix "iqn.YYYY-MM.<domain reversed>" from a DNS domain owned at that date,
 * e.g. (2026, 11, "example.com") -> "iqn.2026-11.com.example". *ret is malloc()ed.
 * The domain is lower-cased. Errors: -EINVAL (year outside 1000..9999, month outside 1..12,
 * empty or malformed domain), -ENAMETOOLONG, -ENOMEM.
 */
int iscsi_name_iqn_prefix(unsigned year, unsigned month, const char *domain, char **ret);

/*
 * Generate an initiator name like iscsi-iname(8): "<prefix>:<12 lower-case hex digits>" from
 * getrandom(). prefix NULL means "iqn.2016-04.com.open-iscsi" (iscsi-iname's default); a
 * caller-given prefix must be a valid iSCSI name itself. The result is validated.
 * *ret is malloc()ed. Errors: -EINVAL bad prefix, -ENAMETOOLONG, -ENOMEM, getrandom() errors.
 */
int iscsi_name_generate(const char *prefix, char **ret);
