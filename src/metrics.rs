//! Distances between two point clouds, for judging how close generated samples are to the data.
//!
//! * [`sinkhorn_divergence`]: the debiased Sinkhorn divergence exactly as geomloss computes it,
//!   the number in the paper's Table 1;
//! * [`exact_w2`]: the true 2-Wasserstein distance between equal-size clouds, by an assignment;
//! * [`sliced_w2`]: the sliced 2-Wasserstein distance, from exact 1-D transports.
//!
//! Points arrive as row-major f32 slices, `n × dim` (point i is `points[i*dim..(i+1)*dim]`); all
//! arithmetic is f64. Nothing here touches a tensor backend.

use crate::rng::Rng;

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
///   ε-list = [D²] ++ [exp(e) for e in arange(2 ln D, 2 ln blur, 2 ln scaling)] ++ [blur²].
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

/// Exact 2-Wasserstein distance between two uniform clouds of equal size n:
/// W2 = sqrt( min over permutations σ of (1/n) Σ_i |x_i − y_σ(i)|² ).
///
/// `x`, `y`: (n, dim), row-major. The optimal σ is found by the shortest-augmenting-path
/// (Jonker–Volgenant) assignment algorithm on the squared distances |x_i − y_j|², computed a row
/// at a time: O(n³) time in the worst case (about 2 s at n = 2000 in 2-D), O(n) memory.
pub fn exact_w2(x: &[f32], y: &[f32], dim: usize) -> f64 {
    let n = point_count(x, dim);
    assert_eq!(
        n,
        point_count(y, dim),
        "exact_w2 needs clouds of equal size"
    );
    let (x_rows, y_cloud) = (to_f64(x), Cloud::from_rows(y, dim));
    let col_of_row = min_cost_assignment(n, |i, costs| {
        squared_distances_from(&x_rows[i * dim..(i + 1) * dim], &y_cloud, costs)
    });
    let y_rows = to_f64(y);
    let total: f64 = col_of_row
        .iter()
        .enumerate()
        .map(|(i, &j)| {
            squared_distance(
                &x_rows[i * dim..(i + 1) * dim],
                &y_rows[j * dim..(j + 1) * dim],
            )
        })
        .sum();
    (total / n as f64).sqrt()
}

/// Sliced 2-Wasserstein distance:
/// SW2 = sqrt( (1/L) Σ_{l=1..L} W2²(θ_l·α, θ_l·β) ) over L = `directions` unit vectors θ_l drawn
/// uniformly on the sphere from `rng`.
///
/// `x`: (n, dim), `y`: (m, dim), row-major. Each 1-D W2² is exact: ∫₀¹ (F⁻¹(t) − G⁻¹(t))² dt
/// between the quantile functions of the sorted projections (for n = m, the mean squared gap
/// between the sorted values). Since projecting is 1-Lipschitz, SW2 ≤ W2.
pub fn sliced_w2(x: &[f32], y: &[f32], dim: usize, directions: usize, rng: &mut Rng) -> f64 {
    assert!(directions > 0, "sliced_w2 needs at least one direction");
    let (x, y) = (to_f64(x), to_f64(y));
    let (mut x_proj, mut y_proj) = (Vec::new(), Vec::new());
    let mut total = 0.0;
    for _ in 0..directions {
        let direction = random_unit_vector(dim, rng);
        project_sorted(&x, &direction, &mut x_proj);
        project_sorted(&y, &direction, &mut y_proj);
        total += quantile_w2_squared(&x_proj, &y_proj);
    }
    (total / directions as f64).sqrt()
}

// ---------------------------------------------------------------------------------------------
// Sinkhorn internals

/// A point cloud in f64, stored coordinate-major (`coords[k*len + i]` is coordinate k of point
/// i) so that loops over the points of one coordinate are contiguous and vectorize.
struct Cloud {
    dim: usize,
    len: usize,
    coords: Vec<f64>,
}

impl Cloud {
    fn from_rows(points: &[f32], dim: usize) -> Self {
        let len = point_count(points, dim);
        let mut coords = vec![0.0; dim * len];
        for (i, point) in points.chunks_exact(dim).enumerate() {
            for (k, &value) in point.iter().enumerate() {
                coords[k * len + i] = value as f64;
            }
        }
        Self { dim, len, coords }
    }

    /// Coordinate k of every point: (len,).
    fn coordinate(&self, k: usize) -> &[f64] {
        &self.coords[k * self.len..(k + 1) * self.len]
    }

    /// out ← point i: (dim,).
    fn copy_point(&self, i: usize, out: &mut [f64]) {
        for (k, coord) in out.iter_mut().enumerate() {
            *coord = self.coords[k * self.len + i];
        }
    }
}

