/* The pool behind parallel.h.  A job is `pieces` pieces claimed from one
 * atomic counter tagged with the job's generation (a worker that wakes up
 * after its job ended claims nothing from the next one by mistake).  The
 * caller counts finished pieces; it spins briefly for the last ones (jobs
 * are often shorter than a sleep/wake round trip), then sleeps until the
 * worker that finishes the last piece wakes it (Bidirectional's halves take
 * milliseconds: spinning through them would steal a core on a shared
 * machine). */
#include "parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "fpmode.h"

typedef struct {
    em_tid_range_fn fn;
    void *ctx;
    int64_t n, chunk, pieces;
    int max_workers;
    uint64_t gen;
} job_desc;

static pthread_mutex_t call_mu = PTHREAD_MUTEX_INITIALIZER; /* one job at a time */
static pthread_mutex_t job_mu = PTHREAD_MUTEX_INITIALIZER;  /* guards `job`, wakes workers */
static pthread_cond_t job_cv = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t done_mu = PTHREAD_MUTEX_INITIALIZER; /* wakes the caller */
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
static job_desc job;
static int workers = 0;       /* started so far (started on demand, never stopped) */
static atomic_ullong claim;   /* generation << 32 | next piece */
static atomic_llong done;     /* pieces finished in the current job */
static _Thread_local int in_job; /* this thread is running a piece (or waiting for its job) */

int em_parallel_in_job(void) { return in_job; }

static pthread_once_t count_once = PTHREAD_ONCE_INIT;
static atomic_int thread_total = 1;

static void read_thread_count(void) {
    const char *env = getenv("EMBER_NUM_THREADS");
    char *end = NULL;
    long n = env ? strtol(env, &end, 10) : 0;
    if (!env || end == env || *end != '\0' || n < 1) n = sysconf(_SC_NPROCESSORS_ONLN);
    thread_total = n < 1 ? 1 : n > EM_MAX_THREADS ? EM_MAX_THREADS : (int)n;
}

int em_num_threads(void) {
    pthread_once(&count_once, read_thread_count);
    return atomic_load(&thread_total);
}

void em_parallel_set_threads(int n) {
    pthread_once(&count_once, read_thread_count);
    pthread_mutex_lock(&call_mu);  /* never in the middle of a job */
    atomic_store(&thread_total, n < 1 ? 1 : n > EM_MAX_THREADS ? EM_MAX_THREADS : n);
    pthread_mutex_unlock(&call_mu);
}

/* Next unclaimed piece of job `gen`, or -1. */
static int64_t claim_piece(uint64_t gen, int64_t pieces) {
    unsigned long long v = atomic_load(&claim);
    for (;;) {
        if ((v >> 32) != (gen & 0xFFFFFFFFu)) return -1;
        int64_t p = (int64_t)(v & 0xFFFFFFFFu);
        if (p >= pieces) return -1;
        if (atomic_compare_exchange_weak(&claim, &v, v + 1)) return p;
    }
}

static void run_pieces(const job_desc *j, int tid) {
    int64_t p;
    while ((p = claim_piece(j->gen, j->pieces)) >= 0) {
        int64_t lo = p * j->chunk, hi = lo + j->chunk < j->n ? lo + j->chunk : j->n;
        j->fn(j->ctx, tid, lo, hi);
        if (atomic_fetch_add(&done, 1) + 1 == j->pieces && tid != 0) {
            pthread_mutex_lock(&done_mu);  /* the caller may be asleep: wake it */
            pthread_cond_signal(&done_cv);
            pthread_mutex_unlock(&done_mu);
        }
    }
}

static void *worker_main(void *arg) {
    int idx = (int)(intptr_t)arg;
    uint64_t seen = 0;
    unsigned fp_seen = em_fp_generation();
    em_fp_apply_here();  /* it inherited the mode; this makes sure */
    in_job = 1;  /* everything a worker runs is inside a job */
    for (;;) {
        pthread_mutex_lock(&job_mu);
        while (job.gen == seen) pthread_cond_wait(&job_cv, &job_mu);
        job_desc j = job;
        seen = j.gen;
        pthread_mutex_unlock(&job_mu);
        if (em_fp_generation() != fp_seen) {  /* the FTZ/DAZ mode changed since */
            fp_seen = em_fp_generation();
            em_fp_apply_here();
        }
        if (idx < j.max_workers) run_pieces(&j, idx + 1);
    }
    return NULL;
}

/* Up to `want` workers in all.  A pool shrunk by em_parallel_set_threads
 * keeps its extra workers: every job's broadcast wakes them, and they go
 * back to sleep without taking part (job.max_workers).  A few wake-ups per
 * job, cheaper than a condition variable per worker. */
static void start_workers(int want) {
    while (workers < want) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int ok = pthread_create(&t, &attr, worker_main, (void *)(intptr_t)workers) == 0;
        pthread_attr_destroy(&attr);
        if (!ok) break;  /* fewer workers: the caller does more pieces */
        workers++;
    }
}

