/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iscsi-util/fs-util.h"
#include "iscsi-util/macro.h"

int util_fsync_dir(const char *dir) {
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return fsync(fd) < 0 ? -errno : 0;
}

int util_fsync_parent(const char *path) {
        _cleanup_free_ char *p = strdup(path);
        char *slash;

        if (!p)
                return -ENOMEM;
        slash = strrchr(p, '/');
        if (!slash)
                return util_fsync_dir(".");
        if (slash == p)
                slash[1] = 0;
        else
                *slash = 0;
        return util_fsync_dir(p);
}

int util_mkdir_parents(const char *path, mode_t mode, bool durable) {
        _cleanup_free_ char *p = strdup(path);
        struct stat st;

        if (!p)
                return -ENOMEM;
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
                return 0;
        for (char *s = p + 1;; s++) {
                if (*s != '/' && *s != 0)
                        continue;
                char c = *s;
                *s = 0;
                if (mkdir(p, mode) == 0) {
                        if (durable)
                                (void) util_fsync_parent(p);
                } else if (errno != EEXIST)
                        return -errno;
                *s = c;
                if (!c)
                        break;
        }
        return 0;
}

static int write_all_fd(int fd, const void *data, size_t len) {
        const char *p = data;

        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

/* mkostemp's six random characters */
#define TEMP_SUFFIX_LEN 6

bool util_is_temp_name(const char *entry, const char *name) {
        size_t len = strlen(entry), base;

        if (len < 2 + 1 + 1 + TEMP_SUFFIX_LEN || entry[0] != '.' || entry[1] != '#')
                return false;
        base = len - 1 - TEMP_SUFFIX_LEN;
        if (entry[base] != '.')
                return false;
        for (size_t i = base + 1; i < len; i++)
                if (!isalnum((unsigned char) entry[i]))
                        return false;
        return !name || (strlen(name) == base - 2 && strncmp(entry + 2, name, base - 2) == 0);
}

int util_remove_stale_temps(const char *dir, const char *name) {
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct dirent *de;
        DIR *d;
        int n = 0, r = 0;

        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        fd = -EBADF; /* owned by d now */
        while ((de = readdir(d))) {
                if (!util_is_temp_name(de->d_name, name) || de->d_type == DT_DIR)
                        continue;
                if (unlinkat(dirfd(d), de->d_name, 0) == 0)
                        n++;
                else if (errno != ENOENT && r == 0)
                        r = -errno;
        }
        closedir(d);
        return r < 0 ? r : n;
}

static int temp_name_for(const char *path, char **ret) {
        const char *slash = strrchr(path, '/');
        int dirlen = slash ? (int) (slash - path + 1) : 0;

        if (asprintf(ret, "%.*s.#%s.XXXXXX", dirlen, path, slash ? slash + 1 : path) < 0)
                return -ENOMEM;
        return 0;
}

int util_atomic_file_stage(const char *path, const void *data, size_t len, mode_t mode, bool sync,
                           char **ret_tmp) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        r = temp_name_for(path, &tmp);
        if (r < 0)
                return r;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = fchmod(fd, mode) < 0 ? -errno : 0;
        if (r == 0)
                r = write_all_fd(fd, data, len);
        if (r == 0 && sync && fsync(fd) < 0)
                r = -errno;
        /* close() reports delayed write errors on some filesystems (NFS, full disks) */
        if (r == 0 && close(TAKE_FD(fd)) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlink(tmp);
                return r;
        }
        *ret_tmp = TAKE_PTR(tmp);
        return 0;
}

int util_atomic_file_commit(const char *tmp, const char *path) {
        if (rename(tmp, path) < 0) {
                int r = -errno;
                (void) unlink(tmp);
                return r;
        }
        return 0;
}

int util_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode) {
        _cleanup_free_ char *tmp = NULL;
        int r;

        r = util_atomic_file_stage(path, data, len, mode, true, &tmp);
        if (r < 0)
                return r;
        r = util_atomic_file_commit(tmp, path);
        if (r < 0)
                return r;
        return util_fsync_parent(path);
}

int util_symlink_atomic(const char *target, const char *path, bool durable) {
        _cleanup_free_ char *tmp = NULL;
        int r;

        /* mkstemp-style unique name, then replace the file it made by the link */
        r = temp_name_for(path, &tmp);
        if (r < 0)
                return r;
        _cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (unlink(tmp) < 0 || symlink(target, tmp) < 0)
                return -errno;
        r = util_atomic_file_commit(tmp, path);
        if (r < 0 || !durable)
                return r;
        return util_fsync_parent(path);
}
