/* Big tensor buffers (>= 1 MiB): mmap'd directly and, when freed, kept in
 * a small cache for the next request of about the same size.
 *
 * Why: a fresh mapping costs one page fault per 4 KiB on first touch, and
 * through malloc big freed blocks get split by small allocations and the
 * heap keeps growing; either way a 40 MB elementwise result cost several
 * times the arithmetic.  Reusing the blocks of dead tensors (which Lua's
 * collector frees every few operations) keeps those ops memory-bound.
 * Thread-safe. */
#ifndef EMBER_BIGALLOC_H
#define EMBER_BIGALLOC_H

#include <stddef.h>

/* Under AddressSanitizer big buffers stay on malloc, whose blocks ASan
 * guards with redzones (it cannot check mmap'd memory). */
#if defined(__SANITIZE_ADDRESS__)
#define EM_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) /* clang's spelling (the fuzz build) */
#define EM_UNDER_ASAN 1
#endif
#endif
#ifdef EM_UNDER_ASAN
#define EM_BIG_MIN ((size_t)-1)
#else
#define EM_BIG_MIN ((size_t)1 << 20)
#endif

/* The size a request of nbytes really takes (page multiple). */
size_t em_big_size(size_t nbytes);

/* A page-aligned block of em_big_size(nbytes) bytes, zero-filled if zero
 * is set, or NULL. */
void *em_big_alloc(size_t nbytes, int zero);

/* Give back a block from em_big_alloc(nbytes). */
void em_big_free(void *p, size_t nbytes);

#endif
