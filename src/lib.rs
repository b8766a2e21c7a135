//! # w1w2-flow
//!
//! Well-posed generative flows (Gu, Katsoulakis, Rey-Bellet, Zhang, 2024): particles drawn from
//! N(0, I) move along v = −∇ₓU_θ(x, t)/λ for t ∈ [0, T] (forward Euler, K steps). A critic φ_ω
//! estimates a Lipschitz-regularised f-divergence between where the particles end and the data
//! (the **W1 proximal**, a one-sided gradient penalty |∇φ| ≤ L); a kinetic-energy penalty
//! λ·½∫|v|² (the **W2 proximal**) makes the paths optimal-transport paths, straight lines of
//! constant speed. Together they make the mean-field-game optimality system well posed, and the
//! flow learns data on low-dimensional manifolds embedded in R^d.
//!
//! Paper B (Houdard, Leclaire, Papadakis, Rabin, 2021) supplies a discriminator-free alternative:
//! the entropic semi-discrete OT cost W_c^λ to the data, C¹ for λ > 0, whose gradient pulls each
//! sample toward its soft-assigned data barycentre ([`sdot`]). It serves as the flow's terminal
//! cost ([`terminal`]) or trains a one-shot generator ([`ot_generator`]).
//!
//! The trainer runs on whichever burn [`Device`](burn::tensor::Device) it is given: the CPU
//! backends natively, wgpu where a GPU exists, WebGPU in the browser.
//!
//! | module | what it holds |
//! |---|---|
//! | [`config`] | every hyperparameter and its presets, the limits and validation, the page's control table |
//! | `names` | one spelling per enum variant, for the CLI, serde and the page |
//! | [`data`] | the 2-D shapes, their embedding in R^d, the data pool |
//! | [`nn`] | MLPs with analytic input gradients, Adam |
//! | [`flow`] | U_θ, v = −∇ₓU/λ, Euler rollout, kinetic energy |
//! | [`divergence`] | f, f*, Λ_f, the gradient penalty |
//! | [`terminal`] | the flow's terminal cost: paper A's critic or paper B's OT cost |
//! | [`train`] | the flow's trainer: the critic (or dual) steps and the generator step |
//! | [`fused`] | the same iteration as WGSL kernels on burn's wgpu device, the GPU path for MLP flows |
//! | [`losses`] | the losses of an iteration, their readback, divergence detection |
//! | [`model_file`] | a trained model as one file: config, weights, Adam, iteration, streams |
//! | [`models`] | what a configuration builds: U_θ, φ_ω, paper B's OT problem |
//! | [`ot_generator`] | paper B's OT generator g_θ and its training step |
//! | [`parallel`] | fork–join of two trainer phases (two threads natively, in turn on wasm) |
//! | [`run`] | the [`Training`](training::Training) interface both trainers implement, and the run a mode names |
//! | [`diagnostics`] | HJ and terminal residuals, straightness, speeds, metrics |
//! | [`digits`] | the digit score: a small classifier of digits, its confidence, classes and Fréchet distance |
//! | [`metrics`] | debiased Sinkhorn (geomloss), exact and sliced W2 |
//! | `backend` | choosing a native device by name (the CLI's `--backend`) |
//! | [`rng`] | the seeded random streams |
//! | [`sdot`] | paper B: the (c,λ)-transform, soft assignments, averaged-SGD dual ascent |
//! | [`snapshot`] | what the page draws: trajectories, φ and velocity fields, predicted lines |
//! | [`walkthrough`] | one iteration stage by stage, each undoable (the page's walk-through) |
//! | `web` | (wasm only) the wasm-bindgen surface the page's worker drives |

#[cfg(not(target_arch = "wasm32"))]
pub mod backend;
pub mod config;
pub mod data;
pub mod diagnostics;
pub mod digits;
pub mod divergence;
pub mod flow;
pub mod fused;
pub mod losses;
pub mod metrics;
pub mod model_file;
pub mod models;
mod names;
pub mod nn;
pub mod ot_generator;
pub mod parallel;
pub mod quadratic;
pub mod rng;
pub mod run;
pub mod sdot;
pub mod snapshot;
pub mod terminal;
pub mod train;
pub mod training;
pub mod walkthrough;
#[cfg(target_arch = "wasm32")]
pub mod web;
