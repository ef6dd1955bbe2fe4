/* Keras's pad_sequences: every sequence cut or padded to maxlen.
 * truncating "pre" keeps the last maxlen values, "post" the first;
 * padding "pre" puts the values at the end of the row, "post" at the start;
 * the rest of the row is value. */
#ifndef EMBER_PAD_H
#define EMBER_PAD_H

#include "../core/tensor.h"
#include "sequences.h"

typedef enum { EM_PAD_PRE = 0, EM_PAD_POST = 1 } em_pad_side;

/* *out (empty) = {n, maxlen} tensor of dtype.  maxlen < 0: the longest
 * sequence's length (Keras's maxlen=None). */
int em_pad_sequences(const em_sequences *seqs, int64_t maxlen, em_pad_side padding, em_pad_side truncating,
                     double value, em_dtype dtype, em_tensor *out);

#endif
