// #include dequant
// #include coop
// #include coop_dot
// #include coop_norm
// Decode, real-GPU set: the attention block's input side in one dispatch. xn = rmsnorm(x) * norm_w,
// then the rows of one weight buffer holding W_q (N_Q rows), W_k and W_v (N_KV rows each; their
// first blocks at K_BLK0 and V_BLK0) times xn; q and k turned by rope (llama "normal" pairs, as in
// rope.wgsl) at position pos0; q goes to act[Q_AT ..], k and v into row pos0 of their caches.
// x is act[X ..]. Each workgroup takes ROWS_WG consecutive rows (even, so a rope pair never
// straddles two workgroups; ROWS_WG * K / 32 <= 256: one block per invocation, fetched before
// the norm). One token only (n_tokens = 1).
struct Step {
    pos0: u32,
    n_tokens: u32,
}

@group(0) @binding(0) var<storage, read> step: Step;
@group(0) @binding(1) var<storage, read> quants: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> scales: array<u32>;
@group(0) @binding(3) var<storage, read_write> act: array<f32>;
@group(0) @binding(4) var<storage, read> norm_w: array<f32>;
@group(0) @binding(5) var<storage, read_write> k_cache: array<f32>;
@group(0) @binding(6) var<storage, read_write> v_cache: array<f32>;
@group(0) @binding(7) var<storage, read> turns: array<f32>;

override K: u32;
override EPS: f32;
override X: u32;
override Q_AT: u32;
override N_Q: u32;
override N_KV: u32;
override HEAD_DIM: u32;
override K_BLK0: u32;
override V_BLK0: u32;
override ROWS_WG: u32;  // even, ROWS_WG * K / 32 <= 256

const TAU = 6.283185307179586;

fn row_block(row: u32) -> u32 {
    let blocks = K / 32u;
    if (row < N_Q) {
        return row * blocks;
    }
    if (row < N_Q + N_KV) {
        return K_BLK0 + (row - N_Q) * blocks;
    }
    return V_BLK0 + (row - N_Q - N_KV) * blocks;
}

// Row i of this workgroup's results turned by rope: pair (2j, 2j+1) of a head by pos * theta_j.
fn roped(i: u32, local: u32, pos: u32) -> f32 {
    let even = local % 2u == 0u;
    let a = select(res[max(i, 1u) - 1u], res[i], even);        // indices clamped: select reads both
    let b = select(res[i], res[min(i + 1u, WG - 1u)], even);
    let angle = (fract(f32(pos) * turns[local / 2u] + 0.5) - 0.5) * TAU;
    return select(a * sin(angle) + b * cos(angle), a * cos(angle) - b * sin(angle), even);
}

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    let total = N_Q + 2u * N_KV;
    let row0 = wid.x * ROWS_WG;
    let w = fetch_row_block(lid, row0, total, K);
    load_normed(lid, X);
    let rows = min(ROWS_WG, total - min(row0, total));
    dot_fetched(lid, w, rows, K);
    let pos = step.pos0;
    for (var i = lid; i < rows; i += WG) {
        let r = row0 + i;
        if (r < N_Q) {
            act[Q_AT + r] = roped(i, r % HEAD_DIM, pos);
        } else if (r < N_Q + N_KV) {
            k_cache[pos * N_KV + r - N_Q] = roped(i, (r - N_Q) % HEAD_DIM, pos);
        } else {
            v_cache[pos * N_KV + r - N_Q - N_KV] = res[i];
        }
    }
}
