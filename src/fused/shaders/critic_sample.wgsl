// One critic step's per-sample work, one invocation a sample b (docs/method.md §2 and §12):
//   φ(x_b) and its ω-gradient times −1/B (the −mean φ(x_K) term of L_D),
//   φ(y_b) and its ω-gradient (weighted later by ∂Λ_f/∂φ(y_b), which needs the whole batch),
//   with the W1 proximal the one-sided penalty at x̂ = u·y + (1−u)·x:
//     g_m = w, δ_l = g_l ⊙ [z_l > 0], g_{l−1} = δ_l W_lᵀ, ∇φ(x̂) = g₀,
//     ḡ₀ = (2c_GP/B)·g₀·[|g₀|² > L²], then W̄_l += ḡ_{l−1}ᵀδ_l, ḡ_l = (ḡ_{l−1}W_l) ⊙ [z_l > 0],
//     w̄ += ḡ_m (no bias gets a gradient from the penalty).
// Row b of `grads` holds the fixed part (first term and penalty), row B + b the data part.
// `rows` receives φ(x_b) at b, φ(y_b) at B + b and max(0, |g₀|² − L²) at 2B + b.
// Inner products take four terms a loop iteration (lavapipe's loop limit, rollout.wgsl).
// Scratch per sample: [input (d) | h (Σw) | g or δ (Σw) | ḡ (Σw) | g₀ (d)].

@group(0) @binding(1) var<storage, read_write> omega: array<f32>;
@group(0) @binding(2) var<storage, read_write> draws: array<f32>;
@group(0) @binding(3) var<storage, read_write> x_end: array<f32>;
@group(0) @binding(4) var<storage, read_write> grads: array<f32>;
@group(0) @binding(5) var<storage, read_write> rows: array<f32>;
@group(0) @binding(6) var<storage, read_write> scratch: array<f32>;

/// The weights this kernel differentiates (gradient_rows.wgsl): ω.
fn weight(at: u32) -> f32 {
    return omega[at];
}

/// Adds coefficient·∇_ω φ (ordinary backpropagation, ReLU masks [h > 0]) to the gradient row at
/// gb, after a forward pass at sb.
fn backpropagate_value(sb: u32, gb: u32, coefficient: f32) {
    let d = word(DIM);
    let hidden = layer_count(CRITIC) - 1u;
    let sum_w = hidden_total(CRITIC);
    let delta_at = sb + d + sum_w;
    let w_out = weight_at(CRITIC, hidden);
    let last = activation_at(CRITIC, hidden - 1u);
    for (var j = 0u; j < fan_out(CRITIC, hidden - 1u); j++) {
        let h = h_of(sb, hidden - 1u, j);
        grads[gb + w_out + j] += coefficient * h;
        scratch[delta_at + last + j] = select(0.0, coefficient * omega[w_out + j], h > 0.0);
    }
    grads[gb + bias_at(CRITIC, hidden)] += coefficient;
    for (var r = 0u; r < hidden; r++) {
        let layer = hidden - 1u - r;
        let n_in = fan_in(CRITIC, layer);
        let n_out = fan_out(CRITIC, layer);
        let here = delta_at + activation_at(CRITIC, layer);
        for (var j = 0u; j < n_out; j++) {
            grads[gb + bias_at(CRITIC, layer) + j] += scratch[here + j];
        }
        for (var i = 0u; i < n_in; i++) {
            let input = input_of(sb, layer, i);
            let row = weight_at(CRITIC, layer) + i * n_out;
            let e = row_sum(here, gb, row, n_out, input);
            if layer > 0u {
                let previous = activation_at(CRITIC, layer - 1u);
                let passes = h_of(sb, layer - 1u, i) > 0.0;
                scratch[delta_at + previous + i] = select(0.0, e, passes);
            }
        }
    }
}

/// The one-sided penalty at the sample in the input region: returns max(0, |∇φ|² − L²) and adds
/// its ω-gradient, (c_GP/B)·∇_ω max(0, |∇φ|² − L²), to the gradient row at gb.
fn penalise(sb: u32, gb: u32) -> f32 {
    let d = word(DIM);
    let hidden = layer_count(CRITIC) - 1u;
    let sum_w = hidden_total(CRITIC);
    let g_at = sb + d + sum_w;
    let gbar_at = sb + d + 2u * sum_w;
    let g0_at = sb + d + 3u * sum_w;
    forward(sb);
    input_gradient(sb, g_at, g0_at);
    let w_out = weight_at(CRITIC, hidden);
    let last = activation_at(CRITIC, hidden - 1u);
    var squared = 0.0;
    for (var i = 0u; i < d; i++) {
        squared += scratch[g0_at + i] * scratch[g0_at + i];
    }
    let lipschitz = scalar(LIPSCHITZ);
    let excess = squared - lipschitz * lipschitz;
    if excess <= 0.0 {
        return 0.0;
    }
    // ḡ₀ overwrites the input region, which the masks no longer need.
    let scale = 2.0 * scalar(PENALTY_WEIGHT) / f32(word(BATCH));
    for (var i = 0u; i < d; i++) {
        scratch[sb + i] = scale * scratch[g0_at + i];
    }
    for (var layer = 0u; layer < hidden; layer++) {
        let w = weight_at(CRITIC, layer);
        let n_in = fan_in(CRITIC, layer);
        let n_out = fan_out(CRITIC, layer);
        let here = activation_at(CRITIC, layer);
        for (var j = 0u; j < n_out; j++) {
            let passes = h_of(sb, layer, j) > 0.0;
            // δ_l, masked by input_gradient.
            let delta = scratch[g_at + here + j];
            var upstream = sb;
            if layer > 0u {
                upstream = gbar_at + activation_at(CRITIC, layer - 1u);
            }
            let delta_bar = column_sum(upstream, gb, w, n_in, n_out, j, delta);
            scratch[gbar_at + here + j] = select(0.0, delta_bar, passes);
        }
    }
    for (var j = 0u; j < fan_out(CRITIC, hidden - 1u); j++) {
        grads[gb + w_out + j] += scratch[gbar_at + last + j];
    }
    return excess;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let b = id.x;
    let batch = word(BATCH);
    if b >= batch {
        return;
    }
    let d = word(DIM);
    let count = word(NET_PARAMETERS);
    let sb = b * word(SCRATCH_STRIDE);
    let fixed = b * count;
    let data = (batch + b) * count;
    zero(fixed, count);
    zero(data, count);
    let x_at = (word(STEP_INDEX) * batch + b) * d;
    let y_at = word(DATA_OFFSET) + b * d;

    for (var i = 0u; i < d; i++) {
        scratch[sb + i] = x_end[x_at + i];
    }
    rows[b] = forward(sb);
    backpropagate_value(sb, fixed, -1.0 / f32(batch));

    for (var i = 0u; i < d; i++) {
        scratch[sb + i] = draws[y_at + i];
    }
    rows[batch + b] = forward(sb);
    backpropagate_value(sb, data, 1.0);

    var excess = 0.0;
    if word(W1_PROXIMAL) == 1u {
        let u = draws[word(INTERPOLATION_OFFSET) + b];
        for (var i = 0u; i < d; i++) {
            scratch[sb + i] = u * draws[y_at + i] + (1.0 - u) * x_end[x_at + i];
        }
        excess = penalise(sb, fixed);
    }
    rows[2u * batch + b] = excess;
}
