/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Read the iBFT from sysfs (see ibft.h for the layout and the rules taken from open-iscsi). */

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "iscsi-node/ibft.h"
#include "iscsi-node/record.h"
#include "iscsi-proto/sendtargets.h"

/* An attribute is a short line; anything longer is not a value the kernel wrote. */
#define IBFT_ATTR_MAX 1024
/* At most this many ethernetN / targetN folders per table (open-iscsi: 255). */
#define IBFT_ENTRIES_MAX 255

static void closedirp_(DIR **d) {
        if (*d)
                closedir(*d);
}

/* A DIR stream on a duplicate of fd (fd stays the caller's); NULL with errno set. */
static DIR *dir_from_fd(int fd) {
        int dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (dupfd < 0)
                return NULL;
        DIR *d = fdopendir(dupfd);
        if (!d)
                safe_close(dupfd);
        return d;
}

/* One attribute of dirfd/sub: the value without trailing newlines and blanks.
 * -ENOENT when absent, -ENODATA when empty. */
static int attr_str(int dirfd, const char *sub, const char *name, char **ret) {
        char path[PATH_MAX], buf[IBFT_ATTR_MAX + 1];
        if ((size_t) snprintf(path, sizeof path, "%s/%s", sub, name) >= sizeof path)
                return -ENAMETOOLONG;
        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EISDIR;
        ssize_t n = read(fd, buf, IBFT_ATTR_MAX);
        if (n < 0)
                return -errno;
        while (n > 0 && isspace((unsigned char) buf[n - 1]))
                n--;
        buf[n] = 0;
        if (n == 0 || strlen(buf) != (size_t) n)
                return -ENODATA;
        char *s = strdup(buf);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* Optional string attribute: NULL when absent or empty; -ENOMEM only. */
static int attr_opt(int dirfd, const char *sub, const char *name, char **ret) {
        char *v = NULL;
        int r = attr_str(dirfd, sub, name, &v);
        if (r == -ENOMEM)
                return r;
        *ret = v;
        return 0;
}

static int attr_int(int dirfd, const char *sub, const char *name, int *ret) {
        _cleanup_free_ char *v = NULL;
        int r = attr_str(dirfd, sub, name, &v);
        if (r < 0)
                return r;
        char *end;
        errno = 0;
        long l = strtol(v, &end, 10);
        if (errno || *end || l < INT_MIN || l > INT_MAX)
                return -EINVAL;
        *ret = (int) l;
        return 0;
}

/* Drop what read_nic() filled in (a NIC that turned out unusable); t stays freeable. */
static void nic_done(NodeIbftTarget *t) {
        char **fields[] = { &t->nic, &t->mac, &t->netdev, &t->ip_addr, &t->subnet_mask, &t->gateway,
                            &t->primary_dns, &t->secondary_dns, &t->dhcp, &t->vlan };
        for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
                free(*fields[i]);
                *fields[i] = NULL;
        }
}

NodeIbftTarget *node_ibft_target_free(NodeIbftTarget *t) {
        if (!t)
                return NULL;
        free(t->boot_root);
        free(t->initiator_name);
        free(t->isid);
        nic_done(t);
        free(t->target);
        free(t->target_name);
        free(t->target_ip);
        free(t->lun);
        free(t->chap_name);
        erase_and_freep(&t->chap_secret);
        free(t->rev_chap_name);
        erase_and_freep(&t->rev_chap_secret);
        free(t);
        return NULL;
}

void node_ibft_list_free(NodeIbftTarget **list, size_t n) {
        for (size_t i = 0; i < n; i++)
                node_ibft_target_free(list[i]);
        free(list);
}

/* "ethernet12" with prefix "ethernet" -> 12; -1 when the name is not prefix + digits. */
static int entry_number(const char *name, const char *prefix) {
        size_t l = strlen(prefix);
        if (strncmp(name, prefix, l) != 0 || !isdigit((unsigned char) name[l]))
                return -1;
        char *end;
        errno = 0;
        long n = strtol(name + l, &end, 10);
        return errno || *end || n > INT_MAX ? -1 : (int) n;
}

typedef struct Entries {
        int ethernet[IBFT_ENTRIES_MAX], target[IBFT_ENTRIES_MAX];
        size_t n_ethernet, n_target;
} Entries;

static int int_cmp(const void *a, const void *b) {
        int x = *(const int *) a, y = *(const int *) b;
        return (x > y) - (x < y);
}

static void list_entries(DIR *d, Entries *e) {
        struct dirent *de;
        *e = (Entries) {};
        while ((de = readdir(d))) {
                int n;
                if ((n = entry_number(de->d_name, "ethernet")) >= 0 && e->n_ethernet < IBFT_ENTRIES_MAX)
                        e->ethernet[e->n_ethernet++] = n;
                else if ((n = entry_number(de->d_name, "target")) >= 0 && e->n_target < IBFT_ENTRIES_MAX)
                        e->target[e->n_target++] = n;
        }
        qsort(e->ethernet, e->n_ethernet, sizeof(int), int_cmp);
        qsort(e->target, e->n_target, sizeof(int), int_cmp);
}

