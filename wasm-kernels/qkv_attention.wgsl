// #include kv_type
// #include dequant
// #include coop
// #include coop_dot
// #include coop_norm
// Decode, real-GPU set: a layer's attention block up to the out-projection, in one dispatch.
// Workgroups 0 .. KV_WGS-1 compute the new token's k and v: xn = rmsnorm(x) * norm_w
// (x = act[X ..]), ROWS_KV rows each of W_k then W_v (the fused weight buffer's blocks from K_BLK0
// and V_BLK0) times xn, k turned by rope (llama "normal" pairs, as rope.wgsl) at pos0, both
// written into cache row pos0. Workgroup KV_WGS + h * SPLITS + s is split s of query head h: it
// normalises x itself and computes its head's q (the HEAD_DIM rows of W_q from block 0), roped
// and scaled by 1 / sqrt(HEAD_DIM) (split 0 stores it at act[Q_AT + h * HEAD_DIM ..]); then, for
// its chunk of the keys already cached (0 .. pos0-1, chunks of MIN_CHUNK keys at least), the max
// score m, the sum l of exp(score - m) and the weighted sum acc of values, into
// act[AP_M + h * SPLITS + s], act[AP_L + ...] and act[AP_ACC + (h * SPLITS + s) * HEAD_DIM ..].
// Nothing here waits for another workgroup: the new key's own term (q . k_pos0, v_pos0) is added
// by out_proj.wgsl, which merges the splits after this dispatch. Splits with no keys write an
// empty slot without computing q (except split 0, whose q out_proj reads).
// A q row's K / 32 blocks go to WG / HEAD_DIM neighbouring invocations, so every invocation takes
// ceil(K / 32 / (WG / HEAD_DIM)) blocks (5 for K = 576, HEAD_DIM = 64), the first six of them
// fetched before the norm, as one batch of independent loads (coop_dot's Words: no arrays, no loop
// carries them).
// Limits: HEAD_DIM % 4 == 0, HEAD_DIM <= 256, K <= 2048, ROWS_KV % 4 == 0,
// ROWS_KV * K / 32 <= 256, a chunk (ceil(pos0 / SPLITS), MIN_CHUNK at least) <= MAX_CHUNK.
struct Step {
    pos0: u32,
    n_tokens: u32,
}

@group(0) @binding(0) var<storage, read> step: Step;
@group(0) @binding(1) var<storage, read> quants: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> scales: array<u32>;
@group(0) @binding(3) var<storage, read_write> act: array<f32>;
@group(0) @binding(4) var<storage, read> norm_w: array<f32>;
@group(0) @binding(5) var<storage, read_write> k_cache: array<kv4>;
@group(0) @binding(6) var<storage, read_write> v_cache: array<kv4>;
@group(0) @binding(7) var<storage, read> turns: array<f32>;

override K: u32;          // the hidden size
override EPS: f32;
override X: u32;
override Q_AT: u32;
override N_HEADS: u32;
override N_KV_HEADS: u32;
override HEAD_DIM: u32;
override K_BLK0: u32;
override V_BLK0: u32;
override KV_WGS: u32;     // ceil(2 * N_KV_HEADS * HEAD_DIM / ROWS_KV)
override ROWS_KV: u32;
override SPLITS: u32;
override MIN_CHUNK: u32;
override AP_M: u32;
override AP_L: u32;
override AP_ACC: u32;

const TAU = 6.283185307179586;
const MAX_CHUNK = 512u;
const FIRST = 6u;         // q blocks per invocation fetched before the norm

var<workgroup> qv: array<vec4<f32>, 64>;          // q, roped and scaled (HEAD_DIM / 4)
var<workgroup> weights: array<f32, MAX_CHUNK>;     // the chunk's scores, then exp(score - m)

// Row `row` of the k/v part (k rows, then v rows): coop_dot's fetch_row_block calls it.
fn row_block(row: u32) -> u32 {
    let n_kv = N_KV_HEADS * HEAD_DIM;
    let blocks = K / 32u;
    return select(V_BLK0 + (row - n_kv) * blocks, K_BLK0 + row * blocks, row < n_kv);
}

// The rope turn of four consecutive values of a head from index `local` (two pairs, the first
// pair index local / 2) at position pos: (cos, sin) of each pair's angle. Computed at a kernel's
// start, so that its loads and its sin/cos are off the path from the product to the rope.
fn turn4(local: u32, pos: u32) -> vec4<f32> {
    let j = min(local, HEAD_DIM - 4u) / 2u;
    let a0 = (fract(f32(pos) * turns[j] + 0.5) - 0.5) * TAU;
    let a1 = (fract(f32(pos) * turns[j + 1u] + 0.5) - 0.5) * TAU;
    return vec4<f32>(cos(a0), sin(a0), cos(a1), sin(a1));
}

