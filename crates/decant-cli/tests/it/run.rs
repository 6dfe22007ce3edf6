//! `decant run`, `decant report` and `decant explain`: the whole pipeline into an output
//! folder, resumed after a kill, over bad input, Parquet and WARC.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::*;

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every file under `dir` (relative path → bytes), leaving out the run's state folder and
/// the files that carry timings.
fn outputs(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut std::collections::BTreeMap<PathBuf, Vec<u8>>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().to_owned();
            if rel.starts_with(".decant")
                || rel == Path::new("stats.json")
                || rel == Path::new("report.html")
            {
                continue;
            }
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn stats(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(dir.join("stats.json")).unwrap()).unwrap()
}

#[track_caller]
fn assert_conserved(s: &serde_json::Value) {
    let d = &s["documents"];
    let n = |k: &str| d[k].as_u64().unwrap();
    assert_eq!(n("read"), n("kept") + n("rejected") + n("errored"), "{d}");
}

fn examples() -> Vec<String> {
    ["news.jsonl", "web.jsonl", "wire.jsonl"]
        .iter()
        .map(|e| repo(&format!("examples/{e}")).to_str().unwrap().to_owned())
        .collect()
}

/// `decant run INPUTS... -o OUT --config CFG`, finished.
fn run_config(inputs: &[&Path], out: &Path, cfg: &Path) -> std::process::Output {
    let mut args = vec!["run"];
    args.extend(inputs.iter().map(|p| path_str(p)));
    args.extend(["-o", path_str(out), "--config", path_str(cfg)]);
    run(decant(&args))
}

#[test]
fn the_default_pipeline_fills_the_output_folder_and_explains_each_document() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut args = vec!["run".to_owned()];
    args.extend(examples());
    args.extend(["-o".into(), path_str(&out).into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = run(decant(&args));
    assert_exit(&o, 0, "(checked)");
    let s = stats(&out);
    assert_conserved(&s);
    assert_eq!(s["documents"]["read"], 18);
    let steps: Vec<&str> = s["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "repair",
            "language",
            "gopher_repetition",
            "gopher_quality",
            "c4",
            "fineweb_quality",
            "dedup"
        ]
    );
    // Each step's out is the next one's in.
    for w in s["steps"].as_array().unwrap().windows(2) {
        assert_eq!(w[0]["documents_out"], w[1]["documents_in"]);
    }
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    // Self-contained: inline SVG, nothing fetched (the only URL is SVG's namespace name).
    assert!(html.contains("<svg"));
    for fetch in ["<script", "<link", "src=", "url(", "@import"] {
        assert!(!html.contains(fetch), "{fetch}");
    }
    // Every dropped document is in rejects/ with its step and why.
    let rejects: Vec<serde_json::Value> = fs::read_dir(out.join("rejects"))
        .unwrap()
        .flat_map(|e| json_lines(&fs::read_to_string(e.unwrap().path()).unwrap()))
        .collect();
    for r in &rejects {
        assert!(r["step"].is_string() && r["reason"].is_string() && r["value"].is_number());
        assert!(
            r["threshold"].is_number() || r["duplicate_of"].is_string(),
            "{r}"
        );
    }
    assert_eq!(
        rejects.len() as u64,
        s["documents"]["rejected"].as_u64().unwrap()
    );
    // The syndicated copy's dedup reject says what the page was, as a filter's does.
    let copy = rejects
        .iter()
        .find(|r| r["id"] == "valley-post-88")
        .unwrap();
    assert_eq!(copy["step"], "dedup", "{copy}");
    assert_eq!(copy["metadata"]["language"], "en", "{copy}");
    assert!(
        copy["metadata"]["language_score"].as_f64().unwrap() > 0.65,
        "{copy}"
    );
    // The syndicated copy: removed as an exact duplicate, and explain says of what.
    let o = run(decant(&["explain", path_str(&out), "valley-post-88"]));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("exact_duplicate of nwire-0412"), "{text}");
    assert!(text.contains("boilerplate_line"), "{text}");
    assert!(
        text.contains("removed as exact_duplicate of nwire-0412"),
        "{text}"
    );
    explains_dropped_documents(&out);
    let o = run(decant(&["explain", path_str(&out), "no-such-id"]));
    assert_exit(&o, 1, "no document with id");
    // `decant report` regenerates the same page.
    fs::remove_file(out.join("report.html")).unwrap();
    assert_exit(&run(decant(&["report", path_str(&out)])), 0, "report.html");
    assert_eq!(fs::read_to_string(out.join("report.html")).unwrap(), html);
}

