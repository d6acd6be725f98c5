/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Read iSCSI sessions back from sysfs (see sysfs-session.h for the layout). */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi-util/macro.h"
#include "iscsi-node/sysfs-session.h"

static void closedirp_(DIR **d) {
        if (*d)
                closedir(*d);
}

const char *node_sysfs_root(void) {
        const char *e = getenv(ISCSI_SYSFS_ROOT_ENV);
        return e && *e ? e : "/sys";
}

static int read_line(const char *path, char **ret) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f)
                return -errno;
        char buf[4096];
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        if (ferror(f))
                return -EIO;
        buf[n] = 0;
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
                buf[--n] = 0;
        if (n == 0 || streq(buf, "(null)"))
                return -ENODATA;
        char *s = strdup(buf);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static char *read_opt(const char *dir, const char *name) {
        _cleanup_free_ char *path = NULL;
        char *v = NULL;
        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return NULL;
        if (read_line(path, &v) < 0)
                return NULL;
        return v;
}

static int read_int_opt(const char *dir, const char *name, int def) {
        _cleanup_free_ char *v = read_opt(dir, name);
        if (!v)
                return def;
        char *end;
        errno = 0;
        long l = strtol(v, &end, 10);
        if (errno || *end || l < INT_MIN || l > INT_MAX)
                return def;
        return (int) l;
}

static void lun_done(struct sysfs_lun *l) {
        free(l->state);
        free(l->disk);
        free(l->vendor);
        free(l->model);
        free(l->rev);
}

struct sysfs_session *node_sysfs_session_free(struct sysfs_session *s) {
        if (!s)
                return NULL;
        free(s->target_name);
        free(s->persistent_address);
        free(s->address);
        free(s->iface_name);
        free(s->initiator_name);
        free(s->transport);
        free(s->isid);
        free(s->state);
        free(s->conn_state);
        free(s->local_address);
        free(s->netdev);
        free(s->hwaddress);
        for (size_t i = 0; i < s->n_luns; i++)
                lun_done(&s->luns[i]);
        free(s->luns);
        free(s);
        return NULL;
}

void node_sysfs_session_list_free(struct sysfs_session **list, size_t n) {
        for (size_t i = 0; i < n; i++)
                node_sysfs_session_free(list[i]);
        free(list);
}

static int host_from_path(const char *session_dir) {
        char real[PATH_MAX];
        if (!realpath(session_dir, real))
                return -1;
        /* .../hostH/sessionN/iscsi_session/sessionN: take the last "hostH" component. */
        int host = -1;
        for (char *p = strstr(real, "/host"); p; p = strstr(p + 1, "/host")) {
                int h;
                char c;
                if (sscanf(p, "/host%d%c", &h, &c) == 2 && c == '/')
                        host = h;
        }
        return host;
}

static int lun_cmp(const void *a, const void *b) {
        const struct sysfs_lun *x = a, *y = b;
        /* Compare, never subtract: the numbers come from directory names and may be INT_MIN. */
        if (x->channel != y->channel)
                return x->channel < y->channel ? -1 : 1;
        if (x->id != y->id)
                return x->id < y->id ? -1 : 1;
        return (x->lun > y->lun) - (x->lun < y->lun);
}

static char *first_entry(const char *dir) {
        _cleanup_(closedirp_) DIR *d = opendir(dir);
        if (!d)
                return NULL;
        struct dirent *de;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        return strdup(de->d_name);
        return NULL;
}

/* LUNs live under sessionN/device/targetH:C:T/H:C:T:L. */
static int read_luns(const char *session_dir, struct sysfs_session *s) {
        _cleanup_free_ char *dev = NULL;
        if (asprintf(&dev, "%s/device", session_dir) < 0)
                return -ENOMEM;
        _cleanup_(closedirp_) DIR *d = opendir(dev);
        if (!d)
                return 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (strncmp(de->d_name, "target", 6) != 0)
                        continue;
                _cleanup_free_ char *tdir = NULL;
                if (asprintf(&tdir, "%s/%s", dev, de->d_name) < 0)
                        return -ENOMEM;
                _cleanup_(closedirp_) DIR *td = opendir(tdir);
                if (!td)
                        continue;
                struct dirent *le;
                while ((le = readdir(td))) {
                        struct sysfs_lun l = {};
                        char c;
                        if (sscanf(le->d_name, "%d:%d:%d:%d%c", &l.host, &l.channel, &l.id, &l.lun, &c) != 4)
                                continue;
                        _cleanup_free_ char *ldir = NULL, *bdir = NULL;
                        if (asprintf(&ldir, "%s/%s", tdir, le->d_name) < 0 ||
                            asprintf(&bdir, "%s/block", ldir) < 0)
                                return -ENOMEM;
                        l.state = read_opt(ldir, "state");
                        l.vendor = read_opt(ldir, "vendor");
                        l.model = read_opt(ldir, "model");
                        l.rev = read_opt(ldir, "rev");
                        l.disk = first_entry(bdir);
                        struct sysfs_lun *n = realloc(s->luns, (s->n_luns + 1) * sizeof *n);
                        if (!n) {
                                lun_done(&l);
                                return -ENOMEM;
                        }
                        s->luns = n;
                        s->luns[s->n_luns++] = l;
                }
        }
        if (s->n_luns > 1)
                qsort(s->luns, s->n_luns, sizeof *s->luns, lun_cmp);
        return 0;
}

