/* The floating-point mode of every thread that computes: flush-to-zero
 * (FTZ: a result too small for a normal float becomes 0) and
 * denormals-are-zero (DAZ: a subnormal operand is read as 0).
 *
 * Why: backpropagation through time shrinks gradients step by step until
 * they are subnormal (below 1.2e-38).  Intel cores take a microcode assist
 * of the order of 100 cycles for every operation on such a value; AMD Zen
 * cores barely slow down.  TensorFlow runs every CPU kernel with FTZ|DAZ,
 * PyTorch offers torch.set_flush_denormal.  Ember turns both on by default.
 *
 * Which threads: the mode lives in a per-thread register (x86-64 MXCSR), and
 * a new thread copies its creator's.  Threads that already exist when the
 * mode changes (OpenBLAS starts its workers from a library constructor,
 * before main; our pool's workers; anyone else's) are reached by a signal:
 * em_fp_set_flush_denormal sends one to every thread of the process listed
 * in /proc/self/task, and the handler edits the register image the kernel
 * saved in the signal frame, which the kernel loads back on return.  The
 * same round trip reads (and clears) each thread's sticky exception flags
 * for em_fp_census, so a spec can see that no thread met a subnormal.
 * Pool workers also re-apply the mode themselves when it changed (see
 * parallel.c), which keeps them right where /proc is missing.
 *
 * Other architectures: no-op for now (em_fp_flush_supported() is 0); the
 * aarch64 equivalent is FPCR.FZ. */
#ifndef EMBER_CORE_FPMODE_H
#define EMBER_CORE_FPMODE_H

#include <stdint.h>

/* 1 where FTZ|DAZ can be set (x86-64), else 0. */
int em_fp_flush_supported(void);

/* The mode every compute thread should have (1 = FTZ|DAZ on). */
int em_fp_flush_denormal(void);

/* Sets the mode for the calling thread and every other thread of the
 * process.  Returns 0, or -1 (em_fail message set) when the architecture
 * has no such mode (then nothing changes) or some thread could not be
 * reached (the mode is set for all the others and for later threads). */
int em_fp_set_flush_denormal(int on);

/* Applies the current mode to the calling thread (pool workers call it). */
void em_fp_apply_here(void);

/* Bumped by every em_fp_set_flush_denormal: a thread that remembers the
 * generation it applied can tell cheaply whether to apply again. */
unsigned em_fp_generation(void);

/* What every thread's floating-point state says. */
typedef struct {
    int threads;      /* threads examined, the caller included */
    int unreached;    /* threads that did not answer (exited, or block signals) */
    int flushing;     /* with FTZ and DAZ both on */
    int denormal;     /* with the sticky denormal-operand flag (DE) set */
    int underflow;    /* with the sticky underflow flag (UE) set */
} em_fp_census_t;

/* Reads every thread's mode and sticky flags; clear != 0 also clears the
 * flags (so a later census shows only what happened in between). */
int em_fp_census(em_fp_census_t *out, int clear);

/* The calling thread's raw control/status word (MXCSR on x86-64, 0
 * elsewhere) and its decoded bits, for C-level checks. */
uint32_t em_fp_status_word(void);
int em_fp_word_flushing(uint32_t word);
int em_fp_word_denormal(uint32_t word);

#endif
