//! q(t), the coefficient of U's quadratic term ½·q(t)·|x|² (docs/method.md §15), bounded so that
//! no Euler step of the term carries a point through the plane x = 0.
//!
//! In the step x_{k+1} = x_k − (Δt/λ)·(∇ₓN + q(t_k)·x_k) the term scales x_k by 1 − c(t_k), with
//! c = Δt·q/λ the step's contraction. The network n(t) gives the contraction c(t) = tanh(n(t)),
//! so q(t) = (λ/Δt)·tanh(n(t)) and q′(t) = (λ/Δt)·(1 − tanh²(n(t)))·n′(t): the factor 1 − c stays
//! in (0, 2), and a term whose output layer starts at zero starts as 0.

use burn::tensor::Tensor;

use crate::nn::{Network, tanh};

/// q(t) = q_max·tanh(n(t)) with q_max = λ/Δt of the scheme U is trained on
/// ([`crate::flow::EulerScheme::quadratic_bound`]).
#[derive(Clone, Debug)]
pub struct QuadraticCoefficient {
    /// n(t), a network on t alone.
    pub net: Network,
    /// q_max = λ/Δt.
    pub bound: f64,
}

/// q(t) and q′(t) at a column of times.
pub struct CoefficientAtTimes {
    /// `[batch, 1]`
    pub value: Tensor<2>,
    /// `[batch, 1]`
    pub derivative: Tensor<2>,
}

impl QuadraticCoefficient {
    /// The same n(t) with q_max = `bound` (λ applies live, so q_max follows it and the step's
    /// contraction c(t) stays what n(t) learned).
    pub fn with_bound(&self, bound: f64) -> Self {
        Self {
            net: self.net.clone(),
            bound,
        }
    }

    /// q(t) and q′(t) for `time`: `[batch, 1]`.
    pub fn at(&self, time: Tensor<2>) -> CoefficientAtTimes {
        let pass = self.net.forward(time);
        let n_prime = self.net.input_gradient(&pass);
        let contraction = tanh(pass.output);
        let slope = contraction.clone().square().neg().add_scalar(1.0);
        CoefficientAtTimes {
            value: contraction.mul_scalar(self.bound),
            derivative: n_prime.mul(slope).mul_scalar(self.bound),
        }
    }

    /// The same bound holding n's `parameters`.
    pub fn with_parameters(&self, parameters: Vec<Tensor<2>>) -> Self {
        Self {
            net: self.net.with_parameters(parameters),
            bound: self.bound,
        }
    }
}
