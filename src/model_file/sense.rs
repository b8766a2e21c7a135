//! What a model file's values must be to be a run's state at all, beyond fitting its shape: no
//! training step makes a non-finite weight or moment, a negative second moment (a running mean of
//! squares) or a negative step count; a xoshiro stream never reaches the all-zero state; a run
//! holds each of its players once; and its iteration count can be counted on.

use std::collections::BTreeSet;

use super::{ModelFileError, SavedModel};

/// The players a model file may hold: U_θ, the critic φ_ω, paper B's dual ψ, paper B's generator
/// g_θ, and U_θ̄, the running average of U's weights.
pub const PLAYERS: [&str; 5] = ["U", "φ", "ψ", "g", "Ū"];

/// The largest iteration a model file may hold, 2^31 − 1: far beyond any run (seven years at ten
/// iterations a second), and the same in the page, whose WebAssembly `usize` has 32 bits.
pub const MAX_ITERATION: usize = i32::MAX as usize;

impl SavedModel {
    /// `Ok` when every value makes sense (the module's list), else the first fault found.
    pub fn check_values(&self) -> Result<(), ModelFileError> {
        let fault = |message: String| Err(ModelFileError::Values(message));
        if self.iteration > MAX_ITERATION {
            return fault(format!(
                "its iteration count {} cannot be continued (at most 2^31 − 1)",
                self.iteration
            ));
        }
        if let Some(stream) = self.streams.iter().position(|s| *s == [0; 4]) {
            return fault(format!(
                "random stream {} is all zeros, a state its generator never reaches",
                stream + 1
            ));
        }
        let mut seen = BTreeSet::new();
        for player in &self.players {
            let name = player.name.as_str();
            if !PLAYERS.contains(&name) {
                return fault(format!(
                    "it holds an unknown player “{name}” (a model holds {})",
                    PLAYERS.join(", ")
                ));
            }
            if !seen.insert(name) {
                return fault(format!("it holds the player {name} twice"));
            }
            if player.adam_steps < 0 {
                return fault(format!(
                    "{name}'s Adam step count is negative ({})",
                    player.adam_steps
                ));
            }
            for (what, values) in [
                ("parameters", &player.parameters),
                ("first moments", &player.first_moment),
                ("second moments", &player.second_moment),
            ] {
                if let Some(at) = values.iter().position(|v| !v.is_finite()) {
                    return fault(format!(
                        "{name}'s {what} hold a value that is not finite ({} at {at})",
                        values[at]
                    ));
                }
            }
            if let Some(at) = player.second_moment.iter().position(|&v| v < 0.0) {
                return fault(format!(
                    "{name}'s second moment {at} is negative ({}), which a mean of squares never is",
                    player.second_moment[at]
                ));
            }
        }
        Ok(())
    }
}
