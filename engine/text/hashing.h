/* The deterministic word hash behind one_hot and hashing_trick.  Keras uses
 * Python's hash() by default, which is salted per process in Python 3, so
 * its results are not reproducible; Ember always uses Keras's stable
 * alternative, hash_function='md5': index = int(md5(word), 16) % (n - 1) + 1.
 * So ember's one_hot(text, n) equals Keras's
 * hashing_trick(text, n, hash_function='md5'). */
#ifndef EMBER_HASHING_H
#define EMBER_HASHING_H

#include <stddef.h>
#include <stdint.h>

/* RFC 1321 MD5 of data into digest[16]. */
void em_md5(const void *data, size_t len, uint8_t digest[16]);

/* md5(word) as a 128-bit big-endian integer, modulo (n - 1), plus 1: in [1, n - 1].  n >= 2. */
int64_t em_hash_word(const char *word, size_t len, int64_t n);

#endif