/* First entry of a folder that is neither "." nor "..", or NULL. */
static char *first_entry(int dirfd, const char *path, const char *prefix) {
        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_(closedirp_) DIR *d = fd >= 0 ? dir_from_fd(fd) : NULL;
        if (!d)
                return NULL;
        struct dirent *de;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.' && strncmp(de->d_name, prefix, strlen(prefix)) == 0)
                        return strdup(de->d_name + strlen(prefix));
        return NULL;
}

/* The netdev whose address is mac, under <sysfs>/class/net; NULL if none. */
static char *netdev_by_mac(const char *sysfs_root, const char *mac) {
        char path[PATH_MAX];
        if ((size_t) snprintf(path, sizeof path, "%s/class/net", sysfs_root) >= sizeof path)
                return NULL;
        _cleanup_close_ int netfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_(closedirp_) DIR *d = netfd >= 0 ? dir_from_fd(netfd) : NULL;
        struct dirent *de;
        while (d && (de = readdir(d))) {
                _cleanup_free_ char *addr = NULL;
                if (de->d_name[0] == '.' || attr_str(netfd, de->d_name, "address", &addr) < 0)
                        continue;
                if (strcasecmp(addr, mac) == 0)
                        return strdup(de->d_name);
        }
        return NULL;
}

/* open-iscsi's rule: device/net:NAME, then device/net/NAME, then the MAC; a NIC with no
 * device link has no netdev (0); one with a link that leads nowhere is unusable (-ENODEV). */
static int resolve_netdev(int ibftfd, const char *sysfs_root, NodeIbftTarget *t) {
        char dev[64];
        struct stat st;
        snprintf(dev, sizeof dev, "%s/device", t->nic);
        if (fstatat(ibftfd, dev, &st, 0) < 0 || !S_ISDIR(st.st_mode))
                return 0;
        t->netdev = first_entry(ibftfd, dev, "net:");
        if (!t->netdev) {
                snprintf(dev, sizeof dev, "%s/device/net", t->nic);
                t->netdev = first_entry(ibftfd, dev, "");
        }
        if (!t->netdev && t->mac)
                t->netdev = netdev_by_mac(sysfs_root, t->mac);
        return t->netdev ? 0 : -ENODEV;
}

static int read_nic(int ibftfd, const char *sysfs_root, int number, NodeIbftTarget *t) {
        char name[32];
        int r;
        snprintf(name, sizeof name, "ethernet%d", number);
        if (attr_int(ibftfd, name, "flags", &t->nic_flags) < 0 || t->nic_flags == 0)
                return -ENODEV;   /* some firmware sets only bit 1 (boot selected): any bit will do */
        if (attr_str(ibftfd, name, "mac", &t->mac) < 0)
                return -ENODEV;
        if (!(t->nic = strdup(name)))
                return -ENOMEM;
        r = resolve_netdev(ibftfd, sysfs_root, t);
        if (r < 0)
                return r;
        if ((r = attr_opt(ibftfd, name, "ip-addr", &t->ip_addr)) < 0 ||
            (r = attr_opt(ibftfd, name, "subnet-mask", &t->subnet_mask)) < 0 ||
            (r = attr_opt(ibftfd, name, "gateway", &t->gateway)) < 0 ||
            (r = attr_opt(ibftfd, name, "primary-dns", &t->primary_dns)) < 0 ||
            (r = attr_opt(ibftfd, name, "secondary-dns", &t->secondary_dns)) < 0 ||
            (r = attr_opt(ibftfd, name, "dhcp", &t->dhcp)) < 0 ||
            (r = attr_opt(ibftfd, name, "vlan", &t->vlan)) < 0)
                return r;
        if (attr_int(ibftfd, name, "prefix-len", &t->prefix_len) < 0 || t->prefix_len < 0)
                t->prefix_len = 0;
        if (attr_int(ibftfd, name, "origin", &t->origin) < 0)
                t->origin = NODE_IBFT_ORIGIN_UNKNOWN;
        return 0;
}

