/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Keeps each static library non-empty while its source lists are short. */
int libiscsi_node_empty_anchor(void);
int libiscsi_node_empty_anchor(void) { return 0; }
