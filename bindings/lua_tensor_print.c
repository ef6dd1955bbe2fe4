/* tostring(tensor) in numpy's default print style (numpy 1.2x, print
 * options precision 8, threshold 1000, edgeitems 3, linewidth 75):
 *   - int32: right-aligned integers, "[1 2 3]";
 *   - float32: the shortest digits that give back the same float32, all
 *     elements aligned on the decimal point and padded with spaces
 *     ("[1.  2.5]"), at most 8 fractional digits; scientific notation
 *     ("[1.5e-05 1.0e+00]") when the largest magnitude is >= 1e8, the
 *     smallest non-zero one < 1e-4, or their ratio > 1000;
 *   - past 1000 elements, the first and last 3 entries of each dim with
 *     "..."; the format is chosen from the entries shown;
 *   - rows wrap at 75 columns.
 * Keep it simple and correct rather than perfect: this is for people. */
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ember_modules.h"
#include "lua_tensor.h"

#define EDGE 3
#define THRESHOLD 1000
#define LINEWIDTH 75
#define PRECISION 8

typedef struct {
    const em_tensor *t;
    int elide;
    int sci;          /* float32: scientific notation */
    int digits;       /* fractional digits (positional) or mantissa digits (sci) */
    int int_width;    /* positional: width of the sign + integer part */
    int width;        /* every element is left-padded to this */
    luaL_Buffer *b;
    size_t line;      /* length of the current output line */
    int trailing;     /* trailing spaces of the last word written */
} printer;

static double value_at(const em_tensor *t, int64_t off) {
    switch (t->dtype) {  /* not a ?: : that would round int32 through float */
    case EM_FLOAT32: return ((const float *)t->storage->data)[off];
    case EM_INT32: return ((const int32_t *)t->storage->data)[off];
    case EM_UINT8: return ((const uint8_t *)t->storage->data)[off];
    }
    return NAN;
}

static int shown(const printer *p, int d, int64_t i) {
    int64_t n = p->t->shape[d];
    return !p->elide || n <= 2 * EDGE || i < EDGE || i >= n - EDGE;
}

/* Call fn on every element that will be printed. */
static void visit(printer *p, int d, int64_t off, void (*fn)(printer *, double, void *), void *ctx) {
    const em_tensor *t = p->t;
    if (d == t->ndim) { fn(p, value_at(t, off), ctx); return; }
    for (int64_t i = 0; i < t->shape[d]; i++)
        if (shown(p, d, i)) visit(p, d + 1, off + i * t->strides[d], fn, ctx);
}

/* Fewest digits after the point (at most PRECISION), in positional or
 * scientific form, that read back as the same float32; when PRECISION
 * digits are not enough, the rounded text's trailing zeros are dropped. */
static int shortest_digits(float v, int sci) {
    char buf[64];
    for (int d = 0; d < PRECISION; d++) {
        snprintf(buf, sizeof buf, sci ? "%.*e" : "%.*f", d, (double)v);
        if (strtof(buf, NULL) == v) return d;
    }
    snprintf(buf, sizeof buf, sci ? "%.*e" : "%.*f", PRECISION, (double)v);
    char *end = sci ? strchr(buf, 'e') : buf + strlen(buf);
    int d = PRECISION;
    while (d > 0 && end[-1] == '0') { end--; d--; }
    return d;
}

typedef struct {
    double maxabs, minabs;
    int any;
} range;

static void find_range(printer *p, double v, void *ctx) {
    range *r = ctx;
    if (!isfinite(v) || v == 0) return;
    double a = fabs(v);
    if (a > r->maxabs) r->maxabs = a;
    if (a < r->minabs) r->minabs = a;
    r->any = 1;
}

static void find_digits(printer *p, double v, void *ctx) {
    (void)ctx;
    if (!isfinite(v)) return;
    int d = shortest_digits((float)v, p->sci);
    if (d > p->digits) p->digits = d;
}

/* v in positional form with its shortest digits ("2.5", "1."); returns
 * the length of the sign and integer part. */
static int positional(double v, char *s, size_t n) {
    int d = shortest_digits((float)v, 0);
    snprintf(s, n, "%.*f%s", d, v, d == 0 ? "." : "");
    return (int)(strchr(s, '.') - s);
}

/* The element's text, before the final left padding to p->width. */
static int format_value(const printer *p, double v, char *buf, size_t n) {
    if (p->t->dtype != EM_FLOAT32) return snprintf(buf, n, "%lld", (long long)v);  /* int32, uint8 */
    if (isnan(v)) return snprintf(buf, n, "nan");
    if (isinf(v)) return snprintf(buf, n, v > 0 ? "inf" : "-inf");
    if (p->sci) {
        char m[64];
        snprintf(m, sizeof m, "%.*e", p->digits, v);
        if (p->digits > 0) return snprintf(buf, n, "%s", m);
        char *e = strchr(m, 'e');  /* numpy keeps the point: "1.e+00" */
        return snprintf(buf, n, "%.*s.%s", (int)(e - m), m, e);
    }
    char s[64];
    int ip = positional(v, s, sizeof s);
    int frac = (int)strlen(strchr(s, '.') + 1);
    int lpad = p->int_width > ip ? p->int_width - ip : 0, rpad = p->digits > frac ? p->digits - frac : 0;
    return snprintf(buf, n, "%*s%s%*s", lpad, "", s, rpad, "");
}

