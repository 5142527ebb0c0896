// Winograd F(4×4, 3×3) transforms (Lavin & Gray 2015): each 4×4 block of outputs of a 3×3,
// stride-1 correlation from a 6×6 input tile with 36 multiplies instead of 144,
//   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A,
// with the interpolation points 0, ±1, ±2 and ∞:
//   Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1],
//   G  = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1/24 1/12 ⅙; 1/24 −1/12 ⅙; 0 0 1],
//   Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1].
// The 36 transform-domain positions ξ = 6i + j are 36 matrix products over the channels (the
// caller's SGEMMs), laid out as for F(2×2, 3×3) (winograd.c): plane ξ `plane` floats after plane 0,
// channel rows `ld` apart, an image's tiles consecutive columns, row-major over its ⌈oh/4⌉ × ⌈ow/4⌉
// grid. The backward passes are the transposes of the same maps: dM = A dY Aᵀ, dW = Gᵀ dU G,
// dx += B dV Bᵀ per input tile (tiles overlap by two rows and columns; they add in tile order).
//
// Eight tiles go through the transforms at once, one per lane of an 8-float vector: eight of a tile
// row, or, when a row has 1, 2 or 4 tiles, 8 / that many whole tile rows (so that the 3×3, 7×7 and
// 15×15 maps of small networks fill the lanes). A lane's tile window is read from a zero-padded plane
// a row at a time (8 floats per lane, transposed to one vector per column), and its outputs
// written back the same way, through per-lane offsets. Lanes past the image's last tile
// read the plane's slack and write the next tile columns (written again, with their own values, when
// their turn comes) or the rows' slack: the images of a block are transformed in order, and rows
// need 8 floats of slack past the last image's tiles. The input gradient adds only real tiles'
// lanes. The constants ¼, ⅙, 1/12 and 1/24 are rounded to float, so unlike F(2×2, 3×3) this
// transform is not exact on integers: its outputs sit within a few 10⁻⁶ of the largest output (the
// kernel tests bound it). No fused operations (FP_CONTRACT OFF): the same bits on every engine.
#include "ConvKitKernelsC.h"
#include "gemm_driver.h"

#include <stdlib.h>

#include "winograd_vectors.h"

// MARK: - Filter transforms (scalar: once per pass)

void ck_winograd4_filter(const float *w, long count, long plane, float *u) {
    for (long p = 0; p < count; p++) {
        const float *g = w + 9 * p;
        float t[18];  // G g: 6 × 3
        for (int j = 0; j < 3; j++) {
            const float g0 = g[j], g1 = g[3 + j], g2 = g[6 + j];
            t[j] = g0 * 0.25f;
            t[3 + j] = (g0 + g1 + g2) * (-1.0f / 6.0f);
            t[6 + j] = (g0 - g1 + g2) * (-1.0f / 6.0f);
            t[9 + j] = g0 * (1.0f / 24.0f) + g1 * (1.0f / 12.0f) + g2 * (1.0f / 6.0f);
            t[12 + j] = g0 * (1.0f / 24.0f) - g1 * (1.0f / 12.0f) + g2 * (1.0f / 6.0f);
            t[15 + j] = g2;
        }
        for (int i = 0; i < 6; i++) {
            const float r0 = t[3 * i], r1 = t[3 * i + 1], r2 = t[3 * i + 2];
            float *row = u + (6 * i) * plane + p;
            row[0 * plane] = r0 * 0.25f;
            row[1 * plane] = (r0 + r1 + r2) * (-1.0f / 6.0f);
            row[2 * plane] = (r0 - r1 + r2) * (-1.0f / 6.0f);
            row[3 * plane] = r0 * (1.0f / 24.0f) + r1 * (1.0f / 12.0f) + r2 * (1.0f / 6.0f);
            row[4 * plane] = r0 * (1.0f / 24.0f) - r1 * (1.0f / 12.0f) + r2 * (1.0f / 6.0f);
            row[5 * plane] = r2;
        }
    }
}

