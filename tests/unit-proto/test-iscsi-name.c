/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* iSCSI name validation table and the initiator-name generator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi-proto/iscsi-name.h"

static void test_table(void **state) {
        static const struct {
                const char *name;
                int expect;
        } cases[] = {
                /* RFC 3720 §3.2.6.3.1 / RFC 7143 examples */
                { "iqn.2001-04.com.example", ISCSI_NAME_IQN },
                { "iqn.2001-04.com.example:storage:diskarrays-sn-a8675309", ISCSI_NAME_IQN },
                { "iqn.2001-04.com.example:storage.tape1.sys1.xyz", ISCSI_NAME_IQN },
                { "iqn.2001-04.com.example:storage.disk2.sys1.xyz", ISCSI_NAME_IQN },
                { "iqn.2003-01.org.linux-iscsi.host.x8664:sn.abcdef", ISCSI_NAME_IQN },
                { "iqn.1994-05.com.redhat:5e1c8a7c0e", ISCSI_NAME_IQN },
                { "iqn.2016-04.com.open-iscsi:0123456789ab", ISCSI_NAME_IQN },
                { "iqn.2001-04.com.example:", ISCSI_NAME_IQN }, /* empty suffix after ':' is legal */
                { "eui.02004567A425678D", ISCSI_NAME_EUI },
                { "eui.0123456789abcdef", ISCSI_NAME_EUI },
                { "naa.52004567BA64678D", ISCSI_NAME_NAA },
                { "naa.62004567BA64678D0123456789ABCDEF", ISCSI_NAME_NAA },
                /* structure errors */
                { "", -EINVAL },
                { "iqn.", -EINVAL },
                { "iqn.2001-04", -EINVAL },
                { "iqn.2001-04.", -EINVAL },
                { "iqn.2001-4.com.example", -EINVAL },
                { "iqn.01-04.com.example", -EINVAL },
                { "iqn.2001-13.com.example", -EINVAL },
                { "iqn.2001-00.com.example", -EINVAL },
                { "iqn.2001-04:com.example", -EINVAL },
                { "iqn.2001-04..com", -EINVAL },
                { "iqn.2001-04.com..example", -EINVAL },
                { "iqn.2001-04.com.example.:x", -EINVAL },
                { "iqn.2001-04.:x", -EINVAL },
                { "iqm.2001-04.com.example", -EINVAL },
                { "foo", -EINVAL },
                { "eui.0123456789abcde", -EINVAL },
                { "eui.0123456789abcdef0", -EINVAL },
                { "eui.0123456789abcdeg", -EINVAL },
                { "naa.0123456789abcdef01", -EINVAL },
                { "naa.", -EINVAL },
                /* characters stringprep would not leave */
                { "IQN.2001-04.com.example", -EILSEQ },
                { "iqn.2001-04.com.Example", -EILSEQ },
                { "iqn.2001-04.com.example:a b", -EILSEQ },
                { "iqn.2001-04.com.example:a_b", -EILSEQ },
                { "iqn.2001-04.com.example:a/b", -EILSEQ },
                { "iqn.2001-04.com.example:\xc3\xa9", -EILSEQ },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                int r = iscsi_name_validate(cases[i].name);
                if (r != cases[i].expect)
                        fail_msg("'%s': got %d, want %d", cases[i].name, r, cases[i].expect);
                assert_int_equal(iscsi_name_is_valid(cases[i].name), cases[i].expect > 0);
        }
        assert_int_equal(iscsi_name_validate(NULL), -EINVAL);
}

static void test_length_limit(void **state) {
        char name[ISCSI_NAME_MAX + 2];
        size_t prefix = strlen("iqn.2001-04.com.example:");

        memcpy(name, "iqn.2001-04.com.example:", prefix);
        memset(name + prefix, 'x', sizeof(name) - prefix);
        name[ISCSI_NAME_MAX] = 0; /* exactly 223 */
        assert_int_equal(iscsi_name_validate(name), ISCSI_NAME_IQN);
        name[ISCSI_NAME_MAX] = 'x';
        name[ISCSI_NAME_MAX + 1] = 0; /* 224 */
        assert_int_equal(iscsi_name_validate(name), -ENAMETOOLONG);
}

static void test_iqn_prefix(void **state) {
        char *p = NULL;

        assert_int_equal(iscsi_name_iqn_prefix(2026, 11, "Example.COM", &p), 0);
        assert_string_equal(p, "iqn.2026-11.com.example");
        free(p);
        assert_int_equal(iscsi_name_iqn_prefix(2001, 4, "storage.lab.example.org", &p), 0);
        assert_string_equal(p, "iqn.2001-04.org.example.lab.storage");
        free(p);
        assert_int_equal(iscsi_name_iqn_prefix(2001, 4, "localhost", &p), 0);
        assert_string_equal(p, "iqn.2001-04.localhost");
        free(p);
        p = NULL;
        assert_int_equal(iscsi_name_iqn_prefix(2001, 13, "example.com", &p), -EINVAL);
        assert_int_equal(iscsi_name_iqn_prefix(99, 1, "example.com", &p), -EINVAL);
        assert_int_equal(iscsi_name_iqn_prefix(2001, 1, "", &p), -EINVAL);
        assert_int_equal(iscsi_name_iqn_prefix(2001, 1, "a..b", &p), -EINVAL);
        assert_int_equal(iscsi_name_iqn_prefix(2001, 1, ".a", &p), -EINVAL);
        assert_int_equal(iscsi_name_iqn_prefix(2001, 1, "a_b.com", &p), -EINVAL);
        assert_null(p);
}

static void test_generate(void **state) {
        char *a = NULL, *b = NULL;
        const char *prefix = "iqn.2016-04.com.open-iscsi:";

        assert_int_equal(iscsi_name_generate(NULL, &a), 0);
        assert_int_equal(iscsi_name_generate(NULL, &b), 0);
        assert_int_equal(strncmp(a, prefix, strlen(prefix)), 0);
        assert_int_equal(strlen(a), strlen(prefix) + 12);
        assert_int_equal(strspn(a + strlen(prefix), "0123456789abcdef"), 12);
        assert_int_equal(iscsi_name_validate(a), ISCSI_NAME_IQN);
        /* 48 random bits: two names colliding means the randomness is broken. */
        assert_string_not_equal(a, b);
        free(a);
        free(b);

        assert_int_equal(iscsi_name_generate("iqn.2026-11.org.example", &a), 0);
        assert_int_equal(strncmp(a, "iqn.2026-11.org.example:", 24), 0);
        free(a);
        a = NULL;
        assert_int_equal(iscsi_name_generate("not-a-name", &a), -EINVAL);
        assert_int_equal(iscsi_name_generate("eui.0123456789abcdef", &a), -EINVAL);
        assert_null(a);
        {
                char longp[220];
                memcpy(longp, "iqn.2001-04.com.example:", 24);
                memset(longp + 24, 'x', sizeof(longp) - 25);
                longp[sizeof(longp) - 1] = 0;
                assert_int_equal(iscsi_name_generate(longp, &a), -ENAMETOOLONG);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_table),
                cmocka_unit_test(test_length_limit),
                cmocka_unit_test(test_iqn_prefix),
                cmocka_unit_test(test_generate),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
