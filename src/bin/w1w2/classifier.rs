//! `w1w2 classifier`: trains the digit score's classifier (src/digits/) on the training split of
//! the digits, writes its file, and prints a JSON line an epoch and one for the result: its
//! accuracy on the held-out check split and the file's size.

use serde_json::json;
use w1w2_flow::data::images::{Split, mnist};
use w1w2_flow::digits::{ClassifierTraining, DigitClassifier};

use crate::failure::Failure;
use crate::options::ClassifierArgs;

pub fn run(args: ClassifierArgs) -> Result<(), Failure> {
    let digits = mnist().map_err(Failure::usage)?;
    let training = ClassifierTraining {
        seed: args.seed,
        epochs: args.epochs,
        batch_size: args.batch_size,
        learning_rate: args.learning_rate,
    };
    if training.epochs == 0 || training.batch_size == 0 {
        return Err(Failure::usage(
            "--epochs and --batch-size must be at least 1",
        ));
    }
    let classifier = DigitClassifier::train(digits, &training, |epoch, loss| {
        println!("{}", json!({ "epoch": epoch, "loss": loss }));
    });
    let bytes = classifier.to_bytes();
    std::fs::write(&args.out, &bytes)
        .map_err(|e| Failure::runtime(format!("cannot write {}: {e}", args.out.display())))?;
    println!(
        "{}",
        json!({
            "check_accuracy": classifier.check_accuracy,
            "check_digits": digits.indices(Split::Check).len(),
            "training_digits": digits.indices(Split::Training).len(),
            "reference_digits": digits.indices(Split::Reference).len(),
            "bytes": bytes.len(),
            "file": args.out.display().to_string(),
        })
    );
    Ok(())
}
