// Products, dequantization and repack of Q5 (Q5_0/Q5_1), Q4_K, Q5_K and Q6_K weights (layouts:
// dequant.wgsl, FMT 6, 12, 13, 14). They run in place on what the WebGPU kernels read (Q4_K/Q5_K
// the file's super-blocks; Q5 and Q6_K repacked into aligned blocks) rather than being expanded
// into Q8 at load: Qwen2.5-0.5B is 54% Q5_0, which as Q8 would take the model to 1.35x its file.
// As in cpu_linear.c, x arrives quantized per 32-block to int8 and each (sub-)block's product is
// an exact integer dot product; the weights' quants are unpacked to bytes 0..63 first (nibble,
// fifth or sixth bits), which are valid i7 operands of relaxed SIMD's dot product as well.
#include "cpu_quants.h"
#include "cpu_math.h"

static inline uint32_t word_at(const uint8_t *p) {
    uint32_t v;
    __builtin_memcpy(&v, p, 4);
    return v;
}

static inline uint32_t half_at(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
}

// sum(v[i] * x[e + i]) over 16 elements, v unsigned bytes 0..127: the lanes sum to it.
static inline v128_t udot16(v128_t v, const XBlocks *x, uint32_t e) {
#ifdef RELAXED
    return wasm_i32x4_relaxed_dot_i8x16_i7x16_add(wasm_v128_load(x->q8 + e), v, wasm_i32x4_splat(0));
#else
    v128_t r = wasm_i32x4_dot_i16x8(wasm_u16x8_extend_low_u8x16(v), wasm_v128_load(x->q + e));
    return wasm_i32x4_add(r, wasm_i32x4_dot_i16x8(wasm_u16x8_extend_high_u8x16(v), wasm_v128_load(x->q + e + 8)));
#endif
}

static inline v128_t udot32(v128_t lo, v128_t hi, const XBlocks *x, uint32_t e) {
    return wasm_i32x4_add(udot16(lo, x, e), udot16(hi, x, e + 16));
}

// sum((v[i] - 32) * x[e + i]) over 16 elements, v bytes 0..63 (Q6_K's offset quants).
static inline v128_t offset_dot16(v128_t v, const XBlocks *x, uint32_t e) {
#ifdef RELAXED
    v128_t xv = wasm_v128_load(x->q8 + e);
    v128_t r = wasm_i32x4_relaxed_dot_i8x16_i7x16_add(xv, v, wasm_i32x4_splat(0));
    return wasm_i32x4_sub(r, wasm_i32x4_relaxed_dot_i8x16_i7x16_add(xv, wasm_i8x16_splat(32), wasm_i32x4_splat(0)));
#else
    v128_t s = wasm_i8x16_sub(v, wasm_i8x16_splat(32));
    v128_t r = wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(s), wasm_v128_load(x->q + e));
    return wasm_i32x4_add(r, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(s), wasm_v128_load(x->q + e + 8)));
#endif
}

static inline int32_t lane_sum(v128_t v) {
    return wasm_i32x4_extract_lane(v, 0) + wasm_i32x4_extract_lane(v, 1) + wasm_i32x4_extract_lane(v, 2) +
           wasm_i32x4_extract_lane(v, 3);
}

// ---- Q5: 16 nibble bytes a block; scales = (d, m) f16 pair, then the 32 fifth bits.

