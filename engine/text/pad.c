#include "pad.h"

#include "../core/error.h"

int em_pad_sequences(const em_sequences *seqs, int64_t maxlen, em_pad_side padding, em_pad_side truncating,
                     double value, em_dtype dtype, em_tensor *out) {
    if (dtype != EM_INT32 && dtype != EM_FLOAT32)
        return em_fail("pad_sequences: dtype %s is not supported (float32 or int32)", em_dtype_name(dtype));
    if (maxlen < 0) maxlen = em_seq_max_len(seqs);
    int64_t shape[2] = {seqs->n, maxlen};
    if (em_tensor_alloc(out, dtype, 2, shape)) return -1;
    if (value != 0) em_tensor_fill(out, value);
    for (int64_t i = 0; i < seqs->n; i++) {
        int64_t len = em_seq_len(seqs, i);
        const int32_t *src = em_seq_at(seqs, i);
        int64_t keep = len < maxlen ? len : maxlen;
        if (truncating == EM_PAD_PRE) src += len - keep;
        int64_t at = padding == EM_PAD_PRE ? maxlen - keep : 0;
        if (dtype == EM_INT32) {
            int32_t *row = em_i32(out) + i * maxlen + at;
            for (int64_t k = 0; k < keep; k++) row[k] = src[k];
        } else {
            float *row = em_f32(out) + i * maxlen + at;
            for (int64_t k = 0; k < keep; k++) row[k] = (float)src[k];
        }
    }
    return 0;
}
