// Winograd F(2×2, 3×3) transforms (Lavin & Gray 2015): a 3×3, stride-1 correlation computes each
// 2×2 block of outputs from a 4×4 input tile with 16 multiplies instead of 36,
//   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d Bᵀᵀ) ] A,
// with Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1], G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
// Aᵀ = [1 1 1 0; 0 1 −1 −1]. Summed over input channels, the ⊙ becomes 16 matrix products (one per
// transform-domain position ξ = 4i + j), which the caller runs with SGEMM:
//   M[ξ] (O × T) = U[ξ] (O × C) · V[ξ] (C × T),  T = tiles.
// The backward passes are the transposes of the same linear maps, so they are the exact gradient
// of what the forward computes: dM = A dY Aᵀ per output tile; dU[ξ] = dM[ξ] · V[ξ]ᵀ and
// dV[ξ] = U[ξ]ᵀ · dM[ξ] (SGEMM); dW = Gᵀ dU G; dx += B dV Bᵀ per input tile (overlapping tiles add,
// in tile order).
//
// Layout of a transform-domain matrix set: plane ξ starts `plane` floats after plane 0, row r
// (channel) `ld` floats after row 0, and an image's tiles are consecutive columns, row-major over
// the tile grid (⌈oh/2⌉ × ⌈ow/2⌉). Tile (ty, tx) reads the input rows 2ty − pad_top … +3 and columns
// 2tx − pad_left … +3 (zero outside the image) and writes outputs 2ty, 2ty + 1 (and columns
// likewise) where they exist. Only additions, subtractions and exact halvings: no fused operations
// (FP_CONTRACT OFF), so the results are the same on every engine.
//
// The tile transforms run on 8 tiles of a tile row at once, one tile per lane of an 8-float
// generic vector: the stride-2 input windows come from even/odd shuffles of a row segment, and each
// of the 16 planes gets 8 contiguous floats. A row with fewer tiles left still loads and stores 8
// lanes: the lanes past its last tile read and write the next tiles' columns (written again, with
// their own values, when their turn comes) or the row's slack, so rows need 7 floats of slack past
// the last image's tiles, and the images of a block must be transformed in order. The bodies are compiled twice, for the baseline ISA
// (SSE2/NEON: each vector is two registers) and for AVX2; lanes are independent and the operations
// the same, so both give the same bits.
#include "ConvKitKernelsC.h"
#include "gemm_driver.h"

#include <stdlib.h>

#include "winograd_vectors.h"

void ck_winograd_filter(const float *w, long count, long plane, float *u) {
    for (long p = 0; p < count; p++) {
        const float *g = w + 9 * p;
        float t[12];  // G g: 4 × 3
        for (int j = 0; j < 3; j++) {
            t[j] = g[j];
            t[3 + j] = (g[j] + g[3 + j] + g[6 + j]) * 0.5f;
            t[6 + j] = (g[j] - g[3 + j] + g[6 + j]) * 0.5f;
            t[9 + j] = g[6 + j];
        }
        for (int i = 0; i < 4; i++) {
            const float *r = t + 3 * i;
            u[(4 * i + 0) * plane + p] = r[0];
            u[(4 * i + 1) * plane + p] = (r[0] + r[1] + r[2]) * 0.5f;
            u[(4 * i + 2) * plane + p] = (r[0] - r[1] + r[2]) * 0.5f;
            u[(4 * i + 3) * plane + p] = r[2];
        }
    }
}

void ck_winograd_filter_backward(const float *du, long count, long plane, float *dw) {
    for (long p = 0; p < count; p++) {
        float t[12];  // du Gᵀᵀ = du G: 4 × 3
        for (int i = 0; i < 4; i++) {
            const float u0 = du[(4 * i + 0) * plane + p], u1 = du[(4 * i + 1) * plane + p];
            const float u2 = du[(4 * i + 2) * plane + p], u3 = du[(4 * i + 3) * plane + p];
            t[3 * i + 0] = u0 + (u1 + u2) * 0.5f;
            t[3 * i + 1] = (u1 - u2) * 0.5f;
            t[3 * i + 2] = (u1 + u2) * 0.5f + u3;
        }
        float *g = dw + 9 * p;
        for (int j = 0; j < 3; j++) {
            g[j] += t[j] + (t[3 + j] + t[6 + j]) * 0.5f;
            g[3 + j] += (t[3 + j] - t[6 + j]) * 0.5f;
            g[6 + j] += (t[3 + j] + t[6 + j]) * 0.5f + t[9 + j];
        }
    }
}