// Four consecutive values res[at ..] turned by t (turn4).
fn roped4(at: u32, t: vec4<f32>) -> vec4<f32> {
    let x0 = res[at];
    let x1 = res[at + 1u];
    let x2 = res[at + 2u];
    let x3 = res[at + 3u];
    return vec4<f32>(x0 * t.x - x1 * t.y, x0 * t.y + x1 * t.x, x2 * t.z - x3 * t.w, x2 * t.w + x3 * t.z);
}

// The new token's k and v rows row0 .. row0 + ROWS_KV - 1, into cache row pos0.
fn kv_rows(lid: u32, row0: u32) {
    let n_kv = N_KV_HEADS * HEAD_DIM;
    let w = fetch_row_block(lid, row0, 2u * n_kv, K);
    let pos = step.pos0;
    let turn = turn4((row0 + 4u * lid) % HEAD_DIM, pos);  // rows 4 lid ..: ROWS_KV <= 4 WG
    load_normed(lid, X);
    let rows = min(ROWS_KV, 2u * n_kv - min(row0, 2u * n_kv));
    dot_fetched(lid, w, rows, K);
    if (4u * lid < rows) {
        let r = row0 + 4u * lid;
        if (r < n_kv) {
            k_cache[(pos * n_kv + r) / 4u] = kv4(roped4(4u * lid, turn));
        } else {
            let i = 4u * lid;
            v_cache[(pos * n_kv + r - n_kv) / 4u] = kv4(vec4<f32>(res[i], res[i + 1u], res[i + 2u], res[i + 3u]));
        }
    }
}

// An invocation's share of a q row (its first block at row_g) past the FIRST blocks fetched
// early: blocks (first + j) * lanes + lane, j = 0, 1, ... (none when K <= 32 * FIRST * lanes).
fn q_rest(row_g: u32, lane: u32, lanes: u32, first: u32) -> f32 {
    let nb = K / 32u;
    var s = 0.0;
    for (var j = first; j * lanes + lane < nb; j++) {
        let b = j * lanes + lane;
        s += fetched_dot(fetch(row_g + b), b);
    }
    return s;
}

fn q_block(row_g: u32, b: u32) -> Words {
    return fetch_words(row_g + min(b, K / 32u - 1u));
}

fn q_dot(w: Words, row_g: u32, b: u32) -> f32 {
    let c = min(b, K / 32u - 1u);
    return select(0.0, words_dot(w, row_g + c, c), b < K / 32u);
}

// The max (or sum) of every invocation's v, in every invocation.
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

fn write_slot(lid: u32, slot: u32, m: f32, l: f32) {
    if (lid == 0u) {
        act[AP_M + slot] = m;
        act[AP_L + slot] = l;
    }
}

