// GELU, exact (erf) and tanh-approximated, forward and backward, on 8-float generic vectors.
//
// erf(a), a ≥ 0, is Abramowitz & Stegun 7.1.26: 1 − t(a1 + t(a2 + t(a3 + t(a4 + t a5))))·e^(−a²)
// with t = 1/(1 + p·a); its error is at most 1.5e-7 absolute, below float's spacing near 1, where
// GELU uses it (1 + erf). e^x is Cody–Waite: n = round(x·log2 e), r = x − n·ln 2 (two parts),
// e^r by its Taylor series to r^7 (|r| ≤ ln2/2: truncation below 3e-9 relative), times 2^n built in
// the exponent bits; x is clamped to [−87, 88] so 2^n stays a normal float. No fused operations
// (FP_CONTRACT OFF) and only IEEE +, −, ×, ÷ and bit operations: every ISA gives the same bits, so
// the AVX2 instantiation and the portable one agree exactly and results do not depend on the engine.
// A tail shorter than a vector goes through the same vector code from a zero-padded copy. The body
// (gelu_body.h) is written once on Clang's generic vectors and instantiated per engine: 4 lanes for
// the portable engine (SSE2 or NEON), 8 lanes compiled for AVX2; lanes are independent, so the
// width changes nothing but speed.
#include "ConvKitKernelsC.h"

#pragma STDC FP_CONTRACT OFF

#define CK_SQRT1_2 0.70710678118654752440f
/// 1/√(2π).
#define CK_INV_SQRT_2PI 0.39894228040143267794f
/// √(2/π).
#define CK_SQRT_2_PI 0.79788456080286535588f
#define CK_KAPPA 0.044715f

#define CK_INLINE static inline __attribute__((always_inline))
#define CK_SPLAT(v) ((CK_V)(v))

typedef float ck_f4 __attribute__((ext_vector_type(4)));
typedef int32_t ck_i4 __attribute__((ext_vector_type(4)));
#define CK_V ck_f4
#define CK_VI ck_i4
#define CK_LANES 4
#define CK_NAME(base) base##_portable
#define CK_ATTRIBUTE
#include "gelu_body.h"
#undef CK_V
#undef CK_VI
#undef CK_LANES
#undef CK_NAME
#undef CK_ATTRIBUTE

#if defined(__x86_64__)
typedef float ck_f8 __attribute__((ext_vector_type(8)));
typedef int32_t ck_i8 __attribute__((ext_vector_type(8)));
#define CK_V ck_f8
#define CK_VI ck_i8
#define CK_LANES 8
#define CK_NAME(base) base##_avx2
#define CK_ATTRIBUTE __attribute__((target("avx2,fma")))
#include "gelu_body.h"
#undef CK_V
#undef CK_VI
#undef CK_LANES
#undef CK_NAME
#undef CK_ATTRIBUTE
#endif

void ck_gelu_forward(ck_engine engine, const float *x, float *y, long count, bool tanh_approximation) {
#if defined(__x86_64__)
    if (ck_engine_has_avx2(engine)) {
        ck_gelu_forward_avx2(x, y, count, tanh_approximation);
        return;
    }
#endif
    (void)engine;
    ck_gelu_forward_portable(x, y, count, tanh_approximation);
}

void ck_gelu_backward(ck_engine engine, const float *x, const float *dy, float *dx, long count, bool tanh_approximation) {
#if defined(__x86_64__)
    if (ck_engine_has_avx2(engine)) {
        ck_gelu_backward_avx2(x, dy, dx, count, tanh_approximation);
        return;
    }
#endif
    (void)engine;
    ck_gelu_backward_portable(x, dy, dx, count, tanh_approximation);
}
