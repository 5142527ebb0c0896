// The loops of im2col and col2im, included by unfold.c once per engine with CK_COPY / CK_ADD
// (the run primitives), CK_TARGET (the function attribute) and CK_SUFFIX (the name) defined.
// Column-matrix rows are `ldcol` floats apart (oh·ow for one image; more when several images'
// columns sit side by side): `skip` = ldcol − oh·ow is added after each row.

/// Stride 1 without padding: every column-matrix row is `oh` runs of `ow` consecutive inputs.
static CK_TARGET void CK_SUFFIX(ck_im2col_unit)(const float *x, long channels, long height, long width, long kh, long kw,
                                                long dh, long dw, long oh, long ow, float *col, long skip) {
    for (long c = 0; c < channels; c++)
        for (long i = 0; i < kh; i++)
            for (long j = 0; j < kw; j++, col += skip) {
                const float *src = x + (c * height + i * dh) * width + j * dw;
                for (long oy = 0; oy < oh; oy++, src += width, col += ow) CK_COPY(src, col, ow);
            }
}

/// Any geometry, row by row (the unit-stride cases go through ck_im2col_unit, see ck_im2col).
static CK_TARGET void CK_SUFFIX(ck_im2col_general)(const float *x, const ck_window *g, float *col, long skip) {
    const long height = g->height, width = g->width, oh = g->output_height, ow = g->output_width;
    const long sh = g->stride_height, sw = g->stride_width;
    for (long c = 0; c < g->channels; c++) {
        const float *xc = x + c * height * width;
        for (long i = 0; i < g->kernel_height; i++) {
            for (long j = 0; j < g->kernel_width; j++, col += skip) {
                const long dy = i * g->dilation_height - g->pad_top, dx = j * g->dilation_width - g->pad_left;
                long first = 0, last = 0;
                if (sw == 1) ck_run(dx, width, ow, &first, &last);
                for (long oy = 0; oy < oh; oy++, col += ow) {
                    const long y = oy * sh + dy;
                    if (y < 0 || y >= height) {
                        for (long t = 0; t < ow; t++) col[t] = 0;
                        continue;
                    }
                    const float *src = xc + y * width;
                    if (sw == 1) {
                        for (long t = 0; t < first; t++) col[t] = 0;
                        CK_COPY(src + first + dx, col + first, last - first);
                        for (long t = last; t < ow; t++) col[t] = 0;
                    } else {
                        for (long ox = 0; ox < ow; ox++) {
                            const long xx = ox * sw + dx;
                            col[ox] = (xx >= 0 && xx < width) ? src[xx] : 0;
                        }
                    }
                }
            }
        }
    }
}

/// im2col: stride 1 runs as ck_im2col_unit, on a zero-padded copy of the image when there is padding
/// (kept in the thread's workspace, which is free until the GEMM that reads col packs its panels);
/// every other geometry row by row.
static CK_TARGET void CK_SUFFIX(ck_im2col)(const float *x, const ck_window *g, float *col, long ldcol) {
    const long kh = g->kernel_height, kw = g->kernel_width, dh = g->dilation_height, dw = g->dilation_width;
    const long oh = g->output_height, ow = g->output_width;
    const long skip = ldcol - oh * ow;
    if (g->stride_height != 1 || g->stride_width != 1) {
        CK_SUFFIX(ck_im2col_general)(x, g, col, skip);
        return;
    }
    if (g->pad_top == 0 && g->pad_left == 0) {
        CK_SUFFIX(ck_im2col_unit)(x, g->channels, g->height, g->width, kh, kw, dh, dw, oh, ow, col, skip);
        return;
    }
    // The rows and columns the windows reach: padded (c, yy, xx) = x[c, yy - pad_top, xx - pad_left], 0 outside.
    const long hp = oh + (kh - 1) * dh, wp = ow + (kw - 1) * dw;
    float *padded = ck_workspace((size_t)(g->channels * hp * wp));
    if (padded == NULL) {
        CK_SUFFIX(ck_im2col_general)(x, g, col, skip);
        return;
    }
    long first = 0, last = 0;
    ck_run(-g->pad_left, g->width, wp, &first, &last);
    float *row = padded;
    for (long c = 0; c < g->channels; c++) {
        const float *xc = x + c * g->height * g->width;
        for (long yy = 0; yy < hp; yy++, row += wp) {
            const long y = yy - g->pad_top;
            if (y < 0 || y >= g->height) {
                for (long t = 0; t < wp; t++) row[t] = 0;
                continue;
            }
            for (long t = 0; t < first; t++) row[t] = 0;
            CK_COPY(xc + y * g->width + first - g->pad_left, row + first, last - first);
            for (long t = last; t < wp; t++) row[t] = 0;
        }
    }
    CK_SUFFIX(ck_im2col_unit)(padded, g->channels, hp, wp, kh, kw, dh, dw, oh, ow, col, skip);
}

static CK_TARGET void CK_SUFFIX(ck_col2im)(const float *col, const ck_window *g, float *x, long ldcol) {
    const long height = g->height, width = g->width, oh = g->output_height, ow = g->output_width;
    const long skip = ldcol - oh * ow;
    const long sh = g->stride_height, sw = g->stride_width;
    for (long c = 0; c < g->channels; c++) {
        float *xc = x + c * height * width;
        for (long i = 0; i < g->kernel_height; i++) {
            for (long j = 0; j < g->kernel_width; j++, col += skip) {
                const long dy = i * g->dilation_height - g->pad_top, dx = j * g->dilation_width - g->pad_left;
                long first = 0, last = 0;
                if (sw == 1) ck_run(dx, width, ow, &first, &last);
                for (long oy = 0; oy < oh; oy++, col += ow) {
                    const long y = oy * sh + dy;
                    if (y < 0 || y >= height) continue;
                    float *dst = xc + y * width;
                    if (sw == 1) {
                        CK_ADD(col + first, dst + first + dx, last - first);
                    } else {
                        for (long ox = 0; ox < ow; ox++) {
                            const long xx = ox * sw + dx;
                            if (xx >= 0 && xx < width) dst[xx] += col[ox];
                        }
                    }
                }
            }
        }
    }
}