static int read_target(int ibftfd, int number, NodeIbftTarget *t) {
        char name[32];
        int r, nic_assoc;
        snprintf(name, sizeof name, "target%d", number);
        if (attr_int(ibftfd, name, "flags", &t->target_flags) < 0 || t->target_flags == 0)
                return -ENODEV;
        if (attr_str(ibftfd, name, "target-name", &t->target_name) < 0 ||
            attr_str(ibftfd, name, "ip-addr", &t->target_ip) < 0 ||
            attr_int(ibftfd, name, "nic-assoc", &nic_assoc) < 0)
                return -ENODEV;
        if (!(t->target = strdup(name)))
                return -ENOMEM;
        if (attr_int(ibftfd, name, "index", &t->target_index) < 0)
                t->target_index = number;
        if (attr_int(ibftfd, name, "port", &t->target_port) < 0 || t->target_port <= 0 || t->target_port > 65535)
                t->target_port = ISCSI_DEFAULT_PORT;
        if ((r = attr_opt(ibftfd, name, "lun", &t->lun)) < 0 ||
            (r = attr_opt(ibftfd, name, "chap-name", &t->chap_name)) < 0 ||
            (r = attr_opt(ibftfd, name, "chap-secret", &t->chap_secret)) < 0 ||
            (r = attr_opt(ibftfd, name, "rev-chap-name", &t->rev_chap_name)) < 0 ||
            (r = attr_opt(ibftfd, name, "rev-chap-name-secret", &t->rev_chap_secret)) < 0)
                return r;
        return nic_assoc;
}

/* The ethernetN whose index is nic_assoc, read into t; -ENODEV when none is usable. */
static int join_nic(int ibftfd, const char *sysfs_root, const Entries *e, int nic_assoc, NodeIbftTarget *t) {
        for (size_t i = 0; i < e->n_ethernet; i++) {
                char name[32];
                int index;
                snprintf(name, sizeof name, "ethernet%d", e->ethernet[i]);
                if (attr_int(ibftfd, name, "index", &index) < 0 || index != nic_assoc)
                        continue;
                t->nic_index = index;
                int r = read_nic(ibftfd, sysfs_root, e->ethernet[i], t);
                if (r < 0)
                        nic_done(t);
                return r;
        }
        return -ENODEV;
}

static int read_one(int ibftfd, const char *sysfs_root, const char *folder, const Entries *e, int number,
                    NodeIbftTarget **ret) {
        _cleanup_(node_ibft_target_freep) NodeIbftTarget *t = calloc(1, sizeof *t);
        if (!t)
                return -ENOMEM;
        int assoc = read_target(ibftfd, number, t);
        if (assoc < 0)
                return assoc;
        int r = join_nic(ibftfd, sysfs_root, e, assoc, t);
        if (r < 0)
                return r;
        if (!(t->boot_root = strdup(folder)) ||
            attr_opt(ibftfd, "initiator", "initiator-name", &t->initiator_name) < 0 ||
            attr_opt(ibftfd, "initiator", "isid", &t->isid) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(t);
        return 0;
}

typedef struct TargetList {
        NodeIbftTarget **items;
        size_t n;
} TargetList;

static int list_push(TargetList *l, NodeIbftTarget *t) {
        NodeIbftTarget **n = realloc(l->items, (l->n + 1) * sizeof *n);
        if (!n) {
                node_ibft_target_free(t);
                return -ENOMEM;
        }
        l->items = n;
        l->items[l->n++] = t;
        return 0;
}

/* Targets of one folder (<sysfs>/firmware/<folder>); -ENOENT when it has no initiator/. */
static int read_folder(int firmwarefd, const char *sysfs_root, const char *folder, TargetList *l) {
        _cleanup_close_ int fd = openat(firmwarefd, folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstatat(fd, "initiator", &st, 0) < 0 || !S_ISDIR(st.st_mode))
                return -ENOENT;
        _cleanup_(closedirp_) DIR *d = dir_from_fd(fd);
        if (!d)
                return -errno;
        _cleanup_free_ Entries *e = malloc(sizeof *e);
        if (!e)
                return -ENOMEM;
        list_entries(d, e);
        for (size_t i = 0; i < e->n_target; i++) {
                NodeIbftTarget *t = NULL;
                int r = read_one(fd, sysfs_root, folder, e, e->target[i], &t);
                if (r == -ENOMEM)
                        return r;
                if (r >= 0 && (r = list_push(l, t)) < 0)
                        return r;
        }
        return 0;
}

static int folder_cmp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* "ibft" first, then iscsi_boot* in name order. */
static int boot_folders(DIR *d, char ***ret, size_t *ret_n) {
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (!streq(de->d_name, "ibft") && strncmp(de->d_name, "iscsi_boot", 10) != 0)
                        continue;
                char **nn = realloc(names, (n + 1) * sizeof *nn);
                if (!nn || !(nn[n] = strdup(de->d_name))) {
                        names = nn ? nn : names;
                        for (size_t i = 0; i < n; i++)
                                free(names[i]);
                        free(names);
                        return -ENOMEM;
                }
                names = nn;
                n++;
        }
        if (n > 1) /* qsort(NULL, 0, ...) is undefined */
                qsort(names, n, sizeof *names, folder_cmp); /* "ibft" < "iscsi_boot*" */
        *ret = names;
        *ret_n = n;
        return 0;
}

