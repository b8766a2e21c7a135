//! The fused GPU path (docs/method.md §12): paper A's whole training iteration for MLP
//! potentials and critics as a handful of hand-written WGSL kernels on burn's wgpu device,
//! instead of one dispatch per burn operation. The burn path (src/train.rs) stays the reference
//! these kernels are tested against, and the path for everything they do not cover.

mod config;
mod kernel;
mod trainer;

use burn::tensor::Device;

use crate::config::{KineticEnergyAt, LogMeanExp, Mode, TerminalCost, TrainConfig};
use crate::models::QUADRATIC_COEFFICIENT_WIDTHS;
pub use trainer::FusedTrainer;

/// WebGPU's default `maxStorageBufferBindingSize` (128 MiB), in floats: no work buffer may be
/// larger.
const MAX_BINDING_FLOATS: usize = (128 << 20) / 4;

/// The sizes of a fused run's work buffers, in floats.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Sizes {
    batch: usize,
    dim: usize,
    steps: usize,
    /// Rows of the frozen rollout: n_critic·B.
    critic_rows: usize,
    /// One Euler step of the tape: [x, t | h (Σw) | g (Σw) | δ (Σw) | v].
    tape_stride: usize,
    /// One sample's working memory in the critic and generator kernels.
    scratch_stride: usize,
    /// The scratch buffer: the frozen rollout's one slot a row, or the samples' working memory.
    scratch: usize,
    /// Floats of the largest work buffer.
    largest: usize,
}

impl Sizes {
    fn of(config: &TrainConfig) -> Self {
        let (b, d) = (config.batch_size, config.dim);
        let parameters = |input: usize, widths: &[usize]| {
            let mut fans = vec![input];
            fans.extend_from_slice(widths);
            fans.push(1);
            fans.windows(2).map(|f| f[0] * f[1] + f[1]).sum::<usize>()
        };
        let potential_width: usize = config.potential_widths.iter().sum();
        let critic_width: usize = config.critic_widths.iter().sum();
        let tape_stride = 2 * d + 1 + 3 * potential_width;
        let scratch_stride = (2 * d + 3 * critic_width)
            .max(2 * d + 2 * critic_width + 2 * (d + 1 + potential_width));
        let critic_rows = config.critic_steps * b;
        let scratch = (critic_rows * tape_stride).max(b * scratch_stride);
        let quadratic = if config.quadratic_potential {
            parameters(1, &QUADRATIC_COEFFICIENT_WIDTHS)
        } else {
            0
        };
        let largest = [
            scratch,
            b * config.steps * tape_stride,
            2 * b * parameters(d, &config.critic_widths),
            b * (parameters(d + 1, &config.potential_widths) + quadratic),
        ]
        .into_iter()
        .max()
        .unwrap_or(0);
        Self {
            batch: b,
            dim: d,
            steps: config.steps,
            critic_rows,
            tape_stride,
            scratch_stride,
            scratch,
            largest,
        }
    }
}

/// Why the fused kernels do not cover `config`, or `None` when they do: paper A's flow with the
/// critic, MLP networks, the kinetic energy at the step points and the stable log-mean-exp.
pub fn unsupported(config: &TrainConfig) -> Option<String> {
    let reason = if config.mode != Mode::Flow {
        "paper B's OT generator runs on burn's operations"
    } else if config.terminal != TerminalCost::Critic {
        "the OT terminal cost runs on burn's operations"
    } else if config.dataset.image_side().is_some() {
        "MNIST's convolutional networks run on burn's operations"
    } else if config.kinetic_energy_at != KineticEnergyAt::StepPoints {
        "the released code's kinetic energy runs on burn's operations"
    } else if config.log_mean_exp != LogMeanExp::Stable {
        "the released code's log-mean-exp runs on burn's operations"
    } else {
        let largest = Sizes::of(config).largest;
        return (largest > MAX_BINDING_FLOATS).then(|| {
            format!(
                "a work buffer would hold {largest} floats, over WebGPU's 128 MiB binding limit \
                 (fewer samples or narrower networks fit)"
            )
        });
    };
    Some(reason.to_string())
}

/// Why the fused kernels do not run `config` on `device`, or `None` when they do: the reasons of
/// [`unsupported`], a device that is not wgpu's, and on Mesa's lavapipe (its adapter calls itself
/// llvmpipe) networks too large for its limit of 65,535 loop iterations an invocation, past which
/// it silently ends the invocation.
pub fn refused(config: &TrainConfig, device: &Device) -> Option<String> {
    if let Some(reason) = unsupported(config) {
        return Some(reason);
    }
    let Some(gpu) = kernel::Gpu::of(device) else {
        return Some("the fused kernels run on the wgpu device".to_string());
    };
    let iterations = loop_iterations(config);
    (gpu.name().contains("llvmpipe") && iterations > LAVAPIPE_LOOP_LIMIT).then(|| {
        format!(
            "an invocation would take about {iterations} loop iterations, and lavapipe stops at \
             {LAVAPIPE_LOOP_LIMIT}"
        )
    })
}