#define CK_EVEN 0, 2, 4, 6, 8, 10, 12, 14
#define CK_ODD 1, 3, 5, 7, 9, 11, 13, 15

/// The padded plane a channel's tiles are read from or written to: every tile's 4×4 input window
/// (or 2×2 output block) lies inside it, for whole groups of 8 tiles, so the tile loops need no
/// bounds checks. Input plane: rows 2·rows + 2, stride 16·⌈cols/8⌉ + 2, image pixel (y, x) at
/// (y + pad_top, x + pad_left). Output plane: rows 2·rows, stride 16·⌈cols/8⌉, pixel (y, x) at (y, x).
typedef struct {
    long rows, cols;          // the tile grid
    long height, stride;      // the padded plane
    long top, left;           // where the image starts in it
    /// Tile rows per 8-lane group: 2 when a row has exactly 4 tiles and the rows pair up (7×7 and
    /// 8×8 maps: lanes 0–3 are tile row ty, lanes 4–7 row ty + 1, consecutive tile indices), else 1.
    long rows_per_group;
} ck_padded;

CK_INLINE long rows_per_group(long rows, long cols) { return cols == 4 && rows % 2 == 0 ? 2 : 1; }

CK_INLINE ck_padded padded_input(const ck_window *g) {
    const long rows = (g->output_height + 1) / 2, cols = (g->output_width + 1) / 2;
    return (ck_padded){rows, cols, 2 * rows + 2, 16 * ((cols + 7) / 8) + 2, g->pad_top, g->pad_left, rows_per_group(rows, cols)};
}

CK_INLINE ck_padded padded_output(const ck_window *g) {
    const long rows = (g->output_height + 1) / 2, cols = (g->output_width + 1) / 2;
    return (ck_padded){rows, cols, 2 * rows, 16 * ((cols + 7) / 8), 0, 0, rows_per_group(rows, cols)};
}

/// The rows and columns of an h × w image that fall inside the padded plane.
CK_INLINE void overlap(const ck_padded *q, long h, long w, long *y0, long *y1, long *x0, long *x1) {
    *y0 = q->top < 0 ? -q->top : 0;
    *y1 = h < q->height - q->top ? h : q->height - q->top;
    *x0 = q->left < 0 ? -q->left : 0;
    *x1 = w < q->stride - q->left ? w : q->stride - q->left;
}

/// plane ← image (h × w) placed at (top, left), zero elsewhere.
CK_INLINE void pad_into(const ck_padded *q, const float *image, long h, long w, float *plane) {
    memset(plane, 0, (size_t)(q->height * q->stride) * sizeof(float));
    long y0, y1, x0, x1;
    overlap(q, h, w, &y0, &y1, &x0, &x1);
    if (x1 <= x0) return;
    for (long y = y0; y < y1; y++)
        memcpy(plane + (y + q->top) * q->stride + x0 + q->left, image + y * w + x0, (size_t)(x1 - x0) * sizeof(float));
}

CK_INLINE void input_body(const float *x, const ck_window *g, float *v, long ld, long plane, float *scratch) {
    const ck_padded q = padded_input(g);
    const long h = g->height, w = g->width;
    for (long c = 0; c < g->channels; c++) {
        pad_into(&q, x + c * h * w, h, w, scratch);
        float *vc = v + c * ld;
        // The second half of the lanes: the next 4 tiles of the row, or the next tile row's 4.
        const long upper = q.rows_per_group == 2 ? 2 * q.stride : 8;
        for (long ty = 0; ty < q.rows; ty += q.rows_per_group) {
            for (long tx = 0; tx < q.cols; tx += 8) {
                ck_v8 d[4][4];
                for (int i = 0; i < 4; i++) {
                    const float *seg = scratch + (2 * ty + i) * q.stride + 2 * tx;
                    const ck_v8 a = load8(seg), b = load8(seg + upper), a2 = load8(seg + 2), b2 = load8(seg + upper + 2);
                    d[i][0] = __builtin_shufflevector(a, b, CK_EVEN);
                    d[i][1] = __builtin_shufflevector(a, b, CK_ODD);
                    d[i][2] = __builtin_shufflevector(a2, b2, CK_EVEN);
                    d[i][3] = __builtin_shufflevector(a2, b2, CK_ODD);
                }
                ck_v8 t[4][4];
                for (int j = 0; j < 4; j++) {
                    t[0][j] = d[0][j] - d[2][j];
                    t[1][j] = d[1][j] + d[2][j];
                    t[2][j] = d[2][j] - d[1][j];
                    t[3][j] = d[1][j] - d[3][j];
                }
                float *out = vc + ty * q.cols + tx;
                for (int i = 0; i < 4; i++) {
                    store8(out + (4 * i + 0) * plane, t[i][0] - t[i][2]);
                    store8(out + (4 * i + 1) * plane, t[i][1] + t[i][2]);
                    store8(out + (4 * i + 2) * plane, t[i][2] - t[i][1]);
                    store8(out + (4 * i + 3) * plane, t[i][1] - t[i][3]);
                }
            }
        }
    }
}

