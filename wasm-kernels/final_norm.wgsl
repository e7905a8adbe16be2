// #include coop
// #include coop_norm
// Decode, real-GPU set: the output norm of the last residual vector, one workgroup:
// out = rmsnorm(act[X ..]) * norm_w.
@group(0) @binding(0) var<storage, read_write> act: array<f32>;
@group(0) @binding(1) var<storage, read> norm_w: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<f32>>;

override K: u32;
override EPS: f32;
override X: u32;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32) {
    load_normed(lid, X);
    for (var q = lid; q < K / 4u; q += WG) {
        out[q] = xs[q];
    }
}
