/* engine/core/fpmode.c with the engine's pool: new workers start with
 * FTZ|DAZ, and a mode changed later reaches the existing workers; the
 * census sees every thread.  Prints one line per check (the spec compares
 * the output). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "../../engine/core/fpmode.h"
#include "../../engine/core/parallel.h"

enum { THREADS = 4 };

static pthread_t main_thread;
static atomic_int started, worker_flushing, worker_count;

/* Each piece waits until all THREADS pieces have started, so the four run
 * on four different threads (or the wait times out and the count is short). */
static void piece(void *ctx, int64_t i) {
    (void)ctx;
    (void)i;
    atomic_fetch_add(&started, 1);
    struct timespec nap = {0, 100000};
    for (int k = 0; k < 50000 && atomic_load(&started) < THREADS; k++) nanosleep(&nap, NULL);
    if (!pthread_equal(pthread_self(), main_thread)) {
        atomic_fetch_add(&worker_count, 1);
        atomic_fetch_add(&worker_flushing, em_fp_word_flushing(em_fp_status_word()));
    }
}

static void run_job(const char *label) {
    atomic_store(&started, 0);
    atomic_store(&worker_flushing, 0);
    atomic_store(&worker_count, 0);
    em_parallel_pieces(THREADS, piece, NULL);
    printf("%s flushing %d/%d\n", label, atomic_load(&worker_flushing), atomic_load(&worker_count));
}

int main(void) {
    main_thread = pthread_self();
    if (!em_fp_flush_supported()) {
        printf("unsupported\n");
        return 0;
    }
    em_fp_set_flush_denormal(1);
    em_parallel_set_threads(THREADS);
    run_job("new workers");
    em_fp_set_flush_denormal(0);
    run_job("after off");
    em_fp_set_flush_denormal(1);
    run_job("after on");
    em_fp_census_t c;
    if (em_fp_census(&c, 1)) return 1;
    printf("census threads>=4 %s flushing all %s\n", c.threads >= THREADS ? "yes" : "no",
           c.flushing == c.threads && c.unreached == 0 ? "yes" : "no");
    return 0;
}
