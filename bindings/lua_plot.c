/* core.plot: the Lua face of engine/plot (PLplot figures).
 *
 *   core.plot.figure(options) / core.plot.line(options) -> path written
 *   core.plot.draw(options, fn): the same, naming fn in errors
 *
 * options: file (".png", ".svg" or ".pdf"), title, xlabel, ylabel (strings,
 * or false for none), width, height (pixels), legend (boolean; default: when
 * a series has a label), and either series = {{x =, y =, style =, label =},
 * ...} or one series given by x, y, style, label at the top level.  x and y
 * are Lua lists of numbers or 1-D tensors (float32 or int32; read in C, no
 * per-element Lua); x defaults to 1, 2, ..., n.  fn is the public function
 * name used in error messages (ember.plot.line, ember.plot.history, ...). */
#include <lauxlib.h>
#include <string.h>

#include "../engine/core/error.h"
#include "../engine/plot/figure.h"
#include "ember_modules.h"
#include "lua_guard.h"
#include "lua_options.h"
#include "lua_tensor.h"

#define FIGURE_MT "ember.plot.Figure"

/* The figure lives in a userdata so that a Lua error half-way through
 * reading the options frees it (its __gc), never leaks it. */
typedef struct {
    em_figure *fig;
} figure_box;

static int figure_gc(lua_State *L) {
    figure_box *box = luaL_checkudata(L, 1, FIGURE_MT);
    em_figure_free(box->fig);
    box->fig = NULL;
    lg_mark_finalized(L, 1, FIGURE_MT);
    return 0;
}

