/* Strict JSON parser (see json.h): recursive descent over the bytes, a
 * tree of em_json nodes.  Every allocation failure and every syntax error
 * unwinds through the same path, freeing what was built. */
#include "json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "numparse.h"

typedef struct {
    const char *s;
    size_t len, pos;
    const char *who;
    int depth;
} parser;

/* Line and column (both from 1, the column in bytes) of byte pos. */
static int fail_at(const parser *p, size_t pos, const char *what) {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < pos && i < p->len; i++) {
        if (p->s[i] == '\n') line++, col = 1;
        else col++;
    }
    return em_fail("%s: invalid JSON at line %zu, column %zu (byte %zu): %s", p->who, line, col, pos + 1, what);
}

static void skip_ws(parser *p) {
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}

static int literal(parser *p, const char *word, em_json_kind kind, em_json *out) {
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0) return fail_at(p, p->pos, "expected a value");
    p->pos += n;
    out->kind = kind;
    return 0;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int number(parser *p, em_json *out) {
    size_t start = p->pos, i = p->pos;
    const char *s = p->s;
    int integral = 1;
    if (i < p->len && s[i] == '-') i++;
    if (i >= p->len || !is_digit(s[i])) return fail_at(p, i, "expected a digit");
    if (s[i] == '0') {
        i++;
        if (i < p->len && is_digit(s[i])) return fail_at(p, i, "a number cannot have a leading zero");
    } else {
        while (i < p->len && is_digit(s[i])) i++;
    }
    if (i < p->len && s[i] == '.') {
        integral = 0;
        i++;
        if (i >= p->len || !is_digit(s[i])) return fail_at(p, i, "expected a digit after the decimal point");
        while (i < p->len && is_digit(s[i])) i++;
    }
    if (i < p->len && (s[i] == 'e' || s[i] == 'E')) {
        integral = 0;
        i++;
        if (i < p->len && (s[i] == '+' || s[i] == '-')) i++;
        if (i >= p->len || !is_digit(s[i])) return fail_at(p, i, "expected a digit in the exponent");
        while (i < p->len && is_digit(s[i])) i++;
    }
    double d;
    const char *end = em_parse_double(s + start, s + i, &d);
    if (end != s + i) return fail_at(p, start, "malformed number");
    if (isinf(d)) return fail_at(p, start, "number out of range (beyond a double)");
    out->kind = EM_JSON_NUMBER;
    out->number = d;
    if (integral) {
        /* exact int64 parse: kept only when it fits */
        size_t k = start;
        int neg = s[k] == '-';
        if (neg) k++;
        uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
        int fits = 1;
        for (; k < i; k++) {
            uint64_t digit = (uint64_t)(s[k] - '0');
            if (v > (limit - digit) / 10) { fits = 0; break; }
            v = v * 10 + digit;
        }
        if (fits) {
            out->is_integer = 1;
            out->integer = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
        }
    }
    p->pos = i;
    return 0;
}

typedef struct {
    char *b;
    size_t n, cap;
} buf;

static int buf_put(buf *b, const char *src, size_t n) {
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 32;
        while (b->n + n + 1 > cap) cap *= 2;
        char *nb = realloc(b->b, cap);
        if (!nb) return -1;
        b->b = nb;
        b->cap = cap;
    }
    memcpy(b->b + b->n, src, n);
    b->n += n;
    b->b[b->n] = 0;
    return 0;
}

static int hex4(parser *p, size_t at, unsigned *out) {
    if (p->len - at < 4) return fail_at(p, at, "expected 4 hex digits after \\u");
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        char c = p->s[at + k];
        unsigned d;
        if (c >= '0' && c <= '9') d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') d = (unsigned)(c - 'A' + 10);
        else return fail_at(p, at + (size_t)k, "expected 4 hex digits after \\u");
        v = v * 16 + d;
    }
    *out = v;
    return 0;
}

