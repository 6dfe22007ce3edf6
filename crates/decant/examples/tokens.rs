//! Prints the words of each JSONL record's `text` as datatrove's English tokenizer would
//! split them: `{"id": .., "tokens": [..]}` per line. Used to compare with spaCy directly:
//! `cargo run --release -p decant --example tokens < docs.jsonl`.

use std::io::{BufRead, Write};

use decant::text::tokens::{words_into, Span};

fn main() {
    let stdin = std::io::stdin().lock();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut spans: Vec<Span> = Vec::new();
    for line in stdin.lines() {
        let line = line.expect("stdin");
        let v: serde_json::Value = serde_json::from_str(&line).expect("JSON line");
        let text = v["text"].as_str().unwrap_or_default();
        words_into(text, &mut spans);
        let tokens: Vec<&str> = spans.iter().map(|s| s.text(text)).collect();
        let rec = serde_json::json!({"id": v["id"], "tokens": tokens});
        writeln!(out, "{rec}").expect("stdout");
    }
}
