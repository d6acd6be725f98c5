/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tcp-corrupt: a TCP relay between an iSCSI initiator and its target that flips one bit of
 * the forwarded byte stream now and then, in both directions, the way a faulty middlebox or a
 * NIC with broken checksum offload would: after TCP's checksum, so only iSCSI's CRC32C
 * digests can notice. Used by the VM scenario netem.sh (steps "digest ...") and
 * bench/netem.sh.
 *
 *   tcp-corrupt [-r BYTES] [-e N] [-s SEED] LISTEN_ADDR:PORT TARGET_ADDR:PORT
 *
 * -r: one flip per BYTES eligible bytes on average, per direction (the gap between two
 *     flips is uniform in 1..2*BYTES); 0 relays without corrupting. Default 4 MiB.
 * -e: every Nth flip of a direction goes to a PDU header (BHS, AHS or header digest: the next
 *     one if its gap ends in data), since headers are a tiny share of the bytes; 0: none aimed.
 *     Default 2.
 * SIGUSR1 stops flipping (to log out cleanly before counting), SIGUSR2 resumes.
 *
 * The relay follows the PDU framing of each direction (BHS, AHS, header digest, data,
 * padding, data digest; the digests negotiated are read from the target's Login Responses)
 * so that it only flips bits a digest must catch, and says which receiver must catch each:
 *   - Login PDUs carry no digest (RFC 7143 §11.12): never corrupted.
 *   - Initiator to target: a flip in the header part is a header digest error at the target,
 *     which drops the connection; in the data part a data digest error, which the target
 *     answers with Reject + CHECK CONDITION and keeps the connection. The target discards the
 *     rest of a task's data after that, unchecked, so a task whose data was hit gets no
 *     second data flip.
 *   - Target to initiator: any flip is fatal for the connection at the kernel initiator
 *     (iscsi_tcp fails the connection on a header or data digest error).
 *   - After a flip that ends the connection, that connection gets no more flips: bytes the
 *     receiver will never read prove nothing.
 * One line per flip on stdout:
 *   flip N conn C i2t|t2i OPCODE itt 0x.. REGION byte B bit K expect target-header|
 *   target-data|initiator
 * and "conn C open", "conn C digests header H data D", "conn C closed" lines.
 */
#include <errno.h>
#include <stdarg.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "iscsi-proto/keys.h"
#include "iscsi-proto/pdu.h"
#include "iscsi-util/macro.h"
#include "iscsi-util/send-all.h"

#define RELAY_BUF_SIZE (64u * 1024u)
#define LOGIN_TEXT_MAX (64u * 1024u)
#define DEFAULT_RATE (4u * 1024u * 1024u)
#define HIT_ITTS 16u            /* tasks whose data was hit, remembered per connection */
#define SEND_TIMEOUT_MS 60000

enum region { R_BHS, R_AHS, R_HDIGEST, R_DATA, R_PAD, R_DDIGEST, _R_MAX };

static const char *const region_name[_R_MAX] = {
        [R_BHS] = "bhs", [R_AHS] = "ahs", [R_HDIGEST] = "header-digest",
        [R_DATA] = "data", [R_PAD] = "padding", [R_DDIGEST] = "data-digest",
};

typedef struct Relay Relay;

/* One direction's view of the PDU stream. */
typedef struct {
        Relay *relay;
        bool to_target;                 /* initiator -> target */
        int src, dst;
        enum region reg;
        uint32_t pos, left;             /* bytes done and left in reg */
        uint8_t bhs[ISCSI_BHS_SIZE];
        uint8_t opcode;
        uint32_t itt, dlen;
        bool login;
        uint8_t *login_text;            /* data of the current Login Response */
        size_t login_len;
        uint64_t gap;                   /* eligible bytes until the next flip */
        bool pending_header;            /* the gap ran out: flip the next header */
        uint64_t rng;
} Direction;

struct Relay {
        unsigned id;
        atomic_bool hd, dd;             /* digests negotiated (from the Login Responses) */
        atomic_bool dead;               /* a fatal flip was made: no more flips */
        pthread_mutex_t lock;           /* hit_itt */
        uint32_t hit_itt[HIT_ITTS];
        unsigned n_hit;
        Direction dir[2];
};

static uint64_t rate = DEFAULT_RATE;
static unsigned header_every = 2;
static volatile sig_atomic_t paused;    /* SIGUSR1 pauses flipping, SIGUSR2 resumes */
static uint64_t seed;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned n_flips;
static atomic_uint dir_flips[2];        /* per direction, over all connections: [to_target] */

_printf_(1, 2) static void say(const char *fmt, ...) {
        va_list ap;

        pthread_mutex_lock(&out_lock);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
        fflush(stdout);
        pthread_mutex_unlock(&out_lock);
}

static uint64_t rng_next(uint64_t *s) {   /* xorshift64* */
        *s ^= *s >> 12;
        *s ^= *s << 25;
        *s ^= *s >> 27;
        return *s * 2685821657736338717ull;
}

static void draw_gap(Direction *d) {
        d->gap = rate ? 1 + rng_next(&d->rng) % (2 * rate) : UINT64_MAX;
}

static uint32_t be24(const uint8_t *p) {
        return (uint32_t) p[0] << 16 | (uint32_t) p[1] << 8 | p[2];
}

static uint32_t be32(const uint8_t *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static bool itt_hit(Relay *r, uint32_t itt) {
        bool hit = false;

        pthread_mutex_lock(&r->lock);
        for (unsigned i = 0; i < MIN(r->n_hit, HIT_ITTS); i++)
                hit = hit || r->hit_itt[i] == itt;
        pthread_mutex_unlock(&r->lock);
        return hit;
}

static void itt_remember(Relay *r, uint32_t itt) {
        pthread_mutex_lock(&r->lock);
        r->hit_itt[r->n_hit++ % HIT_ITTS] = itt;
        pthread_mutex_unlock(&r->lock);
}

/* Login Response text: remember the digests the target agreed to. */
static void login_text_done(Direction *d) {
        _cleanup_keys_ struct iscsi_keys k = {};
        const char *v;

        if (d->to_target || d->login_len == 0 || iscsi_keys_parse(d->login_text, d->login_len, &k) < 0)
                return;
        v = iscsi_keys_get(&k, "HeaderDigest");
        if (v)
                atomic_store(&d->relay->hd, streq(v, "CRC32C"));
        v = iscsi_keys_get(&k, "DataDigest");
        if (v)
                atomic_store(&d->relay->dd, streq(v, "CRC32C"));
        if (iscsi_keys_get(&k, "HeaderDigest") || iscsi_keys_get(&k, "DataDigest"))
                say("conn %u digests header %s data %s", d->relay->id,
                    atomic_load(&d->relay->hd) ? "CRC32C" : "None", atomic_load(&d->relay->dd) ? "CRC32C" : "None");
}

static void bhs_parse(Direction *d) {
        d->opcode = d->bhs[0] & ISCSI_OPCODE_MASK;
        d->login = d->opcode == ISCSI_OP_LOGIN_REQ || d->opcode == ISCSI_OP_LOGIN_RSP;
        d->itt = be32(d->bhs + 16);
        d->dlen = be24(d->bhs + 5);
        d->login_len = 0;
}

/* The region after d->reg is finished (d->left == 0): sets reg and left, skipping empty ones. */
static void next_region(Direction *d) {
        bool digests = !d->login;

        d->pos = 0;
        for (;;) {
                switch (d->reg) {
                case R_BHS:
                        d->reg = R_AHS;
                        d->left = d->bhs[4] * 4u;
                        break;
                case R_AHS:
                        d->reg = R_HDIGEST;
                        d->left = digests && atomic_load(&d->relay->hd) ? ISCSI_DIGEST_SIZE : 0;
                        break;
                case R_HDIGEST:
                        d->reg = R_DATA;
                        d->left = d->dlen;
                        break;
                case R_DATA:
                        d->reg = R_PAD;
                        d->left = (4 - (d->dlen & 3)) & 3;
                        break;
                case R_PAD:
                        d->reg = R_DDIGEST;
                        d->left = digests && d->dlen > 0 && atomic_load(&d->relay->dd) ? ISCSI_DIGEST_SIZE : 0;
                        break;
                case R_DDIGEST:
                default:
                        if (d->opcode == ISCSI_OP_LOGIN_RSP)
                                login_text_done(d);
                        d->reg = R_BHS;
                        d->left = ISCSI_BHS_SIZE;
                        break;
                }
                if (d->left > 0)
                        return;
        }
}

static bool is_header(enum region r) {
        return r == R_BHS || r == R_AHS || r == R_HDIGEST;
}

/* May bytes of the current region be flipped, and who must notice? NULL: not eligible. */
static const char *flip_expectation(Direction *d) {
        bool header = is_header(d->reg);

        if (paused || d->login || atomic_load(&d->relay->dead))
                return NULL;
        if (header ? !atomic_load(&d->relay->hd) : !atomic_load(&d->relay->dd))
                return NULL;
        if (!d->to_target)
                return "initiator";
        if (header)
                return "target-header";
        if (d->opcode == ISCSI_OP_DATA_OUT && itt_hit(d->relay, d->itt))
                return NULL;
        return "target-data";
}

static void flip(Direction *d, uint8_t *p, uint32_t region_off, const char *expect) {
        const char *op = iscsi_opcode_to_string(d->opcode);
        unsigned bit = (unsigned) (rng_next(&d->rng) % 8);
        unsigned n;

        *p ^= (uint8_t) (1u << bit);
        atomic_fetch_add(&dir_flips[d->to_target], 1);
        d->pending_header = false;
        draw_gap(d);
        if (!streq(expect, "target-data"))
                atomic_store(&d->relay->dead, true);
        else
                itt_remember(d->relay, d->itt);
        pthread_mutex_lock(&out_lock);
        n = ++n_flips;
        pthread_mutex_unlock(&out_lock);
        say("flip %u conn %u %s %s itt 0x%08x %s byte %u bit %u expect %s", n, d->relay->id,
            d->to_target ? "i2t" : "t2i", op ?: "unknown-opcode", d->itt, region_name[d->reg], region_off, bit, expect);
}

/* Walks buf through the framing, flipping a bit where the gap runs out. */
static void corrupt(Direction *d, uint8_t *buf, size_t len) {
        size_t i = 0;

        while (i < len) {
                uint32_t n = (uint32_t) MIN((size_t) d->left, len - i);
                uint32_t region_off = d->pos;
                const char *expect;

                if (d->reg == R_BHS) {
                        memcpy(d->bhs + region_off, buf + i, n);
                        if (n == d->left)
                                bhs_parse(d);
                }
                /* the expectation needs the opcode: decided once the BHS is complete */
                expect = d->reg == R_BHS && d->left > n ? NULL : flip_expectation(d);
                if (expect && d->pending_header && is_header(d->reg)) {
                        uint32_t at = (uint32_t) (rng_next(&d->rng) % n);
                        flip(d, buf + i + at, region_off + at, expect);
                } else if (expect && !d->pending_header && d->gap <= n) {
                        uint32_t at = (uint32_t) d->gap - 1;
                        if (header_every > 0 && (atomic_load(&dir_flips[d->to_target]) + 1) % header_every == 0 &&
                            !is_header(d->reg))
                                d->pending_header = true;
                        else
                                flip(d, buf + i + at, region_off + at, expect);
                } else if (expect && !d->pending_header)
                        d->gap -= n;
                if (d->login && d->opcode == ISCSI_OP_LOGIN_RSP && d->reg == R_DATA &&
                    d->login_len + n <= LOGIN_TEXT_MAX) {
                        memcpy(d->login_text + d->login_len, buf + i, n);
                        d->login_len += n;
                }
                d->pos += n;
                d->left -= n;
                i += n;
                if (d->left == 0)
                        next_region(d);
        }
}

/* Forwards src to dst until EOF; if dst fails, keeps reading src (discarding) so that the
 * peer on src never gets a reset for data it already sent. Then half-closes dst. */
static void *pump(void *userdata) {
        Direction *d = userdata;
        uint8_t buf[RELAY_BUF_SIZE];
        bool dst_ok = true;

        for (;;) {
                ssize_t n = read(d->src, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                if (!dst_ok)
                        continue;
                corrupt(d, buf, (size_t) n);
                if (util_send_all(d->dst, buf, (size_t) n, SEND_TIMEOUT_MS) < 0)
                        dst_ok = false;
        }
        shutdown(d->dst, SHUT_WR);
        return NULL;
}

static int resolve(const char *spec, struct addrinfo **ret) {
        _cleanup_free_ char *host = strdup(spec);
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
        char *colon;

        if (!host)
                return -ENOMEM;
        colon = strrchr(host, ':');
        if (!colon)
                return -EINVAL;
        *colon = '\0';
        return getaddrinfo(host, colon + 1, &hints, ret) == 0 ? 0 : -EINVAL;
}

static void set_nodelay(int fd) {
        int one = 1;

        (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void direction_init(Direction *d, Relay *r, bool to_target, int src, int dst, uint64_t rng) {
        d->relay = r;
        d->to_target = to_target;
        d->src = src;
        d->dst = dst;
        d->reg = R_BHS;
        d->left = ISCSI_BHS_SIZE;
        d->rng = rng ?: 1;
        draw_gap(d);
}

typedef struct {
        int fd;
        unsigned id;
        const struct addrinfo *target;
} Accepted;

/* One relayed connection: connect to the target, pump both ways, close. */
static void *relay_conn(void *userdata) {
        Accepted *a = userdata;
        _cleanup_close_ int ifd = a->fd;
        _cleanup_close_ int tfd = -EBADF;
        Relay r = { .id = a->id, .lock = PTHREAD_MUTEX_INITIALIZER };
        _cleanup_free_ uint8_t *login_text = malloc(LOGIN_TEXT_MAX);
        pthread_t t;

        tfd = socket(a->target->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (!login_text || tfd < 0 || connect(tfd, a->target->ai_addr, a->target->ai_addrlen) < 0) {
                say("conn %u: cannot reach the target: %s", a->id, strerror(errno));
                free(a);
                return NULL;
        }
        set_nodelay(ifd);
        set_nodelay(tfd);
        say("conn %u open", a->id);
        direction_init(&r.dir[0], &r, true, ifd, tfd, seed ^ (a->id * 0x9e3779b97f4a7c15ull));
        direction_init(&r.dir[1], &r, false, tfd, ifd, (seed + 1) ^ (a->id * 0xc2b2ae3d27d4eb4full));
        r.dir[1].login_text = login_text;
        free(a);
        if (pthread_create(&t, NULL, pump, &r.dir[0]) != 0) {
                say("conn %u: no thread", r.id);
                return NULL;
        }
        pump(&r.dir[1]);
        pthread_join(t, NULL);
        say("conn %u closed", r.id);
        return NULL;
}

static int listen_on(const struct addrinfo *ai) {
        int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;

        if (fd < 0)
                return -errno;
        (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 16) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

static void on_pause(int sig) {
        paused = sig == SIGUSR1;
}

static int parse_args(int argc, char **argv) {
        int c;

        while ((c = getopt(argc, argv, "r:e:s:")) != -1)
                switch (c) {
                case 'e':
                        header_every = (unsigned) strtoul(optarg, NULL, 0);
                        break;
                case 'r':
                        rate = strtoull(optarg, NULL, 0);
                        break;
                case 's':
                        seed = strtoull(optarg, NULL, 0);
                        break;
                default:
                        return -EINVAL;
                }
        return argc - optind == 2 ? 0 : -EINVAL;
}

int main(int argc, char **argv) {
        struct addrinfo *lai = NULL, *tai = NULL;
        int lfd;

        if (parse_args(argc, argv) < 0) {
                fprintf(stderr, "usage: %s [-r BYTES] [-e N] [-s SEED] LISTEN_ADDR:PORT TARGET_ADDR:PORT\n", argv[0]);
                return 2;
        }
        if (seed == 0)
                seed = (uint64_t) time(NULL) ^ (uint64_t) getpid() << 32;
        if (resolve(argv[optind], &lai) < 0 || resolve(argv[optind + 1], &tai) < 0) {
                fprintf(stderr, "tcp-corrupt: bad address (want NUMERIC_ADDR:PORT)\n");
                return 2;
        }
        lfd = listen_on(lai);
        if (lfd < 0) {
                fprintf(stderr, "tcp-corrupt: listen on %s: %s\n", argv[optind], strerror(-lfd));
                return 1;
        }
        signal(SIGPIPE, SIG_IGN);
        signal(SIGUSR1, on_pause);
        signal(SIGUSR2, on_pause);
        say("tcp-corrupt: %s -> %s, one flip per %llu bytes on average per direction, every %u. in a header, seed %llu",
            argv[optind], argv[optind + 1], (unsigned long long) rate, header_every, (unsigned long long) seed);
        for (unsigned id = 1;; id++) {
                Accepted *a;
                pthread_t t;
                int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

                if (fd < 0) {
                        if (errno == EINTR || errno == ECONNABORTED)
                                continue;
                        fprintf(stderr, "tcp-corrupt: accept: %s\n", strerror(errno));
                        return 1;
                }
                a = malloc(sizeof(*a));
                if (!a) {
                        close(fd);
                        continue;
                }
                *a = (Accepted) { .fd = fd, .id = id, .target = tai };
                if (pthread_create(&t, NULL, relay_conn, a) != 0) {
                        close(fd);
                        free(a);
                        continue;
                }
                pthread_detach(t);
        }
}
