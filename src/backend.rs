//! Choosing the burn device a run uses, by name (the CLI's `--backend`).

use burn::tensor::Device;

use crate::names::named;

/// The backends a native run can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// The default CPU backend (the faster of the two on this workload: flex).
    Cpu,
    /// burn's flex backend (pure Rust, SIMD).
    Flex,
    /// burn's ndarray backend.
    Ndarray,
    /// burn's wgpu backend on the best GPU adapter found.
    Wgpu,
}

named!(Backend, [Cpu => "cpu", Flex => "flex", Ndarray => "ndarray", Wgpu => "wgpu"]);

impl Backend {
    /// The device (without autodiff; the trainer enables it).
    pub fn device(self) -> Device {
        match self {
            Self::Cpu | Self::Flex => Device::flex(),
            // Deprecated in burn 0.22 in favour of flex; kept to measure both (`w1w2 bench`).
            #[allow(deprecated)]
            Self::Ndarray => Device::ndarray(),
            Self::Wgpu => Device::wgpu(Default::default()),
        }
    }
}
