/* SparCE DNN kernels: freestanding AArch64 C, int32 fixed point (exact, so outputs equal numpy's bit for bit).
 *
 * Built twice by `make sparce-kernels` (see build.sh beside this file):
 *   scalar: -mgeneral-regs-only (no FP/SIMD registers at all)
 *   neon:   -DSPARCE_NEON, GEMM and FC use 4-lane int32 NEON (mla by lane)
 * No libc: every function takes plain pointers and sizes; the host (Python/Unicorn) places the buffers.
 *
 * GEMM layout: Y[M][N] = sum_k Wt[k][m] * X[k][n]  (Wt = W transposed, K x M; X = im2col activations, K x N).
 * The register block is 4 outputs (m) x 4 pixels (n) (NEON: one q register of 4 pixels; scalar: two 4x2 halves). For each k the activations of row k are loaded one
 * iteration ahead (software pipelining: row k+1 is read while row k is multiplied), so that the zero bit of an
 * activation register is written back long before the MACs that use it are fetched -- the arrangement SparCE's
 * pre-identification at fetch needs. X must therefore hold two readable guard rows after row K-1 (its values are
 * never used). The four MACs that share one activation register are contiguous (scheduling is off in the build),
 * which makes them one skippable region.
 *
 * gemm_naive is the same computation with the activations loaded right before their MACs: the zero is still in
 * flight when the region is fetched, so SparCE can never skip there (a check in the tests).
 */
#include <stdint.h>
#ifdef SPARCE_NEON
#include <arm_neon.h>
#endif

typedef int32_t i32;

void gemm(const i32 *Wt, const i32 *X, int M, int K, int N, i32 *Y)
{
    for (int m = 0; m < M; m += 4) {
        for (int n = 0; n < N; n += 4) {
#ifdef SPARCE_NEON
            const i32 *xp = X + n;
            const i32 *wp = Wt + m;
            int32x4_t c0 = vdupq_n_s32(0), c1 = c0, c2 = c0, c3 = c0;
            int32x4_t xa = vld1q_s32(xp), xb = vld1q_s32(xp + N);
            int k = 0;
            for (; k + 2 <= K; k += 2) {          /* two rows per trip: xa and xb alternate, no register copies */
                int32x4_t w = vld1q_s32(wp);
                c0 = vmlaq_laneq_s32(c0, xa, w, 0);
                c1 = vmlaq_laneq_s32(c1, xa, w, 1);
                c2 = vmlaq_laneq_s32(c2, xa, w, 2);
                c3 = vmlaq_laneq_s32(c3, xa, w, 3);
                xa = vld1q_s32(xp + 2 * N);
                int32x4_t v = vld1q_s32(wp + M);
                c0 = vmlaq_laneq_s32(c0, xb, v, 0);
                c1 = vmlaq_laneq_s32(c1, xb, v, 1);
                c2 = vmlaq_laneq_s32(c2, xb, v, 2);
                c3 = vmlaq_laneq_s32(c3, xb, v, 3);
                xb = vld1q_s32(xp + 3 * N);
                xp += 2 * N;
                wp += 2 * M;
            }
            if (k < K) {
                int32x4_t w = vld1q_s32(wp);
                c0 = vmlaq_laneq_s32(c0, xa, w, 0);
                c1 = vmlaq_laneq_s32(c1, xa, w, 1);
                c2 = vmlaq_laneq_s32(c2, xa, w, 2);
                c3 = vmlaq_laneq_s32(c3, xa, w, 3);
            }
            vst1q_s32(Y + (m + 0) * N + n, c0);
            vst1q_s32(Y + (m + 1) * N + n, c1);
            vst1q_s32(Y + (m + 2) * N + n, c2);
            vst1q_s32(Y + (m + 3) * N + n, c3);
#else
            for (int h = 0; h < 4; h += 2) {   /* scalar register block: 4 outputs x 2 pixels (no spills) */
                const i32 *xp = X + n + h;
                const i32 *wp = Wt + m;
                i32 c00 = 0, c10 = 0, c20 = 0, c30 = 0, c01 = 0, c11 = 0, c21 = 0, c31 = 0;
                i32 x0 = xp[0], x1 = xp[1];
                for (int k = 0; k < K; k++) {
                    i32 w0 = wp[0], w1 = wp[1], w2 = wp[2], w3 = wp[3];
                    c00 += w0 * x0; c10 += w1 * x0; c20 += w2 * x0; c30 += w3 * x0;
                    x0 = xp[N];
                    c01 += w0 * x1; c11 += w1 * x1; c21 += w2 * x1; c31 += w3 * x1;
                    x1 = xp[N + 1];
                    xp += N;
                    wp += M;
                }
                i32 *y = Y + m * N + n + h;
                y[0] = c00; y[1] = c01; y += N;
                y[0] = c10; y[1] = c11; y += N;
                y[0] = c20; y[1] = c21; y += N;
                y[0] = c30; y[1] = c31;
            }
#endif
        }
    }
}

