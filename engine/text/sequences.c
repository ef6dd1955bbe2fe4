#include "sequences.h"

#include <stdlib.h>
#include <string.h>

#include "../core/error.h"

static int reserve_values(em_sequences *s, int64_t need);

int em_seq_init(em_sequences *s) {
    memset(s, 0, sizeof *s);
    s->ocap = 64;
    s->offsets = malloc((size_t)s->ocap * sizeof *s->offsets);
    if (!s->offsets) return em_fail("Sequences: out of memory");
    s->offsets[0] = 0;
    /* A values buffer from the start: em_seq_at on a collection of empty
     * sequences must not do arithmetic on a NULL pointer (UB, found by fuzzing). */
    if (reserve_values(s, 1)) {
        free(s->offsets);
        memset(s, 0, sizeof *s);
        return -1;
    }
    return 0;
}

void em_seq_free(em_sequences *s) {
    free(s->values);
    free(s->offsets);
    memset(s, 0, sizeof *s);
}

static int reserve_values(em_sequences *s, int64_t need) {
    if (need <= s->vcap) return 0;
    int64_t cap = s->vcap ? s->vcap : 1024;
    while (cap < need) cap *= 2;
    int32_t *v = realloc(s->values, (size_t)cap * sizeof *v);
    if (!v) return em_fail("Sequences: out of memory (%lld values)", (long long)cap);
    s->values = v;
    s->vcap = cap;
    return 0;
}

int em_seq_push(em_sequences *s, int32_t v) {
    if (s->nvalues == s->vcap && reserve_values(s, s->nvalues + 1)) return -1;
    s->values[s->nvalues++] = v;
    return 0;
}

int em_seq_push_many(em_sequences *s, const int32_t *v, int64_t count) {
    if (reserve_values(s, s->nvalues + count)) return -1;
    if (count > 0) memcpy(s->values + s->nvalues, v, (size_t)count * sizeof *v);
    s->nvalues += count;
    return 0;
}

int em_seq_close(em_sequences *s) {
    if (s->n + 2 > s->ocap) {
        int64_t cap = s->ocap * 2;
        int64_t *o = realloc(s->offsets, (size_t)cap * sizeof *o);
        if (!o) return em_fail("Sequences: out of memory (%lld sequences)", (long long)cap);
        s->offsets = o;
        s->ocap = cap;
    }
    s->offsets[++s->n] = s->nvalues;
    return 0;
}

int em_seq_reversed(const em_sequences *s, em_sequences *out) {
    if (em_seq_init(out)) return -1;
    if (reserve_values(out, s->nvalues)) goto fail;
    for (int64_t i = 0; i < s->n; i++) {
        const int32_t *v = em_seq_at(s, i);
        for (int64_t j = em_seq_len(s, i) - 1; j >= 0; j--) out->values[out->nvalues++] = v[j];
        if (em_seq_close(out)) goto fail;
    }
    return 0;
fail:
    em_seq_free(out);
    return -1;
}

int64_t em_seq_max_len(const em_sequences *s) {
    int64_t m = 0;
    for (int64_t i = 0; i < s->n; i++)
        if (em_seq_len(s, i) > m) m = em_seq_len(s, i);
    return m;
}
