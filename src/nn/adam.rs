//! Adam (Kingma & Ba) over a list of parameter tensors, with the paper's β = (0.5, 0.9).
//!
//! Written here rather than through burn's `Module`/`Optimizer` so that the learning rate can
//! change between steps (live controls in the page) and the parameter list stays explicit. The
//! parameters and their gradients are laid end to end in one row, so that a step is a dozen
//! tensor operations however many layers there are (on the CPU each costs microseconds; on WebGPU
//! each is a dispatch).

use burn::tensor::{Gradients, Tensor};

/// Moment estimates of one parameter list.
#[derive(Clone, Debug)]
pub struct Adam {
    beta1: f64,
    beta2: f64,
    epsilon: f64,
    /// (m, v) over every parameter end to end, `[1, count]`, created on the first step.
    moments: Option<(Tensor<2>, Tensor<2>)>,
    steps: i32,
}

impl Adam {
    /// (β₁, β₂, ε) = (0.5, 0.9, 1e-7): β as the paper, ε on √v̂ (Keras' default). The released
    /// code's TensorFlow 1 optimiser adds 1e-8 to √v, which at these gradient sizes changes
    /// nothing.
    pub const PAPER: (f64, f64, f64) = (0.5, 0.9, 1e-7);

    /// Adam with [`Adam::PAPER`]'s constants.
    pub fn paper() -> Self {
        let (beta1, beta2, epsilon) = Self::PAPER;
        Self {
            beta1,
            beta2,
            epsilon,
            moments: None,
            steps: 0,
        }
    }

    /// Steps taken (t in the bias corrections 1 − βᵗ) and the moments (m, v), `[1, count]`
    /// each, which exist from the first step on.
    pub fn state(&self) -> (i32, Option<(Tensor<2>, Tensor<2>)>) {
        (self.steps, self.moments.clone())
    }

    /// The same constants resumed at `steps` steps with `moments` (a saved model's).
    pub fn resumed(&self, steps: i32, moments: Option<(Tensor<2>, Tensor<2>)>) -> Self {
        Self {
            steps,
            moments,
            ..self.clone()
        }
    }

    /// One step θ ← θ − lr·m̂/(√v̂ + ε) for each tracked parameter; returns the new parameters,
    /// tracked again. A parameter the loss does not reach has gradient zero (so, with zero
    /// moments, keeps its value).
    pub fn step(
        &mut self,
        parameters: Vec<Tensor<2>>,
        gradients: &Gradients,
        learning_rate: f64,
    ) -> Vec<Tensor<2>> {
        self.steps += 1;
        let correction1 = 1.0 - self.beta1.powi(self.steps);
        let correction2 = 1.0 - self.beta2.powi(self.steps);
        let shapes: Vec<[usize; 2]> = parameters.iter().map(|p| p.dims()).collect();
        let g = end_to_end(
            parameters
                .iter()
                .map(|p| {
                    p.grad(gradients)
                        .unwrap_or_else(|| p.clone().inner().zeros_like())
                })
                .collect(),
        );
        let theta = end_to_end(parameters.into_iter().map(|p| p.inner()).collect());
        let (m, v) = self
            .moments
            .get_or_insert_with(|| (g.zeros_like(), g.zeros_like()));
        *m = m
            .clone()
            .mul_scalar(self.beta1)
            .add(g.clone().mul_scalar(1.0 - self.beta1));
        *v = v
            .clone()
            .mul_scalar(self.beta2)
            .add(g.square().mul_scalar(1.0 - self.beta2));
        let denominator = v
            .clone()
            .div_scalar(correction2)
            .sqrt()
            .add_scalar(self.epsilon);
        let theta = theta.sub(
            m.clone()
                .div(denominator)
                .mul_scalar(learning_rate / correction1),
        );
        let mut offset = 0;
        shapes
            .into_iter()
            .map(|[rows, cols]| {
                let parameter = theta
                    .clone()
                    .narrow(1, offset, rows * cols)
                    .reshape([rows, cols]);
                offset += rows * cols;
                parameter.autodiff().require_grad()
            })
            .collect()
    }
}

/// The tensors' entries laid end to end in one row, `[1, Σ count]`.
fn end_to_end(tensors: Vec<Tensor<2>>) -> Tensor<2> {
    Tensor::cat(tensors.into_iter().map(|t| t.reshape([1, -1])).collect(), 1)
}

#[cfg(test)]
mod tests {
    use burn::tensor::{DType, Device, Tensor};

    use super::Adam;
    use crate::nn::tensor_io::{matrix, to_f64};

    /// With a constant gradient, m̂ = g and v̂ = g² at every step, so each entry moves by
    /// −lr·g/(|g| + ε) ≈ −lr·sign(g) a step. The gradients here differ in sign entry by entry and a
    /// parameter the loss never reaches sits between two that it does, so an entry that is read
    /// back into the wrong place, or a moved unreached parameter, fails.
    #[test]
    fn steps_move_each_entry_against_its_gradient_and_leave_unreached_parameters() {
        let device = Device::flex().autodiff();
        let matrix_of = |values: Vec<f32>, rows, cols| {
            matrix(values, rows, cols, &device, DType::F32).require_grad()
        };
        let weights_a = matrix(
            vec![3.0, -1.0, 2.0, -4.0, 0.5, 1.0],
            2,
            3,
            &device,
            DType::F32,
        );
        let weights_c = matrix(vec![-2.0, 5.0, 1.0], 3, 1, &device, DType::F32);
        let mut parameters = vec![
            matrix_of(vec![0.0; 6], 2, 3),
            matrix_of(vec![7.0, 8.0], 1, 2),
            matrix_of(vec![1.0; 3], 3, 1),
        ];
        let (mut adam, learning_rate, steps) = (Adam::paper(), 0.01, 2);
        for _ in 0..steps {
            let [a, _, c] = [
                parameters[0].clone(),
                parameters[1].clone(),
                parameters[2].clone(),
            ];
            let loss = a
                .mul(weights_a.clone())
                .sum()
                .add(c.mul(weights_c.clone()).sum()); // Σ w⊙θ: ∇ = w
            parameters = adam.step(parameters, &loss.backward(), learning_rate);
        }
        let moved =
            |start: f64, gradient: f64| start - steps as f64 * learning_rate * gradient.signum();
        let values: Vec<Vec<f64>> = parameters
            .into_iter()
            .map(|p: Tensor<2>| to_f64(p.inner()))
            .collect();
        let expected_a: Vec<f64> = [3.0, -1.0, 2.0, -4.0, 0.5, 1.0]
            .iter()
            .map(|&g| moved(0.0, g))
            .collect();
        let expected_c: Vec<f64> = [-2.0, 5.0, 1.0].iter().map(|&g| moved(1.0, g)).collect();
        for (got, expected) in [
            (&values[0], &expected_a),
            (&values[1], &vec![7.0, 8.0]),
            (&values[2], &expected_c),
        ] {
            for (g, e) in got.iter().zip(expected.iter()) {
                assert!((g - e).abs() < 1e-6, "{got:?} against {expected:?}");
            }
        }
    }
}
