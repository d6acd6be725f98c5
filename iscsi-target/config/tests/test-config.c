/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libtarget-config: a real targetcli file loads and saves back byte for byte, bad input is
 * rejected with a message, unknown keys are warned about and kept, saves are atomic and 0600. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/alua.h"
#include "config/saveconfig.h"
#include "config/config-edit.h"
#include "iscsi-util/macro.h"

static const char *fixture_dir = ".";

static char *read_file(const char *path) {
        FILE *f = fopen(path, "re");
        assert_non_null(f);
        char *buf = NULL;
        size_t size = 0;
        FILE *m = open_memstream(&buf, &size);
        assert_non_null(m);
        int c;
        while ((c = fgetc(f)) != EOF)
                fputc(c, m);
        fclose(f);
        fclose(m);
        return buf;
}

static char *fixture_path(const char *name) {
        char *p;
        assert_true(asprintf(&p, "%s/%s", fixture_dir, name) > 0);
        return p;
}

static size_t strv_length(char **v) {
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

static bool strv_contains_substring(char **v, const char *needle) {
        for (size_t i = 0; v && v[i]; i++)
                if (strstr(v[i], needle))
                        return true;
        return false;
}

static TargetConfig *parse_ok(const char *text, char ***warnings) {
        TargetConfig *c = NULL;
        _cleanup_free_ char *err = NULL;
        int r = tc_config_parse(text, strlen(text), &c, warnings, &err);
        if (r < 0)
                fail_msg("parse failed: %d %s", r, err ? err : "(no message)");
        return c;
}

static char *parse_error(const char *text, int expect) {
        TargetConfig *c = NULL;
        char *err = NULL;
        char **w = NULL;
        int r = tc_config_parse(text, strlen(text), &c, &w, &err);
        assert_int_equal(r, expect);
        assert_null(c);
        assert_null(w);
        assert_non_null(err);
        return err;
}

/* The node ACLs of the fixture's first TPG: CHAP, mutual CHAP, mapped LUNs. */
static void check_fixture_acls(TcTpg *tpg) {
        TcNodeAcl *acl;

        acl = tc_tpg_find_acl(tpg, "iqn.2022-08.com.test:node01.initiator01");
        assert_non_null(acl);
        assert_string_equal(acl->chap.userid, "username");
        assert_string_equal(acl->chap.password, "password");
        assert_null(acl->chap.mutual_userid);
        assert_int_equal(acl->n_mapped_luns, 2);
        assert_true(tc_acl_find_mapped_lun(acl, 1)->write_protect);
        assert_false(tc_acl_find_mapped_lun(acl, 0)->write_protect);
        acl = tc_tpg_find_acl(tpg, "iqn.1993-08.org.debian:01:8b2f3c4d5e6f");
        assert_non_null(acl);
        assert_string_equal(acl->chap.mutual_userid, "targetname");
        assert_string_equal(acl->chap.mutual_password, "mutualsecret1");
        assert_int_equal(tc_acl_find_mapped_lun(acl, 0)->tpg_lun, 1);
        assert_null(tc_tpg_find_acl(tpg, "iqn.2022-08.com.test:nobody"));
}

static void test_fixture_loads(void **state) {
        _cleanup_free_ char *path = fixture_path("targetcli-saveconfig.json");
        _cleanup_tc_config_ TargetConfig *c = NULL;
        _cleanup_tc_strv_ char **w = NULL;
        _cleanup_free_ char *err = NULL;
        assert_int_equal(tc_config_load(path, &c, &w, &err), 0);
        assert_null(err);
        assert_int_equal(strv_length(w), 0);

        assert_int_equal(c->n_storage_objects, 3);
        TcStorageObject *so = tc_config_resolve_storage_object(c, "/backstores/fileio/disk01");
        assert_non_null(so);
        assert_int_equal(so->type, TC_BACKSTORE_FILEIO);
        assert_string_equal(so->dev, "/var/lib/iscsi_disks/disk01.img");
        assert_int_equal(so->size, 10737418240ull);
        assert_true(so->write_back);
        assert_string_equal(so->wwn, "7d1a3c52-8f0e-4b6a-9d2c-0e5b1f7a9c34");
        assert_int_equal(tc_storage_object_block_size(so), 512);
        assert_int_equal(tc_attr_get_int(&so->attributes, "max_unmap_lba_count", -1), 8192);

        so = tc_config_find_storage_object(c, TC_BACKSTORE_BLOCK, "block1");
        assert_non_null(so);
        assert_string_equal(so->dev, "/dev/vdb");
        assert_false(so->readonly);
        so = tc_config_resolve_storage_object(c, "ramdisk/rd1");
        assert_non_null(so);
        assert_int_equal(so->size, 1073741824ull);
        assert_null(so->dev);

        TcTarget *t = tc_config_find_target(c, "IQN.2022-08.com.test:DLP.target01");
        assert_non_null(t);
        assert_string_equal(t->fabric, "iscsi");
        TcTpg *tpg = tc_target_find_tpg(t, 1);
        assert_non_null(tpg);
        assert_true(tpg->enable);
        assert_false(tc_tpg_authentication(tpg));
        assert_false(tc_tpg_generate_node_acls(tpg));
        assert_true(tc_tpg_demo_mode_write_protect(tpg));
        assert_string_equal(tc_attr_get(&tpg->parameters, "MaxRecvDataSegmentLength"), "8192");
        assert_int_equal(tc_attr_get_int(&tpg->parameters, "FirstBurstLength", 0), 65536);
        assert_int_equal(tpg->n_luns, 2);
        assert_ptr_equal(tc_config_lun_storage_object(c, tc_tpg_find_lun(tpg, 1)),
                         tc_config_find_storage_object(c, TC_BACKSTORE_BLOCK, "block1"));
        assert_non_null(tc_tpg_find_portal(tpg, "0.0.0.0", 3260));

        check_fixture_acls(tpg);

        t = tc_config_find_target(c, "iqn.2003-01.org.linux-iscsi.demo.x8664:sn.4f3a2b1c0d9e");
        assert_non_null(t);
        tpg = t->tpgs[0];
        assert_true(tc_tpg_generate_node_acls(tpg));
        assert_false(tc_tpg_demo_mode_write_protect(tpg));
        assert_non_null(tc_tpg_find_portal(tpg, "[::1]", 3261));

        TcFabricModule *f = tc_config_find_fabric_module(c, "iscsi");
        assert_non_null(f);
        assert_true(f->discovery_enable_auth);
        assert_string_equal(f->discovery_chap.userid, "discuser");
        assert_string_equal(f->discovery_chap.mutual_password, "discmutualpw");

        _cleanup_free_ TcPortalRef *refs = NULL;
        size_t n;
        assert_int_equal(tc_config_list_portals(c, &refs, &n), 0);
        assert_int_equal(n, 3);
        assert_string_equal(refs[0].portal->ip_address, "0.0.0.0");
        assert_string_equal(refs[2].portal->ip_address, "[::1]");
        assert_ptr_equal(refs[2].target, t);
}

static void test_fixture_round_trip_bytes(void **state) {
        _cleanup_free_ char *path = fixture_path("targetcli-saveconfig.json");
        _cleanup_free_ char *orig = read_file(path);
        _cleanup_tc_config_ TargetConfig *c = parse_ok(orig, NULL);
        _cleanup_free_ char *out = NULL;
        assert_int_equal(tc_config_to_json(c, &out), 0);
        assert_string_equal(out, orig);
}

static void test_save_atomic_mode_0600(void **state) {
        char dir[] = "/tmp/tc-test-XXXXXX";
        assert_non_null(mkdtemp(dir));
        _cleanup_free_ char *path = NULL, *fixture = fixture_path("targetcli-saveconfig.json");
        assert_true(asprintf(&path, "%s/saveconfig.json", dir) > 0);
        _cleanup_tc_config_ TargetConfig *c = NULL;
        assert_int_equal(tc_config_load(fixture, &c, NULL, NULL), 0);

        /* An existing world-readable file is replaced, not rewritten in place. */
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "old", 3), 3);
        close(fd);
        struct stat before;
        assert_int_equal(stat(path, &before), 0);

        mode_t old_umask = umask(0);
        int r = tc_config_save(c, path);
        umask(old_umask);
        assert_int_equal(r, 0);

        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);
        assert_true(st.st_ino != before.st_ino);
        _cleanup_free_ char *a = read_file(path), *b = read_file(fixture);
        assert_string_equal(a, b);

        /* No temporary file is left behind. */
        DIR *d = opendir(dir);
        assert_non_null(d);
        struct dirent *de;
        size_t entries = 0;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        entries++;
        closedir(d);
        assert_int_equal(entries, 1);

        /* Saving into a missing directory fails cleanly. */
        _cleanup_free_ char *bad = NULL;
        assert_true(asprintf(&bad, "%s/missing/saveconfig.json", dir) > 0);
        assert_int_equal(tc_config_save(c, bad), -ENOENT);

        unlink(path);
        rmdir(dir);
}

