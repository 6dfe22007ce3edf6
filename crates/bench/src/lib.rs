//! Benchmark inputs for decant's criterion benches.
//!
//! By default the benches use documents built from the example article that ships in the
//! repo (clean, repeated-body and widget-heavy variants). Set `DECANT_BENCH_CORPUS` to a
//! JSONL corpus from `shared/bench/gen_corpus.py` to bench on that instead (the first
//! 5,000 documents).

use std::path::Path;

/// Texts to bench on.
pub fn texts() -> Vec<String> {
    if let Ok(path) = std::env::var("DECANT_BENCH_CORPUS") {
        let data = std::fs::read_to_string(&path).expect("DECANT_BENCH_CORPUS is readable");
        return data
            .lines()
            .take(5000)
            .filter_map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).ok()?;
                Some(v.get("text")?.as_str()?.to_owned())
            })
            .collect();
    }
    let article = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/article.txt"),
    )
    .expect("examples/article.txt");
    let clean = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/article.repaired.txt"),
    )
    .expect("examples/article.repaired.txt");
    let mut out = Vec::new();
    for i in 0..300 {
        // Vary the text so that nothing is shared between documents.
        let tag = format!(" (report {i})");
        let vary = |t: &str| t.replace(". ", &format!("{tag}. "));
        out.push(vary(&clean));
        out.push(vary(&article));
        out.push(vary(&format!("{clean}\n{clean}")));
    }
    out
}

/// The texts as JSONL lines (`{"id": …, "text": …}`).
pub fn jsonl_lines(texts: &[String]) -> Vec<String> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| serde_json::json!({"id": i, "text": t}).to_string())
        .collect()
}
