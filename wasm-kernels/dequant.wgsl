// Library, not a kernel: kernels that read weights start with `// #include dequant` and the loader
// (webgpu_llm/weights.py: load_kernel) pastes this file in. It expects the weights bound as
// `quants: array<vec4<u32>>` and `scales: array<u32>`, and an override FMT naming their format.
// Rows are whole 32-element blocks; block g of a matrix is row g / (K/32), column block g % (K/32).
//   FMT 0  F32: quants = the floats, 8 vec4 a block (scales unused).
//   FMT 1  F16: quants = the halves, 4 vec4 a block (scales unused).
//   FMT 2  Q4 : quants = 16 bytes a block (1 vec4), low nibbles elements 0..15, high 16..31;
//               scales = (d, m) as an f16 pair; value = d*q + m. From ggml Q4_1, or Q4_0 (m = -8d).
//   FMT 8  Q8 : quants = 32 int8 a block (2 vec4); scales = d as f32; value = d*q. From Q8_0.
//   FMT 6  Q5 : quants as Q4 (the low 4 bits); scales = 2 words a block: (d, m) as an f16 pair, then
//               the 32 fifth bits (bit e = element e); value = d*q + m. From Q5_1, or Q5_0 (m = -16d).
// K-quants: 256-element super-blocks of 8 sub-blocks; 32-block g is sub-block g % 8 of super-block
// g / 8 (K % 256 == 0, so super-blocks never straddle rows). Their 6-bit sub-block scales are
// decoded here rather than expanded at load, so they keep ggml's 4.5-6.6 bits per weight.
//   FMT 12 Q4_K: quants = the file's 144-byte super-blocks (9 vec4), unchanged: (d, dmin) f16, 12
//                bytes of packed 6-bit (scale, min) pairs, 128 bytes of nibbles; scales unused.
//                value = d*scale*q - dmin*min. Sub-blocks 2c and 2c+1 share 32 bytes (low, high nibbles).
//   FMT 13 Q5_K: the file's 176-byte super-blocks (11 vec4): as Q4_K plus 32 bytes of fifth bits
//                (bit j of byte l = element l of sub-block j) before the nibbles.
//   FMT 14 Q6_K: 208 bytes a super-block (13 vec4: the file's 128 bytes of low nibbles, 64 of 2-bit
//                highs, 16 int8 scales, one per 16 elements); scales = d as f32 per super-block
//                (repack.wgsl moves it: the file's 210-byte blocks are not word-aligned).
//                value = d*scale*(q - 32).
// The file keeps scales inside each block (ggml's 18/20/34-byte blocks); repack.wgsl splits them
// out at load so that every quant load is one aligned 16-byte read: on CPU-backed WebGPU
// (lavapipe, SwiftShader) the number of loads, not their size, is what costs.
override FMT: u32;

// Signed shifts and int -> float conversion: nibbles are 0..15 either way once masked, and CPU
// adapters convert i32 to f32 in one instruction but u32 in several.
fn nibbles(q: vec4<u32>, shift: u32) -> array<vec4<f32>, 4> {
    let s = vec4<u32>(shift, shift + 8u, shift + 16u, shift + 24u);
    let m = vec4<i32>(15);
    return array<vec4<f32>, 4>(vec4<f32>((vec4<i32>(bitcast<i32>(q.x)) >> s) & m),
                               vec4<f32>((vec4<i32>(bitcast<i32>(q.y)) >> s) & m),
                               vec4<f32>((vec4<i32>(bitcast<i32>(q.z)) >> s) & m),
                               vec4<f32>((vec4<i32>(bitcast<i32>(q.w)) >> s) & m));
}

// Four int8 in a word, sign-extended: shift each to the top, then arithmetic-shift down.
fn int8x4(q: u32) -> vec4<f32> {
    return vec4<f32>((vec4<i32>(bitcast<i32>(q)) << vec4<u32>(24u, 16u, 8u, 0u)) >> vec4<u32>(24u));
}

