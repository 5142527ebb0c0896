// The AVX-512 engine: a 12 x 32 micro-kernel on 16-float generic vectors (24 accumulators, two
// loads of B and one broadcast of A per row and step of K: 27 of the 32 zmm registers), in the
// shared blocked driver with the blocking of ck_engine_blocking(CK_ENGINE_AVX512).
//
// The tile is written once (CK_WIDE_TILE below) and compiled twice: for "avx512f" (the engine,
// chosen only when cpuid and XGETBV say the CPU and the OS support it) and for "avx2,fma"
// (ck_sgemm_wide_avx2, where each 16-float operation becomes two ymm operations), which the kernel
// tests run against the naive reference on any AVX2 machine. The two differ only in the
// instructions Clang selects for the same lane-wise operations (fma, ×, + per lane, same order), so
// the AVX2 build checks the tile's indexing, edges and rounding rules, and on an AVX-512 machine
// the tests also run the engine itself and compare the two bit for bit.
#include "gemm_driver.h"

#if defined(__x86_64__)

typedef float ck_f16 __attribute__((ext_vector_type(16)));

/// Loads and stores of 16 floats at any alignment, without vector-typed arguments (which would
/// change the calling convention of the AVX2 build).
#define CK_LOAD16(dst, p) __builtin_memcpy(&(dst), (p), sizeof(ck_f16))
#define CK_STORE16(p, v) __builtin_memcpy((p), &(v), sizeof(ck_f16))

/// C[0..<ROWS, 0..<32] = alpha · Apanel · Bpanel + beta · C with ck_combine's rounding; ROWS is a
/// constant after inlining.
#define CK_WIDE_TILE(SUFFIX, ATTRIBUTE)                                                                                   \
    static inline __attribute__((always_inline)) ATTRIBUTE void ck_wide_rows_##SUFFIX(                                    \
        const int ROWS, long kc, const float *a, const float *b, long ldbp, float *c, long ldc, float alpha, float beta) { \
        ck_f16 lo[CK_WIDE_MR], hi[CK_WIDE_MR];                                                                            \
        _Pragma("clang loop unroll(full)") for (int r = 0; r < ROWS; r++) lo[r] = hi[r] = (ck_f16)0.0f;                                                      \
        for (long p = 0; p < kc; p++) {                                                                                   \
            ck_f16 b0, b1;                                                                                                \
            CK_LOAD16(b0, b);                                                                                             \
            CK_LOAD16(b1, b + 16);                                                                                        \
            _Pragma("clang loop unroll(full)") for (int r = 0; r < ROWS; r++) {                                                                        \
                const ck_f16 av = (ck_f16)a[r];                                                                           \
                lo[r] = __builtin_elementwise_fma(av, b0, lo[r]);                                                         \
                hi[r] = __builtin_elementwise_fma(av, b1, hi[r]);                                                         \
            }                                                                                                             \
            a += CK_WIDE_MR;                                                                                              \
            b += ldbp;                                                                                                    \
        }                                                                                                                 \
        _Pragma("clang loop unroll(full)") for (int r = 0; r < ROWS; r++) {                                                                  \
            ck_f16 x = lo[r], y = hi[r];                                                                                  \
            float *row = c + r * ldc;                                                                                     \
            if (alpha != 1) {                                                                                             \
                x = (ck_f16)alpha * x;                                                                                    \
                y = (ck_f16)alpha * y;                                                                                    \
            }                                                                                                             \
            if (beta != 0) {                                                                                              \
                ck_f16 old0, old1;                                                                                        \
                CK_LOAD16(old0, row);                                                                                     \
                CK_LOAD16(old1, row + 16);                                                                                \
                if (beta == 1) {                                                                                          \
                    x = old0 + x;                                                                                         \
                    y = old1 + y;                                                                                         \
                } else {                                                                                                  \
                    x = (ck_f16)beta * old0 + x;                                                                          \
                    y = (ck_f16)beta * old1 + y;                                                                          \
                }                                                                                                         \
            }                                                                                                             \
            CK_STORE16(row, x);                                                                                           \
            CK_STORE16(row + 16, y);                                                                                      \
        }                                                                                                                 \
    }                                                                                                                     \
    static inline __attribute__((always_inline)) ATTRIBUTE void ck_wide_tile_##SUFFIX(                                    \
        long rows, long kc, const float *a, const float *b, long ldbp, float *c, long ldc, float alpha, float beta) {     \
        switch (rows) {                                                                                                   \
        case 12: ck_wide_rows_##SUFFIX(12, kc, a, b, ldbp, c, ldc, alpha, beta); break;                                   \
        case 11: ck_wide_rows_##SUFFIX(11, kc, a, b, ldbp, c, ldc, alpha, beta); break;                                   \
        case 10: ck_wide_rows_##SUFFIX(10, kc, a, b, ldbp, c, ldc, alpha, beta); break;                                   \
        case 9: ck_wide_rows_##SUFFIX(9, kc, a, b, ldbp, c, ldc, alpha, beta); break;                                     \
        case 8: ck_wide_rows_##SUFFIX(8, kc, a, b, ldbp, c, ldc, alpha, beta); break;                                     \
        case 7: ck_wide_rows_##SUFFIX(7, kc, a, b, ldbp, c, ldc, alpha, beta); break;                                     \
        case 6: ck_wide_rows_##SUFFIX(6, kc, a, b, ldbp, c, ldc, alpha, beta); break;                                     \
        case 5: ck_wide_rows_##SUFFIX(5, kc, a, b, ldbp, c, ldc, alpha, beta); break;                                     \
        case 4: ck_wide_rows_##SUFFIX(4, kc, a, b, ldbp, c, ldc, alpha, beta); break;                                     \
        case 3: ck_wide_rows_##SUFFIX(3, kc, a, b, ldbp, c, ldc, alpha, beta); break;                                     \
        case 2: ck_wide_rows_##SUFFIX(2, kc, a, b, ldbp, c, ldc, alpha, beta); break;                                     \
        default: ck_wide_rows_##SUFFIX(1, kc, a, b, ldbp, c, ldc, alpha, beta); break;                                    \
        }                                                                                                                 \
    }                                                                                                                     \
    ATTRIBUTE void ck_sgemm_wide_##SUFFIX(bool ta, bool tb, long m, long n, long k, float alpha, const float *a, long lda,  \
                                          const float *b, long ldb, float beta, float *c, long ldc) {                      \
        ck_gemm_driver(CK_WIDE_MR, CK_WIDE_NR, ck_wide_tile_##SUFFIX, ck_engine_blocking(CK_ENGINE_AVX512), ta, tb, m, n, \
                       k, alpha, a, lda, b, ldb, beta, c, ldc);                                                           \
    }

CK_WIDE_TILE(avx512, __attribute__((target("avx512f,avx2,fma"))))
CK_WIDE_TILE(avx2, __attribute__((target("avx2,fma"))))

#endif
