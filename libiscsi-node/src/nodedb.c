/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build-config.h"
#include "iscsi-util/fs-util.h"
#include "nodedb-internal.h"
#include "iscsi-node/paths.h"
#include "iscsi-proto/defaults.h"

int node_db_open(NodeDb **ret) {
        NodeDb *db = calloc(1, sizeof(*db));

        if (!db)
                return -ENOMEM;
        db->lock_fd = -EBADF;
        db->root = node_path_db(NULL);
        db->lock_path = node_path_rooted("/run/lock/iscsi/iscsi-tools.lock");
        if (!db->root || !db->lock_path) {
                node_db_free(db);
                return -ENOMEM;
        }
        *ret = db;
        return 0;
}

static void pending_clear(NodeDb *db, bool unlink_tmp) {
        for (size_t i = 0; i < db->n_pending; i++) {
                if (unlink_tmp && db->pending[i].tmp)
                        (void) unlink(db->pending[i].tmp);
                free(db->pending[i].tmp);
                free(db->pending[i].dst);
        }
        free(db->pending);
        db->pending = NULL;
        db->n_pending = 0;
}

static void swept_clear(NodeDb *db) {
        tdestroy(db->swept, free);
        db->swept = NULL;
}

NodeDb *node_db_free(NodeDb *db) {
        if (!db)
                return NULL;
        /* an uncommitted batch is abandoned: the old files stay as they were */
        pending_clear(db, true);
        swept_clear(db);
        safe_close(db->lock_fd);
        free(db->root);
        free(db->lock_path);
        free(db);
        return NULL;
}

const char *node_db_root(const NodeDb *db) {
        return db->root;
}

