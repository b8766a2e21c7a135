//! The frame a run trains in (docs/method.md §13). The paper chose its λ, L, T and paper B's λ
//! and C for data near the scale of the source N(0, I); a target of another scale or place is
//! trained standardised, x_model = (x_data − μ)/s, with μ the mean of its plane and s² its
//! variance per coordinate of the plane, and every point shown or scored is mapped back,
//! x_data = μ + s·x_model.

use crate::data::toy2d::Toy2d;
use crate::rng::Rng;

/// The affine map between the data's coordinates and the model's: x_data = μ + s·x_model on the
/// first two coordinates (the plane the data live in), x_data = s·x_model on the others.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Frame {
    /// μ: the mean of the data's plane.
    pub mean: [f32; 2],
    /// s: the data's standard deviation per coordinate of the plane.
    pub scale: f32,
}

/// Draws of a shape its frame is fitted on: μ and s are then within 0.5% of the shape's own.
const SHAPE_FIT_DRAWS: usize = 100_000;

/// The seed of those draws, the same for every run: a shape's frame does not depend on the run.
const SHAPE_FIT_SEED: u64 = 0x5CA1E;

impl Frame {
    /// The data's own coordinates.
    pub const IDENTITY: Self = Self {
        mean: [0.0, 0.0],
        scale: 1.0,
    };

    /// The frame of plane points, row-major `[n, 2]`: μ = mean p, s² = mean |p − μ|²/2.
    /// `None` when the points coincide (s = 0 has no standardised frame).
    pub fn fit(plane: &[f32]) -> Option<Self> {
        let rows = (plane.len() / 2) as f64;
        let mut mean = [0.0_f64; 2];
        for point in plane.chunks_exact(2) {
            mean[0] += point[0] as f64 / rows;
            mean[1] += point[1] as f64 / rows;
        }
        let variance = plane
            .chunks_exact(2)
            .map(|p| (p[0] as f64 - mean[0]).powi(2) + (p[1] as f64 - mean[1]).powi(2))
            .sum::<f64>()
            / (2.0 * rows);
        let scale = variance.sqrt() as f32;
        (scale > 0.0 && scale.is_finite()).then_some(Self {
            mean: [mean[0] as f32, mean[1] as f32],
            scale,
        })
    }

    /// The frame of a shape, fitted on fixed draws of it.
    pub fn of_shape(shape: Toy2d) -> Self {
        Self::fit(&shape.sample(SHAPE_FIT_DRAWS, &mut Rng::new(SHAPE_FIT_SEED)))
            .expect("every shape has spread")
    }

    /// Data coordinates to model coordinates, in place, rows of `dim` ≥ 2 values.
    pub fn to_model(&self, points: &mut [f32], dim: usize) {
        for row in points.chunks_exact_mut(dim) {
            row[0] -= self.mean[0];
            row[1] -= self.mean[1];
            row.iter_mut().for_each(|v| *v /= self.scale);
        }
    }

    /// Model coordinates to data coordinates, in place, rows of `dim` ≥ 2 values.
    pub fn to_data(&self, points: &mut [f32], dim: usize) {
        for row in points.chunks_exact_mut(dim) {
            row.iter_mut().for_each(|v| *v *= self.scale);
            row[0] += self.mean[0];
            row[1] += self.mean[1];
        }
    }

    /// [`Frame::to_data`] on a copy.
    pub fn in_data(&self, points: &[f32], dim: usize) -> Vec<f32> {
        let mut points = points.to_vec();
        self.to_data(&mut points, dim);
        points
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fitted_frame_standardises_and_maps_back() {
        let plane = [1.0, 10.0, 3.0, 10.0, 1.0, 14.0, 3.0, 14.0];
        let frame = Frame::fit(&plane).unwrap();
        assert_eq!(frame.mean, [2.0, 12.0]);
        // |p − μ|² = 1 + 4 for every point, so s² = 5/2.
        assert!((frame.scale - 2.5_f32.sqrt()).abs() < 1e-6);
        let mut model = plane.to_vec();
        frame.to_model(&mut model, 2);
        let standardised = Frame::fit(&model).unwrap();
        assert!(standardised.mean.iter().all(|m| m.abs() < 1e-6));
        assert!((standardised.scale - 1.0).abs() < 1e-6);
        let back = frame.in_data(&model, 2);
        assert!(back.iter().zip(&plane).all(|(a, b)| (a - b).abs() < 1e-5));
    }

    #[test]
    fn extra_coordinates_are_scaled_not_shifted() {
        let frame = Frame {
            mean: [1.0, -1.0],
            scale: 2.0,
        };
        let mut row = [0.5, 0.5, 0.5];
        frame.to_data(&mut row, 3);
        assert_eq!(row, [2.0, 0.0, 1.0]);
        frame.to_model(&mut row, 3);
        assert_eq!(row, [0.5, 0.5, 0.5]);
    }

    #[test]
    fn coinciding_points_have_no_frame() {
        assert_eq!(Frame::fit(&[3.0, 4.0, 3.0, 4.0]), None);
    }

    #[test]
    fn a_shape_frame_matches_its_moments() {
        // Moons: mean (0, 0.21), variance (13.27 + 4.35)/2 (src/data/toy2d.rs's reference).
        let frame = Frame::of_shape(Toy2d::Moons);
        assert!(frame.mean[0].abs() < 0.03 && (frame.mean[1] - 0.21).abs() < 0.03);
        assert!((frame.scale / 8.81_f32.sqrt() - 1.0).abs() < 0.01);
    }
}
