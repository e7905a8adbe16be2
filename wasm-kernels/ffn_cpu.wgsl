// #include dequant
// Decode, CPU-adapter set: the feed-forward block's input side in one dispatch, without workgroup
// memory or barriers (matvec.wgsl's register blocking): every invocation normalises x itself
// (xn = rmsnorm(x) * norm_w: K loads, against 16 * K weights), takes 8 rows of W_gate and the same
// 8 of W_up (one fused buffer, W_up's first block at UP_BLK0) and writes h = silu(gate) * up.
// K % 32 == 0.
@group(0) @binding(0) var<storage, read> quants: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> scales: array<u32>;
@group(0) @binding(2) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> norm_w: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> h: array<f32>;

override K: u32;
override FFN: u32;
override UP_BLK0: u32;
override EPS: f32;
override WORKGROUP: u32 = 8u;

fn swiglu(g: f32, u: f32) -> f32 {
    return g / (1.0 + exp(-g)) * u;
}

fn store(r: u32, g: f32, u: f32) {
    if (r < FFN) {
        h[r] = swiglu(g, u);
    }
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
    let r0 = ((wid.x + wid.y * nwg.x) * WORKGROUP + lid) * 8u;
    if (r0 >= FFN) {
        return;
    }
    var ss = vec4<f32>(0.0);
    for (var q = 0u; q < K / 4u; q++) {
        let v = x[q];
        ss += v * v;
    }
    let scale = inverseSqrt((ss.x + ss.y + ss.z + ss.w) / f32(K) + EPS);
    let blocks = K / 32u;
    let last = FFN - 1u;
    let g0 = min(r0, last) * blocks;
    let g1 = min(r0 + 1u, last) * blocks;
    let g2 = min(r0 + 2u, last) * blocks;
    let g3 = min(r0 + 3u, last) * blocks;
    let g4 = min(r0 + 4u, last) * blocks;
    let g5 = min(r0 + 5u, last) * blocks;
    let g6 = min(r0 + 6u, last) * blocks;
    let g7 = min(r0 + 7u, last) * blocks;
    let u0 = UP_BLK0 + min(r0, last) * blocks;
    let u1 = UP_BLK0 + min(r0 + 1u, last) * blocks;
    let u2 = UP_BLK0 + min(r0 + 2u, last) * blocks;
    let u3 = UP_BLK0 + min(r0 + 3u, last) * blocks;
    let u4 = UP_BLK0 + min(r0 + 4u, last) * blocks;
    let u5 = UP_BLK0 + min(r0 + 5u, last) * blocks;
    let u6 = UP_BLK0 + min(r0 + 6u, last) * blocks;
    let u7 = UP_BLK0 + min(r0 + 7u, last) * blocks;
    var ga = vec4<f32>(0.0);
    var gb = vec4<f32>(0.0);
    var ua = vec4<f32>(0.0);
    var ub = vec4<f32>(0.0);
    for (var b = 0u; b < blocks; b++) {
        let x0 = x[b * 8u] * norm_w[b * 8u];
        let x1 = x[b * 8u + 1u] * norm_w[b * 8u + 1u];
        let x2 = x[b * 8u + 2u] * norm_w[b * 8u + 2u];
        let x3 = x[b * 8u + 3u] * norm_w[b * 8u + 3u];
        let x4 = x[b * 8u + 4u] * norm_w[b * 8u + 4u];
        let x5 = x[b * 8u + 5u] * norm_w[b * 8u + 5u];
        let x6 = x[b * 8u + 6u] * norm_w[b * 8u + 6u];
        let x7 = x[b * 8u + 7u] * norm_w[b * 8u + 7u];
        let xv = x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;
        let total = xv.x + xv.y + xv.z + xv.w;
        ga += vec4<f32>(block_dot8(g0 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                        block_dot8(g1 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                        block_dot8(g2 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                        block_dot8(g3 + b, x0, x1, x2, x3, x4, x5, x6, x7, total));
        gb += vec4<f32>(block_dot8(g4 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                        block_dot8(g5 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                        block_dot8(g6 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                        block_dot8(g7 + b, x0, x1, x2, x3, x4, x5, x6, x7, total));
        ua += vec4<f32>(block_dot8(u0 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                        block_dot8(u1 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                        block_dot8(u2 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                        block_dot8(u3 + b, x0, x1, x2, x3, x4, x5, x6, x7, total));
        ub += vec4<f32>(block_dot8(u4 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                        block_dot8(u5 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                        block_dot8(u6 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                        block_dot8(u7 + b, x0, x1, x2, x3, x4, x5, x6, x7, total));
    }
    ga *= scale;
    gb *= scale;
    ua *= scale;
    ub *= scale;
    store(r0, ga.x, ua.x);
    store(r0 + 1u, ga.y, ua.y);
    store(r0 + 2u, ga.z, ua.z);
    store(r0 + 3u, ga.w, ua.w);
    store(r0 + 4u, gb.x, ub.x);
    store(r0 + 5u, gb.y, ub.y);
    store(r0 + 6u, gb.z, ub.z);
    store(r0 + 7u, gb.w, ub.w);
}
