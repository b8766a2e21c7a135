//! Launching the fused kernels: hand-written WGSL (shaders/, each with the equations it computes)
//! run on burn's own wgpu device through cubecl's precompiled-source path, and the buffers they
//! bind, shared with burn's tensors.

use burn::tensor::{DType, Device, Tensor};
use burn_cubecl::CubeBackend;
use burn_cubecl::cubecl::client::Client;
use burn_cubecl::cubecl::ir::metadata::Info;
use burn_cubecl::cubecl::ir::{ElemType, UIntKind};
use burn_cubecl::cubecl::prelude::KernelMetadata;
use burn_cubecl::cubecl::prelude::{
    AddressType, CubeCount, ExecutionMode, KernelDefinition, KernelId, KernelSettings, Scope,
};
use burn_cubecl::cubecl::server::{Handle, KernelArguments};
use burn_cubecl::cubecl::{CubeKernel, PrecompiledSource};
use burn_cubecl::tensor::CubeTensor;

/// The definitions every kernel shares: its configuration block and the layout words.
const COMMON: &str = include_str!("shaders/common.wgsl");
/// The critic's value and input gradient, and the per-sample gradient rows: what the per-sample
/// kernels share.
const PER_SAMPLE: [&str; 2] = [
    include_str!("shaders/critic_net.wgsl"),
    include_str!("shaders/gradient_rows.wgsl"),
];

/// U's quadratic coefficient q(t): what the kernels that run the flow share.
const QUADRATIC: &str = include_str!("shaders/quadratic.wgsl");

/// The fused kernels, each one WGSL file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shader {
    Rollout,
    CriticSample,
    CriticWeights,
    ReduceAdam,
    GeneratorSample,
    CopySegments,
}

impl Shader {
    /// The kernel's source: the common definitions, the per-sample helpers for the kernels that
    /// work a sample an invocation, U's quadratic coefficient for the kernels that run the flow,
    /// then its own file.
    fn source(self) -> String {
        let (own, per_sample, flow) = match self {
            Self::Rollout => (include_str!("shaders/rollout.wgsl"), false, true),
            Self::CriticSample => (include_str!("shaders/critic_sample.wgsl"), true, false),
            Self::CriticWeights => (include_str!("shaders/critic_weights.wgsl"), false, false),
            Self::ReduceAdam => (include_str!("shaders/reduce_adam.wgsl"), false, false),
            Self::GeneratorSample => (include_str!("shaders/generator_sample.wgsl"), true, true),
            Self::CopySegments => (include_str!("shaders/copy_segments.wgsl"), false, false),
        };
        let shared = if per_sample {
            PER_SAMPLE.join("\n")
        } else {
            String::new()
        };
        let quadratic = if flow { QUADRATIC } else { "" };
        format!("{COMMON}\n{shared}\n{quadratic}\n{own}")
    }

    /// Invocations a workgroup (the `@workgroup_size` of the file).
    pub fn workgroup_size(self) -> u32 {
        match self {
            Self::CriticWeights => 256,
            _ => 64,
        }
    }
}

/// A shader as cubecl's kernel: no IR, only the WGSL text, keyed by the shader.
struct WgslKernel(Shader);

impl KernelMetadata for WgslKernel {
    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info(self.0)
    }

    fn address_type(&self) -> ElemType {
        UIntKind::U32.into()
    }
}

impl CubeKernel for WgslKernel {
    fn define(&self) -> KernelDefinition {
        let settings = KernelSettings::new(
            burn_cubecl::cubecl::ir::settings::Dim3::new_1d(self.0.workgroup_size()),
            ExecutionMode::Checked,
            AddressType::U32,
        );
        KernelDefinition {
            body: Scope::root(settings.clone()),
            settings,
            info: Info::default(),
        }
    }

    fn source(&self) -> Option<PrecompiledSource> {
        Some(PrecompiledSource {
            source: self.0.source(),
            entrypoint_name: "main".to_string(),
            lang: "wgsl",
        })
    }
}

/// A buffer on the device: a cubecl handle, possibly a 256-byte-aligned window of a larger one.
#[derive(Clone)]
pub struct Buffer(pub Handle);

