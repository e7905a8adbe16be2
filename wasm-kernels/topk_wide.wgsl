// Real-GPU set: the K largest of each CHUNK (512) consecutive input values, as (id, value bits)
// pairs, largest first, ties to the lower id - the contract of topk.wgsl, computed in parallel.
// One workgroup per chunk sorts it in workgroup memory (bitonic: 45 steps, each invocation one
// compare-exchange a step) and writes its first K. A step is a barrier and a few workgroup-memory
// accesses; counting each value's rank instead took 1,024 serial comparisons per invocation
// (~87 us a pass on an H200). Passes (logits -> 40 per chunk -> ... -> one chunk) as with topk.wgsl.
// PAIRS = the input is such pairs (an earlier pass), else f32 logits whose ids are their indices.
@group(0) @binding(0) var<storage, read> input: array<u32>;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;

override N: u32;
override K: u32;
override PAIRS: bool = false;

const CHUNK = 512u;
const PADDING = -3.0e38;

var<workgroup> values: array<f32, CHUNK>;
var<workgroup> ids: array<u32, CHUNK>;

// Entry a ranks before entry b: larger value, then lower id.
fn before(a: u32, b: u32) -> bool {
    return values[a] > values[b] || (values[a] == values[b] && ids[a] < ids[b]);
}

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    let start = wid.x * CHUNK;
    for (var p = lid; p < CHUNK; p += 256u) {
        let i = start + p;
        var v = PADDING;
        var id = 0xFFFFFFFFu;
        if (i < N) {
            if (PAIRS) {
                id = input[2u * i];
                v = bitcast<f32>(input[2u * i + 1u]);
            } else {
                id = i;
                v = bitcast<f32>(input[i]);
            }
        }
        values[p] = v;
        ids[p] = id;
    }
    workgroupBarrier();
    // Bitonic sort, best first: runs of k sorted alternately best-first and best-last, merged.
    for (var k = 2u; k <= CHUNK; k <<= 1u) {
        for (var j = k >> 1u; j > 0u; j >>= 1u) {
            let a = 2u * lid - (lid & (j - 1u));  // this invocation's pair: (a, a + j)
            let b = a + j;
            if (before(a, b) != ((a & k) == 0u)) {
                let v = values[a];
                let id = ids[a];
                values[a] = values[b];
                ids[a] = ids[b];
                values[b] = v;
                ids[b] = id;
            }
            workgroupBarrier();
        }
    }
    if (lid < K) {
        out[2u * (wid.x * K + lid)] = ids[lid];
        out[2u * (wid.x * K + lid) + 1u] = bitcast<u32>(values[lid]);
    }
}
