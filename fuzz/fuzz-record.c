/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness: node record files (record.h). The first byte picks the schema (node,
 * iface, discovery); the rest is parsed as a record file. Invariants: the on-disk form of what
 * was parsed parses back to the same record (same text when written again), and the JSON form
 * can always be built.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi-node/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const RecordSchema *const schemas[] = {
        &node_record_schema_node, &node_record_schema_iface, &node_record_schema_st,
};

static void check_round_trip(const Record *r) {
        const unsigned flags = RECORD_FOR_FILE | RECORD_SHOW_SECRETS;
        char *text = NULL, *again = NULL;

        if (node_record_to_string(r, flags, &text) < 0)
                abort();
        Record *r2 = node_record_new(r->schema);
        if (!r2 || node_record_parse(r2, text, NULL, NULL) < 0)
                abort();
        for (size_t i = 0; i < r->schema->n_keys; i++) {
                const char *a = node_record_get(r, i), *b = node_record_get(r2, i);
                if (!a != !b || (a && strcmp(a, b) != 0))
                        abort();
        }
        if (node_record_to_string(r2, flags, &again) < 0 || strcmp(text, again) != 0)
                abort();
        free(text);
        free(again);
        node_record_free(r2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size < 1)
                return 0;
        const RecordSchema *schema = schemas[data[0] % (sizeof schemas / sizeof *schemas)];
        char *text = strndup((const char *) data + 1, size - 1);
        Record *r = node_record_new(schema);
        struct json_object *j = NULL;

        if (!text || !r)
                abort();
        if (node_record_parse(r, text, NULL, NULL) < 0)
                abort();
        check_round_trip(r);
        if (node_record_to_json(r, 0, &j) < 0 || !j)
                abort();
        json_object_put(j);
        (void) node_record_has_secrets(r);
        node_record_free(r);
        free(text);
        return 0;
}
