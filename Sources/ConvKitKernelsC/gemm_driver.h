// The blocked GEMM driver shared by every engine (internal to ConvKitKernelsC).
//
// Loops (Goto/BLIS order): jc over N in NC columns, pc over K in KC, pack op(B) block
// (KC x NC) into NR-wide micro-panels; ic over M in MC rows, pack op(A) block (MC x KC) into
// MR-tall micro-panels; then for every NR x MR tile run the engine's micro-kernel, which sums
// over the KC block in registers and writes C = alpha*acc + beta'*C (beta' = beta on the first
// K block, 1 afterwards). Everything is `static inline __attribute__((always_inline))` so that
// each engine's translation unit instantiates the driver with its own ISA and its micro-kernel
// inlined.
#ifndef CONVKIT_GEMM_DRIVER_H
#define CONVKIT_GEMM_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

// Results must not depend on where the compiler would fuse a multiply and an add: the edge
// path (scalar) and the full-tile path (vector) must round identically.
#pragma STDC FP_CONTRACT OFF

// The block sizes (KC, MC, NC) come from the CPU's caches: ck_blocking_for in cpu.c.
#include "ConvKitKernelsC.h"

#define CK_ALWAYS_INLINE static inline __attribute__((always_inline))
/// Each engine's micro-kernel tile, MR x NR: portable 4 x 16, AVX2 6 x 16, AVX-512 12 x 32.
#define CK_PORTABLE_MR 4
#define CK_PORTABLE_NR 16
#define CK_AVX2_MR 6
#define CK_AVX2_NR 16
#define CK_WIDE_MR 12
#define CK_WIDE_NR 32
/// The largest MR x NR tile of any engine (12 x 32).
#define CK_TILE_FLOATS (CK_WIDE_MR * CK_WIDE_NR)
/// Largest M for which A * B^T runs as dot products (ck_avx2_dot_nt) instead of packed tiles, on
/// the AVX2 and AVX-512 engines.
#define CK_DOT_MAX_M 24

/// A thread-local buffer of at least `floats` floats, 64-byte aligned, kept for the thread's
/// lifetime and grown on demand (NULL only if allocation fails).
float *ck_workspace(size_t floats);

/// The naive triple loop (used only when the workspace cannot be allocated).
void ck_sgemm_naive(bool ta, bool tb, long m, long n, long k, float alpha, const float *a, long lda,
                    const float *b, long ldb, float beta, float *c, long ldc);

CK_ALWAYS_INLINE long ck_min(long x, long y) { return x < y ? x : y; }
CK_ALWAYS_INLINE long ck_round_up(long x, long to) { return (x + to - 1) / to * to; }

/// C = beta * C over an m x n block (beta == 0 writes zeros without reading).
CK_ALWAYS_INLINE void ck_scale(float *c, long ldc, long m, long n, float beta) {
    if (beta == 1) return;
    for (long i = 0; i < m; i++) {
        float *row = c + i * ldc;
        if (beta == 0) {
            memset(row, 0, (size_t)n * sizeof(float));
        } else {
            for (long j = 0; j < n; j++) row[j] = beta * row[j];
        }
    }
}

/// Writes an mr x nr corner of a tile computed with alpha = 1, beta = 0 into C, with exactly the
/// rounding of the full-tile path: r = alpha*t (skipped when alpha == 1); C = r, C + r, or beta*C + r.
CK_ALWAYS_INLINE void ck_combine(const float *t, long ldt, float *c, long ldc, long mr, long nr, float alpha, float beta) {
    for (long i = 0; i < mr; i++) {
        for (long j = 0; j < nr; j++) {
            float r = t[i * ldt + j];
            if (alpha != 1) r = alpha * r;
            float *out = c + i * ldc + j;
            if (beta == 0) {
                *out = r;
            } else if (beta == 1) {
                *out = *out + r;
            } else {
                *out = beta * *out + r;
            }
        }
    }
}

/// Packs op(A)[i0 ..< i0+mc, p0 ..< p0+kc] into MR-tall micro-panels: panel[p][r], zero rows past mc.
CK_ALWAYS_INLINE void ck_pack_a(const int MR, bool trans, const float *a, long lda, long i0, long mc, long p0, long kc, float *dst) {
    for (long ir = 0; ir < mc; ir += MR) {
        const long mr = ck_min(MR, mc - ir);
        float *d = dst + ir * kc;
        if (trans) {
            // op(A)[i, p] = A[p, i]: the MR values of one p are contiguous.
            const float *s = a + p0 * lda + i0 + ir;
            for (long p = 0; p < kc; p++) {
                for (long r = 0; r < mr; r++) d[p * MR + r] = s[p * lda + r];
                for (long r = mr; r < MR; r++) d[p * MR + r] = 0;
            }
        } else {
            for (long r = 0; r < mr; r++) {
                const float *s = a + (i0 + ir + r) * lda + p0;
                for (long p = 0; p < kc; p++) d[p * MR + r] = s[p];
            }
            for (long r = mr; r < MR; r++) {
                for (long p = 0; p < kc; p++) d[p * MR + r] = 0;
            }
        }
    }
}

