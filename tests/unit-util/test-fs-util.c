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

static void touch(const char *dir, const char *name) {
        char path[PATH_MAX + 64];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        fclose(f);
}

static bool exists(const char *dir, const char *name) {
        char path[PATH_MAX + 64];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        return access(path, F_OK) == 0;
}

/* What a writer killed between mkostemp() and rename() leaves, and what the sweep takes. */
static void test_stale_temps_removed(void **state) {
        char dir[PATH_MAX], sub[PATH_MAX + 16], tmp[PATH_MAX + 16];
        _cleanup_free_ char *staged = NULL;

        assert_true(util_is_temp_name(".#default.a1B2c3", "default"));
        assert_true(util_is_temp_name(".#default.a1B2c3", NULL));
        assert_false(util_is_temp_name(".#default.a1B2c3", "defaul"));
        assert_false(util_is_temp_name(".#default.a1B2c", NULL));
        assert_false(util_is_temp_name(".#default-a1B2c3", NULL));
        assert_false(util_is_temp_name("default.a1B2c3", NULL));
        assert_false(util_is_temp_name(".#.a1B2c3", NULL));
        assert_false(util_is_temp_name(".#x.a1B2-3", NULL));

        snprintf(dir, sizeof(dir), "%s/sweep", tmpdir);
        assert_int_equal(util_mkdir_parents(dir, 0700, false), 0);
        snprintf(tmp, sizeof(tmp), "%s/rec", dir);
        assert_int_equal(util_write_file_atomic(tmp, "old\n", 4, 0600), 0);
        assert_int_equal(util_atomic_file_stage(tmp, "new\n", 4, 0600, false, &staged), 0);
        touch(dir, ".#other.XyZ123");
        touch(dir, ".hidden");
        touch(dir, "rec.XyZ123");
        snprintf(sub, sizeof(sub), "%s/.#dir.XyZ123", dir);
        assert_int_equal(mkdir(sub, 0700), 0);
        snprintf(tmp, sizeof(tmp), "%s/.#link.AbC456", dir);
        assert_int_equal(symlink("/nonexistent", tmp), 0);

        /* only the temps of "rec" */
        assert_int_equal(util_remove_stale_temps(dir, "rec"), 1);
        assert_int_equal(access(staged, F_OK), -1);
        assert_true(exists(dir, ".#other.XyZ123"));
        /* all temps; records, other dot files, look-alikes and directories stay */
        assert_int_equal(util_remove_stale_temps(dir, NULL), 2);
        assert_false(exists(dir, ".#other.XyZ123"));
        assert_false(exists(dir, ".#link.AbC456"));
        assert_true(exists(dir, "rec") && exists(dir, ".hidden") && exists(dir, "rec.XyZ123"));
        assert_true(exists(dir, ".#dir.XyZ123"));
        assert_int_equal(count_entries(dir), 4);
        assert_int_equal(util_remove_stale_temps(dir, NULL), 0);
        snprintf(tmp, sizeof(tmp), "%s/missing", tmpdir);
        assert_int_equal(util_remove_stale_temps(tmp, NULL), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_replace_keeps_mode_and_leaves_no_temp),
                cmocka_unit_test(test_failure_keeps_old_content),
                cmocka_unit_test(test_stage_then_rename),
                cmocka_unit_test(test_symlink_replaced_atomically),
                cmocka_unit_test(test_stale_temps_removed),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
