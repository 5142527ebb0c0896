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
#include "direct_body.h"
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
#include "direct_body.h"
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
#include "direct_body.h"
#undef CK_V
#undef CK_LANES
#undef CK_NAME
#undef CK_ATTRIBUTE
#undef CK_VECTORS
#undef CK_DEPTH
#endif

#if defined(__x86_64__)
/// ck_direct_input_gradient on AVX-512 for dx rows of at most 16 floats (width ≤ 16, ow ≤ 16):
/// per input channel c, kernel row i and block of up to 4 output rows, the dx rows stay in
/// registers while the taps j, up to 5 at a time (each dy vector loaded once for all of them: 20
/// sums in registers), add their sums, moved to their columns by a lane permutation (zero in the
/// lanes a tap does not reach); the rows are stored once. Adding into dx in place tap after tap
/// made each tap's loads wait for the previous tap's overlapping stores (the kernel took 35 % of a
/// one-thread LeNet-5 step at batch 64, against 24 % for SGEMM and col2im; now 14 %). Per element
/// the terms and their order are col2im's (i, then j); a lane a tap does not reach gets +0 added,
/// which leaves every value but −0 as it is (dx here starts at +0, and a sum that starts at +0
/// never becomes −0).
static inline __attribute__((always_inline, target("avx512f,avx2,fma"))) void ck_direct_input_rows_narrow(
    const int ROWS, const int TAPS, const float *dy, long plane, long pitch, long outputs, long ow, const float *w, long ostride,
    long j0, long width, long pad_left, __m512 *acc) {
    // The sums of taps j0 ..< j0 + TAPS for ROWS rows: each dy vector loaded once for all taps.
    __m512 t[4 * 5];
    _Pragma("clang loop unroll(full)")
    for (int q = 0; q < ROWS * TAPS; q++) t[q] = _mm512_setzero_ps();
    const float *d = dy;
    const float *wo = w + j0;
    for (long o = 0; o < outputs; o++, d += plane, wo += ostride) {
        __m512 x[4];
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < ROWS; r++) x[r] = _mm512_loadu_ps(d + r * pitch);
        _Pragma("clang loop unroll(full)")
        for (int tap = 0; tap < TAPS; tap++) {
            const __m512 weight = _mm512_set1_ps(wo[tap]);
            _Pragma("clang loop unroll(full)")
            for (int r = 0; r < ROWS; r++) t[tap * ROWS + r] = _mm512_fmadd_ps(weight, x[r], t[tap * ROWS + r]);
        }
    }
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    _Pragma("clang loop unroll(full)")
    for (int tap = 0; tap < TAPS; tap++) {
        const long x0 = j0 + tap - pad_left;
        const long first = x0 < 0 ? -x0 : 0, last = width - x0 < ow ? width - x0 : ow;
        // Lane x of a dx row takes lane x − x0 of the sums, where first ≤ x − x0 < last (none when first ≥ last).
        const __m512i source = _mm512_sub_epi32(lane, _mm512_set1_epi32((int)x0));
        const __mmask16 reached = _mm512_cmpge_epi32_mask(source, _mm512_set1_epi32((int)first)) &
                                  _mm512_cmplt_epi32_mask(source, _mm512_set1_epi32((int)last));
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < ROWS; r++) acc[r] = _mm512_add_ps(acc[r], _mm512_maskz_permutexvar_ps(reached, source, t[tap * ROWS + r]));
    }
}

