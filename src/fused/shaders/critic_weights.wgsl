// The batch-wide part of a critic step (docs/method.md §2), one workgroup:
//   L_D = −(mean_b φ(x_b) − Λ_f(φ(y))) + c_GP·mean_b max(0, |∇φ(x̂_b)|² − L²),
// and the weights ∂L_D/∂φ(y_b) that the ω-gradient of the data term needs:
//   KL (Donsker–Varadhan): Λ = m + log mean e^{φ(y)−m}, weight e^{φ(y_b)−m}/Σ e^{φ(y)−m};
//   W1: Λ = mean φ(y), weight 1/B;
//   the rest: Λ = ν + mean f*(φ(y) − ν), weight f*'(φ(y_b) − ν)/B, ∂L_D/∂ν = 1 − mean f*'.
// `rows` holds φ(x), φ(y) and the penalty excesses (critic_sample.wgsl); this writes the weights
// at 3B + b, ∂L_D/∂ν at 4B and L_D at 4B + 1.

@group(0) @binding(1) var<storage, read_write> omega: array<f32>;
@group(0) @binding(2) var<storage, read_write> rows: array<f32>;

const THREADS: u32 = 256u;
var<workgroup> largest: array<f32, 256>;
var<workgroup> sums: array<vec4<f32>, 256>;
var<workgroup> slopes: array<f32, 256>;

/// f*(y) of the divergence (src/divergence.rs, Divergence::conjugate).
fn conjugate(y: f32) -> f32 {
    let kind = word(DIVERGENCE);
    if kind == ALPHA_DIVERGENCE {
        let a = scalar(ALPHA);
        let base = (a - 1.0) * max(y, 0.0);
        let power = select(0.0, pow(base, a / (a - 1.0)), base > 0.0);
        return power / a + 1.0 / (a * (a - 1.0));
    }
    if kind == REVERSE_KL {
        return -1.0 - log(-y);
    }
    return -log(2.0 - exp(y));
}

/// The derivative of f*.
fn conjugate_slope(y: f32) -> f32 {
    let kind = word(DIVERGENCE);
    if kind == ALPHA_DIVERGENCE {
        let a = scalar(ALPHA);
        let base = (a - 1.0) * y;
        return select(0.0, pow(base, 1.0 / (a - 1.0)), base > 0.0);
    }
    if kind == REVERSE_KL {
        return -1.0 / y;
    }
    return exp(y) / (2.0 - exp(y));
}

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) local: vec3<u32>) {
    let t = local.x;
    let batch = word(BATCH);
    let kind = word(DIVERGENCE);
    let shifted = word(HAS_SHIFT) == 1u;
    let nu = select(0.0, omega[word(NET_PARAMETERS)], shifted);

    var m = -3.4e38;
    for (var b = t; b < batch; b += THREADS) {
        m = max(m, rows[batch + b]);
    }
    largest[t] = m;
    workgroupBarrier();
    for (var half = THREADS / 2u; half > 0u; half /= 2u) {
        if t < half {
            largest[t] = max(largest[t], largest[t + half]);
        }
        workgroupBarrier();
    }
    m = largest[0];

    // (Σ φ(x), Σ e^{φ(y)−m} or Σ φ(y) or Σ f*(φ(y)−ν), Σ excess, unused), Σ f*'(φ(y)−ν)
    var sum = vec4<f32>(0.0);
    var slope = 0.0;
    for (var b = t; b < batch; b += THREADS) {
        let phi_y = rows[batch + b];
        var data = phi_y;
        if kind == KL {
            data = exp(phi_y - m);
        } else if shifted {
            data = conjugate(phi_y - nu);
            slope += conjugate_slope(phi_y - nu);
        }
        sum += vec4<f32>(rows[b], data, rows[2u * batch + b], 0.0);
    }
    sums[t] = sum;
    slopes[t] = slope;
    workgroupBarrier();
    for (var half = THREADS / 2u; half > 0u; half /= 2u) {
        if t < half {
            sums[t] += sums[t + half];
            slopes[t] += slopes[t + half];
        }
        workgroupBarrier();
    }
    let total = sums[0];
    let n = f32(batch);
    var data_term = total.y / n;
    if kind == KL {
        data_term = m + log(total.y / n);
    } else if shifted {
        data_term = nu + total.y / n;
    }
    for (var b = t; b < batch; b += THREADS) {
        let phi_y = rows[batch + b];
        var weight = 1.0 / n;
        if kind == KL {
            weight = exp(phi_y - m) / total.y;
        } else if shifted {
            weight = conjugate_slope(phi_y - nu) / n;
        }
        rows[3u * batch + b] = weight;
    }
    if t == 0u {
        rows[4u * batch] = 1.0 - slopes[0] / n;
        var loss = data_term - total.x / n;
        if word(W1_PROXIMAL) == 1u {
            loss += scalar(PENALTY_WEIGHT) * total.z / n;
        }
        rows[4u * batch + 1u] = loss;
    }
}
