//! Semi-discrete entropic optimal transport (paper B, Houdard–Leclaire–Papadakis–Rabin;
//! docs/method.md §9): the cost of moving a continuous law μ onto data ν = Σ_j ν_j δ_{y_j}, with
//! ν_j = 1/J and c(x, y) = s·|x − y|² (s = 1, or 1/mean_j |y_j|² when normalised).
//!
//! The semi-dual W_c^λ(μ, ν) = max_ψ H_λ(ψ), H_λ(ψ) = ∫ψ^{c,λ} dμ + Σ_j ν_j ψ_j, with the
//! (c,λ)-transform
//!   ψ^{c,λ}(x) = −λ log Σ_j ν_j exp((ψ_j − c(x, y_j))/λ)        (λ > 0, docs/method.md §9)
//!   ψ^c(x)     = min_j c(x, y_j) − ψ_j                            (λ = 0)
//! and the soft assignments χ_j(x) = ν_j e^{(ψ_j − c(x,y_j))/λ} / Σ_k ν_k e^{(ψ_k − c(x,y_k))/λ}
//! (one-hot of the Laguerre cell at λ = 0). For λ > 0, θ ↦ W_c^λ(g_θ#ζ, ν) is C¹ with
//! ∇_θ W = E_z[Σ_j χ_j(g_θ(z)) ∂_θ c(g_θ(z), y_j)]: the gradient of mean_b ψ^{c,λ}(g_θ(z_b)) with
//! ψ held fixed, so burn's autodiff of [`SemiDiscreteOt::transform`] is the theorem's formula.
//!
//! ψ is found by averaged stochastic gradient ascent on H_λ (docs/method.md §9):
//! G_j = ν_j − mean_b χ_j(x_b); ψ ← ψ + (C/√k)·G/ν̄ (ν̄ = 1/J: C is measured per unit of
//! *relative* mass error, so one C suits any J); ψ̄ the running mean; finally ψ ← ψ̄.

use burn::tensor::{DType, Device, Tensor};

use crate::nn::tensor_io::matrix;

/// λ, C and the cost's normalisation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OtSettings {
    /// λ ≥ 0: the entropic regularisation.
    pub lambda: f64,
    /// C of the ascent step C/√k.
    pub step: f64,
    /// Divide the cost by the data's mean squared norm.
    pub normalise_cost: bool,
}

/// The data side of the problem and the current dual vector ψ.
#[derive(Clone, Debug)]
pub struct SemiDiscreteOt {
    /// y_j, `[J, d]`, without autodiff.
    data: Tensor<2>,
    /// |y_j|², `[1, J]`.
    data_norms: Tensor<2>,
    /// ψ, `[1, J]`, without autodiff.
    pub psi: Tensor<2>,
    /// λ ≥ 0: the entropic regularisation (0: unregularised, hard Laguerre cells).
    pub lambda: f64,
    /// s in c(x, y) = s·|x − y|².
    pub cost_scale: f64,
    /// C of the ascent step C/√k.
    pub step: f64,
    /// y_j on the host, row-major `[J, d]`.
    points: Vec<f32>,
}

impl SemiDiscreteOt {
    /// The problem towards `points` (row-major `[J, dim]`) on `device` (its autodiff is not
    /// used), with ψ = 0. `normalise_cost` divides the cost by the data's mean squared norm, so
    /// that λ and C mean the same at any scale.
    pub fn new(
        points: &[f32],
        dim: usize,
        device: &Device,
        dtype: DType,
        settings: OtSettings,
    ) -> Self {
        let rows = points.len() / dim;
        let cost_scale = if settings.normalise_cost {
            let mean_norm = points.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / rows as f64;
            1.0 / mean_norm.max(1e-12)
        } else {
            1.0
        };
        let data = matrix(points.to_vec(), rows, dim, &device.clone().inner(), dtype);
        let data_norms = data.clone().square().sum_dim(1).transpose(); // [1, J]
        let psi = data_norms.zeros_like();
        Self {
            data,
            data_norms,
            psi,
            lambda: settings.lambda,
            cost_scale,
            step: settings.step,
            points: points.to_vec(),
        }
    }

    /// J, the number of data points.
    pub fn len(&self) -> usize {
        self.data.dims()[0]
    }

    /// Never true: a problem has at least one data point.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The data points y_j on the host, row-major `[J, d]`.
    pub fn points(&self) -> &[f32] {
        &self.points
    }

    /// The data points y_j, `[J, d]`.
    pub fn data(&self) -> Tensor<2> {
        self.data.clone()
    }

    /// c(x_b, y_j) = s·(|x_b|² + |y_j|² − 2 x_b·y_j), `[B, J]`.
    pub fn cost(&self, x: Tensor<2>) -> Tensor<2> {
        let x_norms = x.clone().square().sum_dim(1); // [B, 1]
        let cross = x.matmul(self.data.clone().transpose()); // [B, J]
        cross
            .mul_scalar(-2.0)
            .add(x_norms)
            .add(self.data_norms.clone())
            .mul_scalar(self.cost_scale)
    }

