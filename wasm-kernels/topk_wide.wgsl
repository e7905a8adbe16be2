// Real-GPU set: the K largest of each CHUNK (512) consecutive input values, as (id, value bits)
// pairs, largest first, ties to the lower id - the contract of topk.wgsl, computed in parallel.
// One workgroup per chunk; each invocation holds two values and counts how many of the chunk's
// 512 rank before each (value descending, then id, then place: a strict order, so every rank is
// taken once); values ranked below K write themselves to their place. One barrier, no serial
// insertion. Passes (logits -> 40 per chunk -> ... -> one chunk) as with topk.wgsl.
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

fn before(o: u32, v: f32, id: u32, place: u32) -> bool {
    let w = values[o];
    return w > v || (w == v && (ids[o] < id || (ids[o] == id && o < place)));
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
    for (var p = lid; p < CHUNK; p += 256u) {
        let v = values[p];
        let id = ids[p];
        var rank = 0u;
        for (var o = 0u; o < CHUNK; o++) {
            rank += u32(before(o, v, id, p));
        }
        if (rank < K) {
            out[2u * (wid.x * K + rank)] = id;
            out[2u * (wid.x * K + rank) + 1u] = bitcast<u32>(v);
        }
    }
}
