//! The convolutional networks of paper A's MNIST experiment (docs/method.md §5), with forward pass
//! *and* analytic input gradient (docs/method.md §7).
//!
//! Each block is h_l = maxpool₂(σ(conv_{W_l}(h_{l−1}))): k×k kernels (the paper's 7×7 with 8
//! channels, twice, and σ = ReLU, [`ConvLayout::paper`]), SAME padding, no bias. The pooled
//! features, flattened and joined with any extra inputs (the time t of U_θ), feed an [`Mlp`] head
//! with the same σ. The input gradient is the backward formula computed forward:
//! - through the head, [`Mlp::input_gradient`];
//! - through max-pooling, the upstream gradient upsampled (nearest) times the mask
//!   [a = upsample(maxpool(a))], a = σ(z), held constant;
//! - through σ: for ReLU the mask \[z > 0\] (merged with the pooling mask: a window whose maximum
//!   is 0 passes no gradient); for tanh the factor 1 − a², which depends on x, so that the
//!   gradient field is smooth;
//! - through the convolution, the transposed convolution with the same weights.
//!
//! Every weight is held as a matrix (a kernel `[out, in·k·k]`, reshaped when used), so the one
//! [`super::Adam`] of the model serves conv and dense layers alike.

use burn::tensor::module::{conv_transpose2d, conv2d, max_pool2d};
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions, MaxPoolOptions};
use burn::tensor::{Bool, DType, Device, Tensor};

use super::mlp::{Activation, ForwardPass, Mlp, glorot_normal, tanh};
use super::tensor_io::matrix;
use crate::rng::Rng;

/// The convolutional blocks of an image network: the side of every kernel, each block's output
/// channels (one block per entry, each halving the image's side; none: a dense network on the
/// pixels) and the nonlinearity σ of the blocks and the head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvLayout {
    /// k: every convolution is k×k (odd, so that SAME padding is k/2 on each side).
    pub kernel: usize,
    /// Output channels of block 1, 2, ….
    pub channels: Vec<usize>,
    /// σ.
    pub activation: Activation,
}

impl ConvLayout {
    /// The paper's MNIST networks: two blocks of 7×7 ReLU convolutions with 8 channels.
    pub fn paper() -> Self {
        Self {
            kernel: 7,
            channels: vec![8, 8],
            activation: Activation::Relu,
        }
    }

    /// Flattened features after the blocks on a `side`×`side` image: c_last · (side / 2^blocks)².
    pub fn features(&self, side: usize) -> usize {
        let pooled = side >> self.channels.len();
        self.channels.last().copied().unwrap_or(1) * pooled * pooled
    }

    /// Stride 1 and padding k/2: TensorFlow's SAME for an odd kernel.
    fn same_padding(&self) -> ConvOptions<2> {
        ConvOptions::new([1, 1], [self.kernel / 2; 2], [1, 1], 1)
    }

    /// The transpose of [`ConvLayout::same_padding`]'s convolution, mapping its output back to its
    /// input size.
    fn same_padding_transposed(&self) -> ConvTransposeOptions<2> {
        ConvTransposeOptions::new([1, 1], [self.kernel / 2; 2], [0, 0], [1, 1], 1)
    }
}

/// An image network: conv–ReLU–maxpool blocks ([`ConvLayout`]), then a dense ReLU head.
#[derive(Clone, Debug)]
pub struct ConvNet {
    /// One kernel per block, `[out, in·k·k]`.
    pub kernels: Vec<Tensor<2>>,
    /// The head on the flattened features joined with the extra inputs.
    pub head: Mlp,
    layout: ConvLayout,
    /// Side of the square single-channel input image.
    side: usize,
    /// Inputs after the image's pixels, joined to the features (1 for U_θ's time, 0 for φ_ω).
    extra: usize,
}

/// How the gradient passes back through one block's σ and max-pooling, `[batch, c, s, s]`.
enum Through {
    /// ReLU: where nothing passes (off the window's maximum, or z ≤ 0).
    Blocked(Tensor<4, Bool>),
    /// tanh: the pooling mask times 1 − a².
    Factor(Tensor<4>),
}

/// What a forward pass keeps for the input-gradient pass.
pub struct ConvPass {
    /// `[batch, outputs]`: the network's value.
    pub output: Tensor<2>,
    /// Per block, how the gradient passes back through σ and max-pooling.
    through: Vec<Through>,
    head: ForwardPass,
}

impl ConvPass {
    /// The head's last hidden layer, `[batch, width]`: the features its output layer reads.
    pub fn penultimate(&self) -> Tensor<2> {
        self.head.penultimate()
    }
}

