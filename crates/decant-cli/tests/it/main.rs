//! Integration tests of the `decant` binary: one test binary, a module per topic.

mod bad_input;
mod dedup;
mod filter;
mod repair;
mod run;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The shared test data beside the repository (as CI lays it out).
pub fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared")
        .join(rel)
}

/// The repository root.
pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

pub fn decant(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_decant"));
    c.args(args);
    c
}

/// Runs with `stdin` and returns the output.
pub fn run_with_stdin(mut cmd: Command, stdin: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

/// `decant COMMAND examples/EXAMPLE -o OUT ARGS...`
pub fn run_example(command: &str, example: &str, out: &Path, args: &[&str]) -> Output {
    let input = repo(&format!("examples/{example}"));
    let mut all = vec![
        command,
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    run(decant(&all))
}

pub fn run(mut cmd: Command) -> Output {
    cmd.stdin(Stdio::null()).output().unwrap()
}

/// The run ended with `code` and said `needle` on stderr.
#[track_caller]
pub fn assert_exit(o: &Output, code: i32, needle: impl AsRef<str>) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "{err}");
    assert!(err.contains(needle.as_ref()), "{err}");
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

pub const P: [&str; 4] = [
    "The harbour authority said on Monday that the new container terminal would open in March, two months later than planned.",
    "Delays in the delivery of the cranes, which are built in Shanghai, were blamed for most of the setback, according to the authority.",
    "The terminal is expected to double the port's capacity and to create about 400 permanent jobs in the region by 2027.",
    "Shipping lines have already booked most of the first year's slots, the authority said, without naming the companies.",
];

/// A document scraped twice with a widget line between the copies.
pub fn doubled() -> String {
    format!(
        "{}\n{}\n{}\nAdvertisement\n{}\n{}\n{}",
        P[0], P[1], P[2], P[0], P[1], P[2]
    )
}

pub fn clean() -> String {
    P.join("\n")
}
