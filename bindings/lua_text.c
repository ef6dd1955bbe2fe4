/* core.text: the Tokenizer core, Sequences, pad_sequences, hashing.
 * The Keras-shaped front (ember.preprocessing) is bindings/lua/ember/preprocessing.lua. */
#include "lua_text.h"

#include <string.h>

#include "../engine/core/error.h"
#include "../engine/text/hashing.h"
#include "../engine/text/pad.h"
#include "../engine/text/tokenizer.h"
#include "ember_modules.h"
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
        if (!known) luaL_error(L, "%s: unknown option '%s'", fn, luaL_tolstring(L, -1, NULL));
    }
}

/* ---- Sequences ---- */

static int seq_gc(lua_State *L) {
    em_seq_free(luaL_checkudata(L, 1, EMBER_SEQUENCES_MT));
    return 0;
}

em_sequences *ls_new(lua_State *L) {
    em_sequences *s = lua_newuserdatauv(L, sizeof *s, 0);
    memset(s, 0, sizeof *s);
    luaL_setmetatable(L, EMBER_SEQUENCES_MT);
    if (em_seq_init(s)) lt_raise(L);
    return s;
}

/* One element of a Lua sequence list: a list of integers or an int32 tensor. */
static void append_one(lua_State *L, em_sequences *s, int idx, const char *fn, const char *arg, lua_Integer i) {
    em_tensor *t = lt_test(L, idx);
    if (t) {
        if (t->dtype != EM_INT32 || t->ndim != 1 || !t->storage)
            luaL_error(L, "%s: argument '%s' entry %I must be a 1-D int32 tensor or a list of integers", fn, arg, i);
        for (int64_t k = 0; k < t->shape[0]; k++)
            if (em_seq_push(s, em_i32(t)[k * t->strides[0]])) lt_raise(L);
    } else if (lua_istable(L, idx)) {
        lua_Integer n = luaL_len(L, idx);
        for (lua_Integer k = 1; k <= n; k++) {
            lua_geti(L, idx, k);
            int isnum = 0;
            lua_Integer v = lua_tointegerx(L, -1, &isnum);
            if (!isnum || v < INT32_MIN || v > INT32_MAX)
                luaL_error(L, "%s: argument '%s' entry %I, item %I must be an int32 integer, got %s", fn, arg, i, k,
                           lua_type(L, -1) == LUA_TNUMBER ? lua_tostring(L, -1) : luaL_typename(L, -1));
            lua_pop(L, 1);
            if (em_seq_push(s, (int32_t)v)) lt_raise(L);
        }
    } else {
        luaL_error(L, "%s: argument '%s' entry %I must be a list of integers or an int32 tensor, got %s", fn, arg, i,
                   luaL_typename(L, idx));
    }
    if (em_seq_close(s)) lt_raise(L);
}

em_sequences *ls_check(lua_State *L, int idx, const char *fn, const char *arg) {
    idx = lua_absindex(L, idx);
    em_sequences *s = luaL_testudata(L, idx, EMBER_SEQUENCES_MT);
    if (s) {
        lua_pushvalue(L, idx);
        return s;
    }
    if (!lua_istable(L, idx) || lt_test(L, idx))
        lt_argerror(L, idx, fn, arg, "Sequences or a list of integer lists");
    s = ls_new(L);
    lua_Integer n = luaL_len(L, idx);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, idx, i);
        append_one(L, s, lua_gettop(L), fn, arg, i);
        lua_pop(L, 1);
    }
    return s;
}

/* ember.Sequences(list) */
static int l_sequences(lua_State *L) {
    ls_check(L, 1, "Sequences", "sequences");
    return 1;
}

static int64_t check_seq_index(lua_State *L, const em_sequences *s, int idx, const char *fn) {
    return lt_check_int(L, idx, fn, "index", 1, s->n > 0 ? s->n : 1) - 1;
}

/* seqs:get(i) / seqs[i] -> int32 tensor (a copy) */
static int seq_get(lua_State *L) {
    em_sequences *s = luaL_checkudata(L, 1, EMBER_SEQUENCES_MT);
    if (s->n == 0) return luaL_error(L, "Sequences: index %s out of range (no sequences)", luaL_tolstring(L, 2, NULL));
    int64_t i = check_seq_index(L, s, 2, "Sequences");
    int64_t len = em_seq_len(s, i);
    em_tensor *t = lt_new(L);
    if (em_tensor_alloc(t, EM_INT32, 1, &len)) return lt_raise(L);
    if (len) memcpy(em_i32(t), em_seq_at(s, i), (size_t)len * sizeof(int32_t));
    return 1;
}

