//! The state of paper B's dual solver at the samples (docs/method.md §9): whether ψ balances the
//! cells, how many data points receive mass, how soft the assignments are and how hard the
//! terminal cost pulls. These say why an OT run fails: a ψ that lags the samples leaves
//! data points without mass and cells out of balance.

use burn::tensor::Tensor;
use serde::Serialize;

use crate::nn::readback::{ReadValues, Readback, Slot};
use crate::sdot::SemiDiscreteOt;

/// A data point counts as reached when its cell receives at least this share of ν_j = 1/J.
const REACHED_SHARE: f64 = 0.5;

/// The dual solver at one evaluation, on the evaluation batch's samples x_b.
#[derive(Clone, Debug, Serialize)]
pub struct OtIndicators {
    /// max_j |mean_b χ_j(x_b) − ν_j| / ν_j: 0 when ψ balances the cells on these samples.
    pub marginal_error: f64,
    /// The share of data points y_j whose cell receives at least half its mass ν_j.
    pub reached: f64,
    /// mean_b exp(−Σ_j χ_j(x_b) log χ_j(x_b)): how many data points a sample is softly assigned to
    /// (1 at λ = 0).
    pub assignment_spread: f64,
    /// The standard deviation of ψ_j over the data points, in the cost's units.
    pub psi_spread: f64,
    /// RMS_b |∇ψ^{c,λ}(x_b)| = RMS_b 2s·|x_b − Σ_j χ_j(x_b) y_j|: the terminal cost's pull.
    pub pull: f64,
}

/// Where the indicators will be in a readback.
pub(super) struct PendingOt {
    mass: Slot,
    spread: Slot,
    psi: Slot,
    pull: Slot,
}

impl PendingOt {
    /// Queues what the indicators of `ot` at the samples `x` (`[B, d]`) need.
    pub(super) fn queue(ot: &SemiDiscreteOt, x: Tensor<2>, readback: &mut Readback) -> Self {
        let chi = ot.assignments(x.clone());
        let entropy = chi
            .clone()
            .mul(chi.clone().add_scalar(1e-30).log())
            .sum_dim(1)
            .neg();
        Self {
            mass: readback.push(chi.mean_dim(0)),
            spread: readback.push(entropy.exp().mean()),
            psi: readback.push(ot.psi.clone()),
            pull: readback.push(ot.transform_gradient(x).square().sum_dim(1).mean()),
        }
    }

    pub(super) fn finish(&self, values: &ReadValues) -> OtIndicators {
        let mass = values.get(self.mass);
        let share = mass.len() as f64;
        let psi = values.get(self.psi);
        let psi_mean = psi.iter().map(|&v| v as f64).sum::<f64>() / psi.len() as f64;
        let psi_variance = psi
            .iter()
            .map(|&v| (v as f64 - psi_mean).powi(2))
            .sum::<f64>()
            / psi.len() as f64;
        OtIndicators {
            marginal_error: mass
                .iter()
                .map(|&m| (m as f64 * share - 1.0).abs())
                .fold(0.0, f64::max),
            reached: mass
                .iter()
                .filter(|&&m| m as f64 * share >= REACHED_SHARE)
                .count() as f64
                / share,
            assignment_spread: values.scalar(self.spread),
            psi_spread: psi_variance.sqrt(),
            pull: values.scalar(self.pull).sqrt(),
        }
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::{DType, Device};

    use super::*;
    use crate::nn::tensor_io::matrix;
    use crate::sdot::OtSettings;

    /// The indicators of ψ = 0 towards y = {0, 1} ⊂ R at samples `x`.
    fn indicators(x: &[f32], lambda: f64) -> OtIndicators {
        let device = Device::flex();
        let settings = OtSettings {
            lambda,
            step: 0.1,
            normalise_cost: false,
        };
        let ot = SemiDiscreteOt::new(&[0.0, 1.0], 1, &device, DType::F32, settings);
        let samples = matrix(x.to_vec(), x.len(), 1, &device, DType::F32);
        let mut readback = Readback::default();
        let pending = PendingOt::queue(&ot, samples, &mut readback);
        pending.finish(&readback.read())
    }

    #[test]
    fn hard_cells_give_the_masses_and_pulls_by_hand() {
        // Cells {0.1, 0.2} → y = 0 and {0.9} → y = 1: masses 2/3 and 1/3 of ν_j = 1/2.
        let hard = indicators(&[0.1, 0.2, 0.9], 0.0);
        assert!((hard.marginal_error - 1.0 / 3.0).abs() < 1e-6, "{hard:?}");
        assert_eq!(hard.reached, 1.0);
        assert!((hard.assignment_spread - 1.0).abs() < 1e-6);
        assert_eq!(hard.psi_spread, 0.0);
        // 2·|x − y|: 0.2, 0.4, 0.2.
        let pull = (((0.2f64).powi(2) * 2.0 + 0.4f64.powi(2)) / 3.0).sqrt();
        assert!(
            (hard.pull - pull).abs() < 1e-6,
            "{} against {pull}",
            hard.pull
        );
        // Every sample in one cell: the other data point is not reached.
        let collapsed = indicators(&[0.0, 0.1, 0.2], 0.0);
        assert_eq!(collapsed.reached, 0.5);
        assert!((collapsed.marginal_error - 1.0).abs() < 1e-6);
    }

    #[test]
    fn a_sample_halfway_spreads_over_both_points() {
        let soft = indicators(&[0.5], 0.1);
        assert!((soft.assignment_spread - 2.0).abs() < 1e-5, "{soft:?}");
        assert!(soft.marginal_error < 1e-5);
        assert!(soft.pull < 1e-6);
    }
}
