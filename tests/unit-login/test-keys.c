/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Text keys: parsing, building, limits, continuation, value forms. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "iscsi-proto/keys.h"
#include "iscsi-util/macro.h"

#define TXT(s) s, sizeof(s) - 1

static void test_parse_basic(void **state) {
        _cleanup_keys_ struct iscsi_keys k = {};

        assert_int_equal(iscsi_keys_parse(TXT("InitiatorName=iqn.2026-01.x:y\0SessionType=Normal\0"), &k), 0);
        assert_int_equal(k.n, 2);
        assert_string_equal(k.items[0].key, "InitiatorName");
        assert_string_equal(k.items[0].value, "iqn.2026-01.x:y");
        assert_string_equal(iscsi_keys_get(&k, "SessionType"), "Normal");
        assert_null(iscsi_keys_get(&k, "TargetName"));
}

static void test_parse_padding_and_missing_final_nul(void **state) {
        _cleanup_keys_ struct iscsi_keys a = {}, b = {}, c = {};

        /* NUL padding to a 4-byte boundary is fine. */
        assert_int_equal(iscsi_keys_parse(TXT("A=1\0\0\0\0"), &a), 0);
        assert_int_equal(a.n, 1);
        /* Last record without NUL is accepted. */
        assert_int_equal(iscsi_keys_parse(TXT("A=1\0B=2"), &b), 0);
        assert_int_equal(b.n, 2);
        assert_string_equal(iscsi_keys_get(&b, "B"), "2");
        /* Empty value is legal text. */
        assert_int_equal(iscsi_keys_parse(TXT("A=\0"), &c), 0);
        assert_string_equal(iscsi_keys_get(&c, "A"), "");
}

static void test_parse_empty(void **state) {
        _cleanup_keys_ struct iscsi_keys k = {};

        assert_int_equal(iscsi_keys_parse(NULL, 0, &k), 0);
        assert_int_equal(k.n, 0);
        assert_int_equal(iscsi_keys_parse(TXT("\0\0\0\0"), &k), 0);
        assert_int_equal(k.n, 0);
}

static void test_parse_malformed(void **state) {
        _cleanup_keys_ struct iscsi_keys k = {};

        assert_int_equal(iscsi_keys_parse(TXT("NoEquals\0"), &k), -EBADMSG);
        assert_int_equal(iscsi_keys_parse(TXT("A=1\0NoEquals"), &k), -EBADMSG);
        assert_int_equal(iscsi_keys_parse(TXT("=value\0"), &k), -EBADMSG);
        assert_int_equal(iscsi_keys_parse(TXT("Bad Key=1\0"), &k), -EBADMSG);
        assert_int_equal(iscsi_keys_parse(TXT("A=1\0\0B=2\0"), &k), -EBADMSG); /* data after padding */
        assert_int_equal(iscsi_keys_parse(TXT("A=x\ny\0"), &k), -EBADMSG);     /* control byte */
        assert_int_equal(iscsi_keys_parse(TXT("A=1\0A=2\0"), &k), -EEXIST);    /* duplicate */
        assert_int_equal(k.n, 0); /* untouched on failure */
}

static void test_parse_limits(void **state) {
        _cleanup_keys_ struct iscsi_keys k = {};
        char buf[ISCSI_LONG_VALUE_MAX + 64];
        size_t n;

        /* 63-byte key name ok, 64 too long */
        memset(buf, 'K', 63);
        memcpy(buf + 63, "=1", 3);
        assert_int_equal(iscsi_keys_parse(buf, 66, &k), 0);
        iscsi_keys_clear(&k);
        memset(buf, 'K', 64);
        memcpy(buf + 64, "=1", 3);
        assert_int_equal(iscsi_keys_parse(buf, 67, &k), -EMSGSIZE);

        /* 255-byte value ok, 256 too long */
        memcpy(buf, "A=", 2);
        memset(buf + 2, 'v', 255);
        buf[257] = '\0';
        assert_int_equal(iscsi_keys_parse(buf, 258, &k), 0);
        iscsi_keys_clear(&k);
        memset(buf + 2, 'v', 256);
        buf[258] = '\0';
        assert_int_equal(iscsi_keys_parse(buf, 259, &k), -EMSGSIZE);

        /* CHAP_C may be long (hex of 8192 bytes), one more is too long */
        n = 0;
        memcpy(buf, "CHAP_C=0x", 9);
        n = 9;
        memset(buf + n, 'a', 2 * ISCSI_LONG_BINARY_MAX);
        n += 2 * ISCSI_LONG_BINARY_MAX;
        buf[n++] = '\0';
        assert_int_equal(iscsi_keys_parse(buf, n, &k), 0);
        assert_int_equal(strlen(iscsi_keys_get(&k, "CHAP_C")), ISCSI_LONG_VALUE_MAX);
        iscsi_keys_clear(&k);
        buf[n - 1] = 'a';
        buf[n++] = '\0';
        assert_int_equal(iscsi_keys_parse(buf, n, &k), -EMSGSIZE);
}

