/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness: /etc/iscsi/initiatorname.iscsi (initiatorname.h). The input is the file
 * (a memfd read through /proc/self/fd). Invariant: a name and alias that were read are written
 * back with node_initiatorname_write (to a tmpfs file) and read back unchanged.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iscsi-node/initiatorname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char out_path[64];

static void remove_out(void) {
        char *slash = strrchr(out_path, '/');
        (void) unlink(out_path);
        *slash = 0;
        (void) rmdir(out_path);
}

static int read_bytes(const uint8_t *data, size_t size, char **ret_name, char **ret_alias) {
        char path[64];
        int fd = memfd_create("initiatorname", MFD_CLOEXEC);
        if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t) size))
                abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        int r = node_initiatorname_read(path, ret_name, ret_alias);
        close(fd);
        return r;
}

static void check_rewrite(const char *name, const char *alias) {
        char *name2 = NULL, *alias2 = NULL;

        if (!out_path[0]) {
                char dir[] = "/dev/shm/fuzz-initiatorname.XXXXXX";
                if (!mkdtemp(dir))
                        abort();
                snprintf(out_path, sizeof out_path, "%s/initiatorname.iscsi", dir);
                atexit(remove_out);
        }
        if (node_initiatorname_write(out_path, name, alias) < 0)
                abort();
        if (node_initiatorname_read(out_path, &name2, &alias2) < 0 || strcmp(name, name2) != 0 ||
            !alias != !alias2 || (alias && strcmp(alias, alias2) != 0))
                abort();
        free(name2);
        free(alias2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *name = NULL, *alias = NULL;

        if (read_bytes(data, size, &name, &alias) == 0) {
                if (!name || !*name)
                        abort();
                check_rewrite(name, alias);
        }
        free(name);
        free(alias);
        return 0;
}
