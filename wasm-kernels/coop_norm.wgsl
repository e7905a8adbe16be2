// Library (after `// #include coop`): rmsnorm fused into the matrix kernel that follows it. Every
// workgroup normalises the whole vector itself (K values: cheaper than a dispatch and a round trip
// through memory), into xs. The kernel binds `act` (read_write, f32: the decode activations) and
// `norm_w` (the norm's weight), and has overrides K and EPS.
//
// x = act[x_at ..] plus `parts` partial vectors at act[parts_at + p * K ..]: the feed-forward
// kernel (ffn.wgsl) leaves its down projection as partial sums, one per workgroup, and the next
// kernel adds them to the residual stream here. When `write` (one workgroup only), that sum is
// stored at act[write_at ..]: the residual stream for the rest of the layer.
fn load_normed(lid: u32, x_at: u32, parts: u32, parts_at: u32, write: bool, write_at: u32) {
    var ss = 0.0;
    for (var q = lid; q < K / 4u; q += WG) {
        let i = 4u * q;
        var v = vec4<f32>(act[x_at + i], act[x_at + i + 1u], act[x_at + i + 2u], act[x_at + i + 3u]);
        for (var p = 0u; p < parts; p++) {
            let o = parts_at + p * K + i;
            v += vec4<f32>(act[o], act[o + 1u], act[o + 2u], act[o + 3u]);
        }
        if (write) {
            act[write_at + i] = v.x;
            act[write_at + i + 1u] = v.y;
            act[write_at + i + 2u] = v.z;
            act[write_at + i + 3u] = v.w;
        }
        xs[q] = v;
        ss += dot(v, v);
    }
    let scale = inverseSqrt(workgroup_sum(lid, ss) / f32(K) + EPS);
    for (var q = lid; q < K / 4u; q += WG) {
        let i = 4u * q;
        xs[q] = xs[q] * scale * vec4<f32>(norm_w[i], norm_w[i + 1u], norm_w[i + 2u], norm_w[i + 3u]);
    }
    workgroupBarrier();
    block_sums(lid, K);
    workgroupBarrier();
}
