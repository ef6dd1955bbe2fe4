#include "imdb.h"

#include <stdlib.h>

#include "../core/error.h"

static uint64_t splitmix64(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Fisher-Yates; the modulo bias is below 2^-40 for n < 2^24. */
static void permute(int64_t *idx, int64_t n, uint64_t *state) {
    for (int64_t i = 0; i < n; i++) idx[i] = i;
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)(splitmix64(state) % (uint64_t)(i + 1));
        int64_t t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
}

static int encode_one(const int32_t *v, int64_t len, const em_imdb_options *o, em_sequences *out) {
    if (o->start_char >= 0 && em_seq_push(out, (int32_t)o->start_char)) return -1;
    for (int64_t k = 0; k < len; k++) {
        int64_t w = v[k] < 0 ? -1 : v[k] + o->index_from;
        if (w >= 0 && w >= o->skip_top && (!o->num_words || w < o->num_words)) {
            if (em_seq_push(out, (int32_t)w)) return -1;
        } else if (o->oov_char >= 0 && em_seq_push(out, (int32_t)o->oov_char)) {
            return -1;
        }
    }
    /* Keras applies skip_top / num_words to the start marker too */
    if (o->start_char >= 0 && (o->start_char < o->skip_top || (o->num_words && o->start_char >= o->num_words))) {
        int32_t *first = out->values + out->offsets[out->n];
        if (o->oov_char >= 0) *first = (int32_t)o->oov_char;
        else {
            for (int64_t k = out->offsets[out->n]; k + 1 < out->nvalues; k++) out->values[k] = out->values[k + 1];
            out->nvalues--;
        }
    }
    return em_seq_close(out);
}

int em_imdb_encode(const em_sequences *ranks, const int32_t *labels, const em_imdb_options *o, uint64_t *state,
                   em_sequences *out, int32_t *labels_out, int64_t *kept) {
    int64_t n = ranks->n;
    int64_t *idx = malloc((size_t)(n ? n : 1) * sizeof *idx);
    if (!idx) return em_fail("imdb.load_data: out of memory");
    if (em_seq_init(out)) { free(idx); return -1; }
    permute(idx, n, state);
    *kept = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t len = em_seq_len(ranks, idx[i]);
        if (o->maxlen && len + (o->start_char >= 0) >= o->maxlen) continue;
        if (encode_one(em_seq_at(ranks, idx[i]), len, o, out)) {
            free(idx);
            em_seq_free(out);
            return -1;
        }
        labels_out[(*kept)++] = labels[idx[i]];
    }
    free(idx);
    return 0;
}
