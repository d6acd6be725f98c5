/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Replays a fuzz harness's corpus (fuzz/corpus/<name>/) as a plain unit test, so every
 * regular and sanitizer build re-checks the harness invariants on known inputs without
 * needing clang/libFuzzer. A crash or invariant abort fails the test binary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *corpus_dir;

static void test_replay_corpus(void **state) {
        DIR *d = opendir(corpus_dir);
        struct dirent *de;
        unsigned n = 0;

        if (!d)
                fail_msg("cannot open corpus directory %s", corpus_dir);
        while ((de = readdir(d))) {
                char path[4096];
                uint8_t *buf;
                long size;
                FILE *f;

                if (de->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof(path), "%s/%s", corpus_dir, de->d_name);
                f = fopen(path, "rb");
                assert_non_null(f);
                assert_int_equal(fseek(f, 0, SEEK_END), 0);
                size = ftell(f);
                assert_true(size >= 0);
                rewind(f);
                /* Exactly-sized heap copy, so ASan sees any read past the input. */
                buf = malloc(size > 0 ? (size_t) size : 1);
                assert_non_null(buf);
                assert_int_equal(fread(buf, 1, (size_t) size, f), (size_t) size);
                fclose(f);
                LLVMFuzzerTestOneInput(buf, (size_t) size);
                free(buf);
                n++;
        }
        closedir(d);
        assert_true(n > 0);
}

int main(int argc, char **argv) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_replay_corpus),
        };

        if (argc != 2) {
                fprintf(stderr, "usage: %s CORPUS-DIR\n", argv[0]);
                return 2;
        }
        corpus_dir = argv[1];
        return cmocka_run_group_tests(tests, NULL, NULL);
}
