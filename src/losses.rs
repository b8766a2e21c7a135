//! The losses of one training iteration, kept on the device until someone reads them back, and
//! the divergence check a readback makes: a run stops at the first quantity that is NaN or
//! infinite, naming it and the iteration.

use std::fmt;

use burn::tensor::Tensor;

use crate::nn::readback::{ReadValues, Readback, Slot};

/// Training stopped because a quantity became NaN or infinite.
#[derive(Clone, Debug, PartialEq)]
pub struct Diverged {
    /// The iteration (1-based) whose step produced the value.
    pub iteration: usize,
    /// What became non-finite, in words.
    pub quantity: &'static str,
}

impl fmt::Display for Diverged {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            out,
            "diverged at iteration {}: the {} became non-finite",
            self.iteration, self.quantity
        )
    }
}

impl std::error::Error for Diverged {}

/// The losses of one iteration, still on the device (reading them back is the caller's choice).
pub struct StepLosses {
    /// L_D of the last critic step (−H_λ(ψ) of the last dual step), `[1]`.
    pub critic: Tensor<1>,
    /// L_G, `[1]`.
    pub generator: Tensor<1>,
}

/// Where [`StepLosses`] will be in a readback.
pub struct PendingLosses {
    slots: [(&'static str, Slot); 4],
}

impl StepLosses {
    /// Queues the losses onto `readback`, with the sums of the model's parameters θ and of the
    /// other player's (named): a sum is non-finite iff some weight is.
    pub fn queue_with(
        self,
        model: Vec<Tensor<2>>,
        other: (&'static str, Vec<Tensor<2>>),
        readback: &mut Readback,
    ) -> PendingLosses {
        let weight_sum = |params: Vec<Tensor<2>>| {
            Tensor::cat(params.into_iter().map(|p| p.inner().sum()).collect(), 0).sum()
        };
        PendingLosses {
            slots: [
                ("critic loss L_D", readback.push(self.critic)),
                ("generator loss L_G", readback.push(self.generator)),
                ("model weights θ", readback.push(weight_sum(model))),
                (other.0, readback.push(weight_sum(other.1))),
            ],
        }
    }
}

impl PendingLosses {
    /// The losses, or the first quantity that is not finite, named with `iteration`.
    pub fn check(&self, values: &ReadValues, iteration: usize) -> Result<LossValues, Diverged> {
        for (quantity, slot) in self.slots {
            if !values.scalar(slot).is_finite() {
                return Err(Diverged {
                    iteration,
                    quantity,
                });
            }
        }
        Ok(LossValues {
            critic: values.scalar(self.slots[0].1),
            generator: values.scalar(self.slots[1].1),
        })
    }
}

/// The losses of one iteration, read back.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LossValues {
    pub critic: f64,
    pub generator: f64,
}
