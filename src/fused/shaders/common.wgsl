// Shared by every fused kernel (docs/method.md §12): the dispatch's configuration block and the
// MLP layout it describes. Prepended to each kernel's source.
//
// `cfg` is one 256-word block of u32 (floats bit-cast), written by src/fused/config.rs:
// words 0–16 and 27–28 counts and offsets, 17–26 and 29 scalars, then the layouts of U_θ's
// network N and of φ_ω, and the copy segments. A layout holds the layer count, then per layer (in, out, weight offset, bias offset,
// activation offset), then the total hidden width Σw.
//
// Every binding of every kernel is read_write, even where the kernel only reads: cubecl places
// small allocations side by side in one wgpu buffer, and WebGPU rejects a dispatch that uses one
// buffer both read-only and writable.

@group(0) @binding(0) var<storage, read_write> cfg: array<u32>;

const ROWS: u32 = 0u;
const BATCH: u32 = 1u;
const DIM: u32 = 2u;
const STEPS: u32 = 3u;
const STEP_INDEX: u32 = 4u;
const FLAG: u32 = 5u;
const SOURCE_OFFSET: u32 = 6u;
const DATA_OFFSET: u32 = 7u;
const INTERPOLATION_OFFSET: u32 = 8u;
const PARAMETER_COUNT: u32 = 9u;
const NET_PARAMETERS: u32 = 10u;
const DIVERGENCE: u32 = 11u;
const W1_PROXIMAL: u32 = 12u;
const W2_PROXIMAL: u32 = 13u;
const HAS_SHIFT: u32 = 14u;
const TAPE_STRIDE: u32 = 15u;
const SCRATCH_STRIDE: u32 = 16u;

const DT: u32 = 17u;
const LAMBDA: u32 = 18u;
const LIPSCHITZ: u32 = 19u;
const PENALTY_WEIGHT: u32 = 20u;
const ALPHA: u32 = 21u;
const STEP_SIZE: u32 = 22u;
const BETA1: u32 = 23u;
const BETA2: u32 = 24u;
const EPSILON: u32 = 25u;
const CORRECTION2: u32 = 26u;
const QUADRATIC_AT: u32 = 27u;
const QUADRATIC_WIDTH: u32 = 28u;
const QUADRATIC_BOUND: u32 = 29u;

const POTENTIAL: u32 = 32u;
const CRITIC: u32 = 128u;
const SEGMENTS: u32 = 224u;

// The divergence codes FusedTrainer::base_block (src/fused/trainer.rs) writes at DIVERGENCE:
// 0 KL, 1 W1, 2 α, 3 reverse KL, 4 Jensen–Shannon. Only the kernels' branches are named here:
// W1 (1) is the case with neither KL's log-sum-exp nor a shift ν (HAS_SHIFT is 0), and
// Jensen–Shannon (4) is the fallback of critic_weights.wgsl's conjugate and conjugate_slope.
const KL: u32 = 0u;
const ALPHA_DIVERGENCE: u32 = 2u;
const REVERSE_KL: u32 = 3u;

fn word(i: u32) -> u32 {
    return cfg[i];
}

fn scalar(i: u32) -> f32 {
    return bitcast<f32>(cfg[i]);
}

/// Layers of the network at `net` (hidden layers and the output layer).
fn layer_count(net: u32) -> u32 {
    return cfg[net];
}

fn fan_in(net: u32, l: u32) -> u32 {
    return cfg[net + 1u + 5u * l];
}

fn fan_out(net: u32, l: u32) -> u32 {
    return cfg[net + 2u + 5u * l];
}

fn weight_at(net: u32, l: u32) -> u32 {
    return cfg[net + 3u + 5u * l];
}

fn bias_at(net: u32, l: u32) -> u32 {
    return cfg[net + 4u + 5u * l];
}

/// Offset of hidden layer l's activations inside a region of Σw floats.
fn activation_at(net: u32, l: u32) -> u32 {
    return cfg[net + 5u + 5u * l];
}

/// Σw: the hidden widths added up.
fn hidden_total(net: u32) -> u32 {
    return cfg[net + 86u];
}

/// tanh z = 1 − 2/(e^{2z} + 1), z capped at 20 as the burn path computes it (src/nn/mlp.rs).
fn tanh_capped(z: f32) -> f32 {
    return 1.0 - 2.0 / (exp(2.0 * min(z, 20.0)) + 1.0);
}
