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
__attribute__((target("avx2,fma"))) static void ck_maxpool2x2_avx2(const float *x, long width, long oh, long ow, float *y,
                                                                   int32_t *argmax) {
    CK_MAXPOOL_BODY
}
#endif

static void ck_maxpool2x2_portable(const float *x, long width, long oh, long ow, float *y, int32_t *argmax) {
    CK_MAXPOOL_BODY
}

void ck_maxpool2x2(const float *x, long width, long oh, long ow, float *y, int32_t *argmax) {
#if defined(__x86_64__)
    if (ck_best_engine() == CK_ENGINE_AVX2_FMA) {
        ck_maxpool2x2_avx2(x, width, oh, ow, y, argmax);
        return;
    }
#endif
    ck_maxpool2x2_portable(x, width, oh, ow, y, argmax);
}
