// The AVX2 + FMA engine: a 6 x 16 micro-kernel with 12 ymm accumulators (two 8-float columns
// per row), two aligned loads of B and six broadcasts of A per step of K. Compiled for
// "avx2,fma" per function, so the rest of the package keeps the baseline x86-64 ISA; only
// called after ck_engine_supported(CK_ENGINE_AVX2_FMA) said yes. Blocking: ck_engine_blocking.
#include "gemm_driver.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define CK_AVX2 __attribute__((target("avx2,fma")))

/// Finishes one row of a tile: r = alpha*acc (skipped when alpha == 1); C = r, C + r or beta*C + r.
static inline __attribute__((always_inline)) CK_AVX2 void ck_avx2_store_row(float *c, __m256 lo, __m256 hi, float alpha, float beta) {
    if (alpha != 1) {
        const __m256 va = _mm256_set1_ps(alpha);
        lo = _mm256_mul_ps(va, lo);
        hi = _mm256_mul_ps(va, hi);
    }
    if (beta == 1) {
        lo = _mm256_add_ps(_mm256_loadu_ps(c), lo);
        hi = _mm256_add_ps(_mm256_loadu_ps(c + 8), hi);
    } else if (beta != 0) {
        const __m256 vb = _mm256_set1_ps(beta);
        lo = _mm256_add_ps(_mm256_mul_ps(vb, _mm256_loadu_ps(c)), lo);
        hi = _mm256_add_ps(_mm256_mul_ps(vb, _mm256_loadu_ps(c + 8)), hi);
    }
    _mm256_storeu_ps(c, lo);
    _mm256_storeu_ps(c + 8, hi);
}

/// The tile for a compile-time number of rows (1...6): rows past `ROWS` cost nothing.
#define CK_AVX2_TILE(ROWS)                                                                                   \
    static inline __attribute__((always_inline)) CK_AVX2 void ck_avx2_tile_##ROWS(                           \
        long kc, const float *a, const float *b, long ldbp, float *c, long ldc, float alpha, float beta) {   \
        __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();                                         \
        __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();                                         \
        __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();                                         \
        __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();                                         \
        __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();                                         \
        __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();                                         \
        for (long p = 0; p < kc; p++) {                                                                      \
            const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);                              \
            __m256 av = _mm256_broadcast_ss(a);                                                              \
            c00 = _mm256_fmadd_ps(av, b0, c00); c01 = _mm256_fmadd_ps(av, b1, c01);                          \
            if (ROWS > 1) { av = _mm256_broadcast_ss(a + 1);                                                 \
                c10 = _mm256_fmadd_ps(av, b0, c10); c11 = _mm256_fmadd_ps(av, b1, c11); }                    \
            if (ROWS > 2) { av = _mm256_broadcast_ss(a + 2);                                                 \
                c20 = _mm256_fmadd_ps(av, b0, c20); c21 = _mm256_fmadd_ps(av, b1, c21); }                    \
            if (ROWS > 3) { av = _mm256_broadcast_ss(a + 3);                                                 \
                c30 = _mm256_fmadd_ps(av, b0, c30); c31 = _mm256_fmadd_ps(av, b1, c31); }                    \
            if (ROWS > 4) { av = _mm256_broadcast_ss(a + 4);                                                 \
                c40 = _mm256_fmadd_ps(av, b0, c40); c41 = _mm256_fmadd_ps(av, b1, c41); }                    \
            if (ROWS > 5) { av = _mm256_broadcast_ss(a + 5);                                                 \
                c50 = _mm256_fmadd_ps(av, b0, c50); c51 = _mm256_fmadd_ps(av, b1, c51); }                    \
            a += 6;                                                                                          \
            b += ldbp;                                                                                       \
        }                                                                                                    \
        ck_avx2_store_row(c, c00, c01, alpha, beta);                                                         \
        if (ROWS > 1) ck_avx2_store_row(c + ldc, c10, c11, alpha, beta);                                     \
        if (ROWS > 2) ck_avx2_store_row(c + 2 * ldc, c20, c21, alpha, beta);                                 \
        if (ROWS > 3) ck_avx2_store_row(c + 3 * ldc, c30, c31, alpha, beta);                                 \
        if (ROWS > 4) ck_avx2_store_row(c + 4 * ldc, c40, c41, alpha, beta);                                 \
        if (ROWS > 5) ck_avx2_store_row(c + 5 * ldc, c50, c51, alpha, beta);                                 \
    }

CK_AVX2_TILE(1)
CK_AVX2_TILE(2)
CK_AVX2_TILE(3)
CK_AVX2_TILE(4)
CK_AVX2_TILE(5)
CK_AVX2_TILE(6)

static inline __attribute__((always_inline)) CK_AVX2 void ck_avx2_tile(long rows, long kc, const float *a, const float *b, long ldbp,
                                                                         float *c, long ldc, float alpha, float beta) {
    switch (rows) {
    case 6: ck_avx2_tile_6(kc, a, b, ldbp, c, ldc, alpha, beta); break;
    case 5: ck_avx2_tile_5(kc, a, b, ldbp, c, ldc, alpha, beta); break;
    case 4: ck_avx2_tile_4(kc, a, b, ldbp, c, ldc, alpha, beta); break;
    case 3: ck_avx2_tile_3(kc, a, b, ldbp, c, ldc, alpha, beta); break;
    case 2: ck_avx2_tile_2(kc, a, b, ldbp, c, ldc, alpha, beta); break;
    default: ck_avx2_tile_1(kc, a, b, ldbp, c, ldc, alpha, beta); break;
    }
}

