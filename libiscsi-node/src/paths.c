/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build-config.h"
#include "iscsi-proto/macro.h"
#include "iscsi-node/paths.h"

const char *node_path_root(void) {
        const char *r = getenv("ISCSI_ROOT");
        return r ? r : "";
}

static char *join(const char *base, const char *rel) {
        const char *root = node_path_root();
        size_t rl = strlen(root);
        char *p;

        /* "ISCSI_ROOT=/tmp/x/" and "/tmp/x" mean the same */
        while (rl > 0 && root[rl - 1] == '/')
                rl--;
        if (asprintf(&p, "%.*s%s%s%s", (int) rl, root, base, rel ? "/" : "", rel ? rel : "") < 0)
                return NULL;
        return p;
}

char *node_path_db(const char *rel) {
        return join(ISCSI_DB_ROOT, rel);
}

char *node_path_config(const char *rel) {
        return join(ISCSI_CONFIG_DIR, rel);
}

char *node_path_run(const char *rel) {
        return join(ISCSI_RUN_DIR, rel);
}

char *node_path_rooted(const char *abs) {
        return join(abs, NULL);
}

/* A new directory is durable only once its parent's entry is: fsync the parent. */
static void fsync_parent(char *p) {
        char *slash = strrchr(p, '/');
        int fd;

        if (!slash || slash == p)
                return;
        *slash = 0;
        fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) {
                (void) fsync(fd);
                close(fd);
        }
        *slash = '/';
}

int node_mkdir_parents(const char *path, unsigned mode) {
        return node_mkdir_parents_full(path, mode, true);
}

int node_mkdir_parents_full(const char *path, unsigned mode, bool durable) {
        _cleanup_free_ char *p = strdup(path);
        struct stat st;

        if (!p)
                return -ENOMEM;
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
                return 0;
        for (char *s = p + 1; ; s++) {
                if (*s == '/' || *s == 0) {
                        char c = *s;
                        *s = 0;
                        if (mkdir(p, mode) == 0) {
                                if (durable)
                                        fsync_parent(p);
                        }
                        else if (errno != EEXIST)
                                return -errno;
                        *s = c;
                        if (!c)
                                break;
                }
        }
        return 0;
}
