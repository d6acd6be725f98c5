/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one way this project replaces a file: a uniquely named temp file next to the target,
 * written in full, fsynced, renamed over the target, and the directory fsynced. A crash at any
 * point leaves the old content or the new one, never a torn file; a failure leaves the old
 * content and no temp file behind. Used for node records, the session state files, the
 * target's saveconfig.json and runtime state, initiatorname.iscsi. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* mkdir -p @path with @mode for created components; with @durable each created directory's
 * entry is fsynced in its parent. */
int util_mkdir_parents(const char *path, mode_t mode, bool durable);

int util_fsync_dir(const char *dir);
/* fsync the directory that holds @path. */
int util_fsync_parent(const char *path);

/* Writes @data to a new temp file ".#NAME.XXXXXX" beside @path with @mode, fsynced when @sync.
 * Returns its name in @ret_tmp; the caller renames it (or unlinks it). For batches that make
 * many files durable with one syncfs(). */
int util_atomic_file_stage(const char *path, const void *data, size_t len, mode_t mode, bool sync,
                           char **ret_tmp);

/* rename() a staged temp file over @path (unlinking it on failure). Not durable by itself:
 * the batch's caller syncs the filesystem afterwards. */
int util_atomic_file_commit(const char *tmp, const char *path);

/* Atomically and durably replace @path with @len bytes of @data, file mode @mode. The parent
 * directory must exist. */
int util_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* Whether @entry is a temp file of this writer (".#NAME.XXXXXX"); of @name only, or of any
 * file when @name is NULL. */
bool util_is_temp_name(const char *entry, const char *name);

/* Remove the temp files that writers killed in the middle of a write left in @dir: those of
 * @name, or all when @name is NULL; symlinks and regular files, never directories. Only for a
 * caller that holds the lock serializing every writer of those files (a live writer's temp
 * would go too). Returns how many went (a missing @dir has none), or the first error after
 * trying them all. Readers never need this:
 * a temp file is never a record (names starting with '.' are skipped). */
int util_remove_stale_temps(const char *dir, const char *name);

/* Atomically make @path a symlink to @target, replacing what is there: a crash leaves the old
 * link or the new one, never none; with @durable the directory is fsynced too (a batch syncs
 * the filesystem itself). The parent directory must exist. */
int util_symlink_atomic(const char *target, const char *path, bool durable);
