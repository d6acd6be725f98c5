/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Interface records: ifaces/<name>, plus the built-in "default" and "iser". */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iscsi-util/fs-util.h"
#include "nodedb-internal.h"

bool node_iface_is_builtin(const char *name) {
        return streq(name, "default") || streq(name, "iser");
}

static Record *builtin_iface(const char *name) {
        Record *r = node_record_new(&node_record_schema_iface);
        if (!r)
                return NULL;
        if (node_record_set_index(r, IFACE_KEY_IFACE_NAME, name) < 0 ||
            node_record_set_index(r, IFACE_KEY_IFACE_TRANSPORT_NAME, streq(name, "iser") ? "iser" : "tcp") < 0)
                return node_record_free(r);
        return r;
}

int node_db_read_iface(NodeDb *db, const char *name, Record **ret) {
        _cleanup_free_ char *p = NULL;
        _cleanup_(node_record_freep) Record *r = NULL;
        int k;

        if (!name_ok(name))
                return -EINVAL;
        if (node_iface_is_builtin(name)) {
                r = builtin_iface(name);
                if (!r)
                        return -ENOMEM;
                *ret = TAKE_PTR(r);
                return 0;
        }
        if (asprintf(&p, "%s/ifaces/%s", db->root, name) < 0)
                return -ENOMEM;
        r = node_record_new(&node_record_schema_iface);
        if (!r)
                return -ENOMEM;
        k = node_record_load_file(r, p, NULL, NULL);
        if (k < 0)
                return k;
        (void) node_record_set_index(r, IFACE_KEY_IFACE_NAME, name);
        *ret = TAKE_PTR(r);
        return 0;
}

int node_db_write_iface(NodeDb *db, const Record *iface) {
        _cleanup_free_ char *dir = NULL;
        const char *name = node_record_get(iface, IFACE_KEY_IFACE_NAME);

        if (!name_ok(name))
                return -EINVAL;
        if (asprintf(&dir, "%s/ifaces", db->root) < 0)
                return -ENOMEM;
        /* not part of a batch: written at once */
        node_db_sweep_dir(db, dir);
        return node_db_write_record(NULL, dir, name, iface);
}

int node_db_ensure_ifaces_dir(NodeDb *db) {
        _cleanup_free_ char *dir = NULL;

        if (asprintf(&dir, "%s/ifaces", db->root) < 0)
                return -ENOMEM;
        return util_mkdir_parents(dir, 0755, true);
}

int node_db_delete_iface(NodeDb *db, const char *name) {
        _cleanup_free_ char *p = NULL;

        if (!name_ok(name))
                return -EINVAL;
        if (asprintf(&p, "%s/ifaces/%s", db->root, name) < 0)
                return -ENOMEM;
        if (unlink(p) < 0)
                return -errno;
        *strrchr(p, '/') = 0;
        (void) util_fsync_dir(p);
        return 0;
}

static int cmp_name(const void *a, const void *b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

int node_db_list_ifaces(NodeDb *db, Record ***ret, size_t *ret_n) {
        _cleanup_free_ char *dir = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        char **names = NULL;
        size_t nn = 0, n = 0;
        Record **v = NULL;
        struct dirent *de;
        int k = -ENOMEM;

        if (asprintf(&dir, "%s/ifaces", db->root) < 0)
                return -ENOMEM;
        d = opendir(dir);
        while (d && (de = readdir(d))) {
                char **nv;
                if (dot_or_tmp(de->d_name) || node_iface_is_builtin(de->d_name))
                        continue;
                nv = realloc(names, (nn + 1) * sizeof(char *));
                if (!nv)
                        goto out;
                names = nv;
                if (!(names[nn] = strdup(de->d_name)))
                        goto out;
                nn++;
        }
        if (nn > 1)
                qsort(names, nn, sizeof(char *), cmp_name);
        v = calloc(nn + 2, sizeof(Record *));
        if (!v)
                goto out;
        /* open-iscsi lists the configured ifaces first, then the built-in ones */
        for (size_t i = 0; i < nn; i++) {
                Record *r = NULL;
                if (node_db_read_iface(db, names[i], &r) < 0)
                        continue;
                v[n++] = r;
        }
        if (!(v[n] = builtin_iface("default")))
                goto out;
        n++;
        if (!(v[n] = builtin_iface("iser")))
                goto out;
        n++;
        *ret = TAKE_PTR(v);
        *ret_n = n;
        k = 0;
out:
        if (v)
                node_records_free(v, n);
        for (size_t i = 0; i < nn; i++)
                free(names[i]);
        free(names);
        return k;
}
