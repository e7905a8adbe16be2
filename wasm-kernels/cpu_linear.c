// Weights: matrix products (matvec/matmul), embedding lookups, the load-time repack.
// Weight formats as dequant.wgsl documents them (FMT): 0 F32, 1 F16, 2 Q4 (16 nibble bytes a
// block; scale word = f16 d | f16 m << 16; value d*q + m), 8 Q8 (32 int8 a block; scale = f32 d).
// Quantized weights meet quantized activations, as fast CPU engines do it: each 32-value block of
// x becomes int8 values (scale dx = max|x| / 127, kept widened to int16 for i32x4.dot_i16x8_s),
// the block products are exact integer dot products, and only their sums are scaled and added in
// f32. For Q4, sum(m * x) = m * dx * sum(xq) uses the block's precomputed sum.
#include "cpu.h"
#include "cpu_math.h"
#include "cpu_quants.h"  // Q5, Q4_K, Q5_K, Q6_K: the formats beyond these four

enum { FMT_F32 = 0, FMT_F16 = 1, FMT_Q4 = 2, FMT_Q8 = 8 };

// Quantized activations of up to SCRATCH values (whole tokens; bigger batches go in chunks).
#define SCRATCH (1u << 18)
static int16_t xq[SCRATCH];
static float xd[SCRATCH / 32];  // per block: dx
static float xs[SCRATCH / 32];  // per block: dx * sum(xq)
#ifdef RELAXED
#define XQ8(at) (xq8 + (at))
// The same values as int8 for relaxed SIMD's i8 x i7 dot product (kernels-*relaxed.wasm): Q4
// nibbles (0..15) are valid i7 operands, so its result is exact and the same on every engine.
static int8_t xq8[SCRATCH];
#else
#define XQ8(at) ((const int8_t *)0)
#endif

// Blocks [b0, b1) of x into xq/xd/xs (same block indices).
static void quantize_blocks(const float *x, uint32_t b0, uint32_t b1) {
    for (uint32_t b = b0; b < b1; b++) {
        const float *src = x + 32 * b;
        v128_t amax = wasm_f32x4_splat(0.0f);
        for (int j = 0; j < 32; j += 4) amax = wasm_f32x4_max(amax, wasm_f32x4_abs(wasm_v128_load(src + j)));
        float m = wasm_f32x4_extract_lane(amax, 0);
        for (int l = 1; l < 4; l++) {
            float v = l == 1 ? wasm_f32x4_extract_lane(amax, 1) : l == 2 ? wasm_f32x4_extract_lane(amax, 2)
                                                                         : wasm_f32x4_extract_lane(amax, 3);
            m = v > m ? v : m;
        }
        float d = m / 127.0f;
        v128_t inv = wasm_f32x4_splat(d > 0.0f ? 1.0f / d : 0.0f);
        v128_t sum = wasm_i32x4_splat(0);
        for (int j = 0; j < 32; j += 8) {
            v128_t lo = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_f32x4_mul(wasm_v128_load(src + j), inv)));
            v128_t hi = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_f32x4_mul(wasm_v128_load(src + j + 4), inv)));
            v128_t q = wasm_i16x8_narrow_i32x4(lo, hi);
            wasm_v128_store(xq + 32 * b + j, q);
#ifdef RELAXED
            wasm_v128_store64_lane(xq8 + 32 * b + j, wasm_i8x16_narrow_i16x8(q, q), 0);
#endif
            sum = wasm_i32x4_add(sum, wasm_i32x4_add(lo, hi));
        }
        xd[b] = d;
        xs[b] = d * (float)(wasm_i32x4_extract_lane(sum, 0) + wasm_i32x4_extract_lane(sum, 1) +
                            wasm_i32x4_extract_lane(sum, 2) + wasm_i32x4_extract_lane(sum, 3));
    }
}

