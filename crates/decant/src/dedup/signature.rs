//! What dedup knows of one document: the 128-bit hash of its normalized text, and the
//! MinHash signature of its word n-gram shingles.
//!
//! - **Normalization** is [`crate::text::normalize`], the one used by repair: lowercase,
//!   runs of whitespace made one space, typographic quotes, dashes and ellipses folded,
//!   invisible characters dropped. Two documents are exact duplicates when their normalized
//!   texts have the same 128-bit XXH3 hash.
//! - **Words** are [`crate::text::words`] of the normalized text: runs of letters, digits
//!   and `_`. Punctuation does not make two copies differ (datatrove's MinHash strips it
//!   before tokenizing for the same reason).
//! - **Shingles** are the runs of `n` consecutive words (default 5); a document with fewer
//!   than `n` words is one shingle of all its words, and one with no word has no signature
//!   (it can only be an exact duplicate). This is the definition the benchmark's ground truth
//!   uses for its Jaccard similarities.
//! - **Hashes**: each word is hashed once ([`text::hash_str`], 64-bit); a shingle's 64-bit hash mixes the
//!   hashes of its words by position, so no shingle string is ever built.
//! - **Signature**: one-permutation MinHash with optimal densification (Li, Owen & Zhang,
//!   "One Permutation Hashing", NeurIPS 2012; Shrivastava, "Optimal Densification for Fast
//!   and Accurate Minwise Hashing", ICML 2017). The top bits of a shingle's hash choose one of
//!   the `bands * rows` slots (a multiply-shift, no division) and the low 32 bits are its
//!   value; each slot keeps the minimum value that fell into it. A slot no shingle fell into
//!   takes the value of the first non-empty slot on its fixed probe sequence (the same
//!   sequence for every document), which keeps the defining property of MinHash: two
//!   documents agree on a slot with probability equal to their Jaccard similarity. The cost
//!   is a few integer operations per shingle instead of one multiply per shingle and slot
//!   (the classic `k` permutations), which is what makes signing run at the speed of reading.
//!   The seeds are fixed, so signatures are the same on every run and machine.

use xxhash_rust::xxh3::{xxh3_128, xxh3_64};

use crate::text;

/// The number of signature slots: `bands * rows`.
pub const fn slots(bands: usize, rows: usize) -> usize {
    bands * rows
}

/// Computes exact hashes, shingles and signatures with one fixed set of permutations.
#[derive(Debug, Clone)]
pub struct MinHasher {
    ngram: usize,
    bands: usize,
    rows: usize,
    /// For each slot, its probe sequence for densification: the slots to copy from, in order
    /// (a fixed pseudo-random permutation of the other slots).
    probes: Vec<Vec<u16>>,
}

/// Reused buffers, one per worker thread.
#[derive(Debug, Default)]
pub struct SigScratch {
    norm: String,
    words: Vec<u64>,
}

/// What signing one document produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// XXH3-128 of the normalized text.
    pub exact: u128,
    /// The MinHash signature (`bands * rows` slots); empty when the text has no word.
    pub signature: Vec<u32>,
}

