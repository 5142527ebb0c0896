// The direct-convolution kernels for one instruction set (internal to ConvKitKernelsC; see direct.c).
// The includer defines CK_V (a float ext_vector_type of CK_LANES lanes), CK_LANES, CK_NAME(base)
// (the names of this instantiation), CK_ATTRIBUTE (its target ISA), CK_FMA(a, b, c) (a·b + c lane
// by lane), and CK_VECTORS(rows) and CK_DEPTH(rows): the vectors per forward tile and the offsets per
// weight-gradient tile for a block of `rows` output channels (each at most CK_MAX_TILE, with
// rows · vectors accumulators fitting the ISA's registers).

/// out[r, v·L + l] = Σ_kk w[kk·ROWS + r] · in[offsets[kk] + v·L + l] for r < ROWS, v < V, l < L
/// (L = CK_LANES): a ROWS × V·L tile of the flat domain, summed over kk in order with CK_FMA.
CK_INLINE CK_ATTRIBUTE void CK_NAME(ck_direct_tile)(const int ROWS, const int V, const float *in, const long *offsets, long k,
                                                    const float *w, float *out, long ld) {
    CK_V acc[CK_MAX_ROWS * CK_MAX_TILE];
    _Pragma("clang loop unroll(full)")
    for (int i = 0; i < ROWS * V; i++) acc[i] = (CK_V)0.0f;
    for (long kk = 0; kk < k; kk++) {
        const float *src = in + offsets[kk];
        CK_V x[CK_MAX_TILE];
        _Pragma("clang loop unroll(full)")
        for (int v = 0; v < V; v++) __builtin_memcpy(&x[v], src + v * CK_LANES, sizeof(CK_V));
        const float *wk = w + kk * ROWS;
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < ROWS; r++) {
            const CK_V weight = (CK_V)wk[r];
            _Pragma("clang loop unroll(full)")
            for (int v = 0; v < V; v++) acc[r * V + v] = CK_FMA(weight, x[v], acc[r * V + v]);
        }
    }
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < ROWS; r++)
        _Pragma("clang loop unroll(full)")
        for (int v = 0; v < V; v++) __builtin_memcpy(out + r * ld + v * CK_LANES, &acc[r * V + v], sizeof(CK_V));
}

/// The forward pass over `rows` output rows (a multiple of `block`, one of 4, 6, 8) and the flat
/// positions 0 ..< count (a multiple of the tile width CK_VECTORS(block) · CK_LANES); see direct.c.
CK_ATTRIBUTE static void CK_NAME(ck_direct_forward)(const float *in, const long *offsets, long k, const float *packed, long rows,
                                                    long block, long count, float *out, long ld) {
    for (long r0 = 0; r0 < rows; r0 += block) {
        const float *w = packed + r0 * k;
        float *o = out + r0 * ld;
        switch (block) {
        case 8:
            for (long q = 0; q < count; q += CK_VECTORS(8) * CK_LANES)
                CK_NAME(ck_direct_tile)(8, CK_VECTORS(8), in + q, offsets, k, w, o + q, ld);
            break;
        case 6:
            for (long q = 0; q < count; q += CK_VECTORS(6) * CK_LANES)
                CK_NAME(ck_direct_tile)(6, CK_VECTORS(6), in + q, offsets, k, w, o + q, ld);
            break;
        default:
            for (long q = 0; q < count; q += CK_VECTORS(4) * CK_LANES)
                CK_NAME(ck_direct_tile)(4, CK_VECTORS(4), in + q, offsets, k, w, o + q, ld);
            break;
        }
    }
}

/// acc(r, e) += Σ_(b < images) Σ_(q0 ≤ q < q1) dy[b·dy_stride + r·dy_ld + q] · in[b·in_stride + offsets[e] + q]
/// for r < ROWS, e < DEPTH, with vectors over q (a multiple of CK_LANES apart), images in order, and
/// the accumulators acc(r, e) kept as whole vectors at partial + (r·k + e)·CK_LANES between calls.
CK_INLINE CK_ATTRIBUTE void CK_NAME(ck_direct_gradient_tile)(const int ROWS, const int DEPTH, const float *in, long in_stride,
                                                             const long *offsets, const float *dy, long dy_stride, long dy_ld,
                                                             long images, long q0, long q1, float *partial, long k) {
    CK_V acc[CK_MAX_ROWS * CK_MAX_TILE];
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < ROWS; r++) {
        _Pragma("clang loop unroll(full)")
        for (int e = 0; e < DEPTH; e++) __builtin_memcpy(&acc[r * DEPTH + e], partial + (r * k + e) * CK_LANES, sizeof(CK_V));
    }
    for (long b = 0; b < images; b++) {
        const float *x = in + b * in_stride, *d = dy + b * dy_stride;
        for (long q = q0; q < q1; q += CK_LANES) {
            CK_V xv[CK_MAX_TILE];
            _Pragma("clang loop unroll(full)")
            for (int e = 0; e < DEPTH; e++) __builtin_memcpy(&xv[e], x + offsets[e] + q, sizeof(CK_V));
            _Pragma("clang loop unroll(full)")
            for (int r = 0; r < ROWS; r++) {
                CK_V g;
                __builtin_memcpy(&g, d + r * dy_ld + q, sizeof(CK_V));
                _Pragma("clang loop unroll(full)")
                for (int e = 0; e < DEPTH; e++) acc[r * DEPTH + e] = CK_FMA(g, xv[e], acc[r * DEPTH + e]);
            }
        }
    }
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < ROWS; r++) {
        _Pragma("clang loop unroll(full)")
        for (int e = 0; e < DEPTH; e++) __builtin_memcpy(partial + (r * k + e) * CK_LANES, &acc[r * DEPTH + e], sizeof(CK_V));
    }
}