/// Sum of the 8 lanes in a fixed order: ((v0+v4)+(v2+v6)) + ((v1+v5)+(v3+v7)).
static inline __attribute__((always_inline)) CK_AVX2 float ck_avx2_hsum(__m256 v) {
    const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1)));
}

/// C = alpha * A * B^T + beta * C with A (m x k) and B (n x k) both contiguous along k, as dot
/// products: blocks of R rows of A x C rows of B (3 x 4 or 4 x 3: 12 ymm accumulators), 8 values
/// of k per step (the last partial step with masked loads), then a fixed-order horizontal sum.
/// No packing, which is what a small m needs: packing the transposed B would cost as much as
/// the product. Every element of C is summed in the same order wherever its block lies.
#define CK_AVX2_DOT(R, C)                                                                                      \
    static CK_AVX2 void ck_avx2_dot_nt_##R##x##C(long m, long n, long k, float alpha, const float *a, long lda,   \
                                                 const float *b, long ldb, float beta, float *c, long ldc) {       \
        const long k8 = k & ~7L;                                                                               \
        const long tail = k - k8;                                                                              \
        const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)tail), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)); \
        /* B blocks outside, A blocks inside: the C rows of B stay in L1 while every A block passes. */    \
        for (long j0 = 0; j0 < n; j0 += C) {                                                                   \
            const long cols = ck_min(C, n - j0);                                                               \
            const float *bc[C];                                                                                \
            _Pragma("clang loop unroll(full)") for (int q = 0; q < C; q++) bc[q] = b + (j0 + (q < cols ? q : 0)) * ldb; \
            for (long i0 = 0; i0 < m; i0 += R) {                                                               \
                const long rows = ck_min(R, m - i0);                                                           \
                const float *ar[R];                                                                            \
                _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) ar[r] = a + (i0 + (r < rows ? r : 0)) * lda; \
                __m256 s[R][C];                                                                                \
                _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++)                                                                    \
                    _Pragma("clang loop unroll(full)") for (int q = 0; q < C; q++) s[r][q] = _mm256_setzero_ps();                                 \
                long p = 0;                                                                                    \
                for (; p < k8; p += 8) {                                                                       \
                    __m256 x[R];                                                                               \
                    _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) x[r] = _mm256_loadu_ps(ar[r] + p);                             \
                    _Pragma("clang loop unroll(full)") for (int q = 0; q < C; q++) {                                                              \
                        const __m256 y = _mm256_loadu_ps(bc[q] + p);                                           \
                        _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) s[r][q] = _mm256_fmadd_ps(x[r], y, s[r][q]);               \
                    }                                                                                          \
                }                                                                                              \
                if (tail) {                                                                                    \
                    __m256 x[R];                                                                               \
                    _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) x[r] = _mm256_maskload_ps(ar[r] + p, mask);                    \
                    _Pragma("clang loop unroll(full)") for (int q = 0; q < C; q++) {                                                              \
                        const __m256 y = _mm256_maskload_ps(bc[q] + p, mask);                                  \
                        _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) s[r][q] = _mm256_fmadd_ps(x[r], y, s[r][q]);               \
                    }                                                                                          \
                }                                                                                              \
                float sums[R * C];                                                                             \
                _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++)                                                                    \
                    _Pragma("clang loop unroll(full)") for (int q = 0; q < C; q++) sums[r * C + q] = ck_avx2_hsum(s[r][q]);                       \
                ck_combine(sums, C, c + i0 * ldc + j0, ldc, rows, cols, alpha, beta);                          \
            }                                                                                                  \
        }                                                                                                      \
    }

CK_AVX2_DOT(3, 4)
CK_AVX2_DOT(2, 6)
CK_AVX2_DOT(1, 8)


CK_AVX2 void ck_sgemm_avx2(bool ta, bool tb, long m, long n, long k, float alpha, const float *a, long lda,
                           const float *b, long ldb, float beta, float *c, long ldc) {
    if (!ta && tb && m <= CK_DOT_MAX_M && m > 0 && n > 0 && k > 0 && alpha != 0) {
        // Blocks of 3 rows; a remainder of 2 rows or 1 row gets its own block shape.
        const long bulk = m / 3 * 3;
        if (bulk > 0) ck_avx2_dot_nt_3x4(bulk, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        if (m - bulk == 2) ck_avx2_dot_nt_2x6(2, n, k, alpha, a + bulk * lda, lda, b, ldb, beta, c + bulk * ldc, ldc);
        if (m - bulk == 1) ck_avx2_dot_nt_1x8(1, n, k, alpha, a + bulk * lda, lda, b, ldb, beta, c + bulk * ldc, ldc);
        return;
    }
    ck_gemm_driver(CK_AVX2_MR, CK_AVX2_NR, ck_avx2_tile, ck_engine_blocking(CK_ENGINE_AVX2_FMA), ta, tb, m, n, k, alpha, a, lda, b, ldb, beta,
                   c, ldc);
}

#endif