static em_figure *push_figure(lua_State *L) {
    figure_box *box = lua_newuserdatauv(L, sizeof *box, 0);
    box->fig = NULL;
    if (luaL_newmetatable(L, FIGURE_MT)) {
        lua_pushcfunction(L, figure_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    box->fig = em_figure_new();
    if (!box->fig) lt_raise(L);
    return box->fig;
}

/* "string", "float32 tensor {3,4}", "NaN", "12" ... for messages. */
static const char *describe(lua_State *L, int idx) {
    em_tensor *t = lt_test(L, idx);
    if (t) {
        char buf[160];
        return lua_pushfstring(L, "%s tensor %s", em_dtype_name(t->dtype), em_tensor_shape_str(t, buf, sizeof buf));
    }
    if (lua_type(L, idx) == LUA_TNUMBER) {
        lua_Number v = lua_tonumber(L, idx);
        return v != v ? "NaN" : lua_pushfstring(L, "%s", lua_tostring(L, idx));
    }
    if (lua_type(L, idx) == LUA_TSTRING) return lua_pushfstring(L, "\"%s\"", lua_tostring(L, idx));
    return luaL_typename(L, idx);
}

/* Engine messages start with the C function's name ("em_figure_save: ...");
 * the user called fn, so name that instead. */
static int raise_engine(lua_State *L, const char *fn) {
    const char *msg = em_error();
    if (strncmp(msg, "em_", 3) == 0 && strstr(msg, ": ")) msg = strstr(msg, ": ") + 2;
    return luaL_error(L, "%s: %s", fn, msg);
}

/* ---- series values: Lua lists or 1-D tensors ------------------------------ */

#define VALUES_EXPECTED "a list of numbers or a 1-D tensor"

/* The number of values at idx (a list or a 1-D tensor); errors name `what`. */
static int64_t values_length(lua_State *L, int idx, const char *fn, const char *what) {
    em_tensor *t = lt_test(L, idx);
    int64_t n;
    if (t) {
        if (!t->storage || t->ndim != 1)
            return luaL_error(L, "%s: %s expected " VALUES_EXPECTED ", got %s", fn, what, describe(L, idx));
        n = t->shape[0];
    } else if (lua_type(L, idx) == LUA_TTABLE) {
        n = (int64_t)lua_rawlen(L, idx);
    } else {
        return luaL_error(L, "%s: %s expected " VALUES_EXPECTED ", got %s", fn, what, describe(L, idx));
    }
    if (n == 0) return luaL_error(L, "%s: %s is empty", fn, what);
    return n;
}

static void tensor_values(const em_tensor *t, double *out) {
    int64_t n = t->shape[0], stride = t->strides[0];
    if (t->dtype == EM_FLOAT32) {
        const float *src = em_f32(t);
        if (stride == 1) {
            for (int64_t i = 0; i < n; i++) out[i] = src[i];
        } else {
            for (int64_t i = 0; i < n; i++) out[i] = src[i * stride];
        }
    } else if (t->dtype == EM_INT32) {
        const int32_t *src = em_i32(t);
        for (int64_t i = 0; i < n; i++) out[i] = src[i * stride];
    } else {
        const uint8_t *src = em_u8(t);
        for (int64_t i = 0; i < n; i++) out[i] = src[i * stride];
    }
}

static void read_values(lua_State *L, int idx, const char *fn, const char *what, double *out, int64_t n) {
    em_tensor *t = lt_test(L, idx);
    if (t) {
        tensor_values(t, out);
        return;
    }
    for (int64_t i = 0; i < n; i++) {
        lua_rawgeti(L, idx, (lua_Integer)(i + 1));
        if (lua_type(L, -1) != LUA_TNUMBER)
            luaL_error(L, "%s: %s expected a list of numbers, got %s at index %I", fn, what, describe(L, -1),
                       (lua_Integer)(i + 1));
        out[i] = lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
}

/* ---- options -------------------------------------------------------------- */

/* A string field, or NULL when nil or false. */
static const char *opt_text(lua_State *L, int idx, const char *fn, const char *key, const char *prefix) {
    int type = lua_getfield(L, idx, key);
    const char *s = NULL;
    if (type == LUA_TSTRING) s = lua_tostring(L, -1);
    else if (type != LUA_TNIL && !(type == LUA_TBOOLEAN && !lua_toboolean(L, -1)))
        luaL_error(L, "%s: option '%s%s' expected a string, got %s", fn, prefix, key, describe(L, -1));
    lua_pop(L, 1);  /* the string stays anchored in the options table */
    return s;
}

static void check_known_options(lua_State *L, int idx, const char *fn, const char *const known[],
                                const char *prefix) {
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        int ok = 0;
        if (lua_type(L, -2) == LUA_TSTRING) {
            const char *key = lua_tostring(L, -2);
            for (int i = 0; known[i]; i++) ok |= strcmp(key, known[i]) == 0;
            if (!ok) lt_unknown_option(L, fn, prefix, key, known);
        } else {
            luaL_error(L, "%s: unexpected positional entry in options%s (use named options such as file = ...)", fn,
                       prefix);
        }
        lua_pop(L, 1);
    }
}

/* Add the series described by the table at idx (x, y, style, label).
 * prefix is "" for top-level options or "series[i]." */
static void add_series(lua_State *L, em_figure *fig, int idx, const char *fn, const char *prefix) {
    static const char *const SERIES_KEYS[] = {"x", "y", "style", "label", NULL};
    if (*prefix) check_known_options(L, idx, fn, SERIES_KEYS, prefix);
    char what_x[64], what_y[64], what_style[64];
    snprintf(what_x, sizeof what_x, "option '%sx'", prefix);
    snprintf(what_y, sizeof what_y, "option '%sy'", prefix);
    snprintf(what_style, sizeof what_style, "%sstyle", prefix);

    const char *style = opt_text(L, idx, fn, "style", prefix);
    const char *label = opt_text(L, idx, fn, "label", prefix);
    em_style parsed;
    if (style && em_style_parse(style, &parsed) != 0)
        luaL_error(L, "%s: option '%s': %s", fn, what_style, em_error());

    if (lua_getfield(L, idx, "y") == LUA_TNIL) luaL_error(L, "%s: %s is missing (the values to plot)", fn, what_y);
    int y_idx = lua_gettop(L);
    int64_t n = values_length(L, y_idx, fn, what_y);
    int x_idx = 0;
    if (lua_getfield(L, idx, "x") != LUA_TNIL) {
        x_idx = lua_gettop(L);
        int64_t nx = values_length(L, x_idx, fn, what_x);
        if (nx != n)
            luaL_error(L, "%s: options '%sx' and '%sy' have different lengths (%I and %I)", fn, prefix, prefix,
                       (lua_Integer)nx, (lua_Integer)n);
    }
    double *x, *y;
    if (em_figure_add_series(fig, n, style, label, &x, &y) != 0) raise_engine(L, fn);
    read_values(L, y_idx, fn, what_y, y, n);
    if (x_idx) read_values(L, x_idx, fn, what_x, x, n);
    else
        for (int64_t i = 0; i < n; i++) x[i] = (double)(i + 1);
    lua_settop(L, y_idx - 1);
}

static void add_series_list(lua_State *L, em_figure *fig, int idx, const char *fn) {
    if (lua_getfield(L, idx, "series") != LUA_TTABLE || lt_test(L, -1))
        luaL_error(L, "%s: option 'series' expected a list of series tables {x =, y =, style =, label =}, got %s", fn,
                   describe(L, -1));
    int list = lua_gettop(L);
    lua_Integer n = (lua_Integer)lua_rawlen(L, list);
    if (n == 0) luaL_error(L, "%s: option 'series' is empty", fn);
    if (n > EM_FIGURE_MAX_SERIES) luaL_error(L, "%s: option 'series' has %I series, at most %d", fn, n, EM_FIGURE_MAX_SERIES);
    for (lua_Integer i = 1; i <= n; i++) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "series[%d].", (int)i);
        if (lua_rawgeti(L, list, i) != LUA_TTABLE)
            luaL_error(L, "%s: option 'series[%I]' expected a table {x =, y =, style =, label =}, got %s", fn, i,
                       describe(L, -1));
        add_series(L, fig, lua_gettop(L), fn, prefix);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static const char *check_file(lua_State *L, int idx, const char *fn) {
    int type = lua_getfield(L, idx, "file");
    if (type == LUA_TNIL) luaL_error(L, "%s: option 'file' is missing (a path ending in .png, .svg or .pdf)", fn);
    if (type != LUA_TSTRING)
        luaL_error(L, "%s: option 'file' expected a path ending in .png, .svg or .pdf, got %s", fn, describe(L, -1));
    const char *file = lt_check_path(L, -1, fn, "file");
    if (em_figure_format_of(file) < 0)
        luaL_error(L, "%s: option 'file' expected a path ending in .png, .svg or .pdf, got \"%s\"", fn, file);
    lua_pop(L, 1);
    return file;
}

/* Shared by ember.plot.figure, ember.plot.line (upvalue: the function's
 * name; line takes one series, no 'series' option) and core.plot.draw
 * (name as argument 2, for the Lua half's ember.plot.history). */
static int l_figure(lua_State *L) {
    static const char *const KEYS[] = {"file", "title", "xlabel", "ylabel", "width", "height", "legend", "x",
                                       "y", "style", "label", "series", NULL};
    static const char *const LINE_KEYS[] = {"file", "title", "xlabel", "ylabel", "width", "height", "legend", "x",
                                            "y", "style", "label", NULL};
    const char *fn = lua_isstring(L, lua_upvalueindex(1)) ? lua_tostring(L, lua_upvalueindex(1))
                                                           : luaL_optstring(L, 2, "ember.plot.figure");
    int single = strcmp(fn, "ember.plot.line") == 0;
    if (!lua_istable(L, 1) || lt_test(L, 1)) return lt_argerror(L, 1, fn, "options", "a table");
    lua_settop(L, 2);
    check_known_options(L, 1, fn, single ? LINE_KEYS : KEYS, "");
    const char *file = check_file(L, 1, fn);
    int width = (int)lt_opt_int(L, 1, fn, "width", EM_FIGURE_WIDTH, 64, EM_FIGURE_MAX_SIDE);
    int height = (int)lt_opt_int(L, 1, fn, "height", EM_FIGURE_HEIGHT, 64, EM_FIGURE_MAX_SIDE);
    lua_getfield(L, 1, "legend");
    int legend = lua_isnil(L, -1) ? -1 : lt_opt_bool(L, 1, fn, "legend", 1);
    lua_pop(L, 1);
    const char *texts[3] = {opt_text(L, 1, fn, "title", ""), opt_text(L, 1, fn, "xlabel", ""),
                            opt_text(L, 1, fn, "ylabel", "")};

    em_figure *fig = push_figure(L);
    if (em_figure_set_size(fig, width, height) != 0) return raise_engine(L, fn);
    fig->legend = legend;
    for (int i = 0; i < 3; i++)
        if (em_figure_set_text(fig, (em_figure_text)i, texts[i]) != 0) return raise_engine(L, fn);

    lua_getfield(L, 1, "series");
    int has_list = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (has_list) {
        lua_getfield(L, 1, "y");
        if (!lua_isnil(L, -1)) return luaL_error(L, "%s: give either option 'series' or options 'x'/'y', not both", fn);
        lua_pop(L, 1);
        add_series_list(L, fig, 1, fn);
    } else {
        add_series(L, fig, 1, fn, "");
    }
    if (em_figure_save(fig, file) != 0) return raise_engine(L, fn);
    lua_pushstring(L, file);
    return 1;
}

/* core.plot.tick_step(lo, hi [, nbins]): the axis tick spacing a figure
 * uses, exposed for specs and for scripts that want matching ticks. */
static int l_tick_step(lua_State *L) {
    double lo = lt_check_number(L, 1, "tick_step", "lo");
    double hi = lt_check_number(L, 2, "tick_step", "hi");
    int nbins = lua_isnoneornil(L, 3) ? 9 : (int)lt_check_int(L, 3, "tick_step", "nbins", 1, 1000);
    lua_pushnumber(L, em_figure_tick_step(lo, hi, nbins));
    return 1;
}

static void add_named(lua_State *L, const char *key, const char *fn) {
    lua_pushstring(L, fn);
    lua_pushcclosure(L, l_figure, 1);
    lua_setfield(L, -2, key);
}

/* core.plot.style_error(fmt): nil when fmt is a valid matplotlib format
 * string, else why not (for the Lua half's own messages). */
static int l_style_error(lua_State *L) {
    const char *fmt = luaL_checkstring(L, 1);
    em_style style;
    if (em_style_parse(fmt, &style) == 0) return 0;
    lua_pushstring(L, em_error());
    return 1;
}

/// @api ember.plot.line(opts)
/// Plots one series (a line by default) to a PNG, SVG or PDF file.
/// @opt x: x values (a tensor or list; default 1..n)
/// @opt y: y values (required)
/// @opt file: output file (extension picks the format)
/// @opt style: "line", "points" or "dots"
/// @opt title: the title
/// @opt xlabel: x-axis label
/// @opt ylabel: y-axis label
/// @opt label: legend label

/// @api ember.plot.figure(opts)
/// Plots several series to one file.
/// @opt file: output file
/// @opt series: a list of {x =, y =, style =, label =}
/// @opt title: the title
/// @opt xlabel: x-axis label
/// @opt ylabel: y-axis label

void ember_open_plot(lua_State *L) {
    static const luaL_Reg FUNCS[] = {
        {"draw", l_figure}, {"tick_step", l_tick_step}, {"style_error", l_style_error}, {NULL, NULL}};
    luaL_newlib(L, FUNCS);
    add_named(L, "figure", "ember.plot.figure");
    add_named(L, "line", "ember.plot.line");
    lua_setfield(L, -2, "plot");
}
