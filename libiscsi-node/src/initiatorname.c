/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi-node/initiatorname.h"
#include "iscsi-util/fs-util.h"
#include "iscsi-util/macro.h"
#include "iscsi-node/nodedb.h"
#include "iscsi-node/record.h"

int node_initiatorname_read(const char *path, char **ret_name, char **ret_alias) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        _cleanup_free_ char *name = NULL, *alias = NULL;
        char line[1024];

        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f)) {
                char *key, *value, **dst;
                if (node_kv_split_line(line, &key, &value) <= 0)
                        continue;
                if (streq(key, "InitiatorName"))
                        dst = &name;
                else if (streq(key, "InitiatorAlias"))
                        dst = &alias;
                else
                        continue;
                free(*dst);
                *dst = strdup(value);
                if (!*dst)
                        return -ENOMEM;
        }
        if (!name || !*name)
                return -ENODATA;
        *ret_name = TAKE_PTR(name);
        if (ret_alias)
                *ret_alias = TAKE_PTR(alias);
        return 0;
}

int node_initiatorname_write(const char *path, const char *name, const char *alias) {
        _cleanup_free_ char *dir = strdup(path), *text = NULL;
        char *slash;
        int r;

        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (!slash || !name || strchr(name, '\n') || (alias && strchr(alias, '\n')))
                return -EINVAL;
        *slash = 0;
        if (asprintf(&text, "# iSCSI initiator name of this host (written by iscsiadm / iscsi-iname).\n"
                            "# Targets grant access by this name: keep it stable and unique per host.\n"
                            "InitiatorName=%s\n%s%s%s",
                     name, alias ? "InitiatorAlias=" : "", alias ?: "", alias ? "\n" : "") < 0)
                return -ENOMEM;
        r = util_mkdir_parents(dir, 0755, true);
        if (r < 0)
                return r;
        return util_write_file_atomic(path, text, strlen(text), 0644);
}
