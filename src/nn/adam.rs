//! Adam (Kingma & Ba) over a list of parameter tensors, with the paper's β = (0.5, 0.9).
//!
//! Written here rather than through burn's `Module`/`Optimizer` so that the learning rate can
//! change between steps (live controls in the page) and the parameter list stays explicit.

use burn::tensor::{Gradients, Tensor};

/// Moment estimates of one parameter list.
#[derive(Clone, Debug)]
pub struct Adam {
    beta1: f64,
    beta2: f64,
    epsilon: f64,
    /// (m, v) per parameter, created on the first step.
    moments: Vec<(Tensor<2>, Tensor<2>)>,
    steps: i32,
}

impl Adam {
    /// β₁ = 0.5, β₂ = 0.9 as the paper; ε = 1e-7 as Keras.
    pub fn paper() -> Self {
        Self { beta1: 0.5, beta2: 0.9, epsilon: 1e-7, moments: Vec::new(), steps: 0 }
    }

    /// One step θ ← θ − lr·m̂/(√v̂ + ε) for each tracked parameter; returns the new parameters,
    /// tracked again. A parameter the loss does not reach keeps its value.
    pub fn step(&mut self, parameters: Vec<Tensor<2>>, gradients: &Gradients, learning_rate: f64) -> Vec<Tensor<2>> {
        self.steps += 1;
        let correction1 = 1.0 - self.beta1.powi(self.steps);
        let correction2 = 1.0 - self.beta2.powi(self.steps);
        if self.moments.is_empty() {
            self.moments = parameters
                .iter()
                .map(|p| {
                    let zeros = p.clone().inner().zeros_like();
                    (zeros.clone(), zeros)
                })
                .collect();
        }
        parameters
            .into_iter()
            .zip(self.moments.iter_mut())
            .map(|(parameter, (m, v))| {
                let Some(g) = parameter.grad(gradients) else {
                    return parameter;
                };
                *m = m.clone().mul_scalar(self.beta1).add(g.clone().mul_scalar(1.0 - self.beta1));
                *v = v.clone().mul_scalar(self.beta2).add(g.square().mul_scalar(1.0 - self.beta2));
                let denominator = v.clone().div_scalar(correction2).sqrt().add_scalar(self.epsilon);
                let update = m.clone().div(denominator).mul_scalar(learning_rate / correction1);
                parameter.inner().sub(update).autodiff().require_grad()
            })
            .collect()
    }
}
