//! `decant repair` end to end.

use std::fs;

use serde_json::json;

use crate::*;

#[test]
fn seed_is_repaired_paragraph_for_paragraph() {
    let raw = shared("fixtures/seed/raw.txt");
    let o = run(decant(&["repair", raw.to_str().unwrap()]));
    assert!(o.status.success(), "{}", stderr(&o));
    let want = fs::read_to_string(shared("fixtures/seed/repaired.txt")).unwrap();
    let got = String::from_utf8(o.stdout.clone()).unwrap();
    assert_eq!(
        got.lines().collect::<Vec<_>>(),
        want.lines().collect::<Vec<_>>()
    );
    let err = stderr(&o);
    assert!(
        err.contains("1 documents read: 1 repaired, 0 unchanged; 0 errored"),
        "{err}"
    );
    assert!(
        err.contains("boilerplate_line 1, repeated_block 10"),
        "{err}"
    );
}

#[test]
fn example_article_and_its_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.jsonl");
    let o = run(decant(&[
        "repair",
        repo("examples/article.txt").to_str().unwrap(),
        "--log",
        log.to_str().unwrap(),
    ]));
    assert!(o.status.success(), "{}", stderr(&o));
    let want = fs::read_to_string(repo("examples/article.repaired.txt")).unwrap();
    assert_eq!(String::from_utf8(o.stdout).unwrap(), want);
    let log = json_lines(&fs::read_to_string(&log).unwrap());
    assert_eq!(log.len(), 1);
    let reasons: Vec<&str> = log[0]["edits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        [
            "repeated_headline",
            "boilerplate_line",
            "boilerplate_line",
            "teaser",
            "boilerplate_line",
            "repeated_block",
            "boilerplate_line",
            "moved",
            "repeated_block",
            "boilerplate_line"
        ]
    );
    assert_eq!(log[0]["edits"][5]["lines"], json!([11, 12]));
    assert_eq!(log[0]["edits"][5]["repeat_of"], json!([5, 6]));
}

#[test]
fn jsonl_fields_pass_through_and_unchanged_records_are_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let unchanged = format!(
        "{{\"id\": \"a\",  \"text\": {}, \"meta\": {{\"url\": \"https://x.example/1\", \"n\": 1.50}}}}",
        serde_json::to_string(&clean()).unwrap()
    );
    let changed = format!(
        "{{\"url\":\"https://x.example/2\",\"body\":{},\"lang\":\"en\"}}",
        serde_json::to_string(&doubled()).unwrap()
    );
    fs::write(&input, format!("{unchanged}\n\n{changed}\r\n")).unwrap();
    let out = dir.path().join("out.jsonl");
    let log = dir.path().join("log.jsonl");
    let o = run(decant(&[
        "repair",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--text-field",
        "body",
        "--log",
        log.to_str().unwrap(),
    ]));
    // The first record has no `body`: it is set aside, not dropped.
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let written = fs::read_to_string(&out).unwrap();
    let expected = format!(
        "{{\"url\":\"https://x.example/2\",\"body\":{},\"lang\":\"en\"}}\n",
        serde_json::to_string(&format!("{}\n{}\n{}", P[0], P[1], P[2])).unwrap()
    );
    assert_eq!(written, expected);
    let errors =
        json_lines(&fs::read_to_string(dir.path().join("out.jsonl.errors.jsonl")).unwrap());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["line"], 1);
    assert_eq!(errors[0]["reason"], "missing text field `body`");
    assert_eq!(errors[0]["raw"], unchanged);
    let log = json_lines(&fs::read_to_string(&log).unwrap());
    assert_eq!(log[0]["id"], format!("{}:3", input.display()));
    assert_eq!(log[0]["line"], 3);

    // With the default field, the clean record comes out byte for byte.
    let o = run(decant(&[
        "repair",
        input.to_str().unwrap(),
        "--errors",
        "/dev/null",
    ]));
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert_eq!(stdout.lines().next().unwrap(), unchanged);
}

