// Library (after `// #include dequant` and `// #include coop`): rows of a quantized matrix times
// the vector in xs, one 32-value block per invocation. A row's K / 32 blocks go to as many
// neighbouring invocations (one contiguous read), so a workgroup takes WG / (K / 32) rows.
// On a real GPU a decode step is a chain of memory latencies, not a stream of bytes: a kernel
// fetches its invocation's block first thing (fetch_block), and the weight's latency overlaps
// whatever the kernel does before the product (the norm, the attention merge). The including
// kernel defines `fn row_block(row: u32) -> u32` (the index of the row's first block).

// One block's raw words: q[0] (Q4), q[0..2] (Q8), q[0..4] (F16) or q[0..8] (F32), and scale s.
struct Block {
    q: array<vec4<u32>, 8>,
    s: u32,
}

// Block g of the matrix (FMT: one of the 32-value formats, fused.FUSED_TYPES).
fn fetch(g: u32) -> Block {
    var w: Block;
    switch FMT {
        case 0u: {
            for (var j = 0u; j < 8u; j++) {
                w.q[j] = quants[8u * g + j];
            }
        }
        case 1u: {
            for (var j = 0u; j < 4u; j++) {
                w.q[j] = quants[4u * g + j];
            }
        }
        case 8u: {
            w.q[0] = quants[2u * g];
            w.q[1] = quants[2u * g + 1u];
            w.s = scales[g];
        }
        default: {
            w.q[0] = quants[g];
            w.s = scales[g];
        }
    }
    return w;
}

// A fetched block's dot product with block b of xs (as dequant.wgsl's block_dot8).
fn fetched_dot(w: Block, b: u32) -> f32 {
    let x0 = xs[8u * b];
    let x1 = xs[8u * b + 1u];
    let x2 = xs[8u * b + 2u];
    let x3 = xs[8u * b + 3u];
    let x4 = xs[8u * b + 4u];
    let x5 = xs[8u * b + 5u];
    let x6 = xs[8u * b + 6u];
    let x7 = xs[8u * b + 7u];
    switch FMT {
        case 0u: {
            return dot(bitcast<vec4<f32>>(w.q[0]), x0) + dot(bitcast<vec4<f32>>(w.q[1]), x1)
                 + dot(bitcast<vec4<f32>>(w.q[2]), x2) + dot(bitcast<vec4<f32>>(w.q[3]), x3)
                 + dot(bitcast<vec4<f32>>(w.q[4]), x4) + dot(bitcast<vec4<f32>>(w.q[5]), x5)
                 + dot(bitcast<vec4<f32>>(w.q[6]), x6) + dot(bitcast<vec4<f32>>(w.q[7]), x7);
        }
        case 1u: {
            let h0 = w.q[0];
            let h1 = w.q[1];
            let h2 = w.q[2];
            let h3 = w.q[3];
            return dot(vec4<f32>(unpack2x16float(h0.x), unpack2x16float(h0.y)), x0)
                 + dot(vec4<f32>(unpack2x16float(h0.z), unpack2x16float(h0.w)), x1)
                 + dot(vec4<f32>(unpack2x16float(h1.x), unpack2x16float(h1.y)), x2)
                 + dot(vec4<f32>(unpack2x16float(h1.z), unpack2x16float(h1.w)), x3)
                 + dot(vec4<f32>(unpack2x16float(h2.x), unpack2x16float(h2.y)), x4)
                 + dot(vec4<f32>(unpack2x16float(h2.z), unpack2x16float(h2.w)), x5)
                 + dot(vec4<f32>(unpack2x16float(h3.x), unpack2x16float(h3.y)), x6)
                 + dot(vec4<f32>(unpack2x16float(h3.z), unpack2x16float(h3.w)), x7);
        }
        case 8u: {
            return q8_dot(w.q[0], w.q[1], w.s, b);
        }
        default: {
            return q4_dot(w.q[0], w.s, b);
        }
    }
}

// A Q8 block (quants a, c; scale d as f32 bits) times block b of xs.
fn q8_dot(a: vec4<u32>, c: vec4<u32>, d: u32, b: u32) -> f32 {
    let s = dot(int8x4(a.x), xs[8u * b]) + dot(int8x4(a.y), xs[8u * b + 1u]) + dot(int8x4(a.z), xs[8u * b + 2u])
          + dot(int8x4(a.w), xs[8u * b + 3u]) + dot(int8x4(c.x), xs[8u * b + 4u]) + dot(int8x4(c.y), xs[8u * b + 5u])
          + dot(int8x4(c.z), xs[8u * b + 6u]) + dot(int8x4(c.w), xs[8u * b + 7u]);
    return bitcast<f32>(d) * s;
}

// A Q4 block (quants q; (d, m) as an f16 pair) times block b of xs.
fn q4_dot(q: vec4<u32>, dm_bits: u32, b: u32) -> f32 {
    let dm = unpack2x16float(dm_bits);
    let n = nibbles(q, 0u);
    let m = nibbles(q, 4u);
    let s = dot(n[0], xs[8u * b]) + dot(n[1], xs[8u * b + 1u]) + dot(n[2], xs[8u * b + 2u]) + dot(n[3], xs[8u * b + 3u])
          + dot(m[0], xs[8u * b + 4u]) + dot(m[1], xs[8u * b + 5u]) + dot(m[2], xs[8u * b + 6u])
          + dot(m[3], xs[8u * b + 7u]);
    return dm.x * s + dm.y * xsums[b];
}

// Invocation lid's block among `rows` rows from row0 (of `total`): the row is clamped so that
// invocations past the last row read something valid (their product is dropped).
fn fetch_row_block(lid: u32, row0: u32, total: u32, k: u32) -> Block {
    let lanes = k / 32u;
    return fetch(row_block(min(row0 + lid / lanes, total - 1u)) + lid % lanes);
}

// res[i] = row i . xs for i < rows (over k values), each invocation contributing its fetched
// block w. Call from uniform control flow with xs and xsums complete; res is complete on return.
fn dot_fetched(lid: u32, w: Block, rows: u32, k: u32) {
    let lanes = k / 32u;
    red[lid] = select(0.0, fetched_dot(w, lid % lanes), lid < rows * lanes);
    workgroupBarrier();
    if (lid < rows) {
        var total = 0.0;
        for (var j = 0u; j < lanes; j++) {
            total += red[lid * lanes + j];
        }
        res[lid] = total;
    }
    workgroupBarrier();
}

// A kernel that holds several blocks at once keeps them as Words: the 4- and 8-bit formats' raw
// words (Q4: a and s; Q8: a, b and s), no array: a Block's array of 8 vec4 is 33 words wherever
// a compiler does not split it, times every block held. F32 and F16 blocks are read at the
// product instead.
struct Words {
    a: vec4<u32>,
    b: vec4<u32>,
    s: u32,
}

fn fetch_words(g: u32) -> Words {
    var w = Words(vec4<u32>(0u), vec4<u32>(0u), 0u);
    switch FMT {
        case 8u: {
            w.a = quants[2u * g];
            w.b = quants[2u * g + 1u];
            w.s = scales[g];
        }
        case 2u: {
            w.a = quants[g];
            w.s = scales[g];
        }
        default: {}
    }
    return w;
}

// Block g (fetched as w) times block b of xs.
fn words_dot(w: Words, g: u32, b: u32) -> f32 {
    switch FMT {
        case 8u: {
            return q8_dot(w.a, w.b, w.s, b);
        }
        case 2u: {
            return q4_dot(w.a, w.s, b);
        }
        default: {
            return fetched_dot(fetch(g), b);
        }
    }
}