static void test_unknown_keys_warned_and_kept(void **state) {
        const char *text =
                "{\"storage_objects\": [{\"plugin\": \"ramdisk\", \"name\": \"r\", \"size\": 4096,"
                " \"wwn\": \"x\", \"attributes\": {\"block_size\": 4096, \"frobnicate\": 3},"
                " \"shiny_new_key\": {\"a\": [1, 2]}}],"
                " \"targets\": [{\"wwn\": \"iqn.2024-01.org.example:t\", \"fabric\": \"iscsi\", \"tpgs\": [{\"tag\": 1,"
                " \"enable\": true, \"attributes\": {\"authentication\": 0, \"made_up\": \"zz\"},"
                " \"parameters\": {\"MaxRecvDataSegmentLength\": \"65536\", \"NotAKey\": \"1\"},"
                " \"luns\": [], \"portals\": [{\"ip_address\": \"127.0.0.1\", \"port\": 3260, \"iser\": false,"
                " \"offload\": false, \"future\": 1}], \"node_acls\": []}]}],"
                " \"fabric_modules\": [], \"top_level_extra\": \"kept\"}";
        _cleanup_tc_strv_ char **w = NULL;
        _cleanup_tc_config_ TargetConfig *c = parse_ok(text, &w);
        assert_int_equal(strv_length(w), 6);
        assert_true(strv_contains_substring(w, "'frobnicate'"));
        assert_true(strv_contains_substring(w, "'shiny_new_key'"));
        assert_true(strv_contains_substring(w, "'made_up'"));
        assert_true(strv_contains_substring(w, "parameter 'NotAKey'"));
        assert_true(strv_contains_substring(w, "'future'"));
        assert_true(strv_contains_substring(w, "'top_level_extra'"));
        assert_int_equal(tc_storage_object_block_size(c->storage_objects[0]), 4096);

        _cleanup_free_ char *out = NULL;
        assert_int_equal(tc_config_to_json(c, &out), 0);
        assert_non_null(strstr(out, "\"shiny_new_key\": {\n        \"a\": [\n          1,\n          2\n        ]\n      }"));
        assert_non_null(strstr(out, "\"frobnicate\": 3"));
        assert_non_null(strstr(out, "\"made_up\": \"zz\""));
        assert_non_null(strstr(out, "\"future\": 1"));
        assert_non_null(strstr(out, "\"top_level_extra\": \"kept\""));
        /* and it loads again with the same warnings */
        _cleanup_tc_strv_ char **w2 = NULL;
        _cleanup_tc_config_ TargetConfig *c2 = parse_ok(out, &w2);
        assert_int_equal(strv_length(w2), 6);
        _cleanup_free_ char *out2 = NULL;
        assert_int_equal(tc_config_to_json(c2, &out2), 0);
        assert_string_equal(out, out2);
}

