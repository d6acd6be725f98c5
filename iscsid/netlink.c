/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NETLINK_ISCSI with libnl-3. One socket serves both directions: requests are answered
 * synchronously (the kernel handles them inside sendmsg, the reply is queued by the time the
 * send returns), and the same socket is a member of the iscsid multicast group because the
 * kernel multicasts GET_STATS replies there together with its events. Events read while a
 * request waits for its reply are queued and delivered from a deferred event source, so the
 * owner never sees an event re-entrantly in the middle of a request. What the bytes mean is
 * netlink-decode.c's business; this file only moves them and dispatches.
 */

#include <errno.h>
#include <inttypes.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi-util/macro.h"
#include "netlink-decode.h"
#include "netlink.h"
#include "iscsi-node/sysfs-session.h"

/* Socket buffers: a burst of kernel events (many sessions failing at once) must not overflow. */
#define NETLINK_RCVBUF (4 * 1024 * 1024)
#define NETLINK_SNDBUF (1024 * 1024)

#define REQUEST_TIMEOUT_MS 30000

struct queued_event {
        struct queued_event *next;
        struct kernel_event ev;
        uint8_t pdu[];
};

struct netlink_transport {
        struct kernel_transport base;   /* first: the ops cast back to us */
        struct nl_sock *sock;
        uint64_t handle;
        sd_event_source *io, *defer;
        struct queued_event *head, *tail;
};

static struct netlink_transport *NT(struct kernel_transport *t) {
        return (struct netlink_transport *) t;
}

int netlink_read_transport_handle(const char *name, uint64_t *ret) {
        char path[512];
        snprintf(path, sizeof path, "%s/class/iscsi_transport/%s/handle", node_sysfs_root(), name);
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f)
                return -errno;
        unsigned long long h;
        if (fscanf(f, "%llu", &h) != 1)
                return -EIO;
        *ret = h;
        return 0;
}

static void queue_event(struct netlink_transport *nt, const struct kernel_event *ev) {
        struct queued_event *q = malloc(sizeof *q + ev->pdu_len);
        if (!q)
                return;
        q->next = NULL;
        q->ev = *ev;
        if (ev->pdu_len > 0)
                memcpy(q->pdu, ev->pdu, ev->pdu_len);
        q->ev.pdu = ev->pdu_len > 0 ? q->pdu : NULL;
        if (nt->tail)
                nt->tail->next = q;
        else
                nt->head = q;
        nt->tail = q;
        if (nt->defer)
                sd_event_source_set_enabled(nt->defer, SD_EVENT_ONESHOT);
}

/* The request waiting for its answer, and what came back. */
struct reply_match {
        uint32_t type;          /* the request type we wait for */
        uint32_t sid, cid;      /* GET_STATS: which connection */
        bool done;
        int error;
        struct kiscsi_uevent ev;
        struct iscsid_stat *stats;      /* GET_STATS: the decoded counters, malloc()ed */
        size_t n_stats;
};

/* Whether msg answers the request m waits for; if so, m is done. */
static bool match_reply(struct reply_match *m, const struct netlink_msg *msg) {
        if (m->type != KISCSI_UEVENT_GET_STATS) {
                if (msg->kind != NETLINK_MSG_REPLY || msg->request != m->type)
                        return false;
                m->ev = msg->uevent;
                m->error = msg->error;
        } else if (msg->kind == NETLINK_MSG_REPLY && msg->request == m->type && msg->error < 0)
                m->error = msg->error; /* GET_STATS answers on success only by multicast */
        else if (msg->kind == NETLINK_MSG_STATS && msg->uevent.u.get_stats.sid == m->sid &&
                 msg->uevent.u.get_stats.cid == m->cid)
                m->error = netlink_stats_decode(msg->payload, msg->payload_len, &m->stats, &m->n_stats);
        else
                return false;
        m->done = true;
        return true;
}

/* Everything in one received buffer: the awaited reply to m, events to the queue. Malformed
 * messages are dropped. */
