/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CHAP: digests against vectors computed independently with `openssl dgst`, binary value
 * encodings, reflected challenges, and both sides of the exchange. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "iscsi-proto/chap.h"
#include "iscsi-util/macro.h"

/* Vectors: printf '\x2a' 'TopSecret12!' and bytes 00..0f | openssl dgst -<alg>
 *          printf '\xff' (empty secret) and de ad be ef x8 | openssl dgst -<alg> */
static const struct {
        enum iscsi_chap_alg alg;
        const char *v1, *v2;
} vectors[] = {
        { ISCSI_CHAP_MD5, "0xb5edbe530e615ce08712540d9f23b3e8", "0x5436ceefa891f7c4c5c3dc0d3affee53" },
        { ISCSI_CHAP_SHA1, "0x63af49b04d8faf75cfa71595dc5193f3cf99945b", "0x5c436ca895de2d0376240321bef77fe83faa2394" },
        { ISCSI_CHAP_SHA256, "0xa98013e87e07c65413f1a80fa82b8e810862bd93cb205723735c7c52dd52d7ea",
          "0x2f3711e92128f190e6625e3466d7e170c42665d2da4d34cca5d31508d8b09739" },
        { ISCSI_CHAP_SHA3_256, "0xa8804fcdda64c6bf91132586a43097220f96aa8d3049db4f77fa8f2b512222df",
          "0x786c24987c8ac32d103eb56c5803d4a0e30ec170a49d664e62fe183889434d8c" },
};

static void test_digest_vectors(void **state) {
        uint8_t ch1[16], ch2[32], out[ISCSI_CHAP_MAX_DIGEST];

        for (unsigned i = 0; i < 16; i++)
                ch1[i] = (uint8_t) i;
        for (unsigned i = 0; i < 32; i += 4)
                memcpy(ch2 + i, "\xde\xad\xbe\xef", 4);

        for (size_t v = 0; v < ELEMENTSOF(vectors); v++) {
                enum iscsi_chap_alg alg = vectors[v].alg;
                size_t n = iscsi_chap_digest_size(alg);
                _cleanup_free_ char *hex1 = NULL, *hex2 = NULL;
                _cleanup_free_ uint8_t *bin = NULL;
                size_t bin_len;

                assert_true(iscsi_chap_alg_supported(alg));
                assert_int_equal(iscsi_chap_compute(alg, 0x2a, "TopSecret12!", 12, ch1, sizeof(ch1), out), 0);
                assert_int_equal(iscsi_binary_encode_hex(out, n, &hex1), 0);
                assert_string_equal(hex1, vectors[v].v1);
                assert_int_equal(iscsi_chap_compute(alg, 0xff, "", 0, ch2, sizeof(ch2), out), 0);
                assert_int_equal(iscsi_binary_encode_hex(out, n, &hex2), 0);
                assert_string_equal(hex2, vectors[v].v2);

                /* verify: right response, a flipped bit, a truncated response */
                assert_int_equal(iscsi_binary_decode(vectors[v].v1, 64, &bin, &bin_len), 0);
                assert_int_equal(bin_len, n);
                assert_int_equal(iscsi_chap_verify(alg, 0x2a, "TopSecret12!", 12, ch1, 16, bin, bin_len), 0);
                assert_int_equal(iscsi_chap_verify(alg, 0x2b, "TopSecret12!", 12, ch1, 16, bin, bin_len), -EACCES);
                assert_int_equal(iscsi_chap_verify(alg, 0x2a, "TopSecret12?", 12, ch1, 16, bin, bin_len), -EACCES);
                bin[n - 1] ^= 1;
                assert_int_equal(iscsi_chap_verify(alg, 0x2a, "TopSecret12!", 12, ch1, 16, bin, bin_len), -EACCES);
                bin[n - 1] ^= 1;
                assert_int_equal(iscsi_chap_verify(alg, 0x2a, "TopSecret12!", 12, ch1, 16, bin, bin_len - 1), -EACCES);
        }
        assert_int_equal(iscsi_chap_compute((enum iscsi_chap_alg) 9, 0, "", 0, "", 0, out), -EOPNOTSUPP);
        assert_int_equal(iscsi_chap_digest_size((enum iscsi_chap_alg) 4), 0);
}

