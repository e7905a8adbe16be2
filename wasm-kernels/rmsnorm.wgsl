// out[r] = x[r] / sqrt(mean(x[r]^2) + EPS) * weight, one workgroup per row of H floats.
// Invocation 0 adds the 64 partial sums itself: two barriers instead of a six-level tree (each
// barrier costs microseconds on CPU-backed adapters).
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> weight: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

override H: u32;
override EPS: f32;

var<workgroup> sums: array<f32, 64>;
var<workgroup> scale: f32;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    let base = wid.x * H;
    var ss = 0.0;
    for (var i = lid; i < H; i += 64u) {
        let v = x[base + i];
        ss += v * v;
    }
    sums[lid] = ss;
    workgroupBarrier();
    if (lid == 0u) {
        var total = 0.0;
        for (var i = 0u; i < 64u; i++) {
            total += sums[i];
        }
        scale = inverseSqrt(total / f32(H) + EPS);
    }
    workgroupBarrier();
    let s = scale;
    for (var i = lid; i < H; i += 64u) {
        out[base + i] = x[base + i] * s * weight[i];
    }
}