int node_ibft_read(const char *sysfs_root, NodeIbftTarget ***ret, size_t *ret_n) {
        char path[PATH_MAX];
        if ((size_t) snprintf(path, sizeof path, "%s/firmware", sysfs_root) >= sizeof path)
                return -ENAMETOOLONG;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOTDIR ? -ENOENT : -errno;
        _cleanup_(closedirp_) DIR *d = dir_from_fd(fd);
        if (!d)
                return -errno;
        char **folders = NULL;
        size_t n_folders = 0;
        int r = boot_folders(d, &folders, &n_folders);
        if (r < 0)
                return r;

        TargetList l = {};
        bool have_table = false;
        for (size_t i = 0; i < n_folders && r >= 0; i++) {
                int k = read_folder(fd, sysfs_root, folders[i], &l);
                if (k == -ENOMEM)
                        r = k;
                else if (k >= 0)
                        have_table = true;
        }
        for (size_t i = 0; i < n_folders; i++)
                free(folders[i]);
        free(folders);
        if (r >= 0 && l.n == 0)
                r = have_table ? -ENODEV : -ENOENT;
        if (r < 0) {
                node_ibft_list_free(l.items, l.n);
                return r;
        }
        *ret = l.items;
        *ret_n = l.n;
        return 0;
}

bool node_ibft_uses_dhcp(const NodeIbftTarget *t) {
        return t->origin == NODE_IBFT_ORIGIN_DHCP || (t->dhcp && !streq(t->dhcp, "0.0.0.0"));
}

static void kv(FILE *f, const char *key, const char *value) {
        if (value && *value)
                fprintf(f, "%s = %s\n", key, value);
}

int node_ibft_format(const NodeIbftTarget *t, char **ret) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        fprintf(f, "# BEGIN RECORD %s\n", RECORD_FORMAT_VERSION);
        kv(f, "iface.initiatorname", t->initiator_name);
        kv(f, "iface.isid", t->isid);
        kv(f, "iface.transport_name", "tcp");
        kv(f, "iface.hwaddress", t->mac);
        kv(f, "iface.bootproto", node_ibft_uses_dhcp(t) ? "DHCP" : "STATIC");
        kv(f, "iface.ipaddress", t->ip_addr);
        if (t->prefix_len > 0)
                fprintf(f, "iface.prefix_len = %d\n", t->prefix_len);
        kv(f, "iface.subnet_mask", t->subnet_mask);
        kv(f, "iface.gateway", t->gateway);
        kv(f, "iface.primary_dns", t->primary_dns);
        kv(f, "iface.secondary_dns", t->secondary_dns);
        kv(f, "iface.vlan_id", t->vlan);
        kv(f, "iface.net_ifacename", t->netdev);
        kv(f, "node.name", t->target_name);
        kv(f, "node.conn[0].address", t->target_ip);
        fprintf(f, "node.conn[0].port = %d\n", t->target_port);
        kv(f, "node.session.auth.username", t->chap_name);
        kv(f, "node.session.auth.password", t->chap_secret);
        kv(f, "node.session.auth.username_in", t->rev_chap_name);
        kv(f, "node.session.auth.password_in", t->rev_chap_secret);
        kv(f, "node.boot_lun", t->lun);
        fputs("# END RECORD\n", f);
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}

int node_ibft_apply_to_record(const NodeIbftTarget *t, Record *r) {
        char port[16];
        snprintf(port, sizeof port, "%d", t->target_port);
        const struct {
                size_t key;
                const char *value;
        } set[] = {
                { NODE_KEY_NAME, t->target_name },
                { NODE_KEY_TPGT, NODE_IBFT_TPGT },
                { NODE_KEY_CONN_ADDRESS, t->target_ip },
                { NODE_KEY_CONN_PORT, port },
                { NODE_KEY_STARTUP, "onboot" },
                { NODE_KEY_DISCOVERY_TYPE, "fw" },
                { NODE_KEY_IFACE_INITIATORNAME, t->initiator_name },
                { NODE_KEY_AUTHMETHOD, t->chap_name ? "CHAP" : "None" },
                { NODE_KEY_USERNAME, t->chap_name },
                { NODE_KEY_PASSWORD, t->chap_secret },
                { NODE_KEY_USERNAME_IN, t->rev_chap_name },
                { NODE_KEY_PASSWORD_IN, t->rev_chap_secret },
        };
        for (size_t i = 0; i < ELEMENTSOF(set); i++) {
                int k = node_record_set_index(r, set[i].key, set[i].value);
                if (k < 0)
                        return k;
        }
        /* a name the record reads as empty ("<empty>") cannot be logged in to */
        if (!node_record_get(r, NODE_KEY_NAME) || !node_record_get(r, NODE_KEY_CONN_ADDRESS))
                return -EINVAL;
        return 0;
}
