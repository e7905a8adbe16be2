// #include dequant
// #include coop
// #include coop_dot
// #include coop_norm
// Decode, real-GPU set: a layer's attention input side and its split-K attention in one dispatch.
// Workgroup (head h, split s) takes a contiguous chunk of the keys 0 ..= pos0 (as SPLITS chunks of
// at least MIN_CHUNK keys; splits past the last key have nothing to do):
//   xn = rmsnorm(x) * norm_w (x = act[X ..]); q_h = rows of W_q for head h times xn, turned by
//   rope (llama "normal" pairs, as rope.wgsl) at pos0; the workgroups whose chunk holds pos0 also
//   compute k and v of their KV head (W_k, W_v rows of the one fused weight buffer: first blocks
//   at K_BLK0 and V_BLK0), turn k by rope and write both into cache row pos0 (the group's heads
//   write the same bits), then read them back like any other key;
//   then for its chunk the max score m, the sum l of exp(score - m) and the weighted sum acc of
//   values, into act[AP_M + h * SPLITS + s], act[AP_L + ...] and act[AP_ACC + (h * SPLITS + s) *
//   HEAD_DIM ..]; out_proj.wgsl merges the splits while loading its input.
// Each invocation takes one 32-value weight block of 4 rows per round (coop_dot.wgsl's fetch and
// fetched_dot), the next round's blocks fetched before this round's products. An empty chunk
// only writes its empty slot.
// Limits: HEAD_DIM % 4 == 0, HEAD_DIM <= 128, a chunk (ceil((pos0 + 1) / SPLITS)) <= MAX_CHUNK,
// K <= 2048. One token only (n_tokens = 1).
struct Step {
    pos0: u32,
    n_tokens: u32,
}

@group(0) @binding(0) var<storage, read> step: Step;
@group(0) @binding(1) var<storage, read> quants: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> scales: array<u32>;
@group(0) @binding(3) var<storage, read_write> act: array<f32>;
@group(0) @binding(4) var<storage, read> norm_w: array<f32>;
@group(0) @binding(5) var<storage, read_write> k_cache: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> v_cache: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read> turns: array<f32>;

override K: u32;          // the hidden size
override EPS: f32;
override X: u32;
override N_HEADS: u32;
override N_KV_HEADS: u32;
override HEAD_DIM: u32;
override K_BLK0: u32;
override V_BLK0: u32;
override SPLITS: u32;
override AP_M: u32;
override AP_L: u32;
override AP_ACC: u32;
override MIN_CHUNK: u32 = 1u;  // keys a split takes at least: fewer splits work (and compute q) early on

const TAU = 6.283185307179586;
const MAX_CHUNK = 512u;
const MAX_DIM = 128u;

var<workgroup> rows_out: array<f32, 384>;          // q, k, v of this workgroup's heads (3 * MAX_DIM)
var<workgroup> qv: array<vec4<f32>, 32>;           // q, roped and scaled (MAX_DIM / 4)
var<workgroup> weights: array<f32, MAX_CHUNK>;     // the chunk's scores, then exp(score - m)

var<private> q_head: u32;
var<private> kv_head: u32;

// Local row i: rows 0 .. HEAD_DIM of W_q for q_head, then those of W_k and W_v for kv_head.
fn row_block(i: u32) -> u32 {
    let blocks = K / 32u;
    let d = i % HEAD_DIM;
    switch i / HEAD_DIM {
        case 0u: {
            return (q_head * HEAD_DIM + d) * blocks;
        }
        case 1u: {
            return K_BLK0 + (kv_head * HEAD_DIM + d) * blocks;
        }
        default: {
            return V_BLK0 + (kv_head * HEAD_DIM + d) * blocks;
        }
    }
}

// Four consecutive values rows_out[at ..] (two rope pairs, pair index at / 2 within the head)
// turned by pos * theta.
fn roped4(at: u32, pos: u32) -> vec4<f32> {
    let j = (at % HEAD_DIM) / 2u;
    let a0 = (fract(f32(pos) * turns[j] + 0.5) - 0.5) * TAU;
    let a1 = (fract(f32(pos) * turns[j + 1u] + 0.5) - 0.5) * TAU;
    let x0 = rows_out[at];
    let x1 = rows_out[at + 1u];
    let x2 = rows_out[at + 2u];
    let x3 = rows_out[at + 3u];
    return vec4<f32>(x0 * cos(a0) - x1 * sin(a0), x0 * sin(a0) + x1 * cos(a0),
                     x2 * cos(a1) - x3 * sin(a1), x2 * sin(a1) + x3 * cos(a1));
}

