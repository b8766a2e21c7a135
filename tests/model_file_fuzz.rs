//! Deterministic mutations of saved model files, for every kind of run: byte flips, truncations,
//! appended bytes and edits of the header's JSON (numbers at their type's extremes, values of the
//! wrong type, fields removed or written twice). Each file must be refused with a message, or
//! accepted and train an iteration: never a panic, and the process's peak memory within the
//! memory budget (an allocation the budget does not allow would abort the process or show there).
//! With `W1W2_FUZZ_DIR` set, a handful of the refused files are written there for the page's test
//! to load (tests/e2e/page.test.mjs).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use burn::tensor::Device;
use serde_json::{Value, json};
use w1w2_flow::config::memory::NATIVE_BUDGET_BYTES;
use w1w2_flow::config::{Mode, TerminalCost, TrainConfig};
use w1w2_flow::data::toy2d::Toy2d;
use w1w2_flow::divergence::Divergence;
use w1w2_flow::model_file::SavedModel;
use w1w2_flow::rng::Rng;
use w1w2_flow::run::Run;
use w1w2_flow::training::Training;

/// The process's peak resident memory in bytes (Linux's VmHWM), if it can be read.
fn peak_resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kilobytes: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes * 1024)
}

/// Mutated files a kind of run, of each mutation.
const MUTATIONS: usize = 150;

/// A run of each kind small enough to train an iteration in milliseconds.
fn kinds() -> Vec<(&'static str, TrainConfig)> {
    let small = |mode, terminal, dataset| TrainConfig {
        batch_size: 16,
        critic_steps: 1,
        ot_dual_steps: 1,
        data_pool: 64,
        eval_batch: 16,
        ot_points: 32,
        potential_widths: vec![8, 8],
        critic_widths: vec![8],
        generator_widths: vec![8],
        ..TrainConfig::preset(mode, terminal, dataset, 3)
    };
    vec![
        (
            "critic flow",
            small(Mode::Flow, TerminalCost::Critic, Toy2d::Pinwheel),
        ),
        (
            "critic flow, alpha:2, U averaged",
            TrainConfig {
                divergence: Divergence::Alpha(2.0),
                potential_average: 0.9,
                ..small(Mode::Flow, TerminalCost::Critic, Toy2d::Moons)
            },
        ),
        (
            "OT flow",
            small(Mode::Flow, TerminalCost::Ot, Toy2d::Circles),
        ),
        (
            "OT generator",
            small(Mode::Generator, TerminalCost::Ot, Toy2d::EightGaussians),
        ),
    ]
}

/// The header's JSON and where the values start.
fn header(bytes: &[u8]) -> (Value, usize) {
    let length = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    (
        serde_json::from_slice(&bytes[16..16 + length]).unwrap(),
        16 + length,
    )
}

/// `bytes` with its header replaced by `text` (the length word rewritten).
fn with_header(bytes: &[u8], text: &str) -> Vec<u8> {
    let (_, values_at) = header(bytes);
    let mut out = bytes[..12].to_vec();
    out.extend_from_slice(&(text.len() as u32).to_le_bytes());
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(&bytes[values_at..]);
    out
}

/// Values at the extremes of their types, and of other types.
fn extremes() -> Vec<Value> {
    vec![
        json!(0),
        json!(-1),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(u32::MAX),
        json!(1e308),
        json!(-1e308),
        json!(f64::MIN_POSITIVE),
        json!(0.5),
        json!("text"),
        json!(true),
        Value::Null,
        json!([]),
        json!({}),
        json!([u64::MAX, 0, 0, 0]),
    ]
}

