// ConvKitKernelsC: the C kernels behind ConvKitKernels — the SGEMM engine, 2 x 2 max pooling,
// im2col/col2im, and the thread pool of parallelFor.
//
// Why C (a departure from DESIGN.md's "pure Swift kernels"): SwiftPM compiles Swift for the
// baseline ISA (x86-64 = SSE2), and Package.swift may not use unsafeFlags, so Swift code cannot
// use AVX2/FMA. Clang lets one C function opt into an ISA with __attribute__((target(...))),
// and __builtin_cpu_supports picks it at run time. Only kernels that need vector instructions
// Swift cannot emit live here (plus the pool, which needs C11 atomics on every platform);
// everything else stays Swift, and every kernel here is tested against a Swift definition.
// A portable C engine (plain loops, auto-vectorised for SSE2 or NEON) is always
// compiled and is the only engine on non-x86 machines.
//
// Row-major convention, as ConvKitKernels.sgemm: C = alpha * op(A) * op(B) + beta * C with
// op(A) M x K, op(B) K x N, C M x N. beta == 0 means C is not read (NaNs in C do not propagate).
#ifndef CONVKIT_KERNELS_C_H
#define CONVKIT_KERNELS_C_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Micro-kernel families. Values are stable (tests and the bench name them).
typedef enum {
    /// Plain C loops with a 4 x 16 tile; any CPU.
    CK_ENGINE_PORTABLE = 0,
    /// AVX2 + FMA intrinsics, 6 x 16 tile with 12 ymm accumulators (x86-64 only).
    CK_ENGINE_AVX2_FMA = 1,
    /// AVX-512F, 12 x 32 tile with 24 zmm accumulators (sgemm_wide.c) for products of at least 24 x 32;
    /// narrower products and the other kernels (im2col, pooling, GELU) run the AVX2 ones (x86-64 only).
    CK_ENGINE_AVX512 = 2,
} ck_engine;

/// The engine every kernel uses: CONVKIT_ENGINE (portable, avx2 or avx512) when it names one this
/// CPU supports, else the fastest supported (decided once, thread-safe).
ck_engine ck_best_engine(void);

/// The fastest engine this CPU supports, whatever CONVKIT_ENGINE says.
ck_engine ck_fastest_engine(void);

/// Whether `engine` can run on this CPU: cpuid reports its instructions and XGETBV says the OS
/// saves their registers (YMM for AVX2; opmask and ZMM too for AVX-512).
bool ck_engine_supported(ck_engine engine);

/// Whether `engine` may use the AVX2 kernels (im2col, pooling, GELU): AVX2 and AVX-512 engines on a CPU with AVX2.
bool ck_engine_has_avx2(ck_engine engine);

/// The engine a CONVKIT_ENGINE value names ("portable"; "avx2" or "avx2-fma"; "avx512"), or -1.
int ck_engine_named(const char *name);

/// A short stable name: "portable", "avx2-fma", "avx512".
const char *ck_engine_name(ck_engine engine);

/// The data caches of the CPU the process runs on (sysfs on Linux, sysctl on macOS), in bytes.
typedef struct {
    long l1d, l2, l3;
    /// Logical CPUs sharing the L3 (1 when unknown).
    long l3_sharing;
    /// Whether L1d and L2 were read from the system (else they are the typical 32 KiB and 512 KiB).
    bool measured;
} ck_cache_info;

/// The caches, read once (thread-safe).
ck_cache_info ck_caches(void);

/// GEMM blocking: KC (depth of a packed block), MC (rows of a packed A block), NC (columns of a
/// packed B block).
typedef struct {
    long kc, mc, nc;
} ck_blocking;

/// The blocking for an MR x NR micro-kernel on these caches: a KC x NR panel of B in half of L1,
/// an MC x KC block of A in half of L2, a KC x NC block of B in half of this core's share of L3.
/// KC decides the order of the sums over K, so results are bit-identical on one machine, not across
/// machines with different L1 sizes.
ck_blocking ck_blocking_for(long mr, long nr, ck_cache_info caches);

/// The blocking `engine`'s SGEMM uses on this CPU.
ck_blocking ck_engine_blocking(ck_engine engine);

