/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iSNS registration of the target's entity, portals, nodes and portal groups; see isns.h.
 * A registration runs in its own thread (connect and reply bounded by ISNS_CALL_TIMEOUT_MS),
 * which reads the configuration under Daemon.lock like the workers, and reports back through
 * a pipe, so the main loop never waits for the server. The deregistration at exit is a direct
 * call. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "iscsi-node/isns-client.h"
#include "isns.h"
#include "log.h"
#include "runtime.h"

#define ISNS_CALL_TIMEOUT_MS 3000
#define ISNS_RETRY_USEC (10 * 1000000ULL)
#define ISNS_MIN_REFRESH_USEC (2 * 1000000ULL)

struct IsnsRegistrar {
        Daemon *daemon;
        sd_event *event;
        char *host;
        int port;
        char entity[256];
        sd_event_source *timer, *done_io;
        int done_pipe[2];               /* the registration thread writes one byte when done */
        pthread_t thread;
        bool busy, again;               /* a thread runs; a refresh was asked for meanwhile */
        int result;                     /* of the last thread: 0 or negative errno */
        uint32_t period;                /* granted by the server */
        uint16_t xid;                   /* used by one thread at a time */
        bool registered;
};

static int parse_server(const char *s, char **ret_host, int *ret_port) {
        const char *colon = NULL, *start = s, *end;
        char *host;
        int port = ISNS_DEFAULT_PORT;

        if (s[0] == '[') {
                end = strchr(s, ']');
                if (!end)
                        return -EINVAL;
                start = s + 1;
                colon = end[1] == ':' ? end + 1 : NULL;
                if (!colon && end[1])
                        return -EINVAL;
        } else {
                colon = strchr(s, ':');
                if (colon && strchr(colon + 1, ':'))
                        colon = NULL; /* a bare IPv6 address */
                end = colon ?: s + strlen(s);
        }
        if (colon) {
                char *e;
                long p = strtol(colon + 1, &e, 10);
                if (*e || p < 1 || p > 65535)
                        return -EINVAL;
                port = (int) p;
        }
        if (end == start)
                return -EINVAL;
        host = strndup(start, (size_t) (end - start));
        if (!host)
                return -ENOMEM;
        *ret_host = host;
        *ret_port = port;
        return 0;
}

/* "[::1]" -> "::1"; a wildcard becomes the address we reach the server from. */
static void portal_address(const char *ip, const char *local, char *buf, size_t size) {
        size_t n = strlen(ip);

        if (streq(ip, "0.0.0.0") || streq(ip, "[::]") || streq(ip, "::"))
                snprintf(buf, size, "%s", local);
        else if (n >= 2 && ip[0] == '[' && ip[n - 1] == ']')
                snprintf(buf, size, "%.*s", (int) (n - 2), ip + 1);
        else
                snprintf(buf, size, "%s", ip);
}

/* The entity as the configuration has it now; builds the DevAttrReg (or DevDereg). */
static int build_msg(IsnsRegistrar *r, const char *local, bool dereg, struct iscsi_isns_msg *ret) {
        _cleanup_free_ TcPortalRef *refs = NULL;
        _cleanup_free_ struct iscsi_isns_pg *pgs = NULL;
        _cleanup_free_ const char **targets = NULL;
        _cleanup_free_ char *addrs = NULL;
        const TargetConfig *cfg = r->daemon->runtime->cfg;
        struct iscsi_isns_entity e = { .entity_id = r->entity };
        size_t n = 0;
        int k;

        k = tc_config_list_portals(cfg, &refs, &n);
        if (k < 0)
                return k;
        pgs = calloc(n + 1, sizeof(*pgs));
        targets = calloc(cfg->n_targets + 1, sizeof(char *));
        addrs = calloc(n + 1, INET6_ADDRSTRLEN);
        if (!pgs || !targets || !addrs)
                return -ENOMEM;
        for (size_t i = 0; i < cfg->n_targets; i++)
                targets[e.n_targets++] = cfg->targets[i]->wwn;
        for (size_t i = 0; i < n; i++) {
                char *a = addrs + i * INET6_ADDRSTRLEN;
                if (!refs[i].tpg->enable)
                        continue;
                portal_address(refs[i].portal->ip_address, local, a, INET6_ADDRSTRLEN);
                pgs[e.n_pgs++] = (struct iscsi_isns_pg) { refs[i].target->wwn, a, refs[i].portal->port,
                                                         refs[i].tpg->tag };
        }
        e.targets = targets;
        e.pgs = pgs;
        return dereg ? iscsi_isns_build_entity_dereg(r->xid++, &e, ret)
                     : iscsi_isns_build_entity_reg(r->xid++, &e, ret);
}

