/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The login parameter schema end to end: every parameter, set in a node record to a value that
 * is not its default, arrives unchanged through the IPC codec (as text, as on the wire) in
 * iscsid's session config, in the login proposals (if it has a login key) and in the SET_PARAM
 * calls (if it has a kernel parameter); and the defaults agree between the node record, the
 * daemon and the kernel.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "iscsi-node/ipc.h"
#include "iscsi-node/login-params.h"
#include "iscsi-proto/keys.h"
#include "session-config.h"
#include "session-params.h"

/* ---- a kernel transport that only records SET_PARAM ---- */

#define MAX_SET 96

struct recorder {
        struct kernel_transport base;
        int param[MAX_SET];
        char value[MAX_SET][256];
        unsigned n;
};

static int rec_set_param(struct kernel_transport *t, uint32_t sid, uint32_t cid, enum kiscsi_param p,
                         const char *v) {
        struct recorder *r = (struct recorder *) t;
        assert_true(r->n < MAX_SET);
        r->param[r->n] = (int) p;
        snprintf(r->value[r->n++], sizeof r->value[0], "%s", v);
        return 0;
}

static const struct kernel_transport_ops recorder_ops = { .set_param = rec_set_param };

/* SET_HOST_PARAM is recorded as param 1000 + the host parameter. */
#define HOST_PARAM_BASE 1000
static int rec_set_host_param(struct kernel_transport *t, uint32_t host_no, enum kiscsi_host_param p, const char *v) {
        return rec_set_param(t, host_no, 0, (enum kiscsi_param) (HOST_PARAM_BASE + (int) p), v);
}

static const struct kernel_transport_ops host_recorder_ops = { .set_host_param = rec_set_host_param };

/* The value SET_PARAM gave p; NULL if it was not set. Each parameter is set at most once. */
static const char *kernel_value(const struct recorder *r, int p) {
        const char *found = NULL;
        for (unsigned i = 0; i < r->n; i++)
                if (r->param[i] == p) {
                        assert_null(found);
                        found = r->value[i];
                }
        return found;
}

/* ---- values ---- */

static const RecordKey *key_of(const struct node_login_param *p) {
        return &node_record_schema_node.keys[p->record_key];
}

/* A valid value for p that differs from its default, as record text. */
static const char *other_value(const struct node_login_param *p, char *buf, size_t size) {
        const RecordKey *k = key_of(p);
        const char *def = k->def;

        switch (p->type) {
        case NODE_LOGIN_BOOL:
                return streq_ptr(def, "Yes") ? "No" : "Yes";
        case NODE_LOGIN_INT: {
                int d = def ? atoi(def) : 0;
                snprintf(buf, size, "%d", d < p->max ? MAX(d + 1, p->min) : d - 1);
                return buf;
        }
        case NODE_LOGIN_STR:
                if (k->type->choices) {
                        for (const char *const *c = k->type->choices; *c; c++)
                                if (!streq_ptr(*c, def))
                                        return *c;
                        fail();
                }
                if (p->record_key == NODE_KEY_IFACE_INITIATORNAME || p->record_key == NODE_KEY_NAME) {
                        snprintf(buf, size, "iqn.2026-12.org.example:%s", p->name);
                        return buf;
                }
                snprintf(buf, size, "v-%s", p->name);
                return buf;
        }
        return NULL;
}

/* The text the kernel gets for a value of p: booleans are 1/0 there. */
static const char *kernel_text(const struct node_login_param *p, const char *record_text) {
        if (p->type == NODE_LOGIN_BOOL)
                return streq(record_text, "Yes") ? "1" : "0";
        return record_text;
}

static int setup(void **state) {
        /* session_config_from_req reads the initiator name only when the request has none */
        setenv("ISCSI_INITIATORNAME_FILE", "/nonexistent", 1);
        return 0;
}

/* ---- tests ---- */

