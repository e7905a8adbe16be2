// #include dequant
// Y = X W^T for n_tokens tokens (prefill). W: N rows of K columns (K % 32 == 0) in format FMT;
// X: n_tokens rows of K floats; Y: n_tokens rows of N_OUT floats.
// Each invocation computes a tile of ROWS (4 or 8) rows x TOKENS tokens: every dequantized block serves
// TOKENS tokens and every x load serves ROWS rows (register blocking, no workgroup memory, which is
// slow on SwiftShader). Outputs as in matvec.wgsl: ROW0, OUT_AT_POS, ACCUMULATE.
// No loops over rows or tokens and no array indexed by a variable: CPU-backed adapters keep such
// arrays in memory and index them lane by lane (see dequant.wgsl block_dot8), so the tile is
// spelled out: the ROWS dequantized blocks sit in `w` (constant indices), `tile_dot` serves a token.
// ROWS 8 halves the loads of x per weight (what costs on CPU adapters: every load is per lane).
// KSPLIT > 1 (real GPUs; ROWS 4): KSPLIT neighbouring invocations share a tile, each summing every
// KSPLIT-th block, and meet in workgroup memory: the serial chain of block loads, which is what a
// tile costs on a GPU, gets KSPLIT times shorter. KSPLIT 1 (CPU adapters) never touches `part`.
struct Step {
    pos0: u32,
    n_tokens: u32,
}

@group(0) @binding(0) var<storage, read> step: Step;
@group(0) @binding(1) var<storage, read> quants: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> scales: array<u32>;
@group(0) @binding(3) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

override K: u32;
override N: u32;
override N_OUT: u32;
override ROW0: u32 = 0u;
override ACCUMULATE: bool = false;
override OUT_AT_POS: bool = false;

override ROWS: u32 = 4u;
override KSPLIT: u32 = 1u;  // divides 64; > 1 only with ROWS 4
const TOKENS = 8u;

var<workgroup> part: array<vec4<f32>, 512>;  // KSPLIT > 1: each invocation's 8 token sums

var<private> w: array<array<vec4<f32>, 8>, 8>;  // block b of rows r0 .. r0+ROWS-1

// The dot products of rows r0 .. r0+3 with the 32 x values at x[xb .. xb+7] (one token's block).
// tile_dot8 also those of rows r0+4 .. r0+7, from the same loads of x (ROWS 8).
fn tile_dot(xb: u32) -> vec4<f32> {
    let a0 = x[xb];
    let a1 = x[xb + 1u];
    let a2 = x[xb + 2u];
    let a3 = x[xb + 3u];
    let a4 = x[xb + 4u];
    let a5 = x[xb + 5u];
    let a6 = x[xb + 6u];
    let a7 = x[xb + 7u];
    return vec4<f32>(
        dot(w[0][0], a0) + dot(w[0][1], a1) + dot(w[0][2], a2) + dot(w[0][3], a3)
            + dot(w[0][4], a4) + dot(w[0][5], a5) + dot(w[0][6], a6) + dot(w[0][7], a7),
        dot(w[1][0], a0) + dot(w[1][1], a1) + dot(w[1][2], a2) + dot(w[1][3], a3)
            + dot(w[1][4], a4) + dot(w[1][5], a5) + dot(w[1][6], a6) + dot(w[1][7], a7),
        dot(w[2][0], a0) + dot(w[2][1], a1) + dot(w[2][2], a2) + dot(w[2][3], a3)
            + dot(w[2][4], a4) + dot(w[2][5], a5) + dot(w[2][6], a6) + dot(w[2][7], a7),
        dot(w[3][0], a0) + dot(w[3][1], a1) + dot(w[3][2], a2) + dot(w[3][3], a3)
            + dot(w[3][4], a4) + dot(w[3][5], a5) + dot(w[3][6], a6) + dot(w[3][7], a7));
}

struct Dots8 {
    lo: vec4<f32>,
    hi: vec4<f32>,
}