/// Packs op(B)[p0 ..< p0+kc, j0 ..< j0+nc] into NR-wide micro-panels: panel[p][c], zero columns past nc.
CK_ALWAYS_INLINE void ck_pack_b(const int NR, bool trans, const float *b, long ldb, long j0, long nc, long p0, long kc, float *dst) {
    for (long jr = 0; jr < nc; jr += NR) {
        const long nr = ck_min(NR, nc - jr);
        float *d = dst + jr * kc;
        if (trans) {
            // op(B)[p, j] = B[j, p]: read NR rows of B along p.
            for (long col = 0; col < nr; col++) {
                const float *s = b + (j0 + jr + col) * ldb + p0;
                for (long p = 0; p < kc; p++) d[p * NR + col] = s[p];
            }
            for (long col = nr; col < NR; col++) {
                for (long p = 0; p < kc; p++) d[p * NR + col] = 0;
            }
        } else {
            const float *s = b + p0 * ldb + j0 + jr;
            if (nr == NR) {
                for (long p = 0; p < kc; p++) memcpy(d + p * NR, s + p * ldb, sizeof(float) * (size_t)NR);
            } else {
                for (long p = 0; p < kc; p++) {
                    memcpy(d + p * NR, s + p * ldb, sizeof(float) * (size_t)nr);
                    memset(d + p * NR + nr, 0, sizeof(float) * (size_t)(NR - nr));
                }
            }
        }
    }
}

/// A micro-kernel: C[0..<rows, 0..<NR] = alpha * Apanel(rows x kc) * Bpanel(kc x NR) + beta*C,
/// rounding as ck_combine describes. `rows` is 1...MR; row p of the B panel starts at b + p*ldbp
/// (NR for a packed panel, ldb when B is read in place).
typedef void (*ck_tile_fn)(long rows, long kc, const float *a, const float *b, long ldbp, float *c, long ldc, float alpha, float beta);

/// With at most this many MR-row panels in M, a non-transposed B is read in place instead of
/// packed: each element of B is used by so few tiles that copying it costs more than it saves.
#define CK_DIRECT_B_PANELS 3

/// The whole GEMM for one engine; see the file header.
CK_ALWAYS_INLINE void ck_gemm_driver(const int MR, const int NR, ck_tile_fn tile, ck_blocking blocking, bool ta, bool tb,
                                     long m, long n, long k, float alpha, const float *a, long lda, const float *b, long ldb,
                                     float beta, float *c, long ldc) {
    const long blockK = blocking.kc, blockM = blocking.mc, blockN = blocking.nc;
    if (m <= 0 || n <= 0) return;
    if (k <= 0 || alpha == 0) {
        ck_scale(c, ldc, m, n, beta);
        return;
    }
    const long mcMax = ck_min(ck_round_up(m, MR), blockM);
    const long ncMax = ck_min(ck_round_up(n, NR), blockN);
    const long kcMax = ck_min(k, blockK);
    const long aFloats = ck_round_up(mcMax * kcMax, 16);
    float *packedA = ck_workspace((size_t)(aFloats + ncMax * kcMax));
    if (!packedA) {
        ck_sgemm_naive(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    float *packedB = packedA + aFloats;
    float edge[CK_TILE_FLOATS] __attribute__((aligned(64)));
    const bool directB = !tb && ck_round_up(m, MR) <= CK_DIRECT_B_PANELS * MR;
    for (long jc = 0; jc < n; jc += blockN) {
        const long nc = ck_min(blockN, n - jc);
        for (long pc = 0; pc < k; pc += blockK) {
            const long kc = ck_min(blockK, k - pc);
            const float blockBeta = pc == 0 ? beta : 1.0f;
            if (directB) {
                // Only a partial last panel is packed (zero-padded to NR columns).
                const long full = nc / NR * NR;
                if (full < nc) ck_pack_b(NR, false, b, ldb, jc + full, nc - full, pc, kc, packedB);
            } else {
                ck_pack_b(NR, tb, b, ldb, jc, nc, pc, kc, packedB);
            }
            for (long ic = 0; ic < m; ic += blockM) {
                const long mc = ck_min(blockM, m - ic);
                ck_pack_a(MR, ta, a, lda, ic, mc, pc, kc, packedA);
                for (long jr = 0; jr < nc; jr += NR) {
                    const long nr = ck_min(NR, nc - jr);
                    const float *panelB;
                    long ldbp;
                    if (directB && nr == NR) {
                        panelB = b + pc * ldb + jc + jr;
                        ldbp = ldb;
                    } else {
                        panelB = packedB + (directB ? 0 : jr * kc);
                        ldbp = NR;
                    }
                    for (long ir = 0; ir < mc; ir += MR) {
                        const long mr = ck_min(MR, mc - ir);
                        float *tileC = c + (ic + ir) * ldc + jc + jr;
                        if (nr == NR) {
                            tile(mr, kc, packedA + ir * kc, panelB, ldbp, tileC, ldc, alpha, blockBeta);
                        } else {
                            tile(mr, kc, packedA + ir * kc, panelB, ldbp, edge, NR, 1.0f, 0.0f);
                            ck_combine(edge, NR, tileC, ldc, mr, nr, alpha, blockBeta);
                        }
                    }
                }
            }
        }
    }
}

#endif
