/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Login: what the initiator and target machines share (result, strings, teardown). */

#include <stdarg.h>

#include "login-internal.h"
#include "iscsi-util/macro.h"

const char *iscsi_login_failure_to_string(enum iscsi_login_failure f) {
        switch (f) {
        case ISCSI_LOGIN_FAIL_NONE:
                return "none";
        case ISCSI_LOGIN_FAIL_STATUS:
                return "login rejected by target";
        case ISCSI_LOGIN_FAIL_REDIRECT:
                return "redirected";
        case ISCSI_LOGIN_FAIL_AUTH:
                return "authentication failure";
        case ISCSI_LOGIN_FAIL_AUTHORIZATION:
                return "authorization failure";
        case ISCSI_LOGIN_FAIL_NOT_FOUND:
                return "target not found";
        case ISCSI_LOGIN_FAIL_NEGOTIATION:
                return "negotiation failure";
        case ISCSI_LOGIN_FAIL_PROTOCOL:
                return "protocol error";
        case ISCSI_LOGIN_FAIL_INTERNAL:
                return "internal error";
        }
        return "unknown";
}

const char *iscsi_login_status_to_string(uint16_t status) {
        switch (status) {
        case ISCSI_LOGIN_STATUS_SUCCESS:
                return "Success";
        case ISCSI_LOGIN_STATUS_TGT_MOVED_TEMP:
                return "Target moved temporarily";
        case ISCSI_LOGIN_STATUS_TGT_MOVED_PERM:
                return "Target moved permanently";
        case ISCSI_LOGIN_STATUS_INIT_ERR:
                return "Initiator error";
        case ISCSI_LOGIN_STATUS_AUTH_FAILED:
                return "Authentication failure";
        case ISCSI_LOGIN_STATUS_TGT_FORBIDDEN:
                return "Authorization failure";
        case ISCSI_LOGIN_STATUS_TGT_NOT_FOUND:
                return "Not found";
        case ISCSI_LOGIN_STATUS_TGT_REMOVED:
                return "Target removed";
        case ISCSI_LOGIN_STATUS_NO_VERSION:
                return "Unsupported version";
        case ISCSI_LOGIN_STATUS_TOO_MANY_CONNS:
                return "Too many connections";
        case ISCSI_LOGIN_STATUS_MISSING_FIELDS:
                return "Missing parameter";
        case ISCSI_LOGIN_STATUS_CONN_ADD_FAILED:
                return "Can't include in session";
        case ISCSI_LOGIN_STATUS_NO_SESSION_TYPE:
                return "Session type not supported";
        case ISCSI_LOGIN_STATUS_NO_SESSION:
                return "Session does not exist";
        case ISCSI_LOGIN_STATUS_INVALID_REQUEST:
                return "Invalid during login";
        case ISCSI_LOGIN_STATUS_TARGET_ERROR:
                return "Target error";
        case ISCSI_LOGIN_STATUS_SVC_UNAVAILABLE:
                return "Service unavailable";
        case ISCSI_LOGIN_STATUS_NO_RESOURCES:
                return "Out of resources";
        }
        switch (status >> 8) {
        case ISCSI_STATUS_CLASS_REDIRECT:
                return "Redirection";
        case ISCSI_STATUS_CLASS_INITIATOR_ERR:
                return "Initiator error";
        case ISCSI_STATUS_CLASS_TARGET_ERR:
                return "Target error";
        }
        return "Unknown status";
}

int iscsi_login_exit_code(const struct iscsi_login_result *r) {
        switch (r->failure) {
        case ISCSI_LOGIN_FAIL_NONE:
                return 0;
        case ISCSI_LOGIN_FAIL_AUTH:
                /* the initiator refused the target (mutual CHAP, AuthMethod): open-iscsi
                 * reports that as a non-retryable login failure, not as the target's refusal */
                return 19; /* ISCSI_ERR_FATAL_LOGIN */
        case ISCSI_LOGIN_FAIL_AUTHORIZATION:
                return 24; /* ISCSI_ERR_LOGIN_AUTH_FAILED */
        case ISCSI_LOGIN_FAIL_NOT_FOUND:
                return 19; /* ISCSI_ERR_FATAL_LOGIN */
        case ISCSI_LOGIN_FAIL_STATUS:
                if (r->status == ISCSI_LOGIN_STATUS_AUTH_FAILED || r->status == ISCSI_LOGIN_STATUS_TGT_FORBIDDEN)
                        return 24;
                if ((r->status >> 8) == ISCSI_STATUS_CLASS_INITIATOR_ERR)
                        return 19;
                return 5; /* ISCSI_ERR_LOGIN: target errors may go away */
        case ISCSI_LOGIN_FAIL_REDIRECT:
        case ISCSI_LOGIN_FAIL_NEGOTIATION:
        case ISCSI_LOGIN_FAIL_PROTOCOL:
                return 5;
        case ISCSI_LOGIN_FAIL_INTERNAL:
                return 9; /* ISCSI_ERR_INTERNAL */
        }
        return 1;
}

int iscsi_login_fail(struct iscsi_login *l, enum iscsi_login_failure f, uint16_t status, const char *fmt, ...) {
        va_list ap;

        if (l->result.failure == ISCSI_LOGIN_FAIL_NONE) {
                l->result.failure = f;
                l->result.status = status;
                va_start(ap, fmt);
                vsnprintf(l->result.reason, sizeof(l->result.reason), fmt, ap);
                va_end(ap);
        }
        l->over = true;
        return ISCSI_LOGIN_FAILED;
}

int iscsi_login_set_text(struct iscsi_login *l, const struct iscsi_keys *keys) {
        uint8_t *buf = NULL;
        size_t len = 0;
        int r;

        r = iscsi_keys_build(keys, &buf, &len);
        if (r < 0)
                return r;
        iscsi_text_out_set(&l->tx, buf, len);
        return 0;
}

struct iscsi_login *iscsi_login_free(struct iscsi_login *l) {
        if (!l)
                return NULL;
        iscsi_neg_free(l->neg);
        iscsi_chap_free(l->chap);
        iscsi_text_out_clear(&l->tx);
        iscsi_text_accum_clear(&l->rx);
        iscsi_keys_clear(&l->toper);
        free(l->initiator_name);
        free(l->target_name);
        explicit_bzero(l, sizeof(*l));
        free(l);
        return NULL;
}

void iscsi_login_get_result(const struct iscsi_login *l, struct iscsi_login_result *ret) {
        *ret = l->result;
        if (l->role == ISCSI_ROLE_INITIATOR) {
                ret->exp_statsn = l->exp_statsn;
                ret->cmdsn = l->cmdsn;
        } else
                ret->statsn = l->statsn;
}

enum iscsi_login_stage iscsi_login_get_stage(const struct iscsi_login *l) {
        return l->stage;
}

struct iscsi_negotiator *iscsi_login_get_negotiator(struct iscsi_login *l) {
        return l->neg;
}

const char *iscsi_login_target_initiator_name(const struct iscsi_login *l) {
        return l->initiator_name;
}
