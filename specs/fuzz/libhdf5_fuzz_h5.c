/* libFuzzer harness: Keras HDF5 weight files (engine/io/h5.c over libhdf5)
 * on arbitrary bytes, written to a scratch file because libhdf5 opens a path.
 *
 * NOT in `make fuzz` (whose wildcard is specs/fuzz/fuzz_*.c): Debian's
 * libhdf5 1.10.8 itself reads out of bounds and leaks on corrupted object
 * headers within seconds (a heap-buffer-overflow in a memcpy under
 * H5Aexists -> H5O__attr_exists -> H5O__msg_iterate_real, while decoding an
 * attribute message), which Ember's reader cannot prevent: everything
 * Ember checks happens after libhdf5 has parsed the metadata.  This is why
 * load_weights calls em_h5_load_weights_isolated (libhdf5 in a child
 * process); the harness calls the in-process reader, to fuzz libhdf5 and
 * Ember's own checks.  Run it with `make fuzz-h5`; inputs it found are in
 * specs/fixtures/h5/hostile_*.h5 (weights_h5_spec checks that Ember
 * survives them). */
#include <stdint.h>
#include <stdlib.h>

#include "../../engine/io/h5.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_scratch_path("input.h5");
    fuzz_write_file(path, data, size);
    em_h5_weights w;
    if (em_h5_load_weights(path, "load_weights", &w) == 0) {
        for (int i = 0; i < w.nlayers; i++) {
            if (!w.layers[i].name) abort();
            for (int j = 0; j < w.layers[i].nweights; j++)
                if (!w.layers[i].weight_names[j] || w.layers[i].weights[j].dtype != EM_FLOAT32) abort();
        }
        em_h5_weights_free(&w);
    }
    unlink(path);
    return 0;
}
