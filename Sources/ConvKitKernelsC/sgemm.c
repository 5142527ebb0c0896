// The engines' blocking, the thread-local pack workspace, the portable engine and the entry point
// (engine support and selection: cpu.c).
#include "ConvKitKernelsC.h"
#include "gemm_driver.h"

#include <pthread.h>
#include <stdlib.h>

#if defined(__x86_64__)
void ck_sgemm_avx2(bool ta, bool tb, long m, long n, long k, float alpha, const float *a, long lda,
                   const float *b, long ldb, float beta, float *c, long ldc);
void ck_sgemm_wide_avx2(bool ta, bool tb, long m, long n, long k, float alpha, const float *a, long lda,
                        const float *b, long ldb, float beta, float *c, long ldc);
void ck_sgemm_wide_avx512(bool ta, bool tb, long m, long n, long k, float alpha, const float *a, long lda,
                          const float *b, long ldb, float beta, float *c, long ldc);
#endif

// MARK: - Blocking

ck_blocking ck_engine_blocking(ck_engine engine) {
    static ck_blocking blockings[3];
    static int ready[3];
    const int index = engine == CK_ENGINE_AVX512 ? 2 : engine == CK_ENGINE_AVX2_FMA ? 1 : 0;
    if (!__atomic_load_n(&ready[index], __ATOMIC_ACQUIRE)) {
        static const long tiles[3][2] = {{CK_PORTABLE_MR, CK_PORTABLE_NR}, {CK_AVX2_MR, CK_AVX2_NR}, {CK_WIDE_MR, CK_WIDE_NR}};
        blockings[index] = ck_blocking_for(tiles[index][0], tiles[index][1], ck_caches());
        __atomic_store_n(&ready[index], 1, __ATOMIC_RELEASE);
    }
    return blockings[index];
}

// MARK: - Workspace

static pthread_key_t ck_workspace_key;
static pthread_once_t ck_workspace_once = PTHREAD_ONCE_INIT;
static _Thread_local float *ck_workspace_buffer;
static _Thread_local size_t ck_workspace_capacity;

static void ck_workspace_free(void *buffer) { free(buffer); }
static void ck_workspace_make_key(void) { pthread_key_create(&ck_workspace_key, ck_workspace_free); }

float *ck_workspace(size_t floats) {
    if (floats <= ck_workspace_capacity) return ck_workspace_buffer;
    const size_t capacity = (floats + 4095) / 4096 * 4096;
    void *buffer = NULL;
    if (posix_memalign(&buffer, 64, capacity * sizeof(float)) != 0) return NULL;
    pthread_once(&ck_workspace_once, ck_workspace_make_key);
    free(ck_workspace_buffer);
    ck_workspace_buffer = buffer;
    ck_workspace_capacity = capacity;
    // Frees the buffer when the thread exits.
    pthread_setspecific(ck_workspace_key, buffer);
    return ck_workspace_buffer;
}

// MARK: - Portable engine

#if defined(__aarch64__) || defined(__FMA__)
#define CK_MADD(x, y, acc) __builtin_elementwise_fma((x), (y), (acc))
#else
#define CK_MADD(x, y, acc) ((acc) + (x) * (y))
#endif

/// Four floats in one vector register (SSE2 on x86-64, NEON on arm64), via Clang's generic vectors.
typedef float ck_v4 __attribute__((vector_size(16), aligned(4)));

