/* engine/core/bigalloc.c at the C level (specs/bigalloc_spec.lua): a freed
 * big block is reused by the next request of its size, even when the cache
 * is full of blocks of other sizes (the oldest are evicted).  A reused
 * block keeps its old contents (alloc with zero = 0), a fresh mapping is
 * zero: that tells the two apart, whatever address mmap picks.
 * Prints one line per check: "<name> reused" or "<name> fresh". */
#include <stdio.h>
#include <string.h>

#include "../../engine/core/bigalloc.h"

#define MIB ((size_t)1 << 20)

static const char *reuse_check(size_t size) {
    unsigned char *p = em_big_alloc(size, 0);
    if (!p) return "failed";
    memset(p, 0xAB, size);
    em_big_free(p, size);
    unsigned char *q = em_big_alloc(size, 0);
    if (!q) return "failed";
    const char *what = q[0] == 0xAB && q[size - 1] == 0xAB ? "reused" : "fresh";
    em_big_free(q, size);
    return what;
}

int main(void) {
    /* fill every slot with blocks of other sizes, as an earlier model would
     * (first: nothing of the size checked below may be cached yet) */
    void *others[8];
    for (int i = 0; i < 8; i++) others[i] = em_big_alloc((size_t)(2 + i) * MIB, 1);
    for (int i = 0; i < 8; i++) em_big_free(others[i], (size_t)(2 + i) * MIB);
    printf("full_cache %s\n", reuse_check(40 * MIB));
    printf("again %s\n", reuse_check(40 * MIB));
    /* the zero flag still gives zeros on a reused block */
    unsigned char *z = em_big_alloc(40 * MIB, 1);
    printf("zeroed %s\n", z && z[0] == 0 && z[40 * MIB - 1] == 0 ? "yes" : "no");
    em_big_free(z, 40 * MIB);
    /* past the byte budget (1 GiB): never cached, and nothing breaks */
    printf("huge %s\n", reuse_check(1100 * MIB));
    return 0;
}
