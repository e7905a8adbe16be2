// Math the kernels need without a libc (freestanding wasm32): f16 <-> f32, exp, sin/cos.
#ifndef CPU_MATH_H
#define CPU_MATH_H

#include "cpu.h"

typedef union {
    uint32_t u;
    float f;
} Bits;

// Half (low 16 bits) -> float. Shifting the half's exponent+mantissa into float position and
// multiplying by 2^112 rebiases the exponent (15 -> 127) and turns subnormal halves into normal
// floats exactly; infinities and NaNs are not handled (weights and scales never hold them).
static inline float f16_to_f32(uint32_t h) {
    Bits v = {(h & 0x7fffu) << 13};
    v.f *= 0x1p112f;
    v.u |= (h & 0x8000u) << 16;
    return v.f;
}

// Four halves (the low 16 bits of each u32 lane) -> four floats, as f16_to_f32.
static inline v128_t f16x4_to_f32x4(v128_t h) {
    v128_t sign = wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x8000)), 16);
    v128_t mag = wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x7fff)), 13);
    return wasm_v128_or(wasm_f32x4_mul(mag, wasm_f32x4_splat(0x1p112f)), sign);
}

// Float -> half for values a half holds exactly (repack's -8d of a Q4_0 scale); beyond the half
// range it gives infinity, as the GPU's pack2x16float does.
static inline uint32_t f32_to_f16_exact(float f) {
    Bits v = {.f = f};
    uint32_t sign = (v.u >> 16) & 0x8000u;
    v.u &= 0x7fffffffu;
    if (v.f >= 65520.0f) return sign | 0x7c00u;
    if (v.f >= 0x1p-14f) return sign | ((((v.u >> 23) - 112u) << 10) | ((v.u >> 13) & 0x3ffu));
    return sign | (uint32_t)(v.f * 0x1p24f);  // subnormal half: an integer multiple of 2^-24
}

// e^x, 4 lanes: x = n ln2 + r with |r| <= ln2/2, e^r by its Taylor series to r^6 (relative
// error < 1e-7), times 2^n built in the exponent bits. x is clamped to [-87, 88] (e^-87 ~ 1.6e-38
// stands in for 0: softmax and silu only need it to be negligible).
static inline v128_t exp_f32x4(v128_t x) {
    x = wasm_f32x4_max(wasm_f32x4_min(x, wasm_f32x4_splat(88.0f)), wasm_f32x4_splat(-87.0f));
    v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)));
    v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
    r = wasm_f32x4_add(r, wasm_f32x4_mul(n, wasm_f32x4_splat(2.12194440e-4f)));
    v128_t p = wasm_f32x4_splat(1.0f / 720.0f);
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 120.0f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 24.0f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 6.0f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(0.5f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f));
    v128_t scale = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
    return wasm_f32x4_mul(p, scale);
}

static inline float exp_f32(float x) {
    return wasm_f32x4_extract_lane(exp_f32x4(wasm_f32x4_splat(x)), 0);
}

// sin and cos of `turns` full turns, in double precision (rope: few calls, accuracy matters):
// reduce to a quarter turn around 0, then Taylor series to x^17 (error < 1e-15 for |x| <= pi/4).
static inline void sincos_turns(double turns, double *s, double *c) {
    double quarters = turns * 4.0;
    double k = __builtin_nearbyint(quarters);
    double x = (quarters - k) * 1.57079632679489661923;  // |x| <= pi/4
    double x2 = x * x;
    double sn = x, cs = 1.0, term_s = x, term_c = 1.0;
    for (int i = 1; i <= 8; i++) {
        term_s *= -x2 / ((2 * i) * (2 * i + 1));
        term_c *= -x2 / ((2 * i - 1) * (2 * i));
        sn += term_s;
        cs += term_c;
    }
    switch ((int64_t)k & 3) {
        case 0: *s = sn; *c = cs; break;
        case 1: *s = cs; *c = -sn; break;
        case 2: *s = -sn; *c = -cs; break;
        default: *s = -cs; *c = sn; break;
    }
}

#endif
