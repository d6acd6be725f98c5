/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Atomic, durable file replacement: temp file, fsync, rename, directory fsync. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nodedb-internal.h"
#include "iscsi-node/paths.h"

int node_fsync_dir(const char *dir) {
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return fsync(fd) < 0 ? -errno : 0;
}

int node_write_file_atomic(const char *dir, const char *name, const char *data, size_t len, unsigned mode) {
        _cleanup_free_ char *tmp = NULL, *dst = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        r = node_mkdir_parents(dir, 0700);
        if (r < 0)
                return r;
        if (asprintf(&tmp, "%s/.#%s.XXXXXX", dir, name) < 0 || asprintf(&dst, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fchmod(fd, mode) < 0)
                goto fail;
        for (size_t off = 0; off < len;) {
                ssize_t n = write(fd, data + off, len - off);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        goto fail;
                }
                off += n;
        }
        if (fsync(fd) < 0)
                goto fail;
        if (rename(tmp, dst) < 0)
                goto fail;
        return node_fsync_dir(dir);
fail:
        r = -errno;
        (void) unlink(tmp);
        return r;
}