static void test_alg_names(void **state) {
        enum iscsi_chap_alg a, list[ISCSI_CHAP_MAX_ALGS];
        size_t n = 0;

        assert_int_equal(iscsi_chap_alg_from_string("sha3-256", &a), 0);
        assert_int_equal(a, ISCSI_CHAP_SHA3_256);
        assert_int_equal(iscsi_chap_alg_from_string("5", &a), 0);
        assert_int_equal(a, ISCSI_CHAP_MD5);
        assert_int_equal(iscsi_chap_alg_from_string("SHA512", &a), -EINVAL);
        assert_int_equal(iscsi_chap_alg_from_string("4", &a), -EINVAL);
        assert_string_equal(iscsi_chap_alg_to_string(ISCSI_CHAP_SHA256), "SHA256");

        assert_int_equal(iscsi_chap_alg_list_parse("SHA3-256, SHA256,SHA1 ,MD5,MD5", list, &n), 0);
        assert_int_equal(n, 4);
        assert_int_equal(list[0], ISCSI_CHAP_SHA3_256);
        assert_int_equal(list[3], ISCSI_CHAP_MD5);
        assert_int_equal(iscsi_chap_alg_list_parse("MD5,", list, &n), -EINVAL);
        assert_int_equal(iscsi_chap_alg_list_parse("", list, &n), -EINVAL);
        assert_int_equal(iscsi_chap_alg_list_parse("MD5,BLAKE2", list, &n), -EINVAL);
}

static void test_hex(void **state) {
        _cleanup_free_ uint8_t *b = NULL;
        _cleanup_free_ char *s = NULL;
        size_t n = 99;

        assert_int_equal(iscsi_binary_decode("0x00FFa5", 16, &b, &n), 0);
        assert_int_equal(n, 3);
        assert_memory_equal(b, "\x00\xff\xa5", 3);
        free(b);
        b = NULL;
        /* odd digit count: leading zero nibble */
        assert_int_equal(iscsi_binary_decode("0Xabc", 16, &b, &n), 0);
        assert_int_equal(n, 2);
        assert_memory_equal(b, "\x0a\xbc", 2);
        free(b);
        b = NULL;
        assert_int_equal(iscsi_binary_decode("0x", 16, &b, &n), -EBADMSG);
        assert_int_equal(iscsi_binary_decode("0x12g4", 16, &b, &n), -EBADMSG);
        assert_int_equal(iscsi_binary_decode("0x 12", 16, &b, &n), -EBADMSG);
        assert_int_equal(iscsi_binary_decode("1234", 16, &b, &n), -EBADMSG);
        assert_int_equal(iscsi_binary_decode("", 16, &b, &n), -EBADMSG);
        assert_int_equal(iscsi_binary_decode("0x112233", 2, &b, &n), -EMSGSIZE);
        assert_null(b);
        assert_int_equal(iscsi_binary_encode_hex("\x01\xab", 2, &s), 0);
        assert_string_equal(s, "0x01ab");
        assert_int_equal(iscsi_binary_encode_hex("", 0, &s), -EINVAL);
}

static void test_base64(void **state) {
        static const struct {
                const char *plain, *enc;
        } v[] = { /* RFC 4648 §10 */
                { "f", "0bZg==" }, { "fo", "0bZm8=" }, { "foo", "0bZm9v" },
                { "foob", "0bZm9vYg==" }, { "fooba", "0bZm9vYmE=" }, { "foobar", "0bZm9vYmFy" },
        };
        _cleanup_free_ uint8_t *b = NULL;
        size_t n;

        for (size_t i = 0; i < ELEMENTSOF(v); i++) {
                _cleanup_free_ char *s = NULL;
                _cleanup_free_ uint8_t *d = NULL;

                assert_int_equal(iscsi_binary_encode_base64(v[i].plain, strlen(v[i].plain), &s), 0);
                assert_string_equal(s, v[i].enc);
                assert_int_equal(iscsi_binary_decode(v[i].enc, 64, &d, &n), 0);
                assert_int_equal(n, strlen(v[i].plain));
                assert_memory_equal(d, v[i].plain, n);
        }
        /* 0xff 0xfe: exercises '+' and '/' */
        assert_int_equal(iscsi_binary_decode("0B//4=", 8, &b, &n), 0);
        assert_int_equal(n, 2);
        assert_memory_equal(b, "\xff\xfe", 2);
        free(b);
        b = NULL;
        assert_int_equal(iscsi_binary_decode("0b", 8, &b, &n), -EBADMSG);
        assert_int_equal(iscsi_binary_decode("0bZg", 8, &b, &n), -EBADMSG);   /* padding required */
        assert_int_equal(iscsi_binary_decode("0bZg=", 8, &b, &n), -EBADMSG);   /* not a multiple of 4 */
        assert_int_equal(iscsi_binary_decode("0bZ===", 8, &b, &n), -EBADMSG);  /* too much padding */
        assert_int_equal(iscsi_binary_decode("0b====", 8, &b, &n), -EBADMSG);
        assert_int_equal(iscsi_binary_decode("0bZ=g=", 8, &b, &n), -EBADMSG);  /* '=' inside */
        assert_int_equal(iscsi_binary_decode("0bZm9v!A==", 8, &b, &n), -EBADMSG);
        assert_int_equal(iscsi_binary_decode("0bZm9vYmFy", 5, &b, &n), -EMSGSIZE);
        assert_null(b);
}

