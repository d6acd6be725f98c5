/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Per-thread io_uring executor. Each backstore request is one SQE whose user_data is an
 * io_req; a command completes when its last request does. Completions are signalled on an
 * eventfd registered with the ring so the caller's epoll loop can watch it. */
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/uio.h>

#include "scsi-internal.h"

#define ENGINE_DEFAULT_DEPTH 256

int scsi_engine_new(unsigned queue_depth, struct scsi_engine **ret) {
        struct scsi_engine *e;
        struct io_uring_params p = {};
        int r;

        if (!ret)
                return -EINVAL;
        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        e->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (e->efd < 0) {
                r = -errno;
                free(e);
                return r;
        }
        /* A CQ twice the SQ leaves room for requests resubmitted after short transfers. */
        p.flags = IORING_SETUP_CQSIZE;
        p.cq_entries = 2 * (queue_depth ?: ENGINE_DEFAULT_DEPTH);
        r = io_uring_queue_init_params(queue_depth ?: ENGINE_DEFAULT_DEPTH, &e->ring, &p);
        if (r < 0) {
                safe_close(e->efd);
                free(e);
                return r;
        }
        r = io_uring_register_eventfd(&e->ring, e->efd);
        if (r < 0) {
                io_uring_queue_exit(&e->ring);
                safe_close(e->efd);
                free(e);
                return r;
        }
        *ret = e;
        return 0;
}

struct scsi_engine *scsi_engine_free(struct scsi_engine *e) {
        if (!e)
                return NULL;
        while (e->in_flight > 0)
                if (scsi_engine_wait(e) < 0)
                        break;
        io_uring_queue_exit(&e->ring);
        safe_close(e->efd);
        while (e->free_reqs) {
                struct io_req *r = e->free_reqs;
                e->free_reqs = r->next_free;
                free(r);
        }
        free(e);
        return NULL;
}

int scsi_engine_get_fd(struct scsi_engine *e) {
        return e->efd;
}

void scsi_engine_set_batching(struct scsi_engine *e, bool on) {
        e->batching = on;
}

unsigned scsi_engine_in_flight(const struct scsi_engine *e) {
        return e->in_flight;
}

int scsi_engine_flush(struct scsi_engine *e) {
        int r;

        if (e->queued == 0)
                return 0;
        r = io_uring_submit(&e->ring);
        if (r < 0)
                return r;
        e->queued = 0;
        return 0;
}

static struct io_uring_sqe *engine_get_sqe(struct scsi_engine *e) {
        struct io_uring_sqe *sqe = io_uring_get_sqe(&e->ring);
        if (!sqe) {
                /* SQ full: push what we have to the kernel and retry. */
                if (io_uring_submit(&e->ring) < 0)
                        return NULL;
                e->queued = 0;
                sqe = io_uring_get_sqe(&e->ring);
        }
        return sqe;
}

static int engine_push(struct scsi_engine *e, struct io_req *req) {
        struct scsi_cmd *cmd = req->cmd;
        struct backstore *bs = cmd->priv.lu->bs;
        struct io_uring_sqe *sqe = engine_get_sqe(e);

        if (!sqe)
                return -EAGAIN;
        switch (req->op) {
        case IORING_OP_READ:
                io_uring_prep_read(sqe, bs->fd, req->buf + req->done, req->len - req->done,
                                   req->off + req->done);
                break;
        case IORING_OP_WRITE:
                io_uring_prep_write(sqe, bs->fd, req->buf + req->done, req->len - req->done,
                                    req->off + req->done);
                sqe->rw_flags = req->rw_flags;
                break;
        case IORING_OP_FSYNC:
                io_uring_prep_fsync(sqe, bs->fd, IORING_FSYNC_DATASYNC);
                break;
        case IORING_OP_FALLOCATE:
                io_uring_prep_fallocate(sqe, bs->fd, req->mode, (off_t) req->off, (off_t) req->flen);
                break;
        default:
                return -EINVAL;
        }
        io_uring_sqe_set_data(sqe, req);
        e->queued++;
        e->in_flight++;
        return 0;
}

/* Inline execution for backstores io_uring cannot serve asynchronously (tmpfs). */
static int sync_exec(struct backstore *bs, uint8_t op, uint8_t *buf, uint64_t len, uint64_t off,
                     int rw_flags, int mode) {
        uint64_t done = 0;

        switch (op) {
        case IORING_OP_READ:
        case IORING_OP_WRITE:
                while (done < len) {
                        struct iovec iov = { buf + done, len - done };
                        ssize_t r = op == IORING_OP_READ ?
                                preadv2(bs->fd, &iov, 1, (off_t) (off + done), 0) :
                                pwritev2(bs->fd, &iov, 1, (off_t) (off + done), rw_flags);
                        if (r < 0) {
                                if (errno == EINTR)
                                        continue;
                                return -errno;
                        }
                        if (r == 0) {
                                if (op == IORING_OP_WRITE)
                                        return -EIO;
                                memset(buf + done, 0, len - done);
                                break;
                        }
                        done += (uint64_t) r;
                }
                if (op == IORING_OP_WRITE)
                        rmap_mark_range(bs, off, len, true);
                return 0;
        case IORING_OP_FSYNC:
                return fdatasync(bs->fd) < 0 ? -errno : 0;
        case IORING_OP_FALLOCATE:
                /* Before the hole exists, so no read borrows its pages from then on. */
                if (mode & FALLOC_FL_PUNCH_HOLE)
                        rmap_mark_range(bs, off, len, false);
                return fallocate(bs->fd, mode, (off_t) off, (off_t) len) < 0 ? -errno : 0;
        default:
                return -EINVAL;
        }
}

