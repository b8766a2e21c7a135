// U's quadratic term ½·q(t)·|x|² (src/quadratic.rs), shared by rollout.wgsl and
// generator_sample.wgsl, which declare `theta`: q(t) = q_max·c(t), c(t) = tanh(n(t)) the step's
// contraction Δt·q/λ, n(t) = Σ_j W2_j·tanh(W1_j·t + b1_j) + b2 with n's weights packed after N's
// at QUADRATIC_AT as W1 (m), b1 (m), W2 (m), b2, m = QUADRATIC_WIDTH. QUADRATIC_AT = 0: no term.

fn has_quadratic_term() -> bool {
    return word(QUADRATIC_AT) != 0u;
}

/// tanh(W1_j·t + b1_j): n's hidden unit j.
fn quadratic_unit(t: f32, j: u32) -> f32 {
    let at = word(QUADRATIC_AT);
    let m = word(QUADRATIC_WIDTH);
    return tanh_capped(theta[at + j] * t + theta[at + m + j]);
}

/// c(t) = tanh(n(t)).
fn contraction(t: f32) -> f32 {
    let at = word(QUADRATIC_AT);
    let m = word(QUADRATIC_WIDTH);
    var n = theta[at + 3u * m];
    for (var j = 0u; j < m; j++) {
        n += theta[at + 2u * m + j] * quadratic_unit(t, j);
    }
    return tanh_capped(n);
}

/// q(t) = q_max·c(t), 0 without the term.
fn quadratic_coefficient(t: f32) -> f32 {
    if !has_quadratic_term() {
        return 0.0;
    }
    return scalar(QUADRATIC_BOUND) * contraction(t);
}