/// C = alpha * op(A) * op(B) + beta * C with the given engine (falls back to the portable one
/// when the engine is not supported). Pack buffers are thread-local and reused across calls:
/// no allocation in steady state. Each element of C is summed over K in the same order whatever
/// the position of its tile, so splitting C by columns between threads does not change results.
void ck_sgemm(ck_engine engine, bool transpose_a, bool transpose_b, long m, long n, long k, float alpha,
              const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc);

/// For the kernel tests: the AVX-512 engine's 12 x 32 tile and blocking compiled for AVX2 (see
/// sgemm_wide.c), same contract as ck_sgemm. Returns false, computing nothing, without AVX2.
bool ck_sgemm_wide_on_avx2(bool transpose_a, bool transpose_b, long m, long n, long k, float alpha, const float *a, long lda,
                           const float *b, long ldb, float beta, float *c, long ldc);

/// 2 x 2, stride-2 max pooling of one plane `x` (rows of `width` floats; every window inside
/// the plane) into `y` (oh x ow) and `argmax` (flat index into the plane of the chosen input),
/// with ConvKitKernels.maxPoolPlane's choices (first maximum in row-major order; NaN wins and
/// ends its row). Vectorised with AVX2 where available; identical results on every engine.
void ck_maxpool2x2(const float *x, long width, long oh, long ow, float *y, int32_t *argmax);

/// The geometry of a 2-D sliding window over one image (all sizes in elements); see ck_im2col.
typedef struct {
    long channels, height, width;
    long kernel_height, kernel_width;
    long stride_height, stride_width;
    long pad_top, pad_left;
    long dilation_height, dilation_width;
    long output_height, output_width;
} ck_window;

/// im2col of one image x (channels x height x width): col ((channels*kh*kw) x (oh*ow)), row
/// (c, i, j) holding x[c, oy*sh - pad_top + i*dh, ox*sw - pad_left + j*dw], 0 in the padding;
/// rows start `ldcol` floats apart (ldcol >= oh*ow: several images' columns side by side).
/// Vectorised with AVX2 where available; identical results on every engine.
void ck_im2col(const float *x, const ck_window *g, float *col, long ldcol);

/// The adjoint of ck_im2col: adds every element of col onto the input position it came from, in
/// col's order (row by row), one addition per element; rows `ldcol` floats apart.
void ck_col2im(const float *col, const ck_window *g, float *x, long ldcol);

/// Winograd F(2×2, 3×3) for 3×3, stride-1, undilated correlations (winograd.c): 16 transform-domain
/// planes ξ, each a matrix whose row r starts `ld` floats after row 0, planes `plane` floats apart.
/// The tile functions read and write whole groups of 8 tiles: up to 7 floats past an image's last
/// tile in each row are overwritten (rows need that much slack after the last image of a block, and
/// a block's images must be transformed in ascending order, each overwriting the previous one's spill).
/// Filter, for `count` consecutive 3×3 kernels (of the outputs·channels of a layer, any run of
/// them, so that callers can split the work): u[ξ·plane + p] = (G w[p] Gᵀ)[ξ] for p < count, with
/// w[p] the 3×3 kernel at w + 9p and `plane` the floats from one plane of u to the next (at least
/// outputs·channels; callers pad it against cache-set conflicts).
void ck_winograd_filter(const float *w, long count, long plane, float *u);
/// The adjoint of ck_winograd_filter: dw[p] (3×3 at dw + 9p) += Gᵀ du[p] G for p < count.
void ck_winograd_filter_backward(const float *du, long count, long plane, float *dw);
/// Input tiles of one image x (g->channels × height × width): for channel c and tile t (row-major over
/// ⌈oh/2⌉ × ⌈ow/2⌉), v[ξ·plane + c·ld + t] = (Bᵀ d B)[ξ], d the 4×4 input at rows 2ty − pad_top …,
/// columns 2tx − pad_left … (zero outside). Only channels, height, width, pads and output sizes of
/// `g` are read.
void ck_winograd_input(const float *x, const ck_window *g, float *v, long ld, long plane);
/// The adjoint of ck_winograd_input: dx += B dv Bᵀ at each tile's 4×4 input positions inside the image.
void ck_winograd_input_backward(const float *dv, const ck_window *g, float *dx, long ld, long plane);
/// Output of one image: y (outputs × oh × ow), overwritten, = Aᵀ m A per tile, from m[ξ·plane + o·ld + t].
void ck_winograd_output(const float *m, const ck_window *g, long outputs, float *y, long ld, long plane);
/// The adjoint of ck_winograd_output: dm[ξ·plane + o·ld + t] = (A dy Aᵀ)[ξ], dy zero outside the map.
void ck_winograd_output_backward(const float *dy, const ck_window *g, long outputs, float *dm, long ld, long plane);

