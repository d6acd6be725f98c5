/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Everything derived from the login parameter schema (login-params.h), as table-driven loops. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "iscsi-node/login-params.h"
#include "iscsi-proto/keys.h"
#include "iscsi-util/macro.h"

#define NODE_KEY_ID(rk) NODE_KEY_##rk
#define NODE_LOGIN_ROW(field, type_, rk, min_, max_, lk, kp, flags_)            \
        [NODE_LOGIN_PARAM_##field] = {                                          \
                .name = #field,                                                 \
                .type = NODE_LOGIN_##type_,                                     \
                .offset = offsetof(struct node_login_req, field),               \
                .record_key = NODE_KEY_ID(rk),                                  \
                .min = min_,                                                    \
                .max = max_,                                                    \
                .login_key = lk,                                                \
                .flags = flags_,                                                \
        },

const struct node_login_param node_login_params[_NODE_LOGIN_PARAM_MAX] = { NODE_LOGIN_PARAMS(NODE_LOGIN_ROW) };

#define ISID_HEX_LEN 12

#define FOREACH_LOGIN_PARAM(p) \
        for (const struct node_login_param *p = node_login_params; p < node_login_params + _NODE_LOGIN_PARAM_MAX; p++)

void node_login_req_init(struct node_login_req *r) {
        memset(r, 0, sizeof *r);
        FOREACH_LOGIN_PARAM(p)
                if (p->type != NODE_LOGIN_STR)
                        *node_login_req_int(r, p) = NODE_LOGIN_UNSET;
}

static bool is_set(const struct node_login_req *r, const struct node_login_param *p) {
        if (p->type == NODE_LOGIN_STR)
                return *node_login_req_str(r, p) != NULL;
        return *node_login_req_int(r, p) != NODE_LOGIN_UNSET;
}

/* Store the record text of one parameter (NULL = leave unset); -EINVAL if it does not parse. */
static int set_from_text(struct node_login_req *r, const struct node_login_param *p, const char *text) {
        if (!text)
                return 0;
        switch (p->type) {
        case NODE_LOGIN_STR:
                *node_login_req_str(r, p) = text;
                return 0;
        case NODE_LOGIN_BOOL:
                if (!streq(text, "Yes") && !streq(text, "No"))
                        return -EINVAL;
                *node_login_req_int(r, p) = streq(text, "Yes");
                return 0;
        case NODE_LOGIN_INT: {
                char *end;
                errno = 0;
                long v = strtol(text, &end, 10);
                if (errno || end == text || *end || v < INT_MIN || v > INT_MAX)
                        return -EINVAL;
                *node_login_req_int(r, p) = (int) v;
                return 0;
        }
        }
        return -EINVAL;
}

void node_login_req_from_record(const Record *rec, struct node_login_req *r) {
        node_login_req_init(r);
        FOREACH_LOGIN_PARAM(p)
                if (p->record_key != NODE_KEY_NONE)
                        /* a record holds normalized values: they parse */
                        (void) set_from_text(r, p, node_record_get(rec, (size_t) p->record_key));
}

static const RecordKey *record_key_of(const struct node_login_param *p) {
        return &node_record_schema_node.keys[p->record_key];
}

static int check_value(const struct node_login_req *r, const struct node_login_param *p) {
        char buf[16];
        if (!is_set(r, p))
                return (p->flags & NODE_LOGIN_REQUIRED) ? -EINVAL : 0;
        if (p->type == NODE_LOGIN_INT) {
                int v = *node_login_req_int(r, p);
                if (v < p->min || v > p->max)
                        return -EINVAL;
        }
        if (p->type == NODE_LOGIN_BOOL && (unsigned) *node_login_req_int(r, p) > 1)
                return -EINVAL;
        if (p->record_key == NODE_KEY_NONE)
                return 0;
        return node_record_check_value(&node_record_schema_node, (size_t) p->record_key,
                                       node_login_req_value_text(r, p, buf, sizeof buf));
}

int node_login_req_apply_defaults(struct node_login_req *r, const struct node_login_param **ret_bad) {
        FOREACH_LOGIN_PARAM(p) {
                if (p->record_key != NODE_KEY_NONE && !is_set(r, p))
                        /* the defaults of the key table are well-formed (test-login-params) */
                        (void) set_from_text(r, p, record_key_of(p)->def);
                if (check_value(r, p) < 0) {
                        if (ret_bad)
                                *ret_bad = p;
                        return -EINVAL;
                }
        }
        return 0;
}

void node_login_req_done(struct node_login_req *r) {
        FOREACH_LOGIN_PARAM(p) {
                if (p->type != NODE_LOGIN_STR)
                        continue;
                char *s = (char *) *node_login_req_str(r, p); /* owned: made by node_login_req_dup() */
                if (s && (p->flags & NODE_LOGIN_SECRET))
                        explicit_bzero(s, strlen(s));
                free(s);
                *node_login_req_str(r, p) = NULL;
        }
}