static void test_reflection_helper(void **state) {
        assert_true(iscsi_chap_challenge_reflected("abcdefgh", 8, "abcdefgh", 8));
        assert_false(iscsi_chap_challenge_reflected("abcdefgh", 8, "abcdefgi", 8));
        assert_false(iscsi_chap_challenge_reflected("abcdefgh", 8, "abcdefg", 7));
        assert_false(iscsi_chap_challenge_reflected("", 0, "", 0));
}

static void test_random(void **state) {
        uint8_t a[32], b[32];

        assert_int_equal(iscsi_chap_random(a, sizeof(a)), 0);
        assert_int_equal(iscsi_chap_random(b, sizeof(b)), 0);
        assert_memory_not_equal(a, b, sizeof(a));
}

static const struct iscsi_chap_credentials one_way = { .username = "alice", .secret = "alicesecret1" };
static const struct iscsi_chap_credentials mutual = {
        .username = "alice", .secret = "alicesecret1", .mutual_username = "tgt", .mutual_secret = "targetsecret",
};

/* Run an exchange; returns the last step result of the side that failed or 1 on success. */
static int run_exchange(const struct iscsi_chap_credentials *ic, const struct iscsi_chap_credentials *tc,
                        const enum iscsi_chap_alg *ialgs, size_t ni, const enum iscsi_chap_alg *talgs, size_t nt,
                        enum iscsi_chap_encoding enc, enum iscsi_chap_alg *ret_alg, enum iscsi_chap_failure *ret_fail) {
        _cleanup_(iscsi_chap_freep) struct iscsi_chap *i = NULL, *t = NULL;
        _cleanup_keys_ struct iscsi_keys a = {}, b = {}, c = {}, d = {};
        int r;

        assert_int_equal(iscsi_chap_new(true, ic, ialgs, ni, &i), 0);
        assert_int_equal(iscsi_chap_new(false, tc, talgs, nt, &t), 0);
        iscsi_chap_set_encoding(i, enc);
        iscsi_chap_set_encoding(t, enc);
        assert_int_equal(iscsi_chap_initiator_start(i, &a), 0);
        r = iscsi_chap_step(t, &a, &b); /* CHAP_A/I/C */
        if (r < 0)
                goto target_failed;
        assert_int_equal(r, 0);
        if (enc == ISCSI_CHAP_ENCODING_BASE64)
                assert_true(strncmp(iscsi_keys_get(&b, "CHAP_C"), "0b", 2) == 0);
        r = iscsi_chap_step(i, &b, &c); /* CHAP_N/R (+I/C) */
        if (r < 0)
                goto initiator_failed;
        r = iscsi_chap_step(t, &c, &d);
        if (r < 0)
                goto target_failed;
        assert_int_equal(r, 1);
        if (ic->mutual_username) {
                r = iscsi_chap_step(i, &d, &a);
                if (r < 0)
                        goto initiator_failed;
        } else
                assert_int_equal(d.n, 0);
        assert_int_equal(r, 1);
        *ret_alg = iscsi_chap_get_alg(t);
        assert_int_equal(iscsi_chap_get_alg(i), *ret_alg);
        assert_string_equal(iscsi_chap_peer_name(t), ic->username);
        *ret_fail = ISCSI_CHAP_OK;
        return 1;
target_failed:
        *ret_fail = iscsi_chap_failure(t);
        return r;
initiator_failed:
        *ret_fail = iscsi_chap_failure(i);
        return r;
}

