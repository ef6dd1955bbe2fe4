/* The REPL: readline editing and history, multi-line input, values of
 * expressions printed (tensors via their numpy-like tostring), tab completion
 * of globals and table fields, Ctrl-C cancelling the current line. */
#include "repl.h"

#include <lauxlib.h>
#include <readline/history.h>
#include <readline/readline.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"

static lua_State *repl_L;

/* Ctrl-C at the prompt: drop the line being typed and show a fresh prompt. */
static void on_prompt_sigint(int sig) {
    (void)sig;
    rl_replace_line("", 0);
    rl_crlf();
    rl_on_new_line();
    rl_redisplay();
}

/* ---- completion: the identifier chain before the cursor, e.g. "ember.la" ---- */

static char **candidates;
static int ncandidates;

static void add_candidate(const char *prefix, const char *name, int is_method) {
    char **grown = realloc(candidates, sizeof(char *) * (size_t)(ncandidates + 2));
    if (!grown) return;
    candidates = grown;
    size_t n = strlen(prefix) + strlen(name) + 2;
    char *s = malloc(n);
    if (!s) return;
    snprintf(s, n, "%s%s", prefix, name);
    (void)is_method;
    candidates[ncandidates++] = s;
    candidates[ncandidates] = NULL;
}

/* Push the table that `path` (e.g. "ember.layers") names, or nil. */
static void resolve(lua_State *L, const char *path, size_t len) {
    lua_pushglobaltable(L);
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || path[i] == '.' || path[i] == ':') {
            if (i == start) { lua_pop(L, 1); lua_pushnil(L); return; }
            if (!lua_istable(L, -1) && !luaL_getmetafield(L, -1, "__index")) { lua_pop(L, 1); lua_pushnil(L); return; }
            lua_pushlstring(L, path + start, i - start);
            lua_gettable(L, -2);
            lua_remove(L, -2);
            start = i + 1;
        }
    }
}

static void collect_fields(lua_State *L, int idx, const char *prefix, const char *partial) {
    size_t pl = strlen(partial);
    int want_private = partial[0] == '_';  /* _train_batch and friends only when asked for */
    for (int depth = 0; depth < 4 && lua_istable(L, idx); depth++) {
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            if (lua_type(L, -2) == LUA_TSTRING) {
                const char *k = lua_tostring(L, -2);
                if (strncmp(k, partial, pl) == 0 && strncmp(k, "__", 2) != 0 && (want_private || k[0] != '_'))
                    add_candidate(prefix, k, 0);
            }
            lua_pop(L, 1);
        }
        /* Follow __index tables so methods of objects and classes complete too. */
        if (!lua_getmetatable(L, idx)) break;
        lua_getfield(L, -1, "__index");
        lua_remove(L, -2);
        idx = lua_gettop(L);
    }
}

/* Collects the candidates for the text at index 1.  Run under lua_pcall:
 * looking fields up may call __index metamethods, which may raise, and an
 * error must cost the completion, never the session. */
static int collect_candidates(lua_State *L) {
    const char *text = luaL_checkstring(L, 1);
    const char *sep = strrchr(text, '.');
    const char *colon = strrchr(text, ':');
    if (colon && (!sep || colon > sep)) sep = colon;
    if (sep) {
        size_t plen = (size_t)(sep - text) + 1;
        lua_pushlstring(L, text, plen);  /* the prefix, kept on the stack */
        const char *prefix = lua_tostring(L, -1);
        resolve(L, text, plen - 1);
        if (!lua_isnil(L, -1)) {
            if (luaL_testudata(L, -1, "ember.Tensor")) {  /* its __index is a function: list the methods */
                lua_getfield(L, LUA_REGISTRYINDEX, "ember.Tensor.methods");
                lua_replace(L, -2);
            } else if (!lua_istable(L, -1)) {
                if (luaL_getmetafield(L, -1, "__index")) lua_replace(L, -2);
            }
            collect_fields(L, lua_gettop(L), prefix, sep + 1);
        }
    } else {
        lua_pushglobaltable(L);
        collect_fields(L, lua_gettop(L), "", text);
        static const char *const keywords[] = {"and", "break", "do", "else", "elseif", "end", "false",
                                               "for", "function", "goto", "if", "in", "local", "nil",
                                               "not", "or", "repeat", "return", "then", "true", "until",
                                               "while", NULL};
        for (int i = 0; keywords[i]; i++)
            if (strncmp(keywords[i], text, strlen(text)) == 0) add_candidate("", keywords[i], 0);
    }
    return 0;
}

static void clear_candidates(void) {
    for (int i = 0; i < ncandidates; i++) free(candidates[i]);
    free(candidates);
    candidates = NULL;
    ncandidates = 0;
}