static void test_parse_total_limit(void **state) {
        _cleanup_keys_ struct iscsi_keys k = {};
        _cleanup_free_ char *big = malloc(ISCSI_TEXT_MAX + 1);

        assert_non_null(big);
        memset(big, 0, ISCSI_TEXT_MAX + 1);
        assert_int_equal(iscsi_keys_parse(big, ISCSI_TEXT_MAX + 1, &k), -EMSGSIZE);
}

static void test_build_roundtrip(void **state) {
        _cleanup_keys_ struct iscsi_keys k = {}, back = {};
        _cleanup_free_ uint8_t *buf = NULL;
        size_t len;

        assert_int_equal(iscsi_keys_add(&k, "HeaderDigest", "CRC32C,None"), 0);
        assert_int_equal(iscsi_keys_addf(&k, "MaxBurstLength", "%u", 262144u), 0);
        assert_int_equal(iscsi_keys_add(&k, "HeaderDigest", "None"), -EEXIST);
        assert_int_equal(iscsi_keys_add(&k, "Bad=Key", "x"), -EINVAL);
        assert_int_equal(iscsi_keys_build(&k, &buf, &len), 0);
        assert_int_equal(len, iscsi_keys_build_size(&k));
        assert_int_equal(len, sizeof("HeaderDigest=CRC32C,None\0MaxBurstLength=262144\0") - 1);
        assert_memory_equal(buf, "HeaderDigest=CRC32C,None\0MaxBurstLength=262144\0", len);
        assert_int_equal(iscsi_keys_parse(buf, len, &back), 0);
        assert_int_equal(back.n, 2);
        assert_string_equal(iscsi_keys_get(&back, "MaxBurstLength"), "262144");
}

static void test_set_remove_extend(void **state) {
        _cleanup_keys_ struct iscsi_keys a = {}, b = {};
        char big[300];

        assert_int_equal(iscsi_keys_set(&a, "A", "1"), 0);
        assert_int_equal(iscsi_keys_set(&a, "A", "2"), 0);
        assert_int_equal(a.n, 1);
        assert_string_equal(iscsi_keys_get(&a, "A"), "2");
        assert_int_equal(iscsi_keys_add(&a, "B", "3"), 0);
        assert_int_equal(iscsi_keys_remove(&a, "A"), 1);
        assert_int_equal(iscsi_keys_remove(&a, "A"), 0);
        assert_string_equal(a.items[0].key, "B");
        assert_int_equal(iscsi_keys_add(&b, "C", "4"), 0);
        assert_int_equal(iscsi_keys_extend(&b, &a), 0);
        assert_int_equal(b.n, 2);
        assert_int_equal(iscsi_keys_extend(&b, &a), -EEXIST);
        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        assert_int_equal(iscsi_keys_add(&b, "D", big), -EMSGSIZE);
}

/* Many keys: lookups, duplicates and removal stay right once the hash index is in use. */
static void test_many_keys(void **state) {
        _cleanup_keys_ struct iscsi_keys k = {}, parsed = {};
        _cleanup_free_ uint8_t *buf = NULL;
        char name[16], value[16];
        size_t len;

        for (int i = 0; i < 1000; i++) {
                snprintf(name, sizeof(name), "X-k%04d", i);
                snprintf(value, sizeof(value), "%d", i);
                assert_int_equal(iscsi_keys_add(&k, name, value), 0);
        }
        for (int i = 0; i < 1000; i += 37) {
                snprintf(name, sizeof(name), "X-k%04d", i);
                snprintf(value, sizeof(value), "%d", i);
                assert_string_equal(iscsi_keys_get(&k, name), value);
                assert_int_equal(iscsi_keys_add(&k, name, "again"), -EEXIST);
        }
        assert_null(iscsi_keys_get(&k, "X-k1000"));
        /* remove every other key, the rest must still be found */
        for (int i = 0; i < 1000; i += 2) {
                snprintf(name, sizeof(name), "X-k%04d", i);
                assert_int_equal(iscsi_keys_remove(&k, name), 1);
        }
        assert_int_equal(k.n, 500);
        assert_null(iscsi_keys_get(&k, "X-k0000"));
        assert_string_equal(iscsi_keys_get(&k, "X-k0999"), "999");
        assert_int_equal(iscsi_keys_set(&k, "X-k0999", "changed"), 0);
        assert_string_equal(iscsi_keys_get(&k, "X-k0999"), "changed");
        assert_int_equal(iscsi_keys_add(&k, "X-k0000", "back"), 0);
        assert_string_equal(iscsi_keys_get(&k, "X-k0000"), "back");

        /* the parser finds a duplicate far apart */
        assert_int_equal(iscsi_keys_build(&k, &buf, &len), 0);
        assert_int_equal(iscsi_keys_parse(buf, len, &parsed), 0);
        assert_int_equal(parsed.n, 501);
        memcpy(buf + len - sizeof("X-k0000=back"), "X-k0001=back", 12);
        iscsi_keys_clear(&parsed);
        assert_int_equal(iscsi_keys_parse(buf, len, &parsed), -EEXIST);
}

