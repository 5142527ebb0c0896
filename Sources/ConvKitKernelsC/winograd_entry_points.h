// The engine variants and entry points of a Winograd tile-transform file (internal to
// ConvKitKernelsC; included by winograd.c and winograd4.c after their bodies). The includer defines
// the four bodies input_body, input_backward_body, output_body and output_backward_body, a
// `static float *scratch_for(const ck_window *g)` returning the thread's scratch (never NULL), and
// CK_WINOGRAD_NAME(base), the public name of each entry point (ck_winograd_##base, …).

/// Each transform compiled for the baseline ISA and for AVX2 (the same operations: the same bits).
#define CK_VARIANTS(body, params, args)                                   \
    static void body##_portable params { body args; }                       \
    CK_AVX2_ONLY(__attribute__((target("avx2"))) static void body##_avx2 params { body args; })

#if defined(__x86_64__)
#define CK_AVX2_ONLY(...) __VA_ARGS__
#define CK_DISPATCH(body, args) \
    if (ck_engine_has_avx2(ck_best_engine())) body##_avx2 args; else body##_portable args
#else
#define CK_AVX2_ONLY(...)
#define CK_DISPATCH(body, args) body##_portable args
#endif

CK_VARIANTS(input_body, (const float *x, const ck_window *g, float *v, long ld, long plane, float *scratch),
            (x, g, v, ld, plane, scratch))
CK_VARIANTS(input_backward_body, (const float *dv, const ck_window *g, float *dx, long ld, long plane, float *scratch),
            (dv, g, dx, ld, plane, scratch))
CK_VARIANTS(output_body, (const float *m, const ck_window *g, long outputs, float *y, long ld, long plane, float *scratch),
            (m, g, outputs, y, ld, plane, scratch))
CK_VARIANTS(output_backward_body, (const float *dy, const ck_window *g, long outputs, float *dm, long ld, long plane, float *scratch),
            (dy, g, outputs, dm, ld, plane, scratch))

void CK_WINOGRAD_NAME(input)(const float *x, const ck_window *g, float *v, long ld, long plane) {
    float *scratch = scratch_for(g);
    CK_DISPATCH(input_body, (x, g, v, ld, plane, scratch));
}

void CK_WINOGRAD_NAME(input_backward)(const float *dv, const ck_window *g, float *dx, long ld, long plane) {
    float *scratch = scratch_for(g);
    CK_DISPATCH(input_backward_body, (dv, g, dx, ld, plane, scratch));
}

void CK_WINOGRAD_NAME(output)(const float *m, const ck_window *g, long outputs, float *y, long ld, long plane) {
    float *scratch = scratch_for(g);
    CK_DISPATCH(output_body, (m, g, outputs, y, ld, plane, scratch));
}

void CK_WINOGRAD_NAME(output_backward)(const float *dy, const ck_window *g, long outputs, float *dm, long ld, long plane) {
    float *scratch = scratch_for(g);
    CK_DISPATCH(output_backward_body, (dy, g, outputs, dm, ld, plane, scratch));
}
