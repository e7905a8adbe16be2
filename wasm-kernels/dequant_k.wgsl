// Library of dequant.wgsl (which documents the formats): FMT 6 (Q5), 12 (Q4_K), 13 (Q5_K), 14 (Q6_K).
// Only pasted into kernels built for one of these formats, followed by the `dequant_k` that
// dequant.wgsl calls, written by the loader for that one format (weights.py: _dequant_k).

// Bits shift.. (under mask) of each byte of a word, as 4 floats (byte 0 first).
fn byte_fields(w: u32, shift: u32, mask: i32) -> vec4<f32> {
    let s = vec4<u32>(shift, shift + 8u, shift + 16u, shift + 24u);
    return vec4<f32>((vec4<i32>(bitcast<i32>(w)) >> s) & vec4<i32>(mask));
}

// Q5: bits e .. e+3 of the fifth-bit word, worth 16 each.
fn fifth_bits(qh: u32, e: u32) -> vec4<f32> {
    let s = vec4<u32>(e, e + 1u, e + 2u, e + 3u);
    return vec4<f32>((vec4<i32>(bitcast<i32>(qh)) >> s) & vec4<i32>(1)) * 16.0;
}

fn dequant_q5(g: u32) -> array<vec4<f32>, 8> {
    let dm = unpack2x16float(scales[2u * g]);
    let qh = scales[2u * g + 1u];
    let q = quants[g];
    let lo = nibbles(q, 0u);
    let hi = nibbles(q, 4u);
    return array<vec4<f32>, 8>(
        (lo[0] + fifth_bits(qh, 0u)) * dm.x + dm.y, (lo[1] + fifth_bits(qh, 4u)) * dm.x + dm.y,
        (lo[2] + fifth_bits(qh, 8u)) * dm.x + dm.y, (lo[3] + fifth_bits(qh, 12u)) * dm.x + dm.y,
        (hi[0] + fifth_bits(qh, 16u)) * dm.x + dm.y, (hi[1] + fifth_bits(qh, 20u)) * dm.x + dm.y,
        (hi[2] + fifth_bits(qh, 24u)) * dm.x + dm.y, (hi[3] + fifth_bits(qh, 28u)) * dm.x + dm.y);
}

// Byte k (0..11) of a K-quant header's packed scales (words h.y, h.z, h.w).
fn k_byte(h: vec4<u32>, k: u32) -> u32 {
    let w = select(select(h.w, h.z, k < 8u), h.y, k < 4u);
    return (w >> ((k & 3u) * 8u)) & 0xFFu;
}

// Q4_K/Q5_K sub-block j's (d*scale, dmin*min): ggml packs 8 6-bit scales and 8 6-bit mins in 12
// bytes: j < 4 in the low 6 bits of bytes j, j+4; j >= 4 in the nibbles of byte j+4, with their top
// 2 bits in the spare high bits of bytes j-4 (scale) and j (min).
fn k_scale_min(h: vec4<u32>, j: u32) -> vec2<f32> {
    let dd = unpack2x16float(h.x);  // (d, dmin)
    var sc: u32;
    var m: u32;
    if (j < 4u) {
        sc = k_byte(h, j) & 63u;
        m = k_byte(h, j + 4u) & 63u;
    } else {
        sc = (k_byte(h, j + 4u) & 15u) | ((k_byte(h, j - 4u) >> 6u) << 4u);
        m = (k_byte(h, j + 4u) >> 4u) | ((k_byte(h, j) >> 6u) << 4u);
    }
    return vec2<f32>(dd.x * f32(sc), dd.y * f32(m));
}

// Q4_K (HIGH = false, 9 vec4 a super-block) and Q5_K (HIGH, 11 vec4: 2 vec4 of fifth bits first).
fn dequant_k45(g: u32, high: bool) -> array<vec4<f32>, 8> {
    let j = g % 8u;
    let base = (g / 8u) * select(9u, 11u, high);
    let sm = k_scale_min(quants[base], j);
    let at = base + select(1u, 3u, high) + (j >> 1u) * 2u;
    let shift = (j & 1u) * 4u;
    var a = nibbles(quants[at], shift);
    var b = nibbles(quants[at + 1u], shift);
    if (high) {
        let h0 = quants[base + 1u];
        let h1 = quants[base + 2u];
        a = array<vec4<f32>, 4>(a[0] + 16.0 * byte_fields(h0.x, j, 1), a[1] + 16.0 * byte_fields(h0.y, j, 1),
                                a[2] + 16.0 * byte_fields(h0.z, j, 1), a[3] + 16.0 * byte_fields(h0.w, j, 1));
        b = array<vec4<f32>, 4>(b[0] + 16.0 * byte_fields(h1.x, j, 1), b[1] + 16.0 * byte_fields(h1.y, j, 1),
                                b[2] + 16.0 * byte_fields(h1.z, j, 1), b[3] + 16.0 * byte_fields(h1.w, j, 1));
    }
    return array<vec4<f32>, 8>(a[0] * sm.x - sm.y, a[1] * sm.x - sm.y, a[2] * sm.x - sm.y, a[3] * sm.x - sm.y,
                               b[0] * sm.x - sm.y, b[1] * sm.x - sm.y, b[2] * sm.x - sm.y, b[3] * sm.x - sm.y);
}

// Q6_K sub-block j = 4n + k (n: which 128-element half, k: which quarter of it): low 4 bits from
// 32 bytes of the half's 64 (k odd: the second 32; k >= 2: high nibbles), top 2 bits at 2k of the
// half's 32 qh bytes; elements 0..15 use int8 scale 2j, 16..31 scale 2j+1.
fn dequant_q6k(g: u32) -> array<vec4<f32>, 8> {
    let j = g % 8u;
    let n = j >> 2u;
    let k = j & 3u;
    let base = (g / 8u) * 13u;
    let d = bitcast<f32>(scales[g / 8u]);
    let a = nibbles(quants[base + 4u * n + 2u * (k & 1u)], (k >> 1u) * 4u);
    let b = nibbles(quants[base + 4u * n + 2u * (k & 1u) + 1u], (k >> 1u) * 4u);
    let h0 = quants[base + 8u + 2u * n];
    let h1 = quants[base + 9u + 2u * n];
    let sw = quants[base + 12u][j >> 1u];
    let sh = (j & 1u) * 16u;
    let s0 = d * f32((bitcast<i32>(sw) << (24u - sh)) >> 24u);
    let s1 = d * f32((bitcast<i32>(sw) << (16u - sh)) >> 24u);
    let o = vec4<f32>(32.0);
    let s = 2u * k;
    return array<vec4<f32>, 8>(
        (a[0] + 16.0 * byte_fields(h0.x, s, 3) - o) * s0, (a[1] + 16.0 * byte_fields(h0.y, s, 3) - o) * s0,
        (a[2] + 16.0 * byte_fields(h0.z, s, 3) - o) * s0, (a[3] + 16.0 * byte_fields(h0.w, s, 3) - o) * s0,
        (b[0] + 16.0 * byte_fields(h1.x, s, 3) - o) * s1, (b[1] + 16.0 * byte_fields(h1.y, s, 3) - o) * s1,
        (b[2] + 16.0 * byte_fields(h1.z, s, 3) - o) * s1, (b[3] + 16.0 * byte_fields(h1.w, s, 3) - o) * s1);
}
