//! Run-level invariants: every input record is either read (and written) or set aside with
//! its line, whatever garbage the input holds, and the output does not depend on the
//! number of threads.

use std::path::PathBuf;

use decant::pipeline::{run_repair, Destination, RepairJob};
use decant::read::{expand_inputs, FieldNames};
use decant::repair::RepairConfig;
use proptest::prelude::*;

fn line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => "[a-zA-Z .\n]{0,120}".prop_map(|t| serde_json::json!({"id": 1, "text": t}).to_string().into_bytes()),
        1 => "[a-z\"{}:, ]{0,40}".prop_map(String::into_bytes),
        1 => prop::collection::vec(any::<u8>(), 0..40),
        1 => Just(b"{\"text\": 5}".to_vec()),
        1 => Just(b"{\"id\": \"x\"}".to_vec()),
    ]
}

fn job(input: PathBuf, out: PathBuf, errors: PathBuf, threads: usize) -> RepairJob {
    RepairJob {
        inputs: expand_inputs(&[input]).unwrap(),
        destination: Destination::Jsonl(out),
        fields: FieldNames::default(),
        repair: RepairConfig::default(),
        log: None,
        errors,
        threads,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn records_in_equal_read_plus_errored(lines in prop::collection::vec(line(), 0..60)) {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.jsonl");
        let mut bytes = Vec::new();
        for l in &lines {
            bytes.extend_from_slice(l);
            bytes.push(b'\n');
        }
        std::fs::write(&input, &bytes).unwrap();
        // What the reader counts as records: the non-blank lines.
        let records = bytes
            .split(|&b| b == b'\n')
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
            .count() as u64;
        let mut outputs = Vec::new();
        for threads in [1, 2] {
            let out = dir.path().join(format!("out{threads}.jsonl"));
            let errors = dir.path().join(format!("err{threads}.jsonl"));
            let mut seen = 0u64;
            let mut count = |_: &decant::read::RecordError| seen += 1;
            let s = run_repair(&job(input.clone(), out.clone(), errors.clone(), threads), &mut count).unwrap();
            prop_assert_eq!(s.read + s.errored, records);
            prop_assert_eq!(s.read, s.repaired + s.unchanged);
            prop_assert_eq!(seen, s.errored);
            let written = std::fs::read_to_string(&out).unwrap();
            prop_assert_eq!(written.lines().count() as u64, s.read);
            let set_aside = std::fs::read_to_string(&errors).unwrap_or_default();
            prop_assert_eq!(set_aside.lines().count() as u64, s.errored);
            outputs.push((written, set_aside));
        }
        prop_assert_eq!(&outputs[0], &outputs[1]);
    }
}
