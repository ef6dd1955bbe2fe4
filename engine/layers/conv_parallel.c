#include "conv_parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_THREADS 16

typedef struct {
    em_range_fn fn;
    void *ctx;
    int64_t lo, hi;
} range_task;

static void *run_range(void *p) {
    range_task *t = p;
    t->fn(t->ctx, t->lo, t->hi);
    return NULL;
}

static int thread_count(void) {
    const char *env = getenv("EMBER_NUM_THREADS");
    long n = env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
}

void em_parallel_ranges(int64_t n, int64_t align, double work, double min_work, em_range_fn fn, void *ctx) {
    if (n <= 0) return;
    int nt = thread_count();
    int64_t blocks = (n + align - 1) / align;
    if (nt > blocks) nt = (int)blocks;
    if (nt <= 1 || work < min_work) {
        fn(ctx, 0, n);
        return;
    }
    range_task tasks[MAX_THREADS];
    pthread_t threads[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (int i = 0; i < nt; i++) {
        tasks[i].fn = fn;
        tasks[i].ctx = ctx;
        tasks[i].lo = blocks * i / nt * align;
        tasks[i].hi = i == nt - 1 ? n : blocks * (i + 1) / nt * align;
    }
    for (int i = 1; i < nt; i++) started[i] = pthread_create(&threads[i], NULL, run_range, &tasks[i]) == 0;
    run_range(&tasks[0]);
    for (int i = 1; i < nt; i++) {
        if (started[i]) pthread_join(threads[i], NULL);
        else run_range(&tasks[i]);  /* no thread available: do it here */
    }
}

typedef struct {
    em_range_fn fn;
    void *ctx;
    int64_t n, chunk;
    atomic_llong next;
} dynamic_job;

static void *run_dynamic(void *p) {
    dynamic_job *j = p;
    for (;;) {
        int64_t lo = (int64_t)atomic_fetch_add(&j->next, j->chunk);
        if (lo >= j->n) break;
        j->fn(j->ctx, lo, lo + j->chunk < j->n ? lo + j->chunk : j->n);
    }
    return NULL;
}

void em_parallel_dynamic(int64_t n, int64_t chunk, double work, double min_work, em_range_fn fn, void *ctx) {
    if (n <= 0) return;
    int nt = thread_count();
    if (nt > (n + chunk - 1) / chunk) nt = (int)((n + chunk - 1) / chunk);
    if (nt <= 1 || work < min_work) {
        fn(ctx, 0, n);
        return;
    }
    dynamic_job j = {fn, ctx, n, chunk, 0};
    atomic_init(&j.next, 0);
    pthread_t threads[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (int i = 1; i < nt; i++) started[i] = pthread_create(&threads[i], NULL, run_dynamic, &j) == 0;
    run_dynamic(&j);  /* also finishes everything if no thread could start */
    for (int i = 1; i < nt; i++)
        if (started[i]) pthread_join(threads[i], NULL);
}
