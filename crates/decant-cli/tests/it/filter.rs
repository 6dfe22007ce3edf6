//! `decant filter` end to end. The expected decisions on `examples/web.jsonl` are datatrove
//! 0.10.1's, checked with the same filters chained the same way.

use std::fs;

use crate::*;

/// `decant filter examples/web.jsonl -o OUT ARGS...`
fn filter_example(out: &std::path::Path, args: &[&str]) -> std::process::Output {
    run_example("filter", "web.jsonl", out, args)
}

/// `decant filter INPUT -o OUT --preset PRESET`
fn filter_file(
    input: &std::path::Path,
    out: &std::path::Path,
    preset: &str,
) -> std::process::Output {
    run(decant(&[
        "filter",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--preset",
        preset,
    ]))
}

fn ids(v: &[serde_json::Value]) -> Vec<&str> {
    v.iter().map(|d| d["id"].as_str().unwrap()).collect()
}

#[test]
fn example_with_the_fineweb_preset() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("kept.jsonl");
    let o = filter_example(&out, &["--preset", "fineweb-2024"]);
    assert_exit(
        &o,
        0,
        "decant filter (fineweb-2024): 8 documents read: 1 kept, 7 rejected; 0 errored",
    );
    let err = stderr(&o);
    assert!(err.contains("2  gopher_repetition/top_2_gram"), "{err}");
    let kept = json_lines(&fs::read_to_string(&out).unwrap());
    assert_eq!(ids(&kept), ["bridge"]);
    // Other fields pass through.
    assert_eq!(kept[0]["url"], "https://example.org/news/bridge");
    let kept_line = fs::read_to_string(&out).unwrap();
    assert!(
        kept_line
            .starts_with(r#"{"id": "bridge", "url": "https://example.org/news/bridge", "text": ""#),
        "{kept_line}"
    );

    let rejects =
        json_lines(&fs::read_to_string(dir.path().join("kept.jsonl.rejects.jsonl")).unwrap());
    let why: Vec<(&str, &str, &str)> = rejects
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap(),
                r["step"].as_str().unwrap(),
                r["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        why,
        [
            ("bridge-scraped-twice", "gopher_repetition", "dup_line_frac"),
            ("menu", "fineweb_quality", "line_punct_ratio"),
            ("keywords", "gopher_repetition", "top_2_gram"),
            ("lorem", "c4", "lorem_ipsum"),
            ("code", "c4", "curly_bracket"),
            ("short", "gopher_repetition", "top_2_gram"),
            ("de-bruecke", "language", "language_score"),
        ]
    );
    // The language step's measurement: the German article's English probability.
    assert!(rejects[6]["value"].as_f64().unwrap() < 0.01);
    assert_eq!(rejects[6]["threshold"], 0.65);
    // The rejects record says what the page was.
    assert_eq!(rejects[6]["metadata"]["language"], "de");
    assert!(rejects[6]["metadata"]["language_score"].as_f64().unwrap() > 0.9);
    // Pages dropped after the language step carry its measurement too.
    assert_eq!(rejects[0]["metadata"]["language"], "en");
    // Kept documents carry the detected language, as FineWeb's do.
    assert_eq!(kept[0]["metadata"]["language"], "en");
    assert!(kept[0]["metadata"]["language_score"].as_f64().unwrap() > 0.9);
    // The measured value and its threshold: 3 of 8 lines repeat.
    assert_eq!(rejects[0]["value"], 0.375);
    assert_eq!(rejects[0]["threshold"], 0.3);
    assert_eq!(rejects[0]["line"], 2);
    assert!(rejects[0]["text"]
        .as_str()
        .unwrap()
        .contains("Advertisement"));
}

#[test]
fn repair_first_salvages_the_twice_scraped_article() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("kept.jsonl");
    let o = filter_example(&out, &["--preset", "fineweb-2024", "--repair"]);
    assert_exit(&o, 0, "2 kept, 6 rejected");
    let kept = json_lines(&fs::read_to_string(&out).unwrap());
    assert_eq!(ids(&kept), ["bridge", "bridge-scraped-twice"]);
    // Repaired to the single clean copy, with the paragraph only the second copy had.
    assert_eq!(kept[1]["text"], kept[0]["text"]);
}

