/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One round of iSNS exchanges for isns-watch.c, run in a thread so a slow or unreachable
 * server never holds up iscsid's event loop: optionally (re)register the initiator with its
 * SCN port and for SCNs, then ask for the targets. When done the thread writes the job's
 * pointer to notify_fd; the loop reads it there and owns the job again.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "iscsi-proto/sendtargets.h"

struct isns_job {
        /* in (owned by the job) */
        char *host;
        int port;
        char *initiator;
        uint16_t scn_port;
        bool do_register;
        uint16_t xid;
        void *userdata;
        int notify_fd;                  /* set by isns_job_start */
        /* out */
        int reg_error;                  /* registration: 0 or negative errno (-EPROTO: status) */
        uint32_t period;                /* registration period the server granted, 0 if none */
        int query_error;                /* query: 0, -ENOMSG (status below) or negative errno */
        uint32_t status;                /* the server's status for a refused request */
        struct iscsi_st_list targets;   /* query result */
};

/* A job for server host:port (strings copied); NULL on OOM. */
struct isns_job *isns_job_new(const char *host, int port, const char *initiator, uint16_t scn_port,
                              bool do_register, uint16_t xid, void *userdata);
struct isns_job *isns_job_free(struct isns_job *j);
/* Start the thread; on failure nothing runs and the caller still owns j. */
int isns_job_start(struct isns_job *j, int notify_fd);