/// Winograd F(4×4, 3×3) (winograd4.c): the same contracts as the ck_winograd_* functions above, with
/// 36 transform-domain planes (ξ = 6i + j), tiles of 4×4 outputs on a ⌈oh/4⌉ × ⌈ow/4⌉ grid, and
/// 8 floats of row slack past the last image's tiles.
void ck_winograd4_filter(const float *w, long count, long plane, float *u);
void ck_winograd4_filter_backward(const float *du, long count, long plane, float *dw);
void ck_winograd4_input(const float *x, const ck_window *g, float *v, long ld, long plane);
void ck_winograd4_input_backward(const float *dv, const ck_window *g, float *dx, long ld, long plane);
void ck_winograd4_output(const float *m, const ck_window *g, long outputs, float *y, long ld, long plane);
void ck_winograd4_output_backward(const float *dy, const ck_window *g, long outputs, float *dm, long ld, long plane);

/// Direct convolution on the flat domain (direct.c): stride 1, undilated, ungrouped. `offsets[kk]`
/// (kk < k) is where input (c, i, j) starts, c·plane + i·W' + j, for the padded planes of width W'.
/// Output rows come in blocks of ck_direct_block(outputs) (4, 6 or 8) rows; the flat positions in
/// tiles of ck_direct_tile_width(engine, block) floats.
long ck_direct_block(long outputs);
/// Flat positions per forward tile of `engine`'s kernels (supported here or not) for row block
/// `block`: a multiple of 16 on AVX-512, of 8 on AVX2 and of 4 on the portable engine; each
/// narrower engine's width divides the wider ones' for the same block.
long ck_direct_tile_width(ck_engine engine, long block);
/// out[r·ld + q] = Σ_kk packed[(r / block)·block·k + kk·block + r % block] · in[offsets[kk] + q]
/// for r < rows (a multiple of block) and q < count (a multiple of the tile width); `in` needs
/// max(offsets) + count readable, finite floats. Falls back to the portable engine where `engine`
/// is not supported.
void ck_direct_forward(ck_engine engine, const float *in, const long *offsets, long k, const float *packed, long rows,
                       long block, long count, float *out, long ld);
/// Floats per row of the output gradient that ck_direct_input_gradient reads: `width` rounded up
/// to 16 (every engine's vector divides it).
long ck_direct_input_pitch(long width);

/// Whether ck_direct_input_gradient runs for `engine` and dx rows of `width` floats from output
/// rows of `ow`: AVX-512 (where supported) and both at most 16. Elsewhere SGEMM and col2im do it.
bool ck_direct_input_gradient_applies(ck_engine engine, long width, long ow);

/// The input gradient of one image of a stride-1, undilated, ungrouped convolution, without a
/// column matrix, where ck_direct_input_gradient_applies (else nothing is done):
/// dx (channels × height × width, at +0 or accumulated) += Σ over taps (i, j) in order of
/// Σ_o w[o, c, i, j] · dy[o, y − i + pad_top, x − j + pad_left], each tap's sum over o taken from
/// zero in order with fused multiply-adds and then added: the sums and their order of SGEMM
/// dcol = Wᵀ·dY followed by col2im, so the same bits (but for dx elements at −0, which may become
/// +0). `dy` holds outputs × oh rows of `pitch` (ck_direct_input_pitch(ow)) floats, zero past ow.
void ck_direct_input_gradient(ck_engine engine, const float *dy, long pitch, long outputs, long oh, long ow, const float *w,
                              long channels, long kh, long kw, long height, long width, long pad_top, long pad_left, float *dx);