/// Gᵀ u for one column of six: the adjoint of the filter transform's G·g.
CK_INLINE void filter_adjoint(const float u[6], float out[3]) {
    out[0] = u[0] * 0.25f - (u[1] + u[2]) * (1.0f / 6.0f) + (u[3] + u[4]) * (1.0f / 24.0f);
    out[1] = (u[2] - u[1]) * (1.0f / 6.0f) + (u[3] - u[4]) * (1.0f / 12.0f);
    out[2] = (u[3] + u[4] - u[1] - u[2]) * (1.0f / 6.0f) + u[5];
}

void ck_winograd4_filter_backward(const float *du, long count, long plane, float *dw) {
    for (long p = 0; p < count; p++) {
        float t[18];  // du G: 6 × 3, row i = Gᵀ applied to row i of du
        for (int i = 0; i < 6; i++) {
            float row[6];
            for (int j = 0; j < 6; j++) row[j] = du[(6 * i + j) * plane + p];
            filter_adjoint(row, t + 3 * i);
        }
        float *g = dw + 9 * p;
        for (int j = 0; j < 3; j++) {
            const float column[6] = {t[j], t[3 + j], t[6 + j], t[9 + j], t[12 + j], t[15 + j]};
            float out[3];
            filter_adjoint(column, out);
            g[j] += out[0];
            g[3 + j] += out[1];
            g[6 + j] += out[2];
        }
    }
}

// MARK: - One-dimensional transforms on 8 lanes

/// c[k][l] = r[l][k]: the 8×8 transpose (unpack, then 2-float and 4-float blends).
CK_INLINE void transpose8(const ck_v8 r[8], ck_v8 c[8]) {
    ck_v8 t[8], s[8];
    for (int p = 0; p < 4; p++) {
        t[2 * p] = __builtin_shufflevector(r[2 * p], r[2 * p + 1], 0, 8, 1, 9, 4, 12, 5, 13);
        t[2 * p + 1] = __builtin_shufflevector(r[2 * p], r[2 * p + 1], 2, 10, 3, 11, 6, 14, 7, 15);
    }
    for (int h = 0; h < 2; h++) {
        const ck_v8 *u = t + 4 * h;
        s[4 * h + 0] = __builtin_shufflevector(u[0], u[2], 0, 1, 8, 9, 4, 5, 12, 13);
        s[4 * h + 1] = __builtin_shufflevector(u[0], u[2], 2, 3, 10, 11, 6, 7, 14, 15);
        s[4 * h + 2] = __builtin_shufflevector(u[1], u[3], 0, 1, 8, 9, 4, 5, 12, 13);
        s[4 * h + 3] = __builtin_shufflevector(u[1], u[3], 2, 3, 10, 11, 6, 7, 14, 15);
    }
    for (int k = 0; k < 4; k++) {
        c[k] = __builtin_shufflevector(s[k], s[4 + k], 0, 1, 2, 3, 8, 9, 10, 11);
        c[4 + k] = __builtin_shufflevector(s[k], s[4 + k], 4, 5, 6, 7, 12, 13, 14, 15);
    }
}

/// Row `row` of every lane's window as columns: c[j] holds element j of each lane's row, for
/// j < 8 (each lane reads 8 floats from its offset: planes carry 8 floats of slack).
CK_INLINE void lane_rows(const float *p, const long offsets[8], ck_v8 c[8]) {
    ck_v8 r[8];
    for (int l = 0; l < 8; l++) r[l] = load8(p + offsets[l]);
    transpose8(r, c);
}

/// Bᵀ x.
CK_INLINE void input_1d(const ck_v8 x[6], ck_v8 o[6]) {
    o[0] = 4.0f * x[0] - 5.0f * x[2] + x[4];
    o[1] = x[3] + x[4] - 4.0f * (x[1] + x[2]);
    o[2] = 4.0f * (x[1] - x[2]) + x[4] - x[3];
    o[3] = 2.0f * (x[3] - x[1]) + x[4] - x[2];
    o[4] = 2.0f * (x[1] - x[3]) + x[4] - x[2];
    o[5] = 4.0f * x[1] - 5.0f * x[3] + x[5];
}