static int engine_queue(struct scsi_cmd *cmd, uint8_t op, uint8_t *buf, uint64_t len, uint64_t off,
                        int rw_flags, int mode) {
        struct scsi_engine *e = cmd->priv.engine;

        if (cmd->priv.lu->bs->sync_io) {
                int r = sync_exec(cmd->priv.lu->bs, op, buf, len, off, rw_flags, mode);
                if (r < 0 && cmd->priv.error == 0)
                        cmd->priv.error = r;
                return r;
        }
        struct io_req *req;
        int r;

        if (e->free_reqs) {
                req = e->free_reqs;
                e->free_reqs = req->next_free;
        } else {
                req = malloc(sizeof(*req));
                if (!req)
                        goto fail;
        }
        *req = (struct io_req) {
                .cmd = cmd, .op = op, .buf = buf, .len = (uint32_t) len, .flen = len, .off = off,
                .rw_flags = rw_flags, .mode = mode,
        };
        r = engine_push(e, req);
        if (r < 0) {
                req->next_free = e->free_reqs;
                e->free_reqs = req;
                goto fail;
        }
        cmd->priv.pending++;
        return 0;
fail:
        if (cmd->priv.error == 0)
                cmd->priv.error = -ENOMEM;
        return -ENOMEM;
}

int engine_queue_rw(struct scsi_cmd *cmd, bool write, uint8_t *buf, uint32_t len, uint64_t off,
                    int rw_flags) {
        return engine_queue(cmd, write ? IORING_OP_WRITE : IORING_OP_READ, buf, len, off, rw_flags, 0);
}

int engine_queue_fsync(struct scsi_cmd *cmd) {
        return engine_queue(cmd, IORING_OP_FSYNC, NULL, 0, 0, 0, 0);
}

int engine_queue_fallocate(struct scsi_cmd *cmd, int mode, uint64_t off, uint64_t len) {
        return engine_queue(cmd, IORING_OP_FALLOCATE, NULL, len, off, 0, mode);
}

int engine_started(struct scsi_cmd *cmd) {
        struct scsi_engine *e = cmd->priv.engine;

        if (cmd->priv.pending == 0)
                return 1;               /* nothing got queued: caller completes inline */
        if (!e->batching && scsi_engine_flush(e) < 0 && cmd->priv.error == 0)
                cmd->priv.error = -EIO;
        return 0;
}

static void engine_complete_req(struct scsi_engine *e, struct io_req *req, int res) {
        struct scsi_cmd *cmd = req->cmd;

        e->in_flight--;
        if ((req->op == IORING_OP_READ || req->op == IORING_OP_WRITE) && res >= 0) {
                if (res == 0 && req->done < req->len) {
                        /* EOF inside the backstore (file shrunk behind us): reads see zeroes,
                         * writes fail. */
                        if (req->op == IORING_OP_READ)
                                memset(req->buf + req->done, 0, req->len - req->done);
                        else if (cmd->priv.error == 0)
                                cmd->priv.error = -EIO;
                        req->done = req->len;
                } else
                        req->done += (uint32_t) res;
                if (req->done < req->len && engine_push(e, req) == 0)
                        return;         /* short transfer: continue with the rest */
                if (req->done < req->len && cmd->priv.error == 0)
                        cmd->priv.error = -EIO;
        } else if (res < 0 && cmd->priv.error == 0)
                cmd->priv.error = res;

        req->next_free = e->free_reqs;
        e->free_reqs = req;
        if (--cmd->priv.pending == 0)
                cmd_io_finished(cmd);
}

int scsi_engine_process_completions(struct scsi_engine *e) {
        struct io_uring_cqe *cqe;
        eventfd_t v;
        int n = 0;

        (void) eventfd_read(e->efd, &v);
        for (;;) {
                unsigned head, seen = 0;

                io_uring_for_each_cqe(&e->ring, head, cqe) {
                        struct io_req *req = io_uring_cqe_get_data(cqe);
                        engine_complete_req(e, req, cqe->res);
                        seen++;
                }
                if (seen == 0)
                        break;
                io_uring_cq_advance(&e->ring, seen);
                n += (int) seen;
        }
        /* Requests re-queued by completions (short transfers, next stages) go out now. */
        if (!e->batching)
                (void) scsi_engine_flush(e);
        return n;
}

int scsi_engine_wait(struct scsi_engine *e) {
        struct io_uring_cqe *cqe;
        int r;

        r = scsi_engine_flush(e);
        if (r < 0)
                return r;
        if (e->in_flight == 0)
                return 0;
        r = io_uring_wait_cqe(&e->ring, &cqe);
        if (r < 0)
                return r;
        return scsi_engine_process_completions(e);
}
