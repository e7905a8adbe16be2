// Library (after `// #include coop`): rmsnorm fused into the matrix kernel that follows it. Every
// workgroup normalises the whole vector itself (K values: cheaper than a dispatch and a round trip
// through memory), into xs. The kernel binds `act` (read_write, f32: the decode activations) and
// `norm_w` (the norm's weight), and has overrides K and EPS. K <= 2 * 4 * WG (coop.wgsl's xs):
// each invocation loads at most two quads of x and of the weight, all four loads issued together.
fn load_normed(lid: u32, x_at: u32) {
    let quads = K / 4u;
    let a = min(lid, quads - 1u);
    let b = min(lid + WG, quads - 1u);
    let xa = vec4<f32>(act[x_at + 4u * a], act[x_at + 4u * a + 1u], act[x_at + 4u * a + 2u], act[x_at + 4u * a + 3u]);
    let xb = vec4<f32>(act[x_at + 4u * b], act[x_at + 4u * b + 1u], act[x_at + 4u * b + 2u], act[x_at + 4u * b + 3u]);
    let wa = vec4<f32>(norm_w[4u * a], norm_w[4u * a + 1u], norm_w[4u * a + 2u], norm_w[4u * a + 3u]);
    let wb = vec4<f32>(norm_w[4u * b], norm_w[4u * b + 1u], norm_w[4u * b + 2u], norm_w[4u * b + 3u]);
    let has_a = lid < quads;
    let has_b = lid + WG < quads;
    let ss = select(0.0, dot(xa, xa), has_a) + select(0.0, dot(xb, xb), has_b);
    let scale = inverseSqrt(workgroup_sum(lid, ss) / f32(K) + EPS);
    if (has_a) {
        xs[a] = xa * scale * wa;
    }
    if (has_b) {
        xs[b] = xb * scale * wb;
    }
    workgroupBarrier();
    block_sums(lid, K);
    workgroupBarrier();
}