#ifndef RELAXED
// Integer dot product of one weight block with 32 int16 activations (lanes sum to the result).
static inline v128_t q4_dot(const uint8_t *q, const int16_t *x) {
    v128_t v = wasm_v128_load(q);
    v128_t lo = wasm_v128_and(v, wasm_i8x16_splat(0x0f));
    v128_t hi = wasm_u8x16_shr(v, 4);
    v128_t r = wasm_i32x4_dot_i16x8(wasm_u16x8_extend_low_u8x16(lo), wasm_v128_load(x));
    r = wasm_i32x4_add(r, wasm_i32x4_dot_i16x8(wasm_u16x8_extend_high_u8x16(lo), wasm_v128_load(x + 8)));
    r = wasm_i32x4_add(r, wasm_i32x4_dot_i16x8(wasm_u16x8_extend_low_u8x16(hi), wasm_v128_load(x + 16)));
    return wasm_i32x4_add(r, wasm_i32x4_dot_i16x8(wasm_u16x8_extend_high_u8x16(hi), wasm_v128_load(x + 24)));
}
#endif

#ifdef RELAXED
// Two i8 x i7 dot products (x by the low, then the high nibbles) do the whole block.
static inline v128_t q4_dot8(const uint8_t *q, const int8_t *x) {
    v128_t v = wasm_v128_load(q);
    v128_t r = wasm_i32x4_relaxed_dot_i8x16_i7x16_add(wasm_v128_load(x), wasm_v128_and(v, wasm_i8x16_splat(0x0f)),
                                                      wasm_i32x4_splat(0));
    return wasm_i32x4_relaxed_dot_i8x16_i7x16_add(wasm_v128_load(x + 16), wasm_u8x16_shr(v, 4), r);
}
#define Q4_DOT(q, b) q4_dot8((q), xq8 + 32u * (xb + (b)))
#else
#define Q4_DOT(q, b) q4_dot((q), xq + 32u * (xb + (b)))
#endif

static inline v128_t q8_dot(const int8_t *q, const int16_t *x) {
    v128_t a = wasm_v128_load(q), b = wasm_v128_load(q + 16);
    v128_t r = wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(a), wasm_v128_load(x));
    r = wasm_i32x4_add(r, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(a), wasm_v128_load(x + 8)));
    r = wasm_i32x4_add(r, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(b), wasm_v128_load(x + 16)));
    return wasm_i32x4_add(r, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(b), wasm_v128_load(x + 24)));
}

// One row (blocks g0 .. g0+blocks-1 of the weights) times quantized token block 0.. (at xb).
// Four blocks at a time: their integer sums become one vector, scaled by d_w * dx in one go.
static float row_dot_q4(const uint8_t *quants, const uint32_t *scales, uint32_t g0, uint32_t blocks, uint32_t xb) {
    const uint8_t *q = quants + 16u * g0;
    const uint32_t *sc = scales + g0;
    v128_t acc = wasm_f32x4_splat(0.0f);
    uint32_t b = 0;
    for (; b + 4 <= blocks; b += 4) {
        v128_t s = hsum4(Q4_DOT(q + 16 * b, b), Q4_DOT(q + 16 * (b + 1), b + 1),
                         Q4_DOT(q + 16 * (b + 2), b + 2), Q4_DOT(q + 16 * (b + 3), b + 3));
        v128_t w = wasm_v128_load(sc + b);
        v128_t dw = f16x4_to_f32x4(w), mw = f16x4_to_f32x4(wasm_u32x4_shr(w, 16));
        v128_t f = wasm_f32x4_mul(dw, wasm_v128_load(xd + xb + b));
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(s), f));
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(mw, wasm_v128_load(xs + xb + b)));
    }
    float total = hsum_f32x4(acc);
    for (; b < blocks; b++) {
        v128_t d = Q4_DOT(q + 16 * b, b);
        int32_t s = wasm_i32x4_extract_lane(d, 0) + wasm_i32x4_extract_lane(d, 1) +
                    wasm_i32x4_extract_lane(d, 2) + wasm_i32x4_extract_lane(d, 3);
        total += (float)s * (f16_to_f32(sc[b]) * xd[xb + b]) + f16_to_f32(sc[b] >> 16) * xs[xb + b];
    }
    return total;
}

