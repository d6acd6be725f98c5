/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build-config.h"
#include "iscsi-util/macro.h"
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

