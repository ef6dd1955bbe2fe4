/* A small persistent pool: workers sleep on a condition variable between
 * jobs (no spinning that would fight OpenBLAS's threads or other jobs), a
 * job is a range cut into pieces that the caller and the workers claim from
 * one atomic counter, and the caller waits only for pieces actually claimed:
 * a worker the scheduler wakes late finds nothing left and goes back to
 * sleep, without holding anyone up (on a loaded machine that wait used to
 * cost more than the work). */
#include "conv_parallel.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_THREADS 16

typedef struct {
    em_tid_range_fn fn;
    void *ctx;
    int64_t n, chunk, pieces;
    int max_workers;
    uint64_t gen;
} job_desc;

static pthread_mutex_t call_mu = PTHREAD_MUTEX_INITIALIZER;  /* one job at a time */
static pthread_mutex_t job_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t job_cv = PTHREAD_COND_INITIALIZER;
static job_desc job;
static int workers = -1;        /* started so far; -1: pool not created yet */
static atomic_ullong claim;     /* generation << 32 | next piece */
static atomic_llong done;       /* pieces finished in the current job */

static int thread_count(void) {
    const char *env = getenv("EMBER_NUM_THREADS");
    long n = env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
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
        atomic_fetch_add(&done, 1);
    }
}

static void *worker_main(void *arg) {
    int idx = (int)(intptr_t)arg;
    uint64_t seen = 0;
    for (;;) {
        pthread_mutex_lock(&job_mu);
        while (job.gen == seen) pthread_cond_wait(&job_cv, &job_mu);
        job_desc j = job;
        seen = j.gen;
        pthread_mutex_unlock(&job_mu);
        if (idx < j.max_workers) run_pieces(&j, idx + 1);
    }
    return NULL;
}

static void start_pool(void) {
    workers = 0;
    int want = thread_count() - 1;
    for (int i = 0; i < want; i++) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int ok = pthread_create(&t, &attr, worker_main, (void *)(intptr_t)i) == 0;
        pthread_attr_destroy(&attr);
        if (!ok) break;
        workers++;
    }
}

int em_parallel_plan(int64_t n, int64_t chunk, double work, double min_work) {
    if (n <= 0 || work < min_work) return 1;
    int nt = thread_count();
    int64_t pieces = (n + chunk - 1) / chunk;
    return nt > pieces ? (int)pieces : nt;
}

void em_parallel_dynamic_tid(int nt, int64_t n, int64_t chunk, em_tid_range_fn fn, void *ctx) {
    if (n <= 0) return;
    if (nt <= 1) {  /* same pieces, in order: callers rely on them for cache blocking */
        for (int64_t lo = 0; lo < n; lo += chunk) fn(ctx, 0, lo, lo + chunk < n ? lo + chunk : n);
        return;
    }
    pthread_mutex_lock(&call_mu);
    if (workers < 0) start_pool();
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
    run_pieces(&j, 0);
    /* only pieces a worker has claimed are outstanding now */
    for (int spins = 0; atomic_load(&done) < j.pieces; spins++)
        if (spins > 64) sched_yield();
    pthread_mutex_unlock(&call_mu);
}

typedef struct {
    em_range_fn fn;
    void *ctx;
} plain_fn;

static void drop_tid(void *ctx, int tid, int64_t lo, int64_t hi) {
    (void)tid;
    const plain_fn *p = ctx;
    p->fn(p->ctx, lo, hi);
}

void em_parallel_dynamic(int64_t n, int64_t chunk, double work, double min_work, em_range_fn fn, void *ctx) {
    plain_fn p = {fn, ctx};
    em_parallel_dynamic_tid(em_parallel_plan(n, chunk, work, min_work), n, chunk, drop_tid, &p);
}
