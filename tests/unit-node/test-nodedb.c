/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The on-disk layout under a temporary ISCSI_ROOT: paths, legacy files, links, modes, config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build-config.h"
#include "iscsi-node/initiatorname.h"
#include "iscsi-node/iscsid-conf.h"
#include "iscsi-node/nodedb.h"
#include "iscsi-util/fs-util.h"
#include "iscsi-node/paths.h"

static char root[] = "/tmp/unit-node.XXXXXX";
static char dbroot[PATH_MAX];

static int setup(void **state) {
        if (!mkdtemp(root))
                return -1;
        setenv("ISCSI_ROOT", root, 1);
        snprintf(dbroot, sizeof(dbroot), "%s%s", root, ISCSI_DB_ROOT);
        return 0;
}

static int teardown(void **state) {
        char cmd[PATH_MAX + 16];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        return system(cmd) == 0 ? 0 : -1;
}

static Record *node(const char *target, const char *addr, const char *port, const char *tpgt, const char *iface) {
        Record *r = node_record_new(&node_record_schema_node);
        assert_non_null(r);
        assert_int_equal(node_record_set_index(r, NODE_KEY_NAME, target), 0);
        assert_int_equal(node_record_set_index(r, NODE_KEY_CONN_ADDRESS, addr), 0);
        assert_int_equal(node_record_set_index(r, NODE_KEY_CONN_PORT, port), 0);
        assert_int_equal(node_record_set_index(r, NODE_KEY_TPGT, tpgt), 0);
        if (iface)
                assert_int_equal(node_record_set_index(r, NODE_KEY_IFACE_NAME, iface), 0);
        return r;
}

static mode_t file_mode(const char *rel) {
        char p[2 * PATH_MAX];
        struct stat st;
        snprintf(p, sizeof(p), "%s/%s", dbroot, rel);
        if (lstat(p, &st) < 0)
                return 0;
        return st.st_mode;
}

static void test_paths(void **state) {
        _cleanup_free_ char *db = node_path_db("nodes"), *conf = node_path_config("iscsid.conf");
        char want[PATH_MAX];

        snprintf(want, sizeof(want), "%s%s/nodes", root, ISCSI_DB_ROOT);
        assert_string_equal(db, want);
        snprintf(want, sizeof(want), "%s%s/iscsid.conf", root, ISCSI_CONFIG_DIR);
        assert_string_equal(conf, want);
}

