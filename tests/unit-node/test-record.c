/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The record key table: defaults, validation, normalization, parsing, printing, JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "iscsi-node/record.h"

static void test_table_shape(void **state) {
        /* counts and positions of open-iscsi 2.1.8's show output */
        assert_int_equal(node_record_schema_iface.n_keys, 55);
        assert_int_equal(node_record_schema_node.n_keys, 4 + 55 + 48);
        assert_int_equal(node_record_schema_st.n_keys, 17);
        assert_string_equal(node_record_schema_node.keys[NODE_KEY_IFACE_NAME].name, "iface.iscsi_ifacename");
        assert_int_equal(NODE_KEY_FROM_IFACE(IFACE_KEY_IFACE_DISCOVERY_LOGOUT), NODE_KEY_DISCOVERY_ADDRESS - 1);
        /* every name is unique within its schema */
        const RecordSchema *schemas[] = { &node_record_schema_node, &node_record_schema_iface, &node_record_schema_st };
        for (size_t s = 0; s < 3; s++)
                for (size_t i = 0; i < schemas[s]->n_keys; i++)
                        assert_int_equal(node_record_key_index(schemas[s], schemas[s]->keys[i].name), (int) i);
}

static void test_defaults(void **state) {
        _cleanup_(node_record_freep) Record *r = node_record_new(&node_record_schema_node);
        int v;

        assert_non_null(r);
        assert_string_equal(node_record_get(r, NODE_KEY_STARTUP), "manual");
        assert_null(node_record_get(r, NODE_KEY_NAME));
        assert_int_equal(node_record_get_int(r, NODE_KEY_TPGT, &v), 0);
        assert_int_equal(v, -1);
        assert_int_equal(node_record_get_int(r, NODE_KEY_MAXBURSTLENGTH, &v), 0);
        assert_int_equal(v, 16776192);
        assert_true(node_record_get_bool(r, NODE_KEY_IMMEDIATEDATA));
        assert_false(node_record_get_bool(r, NODE_KEY_INITIALR2T));
        assert_int_equal(node_record_get_int(r, NODE_KEY_NAME, &v), -ENODATA);
}

static void test_set_validation(void **state) {
        _cleanup_(node_record_freep) Record *r = node_record_new(&node_record_schema_node);

        assert_int_equal(node_record_set(r, "node.nope", "1"), -ENOENT);
        assert_int_equal(node_record_set(r, "node.startup", "sometimes"), -EINVAL);
        assert_int_equal(node_record_set(r, "node.startup", "AUTOMATIC"), 0);
        assert_string_equal(node_record_get(r, NODE_KEY_STARTUP), "automatic");
        assert_int_equal(node_record_set(r, "node.session.cmds_max", "12x"), -EINVAL);
        assert_int_equal(node_record_set(r, "node.session.cmds_max", ""), 0);
        assert_null(node_record_get(r, NODE_KEY_CMDS_MAX));
        assert_int_equal(node_record_set(r, "node.session.cmds_max", "0x40"), 0);
        assert_string_equal(node_record_get(r, NODE_KEY_CMDS_MAX), "64");
        assert_int_equal(node_record_set(r, "node.session.iscsi.ImmediateData", "no"), 0);
        assert_string_equal(node_record_get(r, NODE_KEY_IMMEDIATEDATA), "No");
        assert_int_equal(node_record_set(r, "node.session.iscsi.ImmediateData", "maybe"), -EINVAL);
        assert_int_equal(node_record_set(r, "node.conn[0].iscsi.HeaderDigest", "crc32c,none"), 0);
        assert_string_equal(node_record_get(r, NODE_KEY_HEADERDIGEST), "CRC32C,None");
        assert_int_equal(node_record_set(r, "node.session.auth.chap_algs", "SHA3-256,SHA256,SHA1,MD5"), 0);
        assert_int_equal(node_record_set(r, "node.session.auth.chap_algs", "SHA3-256,RC4"), -EINVAL);
        assert_int_equal(node_record_set(r, "node.session.auth.username", "<empty>"), 0);
        assert_null(node_record_get(r, NODE_KEY_USERNAME));
}

static unsigned warned_lines[8];
static int warned_errors[8];
static size_t n_warned;

static void warn(void *userdata, unsigned line, const char *key, int error) {
        if (n_warned < 8) {
                warned_lines[n_warned] = line;
                warned_errors[n_warned] = error;
                n_warned++;
        }
}

static void test_parse(void **state) {
        _cleanup_(node_record_freep) Record *r = node_record_new(&node_record_schema_node);
        const char *text = "# BEGIN RECORD 2.1.8\n"
                           "node.name = iqn.2003-01.org.example:t1\n"
                           "\n"
                           "node.tpgt=1\n"
                           "   node.startup   =   automatic   \n"
                           "garbage\n"
                           "node.unknown = 3\n"
                           "node.session.cmds_max = lots\n"
                           "node.session.auth.password = a b=c\n"
                           "# END RECORD";

        n_warned = 0;
        assert_int_equal(node_record_parse(r, text, warn, NULL), 4);
        assert_string_equal(node_record_get(r, NODE_KEY_NAME), "iqn.2003-01.org.example:t1");
        assert_string_equal(node_record_get(r, NODE_KEY_TPGT), "1");
        assert_string_equal(node_record_get(r, NODE_KEY_STARTUP), "automatic");
        /* a value may hold spaces and '=' */
        assert_string_equal(node_record_get(r, NODE_KEY_PASSWORD), "a b=c");
        assert_string_equal(node_record_get(r, NODE_KEY_CMDS_MAX), "128");
        assert_int_equal(n_warned, 3);
        assert_int_equal(warned_lines[0], 6);
        assert_int_equal(warned_errors[0], -EBADMSG);
        assert_int_equal(warned_lines[1], 7);
        assert_int_equal(warned_errors[1], -ENOENT);
        assert_int_equal(warned_lines[2], 8);
        assert_int_equal(warned_errors[2], -EINVAL);
}

