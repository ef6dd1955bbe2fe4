/* Keras's imdb.load_data index transform, applied to reviews already turned
 * into word ranks (1 = the most frequent training word; -1 = a word the
 * training reviews never use):
 *  - shuffle train, then test, with a generator seeded by seed (a local
 *    splitmix64 stream: the engine's RNG is left alone, and the order is not
 *    numpy's);
 *  - each review becomes [start_char] + [rank + index_from ...];
 *  - maxlen: keep only reviews shorter than maxlen (Keras's strict <, with
 *    the start marker counted), applied to each set on its own;
 *  - every value w outside [skip_top, num_words) becomes oov_char (or is
 *    dropped when oov_char < 0), unknown words included; num_words = 0 keeps
 *    every known word. */
#ifndef EMBER_IMDB_H
#define EMBER_IMDB_H

#include <stdint.h>

#include "../text/sequences.h"

typedef struct {
    int64_t num_words;   /* 0: no limit */
    int64_t skip_top;
    int64_t maxlen;      /* 0: no limit */
    uint64_t seed;
    int64_t start_char;  /* < 0: none */
    int64_t oov_char;    /* < 0: drop out-of-range words */
    int64_t index_from;
} em_imdb_options;

/* One set: ranks + labels (n each) -> out (zeroed) + labels_out[n_out]
 * (caller-sized to n).  state: the shuffle stream, shared by the two calls
 * (train, then test).  Returns the number of reviews kept in *kept. */
int em_imdb_encode(const em_sequences *ranks, const int32_t *labels, const em_imdb_options *o, uint64_t *state,
                   em_sequences *out, int32_t *labels_out, int64_t *kept);

#endif