static void test_layout(void **state) {
        _cleanup_(node_db_freep) NodeDb *db = NULL;
        _cleanup_(node_record_freep) Record *a = node("iqn.2003-01.org.example:a", "127.0.0.1", "3260", "1", "default");
        _cleanup_(node_record_freep) Record *b = node("iqn.2003-01.org.example:a", "::1", "3261", "-1", NULL);
        _cleanup_(node_record_freep) Record *c = node("iqn.2003-01.org.example:a", "::1", "3261", "5", "default");
        NodeEntry *e = NULL;
        size_t n = 0;
        NodeFilter f = NODE_FILTER_ALL;

        assert_int_equal(node_db_open(&db), 0);
        assert_int_equal(node_db_lock(db), 0);
        assert_int_equal(node_db_write_node(db, a), 0);
        assert_true(S_ISREG(file_mode("nodes/iqn.2003-01.org.example:a/127.0.0.1,3260,1/default")));
        assert_int_equal(file_mode("nodes/iqn.2003-01.org.example:a/127.0.0.1,3260,1/default") & 0777, 0600);
        /* unknown tpgt: the legacy flat file */
        assert_int_equal(node_db_write_node(db, b), 0);
        assert_true(S_ISREG(file_mode("nodes/iqn.2003-01.org.example:a/::1,3261")));
        assert_int_equal(node_db_find_nodes(db, &f, &e, &n), 0);
        assert_int_equal(n, 2);
        assert_false(e[0].legacy); /* sorted by address: "127..." before "::1" */
        assert_true(e[1].legacy);
        node_entries_free(e, n);
        /* the same portal with a known tpgt replaces the legacy file */
        assert_int_equal(node_db_write_node(db, c), 0);
        assert_int_equal(file_mode("nodes/iqn.2003-01.org.example:a/::1,3261"), 0);
        assert_true(S_ISREG(file_mode("nodes/iqn.2003-01.org.example:a/::1,3261,5/default")));
        /* links are named target,addr,port,tpgt,iface */
        assert_int_equal(node_db_link_node(db, a, NULL, 0), 0);
        assert_true(S_ISLNK(file_mode("static/iqn.2003-01.org.example:a,127.0.0.1,3260,1,default")));
        /* filters */
        f.address = "::1";
        assert_int_equal(node_db_find_nodes(db, &f, &e, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(node_record_get(e[0].rec, NODE_KEY_TPGT), "5");
        node_entries_free(e, n);
        f = NODE_FILTER_ALL;
        f.target = "iqn.2003-01.org.example:a";
        f.tpgt = 1;
        assert_int_equal(node_db_find_nodes(db, &f, &e, &n), 0);
        assert_int_equal(n, 1);
        /* delete removes the file, its links and the empty dirs */
        assert_int_equal(node_db_delete_node(db, &e[0]), 0);
        assert_int_equal(file_mode("static/iqn.2003-01.org.example:a,127.0.0.1,3260,1,default"), 0);
        assert_int_equal(file_mode("nodes/iqn.2003-01.org.example:a/127.0.0.1,3260,1"), 0);
        assert_true(S_ISDIR(file_mode("nodes/iqn.2003-01.org.example:a")));
        node_entries_free(e, n);
        f.target = "../../etc";
        assert_int_equal(node_db_find_nodes(db, &f, &e, &n), 0);
        assert_int_equal(n, 0);
        free(e);
}

static void test_reads_open_iscsi_file(void **state) {
        /* a record as open-iscsi 2.1.8 writes it (no empty values, 0600) */
        static const char text[] = "# BEGIN RECORD 2.1.8\nnode.name = iqn.2003-01.org.example:deb\nnode.tpgt = 1\n"
                                   "node.startup = automatic\niface.iscsi_ifacename = default\n"
                                   "node.session.auth.authmethod = CHAP\nnode.session.auth.username = u\n"
                                   "node.session.auth.password = p\nnode.conn[0].address = 10.0.0.1\n"
                                   "node.conn[0].port = 3260\n# END RECORD\n";
        _cleanup_(node_db_freep) NodeDb *db = NULL;
        char dir[2 * PATH_MAX], file[3 * PATH_MAX];
        NodeEntry *e = NULL;
        size_t n = 0;
        NodeFilter f = NODE_FILTER_ALL;

        snprintf(dir, sizeof(dir), "%s/nodes/iqn.2003-01.org.example:deb/10.0.0.1,3260,1", dbroot);
        assert_int_equal(util_mkdir_parents(dir, 0700, true), 0);
        snprintf(file, sizeof(file), "%s/default", dir);
        assert_int_equal(util_write_file_atomic(file, text, sizeof(text) - 1, 0600), 0);
        assert_int_equal(node_db_open(&db), 0);
        f.target = "iqn.2003-01.org.example:deb";
        assert_int_equal(node_db_find_nodes(db, &f, &e, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(node_record_get(e[0].rec, NODE_KEY_STARTUP), "automatic");
        assert_string_equal(node_record_get(e[0].rec, NODE_KEY_PASSWORD), "p");
        assert_string_equal(node_record_get(e[0].rec, NODE_KEY_CMDS_MAX), "128");
        /* rewriting unchanged gives the same bytes */
        assert_int_equal(node_db_save_node(db, &e[0]), 0);
        {
                char p[3 * PATH_MAX], buf[4096];
                FILE *fp;
                size_t len;
                snprintf(p, sizeof(p), "%s/default", dir);
                fp = fopen(p, "re");
                assert_non_null(fp);
                len = fread(buf, 1, sizeof(buf) - 1, fp);
                fclose(fp);
                buf[len] = 0;
                assert_non_null(strstr(buf, "node.session.auth.password = p\n"));
                assert_non_null(strstr(buf, "node.session.cmds_max = 128\n"));
        }
        node_entries_free(e, n);
}

static void test_st_and_ifaces(void **state) {
        _cleanup_(node_db_freep) NodeDb *db = NULL;
        _cleanup_(node_record_freep) Record *st = node_record_new(&node_record_schema_st), *back = NULL, *ifc = node_record_new(&node_record_schema_iface);
        Record **v = NULL;
        size_t n = 0;

        assert_int_equal(node_db_open(&db), 0);
        assert_int_equal(node_record_set_index(st, ST_KEY_ADDRESS, "127.0.0.1"), 0);
        assert_int_equal(node_record_set_index(st, ST_KEY_PASSWORD, "x"), 0);
        assert_int_equal(node_db_write_st(db, st), 0);
        assert_int_equal(file_mode("send_targets/127.0.0.1,3260/st_config") & 0777, 0600);
        assert_int_equal(node_db_read_st(db, "127.0.0.1", 3260, &back), 0);
        assert_string_equal(node_record_get(back, ST_KEY_PASSWORD), "x");
        assert_int_equal(node_db_list_st(db, &v, &n), 0);
        assert_int_equal(n, 1);
        node_records_free(v, n);
        assert_int_equal(node_db_delete_st(db, "127.0.0.1", 3260), 0);
        assert_int_equal(node_db_read_st(db, "127.0.0.1", 3260, &v[0] /* unused on failure */), -ENOENT);

        assert_int_equal(node_record_set_index(ifc, IFACE_KEY_IFACE_NAME, "if0"), 0);
        assert_int_equal(node_db_write_iface(db, ifc), 0);
        assert_int_equal(node_db_list_ifaces(db, &v, &n), 0);
        assert_int_equal(n, 3);
        assert_string_equal(node_record_get(v[0], IFACE_KEY_IFACE_NAME), "if0");
        assert_string_equal(node_record_get(v[1], IFACE_KEY_IFACE_NAME), "default");
        assert_string_equal(node_record_get(v[2], IFACE_KEY_IFACE_TRANSPORT_NAME), "iser");
        node_records_free(v, n);
        assert_int_equal(node_db_delete_iface(db, "if0"), 0);
        assert_int_equal(node_db_delete_iface(db, "../x"), -EINVAL);
}

static void test_isns_records(void **state) {
        _cleanup_(node_db_freep) NodeDb *db = NULL;
        _cleanup_(node_record_freep) Record *r = node_record_new(&node_record_schema_isns), *back = NULL;
        Record **v = NULL;
        size_t n = 0;

        assert_int_equal(node_db_open(&db), 0);
        assert_string_equal(node_record_get(r, ISNS_KEY_PORT), "3205");
        assert_string_equal(node_record_get(r, ISNS_KEY_TYPE), "isns");
        assert_int_equal(node_record_set_index(r, ISNS_KEY_ADDRESS, "192.0.2.7"), 0);
        assert_int_equal(node_record_set(r, "discovery.isns.use_discoveryd", "Yes"), 0);
        assert_int_equal(node_db_write_isns(db, r), 0);
        assert_true(file_mode("isns/192.0.2.7,3205/isns_config") != 0);
        assert_int_equal(node_db_read_isns(db, "192.0.2.7", 3205, &back), 0);
        assert_true(node_record_get_bool(back, ISNS_KEY_USE_DISCOVERYD));
        assert_int_equal(node_db_list_isns(db, &v, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(node_record_get(v[0], ST_KEY_ADDRESS), "192.0.2.7"); /* shared index */
        node_records_free(v, n);
        assert_int_equal(node_db_delete_isns(db, "192.0.2.7", 3205), 0);
        assert_int_equal(node_db_read_isns(db, "192.0.2.7", 3205, &back), -ENOENT);
        assert_int_equal(node_db_read_isns(db, "../x", 3205, &back), -EINVAL);
}

static unsigned problems[4];
static unsigned lines[4];

static void conf_warn(void *u, const char *file, unsigned line, ConfProblem p, const char *key, const char *value) {
        problems[p]++;
        lines[p] = line;
}

static void test_iscsid_conf(void **state) {
        _cleanup_(node_iscsid_conf_freep) IscsidConf *c = NULL;
        const char *text = "# comment\n"
                           "node.startup = automatic\n"
                           "node.session.auth.chap_algs = SHA256,MD5\n"
                           "discovery.sendtargets.auth.authmethod = CHAP\n"
                           "not a pair\n"
                           "node.session.bogus = 1\n"
                           "node.session.cmds_max = many\n"
                           "iscsid.startup = /bin/true\n"
                           "iscsid.safe_logout = Yes\n"
                           "node.name = iqn.2003-01.org.example:should-not-apply\n";

        memset(problems, 0, sizeof(problems));
        assert_int_equal(node_iscsid_conf_new(&c), 0);
        assert_int_equal(node_iscsid_conf_parse(c, "test.conf", text, conf_warn, NULL), 0);
        assert_string_equal(node_record_get(c->node, NODE_KEY_STARTUP), "automatic");
        assert_string_equal(node_record_get(c->node, NODE_KEY_CHAP_ALGS), "SHA256,MD5");
        /* the st record stores its algorithm list under the node key, as open-iscsi */
        assert_string_equal(node_record_get(c->st, ST_KEY_CHAP_ALGS), "SHA256,MD5");
        assert_string_equal(node_record_get(c->st, ST_KEY_AUTHMETHOD), "CHAP");
        assert_string_equal(node_record_get(c->node, NODE_KEY_CMDS_MAX), "128");
        assert_null(node_record_get(c->node, NODE_KEY_NAME));
        assert_string_equal(c->startup, "/bin/true");
        assert_true(c->safe_logout);
        assert_int_equal(problems[CONF_MALFORMED], 1);
        assert_int_equal(lines[CONF_MALFORMED], 5);
        assert_int_equal(problems[CONF_UNKNOWN_KEY], 2);
        assert_int_equal(problems[CONF_BAD_VALUE], 1);
        assert_int_equal(lines[CONF_BAD_VALUE], 7);
}

static void test_iscsid_conf_isns(void **state) {
        _cleanup_(node_iscsid_conf_freep) IscsidConf *c = NULL;
        const char *text = "isns.address = 192.0.2.9\n"
                           "isns.port = 3206\n"
                           "discovery.isns.use_discoveryd = Yes\n"
                           "discovery.isns.discoveryd_poll_inval = 30\n"
                           "isns.port = 0\n"
                           "discovery.sendtargets.address = 10.0.0.1\n";

        memset(problems, 0, sizeof(problems));
        assert_int_equal(node_iscsid_conf_new(&c), 0);
        assert_int_equal(c->isns_port, 3205);
        assert_int_equal(node_iscsid_conf_parse(c, "test.conf", text, conf_warn, NULL), 0);
        assert_string_equal(c->isns_address, "192.0.2.9");
        assert_int_equal(c->isns_port, 3206);
        assert_true(node_record_get_bool(c->isns, ISNS_KEY_USE_DISCOVERYD));
        assert_string_equal(node_record_get(c->isns, ISNS_KEY_DISCOVERYD_POLL_INVAL), "30");
        assert_null(node_record_get(c->isns, ISNS_KEY_ADDRESS)); /* identity keys are no default */
        assert_int_equal(problems[CONF_BAD_VALUE], 1);         /* isns.port = 0 */
        assert_int_equal(lines[CONF_BAD_VALUE], 5);
}

static void test_missing_conf(void **state) {
        _cleanup_(node_iscsid_conf_freep) IscsidConf *c = NULL;
        assert_int_equal(node_iscsid_conf_load("/nonexistent/iscsid.conf", NULL, NULL, &c), 0);
        assert_string_equal(node_record_get(c->node, NODE_KEY_LOGIN_TIMEOUT), "30");
}

static void test_initiatorname(void **state) {
        char p[2 * PATH_MAX];
        _cleanup_free_ char *name = NULL, *alias = NULL;

        snprintf(p, sizeof(p), "%s/etc-test/initiatorname.iscsi", root);
        assert_int_equal(node_initiatorname_read(p, &name, &alias), -ENOENT);
        assert_int_equal(node_initiatorname_write(p, "iqn.2016-04.com.open-iscsi:abc", "host1"), 0);
        assert_int_equal(node_initiatorname_read(p, &name, &alias), 0);
        assert_string_equal(name, "iqn.2016-04.com.open-iscsi:abc");
        assert_string_equal(alias, "host1");
        assert_int_equal(node_initiatorname_write(p, "bad\nname", NULL), -EINVAL);
}

static void make_file(const char *rel) {
        char p[2 * PATH_MAX];
        snprintf(p, sizeof(p), "%s/%s", dbroot, rel);
        FILE *f = fopen(p, "we");
        assert_non_null(f);
        fputs("node.name = torn\n", f);
        fclose(f);
}

/* Temps of killed writers: invisible to readers, removed by the next writer under the lock
 * from the directories it writes or removes, never from elsewhere, never a batch's own. */
static void test_stale_temps_swept(void **state) {
        _cleanup_(node_db_freep) NodeDb *db = NULL;
        _cleanup_(node_record_freep) Record *a = node("iqn.2003-01.org.example:t", "127.0.0.1", "3260", "1", "default");
        _cleanup_(node_record_freep) Record *b = node("iqn.2003-01.org.example:u", "127.0.0.1", "3260", "1", "default");
        const char *adir = "nodes/iqn.2003-01.org.example:t/127.0.0.1,3260,1";
        char rel[PATH_MAX];
        NodeEntry *e = NULL;
        size_t n = 0;
        NodeFilter f = NODE_FILTER_ALL;

        assert_int_equal(node_db_open(&db), 0);
        assert_int_equal(node_db_lock(db), 0);
        assert_int_equal(node_db_write_node(db, a), 0);
        assert_int_equal(node_db_write_node(db, b), 0);
        node_db_unlock(db);
        snprintf(rel, sizeof(rel), "%s/.#default.AbC123", adir);
        make_file(rel);
        make_file("nodes/iqn.2003-01.org.example:u/127.0.0.1,3260,1/.#default.XyZ789");
        /* a reader does not take a temp for a record */
        f.target = "iqn.2003-01.org.example:t";
        assert_int_equal(node_db_find_nodes(db, &f, &e, &n), 0);
        assert_int_equal(n, 1);
        node_entries_free(e, n);
        /* without the lock nothing is removed */
        assert_int_equal(node_db_write_node(db, a), 0);
        assert_true(S_ISREG(file_mode(rel)));

        /* a batch writing twice into the directory: the stale temp goes, the batch's stay */
        assert_int_equal(node_db_lock(db), 0);
        node_db_batch_begin(db);
        assert_int_equal(node_db_write_node(db, a), 0);
        assert_int_equal(file_mode(rel), 0);
        assert_int_equal(node_db_write_node(db, a), 0);
        assert_int_equal(node_db_batch_commit(db), 0);
        assert_true(S_ISREG(file_mode("nodes/iqn.2003-01.org.example:t/127.0.0.1,3260,1/default")));
        /* the other target's directory was not written: its temp is still there */
        assert_true(S_ISREG(file_mode("nodes/iqn.2003-01.org.example:u/127.0.0.1,3260,1/.#default.XyZ789")));
        /* deleting that node takes the temp with it, so the directories can go */
        f.target = "iqn.2003-01.org.example:u";
        assert_int_equal(node_db_find_nodes(db, &f, &e, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(node_db_delete_node(db, &e[0]), 0);
        node_entries_free(e, n);
        assert_int_equal(file_mode("nodes/iqn.2003-01.org.example:u"), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_paths),          cmocka_unit_test(test_layout),
                cmocka_unit_test(test_reads_open_iscsi_file), cmocka_unit_test(test_st_and_ifaces),
                cmocka_unit_test(test_iscsid_conf),    cmocka_unit_test(test_missing_conf),
                cmocka_unit_test(test_initiatorname),  cmocka_unit_test(test_isns_records),
                cmocka_unit_test(test_iscsid_conf_isns), cmocka_unit_test(test_stale_temps_swept),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