// The 32 values of block g as 8 vec4s (elements 4j .. 4j+3 in entry j).
fn dequant_block(g: u32) -> array<vec4<f32>, 8> {
    var out: array<vec4<f32>, 8>;
    switch FMT {
        case 0u: {
            for (var j = 0u; j < 8u; j++) {
                out[j] = bitcast<vec4<f32>>(quants[g * 8u + j]);
            }
        }
        case 1u: {
            for (var j = 0u; j < 4u; j++) {
                let h = quants[g * 4u + j];
                out[2u * j] = vec4<f32>(unpack2x16float(h.x), unpack2x16float(h.y));
                out[2u * j + 1u] = vec4<f32>(unpack2x16float(h.z), unpack2x16float(h.w));
            }
        }
        case 2u: {
            let dm = unpack2x16float(scales[g]);
            let q = quants[g];
            let lo = nibbles(q, 0u);
            let hi = nibbles(q, 4u);
            // Constant indices only (see block_dot8).
            out = array<vec4<f32>, 8>(lo[0] * dm.x + dm.y, lo[1] * dm.x + dm.y, lo[2] * dm.x + dm.y,
                                      lo[3] * dm.x + dm.y, hi[0] * dm.x + dm.y, hi[1] * dm.x + dm.y,
                                      hi[2] * dm.x + dm.y, hi[3] * dm.x + dm.y);
        }
        case 6u, 12u, 13u, 14u: {
            out = dequant_k(g);
        }
        default: {
            let d = bitcast<f32>(scales[g]);
            let a = quants[2u * g];
            let b = quants[2u * g + 1u];
            out = array<vec4<f32>, 8>(int8x4(a.x) * d, int8x4(a.y) * d, int8x4(a.z) * d, int8x4(a.w) * d,
                                      int8x4(b.x) * d, int8x4(b.y) * d, int8x4(b.z) * d, int8x4(b.w) * d);
        }
    }
    return out;
}

// sum(value * x) over block g, for x in 8 vec4s whose element sum is xsum. The block's scales
// factor out of the sum (d * sum(q x) + m * sum(x)), which saves a multiply-add per weight.
// Written without loops or arrays indexed by a variable: CPU-backed adapters (SwiftShader, and
// lavapipe less so) keep such arrays in memory and index them lane by lane, which cost ~3x here.
fn block_dot8(g: u32, x0: vec4<f32>, x1: vec4<f32>, x2: vec4<f32>, x3: vec4<f32>, x4: vec4<f32>,
              x5: vec4<f32>, x6: vec4<f32>, x7: vec4<f32>, xsum: f32) -> f32 {
    switch FMT {
        case 2u: {
            let dm = unpack2x16float(scales[g]);
            let q = quants[g];
            let lo = vec4<u32>(0u, 8u, 16u, 24u);
            let hi = vec4<u32>(4u, 12u, 20u, 28u);
            let m = vec4<i32>(15);
            let a = vec4<i32>(bitcast<i32>(q.x));
            let b = vec4<i32>(bitcast<i32>(q.y));
            let c = vec4<i32>(bitcast<i32>(q.z));
            let e = vec4<i32>(bitcast<i32>(q.w));
            let s = dot(vec4<f32>((a >> lo) & m), x0) + dot(vec4<f32>((b >> lo) & m), x1)
                  + dot(vec4<f32>((c >> lo) & m), x2) + dot(vec4<f32>((e >> lo) & m), x3)
                  + dot(vec4<f32>((a >> hi) & m), x4) + dot(vec4<f32>((b >> hi) & m), x5)
                  + dot(vec4<f32>((c >> hi) & m), x6) + dot(vec4<f32>((e >> hi) & m), x7);
            return dm.x * s + dm.y * xsum;
        }
        case 8u: {
            let a = quants[2u * g];
            let b = quants[2u * g + 1u];
            let s = dot(int8x4(a.x), x0) + dot(int8x4(a.y), x1) + dot(int8x4(a.z), x2) + dot(int8x4(a.w), x3)
                  + dot(int8x4(b.x), x4) + dot(int8x4(b.y), x5) + dot(int8x4(b.z), x6) + dot(int8x4(b.w), x7);
            return bitcast<f32>(scales[g]) * s;
        }
        default: {
            let w = dequant_block(g);
            return dot(w[0], x0) + dot(w[1], x1) + dot(w[2], x2) + dot(w[3], x3)
                 + dot(w[4], x4) + dot(w[5], x5) + dot(w[6], x6) + dot(w[7], x7);
        }
    }
}

fn block_dot(g: u32, xs: array<vec4<f32>, 8>, xsum: f32) -> f32 {
    return block_dot8(g, xs[0], xs[1], xs[2], xs[3], xs[4], xs[5], xs[6], xs[7], xsum);
}

// Q5 and the K-quants (dequant_k.wgsl), pasted only into kernels for those formats, each with a
// `dequant_k` for its one format; other kernels get a stub. Every call site inlines every case
// reachable from it, and unused format code doubled compile times (lavapipe).
// #include dequant_k
