/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small ownership helpers in the systemd style: _cleanup_ attributes, TAKE_PTR/TAKE_FD. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _pure_ __attribute__((pure))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _likely_(x) __builtin_expect(!!(x), 1)
#define _unlikely_(x) __builtin_expect(!!(x), 0)

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define ALIGN4(x) (((x) + 3u) & ~3u)

/* Hand ownership on: returns the value and clears the variable so its cleanup does nothing. */
#define TAKE_PTR(p)                       \
        ({                                \
                typeof(p) _p_ = (p);      \
                (p) = NULL;               \
                _p_;                      \
        })
#define TAKE_FD(fd)                       \
        ({                                \
                int _fd_ = (fd);          \
                (fd) = -EBADF;            \
                _fd_;                     \
        })

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline int safe_close(int fd) {
        if (fd >= 0) {
                int saved = errno;
                close(fd);
                errno = saved;
        }
        return -EBADF;
}
static inline void closep(int *fd) {
        safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Wipe secrets before freeing them. */
static inline void erase_and_freep(void *p) {
        char *s = *(char **) p;
        if (s) {
                explicit_bzero(s, strlen(s));
                free(s);
        }
}
#define _cleanup_erase_ _cleanup_(erase_and_freep)

/* Declare a cleanup function for a type whose destructor returns NULL and accepts NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)    \
        static inline void func##p(type *p) {      \
                if (*p)                            \
                        *p = func(*p);             \
        }

static inline bool streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}
#define streq(a, b) (strcmp((a), (b)) == 0)
