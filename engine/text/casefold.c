#include "casefold.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "../core/error.h"

int em_buf_reserve(em_buf *b, size_t cap) {
    if (cap <= b->cap) return 0;
    size_t n = b->cap ? b->cap : 256;
    while (n < cap) n *= 2;
    char *p = realloc(b->data, n);
    if (!p) return em_fail("text: out of memory (%zu bytes)", n);
    b->data = p;
    b->cap = n;
    return 0;
}

void em_buf_free(em_buf *b) {
    free(b->data);
    memset(b, 0, sizeof *b);
}

static int is_cased(int32_t cp) {
    utf8proc_category_t c = utf8proc_category(cp);
    return c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LL || c == UTF8PROC_CATEGORY_LT;
}

/* Unicode's Case_Ignorable: Mn, Me, Cf, Lm, Sk and the word-break
 * MidLetter / MidNumLet / Single_Quote characters. */
static int is_case_ignorable(int32_t cp) {
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_ME: case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_SK: return 1;
    default: break;
    }
    switch (cp) {
    case '\'': case '.': case ':': case 0x00B7: case 0x0387: case 0x05F4: case 0x2018: case 0x2019:
    case 0x2024: case 0x2027: case 0xFE13: case 0xFE52: case 0xFE55: case 0xFF07: case 0xFF0E: case 0xFF1A:
        return 1;
    default: return 0;
    }
}

/* Code point ending just before byte position pos (UTF-8 walk back). */
static int32_t prev_cp(const char *s, size_t *pos) {
    size_t p = *pos;
    do p--; while (p > 0 && ((unsigned char)s[p] & 0xC0) == 0x80 && *pos - p < 4);
    int32_t cp;
    if (utf8proc_iterate((const uint8_t *)s + p, (utf8proc_ssize_t)(*pos - p), &cp) != (utf8proc_ssize_t)(*pos - p))
        cp = -1;
    *pos = p;
    return cp;
}

/* Python's Final_Sigma: a cased letter (past case-ignorables) before, and
 * no cased letter (past case-ignorables) after. */
static int final_sigma(const char *s, size_t len, size_t start, size_t end) {
    size_t p = start;
    int before = 0;
    while (p > 0) {
        int32_t cp = prev_cp(s, &p);
        if (cp >= 0 && is_case_ignorable(cp)) continue;
        before = cp >= 0 && is_cased(cp);
        break;
    }
    if (!before) return 0;
    for (size_t q = end; q < len;) {
        int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate((const uint8_t *)s + q, (utf8proc_ssize_t)(len - q), &cp);
        if (n <= 0) return 1;
        q += (size_t)n;
        if (is_case_ignorable(cp)) continue;
        return !is_cased(cp);
    }
    return 1;
}

int em_utf8_lower(const char *text, size_t len, em_buf *out) {
    /* a lowercase form is at most 3/2 as long in UTF-8 (U+0130: 2 -> 3 bytes) */
    if (em_buf_reserve(out, len + len / 2 + 8)) return -1;
    uint8_t *o = (uint8_t *)out->data;
    const uint8_t *s = (const uint8_t *)text;
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            *o++ = (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
            i++;
            continue;
        }
        int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0) {  /* not UTF-8: keep the byte */
            *o++ = c;
            i++;
            continue;
        }
        if (cp == 0x0130) {
            *o++ = 'i';
            o += utf8proc_encode_char(0x0307, o);
        } else if (cp == 0x03A3) {
            o += utf8proc_encode_char(final_sigma(text, len, i, i + (size_t)n) ? 0x03C2 : 0x03C3, o);
        } else {
            o += utf8proc_encode_char(utf8proc_tolower(cp), o);
        }
        i += (size_t)n;
    }
    out->len = (size_t)(o - (uint8_t *)out->data);
    return 0;
}
