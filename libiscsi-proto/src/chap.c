/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CHAP (RFC 1994 as profiled by RFC 7143 §12.1.3): digests, encodings, both sides of the exchange. */

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <strings.h>

#include "iscsi-proto/chap.h"
#include "iscsi-util/hex-digit.h"
#include "iscsi-util/macro.h"

/* ---- algorithms ---- */

static const EVP_MD *chap_md(enum iscsi_chap_alg alg) {
        switch (alg) {
        case ISCSI_CHAP_MD5:
                return EVP_md5();
        case ISCSI_CHAP_SHA1:
                return EVP_sha1();
        case ISCSI_CHAP_SHA256:
                return EVP_sha256();
        case ISCSI_CHAP_SHA3_256:
                return EVP_sha3_256();
        }
        return NULL;
}

size_t iscsi_chap_digest_size(enum iscsi_chap_alg alg) {
        switch (alg) {
        case ISCSI_CHAP_MD5:
                return 16;
        case ISCSI_CHAP_SHA1:
                return 20;
        case ISCSI_CHAP_SHA256:
        case ISCSI_CHAP_SHA3_256:
                return 32;
        }
        return 0;
}

bool iscsi_chap_alg_supported(enum iscsi_chap_alg alg) {
        uint8_t out[ISCSI_CHAP_MAX_DIGEST];

        /* A provider may lack an algorithm (MD5 under FIPS): try it once. */
        return chap_md(alg) && iscsi_chap_compute(alg, 0, "", 0, "", 0, out) == 0;
}

static const struct {
        enum iscsi_chap_alg alg;
        const char *name;
} alg_names[] = {
        { ISCSI_CHAP_MD5, "MD5" },
        { ISCSI_CHAP_SHA1, "SHA1" },
        { ISCSI_CHAP_SHA256, "SHA256" },
        { ISCSI_CHAP_SHA3_256, "SHA3-256" },
};

const char *iscsi_chap_alg_to_string(enum iscsi_chap_alg alg) {
        for (size_t i = 0; i < ELEMENTSOF(alg_names); i++)
                if (alg_names[i].alg == alg)
                        return alg_names[i].name;
        return NULL;
}

int iscsi_chap_alg_from_string(const char *s, enum iscsi_chap_alg *ret) {
        uint64_t v;

        if (!s || !ret)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(alg_names); i++)
                if (strcasecmp(alg_names[i].name, s) == 0) {
                        *ret = alg_names[i].alg;
                        return 0;
                }
        if (iscsi_value_parse_number(s, 255, &v) >= 0 && iscsi_chap_digest_size((enum iscsi_chap_alg) v) > 0) {
                *ret = (enum iscsi_chap_alg) v;
                return 0;
        }
        return -EINVAL;
}

int iscsi_chap_alg_list_parse(const char *s, enum iscsi_chap_alg ret[static ISCSI_CHAP_MAX_ALGS], size_t *ret_n) {
        enum iscsi_chap_alg algs[ISCSI_CHAP_MAX_ALGS];
        size_t n = 0;
        const char *p = s;

        if (!s || !ret_n)
                return -EINVAL;
        while (*p) {
                char item[16];
                enum iscsi_chap_alg a;
                const char *end;
                size_t len;
                bool dup = false;

                while (*p == ' ' || *p == '\t')
                        p++;
                end = p + strcspn(p, ",");
                len = (size_t) (end - p);
                while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
                        len--;
                if (len == 0 || len >= sizeof(item))
                        return -EINVAL;
                memcpy(item, p, len);
                item[len] = '\0';
                if (iscsi_chap_alg_from_string(item, &a) < 0)
                        return -EINVAL;
                for (size_t i = 0; i < n; i++)
                        dup = dup || algs[i] == a;
                if (!dup)
                        algs[n++] = a; /* at most 4 distinct values exist */
                p = *end ? end + 1 : end;
                if (*end && !*p)
                        return -EINVAL; /* trailing comma */
        }
        if (n == 0)
                return -EINVAL;
        memcpy(ret, algs, n * sizeof(algs[0]));
        *ret_n = n;
        return 0;
}

/* ---- binary values ---- */

static int b64val(char c) {
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+')
                return 62;
        if (c == '/')
                return 63;
        return -1;
}

