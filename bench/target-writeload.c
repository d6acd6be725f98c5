/* SPDX-License-Identifier: GPL-2.0-or-later */
/* target-writeload: a small write-load client for bench/target-perf.sh, built on
 * libiscsi-node (PDU codec + initiator login machine). It logs in to one LUN and keeps
 * QD WRITE(10) commands in flight for a number of seconds, sending immediate data,
 * unsolicited Data-Out and R2T-solicited Data-Out as negotiated, then prints
 * "<iops> <MB/s>". Only for loopback benchmarking: it connects to 127.0.0.1.
 *
 * usage: target-writeload PORT TARGET LUN BYTES_PER_IO QD SECONDS [random]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "iscsi-proto/login.h"
#include "iscsi-proto/pdu.h"

#define INITIATOR "iqn.2026-11.org.iscsi-tools:writeload"
#define LUN_BYTES (1024ULL * 1024 * 1024)

static int fd;
static uint8_t *wbuf;
static uint32_t cmdsn, expstatsn;
static struct iscsi_params params;

static void die(const char *what) {
        perror(what);
        exit(1);
}

static void util_send_all(const void *p, size_t n) {
        const uint8_t *b = p;
        while (n > 0) {
                ssize_t k = send(fd, b, n, MSG_NOSIGNAL);
                if (k <= 0)
                        die("send");
                b += k;
                n -= k;
        }
}

static void recv_all(void *p, size_t n) {
        uint8_t *b = p;
        while (n > 0) {
                ssize_t k = recv(fd, b, n, 0);
                if (k <= 0) {
                        fprintf(stderr, "connection closed\n");
                        exit(1);
                }
                b += k;
                n -= k;
        }
}

static void send_pdu(struct iscsi_bhs *h, const void *data, size_t len) {
        struct iscsi_pdu_out out;
        struct iovec iov[3];
        int n;

        h->dlength = len;
        if (iscsi_pdu_out_init(&out, h, NULL, 0, data, 0) < 0) {
                fprintf(stderr, "encode failed\n");
                exit(1);
        }
        n = iscsi_pdu_out_iovec(&out, iov);
        for (int i = 0; i < n; i++)
                util_send_all(iov[i].iov_base, iov[i].iov_len);
}

/* Receive one PDU; data (if any) into a static buffer. */
static uint8_t rdata[1 << 20];
static void recv_pdu(struct iscsi_bhs *h, size_t *len) {
        uint8_t bhs[ISCSI_BHS_SIZE];
        size_t dl;

        recv_all(bhs, sizeof(bhs));
        if (iscsi_bhs_decode(bhs, sizeof(bhs), h) < 0) {
                fprintf(stderr, "bad PDU from target\n");
                exit(1);
        }
        if (h->totalahslen)
                recv_all(rdata, h->totalahslen * 4u);
        dl = h->dlength + iscsi_pad_len(h->dlength);
        if (dl > sizeof(rdata)) {
                fprintf(stderr, "PDU too large\n");
                exit(1);
        }
        recv_all(rdata, dl);
        *len = h->dlength;
}

static void login(const char *target) {
        struct iscsi_keys ops = {};
        struct iscsi_login_initiator_config cfg = {
                .initiator_name = INITIATOR,
                .target_name = target,
                .session_type = ISCSI_SESSION_NORMAL,
                .isid = { 0x80, 0, 0, 0x11, 0x22, 0x33 },
                .itt = 0,
                .cmdsn = 1,
                .auth = ISCSI_AUTH_NONE,
                .operational = &ops,
        };
        struct iscsi_login_result res;
        struct iscsi_login *l;
        int r;

        iscsi_keys_add(&ops, "MaxRecvDataSegmentLength", "262144");
        iscsi_keys_add(&ops, "MaxBurstLength", "1048576");
        iscsi_keys_add(&ops, "FirstBurstLength", "262144");
        iscsi_keys_add(&ops, "ImmediateData", "Yes");
        iscsi_keys_add(&ops, "InitialR2T", "No");
        if (iscsi_login_initiator_new(&cfg, &l) < 0) {
                fprintf(stderr, "login setup failed\n");
                exit(1);
        }
        for (;;) {
                struct iscsi_login_pdu req;
                struct iscsi_bhs h;
                size_t len;

                if (iscsi_login_initiator_next(l, &req) < 0)
                        break;
                send_pdu(&req.bhs, req.data, req.data_len);
                recv_pdu(&h, &len);
                r = iscsi_login_initiator_receive(l, &h, rdata, len);
                if (r != ISCSI_LOGIN_CONTINUE)
                        break;
        }
        iscsi_login_get_result(l, &res);
        if (res.failure != ISCSI_LOGIN_FAIL_NONE || res.tsih == 0) {
                fprintf(stderr, "login failed: %s\n", res.reason);
                exit(1);
        }
        params = res.params;
        cmdsn = res.cmdsn;
        expstatsn = res.exp_statsn;
        iscsi_keys_clear(&ops);
        iscsi_login_free(l);
}

static uint64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint32_t io_bytes, lun;
static bool random_io;
static uint64_t next_lba;

