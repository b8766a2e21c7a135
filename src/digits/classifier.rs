//! A small classifier of 28×28 digits: two conv–ReLU–maxpool blocks (5×5 kernels, 8 then 16
//! channels, [`ConvLayout`]), a dense ReLU layer of [`FEATURES`] units (the penultimate features
//! the digit score's Fréchet distance is measured in), and 10 logits. Trained on the training
//! split of the project's digits by softmax cross-entropy with Adam; its weights live on the host
//! and are made into tensors of the CPU backend for each use.

use burn::tensor::activation::log_softmax;
use burn::tensor::{DType, Device};

use super::frechet::Gaussian;
use crate::data::images::{CLASSES, Images, PIXELS, SIDE, Split};
use crate::nn::tensor_io::{matrix, scalar, to_f32};
use crate::nn::{Activation, Adam, ConvLayout, ConvNet};
use crate::rng::Rng;

/// Width of the penultimate layer: the dimension of the features.
pub const FEATURES: usize = 64;

/// Images classified at once (bounds the activations' memory).
const CHUNK: usize = 128;

/// The classifier's convolutions.
pub fn layout() -> ConvLayout {
    ConvLayout {
        kernel: 5,
        channels: vec![8, 16],
        activation: Activation::Relu,
    }
}

/// How the classifier is trained: `w1w2 classifier`'s settings.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClassifierTraining {
    /// The seed of the initial weights and of the order digits are visited in.
    pub seed: u64,
    /// Passes over the training split.
    pub epochs: usize,
    /// Digits an Adam step.
    pub batch_size: usize,
    /// Adam's rate.
    pub learning_rate: f64,
}

impl Default for ClassifierTraining {
    fn default() -> Self {
        Self {
            seed: 1,
            epochs: 8,
            batch_size: 50,
            learning_rate: 2e-3,
        }
    }
}

/// A trained classifier, on the host: its parameters in [`ConvNet::parameters`]' order, and the
/// features' Gaussian over the reference split of real digits.
#[derive(Clone, Debug, PartialEq)]
pub struct DigitClassifier {
    pub parameters: Vec<f32>,
    pub reference: Gaussian,
    /// What trained it, and its accuracy on the check split.
    pub training: ClassifierTraining,
    pub check_accuracy: f64,
}

/// Per image: the class probabilities (softmax of the logits) and the penultimate features.
pub struct Classified {
    /// `[n, CLASSES]`.
    pub probabilities: Vec<f32>,
    /// `[n, FEATURES]`.
    pub features: Vec<f32>,
}

/// The network with Glorot-random weights from `rng`, on `device`.
fn network(rng: &mut Rng, device: &Device) -> ConvNet {
    ConvNet::glorot(
        SIDE,
        0,
        &layout(),
        &[FEATURES],
        CLASSES,
        rng,
        device,
        DType::F32,
    )
}

/// The number of parameters of the network.
pub fn parameter_count() -> usize {
    network(&mut Rng::new(0), &Device::flex())
        .parameters()
        .iter()
        .map(|p| p.dims().iter().product::<usize>())
        .sum()
}

/// The network holding `values` (end to end, in [`ConvNet::parameters`]' order), on `device`.
fn network_with(values: &[f32], device: &Device) -> ConvNet {
    let shape = network(&mut Rng::new(0), device);
    let mut offset = 0;
    let parameters = shape
        .parameters()
        .iter()
        .map(|p| {
            let [rows, cols] = p.dims();
            let part = values[offset..offset + rows * cols].to_vec();
            offset += rows * cols;
            matrix(part, rows, cols, device, DType::F32)
        })
        .collect();
    shape.with_parameters(parameters)
}