#[test]
fn print_config_reads_back_and_bad_configs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(decant(&["run", "--print-config"]));
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("preset = \"fineweb-2024\""), "{text}");
    let cfg = dir.path().join("p.toml");
    fs::write(&cfg, &text).unwrap();
    let o = run(decant(&[
        "run",
        "--config",
        path_str(&cfg),
        "--print-config",
    ]));
    assert_eq!(String::from_utf8(o.stdout).unwrap(), text);
    fs::write(&cfg, "[[step]]\nkind = \"dedup\"\nthreshhold = 0.5\n").unwrap();
    assert_exit(
        &run(decant(&[
            "run",
            "--config",
            path_str(&cfg),
            "--print-config",
        ])),
        1,
        "threshhold",
    );
    // A different config over an existing run's folder is refused.
    let out = dir.path().join("out");
    let ex = examples();
    assert_exit(
        &run(decant(&["run", &ex[0], "-o", path_str(&out), "-q"])),
        0,
        "",
    );
    fs::write(&cfg, "[[step]]\nkind = \"repair\"\n").unwrap();
    let o = run(decant(&[
        "run",
        &ex[0],
        "-o",
        path_str(&out),
        "--config",
        path_str(&cfg),
    ]));
    assert_exit(&o, 1, "another config");
    let o = run(decant(&[
        "run",
        &ex[0],
        "-o",
        path_str(&out),
        "--config",
        path_str(&cfg),
        "--restart",
        "-q",
    ]));
    assert_exit(&o, 0, "");
}

/// A corpus big enough to take a while in a debug build: `n` documents, some repeated.
fn corpus(path: &Path, n: usize) {
    let mut f = std::io::BufWriter::new(fs::File::create(path).unwrap());
    for i in 0..n {
        let body: Vec<String> = (0..12)
            .map(|k| {
                format!(
                    "Paragraph {k} of story {} says that the council met on day {} and agreed the plan for the river path.",
                    i % 700,
                    (i * 7 + k) % 31
                )
            })
            .collect();
        writeln!(
            f,
            "{}",
            json!({"id": format!("d{i}"), "text": body.join("\n\n")})
        )
        .unwrap();
    }
}

#[test]
fn a_run_killed_mid_way_resumes_to_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    corpus(&input, 6000);
    let cfg = dir.path().join("p.toml");
    fs::write(&cfg, "[input]\nshard_size = \"256K\"\n").unwrap();
    let full = dir.path().join("full");
    let common = |out: &Path| {
        vec![
            "run".to_owned(),
            path_str(&input).to_owned(),
            "-o".into(),
            path_str(out).to_owned(),
            "--config".into(),
            path_str(&cfg).to_owned(),
            "-q".into(),
        ]
    };
    let args = common(&full);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_exit(&run(decant(&args)), 0, "");
    let want = outputs(&full);
    assert!(
        want.keys().filter(|k| k.starts_with("data")).count() > 5,
        "{:?}",
        want.keys()
    );

    let resumed = dir.path().join("resumed");
    let args = common(&resumed);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = decant(&args)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it (SIGKILL) as soon as the first shard is done.
    let done = resumed.join(".decant/done");
    let start = std::time::Instant::now();
    while fs::read_dir(&done).map_or(0, Iterator::count) == 0 {
        assert!(start.elapsed().as_secs() < 120, "no shard finished");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let finished_before = fs::read_dir(&done).unwrap().count();
    let o = run(decant(&args[..args.len() - 1]));
    assert_exit(&o, 0, "resuming");
    assert_eq!(outputs(&resumed), want);
    assert_conserved(&stats(&resumed));
    // It really was killed mid-way: some shards were left to do.
    let all = fs::read_dir(full.join(".decant/done")).unwrap().count();
    assert!(
        finished_before >= 1 && finished_before < all,
        "{finished_before} of {all}"
    );
}

