/* core.text: the Tokenizer core, pad_sequences, word splitting and hashing
 * (the Sequences userdata is in lua_sequences.c).
 * The Keras-shaped front (ember.preprocessing) is bindings/lua/ember/preprocessing.lua. */
#include <string.h>

#include "../engine/core/error.h"
#include "../engine/text/hashing.h"
#include "../engine/text/pad.h"
#include "../engine/text/tokenizer.h"
#include "ember_modules.h"
#include "lua_guard.h"
#include "lua_options.h"
#include "lua_sequences.h"
#include "lua_tensor.h"

#define TOKENIZER_MT "ember.TokenizerCore"

/* Options tables: refuse misspelt keys instead of silently ignoring them. */
static void check_keys(lua_State *L, int idx, const char *fn, const char *const keys[]) {
    if (lua_isnoneornil(L, idx)) return;
    if (!lua_istable(L, idx)) {
        lt_argerror(L, idx, fn, "options", "a table");
        return;
    }
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        int known = 0;
        if (lua_type(L, -1) == LUA_TSTRING)
            for (int i = 0; keys[i] && !known; i++) known = strcmp(lua_tostring(L, -1), keys[i]) == 0;
        if (!known) lt_unknown_option(L, fn, "", luaL_tolstring(L, -1, NULL), keys);
    }
}

/* ---- pad_sequences ---- */

static const char *const SIDES[] = {"pre", "post", NULL};

/* pad_sequences(seqs, {maxlen, padding, truncating, value, dtype}) */
static int l_pad_sequences(lua_State *L) {
    const char *fn = "pad_sequences";
    lua_settop(L, 2);  /* ls_check may push a converted copy: keep the options at 2 */
    em_sequences *s = ls_check(L, 1, fn, "sequences");
    static const char *const keys[] = {"maxlen", "padding", "truncating", "value", "dtype", NULL};
    check_keys(L, 2, fn, keys);
    int64_t maxlen = lt_opt_int(L, 2, fn, "maxlen", -1, 1, INT32_MAX);  /* nil: the longest */
    int padding = lt_opt_choice(L, 2, fn, "padding", "pre", SIDES);
    int truncating = lt_opt_choice(L, 2, fn, "truncating", "pre", SIDES);
    double value = lt_opt_number(L, 2, fn, "value", 0);
    em_dtype dtype = lt_opt_dtype(L, 2, fn, EM_INT32);
    if (dtype == EM_INT32 && (value != (int32_t)value))
        return luaL_error(L, "%s: option 'value' %f does not fit an int32 result (pass dtype = \"float32\")", fn, value);
    em_tensor *out = lt_new(L);
    if (em_pad_sequences(s, maxlen, (em_pad_side)padding, (em_pad_side)truncating, value, dtype, out)) return lt_raise(L);
    return 1;
}

/* ---- word splitting and hashing ---- */

/* Reads {filters, lower, split} from the options at idx into a splitter. */
static void splitter_from_opts(lua_State *L, int idx, const char *fn, em_splitter *sp) {
    static const char *const keys[] = {"filters", "lower", "split", NULL};
    check_keys(L, idx, fn, keys);
    const char *filters = lt_opt_string(L, idx, fn, "filters", EM_DEFAULT_FILTERS);
    int lower = lt_opt_bool(L, idx, fn, "lower", 1);
    const char *split = lt_opt_string(L, idx, fn, "split", " ");
    if (!split[0]) luaL_error(L, "%s: option 'split' must not be empty", fn);
    if (em_splitter_init(sp, filters, split, lower, 0)) lt_raise(L);
}

static const char *check_text(lua_State *L, int idx, const char *fn, size_t *len) {
    if (lua_type(L, idx) != LUA_TSTRING) lt_argerror(L, idx, fn, "text", "a string");
    return lua_tolstring(L, idx, len);
}

static int push_word(void *ctx, const char *w, size_t len) {
    lua_State *L = ctx;
    lua_pushlstring(L, w, len);
    lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);
    return 0;
}