void gemm_naive(const i32 *Wt, const i32 *X, int M, int K, int N, i32 *Y)
{
    for (int m = 0; m < M; m += 4) {
        for (int n = 0; n < N; n += 4) {
            const i32 *xp = X + n;
            const i32 *wp = Wt + m;
#ifdef SPARCE_NEON
            int32x4_t c0 = vdupq_n_s32(0), c1 = c0, c2 = c0, c3 = c0;
            for (int k = 0; k < K; k++) {
                int32x4_t w = vld1q_s32(wp);
                int32x4_t x = vld1q_s32(xp);
                c0 = vmlaq_laneq_s32(c0, x, w, 0);
                c1 = vmlaq_laneq_s32(c1, x, w, 1);
                c2 = vmlaq_laneq_s32(c2, x, w, 2);
                c3 = vmlaq_laneq_s32(c3, x, w, 3);
                xp += N;
                wp += M;
            }
            vst1q_s32(Y + (m + 0) * N + n, c0);
            vst1q_s32(Y + (m + 1) * N + n, c1);
            vst1q_s32(Y + (m + 2) * N + n, c2);
            vst1q_s32(Y + (m + 3) * N + n, c3);
#else
            i32 c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
            i32 c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
            for (int k = 0; k < K; k++) {
                i32 w0 = wp[0], w1 = wp[1], w2 = wp[2], w3 = wp[3];
                i32 x0 = xp[0];
                c00 += w0 * x0; c10 += w1 * x0; c20 += w2 * x0; c30 += w3 * x0;
                i32 x1 = xp[1];
                c01 += w0 * x1; c11 += w1 * x1; c21 += w2 * x1; c31 += w3 * x1;
                i32 x2 = xp[2];
                c02 += w0 * x2; c12 += w1 * x2; c22 += w2 * x2; c32 += w3 * x2;
                i32 x3 = xp[3];
                c03 += w0 * x3; c13 += w1 * x3; c23 += w2 * x3; c33 += w3 * x3;
                xp += N;
                wp += M;
            }
            i32 *y = Y + m * N + n;
            y[0] = c00; y[1] = c01; y[2] = c02; y[3] = c03; y += N;
            y[0] = c10; y[1] = c11; y[2] = c12; y[3] = c13; y += N;
            y[0] = c20; y[1] = c21; y[2] = c22; y[3] = c23; y += N;
            y[0] = c30; y[1] = c31; y[2] = c32; y[3] = c33;
#endif
        }
    }
}

/* Fully connected: y[m] = sum_k Wt[k][m] * x[k], M a multiple of 4 (scalar) or 16 (NEON). x holds two guard
 * elements after x[K-1] (software pipelining as in gemm). */
