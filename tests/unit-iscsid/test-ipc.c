/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The IPC wire format: framing, request encoding, versioning. */

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "build-config.h"
#include "iscsi-node/ipc.h"
#include "iscsi-proto/defaults.h"

static void test_frame_roundtrip(void **state) {
        int sv[2];
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        struct json_object *o = node_ipc_new_response("login", ISCSI_ERR_LOGIN_AUTH_FAILED, "bad secret");
        assert_int_equal(node_ipc_send_message(sv[0], o), 0);
        json_object_put(o);
        struct json_object *got = NULL;
        assert_int_equal(node_ipc_recv_message(sv[1], &got), 0);
        struct json_object *v;
        assert_true(json_object_object_get_ex(got, "version", &v));
        assert_int_equal(json_object_get_int(v), ISCSID_IPC_VERSION);
        assert_true(json_object_object_get_ex(got, "status", &v));
        assert_int_equal(json_object_get_int(v), 24);
        assert_true(json_object_object_get_ex(got, "message", &v));
        assert_string_equal(json_object_get_string(v), "bad secret");
        json_object_put(got);
        close(sv[0]);
        assert_int_equal(node_ipc_recv_message(sv[1], &got), -ENODATA);
        close(sv[1]);
}

static void test_frame_rejects_garbage(void **state) {
        int sv[2];
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        uint32_t be = htonl(5);
        assert_int_equal(write(sv[0], &be, 4), 4);
        assert_int_equal(write(sv[0], "[1,2]", 5), 5);   /* JSON, but not an object */
        struct json_object *got = NULL;
        assert_int_equal(node_ipc_recv_message(sv[1], &got), -EBADMSG);
        be = htonl(ISCSID_IPC_MAX_MESSAGE + 1);
        assert_int_equal(write(sv[0], &be, 4), 4);
        assert_int_equal(node_ipc_recv_message(sv[1], &got), -EBADMSG);
        close(sv[0]);
        close(sv[1]);
}

static void test_login_req_roundtrip(void **state) {
        struct node_login_req req;
        node_login_req_init(&req);
        req.target_name = "iqn.2026-11.org.example:t1";
        req.address = "127.0.0.1";
        req.port = 3261;
        req.tpgt = 1;
        req.iface = "default";
        memcpy(req.isid, (uint8_t[6]) { 0xc0, 1, 2, 3, 0, 7 }, 6);
        req.auth_method = "CHAP";
        req.username = "user";
        req.password = "secretsecret";
        req.chap_algs = "SHA256,MD5";
        req.header_digest = "CRC32C,None";
        req.max_recv_dlength = 262144;
        req.initial_r2t = 0;
        req.immediate_data = 1;
        req.replacement_timeout = 20;
        req.allow_existing = true;
        req.scan = "manual";
        struct json_object *o = node_login_req_to_json(&req);
        assert_non_null(o);
        /* through text, as on the wire */
        struct json_object *o2 = json_tokener_parse(json_object_to_json_string(o));
        json_object_put(o);
        struct node_login_req back;
        assert_int_equal(node_login_req_from_json(o2, &back), 0);
        assert_string_equal(back.target_name, req.target_name);
        assert_string_equal(back.address, req.address);
        assert_int_equal(back.port, 3261);
        assert_int_equal(back.tpgt, 1);
        assert_memory_equal(back.isid, req.isid, 6);
        assert_string_equal(back.password, "secretsecret");
        assert_string_equal(back.chap_algs, "SHA256,MD5");
        assert_string_equal(back.header_digest, "CRC32C,None");
        assert_null(back.data_digest);
        assert_int_equal(back.max_recv_dlength, 262144);
        assert_int_equal(back.initial_r2t, 0);
        assert_int_equal(back.immediate_data, 1);
        assert_int_equal(back.erl, NODE_LOGIN_UNSET);
        assert_int_equal(back.replacement_timeout, 20);
        assert_true(back.allow_existing);
        assert_string_equal(back.scan, "manual");
        json_object_put(o2);

        /* missing target name is refused; unknown keys are ignored; a wrong type is refused */
        struct json_object *bad = json_tokener_parse("{\"address\":\"127.0.0.1\",\"future_key\":1}");
        assert_int_equal(node_login_req_from_json(bad, &back), -EINVAL);
        json_object_put(bad);
        bad = json_tokener_parse("{\"target_name\":\"iqn.x:y\",\"address\":\"::1\",\"port\":\"3260\"}");
        assert_int_equal(node_login_req_from_json(bad, &back), -EINVAL);
        json_object_put(bad);
        struct json_object *minimal = json_tokener_parse(
                "{\"target_name\":\"iqn.x:y\",\"address\":\"::1\",\"future_key\":[1]}");
        assert_int_equal(node_login_req_from_json(minimal, &back), 0);
        assert_int_equal(back.port, NODE_LOGIN_UNSET);
        assert_int_equal(back.login_timeout, NODE_LOGIN_UNSET);
        /* the daemon's defaults are the node record's */
        assert_int_equal(node_login_req_apply_defaults(&back, NULL), 0);
        assert_int_equal(back.port, ISCSI_DEFAULT_PORT);
        assert_int_equal(back.tpgt, -1);
        assert_int_equal(back.login_timeout, 30);
        assert_int_equal(back.initial_login_retry_max, 4);
        json_object_put(minimal);
}

static void test_logout_req(void **state) {
        struct session_logout_req req = { .sid = -1, .target_name = "iqn.x:y", .address = "127.0.0.1", .port = 3260,
                                          .force = true };
        struct json_object *o = node_ipc_logout_req_to_json(&req);
        struct session_logout_req back;
        assert_int_equal(node_ipc_logout_req_from_json(o, &back), 0);
        assert_int_equal(back.sid, -1);
        assert_string_equal(back.target_name, "iqn.x:y");
        assert_true(back.force);
        json_object_put(o);
        struct json_object *bad = json_tokener_parse("{\"sid\":-1}");
        assert_int_equal(node_ipc_logout_req_from_json(bad, &back), -EINVAL);
        json_object_put(bad);
}

static void test_err_strings_and_path(void **state) {
        assert_string_equal(node_exit_code_text(ISCSI_ERR_SESS_EXISTS), "session exists");
        assert_string_equal(node_exit_code_text(24), "iSCSI login failed due to authorization failure");
        assert_string_equal(node_exit_code_text(999), "unknown error");
        setenv("ISCSID_SOCKET", "/tmp/x.sock", 1);
        assert_string_equal(node_iscsid_socket_path(), "/tmp/x.sock");
        unsetenv("ISCSID_SOCKET");
        assert_string_equal(node_iscsid_socket_path(), ISCSI_RUN_DIR "/iscsid.sock");
}

static void test_client_without_daemon(void **state) {
        setenv("ISCSID_SOCKET", "/nonexistent/iscsid.sock", 1);
        struct iscsid_simple_result res;
        assert_int_equal(node_iscsid_client_ping(&res), -ENOENT);
        unsetenv("ISCSID_SOCKET");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_frame_roundtrip),
                cmocka_unit_test(test_frame_rejects_garbage),
                cmocka_unit_test(test_login_req_roundtrip),
                cmocka_unit_test(test_logout_req),
                cmocka_unit_test(test_err_strings_and_path),
                cmocka_unit_test(test_client_without_daemon),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
