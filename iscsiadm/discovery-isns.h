/* SPDX-License-Identifier: GPL-2.0-or-later */
/* -m discovery / -m discoverydb with -t isns. */
#pragma once

#include "iscsiadm.h"

/* Returns an exit code (enum iscsi_err). */
int mode_discovery_isns(Context *c, bool db_mode);
