/* Keras 2's text_to_word_sequence in C: lowercase (optional), replace every
 * filter character by the split string, split on the split string, drop
 * empty pieces.  Also the char_level splitting (one token per code point,
 * no filters).  Words are handed to a callback as (pointer, length) into a
 * scratch buffer, valid only during the call. */
#ifndef EMBER_WORDS_H
#define EMBER_WORDS_H

#include <stddef.h>
#include <stdint.h>

#include "casefold.h"

/* Keras's default filters: !"#$%&()*+,-./:;<=>?@[\]^_`{|}~ plus tab and newline. */
#define EM_DEFAULT_FILTERS "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n"

typedef struct {
    unsigned char ascii_filter[128];  /* 1 for filtered ASCII bytes */
    int32_t *wide;                    /* filtered code points >= 128 */
    size_t nwide;
    char *split;                      /* UTF-8, non-empty */
    size_t split_len;
    int lower;
    int char_level;
    int fast;                         /* ASCII split and filters: split_fast */
    unsigned char separator[256];     /* fast path: filters + split byte */
    em_buf lowered, translated;       /* scratch, reused */
} em_splitter;

/* filters: UTF-8 string of characters to drop; split: non-empty separator. */
int em_splitter_init(em_splitter *s, const char *filters, const char *split, int lower, int char_level);
void em_splitter_free(em_splitter *s);

typedef int (*em_word_fn)(void *ctx, const char *word, size_t len);

/* Call fn for every token of text in order; stops at the first non-zero return. */
int em_split_words(em_splitter *s, const char *text, size_t len, em_word_fn fn, void *ctx);

#endif
