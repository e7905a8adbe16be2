// #include dequant
// #include coop
// #include coop_dot
// #include coop_norm
// Decode, real-GPU set: the feed-forward block's first half in one dispatch. Workgroup p takes
// inner units j in [p * UNITS, (p + 1) * UNITS): it normalises x (act[X ..], weight norm_w),
// computes those rows of W_gate and W_up (rows of one buffer: gate from block 0, up from UP_BLK0)
// and stores h_j = silu(gate_j) * up_j at act[H_AT + j]; ffn_down.wgsl adds W_down h to x.
// 2 * UNITS * K / 32 <= 256: one weight block per invocation, fetched before the norm.
@group(0) @binding(0) var<storage, read> quants: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> scales: array<u32>;
@group(0) @binding(2) var<storage, read_write> act: array<f32>;
@group(0) @binding(3) var<storage, read> norm_w: array<f32>;

override K: u32;      // hidden size
override FFN: u32;    // inner size
override EPS: f32;
override X: u32;
override H_AT: u32;
override UNITS: u32;
override UP_BLK0: u32;

var<private> unit0: u32;

// Rows 0 .. UNITS-1: gate rows unit0 ..; rows UNITS .. 2 UNITS-1: the same rows of up.
fn row_block(row: u32) -> u32 {
    let blocks = K / 32u;
    let gate = min(unit0 + row, FFN - 1u);
    let up = min(unit0 + row - UNITS, FFN - 1u);
    return select(UP_BLK0 + up * blocks, gate * blocks, row < UNITS);
}

fn silu(g: f32) -> f32 {
    return g / (1.0 + exp(-g));
}

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    unit0 = wid.x * UNITS;
    let w = fetch_row_block(lid, 0u, 2u * UNITS, K);
    load_normed(lid, X);
    dot_fetched(lid, w, 2u * UNITS, K);
    if (lid < UNITS && unit0 + lid < FFN) {
        act[H_AT + unit0 + lid] = silu(res[lid]) * res[UNITS + lid];
    }
}
