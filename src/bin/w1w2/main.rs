//! `w1w2`: train, evaluate and benchmark W1⊕W2 flows headless, writing metrics as JSON lines.
//!
//! Exit codes: 0 success, 2 bad arguments or configuration, 3 the run diverged, 1 anything else.

#[cfg(not(target_arch = "wasm32"))]
mod bench;
#[cfg(not(target_arch = "wasm32"))]
mod classifier;
#[cfg(not(target_arch = "wasm32"))]
mod compare;
#[cfg(not(target_arch = "wasm32"))]
mod failure;
#[cfg(not(target_arch = "wasm32"))]
mod grid;
#[cfg(not(target_arch = "wasm32"))]
mod options;
#[cfg(not(target_arch = "wasm32"))]
mod progress;
#[cfg(not(target_arch = "wasm32"))]
mod reproduce;
#[cfg(not(target_arch = "wasm32"))]
mod score;
#[cfg(not(target_arch = "wasm32"))]
mod start;
#[cfg(not(target_arch = "wasm32"))]
mod train;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    use clap::Parser;
    let command = match options::Command::try_parse() {
        Ok(command) => command,
        Err(error) => {
            let _ = error.print();
            return std::process::ExitCode::from(if error.use_stderr() { 2 } else { 0 });
        }
    };
    let outcome = match command {
        options::Command::Train(args) => train::run(args),
        options::Command::Bench(args) => bench::run(args),
        options::Command::Reproduce(args) => reproduce::run(args),
        options::Command::Compare(args) => compare::run(args),
        options::Command::Score(args) => score::run(args),
        options::Command::Classifier(args) => classifier::run(args),
    };
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            std::process::ExitCode::from(failure.exit_code)
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}