static void erase_free(uint8_t *p, size_t len) {
        if (p) {
                explicit_bzero(p, len);
                free(p);
        }
}

static int decode_hex(const char *s, size_t max_len, uint8_t **ret, size_t *ret_len) {
        size_t digits = strlen(s), n = (digits + 1) / 2, o = 0;
        uint8_t *buf;
        size_t i = 0;

        if (digits == 0)
                return -EBADMSG;
        for (size_t j = 0; j < digits; j++)
                if (util_hex_digit_value(s[j]) < 0)
                        return -EBADMSG;
        if (n > max_len)
                return -EMSGSIZE;
        buf = malloc(n);
        if (!buf)
                return -ENOMEM;
        if (digits % 2) /* odd: the first digit is a low nibble */
                buf[o++] = (uint8_t) util_hex_digit_value(s[i++]);
        for (; i < digits; i += 2)
                buf[o++] = (uint8_t) (util_hex_digit_value(s[i]) << 4 | util_hex_digit_value(s[i + 1]));
        *ret = buf;
        *ret_len = n;
        return 0;
}

static int decode_base64(const char *s, size_t max_len, uint8_t **ret, size_t *ret_len) {
        size_t len = strlen(s), pad = 0, n, o = 0;
        uint8_t *buf;

        if (len == 0 || len % 4)
                return -EBADMSG;
        if (s[len - 1] == '=')
                pad++;
        if (s[len - 2] == '=')
                pad++;
        for (size_t j = 0; j < len - pad; j++)
                if (b64val(s[j]) < 0)
                        return -EBADMSG;
        n = len / 4 * 3 - pad;
        if (n == 0)
                return -EBADMSG;
        if (n > max_len)
                return -EMSGSIZE;
        buf = malloc(n);
        if (!buf)
                return -ENOMEM;
        for (size_t j = 0; j < len; j += 4) {
                uint32_t v = 0;
                for (size_t k = 0; k < 4; k++)
                        v = v << 6 | (uint32_t) (s[j + k] == '=' ? 0 : b64val(s[j + k]));
                for (size_t k = 0; k < 3 && o < n; k++)
                        buf[o++] = (uint8_t) (v >> (16 - 8 * k));
        }
        *ret = buf;
        *ret_len = n;
        return 0;
}

int iscsi_binary_decode(const char *s, size_t max_len, uint8_t **ret, size_t *ret_len) {
        if (!s || !ret || !ret_len)
                return -EINVAL;
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
                return decode_hex(s + 2, max_len, ret, ret_len);
        if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
                return decode_base64(s + 2, max_len, ret, ret_len);
        return -EBADMSG;
}

int iscsi_binary_encode_hex(const void *data, size_t len, char **ret) {
        static const char digits[] = "0123456789abcdef";
        const uint8_t *d = data;
        char *s;

        if (!data || len == 0 || !ret)
                return -EINVAL;
        s = malloc(2 + 2 * len + 1);
        if (!s)
                return -ENOMEM;
        s[0] = '0';
        s[1] = 'x';
        for (size_t i = 0; i < len; i++) {
                s[2 + 2 * i] = digits[d[i] >> 4];
                s[3 + 2 * i] = digits[d[i] & 15];
        }
        s[2 + 2 * len] = '\0';
        *ret = s;
        return 0;
}

int iscsi_binary_encode_base64(const void *data, size_t len, char **ret) {
        static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const uint8_t *d = data;
        size_t o = 2;
        char *s;

        if (!data || len == 0 || !ret)
                return -EINVAL;
        s = malloc(2 + (len + 2) / 3 * 4 + 1);
        if (!s)
                return -ENOMEM;
        s[0] = '0';
        s[1] = 'b';
        for (size_t i = 0; i < len; i += 3) {
                uint32_t v = (uint32_t) d[i] << 16;
                size_t left = len - i;

                if (left > 1)
                        v |= (uint32_t) d[i + 1] << 8;
                if (left > 2)
                        v |= d[i + 2];
                s[o++] = tbl[(v >> 18) & 63];
                s[o++] = tbl[(v >> 12) & 63];
                s[o++] = left > 1 ? tbl[(v >> 6) & 63] : '=';
                s[o++] = left > 2 ? tbl[v & 63] : '=';
        }
        s[o] = '\0';
        *ret = s;
        return 0;
}

