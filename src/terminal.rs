//! The flow's terminal cost, which scores where the particles end: paper A's critic φ_ω (a
//! Lipschitz-regularised f-divergence to the data) or paper B's entropic semi-discrete OT cost
//! W_c^λ to the data (no discriminator). Either way the generator sees a *terminal potential* G:
//! L_G = mean_b G(x_K) + λ·KE, and the optimality system's terminal condition is U(·, T) = G,
//! with G = φ for the critic and G = ψ^{c,λ} (the first variation of W_c^λ) for OT.

use burn::tensor::Tensor;

use crate::divergence::Divergence;
use crate::nn::{Adam, Network};
use crate::sdot::SemiDiscreteOt;

/// Paper A's discriminator: φ_ω, the shift ν of Λ_f when the divergence has one, their Adam.
pub struct Critic {
    pub net: Network,
    /// ν of Λ_f for divergences written through f*, `[1, 1]`.
    pub shift: Option<Tensor<2>>,
    pub adam: Adam,
}

impl Critic {
    pub fn new(net: Network, shift: Option<Tensor<2>>) -> Self {
        Self {
            net,
            shift,
            adam: Adam::paper(),
        }
    }

    /// ω and ν, in that order.
    pub fn parameters(&self) -> Vec<Tensor<2>> {
        let mut parameters = self.net.parameters();
        parameters.extend(self.shift.clone());
        parameters
    }
}

/// What the flow's end points are scored by.
#[allow(
    clippy::large_enum_variant,
    reason = "one per run, never copied in a loop"
)]
pub enum Terminal {
    Critic(Critic),
    Ot(SemiDiscreteOt),
}

impl Terminal {
    /// G(x), `[B, 1]`, no parameter of G tracked (x may be: L_G differentiates through it).
    pub fn potential(&self, x: Tensor<2>) -> Tensor<2> {
        match self {
            Self::Critic(critic) => critic.net.frozen().forward(x).output,
            Self::Ot(ot) => ot.transform(x),
        }
    }

    /// ∇G(x), `[B, d]`: the critic's analytic input gradient, or 2s·(x − Σ_j χ_j y_j).
    pub fn gradient(&self, x: Tensor<2>) -> Tensor<2> {
        match self {
            Self::Critic(critic) => {
                let net = critic.net.frozen();
                net.input_gradient(&net.forward(x))
            }
            Self::Ot(ot) => ot.transform_gradient(x),
        }
    }

    /// The estimate of the distance from the end points x to the data, `[1]`: for the critic
    /// mean φ(x) − Λ_f(φ(y)) on held-out data y (D_f^L); for OT the dual value H_λ(ψ) on x
    /// (a lower bound of W_c^λ, tight at the optimal ψ).
    pub fn divergence(&self, divergence: Divergence, x: Tensor<2>, y: Tensor<2>) -> Tensor<1> {
        match self {
            Self::Critic(critic) => {
                let net = critic.net.frozen();
                let shift = critic.shift.clone().map(|nu| nu.inner());
                let phi_y = net.forward(y).output;
                net.forward(x)
                    .output
                    .mean()
                    .sub(divergence.data_term(phi_y, shift.as_ref()))
            }
            Self::Ot(ot) => ot.dual_value(x),
        }
    }

    /// What the terminal player learns (ω and ν, or ψ), to watch for non-finite values.
    pub fn parameters(&self) -> Vec<Tensor<2>> {
        match self {
            Self::Critic(critic) => critic.parameters(),
            Self::Ot(ot) => vec![ot.psi.clone()],
        }
    }

    /// The name of [`Terminal::parameters`] in a divergence message.
    pub fn parameters_name(&self) -> &'static str {
        match self {
            Self::Critic(_) => "critic weights ω",
            Self::Ot(_) => "dual vector ψ",
        }
    }

    /// The speed bound of optimal trajectories, L/λ, where G is L-Lipschitz (the critic only).
    pub fn speed_bound(&self, lipschitz: f64, lambda: f64) -> Option<f64> {
        matches!(self, Self::Critic(_)).then_some(lipschitz / lambda)
    }
}
