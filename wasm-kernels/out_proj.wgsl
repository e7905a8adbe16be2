// #include kv_type
// #include dequant
// #include coop
// #include coop_dot
// Decode, real-GPU set: the attention output projection with the split-K merge folded into its
// input load. For head h and dimension d, attention = (sum_s e^(m_s - M) acc_s[d] + e^(m' - M) v[d])
// / (sum_s e^(m_s - M) l_s + e^(m' - M)) over the SPLITS chunks of cached keys qkv_attention.wgsl
// left in act and the new key itself (m' = q_h . k, q_h at act[Q_AT ..] already scaled; k and v
// in cache row pos0 of the head's KV head; M = the largest of them); then act[X + r] += row r of
// W_o . attention (the residual stream). ROWS_WG rows per workgroup (ROWS_WG * K / 32 <= 256:
// one weight block per invocation, fetched before the merge).
struct Step {
    pos0: u32,
    n_tokens: u32,
}

@group(0) @binding(0) var<storage, read> quants: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> scales: array<u32>;
@group(0) @binding(2) var<storage, read_write> act: array<f32>;
@group(0) @binding(3) var<storage, read> step: Step;
@group(0) @binding(4) var<storage, read> k_cache: array<kv4>;
@group(0) @binding(5) var<storage, read> v_cache: array<kv4>;

override K: u32;   // N_HEADS * HEAD_DIM
override N: u32;   // rows (the hidden size)
override HEAD_DIM: u32;
override N_KV_HEADS: u32;
override Q_AT: u32;
override SPLITS: u32;
override AP_M: u32;
override AP_L: u32;
override AP_ACC: u32;
override X: u32;
override ROWS_WG: u32;

var<workgroup> own: array<f32, 512>;  // q_h . k of the new key, per quad of q (K / 4)

fn row_block(row: u32) -> u32 {
    return row * (K / 32u);
}

fn acc4(slot: u32, d: u32) -> vec4<f32> {
    let a = AP_ACC + slot * HEAD_DIM + d;
    return vec4<f32>(act[a], act[a + 1u], act[a + 2u], act[a + 3u]);
}

// Where quad q of the attention input (head q / quads) finds its KV head's quad in cache row pos.
fn kv_at(pos: u32, q: u32) -> u32 {
    let quads = HEAD_DIM / 4u;
    let kv_head = q / quads / (K / HEAD_DIM / N_KV_HEADS);
    return (pos * N_KV_HEADS + kv_head) * quads + q % quads;
}

// Four consecutive dimensions (4q ..) of the merged attention output. The splits go four at a
// time with every load of the four issued before their use (indices clamped, repeats weighted 0):
// a serial chain of SPLITS loads was most of this kernel's time on a real GPU.
fn merged(q: u32, pos: u32) -> vec4<f32> {
    let h = 4u * q / HEAD_DIM;
    let d = 4u * q % HEAD_DIM;
    let quads = HEAD_DIM / 4u;
    let v_new = vec4<f32>(v_cache[kv_at(pos, q)]);
    var mine = 0.0;  // the new key's score
    for (var i = h * quads; i < (h + 1u) * quads; i++) {
        mine += own[i];
    }
    let last = h * SPLITS + SPLITS - 1u;
    var top = mine;
    for (var s = h * SPLITS; s <= last; s += 4u) {
        top = max(max(max(top, act[AP_M + s]), act[AP_M + min(s + 1u, last)]),
                  max(act[AP_M + min(s + 2u, last)], act[AP_M + min(s + 3u, last)]));
    }
    let e_new = exp(mine - top);
    var num = e_new * v_new;
    var den = e_new;
    for (var s = h * SPLITS; s <= last; s += 4u) {
        let s1 = min(s + 1u, last);
        let s2 = min(s + 2u, last);
        let s3 = min(s + 3u, last);
        let m = vec4<f32>(act[AP_M + s], act[AP_M + s1], act[AP_M + s2], act[AP_M + s3]);
        let l = vec4<f32>(act[AP_L + s], act[AP_L + s1], act[AP_L + s2], act[AP_L + s3]);
        let a0 = acc4(s, d);
        let a1 = acc4(s1, d);
        let a2 = acc4(s2, d);
        let a3 = acc4(s3, d);
        let e = exp(m - top) * vec4<f32>(1.0, f32(s + 1u <= last), f32(s + 2u <= last), f32(s + 3u <= last));
        num += e.x * a0 + e.y * a1 + e.z * a2 + e.w * a3;
        den += dot(e, l);
    }
    return num / den;
}

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    let row0 = wid.x * ROWS_WG;
    let w = fetch_row_block(lid, row0, N, K);
    let pos = step.pos0;
    for (var q = lid; q < K / 4u; q += WG) {  // the new key's score, a quad at a time
        let at = Q_AT + 4u * q;
        own[q] = dot(vec4<f32>(act[at], act[at + 1u], act[at + 2u], act[at + 3u]), vec4<f32>(k_cache[kv_at(pos, q)]));
    }
    workgroupBarrier();
    for (var q = lid; q < K / 4u; q += WG) {
        xs[q] = merged(q, pos);
    }
    workgroupBarrier();
    block_sums(lid, K);
    workgroupBarrier();
    let rows = min(ROWS_WG, N - min(row0, N));
    dot_fetched(lid, w, rows, K);
    for (var i = lid; i < rows; i += WG) {
        act[X + row0 + i] += res[i];
    }
}
