/* libFuzzer harness: the .npy parser (engine/io/npy.c) on arbitrary bytes.
 * A decoded tensor is re-encoded and decoded again: the round trip must
 * succeed and give the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/core/error.h"
#include "../../engine/core/tensor.h"
#include "../../engine/io/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    em_tensor t;
    memset(&t, 0, sizeof t);
    if (em_npy_decode(&t, data, size, "load", "fuzz.npy") != 0) return 0;
    unsigned char *bytes = NULL;
    size_t n = 0;
    if (em_npy_encode(&t, &bytes, &n, "save") != 0) abort();
    em_tensor back;
    memset(&back, 0, sizeof back);
    if (em_npy_decode(&back, bytes, n, "load", "re-encoded") != 0) abort();
    size_t nbytes = (size_t)em_numel(&t) * em_dtype_size(t.dtype);
    if (back.dtype != t.dtype || em_numel(&back) != em_numel(&t)) abort();
    if (nbytes && em_is_contiguous(&t) && em_is_contiguous(&back) && memcmp(em_f32(&back), em_f32(&t), nbytes) != 0) abort();
    free(bytes);
    em_tensor_release(&back);
    em_tensor_release(&t);
    return 0;
}
