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
    unsigned long stamp; /* when it was cached: the oldest goes first */
} block;

static block cache[CACHE_SLOTS];
static size_t cached_bytes;
static unsigned long clock_ticks;
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

/* The slot of the block cached longest ago, or -1 if none is cached. */
static int oldest_slot(void) {
    int slot = -1;
    for (int i = 0; i < CACHE_SLOTS; i++)
        if (cache[i].p && (slot < 0 || cache[i].stamp < cache[slot].stamp)) slot = i;
    return slot;
}

/* The freed block always enters the cache, evicting the blocks cached
 * longest ago when the slots or the byte budget run out: without eviction,
 * blocks of sizes a program no longer asks for (an earlier model's) filled
 * the cache for good, and every later big tensor paid its page faults
 * again (x + y on 10^7 floats went from 4 ms to 11 ms after a recurrent
 * benchmark).  Evicted blocks are unmapped outside the lock. */
void em_big_free(void *p, size_t nbytes) {
    if (!p) return;
    size_t size = em_big_size(nbytes);
    if (size > CACHE_MAX_BYTES) {
        munmap(p, size);
        return;
    }
    block evicted[CACHE_SLOTS];
    int nevicted = 0, slot = -1;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < CACHE_SLOTS && slot < 0; i++)
        if (!cache[i].p) slot = i;
    while (slot < 0 || cached_bytes + size > CACHE_MAX_BYTES) {
        int old = oldest_slot();
        evicted[nevicted++] = cache[old];
        cached_bytes -= cache[old].size;
        cache[old].p = NULL;
        if (slot < 0) slot = old;
    }
    cache[slot] = (block){p, size, ++clock_ticks};
    cached_bytes += size;
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < nevicted; i++) munmap(evicted[i].p, evicted[i].size);
}