static void process_buffer(struct netlink_transport *nt, const uint8_t *buf, size_t len, struct reply_match *m) {
        struct netlink_reader rd = netlink_reader_make(buf, len);
        struct netlink_msg msg;
        int r;
        while ((r = netlink_reader_next(&rd, &msg)) != 0) {
                if (r < 0)
                        continue;
                if (m && !m->done && match_reply(m, &msg))
                        continue;
                if (msg.kind == NETLINK_MSG_EVENT)
                        queue_event(nt, &msg.event);
        }
}

static int read_once(struct netlink_transport *nt, struct reply_match *m) {
        struct sockaddr_nl peer;
        unsigned char *buf = NULL;
        int n = nl_recv(nt->sock, &peer, &buf, NULL);
        if (n < 0) {
                free(buf);
                /* Lost multicast messages (-NLE_NOMEM for ENOBUFS) are not fatal. */
                return n == -NLE_AGAIN ? -EAGAIN : -EIO;
        }
        process_buffer(nt, buf, (size_t) n, m);
        free(buf);
        return 0;
}

static int request(struct netlink_transport *nt, struct kiscsi_uevent *ev, const void *p1, size_t l1,
                   const void *p2, size_t l2, struct reply_match *m) {
        ev->transport_handle = nt->handle;
        size_t len = NLMSG_SPACE(sizeof *ev + l1 + l2);
        _cleanup_free_ uint8_t *buf = calloc(1, len);
        if (!buf)
                return -ENOMEM;
        struct nlmsghdr *nlh = (struct nlmsghdr *) buf;
        nlh->nlmsg_len = NLMSG_LENGTH(sizeof *ev + l1 + l2);
        nlh->nlmsg_type = (uint16_t) ev->type;
        nlh->nlmsg_flags = NLM_F_REQUEST;
        uint8_t *p = NLMSG_DATA(nlh);
        memcpy(p, ev, sizeof *ev);
        if (l1)
                memcpy(p + sizeof *ev, p1, l1);
        if (l2)
                memcpy(p + sizeof *ev + l1, p2, l2);

        m->type = ev->type;
        int r = nl_sendto(nt->sock, buf, nlh->nlmsg_len);
        explicit_bzero(buf, len); /* SET_PARAM may carry a CHAP secret */
        if (r < 0)
                return r == -NLE_PERM ? -EPERM : -EIO;

        while (!m->done) {
                struct pollfd pfd = { .fd = nl_socket_get_fd(nt->sock), .events = POLLIN };
                r = poll(&pfd, 1, REQUEST_TIMEOUT_MS);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -errno;
                if (r == 0)
                        return -ETIMEDOUT;
                r = read_once(nt, m);
                if (r < 0 && r != -EAGAIN && r != -EIO)
                        return r;
        }
        return m->error;
}

static int simple(struct kernel_transport *t, struct kiscsi_uevent *ev, const void *p, size_t l, int32_t *ret_code) {
        struct reply_match m = {};
        int r = request(NT(t), ev, p, l, NULL, 0, &m);
        if (r < 0)
                return r;
        if (ret_code)
                *ret_code = m.ev.r.retcode;
        *ev = m.ev;
        return 0;
}

static int nl_create_session(struct kernel_transport *t, uint32_t initial_cmdsn, uint16_t cmds_max,
                             uint16_t queue_depth, uint32_t *ret_sid, uint32_t *ret_host_no) {
        struct kiscsi_uevent ev = { .type = KISCSI_UEVENT_CREATE_SESSION };
        ev.u.c_session.initial_cmdsn = initial_cmdsn;
        ev.u.c_session.cmds_max = cmds_max;
        ev.u.c_session.queue_depth = queue_depth;
        int r = simple(t, &ev, NULL, 0, NULL);
        if (r < 0)
                return r;
        *ret_sid = ev.r.c_session_ret.sid;
        *ret_host_no = ev.r.c_session_ret.host_no;
        return 0;
}

static int nl_destroy_session(struct kernel_transport *t, uint32_t sid) {
        struct kiscsi_uevent ev = { .type = KISCSI_UEVENT_DESTROY_SESSION };
        ev.u.d_session.sid = sid;
        return simple(t, &ev, NULL, 0, NULL);
}

