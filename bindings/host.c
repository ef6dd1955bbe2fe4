/* The host's protected call and error report (host.h).  Modeled on lua.c:
 * errors carry a traceback, Ctrl-C interrupts the running computation
 * through a debug hook instead of killing the process. */
#include "host.h"

#include <lauxlib.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static lua_State *global_L;

/* Ctrl-Cs since the hook last raised: the escape hatch below counts them. */
static volatile sig_atomic_t pending_interrupts;

static void stop_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    pending_interrupts = 0;
    luaL_error(L, "interrupted!");
}

/* SIGINT while Lua runs: arm a hook that raises "interrupted!" at the next
 * Lua instruction (C code in the engine is not torn apart mid-write).  Every
 * Ctrl-C does so, as Python raises KeyboardInterrupt for each: a script's
 * cleanup code (a pcall that catches "interrupted!") runs, and a second
 * Ctrl-C interrupts that cleanup the same way instead of killing the
 * process.  Only when three arrive without Lua running an instruction in
 * between (a long computation in C) does the process exit, with status 130
 * and a message. */
static void on_sigint(int sig) {
    (void)sig;
    if (++pending_interrupts >= 3) {
        static const char msg[] = "\nember: interrupted three times while a computation ran in C; exiting\n";
        ssize_t w = write(2, msg, sizeof msg - 1);
        (void)w;
        _exit(130);
    }
    lua_sethook(global_L, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

static int msghandler(lua_State *L) {
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

int ember_docall(lua_State *L, int narg, int nres) {
    int base = lua_gettop(L) - narg;
    lua_pushcfunction(L, msghandler);
    lua_insert(L, base);
    global_L = L;
    pending_interrupts = 0;
    struct sigaction sa = {0}, old;
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;  /* stays installed: every Ctrl-C interrupts */
    sigaction(SIGINT, &sa, &old);
    int status = lua_pcall(L, narg, nres, base);
    sigaction(SIGINT, &old, NULL);
    lua_remove(L, base);
    return status;
}

int ember_report(lua_State *L, int status) {
    if (status != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        fprintf(stderr, "ember: %s\n", msg ? msg : "(error object)");
        fflush(stderr);
        lua_pop(L, 1);
    }
    return status;
}
