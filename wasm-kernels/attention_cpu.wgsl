// Causal attention for CPU-backed adapters (SwiftShader, lavapipe): one invocation per (token,
// query head) walks the keys 0 ..= pos0 + t one by one with an online softmax (running max m, sum l,
// and output rescaled whenever m grows). No workgroup memory and no barriers (each costs a fiber
// switch per subgroup on those adapters), and the query and the output accumulator are held in
// private arrays indexed only by constants: the head is spelled out as 16 vec4s (HEAD_DIM <= 64;
// quads past HEAD_DIM / 4 are skipped by conditions on the constant). attention.wgsl is the
// workgroup version for real GPUs. Same bindings and layout as attention.wgsl, less the scratch.
//   q, out: n_tokens rows of N_HEADS * HEAD_DIM.  k, v: rows of N_KV_HEADS * HEAD_DIM (the cache).
// Invocation i: token i / N_HEADS, head i % N_HEADS. Limits: HEAD_DIM % 4 == 0, HEAD_DIM <= 64.
struct Step {
    pos0: u32,
    n_tokens: u32,
}

@group(0) @binding(0) var<storage, read> step: Step;
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4<f32>>;

override N_HEADS: u32;
override N_KV_HEADS: u32;
override HEAD_DIM: u32;
override WORKGROUP: u32 = 4u;

const QUADS = 16u;  // vec4s spelled out below: HEAD_DIM <= 4 * QUADS

var<private> qs: array<vec4<f32>, QUADS>;
var<private> acc: array<vec4<f32>, QUADS>;

// q . k[at ..] over the head's quads.
fn score(at: u32) -> f32 {
    let n = HEAD_DIM / 4u;
    var s = dot(qs[0], k[at]);
    if (n > 1u) { s += dot(qs[1], k[at + 1u]); }
    if (n > 2u) { s += dot(qs[2], k[at + 2u]); }
    if (n > 3u) { s += dot(qs[3], k[at + 3u]); }
    if (n > 4u) { s += dot(qs[4], k[at + 4u]); }
    if (n > 5u) { s += dot(qs[5], k[at + 5u]); }
    if (n > 6u) { s += dot(qs[6], k[at + 6u]); }
    if (n > 7u) { s += dot(qs[7], k[at + 7u]); }
    if (n > 8u) { s += dot(qs[8], k[at + 8u]); }
    if (n > 9u) { s += dot(qs[9], k[at + 9u]); }
    if (n > 10u) { s += dot(qs[10], k[at + 10u]); }
    if (n > 11u) { s += dot(qs[11], k[at + 11u]); }
    if (n > 12u) { s += dot(qs[12], k[at + 12u]); }
    if (n > 13u) { s += dot(qs[13], k[at + 13u]); }
    if (n > 14u) { s += dot(qs[14], k[at + 14u]); }
    if (n > 15u) { s += dot(qs[15], k[at + 15u]); }
    return s;
}