static int nl_create_conn(struct kernel_transport *t, uint32_t sid, uint32_t *ret_cid) {
        struct kiscsi_uevent ev = { .type = KISCSI_UEVENT_CREATE_CONN };
        ev.u.c_conn.sid = sid;
        ev.u.c_conn.cid = 0;
        int r = simple(t, &ev, NULL, 0, NULL);
        if (r < 0)
                return r;
        if (ev.r.c_conn_ret.sid != sid)
                return -EIO;
        *ret_cid = ev.r.c_conn_ret.cid;
        return 0;
}

static int nl_destroy_conn(struct kernel_transport *t, uint32_t sid, uint32_t cid) {
        struct kiscsi_uevent ev = { .type = KISCSI_UEVENT_DESTROY_CONN };
        ev.u.d_conn.sid = sid;
        ev.u.d_conn.cid = cid;
        return simple(t, &ev, NULL, 0, NULL);
}

static int nl_bind_conn(struct kernel_transport *t, uint32_t sid, uint32_t cid, int fd) {
        struct kiscsi_uevent ev = { .type = KISCSI_UEVENT_BIND_CONN };
        ev.u.b_conn.sid = sid;
        ev.u.b_conn.cid = cid;
        ev.u.b_conn.transport_eph = (uint64_t) fd;
        ev.u.b_conn.is_leading = 1;
        int32_t rc = 0;
        int r = simple(t, &ev, NULL, 0, &rc);
        if (r < 0)
                return r;
        return rc < 0 ? rc : rc > 0 ? -rc : 0;
}

static int nl_set_param(struct kernel_transport *t, uint32_t sid, uint32_t cid, enum kiscsi_param param,
                        const char *value) {
        struct kiscsi_uevent ev = { .type = KISCSI_UEVENT_SET_PARAM };
        size_t len = strlen(value) + 1;
        ev.u.set_param.sid = sid;
        ev.u.set_param.cid = cid;
        ev.u.set_param.param = param;
        ev.u.set_param.len = (uint32_t) len;
        return simple(t, &ev, value, len, NULL);
}

static int nl_start_conn(struct kernel_transport *t, uint32_t sid, uint32_t cid) {
        struct kiscsi_uevent ev = { .type = KISCSI_UEVENT_START_CONN };
        ev.u.start_conn.sid = sid;
        ev.u.start_conn.cid = cid;
        int32_t rc = 0;
        int r = simple(t, &ev, NULL, 0, &rc);
        if (r < 0)
                return r;
        return rc < 0 ? rc : rc > 0 ? -rc : 0;
}

static int nl_stop_conn(struct kernel_transport *t, uint32_t sid, uint32_t cid, int flag) {
        struct kiscsi_uevent ev = { .type = KISCSI_UEVENT_STOP_CONN };
        ev.u.stop_conn.sid = sid;
        ev.u.stop_conn.cid = cid;
        ev.u.stop_conn.flag = (uint32_t) flag;
        return simple(t, &ev, NULL, 0, NULL);
}

static int nl_send_pdu(struct kernel_transport *t, uint32_t sid, uint32_t cid, const void *hdr, size_t hdr_len,
                       const void *data, size_t data_len) {
        struct kiscsi_uevent ev = { .type = KISCSI_UEVENT_SEND_PDU };
        ev.u.send_pdu.sid = sid;
        ev.u.send_pdu.cid = cid;
        ev.u.send_pdu.hdr_size = (uint32_t) hdr_len;
        ev.u.send_pdu.data_size = (uint32_t) data_len;
        struct reply_match m = {};
        int r = request(NT(t), &ev, hdr, hdr_len, data, data_len, &m);
        if (r < 0)
                return r;
        int32_t rc = m.ev.r.retcode;
        return rc < 0 ? rc : rc > 0 ? -rc : 0;
}

static int nl_get_stats(struct kernel_transport *t, uint32_t sid, uint32_t cid, struct iscsid_stat **ret,
                        size_t *ret_n) {
        struct kiscsi_uevent ev = { .type = KISCSI_UEVENT_GET_STATS };
        ev.u.get_stats.sid = sid;
        ev.u.get_stats.cid = cid;
        struct reply_match m = { .sid = sid, .cid = cid };
        int r = request(NT(t), &ev, NULL, 0, NULL, 0, &m);
        if (r < 0)
                return r;
        *ret = m.stats;
        *ret_n = m.n_stats;
        return 0;
}

