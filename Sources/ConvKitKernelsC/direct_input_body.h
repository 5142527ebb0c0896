// The direct-convolution input gradient for one instruction set (internal to ConvKitKernelsC; see
// ck_direct_input_gradient in direct.c). The includer defines what direct_body.h needs (CK_V,
// CK_LANES, CK_NAME, CK_ATTRIBUTE, CK_FMA) and CK_ADD_LANES(dst, t, from, to): dst[l] += t[l] for
// the lanes from ≤ l < to of the vector t, touching no other element of dst.

/// dx rows oy + r + y0 (r < ROWS), vector v of the valid columns [first, last), of input channel c
/// and kernel tap (i, j): dx[.., ox + x0] += Σ_o w[o·ostride] · dy[o, oy + r, ox], the sum over o
/// taken in order from zero with CK_FMA (as SGEMM sums dcol = Wᵀ·dY), then added once (as col2im
/// adds dcol).
CK_INLINE CK_ATTRIBUTE void CK_NAME(ck_direct_input_rows)(const int ROWS, const float *dy, long plane, long pitch, long outputs,
                                                          const float *w, long ostride, long v, long first, long last,
                                                          float *dx, long width) {
    CK_V t[8];
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < ROWS; r++) t[r] = (CK_V)0.0f;
    const float *d = dy + v * CK_LANES;
    for (long o = 0; o < outputs; o++, d += plane) {
        const CK_V weight = (CK_V)w[o * ostride];
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < ROWS; r++) {
            CK_V x;
            __builtin_memcpy(&x, d + r * pitch, sizeof(CK_V));
            t[r] = CK_FMA(weight, x, t[r]);
        }
    }
    const long base = v * CK_LANES;
    const long from = first > base ? first - base : 0;
    const long to = last - base < CK_LANES ? last - base : CK_LANES;
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < ROWS; r++) CK_ADD_LANES(dx + r * width + base, t[r], from, to);
}

/// dx (C × height × width, accumulated) += the input gradient of one image, from its output
/// gradient copied to `dy` (outputs × oh rows of `pitch` floats, zero past ow) and the weights
/// w (outputs × C × kh × kw); stride 1, undilated, ungrouped, padding (pad_top, pad_left).
CK_ATTRIBUTE static void CK_NAME(ck_direct_input_gradient)(const float *dy, long pitch, long outputs, long oh, long ow,
                                                           const float *w, long channels, long kh, long kw, long height,
                                                           long width, long pad_top, long pad_left, float *dx) {
    const long vectors = (ow + CK_LANES - 1) / CK_LANES;
    const long ostride = channels * kh * kw, plane = oh * pitch;
    for (long c = 0; c < channels; c++) {
        for (long i = 0; i < kh; i++) {
            const long y0 = i - pad_top;
            const long rowFirst = y0 < 0 ? -y0 : 0, rowLast = height - y0 < oh ? height - y0 : oh;
            for (long j = 0; j < kw; j++) {
                const long x0 = j - pad_left;
                const long first = x0 < 0 ? -x0 : 0, last = width - x0 < ow ? width - x0 : ow;
                if (first >= last || rowFirst >= rowLast) continue;
                const float *wt = w + (c * kh + i) * kw + j;
                float *dxc = dx + c * height * width + x0;
                long oy = rowFirst;
                for (; oy + 8 <= rowLast; oy += 8) {
                    for (long v = first / CK_LANES; v < vectors && v * CK_LANES < last; v++)
                        CK_NAME(ck_direct_input_rows)(8, dy + oy * pitch, plane, pitch, outputs, wt, ostride, v, first, last,
                                                      dxc + (oy + y0) * width, width);
                }
                for (; oy < rowLast; oy++) {
                    for (long v = first / CK_LANES; v < vectors && v * CK_LANES < last; v++)
                        CK_NAME(ck_direct_input_rows)(1, dy + oy * pitch, plane, pitch, outputs, wt, ostride, v, first, last,
                                                      dxc + (oy + y0) * width, width);
                }
            }
        }
    }
}
