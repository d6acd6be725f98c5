/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The iscsid binary as systemd starts it: the IPC socket passed in (LISTEN_FDS), READY=1 sent to
 * NOTIFY_SOCKET, requests served on the passed socket, SIGTERM ends it with status 0.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "iscsi-node/ipc.h"

static int unix_socket(int type, const char *path) {
        int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
        unlink(path);
        assert_int_equal(bind(fd, (struct sockaddr *) &sa, sizeof sa), 0);
        if (type == SOCK_STREAM)
                assert_int_equal(listen(fd, 16), 0);
        return fd;
}

static const char *bin;

static void test_socket_activation_and_notify(void **state) {
        if (!bin) {
                skip();
                return;
        }
        char dir[] = "/tmp/iscsid-daemon.XXXXXX", sock[128], notify[128];
        assert_non_null(mkdtemp(dir));
        snprintf(sock, sizeof sock, "%s/passed.sock", dir);
        snprintf(notify, sizeof notify, "%s/notify", dir);
        int lfd = unix_socket(SOCK_STREAM, sock);
        int nfd = unix_socket(SOCK_DGRAM, notify);

        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                /* The passed socket must be fd 3 (SD_LISTEN_FDS_START). */
                if (lfd == 3 ? fcntl(3, F_SETFD, 0) < 0 : dup2(lfd, 3) < 0)
                        _exit(120);
                char p[32];
                snprintf(p, sizeof p, "%d", (int) getpid());
                setenv("LISTEN_PID", p, 1);
                setenv("LISTEN_FDS", "1", 1);
                setenv("NOTIFY_SOCKET", notify, 1);
                setenv("ISCSID_NO_KMOD", "1", 1);
                setenv("ISCSID_RUN_DIR", dir, 1);
                execl(bin, "iscsid", "-f", "-s", "/nonexistent/not-used.sock", (char *) NULL);
                _exit(121);
        }
        close(lfd);

        /* READY=1 arrives once the daemon serves requests. */
        struct pollfd pfd = { .fd = nfd, .events = POLLIN };
        assert_int_equal(poll(&pfd, 1, 10000), 1);
        char buf[256] = "";
        ssize_t n = recv(nfd, buf, sizeof buf - 1, 0);
        assert_true(n > 0);
        assert_non_null(strstr(buf, "READY=1"));

        setenv("ISCSID_SOCKET", sock, 1);
        struct iscsid_simple_result res;
        assert_int_equal(node_iscsid_client_ping(&res), 0);
        assert_int_equal(res.status, 0);
        assert_non_null(strstr(res.message, "iscsid"));
        struct iscsid_list_result list;
        assert_int_equal(node_iscsid_client_list(&list), 0);
        assert_int_equal(list.status, 0);
        assert_int_equal(list.n_sessions, 0);
        free(list.sessions);
        unsetenv("ISCSID_SOCKET");

        assert_int_equal(kill(pid, SIGTERM), 0);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        /* A socket systemd owns is left in place. */
        assert_int_equal(access(sock, F_OK), 0);
        close(nfd);
        char cmd[200];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
}

int main(int argc, char **argv) {
        bin = argc > 1 ? argv[1] : getenv("ISCSID_BIN");
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_socket_activation_and_notify),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