/* ---- primitives ---- */

int iscsi_chap_compute(enum iscsi_chap_alg alg, uint8_t id, const void *secret, size_t secret_len,
                       const void *challenge, size_t challenge_len, uint8_t *out) {
        const EVP_MD *md = chap_md(alg);
        EVP_MD_CTX *ctx;
        unsigned len = 0;
        int ok;

        if (!md)
                return -EOPNOTSUPP;
        if (!out || (!secret && secret_len) || (!challenge && challenge_len))
                return -EINVAL;
        ctx = EVP_MD_CTX_new();
        if (!ctx)
                return -ENOMEM;
        ok = EVP_DigestInit_ex(ctx, md, NULL) == 1;
        if (!ok) {
                EVP_MD_CTX_free(ctx);
                return -EOPNOTSUPP;
        }
        ok = EVP_DigestUpdate(ctx, &id, 1) == 1 && EVP_DigestUpdate(ctx, secret, secret_len) == 1 &&
             EVP_DigestUpdate(ctx, challenge, challenge_len) == 1 && EVP_DigestFinal_ex(ctx, out, &len) == 1 &&
             len == iscsi_chap_digest_size(alg);
        EVP_MD_CTX_free(ctx);
        return ok ? 0 : -EIO;
}

int iscsi_chap_verify(enum iscsi_chap_alg alg, uint8_t id, const void *secret, size_t secret_len,
                      const void *challenge, size_t challenge_len, const void *response, size_t response_len) {
        uint8_t expected[ISCSI_CHAP_MAX_DIGEST];
        size_t n = iscsi_chap_digest_size(alg);
        int r;

        r = iscsi_chap_compute(alg, id, secret, secret_len, challenge, challenge_len, expected);
        if (r < 0)
                return r;
        r = response && response_len == n && CRYPTO_memcmp(expected, response, n) == 0 ? 0 : -EACCES;
        explicit_bzero(expected, sizeof(expected));
        return r;
}

int iscsi_chap_random(void *buf, size_t len) {
        if (len > INT32_MAX)
                return -EINVAL;
        return RAND_bytes(buf, (int) len) == 1 ? 0 : -EIO;
}

bool iscsi_chap_challenge_reflected(const void *ours, size_t ours_len, const void *theirs, size_t theirs_len) {
        if (!ours || !theirs || ours_len != theirs_len || ours_len == 0)
                return false;
        return CRYPTO_memcmp(ours, theirs, ours_len) == 0;
}

/* ---- the exchange ---- */

enum chap_state {
        CHAP_I_START,          /* initiator: nothing sent yet */
        CHAP_I_WAIT_CHALLENGE, /* initiator: sent CHAP_A */
        CHAP_I_WAIT_RESPONSE,  /* initiator: sent response + our challenge (mutual) */
        CHAP_T_WAIT_ALGS,      /* target: waiting for CHAP_A */
        CHAP_T_WAIT_RESPONSE,  /* target: sent CHAP_A/I/C */
        CHAP_DONE,
        CHAP_FAILED,
};

struct iscsi_chap {
        bool initiator;
        enum chap_state state;
        enum iscsi_chap_failure failure;
        enum iscsi_chap_encoding encoding;
        enum iscsi_chap_alg algs[ISCSI_CHAP_MAX_ALGS];
        size_t n_algs;
        enum iscsi_chap_alg alg;
        char *username, *secret;               /* secrets wiped on free */
        char *mutual_username, *mutual_secret;
        uint8_t id;                            /* the id we sent with our challenge */
        uint8_t challenge[ISCSI_CHAP_CHALLENGE_MAX];
        size_t challenge_len;
        bool mutual;
        char *peer_name;
};

static char *strdup_or_null(const char *s, bool *fail) {
        char *d;
        if (!s)
                return NULL;
        d = strdup(s);
        if (!d)
                *fail = true;
        return d;
}

static void erase_str(char **s) {
        if (*s) {
                explicit_bzero(*s, strlen(*s));
                free(*s);
                *s = NULL;
        }
}

struct iscsi_chap *iscsi_chap_free(struct iscsi_chap *c) {
        if (!c)
                return NULL;
        erase_str(&c->username);
        erase_str(&c->secret);
        erase_str(&c->mutual_username);
        erase_str(&c->mutual_secret);
        free(c->peer_name);
        explicit_bzero(c, sizeof(*c));
        free(c);
        return NULL;
}