CK_INLINE void input_backward_body(const float *dv, const ck_window *g, float *dx, long ld, long plane, float *scratch) {
    const ck_padded q = padded_input(g);
    const long h = g->height, w = g->width;
    const ck_v8 zero = 0.0f;
    long y0, y1, x0, x1;
    overlap(&q, h, w, &y0, &y1, &x0, &x1);
    for (long c = 0; c < g->channels; c++) {
        memset(scratch, 0, (size_t)(q.height * q.stride) * sizeof(float));
        const float *vc = dv + c * ld;
        for (long ty = 0; ty < q.rows; ty += q.rows_per_group) {
            for (long tx = 0; tx < q.cols; tx += 8) {
                const long n = q.cols - tx < 8 ? q.cols - tx : 8;
                const float *in = vc + ty * q.cols + tx;
                ck_v8 t[4][4];
                for (int i = 0; i < 4; i++) {
                    const ck_v8 r0 = load8(in + (4 * i + 0) * plane), r1 = load8(in + (4 * i + 1) * plane);
                    const ck_v8 r2 = load8(in + (4 * i + 2) * plane), r3 = load8(in + (4 * i + 3) * plane);
                    t[i][0] = r0;
                    t[i][1] = r1 - r2 + r3;
                    t[i][2] = r2 + r1 - r0;
                    t[i][3] = -r3;
                }
                for (int i = 0; i < 4; i++) {
                    ck_v8 d[4];
                    for (int j = 0; j < 4; j++) {
                        switch (i) {
                        case 0: d[j] = t[0][j]; break;
                        case 1: d[j] = t[1][j] - t[2][j] + t[3][j]; break;
                        case 2: d[j] = t[2][j] + t[1][j] - t[0][j]; break;
                        default: d[j] = -t[3][j]; break;
                        }
                    }
                    float *row = scratch + (2 * ty + i) * q.stride + 2 * tx;
                    float last2[8], last3[8];
                    store8(last2, d[2]);
                    store8(last3, d[3]);
                    if (q.rows_per_group == 2) {
                        // Lanes 0–3 and 4–7 are two tile rows of 4 tiles: no carry from lane 3 to 4.
                        const ck_v8 even = d[0] + __builtin_shufflevector(zero, d[2], 7, 8, 9, 10, 0, 12, 13, 14);
                        const ck_v8 odd = d[1] + __builtin_shufflevector(zero, d[3], 7, 8, 9, 10, 0, 12, 13, 14);
                        float *below = row + 2 * q.stride;
                        store8(row, load8(row) + __builtin_shufflevector(even, odd, 0, 8, 1, 9, 2, 10, 3, 11));
                        row[8] += last2[3];
                        row[9] += last3[3];
                        store8(below, load8(below) + __builtin_shufflevector(even, odd, 4, 12, 5, 13, 6, 14, 7, 15));
                        below[8] += last2[7];
                        below[9] += last3[7];
                        continue;
                    }
                    // Tile k adds d0, d1 at columns 2k, 2k+1 and d2, d3 at 2k+2, 2k+3 of the segment;
                    // lanes from n on hold the slack's values and are left out.
                    const ck_v8 even = d[0] + __builtin_shufflevector(zero, d[2], 7, 8, 9, 10, 11, 12, 13, 14);
                    const ck_v8 odd = d[1] + __builtin_shufflevector(zero, d[3], 7, 8, 9, 10, 11, 12, 13, 14);
                    float seg[18];
                    store8(seg, __builtin_shufflevector(even, odd, 0, 8, 1, 9, 2, 10, 3, 11));
                    store8(seg + 8, __builtin_shufflevector(even, odd, 4, 12, 5, 13, 6, 14, 7, 15));
                    seg[2 * n] = last2[n - 1];
                    seg[2 * n + 1] = last3[n - 1];
                    if (n == 8) {
                        store8(row, load8(row) + load8(seg));
                        store8(row + 8, load8(row + 8) + load8(seg + 8));
                        row[16] += seg[16];
                        row[17] += seg[17];
                    } else {
                        for (long j = 0; j < 2 * n + 2; j++) row[j] += seg[j];
                    }
                }
            }
        }
        float *xc = dx + c * h * w;
        for (long y = y0; y < y1; y++)
            for (long x = x0; x < x1; x++) xc[y * w + x] += scratch[(y + q.top) * q.stride + x + q.left];
    }
}

