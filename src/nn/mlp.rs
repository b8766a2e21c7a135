//! Multilayer perceptron with forward pass *and* analytic input gradient (docs/method.md §7).
//!
//! Row vectors, W_l is in×out: h₀ = s; z_l = h_{l−1}W_l + b_l; h_l = σ(z_l) for l = 1..n;
//! y = h_n w + c. The input gradient is the backward formula computed forward:
//! g_n = wᵀ; δ_l = g_l ⊙ σ'(z_l); g_{l−1} = δ_l W_lᵀ; ∇_s y = g₀.
//! For tanh σ'(z_l) = 1 − h_l²; for ReLU it is the mask \[z_l > 0\], held constant.

use burn::tensor::{DType, Device, Tensor};

use super::tensor_io::matrix;
use crate::rng::Rng;

/// The hidden-layer nonlinearity σ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Activation {
    /// tanh: smooth, used by the potential U_θ so that ∇ₓU is differentiable in x.
    Tanh,
    /// ReLU: used by the critic φ_ω, as in the paper.
    Relu,
}

crate::names::named!(Activation, [Tanh => "tanh", Relu => "relu"]);

/// One affine layer z = hW + b.
#[derive(Clone, Debug)]
pub struct Dense {
    /// `[in, out]`
    pub weight: Tensor<2>,
    /// `[1, out]`
    pub bias: Tensor<2>,
}

/// An MLP: hidden layers with `activation`, then a linear output (width 1 for U_θ and φ_ω, the
/// data dimension for paper B's generator g_θ).
#[derive(Clone, Debug)]
pub struct Mlp {
    pub layers: Vec<Dense>,
    pub activation: Activation,
}

/// What a forward pass keeps for the input-gradient pass.
pub struct ForwardPass {
    /// `[batch, outputs]`: the network's value.
    pub output: Tensor<2>,
    /// h_1..h_n, each `[batch, width]`.
    hidden: Vec<Tensor<2>>,
}

impl ForwardPass {
    /// h_n, `[batch, width]`: the features the output layer reads (an MLP has at least one
    /// hidden layer wherever this is asked).
    pub fn penultimate(&self) -> Tensor<2> {
        self.hidden
            .last()
            .expect("a network with a hidden layer")
            .clone()
    }
}

impl Mlp {
    /// Glorot-normal weights (Keras' `glorot_normal`: a normal truncated at two standard
    /// deviations, scaled to variance 2/(fan_in + fan_out)) and zero biases, as the paper.
    /// `widths` lists the hidden widths; the output has width 1.
    pub fn glorot(
        input: usize,
        widths: &[usize],
        activation: Activation,
        rng: &mut Rng,
        device: &Device,
        dtype: DType,
    ) -> Self {
        Self::glorot_map(input, widths, 1, activation, rng, device, dtype)
    }

    /// As [`Mlp::glorot`] with an output of width `outputs`: a map R^input → R^outputs.
    pub fn glorot_map(
        input: usize,
        widths: &[usize],
        outputs: usize,
        activation: Activation,
        rng: &mut Rng,
        device: &Device,
        dtype: DType,
    ) -> Self {
        let mut fans: Vec<usize> = vec![input];
        fans.extend_from_slice(widths);
        fans.push(outputs);
        let layers = fans
            .windows(2)
            .map(|pair| {
                let (fan_in, fan_out) = (pair[0], pair[1]);
                Dense {
                    weight: matrix(
                        glorot_normal(fan_in, fan_out, fan_in * fan_out, rng),
                        fan_in,
                        fan_out,
                        device,
                        dtype,
                    ),
                    bias: matrix(vec![0.0; fan_out], 1, fan_out, device, dtype),
                }
            })
            .collect();
        Self { layers, activation }
    }

    /// The same network with its output layer set to zero, so that its value is 0 everywhere
    /// and so is its input gradient: for U_θ, v = −∇ₓU/λ = 0 and the flow starts as the
    /// identity map.
    pub fn with_zero_output(mut self) -> Self {
        if let Some(output) = self.layers.last_mut() {
            output.weight = output.weight.zeros_like();
            output.bias = output.bias.zeros_like();
        }
        self
    }

    /// Input dimension.
    pub fn input_dim(&self) -> usize {
        self.layers[0].weight.dims()[0]
    }

