/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Per-thread cache of 4 KiB-aligned data buffers in power-of-two size classes.
 * Large buffers from malloc come straight from mmap or a trimmed heap, so every 1 MiB
 * command would otherwise pay ~256 page faults zero-filling its buffer; recycling them on
 * the worker thread keeps those pages hot. */
#include <pthread.h>
#include <stdlib.h>

#include "scsi-internal.h"

#define POOL_MIN_SHIFT 12               /* 4 KiB */
#define POOL_MAX_SHIFT 24               /* 16 MiB */
#define POOL_CLASSES (POOL_MAX_SHIFT - POOL_MIN_SHIFT + 1)
#define POOL_MAX_BYTES (64u << 20)      /* cached per thread, all classes */
#define POOL_MAX_PER_CLASS 64

struct pool {
        void *free[POOL_CLASSES][POOL_MAX_PER_CLASS];
        unsigned n[POOL_CLASSES];
        size_t bytes;
};

static pthread_key_t pool_key;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static void pool_destroy(void *p) {
        struct pool *pool = p;

        for (unsigned c = 0; c < POOL_CLASSES; c++)
                for (unsigned i = 0; i < pool->n[c]; i++)
                        free(pool->free[c][i]);
        free(pool);
}

static void pool_key_init(void) {
        (void) pthread_key_create(&pool_key, pool_destroy);
}

static struct pool *pool_get(void) {
        struct pool *p;

        pthread_once(&pool_once, pool_key_init);
        p = pthread_getspecific(pool_key);
        if (!p) {
                p = calloc(1, sizeof(*p));
                if (p && pthread_setspecific(pool_key, p) != 0) {
                        free(p);
                        p = NULL;
                }
        }
        return p;
}

static int size_class(size_t len) {
        int shift = POOL_MIN_SHIFT;

        while (shift <= POOL_MAX_SHIFT && (UINT64_C(1) << shift) < len)
                shift++;
        return shift > POOL_MAX_SHIFT ? -1 : shift - POOL_MIN_SHIFT;
}

void *buf_pool_alloc(size_t len) {
        int c = size_class(len);
        struct pool *pool;
        void *p;

        if (c < 0) {
                return posix_memalign(&p, 4096, len) == 0 ? p : NULL;
        }
        pool = pool_get();
        if (pool && pool->n[c] > 0) {
                pool->bytes -= (size_t) 1 << (c + POOL_MIN_SHIFT);
                return pool->free[c][--pool->n[c]];
        }
        return posix_memalign(&p, 4096, (size_t) 1 << (c + POOL_MIN_SHIFT)) == 0 ? p : NULL;
}

void buf_pool_free(void *p, size_t len) {
        int c = size_class(len);
        struct pool *pool;
        size_t sz;

        if (!p)
                return;
        if (c < 0) {
                free(p);
                return;
        }
        sz = (size_t) 1 << (c + POOL_MIN_SHIFT);
        pool = pool_get();
        if (!pool || pool->n[c] == POOL_MAX_PER_CLASS || pool->bytes + sz > POOL_MAX_BYTES) {
                free(p);
                return;
        }
        pool->free[c][pool->n[c]++] = p;
        pool->bytes += sz;
}