CK_INLINE void output_body(const float *m, const ck_window *g, long outputs, float *y, long ld, long plane, float *scratch) {
    const ck_padded q = padded_output(g);
    const long oh = g->output_height, ow = g->output_width;
    for (long o = 0; o < outputs; o++) {
        const float *mo = m + o * ld;
        const long upper = q.rows_per_group == 2 ? 2 * q.stride : 8;
        for (long ty = 0; ty < q.rows; ty += q.rows_per_group) {
            for (long tx = 0; tx < q.cols; tx += 8) {
                const float *in = mo + ty * q.cols + tx;
                ck_v8 t[2][4];
                for (int j = 0; j < 4; j++) {
                    const ck_v8 m0 = load8(in + (0 + j) * plane), m1 = load8(in + (4 + j) * plane);
                    const ck_v8 m2 = load8(in + (8 + j) * plane), m3 = load8(in + (12 + j) * plane);
                    t[0][j] = m0 + m1 + m2;
                    t[1][j] = m1 - m2 - m3;
                }
                for (int i = 0; i < 2; i++) {
                    const ck_v8 y0 = t[i][0] + t[i][1] + t[i][2], y1 = t[i][1] - t[i][2] - t[i][3];
                    float *row = scratch + (2 * ty + i) * q.stride + 2 * tx;
                    store8(row, __builtin_shufflevector(y0, y1, 0, 8, 1, 9, 2, 10, 3, 11));
                    store8(row + upper, __builtin_shufflevector(y0, y1, 4, 12, 5, 13, 6, 14, 7, 15));
                }
            }
        }
        float *yo = y + o * oh * ow;
        for (long r = 0; r < oh; r++) memcpy(yo + r * ow, scratch + r * q.stride, (size_t)ow * sizeof(float));
    }
}

CK_INLINE void output_backward_body(const float *dy, const ck_window *g, long outputs, float *dm, long ld, long plane, float *scratch) {
    const ck_padded q = padded_output(g);
    const long oh = g->output_height, ow = g->output_width;
    for (long o = 0; o < outputs; o++) {
        pad_into(&q, dy + o * oh * ow, oh, ow, scratch);
        float *mo = dm + o * ld;
        const long upper = q.rows_per_group == 2 ? 2 * q.stride : 8;
        for (long ty = 0; ty < q.rows; ty += q.rows_per_group) {
            for (long tx = 0; tx < q.cols; tx += 8) {
                ck_v8 t[2][4];
                for (int i = 0; i < 2; i++) {
                    const float *seg = scratch + (2 * ty + i) * q.stride + 2 * tx;
                    const ck_v8 a = load8(seg), b = load8(seg + upper);
                    const ck_v8 r0 = __builtin_shufflevector(a, b, CK_EVEN), r1 = __builtin_shufflevector(a, b, CK_ODD);
                    t[i][0] = r0;
                    t[i][1] = r0 + r1;
                    t[i][2] = r0 - r1;
                    t[i][3] = -r1;
                }
                float *out = mo + ty * q.cols + tx;
                for (int j = 0; j < 4; j++) {
                    store8(out + (0 + j) * plane, t[0][j]);
                    store8(out + (4 + j) * plane, t[0][j] + t[1][j]);
                    store8(out + (8 + j) * plane, t[0][j] - t[1][j]);
                    store8(out + (12 + j) * plane, -t[1][j]);
                }
            }
        }
    }
}

/// The thread's scratch for one padded plane (ck_workspace, which SGEMM also packs into: nothing in
/// it outlives a call), or NULL when it cannot be allocated.
static float *padded_scratch(const ck_window *g) {
    const ck_padded q = padded_input(g);
    return ck_workspace((size_t)(q.height * q.stride));
}

/// The thread's scratch for one padded plane. Failing to allocate these few kilobytes means the
/// process is out of memory, where Swift's own allocations trap too: abort rather than compute wrong values.
static float *scratch_for(const ck_window *g) {
    float *scratch = padded_scratch(g);
    if (!scratch) abort();
    return scratch;
}

#define CK_WINOGRAD_NAME(base) ck_winograd_##base
#include "winograd_entry_points.h"
