//! A scalar-valued network with analytic input gradient, of either architecture: an [`Mlp`] on
//! vectors (the 2-D and embedded data) or a [`ConvNet`] on images (MNIST).

use burn::tensor::Tensor;

use super::conv::{ConvNet, ConvPass};
use super::mlp::{ForwardPass, Mlp};

/// U_θ or φ_ω.
#[derive(Clone, Debug)]
pub enum Network {
    Dense(Mlp),
    Conv(ConvNet),
}

/// What a forward pass of a [`Network`] keeps for the input-gradient pass.
pub struct NetworkPass {
    /// `[batch, 1]`: the network's value.
    pub output: Tensor<2>,
    kept: Kept,
}

#[allow(
    clippy::large_enum_variant,
    reason = "one per forward pass, moved once; boxing would only add an allocation"
)]
enum Kept {
    Dense(ForwardPass),
    Conv(ConvPass),
}

impl From<Mlp> for Network {
    fn from(net: Mlp) -> Self {
        Self::Dense(net)
    }
}

impl From<ConvNet> for Network {
    fn from(net: ConvNet) -> Self {
        Self::Conv(net)
    }
}

impl Network {
    /// The same network with its output layer (the conv net's head's) set to zero: see
    /// [`Mlp::with_zero_output`].
    pub fn with_zero_output(self) -> Self {
        match self {
            Self::Dense(net) => Self::Dense(net.with_zero_output()),
            Self::Conv(mut net) => {
                net.head = net.head.with_zero_output();
                Self::Conv(net)
            }
        }
    }

    /// Input width.
    pub fn input_dim(&self) -> usize {
        match self {
            Self::Dense(net) => net.input_dim(),
            Self::Conv(net) => net.input_dim(),
        }
    }

    /// The value on `input`: `[batch, input_dim]`.
    pub fn forward(&self, input: Tensor<2>) -> NetworkPass {
        match self {
            Self::Dense(net) => {
                let pass = net.forward(input);
                NetworkPass {
                    output: pass.output.clone(),
                    kept: Kept::Dense(pass),
                }
            }
            Self::Conv(net) => {
                let pass = net.forward(input);
                NetworkPass {
                    output: pass.output.clone(),
                    kept: Kept::Conv(pass),
                }
            }
        }
    }

    /// ∇ of the output with respect to the input, `[batch, input_dim]`, from a forward pass.
    pub fn input_gradient(&self, pass: &NetworkPass) -> Tensor<2> {
        match (self, &pass.kept) {
            (Self::Dense(net), Kept::Dense(kept)) => net.input_gradient(kept),
            (Self::Conv(net), Kept::Conv(kept)) => net.input_gradient(kept),
            _ => unreachable!("a forward pass is only given back to the network that made it"),
        }
    }

    /// Every weight and bias.
    pub fn parameters(&self) -> Vec<Tensor<2>> {
        match self {
            Self::Dense(net) => net.parameters(),
            Self::Conv(net) => net.parameters(),
        }
    }

    /// The same architecture holding `parameters` (in the order of [`Network::parameters`]).
    pub fn with_parameters(&self, parameters: Vec<Tensor<2>>) -> Self {
        match self {
            Self::Dense(net) => Self::Dense(net.with_parameters(parameters)),
            Self::Conv(net) => Self::Conv(net.with_parameters(parameters)),
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
