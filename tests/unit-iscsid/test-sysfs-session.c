/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sysfs-session.c and logout-guard.c against a fake sysfs tree. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fake-sysfs.h"
#include "logout-guard.h"
#include "iscsi-node/sysfs-session.h"

static int setup(void **state) {
        fake_sysfs_setup();
        fake_sysfs_add_session(1, 2, "iqn.2026-11.org.example:disk1", "127.0.0.1", 3260, "sda", 0);
        fake_sysfs_add_session(3, 4, "iqn.2026-11.org.example:disk2", "10.0.2.2", 3261, NULL, 0);
        return 0;
}

static int teardown(void **state) {
        fake_sysfs_teardown();
        unsetenv("ISCSID_MOUNTINFO");
        return 0;
}

static void test_list(void **state) {
        struct sysfs_session **list;
        size_t n;
        assert_int_equal(node_sysfs_session_list(&list, &n), 0);
        assert_int_equal(n, 2);
        assert_int_equal(list[0]->sid, 1);
        assert_int_equal(list[0]->host_no, 2);
        assert_string_equal(list[0]->target_name, "iqn.2026-11.org.example:disk1");
        assert_string_equal(list[0]->persistent_address, "127.0.0.1");
        assert_int_equal(list[0]->persistent_port, 3260);
        assert_int_equal(list[0]->tpgt, 1);
        assert_string_equal(list[0]->iface_name, "default");
        assert_string_equal(list[0]->transport, "tcp");
        assert_string_equal(list[0]->state, "LOGGED_IN");
        assert_int_equal(list[0]->n_luns, 1);
        assert_string_equal(list[0]->luns[0].disk, "sda");
        assert_string_equal(list[0]->luns[0].state, "running");
        assert_int_equal(list[1]->sid, 3);
        assert_int_equal(list[1]->host_no, 4);
        assert_int_equal(list[1]->persistent_port, 3261);
        assert_int_equal(list[1]->n_luns, 0);
        node_sysfs_session_list_free(list, n);
}

static void test_find_and_attr(void **state) {
        int sid = -1;
        assert_int_equal(node_sysfs_session_find("iqn.2026-11.org.example:disk2", "10.0.2.2", 3261, NULL, &sid), 0);
        assert_int_equal(sid, 3);
        assert_int_equal(node_sysfs_session_find("iqn.2026-11.org.example:disk2", "10.0.2.2", 3260, NULL, &sid), -ENOENT);
        assert_int_equal(node_sysfs_session_find("iqn.2026-11.org.example:disk1", "127.0.0.1", 3260, "other", &sid), -ENOENT);

        struct sysfs_session *s;
        assert_int_equal(node_sysfs_session_read(1, &s), 0);
        char *v = NULL;
        assert_int_equal(node_sysfs_session_attr(s, "host", "ipaddress", &v), 0);
        assert_string_equal(v, "127.0.0.1");
        free(v);
        /* "(null)" is how the kernel shows an unset string */
        assert_int_equal(node_sysfs_session_attr(s, "session", "username", &v), -ENODATA);
        assert_int_equal(node_sysfs_session_attr(s, "session", "nope", &v), -ENOENT);
        assert_int_equal(node_sysfs_session_attr(s, "session", "../x", &v), -EINVAL);
        node_sysfs_session_free(s);
        assert_int_equal(node_sysfs_session_read(9, &s), -ENOENT);
}

static void write_mountinfo(const char *line) {
        static char path[256];
        snprintf(path, sizeof path, "%s/mountinfo", getenv("ISCSI_SYSFS_ROOT"));
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        fputs("22 1 0:21 / / rw,relatime - ext4 /dev/vda1 rw\n", f);
        if (line)
                fputs(line, f);
        fclose(f);
        setenv("ISCSID_MOUNTINFO", path, 1);
}

static void test_guard_disk_unmounted(void **state) {
        char msg[256] = "";
        write_mountinfo(NULL);
        assert_int_equal(logout_guard_check(2, msg, sizeof msg), 0);
}

static void test_guard_partition_mounted(void **state) {
        char msg[256] = "";
        fake_sysfs_add_partition("sda", "sda1", 1);
        write_mountinfo("40 22 8:1 / /mnt/data rw,relatime - xfs /dev/sda1 rw\n");
        assert_int_equal(logout_guard_check(2, msg, sizeof msg), 1);
        assert_string_equal(msg, "/dev/sda1 is mounted on /mnt/data");
        /* another host's sessions are not affected */
        assert_int_equal(logout_guard_check(4, msg, sizeof msg), 0);
}

static void test_guard_holder_mounted(void **state) {
        char msg[256] = "";
        fake_sysfs_add_holder("sda", "dm-0", 254, 0);
        write_mountinfo("41 22 254:0 / /srv rw,relatime - ext4 /dev/mapper/vg-lv rw\n");
        assert_int_equal(logout_guard_check(2, msg, sizeof msg), 1);
        assert_string_equal(msg, "/dev/dm-0 is mounted on /srv");
}

static void test_guard_whole_disk(void **state) {
        char msg[256] = "";
        write_mountinfo("42 22 8:0 / /media rw - xfs /dev/sda rw\n");
        assert_int_equal(logout_guard_check(2, msg, sizeof msg), 1);
        assert_string_equal(msg, "/dev/sda is mounted on /media");
}

/* A host without its sysfs "device" link: the guard falls back to class/scsi_device and still
 * finds the mounted disk. */
static void test_guard_without_host_link(void **state) {
        char msg[256] = "", link[512];
        snprintf(link, sizeof link, "%s/class/scsi_host/host2/device", getenv("ISCSI_SYSFS_ROOT"));
        assert_int_equal(unlink(link), 0);
        write_mountinfo("42 22 8:0 / /media rw - xfs /dev/sda rw\n");
        assert_int_equal(logout_guard_check(2, msg, sizeof msg), 1);
        assert_string_equal(msg, "/dev/sda is mounted on /media");
}

/* The host's own subtree is what is walked: found without class/scsi_device. */
static void test_guard_host_subtree(void **state) {
        char msg[256] = "", link[512];
        snprintf(link, sizeof link, "%s/class/scsi_device/2:0:0:0/device", getenv("ISCSI_SYSFS_ROOT"));
        assert_int_equal(unlink(link), 0);
        write_mountinfo("42 22 8:0 / /media rw - xfs /dev/sda rw\n");
        assert_int_equal(logout_guard_check(2, msg, sizeof msg), 1);
        assert_string_equal(msg, "/dev/sda is mounted on /media");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_list, setup, teardown),
                cmocka_unit_test_setup_teardown(test_find_and_attr, setup, teardown),
                cmocka_unit_test_setup_teardown(test_guard_disk_unmounted, setup, teardown),
                cmocka_unit_test_setup_teardown(test_guard_partition_mounted, setup, teardown),
                cmocka_unit_test_setup_teardown(test_guard_holder_mounted, setup, teardown),
                cmocka_unit_test_setup_teardown(test_guard_whole_disk, setup, teardown),
                cmocka_unit_test_setup_teardown(test_guard_without_host_link, setup, teardown),
                cmocka_unit_test_setup_teardown(test_guard_host_subtree, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
