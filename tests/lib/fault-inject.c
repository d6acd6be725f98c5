/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fault-inject.so: an LD_PRELOAD library that makes one chosen filesystem call of a real
 * program fail, or kills the program right before it (tests/suites/70-reliability.sh).
 *
 *   FAULT_CALLS   comma list of the calls that count (default all): write, fsync (also
 *                 fdatasync, syncfs), rename (also renameat, renameat2), unlink (also unlinkat,
 *                 rmdir), mkdir, symlink
 *   FAULT_PATH    only calls on a path (or an fd open on a path) that starts with this count
 *   FAULT_NTH     the Nth counted call (1-based) gets the fault; 0 or unset: none, only count
 *   FAULT_STICKY  1: every counted call from the Nth on fails (a disk that stays full)
 *   FAULT_ACTION  kill (SIGKILL before the call), eio or enospc (the call fails with it)
 *   FAULT_COUNT_FILE  at exit, the number of counted calls is written here (to size a sweep)
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned long n_calls;

static bool call_selected(const char *kind) {
        const char *list = getenv("FAULT_CALLS");
        if (!list || !*list)
                return true;
        size_t len = strlen(kind);
        for (const char *p = list; (p = strstr(p, kind)); p += len)
                if ((p == list || p[-1] == ',') && (p[len] == ',' || p[len] == 0))
                        return true;
        return false;
}

static bool path_selected(const char *path, int dirfd) {
        const char *prefix = getenv("FAULT_PATH");
        char buf[PATH_MAX], link[64];
        if (!prefix || !*prefix)
                return true;
        if (path && path[0] != '/') {
                /* relative to dirfd or the cwd: resolve the directory it names */
                if (dirfd == AT_FDCWD || dirfd < 0) {
                        if (!getcwd(buf, sizeof buf))
                                return false;
                } else {
                        snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
                        ssize_t n = readlink(link, buf, sizeof buf - 1);
                        if (n < 0)
                                return false;
                        buf[n] = 0;
                }
                return strncmp(buf, prefix, strlen(prefix)) == 0;
        }
        if (!path) {
                snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
                ssize_t n = readlink(link, buf, sizeof buf - 1);
                if (n < 0)
                        return false;
                buf[n] = 0;
                path = buf;
        }
        return strncmp(path, prefix, strlen(prefix)) == 0;
}

static bool env_is(const char *name, const char *value) {
        const char *v = getenv(name);
        return v && strcmp(v, value) == 0;
}

/* 0: go on with the real call; else the errno the call fails with. */
static int fault(const char *kind, const char *path, int fd) {
        if (!call_selected(kind) || !path_selected(path, fd))
                return 0;
        unsigned long nth = strtoul(getenv("FAULT_NTH") ?: "0", NULL, 10);
        n_calls++;
        if (nth == 0 || n_calls < nth || (n_calls > nth && !env_is("FAULT_STICKY", "1")))
                return 0;
        if (env_is("FAULT_ACTION", "eio"))
                return EIO;
        if (env_is("FAULT_ACTION", "enospc"))
                return ENOSPC;
        raise(SIGKILL);
        return 0;
}

__attribute__((destructor)) static void write_count(void) {
        const char *out = getenv("FAULT_COUNT_FILE");
        FILE *f = out ? fopen(out, "we") : NULL;
        if (f) {
                fprintf(f, "%lu\n", n_calls);
                fclose(f);
        }
}

#define REAL(name) ((typeof(&name)) dlsym(RTLD_NEXT, #name))
#define FAIL_WITH(e) (errno = (e), -1)

ssize_t write(int fd, const void *buf, size_t n) {
        int e = fd > 2 ? fault("write", NULL, fd) : 0;
        return e ? FAIL_WITH(e) : REAL(write)(fd, buf, n);
}

int fsync(int fd) {
        int e = fault("fsync", NULL, fd);
        return e ? FAIL_WITH(e) : REAL(fsync)(fd);
}

int fdatasync(int fd) {
        int e = fault("fsync", NULL, fd);
        return e ? FAIL_WITH(e) : REAL(fdatasync)(fd);
}

int syncfs(int fd) {
        int e = fault("fsync", NULL, fd);
        return e ? FAIL_WITH(e) : REAL(syncfs)(fd);
}

int rename(const char *from, const char *to) {
        int e = fault("rename", to, AT_FDCWD);
        return e ? FAIL_WITH(e) : REAL(rename)(from, to);
}

int renameat(int ofd, const char *from, int nfd, const char *to) {
        int e = fault("rename", to, nfd);
        return e ? FAIL_WITH(e) : REAL(renameat)(ofd, from, nfd, to);
}

int renameat2(int ofd, const char *from, int nfd, const char *to, unsigned flags) {
        int e = fault("rename", to, nfd);
        return e ? FAIL_WITH(e) : REAL(renameat2)(ofd, from, nfd, to, flags);
}

int unlink(const char *path) {
        int e = fault("unlink", path, AT_FDCWD);
        return e ? FAIL_WITH(e) : REAL(unlink)(path);
}

int unlinkat(int dfd, const char *path, int flags) {
        int e = fault("unlink", path, dfd);
        return e ? FAIL_WITH(e) : REAL(unlinkat)(dfd, path, flags);
}

int rmdir(const char *path) {
        int e = fault("unlink", path, AT_FDCWD);
        return e ? FAIL_WITH(e) : REAL(rmdir)(path);
}

int mkdir(const char *path, mode_t mode) {
        int e = fault("mkdir", path, AT_FDCWD);
        return e ? FAIL_WITH(e) : REAL(mkdir)(path, mode);
}

int symlink(const char *target, const char *path) {
        int e = fault("symlink", path, AT_FDCWD);
        return e ? FAIL_WITH(e) : REAL(symlink)(target, path);
}
