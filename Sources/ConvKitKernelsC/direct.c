// Direct convolution for stride-1, undilated, ungrouped layers with few channels (LeNet's 3 → 6 and
// 6 → 16 5×5 layers): no column matrix. The input of one image is copied into a zero-padded plane
// per channel, of height oh + kh − 1 and width W' = ow + kw − 1 (the padding inside), and the
// output is computed on the *flat domain*: position q = y·W' + x for y < oh and x < W'. There,
//   out[o, q] = Σ_(c, i, j) w[o, c, i, j] · in[c·plane + i·W' + j + q]
// is one sum over the kh·kw·C offsets offsets[kk] = c·plane + i·W' + j of a shifted contiguous
// vector, so every tile is rows × (vectors of consecutive q) with one weight broadcast per row and
// one unaligned load per vector. Positions with x ≥ ow are computed and discarded (the caller copies
// the valid ones out): (ow / W') of the work is useful, 28/32 for LeNet's first layer and 10/14 for
// its second. The weight gradient is the same sum read the other way:
//   dw[o, kk] += Σ_q dy[o, q] · in[offsets[kk] + q],
// with dy placed on the flat domain and zero at x ≥ ow and past oh·W', vectors over q taken in
// chunks that stay in L1 while every offset's tile passes over them, the accumulators kept as whole
// vectors between chunks and summed across lanes once per call (several images per call).
//
// Both are written once (direct_body.h) on Clang's generic vectors and compiled per engine: 16
// lanes for AVX-512 (32 registers: tiles of 24 accumulators), 8 for AVX2 (16 registers: 12), 4 for
// the portable engine (SSE2 or NEON: 12). Every output is summed over kk in the same order on every
// engine, with fused multiply-adds on AVX2 and AVX-512 and separate ones on the portable engine, so
// results differ between engines in the last bits only and do not depend on the tile or thread.
//
// Tiles read whole vectors: the input buffer needs max(offsets) + count readable floats, all
// finite (the caller zeroes the slack), and `out` rows of `count` floats.
#include "ConvKitKernelsC.h"

#include <stdbool.h>

#pragma clang diagnostic ignored "-Wpsabi"

#define CK_INLINE static inline __attribute__((always_inline))
#define CK_MAX_ROWS 8
#define CK_MAX_TILE 6

typedef float ck_direct_f4 __attribute__((ext_vector_type(4)));

#define CK_V ck_direct_f4
#define CK_LANES 4
#define CK_NAME(base) base##_portable
#define CK_ATTRIBUTE
#define CK_FMA(a, b, c) ((a) * (b) + (c))
#define CK_VECTORS(rows) ((rows) == 8 ? 1 : (rows) == 6 ? 2 : 3)
#define CK_DEPTH(rows) ((rows) == 8 ? 1 : (rows) == 6 ? 2 : 3)
#pragma STDC FP_CONTRACT OFF
#define CK_ADD_LANES(dst, t, from, to)                              \
    do {                                                            \
        const CK_V ck_t_ = (t);                                     \
        for (long l = (from); l < (to); l++) (dst)[l] += ck_t_[l];  \
    } while (0)
#include "direct_body.h"
#include "direct_input_body.h"
#undef CK_ADD_LANES
#undef CK_V
#undef CK_LANES
#undef CK_NAME
#undef CK_ATTRIBUTE
#undef CK_FMA
#undef CK_VECTORS
#undef CK_DEPTH

#if defined(__x86_64__)
#include <immintrin.h>
typedef float ck_direct_f8 __attribute__((ext_vector_type(8)));
typedef float ck_direct_f16 __attribute__((ext_vector_type(16)));

#define CK_FMA(a, b, c) __builtin_elementwise_fma(a, b, c)

#define CK_V ck_direct_f8
#define CK_LANES 8
#define CK_NAME(base) base##_avx2
#define CK_ATTRIBUTE __attribute__((target("avx2,fma")))
#define CK_VECTORS(rows) ((rows) == 8 ? 1 : (rows) == 6 ? 2 : 3)
#define CK_DEPTH(rows) ((rows) == 8 ? 1 : (rows) == 6 ? 2 : 3)
#define CK_ADD_LANES(dst, t, from, to)                                                                            \
    do {                                                                                                          \
        const __m256i ck_lane_ = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);                                      \
        const __m256i ck_mask_ = _mm256_and_si256(_mm256_cmpgt_epi32(ck_lane_, _mm256_set1_epi32((int)(from) - 1)), \
                                                  _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(to)), ck_lane_));    \
        const __m256 ck_sum_ = _mm256_add_ps(_mm256_maskload_ps((dst), ck_mask_), (__m256)(t));                  \
        _mm256_maskstore_ps((dst), ck_mask_, ck_sum_);                                                            \
    } while (0)
#include "direct_body.h"
#include "direct_input_body.h"
#undef CK_ADD_LANES
#undef CK_V
#undef CK_LANES
#undef CK_NAME
#undef CK_ATTRIBUTE
#undef CK_VECTORS
#undef CK_DEPTH

