/* numpy's .npy format (versions 1.0, 2.0 and 3.0 of the header).
 *
 * Reading accepts little- or big-endian '<f4' '<f8' (-> float32), '|u1' and
 * '|b1' (-> uint8; a bool is 0 or 1) and '<i4' '<i8' '<i2' '|i1' '<u2' '<u4'
 * (-> int32, values range-checked), C or Fortran order.  Every malformed input is an error naming the source
 * and what was wrong, never a crash: the parser checks every length and
 * bound before using it.  Writing produces version 1.0 with '<f4', '<i4' or
 * '|u1' and a 64-byte aligned header, as numpy.save does. */
#ifndef EMBER_IO_NPY_H
#define EMBER_IO_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "../core/tensor.h"

/* Parse a .npy image held in memory.  `what` names it in messages (a path,
 * or "file.npz member 'x.npy'"); `op` is the operation ("load").  out must
 * be empty; it is allocated on success. */
int em_npy_decode(em_tensor *out, const unsigned char *bytes, size_t size, const char *op, const char *what);

/* The size a whole .npy image must have, from its first bytes (magic,
 * version, header: all of it must be in b): header plus shape times element
 * size.  Lets a reader refuse a member whose size disagrees with its shape
 * before inflating it. */
int em_npy_image_size(const unsigned char *b, size_t size, const char *op, const char *what, uint64_t *total);

/* Encode t as a .npy image in a malloc'd buffer (*bytes, *size). */
int em_npy_encode(const em_tensor *t, unsigned char **bytes, size_t *size, const char *op);

/* Whole-file helpers: load reads path and decodes it; save encodes t and
 * writes it atomically (temp file in the same directory, then rename). */
int em_npy_load(em_tensor *out, const char *path, const char *op);
int em_npy_save(const char *path, const em_tensor *t, const char *op);

#endif
