//! Networks whose input gradient is written as ordinary tensor operations.
//!
//! burn has first-order autodiff only. The losses of paper A contain ∇ₓU and ∇φ, so those input
//! gradients are computed forward (the network's backward formula, docs/method.md §7) and burn's
//! autodiff then differentiates them with respect to the weights.

pub mod adam;
pub mod conv;
pub mod mlp;
pub mod network;
pub mod readback;
pub mod tensor_io;

pub use adam::Adam;
pub use conv::{ConvLayout, ConvNet};
pub(crate) use mlp::tanh;
pub use mlp::{Activation, Mlp};
pub use network::Network;
