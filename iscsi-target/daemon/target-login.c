/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Login policy: which targets exist on the portal the initiator connected to, who may log in,
 * which CHAP credentials apply, and session binding (TSIH). Everything is looked up in the
 * running configuration under Daemon.lock and copied, so a reload during a login is safe. */
#include <arpa/inet.h>
#include <strings.h>

#include "iscsi-proto/chap.h"
#include "iscsi-session.h"
#include "log.h"
#include "target-login.h"

/* What this target offers or accepts unless a TPG's parameters say otherwise. Large segments
 * and bursts and unsolicited data keep the data path efficient (issue 6). */
static const struct {
        const char *key, *value;
} portal_defaults[] = {
        { "HeaderDigest", "CRC32C,None" },
        { "DataDigest", "CRC32C,None" },
        { "MaxRecvDataSegmentLength", "262144" },
        { "MaxBurstLength", "16776192" },
        { "FirstBurstLength", "262144" },
        { "MaxOutstandingR2T", "8" },
        { "ImmediateData", "Yes" },
        { "InitialR2T", "No" },
        { "MaxConnections", "1" },
        { "ErrorRecoveryLevel", "0" },
};

/* TPG "parameters" that are negotiation limits (others, like AuthMethod or TargetAlias, are
 * decided by the policy itself). */
static const char *const tpg_negotiation_keys[] = {
        "HeaderDigest", "DataDigest", "MaxRecvDataSegmentLength", "MaxBurstLength",
        "FirstBurstLength", "MaxOutstandingR2T", "ImmediateData", "InitialR2T",
        "DefaultTime2Wait", "DefaultTime2Retain", "DataPDUInOrder", "DataSequenceInOrder",
};

void target_login_clear(TargetLogin *ls) {
        erase_and_freep(&ls->chap_user);
        erase_and_freep(&ls->chap_secret);
        erase_and_freep(&ls->mutual_user);
        erase_and_freep(&ls->mutual_secret);
        ls->chap_user = ls->chap_secret = ls->mutual_user = ls->mutual_secret = NULL;
        iscsi_keys_clear(&ls->target_ops);
        iscsi_keys_clear(&ls->portal_ops);
}

/* Does a configured portal address cover the address this connection arrived on? */
static bool portal_matches(const TcPortal *p, const Conn *c) {
        char local[INET6_ADDRSTRLEN], want[INET6_ADDRSTRLEN + 2];
        uint16_t port;
        const char *ip = p->ip_address;
        size_t l = strlen(ip);

        if (c->local_sa.ss_family == AF_INET) {
                const struct sockaddr_in *a = (const struct sockaddr_in *) &c->local_sa;
                port = ntohs(a->sin_port);
                inet_ntop(AF_INET, &a->sin_addr, local, sizeof(local));
                if (port != p->port)
                        return false;
                return streq(ip, "0.0.0.0") || streq(ip, local);
        }
        if (c->local_sa.ss_family == AF_INET6) {
                const struct sockaddr_in6 *a = (const struct sockaddr_in6 *) &c->local_sa;
                port = ntohs(a->sin6_port);
                inet_ntop(AF_INET6, &a->sin6_addr, local, sizeof(local));
                if (port != p->port)
                        return false;
                if (streq(ip, "[::]") || streq(ip, "::"))
                        return true;
                if (ip[0] == '[' && l >= 2 && l - 2 < sizeof(want)) {
                        memcpy(want, ip + 1, l - 2);
                        want[l - 2] = 0;
                        ip = want;
                }
                return strcasecmp(ip, local) == 0;
        }
        return false;
}

/* The enabled TPG of target_name reachable through this connection's portal. */
static const TcTpg *find_tpg_locked(const TargetLogin *tl, const char *target_name) {
        const TcTarget *t = tc_config_find_target(tl->d->runtime->cfg, target_name);

        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_tpgs; i++) {
                const TcTpg *tpg = t->tpgs[i];
                if (!tpg->enable)
                        continue;
                for (size_t j = 0; j < tpg->n_portals; j++)
                        if (portal_matches(tpg->portals[j], tl->c))
                                return tpg;
        }
        return NULL;
}

static int policy_lookup_target(void *userdata, const char *target_name, struct iscsi_login_target_info *info) {
        TargetLogin *tl = userdata;
        const TcTpg *tpg;
        int r = 0;

        pthread_mutex_lock(&tl->d->lock);
        tpg = find_tpg_locked(tl, target_name);
        if (!tpg)
                r = -ENOENT;
        else {
                iscsi_keys_clear(&tl->target_ops);
                for (size_t i = 0; i < ELEMENTSOF(tpg_negotiation_keys); i++) {
                        const char *v = tc_attr_get(&tpg->parameters, tpg_negotiation_keys[i]);
                        if (v && iscsi_keys_add(&tl->target_ops, tpg_negotiation_keys[i], v) < 0)
                                log_warning("target %s: ignoring parameter %s=%s", target_name,
                                            tpg_negotiation_keys[i], v);
                }
                info->operational = &tl->target_ops;
                /* Normally known from the first PDU already; if TargetName only came in a
                 * continued PDU, the session still binds to the right TPG. */
                tl->tpgt = tpg->tag;
        }
        pthread_mutex_unlock(&tl->d->lock);
        return r;
}