/* text_to_word_sequence(text, {filters, lower, split}) -> list of words */
static int l_text_to_word_sequence(lua_State *L) {
    const char *fn = "text_to_word_sequence";
    size_t len;
    const char *text = check_text(L, 1, fn, &len);
    em_splitter sp;
    splitter_from_opts(L, 2, fn, &sp);
    lua_newtable(L);
    int rc = em_split_words(&sp, text, len, push_word, L);
    em_splitter_free(&sp);
    if (rc) return lt_raise(L);
    return 1;
}

typedef struct {
    lua_State *L;
    int64_t n;
    lua_Integer k;
} hash_ctx;

static int push_hash(void *ctx, const char *w, size_t len) {
    hash_ctx *c = ctx;
    lua_pushinteger(c->L, em_hash_word(w, len, c->n));
    lua_rawseti(c->L, -2, ++c->k);
    return 0;
}

/* hashing_trick(text, n, opts) / one_hot(text, n, opts): md5-based word
 * indices in [1, n - 1] (see engine/text/hashing.h). */
static int hashing(lua_State *L, const char *fn) {
    size_t len;
    const char *text = check_text(L, 1, fn, &len);
    int64_t n = lt_check_int(L, 2, fn, "n", 2, INT32_MAX);
    em_splitter sp;
    splitter_from_opts(L, 3, fn, &sp);
    lua_newtable(L);
    hash_ctx c = {L, n, 0};
    int rc = em_split_words(&sp, text, len, push_hash, &c);
    em_splitter_free(&sp);
    if (rc) return lt_raise(L);
    return 1;
}
static int l_hashing_trick(lua_State *L) { return hashing(L, "hashing_trick"); }
static int l_one_hot(lua_State *L) { return hashing(L, "one_hot"); }

/* ---- the Tokenizer core ---- */

static em_tokenizer *check_tok(lua_State *L) { return luaL_checkudata(L, 1, TOKENIZER_MT); }

static int tok_gc(lua_State *L) {
    em_tokenizer_free(check_tok(L));
    lg_mark_finalized(L, 1, TOKENIZER_MT);
    return 0;
}

/* tok:num_words([n]) -> the current num_words (nil: every word); with n
 * (nil or an integer >= 1) sets it, as Keras honours tok.num_words set
 * after fit_on_texts. */
static int tok_num_words(lua_State *L) {
    em_tokenizer *t = check_tok(L);
    if (lua_gettop(L) >= 2) t->num_words = lua_isnil(L, 2) ? 0 : lt_check_int(L, 2, "Tokenizer", "num_words", 1, INT32_MAX);
    if (t->num_words) lua_pushinteger(L, t->num_words);
    else lua_pushnil(L);
    return 1;
}

/* core.text.Tokenizer{num_words, filters, lower, split, char_level, oov_token} */
static int l_tokenizer(lua_State *L) {
    const char *fn = "Tokenizer";
    static const char *const keys[] = {"num_words", "filters", "lower", "split", "char_level", "oov_token", NULL};
    check_keys(L, 1, fn, keys);
    em_tokenizer_config cfg = {0};
    cfg.num_words = lt_opt_int(L, 1, fn, "num_words", 0, 1, INT32_MAX);
    cfg.filters = lt_opt_string(L, 1, fn, "filters", EM_DEFAULT_FILTERS);
    cfg.lower = lt_opt_bool(L, 1, fn, "lower", 1);
    cfg.split = lt_opt_string(L, 1, fn, "split", " ");
    if (!cfg.split[0]) return luaL_error(L, "%s: option 'split' must not be empty", fn);
    cfg.char_level = lt_opt_bool(L, 1, fn, "char_level", 0);
    cfg.oov_token = lt_opt_string(L, 1, fn, "oov_token", NULL);
    em_tokenizer *t = lua_newuserdatauv(L, sizeof *t, 0);
    memset(t, 0, sizeof *t);
    luaL_setmetatable(L, TOKENIZER_MT);
    if (em_tokenizer_init(t, &cfg)) return lt_raise(L);
    return 1;
}

/* The texts at idx held in a plain table (pushed; *anchor its index), every
 * entry checked to be a string before any work, so a bad list changes
 * nothing and a list made on demand cannot change under the reader. */
