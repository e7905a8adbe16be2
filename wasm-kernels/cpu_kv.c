// The int8 KV cache of the CPU kernels (the WebGPU path keeps f32 rows): an f32 KV cache of
// 2,048 positions is as big as SmolLM2's weights, int8 with a scale per block is a quarter of it.
// A layer's cache is two buffers: quants (int8, a row of KV_DIM per position) and scales (f32, a
// row of KV_DIM / BLOCK per position): block b of a row holds d * q[i], d = max|x| / 127, the
// rounding as in cpu_linear.c's quantize_blocks (llama.cpp's q8_0 KV cache, with f32 scales).
// BLOCK divides HEAD_DIM and is a multiple of 8 (py/webgpu_llm/kv_cache.py chooses it).
#include "cpu.h"
#include "cpu_math.h"

#define CHUNK 16      // keys per online-softmax rescale, as cpu_attention.c
#define MAX_DIM 256   // HEAD_DIM <= 256

// n values (n % 4 == 0) -> int8 q with d * q ~ x; returns d (0 for an all-zero block).
static float quantize_block(const float *x, uint32_t n, int8_t *q) {
    v128_t amax = wasm_f32x4_splat(0.0f);
    for (uint32_t i = 0; i < n; i += 4) amax = wasm_f32x4_max(amax, wasm_f32x4_abs(wasm_v128_load(x + i)));
    float m = wasm_f32x4_extract_lane(amax, 0), l1 = wasm_f32x4_extract_lane(amax, 1),
          l2 = wasm_f32x4_extract_lane(amax, 2), l3 = wasm_f32x4_extract_lane(amax, 3);
    m = l1 > m ? l1 : m;
    m = l2 > m ? l2 : m;
    m = l3 > m ? l3 : m;
    float d = m / 127.0f;
    v128_t inv = wasm_f32x4_splat(d > 0.0f ? 1.0f / d : 0.0f);
    for (uint32_t i = 0; i < n; i += 4) {
        v128_t v = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_f32x4_mul(wasm_v128_load(x + i), inv)));
        v128_t h = wasm_i16x8_narrow_i32x4(v, v);
        wasm_v128_store32_lane(q + i, wasm_i8x16_narrow_i16x8(h, h), 0);
    }
    return d;
}

// Rows pos0 .. pos0 + n_tokens - 1 of the cache = the step's f32 rows, quantized.
// a: step, src (n_tokens rows of KV_DIM f32), quants, scales, KV_DIM, BLOCK.
void op_kv_store(const Team *team, const uint32_t *a) {
    const Step *step = PTR(const Step, a[0]);
    uint32_t dim = a[4], block = a[5], per_row = dim / block, lo, hi;
    share(team, step->n_tokens * per_row, 1, &lo, &hi);
    for (uint32_t i = lo; i < hi; i++) {
        uint64_t row = step->pos0 + i / per_row, at = (uint64_t)i * block;
        uint64_t cell = row * dim + (uint64_t)(i % per_row) * block;
        PTR(float, a[3])[row * per_row + i % per_row] =
            quantize_block(PTR(const float, a[1]) + at, block, PTR(int8_t, a[2]) + cell);
    }
}

// Integer dot product of 8 int8 keys with 8 int16 query values (lanes sum to it).
static inline v128_t dot8(const int8_t *k, v128_t q) {
    return wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(wasm_v128_load64_zero(k)), q);
}

typedef struct {
    const int8_t *quants;  // this KV head's values at key 0
    const float *scales;   // its block scales at key 0
    uint32_t row, row_blocks;  // quants and scales per key (the whole cache row)
} KvHead;