// max (or sum) over the workgroup, in every invocation.
fn reduce(lid: u32, v: f32, is_max: bool) -> f32 {
    red[lid] = v;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s >>= 1u) {
        if (lid < s) {
            red[lid] = select(red[lid] + red[lid + s], max(red[lid], red[lid + s]), is_max);
        }
        workgroupBarrier();
    }
    let r = red[0];
    workgroupBarrier();
    return r;
}

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    let h = wid.x;
    let split = wid.y;
    q_head = h;
    kv_head = h / (N_HEADS / N_KV_HEADS);
    let quads = HEAD_DIM / 4u;
    let pos = step.pos0;
    let n_keys = pos + 1u;
    let chunk = max(MIN_CHUNK, (n_keys + SPLITS - 1u) / SPLITS);
    let j0 = min(split * chunk, n_keys);
    let j1 = min(j0 + chunk, n_keys);
    if (j1 == j0) {  // no keys: a slot that weighs nothing in out_proj's merge (uniform: no barrier missed)
        let slot = h * SPLITS + split;
        for (var d = lid; d < HEAD_DIM; d += WG) {
            act[AP_ACC + slot * HEAD_DIM + d] = 0.0;
        }
        if (lid == 0u) {
            act[AP_M + slot] = -3.0e38;
            act[AP_L + slot] = 0.0;
        }
        return;
    }
    let has_pos = j0 <= pos && pos < j1;
    // The rows this workgroup multiplies: q, or q, k and v.
    let n_rows = select(HEAD_DIM, 3u * HEAD_DIM, has_pos);
    // Rounds of 4 * per_round rows: every invocation holds a block of 4 rows (their loads issued
    // together, and the next round's before this round's products), so the serial chain of
    // loads and barriers is 4x shorter than one row a round. The 4 partial sums of each
    // invocation go to 4 workgroup arrays that are free at this point (weights: 2, red, res).
    let lanes = K / 32u;
    let per_round = WG / lanes;
    let span = 4u * per_round;
    let rounds = (n_rows + span - 1u) / span;
    let last_row = max(n_rows, 1u) - 1u;
    let lr = lid / lanes;
    let b = lid % lanes;
    let in_row = lid < per_round * lanes;
    var w0 = fetch(row_block(min(lr, last_row)) + b);
    var w1 = fetch(row_block(min(lr + per_round, last_row)) + b);
    var w2 = fetch(row_block(min(lr + 2u * per_round, last_row)) + b);
    var w3 = fetch(row_block(min(lr + 3u * per_round, last_row)) + b);
    load_normed(lid, X);
    for (var r = 0u; r < rounds; r++) {
        let base = r * span;
        let next = base + span + lr;
        let n0 = fetch(row_block(min(next, last_row)) + b);
        let n1 = fetch(row_block(min(next + per_round, last_row)) + b);
        let n2 = fetch(row_block(min(next + 2u * per_round, last_row)) + b);
        let n3 = fetch(row_block(min(next + 3u * per_round, last_row)) + b);
        weights[lid] = select(0.0, fetched_dot(w0, b), in_row);
        weights[WG + lid] = select(0.0, fetched_dot(w1, b), in_row);
        red[lid] = select(0.0, fetched_dot(w2, b), in_row);
        res[lid] = select(0.0, fetched_dot(w3, b), in_row);
        workgroupBarrier();
        for (var i = lid; i < span; i += WG) {  // once, unless K < 128
            let k = i / per_round;
            let at = (i % per_round) * lanes;
            var total = 0.0;
            if (k == 0u) {
                for (var j = 0u; j < lanes; j++) {
                    total += weights[at + j];
                }
            } else if (k == 1u) {
                for (var j = 0u; j < lanes; j++) {
                    total += weights[WG + at + j];
                }
            } else if (k == 2u) {
                for (var j = 0u; j < lanes; j++) {
                    total += red[at + j];
                }
            } else {
                for (var j = 0u; j < lanes; j++) {
                    total += res[at + j];
                }
            }
            if (base + i < n_rows) {
                rows_out[base + i] = total;
            }
        }
        workgroupBarrier();
        w0 = n0;
        w1 = n1;
        w2 = n2;
        w3 = n3;
    }
    workgroupBarrier();
    let scale = inverseSqrt(f32(HEAD_DIM));
    for (var d = lid; d < quads; d += WG) {
        qv[d] = roped4(4u * d, pos) * scale;
        if (has_pos) {
            let at = (pos * N_KV_HEADS + kv_head) * quads + d;
            k_cache[at] = roped4(HEAD_DIM + 4u * d, pos);
            let v = 2u * HEAD_DIM + 4u * d;
            v_cache[at] = vec4<f32>(rows_out[v], rows_out[v + 1u], rows_out[v + 2u], rows_out[v + 3u]);
        }
    }
    storageBarrier();
    workgroupBarrier();
    // Scores of the chunk's keys, four loads issued before their use.
    var m = -3.0e38;
    for (var j = j0 + lid; j < j1; j += WG) {
        let at = (j * N_KV_HEADS + kv_head) * quads;
        var s = 0.0;
        for (var d = 0u; d < quads; d += 4u) {  // clamped, weighted 0
            let k0 = k_cache[at + d];
            let k1 = k_cache[at + min(d + 1u, quads - 1u)];
            let k2 = k_cache[at + min(d + 2u, quads - 1u)];
            let k3 = k_cache[at + min(d + 3u, quads - 1u)];
            s += dot(qv[d], k0) + select(0.0, dot(qv[min(d + 1u, quads - 1u)], k1), d + 1u < quads)
               + select(0.0, dot(qv[min(d + 2u, quads - 1u)], k2), d + 2u < quads)
               + select(0.0, dot(qv[min(d + 3u, quads - 1u)], k3), d + 3u < quads);
        }
        weights[j - j0] = s;
        m = max(m, s);
    }
    m = reduce(lid, m, true);
    var l = 0.0;
    for (var j = j0 + lid; j < j1; j += WG) {  // this invocation's own scores
        let p = exp(weights[j - j0] - m);
        weights[j - j0] = p;
        l += p;
    }
    l = reduce(lid, l, false);  // its barriers also publish the weights
    // The weighted values: invocation (lane, quad) sums every lanes-th key of the chunk for four
    // dimensions, four keys at a time, their loads issued together; then the lanes meet in xs.
    let slot = h * SPLITS + split;
    let v_lanes = WG / quads;
    let quad = lid % quads;
    let lane = lid / quads;
    var acc = vec4<f32>(0.0);
    if (lane < v_lanes) {
        let last = max(j1, j0 + 1u) - 1u;
        for (var j = j0 + lane; j < j1; j += 4u * v_lanes) {
            let ja = min(j + v_lanes, last);
            let jb = min(j + 2u * v_lanes, last);
            let jc = min(j + 3u * v_lanes, last);
            let v0 = v_cache[(j * N_KV_HEADS + kv_head) * quads + quad];
            let v1 = v_cache[(ja * N_KV_HEADS + kv_head) * quads + quad];
            let v2 = v_cache[(jb * N_KV_HEADS + kv_head) * quads + quad];
            let v3 = v_cache[(jc * N_KV_HEADS + kv_head) * quads + quad];
            acc += weights[j - j0] * v0 + select(0.0, weights[ja - j0], j + v_lanes < j1) * v1
                 + select(0.0, weights[jb - j0], j + 2u * v_lanes < j1) * v2
                 + select(0.0, weights[jc - j0], j + 3u * v_lanes < j1) * v3;
        }
    }
    xs[lid] = acc;  // the input vector is no longer needed
    workgroupBarrier();
    if (lane == 0u) {
        for (var i = 1u; i < v_lanes; i++) {
            acc += xs[i * quads + quad];
        }
        let at = AP_ACC + slot * HEAD_DIM + 4u * quad;
        act[at] = acc.x;
        act[at + 1u] = acc.y;
        act[at + 2u] = acc.z;
        act[at + 3u] = acc.w;
    }
    if (lid == 0u) {
        act[AP_M + slot] = m;
        act[AP_L + slot] = l;
    }
}
