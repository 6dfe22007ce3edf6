//! The quality rules of `fineweb-2024` without language ID, in memory on one core, as the
//! criterion bench `filter/preset_fineweb_2024_without_language` runs them, but timed pass
//! by pass: prints the fastest of N passes over the bench texts in MB/s. On a shared,
//! noisy machine the fastest pass moves far less than criterion's mean; compare two builds
//! by running their `passes` binaries in turns.
//!
//! Run: `DECANT_BENCH_CORPUS=corpus.jsonl cargo run --release -p decant-bench --example
//! passes -- 20`

use decant::filter::{Preset, RuleName, Scratch};
use decant::step::FilterStats;
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let passes: usize = std::env::args()
        .nth(1)
        .map_or(10, |a| a.parse().expect("a number of passes"));
    let texts = decant_bench::texts();
    let bytes: usize = texts.iter().map(String::len).sum();
    let mut config = Preset::FineWeb2024.config();
    config.steps.retain(|&r| r != RuleName::Language);
    let rules = config.build();
    let mut scratch = Scratch::default();
    let mut best = f64::INFINITY;
    for _ in 0..passes {
        let t = Instant::now();
        let mut stats = FilterStats::default();
        for text in &texts {
            black_box(rules.run(text, &mut scratch, &mut stats));
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    #[allow(clippy::cast_precision_loss)] // a byte count far below 2^52
    let mb = bytes as f64 / 1e6;
    println!(
        "{:.1} MB/s ({mb:.1} MB, fastest of {passes} passes: {best:.4} s)",
        mb / best
    );
}