// Split `split` of query head h.
fn attend(lid: u32, h: u32, split: u32) {
    let quads = HEAD_DIM / 4u;
    let kv_head = h / (N_HEADS / N_KV_HEADS);
    let pos = step.pos0;
    let chunk = max(MIN_CHUNK, (pos + SPLITS - 1u) / SPLITS);
    let j0 = min(split * chunk, pos);
    let j1 = min(j0 + chunk, pos);
    let slot = h * SPLITS + split;
    if (j1 == j0 && split != 0u) {  // no keys: a slot that weighs nothing in out_proj's merge
        for (var d = lid; d < HEAD_DIM; d += WG) {
            act[AP_ACC + slot * HEAD_DIM + d] = 0.0;
        }
        write_slot(lid, slot, -3.0e38, 0.0);
        return;
    }
    // q: invocation (row, lane) takes blocks lane, lane + lanes, ... of its row.
    let lanes = WG / HEAD_DIM;
    let row = min(lid / lanes, HEAD_DIM - 1u);
    let lane = lid % lanes;
    let row_g = (h * HEAD_DIM + row) * (K / 32u);
    let turn = turn4(4u * lid, pos);  // quad lid of q (HEAD_DIM <= 4 WG)
    let w0 = q_block(row_g, lane);
    let w1 = q_block(row_g, lane + lanes);
    let w2 = q_block(row_g, lane + 2u * lanes);
    let w3 = q_block(row_g, lane + 3u * lanes);
    let w4 = q_block(row_g, lane + 4u * lanes);
    let w5 = q_block(row_g, lane + 5u * lanes);
    load_normed(lid, X);
    let part = q_dot(w0, row_g, lane) + q_dot(w1, row_g, lane + lanes) + q_dot(w2, row_g, lane + 2u * lanes)
             + q_dot(w3, row_g, lane + 3u * lanes) + q_dot(w4, row_g, lane + 4u * lanes)
             + q_dot(w5, row_g, lane + 5u * lanes) + q_rest(row_g, lane, lanes, FIRST);
    red[lid] = select(0.0, part, lid < HEAD_DIM * lanes);
    workgroupBarrier();
    if (lid < HEAD_DIM) {
        var total = 0.0;
        for (var l = 0u; l < lanes; l++) {
            total += red[lid * lanes + l];
        }
        res[lid] = total;
    }
    workgroupBarrier();
    let scale = inverseSqrt(f32(HEAD_DIM));
    if (lid < quads) {
        let q = roped4(4u * lid, turn) * scale;
        qv[lid] = q;
        if (split == 0u) {
            let at = Q_AT + h * HEAD_DIM + 4u * lid;
            act[at] = q.x;
            act[at + 1u] = q.y;
            act[at + 2u] = q.z;
            act[at + 3u] = q.w;
        }
    }
    workgroupBarrier();
    if (j1 == j0) {  // split 0 at pos0 = 0: nothing cached yet
        for (var d = lid; d < HEAD_DIM; d += WG) {
            act[AP_ACC + slot * HEAD_DIM + d] = 0.0;
        }
        write_slot(lid, slot, -3.0e38, 0.0);
        return;
    }
    // Scores of the chunk's keys (one or two an invocation), four loads issued before their use.
    var m = -3.0e38;
    for (var j = j0 + lid; j < j1; j += WG) {
        let at = (j * N_KV_HEADS + kv_head) * quads;
        var s = 0.0;
        for (var d = 0u; d < quads; d += 4u) {  // clamped, weighted 0
            let k0 = vec4<f32>(k_cache[at + d]);
            let k1 = vec4<f32>(k_cache[at + min(d + 1u, quads - 1u)]);
            let k2 = vec4<f32>(k_cache[at + min(d + 2u, quads - 1u)]);
            let k3 = vec4<f32>(k_cache[at + min(d + 3u, quads - 1u)]);
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
    // The weighted values: invocation (lane, quad) sums every v_lanes-th key of the chunk for four
    // dimensions, four keys at a time, their loads issued together; the lanes meet in xs (the
    // normed x is no longer needed).
    let v_lanes = WG / quads;
    let quad = lid % quads;
    let v_lane = lid / quads;
    var acc = vec4<f32>(0.0);
    if (v_lane < v_lanes) {
        let last = j1 - 1u;
        for (var j = j0 + v_lane; j < j1; j += 4u * v_lanes) {
            let ja = min(j + v_lanes, last);
            let jb = min(j + 2u * v_lanes, last);
            let jc = min(j + 3u * v_lanes, last);
            let v0 = vec4<f32>(v_cache[(j * N_KV_HEADS + kv_head) * quads + quad]);
            let v1 = vec4<f32>(v_cache[(ja * N_KV_HEADS + kv_head) * quads + quad]);
            let v2 = vec4<f32>(v_cache[(jb * N_KV_HEADS + kv_head) * quads + quad]);
            let v3 = vec4<f32>(v_cache[(jc * N_KV_HEADS + kv_head) * quads + quad]);
            acc += weights[j - j0] * v0 + select(0.0, weights[ja - j0], j + v_lanes < j1) * v1
                 + select(0.0, weights[jb - j0], j + 2u * v_lanes < j1) * v2
                 + select(0.0, weights[jc - j0], j + 3u * v_lanes < j1) * v3;
        }
    }
    xs[lid] = acc;
    workgroupBarrier();
    if (v_lane == 0u) {
        for (var i = 1u; i < v_lanes; i++) {
            acc += xs[i * quads + quad];
        }
        let at = AP_ACC + slot * HEAD_DIM + 4u * quad;
        act[at] = acc.x;
        act[at + 1u] = acc.y;
        act[at + 2u] = acc.z;
        act[at + 3u] = acc.w;
    }
    write_slot(lid, slot, m, l);
}

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    if (wid.x < KV_WGS) {
        kv_rows(lid, wid.x * ROWS_KV);
        return;
    }
    let a = wid.x - KV_WGS;
    attend(lid, a / SPLITS, a % SPLITS);
}
