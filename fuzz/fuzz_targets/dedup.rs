//! Dedup's per-document work on arbitrary text: normalization (its ASCII fast path must
//! agree with the character-by-character definition: normalizing twice changes nothing,
//! and the fast word scan finds the same words as the plain one), the exact hash, the
//! signature and the shingle set.
#![no_main]

use decant::dedup::{MinHasher, SigScratch};
use decant::text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(t) = std::str::from_utf8(data) else {
        return;
    };
    let once = text::normalize(t);
    assert_eq!(text::normalize(&once), once, "normalization is idempotent");
    assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
    let mut fast = Vec::new();
    text::for_each_word(t, |w| fast.push(w));
    assert_eq!(fast, text::words(t).collect::<Vec<_>>());

    let h = MinHasher::new(5, 14, 8);
    let mut s = SigScratch::default();
    let signed = h.sign(t, &mut s);
    assert_eq!(signed.exact, h.exact(&once, &mut s), "the exact hash is of the normalized text");
    let set = h.shingle_set(t, &mut s);
    assert_eq!(signed.signature.is_empty(), set.is_empty());
    assert!(signed.signature.is_empty() || signed.signature.len() == 112);
    assert!(set.windows(2).all(|w| w[0] < w[1]));
    // Every slot holds the value of some shingle (densification copies, never invents).
    for v in &signed.signature {
        assert!(set.iter().any(|&x| x as u32 == *v), "{v} not from a shingle");
    }
});
