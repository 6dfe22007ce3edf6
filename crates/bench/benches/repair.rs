//! Throughput of repair and of the pieces it stands on, in bytes of text per second on one
//! core. Run: `cargo bench -p decant-bench` (see the crate docs for the corpus).

use std::sync::Arc;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use decant::read::{parse_jsonl, FieldNames, RawRecord};
use decant::repair::Repairer;

fn benches(c: &mut Criterion) {
    let texts = decant_bench::texts();
    let bytes: u64 = texts.iter().map(|t| t.len() as u64).sum();
    let mut g = c.benchmark_group("repair");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(20);

    let repairer = Repairer::default();
    g.bench_function("repair", |b| {
        b.iter(|| {
            for t in &texts {
                black_box(repairer.repair(black_box(t)));
            }
        });
    });

    let mut buf = String::new();
    g.bench_function("normalize_lines", |b| {
        b.iter(|| {
            for t in &texts {
                for l in t.lines() {
                    buf.clear();
                    decant::text::normalize_into(l, &mut buf);
                    black_box(&buf);
                }
            }
        });
    });

    let lines = decant_bench::jsonl_lines(&texts);
    let file: Arc<str> = Arc::from("bench.jsonl");
    let fields = FieldNames::default();
    let mut out = Vec::new();
    g.bench_function("parse_repair_serialize", |b| {
        b.iter(|| {
            out.clear();
            for (i, l) in lines.iter().enumerate() {
                let raw = RawRecord {
                    line: i as u64 + 1,
                    bytes: l.as_bytes().to_vec(),
                };
                let doc = parse_jsonl(&file, raw, &fields).unwrap();
                let r = repairer.repair(&doc.text);
                // What the pipeline's writer does: the record as read, or its text spliced.
                let rec = doc.record.as_ref().unwrap();
                if r.changed() {
                    let (start, end) = rec.text_span;
                    out.extend_from_slice(&rec.raw.as_bytes()[..start]);
                    decant::write::escape_json_str(&r.text, &mut out);
                    out.extend_from_slice(&rec.raw.as_bytes()[end..]);
                } else {
                    out.extend_from_slice(rec.raw.as_bytes());
                }
                out.push(b'\n');
            }
            black_box(&out);
        });
    });
    g.finish();
}

criterion_group!(repair, benches);
criterion_main!(repair);
