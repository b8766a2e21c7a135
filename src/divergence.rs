//! Lipschitz-regularised f-divergences: the W1 proximal of paper A (docs/method.md §1–2).
//!
//! D_f^L(P‖Q) = sup_{φ ∈ Lip_L} E_P\[φ\] − Λ_f(φ), Λ_f(φ) = inf_ν (ν + E_Q\[f*(φ − ν)\]),
//! P = the flow's end points, Q = the data. The Lipschitz bound is imposed softly by the one-sided
//! gradient penalty c_GP·mean max(0, |∇φ(x̂)|² − L²) on interpolates x̂ = u·y + (1−u)·x_K.

use std::fmt;
use std::str::FromStr;

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

/// Which f-divergence the critic estimates.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Divergence {
    /// KL in Donsker–Varadhan form: Λ(φ) = log E_Q[e^φ]. The paper's choice.
    KullbackLeibler,
    /// The IPM limit (WGAN): Λ(φ) = E_Q\[φ\].
    Wasserstein1,
    /// α-divergence, α > 1: f(x) = (x^α − 1)/(α(α−1)).
    Alpha(f64),
    /// Reverse KL: f(x) = −log x.
    ReverseKullbackLeibler,
    /// Jensen–Shannon in the GPA code's form: f(x) = x log x − (x+1) log((x+1)/2).
    JensenShannon,
}

impl Divergence {
    /// One spelling of each kind, α = 2 for the α-divergence: the page's choices.
    pub const EXAMPLES: &'static [&'static str] = &["kl", "w1", "alpha:2", "reverse-kl", "js"];
}

impl FromStr for Divergence {
    type Err = String;

    /// Parses the CLI/URL spelling: `kl`, `w1`, `alpha:2`, `reverse-kl`, `js`.
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "kl" => Ok(Self::KullbackLeibler),
            "w1" => Ok(Self::Wasserstein1),
            "reverse-kl" => Ok(Self::ReverseKullbackLeibler),
            "js" => Ok(Self::JensenShannon),
            _ => match text.strip_prefix("alpha:").map(str::parse::<f64>) {
                Some(Ok(alpha)) if alpha > 1.0 && alpha.is_finite() => Ok(Self::Alpha(alpha)),
                Some(_) => Err(format!(
                    "divergence '{text}': alpha must be a number greater than 1, as in alpha:2"
                )),
                None => Err(format!(
                    "divergence '{text}' is not one of kl, w1, alpha:<α>, reverse-kl, js"
                )),
            },
        }
    }
}

impl From<Divergence> for String {
    fn from(divergence: Divergence) -> Self {
        divergence.to_string()
    }
}

impl TryFrom<String> for Divergence {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        text.parse()
    }
}

impl Divergence {
    /// Whether Λ_f needs the learnable scalar ν (every f but the DV form of KL and W1).
    pub fn has_shift(self) -> bool {
        !matches!(self, Self::KullbackLeibler | Self::Wasserstein1)
    }

    /// The ν minimising ν + f*(−ν), i.e. optimal for φ ≡ 0: the critic's starting shift, inside
    /// f*'s domain.
    pub fn initial_shift(self) -> f64 {
        match self {
            Self::ReverseKullbackLeibler => 1.0,
            Self::Alpha(alpha) => -1.0 / (alpha - 1.0),
            _ => 0.0,
        }
    }

    /// f(x) for x > 0 (not defined for the DV and W1 forms, which are not written through f).
    pub fn f(self, x: f64) -> Option<f64> {
        match self {
            Self::KullbackLeibler => Some(x * x.ln() - x + 1.0),
            Self::Wasserstein1 => None,
            Self::Alpha(a) => Some((x.powf(a) - 1.0) / (a * (a - 1.0))),
            Self::ReverseKullbackLeibler => Some(-x.ln()),
            Self::JensenShannon => Some(x * x.ln() - (x + 1.0) * ((x + 1.0) / 2.0).ln()),
        }
    }

    /// f'(x) for x > 0.
    pub fn f_derivative(self, x: f64) -> Option<f64> {
        match self {
            Self::KullbackLeibler => Some(x.ln()),
            Self::Wasserstein1 => None,
            Self::Alpha(a) => Some(x.powf(a - 1.0) / (a - 1.0)),
            Self::ReverseKullbackLeibler => Some(-1.0 / x),
            Self::JensenShannon => Some((2.0 * x / (x + 1.0)).ln()),
        }
    }

