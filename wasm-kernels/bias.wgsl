// y += bias on every row of n_tokens rows of N floats (qwen2's q/k/v projection biases). Rows are
// t, or pos0 + t when AT_POS (a K/V projection already written into its cache rows). Runs right
// after the projection and before rope, as llama.cpp does. One invocation per value.
struct Step {
    pos0: u32,
    n_tokens: u32,
}

@group(0) @binding(0) var<storage, read> step: Step;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;

override N: u32;
override AT_POS: bool = false;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 64u;
    let t = i / N;
    if (t >= step.n_tokens) {
        return;
    }
    let row = select(t, step.pos0 + t, AT_POS);
    y[row * N + i % N] += bias[i % N];
}
