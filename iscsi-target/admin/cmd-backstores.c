/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /backstores/{fileio,block,ramdisk}: create and delete storage objects. Like targetcli,
 * fileio creates its backing file (sparse unless sparse=false) and delete leaves it alone. */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "iscsi-util/macro.h"

static int opt_bool(const char *name, const char *v, bool def, bool *ret) {
        if (!v) {
                *ret = def;
                return 0;
        }
        if (parse_bool(v, ret) < 0) {
                cli_error("%s must be true or false, not '%s'", name, v);
                return -EINVAL;
        }
        return 0;
}

static int check_name(const TargetConfig *c, TcBackstoreType t, const char *name) {
        if (!name) {
                cli_error("a name is required");
                return -EINVAL;
        }
        if (!*name || strchr(name, '/') || strlen(name) > 128 || streq(name, ".") || streq(name, "..")) {
                cli_error("'%s' is not a valid storage object name", name);
                return -EINVAL;
        }
        if (tc_config_find_storage_object(c, t, name)) {
                cli_error("Storage object %s/%s exists", tc_backstore_type_to_string(t), name);
                return -EEXIST;
        }
        return 0;
}

static int check_wwn(const char *wwn) {
        /* LIO takes any unit serial up to 80 characters; keep it printable. */
        if (!wwn)
                return 0;
        if (!*wwn || strlen(wwn) > 80) {
                cli_error("wwn must be 1 to 80 characters");
                return -EINVAL;
        }
        for (const char *p = wwn; *p; p++)
                if (*p <= ' ' || *p > '~') {
                        cli_error("wwn must be printable ASCII without spaces");
                        return -EINVAL;
                }
        return 0;
}

static uint64_t blockdev_size(int fd) {
        uint64_t size = 0;
        if (ioctl(fd, BLKGETSIZE64, &size) < 0)
                return 0;
        return size;
}

/* Create or size the backing file. *created tells the caller to unlink it on a later failure. */
static int prepare_fileio(const char *path, const char *size_str, bool sparse, uint64_t *ret_size, bool *created) {
        uint64_t size = 0;
        *created = false;
        if (size_str) {
                int r = parse_size(size_str, &size);
                if (r < 0 || size == 0) {
                        cli_error("'%s' is not a valid size (e.g. 10G, 512M, 1048576)", size_str);
                        return -EINVAL;
                }
        }
        struct stat st;
        if (stat(path, &st) == 0) {
                if (S_ISBLK(st.st_mode)) {
                        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
                        uint64_t dev = fd >= 0 ? blockdev_size(fd) : 0;
                        if (dev == 0) {
                                cli_error("Could not get the size of %s", path);
                                return -EIO;
                        }
                        if (size > dev) {
                                cli_error("Size %" PRIu64 " is larger than the device %s (%" PRIu64 ")", size, path, dev);
                                return -EINVAL;
                        }
                        *ret_size = size ? size : dev;
                        return 0;
                }
                if (!S_ISREG(st.st_mode)) {
                        cli_error("%s is not a regular file or block device", path);
                        return -EINVAL;
                }
                if (!size) {
                        if (st.st_size == 0) {
                                cli_error("%s is empty; give a size", path);
                                return -EINVAL;
                        }
                        *ret_size = (uint64_t) st.st_size;
                        return 0;
                }
                if ((uint64_t) st.st_size < size) {
                        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
                        int r = fd < 0 ? -errno : sparse ? (ftruncate(fd, (off_t) size) < 0 ? -errno : 0)
                                                          : -posix_fallocate(fd, 0, (off_t) size);
                        if (r < 0) {
                                cli_error("Could not extend %s to %" PRIu64 " bytes: %s", path, size, strerror(-r));
                                return r;
                        }
                }
                *ret_size = size;
                return 0;
        }
        if (errno != ENOENT) {
                cli_error("Could not access %s: %m", path);
                return -errno;
        }
        if (!size) {
                cli_error("Attempting to create file for new fileio backstore, need a size");
                return -EINVAL;
        }
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
                cli_error("Could not create %s: %m", path);
                return -errno;
        }
        *created = true;
        int r = sparse ? (ftruncate(fd, (off_t) size) < 0 ? -errno : 0) : -posix_fallocate(fd, 0, (off_t) size);
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (r < 0) {
                cli_error("Could not size %s to %" PRIu64 " bytes: %s", path, size, strerror(-r));
                (void) unlink(path);
                *created = false;
                return r;
        }
        *ret_size = size;
        return 0;
}

static int create_fileio(ConfigLock *cl, const Args *a) {
        static const char *const spec[] = { "name", "file_or_dev", "size", "write_back", "sparse", "wwn", NULL };
        const char *v[6];
        int r = args_bind(a, "create", spec, v);
        if (r < 0 || (r = check_name(cl->cfg, TC_BACKSTORE_FILEIO, v[0])) < 0 || (r = check_wwn(v[5])) < 0)
                return r;
        if (!v[1]) {
                cli_error("usage: create name file_or_dev [size] [write_back=true] [sparse=true] [wwn=]");
                return -EINVAL;
        }
        bool write_back, sparse;
        if ((r = opt_bool("write_back", v[3], true, &write_back)) < 0 || (r = opt_bool("sparse", v[4], true, &sparse)) < 0)
                return r;
        _cleanup_free_ char *path = NULL;
        struct stat st;
        /* targetcli: a directory means "<dir>/<name>.img". */
        if (stat(v[1], &st) == 0 && S_ISDIR(st.st_mode)) {
                if (asprintf(&path, "%s/%s.img", v[1], v[0]) < 0)
                        return -ENOMEM;
        } else if (!(path = strdup(v[1])))
                return -ENOMEM;
        if (path[0] != '/') {
                _cleanup_free_ char *abs = realpath(".", NULL);
                char *joined;
                if (!abs || asprintf(&joined, "%s/%s", abs, path) < 0)
                        return -ENOMEM;
                free(path);
                path = joined;
        }

        uint64_t size = 0;
        bool created = false;
        r = prepare_fileio(path, v[2], sparse, &size, &created);
        if (r < 0)
                return r;
        TcStorageObject *so;
        r = tc_config_add_storage_object(cl->cfg, TC_BACKSTORE_FILEIO, v[0], path, size, v[5], &so);
        if (r >= 0)
                r = tc_storage_object_set_write_back(so, write_back);
        if (r < 0) {
                if (created)
                        (void) unlink(path);
                cli_error("Could not create fileio %s: %s", v[0], strerror(-r));
                return r;
        }
        printf("Created fileio %s with size %" PRIu64 "\n", v[0], size);
        return 1;
}