int node_db_lock(NodeDb *db) {
        _cleanup_free_ char *dir = NULL;
        int fd;

        if (db->lock_fd >= 0)
                return 0;
        dir = strdup(db->lock_path);
        if (!dir)
                return -ENOMEM;
        *strrchr(dir, '/') = 0;
        (void) util_mkdir_parents(dir, 0755, true);
        fd = open(db->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        /* flock waits in the kernel and is released if we die: no polling, no stale locks */
        while (flock(fd, LOCK_EX) < 0) {
                if (errno != EINTR) {
                        int r = -errno;
                        close(fd);
                        return r;
                }
        }
        db->lock_fd = fd;
        return 0;
}

void node_db_unlock(NodeDb *db) {
        swept_clear(db);
        db->lock_fd = safe_close(db->lock_fd);
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(a, b);
}

void node_db_sweep_dir(NodeDb *db, const char *dir) {
        char *key, **found;

        if (!db || db->lock_fd < 0 || tfind(dir, &db->swept, cmp_str))
                return;
        key = strdup(dir);
        if (!key)
                return;
        found = tsearch(key, &db->swept, cmp_str);
        if (!found || *found != key) {
                free(key);
                return;
        }
        (void) util_remove_stale_temps(dir, NULL);
}

int node_db_load_discovery(const char *path, const RecordSchema *schema, Record **ret) {
        _cleanup_(node_record_freep) Record *r = node_record_new(schema);
        int k;

        if (!r)
                return -ENOMEM;
        k = node_record_load_file(r, path, NULL, NULL);
        if (k < 0)
                return k;
        if (!node_record_get(r, ST_KEY_ADDRESS))
                return -EBADMSG;
        *ret = TAKE_PTR(r);
        return 0;
}

int node_db_list_discovery(const char *dir, const char *file, const RecordSchema *schema, Record ***ret,
                           size_t *ret_n) {
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *de;
        Record **v = NULL;
        size_t n = 0;

        while (d && (de = readdir(d))) {
                _cleanup_free_ char *p = NULL;
                _cleanup_(node_record_freep) Record *r = NULL;
                Record **nv;

                if (dot_or_tmp(de->d_name))
                        continue;
                if (asprintf(&p, "%s/%s/%s", dir, de->d_name, file) < 0)
                        goto oom;
                int k = node_db_load_discovery(p, schema, &r);
                if (k == -ENOMEM)
                        goto oom;
                if (k < 0)
                        continue;
                nv = realloc(v, (n + 1) * sizeof(Record *));
                if (!nv)
                        goto oom;
                v = nv;
                v[n++] = TAKE_PTR(r);
        }
        *ret = v;
        *ret_n = n;
        return 0;
oom:
        node_records_free(v, n);
        return -ENOMEM;
}

void node_records_free(Record **r, size_t n) {
        for (size_t i = 0; i < n; i++)
                node_record_free(r[i]);
        free(r);
}

void node_entries_free(NodeEntry *e, size_t n) {
        for (size_t i = 0; i < n; i++) {
                node_record_free(e[i].rec);
                free(e[i].path);
        }
        free(e);
}

static int record_to_file_text(const Record *r, char **ret) {
        return node_record_to_string(r, RECORD_FOR_FILE, ret);
}

/* Batch mode: the temp file is written but neither synced nor renamed yet. */
static int write_pending(NodeDb *db, const char *dir, const char *name, const char *data, size_t len) {
        _cleanup_free_ char *tmp = NULL, *dst = NULL;
        PendingRename *np;
        int r;

        r = util_mkdir_parents(dir, 0700, false);
        if (r < 0)
                return r;
        node_db_sweep_dir(db, dir);
        if (asprintf(&dst, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        r = util_atomic_file_stage(dst, data, len, 0600, false, &tmp);
        if (r < 0)
                return r;
        np = realloc(db->pending, (db->n_pending + 1) * sizeof(*np));
        if (!np) {
                (void) unlink(tmp);
                return -ENOMEM;
        }
        db->pending = np;
        np[db->n_pending++] = (PendingRename) { TAKE_PTR(tmp), TAKE_PTR(dst) };
        return 0;
}

/* Not batched: mkdir -p and the one atomic writer. */
static int write_now(NodeDb *db, const char *dir, const char *name, const char *data, size_t len) {
        _cleanup_free_ char *dst = NULL;
        int r;

        r = util_mkdir_parents(dir, 0700, true);
        if (r < 0)
                return r;
        node_db_sweep_dir(db, dir);
        if (asprintf(&dst, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        return util_write_file_atomic(dst, data, len, 0600);
}

int node_db_write_record(NodeDb *db, const char *dir, const char *name, const Record *r) {
        _cleanup_free_ char *text = NULL;
        int k;

        k = record_to_file_text(r, &text);
        if (k < 0)
                return k;
        /* node and discovery records can hold CHAP secrets: always 0600, as open-iscsi */
        if (db && db->batch)
                k = write_pending(db, dir, name, text, strlen(text));
        else
                k = write_now(db, dir, name, text, strlen(text));
        explicit_bzero(text, strlen(text));
        return k;
}

void node_db_batch_begin(NodeDb *db) {
        db->batch = true;
}

/* Two syncfs() calls make a whole batch durable instead of two fsyncs per record: the temp
 * files are on disk before any rename, and the renames are on disk before we return. A
 * crash in between leaves each record either old or new, never partial. */
int node_db_batch_commit(NodeDb *db) {
        _cleanup_close_ int fd = -EBADF;
        int r = 0;

        db->batch = false;
        if (db->n_pending == 0)
                return 0;
        fd = open(db->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || syncfs(fd) < 0) {
                r = -errno;
                pending_clear(db, true);
                return r;
        }
        for (size_t i = 0; i < db->n_pending; i++)
                if (db->pending[i].tmp) {
                        int k = util_atomic_file_commit(db->pending[i].tmp, db->pending[i].dst);
                        if (k < 0 && r == 0)
                                r = k;
                }
        /* files replaced by new ones (legacy flat records) go only after the new ones exist */
        for (size_t i = 0; r == 0 && i < db->n_pending; i++)
                if (!db->pending[i].tmp)
                        (void) unlink(db->pending[i].dst);
        pending_clear(db, r < 0);
        if (syncfs(fd) < 0 && r == 0)
                r = -errno;
        return r;
}

/* ---- node records ---- */

static bool filter_match(const NodeFilter *f, const Record *r) {
        int port = 0, tpgt = -1;

        if (!f)
                return true;
        (void) node_record_get_int(r, NODE_KEY_CONN_PORT, &port);
        (void) node_record_get_int(r, NODE_KEY_TPGT, &tpgt);
        if (f->target && !streq_ptr(f->target, node_record_get(r, NODE_KEY_NAME)))
                return false;
        if (f->address && !streq_ptr(f->address, node_record_get(r, NODE_KEY_CONN_ADDRESS)))
                return false;
        if (f->port > 0 && f->port != port)
                return false;
        if (f->tpgt != NODE_TPGT_ANY && f->tpgt != tpgt)
                return false;
        if (f->iface && !streq_ptr(f->iface, node_record_get(r, NODE_KEY_IFACE_NAME)))
                return false;
        return true;
}

static int entries_add(NodeEntry **e, size_t *n, Record *rec, const char *path, bool legacy) {
        NodeEntry *ne = realloc(*e, (*n + 1) * sizeof(NodeEntry));
        char *p;

        if (!ne)
                return -ENOMEM;
        *e = ne;
        p = strdup(path);
        if (!p)
                return -ENOMEM;
        ne[*n] = (NodeEntry) { .rec = rec, .path = p, .legacy = legacy };
        (*n)++;
        return 0;
}

static int read_node_file(const char *path, const char *iface, Record **ret) {
        _cleanup_(node_record_freep) Record *r = node_record_new(&node_record_schema_node);
        int k;

        if (!r)
                return -ENOMEM;
        k = node_record_load_file(r, path, NULL, NULL);
        if (k < 0)
                return k;
        /* open-iscsi takes the interface from the file name of the new layout */
        if (iface)
                (void) node_record_set_index(r, NODE_KEY_IFACE_NAME, iface);
        if (!node_record_get(r, NODE_KEY_NAME) || !node_record_get(r, NODE_KEY_CONN_ADDRESS))
                return -EBADMSG;
        *ret = TAKE_PTR(r);
        return 0;
}

static int cmp_entry(const void *a, const void *b) {
        const Record *x = ((const NodeEntry *) a)->rec, *y = ((const NodeEntry *) b)->rec;
        int c, px = 0, py = 0, tx = 0, ty = 0;

        c = strcmp(node_record_get(x, NODE_KEY_NAME), node_record_get(y, NODE_KEY_NAME));
        if (c)
                return c;
        c = strcmp(node_record_get(x, NODE_KEY_CONN_ADDRESS), node_record_get(y, NODE_KEY_CONN_ADDRESS));
        if (c)
                return c;
        (void) node_record_get_int(x, NODE_KEY_CONN_PORT, &px);
        (void) node_record_get_int(y, NODE_KEY_CONN_PORT, &py);
        if (px != py)
                return px < py ? -1 : 1;
        (void) node_record_get_int(x, NODE_KEY_TPGT, &tx);
        (void) node_record_get_int(y, NODE_KEY_TPGT, &ty);
        if (tx != ty)
                return tx < ty ? -1 : 1;
        return strcmp(node_record_get(x, NODE_KEY_IFACE_NAME) ?: "", node_record_get(y, NODE_KEY_IFACE_NAME) ?: "");
}

static int scan_target_dir(const char *tdir, const NodeFilter *f, NodeEntry **e, size_t *n) {
        _cleanup_closedir_ DIR *d = opendir(tdir);
        struct dirent *de;

        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while ((de = readdir(d))) {
                _cleanup_free_ char *p = NULL;
                struct stat st;

                if (dot_or_tmp(de->d_name))
                        continue;
                if (asprintf(&p, "%s/%s", tdir, de->d_name) < 0)
                        return -ENOMEM;
                if (stat(p, &st) < 0)
                        continue;
                if (S_ISREG(st.st_mode)) {
                        _cleanup_(node_record_freep) Record *r = NULL;
                        if (read_node_file(p, NULL, &r) < 0 || !filter_match(f, r))
                                continue;
                        if (entries_add(e, n, r, p, true) < 0)
                                return -ENOMEM;
                        TAKE_PTR(r);
                } else if (S_ISDIR(st.st_mode)) {
                        _cleanup_closedir_ DIR *pd = opendir(p);
                        struct dirent *ie;

                        if (!pd)
                                continue;
                        while ((ie = readdir(pd))) {
                                _cleanup_free_ char *ip = NULL;
                                _cleanup_(node_record_freep) Record *r = NULL;

                                if (dot_or_tmp(ie->d_name))
                                        continue;
                                if (f && f->iface && !streq(f->iface, ie->d_name))
                                        continue;
                                if (asprintf(&ip, "%s/%s", p, ie->d_name) < 0)
                                        return -ENOMEM;
                                if (read_node_file(ip, ie->d_name, &r) < 0 || !filter_match(f, r))
                                        continue;
                                if (entries_add(e, n, r, ip, false) < 0)
                                        return -ENOMEM;
                                TAKE_PTR(r);
                        }
                }
        }
        return 0;
}

int node_db_find_nodes(NodeDb *db, const NodeFilter *f, NodeEntry **ret, size_t *ret_n) {
        _cleanup_free_ char *nodes = NULL;
        NodeEntry *e = NULL;
        size_t n = 0;
        int k = 0;

        if (asprintf(&nodes, "%s/nodes", db->root) < 0)
                return -ENOMEM;
        if (f && f->target) {
                /* one target: look only at its directory */
                _cleanup_free_ char *t = NULL;
                if (strchr(f->target, '/') || dot_or_tmp(f->target))
                        goto done;
                if (asprintf(&t, "%s/%s", nodes, f->target) < 0)
                        return -ENOMEM;
                k = scan_target_dir(t, f, &e, &n);
        } else {
                _cleanup_closedir_ DIR *d = opendir(nodes);
                struct dirent *de;

                if (!d && errno != ENOENT)
                        return -errno;
                while (d && (de = readdir(d))) {
                        _cleanup_free_ char *t = NULL;
                        if (dot_or_tmp(de->d_name))
                                continue;
                        if (asprintf(&t, "%s/%s", nodes, de->d_name) < 0) {
                                k = -ENOMEM;
                                break;
                        }
                        k = scan_target_dir(t, f, &e, &n);
                        if (k < 0)
                                break;
                }
        }
        if (k < 0) {
                node_entries_free(e, n);
                return k;
        }
done:
        if (n > 1)
                qsort(e, n, sizeof(NodeEntry), cmp_entry);
        *ret = e;
        *ret_n = n;
        return 0;
}

static int node_portal_name(const Record *r, bool legacy, char **ret) {
        int port = ISCSI_DEFAULT_PORT, tpgt = -1;

        (void) node_record_get_int(r, NODE_KEY_CONN_PORT, &port);
        (void) node_record_get_int(r, NODE_KEY_TPGT, &tpgt);
        if (legacy)
                return asprintf(ret, "%s,%d", node_record_get(r, NODE_KEY_CONN_ADDRESS), port) < 0 ? -ENOMEM : 0;
        return asprintf(ret, "%s,%d,%d", node_record_get(r, NODE_KEY_CONN_ADDRESS), port, tpgt) < 0 ? -ENOMEM : 0;
}

int node_db_write_node(NodeDb *db, const Record *node) {
        _cleanup_free_ char *tdir = NULL, *portal = NULL, *legacy = NULL, *pdir = NULL;
        const char *target = node_record_get(node, NODE_KEY_NAME);
        const char *iface = node_record_get(node, NODE_KEY_IFACE_NAME) ?: "default";
        int tpgt = -1, k;
        struct stat st;

        if (!name_ok(target) || !name_ok(node_record_get(node, NODE_KEY_CONN_ADDRESS)) || !name_ok(iface))
                return -EINVAL;
        (void) node_record_get_int(node, NODE_KEY_TPGT, &tpgt);
        if (asprintf(&tdir, "%s/nodes/%s", db->root, target) < 0)
                return -ENOMEM;
        k = node_portal_name(node, true, &legacy);
        if (k < 0)
                return k;
        if (tpgt == -1)
                /* tpgt unknown: open-iscsi keeps such records in the flat legacy file */
                return node_db_write_record(db, tdir, legacy, node);

        k = node_portal_name(node, false, &portal);
        if (k < 0)
                return k;
        if (asprintf(&pdir, "%s/%s", tdir, portal) < 0)
                return -ENOMEM;
        k = node_db_write_record(db, pdir, iface, node);
        if (k < 0)
                return k;
        /* the portal now has a known tpgt: retire its legacy flat file */
        {
                char *path = NULL;
                if (asprintf(&path, "%s/%s", tdir, legacy) < 0)
                        return -ENOMEM;
                free(legacy);
                legacy = path;
        }
        if (lstat(legacy, &st) == 0 && S_ISREG(st.st_mode)) {
                if (db->batch) {
                        PendingRename *np = realloc(db->pending, (db->n_pending + 1) * sizeof(*np));
                        if (!np)
                                return -ENOMEM;
                        db->pending = np;
                        np[db->n_pending++] = (PendingRename) { NULL, TAKE_PTR(legacy) };
                } else {
                        (void) unlink(legacy);
                        (void) util_fsync_dir(tdir);
                }
        }
        return 0;
}

int node_db_save_node(NodeDb *db, const NodeEntry *e) {
        _cleanup_free_ char *dir = strdup(e->path);
        char *slash;

        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (!slash)
                return -EINVAL;
        *slash = 0;
        return node_db_write_record(db, dir, slash + 1, e->rec);
}

static int link_name(const Record *r, char **ret) {
        int port = ISCSI_DEFAULT_PORT, tpgt = -1;
        (void) node_record_get_int(r, NODE_KEY_CONN_PORT, &port);
        (void) node_record_get_int(r, NODE_KEY_TPGT, &tpgt);
        return asprintf(ret, "%s,%s,%d,%d,%s", node_record_get(r, NODE_KEY_NAME), node_record_get(r, NODE_KEY_CONN_ADDRESS),
                        port, tpgt, node_record_get(r, NODE_KEY_IFACE_NAME) ?: "default") < 0
                       ? -ENOMEM
                       : 0;
}

/* Remove every link to this node from static/ and send_targets/x/, except the one in
 * keep_dir (NULL: all). */
static void unlink_node_links(NodeDb *db, const Record *r, const char *keep_dir) {
        _cleanup_free_ char *name = NULL, *st = NULL, *p = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        if (link_name(r, &name) < 0)
                return;
        if (asprintf(&p, "%s/static", db->root) >= 0 && !streq_ptr(p, keep_dir)) {
                free(p);
                if (asprintf(&p, "%s/static/%s", db->root, name) >= 0)
                        (void) unlink(p);
        }
        if (asprintf(&st, "%s/send_targets", db->root) < 0)
                return;
        d = opendir(st);
        while (d && (de = readdir(d))) {
                _cleanup_free_ char *dir = NULL, *l = NULL;
                if (dot_or_tmp(de->d_name))
                        continue;
                if (asprintf(&dir, "%s/%s", st, de->d_name) < 0 || streq_ptr(dir, keep_dir))
                        continue;
                if (asprintf(&l, "%s/%s", dir, name) >= 0)
                        (void) unlink(l);
        }
}

int node_db_delete_node(NodeDb *db, const NodeEntry *e) {
        _cleanup_free_ char *dir = strdup(e->path);
        char *slash;

        if (!dir)
                return -ENOMEM;
        if (unlink(e->path) < 0 && errno != ENOENT)
                return -errno;
        unlink_node_links(db, e->rec, NULL);
        /* drop the portal dir and target dir once empty, as open-iscsi does */
        for (int i = 0; i < (e->legacy ? 1 : 2); i++) {
                slash = strrchr(dir, '/');
                if (!slash)
                        break;
                *slash = 0;
                if (i == 0 && !db->batch)
                        (void) util_fsync_dir(dir);
                node_db_sweep_dir(db, dir);
                if (rmdir(dir) < 0)
                        break;
        }
        return 0;
}

int node_db_link_node(NodeDb *db, const Record *node, const char *st_address, int st_port) {
        _cleanup_free_ char *dir = NULL, *name = NULL, *target = NULL, *portal = NULL, *lp = NULL;
        int k;

        if (st_address) {
                if (asprintf(&dir, "%s/send_targets/%s,%d", db->root, st_address, st_port) < 0)
                        return -ENOMEM;
        } else if (asprintf(&dir, "%s/static", db->root) < 0)
                return -ENOMEM;
        k = link_name(node, &name);
        if (k < 0)
                return k;
        k = node_portal_name(node, false, &portal);
        if (k < 0)
                return k;
        /* links point at the logical path, as seen with ISCSI_ROOT as "/" */
        if (asprintf(&target, "%s/nodes/%s/%s", ISCSI_DB_ROOT, node_record_get(node, NODE_KEY_NAME), portal) < 0 ||
            asprintf(&lp, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        k = util_mkdir_parents(dir, 0700, true);
        if (k < 0)
                return k;
        node_db_sweep_dir(db, dir);
        k = util_symlink_atomic(target, lp, !(db && db->batch));
        if (k < 0)
                return k;
        /* a record has one discovery source, as in open-iscsi: a node found again through
         * another portal (or added statically) is linked from there only */
        unlink_node_links(db, node, dir);
        return 0;
}

