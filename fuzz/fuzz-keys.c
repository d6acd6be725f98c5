/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness: text keys (keys.h). The input is fed through the C-bit reassembly in
 * chunks chosen by its first byte, parsed, and every value goes through the value parsers.
 * Invariant: a parsed list builds to text that parses to the same pairs.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi-proto/keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_values(const struct iscsi_keys *k) {
        for (size_t i = 0; i < k->n; i++) {
                const char *v = k->items[i].value, *state = NULL;
                char item[256];
                uint64_t num;
                bool b;

                (void) iscsi_value_parse_number(v, UINT64_MAX, &num);
                (void) iscsi_value_parse_number(v, 65535, &num);
                (void) iscsi_value_parse_bool(v, &b);
                (void) iscsi_value_is_special(v);
                (void) iscsi_key_is_private(k->items[i].key);
                for (int n = 0; n < 300 && iscsi_value_list_next(v, &state, item, sizeof(item)) > 0; n++)
                        if (strlen(item) >= sizeof(item))
                                abort();
        }
}

static void check_rebuild(const struct iscsi_keys *k) {
        struct iscsi_keys k2 = {};
        uint8_t *buf = NULL;
        size_t len;

        if (iscsi_keys_build(k, &buf, &len) < 0)
                abort();
        if (len != iscsi_keys_build_size(k))
                abort();
        if (iscsi_keys_parse(buf, len, &k2) < 0 || k2.n != k->n)
                abort();
        for (size_t i = 0; i < k->n; i++)
                if (strcmp(k->items[i].key, k2.items[i].key) != 0 ||
                    strcmp(k->items[i].value, k2.items[i].value) != 0 ||
                    !iscsi_keys_get(&k2, k->items[i].key))
                        abort();
        iscsi_keys_clear(&k2);
        free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct iscsi_text_accum a = {};
        struct iscsi_keys k = {};
        size_t step;
        int r = 0;

        if (size < 1)
                return 0;
        step = (size_t) data[0] + 1;
        data++;
        size--;

        for (size_t off = 0; r == 0; off += step) {
                size_t n = size - off < step ? size - off : step;
                bool more = off + n < size;

                r = iscsi_text_accum_feed(&a, data + off, n, more);
                if (!more)
                        break;
        }
        if (r == 1) {
                if (a.len != size || (size && memcmp(a.data, data, size) != 0))
                        abort();
                if (iscsi_keys_parse(a.data, a.len, &k) == 0) {
                        check_values(&k);
                        check_rebuild(&k);
                        /* Splitting the rebuilt text at a small segment size re-joins exactly. */
                        {
                                uint8_t *buf = NULL;
                                size_t len;
                                struct iscsi_text_out o = {};
                                const uint8_t *seg;
                                size_t seg_len, got = 0;
                                bool more;

                                if (iscsi_keys_build(&k, &buf, &len) < 0)
                                        abort();
                                iscsi_text_out_set(&o, buf, len); /* takes ownership */
                                while (iscsi_text_out_next(&o, 64, &seg, &seg_len, &more) == 0) {
                                        if (seg_len > 64)
                                                abort();
                                        got += seg_len;
                                        if (!more)
                                                break;
                                }
                                if (got != len)
                                        abort();
                                iscsi_text_out_clear(&o);
                        }
                }
                iscsi_keys_clear(&k);
        }
        iscsi_text_accum_clear(&a);
        return 0;
}
