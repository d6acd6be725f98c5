/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SendTargets answers: every enabled target and its portals. A wildcard portal (0.0.0.0,
 * [::]) is advertised as the address this connection actually reached, so an initiator
 * behind NAT (or a VM reaching the host as 10.0.2.2) gets an address it can use. */
#include <arpa/inet.h>
#include <strings.h>

#include "discovery.h"
#include "iscsi-proto/sendtargets.h"

static const char *portal_host(const TcPortal *p, const Conn *c, char *buf, size_t size) {
        const char *ip = p->ip_address;
        size_t l = strlen(ip);

        if (streq(ip, "0.0.0.0") || streq(ip, "[::]") || streq(ip, "::")) {
                if (c->local_sa.ss_family == AF_INET)
                        return inet_ntop(AF_INET, &((const struct sockaddr_in *) &c->local_sa)->sin_addr, buf, size);
                if (c->local_sa.ss_family == AF_INET6)
                        return inet_ntop(AF_INET6, &((const struct sockaddr_in6 *) &c->local_sa)->sin6_addr, buf, size);
                return NULL;
        }
        if (ip[0] == '[' && l >= 2 && l - 2 < size) {
                memcpy(buf, ip + 1, l - 2);
                buf[l - 2] = 0;
                return buf;
        }
        return ip;
}

static int add_target(struct iscsi_st_list *l, const TcTarget *t, const Conn *c) {
        bool added = false;
        int r;

        for (size_t i = 0; i < t->n_tpgs; i++) {
                const TcTpg *tpg = t->tpgs[i];
                if (!tpg->enable)
                        continue;
                if (!added) {
                        r = iscsi_st_list_add_target(l, t->wwn);
                        if (r < 0)
                                return r;
                        added = true;
                }
                for (size_t j = 0; j < tpg->n_portals; j++) {
                        char buf[INET6_ADDRSTRLEN];
                        const char *host = portal_host(tpg->portals[j], c, buf, sizeof(buf));
                        if (!host)
                                continue;
                        r = iscsi_st_list_add_portal(l, host, tpg->portals[j]->port, tpg->tag);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int discovery_build(const Session *s, const Conn *c, const char *value, uint8_t **ret, size_t *ret_len) {
        _cleanup_st_list_ struct iscsi_st_list l = {};
        const TargetConfig *cfg;
        Daemon *d = s->daemon;
        int r = 0;

        pthread_mutex_lock(&d->lock);
        cfg = d->runtime->cfg;
        if (streq(value, "All")) {
                /* RFC 7143 §4.3: "All" only in discovery sessions. */
                if (s->discovery)
                        for (size_t i = 0; r >= 0 && i < cfg->n_targets; i++)
                                r = add_target(&l, cfg->targets[i], c);
        } else {
                const char *name = value[0] ? value : s->target;
                const TcTarget *t = name ? tc_config_find_target(cfg, name) : NULL;
                if (t && (s->discovery || strcasecmp(t->wwn, s->target) == 0))
                        r = add_target(&l, t, c);
        }
        pthread_mutex_unlock(&d->lock);
        if (r < 0)
                return r;
        if (l.n_targets == 0) {
                *ret = NULL;
                *ret_len = 0;
                return 0;
        }
        return iscsi_sendtargets_build(&l, ret, ret_len);
}
