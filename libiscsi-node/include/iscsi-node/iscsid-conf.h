/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * iscsid.conf: node.* keys become the defaults of new node records, discovery.sendtargets.*
 * those of new SendTargets discovery records, discovery.isns.* those of new iSNS discovery
 * records, iscsid.* and isns.address/isns.port configure the daemon side.
 */
#pragma once

#include <stdbool.h>

#include "iscsi-util/macro.h"
#include "iscsi-node/record.h"

typedef struct IscsidConf {
        Record *node; /* node record defaults with the file applied */
        Record *st;   /* SendTargets record defaults with the file applied */
        Record *isns; /* iSNS discovery record defaults (discovery.isns.*) with the file applied */
        char *isns_address; /* isns.address: the server iscsid watches (use_discoveryd), or NULL */
        int isns_port;      /* isns.port, ISNS_DEFAULT_PORT when not set */
        char *startup;   /* iscsid.startup */
        bool safe_logout; /* iscsid.safe_logout */
} IscsidConf;

typedef enum ConfProblem {
        CONF_MALFORMED,   /* no "key = value" */
        CONF_UNKNOWN_KEY, /* key not known: warned, ignored */
        CONF_BAD_VALUE,   /* value not valid for the key: skipped */
} ConfProblem;

typedef void (*ConfWarnFn)(void *userdata, const char *file, unsigned line, ConfProblem p, const char *key,
                           const char *value);

/* Defaults only (no file). */
int node_iscsid_conf_new(IscsidConf **ret);
/* Parse path over the defaults. A missing file is not an error (defaults are used). */
int node_iscsid_conf_load(const char *path, ConfWarnFn warn, void *userdata, IscsidConf **ret);
/* Parse text over conf (for tests and callers holding the text). */
int node_iscsid_conf_parse(IscsidConf *conf, const char *file, const char *text, ConfWarnFn warn, void *userdata);
IscsidConf *node_iscsid_conf_free(IscsidConf *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(IscsidConf *, node_iscsid_conf_free);
