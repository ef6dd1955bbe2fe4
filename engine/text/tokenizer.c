#include "tokenizer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"

int em_tokenizer_init(em_tokenizer *t, const em_tokenizer_config *cfg) {
    memset(t, 0, sizeof *t);
    if (cfg->num_words < 0) return em_fail("Tokenizer: num_words must be positive, got %lld", (long long)cfg->num_words);
    t->num_words = cfg->num_words;
    if (em_splitter_init(&t->splitter, cfg->filters ? cfg->filters : EM_DEFAULT_FILTERS,
                         cfg->split ? cfg->split : " ", cfg->lower, cfg->char_level))
        return -1;
    if (cfg->oov_token && !(t->oov_token = strdup(cfg->oov_token))) {
        em_tokenizer_free(t);
        return em_fail("Tokenizer: out of memory");
    }
    if (em_tokenizer_rank(t)) {
        em_tokenizer_free(t);
        return -1;
    }
    return 0;
}

void em_tokenizer_free(em_tokenizer *t) {
    em_splitter_free(&t->splitter);
    em_vocab_free(&t->vocab);
    free(t->oov_token);
    free(t->index_word);
    free(t->toks);
    memset(t, 0, sizeof *t);
}

/* Gather a document's words with their hashes, prefetching their slots;
 * the words point into the splitter's scratch buffer, valid until the next
 * document. */
static int collect_word(void *ctx, const char *w, size_t len) {
    em_tokenizer *t = ctx;
    if (len > UINT32_MAX) return em_fail("Tokenizer: a token of %zu bytes is too long", len);
    if (t->ntoks == t->toks_cap) {
        size_t cap = t->toks_cap ? t->toks_cap * 2 : 1024;
        struct em_token *toks = realloc(t->toks, cap * sizeof *toks);
        if (!toks) return em_fail("Tokenizer: out of memory");
        t->toks = toks;
        t->toks_cap = cap;
    }
    uint32_t h = em_vocab_hash(w, len);
    em_vocab_prefetch_slot(&t->vocab, h);
    t->toks[t->ntoks++] = (struct em_token){w, (uint32_t)len, h};
    return 0;
}

/* Split one document into t->toks (their slots prefetched). */
static int gather(em_tokenizer *t, const char *text, size_t len) {
    t->ntoks = 0;
    return em_split_words(&t->splitter, text, len, collect_word, t);
}

/* While word i is looked up, the entry of word i + AHEAD is fetched: a
 * sliding window, since a burst of hundreds of prefetches would overflow
 * the CPU's miss buffers and be dropped. */
#define AHEAD 8
static inline void prefetch_ahead(const em_tokenizer *t, size_t i) {
    if (i + AHEAD < t->ntoks) em_vocab_prefetch_entry(&t->vocab, t->toks[i + AHEAD].hash);
}

int em_tokenizer_fit_text(em_tokenizer *t, const char *text, size_t len) {
    int64_t doc = t->document_count++;
    if (gather(t, text, len)) return -1;
    for (size_t i = 0; i < t->ntoks; i++) {
        prefetch_ahead(t, i);
        const struct em_token *tk = &t->toks[i];
        int64_t k = em_vocab_intern_hashed(&t->vocab, tk->w, tk->len, tk->hash);
        if (k < 0) return -1;
        em_word *e = &t->vocab.words[k];
        e->count++;
        if (e->last_doc != doc) {  /* word_docs counts each document once */
            e->last_doc = doc;
            e->docs++;
        }
    }
    return 0;
}

static const em_word *sort_words;
static int by_count_then_first_seen(const void *a, const void *b) {
    int32_t i = *(const int32_t *)a, j = *(const int32_t *)b;
    int64_t ci = sort_words[i].count, cj = sort_words[j].count;
    if (ci != cj) return ci > cj ? -1 : 1;
    int32_t fi = sort_words[i].first_seen, fj = sort_words[j].first_seen;
    return (fi > fj) - (fi < fj);
}

int em_tokenizer_rank(em_tokenizer *t) {
    size_t n = t->vocab.n;
    if (n + 2 > INT32_MAX) return em_fail("Tokenizer: vocabulary of %zu words is too large", n);
    int32_t *order = malloc((n + 1) * sizeof *order);
    int32_t *index_word = malloc((n + 2) * sizeof *index_word);
    if (!order || !index_word) {
        free(order);
        free(index_word);
        return em_fail("Tokenizer: out of memory ranking %zu words", n);
    }
    for (size_t i = 0; i < n; i++) order[i] = (int32_t)i;
    sort_words = t->vocab.words;
    qsort(order, n, sizeof *order, by_count_then_first_seen);
    /* Keras: sorted_voc = [oov_token] + words by count; word_index is built
     * from it with dict(), so a later duplicate of the oov token wins. */
    int32_t shift = t->oov_token ? 1 : 0;
    index_word[0] = -1;
    if (shift) index_word[1] = -2;
    t->oov_index = shift ? 1 : 0;
    if (em_vocab_reorder(&t->vocab, order)) {
        free(order);
        free(index_word);
        return -1;
    }
    for (size_t r = 0; r < n; r++) {  /* entry r now holds the word of rank r + 1 */
        em_word *e = &t->vocab.words[r];
        e->index = (int32_t)(r + 1 + (size_t)shift);
        index_word[e->index] = (int32_t)r;
    }
    if (shift) {
        int64_t k = em_vocab_find(&t->vocab, t->oov_token, strlen(t->oov_token));
        if (k >= 0) {
            t->oov_index = t->vocab.words[k].index;
            index_word[1] = -1;
        }
    }
    free(order);
    free(t->index_word);
    t->index_word = index_word;
    t->index_size = (int64_t)n + 1 + shift;
    return 0;
}

