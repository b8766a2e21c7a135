//! Moving host data in and out of tensors.

use burn::tensor::{DType, Device, Tensor, TensorData};

/// A row-major `[rows, cols]` host buffer as a tensor of the given float dtype.
pub fn matrix(
    values: Vec<f32>,
    rows: usize,
    cols: usize,
    device: &Device,
    dtype: DType,
) -> Tensor<2> {
    Tensor::from_data(TensorData::new(values, [rows, cols]), (device, dtype))
}

/// A tensor's values as f64, row-major (a synchronous readback).
pub fn to_f64(tensor: Tensor<2>) -> Vec<f64> {
    tensor.into_data().iter::<f64>().collect()
}

/// A tensor's values as f32, row-major (a synchronous readback).
pub fn to_f32(tensor: Tensor<2>) -> Vec<f32> {
    tensor.into_data().iter::<f32>().collect()
}

/// The single value of a `[1]` tensor as f64 (a synchronous readback).
pub fn scalar(tensor: Tensor<1>) -> f64 {
    tensor.into_data().iter::<f64>().next().unwrap_or(f64::NAN)
}
