//! Throughput of dedup's per-document work on one core, in bytes of text per second:
//! normalization, words and the exact hash alone, and the whole signature (shingles and
//! one-permutation MinHash on top). Run: `cargo bench -p decant-bench --bench dedup` (set
//! `DECANT_BENCH_CORPUS` to a generated corpus to bench on it).

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use decant::dedup::{MinHasher, SigScratch};

fn benches(c: &mut Criterion) {
    let texts = decant_bench::texts();
    let bytes: u64 = texts.iter().map(|t| t.len() as u64).sum();
    let mut g = c.benchmark_group("dedup");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(10);

    let hasher = MinHasher::new(5, 14, 8);
    let mut scratch = SigScratch::default();
    g.bench_function("exact_hash", |b| {
        b.iter(|| {
            for t in &texts {
                black_box(hasher.exact(t, &mut scratch));
            }
        });
    });
    g.bench_function("signature_14x8", |b| {
        b.iter(|| {
            for t in &texts {
                black_box(hasher.sign(t, &mut scratch));
            }
        });
    });
    let mut norm = String::new();
    g.bench_function("normalize", |b| {
        b.iter(|| {
            for t in &texts {
                norm.clear();
                decant::text::normalize_into(t, &mut norm);
                black_box(&norm);
            }
        });
    });
    g.finish();
}

criterion_group!(dedup, benches);
criterion_main!(dedup);
