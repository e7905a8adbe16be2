// #include kv_type
// Causal attention with grouped-query heads over the KV cache. Workgroup (g, t) takes the query of
// token t (position pos0 + t) for HEADS consecutive query heads starting at g * HEADS, which share
// one KV head ((g * HEADS) / (N_HEADS / N_KV_HEADS)), so every K and V load serves HEADS heads.
// They attend to keys 0 ..= pos0 + t.
//   q, out: n_tokens rows of N_HEADS * HEAD_DIM.  k, v: MAX_CTX rows of N_KV_HEADS * HEAD_DIM.
//   scores: scratch, MAX_CTX vec4s per workgroup (one lane per head): the context can outgrow
//   workgroup memory, and one vec4 load fetches a key's weights for all HEADS heads.
// Phases: scores (one key per invocation, the HEADS queries held in registers, each invocation
// tracking the max and exp-sum of its keys online), one merge of those 64 (max, sum) pairs per
// head, the weights exp(score - max) in place, then the weighted sum of values (each invocation
// one 4-dimension slice of a share of the keys; shares meet in workgroup memory). Five barriers
// in all: they cost microseconds each on CPU-backed adapters.
// Limits: HEAD_DIM % 4 == 0, HEADS * HEAD_DIM <= 256, HEADS <= 4, HEAD_DIM <= 256.
struct Step {
    pos0: u32,
    n_tokens: u32,
}

@group(0) @binding(0) var<storage, read> step: Step;
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> k: array<kv4>;
@group(0) @binding(3) var<storage, read> v: array<kv4>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> scores: array<vec4<f32>>;

override N_HEADS: u32;
override N_KV_HEADS: u32;
override HEAD_DIM: u32;
override MAX_CTX: u32;
override HEADS: u32 = 1u;

const MAX_HEADS = 4u;
const MAX_Q = 64u;  // vec4s of query held per invocation: HEADS * HEAD_DIM / 4

var<workgroup> maxima: array<vec4<f32>, 64>;   // [invocation][head]
var<workgroup> sums: array<vec4<f32>, 64>;
var<workgroup> softmax_max: vec4<f32>;
var<workgroup> softmax_sum: vec4<f32>;
var<workgroup> partial: array<array<vec4<f32>, MAX_HEADS>, 64>;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    let head0 = wid.x * HEADS;
    let t = wid.y;
    let quads = HEAD_DIM / 4u;
    let row_quads = N_KV_HEADS * quads;              // one cache row, in vec4s
    let kv_at = (head0 / (N_HEADS / N_KV_HEADS)) * quads;
    let n_keys = step.pos0 + t + 1u;
    let q_at = (t * N_HEADS + head0) * quads;       // HEADS heads are contiguous in q and out
    let s_at = (t * (N_HEADS / HEADS) + wid.x) * MAX_CTX;

    var qs: array<vec4<f32>, MAX_Q>;
    let scale = inverseSqrt(f32(HEAD_DIM));
    for (var i = 0u; i < HEADS * quads; i++) {
        qs[i] = q[q_at + i] * scale;
    }
    var best = vec4<f32>(-3.0e38);
    var total = vec4<f32>(0.0);  // per head: sum of exp(score - best) over this invocation's keys
    for (var j = lid; j < n_keys; j += 64u) {
        var s = vec4<f32>(0.0);
        for (var d = 0u; d < quads; d++) {
            let kv = vec4<f32>(k[j * row_quads + kv_at + d]);
            for (var h = 0u; h < HEADS; h++) {
                s[h] += dot(qs[h * quads + d], kv);
            }
        }
        scores[s_at + j] = s;
        let m = max(best, s);
        total = total * exp(best - m) + exp(s - m);
        best = m;
    }
    maxima[lid] = best;
    sums[lid] = total;
    workgroupBarrier();
    if (lid == 0u) {
        var m = maxima[0];
        for (var i = 1u; i < 64u; i++) {
            m = max(m, maxima[i]);
        }
        var l = vec4<f32>(0.0);
        for (var i = 0u; i < 64u; i++) {
            l += sums[i] * exp(maxima[i] - m);
        }
        softmax_max = m;
        softmax_sum = l;
    }
    workgroupBarrier();
    best = softmax_max;
    total = softmax_sum;
    for (var j = lid; j < n_keys; j += 64u) {
        scores[s_at + j] = exp(scores[s_at + j] - best);  // unused lanes: exp(0 - -3e38) = inf, unread
    }
    storageBarrier();  // every invocation reads weights written by others below

    let shares = 64u / quads;
    let quad = lid % quads;
    let share = lid / quads;
    var acc: array<vec4<f32>, MAX_HEADS>;
    if (share < shares) {
        for (var j = share; j < n_keys; j += shares) {
            let value = vec4<f32>(v[j * row_quads + kv_at + quad]);
            let weight = scores[s_at + j];
            for (var h = 0u; h < HEADS; h++) {
                acc[h] += weight[h] * value;
            }
        }
    }
    partial[lid] = acc;
    workgroupBarrier();
    if (share == 0u) {
        for (var i = 1u; i < shares; i++) {
            for (var h = 0u; h < HEADS; h++) {
                acc[h] += partial[lid + i * quads][h];
            }
        }
        for (var h = 0u; h < HEADS; h++) {
            out[q_at + h * quads + quad] = acc[h] / total[h];
        }
    }
}
