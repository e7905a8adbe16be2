// Library, not a kernel: kernels that read weights start with `// #include dequant` and the loader
// (webgpu_llm/weights.py: load_kernel) pastes this file in. It expects the weights bound as
// `quants: array<vec4<u32>>` and `scales: array<u32>`, and an override FMT naming their format.
// Rows are whole 32-element blocks; block g of a matrix is row g / (K/32), column block g % (K/32).
//   FMT 0  F32: quants = the floats, 8 vec4 a block (scales unused).
//   FMT 1  F16: quants = the halves, 4 vec4 a block (scales unused).
//   FMT 2  Q4 : quants = 16 bytes a block (1 vec4), low nibbles elements 0..15, high 16..31;
//               scales = (d, m) as an f16 pair; value = d*q + m. From ggml Q4_1, or Q4_0 (m = -8d).
//   FMT 8  Q8 : quants = 32 int8 a block (2 vec4); scales = d as f32; value = d*q. From Q8_0.
// The file keeps scales inside each block (ggml's 18/20/34-byte blocks); repack.wgsl splits them
// out at load so that every quant load is one aligned 16-byte read: on CPU-backed WebGPU
// (lavapipe, SwiftShader) the number of loads, not their size, is what costs.
override FMT: u32;

fn nibbles(q: vec4<u32>, shift: u32) -> array<vec4<f32>, 4> {
    let s = vec4<u32>(shift, shift + 8u, shift + 16u, shift + 24u);
    return array<vec4<f32>, 4>(vec4<f32>((vec4<u32>(q.x) >> s) & vec4<u32>(15u)),
                               vec4<f32>((vec4<u32>(q.y) >> s) & vec4<u32>(15u)),
                               vec4<f32>((vec4<u32>(q.z) >> s) & vec4<u32>(15u)),
                               vec4<f32>((vec4<u32>(q.w) >> s) & vec4<u32>(15u)));
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
            for (var j = 0u; j < 4u; j++) {
                out[j] = lo[j] * dm.x + dm.y;
                out[j + 4u] = hi[j] * dm.x + dm.y;
            }
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
fn block_dot(g: u32, xs: array<vec4<f32>, 8>, xsum: f32) -> f32 {
    var s = vec4<f32>(0.0);
    switch FMT {
        case 2u: {
            let dm = unpack2x16float(scales[g]);
            let q = quants[g];
            let lo = nibbles(q, 0u);
            let hi = nibbles(q, 4u);
            for (var j = 0u; j < 4u; j++) {
                s += lo[j] * xs[j] + hi[j] * xs[j + 4u];
            }
            return dm.x * (s.x + s.y + s.z + s.w) + dm.y * xsum;
        }
        case 8u: {
            let a = quants[2u * g];
            let b = quants[2u * g + 1u];
            s = int8x4(a.x) * xs[0] + int8x4(a.y) * xs[1] + int8x4(a.z) * xs[2] + int8x4(a.w) * xs[3]
              + int8x4(b.x) * xs[4] + int8x4(b.y) * xs[5] + int8x4(b.z) * xs[6] + int8x4(b.w) * xs[7];
            return bitcast<f32>(scales[g]) * (s.x + s.y + s.z + s.w);
        }
        default: {
            var w = dequant_block(g);
            for (var j = 0u; j < 8u; j++) {
                s += w[j] * xs[j];
            }
            return s.x + s.y + s.z + s.w;
        }
    }
}