/// y[(c·height + r)·valid_width + x] = out[c·ld + r·width + x] + bias[c] (0 when `bias` is NULL)
/// for c < channels, r < height, x < valid_width: the valid columns of the flat outputs, plus the
/// bias; with `relu`, max(0, that), as reluForward (NaN and −0 give +0).
void ck_direct_store(const float *out, long ld, long width, long valid_width, long height, long channels, const float *bias,
                     bool relu, float *y);
/// dw[r·k + kk] += Σ_(b < images) Σ_(q < count) dy[b·dy_stride + r·dy_ld + q] · in[b·in_stride + offsets[kk] + q]
/// for r < valid (≤ rows, a multiple of block) and kk < k; count is a multiple of the tile width
/// (so of the engine's lanes). The flat positions of an image go in chunks of `chunk` (rounded
/// down to a multiple of 16, at least 16), each chunk's dy rows and inputs staying in L1 while every
/// offset passes over them; the chunk changes no sum's order, so not the result. `partial` is
/// scratch of block·k·16 floats. Lanes are summed once per call, in lane order.
void ck_direct_weight_gradient(ck_engine engine, const float *in, long in_stride, const long *offsets, long k, const float *dy,
                               long dy_stride, long dy_ld, long rows, long block, long valid, long count, long images, long chunk,
                               float *dw, float *partial);

/// GELU forward over `count` floats: y = x·Φ(x) with Φ through erf (PyTorch's default), or
/// through tanh(√(2/π)(x + 0.044715x³)) when `tanh_approximation` (PyTorch's approximate='tanh').
/// `y` may be `x`. Identical results on every engine (see gelu.c).
void ck_gelu_forward(ck_engine engine, const float *x, float *y, long count, bool tanh_approximation);

/// GELU backward: dx = dy·GELU′(x), from the forward's input `x`. `dx` may be `dy`.
void ck_gelu_backward(ck_engine engine, const float *x, const float *dy, float *dx, long count, bool tanh_approximation);

/// A chunk of parallel work: called with the caller's context and the chunk index.
/// Depthwise convolution (depthwise.c). A plane is padded into `xpad`, `pitch` floats per row, its
/// first pixel at (top, left); the rest of `xpad` must hold zeros (the caller zeroes it once).
void ck_depthwise_pad(const float *x, long height, long width, long top, long left, long pitch, float *xpad);
/// The interior of a padded plane copied back out (the input gradient of a plane).
void ck_depthwise_unpad(const float *xpad, long height, long width, long top, long left, long pitch, float *x);
/// y (oh × ow) = the kh × kw window (strides sh, sw; dilations dh, dw) of the padded plane times w, plus
/// bias. `scratch` holds oh·pitch floats; with stride 1, xpad needs (kw − 1)·dw floats after its rows.
void ck_depthwise_forward(ck_engine engine, const float *xpad, long pitch, const float *w, long kh, long kw, long sh, long sw,
                          long dh, long dw, long oh, long ow, float bias, float *scratch, float *y);
/// One output plane's gradients: dwgrad (kh·kw) += Σ dy · window of xpad, *db += Σ dy unless db is
/// NULL, and dxpad (padded, same layout and slack as xpad) += the transposed window of dy with w
/// unless dxpad is NULL. `scratch` holds oh·pitch floats.
void ck_depthwise_backward(ck_engine engine, const float *dy, const float *xpad, long pitch, const float *w, long kh, long kw,
                           long sh, long sw, long dh, long dw, long oh, long ow, float *scratch, float *dwgrad, float *db,
                           float *dxpad);

typedef void (*ck_chunk_fn)(void *context, long chunk);

/// Runs fn(context, chunk) for chunk in 0..<chunks on up to `threads` threads of a persistent
/// pool (the caller's thread takes part) and returns when all are done. Runs serially when
/// threads <= 1, or when another region is in progress (nested or concurrent callers).
void ck_parallel_for(long chunks, long threads, ck_chunk_fn fn, void *context);

/// Atomically adds 1 to *counter and returns its value before (a ticket for claiming work items).
long ck_claim_next(long *counter);

#ifdef __cplusplus
}
#endif

#endif
