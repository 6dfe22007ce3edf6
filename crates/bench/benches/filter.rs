//! Throughput of the quality rules and the word tokenizer they share, in bytes of text per
//! second on one core. Run: `cargo bench -p decant-bench --bench filter` (set
//! `DECANT_BENCH_CORPUS` to a generated corpus to bench on it).

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use decant::filter::{
    C4Quality, Doc, FineWebQuality, GopherQuality, GopherRepetition, LanguageFilter, Preset,
    RuleName, Scratch,
};
use decant::step::{Filter, FilterStats};
use decant::text::tokens::{Span, Tokenizer};

fn benches(c: &mut Criterion) {
    let texts = decant_bench::texts();
    let bytes: u64 = texts.iter().map(|t| t.len() as u64).sum();
    let mut g = c.benchmark_group("filter");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(10);

    let mut tok = Tokenizer::default();
    let mut spans: Vec<Span> = Vec::new();
    g.bench_function("tokenize", |b| {
        b.iter(|| {
            for t in &texts {
                spans.clear();
                tok.run(t, &mut spans);
                black_box(&spans);
            }
        });
    });

    // The embedded language model is loaded before timing starts.
    decant::lang::model();
    let rules: Vec<(&str, Box<dyn Filter>)> = vec![
        ("language", Box::new(LanguageFilter::default())),
        ("gopher_repetition", Box::new(GopherRepetition::default())),
        ("gopher_quality", Box::new(GopherQuality::default())),
        ("c4", Box::new(C4Quality::default())),
        ("fineweb_quality", Box::new(FineWebQuality::default())),
    ];
    let mut scratch = Scratch::default();
    for (name, rule) in &rules {
        g.bench_function(*name, |b| {
            b.iter(|| {
                for t in &texts {
                    black_box(rule.check(&mut Doc::new(t, &mut scratch)));
                }
            });
        });
    }

    let fineweb = Preset::FineWeb2024.config().build();
    g.bench_function("preset_fineweb_2024", |b| {
        b.iter(|| {
            let mut stats = FilterStats::default();
            for t in &texts {
                black_box(fineweb.run(t, &mut scratch, &mut stats));
            }
        });
    });
    // The preset's four quality rules without language ID: the figure the rules' per-core
    // target is about.
    let mut config = Preset::FineWeb2024.config();
    config.steps.retain(|&r| r != RuleName::Language);
    let rules_only = config.build();
    g.bench_function("preset_fineweb_2024_without_language", |b| {
        b.iter(|| {
            let mut stats = FilterStats::default();
            for t in &texts {
                black_box(rules_only.run(t, &mut scratch, &mut stats));
            }
        });
    });
    g.finish();
}

criterion_group!(filter, benches);
criterion_main!(filter);
