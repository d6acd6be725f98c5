/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CHAP for iSCSI (RFC 7143 §12.1.3, RFC 1994; SHA algorithms per the IANA "PPP
 * Authentication Algorithms" registry as used by Linux/open-iscsi: 5 MD5, 6 SHA-1,
 * 7 SHA-256, 8 SHA3-256). Digests through OpenSSL EVP, randomness from RAND_bytes,
 * comparisons with CRYPTO_memcmp, secrets wiped when freed.
 *
 * The exchange inside the security stage (after AuthMethod=CHAP was agreed):
 *   I -> T  CHAP_A=<alg list>
 *   T -> I  CHAP_A=<alg>  CHAP_I=<id>  CHAP_C=<challenge>
 *   I -> T  CHAP_N=<name> CHAP_R=<response>  [CHAP_I=<id2> CHAP_C=<challenge2>  (mutual)]
 *   T -> I  [CHAP_N=<target name> CHAP_R=<response2>  (mutual)]
 * response = H(id || secret || challenge).
 *
 * struct iscsi_chap drives one side of that exchange from struct iscsi_keys; login.c uses it,
 * but it works standalone (e.g. for a test or a fuzz harness).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iscsi-proto/keys.h"

enum iscsi_chap_alg {
        ISCSI_CHAP_MD5 = 5,
        ISCSI_CHAP_SHA1 = 6,
        ISCSI_CHAP_SHA256 = 7,
        ISCSI_CHAP_SHA3_256 = 8,
};

#define ISCSI_CHAP_MAX_DIGEST 32u      /* SHA-256 / SHA3-256 */
#define ISCSI_CHAP_MAX_ALGS 4u
/* Challenges we accept: at least 16 bytes (RFC 7143 §12.1.3 wants challenges that are
 * unpredictable and not too short), at most 1024 bytes (RFC 7143 §12.1.3). */
#define ISCSI_CHAP_CHALLENGE_MIN 16u
#define ISCSI_CHAP_CHALLENGE_MAX 1024u
/* CHAP secrets are at most 255 bytes here (open-iscsi and LIO use the same bound). */
#define ISCSI_CHAP_SECRET_MAX 255u

/* Digest length in bytes (16, 20, 32, 32), 0 for an unknown algorithm. */
size_t iscsi_chap_digest_size(enum iscsi_chap_alg alg);
/* True for the four algorithms above when the OpenSSL build provides them. */
bool iscsi_chap_alg_supported(enum iscsi_chap_alg alg);
/* "MD5", "SHA1", "SHA256", "SHA3-256" (the spelling of open-iscsi's chap_algs setting). */
const char *iscsi_chap_alg_to_string(enum iscsi_chap_alg alg);
/* Parse one algorithm by name (case-insensitive) or number: -EINVAL if unknown. */
int iscsi_chap_alg_from_string(const char *s, enum iscsi_chap_alg *ret);
/*
 * Parse open-iscsi's chap_algs list ("SHA3-256,SHA256,SHA1,MD5"; spaces allowed around
 * commas) into ret (capacity ISCSI_CHAP_MAX_ALGS), duplicates dropped. -EINVAL for an unknown
 * name or an empty list.
 */
int iscsi_chap_alg_list_parse(const char *s, enum iscsi_chap_alg ret[static ISCSI_CHAP_MAX_ALGS],
                              size_t *ret_n);

/* ---- binary values (RFC 7143 §6.1: "0x" hex or "0b" base64) ---- */

/*
 * Decode a binary value into a malloc()ed buffer. Hex: "0x"/"0X" then an even or odd number
 * of hex digits (an odd count means a leading 0 nibble, as the RFC allows). Base64: "0b"/"0B"
 * then RFC 4648 base64 with '=' padding required to a multiple of 4 characters.
 * Errors: -EBADMSG malformed (no prefix, empty payload, bad digit/character, bad padding),
 * -EMSGSIZE more than max_len decoded bytes, -ENOMEM.
 */
int iscsi_binary_decode(const char *s, size_t max_len, uint8_t **ret, size_t *ret_len);
/* Encode as "0x<lowercase hex>" / "0b<base64>" into a malloc()ed string. -EINVAL if len == 0. */
int iscsi_binary_encode_hex(const void *data, size_t len, char **ret);
int iscsi_binary_encode_base64(const void *data, size_t len, char **ret);

/* ---- primitives ---- */

/* digest = H(id || secret || challenge); out must hold iscsi_chap_digest_size(alg) bytes.
 * -EOPNOTSUPP if the algorithm is unknown or unavailable, -EIO on an OpenSSL failure. */
int iscsi_chap_compute(enum iscsi_chap_alg alg, uint8_t id, const void *secret, size_t secret_len,
                       const void *challenge, size_t challenge_len, uint8_t *out);
/* Constant-time check of a received response. Returns 0 if it matches, -EACCES if not
 * (including a wrong length), other negative errno from iscsi_chap_compute(). */
