// #include dequant
// Decode, CPU-adapter set: a layer's attention block up to the output projection in one dispatch,
// without the barriers and workgroup memory of the real-GPU set's many-workgroup kernels: one
// workgroup of WORKGROUP invocations per KV head (its query heads share the new k and v, so no
// row is computed twice). Invocations take 16 rows at a time (register-blocked as matvec.wgsl,
// over xn = rmsnorm(x) * norm_w in workgroup memory) of its q heads' W_q rows and
// the KV head's W_k and W_v rows (one fused weight buffer, their first blocks at K_BLK0 and
// V_BLK0); rope turns q and k (llama "normal" pairs) at pos0; k and v go into cache row pos0;
// then the invocations split each query head's keys 0 ..= pos0 between them (an online softmax
// each, as attention_cpu.wgsl, the head held in private arrays indexed by constants) and merge.
// out (attention output, N_HEADS * HEAD_DIM) is what the output projection reads.
// Limits: HEAD_DIM % 4 == 0, HEAD_DIM <= 64, (N_HEADS / N_KV_HEADS + 2) * HEAD_DIM <= 512,
// N_HEADS / N_KV_HEADS <= WORKGROUP <= 16, K % 32 == 0, K <= 2048. One token only.
struct Step {
    pos0: u32,
    n_tokens: u32,
}

@group(0) @binding(0) var<storage, read> step: Step;
@group(0) @binding(1) var<storage, read> quants: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> scales: array<u32>;
@group(0) @binding(3) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> norm_w: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> k_cache: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> v_cache: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read> turns: array<f32>;
@group(0) @binding(8) var<storage, read_write> out: array<vec4<f32>>;

override K: u32;
override EPS: f32;
override N_HEADS: u32;
override N_KV_HEADS: u32;
override HEAD_DIM: u32;
override K_BLK0: u32;
override V_BLK0: u32;
override WORKGROUP: u32 = 8u;

const TAU = 6.283185307179586;
const QUADS = 16u;  // vec4s spelled out below: HEAD_DIM <= 4 * QUADS

var<workgroup> rows_out: array<f32, 512>;            // q of the group's heads, then k, v
var<workgroup> xn: array<vec4<f32>, 512>;           // rmsnorm(x) * norm_w (K <= 2048)
var<workgroup> part_m: array<f32, 16>;              // each invocation's softmax part
var<workgroup> part_l: array<f32, 16>;
var<workgroup> part_acc: array<vec4<f32>, 256>;     // 16 invocations x QUADS

var<private> qs: array<vec4<f32>, QUADS>;
var<private> acc: array<vec4<f32>, QUADS>;
var<private> kv_head: u32;

// Local row i: the group's W_q rows, then the KV head's W_k rows and W_v rows.
fn row_block(i: u32) -> u32 {
    let blocks = K / 32u;
    let q_rows = (N_HEADS / N_KV_HEADS) * HEAD_DIM;
    if (i < q_rows) {
        return (kv_head * q_rows + i) * blocks;
    }
    if (i < q_rows + HEAD_DIM) {
        return K_BLK0 + (kv_head * HEAD_DIM + i - q_rows) * blocks;
    }
    return V_BLK0 + (kv_head * HEAD_DIM + i - q_rows - HEAD_DIM) * blocks;
}

// rows_out[at .. at + 4] (two rope pairs of one head) turned by pos * theta.
fn roped4(at: u32, pos: u32) -> vec4<f32> {
    let j = (at % HEAD_DIM) / 2u;
    let a0 = (fract(f32(pos) * turns[j] + 0.5) - 0.5) * TAU;
    let a1 = (fract(f32(pos) * turns[j + 1u] + 0.5) - 0.5) * TAU;
    let x0 = rows_out[at];
    let x1 = rows_out[at + 1u];
    let x2 = rows_out[at + 2u];
    let x3 = rows_out[at + 3u];
    return vec4<f32>(x0 * cos(a0) - x1 * sin(a0), x0 * sin(a0) + x1 * cos(a0),
                     x2 * cos(a1) - x3 * sin(a1), x2 * sin(a1) + x3 * cos(a1));
}

