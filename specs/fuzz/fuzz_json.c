/* libFuzzer harness: the strict JSON parser (engine/io/json.c).  A
 * success must give a well-formed tree (strings NUL-terminated at their
 * length, valid kinds, members keyed, arrays not, no deeper than the
 * limit); a failure must leave the root empty.  The text is copied without
 * a terminating NUL so a read past its end is caught. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/io/json.h"

static void check(const em_json *v, int object_member, int depth) {
    if (depth > EM_JSON_MAX_DEPTH + 1) abort();
    if (v->kind < EM_JSON_NULL || v->kind > EM_JSON_OBJECT) abort();
    if (object_member != (v->key != NULL)) abort();
    if (v->key && v->key[v->key_len] != 0) abort();
    if (v->kind == EM_JSON_STRING && (!v->str || v->str[v->len] != 0)) abort();
    /* both are the correctly rounded double of the same integer */
    if (v->kind == EM_JSON_NUMBER && v->is_integer && (double)v->integer != v->number) abort();
    if ((v->kind == EM_JSON_ARRAY || v->kind == EM_JSON_OBJECT) ? (v->n && !v->items) : (v->n || v->items)) abort();
    for (size_t i = 0; i < v->n; i++) check(&v->items[i], v->kind == EM_JSON_OBJECT, depth + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size ? size : 1);
    if (!text) return 0;
    memcpy(text, data, size);
    em_json root;
    if (em_json_parse(text, size, "fuzz.json", &root) == 0) {
        check(&root, 0, 0);
        em_json_free(&root);
    } else {
        static const em_json empty;
        if (memcmp(&root, &empty, sizeof root) != 0) abort();
    }
    free(text);
    return 0;
}
