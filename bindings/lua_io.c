/* ember.save / ember.load: numpy's .npy and .npz files.
 *
 *   ember.save(path, tensor)            -> .npy
 *   ember.save(path, {name = tensor})   -> .npz (list entries are named
 *                                          arr_0, arr_1, ... as numpy.savez)
 *   ember.load(path)                    -> tensor (.npy) or table name -> tensor (.npz)
 *
 * load looks at the file's first bytes, not its extension, as numpy.load. */
#include <stdlib.h>
#include <string.h>

#include "../engine/core/error.h"
#include "../engine/io/file_util.h"
#include "../engine/io/npy.h"
#include "../engine/io/npz.h"
#include "ember_modules.h"
#include "lua_tensor.h"

#define MAX_MEMBERS 65536

typedef struct {
    const char *name;
    const em_tensor *t;
} member;

static int member_cmp(const void *a, const void *b) { return strcmp(((const member *)a)->name, ((const member *)b)->name); }

/* The name of the entry whose key is at the top - 1: a string key as is, a
 * list position k as "arr_<k-1>".  Generated names are anchored in the
 * table at `anchor` so the pointers stay valid. */
static const char *entry_name(lua_State *L, int anchor) {
    if (lua_type(L, -2) == LUA_TSTRING) {
        size_t len;
        const char *s = lua_tolstring(L, -2, &len);
        if (len == 0 || strlen(s) != len) luaL_error(L, "save: tensor names must be non-empty strings without NUL bytes");
        return s;
    }
    if (lua_isinteger(L, -2) && lua_tointeger(L, -2) >= 1) {
        const char *s = lua_pushfstring(L, "arr_%I", lua_tointeger(L, -2) - 1);
        lua_rawsetp(L, anchor, s);  /* keeps the string alive */
        lua_rawgetp(L, anchor, s);
        s = lua_tostring(L, -1);
        lua_pop(L, 1);
        return s;
    }
    luaL_error(L, "save: table keys must be names (strings) or list positions, got %s", luaL_typename(L, -2));
    return NULL;
}

/* Members of the table at idx, sorted by name (archives are then
 * byte-for-byte reproducible).  Pushes two userdata/tables it owns. */
static member *collect_members(lua_State *L, int idx, int *count) {
    int n = 0;
    for (lua_pushnil(L); lua_next(L, idx); lua_pop(L, 1))
        if (++n > MAX_MEMBERS) luaL_error(L, "save: too many tensors (more than %d)", MAX_MEMBERS);
    lua_newtable(L);
    int anchor = lua_gettop(L);
    member *m = lua_newuserdatauv(L, sizeof(member) * (size_t)(n ? n : 1), 0);
    int i = 0;
    for (lua_pushnil(L); lua_next(L, idx); lua_pop(L, 1)) {
        const char *name = entry_name(L, anchor);
        em_tensor *t = lt_test(L, -1);
        if (!t || !t->storage) luaL_error(L, "save: entry '%s' expected a tensor, got %s", name, luaL_typename(L, -1));
        m[i].name = name;
        m[i].t = t;  /* alive: the table holds it */
        i++;
    }
    qsort(m, (size_t)n, sizeof *m, member_cmp);
    for (int k = 1; k < n; k++)
        if (strcmp(m[k - 1].name, m[k].name) == 0) luaL_error(L, "save: two tensors are named '%s'", m[k].name);
    *count = n;
    return m;
}

static int save_npz(lua_State *L, const char *path) {
    int n;
    member *m = collect_members(L, 2, &n);
    const char **names = lua_newuserdatauv(L, sizeof(char *) * (size_t)(n ? n : 1), 0);
    const em_tensor **tensors = lua_newuserdatauv(L, sizeof(em_tensor *) * (size_t)(n ? n : 1), 0);
    for (int i = 0; i < n; i++) {
        names[i] = m[i].name;
        tensors[i] = m[i].t;
    }
    if (em_npz_save(path, "save", names, tensors, n)) return lt_raise(L);
    return 0;
}

static const char *check_path(lua_State *L, const char *fn) { return lt_check_path(L, 1, fn, "path"); }

static int l_save(lua_State *L) {
    const char *path = check_path(L, "save");
    lua_settop(L, 2);
    em_tensor *t = lt_test(L, 2);
    if (t) {
        if (em_npy_save(path, lt_check_any(L, 2, "save", "data"), "save")) return lt_raise(L);
        return 0;
    }
    if (!lua_istable(L, 2)) return lt_argerror(L, 2, "save", "data", "a tensor or a table of named tensors");
    return save_npz(L, path);
}

/* Move every decoded entry into a fresh table of userdata.  Userdata are
 * created first (empty), then filled, so a Lua memory error cannot strand
 * a tensor outside a userdata. */
static void push_npz(lua_State *L, em_npz_entry *e, int n) {
    lua_createtable(L, 0, n);
    for (int i = 0; i < n; i++) {
        em_tensor *t = lt_new(L);
        *t = e[i].tensor;
        memset(&e[i].tensor, 0, sizeof e[i].tensor);
        lua_setfield(L, -2, e[i].name);
    }
}

static int load_npz(lua_State *L, const char *path) {
    em_npz_entry *e;
    int n;
    if (em_npz_load(path, "load", &e, &n)) return lt_raise(L);
    push_npz(L, e, n);
    em_npz_free(e, n);
    return 1;
}

static int l_load(lua_State *L) {
    const char *path = check_path(L, "load");
    unsigned char head[4];
    size_t got;
    if (em_read_prefix(path, "load", head, sizeof head, &got)) return lt_raise(L);
    if (em_is_zip_prefix(head, got)) return load_npz(L, path);
    em_tensor *t = lt_new(L);
    if (em_npy_load(t, path, "load")) return lt_raise(L);
    return 1;
}

/// @api ember.save(path, x)
/// Saves a tensor (.npy) or a table name -> tensor (.npz), atomically.
/// @arg path: file name ending in .npy or .npz
/// @arg x: a tensor, or a table of tensors for .npz

/// @api ember.load(path) -> Tensor|table
/// Loads a .npy tensor or a .npz archive (a table name -> tensor).
/// @arg path: file name

void ember_open_io(lua_State *L) {
    static const luaL_Reg functions[] = {{"save", l_save}, {"load", l_load}, {NULL, NULL}};
    luaL_setfuncs(L, functions, 0);
}
