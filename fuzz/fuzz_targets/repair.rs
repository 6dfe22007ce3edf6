//! Arbitrary UTF-8 text through repair: it never panics, never adds text, never grows the
//! text, leaves an unchanged text byte-identical, and is idempotent.
#![no_main]

use std::collections::HashSet;

use decant::repair::Repairer;
use decant::text::is_blank;
use libfuzzer_sys::fuzz_target;

/// Lines split on `\n`, one `\r` before the `\n` removed: the library's own definition
/// (`decant::text::lines`), used for input and output alike. Unlike a plain "strip a
/// trailing `\r`" it keeps the `\r` of a last line that has no `\n`: such a line, moved
/// before another, is written as `X\r` + its gap `\r\n`, i.e. as the line `X\r`.
fn lines(s: &str) -> impl Iterator<Item = &str> {
    decant::text::lines(s).map(move |l| l.text(s))
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let repairer = Repairer::default();
    let once = repairer.repair(input);
    let out: &str = &once.text;

    if !once.changed() {
        assert_eq!(out, input, "unchanged repair altered the text");
    }
    assert!(
        out.len() <= input.len(),
        "output longer than input: {} > {}\ninput: {input:?}\noutput: {out:?}",
        out.len(),
        input.len()
    );

    let input_lines: HashSet<&str> = lines(input).collect();
    for l in lines(out).filter(|l| !is_blank(l)) {
        assert!(
            input_lines.contains(l),
            "output line not in input: {l:?}\ninput: {input:?}\noutput: {out:?}"
        );
    }

    let twice = repairer.repair(out);
    assert!(
        !twice.changed(),
        "repair is not idempotent\ninput: {input:?}\nonce: {out:?}\ntwice: {:?}\nedits of the first pass: {:?}\nedits of the second pass: {:?}",
        twice.text,
        once.edits,
        twice.edits
    );
});
