/* FTZ|DAZ for every thread (see fpmode.h for why and how).
 *
 * The signal round trip: under one mutex, for each thread listed in
 * /proc/self/task, post a request (target tid, whether to set the mode,
 * whether to clear the flags), send the signal with tgkill, and wait until
 * the handler on that thread acknowledges the request's number.  The
 * handler works only on the register image in its signal frame (the
 * kernel gives the handler itself a default register state and restores
 * the frame's on return), touches nothing but atomics, and ignores a
 * request addressed to another thread (a late signal after a time-out). */
#define _GNU_SOURCE
#include "fpmode.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "error.h"

static atomic_int flush_mode = 0;
static atomic_uint generation = 0;

unsigned em_fp_generation(void) { return atomic_load(&generation); }
int em_fp_flush_denormal(void) { return atomic_load(&flush_mode); }

#if defined(__x86_64__)

enum { MXCSR_DE = 1u << 1, MXCSR_UE = 1u << 4, MXCSR_FLAGS = 0x3Fu, MXCSR_DAZ = 1u << 6, MXCSR_FTZ = 1u << 15 };

int em_fp_flush_supported(void) { return 1; }

static uint32_t read_mxcsr(void) {
    uint32_t w;
    __asm__ volatile("stmxcsr %0" : "=m"(w));
    return w;
}

static void write_mxcsr(uint32_t w) { __asm__ volatile("ldmxcsr %0" : : "m"(w)); }

/* The word with the mode bits set to `on`, and the sticky flags cleared if asked. */
static uint32_t with_mode(uint32_t w, int set_mode, int on, int clear) {
    if (set_mode) w = on ? (w | MXCSR_FTZ | MXCSR_DAZ) : (w & ~(uint32_t)(MXCSR_FTZ | MXCSR_DAZ));
    if (clear) w &= ~(uint32_t)MXCSR_FLAGS;
    return w;
}

int em_fp_word_flushing(uint32_t w) { return (w & (MXCSR_FTZ | MXCSR_DAZ)) == (MXCSR_FTZ | MXCSR_DAZ); }
int em_fp_word_denormal(uint32_t w) { return (w & MXCSR_DE) != 0; }
static int word_underflow(uint32_t w) { return (w & MXCSR_UE) != 0; }
uint32_t em_fp_status_word(void) { return read_mxcsr(); }

void em_fp_apply_here(void) { write_mxcsr(with_mode(read_mxcsr(), 1, atomic_load(&flush_mode), 0)); }

/* ---- the signal round trip ------------------------------------------------ */

static pthread_mutex_t round_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t handler_once = PTHREAD_ONCE_INIT;
static int handler_ok;
static atomic_long req_tid;       /* the thread the current request is for */
static atomic_int req_set_mode, req_clear;
static atomic_uint req_seq, ack_seq;
static atomic_uint ack_word;      /* the thread's word before the request */

static int round_signal(void) { return SIGRTMIN + 4; }

static void on_round_signal(int sig, siginfo_t *info, void *ucontext) {
    (void)sig;
    (void)info;
    int saved_errno = errno;
    ucontext_t *uc = ucontext;
    long self = (long)syscall(SYS_gettid);
    if (uc && uc->uc_mcontext.fpregs && self == atomic_load(&req_tid)) {
        unsigned seq = atomic_load(&req_seq);
        uint32_t *w = &uc->uc_mcontext.fpregs->mxcsr;
        atomic_store(&ack_word, *w);
        *w = with_mode(*w, atomic_load(&req_set_mode), atomic_load(&flush_mode), atomic_load(&req_clear));
        atomic_store(&ack_seq, seq);
    }
    errno = saved_errno;
}

static void install_handler(void) {
    struct sigaction sa = {0};
    sa.sa_sigaction = on_round_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    handler_ok = sigaction(round_signal(), &sa, NULL) == 0;
}

/* Waits up to about a second for the handler to acknowledge `seq`. */
static int wait_ack(unsigned seq) {
    struct timespec nap = {0, 50 * 1000};
    for (int i = 0; i < 20000; i++) {
        if (atomic_load(&ack_seq) == seq) return 1;
        if (i < 100) sched_yield();
        else nanosleep(&nap, NULL);
    }
    return atomic_load(&ack_seq) == seq;
}

/* One thread: *word receives its word before the request; 1 answered,
 * 0 gone (exited meanwhile), -1 no answer. */
static int ask_thread(pid_t pid, long tid, int set_mode, int clear, uint32_t *word) {
    atomic_store(&req_tid, tid);
    atomic_store(&req_set_mode, set_mode);
    atomic_store(&req_clear, clear);
    unsigned seq = atomic_fetch_add(&req_seq, 1) + 1;
    if (syscall(SYS_tgkill, pid, tid, round_signal()) != 0) return errno == ESRCH ? 0 : -1;
    if (!wait_ack(seq)) return -1;
    *word = atomic_load(&ack_word);
    return 1;
}

static void count_word(em_fp_census_t *c, uint32_t w) {
    c->threads++;
    c->flushing += em_fp_word_flushing(w);
    c->denormal += em_fp_word_denormal(w);
    c->underflow += word_underflow(w);
}

/* Visits every thread: this one directly, the others by signal. */
static int round_trip(em_fp_census_t *c, int set_mode, int clear) {
    em_fp_census_t zero = {0};
    *c = zero;
    uint32_t own = read_mxcsr();
    write_mxcsr(with_mode(own, set_mode, atomic_load(&flush_mode), clear));
    count_word(c, own);
    pthread_once(&handler_once, install_handler);
    if (!handler_ok) return em_fail("flush_denormal: cannot install the signal handler that reaches other threads");
    DIR *d = opendir("/proc/self/task");
    if (!d) return em_fail("flush_denormal: cannot list the process's threads (/proc/self/task)");
    pid_t pid = getpid();
    long self = (long)syscall(SYS_gettid);
    pthread_mutex_lock(&round_mu);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char *end;
        long tid = strtol(e->d_name, &end, 10);
        if (*end != '\0' || tid <= 0 || tid == self) continue;
        uint32_t w = 0;
        int r = ask_thread(pid, tid, set_mode, clear, &w);
        if (r > 0) count_word(c, w);
        else if (r < 0) c->unreached++;
    }
    pthread_mutex_unlock(&round_mu);
    closedir(d);
    return 0;
}

int em_fp_set_flush_denormal(int on) {
    atomic_store(&flush_mode, on != 0);
    atomic_fetch_add(&generation, 1);
    em_fp_census_t c;
    return round_trip(&c, 1, 0);
}

int em_fp_census(em_fp_census_t *out, int clear) { return round_trip(out, 0, clear); }

#else /* no FTZ/DAZ support for this architecture yet */

int em_fp_flush_supported(void) { return 0; }
uint32_t em_fp_status_word(void) { return 0; }
int em_fp_word_flushing(uint32_t w) { (void)w; return 0; }
int em_fp_word_denormal(uint32_t w) { (void)w; return 0; }
void em_fp_apply_here(void) {}

int em_fp_set_flush_denormal(int on) {
    (void)on;
    return em_fail("set_flush_denormal: this architecture has no flush-to-zero support in Ember yet");
}

int em_fp_census(em_fp_census_t *out, int clear) {
    (void)clear;
    em_fp_census_t zero = {0};
    *out = zero;
    return em_fail("fp_census: this architecture has no flush-to-zero support in Ember yet");
}

#endif