// softmax(q K^T / sqrt(d)) V for one (token, head) over n_keys keys; q is quantized per block
// like the keys, so a score is sum over blocks of d_q d_k (exact integer dot product).
static void attend_q8(const float *q, KvHead k, KvHead v, float *out, uint32_t n_keys, uint32_t dim,
                      uint32_t block) {
    int8_t q8[MAX_DIM];
    v128_t qs[MAX_DIM / 8], acc[MAX_DIM / 4];
    float qd[MAX_DIM / 8], p[CHUNK], m = -3.0e38f, l = 0.0f;
    uint32_t blocks = dim / block;
    for (uint32_t b = 0; b < blocks; b++)
        qd[b] = quantize_block(q + b * block, block, q8 + b * block) / __builtin_sqrtf((float)dim);
    for (uint32_t i = 0; i < dim; i += 8) qs[i / 8] = wasm_i16x8_extend_low_i8x16(wasm_v128_load64_zero(q8 + i));
    for (uint32_t i = 0; i < dim / 4; i++) acc[i] = wasm_f32x4_splat(0.0f);
    for (uint32_t j0 = 0; j0 < n_keys; j0 += CHUNK) {
        uint32_t n = n_keys - j0 < CHUNK ? n_keys - j0 : CHUNK;
        float chunk_max = -3.0e38f;
        for (uint32_t j = 0; j < n; j++) {
            const int8_t *kj = k.quants + (uint64_t)(j0 + j) * k.row;
            const float *dk = k.scales + (uint64_t)(j0 + j) * k.row_blocks;
            v128_t score = wasm_f32x4_splat(0.0f);
            for (uint32_t b = 0; b < blocks; b++) {
                v128_t s = wasm_i32x4_splat(0);
                for (uint32_t i = b * block; i < (b + 1) * block; i += 8) s = wasm_i32x4_add(s, dot8(kj + i, qs[i / 8]));
                score = wasm_f32x4_add(score, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(s), wasm_f32x4_splat(qd[b] * dk[b])));
            }
            p[j] = hsum_f32x4(score);
            chunk_max = p[j] > chunk_max ? p[j] : chunk_max;
        }
        if (chunk_max > m) {  // rescale what was summed so far to the new maximum
            float c = exp_f32(m - chunk_max);
            for (uint32_t i = 0; i < dim / 4; i++) acc[i] = wasm_f32x4_mul(acc[i], wasm_f32x4_splat(c));
            l *= c;
            m = chunk_max;
        }
        for (uint32_t j = 0; j < n; j++) {
            float e = exp_f32(p[j] - m);
            const int8_t *vj = v.quants + (uint64_t)(j0 + j) * v.row;
            const float *dv = v.scales + (uint64_t)(j0 + j) * v.row_blocks;
            l += e;
            for (uint32_t b = 0; b < blocks; b++) {
                v128_t w = wasm_f32x4_splat(e * dv[b]);
                for (uint32_t i = b * block; i < (b + 1) * block; i += 8) {
                    v128_t h = wasm_i16x8_extend_low_i8x16(wasm_v128_load64_zero(vj + i));
                    acc[i / 4] = wasm_f32x4_add(acc[i / 4], wasm_f32x4_mul(w, wasm_f32x4_convert_i32x4(wasm_i32x4_extend_low_i16x8(h))));
                    acc[i / 4 + 1] = wasm_f32x4_add(acc[i / 4 + 1],
                                                    wasm_f32x4_mul(w, wasm_f32x4_convert_i32x4(wasm_i32x4_extend_high_i16x8(h))));
                }
            }
        }
    }
    v128_t inv = wasm_f32x4_splat(1.0f / l);
    for (uint32_t i = 0; i < dim / 4; i++) wasm_v128_store(out + 4 * i, wasm_f32x4_mul(acc[i], inv));
}

// Causal grouped-query attention over the int8 cache, as op_attention over the f32 one.
// a: step, q, k quants, k scales, v quants, v scales, out, N_HEADS, N_KV_HEADS, HEAD_DIM, BLOCK.
void op_attention_q8(const Team *team, const uint32_t *a) {
    const Step *step = PTR(const Step, a[0]);
    uint32_t heads = a[7], kv_heads = a[8], dim = a[9], block = a[10], group = heads / kv_heads, lo, hi;
    uint32_t row = kv_heads * dim, row_blocks = row / block;
    share(team, step->n_tokens * heads, 1, &lo, &hi);
    for (uint32_t i = lo; i < hi; i++) {
        uint32_t t = i / heads, kv = i % heads / group;
        KvHead k = {PTR(const int8_t, a[2]) + kv * dim, PTR(const float, a[3]) + kv * dim / block, row, row_blocks};
        KvHead v = {PTR(const int8_t, a[4]) + kv * dim, PTR(const float, a[5]) + kv * dim / block, row, row_blocks};
        attend_q8(PTR(const float, a[1]) + (uint64_t)i * dim, k, v, PTR(float, a[6]) + (uint64_t)i * dim,
                  step->pos0 + t + 1, dim, block);
    }
}
