/* The per-step GEMMs the cells share, over one block's rows, with per-gate
 * recurrent dropout, and the recurrent-kernel gradient of a block.  All run
 * on the thread that runs the block (OpenBLAS single-threaded). */
#include <cblas.h>
#include <string.h>

#include "recurrent_cell.h"
#include "../ops/gemm.h"

static void mask_rows(float *dst, const float *src, const float *mask, int64_t n) {
    for (int64_t i = 0; i < n; i++) dst[i] = src[i] * mask[i];
}

void em_rnn_recurrent_gemm(em_rnn *r, const em_rnn_block *k, const float *urec, const float *h, int g0, int g1,
                           float *out, int64_t ldo, float beta) {
    int64_t nb = k->nb, U = r->cfg.units, GU = r->gates * U;
    if (!r->rec_masked) {
        em_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nb, (int)((g1 - g0) * U), (int)U, 1.0f, h,
                    (int)U, urec + g0 * U, (int)GU, beta, out, (int)ldo);
        return;
    }
    float *hm = em_f32(&r->step_tmp) + k->b0 * U;
    for (int g = g0; g < g1; g++) {
        mask_rows(hm, h, em_rnn_mask(r, &r->rec_mask, k, g, U), nb * U);
        em_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nb, (int)U, (int)U, 1.0f, hm, (int)U,
                    urec + g * U, (int)GU, beta, out + (g - g0) * U, (int)ldo);
    }
}

void em_rnn_recurrent_dh(em_rnn *r, const em_rnn_block *k, const float *dr, int64_t ldr, int g0, int g1, float *dh,
                         float beta) {
    int64_t nb = k->nb, U = r->cfg.units;
    const float *ut = em_f32(&r->urec_t);
    if (!r->rec_masked) {
        em_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nb, (int)U, (int)((g1 - g0) * U), 1.0f, dr,
                    (int)ldr, ut + g0 * U * U, (int)U, beta, dh, (int)U);
        return;
    }
    float *tmp = em_f32(&r->step_tmp) + k->b0 * U;
    if (beta == 0.0f) memset(dh, 0, sizeof(float) * (size_t)(nb * U));
    for (int g = g0; g < g1; g++) {
        em_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nb, (int)U, (int)U, 1.0f, dr + (g - g0) * U,
                    (int)ldr, ut + g * U * U, (int)U, 0.0f, tmp, (int)U);
        const float *m = em_rnn_mask(r, &r->rec_mask, k, g, U);
        for (int64_t i = 0; i < nb * U; i++) dh[i] += tmp[i] * m[i];
    }
}

/* h: the block's (T, nb, U) operand rows; the mask repeats every step. */
void em_rnn_recurrent_kernel_grad(em_rnn *r, const em_rnn_block *k, const float *h, const float *dr, int64_t ldr,
                                  int g0, int g1, int masked) {
    int64_t T = r->time, nb = k->nb, U = r->cfg.units, GU = r->gates * U, rows = T * nb;
    float *durec = em_rnn_partial(r, k, EM_RNN_RECURRENT_KERNEL);
    if (!(masked && r->rec_masked)) {
        em_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)U, (int)((g1 - g0) * U), (int)rows, 1.0f, h,
                    (int)U, dr, (int)ldr, 0.0f, durec + g0 * U, (int)GU);
        return;
    }
    int64_t width = r->features > U ? r->features : U;
    float *hm = em_rnn_region(&r->scratch, k, T, width);
    for (int g = g0; g < g1; g++) {
        const float *m = em_rnn_mask(r, &r->rec_mask, k, g, U);
        for (int64_t s = 0; s < T; s++) mask_rows(hm + s * nb * U, h + s * nb * U, m, nb * U);
        em_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)U, (int)U, (int)rows, 1.0f, hm, (int)U,
                    dr + (g - g0) * U, (int)ldr, 0.0f, durec + g * U, (int)GU);
    }
}
