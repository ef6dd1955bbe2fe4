/* Error reporting for the engine.
 *
 * Every engine call that can fail returns an int status: 0 on success, -1 on
 * failure.  On failure it has called em_fail() with a message that names the
 * operation and the values at fault ("matmul: shapes {128,32} and {64,1} do
 * not align").  The bindings turn that message into a Lua error.  Nothing in
 * the engine prints, exits or aborts. */
#ifndef EMBER_ERROR_H
#define EMBER_ERROR_H

#include <stddef.h>
#include <stdint.h>

/* Record a printf-style message and return -1, so callers can write
 * `return em_fail("op: ...", ...);`. */
int em_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The last message recorded on this thread. */
const char *em_error(void);

/* Format a shape as "{2,3,4}" into buf (always NUL-terminated). */
const char *em_shape_str(char *buf, size_t size, int ndim, const int64_t *shape);

#endif
