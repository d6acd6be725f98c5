/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* iSCSI name validation and generation; see iscsi-name.h. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "iscsi-proto/iscsi-name.h"
#include "iscsi-util/macro.h"

#define DEFAULT_PREFIX "iqn.2016-04.com.open-iscsi"

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static bool is_hex(char c) {
        return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Characters left after stringprep (ASCII subset): a-z 0-9 - . : */
static bool is_name_char(char c) {
        return (c >= 'a' && c <= 'z') || is_digit(c) || c == '-' || c == '.' || c == ':';
}

static bool all_hex(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (!is_hex(s[i]))
                        return false;
        return true;
}

/* "YYYY-MM.<domain>[:...]" after "iqn." */
static int validate_iqn(const char *s) {
        size_t domain_len, label = 0;

        if (strlen(s) < 9 || !is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2]) || !is_digit(s[3]) ||
            s[4] != '-' || !is_digit(s[5]) || !is_digit(s[6]) || s[7] != '.')
                return -EINVAL;
        if ((s[5] - '0') * 10 + (s[6] - '0') < 1 || (s[5] - '0') * 10 + (s[6] - '0') > 12)
                return -EINVAL;

        s += 8;
        domain_len = strcspn(s, ":");
        if (domain_len == 0)
                return -EINVAL;
        /* Reversed domain: non-empty labels of [a-z0-9-] separated by single dots. */
        for (size_t i = 0; i < domain_len; i++) {
                if (s[i] == '.') {
                        if (label == 0)
                                return -EINVAL;
                        label = 0;
                } else
                        label++;
        }
        if (label == 0)
                return -EINVAL;
        return ISCSI_NAME_IQN;
}

int iscsi_name_validate(const char *name) {
        size_t n;

        if (!name)
                return -EINVAL;
        n = strlen(name);
        if (n == 0)
                return -EINVAL;
        if (n > ISCSI_NAME_MAX)
                return -ENAMETOOLONG;

        if (strncmp(name, "eui.", 4) == 0) {
                if (n != 4 + 16 || !all_hex(name + 4, 16))
                        return -EINVAL;
                return ISCSI_NAME_EUI;
        }
        if (strncmp(name, "naa.", 4) == 0) {
                if ((n != 4 + 16 && n != 4 + 32) || !all_hex(name + 4, n - 4))
                        return -EINVAL;
                return ISCSI_NAME_NAA;
        }

        for (size_t i = 0; i < n; i++)
                if (!is_name_char(name[i]))
                        return -EILSEQ;
        if (strncmp(name, "iqn.", 4) == 0)
                return validate_iqn(name + 4);
        return -EINVAL;
}

int iscsi_name_iqn_prefix(unsigned year, unsigned month, const char *domain, char **ret) {
        _cleanup_free_ char *out = NULL;
        size_t dlen, pos;
        const char *end;

        if (year < 1000 || year > 9999 || month < 1 || month > 12 || !domain)
                return -EINVAL;
        dlen = strlen(domain);
        if (dlen == 0)
                return -EINVAL;
        if (dlen + strlen("iqn.YYYY-MM.") > ISCSI_NAME_MAX)
                return -ENAMETOOLONG;
        for (size_t i = 0; i < dlen; i++) {
                char c = domain[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' || c == '.'))
                        return -EINVAL;
        }
        if (domain[0] == '.' || domain[dlen - 1] == '.' || strstr(domain, ".."))
                return -EINVAL;

        out = malloc(strlen("iqn.YYYY-MM.") + dlen + 1);
        if (!out)
                return -ENOMEM;
        pos = (size_t) sprintf(out, "iqn.%04u-%02u.", year, month);
        /* Copy labels last to first. */
        end = domain + dlen;
        while (end > domain) {
                const char *start = end;

                while (start > domain && start[-1] != '.')
                        start--;
                for (const char *c = start; c < end; c++)
                        out[pos++] = (*c >= 'A' && *c <= 'Z') ? (char) (*c - 'A' + 'a') : *c;
                if (start > domain)
                        out[pos++] = '.';
                end = start > domain ? start - 1 : domain;
        }
        out[pos] = 0;
        if (iscsi_name_validate(out) != ISCSI_NAME_IQN)
                return -EINVAL;
        *ret = TAKE_PTR(out);
        return 0;
}

int iscsi_name_generate(const char *prefix, char **ret) {
        _cleanup_free_ char *out = NULL;
        uint8_t rnd[6];
        size_t plen;
        ssize_t n;
        int r;

        if (!prefix)
                prefix = DEFAULT_PREFIX;
        r = iscsi_name_validate(prefix);
        if (r < 0)
                return r == -ENAMETOOLONG ? r : -EINVAL;
        plen = strlen(prefix);
        if (plen + 1 + 2 * sizeof(rnd) > ISCSI_NAME_MAX)
                return -ENAMETOOLONG;

        n = getrandom(rnd, sizeof(rnd), 0);
        if (n < 0)
                return -errno;
        if ((size_t) n != sizeof(rnd))
                return -EIO;

        out = malloc(plen + 1 + 2 * sizeof(rnd) + 1);
        if (!out)
                return -ENOMEM;
        memcpy(out, prefix, plen);
        out[plen] = ':';
        for (size_t i = 0; i < sizeof(rnd); i++)
                sprintf(out + plen + 1 + 2 * i, "%02x", rnd[i]);
        if (iscsi_name_validate(out) <= 0)
                return -EINVAL;
        *ret = TAKE_PTR(out);
        return 0;
}
