// The logits of the allowed token ids (a token mask for constrained decoding), as (id, value bits)
// pairs for topk.wgsl (PAIRS = true). allowed = [count, id0, id1, ...]; the slots from count up to
// CAP are padding (id 0xFFFFFFFF, value -3e38) that the top-k never ranks above a real logit, so
// the best allowed token is found even when it is far outside the unmasked top-k.
@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> allowed: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;

override CAP: u32;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let j = gid.x;
    if (j >= CAP) {
        return;
    }
    var id = 0xFFFFFFFFu;
    var value = -3.0e38;
    if (j < allowed[0]) {
        id = allowed[j + 1u];
        value = logits[id];
    }
    out[2u * j] = id;
    out[2u * j + 1u] = bitcast<u32>(value);
}
