/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness for the iBFT reader (libiscsi-node/src/ibft.c). The input describes a sysfs
 * tree, one entry per line, written under a fresh temporary root:
 *   firmware/ibft/target0/port=3260      a file and its content (the rest of the line)
 *   @firmware/ibft/ethernet0/device=../../../devices/pci/x   a symlink (kept inside the root)
 * Paths are limited to [A-Za-z0-9_.:-] components (no "." or ".."), at most 6 deep. Then every
 * target read is formatted and applied to a node record; invariants: the record text is
 * framed by BEGIN/END lines, and the target's name and portal reach the record unchanged.
 */
#include <assert.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iscsi-node/ibft.h"
#include "iscsi-node/record.h"

#define MAX_DEPTH 6

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool component_ok(const char *c, size_t n) {
        if (n == 0 || n > 64 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-", c[i]))
                        return false;
        return true;
}

/* Number of components of a valid relative path, or -1. */
static int path_depth(const char *p) {
        int depth = 0;
        while (*p) {
                size_t n = strcspn(p, "/");
                if (!component_ok(p, n) || ++depth > MAX_DEPTH)
                        return -1;
                p += n;
                if (*p == '/')
                        p++;
        }
        return depth;
}

/* mkdir -p of every parent of root/rel. */
static void make_parents(const char *root, const char *rel) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", root, rel);
        for (char *s = path + strlen(root) + 1; (s = strchr(s, '/')); s++) {
                *s = 0;
                (void) mkdir(path, 0755);
                *s = '/';
        }
}

/* A symlink target stays inside the root: "../" at most depth-1 times, then a valid path. */
static bool link_target_ok(const char *target, int link_depth) {
        int up = 0;
        while (strncmp(target, "../", 3) == 0) {
                target += 3;
                up++;
        }
        return up <= link_depth - 1 && path_depth(target) > 0;
}

static void add_entry(const char *root, char *line) {
        bool is_link = line[0] == '@';
        char *rel = line + is_link, *eq = strchr(rel, '=');
        if (!eq)
                return;
        *eq = 0;
        int depth = path_depth(rel);
        if (depth <= 0)
                return;
        make_parents(root, rel);
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", root, rel);
        if (is_link) {
                if (link_target_ok(eq + 1, depth))
                        (void) symlink(eq + 1, path);
                return;
        }
        FILE *f = fopen(path, "we");
        if (f) {
                fprintf(f, "%s\n", eq + 1);
                fclose(f);
        }
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(p);
}

static void check_target(const NodeIbftTarget *t) {
        char *text = NULL;
        if (node_ibft_format(t, &text) == 0) {
                assert(strncmp(text, "# BEGIN RECORD ", 15) == 0);
                assert(strstr(text, "\n# END RECORD\n"));
                free(text);
        }
        Record *r = node_record_new(&node_record_schema_node);
        if (!r)
                return;
        if (node_ibft_apply_to_record(t, r) == 0) {
                assert(strcmp(node_record_get(r, NODE_KEY_NAME), t->target_name) == 0);
                assert(strcmp(node_record_get(r, NODE_KEY_CONN_ADDRESS), t->target_ip) == 0);
        }
        node_record_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* tmpfs when there is one: the tree is rebuilt for every input */
        char root[64] = "/dev/shm/fuzz-ibft.XXXXXX";
        if (size > 8192)
                return 0;
        if (!mkdtemp(root)) {
                snprintf(root, sizeof root, "%s", "/tmp/fuzz-ibft.XXXXXX");
                if (!mkdtemp(root))
                        return 0;
        }
        char *text = strndup((const char *) data, size);
        if (text) {
                for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
                        add_entry(root, line);
                free(text);
        }
        NodeIbftTarget **t = NULL;
        size_t n = 0;
        if (node_ibft_read(root, &t, &n) == 0) {
                assert(n > 0);
                for (size_t i = 0; i < n; i++)
                        check_target(t[i]);
                node_ibft_list_free(t, n);
        }
        nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        return 0;
}