static void test_exchange_each_alg(void **state) {
        for (size_t v = 0; v < ELEMENTSOF(vectors); v++) {
                enum iscsi_chap_alg alg = 0, only = vectors[v].alg;
                enum iscsi_chap_failure f;

                assert_int_equal(run_exchange(&one_way, &one_way, &only, 1, NULL, 0, ISCSI_CHAP_ENCODING_HEX, &alg, &f), 1);
                assert_int_equal(alg, only);
                assert_int_equal(run_exchange(&mutual, &mutual, &only, 1, &only, 1, ISCSI_CHAP_ENCODING_BASE64, &alg, &f), 1);
                assert_int_equal(alg, only);
                /* the target's default accepts every algorithm */
                assert_int_equal(run_exchange(&mutual, &mutual, &only, 1, NULL, 0, ISCSI_CHAP_ENCODING_HEX, &alg, &f), 1);
                assert_int_equal(alg, only);
        }
}

static void test_exchange_alg_choice(void **state) {
        const enum iscsi_chap_alg ia[] = { ISCSI_CHAP_SHA1, ISCSI_CHAP_SHA256, ISCSI_CHAP_MD5 };
        const enum iscsi_chap_alg ta[] = { ISCSI_CHAP_MD5, ISCSI_CHAP_SHA256 };
        const enum iscsi_chap_alg tb[] = { ISCSI_CHAP_SHA3_256 };
        enum iscsi_chap_alg alg = 0;
        enum iscsi_chap_failure f;

        /* the target takes the first of the initiator's list it allows */
        assert_int_equal(run_exchange(&one_way, &one_way, ia, 3, ta, 2, ISCSI_CHAP_ENCODING_HEX, &alg, &f), 1);
        assert_int_equal(alg, ISCSI_CHAP_SHA256);
        assert_int_equal(run_exchange(&one_way, &one_way, ia, 3, tb, 1, ISCSI_CHAP_ENCODING_HEX, &alg, &f), -EACCES);
        assert_int_equal(f, ISCSI_CHAP_FAIL_NO_ALGORITHM);
}

static void test_initiator_default_md5(void **state) {
        _cleanup_(iscsi_chap_freep) struct iscsi_chap *i = NULL;
        _cleanup_keys_ struct iscsi_keys a = {};

        assert_int_equal(iscsi_chap_new(true, &one_way, NULL, 0, &i), 0);
        assert_int_equal(iscsi_chap_initiator_start(i, &a), 0);
        assert_string_equal(iscsi_keys_get(&a, "CHAP_A"), "5");
}

static void test_exchange_failures(void **state) {
        const struct iscsi_chap_credentials wrong = { .username = "alice", .secret = "wrongsecret!" };
        const struct iscsi_chap_credentials other_user = { .username = "bob", .secret = "alicesecret1" };
        const struct iscsi_chap_credentials bad_mutual = {
                .username = "alice", .secret = "alicesecret1", .mutual_username = "tgt", .mutual_secret = "not-the-one!",
        };
        enum iscsi_chap_alg alg = 0;
        enum iscsi_chap_failure f;

        assert_int_equal(run_exchange(&wrong, &one_way, NULL, 0, NULL, 0, ISCSI_CHAP_ENCODING_HEX, &alg, &f), -EACCES);
        assert_int_equal(f, ISCSI_CHAP_FAIL_BAD_RESPONSE);
        assert_int_equal(run_exchange(&other_user, &one_way, NULL, 0, NULL, 0, ISCSI_CHAP_ENCODING_HEX, &alg, &f), -EACCES);
        assert_int_equal(f, ISCSI_CHAP_FAIL_BAD_NAME);
        /* the target proves itself with the wrong secret: the initiator refuses */
        assert_int_equal(run_exchange(&bad_mutual, &mutual, NULL, 0, NULL, 0, ISCSI_CHAP_ENCODING_HEX, &alg, &f), -EACCES);
        assert_int_equal(f, ISCSI_CHAP_FAIL_BAD_RESPONSE);
        /* the initiator asks for mutual but the target has no credentials for it */
        assert_int_equal(run_exchange(&mutual, &one_way, NULL, 0, NULL, 0, ISCSI_CHAP_ENCODING_HEX, &alg, &f), -EACCES);
        assert_int_equal(f, ISCSI_CHAP_FAIL_NO_MUTUAL);
}

