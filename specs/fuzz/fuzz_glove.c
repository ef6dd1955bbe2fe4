/* libFuzzer harness: the GloVe text format (engine/data/glove.c).  A
 * successful parse gives one word per row of a {n, dim} tensor; the rows
 * are then gathered into an embedding matrix with indices taken from the
 * input, out-of-range ones included (they must be refused, not read). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/core/tensor.h"
#include "../../engine/data/glove.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size ? size : 1);
    if (!text) return 0;
    memcpy(text, data, size);
    em_strlist words = {0};
    em_tensor vectors;
    memset(&vectors, 0, sizeof vectors);
    if (em_glove_parse(text, size, "fuzz.txt", &words, &vectors) == 0) {
        if (vectors.ndim != 2 || (size_t)vectors.shape[0] != words.n) abort();
        int32_t rows[4];
        for (int i = 0; i < 4; i++) rows[i] = size > (size_t)i ? (int32_t)data[i] - 2 : -1;
        em_tensor m;
        int64_t shape[2] = {4, vectors.shape[1]};
        memset(&m, 0, sizeof m);
        if (em_tensor_alloc(&m, EM_FLOAT32, 2, shape) == 0) {
            (void)em_glove_gather(&vectors, rows, 4, &m);
            em_tensor_release(&m);
        }
        em_tensor_release(&vectors);
        em_strlist_free(&words);
    } else if (vectors.storage || words.items) {
        abort();
    }
    free(text);
    return 0;
}
