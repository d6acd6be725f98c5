/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * iscsi-hostile: a hostile iSCSI initiator for testing iscsi-targetd (127.0.0.1 only).
 *
 *   iscsi-hostile [OPTIONS] list
 *   iscsi-hostile [OPTIONS] run CASE...    one unnumbered TAP line per case; exit 1 if any failed
 *   iscsi-hostile [OPTIONS] loop N         every loop case N times (leak check); exit 1 on setup errors
 *   iscsi-hostile [OPTIONS] hold           a normal session; "check" on stdin -> "ok"/"not ok ...",
 *                                          EOF -> logout and exit
 *   iscsi-hostile [OPTIONS] halfopen N     N connections that never send; then a normal login
 *                                          (prints its TAP line), "ready", hold until EOF on stdin
 *   iscsi-hostile [OPTIONS] flood N MS     N connections that never send, held MS milliseconds
 *
 * Options: -p PORT -t TARGET -i INITIATOR [-T CHAP_TARGET -I CHAP_INITIATOR] [-P PEERS_FILE]
 */
#include <getopt.h>
#include <poll.h>
#include <sys/resource.h>

#include "cases.h"
#include "hconn.h"
#include "iscsi-util/macro.h"

static int run_cases(HCtx *ctx, char **names, int n) {
        int failed = 0;

        for (int i = 0; i < n; i++) {
                const HCase *c = hostile_case_find(names[i]);
                int r;

                if (!c) {
                        printf("not ok - %s: no such case\n", names[i]);
                        failed++;
                        continue;
                }
                hfail_reason[0] = 0;
                r = c->run(ctx);
                if (r < 0) {
                        printf("not ok - %s: %s: %s\n", c->name, c->description,
                               hfail_reason[0] ? hfail_reason : strerror(-r));
                        failed++;
                } else
                        printf("ok - %s: %s\n", c->name, c->description);
                fflush(stdout);
        }
        return failed ? 1 : 0;
}

static int run_loop(HCtx *ctx, unsigned n) {
        unsigned failures = 0;

        ctx->peers = NULL;
        ctx->quick = true;
        for (unsigned i = 0; i < n; i++)
                for (const HCase *c = hostile_cases; c->name; c++) {
                        if (!c->in_loop)
                                continue;
                        hfail_reason[0] = 0;
                        if (c->run(ctx) < 0) {
                                if (failures++ < 10)
                                        fprintf(stderr, "# loop %u: %s: %s\n", i, c->name, hfail_reason);
                        }
                }
        printf("loop: %u rounds, %u case failures\n", n, failures);
        return 0;
}

/* Answer target pings and run "check" requests until stdin closes. */
static int hold(HConn *hc) {
        char line[64];
        int r;

        printf("ready\n");
        fflush(stdout);
        for (;;) {
                struct pollfd p[2] = { { .fd = STDIN_FILENO, .events = POLLIN }, { .fd = hc->fd, .events = POLLIN } };
                struct iscsi_pdu_view v;

                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (p[1].revents) {
                        r = hc_recv(hc, 2000, &v);
                        if (r == 0)
                                fprintf(stderr, "# hold: unexpected PDU 0x%02x\n", v.bhs.opcode);
                        else if (r != -ETIMEDOUT) {
                                printf("not ok - session lost: %s\n", strerror(-r));
                                fflush(stdout);
                                return r;
                        }
                }
                if (!p[0].revents)
                        continue;
                if (!fgets(line, sizeof(line), stdin))
                        break;
                if (strncmp(line, "check", 5) == 0) {
                        hfail_reason[0] = 0;
                        r = hc_ping(hc);
                        if (r >= 0)
                                r = hc_tur(hc);
                        if (r == 0)
                                printf("ok\n");
                        else
                                printf("not ok - %s\n", hfail_reason[0] ? hfail_reason : strerror(r < 0 ? -r : EIO));
                        fflush(stdout);
                }
        }
        return hc_logout(hc);
}

static void raise_fd_limit(unsigned n) {
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < n + 64) {
                rl.rlim_cur = MIN(rl.rlim_max, (rlim_t) n + 64);
                (void) setrlimit(RLIMIT_NOFILE, &rl);
        }
}

static int flood(HCtx *ctx, unsigned n, unsigned ms) {
        _cleanup_free_ HConn *conns = calloc(n, sizeof(HConn));
        unsigned opened = 0;

        if (!conns)
                return 2;
        raise_fd_limit(n);
        for (; opened < n; opened++)
                if (hc_connect(ctx->port, &conns[opened]) < 0)
                        break;
        printf("flood: %u of %u connections opened\n", opened, n);
        fflush(stdout);
        (void) poll(NULL, 0, (int) ms);
        for (unsigned i = 0; i < opened; i++)
                hc_close(&conns[i]);
        return 0;
}

