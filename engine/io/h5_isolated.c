/* em_h5_load_weights in a child process (h5.h): libhdf5 parses the file's
 * metadata before Ember can check anything, and Debian's libhdf5 1.10.8
 * reads out of bounds, crashes or hangs on some crafted files (see
 * specs/fuzz/libhdf5_fuzz_h5.c).  So the parse runs in a fork()ed child
 * that sends the weights back through a pipe and leaves with _exit (it
 * never returns into the caller, never runs Lua or exit handlers); a
 * crash, a hang past the deadline or any garbage in the reply becomes an
 * error here, and Ember goes on.  The child's reply is checked as strictly
 * as a file: a libhdf5 bug may have corrupted it without crashing. */
#define _GNU_SOURCE  /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../core/error.h"
#include "h5.h"

/* ---- the reply: a byte buffer -------------------------------------------------- */

typedef struct {
    unsigned char *data;
    size_t len, cap;
    int failed;  /* out of memory: the child reports that instead */
} buf;

static void put(buf *b, const void *p, size_t n) {
    if (b->failed || n == 0) return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n) cap *= 2;
        unsigned char *d = realloc(b->data, cap);
        if (!d) { b->failed = 1; return; }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void put_u64(buf *b, uint64_t v) { put(b, &v, sizeof v); }

static void put_str(buf *b, const char *s) {  /* NULL is length UINT64_MAX */
    put_u64(b, s ? strlen(s) : UINT64_MAX);
    if (s) put(b, s, strlen(s));
}

/* status 0, backend, keras_version, layers; or status 1 and the message. */
static void encode(buf *b, const em_h5_weights *w) {
    put_u64(b, 0);
    put_str(b, w->backend);
    put_str(b, w->keras_version);
    put_u64(b, (uint64_t)w->nlayers);
    for (int i = 0; i < w->nlayers; i++) {
        const em_h5_layer *l = &w->layers[i];
        put_str(b, l->name);
        put_u64(b, (uint64_t)l->nweights);
        for (int j = 0; j < l->nweights; j++) {
            const em_tensor *t = &l->weights[j];
            put_str(b, l->weight_names[j]);
            put_u64(b, (uint64_t)t->ndim);
            for (int k = 0; k < t->ndim; k++) put_u64(b, (uint64_t)t->shape[k]);
            put(b, em_numel(t) ? em_f32(t) : NULL, (size_t)em_numel(t) * sizeof(float));
        }
    }
}

static void write_all(int fd, const unsigned char *p, size_t n) {
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return;
        p += k;
        n -= (size_t)k;
    }
}

static void run_child(int fd, const char *path, const char *op) {
    /* Whatever a failing libhdf5 or a sanitizer would print is not Ember's
     * output: the parent reports the failure. */
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null >= 0) dup2(null, 2);
    em_h5_weights w;
    buf b = {0};
    if (em_h5_load_weights(path, op, &w) == 0) {
        encode(&b, &w);
        if (b.failed) {
            b.len = 0;
            b.failed = 0;
            put_u64(&b, 1);
            put_str(&b, "out of memory sending the weights");
        }
    } else {
        put_u64(&b, 1);
        put_str(&b, em_error());
    }
    write_all(fd, b.data, b.len);
    _exit(b.failed ? 3 : 0);
}

/* ---- the parent: read, wait, decode ------------------------------------------- */

typedef struct {
    const unsigned char *p, *end;
} cursor;

static int get(cursor *c, void *out, size_t n) {
    if ((size_t)(c->end - c->p) < n) return -1;
    if (n == 0) return 0;
    memcpy(out, c->p, n);
    c->p += n;
    return 0;
}

static int get_u64(cursor *c, uint64_t *v) { return get(c, v, sizeof *v); }

/* A string into *out (malloc'd); NULL allowed only when may_be_null. */
static int get_str(cursor *c, char **out, int may_be_null) {
    uint64_t n;
    *out = NULL;
    if (get_u64(c, &n)) return -1;
    if (n == UINT64_MAX) return may_be_null ? 0 : -1;
    if (n > (uint64_t)(c->end - c->p) || n > 1 << 20) return -1;
    char *s = malloc((size_t)n + 1);
    if (!s) return -1;
    memcpy(s, c->p, (size_t)n);
    s[n] = '\0';
    c->p += n;
    if (strlen(s) != n) { free(s); return -1; }
    *out = s;
    return 0;
}

