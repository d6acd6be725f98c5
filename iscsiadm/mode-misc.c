/* SPDX-License-Identifier: GPL-2.0-or-later */
/* -m host and -m fw: what this software-only initiator can answer. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iscsiadm.h"
#include "paths.h"
#include "sysfs-session.h"

int mode_host(Context *c) {
        _cleanup_free_ char *dir = NULL;
        DIR *d;
        struct dirent *de;
        int n = 0;

        if (c->o->submode || (c->o->op & ~OP_SHOW)) {
                log_error("host submodes (chap, flashnode, stats) need an offload HBA: not supported");
                return ISCSI_ERR_OP_NOT_SUPP;
        }
        if (asprintf(&dir, "%s/class/iscsi_host", sysfs_root()) < 0)
                return ISCSI_ERR_NOMEM;
        d = opendir(dir);
        while (d && (de = readdir(d))) {
                _cleanup_free_ char *ip = NULL, *p = NULL;
                char buf[128] = "<empty>";
                FILE *f;

                if (strncmp(de->d_name, "host", 4) != 0)
                        continue;
                if (asprintf(&p, "%s/%s/ipaddress", dir, de->d_name) >= 0 && (f = fopen(p, "re"))) {
                        if (fgets(buf, sizeof(buf), f))
                                buf[strcspn(buf, "\n")] = 0;
                        if (!*buf || streq(buf, "(null)"))
                                snprintf(buf, sizeof(buf), "<empty>");
                        fclose(f);
                }
                printf("tcp: [%s] %s,[<empty>],<empty> <empty>\n", de->d_name + 4, buf);
                n++;
        }
        if (d)
                closedir(d);
        if (n == 0) {
                log_error("No iSCSI hosts.");
                return ISCSI_ERR_NO_OBJS_FOUND;
        }
        return 0;
}

int mode_fw(Context *c) {
        _cleanup_free_ char *ibft = iscsi_rooted("/sys/firmware/ibft");
        DIR *d = ibft ? opendir(ibft) : NULL;

        /* Booting from firmware-configured targets (iBFT) is not implemented: say so, with
         * open-iscsi's "operation not supported" code, whether or not this machine has one. */
        if (d)
                closedir(d);
        log_error("fw mode (targets from the iBFT boot firmware table) is not supported yet%s",
                  d ? "; this machine has an iBFT" : "; this machine has no iBFT either");
        return ISCSI_ERR_OP_NOT_SUPP;
}
