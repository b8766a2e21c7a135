//! The sliced 2-Wasserstein distance, from exact 1-D transports:
//!
//! SW2 = sqrt( (1/L) Σ_{l=1..L} W2²(θ_l·α, θ_l·β) ), θ_l uniform on the unit sphere,
//!
//! each 1-D W2² = ∫₀¹ (F⁻¹(t) − G⁻¹(t))² dt between the quantile functions of the projections.

use super::to_f64;
use crate::rng::Rng;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_w2_handles_unequal_sizes() {
        // a = {0, 1}, b = {0, 0.5, 1}: quantile steps [0,1/3):0−0, [1/3,1/2):0−0.5, [1/2,2/3):1−0.5,
        // [2/3,1):1−1 → (1/6)(0.25) + (1/6)(0.25).
        let w = quantile_w2_squared(&[0.0, 1.0], &[0.0, 0.5, 1.0]);
        assert!((w - 0.25 / 3.0).abs() < 1e-15, "{w}");
    }
}