#[test]
#[allow(clippy::too_many_lines)] // one folder of every kind of bad input, checked one by one
fn bad_input_of_every_kind_is_set_aside_and_the_run_completes() {
    let dir = tempfile::tempdir().unwrap();
    let inp = dir.path().join("in");
    fs::create_dir(&inp).unwrap();
    let good = |id: &str| json!({"id": id, "text": doubled()}).to_string();
    // Bad records among good ones.
    let mut bytes = Vec::new();
    for line in [
        good("a1").as_bytes(),
        b"{\"id\": \"a2\", \"text\": \"unterminated",
        b"{\"id\": \"a3\", \"text\": \"caf\xe9\"}",
        b"{\"id\": \"a4\"}",
        b"{\"id\": \"a5\", \"text\": 42}",
        good("a6").as_bytes(),
    ] {
        bytes.extend_from_slice(line);
        bytes.push(b'\n');
    }
    fs::write(inp.join("a.jsonl"), &bytes).unwrap();
    // A 100 MB line (malformed: it never closes).
    let mut huge = b"{\"id\": \"h\", \"text\": \"".to_vec();
    huge.resize(100 << 20, b'x');
    huge.push(b'\n');
    huge.extend_from_slice(good("h2").as_bytes());
    huge.push(b'\n');
    fs::write(inp.join("b-huge.jsonl"), &huge).unwrap();
    // Truncated gzip and zstd.
    let gz = {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        for i in 0..50 {
            writeln!(e, "{}", good(&format!("g{i}"))).unwrap();
        }
        e.finish().unwrap()
    };
    fs::write(inp.join("c.jsonl.gz"), &gz[..gz.len() / 2]).unwrap();
    let zs = zstd::encode_all(
        (0..50)
            .map(|i| good(&format!("z{i}")) + "\n")
            .collect::<String>()
            .as_bytes(),
        3,
    )
    .unwrap();
    fs::write(inp.join("d.jsonl.zst"), &zs[..zs.len() / 2]).unwrap();
    // A WARC record cut short, after a whole one.
    let text = "Plain text from a WARC resource record.";
    let rec = |t: &str| {
        format!(
            "WARC/1.0\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:x:{}>\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{t}\r\n\r\n",
            t.len(),
            t.len()
        )
    };
    let mut warc = rec(text);
    warc.push_str(&rec("This record will be cut short before its end.")[..120]);
    fs::write(inp.join("e.warc"), warc).unwrap();
    // Empty, and unreadable (a link to nowhere).
    fs::write(inp.join("f-empty.jsonl"), "").unwrap();
    std::os::unix::fs::symlink(dir.path().join("nowhere.jsonl"), inp.join("g-gone.jsonl")).unwrap();

    let out = dir.path().join("out");
    let cfg = dir.path().join("p.toml");
    fs::write(&cfg, "[[step]]\nkind = \"repair\"\n").unwrap();
    let o = run_config(&[&inp], &out, &cfg);
    assert_exit(&o, 3, "could not be read");
    let err = stderr(&o);
    let s = stats(&out);
    assert_conserved(&s);
    let mut errors = Vec::new();
    for e in fs::read_dir(out.join("errors")).unwrap() {
        errors.extend(json_lines(&fs::read_to_string(e.unwrap().path()).unwrap()));
    }
    let has = |file: &str, line: u64, reason: &str| {
        errors.iter().any(|e| {
            e["file"].as_str().unwrap().ends_with(file)
                && e["line"] == line
                && e["reason"].as_str().unwrap().contains(reason)
        })
    };
    assert!(has("a.jsonl", 2, "malformed JSON"), "{errors:?}");
    assert!(has("a.jsonl", 3, "invalid UTF-8"));
    assert!(has("a.jsonl", 4, "missing text field"));
    assert!(has("a.jsonl", 5, "not a string"));
    assert!(has("b-huge.jsonl", 1, "malformed JSON"));
    assert!(
        has("c.jsonl.gz", 0, "stream ends early")
            || errors
                .iter()
                .any(|e| e["file"].as_str().unwrap().ends_with("c.jsonl.gz"))
    );
    assert!(errors
        .iter()
        .any(|e| e["file"].as_str().unwrap().ends_with("d.jsonl.zst")));
    assert!(has("e.warc", 9, "truncated"), "{errors:?}");
    assert!(has("g-gone.jsonl", 0, "cannot open"));
    assert!(err.contains("e.warc:9"), "{err}");
    // The good records all came through.
    let mut kept = Vec::new();
    for e in fs::read_dir(out.join("data")).unwrap() {
        for r in json_lines(&fs::read_to_string(e.unwrap().path()).unwrap()) {
            kept.push(r["id"].as_str().unwrap().to_owned());
        }
    }
    for id in ["a1", "a6", "h2", "g0", "<urn:x:39>"] {
        assert!(kept.iter().any(|k| k == id), "{id}: {kept:?}");
    }
}

