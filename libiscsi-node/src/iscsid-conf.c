/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "iscsi-node/iscsid-conf.h"
#include "iscsi-proto/isns.h"

/* Keys iscsid.conf may carry that belong to no record: accepted without a warning. */
static const char *const other_keys[] = {
        "iscsid.startup",
        "iscsid.safe_logout",
        "iscsid.ipc_auth_uid",
        "discovery.sendtargets.auth.chap_algs",
        NULL,
};

IscsidConf *node_iscsid_conf_free(IscsidConf *c) {
        if (!c)
                return NULL;
        node_record_free(c->node);
        node_record_free(c->st);
        node_record_free(c->isns);
        free(c->isns_address);
        free(c->startup);
        free(c);
        return NULL;
}

int node_iscsid_conf_new(IscsidConf **ret) {
        _cleanup_(node_iscsid_conf_freep) IscsidConf *c = calloc(1, sizeof(*c));

        if (!c)
                return -ENOMEM;
        c->node = node_record_new(&node_record_schema_node);
        c->st = node_record_new(&node_record_schema_st);
        c->isns = node_record_new(&node_record_schema_isns);
        c->isns_port = ISNS_DEFAULT_PORT;
        if (!c->node || !c->st || !c->isns)
                return -ENOMEM;
        *ret = TAKE_PTR(c);
        return 0;
}

/* isns.address, isns.port and the discovery.isns.* defaults; -ENOENT for other keys. */
static int apply_isns(IscsidConf *c, const char *key, const char *value) {
        int idx = node_record_key_index(&node_record_schema_isns, key);
        char *end;
        long port;

        if (streq(key, "isns.address")) {
                char *s = strdup(value);
                if (!s)
                        return -ENOMEM;
                free(c->isns_address);
                c->isns_address = s;
                return 0;
        }
        if (streq(key, "isns.port")) {
                port = strtol(value, &end, 10);
                if (*end || port < 1 || port > 65535)
                        return -EINVAL;
                c->isns_port = (int) port;
                return 0;
        }
        if (idx < 0 || strncmp(key, "discovery.isns.", strlen("discovery.isns.")) != 0)
                return -ENOENT;
        return node_record_set_index(c->isns, idx, value);
}

static int apply(IscsidConf *c, const char *key, const char *value) {
        int in_node = node_record_key_index(&node_record_schema_node, key);
        int in_st = node_record_key_index(&node_record_schema_st, key);
        int k;

        k = apply_isns(c, key, value);
        if (k != -ENOENT)
                return k;

        if (in_node < 0 && in_st < 0) {
                if (streq(key, "iscsid.startup")) {
                        char *s = strdup(value);
                        if (!s)
                                return -ENOMEM;
                        free(c->startup);
                        c->startup = s;
                        return 0;
                }
                if (streq(key, "iscsid.safe_logout")) {
                        if (strcasecmp(value, "Yes") && strcasecmp(value, "No"))
                                return -EINVAL;
                        c->safe_logout = strcasecmp(value, "Yes") == 0;
                        return 0;
                }
                if (streq(key, "discovery.sendtargets.auth.chap_algs"))
                        return node_record_set_index(c->st, ST_KEY_CHAP_ALGS, value);
                for (const char *const *o = other_keys; *o; o++)
                        if (streq(*o, key))
                                return 0;
                return -ENOENT;
        }
        /* identity keys describe one record, never a default */
        if (in_node >= 0 && (node_record_schema_node.keys[in_node].flags & KEY_IDENTITY) &&
            !streq(key, "iface.iscsi_ifacename"))
                return -ENOENT;
        if (in_node >= 0) {
                k = node_record_set_index(c->node, in_node, value);
                if (k < 0)
                        return k;
        }
        if (in_st >= 0) {
                k = node_record_set_index(c->st, in_st, value);
                if (k < 0)
                        return k;
        }
        return 0;
}

struct conf_parse {
        IscsidConf *conf;
        const char *file;
        ConfWarnFn warn;
        void *userdata;
};

static int conf_parse_line(void *userdata, unsigned lineno, char *line, char *key, char *value) {
        struct conf_parse *p = userdata;

        if (!key) {
                if (p->warn)
                        p->warn(p->userdata, p->file, lineno, CONF_MALFORMED, line, NULL);
                return 0;
        }
        int k = apply(p->conf, key, value);
        if (k == -ENOMEM)
                return k;
        if (k < 0 && p->warn)
                p->warn(p->userdata, p->file, lineno, k == -ENOENT ? CONF_UNKNOWN_KEY : CONF_BAD_VALUE, key, value);
        return 0;
}

int node_iscsid_conf_parse(IscsidConf *c, const char *file, const char *text, ConfWarnFn warn, void *userdata) {
        struct conf_parse p = { c, file, warn, userdata };
        return node_kv_for_each_line(text, conf_parse_line, &p);
}

/* iscsid.conf is about 12 KiB with its comments: read in steps of this. */
#define CONF_READ_CHUNK 8192

int node_iscsid_conf_load(const char *path, ConfWarnFn warn, void *userdata, IscsidConf **ret) {
        _cleanup_(node_iscsid_conf_freep) IscsidConf *c = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int k;

        k = node_iscsid_conf_new(&c);
        if (k < 0)
                return k;
        f = fopen(path, "re");
        if (!f) {
                if (errno != ENOENT)
                        return -errno;
                *ret = TAKE_PTR(c);
                return 0;
        }
        for (;;) {
                char *nb = realloc(buf, len + CONF_READ_CHUNK + 1);
                size_t n;
                if (!nb)
                        return -ENOMEM;
                buf = nb;
                n = fread(buf + len, 1, CONF_READ_CHUNK, f);
                len += n;
                if (n < CONF_READ_CHUNK)
                        break;
        }
        if (ferror(f))
                return -EIO;
        buf[len] = 0;
        k = node_iscsid_conf_parse(c, path, buf, warn, userdata);
        explicit_bzero(buf, len);
        if (k < 0)
                return k;
        *ret = TAKE_PTR(c);
        return 0;
}