static void test_malformed_json_rejected(void **state) {
        _cleanup_free_ char *e1 = parse_error("{\n  \"targets\": [\n    {\"wwn\": }\n  ]\n}\n", -EINVAL);
        assert_non_null(strstr(e1, "line 3"));
        assert_non_null(strstr(e1, "malformed JSON"));
        _cleanup_free_ char *e2 = parse_error("{\"targets\": [", -EINVAL);
        assert_non_null(strstr(e2, "truncated"));
        _cleanup_free_ char *e3 = parse_error("{} {}", -EINVAL);
        assert_non_null(strstr(e3, "line 1, column 4: malformed JSON"));
        _cleanup_free_ char *e4 = parse_error("", -EINVAL);
        /* Not UTF-8: a key made of Latin-1 bytes would sort differently once saved as \u escapes
         * and reloaded (found by fuzz-target-config), so such a file is refused up front. */
        _cleanup_free_ char *e_utf8 = parse_error("{\n  \"caf\xe9\": 1\n}\n", -EINVAL);
        assert_non_null(strstr(e_utf8, "line 2"));
        assert_non_null(strstr(e_utf8, "utf-8"));
        /* An overlong ':' (C0 BA), which json-c alone accepts (found by fuzz-target-config). */
        _cleanup_free_ char *e_overlong = parse_error("{\n  \"a\xc0\xba\": 1\n}\n", -EINVAL);
        assert_non_null(strstr(e_overlong, "line 2"));
        assert_non_null(strstr(e_overlong, "utf-8"));
        _cleanup_free_ char *e_surrogate = parse_error("{\n  \"a\xed\xa0\x80\": 1\n}\n", -EINVAL);
        assert_non_null(strstr(e_surrogate, "utf-8"));
        /* Well-formed multi-byte UTF-8 still loads. */
        _cleanup_tc_strv_ char **w_utf8 = NULL;
        _cleanup_tc_config_ TargetConfig *c_utf8 = parse_ok("{\"x\": \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xbe\"}", &w_utf8);
        assert_non_null(c_utf8);
        _cleanup_free_ char *e5 = parse_error("[]", -EINVAL);
        assert_non_null(strstr(e5, "expected an object"));
        _cleanup_free_ char *e6 = parse_error("{\"targets\": {}}", -EINVAL);
        assert_non_null(strstr(e6, "config.targets: expected a list"));
        _cleanup_free_ char *e7 = parse_error(
                "{\"targets\": [{\"wwn\": \"iqn.2024-01.org.example:t\", \"fabric\": \"iscsi\","
                " \"tpgs\": [{\"tag\": \"1\"}]}]}", -EINVAL);
        assert_non_null(strstr(e7, "config.targets[0].tpgs[0].tag: expected an integer"));
        _cleanup_free_ char *e8 = parse_error(
                "{\"targets\": [{\"wwn\": \"iqn.2024-01.org.example:t\", \"fabric\": \"iscsi\","
                " \"tpgs\": [{\"tag\": 1, \"portals\": [{\"ip_address\": \"1.2.3.4\", \"port\": 70000}]}]}]}", -EINVAL);
        assert_non_null(strstr(e8, "port: 70000 is out of range 1..65535"));
        _cleanup_free_ char *e9 = parse_error(
                "{\"storage_objects\": [{\"plugin\": 5, \"name\": \"p\", \"dev\": \"0:0:0:0\"}]}", -EINVAL);
        assert_non_null(strstr(e9, "plugin: expected a string"));
        _cleanup_free_ char *e10 = parse_error("{\"storage_objects\": [{\"plugin\": \"fileio\", \"name\": \"f\"}]}", -EINVAL);
        assert_non_null(strstr(e10, "'dev' is missing"));
        _cleanup_free_ char *e11 = parse_error(
                "{\"targets\": [{\"wwn\": \"iqn.2024-01.org.example:t\", \"fabric\": \"iscsi\","
                " \"tpgs\": [{\"tag\": 1, \"enable\": \"yes\"}]}]}", -EINVAL);
        assert_non_null(strstr(e11, "enable: expected true or false"));
}

