// What the Winograd tile-transform files share before their bodies (internal to ConvKitKernelsC;
// included by winograd.c and winograd4.c): no fused operations, so every engine gives the same bits;
// the 8-float generic vector a transform runs on (one tile per lane), passed only between
// always-inline helpers, never across a call boundary; its unaligned load and store.
#include <string.h>

#pragma STDC FP_CONTRACT OFF
#pragma clang diagnostic ignored "-Wpsabi"

#define CK_INLINE static inline __attribute__((always_inline))

typedef float ck_v8 __attribute__((ext_vector_type(8)));

CK_INLINE ck_v8 load8(const float *p) {
    ck_v8 v;
    memcpy(&v, p, sizeof v);
    return v;
}

CK_INLINE void store8(float *p, ck_v8 v) { memcpy(p, &v, sizeof v); }