static void test_every_param_round_trips(void **state) {
        _cleanup_(node_record_freep) Record *rec = node_record_new(&node_record_schema_node);
        char bufs[_NODE_LOGIN_PARAM_MAX][64];
        const char *want[_NODE_LOGIN_PARAM_MAX] = {};
        assert_non_null(rec);

        for (unsigned i = 0; i < _NODE_LOGIN_PARAM_MAX; i++) {
                const struct node_login_param *p = &node_login_params[i];
                if (p->record_key == NODE_KEY_NONE)
                        continue;
                want[i] = other_value(p, bufs[i], sizeof bufs[i]);
                assert_int_equal(node_record_set_index(rec, (size_t) p->record_key, want[i]), 0);
        }
        /* node record -> request -> JSON text -> request in the daemon -> session config */
        struct node_login_req req, wire, cfg;
        node_login_req_from_record(rec, &req);
        struct json_object *o = node_login_req_to_json(&req);
        assert_non_null(o);
        struct json_object *o2 = json_tokener_parse(json_object_to_json_string(o));
        json_object_put(o);
        assert_non_null(o2);
        assert_int_equal(node_login_req_from_json(o2, &wire), 0);
        assert_int_equal(session_config_from_req(&cfg, &wire), 0);

        _cleanup_keys_ struct iscsi_keys keys = {};
        assert_int_equal(node_login_req_to_login_keys(&cfg, &keys), 0);
        struct recorder kernel = { .base.ops = &recorder_ops };
        struct iscsi_login_result res = {};
        iscsi_params_init_defaults(&res.params);
        assert_int_equal(session_set_kernel_params(&kernel.base, 1, 0, &cfg, &res), 0);

        for (unsigned i = 0; i < _NODE_LOGIN_PARAM_MAX; i++) {
                const struct node_login_param *p = &node_login_params[i];
                char buf[32];
                if (!want[i])
                        continue;
                print_message("%-24s %s\n", p->name, want[i]);
                assert_string_equal(node_login_req_value_text(&cfg, p, buf, sizeof buf), want[i]);
                if (p->login_key)
                        assert_string_equal(iscsi_keys_get(&keys, p->login_key), want[i]);
                int kp = session_kernel_param_of(i);
                if (kp >= 0)
                        assert_string_equal(kernel_value(&kernel, kp), kernel_text(p, want[i]));
        }
        node_login_req_done(&cfg);
        json_object_put(o2);
}

/* A request that sets only what it must gets the node record's defaults, in the session config,
 * the login and the kernel alike. */
static void test_defaults_agree(void **state) {
        _cleanup_(node_record_freep) Record *rec = node_record_new(&node_record_schema_node);
        struct node_login_req from_record, bare, cfg;

        assert_non_null(rec);
        assert_int_equal(node_record_set_index(rec, NODE_KEY_NAME, "iqn.2026-12.org.example:t"), 0);
        assert_int_equal(node_record_set_index(rec, NODE_KEY_CONN_ADDRESS, "192.0.2.1"), 0);
        assert_int_equal(node_record_set_index(rec, NODE_KEY_IFACE_INITIATORNAME, "iqn.2026-12.org.example:i"), 0);
        node_login_req_from_record(rec, &from_record);

        node_login_req_init(&bare);
        bare.target_name = from_record.target_name;
        bare.address = from_record.address;
        bare.initiator_name = from_record.initiator_name;
        assert_int_equal(session_config_from_req(&cfg, &bare), 0);

        _cleanup_keys_ struct iscsi_keys keys = {};
        assert_int_equal(node_login_req_to_login_keys(&cfg, &keys), 0);
        struct recorder kernel = { .base.ops = &recorder_ops };
        struct iscsi_login_result res = {};
        iscsi_params_init_defaults(&res.params);
        assert_int_equal(session_set_kernel_params(&kernel.base, 1, 0, &cfg, &res), 0);

        for (unsigned i = 0; i < _NODE_LOGIN_PARAM_MAX; i++) {
                const struct node_login_param *p = &node_login_params[i];
                char b1[32], b2[32];
                if (p->record_key == NODE_KEY_NONE)
                        continue;
                const char *def = node_record_get(rec, (size_t) p->record_key);
                if (p->type == NODE_LOGIN_INT && streq_ptr(def, "-1"))
                        def = NULL; /* node.tpgt's "not known" is the schema's "unset" */
                const char *in_record = node_login_req_value_text(&from_record, p, b1, sizeof b1);
                const char *in_daemon = node_login_req_value_text(&cfg, p, b2, sizeof b2);
                print_message("%-24s record %s, daemon %s\n", p->name, in_record ?: "(none)", in_daemon ?: "(none)");
                assert_string_equal(in_record ?: "(none)", def ?: "(none)");
                assert_string_equal(in_daemon ?: "(none)", def ?: "(none)");
                if (p->login_key && def)
                        assert_string_equal(iscsi_keys_get(&keys, p->login_key), def);
                int kp = session_kernel_param_of(i);
                if (kp >= 0 && def && !(p == &node_login_params[NODE_LOGIN_PARAM_tpgt] && cfg.tpgt < 0))
                        assert_string_equal(kernel_value(&kernel, kp), kernel_text(p, def));
        }
        /* the well-known cases the daemon used to default on its own */
        assert_int_equal(cfg.login_timeout, 30);
        assert_int_equal(cfg.initial_login_retry_max, 4);
        assert_int_equal(cfg.port, 3260);
        node_login_req_done(&cfg);
}

