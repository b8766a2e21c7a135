//! The `w1w2` command line: its JSON lines, its exit codes and its messages.

use std::path::PathBuf;
use std::process::Command;

fn w1w2(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_w1w2"))
        .args(args)
        .output()
        .expect("w1w2 runs")
}

#[test]
fn train_writes_json_lines_with_every_documented_field() {
    let output = w1w2(&[
        "train",
        "--dataset",
        "moons",
        "--dim",
        "3",
        "--iterations",
        "4",
        "--eval-every",
        "2",
        "--quiet",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines
            .iter()
            .map(|l| l["iteration"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [0, 2, 4]
    );
    for field in [
        "seconds",
        "sinkhorn",
        "w2",
        "kinetic_energy",
        "hj_residual",
        "terminal_residual",
        "straightness",
        "critic_loss",
        "generator_loss",
        "divergence",
        "extra_rms",
    ] {
        assert!(
            lines[2][field].is_number(),
            "{field} missing in {}",
            lines[2]
        );
    }
}

#[test]
fn bad_arguments_exit_with_code_2_and_a_message() {
    let output = w1w2(&["train", "--dataset", "spiral"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("'spiral' is not one of pinwheel"));
    let output = w1w2(&["train", "--dim", "65"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("dim: must be between 2 and 64"));
}

#[test]
fn a_diverging_run_ends_with_a_diverged_line_and_code_3() {
    let config = std::env::temp_dir().join(format!("w1w2-diverging-{}.json", std::process::id()));
    std::fs::write(
        &config,
        r#"{"critic_learning_rate": 1.0, "divergence": "reverse-kl", "data_pool": 1000}"#,
    )
    .unwrap();
    let output = w1w2(&[
        "train",
        "--config",
        config.to_str().unwrap(),
        "--iterations",
        "50",
        "--quiet",
    ]);
    std::fs::remove_file(&config).ok();
    assert_eq!(output.status.code(), Some(3));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let last: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(last["diverged"], true);
    assert!(last["iteration"].as_u64().unwrap() >= 1);
    assert!(String::from_utf8_lossy(&output.stderr).contains("diverged at iteration"));
}

#[test]
fn mnist_training_writes_image_metrics_and_png_sample_grids() {
    // Small networks and batches keep this quick; the paper's preset is `--dataset mnist` alone.
    let dir = std::env::temp_dir().join(format!("w1w2-mnist-{}", std::process::id()));
    let config = dir.join("config.json");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        &config,
        r#"{"dataset": "mnist", "dim": 784, "t_final": 5, "steps": 2, "lambda": 0.05, "batch_size": 8, "critic_steps": 1,
            "potential_widths": [16], "critic_widths": [16], "data_pool": 100, "eval_batch": 16}"#,
    )
    .unwrap();
    let grids = dir.join("grids");
    let output = w1w2(&[
        "train",
        "--config",
        config.to_str().unwrap(),
        "--iterations",
        "2",
        "--eval-every",
        "1",
        "--quiet",
        "--sample-grid",
        grids.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let last: serde_json::Value = serde_json::from_str(
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .last()
            .unwrap(),
    )
    .unwrap();
    assert!(
        last["w2"].is_number()
            && last["kinetic_energy"].is_number()
            && last["divergence"].is_number(),
        "{last}"
    );
    assert!(
        last.get("sinkhorn").is_none() && last.get("extra_rms").is_none(),
        "no plane metrics for images: {last}"
    );
    for iteration in 0..=2 {
        let png = std::fs::read(grids.join(format!("samples-{iteration:06}.png"))).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        // IHDR: width and height, big-endian, after the signature and the chunk header.
        let side = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
        assert_eq!((side(16), side(20)), (8 * 28 + 9 * 2, 8 * 28 + 9 * 2));
    }
    std::fs::remove_dir_all(&dir).ok();
    let refused = w1w2(&["train", "--dataset", "moons", "--sample-grid", "grids"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--sample-grid draws images"));
}

#[test]
fn score_gives_a_runs_own_samples_the_metrics_of_its_last_line() {
    let samples = std::env::temp_dir().join(format!("w1w2-score-{}.csv", std::process::id()));
    let path = samples.to_str().unwrap();
    let output = w1w2(&[
        "train",
        "--dim",
        "3",
        "--seed",
        "5",
        "--iterations",
        "2",
        "--eval-every",
        "2",
        "--quiet",
        "--samples",
        path,
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let last: serde_json::Value = serde_json::from_str(
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .last()
            .unwrap(),
    )
    .unwrap();
    let output = w1w2(&["score", path, "--dataset", "pinwheel", "--seed", "5"]);
    let other_seed = w1w2(&["score", path, "--seed", "6"]);
    std::fs::remove_file(&samples).ok();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let score: serde_json::Value =
        serde_json::from_str(String::from_utf8(output.stdout).unwrap().trim()).unwrap();
    assert_eq!(
        (score["samples"].as_u64(), score["dim"].as_u64()),
        (Some(2000), Some(3))
    );
    for field in ["sinkhorn", "w2", "extra_rms"] {
        assert_eq!(score[field], last[field], "{field}");
    }
    let other: serde_json::Value =
        serde_json::from_str(String::from_utf8(other_seed.stdout).unwrap().trim()).unwrap();
    assert_ne!(
        other["w2"], last["w2"],
        "another seed's held-out data give another W2"
    );
}

#[test]
fn score_names_the_bad_line_of_a_file_and_exits_with_code_2() {
    let samples = std::env::temp_dir().join(format!("w1w2-score-bad-{}.csv", std::process::id()));
    std::fs::write(&samples, "1,2,3\n4,5,6\n7,8\n").unwrap();
    let output = w1w2(&["score", samples.to_str().unwrap()]);
    std::fs::write(&samples, "1\n2\n").unwrap();
    let one_column = w1w2(&["score", samples.to_str().unwrap()]);
    std::fs::remove_file(&samples).ok();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("line 3: expected 3 numbers"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(one_column.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&one_column.stderr).contains("dim: must be between 2 and 64"));
}

/// `w1w2 compare --resume --out <folder>` with `args`, the folder holding beforehand one finished
/// run, `kept` (a file name and its JSON lines): its stderr, its table and the folder, which the
/// caller removes.
fn compare_with_a_kept_run(kept: (&str, &str), args: &[&str]) -> (String, String, PathBuf) {
    let (name, lines) = kept;
    let out = std::env::temp_dir().join(format!("w1w2-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join(name), lines).unwrap();
    let output = w1w2(
        &[
            &["compare"],
            args,
            &["--resume", "--out", out.to_str().unwrap()],
        ]
        .concat(),
    );
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    let table = std::fs::read_to_string(out.join("ot-comparison.md")).unwrap();
    (stderr, table, out)
}

/// The table's row that starts with `start`.
fn row<'a>(table: &'a str, start: &str) -> &'a str {
    table
        .lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no row {start} in {table}"))
}

#[test]
fn compare_resumes_from_finished_runs_and_trains_only_the_missing_ones() {
    // A finished run of seed 1 with figures no training gives, and no run of seed 2.
    let (stderr, table, out) = compare_with_a_kept_run(
        (
            "compare-circles-OT-generator-seed1.jsonl",
            "{\"iteration\":0,\"w2\":10.0,\"sinkhorn\":5.0}\n{\"iteration\":3,\"w2\":9.0,\"sinkhorn\":4.0}\n",
        ),
        &[
            "--datasets",
            "circles",
            "--methods",
            "OT-generator",
            "--seeds",
            "1-2",
            "--iterations",
            "3",
            "--eval-every",
            "3",
        ],
    );
    assert!(
        stderr.contains("[compare-circles-OT-generator-seed1] kept"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("[compare-circles-OT-generator-seed1] iteration"),
        "{stderr}"
    );
    let trained =
        std::fs::read_to_string(out.join("compare-circles-OT-generator-seed2.jsonl")).unwrap();
    assert_eq!(trained.lines().count(), 2, "{trained}");
    // The worst final W2 is the kept run's 9.0: circles span ±2.2, no trained run is that far.
    let circles = row(&table, "| circles | 2 | OT generator | 2 |");
    assert!(circles.contains("/ 9.000 |"), "{circles}");
    assert!(!table.contains("critic terminal"), "{table}");
    std::fs::remove_dir_all(&out).ok();

    let output = w1w2(&["compare", "--methods", "critic", "--iterations", "1"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown method “critic”"));
}

#[test]
fn compare_runs_the_ablation_from_the_same_start_and_tables_each_variant() {
    let out = std::env::temp_dir().join(format!("w1w2-ablation-{}", std::process::id()));
    let output = w1w2(&[
        "compare",
        "--datasets",
        "pinwheel",
        "--methods",
        "ablation",
        "--seeds",
        "1",
        "--iterations",
        "2",
        "--eval-every",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let table = std::fs::read_to_string(out.join("ot-comparison.md")).unwrap();
    let records = |method: &str| -> Vec<serde_json::Value> {
        let name = format!("compare-pinwheel-{method}-seed1.jsonl");
        std::fs::read_to_string(out.join(&name))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    };
    let both = records("critic-terminal");
    for (method, row_name) in [
        ("W1-only", "W1 only"),
        ("W2-only", "W2 only"),
        ("neither", "neither"),
    ] {
        row(&table, &format!("| pinwheel | 2 | {row_name} | 1 |"));
        // The same data, seed and source points: the untrained flows score alike.
        assert_eq!(records(method)[0]["w2"], both[0]["w2"], "{method}");
    }
    row(&table, "| pinwheel | 2 | critic terminal | 1 |");
    assert!(!table.contains("| OT "), "{table}");
    // Without the kinetic-energy penalty the generator's gradient differs from the first step.
    assert_ne!(records("W1-only")[1]["w2"], both[1]["w2"]);
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn compare_in_r_d_names_runs_by_dimension_and_tables_the_band_and_the_extra_coordinates() {
    // A finished 12-D run: W2 over the last 2,000 iterations between 0.30 and 0.45.
    let curve = [
        (0, 1.0),
        (1000, 0.5),
        (2000, 0.3),
        (3000, 0.45),
        (4000, 0.36),
    ];
    let lines: String = curve
        .iter()
        .map(|(i, w2)| format!("{{\"iteration\":{i},\"w2\":{w2},\"extra_rms\":0.04}}\n"))
        .collect();
    let (stderr, table, out) = compare_with_a_kept_run(
        ("compare-circles-d12-critic-terminal-seed1.jsonl", &lines),
        &[
            "--datasets",
            "circles",
            "--dims",
            "12",
            "--methods",
            "critic-terminal",
            "--seeds",
            "1",
            "--iterations",
            "4000",
        ],
    );
    assert!(
        stderr.contains("[compare-circles-d12-critic-terminal-seed1] kept"),
        "{stderr}"
    );
    let circles = row(&table, "| circles | 12 | critic terminal | 1 |");
    assert!(
        circles.contains("| 1.50 / 1.50 | 0.040 / 0.040 |"),
        "{circles}"
    );
    assert!(table.contains("--dims 12"), "{table}");
    std::fs::remove_dir_all(&out).ok();

    let output = w1w2(&["compare", "--dims", "65", "--iterations", "1"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("--dims 65: dim: must be between 2 and 64")
    );
}

/// The JSON lines of a successful `w1w2` call.
fn records(args: &[&str]) -> Vec<serde_json::Value> {
    let output = w1w2(args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_run_saved_and_continued_with_init_matches_one_run_of_the_whole_length() {
    let folder = std::env::temp_dir().join(format!("w1w2-init-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let model = folder.join("half.w1w2");
    let model = model.to_str().unwrap();
    let common = ["--eval-every", "5", "--quiet"];
    let whole = records(&[&["train", "--seed", "4", "--iterations", "10"], &common[..]].concat());
    records(
        &[
            &["train", "--seed", "4", "--iterations", "5", "--save", model],
            &common[..],
        ]
        .concat(),
    );
    let continued = records(
        &[
            &["train", "--init", model, "--iterations", "5"],
            &common[..],
        ]
        .concat(),
    );
    let (expected, got) = (whole.last().unwrap(), continued.last().unwrap());
    assert_eq!(got["iteration"], 10);
    for field in ["critic_loss", "generator_loss", "w2", "kinetic_energy"] {
        assert_eq!(got[field], expected[field], "{field}");
    }

    let not_a_model = folder.join("points.csv");
    std::fs::write(&not_a_model, "0.5,1.0\n").unwrap();
    let output = w1w2(&["train", "--init", not_a_model.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a w1w2-flow model"));
    std::fs::remove_dir_all(&folder).unwrap();
}

/// On wgpu the CLI names the adapter it opened, warns when it is a software one, and says which
/// path runs the iteration. Without a GPU the adapter is Mesa's lavapipe (which `cargo xtask
/// test` installs), a software adapter that calls itself llvmpipe.
#[test]
fn train_on_wgpu_names_the_adapter_and_warns_of_a_software_one() {
    let output = w1w2(&[
        "train",
        "--backend",
        "wgpu",
        "--iterations",
        "1",
        "--eval-every",
        "1",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let adapter = stderr
        .lines()
        .find(|l| l.starts_with("backend: wgpu adapter '"))
        .unwrap_or_else(|| panic!("no adapter line in:\n{stderr}"));
    let software = adapter.contains("llvmpipe") || adapter.contains("Cpu");
    assert_eq!(
        stderr.contains("warning: this adapter is a software one"),
        software,
        "{stderr}"
    );
    assert!(stderr.contains("iteration: fused kernels"), "{stderr}");
}
