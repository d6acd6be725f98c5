/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Safe logout: a session must not be logged out while one of its disks, a partition of one,
 * or a device stacked on top (dm, md: sysfs "holders") is mounted. The block devices come
 * from sysfs, the mounts from /proc/self/mountinfo through libmount, compared by dev_t.
 */

#include <dirent.h>
#include <errno.h>
#include <libmount/libmount.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "logout-guard.h"
#include "scsi-host.h"
#include "iscsi-node/sysfs-session.h"

#define MAX_DEVS 256

struct devset {
        char names[MAX_DEVS][32];
        dev_t devs[MAX_DEVS];
        size_t n;
};

static void add_dev(struct devset *set, const char *name);

static void add_children(struct devset *set, const char *name) {
        char dir[512];
        /* partitions: /sys/class/block/sda/sda1 ... */
        snprintf(dir, sizeof dir, "%s/class/block/%s", node_sysfs_root(), name);
        DIR *d = opendir(dir);
        if (d) {
                struct dirent *de;
                while ((de = readdir(d)))
                        if (strncmp(de->d_name, name, strlen(name)) == 0 && de->d_name[strlen(name)])
                                add_dev(set, de->d_name);
                closedir(d);
        }
        /* holders: /sys/class/block/sda/holders/dm-0 */
        snprintf(dir, sizeof dir, "%s/class/block/%s/holders", node_sysfs_root(), name);
        d = opendir(dir);
        if (d) {
                struct dirent *de;
                while ((de = readdir(d)))
                        if (de->d_name[0] != '.')
                                add_dev(set, de->d_name);
                closedir(d);
        }
}

static void add_dev(struct devset *set, const char *name) {
        if (set->n >= MAX_DEVS || strlen(name) >= sizeof set->names[0])
                return;
        for (size_t i = 0; i < set->n; i++)
                if (streq(set->names[i], name))
                        return;
        char path[512];
        snprintf(path, sizeof path, "%s/class/block/%s/dev", node_sysfs_root(), name);
        FILE *f = fopen(path, "re");
        unsigned maj, min;
        if (!f)
                return;
        int ok = fscanf(f, "%u:%u", &maj, &min) == 2;
        fclose(f);
        if (!ok)
                return;
        snprintf(set->names[set->n], sizeof set->names[0], "%s", name);
        set->devs[set->n++] = makedev(maj, min);
        add_children(set, name);
}

static void add_device_disks(const char *dev_dir, void *userdata) {
        char bdir[PATH_MAX];
        snprintf(bdir, sizeof bdir, "%s/block", dev_dir);
        DIR *b = opendir(bdir);
        if (!b)
                return;
        struct dirent *be;
        while ((be = readdir(b)))
                if (be->d_name[0] != '.')
                        add_dev(userdata, be->d_name);
        closedir(b);
}

static void collect_host_disks(int host_no, struct devset *set) {
        (void) host_foreach_scsi_device(host_no, add_device_disks, set);
}

int logout_guard_check(int host_no, char *ret_message, size_t size) {
        struct devset *set = calloc(1, sizeof *set);
        if (!set)
                return -ENOMEM;
        collect_host_disks(host_no, set);
        if (set->n == 0) {
                free(set);
                return 0;
        }
        const char *mountinfo = getenv("ISCSID_MOUNTINFO");
        struct libmnt_table *tb = mnt_new_table_from_file(mountinfo ?: "/proc/self/mountinfo");
        if (!tb) {
                free(set);
                return -errno ?: -EIO;
        }
        struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
        struct libmnt_fs *fs;
        int found = 0;
        while (it && !found && mnt_table_next_fs(tb, it, &fs) == 0) {
                dev_t devno = mnt_fs_get_devno(fs);
                if (devno == 0)
                        continue;
                for (size_t i = 0; i < set->n; i++)
                        if (set->devs[i] == devno) {
                                snprintf(ret_message, size, "/dev/%s is mounted on %s", set->names[i],
                                         mnt_fs_get_target(fs) ?: "?");
                                found = 1;
                                break;
                        }
        }
        mnt_free_iter(it);
        mnt_unref_table(tb);
        free(set);
        return found;
}