static int seq_len(lua_State *L) {
    lua_pushinteger(L, ((em_sequences *)luaL_checkudata(L, 1, EMBER_SEQUENCES_MT))->n);
    return 1;
}

static int seq_reversed(lua_State *L) {
    em_sequences *s = luaL_checkudata(L, 1, EMBER_SEQUENCES_MT);
    em_sequences *out = lua_newuserdatauv(L, sizeof *out, 0);
    memset(out, 0, sizeof *out);
    luaL_setmetatable(L, EMBER_SEQUENCES_MT);
    if (em_seq_reversed(s, out)) return lt_raise(L);
    return 1;
}

/* seqs:lengths() -> int32 tensor {n} */
static int seq_lengths(lua_State *L) {
    em_sequences *s = luaL_checkudata(L, 1, EMBER_SEQUENCES_MT);
    em_tensor *t = lt_new(L);
    if (em_tensor_alloc(t, EM_INT32, 1, &s->n)) return lt_raise(L);
    for (int64_t i = 0; i < s->n; i++) em_i32(t)[i] = (int32_t)em_seq_len(s, i);
    return 1;
}

/* seqs:totable() -> list of integer lists */
static int seq_totable(lua_State *L) {
    em_sequences *s = luaL_checkudata(L, 1, EMBER_SEQUENCES_MT);
    lua_createtable(L, (int)s->n, 0);
    for (int64_t i = 0; i < s->n; i++) {
        int64_t len = em_seq_len(s, i);
        const int32_t *v = em_seq_at(s, i);
        lua_createtable(L, (int)len, 0);
        for (int64_t k = 0; k < len; k++) {
            lua_pushinteger(L, v[k]);
            lua_rawseti(L, -2, k + 1);
        }
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* seqs:values() -> every value in one int32 tensor (concatenated) */
static int seq_values(lua_State *L) {
    em_sequences *s = luaL_checkudata(L, 1, EMBER_SEQUENCES_MT);
    em_tensor *t = lt_new(L);
    if (em_tensor_alloc(t, EM_INT32, 1, &s->nvalues)) return lt_raise(L);
    if (s->nvalues) memcpy(em_i32(t), s->values, (size_t)s->nvalues * sizeof(int32_t));
    return 1;
}

/* seqs:offsets() -> int32 tensor {n + 1}: sequence i is values[offsets[i] + 1 .. offsets[i + 1]] */
static int seq_offsets(lua_State *L) {
    em_sequences *s = luaL_checkudata(L, 1, EMBER_SEQUENCES_MT);
    if (s->nvalues > INT32_MAX) return luaL_error(L, "Sequences: too many values for int32 offsets");
    int64_t n = s->n + 1;
    em_tensor *t = lt_new(L);
    if (em_tensor_alloc(t, EM_INT32, 1, &n)) return lt_raise(L);
    for (int64_t i = 0; i < n; i++) em_i32(t)[i] = (int32_t)s->offsets[i];
    return 1;
}

/* Sequences.from_flat(values, offsets): the inverse of values() / offsets(). */
static int l_sequences_from_flat(lua_State *L) {
    const char *fn = "Sequences.from_flat";
    em_tensor *values = lt_check_dtype(L, 1, fn, "values", EM_INT32);
    em_tensor *offsets = lt_check_dtype(L, 2, fn, "offsets", EM_INT32);
    if (values->ndim != 1 || offsets->ndim != 1 || !em_is_contiguous(values) || !em_is_contiguous(offsets) ||
        offsets->shape[0] < 1)
        return luaL_error(L, "%s: expected 1-D contiguous values and offsets (n + 1 entries)", fn);
    const int32_t *off = em_i32(offsets);
    int64_t n = offsets->shape[0] - 1;
    if (off[0] != 0 || off[n] != values->shape[0])
        return luaL_error(L, "%s: offsets must start at 0 and end at the number of values (%I)", fn,
                          (lua_Integer)values->shape[0]);
    for (int64_t i = 0; i < n; i++)
        if (off[i + 1] < off[i]) return luaL_error(L, "%s: offsets must not decrease (entry %I)", fn, (lua_Integer)i + 2);
    em_sequences *s = ls_new(L);
    if (em_seq_push_many(s, em_i32(values), values->shape[0])) return lt_raise(L);
    for (int64_t i = 1; i <= n; i++) {
        s->nvalues = off[i];  /* close at each offset: values are already in place */
        if (em_seq_close(s)) return lt_raise(L);
    }
    return 1;
}

static int seq_tostring(lua_State *L) {
    em_sequences *s = luaL_checkudata(L, 1, EMBER_SEQUENCES_MT);
    lua_pushfstring(L, "Sequences(%I sequences, %I values)", (lua_Integer)s->n, (lua_Integer)s->nvalues);
    return 1;
}

static int seq_index(lua_State *L) {
    if (lua_type(L, 2) == LUA_TSTRING) {
        luaL_getmetafield(L, 1, "methods");
        lua_getfield(L, -1, lua_tostring(L, 2));
        return 1;
    }
    return seq_get(L);
}

static void open_sequences(lua_State *L) {
    static const luaL_Reg methods[] = {{"get", seq_get},         {"reversed", seq_reversed}, {"lengths", seq_lengths},
                                       {"totable", seq_totable}, {"values", seq_values},     {"offsets", seq_offsets},
                                       {NULL, NULL}};
    luaL_newmetatable(L, EMBER_SEQUENCES_MT);
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "methods");
    static const luaL_Reg meta[] = {{"__gc", seq_gc},   {"__len", seq_len}, {"__index", seq_index},
                                    {"__tostring", seq_tostring}, {NULL, NULL}};
    luaL_setfuncs(L, meta, 0);
    lua_pop(L, 1);
}

/* ---- pad_sequences ---- */

static const char *const SIDES[] = {"pre", "post", NULL};

/* pad_sequences(seqs, {maxlen, padding, truncating, value, dtype}) */
static int l_pad_sequences(lua_State *L) {
    const char *fn = "pad_sequences";
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
    return 0;
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

/* Checks that every entry of the list at idx is a string, before any work,
 * so a bad list changes nothing. */
static lua_Integer check_texts(lua_State *L, int idx, const char *fn) {
    if (!lua_istable(L, idx) || lt_test(L, idx)) lt_argerror(L, idx, fn, "texts", "a list of strings");
    lua_Integer n = luaL_len(L, idx);
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_geti(L, idx, i) != LUA_TSTRING)
            luaL_error(L, "%s: argument 'texts' entry %I must be a string, got %s", fn, i, luaL_typename(L, -1));
        lua_pop(L, 1);
    }
    return n;
}

