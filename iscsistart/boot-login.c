/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The login engine of iscsistart: iscsid's manager (libiscsid-core) runs in a child process on
 * a private IPC socket, the parent asks it for each login with the ordinary IPC client, then
 * stops it. Stopping the manager never logs out: the sessions stay in the kernel, and their
 * state files in the run directory let the real iscsid adopt them later (as after a daemon
 * restart). open-iscsi's iscsistart is built the same way (a forked event loop).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boot-login.h"
#include "log.h"
#include "manager.h"

static int on_stop(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

/* The child: run the manager on socket_path until SIGTERM; tell the parent through ready_fd
 * once it listens (one byte: 0 ok, 1 failed). Never returns. */
static _Noreturn void run_engine(const char *socket_path, int ready_fd, bool debug) {
        _cleanup_(manager_freep) struct manager *m = NULL;
        char ok = 1;
        log_setup(true, debug);
        if (manager_new(&m) >= 0) {
                sd_event_add_signal(m->event, NULL, SIGTERM, on_stop, m);
                (void) manager_open_transport(m); /* failure: logins answer "transport not found" */
                /* know the kernel's sessions (as iscsid after a restart): a second boot login
                 * to the same target is answered "session exists", not a duplicate session */
                (void) manager_resync(m);
                if (manager_listen(m, socket_path) >= 0)
                        ok = 0;
        }
        (void) !write(ready_fd, &ok, 1);
        close(ready_fd);
        int r = ok == 0 ? sd_event_loop(m->event) : -EIO;
        m = manager_free(m); /* releases the daemon's objects; kernel sessions stay */
        _exit(r < 0 ? 1 : 0);
}

/* A private directory for the socket: /run when there is one (initramfs), else the tmpdir. */
static int private_dir(char *buf, size_t size) {
        const char *base = access("/run", W_OK) == 0 ? "/run" : (getenv("TMPDIR") ?: "/tmp");
        if ((size_t) snprintf(buf, size, "%s/iscsistart.XXXXXX", base) >= size)
                return -ENAMETOOLONG;
        return mkdtemp(buf) ? 0 : -errno;
}

static int start_engine(const char *socket_path, bool debug, pid_t *ret_pid) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        sigset_t ss;
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigprocmask(SIG_BLOCK, &ss, NULL); /* the child takes SIGTERM through sd-event */
        pid_t pid = fork();
        if (pid < 0) {
                int r = -errno;
                close(p[0]);
                close(p[1]);
                return r;
        }
        if (pid == 0) {
                close(p[0]);
                run_engine(socket_path, p[1], debug);
        }
        close(p[1]);
        char ok = 1;
        ssize_t n = read(p[0], &ok, 1);
        close(p[0]);
        *ret_pid = pid;
        return n == 1 && ok == 0 ? 0 : -EIO;
}

static int stop_engine(pid_t pid) {
        int status;
        kill(pid, SIGTERM);
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

int boot_login(const struct node_login_req *reqs, size_t n, bool debug, struct login_result *results) {
        char dir[256], sock[300];
        int r = private_dir(dir, sizeof dir);
        if (r < 0)
                return r;
        snprintf(sock, sizeof sock, "%s/iscsid.sock", dir);
        pid_t pid = 0;
        r = start_engine(sock, debug, &pid);
        if (r >= 0) {
                setenv(ISCSID_SOCKET_ENV, sock, 1);
                for (size_t i = 0; i < n; i++) {
                        int k = node_iscsid_client_login(&reqs[i], &results[i]);
                        if (k < 0) {
                                results[i] = (struct login_result) { .status = ISCSI_ERR_ISCSID_COMM_ERR, .sid = -1 };
                                snprintf(results[i].message, sizeof results[i].message,
                                         "login engine: %s", strerror(-k));
                        }
                }
                unsetenv(ISCSID_SOCKET_ENV);
        }
        if (r >= 0 || pid > 0)
                (void) stop_engine(pid);
        unlink(sock);
        rmdir(dir);
        return r;
}
