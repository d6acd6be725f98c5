/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The port iSNS servers deliver State Change Notifications to (RFC 4171 §5.6.5.8): a TCP
 * listener on every address (IPv6 with IPv4-mapped, else IPv4), one connection per server
 * delivery; each SCN is answered and handed to the callback, an ESI is answered.
 */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

#include "iscsi-proto/isns-iscsi.h"

struct isns_scn_listener;
typedef void (*isns_scn_fn)(const struct iscsi_isns_scn *scn, void *userdata);

int isns_scn_listen(sd_event *e, isns_scn_fn fn, void *userdata, struct isns_scn_listener **ret);
uint16_t isns_scn_port(const struct isns_scn_listener *l);
struct isns_scn_listener *isns_scn_listener_free(struct isns_scn_listener *l);
