//! Target data: the paper's 2-D shapes, embedded in R^d, held as a pool batches are drawn from.

pub mod clusters;
pub mod embed;
pub mod points;
pub mod toy2d;

use crate::rng::Rng;

/// A finite sample of the target law Q, row-major `[len, dim]`.
#[derive(Clone, Debug)]
pub struct DataPool {
    pub points: Vec<f32>,
    pub dim: usize,
}

impl DataPool {
    /// `len` points of `dataset`, embedded in the first two coordinates of R^dim.
    pub fn generate(dataset: toy2d::Toy2d, len: usize, dim: usize, rng: &mut Rng) -> Self {
        Self { points: embed::embed(&dataset.sample(len, rng), dim), dim }
    }

    /// `len` points of the configured target: the user's points when given (drawn with
    /// replacement), else the data set.
    pub fn for_config(config: &crate::config::TrainConfig, len: usize, rng: &mut Rng) -> Self {
        match &config.points {
            Some(points) if !points.is_empty() => {
                let plane: Vec<f32> = (0..len).flat_map(|_| points[rng.below(points.len())]).collect();
                Self { points: embed::embed(&plane, config.dim), dim: config.dim }
            }
            _ => Self::generate(config.dataset, len, config.dim, rng),
        }
    }

    pub fn len(&self) -> usize {
        self.points.len() / self.dim
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// `size` points drawn uniformly with replacement, row-major `[size, dim]`.
    pub fn batch(&self, size: usize, rng: &mut Rng) -> Vec<f32> {
        let mut out = Vec::with_capacity(size * self.dim);
        for _ in 0..size {
            let row = rng.below(self.len());
            out.extend_from_slice(&self.points[row * self.dim..(row + 1) * self.dim]);
        }
        out
    }
}