impl DigitClassifier {
    /// Classifies `images` (`[n, PIXELS]`, values in [0, 1]) on the CPU backend.
    pub fn classify(&self, images: &[f32]) -> Classified {
        let device = Device::flex();
        let net = network_with(&self.parameters, &device);
        let mut classified = Classified {
            probabilities: Vec::with_capacity(images.len() / PIXELS * CLASSES),
            features: Vec::with_capacity(images.len() / PIXELS * FEATURES),
        };
        for chunk in images.chunks(CHUNK * PIXELS) {
            let rows = chunk.len() / PIXELS;
            let pass = net.forward(matrix(chunk.to_vec(), rows, PIXELS, &device, DType::F32));
            let probabilities = burn::tensor::activation::softmax(pass.output.clone(), 1);
            classified.probabilities.extend(to_f32(probabilities));
            classified.features.extend(to_f32(pass.penultimate()));
        }
        classified
    }

    /// The share of `split`'s digits whose most probable class is their own.
    pub fn accuracy(&self, digits: &Images, split: Split) -> f64 {
        let indices = digits.indices(split);
        let classified = self.classify(&pixels_of(digits, &indices));
        let correct = indices
            .iter()
            .zip(classified.probabilities.chunks_exact(CLASSES))
            .filter(|(index, p)| most_probable(p) == digits.label(**index))
            .count();
        correct as f64 / indices.len() as f64
    }

    /// Trains a classifier on the training split of `digits` ([`ClassifierTraining`]), then
    /// measures its accuracy on the check split and its features on the reference split.
    /// `progress` is told each epoch's mean loss.
    pub fn train(
        digits: &Images,
        training: &ClassifierTraining,
        mut progress: impl FnMut(usize, f64),
    ) -> Self {
        let device = Device::flex().autodiff();
        let mut rng = Rng::new(training.seed);
        let mut net = network(&mut rng.fork(1), &device).map(|p| p.require_grad());
        let mut order_rng = rng.fork(2);
        let mut adam = Adam::paper();
        let mut indices = digits.indices(Split::Training);
        let b = training.batch_size;
        for epoch in 0..training.epochs {
            shuffle(&mut indices, &mut order_rng);
            let mut total = 0.0;
            let batches = indices.len() / b;
            for batch in indices.chunks_exact(b) {
                let images = matrix(pixels_of(digits, batch), b, PIXELS, &device, DType::F32);
                let mut one_hot = vec![0.0; b * CLASSES];
                for (row, &index) in batch.iter().enumerate() {
                    one_hot[row * CLASSES + digits.label(index)] = 1.0;
                }
                let targets = matrix(one_hot, b, CLASSES, &device, DType::F32);
                // Cross-entropy: −mean_b Σ_c onehot_bc · log softmax(logits)_bc.
                let loss = log_softmax(net.forward(images).output, 1)
                    .mul(targets)
                    .sum()
                    .div_scalar(-(b as f64));
                let gradients = loss.backward();
                let updated = adam.step(net.parameters(), &gradients, training.learning_rate);
                net = net.with_parameters(updated);
                total += scalar(loss.inner());
            }
            progress(epoch + 1, total / batches as f64);
        }
        let parameters = net
            .parameters()
            .into_iter()
            .flat_map(|p| to_f32(p.inner()))
            .collect();
        let mut classifier = Self {
            parameters,
            reference: Gaussian {
                mean: Vec::new(),
                covariance: Vec::new(),
            },
            training: training.clone(),
            check_accuracy: 0.0,
        };
        let reference = classifier
            .classify(&pixels_of(digits, &digits.indices(Split::Reference)))
            .features;
        classifier.reference = Gaussian::fit(&reference, FEATURES);
        classifier.check_accuracy = classifier.accuracy(digits, Split::Check);
        classifier
    }
}

/// The class with the largest probability.
pub fn most_probable(probabilities: &[f32]) -> usize {
    probabilities
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map_or(0, |(class, _)| class)
}

/// The pixels of the digits at `indices`, `[n, PIXELS]`.
pub fn pixels_of(digits: &Images, indices: &[usize]) -> Vec<f32> {
    indices.iter().flat_map(|&i| digits.pixels(i)).collect()
}

/// A Fisher–Yates shuffle from `rng`.
fn shuffle(items: &mut [usize], rng: &mut Rng) {
    for i in (1..items.len()).rev() {
        items.swap(i, rng.below(i + 1));
    }
}
