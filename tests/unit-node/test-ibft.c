/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* iBFT reader: the recorded tree of a real kernel (tests/unit-node/ibft/) against open-iscsi's
 * output, and built trees for the rules open-iscsi applies (flags, nic-assoc, netdev lookup,
 * offload folders, defaults). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iscsi-node/ibft.h"
#include "iscsi-node/record.h"
#include "iscsi-util/fs-util.h"

static const char *trees; /* argv[1]: the recorded trees (tests/unit-node/ibft) */

static char *read_text(const char *path) {
        FILE *f = fopen(path, "re");
        assert_non_null(f);
        char *buf = calloc(1, 65536);
        size_t n = fread(buf, 1, 65535, f);
        fclose(f);
        buf[n] = 0;
        return buf;
}

static void test_recorded_qemu_tree(void **state) {
        char root[4096], expected[4096];
        const char *dir = trees;
        assert_non_null(dir);
        snprintf(root, sizeof root, "%s/qemu-chap", dir);
        snprintf(expected, sizeof expected, "%s/qemu-chap.expected", dir);
        NodeIbftTarget **t = NULL;
        size_t n = 0;
        assert_int_equal(node_ibft_read(root, &t, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(t[0]->netdev, "eth0"); /* by MAC: the virtio netdev is one level down */
        assert_string_equal(t[0]->subnet_mask, "255.255.255.0"); /* no trailing newline in sysfs */
        char *text = NULL, *want = read_text(expected);
        assert_int_equal(node_ibft_format(t[0], &text), 0);
        assert_string_equal(text, want);
        free(text);
        free(want);
        node_ibft_list_free(t, n);
}

/* ---- built trees ---- */

static char tree[256];

static void put(const char *rel, const char *value) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", tree, rel);
        char *slash = strrchr(path, '/');
        *slash = 0;
        assert_int_equal(util_mkdir_parents(path, 0755, false), 0);
        mkdir(path, 0755); /* the last component, if util_mkdir_parents leaves it */
        *slash = '/';
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        fputs(value, f);
        fclose(f);
}

static void link_to(const char *rel, const char *target) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", tree, rel);
        assert_int_equal(symlink(target, path), 0);
}

/* A table with one NIC (index 0, mac ..:01, no device link) and target N. */
static void basic_table(const char *folder) {
        char p[128];
#define PUT(rel, v) (snprintf(p, sizeof p, "firmware/%s/%s", folder, rel), put(p, v))
        PUT("initiator/initiator-name", "iqn.2026-12.test:ini\n");
        PUT("ethernet0/flags", "3\n");
        PUT("ethernet0/index", "0\n");
        PUT("ethernet0/mac", "52:54:00:00:00:01\n");
        PUT("ethernet0/ip-addr", "10.0.0.2\n");
        PUT("ethernet0/prefix-len", "8\n");
        PUT("target0/flags", "3\n");
        PUT("target0/nic-assoc", "0\n");
        PUT("target0/ip-addr", "10.0.0.1\n");
        PUT("target0/target-name", "iqn.2026-12.test:t0\n");
#undef PUT
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(p);
}

static int setup_tree(void **state) {
        snprintf(tree, sizeof tree, "%s/test-ibft.XXXXXX", getenv("TMPDIR") ?: "/tmp");
        return mkdtemp(tree) ? 0 : -1;
}

