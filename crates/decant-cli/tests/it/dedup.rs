//! `decant dedup` end to end, on `examples/wire.jsonl`: one wire story, an exact copy of it
//! (other quotes and spacing), a near copy (headline added, two sentences edited), a
//! rewrite that shares two paragraphs, two other stories with the same copyright footer,
//! and a one-line brief.

use std::fs;
use std::path::Path;

use crate::*;

fn dedup_example(out: &Path, args: &[&str]) -> std::process::Output {
    run_example("dedup", "wire.jsonl", out, args)
}

fn ids(v: &[serde_json::Value]) -> Vec<&str> {
    v.iter().map(|d| d["id"].as_str().unwrap()).collect()
}

fn read_lines(p: &Path) -> Vec<serde_json::Value> {
    json_lines(&fs::read_to_string(p).unwrap())
}

#[test]
fn example_removes_the_copies_and_says_of_what() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("kept.jsonl");
    let clusters = dir.path().join("clusters.jsonl");
    let o = dedup_example(&out, &["--clusters", clusters.to_str().unwrap()]);
    assert_exit(&o, 0, "7 documents read: 5 kept, 2 removed; 0 errored");
    assert!(stderr(&o).contains("1 clusters; 1 exact and 1 near duplicates removed"));
    let kept = read_lines(&out);
    assert_eq!(
        ids(&kept),
        [
            "nwire-0412",
            "tram-depot",
            "eagles",
            "county-times-3",
            "brief"
        ]
    );
    // Kept records are written back byte for byte.
    let input = fs::read_to_string(repo("examples/wire.jsonl")).unwrap();
    let kept_raw = fs::read_to_string(&out).unwrap();
    assert!(kept_raw.lines().all(|l| input.lines().any(|i| i == l)));

    let rejects = read_lines(&dir.path().join("kept.jsonl.rejects.jsonl"));
    let got: Vec<(&str, &str, &str, u64)> = rejects
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap(),
                r["reason"].as_str().unwrap(),
                r["duplicate_of"].as_str().unwrap(),
                r["cluster"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("valley-post-88", "exact_duplicate", "nwire-0412", 1),
            ("kelby-echo-7", "near_duplicate", "nwire-0412", 1),
        ]
    );
    assert_eq!(rejects[0]["step"], "dedup");
    assert_eq!(rejects[0]["estimated_jaccard"], 1.0);
    assert_eq!(rejects[0]["threshold"], 1.0);
    // The near copy: 84 of 112 slots agree; held to the bands' threshold (1/14)^(1/8).
    assert_eq!(rejects[1]["estimated_jaccard"], 0.75);
    let t = rejects[1]["threshold"].as_f64().unwrap();
    assert!((t - (1.0f64 / 14.0).powf(1.0 / 8.0)).abs() < 1e-12, "{t}");
    assert!(rejects[1]["text"]
        .as_str()
        .unwrap()
        .starts_with("Barriers hold as river peaks\n"));
    assert!(rejects[1].get("jaccard").is_none());

    let c = read_lines(&clusters);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0]["survivor"], "nwire-0412");
    assert_eq!(c[0]["size"], 3);
    assert_eq!(
        ids(c[0]["members"].as_array().unwrap()),
        ["nwire-0412", "valley-post-88", "kelby-echo-7"]
    );
    assert_eq!(c[0]["members"][2]["line"], 4);
}

