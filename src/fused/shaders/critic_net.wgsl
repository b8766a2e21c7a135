// The critic φ_ω (a ReLU MLP, docs/method.md §7) evaluated by one invocation: its value and its
// input gradient. Shared by critic_sample.wgsl and generator_sample.wgsl, which declare `omega`
// (the packed ω) and `scratch` (per-invocation working memory starting at sb with
// [input (d) | h_1..h_m (Σw) | ...]).
//   h_l = relu(h_{l−1}W_l + b_l), φ = h_m w + c;
//   g_m = w, δ_l = g_l ⊙ [h_l > 0], g_{l−1} = δ_l W_lᵀ, ∇φ = g₀.
// Inner products take four terms a loop iteration (lavapipe's loop limit, rollout.wgsl).

/// Input i of hidden layer l: the sample for the first layer, h_{l−1} after.
fn input_of(sb: u32, l: u32, i: u32) -> f32 {
    let d = word(DIM);
    if l == 0u {
        return scratch[sb + i];
    }
    return scratch[sb + d + activation_at(CRITIC, l - 1u) + i];
}

fn h_of(sb: u32, l: u32, j: u32) -> f32 {
    return scratch[sb + word(DIM) + activation_at(CRITIC, l) + j];
}

/// φ at the sample in the input region; keeps h_1..h_m.
fn forward(sb: u32) -> f32 {
    let d = word(DIM);
    let hidden = layer_count(CRITIC) - 1u;
    for (var l = 0u; l < hidden; l++) {
        let w = weight_at(CRITIC, l);
        let b = bias_at(CRITIC, l);
        let n_in = fan_in(CRITIC, l);
        let n_out = fan_out(CRITIC, l);
        var in_at = sb;
        if l > 0u {
            in_at = sb + d + activation_at(CRITIC, l - 1u);
        }
        let out_at = sb + d + activation_at(CRITIC, l);
        for (var j = 0u; j < n_out; j++) {
            var z = omega[b + j];
            var i = 0u;
            for (; i + 4u <= n_in; i += 4u) {
                let at = w + i * n_out + j;
                z += scratch[in_at + i] * omega[at] + scratch[in_at + i + 1u] * omega[at + n_out]
                    + scratch[in_at + i + 2u] * omega[at + 2u * n_out]
                    + scratch[in_at + i + 3u] * omega[at + 3u * n_out];
            }
            for (; i < n_in; i++) {
                z += scratch[in_at + i] * omega[w + i * n_out + j];
            }
            scratch[out_at + j] = max(z, 0.0);
        }
    }
    let w_out = weight_at(CRITIC, hidden);
    var value = omega[bias_at(CRITIC, hidden)];
    for (var j = 0u; j < fan_out(CRITIC, hidden - 1u); j++) {
        value += h_of(sb, hidden - 1u, j) * omega[w_out + j];
    }
    return value;
}

/// The input-gradient pass after `forward(sb)`: δ_1..δ_m (g_l ⊙ [h_l > 0], masked in place of
/// g_l) into the Σw floats at g_at, g₀ = ∇φ into the d floats at g0_at.
fn input_gradient(sb: u32, g_at: u32, g0_at: u32) {
    let hidden = layer_count(CRITIC) - 1u;
    let w_out = weight_at(CRITIC, hidden);
    let last = activation_at(CRITIC, hidden - 1u);
    for (var j = 0u; j < fan_out(CRITIC, hidden - 1u); j++) {
        scratch[g_at + last + j] = omega[w_out + j];
    }
    for (var r = 0u; r < hidden; r++) {
        let layer = hidden - 1u - r;
        let w = weight_at(CRITIC, layer);
        let n_in = fan_in(CRITIC, layer);
        let n_out = fan_out(CRITIC, layer);
        let delta_at = g_at + activation_at(CRITIC, layer);
        for (var j = 0u; j < n_out; j++) {
            scratch[delta_at + j] = select(0.0, scratch[delta_at + j], h_of(sb, layer, j) > 0.0);
        }
        for (var i = 0u; i < n_in; i++) {
            let row = w + i * n_out;
            var e = 0.0;
            var j = 0u;
            for (; j + 4u <= n_out; j += 4u) {
                e += scratch[delta_at + j] * omega[row + j]
                    + scratch[delta_at + j + 1u] * omega[row + j + 1u]
                    + scratch[delta_at + j + 2u] * omega[row + j + 2u]
                    + scratch[delta_at + j + 3u] * omega[row + j + 3u];
            }
            for (; j < n_out; j++) {
                e += scratch[delta_at + j] * omega[row + j];
            }
            if layer == 0u {
                scratch[g0_at + i] = e;
            } else {
                scratch[g_at + activation_at(CRITIC, layer - 1u) + i] = e;
            }
        }
    }
}