int iscsi_chap_verify(enum iscsi_chap_alg alg, uint8_t id, const void *secret, size_t secret_len,
                      const void *challenge, size_t challenge_len,
                      const void *response, size_t response_len);
/* Fill buf with len random bytes (RAND_bytes). -EIO on failure. */
int iscsi_chap_random(void *buf, size_t len);
/* True if the peer's challenge equals the one we sent (a reflection attack: the peer would
 * have us compute the response it owes us). Constant time over the common length. */
bool iscsi_chap_challenge_reflected(const void *ours, size_t ours_len, const void *theirs,
                                    size_t theirs_len);

/* ---- one side of the exchange ---- */

/*
 * Credentials. username/secret: the initiator's CHAP name and secret (on the target: what the
 * initiator must present). mutual_*: the target's name and secret for mutual CHAP (NULL for
 * one-way; on the initiator, non-NULL means "require the target to authenticate").
 * The exchange copies them; the caller may wipe its copies after iscsi_chap_new().
 */
struct iscsi_chap_credentials {
        const char *username;
        const char *secret;
        const char *mutual_username;
        const char *mutual_secret;
};

enum iscsi_chap_encoding {
        ISCSI_CHAP_ENCODING_HEX,
        ISCSI_CHAP_ENCODING_BASE64,
};

/* Why an exchange failed, for logs and exit codes. */
enum iscsi_chap_failure {
        ISCSI_CHAP_OK,
        ISCSI_CHAP_FAIL_PROTOCOL,      /* missing/unexpected/duplicate CHAP key, bad stage order */
        ISCSI_CHAP_FAIL_ENCODING,      /* bad hex/base64, bad CHAP_I, bad length */
        ISCSI_CHAP_FAIL_NO_ALGORITHM,  /* no common CHAP_A */
        ISCSI_CHAP_FAIL_BAD_NAME,      /* CHAP_N does not match the expected user name */
        ISCSI_CHAP_FAIL_BAD_RESPONSE,  /* CHAP_R wrong: wrong secret */
        ISCSI_CHAP_FAIL_REFLECTED,     /* the peer sent back our own challenge */
        ISCSI_CHAP_FAIL_NO_MUTUAL,     /* mutual requested by one side, not possible/offered */
        ISCSI_CHAP_FAIL_INTERNAL,      /* OpenSSL/RNG/memory failure */
};
const char *iscsi_chap_failure_to_string(enum iscsi_chap_failure f);

struct iscsi_chap;

/*
 * algs: acceptable algorithms in order of preference (the initiator offers them in this
 * order; the target picks the first of the initiator's list that is in algs). n_algs == 0
 * means the default: MD5 alone for the initiator (open-iscsi's default chap_algs), and
 * SHA3-256, SHA256, SHA1, MD5 (those OpenSSL supports) for the target.
 * Errors: -EINVAL (missing username/secret, secret longer than ISCSI_CHAP_SECRET_MAX,
 * mutual name without secret or vice versa, unsupported alg), -ENOMEM.
 */
int iscsi_chap_new(bool initiator, const struct iscsi_chap_credentials *creds,
                   const enum iscsi_chap_alg *algs, size_t n_algs, struct iscsi_chap **ret);
/* Wipes secrets, challenges and responses. Accepts NULL, returns NULL. */
struct iscsi_chap *iscsi_chap_free(struct iscsi_chap *c);
static inline void iscsi_chap_freep(struct iscsi_chap **c) {
        if (*c)
                *c = iscsi_chap_free(*c);
}
/* Encoding of CHAP_C/CHAP_R we send (default hex). */
void iscsi_chap_set_encoding(struct iscsi_chap *c, enum iscsi_chap_encoding enc);

/* Initiator: the first CHAP PDU's keys (CHAP_A=<list>). */
int iscsi_chap_initiator_start(struct iscsi_chap *c, struct iscsi_keys *out);

/*
 * Feed the CHAP_* keys of one received PDU (other keys are ignored) and append what to send
 * to out. Returns:
 *   0        continue: send out and feed the next PDU,
 *   1        done: this side is satisfied (target: initiator authenticated and, if asked,
 *            our mutual response is in out; initiator: target's response verified or none
 *            required). The target may then set the T bit.
 *   -EACCES  authentication failed; iscsi_chap_failure() says why.
 *   -ENOMEM / -EIO internal failure.
 * After a failure or done, further calls return -EPROTO (protocol) / -EALREADY.
 */
int iscsi_chap_step(struct iscsi_chap *c, const struct iscsi_keys *in, struct iscsi_keys *out);

enum iscsi_chap_failure iscsi_chap_failure(const struct iscsi_chap *c);
/* The negotiated algorithm, or 0 before CHAP_A was agreed. */
enum iscsi_chap_alg iscsi_chap_get_alg(const struct iscsi_chap *c);
/* Target: true once the initiator asked for mutual authentication (sent CHAP_I/CHAP_C). */
bool iscsi_chap_mutual(const struct iscsi_chap *c);
/* Target: the CHAP_N the initiator presented (NULL before). */
const char *iscsi_chap_peer_name(const struct iscsi_chap *c);
