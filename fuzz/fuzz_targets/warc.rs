//! Arbitrary bytes as a decompressed WARC stream: reading never panics, records come in
//! order with a sane layout, an error ends the stream, and `content` never panics on any
//! record.
#![no_main]

use decant::read::warc::{content, Content, WarcReader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut reader = WarcReader::new(data);
    let mut last_line = 0;
    // Where the last record ended in `data`.
    let mut end = 0;
    while let Some(item) = reader.next() {
        match item {
            Ok(record) => {
                assert!(record.line > last_line, "lines must increase");
                last_line = record.line;
                assert!(record.block_start <= record.raw.len());
                assert!(record.raw.starts_with(b"WARC/"));
                assert_eq!(record.block(), &record.raw[record.block_start..]);
                // The record's bytes are in the input after the last one's, and its line is
                // one more than the newlines before them.
                let at = end
                    + data[end..]
                        .windows(record.raw.len())
                        .position(|w| w == record.raw.as_slice())
                        .expect("a record's bytes are input bytes");
                let newlines = data[..at].iter().filter(|&&b| b == b'\n').count() as u64;
                assert_eq!(record.line, newlines + 1, "line of the record at byte {at}");
                end = at + record.raw.len();
                let length = record
                    .header("Content-Length")
                    .expect("a record has a length");
                assert_eq!(length.parse::<usize>().ok(), Some(record.block().len()));
                match content(&record) {
                    Ok(Content::Text(text)) => {
                        assert!(matches!(
                            text.warc_type.as_str(),
                            "conversion" | "resource" | "response"
                        ));
                    }
                    Ok(Content::Skip(reason)) => assert!(!reason.is_empty()),
                    Err(message) => assert!(!message.is_empty()),
                }
            }
            Err(e) => {
                assert!(e.line >= 1);
                assert!(!e.message.is_empty());
                assert!(e.line >= last_line);
                assert!(
                    reader.next().is_none(),
                    "the reader must end after an error"
                );
                assert!(reader.next().is_none());
                break;
            }
        }
    }
    assert!(reader.next().is_none());
});
