// #include coop
// #include coop_norm
// Decode, real-GPU set: the last residual sum and the output norm, one workgroup:
// out = rmsnorm(act[X_IN ..] + the PARTS partials of the last ffn.wgsl) * norm_w.
@group(0) @binding(0) var<storage, read_write> act: array<f32>;
@group(0) @binding(1) var<storage, read> norm_w: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<f32>>;

override K: u32;
override EPS: f32;
override X_IN: u32;
override PARTS: u32;
override PARTS_AT: u32;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32) {
    load_normed(lid, X_IN, PARTS, PARTS_AT, false, 0u);
    for (var q = lid; q < K / 4u; q += WG) {
        out[q] = xs[q];
    }
}
