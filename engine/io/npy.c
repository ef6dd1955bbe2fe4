#include "npy.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "file_util.h"

static const unsigned char MAGIC[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

/* ---- header dict parsing: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } ---- */

typedef struct {
    const char *p, *end;
    const char *op, *what;
} cursor;

typedef struct {
    char order;  /* '<' little, '>' big, '|' not applicable */
    char kind;   /* 'f', 'i', 'u', 'b' */
    int size;    /* bytes per element */
    int fortran;
    int ndim;
    int64_t shape[EM_MAX_DIMS];
    int seen;    /* bit mask of the keys read */
} npy_header;

static int bad(const cursor *c, const char *why) {
    return em_fail("%s: %s: malformed .npy header (%s)", c->op, c->what, why);
}

static void skip_space(cursor *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static int expect(cursor *c, char ch, const char *why) {
    skip_space(c);
    if (c->p >= c->end || *c->p != ch) return bad(c, why);
    c->p++;
    return 0;
}

/* A quoted string (single or double quotes, no escapes) into buf. */
static int read_string(cursor *c, char *buf, size_t n) {
    skip_space(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"')) return bad(c, "expected a quoted string");
    char q = *c->p++;
    size_t len = 0;
    while (c->p < c->end && *c->p != q) {
        if (*c->p == '\\' || len + 1 >= n) return bad(c, "unexpected string contents");
        buf[len++] = *c->p++;
    }
    if (c->p >= c->end) return bad(c, "unterminated string");
    c->p++;
    buf[len] = '\0';
    return 0;
}

static int read_bool(cursor *c, int *v) {
    skip_space(c);
    size_t left = (size_t)(c->end - c->p);
    if (left >= 4 && memcmp(c->p, "True", 4) == 0) { *v = 1; c->p += 4; return 0; }
    if (left >= 5 && memcmp(c->p, "False", 5) == 0) { *v = 0; c->p += 5; return 0; }
    return bad(c, "fortran_order must be True or False");
}

/* A non-negative integer (an old Python 2 'L' suffix is accepted). */
static int read_dim(cursor *c, int64_t *v) {
    skip_space(c);
    if (c->p >= c->end || !isdigit((unsigned char)*c->p)) return bad(c, "shape entries must be non-negative integers");
    int64_t x = 0;
    while (c->p < c->end && isdigit((unsigned char)*c->p)) {
        if (x > (EM_MAX_NUMEL - 9) / 10) return bad(c, "shape entry too large");
        x = x * 10 + (*c->p++ - '0');
    }
    if (c->p < c->end && *c->p == 'L') c->p++;
    *v = x;
    return 0;
}

/* (), (5,), (2, 3), (2, 3,) */
static int read_shape(cursor *c, npy_header *h) {
    if (expect(c, '(', "shape must be a tuple")) return -1;
    h->ndim = 0;
    for (;;) {
        skip_space(c);
        if (c->p < c->end && *c->p == ')') { c->p++; break; }
        if (h->ndim >= EM_MAX_DIMS) return em_fail("%s: %s: more than %d dimensions", c->op, c->what, EM_MAX_DIMS);
        if (read_dim(c, &h->shape[h->ndim])) return -1;
        h->ndim++;
        skip_space(c);
        if (c->p < c->end && *c->p == ',') { c->p++; continue; }
        if (expect(c, ')', "expected ',' or ')' in shape")) return -1;
        if (h->ndim == 1) return bad(c, "a 1-tuple needs a trailing comma");
        break;
    }
    return 0;
}

static int parse_descr(cursor *c, npy_header *h, const char *d) {
    size_t len = strlen(d);
    if (len < 3 || !strchr("<>|=", d[0]) || !strchr("fiub", d[1])) goto unsupported;
    char *end;
    long size = strtol(d + 2, &end, 10);
    if (*end != '\0') goto unsupported;
    h->order = d[0] == '=' ? '<' : d[0];  /* '=' is native: numpy on x86 writes '<' */
    h->kind = d[1];
    h->size = (int)size;
    if (h->kind == 'f' && (size == 4 || size == 8)) return 0;
    if ((h->kind == 'i' || h->kind == 'u') && (size == 1 || size == 2 || size == 4 || size == 8)) return 0;
    if (h->kind == 'b' && size == 1) return 0;
unsupported:
    return em_fail("%s: %s: unsupported dtype '%s' (supported: float32/64, int8..64, uint8..64, bool)", c->op, c->what, d);
}

static int parse_header(cursor *c, npy_header *h) {
    if (expect(c, '{', "expected a dict")) return -1;
    for (;;) {
        skip_space(c);
        if (c->p < c->end && *c->p == '}') { c->p++; break; }
        char key[32];
        if (read_string(c, key, sizeof key) || expect(c, ':', "expected ':' after a key")) return -1;
        if (strcmp(key, "descr") == 0 && !(h->seen & 1)) {
            char d[32];
            skip_space(c);
            if (c->p < c->end && *c->p == '[')
                return em_fail("%s: %s: unsupported dtype (structured arrays are not supported)", c->op, c->what);
            if (read_string(c, d, sizeof d) || parse_descr(c, h, d)) return -1;
            h->seen |= 1;
        } else if (strcmp(key, "fortran_order") == 0 && !(h->seen & 2)) {
            if (read_bool(c, &h->fortran)) return -1;
            h->seen |= 2;
        } else if (strcmp(key, "shape") == 0 && !(h->seen & 4)) {
            if (read_shape(c, h)) return -1;
            h->seen |= 4;
        } else {
            return bad(c, "unknown or repeated key");
        }
        skip_space(c);
        if (c->p < c->end && *c->p == ',') { c->p++; continue; }
        if (expect(c, '}', "expected ',' or '}'")) return -1;
        break;
    }
    skip_space(c);
    if (c->p != c->end) return bad(c, "text after the dict");
    if (h->seen != 7) return bad(c, "'descr', 'fortran_order' and 'shape' are required");
    return 0;
}

/* ---- data conversion ---- */

static uint64_t load_uint(const unsigned char *p, int size, int big) {
    uint64_t v = 0;
    for (int i = 0; i < size; i++) v |= (uint64_t)p[big ? size - 1 - i : i] << (8 * i);
    return v;
}

static int64_t load_int(const unsigned char *p, int size, int big) {
    uint64_t v = load_uint(p, size, big);
    if (size < 8 && (v >> (8 * size - 1)) & 1) v |= ~(uint64_t)0 << (8 * size);  /* sign-extend */
    return (int64_t)v;
}

static double load_float(const unsigned char *p, int size, int big) {
    uint64_t bits = load_uint(p, size, big);
    if (size == 4) {
        uint32_t b32 = (uint32_t)bits;
        float f;
        memcpy(&f, &b32, 4);
        return f;
    }
    double d;
    memcpy(&d, &bits, 8);
    return d;
}

/* Convert n elements of raw data into the contiguous tensor t. */
static int convert_data(em_tensor *t, const npy_header *h, const unsigned char *data, int64_t n, const char *op,
                        const char *what) {
    int big = h->order == '>';
    if (t->dtype == EM_FLOAT32) {
        float *o = em_f32(t);
        if (h->size == 4 && !big) memcpy(o, data, (size_t)n * 4);
        else for (int64_t i = 0; i < n; i++) o[i] = (float)load_float(data + i * h->size, h->size, big);
        return 0;
    }
    if (t->dtype == EM_UINT8) {  /* '|u1' as is; '|b1' any non-zero byte is True: 1 */
        uint8_t *o = em_u8(t);
        if (h->kind == 'b') for (int64_t i = 0; i < n; i++) o[i] = data[i] != 0;
        else memcpy(o, data, (size_t)n);
        return 0;
    }
    int32_t *o = em_i32(t);
    for (int64_t i = 0; i < n; i++) {
        const unsigned char *p = data + i * h->size;
        if (h->kind == 'u' && h->size == 8 && load_uint(p, 8, big) > INT32_MAX)
            return em_fail("%s: %s: value %llu at position %lld does not fit in int32", op, what,
                           (unsigned long long)load_uint(p, 8, big), (long long)i + 1);
        int64_t v = h->kind == 'u' ? (int64_t)load_uint(p, h->size, big) : load_int(p, h->size, big);
        if (h->kind == 'b') v = v != 0;
        if (v < INT32_MIN || v > INT32_MAX)
            return em_fail("%s: %s: value %lld at position %lld does not fit in int32", op, what, (long long)v,
                           (long long)i + 1);
        o[i] = (int32_t)v;
    }
    return 0;
}

/* Fortran order: the data is the C-order layout of the reversed shape; read
 * it that way, then copy the transposed view into C order. */
static int from_fortran(em_tensor *out, em_tensor *raw) {
    em_tensor v = *raw;
    for (int d = 0; d < raw->ndim; d++) {
        v.shape[d] = raw->shape[raw->ndim - 1 - d];
        v.strides[d] = raw->strides[raw->ndim - 1 - d];
    }
    int rc = em_tensor_clone(out, &v);
    em_tensor_release(raw);
    return rc;
}

/* Reads the magic, version and header length; sets *hstart and *hlen. */
static int read_preamble(const unsigned char *b, size_t size, const char *op, const char *what, size_t *hstart, size_t *hlen) {
    if (size < 10 || memcmp(b, MAGIC, 6) != 0)
        return em_fail("%s: %s: not a .npy file (bad magic%s)", op, what, size < 10 ? ", or truncated" : "");
    int major = b[6];
    if (major == 1) {
        *hlen = (size_t)b[8] | (size_t)b[9] << 8;
        *hstart = 10;
    } else if (major == 2 || major == 3) {
        if (size < 12) return em_fail("%s: %s: truncated .npy header", op, what);
        *hlen = (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
        *hstart = 12;
    } else {
        return em_fail("%s: %s: unsupported .npy format version %d.%d", op, what, major, b[7]);
    }
    if (*hlen > size - *hstart) return em_fail("%s: %s: truncated .npy header (%zu header bytes announced, %zu present)", op, what, *hlen, size - *hstart);
    return 0;
}

/* Preamble and header of an image: h, where the data starts, and the
 * element count its shape gives. */
static int read_npy_header(const unsigned char *b, size_t size, const char *op, const char *what, npy_header *h,
                           size_t *data_at, int64_t *count) {
    size_t hstart = 0, hlen = 0;
    if (read_preamble(b, size, op, what, &hstart, &hlen)) return -1;
    memset(h, 0, sizeof *h);
    cursor c = {(const char *)b + hstart, (const char *)b + hstart + hlen, op, what};
    if (parse_header(&c, h)) return -1;
    int64_t n = 1;
    for (int d = 0; d < h->ndim; d++) {
        if (h->shape[d] && n > EM_MAX_NUMEL / h->shape[d]) return em_fail("%s: %s: shape too large", op, what);
        n *= h->shape[d];
    }
    *data_at = hstart + hlen;
    *count = n;
    return 0;
}

int em_npy_image_size(const unsigned char *b, size_t size, const char *op, const char *what, uint64_t *total) {
    npy_header h;
    size_t data_at;
    int64_t n;
    if (read_npy_header(b, size, op, what, &h, &data_at, &n)) return -1;
    *total = (uint64_t)data_at + (uint64_t)n * (uint64_t)h.size;
    return 0;
}

int em_npy_decode(em_tensor *out, const unsigned char *b, size_t size, const char *op, const char *what) {
    npy_header h;
    size_t data_at;
    int64_t n;
    if (read_npy_header(b, size, op, what, &h, &data_at, &n)) return -1;
    size_t have = size - data_at;
    if ((uint64_t)n > (uint64_t)(SIZE_MAX / 8) || have != (size_t)n * (size_t)h.size) {
        char s[160];
        return em_fail("%s: %s: %zu bytes of data, but shape %s of %d-byte elements needs %llu (truncated or corrupt)",
                       op, what, have, em_shape_str(s, sizeof s, h.ndim, h.shape), h.size,
                       (unsigned long long)n * (unsigned long long)h.size);
    }
    em_dtype dt = h.kind == 'f' ? EM_FLOAT32 : (h.kind == 'u' || h.kind == 'b') && h.size == 1 ? EM_UINT8 : EM_INT32;
    int64_t shape[EM_MAX_DIMS];
    for (int d = 0; d < h.ndim; d++) shape[d] = h.fortran ? h.shape[h.ndim - 1 - d] : h.shape[d];
    em_tensor raw = {0};
    if (em_tensor_alloc(&raw, dt, h.ndim, shape)) return -1;
    if (convert_data(&raw, &h, b + data_at, n, op, what)) {
        em_tensor_release(&raw);
        return -1;
    }
    if (h.fortran && h.ndim > 1) return from_fortran(out, &raw);
    *out = raw;
    return 0;
}

/* "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" padded with
 * spaces and a newline so that the data starts on a 64-byte boundary. */
static const char *descr_of(em_dtype dt) {
    switch (dt) {
    case EM_FLOAT32: return "<f4";
    case EM_INT32: return "<i4";
    case EM_UINT8: return "|u1";
    }
    return NULL;
}

static int format_header(const em_tensor *t, char *buf, size_t n, size_t *len) {
    const char *descr = descr_of(t->dtype);
    if (!descr) return em_fail("npy: unknown dtype %d", (int)t->dtype);
    size_t k = (size_t)snprintf(buf, n, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
    for (int d = 0; d < t->ndim && k < n; d++)
        k += (size_t)snprintf(buf + k, n - k, "%lld,%s", (long long)t->shape[d], d + 1 < t->ndim ? " " : "");
    if (k < n && t->ndim > 1) k--;  /* numpy writes (5,) but (2, 3) */
    if (k < n) k += (size_t)snprintf(buf + k, n - k, "), }");
    size_t total = 10 + k + 1;
    size_t padded = (total + 63) / 64 * 64;
    if (padded - 10 >= n) return em_fail("npy: header too long");
    while (10 + k + 1 < padded) buf[k++] = ' ';
    buf[k++] = '\n';
    *len = k;
    return 0;
}

int em_npy_encode(const em_tensor *t, unsigned char **bytes, size_t *size, const char *op) {
    char header[512];
    size_t hlen = 0;
    if (format_header(t, header, sizeof header, &hlen)) return -1;
    size_t data = (size_t)em_numel(t) * em_dtype_size(t->dtype);
    unsigned char *b = malloc(10 + hlen + data);
    if (!b) return em_fail("%s: out of memory encoding %zu bytes", op, 10 + hlen + data);
    memcpy(b, MAGIC, 6);
    b[6] = 1;
    b[7] = 0;
    b[8] = (unsigned char)(hlen & 0xff);
    b[9] = (unsigned char)(hlen >> 8);
    memcpy(b + 10, header, hlen);
    /* Our tensors are little-endian in memory (x86-64, aarch64): copy as is. */
    em_tensor dst = {0};
    em_storage st = {b + 10 + hlen, data, 2};
    dst.dtype = t->dtype;
    dst.ndim = t->ndim;
    memcpy(dst.shape, t->shape, sizeof dst.shape);
    em_contiguous_strides(t->ndim, t->shape, dst.strides);
    dst.storage = &st;
    if (em_tensor_copy(&dst, t)) { free(b); return -1; }
    *bytes = b;
    *size = 10 + hlen + data;
    return 0;
}

int em_npy_load(em_tensor *out, const char *path, const char *op) {
    unsigned char *b;
    size_t n;
    if (em_read_file(path, op, &b, &n)) return -1;
    int rc = em_npy_decode(out, b, n, op, path);
    free(b);
    return rc;
}

int em_npy_save(const char *path, const em_tensor *t, const char *op) {
    unsigned char *b;
    size_t n;
    if (em_npy_encode(t, &b, &n, op)) return -1;
    int rc = em_write_file_atomic(path, op, b, n);
    free(b);
    return rc;
}