static int teardown_tree(void **state) {
        return nftw(tree, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static NodeIbftTarget **read_ok(size_t want_n) {
        NodeIbftTarget **t = NULL;
        size_t n = 0;
        assert_int_equal(node_ibft_read(tree, &t, &n), 0);
        assert_int_equal(n, want_n);
        return t;
}

static void test_no_table(void **state) {
        NodeIbftTarget **t = NULL;
        size_t n = 0;
        assert_int_equal(node_ibft_read(tree, &t, &n), -ENOENT);
        put("firmware/ibft/acpi_header/signature", "iBFT\n"); /* no initiator/: no table */
        assert_int_equal(node_ibft_read(tree, &t, &n), -ENOENT);
        put("firmware/ibft/initiator/initiator-name", "iqn.x\n");
        assert_int_equal(node_ibft_read(tree, &t, &n), -ENODEV);
}

static void test_defaults_and_no_device_link(void **state) {
        basic_table("ibft");
        NodeIbftTarget **t = read_ok(1);
        assert_int_equal(t[0]->target_port, 3260);
        assert_null(t[0]->netdev);
        assert_false(node_ibft_uses_dhcp(t[0]));
        char *text = NULL;
        assert_int_equal(node_ibft_format(t[0], &text), 0);
        assert_null(strstr(text, "net_ifacename"));
        assert_non_null(strstr(text, "iface.prefix_len = 8\n"));
        assert_non_null(strstr(text, "node.conn[0].port = 3260\n"));
        free(text);
        node_ibft_list_free(t, 1);
}

static void test_flags_zero_and_bad_assoc_skip(void **state) {
        basic_table("ibft");
        put("firmware/ibft/target1/flags", "0\n"); /* not valid: skipped */
        put("firmware/ibft/target1/nic-assoc", "0\n");
        put("firmware/ibft/target1/ip-addr", "10.0.0.9\n");
        put("firmware/ibft/target1/target-name", "iqn.2026-12.test:t1\n");
        put("firmware/ibft/target2/flags", "2\n"); /* boot-selected only: accepted */
        put("firmware/ibft/target2/nic-assoc", "7\n"); /* no such NIC: skipped */
        put("firmware/ibft/target2/ip-addr", "10.0.0.9\n");
        put("firmware/ibft/target2/target-name", "iqn.2026-12.test:t2\n");
        put("firmware/ibft/target10/flags", "2\n");
        put("firmware/ibft/target10/nic-assoc", "0\n");
        put("firmware/ibft/target10/ip-addr", "10.0.0.10\n");
        put("firmware/ibft/target10/port", "70000\n"); /* out of range: default */
        put("firmware/ibft/target10/target-name", "iqn.2026-12.test:t10\n");
        NodeIbftTarget **t = read_ok(2);
        assert_string_equal(t[0]->target_name, "iqn.2026-12.test:t0"); /* numeric order */
        assert_string_equal(t[1]->target_name, "iqn.2026-12.test:t10");
        assert_int_equal(t[1]->target_port, 3260);
        node_ibft_list_free(t, 2);
}

static void test_netdev_lookup(void **state) {
        basic_table("ibft");
        put("devices/pci/0000:00:03.0/net:eth7/x", ""); /* old layout: device/net:NAME */
        link_to("firmware/ibft/ethernet0/device", "../../../devices/pci/0000:00:03.0");
        NodeIbftTarget **t = read_ok(1);
        assert_string_equal(t[0]->netdev, "eth7");
        node_ibft_list_free(t, 1);
}

static void test_device_without_netdev_skips(void **state) {
        basic_table("ibft");
        put("devices/pci/0000:00:04.0/vendor", "0x1af4\n");
        link_to("firmware/ibft/ethernet0/device", "../../../devices/pci/0000:00:04.0");
        put("class/net/eth0/address", "52:54:00:99:99:99\n"); /* another MAC */
        NodeIbftTarget **t = NULL;
        size_t n = 0;
        assert_int_equal(node_ibft_read(tree, &t, &n), -ENODEV);
        put("class/net/eth1/address", "52:54:00:00:00:01\n"); /* now one matches */
        t = read_ok(1);
        assert_string_equal(t[0]->netdev, "eth1");
        node_ibft_list_free(t, 1);
}

static void test_dhcp_and_offload_folder(void **state) {
        basic_table("ibft");
        put("firmware/ibft/ethernet0/origin", "3\n");
        basic_table("iscsi_boot0");
        put("firmware/iscsi_boot0/target0/target-name", "iqn.2026-12.test:offload\n");
        put("firmware/iscsi_boot0/ethernet0/dhcp", "0.0.0.0\n"); /* broadcom's "no DHCP" */
        NodeIbftTarget **t = read_ok(2);
        assert_string_equal(t[0]->boot_root, "ibft");
        assert_true(node_ibft_uses_dhcp(t[0]));
        assert_string_equal(t[1]->boot_root, "iscsi_boot0");
        assert_string_equal(t[1]->target_name, "iqn.2026-12.test:offload");
        assert_false(node_ibft_uses_dhcp(t[1]));
        char *text = NULL;
        assert_int_equal(node_ibft_format(t[0], &text), 0);
        assert_non_null(strstr(text, "iface.bootproto = DHCP\n"));
        free(text);
        node_ibft_list_free(t, 2);
}

static void test_to_record(void **state) {
        basic_table("ibft");
        put("firmware/ibft/target0/chap-name", "u\n");
        put("firmware/ibft/target0/chap-secret", "secretsecret\n");
        put("firmware/ibft/target0/port", "3261\n");
        NodeIbftTarget **t = read_ok(1);
        Record *r = node_record_new(&node_record_schema_node);
        assert_non_null(r);
        assert_int_equal(node_ibft_apply_to_record(t[0], r), 0);
        assert_string_equal(node_record_get(r, NODE_KEY_NAME), "iqn.2026-12.test:t0");
        assert_string_equal(node_record_get(r, NODE_KEY_CONN_ADDRESS), "10.0.0.1");
        assert_string_equal(node_record_get(r, NODE_KEY_CONN_PORT), "3261");
        assert_string_equal(node_record_get(r, NODE_KEY_TPGT), "1");
        assert_string_equal(node_record_get(r, NODE_KEY_STARTUP), "onboot");
        assert_string_equal(node_record_get(r, NODE_KEY_AUTHMETHOD), "CHAP");
        assert_string_equal(node_record_get(r, NODE_KEY_PASSWORD), "secretsecret");
        assert_string_equal(node_record_get(r, NODE_KEY_IFACE_INITIATORNAME), "iqn.2026-12.test:ini");
        node_record_free(r);
        node_ibft_list_free(t, 1);
}

int main(int argc, char **argv) {
        trees = argc > 1 ? argv[1] : NULL;
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_recorded_qemu_tree),
                cmocka_unit_test_setup_teardown(test_no_table, setup_tree, teardown_tree),
                cmocka_unit_test_setup_teardown(test_defaults_and_no_device_link, setup_tree, teardown_tree),
                cmocka_unit_test_setup_teardown(test_flags_zero_and_bad_assoc_skip, setup_tree, teardown_tree),
                cmocka_unit_test_setup_teardown(test_netdev_lookup, setup_tree, teardown_tree),
                cmocka_unit_test_setup_teardown(test_device_without_netdev_skips, setup_tree, teardown_tree),
                cmocka_unit_test_setup_teardown(test_dhcp_and_offload_folder, setup_tree, teardown_tree),
                cmocka_unit_test_setup_teardown(test_to_record, setup_tree, teardown_tree),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
