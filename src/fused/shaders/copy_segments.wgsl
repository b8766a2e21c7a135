// Copies between a player's packed parameter vector (what the fused kernels read and Adam
// updates) and up to six of burn's per-layer tensors (what the evaluation and the drawing read):
// element i of segment s is packed[offset_s + i] ↔ target_s[i]. FLAG = 0 unpacks, 1 packs.

@group(0) @binding(1) var<storage, read_write> packed: array<f32>;
@group(0) @binding(2) var<storage, read_write> target0: array<f32>;
@group(0) @binding(3) var<storage, read_write> target1: array<f32>;
@group(0) @binding(4) var<storage, read_write> target2: array<f32>;
@group(0) @binding(5) var<storage, read_write> target3: array<f32>;
@group(0) @binding(6) var<storage, read_write> target4: array<f32>;
@group(0) @binding(7) var<storage, read_write> target5: array<f32>;

fn segment_offset(s: u32) -> u32 {
    return word(SEGMENTS + 2u * s);
}

fn segment_length(s: u32) -> u32 {
    return word(SEGMENTS + 2u * s + 1u);
}

fn read_target(s: u32, i: u32) -> f32 {
    switch s {
        case 0u: { return target0[i]; }
        case 1u: { return target1[i]; }
        case 2u: { return target2[i]; }
        case 3u: { return target3[i]; }
        case 4u: { return target4[i]; }
        default: { return target5[i]; }
    }
}

fn write_target(s: u32, i: u32, value: f32) {
    switch s {
        case 0u: { target0[i] = value; }
        case 1u: { target1[i] = value; }
        case 2u: { target2[i] = value; }
        case 3u: { target3[i] = value; }
        case 4u: { target4[i] = value; }
        default: { target5[i] = value; }
    }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x;
    let pack = word(FLAG) == 1u;
    for (var s = 0u; s < word(ROWS); s++) {
        if i < segment_length(s) {
            let at = segment_offset(s) + i;
            if pack {
                packed[at] = read_target(s, i);
            } else {
                write_target(s, i, packed[at]);
            }
        }
    }
}