/// B y, the adjoint of input_1d.
CK_INLINE void input_adjoint_1d(const ck_v8 y[6], ck_v8 o[6]) {
    o[0] = 4.0f * y[0];
    o[1] = 4.0f * (y[2] - y[1] + y[5]) + 2.0f * (y[4] - y[3]);
    o[2] = -5.0f * y[0] - 4.0f * (y[1] + y[2]) - y[3] - y[4];
    o[3] = y[1] - y[2] + 2.0f * (y[3] - y[4]) - 5.0f * y[5];
    o[4] = y[0] + y[1] + y[2] + y[3] + y[4];
    o[5] = y[5];
}

/// Aᵀ m: six transform-domain values to four outputs.
CK_INLINE void output_1d(const ck_v8 m[6], ck_v8 o[4]) {
    const ck_v8 s12 = m[1] + m[2], d12 = m[1] - m[2], s34 = m[3] + m[4], d34 = m[3] - m[4];
    o[0] = m[0] + s12 + s34;
    o[1] = d12 + 2.0f * d34;
    o[2] = s12 + 4.0f * s34;
    o[3] = d12 + 8.0f * d34 + m[5];
}

/// A y, the adjoint of output_1d: four output gradients to six.
CK_INLINE void output_adjoint_1d(const ck_v8 y[4], ck_v8 o[6]) {
    o[0] = y[0];
    o[1] = y[0] + y[1] + y[2] + y[3];
    o[2] = y[0] - y[1] + y[2] - y[3];
    o[3] = y[0] + 2.0f * y[1] + 4.0f * y[2] + 8.0f * y[3];
    o[4] = y[0] - 2.0f * y[1] + 4.0f * y[2] - 8.0f * y[3];
    o[5] = y[3];
}

// MARK: - Tile grid, lanes and padded planes

/// The tile grid of a layer, how its tiles fill the 8 lanes, and the padded planes they are read
/// from and written to. Input plane: image pixel (y, x) at (y + top, x + left), every lane's 6×6
/// window inside it; output plane: pixel (y, x) at (y, x), every lane's 4×4 block inside it.
typedef struct {
    long rows, cols;               // the tile grid, ⌈oh/4⌉ × ⌈ow/4⌉
    long group;                    // tile rows per 8 lanes: 8 / cols when cols is 1, 2 or 4, else 1
    long step;                     // tile columns per 8 lanes: cols when group > 1, else 8
    long height, stride;           // the input plane
    long out_height, out_stride;   // the output plane
    long top, left;
} ck_grid4;

CK_INLINE ck_grid4 grid4(const ck_window *g) {
    const long rows = (g->output_height + 3) / 4, cols = (g->output_width + 3) / 4;
    const long group = cols < 8 && 8 % cols == 0 ? 8 / cols : 1;
    const long grouped_rows = (rows + group - 1) / group * group;
    const long width = group > 1 ? 4 * cols : 32 * ((cols + 7) / 8);
    return (ck_grid4){rows, cols, group, group > 1 ? cols : 8, 4 * grouped_rows + 2, width + 2, 4 * grouped_rows, width,
                      g->pad_top, g->pad_left};
}

/// Where each lane's tile starts, relative to the group's first tile, in a plane of `stride`.
CK_INLINE void lane_offsets(const ck_grid4 *q, long stride, long offsets[8]) {
    for (long l = 0; l < 8; l++) {
        const long dy = q->group > 1 ? l / q->cols : 0, dx = q->group > 1 ? l % q->cols : l;
        offsets[l] = 4 * dy * stride + 4 * dx;
    }
}

/// The real tiles among the 8 lanes of the group at (ty, tx).
CK_INLINE long real_lanes(const ck_grid4 *q, long ty, long tx) {
    if (q->group > 1) {
        const long rows = q->rows - ty < q->group ? q->rows - ty : q->group;
        return rows * q->cols;
    }
    return q->cols - tx < 8 ? q->cols - tx : 8;
}

/// The rows y0 ..< y1 and columns x0 ..< x1 of an h × w image placed at (top, left) that fall inside a
/// plane of height × stride.
CK_INLINE void overlap(long height, long stride, long top, long left, long h, long w, long *y0, long *y1, long *x0, long *x1) {
    *y0 = top < 0 ? -top : 0;
    *y1 = h < height - top ? h : height - top;
    *x0 = left < 0 ? -left : 0;
    *x1 = w < stride - left ? w : stride - left;
}

