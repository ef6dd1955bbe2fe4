/* numpy's .npz archives (numpy.savez / numpy.load), through libzip.
 *
 * Each member "name.npy" is a .npy image; load strips the ".npy".  Members
 * may be stored or deflated (savez_compressed); save stores them, as
 * numpy.savez does, writing to a temp file that is renamed into place. */
#ifndef EMBER_IO_NPZ_H
#define EMBER_IO_NPZ_H

#include "../core/tensor.h"

typedef struct {
    char *name;     /* without ".npy" (malloc'd) */
    em_tensor tensor;
} em_npz_entry;

/* Read every member.  On success *entries (malloc'd, *n of them) must be
 * freed with em_npz_free; on failure nothing is left allocated. */
int em_npz_load(const char *path, const char *op, em_npz_entry **entries, int *n);
void em_npz_free(em_npz_entry *entries, int n);

/* Write n tensors under the given names (".npy" is appended). */
int em_npz_save(const char *path, const char *op, const char *const *names, const em_tensor *const *tensors, int n);

/* Whether the file starts like a zip archive ("PK\3\4" or an empty zip's "PK\5\6"). */
int em_is_zip_prefix(const unsigned char *b, size_t n);

#endif
