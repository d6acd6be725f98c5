/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness: the iscsiadm side of the IPC (ipc.h): what a client makes of the daemon's
 * reply. A thread plays iscsid on a socket in $ISCSID_SOCKET: it takes the request and answers
 * with the input's bytes after the first (4-byte length framing included, so short, long and
 * lying frames are fuzzed too). The first byte picks the call: list, stats, login, logout,
 * ping, rescan. Invariants: a call returns 0 or a negative errno; on 0 the message is a
 * terminated string and every list/stats entry's strings are terminated.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "iscsi-node/ipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int listen_fd = -1;
static char sock_dir[64];

struct reply {
        const uint8_t *data;
        size_t size;
};

static void *serve(void *userdata) {
        const struct reply *r = userdata;
        struct json_object *req = NULL;
        int fd = accept(listen_fd, NULL, NULL);
        if (fd < 0)
                return NULL;
        if (node_ipc_recv_message(fd, &req) == 0)
                json_object_put(req);
        if (r->size > 0)
                (void) !write(fd, r->data, r->size);
        close(fd);
        return NULL;
}

static void remove_socket(void) {
        char path[128];
        snprintf(path, sizeof path, "%s/iscsid.sock", sock_dir);
        (void) unlink(path);
        (void) rmdir(sock_dir);
}

static void setup(void) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        strcpy(sock_dir, "/dev/shm/fuzz-ipc-client.XXXXXX");
        if (!mkdtemp(sock_dir))
                abort();
        snprintf(sa.sun_path, sizeof sa.sun_path, "%s/iscsid.sock", sock_dir);
        listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *) &sa, sizeof sa) < 0 || listen(listen_fd, 4) < 0 ||
            setenv(ISCSID_SOCKET_ENV, sa.sun_path, 1) < 0)
                abort();
        atexit(remove_socket);
}

static void check_message(const char *m, size_t size) {
        if (!memchr(m, 0, size))
                abort();
}

static int call(uint8_t which) {
        struct iscsid_list_result l;
        struct iscsid_stats_result st;
        struct iscsid_simple_result s;
        struct login_result lr;
        struct logout_result lo;
        struct node_login_req req = { .target_name = "iqn.2026-12.test:t", .address = "127.0.0.1", .tpgt = -1 };
        struct session_logout_req oreq = { .sid = 1 };
        int r;

        switch (which % 6) {
        case 0:
                if ((r = node_iscsid_client_list(&l)) < 0)
                        return r;
                check_message(l.message, sizeof l.message);
                for (size_t i = 0; i < l.n_sessions; i++) {
                        check_message(l.sessions[i].target_name, sizeof l.sessions[i].target_name);
                        check_message(l.sessions[i].state, sizeof l.sessions[i].state);
                }
                free(l.sessions);
                return 0;
        case 1:
                if ((r = node_iscsid_client_stats(1, &st)) < 0)
                        return r;
                check_message(st.message, sizeof st.message);
                for (size_t i = 0; i < st.n_stats; i++)
                        check_message(st.stats[i].name, sizeof st.stats[i].name);
                free(st.stats);
                return 0;
        case 2:
                if ((r = node_iscsid_client_login(&req, &lr)) == 0)
                        check_message(lr.message, sizeof lr.message);
                return r;
        case 3:
                if ((r = node_iscsid_client_logout(&oreq, &lo)) == 0)
                        check_message(lo.message, sizeof lo.message);
                return r;
        case 4:
                if ((r = node_iscsid_client_ping(&s)) == 0)
                        check_message(s.message, sizeof s.message);
                return r;
        default:
                if ((r = node_iscsid_client_rescan(-1, &s)) == 0)
                        check_message(s.message, sizeof s.message);
                return r;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        pthread_t t;

        if (size < 1 || size > 65536)
                return 0;
        if (listen_fd < 0)
                setup();
        struct reply rep = { data + 1, size - 1 };
        if (pthread_create(&t, NULL, serve, &rep) != 0)
                abort();
        int r = call(data[0]);
        pthread_join(t, NULL);
        if (r > 0)
                abort();
        return 0;
}
