/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iscsi-util/fs-util.h"
#include "iscsi-util/macro.h"

static char tmpdir[] = "/tmp/test-fs-util.XXXXXX";

static int setup(void **state) {
        return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state) {
        char cmd[PATH_MAX + 16];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        return system(cmd) == 0 ? 0 : -1;
}

static void read_file(const char *path, char *buf, size_t size) {
        FILE *f = fopen(path, "re");
        assert_non_null(f);
        size_t n = fread(buf, 1, size - 1, f);
        buf[n] = 0;
        fclose(f);
}

static size_t count_entries(const char *dir) {
        DIR *d = opendir(dir);
        struct dirent *de;
        size_t n = 0;

        assert_non_null(d);
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                        n++;
        closedir(d);
        return n;
}

static void test_replace_keeps_mode_and_leaves_no_temp(void **state) {
        char dir[PATH_MAX], path[PATH_MAX + 8], buf[64];
        struct stat st;

        snprintf(dir, sizeof(dir), "%s/a/b/c", tmpdir);
        assert_int_equal(util_mkdir_parents(dir, 0700, true), 0);
        assert_int_equal(util_mkdir_parents(dir, 0700, true), 0);
        snprintf(path, sizeof(path), "%s/rec", dir);
        assert_int_equal(util_write_file_atomic(path, "old\n", 4, 0600), 0);
        assert_int_equal(util_write_file_atomic(path, "new\n", 4, 0644), 0);
        read_file(path, buf, sizeof(buf));
        assert_string_equal(buf, "new\n");
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0644);
        assert_int_equal(count_entries(dir), 1);
}

static void test_failure_keeps_old_content(void **state) {
        char path[PATH_MAX], missing[PATH_MAX], buf[64];

        snprintf(path, sizeof(path), "%s/keep", tmpdir);
        assert_int_equal(util_write_file_atomic(path, "old\n", 4, 0600), 0);
        /* rename() of a file over a directory fails: the old content must survive, no temp left */
        snprintf(path, sizeof(path), "%s/isdir", tmpdir);
        assert_int_equal(mkdir(path, 0700), 0);
        assert_int_equal(util_write_file_atomic(path, "x", 1, 0600), -EISDIR);
        snprintf(missing, sizeof(missing), "%s/no/such/dir/f", tmpdir);
        assert_int_equal(util_write_file_atomic(missing, "x", 1, 0600), -ENOENT);
        snprintf(path, sizeof(path), "%s/keep", tmpdir);
        read_file(path, buf, sizeof(buf));
        assert_string_equal(buf, "old\n");
}

static void test_stage_then_rename(void **state) {
        _cleanup_free_ char *tmp = NULL;
        char path[PATH_MAX], buf[64];

        snprintf(path, sizeof(path), "%s/staged", tmpdir);
        assert_int_equal(util_atomic_file_stage(path, "s\n", 2, 0600, false, &tmp), 0);
        assert_non_null(strstr(tmp, "/.#staged."));
        assert_int_equal(access(path, F_OK), -1);
        assert_int_equal(rename(tmp, path), 0);
        read_file(path, buf, sizeof(buf));
        assert_string_equal(buf, "s\n");
        assert_int_equal(util_fsync_parent(path), 0);
}

static void test_symlink_replaced_atomically(void **state) {
        char path[PATH_MAX], buf[PATH_MAX];
        ssize_t n;

        snprintf(path, sizeof(path), "%s/link", tmpdir);
        assert_int_equal(util_symlink_atomic("/first", path, true), 0);
        assert_int_equal(util_symlink_atomic("/second", path, false), 0);
        n = readlink(path, buf, sizeof(buf) - 1);
        assert_true(n > 0);
        buf[n] = 0;
        assert_string_equal(buf, "/second");
        snprintf(path, sizeof(path), "%s/no/such/link", tmpdir);
        assert_int_equal(util_symlink_atomic("/x", path, true), -ENOENT);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_replace_keeps_mode_and_leaves_no_temp),
                cmocka_unit_test(test_failure_keeps_old_content),
                cmocka_unit_test(test_stage_then_rename),
                cmocka_unit_test(test_symlink_replaced_atomically),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