fn tile_dot8(xb: u32) -> Dots8 {
    let a0 = x[xb];
    let a1 = x[xb + 1u];
    let a2 = x[xb + 2u];
    let a3 = x[xb + 3u];
    let a4 = x[xb + 4u];
    let a5 = x[xb + 5u];
    let a6 = x[xb + 6u];
    let a7 = x[xb + 7u];
    return Dots8(vec4<f32>(
        dot(w[0][0], a0) + dot(w[0][1], a1) + dot(w[0][2], a2) + dot(w[0][3], a3)
            + dot(w[0][4], a4) + dot(w[0][5], a5) + dot(w[0][6], a6) + dot(w[0][7], a7),
        dot(w[1][0], a0) + dot(w[1][1], a1) + dot(w[1][2], a2) + dot(w[1][3], a3)
            + dot(w[1][4], a4) + dot(w[1][5], a5) + dot(w[1][6], a6) + dot(w[1][7], a7),
        dot(w[2][0], a0) + dot(w[2][1], a1) + dot(w[2][2], a2) + dot(w[2][3], a3)
            + dot(w[2][4], a4) + dot(w[2][5], a5) + dot(w[2][6], a6) + dot(w[2][7], a7),
        dot(w[3][0], a0) + dot(w[3][1], a1) + dot(w[3][2], a2) + dot(w[3][3], a3)
            + dot(w[3][4], a4) + dot(w[3][5], a5) + dot(w[3][6], a6) + dot(w[3][7], a7)),
                 vec4<f32>(
        dot(w[4][0], a0) + dot(w[4][1], a1) + dot(w[4][2], a2) + dot(w[4][3], a3)
            + dot(w[4][4], a4) + dot(w[4][5], a5) + dot(w[4][6], a6) + dot(w[4][7], a7),
        dot(w[5][0], a0) + dot(w[5][1], a1) + dot(w[5][2], a2) + dot(w[5][3], a3)
            + dot(w[5][4], a4) + dot(w[5][5], a5) + dot(w[5][6], a6) + dot(w[5][7], a7),
        dot(w[6][0], a0) + dot(w[6][1], a1) + dot(w[6][2], a2) + dot(w[6][3], a3)
            + dot(w[6][4], a4) + dot(w[6][5], a5) + dot(w[6][6], a6) + dot(w[6][7], a7),
        dot(w[7][0], a0) + dot(w[7][1], a1) + dot(w[7][2], a2) + dot(w[7][3], a3)
            + dot(w[7][4], a4) + dot(w[7][5], a5) + dot(w[7][6], a6) + dot(w[7][7], a7)));
}