static int policy_authorize(void *userdata, const char *initiator, const char *target_name) {
        TargetLogin *tl = userdata;
        const TcTpg *tpg;
        int r = 0;

        if (!target_name)
                return 0;       /* discovery: anyone who passes discovery auth */
        pthread_mutex_lock(&tl->d->lock);
        tpg = find_tpg_locked(tl, target_name);
        if (!tpg)
                r = -EACCES;
        else if (!tc_tpg_find_acl(tpg, initiator) && !tc_tpg_generate_node_acls(tpg))
                r = -EACCES;
        pthread_mutex_unlock(&tl->d->lock);
        return r;
}

static int dup_secret(char **dst, const char *src) {
        erase_and_freep(dst);
        *dst = NULL;
        if (!src || !*src)
                return 0;
        *dst = strdup(src);
        return *dst ? 0 : -ENOMEM;
}

static int policy_get_auth(void *userdata, const char *initiator, const char *target_name,
                           struct iscsi_login_target_auth *ret) {
        TargetLogin *tl = userdata;
        TargetLogin *ls = tl;
        const TcChap *chap = NULL;
        bool require = false;
        int r = 0;

        pthread_mutex_lock(&tl->d->lock);
        if (!target_name) {
                const TcFabricModule *fm = tc_config_find_fabric_module(tl->d->runtime->cfg, "iscsi");
                if (fm && fm->discovery_enable_auth) {
                        require = true;
                        chap = &fm->discovery_chap;
                }
        } else {
                const TcTpg *tpg = find_tpg_locked(tl, target_name);
                const TcNodeAcl *acl = tpg ? tc_tpg_find_acl(tpg, initiator) : NULL;
                if (!tpg)
                        r = -EACCES;
                else {
                        chap = acl ? &acl->chap : &tpg->chap;
                        /* An ACL with credentials always authenticates, even when the TPG's
                         * authentication attribute was left at 0. */
                        require = tc_tpg_authentication(tpg) || (chap->userid && chap->password);
                }
        }
        if (r == 0 && chap) {
                r = dup_secret(&ls->chap_user, chap->userid);
                if (r == 0)
                        r = dup_secret(&ls->chap_secret, chap->password);
                if (r == 0)
                        r = dup_secret(&ls->mutual_user, chap->mutual_userid);
                if (r == 0)
                        r = dup_secret(&ls->mutual_secret, chap->mutual_password);
        }
        pthread_mutex_unlock(&tl->d->lock);
        if (r < 0)
                return r;

        *ret = (struct iscsi_login_target_auth) {
                .require_chap = require,
                .chap = {
                        .username = ls->chap_user,
                        .secret = ls->chap_secret,
                        .mutual_username = ls->mutual_user,
                        .mutual_secret = ls->mutual_secret,
                },
        };
        return 0;
}

static int policy_bind_session(void *userdata, const char *initiator, const uint8_t isid[6], uint16_t tsih,
                               const struct iscsi_params *params, uint16_t *ret_tsih) {
        TargetLogin *tl = userdata;

        if (tsih != 0)
                /* MaxConnections=1: no connection can join an existing session. */
                return session_tsih_exists(tl->d, tsih) ? -EUSERS : -ENOENT;
        *ret_tsih = session_alloc_tsih(tl->d);
        return 0;
}

int target_login_start(TargetLogin *tl, Daemon *d, const Conn *c, const void *data, size_t len,
                       struct iscsi_login **ret) {
        _cleanup_keys_ struct iscsi_keys keys = {};
        const char *target_name = NULL;
        struct iscsi_login_target_config cfg;
        uint32_t statsn;
        int r;

        tl->d = d;
        tl->c = c;
        tl->tpgt = 1;
        /* The TPG tag is declared during login, so find the TPG from the first PDU. */
        if (data && iscsi_keys_parse(data, len, &keys) >= 0)
                target_name = iscsi_keys_get(&keys, "TargetName");
        if (target_name) {
                pthread_mutex_lock(&tl->d->lock);
                const TcTpg *tpg = find_tpg_locked(tl, target_name);
                if (tpg)
                        tl->tpgt = tpg->tag;
                pthread_mutex_unlock(&tl->d->lock);
        }

        for (size_t i = 0; i < ELEMENTSOF(portal_defaults); i++) {
                r = iscsi_keys_add(&tl->portal_ops, portal_defaults[i].key, portal_defaults[i].value);
                if (r < 0)
                        return r;
        }

        (void) iscsi_chap_random(&statsn, sizeof(statsn));
        cfg = (struct iscsi_login_target_config) {
                .tpgt = tl->tpgt,
                .initial_statsn = statsn,
                .cmdsn_window = SESSION_CMD_WINDOW,
                .operational = &tl->portal_ops,
                .policy = {
                        .lookup_target = policy_lookup_target,
                        .authorize = policy_authorize,
                        .get_auth = policy_get_auth,
                        .bind_session = policy_bind_session,
                        .userdata = tl,
                },
        };
        return iscsi_login_target_new(&cfg, ret);
}
