//! Arbitrary bytes as one JSONL line: parsing never panics, the text read is the one
//! serde_json reads from the same line, and a parsed record rewritten with a new text parses
//! back to that text and the same id.
#![no_main]

use std::sync::Arc;

use decant::read::{parse_jsonl, FieldNames, RawRecord};
use decant::Document;
use libfuzzer_sys::fuzz_target;

/// A replacement text with a quote and a newline: both must come back escaped and intact.
const NEW_TEXT: &str = "x\"y\n";

fuzz_target!(|data: &[u8]| {
    let file: Arc<str> = Arc::from("fuzz.jsonl");
    let fields = FieldNames::default();
    let parse = |bytes: Vec<u8>| parse_jsonl(&file, RawRecord { line: 1, bytes }, &fields);

    let Ok(doc) = parse(data.to_vec()) else {
        return;
    };
    // The text is the one a whole-record JSON parse finds (the record's last `text` member,
    // as for any reader of JSON), escapes or not. A line serde_json cannot hold as a
    // `Value` (a number out of its range) is not compared.
    if let Ok(serde_json::Value::Object(m)) = serde_json::from_slice::<serde_json::Value>(data) {
        assert_eq!(
            m.get("text").and_then(serde_json::Value::as_str),
            Some(doc.text.as_str()),
            "text differs from serde_json's\ninput: {:?}",
            String::from_utf8_lossy(data)
        );
    }
    let Some(record) = doc.record.as_ref() else {
        return;
    };
    // The record rewritten with `text` parses back to `text` and the original id.
    let check = |text: &str| {
        let line = record.with_text(text);
        let again: Document = match parse(line.clone().into_bytes()) {
            Ok(d) => d,
            Err(e) => panic!(
                "with_text output does not parse: {}\ninput: {:?}\noutput: {line:?}",
                e.reason,
                String::from_utf8_lossy(data)
            ),
        };
        assert_eq!(
            again.text,
            text,
            "text not replaced\ninput: {:?}\noutput: {line:?}",
            String::from_utf8_lossy(data)
        );
        assert_eq!(
            again.id,
            doc.id,
            "id changed\ninput: {:?}\noutput: {line:?}",
            String::from_utf8_lossy(data)
        );
    };
    check(NEW_TEXT);
    // Writing the record's own text back (re-escaped by serde_json) round-trips too.
    check(&doc.text);
});
