/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Send a whole buffer on a stream socket, blocking or not; shared by the iscsiadm <-> iscsid IPC
 * and iscsid's login exchange. Header-only: it is the one function either needs. */
#pragma once

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* 0 once all @len bytes are sent; -ETIMEDOUT when a non-blocking socket stays full for
 * @poll_timeout_ms; else -errno (MSG_NOSIGNAL: a closed peer gives -EPIPE, not SIGPIPE). */
static inline int util_send_all(int fd, const void *buf, size_t len, int poll_timeout_ms) {
        const uint8_t *p = buf;

        while (len > 0) {
                ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN) {
                                struct pollfd pfd = { .fd = fd, .events = POLLOUT };
                                if (poll(&pfd, 1, poll_timeout_ms) <= 0)
                                        return -ETIMEDOUT;
                                continue;
                        }
                        return -errno;
                }
                p += n;
                len -= (size_t) n;
        }
        return 0;
}