// acc = acc * c + p * v[at ..].
fn accumulate(at: u32, c: f32, p: f32) {
    let n = HEAD_DIM / 4u;
    acc[0] = acc[0] * c + p * v[at];
    if (n > 1u) { acc[1] = acc[1] * c + p * v[at + 1u]; }
    if (n > 2u) { acc[2] = acc[2] * c + p * v[at + 2u]; }
    if (n > 3u) { acc[3] = acc[3] * c + p * v[at + 3u]; }
    if (n > 4u) { acc[4] = acc[4] * c + p * v[at + 4u]; }
    if (n > 5u) { acc[5] = acc[5] * c + p * v[at + 5u]; }
    if (n > 6u) { acc[6] = acc[6] * c + p * v[at + 6u]; }
    if (n > 7u) { acc[7] = acc[7] * c + p * v[at + 7u]; }
    if (n > 8u) { acc[8] = acc[8] * c + p * v[at + 8u]; }
    if (n > 9u) { acc[9] = acc[9] * c + p * v[at + 9u]; }
    if (n > 10u) { acc[10] = acc[10] * c + p * v[at + 10u]; }
    if (n > 11u) { acc[11] = acc[11] * c + p * v[at + 11u]; }
    if (n > 12u) { acc[12] = acc[12] * c + p * v[at + 12u]; }
    if (n > 13u) { acc[13] = acc[13] * c + p * v[at + 13u]; }
    if (n > 14u) { acc[14] = acc[14] * c + p * v[at + 14u]; }
    if (n > 15u) { acc[15] = acc[15] * c + p * v[at + 15u]; }
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * WORKGROUP;
    let t = i / N_HEADS;
    if (t >= step.n_tokens) {
        return;
    }
    let head = i % N_HEADS;
    let quads = HEAD_DIM / 4u;
    let row_quads = N_KV_HEADS * quads;
    let kv_at = (head / (N_HEADS / N_KV_HEADS)) * quads;
    let q_at = (t * N_HEADS + head) * quads;
    let scale = inverseSqrt(f32(HEAD_DIM));
    qs[0] = q[q_at] * scale;
    if (quads > 1u) { qs[1] = q[q_at + 1u] * scale; }
    if (quads > 2u) { qs[2] = q[q_at + 2u] * scale; }
    if (quads > 3u) { qs[3] = q[q_at + 3u] * scale; }
    if (quads > 4u) { qs[4] = q[q_at + 4u] * scale; }
    if (quads > 5u) { qs[5] = q[q_at + 5u] * scale; }
    if (quads > 6u) { qs[6] = q[q_at + 6u] * scale; }
    if (quads > 7u) { qs[7] = q[q_at + 7u] * scale; }
    if (quads > 8u) { qs[8] = q[q_at + 8u] * scale; }
    if (quads > 9u) { qs[9] = q[q_at + 9u] * scale; }
    if (quads > 10u) { qs[10] = q[q_at + 10u] * scale; }
    if (quads > 11u) { qs[11] = q[q_at + 11u] * scale; }
    if (quads > 12u) { qs[12] = q[q_at + 12u] * scale; }
    if (quads > 13u) { qs[13] = q[q_at + 13u] * scale; }
    if (quads > 14u) { qs[14] = q[q_at + 14u] * scale; }
    if (quads > 15u) { qs[15] = q[q_at + 15u] * scale; }
    let n_keys = step.pos0 + t + 1u;
    var m = score(kv_at);
    var l = 1.0;
    acc[0] = v[kv_at];
    if (quads > 1u) { acc[1] = v[kv_at + 1u]; }
    if (quads > 2u) { acc[2] = v[kv_at + 2u]; }
    if (quads > 3u) { acc[3] = v[kv_at + 3u]; }
    if (quads > 4u) { acc[4] = v[kv_at + 4u]; }
    if (quads > 5u) { acc[5] = v[kv_at + 5u]; }
    if (quads > 6u) { acc[6] = v[kv_at + 6u]; }
    if (quads > 7u) { acc[7] = v[kv_at + 7u]; }
    if (quads > 8u) { acc[8] = v[kv_at + 8u]; }
    if (quads > 9u) { acc[9] = v[kv_at + 9u]; }
    if (quads > 10u) { acc[10] = v[kv_at + 10u]; }
    if (quads > 11u) { acc[11] = v[kv_at + 11u]; }
    if (quads > 12u) { acc[12] = v[kv_at + 12u]; }
    if (quads > 13u) { acc[13] = v[kv_at + 13u]; }
    if (quads > 14u) { acc[14] = v[kv_at + 14u]; }
    if (quads > 15u) { acc[15] = v[kv_at + 15u]; }
    for (var j = 1u; j < n_keys; j++) {
        let at = j * row_quads + kv_at;
        let s = score(at);
        let m_new = max(m, s);
        let c = exp(m - m_new);
        let p = exp(s - m_new);
        l = l * c + p;
        m = m_new;
        accumulate(at, c, p);
    }
    let inv = 1.0 / l;
    out[q_at] = acc[0] * inv;
    if (quads > 1u) { out[q_at + 1u] = acc[1] * inv; }
    if (quads > 2u) { out[q_at + 2u] = acc[2] * inv; }
    if (quads > 3u) { out[q_at + 3u] = acc[3] * inv; }
    if (quads > 4u) { out[q_at + 4u] = acc[4] * inv; }
    if (quads > 5u) { out[q_at + 5u] = acc[5] * inv; }
    if (quads > 6u) { out[q_at + 6u] = acc[6] * inv; }
    if (quads > 7u) { out[q_at + 7u] = acc[7] * inv; }
    if (quads > 8u) { out[q_at + 8u] = acc[8] * inv; }
    if (quads > 9u) { out[q_at + 9u] = acc[9] * inv; }
    if (quads > 10u) { out[q_at + 10u] = acc[10] * inv; }
    if (quads > 11u) { out[q_at + 11u] = acc[11] * inv; }
    if (quads > 12u) { out[q_at + 12u] = acc[12] * inv; }
    if (quads > 13u) { out[q_at + 13u] = acc[13] * inv; }
    if (quads > 14u) { out[q_at + 14u] = acc[14] * inv; }
    if (quads > 15u) { out[q_at + 15u] = acc[15] * inv; }
}
