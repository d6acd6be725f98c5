/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Listening sockets for the portals of the configuration (main thread). Accepted connections
 * are handed to the worker threads in turn. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "daemon.h"
#include "runtime.h"

typedef struct Listener Listener;

/* The listeners of one daemon, on the main thread's event loop. */
typedef struct ListenerSet {
        Listener *head;
        sd_event *event;
        Daemon *daemon;         /* accepted connections go to its workers */
} ListenerSet;

struct Listener {
        Listener *next;
        ListenerSet *set;
        char *ip;               /* as in the config: "0.0.0.0", "127.0.0.1", "[::1]" */
        uint16_t port;
        int fd;
        sd_event_source *source;
        sd_event_source *resume;        /* re-enables `source` after descriptor exhaustion */
        bool exhausted_logged;          /* EMFILE logged for the current episode */
        bool keep;              /* mark during reconciliation */
};

/* Make the set of listeners match the portals of rt: new ones start listening, those no
 * longer configured are closed (their established connections are not affected).
 * Returns the number of portals that failed to bind (logged), or -errno. */
int listeners_apply(ListenerSet *set, const Runtime *rt);
void listeners_free_all(ListenerSet *set);
