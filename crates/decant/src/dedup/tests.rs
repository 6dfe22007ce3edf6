//! The stages together on small corpora written here.

use std::io::Write;
use std::sync::Arc;

use super::*;
use crate::pipeline::{self, Destination, Job};

fn write_jsonl(dir: &Path, name: &str, texts: &[(&str, &str)]) -> PathBuf {
    let p = dir.join(name);
    let mut f = File::create(&p).unwrap();
    for (id, text) in texts {
        writeln!(f, "{}", serde_json::json!({"id": id, "text": text})).unwrap();
    }
    p
}

const BASE: &str = "The committee met on Tuesday to discuss the new budget for the regional \
    hospital network, and agreed that the spending plan would be published before the end of \
    the month after a final review by the auditors and the board of governors.";

fn near(base: &str) -> String {
    base.replace("Tuesday", "Wednesday")
}

/// Runs sign, bucket, cluster on `paths` and returns the removals.
fn stages(paths: &[PathBuf], config: &DedupConfig, work: &Path) -> (Removals, ClusterSummary) {
    let inputs = read::expand_inputs(paths).unwrap();
    let fields = FieldNames::default();
    let w = WorkDir::new(work);
    sign(&inputs, 0, &fields, config, &w, 2, &mut ()).unwrap();
    bucket(config, &w, 2).unwrap();
    cluster(
        &inputs,
        &fields,
        config,
        &w,
        Some(&work.join("clusters.jsonl")),
        2,
    )
    .unwrap()
}

#[test]
fn exact_and_near_duplicates_with_their_survivor() {
    let dir = tempfile::tempdir().unwrap();
    let near_text = near(BASE);
    let p = write_jsonl(
        dir.path(),
        "a.jsonl",
        &[
            ("a", BASE),
            (
                "b",
                "Something else entirely, about gardening in the spring and summer.",
            ),
            ("c", &BASE.to_uppercase()),
            ("d", &near_text),
        ],
    );
    let (removals, summary) = stages(&[p], &DedupConfig::default(), dir.path());
    assert_eq!(summary.clusters, 1);
    assert_eq!(summary.exact_duplicates, 1);
    assert_eq!(summary.near_duplicates, 1);
    let c = removals.get(doc_key(0, 2)).unwrap();
    assert_eq!(
        (c.reason, &*c.duplicate_of, c.cluster),
        ("exact_duplicate", "a", 1)
    );
    assert!((c.estimated_jaccard - 1.0).abs() < 1e-12);
    let d = removals.get(doc_key(0, 3)).unwrap();
    assert_eq!((d.reason, &*d.duplicate_of), ("near_duplicate", "a"));
    // One changed word in 42: 33 of 38 shingles unchanged, 33/43 = 0.77 true Jaccard.
    assert!(
        d.estimated_jaccard > 0.6 && d.estimated_jaccard < 1.0,
        "{}",
        d.estimated_jaccard
    );
    assert!(removals.get(doc_key(0, 0)).is_none() && removals.get(doc_key(0, 1)).is_none());
    let clusters = std::fs::read_to_string(dir.path().join("clusters.jsonl")).unwrap();
    let rec: serde_json::Value = serde_json::from_str(clusters.trim()).unwrap();
    assert_eq!(rec["survivor"], "a");
    assert_eq!(rec["size"], 3);
    let ids: Vec<&str> = rec["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["a", "c", "d"]);
    assert_eq!(rec["members"][0]["line"], 1);
    assert_eq!(rec["members"][2]["line"], 4);
    assert_eq!(rec["members"][2]["reason"], "near_duplicate");
}

#[test]
fn keep_policies_pick_the_declared_survivor() {
    let dir = tempfile::tempdir().unwrap();
    let longer = format!("{BASE} Thanks.");
    let p = dir.path().join("a.jsonl");
    let mut f = File::create(&p).unwrap();
    writeln!(
        f,
        "{}",
        serde_json::json!({"id": "a", "text": BASE, "score": 1})
    )
    .unwrap();
    writeln!(
        f,
        "{}",
        serde_json::json!({"id": "b", "text": longer, "score": 3})
    )
    .unwrap();
    writeln!(
        f,
        "{}",
        serde_json::json!({"id": "c", "text": BASE, "score": 3})
    )
    .unwrap();
    writeln!(f, "{}", serde_json::json!({"id": "d", "text": BASE})).unwrap();
    drop(f);
    let survivor = |keep: KeepPolicy, sub: &str| {
        let config = DedupConfig {
            keep,
            ..DedupConfig::default()
        };
        let (r, _) = stages(std::slice::from_ref(&p), &config, &dir.path().join(sub));
        assert_eq!(r.len(), 3);
        (0..4).find(|&i| r.get(doc_key(0, i)).is_none()).unwrap()
    };
    assert_eq!(survivor(KeepPolicy::First, "first"), 0);
    assert_eq!(survivor(KeepPolicy::Longest, "longest"), 1);
    // b and c tie on score 3: the first of them in input order survives.
    assert_eq!(survivor(KeepPolicy::Field("score".into()), "field"), 1);
    assert_eq!(
        "field:score".parse::<KeepPolicy>(),
        Ok(KeepPolicy::Field("score".into()))
    );
    assert!("field:".parse::<KeepPolicy>().is_err());
    assert!("newest".parse::<KeepPolicy>().is_err());
}

#[test]
fn verify_rejects_pairs_below_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let near_text = near(BASE);
    let p = write_jsonl(dir.path(), "a.jsonl", &[("a", BASE), ("d", &near_text)]);
    // The true Jaccard of a and d is 33/43 = 0.767: kept apart at 0.8, joined at 0.75.
    let strict = DedupConfig {
        verify: true,
        threshold: 0.8,
        ..DedupConfig::default()
    };
    let (r, s) = stages(
        std::slice::from_ref(&p),
        &strict,
        &dir.path().join("strict"),
    );
    assert!(r.is_empty());
    assert_eq!(s.rejected_pairs, s.verified_pairs);
    assert!(s.verified_pairs >= 1);
    let lax = DedupConfig {
        verify: true,
        threshold: 0.75,
        ..DedupConfig::default()
    };
    let (r, _) = stages(&[p], &lax, &dir.path().join("lax"));
    let d = r.get(doc_key(0, 1)).unwrap();
    assert!(
        (d.jaccard.unwrap() - 33.0 / 43.0).abs() < 1e-9,
        "{:?}",
        d.jaccard
    );
}

