//! The debiased Sinkhorn divergence exactly as geomloss computes it, the number in the paper's
//! Table 1:
//!
//! S_ε(α, β) = OT_ε(α, β) − ½OT_ε(α, α) − ½OT_ε(β, β) = ⟨α, f_ba − f_aa⟩ + ⟨β, g_ab − g_bb⟩,
//!
//! for the cost C(x, y) = ½|x − y|², with the potentials found by ε-scaling: one symmetric
//! Sinkhorn step f ← ½(f + softmin_ε(g)) per temperature of geomloss's schedule, down to
//! ε = blur², where softmin_ε(g)_i = −ε log Σ_j β_j exp((g_j − C(x_i, y_j))/ε).

use super::{Cloud, squared_distances_from};

/// geomloss's `blur`: the last temperature is ε = blur² (for p = 2).
const SINKHORN_BLUR: f64 = 0.05;
/// geomloss's `scaling`: each ε-scaling step divides the blur radius by 2 (ε by 4).
const SINKHORN_SCALING: f64 = 0.5;

/// Debiased Sinkhorn divergence between the uniform measures α = (1/n)Σδ_{x_i} and
/// β = (1/m)Σδ_{y_j}, exactly as geomloss computes
/// `SamplesLoss("sinkhorn", p=2, blur=0.05, scaling=0.5, backend="tensorized")`.
///
/// `x`: (n, dim), `y`: (m, dim), row-major; n and m may differ.
///
/// Cost C(x, y) = ½|x − y|². The soft c-transform of a potential g on the y's is
/// `softmin_ε(g)_i = −ε log Σ_j β_j exp((g_j − C(x_i, y_j))/ε)`. Four problems are solved at once:
/// OT(α, β) with potentials (f_ba on x, g_ab on y), OT(α, α) with f_aa, OT(β, β) with g_bb.
///
/// * Temperatures: with D the diagonal of the bounding box of both clouds,
///   ε-list = \[D²\] ++ \[exp(e) for e in arange(2 ln D, 2 ln blur, 2 ln scaling)\] ++ \[blur²\].
/// * Start: every potential is the soft c-transform of zero at ε = D².
/// * For each ε of the list, one symmetric step: all four potentials are replaced by the average
///   of themselves and their soft c-transforms (f_ba ← ½(f_ba + softmin_ε(g_ab)), and so on),
///   computed from the previous values.
/// * Finally one more plain Sinkhorn step at ε = blur² (geomloss's "last extrapolation").
///
/// Returns S = ⟨α, f_ba − f_aa⟩ + ⟨β, g_ab − g_bb⟩
/// (= OT_ε(α, β) − ½OT_ε(α, α) − ½OT_ε(β, β)). It approximates ½W2² but is not converged:
/// one iteration per temperature is what the paper reports.
pub fn sinkhorn_divergence(x: &[f32], y: &[f32], dim: usize) -> f64 {
    let x = Cloud::from_rows(x, dim);
    let y = Cloud::from_rows(y, dim);
    let diameter = bounding_box_diameter(&x, &y);
    if diameter == 0.0 {
        return 0.0; // every point is the same point: α = β
    }
    let temperatures = epsilon_schedule(diameter);
    let mut work = Workspace::new(x.len.max(y.len), dim);

    let mut potentials = Potentials::zeros(x.len, y.len);
    let mut transformed = Potentials::zeros(x.len, y.len);
    soft_c_transforms(
        temperatures[0],
        &x,
        &y,
        &potentials,
        &mut transformed,
        &mut work,
    );
    std::mem::swap(&mut potentials, &mut transformed);
    for &eps in &temperatures {
        soft_c_transforms(eps, &x, &y, &potentials, &mut transformed, &mut work);
        potentials.average_with(&transformed);
    }
    let last_eps = temperatures[temperatures.len() - 1];
    soft_c_transforms(last_eps, &x, &y, &potentials, &mut transformed, &mut work);

    let p = &transformed;
    mean_difference(&p.f_ba, &p.f_aa) + mean_difference(&p.g_ab, &p.g_bb)
}

/// The dual potentials of the three transport problems of the debiased divergence.
struct Potentials {
    /// OT(α, β), on the x's: (n,).
    f_ba: Vec<f64>,
    /// OT(α, β), on the y's: (m,).
    g_ab: Vec<f64>,
    /// OT(α, α), on the x's: (n,).
    f_aa: Vec<f64>,
    /// OT(β, β), on the y's: (m,).
    g_bb: Vec<f64>,
}

