/* core.net: the C half of ember.utils.get_file (bindings/lua/ember/utils.lua):
 *
 *   net.download(url, part_path[, {progress = fn(have, total), stall_timeout = s,
 *                connect_timeout = s}]) -> {status, size, resumed_from, content_type}
 *   net.sha256(string) -> hex          net.sha256_file(path) -> hex
 *   net.extract(archive, dest_dir) -> {top-level names}
 *   net.write_file(path, string)       (atomic, durable)
 *   net.commit(tmp, path)              (fsync tmp, rename over path, fsync the folder;
 *                                       on failure tmp is removed)
 *   net.mkdirs(path)                   net.stderr_isatty() -> boolean
 *
 * Interrupts: the host turns Ctrl-C into a debug hook that raises
 * "interrupted!" at the next Lua call (bindings/host.c), which a long C loop
 * never reaches.  So every long loop here (the transfer, hashing, extraction)
 * calls a Lua function under lua_pcall about ten times a second (the progress
 * function, else a no-op): an armed hook raises there, the pcall catches it,
 * the loop stops cleanly (partial download kept, temp folders removed), and
 * the same error is raised again once the C side is back in order. */
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../engine/core/error.h"
#include "../engine/io/download.h"
#include "../engine/io/extract.h"
#include "../engine/io/file_util.h"
#include "../engine/io/sha256.h"
#include "ember_modules.h"
#include "lua_tensor.h"

typedef struct {
    lua_State *L;
    int fn;       /* stack index of the function called while polling */
    int err;      /* stack index of the slot that receives its error */
    double last;  /* when it last ran */
    int failed;
} poller;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int noop(lua_State *L) {
    (void)L;
    return 0;
}

/* Pushes the polled function (fn_idx's value, or the no-op when fn_idx is
 * 0) and an error slot; the poller refers to both. */
static void poller_init(poller *p, lua_State *L, int fn_idx) {
    p->L = L;
    if (fn_idx) lua_pushvalue(L, fn_idx);
    else lua_pushcfunction(L, noop);
    p->fn = lua_gettop(L);
    lua_pushnil(L);
    p->err = lua_gettop(L);
    p->last = -1e300;
    p->failed = 0;
}

/* Runs the polled function with (have, total) at most every 0.1 s (always
 * when force); non-zero once it raised. */
static int poll(poller *p, int64_t have, int64_t total, int force) {
    if (p->failed) return 1;
    double t = now();
    if (!force && t - p->last < 0.1) return 0;
    p->last = t;
    lua_State *L = p->L;
    lua_pushvalue(L, p->fn);
    lua_pushinteger(L, (lua_Integer)have);
    if (total >= 0) lua_pushinteger(L, (lua_Integer)total);
    else lua_pushnil(L);
    if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
        lua_replace(L, p->err);
        p->failed = 1;
    }
    return p->failed;
}

static int poll_progress(void *ctx, int64_t have, int64_t total) { return poll(ctx, have, total, 0); }
static int poll_stop(void *ctx) { return poll(ctx, 0, -1, 0); }

/* The Lua function raised while the engine ran: raise its error again. */
static int reraise(poller *p) {
    lua_pushvalue(p->L, p->err);
    return lua_error(p->L);
}

static long opt_seconds(lua_State *L, int idx, const char *key) {
    return (long)lt_opt_int(L, idx, "net.download", key, 0, 0, 86400);
}

