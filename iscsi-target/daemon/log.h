/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Daemon logging: the journal when run as a service, stderr in the foreground. Thread-safe. */
#pragma once

#include <stdbool.h>
#include <syslog.h>

#include "iscsi-util/macro.h"

void log_setup(bool to_stderr, bool debug);
bool log_debug_enabled(void);
void log_msg(int prio, const char *fmt, ...) _printf_(2, 3);

#define log_error(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)                                  \
        do {                                            \
                if (_unlikely_(log_debug_enabled()))    \
                        log_msg(LOG_DEBUG, __VA_ARGS__); \
        } while (0)