int iscsi_chap_new(bool initiator, const struct iscsi_chap_credentials *creds, const enum iscsi_chap_alg *algs,
                   size_t n_algs, struct iscsi_chap **ret) {
        static const enum iscsi_chap_alg default_algs[] = {
                ISCSI_CHAP_SHA3_256, ISCSI_CHAP_SHA256, ISCSI_CHAP_SHA1, ISCSI_CHAP_MD5,
        };
        /* open-iscsi's default chap_algs is MD5 alone; some targets (tgt 1.0.85) pick SHA-256
         * from a longer list and then cannot handle its response. */
        static const enum iscsi_chap_alg initiator_default_algs[] = { ISCSI_CHAP_MD5 };
        _cleanup_(iscsi_chap_freep) struct iscsi_chap *c = NULL;
        bool fail = false;

        if (!creds || !ret || n_algs > ISCSI_CHAP_MAX_ALGS)
                return -EINVAL;
        /* The target needs no credentials to start (it may lack mutual ones) but must know
         * what to expect; the initiator must have its own. */
        if (!creds->username || !creds->secret)
                return -EINVAL;
        if (strlen(creds->secret) > ISCSI_CHAP_SECRET_MAX ||
            (creds->mutual_secret && strlen(creds->mutual_secret) > ISCSI_CHAP_SECRET_MAX))
                return -EINVAL;
        if (!creds->mutual_username != !creds->mutual_secret)
                return -EINVAL;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->initiator = initiator;
        c->state = initiator ? CHAP_I_START : CHAP_T_WAIT_ALGS;
        if (n_algs == 0 && initiator) {
                algs = initiator_default_algs;
                n_algs = ELEMENTSOF(initiator_default_algs);
        } else if (n_algs == 0) {
                algs = default_algs;
                n_algs = ELEMENTSOF(default_algs);
        }
        for (size_t i = 0; i < n_algs; i++) {
                bool dup = false;

                if (!iscsi_chap_alg_supported(algs[i])) {
                        if (algs == default_algs)
                                continue; /* e.g. MD5 missing under FIPS: just drop it */
                        return -EINVAL;
                }
                for (size_t j = 0; j < c->n_algs; j++)
                        dup = dup || c->algs[j] == algs[i];
                if (!dup)
                        c->algs[c->n_algs++] = algs[i];
        }
        if (c->n_algs == 0)
                return -EINVAL;
        c->username = strdup_or_null(creds->username, &fail);
        c->secret = strdup_or_null(creds->secret, &fail);
        c->mutual_username = strdup_or_null(creds->mutual_username, &fail);
        c->mutual_secret = strdup_or_null(creds->mutual_secret, &fail);
        if (fail)
                return -ENOMEM;
        *ret = TAKE_PTR(c);
        return 0;
}

void iscsi_chap_set_encoding(struct iscsi_chap *c, enum iscsi_chap_encoding enc) {
        c->encoding = enc;
}

enum iscsi_chap_failure iscsi_chap_failure(const struct iscsi_chap *c) {
        return c->failure;
}

enum iscsi_chap_alg iscsi_chap_get_alg(const struct iscsi_chap *c) {
        return c->alg;
}

bool iscsi_chap_mutual(const struct iscsi_chap *c) {
        return c->mutual;
}

const char *iscsi_chap_peer_name(const struct iscsi_chap *c) {
        return c->peer_name;
}

const char *iscsi_chap_failure_to_string(enum iscsi_chap_failure f) {
        switch (f) {
        case ISCSI_CHAP_OK:
                return "no failure";
        case ISCSI_CHAP_FAIL_PROTOCOL:
                return "CHAP protocol error";
        case ISCSI_CHAP_FAIL_ENCODING:
                return "malformed CHAP value";
        case ISCSI_CHAP_FAIL_NO_ALGORITHM:
                return "no common CHAP algorithm";
        case ISCSI_CHAP_FAIL_BAD_NAME:
                return "unknown CHAP user name";
        case ISCSI_CHAP_FAIL_BAD_RESPONSE:
                return "wrong CHAP response (bad secret)";
        case ISCSI_CHAP_FAIL_REFLECTED:
                return "reflected CHAP challenge";
        case ISCSI_CHAP_FAIL_NO_MUTUAL:
                return "mutual CHAP not possible";
        case ISCSI_CHAP_FAIL_INTERNAL:
                return "internal error";
        }
        return "unknown";
}