static lua_Integer check_texts(lua_State *L, int idx, const char *fn, int *anchor) {
    if (!lua_istable(L, idx) || lt_test(L, idx)) lt_argerror(L, idx, fn, "texts", "a list of strings");
    lua_Integer n;
    *anchor = lg_anchor_list(L, idx, fn, "texts", INT32_MAX, &n);
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_rawgeti(L, *anchor, i) != LUA_TSTRING)
            luaL_error(L, "%s: argument 'texts' entry %I must be a string, got %s", fn, i, luaL_typename(L, -1));
        lua_pop(L, 1);
    }
    return n;
}

/* tok:fit(texts) */
static int tok_fit(lua_State *L) {
    em_tokenizer *t = check_tok(L);
    lua_settop(L, 2);  /* the anchor table goes above the arguments */
    int texts;
    lua_Integer n = check_texts(L, 2, "fit_on_texts", &texts);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, texts, i);
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        if (em_tokenizer_fit_text(t, s, len)) return lt_raise(L);
        lua_pop(L, 1);
    }
    if (em_tokenizer_rank(t)) return lt_raise(L);
    return 0;
}

/* tok:to_sequences(texts [, unknown]) -> Sequences */
static int tok_to_sequences(lua_State *L) {
    em_tokenizer *t = check_tok(L);
    lua_settop(L, 3);  /* the anchor table goes above the arguments */
    int texts;
    lua_Integer n = check_texts(L, 2, "texts_to_sequences", &texts);
    int32_t unknown = 0;
    int has_unknown = !lua_isnoneornil(L, 3);
    if (has_unknown) unknown = (int32_t)lt_check_int(L, 3, "texts_to_sequences", "unknown", INT32_MIN, INT32_MAX);
    em_sequences *out = ls_new(L);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, texts, i);
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        if (em_tokenizer_to_sequence(t, s, len, has_unknown ? &unknown : NULL, out)) return lt_raise(L);
        lua_pop(L, 1);
    }
    return 1;
}

/* One sequence's text: its words joined by spaces. */
static void push_text(lua_State *L, const em_tokenizer *t, const int32_t *ids, int64_t n, int64_t stride) {
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    int first = 1;
    for (int64_t k = 0; k < n; k++) {
        size_t len;
        const char *w = em_tokenizer_word_of(t, ids[k * stride], &len);
        if (!w) continue;
        if (!first) luaL_addchar(&b, ' ');
        luaL_addlstring(&b, w, len);
        first = 0;
    }
    luaL_pushresult(&b);
}

/* tok:to_texts(seqs) -> list of strings; seqs: Sequences, a list of
 * integer lists, or a 2-D int32 tensor (padded rows; 0 has no word). */
