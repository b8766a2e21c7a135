//! The random streams of a run and the draws of one iteration taken from them.
//!
//! Three independent streams, each fixed by the seed: the sources x₀ ~ ρ₀, the data batches
//! y ~ π, and the gradient penalty's interpolation weights u ~ U[0, 1] (x̂ = u·y + (1 − u)·x_K).
//! With the released code's batch streams ([`crate::config::BatchStreams::ReleasedCode`]) the
//! source and batch streams start again every [`crate::config::RELEASED_CODE_REPLAY_PERIOD`]
//! iterations, so they are kept as they started too.

use crate::rng::Rng;

/// The random streams of a run, each independent and fixed by the seed.
pub(super) struct Streams {
    pub(super) source: Rng,
    pub(super) batches: Rng,
    pub(super) interpolation: Rng,
    /// The source and batch streams as they started, for
    /// [`crate::config::BatchStreams::ReleasedCode`].
    start: (Rng, Rng),
}

impl Streams {
    pub(super) fn new(root: &mut Rng) -> Self {
        let (source, batches) = (root.fork(3), root.fork(4));
        Self {
            start: (source.clone(), batches.clone()),
            source,
            batches,
            interpolation: root.fork(5),
        }
    }

    /// The streams' states: source, batches, interpolation, then the two starts.
    pub(super) fn states(&self) -> Vec<[u64; 4]> {
        [
            &self.source,
            &self.batches,
            &self.interpolation,
            &self.start.0,
            &self.start.1,
        ]
        .iter()
        .map(|rng| rng.state())
        .collect()
    }

    /// The streams [`Streams::states`] listed.
    pub(super) fn from_states(
        [source, batches, interpolation, source0, batches0]: [[u64; 4]; 5],
    ) -> Self {
        Self {
            source: Rng::from_state(source),
            batches: Rng::from_state(batches),
            interpolation: Rng::from_state(interpolation),
            start: (Rng::from_state(source0), Rng::from_state(batches0)),
        }
    }

    /// The source and data batches start their sequence again (the interpolation weights, which
    /// the released code draws from TensorFlow's generator, go on).
    pub(super) fn restart_batches(&mut self) {
        (self.source, self.batches) = self.start.clone();
    }
}

/// The random draws of one iteration, on the host: every source sample x₀ ~ ρ₀ of the terminal
/// player's steps (`[steps·B, d]`, row-major) and of the generator step (`[B, d]`), and per
/// critic step its data batch y (`[B, d]`) and interpolation weights u (`[B]`), end to end.
pub struct IterationDraws {
    pub terminal_sources: Vec<f32>,
    pub generator_sources: Vec<f32>,
    pub data: Vec<f32>,
    pub interpolation: Vec<f32>,
}