static int l_download(lua_State *L) {
    const char *url = lt_check_path(L, 1, "net.download", "url");
    const char *part = lt_check_path(L, 2, "net.download", "part_path");
    if (!lua_isnoneornil(L, 3)) luaL_checktype(L, 3, LUA_TTABLE);
    em_download_opts o = {.progress = poll_progress};
    o.connect_timeout = opt_seconds(L, 3, "connect_timeout");
    o.stall_timeout = opt_seconds(L, 3, "stall_timeout");
    int fn_idx = 0;
    if (lua_istable(L, 3)) {
        lua_getfield(L, 3, "progress");
        if (lua_isfunction(L, -1)) fn_idx = lua_gettop(L);
        else if (!lua_isnil(L, -1)) return luaL_error(L, "net.download: option 'progress' expected a function");
    }
    poller p;
    poller_init(&p, L, fn_idx);
    o.ctx = &p;
    em_download_info info;
    int rc = em_download(url, part, "get_file", &o, &info);
    if (p.failed) return reraise(&p);
    if (rc) return lt_raise(L);
    poll(&p, info.size, info.size, 1);  /* the final state, drawn once */
    if (p.failed) return reraise(&p);
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, info.http_status);
    lua_setfield(L, -2, "status");
    lua_pushinteger(L, (lua_Integer)info.size);
    lua_setfield(L, -2, "size");
    lua_pushinteger(L, (lua_Integer)info.resumed_from);
    lua_setfield(L, -2, "resumed_from");
    lua_pushstring(L, info.content_type);
    lua_setfield(L, -2, "content_type");
    return 1;
}

static int l_sha256(lua_State *L) {
    if (lua_type(L, 1) != LUA_TSTRING) return lt_argerror(L, 1, "net.sha256", "bytes", "a string");
    size_t n;
    const char *s = lua_tolstring(L, 1, &n);
    char hex[EM_SHA256_HEX];
    if (em_sha256_bytes(s, n, "net.sha256", hex)) return lt_raise(L);
    lua_pushstring(L, hex);
    return 1;
}

static int l_sha256_file(lua_State *L) {
    const char *path = lt_check_path(L, 1, "net.sha256_file", "path");
    poller p;
    poller_init(&p, L, 0);
    char hex[EM_SHA256_HEX];
    int rc = em_sha256_file(path, "get_file", poll_stop, &p, hex);
    if (p.failed) return reraise(&p);
    if (rc) return lt_raise(L);
    lua_pushstring(L, hex);
    return 1;
}

static int l_extract(lua_State *L) {
    const char *archive = lt_check_path(L, 1, "net.extract", "archive");
    const char *dest = lt_check_path(L, 2, "net.extract", "dest_dir");
    poller p;
    poller_init(&p, L, 0);
    em_strlist tops = {0};
    int rc = em_extract_archive(archive, dest, "get_file", poll_stop, &p, &tops);
    if (p.failed) {
        em_strlist_free(&tops);
        return reraise(&p);
    }
    if (rc) return lt_raise(L);
    lua_createtable(L, (int)tops.n, 0);
    for (size_t i = 0; i < tops.n; i++) {
        lua_pushstring(L, tops.items[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    em_strlist_free(&tops);
    return 1;
}

static int l_write_file(lua_State *L) {
    const char *path = lt_check_path(L, 1, "net.write_file", "path");
    if (lua_type(L, 2) != LUA_TSTRING) return lt_argerror(L, 2, "net.write_file", "bytes", "a string");
    size_t n;
    const char *s = lua_tolstring(L, 2, &n);
    if (em_write_file_atomic(path, "get_file", s, n)) return lt_raise(L);
    return 0;
}

static int l_commit(lua_State *L) {
    const char *tmp = lt_check_path(L, 1, "net.commit", "tmp");
    const char *path = lt_check_path(L, 2, "net.commit", "path");
    if (em_commit_temp(tmp, path, "get_file")) return lt_raise(L);
    return 0;
}

static int l_mkdirs(lua_State *L) {
    if (em_mkdirs(lt_check_path(L, 1, "net.mkdirs", "path"), "get_file")) return lt_raise(L);
    return 0;
}

static int l_stderr_isatty(lua_State *L) {
    lua_pushboolean(L, isatty(2));
    return 1;
}

void ember_open_net(lua_State *L) {
    static const luaL_Reg fns[] = {{"download", l_download},     {"sha256", l_sha256},
                                   {"sha256_file", l_sha256_file}, {"extract", l_extract},
                                   {"write_file", l_write_file}, {"mkdirs", l_mkdirs}, {"commit", l_commit},
                                   {"stderr_isatty", l_stderr_isatty}, {NULL, NULL}};
    luaL_newlib(L, fns);
    lua_setfield(L, -2, "net");
}