#[test]
fn spilled_runs_give_the_same_removals() {
    let dir = tempfile::tempdir().unwrap();
    let texts: Vec<(String, String)> = (0..300)
        .map(|i| {
            (
                format!("d{i}"),
                if i % 3 == 0 {
                    BASE.to_string()
                } else {
                    format!("{BASE} number {i} of many, {}", i * 7919)
                },
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let p = write_jsonl(dir.path(), "a.jsonl", &refs);
    let big = stages(
        std::slice::from_ref(&p),
        &DedupConfig::default(),
        &dir.path().join("big"),
    );
    // A budget so small that every batch spills.
    let tiny = DedupConfig {
        memory_limit: 1,
        ..DedupConfig::default()
    };
    let small = stages(&[p], &tiny, &dir.path().join("tiny"));
    assert_eq!(big.1, small.1);
    let runs = std::fs::read_dir(dir.path().join("tiny/decant-dedup/runs/000"))
        .unwrap()
        .count();
    assert!(runs >= 1);
    for i in 0..300 {
        assert_eq!(big.0.get(doc_key(0, i)), small.0.get(doc_key(0, i)));
    }
}

#[test]
fn splitting_the_input_changes_nothing_but_file_names() {
    let dir = tempfile::tempdir().unwrap();
    let texts: Vec<(String, String)> = (0..40)
        .map(|i| {
            (
                format!("d{i}"),
                if i % 4 == 0 {
                    near(BASE)
                } else if i % 5 == 0 {
                    BASE.into()
                } else {
                    format!("unique text {i} with words {} {}", i * 31, i * 17)
                },
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let whole = write_jsonl(dir.path(), "whole.jsonl", &refs);
    std::fs::create_dir(dir.path().join("parts")).unwrap();
    let parts: Vec<PathBuf> = refs
        .chunks(7)
        .enumerate()
        .map(|(i, c)| write_jsonl(&dir.path().join("parts"), &format!("p{i}.jsonl"), c))
        .collect();
    let run = |inputs: &[PathBuf], sub: &str| {
        let work = dir.path().join(sub);
        let config = DedupConfig::default();
        let (removals, _) = stages(inputs, &config, &work);
        let job = Job {
            inputs: read::expand_inputs(inputs).unwrap(),
            destination: Destination::Jsonl(work.join("out.jsonl")),
            fields: FieldNames::default(),
            repair: None,
            filters: None,
            log: None,
            errors: work.join("errors.jsonl"),
            rejects: Some(work.join("rejects.jsonl")),
            rejects_with_text: false,
            removals: Some(Arc::new(removals)),
            paragraphs: None,
            paragraph_removals: None,
            threads: 2,
        };
        pipeline::run(&job, &mut |_: &read::RecordError| {}).unwrap();
        let rejects: Vec<serde_json::Value> = std::fs::read_to_string(work.join("rejects.jsonl"))
            .unwrap()
            .lines()
            .map(|l| {
                let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
                v.as_object_mut().unwrap().remove("file");
                v.as_object_mut().unwrap().remove("line");
                v
            })
            .collect();
        (
            std::fs::read_to_string(work.join("out.jsonl")).unwrap(),
            rejects,
        )
    };
    let a = run(&[whole], "one");
    let b = run(&parts, "many");
    assert_eq!(a, b);
    // 10 copies of near(BASE) (d0, d4, ...) and 6 of BASE (d5, d10, ...): one cluster.
    assert_eq!(a.1.len(), 10 + 6 - 1);
    assert_eq!(a.1[0]["duplicate_of"], "d0");
}

#[test]
fn a_reused_work_directory_starts_afresh() {
    let dir = tempfile::tempdir().unwrap();
    let near_text = near(BASE);
    let dupes = write_jsonl(dir.path(), "a.jsonl", &[("a", BASE), ("b", &near_text)]);
    let other = write_jsonl(
        dir.path(),
        "b.jsonl",
        &[
            ("x", "one two three four five six"),
            ("y", "seven eight nine ten eleven"),
        ],
    );
    let work = dir.path().join("work");
    let (first, _) = stages(std::slice::from_ref(&dupes), &DedupConfig::default(), &work);
    assert_eq!(first.len(), 1);
    // Signing other documents into the same directory replaces the earlier runs.
    let (second, s) = stages(std::slice::from_ref(&other), &DedupConfig::default(), &work);
    assert!(second.is_empty(), "{s:?}");
}

#[test]
fn the_work_directory_never_deletes_what_decant_did_not_write() {
    let dir = tempfile::tempdir().unwrap();
    // A user's folders named like the stages' own, and an input inside one of them.
    std::fs::create_dir_all(dir.path().join("docs")).unwrap();
    std::fs::write(dir.path().join("docs/notes.md"), "mine").unwrap();
    let input = write_jsonl(
        &dir.path().join("docs"),
        "a.jsonl",
        &[("a", BASE), ("b", BASE)],
    );
    let (r, _) = stages(
        std::slice::from_ref(&input),
        &DedupConfig::default(),
        dir.path(),
    );
    assert_eq!(r.len(), 1);
    let w = WorkDir::new(dir.path());
    w.clear().unwrap();
    assert!(dir.path().join("docs/notes.md").exists() && input.exists());
    assert!(w.path().starts_with(dir.path()) && w.path() != dir.path());
    // A `decant-dedup` folder decant did not make is refused, not emptied.
    let other = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(other.path().join("decant-dedup/runs")).unwrap();
    let err = WorkDir::new(other.path()).clear().unwrap_err();
    assert!(err.to_string().contains("was not made by decant"), "{err}");
    assert!(other.path().join("decant-dedup/runs").exists());
}

#[test]
fn verify_never_removes_a_document_as_a_copy_of_one_it_is_not_close_to() {
    // A ~ B and B ~ C at about 0.82 each, but A and C only at about 0.67: a chain.
    let dir = tempfile::tempdir().unwrap();
    let words = |r: std::ops::Range<i32>| r.map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ");
    let p = write_jsonl(
        dir.path(),
        "c.jsonl",
        &[
            ("a", &words(0..200)),
            ("b", &words(20..220)),
            ("c", &words(40..240)),
        ],
    );
    let config = DedupConfig {
        verify: true,
        ..DedupConfig::default()
    };
    let (r, s) = stages(std::slice::from_ref(&p), &config, dir.path());
    // Without verification all three would be one cluster; with it, A survives, B goes as
    // its copy, and C is only compared with survivors, so it stays.
    let b_removal = r.get(doc_key(0, 1)).expect("b is a copy of a");
    assert_eq!(&*b_removal.duplicate_of, "a");
    assert!(b_removal.jaccard.unwrap() >= 0.8);
    assert!(r.get(doc_key(0, 2)).is_none(), "{s:?}");
    assert_eq!((r.len(), s.split_off, s.clusters), (1, 1, 1), "{s:?}");
    // Unverified, the chain is one cluster.
    let (r, _) = stages(
        std::slice::from_ref(&p),
        &DedupConfig::default(),
        &dir.path().join("plain"),
    );
    assert_eq!(r.len(), 2);
}

#[test]
fn one_run_at_a_time_per_work_folder() {
    let dir = tempfile::tempdir().unwrap();
    let w = WorkDir::new(dir.path());
    let held = w.lock().unwrap();
    let err = w.lock().unwrap_err();
    assert!(
        err.to_string()
            .contains("another run is using the work folder"),
        "{err}"
    );
    drop(held);
    assert!(w.lock().is_ok());
}

#[test]
fn verified_groups_split_by_the_keep_policy() {
    // A chain d0 ~ d1 ~ d2 ~ d3 (each about 0.81) where d3 is the longest and far from d0
    // and d1: d3 survives and takes d2; of the rest, the longer, d1, survives next (not d0,
    // the first in input order) and takes d0.
    let dir = tempfile::tempdir().unwrap();
    let words = |r: std::ops::Range<i32>| r.map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ");
    let p = write_jsonl(
        dir.path(),
        "c.jsonl",
        &[
            ("d0", &words(0..200)),
            ("d1", &words(20..220)),
            ("d2", &words(40..240)),
            ("d3", &words(60..262)),
        ],
    );
    let config = DedupConfig {
        verify: true,
        keep: KeepPolicy::Longest,
        ..DedupConfig::default()
    };
    let (r, s) = stages(std::slice::from_ref(&p), &config, dir.path());
    assert_eq!((s.clusters, s.split_off, r.len()), (2, 1, 2), "{s:?}");
    assert_eq!(&*r.get(doc_key(0, 2)).unwrap().duplicate_of, "d3");
    assert_eq!(&*r.get(doc_key(0, 0)).unwrap().duplicate_of, "d1");
    for (_, removal) in &r.sorted {
        assert!(removal.jaccard.unwrap() >= 0.8, "{removal:?}");
    }
}
