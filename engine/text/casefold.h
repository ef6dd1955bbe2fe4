/* Lowercasing UTF-8 text the way Python 3's str.lower() does (Keras's
 * Tokenizer lowercases with it): full Unicode lowercase mapping via
 * utf8proc, plus Python's two special cases, U+0130 (I with dot above ->
 * "i" + U+0307) and the final sigma (U+03A3 -> U+03C2 at the end of a word).
 * Bytes that are not valid UTF-8 are copied unchanged. */
#ifndef EMBER_CASEFOLD_H
#define EMBER_CASEFOLD_H

#include <stddef.h>

/* A growable byte buffer, reused across calls so lowercasing 25,000 texts
 * allocates only a few times. */
typedef struct {
    char *data;
    size_t len, cap;
} em_buf;

int em_buf_reserve(em_buf *b, size_t cap);
void em_buf_free(em_buf *b);

/* out = lower(text).  out's old content is discarded. */
int em_utf8_lower(const char *text, size_t len, em_buf *out);

#endif
