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
        let n_in = fan_in(CRITIC, l);
        let n_out = fan_out(CRITIC, l);
        for (var j = 0u; j < n_out; j++) {
            var z = omega[bias_at(CRITIC, l) + j];
            var i = 0u;
            for (; i + 4u <= n_in; i += 4u) {
                z += input_of(sb, l, i) * omega[w + i * n_out + j]
                    + input_of(sb, l, i + 1u) * omega[w + (i + 1u) * n_out + j]
                    + input_of(sb, l, i + 2u) * omega[w + (i + 2u) * n_out + j]
                    + input_of(sb, l, i + 3u) * omega[w + (i + 3u) * n_out + j];
            }
            for (; i < n_in; i++) {
                z += input_of(sb, l, i) * omega[w + i * n_out + j];
            }
            scratch[sb + d + activation_at(CRITIC, l) + j] = max(z, 0.0);
        }
    }
    let w_out = weight_at(CRITIC, hidden);
    var value = omega[bias_at(CRITIC, hidden)];
    for (var j = 0u; j < fan_out(CRITIC, hidden - 1u); j++) {
        value += h_of(sb, hidden - 1u, j) * omega[w_out + j];
    }
    return value;
}

/// δ_l[j]·W_l[i, j] with δ_l = g_l ⊙ [h_l > 0], g_l at g_at: one term of g_{l−1}[i].
fn masked_term(sb: u32, g_at: u32, l: u32, i: u32, j: u32) -> f32 {
    let here = activation_at(CRITIC, l) + j;
    let delta = select(0.0, scratch[g_at + here], h_of(sb, l, j) > 0.0);
    return delta * omega[weight_at(CRITIC, l) + i * fan_out(CRITIC, l) + j];
}

/// The input-gradient pass after `forward(sb)`: g_1..g_m into the Σw floats at g_at, g₀ = ∇φ
/// into the d floats at g0_at.
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
        let here = activation_at(CRITIC, layer);
        for (var i = 0u; i < n_in; i++) {
            var e = 0.0;
            var j = 0u;
            for (; j + 4u <= n_out; j += 4u) {
                e += masked_term(sb, g_at, layer, i, j) + masked_term(sb, g_at, layer, i, j + 1u)
                    + masked_term(sb, g_at, layer, i, j + 2u) + masked_term(sb, g_at, layer, i, j + 3u);
            }
            for (; j < n_out; j++) {
                e += masked_term(sb, g_at, layer, i, j);
            }
            if layer == 0u {
                scratch[g0_at + i] = e;
            } else {
                scratch[g_at + activation_at(CRITIC, layer - 1u) + i] = e;
            }
        }
    }
}
