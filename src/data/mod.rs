//! Target data: the paper's 2-D shapes embedded in R^d, or MNIST digits in pixel space, held as a
//! pool batches are drawn from; and the source law ρ₀ the flow starts from.

pub mod clusters;
pub mod embed;
pub mod frame;
pub mod images;
pub mod points;
pub mod toy2d;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::names::not_one_of;
use crate::rng::Rng;
use toy2d::Toy2d;

/// A target data set: one of the paper's 2-D shapes, or MNIST digits in pixel space (R^784).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Dataset {
    Shape(Toy2d),
    Mnist,
}

/// The name of [`Dataset::Mnist`].
const MNIST: &str = "mnist";

impl Dataset {
    /// The name used by the CLI, the page and the JSON configuration.
    pub fn name(self) -> &'static str {
        match self {
            Self::Shape(shape) => shape.name(),
            Self::Mnist => MNIST,
        }
    }

    /// Every name, the shapes' first.
    pub fn names() -> impl Iterator<Item = &'static str> {
        Toy2d::NAMES.iter().copied().chain([MNIST])
    }

    /// The side of the square images, for an image data set.
    pub fn image_side(self) -> Option<usize> {
        match self {
            Self::Shape(_) => None,
            Self::Mnist => Some(images::SIDE),
        }
    }
}

impl From<Toy2d> for Dataset {
    fn from(shape: Toy2d) -> Self {
        Self::Shape(shape)
    }
}

impl fmt::Display for Dataset {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        out.write_str(self.name())
    }
}

impl FromStr for Dataset {
    type Err = String;

    /// The data set called `text`; the error lists the names.
    fn from_str(text: &str) -> Result<Self, String> {
        if text == MNIST {
            return Ok(Self::Mnist);
        }
        text.parse()
            .map(Self::Shape)
            .map_err(|_| not_one_of(text, Self::names()))
    }
}

impl From<Dataset> for String {
    fn from(dataset: Dataset) -> Self {
        dataset.name().to_string()
    }
}

impl TryFrom<String> for Dataset {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        text.parse()
    }
}

impl Dataset {
    /// `rows` draws of the source ρ₀ in R^dim, row-major: N(0, I_dim), or for images
    /// U[0, 0.5]^dim (docs/method.md §5, MNIST column).
    pub fn source_sample(self, dim: usize, rows: usize, rng: &mut Rng) -> Vec<f32> {
        let count = rows * dim;
        match self {
            Self::Shape(_) => rng.normal_vec(count),
            Self::Mnist => rng
                .uniform_vec(count)
                .into_iter()
                .map(|u| 0.5 * u)
                .collect(),
        }
    }
}

/// A finite sample of the target law Q, row-major `[len, dim]`.
#[derive(Clone, Debug)]
pub struct DataPool {
    pub points: Vec<f32>,
    pub dim: usize,
}

impl DataPool {
    /// `len` points of `dataset`, embedded in the first two coordinates of R^dim.
    pub fn generate(dataset: Toy2d, len: usize, dim: usize, rng: &mut Rng) -> Self {
        Self {
            points: embed::embed(&dataset.sample(len, rng), dim),
            dim,
        }
    }

    /// `len` points of a target in R^dim: the user's `points` when given (drawn with
    /// replacement), else `dataset` (MNIST digits drawn with replacement from the training
    /// split, [`images::Split::Training`], in their own dimension).
    pub fn for_target(
        dataset: Dataset,
        points: Option<&[[f32; 2]]>,
        dim: usize,
        len: usize,
        rng: &mut Rng,
    ) -> Result<Self, String> {
        Ok(match (points, dataset) {
            (Some(points), _) if !points.is_empty() => {
                let plane: Vec<f32> = (0..len)
                    .flat_map(|_| points[rng.below(points.len())])
                    .collect();
                Self {
                    points: embed::embed(&plane, dim),
                    dim,
                }
            }
            (_, Dataset::Shape(shape)) => Self::generate(shape, len, dim, rng),
            (_, Dataset::Mnist) => {
                let digits = images::mnist()?;
                let training = digits.indices(images::Split::Training);
                let points = (0..len)
                    .flat_map(|_| digits.pixels(training[rng.below(training.len())]))
                    .collect();
                Self {
                    points,
                    dim: images::PIXELS,
                }
            }
        })
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
