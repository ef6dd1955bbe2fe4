/* Keras 2's Tokenizer (keras_preprocessing 1.0.5, as shipped with Keras
 * 2.2.4), in C.  Semantics kept exactly:
 *  - words come from text_to_word_sequence (words.h) or, with char_level,
 *    one per character; lowercasing is Python's str.lower (casefold.h);
 *  - fit counts every word (word_counts) and the documents holding it
 *    (word_docs); word_index ranks words by count, ties in order of first
 *    appearance, starting at 1; an oov_token takes index 1 (unless it is
 *    itself a word of the texts, then it keeps that word's index);
 *  - texts_to_sequences keeps indices < num_words; other and unknown words
 *    become the oov index when there is an oov_token, else are dropped;
 *  - sequences_to_matrix: modes binary, count, freq (count / sequence
 *    length), tfidf (tf = 1 + ln count, idf = ln(1 + docs / (1 + df)));
 *  - sequences_to_texts: each index's word, joined by spaces (char_level
 *    too, as in 1.0.5); indices >= num_words and indices with no word give
 *    the oov token when there is one, else nothing. */
#ifndef EMBER_TOKENIZER_H
#define EMBER_TOKENIZER_H

#include <stdint.h>

#include "../core/tensor.h"
#include "sequences.h"
#include "vocab.h"
#include "words.h"

typedef struct {
    int64_t num_words;      /* 0: keep every word */
    const char *filters;    /* NULL: EM_DEFAULT_FILTERS */
    int lower;
    const char *split;      /* NULL: " " */
    int char_level;
    const char *oov_token;  /* NULL: none */
} em_tokenizer_config;

typedef struct {
    int64_t num_words;
    char *oov_token;
    em_splitter splitter;
    em_vocab vocab;
    int64_t document_count;
    int32_t oov_index;    /* 0 when there is no oov_token */
    int32_t *index_word;  /* index -> entry in vocab.words; -1 none, -2 the oov token */
    int64_t index_size;   /* largest index + 1 */
    struct em_token { const char *w; uint32_t len, hash; } *toks;  /* one document's words */
    size_t ntoks, toks_cap;
} em_tokenizer;

typedef enum { EM_MATRIX_BINARY, EM_MATRIX_COUNT, EM_MATRIX_FREQ, EM_MATRIX_TFIDF } em_matrix_mode;

/* *t must be zeroed; on failure it is left freed. */
int em_tokenizer_init(em_tokenizer *t, const em_tokenizer_config *cfg);
void em_tokenizer_free(em_tokenizer *t);

/* Count one document.  Call em_tokenizer_rank after the last one. */
int em_tokenizer_fit_text(em_tokenizer *t, const char *text, size_t len);
/* Recompute word_index / index_word from the counts. */
int em_tokenizer_rank(em_tokenizer *t);

/* Append text's sequence to out (and close it).  unknown: NULL for Keras's
 * behaviour, else the value given to words outside the vocabulary when
 * there is no oov_token (imdb.load_data marks them this way). */
int em_tokenizer_to_sequence(em_tokenizer *t, const char *text, size_t len, const int32_t *unknown,
                             em_sequences *out);

/* The word sequences_to_texts writes for index `id` (not NUL-terminated;
 * *len is its length), or NULL when it writes nothing. */
const char *em_tokenizer_word_of(const em_tokenizer *t, int64_t id, size_t *len);

/* *out (empty) = a {n, num_words} float32 matrix, Keras's sequences_to_matrix. */
int em_tokenizer_matrix(const em_tokenizer *t, const em_sequences *seqs, em_matrix_mode mode, em_tensor *out);

#endif