/* The candidates for text, protected; an error leaves none. */
static void find_candidates(lua_State *L, const char *text) {
    clear_candidates();
    int top = lua_gettop(L);
    lua_pushcfunction(L, collect_candidates);
    lua_pushstring(L, text);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) clear_candidates();
    lua_settop(L, top);
}

static char *completion_generator(const char *text, int state) {
    static int index;
    if (state == 0) {
        find_candidates(repl_L, text);
        index = 0;
    }
    if (index < ncandidates) return strdup(candidates[index++]);
    return NULL;
}

/* ember.debug.complete(text) -> {candidate, ...}: what Tab offers, through
 * the same protected collection (for specs; not part of the API). */
int ember_repl_complete(lua_State *L) {
    find_candidates(L, luaL_checkstring(L, 1));
    lua_createtable(L, ncandidates, 0);
    for (int i = 0; i < ncandidates; i++) {
        lua_pushstring(L, candidates[i]);
        lua_rawseti(L, -2, i + 1);
    }
    clear_candidates();
    return 1;
}

static char **complete(const char *text, int start, int end) {
    (void)start; (void)end;
    rl_completion_append_character = '\0';
    return rl_completion_matches(text, completion_generator);
}

/* ---- evaluation ---- */

static int incomplete(lua_State *L, int status) {
    if (status == LUA_ERRSYNTAX) {
        size_t lmsg;
        const char *msg = lua_tolstring(L, -1, &lmsg);
        if (lmsg >= 5 && strcmp(msg + lmsg - 5, "<eof>") == 0) return 1;
    }
    return 0;
}

/* The results through ember.show (tables as Lua source, not addresses),
 * protected like the evaluation itself. */
static void print_results(lua_State *L, int base) {
    int n = lua_gettop(L) - base;
    if (n == 0) return;
    static const char code[] = "return require('ember.show').print(...)";
    if (luaL_loadbuffer(L, code, sizeof code - 1, "=repl") != LUA_OK) {
        ember_report(L, LUA_ERRSYNTAX);
        return;
    }
    lua_insert(L, base + 1);
    if (ember_docall(L, n, 0) != LUA_OK) ember_report(L, LUA_ERRRUN);
}

/* Reads a full chunk (asking for continuation lines while the parser wants
 * more); returns 0 at end of input. */
static int read_chunk(lua_State *L, luaL_Buffer *unused) {
    (void)unused;
    char *line = readline("> ");
    if (!line) return 0;
    lua_pushstring(L, line);
    free(line);
    for (;;) {
        size_t len;
        const char *code = lua_tolstring(L, -1, &len);
        /* An expression first, so "1 + 2" and "t" print their values. */
        const char *ret = lua_pushfstring(L, "return %s;", code);
        if (luaL_loadbuffer(L, ret, strlen(ret), "=stdin") == LUA_OK) {
            if (len) add_history(code);
            lua_remove(L, -2);  /* the "return" string */
            lua_remove(L, -2);  /* the code */
            return 1;
        }
        lua_pop(L, 2);
        int status = luaL_loadbuffer(L, code, len, "=stdin");
        if (!incomplete(L, status)) {
            if (len) add_history(code);
            lua_remove(L, -2);
            return 1;
        }
        lua_pop(L, 1);
        char *more = readline(">> ");
        if (!more) return 0;
        lua_pushfstring(L, "\n%s", more);
        free(more);
        lua_concat(L, 2);
    }
}

void ember_repl(lua_State *L) {
    repl_L = L;
    const char *home = getenv("HOME");
    char histfile[1024] = "";
    if (home) snprintf(histfile, sizeof histfile, "%s/.ember_history", home);
    if (histfile[0]) read_history(histfile);
    rl_readline_name = "ember";
    rl_attempted_completion_function = complete;
    rl_basic_word_break_characters = " \t\n\"\\'><=;+-*/%^~#{}()[],";
    if (isatty(STDIN_FILENO))
        printf("Ember %s -- deep learning on sequences, Lua 5.4. Ctrl-D quits.\n", "0.1.0");
    for (;;) {
        int top = lua_gettop(L);
        signal(SIGINT, on_prompt_sigint);
        int got = read_chunk(L, NULL);
        signal(SIGINT, SIG_DFL);
        if (!got) break;
        /* The chunk or a syntax error message is on the stack; the source
         * line went into history through the code string. */
        if (lua_type(L, -1) == LUA_TFUNCTION) {
            int status = ember_docall(L, 0, LUA_MULTRET);
            if (status == LUA_OK) print_results(L, top);
            else ember_report(L, status);
        } else {
            ember_report(L, LUA_ERRSYNTAX);
        }
        lua_settop(L, top);
    }
    if (isatty(STDIN_FILENO)) printf("\n");
    if (histfile[0]) write_history(histfile);
}
