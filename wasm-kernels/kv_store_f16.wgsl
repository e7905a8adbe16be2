// #include kv_type
// The step's K and V rows into the f16 KV cache: n_tokens f32 rows of KV_DIM each (the
// projections' staging rows, K already roped) become cache rows pos0 .. pos0 + n_tokens - 1.
// One invocation per four values of K and the same four of V. (The f32 cache needs no such
// step: the projections write its rows in place; kv_cache.py.)
struct Step {
    pos0: u32,
    n_tokens: u32,
}

@group(0) @binding(0) var<storage, read> step: Step;
@group(0) @binding(1) var<storage, read> k_rows: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> v_rows: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> k_cache: array<kv4>;
@group(0) @binding(4) var<storage, read_write> v_cache: array<kv4>;

override KV_DIM: u32;  // N_KV_HEADS * HEAD_DIM, a multiple of 4

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 64u;
    if (i >= step.n_tokens * KV_DIM / 4u) {
        return;
    }
    let at = step.pos0 * KV_DIM / 4u + i;
    k_cache[at] = kv4(k_rows[i]);
    v_cache[at] = kv4(v_rows[i]);
}
