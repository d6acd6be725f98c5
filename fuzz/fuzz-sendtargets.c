/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness: SendTargets parsing. The first byte picks where the input is split into
 * "PDUs" (continuation); a parsed list that builds again must parse to the same shape.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi-proto/sendtargets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_rebuild(const struct iscsi_st_list *l) {
        struct iscsi_st_list l2 = {};
        uint8_t *buf = NULL;
        size_t len;

        if (iscsi_sendtargets_build(l, &buf, &len) < 0)
                abort(); /* whatever the parser accepted must build again */
        if (iscsi_sendtargets_parse(buf, len, &l2) < 0)
                abort();
        if (l2.n_targets != l->n_targets)
                abort();
        for (size_t i = 0; i < l->n_targets; i++) {
                if (strcmp(l->targets[i].name, l2.targets[i].name) != 0 ||
                    l->targets[i].n_portals != l2.targets[i].n_portals)
                        abort();
                for (size_t j = 0; j < l->targets[i].n_portals; j++) {
                        const struct iscsi_portal *a = &l->targets[i].portals[j], *b = &l2.targets[i].portals[j];
                        if (strcmp(a->host, b->host) != 0 || a->port != b->port || a->tpgt != b->tpgt)
                                abort();
                }
        }
        iscsi_st_list_clear(&l2);
        free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct iscsi_st_parser p;
        struct iscsi_st_list l = {};
        size_t step;
        int r = 0;

        if (size < 1)
                return 0;
        step = (size_t) data[0] + 1;
        data++;
        size--;

        iscsi_st_parser_init(&p, 4096);
        for (size_t off = 0; off < size && r >= 0; off += step)
                r = iscsi_st_parser_feed(&p, data + off, size - off < step ? size - off : step);
        if (r >= 0 && iscsi_st_parser_finish(&p, &l) >= 0) {
                check_rebuild(&l);
                iscsi_st_list_clear(&l);
        }
        iscsi_st_parser_clear(&p);

        /* The whole input as one TargetAddress value. */
        if (size < 512) {
                char s[512];
                struct iscsi_portal portal;

                memcpy(s, data, size);
                s[size] = 0;
                if (iscsi_portal_parse(s, &portal) == 0) {
                        char f[300];
                        if (iscsi_portal_format(&portal, f, sizeof(f)) < 0)
                                abort();
                        iscsi_portal_clear(&portal);
                }
        }
        return 0;
}