#[test]
fn seed_dropped_by_gopher_unless_repaired() {
    let dir = tempfile::tempdir().unwrap();
    let raw = shared("fixtures/seed/raw.txt");
    let rejects = dir.path().join("r.jsonl");
    let args = |repair: bool| {
        let mut a = vec![
            "filter".to_string(),
            raw.to_str().unwrap().to_string(),
            "--preset".into(),
            "gopher-2021".into(),
            "--rejects".into(),
            rejects.to_str().unwrap().to_string(),
        ];
        if repair {
            a.push("--repair".into());
        }
        a
    };
    let o = run(decant(
        &args(false).iter().map(String::as_str).collect::<Vec<_>>(),
    ));
    assert_exit(&o, 0, "0 kept, 1 rejected");
    assert!(o.stdout.is_empty());
    let r = json_lines(&fs::read_to_string(&rejects).unwrap());
    assert_eq!(r[0]["reason"], "dup_line_frac");

    fs::remove_file(&rejects).unwrap();
    let o = run(decant(
        &args(true).iter().map(String::as_str).collect::<Vec<_>>(),
    ));
    assert_exit(&o, 0, "1 kept, 0 rejected");
    let want = fs::read_to_string(shared("fixtures/seed/repaired.txt")).unwrap();
    assert_eq!(
        String::from_utf8(o.stdout)
            .unwrap()
            .lines()
            .collect::<Vec<_>>(),
        want.lines().collect::<Vec<_>>()
    );
    assert!(
        !rejects.exists(),
        "no rejects file when nothing is rejected"
    );
}

#[test]
fn rules_file_overrides_a_preset() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    // Loosen the top-2-gram rule: the short document now fails Gopher quality instead.
    fs::write(
        &rules,
        "preset = \"gopher-2021\"\n[gopher_repetition]\ntop_n_grams = [[2, 0.5], [3, 0.5], [4, 0.5]]\n",
    )
    .unwrap();
    let out = dir.path().join("kept.jsonl");
    let o = filter_example(
        &out,
        &["--rules", rules.to_str().unwrap(), "--rejects-without-text"],
    );
    assert_exit(&o, 0, "decant filter (custom rules)");
    let rejects =
        json_lines(&fs::read_to_string(dir.path().join("kept.jsonl.rejects.jsonl")).unwrap());
    let short = rejects.iter().find(|r| r["id"] == "short").unwrap();
    assert_eq!(short["reason"], "gopher_short_doc");
    assert_eq!(short["value"], 9.0);
    assert!(rejects.iter().all(|r| r.get("text").is_none()));

    // The effective rules print as a rules file that reads back.
    let o = run(decant(&[
        "filter",
        "--rules",
        rules.to_str().unwrap(),
        "--print-rules",
    ]));
    assert_exit(&o, 0, "");
    let printed = String::from_utf8(o.stdout).unwrap();
    assert!(
        printed.contains("steps = [\"gopher_repetition\", \"gopher_quality\"]"),
        "{printed}"
    );
    assert!(printed.contains("[2, 0.5]"), "{printed}");
}

#[test]
fn bad_rules_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let input = repo("examples/web.jsonl");
    let o = run(decant(&[
        "filter",
        input.to_str().unwrap(),
        "--preset",
        "fineweb",
    ]));
    assert_exit(&o, 1, "unknown preset \"fineweb\"; the presets are gopher-2021, c4-datatrove, c4-tfds, fineweb-2024");
    let rules = dir.path().join("bad.toml");
    fs::write(
        &rules,
        "preset = \"c4-datatrove\"\n[c4]\nmin_sentences = 3\n",
    )
    .unwrap();
    let o = run(decant(&[
        "filter",
        input.to_str().unwrap(),
        "--rules",
        rules.to_str().unwrap(),
    ]));
    assert_exit(&o, 1, "[c4] has no setting \"min_sentences\"");
    let o = run(decant(&["filter", input.to_str().unwrap()]));
    assert_exit(&o, 1, "name a preset, or list the steps in the rules file");
    let o = run(decant(&["filter", "--preset", "c4-tfds"]));
    assert_exit(&o, 2, "no inputs given");
}

