/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake-sysfs.h"

static char root[256];

static void mkdir_p(const char *path) {
        char tmp[2048];
        snprintf(tmp, sizeof tmp, "%s", path);
        for (char *p = tmp + 1; *p; p++)
                if (*p == '/') {
                        *p = 0;
                        mkdir(tmp, 0755);
                        *p = '/';
                }
        mkdir(tmp, 0755);
}

void fake_sysfs_write(const char *rel, const char *content) {
        char path[2048], dir[2048];
        snprintf(path, sizeof path, "%s/%s", root, rel);
        snprintf(dir, sizeof dir, "%s", path);
        *strrchr(dir, '/') = 0;
        mkdir_p(dir);
        FILE *f = fopen(path, "we");
        if (f) {
                fputs(content, f);
                fclose(f);
        }
}

static void link_rel(const char *target, const char *rel_link) {
        char path[2048], dir[2048];
        snprintf(path, sizeof path, "%s/%s", root, rel_link);
        snprintf(dir, sizeof dir, "%s", path);
        *strrchr(dir, '/') = 0;
        mkdir_p(dir);
        if (symlink(target, path) < 0 && errno != EEXIST)
                abort();
}

const char *fake_sysfs_setup(void) {
        snprintf(root, sizeof root, "%s/iscsid-sysfs.XXXXXX", getenv("TMPDIR") ?: "/tmp");
        if (!mkdtemp(root))
                abort();
        setenv("ISCSI_SYSFS_ROOT", root, 1);
        return root;
}

void fake_sysfs_teardown(void) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
        if (system(cmd) != 0)
                fprintf(stderr, "cleanup of %s failed\n", root);
        unsetenv("ISCSI_SYSFS_ROOT");
}

void fake_sysfs_add_session(int sid, int host, const char *target, const char *address, int port,
                            const char *disk, unsigned disk_minor) {
        char rel[1024], val[256], tgt[1024];
        const char *sdev = "devices/platform";
        snprintf(rel, sizeof rel, "%s/host%d/session%d/iscsi_session/session%d/targetname", sdev, host, sid, sid);
        snprintf(val, sizeof val, "%s\n", target);
        fake_sysfs_write(rel, val);
        snprintf(rel, sizeof rel, "%s/host%d/session%d/iscsi_session/session%d/tpgt", sdev, host, sid, sid);
        fake_sysfs_write(rel, "1\n");
        snprintf(rel, sizeof rel, "%s/host%d/session%d/iscsi_session/session%d/state", sdev, host, sid, sid);
        fake_sysfs_write(rel, "LOGGED_IN\n");
        snprintf(rel, sizeof rel, "%s/host%d/session%d/iscsi_session/session%d/ifacename", sdev, host, sid, sid);
        fake_sysfs_write(rel, "default\n");
        snprintf(rel, sizeof rel, "%s/host%d/session%d/iscsi_session/session%d/username", sdev, host, sid, sid);
        fake_sysfs_write(rel, "(null)\n");
        snprintf(tgt, sizeof tgt, "../../%s/host%d/session%d/iscsi_session/session%d", sdev, host, sid, sid);
        snprintf(rel, sizeof rel, "class/iscsi_session/session%d", sid);
        link_rel(tgt, rel);
        snprintf(rel, sizeof rel, "%s/host%d/session%d/iscsi_session/session%d/device", sdev, host, sid, sid);
        link_rel("../../../session1", rel); /* fixed below for other sids */
        if (sid != 1) {
                char path[2048], t2[64];
                snprintf(path, sizeof path, "%s/%s", root, rel);
                unlink(path);
                snprintf(t2, sizeof t2, "../../../session%d", sid);
                link_rel(t2, rel);
        }

        snprintf(rel, sizeof rel, "class/iscsi_connection/connection%d:0/persistent_address", sid);
        snprintf(val, sizeof val, "%s\n", address);
        fake_sysfs_write(rel, val);
        snprintf(rel, sizeof rel, "class/iscsi_connection/connection%d:0/address", sid);
        fake_sysfs_write(rel, val);
        snprintf(val, sizeof val, "%d\n", port);
        snprintf(rel, sizeof rel, "class/iscsi_connection/connection%d:0/persistent_port", sid);
        fake_sysfs_write(rel, val);
        snprintf(rel, sizeof rel, "class/iscsi_connection/connection%d:0/port", sid);
        fake_sysfs_write(rel, val);
        snprintf(rel, sizeof rel, "class/iscsi_host/host%d/ipaddress", host);
        fake_sysfs_write(rel, "127.0.0.1\n");
        snprintf(rel, sizeof rel, "class/scsi_host/host%d/proc_name", host);
        fake_sysfs_write(rel, "iscsi_tcp\n");
        snprintf(tgt, sizeof tgt, "../../../%s/host%d", sdev, host);
        snprintf(rel, sizeof rel, "class/scsi_host/host%d/device", host);
        link_rel(tgt, rel);

        if (disk) {
                snprintf(rel, sizeof rel, "%s/host%d/session%d/target%d:0:0/%d:0:0:0/state", sdev, host, sid, host, host);
                fake_sysfs_write(rel, "running\n");
                snprintf(rel, sizeof rel, "%s/host%d/session%d/target%d:0:0/%d:0:0:0/block/%s/dev", sdev, host, sid,
                         host, host, disk);
                snprintf(val, sizeof val, "8:%u\n", disk_minor);
                fake_sysfs_write(rel, val);
                snprintf(tgt, sizeof tgt, "../../%s/host%d/session%d/target%d:0:0/%d:0:0:0/block/%s", sdev, host, sid,
                         host, host, disk);
                snprintf(rel, sizeof rel, "class/block/%s", disk);
                link_rel(tgt, rel);
                snprintf(tgt, sizeof tgt, "../../../%s/host%d/session%d/target%d:0:0/%d:0:0:0", sdev, host, sid, host, host);
                snprintf(rel, sizeof rel, "class/scsi_device/%d:0:0:0/device", host);
                link_rel(tgt, rel);
        }
}

void fake_sysfs_add_partition(const char *disk, const char *part, unsigned minor) {
        char rel[1024], val[32], tgt[1024];
        snprintf(rel, sizeof rel, "class/block/%s/%s/dev", disk, part);
        snprintf(val, sizeof val, "8:%u\n", minor);
        fake_sysfs_write(rel, val);
        snprintf(tgt, sizeof tgt, "%s/%s", disk, part);
        snprintf(rel, sizeof rel, "class/block/%s", part);
        link_rel(tgt, rel);
}

void fake_sysfs_add_holder(const char *dev, const char *holder, unsigned major, unsigned minor) {
        char rel[1024], val[32], tgt[1024];
        snprintf(rel, sizeof rel, "devices/virtual/block/%s/dev", holder);
        snprintf(val, sizeof val, "%u:%u\n", major, minor);
        fake_sysfs_write(rel, val);
        snprintf(tgt, sizeof tgt, "../../devices/virtual/block/%s", holder);
        snprintf(rel, sizeof rel, "class/block/%s", holder);
        link_rel(tgt, rel);
        snprintf(rel, sizeof rel, "class/block/%s/holders/%s", dev, holder);
        link_rel("../../dm", rel);
}
