/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One invocation's hold on the configuration: an flock()ed lock file next to the config,
 * the loaded model, atomic saves, and the SIGHUP that tells iscsi-targetd to reload. */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "config-lock.h"
#include "iscsi-util/fs-util.h"
#include "iscsi-util/macro.h"

static int make_parent_dir(const char *path) {
        _cleanup_free_ char *copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        return util_mkdir_parents(dirname(copy), 0755, true);
}

/* Under the lock no other run is writing the configuration: a temp file of it was left by one
 * killed in the middle of a save. Only the config's own temps go: the directory may hold
 * files written by others (the daemon's pid file). */
static void remove_stale_temps(const char *path) {
        _cleanup_free_ char *dir = strdup(path), *base = strdup(path);
        if (!dir || !base)
                return;
        (void) util_remove_stale_temps(dirname(dir), basename(base));
}

static void print_warnings(char **w) {
        for (size_t i = 0; w && w[i]; i++)
                cli_warning("%s: %s", "config", w[i]);
}

static int load(ConfigLock *cl, bool quiet) {
        TargetConfig *c = NULL;
        _cleanup_tc_strv_ char **warnings = NULL;
        _cleanup_free_ char *error = NULL;
        int r = tc_config_load(cl->config_path, &c, &warnings, &error);
        if (r == -ENOENT) {
                c = tc_config_new();
                if (!c)
                        return -ENOMEM;
        } else if (r < 0) {
                if (error)
                        cli_error("%s: %s", cl->config_path, error);
                else
                        cli_error("cannot load %s: %s", cl->config_path, strerror(-r));
                cli_error("refusing to change a configuration that does not load; fix or move the file");
                return r;
        } else if (!quiet)
                print_warnings(warnings);
        tc_config_free(cl->cfg);
        cl->cfg = c;
        return 0;
}

int config_lock_open(ConfigLock *cl) {
        int r = make_parent_dir(cl->config_path);
        if (r < 0) {
                cli_error("cannot create the directory of %s: %s", cl->config_path, strerror(-r));
                return r;
        }
        _cleanup_free_ char *lock_path = NULL;
        if (asprintf(&lock_path, "%s.lock", cl->config_path) < 0)
                return -ENOMEM;
        cl->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
        if (cl->lock_fd < 0) {
                r = -errno;
                cli_error("cannot open lock file %s: %m", lock_path);
                return r;
        }
        /* Serialize with other iscsi-target runs: read-modify-write must not interleave. */
        while (flock(cl->lock_fd, LOCK_EX) < 0)
                if (errno != EINTR) {
                        r = -errno;
                        cli_error("cannot lock %s: %m", lock_path);
                        return r;
                }
        remove_stale_temps(cl->config_path);
        return load(cl, false);
}

int config_lock_save(ConfigLock *cl) {
        int r = tc_config_validate(cl->cfg, NULL);
        if (r < 0) {
                _cleanup_free_ char *msg = NULL;
                (void) tc_config_validate(cl->cfg, &msg);
                cli_error("not saving an inconsistent configuration: %s", msg ? msg : strerror(-r));
                return r;
        }
        r = tc_config_save(cl->cfg, cl->config_path);
        if (r < 0) {
                cli_error("Could not save configuration to %s: %s", cl->config_path, strerror(-r));
                return r;
        }
        cl->saved_any = true;
        return 0;
}

int config_lock_revert(ConfigLock *cl) {
        return load(cl, true);
}

void config_lock_signal_daemon(ConfigLock *cl) {
        if (!cl->pidfile || !*cl->pidfile)
                return;
        _cleanup_fclose_ FILE *f = fopen(cl->pidfile, "re");
        if (!f) {
                if (errno != ENOENT)
                        cli_warning("cannot read %s: %m; iscsi-targetd not told to reload", cl->pidfile);
                return;
        }
        char buf[32] = {};
        uint64_t pid;
        if (!fgets(buf, sizeof(buf), f))
                return;
        buf[strcspn(buf, " \t\r\n")] = 0;
        if (parse_uint(buf, INT32_MAX, &pid) < 0 || pid <= 1) {
                cli_warning("%s does not hold a process id; iscsi-targetd not told to reload", cl->pidfile);
                return;
        }
        /* A stale pid file may name an unrelated process by now: check its name first. */
        char comm_path[64], comm[32] = {};
        snprintf(comm_path, sizeof(comm_path), "/proc/%" PRIu64 "/comm", pid);
        _cleanup_fclose_ FILE *cf = fopen(comm_path, "re");
        if (!cf)
                return; /* not running */
        if (!fgets(comm, sizeof(comm), cf))
                return;
        comm[strcspn(comm, "\n")] = 0;
        if (strncmp(comm, "iscsi-targetd", 13) != 0) {
                cli_warning("%s names pid %" PRIu64 " (%s), which is not iscsi-targetd; not signalling it",
                            cl->pidfile, pid, comm);
                return;
        }
        if (kill((pid_t) pid, SIGHUP) < 0 && errno != ESRCH)
                cli_warning("cannot signal iscsi-targetd (pid %" PRIu64 "): %m", pid);
}

void config_lock_close(ConfigLock *cl) {
        if (cl->saved_any && cl->reload)
                config_lock_signal_daemon(cl);
        if (cl->lock_fd >= 0)
                cl->lock_fd = safe_close(cl->lock_fd); /* releases the flock */
        cl->cfg = tc_config_free(cl->cfg);
        free(cl->cwd);
        cl->cwd = NULL;
}
