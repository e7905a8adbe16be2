// Rotary position embedding in place, llama.cpp's "normal" mode (what llama GGUFs expect: their
// Q/K weights are permuted for it): within each head, pair (2i, 2i+1) turns by pos * theta_i,
// theta_i = base^(-2i/HEAD_DIM). `turns` holds theta_i / 2pi per pair, computed on the CPU in
// double precision; the angle is reduced to [-pi, pi) before sin/cos because WGSL only promises
// their accuracy there. Token t sits at position pos0 + t; it is row t of `v`, or row pos0 + t when
// AT_POS (the K cache). One invocation per pair. NEOX: llama.cpp's "neox" mode instead (qwen2,
// whose GGUFs keep Hugging Face's Q/K layout): pair (i, i + HEAD_DIM/2), same angles.
struct Step {
    pos0: u32,
    n_tokens: u32,
}

@group(0) @binding(0) var<storage, read> step: Step;
@group(0) @binding(1) var<storage, read_write> v: array<f32>;
@group(0) @binding(2) var<storage, read> turns: array<f32>;

override N_HEADS: u32;
override HEAD_DIM: u32;
override AT_POS: bool = false;
override NEOX: bool = false;

const TAU = 6.283185307179586;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let half = HEAD_DIM / 2u;
    let t = gid.x / (N_HEADS * half);
    if (t >= step.n_tokens) {
        return;
    }
    let head = (gid.x / half) % N_HEADS;
    let i = gid.x % half;
    let pos = step.pos0 + t;
    let row = select(t, pos, AT_POS);
    let at = (row * N_HEADS + head) * HEAD_DIM + select(2u * i, i, NEOX);
    let other = at + select(1u, half, NEOX);
    let angle = (fract(f32(pos) * turns[i] + 0.5) - 0.5) * TAU;
    let c = cos(angle);
    let s = sin(angle);
    let a = v[at];
    let b = v[other];
    v[at] = a * c - b * s;
    v[other] = a * s + b * c;
}
