// Library (after `// #include dequant` and `// #include coop`): rows of a quantized matrix times
// the vector in xs. LANES invocations share each row (neighbouring lanes read neighbouring 16-byte
// blocks, so a row is one contiguous read) and their partial sums meet in workgroup memory. The
// including kernel defines `fn row_block(row: u32) -> u32` (the index of the row's first block).
override LANES: u32 = 16u;   // invocations per row: a power of two <= 32

// One block's dot product with blocks b of xs (b: the block's column).
fn xs_block_dot(g: u32, b: u32) -> f32 {
    return block_dot8(g, xs[8u * b], xs[8u * b + 1u], xs[8u * b + 2u], xs[8u * b + 3u],
                      xs[8u * b + 4u], xs[8u * b + 5u], xs[8u * b + 6u], xs[8u * b + 7u], xsums[b]);
}

const MAX_PASSES = 16u;  // rows <= 16 * (WG / LANES)

// res[i] = row (row0 + i) . xs for i < rows, over the first k values of xs. WG / LANES rows a
// pass; every pass's loads are issued before any reduction (accumulators in registers), so their
// memory latencies overlap instead of adding up pass by pass. Call from uniform control flow with
// xs and xsums complete; res is complete on return.
fn dot_rows(lid: u32, row0: u32, rows: u32, k: u32) {
    let per_pass = WG / LANES;
    let lane = lid % LANES;
    let blocks = k / 32u;
    let passes = (rows + per_pass - 1u) / per_pass;
    var acc: array<f32, MAX_PASSES>;
    for (var p = 0u; p < MAX_PASSES; p++) {
        let i = p * per_pass + lid / LANES;
        if (p < passes && i < rows) {
            let g = row_block(row0 + i);
            var s = 0.0;
            for (var b = lane; b < blocks; b += LANES) {
                s += xs_block_dot(g + b, b);
            }
            acc[p] = s;
        }
    }
    for (var p = 0u; p < MAX_PASSES; p++) {
        if (p < passes) {  // uniform: rows is the same for the whole workgroup
            let i = p * per_pass + lid / LANES;
            red[lid] = acc[p];
            workgroupBarrier();
            if (lane == 0u && i < rows) {
                var total = 0.0;
                for (var j = 0u; j < LANES; j++) {
                    total += red[lid + j];
                }
                res[i] = total;
            }
            workgroupBarrier();
        }
    }
}