static float row_dot_q8(const int8_t *quants, const float *scales, uint32_t g0, uint32_t blocks, uint32_t xb) {
    const int8_t *q = quants + 32u * g0;
    const float *sc = scales + g0;
    const int16_t *x = xq + 32u * xb;
    v128_t acc = wasm_f32x4_splat(0.0f);
    uint32_t b = 0;
    for (; b + 4 <= blocks; b += 4) {
        v128_t s = hsum4(q8_dot(q + 32 * b, x + 32 * b), q8_dot(q + 32 * (b + 1), x + 32 * (b + 1)),
                         q8_dot(q + 32 * (b + 2), x + 32 * (b + 2)), q8_dot(q + 32 * (b + 3), x + 32 * (b + 3)));
        v128_t f = wasm_f32x4_mul(wasm_v128_load(sc + b), wasm_v128_load(xd + xb + b));
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(s), f));
    }
    float total = hsum_f32x4(acc);
    for (; b < blocks; b++) {
        v128_t d = q8_dot(q + 32 * b, x + 32 * b);
        int32_t s = wasm_i32x4_extract_lane(d, 0) + wasm_i32x4_extract_lane(d, 1) +
                    wasm_i32x4_extract_lane(d, 2) + wasm_i32x4_extract_lane(d, 3);
        total += (float)s * (sc[b] * xd[xb + b]);
    }
    return total;
}

// Eight weights of a float row as two f32x4 (F16 rows are converted on the fly).
static inline void float_weights(uint32_t fmt, const void *w, uint32_t i, v128_t *a, v128_t *b) {
    if (fmt == FMT_F32) {
        *a = wasm_v128_load((const float *)w + i);
        *b = wasm_v128_load((const float *)w + i + 4);
    } else {
        v128_t h = wasm_v128_load((const uint16_t *)w + i);
        *a = f16x4_to_f32x4(wasm_u32x4_extend_low_u16x8(h));
        *b = f16x4_to_f32x4(wasm_u32x4_extend_high_u16x8(h));
    }
}

// F32/F16 weights keep x in f32 (no quantization), as ggml does for them.
static float row_dot_float(uint32_t fmt, const void *quants, uint32_t row, uint32_t k, const float *x) {
    const void *w = fmt == FMT_F32 ? (const void *)((const float *)quants + (uint64_t)row * k)
                                   : (const void *)((const uint16_t *)quants + (uint64_t)row * k);
    v128_t acc = wasm_f32x4_splat(0.0f);
    for (uint32_t i = 0; i < k; i += 8) {
        v128_t a, b;
        float_weights(fmt, w, i, &a, &b);
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(a, wasm_v128_load(x + i)));
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(b, wasm_v128_load(x + i + 4)));
    }
    return hsum_f32x4(acc);
}

typedef struct {
    uint32_t fmt, k, n, n_out, accumulate;
    const void *quants, *scales;
    const float *x;   // f32 activations (float formats)
    float *y;         // output row 0 of token 0 (ROW0 and the cache position applied)
} Linear;

// cpu_quants.c's formats: up to MAX_TOKENS tokens per call, which unpacks each block once for them.
static void more_rows(const Linear *L, uint32_t r0, uint32_t r1, uint32_t t0, uint32_t t1) {
    uint32_t blocks = L->k / 32;
    for (uint32_t r = r0; r < r1; r++) {
        for (uint32_t t = t0; t < t1; t += MAX_TOKENS) {
            uint32_t n = t1 - t < MAX_TOKENS ? t1 - t : MAX_TOKENS;
            XBlocks x[MAX_TOKENS];
            float v[MAX_TOKENS];
            for (uint32_t i = 0; i < n; i++) {
                uint32_t at = (t + i - t0) * blocks;
                x[i] = (XBlocks){xq + 32u * at, XQ8(32u * at), xd + at, xs + at};
            }
            rows_dot_more(L->fmt, L->quants, L->scales, r, blocks, x, n, v);
            for (uint32_t i = 0; i < n; i++) {
                float *out = L->y + (uint64_t)(t + i) * L->n_out + r;
                *out = L->accumulate ? *out + v[i] : v[i];
            }
        }
    }
}