__attribute__((target("avx512f,avx2,fma"))) static void ck_direct_input_gradient_narrow(
    const float *dy, long pitch, long outputs, long oh, long ow, const float *w, long channels, long kh, long kw, long height,
    long width, long pad_top, long pad_left, float *dx) {
    const long ostride = channels * kh * kw, plane = oh * pitch;
    const __mmask16 row_mask = (__mmask16)((1u << width) - 1u);
    for (long c = 0; c < channels; c++) {
        for (long i = 0; i < kh; i++) {
            const long y0 = i - pad_top;
            const long rowFirst = y0 < 0 ? -y0 : 0, rowLast = height - y0 < oh ? height - y0 : oh;
            if (rowFirst >= rowLast) continue;
            const float *wt = w + (c * kh + i) * kw;
            // Rows in blocks of at most 4, taps in groups of at most 5: 4 × 5 sums in registers.
            const long total = rowLast - rowFirst, blocks = (total + 3) / 4;
            for (long b = 0; b < blocks; b++) {
                const long oy = rowFirst + total * b / blocks, rows = rowFirst + total * (b + 1) / blocks - oy;
                const float *d = dy + oy * pitch;
                float *target = dx + (c * height + oy + y0) * width;
                __m512 acc[4];
                for (long r = 0; r < rows; r++) acc[r] = _mm512_maskz_loadu_ps(row_mask, target + r * width);
                for (long j0 = 0; j0 < kw; j0 += 5) {
                    const long taps = kw - j0 < 5 ? kw - j0 : 5;
#define CK_NARROW_CASE(R, T) \
    case (R) * 8 + (T): ck_direct_input_rows_narrow(R, T, d, plane, pitch, outputs, ow, wt, ostride, j0, width, pad_left, acc); break;
#define CK_NARROW_ROWS(R) CK_NARROW_CASE(R, 1) CK_NARROW_CASE(R, 2) CK_NARROW_CASE(R, 3) CK_NARROW_CASE(R, 4) CK_NARROW_CASE(R, 5)
                    switch (rows * 8 + taps) {
                        CK_NARROW_ROWS(1) CK_NARROW_ROWS(2) CK_NARROW_ROWS(3) CK_NARROW_ROWS(4)
                    default: break;
                    }
#undef CK_NARROW_ROWS
#undef CK_NARROW_CASE
                }
                for (long r = 0; r < rows; r++) _mm512_mask_storeu_ps(target + r * width, row_mask, acc[r]);
            }
        }
    }
}
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
                     bool relu, float *y) {
    for (long c = 0; c < channels; c++) {
        const float b = bias ? bias[c] : 0.0f;
        const float *source = out + c * ld;
        float *target = y + c * height * valid_width;
        for (long r = 0; r < height; r++) {
            const float *restrict from = source + r * width;
            float *restrict to = target + r * valid_width;
            if (relu) {
                // As reluForward: NaN and −0 give +0.
                for (long x = 0; x < valid_width; x++) {
                    const float v = from[x] + b;
                    to[x] = v > 0 ? v : 0.0f;
                }
            } else {
                for (long x = 0; x < valid_width; x++) to[x] = from[x] + b;
            }
        }
    }
}

long ck_direct_input_pitch(long width) { return (width + 15) / 16 * 16; }

bool ck_direct_input_gradient_applies(ck_engine engine, long width, long ow) {
#if defined(__x86_64__)
    return ck_direct_engine(engine) == CK_ENGINE_AVX512 && width <= 16 && ow <= 16;
#else
    (void)engine, (void)width, (void)ow;
    return false;
#endif
}

void ck_direct_input_gradient(ck_engine engine, const float *dy, long pitch, long outputs, long oh, long ow, const float *w,
                              long channels, long kh, long kw, long height, long width, long pad_top, long pad_left, float *dx) {
#if defined(__x86_64__)
    if (ck_direct_input_gradient_applies(engine, width, ow))
        ck_direct_input_gradient_narrow(dy, pitch, outputs, oh, ow, w, channels, kh, kw, height, width, pad_top, pad_left, dx);
#else
    (void)engine, (void)dy, (void)pitch, (void)outputs, (void)oh, (void)ow, (void)w, (void)channels, (void)kh, (void)kw;
    (void)height, (void)width, (void)pad_top, (void)pad_left, (void)dx;
#endif
}
