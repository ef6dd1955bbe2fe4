/* The engine's one thread pool for its own loops (Conv1D kernels,
 * Bidirectional's two halves): the calling thread plus a persistent set of
 * workers, em_num_threads() - 1 of them, started when a job first needs
 * them (more after em_parallel_set_threads raises the count).  Workers
 * sleep on a condition variable between jobs; a job is a list of pieces that
 * the caller and the workers claim from one shared counter, and the caller
 * waits only for pieces actually claimed, so a worker that loses its core on
 * a shared machine holds nobody up (the caller just does that piece itself).
 *
 * Thread count: EMBER_NUM_THREADS if it is a positive integer, else every
 * online core (capped at EM_MAX_THREADS), read on first use;
 * em_parallel_set_threads (ember.set_num_threads) changes it later.
 *
 * Coexisting with OpenBLAS.  GEMM goes to OpenBLAS (engine/ops/gemm.h),
 * which keeps its own pthreads.  The two never split work over the cores
 * at the same time:
 *   - Outside pool jobs, em_sgemm gives each GEMM as many OpenBLAS threads
 *     as its size pays for (small GEMMs run on one).
 *   - Recurrent layers split their batch into blocks of rows run as one
 *     pool job per pass, with OpenBLAS pinned to one thread
 *     (em_gemm_single_begin/end): each block's GEMMs run on the thread that
 *     runs the block.  Bidirectional runs its halves one after the other,
 *     or (one block each) as two tasks with OpenBLAS pinned.
 *   - Conv1D: the pool runs our kernels; OpenBLAS runs the dense fallback
 *     GEMMs.  A layer calls one or the other, and every pool call returns
 *     only when its job is done, so they alternate, never overlap.
 *   - Idle pool workers sleep (no spinning), so they take no time from
 *     OpenBLAS's threads; the caller spins only briefly at the end of a job.
 *
 * One job runs at a time (calls from several threads queue).  A pool call
 * made from inside a pool job (a piece that itself runs parallel code) runs
 * serially on the thread that made it: nesting never deadlocks and never
 * asks for more threads than there are. */
#ifndef EMBER_CORE_PARALLEL_H
#define EMBER_CORE_PARALLEL_H

#include <stdint.h>

#define EM_MAX_THREADS 64  /* OpenBLAS's own maximum in Debian's build */

typedef void (*em_range_fn)(void *ctx, int64_t lo, int64_t hi);
typedef void (*em_tid_range_fn)(void *ctx, int tid, int64_t lo, int64_t hi);
typedef void (*em_piece_fn)(void *ctx, int64_t piece);
typedef void (*em_task_fn)(void *ctx);

/* 1 on a thread that is running a piece of a pool job (or waiting for its
 * own job): GEMMs there must not change OpenBLAS's thread count. */
int em_parallel_in_job(void);

/* Threads our loops may use (caller included): EMBER_NUM_THREADS or all
 * online cores, 1..EM_MAX_THREADS, until em_parallel_set_threads. */
int em_num_threads(void);

/* From the next job on, use n threads (clamped to 1..EM_MAX_THREADS).
 * Waits for a running job to end; workers start when first needed. */
void em_parallel_set_threads(int n);

/* Threads to use for n units in `chunk`s: 1 when `work` < `min_work` (any
 * unit), else em_num_threads() but at most one per piece. */
int em_parallel_plan(int64_t n, int64_t chunk, double work, double min_work);

/* Range split with partial results: fn over [0, n) in pieces of `chunk`
 * (always called piece by piece, so a piece can be sized for the cache) on
 * up to nt threads (from em_parallel_plan).  The pieces are cut into nt
 * slots of consecutive pieces; fn is told its slot 0..nt-1, so it can sum
 * into per-slot partial results.  A slot runs whole, in order, on one
 * thread, and slot s always holds the same pieces: partials added in slot
 * order give the same bits run after run (for one thread count; nt = 1 is
 * every piece in order, slot 0).  Threads claim whole slots, so the load
 * balances more coarsely than em_parallel_dynamic's. */
void em_parallel_dynamic_tid(int nt, int64_t n, int64_t chunk, em_tid_range_fn fn, void *ctx);

/* The same for pieces that need no thread index; plans for itself. */
void em_parallel_dynamic(int64_t n, int64_t chunk, double work, double min_work, em_range_fn fn, void *ctx);

/* N pieces: fn(ctx, i) for i in [0, n), each once, on as many threads as
 * there are pieces (up to em_num_threads()), in any order. */
void em_parallel_pieces(int64_t n, em_piece_fn fn, void *ctx);

/* Two tasks at once: each on its own thread when there are two, else (or
 * when the worker is late) both on the calling thread.  Either may run
 * first: they must be independent. */
void em_parallel_two(em_task_fn a, void *ctx_a, em_task_fn b, void *ctx_b);

#endif