static void test_accum(void **state) {
        struct iscsi_text_accum a = {};
        _cleanup_keys_ struct iscsi_keys k = {};

        assert_int_equal(iscsi_text_accum_feed(&a, TXT("Initiator"), true), 0);
        assert_int_equal(iscsi_text_accum_feed(&a, TXT("Name=iqn.x\0Sess"), true), 0);
        assert_int_equal(iscsi_text_accum_feed(&a, TXT("ionType=Discovery\0"), false), 1);
        assert_int_equal(iscsi_keys_parse(a.data, a.len, &k), 0);
        assert_string_equal(iscsi_keys_get(&k, "InitiatorName"), "iqn.x");
        assert_string_equal(iscsi_keys_get(&k, "SessionType"), "Discovery");
        /* next feed starts a new text */
        assert_int_equal(iscsi_text_accum_feed(&a, TXT("A=1\0"), false), 1);
        assert_int_equal(a.len, 4);
        iscsi_text_accum_clear(&a);
}

static void test_accum_bound(void **state) {
        struct iscsi_text_accum a = {};
        static uint8_t chunk[8192];
        unsigned i;

        for (i = 0; i < ISCSI_TEXT_MAX / sizeof(chunk); i++)
                assert_int_equal(iscsi_text_accum_feed(&a, chunk, sizeof(chunk), true), 0);
        /* one byte more than 64 KiB */
        assert_int_equal(iscsi_text_accum_feed(&a, chunk, 1, true), -EMSGSIZE);
        iscsi_text_accum_clear(&a);
}

static void test_text_out(void **state) {
        struct iscsi_text_out o = {};
        const uint8_t *d;
        size_t len;
        bool more;
        uint8_t *buf = malloc(20000);

        assert_non_null(buf);
        memset(buf, 'x', 20000);
        iscsi_text_out_set(&o, buf, 20000);
        assert_int_equal(iscsi_text_out_next(&o, 8192, &d, &len, &more), 0);
        assert_int_equal(len, 8192);
        assert_true(more);
        assert_int_equal(iscsi_text_out_next(&o, 8192, &d, &len, &more), 0);
        assert_int_equal(len, 8192);
        assert_true(more);
        assert_int_equal(iscsi_text_out_next(&o, 8192, &d, &len, &more), 0);
        assert_int_equal(len, 20000 - 2 * 8192);
        assert_false(more);
        assert_int_equal(iscsi_text_out_next(&o, 8192, &d, &len, &more), -ENODATA);
        /* an empty text still yields one empty segment */
        iscsi_text_out_set(&o, NULL, 0);
        assert_true(iscsi_text_out_pending(&o));
        assert_int_equal(iscsi_text_out_next(&o, 8192, &d, &len, &more), 0);
        assert_int_equal(len, 0);
        assert_false(more);
        assert_false(iscsi_text_out_pending(&o));
        iscsi_text_out_clear(&o);
}