// 16 bytes, 16 where the fifth bit of element e is set: `spread` holds in lanes 0..7 the byte of
// the bit word with bits 0..7 of those 16 elements, in lanes 8..15 the next; the mask keeps one
// bit a lane.
static inline v128_t fifth_bits(v128_t spread) {
    v128_t mask = wasm_i8x16_make(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
    return wasm_v128_and(wasm_i8x16_eq(wasm_v128_and(spread, mask), mask), wasm_i8x16_splat(16));
}

// A block's 32 quants as bytes 0..31: elements 0..15 in *lo, 16..31 in *hi.
static inline void q5_unpack(const uint8_t *q, uint32_t qh, v128_t *lo, v128_t *hi) {
    v128_t v = wasm_v128_load(q), bits = wasm_i32x4_splat((int32_t)qh);
    // constant shuffles (one pshufb each), not swizzles (whose out-of-range rule costs more)
    *lo = wasm_v128_or(wasm_v128_and(v, wasm_i8x16_splat(15)),
                       fifth_bits(wasm_i8x16_shuffle(bits, bits, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1)));
    *hi = wasm_v128_or(wasm_u8x16_shr(v, 4),
                       fifth_bits(wasm_i8x16_shuffle(bits, bits, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3)));
}

// Four blocks at a time, as row_dot_q4: value = d*q + m, so the product is d*dx*sum(q*xq) + m*xs.
// The blocks are unpacked once for all n tokens (prefill: the unpacking is most of the work).
static inline __attribute__((always_inline)) void rows_q5(const uint8_t *quants, const uint32_t *scales, uint32_t g0, uint32_t blocks, const XBlocks *x,
                    uint32_t n, float *out) {
    const uint8_t *q = quants + 16u * g0;
    const uint32_t *sc = scales + 2u * g0;
    v128_t acc[MAX_TOKENS], lo[4], hi[4];
    for (uint32_t t = 0; t < n; t++) acc[t] = wasm_f32x4_splat(0.0f);
    uint32_t b = 0;
    for (; b + 4 <= blocks; b += 4) {
        for (uint32_t i = 0; i < 4; i++) q5_unpack(q + 16 * (b + i), sc[2 * (b + i) + 1], lo + i, hi + i);
        v128_t w = wasm_i32x4_shuffle(wasm_v128_load(sc + 2 * b), wasm_v128_load(sc + 2 * b + 4), 0, 2, 4, 6);
        v128_t dw = f16x4_to_f32x4(w), mw = f16x4_to_f32x4(wasm_u32x4_shr(w, 16));
        for (uint32_t t = 0; t < n; t++) {
            const XBlocks *xt = x + t;
            v128_t s = hsum4(udot32(lo[0], hi[0], xt, 32 * b), udot32(lo[1], hi[1], xt, 32 * (b + 1)),
                             udot32(lo[2], hi[2], xt, 32 * (b + 2)), udot32(lo[3], hi[3], xt, 32 * (b + 3)));
            v128_t f = wasm_f32x4_mul(dw, wasm_v128_load(xt->d + b));
            acc[t] = wasm_f32x4_add(acc[t], wasm_f32x4_mul(wasm_f32x4_convert_i32x4(s), f));
            acc[t] = wasm_f32x4_add(acc[t], wasm_f32x4_mul(mw, wasm_v128_load(xt->s + b)));
        }
    }
    for (uint32_t t = 0; t < n; t++) out[t] = hsum_f32x4(acc[t]);
    for (; b < blocks; b++) {
        float d = f16_to_f32(sc[2 * b]), m = f16_to_f32(sc[2 * b] >> 16);
        q5_unpack(q + 16 * b, sc[2 * b + 1], lo, hi);
        for (uint32_t t = 0; t < n; t++)
            out[t] += (float)lane_sum(udot32(lo[0], hi[0], x + t, 32 * b)) * (d * x[t].d[b]) + m * x[t].s[b];
    }
}

// ---- Q4_K / Q5_K: 256-element super-blocks read in place (144 / 176 bytes).

// Sub-block j's scale d*sc and min dmin*m: 8 6-bit pairs packed in 12 bytes (ggml's
// get_scale_min_k4: j < 4 low 6 bits of bytes j, j+4; else nibbles of byte j+4 and the spare
// top bits of bytes j-4 and j).
static void k_scales(const uint8_t *sb, float *scale, float *min) {
    float d = f16_to_f32(half_at(sb)), dmin = f16_to_f32(half_at(sb + 2));
    const uint8_t *s = sb + 4;
    for (int j = 0; j < 4; j++) {
        scale[j] = d * (float)(s[j] & 63);
        min[j] = dmin * (float)(s[j + 4] & 63);
        scale[j + 4] = d * (float)((s[j + 8] & 15) | ((s[j] >> 6) << 4));
        min[j + 4] = dmin * (float)((s[j + 8] >> 4) | ((s[j + 4] >> 6) << 4));
    }
}

// Q5_K's fifth bits of sub-block j (bit j of each of 16 bytes), as 16.
static inline v128_t k_fifth(v128_t qh, uint32_t j) {
    v128_t moved = j <= 4 ? wasm_i8x16_shl(qh, 4 - j) : wasm_u8x16_shr(qh, j - 4);
    return wasm_v128_and(moved, wasm_i8x16_splat(16));
}

// A super-block's 8 sub-blocks as bytes 0..31 (sub-block j: elements 0..15 in q[2j], 16..31 in
// q[2j+1]). Inlined with `five` constant, so Q4_K carries no fifth-bit work.
static inline __attribute__((always_inline)) void k45_unpack(const uint8_t *sb, int five, v128_t *q) {
    const uint8_t *qs = sb + (five ? 48 : 16);
    v128_t nib = wasm_i8x16_splat(15), qh0 = wasm_v128_load(sb + 16), qh1 = wasm_v128_load(sb + 32);
    for (uint32_t c = 0; c < 4; c++) {  // sub-blocks 2c (low nibbles) and 2c+1 share 32 bytes
        v128_t v0 = wasm_v128_load(qs + 32 * c), v1 = wasm_v128_load(qs + 32 * c + 16);
        v128_t *a = q + 4 * c, *b = a + 2;
        a[0] = wasm_v128_and(v0, nib);
        a[1] = wasm_v128_and(v1, nib);
        b[0] = wasm_u8x16_shr(v0, 4);
        b[1] = wasm_u8x16_shr(v1, 4);
        if (five) {
            a[0] = wasm_v128_or(a[0], k_fifth(qh0, 2 * c));
            a[1] = wasm_v128_or(a[1], k_fifth(qh1, 2 * c));
            b[0] = wasm_v128_or(b[0], k_fifth(qh0, 2 * c + 1));
            b[1] = wasm_v128_or(b[1], k_fifth(qh1, 2 * c + 1));
        }
    }
}

static inline __attribute__((always_inline)) void rows_k45(const uint8_t *quants, uint32_t g0, uint32_t blocks,
                                                           const XBlocks *x, uint32_t n, float *out, int five) {
    uint32_t bytes = five ? 176 : 144;
    const uint8_t *sb = quants + bytes * (g0 / 8);
    v128_t acc[MAX_TOKENS], q[16];
    for (uint32_t t = 0; t < n; t++) acc[t] = wasm_f32x4_splat(0.0f);
    for (uint32_t b = 0; b < blocks; b += 8, sb += bytes) {
        float scale[8], min[8];
        k_scales(sb, scale, min);
        k45_unpack(sb, five, q);
        for (uint32_t t = 0; t < n; t++) {
            const XBlocks *xt = x + t;
            v128_t s[8];
            for (uint32_t j = 0; j < 8; j++) s[j] = udot32(q[2 * j], q[2 * j + 1], xt, 32 * (b + j));
            for (uint32_t h = 0; h < 8; h += 4) {  // value = scale*q - min, per sub-block
                v128_t si = wasm_f32x4_convert_i32x4(hsum4(s[h], s[h + 1], s[h + 2], s[h + 3]));
                v128_t f = wasm_f32x4_mul(wasm_v128_load(scale + h), wasm_v128_load(xt->d + b + h));
                acc[t] = wasm_f32x4_add(acc[t], wasm_f32x4_mul(si, f));
                acc[t] = wasm_f32x4_sub(acc[t], wasm_f32x4_mul(wasm_v128_load(min + h), wasm_v128_load(xt->s + b + h)));
            }
        }
    }
    for (uint32_t t = 0; t < n; t++) out[t] = hsum_f32x4(acc[t]);
}

// ---- Q6_K: 208 bytes a super-block (128 low-nibble bytes, 64 of 2-bit highs, 16 int8 scales),
// d as f32 in scales. Sub-block j = 4n + k: nibbles of bytes 64n + 32(k&1) .. (high ones for
// k >= 2), top bits 2k.. of bytes 32n ..; scales 8n + 2k (elements 0..15) and 8n + 2k + 1.

static inline v128_t q6_top(v128_t h, uint32_t k) {
    v128_t moved = k == 0 ? wasm_i8x16_shl(h, 4) : k == 1 ? wasm_i8x16_shl(h, 2) : k == 2 ? h : wasm_u8x16_shr(h, 2);
    return wasm_v128_and(moved, wasm_i8x16_splat(0x30));
}

// Half h of a super-block's quants as bytes 0..63: sub-block 4h + k in q[2k], q[2k+1].
static inline void q6_unpack(const uint8_t *sb, uint32_t h, v128_t *q) {
    const uint8_t *ql = sb + 64 * h, *qh = sb + 128 + 32 * h;
    v128_t h0 = wasm_v128_load(qh), h1 = wasm_v128_load(qh + 16), l[4], nib = wasm_i8x16_splat(15);
    for (int i = 0; i < 4; i++) l[i] = wasm_v128_load(ql + 16 * i);
    for (uint32_t k = 0; k < 4; k++) {
        v128_t la = l[2 * (k & 1)], lb = l[2 * (k & 1) + 1];
        la = k >= 2 ? wasm_u8x16_shr(la, 4) : wasm_v128_and(la, nib);
        lb = k >= 2 ? wasm_u8x16_shr(lb, 4) : wasm_v128_and(lb, nib);
        q[2 * k] = wasm_v128_or(la, q6_top(h0, k));
        q[2 * k + 1] = wasm_v128_or(lb, q6_top(h1, k));
    }
}

static inline __attribute__((always_inline)) void rows_q6k(const uint8_t *quants, const float *d, uint32_t g0, uint32_t blocks, const XBlocks *x,
                     uint32_t n, float *out) {
    const uint8_t *sb = quants + 208u * (g0 / 8);
    const float *dd = d + g0 / 8;
    v128_t acc[MAX_TOKENS], q[8];
    for (uint32_t t = 0; t < n; t++) acc[t] = wasm_f32x4_splat(0.0f);
    for (uint32_t b = 0; b < blocks; b += 8, sb += 208, dd++) {
        const int8_t *sc = (const int8_t *)(sb + 192);
        v128_t dv = wasm_f32x4_splat(*dd);
        for (uint32_t h = 0; h < 2; h++) {
            q6_unpack(sb, h, q);
            for (uint32_t t = 0; t < n; t++) {
                v128_t r[4];
                for (uint32_t k = 0; k < 4; k++) {
                    uint32_t e = 32 * (b + 4 * h + k), j = 8 * h + 2 * k;
                    r[k] = wasm_i32x4_add(wasm_i32x4_mul(offset_dot16(q[2 * k], x + t, e), wasm_i32x4_splat(sc[j])),
                                          wasm_i32x4_mul(offset_dot16(q[2 * k + 1], x + t, e + 16),
                                                         wasm_i32x4_splat(sc[j + 1])));
                }
                v128_t si = wasm_f32x4_convert_i32x4(hsum4(r[0], r[1], r[2], r[3]));
                v128_t f = wasm_f32x4_mul(dv, wasm_v128_load(x[t].d + b + 4 * h));
                acc[t] = wasm_f32x4_add(acc[t], wasm_f32x4_mul(si, f));
            }
        }
    }
    for (uint32_t t = 0; t < n; t++) out[t] = hsum_f32x4(acc[t]);
}

// n tokens of one format: inlined per (format, n) with n a constant, so the per-token loops unroll
// and their accumulators stay in locals (a runtime n would keep them in memory).
#define ROWS(fmt, n)                                                                   \
    do {                                                                               \
        if ((fmt) == FMT_Q5) rows_q5(quants, scales, g0, blocks, x, (n), out);         \
        else if ((fmt) == FMT_Q6K) rows_q6k(quants, scales, g0, blocks, x, (n), out);  \
        else if ((fmt) == FMT_Q5K) rows_k45(quants, g0, blocks, x, (n), out, 1);       \
        else rows_k45(quants, g0, blocks, x, (n), out, 0);                             \
    } while (0)

static void rows_tile(uint32_t fmt, const void *quants, const void *scales, uint32_t g0, uint32_t blocks,
                      const XBlocks *x, float *out) {
    ROWS(fmt, MAX_TOKENS);
}

static void rows_one(uint32_t fmt, const void *quants, const void *scales, uint32_t g0, uint32_t blocks,
                     const XBlocks *x, float *out) {
    ROWS(fmt, 1);
}

void rows_dot_more(uint32_t fmt, const void *quants, const void *scales, uint32_t row, uint32_t blocks,
                   const XBlocks *x, uint32_t n, float *out) {
    uint32_t g0 = row * blocks;
    if (n == MAX_TOKENS) {
        rows_tile(fmt, quants, scales, g0, blocks, x, out);
        return;
    }
    for (uint32_t t = 0; t < n; t++) rows_one(fmt, quants, scales, g0, blocks, x + t, out + t);
}

// ---- Dequantization of one 32-block (embedding rows: plain C, a row per token).

static void dequant_k45(const uint8_t *quants, uint32_t g, int five, float *out) {
    uint32_t bytes = five ? 176 : 144, j = g % 8;
    const uint8_t *sb = quants + bytes * (g / 8);
    const uint8_t *qs = sb + (five ? 48 : 16) + 32 * (j / 2), *qh = sb + 16;
    float scale[8], min[8];
    k_scales(sb, scale, min);
    for (uint32_t l = 0; l < 32; l++) {
        uint32_t q = (qs[l] >> (4 * (j & 1))) & 15;
        if (five) q |= ((qh[l] >> j) & 1) << 4;
        out[l] = scale[j] * (float)q - min[j];
    }
}

static void dequant_q6k(const uint8_t *quants, const float *d, uint32_t g, float *out) {
    uint32_t j = g % 8, n = j >> 2, k = j & 3;
    const uint8_t *sb = quants + 208 * (g / 8);
    const uint8_t *ql = sb + 64 * n + 32 * (k & 1), *qh = sb + 128 + 32 * n;
    const int8_t *sc = (const int8_t *)(sb + 192) + 8 * n + 2 * k;
    for (uint32_t l = 0; l < 32; l++) {
        int32_t q = (int32_t)(((ql[l] >> (4 * (k >> 1))) & 15) | (((qh[l] >> (2 * k)) & 3) << 4)) - 32;
        out[l] = d[g / 8] * (float)sc[l / 16] * (float)q;
    }
}

void dequant_more(uint32_t fmt, const void *quants, const void *scales, uint32_t g, float *out) {
    if (fmt == FMT_Q5) {
        const uint8_t *q = (const uint8_t *)quants + 16 * g;
        const uint32_t *sc = (const uint32_t *)scales + 2 * g;
        float d = f16_to_f32(sc[0]), m = f16_to_f32(sc[0] >> 16);
        for (uint32_t l = 0; l < 16; l++) {
            out[l] = d * (float)((q[l] & 15) | (((sc[1] >> l) & 1) << 4)) + m;
            out[l + 16] = d * (float)((q[l] >> 4) | (((sc[1] >> (l + 16)) & 1) << 4)) + m;
        }
    } else if (fmt == FMT_Q6K) {
        dequant_q6k(quants, scales, g, out);
    } else {
        dequant_k45(quants, g, fmt == FMT_Q5K, out);
    }
}

// ---- Load-time repack (repack.wgsl's SRC 6, 7, 14).

void repack_more(uint32_t src, const uint8_t *raw, uint8_t *quants, uint32_t *scales, uint32_t g) {
    if (src == 6) {  // Q5_0 (22 bytes: d, fifth bits, nibbles): m = -16d, exact in f16
        uint32_t d = half_at(raw + 22 * g);
        scales[2 * g] = d | f32_to_f16_exact(-16.0f * f16_to_f32(d)) << 16;
        scales[2 * g + 1] = word_at(raw + 22 * g + 2);
        __builtin_memcpy(quants + 16 * g, raw + 22 * g + 6, 16);
    } else if (src == 7) {  // Q5_1 (24 bytes: d, m, fifth bits, nibbles)
        scales[2 * g] = word_at(raw + 24 * g);
        scales[2 * g + 1] = word_at(raw + 24 * g + 4);
        __builtin_memcpy(quants + 16 * g, raw + 24 * g + 8, 16);
    } else {  // Q6_K: the first 208 bytes as they are, the f16 d after them as an f32
        Bits d = {.f = f16_to_f32(half_at(raw + 210 * g + 208))};
        scales[g] = d.u;
        __builtin_memcpy(quants + 208 * g, raw + 210 * g, 208);
    }
}
