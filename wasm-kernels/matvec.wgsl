// #include dequant
// y = W x for ONE token (decode). W: N rows of K columns (K % 32 == 0) in format FMT, x: K floats.
// Each invocation computes ROWS rows, so each x load serves ROWS rows. THREADS_PER_ROW
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

const ROWS = 4u;

var<workgroup> partial: array<vec4<f32>, 64>;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
    let r0 = ((wid.x + wid.y * nwg.x) * (WORKGROUP / THREADS_PER_ROW) + lid / THREADS_PER_ROW) * ROWS;
    let lane = lid % THREADS_PER_ROW;
    let blocks = K / 32u;
    var acc = vec4<f32>(0.0);
    if (r0 < N) {
        for (var b = lane; b < blocks; b += THREADS_PER_ROW) {
            var xs: array<vec4<f32>, 8>;
            var xsum = vec4<f32>(0.0);
            for (var j = 0u; j < 8u; j++) {
                xs[j] = x[b * 8u + j];
                xsum += xs[j];
            }
            let total = xsum.x + xsum.y + xsum.z + xsum.w;
            for (var r = 0u; r < ROWS; r++) {
                // Rows past N re-read the last row; their sums are never stored.
                acc[r] += block_dot(min(r0 + r, N - 1u) * blocks + b, xs, total);
            }
        }
    }
    if (THREADS_PER_ROW > 1u) {
        partial[lid] = acc;
        workgroupBarrier();
        for (var i = 1u; i < THREADS_PER_ROW; i++) {
            acc += select(vec4<f32>(0.0), partial[lid + i], lane == 0u);
        }
    }
    if (lane == 0u) {
        let base = select(0u, step.pos0 * N_OUT, OUT_AT_POS) + ROW0;
        for (var r = 0u; r < ROWS; r++) {
            if (r0 + r < N) {
                let o = base + r0 + r;
                y[o] = select(acc[r], y[o] + acc[r], ACCUMULATE);
            }
        }
    }
}