// q . k_cache[at ..] over the head's quads.
fn score(at: u32) -> f32 {
    let n = HEAD_DIM / 4u;
    var s = 0.0;
    s += dot(qs[0], k_cache[at + 0u]);
    if (n > 1u) { s += dot(qs[1], k_cache[at + 1u]); }
    if (n > 2u) { s += dot(qs[2], k_cache[at + 2u]); }
    if (n > 3u) { s += dot(qs[3], k_cache[at + 3u]); }
    if (n > 4u) { s += dot(qs[4], k_cache[at + 4u]); }
    if (n > 5u) { s += dot(qs[5], k_cache[at + 5u]); }
    if (n > 6u) { s += dot(qs[6], k_cache[at + 6u]); }
    if (n > 7u) { s += dot(qs[7], k_cache[at + 7u]); }
    if (n > 8u) { s += dot(qs[8], k_cache[at + 8u]); }
    if (n > 9u) { s += dot(qs[9], k_cache[at + 9u]); }
    if (n > 10u) { s += dot(qs[10], k_cache[at + 10u]); }
    if (n > 11u) { s += dot(qs[11], k_cache[at + 11u]); }
    if (n > 12u) { s += dot(qs[12], k_cache[at + 12u]); }
    if (n > 13u) { s += dot(qs[13], k_cache[at + 13u]); }
    if (n > 14u) { s += dot(qs[14], k_cache[at + 14u]); }
    if (n > 15u) { s += dot(qs[15], k_cache[at + 15u]); }
    return s;
}

// acc = acc * c + p * v_cache[at ..].
fn accumulate(at: u32, c: f32, p: f32) {
    let n = HEAD_DIM / 4u;
    acc[0] = acc[0] * c + p * v_cache[at + 0u];
    if (n > 1u) { acc[1] = acc[1] * c + p * v_cache[at + 1u]; }
    if (n > 2u) { acc[2] = acc[2] * c + p * v_cache[at + 2u]; }
    if (n > 3u) { acc[3] = acc[3] * c + p * v_cache[at + 3u]; }
    if (n > 4u) { acc[4] = acc[4] * c + p * v_cache[at + 4u]; }
    if (n > 5u) { acc[5] = acc[5] * c + p * v_cache[at + 5u]; }
    if (n > 6u) { acc[6] = acc[6] * c + p * v_cache[at + 6u]; }
    if (n > 7u) { acc[7] = acc[7] * c + p * v_cache[at + 7u]; }
    if (n > 8u) { acc[8] = acc[8] * c + p * v_cache[at + 8u]; }
    if (n > 9u) { acc[9] = acc[9] * c + p * v_cache[at + 9u]; }
    if (n > 10u) { acc[10] = acc[10] * c + p * v_cache[at + 10u]; }
    if (n > 11u) { acc[11] = acc[11] * c + p * v_cache[at + 11u]; }
    if (n > 12u) { acc[12] = acc[12] * c + p * v_cache[at + 12u]; }
    if (n > 13u) { acc[13] = acc[13] * c + p * v_cache[at + 13u]; }
    if (n > 14u) { acc[14] = acc[14] * c + p * v_cache[at + 14u]; }
    if (n > 15u) { acc[15] = acc[15] * c + p * v_cache[at + 15u]; }
}

