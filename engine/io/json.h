/* A strict JSON (RFC 8259) parser into a tree, for Keras model configs
 * (model.to_json(), the model_config attribute of a Keras .h5 file).
 *
 * Strict: no comments, no trailing commas, no NaN/Infinity, no leading
 * zeros or '+', no control characters inside strings, valid UTF-8 only,
 * \u escapes decoded to UTF-8 with surrogate pairs (a lone surrogate is an
 * error), no duplicate keys in an object, nothing after the value but
 * whitespace, nesting at most EM_JSON_MAX_DEPTH deep.  Numbers are parsed
 * exactly (correctly rounded, as strtod); a number written without a
 * fraction or exponent that fits in int64 is kept as an integer too, so
 * "32" and "32.0" stay different (Keras writes units as 32, rates as 0.5).
 * Errors name the caller, the line, the column and the byte offset. */
#ifndef EMBER_IO_JSON_H
#define EMBER_IO_JSON_H

#include <stddef.h>
#include <stdint.h>

#define EM_JSON_MAX_DEPTH 200

typedef enum {
    EM_JSON_NULL = 0,
    EM_JSON_FALSE,
    EM_JSON_TRUE,
    EM_JSON_NUMBER,
    EM_JSON_STRING,
    EM_JSON_ARRAY,
    EM_JSON_OBJECT
} em_json_kind;

typedef struct em_json em_json;
struct em_json {
    em_json_kind kind;
    int is_integer;     /* NUMBER written as an integer that fits int64 */
    int64_t integer;    /* its value then */
    double number;      /* NUMBER: the value (always set) */
    char *str;          /* STRING: UTF-8 bytes, NUL-terminated (may hold \u0000) */
    size_t len;
    char *key;          /* a member of an OBJECT: its key (NUL-terminated) */
    size_t key_len;
    size_t n;           /* ARRAY / OBJECT: number of items */
    em_json *items;     /* ARRAY / OBJECT: the items (members carry their key) */
};

/* Parse len bytes (not necessarily NUL-terminated).  On success *out is
 * the root value, to be freed with em_json_free; on failure *out is left
 * empty (all zero) and the message is "<who>: invalid JSON at line L,
 * column C (byte B): what was expected". */
int em_json_parse(const char *text, size_t len, const char *who, em_json *out);

/* Free a tree from em_json_parse (the root itself is the caller's). */
void em_json_free(em_json *v);

#endif
