/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* iSNS discovery records: isns/<address>,<port>/isns_config, as open-iscsi 2.1 keeps them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iscsi-proto/isns.h"
#include "iscsi-util/fs-util.h"
#include "nodedb-internal.h"

#define ISNS_DIR "isns"
#define ISNS_CONFIG "isns_config"

static int isns_dir(NodeDb *db, const char *address, int port, char **ret) {
        if (!name_ok(address))
                return -EINVAL;
        return asprintf(ret, "%s/" ISNS_DIR "/%s,%d", db->root, address, port) < 0 ? -ENOMEM : 0;
}

int node_db_read_isns(NodeDb *db, const char *address, int port, Record **ret) {
        _cleanup_free_ char *dir = NULL, *p = NULL;
        int k;

        k = isns_dir(db, address, port, &dir);
        if (k < 0)
                return k;
        if (asprintf(&p, "%s/" ISNS_CONFIG, dir) < 0)
                return -ENOMEM;
        return node_db_load_discovery(p, &node_record_schema_isns, ret);
}

int node_db_write_isns(NodeDb *db, const Record *r) {
        _cleanup_free_ char *dir = NULL;
        int port = ISNS_DEFAULT_PORT, k;

        (void) node_record_get_int(r, ISNS_KEY_PORT, &port);
        k = isns_dir(db, node_record_get(r, ISNS_KEY_ADDRESS), port, &dir);
        if (k < 0)
                return k;
        /* not part of a batch: written at once */
        node_db_sweep_dir(db, dir);
        return node_db_write_record(NULL, dir, ISNS_CONFIG, r);
}

int node_db_delete_isns(NodeDb *db, const char *address, int port) {
        _cleanup_free_ char *dir = NULL, *p = NULL;
        int k;

        k = isns_dir(db, address, port, &dir);
        if (k < 0)
                return k;
        if (asprintf(&p, "%s/" ISNS_CONFIG, dir) < 0)
                return -ENOMEM;
        if (unlink(p) < 0)
                return -errno;
        node_db_sweep_dir(db, dir);
        (void) rmdir(dir);
        *strrchr(dir, '/') = 0;
        (void) util_fsync_dir(dir);
        return 0;
}

int node_db_list_isns(NodeDb *db, Record ***ret, size_t *ret_n) {
        _cleanup_free_ char *dir = NULL;

        if (asprintf(&dir, "%s/" ISNS_DIR, db->root) < 0)
                return -ENOMEM;
        return node_db_list_discovery(dir, ISNS_CONFIG, &node_record_schema_isns, ret, ret_n);
}