// Rows [r0, r1) for tokens [t0, t1) of the chunk quantized at xq (token t0 at block 0).
static void linear_rows(const Linear *L, uint32_t r0, uint32_t r1, uint32_t t0, uint32_t t1) {
    uint32_t blocks = L->k / 32;
    if (is_more_format(L->fmt)) {
        more_rows(L, r0, r1, t0, t1);
        return;
    }
    for (uint32_t r = r0; r < r1; r++) {  // a row's weights stay in cache across the tokens
        for (uint32_t t = t0; t < t1; t++) {
            float v;
            if (L->fmt == FMT_Q4) v = row_dot_q4(L->quants, L->scales, r * blocks, blocks, (t - t0) * blocks);
            else if (L->fmt == FMT_Q8) v = row_dot_q8(L->quants, L->scales, r * blocks, blocks, (t - t0) * blocks);
            else v = row_dot_float(L->fmt, L->quants, r, L->k, L->x + (uint64_t)t * L->k);
            float *out = L->y + (uint64_t)t * L->n_out + r;
            *out = L->accumulate ? *out + v : v;
        }
    }
}

// Tokens a product may touch: those asked for, as far as the bound x and y hold them. WebGPU
// drops out-of-bounds accesses, so a matmul over a one-row buffer with n_tokens > 1 (the
// prefill's logits of the last row) is harmless there; here it must be bounded.
static uint32_t tokens_in_bounds(uint32_t n_tokens, uint32_t x_bytes, uint32_t y_bytes, uint32_t k,
                                 uint32_t n, uint32_t n_out, uint32_t first) {
    uint32_t x_rows = x_bytes / (4 * k), y_floats = y_bytes / 4;
    uint32_t y_rows = y_floats >= first + n ? (y_floats - first - n) / n_out + 1 : 0;
    n_tokens = n_tokens < x_rows ? n_tokens : x_rows;
    return n_tokens < y_rows ? n_tokens : y_rows;
}

// matvec (a[12] = 1: one token) and matmul (step.n_tokens tokens): y[pos?][ROW0 + r] (+)= W x.
// a: step, quants, scales, x, y, FMT, K, N, N_OUT, ROW0, ACCUMULATE, OUT_AT_POS, ONE_TOKEN,
// x's and y's bound sizes in bytes.
void op_linear(const Team *team, const uint32_t *a) {
    const Step *step = PTR(const Step, a[0]);
    uint32_t first = (a[11] ? step->pos0 * a[8] : 0) + a[9];
    Linear L = {a[5], a[6], a[7], a[8], a[10], PTR(const void, a[1]), PTR(const void, a[2]),
                PTR(const float, a[3]), PTR(float, a[4]) + first};
    uint32_t n_tokens = tokens_in_bounds(a[12] ? 1 : step->n_tokens, a[13], a[14], L.k, L.n, L.n_out, first);
    uint32_t lo, hi;
    share(team, L.n, 4, &lo, &hi);
    if (L.fmt == FMT_F32 || L.fmt == FMT_F16) {
        linear_rows(&L, lo, hi, 0, n_tokens);
        return;
    }
    uint32_t blocks = L.k / 32, chunk = SCRATCH / L.k;
    Quantized *cached = team->quantized;
    if (n_tokens <= chunk && cached->x == a[3] && cached->k == L.k && cached->n_tokens == n_tokens) {
        linear_rows(&L, lo, hi, 0, n_tokens);  // x is quantized already (q after k after v...)
        return;
    }
    for (uint32_t t0 = 0; t0 < n_tokens; t0 += chunk) {
        uint32_t t1 = t0 + chunk < n_tokens ? t0 + chunk : n_tokens, b0, b1;
        if (t0 > 0) team_barrier(team);  // every thread is done with the previous chunk
        share(team, (t1 - t0) * blocks, 1, &b0, &b1);
        quantize_blocks(L.x + (uint64_t)t0 * L.k, b0, b1);
        team_barrier(team);  // every thread's rows need every block of x
        linear_rows(&L, lo, hi, t0, t1);
    }
    *cached = n_tokens <= chunk ? (Quantized){a[3], L.k, n_tokens} : (Quantized){0, 0, 0};
}

