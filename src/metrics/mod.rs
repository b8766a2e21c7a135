//! Distances between two point clouds, for judging how close generated samples are to the data.
//!
//! * [`sinkhorn_divergence`]: the debiased Sinkhorn divergence exactly as geomloss computes it,
//!   the number in the paper's Table 1;
//! * [`exact_w2`]: the true 2-Wasserstein distance between equal-size clouds, by an assignment
//!   ([`optimal_assignment`]);
//! * [`sliced_w2`]: the sliced 2-Wasserstein distance, from exact 1-D transports.
//!
//! Points arrive as row-major f32 slices, `n × dim` (point i is `points[i*dim..(i+1)*dim]`); all
//! arithmetic is f64. Nothing here touches a tensor backend.
//!
//! Each distance lives in its own file: `sinkhorn` (geomloss's debiased Sinkhorn), `assignment`
//! (exact W2 by a Jonker–Volgenant assignment), `sliced` (sliced W2); this file holds what they
//! share.

mod assignment;
mod sinkhorn;
mod sliced;

pub use assignment::{assigned_w2, exact_w2, optimal_assignment};
pub use sinkhorn::sinkhorn_divergence;
pub use sliced::sliced_w2;

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