impl Potentials {
    fn zeros(n: usize, m: usize) -> Self {
        Self {
            f_ba: vec![0.0; n],
            g_ab: vec![0.0; m],
            f_aa: vec![0.0; n],
            g_bb: vec![0.0; m],
        }
    }

    /// self ← ½(self + other), potential by potential.
    fn average_with(&mut self, other: &Self) {
        let pairs = [
            (&mut self.f_ba, &other.f_ba),
            (&mut self.g_ab, &other.g_ab),
            (&mut self.f_aa, &other.f_aa),
            (&mut self.g_bb, &other.g_bb),
        ];
        for (mine, theirs) in pairs {
            for (a, b) in mine.iter_mut().zip(theirs) {
                *a = 0.5 * (*a + b);
            }
        }
    }
}

/// Scratch buffers reused by every soft c-transform of one divergence evaluation.
struct Workspace {
    /// log β_j + g_j/ε for the current transform: (max(n, m),).
    column_offsets: Vec<f64>,
    /// The exponents of one row's log-sum-exp: (max(n, m),).
    exponents: Vec<f64>,
    /// The coordinates of the current row point: (dim,).
    row_point: Vec<f64>,
}

impl Workspace {
    fn new(max_len: usize, dim: usize) -> Self {
        Self {
            column_offsets: vec![0.0; max_len],
            exponents: vec![0.0; max_len],
            row_point: vec![0.0; dim],
        }
    }
}

/// One simultaneous soft c-transform of all four potentials at temperature `eps`, reading `from`
/// and writing `to`: f_ba ← softmin(g_ab), g_ab ← softmin(f_ba), f_aa ← softmin(f_aa),
/// g_bb ← softmin(g_bb).
fn soft_c_transforms(
    eps: f64,
    x: &Cloud,
    y: &Cloud,
    from: &Potentials,
    to: &mut Potentials,
    work: &mut Workspace,
) {
    soft_c_transform(eps, x, y, &from.g_ab, &mut to.f_ba, work);
    soft_c_transform(eps, y, x, &from.f_ba, &mut to.g_ab, work);
    soft_c_transform(eps, x, x, &from.f_aa, &mut to.f_aa, work);
    soft_c_transform(eps, y, y, &from.g_bb, &mut to.g_bb, work);
}

/// out_i = −ε log Σ_j exp(log w + g_j/ε − ½|p_i − q_j|²/ε) for every row point p_i, with the
/// column points q_j carrying the uniform weight w = 1/M and the potential g: `rows` (N points),
/// `cols` (M points), `col_potential` (M,), `out` (N,). The log-sum-exp subtracts each row's
/// largest exponent, so every exp is of a number ≤ 0.
fn soft_c_transform(
    eps: f64,
    rows: &Cloud,
    cols: &Cloud,
    col_potential: &[f64],
    out: &mut [f64],
    work: &mut Workspace,
) {
    let m = cols.len;
    let log_weight = -(m as f64).ln();
    let inv_eps = 1.0 / eps;
    let half_inv_eps = 0.5 * inv_eps;
    let offsets = &mut work.column_offsets[..m];
    for (offset, &g) in offsets.iter_mut().zip(col_potential) {
        *offset = log_weight + g * inv_eps;
    }
    let exponents = &mut work.exponents[..m];
    for (i, out_i) in out.iter_mut().enumerate() {
        rows.copy_point(i, &mut work.row_point);
        squared_distances_from(&work.row_point, cols, exponents);
        for (e, &offset) in exponents.iter_mut().zip(offsets.iter()) {
            *e = offset - half_inv_eps * *e;
        }
        let largest = max_value(exponents);
        *out_i = -eps * (largest + sum_exp_shifted(exponents, largest).ln());
    }
}

/// Lanes of independent accumulators in the reductions below, so that they vectorize.
const LANES: usize = 4;

/// max_j v_j of a non-empty slice without NaNs.
fn max_value(values: &[f64]) -> f64 {
    let mut lanes = [f64::NEG_INFINITY; LANES];
    let chunks = values.chunks_exact(LANES);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane = if v > *lane { v } else { *lane };
        }
    }
    tail.iter()
        .chain(&lanes)
        .fold(f64::NEG_INFINITY, |a, &b| if b > a { b } else { a })
}

/// Σ_j exp(v_j − shift), for shift ≥ every v_j.
fn sum_exp_shifted(values: &[f64], shift: f64) -> f64 {
    let mut lanes = [0.0; LANES];
    let chunks = values.chunks_exact(LANES);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane += exp_non_positive(v - shift);
        }
    }
    lanes.iter().sum::<f64>()
        + tail
            .iter()
            .map(|&v| exp_non_positive(v - shift))
            .sum::<f64>()
}

