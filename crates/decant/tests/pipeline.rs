//! Run-level invariants: every input record is either read or set aside with its line,
//! whatever garbage the input holds; every document read is either kept (in the output) or
//! rejected (in the rejects file); and the output does not depend on the number of threads.

use std::path::PathBuf;

use decant::filter::FilterConfig;
use decant::pipeline::{run, Destination, Job};
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

fn job(input: PathBuf, out: PathBuf, side: &str, threads: usize) -> Job {
    // C4's line rules with one sentence required: some documents are kept with lines
    // removed, some rejected.
    let filters = FilterConfig::resolve(
        None,
        Some("steps = [\"c4\"]\n[c4]\nmin_num_sentences = 1\n"),
    )
    .unwrap();
    Job {
        inputs: expand_inputs(&[input]).unwrap(),
        destination: Destination::Jsonl(out),
        fields: FieldNames::default(),
        repair: Some(RepairConfig::default()),
        filters: Some(filters),
        log: None,
        errors: PathBuf::from(format!("{side}.errors.jsonl")),
        rejects: Some(PathBuf::from(format!("{side}.rejects.jsonl"))),
        rejects_with_text: true,
        removals: None,
        paragraphs: None,
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
            let side = dir.path().join(format!("side{threads}"));
            let side = side.to_str().unwrap();
            let job = job(input.clone(), out.clone(), side, threads);
            let mut seen = 0u64;
            let mut count = |_: &decant::read::RecordError| seen += 1;
            let s = run(&job, &mut count).unwrap();
            prop_assert_eq!(s.read + s.errored, records);
            prop_assert_eq!(s.read, s.kept + s.rejected);
            prop_assert_eq!(s.kept, s.edited + s.unchanged);
            prop_assert_eq!(s.rejected, s.rejected_by.values().sum::<u64>());
            prop_assert_eq!(seen, s.errored);
            let written = std::fs::read_to_string(&out).unwrap();
            prop_assert_eq!(written.lines().count() as u64, s.kept);
            let rejected = std::fs::read_to_string(job.rejects.as_ref().unwrap()).unwrap_or_default();
            prop_assert_eq!(rejected.lines().count() as u64, s.rejected);
            let set_aside = std::fs::read_to_string(&job.errors).unwrap_or_default();
            prop_assert_eq!(set_aside.lines().count() as u64, s.errored);
            outputs.push((written, rejected, set_aside));
        }
        prop_assert_eq!(&outputs[0], &outputs[1]);
    }
}
