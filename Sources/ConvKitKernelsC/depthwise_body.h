// Depthwise convolution on one plane, written once on Clang's generic vectors of CK_LANES floats and
// instantiated per engine by depthwise.c (CK_V, CK_LANES, CK_NAME, CK_ATTRIBUTE). No fused
// operations (FP_CONTRACT OFF in depthwise.c): every output is the same sequence of IEEE products
// and sums on every engine. Reductions (weight and bias gradients) keep 16 partial sums, lane j
// taking the positions ≡ j (mod 16) of each row, whatever the vector width, then add them in a
// fixed tree: the bits do not depend on the engine either.

CK_INLINE CK_ATTRIBUTE CK_V CK_NAME(ck_dw_load)(const float *p) {
    CK_V v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

CK_INLINE CK_ATTRIBUTE void CK_NAME(ck_dw_store)(float *p, CK_V v) { __builtin_memcpy(p, &v, sizeof v); }

/// y (oh × ow) = Σ over taps (a, b) in order of w[a·kw + b] · xpad[(oy·sh + a·dh)·pitch + ox·sw + b·dw], then + bias.
CK_ATTRIBUTE static void CK_NAME(ck_dw_forward_plane)(const float *xpad, long pitch, const float *w, long kh, long kw, long sh,
                                                       long sw, long dh, long dw, long oh, long ow, float bias, float *y) {
    for (long oy = 0; oy < oh; oy++) {
        float *row = y + oy * ow;
        for (long ox = 0; ox < ow; ox++) row[ox] = 0;
        for (long a = 0; a < kh; a++) {
            const float *source = xpad + (oy * sh + a * dh) * pitch;
            for (long b = 0; b < kw; b++) {
                const float weight = w[a * kw + b];
                const float *in = source + b * dw;
                long ox = 0;
                if (sw == 1) {
                    const CK_V wv = (CK_V)(weight);
                    for (; ox + CK_LANES <= ow; ox += CK_LANES) {
                        CK_NAME(ck_dw_store)(row + ox, CK_NAME(ck_dw_load)(row + ox) + wv * CK_NAME(ck_dw_load)(in + ox));
                    }
                }
                for (; ox < ow; ox++) row[ox] = row[ox] + weight * in[ox * sw];
            }
        }
        for (long ox = 0; ox < ow; ox++) row[ox] = row[ox] + bias;
    }
}

/// Stride 1 on the flat padded plane: yflat[p] = Σ over taps (a, b) in order of
/// w[a·kw + b] · xpad[p + a·dh·pitch + b·dw] for p < oh·pitch (one long run per tap, whatever the
/// width; the pitch − ow columns past each row are computed and dropped), then each row's first ow
/// values plus bias go to y. xpad must hold (kw − 1)·dw floats of slack after its last row.
CK_ATTRIBUTE static void CK_NAME(ck_dw_forward_flat)(const float *xpad, long pitch, const float *w, long kh, long kw, long dh,
                                                      long dw, long oh, long ow, float bias, float *yflat, float *y) {
    const long count = oh * pitch;
    for (long p = 0; p < count; p++) yflat[p] = 0;
    for (long a = 0; a < kh; a++) {
        for (long b = 0; b < kw; b++) {
            const float weight = w[a * kw + b];
            const float *in = xpad + a * dh * pitch + b * dw;
            const CK_V wv = (CK_V)(weight);
            long p = 0;
            for (; p + CK_LANES <= count; p += CK_LANES) {
                CK_NAME(ck_dw_store)(yflat + p, CK_NAME(ck_dw_load)(yflat + p) + wv * CK_NAME(ck_dw_load)(in + p));
            }
            for (; p < count; p++) yflat[p] = yflat[p] + weight * in[p];
        }
    }
    for (long oy = 0; oy < oh; oy++) {
        for (long ox = 0; ox < ow; ox++) y[oy * ow + ox] = yflat[oy * pitch + ox] + bias;
    }
}

/// Stride 1 on the flat padded plane, the adjoint of ck_dw_forward_flat: dyflat holds dy with its
/// rows at the pitch and zeros in the pitch − ow columns after each; dxpad[p + a·dh·pitch + b·dw] +=
/// w[a·kw + b] · dyflat[p] over taps in order. dxpad needs the same slack as xpad.
CK_ATTRIBUTE static void CK_NAME(ck_dw_input_gradient_flat)(const float *dyflat, long pitch, const float *w, long kh, long kw,
                                                             long dh, long dw, long oh, float *dxpad) {
    const long count = oh * pitch;
    for (long a = 0; a < kh; a++) {
        for (long b = 0; b < kw; b++) {
            const float weight = w[a * kw + b];
            float *out = dxpad + a * dh * pitch + b * dw;
            const CK_V wv = (CK_V)(weight);
            long p = 0;
            for (; p + CK_LANES <= count; p += CK_LANES) {
                CK_NAME(ck_dw_store)(out + p, CK_NAME(ck_dw_load)(out + p) + wv * CK_NAME(ck_dw_load)(dyflat + p));
            }
            for (; p < count; p++) out[p] = out[p] + weight * dyflat[p];
        }
    }
}

/// dxpad (padded plane, pitch wide) += for every output (oy, ox) and tap (a, b) in order:
/// w[a·kw + b] · dy[oy·ow + ox] at (oy·sh + a·dh, ox·sw + b·dw).
CK_ATTRIBUTE static void CK_NAME(ck_dw_input_gradient_plane)(const float *dy, long pitch, const float *w, long kh, long kw, long sh,
                                                              long sw, long dh, long dw, long oh, long ow, float *dxpad) {
    for (long oy = 0; oy < oh; oy++) {
        const float *g = dy + oy * ow;
        for (long a = 0; a < kh; a++) {
            float *target = dxpad + (oy * sh + a * dh) * pitch;
            for (long b = 0; b < kw; b++) {
                const float weight = w[a * kw + b];
                float *out = target + b * dw;
                long ox = 0;
                if (sw == 1) {
                    const CK_V wv = (CK_V)(weight);
                    for (; ox + CK_LANES <= ow; ox += CK_LANES) {
                        CK_NAME(ck_dw_store)(out + ox, CK_NAME(ck_dw_load)(out + ox) + wv * CK_NAME(ck_dw_load)(g + ox));
                    }
                }
                for (; ox < ow; ox++) out[ox * sw] = out[ox * sw] + weight * g[ox];
            }
        }
    }
}

/// The sum of 16 partial sums in a fixed tree (pairs, then pairs of pairs, …).
CK_INLINE float CK_NAME(ck_dw_total)(const float *partial) {
    float t8[8], t4[4];
    for (int i = 0; i < 8; i++) t8[i] = partial[i] + partial[i + 8];
    for (int i = 0; i < 4; i++) t4[i] = t8[i] + t8[i + 4];
    return (t4[0] + t4[2]) + (t4[1] + t4[3]);
}

/// dw[a·kw + b] += Σ over outputs of dy[oy·ow + ox] · xpad[(oy·sh + a·dh)·pitch + ox·sw + b·dw], and
/// *db += Σ dy when db is not NULL; each sum in 16 partial sums (file header), rows in order.
CK_ATTRIBUTE static void CK_NAME(ck_dw_weight_gradient_plane)(const float *dy, const float *xpad, long pitch, long kh, long kw,
                                                               long sh, long sw, long dh, long dw, long oh, long ow, float *dwgrad,
                                                               float *db) {
    enum { GROUPS = 16 / CK_LANES };
    const long whole = ow / 16 * 16;
    for (long tap = -1; tap < kh * kw; tap++) {
        if (tap < 0 && !db) continue;
        const long a = tap < 0 ? 0 : tap / kw, b = tap < 0 ? 0 : tap % kw;
        CK_V acc[GROUPS];
        for (int j = 0; j < GROUPS; j++) acc[j] = (CK_V)(0.0f);
        float tail[16] = {0};
        for (long oy = 0; oy < oh; oy++) {
            const float *g = dy + oy * ow;
            const float *in = xpad + (oy * sh + a * dh) * pitch + b * dw;
            long ox = 0;
            if (tap < 0) {
                for (; ox < whole; ox += 16) {
                    for (int j = 0; j < GROUPS; j++) acc[j] = acc[j] + CK_NAME(ck_dw_load)(g + ox + j * CK_LANES);
                }
                for (; ox < ow; ox++) tail[ox - whole] = tail[ox - whole] + g[ox];
            } else if (sw == 1) {
                for (; ox < whole; ox += 16) {
                    for (int j = 0; j < GROUPS; j++) {
                        acc[j] = acc[j] + CK_NAME(ck_dw_load)(g + ox + j * CK_LANES) * CK_NAME(ck_dw_load)(in + ox + j * CK_LANES);
                    }
                }
                for (; ox < ow; ox++) tail[ox - whole] = tail[ox - whole] + g[ox] * in[ox];
            } else {
                float lanes[16];
                for (; ox < whole; ox += 16) {
                    for (int j = 0; j < 16; j++) lanes[j] = g[ox + j] * in[(ox + j) * sw];
                    for (int j = 0; j < GROUPS; j++) acc[j] = acc[j] + CK_NAME(ck_dw_load)(lanes + j * CK_LANES);
                }
                for (; ox < ow; ox++) tail[ox - whole] = tail[ox - whole] + g[ox] * in[ox * sw];
            }
        }
        float partial[16];
        for (int j = 0; j < GROUPS; j++) CK_NAME(ck_dw_store)(partial + j * CK_LANES, acc[j]);
        float total = CK_NAME(ck_dw_total)(partial) + CK_NAME(ck_dw_total)(tail);
        if (tap < 0) *db = *db + total; else dwgrad[tap] = dwgrad[tap] + total;
    }
}

/// Stride 1 on the flat padded plane: dwgrad[a·kw + b] += Σ_{p < oh·pitch} dyflat[p]·xpad[p + a·dh·pitch + b·dw]
/// and *db += Σ dyflat (db may be NULL), in 16 partial sums as the other reductions (dyflat's zero
/// columns add +0).
CK_ATTRIBUTE static void CK_NAME(ck_dw_weight_gradient_flat)(const float *dyflat, const float *xpad, long pitch, long kh, long kw,
                                                              long dh, long dw, long oh, float *dwgrad, float *db) {
    enum { GROUPS = 16 / CK_LANES };
    const long count = oh * pitch, whole = count / 16 * 16;
    for (long tap = -1; tap < kh * kw; tap++) {
        if (tap < 0 && !db) continue;
        const float *in = tap < 0 ? 0 : xpad + (tap / kw) * dh * pitch + (tap % kw) * dw;
        CK_V acc[GROUPS];
        for (int j = 0; j < GROUPS; j++) acc[j] = (CK_V)(0.0f);
        float tail[16] = {0};
        long p = 0;
        if (tap < 0) {
            for (; p < whole; p += 16) {
                for (int j = 0; j < GROUPS; j++) acc[j] = acc[j] + CK_NAME(ck_dw_load)(dyflat + p + j * CK_LANES);
            }
            for (; p < count; p++) tail[p - whole] = tail[p - whole] + dyflat[p];
        } else {
            for (; p < whole; p += 16) {
                for (int j = 0; j < GROUPS; j++) {
                    acc[j] = acc[j] + CK_NAME(ck_dw_load)(dyflat + p + j * CK_LANES) * CK_NAME(ck_dw_load)(in + p + j * CK_LANES);
                }
            }
            for (; p < count; p++) tail[p - whole] = tail[p - whole] + dyflat[p] * in[p];
        }
        float partial[16];
        for (int j = 0; j < GROUPS; j++) CK_NAME(ck_dw_store)(partial + j * CK_LANES, acc[j]);
        const float total = CK_NAME(ck_dw_total)(partial) + CK_NAME(ck_dw_total)(tail);
        if (tap < 0) *db = *db + total; else dwgrad[tap] = dwgrad[tap] + total;
    }
}
