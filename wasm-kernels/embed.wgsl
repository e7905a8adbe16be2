// #include dequant
// x[t] = row ids[t] of the embedding table, dequantized. One invocation per (token, 32-block).
// A table split across buffers (bigger than a binding) is looked up once per part: this part holds
// rows ROW0 .. ROW0+N-1 and ignores other ids. H % 32 == 0.
struct Step {
    pos0: u32,
    n_tokens: u32,
}

@group(0) @binding(0) var<storage, read> step: Step;
@group(0) @binding(1) var<storage, read> quants: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> scales: array<u32>;
@group(0) @binding(3) var<storage, read> ids: array<u32>;
@group(0) @binding(4) var<storage, read_write> x: array<vec4<f32>>;

override H: u32;
override N: u32;
override ROW0: u32 = 0u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let blocks = H / 32u;
    let t = gid.x / blocks;
    let b = gid.x % blocks;
    if (t >= step.n_tokens) {
        return;
    }
    let id = ids[t];
    if (id < ROW0 || id - ROW0 >= N) {
        return;
    }
    var v = dequant_block((id - ROW0) * blocks + b);
    for (var j = 0u; j < 8u; j++) {
        x[t * (H / 4u) + b * 8u + j] = v[j];
    }
}
