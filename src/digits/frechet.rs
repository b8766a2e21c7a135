//! The Fréchet distance between two Gaussians, the formula behind FID:
//!
//! d²(N(μ₁, Σ₁), N(μ₂, Σ₂)) = |μ₁ − μ₂|² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₂^{1/2} Σ₁ Σ₂^{1/2})^{1/2},
//!
//! with the square roots of symmetric positive semi-definite matrices taken through their
//! eigendecomposition (cyclic Jacobi rotations, in f64).

/// The mean and covariance of a set of feature vectors.
#[derive(Clone, Debug, PartialEq)]
pub struct Gaussian {
    /// μ, `[dim]`.
    pub mean: Vec<f64>,
    /// Σ, `[dim, dim]` row-major, with the unbiased 1/(n − 1).
    pub covariance: Vec<f64>,
}

impl Gaussian {
    /// The sample mean and covariance of `rows` (`[n, dim]` row-major, n ≥ 2).
    pub fn fit(rows: &[f32], dim: usize) -> Self {
        let n = rows.len() / dim;
        let mut mean = vec![0.0; dim];
        for row in rows.chunks_exact(dim) {
            for (m, &x) in mean.iter_mut().zip(row) {
                *m += f64::from(x) / n as f64;
            }
        }
        let mut covariance = vec![0.0; dim * dim];
        for row in rows.chunks_exact(dim) {
            let centred: Vec<f64> = row
                .iter()
                .zip(&mean)
                .map(|(&x, m)| f64::from(x) - m)
                .collect();
            for i in 0..dim {
                for j in i..dim {
                    covariance[i * dim + j] += centred[i] * centred[j];
                }
            }
        }
        let scale = 1.0 / (n.max(2) - 1) as f64;
        for i in 0..dim {
            for j in i..dim {
                let value = covariance[i * dim + j] * scale;
                covariance[i * dim + j] = value;
                covariance[j * dim + i] = value;
            }
        }
        Self { mean, covariance }
    }

    pub fn dim(&self) -> usize {
        self.mean.len()
    }
}

/// The Fréchet distance d² between `a` and `b` (the module's formula); 0 for equal Gaussians.
pub fn frechet_distance(a: &Gaussian, b: &Gaussian) -> f64 {
    let dim = a.dim();
    let trace = |m: &[f64]| (0..dim).map(|i| m[i * dim + i]).sum::<f64>();
    let mean_gap: f64 = a
        .mean
        .iter()
        .zip(&b.mean)
        .map(|(x, y)| (x - y).powi(2))
        .sum();
    let root_b = psd_square_root(&b.covariance, dim);
    let inner = multiply(&multiply(&root_b, &a.covariance, dim), &root_b, dim);
    let cross: f64 = symmetric_eigenvalues(&inner, dim)
        .iter()
        .map(|&l| l.max(0.0).sqrt())
        .sum();
    (mean_gap + trace(&a.covariance) + trace(&b.covariance) - 2.0 * cross).max(0.0)
}

/// S with S² = `matrix` for a symmetric positive semi-definite `[dim, dim]` matrix: V·diag(√l)·Vᵀ
/// from its eigendecomposition, negative rounding in l taken as 0.
pub fn psd_square_root(matrix: &[f64], dim: usize) -> Vec<f64> {
    let (values, vectors) = jacobi(matrix, dim);
    let roots: Vec<f64> = values.iter().map(|&l| l.max(0.0).sqrt()).collect();
    let mut root = vec![0.0; dim * dim];
    for i in 0..dim {
        for j in 0..dim {
            root[i * dim + j] = (0..dim)
                .map(|k| vectors[i * dim + k] * roots[k] * vectors[j * dim + k])
                .sum();
        }
    }
    root
}

/// The eigenvalues of a symmetric `[dim, dim]` matrix, in no particular order.
pub fn symmetric_eigenvalues(matrix: &[f64], dim: usize) -> Vec<f64> {
    jacobi(matrix, dim).0
}

/// `a·b` for `[dim, dim]` row-major matrices.
fn multiply(a: &[f64], b: &[f64], dim: usize) -> Vec<f64> {
    let mut product = vec![0.0; dim * dim];
    for i in 0..dim {
        for k in 0..dim {
            let aik = a[i * dim + k];
            if aik == 0.0 {
                continue;
            }
            for j in 0..dim {
                product[i * dim + j] += aik * b[k * dim + j];
            }
        }
    }
    product
}

/// The most sweeps the Jacobi method takes (it converges quadratically: a 64 × 64 covariance
/// needs about 8).
const MAX_SWEEPS: usize = 64;

