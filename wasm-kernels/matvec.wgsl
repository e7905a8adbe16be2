// #include dequant
// y = W x for ONE token (decode). W: N rows of K columns (K % 32 == 0) in format FMT, x: K floats.
// Each invocation computes ROWS (4, 8 or 16) rows, so each x load serves ROWS rows. THREADS_PER_ROW
// invocations split a row group's blocks between them and add up in workgroup memory: 1 suits
// CPU-backed adapters (loads are their cost, barriers are slow), more suits real GPUs (more
// invocations in flight, neighbouring invocations read neighbouring blocks).
// Row r goes to y[base + ROW0 + r], base = pos0 * N_OUT when OUT_AT_POS (a K/V projection written
// straight into its cache row), else 0; ACCUMULATE adds to y instead (the residual stream).
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
override THREADS_PER_ROW: u32 = 1u;  // a power of two <= WORKGROUP
override WORKGROUP: u32 = 64u;       // a power of two <= 64

override ROWS: u32 = 4u;              // rows per invocation: 4, 8 or 16 (more: fewer loads of x)

var<workgroup> partial: array<vec4<f32>, 256>;

fn store(o: u32, r: u32, value: f32) {
    if (r < N) {
        y[o + r] = select(value, y[o + r] + value, ACCUMULATE);
    }
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
    let r0 = ((wid.x + wid.y * nwg.x) * (WORKGROUP / THREADS_PER_ROW) + lid / THREADS_PER_ROW) * ROWS;
    let lane = lid % THREADS_PER_ROW;
    let blocks = K / 32u;
    let wide = ROWS >= 8u;
    let wider = ROWS == 16u;
    var acc = vec4<f32>(0.0);   // rows r0 .. r0+3
    var acc2 = vec4<f32>(0.0);  // rows r0+4 .. r0+7 (ROWS 8, 16)
    var acc3 = vec4<f32>(0.0);  // rows r0+8 .. r0+11 (ROWS 16)
    var acc4 = vec4<f32>(0.0);  // rows r0+12 .. r0+15 (ROWS 16)
    if (r0 < N) {
        // Rows past N re-read the last row; their sums are never stored. No loops over rows and
        // no arrays: see block_dot8.
        let last = N - 1u;
        let g0 = r0 * blocks;
        let g1 = min(r0 + 1u, last) * blocks;
        let g2 = min(r0 + 2u, last) * blocks;
        let g3 = min(r0 + 3u, last) * blocks;
        let g4 = min(r0 + 4u, last) * blocks;
        let g5 = min(r0 + 5u, last) * blocks;
        let g6 = min(r0 + 6u, last) * blocks;
        let g7 = min(r0 + 7u, last) * blocks;
        let g8 = min(r0 + 8u, last) * blocks;
        let g9 = min(r0 + 9u, last) * blocks;
        let g10 = min(r0 + 10u, last) * blocks;
        let g11 = min(r0 + 11u, last) * blocks;
        let g12 = min(r0 + 12u, last) * blocks;
        let g13 = min(r0 + 13u, last) * blocks;
        let g14 = min(r0 + 14u, last) * blocks;
        let g15 = min(r0 + 15u, last) * blocks;
        for (var b = lane; b < blocks; b += THREADS_PER_ROW) {
            let x0 = x[b * 8u];
            let x1 = x[b * 8u + 1u];
            let x2 = x[b * 8u + 2u];
            let x3 = x[b * 8u + 3u];
            let x4 = x[b * 8u + 4u];
            let x5 = x[b * 8u + 5u];
            let x6 = x[b * 8u + 6u];
            let x7 = x[b * 8u + 7u];
            let xv = x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;
            let total = xv.x + xv.y + xv.z + xv.w;
            acc += vec4<f32>(block_dot8(g0 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                             block_dot8(g1 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                             block_dot8(g2 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                             block_dot8(g3 + b, x0, x1, x2, x3, x4, x5, x6, x7, total));
            if (wide) {
                acc2 += vec4<f32>(block_dot8(g4 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                                  block_dot8(g5 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                                  block_dot8(g6 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                                  block_dot8(g7 + b, x0, x1, x2, x3, x4, x5, x6, x7, total));
            }
            if (wider) {
                acc3 += vec4<f32>(block_dot8(g8 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                                  block_dot8(g9 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                                  block_dot8(g10 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                                  block_dot8(g11 + b, x0, x1, x2, x3, x4, x5, x6, x7, total));
                acc4 += vec4<f32>(block_dot8(g12 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                                  block_dot8(g13 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                                  block_dot8(g14 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                                  block_dot8(g15 + b, x0, x1, x2, x3, x4, x5, x6, x7, total));
            }
        }
    }
    if (THREADS_PER_ROW > 1u) {
        partial[4u * lid] = acc;
        partial[4u * lid + 1u] = acc2;
        partial[4u * lid + 2u] = acc3;
        partial[4u * lid + 3u] = acc4;
        workgroupBarrier();
        for (var i = 1u; i < THREADS_PER_ROW; i++) {
            let other = 4u * (lid + i);
            acc += select(vec4<f32>(0.0), partial[other], lane == 0u);
            acc2 += select(vec4<f32>(0.0), partial[other + 1u], lane == 0u);
            acc3 += select(vec4<f32>(0.0), partial[other + 2u], lane == 0u);
            acc4 += select(vec4<f32>(0.0), partial[other + 3u], lane == 0u);
        }
    }
    if (lane == 0u && r0 < N) {
        let o = select(0u, step.pos0 * N_OUT, OUT_AT_POS) + ROW0;
        store(o, r0, acc.x);
        store(o, r0 + 1u, acc.y);
        store(o, r0 + 2u, acc.z);
        store(o, r0 + 3u, acc.w);
        if (wide) {
            store(o, r0 + 4u, acc2.x);
            store(o, r0 + 5u, acc2.y);
            store(o, r0 + 6u, acc2.z);
            store(o, r0 + 7u, acc2.w);
        }
        if (wider) {
            store(o, r0 + 8u, acc3.x);
            store(o, r0 + 9u, acc3.y);
            store(o, r0 + 10u, acc3.z);
            store(o, r0 + 11u, acc3.w);
            store(o, r0 + 12u, acc4.x);
            store(o, r0 + 13u, acc4.y);
            store(o, r0 + 14u, acc4.z);
            store(o, r0 + 15u, acc4.w);
        }
    }
}