#[test]
fn compressed_jsonl_in_and_out() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let rec = |id: u32, text: &str| json!({"id": id, "text": text}).to_string();
    let body = format!(
        "{}\n{}\n{}\n",
        rec(1, &doubled()),
        rec(2, &clean()),
        rec(3, "short")
    );
    let gz = dir.path().join("in.jsonl.gz");
    let mut e =
        flate2::write::GzEncoder::new(fs::File::create(&gz).unwrap(), flate2::Compression::fast());
    e.write_all(body.as_bytes()).unwrap();
    e.finish().unwrap();
    let zst = dir.path().join("in.json.zst");
    fs::write(&zst, zstd::encode_all(body.as_bytes(), 3).unwrap()).unwrap();
    for (input, out) in [(&gz, "out.jsonl.zst"), (&zst, "out.jsonl.gz")] {
        let out = dir.path().join(out);
        let o = run(decant(&[
            "repair",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]));
        assert!(o.status.success(), "{}", stderr(&o));
        let bytes = fs::read(&out).unwrap();
        let text = if out.extension().unwrap() == "zst" {
            zstd::decode_all(&bytes[..]).unwrap()
        } else {
            let mut s = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut s)
                .unwrap();
            s
        };
        let recs = json_lines(std::str::from_utf8(&text).unwrap());
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[0]["text"], format!("{}\n{}\n{}", P[0], P[1], P[2]));
        assert_eq!(recs[1]["text"], clean());
        assert_eq!(recs[2]["id"], 3);
    }
}

#[test]
fn directory_of_text_files_is_mirrored() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(input.join("sub")).unwrap();
    fs::write(input.join("a.txt"), doubled()).unwrap();
    fs::write(input.join("sub/b.txt"), clean()).unwrap();
    fs::write(input.join("notes.md"), "ignored").unwrap();
    let out = dir.path().join("out");
    let o = run(decant(&[
        "repair",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(out.join("a.txt")).unwrap(),
        format!("{}\n{}\n{}", P[0], P[1], P[2])
    );
    assert_eq!(fs::read_to_string(out.join("sub/b.txt")).unwrap(), clean());
    assert!(!out.join("notes.md").exists());
    assert!(stderr(&o).contains("2 documents read: 1 repaired, 1 unchanged; 0 errored"));
}

#[test]
fn stdin_jsonl_to_stdout() {
    let line = json!({"id": "x", "text": doubled()}).to_string();
    let o = run_with_stdin(
        decant(&["repair", "-", "-q"]),
        format!("{line}\n").as_bytes(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let recs = json_lines(&String::from_utf8(o.stdout).unwrap());
    assert_eq!(
        recs,
        [json!({"id": "x", "text": format!("{}\n{}\n{}", P[0], P[1], P[2])})]
    );
    assert!(o.stderr.is_empty());
}

#[test]
fn same_output_for_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let mut body = String::new();
    for i in 0..3000 {
        let text = if i % 3 == 0 {
            doubled()
        } else {
            format!("{}\n{i}", clean())
        };
        body.push_str(&json!({"id": i, "text": text}).to_string());
        body.push('\n');
    }
    fs::write(&input, body).unwrap();
    let mut outs = Vec::new();
    for j in ["1", "2"] {
        let out = dir.path().join(format!("out{j}.jsonl"));
        let log = dir.path().join(format!("log{j}.jsonl"));
        let o = run(decant(&[
            "repair",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--log",
            log.to_str().unwrap(),
            "-j",
            j,
        ]));
        assert!(o.status.success(), "{}", stderr(&o));
        outs.push((fs::read(&out).unwrap(), fs::read(&log).unwrap()));
    }
    assert_eq!(outs[0], outs[1]);
    assert_eq!(
        json_lines(std::str::from_utf8(&outs[0].0).unwrap()).len(),
        3000
    );
}

#[test]
fn closed_pipe_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let line = json!({"text": clean()}).to_string();
    fs::write(&input, format!("{line}\n").repeat(50_000)).unwrap();
    let mut child = decant(&["repair", "-q", input.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn output_never_overwrites_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    fs::write(&input, "{\"text\": \"x\"}\n").unwrap();
    let o = run(decant(&[
        "repair",
        input.to_str().unwrap(),
        "-o",
        input.to_str().unwrap(),
    ]));
    assert_exit(&o, 1, "would overwrite input");
    assert_eq!(fs::read_to_string(&input).unwrap(), "{\"text\": \"x\"}\n");
}

#[test]
fn example_jsonl_in_three_languages() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    let o = run(decant(&[
        "repair",
        repo("examples/news.jsonl").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(&out).unwrap(),
        fs::read_to_string(repo("examples/news.repaired.jsonl")).unwrap()
    );
    let err = stderr(&o);
    assert!(
        err.contains("3 documents read: 2 repaired, 1 unchanged; 0 errored"),
        "{err}"
    );
    assert!(
        err.contains("boilerplate_line 4, repeated_block 2, teaser 1; moved: 1"),
        "{err}"
    );
}
