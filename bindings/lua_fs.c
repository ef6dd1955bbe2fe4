/* core.fs: files and folders, where a path may go inside a zip archive
 * (engine/io/zipfs.c).  The public face is ember.fs (bindings/lua/ember/fs.lua). */
#include <stdlib.h>

#include "../engine/core/error.h"
#include "../engine/io/zipfs.h"
#include "ember_modules.h"
#include "lua_tensor.h"

static const char *check_path(lua_State *L, const char *fn) { return lt_check_path(L, 1, fn, "path"); }

/* fs.listdir(path) -> sorted list of names */
static int l_listdir(lua_State *L) {
    const char *path = check_path(L, "fs.listdir");
    em_strlist names = {0};
    if (em_fs_listdir(path, &names)) return lt_raise(L);
    lua_createtable(L, (int)names.n, 0);
    for (size_t i = 0; i < names.n; i++) {
        lua_pushstring(L, names.items[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    em_strlist_free(&names);
    return 1;
}

/* fs.read(path) -> the file's bytes as a string */
static int l_read(lua_State *L) {
    const char *path = check_path(L, "fs.read");
    char *data;
    size_t len;
    if (em_fs_read(path, &data, &len)) return lt_raise(L);
    lua_pushlstring(L, data, len);
    free(data);
    return 1;
}

static em_fs_kind kind_of(lua_State *L, const char *fn) {
    em_fs_kind kind;
    if (em_fs_kind_of(check_path(L, fn), &kind)) lt_raise(L);
    return kind;
}

/* fs.exists(path), fs.isdir(path), fs.isfile(path) -> boolean */
static int l_exists(lua_State *L) { lua_pushboolean(L, kind_of(L, "fs.exists") != EM_FS_NONE); return 1; }
static int l_isdir(lua_State *L) { lua_pushboolean(L, kind_of(L, "fs.isdir") == EM_FS_DIR); return 1; }
static int l_isfile(lua_State *L) { lua_pushboolean(L, kind_of(L, "fs.isfile") == EM_FS_FILE); return 1; }

/* fs.mtime(path) -> seconds since the epoch (of the archive for a member), or nil */
static int l_mtime(lua_State *L) {
    double t = em_fs_mtime(check_path(L, "fs.mtime"));
    if (t < 0) lua_pushnil(L);
    else lua_pushnumber(L, t);
    return 1;
}

/// @api ember.fs.listdir(path) -> table
/// Sorted names in a folder, or in a folder inside a .zip (path may cross a zip).
/// @arg path: a folder

/// @api ember.fs.read(path) -> string
/// A file's whole contents (path may be inside a .zip).
/// @arg path: a file

/// @api ember.fs.exists(path) -> boolean
/// Whether path exists (inside a .zip too).
/// @arg path: a path

/// @api ember.fs.isdir(path) -> boolean
/// Whether path is a folder.
/// @arg path: a path

/// @api ember.fs.isfile(path) -> boolean
/// Whether path is a regular file.
/// @arg path: a path

/// @api ember.fs.mtime(path) -> number
/// Modification time of path in seconds.
/// @arg path: a path

void ember_open_fs(lua_State *L) {
    static const luaL_Reg fns[] = {{"listdir", l_listdir}, {"read", l_read},   {"exists", l_exists},
                                   {"isdir", l_isdir},     {"isfile", l_isfile}, {"mtime", l_mtime},
                                   {NULL, NULL}};
    luaL_newlib(L, fns);
    lua_setfield(L, -2, "fs");
}
