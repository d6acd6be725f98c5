/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SCSI host operations through sysfs: LUN scan (in a thread) and device removal. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scsi-host.h"
#include "iscsi-node/sysfs-session.h"

/* A job thread needs a few KiB (three PATH_MAX buffers deep at most). glibc's default stack is
 * 8 MiB: with transparent huge pages, khugepaged may back a 2 MiB piece of such a stack (kept in
 * glibc's stack cache after the thread ends) with a huge page, and iscsid's RSS then jumps by
 * 2 MiB without any allocation (seen in the soak scenario). No 2 MiB page fits in this one. */
#define HOST_JOB_STACK_SIZE (256u * 1024u)

struct host_job_thread {
        int host_no;
        struct host_job_done done;
        int notify_fd;
};

static void *host_job_thread(void *arg) {
        struct host_job_thread *j = arg;
        if (j->done.kind == HOST_JOB_SCAN) {
                char path[256];
                snprintf(path, sizeof path, "%s/class/scsi_host/host%d/scan", node_sysfs_root(), j->host_no);
                int fd = open(path, O_WRONLY | O_CLOEXEC);
                if (fd >= 0) {
                        /* Blocks until the midlayer has probed every LUN the target reports. */
                        ssize_t n = write(fd, "- - -", 5);
                        (void) n;
                        close(fd);
                }
        } else
                (void) host_delete_devices(j->host_no);
        /* One record per write: smaller than PIPE_BUF, so records never interleave. */
        ssize_t n = write(j->notify_fd, &j->done, sizeof j->done);
        (void) n;
        free(j);
        return NULL;
}

int host_job_async(int host_no, enum host_job_kind kind, uint32_t token, int notify_fd) {
        struct host_job_thread *j = malloc(sizeof *j);
        if (!j)
                return -ENOMEM;
        *j = (struct host_job_thread) { .host_no = host_no, .done = { .token = token, .kind = kind },
                                        .notify_fd = notify_fd };
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int r = pthread_attr_setstacksize(&attr, HOST_JOB_STACK_SIZE);
        pthread_t t;
        if (r == 0)
                r = pthread_create(&t, &attr, host_job_thread, j);
        pthread_attr_destroy(&attr);
        if (r != 0) {
                free(j);
                return -r;
        }
        return 0;
}

/* "H:C:T:L" of host host_no. */
static bool is_device_of_host(const char *name, int host_no) {
        int h, c, t, l;
        char x;
        return sscanf(name, "%d:%d:%d:%d%c", &h, &c, &t, &l, &x) == 4 && h == host_no;
}

/* Every SCSI device of every host: <sysfs>/class/scsi_device/H:C:T:L/device. */
static int foreach_in_class(int host_no, void (*fn)(const char *dev_dir, void *userdata), void *userdata) {
        char dir[256];
        snprintf(dir, sizeof dir, "%s/class/scsi_device", node_sysfs_root());
        DIR *d = opendir(dir);
        if (!d)
                return -errno;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (!is_device_of_host(de->d_name, host_no))
                        continue;
                char dev_dir[600];
                snprintf(dev_dir, sizeof dev_dir, "%s/%s/device", dir, de->d_name);
                fn(dev_dir, userdata);
        }
        closedir(d);
        return 0;
}

/* Below the host's own device: sessionS/targetH:C:T/H:C:T:L (iSCSI) or targetH:C:T/H:C:T:L.
 * Returns how many devices it found. */
static size_t foreach_below(const char *dir, int host_no, int depth,
                            void (*fn)(const char *dev_dir, void *userdata), void *userdata) {
        DIR *d = opendir(dir);
        if (!d)
                return 0;
        size_t found = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                char path[PATH_MAX];
                if (is_device_of_host(de->d_name, host_no)) {
                        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
                        fn(path, userdata);
                        found++;
                } else if (depth > 0 && (strncmp(de->d_name, "session", 7) == 0 ||
                                         strncmp(de->d_name, "target", 6) == 0)) {
                        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
                        found += foreach_below(path, host_no, depth - 1, fn, userdata);
                }
        }
        closedir(d);
        return found;
}

int host_foreach_scsi_device(int host_no, void (*fn)(const char *dev_dir, void *userdata), void *userdata) {
        /* The host's own subtree: a logout looks at its own devices only, not at every device of
         * every session (which made a batch of N logouts list N x devices). When that finds
         * nothing (no such link, or a layout this does not know), the class directory (all
         * hosts) is asked too: the logout guard must never miss a disk. */
        char host_dev[256];
        snprintf(host_dev, sizeof host_dev, "%s/class/scsi_host/host%d/device", node_sysfs_root(), host_no);
        if (foreach_below(host_dev, host_no, 2, fn, userdata) > 0)
                return 0;
        return foreach_in_class(host_no, fn, userdata);
}

static void delete_device(const char *dev_dir, void *userdata) {
        int *ret = userdata;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/delete", dev_dir);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
                *ret = -errno;
                return;
        }
        if (write(fd, "1", 1) < 0)
                *ret = -errno;
        close(fd);
}

/* Write "1" to each LUN's delete attribute: sd flushes its cache and detaches the disk while
 * the connection still works. */
int host_delete_devices(int host_no) {
        int ret = 0;
        int r = host_foreach_scsi_device(host_no, delete_device, &ret);
        if (r < 0)
                return r == -ENOENT ? 0 : r;
        return ret;
}
