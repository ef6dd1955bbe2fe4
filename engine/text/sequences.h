/* Ragged int32 sequences stored compactly: one values buffer and n + 1
 * offsets (sequence i is values[offsets[i] .. offsets[i+1]), 0-based).
 * Built by appending values and closing sequences one at a time. */
#ifndef EMBER_SEQUENCES_H
#define EMBER_SEQUENCES_H

#include <stdint.h>

typedef struct {
    int32_t *values;
    int64_t *offsets;  /* n + 1 entries once initialised */
    int64_t n;         /* closed sequences */
    int64_t nvalues, vcap, ocap;
} em_sequences;

/* An empty collection (no sequences).  *s must be zeroed or freed. */
int em_seq_init(em_sequences *s);
void em_seq_free(em_sequences *s);

/* Append a value to the open (last, unclosed) sequence. */
int em_seq_push(em_sequences *s, int32_t v);
/* Append count values at once. */
int em_seq_push_many(em_sequences *s, const int32_t *v, int64_t count);
/* Close the open sequence (possibly empty): it becomes sequence n. */
int em_seq_close(em_sequences *s);

static inline int64_t em_seq_len(const em_sequences *s, int64_t i) { return s->offsets[i + 1] - s->offsets[i]; }
static inline const int32_t *em_seq_at(const em_sequences *s, int64_t i) { return s->values + s->offsets[i]; }

/* *out = every sequence reversed (listing 6-42).  *out must be zeroed. */
int em_seq_reversed(const em_sequences *s, em_sequences *out);

/* Longest sequence length (0 when there are none). */
int64_t em_seq_max_len(const em_sequences *s);

#endif
