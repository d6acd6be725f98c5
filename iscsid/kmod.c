/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Load iscsi_tcp (and with it scsi_transport_iscsi) when the kernel does not have it yet. */

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

#include "kmod.h"

#if HAVE_LIBKMOD
#include <libkmod.h>

static void quiet_log(void *data, int priority, const char *file, int line, const char *fn, const char *format,
                      va_list args) {
        /* libkmod's own messages would go to stderr; the caller reports the outcome. */
}

int kmod_load_iscsi_tcp(void) {
        if (getenv("ISCSID_NO_KMOD")) /* tests must not load modules into the host kernel */
                return -EPERM;
        struct kmod_ctx *ctx = kmod_new(NULL, NULL);
        if (!ctx)
                return -ENOMEM;
        kmod_set_log_fn(ctx, quiet_log, NULL);
        struct kmod_module *mod = NULL;
        int r = kmod_module_new_from_name(ctx, "iscsi_tcp", &mod);
        if (r >= 0) {
                r = kmod_module_probe_insert_module(mod, KMOD_PROBE_APPLY_BLACKLIST, NULL, NULL, NULL, NULL);
                if (r > 0)
                        r = -EPERM; /* blacklisted */
                kmod_module_unref(mod);
        }
        kmod_unref(ctx);
        return r < 0 ? r : 0;
}
#else
int kmod_load_iscsi_tcp(void) {
        return -EOPNOTSUPP;
}
#endif