/* Target side fed by hand: reflected challenge, malformed values, missing keys. */
static struct iscsi_chap *target_after_challenge(struct iscsi_keys *challenge) {
        struct iscsi_chap *t = NULL;
        _cleanup_keys_ struct iscsi_keys a = {};

        assert_int_equal(iscsi_chap_new(false, &mutual, NULL, 0, &t), 0);
        assert_int_equal(iscsi_keys_add(&a, "CHAP_A", "5"), 0);
        assert_int_equal(iscsi_chap_step(t, &a, challenge), 0);
        assert_string_equal(iscsi_keys_get(challenge, "CHAP_A"), "5");
        return t;
}

static void answer_with(struct iscsi_keys *resp, const struct iscsi_keys *challenge, const char *secret) {
        uint64_t id;
        _cleanup_free_ uint8_t *c = NULL;
        _cleanup_free_ char *hex = NULL;
        uint8_t digest[16];
        size_t n;

        assert_int_equal(iscsi_value_parse_number(iscsi_keys_get(challenge, "CHAP_I"), 255, &id), 0);
        assert_int_equal(iscsi_binary_decode(iscsi_keys_get(challenge, "CHAP_C"), 1024, &c, &n), 0);
        assert_true(n >= ISCSI_CHAP_CHALLENGE_MIN);
        assert_int_equal(iscsi_chap_compute(ISCSI_CHAP_MD5, (uint8_t) id, secret, strlen(secret), c, n, digest), 0);
        assert_int_equal(iscsi_binary_encode_hex(digest, 16, &hex), 0);
        assert_int_equal(iscsi_keys_add(resp, "CHAP_N", "alice"), 0);
        assert_int_equal(iscsi_keys_add(resp, "CHAP_R", hex), 0);
}

static void test_target_reflected(void **state) {
        _cleanup_keys_ struct iscsi_keys ch = {}, resp = {}, out = {};
        _cleanup_(iscsi_chap_freep) struct iscsi_chap *t = target_after_challenge(&ch);

        /* correct response, but our own challenge sent back for mutual authentication */
        answer_with(&resp, &ch, "alicesecret1");
        assert_int_equal(iscsi_keys_add(&resp, "CHAP_I", "7"), 0);
        assert_int_equal(iscsi_keys_add(&resp, "CHAP_C", iscsi_keys_get(&ch, "CHAP_C")), 0);
        assert_int_equal(iscsi_chap_step(t, &resp, &out), -EACCES);
        assert_int_equal(iscsi_chap_failure(t), ISCSI_CHAP_FAIL_REFLECTED);
        assert_int_equal(out.n, 0); /* nothing computed for the attacker */
        /* the same challenge in base64 is still a reflection */
        {
                _cleanup_keys_ struct iscsi_keys ch2 = {}, resp2 = {}, out2 = {};
                _cleanup_(iscsi_chap_freep) struct iscsi_chap *t2 = target_after_challenge(&ch2);
                _cleanup_free_ uint8_t *c = NULL;
                _cleanup_free_ char *b64 = NULL;
                size_t n;

                assert_int_equal(iscsi_binary_decode(iscsi_keys_get(&ch2, "CHAP_C"), 1024, &c, &n), 0);
                assert_int_equal(iscsi_binary_encode_base64(c, n, &b64), 0);
                answer_with(&resp2, &ch2, "alicesecret1");
                assert_int_equal(iscsi_keys_add(&resp2, "CHAP_I", "7"), 0);
                assert_int_equal(iscsi_keys_add(&resp2, "CHAP_C", b64), 0);
                assert_int_equal(iscsi_chap_step(t2, &resp2, &out2), -EACCES);
                assert_int_equal(iscsi_chap_failure(t2), ISCSI_CHAP_FAIL_REFLECTED);
        }
}