static int tok_to_texts(lua_State *L) {
    const char *fn = "sequences_to_texts";
    em_tokenizer *t = check_tok(L);
    em_tensor *m = lt_test(L, 2);
    int type = lua_type(L, 2);
    if ((m && (m->dtype != EM_INT32 || m->ndim != 2 || !m->storage)) || (type != LUA_TTABLE && type != LUA_TUSERDATA))
        return lt_argerror(L, 2, fn, "sequences", "Sequences, a list of integer lists or a 2-D int32 tensor");
    if (m) {
        lua_createtable(L, (int)m->shape[0], 0);
        for (int64_t i = 0; i < m->shape[0]; i++) {
            push_text(L, t, em_i32(m) + i * m->strides[0], m->shape[1], m->strides[1]);
            lua_rawseti(L, -2, i + 1);
        }
        return 1;
    }
    em_sequences *s = ls_check(L, 2, fn, "sequences");
    lua_createtable(L, (int)s->n, 0);
    for (int64_t i = 0; i < s->n; i++) {
        push_text(L, t, em_seq_at(s, i), em_seq_len(s, i), 1);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

static const char *const MODES[] = {"binary", "count", "freq", "tfidf", NULL};

/* tok:matrix(seqs, mode) -> {n, num_words} float32 */
static int tok_matrix(lua_State *L) {
    const char *fn = "sequences_to_matrix";
    em_tokenizer *t = check_tok(L);
    lua_settop(L, 3);
    em_sequences *s = ls_check(L, 2, fn, "sequences");
    lua_pushvalue(L, 3);
    lua_createtable(L, 0, 1);
    lua_insert(L, -2);
    lua_setfield(L, -2, "mode");
    int mode = lt_opt_choice(L, lua_gettop(L), fn, "mode", "binary", MODES);
    em_tensor *out = lt_new(L);
    if (em_tokenizer_matrix(t, s, (em_matrix_mode)mode, out)) return lt_raise(L);
    return 1;
}

/* tok:vocab() -> word_index, word_counts, word_docs, index_word, index_docs */
static int tok_vocab(lua_State *L) {
    em_tokenizer *t = check_tok(L);
    const em_vocab *v = &t->vocab;
    for (int k = 0; k < 5; k++) lua_createtable(L, 0, (int)v->n);
    int base = lua_gettop(L) - 4;
    for (size_t i = 0; i < v->n; i++) {
        const em_word *e = &v->words[i];
        lua_pushlstring(L, em_vocab_word(v, i), e->len);
        lua_pushvalue(L, -1);
        lua_pushinteger(L, e->index);
        lua_rawset(L, base);
        lua_pushvalue(L, -1);
        lua_pushinteger(L, e->count);
        lua_rawset(L, base + 1);
        lua_pushinteger(L, e->docs);
        lua_rawset(L, base + 2);
    }
    for (int64_t j = 1; j < t->index_size; j++) {
        int32_t k = t->index_word[j];
        if (k == -1) continue;
        if (k == -2) lua_pushstring(L, t->oov_token);
        else lua_pushlstring(L, em_vocab_word(v, (size_t)k), v->words[k].len);
        lua_rawseti(L, base + 3, j);
        if (k >= 0) {
            lua_pushinteger(L, v->words[k].docs);
            lua_rawseti(L, base + 4, j);
        }
    }
    if (t->oov_token && t->oov_index == 1) {
        lua_pushinteger(L, 1);
        lua_setfield(L, base, t->oov_token);
    }
    return 5;
}

static int tok_document_count(lua_State *L) {
    lua_pushinteger(L, check_tok(L)->document_count);
    return 1;
}

static void open_tokenizer(lua_State *L) {
    static const luaL_Reg methods[] = {{"fit", tok_fit}, {"num_words", tok_num_words}, {"to_sequences", tok_to_sequences},
                                       {"matrix", tok_matrix}, {"to_texts", tok_to_texts},
                                       {"vocab", tok_vocab},
                                       {"document_count", tok_document_count}, {NULL, NULL}};
    luaL_newmetatable(L, TOKENIZER_MT);
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, tok_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
}

/// @private ember.text.*: the C core of ember.preprocessing (its public names are documented there)

/// @api ember.preprocessing.pad_sequences(seqs[, opts]) -> Tensor
/// Pads or truncates sequences to one length: an int32 tensor (n, maxlen), as Keras.
/// @arg seqs: an ember.Sequences or a list of lists of integers
/// @opt maxlen: the length (default: the longest sequence)
/// @opt padding = "pre": "pre" or "post"
/// @opt truncating = "pre": "pre" or "post"
/// @opt value = 0: the padding value

/// @api ember.preprocessing.text_to_word_sequence(text[, opts]) -> table
/// Splits a text into words as Keras (filters removed, lower-cased).
/// @arg text: a string
/// @opt filters: characters removed (Keras's default punctuation)
/// @opt lower = true: lower-case first
/// @opt split = " ": the separator

/// @api ember.preprocessing.one_hot(text, n[, opts]) -> table
/// Each word of text as an index in [1, n) by hashing (Keras's one_hot).
/// @arg text: a string
/// @arg n: the size of the vocabulary

/// @api ember.preprocessing.hashing_trick(text, n[, opts]) -> table
/// Each word of text hashed into [1, n) (Keras's hashing_trick).
/// @arg text: a string
/// @arg n: the number of buckets

void ember_open_text(lua_State *L) {
    ls_open(L);
    open_tokenizer(L);
    static const luaL_Reg fns[] = {{"Tokenizer", l_tokenizer},
                                   {"Sequences", ls_l_sequences},
                                   {"sequences_from_flat", ls_l_from_flat},
                                   {"pad_sequences", l_pad_sequences},
                                   {"text_to_word_sequence", l_text_to_word_sequence},
                                   {"hashing_trick", l_hashing_trick},
                                   {"one_hot", l_one_hot},
                                   {NULL, NULL}};
    luaL_newlib(L, fns);
    lua_setfield(L, -2, "text");
}
