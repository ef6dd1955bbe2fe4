/* A word -> entry hash table (open addressing, linear probing).  Each entry
 * remembers when it was first inserted (Keras's OrderedDict word_counts
 * order, which breaks ties between equal counts), so the entries themselves
 * may be reordered: the Tokenizer puts them in rank order, which keeps the
 * frequent words' slots and entries close together in cache. */
#ifndef EMBER_VOCAB_H
#define EMBER_VOCAB_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    size_t off;        /* word bytes at arena + off */
    uint32_t len;
    uint32_t hash;
    int64_t count;     /* occurrences (word_counts) */
    int64_t docs;      /* documents containing it (word_docs) */
    int64_t last_doc;  /* last document that counted towards docs */
    int32_t index;     /* word_index value, 0 until ranked */
    int32_t first_seen;  /* insertion number */
} em_word;

typedef struct {
    int32_t word;   /* -1 empty, else an index into words */
    uint32_t hash;  /* the word's hash, compared before the word itself */
} em_vocab_slot;

typedef struct {
    char *arena;
    size_t arena_len, arena_cap;
    em_word *words;  /* insertion order until em_vocab_reorder */
    size_t n, cap;
    em_vocab_slot *slots;
    size_t nslots;   /* a power of two, at least 2n */
} em_vocab;

void em_vocab_free(em_vocab *v);
/* Index of word in v->words, or -1. */
int64_t em_vocab_find(const em_vocab *v, const char *w, size_t len);
/* Index of word, inserting it (count 0) if new; -1 on out of memory. */
int64_t em_vocab_intern(em_vocab *v, const char *w, size_t len);

/* The same with the hash computed beforehand (em_vocab_hash), so a caller
 * can hash a whole document's words first and prefetch their slots and
 * entries (em_vocab_prefetch_*) while the memory system catches up: most
 * lookups in a large vocabulary are cache misses otherwise. */
uint32_t em_vocab_hash(const char *w, size_t len);
int64_t em_vocab_find_hashed(const em_vocab *v, const char *w, size_t len, uint32_t h);
int64_t em_vocab_intern_hashed(em_vocab *v, const char *w, size_t len, uint32_t h);
static inline void em_vocab_prefetch_slot(const em_vocab *v, uint32_t h) {
    if (v->nslots) __builtin_prefetch(&v->slots[h & (v->nslots - 1)]);
}
static inline void em_vocab_prefetch_entry(const em_vocab *v, uint32_t h) {
    if (!v->nslots) return;
    const em_vocab_slot *s = &v->slots[h & (v->nslots - 1)];
    if (s->word >= 0 && s->hash == h) {
        __builtin_prefetch(&v->words[s->word]);
        __builtin_prefetch(v->arena + v->words[s->word].off);
    }
}

/* Put the entries in the given order (order[i] = old position of the new
 * i-th entry, a permutation of 0..n-1) and rebuild the slots in that order. */
int em_vocab_reorder(em_vocab *v, const int32_t *order);

static inline const char *em_vocab_word(const em_vocab *v, size_t i) { return v->arena + v->words[i].off; }

#endif