#[test]
fn verify_keep_policy_and_thresholds() {
    let dir = tempfile::tempdir().unwrap();
    // The near copy's true Jaccard similarity is 185/230 = 0.804 (checked in Python):
    // verified at 0.8 it goes, with that similarity.
    let out = dir.path().join("v.jsonl");
    let o = dedup_example(&out, &["--verify"]);
    assert_exit(&o, 0, "5 kept, 2 removed");
    let r = read_lines(&dir.path().join("v.jsonl.rejects.jsonl"));
    assert_eq!(ids(&r), ["valley-post-88", "kelby-echo-7"]);
    assert_eq!(r[0]["jaccard"], 1.0);
    assert_eq!(r[1]["jaccard"], 185.0 / 230.0);
    assert_eq!(r[1]["value"], 185.0 / 230.0);
    assert_eq!(r[1]["threshold"], 0.8);
    // Verified at 0.85 with the same bands, the near copy is turned down (its anchor pair
    // with the original and its chain pair with the exact copy).
    let out = dir.path().join("v85.jsonl");
    let o = dedup_example(
        &out,
        &[
            "--verify",
            "--threshold",
            "0.85",
            "--bands",
            "14",
            "--rows",
            "8",
        ],
    );
    assert_exit(&o, 0, "6 kept, 1 removed");
    assert!(
        stderr(&o).contains("2 candidate pairs verified, 2 rejected by verification"),
        "{}",
        stderr(&o)
    );
    // A threshold alone picks bands and rows as datasketch does.
    let o = dedup_example(&dir.path().join("t.jsonl"), &["--threshold", "0.7"]);
    assert_exit(&o, 0, "(12 x 9, 5-word shingles)");

    // The longest copy survives: the near copy has a headline more.
    let out = dir.path().join("long.jsonl");
    assert_exit(
        &dedup_example(&out, &["--keep", "longest"]),
        0,
        "5 kept, 2 removed",
    );
    let r = read_lines(&dir.path().join("long.jsonl.rejects.jsonl"));
    assert_eq!(ids(&r), ["nwire-0412", "valley-post-88"]);
    assert!(r.iter().all(|x| x["duplicate_of"] == "kelby-echo-7"));
    // By a numeric field: `words`, the same policy here.
    let out = dir.path().join("field.jsonl");
    assert_exit(
        &dedup_example(&out, &["--keep", "field:words"]),
        0,
        "5 kept, 2 removed",
    );
    assert_eq!(
        ids(&read_lines(&dir.path().join("field.jsonl.rejects.jsonl"))),
        ["nwire-0412", "valley-post-88"]
    );

    // Exact mode leaves the near copy.
    let out = dir.path().join("exact.jsonl");
    assert_exit(
        &dedup_example(&out, &["--mode", "exact"]),
        0,
        "6 kept, 1 removed",
    );

    for (args, msg) in [
        (&["--keep", "newest"][..], "unknown keep policy \"newest\""),
        (
            &["--threshold", "1.5"][..],
            "--threshold 1.5 is not between 0 and 1",
        ),
        (
            &["--memory-limit", "lots"][..],
            "unknown size unit in \"lots\"",
        ),
        (&["--memory-limit=0M"][..], "not a positive size"),
        (&["--bands", "0"][..], "must all be at least 1"),
    ] {
        assert_exit(&dedup_example(&dir.path().join("bad.jsonl"), args), 1, msg);
    }
}

#[test]
fn same_output_for_any_thread_count_shard_split_and_memory_limit() {
    let dir = tempfile::tempdir().unwrap();
    let outputs = |name: &str, input: &Path, args: &[&str]| {
        let out = dir.path().join(name);
        let clusters = dir.path().join(format!("{name}.clusters.jsonl"));
        let mut all = vec![
            "dedup",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--clusters",
            clusters.to_str().unwrap(),
        ];
        all.extend_from_slice(args);
        assert_exit(&run(decant(&all)), 0, "2 removed");
        let strip = |p: &Path| -> Vec<serde_json::Value> {
            read_lines(p)
                .into_iter()
                .map(|mut v| {
                    v.as_object_mut().unwrap().remove("file");
                    v.as_object_mut().unwrap().remove("line");
                    if let Some(m) = v.get_mut("members") {
                        for x in m.as_array_mut().unwrap() {
                            x.as_object_mut().unwrap().remove("file");
                            x.as_object_mut().unwrap().remove("line");
                        }
                    }
                    v
                })
                .collect()
        };
        let kept: String = if out.is_dir() {
            let mut files: Vec<_> = fs::read_dir(&out)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            files.sort();
            files
                .iter()
                .map(|f| fs::read_to_string(f).unwrap())
                .collect()
        } else {
            fs::read_to_string(&out).unwrap()
        };
        // Beside the output, whether it is a file or a directory.
        let rejects = dir.path().join(format!("{name}.rejects.jsonl"));
        (kept, strip(&rejects), strip(&clusters))
    };
    let example = repo("examples/wire.jsonl");
    let one = outputs("j1.jsonl", &example, &["-j", "1"]);
    assert_eq!(one, outputs("j2.jsonl", &example, &["-j", "2"]));
    assert_eq!(
        one,
        outputs("tiny.jsonl", &example, &["--memory-limit", "1K"])
    );
    // The same records split over three files, read as a directory.
    let shards = dir.path().join("shards");
    fs::create_dir(&shards).unwrap();
    let lines: Vec<&str> = include_str!("../../../../examples/wire.jsonl")
        .lines()
        .collect();
    for (i, chunk) in lines.chunks(3).enumerate() {
        fs::write(
            shards.join(format!("part-{i}.jsonl")),
            chunk.join("\n") + "\n",
        )
        .unwrap();
    }
    assert_eq!(one, outputs("split", &shards, &["-j", "2"]));
}