int node_sysfs_session_read(int sid, struct sysfs_session **ret) {
        const char *root = node_sysfs_root();
        char sdir[PATH_MAX], cdir[PATH_MAX], hdir[PATH_MAX];
        snprintf(sdir, sizeof sdir, "%s/class/iscsi_session/session%d", root, sid);
        if (access(sdir, F_OK) < 0)
                return -errno;

        _cleanup_(node_sysfs_session_freep) struct sysfs_session *s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->sid = sid;
        s->host_no = host_from_path(sdir);
        s->target_name = read_opt(sdir, "targetname");
        s->tpgt = read_int_opt(sdir, "tpgt", -1);
        s->iface_name = read_opt(sdir, "ifacename");
        if (!s->iface_name)
                s->iface_name = strdup("default");
        s->initiator_name = read_opt(sdir, "initiatorname");
        s->isid = read_opt(sdir, "isid");
        s->state = read_opt(sdir, "state");

        snprintf(cdir, sizeof cdir, "%s/class/iscsi_connection/connection%d:0", root, sid);
        s->persistent_address = read_opt(cdir, "persistent_address");
        s->persistent_port = read_int_opt(cdir, "persistent_port", -1);
        s->address = read_opt(cdir, "address");
        s->port = read_int_opt(cdir, "port", -1);
        s->conn_state = read_opt(cdir, "state");

        if (s->host_no >= 0) {
                snprintf(hdir, sizeof hdir, "%s/class/iscsi_host/host%d", root, s->host_no);
                s->local_address = read_opt(hdir, "ipaddress");
                s->netdev = read_opt(hdir, "netdev");
                s->hwaddress = read_opt(hdir, "hwaddress");
                /* The transport's name is the scsi_host's proc_name ("iscsi_tcp" → "tcp"). */
                snprintf(hdir, sizeof hdir, "%s/class/scsi_host/host%d", root, s->host_no);
                _cleanup_free_ char *proc = read_opt(hdir, "proc_name");
                if (proc)
                        s->transport = strdup(strncmp(proc, "iscsi_", 6) == 0 ? proc + 6 : proc);
        }
        if (!s->transport)
                s->transport = strdup("tcp");

        int r = read_luns(sdir, s);
        if (r < 0)
                return r;
        if (!s->iface_name || !s->transport)
                return -ENOMEM;
        *ret = TAKE_PTR(s);
        return 0;
}

static int session_cmp(const void *a, const void *b) {
        const struct sysfs_session *x = *(struct sysfs_session *const *) a;
        const struct sysfs_session *y = *(struct sysfs_session *const *) b;
        return (x->sid > y->sid) - (x->sid < y->sid);
}

int node_sysfs_session_list(struct sysfs_session ***ret, size_t *ret_n) {
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%s/class/iscsi_session", node_sysfs_root());
        _cleanup_(closedirp_) DIR *d = opendir(dir);
        if (!d) {
                if (errno == ENOENT) {
                        *ret = NULL;
                        *ret_n = 0;
                        return 0;
                }
                return -errno;
        }
        struct sysfs_session **list = NULL;
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                int sid;
                char c;
                if (sscanf(de->d_name, "session%d%c", &sid, &c) != 1)
                        continue;
                struct sysfs_session *s;
                int r = node_sysfs_session_read(sid, &s);
                if (r == -ENOENT)
                        continue;       /* went away while we listed */
                if (r < 0) {
                        node_sysfs_session_list_free(list, n);
                        return r;
                }
                struct sysfs_session **nl = realloc(list, (n + 1) * sizeof *nl);
                if (!nl) {
                        node_sysfs_session_free(s);
                        node_sysfs_session_list_free(list, n);
                        return -ENOMEM;
                }
                list = nl;
                list[n++] = s;
        }
        if (n > 1)
                qsort(list, n, sizeof *list, session_cmp);
        *ret = list;
        *ret_n = n;
        return 0;
}

int node_sysfs_session_attr(const struct sysfs_session *s, const char *kind, const char *name, char **ret) {
        char path[PATH_MAX];
        const char *root = node_sysfs_root();
        if (strchr(name, '/'))
                return -EINVAL;
        if (streq(kind, "session"))
                snprintf(path, sizeof path, "%s/class/iscsi_session/session%d/%s", root, s->sid, name);
        else if (streq(kind, "connection"))
                snprintf(path, sizeof path, "%s/class/iscsi_connection/connection%d:0/%s", root, s->sid, name);
        else if (streq(kind, "host")) {
                if (s->host_no < 0)
                        return -ENOENT;
                snprintf(path, sizeof path, "%s/class/iscsi_host/host%d/%s", root, s->host_no, name);
        } else
                return -EINVAL;
        return read_line(path, ret);
}

int node_sysfs_session_find(const char *target_name, const char *address, int port, const char *iface,
                       int *ret_sid) {
        struct sysfs_session **list;
        size_t n;
        int r = node_sysfs_session_list(&list, &n);
        if (r < 0)
                return r;
        r = -ENOENT;
        for (size_t i = 0; i < n; i++) {
                struct sysfs_session *s = list[i];
                const char *addr = s->persistent_address ?: s->address;
                int p = s->persistent_port >= 0 ? s->persistent_port : s->port;
                if (!streq_ptr(s->target_name, target_name) || !streq_ptr(addr, address) || p != port)
                        continue;
                if (iface && !streq_ptr(s->iface_name, iface))
                        continue;
                *ret_sid = s->sid;
                r = 0;
                break;
        }
        node_sysfs_session_list_free(list, n);
        return r;
}

int node_sysfs_session_rescan(const struct sysfs_session *s) {
        if (s->host_no < 0)
                return -ENODEV;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/class/scsi_host/host%d/scan", node_sysfs_root(), s->host_no);
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (write(fd, "- - -", 5) < 0)
                return -errno;
        return 0;
}
