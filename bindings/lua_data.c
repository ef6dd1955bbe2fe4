/* core.data: CSV and GloVe readers (from plain files or zip members), the
 * timeseries generator and the imdb index transform.  The public faces are
 * ember.io / ember.datasets / ember.data (bindings/lua/ember/). */
#include <stdlib.h>
#include <string.h>

#include "../engine/core/error.h"
#include "../engine/data/categorical.h"
#include "../engine/data/glove.h"
#include "../engine/data/imdb.h"
#include "../engine/data/timeseries.h"
#include "../engine/io/csv.h"
#include "../engine/io/zipfs.h"
#include "../engine/train/batch.h"
#include "ember_modules.h"
#include "lua_guard.h"
#include "lua_tensor.h"
#include "lua_sequences.h"

#define GENERATOR_MT "ember.TimeseriesGenerator"

static void push_strlist(lua_State *L, const em_strlist *l) {
    lua_createtable(L, (int)l->n, 0);
    for (size_t i = 0; i < l->n; i++) {
        lua_pushstring(L, l->items[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

/* The usecols option: a list of names (strings) or 1-based column numbers
 * (negative from the end); *n = 0 and NULL when absent.  The names point
 * into the options table, which stays on the stack during the call. */
static em_csv_column *opt_usecols(lua_State *L, int idx, const char *fn, size_t *n) {
    *n = 0;
    if (lua_type(L, idx) != LUA_TTABLE) return NULL;
    lua_getfield(L, idx, "usecols");
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return NULL;
    }
    if (!lua_istable(L, -1))
        luaL_error(L, "%s: option 'usecols' expected a list of column names or 1-based numbers, got %s", fn,
                   luaL_typename(L, -1));
    size_t len = (size_t)luaL_len(L, -1);
    em_csv_column *cols = lua_newuserdatauv(L, sizeof *cols * (len ? len : 1), 0);  /* freed by the GC */
    for (size_t i = 0; i < len; i++) {
        lua_geti(L, -2, (lua_Integer)i + 1);
        if (lua_type(L, -1) == LUA_TSTRING) {
            cols[i].name = lua_tostring(L, -1);
            cols[i].index = 0;
        } else if (lua_isinteger(L, -1) && lua_tointeger(L, -1) != 0) {
            cols[i].name = NULL;
            cols[i].index = (int64_t)lua_tointeger(L, -1);
        } else {
            luaL_error(L, "%s: option 'usecols' entry %d expected a column name or a 1-based column number "
                          "(negative from the end), got %s", fn, (int)i + 1,
                       lua_isnumber(L, -1) ? lua_tostring(L, -1) : luaL_typename(L, -1));
        }
        lua_pop(L, 1);  /* the string stays alive in the options table */
    }
    lua_replace(L, -2);  /* keep the userdata (array) on the stack, drop the list */
    *n = len;
    return cols;
}

/* A column's key in the text table and the names list: its header name
 * (a repeated name gets ".1", ".2", ... as pandas does), or its 1-based
 * number without a header. */
static void push_column_key(lua_State *L, const em_csv_table *t, int64_t field, int seen_table) {
    if (t->header.n > (size_t)field) {
        const char *name = t->header.items[field];
        lua_pushstring(L, name);
        for (int k = 1; seen_table && lua_getfield(L, seen_table, lua_tostring(L, -1)) != LUA_TNIL; k++) {
            lua_pop(L, 2);
            lua_pushfstring(L, "%s.%d", name, k);
        }
        if (seen_table) lua_pop(L, 1);
    } else {
        lua_pushinteger(L, (lua_Integer)field + 1);
    }
}

/* read_csv(path, {header = true, skip_columns = 0, dtype = "float32", delimiter = ",", text = true,
 *                 na = "nan", usecols = {...}})
 * -> header (every column's name), data {rows, numeric columns read}, text {name = {strings}},
 *    columns (the names of data's columns) */
static int l_read_csv(lua_State *L) {
    const char *fn = "read_csv";
    const char *path = lt_check_path(L, 1, fn, "path");
    em_csv_options o = {0};
    o.header = lt_opt_bool(L, 2, fn, "header", 1);
    o.skip_columns = lt_opt_int(L, 2, fn, "skip_columns", 0, 0, INT32_MAX);
    o.dtype = lt_opt_dtype(L, 2, fn, EM_FLOAT32);
    const char *delim = lt_opt_string(L, 2, fn, "delimiter", ",");
    if (strlen(delim) != 1 || delim[0] == '"' || delim[0] == '\n')
        return luaL_error(L, "%s: option 'delimiter' must be one character (not a quote or newline), got \"%s\"", fn, delim);
    o.delimiter = delim[0];
    o.text = lt_opt_bool(L, 2, fn, "text", 1);
    static const char *const na_names[] = {"nan", "error", NULL};
    o.na_nan = lt_opt_choice(L, 2, fn, "na", "nan", na_names) == 0;
    o.usecols = opt_usecols(L, 2, fn, &o.n_usecols);
    if (o.usecols && o.skip_columns)
        return luaL_error(L, "%s: options 'usecols' and 'skip_columns' cannot be combined (usecols names the columns to read)", fn);
    char *text;
    size_t len;
    if (em_fs_read(path, &text, &len)) return lt_raise(L);
    em_csv_table t;
    memset(&t, 0, sizeof t);
    int rc = em_csv_read_table(text, len, path, &o, &t);
    free(text);
    if (rc) return lt_raise(L);
    push_strlist(L, &t.header);
    em_tensor *out = lt_new(L);
    *out = t.data;  /* moved: the userdata owns the storage now */
    memset(&t.data, 0, sizeof t.data);
    lua_createtable(L, 0, (int)t.n_text);
    int text_table = lua_gettop(L);
    for (int64_t k = 0; k < t.n_text; k++) {
        push_column_key(L, &t, t.text_fields[k], text_table);
        push_strlist(L, &t.text[k]);
        lua_settable(L, text_table);
    }
    lua_createtable(L, (int)t.n_data, 0);
    for (int64_t k = 0; k < t.n_data; k++) {
        push_column_key(L, &t, t.data_fields[k], 0);
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    em_csv_table_free(&t);
    return 4;
}

/* glove_parse(path) -> words (list), vectors {n, dim} float32 */
static int l_glove_parse(lua_State *L) {
    const char *path = lt_check_path(L, 1, "glove.load", "path");
    char *text;
    size_t len;
    if (em_fs_read(path, &text, &len)) return lt_raise(L);
    em_strlist words = {0};
    em_tensor *vectors = lt_new(L);
    int rc = em_glove_parse(text, len, path, &words, vectors);
    free(text);
    if (rc) return lt_raise(L);
    push_strlist(L, &words);
    em_strlist_free(&words);
    lua_insert(L, -2);
    return 2;
}

/* glove_gather(vectors, rows int32 {max_words} (0-based, -1 = none)) -> {max_words, dim} */
static int l_glove_gather(lua_State *L) {
    const char *fn = "glove.embedding_matrix";
    em_tensor *vectors = lt_check_dtype(L, 1, fn, "vectors", EM_FLOAT32);
    em_tensor *rows = lt_check_dtype(L, 2, fn, "rows", EM_INT32);
    if (vectors->ndim != 2 || !em_is_contiguous(vectors) || rows->ndim != 1 || !em_is_contiguous(rows))
        return luaL_error(L, "%s: expected contiguous 2-D vectors and 1-D rows", fn);
    int64_t shape[2] = {rows->shape[0], vectors->shape[1]};
    em_tensor *out = lt_new(L);
    if (em_tensor_alloc(out, EM_FLOAT32, 2, shape)) return lt_raise(L);
    if (em_glove_gather(vectors, em_i32(rows), rows->shape[0], out)) return lt_raise(L);
    return 1;
}

/* ---- the timeseries generator ---- */

static em_timeseries *check_gen(lua_State *L) { return luaL_checkudata(L, 1, GENERATOR_MT); }

static int gen_gc(lua_State *L) {
    em_timeseries_free(check_gen(L));
    lg_mark_finalized(L, 1, GENERATOR_MT);
    return 0;
}

/* gen() / gen:next() -> samples {n, steps, columns}, targets {n} */
static int gen_next(lua_State *L) {
    em_timeseries *g = check_gen(L);
    em_tensor *samples = lt_new(L);
    em_tensor *targets = lt_new(L);
    if (em_timeseries_next(g, samples, targets)) return lt_raise(L);
    /* Lua sees only the small userdata, not the batch's megabytes: without
     * this step the collector lets hundreds of dead batches pile up (750 MB
     * after 500 batches) and every new batch faults in fresh pages. */
    lua_gc(L, LUA_GCSTEP, (int)((samples->storage->nbytes + targets->storage->nbytes) >> 10));
    return 2;
}

static int gen_index(lua_State *L) {
    em_timeseries *g = check_gen(L);
    const char *key = luaL_checkstring(L, 2);
    if (strcmp(key, "next") == 0) lua_pushcfunction(L, gen_next);
    else if (strcmp(key, "lookback") == 0) lua_pushinteger(L, g->lookback);
    else if (strcmp(key, "delay") == 0) lua_pushinteger(L, g->delay);
    else if (strcmp(key, "step") == 0) lua_pushinteger(L, g->step);
    else if (strcmp(key, "min_index") == 0) lua_pushinteger(L, g->min_index);
    else if (strcmp(key, "max_index") == 0) lua_pushinteger(L, g->max_index);
    else if (strcmp(key, "batch_size") == 0) lua_pushinteger(L, g->batch_size);
    else if (strcmp(key, "timesteps") == 0) lua_pushinteger(L, em_timeseries_steps(g));
    else if (strcmp(key, "shuffle") == 0) lua_pushboolean(L, g->shuffle);
    else if (strcmp(key, "reverse") == 0) lua_pushboolean(L, g->reverse);
    else lua_pushnil(L);
    return 1;
}

static int gen_tostring(lua_State *L) {
    em_timeseries *g = check_gen(L);
    lua_pushfstring(L, "timeseries_generator(rows %I..%I, lookback %I, step %I, delay %I, batch %I%s%s)",
                    (lua_Integer)g->min_index, (lua_Integer)g->max_index, (lua_Integer)g->lookback,
                    (lua_Integer)g->step, (lua_Integer)g->delay, (lua_Integer)g->batch_size,
                    g->shuffle ? ", shuffled" : "", g->reverse ? ", reversed" : "");
    return 1;
}

/* timeseries_generator(data, {lookback, delay, min_index, max_index, shuffle,
 * batch_size, step, target_column, reverse}) */
static int l_timeseries_generator(lua_State *L) {
    const char *fn = "timeseries_generator";
    em_tensor *data = lt_check_dtype(L, 1, fn, "data", EM_FLOAT32);
    if (!lua_istable(L, 2)) return lt_argerror(L, 2, fn, "options", "a table with lookback and delay");
    em_timeseries *g = lua_newuserdatauv(L, sizeof *g, 0);
    memset(g, 0, sizeof *g);
    luaL_setmetatable(L, GENERATOR_MT);
    lua_getfield(L, 2, "lookback");
    if (lua_isnil(L, -1)) return luaL_error(L, "%s: option 'lookback' is required", fn);
    lua_getfield(L, 2, "delay");
    if (lua_isnil(L, -1)) return luaL_error(L, "%s: option 'delay' is required", fn);
    lua_pop(L, 2);
    /* int32 ranges here keep every sum below in int64; the engine checks the rest */
    g->lookback = lt_opt_int(L, 2, fn, "lookback", 0, INT32_MIN, INT32_MAX);
    g->delay = lt_opt_int(L, 2, fn, "delay", 0, INT32_MIN, INT32_MAX);
    g->min_index = lt_opt_int(L, 2, fn, "min_index", 1, INT32_MIN, INT32_MAX);
    g->max_index = lt_opt_int(L, 2, fn, "max_index", 0, 1, INT32_MAX);
    g->shuffle = lt_opt_bool(L, 2, fn, "shuffle", 0);
    g->batch_size = lt_opt_int(L, 2, fn, "batch_size", 128, INT32_MIN, INT32_MAX);
    g->step = lt_opt_int(L, 2, fn, "step", 6, INT32_MIN, INT32_MAX);
    g->target_column = lt_opt_int(L, 2, fn, "target_column", 2, INT32_MIN, INT32_MAX);
    g->reverse = lt_opt_bool(L, 2, fn, "reverse", 0);
    if (em_timeseries_init(g, data)) return lt_raise(L);
    return 1;
}

/* ---- imdb ---- */

static void imdb_options(lua_State *L, int idx, em_imdb_options *o) {
    const char *fn = "imdb.load_data";
    o->num_words = lt_opt_int(L, idx, fn, "num_words", 0, 1, INT32_MAX);
    o->skip_top = lt_opt_int(L, idx, fn, "skip_top", 0, 0, INT32_MAX);
    o->maxlen = lt_opt_int(L, idx, fn, "maxlen", 0, 1, INT32_MAX);
    o->seed = (uint64_t)lt_opt_int(L, idx, fn, "seed", 113, 0, INT64_MAX);
    o->start_char = lt_opt_int(L, idx, fn, "start_char", 1, 0, INT32_MAX);
    o->oov_char = lt_opt_int(L, idx, fn, "oov_char", 2, 0, INT32_MAX);
    o->index_from = lt_opt_int(L, idx, fn, "index_from", 3, 0, INT32_MAX / 2);  /* rank + index_from stays int32 */
    lua_getfield(L, idx, "no_start_char");
    if (lua_toboolean(L, -1)) o->start_char = -1;
    lua_getfield(L, idx, "no_oov_char");
    if (lua_toboolean(L, -1)) o->oov_char = -1;
    lua_pop(L, 2);
}

/* Encode one set (pushes Sequences and an int32 labels tensor). */
static void imdb_set(lua_State *L, int seq_idx, int lab_idx, const em_imdb_options *o, uint64_t *state) {
    const char *fn = "imdb.load_data";
    em_sequences *ranks = ls_check(L, seq_idx, fn, "sequences");
    em_tensor *labels = lt_check_dtype(L, lab_idx, fn, "labels", EM_INT32);
    if (labels->ndim != 1 || labels->shape[0] != ranks->n || !em_is_contiguous(labels))
        luaL_error(L, "%s: %I labels for %I sequences", fn, (lua_Integer)em_numel(labels), (lua_Integer)ranks->n);
    em_sequences *out = lua_newuserdatauv(L, sizeof *out, 0);
    memset(out, 0, sizeof *out);
    luaL_setmetatable(L, EMBER_SEQUENCES_MT);
    em_tensor *labels_out = lt_new(L);
    if (em_tensor_alloc(labels_out, EM_INT32, 1, &ranks->n)) lt_raise(L);
    int64_t kept;
    if (em_imdb_encode(ranks, em_i32(labels), o, state, out, em_i32(labels_out), &kept)) lt_raise(L);
    labels_out->shape[0] = kept;  /* a shorter view of the same storage */
    lua_remove(L, -3);  /* the converted ranks */
}

/* imdb_encode(train_ranks, train_labels, test_ranks, test_labels, opts) -> x_train, y_train, x_test, y_test */
static int l_imdb_encode(lua_State *L) {
    em_imdb_options o;
    imdb_options(L, 5, &o);
    uint64_t state = o.seed;
    imdb_set(L, 1, 2, &o, &state);
    imdb_set(L, 3, 4, &o, &state);
    return 4;
}

/* to_categorical(y (contiguous float32/int32/uint8), num_classes (0: max + 1), dtype name
 * [, out]) -> one-hot tensor (out itself, refilled, when given); the Lua side
 * (ember.utils) checks the arguments. */
static int l_to_categorical(lua_State *L) {
    const char *fn = "to_categorical";
    em_tensor *y = lt_check_any(L, 1, fn, "y");
    int64_t classes = lt_check_int(L, 2, fn, "num_classes", 0, INT32_MAX);
    em_dtype dt = lt_opt_dtype_u8(L, 3, fn, EM_FLOAT32, NULL);  /* "bool" too: one-hot rows are 0 and 1 */
    if (!lua_isnoneornil(L, 4)) {
        em_tensor *out = lt_check_any(L, 4, fn, "out");
        if (em_to_categorical_into(out, y, classes, dt)) return lt_raise(L);
        lua_settop(L, 4);
        return 1;
    }
    em_tensor *out = lt_new(L);
    if (em_to_categorical(out, y, classes, dt)) return lt_raise(L);
    return 1;
}

/* permutation(n, seed) -> int32 permutation of 1..n from a private generator
 * seeded with seed (the global one is not touched). */
static int l_seeded_permutation(lua_State *L) {
    const char *fn = "permutation";
    int64_t n = lt_check_int(L, 1, fn, "n", 0, INT32_MAX);
    lua_Integer seed = luaL_checkinteger(L, 2);
    em_rng rng;
    em_rng_seed(&rng, (uint64_t)seed);
    em_tensor *t = lt_new(L);
    if (em_tensor_alloc(t, EM_INT32, 1, &n)) return lt_raise(L);
    em_permutation_rng(em_i32(t), n, &rng);
    return 1;
}

/// @api ember.io.read_csv(path[, opts]) -> table, Tensor, table, table
/// Reads a CSV file: the header, the numeric columns as a tensor, the text columns as lists of strings.
/// Returns header (every column's name), data ({rows, numeric columns read}, in file order),
/// text (column name -> list of strings, one per row; {} when there is none) and columns (the names
/// of data's columns, in order). Without a header, names are 1-based column numbers.
/// A column is text when one of its fields is not a number; an empty field of a numeric column is NaN.
/// @arg path: the file (may be inside a .zip)
/// @opt header = true: the first line holds the column names
/// @opt skip_columns = 0: leading columns not read (e.g. a date)
/// @opt usecols: the columns to read: names or 1-based numbers (negative from the end), read in file order
/// @opt dtype = "float32": element type of data ("int32": every numeric field must be an integer)
/// @opt delimiter = ",": the field separator
/// @opt text = true: read non-numeric columns as text; false: a field that is not a number is an error
/// @opt na = "nan": an empty field of a numeric column: "nan" reads NaN, "error" raises an error naming it

void ember_open_data(lua_State *L) {
    luaL_newmetatable(L, GENERATOR_MT);
    static const luaL_Reg meta[] = {{"__gc", gen_gc}, {"__call", gen_next}, {"__index", gen_index},
                                    {"__tostring", gen_tostring}, {NULL, NULL}};
    luaL_setfuncs(L, meta, 0);
    lua_pop(L, 1);
    static const luaL_Reg fns[] = {{"read_csv", l_read_csv},
                                   {"glove_parse", l_glove_parse},
                                   {"glove_gather", l_glove_gather},
                                   {"timeseries_generator", l_timeseries_generator},
                                   {"imdb_encode", l_imdb_encode},
                                   {"to_categorical", l_to_categorical},
                                   {"seeded_permutation", l_seeded_permutation},
                                   {NULL, NULL}};
    luaL_newlib(L, fns);
    lua_setfield(L, -2, "data");
}
