#include "glove.h"

#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../io/numparse.h"

/* Count the space-separated fields of [p, end). */
static int64_t count_fields(const char *p, const char *end) {
    int64_t n = 0;
    while (p < end) {
        while (p < end && *p == ' ') p++;
        if (p >= end) break;
        n++;
        while (p < end && *p != ' ') p++;
    }
    return n;
}

static const char *line_end(const char *p, const char *end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    return nl ? nl : end;
}

/* Parse the dim numbers after the word on one line into row. */
static int parse_values(const char *p, const char *end, int64_t dim, float *row, const char *name, int64_t line) {
    for (int64_t k = 0; k < dim; k++) {
        while (p < end && *p == ' ') p++;
        double v;
        const char *stop = em_parse_double(p, end, &v);
        if (stop == p || (stop < end && *stop != ' ' && *stop != '\r'))
            return em_fail("glove: %s line %lld: value %lld is not a number", name, (long long)line, (long long)k + 1);
        row[k] = (float)v;
        p = stop;
    }
    return 0;
}

int em_glove_parse(const char *text, size_t len, const char *name, em_strlist *words, em_tensor *vectors) {
    const char *end = text + len;
    int64_t lines = 0, dim = -1;
    for (const char *p = text; p < end; p = line_end(p, end) + 1) {
        const char *e = line_end(p, end);
        if (e > p && e[-1] == '\r') e--;
        if (e == p) continue;
        if (dim < 0) dim = count_fields(p, e) - 1;
        lines++;
    }
    if (lines == 0 || dim <= 0) return em_fail("glove: %s holds no word vectors", name);
    int64_t shape[2] = {lines, dim};
    if (em_tensor_alloc(vectors, EM_FLOAT32, 2, shape)) return -1;
    int64_t row = 0, lineno = 0;
    for (const char *p = text; p < end; p = line_end(p, end) + 1) {
        lineno++;
        const char *e = line_end(p, end);
        if (e > p && e[-1] == '\r') e--;
        if (e == p) continue;
        int64_t n = count_fields(p, e) - 1;
        if (n != dim) {
            em_fail("glove: %s line %lld has %lld values, expected %lld (the dimension of line 1)", name,
                    (long long)lineno, (long long)n, (long long)dim);
            goto fail;
        }
        const char *w = p;
        while (w < e && *w == ' ') w++;
        const char *we = w;
        while (we < e && *we != ' ') we++;
        if (em_strlist_push(words, w, (size_t)(we - w))) goto fail;
        if (parse_values(we, e, dim, em_f32(vectors) + row * dim, name, lineno)) goto fail;
        row++;
    }
    return 0;
fail:
    em_strlist_free(words);
    em_tensor_release(vectors);
    return -1;
}

int em_glove_gather(const em_tensor *vectors, const int32_t *rows, int64_t max_words, em_tensor *out) {
    int64_t n = vectors->shape[0], dim = vectors->shape[1];
    if (!em_is_contiguous(vectors) || !em_is_contiguous(out) || out->shape[0] != max_words || out->shape[1] != dim)
        return em_fail("glove: embedding matrix shapes do not match");
    for (int64_t i = 0; i < max_words; i++) {
        if (rows[i] < 0) continue;
        if (rows[i] >= n) return em_fail("glove: row %d out of range", rows[i]);
        memcpy(em_f32(out) + i * dim, em_f32(vectors) + (int64_t)rows[i] * dim, (size_t)dim * sizeof(float));
    }
    return 0;
}