void fc(const i32 *Wt, const i32 *x, int M, int K, i32 *y)
{
#ifdef SPARCE_NEON
    for (int m = 0; m < M; m += 16) {
        const i32 *wp = Wt + m;
        int32x4_t c0 = vdupq_n_s32(0), c1 = c0, c2 = c0, c3 = c0;
        int32x4_t a = vld1q_dup_s32(x), b = vld1q_dup_s32(x + 1);
        int k = 0;
        for (; k + 2 <= K; k += 2) {
            int32x4_t w0 = vld1q_s32(wp), w1 = vld1q_s32(wp + 4), w2 = vld1q_s32(wp + 8), w3 = vld1q_s32(wp + 12);
            c0 = vmlaq_s32(c0, w0, a);
            c1 = vmlaq_s32(c1, w1, a);
            c2 = vmlaq_s32(c2, w2, a);
            c3 = vmlaq_s32(c3, w3, a);
            a = vld1q_dup_s32(x + k + 2);
            w0 = vld1q_s32(wp + M); w1 = vld1q_s32(wp + M + 4); w2 = vld1q_s32(wp + M + 8); w3 = vld1q_s32(wp + M + 12);
            c0 = vmlaq_s32(c0, w0, b);
            c1 = vmlaq_s32(c1, w1, b);
            c2 = vmlaq_s32(c2, w2, b);
            c3 = vmlaq_s32(c3, w3, b);
            b = vld1q_dup_s32(x + k + 3);
            wp += 2 * M;
        }
        if (k < K) {
            int32x4_t w0 = vld1q_s32(wp), w1 = vld1q_s32(wp + 4), w2 = vld1q_s32(wp + 8), w3 = vld1q_s32(wp + 12);
            c0 = vmlaq_s32(c0, w0, a);
            c1 = vmlaq_s32(c1, w1, a);
            c2 = vmlaq_s32(c2, w2, a);
            c3 = vmlaq_s32(c3, w3, a);
        }
        vst1q_s32(y + m, c0); vst1q_s32(y + m + 4, c1); vst1q_s32(y + m + 8, c2); vst1q_s32(y + m + 12, c3);
    }
#else
    for (int m = 0; m < M; m += 4) {
        const i32 *wp = Wt + m;
        i32 c0 = 0, c1 = 0, c2 = 0, c3 = 0;
        i32 a = x[0], b = x[1];
        int k = 0;
        for (; k + 2 <= K; k += 2) {        /* a and b alternate: loaded a trip ahead, no register copies */
            c0 += wp[0] * a; c1 += wp[1] * a; c2 += wp[2] * a; c3 += wp[3] * a;
            a = x[k + 2];
            c0 += wp[M] * b; c1 += wp[M + 1] * b; c2 += wp[M + 2] * b; c3 += wp[M + 3] * b;
            b = x[k + 3];
            wp += 2 * M;
        }
        if (k < K) {
            c0 += wp[0] * a; c1 += wp[1] * a; c2 += wp[2] * a; c3 += wp[3] * a;
        }
        y[m] = c0; y[m + 1] = c1; y[m + 2] = c2; y[m + 3] = c3;
    }
#endif
}

/* im2col for a square kernel with zero padding and stride 1: out[(c*k + i)*k + j][oy*OW + ox]. */
void im2col(const i32 *x, int C, int H, int W, int k, int pad, i32 *out)
{
    int OH = H + 2 * pad - k + 1, OW = W + 2 * pad - k + 1, P = OH * OW;
    for (int c = 0; c < C; c++)
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++) {
                i32 *o = out + ((c * k + i) * k + j) * P;
                for (int oy = 0; oy < OH; oy++) {
                    int iy = oy + i - pad;
                    for (int ox = 0; ox < OW; ox++) {
                        int ix = ox + j - pad;
                        *o++ = (iy >= 0 && iy < H && ix >= 0 && ix < W) ? x[(c * H + iy) * W + ix] : 0;
                    }
                }
            }
}

/* Bias, requantisation (arithmetic shift right) and ReLU in place over C channels of P values. */
void bias_relu(i32 *y, const i32 *bias, int C, int P, int shift)
{
    for (int c = 0; c < C; c++) {
        i32 b = bias[c];
        for (int p = 0; p < P; p++) {
            i32 v = (y[c * P + p] + b) >> shift;
            y[c * P + p] = v > 0 ? v : 0;
        }
    }
}

/* 2x2 max pooling, stride 2 (H, W even). */
void maxpool2(const i32 *x, int C, int H, int W, i32 *out)
{
    int OH = H / 2, OW = W / 2;
    for (int c = 0; c < C; c++)
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++) {
                const i32 *p = x + (c * H + 2 * oy) * W + 2 * ox;
                i32 a = p[0] > p[1] ? p[0] : p[1];
                i32 b = p[W] > p[W + 1] ? p[W] : p[W + 1];
                out[(c * OH + oy) * OW + ox] = a > b ? a : b;
            }
}

/* Add a bias vector (the FC layer's output, no activation). */
void bias_add(i32 *y, const i32 *bias, int M)
{
    for (int m = 0; m < M; m++)
        y[m] += bias[m];
}