static void test_numbers(void **state) {
        uint64_t v = 7;

        assert_int_equal(iscsi_value_parse_number("0", 10, &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(iscsi_value_parse_number("262144", UINT32_MAX, &v), 0);
        assert_int_equal(v, 262144);
        assert_int_equal(iscsi_value_parse_number("0x40000", UINT32_MAX, &v), 0);
        assert_int_equal(v, 0x40000);
        assert_int_equal(iscsi_value_parse_number("0XfF", UINT32_MAX, &v), 0);
        assert_int_equal(v, 255);
        assert_int_equal(iscsi_value_parse_number("0x0000000000000000001", UINT64_MAX, &v), 0);
        assert_int_equal(v, 1);
        assert_int_equal(iscsi_value_parse_number("18446744073709551615", UINT64_MAX, &v), 0);
        assert_true(v == UINT64_MAX);
        v = 7;
        assert_int_equal(iscsi_value_parse_number("18446744073709551616", UINT64_MAX, &v), -ERANGE);
        assert_int_equal(iscsi_value_parse_number("0x10000000000000000", UINT64_MAX, &v), -ERANGE);
        assert_int_equal(iscsi_value_parse_number("11", 10, &v), -ERANGE);
        assert_int_equal(iscsi_value_parse_number("", 10, &v), -EINVAL);
        assert_int_equal(iscsi_value_parse_number("0x", 10, &v), -EINVAL);
        assert_int_equal(iscsi_value_parse_number("-1", 10, &v), -EINVAL);
        assert_int_equal(iscsi_value_parse_number("+1", 10, &v), -EINVAL);
        assert_int_equal(iscsi_value_parse_number(" 1", 10, &v), -EINVAL);
        assert_int_equal(iscsi_value_parse_number("1a", 100, &v), -EINVAL);
        assert_int_equal(iscsi_value_parse_number("0xg", 100, &v), -EINVAL);
        assert_int_equal(v, 7); /* untouched */
}

static void test_bool_special_list(void **state) {
        const char *st = NULL;
        char item[16];
        bool b = false;

        assert_int_equal(iscsi_value_parse_bool("Yes", &b), 0);
        assert_true(b);
        assert_int_equal(iscsi_value_parse_bool("No", &b), 0);
        assert_false(b);
        assert_int_equal(iscsi_value_parse_bool("yes", &b), -EINVAL);
        assert_int_equal(iscsi_value_parse_bool("", &b), -EINVAL);
        assert_true(iscsi_value_is_special("NotUnderstood"));
        assert_true(iscsi_value_is_special("Irrelevant"));
        assert_true(iscsi_value_is_special("Reject"));
        assert_false(iscsi_value_is_special("None"));

        assert_int_equal(iscsi_value_list_next("CRC32C,None", &st, item, sizeof(item)), 1);
        assert_string_equal(item, "CRC32C");
        assert_int_equal(iscsi_value_list_next("CRC32C,None", &st, item, sizeof(item)), 1);
        assert_string_equal(item, "None");
        assert_int_equal(iscsi_value_list_next("CRC32C,None", &st, item, sizeof(item)), 0);
        st = NULL;
        assert_int_equal(iscsi_value_list_next("a,,b", &st, item, sizeof(item)), 1);
        assert_int_equal(iscsi_value_list_next("a,,b", &st, item, sizeof(item)), -EINVAL);
        st = NULL;
        assert_int_equal(iscsi_value_list_next("a,", &st, item, sizeof(item)), -EINVAL);
        st = NULL;
        assert_int_equal(iscsi_value_list_next("", &st, item, sizeof(item)), -EINVAL);
        assert_true(iscsi_value_list_contains("CHAP,None", "None"));
        assert_false(iscsi_value_list_contains("CHAP,None", "Non"));
        assert_false(iscsi_value_list_contains("CHAP,None", "KRB5"));
}

static void test_key_names(void **state) {
        assert_true(iscsi_key_name_valid("X-com.example.Key_1+@"));
        assert_false(iscsi_key_name_valid(""));
        assert_false(iscsi_key_name_valid("A B"));
        assert_false(iscsi_key_name_valid("A=B"));
        assert_true(iscsi_key_is_private("X-foo"));
        assert_true(iscsi_key_is_private("X#bar"));
        assert_false(iscsi_key_is_private("XFoo"));
        assert_int_equal(iscsi_key_value_max("CHAP_R"), ISCSI_LONG_VALUE_MAX);
        assert_int_equal(iscsi_key_value_max("TargetName"), ISCSI_VALUE_MAX);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_basic),
                cmocka_unit_test(test_parse_padding_and_missing_final_nul),
                cmocka_unit_test(test_parse_empty),
                cmocka_unit_test(test_parse_malformed),
                cmocka_unit_test(test_parse_limits),
                cmocka_unit_test(test_parse_total_limit),
                cmocka_unit_test(test_build_roundtrip),
                cmocka_unit_test(test_set_remove_extend),
                cmocka_unit_test(test_many_keys),
                cmocka_unit_test(test_accum),
                cmocka_unit_test(test_accum_bound),
                cmocka_unit_test(test_text_out),
                cmocka_unit_test(test_numbers),
                cmocka_unit_test(test_bool_special_list),
                cmocka_unit_test(test_key_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
