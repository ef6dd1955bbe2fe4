#define _GNU_SOURCE /* memmem */
#include "words.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "../core/error.h"

int em_splitter_init(em_splitter *s, const char *filters, const char *split, int lower, int char_level) {
    memset(s, 0, sizeof *s);
    s->lower = lower;
    s->char_level = char_level;
    s->split_len = strlen(split);
    if (s->split_len == 0) return em_fail("Tokenizer: option 'split' must not be empty");
    s->split = strdup(split);
    size_t flen = strlen(filters);
    s->wide = malloc((flen + 1) * sizeof *s->wide);
    if (!s->split || !s->wide) {
        em_splitter_free(s);
        return em_fail("Tokenizer: out of memory");
    }
    for (size_t i = 0; i < flen;) {
        int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate((const uint8_t *)filters + i, (utf8proc_ssize_t)(flen - i), &cp);
        if (n <= 0) {
            em_splitter_free(s);
            return em_fail("Tokenizer: option 'filters' is not valid UTF-8 (byte %zu)", i + 1);
        }
        if (cp < 128) s->ascii_filter[cp] = s->separator[cp] = 1;
        else s->wide[s->nwide++] = cp;
        i += (size_t)n;
    }
    s->fast = s->split_len == 1 && (unsigned char)split[0] < 128 && s->nwide == 0;
    s->separator[(unsigned char)split[0]] = 1;
    return 0;
}

void em_splitter_free(em_splitter *s) {
    free(s->wide);
    free(s->split);
    em_buf_free(&s->lowered);
    em_buf_free(&s->translated);
    memset(s, 0, sizeof *s);
}

static int is_wide_filter(const em_splitter *s, int32_t cp) {
    for (size_t i = 0; i < s->nwide; i++)
        if (s->wide[i] == cp) return 1;
    return 0;
}

/* translated = text with every filter character replaced by split. */
static int translate(em_splitter *s, const char *text, size_t len) {
    size_t worst = len * (s->split_len > 1 ? s->split_len : 1);
    if (em_buf_reserve(&s->translated, worst + 1)) return -1;
    char *o = s->translated.data;
    const uint8_t *t = (const uint8_t *)text;
    for (size_t i = 0; i < len;) {
        uint8_t c = t[i];
        size_t n = 1;
        int filtered;
        if (c < 0x80) {
            filtered = s->ascii_filter[c];
        } else {
            int32_t cp;
            utf8proc_ssize_t k = utf8proc_iterate(t + i, (utf8proc_ssize_t)(len - i), &cp);
            if (k > 0) n = (size_t)k;
            filtered = k > 0 && s->nwide && is_wide_filter(s, cp);
        }
        if (filtered) {
            if (s->split_len == 1) *o++ = s->split[0];
            else { memcpy(o, s->split, s->split_len); o += s->split_len; }
        } else {
            memcpy(o, t + i, n);
            o += n;
        }
        i += n;
    }
    s->translated.len = (size_t)(o - s->translated.data);
    return 0;
}

static int split_on(const em_splitter *s, const char *text, size_t len, em_word_fn fn, void *ctx) {
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *hit = s->split_len == 1 ? memchr(p, s->split[0], (size_t)(end - p))
                                            : memmem(p, (size_t)(end - p), s->split, s->split_len);
        const char *stop = hit ? hit : end;
        if (stop > p) {
            int rc = fn(ctx, p, (size_t)(stop - p));
            if (rc) return rc;
        }
        p = hit ? hit + s->split_len : end;
    }
    return 0;
}

/* One token per code point (an invalid byte is a token of its own). */
static int split_chars(const char *text, size_t len, em_word_fn fn, void *ctx) {
    for (size_t i = 0; i < len;) {
        int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate((const uint8_t *)text + i, (utf8proc_ssize_t)(len - i), &cp);
        size_t k = n > 0 ? (size_t)n : 1;
        int rc = fn(ctx, text + i, k);
        if (rc) return rc;
        i += k;
    }
    return 0;
}

/* The common case (one ASCII split character, ASCII filters) in one pass:
 * replacing filters by the split character and splitting on it is the same
 * as cutting at any separator byte and dropping empty pieces. */
static int split_fast(const em_splitter *s, const char *text, size_t len, em_word_fn fn, void *ctx) {
    const unsigned char *sep = s->separator;
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (!sep[(unsigned char)text[i]]) continue;
        if (i > start) {
            int rc = fn(ctx, text + start, i - start);
            if (rc) return rc;
        }
        start = i + 1;
    }
    return len > start ? fn(ctx, text + start, len - start) : 0;
}

int em_split_words(em_splitter *s, const char *text, size_t len, em_word_fn fn, void *ctx) {
    if (s->lower) {
        if (em_utf8_lower(text, len, &s->lowered)) return -1;
        text = s->lowered.data;
        len = s->lowered.len;
    }
    if (s->char_level) return split_chars(text, len, fn, ctx);
    if (s->fast) return split_fast(s, text, len, fn, ctx);
    if (translate(s, text, len)) return -1;
    return split_on(s, s->translated.data, s->translated.len, fn, ctx);
}
