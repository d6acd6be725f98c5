/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>

#include "log.h"

static bool use_journal;
static int max_level = LOG_INFO;

void log_setup(bool foreground, bool debug) {
        /* Under systemd stderr already goes to the journal, but native entries keep the
         * priority; in a terminal (-f) plain stderr is what a person wants. */
        use_journal = !foreground || getenv("JOURNAL_STREAM");
        max_level = debug ? LOG_DEBUG : LOG_INFO;
}

static void log_va(int level, const char *suffix, const char *fmt, va_list ap) {
        if (level > max_level)
                return;
        char buf[1024];
        vsnprintf(buf, sizeof buf, fmt, ap);
        if (use_journal)
                sd_journal_print(level, "%s%s", buf, suffix ?: "");
        else
                fprintf(stderr, "iscsid: %s%s\n", buf, suffix ?: "");
}

void log_full(int level, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        log_va(level, NULL, fmt, ap);
        va_end(ap);
}

int log_errno(int level, int r, const char *fmt, ...) {
        char suffix[160];
        snprintf(suffix, sizeof suffix, ": %s", strerror(r < 0 ? -r : r));
        va_list ap;
        va_start(ap, fmt);
        log_va(level, suffix, fmt, ap);
        va_end(ap);
        return r;
}
