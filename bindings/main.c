/* The `ember` host: runs a script, evaluates a string, or opens a REPL.
 * Modeled on lua.c; the protected call with traceback and Ctrl-C handling
 * is host.c's, the interactive loop repl.c's. */
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/dist/dist.h"
#include "ember_modules.h"
#include "host.h"
#include "repl.h"

#ifndef EMBER_VERSION
#define EMBER_VERSION "0.1.0"
#endif

static void usage(FILE *out) {
    fprintf(out,
            "usage: ember [options] [script [args...]]\n"
            "  -e CODE       run CODE (may be repeated)\n"
            "  -i            enter the REPL after running the script or -e code\n"
            "  -v, --version print the version\n"
            "  -h, --help    this help\n"
            "  -             run standard input as a script\n"
            "With no script, ember opens a REPL (readline editing, history in\n"
            "~/.ember_history, tab completion; Ctrl-C cancels the line or the\n"
            "running computation).  The library is the global `ember` and\n"
            "`require \"ember\"`.\n");
}

/* arg table as lua.c makes it: arg[0] = script, arg[1..] = its args,
 * negative indices for the interpreter and its options. */
static void create_arg_table(lua_State *L, char **argv, int argc, int script) {
    lua_createtable(L, argc - script, script + 1);
    for (int i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - script);
    }
    lua_setglobal(L, "arg");
}

static int run_script(lua_State *L, const char *path, char **argv, int argc, int script) {
    int status = luaL_loadfile(L, strcmp(path, "-") == 0 ? NULL : path);
    if (status != LUA_OK) return ember_report(L, status);
    int n = argc - script - 1;
    luaL_checkstack(L, n + 3, "too many arguments to script");
    for (int i = script + 1; i < argc; i++) lua_pushstring(L, argv[i]);
    return ember_report(L, ember_docall(L, n, 0));
}

static int run_string(lua_State *L, const char *code) {
    int status = luaL_loadbuffer(L, code, strlen(code), "=(command line)");
    if (status == LUA_OK) status = ember_docall(L, 0, 0);
    return ember_report(L, status);
}

/// @api ember.debug.complete(text) -> table
/// What Tab offers in the REPL for text (a list of candidates).
/// @arg text: the identifier chain before the cursor, e.g. "ember.la"

static int open_ember(lua_State *L) {
    luaL_openlibs(L);
    ember_preload(L);
    lua_getglobal(L, "require");
    lua_pushliteral(L, "ember");
    int status = ember_docall(L, 1, 1);
    if (status != LUA_OK) return ember_report(L, status);
    /* The host's own debug entry: the REPL's completion (ember.debug.complete). */
    if (lua_getfield(L, -1, "debug") == LUA_TTABLE) {
        lua_pushcfunction(L, ember_repl_complete);
        lua_setfield(L, -2, "complete");
    }
    lua_pop(L, 1);
    /* help(x) as a global, as in Python's REPL: ember.help. */
    lua_getfield(L, -1, "help");
    lua_setglobal(L, "help");
    lua_setglobal(L, "ember");
    return LUA_OK;
}

static int pmain(lua_State *L) {
    int argc = (int)lua_tointeger(L, 1);
    char **argv = lua_touserdata(L, 2);
    int script = 0, interactive = 0, ran_code = 0;
    for (int i = 1; i < argc && !script; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) { usage(stdout); lua_pushboolean(L, 1); return 1; }
        if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0) {
            printf("ember %s (%s)\n", EMBER_VERSION, LUA_RELEASE);
            lua_pushboolean(L, 1);
            return 1;
        }
        if (strcmp(a, "-i") == 0) interactive = 1;
        else if (strcmp(a, "-e") == 0) {
            if (++i >= argc) { fprintf(stderr, "ember: '-e' needs an argument\n"); usage(stderr); return 0; }
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "ember: unknown option '%s'\n", a);
            usage(stderr);
            return 0;
        } else script = i;
    }
    create_arg_table(L, argv, argc, script ? script : argc - 1 + (argc == 1));
    if (open_ember(L) != LUA_OK) return 0;
    for (int i = 1; i < argc && (script == 0 || i < script); i++) {
        if (strcmp(argv[i], "-e") == 0) {
            ran_code = 1;
            if (run_string(L, argv[++i]) != LUA_OK) return 0;
        }
    }
    if (script && run_script(L, argv[script], argv, argc, script) != LUA_OK) return 0;
    if (interactive || (!script && !ran_code)) ember_repl(L);
    lua_pushboolean(L, 1);
    return 1;
}

int main(int argc, char **argv) {
    lua_State *L = luaL_newstate();
    if (!L) { fprintf(stderr, "ember: cannot create Lua state: not enough memory\n"); return 1; }
    lua_pushcfunction(L, pmain);
    lua_pushinteger(L, argc);
    lua_pushlightuserdata(L, argv);
    int status = lua_pcall(L, 2, 1, 0);
    int ok = status == LUA_OK && lua_toboolean(L, -1);
    if (status != LUA_OK) ember_report(L, status);
    /* Under mpirun, a rank whose script failed ends the whole job: the
     * other ranks would otherwise wait for it in their next collective. */
    if (!ok && em_dist_size() > 1) {
        fprintf(stderr, "ember: rank %d of %d failed; stopping every rank\n", em_dist_rank(), em_dist_size());
        fflush(stderr);
        em_dist_abort(EXIT_FAILURE);
    }
    lua_close(L);
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
