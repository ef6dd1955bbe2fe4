/* libFuzzer harness: the Keras Tokenizer (engine/text) on arbitrary bytes,
 * invalid UTF-8 included.  Byte 0 picks the options (lower, char_level,
 * oov_token, custom filters/split), byte 1 num_words; the rest is a list
 * of documents separated by NUL bytes.  With the custom flag the first
 * document is the filters string and the second the split string (both
 * may be refused: not valid UTF-8, empty split).  Every document is
 * fitted, converted to a sequence (with and without an 'unknown' value),
 * every matrix mode is built, every index of the sequences (and a few
 * with no word) is turned back into its word, and each document is
 * lowercased and hashed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/core/tensor.h"
#include "../../engine/text/casefold.h"
#include "../../engine/text/hashing.h"
#include "../../engine/text/tokenizer.h"

typedef struct {
    const char *p;
    size_t len;
} piece;

/* Split data at NUL bytes into at most max pieces (the last keeps the rest). */
static size_t split_docs(const char *data, size_t size, piece *out, size_t max) {
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= size && n < max; i++) {
        if (i == size || (data[i] == '\0' && n + 1 < max)) {
            out[n].p = data + start;
            out[n].len = i - start;
            n++;
            start = i + 1;
        }
    }
    return n;
}

static char *dup_cstr(piece p) {
    char *s = malloc(p.len + 1);
    if (!s) abort();
    memcpy(s, p.p, p.len);
    s[p.len] = '\0';
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    uint8_t flags = data[0];
    /* A private copy, so reads past a document's end are caught. */
    char *text = malloc(size - 2 ? size - 2 : 1);
    if (!text) return 0;
    memcpy(text, data + 2, size - 2);
    piece docs[64];
    size_t ndocs = split_docs(text, size - 2, docs, 64);

    char *filters = NULL, *split = NULL;
    size_t first = 0;
    if ((flags & 8) && ndocs >= 2) {
        filters = dup_cstr(docs[0]);
        split = dup_cstr(docs[1]);
        first = 2;
    }
    em_tokenizer_config cfg = {.num_words = data[1] & 0x3f,
                               .filters = filters,
                               .lower = flags & 1,
                               .split = split,
                               .char_level = (flags >> 1) & 1,
                               .oov_token = (flags & 4) ? "<oov>" : NULL};
    em_tokenizer t;
    if (em_tokenizer_init(&t, &cfg) == 0) {
        for (size_t i = first; i < ndocs; i++)
            if (em_tokenizer_fit_text(&t, docs[i].p, docs[i].len)) goto done;
        if (em_tokenizer_rank(&t)) goto done;
        em_sequences seqs = {0};
        if (em_seq_init(&seqs) == 0) {
            const int32_t unknown = 2;
            for (size_t i = first; i < ndocs; i++)
                if (em_tokenizer_to_sequence(&t, docs[i].p, docs[i].len, (i & 1) ? &unknown : NULL, &seqs)) break;
            /* sequences_to_texts: a word is never empty, and every byte of it
             * can be read (ASan checks; a word may hold NUL bytes, as in the
             * last document, which keeps the input's rest) */
            for (int64_t k = -1; k <= seqs.nvalues; k++) {
                size_t len = 0;
                int64_t id = k < 0 ? -5 : k == seqs.nvalues ? INT32_MAX : seqs.values[k];
                const char *w = em_tokenizer_word_of(&t, id, &len);
                if (!w) continue;
                if (len == 0) abort();
                volatile unsigned char sink = 0;
                for (size_t b = 0; b < len; b++) sink ^= (unsigned char)w[b];
            }
            for (int mode = EM_MATRIX_BINARY; mode <= EM_MATRIX_TFIDF; mode++) {
                em_tensor m;
                memset(&m, 0, sizeof m);
                if (em_tokenizer_matrix(&t, &seqs, (em_matrix_mode)mode, &m) == 0) em_tensor_release(&m);
            }
            em_seq_free(&seqs);
        }
    done:
        em_tokenizer_free(&t);
    }
    em_buf lowered = {0};
    for (size_t i = 0; i < ndocs; i++) {
        (void)em_utf8_lower(docs[i].p, docs[i].len, &lowered);
        int64_t h = em_hash_word(docs[i].p, docs[i].len, 2 + data[1]);
        if (h < 1 || h > 1 + data[1]) abort();
    }
    em_buf_free(&lowered);
    free(filters);
    free(split);
    free(text);
    return 0;
}
