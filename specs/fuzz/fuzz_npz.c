/* libFuzzer harness: .npz archives (engine/io/npz.c over libzip) on
 * arbitrary bytes, written to a scratch file because em_npz_load reads a path. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/core/tensor.h"
#include "../../engine/io/npz.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_scratch_path("input.npz");
    fuzz_write_file(path, data, size);
    em_npz_entry *entries = NULL;
    int n = 0;
    if (em_npz_load(path, "load", &entries, &n) == 0) {
        for (int i = 0; i < n; i++) {
            if (!entries[i].name) abort();
            (void)em_numel(&entries[i].tensor);
        }
        em_npz_free(entries, n);
    }
    unlink(path);
    return 0;
}