#[test]
fn jsonl_to_parquet_to_jsonl_keeps_every_field() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let rows = [
        json!({"id": "a", "text": "Caf\u{e9} \"quoted\"\nsecond line", "n": 3, "score": 0.5, "tags": ["x", "y"], "meta": {"url": "http://e.x/1", "lang": "en"}}),
        json!({"id": "b", "text": "plain", "n": -7, "score": 2.25, "tags": [], "meta": {"url": "http://e.x/2", "lang": "fr"}}),
    ];
    fs::write(
        &input,
        rows.iter()
            .map(|r| r.to_string() + "\n")
            .collect::<String>(),
    )
    .unwrap();
    let cfg = dir.path().join("none.toml");
    fs::write(&cfg, "step = []\n").unwrap();
    let pq = dir.path().join("pq");
    let o = run(decant(&[
        "run",
        path_str(&input),
        "-o",
        path_str(&pq),
        "--config",
        path_str(&cfg),
        "--format",
        "parquet",
        "-q",
    ]));
    assert_exit(&o, 0, "");
    let file = pq.join("data/part-00000.parquet");
    assert_eq!(&fs::read(&file).unwrap()[..4], b"PAR1");
    let back = dir.path().join("back");
    let o = run(decant(&[
        "run",
        path_str(&file),
        "-o",
        path_str(&back),
        "--config",
        path_str(&cfg),
        "-q",
    ]));
    assert_exit(&o, 0, "");
    let got = json_lines(&fs::read_to_string(back.join("data/part-00000.jsonl")).unwrap());
    assert_eq!(got, rows);
}

#[test]
fn warc_and_wet_records_become_documents_with_their_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("none.toml");
    fs::write(&cfg, "step = []\n").unwrap();
    let out = dir.path().join("out");
    let wet = shared("data/warc/whirlwind/whirlwind.warc.wet.gz");
    let warc = shared("data/warc/resiliparse/warcfile.warc.gz");
    let o = run(decant(&[
        "run",
        path_str(&wet),
        path_str(&warc),
        "-o",
        path_str(&out),
        "--config",
        path_str(&cfg),
        "-q",
    ]));
    assert_exit(&o, 0, "");
    let docs = json_lines(&fs::read_to_string(out.join("data/part-00000.jsonl")).unwrap());
    assert_eq!(docs.len(), 1);
    assert!(docs[0]["metadata"]["url"]
        .as_str()
        .unwrap()
        .starts_with("http"));
    assert!(docs[0]["metadata"]["date"]
        .as_str()
        .unwrap()
        .starts_with("20"));
    assert!(docs[0]["id"].as_str().unwrap().starts_with("<urn:uuid:"));
    let s = stats(&out);
    assert_conserved(&s);
    // The WARC's 50 records: a warcinfo, requests, metadata and HTML responses, none text.
    assert_eq!(s["inputs"][1]["documents"], 0);
    assert_eq!(s["inputs"][1]["skipped"], 50);
    assert_eq!(s["inputs"][0]["skipped"], 1);
    // A clipped archive fails with a clear error and exit status 3.
    let o = run(decant(&[
        "run",
        path_str(&shared("data/warc/resiliparse/clipped.warc.gz")),
        "-o",
        path_str(&dir.path().join("clipped")),
        "--config",
        path_str(&cfg),
    ]));
    assert_exit(&o, 3, "truncated");
}