/// plane (height × stride) ← image (h × w) placed at (top, left), zero elsewhere.
CK_INLINE void pad_into(long height, long stride, long top, long left, const float *image, long h, long w, float *plane) {
    memset(plane, 0, (size_t)(height * stride) * sizeof(float));
    long y0, y1, x0, x1;
    overlap(height, stride, top, left, h, w, &y0, &y1, &x0, &x1);
    if (x1 <= x0) return;
    for (long y = y0; y < y1; y++)
        memcpy(plane + (y + top) * stride + x0 + left, image + y * w + x0, (size_t)(x1 - x0) * sizeof(float));
}

// MARK: - Tile transforms

CK_INLINE void input_body(const float *x, const ck_window *g, float *v, long ld, long plane, float *scratch) {
    const ck_grid4 q = grid4(g);
    long offsets[8];
    lane_offsets(&q, q.stride, offsets);
    for (long c = 0; c < g->channels; c++) {
        pad_into(q.height, q.stride, q.top, q.left, x + c * g->height * g->width, g->height, g->width, scratch);
        float *vc = v + c * ld;
        for (long ty = 0; ty < q.rows; ty += q.group) {
            for (long tx = 0; tx < q.cols; tx += q.step) {
                const float *window = scratch + 4 * ty * q.stride + 4 * tx;
                ck_v8 d[6][8];  // d[i][j]: window element (i, j) of every lane
                for (int i = 0; i < 6; i++) lane_rows(window + i * q.stride, offsets, d[i]);
                ck_v8 t[6][6];
                for (int j = 0; j < 6; j++) {
                    const ck_v8 column[6] = {d[0][j], d[1][j], d[2][j], d[3][j], d[4][j], d[5][j]};
                    ck_v8 out[6];
                    input_1d(column, out);
                    for (int i = 0; i < 6; i++) t[i][j] = out[i];
                }
                float *out = vc + ty * q.cols + tx;
                for (int i = 0; i < 6; i++) {
                    ck_v8 row[6];
                    input_1d(t[i], row);
                    for (int j = 0; j < 6; j++) store8(out + (6 * i + j) * plane, row[j]);
                }
            }
        }
    }
}

CK_INLINE void input_backward_body(const float *dv, const ck_window *g, float *dx, long ld, long plane, float *scratch) {
    const ck_grid4 q = grid4(g);
    const long h = g->height, w = g->width;
    long offsets[8];
    lane_offsets(&q, q.stride, offsets);
    long y0, y1, x0, x1;
    overlap(q.height, q.stride, q.top, q.left, h, w, &y0, &y1, &x0, &x1);
    for (long c = 0; c < g->channels; c++) {
        memset(scratch, 0, (size_t)(q.height * q.stride) * sizeof(float));
        const float *vc = dv + c * ld;
        for (long ty = 0; ty < q.rows; ty += q.group) {
            for (long tx = 0; tx < q.cols; tx += q.step) {
                const float *in = vc + ty * q.cols + tx;
                ck_v8 t[6][6];  // dV Bᵀ, row by row
                for (int i = 0; i < 6; i++) {
                    ck_v8 row[6];
                    for (int j = 0; j < 6; j++) row[j] = load8(in + (6 * i + j) * plane);
                    input_adjoint_1d(row, t[i]);
                }
                float d[6][6][8];  // B (dV Bᵀ), lane-major for the scatter
                for (int j = 0; j < 6; j++) {
                    const ck_v8 column[6] = {t[0][j], t[1][j], t[2][j], t[3][j], t[4][j], t[5][j]};
                    ck_v8 out[6];
                    input_adjoint_1d(column, out);
                    for (int i = 0; i < 6; i++) store8(d[i][j], out[i]);
                }
                float *window = scratch + 4 * ty * q.stride + 4 * tx;
                const long lanes = real_lanes(&q, ty, tx);
                for (long l = 0; l < lanes; l++) {
                    float *tile = window + offsets[l];
                    for (int i = 0; i < 6; i++)
                        for (int j = 0; j < 6; j++) tile[i * q.stride + j] += d[i][j][l];
                }
            }
        }
        float *xc = dx + c * h * w;
        for (long y = y0; y < y1; y++)
            for (long x = x0; x < x1; x++) xc[y * w + x] += scratch[(y + q.top) * q.stride + x + q.left];
    }
}