#[test]
fn unreadable_records_are_set_aside_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let example = fs::read_to_string(repo("examples/wire.jsonl")).unwrap();
    let mut lines: Vec<&str> = example.lines().collect();
    lines.insert(2, "{\"id\": \"broken\", \"text\": ");
    lines.insert(4, "{\"id\": \"no-text\"}");
    fs::write(&input, lines.join("\n")).unwrap();
    let out = dir.path().join("out.jsonl");
    let o = run(decant(&[
        "dedup",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]));
    assert_exit(&o, 3, "7 documents read: 5 kept, 2 removed; 2 errored");
    assert!(stderr(&o).contains("in.jsonl:3:"), "{}", stderr(&o));
    let errors = read_lines(&dir.path().join("out.jsonl.errors.jsonl"));
    assert_eq!(
        errors
            .iter()
            .map(|e| e["line"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [3, 5]
    );
    // The documents after the bad lines keep their own line numbers.
    let r = read_lines(&dir.path().join("out.jsonl.rejects.jsonl"));
    assert_eq!(
        r.iter()
            .map(|e| e["line"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [2, 6]
    );
}

#[test]
fn paragraph_mode_removes_what_earlier_documents_have() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p.jsonl");
    let log = dir.path().join("log.jsonl");
    let o = dedup_example(
        &out,
        &[
            "--mode",
            "paragraph",
            "--log",
            log.to_str().unwrap(),
            "--boilerplate-docs",
            "5",
        ],
    );
    assert_exit(&o, 0, "7 documents read: 6 kept, 1 removed (nothing left)");
    let err = stderr(&o);
    assert!(
        err.contains("5 documents  Copyright 2026 Northgate Wire Service."),
        "{err}"
    );
    let kept = read_lines(&out);
    // The footer is in 5 documents: learned boilerplate, gone from all, the first included.
    assert!(kept
        .iter()
        .all(|d| !d["text"].as_str().unwrap().contains("Copyright 2026")));
    // The rewrite keeps only its own paragraphs.
    let rewrite = kept.iter().find(|d| d["id"] == "county-times-3").unwrap();
    assert_eq!(rewrite["text"].as_str().unwrap().lines().count(), 2);
    assert!(rewrite["text"]
        .as_str()
        .unwrap()
        .starts_with("Kelby stayed dry this week."));
    let log = read_lines(&log);
    let exact = log.iter().find(|l| l["id"] == "valley-post-88").unwrap();
    assert_eq!(exact["rejected"]["reason"], "duplicate_paragraphs");
    let edits = log[5]["paragraphs"].as_array().unwrap();
    assert_eq!(edits[0]["reason"], "duplicate_paragraph");
    assert_eq!(edits[0]["lines"], serde_json::json!([2, 2]));
    assert!(edits[0]["first_seen"]
        .as_str()
        .unwrap()
        .ends_with("wire.jsonl:1"));
    assert_eq!(edits[0]["documents"], 4);
}
