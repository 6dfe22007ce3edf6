//! Bad input never loses data silently: every record is written, or set aside with file,
//! line and reason, and the exit status says so.

use std::fs;
use std::io::Write;

use serde_json::json;

use crate::*;

fn good(id: u32) -> String {
    json!({"id": id, "text": doubled()}).to_string()
}

#[test]
fn every_kind_of_bad_record_is_set_aside_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let mut bytes = Vec::new();
    for line in [
        good(1).as_bytes(),
        b"{\"id\": 2, \"text\": \"unterminated",
        b"{\"id\": 3, \"text\": \"caf\xe9\"}",
        b"{\"id\": 4}",
        b"{\"id\": 5, \"text\": 42}",
        b"[\"not\", \"an\", \"object\"]",
        good(7).as_bytes(),
    ] {
        bytes.extend_from_slice(line);
        bytes.push(b'\n');
    }
    fs::write(&input, &bytes).unwrap();
    let out = dir.path().join("out.jsonl");
    let o = run(decant(&[
        "repair",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]));
    assert_eq!(o.status.code(), Some(3));
    let err = stderr(&o);
    let name = input.display().to_string();
    for (line, reason) in [
        (2, "malformed JSON"),
        (3, "invalid UTF-8 at byte 22"),
        (4, "missing text field `text`"),
        (5, "field `text` is a number, not a string"),
        (6, "malformed JSON"),
    ] {
        assert!(
            err.contains(&format!("{name}:{line}: {reason}")),
            "{line}: {err}"
        );
    }
    assert!(
        err.contains("2 documents read: 2 repaired, 0 unchanged; 5 errored"),
        "{err}"
    );
    let kept = json_lines(&fs::read_to_string(&out).unwrap());
    assert_eq!(
        kept.iter()
            .map(|r| r["id"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [1, 7]
    );
    let errors =
        json_lines(&fs::read_to_string(dir.path().join("out.jsonl.errors.jsonl")).unwrap());
    assert_eq!(
        errors
            .iter()
            .map(|r| r["line"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [2, 3, 4, 5, 6]
    );
    assert_eq!(errors[1]["raw"], "{\"id\": 3, \"text\": \"caf\u{FFFD}\"}");
}

#[test]
fn truncated_gzip_keeps_what_was_read_and_says_where_it_broke() {
    let dir = tempfile::tempdir().unwrap();
    let body: String = (0..200).map(|i| good(i) + "\n").collect();
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(body.as_bytes()).unwrap();
    let full = e.finish().unwrap();
    let gz = dir.path().join("cut.jsonl.gz");
    fs::write(&gz, &full[..full.len() / 2]).unwrap();
    let good_file = dir.path().join("next.jsonl");
    fs::write(&good_file, good(999) + "\n").unwrap();
    let out = dir.path().join("out.jsonl");
    let o = run(decant(&[
        "repair",
        gz.to_str().unwrap(),
        good_file.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]));
    assert_eq!(o.status.code(), Some(3));
    let err = stderr(&o);
    assert!(err.contains("stream ends early or is corrupt"), "{err}");
    let kept = json_lines(&fs::read_to_string(&out).unwrap());
    let errors =
        json_lines(&fs::read_to_string(dir.path().join("out.jsonl.errors.jsonl")).unwrap());
    assert_eq!(errors.len(), 1);
    let broke_at = errors[0]["line"].as_u64().unwrap();
    // Every complete line before the break is kept; the next input is still read.
    assert_eq!(kept.len() as u64, broke_at - 1 + 1);
    assert_eq!(kept.last().unwrap()["id"], 999);
    assert!(
        err.contains(&format!("{}:{broke_at}:", gz.display())),
        "{err}"
    );
}

#[test]
fn truncated_zstd_is_reported_too() {
    let dir = tempfile::tempdir().unwrap();
    let body: String = (0..200).map(|i| good(i) + "\n").collect();
    let full = zstd::encode_all(body.as_bytes(), 3).unwrap();
    let zst = dir.path().join("cut.jsonl.zst");
    fs::write(&zst, &full[..full.len() * 2 / 3]).unwrap();
    let o = run(decant(&[
        "repair",
        zst.to_str().unwrap(),
        "-o",
        dir.path().join("o.jsonl").to_str().unwrap(),
    ]));
    assert_exit(&o, 3, "stream ends early or is corrupt");
}

#[test]
fn invalid_utf8_text_file_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.txt");
    fs::write(&f, b"first line\nsecond \xff line\n").unwrap();
    let errors = dir.path().join("errors.jsonl");
    let o = run(decant(&[
        "repair",
        f.to_str().unwrap(),
        "--errors",
        errors.to_str().unwrap(),
    ]));
    assert_exit(
        &o,
        3,
        format!("{}:2: invalid UTF-8 at byte 18", f.display()),
    );
    let e = json_lines(&fs::read_to_string(&errors).unwrap());
    assert_eq!(e[0]["raw"], "first line\nsecond \u{FFFD} line\n");
}

#[test]
fn missing_input_is_fatal_and_named() {
    let o = run(decant(&["repair", "/nonexistent/x.jsonl"]));
    assert_exit(&o, 1, "/nonexistent/x.jsonl");
}

#[test]
fn unknown_format_is_fatal_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("x.csv");
    fs::write(&f, b"a,b\n1,2\n").unwrap();
    let o = run(decant(&["repair", f.to_str().unwrap()]));
    assert_exit(&o, 1, "unknown format");
}

#[test]
fn an_unreadable_text_file_gets_no_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    fs::write(input.join("bad.txt"), b"caf\xe9\n").unwrap();
    fs::write(input.join("good.txt"), "fine\n").unwrap();
    let out = dir.path().join("out");
    let o = run(decant(&[
        "repair",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]));
    assert_eq!(o.status.code(), Some(3));
    assert!(!out.join("bad.txt").exists());
    assert_eq!(fs::read_to_string(out.join("good.txt")).unwrap(), "fine\n");
    let errors = json_lines(&fs::read_to_string(dir.path().join("out.errors.jsonl")).unwrap());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["reason"], "invalid UTF-8 at byte 3");
}
