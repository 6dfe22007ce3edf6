//! Prints the words of each JSONL record's `text` as datatrove's English tokenizer would
//! split them: `{"id": .., "tokens": [..]}` per line. Used to compare with spaCy directly:
//! `cargo run --release -p decant --example tokens < docs.jsonl`. With `--count`, prints only
//! the total number of words (to time or profile the tokenizer alone).

use std::io::{BufRead, Write};

use decant::text::tokens::{words_into, Span};

fn main() {
    let stdin = std::io::stdin().lock();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut spans: Vec<Span> = Vec::new();
    if std::env::args().any(|a| a == "--count") {
        let texts: Vec<String> = stdin
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(&l.expect("stdin")).expect("JSON");
                v["text"].as_str().unwrap_or_default().to_string()
            })
            .collect();
        let start = std::time::Instant::now();
        let mut tokenizer = decant::text::tokens::Tokenizer::default();
        let mut words = 0;
        for t in &texts {
            spans.clear();
            tokenizer.run(t, &mut spans);
            words += spans.len();
        }
        let bytes: usize = texts.iter().map(String::len).sum();
        let secs = start.elapsed().as_secs_f64();
        eprintln!(
            "{words} words, {bytes} bytes, {secs:.3} s, {:.1} MB/s",
            bytes as f64 / secs / 1e6
        );
        return;
    }
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
