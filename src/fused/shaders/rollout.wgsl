// Forward Euler under the potential, one invocation a particle (docs/method.md §3):
//   s = [x_k, t_k], h_l = tanh(h_{l−1}W_l + b_l), U = h_n w + c;
//   g_n = w, δ_l = g_l ⊙ (1 − h_l²), g_{l−1} = δ_l W_lᵀ, ∇ₓU = g₀[:d];
//   v_k = −∇ₓU(x_k, t_k)/λ, x_{k+1} = x_k + Δt·v_k, t_k = kΔt.
// Each step's slot of the tape holds [x_k | h_1..h_n | g_1..g_n | v_k]. With FLAG = 1 the row
// keeps all K slots (the generator's reverse sweep reads them); otherwise one slot is reused.
// The inner products take four terms a loop iteration: Mesa's lavapipe ends an invocation after
// 65,535 loop iterations in all (its "looplimiter"), and this keeps the paper's sizes under it.

@group(0) @binding(1) var<storage, read_write> theta: array<f32>;
@group(0) @binding(2) var<storage, read_write> draws: array<f32>;
@group(0) @binding(3) var<storage, read_write> x_end: array<f32>;
@group(0) @binding(4) var<storage, read_write> tape: array<f32>;

/// Input i of layer l at the slot `slot`: s = [x, t] for the first layer, h_{l−1} after.
fn layer_input(slot: u32, l: u32, i: u32, t: f32) -> f32 {
    let d = word(DIM);
    if l == 0u {
        if i < d {
            return tape[slot + i];
        }
        return t;
    }
    return tape[slot + d + activation_at(POTENTIAL, l - 1u) + i];
}

/// x_in,i · W_l[i, j]: one term of layer l's pre-activation.
fn forward_term(slot: u32, l: u32, i: u32, j: u32, t: f32) -> f32 {
    let n_out = fan_out(POTENTIAL, l);
    return layer_input(slot, l, i, t) * theta[weight_at(POTENTIAL, l) + i * n_out + j];
}

/// δ_l[j]·W_l[i, j] with δ_l = g_l ⊙ (1 − h_l²): one term of g_{l−1}[i].
fn gradient_term(slot: u32, l: u32, i: u32, j: u32) -> f32 {
    let n_out = fan_out(POTENTIAL, l);
    let at = slot + word(DIM) + activation_at(POTENTIAL, l) + j;
    let h = tape[at];
    let g = tape[at + hidden_total(POTENTIAL)];
    return g * (1.0 - h * h) * theta[weight_at(POTENTIAL, l) + i * n_out + j];
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let row = id.x;
    if row >= word(ROWS) {
        return;
    }
    let d = word(DIM);
    let steps = word(STEPS);
    let stride = word(TAPE_STRIDE);
    let hidden = layer_count(POTENTIAL) - 1u;
    let sum_w = hidden_total(POTENTIAL);
    let keep = word(FLAG) == 1u;
    let dt = scalar(DT);
    let lambda = scalar(LAMBDA);
    let slots = select(1u, steps, keep);
    let base = row * slots * stride;
    for (var i = 0u; i < d; i++) {
        tape[base + i] = draws[word(SOURCE_OFFSET) + row * d + i];
    }
    for (var k = 0u; k < steps; k++) {
        let slot = base + select(0u, k, keep) * stride;
        let t = f32(k) * dt;
        let h_at = slot + d;
        let g_at = slot + d + sum_w;
        let v_at = slot + d + 2u * sum_w;
        for (var l = 0u; l < hidden; l++) {
            let w = weight_at(POTENTIAL, l);
            let b = bias_at(POTENTIAL, l);
            let n_in = fan_in(POTENTIAL, l);
            let n_out = fan_out(POTENTIAL, l);
            let out_at = h_at + activation_at(POTENTIAL, l);
            for (var j = 0u; j < n_out; j++) {
                var z = theta[b + j];
                var i = 0u;
                for (; i + 4u <= n_in; i += 4u) {
                    z += forward_term(slot, l, i, j, t) + forward_term(slot, l, i + 1u, j, t)
                        + forward_term(slot, l, i + 2u, j, t) + forward_term(slot, l, i + 3u, j, t);
                }
                for (; i < n_in; i++) {
                    z += forward_term(slot, l, i, j, t);
                }
                tape[out_at + j] = tanh_capped(z);
            }
        }
        // g_n = w: the output layer's weight column.
        let w_out = weight_at(POTENTIAL, hidden);
        let last_at = activation_at(POTENTIAL, hidden - 1u);
        for (var j = 0u; j < fan_out(POTENTIAL, hidden - 1u); j++) {
            tape[g_at + last_at + j] = theta[w_out + j];
        }
        for (var r = 0u; r < hidden; r++) {
            let layer = hidden - 1u - r;
            let w = weight_at(POTENTIAL, layer);
            let n_in = fan_in(POTENTIAL, layer);
            let n_out = fan_out(POTENTIAL, layer);
            let here = activation_at(POTENTIAL, layer);
            for (var i = 0u; i < n_in; i++) {
                var e = 0.0;
                var j = 0u;
                for (; j + 4u <= n_out; j += 4u) {
                    e += gradient_term(slot, layer, i, j) + gradient_term(slot, layer, i, j + 1u)
                        + gradient_term(slot, layer, i, j + 2u) + gradient_term(slot, layer, i, j + 3u);
                }
                for (; j < n_out; j++) {
                    e += gradient_term(slot, layer, i, j);
                }
                if layer == 0u {
                    if i < d {
                        tape[v_at + i] = -e / lambda;
                    }
                } else {
                    tape[g_at + activation_at(POTENTIAL, layer - 1u) + i] = e;
                }
            }
        }
        let next = base + select(0u, k + 1u, keep && k + 1u < steps) * stride;
        for (var i = 0u; i < d; i++) {
            let x_next = tape[slot + i] + dt * tape[v_at + i];
            if k + 1u == steps {
                x_end[row * d + i] = x_next;
            } else {
                tape[next + i] = x_next;
            }
        }
    }
}