static void find_widths(printer *p, double v, void *ctx) {
    char buf[96];
    if (ctx) {  /* first pass: width of the integer part */
        if (!isfinite(v) || p->sci) return;
        char s[64];
        int w = positional(v, s, sizeof s);
        if (w > p->int_width) p->int_width = w;
        return;
    }
    int w = format_value(p, v, buf, sizeof buf);
    if (w > p->width) p->width = w;
}

static void choose_format(printer *p) {
    if (p->t->dtype == EM_FLOAT32) {
        range r = {0, INFINITY, 0};
        visit(p, 0, p->t->offset, find_range, &r);
        p->sci = r.any && (r.maxabs >= 1e8 || r.minabs < 1e-4 || r.maxabs / r.minabs > 1e3);
        visit(p, 0, p->t->offset, find_digits, NULL);
        int first = 1;
        visit(p, 0, p->t->offset, find_widths, &first);
    }
    visit(p, 0, p->t->offset, find_widths, NULL);
}

static void add_spaces(printer *p, int n) {
    for (int i = 0; i < n; i++) luaL_addchar(p->b, ' ');
    p->line += (size_t)n;
}

static void add_text(printer *p, const char *s) {
    luaL_addstring(p->b, s);
    p->line += strlen(s);
}

static void new_line(printer *p, int blank_lines, int indent) {
    for (int i = 0; i <= blank_lines; i++) luaL_addchar(p->b, '\n');
    p->line = 0;
    add_spaces(p, indent);
}

/* One word of a row (an element or "..."), wrapping as numpy does: the
 * word goes on a new line when the line, its separator and the word would
 * pass LINEWIDTH - 1 (room for a closing bracket); trailing padding of the
 * line left behind is dropped. */
static void add_word(printer *p, const char *word, int first, int indent) {
    if (!first && p->line + 1 + strlen(word) > LINEWIDTH - 1) {
        luaL_buffsub(p->b, p->trailing);
        new_line(p, 0, indent);
    } else if (!first) {
        add_spaces(p, 1);
    }
    add_text(p, word);
    size_t len = strlen(word), k = 0;
    while (k < len && word[len - 1 - k] == ' ') k++;
    p->trailing = (int)k;
}

static void emit(printer *p, int d, int64_t off) {
    const em_tensor *t = p->t;
    int64_t n = t->shape[d];
    int inner = d + 1 == t->ndim;
    add_text(p, "[");
    int first = 1;
    for (int64_t i = 0; i < n; i++) {
        if (!shown(p, d, i)) {
            if (i != EDGE) continue;
            if (inner) add_word(p, "...", 0, d + 1);
            else new_line(p, t->ndim - d - 2, d + 1), add_text(p, "...");
            continue;
        }
        int64_t o = off + i * t->strides[d];
        if (inner) {
            char buf[96], word[128];
            int w = format_value(p, value_at(t, o), buf, sizeof buf);
            snprintf(word, sizeof word, "%*s%s", p->width > w ? p->width - w : 0, "", buf);
            add_word(p, word, first, d + 1);
        } else {
            if (!first) new_line(p, t->ndim - d - 2, d + 1);
            emit(p, d + 1, o);
        }
        first = 0;
    }
    add_text(p, "]");
}

/* A 0-d float prints like a numpy scalar: shortest round-trip digits,
 * "1.0" rather than "1.", "1e-09" for tiny values. */
static void scalar_text(float v, char *buf, size_t n) {
    if (isnan(v)) { snprintf(buf, n, "nan"); return; }
    if (isinf(v)) { snprintf(buf, n, v > 0 ? "inf" : "-inf"); return; }
    for (int d = 1; d <= 9; d++) {
        snprintf(buf, n, "%.*g", d, (double)v);
        if (strtof(buf, NULL) == v) break;
    }
    if (!strpbrk(buf, ".e")) strncat(buf, ".0", n - strlen(buf) - 1);
}

static int tensor_tostring(lua_State *L) {
    em_tensor *t = luaL_checkudata(L, 1, EMBER_TENSOR_MT);
    if (!t->storage) { lua_pushliteral(L, "tensor(empty)"); return 1; }
    if (em_numel(t) == 0) { lua_pushliteral(L, "[]"); return 1; }
    luaL_Buffer b;
    printer p;
    memset(&p, 0, sizeof p);
    p.t = t;
    p.elide = em_numel(t) > THRESHOLD;
    p.b = &b;
    choose_format(&p);
    luaL_buffinit(L, &b);
    if (t->ndim == 0 && t->dtype == EM_FLOAT32) {
        char buf[96];
        scalar_text(em_f32(t)[0], buf, sizeof buf);
        luaL_addstring(&b, buf);
    } else if (t->ndim == 0) {
        char buf[96];
        format_value(&p, value_at(t, t->offset), buf, sizeof buf);
        luaL_addstring(&b, buf);
    } else {
        emit(&p, 0, t->offset);
    }
    luaL_pushresult(&b);
    return 1;
}

/* __tostring of the tensor metatable (made by ember_open_tensor, which
 * runs first). */
void ember_open_tensor_print(lua_State *L) {
    luaL_getmetatable(L, EMBER_TENSOR_MT);
    lua_pushcfunction(L, tensor_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);
}
