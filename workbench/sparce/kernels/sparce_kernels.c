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

/* Scalar multiply-accumulate in place, c += a * b, as one `madd c, a, b, c`. Written out because GCC otherwise may
 * give the sum a fresh register (`madd w10, w2, w10, w23` when a multiplicand dies there), and an accumulate whose
 * destination is not its addend is no skippable no-op: with a zero multiplicand it is still a move. */
#define MAC(c, a, b) __asm__("madd %w0, %w1, %w2, %w0" : "+r"(c) : "r"(a), "r"(b))
/* Four in-place MACs sharing the multiplicand x, kept contiguous (one skippable region): c_i += w_i * x. */
#define MAC4(c0, c1, c2, c3, w0, w1, w2, w3, x)                                                   \
    __asm__("madd %w0, %w4, %w8, %w0\n\tmadd %w1, %w5, %w8, %w1\n\t"                             \
            "madd %w2, %w6, %w8, %w2\n\tmadd %w3, %w7, %w8, %w3"                                  \
            : "+r"(c0), "+r"(c1), "+r"(c2), "+r"(c3) : "r"(w0), "r"(w1), "r"(w2), "r"(w3), "r"(x))

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

/* gemm_blocked: the same Y = Wt^T X as gemm, organised as an OpenBLAS/GotoBLAS-style packed, cache-blocked GEMM
 * (the GEMM behind Caffe's im2col convolution). Pixels are cut into NC-column blocks and K into KC-row blocks; each
 * X block (KC x NC) is packed into NR-column micro-panels and each W block (KC x MC) into MR-row micro-panels, so
 * the micro-kernel walks both operands contiguously and the working set (packed X 8 KiB + packed W 8 KiB + a Y
 * block) fits a 32 KiB L1. Each micro-kernel call sums one K block in registers and then stores (first K block)
 * or adds its tile into Y. `pack` is scratch for KC*NC + NR + KC*MC values.
 *   scalar: MR = 4 outputs x NR = 2 pixels; the four in-place MACs of one activation are one region (MAC4).
 *   NEON:   MR = 16 outputs (four q registers of weights) x NR = 4 pixels, vectorised over OUTPUT CHANNELS with
 *           each activation broadcast to all four lanes (ld1r): the four mla of one activation are one region,
 *           skipped when that single activation is zero (the pixel-vectorised gemm needs four zero pixels). The
 *           tile is transposed (trn1/trn2) to Y's row-major layout at the store.
 * The activations of the next k are loaded one trip ahead, as in gemm. M must be a multiple of MR. */
#define KC 64
#define NC 32
#define MC 32
#ifdef SPARCE_NEON
#define MR 16
#define NR 4
#else
#define MR 4
#define NR 2
#endif

static void pack_x(const i32 *X, int N, int k0, int kc, int n0, int nc, i32 *px)
{
    for (int jp = 0; jp < nc; jp += NR)
        for (int k = 0; k < kc; k++) {
            const i32 *src = X + (k0 + k) * N + n0 + jp;
            for (int j = 0; j < NR; j++)
                *px++ = src[j];
        }
}

static void pack_w(const i32 *Wt, int M, int k0, int kc, int m0, int mc, i32 *pw)
{
    for (int ip = 0; ip < mc; ip += MR)
        for (int k = 0; k < kc; k++) {
            const i32 *src = Wt + (k0 + k) * M + m0 + ip;
            for (int i = 0; i < MR; i++)
                *pw++ = src[i];
        }
}

#ifdef SPARCE_NEON
/* One activation broadcast to all four lanes with a single ld1r (GCC would otherwise pair two loads with ldp and
 * dup each lane, a longer path from the load to the register's zero bit). */
#define BCAST(r, p) __asm__("ld1r {%0.4s}, [%1]" : "=w"(r) : "r"(p), "m"(*(const i32 *)(p)))
#define BMLA(c0, c1, c2, c3, x)                                                                          \
    c0 = vmlaq_s32(c0, w0, x); c1 = vmlaq_s32(c1, w1, x); c2 = vmlaq_s32(c2, w2, x); c3 = vmlaq_s32(c3, w3, x)

/* Store (first) or add the 4 pixels x 4 outputs held as one vector per pixel into Y rows y, y+N, y+2N, y+3N. */
static inline void put_tile(int32x4_t p0, int32x4_t p1, int32x4_t p2, int32x4_t p3, i32 *y, int N, int first)
{
    int32x4_t t0 = vtrn1q_s32(p0, p1), t1 = vtrn2q_s32(p0, p1), t2 = vtrn1q_s32(p2, p3), t3 = vtrn2q_s32(p2, p3);
    int32x4_t r0 = vreinterpretq_s32_s64(vtrn1q_s64(vreinterpretq_s64_s32(t0), vreinterpretq_s64_s32(t2)));
    int32x4_t r1 = vreinterpretq_s32_s64(vtrn1q_s64(vreinterpretq_s64_s32(t1), vreinterpretq_s64_s32(t3)));
    int32x4_t r2 = vreinterpretq_s32_s64(vtrn2q_s64(vreinterpretq_s64_s32(t0), vreinterpretq_s64_s32(t2)));
    int32x4_t r3 = vreinterpretq_s32_s64(vtrn2q_s64(vreinterpretq_s64_s32(t1), vreinterpretq_s64_s32(t3)));
    if (!first) {
        r0 = vaddq_s32(r0, vld1q_s32(y)); r1 = vaddq_s32(r1, vld1q_s32(y + N));
        r2 = vaddq_s32(r2, vld1q_s32(y + 2 * N)); r3 = vaddq_s32(r3, vld1q_s32(y + 3 * N));
    }
    vst1q_s32(y, r0); vst1q_s32(y + N, r1); vst1q_s32(y + 2 * N, r2); vst1q_s32(y + 3 * N, r3);
}
#endif

