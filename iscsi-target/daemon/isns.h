/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Registration with an iSNS server (RFC 4171), when iscsi-targetd runs with
 * --isns=SERVER[:PORT]: the daemon registers one network entity (its host name) with every
 * enabled portal, every target and their portal groups (TPG tag = PGT), refreshes that
 * registration at two thirds of the registration period the server grants, again after each
 * reload, and deregisters the entity at shutdown.
 */
#pragma once

#include <systemd/sd-event.h>

typedef struct Daemon Daemon;
typedef struct IsnsRegistrar IsnsRegistrar;

/* server is "host", "host:port" or "[v6]:port"; NULL or "" = no iSNS (*ret = NULL).
 * Schedules the first registration now. -EINVAL for an unparsable server. */
int isns_registrar_new(sd_event *event, Daemon *d, const char *server, IsnsRegistrar **ret);
/* Register again now (after a reload). NULL-safe. */
void isns_registrar_refresh(IsnsRegistrar *r);
/* Deregister (if registered) and free. NULL-safe; returns NULL. */
IsnsRegistrar *isns_registrar_free(IsnsRegistrar *r);