CK_INLINE void output_body(const float *m, const ck_window *g, long outputs, float *y, long ld, long plane, float *scratch) {
    const ck_grid4 q = grid4(g);
    const long oh = g->output_height, ow = g->output_width;
    long offsets[8];
    lane_offsets(&q, q.out_stride, offsets);
    for (long o = 0; o < outputs; o++) {
        const float *mo = m + o * ld;
        for (long ty = 0; ty < q.rows; ty += q.group) {
            for (long tx = 0; tx < q.cols; tx += q.step) {
                const float *in = mo + ty * q.cols + tx;
                ck_v8 t[4][6];  // Aᵀ M
                for (int j = 0; j < 6; j++) {
                    ck_v8 column[6];
                    for (int i = 0; i < 6; i++) column[i] = load8(in + (6 * i + j) * plane);
                    ck_v8 out[4];
                    output_1d(column, out);
                    for (int i = 0; i < 4; i++) t[i][j] = out[i];
                }
                float *target = scratch + 4 * ty * q.out_stride + 4 * tx;
                for (int i = 0; i < 4; i++) {
                    // Row i of every lane's block: transposed, lane l's four outputs are lanes[l][0..3].
                    ck_v8 row[8], lanes[8];
                    output_1d(t[i], row);
                    row[4] = row[5] = row[6] = row[7] = 0.0f;
                    transpose8(row, lanes);
                    for (int l = 0; l < 8; l++) memcpy(target + offsets[l] + i * q.out_stride, &lanes[l], 4 * sizeof(float));
                }
            }
        }
        float *yo = y + o * oh * ow;
        for (long r = 0; r < oh; r++) memcpy(yo + r * ow, scratch + r * q.out_stride, (size_t)ow * sizeof(float));
    }
}

CK_INLINE void output_backward_body(const float *dy, const ck_window *g, long outputs, float *dm, long ld, long plane, float *scratch) {
    const ck_grid4 q = grid4(g);
    const long oh = g->output_height, ow = g->output_width;
    long offsets[8];
    lane_offsets(&q, q.out_stride, offsets);
    for (long o = 0; o < outputs; o++) {
        pad_into(q.out_height, q.out_stride, 0, 0, dy + o * oh * ow, oh, ow, scratch);
        float *mo = dm + o * ld;
        for (long ty = 0; ty < q.rows; ty += q.group) {
            for (long tx = 0; tx < q.cols; tx += q.step) {
                const float *window = scratch + 4 * ty * q.out_stride + 4 * tx;
                ck_v8 e[4][8];  // e[i][j]: dY element (i, j) of every lane's block
                for (int i = 0; i < 4; i++) lane_rows(window + i * q.out_stride, offsets, e[i]);
                ck_v8 t[6][4];  // A dY
                for (int j = 0; j < 4; j++) {
                    const ck_v8 column[4] = {e[0][j], e[1][j], e[2][j], e[3][j]};
                    ck_v8 out[6];
                    output_adjoint_1d(column, out);
                    for (int i = 0; i < 6; i++) t[i][j] = out[i];
                }
                float *out = mo + ty * q.cols + tx;
                for (int i = 0; i < 6; i++) {
                    ck_v8 row[6];
                    output_adjoint_1d(t[i], row);
                    for (int j = 0; j < 6; j++) store8(out + (6 * i + j) * plane, row[j]);
                }
            }
        }
    }
}

// MARK: - Entry points

/// The thread's scratch for one padded input plane (the larger of the two), plus the 8 floats a
/// lane's row reads past the plane's last row (lane_rows). Failing to allocate
/// these few kilobytes means the process is out of memory: abort rather than compute wrong values.
static float *scratch_for(const ck_window *g) {
    const ck_grid4 q = grid4(g);
    float *scratch = ck_workspace((size_t)(q.height * q.stride + 8));
    if (!scratch) abort();
    return scratch;
}

#define CK_WINOGRAD_NAME(base) ck_winograd4_##base
#include "winograd_entry_points.h"
