// 2 x 2, stride-2 max pooling of one plane, with the choices of ConvKitKernels.maxPoolPlaneGeneral:
// visit (0,0), (0,1), (1,0), (1,1); take a value when it is greater than the best so far or NaN;
// a NaN ends its row (so (0,1) is skipped after a NaN at (0,0), and (1,1) after a NaN at (1,0)).
// Written as selects so that Clang vectorises the loop over windows (8 at a time with AVX2);
// there is no arithmetic, so every ISA gives the same values and indices.
#include "ConvKitKernelsC.h"

#include <stdint.h>

#define CK_MAXPOOL_BODY                                                                         \
    for (long oy = 0; oy < oh; oy++) {                                                          \
        const long top = 2 * oy * width;                                                        \
        const float *r0 = x + top, *r1 = r0 + width;                                            \
        float *out = y + oy * ow;                                                               \
        int32_t *index = argmax + oy * ow;                                                      \
        for (long ox = 0; ox < ow; ox++) {                                                      \
            const long c = 2 * ox;                                                              \
            const float a = r0[c], b = r0[c + 1], v = r1[c], d = r1[c + 1];                     \
            float best = a;                                                                     \
            long at = top + c;                                                                  \
            const int takeB = (a == a) & ((b > best) | (b != b));                               \
            best = takeB ? b : best;                                                            \
            at = takeB ? top + c + 1 : at;                                                      \
            const int takeV = (v > best) | (v != v);                                            \
            best = takeV ? v : best;                                                            \
            at = takeV ? top + width + c : at;                                                  \
            const int takeD = (v == v) & ((d > best) | (d != d));                               \
            best = takeD ? d : best;                                                            \
            at = takeD ? top + width + c + 1 : at;                                              \
            out[ox] = best;                                                                     \
            index[ox] = (int32_t)at;                                                            \
        }                                                                                       \
    }

#if defined(__x86_64__)
#include <immintrin.h>

#define CK_AVX2 __attribute__((target("avx2,fma")))

/// The choice for 8 windows at once; a, b, v, d as in the scalar body, `first` the flat index of a.
static inline __attribute__((always_inline)) CK_AVX2 void ck_pool_choose8(__m256 a, __m256 b, __m256 v, __m256 d, __m256i first,
                                                                        long width, float *out, int32_t *index) {
    const __m256 takeB = _mm256_and_ps(_mm256_cmp_ps(a, a, _CMP_ORD_Q),
                                       _mm256_or_ps(_mm256_cmp_ps(b, a, _CMP_GT_OQ), _mm256_cmp_ps(b, b, _CMP_UNORD_Q)));
    __m256 best = _mm256_blendv_ps(a, b, takeB);
    const __m256i one = _mm256_set1_epi32(1), below = _mm256_add_epi32(first, _mm256_set1_epi32((int)width));
    __m256 at = _mm256_blendv_ps(_mm256_castsi256_ps(first), _mm256_castsi256_ps(_mm256_add_epi32(first, one)), takeB);
    const __m256 takeV = _mm256_or_ps(_mm256_cmp_ps(v, best, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    best = _mm256_blendv_ps(best, v, takeV);
    at = _mm256_blendv_ps(at, _mm256_castsi256_ps(below), takeV);
    const __m256 takeD = _mm256_and_ps(_mm256_cmp_ps(v, v, _CMP_ORD_Q),
                                       _mm256_or_ps(_mm256_cmp_ps(d, best, _CMP_GT_OQ), _mm256_cmp_ps(d, d, _CMP_UNORD_Q)));
    best = _mm256_blendv_ps(best, d, takeD);
    at = _mm256_blendv_ps(at, _mm256_castsi256_ps(_mm256_add_epi32(below, one)), takeD);
    _mm256_storeu_ps(out, best);
    _mm256_storeu_si256((__m256i *)index, _mm256_castps_si256(at));
}

/// Even and odd elements of 16 consecutive floats: (p[0], p[2], …, p[14]) and (p[1], …, p[15]).
static inline __attribute__((always_inline)) CK_AVX2 void ck_deinterleave16(const float *p, __m256 *even, __m256 *odd) {
    const __m256 lo = _mm256_loadu_ps(p), hi = _mm256_loadu_ps(p + 8);
    // shuffle_ps works per 128-bit lane: (lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6); permute the 64-bit pairs into order.
    *even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(lo, hi, 0x88)), 0xD8));
    *odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(lo, hi, 0xDD)), 0xD8));
}

