// Engine selection, the thread-local pack workspace, and the portable engine.
#include "ConvKitKernelsC.h"
#include "gemm_driver.h"

#include <pthread.h>
#include <stdlib.h>

#if defined(__x86_64__)
void ck_sgemm_avx2(bool ta, bool tb, long m, long n, long k, float alpha, const float *a, long lda,
                   const float *b, long ldb, float beta, float *c, long ldc);
#endif

// MARK: - Engines

bool ck_engine_supported(ck_engine engine) {
    switch (engine) {
    case CK_ENGINE_PORTABLE:
        return true;
    case CK_ENGINE_AVX2_FMA:
#if defined(__x86_64__)
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
        return false;
#endif
    }
    return false;
}

ck_engine ck_best_engine(void) {
    static int best = -1;
    int value = __atomic_load_n(&best, __ATOMIC_ACQUIRE);
    if (value < 0) {
        value = ck_engine_supported(CK_ENGINE_AVX2_FMA) ? CK_ENGINE_AVX2_FMA : CK_ENGINE_PORTABLE;
        __atomic_store_n(&best, value, __ATOMIC_RELEASE);
    }
    return (ck_engine)value;
}

const char *ck_engine_name(ck_engine engine) {
    switch (engine) {
    case CK_ENGINE_PORTABLE: return "portable";
    case CK_ENGINE_AVX2_FMA: return "avx2-fma";
    }
    return "unknown";
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
    ck_gemm_driver(4, 16, ck_portable_tile, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
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
    if (engine == CK_ENGINE_AVX2_FMA && ck_best_engine() == CK_ENGINE_AVX2_FMA) {
        ck_sgemm_avx2(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
#endif
    (void)engine;
    ck_sgemm_portable(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
