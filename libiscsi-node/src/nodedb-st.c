/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SendTargets discovery records: send_targets/<address>,<port>/st_config and its links. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iscsi-util/fs-util.h"
#include "nodedb-internal.h"
#include "iscsi-proto/defaults.h"

static int st_dir(NodeDb *db, const char *address, int port, char **ret) {
        return asprintf(ret, "%s/send_targets/%s,%d", db->root, address, port) < 0 ? -ENOMEM : 0;
}

/* The record's directory (optional) and its st_config file, for a caller-supplied address. */
static int st_config_path(NodeDb *db, const char *address, int port, char **ret_dir, char **ret_config) {
        _cleanup_free_ char *dir = NULL;
        char *config;
        int k;

        if (!name_ok(address))
                return -EINVAL;
        k = st_dir(db, address, port, &dir);
        if (k < 0)
                return k;
        if (asprintf(&config, "%s/st_config", dir) < 0)
                return -ENOMEM;
        if (ret_dir)
                *ret_dir = TAKE_PTR(dir);
        *ret_config = config;
        return 0;
}

int node_db_read_st(NodeDb *db, const char *address, int port, Record **ret) {
        _cleanup_free_ char *p = NULL;
        _cleanup_(node_record_freep) Record *r = NULL;
        int k;

        k = st_config_path(db, address, port, NULL, &p);
        if (k < 0)
                return k;
        r = node_record_new(&node_record_schema_st);
        if (!r)
                return -ENOMEM;
        k = node_record_load_file(r, p, NULL, NULL);
        if (k < 0)
                return k;
        *ret = TAKE_PTR(r);
        return 0;
}

int node_db_write_st(NodeDb *db, const Record *st) {
        _cleanup_free_ char *dir = NULL;
        int port = ISCSI_DEFAULT_PORT, k;

        if (!name_ok(node_record_get(st, ST_KEY_ADDRESS)))
                return -EINVAL;
        (void) node_record_get_int(st, ST_KEY_PORT, &port);
        k = st_dir(db, node_record_get(st, ST_KEY_ADDRESS), port, &dir);
        if (k < 0)
                return k;
        /* not part of a batch: written at once */
        node_db_sweep_dir(db, dir);
        return node_db_write_record(NULL, dir, "st_config", st);
}

int node_db_delete_st(NodeDb *db, const char *address, int port) {
        _cleanup_free_ char *dir = NULL, *p = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int k;

        k = st_config_path(db, address, port, &dir, &p);
        if (k < 0)
                return k;
        if (unlink(p) < 0)
                return -errno;
        d = opendir(dir);
        while (d && (de = readdir(d))) {
                _cleanup_free_ char *l = NULL;
                if (dot_or_tmp(de->d_name))
                        continue;
                if (asprintf(&l, "%s/%s", dir, de->d_name) >= 0)
                        (void) unlink(l);
        }
        node_db_sweep_dir(db, dir);
        (void) rmdir(dir);
        /* make the removal durable too */
        *strrchr(dir, '/') = 0;
        (void) util_fsync_dir(dir);
        return 0;
}

int node_db_list_st(NodeDb *db, Record ***ret, size_t *ret_n) {
        _cleanup_free_ char *dir = NULL;

        if (asprintf(&dir, "%s/send_targets", db->root) < 0)
                return -ENOMEM;
        return node_db_list_discovery(dir, "st_config", &node_record_schema_st, ret, ret_n);
}