/* Sets *out to the index a word gets in a sequence; 0 when it is dropped. */
static int index_of(const em_tokenizer *t, const struct em_token *tk, const int32_t *unknown, int32_t *out) {
    int64_t k = em_vocab_find_hashed(&t->vocab, tk->w, tk->len, tk->hash);
    if (k >= 0 && !(t->num_words && t->vocab.words[k].index >= t->num_words)) {
        *out = t->vocab.words[k].index;
        return 1;
    }
    if (t->oov_token) {  /* unknown, or beyond num_words */
        *out = t->oov_index;
        return 1;
    }
    if (k < 0 && unknown) {
        *out = *unknown;
        return 1;
    }
    return 0;
}

int em_tokenizer_to_sequence(em_tokenizer *t, const char *text, size_t len, const int32_t *unknown,
                             em_sequences *out) {
    if (gather(t, text, len)) return -1;
    for (size_t i = 0; i < t->ntoks; i++) {
        prefetch_ahead(t, i);
        int32_t v;
        if (index_of(t, &t->toks[i], unknown, &v) && em_seq_push(out, v)) return -1;
    }
    return em_seq_close(out);
}

/* Keras's index_word[j], or NULL when j has no word. */
static const char *index_word_at(const em_tokenizer *t, int64_t j, size_t *len) {
    if (j < 1 || j >= t->index_size || t->index_word[j] == -1) return NULL;
    int32_t k = t->index_word[j];
    if (k == -2) {
        *len = strlen(t->oov_token);
        return t->oov_token;
    }
    *len = t->vocab.words[k].len;
    return em_vocab_word(&t->vocab, (size_t)k);
}

const char *em_tokenizer_word_of(const em_tokenizer *t, int64_t id, size_t *len) {
    const char *w = index_word_at(t, id, len);
    if (w && !(t->num_words && id >= t->num_words)) return w;
    return t->oov_index ? index_word_at(t, t->oov_index, len) : NULL;
}

/* Keras's index_docs[j]: documents holding the word of index j. */
static double index_docs(const em_tokenizer *t, int64_t j) {
    if (j >= t->index_size || t->index_word[j] < 0) return 0;
    return (double)t->vocab.words[t->index_word[j]].docs;
}

/* Count, then transform each counted column (the row is as long as the
 * matrix is wide anyway, so the column sweep costs no more than zeroing). */
static void fill_row(const em_tokenizer *t, const int32_t *seq, int64_t len, int64_t cols, em_matrix_mode mode,
                     float *row) {
    for (int64_t k = 0; k < len; k++)
        if (seq[k] < cols) row[seq[k]] += 1.0f;
    if (mode == EM_MATRIX_COUNT) return;
    for (int64_t j = 0; j < cols; j++) {
        double c = row[j];
        if (c == 0) continue;
        if (mode == EM_MATRIX_BINARY) row[j] = 1.0f;
        else if (mode == EM_MATRIX_FREQ) row[j] = (float)(c / (double)len);
        else row[j] = (float)((1 + log(c)) * log(1 + (double)t->document_count / (1 + index_docs(t, j))));
    }
}

int em_tokenizer_matrix(const em_tokenizer *t, const em_sequences *seqs, em_matrix_mode mode, em_tensor *out) {
    int64_t cols = t->num_words;
    if (!cols) {
        if (t->index_size <= 1)
            return em_fail("sequences_to_matrix: specify a dimension (num_words), or fit on some text data first");
        cols = t->index_size;
    }
    if (mode == EM_MATRIX_TFIDF && !t->document_count)
        return em_fail("sequences_to_matrix: fit the Tokenizer on some data before using tfidf mode");
    for (int64_t i = 0; i < seqs->n; i++)
        for (int64_t k = 0; k < em_seq_len(seqs, i); k++)
            if (em_seq_at(seqs, i)[k] < 0)
                return em_fail("sequences_to_matrix: sequence %lld holds a negative index %d", (long long)i + 1,
                               em_seq_at(seqs, i)[k]);
    int64_t shape[2] = {seqs->n, cols};
    if (em_tensor_alloc(out, EM_FLOAT32, 2, shape)) return -1;
    for (int64_t i = 0; i < seqs->n; i++)
        fill_row(t, em_seq_at(seqs, i), em_seq_len(seqs, i), cols, mode, em_f32(out) + i * cols);
    return 0;
}