/// 4 x 16 tile with generic vectors: 16 accumulators of 4 floats (NEON keeps them all in registers).
static inline __attribute__((always_inline)) void ck_portable_tile(long rows, long kc, const float *a, const float *b, long ldbp,
                                                                   float *c, long ldc, float alpha, float beta) {
    ck_v4 acc[4][4];
    for (int r = 0; r < 4; r++)
        for (int q = 0; q < 4; q++) acc[r][q] = (ck_v4){0, 0, 0, 0};
    for (long p = 0; p < kc; p++) {
        const ck_v4 *bp = (const ck_v4 *)(b + p * ldbp);
        const ck_v4 b0 = bp[0], b1 = bp[1], b2 = bp[2], b3 = bp[3];
        for (int r = 0; r < 4; r++) {
            const float av = a[p * 4 + r];
            const ck_v4 va = {av, av, av, av};
            acc[r][0] = CK_MADD(va, b0, acc[r][0]);
            acc[r][1] = CK_MADD(va, b1, acc[r][1]);
            acc[r][2] = CK_MADD(va, b2, acc[r][2]);
            acc[r][3] = CK_MADD(va, b3, acc[r][3]);
        }
    }
    float out[4 * 16];
    for (int r = 0; r < 4; r++)
        for (int q = 0; q < 4; q++)
            for (int l = 0; l < 4; l++) out[r * 16 + q * 4 + l] = acc[r][q][l];
    ck_combine(out, 16, c, ldc, rows, 16, alpha, beta);
}

static void ck_sgemm_portable(bool ta, bool tb, long m, long n, long k, float alpha, const float *a, long lda,
                              const float *b, long ldb, float beta, float *c, long ldc) {
    ck_gemm_driver(CK_PORTABLE_MR, CK_PORTABLE_NR, ck_portable_tile, ck_engine_blocking(CK_ENGINE_PORTABLE), ta, tb, m, n, k, alpha, a, lda, b, ldb,
                   beta, c, ldc);
}

void ck_sgemm_naive(bool ta, bool tb, long m, long n, long k, float alpha, const float *a, long lda,
                    const float *b, long ldb, float beta, float *c, long ldc) {
    for (long i = 0; i < m; i++) {
        for (long j = 0; j < n; j++) {
            float sum = 0;
            for (long p = 0; p < k; p++) {
                const float av = ta ? a[p * lda + i] : a[i * lda + p];
                const float bv = tb ? b[j * ldb + p] : b[p * ldb + j];
                sum += av * bv;
            }
            float *out = c + i * ldc + j;
            *out = alpha * sum + (beta == 0 ? 0 : beta * *out);
        }
    }
}

// MARK: - Entry point

void ck_sgemm(ck_engine engine, bool transpose_a, bool transpose_b, long m, long n, long k, float alpha,
              const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc) {
#if defined(__x86_64__)
    if (engine == CK_ENGINE_AVX512 && ck_engine_supported(CK_ENGINE_AVX512)) {
        // Products narrower than two 12-row panels or one 32-column panel (LeNet's m = 6 and 16
        // output channels, small-M A·Bᵀ on the dot-product path) waste most of a 12 x 32 tile:
        // they keep the AVX2 engine.
        if (m < 2 * CK_WIDE_MR || n < CK_WIDE_NR || (!transpose_a && transpose_b && m <= CK_DOT_MAX_M)) {
            ck_sgemm_avx2(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        } else {
            ck_sgemm_wide_avx512(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        }
        return;
    }
    if (engine == CK_ENGINE_AVX2_FMA && ck_engine_supported(CK_ENGINE_AVX2_FMA)) {
        ck_sgemm_avx2(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
#endif
    (void)engine;
    ck_sgemm_portable(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

bool ck_sgemm_wide_on_avx2(bool transpose_a, bool transpose_b, long m, long n, long k, float alpha, const float *a, long lda,
                           const float *b, long ldb, float beta, float *c, long ldc) {
#if defined(__x86_64__)
    if (ck_engine_supported(CK_ENGINE_AVX2_FMA)) {
        ck_sgemm_wide_avx2(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return true;
    }
#endif
    (void)transpose_a, (void)transpose_b, (void)m, (void)n, (void)k, (void)alpha, (void)a, (void)lda;
    (void)b, (void)ldb, (void)beta, (void)c, (void)ldc;
    return false;
}
