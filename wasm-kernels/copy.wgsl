// dst = src, 16 bytes an element: the bandwidth yardstick (py/webgpu_llm/bandwidth.py), not part
// of the model. Each invocation copies ITEMS vec4s spaced one whole grid apart, so neighbouring
// invocations touch neighbouring addresses (coalesced on real GPUs, streaming on CPU emulators).
// The grid may be 2-D (x + y * num_workgroups.x) to stay under the per-dimension workgroup limit.
@group(0) @binding(0) var<storage, read> src: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<u32>>;

override ITEMS: u32 = 4u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let threads = nwg.x * nwg.y * 64u;
    let t = gid.x + gid.y * nwg.x * 64u;
    let n = arrayLength(&dst);
    for (var i = 0u; i < ITEMS; i++) {
        let k = t + i * threads;
        if (k < n) {
            dst[k] = src[k];
        }
    }
}