    /// c(x, y_j) − ψ_j, `[B, J]`: the quantity whose (soft) minimum over j is the transform.
    fn reduced_cost(&self, x: Tensor<2>) -> Tensor<2> {
        self.cost(x).sub(self.psi.clone())
    }

    /// ψ^{c,λ}(x) for every row, `[B, 1]`, by a stable log-sum-exp (the hard c-transform at λ = 0).
    pub fn transform(&self, x: Tensor<2>) -> Tensor<2> {
        let reduced = self.reduced_cost(x);
        if self.lambda == 0.0 {
            return reduced.min_dim(1);
        }
        // −λ log Σ_j (1/J) e^{−r_j/λ} = m − λ log Σ_j e^{−(r_j − m)/λ} + λ log J, m = min_j r_j.
        let lowest = reduced.clone().min_dim(1).detach(); // [B, 1]
        let sum = reduced
            .sub(lowest.clone())
            .div_scalar(-self.lambda)
            .exp()
            .sum_dim(1);
        lowest
            .sub(sum.log().mul_scalar(self.lambda))
            .add_scalar(self.lambda * (self.len() as f64).ln())
    }

    /// χ_j(x): the soft assignment of every row to every data point, `[B, J]`, rows summing to 1
    /// (one-hot of the Laguerre cell at λ = 0).
    pub fn assignments(&self, x: Tensor<2>) -> Tensor<2> {
        let reduced = self.reduced_cost(x);
        if self.lambda == 0.0 {
            let dtype = reduced.dtype();
            let cell = reduced.argmin(1).squeeze_dim::<1>(1); // [B]
            return cell.one_hot::<2>(self.len()).float().cast(dtype);
        }
        burn::tensor::activation::softmax(reduced.div_scalar(-self.lambda), 1)
    }

    /// Σ_j χ_j(x) y_j: where each row is pulled, `[B, d]`.
    pub fn barycentres(&self, x: Tensor<2>) -> Tensor<2> {
        self.assignments(x).matmul(self.data.clone())
    }

    /// ∇ψ^{c,λ}(x) = Σ_j χ_j(x) ∇ₓc(x, y_j) = 2s·(x − Σ_j χ_j y_j), `[B, d]`.
    pub fn transform_gradient(&self, x: Tensor<2>) -> Tensor<2> {
        x.clone()
            .sub(self.barycentres(x))
            .mul_scalar(2.0 * self.cost_scale)
    }

    /// ∂H_λ/∂ψ_j estimated on the batch: G_j = ν_j − mean_b χ_j(x_b), `[1, J]`.
    pub fn dual_gradient(&self, x: Tensor<2>) -> Tensor<2> {
        self.assignments(x)
            .mean_dim(0)
            .neg()
            .add_scalar(1.0 / self.len() as f64)
    }

    /// H_λ(ψ) on the batch: mean_b ψ^{c,λ}(x_b) + Σ_j ν_j ψ_j, `[1]`. At the optimal ψ it is
    /// W_c^λ(μ, ν); at any ψ a lower bound of it.
    pub fn dual_value(&self, x: Tensor<2>) -> Tensor<1> {
        self.transform(x).mean().add(self.psi.clone().mean())
    }

    /// max_j |mean_b χ_j(x_b) − ν_j| / ν_j, `[1]`: how far ψ is from balancing the cells (0 at the
    /// optimum of the batch's problem).
    pub fn marginal_error(&self, x: Tensor<2>) -> Tensor<1> {
        self.dual_gradient(x)
            .abs()
            .max()
            .mul_scalar(self.len() as f64)
    }

    /// Averaged stochastic gradient ascent on H_λ from the current ψ (a warm start): one step per
    /// batch (each `[B, d]`, without autodiff), k = 1, 2, …, then ψ ← the Polyak average ψ̄.
    pub fn ascend(&mut self, batches: impl IntoIterator<Item = Tensor<2>>) {
        let relative_step = self.step * self.len() as f64; // C/ν̄
        let mut average: Option<Tensor<2>> = None;
        for (index, x) in batches.into_iter().enumerate() {
            let k = (index + 1) as f64;
            let gradient = self.dual_gradient(x.inner());
            self.psi = self
                .psi
                .clone()
                .add(gradient.mul_scalar(relative_step / k.sqrt()));
            average = Some(match average {
                None => self.psi.clone(),
                Some(mean) => mean
                    .mul_scalar((k - 1.0) / k)
                    .add(self.psi.clone().mul_scalar(1.0 / k)),
            });
        }
        if let Some(mean) = average {
            self.psi = mean;
        }
    }
}
