/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness: CHAP (chap.h). Byte 0 picks the role (initiator/target), mutual or not,
 * and the encoding; the rest is split at 0xff bytes into the text of successive peer PDUs,
 * each parsed as keys and fed to iscsi_chap_step(). Every piece also goes through
 * iscsi_binary_decode() and the algorithm list parser.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi-proto/chap.h"
#include "iscsi-proto/keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_binary(const uint8_t *p, size_t n) {
        char s[ISCSI_LONG_VALUE_MAX + 1];
        uint8_t *bin = NULL;
        size_t bin_len;
        enum iscsi_chap_alg algs[ISCSI_CHAP_MAX_ALGS], alg;
        size_t n_algs;

        if (n > ISCSI_LONG_VALUE_MAX)
                return;
        memcpy(s, p, n);
        s[n] = 0;
        if (iscsi_binary_decode(s, ISCSI_LONG_BINARY_MAX, &bin, &bin_len) == 0) {
                char *hex = NULL, *b64 = NULL;
                uint8_t *again = NULL;
                size_t again_len;

                if (bin_len > ISCSI_LONG_BINARY_MAX)
                        abort();
                /* Encoding and decoding again is the identity. */
                if (bin_len > 0 && iscsi_binary_encode_hex(bin, bin_len, &hex) == 0) {
                        if (iscsi_binary_decode(hex, ISCSI_LONG_BINARY_MAX, &again, &again_len) != 0 ||
                            again_len != bin_len || memcmp(again, bin, bin_len) != 0)
                                abort();
                        free(again);
                        again = NULL;
                }
                if (bin_len > 0 && iscsi_binary_encode_base64(bin, bin_len, &b64) == 0) {
                        if (iscsi_binary_decode(b64, ISCSI_LONG_BINARY_MAX, &again, &again_len) != 0 ||
                            again_len != bin_len || memcmp(again, bin, bin_len) != 0)
                                abort();
                        free(again);
                }
                free(hex);
                free(b64);
                free(bin);
        }
        (void) iscsi_chap_alg_list_parse(s, algs, &n_algs);
        (void) iscsi_chap_alg_from_string(s, &alg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct iscsi_chap_credentials creds = {
                .username = "initiator-user",
                .secret = "initiator-secret-123",
        };
        struct iscsi_chap *c = NULL;
        struct iscsi_keys out = {};
        bool initiator, mutual;
        size_t off;

        if (size < 1)
                return 0;
        initiator = data[0] & 1;
        mutual = data[0] & 2;
        if (mutual) {
                creds.mutual_username = "target-user";
                creds.mutual_secret = "target-secret-4567";
        }
        if (iscsi_chap_new(initiator, &creds, NULL, 0, &c) < 0)
                return 0;
        iscsi_chap_set_encoding(c, data[0] & 4 ? ISCSI_CHAP_ENCODING_BASE64 : ISCSI_CHAP_ENCODING_HEX);
        if (initiator && iscsi_chap_initiator_start(c, &out) < 0)
                abort();

        off = 1;
        for (int pdu = 0; off <= size && pdu < 8; pdu++) {
                const uint8_t *end = memchr(data + off, 0xff, size - off);
                size_t n = end ? (size_t) (end - (data + off)) : size - off;
                struct iscsi_keys in = {};

                check_binary(data + off, n);
                if (iscsi_keys_parse(data + off, n, &in) == 0) {
                        iscsi_keys_clear(&out);
                        int r = iscsi_chap_step(c, &in, &out);
                        if (r == -EACCES && iscsi_chap_failure(c) == ISCSI_CHAP_OK)
                                abort(); /* a failure must say why */
                        (void) iscsi_chap_failure_to_string(iscsi_chap_failure(c));
                        (void) iscsi_chap_peer_name(c);
                }
                iscsi_keys_clear(&in);
                off += n + 1;
        }
        iscsi_keys_clear(&out);
        iscsi_chap_free(c);
        return 0;
}
