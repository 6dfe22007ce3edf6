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
        paragraph_removals: None,
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

/// Documents built from a few shared sentences, so that exact and near duplicates are
/// common; some lines are garbage.
fn dup_line() -> impl Strategy<Value = Vec<u8>> {
    const S: [&str; 6] = [
        "The council met on Monday and approved the budget for the new library building.",
        "Work will start in spring and the doors should open before the end of next year.",
        "Residents asked for longer opening hours and a room for homework clubs after school.",
        "The mayor said the plan was the biggest investment in the town for twenty years.",
        "Two members voted against, arguing that the old building could still be repaired.",
        "A public meeting about the design will be held in the town hall next Thursday.",
    ];
    let text = (
        prop::collection::vec(0..S.len(), 1..6),
        "[a-z]{0,8}",
        any::<bool>(),
    )
        .prop_map(|(idx, extra, upper)| {
            let mut t = idx.iter().map(|&i| S[i]).collect::<Vec<_>>().join("\n");
            t.push_str(&extra);
            if upper {
                t = t.to_uppercase();
            }
            t.into_bytes()
        });
    prop_oneof![
        6 => text,
        1 => "[a-z ]{0,30}".prop_map(String::into_bytes),
        1 => "[a-z\"{}:, ]{0,20}".prop_map(String::into_bytes),
        1 => Just(b"{\"id\": \"x\"}".to_vec()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn dedup_conserves_documents_and_leaves_no_exact_duplicate(
        docs in prop::collection::vec(dup_line(), 0..40),
        paragraph in any::<bool>(),
    ) {
        use decant::dedup::{self, DedupConfig, WorkDir};
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.jsonl");
        let mut bytes = Vec::new();
        let mut records = 0u64;
        for (i, d) in docs.iter().enumerate() {
            match std::str::from_utf8(d) {
                // Texts become records with unique ids; the rest stay raw garbage lines.
                Ok(t) if !t.starts_with('{') && !t.contains('"') => {
                    bytes.extend(serde_json::json!({"id": format!("d{i}"), "text": t}).to_string().into_bytes());
                }
                _ => bytes.extend_from_slice(d),
            }
            if !bytes.rsplit(|&b| b == b'\n').next().unwrap().iter().all(u8::is_ascii_whitespace) {
                records += 1;
            }
            bytes.push(b'\n');
        }
        std::fs::write(&input, &bytes).unwrap();
        let mut outputs = Vec::new();
        for threads in [1, 2] {
            let out = dir.path().join(format!("out{threads}.jsonl"));
            let side = dir.path().join(format!("side{threads}"));
            let mut job = job(input.clone(), out.clone(), side.to_str().unwrap(), threads);
            job.repair = None;
            job.filters = None;
            let s = if paragraph {
                let cfg = dedup::paragraph::ParagraphConfig { min_chars: 20, ..Default::default() };
                let work = WorkDir::new(dir.path().join(format!("work{threads}")));
                let plan = dedup::paragraph::plan(&job.inputs, &job.fields, &cfg, &work, threads, None, &mut ()).unwrap();
                job.paragraphs = Some(std::sync::Arc::new(plan));
                run(&job, &mut |_: &decant::read::RecordError| {}).unwrap()
            } else {
                let work = WorkDir::new(dir.path().join(format!("work{threads}")));
                dedup::run(&job, &DedupConfig::default(), &work, None, &mut (), &mut |_: &decant::read::RecordError| {}).unwrap().0
            };
            prop_assert_eq!(s.read + s.errored, records);
            prop_assert_eq!(s.read, s.kept + s.rejected);
            let written = std::fs::read_to_string(&out).unwrap();
            let kept: Vec<serde_json::Value> = written.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
            prop_assert_eq!(kept.len() as u64, s.kept);
            let rejected = std::fs::read_to_string(job.rejects.as_ref().unwrap()).unwrap_or_default();
            prop_assert_eq!(rejected.lines().count() as u64, s.rejected);
            let originals: std::collections::HashMap<String, String> = String::from_utf8_lossy(&bytes)
                .lines()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .filter_map(|v| Some((v["id"].as_str()?.to_owned(), v["text"].as_str()?.to_owned())))
                .collect();
            let kept_ids: std::collections::HashSet<&str> = kept.iter().map(|k| k["id"].as_str().unwrap()).collect();
            if paragraph {
                // Never adds text: each kept document's lines are lines of its original, in order.
                for k in &kept {
                    let orig = &originals[k["id"].as_str().unwrap()];
                    let mut rest = orig.lines();
                    for l in k["text"].as_str().unwrap().lines() {
                        prop_assert!(rest.any(|o| o == l), "{:?} not in {:?}", l, orig);
                    }
                }
            } else {
                // No two kept documents have the same normalized text; kept records are
                // written as read; each removed one names a kept survivor.
                let mut seen = std::collections::HashSet::new();
                for k in &kept {
                    prop_assert!(seen.insert(decant::text::normalize(k["text"].as_str().unwrap())));
                    prop_assert_eq!(k["text"].as_str().unwrap(), &originals[k["id"].as_str().unwrap()]);
                }
                for r in rejected.lines() {
                    let r: serde_json::Value = serde_json::from_str(r).unwrap();
                    prop_assert!(kept_ids.contains(r["duplicate_of"].as_str().unwrap()));
                }
            }
            outputs.push((written, rejected));
        }
        prop_assert_eq!(&outputs[0], &outputs[1]);
    }
}