fn load_q(at: u32) {
    let n = HEAD_DIM / 4u;
    qs[0] = vec4<f32>(rows_out[at + 0u * 4u], rows_out[at + 0u * 4u + 1u], rows_out[at + 0u * 4u + 2u], rows_out[at + 0u * 4u + 3u]);
    if (n > 1u) { qs[1] = vec4<f32>(rows_out[at + 1u * 4u], rows_out[at + 1u * 4u + 1u], rows_out[at + 1u * 4u + 2u], rows_out[at + 1u * 4u + 3u]); }
    if (n > 2u) { qs[2] = vec4<f32>(rows_out[at + 2u * 4u], rows_out[at + 2u * 4u + 1u], rows_out[at + 2u * 4u + 2u], rows_out[at + 2u * 4u + 3u]); }
    if (n > 3u) { qs[3] = vec4<f32>(rows_out[at + 3u * 4u], rows_out[at + 3u * 4u + 1u], rows_out[at + 3u * 4u + 2u], rows_out[at + 3u * 4u + 3u]); }
    if (n > 4u) { qs[4] = vec4<f32>(rows_out[at + 4u * 4u], rows_out[at + 4u * 4u + 1u], rows_out[at + 4u * 4u + 2u], rows_out[at + 4u * 4u + 3u]); }
    if (n > 5u) { qs[5] = vec4<f32>(rows_out[at + 5u * 4u], rows_out[at + 5u * 4u + 1u], rows_out[at + 5u * 4u + 2u], rows_out[at + 5u * 4u + 3u]); }
    if (n > 6u) { qs[6] = vec4<f32>(rows_out[at + 6u * 4u], rows_out[at + 6u * 4u + 1u], rows_out[at + 6u * 4u + 2u], rows_out[at + 6u * 4u + 3u]); }
    if (n > 7u) { qs[7] = vec4<f32>(rows_out[at + 7u * 4u], rows_out[at + 7u * 4u + 1u], rows_out[at + 7u * 4u + 2u], rows_out[at + 7u * 4u + 3u]); }
    if (n > 8u) { qs[8] = vec4<f32>(rows_out[at + 8u * 4u], rows_out[at + 8u * 4u + 1u], rows_out[at + 8u * 4u + 2u], rows_out[at + 8u * 4u + 3u]); }
    if (n > 9u) { qs[9] = vec4<f32>(rows_out[at + 9u * 4u], rows_out[at + 9u * 4u + 1u], rows_out[at + 9u * 4u + 2u], rows_out[at + 9u * 4u + 3u]); }
    if (n > 10u) { qs[10] = vec4<f32>(rows_out[at + 10u * 4u], rows_out[at + 10u * 4u + 1u], rows_out[at + 10u * 4u + 2u], rows_out[at + 10u * 4u + 3u]); }
    if (n > 11u) { qs[11] = vec4<f32>(rows_out[at + 11u * 4u], rows_out[at + 11u * 4u + 1u], rows_out[at + 11u * 4u + 2u], rows_out[at + 11u * 4u + 3u]); }
    if (n > 12u) { qs[12] = vec4<f32>(rows_out[at + 12u * 4u], rows_out[at + 12u * 4u + 1u], rows_out[at + 12u * 4u + 2u], rows_out[at + 12u * 4u + 3u]); }
    if (n > 13u) { qs[13] = vec4<f32>(rows_out[at + 13u * 4u], rows_out[at + 13u * 4u + 1u], rows_out[at + 13u * 4u + 2u], rows_out[at + 13u * 4u + 3u]); }
    if (n > 14u) { qs[14] = vec4<f32>(rows_out[at + 14u * 4u], rows_out[at + 14u * 4u + 1u], rows_out[at + 14u * 4u + 2u], rows_out[at + 14u * 4u + 3u]); }
    if (n > 15u) { qs[15] = vec4<f32>(rows_out[at + 15u * 4u], rows_out[at + 15u * 4u + 1u], rows_out[at + 15u * 4u + 2u], rows_out[at + 15u * 4u + 3u]); }
}

fn save_acc(slot: u32) {
    let n = HEAD_DIM / 4u;
    part_acc[slot * QUADS + 0u] = acc[0];
    if (n > 1u) { part_acc[slot * QUADS + 1u] = acc[1]; }
    if (n > 2u) { part_acc[slot * QUADS + 2u] = acc[2]; }
    if (n > 3u) { part_acc[slot * QUADS + 3u] = acc[3]; }
    if (n > 4u) { part_acc[slot * QUADS + 4u] = acc[4]; }
    if (n > 5u) { part_acc[slot * QUADS + 5u] = acc[5]; }
    if (n > 6u) { part_acc[slot * QUADS + 6u] = acc[6]; }
    if (n > 7u) { part_acc[slot * QUADS + 7u] = acc[7]; }
    if (n > 8u) { part_acc[slot * QUADS + 8u] = acc[8]; }
    if (n > 9u) { part_acc[slot * QUADS + 9u] = acc[9]; }
    if (n > 10u) { part_acc[slot * QUADS + 10u] = acc[10]; }
    if (n > 11u) { part_acc[slot * QUADS + 11u] = acc[11]; }
    if (n > 12u) { part_acc[slot * QUADS + 12u] = acc[12]; }
    if (n > 13u) { part_acc[slot * QUADS + 13u] = acc[13]; }
    if (n > 14u) { part_acc[slot * QUADS + 14u] = acc[14]; }
    if (n > 15u) { part_acc[slot * QUADS + 15u] = acc[15]; }
}

