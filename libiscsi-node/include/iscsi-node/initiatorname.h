/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /etc/iscsi/initiatorname.iscsi: "InitiatorName=<iqn>" and optional "InitiatorAlias=<alias>". */
#pragma once

/* -ENOENT if the file is missing, -ENODATA if it has no InitiatorName. ret_alias may be NULL;
 * *ret_alias is NULL when there is no alias. */
int node_initiatorname_read(const char *path, char **ret_name, char **ret_alias);
/* Atomically (re)write the file, mode 0644; alias may be NULL. */
int node_initiatorname_write(const char *path, const char *name, const char *alias);
