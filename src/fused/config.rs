//! The configuration blocks the fused kernels read (src/fused/shaders/common.wgsl): one block of
//! 256 words a dispatch, each at a 256-byte-aligned offset of one upload an iteration, so that
//! every dispatch binds its own block without a buffer of its own.

use crate::nn::Mlp;

/// Words in one block (1 KiB, a multiple of WebGPU's 256-byte storage offset alignment).
pub const BLOCK_WORDS: usize = 256;

/// Header and scalar positions, as common.wgsl names them.
#[derive(Clone, Copy)]
#[repr(usize)]
pub enum Slot {
    Rows = 0,
    Batch,
    Dim,
    Steps,
    StepIndex,
    Flag,
    SourceOffset,
    DataOffset,
    InterpolationOffset,
    ParameterCount,
    NetParameters,
    Divergence,
    W1Proximal,
    W2Proximal,
    HasShift,
    TapeStride,
    ScratchStride,
    Dt,
    Lambda,
    Lipschitz,
    PenaltyWeight,
    Alpha,
    StepSize,
    Beta1,
    Beta2,
    Epsilon,
    Correction2,
    /// Where n's weights of U's quadratic term start in the packed θ, 0 without the term.
    QuadraticAt,
    /// n's hidden width m.
    QuadraticWidth,
    /// q_max = λ/Δt.
    QuadraticBound,
}

/// Where the potential's and the critic's layouts and the copy segments start.
const POTENTIAL_LAYOUT: usize = 32;
const CRITIC_LAYOUT: usize = 128;
const SEGMENTS: usize = 224;
/// Words a layout may use: the count, five a layer, Σw.
const LAYOUT_WORDS: usize = 87;
/// Segments one copy dispatch moves.
pub const SEGMENTS_PER_COPY: usize = 6;

/// Where each layer of a packed MLP lies: (fan in, fan out, weight offset, bias offset) and the
/// offset of its activations in a region of Σw floats.
#[derive(Clone, Debug, PartialEq)]
pub struct NetLayout {
    pub layers: Vec<LayerLayout>,
    /// Floats in the packed vector (weights and biases, in the order of `Mlp::parameters`).
    pub parameters: usize,
    /// Σw over the hidden layers.
    pub hidden_total: usize,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayerLayout {
    pub fan_in: usize,
    pub fan_out: usize,
    pub weight: usize,
    pub bias: usize,
    pub activation: usize,
}

impl NetLayout {
    /// The layout of `mlp`'s parameters laid end to end (row-major weights, then the bias, layer
    /// after layer), as the burn path's Adam lays them (src/nn/adam.rs).
    pub fn of(mlp: &Mlp) -> Self {
        let (mut offset, mut activation) = (0, 0);
        let layers = mlp
            .layers
            .iter()
            .map(|layer| {
                let [fan_in, fan_out] = layer.weight.dims();
                let entry = LayerLayout {
                    fan_in,
                    fan_out,
                    weight: offset,
                    bias: offset + fan_in * fan_out,
                    activation,
                };
                offset += fan_in * fan_out + fan_out;
                activation += fan_out;
                entry
            })
            .collect::<Vec<_>>();
        let output_width = layers.last().map_or(0, |l| l.fan_out);
        Self {
            layers,
            parameters: offset,
            hidden_total: activation - output_width,
        }
    }

    /// The (offset, length) of each parameter tensor in the packed vector.
    pub fn segments(&self) -> Vec<(usize, usize)> {
        self.layers
            .iter()
            .flat_map(|l| [(l.weight, l.fan_in * l.fan_out), (l.bias, l.fan_out)])
            .collect()
    }

    fn write(&self, block: &mut [u32]) {
        block[0] = self.layers.len() as u32;
        for (l, layer) in self.layers.iter().enumerate() {
            let at = 1 + 5 * l;
            block[at..at + 5].copy_from_slice(&[
                layer.fan_in as u32,
                layer.fan_out as u32,
                layer.weight as u32,
                layer.bias as u32,
                layer.activation as u32,
            ]);
        }
        block[LAYOUT_WORDS - 1] = self.hidden_total as u32;
    }
}

/// One dispatch's block under construction, starting from the iteration's shared words.
#[derive(Clone)]
pub struct Block(pub [u32; BLOCK_WORDS]);

impl Block {
    /// A block holding both networks' layouts.
    pub fn new(potential: &NetLayout, critic: &NetLayout) -> Self {
        let mut words = [0; BLOCK_WORDS];
        potential.write(&mut words[POTENTIAL_LAYOUT..POTENTIAL_LAYOUT + LAYOUT_WORDS]);
        critic.write(&mut words[CRITIC_LAYOUT..CRITIC_LAYOUT + LAYOUT_WORDS]);
        Self(words)
    }

    pub fn set(&mut self, slot: Slot, value: usize) -> &mut Self {
        self.0[slot as usize] = value as u32;
        self
    }

    pub fn set_scalar(&mut self, slot: Slot, value: f64) -> &mut Self {
        self.0[slot as usize] = (value as f32).to_bits();
        self
    }

    /// The copy segments (packed offset, length), at most [`SEGMENTS_PER_COPY`].
    pub fn set_segments(&mut self, segments: &[(usize, usize)]) -> &mut Self {
        debug_assert!(segments.len() <= SEGMENTS_PER_COPY);
        for (s, &(offset, length)) in segments.iter().enumerate() {
            self.0[SEGMENTS + 2 * s] = offset as u32;
            self.0[SEGMENTS + 2 * s + 1] = length as u32;
        }
        self.set(Slot::Rows, segments.len())
    }
}

#[cfg(test)]
mod tests {
    use super::{Block, NetLayout};
    use crate::config::TrainConfig;
    use crate::data::toy2d::Toy2d;
    use crate::models::{critic_network, potential_network};
    use crate::nn::Network;
    use crate::rng::Rng;
    use burn::tensor::{DType, Device};

    /// The deepest networks the config allows (16 hidden layers) fit a block, and each layer
    /// starts where the previous one ended.
    #[test]
    fn the_deepest_allowed_networks_fit_one_block() {
        let config = TrainConfig {
            potential_widths: vec![3; 16],
            critic_widths: vec![5; 16],
            ..TrainConfig::paper(Toy2d::Moons, 4)
        };
        let mut rng = Rng::new(1);
        let device = Device::flex();
        let layout = |net: Network| match net {
            Network::Dense(mlp) => NetLayout::of(&mlp),
            Network::Conv(_) => unreachable!(),
        };
        let potential = layout(potential_network(&config, &mut rng, &device, DType::F32));
        let critic = layout(critic_network(&config, &mut rng, &device, DType::F32));
        let block = Block::new(&potential, &critic);
        assert_eq!(block.0[32], 17);
        assert_eq!(block.0[128], 17);
        assert_eq!(block.0[32 + 86], 48, "Σw of U");
        assert_eq!(critic.hidden_total, 80);
        assert_eq!(potential.layers[1].weight, 5 * 3 + 3);
        assert_eq!(potential.parameters, 5 * 3 + 3 + 15 * (3 * 3 + 3) + 3 + 1);
    }
}
