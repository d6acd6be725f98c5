/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Well-known values of the iSCSI protocol that every component shares. */
#pragma once

/* The TCP port a portal listens on when none is given (RFC 7143 §13.4, IANA "iscsi-target"). */
#define ISCSI_DEFAULT_PORT 3260
/* The same as a string, for record defaults and getaddrinfo() service names. */
#define ISCSI_DEFAULT_PORT_STR "3260"
