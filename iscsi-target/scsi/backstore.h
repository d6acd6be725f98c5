/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Backstores: where a logical unit's blocks live (fileio, block, ramdisk).
 *
 * A backstore is opened once per storage object and then owned by one struct scsi_lu
 * (scsi_lu_new() takes it over). I/O is not done through this header: the SCSI layer
 * drives it through io_uring (fileio, block) or memcpy (ramdisk). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "iscsi-util/macro.h"

enum backstore_type {
        BACKSTORE_FILEIO,
        BACKSTORE_BLOCK,
        BACKSTORE_RAMDISK,
};

struct backstore;

/* fileio: a regular file. If the file does not exist it is created (mode 0600, parent
 * directory must exist) and sized to `size` bytes (sparse, like targetcli). If it exists and
 * `size` is larger than the file, the file is grown; size 0 means "use the file's size".
 * write_back=true: buffered I/O, SYNCHRONIZE CACHE does fdatasync, WCE=1 reported.
 * write_back=false: O_DIRECT (falls back to buffered + O_DSYNC where the filesystem refuses
 * O_DIRECT, e.g. tmpfs), WCE=0 reported. */
int backstore_open_fileio(const char *path, uint64_t size, bool write_back, bool readonly,
                          struct backstore **ret);

/* block: a block device opened O_DIRECT; size from BLKGETSIZE64. */
int backstore_open_block(const char *path, bool readonly, struct backstore **ret);

/* ramdisk: anonymous memory of `size` bytes (pages allocated lazily by the kernel).
 * nullio=true: no memory at all, reads return zeroes, writes are discarded. */
int backstore_open_ramdisk(uint64_t size, bool nullio, struct backstore **ret);

struct backstore *backstore_free(struct backstore *b);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct backstore *, backstore_free)

enum backstore_type backstore_get_type(const struct backstore *b);
uint64_t backstore_get_size(const struct backstore *b);        /* bytes */
bool backstore_is_readonly(const struct backstore *b);
bool backstore_is_write_back(const struct backstore *b);
/* True if unmapped ranges really become holes (fileio on a filesystem with punch-hole,
 * block devices with discard, ramdisk). */
bool backstore_supports_unmap(const struct backstore *b);