static void test_validation(void **state) {
        /* LUN referring to a storage object that does not exist */
        _cleanup_free_ char *e1 = parse_error(
                "{\"targets\": [{\"wwn\": \"iqn.2024-01.org.example:t\", \"fabric\": \"iscsi\", \"tpgs\": [{\"tag\": 1,"
                " \"luns\": [{\"index\": 0, \"storage_object\": \"/backstores/fileio/none\"}]}]}]}", -EINVAL);
        assert_non_null(strstr(e1, "/backstores/fileio/none, which does not exist"));
        /* invalid target name */
        _cleanup_free_ char *e2 = parse_error(
                "{\"targets\": [{\"wwn\": \"iqn.2024-13.org.example:t\", \"fabric\": \"iscsi\", \"tpgs\": []}]}", -EINVAL);
        assert_non_null(strstr(e2, "not a valid iSCSI target name"));
        /* duplicate target */
        _cleanup_free_ char *e3 = parse_error(
                "{\"targets\": [{\"wwn\": \"iqn.2024-01.org.example:t\", \"fabric\": \"iscsi\", \"tpgs\": []},"
                " {\"wwn\": \"iqn.2024-01.org.example:T\", \"fabric\": \"iscsi\", \"tpgs\": []}]}", -EINVAL);
        assert_non_null(strstr(e3, "defined twice"));
        /* mapped LUN to a TPG LUN that does not exist */
        _cleanup_free_ char *e4 = parse_error(
                "{\"targets\": [{\"wwn\": \"iqn.2024-01.org.example:t\", \"fabric\": \"iscsi\", \"tpgs\": [{\"tag\": 1,"
                " \"node_acls\": [{\"node_wwn\": \"iqn.2024-01.org.example:i\", \"mapped_luns\": "
                "[{\"index\": 0, \"tpg_lun\": 3, \"write_protect\": false}]}]}]}]}", -EINVAL);
        assert_non_null(strstr(e4, "TPG LUN 3, which does not exist"));
        /* duplicate storage object, duplicate portal, bad initiator name, bad address */
        _cleanup_free_ char *e5 = parse_error(
                "{\"storage_objects\": [{\"plugin\": \"ramdisk\", \"name\": \"r\", \"size\": 1},"
                " {\"plugin\": \"rd_mcp\", \"name\": \"r\", \"size\": 1}]}", -EINVAL);
        assert_non_null(strstr(e5, "ramdisk/r is defined twice"));
        _cleanup_free_ char *e6 = parse_error(
                "{\"targets\": [{\"wwn\": \"iqn.2024-01.org.example:t\", \"fabric\": \"iscsi\", \"tpgs\": [{\"tag\": 1,"
                " \"portals\": [{\"ip_address\": \"0.0.0.0\", \"port\": 3260}, {\"ip_address\": \"0.0.0.0\", \"port\": 3260}]}]}]}",
                -EINVAL);
        assert_non_null(strstr(e6, "portal 0.0.0.0:3260 is defined twice"));
        _cleanup_free_ char *e7 = parse_error(
                "{\"targets\": [{\"wwn\": \"iqn.2024-01.org.example:t\", \"fabric\": \"iscsi\", \"tpgs\": [{\"tag\": 1,"
                " \"node_acls\": [{\"node_wwn\": \"not an iqn\"}]}]}]}", -EINVAL);
        assert_non_null(strstr(e7, "not a valid iSCSI initiator name"));
        _cleanup_free_ char *e8 = parse_error(
                "{\"targets\": [{\"wwn\": \"iqn.2024-01.org.example:t\", \"fabric\": \"iscsi\", \"tpgs\": [{\"tag\": 1,"
                " \"portals\": [{\"ip_address\": \"::1\", \"port\": 3260}]}]}]}", -EINVAL);
        assert_non_null(strstr(e8, "bracketed IPv6"));

        /* A loopback target is kept (with a warning) and not checked as an iSCSI name. */
        _cleanup_tc_strv_ char **w = NULL;
        _cleanup_tc_config_ TargetConfig *c = parse_ok(
                "{\"targets\": [{\"wwn\": \"naa.5001405abcdef012\", \"fabric\": \"loopback\", \"tpgs\": []}]}", &w);
        assert_int_equal(strv_length(w), 1);
        assert_true(strv_contains_substring(w, "fabric 'loopback'"));

        assert_true(tc_iscsi_name_is_valid("iqn.2022-08.com.test:dlp.target01"));
        assert_true(tc_iscsi_name_is_valid("IQN.2022-08.COM.TEST:X"));
        assert_true(tc_iscsi_name_is_valid("eui.02004567A425678D"));
        assert_true(tc_iscsi_name_is_valid("naa.52004567BA64678D"));
        assert_false(tc_iscsi_name_is_valid("iqn.22-08.com.test"));
        assert_false(tc_iscsi_name_is_valid("iqn.2022-08.com test"));
        assert_false(tc_iscsi_name_is_valid("eui.0200"));
        assert_false(tc_iscsi_name_is_valid(""));
}