#[test]
fn a_restart_leaves_nothing_of_the_old_run_and_a_foreign_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let ex = examples();
    let o = run(decant(&[
        "run",
        &ex[0],
        &ex[1],
        &ex[2],
        "-o",
        path_str(&out),
        "-q",
    ]));
    assert_exit(&o, 0, "");
    assert_eq!(fs::read_dir(out.join("data")).unwrap().count(), 3);
    let cfg = dir.path().join("repair.toml");
    fs::write(&cfg, "[[step]]\nkind = \"repair\"\n").unwrap();
    let o = run(decant(&[
        "run",
        &ex[0],
        "-o",
        path_str(&out),
        "--config",
        path_str(&cfg),
        "--restart",
        "-q",
    ]));
    assert_exit(&o, 0, "");
    let data: Vec<_> = fs::read_dir(out.join("data"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(data, ["part-00000.jsonl"]);
    assert!(!out.join("clusters.jsonl").exists() && !out.join("rejects").exists());
    // A folder with files decant did not write is never used (nor cleared).
    let mine = dir.path().join("mine");
    fs::create_dir(&mine).unwrap();
    fs::write(mine.join("notes.txt"), "keep me").unwrap();
    let o = run(decant(&["run", &ex[0], "-o", path_str(&mine)]));
    assert_exit(&o, 1, "not empty");
    assert_eq!(
        fs::read_to_string(mine.join("notes.txt")).unwrap(),
        "keep me"
    );
}

#[test]
fn explain_finds_a_document_paragraph_dedup_emptied_without_a_dedup_step() {
    let dir = tempfile::tempdir().unwrap();
    let para = "The harbour board met on Monday and agreed to widen the northern quay before the winter storms arrive.";
    let input = dir.path().join("in.jsonl");
    fs::write(
        &input,
        json!({"id": "first", "text": format!("{para}\n\nA second paragraph of the first page, long enough to count as one.")})
            .to_string()
            + "\n"
            + &json!({"id": "again", "text": para}).to_string()
            + "\n",
    )
    .unwrap();
    let cfg = dir.path().join("p.toml");
    fs::write(&cfg, "[[step]]\nkind = \"paragraph_dedup\"\n").unwrap();
    let out = dir.path().join("out");
    let o = run_config(&[&input], &out, &cfg);
    assert_exit(&o, 0, "(checked)");
    let o = run(decant(&["explain", path_str(&out), "again", "--json"]));
    let e: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        e["fate"]
            .as_str()
            .unwrap()
            .starts_with("removed as duplicate_paragraphs"),
        "{e}"
    );
    // The paragraph it lost is listed, as for a document that kept some.
    assert_eq!(e["paragraphs"].as_array().map(Vec::len), Some(1), "{e}");
    assert_eq!(e["paragraphs"][0]["reason"], "duplicate_paragraph", "{e}");
    assert_eq!(e["paragraphs"][0]["text"], para, "{e}");
    assert_eq!(e["paragraphs"][0]["lines"], json!([1, 1]), "{e}");
    let listed = json_lines(
        &fs::read_to_string(out.join("rejects").join("part-00000.paragraphs.jsonl")).unwrap(),
    );
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["id"], "again");
}