static void test_write_forms(void **state) {
        _cleanup_(node_record_freep) Record *r = node_record_new(&node_record_schema_st);
        _cleanup_free_ char *show = NULL, *file = NULL, *secret = NULL;

        assert_int_equal(node_record_set(r, "discovery.sendtargets.address", "127.0.0.1"), 0);
        assert_int_equal(node_record_set(r, "discovery.sendtargets.auth.password", "s3cret"), 0);
        assert_int_equal(node_record_to_string(r, 0, &show), 0);
        assert_int_equal(node_record_to_string(r, RECORD_FOR_FILE, &file), 0);
        assert_int_equal(node_record_to_string(r, RECORD_SHOW_SECRETS, &secret), 0);
        assert_true(strncmp(show, "# BEGIN RECORD 2.1.8\ndiscovery.startup = manual\n", 48) == 0);
        assert_non_null(strstr(show, "discovery.sendtargets.auth.username = <empty>\n"));
        assert_non_null(strstr(show, "discovery.sendtargets.auth.password = ********\n"));
        assert_null(strstr(show, "s3cret"));
        assert_non_null(strstr(secret, "discovery.sendtargets.auth.password = s3cret\n"));
        /* files omit empty values and keep secrets */
        assert_null(strstr(file, "<empty>"));
        assert_null(strstr(file, "auth.username"));
        assert_non_null(strstr(file, "discovery.sendtargets.auth.password = s3cret\n"));
        assert_non_null(strstr(file, "\n# END RECORD\n"));
        assert_true(node_record_has_secrets(r));
}

static void test_roundtrip(void **state) {
        _cleanup_(node_record_freep) Record *a = node_record_new(&node_record_schema_node), *b = node_record_new(&node_record_schema_node);
        _cleanup_free_ char *ta = NULL, *tb = NULL;

        assert_int_equal(node_record_set(a, "node.name", "iqn.2003-01.org.example:t"), 0);
        assert_int_equal(node_record_set(a, "node.conn[0].address", "::1"), 0);
        assert_int_equal(node_record_set(a, "iface.mtu", "9000"), 0);
        assert_int_equal(node_record_set(a, "node.session.auth.username_in", "user in"), 0);
        assert_int_equal(node_record_to_string(a, RECORD_FOR_FILE, &ta), 0);
        assert_true(node_record_parse(b, ta, NULL, NULL) > 0);
        assert_int_equal(node_record_to_string(b, RECORD_FOR_FILE, &tb), 0);
        assert_string_equal(ta, tb);
}

static void test_json(void **state) {
        _cleanup_(node_record_freep) Record *r = node_record_new(&node_record_schema_node);
        struct json_object *o = NULL, *v;

        assert_int_equal(node_record_set(r, "node.session.auth.password", "pw"), 0);
        assert_int_equal(node_record_to_json(r, 0, &o), 0);
        assert_true(json_object_object_get_ex(o, "node.tpgt", &v));
        assert_true(json_object_is_type(v, json_type_int));
        assert_int_equal(json_object_get_int(v), -1);
        assert_true(json_object_object_get_ex(o, "node.session.iscsi.ImmediateData", &v));
        assert_true(json_object_is_type(v, json_type_boolean));
        assert_true(json_object_object_get_ex(o, "node.name", &v));
        assert_null(v);
        assert_true(json_object_object_get_ex(o, "node.session.auth.password", &v));
        assert_string_equal(json_object_get_string(v), "********");
        json_object_put(o);
        assert_int_equal(node_record_to_json(r, RECORD_SHOW_SECRETS, &o), 0);
        assert_true(json_object_object_get_ex(o, "node.session.auth.password", &v));
        assert_string_equal(json_object_get_string(v), "pw");
        json_object_put(o);
}

static void test_copy_matching(void **state) {
        _cleanup_(node_record_freep) Record *n = node_record_new(&node_record_schema_node), *i = node_record_new(&node_record_schema_iface);

        assert_int_equal(node_record_set(i, "iface.net_ifacename", "eth1"), 0);
        assert_int_equal(node_record_set(i, "iface.iscsi_ifacename", "if1"), 0);
        node_record_copy_matching(n, i);
        assert_string_equal(node_record_get(n, NODE_KEY_IFACE_NET_IFACENAME), "eth1");
        assert_string_equal(node_record_get(n, NODE_KEY_IFACE_NAME), "if1");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_table_shape),  cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_set_validation), cmocka_unit_test(test_parse),
                cmocka_unit_test(test_write_forms),  cmocka_unit_test(test_roundtrip),
                cmocka_unit_test(test_json),         cmocka_unit_test(test_copy_matching),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