/// e^t for t ≤ 0, to 3e-13 relative, branch-free so that loops over it vectorize (std's exp is a
/// library call). e^t = 2^k · e^r with k = round(t / ln 2) and |r| ≤ ½ ln 2, e^r by its Taylor
/// series to degree 10. Below t = −708 (e^t < 1e-307) it returns e^−708, which is
/// negligible next to the largest term of a shifted log-sum-exp (e^0 = 1).
#[inline(always)]
fn exp_non_positive(t: f64) -> f64 {
    // 1.5·2^52: adding it rounds to an integer, which then sits in the low mantissa bits.
    const ROUNDER: f64 = 6_755_399_441_055_744.0;
    // ln 2 = LN2_HI + LN2_LO, LN2_HI with trailing zero bits so that k·LN2_HI is exact for
    // |k| < 2^20 (fdlibm's ln2_hi, ln2_lo).
    const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76);
    // 1/j! for j = 10, 9, …, 0 (Horner order).
    const TAYLOR: [f64; 11] = [
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        1.0 / 2.0,
        1.0,
        1.0,
    ];
    let t = if t > -708.0 { t } else { -708.0 };
    let shifted = t * std::f64::consts::LOG2_E + ROUNDER;
    let k = shifted - ROUNDER;
    let r = (t - k * LN2_HI) - k * LN2_LO;
    let mut poly = TAYLOR[0];
    for &c in &TAYLOR[1..] {
        poly = poly * r + c;
    }
    // 2^k from the integer k held in the low bits of `shifted`: biased exponent k + 1023.
    let k_bits = shifted.to_bits().wrapping_sub(ROUNDER.to_bits());
    let two_to_k = f64::from_bits(k_bits.wrapping_add(1023) << 52);
    poly * two_to_k
}

/// Diagonal of the bounding box of both clouds (geomloss's `max_diameter`): |max − min| over the
/// coordinate-wise extremes of x ∪ y.
fn bounding_box_diameter(x: &Cloud, y: &Cloud) -> f64 {
    (0..x.dim)
        .map(|k| {
            let both = x.coordinate(k).iter().chain(y.coordinate(k));
            let (low, high) = both.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
            (high - low) * (high - low)
        })
        .sum::<f64>()
        .sqrt()
}

/// geomloss's `epsilon_schedule` for p = 2: [D²] ++ [exp(e) for e in numpy.arange(2 ln D,
/// 2 ln blur, 2 ln scaling)] ++ [blur²]. numpy's arange has ⌈(stop − start)/step⌉ entries
/// (none when D ≤ blur).
fn epsilon_schedule(diameter: f64) -> Vec<f64> {
    let start = 2.0 * diameter.ln();
    let stop = 2.0 * SINKHORN_BLUR.ln();
    let step = 2.0 * SINKHORN_SCALING.ln();
    let steps = ((stop - start) / step).ceil().max(0.0) as usize;
    let mut schedule = Vec::with_capacity(steps + 2);
    schedule.push(diameter * diameter);
    schedule.extend((0..steps).map(|s| (start + s as f64 * step).exp()));
    schedule.push(SINKHORN_BLUR * SINKHORN_BLUR);
    schedule
}

/// mean_i (a_i − b_i).
fn mean_difference(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| p - q).sum::<f64>() / a.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_exp_matches_std() {
        let mut worst: f64 = 0.0;
        for s in 0..=700_000 {
            let t = -(s as f64) * 1e-3;
            let rel = (exp_non_positive(t) - t.exp()).abs() / t.exp();
            worst = worst.max(rel);
        }
        assert!(worst < 5e-13, "worst relative error {worst:e}");
    }

    #[test]
    fn schedule_matches_numpy_arange() {
        // numpy: diameter 3 → arange(2 ln 3, 2 ln 0.05, 2 ln 0.5) = [9, 2.25, …, 0.0087890625].
        let schedule = epsilon_schedule(3.0);
        assert_eq!(schedule.len(), 8);
        assert_eq!(schedule[0], 9.0);
        assert!((schedule[1] - 9.0).abs() < 1e-12 && (schedule[2] - 2.25).abs() < 1e-12);
        assert!((schedule[6] - 0.0087890625).abs() < 1e-15);
        assert!((schedule[7] - 0.0025).abs() < 1e-15);
        assert_eq!(epsilon_schedule(0.01).len(), 2);
        // (2 ln 0.05 − 2 ln 0.1) / (2 ln 0.5) rounds to just above 1: numpy makes 2 entries.
        assert_eq!(epsilon_schedule(0.1).len(), 4);
    }
}
