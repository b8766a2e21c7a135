//! What a configuration will hold in memory, estimated from its sizes before anything is
//! allocated, and the budget [`TrainConfig::validate`] holds it to: a run that would not fit is
//! refused with the estimate, instead of aborting the process (or killing the page's worker) when
//! an allocation fails.
//!
//! The estimate adds up, in f32 values of 4 bytes:
//! - the data pool and the evaluation batch on the host;
//! - every network's parameters with their gradient and Adam's two moments;
//! - the generator step's autodiff graph: for each of the K Euler steps, U's activations and its
//!   input-gradient pass, a few values a unit (see `VALUES_A_UNIT`) for the batch;
//! - the frozen rollout of the critic steps' sources and the critic steps' own graph;
//! - the evaluation's rollouts (at Δt and Δt/2, positions and velocities of every step);
//! - paper B's data points, dual and soft assignments.
//!
//! The largest sizes each setting allows are in [`super::limits`]; this estimate catches their
//! products.

use super::{Mode, TerminalCost, TrainConfig};

/// Bytes of an f32.
const F32: u64 = 4;

/// Values a network unit keeps per sample in a pass with its input gradient and the autodiff
/// graph over both: pre-activation, activation, the mask or derivative, the upstream gradient
/// and the gradient passed down, with their adjoints.
const VALUES_A_UNIT: u64 = 8;

/// The memory the page's WebAssembly module may plan for: 3 of the 4 GiB a 32-bit module can
/// address, a quarter left for the module itself, the snapshots and what the estimate leaves out.
pub const WASM_BUDGET_BYTES: u64 = 3 << 30;

/// The memory a native run may plan for: 16 GiB.
pub const NATIVE_BUDGET_BYTES: u64 = 16 << 30;

/// The budget of this build: [`WASM_BUDGET_BYTES`] in the page, [`NATIVE_BUDGET_BYTES`] natively.
pub const BUDGET_BYTES: u64 = if cfg!(target_arch = "wasm32") {
    WASM_BUDGET_BYTES
} else {
    NATIVE_BUDGET_BYTES
};

impl TrainConfig {
    /// The bytes a run of this configuration holds at its peak (the module's list), an estimate
    /// meant to err high, for a configuration whose every size is within [`super::limits`].
    pub fn estimated_memory_bytes(&self) -> u64 {
        let n = |v: usize| v as u64;
        let (d, b, k) = (n(self.dim), n(self.batch_size), n(self.steps));
        let eval = n(self.eval_batch);
        let pool = n(self.data_pool) * (d + 2);
        let evaluation_batch = 3 * eval * (n(self.source_dim()) + d);
        let (potential_units, critic_units, parameters) = self.network_sizes();
        let optimiser = 4 * parameters;
        let graph = match self.mode {
            // Generator step: K steps of U with its input gradient, with the autodiff graph;
            // the critic steps: their frozen rollout, then φ on 3B points (x, y, x̂).
            Mode::Flow => {
                let terminal_steps = match self.terminal {
                    TerminalCost::Critic => n(self.critic_steps),
                    TerminalCost::Ot => n(self.ot_dual_steps),
                };
                k * b * (VALUES_A_UNIT * potential_units + 4 * d)
                    + terminal_steps * b * (potential_units + 2 * d)
                    + 3 * b * VALUES_A_UNIT * critic_units
            }
            Mode::Generator => 2 * b * VALUES_A_UNIT * potential_units,
        };
        let evaluation = eval * (3 * (k + 1) * d + 2 * potential_units + critic_units);
        let ot = match (self.mode, self.terminal) {
            (Mode::Flow, TerminalCost::Critic) => 0,
            _ => n(self.ot_points) * (d + 2) + 4 * b.max(eval) * n(self.ot_points),
        };
        F32 * (pool + evaluation_batch + optimiser + graph + evaluation + ot)
    }

    /// Units a sample passes through in the generator's network (U, or paper B's g) and in φ
    /// (hidden layers, and for images every convolution's outputs), and the parameters of both.
    fn network_sizes(&self) -> (u64, u64, u64) {
        let n = |v: usize| v as u64;
        let dense = |input: usize, widths: &[usize], outputs: usize| {
            let mut fans = vec![n(input)];
            fans.extend(widths.iter().map(|&w| n(w)));
            fans.push(n(outputs));
            let units = widths.iter().map(|&w| n(w)).sum::<u64>() + n(outputs);
            let parameters = fans.windows(2).map(|f| f[0] * f[1] + f[1]).sum::<u64>();
            (units, parameters)
        };
        let Some(side) = self.dataset.image_side() else {
            let (generator, critic) = match self.mode {
                Mode::Flow => (
                    dense(self.dim + 1, &self.potential_widths, 1),
                    dense(self.dim, &self.critic_widths, 1),
                ),
                Mode::Generator => (
                    dense(self.latent_dim, &self.generator_widths, self.dim),
                    (0, 0),
                ),
            };
            return (generator.0, critic.0, generator.1 + critic.1);
        };
        let layout = self.critic_layout();
        let area = n(layout.kernel * layout.kernel);
        let (mut conv_units, mut conv_parameters, mut channels_in, mut width) = (0, 0, 1, n(side));
        for &channels in &layout.channels {
            conv_units += n(channels) * width * width;
            conv_parameters += n(channels) * channels_in * area;
            channels_in = n(channels);
            width /= 2;
        }
        let features = layout.features(side);
        let (potential_head, potential_parameters) = dense(features + 1, &self.potential_widths, 1);
        let (critic_head, critic_parameters) = dense(features, &self.critic_widths, 1);
        (
            conv_units + potential_head,
            conv_units + critic_head,
            2 * conv_parameters + potential_parameters + critic_parameters,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::toy2d::Toy2d;

    /// The paper's runs fit any budget with room; a pool of 10^9 points (the largest power of ten
    /// a wasm32 usize holds), a batch of 10,000 with 100 Euler steps and 16 layers of 1,024 units,
    /// and J = 20,000 OT points against a 20,000 evaluation batch do not fit the page's.
    #[test]
    fn the_papers_runs_fit_and_products_of_the_largest_settings_do_not() {
        for config in [
            TrainConfig::paper(Toy2d::Pinwheel, 12),
            TrainConfig::mnist(),
            TrainConfig::ot_generator(Toy2d::Moons, 2),
        ] {
            let bytes = config.estimated_memory_bytes();
            assert!(bytes < 1 << 30, "{bytes} bytes for {config:?}");
        }
        let huge_pool = TrainConfig {
            data_pool: 1_000_000_000,
            ..TrainConfig::paper(Toy2d::Moons, 2)
        };
        let deep_and_wide = TrainConfig {
            batch_size: 10_000,
            steps: 100,
            potential_widths: vec![1024; 16],
            ..TrainConfig::default()
        };
        let dense_transport = TrainConfig {
            ot_points: 20_000,
            eval_batch: 20_000,
            ..TrainConfig::ot_generator(Toy2d::Moons, 64)
        };
        for config in [huge_pool, deep_and_wide, dense_transport] {
            assert!(config.estimated_memory_bytes() > WASM_BUDGET_BYTES);
        }
    }
}