/// splitmix64: the fixed stream the permutations are drawn from.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl MinHasher {
    /// A hasher for `ngram`-word shingles and `bands * rows` slots.
    pub fn new(ngram: usize, bands: usize, rows: usize) -> Self {
        let k = slots(bands, rows);
        assert!(u16::try_from(k).is_ok(), "at most 65535 slots");
        let mut state = 0x6465_6361_6e74_2d31; // "decant-1"
        let probes = (0..k)
            .map(|i| {
                // Fisher-Yates over the other slots, driven by the fixed stream.
                let mut order: Vec<u16> = (0..k)
                    .filter(|&j| j != i)
                    .map(|j| u16::try_from(j).expect("checked above"))
                    .collect();
                for n in (1..order.len()).rev() {
                    let r =
                        usize::try_from(splitmix(&mut state) % (n as u64 + 1)).expect("below n");
                    order.swap(n, r);
                }
                order
            })
            .collect();
        MinHasher {
            ngram: ngram.max(1),
            bands,
            rows,
            probes,
        }
    }

    /// Words per shingle.
    pub fn ngram(&self) -> usize {
        self.ngram
    }

    /// Number of bands.
    pub fn bands(&self) -> usize {
        self.bands
    }

    /// Rows per band.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Signature slots.
    pub fn slots(&self) -> usize {
        self.probes.len()
    }

    /// Normalizes `text` into the scratch buffer and hashes its words; returns the exact hash.
    fn prepare(text: &str, s: &mut SigScratch) -> u128 {
        s.norm.clear();
        text::normalize_into(text, &mut s.norm);
        s.words.clear();
        let words = &mut s.words;
        text::for_each_word(&s.norm, |w| words.push(text::hash_str(w)));
        xxh3_128(s.norm.as_bytes())
    }

    /// Calls `f` with the hash of each shingle of the words in the scratch buffer, in
    /// order (repeats included).
    #[inline]
    fn for_each_shingle(&self, words: &[u64], mut f: impl FnMut(u64)) {
        if words.is_empty() {
            return;
        }
        // A final mix makes the shingle hash uniform even when word hashes repeat.
        let mix = |mut h: u64| {
            h = (h ^ (h >> 31)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            h ^ (h >> 29)
        };
        let n = self.ngram.min(words.len());
        if n == 5 {
            // The default, unrolled: the rotations are constants.
            for w in words.windows(5) {
                f(mix(w[0]
                    ^ w[1].rotate_left(13)
                    ^ w[2].rotate_left(26)
                    ^ w[3].rotate_left(39)
                    ^ w[4].rotate_left(52)));
            }
            return;
        }
        let rot: Vec<u32> = (0..n)
            .map(|i| u32::try_from(i * 13 % 64).expect("below 64"))
            .collect();
        for win in words.windows(n) {
            let mut h = 0u64;
            for (&x, &r) in win.iter().zip(&rot) {
                h ^= x.rotate_left(r);
            }
            f(mix(h));
        }
    }

    /// The exact hash alone (no shingles, no signature).
    pub fn exact(&self, text: &str, s: &mut SigScratch) -> u128 {
        s.norm.clear();
        text::normalize_into(text, &mut s.norm);
        xxh3_128(s.norm.as_bytes())
    }

    /// Signs one document.
    pub fn sign(&self, text: &str, s: &mut SigScratch) -> Signed {
        let exact = Self::prepare(text, s);
        let mut signature = Vec::new();
        if !s.words.is_empty() {
            signature = vec![u32::MAX; self.slots()];
            let sig = &mut signature[..];
            let k = sig.len() as u64;
            self.for_each_shingle(&s.words, |h| {
                // The top 32 bits pick the slot, the low 32 bits are the value.
                let slot = usize::try_from(((h >> 32) * k) >> 32).expect("below k");
                #[allow(clippy::cast_possible_truncation)] // the low 32 bits, on purpose
                let v = h as u32;
                if v < sig[slot] {
                    sig[slot] = v;
                }
            });
            self.densify(sig);
        }
        Signed { exact, signature }
    }

    /// Fills the slots no shingle fell into (see the module docs).
    fn densify(&self, sig: &mut [u32]) {
        // Empty slots hold u32::MAX. A slot whose true minimum is u32::MAX is vanishingly
        // rare and harmless: it is then filled like an empty one, the same way in every
        // document.
        let filled: Vec<bool> = sig.iter().map(|&v| v != u32::MAX).collect();
        if filled.iter().all(|&f| f) || !filled.iter().any(|&f| f) {
            return;
        }
        for (i, probes) in self.probes.iter().enumerate() {
            if !filled[i] {
                let from = probes
                    .iter()
                    .map(|&j| usize::from(j))
                    .find(|&j| filled[j])
                    .expect("some slot is filled");
                sig[i] = sig[from];
            }
        }
    }

    /// The band keys of a signature: band `i` is a 64-bit hash of its `rows` slots.
    pub fn band_keys<'a>(&self, signature: &'a [u32]) -> impl Iterator<Item = u64> + 'a {
        let rows = self.rows;
        signature.chunks_exact(rows).map(move |band| {
            let mut bytes = [0u8; 4 * 32];
            let n = band.len().min(32);
            for (i, v) in band[..n].iter().enumerate() {
                bytes[4 * i..4 * i + 4].copy_from_slice(&v.to_le_bytes());
            }
            if band.len() > 32 {
                // Rows beyond 32 are folded in by a second hash (no preset uses so many).
                let rest: Vec<u8> = band[32..].iter().flat_map(|v| v.to_le_bytes()).collect();
                xxh3_64(&bytes) ^ xxh3_64(&rest).rotate_left(1)
            } else {
                xxh3_64(&bytes[..4 * n])
            }
        })
    }

    /// The sorted, deduplicated shingle hashes of `text` (for true Jaccard similarity).
    pub fn shingle_set(&self, text: &str, s: &mut SigScratch) -> Vec<u64> {
        Self::prepare(text, s);
        let mut out = Vec::with_capacity(s.words.len());
        self.for_each_shingle(&s.words, |h| out.push(h));
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The share of equal slots: the MinHash estimate of Jaccard similarity.
pub fn estimated_jaccard(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() || a.len() != b.len() {
        return 0.0;
    }
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / a.len() as f64
}

/// The Jaccard similarity of two sorted, deduplicated sets.
pub fn jaccard<T: Ord>(a: &[T], b: &[T]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let (mut i, mut j, mut inter) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                inter += 1;
                i += 1;
                j += 1;
            }
        }
    }
    inter as f64 / (a.len() + b.len() - inter) as f64
}

