// #include dequant
// #include coop
// #include coop_dot
// Decode, real-GPU set: the attention output projection with the split-K merge folded into its
// input load. For head h and dimension d, attention = sum_s e^(m_s - M) acc_s[d] / sum_s e^(m_s - M) l_s
// over the SPLITS chunks attention_split.wgsl left in act (M = the largest m_s); then
// act[X + r] += row r of W_o . attention (the residual stream). ROWS_WG rows per workgroup.
@group(0) @binding(0) var<storage, read> quants: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> scales: array<u32>;
@group(0) @binding(2) var<storage, read_write> act: array<f32>;

override K: u32;   // N_HEADS * HEAD_DIM
override N: u32;   // rows (the hidden size)
override HEAD_DIM: u32;
override SPLITS: u32;
override AP_M: u32;
override AP_L: u32;
override AP_ACC: u32;
override X: u32;
override ROWS_WG: u32 = 32u;

fn row_block(row: u32) -> u32 {
    return row * (K / 32u);
}

// Four consecutive dimensions (4q ..) of the merged attention output.
fn merged(q: u32) -> vec4<f32> {
    let h = 4u * q / HEAD_DIM;
    let d = 4u * q % HEAD_DIM;
    var top = -3.0e38;
    for (var s = 0u; s < SPLITS; s++) {
        top = max(top, act[AP_M + h * SPLITS + s]);
    }
    var num = vec4<f32>(0.0);
    var den = 0.0;
    for (var s = 0u; s < SPLITS; s++) {
        let slot = h * SPLITS + s;
        let w = exp(act[AP_M + slot] - top);
        let a = AP_ACC + slot * HEAD_DIM + d;
        num += w * vec4<f32>(act[a], act[a + 1u], act[a + 2u], act[a + 3u]);
        den += w * act[AP_L + slot];
    }
    return num / den;
}

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    for (var q = lid; q < K / 4u; q += WG) {
        xs[q] = merged(q);
    }
    workgroupBarrier();
    block_sums(lid, K);
    workgroupBarrier();
    let row0 = wid.x * ROWS_WG;
    let rows = min(ROWS_WG, N - min(row0, N));
    dot_rows(lid, row0, rows, K);
    for (var i = lid; i < rows; i += WG) {
        act[X + row0 + i] += res[i];
    }
}