impl ConvNet {
    /// Glorot-normal kernels (fans in·k², out·k², as Keras) and a Glorot-normal head with zero
    /// biases and `outputs` outputs, as the paper. The input is a `side`×`side` image followed by
    /// `extra` values.
    #[allow(
        clippy::too_many_arguments,
        reason = "the architecture, then where it lives"
    )]
    pub fn glorot(
        side: usize,
        extra: usize,
        layout: &ConvLayout,
        head_widths: &[usize],
        outputs: usize,
        rng: &mut Rng,
        device: &Device,
        dtype: DType,
    ) -> Self {
        let mut kernels = Vec::with_capacity(layout.channels.len());
        let mut channels_in = 1;
        let area = layout.kernel * layout.kernel;
        for &channels in &layout.channels {
            let weights = glorot_normal(
                channels_in * area,
                channels * area,
                channels * channels_in * area,
                rng,
            );
            kernels.push(matrix(weights, channels, channels_in * area, device, dtype));
            channels_in = channels;
        }
        let head = Mlp::glorot_map(
            layout.features(side) + extra,
            head_widths,
            outputs,
            layout.activation,
            rng,
            device,
            dtype,
        );
        Self {
            kernels,
            head,
            layout: layout.clone(),
            side,
            extra,
        }
    }

    /// Input width: the pixels and the extra inputs.
    pub fn input_dim(&self) -> usize {
        self.side * self.side + self.extra
    }

    /// The kernel of a block as `[out, in, k, k]`.
    fn kernel(&self, block: usize) -> Tensor<4> {
        let [out, fan_in] = self.kernels[block].dims();
        let k = self.layout.kernel;
        self.kernels[block]
            .clone()
            .reshape([out, fan_in / (k * k), k, k])
    }

    /// The network's value on `input`: `[batch, side² + extra]`.
    pub fn forward(&self, input: Tensor<2>) -> ConvPass {
        let [batch, _] = input.dims();
        let pixels = self.side * self.side;
        let mut h: Tensor<4> = input
            .clone()
            .narrow(1, 0, pixels)
            .reshape([batch, 1, self.side, self.side]);
        let blocks = self.kernels.len();
        let mut through = Vec::with_capacity(blocks);
        for block in 0..blocks {
            let z = conv2d(h, self.kernel(block), None, self.layout.same_padding());
            let a = match self.layout.activation {
                Activation::Relu => burn::tensor::activation::relu(z),
                Activation::Tanh => tanh(z),
            };
            let pooled = max_pool2d(a.clone(), MaxPoolOptions::new([2, 2]));
            let is_window_max = a.clone().equal(upsample(pooled.clone().detach()));
            through.push(match self.layout.activation {
                Activation::Relu => {
                    Through::Blocked(is_window_max.bool_and(a.greater_elem(0.0)).bool_not())
                }
                Activation::Tanh => Through::Factor(
                    a.square()
                        .neg()
                        .add_scalar(1.0)
                        .mask_fill(is_window_max.bool_not(), 0.0),
                ),
            });
            h = pooled;
        }
        let features = self.layout.features(self.side);
        let mut head_input: Tensor<2> = h.reshape([batch, features]);
        if self.extra > 0 {
            head_input = Tensor::cat(vec![head_input, input.narrow(1, pixels, self.extra)], 1);
        }
        let head = self.head.forward(head_input);
        ConvPass {
            output: head.output.clone(),
            through,
            head,
        }
    }

    /// ∇ of the output with respect to the input, `[batch, side² + extra]`.
    pub fn input_gradient(&self, pass: &ConvPass) -> Tensor<2> {
        let g_head = self.head.input_gradient(&pass.head); // [batch, features + extra]
        let [batch, _] = g_head.dims();
        let features = self.layout.features(self.side);
        let pooled_side = self.side >> self.kernels.len();
        let channels = self.kernels.last().map_or(1, |k| k.dims()[0]);
        let mut g: Tensor<4> = g_head.clone().narrow(1, 0, features).reshape([
            batch,
            channels,
            pooled_side,
            pooled_side,
        ]);
        for block in (0..self.kernels.len()).rev() {
            let upstream = upsample(g);
            let through_pool = match &pass.through[block] {
                Through::Blocked(blocked) => upstream.mask_fill(blocked.clone(), 0.0),
                Through::Factor(factor) => upstream.mul(factor.clone()),
            };
            g = conv_transpose2d(
                through_pool,
                self.kernel(block),
                None,
                self.layout.same_padding_transposed(),
            );
        }
        let g_pixels: Tensor<2> = g.reshape([batch, self.side * self.side]);
        if self.extra == 0 {
            return g_pixels;
        }
        Tensor::cat(vec![g_pixels, g_head.narrow(1, features, self.extra)], 1)
    }

    /// Every kernel, then the head's weights and biases.
    pub fn parameters(&self) -> Vec<Tensor<2>> {
        self.kernels
            .iter()
            .cloned()
            .chain(self.head.parameters())
            .collect()
    }

    /// The parameters mapped through `f` (move to a device, cast, track gradients, detach…).
    pub fn map(&self, f: impl Fn(Tensor<2>) -> Tensor<2>) -> Self {
        self.with_parameters(self.parameters().into_iter().map(f).collect())
    }

    /// The same architecture holding `parameters` (in the order of [`ConvNet::parameters`]).
    pub fn with_parameters(&self, parameters: Vec<Tensor<2>>) -> Self {
        let mut values = parameters;
        let head = values.split_off(self.kernels.len());
        Self {
            kernels: values,
            head: self.head.with_parameters(head),
            ..self.clone()
        }
    }
}

/// Nearest-neighbour upsampling by 2: each value fills its 2×2 window. `[b, c, s, s]` → `[b, c, 2s, 2s]`.
fn upsample(x: Tensor<4>) -> Tensor<4> {
    let [b, c, h, w] = x.dims();
    x.reshape([b, c, h, 1, w, 1])
        .expand([b, c, h, 2, w, 2])
        .reshape([b, c, 2 * h, 2 * w])
}
