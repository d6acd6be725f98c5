/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared between the nodedb*.c files: the NodeDb object and small helpers. */
#pragma once

#include <dirent.h>
#include <stdbool.h>
#include <string.h>

#include "iscsi-util/macro.h"

#include "iscsi-node/nodedb.h"

typedef struct PendingRename {
        char *tmp; /* NULL: unlink dst once the renames are done */
        char *dst;
} PendingRename;

struct NodeDb {
        char *root;      /* <ISCSI_ROOT><ISCSI_DB_ROOT> */
        char *lock_path; /* <ISCSI_ROOT>/run/lock/iscsi/iscsi-tools.lock */
        int lock_fd;
        bool batch;      /* between node_db_batch_begin() and node_db_batch_commit() */
        PendingRename *pending;
        size_t n_pending;
        void *swept;     /* tsearch() set of the directories swept of stale temps under this lock */
};


/* Under the writers' lock no other writer is alive, so a temp file in a directory we are about
 * to write or remove was left by one that was killed: remove it. Each directory once per lock
 * hold, before our own temp files are in it (those of an open batch must stay). Nothing
 * without the lock. */
void node_db_sweep_dir(NodeDb *db, const char *dir);

/* A discovery record file (schema) that has its address key (ST_KEY_ADDRESS, the same index
 * in both discovery schemas); -EBADMSG without one. */
int node_db_load_discovery(const char *path, const RecordSchema *schema, Record **ret);
/* dir/ENTRY/file of every entry of dir, loaded by node_db_load_discovery(); entries without a
 * loadable one are skipped, a missing dir lists nothing. */
int node_db_list_discovery(const char *dir, const char *file, const RecordSchema *schema, Record ***ret,
                           size_t *ret_n);

/* Write a record file: atomically and durably, or into the open batch. */
int node_db_write_record(NodeDb *db, const char *dir, const char *name, const Record *r);

static inline void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Entries starting with '.' are ours in progress (".#name.XXXXXX") or not records. */
static inline bool dot_or_tmp(const char *name) {
        return name[0] == '.';
}

/* A path component we are willing to create: no '/', not "." or "..". */
static inline bool name_ok(const char *s) {
        return s && *s && !strchr(s, '/') && !streq(s, ".") && !streq(s, "..");
}
