// The second pass of a player's step (docs/method.md §12): each invocation owns one parameter p,
// sums its per-sample gradients (WGSL has no float atomics) and takes one Adam step:
//   ḡ_p = Σ_b G[b, p]                                 (U_θ: the generator's rows)
//   ḡ_p = Σ_b G[b, p] + Σ_b c_b·G[B + b, p]           (φ_ω: fixed part, weighted data part)
//   ḡ_ν = ∂L_D/∂ν                                     (the shift of Λ_f, when there is one)
//   m ← β₁m + (1−β₁)ḡ, v ← β₂v + (1−β₂)ḡ², p ← p − (m/(√(v/(1−β₂ᵗ)) + ε))·lr/(1−β₁ᵗ)
// as src/nn/adam.rs. Invocation 0 also writes the step's loss: L_D from `rows`, or
// L_G = Σ_b (the per-sample terms in `rows`).

@group(0) @binding(1) var<storage, read_write> parameters: array<f32>;
@group(0) @binding(2) var<storage, read_write> first_moment: array<f32>;
@group(0) @binding(3) var<storage, read_write> second_moment: array<f32>;
@group(0) @binding(4) var<storage, read_write> grads: array<f32>;
@group(0) @binding(5) var<storage, read_write> rows: array<f32>;
@group(0) @binding(6) var<storage, read_write> loss: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let p = id.x;
    let batch = word(BATCH);
    let critic = word(FLAG) == 1u;
    if p == 0u {
        if critic {
            loss[0] = rows[4u * batch + 1u];
        } else {
            var total = 0.0;
            for (var b = 0u; b < batch; b++) {
                total += rows[b];
            }
            loss[0] = total;
        }
    }
    if p >= word(PARAMETER_COUNT) {
        return;
    }
    let count = word(NET_PARAMETERS);
    var g = 0.0;
    if p < count {
        for (var b = 0u; b < batch; b++) {
            g += grads[b * count + p];
        }
        if critic {
            for (var b = 0u; b < batch; b++) {
                g += rows[3u * batch + b] * grads[(batch + b) * count + p];
            }
        }
    } else {
        g = rows[4u * batch];
    }
    let beta1 = scalar(BETA1);
    let beta2 = scalar(BETA2);
    let m = beta1 * first_moment[p] + (1.0 - beta1) * g;
    let v = beta2 * second_moment[p] + (1.0 - beta2) * (g * g);
    first_moment[p] = m;
    second_moment[p] = v;
    let denominator = sqrt(v / scalar(CORRECTION2)) + scalar(EPSILON);
    parameters[p] = parameters[p] - (m / denominator) * scalar(STEP_SIZE);
}
