// Forward Euler under the potential, one invocation a particle (docs/method.md §3):
//   s = [x_k, t_k], h_l = tanh(h_{l−1}W_l + b_l), U = h_n w + c;
//   g_n = w, δ_l = g_l ⊙ (1 − h_l²), g_{l−1} = δ_l W_lᵀ, ∇ₓU = g₀[:d];
//   v_k = −∇ₓU(x_k, t_k)/λ, x_{k+1} = x_k + Δt·v_k, t_k = kΔt;
// with U's quadratic term ∇ₓU = g₀[:d] + q(t_k)·x_k (quadratic.wgsl), the tape's h, g, δ being N's.
// Each step's slot of the tape holds [s = (x_k, t_k) | h_1..h_n | g_1..g_n | δ_1..δ_n | v_k]
// (TAPE_STRIDE = 2d + 1 + 3Σw floats). With FLAG = 1 the row
// keeps all K slots (the generator's reverse sweep reads them); otherwise one slot is reused.
// The inner products take four terms a loop iteration: Mesa's lavapipe ends an invocation after
// 65,535 loop iterations in all (its "looplimiter"), and this keeps the paper's sizes under it.

@group(0) @binding(1) var<storage, read_write> theta: array<f32>;
@group(0) @binding(2) var<storage, read_write> draws: array<f32>;
@group(0) @binding(3) var<storage, read_write> x_end: array<f32>;
@group(0) @binding(4) var<storage, read_write> tape: array<f32>;

/// Σ_i in[i]·W[i, j] over n_in inputs at `in_at` of the tape and the weights at w (n_out
/// columns), four terms a loop iteration.
fn column_product(in_at: u32, w: u32, n_in: u32, n_out: u32, j: u32) -> f32 {
    var z = 0.0;
    var i = 0u;
    for (; i + 4u <= n_in; i += 4u) {
        let at = w + i * n_out + j;
        z += tape[in_at + i] * theta[at] + tape[in_at + i + 1u] * theta[at + n_out]
            + tape[in_at + i + 2u] * theta[at + 2u * n_out]
            + tape[in_at + i + 3u] * theta[at + 3u * n_out];
    }
    for (; i < n_in; i++) {
        z += tape[in_at + i] * theta[w + i * n_out + j];
    }
    return z;
}

/// Σ_j δ[j]·W[i, j] over n_out entries of δ at `delta_at` of the tape (row i of the weights at
/// w), four terms a loop iteration.
fn row_product(delta_at: u32, w: u32, n_out: u32, i: u32) -> f32 {
    var e = 0.0;
    var j = 0u;
    let row = w + i * n_out;
    for (; j + 4u <= n_out; j += 4u) {
        e += tape[delta_at + j] * theta[row + j] + tape[delta_at + j + 1u] * theta[row + j + 1u]
            + tape[delta_at + j + 2u] * theta[row + j + 2u]
            + tape[delta_at + j + 3u] * theta[row + j + 3u];
    }
    for (; j < n_out; j++) {
        e += tape[delta_at + j] * theta[row + j];
    }
    return e;
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
        tape[slot + d] = f32(k) * dt;
        let h_at = slot + d + 1u;
        let g_at = h_at + sum_w;
        let delta_at = g_at + sum_w;
        let v_at = delta_at + sum_w;
        for (var l = 0u; l < hidden; l++) {
            let w = weight_at(POTENTIAL, l);
            let b = bias_at(POTENTIAL, l);
            let n_in = fan_in(POTENTIAL, l);
            let n_out = fan_out(POTENTIAL, l);
            var in_at = slot;
            if l > 0u {
                in_at = h_at + activation_at(POTENTIAL, l - 1u);
            }
            let out_at = h_at + activation_at(POTENTIAL, l);
            for (var j = 0u; j < n_out; j++) {
                tape[out_at + j] = tanh_capped(theta[b + j] + column_product(in_at, w, n_in, n_out, j));
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
            for (var j = 0u; j < n_out; j++) {
                let h = tape[h_at + here + j];
                tape[delta_at + here + j] = tape[g_at + here + j] * (1.0 - h * h);
            }
            for (var i = 0u; i < n_in; i++) {
                let e = row_product(delta_at + here, w, n_out, i);
                if layer == 0u {
                    if i < d {
                        tape[v_at + i] = -e / lambda;
                    }
                } else {
                    tape[g_at + activation_at(POTENTIAL, layer - 1u) + i] = e;
                }
            }
        }
        let q = quadratic_coefficient(f32(k) * dt);
        for (var i = 0u; i < d; i++) {
            tape[v_at + i] -= q * tape[slot + i] / lambda;
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