/// out_j ← |p − q_j|² for every point q_j of `cloud`: `p` (dim,), `out` (len,).
fn squared_distances_from(p: &[f64], cloud: &Cloud, out: &mut [f64]) {
    out.fill(0.0);
    for (k, &p_k) in p.iter().enumerate() {
        for (d, &q_k) in out.iter_mut().zip(cloud.coordinate(k)) {
            *d += (q_k - p_k) * (q_k - p_k);
        }
    }
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

// ---------------------------------------------------------------------------------------------
// Assignment

/// The permutation σ minimising Σ_i cost[i][σ(i)] over an n × n cost matrix whose row i
/// `row_costs(i, out)` writes into `out` (n,); returned as σ (`col_of_row[i] = σ(i)`).
///
/// Shortest augmenting paths with dual potentials (Jonker & Volgenant 1987; the augmentation in
/// the form of Crouse 2016). Duals u (rows), v (columns) keep every reduced cost
/// cost[i][j] − u_i − v_j ≥ 0, with equality on matched pairs. Column reduction (v_j = min_i
/// cost[i][j], each column matched to its cheapest row if that row is still free) starts the
/// matching; then each free row is added by a Dijkstra search over reduced costs for the cheapest
/// alternating path to a free column, the duals are shifted along the settled part of the search,
/// and the path is flipped.
fn min_cost_assignment(n: usize, mut row_costs: impl FnMut(usize, &mut [f64])) -> Vec<usize> {
    const NONE: usize = usize::MAX;
    let mut u = vec![0.0; n];
    let mut v = vec![f64::INFINITY; n];
    let mut col_of_row = vec![NONE; n];
    let mut row_of_col = vec![NONE; n];

    // Column reduction, row-major: cheapest row of each column.
    let mut cheapest_row = vec![0; n];
    let mut row_cost = vec![0.0; n];
    for i in 0..n {
        row_costs(i, &mut row_cost);
        for ((v_j, best_i), &c) in v.iter_mut().zip(cheapest_row.iter_mut()).zip(&row_cost) {
            if c < *v_j {
                *v_j = c;
                *best_i = i;
            }
        }
    }
    for (j, &i) in cheapest_row.iter().enumerate() {
        if col_of_row[i] == NONE {
            col_of_row[i] = j;
            row_of_col[j] = i;
        }
    }
    let free_rows: Vec<usize> = (0..n).filter(|&i| col_of_row[i] == NONE).collect();

    // Per search: tentative path length to each column (NaN once settled, so that it neither
    // relaxes nor wins again), its predecessor row, the final length of each settled column, and
    // the rows and columns the search settled.
    let mut tentative = vec![f64::INFINITY; n];
    let mut pred_row = vec![0; n];
    let mut settled_len = vec![0.0; n];
    let mut settled_rows: Vec<usize> = Vec::with_capacity(n);
    let mut settled_cols: Vec<usize> = Vec::with_capacity(n);

    for new_row in free_rows {
        tentative.fill(f64::INFINITY);
        settled_rows.clear();
        settled_cols.clear();

        let mut row = new_row;
        let mut shortest = 0.0;
        let free_col = loop {
            settled_rows.push(row);
            let base = shortest - u[row];
            row_costs(row, &mut row_cost);
            // Relax every edge out of `row` and find the closest unsettled column (NaN, the mark
            // of a settled column, neither relaxes nor wins).
            let mut col = NONE;
            shortest = f64::INFINITY;
            let columns = tentative
                .iter_mut()
                .zip(pred_row.iter_mut())
                .zip(row_cost.iter().zip(&v));
            for (j, ((len, pred), (&c, &v_j))) in columns.enumerate() {
                let through_row = base + c - v_j;
                if through_row < *len {
                    *len = through_row;
                    *pred = row;
                }
                if *len < shortest {
                    shortest = *len;
                    col = j;
                }
            }
            assert!(col != NONE, "assignment costs must be finite");
            tentative[col] = f64::NAN;
            settled_len[col] = shortest;
            settled_cols.push(col);
            if row_of_col[col] == NONE {
                break col;
            }
            row = row_of_col[col];
        };

        // Dual update: keeps reduced costs ≥ 0 and makes the new path's edges tight.
        u[new_row] += shortest;
        for &i in &settled_rows[1..] {
            u[i] += shortest - settled_len[col_of_row[i]];
        }
        for &j in &settled_cols {
            v[j] -= shortest - settled_len[j];
        }

        // Flip the augmenting path ending at `free_col`.
        let mut col = free_col;
        loop {
            let row = pred_row[col];
            row_of_col[col] = row;
            let previous_col = std::mem::replace(&mut col_of_row[row], col);
            if row == new_row {
                break;
            }
            col = previous_col;
        }
    }
    col_of_row
}

// ---------------------------------------------------------------------------------------------
// Sliced W2

/// θ/|θ| for θ ~ N(0, I_dim): uniform on the unit sphere.
fn random_unit_vector(dim: usize, rng: &mut Rng) -> Vec<f64> {
    loop {
        let theta: Vec<f64> = (0..dim).map(|_| rng.normal()).collect();
        let norm = theta.iter().map(|t| t * t).sum::<f64>().sqrt();
        if norm > 0.0 {
            return theta.into_iter().map(|t| t / norm).collect();
        }
    }
}

/// out ← the sorted projections ⟨p_i, direction⟩ of the row-major points `points` (len, dim).
fn project_sorted(points: &[f64], direction: &[f64], out: &mut Vec<f64>) {
    out.clear();
    out.extend(
        points
            .chunks_exact(direction.len())
            .map(|p| p.iter().zip(direction).map(|(a, b)| a * b).sum::<f64>()),
    );
    out.sort_unstable_by(f64::total_cmp);
}

/// Exact W2² between the uniform measures on the sorted values `a` (n,) and `b` (m,):
/// ∫₀¹ (F_a⁻¹(t) − F_b⁻¹(t))² dt. Both quantile functions are step functions, a_i on
/// [i/n, (i+1)/n) and b_j on [j/m, (j+1)/m); the integral walks their merged breakpoints, kept
/// as exact integers in units of 1/(n·m).
fn quantile_w2_squared(a: &[f64], b: &[f64]) -> f64 {
    let (n, m) = (a.len() as u64, b.len() as u64);
    let (mut i, mut j) = (0, 0);
    let mut reached = 0; // t · n · m
    let mut total = 0.0;
    while i < n && j < m {
        let (end_a, end_b) = ((i + 1) * m, (j + 1) * n);
        let end = end_a.min(end_b);
        let gap = a[i as usize] - b[j as usize];
        total += (end - reached) as f64 * gap * gap;
        reached = end;
        if end_a == end {
            i += 1;
        }
        if end_b == end {
            j += 1;
        }
    }
    total / (n * m) as f64
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

/// The number of points in a row-major (len, dim) slice, checking the shape.
fn point_count(points: &[f32], dim: usize) -> usize {
    assert!(dim > 0, "points need at least one coordinate");
    assert!(
        !points.is_empty() && points.len().is_multiple_of(dim),
        "expected a non-empty (n, {dim}) point slice"
    );
    points.len() / dim
}

fn to_f64(points: &[f32]) -> Vec<f64> {
    points.iter().map(|&v| v as f64).collect()
}

/// |p − q|².
fn squared_distance(p: &[f64], q: &[f64]) -> f64 {
    p.iter().zip(q).map(|(a, b)| (a - b) * (a - b)).sum()
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

    #[test]
    fn quantile_w2_handles_unequal_sizes() {
        // a = {0, 1}, b = {0, 0.5, 1}: quantile steps [0,1/3):0−0, [1/3,1/2):0−0.5, [1/2,2/3):1−0.5,
        // [2/3,1):1−1 → (1/6)(0.25) + (1/6)(0.25).
        let w = quantile_w2_squared(&[0.0, 1.0], &[0.0, 0.5, 1.0]);
        assert!((w - 0.25 / 3.0).abs() < 1e-15, "{w}");
    }

    #[test]
    fn assignment_finds_the_brute_force_optimum() {
        let mut rng = Rng::new(5);
        for n in 1..=7 {
            let cost: Vec<f64> = (0..n * n).map(|_| (rng.uniform() * 10.0).floor()).collect();
            let sigma =
                min_cost_assignment(n, |i, row| row.copy_from_slice(&cost[i * n..(i + 1) * n]));
            let value: f64 = (0..n).map(|i| cost[i * n + sigma[i]]).sum();
            let mut perm: Vec<usize> = (0..n).collect();
            let mut best = f64::INFINITY;
            permutations(&mut perm, 0, &mut |p| {
                best = best.min((0..n).map(|i| cost[i * n + p[i]]).sum())
            });
            assert_eq!(value, best, "n = {n}");
        }
    }

    fn permutations(perm: &mut Vec<usize>, k: usize, visit: &mut impl FnMut(&[usize])) {
        if k == perm.len() {
            visit(perm);
            return;
        }
        for i in k..perm.len() {
            perm.swap(k, i);
            permutations(perm, k + 1, visit);
            perm.swap(k, i);
        }
    }
}
