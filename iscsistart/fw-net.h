/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iscsistart -N: configure the NIC the firmware booted from, as the iBFT describes it. */
#pragma once

#include "iscsi-node/ibft.h"

/* Give t's netdev its iBFT address and netmask, bring it up, and route the target through
 * the iBFT gateway when it lies outside the subnet. Negative errno on failure (-ENODEV when
 * the NIC has no netdev). */
int fw_net_setup(const NodeIbftTarget *t);
