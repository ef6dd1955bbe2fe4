#include "bigalloc.h"

#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CACHE_SLOTS 8
#define CACHE_MAX_BYTES ((size_t)1 << 30)

typedef struct {
    void *p;
    size_t size;
} block;

static block cache[CACHE_SLOTS];
static size_t cached_bytes;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

size_t em_big_size(size_t nbytes) {
    size_t page = 4096;
    return (nbytes + page - 1) / page * page;
}

/* The smallest cached block that fits without wasting more than a quarter,
 * trimmed to exactly size (so em_big_free can unmap it by size). */
static void *take_cached(size_t size) {
    int best = -1;
    for (int i = 0; i < CACHE_SLOTS; i++)
        if (cache[i].p && cache[i].size >= size && cache[i].size - size <= size / 4 &&
            (best < 0 || cache[i].size < cache[best].size))
            best = i;
    if (best < 0) return NULL;
    void *p = cache[best].p;
    size_t have = cache[best].size;
    cached_bytes -= have;
    cache[best].p = NULL;
    if (have > size) munmap((char *)p + size, have - size);
    return p;
}

void *em_big_alloc(size_t nbytes, int zero) {
    size_t size = em_big_size(nbytes);
    pthread_mutex_lock(&lock);
    void *p = take_cached(size);
    pthread_mutex_unlock(&lock);
    if (p) {
        if (zero) memset(p, 0, size);
        return p;
    }
    p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
#ifdef MADV_HUGEPAGE
    if (size >= ((size_t)4 << 20)) madvise(p, size, MADV_HUGEPAGE);  /* fewer faults; a hint only */
#endif
    return p;  /* fresh anonymous pages are zero */
}

void em_big_free(void *p, size_t nbytes) {
    if (!p) return;
    size_t size = em_big_size(nbytes);
    pthread_mutex_lock(&lock);
    int slot = -1;
    for (int i = 0; i < CACHE_SLOTS && slot < 0; i++)
        if (!cache[i].p) slot = i;
    if (slot >= 0 && cached_bytes + size <= CACHE_MAX_BYTES) {
        cache[slot].p = p;
        cache[slot].size = size;
        cached_bytes += size;
        p = NULL;
    }
    pthread_mutex_unlock(&lock);
    if (p) munmap(p, size);
}
