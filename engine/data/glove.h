/* GloVe text vectors ("word v1 v2 ... vd" per line, space separated), as in
 * glove.6B.100d.txt.  The dimension is taken from the first line; every
 * other line must agree.  Values are parsed as doubles and rounded to
 * float32 (numpy's asarray(values, dtype='float32')). */
#ifndef EMBER_GLOVE_H
#define EMBER_GLOVE_H

#include <stddef.h>

#include "../core/tensor.h"
#include "../io/zipfs.h"

/* *words receives the words in file order and *vectors (empty) a
 * {n, dim} float32 tensor.  On failure both are left empty; errors name the
 * line (name is the file's name for messages). */
int em_glove_parse(const char *text, size_t len, const char *name, em_strlist *words, em_tensor *vectors);

/* Build an embedding matrix: out (a {max_words, dim} float32 tensor, zeroed
 * by the caller) row i receives vectors row rows[i] (0-based) when
 * rows[i] >= 0; other rows stay zero. */
int em_glove_gather(const em_tensor *vectors, const int32_t *rows, int64_t max_words, em_tensor *out);

#endif
