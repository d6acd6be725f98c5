/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Opening and sizing backstores. The data path lives in the engine (io_uring) and in
 * sbc-*.c; this file only turns a saveconfig storage object into an fd or a mapping. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "scsi-internal.h"

static struct backstore *backstore_alloc(enum backstore_type type) {
        struct backstore *b = calloc(1, sizeof(*b));
        if (!b)
                return NULL;
        b->type = type;
        b->fd = -EBADF;
        b->min_block = 512;
        return b;
}

int backstore_open_fileio(const char *path, uint64_t size, bool write_back, bool readonly,
                          struct backstore **ret) {
        _cleanup_free_ struct backstore *b = NULL;
        _cleanup_close_ int fd = -EBADF;
        int flags = (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC;
        struct statfs sfs;
        struct stat st;

        if (!path || !ret)
                return -EINVAL;
        b = backstore_alloc(BACKSTORE_FILEIO);
        if (!b)
                return -ENOMEM;

        if (!readonly)
                flags |= O_CREAT;
        if (!write_back) {
                /* O_DIRECT where the filesystem has it; tmpfs does not, then O_DSYNC keeps
                 * the "no volatile cache" promise. */
                fd = open(path, flags | O_DIRECT | O_DSYNC, 0600);
                if (fd >= 0)
                        b->direct = true;
                else if (errno == EINVAL)
                        fd = open(path, flags | O_DSYNC, 0600);
        } else
                fd = open(path, flags, 0600);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISBLK(st.st_mode) || !S_ISREG(st.st_mode))
                return -EINVAL;
        if (size > (uint64_t) st.st_size) {
                if (readonly)
                        return -EROFS;
                if (ftruncate(fd, (off_t) size) < 0)
                        return -errno;
        } else if (size == 0)
                size = (uint64_t) st.st_size;
        if (size < 512)
                return -EINVAL;

        /* tmpfs has no asynchronous read or write path: io_uring hands every request on it
         * to a kernel worker thread (measured: half the IOPS of a plain pread). Its I/O is a
         * page-cache copy that never waits for a device, so do it inline. */
        b->sync_io = fstatfs(fd, &sfs) == 0 && sfs.f_type == TMPFS_MAGIC;
        if (b->sync_io) {
                /* Reads of pages already in memory are then sent straight from the page cache
                 * (see exec_read); never touched through it otherwise, as a fault on a hole
                 * would allocate it. */
                void *m = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
                if (m != MAP_FAILED)
                        b->rmap = m;
                /* Residency cache for small reads, for which a mincore() per command would
                 * cost as much as the copy it saves; calloc'd pages stay untouched until used
                 * (32 KiB per GiB, no cache above 1 TiB). */
                if (b->rmap && size <= (UINT64_C(1) << 40))
                        b->rmap_seen = calloc((size + RAMDISK_PAGE * 64 - 1) / (RAMDISK_PAGE * 64),
                                              sizeof(uint64_t));
        }
        b->fd = TAKE_FD(fd);
        b->size = size;
        b->write_back = write_back;
        b->readonly = readonly;
        b->can_unmap = !readonly;
        *ret = TAKE_PTR(b);
        return 0;
}

int backstore_open_block(const char *path, bool readonly, struct backstore **ret) {
        _cleanup_free_ struct backstore *b = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        uint64_t size;
        int ssz = 512;

        if (!path || !ret)
                return -EINVAL;
        b = backstore_alloc(BACKSTORE_BLOCK);
        if (!b)
                return -ENOMEM;
        fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_DIRECT | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISBLK(st.st_mode))
                return -ENOTBLK;
        if (ioctl(fd, BLKGETSIZE64, &size) < 0)
                return -errno;
        if (ioctl(fd, BLKSSZGET, &ssz) < 0)
                ssz = 512;
        if (size < (uint64_t) ssz)
                return -EINVAL;

        b->fd = TAKE_FD(fd);
        b->size = size;
        b->min_block = (uint32_t) ssz;
        b->direct = true;
        b->readonly = readonly;
        /* fallocate(PUNCH_HOLE) on a block device discards or zeroes. */
        b->can_unmap = !readonly;
        *ret = TAKE_PTR(b);
        return 0;
}

int backstore_open_ramdisk(uint64_t size, bool nullio, struct backstore **ret) {
        _cleanup_free_ struct backstore *b = NULL;

        if (!ret || size < 512 || size > (UINT64_C(1) << 46))
                return -EINVAL;
        b = backstore_alloc(BACKSTORE_RAMDISK);
        if (!b)
                return -ENOMEM;
        if (!nullio) {
                void *m = mmap(NULL, size, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
                if (m == MAP_FAILED)
                        return -errno;
                b->mem = m;
                b->map = calloc((size + RAMDISK_PAGE * 64 - 1) / (RAMDISK_PAGE * 64), sizeof(uint64_t));
                if (!b->map) {
                        munmap(m, size);
                        return -ENOMEM;
                }
        }
        b->size = size;
        b->nullio = nullio;
        b->write_back = false;
        b->can_unmap = true;
        *ret = TAKE_PTR(b);
        return 0;
}

struct backstore *backstore_free(struct backstore *b) {
        if (!b)
                return NULL;
        if (b->mem)
                munmap(b->mem, b->size);
        if (b->rmap)
                munmap(b->rmap, b->size);
        free(b->map);
        free(b->rmap_seen);
        safe_close(b->fd);
        free(b);
        return NULL;
}

/* Set the bits of pages overlapping [off, off+len), or clear those of whole pages inside it. */
static void page_bits_range(uint64_t *map, uint64_t off, uint64_t len, bool mapped) {
        uint64_t first, last;

        if (!map || len == 0)
                return;
        if (mapped) {
                first = off / RAMDISK_PAGE;
                last = (off + len - 1) / RAMDISK_PAGE + 1;
        } else {
                first = (off + RAMDISK_PAGE - 1) / RAMDISK_PAGE;
                last = (off + len) / RAMDISK_PAGE;
        }
        for (uint64_t p = first; p < last; p++) {
                uint64_t bit = UINT64_C(1) << (p % 64);
                if (mapped) {
                        if (!(__atomic_load_n(&map[p / 64], __ATOMIC_RELAXED) & bit))
                                __atomic_fetch_or(&map[p / 64], bit, __ATOMIC_RELAXED);
                } else
                        __atomic_fetch_and(&map[p / 64], ~bit, __ATOMIC_RELAXED);
        }
}

/* Mark pages overlapping [off, off+len) as written, or whole pages inside it as unmapped. */
void ramdisk_map_range(struct backstore *b, uint64_t off, uint64_t len, bool mapped) {
        page_bits_range(b->map, off, len, mapped);
}

void rmap_mark_range(struct backstore *b, uint64_t off, uint64_t len, bool resident) {
        page_bits_range(b->rmap_seen, off, len, resident);
}

enum backstore_type backstore_get_type(const struct backstore *b) {
        return b->type;
}

uint64_t backstore_get_size(const struct backstore *b) {
        return b->size;
}

bool backstore_is_readonly(const struct backstore *b) {
        return b->readonly;
}

bool backstore_is_write_back(const struct backstore *b) {
        return b->write_back;
}

bool backstore_supports_unmap(const struct backstore *b) {
        return b->can_unmap;
}
