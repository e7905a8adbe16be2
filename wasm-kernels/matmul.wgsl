// #include dequant
// Y = X W^T for n_tokens tokens (prefill). W: N rows of K columns (K % 32 == 0) in format FMT;
// X: n_tokens rows of K floats; Y: n_tokens rows of N_OUT floats.
// Each invocation computes a tile of ROWS rows x TOKENS tokens: every dequantized block serves
// TOKENS tokens and every x load serves ROWS rows (register blocking, no workgroup memory, which is
// slow on SwiftShader). Outputs as in matvec.wgsl: ROW0, OUT_AT_POS, ACCUMULATE.
struct Step {
    pos0: u32,
    n_tokens: u32,
}

@group(0) @binding(0) var<storage, read> step: Step;
@group(0) @binding(1) var<storage, read> quants: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> scales: array<u32>;
@group(0) @binding(3) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

override K: u32;
override N: u32;
override N_OUT: u32;
override ROW0: u32 = 0u;
override ACCUMULATE: bool = false;
override OUT_AT_POS: bool = false;

const ROWS = 4u;
const TOKENS = 8u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let r0 = gid.x * ROWS;
    let t0 = gid.y * TOKENS;
    let n_tokens = step.n_tokens;
    if (r0 >= N || t0 >= n_tokens) {
        return;
    }
    let blocks = K / 32u;
    var acc: array<vec4<f32>, TOKENS>;  // [token][row]
    for (var b = 0u; b < blocks; b++) {
        var wv: array<array<vec4<f32>, 8>, ROWS>;
        for (var r = 0u; r < ROWS; r++) {
            wv[r] = dequant_block(min(r0 + r, N - 1u) * blocks + b);  // rows past N: dropped below
        }
        for (var t = 0u; t < TOKENS; t++) {
            let xb = min(t0 + t, n_tokens - 1u) * (K / 4u) + b * 8u;  // likewise tokens
            var s = vec4<f32>(0.0);
            for (var j = 0u; j < 8u; j++) {
                let xv = x[xb + j];
                s += vec4<f32>(dot(wv[0][j], xv), dot(wv[1][j], xv), dot(wv[2][j], xv), dot(wv[3][j], xv));
            }
            acc[t] += s;
        }
    }
    let base = select(0u, step.pos0 * N_OUT, OUT_AT_POS) + ROW0;
    for (var t = 0u; t < TOKENS; t++) {
        for (var r = 0u; r < ROWS; r++) {
            if (t0 + t < n_tokens && r0 + r < N) {
                let o = base + (t0 + t) * N_OUT + r0 + r;
                y[o] = select(acc[t][r], y[o] + acc[t][r], ACCUMULATE);
            }
        }
    }
}
