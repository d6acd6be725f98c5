/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SCSI host operations through sysfs: LUN scan (in a thread) and device removal. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "manager.h"
#include "sysfs-session.h"

struct scan_job {
        int host_no;
        uint32_t sid;
        int notify_fd;
};

static void *scan_thread(void *arg) {
        struct scan_job *j = arg;
        char path[256];
        snprintf(path, sizeof path, "%s/class/scsi_host/host%d/scan", sysfs_root(), j->host_no);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
                /* Blocks until the midlayer has probed every LUN the target reports. */
                ssize_t n = write(fd, "- - -", 5);
                (void) n;
                close(fd);
        }
        ssize_t n = write(j->notify_fd, &j->sid, sizeof j->sid);
        (void) n;
        free(j);
        return NULL;
}

int host_scan_async(int host_no, uint32_t sid, int notify_fd) {
        struct scan_job *j = malloc(sizeof *j);
        if (!j)
                return -ENOMEM;
        *j = (struct scan_job) { .host_no = host_no, .sid = sid, .notify_fd = notify_fd };
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_t t;
        int r = pthread_create(&t, &attr, scan_thread, j);
        pthread_attr_destroy(&attr);
        if (r != 0) {
                free(j);
                return -r;
        }
        return 0;
}

/* Write "1" to each LUN's delete attribute: sd flushes its cache and detaches the disk while
 * the connection still works. */
int host_delete_devices(int host_no) {
        char dir[256];
        snprintf(dir, sizeof dir, "%s/class/scsi_device", sysfs_root());
        DIR *d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        int ret = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                int h, c, t, l;
                char x;
                if (sscanf(de->d_name, "%d:%d:%d:%d%c", &h, &c, &t, &l, &x) != 4 || h != host_no)
                        continue;
                char path[600];
                snprintf(path, sizeof path, "%s/%s/device/delete", dir, de->d_name);
                int fd = open(path, O_WRONLY | O_CLOEXEC);
                if (fd < 0) {
                        ret = -errno;
                        continue;
                }
                if (write(fd, "1", 1) < 0)
                        ret = -errno;
                close(fd);
        }
        closedir(d);
        return ret;
}

int sysfs_session_exists(uint32_t sid) {
        char path[256];
        snprintf(path, sizeof path, "%s/class/iscsi_session/session%u", sysfs_root(), sid);
        return access(path, F_OK) == 0;
}