fn set_rows(r: u32, n_rows: u32, value: f32) {
    if (r < n_rows) {
        rows_out[r] = value;
    }
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    kv_head = wid.x;
    let group = N_HEADS / N_KV_HEADS;
    let n_rows = (group + 2u) * HEAD_DIM;
    let quads = HEAD_DIM / 4u;
    let pos = step.pos0;
    var ss = vec4<f32>(0.0);
    for (var q = 0u; q < K / 4u; q++) {
        let v = x[q];
        ss += v * v;
    }
    let scale = inverseSqrt((ss.x + ss.y + ss.z + ss.w) / f32(K) + EPS);
    let blocks = K / 32u;
    let last = n_rows - 1u;
    // xn = rmsnorm(x) * norm_w, once per workgroup (each invocation a share), for every row.
    for (var q = lane; q < K / 4u; q += WORKGROUP) {
        xn[q] = x[q] * norm_w[q] * scale;
    }
    workgroupBarrier();
    for (var r0 = 16u * lane; r0 < n_rows; r0 += 16u * WORKGROUP) {
        let g0 = row_block(r0);
        let g1 = row_block(min(r0 + 1u, last));
        let g2 = row_block(min(r0 + 2u, last));
        let g3 = row_block(min(r0 + 3u, last));
        let g4 = row_block(min(r0 + 4u, last));
        let g5 = row_block(min(r0 + 5u, last));
        let g6 = row_block(min(r0 + 6u, last));
        let g7 = row_block(min(r0 + 7u, last));
        let g8 = row_block(min(r0 + 8u, last));
        let g9 = row_block(min(r0 + 9u, last));
        let g10 = row_block(min(r0 + 10u, last));
        let g11 = row_block(min(r0 + 11u, last));
        let g12 = row_block(min(r0 + 12u, last));
        let g13 = row_block(min(r0 + 13u, last));
        let g14 = row_block(min(r0 + 14u, last));
        let g15 = row_block(min(r0 + 15u, last));
        var ra = vec4<f32>(0.0);
        var rb = vec4<f32>(0.0);
        var rc = vec4<f32>(0.0);
        var rd = vec4<f32>(0.0);
        for (var b = 0u; b < blocks; b++) {
            let x0 = xn[b * 8u + 0u];
            let x1 = xn[b * 8u + 1u];
            let x2 = xn[b * 8u + 2u];
            let x3 = xn[b * 8u + 3u];
            let x4 = xn[b * 8u + 4u];
            let x5 = xn[b * 8u + 5u];
            let x6 = xn[b * 8u + 6u];
            let x7 = xn[b * 8u + 7u];
            let xv = x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;
            let total = xv.x + xv.y + xv.z + xv.w;
            ra += vec4<f32>(block_dot8(g0 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                                 block_dot8(g1 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                                 block_dot8(g2 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                                 block_dot8(g3 + b, x0, x1, x2, x3, x4, x5, x6, x7, total));
            rb += vec4<f32>(block_dot8(g4 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                                 block_dot8(g5 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                                 block_dot8(g6 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                                 block_dot8(g7 + b, x0, x1, x2, x3, x4, x5, x6, x7, total));
            rc += vec4<f32>(block_dot8(g8 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                                 block_dot8(g9 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                                 block_dot8(g10 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                                 block_dot8(g11 + b, x0, x1, x2, x3, x4, x5, x6, x7, total));
            rd += vec4<f32>(block_dot8(g12 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                                 block_dot8(g13 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                                 block_dot8(g14 + b, x0, x1, x2, x3, x4, x5, x6, x7, total),
                                 block_dot8(g15 + b, x0, x1, x2, x3, x4, x5, x6, x7, total));
        }
        set_rows(r0 + 0u, n_rows, ra.x);
        set_rows(r0 + 1u, n_rows, ra.y);
        set_rows(r0 + 2u, n_rows, ra.z);
        set_rows(r0 + 3u, n_rows, ra.w);
        set_rows(r0 + 4u, n_rows, rb.x);
        set_rows(r0 + 5u, n_rows, rb.y);
        set_rows(r0 + 6u, n_rows, rb.z);
        set_rows(r0 + 7u, n_rows, rb.w);
        set_rows(r0 + 8u, n_rows, rc.x);
        set_rows(r0 + 9u, n_rows, rc.y);
        set_rows(r0 + 10u, n_rows, rc.z);
        set_rows(r0 + 11u, n_rows, rc.w);
        set_rows(r0 + 12u, n_rows, rd.x);
        set_rows(r0 + 13u, n_rows, rd.y);
        set_rows(r0 + 14u, n_rows, rd.z);
        set_rows(r0 + 15u, n_rows, rd.w);
    }
    workgroupBarrier();
    // Rope (q also scaled by 1 / sqrt(HEAD_DIM)), in place: an invocation's quad holds whole
    // pairs; k and v into cache row pos, then read back like every other key.
    let q_quads = group * quads;
    let q_scale = inverseSqrt(f32(HEAD_DIM));
    let row = (pos * N_KV_HEADS + kv_head) * quads;
    for (var d = lane; d < q_quads + 2u * quads; d += WORKGROUP) {
        if (d < q_quads) {
            let v = roped4(4u * d, pos) * q_scale;
            rows_out[4u * d] = v.x;
            rows_out[4u * d + 1u] = v.y;
            rows_out[4u * d + 2u] = v.z;
            rows_out[4u * d + 3u] = v.w;
        } else if (d < q_quads + quads) {
            k_cache[row + d - q_quads] = roped4(4u * d, pos);
        } else {
            let at = 4u * d;
            v_cache[row + d - q_quads - quads] = vec4<f32>(rows_out[at], rows_out[at + 1u], rows_out[at + 2u],
                                                           rows_out[at + 3u]);
        }
    }
    storageBarrier();
    workgroupBarrier();
    // Attention: `parts` invocations per query head, each an online softmax over every parts-th
    // key (from m = -inf: a part without keys has l = 0), then merged by the head's first part.
    let parts = WORKGROUP / group;  // group <= WORKGROUP
    let part = lane % parts;
    let head = lane / parts;  // within the group; invocations past the group have none
    let n_keys = pos + 1u;
    if (head < group) {
        load_q(head * HEAD_DIM);
        var m = -3.0e38;
        var l = 0.0;
        let row_quads = N_KV_HEADS * quads;
        for (var j = part; j < n_keys; j += parts) {
            let at = j * row_quads + kv_head * quads;
            let s = score(at);
            let m_new = max(m, s);
            let c = exp(m - m_new);
            let p = exp(s - m_new);
            l = l * c + p;
            m = m_new;
            accumulate(at, c, p);
        }
        part_m[lane] = m;
        part_l[lane] = l;
        save_acc(lane);
    }
    workgroupBarrier();
    if (part == 0u && head < group) {
        var top = -3.0e38;
        for (var t = 0u; t < parts; t++) {
            top = max(top, part_m[lane + t]);
        }
        var total = 0.0;
        for (var t = 0u; t < parts; t++) {
            total += part_l[lane + t] * exp(part_m[lane + t] - top);
        }
        let o = (kv_head * group + head) * quads;
        for (var d = 0u; d < quads; d++) {
            var sum = vec4<f32>(0.0);
            for (var t = 0u; t < parts; t++) {
                sum += part_acc[(lane + t) * QUADS + d] * exp(part_m[lane + t] - top);
            }
            out[o + d] = sum / total;
        }
    }
}