/// Windows ox ..< ox+8 of output row oy (rows r0, r1 of the input; `top` the flat index of r0).
static inline __attribute__((always_inline)) CK_AVX2 void ck_pool_block8(const float *r0, const float *r1, long top, long width,
                                                                       long ox, float *out, int32_t *index) {
    __m256 a, b, v, d;
    ck_deinterleave16(r0 + 2 * ox, &a, &b);
    ck_deinterleave16(r1 + 2 * ox, &v, &d);
    const __m256i first = _mm256_add_epi32(_mm256_set1_epi32((int)(top + 2 * ox)), _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14));
    ck_pool_choose8(a, b, v, d, first, width, out + ox, index + ox);
}

/// Windows ox ..< ox+4 of one output row, with 128-bit vectors (rows of 4 to 7 windows).
static inline __attribute__((always_inline)) CK_AVX2 void ck_pool_block4(const float *r0, const float *r1, long top, long width,
                                                                       long ox, float *out, int32_t *index) {
    const __m128 r0lo = _mm_loadu_ps(r0 + 2 * ox), r0hi = _mm_loadu_ps(r0 + 2 * ox + 4);
    const __m128 r1lo = _mm_loadu_ps(r1 + 2 * ox), r1hi = _mm_loadu_ps(r1 + 2 * ox + 4);
    const __m128 a = _mm_shuffle_ps(r0lo, r0hi, 0x88), b = _mm_shuffle_ps(r0lo, r0hi, 0xDD);
    const __m128 v = _mm_shuffle_ps(r1lo, r1hi, 0x88), d = _mm_shuffle_ps(r1lo, r1hi, 0xDD);
    const __m128i first = _mm_add_epi32(_mm_set1_epi32((int)(top + 2 * ox)), _mm_setr_epi32(0, 2, 4, 6));
    const __m128i one = _mm_set1_epi32(1), below = _mm_add_epi32(first, _mm_set1_epi32((int)width));
    const __m128 takeB = _mm_and_ps(_mm_cmpord_ps(a, a), _mm_or_ps(_mm_cmpgt_ps(b, a), _mm_cmpunord_ps(b, b)));
    __m128 best = _mm_blendv_ps(a, b, takeB);
    __m128 at = _mm_blendv_ps(_mm_castsi128_ps(first), _mm_castsi128_ps(_mm_add_epi32(first, one)), takeB);
    const __m128 takeV = _mm_or_ps(_mm_cmpgt_ps(v, best), _mm_cmpunord_ps(v, v));
    best = _mm_blendv_ps(best, v, takeV);
    at = _mm_blendv_ps(at, _mm_castsi128_ps(below), takeV);
    const __m128 takeD = _mm_and_ps(_mm_cmpord_ps(v, v), _mm_or_ps(_mm_cmpgt_ps(d, best), _mm_cmpunord_ps(d, d)));
    best = _mm_blendv_ps(best, d, takeD);
    at = _mm_blendv_ps(at, _mm_castsi128_ps(_mm_add_epi32(below, one)), takeD);
    _mm_storeu_ps(out + ox, best);
    _mm_storeu_si128((__m128i *)(index + ox), _mm_castps_si128(at));
}

/// Rows of at least 8 windows run 8 at a time, the last block overlapping the previous one
/// (windows are independent, so recomputing some gives the same values); rows of 4 to 7 windows
/// (LeNet's pool2 has 5) run as two overlapping blocks of 4; narrower rows run the scalar body.
CK_AVX2 static void ck_maxpool2x2_avx2(const float *x, long width, long oh, long ow, float *y, int32_t *argmax) {
    if (ow < 4) {
        CK_MAXPOOL_BODY
        return;
    }
    for (long oy = 0; oy < oh; oy++) {
        const long top = 2 * oy * width;
        const float *r0 = x + top, *r1 = r0 + width;
        float *out = y + oy * ow;
        int32_t *index = argmax + oy * ow;
        if (ow < 8) {
            ck_pool_block4(r0, r1, top, width, 0, out, index);
            if (ow > 4) ck_pool_block4(r0, r1, top, width, ow - 4, out, index);
            continue;
        }
        long ox = 0;
        for (; ox + 8 <= ow; ox += 8) ck_pool_block8(r0, r1, top, width, ox, out, index);
        if (ox < ow) ck_pool_block8(r0, r1, top, width, ow - 8, out, index);
    }
}
#endif

static void ck_maxpool2x2_portable(const float *x, long width, long oh, long ow, float *y, int32_t *argmax) {
    CK_MAXPOOL_BODY
}

void ck_maxpool2x2(const float *x, long width, long oh, long ow, float *y, int32_t *argmax) {
#if defined(__x86_64__)
    if (ck_engine_has_avx2(ck_best_engine())) {
        ck_maxpool2x2_avx2(x, width, oh, ow, y, argmax);
        return;
    }
#endif
    ck_maxpool2x2_portable(x, width, oh, ow, y, argmax);
}
