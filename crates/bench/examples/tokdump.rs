//! Prints the tokens of every document read from standard input (JSONL with a `text` field),
//! one JSON array per document, whitespace tokens as `null`: a before-and-after check for
//! changes to the tokenizer, whose output must stay byte-identical.
//!
//! `zcat docs.jsonl.gz | cargo run --release -p decant-bench --example tokdump > tokens.jsonl`

use std::io::{BufRead, Write};

use decant::text::tokens::{Sink, Span, Tokenizer};

struct Record<'t> {
    text: &'t str,
    out: Vec<Option<&'t str>>,
}

impl Sink for Record<'_> {
    fn token(&mut self, span: Span) {
        self.out.push(Some(span.text(self.text)));
    }
    fn space(&mut self) {
        self.out.push(None);
    }
}

fn main() {
    let mut tokenizer = Tokenizer::default();
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin is readable");
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        let Some(text) = v.get("text").and_then(|t| t.as_str()) else {
            continue;
        };
        let mut rec = Record {
            text,
            out: Vec::new(),
        };
        tokenizer.run(text, &mut rec);
        serde_json::to_writer(&mut w, &rec.out).expect("stdout is writable");
        w.write_all(b"\n").expect("stdout is writable");
    }
}