/// The probability that two documents of Jaccard similarity `s` share at least one band.
pub fn candidate_probability(s: f64, bands: usize, rows: usize) -> f64 {
    let r = i32::try_from(rows).unwrap_or(i32::MAX);
    let b = i32::try_from(bands).unwrap_or(i32::MAX);
    1.0 - (1.0 - s.powi(r)).powi(b)
}

/// Bands and rows for a similarity threshold, chosen as datasketch's
/// `MinHashLSH._optimal_param` does: among all `bands * rows <= slots`, the pair that
/// minimizes the equally weighted sum of the false-positive probability (integrated over
/// similarities below the threshold) and the false-negative probability (integrated above).
pub fn optimal_bands_rows(threshold: f64, slots: usize) -> (usize, usize) {
    let integrate = |f: &dyn Fn(f64) -> f64, lo: f64, hi: f64| {
        // The same midpoint rule datasketch uses (scipy-free), with enough steps to agree
        // on the argmin.
        let steps = 1000;
        let h = (hi - lo) / f64::from(steps);
        (0..steps)
            .map(|i| f(lo + (f64::from(i) + 0.5) * h) * h)
            .sum::<f64>()
    };
    let mut best = (1, 1);
    let mut best_err = f64::INFINITY;
    for b in 1..=slots {
        for r in 1..=slots / b {
            let fp = integrate(&|s| candidate_probability(s, b, r), 0.0, threshold);
            let fnr = integrate(&|s| 1.0 - candidate_probability(s, b, r), threshold, 1.0);
            let err = 0.5 * fp + 0.5 * fnr;
            if err < best_err {
                best_err = err;
                best = (b, r);
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(h: &MinHasher, t: &str) -> Signed {
        h.sign(t, &mut SigScratch::default())
    }

    #[test]
    fn exact_hash_ignores_case_spacing_and_quote_style() {
        let h = MinHasher::new(5, 14, 8);
        let a = sig(&h, "He said “Stop”  now.\nThe end");
        let b = sig(&h, "he said \"stop\" now. the END");
        assert_eq!(a.exact, b.exact);
        assert_ne!(a.exact, sig(&h, "he said \"stop\" now, the end").exact);
        assert_eq!(a.signature, b.signature);
        assert_eq!(a.signature.len(), 112);
    }

    #[test]
    fn punctuation_changes_the_exact_hash_but_not_the_signature() {
        let h = MinHasher::new(5, 14, 8);
        let a = sig(&h, "one two three four five six seven");
        let b = sig(&h, "One, two; three four - five six seven!");
        assert_ne!(a.exact, b.exact);
        assert_eq!(a.signature, b.signature);
    }

    #[test]
    fn a_text_without_words_has_no_signature() {
        let h = MinHasher::new(5, 14, 8);
        assert!(sig(&h, "  ... !!! ").signature.is_empty());
        assert!(sig(&h, "").signature.is_empty());
        // Fewer words than n: one shingle of all of them.
        let s = h.shingle_set("just three words", &mut SigScratch::default());
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn shingle_order_matters() {
        let h = MinHasher::new(2, 14, 8);
        let mut s = SigScratch::default();
        let ab = h.shingle_set("a b", &mut s);
        let ba = h.shingle_set("b a", &mut s);
        assert_ne!(ab, ba);
        // "a a" and "b b": the same word twice must not cancel out.
        assert_ne!(h.shingle_set("a a", &mut s), h.shingle_set("b b", &mut s));
    }

    #[test]
    fn estimate_tracks_true_jaccard() {
        // Two texts sharing 80 of 100 distinct shingles (J = 80/120 = 0.667).
        let hasher = MinHasher::new(1, 32, 8);
        let mut scratch = SigScratch::default();
        let words =
            |r: std::ops::Range<i32>| r.map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ");
        let (first, second) = (words(0..100), words(20..120));
        let j = jaccard(
            &hasher.shingle_set(&first, &mut scratch),
            &hasher.shingle_set(&second, &mut scratch),
        );
        assert!((j - 80.0 / 120.0).abs() < 1e-9, "{j}");
        let est = estimated_jaccard(
            &sig(&hasher, &first).signature,
            &sig(&hasher, &second).signature,
        );
        // 256 slots: the standard error is about 0.03.
        assert!((est - j).abs() < 0.1, "estimate {est} vs {j}");
    }

    #[test]
    fn jaccard_of_sets() {
        assert!((jaccard(&[1, 2, 3], &[2, 3, 4]) - 0.5).abs() < 1e-12);
        assert!((jaccard::<u64>(&[], &[]) - 1.0).abs() < 1e-12);
        assert!(jaccard(&[1], &[]).abs() < 1e-12);
    }

    #[test]
    fn optimal_params_match_datasketch() {
        // datasketch 2.0.0: `datasketch.lsh._optimal_param(t, n, 0.5, 0.5)`.
        for (t, n, want) in [
            (0.8, 112, (9, 12)),
            (0.8, 128, (9, 13)),
            (0.5, 128, (25, 5)),
            (0.7, 112, (12, 9)),
            (0.9, 112, (5, 22)),
            (0.6, 256, (32, 8)),
        ] {
            assert_eq!(optimal_bands_rows(t, n), want, "threshold {t}, {n} slots");
        }
    }

    #[test]
    fn band_keys_differ_by_band_content() {
        let h = MinHasher::new(5, 14, 8);
        let s = sig(&h, "a b c d e f g h i j k l m n o p");
        let keys: Vec<u64> = h.band_keys(&s.signature).collect();
        assert_eq!(keys.len(), 14);
        let t = sig(&h, "a b c d e f g h i j k l m n o p");
        assert_eq!(keys, h.band_keys(&t.signature).collect::<Vec<_>>());
    }
}
