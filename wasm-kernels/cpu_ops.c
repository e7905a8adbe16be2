// The element-wise and reduction ops: rmsnorm, rope, bias, swiglu, add, copy, gather_logits, topk.
// Each does what its WGSL namesake does (same buffers, same constants).
#include "cpu.h"
#include "cpu_math.h"

// out[r] = x[r] / sqrt(mean(x[r]^2) + EPS) * weight for `rows` rows of H.
// a: x, weight, out, H, EPS (f32 bits), rows (the WGSL dispatch's workgroup count).
void op_rmsnorm(const Team *team, const uint32_t *a) {
    const float *w = PTR(const float, a[1]);
    uint32_t h = a[3], lo, hi;
    Bits eps = {a[4]};
    share(team, a[5], 1, &lo, &hi);
    for (uint32_t r = lo; r < hi; r++) {
        const float *x = PTR(const float, a[0]) + r * h;
        float *out = PTR(float, a[2]) + r * h;
        v128_t acc = wasm_f32x4_splat(0.0f);
        uint32_t i = 0;
        for (; i + 4 <= h; i += 4) {
            v128_t v = wasm_v128_load(x + i);
            acc = wasm_f32x4_add(acc, wasm_f32x4_mul(v, v));
        }
        float ss = hsum_f32x4(acc);
        for (; i < h; i++) ss += x[i] * x[i];
        float scale = 1.0f / __builtin_sqrtf(ss / (float)h + eps.f);
        v128_t s = wasm_f32x4_splat(scale);
        for (i = 0; i + 4 <= h; i += 4)
            wasm_v128_store(out + i, wasm_f32x4_mul(wasm_f32x4_mul(wasm_v128_load(x + i), s), wasm_v128_load(w + i)));
        for (; i < h; i++) out[i] = x[i] * scale * w[i];
    }
}

// Rotary embedding in place. llama.cpp's "normal" mode: pair (2i, 2i+1) of each head of token t
// turns by (pos0 + t) * turns[i] full turns; NEOX (qwen2, whose GGUFs keep Hugging Face's Q/K
// layout): pair (i, i + HEAD_DIM/2), same angles. The angles depend on the token only, so each
// token's sin/cos are computed once (in double, see sincos_turns) and applied to all its heads.
// a: step, v, turns, N_HEADS, HEAD_DIM, AT_POS, NEOX.
static void rope_normal(float *v, uint32_t heads, uint32_t dim, const float *c, const float *s) {
    float cs[256], sn[256];  // per element: cos, and sin with the sign of its place in the pair
    for (uint32_t i = 0; i < dim / 2; i++) {
        cs[2 * i] = cs[2 * i + 1] = c[i];
        sn[2 * i] = -s[i];
        sn[2 * i + 1] = s[i];
    }
    for (uint32_t j = 0; j < heads * dim; j += 4) {  // dim % 4 == 0: whole pairs per vector
        v128_t x = wasm_v128_load(v + j);
        v128_t swapped = wasm_i32x4_shuffle(x, x, 1, 0, 3, 2);
        uint32_t e = j % dim;
        wasm_v128_store(v + j, wasm_f32x4_add(wasm_f32x4_mul(x, wasm_v128_load(cs + e)),
                                              wasm_f32x4_mul(swapped, wasm_v128_load(sn + e))));
    }
}

static void rope_neox(float *v, uint32_t heads, uint32_t dim, const float *c, const float *s) {
    uint32_t half = dim / 2;
    for (uint32_t h = 0; h < heads; h++) {
        float *a = v + h * dim, *b = a + half;
        uint32_t i = 0;
        for (; i + 4 <= half; i += 4) {
            v128_t x = wasm_v128_load(a + i), y = wasm_v128_load(b + i);
            v128_t cv = wasm_v128_load(c + i), sv = wasm_v128_load(s + i);
            wasm_v128_store(a + i, wasm_f32x4_sub(wasm_f32x4_mul(x, cv), wasm_f32x4_mul(y, sv)));
            wasm_v128_store(b + i, wasm_f32x4_add(wasm_f32x4_mul(x, sv), wasm_f32x4_mul(y, cv)));
        }
        for (; i < half; i++) {
            float x = a[i], y = b[i];
            a[i] = x * c[i] - y * s[i];
            b[i] = x * s[i] + y * c[i];
        }
    }
}

void op_rope(const Team *team, const uint32_t *a) {
    const Step *step = PTR(const Step, a[0]);
    const float *turns = PTR(const float, a[2]);
    uint32_t heads = a[3], dim = a[4], lo, hi;
    share(team, step->n_tokens, 1, &lo, &hi);
    float c[128], s[128];  // per pair
    for (uint32_t t = lo; t < hi; t++) {
        uint32_t pos = step->pos0 + t;
        for (uint32_t i = 0; i < dim / 2; i++) {
            double turn = (double)pos * (double)turns[i], sd, cd;
            sincos_turns(turn - __builtin_floor(turn), &sd, &cd);
            c[i] = (float)cd;
            s[i] = (float)sd;
        }
        float *v = PTR(float, a[1]) + (uint64_t)(a[5] ? pos : t) * heads * dim;
        if (a[6]) rope_neox(v, heads, dim, c, s);
        else rope_normal(v, heads, dim, c, s);
    }
}

