/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * open-iscsi's on-disk node database, read and written compatibly:
 *   nodes/<target>/<address>,<port>,<tpgt>/<iface>   node record per interface
 *   nodes/<target>/<address>,<port>                  legacy flat record (tpgt unknown)
 *   send_targets/<address>,<port>/st_config          SendTargets discovery record
 *   send_targets/<address>,<port>/<link>             links to the node dirs it found
 *   static/<link>                                    links to statically added nodes
 *   ifaces/<name>                                    interface records
 * Links are named "<target>,<address>,<port>,<tpgt>,<iface>" and point to the node dir.
 *
 * Every write goes to a temporary file that is fsynced, renamed over the old one and the
 * directory fsynced. Writers hold an exclusive flock for the whole read-modify-write; under
 * it they remove the temp files of writers killed in the middle of a write from each directory
 * they write to or remove (readers skip every name starting with '.', so a temp file is never
 * taken for a record, lock or not).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "iscsi-util/macro.h"
#include "iscsi-node/record.h"

typedef struct NodeDb NodeDb;

int node_db_open(NodeDb **ret);
NodeDb *node_db_free(NodeDb *db);
DEFINE_TRIVIAL_CLEANUP_FUNC(NodeDb *, node_db_free);

const char *node_db_root(const NodeDb *db);

/* Exclusive lock serializing writers (blocking; held until node_db_unlock or free). */
int node_db_lock(NodeDb *db);
void node_db_unlock(NodeDb *db);

/* Group many node writes (update all, discovery): records are written to temp files and
 * renamed at commit, made durable with two syncfs() calls for the whole batch. Readers still
 * only ever see whole records. Free without commit = abandon (no record changes). */
void node_db_batch_begin(NodeDb *db);
int node_db_batch_commit(NodeDb *db);

typedef struct NodeEntry {
        Record *rec;
        char *path;  /* file the record was read from */
        bool legacy; /* flat nodes/<target>/<address>,<port> file */
} NodeEntry;

void node_entries_free(NodeEntry *e, size_t n);

#define NODE_TPGT_ANY (-2)

typedef struct NodeFilter {
        const char *target;  /* NULL = any */
        const char *address; /* NULL = any */
        int port;            /* <= 0 = any */
        int tpgt;            /* NODE_TPGT_ANY = any */
        const char *iface;   /* NULL = any */
} NodeFilter;

#define NODE_FILTER_ALL ((NodeFilter) { .tpgt = NODE_TPGT_ANY })

/* All matching node records, sorted by target, address, port, tpgt, iface. */
int node_db_find_nodes(NodeDb *db, const NodeFilter *f, NodeEntry **ret, size_t *ret_n);

/* Write a node record where its identity puts it (the legacy flat form if tpgt is -1).
 * A legacy flat file for the same portal is replaced when the tpgt is known. */
int node_db_write_node(NodeDb *db, const Record *node);
/* Rewrite an existing entry in place (keeps the legacy form if it was one). */
int node_db_save_node(NodeDb *db, const NodeEntry *e);
int node_db_delete_node(NodeDb *db, const NodeEntry *e);
/* Link a node into static/ (st_address NULL) or send_targets/<address>,<port>/; its links
 * from anywhere else go (a record has one discovery source). */
int node_db_link_node(NodeDb *db, const Record *node, const char *st_address, int st_port);

/* SendTargets discovery records. */
int node_db_read_st(NodeDb *db, const char *address, int port, Record **ret);
int node_db_write_st(NodeDb *db, const Record *st);
int node_db_delete_st(NodeDb *db, const char *address, int port);
int node_db_list_st(NodeDb *db, Record ***ret, size_t *ret_n);

/* iSNS discovery records (schema node_record_schema_isns); a missing one is -ENOENT. */
int node_db_read_isns(NodeDb *db, const char *address, int port, Record **ret);
int node_db_write_isns(NodeDb *db, const Record *isns);
int node_db_delete_isns(NodeDb *db, const char *address, int port);
int node_db_list_isns(NodeDb *db, Record ***ret, size_t *ret_n);

/* Interface records; "default" and "iser" exist without a file, as in open-iscsi. */
int node_db_read_iface(NodeDb *db, const char *name, Record **ret);
int node_db_write_iface(NodeDb *db, const Record *iface);
int node_db_delete_iface(NodeDb *db, const char *name);
int node_db_list_ifaces(NodeDb *db, Record ***ret, size_t *ret_n);
/* Create ifaces/ (empty), as open-iscsi does whenever it sets up its interfaces. */
int node_db_ensure_ifaces_dir(NodeDb *db);
bool node_iface_is_builtin(const char *name);

void node_records_free(Record **r, size_t n);

