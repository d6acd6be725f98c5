/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "ls": the tree as targetcli draws it, "o- name ..... [summary]". */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "iscsi-util/macro.h"

static int line_width(void) {
        const char *c = getenv("COLUMNS");
        uint64_t w;
        if (c && parse_uint(c, 1000, &w) >= 0 && w >= 40)
                return (int) w;
        return 100;
}

static int draw(const TargetConfig *c, const Node *n, const char *prefix, bool more_siblings, unsigned depth, int width) {
        _cleanup_free_ char *name = node_name(n), *summary = node_summary(c, n);
        if (!name || !summary)
                return -ENOMEM;
        int left = (int) strlen(prefix) + 3 + (int) strlen(name);
        int right = (int) strlen(summary) + 2;
        int dots = width - left - right - 2;
        if (dots < 3)
                dots = 3;
        printf("%so- %s ", prefix, name);
        for (int i = 0; i < dots; i++)
                putchar('.');
        printf(" [%s]\n", summary);
        if (depth == 0)
                return 0;

        _cleanup_free_ Node *kids = NULL;
        size_t n_kids;
        int r = node_children(c, n, &kids, &n_kids);
        if (r < 0)
                return r;
        /* Below a node that has later siblings, a bar keeps their column open. */
        _cleanup_free_ char *sub = NULL;
        if (asprintf(&sub, "%s%s", prefix, more_siblings ? "| " : "  ") < 0)
                return -ENOMEM;
        for (size_t i = 0; i < n_kids; i++) {
                r = draw(c, &kids[i], sub, i + 1 < n_kids, depth - 1, width);
                if (r < 0)
                        return r;
        }
        return 0;
}

int cmd_ls(ConfigLock *cl, const Node *n, const Args *a) {
        static const char *const spec[] = { "path", "depth", NULL };
        const char *v[2];
        int r = args_bind(a, "ls", spec, v);
        if (r < 0)
                return r;
        Node start = *n;
        if (v[0]) {
                _cleanup_free_ char *here = node_path(n);
                if (!here)
                        return -ENOMEM;
                r = tree_resolve(cl->cfg, here, v[0], &start, NULL);
                if (r < 0)
                        return r;
        }
        uint64_t depth = 64;
        if (v[1] && parse_uint(v[1], 64, &depth) < 0) {
                cli_error("depth must be a number, not '%s'", v[1]);
                return -EINVAL;
        }
        return draw(cl->cfg, &start, "", false, (unsigned) depth, line_width());
}
