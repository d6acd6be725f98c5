/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness: the iscsiadm <-> iscsid IPC codec (ipc.h), the daemon's side. The input is
 * the byte stream a client sends: it goes through node_ipc_recv_message over a socketpair (the
 * 4-byte length framing and the JSON parse), and an object that comes out is decoded as a login
 * and as a logout request. Invariants: a decoded request encodes and decodes to the same
 * request, and a message that was accepted is re-sent and received unchanged.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "iscsi-node/ipc.h"
#include "iscsi-node/login-params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SAME_STR(a, b) (!(a) == !(b) && (!(a) || strcmp((a), (b)) == 0))

static void check_login(struct json_object *o) {
        struct node_login_req a, b;
        if (node_login_req_from_json(o, &a) < 0)
                return;
        struct json_object *j = node_login_req_to_json(&a);
        if (!j || node_login_req_from_json(j, &b) < 0)
                abort();
        /* every parameter of the schema, not a hand-picked few */
        for (size_t i = 0; i < _NODE_LOGIN_PARAM_MAX; i++) {
                char ba[16], bb[16];
                const char *va = node_login_req_value_text(&a, &node_login_params[i], ba, sizeof ba);
                const char *vb = node_login_req_value_text(&b, &node_login_params[i], bb, sizeof bb);
                if (!SAME_STR(va, vb))
                        abort();
        }
        if (memcmp(a.isid, b.isid, sizeof a.isid) != 0 || a.allow_existing != b.allow_existing)
                abort();
        json_object_put(j);
}

static void check_logout(struct json_object *o) {
        struct session_logout_req a, b;
        if (node_ipc_logout_req_from_json(o, &a) < 0)
                return;
        struct json_object *j = node_ipc_logout_req_to_json(&a);
        if (!j || node_ipc_logout_req_from_json(j, &b) < 0)
                abort();
        if (a.sid != b.sid || a.port != b.port || a.force != b.force || !SAME_STR(a.target_name, b.target_name) ||
            !SAME_STR(a.address, b.address) || !SAME_STR(a.iface, b.iface))
                abort();
        json_object_put(j);
}

/* Send msg through a fresh socketpair and receive it: the same JSON text must come out. */
static void check_resend(struct json_object *msg) {
        int sv[2];
        struct json_object *back = NULL;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                abort();
        int r = node_ipc_send_message(sv[0], msg);
        close(sv[0]);
        if (r == 0 && node_ipc_recv_message(sv[1], &back) < 0)
                abort();
        close(sv[1]);
        if (back && strcmp(json_object_to_json_string(msg), json_object_to_json_string(back)) != 0)
                abort();
        json_object_put(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        int sv[2];
        struct json_object *o = NULL;

        /* The socket buffer holds any input libFuzzer gives us (-max_len is far below it). */
        if (size > 65536)
                return 0;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                abort();
        if (size > 0 && write(sv[0], data, size) != (ssize_t) size)
                abort();
        close(sv[0]);
        if (node_ipc_recv_message(sv[1], &o) == 0) {
                if (!json_object_is_type(o, json_type_object))
                        abort();
                check_login(o);
                check_logout(o);
                check_resend(o);
                json_object_put(o);
        }
        close(sv[1]);
        return 0;
}