/* A targetcli file may hold pscsi or user-backed objects: kept verbatim, LUNs on them too. */
static void test_unsupported_plugins_kept(void **state) {
        const char *text =
                "{\"storage_objects\": [{\"plugin\": \"pscsi\", \"name\": \"tape\", \"dev\": \"/dev/sg1\"},"
                " {\"plugin\": \"ramdisk\", \"name\": \"r\", \"size\": 4096}],"
                " \"targets\": [{\"wwn\": \"iqn.2024-01.org.example:t\", \"fabric\": \"iscsi\", \"tpgs\": [{\"tag\": 1,"
                " \"luns\": [{\"index\": 0, \"storage_object\": \"/backstores/pscsi/tape\"},"
                " {\"index\": 1, \"storage_object\": \"/backstores/ramdisk/r\"}]}]}], \"fabric_modules\": []}";
        _cleanup_tc_strv_ char **w = NULL;
        _cleanup_tc_config_ TargetConfig *c = parse_ok(text, &w);
        assert_int_equal(strv_length(w), 1);
        assert_true(strv_contains_substring(w, "plugin 'pscsi' is not supported by this target"));
        assert_int_equal(c->n_storage_objects, 1);
        TcTpg *tpg = c->targets[0]->tpgs[0];
        assert_null(tc_config_lun_storage_object(c, tc_tpg_find_lun(tpg, 0)));
        assert_non_null(tc_config_lun_storage_object(c, tc_tpg_find_lun(tpg, 1)));
        _cleanup_free_ char *out = NULL;
        assert_int_equal(tc_config_to_json(c, &out), 0);
        assert_non_null(strstr(out, "\"dev\": \"/dev/sg1\""));
        assert_non_null(strstr(out, "\"storage_object\": \"/backstores/pscsi/tape\""));
        _cleanup_tc_config_ TargetConfig *c2 = parse_ok(out, NULL);
        assert_int_equal(c2->unsupported_storage_objects.n, 1);
        /* a LUN on a storage object that exists nowhere is still an error */
        _cleanup_free_ char *e = parse_error(
                "{\"targets\": [{\"wwn\": \"iqn.2024-01.org.example:t\", \"fabric\": \"iscsi\", \"tpgs\": [{\"tag\": 1,"
                " \"luns\": [{\"index\": 0, \"storage_object\": \"/backstores/pscsi/tape\"}]}]}]}", -EINVAL);
}

