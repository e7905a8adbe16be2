// Library, not a kernel: the workgroup memory of the real-GPU kernel set's matrix kernels. The
// input vector sits in workgroup memory (`xs`, with per-block sums in `xsums` for the Q4 formats'
// offset term), read by every row; coop_dot.wgsl multiplies rows with it. 256 invocations a
// workgroup: many rows in flight per workgroup on real GPUs. Barriers are cheap there (on
// CPU-backed adapters they are not: those use matvec.wgsl and the one-op-per-kernel set).
const WG = 256u;

var<workgroup> xs: array<vec4<f32>, 512>;   // the input vector (K <= 2048)
var<workgroup> xsums: array<f32, 64>;       // the sum of each 32-value block of xs
var<workgroup> red: array<f32, WG>;         // partial sums
var<workgroup> res: array<f32, WG>;         // results of the rows of one call of dot_fetched

// xsums for the first k values of xs (xs complete: call after a barrier).
fn block_sums(lid: u32, k: u32) {
    for (var b = lid; b < k / 32u; b += WG) {
        let s = xs[8u * b] + xs[8u * b + 1u] + xs[8u * b + 2u] + xs[8u * b + 3u]
              + xs[8u * b + 4u] + xs[8u * b + 5u] + xs[8u * b + 6u] + xs[8u * b + 7u];
        xsums[b] = s.x + s.y + s.z + s.w;
    }
}

// The sum of every invocation's v, in every invocation (a tree: log2(WG) barriers).
fn workgroup_sum(lid: u32, v: f32) -> f32 {
    red[lid] = v;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s >>= 1u) {
        if (lid < s) {
            red[lid] += red[lid + s];
        }
        workgroupBarrier();
    }
    let total = red[0];
    workgroupBarrier();
    return total;
}
