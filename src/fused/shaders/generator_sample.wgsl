// The generator step's per-sample work, one invocation a particle b (docs/method.md §12, the
// adjoints of the Euler rollout): with the tape of rollout.wgsl,
//   ℓ_b = φ(x_K)/B + λ·Σ_k Δt·½|v_k|²/B (the KE term only with the W2 proximal), L_G = Σ_b ℓ_b;
//   x̄_K = ∇φ(x_K)/B; for k = K−1 … 0:
//     v̄ = Δt·x̄ + λΔt·v_k/B, ḡ₀ = [−v̄/λ, 0];
//     l = 1 … n: W̄_l += ḡ_{l−1}ᵀδ_l, δ̄_l = ḡ_{l−1}W_l, ḡ_l = δ̄_l ⊙ (1 − h_l²),
//                h̄_l = −2·δ̄_l ⊙ g_l ⊙ h_l;  then w̄ += ḡ_n;
//     l = n … 1: z̄_l = h̄_l ⊙ (1 − h_l²), W̄_l += h_{l−1}ᵀz̄_l, b̄_l += z̄_l, h̄_{l−1} += z̄_l W_lᵀ;
//     x̄ += h̄₀[:d];
//   with U's quadratic term (∇ₓU gains q(t_k)·x_k, quadratic.wgsl) also x̄ += q(t_k)·ḡ₀[:d], and
//     q̄ = ⟨ḡ₀[:d], x_k⟩ reaches n's weights through q = q_max·tanh(n(t)):
//     n̄ = q̄·q_max·(1 − c²), b̄₂ += n̄, W̄2_j += n̄·a_j, z̄_j = n̄·W2_j·(1 − a_j²), W̄1_j += z̄_j·t, b̄1_j += z̄_j.
// The output bias c gets no gradient: L_G sees U only through ∇U. Row b of `grads` receives
// this particle's θ-gradient and `rows[b]` its ℓ_b.
// Inner products take four terms a loop iteration (lavapipe's loop limit, rollout.wgsl).
// Scratch: [critic input (d) | h_φ (Σw_φ) | g_φ (Σw_φ) | x̄ (d) | ḡ₀ (d+1) ḡ (Σw) | h̄₀ (d+1) h̄ (Σw)].

@group(0) @binding(1) var<storage, read_write> theta: array<f32>;
@group(0) @binding(2) var<storage, read_write> omega: array<f32>;
@group(0) @binding(3) var<storage, read_write> end_points: array<f32>;
@group(0) @binding(4) var<storage, read_write> tape: array<f32>;
@group(0) @binding(5) var<storage, read_write> grads: array<f32>;
@group(0) @binding(6) var<storage, read_write> rows: array<f32>;
@group(0) @binding(7) var<storage, read_write> scratch: array<f32>;

/// The weights this kernel differentiates (gradient_rows.wgsl): θ.
fn weight(at: u32) -> f32 {
    return theta[at];
}

