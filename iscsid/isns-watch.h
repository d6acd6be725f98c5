/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * iSNS State Change Notifications (open-iscsi's "discoveryd" for iSNS): for every iSNS server
 * with use_discoveryd = Yes (an isns/ discovery record of the node DB, or iscsid.conf's
 * isns.address with discovery.isns.use_discoveryd = Yes), iscsid registers its initiator with
 * an SCN port, registers for SCNs, and on every SCN (and every discoveryd_poll_inval seconds
 * when that is > 0) asks the server for its targets: a portal that appeared gets a node record
 * (unless it has one) and a login; one that disappeared is logged. The registration is
 * refreshed before the server's period runs out and removed at exit.
 */
#pragma once

#include "iscsi-util/macro.h"

struct manager;
struct isns_watch;

/* Start watching every configured server; *ret is NULL when none is configured. */
int isns_watch_start(struct manager *m, struct isns_watch **ret);
/* Deregister from every server and free. NULL-safe; returns NULL. */
struct isns_watch *isns_watch_free(struct isns_watch *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct isns_watch *, isns_watch_free)
