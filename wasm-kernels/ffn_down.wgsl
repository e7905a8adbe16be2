// #include dequant
// #include coop
// #include coop_dot
// Decode, real-GPU set: the feed-forward block's second half, x += W_down h (h = act[H_AT ..],
// ffn.wgsl's; W_down's first block at DOWN_BLK0 of the fused buffer). ROWS_WG rows of x per
// workgroup (ROWS_WG * FFN / 32 <= 256: one block per invocation, fetched before h is loaded).
@group(0) @binding(0) var<storage, read> quants: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> scales: array<u32>;
@group(0) @binding(2) var<storage, read_write> act: array<f32>;

override K: u32;      // hidden size (rows)
override FFN: u32;    // inner size (the product's length)
override X: u32;
override H_AT: u32;
override DOWN_BLK0: u32;
override ROWS_WG: u32;

fn row_block(row: u32) -> u32 {
    return DOWN_BLK0 + row * (FFN / 32u);
}

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    let row0 = wid.x * ROWS_WG;
    let w = fetch_row_block(lid, row0, K, FFN);
    for (var q = lid; q < FFN / 4u; q += WG) {
        let i = H_AT + 4u * q;
        xs[q] = vec4<f32>(act[i], act[i + 1u], act[i + 2u], act[i + 3u]);
    }
    workgroupBarrier();
    block_sums(lid, FFN);
    workgroupBarrier();
    let rows = min(ROWS_WG, K - min(row0, K));
    dot_fetched(lid, w, rows, FFN);
    for (var i = lid; i < rows; i += WG) {
        act[X + row0 + i] += res[i];
    }
}