/// Adds q̄·∂q(t)/∂(n's weights) to the gradient row at gp (the header's formulas).
fn add_quadratic_gradient(gp: u32, t: f32, q_bar: f32) {
    let at = gp + word(QUADRATIC_AT);
    let m = word(QUADRATIC_WIDTH);
    let c = contraction(t);
    let n_bar = q_bar * scalar(QUADRATIC_BOUND) * (1.0 - c * c);
    grads[at + 3u * m] += n_bar;
    for (var j = 0u; j < m; j++) {
        let a = quadratic_unit(t, j);
        grads[at + 2u * m + j] += n_bar * a;
        let z_bar = n_bar * theta[word(QUADRATIC_AT) + 2u * m + j] * (1.0 - a * a);
        grads[at + j] += z_bar * t;
        grads[at + m + j] += z_bar;
    }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let b = id.x;
    let batch = word(BATCH);
    if b >= batch {
        return;
    }
    let d = word(DIM);
    let steps = word(STEPS);
    let stride = word(TAPE_STRIDE);
    let count = word(NET_PARAMETERS);
    let dt = scalar(DT);
    let lambda = scalar(LAMBDA);
    let n = f32(batch);
    let w2 = word(W2_PROXIMAL) == 1u;
    let hidden = layer_count(POTENTIAL) - 1u;
    let sum_w = hidden_total(POTENTIAL);
    let sum_phi = hidden_total(CRITIC);
    let sb = b * word(SCRATCH_STRIDE);
    let xbar_at = sb + d + 2u * sum_phi;
    let gbar_at = xbar_at + d;
    let hbar_at = gbar_at + d + 1u + sum_w;
    let gp = b * count;
    zero(gp, count);

    for (var i = 0u; i < d; i++) {
        scratch[sb + i] = end_points[b * d + i];
    }
    var loss = forward(sb) / n;
    input_gradient(sb, sb + d + sum_phi, xbar_at);
    for (var i = 0u; i < d; i++) {
        scratch[xbar_at + i] = scratch[xbar_at + i] / n;
    }

    let base = b * steps * stride;
    var energy = 0.0;
    for (var back = 0u; back < steps; back++) {
        let k = steps - 1u - back;
        let slot = base + k * stride;
        let h_at = slot + d + 1u;
        let g_at = h_at + sum_w;
        let delta_at = g_at + sum_w;
        let v_at = delta_at + sum_w;
        for (var i = 0u; i < d; i++) {
            let v = tape[v_at + i];
            energy += v * v;
            var v_bar = dt * scratch[xbar_at + i];
            if w2 {
                v_bar += lambda * dt * v / n;
            }
            scratch[gbar_at + i] = -v_bar / lambda;
        }
        scratch[gbar_at + d] = 0.0;
        var i = 0u;
        for (; i + 4u <= d + 1u + sum_w; i += 4u) {
            scratch[hbar_at + i] = 0.0;
            scratch[hbar_at + i + 1u] = 0.0;
            scratch[hbar_at + i + 2u] = 0.0;
            scratch[hbar_at + i + 3u] = 0.0;
        }
        for (; i < d + 1u + sum_w; i++) {
            scratch[hbar_at + i] = 0.0;
        }
        for (var layer = 0u; layer < hidden; layer++) {
            let n_in = fan_in(POTENTIAL, layer);
            let n_out = fan_out(POTENTIAL, layer);
            let here = activation_at(POTENTIAL, layer);
            var previous = gbar_at;
            if layer > 0u {
                previous = gbar_at + d + 1u + activation_at(POTENTIAL, layer - 1u);
            }
            let w = weight_at(POTENTIAL, layer);
            for (var j = 0u; j < n_out; j++) {
                let h = tape[h_at + here + j];
                let g = tape[g_at + here + j];
                let delta = tape[delta_at + here + j];
                let delta_bar = column_sum(previous, gp, w, n_in, n_out, j, delta);
                scratch[gbar_at + d + 1u + here + j] = delta_bar * (1.0 - h * h);
                scratch[hbar_at + d + 1u + here + j] = -2.0 * delta_bar * g * h;
            }
        }
        let w_out = weight_at(POTENTIAL, hidden);
        let last = activation_at(POTENTIAL, hidden - 1u);
        for (var j = 0u; j < fan_out(POTENTIAL, hidden - 1u); j++) {
            grads[gp + w_out + j] += scratch[gbar_at + d + 1u + last + j];
        }
        for (var r = 0u; r < hidden; r++) {
            let layer = hidden - 1u - r;
            let n_in = fan_in(POTENTIAL, layer);
            let n_out = fan_out(POTENTIAL, layer);
            let here = hbar_at + d + 1u + activation_at(POTENTIAL, layer);
            for (var j = 0u; j < n_out; j++) {
                let h = tape[h_at + activation_at(POTENTIAL, layer) + j];
                let z_bar = scratch[here + j] * (1.0 - h * h);
                scratch[here + j] = z_bar;
                grads[gp + bias_at(POTENTIAL, layer) + j] += z_bar;
            }
            var previous = hbar_at;
            if layer > 0u {
                previous = hbar_at + d + 1u + activation_at(POTENTIAL, layer - 1u);
            }
            var in_at = slot;
            if layer > 0u {
                in_at = h_at + activation_at(POTENTIAL, layer - 1u);
            }
            let w = weight_at(POTENTIAL, layer);
            for (var i = 0u; i < n_in; i++) {
                let input = tape[in_at + i];
                let row = w + i * n_out;
                let e = row_sum(here, gp, row, n_out, input);
                scratch[previous + i] += e;
            }
        }
        let t = tape[slot + d];
        let q = quadratic_coefficient(t);
        var q_bar = 0.0;
        for (var i = 0u; i < d; i++) {
            let g_bar = scratch[gbar_at + i];
            q_bar += g_bar * tape[slot + i];
            scratch[xbar_at + i] += scratch[hbar_at + i] + q * g_bar;
        }
        if has_quadratic_term() {
            add_quadratic_gradient(gp, t, q_bar);
        }
    }
    if w2 {
        loss += lambda * dt * 0.5 * energy / n;
    }
    rows[b] = loss;
}