static void nl_free(struct kernel_transport *t) {
        struct netlink_transport *nt = NT(t);
        sd_event_source_disable_unref(nt->io);
        sd_event_source_disable_unref(nt->defer);
        while (nt->head) {
                struct queued_event *q = nt->head;
                nt->head = q->next;
                free(q);
        }
        if (nt->sock)
                nl_socket_free(nt->sock);
        free(nt);
}

static const struct kernel_transport_ops netlink_ops = {
        .create_session = nl_create_session,
        .destroy_session = nl_destroy_session,
        .create_conn = nl_create_conn,
        .destroy_conn = nl_destroy_conn,
        .bind_conn = nl_bind_conn,
        .set_param = nl_set_param,
        .start_conn = nl_start_conn,
        .stop_conn = nl_stop_conn,
        .send_pdu = nl_send_pdu,
        .get_stats = nl_get_stats,
        .free = nl_free,
};

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct netlink_transport *nt = userdata;
        /* Drain what is there; the socket is non-blocking for this path. */
        for (int i = 0; i < 64; i++) {
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                if (poll(&pfd, 1, 0) <= 0)
                        break;
                if (read_once(nt, NULL) == -EAGAIN)
                        break;
        }
        return 0;
}

static int on_defer(sd_event_source *s, void *userdata) {
        struct netlink_transport *nt = userdata;
        /* Deliver what was queued; handlers may issue requests that queue more. */
        while (nt->head) {
                struct queued_event *q = nt->head;
                nt->head = q->next;
                if (!nt->head)
                        nt->tail = NULL;
                if (nt->base.on_event)
                        nt->base.on_event(&q->ev, nt->base.userdata);
                free(q);
        }
        return 0;
}

int netlink_transport_new(sd_event *e, kernel_event_handler_t on_event, void *userdata,
                          struct kernel_transport **ret) {
        struct netlink_transport *nt = calloc(1, sizeof *nt);
        if (!nt)
                return -ENOMEM;
        nt->base.ops = &netlink_ops;
        nt->base.on_event = on_event;
        nt->base.userdata = userdata;
        struct kernel_transport *t = &nt->base;

        nt->sock = nl_socket_alloc();
        if (!nt->sock) {
                nl_free(t);
                return -ENOMEM;
        }
        nl_socket_disable_seq_check(nt->sock);
        nl_socket_disable_auto_ack(nt->sock);
        int r = nl_connect(nt->sock, NETLINK_ISCSI);
        if (r < 0) {
                nl_free(t);
                /* libnl folds errno into its own codes; EPROTONOSUPPORT becomes NLE_PROTO_MISMATCH
                 * or NLE_OPNOTSUPP depending on the version: the kernel cannot do iSCSI. */
                return r == -NLE_PERM ? -EPERM : -EPROTONOSUPPORT;
        }
        r = nl_socket_add_membership(nt->sock, KISCSI_NL_GRP_ISCSID);
        if (r < 0) {
                nl_free(t);
                return -EPERM;
        }
        (void) nl_socket_set_buffer_size(nt->sock, NETLINK_RCVBUF, NETLINK_SNDBUF);
        (void) nl_socket_set_nonblocking(nt->sock);

        r = netlink_read_transport_handle("tcp", &nt->handle);
        if (r < 0) {
                nl_free(t);
                return r;
        }
        if (e) {
                r = sd_event_add_io(e, &nt->io, nl_socket_get_fd(nt->sock), EPOLLIN, on_io, nt);
                if (r >= 0)
                        r = sd_event_add_defer(e, &nt->defer, on_defer, nt);
                if (r < 0) {
                        nl_free(t);
                        return r;
                }
                sd_event_source_set_enabled(nt->defer, SD_EVENT_OFF);
                sd_event_source_set_priority(nt->io, SD_EVENT_PRIORITY_IMPORTANT);
        }
        *ret = t;
        return 0;
}