static void send_data_out(uint32_t itt, uint32_t ttt, uint32_t offset, uint32_t len) {
        uint32_t mx = params.target_max_recv_dsl, datasn = 0;

        while (len > 0) {
                uint32_t n = len < mx ? len : mx;
                struct iscsi_bhs h = {
                        .opcode = ISCSI_OP_DATA_OUT,
                        .final = n == len,
                        .lun = iscsi_lun_from_int(lun),
                        .itt = itt,
                        .ttt = ttt,
                        .expstatsn = expstatsn,
                        .datasn = datasn++,
                        .buffer_offset = offset,
                };
                send_pdu(&h, wbuf + offset, n);
                offset += n;
                len -= n;
        }
}

static void issue(uint32_t itt) {
        uint32_t blocks = io_bytes / 512, lba;
        uint32_t imm = 0, unsol = 0;
        struct iscsi_bhs h = {
                .opcode = ISCSI_OP_SCSI_CMD,
                .lun = iscsi_lun_from_int(lun),
                .itt = itt,
                .edtl = io_bytes,
                .task_attr = ISCSI_ATTR_SIMPLE,
                .flags = ISCSI_FLAG_CMD_WRITE,
        };
        uint64_t max_blocks = LUN_BYTES / 512 - blocks;

        if (random_io)
                lba = (uint32_t) ((((uint64_t) rand() << 16) ^ rand()) % (max_blocks / blocks)) * blocks;
        else {
                lba = next_lba;
                next_lba = next_lba + blocks > max_blocks ? 0 : next_lba + blocks;
        }
        h.cdb[0] = 0x2a;
        iscsi_put_be32(h.cdb + 2, lba);
        iscsi_put_be16(h.cdb + 7, blocks);
        h.cmdsn = cmdsn++;
        h.expstatsn = expstatsn;

        if (params.immediate_data) {
                imm = io_bytes;
                if (imm > params.first_burst_length)
                        imm = params.first_burst_length;
                if (imm > params.target_max_recv_dsl)
                        imm = params.target_max_recv_dsl;
        }
        if (!params.initial_r2t) {
                unsol = io_bytes < params.first_burst_length ? io_bytes : params.first_burst_length;
                unsol -= imm;
        }
        h.final = unsol == 0;
        send_pdu(&h, wbuf, imm);
        if (unsol > 0)
                send_data_out(itt, ISCSI_RESERVED_TAG, imm, unsol);
}

int main(int argc, char **argv) {
        struct sockaddr_in sa = { .sin_family = AF_INET };
        unsigned qd, seconds;
        uint64_t done = 0, start, end;
        int one = 1;

        if (argc < 7) {
                fprintf(stderr, "usage: %s PORT TARGET LUN BYTES_PER_IO QD SECONDS [random]\n", argv[0]);
                return 2;
        }
        sa.sin_port = htons(atoi(argv[1]));
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        lun = atoi(argv[3]);
        io_bytes = atoi(argv[4]);
        qd = atoi(argv[5]);
        seconds = atoi(argv[6]);
        random_io = argc > 7 && strcmp(argv[7], "random") == 0;
        if (io_bytes < 512 || io_bytes % 512 || io_bytes > (1u << 24) || qd == 0 || qd > 256)
                return 2;
        wbuf = malloc(io_bytes);
        if (!wbuf)
                return 1;
        memset(wbuf, 0x5a, io_bytes);

        fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                die("connect");
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        login(argv[2]);

        start = now_ns();
        end = start + (uint64_t) seconds * 1000000000ULL;
        for (uint32_t i = 0; i < qd; i++)
                issue(i + 1);
        for (;;) {
                struct iscsi_bhs h;
                size_t len;

                recv_pdu(&h, &len);
                if (h.opcode == ISCSI_OP_R2T) {
                        send_data_out(h.itt, h.ttt, h.buffer_offset, h.desired_length);
                        continue;
                }
                if (h.opcode == ISCSI_OP_NOP_IN) {
                        if (h.ttt != ISCSI_RESERVED_TAG) {
                                struct iscsi_bhs r = { .opcode = ISCSI_OP_NOP_OUT, .immediate = true, .final = true,
                                                       .itt = ISCSI_RESERVED_TAG, .ttt = h.ttt, .cmdsn = cmdsn,
                                                       .expstatsn = expstatsn };
                                send_pdu(&r, NULL, 0);
                        }
                        continue;
                }
                if (h.opcode != ISCSI_OP_SCSI_RSP) {
                        fprintf(stderr, "unexpected opcode 0x%x\n", h.opcode);
                        return 1;
                }
                expstatsn = h.statsn + 1;
                if (h.status != 0) {
                        /* A fresh nexus first sees UNIT ATTENTION (power on / reset): retry. */
                        if (h.status == 0x02 && len >= 5 && (rdata[4] & 0x0f) == 0x06) {
                                issue(h.itt);
                                continue;
                        }
                        fprintf(stderr, "WRITE failed with status 0x%x\n", h.status);
                        return 1;
                }
                done++;
                if (now_ns() < end)
                        issue(h.itt);
                else if (--qd == 0)
                        break;
        }
        double secs = (now_ns() - start) / 1e9;
        printf("%.0f %.1f\n", done / secs, done * (double) io_bytes / secs / 1e6);
        return 0;
}