#define CK_V ck_direct_f16
#define CK_LANES 16
#define CK_NAME(base) base##_avx512
#define CK_ATTRIBUTE __attribute__((target("avx512f,avx2,fma")))
#define CK_VECTORS(rows) ((rows) == 8 ? 3 : (rows) == 6 ? 4 : 6)
#define CK_DEPTH(rows) ((rows) == 8 ? 3 : (rows) == 6 ? 3 : 4)
#define CK_ADD_LANES(dst, t, from, to)                                                                   \
    do {                                                                                                 \
        const __mmask16 ck_mask_ = (__mmask16)(((1u << (to)) - 1u) & ~((1u << (from)) - 1u));            \
        const __m512 ck_sum_ = _mm512_add_ps(_mm512_maskz_loadu_ps(ck_mask_, (dst)), (__m512)(t));       \
        _mm512_mask_storeu_ps((dst), ck_mask_, ck_sum_);                                                 \
    } while (0)
#include "direct_body.h"
#include "direct_input_body.h"
#undef CK_ADD_LANES
#undef CK_V
#undef CK_LANES
#undef CK_NAME
#undef CK_ATTRIBUTE
#undef CK_VECTORS
#undef CK_DEPTH
#endif

/// The engine whose kernels run: `engine` where supported, else the portable one.
static ck_engine ck_direct_engine(ck_engine engine) {
#if defined(__x86_64__)
    if (engine != CK_ENGINE_PORTABLE && ck_engine_supported(engine)) return engine;
#endif
    return CK_ENGINE_PORTABLE;
}

long ck_direct_block(long outputs) {
    long best = 8, padded = (outputs + 7) / 8 * 8;
    for (long block = 6; block >= 4; block -= 2) {
        const long rounded = (outputs + block - 1) / block * block;
        if (rounded < padded) best = block, padded = rounded;
    }
    return best;
}

long ck_direct_tile_width(ck_engine engine, long block) {
    const long vectors = block == 8 ? 0 : block == 6 ? 1 : 2;
    // By the engine named, supported or not: each narrower engine's width divides the wider ones'.
    switch (engine) {
    case CK_ENGINE_AVX512: return 16 * (long[]){3, 4, 6}[vectors];
    case CK_ENGINE_AVX2_FMA: return 8 * (long[]){1, 2, 3}[vectors];
    default: return 4 * (long[]){1, 2, 3}[vectors];
    }
}

void ck_direct_forward(ck_engine engine, const float *in, const long *offsets, long k, const float *packed, long rows,
                       long block, long count, float *out, long ld) {
    switch (ck_direct_engine(engine)) {
#if defined(__x86_64__)
    case CK_ENGINE_AVX512: ck_direct_forward_avx512(in, offsets, k, packed, rows, block, count, out, ld); break;
    case CK_ENGINE_AVX2_FMA: ck_direct_forward_avx2(in, offsets, k, packed, rows, block, count, out, ld); break;
#endif
    default: ck_direct_forward_portable(in, offsets, k, packed, rows, block, count, out, ld); break;
    }
}

void ck_direct_weight_gradient(ck_engine engine, const float *in, long in_stride, const long *offsets, long k, const float *dy,
                               long dy_stride, long dy_ld, long rows, long block, long valid, long count, long images, long chunk,
                               float *dw, float *partial) {
    if (chunk < 16) chunk = 16;
    chunk -= chunk % 16;
    switch (ck_direct_engine(engine)) {
#if defined(__x86_64__)
    case CK_ENGINE_AVX512:
        ck_direct_weight_gradient_avx512(in, in_stride, offsets, k, dy, dy_stride, dy_ld, rows, block, valid, count, images, chunk, dw, partial);
        break;
    case CK_ENGINE_AVX2_FMA:
        ck_direct_weight_gradient_avx2(in, in_stride, offsets, k, dy, dy_stride, dy_ld, rows, block, valid, count, images, chunk, dw, partial);
        break;
#endif
    default:
        ck_direct_weight_gradient_portable(in, in_stride, offsets, k, dy, dy_stride, dy_ld, rows, block, valid, count, images, chunk, dw, partial);
        break;
    }
}

void ck_direct_store(const float *out, long ld, long width, long valid_width, long height, long channels, const float *bias,
                     float *y) {
    for (long c = 0; c < channels; c++) {
        const float b = bias ? bias[c] : 0.0f;
        const float *source = out + c * ld;
        float *target = y + c * height * valid_width;
        for (long r = 0; r < height; r++) {
            const float *restrict from = source + r * width;
            float *restrict to = target + r * valid_width;
            for (long x = 0; x < valid_width; x++) to[x] = from[x] + b;
        }
    }
}

long ck_direct_input_pitch(long width) { return (width + 15) / 16 * 16; }

void ck_direct_input_gradient(ck_engine engine, const float *dy, long pitch, long outputs, long oh, long ow, const float *w,
                              long channels, long kh, long kw, long height, long width, long pad_top, long pad_left, float *dx) {
    switch (ck_direct_engine(engine)) {
#if defined(__x86_64__)
    case CK_ENGINE_AVX512:
        ck_direct_input_gradient_avx512(dy, pitch, outputs, oh, ow, w, channels, kh, kw, height, width, pad_top, pad_left, dx);
        break;
    case CK_ENGINE_AVX2_FMA:
        ck_direct_input_gradient_avx2(dy, pitch, outputs, oh, ow, w, channels, kh, kw, height, width, pad_top, pad_left, dx);
        break;
#endif
    default:
        ck_direct_input_gradient_portable(dy, pitch, outputs, oh, ow, w, channels, kh, kw, height, width, pad_top, pad_left, dx);
        break;
    }
}