// y[row] += bias over n_tokens rows of N (qwen2's q/k/v projection biases, right after the
// projection, as bias.wgsl); rows are t, or pos0 + t when AT_POS (K/V cache rows).
// a: step, y, bias, N, AT_POS.
void op_bias(const Team *team, const uint32_t *a) {
    const Step *step = PTR(const Step, a[0]);
    const float *bias = PTR(const float, a[2]);
    uint32_t n = a[3], lo, hi;
    share(team, step->n_tokens, 1, &lo, &hi);
    for (uint32_t t = lo; t < hi; t++) {
        float *y = PTR(float, a[1]) + (uint64_t)(a[4] ? step->pos0 + t : t) * n;
        for (uint32_t i = 0; i < n; i++) y[i] += bias[i];
    }
}

// gate = silu(gate) * up over n_tokens rows of FFN. a: step, gate, up, FFN.
void op_swiglu(const Team *team, const uint32_t *a) {
    const Step *step = PTR(const Step, a[0]);
    float *g = PTR(float, a[1]);
    const float *u = PTR(const float, a[2]);
    uint32_t n = step->n_tokens * a[3], lo, hi, i;
    share(team, n, 64, &lo, &hi);
    v128_t one = wasm_f32x4_splat(1.0f);
    for (i = lo; i + 4 <= hi; i += 4) {
        v128_t x = wasm_v128_load(g + i);
        v128_t silu = wasm_f32x4_div(x, wasm_f32x4_add(one, exp_f32x4(wasm_f32x4_neg(x))));
        wasm_v128_store(g + i, wasm_f32x4_mul(silu, wasm_v128_load(u + i)));
    }
    for (; i < hi; i++) g[i] = g[i] / (1.0f + exp_f32(-g[i])) * u[i];
}

// x += y (the boot self-check). a: x, y, x's size in bytes.
void op_add(const Team *team, const uint32_t *a) {
    float *x = PTR(float, a[0]);
    const float *y = PTR(const float, a[1]);
    uint32_t lo, hi;
    share(team, a[2] / 4, 64, &lo, &hi);
    for (uint32_t i = lo; i < hi; i++) x[i] += y[i];
}

// Byte copy: copy.wgsl (dst = src, dst's size) and buffer-to-buffer copies.
// a: src, dst, bytes.
void op_copy(const Team *team, const uint32_t *a) {
    uint32_t lo, hi;
    share(team, a[2], 4096, &lo, &hi);
    if (hi > lo) __builtin_memmove(PTR(uint8_t, a[1]) + lo, PTR(const uint8_t, a[0]) + lo, hi - lo);
}

// The allowed ids' logits as (id, value bits) pairs; padding past allowed[0]. a: logits,
// allowed (count, ids...), out, CAP.
void op_gather_logits(const Team *team, const uint32_t *a) {
    const float *logits = PTR(const float, a[0]);
    const uint32_t *allowed = PTR(const uint32_t, a[1]);
    uint32_t *out = PTR(uint32_t, a[2]);
    uint32_t lo, hi;
    share(team, a[3], 64, &lo, &hi);
    for (uint32_t j = lo; j < hi; j++) {
        uint32_t id = j < allowed[0] ? allowed[j + 1] : 0xffffffffu;
        Bits v = {.f = j < allowed[0] ? logits[id] : -3.0e38f};
        out[2 * j] = id;
        out[2 * j + 1] = v.u;
    }
}

// The K largest of each SLICE consecutive values as (id, value bits) pairs, largest first, ties
// to the lower id (values are inserted in order and only move past strictly smaller ones).
// a: input, out, N, K, SLICE, PAIRS.
void op_topk(const Team *team, const uint32_t *a) {
    const uint32_t *in = PTR(const uint32_t, a[0]);
    uint32_t *out = PTR(uint32_t, a[1]);
    uint32_t n = a[2], k = a[3], slice = a[4], pairs = a[5], lo, hi;
    float top_value[64];
    uint32_t top_id[64];
    share(team, (n + slice - 1) / slice, 1, &lo, &hi);
    for (uint32_t s = lo; s < hi; s++) {
        for (uint32_t r = 0; r < k; r++) {
            top_value[r] = -3.0e38f;
            top_id[r] = 0xffffffffu;
        }
        uint32_t end = (s + 1) * slice < n ? (s + 1) * slice : n;
        for (uint32_t i = s * slice; i < end; i++) {
            Bits v = {pairs ? in[2 * i + 1] : in[i]};
            if (!(v.f > top_value[k - 1])) continue;
            uint32_t p = k - 1;
            for (; p > 0 && top_value[p - 1] < v.f; p--) {
                top_value[p] = top_value[p - 1];
                top_id[p] = top_id[p - 1];
            }
            top_value[p] = v.f;
            top_id[p] = pairs ? in[2 * i] : i;
        }
        for (uint32_t r = 0; r < k; r++) {
            Bits v = {.f = top_value[r]};
            out[2 * (s * k + r)] = top_id[r];
            out[2 * (s * k + r) + 1] = v.u;
        }
    }
}