int node_login_req_dup(const struct node_login_req *src, struct node_login_req *ret) {
        struct node_login_req c = *src;
        FOREACH_LOGIN_PARAM(p)
                if (p->type == NODE_LOGIN_STR)
                        *node_login_req_str(&c, p) = NULL;
        FOREACH_LOGIN_PARAM(p) {
                const char *s = p->type == NODE_LOGIN_STR ? *node_login_req_str(src, p) : NULL;
                if (s && !(*node_login_req_str(&c, p) = strdup(s))) {
                        node_login_req_done(&c);
                        return -ENOMEM;
                }
        }
        *ret = c;
        return 0;
}

const char *node_login_req_value_text(const struct node_login_req *r, const struct node_login_param *p,
                                      char *buf, size_t size) {
        if (!is_set(r, p))
                return NULL;
        switch (p->type) {
        case NODE_LOGIN_STR:
                return *node_login_req_str(r, p);
        case NODE_LOGIN_BOOL:
                return *node_login_req_int(r, p) ? "Yes" : "No";
        case NODE_LOGIN_INT:
                snprintf(buf, size, "%d", *node_login_req_int(r, p));
                return buf;
        }
        return NULL;
}

int node_login_req_to_login_keys(const struct node_login_req *r, struct iscsi_keys *ops) {
        FOREACH_LOGIN_PARAM(p) {
                char buf[16];
                const char *v = node_login_req_value_text(r, p, buf, sizeof buf);
                if (!p->login_key || !v)
                        continue;
                int k = iscsi_keys_add(ops, p->login_key, v);
                if (k < 0)
                        return k;
        }
        return 0;
}

/* ---- IPC codec ---- */

static int add(struct json_object *o, const char *key, struct json_object *v) {
        if (!v || json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static int add_param(struct json_object *o, const struct node_login_req *r, const struct node_login_param *p) {
        if (!is_set(r, p))
                return 0;
        if (p->type == NODE_LOGIN_STR)
                return add(o, p->name, json_object_new_string(*node_login_req_str(r, p)));
        return add(o, p->name, json_object_new_int64(*node_login_req_int(r, p)));
}

struct json_object *node_login_req_to_json(const struct node_login_req *r) {
        struct json_object *o = json_object_new_object();
        char isid[ISID_HEX_LEN + 1];
        int k = o ? 0 : -ENOMEM;

        FOREACH_LOGIN_PARAM(p)
                if (k >= 0)
                        k = add_param(o, r, p);
        snprintf(isid, sizeof isid, "%02x%02x%02x%02x%02x%02x", r->isid[0], r->isid[1], r->isid[2], r->isid[3],
                 r->isid[4], r->isid[5]);
        if (k >= 0)
                k = add(o, "isid", json_object_new_string(isid));
        if (k >= 0)
                k = add(o, "allow_existing", json_object_new_boolean(r->allow_existing));
        if (k < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static int get_param(struct json_object *o, struct node_login_req *r, const struct node_login_param *p) {
        struct json_object *v;
        if (!json_object_object_get_ex(o, p->name, &v) || json_object_is_type(v, json_type_null))
                return 0;
        if (p->type == NODE_LOGIN_STR) {
                if (!json_object_is_type(v, json_type_string))
                        return -EINVAL;
                const char *text = json_object_get_string(v);
                *node_login_req_str(r, p) = *text ? text : NULL; /* "" is empty, as in a record */
                return 0;
        }
        if (!json_object_is_type(v, json_type_int))
                return -EINVAL;
        int64_t n = json_object_get_int64(v);
        if (n < INT_MIN || n > INT_MAX)
                return -EINVAL;
        *node_login_req_int(r, p) = (int) n;
        return 0;
}

static int parse_isid(const char *hex, uint8_t isid[6]) {
        if (strlen(hex) != ISID_HEX_LEN)
                return -EINVAL;
        for (int i = 0; i < 6; i++) {
                unsigned v;
                if (sscanf(hex + 2 * i, "%2x", &v) != 1)
                        return -EINVAL;
                isid[i] = (uint8_t) v;
        }
        return 0;
}

int node_login_req_from_json(struct json_object *o, struct node_login_req *ret) {
        struct node_login_req r;
        struct json_object *v;

        node_login_req_init(&r);
        FOREACH_LOGIN_PARAM(p) {
                int k = get_param(o, &r, p);
                if (k < 0)
                        return k;
                if ((p->flags & NODE_LOGIN_REQUIRED) && !is_set(&r, p))
                        return -EINVAL;
        }
        if (json_object_object_get_ex(o, "isid", &v) && json_object_is_type(v, json_type_string) &&
            parse_isid(json_object_get_string(v), r.isid) < 0)
                return -EINVAL;
        if (json_object_object_get_ex(o, "allow_existing", &v))
                r.allow_existing = json_object_get_boolean(v);
        *ret = r;
        return 0;
}
