/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * iscsid's session state files driven without a kernel, for tests/suites/70-reliability.sh
 * (kill -9 / EIO / ENOSPC in the middle of a save, then a daemon start that adopts):
 *
 *   state-file-tool RUN_DIR save SID TARGET CMDSN
 *       what iscsid does after a login: session_config_save() of a session to TARGET whose
 *       kernel session started at CMDSN, with CHAP user "user<CMDSN>". Exit 1 if it failed
 *       (the message is iscsid's own, on stderr).
 *   state-file-tool RUN_DIR adopt SID TARGET
 *       what iscsid does at start: manager_resync() with a fake sysfs that holds session SID
 *       to TARGET (no kernel transport, so nothing is sent anywhere). Prints
 *       "adopted SID TARGET cmdsn N user U" per adopted session (U "-" when the state file was
 *       not used); exit 1 if none was adopted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake-sysfs.h"
#include "log.h"
#include "manager.h"
#include "session-config.h"

static int usage(void) {
        fprintf(stderr, "usage: state-file-tool RUN_DIR save SID TARGET CMDSN | RUN_DIR adopt SID TARGET\n");
        return 2;
}

static int save(uint32_t sid, const char *target, uint32_t cmdsn) {
        struct node_login_req req, cfg;
        char user[32];

        node_login_req_init(&req);
        snprintf(user, sizeof user, "user%u", cmdsn);
        req.target_name = target;
        req.address = "127.0.0.1";
        req.initiator_name = "iqn.2026-12.test:state-file-tool";
        req.username = user;
        req.password = "secret-of-the-test";
        if (session_config_from_req(&cfg, &req) < 0)
                return 1;
        int r = session_config_save(sid, &cfg, cmdsn, (int) sid + 10);
        node_login_req_done(&cfg);
        return r < 0 ? 1 : 0;
}

static int adopt(int sid, const char *target) {
        struct manager *m = NULL;
        int n;

        fake_sysfs_setup();
        fake_sysfs_add_session(sid, sid + 10, target, "127.0.0.1", 3260, NULL, 0);
        if (manager_new(&m) < 0) {
                fake_sysfs_teardown();
                return 1;
        }
        n = manager_resync(m);
        for (struct session *s = m->sessions; s; s = s->next)
                printf("adopted %u %s cmdsn %u user %s\n", s->sid, s->cfg.target_name, s->initial_cmdsn,
                       s->cfg.username ?: "-");
        m = manager_free(m);
        fake_sysfs_teardown();
        return n > 0 ? 0 : 1;
}

int main(int argc, char **argv) {
        if (argc < 5)
                return usage();
        log_setup(true, false);
        if (setenv("ISCSID_RUN_DIR", argv[1], 1) < 0)
                return 1;
        uint32_t sid = (uint32_t) strtoul(argv[3], NULL, 10);
        if (strcmp(argv[2], "save") == 0 && argc == 6)
                return save(sid, argv[4], (uint32_t) strtoul(argv[5], NULL, 10));
        if (strcmp(argv[2], "adopt") == 0 && argc == 5)
                return adopt((int) sid, argv[4]);
        return usage();
}
