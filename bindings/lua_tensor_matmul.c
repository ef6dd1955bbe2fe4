/* ember.matmul(a, b) / a:matmul(b), a:dot(b) (numpy.dot for 1-D and 2-D),
 * and the thread count: EMBER_NUM_THREADS at start-up (default: every
 * online core), ember.num_threads(), ember.set_num_threads(n), which sets
 * both OpenBLAS's threads and the engine pool's (engine/core/parallel.h). */
#include <cblas.h>
#include <stdlib.h>
#include <unistd.h>

#include "../engine/core/error.h"
#include "../engine/core/parallel.h"
#include "../engine/ops/matmul.h"
#include "ember_modules.h"
#include "lua_tensor.h"

static int l_matmul(lua_State *L) {
    em_tensor *a = lt_check(L, 1, "matmul", "a");
    em_tensor *b = lt_check(L, 2, "matmul", "b");
    em_tensor *out = lt_new(L);
    if (em_matmul(out, a, b)) return lt_raise(L);
    return 1;
}

/* 1-D . 1-D gives a Lua number, as numpy.dot gives a scalar. */
static int l_dot(lua_State *L) {
    em_tensor *a = lt_check(L, 1, "dot", "self");
    em_tensor *b = lt_check(L, 2, "dot", "other");
    em_tensor *out = lt_new(L);
    if (em_dot(out, a, b)) return lt_raise(L);
    if (out->ndim == 0) lua_pushnumber(L, em_f32(out)[0]);
    return 1;
}

/* The count set at start-up or by set_num_threads (OpenBLAS's own count
 * varies from GEMM to GEMM, see engine/ops/gemm.h). */
static int l_num_threads(lua_State *L) { lua_pushinteger(L, em_num_threads()); return 1; }

/* ember.debug.blas(): OpenBLAS's build string and the core type it chose
 * (for make bench's machine header; not part of the API). */
static int l_blas_info(lua_State *L) {
    lua_createtable(L, 0, 3);
    lua_pushstring(L, openblas_get_config());
    lua_setfield(L, -2, "config");
    lua_pushstring(L, openblas_get_corename());
    lua_setfield(L, -2, "core");
    lua_pushinteger(L, openblas_get_num_threads());
    lua_setfield(L, -2, "threads");
    return 1;
}

static int l_set_num_threads(lua_State *L) {
    int n = (int)lt_check_int(L, 1, "set_num_threads", "n", 1, 1024);
    em_set_num_threads(n);
    em_parallel_set_threads(n);
    return 0;
}

/* EMBER_NUM_THREADS if it is a positive integer, else every online core. */
static int startup_threads(void) {
    const char *env = getenv("EMBER_NUM_THREADS");
    if (env && *env) {
        char *end;
        long n = strtol(env, &end, 10);
        if (*end == '\0' && n >= 1 && n <= 1024) return (int)n;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores >= 1 ? (int)cores : 1;
}

/// @api ember.matmul(a, b) -> Tensor
/// Matrix product of two 2-D tensors (batched for 3-D), through OpenBLAS.
/// @arg a: a tensor (m, k)
/// @arg b: a tensor (k, n)

/// @api Tensor:matmul(b) -> Tensor
/// Matrix product self x b, as ember.matmul.
/// @arg b: a tensor

/// @api Tensor:dot(b) -> Tensor|number
/// numpy.dot: inner product of 1-D tensors, matrix product for 2-D.
/// @arg b: a tensor

/// @api ember.num_threads() -> integer
/// The threads Ember may use (engine pool and GEMMs).

/// @api ember.set_num_threads(n)
/// Sets the threads Ember and OpenBLAS may use.
/// @arg n: an integer in [1, 1024]

/// @api ember.debug.blas() -> table
/// OpenBLAS's build string, core type and thread count (diagnostics).

void ember_open_tensor_matmul(lua_State *L) {
    static const luaL_Reg methods[] = {{"matmul", l_matmul}, {"dot", l_dot}, {NULL, NULL}};
    static const luaL_Reg functions[] = {{"matmul", l_matmul}, {"num_threads", l_num_threads},
                                         {"set_num_threads", l_set_num_threads}, {NULL, NULL}};
    lt_register_methods(L, methods);
    luaL_setfuncs(L, functions, 0);
    lua_getfield(L, -1, "debug");
    lua_pushcfunction(L, l_blas_info);
    lua_setfield(L, -2, "blas");
    lua_pop(L, 1);
    em_set_num_threads(startup_threads());
}
