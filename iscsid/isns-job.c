/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iSNS exchanges in a thread; see isns-job.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "iscsi-node/isns-client.h"
#include "isns-job.h"
#include "iscsi-util/macro.h"

struct isns_job *isns_job_new(const char *host, int port, const char *initiator, uint16_t scn_port,
                              bool do_register, uint16_t xid, void *userdata) {
        struct isns_job *j = calloc(1, sizeof(*j));

        if (!j)
                return NULL;
        *j = (struct isns_job) { .host = strdup(host), .port = port, .initiator = strdup(initiator),
                                 .scn_port = scn_port, .do_register = do_register, .xid = xid,
                                 .userdata = userdata };
        if (!j->host || !j->initiator)
                return isns_job_free(j);
        return j;
}

struct isns_job *isns_job_free(struct isns_job *j) {
        if (!j)
                return NULL;
        iscsi_st_list_clear(&j->targets);
        free(j->host);
        free(j->initiator);
        free(j);
        return NULL;
}

/* One request whose answer must be a success; -EPROTO with j->status otherwise. */
static int call(struct isns_job *j, int fd, int build, struct iscsi_isns_msg *req, struct iscsi_isns_msg *ret) {
        int k = build;

        if (k >= 0)
                k = node_isns_call(fd, req, NODE_ISNS_TIMEOUT_MS, ret);
        iscsi_isns_msg_clear(req);
        if (k >= 0 && ret->status != ISNS_STATUS_SUCCESS) {
                j->status = ret->status;
                k = -EPROTO;
        }
        return k;
}

/* The initiator with an SCN portal (our address toward the server), then SCNReg. */
static int register_scn(struct isns_job *j) {
        static const uint32_t bitmap = ISNS_SCN_OBJECT_ADDED | ISNS_SCN_OBJECT_REMOVED | ISNS_SCN_OBJECT_UPDATED |
                                       ISNS_SCN_DD_MEMBER_ADDED | ISNS_SCN_DD_MEMBER_REMOVED;
        _cleanup_close_ int fd = -EBADF;
        _cleanup_isns_msg_ struct iscsi_isns_msg rsp = {}, rsp2 = {};
        struct iscsi_isns_msg req = {};
        char local[INET6_ADDRSTRLEN];
        int k;

        k = node_isns_connect(j->host, j->port, NODE_ISNS_TIMEOUT_MS, &fd);
        if (k >= 0)
                k = node_isns_local_address(fd, local, sizeof(local));
        if (k >= 0)
                k = call(j, fd, iscsi_isns_build_initiator_scn_reg(j->xid++, j->initiator, local, j->scn_port, &req),
                         &req, &rsp);
        if (k >= 0)
                k = call(j, fd, iscsi_isns_build_scn_reg(j->xid++, j->initiator, bitmap, &req), &req, &rsp2);
        if (k >= 0 && iscsi_isns_granted_period(&rsp, &j->period) < 0)
                j->period = 0;
        return k;
}

static void *job_thread(void *p) {
        struct isns_job *j = p;

        j->reg_error = j->do_register ? register_scn(j) : 0;
        j->query_error = j->reg_error < 0 ? j->reg_error
                                          : node_isns_discover_targets(j->host, j->port, j->initiator, &j->targets,
                                                                       &j->status);
        /* a pointer is well below PIPE_BUF: the write is atomic */
        while (write(j->notify_fd, &j, sizeof(j)) < 0 && errno == EINTR)
                ;
        return NULL;
}

int isns_job_start(struct isns_job *j, int notify_fd) {
        pthread_attr_t attr;
        pthread_t t;
        int k;

        j->notify_fd = notify_fd;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        k = -pthread_create(&t, &attr, job_thread, j);
        pthread_attr_destroy(&attr);
        return k;
}
