/* SPDX-License-Identifier: GPL-2.0-or-later */
/* -m host: what this software-only initiator can answer. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iscsiadm.h"
#include "output.h"
#include "iscsi-node/paths.h"
#include "iscsi-node/sysfs-session.h"
#include "mode-session.h"

/* One attribute of /sys/class/iscsi_host/hostN; NULL when missing, empty or "(null)". */
static char *host_attr(const char *dir, const char *host, const char *name) {
        _cleanup_free_ char *p = NULL;
        char buf[256];
        FILE *f;

        if (asprintf(&p, "%s/%s/%s", dir, host, name) < 0 || !(f = fopen(p, "re")))
                return NULL;
        if (!fgets(buf, sizeof(buf), f))
                buf[0] = 0;
        fclose(f);
        buf[strcspn(buf, "\n")] = 0;
        return *buf && !streq(buf, "(null)") ? strdup(buf) : NULL;
}

/* /sys/class/scsi_host/hostN/state ("running"), NULL when unknown. */
static char *scsi_host_state(const char *host) {
        _cleanup_free_ char *dir = NULL;

        if (asprintf(&dir, "%s/class/scsi_host", node_sysfs_root()) < 0)
                return NULL;
        return host_attr(dir, host, "state");
}

static int cmp_host(const void *a, const void *b) {
        return ((const HostInfo *) a)->host_no - ((const HostInfo *) b)->host_no;
}

int mode_host(Context *c) {
        _cleanup_free_ char *dir = NULL;
        HostInfo *h = NULL;
        size_t n = 0;
        DIR *d;
        struct dirent *de;

        if (c->o->submode || (c->o->op & ~OP_SHOW)) {
                log_error("host submodes (chap, flashnode, stats) need an offload HBA: not supported");
                return ISCSI_ERR_OP_NOT_SUPP;
        }
        if (asprintf(&dir, "%s/class/iscsi_host", node_sysfs_root()) < 0)
                return ISCSI_ERR_NOMEM;
        d = opendir(dir);
        while (d && (de = readdir(d))) {
                HostInfo *nh;
                if (strncmp(de->d_name, "host", 4) != 0)
                        continue;
                nh = realloc(h, (n + 1) * sizeof(*h));
                if (!nh)
                        break;
                h = nh;
                h[n] = (HostInfo) {
                        .host_no = atoi(de->d_name + 4),
                        .transport = "tcp",
                        .ipaddress = host_attr(dir, de->d_name, "ipaddress"),
                        .hwaddress = host_attr(dir, de->d_name, "hwaddress"),
                        .netdev = host_attr(dir, de->d_name, "netdev"),
                        .initiatorname = host_attr(dir, de->d_name, "initiatorname"),
                        .state = scsi_host_state(de->d_name),
                };
                n++;
        }
        if (d)
                closedir(d);
        if (n == 0) {
                log_error("No iSCSI hosts.");
                return ISCSI_ERR_NO_OBJS_FOUND;
        }
        qsort(h, n, sizeof(*h), cmp_host);
        if (c->o->print_level >= 1) {
                struct sysfs_session **s = NULL;
                size_t ns = 0;
                SessionTree t = { .level = c->o->print_level, .flags = c->o->show_secrets ? RECORD_SHOW_SECRETS : 0 };

                (void) sessions_collect(&s, &ns);
                out->host_tree(h, n, s, ns, &t);
                node_sysfs_session_list_free(s, ns);
        } else
                out->host_list(h, n);
        for (size_t i = 0; i < n; i++) {
                free((char *) h[i].state);
                free((char *) h[i].ipaddress);
                free((char *) h[i].hwaddress);
                free((char *) h[i].netdev);
                free((char *) h[i].initiatorname);
        }
        free(h);
        return 0;
}
