// Load-time repack of a ggml quantized tensor (raw file bytes, zero-padded to whole words) into
// the split layout of dequant.wgsl: block scales in `scales`, quant bytes in `quants`.
// SRC = ggml type: 2 Q4_0 (18-byte blocks: f16 d, 16 bytes of nibbles; value d*(q-8)),
// 3 Q4_1 (20 bytes: f16 d, f16 m, 16 bytes; value d*q+m), 8 Q8_0 (34 bytes: f16 d, 32 int8).
// 6 Q5_0 (22 bytes: f16 d, 32 fifth bits, 16 bytes; value d*(q-16)), 7 Q5_1 (24 bytes: f16 d, f16 m,
// fifth bits, 16 bytes; value d*q+m): 2 scale words a block, (d, m) and the fifth bits.
// 14 Q6_K (210-byte super-blocks: its first 208 bytes move as they are, f16 d becomes an f32 scale).
// Q4_K and Q5_K need no repack (their blocks are whole vec4s); the other types one scale word a block.
// Q4_0 becomes Q4_1 with m = -8d, exact in f16 (a power-of-two multiple) unless |d| > 8188.
// Blocks of 18 and 34 bytes straddle words, so bytes are picked out of words. One invocation a block.
@group(0) @binding(0) var<storage, read> raw: array<u32>;
@group(0) @binding(1) var<storage, read_write> quants: array<u32>;
@group(0) @binding(2) var<storage, read_write> scales: array<u32>;

override SRC: u32;

fn raw_byte(i: u32) -> u32 {
    return (raw[i >> 2u] >> ((i & 3u) * 8u)) & 0xFFu;
}

// 4 bytes starting at any byte offset, little-endian.
fn raw_word(i: u32) -> u32 {
    return raw_byte(i) | (raw_byte(i + 1u) << 8u) | (raw_byte(i + 2u) << 16u) | (raw_byte(i + 3u) << 24u);
}

fn raw_f16(i: u32) -> f32 {
    return unpack2x16float(raw_byte(i) | (raw_byte(i + 1u) << 8u)).x;
}

fn block_bytes() -> u32 {
    return select(24u, 22u, SRC == 6u);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let g = gid.x + gid.y * nwg.x * 64u;
    // Blocks in this part: raw holds whole blocks plus < 4 bytes of padding.
    let n_blocks = select(arrayLength(&scales), arrayLength(&raw) * 4u / block_bytes(), SRC == 6u || SRC == 7u);
    if (g >= n_blocks) {
        return;
    }
    switch SRC {
        case 6u: {
            let d = raw_f16(g * 22u);
            scales[2u * g] = pack2x16float(vec2<f32>(d, -16.0 * d));
            scales[2u * g + 1u] = raw_word(g * 22u + 2u);
            for (var j = 0u; j < 4u; j++) {
                quants[g * 4u + j] = raw_word(g * 22u + 6u + 4u * j);
            }
        }
        case 7u: {
            scales[2u * g] = raw[g * 6u];
            scales[2u * g + 1u] = raw[g * 6u + 1u];
            for (var j = 0u; j < 4u; j++) {
                quants[g * 4u + j] = raw[g * 6u + 2u + j];
            }
        }
        case 14u: {
            scales[g] = bitcast<u32>(raw_f16(g * 210u + 208u));
            for (var j = 0u; j < 52u; j++) {
                quants[g * 52u + j] = raw_word(g * 210u + 4u * j);
            }
        }
        case 2u: {
            let d = raw_f16(g * 18u);
            scales[g] = pack2x16float(vec2<f32>(d, -8.0 * d));
            for (var j = 0u; j < 4u; j++) {
                quants[g * 4u + j] = raw_word(g * 18u + 2u + 4u * j);
            }
        }
        case 3u: {
            scales[g] = raw[g * 5u];
            for (var j = 0u; j < 4u; j++) {
                quants[g * 4u + j] = raw[g * 5u + 1u + j];
            }
        }
        default: {
            scales[g] = bitcast<u32>(raw_f16(g * 34u));
            for (var j = 0u; j < 8u; j++) {
                quants[g * 8u + j] = raw_word(g * 34u + 2u + 4u * j);
            }
        }
    }
}
