//! The convolutional networks of paper A's MNIST experiment (docs/method.md §5), with forward pass
//! *and* analytic input gradient (docs/method.md §7).
//!
//! Each block is h_l = maxpool₂(relu(conv_{W_l}(h_{l−1}))): 7×7 kernels, SAME padding, no bias.
//! The pooled features, flattened and joined with any extra inputs (the time t of U_θ), feed a
//! ReLU [`Mlp`] head. The input gradient is the backward formula computed forward:
//! - through the head, [`Mlp::input_gradient`];
//! - through max-pooling, the upstream gradient upsampled (nearest) times the mask
//!   [a = upsample(maxpool(a))], a = relu(z), held constant;
//! - through the ReLU, the mask [z > 0] (merged with the pooling mask: a window whose maximum is 0
//!   passes no gradient);
//! - through the convolution, the transposed convolution with the same weights.
//!
//! Every weight is held as a matrix (a kernel `[out, in·k·k]`, reshaped when used), so the one
//! [`super::Adam`] of the model serves conv and dense layers alike.

use burn::tensor::module::{conv_transpose2d, conv2d, max_pool2d};
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions, MaxPoolOptions};
use burn::tensor::{Bool, DType, Device, Tensor};

use super::mlp::{Activation, ForwardPass, Mlp, glorot_normal};
use super::tensor_io::matrix;
use crate::rng::Rng;

/// The kernel side of every convolution (7×7).
pub const KERNEL: usize = 7;
/// Channels of every convolution's output.
pub const CHANNELS: usize = 8;
/// Convolution blocks before the dense head.
pub const BLOCKS: usize = 2;

/// An image network: [`BLOCKS`] conv–ReLU–maxpool blocks, then a dense ReLU head with one output.
#[derive(Clone, Debug)]
pub struct ConvNet {
    /// One kernel per block, `[out, in·k·k]`.
    pub kernels: Vec<Tensor<2>>,
    /// The head on the flattened features joined with the extra inputs.
    pub head: Mlp,
    /// Side of the square single-channel input image.
    side: usize,
    /// Inputs after the image's pixels, joined to the features (1 for U_θ's time, 0 for φ_ω).
    extra: usize,
}

/// What a forward pass keeps for the input-gradient pass.
pub struct ConvPass {
    /// `[batch, 1]`: the network's value.
    pub output: Tensor<2>,
    /// Per block, where the gradient passes back through relu and max-pooling: `[batch, c, s, s]`.
    blocked: Vec<Tensor<4, Bool>>,
    head: ForwardPass,
}

impl ConvNet {
    /// Glorot-normal kernels (fans in·k², out·k², as Keras) and a Glorot-normal head with zero
    /// biases, as the paper. The input is a `side`×`side` image followed by `extra` values.
    pub fn glorot(
        side: usize,
        extra: usize,
        head_widths: &[usize],
        rng: &mut Rng,
        device: &Device,
        dtype: DType,
    ) -> Self {
        let mut kernels = Vec::with_capacity(BLOCKS);
        let mut channels_in = 1;
        for _ in 0..BLOCKS {
            let area = KERNEL * KERNEL;
            let weights = glorot_normal(
                channels_in * area,
                CHANNELS * area,
                CHANNELS * channels_in * area,
                rng,
            );
            kernels.push(matrix(weights, CHANNELS, channels_in * area, device, dtype));
            channels_in = CHANNELS;
        }
        let head = Mlp::glorot(
            features(side) + extra,
            head_widths,
            Activation::Relu,
            rng,
            device,
            dtype,
        );
        Self {
            kernels,
            head,
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
        self.kernels[block]
            .clone()
            .reshape([out, fan_in / (KERNEL * KERNEL), KERNEL, KERNEL])
    }

    /// The network's value on `input`: `[batch, side² + extra]`.
    pub fn forward(&self, input: Tensor<2>) -> ConvPass {
        let [batch, _] = input.dims();
        let pixels = self.side * self.side;
        let mut h: Tensor<4> = input
            .clone()
            .narrow(1, 0, pixels)
            .reshape([batch, 1, self.side, self.side]);
        let mut blocked = Vec::with_capacity(BLOCKS);
        for block in 0..BLOCKS {
            let a =
                burn::tensor::activation::relu(conv2d(h, self.kernel(block), None, same_padding()));
            let pooled = max_pool2d(a.clone(), MaxPoolOptions::new([2, 2]));
            let is_window_max = a.clone().equal(upsample(pooled.clone().detach()));
            blocked.push(is_window_max.bool_and(a.greater_elem(0.0)).bool_not());
            h = pooled;
        }
        let mut head_input: Tensor<2> = h.reshape([batch, features(self.side)]);
        if self.extra > 0 {
            head_input = Tensor::cat(vec![head_input, input.narrow(1, pixels, self.extra)], 1);
        }
        let head = self.head.forward(head_input);
        ConvPass {
            output: head.output.clone(),
            blocked,
            head,
        }
    }

    /// ∇ of the output with respect to the input, `[batch, side² + extra]`.
    pub fn input_gradient(&self, pass: &ConvPass) -> Tensor<2> {
        let g_head = self.head.input_gradient(&pass.head); // [batch, features + extra]
        let [batch, _] = g_head.dims();
        let pooled_side = self.side >> BLOCKS;
        let mut g: Tensor<4> = g_head.clone().narrow(1, 0, features(self.side)).reshape([
            batch,
            CHANNELS,
            pooled_side,
            pooled_side,
        ]);
        for block in (0..BLOCKS).rev() {
            let through_pool = upsample(g).mask_fill(pass.blocked[block].clone(), 0.0);
            g = conv_transpose2d(
                through_pool,
                self.kernel(block),
                None,
                same_padding_transposed(),
            );
        }
        let g_pixels: Tensor<2> = g.reshape([batch, self.side * self.side]);
        if self.extra == 0 {
            return g_pixels;
        }
        Tensor::cat(
            vec![g_pixels, g_head.narrow(1, features(self.side), self.extra)],
            1,
        )
    }

    /// Every kernel, then the head's weights and biases.
    pub fn parameters(&self) -> Vec<Tensor<2>> {
        self.kernels
            .iter()
            .cloned()
            .chain(self.head.parameters())
            .collect()
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

/// Flattened features after the conv blocks: CHANNELS · (side / 2^BLOCKS)².
pub fn features(side: usize) -> usize {
    let pooled = side >> BLOCKS;
    CHANNELS * pooled * pooled
}

/// Stride 1 and padding k/2: TensorFlow's SAME for an odd kernel.
fn same_padding() -> ConvOptions<2> {
    ConvOptions::new([1, 1], [KERNEL / 2; 2], [1, 1], 1)
}

/// The transpose of [`same_padding`]'s convolution, mapping its output back to its input size.
fn same_padding_transposed() -> ConvTransposeOptions<2> {
    ConvTransposeOptions::new([1, 1], [KERNEL / 2; 2], [0, 0], [1, 1], 1)
}

/// Nearest-neighbour upsampling by 2: each value fills its 2×2 window. `[b, c, s, s]` → `[b, c, 2s, 2s]`.
fn upsample(x: Tensor<4>) -> Tensor<4> {
    let [b, c, h, w] = x.dims();
    x.reshape([b, c, h, 1, w, 1])
        .expand([b, c, h, 2, w, 2])
        .reshape([b, c, 2 * h, 2 * w])
}
