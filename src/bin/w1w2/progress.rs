//! A one-line progress bar on stderr, redrawn at most five times a second.

use std::io::Write;
use std::time::{Duration, Instant};

pub struct Progress {
    total: usize,
    started: Instant,
    last_drawn: Option<Instant>,
    enabled: bool,
    /// The latest metrics, shown after the bar.
    note: String,
}

impl Progress {
    pub fn new(total: usize, enabled: bool) -> Self {
        Self {
            total,
            started: Instant::now(),
            last_drawn: None,
            enabled,
            note: String::new(),
        }
    }

    /// Sets the text shown after the bar.
    pub fn note(&mut self, note: String) {
        self.note = note;
    }

    /// Redraws the bar for `done` iterations.
    pub fn update(&mut self, done: usize) {
        let now = Instant::now();
        let due = self
            .last_drawn
            .is_none_or(|t| now - t >= Duration::from_millis(200))
            || done == self.total;
        if !self.enabled || !due {
            return;
        }
        self.last_drawn = Some(now);
        const WIDTH: usize = 30;
        let filled = WIDTH * done / self.total.max(1);
        let rate = done as f64 / self.started.elapsed().as_secs_f64().max(1e-9);
        let bar: String = "#".repeat(filled) + &".".repeat(WIDTH - filled);
        eprint!(
            "\r[{bar}] {done}/{} it  {rate:.1} it/s  {}   ",
            self.total, self.note
        );
        if done == self.total {
            eprintln!();
        }
        let _ = std::io::stderr().flush();
    }
}
