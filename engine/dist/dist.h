/* Collectives over MPI for data-parallel training, on flat buffers.
 *
 * Ember runs on N ranks when a launcher starts it (`mpirun -np N ember
 * script.lua`).  em_dist_init looks for the launcher's environment
 * (OMPI_COMM_WORLD_SIZE, PMIX_RANK, PMI_SIZE) and only then calls MPI_Init:
 * without a launcher it makes no MPI call at all (the binary starts as
 * before, and Open MPI's allocations at MPI_Init never reach a plain run or
 * LeakSanitizer), and every collective below works on one rank (an
 * all-reduce leaves the buffer as it is, a broadcast from rank 0 too).
 *
 * All calls are collective: every rank makes the same calls in the same
 * order with the same counts.  They are made from the main thread only.
 * Errors: 0 or -1 with em_fail's message ("allreduce: MPI error: ...");
 * MPI's own errors return to the caller (MPI_ERRORS_RETURN), they do not
 * abort the job.  em_dist_abort is the one exception, for a host that
 * cannot go on (a rank's script failed): it ends every rank of the job. */
#ifndef EMBER_DIST_DIST_H
#define EMBER_DIST_DIST_H

#include <stdint.h>

typedef enum { EM_DIST_SUM = 0, EM_DIST_MEAN, EM_DIST_MAX, EM_DIST_MIN } em_dist_op;

/* 1 when a launcher started this process (the environment says so). */
int em_dist_launched(void);

/* MPI_Init when launched (once; later calls return at once), then every
 * rank seeds the random generator with rank 0's seed, so an unseeded
 * script draws the same initial weights on every rank.  Without a
 * launcher: nothing, 0. */
int em_dist_init(void);

/* MPI_Finalize when em_dist_init initialized MPI (at the host's exit). */
void em_dist_finalize(void);

/* Ends the whole job (MPI_Abort) with this exit code when MPI is running;
 * returns without doing anything otherwise. */
void em_dist_abort(int code);

int em_dist_rank(void);   /* 0 without a launcher */
int em_dist_size(void);   /* 1 without a launcher */

int em_dist_barrier(void);

/* In place over n values on every rank.  MEAN is SUM divided by the size
 * (float types only). */
int em_dist_allreduce_f32(float *buf, int64_t n, em_dist_op op);
int em_dist_allreduce_f64(double *buf, int64_t n, em_dist_op op);
int em_dist_allreduce_i32(int32_t *buf, int64_t n, em_dist_op op);

/* bytes from root's buf into every other rank's buf. */
int em_dist_broadcast(void *buf, int64_t bytes, int root);

#endif