static void test_load_missing_file(void **state) {
        TargetConfig *c = NULL;
        assert_int_equal(tc_config_load("/nonexistent/saveconfig.json", &c, NULL, NULL), -ENOENT);
        assert_null(c);
}

static void test_empty_object_and_python_escapes(void **state) {
        _cleanup_tc_config_ TargetConfig *c = parse_ok("{}", NULL);
        _cleanup_free_ char *out = NULL;
        assert_int_equal(tc_config_to_json(c, &out), 0);
        assert_string_equal(out, "{\n  \"fabric_modules\": [],\n  \"storage_objects\": [],\n  \"targets\": []\n}\n");

        /* Python's json.dumps escapes everything outside printable ASCII. */
        const char *text = "{\"fabric_modules\": [], \"storage_objects\": [], \"targets\": [],"
                           " \"x\": \"caf\xc3\xa9 \\u0001 \\\"q\\\" \\\\ / \xf0\x9f\x98\x80 \x7f\"}";
        _cleanup_tc_strv_ char **w = NULL;
        _cleanup_tc_config_ TargetConfig *c2 = parse_ok(text, &w);
        _cleanup_free_ char *out2 = NULL;
        assert_int_equal(tc_config_to_json(c2, &out2), 0);
        assert_non_null(strstr(out2, "\"x\": \"caf\\u00e9 \\u0001 \\\"q\\\" \\\\ / \\ud83d\\ude00 \\u007f\""));
}