static void wait_for_pieces(int64_t pieces) {
    for (int spins = 0; spins < 2000; spins++)
        if (atomic_load(&done) >= pieces) return;
    pthread_mutex_lock(&done_mu);
    while (atomic_load(&done) < pieces) pthread_cond_wait(&done_cv, &done_mu);
    pthread_mutex_unlock(&done_mu);
}

int em_parallel_plan(int64_t n, int64_t chunk, double work, double min_work) {
    if (n <= 0 || work < min_work) return 1;
    int nt = em_num_threads();
    int64_t pieces = (n + chunk - 1) / chunk;
    return nt > pieces ? (int)pieces : nt;
}

/* fn over [0, n) in pieces of `chunk` on up to nt threads, fn told the
 * index of the thread running the piece; nt <= 1 or nested: the pieces in
 * order on this thread (callers rely on them for cache blocking). */
static void run_job(int nt, int64_t n, int64_t chunk, em_tid_range_fn fn, void *ctx) {
    if (n <= 0) return;
    if (nt <= 1 || in_job) {
        for (int64_t lo = 0; lo < n; lo += chunk) fn(ctx, 0, lo, lo + chunk < n ? lo + chunk : n);
        return;
    }
    pthread_mutex_lock(&call_mu);
    start_workers(nt - 1);
    pthread_mutex_lock(&job_mu);
    job.fn = fn;
    job.ctx = ctx;
    job.n = n;
    job.chunk = chunk;
    job.pieces = (n + chunk - 1) / chunk;
    job.max_workers = nt - 1 < workers ? nt - 1 : workers;
    job.gen++;
    atomic_store(&done, 0);
    atomic_store(&claim, (unsigned long long)(job.gen & 0xFFFFFFFFu) << 32);
    job_desc j = job;
    pthread_cond_broadcast(&job_cv);
    pthread_mutex_unlock(&job_mu);
    in_job = 1;
    run_pieces(&j, 0);
    wait_for_pieces(j.pieces);  /* only pieces a worker has claimed are outstanding now */
    in_job = 0;
    pthread_mutex_unlock(&call_mu);
}

/* Slot s of a dynamic_tid job: its fixed run of chunks, in order. */
typedef struct {
    em_tid_range_fn fn;
    void *ctx;
    int64_t n, chunk, chunks, slots;
} slot_job;

static void run_slot(void *ctx, int tid, int64_t s, int64_t s_end) {
    (void)tid;
    (void)s_end;  /* the job's pieces are slots, one at a time: s_end = s + 1 */
    const slot_job *j = ctx;
    int64_t first = s * j->chunks / j->slots, last = (s + 1) * j->chunks / j->slots;
    for (int64_t c = first; c < last; c++) {
        int64_t lo = c * j->chunk, hi = lo + j->chunk < j->n ? lo + j->chunk : j->n;
        j->fn(j->ctx, (int)s, lo, hi);
    }
}

void em_parallel_dynamic_tid(int nt, int64_t n, int64_t chunk, em_tid_range_fn fn, void *ctx) {
    if (n <= 0) return;
    int64_t chunks = (n + chunk - 1) / chunk;
    if (nt > chunks) nt = (int)chunks;
    if (nt <= 1 || in_job) {
        run_job(1, n, chunk, fn, ctx);
        return;
    }
    slot_job j = {fn, ctx, n, chunk, chunks, nt};
    run_job(nt, nt, 1, run_slot, &j);
}

typedef struct {
    em_range_fn fn;
    void *ctx;
} plain_range;

static void range_no_tid(void *ctx, int tid, int64_t lo, int64_t hi) {
    (void)tid;
    const plain_range *p = ctx;
    p->fn(p->ctx, lo, hi);
}

void em_parallel_dynamic(int64_t n, int64_t chunk, double work, double min_work, em_range_fn fn, void *ctx) {
    plain_range p = {fn, ctx};
    run_job(em_parallel_plan(n, chunk, work, min_work), n, chunk, range_no_tid, &p);
}

typedef struct {
    em_piece_fn fn;
    void *ctx;
} plain_pieces;

static void each_piece(void *ctx, int tid, int64_t lo, int64_t hi) {
    (void)tid;
    const plain_pieces *p = ctx;
    for (int64_t i = lo; i < hi; i++) p->fn(p->ctx, i);
}

void em_parallel_pieces(int64_t n, em_piece_fn fn, void *ctx) {
    plain_pieces p = {fn, ctx};
    run_job(em_parallel_plan(n, 1, 1.0, 0.0), n, 1, each_piece, &p);
}

typedef struct {
    em_task_fn fn[2];
    void *ctx[2];
} two_tasks;

static void one_of_two(void *ctx, int64_t i) {
    const two_tasks *t = ctx;
    t->fn[i](t->ctx[i]);
}

void em_parallel_two(em_task_fn a, void *ctx_a, em_task_fn b, void *ctx_b) {
    two_tasks t = {{a, b}, {ctx_a, ctx_b}};
    em_parallel_pieces(2, one_of_two, &t);
}