static int fail(struct iscsi_chap *c, enum iscsi_chap_failure f) {
        c->state = CHAP_FAILED;
        c->failure = f;
        explicit_bzero(c->challenge, sizeof(c->challenge));
        return f == ISCSI_CHAP_FAIL_INTERNAL ? -EIO : -EACCES;
}

static int encode(const struct iscsi_chap *c, const void *data, size_t len, char **ret) {
        return c->encoding == ISCSI_CHAP_ENCODING_BASE64 ? iscsi_binary_encode_base64(data, len, ret)
                                                         : iscsi_binary_encode_hex(data, len, ret);
}

static bool alg_allowed(const struct iscsi_chap *c, enum iscsi_chap_alg a) {
        for (size_t i = 0; i < c->n_algs; i++)
                if (c->algs[i] == a)
                        return true;
        return false;
}

/* Generate our id + challenge and append CHAP_I / CHAP_C (and CHAP_A first, for the target). */
static int send_challenge(struct iscsi_chap *c, struct iscsi_keys *out) {
        _cleanup_free_ char *enc = NULL;
        int r;

        c->challenge_len = MAX((size_t) ISCSI_CHAP_CHALLENGE_MIN, iscsi_chap_digest_size(c->alg));
        r = iscsi_chap_random(&c->id, 1);
        if (r >= 0)
                r = iscsi_chap_random(c->challenge, c->challenge_len);
        if (r >= 0)
                r = encode(c, c->challenge, c->challenge_len, &enc);
        if (r >= 0 && !c->initiator)
                r = iscsi_keys_addf(out, "CHAP_A", "%d", (int) c->alg);
        if (r >= 0)
                r = iscsi_keys_addf(out, "CHAP_I", "%u", (unsigned) c->id);
        if (r >= 0)
                r = iscsi_keys_add(out, "CHAP_C", enc);
        return r;
}

/* Compute our response to (id, challenge) with secret; append CHAP_N / CHAP_R. */
static int send_response(struct iscsi_chap *c, const char *name, const char *secret, uint8_t id,
                         const uint8_t *challenge, size_t challenge_len, struct iscsi_keys *out) {
        uint8_t digest[ISCSI_CHAP_MAX_DIGEST];
        _cleanup_free_ char *enc = NULL;
        int r;

        r = iscsi_chap_compute(c->alg, id, secret, strlen(secret), challenge, challenge_len, digest);
        if (r >= 0)
                r = encode(c, digest, iscsi_chap_digest_size(c->alg), &enc);
        explicit_bzero(digest, sizeof(digest));
        if (r >= 0)
                r = iscsi_keys_add(out, "CHAP_N", name);
        if (r >= 0)
                r = iscsi_keys_add(out, "CHAP_R", enc);
        if (enc)
                explicit_bzero(enc, strlen(enc));
        return r;
}

/* Parse CHAP_I and CHAP_C; -EACCES (failure recorded) if malformed. */
static int parse_challenge(struct iscsi_chap *c, const char *id_s, const char *c_s, uint8_t *ret_id,
                           uint8_t **ret_c, size_t *ret_len) {
        uint64_t id;
        int r;

        if (iscsi_value_parse_number(id_s, 255, &id) < 0)
                return fail(c, ISCSI_CHAP_FAIL_ENCODING);
        r = iscsi_binary_decode(c_s, ISCSI_CHAP_CHALLENGE_MAX, ret_c, ret_len);
        if (r == -ENOMEM)
                return fail(c, ISCSI_CHAP_FAIL_INTERNAL);
        if (r < 0)
                return fail(c, ISCSI_CHAP_FAIL_ENCODING);
        if (*ret_len < ISCSI_CHAP_CHALLENGE_MIN) {
                erase_free(*ret_c, *ret_len);
                *ret_c = NULL;
                return fail(c, ISCSI_CHAP_FAIL_ENCODING);
        }
        *ret_id = (uint8_t) id;
        return 0;
}