/// One block of ROWS dy rows over every offset, DEPTH offsets per tile and the last few one at a time.
CK_INLINE CK_ATTRIBUTE void CK_NAME(ck_direct_gradient_rows)(const int ROWS, const int DEPTH, const float *in, long in_stride,
                                                             const long *offsets, long k, const float *dy, long dy_stride,
                                                             long dy_ld, long images, long q0, long q1, float *partial) {
    long e = 0;
    for (; e + DEPTH <= k; e += DEPTH)
        CK_NAME(ck_direct_gradient_tile)(ROWS, DEPTH, in, in_stride, offsets + e, dy, dy_stride, dy_ld, images, q0, q1,
                                         partial + e * CK_LANES, k);
    for (; e < k; e++)
        CK_NAME(ck_direct_gradient_tile)(ROWS, 1, in, in_stride, offsets + e, dy, dy_stride, dy_ld, images, q0, q1,
                                         partial + e * CK_LANES, k);
}

/// The weight gradient of `images` images over `rows` dy rows (a multiple of `block`) of which
/// `valid` exist in dw; see direct.c. For each block of rows, the images' flat positions go in
/// chunks of `chunk` (a multiple of 16: the chunk's dy rows and inputs stay in L1 while every offset's tile
/// passes over them), the accumulators as vectors in `partial` (block·k·CK_LANES floats) between
/// tiles; their lanes are summed in lane order once at the end.
CK_ATTRIBUTE static void CK_NAME(ck_direct_weight_gradient)(const float *in, long in_stride, const long *offsets, long k,
                                                            const float *dy, long dy_stride, long dy_ld, long rows, long block,
                                                            long valid, long count, long images, long chunk, float *dw,
                                                            float *partial) {
    // Eight-row blocks on narrower registers (one offset per tile) run as two four-row blocks.
    if (block == 8 && CK_DEPTH(8) < 2) block = 4;
    for (long r0 = 0; r0 < rows && r0 < valid; r0 += block) {
        for (long i = 0; i < block * k * CK_LANES; i++) partial[i] = 0;
        // Images whose positions all fit in one chunk go several to a call (the accumulators stay in
        // registers across them); larger ones one at a time, in chunks. Either way every accumulator
        // takes the images, then the positions, in order.
        const long group = count <= chunk ? chunk / count : 1;
        for (long b = 0; b < images; b += group) {
            const long taken = images - b < group ? images - b : group;
            const float *x = in + b * in_stride;
            const float *d = dy + b * dy_stride + r0 * dy_ld;
            for (long q0 = 0; q0 < count; q0 += chunk) {
                const long q1 = q0 + chunk < count ? q0 + chunk : count;
                switch (block) {
                case 8:
                    CK_NAME(ck_direct_gradient_rows)(8, CK_DEPTH(8), x, in_stride, offsets, k, d, dy_stride, dy_ld, taken, q0, q1, partial);
                    break;
                case 6:
                    CK_NAME(ck_direct_gradient_rows)(6, CK_DEPTH(6), x, in_stride, offsets, k, d, dy_stride, dy_ld, taken, q0, q1, partial);
                    break;
                default:
                    CK_NAME(ck_direct_gradient_rows)(4, CK_DEPTH(4), x, in_stride, offsets, k, d, dy_stride, dy_ld, taken, q0, q1, partial);
                    break;
                }
            }
        }
        for (long r = 0; r < block && r0 + r < valid; r++) {
            for (long kk = 0; kk < k; kk++) {
                const float *lanes = partial + (r * k + kk) * CK_LANES;
                float total = 0;
                for (int l = 0; l < CK_LANES; l++) total += lanes[l];
                dw[(r0 + r) * k + kk] += total;
            }
        }
    }
}