/// Every path of a leaf or container in `value`, as a list of keys and indices.
fn paths(value: &Value, prefix: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    out.push(prefix.clone());
    match value {
        Value::Object(fields) => {
            for (key, field) in fields {
                prefix.push(json!(key));
                paths(field, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate().take(3) {
                prefix.push(json!(index));
                paths(item, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

/// The value at `path` in `root`, mutably.
fn at<'a>(root: &'a mut Value, path: &[Value]) -> &'a mut Value {
    path.iter().fold(root, |v, key| match key {
        Value::String(k) => &mut v[k.as_str()],
        other => &mut v[other.as_u64().unwrap() as usize],
    })
}

/// The mutations of `bytes`, deterministic in `rng`, each with its name.
fn mutations(bytes: &[u8], rng: &mut Rng) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let (head, _) = header(bytes);
    let mut all_paths = Vec::new();
    paths(&head, &mut Vec::new(), &mut all_paths);
    let extremes = extremes();
    for _ in 0..MUTATIONS {
        let mut flipped = bytes.to_vec();
        let at_byte = rng.below(bytes.len());
        flipped[at_byte] ^= 1 + rng.below(255) as u8;
        out.push((format!("byte {at_byte} flipped"), flipped));

        let cut = rng.below(bytes.len());
        out.push((format!("truncated to {cut} bytes"), bytes[..cut].to_vec()));

        let mut longer = bytes.to_vec();
        longer.extend((0..1 + rng.below(64)).map(|_| rng.below(256) as u8));
        out.push((
            format!("{} bytes appended", longer.len() - bytes.len()),
            longer,
        ));

        let path = &all_paths[rng.below(all_paths.len())];
        let value = &extremes[rng.below(extremes.len())];
        let mut edited = head.clone();
        *at(&mut edited, path) = value.clone();
        out.push((
            format!("header {path:?} set to {value}"),
            with_header(bytes, &edited.to_string()),
        ));

        let mut removed = head.clone();
        if let Some((last, parent)) = path.split_last() {
            match (at(&mut removed, parent), last) {
                (Value::Object(fields), Value::String(key)) => {
                    fields.remove(key);
                }
                (Value::Array(items), index) => {
                    items.remove(index.as_u64().unwrap() as usize);
                }
                _ => {}
            }
            out.push((
                format!("header {path:?} removed"),
                with_header(bytes, &removed.to_string()),
            ));
        }

        // A field written twice: the object's first field again, with an extreme value.
        let text = head.to_string();
        let twice = text.replacen('{', &format!("{{\"iteration\":{value},"), 1);
        out.push((
            format!("header iteration written twice, first as {value}"),
            with_header(bytes, &twice),
        ));
    }
    out
}

/// What became of a file: refused (with the message), or loaded and trained an iteration.
enum Outcome {
    Refused(String),
    Trained,
}

fn try_file(bytes: &[u8]) -> Outcome {
    let saved = match SavedModel::from_bytes(bytes) {
        Ok(saved) => saved,
        Err(error) => return Outcome::Refused(error.to_string()),
    };
    let mut run = match Run::load(&saved, &Device::flex()) {
        Ok(run) => run,
        Err(error) => return Outcome::Refused(error.to_string()),
    };
    // A finite or a diverged iteration are both an accepted file's clean outcomes.
    let _ = run.step_checked();
    Outcome::Trained
}

#[test]
fn mutated_model_files_are_refused_with_a_message_or_train_and_never_panic() {
    let started = Instant::now();
    let mut rng = Rng::new(29);
    let (mut refused, mut trained, mut panics) = (0, 0, Vec::new());
    let mut for_the_page = Vec::new();
    for (kind, config) in kinds() {
        let mut run = Run::new(config, &Device::flex()).unwrap();
        run.step_checked().unwrap();
        let bytes = run.save().to_bytes();
        for (mutation, file) in mutations(&bytes, &mut rng) {
            match catch_unwind(AssertUnwindSafe(|| try_file(&file))) {
                Ok(Outcome::Refused(message)) => {
                    assert!(!message.is_empty(), "{kind}, {mutation}: an empty message");
                    refused += 1;
                    if kind == "critic flow" && for_the_page.len() < 6 && rng.below(50) == 0 {
                        for_the_page.push((mutation, message, file));
                    }
                }
                Ok(Outcome::Trained) => trained += 1,
                Err(_) => panics.push(format!("{kind}, {mutation}")),
            }
        }
    }
    let peak = peak_resident_bytes().unwrap_or(0);
    eprintln!(
        "{} files: {refused} refused, {trained} accepted and trained, {} panics, in {:.1} s; peak memory {:.0} MB",
        refused + trained + panics.len(),
        panics.len(),
        started.elapsed().as_secs_f64(),
        peak as f64 / 1e6
    );
    assert!(panics.is_empty(), "panics: {panics:#?}");
    assert!(
        refused > 0 && trained > 0,
        "{refused} refused, {trained} trained"
    );
    assert!(peak <= NATIVE_BUDGET_BYTES, "peak memory {peak} bytes");
    if let Some(dir) = std::env::var_os("W1W2_FUZZ_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        for (index, (mutation, message, file)) in for_the_page.iter().enumerate() {
            let path = std::path::Path::new(&dir).join(format!("refused-{index}.w1w2"));
            std::fs::write(&path, file).unwrap();
            std::fs::write(
                path.with_extension("txt"),
                format!("{mutation}\n{message}\n"),
            )
            .unwrap();
        }
    }
}
