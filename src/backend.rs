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

/// An opened backend: its device (without autodiff; the trainer enables it) and what it runs on.
pub struct Opened {
    pub device: Device,
    /// The backend, and for wgpu the adapter, in words.
    pub description: String,
    /// Whether the adapter is a software one (a CPU driver such as Mesa's lavapipe), where the
    /// CPU backends are faster.
    pub software: bool,
}

impl Backend {
    /// Opens the backend's device; for wgpu, the best adapter found, or an error naming why
    /// there is none.
    #[cfg(not(target_family = "wasm"))]
    pub fn open(self) -> Result<Opened, String> {
        let cpu = |device, description: &str| Opened {
            device,
            description: description.to_string(),
            software: false,
        };
        Ok(match self {
            Self::Cpu | Self::Flex => cpu(Device::flex(), "flex (CPU)"),
            // Deprecated in burn 0.22 in favour of flex; kept to measure both (`w1w2 bench`).
            #[allow(deprecated)]
            Self::Ndarray => cpu(Device::ndarray(), "ndarray (CPU)"),
            Self::Wgpu => {
                let (device, setup) = Device::wgpu_options()
                    .init_with_setup()
                    .map_err(|e| format!("no wgpu adapter could be opened: {e}"))?;
                let info = setup.adapter.get_info();
                Opened {
                    device,
                    description: format!(
                        "wgpu adapter '{}' ({:?}, {:?})",
                        info.name, info.backend, info.device_type
                    ),
                    software: info.device_type == burn_cubecl::cubecl::wgpu::wgpu::DeviceType::Cpu,
                }
            }
        })
    }
}