/* One exchange with the server; *ret_period is the granted period (0 if none). */
static int exchange(IsnsRegistrar *r, bool dereg, uint32_t *ret_period) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_isns_msg_ struct iscsi_isns_msg req = {}, rsp = {};
        char local[INET6_ADDRSTRLEN];
        uint32_t period = 0;
        int k;

        k = node_isns_connect(r->host, r->port, ISNS_CALL_TIMEOUT_MS, &fd);
        if (k < 0)
                return k;
        k = node_isns_local_address(fd, local, sizeof(local));
        if (k < 0)
                return k;
        pthread_mutex_lock(&r->daemon->lock);
        k = build_msg(r, local, dereg, &req);
        pthread_mutex_unlock(&r->daemon->lock);
        if (k == -EINVAL && !dereg)
                return -ENODATA; /* no targets: nothing to register */
        if (k >= 0)
                k = node_isns_call(fd, &req, ISNS_CALL_TIMEOUT_MS, &rsp);
        if (k < 0)
                return k;
        if (rsp.status != ISNS_STATUS_SUCCESS) {
                log_warning("iSNS server %s:%d: %s", r->host, r->port, iscsi_isns_status_name(rsp.status));
                return -EPROTO;
        }
        (void) iscsi_isns_granted_period(&rsp, &period);
        *ret_period = period;
        return 0;
}

static void *registration_thread(void *userdata) {
        IsnsRegistrar *r = userdata;
        char b = 1;

        r->period = 0;
        r->result = exchange(r, false, &r->period);
        while (write(r->done_pipe[1], &b, 1) < 0 && errno == EINTR)
                ;
        return NULL;
}

static void schedule(IsnsRegistrar *r, uint64_t usec) {
        uint64_t now;

        (void) sd_event_now(r->event, CLOCK_MONOTONIC, &now);
        (void) sd_event_source_set_time(r->timer, now + usec);
        (void) sd_event_source_set_enabled(r->timer, SD_EVENT_ONESHOT);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        IsnsRegistrar *r = userdata;
        int k;

        if (r->busy) {
                r->again = true;
                return 0;
        }
        k = -pthread_create(&r->thread, NULL, registration_thread, r);
        if (k < 0) {
                log_warning("iSNS: cannot start the registration: %s; retrying", strerror(-k));
                schedule(r, ISNS_RETRY_USEC);
                return 0;
        }
        r->busy = true;
        return 0;
}

static int on_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        IsnsRegistrar *r = userdata;
        uint64_t next = ISNS_RETRY_USEC;
        char b;

        if (read(fd, &b, 1) != 1 || !r->busy)
                return 0;
        (void) pthread_join(r->thread, NULL);
        r->busy = false;
        if (r->result == -ENODATA)
                log_debug("iSNS: no targets to register");
        else if (r->result < 0)
                log_warning("iSNS registration with %s:%d failed: %s; retrying", r->host, r->port,
                            strerror(-r->result));
        else {
                if (!r->registered)
                        log_info("registered entity %s with iSNS server %s:%d (period %us)", r->entity, r->host,
                                 r->port, r->period);
                r->registered = true;
                /* refresh well before the server's registration period runs out */
                next = r->period > 0 ? MAX((uint64_t) r->period * 1000000ULL * 2 / 3, ISNS_MIN_REFRESH_USEC)
                                     : 60 * 1000000ULL;
        }
        schedule(r, r->again ? 0 : next);
        r->again = false;
        return 0;
}

int isns_registrar_new(sd_event *event, Daemon *d, const char *server, IsnsRegistrar **ret) {
        IsnsRegistrar *r;
        char host[200] = "localhost";
        int k;

        if (!server || !*server) {
                *ret = NULL;
                return 0;
        }
        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->daemon = d;
        r->event = event;
        r->done_pipe[0] = r->done_pipe[1] = -EBADF;
        k = parse_server(server, &r->host, &r->port);
        if (k < 0) {
                log_error("invalid iSNS server '%s' (expected HOST, HOST:PORT or [IPv6]:PORT)", server);
                free(r);
                return k;
        }
        (void) gethostname(host, sizeof(host) - 1);
        snprintf(r->entity, sizeof(r->entity), "iscsi-targetd:%s", host);
        (void) getrandom(&r->xid, sizeof(r->xid), GRND_NONBLOCK);
        k = pipe2(r->done_pipe, O_CLOEXEC | O_NONBLOCK) < 0 ? -errno : 0;
        if (k >= 0)
                k = sd_event_add_io(event, &r->done_io, r->done_pipe[0], EPOLLIN, on_done, r);
        if (k >= 0)
                k = sd_event_add_time_relative(event, &r->timer, CLOCK_MONOTONIC, 0, 0, on_timer, r);
        if (k < 0) {
                isns_registrar_free(r);
                return k;
        }
        *ret = r;
        return 0;
}

void isns_registrar_refresh(IsnsRegistrar *r) {
        if (r)
                schedule(r, 0);
}

IsnsRegistrar *isns_registrar_free(IsnsRegistrar *r) {
        uint32_t period;
        int k;

        if (!r)
                return NULL;
        if (r->busy) /* bounded by the client timeouts */
                (void) pthread_join(r->thread, NULL);
        if (r->registered || (r->busy && r->result >= 0)) {
                k = exchange(r, true, &period);
                if (k < 0)
                        log_warning("iSNS deregistration from %s:%d failed: %s", r->host, r->port, strerror(-k));
                else
                        log_info("deregistered entity %s from iSNS server %s:%d", r->entity, r->host, r->port);
        }
        sd_event_source_unref(r->timer);
        sd_event_source_unref(r->done_io);
        safe_close(r->done_pipe[0]);
        safe_close(r->done_pipe[1]);
        free(r->host);
        free(r);
        return NULL;
}
