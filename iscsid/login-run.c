/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logins without IPC, waited for (login-run.h). */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "login-run.h"

struct login_wait {
        struct login_result *result;
        size_t *pending;
};

static void on_done(const struct session_result *res, void *userdata) {
        struct login_wait *w = userdata;
        *w->result = (struct login_result) { .status = res->status, .sid = res->sid, .host_no = res->host_no };
        snprintf(w->result->message, sizeof w->result->message, "%s", res->message ?: "");
        (*w->pending)--;
}

int login_run(struct manager *m, const struct node_login_req *reqs, size_t n, struct login_result *results) {
        _cleanup_free_ struct login_wait *waits = calloc(n ?: 1, sizeof *waits);
        size_t pending = n;
        int r = 0;

        if (!waits)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                results[i] = (struct login_result) { .status = ISCSI_ERR_INTERNAL, .sid = -1, .host_no = -1 };
                snprintf(results[i].message, sizeof results[i].message, "login did not finish");
                waits[i] = (struct login_wait) { .result = &results[i], .pending = &pending };
                (void) manager_login(m, &reqs[i], on_done, &waits[i]); /* errors come through on_done */
        }
        while (pending > 0 && r >= 0)
                r = sd_event_run(m->event, UINT64_MAX);
        return r < 0 ? r : 0;
}