static int decode_weight(cursor *c, char **name, em_tensor *t) {
    uint64_t ndim;
    int64_t shape[EM_MAX_DIMS];
    if (get_str(c, name, 0) || get_u64(c, &ndim) || ndim > EM_MAX_DIMS) return -1;
    double bytes = sizeof(float);
    for (uint64_t k = 0; k < ndim; k++) {
        uint64_t d;
        if (get_u64(c, &d) || d > (uint64_t)EM_MAX_NUMEL) return -1;
        shape[k] = (int64_t)d;
        bytes *= (double)d;
    }
    if (bytes > (double)(c->end - c->p)) return -1;  /* the values must be there */
    if (em_tensor_alloc(t, EM_FLOAT32, (int)ndim, shape)) return -1;
    return get(c, em_numel(t) ? em_f32(t) : NULL, (size_t)bytes);
}

static int decode_layer(cursor *c, em_h5_layer *l) {
    uint64_t n;
    if (get_str(c, &l->name, 0) || get_u64(c, &n) || n > (uint64_t)(c->end - c->p)) return -1;
    if (n == 0) return 0;
    l->weight_names = calloc((size_t)n, sizeof *l->weight_names);
    l->weights = calloc((size_t)n, sizeof *l->weights);
    if (!l->weight_names || !l->weights) return -1;
    l->nweights = (int)n;  /* names and tensors still empty are freed as such */
    for (uint64_t j = 0; j < n; j++)
        if (decode_weight(c, &l->weight_names[j], &l->weights[j])) return -1;
    return 0;
}

static int decode(const unsigned char *data, size_t len, const char *op, const char *path, em_h5_weights *out) {
    cursor c = {data, data + len};
    uint64_t status, n;
    if (get_u64(&c, &status)) return -1;
    if (status == 1) {
        char *msg = NULL;
        if (get_str(&c, &msg, 0)) return -1;
        em_fail("%s", msg);
        free(msg);
        return 1;  /* a reported error, not a garbled reply */
    }
    if (status != 0 || get_str(&c, &out->backend, 1) || get_str(&c, &out->keras_version, 1) || get_u64(&c, &n) ||
        n > (uint64_t)(c.end - c.p))
        return -1;
    if (n > 0 && !(out->layers = calloc((size_t)n, sizeof *out->layers))) return -1;
    out->nlayers = (int)n;
    for (uint64_t i = 0; i < n; i++)
        if (decode_layer(&c, &out->layers[i])) return -1;
    return c.p == c.end ? 0 : -1;
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Everything the child writes until it closes the pipe, or -1 when the
 * deadline passes or the reply grows past max bytes. */
static int read_reply(int fd, double deadline, size_t max, buf *b) {
    unsigned char chunk[65536];
    while (1) {
        double left = deadline - now_seconds();
        if (left <= 0) return -1;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, (int)(left * 1000) + 1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        ssize_t k = read(fd, chunk, sizeof chunk);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return -1;
        if (k == 0) return 0;
        if (b->len + (size_t)k > max) return -1;
        put(b, chunk, (size_t)k);
        if (b->failed) return -1;
    }
}

int em_h5_load_weights_isolated(const char *path, const char *op, em_h5_weights *out) {
    memset(out, 0, sizeof *out);
    struct stat st;
    if (stat(path, &st) != 0) return em_fail("%s: cannot open '%s': %s", op, path, strerror(errno));
    /* A minute, and a second more per 10 MB: reading is far faster; only a
     * libhdf5 stuck in a loop on a crafted file meets it. */
    double deadline = now_seconds() + 60 + (double)st.st_size / 1e7;
    /* The reply holds what the file holds, floats widened from float16 at most. */
    size_t max = (size_t)st.st_size * 2 + ((size_t)64 << 20);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return em_fail("%s: %s: cannot create a pipe: %s", op, path, strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(fds[0]);
        close(fds[1]);
        return em_fail("%s: %s: cannot start the reader process: %s", op, path, strerror(e));
    }
    if (pid == 0) {
        close(fds[0]);
        run_child(fds[1], path, op);
    }
    close(fds[1]);
    buf b = {0};
    int got = read_reply(fds[0], deadline, max, &b);
    close(fds[0]);
    if (got) kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    int rc;
    if (got)
        rc = em_fail("%s: %s: libhdf5 did not finish reading the file (stopped after %.0f s or an oversized reply): "
                     "a damaged or hostile HDF5 file", op, path, 60 + (double)st.st_size / 1e7);
    else if (WIFSIGNALED(status))
        rc = em_fail("%s: %s: libhdf5 crashed reading the file (signal %d, %s): a damaged or hostile HDF5 file", op,
                     path, WTERMSIG(status), strsignal(WTERMSIG(status)));
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        rc = em_fail("%s: %s: the reader process failed (exit status %d): a damaged or hostile HDF5 file", op, path,
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    else if ((rc = decode(b.data, b.len, op, path, out)) < 0)
        em_fail("%s: %s: the reader process sent a garbled reply: a damaged or hostile HDF5 file", op, path);
    free(b.data);
    if (rc) {
        em_h5_weights_free(out);
        return -1;
    }
    return 0;
}