/* Every row is consistent: INT defaults within range, a record key for each login key. */
static void test_schema_rows(void **state) {
        for (unsigned i = 0; i < _NODE_LOGIN_PARAM_MAX; i++) {
                const struct node_login_param *p = &node_login_params[i];
                struct node_login_req r;
                node_login_req_init(&r);
                if (p->login_key)
                        assert_int_not_equal(p->record_key, NODE_KEY_NONE);
                if (p->record_key == NODE_KEY_NONE)
                        continue;
                const char *def = key_of(p)->def;
                if (p->type == NODE_LOGIN_INT && def) {
                        int d = atoi(def);
                        assert_true(d >= p->min && d <= p->max);
                }
                if (p->type == NODE_LOGIN_BOOL)
                        assert_true(streq_ptr(def, "Yes") || streq_ptr(def, "No"));
        }
}

/* Out-of-range and ill-typed values are refused by name. */
static void test_bad_values_refused(void **state) {
        struct node_login_req r;
        const struct node_login_param *bad = NULL;

        node_login_req_init(&r);
        r.target_name = "iqn.2026-12.org.example:t";
        r.address = "192.0.2.1";
        r.port = 70000;
        assert_int_equal(node_login_req_apply_defaults(&r, &bad), -EINVAL);
        assert_string_equal(bad->name, "port");

        node_login_req_init(&r);
        r.target_name = "iqn.2026-12.org.example:t";
        r.address = "192.0.2.1";
        r.header_digest = "MD5";
        assert_int_equal(node_login_req_apply_defaults(&r, &bad), -EINVAL);
        assert_string_equal(bad->name, "header_digest");

        node_login_req_init(&r);
        r.address = "192.0.2.1";
        assert_int_equal(node_login_req_apply_defaults(&r, &bad), -EINVAL);
        assert_string_equal(bad->name, "target_name");
}

/* A bound iface names its device (and MAC) on the session's host, as open-iscsi does; an unbound
 * one sets nothing, and a transport without host attributes is no error. */
static void test_host_params(void **state) {
        struct recorder kernel = { .base.ops = &host_recorder_ops };
        struct node_login_req cfg = { .netdev = "ia" };
        assert_int_equal(session_set_host_params(&kernel.base, 3, &cfg), 0);
        assert_int_equal(kernel.n, 1);
        assert_string_equal(kernel_value(&kernel, HOST_PARAM_BASE + KISCSI_HOST_PARAM_NETDEV_NAME), "ia");

        kernel.n = 0;
        cfg = (struct node_login_req) { .hwaddress = "52:54:00:00:03:02" };
        assert_int_equal(session_set_host_params(&kernel.base, 3, &cfg), 0);
        assert_int_equal(kernel.n, 1);
        assert_string_equal(kernel_value(&kernel, HOST_PARAM_BASE + KISCSI_HOST_PARAM_HWADDRESS), "52:54:00:00:03:02");

        kernel.n = 0;
        cfg = (struct node_login_req) {};
        assert_int_equal(session_set_host_params(&kernel.base, 3, &cfg), 0);
        assert_int_equal(kernel.n, 0);

        struct recorder none = { .base.ops = &recorder_ops };
        cfg = (struct node_login_req) { .netdev = "ia" };
        assert_int_equal(session_set_host_params(&none.base, 3, &cfg), 0);
        assert_int_equal(none.n, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_every_param_round_trips),
                cmocka_unit_test(test_defaults_agree),
                cmocka_unit_test(test_schema_rows),
                cmocka_unit_test(test_bad_values_refused),
                cmocka_unit_test(test_host_params),
        };
        return cmocka_run_group_tests(tests, setup, NULL);
}