static void test_target_malformed(void **state) {
        static const struct {
                const char *n, *r, *i, *c;
                enum iscsi_chap_failure f;
        } cases[] = {
                { "alice", "0xzz", NULL, NULL, ISCSI_CHAP_FAIL_ENCODING },
                { "alice", "0x0102", NULL, NULL, ISCSI_CHAP_FAIL_ENCODING },  /* wrong length */
                { "alice", "0102", NULL, NULL, ISCSI_CHAP_FAIL_ENCODING },    /* no prefix */
                { "alice", "0bAAAA=", NULL, NULL, ISCSI_CHAP_FAIL_ENCODING },
                { NULL, "0x00000000000000000000000000000000", NULL, NULL, ISCSI_CHAP_FAIL_PROTOCOL },
                { "alice", "0x00000000000000000000000000000000", "5", NULL, ISCSI_CHAP_FAIL_PROTOCOL },
                { "alice", "0x00000000000000000000000000000000", "256", "0x00112233445566778899aabbccddeeff", ISCSI_CHAP_FAIL_ENCODING },
                { "alice", "0x00000000000000000000000000000000", "1", "0x0011", ISCSI_CHAP_FAIL_ENCODING }, /* too short */
        };

        for (size_t k = 0; k < ELEMENTSOF(cases); k++) {
                _cleanup_keys_ struct iscsi_keys ch = {}, resp = {}, out = {};
                _cleanup_(iscsi_chap_freep) struct iscsi_chap *t = target_after_challenge(&ch);

                if (cases[k].n)
                        assert_int_equal(iscsi_keys_add(&resp, "CHAP_N", cases[k].n), 0);
                assert_int_equal(iscsi_keys_add(&resp, "CHAP_R", cases[k].r), 0);
                if (cases[k].i)
                        assert_int_equal(iscsi_keys_add(&resp, "CHAP_I", cases[k].i), 0);
                if (cases[k].c)
                        assert_int_equal(iscsi_keys_add(&resp, "CHAP_C", cases[k].c), 0);
                assert_int_equal(iscsi_chap_step(t, &resp, &out), -EACCES);
                assert_int_equal(iscsi_chap_failure(t), cases[k].f);
                /* a failed exchange stays failed */
                assert_int_equal(iscsi_chap_step(t, &resp, &out), -EPROTO);
        }
}

static void test_target_good_by_hand(void **state) {
        _cleanup_keys_ struct iscsi_keys ch = {}, resp = {}, out = {};
        _cleanup_(iscsi_chap_freep) struct iscsi_chap *t = target_after_challenge(&ch);

        answer_with(&resp, &ch, "alicesecret1");
        assert_int_equal(iscsi_chap_step(t, &resp, &out), 1);
        assert_false(iscsi_chap_mutual(t));
        assert_int_equal(iscsi_chap_step(t, &resp, &out), -EALREADY);
}

static void test_new_validation(void **state) {
        struct iscsi_chap *c = NULL;
        const struct iscsi_chap_credentials half = { .username = "a", .secret = "b", .mutual_username = "c" };
        const struct iscsi_chap_credentials none = { .username = "a" };
        const enum iscsi_chap_alg bad = (enum iscsi_chap_alg) 3;
        char longsecret[300];

        memset(longsecret, 's', sizeof(longsecret) - 1);
        longsecret[sizeof(longsecret) - 1] = '\0';
        const struct iscsi_chap_credentials toolong = { .username = "a", .secret = longsecret };

        assert_int_equal(iscsi_chap_new(true, &half, NULL, 0, &c), -EINVAL);
        assert_int_equal(iscsi_chap_new(true, &none, NULL, 0, &c), -EINVAL);
        assert_int_equal(iscsi_chap_new(true, &toolong, NULL, 0, &c), -EINVAL);
        assert_int_equal(iscsi_chap_new(true, &one_way, &bad, 1, &c), -EINVAL);
        assert_null(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_digest_vectors),
                cmocka_unit_test(test_alg_names),
                cmocka_unit_test(test_hex),
                cmocka_unit_test(test_base64),
                cmocka_unit_test(test_reflection_helper),
                cmocka_unit_test(test_random),
                cmocka_unit_test(test_exchange_each_alg),
                cmocka_unit_test(test_exchange_alg_choice),
                cmocka_unit_test(test_initiator_default_md5),
                cmocka_unit_test(test_exchange_failures),
                cmocka_unit_test(test_target_reflected),
                cmocka_unit_test(test_target_malformed),
                cmocka_unit_test(test_target_good_by_hand),
                cmocka_unit_test(test_new_validation),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