    /// y = h_n w + c, keeping h_1..h_n. `input`: `[batch, in]`.
    pub fn forward(&self, input: Tensor<2>) -> ForwardPass {
        let (last, hidden_layers) = self
            .layers
            .split_last()
            .expect("an MLP has an output layer");
        let mut hidden = Vec::with_capacity(hidden_layers.len());
        let mut h = input;
        for layer in hidden_layers {
            let z = h.matmul(layer.weight.clone()).add(layer.bias.clone());
            h = match self.activation {
                Activation::Tanh => tanh(z),
                Activation::Relu => burn::tensor::activation::relu(z),
            };
            hidden.push(h.clone());
        }
        let output = h.matmul(last.weight.clone()).add(last.bias.clone());
        ForwardPass { output, hidden }
    }

    /// ∇_s y for every row of the batch, `[batch, in]`, from a forward pass's activations
    /// (scalar-valued networks only).
    pub fn input_gradient(&self, pass: &ForwardPass) -> Tensor<2> {
        let (last, hidden_layers) = self
            .layers
            .split_last()
            .expect("an MLP has an output layer");
        debug_assert_eq!(
            last.weight.dims()[1],
            1,
            "the input gradient of a scalar-valued network"
        );
        // g_n = wᵀ, a [1, width] row broadcast over the batch.
        let mut g = last.weight.clone().transpose();
        for (layer, h) in hidden_layers.iter().zip(&pass.hidden).rev() {
            let delta = match self.activation {
                // δ = g ⊙ (1 − h²)
                Activation::Tanh => h.clone().square().neg().add_scalar(1.0).mul(g),
                // δ = g ⊙ [z > 0]; h = relu(z) > 0 exactly where z > 0.
                Activation::Relu => {
                    let inactive = h.clone().lower_equal_elem(0.0);
                    g.expand(h.shape()).mask_fill(inactive, 0.0)
                }
            };
            g = delta.matmul(layer.weight.clone().transpose());
        }
        g
    }

    /// Every weight and bias, in layer order (weight, bias, weight, bias, …).
    pub fn parameters(&self) -> Vec<Tensor<2>> {
        self.layers
            .iter()
            .flat_map(|l| [l.weight.clone(), l.bias.clone()])
            .collect()
    }

    /// The same architecture holding `parameters` (in the order of [`Mlp::parameters`]).
    pub fn with_parameters(&self, parameters: Vec<Tensor<2>>) -> Self {
        let mut values = parameters.into_iter();
        let layers = self
            .layers
            .iter()
            .map(|_| Dense {
                weight: values.next().expect("a weight per layer"),
                bias: values.next().expect("a bias per layer"),
            })
            .collect();
        Self {
            layers,
            activation: self.activation,
        }
    }

    /// The parameters mapped through `f` (move to a device, cast, track gradients, detach…).
    pub fn map(&self, f: impl Fn(Tensor<2>) -> Tensor<2>) -> Self {
        self.with_parameters(self.parameters().into_iter().map(f).collect())
    }

    /// A copy whose operations record no autodiff graph: the frozen network of the other player.
    pub fn frozen(&self) -> Self {
        self.map(|p| p.inner())
    }
}

/// tanh(z) = 1 − 2/(e^{2z} + 1) (docs/method.md §11), on CPU backends much faster than their
/// scalar `tanh`. z is first capped at 20, where tanh is 1 to
/// f32 precision: uncapped, e^{2z} overflows for z > 44 and the backward pass of the formula
/// would multiply 0 by ∞. Far below zero e^{2z} underflows to 0, which is harmless both ways, so
/// there is no lower bound (a two-sided clamp costs the CPU backend 8× a one-sided one).
pub(crate) fn tanh<const D: usize>(z: Tensor<D>) -> Tensor<D> {
    z.clamp_max(20.0)
        .mul_scalar(2.0)
        .exp()
        .add_scalar(1.0)
        .recip()
        .mul_scalar(-2.0)
        .add_scalar(1.0)
}

/// `count` Glorot-normal weights of a layer with fans (`fan_in`, `fan_out`): Keras'
/// `glorot_normal`, a normal truncated at two standard deviations, scaled to variance
/// 2/(fan_in + fan_out).
pub(super) fn glorot_normal(
    fan_in: usize,
    fan_out: usize,
    count: usize,
    rng: &mut Rng,
) -> Vec<f32> {
    // The standard deviation of N(0,1) truncated to [−2, 2].
    const TRUNCATED_STD: f64 = 0.879_625_661_034_239_8;
    let std = (2.0 / (fan_in + fan_out) as f64).sqrt() / TRUNCATED_STD;
    (0..count)
        .map(|_| (truncated_normal(rng) * std) as f32)
        .collect()
}

/// A standard normal sample conditioned on |z| ≤ 2 (rejection).
fn truncated_normal(rng: &mut Rng) -> f64 {
    loop {
        let z = rng.normal();
        if z.abs() <= 2.0 {
            return z;
        }
    }
}
