/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared state of the initiator and target login machines (login.c, login-initiator.c,
 * login-target.c). Not part of the API. */
#pragma once

#include "iscsi-proto/login.h"

/* A login that needs more round trips than this is a peer playing games. */
#define LOGIN_MAX_EXCHANGES 64u

struct iscsi_login {
        enum iscsi_role role;
        bool over;                      /* DONE or FAILED reached */
        enum iscsi_login_stage stage;   /* current CSG */
        struct iscsi_negotiator *neg;
        struct iscsi_chap *chap;
        bool chap_done;                 /* CHAP satisfied this side */
        struct iscsi_login_result result;
        struct iscsi_text_out tx;       /* text being sent, maybe over several PDUs */
        struct iscsi_text_accum rx;     /* text being received */
        unsigned exchanges;

        uint8_t isid[6];
        uint16_t tsih, cid;
        uint32_t itt, cmdsn;

        /* the PDU(s) carrying tx: T/NSG apply to the last chunk only */
        bool out_transit;
        enum iscsi_login_stage out_csg, out_nsg;

        /* initiator */
        bool awaiting;                  /* a request is out, its response not yet consumed */
        bool sent_transit;              /* the last request had T set */
        enum iscsi_login_stage sent_nsg;
        bool chap_responded;            /* we answered the target's challenge */
        uint32_t exp_statsn;
        enum iscsi_auth_method auth;

        /* target */
        struct iscsi_login_target_config tcfg; /* operational = &toper */
        struct iscsi_keys toper;
        bool have_first_header;         /* ISID/TSIH/CID of the first request recorded */
        bool have_first_text;           /* policy checks done */
        bool auth_required;
        bool done_after_send;           /* the last chunk of tx completes the login */
        uint32_t statsn;
        char *initiator_name;
        char *target_name;
};

/* Record why the login failed (first failure wins) and mark it over. */
int iscsi_login_fail(struct iscsi_login *l, enum iscsi_login_failure f, uint16_t status, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
/* Serialise keys into l->tx (replacing what was there). */
int iscsi_login_set_text(struct iscsi_login *l, const struct iscsi_keys *keys);
