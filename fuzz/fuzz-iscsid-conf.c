/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness: iscsid.conf (iscsid-conf.h). The input is parsed over the defaults with a
 * warning callback that checks what it is given. Invariants: every warning names a line that
 * exists, and the node and discovery defaults that result survive a write/parse round trip.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi-node/iscsid-conf.h"
#include "iscsi-node/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_warn(void *userdata, const char *file, unsigned line, ConfProblem p, const char *key,
                    const char *value) {
        unsigned n_lines = *(unsigned *) userdata;
        if (!file || line == 0 || line > n_lines || !key || p > CONF_BAD_VALUE)
                abort();
        (void) value;
}

static void check_record(const Record *r) {
        char *text = NULL, *again = NULL;
        Record *r2 = node_record_new(r->schema);

        if (!r2 || node_record_to_string(r, RECORD_FOR_FILE, &text) < 0 ||
            node_record_parse(r2, text, NULL, NULL) < 0 ||
            node_record_to_string(r2, RECORD_FOR_FILE, &again) < 0 || strcmp(text, again) != 0)
                abort();
        free(text);
        free(again);
        node_record_free(r2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *text = strndup((const char *) data, size);
        IscsidConf *c = NULL;
        unsigned n_lines = 1;

        if (!text || node_iscsid_conf_new(&c) < 0)
                abort();
        for (const char *p = text; (p = strchr(p, '\n')); p++)
                n_lines++;
        if (node_iscsid_conf_parse(c, "fuzz.conf", text, on_warn, &n_lines) < 0)
                abort();
        check_record(c->node);
        check_record(c->st);
        node_iscsid_conf_free(c);
        free(text);
        return 0;
}
