// im2col and col2im for any 2-D window geometry (ConvKitKernels.im2col / col2im; the Swift
// definitions im2colGeneral / col2imGeneral are the references they are tested against).
// Column-matrix row (c, i, j), entry (oy, ox) holds x[c, oy*sh - pt + i*dh, ox*sw - pl + j*dw],
// 0 in the padding. With stride 1 every row of col is `oh` runs of `ow` consecutive inputs of the
// image, zero-padded first into a workspace copy when there is padding (no border tests per run).
// The runs are short (ResNet on CIFAR: 32, 16 and 8 floats, LeNet-5: 28 and 10), so they are moved
// with 8-float vectors rather than memcpy calls. col2im adds run by run between the borders. Only
// copies, zero stores and one addition per element in the reference's order: identical results on
// every engine.
#include "ConvKitKernelsC.h"
#include "gemm_driver.h"  // ck_workspace

/// The in-range outputs [first, last) of one output row for tap offset dx (stride 1 along the width).
static inline void ck_run(long dx, long width, long ow, long *first, long *last) {
    long f = dx < 0 ? -dx : 0, l = width - dx < ow ? width - dx : ow;
    if (f > ow) f = ow;
    if (l < f) l = f;
    *first = f;
    *last = l;
}

#if defined(__x86_64__)
#include <immintrin.h>

#define CK_AVX2 __attribute__((target("avx2,fma")))

/// dst[0..<n] = src[0..<n]; runs of at least 8 end with one vector overlapping the previous one
/// (it rewrites the same values): masked stores are avoided, they are slow on AMD cores.
static CK_AVX2 inline void ck_copy_avx2(const float *src, float *dst, long n) {
    if (n >= 8) {
        long t = 0;
        for (; t + 8 <= n; t += 8) _mm256_storeu_ps(dst + t, _mm256_loadu_ps(src + t));
        if (t < n) _mm256_storeu_ps(dst + n - 8, _mm256_loadu_ps(src + n - 8));
    } else {
        for (long t = 0; t < n; t++) dst[t] = src[t];
    }
}

/// dst[0..<n] += src[0..<n], one addition per element.
static CK_AVX2 inline void ck_add_avx2(const float *src, float *dst, long n) {
    long t = 0;
    for (; t + 8 <= n; t += 8) _mm256_storeu_ps(dst + t, _mm256_add_ps(_mm256_loadu_ps(dst + t), _mm256_loadu_ps(src + t)));
    if (t + 4 <= n) {
        _mm_storeu_ps(dst + t, _mm_add_ps(_mm_loadu_ps(dst + t), _mm_loadu_ps(src + t)));
        t += 4;
    }
    for (; t < n; t++) dst[t] += src[t];
}

#define CK_COPY ck_copy_avx2
#define CK_ADD ck_add_avx2
#define CK_TARGET CK_AVX2
#define CK_SUFFIX(name) name##_avx2
#include "unfold_body.h"
#undef CK_COPY
#undef CK_ADD
#undef CK_TARGET
#undef CK_SUFFIX
#endif

static inline void ck_copy_portable(const float *src, float *dst, long n) {
    for (long t = 0; t < n; t++) dst[t] = src[t];
}

static inline void ck_add_portable(const float *src, float *dst, long n) {
    for (long t = 0; t < n; t++) dst[t] += src[t];
}

#define CK_COPY ck_copy_portable
#define CK_ADD ck_add_portable
#define CK_TARGET
#define CK_SUFFIX(name) name##_portable
#include "unfold_body.h"
#undef CK_COPY
#undef CK_ADD
#undef CK_TARGET
#undef CK_SUFFIX

void ck_im2col(const float *x, const ck_window *g, float *col, long ldcol) {
#if defined(__x86_64__)
    if (ck_engine_has_avx2(ck_best_engine())) {
        ck_im2col_avx2(x, g, col, ldcol);
        return;
    }
#endif
    ck_im2col_portable(x, g, col, ldcol);
}

void ck_col2im(const float *col, const ck_window *g, float *x, long ldcol) {
#if defined(__x86_64__)
    if (ck_engine_has_avx2(ck_best_engine())) {
        ck_col2im_avx2(col, g, x, ldcol);
        return;
    }
#endif
    ck_col2im_portable(col, g, x, ldcol);
}