static void micro_kernel(const i32 *xp, const i32 *wp, int kc, int first, i32 *y, int N)
{
#ifdef SPARCE_NEON
    int32x4_t a0, a1, a2, a3;
    BCAST(a0, xp); BCAST(a1, xp + 1); BCAST(a2, xp + 2); BCAST(a3, xp + 3);
    int32x4_t z;   /* zeroed after the broadcasts (volatile asm keeps the order): their zero bits are written back */
    __asm__ volatile("movi %0.4s, #0" : "=w"(z));   /* by the time the first region is fetched */
    int32x4_t c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z;
    int32x4_t c20 = z, c21 = z, c22 = z, c23 = z, c30 = z, c31 = z, c32 = z, c33 = z;
    for (int k = 0; k < kc; k++) {   /* each activation is reloaded for k+1 right after its four mla */
        int32x4_t w0 = vld1q_s32(wp), w1 = vld1q_s32(wp + 4), w2 = vld1q_s32(wp + 8), w3 = vld1q_s32(wp + 12);
        BMLA(c00, c01, c02, c03, a0);
        BCAST(a0, xp + NR);
        BMLA(c10, c11, c12, c13, a1);
        BCAST(a1, xp + NR + 1);
        BMLA(c20, c21, c22, c23, a2);
        BCAST(a2, xp + NR + 2);
        BMLA(c30, c31, c32, c33, a3);
        BCAST(a3, xp + NR + 3);
        xp += NR;
        wp += MR;
    }
    put_tile(c00, c10, c20, c30, y, N, first);
    put_tile(c01, c11, c21, c31, y + 4 * N, N, first);
    put_tile(c02, c12, c22, c32, y + 8 * N, N, first);
    put_tile(c03, c13, c23, c33, y + 12 * N, N, first);
#else
    i32 c00 = 0, c10 = 0, c20 = 0, c30 = 0, c01 = 0, c11 = 0, c21 = 0, c31 = 0;
    i32 x0 = xp[0], x1 = xp[1];
    for (int k = 0; k < kc; k++) {
        i32 w0 = wp[0], w1 = wp[1], w2 = wp[2], w3 = wp[3];
        MAC4(c00, c10, c20, c30, w0, w1, w2, w3, x0);
        x0 = xp[NR];
        MAC4(c01, c11, c21, c31, w0, w1, w2, w3, x1);
        x1 = xp[NR + 1];
        xp += NR;
        wp += MR;
    }
    if (!first) {
        c00 += y[0]; c01 += y[1]; c10 += y[N]; c11 += y[N + 1];
        c20 += y[2 * N]; c21 += y[2 * N + 1]; c30 += y[3 * N]; c31 += y[3 * N + 1];
    }
    y[0] = c00; y[1] = c01; y[N] = c10; y[N + 1] = c11;
    y[2 * N] = c20; y[2 * N + 1] = c21; y[3 * N] = c30; y[3 * N + 1] = c31;
#endif
}

void gemm_blocked(const i32 *Wt, const i32 *X, int M, int K, int N, i32 *Y, i32 *pack)
{
    i32 *px = pack, *pw = pack + KC * NC + NR;
    for (int n0 = 0; n0 < N; n0 += NC) {
        int nc = N - n0 < NC ? N - n0 : NC;
        for (int k0 = 0; k0 < K; k0 += KC) {
            int kc = K - k0 < KC ? K - k0 : KC;
            pack_x(X, N, k0, kc, n0, nc, px);
            for (int m0 = 0; m0 < M; m0 += MC) {
                int mc = M - m0 < MC ? M - m0 : MC;
                pack_w(Wt, M, k0, kc, m0, mc, pw);
                for (int jp = 0; jp < nc; jp += NR)
                    for (int ip = 0; ip < mc; ip += MR)
                        micro_kernel(px + jp * kc, pw + ip * kc, kc, k0 == 0, Y + (m0 + ip) * N + n0 + jp, N);
            }
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
            i32 w0 = wp[0], w1 = wp[1], w2 = wp[2], w3 = wp[3];
            MAC4(c0, c1, c2, c3, w0, w1, w2, w3, a);
            a = x[k + 2];
            w0 = wp[M]; w1 = wp[M + 1]; w2 = wp[M + 2]; w3 = wp[M + 3];
            MAC4(c0, c1, c2, c3, w0, w1, w2, w3, b);
            b = x[k + 3];
            wp += 2 * M;
        }
        if (k < K) {
            i32 w0 = wp[0], w1 = wp[1], w2 = wp[2], w3 = wp[3];
            MAC4(c0, c1, c2, c3, w0, w1, w2, w3, a);
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
