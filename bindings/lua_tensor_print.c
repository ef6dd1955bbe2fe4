/* numpy-like printing: all elements share one width and format, chosen
 * from the values shown ("1." for integral floats, fixed 4 decimals, or
 * scientific when magnitudes are extreme).  Big tensors show the first and
 * last 3 entries of each dimension, as numpy does past 1000 elements. */
#include "lua_tensor_print.h"

#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../engine/core/error.h"
#include "lua_tensor.h"

#define EDGE 3
#define THRESHOLD 1000

typedef struct {
    const em_tensor *t;
    int elide;
    enum { FMT_INT, FMT_INTEGRAL, FMT_FIXED, FMT_SCI } kind;
    int width;
    luaL_Buffer *b;
} printer;

static int shown(const printer *p, int d, int64_t i) {
    return !p->elide || p->t->shape[d] <= 2 * EDGE || i < EDGE || i >= p->t->shape[d] - EDGE;
}

static int format_value(const printer *p, double v, char *buf, size_t n) {
    switch (p->kind) {
    case FMT_INT: return snprintf(buf, n, "%lld", (long long)v);
    case FMT_INTEGRAL:
        if (isnan(v)) return snprintf(buf, n, "nan");
        if (isinf(v)) return snprintf(buf, n, v > 0 ? "inf" : "-inf");
        return snprintf(buf, n, "%.0f.", v);
    case FMT_FIXED:
        if (isnan(v)) return snprintf(buf, n, "nan");
        if (isinf(v)) return snprintf(buf, n, v > 0 ? "inf" : "-inf");
        return snprintf(buf, n, "%.4f", v);
    default: return snprintf(buf, n, "%.4e", v);
    }
}

/* Visit the shown elements to choose the format and width. */
static void scan(printer *p, int d, int64_t off, double *maxabs, double *minabs, int *integral) {
    const em_tensor *t = p->t;
    for (int64_t i = 0; i < t->shape[d]; i++) {
        if (!shown(p, d, i)) continue;
        int64_t o = off + i * t->strides[d];
        if (d + 1 < t->ndim) { scan(p, d + 1, o, maxabs, minabs, integral); continue; }
        double v = t->dtype == EM_FLOAT32 ? ((float *)t->storage->data)[o] : ((int32_t *)t->storage->data)[o];
        if (!isfinite(v)) continue;
        double a = fabs(v);
        if (a > *maxabs) *maxabs = a;
        if (a > 0 && a < *minabs) *minabs = a;
        if (v != floor(v)) *integral = 0;
    }
}

static double value_at(const em_tensor *t, int64_t o) {
    return t->dtype == EM_FLOAT32 ? ((float *)t->storage->data)[o] : ((int32_t *)t->storage->data)[o];
}

static void measure(printer *p, int d, int64_t off) {
    const em_tensor *t = p->t;
    char buf[64];
    for (int64_t i = 0; i < t->shape[d]; i++) {
        if (!shown(p, d, i)) continue;
        int64_t o = off + i * t->strides[d];
        if (d + 1 < t->ndim) { measure(p, d + 1, o); continue; }
        int w = format_value(p, value_at(t, o), buf, sizeof buf);
        if (w > p->width) p->width = w;
    }
}

static void emit(printer *p, int d, int64_t off, int indent) {
    const em_tensor *t = p->t;
    char buf[64];
    luaL_addchar(p->b, '[');
    for (int64_t i = 0; i < t->shape[d]; i++) {
        if (!shown(p, d, i)) {
            if (i == EDGE) {
                if (d + 1 < t->ndim) {
                    luaL_addstring(p->b, "\n");
                    for (int k = 0; k < indent + 1; k++) luaL_addchar(p->b, ' ');
                    luaL_addstring(p->b, "...");
                    for (int k = 0; k < t->ndim - d - 1; k++) luaL_addchar(p->b, '\n');
                    for (int k = 0; k < indent + 1; k++) luaL_addchar(p->b, ' ');
                } else {
                    luaL_addstring(p->b, " ...");
                }
            }
            continue;
        }
        int64_t o = off + i * t->strides[d];
        if (d + 1 < t->ndim) {
            if (i > 0 && !(p->elide && i == t->shape[d] - EDGE && t->shape[d] > 2 * EDGE)) {
                for (int k = 0; k < t->ndim - d - 1; k++) luaL_addchar(p->b, '\n');
                for (int k = 0; k < indent + 1; k++) luaL_addchar(p->b, ' ');
            }
            emit(p, d + 1, o, indent + 1);
        } else {
            if (i > 0) luaL_addchar(p->b, ' ');
            int w = format_value(p, value_at(t, o), buf, sizeof buf);
            for (int k = w; k < p->width; k++) luaL_addchar(p->b, ' ');
            luaL_addstring(p->b, buf);
        }
    }
    luaL_addchar(p->b, ']');
}

int lt_tostring(lua_State *L) {
    em_tensor *t = luaL_checkudata(L, 1, EMBER_TENSOR_MT);
    if (!t->storage) { lua_pushliteral(L, "tensor(empty)"); return 1; }
    luaL_Buffer b;
    printer p = {t, em_numel(t) > THRESHOLD, FMT_INT, 0, &b};
    if (t->dtype == EM_FLOAT32) {
        double maxabs = 0, minabs = INFINITY;
        int integral = 1;
        if (t->ndim > 0 && em_numel(t) > 0) scan(&p, 0, t->offset, &maxabs, &minabs, &integral);
        else if (t->ndim == 0) { double v = value_at(t, t->offset); maxabs = minabs = fabs(v); integral = isfinite(v) ? v == floor(v) : 1; }
        if (integral && maxabs < 1e16) p.kind = FMT_INTEGRAL;
        else if (maxabs >= 1e8 || (minabs < 1e-4 && minabs > 0)) p.kind = FMT_SCI;
        else p.kind = FMT_FIXED;
    }
    luaL_buffinit(L, &b);
    if (t->ndim == 0) {
        char buf[64];
        format_value(&p, value_at(t, t->offset), buf, sizeof buf);
        luaL_addstring(&b, buf);
    } else if (em_numel(t) == 0) {
        char s[160];
        luaL_addstring(&b, "[]");
        (void)s;
    } else {
        measure(&p, 0, t->offset);
        emit(&p, 0, t->offset, 0);
    }
    if (t->dtype == EM_INT32 || em_numel(t) == 0 || p.elide) {
        char s[160];
        luaL_addstring(&b, t->ndim ? "\n" : " ");
        luaL_addstring(&b, "<");
        luaL_addstring(&b, em_dtype_name(t->dtype));
        luaL_addstring(&b, " ");
        luaL_addstring(&b, em_tensor_shape_str(t, s, sizeof s));
        luaL_addstring(&b, ">");
    }
    luaL_pushresult(&b);
    return 1;
}
