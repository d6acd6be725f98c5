/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where the tools keep their files. The config dir and DB root are build options (both
 * /etc/iscsi by default, as Debian); the environment variable ISCSI_ROOT puts every path
 * under that directory, as a chroot would, for tests and containers.
 */
#pragma once

#include <stdbool.h>

/* ISCSI_ROOT, or "" when unset. */
const char *node_path_root(void);

/* Newly allocated "<ISCSI_ROOT><ISCSI_DB_ROOT>/<rel>" (rel may be NULL). NULL on OOM. */
char *node_path_db(const char *rel);
/* Newly allocated "<ISCSI_ROOT><ISCSI_CONFIG_DIR>/<rel>". */
char *node_path_config(const char *rel);
/* Newly allocated "<ISCSI_ROOT><ISCSI_RUN_DIR>/<rel>". */
char *node_path_run(const char *rel);
/* Newly allocated "<ISCSI_ROOT><abs>", for any other absolute path (e.g. /sys, /run/lock). */
char *node_path_rooted(const char *abs);

