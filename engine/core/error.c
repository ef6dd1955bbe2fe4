#include "error.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_error[1024];

int em_fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return -1;
}

const char *em_error(void) { return last_error[0] ? last_error : "unknown error"; }

const char *em_shape_str(char *buf, size_t size, int ndim, const int64_t *shape) {
    size_t used = 0;
    if (size == 0) return buf;
    buf[0] = '\0';
    used += (size_t)snprintf(buf + used, size - used, "{");
    for (int i = 0; i < ndim && used < size; i++) {
        if (shape[i] < 0)
            used += (size_t)snprintf(buf + used, size - used, "%sNone", i ? "," : "");
        else
            used += (size_t)snprintf(buf + used, size - used, "%s%" PRId64, i ? "," : "", shape[i]);
    }
    if (used < size) snprintf(buf + used, size - used, "}");
    return buf;
}