/* tok:fit(texts) */
static int tok_fit(lua_State *L) {
    em_tokenizer *t = check_tok(L);
    lua_Integer n = check_texts(L, 2, "fit_on_texts");
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 2, i);
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
    lua_Integer n = check_texts(L, 2, "texts_to_sequences");
    int32_t unknown = 0;
    int has_unknown = !lua_isnoneornil(L, 3);
    if (has_unknown) unknown = (int32_t)lt_check_int(L, 3, "texts_to_sequences", "unknown", INT32_MIN, INT32_MAX);
    em_sequences *out = ls_new(L);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 2, i);
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        if (em_tokenizer_to_sequence(t, s, len, has_unknown ? &unknown : NULL, out)) return lt_raise(L);
        lua_pop(L, 1);
    }
    return 1;
}

static const char *const MODES[] = {"binary", "count", "freq", "tfidf", NULL};

/* tok:matrix(seqs, mode) -> {n, num_words} float32 */
static int tok_matrix(lua_State *L) {
    const char *fn = "sequences_to_matrix";
    em_tokenizer *t = check_tok(L);
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
    static const luaL_Reg methods[] = {{"fit", tok_fit},       {"to_sequences", tok_to_sequences},
                                       {"matrix", tok_matrix}, {"vocab", tok_vocab},
                                       {"document_count", tok_document_count}, {NULL, NULL}};
    luaL_newmetatable(L, TOKENIZER_MT);
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, tok_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
}

void ember_open_text(lua_State *L) {
    open_sequences(L);
    open_tokenizer(L);
    static const luaL_Reg fns[] = {{"Tokenizer", l_tokenizer},
                                   {"Sequences", l_sequences},
                                   {"sequences_from_flat", l_sequences_from_flat},
                                   {"pad_sequences", l_pad_sequences},
                                   {"text_to_word_sequence", l_text_to_word_sequence},
                                   {"hashing_trick", l_hashing_trick},
                                   {"one_hot", l_one_hot},
                                   {NULL, NULL}};
    luaL_newlib(L, fns);
    lua_setfield(L, -2, "text");
}