/// The compute client of burn's wgpu device, and the launches made through it.
pub struct Gpu {
    client: Client,
    device: burn_cubecl::CubeDevice,
    /// Compute dispatches launched so far.
    pub dispatches: u64,
}

impl Gpu {
    /// The client behind `device`, or `None` when the device is not a cubecl (wgpu) one.
    pub fn of(device: &Device) -> Option<Self> {
        let probe = Tensor::<1>::zeros([1], device);
        let tensor = probe.try_into_primitive::<CubeBackend>().ok()?;
        Some(Self {
            client: tensor.client,
            device: tensor.device,
            dispatches: 0,
        })
    }

    /// The device's name, as its driver gives it.
    pub fn name(&self) -> &str {
        &self.client.properties().identity.name
    }

    /// A device buffer holding `values`.
    pub fn upload_f32(&self, values: &[f32]) -> Buffer {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        Buffer(self.client.create_from_slice(&bytes))
    }

    /// A device buffer holding `words`.
    pub fn upload_words(&self, words: &[u32]) -> Buffer {
        let bytes: Vec<u8> = words.iter().flat_map(|v| v.to_le_bytes()).collect();
        Buffer(self.client.create_from_slice(&bytes))
    }

    /// A zeroed buffer of `count` floats.
    pub fn zeros(&self, count: usize) -> Buffer {
        self.upload_f32(&vec![0.0; count.max(1)])
    }

    /// Runs `shader` over `invocations` invocations, binding `cfg` then `buffers` in order.
    pub fn launch(
        &mut self,
        shader: Shader,
        invocations: usize,
        cfg: &Buffer,
        buffers: &[&Buffer],
    ) {
        let groups = (invocations as u32)
            .div_ceil(shader.workgroup_size())
            .max(1);
        let mut arguments = KernelArguments::new().with_buffer(cfg.0.clone().binding());
        for buffer in buffers {
            arguments = arguments.with_buffer(buffer.0.clone().binding());
        }
        self.client.launch(
            Box::new(WgslKernel(shader)),
            CubeCount::Static(groups, 1, 1),
            arguments,
        );
        self.dispatches += 1;
    }

    /// A burn tensor of `shape` reading `buffer` (no copy).
    pub fn tensor<const D: usize>(&self, buffer: &Buffer, shape: [usize; D]) -> Tensor<D> {
        let tensor = CubeTensor::new_contiguous(
            self.client.clone(),
            self.device.clone(),
            shape.into(),
            buffer.0.clone(),
            DType::F32,
        );
        Tensor::from_primitive::<CubeBackend>(tensor)
    }
}

/// The buffer behind a burn tensor on the wgpu device (its autodiff wrapper is looked through).
pub fn buffer_of<const D: usize>(tensor: &Tensor<D>) -> Buffer {
    let tensor = tensor
        .clone()
        .inner()
        .try_into_primitive::<CubeBackend>()
        .expect("a fused trainer's tensors live on the wgpu device");
    // The kernels read and write a bound buffer as one dense array from its start: the tensor
    // must be dense and begin where its buffer begins (a view into the middle of a larger buffer
    // would be read and written wrongly). The buffer may be longer than the tensor, since the
    // allocator rounds sizes up to its alignment. Checked in release builds too (the tests run in
    // release).
    let bytes = tensor.meta.shape().num_elements() * std::mem::size_of::<f32>();
    assert!(
        tensor.is_contiguous()
            && tensor.handle.offset_start.unwrap_or(0) == 0
            && tensor.handle.size() as usize >= bytes,
        "a fused trainer binds whole buffers from their start, but this tensor of {bytes} bytes \
         is a strided view or starts inside its {}-byte buffer",
        tensor.handle.size()
    );
    Buffer(tensor.handle)
}

/// A window of `buffer`: `length` bytes from `offset` (both multiples of 256).
pub fn window(buffer: &Buffer, offset: usize, length: usize, total: usize) -> Buffer {
    Buffer(
        buffer
            .0
            .clone()
            .offset_start(offset as u64)
            .offset_end((total - offset - length) as u64),
    )
}
