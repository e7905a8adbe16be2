// Decode, real-GPU set: split-K ("flash-decoding") attention of one token over the KV cache. The
// keys 0 ..= pos0 are cut into SPLITS contiguous chunks; workgroup (head h, split s) computes for
// its chunk the max score m, the sum l of exp(score - m) and the weighted sum acc of values, into
// act[AP_M + h * SPLITS + s], act[AP_L + ...] and act[AP_ACC + (h * SPLITS + s) * HEAD_DIM ..].
// out_proj.wgsl merges the splits while loading its input. Many workgroups whatever the context
// (N_HEADS * SPLITS), each with a short chunk: a real GPU keeps all its cores busy.
// Limits: HEAD_DIM % 4 == 0, HEAD_DIM <= 256, a chunk (ceil((pos0 + 1) / SPLITS)) <= MAX_CHUNK.
struct Step {
    pos0: u32,
    n_tokens: u32,
}

@group(0) @binding(0) var<storage, read> step: Step;
@group(0) @binding(1) var<storage, read_write> act: array<f32>;
@group(0) @binding(2) var<storage, read> k_cache: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> v_cache: array<vec4<f32>>;

override N_HEADS: u32;
override N_KV_HEADS: u32;
override HEAD_DIM: u32;
override SPLITS: u32;
override Q_AT: u32;
override AP_M: u32;
override AP_L: u32;
override AP_ACC: u32;

const T = 64u;
const MAX_CHUNK = 512u;

var<workgroup> qv: array<vec4<f32>, 64>;
var<workgroup> weights: array<f32, MAX_CHUNK>;
var<workgroup> red: array<f32, T>;
var<workgroup> sums: array<vec4<f32>, T>;

// max (or sum) over the workgroup, in every invocation.
fn reduce(lid: u32, v: f32, is_max: bool) -> f32 {
    red[lid] = v;
    workgroupBarrier();
    for (var s = T / 2u; s > 0u; s >>= 1u) {
        if (lid < s) {
            red[lid] = select(red[lid] + red[lid + s], max(red[lid], red[lid + s]), is_max);
        }
        workgroupBarrier();
    }
    let r = red[0];
    workgroupBarrier();
    return r;
}

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    let h = wid.x;
    let split = wid.y;
    let quads = HEAD_DIM / 4u;
    let kv_head = h / (N_HEADS / N_KV_HEADS);
    let n_keys = step.pos0 + 1u;
    let chunk = (n_keys + SPLITS - 1u) / SPLITS;
    let j0 = min(split * chunk, n_keys);
    let j1 = min(j0 + chunk, n_keys);
    let scale = inverseSqrt(f32(HEAD_DIM));
    for (var d = lid; d < quads; d += T) {
        let i = Q_AT + h * HEAD_DIM + 4u * d;
        qv[d] = vec4<f32>(act[i], act[i + 1u], act[i + 2u], act[i + 3u]) * scale;
    }
    workgroupBarrier();
    var m = -3.0e38;
    for (var j = j0 + lid; j < j1; j += T) {
        let at = (j * N_KV_HEADS + kv_head) * quads;
        var s = 0.0;
        for (var d = 0u; d < quads; d += 4u) {  // four loads issued before their use (clamped, weighted 0)
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
    for (var j = j0 + lid; j < j1; j += T) {  // the same keys as above: this invocation's own scores
        let p = exp(weights[j - j0] - m);
        weights[j - j0] = p;
        l += p;
    }
    l = reduce(lid, l, false);  // its barriers also publish the weights
    // The weighted values: invocation (lane, quad) sums every lanes-th key of the chunk for four
    // dimensions (vec4 loads; lanes short chains instead of one long one), then the lanes meet.
    let slot = h * SPLITS + split;
    let lanes = max(1u, T / quads);
    let quad = lid % quads;
    let lane = lid / quads;
    var acc = vec4<f32>(0.0);
    if (lane < lanes) {  // four keys at a time, their loads issued together (clamped, weighted 0)
        let last = max(j1, j0 + 1u) - 1u;
        for (var j = j0 + lane; j < j1; j += 4u * lanes) {
            let ja = min(j + lanes, last);
            let jb = min(j + 2u * lanes, last);
            let jc = min(j + 3u * lanes, last);
            let v0 = v_cache[(j * N_KV_HEADS + kv_head) * quads + quad];
            let v1 = v_cache[(ja * N_KV_HEADS + kv_head) * quads + quad];
            let v2 = v_cache[(jb * N_KV_HEADS + kv_head) * quads + quad];
            let v3 = v_cache[(jc * N_KV_HEADS + kv_head) * quads + quad];
            acc += weights[j - j0] * v0 + select(0.0, weights[ja - j0], j + lanes < j1) * v1
                 + select(0.0, weights[jb - j0], j + 2u * lanes < j1) * v2
                 + select(0.0, weights[jc - j0], j + 3u * lanes < j1) * v3;
        }
    }
    sums[lid] = acc;
    workgroupBarrier();
    if (lane == 0u) {
        for (var l = 1u; l < lanes; l++) {
            acc += sums[l * quads + quad];
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
