//! Reading many tensors back in one transfer: each is flattened and concatenated on the device,
//! so a snapshot costs one readback, synchronous natively, asynchronous on WebGPU.

use burn::tensor::Tensor;

/// Tensors queued for one readback.
#[derive(Default)]
pub struct Readback {
    parts: Vec<Tensor<1>>,
    lengths: Vec<usize>,
}

/// A queued tensor's place in the values read back.
#[derive(Clone, Copy, Debug)]
pub struct Slot(usize);

/// The values read back, split per queued tensor.
pub struct ReadValues {
    values: Vec<f32>,
    offsets: Vec<usize>,
}

impl Readback {
    /// Queues `tensor` (any rank; row-major) and returns where its values will be.
    pub fn push<const D: usize>(&mut self, tensor: Tensor<D>) -> Slot {
        let flat: Tensor<1> = tensor.flatten(0, D - 1);
        self.lengths.push(flat.dims()[0]);
        self.parts.push(flat);
        Slot(self.parts.len() - 1)
    }

    fn offsets(&self) -> Vec<usize> {
        let mut offsets = vec![0];
        for length in &self.lengths {
            offsets.push(offsets.last().copied().unwrap_or(0) + length);
        }
        offsets
    }

    /// One synchronous readback of everything queued.
    pub fn read(self) -> ReadValues {
        let offsets = self.offsets();
        if self.parts.is_empty() {
            return ReadValues {
                values: Vec::new(),
                offsets,
            };
        }
        let values = Tensor::cat(self.parts, 0)
            .into_data()
            .iter::<f32>()
            .collect();
        ReadValues { values, offsets }
    }

    /// One asynchronous readback of everything queued (the only kind WebGPU allows).
    pub async fn read_async(self) -> Result<ReadValues, String> {
        let offsets = self.offsets();
        if self.parts.is_empty() {
            return Ok(ReadValues {
                values: Vec::new(),
                offsets,
            });
        }
        let data = Tensor::cat(self.parts, 0)
            .into_data_async()
            .await
            .map_err(|e| format!("reading back from the device failed: {e:?}"))?;
        Ok(ReadValues {
            values: data.iter::<f32>().collect(),
            offsets,
        })
    }
}

impl ReadValues {
    /// The values of a queued tensor.
    pub fn get(&self, slot: Slot) -> &[f32] {
        &self.values[self.offsets[slot.0]..self.offsets[slot.0 + 1]]
    }

    /// The single value of a queued scalar, as f64.
    pub fn scalar(&self, slot: Slot) -> f64 {
        self.get(slot).first().map_or(f64::NAN, |&v| v as f64)
    }
}