/* Check the peer's CHAP_N / CHAP_R against the challenge we sent. */
static int check_response(struct iscsi_chap *c, const char *name, const char *resp, const char *exp_name,
                          const char *secret) {
        uint8_t *r_bin = NULL;
        size_t r_len = 0;
        int r;

        r = iscsi_binary_decode(resp, ISCSI_CHAP_MAX_DIGEST, &r_bin, &r_len);
        if (r == -ENOMEM)
                return fail(c, ISCSI_CHAP_FAIL_INTERNAL);
        if (r < 0)
                return fail(c, ISCSI_CHAP_FAIL_ENCODING);
        if (r_len != iscsi_chap_digest_size(c->alg)) {
                erase_free(r_bin, r_len);
                return fail(c, ISCSI_CHAP_FAIL_ENCODING);
        }
        if (!exp_name || !streq(name, exp_name)) {
                erase_free(r_bin, r_len);
                return fail(c, ISCSI_CHAP_FAIL_BAD_NAME);
        }
        r = iscsi_chap_verify(c->alg, c->id, secret, strlen(secret), c->challenge, c->challenge_len, r_bin, r_len);
        erase_free(r_bin, r_len);
        if (r == -EACCES)
                return fail(c, ISCSI_CHAP_FAIL_BAD_RESPONSE);
        if (r < 0)
                return fail(c, ISCSI_CHAP_FAIL_INTERNAL);
        return 0;
}

int iscsi_chap_initiator_start(struct iscsi_chap *c, struct iscsi_keys *out) {
        char list[32] = "";
        size_t o = 0;

        if (!c || !out || !c->initiator)
                return -EINVAL;
        if (c->state != CHAP_I_START)
                return -EALREADY;
        for (size_t i = 0; i < c->n_algs; i++)
                o += (size_t) snprintf(list + o, sizeof(list) - o, "%s%d", i ? "," : "", (int) c->algs[i]);
        c->state = CHAP_I_WAIT_CHALLENGE;
        return iscsi_keys_add(out, "CHAP_A", list);
}

static int initiator_step(struct iscsi_chap *c, const struct iscsi_keys *in, struct iscsi_keys *out) {
        const char *a = iscsi_keys_get(in, "CHAP_A"), *i = iscsi_keys_get(in, "CHAP_I"),
                   *ch = iscsi_keys_get(in, "CHAP_C"), *n = iscsi_keys_get(in, "CHAP_N"),
                   *rs = iscsi_keys_get(in, "CHAP_R");
        int r;

        if (c->state == CHAP_I_WAIT_CHALLENGE) {
                uint8_t *chal = NULL, id = 0;
                size_t chal_len = 0;
                enum iscsi_chap_alg alg;

                if (n || rs || !a || !i || !ch)
                        return fail(c, ISCSI_CHAP_FAIL_PROTOCOL);
                if (iscsi_chap_alg_from_string(a, &alg) < 0 || strchr(a, ',') || !alg_allowed(c, alg))
                        return fail(c, ISCSI_CHAP_FAIL_NO_ALGORITHM);
                c->alg = alg;
                r = parse_challenge(c, i, ch, &id, &chal, &chal_len);
                if (r < 0)
                        return r;
                r = send_response(c, c->username, c->secret, id, chal, chal_len, out);
                if (r >= 0 && c->mutual_username) {
                        c->mutual = true;
                        r = send_challenge(c, out);
                        /* Never send the target's own challenge back to it. */
                        if (r >= 0 && iscsi_chap_challenge_reflected(chal, chal_len, c->challenge, c->challenge_len))
                                r = -EIO;
                }
                erase_free(chal, chal_len);
                if (r < 0)
                        return fail(c, ISCSI_CHAP_FAIL_INTERNAL);
                if (!c->mutual) {
                        c->state = CHAP_DONE;
                        return 1;
                }
                c->state = CHAP_I_WAIT_RESPONSE;
                return 0;
        }

        /* CHAP_I_WAIT_RESPONSE: the target must authenticate itself. */
        if (a || i || ch)
                return fail(c, ISCSI_CHAP_FAIL_PROTOCOL);
        if (!n || !rs)
                return fail(c, ISCSI_CHAP_FAIL_NO_MUTUAL);
        r = check_response(c, n, rs, c->mutual_username, c->mutual_secret);
        if (r < 0)
                return r;
        c->state = CHAP_DONE;
        explicit_bzero(c->challenge, sizeof(c->challenge));
        return 1;
}