/// Whether the fused kernels run `config` on `device` ([`refused`] has the reason when not).
pub fn covers(config: &TrainConfig, device: &Device) -> bool {
    refused(config, device).is_none()
}

/// Mesa's lavapipe ends a shader invocation after this many loop iterations in all.
pub const LAVAPIPE_LOOP_LIMIT: usize = 65_535;

/// An upper bound on the loop iterations one invocation of the busiest kernel takes, counted as
/// the shaders loop: inner products four terms an iteration (the forward pass j-outer, the
/// gradient passes i-outer).
pub fn loop_iterations(config: &TrainConfig) -> usize {
    let d = config.dim;
    let unrolled = |n: usize| n / 4 + n % 4;
    let fans = |input: usize, widths: &[usize]| {
        let mut dims = vec![input];
        dims.extend_from_slice(widths);
        dims.windows(2).map(|f| (f[0], f[1])).collect::<Vec<_>>()
    };
    // One forward pass and one input-gradient pass through the hidden layers.
    let passes = |layers: &[(usize, usize)]| -> usize {
        layers
            .iter()
            .map(|&(n_in, n_out)| n_out * (1 + unrolled(n_in)) + n_in * (1 + unrolled(n_out)))
            .sum()
    };
    let potential = fans(d + 1, &config.potential_widths);
    let critic = fans(d, &config.critic_widths);
    let parameters = |layers: &[(usize, usize)]| {
        layers.iter().map(|&(i, o)| i * o + o).sum::<usize>() + layers.last().map_or(0, |l| l.1) + 1
    };
    let width_u: usize = config.potential_widths.iter().sum();
    // U's quadratic term: q(t_k) in the rollout, and again with its weights' gradient.
    let quadratic = if config.quadratic_potential {
        3 * QUADRATIC_COEFFICIENT_WIDTHS[0]
    } else {
        0
    };
    let per_step = passes(&potential) + 4 * d + width_u + 8 + quadratic;
    let rollout = config.steps * per_step;
    let generator = passes(&critic)
        + unrolled(parameters(&potential))
        + config.steps * (2 * per_step + unrolled(d + 1 + width_u));
    let critic_step = 2 * unrolled(parameters(&critic)) + 4 * passes(&critic) + 8 * d;
    rollout.max(generator).max(critic_step)
}

#[cfg(test)]
mod tests {
    use super::{LAVAPIPE_LOOP_LIMIT, loop_iterations, unsupported};
    use crate::config::TrainConfig;
    use crate::data::toy2d::Toy2d;

    /// The paper's sizes, 2-D and in R^12, fit lavapipe's loop limit (the CI's device); a wide
    /// network does not, and is refused there.
    #[test]
    fn the_papers_sizes_fit_lavapipes_loop_limit() {
        for dim in [2, 12] {
            let iterations = loop_iterations(&TrainConfig::paper(Toy2d::Pinwheel, dim));
            assert!(iterations < LAVAPIPE_LOOP_LIMIT, "d = {dim}: {iterations}");
        }
        let wide = TrainConfig {
            potential_widths: vec![256; 4],
            ..TrainConfig::paper(Toy2d::Pinwheel, 2)
        };
        assert!(loop_iterations(&wide) > LAVAPIPE_LOOP_LIMIT);
    }

    /// The paper's critic flow is the kernels', sampled from U_θ or from the average of its
    /// weights (kept by burn's operations beside them), with or without U's quadratic term; the
    /// OT terminal cost is not.
    #[test]
    fn an_averaged_potential_runs_on_the_kernels() {
        let paper = TrainConfig::paper(Toy2d::Pinwheel, 2);
        assert_eq!(unsupported(&paper), None);
        let averaged = TrainConfig {
            potential_average: 0.99,
            ..paper.clone()
        };
        assert_eq!(unsupported(&averaged), None);
        let quadratic = TrainConfig {
            quadratic_potential: true,
            ..paper.clone()
        };
        assert_eq!(unsupported(&quadratic), None);
        let ot = TrainConfig {
            terminal: crate::config::TerminalCost::Ot,
            ..paper
        };
        assert!(unsupported(&ot).is_some_and(|reason| reason.contains("OT terminal")));
    }
}
