/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness: iSNSP PDUs. The first byte picks the chunk size the stream is fed in;
 * every message that reassembles is decoded and interpreted (query targets, SCN, reply), and
 * must encode again to a stream that decodes to the same attributes; its first string feeds
 * the request builders, whose messages must survive the same round trip.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi-proto/isns-iscsi.h"
#include "iscsi-proto/isns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_or_abort(const struct iscsi_isns_msg *a, const struct iscsi_isns_msg *b) {
        if (a->function != b->function || a->xid != b->xid || a->n_attrs != b->n_attrs ||
            ((a->function & ISNS_RESPONSE) && a->status != b->status))
                abort();
        for (size_t i = 0; i < a->n_attrs; i++)
                if (a->attrs[i].tag != b->attrs[i].tag || a->attrs[i].len != b->attrs[i].len ||
                    (a->attrs[i].len && memcmp(a->attrs[i].value, b->attrs[i].value, a->attrs[i].len)))
                        abort();
}

/* Encode m in small PDUs and reassemble it byte by byte. */
static void check_reencode(const struct iscsi_isns_msg *m) {
        struct iscsi_isns_reasm r;
        struct iscsi_isns_msg m2 = {};
        uint8_t *buf = NULL;
        size_t len;
        int k = 0;

        if (iscsi_isns_msg_encode(m, 64, &buf, &len) < 0)
                return; /* -ENOMEM only: everything decoded is encodable */
        iscsi_isns_reasm_init(&r, 0);
        for (size_t off = 0; off < len && k == 0; off++)
                k = iscsi_isns_reasm_feed(&r, buf + off, 1);
        if (k != 1 || iscsi_isns_reasm_take(&r, &m2) < 0)
                abort();
        same_or_abort(m, &m2);
        iscsi_isns_msg_clear(&m2);
        iscsi_isns_reasm_clear(&r);
        free(buf);
}

/* The builders with a name taken from the input: what they build must survive the wire. */
static void build_with(const char *name) {
        const char *const targets[] = { name };
        const struct iscsi_isns_pg pg = { name, "::1", 3260, 1 };
        const struct iscsi_isns_entity e = { name, 600, targets, 1, &pg, 1 };
        struct iscsi_isns_msg m = {};

        if (iscsi_isns_build_initiator_scn_reg(1, name, "127.0.0.1", 3260, &m) == 0) {
                check_reencode(&m);
                iscsi_isns_msg_clear(&m);
        }
        if (iscsi_isns_build_entity_reg(2, &e, &m) == 0) {
                check_reencode(&m);
                iscsi_isns_msg_clear(&m);
        }
}

static void interpret(const struct iscsi_isns_msg *m) {
        struct iscsi_st_list l = {};
        struct iscsi_isns_scn scn;
        struct iscsi_isns_msg reply = {};
        uint32_t period;

        if (iscsi_isns_query_targets(m, &l) == 0)
                iscsi_st_list_clear(&l);
        (void) iscsi_isns_parse_scn(m, &scn);
        (void) iscsi_isns_granted_period(m, &period);
        if (iscsi_isns_build_reply(m, &reply) == 0)
                iscsi_isns_msg_clear(&reply);
        check_reencode(m);
        for (size_t i = 0; i < m->n_attrs; i++) {
                const char *name;
                if (iscsi_isns_attr_string(&m->attrs[i], &name) == 0) {
                        build_with(name);
                        break;
                }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct iscsi_isns_reasm r;
        size_t step, off = 0;

        if (size < 1)
                return 0;
        step = (size_t) data[0] + 1;
        data++;
        size--;
        iscsi_isns_reasm_init(&r, 16384);
        while (off < size) {
                size_t want = iscsi_isns_reasm_want(&r), n = size - off;
                struct iscsi_isns_msg m = {};
                int k;

                n = n < step ? n : step;
                n = n < want ? n : want;
                if (n == 0)
                        break; /* error state */
                k = iscsi_isns_reasm_feed(&r, data + off, n);
                off += n;
                if (k < 0)
                        break;
                if (k == 1 && iscsi_isns_reasm_take(&r, &m) == 0) {
                        interpret(&m);
                        iscsi_isns_msg_clear(&m);
                }
        }
        iscsi_isns_reasm_clear(&r);
        return 0;
}