static void test_edit_and_cascade(void **state) {
        _cleanup_tc_config_ TargetConfig *c = tc_config_new();
        assert_non_null(c);
        TcStorageObject *so, *rd;
        assert_int_equal(tc_config_add_storage_object(c, TC_BACKSTORE_FILEIO, "disk01", "/tmp/d.img", 1 << 20, NULL, &so), 0);
        assert_true(so->write_back);
        assert_int_equal(tc_attr_get_int(&so->attributes, "emulate_write_cache", -1), 1);
        assert_int_equal(strlen(so->wwn), 36);
        assert_int_equal(tc_config_add_storage_object(c, TC_BACKSTORE_FILEIO, "disk01", "/tmp/e.img", 1, NULL, NULL), -EEXIST);
        assert_int_equal(tc_config_add_storage_object(c, TC_BACKSTORE_RAMDISK, "rd", NULL, 0, NULL, NULL), -EINVAL);
        assert_int_equal(tc_config_add_storage_object(c, TC_BACKSTORE_RAMDISK, "a/b", NULL, 1, NULL, NULL), -EINVAL);
        assert_int_equal(tc_config_add_storage_object(c, TC_BACKSTORE_RAMDISK, "rd", NULL, 1 << 20, NULL, &rd), 0);
        assert_int_equal(tc_storage_object_set_write_back(so, false), 0);
        assert_int_equal(tc_attr_get_int(&so->attributes, "emulate_write_cache", -1), 0);

        TcTarget *t;
        assert_int_equal(tc_config_add_target(c, "bogus", &t), -EINVAL);
        assert_int_equal(tc_config_add_target(c, "IQN.2022-08.com.test:Target", &t), 0);
        assert_string_equal(t->wwn, "iqn.2022-08.com.test:target");
        assert_int_equal(tc_config_add_target(c, "iqn.2022-08.com.test:target", NULL), -EEXIST);
        TcTpg *tpg;
        assert_int_equal(tc_target_add_tpg(t, 0, &tpg), 0);
        assert_int_equal(tpg->tag, 1);
        assert_int_equal(tc_target_add_tpg(t, 1, NULL), -EEXIST);
        assert_string_equal(tc_attr_get(&tpg->parameters, "MaxRecvDataSegmentLength"), "8192");

        TcPortal *p;
        assert_int_equal(tc_tpg_add_portal(tpg, "0.0.0.0", 3260, &p), 0);
        assert_int_equal(tc_tpg_add_portal(tpg, "0.0.0.0", 3260, NULL), -EEXIST);
        assert_int_equal(tc_tpg_add_portal(tpg, "::1", 3260, &p), 0);
        assert_string_equal(p->ip_address, "[::1]");
        assert_int_equal(tc_tpg_add_portal(tpg, "[0:0::1]", 3260, NULL), -EEXIST);
        assert_int_equal(tc_tpg_add_portal(tpg, "999.1.1.1", 3260, NULL), -EINVAL);

        TcLun *l0, *l1;
        assert_int_equal(tc_tpg_add_lun(c, tpg, -1, "/backstores/fileio/none", &l0), -ENOENT);
        assert_int_equal(tc_tpg_add_lun(c, tpg, -1, "/backstores/fileio/disk01", &l0), 0);
        assert_int_equal(tc_tpg_add_lun(c, tpg, -1, "/backstores/ramdisk/rd", &l1), 0);
        assert_int_equal(l0->index, 0);
        assert_int_equal(l1->index, 1);
        assert_int_equal(tc_tpg_add_lun(c, tpg, 1, "/backstores/ramdisk/rd", NULL), -EEXIST);

        TcNodeAcl *acl;
        assert_int_equal(tc_tpg_add_acl(tpg, "iqn.2022-08.com.test:node01.initiator01", &acl), 0);
        assert_int_equal(tc_tpg_add_acl(tpg, "iqn.2022-08.com.test:NODE01.initiator01", NULL), -EEXIST);
        assert_int_equal(tc_acl_add_mapped_lun(tpg, acl, -1, 0, false, NULL), 0);
        assert_int_equal(tc_acl_add_mapped_lun(tpg, acl, -1, 1, true, NULL), 0);
        assert_int_equal(tc_acl_add_mapped_lun(tpg, acl, -1, 7, true, NULL), -ENOENT);
        assert_int_equal(tc_chap_set(&acl->chap, "userid", "username"), 0);
        assert_int_equal(tc_chap_set(&acl->chap, "password", "password"), 0);
        assert_int_equal(tc_chap_set(&acl->chap, "bogus", "x"), -EINVAL);

        TcFabricModule *f;
        assert_int_equal(tc_config_iscsi_fabric(c, &f), 0);
        f->discovery_enable_auth = false;
        tc_config_prune_fabric_modules(c);
        assert_int_equal(c->n_fabric_modules, 0);

        assert_int_equal(tc_config_validate(c, NULL), 0);

        /* Round trip through text keeps everything. */
        _cleanup_free_ char *out = NULL, *out2 = NULL;
        assert_int_equal(tc_config_to_json(c, &out), 0);
        _cleanup_tc_config_ TargetConfig *c2 = parse_ok(out, NULL);
        assert_int_equal(tc_config_to_json(c2, &out2), 0);
        assert_string_equal(out, out2);

        /* Deleting the ramdisk takes LUN 1 and the mapped LUN that pointed at it. */
        size_t n_luns = 0;
        assert_int_equal(tc_config_remove_storage_object(c, rd, &n_luns), 0);
        assert_int_equal(n_luns, 1);
        assert_int_equal(tpg->n_luns, 1);
        assert_int_equal(acl->n_mapped_luns, 1);
        assert_int_equal(acl->mapped_luns[0]->tpg_lun, 0);
        assert_int_equal(tc_config_validate(c, NULL), 0);

        assert_int_equal(tc_tpg_remove_acl(tpg, acl), 0);
        assert_int_equal(tc_config_remove_target(c, t), 0);
        assert_int_equal(c->n_targets, 0);
}

/* ALUA groups: LIO's default, create/set/get/delete with LIO's ranges, a LUN's group, and
 * the JSON written as rtslib writes it. */
