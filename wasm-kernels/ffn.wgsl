// #include dequant
// #include coop
// #include coop_dot
// #include coop_norm
// Decode, real-GPU set: the whole feed-forward block in one dispatch, split over its inner
// dimension. Workgroup p takes inner units j in [p * SLICE, (p + 1) * SLICE): it normalises x
// (act[X_IN ..], weight norm_w), computes those rows of W_gate and W_up (rows of one buffer: gate
// from block 0, up from UP_BLK0), h = silu(gate) * up, and its share of the down projection,
// act[PARTS_AT + p * K + i] = sum over its j of W_down[i, j] h_j (W_down from DOWN_BLK0). The
// consumer of x (the next layer's qkv.wgsl, or final_norm.wgsl) adds those partials to x: no
// second dispatch and no reduction across workgroups here. SLICE % 32 == 0, 2 * SLICE <= 256.
@group(0) @binding(0) var<storage, read> quants: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> scales: array<u32>;
@group(0) @binding(2) var<storage, read_write> act: array<f32>;
@group(0) @binding(3) var<storage, read> norm_w: array<f32>;

override K: u32;      // hidden size
override FFN: u32;    // inner size
override EPS: f32;
override X_IN: u32;
override PARTS_AT: u32;
override SLICE: u32 = 64u;
override UP_BLK0: u32;
override DOWN_BLK0: u32;

var<private> slice0: u32;

// Rows 0 .. SLICE-1: gate rows slice0 ..; rows SLICE .. 2 SLICE-1: the same rows of up.
fn row_block(row: u32) -> u32 {
    let blocks = K / 32u;
    if (row < SLICE) {
        return (slice0 + row) * blocks;
    }
    return UP_BLK0 + (slice0 + row - SLICE) * blocks;
}

fn silu(g: f32) -> f32 {
    return g / (1.0 + exp(-g));
}

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    slice0 = wid.x * SLICE;
    load_normed(lid, X_IN, 0u, 0u, false, 0u);
    dot_rows(lid, 0u, 2u * SLICE, K);
    for (var q = lid; q < SLICE / 4u; q += WG) {  // xs now holds h (SLICE values)
        let j = 4u * q;
        xs[q] = vec4<f32>(silu(res[j]) * res[SLICE + j], silu(res[j + 1u]) * res[SLICE + j + 1u],
                          silu(res[j + 2u]) * res[SLICE + j + 2u], silu(res[j + 3u]) * res[SLICE + j + 3u]);
    }
    workgroupBarrier();
    block_sums(lid, SLICE);
    workgroupBarrier();
    let down_blocks = FFN / 32u;
    for (var i = lid; i < K; i += WG) {
        let g = DOWN_BLK0 + i * down_blocks + slice0 / 32u;
        var acc = 0.0;
        for (var b = 0u; b < SLICE / 32u; b++) {
            acc += xs_block_dot(g + b, b);
        }
        act[PARTS_AT + wid.x * K + i] = acc;
    }
}
