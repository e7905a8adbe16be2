// The CPU kernels (WebAssembly SIMD128): shared declarations.
// Each op mirrors the WGSL kernel of the same name (same buffers, same constants; see
// py/webgpu_llm/gpu/wasm_ops.py for the argument words). Buffers are byte addresses in the one
// linear memory. A team of threads runs every op together, each taking its share of the rows;
// with one thread (the native test build) the barriers do nothing.
#ifndef CPU_H
#define CPU_H

#include <stdint.h>
#include <wasm_simd128.h>

// What the shared activation scratch holds (cpu_linear.c), as this thread knows it: products
// with the same x since the last barrier reuse it instead of quantizing x again.
typedef struct {
    uint32_t x, k, n_tokens;  // x == 0: nothing reusable
} Quantized;

typedef struct {
    uint32_t id;           // this thread's index, 0 .. n-1
    uint32_t n;            // threads in the team
    Quantized *quantized;  // per thread (every thread decides the same from the same ops)
} Team;

typedef struct {
    uint32_t pos0;      // position of the first token of the step
    uint32_t n_tokens;  // tokens in the step
} Step;

#define PTR(type, word) ((type *)(uintptr_t)(word))
#define EXPORT(name) __attribute__((export_name(name)))

void team_barrier(const Team *team);

// This thread's share [*lo, *hi) of `total` items, handed out in whole groups of `grain`.
static inline void share(const Team *team, uint32_t total, uint32_t grain, uint32_t *lo, uint32_t *hi) {
    uint32_t groups = (total + grain - 1) / grain;
    uint32_t g0 = (uint32_t)((uint64_t)groups * team->id / team->n);
    uint32_t g1 = (uint32_t)((uint64_t)groups * (team->id + 1) / team->n);
    *lo = g0 * grain < total ? g0 * grain : total;
    *hi = g1 * grain < total ? g1 * grain : total;
}

static inline float hsum_f32x4(v128_t v) {
    return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) +
           wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}

// Ops (argument words `a`; layouts in wasm_ops.py). cpu_linear.c:
void op_embed(const Team *team, const uint32_t *a);
void op_linear(const Team *team, const uint32_t *a);
void op_repack(const Team *team, const uint32_t *a);
// cpu_ops.c:
void op_rmsnorm(const Team *team, const uint32_t *a);
void op_rope(const Team *team, const uint32_t *a);
void op_swiglu(const Team *team, const uint32_t *a);
void op_add(const Team *team, const uint32_t *a);
void op_copy(const Team *team, const uint32_t *a);
void op_gather_logits(const Team *team, const uint32_t *a);
void op_topk(const Team *team, const uint32_t *a);
void op_bias(const Team *team, const uint32_t *a);
// cpu_attention.c:
void op_attention(const Team *team, const uint32_t *a);

#endif
