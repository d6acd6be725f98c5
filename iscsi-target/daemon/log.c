/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "log.h"

static bool log_stderr = true;
static bool log_debug_on;

void log_setup(bool to_stderr, bool debug) {
        log_stderr = to_stderr;
        log_debug_on = debug;
}

bool log_debug_enabled(void) {
        return log_debug_on;
}

void log_msg(int prio, const char *fmt, ...) {
        char buf[1024];
        va_list ap;

        if (prio == LOG_DEBUG && !log_debug_on)
                return;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);

        if (log_stderr) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                /* One fprintf per line: stdio locks the stream, so lines from workers don't mix. */
                fprintf(stderr, "%lld.%03ld iscsi-targetd: %s\n", (long long) ts.tv_sec,
                        ts.tv_nsec / 1000000, buf);
        } else
                sd_journal_print(prio, "%s", buf);
}
