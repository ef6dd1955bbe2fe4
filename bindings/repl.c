/* The REPL: readline editing and history, multi-line input, values of
 * expressions printed (tensors via their numpy-like tostring), tab completion
 * of globals and table fields, Ctrl-C cancelling the current line or block. */
#include "repl.h"

#include <lauxlib.h>
#include <readline/history.h>
#include <readline/readline.h>
#include <errno.h>
#include <signal.h>
#include <sys/select.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"

static lua_State *repl_L;

/* ---- reading a line: readline's callback interface ----
 *
 * The REPL reads through rl_callback_read_char rather than readline() so a
 * Ctrl-C can end the read: with readline() a signal only redraws the line,
 * and the unfinished block of a continuation prompt would stay.  SIGINT
 * (installed without SA_RESTART) interrupts the select below; the read is
 * then abandoned and the caller drops the whole block, as Python does. */

static volatile sig_atomic_t prompt_sigint;
static char *line_read;
static int line_done;

static void on_prompt_sigint(int sig) {
    (void)sig;
    prompt_sigint = 1;
}

static void on_line(char *line) {
    line_read = line;
    line_done = 1;
    rl_callback_handler_remove();
}

typedef enum { READ_LINE, READ_EOF, READ_CANCELLED } read_status;

static read_status read_line(const char *prompt, char **out) {
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_prompt_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old);
    prompt_sigint = 0;
    line_read = NULL;
    line_done = 0;
    rl_callback_handler_install(prompt, on_line);
    read_status status = READ_LINE;
    int fd = fileno(rl_instream ? rl_instream : stdin);
    while (!line_done) {
        fd_set fds;
        FD_ZERO(&fds);
        FD_SET(fd, &fds);
        int ready = select(fd + 1, &fds, NULL, NULL, NULL);
        if (prompt_sigint) {
            rl_echo_signal_char(SIGINT);
            rl_free_line_state();
            rl_callback_sigcleanup();
            rl_callback_handler_remove();
            rl_crlf();
            status = READ_CANCELLED;
            break;
        }
        if (ready < 0) {
            if (errno == EINTR) continue;
            rl_callback_handler_remove();
            status = READ_EOF;
            break;
        }
        rl_callback_read_char();
    }
    sigaction(SIGINT, &old, NULL);
    if (status == READ_LINE && !line_read) status = READ_EOF;
    *out = status == READ_LINE ? line_read : NULL;
    if (status != READ_LINE) free(line_read);
    return status;
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

typedef enum { CHUNK_READY, CHUNK_EOF, CHUNK_CANCELLED } chunk_status;

/* Reads a full chunk (asking for continuation lines while the parser wants
 * more) and leaves the compiled function or the syntax error on the stack.
 * Ctrl-C, or Ctrl-D at a continuation prompt, drops the unfinished block;
 * Ctrl-D at the first prompt ends the session.  The whole block goes into
 * history as one entry. */
static chunk_status read_chunk(lua_State *L) {
    char *line;
    read_status rs = read_line("> ", &line);
    if (rs != READ_LINE) return rs == READ_EOF ? CHUNK_EOF : CHUNK_CANCELLED;
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
            return CHUNK_READY;
        }
        lua_pop(L, 2);
        int status = luaL_loadbuffer(L, code, len, "=stdin");
        if (!incomplete(L, status)) {
            if (len) add_history(code);
            lua_remove(L, -2);
            return CHUNK_READY;
        }
        lua_pop(L, 1);
        char *more;
        rs = read_line(">> ", &more);
        if (rs != READ_LINE) {
            if (len) add_history(code);  /* what was typed stays reachable with Up */
            if (rs == READ_EOF) printf("(block dropped: Ctrl-D at a continuation prompt; Ctrl-D at \"> \" quits)\n");
            return CHUNK_CANCELLED;
        }
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
    /* Timestamps mark where each entry starts, so a multi-line block is
     * read back from the file as one entry (readline's multiline entries). */
    history_write_timestamps = 1;
    history_multiline_entries = 1;
    if (histfile[0]) read_history(histfile);
    rl_readline_name = "ember";
    rl_catch_signals = 0;  /* read_line handles SIGINT itself */
    rl_attempted_completion_function = complete;
    rl_basic_word_break_characters = " \t\n\"\\'><=;+-*/%^~#{}()[],";
    if (isatty(STDIN_FILENO))
        printf("Ember %s -- deep learning on sequences, Lua 5.4. Ctrl-D quits.\n", "0.1.0");
    for (;;) {
        int top = lua_gettop(L);
        chunk_status got = read_chunk(L);
        if (got == CHUNK_EOF) break;
        if (got == CHUNK_CANCELLED) {
            lua_settop(L, top);
            continue;
        }
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
