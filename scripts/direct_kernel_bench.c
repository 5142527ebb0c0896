// GFLOP/s of the direct-convolution kernels (direct.c) on one core, outside the layers: the forward
// pass and the weight gradient of one stride-1 k×k layer over `images` images, synthetic data.
// Built and run by scripts/direct-kernel-bench.sh. Arguments: C H O K CHUNK [ENGINE: 0 portable,
// 1 avx2, 2 avx512]. MAC counts are the flat domain's (rows × count × C·k·k per image).
#include "ConvKitKernelsC.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 6) { fprintf(stderr, "usage: %s C H O K CHUNK [ENGINE]\n", argv[0]); return 1; }
    const long C = atol(argv[1]), H = atol(argv[2]), O = atol(argv[3]), K = atol(argv[4]), chunk = atol(argv[5]);
    const ck_engine engine = argc > 6 ? (ck_engine)atoi(argv[6]) : ck_best_engine();
    const long oh = H - K + 1, width = oh + K - 1, plane = (oh + K - 1) * width, k = C * K * K;
    const long block = ck_direct_block(O), rows = (O + block - 1) / block * block;
    const long tile = ck_direct_tile_width(CK_ENGINE_AVX512, block), count = (oh * width + tile - 1) / tile * tile;
    const long span = C * plane + count + K * width;
    const int images = 16, reps = 200;
    float *in = aligned_alloc(64, sizeof(float) * (size_t)(span * images + 4096));
    float *out = aligned_alloc(64, sizeof(float) * (size_t)(rows * count * images + 4096));
    float *w = aligned_alloc(64, sizeof(float) * (size_t)(rows * k + 64));
    float *dw = calloc((size_t)(rows * k), sizeof(float));
    float *partial = aligned_alloc(64, sizeof(float) * (size_t)(block * k * 16 + 64));
    long *offsets = malloc(sizeof(long) * (size_t)k);
    if (!in || !out || !w || !dw || !partial || !offsets) { fprintf(stderr, "out of memory\n"); return 1; }
    for (long i = 0; i < span * images; i++) in[i] = (float)(i % 7) * 0.1f;
    for (long i = 0; i < rows * count * images; i++) out[i] = (float)(i % 5) * 0.1f;
    for (long i = 0; i < rows * k; i++) w[i] = 0.01f * (float)(i % 11);
    long n = 0;
    for (long c = 0; c < C; c++)
        for (long i = 0; i < K; i++)
            for (long j = 0; j < K; j++) offsets[n++] = c * plane + i * width + j;
    double t0 = now();
    for (int r = 0; r < reps; r++)
        for (int b = 0; b < images; b++)
            ck_direct_forward(engine, in + b * span, offsets, k, w, rows, block, count, out + b * rows * count, count);
    const double forward = now() - t0;
    t0 = now();
    for (int r = 0; r < reps; r++)
        ck_direct_weight_gradient(engine, in, span, offsets, k, out, rows * count, count, rows, block, O, count, images, chunk, dw, partial);
    const double gradient = now() - t0;
    const double flops = 2.0 * (double)rows * (double)count * (double)k * images * reps;
    printf("C %ld, %ldx%ld, O %ld, %ldx%ld: block %ld, %ld flat positions, chunk %ld, engine %s: forward %.1f GFLOP/s, weight gradient %.1f GFLOP/s\n",
           C, H, H, O, K, K, block, count, chunk, ck_engine_name(engine), flops / forward / 1e9, flops / gradient / 1e9);
    return 0;
}
