/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * st-responder: a tiny SendTargets-only iSCSI portal built on the library's pure protocol
 * code (target login state machine, SendTargets builder). Used by the iscsiadm bats suite
 * (discovery CHAP, many portals per target, IPv6) and by bench/iscsiadm-nodes.sh (1000
 * targets). Loopback only; serves connections one after the other until killed.
 *
 *   st-responder -l ADDR -p PORT [-n TARGETS] [-a PORTALS_PER_TARGET] [-P PREFIX]
 *                [-u USER -s SECRET [-U MUTUAL_USER -S MUTUAL_SECRET]] [-r READY_FILE]
 *                [-f TARGET_LIST_FILE (one "name addr:port,tpgt ..." per line)]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "iscsi-proto/keys.h"
#include "iscsi-proto/login.h"
#include "iscsi-util/macro.h"
#include "iscsi-proto/pdu.h"
#include "iscsi-proto/sendtargets.h"

static const char *user, *secret, *muser, *msecret;

static int get_auth(void *u, const char *initiator, const char *target, struct iscsi_login_target_auth *ret) {
        memset(ret, 0, sizeof(*ret));
        if (!user)
                return 0;
        ret->require_chap = true;
        ret->chap.username = user;
        ret->chap.secret = secret;
        ret->chap.mutual_username = muser;
        ret->chap.mutual_secret = msecret;
        return 0;
}

static int read_exact(int fd, void *buf, size_t len) {
        size_t off = 0;
        while (off < len) {
                ssize_t n = read(fd, (uint8_t *) buf + off, len - off);
                if (n <= 0)
                        return n == 0 ? -ECONNRESET : -errno;
                off += n;
        }
        return 0;
}

static int recv_pdu(int fd, uint8_t **buf, struct iscsi_pdu_view *v) {
        uint8_t hdr[ISCSI_BHS_SIZE];
        size_t total;
        int k = read_exact(fd, hdr, sizeof(hdr));
        if (k < 0)
                return k;
        k = iscsi_pdu_peek_length(hdr, sizeof(hdr), 0, &total);
        if (k < 0)
                return k;
        free(*buf);
        *buf = malloc(total);
        if (!*buf)
                return -ENOMEM;
        memcpy(*buf, hdr, sizeof(hdr));
        k = read_exact(fd, *buf + sizeof(hdr), total - sizeof(hdr));
        if (k < 0)
                return k;
        return iscsi_pdu_parse(*buf, total, 0, 0, v);
}

static int send_pdu(int fd, const struct iscsi_bhs *h, const void *data) {
        struct iscsi_pdu_out p;
        struct iovec iov[3];
        int n, k = iscsi_pdu_out_init(&p, h, NULL, 0, data, 0);
        if (k < 0)
                return k;
        n = iscsi_pdu_out_iovec(&p, iov);
        return writev(fd, iov, n) == (ssize_t) iscsi_pdu_out_size(&p) ? 0 : -EIO;
}

static void serve(int fd, const uint8_t *st, size_t st_len) {
        struct iscsi_login_target_config cfg = { .tpgt = 1, .cmdsn_window = 16 };
        struct iscsi_login *l = NULL;
        struct iscsi_login_result res;
        uint8_t *buf = NULL;
        uint32_t statsn;
        int k;

        cfg.policy.get_auth = get_auth;
        if (iscsi_login_target_new(&cfg, &l) < 0)
                return;
        for (;;) {
                struct iscsi_pdu_view v;
                struct iscsi_login_pdu rsp;
                if (recv_pdu(fd, &buf, &v) < 0)
                        goto out;
                k = iscsi_login_target_receive(l, &v.bhs, v.data, v.data_len, &rsp);
                if (k < 0)
                        goto out;
                if (send_pdu(fd, &rsp.bhs, rsp.data) < 0 || k == ISCSI_LOGIN_FAILED)
                        goto out;
                if (k == ISCSI_LOGIN_DONE)
                        break;
        }
        iscsi_login_get_result(l, &res);
        statsn = res.statsn;
        {
                size_t max = iscsi_params_max_xmit_dsl(&res.params, ISCSI_ROLE_TARGET), off = 0;
                if (max == 0 || max > 65536)
                        max = 8192;
                for (;;) {
                        struct iscsi_pdu_view v;
                        struct iscsi_bhs h = { 0 };
                        size_t chunk;

                        if (recv_pdu(fd, &buf, &v) < 0)
                                goto out;
                        if (v.bhs.opcode == ISCSI_OP_LOGOUT_REQ) {
                                h.opcode = ISCSI_OP_LOGOUT_RSP;
                                h.final = true;
                                h.itt = v.bhs.itt;
                                h.statsn = statsn++;
                                h.expcmdsn = v.bhs.cmdsn + 1;
                                h.maxcmdsn = v.bhs.cmdsn + 16;
                                (void) send_pdu(fd, &h, NULL);
                                goto out;
                        }
                        if (v.bhs.opcode != ISCSI_OP_TEXT_REQ)
                                goto out;
                        /* a new SendTargets request restarts the answer */
                        if (v.bhs.ttt == ISCSI_RESERVED_TAG)
                                off = 0;
                        chunk = MIN(max, st_len - off);
                        h.opcode = ISCSI_OP_TEXT_RSP;
                        h.itt = v.bhs.itt;
                        h.final = off + chunk >= st_len;
                        h.flags = h.final ? 0 : ISCSI_FLAG_CONTINUE;
                        h.ttt = h.final ? ISCSI_RESERVED_TAG : 0x1000;
                        h.statsn = statsn++;
                        h.expcmdsn = v.bhs.cmdsn + 1;
                        h.maxcmdsn = v.bhs.cmdsn + 16;
                        h.dlength = chunk;
                        if (send_pdu(fd, &h, st + off) < 0)
                                goto out;
                        off += chunk;
                }
        }
out:
        free(buf);
        iscsi_login_free(l);
}