static int halfopen(HCtx *ctx, unsigned n) {
        _cleanup_free_ HConn *conns = calloc(n, sizeof(HConn));
        HLogin o = { .initiator = ctx->initiator, .target = ctx->target };
        HConn hc = HCONN_NULL;
        unsigned opened = 0;
        int r;

        if (!conns)
                return -ENOMEM;
        raise_fd_limit(n);
        for (; opened < n; opened++) {
                r = hc_connect(ctx->port, &conns[opened]);
                if (r < 0)
                        break;
        }
        r = hc_connect(ctx->port, &hc);
        if (r >= 0)
                r = hc_login(&hc, &o);
        if (r >= 0)
                r = hc_ping(&hc);
        if (r >= 0)
                r = hc_tur(&hc);
        if (opened == n && r == 0)
                printf("ok - halfopen: a normal login works while %u connections stay silent\n", n);
        else
                printf("not ok - halfopen: a normal login works while %u connections stay silent: %u opened, login: %s\n",
                       n, opened, r == 0 ? "ok" : hfail_reason[0] ? hfail_reason : strerror(r < 0 ? -r : EIO));
        r = hold(&hc);          /* prints "ready" */
        hc_close(&hc);
        for (unsigned i = 0; i < opened; i++)
                hc_close(&conns[i]);
        return r < 0 ? 1 : 0;
}

int main(int argc, char **argv) {
        HCtx ctx = {};
        const char *peers = NULL;
        int c;

        while ((c = getopt(argc, argv, "p:t:i:T:I:P:")) >= 0)
                switch (c) {
                case 'p':
                        ctx.port = (uint16_t) atoi(optarg);
                        break;
                case 't':
                        ctx.target = optarg;
                        break;
                case 'i':
                        ctx.initiator = optarg;
                        break;
                case 'T':
                        ctx.chap_target = optarg;
                        break;
                case 'I':
                        ctx.chap_initiator = optarg;
                        break;
                case 'P':
                        peers = optarg;
                        break;
                default:
                        return 2;
                }
        if (optind >= argc) {
                fprintf(stderr, "usage: iscsi-hostile -p PORT -t TARGET -i INITIATOR [-T T -I I] [-P FILE] list|run|loop|hold|halfopen ...\n");
                return 2;
        }
        if (streq(argv[optind], "list")) {
                for (const HCase *h = hostile_cases; h->name; h++)
                        printf("%s\t%s\n", h->name, h->description);
                return 0;
        }
        if (!ctx.port || !ctx.target || !ctx.initiator) {
                fprintf(stderr, "iscsi-hostile: -p, -t and -i are required\n");
                return 2;
        }
        if (!ctx.chap_target)
                ctx.chap_target = ctx.target;
        if (!ctx.chap_initiator)
                ctx.chap_initiator = ctx.initiator;
        if (peers) {
                ctx.peers = fopen(peers, "ae");
                if (!ctx.peers) {
                        fprintf(stderr, "iscsi-hostile: %s: %m\n", peers);
                        return 2;
                }
        }

        const char *cmd = argv[optind];
        if (streq(cmd, "run"))
                return run_cases(&ctx, argv + optind + 1, argc - optind - 1);
        if (streq(cmd, "loop") && optind + 1 < argc)
                return run_loop(&ctx, (unsigned) atoi(argv[optind + 1]));
        if (streq(cmd, "flood") && optind + 2 < argc)
                return flood(&ctx, (unsigned) atoi(argv[optind + 1]), (unsigned) atoi(argv[optind + 2]));
        if (streq(cmd, "halfopen") && optind + 1 < argc)
                return halfopen(&ctx, (unsigned) atoi(argv[optind + 1]));
        if (streq(cmd, "hold")) {
                HLogin o = { .initiator = ctx.initiator, .target = ctx.target };
                _cleanup_(hc_close) HConn hc = HCONN_NULL;
                int r = hc_connect(ctx.port, &hc);
                if (r >= 0)
                        r = hc_login(&hc, &o);
                if (r < 0) {
                        printf("not ok - hold: %s\n", hfail_reason[0] ? hfail_reason : strerror(-r));
                        return 1;
                }
                return hold(&hc) < 0 ? 1 : 0;
        }
        fprintf(stderr, "iscsi-hostile: unknown command '%s'\n", cmd);
        return 2;
}
