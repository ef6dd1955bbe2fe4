#include "vocab.h"

#include <stdlib.h>
#include <string.h>

#include "../core/error.h"

/* A multiplicative hash over 8-byte chunks: words are short, so this is a
 * couple of multiplies per word instead of one per byte. */
static uint32_t word_hash(const char *s, size_t len) {
    uint64_t h = (uint64_t)len * 0x9E3779B97F4A7C15ull, x;
    for (; len >= 8; s += 8, len -= 8) {
        memcpy(&x, s, 8);
        h = (h ^ x) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    if (len) {  /* a byte loop: a variable-length memcpy would be a libc call */
        x = 0;
        for (size_t i = 0; i < len; i++) x |= (uint64_t)(unsigned char)s[i] << (8 * i);
        h = (h ^ x) * 0xc4ceb9fe1a85ec53ull;
    }
    h ^= h >> 29;
    h *= 0x94d049bb133111ebull;
    return (uint32_t)(h >> 32);
}

void em_vocab_free(em_vocab *v) {
    free(v->arena);
    free(v->words);
    free(v->slots);
    memset(v, 0, sizeof *v);
}

/* Short words are the common case: compare them inline. */
static inline int same_bytes(const char *a, const char *b, size_t len) {
    if (len > 16) return memcmp(a, b, len) == 0;
    for (size_t i = 0; i < len; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

static int64_t probe(const em_vocab *v, const char *w, size_t len, uint32_t h, size_t *slot) {
    size_t mask = v->nslots - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        int32_t k = v->slots[i].word;
        if (k < 0) { *slot = i; return -1; }
        if (v->slots[i].hash != h) continue;  /* most misses end here, without touching the word */
        const em_word *e = &v->words[k];
        if (e->len == len && same_bytes(v->arena + e->off, w, len)) { *slot = i; return k; }
    }
}

uint32_t em_vocab_hash(const char *w, size_t len) { return word_hash(w, len); }

int64_t em_vocab_find_hashed(const em_vocab *v, const char *w, size_t len, uint32_t h) {
    if (!v->nslots) return -1;
    size_t slot;
    return probe(v, w, len, h, &slot);
}

int64_t em_vocab_find(const em_vocab *v, const char *w, size_t len) {
    return em_vocab_find_hashed(v, w, len, word_hash(w, len));
}

static int rebuild_slots(em_vocab *v, size_t n) {
    em_vocab_slot *slots = malloc(n * sizeof *slots);
    if (!slots) return em_fail("Tokenizer: out of memory (vocabulary of %zu words)", v->n);
    for (size_t i = 0; i < n; i++) slots[i].word = -1;
    for (size_t k = 0; k < v->n; k++) {
        size_t i = v->words[k].hash & (n - 1);
        while (slots[i].word >= 0) i = (i + 1) & (n - 1);
        slots[i] = (em_vocab_slot){(int32_t)k, v->words[k].hash};
    }
    free(v->slots);
    v->slots = slots;
    v->nslots = n;
    return 0;
}

static int grow_slots(em_vocab *v) { return rebuild_slots(v, v->nslots ? v->nslots * 2 : 1024); }

int em_vocab_reorder(em_vocab *v, const int32_t *order) {
    if (!v->n) return 0;
    em_word *words = malloc(v->cap * sizeof *words);
    if (!words) return em_fail("Tokenizer: out of memory");
    for (size_t i = 0; i < v->n; i++) words[i] = v->words[order[i]];
    free(v->words);
    v->words = words;
    return rebuild_slots(v, v->nslots);  /* inserted in the new order: early entries probe least */
}

static int append_word(em_vocab *v, const char *w, size_t len, uint32_t h) {
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 1024;
        em_word *words = realloc(v->words, cap * sizeof *words);
        if (!words) return em_fail("Tokenizer: out of memory");
        v->words = words;
        v->cap = cap;
    }
    if (v->arena_len + len + 1 > v->arena_cap) {
        size_t cap = v->arena_cap ? v->arena_cap : 16384;
        while (cap < v->arena_len + len + 1) cap *= 2;
        char *arena = realloc(v->arena, cap);
        if (!arena) return em_fail("Tokenizer: out of memory");
        v->arena = arena;
        v->arena_cap = cap;
    }
    memcpy(v->arena + v->arena_len, w, len);
    v->arena[v->arena_len + len] = '\0';  /* words are C strings too */
    v->words[v->n] = (em_word){.off = v->arena_len, .len = (uint32_t)len, .hash = h, .last_doc = -1,
                               .first_seen = (int32_t)v->n};
    v->arena_len += len + 1;
    v->n++;
    return 0;
}

int64_t em_vocab_intern(em_vocab *v, const char *w, size_t len) {
    return em_vocab_intern_hashed(v, w, len, word_hash(w, len));
}

int64_t em_vocab_intern_hashed(em_vocab *v, const char *w, size_t len, uint32_t h) {
    if (len > UINT32_MAX) return em_fail("Tokenizer: a token of %zu bytes is too long", len);
    if ((v->n + 1) * 2 > v->nslots && grow_slots(v)) return -1;
    size_t slot;
    int64_t k = probe(v, w, len, h, &slot);
    if (k >= 0) return k;
    if (append_word(v, w, len, h)) return -1;
    v->slots[slot] = (em_vocab_slot){(int32_t)(v->n - 1), h};
    return (int64_t)(v->n - 1);
}