static int create_block(ConfigLock *cl, const Args *a) {
        /* targetcli's order: name dev readonly wwn; write_back after them. */
        static const char *const spec[] = { "name", "dev", "readonly", "wwn", "write_back", NULL };
        const char *v[5];
        int r = args_bind(a, "create", spec, v);
        if (r < 0 || (r = check_name(cl->cfg, TC_BACKSTORE_BLOCK, v[0])) < 0 || (r = check_wwn(v[3])) < 0)
                return r;
        if (!v[1]) {
                cli_error("usage: create name dev [readonly=false] [wwn=] [write_back=false]");
                return -EINVAL;
        }
        bool readonly, write_back;
        if ((r = opt_bool("readonly", v[2], false, &readonly)) < 0 || (r = opt_bool("write_back", v[4], false, &write_back)) < 0)
                return r;
        struct stat st;
        if (stat(v[1], &st) < 0) {
                cli_error("Could not access %s: %m", v[1]);
                return -errno;
        }
        if (!S_ISBLK(st.st_mode)) {
                cli_error("Device %s is not a block device (use /backstores/fileio for files)", v[1]);
                return -EINVAL;
        }
        for (size_t i = 0; i < cl->cfg->n_storage_objects; i++) {
                const TcStorageObject *o = cl->cfg->storage_objects[i];
                struct stat st2;
                if (o->dev && stat(o->dev, &st2) == 0 && S_ISBLK(st2.st_mode) && st2.st_rdev == st.st_rdev) {
                        cli_error("Cannot configure StorageObject because device %s is already in use by %s/%s",
                                  v[1], tc_backstore_type_to_string(o->type), o->name);
                        return -EBUSY;
                }
        }
        TcStorageObject *so;
        r = tc_config_add_storage_object(cl->cfg, TC_BACKSTORE_BLOCK, v[0], v[1], 0, v[3], &so);
        if (r >= 0)
                r = tc_storage_object_set_write_back(so, write_back);
        if (r < 0) {
                cli_error("Could not create block %s: %s", v[0], strerror(-r));
                return r;
        }
        so->readonly = readonly;
        printf("Created block storage object %s using %s.\n", v[0], v[1]);
        return 1;
}

static int create_ramdisk(ConfigLock *cl, const Args *a) {
        static const char *const spec[] = { "name", "size", "nullio", "wwn", NULL };
        const char *v[4];
        int r = args_bind(a, "create", spec, v);
        if (r < 0 || (r = check_name(cl->cfg, TC_BACKSTORE_RAMDISK, v[0])) < 0 || (r = check_wwn(v[3])) < 0)
                return r;
        uint64_t size;
        if (!v[1] || parse_size(v[1], &size) < 0 || size == 0) {
                cli_error("a size is required (e.g. 1G, 512M): create name size [nullio=false]");
                return -EINVAL;
        }
        bool nullio;
        if ((r = opt_bool("nullio", v[2], false, &nullio)) < 0)
                return r;
        TcStorageObject *so;
        r = tc_config_add_storage_object(cl->cfg, TC_BACKSTORE_RAMDISK, v[0], NULL, size, v[3], &so);
        if (r < 0) {
                cli_error("Could not create ramdisk %s: %s", v[0], strerror(-r));
                return r;
        }
        so->nullio = nullio;
        printf("Created ramdisk %s with size %s.\n", v[0], v[1]);
        return 1;
}

int cmd_backstore_create(ConfigLock *cl, const Node *n, const Args *a) {
        switch (n->bs) {
        case TC_BACKSTORE_FILEIO: return create_fileio(cl, a);
        case TC_BACKSTORE_BLOCK: return create_block(cl, a);
        case TC_BACKSTORE_RAMDISK: return create_ramdisk(cl, a);
        default: return -EINVAL;
        }
}

int cmd_backstore_delete(ConfigLock *cl, const Node *n, const Args *a) {
        static const char *const spec[] = { "name", NULL };
        const char *v[1];
        int r = args_bind(a, "delete", spec, v);
        if (r < 0)
                return r;
        if (!v[0]) {
                cli_error("usage: delete name");
                return -EINVAL;
        }
        TcStorageObject *so = tc_config_find_storage_object(cl->cfg, n->bs, v[0]);
        if (!so) {
                cli_error("No storage object named %s in /backstores/%s", v[0], tc_backstore_type_to_string(n->bs));
                return -ENOENT;
        }
        r = tc_config_remove_storage_object(cl->cfg, so, NULL);
        if (r < 0)
                return r;
        printf("Deleted storage object %s.\n", v[0]);
        return 1;
}