int main(int argc, char **argv) {
        const char *addr = "127.0.0.1", *prefix = "iqn.2003-01.org.example:t", *ready = NULL, *list = NULL;
        int port = 3260, n_targets = 1, n_portals = 1, c, fd, one = 1;
        struct iscsi_st_list l = { 0 };
        struct sockaddr_storage ss = { 0 };
        socklen_t sl;
        uint8_t *st;
        size_t st_len;

        signal(SIGPIPE, SIG_IGN);
        while ((c = getopt(argc, argv, "l:p:n:a:P:u:s:U:S:r:f:")) >= 0) {
                switch (c) {
                case 'l': addr = optarg; break;
                case 'p': port = atoi(optarg); break;
                case 'n': n_targets = atoi(optarg); break;
                case 'a': n_portals = atoi(optarg); break;
                case 'P': prefix = optarg; break;
                case 'u': user = optarg; break;
                case 's': secret = optarg; break;
                case 'U': muser = optarg; break;
                case 'S': msecret = optarg; break;
                case 'r': ready = optarg; break;
                case 'f': list = optarg; break;
                default: return 2;
                }
        }
        if (list) {
                FILE *f = fopen(list, "re");
                char line[1024];
                if (!f)
                        return 1;
                while (fgets(line, sizeof(line), f)) {
                        char *save = NULL, *tok = strtok_r(line, " \t\n", &save);
                        if (!tok)
                                continue;
                        if (iscsi_st_list_add_target(&l, tok) < 0)
                                return 1;
                        while ((tok = strtok_r(NULL, " \t\n", &save))) {
                                struct iscsi_portal p;
                                if (iscsi_portal_parse(tok, &p) < 0 ||
                                    iscsi_st_list_add_portal(&l, p.host, p.port, p.tpgt) < 0)
                                        return 1;
                                iscsi_portal_clear(&p);
                        }
                }
                fclose(f);
        } else
                for (int i = 0; i < n_targets; i++) {
                        char name[256];
                        snprintf(name, sizeof(name), "%s%d", prefix, i + 1);
                        if (iscsi_st_list_add_target(&l, name) < 0)
                                return 1;
                        for (int j = 0; j < n_portals; j++)
                                if (iscsi_st_list_add_portal(&l, addr, port + j, j + 1) < 0)
                                        return 1;
                }
        if (iscsi_sendtargets_build(&l, &st, &st_len) < 0)
                return 1;
        iscsi_st_list_clear(&l);

        if (strchr(addr, ':')) {
                struct sockaddr_in6 *s6 = (struct sockaddr_in6 *) &ss;
                s6->sin6_family = AF_INET6;
                s6->sin6_port = htons(port);
                if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1)
                        return 2;
                sl = sizeof(*s6);
        } else {
                struct sockaddr_in *s4 = (struct sockaddr_in *) &ss;
                s4->sin_family = AF_INET;
                s4->sin_port = htons(port);
                if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1)
                        return 2;
                sl = sizeof(*s4);
        }
        fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            bind(fd, (struct sockaddr *) &ss, sl) < 0 || listen(fd, 16) < 0) {
                perror("st-responder: listen");
                return 1;
        }
        if (ready) {
                FILE *f = fopen(ready, "we");
                if (f)
                        fclose(f);
        }
        for (;;) {
                int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
                if (cfd < 0)
                        continue;
                serve(cfd, st, st_len);
                close(cfd);
        }
}
