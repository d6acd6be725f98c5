/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness: the sysfs session reader (sysfs-session.h) over a fake tree built from the
 * input. Each input line is "PATH=CONTENT" (a file; "\n" in CONTENT is written as a newline) or
 * "PATH->TARGET" (a symlink), PATH relative to a fresh $ISCSI_SYSFS_ROOT on tmpfs, ".." refused.
 * Invariants: the list is sorted by sid, every session can be read again by its sid with the
 * same fields, and every attribute lookup stays inside the tree.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iscsi-node/sysfs-session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ENTRIES 48
static char root[PATH_MAX];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st, (void) flag;
        if (ftw->level > 0)
                (void) remove(path);
        return 0;
}

static bool path_ok(const char *p) {
        if (!*p || *p == '/' || strlen(p) > 200 || strstr(p, ".."))
                return false;
        return strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:/.-") == strlen(p);
}

/* mkdir -p of path's parent; false unless that parent is, physically, where its name says
 * (no symlink on the way), so nothing is ever created outside the tree. */
static bool mkdir_parents(char *path) {
        char real[PATH_MAX];
        char *last = strrchr(path, '/');
        for (char *s = strchr(path, '/'); s; s = strchr(s + 1, '/')) {
                *s = 0;
                (void) mkdir(path, 0755);
                *s = '/';
        }
        *last = 0;
        bool ok = realpath(path, real) && strcmp(real, path) == 0;
        *last = '/';
        return ok;
}

/* A symlink target: "../" at most as many times as the link is deep, then a plain path. */
static bool target_ok(const char *link, const char *target) {
        size_t depth = 0, up = 0;
        for (const char *s = link; (s = strchr(s, '/')); s++)
                depth++;
        while (strncmp(target, "../", 3) == 0)
                target += 3, up++;
        return up <= depth && path_ok(target);
}

static void add_entry(char *line) {
        char full[PATH_MAX + 256], *sep = strstr(line, "->"), *eq = strchr(line, '=');
        bool link = sep && (!eq || sep < eq);
        char *value = link ? sep + 2 : eq ? eq + 1 : NULL;
        if (!value)
                return;
        *(link ? sep : eq) = 0;
        if (!path_ok(line))
                return;
        snprintf(full, sizeof full, "%s/%s", root, line);
        if (!mkdir_parents(full))
                return;
        if (link) {
                if (target_ok(line, value))
                        (void) symlink(value, full);
                return;
        }
        int fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return;
        for (char *s = value; *s; s++)
                if (s[0] == '\\' && s[1] == 'n')
                        memmove(s, "\n", 1), memmove(s + 1, s + 2, strlen(s + 2) + 1);
        (void) !write(fd, value, strlen(value));
        close(fd);
}

static void remove_root(void) {
        (void) nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        (void) rmdir(root);
}

static void build_tree(const uint8_t *data, size_t size) {
        if (!root[0]) {
                char tmp[] = "/dev/shm/fuzz-sysfs.XXXXXX";
                if (!mkdtemp(tmp) || !realpath(tmp, root) || setenv(ISCSI_SYSFS_ROOT_ENV, root, 1) < 0)
                        abort();
                atexit(remove_root);
        }
        (void) nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        char *text = strndup((const char *) data, size), *next;
        if (!text)
                abort();
        int n = 0;
        for (char *line = text; line && n < MAX_ENTRIES; line = next, n++) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                add_entry(line);
        }
        free(text);
}

#define SAME_STR(a, b) (!(a) == !(b) && (!(a) || strcmp((a), (b)) == 0))

static void check_session(const struct sysfs_session *s) {
        struct sysfs_session *again = NULL;
        char *v = NULL;
        if (node_sysfs_session_read(s->sid, &again) < 0)
                abort();
        if (again->host_no != s->host_no || again->n_luns != s->n_luns || !SAME_STR(again->target_name, s->target_name) ||
            !SAME_STR(again->address, s->address) || again->port != s->port || !SAME_STR(again->state, s->state))
                abort();
        node_sysfs_session_free(again);
        static const char *const kinds[] = { "session", "connection", "host" };
        for (size_t i = 0; i < 3; i++) {
                if (node_sysfs_session_attr(s, kinds[i], "state", &v) == 0)
                        free(v);
                if (node_sysfs_session_attr(s, kinds[i], "../state", &v) != -EINVAL)
                        abort();
        }
        int sid;
        if (s->target_name && (s->persistent_address || s->address))
                (void) node_sysfs_session_find(s->target_name, s->persistent_address ?: s->address,
                                               s->persistent_port >= 0 ? s->persistent_port : s->port, NULL, &sid);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct sysfs_session **list = NULL;
        size_t n = 0;

        if (size > 16384)
                return 0;
        build_tree(data, size);
        if (node_sysfs_session_list(&list, &n) < 0)
                return 0;
        for (size_t i = 0; i < n; i++) {
                if (i > 0 && list[i - 1]->sid > list[i]->sid)
                        abort();
                check_session(list[i]);
        }
        node_sysfs_session_list_free(list, n);
        return 0;
}
