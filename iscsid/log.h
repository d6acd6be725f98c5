/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Daemon logging: the journal when running as a service, stderr in the foreground. */
#pragma once

#include <stdbool.h>
#include <syslog.h>

#include "iscsi-util/macro.h"

void log_setup(bool foreground, bool debug);
void log_full(int level, const char *fmt, ...) _printf_(2, 3);

#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)

/* Log at level with strerror(-r) appended; returns r (negative errno) for "return log_...". */
int log_errno(int level, int r, const char *fmt, ...) _printf_(3, 4);