#[test]
fn rejects_carry_the_records_own_metadata_with_the_language_over_it() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    // The example pages, each given a metadata object of its own (one with a stale
    // language, which the language step's measurement replaces).
    let lines: Vec<String> = fs::read_to_string(repo("examples/web.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            let id = v["id"].as_str().unwrap().to_owned();
            v["metadata"] =
                serde_json::json!({"url": format!("https://example.org/{id}"), "language": "xx"});
            v.to_string()
        })
        .collect();
    fs::write(&input, lines.join("\n") + "\n").unwrap();
    let out = dir.path().join("out.jsonl");
    let o = filter_file(&input, &out, "fineweb-2024");
    assert_exit(&o, 0, "1 kept, 7 rejected");
    let rejects =
        json_lines(&fs::read_to_string(dir.path().join("out.jsonl.rejects.jsonl")).unwrap());
    assert_eq!(rejects.len(), 7);
    for r in &rejects {
        let id = r["id"].as_str().unwrap();
        assert_eq!(
            r["metadata"]["url"],
            format!("https://example.org/{id}"),
            "{r}"
        );
        assert_ne!(r["metadata"]["language"], "xx", "{r}");
        assert!(r["metadata"]["language_score"].is_number(), "{r}");
    }
    let german = rejects.iter().find(|r| r["id"] == "de-bruecke").unwrap();
    assert_eq!(german["metadata"]["language"], "de");
    // The kept page is written with the same metadata.
    let kept = json_lines(&fs::read_to_string(&out).unwrap());
    assert_eq!(kept[0]["metadata"]["url"], "https://example.org/bridge");
    assert_eq!(kept[0]["metadata"]["language"], "en");
}

#[test]
fn unreadable_records_are_set_aside_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let good = fs::read_to_string(repo("examples/web.jsonl")).unwrap();
    fs::write(
        &input,
        format!("{good}{{\"id\": \"broken\", \"text\": \n{{\"id\": 9}}\n"),
    )
    .unwrap();
    let out = dir.path().join("out.jsonl");
    let o = filter_file(&input, &out, "c4-datatrove");
    assert_exit(&o, 3, "in.jsonl:9:");
    let err = stderr(&o);
    assert!(err.contains("8 documents read"), "{err}");
    assert!(err.contains("2 errored"), "{err}");
    let kept = json_lines(&fs::read_to_string(&out).unwrap()).len();
    let rejected =
        json_lines(&fs::read_to_string(dir.path().join("out.jsonl.rejects.jsonl")).unwrap()).len();
    let errored =
        json_lines(&fs::read_to_string(dir.path().join("out.jsonl.errors.jsonl")).unwrap()).len();
    assert_eq!((kept + rejected, errored), (8, 2));
}

#[test]
fn same_output_with_one_or_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    // A page with a line C4 removes from a document it keeps.
    let extra = dir.path().join("extra.jsonl");
    let page = format!("{}\nShare this story\n{}", P.join(" "), P.join(" "));
    fs::write(
        &extra,
        serde_json::json!({"id": "page", "text": page}).to_string() + "\n",
    )
    .unwrap();
    let mut outputs = Vec::new();
    for j in ["1", "2"] {
        let out = dir.path().join(format!("out{j}.jsonl"));
        let log = dir.path().join(format!("log{j}.jsonl"));
        let o = run(decant(&[
            "filter",
            repo("examples/web.jsonl").to_str().unwrap(),
            repo("examples/news.jsonl").to_str().unwrap(),
            extra.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--preset",
            "c4-datatrove",
            "--log",
            log.to_str().unwrap(),
            "-j",
            j,
        ]));
        assert_exit(&o, 0, "");
        outputs.push((
            fs::read(&out).unwrap(),
            fs::read(&log).unwrap(),
            fs::read(dir.path().join(format!("out{j}.jsonl.rejects.jsonl"))).unwrap(),
        ));
    }
    assert_eq!(outputs[0], outputs[1]);
    // C4's line removals are explained in the log.
    let log = json_lines(&String::from_utf8(outputs[0].1.clone()).unwrap());
    let page = log.iter().find(|r| r["id"] == "page").unwrap();
    assert_eq!(page["changed"], true);
    assert_eq!(
        page["removed"],
        serde_json::json!([{"step": "c4", "reason": "no_terminal_punct", "line": 2, "text": "Share this story"}])
    );
}
