/* Collectives over MPI (see dist.h). */
#include "dist.h"

#include <limits.h>
#include <mpi.h>
#include <stdlib.h>
#include <time.h>

#include "../core/error.h"
#include "../core/random.h"

static int initialized;  /* MPI_Init was called by em_dist_init */
static int rank_, size_ = 1;

int em_dist_launched(void) {
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", NULL};
    for (int i = 0; vars[i]; i++)
        if (getenv(vars[i])) return 1;
    return 0;
}

/* em_fail with MPI's own words for code. */
static int mpi_failed(const char *who, int code) {
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(code, text, &len) != MPI_SUCCESS) len = 0;
    text[len] = '\0';
    return em_fail("%s: MPI error: %s", who, len ? text : "(no description)");
}

int em_dist_init(void) {
    if (initialized || !em_dist_launched()) return 0;
    int already = 0;
    MPI_Initialized(&already);
    if (!already) {
        int provided;
        int rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
        if (rc != MPI_SUCCESS) return em_fail("distributed: MPI_Init failed (code %d)", rc);
    }
    initialized = 1;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    /* One seed for all: rank 0's clock, as an unseeded single run would. */
    uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)clock() << 20);
    if (em_dist_broadcast(&seed, sizeof seed, 0)) return -1;
    em_seed(seed);
    return 0;
}

void em_dist_finalize(void) {
    int done = 0;
    if (!initialized) return;
    MPI_Finalized(&done);
    if (!done) MPI_Finalize();
    initialized = 0;
}

void em_dist_abort(int code) {
    if (initialized) MPI_Abort(MPI_COMM_WORLD, code);
}

int em_dist_rank(void) { return rank_; }
int em_dist_size(void) { return size_; }

int em_dist_barrier(void) {
    if (!initialized || size_ == 1) return 0;
    int rc = MPI_Barrier(MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? 0 : mpi_failed("barrier", rc);
}

static MPI_Op mpi_op(em_dist_op op) {
    switch (op) {
    case EM_DIST_MAX: return MPI_MAX;
    case EM_DIST_MIN: return MPI_MIN;
    default: return MPI_SUM;
    }
}

/* MPI counts are int: a buffer larger than INT_MAX elements goes in chunks. */
static int allreduce(void *buf, int64_t n, size_t elem, MPI_Datatype type, em_dist_op op) {
    if (n < 0) return em_fail("allreduce: negative count %lld", (long long)n);
    if (!initialized || size_ == 1 || n == 0) return 0;
    char *p = buf;
    for (int64_t done = 0; done < n;) {
        int count = n - done > INT_MAX ? INT_MAX : (int)(n - done);
        int rc = MPI_Allreduce(MPI_IN_PLACE, p + (size_t)done * elem, count, type, mpi_op(op), MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) return mpi_failed("allreduce", rc);
        done += count;
    }
    return 0;
}

int em_dist_allreduce_f32(float *buf, int64_t n, em_dist_op op) {
    if (allreduce(buf, n, sizeof *buf, MPI_FLOAT, op)) return -1;
    if (op == EM_DIST_MEAN && size_ > 1) {
        float inv = 1.0f / (float)size_;
        for (int64_t i = 0; i < n; i++) buf[i] *= inv;
    }
    return 0;
}

int em_dist_allreduce_f64(double *buf, int64_t n, em_dist_op op) {
    if (allreduce(buf, n, sizeof *buf, MPI_DOUBLE, op)) return -1;
    if (op == EM_DIST_MEAN && size_ > 1)
        for (int64_t i = 0; i < n; i++) buf[i] /= (double)size_;
    return 0;
}

int em_dist_allreduce_i32(int32_t *buf, int64_t n, em_dist_op op) {
    if (op == EM_DIST_MEAN) return em_fail("allreduce: 'mean' needs float values, got int32");
    return allreduce(buf, n, sizeof *buf, MPI_INT32_T, op);
}

int em_dist_broadcast(void *buf, int64_t bytes, int root) {
    if (root < 0 || root >= size_) return em_fail("broadcast: root %d is not a rank (0..%d)", root, size_ - 1);
    if (bytes < 0) return em_fail("broadcast: negative size %lld", (long long)bytes);
    if (!initialized || size_ == 1) return 0;
    char *p = buf;
    for (int64_t done = 0; done < bytes;) {
        int count = bytes - done > INT_MAX ? INT_MAX : (int)(bytes - done);
        int rc = MPI_Bcast(p + done, count, MPI_BYTE, root, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) return mpi_failed("broadcast", rc);
        done += count;
    }
    return 0;
}
