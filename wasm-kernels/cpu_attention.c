// Causal grouped-query attention over the KV cache, as attention.wgsl / attention_cpu.wgsl:
// q, out: n_tokens rows of N_HEADS * HEAD_DIM; k, v: cache rows of N_KV_HEADS * HEAD_DIM.
// Token t (position pos0 + t) of head h attends to keys 0 ..= pos0 + t of KV head h / group.
// Keys go in chunks of CHUNK with an online softmax: the chunk's scores, then one rescale of the
// running output when the maximum grows, then the chunk's weighted values.
#include "cpu.h"
#include "cpu_math.h"

#define CHUNK 16
#define MAX_QUADS 64  // HEAD_DIM <= 256

static float dot_head(const v128_t *q, const float *k, uint32_t quads) {
    v128_t acc = wasm_f32x4_splat(0.0f);
    for (uint32_t i = 0; i < quads; i++) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(q[i], wasm_v128_load(k + 4 * i)));
    return hsum_f32x4(acc);
}

// One (token, head): out = softmax(q K^T / sqrt(d)) V over n_keys keys spaced `row` floats apart.
static void attend(const float *q, const float *k, const float *v, float *out, uint32_t n_keys,
                   uint32_t row, uint32_t quads) {
    v128_t qs[MAX_QUADS], acc[MAX_QUADS];
    v128_t scale = wasm_f32x4_splat(1.0f / __builtin_sqrtf((float)(4 * quads)));
    for (uint32_t i = 0; i < quads; i++) {
        qs[i] = wasm_f32x4_mul(wasm_v128_load(q + 4 * i), scale);
        acc[i] = wasm_f32x4_splat(0.0f);
    }
    float m = -3.0e38f, l = 0.0f, p[CHUNK];
    for (uint32_t j0 = 0; j0 < n_keys; j0 += CHUNK) {
        uint32_t n = n_keys - j0 < CHUNK ? n_keys - j0 : CHUNK;
        float chunk_max = -3.0e38f;
        for (uint32_t j = 0; j < n; j++) {
            p[j] = dot_head(qs, k + (uint64_t)(j0 + j) * row, quads);
            chunk_max = p[j] > chunk_max ? p[j] : chunk_max;
        }
        if (chunk_max > m) {  // rescale what was summed so far to the new maximum
            float c = exp_f32(m - chunk_max);
            v128_t cv = wasm_f32x4_splat(c);
            for (uint32_t i = 0; i < quads; i++) acc[i] = wasm_f32x4_mul(acc[i], cv);
            l *= c;
            m = chunk_max;
        }
        for (uint32_t j = 0; j < n; j++) {
            float e = exp_f32(p[j] - m);
            const float *vj = v + (uint64_t)(j0 + j) * row;
            v128_t ev = wasm_f32x4_splat(e);
            l += e;
            for (uint32_t i = 0; i < quads; i++)
                acc[i] = wasm_f32x4_add(acc[i], wasm_f32x4_mul(ev, wasm_v128_load(vj + 4 * i)));
        }
    }
    v128_t inv = wasm_f32x4_splat(1.0f / l);
    for (uint32_t i = 0; i < quads; i++) wasm_v128_store(out + 4 * i, wasm_f32x4_mul(acc[i], inv));
}

// a: step, q, k, v, out, N_HEADS, N_KV_HEADS, HEAD_DIM (attention.wgsl's scratch is not needed).
void op_attention(const Team *team, const uint32_t *a) {
    const Step *step = PTR(const Step, a[0]);
    uint32_t heads = a[5], kv_heads = a[6], dim = a[7], group = heads / kv_heads, lo, hi;
    share(team, step->n_tokens * heads, 1, &lo, &hi);
    for (uint32_t i = lo; i < hi; i++) {
        uint32_t t = i / heads, h = i % heads, kv = (h / group) * dim;
        uint64_t at = (uint64_t)i * dim;
        attend(PTR(const float, a[1]) + at, PTR(const float, a[2]) + kv, PTR(const float, a[3]) + kv,
               PTR(float, a[4]) + at, step->pos0 + t + 1, kv_heads * dim, dim / 4);
    }
}
