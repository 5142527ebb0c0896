// Forward pass of one 3×3, stride-1, pad-1 convolution three ways, on one thread, with ConvKit's own
// C kernels (linked from Sources/ConvKitKernelsC by scripts/layout-bench.sh):
//   nchw      im2col of each image block (C·9 × B·P, images side by side) + SGEMM W (O × 9C) · col
//             (what ConvKit does for im2col layers);
//   nhwc      the same images stored NHWC: the column matrix has one row per output pixel of 9 runs of C
//             contiguous floats (B·P × 9C), + SGEMM col · Wᵀ (9C × O), output NHWC;
//   winograd  ConvKit's F(2×2, 3×3) on NCHW: input transform, 16 SGEMMs U[ξ] · V[ξ], output transform.
// Blocks of B = ⌈256/P⌉ images (P = H·W output pixels; B = 1 from 100 pixels on), as ConvKit does.
// Prints milliseconds per image (median of 7 runs over the batch) and checks that the three agree.
// It measures layouts, not a product: nothing in ConvKit calls it.
#include "ConvKitKernelsC.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int compare(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static float *floats(long n) {
    float *p = malloc((size_t)n * sizeof(float));
    if (!p) {
        fprintf(stderr, "error: out of memory\n");
        exit(1);
    }
    return p;
}

typedef struct {
    long n, c, o, side;
} shape;

static void run(shape s) {
    const ck_engine engine = ck_best_engine();
    const long n = s.n, c = s.c, o = s.o, h = s.side, w = s.side, p = h * w, k = 9 * c;
    const long per_block = p < 100 ? (256 + p - 1) / p : 1;
    float *x = floats(n * c * p), *xh = floats(n * c * p), *wt = floats(o * k), *wh = floats(k * o);
    float *y = floats(n * o * p), *yh = floats(n * o * p), *yw = floats(n * o * p);
    srand(1);
    for (long i = 0; i < n * c * p; i++) x[i] = (float)(rand() / (RAND_MAX + 1.0)) - 0.5f;
    for (long i = 0; i < o * k; i++) wt[i] = (float)(rand() / (RAND_MAX + 1.0)) - 0.5f;
    for (long im = 0; im < n; im++)  // NHWC copy of x
        for (long ch = 0; ch < c; ch++)
            for (long q = 0; q < p; q++) xh[(im * p + q) * c + ch] = x[(im * c + ch) * p + q];
    for (long oc = 0; oc < o; oc++)  // Wᵀ with rows (i, j, c)
        for (long ch = 0; ch < c; ch++)
            for (long t = 0; t < 9; t++) wh[(t * c + ch) * o + oc] = wt[(oc * c + ch) * 9 + t];
    ck_window g = {c, h, w, 3, 3, 1, 1, 1, 1, 1, 1, h, w};
    float *col = floats(k * per_block * p), *scratch = floats(o * per_block * p);
    const long tiles = ((h + 1) / 2) * ((w + 1) / 2);
    const long wpb = (256 + tiles - 1) / tiles, wld = (wpb * tiles + 7) / 8 * 8 + 8;
    float *u = floats(16 * o * c), *v = floats(16 * c * wld), *m = floats(16 * o * wld);
    double times[3][7];
    for (int r = 0; r < 7; r++) {
        double t0 = now();
        for (long first = 0; first < n; first += per_block) {
            const long count = first + per_block <= n ? per_block : n - first, width = count * p;
            for (long j = 0; j < count; j++) ck_im2col(x + (first + j) * c * p, &g, col + j * p, width);
            ck_sgemm(engine, false, false, o, width, k, 1, wt, k, col, width, 0, count == 1 ? y + first * o * p : scratch, width);
            if (count > 1)
                for (long j = 0; j < count; j++)
                    for (long oc = 0; oc < o; oc++) memcpy(y + ((first + j) * o + oc) * p, scratch + oc * width + j * p, p * sizeof(float));
        }
        double t1 = now();
        for (long first = 0; first < n; first += per_block) {
            const long count = first + per_block <= n ? per_block : n - first;
            for (long j = 0; j < count; j++)
                for (long oy = 0; oy < h; oy++)
                    for (long ox = 0; ox < w; ox++) {
                        float *row = col + ((j * p) + oy * w + ox) * k;
                        for (long i = 0; i < 3; i++)
                            for (long jj = 0; jj < 3; jj++) {
                                const long yy = oy + i - 1, xx = ox + jj - 1;
                                float *dst = row + (i * 3 + jj) * c;
                                if (yy < 0 || yy >= h || xx < 0 || xx >= w) memset(dst, 0, c * sizeof(float));
                                else memcpy(dst, xh + (((first + j) * h + yy) * w + xx) * c, c * sizeof(float));
                            }
                    }
            ck_sgemm(engine, false, false, count * p, o, k, 1, col, k, wh, o, 0, yh + first * p * o, o);
        }
        double t2 = now();
        ck_winograd_filter(wt, o, c, u);
        for (long first = 0; first < n; first += wpb) {
            const long count = first + wpb <= n ? wpb : n - first, width = count * tiles, ld = (width + 7) / 8 * 8 + 8;
            for (long j = 0; j < count; j++) ck_winograd_input(x + (first + j) * c * p, &g, v + j * tiles, ld, c * ld);
            for (int xi = 0; xi < 16; xi++)
                ck_sgemm(engine, false, false, o, width, c, 1, u + xi * o * c, c, v + xi * c * ld, ld, 0, m + xi * o * ld, ld);
            for (long j = 0; j < count; j++) ck_winograd_output(m + j * tiles, &g, o, yw + (first + j) * o * p, ld, o * ld);
        }
        double t3 = now();
        times[0][r] = t1 - t0;
        times[1][r] = t2 - t1;
        times[2][r] = t3 - t2;
    }
    double worst = 0, scale = 0;
    for (long im = 0; im < n; im++)
        for (long oc = 0; oc < o; oc++)
            for (long q = 0; q < p; q++) {
                const float a = y[(im * o + oc) * p + q], b = yh[(im * p + q) * o + oc], d = yw[(im * o + oc) * p + q];
                scale = fmax(scale, fabs(a));
                worst = fmax(worst, fmax(fabs(a - b), fabs(a - d)));
            }
    for (int a = 0; a < 3; a++) qsort(times[a], 7, sizeof(double), compare);
    const double ms = 1e3 / n;
    printf("%4ld -> %4ld @ %2ldx%-2ld  %9.3f %9.3f %9.3f   %5.2fx %5.2fx   max |diff| %.1e of %.1e\n", c, o, h, w,
           times[0][3] * ms, times[1][3] * ms, times[2][3] * ms, times[0][3] / times[1][3], times[0][3] / times[2][3], worst, scale);
    free(x), free(xh), free(wt), free(wh), free(y), free(yh), free(yw), free(col), free(scratch), free(u), free(v), free(m);
}

int main(void) {
    const shape shapes[] = {
        {64, 16, 16, 32}, {64, 32, 32, 16}, {64, 64, 64, 8}, {64, 24, 64, 31}, {64, 64, 64, 15},
        {64, 64, 256, 15}, {128, 256, 256, 7}, {256, 256, 256, 3}, {256, 256, 256, 4},
    };
    printf("engine %s; forward of a 3x3 stride-1 pad-1 convolution, ms per image (median of 7), 1 thread\n",
           ck_engine_name(ck_best_engine()));
    printf("   C ->    O @ map        nchw      nhwc  winograd   nchw/nhwc nchw/winograd\n");
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) run(shapes[i]);
    return 0;
}