static size_t utf8_encode(unsigned cp, char *o) {
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Length of the valid UTF-8 sequence at i (RFC 3629: no overlongs, no
 * surrogates, at most U+10FFFF), or 0. */
static size_t utf8_valid(const unsigned char *s, size_t avail) {
    unsigned c = s[0];
    size_t n;
    unsigned cp, min;
    if (c < 0x80) return 1;
    if ((c & 0xE0) == 0xC0) n = 2, cp = c & 0x1F, min = 0x80;
    else if ((c & 0xF0) == 0xE0) n = 3, cp = c & 0x0F, min = 0x800;
    else if ((c & 0xF8) == 0xF0) n = 4, cp = c & 0x07, min = 0x10000;
    else return 0;
    if (avail < n) return 0;
    for (size_t k = 1; k < n; k++) {
        if ((s[k] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

/* A string at p->pos (the opening quote) into *out / *out_len (malloc'd). */
static int string(parser *p, char **out, size_t *out_len) {
    buf b = {0};
    size_t i = p->pos + 1;
    const char *s = p->s;
    for (;;) {
        if (i >= p->len) { free(b.b); return fail_at(p, i, "unterminated string"); }
        unsigned char c = (unsigned char)s[i];
        if (c == '"') break;
        if (c < 0x20) { free(b.b); return fail_at(p, i, "control character inside a string (escape it)"); }
        if (c == '\\') {
            if (i + 1 >= p->len) { free(b.b); return fail_at(p, i, "unterminated escape"); }
            char e = s[i + 1], one;
            unsigned cp;
            char u[4];
            size_t un;
            switch (e) {
            case '"': one = '"'; break;
            case '\\': one = '\\'; break;
            case '/': one = '/'; break;
            case 'b': one = '\b'; break;
            case 'f': one = '\f'; break;
            case 'n': one = '\n'; break;
            case 'r': one = '\r'; break;
            case 't': one = '\t'; break;
            case 'u':
                if (hex4(p, i + 2, &cp)) { free(b.b); return -1; }
                if (cp >= 0xDC00 && cp <= 0xDFFF) { free(b.b); return fail_at(p, i, "lone low surrogate in \\u escape"); }
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    unsigned lo;
                    if (p->len - (i + 6) < 2 || s[i + 6] != '\\' || s[i + 7] != 'u') {
                        free(b.b);
                        return fail_at(p, i, "high surrogate not followed by a \\u low surrogate");
                    }
                    if (hex4(p, i + 8, &lo)) { free(b.b); return -1; }
                    if (lo < 0xDC00 || lo > 0xDFFF) {
                        free(b.b);
                        return fail_at(p, i + 6, "high surrogate not followed by a low surrogate");
                    }
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                }
                un = utf8_encode(cp, u);
                if (buf_put(&b, u, un)) goto oom;
                i += 6;
                continue;
            default:
                free(b.b);
                return fail_at(p, i, "unknown escape (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
            }
            if (buf_put(&b, &one, 1)) goto oom;
            i += 2;
            continue;
        }
        size_t n = utf8_valid((const unsigned char *)s + i, p->len - i);
        if (!n) { free(b.b); return fail_at(p, i, "invalid UTF-8 inside a string"); }
        if (buf_put(&b, s + i, n)) goto oom;
        i += n;
    }
    if (!b.b && buf_put(&b, "", 0)) goto oom;
    p->pos = i + 1;
    *out = b.b;
    *out_len = b.n;
    return 0;
oom:
    free(b.b);
    return em_fail("%s: out of memory reading JSON", p->who);
}

static int value(parser *p, em_json *out);

/* Append a zeroed item to v's items. */
static em_json *push_item(parser *p, em_json *v, size_t *cap) {
    if (v->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        em_json *ni = realloc(v->items, nc * sizeof *ni);
        if (!ni) { em_fail("%s: out of memory reading JSON", p->who); return NULL; }
        v->items = ni;
        *cap = nc;
    }
    em_json *it = &v->items[v->n++];
    memset(it, 0, sizeof *it);
    return it;
}

static int container(parser *p, em_json *out, int object) {
    char close = object ? '}' : ']';
    size_t cap = 0;
    if (++p->depth > EM_JSON_MAX_DEPTH) return fail_at(p, p->pos, "nested too deeply");
    out->kind = object ? EM_JSON_OBJECT : EM_JSON_ARRAY;
    p->pos++;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
        p->depth--;
        return 0;
    }
    for (;;) {
        em_json *it = push_item(p, out, &cap);
        if (!it) return -1;
        if (object) {
            skip_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != '"') return fail_at(p, p->pos, "expected a string key");
            size_t key_at = p->pos;
            if (string(p, &it->key, &it->key_len)) return -1;
            for (size_t k = 0; k + 1 < out->n; k++) {
                if (out->items[k].key_len == it->key_len && memcmp(out->items[k].key, it->key, it->key_len) == 0)
                    return fail_at(p, key_at, "duplicate key in an object");
            }
            skip_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != ':') return fail_at(p, p->pos, "expected ':' after a key");
            p->pos++;
        }
        if (value(p, it)) return -1;
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') { p->pos++; continue; }
        if (p->pos < p->len && p->s[p->pos] == close) { p->pos++; break; }
        return fail_at(p, p->pos, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
    p->depth--;
    return 0;
}

static int value(parser *p, em_json *out) {
    skip_ws(p);
    if (p->pos >= p->len) return fail_at(p, p->pos, "expected a value, got the end of the text");
    char c = p->s[p->pos];
    switch (c) {
    case '{': return container(p, out, 1);
    case '[': return container(p, out, 0);
    case '"': out->kind = EM_JSON_STRING; return string(p, &out->str, &out->len);
    case 't': return literal(p, "true", EM_JSON_TRUE, out);
    case 'f': return literal(p, "false", EM_JSON_FALSE, out);
    case 'n': return literal(p, "null", EM_JSON_NULL, out);
    default:
        if (c == '-' || is_digit(c)) return number(p, out);
        return fail_at(p, p->pos, "expected a value");
    }
}

void em_json_free(em_json *v) {
    if (!v) return;
    for (size_t i = 0; i < v->n; i++) em_json_free(&v->items[i]);
    free(v->items);
    free(v->str);
    free(v->key);
    memset(v, 0, sizeof *v);
}

int em_json_parse(const char *text, size_t len, const char *who, em_json *out) {
    memset(out, 0, sizeof *out);
    parser p = {.s = text, .len = len, .pos = 0, .who = who, .depth = 0};
    if (!text) return em_fail("%s: no JSON text", who);
    if (value(&p, out)) {
        em_json_free(out);
        return -1;
    }
    skip_ws(&p);
    if (p.pos != len) {
        em_json_free(out);
        return fail_at(&p, p.pos, "unexpected text after the JSON value");
    }
    return 0;
}