    /// The convex conjugate f*(y) = sup_x (xy − f(x)) as a scalar (docs/method.md §2).
    pub fn conjugate(self, y: f64) -> f64 {
        match self {
            Self::KullbackLeibler => y.exp() - 1.0,
            Self::Wasserstein1 => y,
            Self::Alpha(a) => {
                ((a - 1.0) * y.max(0.0)).powf(a / (a - 1.0)) / a + 1.0 / (a * (a - 1.0))
            }
            Self::ReverseKullbackLeibler => -1.0 - (-y).ln(),
            Self::JensenShannon => -(2.0 - y.exp()).ln(),
        }
    }

    /// f*(y) elementwise on a tensor; the same formulas as [`Divergence::conjugate`].
    pub fn conjugate_tensor(self, y: Tensor<2>) -> Tensor<2> {
        match self {
            Self::KullbackLeibler => y.exp().sub_scalar(1.0),
            Self::Wasserstein1 => y,
            Self::Alpha(a) => y
                .clamp_min(0.0)
                .mul_scalar(a - 1.0)
                .powf_scalar(a / (a - 1.0))
                .div_scalar(a)
                .add_scalar(1.0 / (a * (a - 1.0))),
            Self::ReverseKullbackLeibler => y.neg().log().neg().sub_scalar(1.0),
            Self::JensenShannon => y.exp().neg().add_scalar(2.0).log().neg(),
        }
    }

    /// Λ_f(φ) on data values φ(y): `[batch, 1]` → `[1]`. `shift` is ν, `[1, 1]`, used when
    /// [`Divergence::has_shift`]: Λ = ν + mean f*(φ − ν).
    /// KL (DV): log mean e^φ, as a stable log-sum-exp: m + log mean e^{φ−m}, m = max φ (detached).
    pub fn data_term(self, phi_data: Tensor<2>, shift: Option<&Tensor<2>>) -> Tensor<1> {
        match (self, shift) {
            (Self::KullbackLeibler, _) => {
                let m = phi_data.clone().max().detach(); // [1]
                let centred = phi_data.sub(m.clone().unsqueeze::<2>());
                centred.exp().mean().log().add(m)
            }
            (Self::Wasserstein1, _) => phi_data.mean(),
            (_, Some(nu)) => {
                let conjugate = self.conjugate_tensor(phi_data.sub(nu.clone()));
                conjugate.mean().add(nu.clone().reshape([1]))
            }
            (_, None) => panic!("{self} needs the shift ν"),
        }
    }
}

/// log mean e^φ over data values φ(y), `[batch, 1]` → `[1]`, computed directly as the released
/// code does (docs/method.md §6): non-finite once e^φ overflows or every e^φ underflows in f32.
/// [`Divergence::data_term`] is the stable form of the same quantity.
pub fn log_mean_exp_released_code(phi_data: Tensor<2>) -> Tensor<1> {
    phi_data.exp().mean().log()
}

impl fmt::Display for Divergence {
    /// The CLI/URL spelling, inverse of its `FromStr`.
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::KullbackLeibler => write!(out, "kl"),
            Self::Wasserstein1 => write!(out, "w1"),
            Self::Alpha(alpha) => write!(out, "alpha:{alpha}"),
            Self::ReverseKullbackLeibler => write!(out, "reverse-kl"),
            Self::JensenShannon => write!(out, "js"),
        }
    }
}

/// The W1 proximal's one-sided penalty c_GP·mean_b max(0, |∇φ(x̂_b)|² − L²).
/// `critic_gradient`: ∇φ at the interpolates, `[batch, d]`.
pub fn gradient_penalty(critic_gradient: Tensor<2>, lipschitz: f64, weight: f64) -> Tensor<1> {
    let squared_norm = critic_gradient.square().sum_dim(1); // [batch, 1]
    squared_norm
        .sub_scalar(lipschitz * lipschitz)
        .clamp_min(0.0)
        .mean()
        .mul_scalar(weight)
}