static int target_step(struct iscsi_chap *c, const struct iscsi_keys *in, struct iscsi_keys *out) {
        const char *a = iscsi_keys_get(in, "CHAP_A"), *i = iscsi_keys_get(in, "CHAP_I"),
                   *ch = iscsi_keys_get(in, "CHAP_C"), *n = iscsi_keys_get(in, "CHAP_N"),
                   *rs = iscsi_keys_get(in, "CHAP_R");
        uint8_t *chal = NULL, id = 0;
        size_t chal_len = 0;
        int r;

        if (c->state == CHAP_T_WAIT_ALGS) {
                const char *state = NULL;
                char item[ISCSI_VALUE_MAX + 1];

                if (!a || i || ch || n || rs)
                        return fail(c, ISCSI_CHAP_FAIL_PROTOCOL);
                /* First algorithm of the initiator's list that we allow; unknown ones skipped. */
                while ((r = iscsi_value_list_next(a, &state, item, sizeof(item))) > 0) {
                        uint64_t v;
                        if (iscsi_value_parse_number(item, 255, &v) >= 0 && alg_allowed(c, (enum iscsi_chap_alg) v)) {
                                c->alg = (enum iscsi_chap_alg) v;
                                break;
                        }
                }
                if (r < 0)
                        return fail(c, ISCSI_CHAP_FAIL_PROTOCOL);
                if (c->alg == 0) {
                        (void) iscsi_keys_add(out, "CHAP_A", ISCSI_VALUE_REJECT);
                        return fail(c, ISCSI_CHAP_FAIL_NO_ALGORITHM);
                }
                r = send_challenge(c, out);
                if (r < 0)
                        return fail(c, ISCSI_CHAP_FAIL_INTERNAL);
                c->state = CHAP_T_WAIT_RESPONSE;
                return 0;
        }

        /* CHAP_T_WAIT_RESPONSE */
        if (a || !n || !rs || !i != !ch)
                return fail(c, ISCSI_CHAP_FAIL_PROTOCOL);
        free(c->peer_name);
        c->peer_name = strdup(n);
        if (!c->peer_name)
                return fail(c, ISCSI_CHAP_FAIL_INTERNAL);
        if (i) {
                r = parse_challenge(c, i, ch, &id, &chal, &chal_len);
                if (r < 0)
                        return r;
                c->mutual = true;
                if (iscsi_chap_challenge_reflected(c->challenge, c->challenge_len, chal, chal_len)) {
                        erase_free(chal, chal_len);
                        return fail(c, ISCSI_CHAP_FAIL_REFLECTED);
                }
        }
        r = check_response(c, n, rs, c->username, c->secret);
        if (r < 0) {
                erase_free(chal, chal_len);
                return r;
        }
        if (c->mutual) {
                if (!c->mutual_username) {
                        erase_free(chal, chal_len);
                        return fail(c, ISCSI_CHAP_FAIL_NO_MUTUAL);
                }
                r = send_response(c, c->mutual_username, c->mutual_secret, id, chal, chal_len, out);
                erase_free(chal, chal_len);
                if (r < 0)
                        return fail(c, ISCSI_CHAP_FAIL_INTERNAL);
        }
        c->state = CHAP_DONE;
        explicit_bzero(c->challenge, sizeof(c->challenge));
        return 1;
}

int iscsi_chap_step(struct iscsi_chap *c, const struct iscsi_keys *in, struct iscsi_keys *out) {
        if (!c || !in || !out)
                return -EINVAL;
        switch (c->state) {
        case CHAP_DONE:
                return -EALREADY;
        case CHAP_FAILED:
                return -EPROTO;
        case CHAP_I_START:
                return -EINVAL; /* call iscsi_chap_initiator_start() first */
        case CHAP_I_WAIT_CHALLENGE:
        case CHAP_I_WAIT_RESPONSE:
                return initiator_step(c, in, out);
        case CHAP_T_WAIT_ALGS:
        case CHAP_T_WAIT_RESPONSE:
                return target_step(c, in, out);
        }
        return -EINVAL;
}