// Token t0 + t's sums for rows r0 .. r0+3, where both exist.
fn store(base: u32, r0: u32, t: u32, n_tokens: u32, acc: vec4<f32>) {
    if (t >= n_tokens) {
        return;
    }
    let o = base + t * N_OUT + r0;
    if (r0 < N) {
        y[o] = select(acc.x, y[o] + acc.x, ACCUMULATE);
    }
    if (r0 + 1u < N) {
        y[o + 1u] = select(acc.y, y[o + 1u] + acc.y, ACCUMULATE);
    }
    if (r0 + 2u < N) {
        y[o + 2u] = select(acc.z, y[o + 2u] + acc.z, ACCUMULATE);
    }
    if (r0 + 3u < N) {
        y[o + 3u] = select(acc.w, y[o + 3u] + acc.w, ACCUMULATE);
    }
}

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    let r0 = (wid.x * (64u / KSPLIT) + lid / KSPLIT) * ROWS;
    let slice = lid % KSPLIT;
    let t0 = wid.y * TOKENS;
    let n_tokens = step.n_tokens;
    let live = r0 < N && t0 < n_tokens;  // else sum nothing (no return: a barrier may follow)
    let wide = ROWS == 8u;
    let blocks = K / 32u;
    let last = N - 1u;  // rows past N re-read the last row, tokens past n_tokens the last token:
    let lt = max(n_tokens, 1u) - 1u;  // their sums are dropped by store()
    let g0 = min(r0, last) * blocks;
    let g1 = min(r0 + 1u, last) * blocks;
    let g2 = min(r0 + 2u, last) * blocks;
    let g3 = min(r0 + 3u, last) * blocks;
    let g4 = min(r0 + 4u, last) * blocks;
    let g5 = min(r0 + 5u, last) * blocks;
    let g6 = min(r0 + 6u, last) * blocks;
    let g7 = min(r0 + 7u, last) * blocks;
    let row = K / 4u;  // vec4s per token of x
    let x0 = min(t0, lt) * row;
    let x1 = min(t0 + 1u, lt) * row;
    let x2 = min(t0 + 2u, lt) * row;
    let x3 = min(t0 + 3u, lt) * row;
    let x4 = min(t0 + 4u, lt) * row;
    let x5 = min(t0 + 5u, lt) * row;
    let x6 = min(t0 + 6u, lt) * row;
    let x7 = min(t0 + 7u, lt) * row;
    var acc0 = vec4<f32>(0.0);  // token t0 + i, rows r0 .. r0+3
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);
    var acc4 = vec4<f32>(0.0);
    var acc5 = vec4<f32>(0.0);
    var acc6 = vec4<f32>(0.0);
    var acc7 = vec4<f32>(0.0);
    var hi0 = vec4<f32>(0.0);   // token t0 + i, rows r0+4 .. r0+7 (ROWS 8)
    var hi1 = vec4<f32>(0.0);
    var hi2 = vec4<f32>(0.0);
    var hi3 = vec4<f32>(0.0);
    var hi4 = vec4<f32>(0.0);
    var hi5 = vec4<f32>(0.0);
    var hi6 = vec4<f32>(0.0);
    var hi7 = vec4<f32>(0.0);
    for (var b = slice; b < select(0u, blocks, live); b += KSPLIT) {
        w[0] = dequant_block(g0 + b);
        w[1] = dequant_block(g1 + b);
        w[2] = dequant_block(g2 + b);
        w[3] = dequant_block(g3 + b);
        let xb = b * 8u;
        if (wide) {
            w[4] = dequant_block(g4 + b);
            w[5] = dequant_block(g5 + b);
            w[6] = dequant_block(g6 + b);
            w[7] = dequant_block(g7 + b);
            let d0 = tile_dot8(x0 + xb);
            acc0 += d0.lo;
            hi0 += d0.hi;
            let d1 = tile_dot8(x1 + xb);
            acc1 += d1.lo;
            hi1 += d1.hi;
            let d2 = tile_dot8(x2 + xb);
            acc2 += d2.lo;
            hi2 += d2.hi;
            let d3 = tile_dot8(x3 + xb);
            acc3 += d3.lo;
            hi3 += d3.hi;
            let d4 = tile_dot8(x4 + xb);
            acc4 += d4.lo;
            hi4 += d4.hi;
            let d5 = tile_dot8(x5 + xb);
            acc5 += d5.lo;
            hi5 += d5.hi;
            let d6 = tile_dot8(x6 + xb);
            acc6 += d6.lo;
            hi6 += d6.hi;
            let d7 = tile_dot8(x7 + xb);
            acc7 += d7.lo;
            hi7 += d7.hi;
        } else {
            acc0 += tile_dot(x0 + xb);
            acc1 += tile_dot(x1 + xb);
            acc2 += tile_dot(x2 + xb);
            acc3 += tile_dot(x3 + xb);
            acc4 += tile_dot(x4 + xb);
            acc5 += tile_dot(x5 + xb);
            acc6 += tile_dot(x6 + xb);
            acc7 += tile_dot(x7 + xb);
        }
    }
    if (KSPLIT > 1u) {  // the tile's other slices (lid + 1 ..) add theirs to slice 0's
        let at = 8u * lid;
        part[at] = acc0;
        part[at + 1u] = acc1;
        part[at + 2u] = acc2;
        part[at + 3u] = acc3;
        part[at + 4u] = acc4;
        part[at + 5u] = acc5;
        part[at + 6u] = acc6;
        part[at + 7u] = acc7;
        workgroupBarrier();
        if (slice != 0u || !live) {
            return;
        }
        for (var s = 1u; s < KSPLIT; s++) {
            let o = 8u * (lid + s);
            acc0 += part[o];
            acc1 += part[o + 1u];
            acc2 += part[o + 2u];
            acc3 += part[o + 3u];
            acc4 += part[o + 4u];
            acc5 += part[o + 5u];
            acc6 += part[o + 6u];
            acc7 += part[o + 7u];
        }
    }
    if (!live) {
        return;
    }
    let base = select(0u, step.pos0 * N_OUT, OUT_AT_POS) + ROW0 + t0 * N_OUT;
    let n = n_tokens - t0;
    store(base, r0, 0u, n, acc0);
    store(base, r0, 1u, n, acc1);
    store(base, r0, 2u, n, acc2);
    store(base, r0, 3u, n, acc3);
    store(base, r0, 4u, n, acc4);
    store(base, r0, 5u, n, acc5);
    store(base, r0, 6u, n, acc6);
    store(base, r0, 7u, n, acc7);
    if (wide) {
        store(base, r0 + 4u, 0u, n, hi0);
        store(base, r0 + 4u, 1u, n, hi1);
        store(base, r0 + 4u, 2u, n, hi2);
        store(base, r0 + 4u, 3u, n, hi3);
        store(base, r0 + 4u, 4u, n, hi4);
        store(base, r0 + 4u, 5u, n, hi5);
        store(base, r0 + 4u, 6u, n, hi6);
        store(base, r0 + 4u, 7u, n, hi7);
    }
}
