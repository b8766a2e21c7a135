//! The digit score's known answers (src/digits/): the shipped classifier reads held-out real
//! digits as digits of every class, close to the reference digits, and the flow's source noise as
//! no digit at all, far from them.

use w1w2_flow::config::TrainConfig;
use w1w2_flow::data::images::{Split, mnist};
use w1w2_flow::digits::classifier::pixels_of;
use w1w2_flow::digits::{DigitClassifier, shipped};
use w1w2_flow::rng::Rng;

fn digits() -> &'static w1w2_flow::data::images::Images {
    mnist().expect("www/data/mnist.u8: run `cargo xtask data` first")
}

#[test]
fn the_shipped_classifier_reads_held_out_digits() {
    let classifier = shipped().expect("src/digits/classifier.w1w2c");
    let accuracy = classifier.accuracy(digits(), Split::Check);
    eprintln!("check-split accuracy {accuracy:.4}");
    assert!(accuracy >= 0.95, "held-out accuracy {accuracy}");
}

#[test]
fn real_digits_score_as_digits_and_source_noise_does_not() {
    let classifier = shipped().expect("src/digits/classifier.w1w2c");
    let check = pixels_of(digits(), &digits().indices(Split::Check));
    let real = classifier.score(&check);
    let rows = check.len() / 784;
    let noise = classifier.score(&TrainConfig::mnist().source_sample(rows, &mut Rng::new(5)));
    eprintln!("real: {real:?}\nnoise: {noise:?}");
    assert!(real.digits_confident >= 0.7, "{real:?}");
    assert_eq!(real.digits_classes, 10, "{real:?}");
    assert!(noise.digits_confident <= 0.02, "{noise:?}");
    assert!(
        real.digit_fid < 0.05 * noise.digit_fid,
        "{real:?} against {noise:?}"
    );
}

#[test]
fn a_classifier_file_round_trips_and_refuses_other_bytes() {
    let classifier = shipped().unwrap();
    let bytes = classifier.to_bytes();
    assert_eq!(&DigitClassifier::from_bytes(&bytes).unwrap(), classifier);
    assert!(
        DigitClassifier::from_bytes(b"W1W2FLOW....")
            .unwrap_err()
            .contains("not a digit classifier")
    );
    assert!(
        DigitClassifier::from_bytes(&bytes[..bytes.len() - 4])
            .unwrap_err()
            .contains("finite values")
    );
}