#[test]
fn paragraph_dedup_removes_paragraphs_earlier_survivors_have_across_shards() {
    let dir = tempfile::tempdir().unwrap();
    let para = |n: usize| {
        format!(
            "Paragraph {n}: the harbour board met on Monday and agreed to widen the northern quay before the winter storms arrive."
        )
    };
    let doc = |id: &str, ps: &[usize]| {
        json!({"id": id, "text": ps.iter().map(|&n| para(n)).collect::<Vec<_>>().join("\n\n")})
            .to_string()
            + "\n"
    };
    let a = dir.path().join("a.jsonl");
    let b = dir.path().join("b.jsonl");
    fs::write(&a, doc("a1", &[1, 10]) + &doc("a2", &[11, 2])).unwrap();
    // b1 and b2 repeat a paragraph of a1 and a2; b3 is a1 again (a duplicate, removed);
    // b4 has only a paragraph a document before it has, so nothing is left of it.
    fs::write(
        &b,
        doc("b1", &[1, 12]) + &doc("b2", &[2, 13, 14]) + &doc("b3", &[1, 10]) + &doc("b4", &[12]),
    )
    .unwrap();
    let cfg = dir.path().join("p.toml");
    fs::write(
        &cfg,
        "[[step]]\nkind = \"dedup\"\nmode = \"exact\"\n\n[[step]]\nkind = \"paragraph_dedup\"\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = run_config(&[&a, &b], &out, &cfg);
    assert_exit(&o, 0, "(checked)");
    let read = |f: &str| json_lines(&fs::read_to_string(out.join("data").join(f)).unwrap());
    let texts = |rows: Vec<serde_json::Value>| -> Vec<(String, String)> {
        rows.iter()
            .map(|r| {
                (
                    r["id"].as_str().unwrap().to_owned(),
                    r["text"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(
        texts(read("part-00000.jsonl")),
        [
            ("a1".to_owned(), format!("{}\n\n{}", para(1), para(10))),
            ("a2".to_owned(), format!("{}\n\n{}", para(11), para(2))),
        ]
    );
    let b_out = texts(read("part-00001.jsonl"));
    assert_eq!(b_out.len(), 2, "{b_out:?}");
    assert_eq!(b_out[0].0, "b1");
    assert!(!b_out[0].1.contains(&para(1)) && b_out[0].1.contains(&para(12)));
    assert_eq!(b_out[1].0, "b2");
    assert!(!b_out[1].1.contains(&para(2)) && b_out[1].1.contains(&para(13)));
    let rejects =
        json_lines(&fs::read_to_string(out.join("rejects/part-00001.dedup.jsonl")).unwrap());
    let why: Vec<(&str, &str)> = rejects
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        why,
        [("b3", "exact_duplicate"), ("b4", "duplicate_paragraphs")]
    );
    let s = stats(&out);
    assert_conserved(&s);
    let dedup = &s["steps"][0];
    // From the kept documents (b4's went with b4).
    assert_eq!(dedup["lines_removed"]["duplicate_paragraph"], 2, "{dedup}");
    lists_and_explains_removed_paragraphs(&out, &a, &para);
}

/// The paragraphs paragraph dedup removed: each listed with its document in `rejects/`, and
/// shown by `explain`.
fn lists_and_explains_removed_paragraphs(
    out: &std::path::Path,
    first: &std::path::Path,
    para: &dyn Fn(usize) -> String,
) {
    // Each removal is listed with the kept document it came from, and `explain` shows it.
    assert!(!out.join("rejects/part-00000.paragraphs.jsonl").exists());
    let removed =
        json_lines(&fs::read_to_string(out.join("rejects/part-00001.paragraphs.jsonl")).unwrap());
    let listed: Vec<(&str, &str, &str, &str)> = removed
        .iter()
        .map(|r| {
            let p = &r["paragraphs"][0];
            (
                r["id"].as_str().unwrap(),
                p["reason"].as_str().unwrap(),
                p["text"].as_str().unwrap(),
                p["first_seen"].as_str().unwrap(),
            )
        })
        .collect();
    let (p1, p2, p12) = (para(1), para(2), para(12));
    let (a1, a2) = (
        format!("{}:1", path_str(first)),
        format!("{}:2", path_str(first)),
    );
    let b1 = first.with_file_name("b.jsonl");
    let b1 = format!("{}:1", path_str(&b1));
    // b4 lost its only paragraph: it is listed too (and set aside as a document).
    assert_eq!(
        listed,
        [
            ("b1", "duplicate_paragraph", p1.as_str(), a1.as_str()),
            ("b2", "duplicate_paragraph", p2.as_str(), a2.as_str()),
            ("b4", "duplicate_paragraph", p12.as_str(), b1.as_str()),
        ],
        "{removed:?}"
    );
    assert!(removed
        .iter()
        .all(|r| r["paragraphs"].as_array().unwrap().len() == 1));
    let shown = run(decant(&["explain", path_str(out), "b2", "--json"]));
    let e: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(e["paragraphs"][0]["text"], p2.as_str(), "{e}");
    let shown = run(decant(&["explain", path_str(out), "b2"]));
    let shown = String::from_utf8(shown.stdout).unwrap();
    assert!(
        shown.contains(
            "paragraph dedup    removed line 1 of the cleaned text (duplicate_paragraph, in 2 documents"
        ),
        "{shown}"
    );
}

/// `explain` on documents of the example run that rules dropped.
fn explains_dropped_documents(out: &std::path::Path) {
    // A document dropped by a rule: the rule, value and threshold.
    let o = run(decant(&["explain", path_str(out), "de-1", "--json"]));
    let e: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let dropped: Vec<&serde_json::Value> = e["filters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["verdict"] == "dropped")
        .collect();
    assert_eq!(dropped.len(), 1, "{e}");
    assert_eq!(dropped[0]["step"], "language");
    assert_eq!(dropped[0]["rejection"]["reason"], "language_score");
    assert_eq!(dropped[0]["rejection"]["threshold"], 0.65);
    let measures = dropped[0]["measures"].as_array().unwrap();
    assert_eq!(measures.len(), 1, "{measures:?}");
    assert_eq!(measures[0]["rule"], "language_score");
    assert_eq!(measures[0]["fails"], true);
    assert!(measures[0]["value"].as_f64().unwrap() < 0.01);
    // What the language step detected, though it dropped the page.
    assert_eq!(e["metadata"]["language"], "de", "{e}");
    assert!(
        e["metadata"]["language_score"].as_f64().unwrap() > 0.9,
        "{e}"
    );
    let o = run(decant(&["explain", path_str(out), "de-1"]));
    let shown = String::from_utf8(o.stdout).unwrap();
    assert!(
        shown.contains("metadata           language = \"de\""),
        "{shown}"
    );
    // One dropped by a later step: each earlier step's rules, all passed, then the one that
    // dropped it, and the steps it never reached.
    let o = run(decant(&["explain", path_str(out), "tram-depot", "--json"]));
    let e: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let verdicts: Vec<(&str, &str)> = e["filters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["step"].as_str().unwrap(), s["verdict"].as_str().unwrap()))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("language", "passed"),
            ("gopher_repetition", "passed"),
            ("gopher_quality", "passed"),
            ("c4", "dropped"),
            ("fineweb_quality", "not reached")
        ]
    );
    let repetition = e["filters"][1]["measures"].as_array().unwrap();
    assert!(
        repetition.len() >= 8 && repetition.iter().all(|m| m["fails"] == false),
        "{repetition:?}"
    );
    assert!(repetition.iter().any(|m| m["rule"] == "dup_line_frac"));
    let c4 = &e["filters"][3];
    assert_eq!(
        (
            &c4["rejection"]["reason"],
            &c4["rejection"]["value"],
            &c4["rejection"]["threshold"]
        ),
        (&json!("too_few_sentences"), &json!(3.0), &json!(5.0))
    );
}
