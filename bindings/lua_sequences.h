/* The Sequences userdata ("ember.Sequences"), defined in lua_sequences.c
 * and used by lua_text.c (the Tokenizer makes them) and lua_data.c
 * (imdb.load_data). */
#ifndef EMBER_LUA_SEQUENCES_H
#define EMBER_LUA_SEQUENCES_H

#include <lauxlib.h>
#include <lua.h>

#include "../engine/text/sequences.h"

#define EMBER_SEQUENCES_MT "ember.Sequences"

/* Push a new, initialised, empty Sequences userdata. */
em_sequences *ls_new(lua_State *L);

/* The Sequences at idx, or a new one converted from a Lua list of integer
 * lists / int32 tensors (pushed on the stack: keep it there while used). */
em_sequences *ls_check(lua_State *L, int idx, const char *fn, const char *arg);

/* Create the metatable (called once by ember_open_text). */
void ls_open(lua_State *L);

/* Sequences(list) and sequences_from_flat(values, offsets), for core.text. */
int ls_l_sequences(lua_State *L);
int ls_l_from_flat(lua_State *L);

#endif
