// Depthwise convolution (groups = C, each output channel reading one input channel; C_out = m·C),
// forward and both gradients, plane by plane on a zero-padded copy of the input plane. See
// depthwise_body.h for the loops; this file instantiates them per engine (4 lanes portable, 8 for
// AVX2, 16 for AVX-512) and dispatches. Stride 1 runs on the flat padded plane (one long run per
// tap, the columns past each row computed and dropped: a 14-wide map fills 16-float vectors);
// other strides row by row. Results are identical on every engine.
#include "ConvKitKernelsC.h"

#include <stddef.h>
#include <stdint.h>

#pragma STDC FP_CONTRACT OFF

#define CK_INLINE static inline __attribute__((always_inline))

typedef float ck_dw_f4 __attribute__((ext_vector_type(4)));
#define CK_V ck_dw_f4
#define CK_LANES 4
#define CK_NAME(base) base##_portable
#define CK_ATTRIBUTE
#include "depthwise_body.h"
#undef CK_V
#undef CK_LANES
#undef CK_NAME
#undef CK_ATTRIBUTE

#if defined(__x86_64__)
typedef float ck_dw_f8 __attribute__((ext_vector_type(8)));
#define CK_V ck_dw_f8
#define CK_LANES 8
#define CK_NAME(base) base##_avx2
#define CK_ATTRIBUTE __attribute__((target("avx2,fma")))
#include "depthwise_body.h"
#undef CK_V
#undef CK_LANES
#undef CK_NAME
#undef CK_ATTRIBUTE

typedef float ck_dw_f16 __attribute__((ext_vector_type(16)));
#define CK_V ck_dw_f16
#define CK_LANES 16
#define CK_NAME(base) base##_avx512
#define CK_ATTRIBUTE __attribute__((target("avx512f,avx2,fma")))
#include "depthwise_body.h"
#undef CK_V
#undef CK_LANES
#undef CK_NAME
#undef CK_ATTRIBUTE
#endif

void ck_depthwise_pad(const float *x, long height, long width, long top, long left, long pitch, float *xpad) {
    for (long r = 0; r < height; r++) {
        __builtin_memcpy(xpad + (r + top) * pitch + left, x + r * width, (size_t)width * sizeof(float));
    }
}

void ck_depthwise_unpad(const float *xpad, long height, long width, long top, long left, long pitch, float *x) {
    for (long r = 0; r < height; r++) {
        __builtin_memcpy(x + r * width, xpad + (r + top) * pitch + left, (size_t)width * sizeof(float));
    }
}

#if defined(__x86_64__)
#define CK_DW_DISPATCH(name, ...)                                                                  \
    do {                                                                                          \
        if (engine == CK_ENGINE_AVX512) { name##_avx512(__VA_ARGS__); break; }                    \
        if (ck_engine_has_avx2(engine)) { name##_avx2(__VA_ARGS__); break; }                      \
        name##_portable(__VA_ARGS__);                                                             \
    } while (0)
#else
#define CK_DW_DISPATCH(name, ...) name##_portable(__VA_ARGS__)
#endif

void ck_depthwise_forward(ck_engine engine, const float *xpad, long pitch, const float *w, long kh, long kw, long sh, long sw,
                          long dh, long dw, long oh, long ow, float bias, float *scratch, float *y) {
    if (sh == 1 && sw == 1) {
        CK_DW_DISPATCH(ck_dw_forward_flat, xpad, pitch, w, kh, kw, dh, dw, oh, ow, bias, scratch, y);
    } else {
        CK_DW_DISPATCH(ck_dw_forward_plane, xpad, pitch, w, kh, kw, sh, sw, dh, dw, oh, ow, bias, y);
    }
}

void ck_depthwise_backward(ck_engine engine, const float *dy, const float *xpad, long pitch, const float *w, long kh, long kw,
                           long sh, long sw, long dh, long dw, long oh, long ow, float *scratch, float *dwgrad, float *db,
                           float *dxpad) {
    if (sh == 1 && sw == 1) {
        for (long oy = 0; oy < oh; oy++) {
            for (long ox = 0; ox < pitch; ox++) scratch[oy * pitch + ox] = ox < ow ? dy[oy * ow + ox] : 0.0f;
        }
        CK_DW_DISPATCH(ck_dw_weight_gradient_flat, scratch, xpad, pitch, kh, kw, dh, dw, oh, dwgrad, db);
        if (dxpad) CK_DW_DISPATCH(ck_dw_input_gradient_flat, scratch, pitch, w, kh, kw, dh, dw, oh, dxpad);
    } else {
        CK_DW_DISPATCH(ck_dw_weight_gradient_plane, dy, xpad, pitch, kh, kw, sh, sw, dh, dw, oh, ow, dwgrad, db);
        if (dxpad) CK_DW_DISPATCH(ck_dw_input_gradient_plane, dy, pitch, w, kh, kw, sh, sw, dh, dw, oh, ow, dxpad);
    }
}
