// The unit-stride, unpadded cases of im2col and col2im (ConvKitKernels.im2col / col2im, which
// keep the general definitions): every column-matrix row is `oh` runs of `ow` consecutive
// inputs. The runs are short (LeNet-5: 28 and 10 floats), so they are moved with 8-float
// vectors rather than memcpy calls. Copies and single additions per element:
// identical results on every engine.
#include "ConvKitKernelsC.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define CK_AVX2 __attribute__((target("avx2,fma")))

static CK_AVX2 void ck_im2col_unit_avx2(const float *x, long channels, long height, long width, long kh, long kw,
                                        long dh, long dw, long oh, long ow, float *col) {
    // Runs of at least 8 end with one vector overlapping the previous one (it rewrites the same
    // values); masked stores are avoided, they are slow on AMD cores.
    for (long c = 0; c < channels; c++) {
        for (long i = 0; i < kh; i++) {
            for (long j = 0; j < kw; j++) {
                const float *src = x + (c * height + i * dh) * width + j * dw;
                for (long oy = 0; oy < oh; oy++, src += width, col += ow) {
                    if (ow >= 8) {
                        long t = 0;
                        for (; t + 8 <= ow; t += 8) _mm256_storeu_ps(col + t, _mm256_loadu_ps(src + t));
                        if (t < ow) _mm256_storeu_ps(col + ow - 8, _mm256_loadu_ps(src + ow - 8));
                    } else {
                        for (long t = 0; t < ow; t++) col[t] = src[t];
                    }
                }
            }
        }
    }
}

static CK_AVX2 void ck_col2im_unit_avx2(const float *col, long channels, long height, long width, long kh, long kw,
                                        long dh, long dw, long oh, long ow, float *x) {
    for (long c = 0; c < channels; c++) {
        for (long i = 0; i < kh; i++) {
            for (long j = 0; j < kw; j++) {
                float *dst = x + (c * height + i * dh) * width + j * dw;
                for (long oy = 0; oy < oh; oy++, dst += width, col += ow) {
                    long t = 0;
                    for (; t + 8 <= ow; t += 8) _mm256_storeu_ps(dst + t, _mm256_add_ps(_mm256_loadu_ps(dst + t), _mm256_loadu_ps(col + t)));
                    if (t + 4 <= ow) {
                        _mm_storeu_ps(dst + t, _mm_add_ps(_mm_loadu_ps(dst + t), _mm_loadu_ps(col + t)));
                        t += 4;
                    }
                    for (; t < ow; t++) dst[t] += col[t];
                }
            }
        }
    }
}
#endif

static void ck_im2col_unit_portable(const float *x, long channels, long height, long width, long kh, long kw,
                                    long dh, long dw, long oh, long ow, float *col) {
    for (long c = 0; c < channels; c++)
        for (long i = 0; i < kh; i++)
            for (long j = 0; j < kw; j++) {
                const float *src = x + (c * height + i * dh) * width + j * dw;
                for (long oy = 0; oy < oh; oy++, src += width, col += ow)
                    for (long t = 0; t < ow; t++) col[t] = src[t];
            }
}

static void ck_col2im_unit_portable(const float *col, long channels, long height, long width, long kh, long kw,
                                    long dh, long dw, long oh, long ow, float *x) {
    for (long c = 0; c < channels; c++)
        for (long i = 0; i < kh; i++)
            for (long j = 0; j < kw; j++) {
                float *dst = x + (c * height + i * dh) * width + j * dw;
                for (long oy = 0; oy < oh; oy++, dst += width, col += ow)
                    for (long t = 0; t < ow; t++) dst[t] += col[t];
            }
}

void ck_im2col_unit(const float *x, long channels, long height, long width, long kh, long kw, long dh, long dw,
                    long oh, long ow, float *col) {
#if defined(__x86_64__)
    if (ck_best_engine() == CK_ENGINE_AVX2_FMA) {
        ck_im2col_unit_avx2(x, channels, height, width, kh, kw, dh, dw, oh, ow, col);
        return;
    }
#endif
    ck_im2col_unit_portable(x, channels, height, width, kh, kw, dh, dw, oh, ow, col);
}

void ck_col2im_unit(const float *col, long channels, long height, long width, long kh, long kw, long dh, long dw,
                    long oh, long ow, float *x) {
#if defined(__x86_64__)
    if (ck_best_engine() == CK_ENGINE_AVX2_FMA) {
        ck_col2im_unit_avx2(col, channels, height, width, kh, kw, dh, dw, oh, ow, x);
        return;
    }
#endif
    ck_col2im_unit_portable(col, channels, height, width, kh, kw, dh, dw, oh, ow, x);
}