// 32 values of block g, dequantized.
static void dequant_block(uint32_t fmt, const void *quants, const void *scales, uint32_t g, float *out) {
    if (fmt == FMT_F32 || fmt == FMT_F16) {
        for (int j = 0; j < 32; j += 8) {
            v128_t lo, hi;
            float_weights(fmt, quants, 32 * g + j, &lo, &hi);
            wasm_v128_store(out + j, lo);
            wasm_v128_store(out + j + 4, hi);
        }
    } else if (fmt == FMT_Q4) {
        const uint8_t *q = PTR(const uint8_t, (uintptr_t)quants) + 16 * g;
        uint32_t s = ((const uint32_t *)scales)[g];
        float d = f16_to_f32(s), m = f16_to_f32(s >> 16);
        for (int j = 0; j < 16; j++) {
            out[j] = d * (float)(q[j] & 15) + m;
            out[j + 16] = d * (float)(q[j] >> 4) + m;
        }
    } else if (is_more_format(fmt)) {
        dequant_more(fmt, quants, scales, g, out);
    } else {
        const int8_t *q = PTR(const int8_t, (uintptr_t)quants) + 32 * g;
        float d = ((const float *)scales)[g];
        for (int j = 0; j < 32; j++) out[j] = d * (float)q[j];
    }
}

// x[t] = row ids[t] - ROW0 of the table, for the ids this part holds.
// a: step, quants, scales, ids, x, FMT, H, N, ROW0.
void op_embed(const Team *team, const uint32_t *a) {
    const Step *step = PTR(const Step, a[0]);
    const uint32_t *ids = PTR(const uint32_t, a[3]);
    float *x = PTR(float, a[4]);
    uint32_t fmt = a[5], h = a[6], n = a[7], row0 = a[8], blocks = h / 32, lo, hi;
    share(team, step->n_tokens * blocks, 1, &lo, &hi);
    for (uint32_t i = lo; i < hi; i++) {
        uint32_t t = i / blocks, b = i % blocks, id = ids[t];
        if (id >= row0 && id - row0 < n)
            dequant_block(fmt, PTR(const void, a[1]), PTR(const void, a[2]), (id - row0) * blocks + b, x + t * h + b * 32);
    }
}

static inline uint32_t load_u32(const uint8_t *p) {
    uint32_t v;
    __builtin_memcpy(&v, p, 4);
    return v;
}

static inline uint32_t load_u16(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
}

// ggml blocks (file bytes) -> split quants and scales, as repack.wgsl. a: raw, quants, scales,
// scales' size in bytes, SRC (ggml type: 2 Q4_0, 3 Q4_1, 8 Q8_0; 6, 7, 14 in cpu_quants.c).
void op_repack(const Team *team, const uint32_t *a) {
    const uint8_t *raw = PTR(const uint8_t, a[0]);
    uint8_t *quants = PTR(uint8_t, a[1]);
    uint32_t *scales = PTR(uint32_t, a[2]);
    uint32_t src = a[4], lo, hi;
    if (is_more_repack(src)) {  // Q5_0, Q5_1, Q6_K: cpu_quants.c
        share(team, repack_blocks(src, a[3]), 64, &lo, &hi);
        for (uint32_t g = lo; g < hi; g++) repack_more(src, raw, quants, scales, g);
        return;
    }
    share(team, a[3] / 4, 64, &lo, &hi);
    for (uint32_t g = lo; g < hi; g++) {
        if (src == 2) {  // Q4_0 becomes Q4 with m = -8d (exact: a power-of-two multiple)
            uint32_t d = load_u16(raw + 18 * g);
            scales[g] = d | f32_to_f16_exact(-8.0f * f16_to_f32(d)) << 16;
            __builtin_memcpy(quants + 16 * g, raw + 18 * g + 2, 16);
        } else if (src == 3) {
            scales[g] = load_u32(raw + 20 * g);
            __builtin_memcpy(quants + 16 * g, raw + 20 * g + 4, 16);
        } else {
            Bits d = {.f = f16_to_f32(load_u16(raw + 34 * g))};
            scales[g] = d.u;
            __builtin_memcpy(quants + 32 * g, raw + 34 * g + 2, 32);
        }
    }
}