static void test_alua_groups(void **state) {
        _cleanup_tc_config_ TargetConfig *c = tc_config_new();
        _cleanup_free_ char *json = NULL, *v = NULL, *g = NULL;
        TcStorageObject *so;
        TcAluaGroup *groups = NULL;
        TcTarget *t;
        TcTpg *tpg;
        TcLun *lun;
        size_t n;

        assert_non_null(c);
        assert_int_equal(tc_config_add_storage_object(c, TC_BACKSTORE_RAMDISK, "rd", NULL, 1 << 20, NULL, &so), 0);
        assert_int_equal(tc_alua_groups(so, &groups, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(groups[0].name, TC_ALUA_DEFAULT_GROUP);
        assert_int_equal(groups[0].id, 0);
        assert_int_equal(groups[0].access_state, 0);
        assert_int_equal(groups[0].access_type, 3);
        assert_int_equal(groups[0].supported, 0xcf);
        tc_alua_groups_free(groups, n);

        assert_int_equal(tc_alua_group_create(so, "path_b", 1), 0);
        assert_int_equal(tc_alua_group_create(so, "path_c", 1), -EEXIST);
        assert_int_equal(tc_alua_group_create(so, "path_b", 2), -EEXIST);
        assert_int_equal(tc_alua_group_set(so, "path_b", "alua_access_state", "2"), 0);
        assert_int_equal(tc_alua_group_set(so, "path_b", "alua_access_state", "5"), -EINVAL);
        assert_int_equal(tc_alua_group_set(so, "path_b", "alua_support_standby", "0"), 0);
        assert_int_equal(tc_alua_group_set(so, "path_b", "tg_pt_gp_id", "4"), -EPERM);
        assert_int_equal(tc_alua_group_set(so, "path_b", "bogus", "1"), -ENOENT);
        assert_int_equal(tc_alua_group_set(so, "nosuch", "preferred", "1"), -ENOENT);
        assert_int_equal(tc_alua_group_get(so, "path_b", "alua_access_state", &v), 0);
        assert_string_equal(v, "2");
        assert_int_equal(tc_alua_groups(so, &groups, &n), 0);
        assert_int_equal(n, 2);
        assert_int_equal(groups[1].access_state, 2);
        assert_int_equal(groups[1].supported, 0xcf & ~0x04);
        tc_alua_groups_free(groups, n);

        assert_int_equal(tc_config_add_target(c, "iqn.2022-08.com.test:alua", &t), 0);
        assert_int_equal(tc_target_add_tpg(t, 0, &tpg), 0);
        assert_int_equal(tc_tpg_add_lun(c, tpg, 0, "/backstores/ramdisk/rd", &lun), 0);
        assert_int_equal(tc_lun_alua_group(lun, &g), 0);
        assert_string_equal(g, TC_ALUA_DEFAULT_GROUP);
        assert_int_equal(tc_lun_set_alua_group(so, lun, "nosuch"), -ENOENT);
        assert_int_equal(tc_lun_set_alua_group(so, lun, "path_b"), 0);
        assert_int_equal(tc_config_to_json(c, &json), 0);
        assert_non_null(strstr(json, "\"alua_tg_pt_gp_name\": \"path_b\""));
        assert_non_null(strstr(json, "\"name\": \"path_b\""));

        /* Deleting the group moves its LUNs back to the default group. */
        assert_int_equal(tc_alua_group_delete(c, so, TC_ALUA_DEFAULT_GROUP), -EPERM);
        assert_int_equal(tc_alua_group_delete(c, so, "path_b"), 0);
        free(g);
        g = NULL;
        assert_int_equal(tc_lun_alua_group(lun, &g), 0);
        assert_string_equal(g, TC_ALUA_DEFAULT_GROUP);
}

int main(int argc, char **argv) {
        if (argc > 1)
                fixture_dir = argv[1];
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fixture_loads),
                cmocka_unit_test(test_fixture_round_trip_bytes),
                cmocka_unit_test(test_save_atomic_mode_0600),
                cmocka_unit_test(test_unknown_keys_warned_and_kept),
                cmocka_unit_test(test_malformed_json_rejected),
                cmocka_unit_test(test_validation),
                cmocka_unit_test(test_unsupported_plugins_kept),
                cmocka_unit_test(test_load_missing_file),
                cmocka_unit_test(test_empty_object_and_python_escapes),
                cmocka_unit_test(test_edit_and_cascade),
                cmocka_unit_test(test_alua_groups),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