/// Eigenvalues and eigenvectors (the columns of V, row-major) of a symmetric matrix by cyclic
/// Jacobi rotations: each rotation zeroes one off-diagonal pair, until the off-diagonal mass is
/// below 1e-24 of the whole.
fn jacobi(matrix: &[f64], dim: usize) -> (Vec<f64>, Vec<f64>) {
    let mut a = matrix.to_vec();
    let mut v = vec![0.0; dim * dim];
    for i in 0..dim {
        v[i * dim + i] = 1.0;
    }
    let total: f64 = a.iter().map(|x| x * x).sum();
    for _ in 0..MAX_SWEEPS {
        let off: f64 = (0..dim)
            .flat_map(|i| (0..dim).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * dim + j].powi(2))
            .sum();
        if off <= 1e-24 * total || off == 0.0 {
            break;
        }
        for p in 0..dim {
            for q in p + 1..dim {
                let apq = a[p * dim + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (a[q * dim + q] - a[p * dim + p]) / (2.0 * apq);
                // signum(0) = 1: a tie rotates by 45°.
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..dim {
                    let (akp, akq) = (a[k * dim + p], a[k * dim + q]);
                    a[k * dim + p] = c * akp - s * akq;
                    a[k * dim + q] = s * akp + c * akq;
                }
                for k in 0..dim {
                    let (apk, aqk) = (a[p * dim + k], a[q * dim + k]);
                    a[p * dim + k] = c * apk - s * aqk;
                    a[q * dim + k] = s * apk + c * aqk;
                }
                for k in 0..dim {
                    let (vkp, vkq) = (v[k * dim + p], v[k * dim + q]);
                    v[k * dim + p] = c * vkp - s * vkq;
                    v[k * dim + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..dim).map(|i| a[i * dim + i]).collect(), v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// The eigenvalues of a rotated diagonal matrix are its diagonal.
    #[test]
    fn jacobi_finds_the_eigenvalues_of_a_rotated_diagonal() {
        let (angle, dim) = (0.7_f64, 3);
        let (c, s) = (angle.cos(), angle.sin());
        let rotation = [c, -s, 0.0, s, c, 0.0, 0.0, 0.0, 1.0];
        let diagonal = [4.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.25];
        let transposed = [c, s, 0.0, -s, c, 0.0, 0.0, 0.0, 1.0];
        let matrix = multiply(&multiply(&rotation, &diagonal, dim), &transposed, dim);
        let mut values = symmetric_eigenvalues(&matrix, dim);
        values.sort_by(f64::total_cmp);
        for (got, expected) in values.iter().zip([0.25, 1.0, 4.0]) {
            assert!((got - expected).abs() < 1e-12, "{values:?}");
        }
        let root = psd_square_root(&matrix, dim);
        let square = multiply(&root, &root, dim);
        for (got, expected) in square.iter().zip(&matrix) {
            assert!(
                (got - expected).abs() < 1e-12,
                "{square:?} against {matrix:?}"
            );
        }
    }

    /// For commuting (here diagonal) covariances the distance is
    /// |μ₁ − μ₂|² + Σ_i (√σ₁ᵢ − √σ₂ᵢ)², and it is 0 between a Gaussian and itself.
    #[test]
    fn frechet_distance_of_diagonal_gaussians_is_the_closed_form() {
        let a = Gaussian {
            mean: vec![1.0, -2.0],
            covariance: vec![4.0, 0.0, 0.0, 9.0],
        };
        let b = Gaussian {
            mean: vec![0.0, 0.0],
            covariance: vec![1.0, 0.0, 0.0, 1.0],
        };
        let expected = 1.0 + 4.0 + (2.0 - 1.0_f64).powi(2) + (3.0 - 1.0_f64).powi(2);
        assert!((frechet_distance(&a, &b) - expected).abs() < 1e-10);
        assert!((frechet_distance(&b, &a) - expected).abs() < 1e-10);
        assert!(frechet_distance(&a, &a).abs() < 1e-10);
    }

    /// Between a full-covariance Gaussian and a scaled copy Σ₂ = s²Σ₁ (which commute) the
    /// distance is (1 − s)² tr Σ₁; sample moments of 20,000 draws come within 3% of it.
    #[test]
    fn fitted_moments_give_the_distance_of_the_laws() {
        let (dim, n, s) = (4, 20_000, 2.0);
        let mix = [
            1.0, 0.0, 0.0, 0.0, 0.5, 1.0, 0.0, 0.0, -0.3, 0.2, 1.0, 0.0, 0.1, 0.4, -0.2, 1.0,
        ];
        let mut rng = Rng::new(4);
        let mut draw = |scale: f64| -> Vec<f32> {
            (0..n)
                .flat_map(|_| {
                    let z: Vec<f64> = (0..dim).map(|_| rng.normal()).collect();
                    (0..dim)
                        .map(|i| {
                            (scale * (0..dim).map(|k| mix[i * dim + k] * z[k]).sum::<f64>()) as f32
                        })
                        .collect::<Vec<f32>>()
                })
                .collect()
        };
        let (a, b) = (Gaussian::fit(&draw(1.0), dim), Gaussian::fit(&draw(s), dim));
        let trace: f64 = (0..dim)
            .map(|i| (0..dim).map(|k| mix[i * dim + k].powi(2)).sum::<f64>())
            .sum();
        let expected = (1.0 - s).powi(2) * trace;
        let got = frechet_distance(&a, &b);
        assert!(
            (got - expected).abs() < 0.03 * expected,
            "{got} against {expected}"
        );
    }
}
