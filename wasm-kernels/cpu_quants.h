// The weight formats beyond cpu_linear.c's own (F32, F16, Q4, Q8): Q5 (FMT 6, from Q5_0/Q5_1),
// Q4_K (12), Q5_K (13) and Q6_K (14), in the layouts dequant.wgsl documents (the same buffers
// the WebGPU kernels read, made by the same repack). cpu_quants.c holds their products with
// int8 activations, their dequantization (embedding rows) and their load-time repack.
#ifndef CPU_QUANTS_H
#define CPU_QUANTS_H

#include "cpu.h"

enum { FMT_Q5 = 6, FMT_Q4K = 12, FMT_Q5K = 13, FMT_Q6K = 14 };

// One token's activations, quantized per 32-block by cpu_linear.c (block 0 = the row's first).
typedef struct {
    const int16_t *q;   // 32 int8 values a block, widened to int16
    const int8_t *q8;   // the same values as int8 (relaxed builds only; else 0)
    const float *d;     // per block: dx (value = dx * q)
    const float *s;     // per block: dx * sum(q)
} XBlocks;

// The four lane sums of a, b, c, d as one vector.
static inline v128_t hsum4(v128_t a, v128_t b, v128_t c, v128_t d) {
    v128_t ab = wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
    v128_t cd = wasm_i32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
    return wasm_i32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5), wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}

static inline int is_more_format(uint32_t fmt) {
    return fmt == FMT_Q5 || fmt == FMT_Q4K || fmt == FMT_Q5K || fmt == FMT_Q6K;
}

// Row `row` (of `blocks` 32-blocks) of a weight in one of these formats times n <= MAX_TOKENS
// tokens' x (x[t]) into out[t]: each weight block is unpacked once for all of them.
#define MAX_TOKENS 4
void rows_dot_more(uint32_t fmt, const void *quants, const void *scales, uint32_t row, uint32_t blocks,
                   const XBlocks *x, uint32_t n, float *out);
// The 32 values of block g (embedding rows).
void dequant_more(uint32_t fmt, const void *quants, const void *scales, uint32_t g, float *out);
// ggml types repack.wgsl splits for these formats: 6 Q5_0, 7 Q5_1, 14 Q6_K.
static inline int is_more_repack(uint32_t src) {
    return src == 6 || src == 7 || src == 14;
}
// Blocks of `src` whose split scales fill `scale_bytes` (Q5: 2 words a block; Q6_K: 1 a super-block).
static inline uint32_t repack_blocks(uint32_t src, uint32_t scale_bytes) {
    return src == 14 ? scale_bytes / 4 : scale_bytes / 8;
}
// File block g of `src` (raw bytes) into quants/scales, as repack.wgsl does.
void repack_more(uint32_t src, const uint8_t *raw, uint8_t *quants, uint32_t *scales, uint32_t g);

#endif
