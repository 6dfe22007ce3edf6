//! Language identification with an embedded model: 75 languages, no download, no network.
//!
//! **Model.** A character n-gram model (orders 1–5) per language, distilled from lingua-rs
//! 1.3.0's models (Apache-2.0, trained on the Leipzig Wortschatz corpora) by
//! `crates/langid-model` into `model.bin.zst` (5 MB, decompressed and indexed on first use:
//! about 20 MB in memory). Each stored value is ln P(last letter | the letters before it), quantized to 1/8
//! nat; see the builder for what was pruned.
//!
//! **Scoring.** A text is lowercased and split into words (runs of alphabetic characters).
//! At each letter, each language is scored with its longest n-gram (up to 5 letters, within
//! the word) ending at that letter that its model holds — except that when no language has
//! the trigram ending there, longer n-grams are not looked up (4.6 % of the stored 4- and
//! 5-grams are thereby never used; measured, it changes accuracy by +0.04 points and saves
//! lookups); each order given up costs
//! [`BACKOFF`] nats, and a letter no n-gram covers costs [`FLOOR`] (a backed-off character
//! language model). The text is cut into chunks of about 64 letters (at word ends); on each chunk
//! a language's probability is the softmax over languages of the mean log-likelihood per
//! letter times [`TEMPERATURE`] (fitted to minimize the log-loss on lingua's test
//! sentences). A language's **score** is the letter-weighted mean of its chunk
//! probabilities, and the detected language is the one with the highest score. A text in one
//! language scores near 1; a text split between two languages scores near 0.5 for each.
//!
//! **Long texts** are sampled: a text longer than [`SAMPLE_BYTES`] is scored on
//! [`SAMPLE_WINDOWS`] windows of `SAMPLE_BYTES / SAMPLE_WINDOWS` bytes spread evenly from start
//! to end, so the cost per document is bounded and a document whose language changes part
//! way still scores lower.
//!
//! **Per thread**, the costs of up to 65,536 recent words are cached (about 16 MB per thread,
//! kept for the thread's life): a word's n-grams never cross its ends, so its cost is computed
//! once.
//!
//! **Measured** (`cargo test -p decant --release --test langid -- --nocapture`):
//! on lingua's 75 × 1,000 test sentences (`../shared/data/lingua-sentences/`), 96.2 % mean
//! accuracy (lingua's high-accuracy mode: 96.0 %; low-accuracy: 94.0 %).

use std::sync::OnceLock;

static MODEL_BYTES: &[u8] = include_bytes!("model.bin.zst");

/// Cost (nats) of each n-gram order a language backs off from.
pub const BACKOFF: f64 = 1.0;
/// Cost (nats) of a letter no n-gram of a language covers, besides the back-off costs.
pub const FLOOR: f64 = 12.0;
/// Multiplies the mean log-likelihood per letter before the softmax that gives the score.
pub const TEMPERATURE: f64 = 7.0;
/// Texts longer than this many bytes are sampled.
pub const SAMPLE_BYTES: usize = 1024;
/// The number of windows a long text is sampled at.
pub const SAMPLE_WINDOWS: usize = 4;

const MAX_ORDER: usize = 5;
const SCALE: f64 = 8.0;
const SEED: u64 = 0x243F_6A88_85A3_08D3;
const FINGERPRINT: u64 = 0xFFFF_FFFF_0000_0000;
/// Language slots in the score arrays (the model has 75; a multiple of 16 for SIMD).
const LANES: usize = 80;

/// A detected language and how sure the model is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// ISO 639-1 code (`en`, `de`, `nb`, …).
    pub language: &'static str,
    /// Probability of that language, 0–1.
    pub score: f64,
}

/// The embedded model.
#[derive(Debug)]
pub struct LanguageModel {
    languages: Vec<&'static str>,
    /// Open-addressing table: per slot, the n-gram hash's high 32 bits, the first entry (24
    /// bits) and the entry count (8 bits); 0 is an empty slot.
    slots: Vec<u64>,
    mask: usize,
    /// Per entry: language index << 8 | quantized −ln p.
    entries: Vec<u16>,
}

/// The embedded model, decompressed and indexed on first use.
pub fn model() -> &'static LanguageModel {
    static MODEL: OnceLock<LanguageModel> = OnceLock::new();
    MODEL.get_or_init(|| {
        LanguageModel::parse(MODEL_BYTES).expect("the embedded language model is well formed")
    })
}

#[inline]
fn mix(h: u64, c: char) -> u64 {
    let x = (h ^ u64::from(u32::from(c))).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^ (x >> 29)
}

/// The hash of an n-gram: its letters folded in from last to first, so that at each position
/// the n-grams ending there are hashed by extending one letter at a time.
fn ngram_hash(ngram: &str) -> u64 {
    ngram.chars().rev().fold(SEED, mix)
}

fn lowercase(c: char) -> Option<char> {
    if c.is_ascii() {
        c.is_ascii_alphabetic().then(|| c.to_ascii_lowercase())
    } else if c.is_alphabetic() {
        Some(c.to_lowercase().next().unwrap_or(c))
    } else {
        None
    }
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at + n;
        let s = self
            .bytes
            .get(self.at..end)
            .ok_or_else(|| format!("truncated at byte {}", self.at))?;
        self.at = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
}

impl LanguageModel {
    /// Reads a model in the format `crates/langid-model` writes (zstd-compressed).
    pub fn parse(compressed: &[u8]) -> Result<LanguageModel, String> {
        let raw = zstd::stream::decode_all(compressed).map_err(|e| e.to_string())?;
        let mut c = Cursor { bytes: &raw, at: 0 };
        if c.take(16)? != b"decant-langid 1\n" {
            return Err("not a decant language model".into());
        }
        let n_langs = usize::from(c.u8()?);
        if n_langs > LANES {
            return Err(format!(
                "{n_langs} languages; at most {LANES} are supported"
            ));
        }
        let mut languages = Vec::with_capacity(n_langs);
        for _ in 0..n_langs {
            let code = std::str::from_utf8(c.take(2)?).map_err(|e| e.to_string())?;
            // A handful of two-letter strings, leaked once for the life of the process.
            languages.push(&*Box::leak(code.to_owned().into_boxed_str()));
        }
        let n = u32::from_le_bytes(c.take(4)?.try_into().expect("4 bytes")) as usize;
        let cap = (n * 2).next_power_of_two().max(16);
        let mask = cap - 1;
        let mut slots = vec![0u64; cap];
        let mut entries: Vec<u16> = Vec::new();
        for _ in 0..n {
            let len = usize::from(c.u8()?);
            let ngram = std::str::from_utf8(c.take(len)?).map_err(|e| e.to_string())?;
            let count = c.u8()?;
            if count == 0 {
                return Err(format!("n-gram {ngram:?} has no entries"));
            }
            let start = u64::try_from(entries.len()).expect("fits");
            if start >= 1 << 24 {
                return Err("too many entries".into());
            }
            for _ in 0..count {
                let lang = c.u8()?;
                if usize::from(lang) >= n_langs {
                    return Err(format!("n-gram {ngram:?} names language {lang}"));
                }
                entries.push(u16::from(lang) << 8 | u16::from(c.u8()?));
            }
            let h = ngram_hash(ngram);
            #[allow(clippy::cast_possible_truncation)]
            let mut slot = (h as usize) & mask;
            while slots[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            slots[slot] = (h & FINGERPRINT) | start << 8 | u64::from(count);
        }
        if c.at != raw.len() {
            return Err(format!("{} bytes after the last n-gram", raw.len() - c.at));
        }
        Ok(LanguageModel {
            languages,
            slots,
            mask,
            entries,
        })
    }

    /// The ISO 639-1 codes of the languages the model knows, in its order.
    pub fn languages(&self) -> &[&'static str] {
        &self.languages
    }

    /// The entries of the n-gram with hash `h`, whose home slot holds `home`.
    #[inline]
    fn get_from(&self, h: u64, home: u64) -> Option<&[u16]> {
        #[allow(clippy::cast_possible_truncation)]
        let mut slot = (h as usize) & self.mask;
        let mut w = home;
        loop {
            if w == 0 {
                return None;
            }
            if w & FINGERPRINT == h & FINGERPRINT {
                #[allow(clippy::cast_possible_truncation)]
                let start = ((w >> 8) & 0xFF_FFFF) as usize;
                #[allow(clippy::cast_possible_truncation)]
                let len = (w & 0xFF) as usize;
                return Some(&self.entries[start..start + len]);
            }
            slot = (slot + 1) & self.mask;
            w = self.slots[slot];
        }
    }

    /// Scores `text`'s letters into `st`, word by word.
    fn score_into(&self, text: &str, st: &mut State) {
        WORDS.with_borrow_mut(|cache| {
            let mut word = std::mem::take(&mut cache.word);
            word.clear();
            for c in text.chars() {
                if let Some(c) = lowercase(c) {
                    word.push(c);
                } else if !word.is_empty() {
                    self.add_word(&word, cache, st);
                    word.clear();
                    if st.chunk_letters >= CHUNK_LETTERS {
                        st.flush(self.languages.len());
                    }
                }
            }
            if !word.is_empty() {
                self.add_word(&word, cache, st);
            }
            cache.word = word;
        });
    }

    /// Adds one word's costs to the current chunk, from the cache when the word was seen
    /// before on this thread (a cached cost is the same number computed again, so the cache
    /// never changes a result).
    fn add_word(&self, word: &[char], cache: &mut WordCache, st: &mut State) {
        st.chunk_letters += u32::try_from(word.len()).unwrap_or(u32::MAX);
        if word.len() > MAX_CACHED_LETTERS {
            self.word_cost(word, &mut st.chunk);
            return;
        }
        let row = if let Some(&row) = cache.index.get(word) {
            row
        } else {
            let mut cost = [0u32; LANES];
            self.word_cost(word, &mut cost);
            if cache.costs.len() >= CACHED_WORDS {
                cache.index.clear();
                cache.costs.clear();
            }
            let row = cache.costs.len();
            // At most MAX_CACHED_LETTERS letters of at most 255 + 5 × 8 each: fits u16.
            cache
                .costs
                .push(cost.map(|c| u16::try_from(c).unwrap_or(u16::MAX)));
            cache.index.insert(word.into(), row);
            row
        };
        for (a, &x) in st.chunk.iter_mut().zip(&cache.costs[row]) {
            *a += u32::from(x);
        }
    }

    /// Adds the cost of each letter of `word` (lowercase letters) to `cost`.
    fn word_cost(&self, word: &[char], cost: &mut [u32; LANES]) {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let (floor, backoff) = ((FLOOR * SCALE) as u16, (BACKOFF * SCALE) as u16);
        let mut hashes = [0u64; MAX_ORDER + 1];
        for end in 0..word.len() {
            let top = (end + 1).min(MAX_ORDER);
            let mut h = SEED;
            for k in 0..top {
                h = mix(h, word[end - k]);
                hashes[k + 1] = h;
            }
            // Every order's home slot is read first: the loads are independent, so their
            // cache misses overlap instead of following one another.
            let mut home = [0u64; MAX_ORDER + 1];
            for n in 1..=top {
                #[allow(clippy::cast_possible_truncation)]
                let slot = (hashes[n] as usize) & self.mask;
                home[n] = self.slots[slot];
            }

            // Lowest order first, so each language ends with its longest n-gram's value.
            #[allow(clippy::cast_possible_truncation)]
            let mut v = [floor + backoff * top as u16; LANES];
            for (n, &h) in hashes.iter().enumerate().take(top + 1).skip(1) {
                let Some(list) = self.get_from(h, home[n]) else {
                    // No language has this trigram: longer n-grams ending here are not
                    // looked up (see the module doc).
                    if n >= 3 {
                        break;
                    }
                    continue;
                };
                #[allow(clippy::cast_possible_truncation)]
                let extra = backoff * (top - n) as u16;
                for &e in list {
                    v[usize::from(e >> 8)] = (e & 0xFF) + extra;
                }
            }
            for (a, x) in cost.iter_mut().zip(v) {
                *a += u32::from(x);
            }
        }
    }

    /// The index of a language in [`LanguageModel::languages`].
    pub fn index_of(&self, code: &str) -> Option<usize> {
        self.languages.iter().position(|&l| l == code)
    }

    /// The most likely language of `text` and its probability; `None` when the text has no
    /// letters.
    pub fn detect(&self, text: &str) -> Option<Detection> {
        self.analyse(text).map(|a| a.best)
    }

    /// The most likely language of `text`, and every language's probability; `None` when the
    /// text has no letters.
    pub fn analyse(&self, text: &str) -> Option<Analysis> {
        let mut st = State::default();
        if text.len() <= SAMPLE_BYTES {
            self.score_into(text, &mut st);
        } else {
            let window = SAMPLE_BYTES / SAMPLE_WINDOWS;
            let last = text.len() - window;
            for i in 0..SAMPLE_WINDOWS {
                let start = floor_boundary(text, last * i / (SAMPLE_WINDOWS - 1));
                let end = floor_boundary(text, start + window);
                self.score_into(&text[start..end], &mut st);
                // Windows are chunks of their own.
                st.flush(self.languages.len());
            }
        }
        st.flush(self.languages.len());
        if st.letters == 0 {
            return None;
        }
        let n = self.languages.len();
        let letters = f64::from(st.letters);
        let mut probability = st.probability;
        for p in &mut probability {
            *p /= letters;
        }
        // The most probable language (the first of equals), so that the language reported
        // is always the one with the highest score.
        let best = (1..n).fold(0, |b, i| {
            if probability[i] > probability[b] {
                i
            } else {
                b
            }
        });
        Some(Analysis {
            best: Detection {
                language: self.languages[best],
                score: probability[best],
            },
            probability,
        })
    }
}

/// Every language's probability for one text.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The most likely language (the one whose model explains all the letters best).
    pub best: Detection,
    probability: [f64; LANES],
}

impl Analysis {
    /// The probability of the language at `index` in [`LanguageModel::languages`].
    pub fn probability(&self, index: usize) -> f64 {
        self.probability.get(index).copied().unwrap_or(0.0)
    }
}

/// Words of at most this many letters are cached.
const MAX_CACHED_LETTERS: usize = 24;
/// The cache is emptied when it holds this many words.
const CACHED_WORDS: usize = 1 << 16;

/// Per thread: the costs of words seen recently (text is mostly the same few thousand words,
/// and a word's n-grams never cross its ends, so its cost is computed once).
#[derive(Default)]
struct WordCache {
    index: rustc_hash::FxHashMap<Box<[char]>, usize>,
    costs: Vec<[u16; LANES]>,
    word: Vec<char>,
}

thread_local! {
    static WORDS: std::cell::RefCell<WordCache> = std::cell::RefCell::new(WordCache::default());
}

/// Letters per chunk (rounded up to the end of a word).
const CHUNK_LETTERS: u32 = 64;

/// Running scores of one text.
struct State {
    /// Cost of the current chunk's letters.
    chunk: [u32; LANES],
    chunk_letters: u32,
    /// Letters in finished chunks.
    letters: u32,
    /// Per language, the sum over finished chunks of the chunk's letters × the language's
    /// probability on that chunk.
    probability: [f64; LANES],
}

impl Default for State {
    fn default() -> Self {
        State {
            chunk: [0; LANES],
            chunk_letters: 0,
            letters: 0,
            probability: [0.0; LANES],
        }
    }
}

impl State {
    /// Ends the current chunk: adds its letter-weighted probabilities (softmax of the mean log-likelihood per letter × [`TEMPERATURE`]).
    fn flush(&mut self, n: usize) {
        if self.chunk_letters == 0 {
            return;
        }
        let chunk = &self.chunk[..n];
        let min = *chunk.iter().min().expect("at least one language");
        let scale = TEMPERATURE / (SCALE * f64::from(self.chunk_letters));
        let mut weights = [0.0f64; LANES];
        for (w, &c) in weights.iter_mut().zip(chunk) {
            *w = (-f64::from(c - min) * scale).exp();
        }
        let z: f64 = weights[..n].iter().sum();
        let letters = f64::from(self.chunk_letters);
        for (p, w) in self.probability.iter_mut().zip(&weights[..n]) {
            *p += letters * w / z;
        }
        self.letters += self.chunk_letters;
        self.chunk = [0; LANES];
        self.chunk_letters = 0;
    }
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(text: &str) -> (&'static str, f64) {
        let d = model().detect(text).expect("letters");
        (d.language, d.score)
    }

    #[test]
    fn the_model_loads_with_its_75_languages() {
        let m = model();
        assert_eq!(m.languages().len(), 75);
        assert!(m.languages().contains(&"en"));
        assert!(m.languages().contains(&"zu"));
    }

    #[test]
    fn clear_sentences_are_recognized_with_high_scores() {
        for (text, want) in [
            ("The committee will publish its report on the proposed changes next week.", "en"),
            ("Der Ausschuss wird seinen Bericht über die geplanten Änderungen nächste Woche veröffentlichen.", "de"),
            ("Le comité publiera son rapport sur les changements proposés la semaine prochaine.", "fr"),
            ("El comité publicará su informe sobre los cambios propuestos la próxima semana.", "es"),
            ("Комитет опубликует свой доклад о предложенных изменениях на следующей неделе.", "ru"),
            ("委员会将于下周发布关于拟议修改的报告。", "zh"),
        ] {
            let (got, score) = lang(text);
            assert_eq!(got, want, "{text}");
            assert!(score > 0.9, "{text}: {score}");
        }
    }

    #[test]
    fn a_text_split_between_two_languages_scores_lower() {
        let en = "The committee will publish its report on the proposed changes next week, \
                  and the minister has said that she expects a long debate in parliament.";
        let de = "Der Ausschuss wird seinen Bericht über die geplanten Änderungen nächste Woche \
                  veröffentlichen, und die Ministerin erwartet eine lange Debatte im Parlament.";
        let (_, pure) = lang(en);
        let (_, mixed) = lang(&format!("{en} {de}"));
        assert!(pure > 0.95, "{pure}");
        assert!(mixed > 0.3 && mixed < 0.7, "{mixed}");
    }

    #[test]
    fn texts_without_letters_have_no_language() {
        assert_eq!(model().detect(""), None);
        assert_eq!(model().detect("12 345 -- !!! 3.14"), None);
    }

    #[test]
    fn long_texts_are_sampled_from_start_to_end() {
        let en = "The committee will publish its report on the proposed changes next week. ";
        let de =
            "Der Ausschuss wird seinen Bericht über die geplanten Änderungen veröffentlichen. ";
        // English, then a long German tail: the sample sees both.
        let text = format!("{}{}", en.repeat(20), de.repeat(60));
        let d = model().detect(&text).unwrap();
        assert_eq!(d.language, "de");
        assert!(d.score > 0.5 && d.score < 0.9, "{}", d.score);
        // Window boundaries inside multi-byte characters are moved back, not split.
        let cyr = "Комитет опубликует свой доклад. ".repeat(100);
        assert_eq!(model().detect(&cyr).unwrap().language, "ru");
    }

    #[test]
    fn a_damaged_model_is_refused_with_a_reason() {
        let raw = zstd::stream::decode_all(MODEL_BYTES).unwrap();
        let cut = zstd::bulk::compress(&raw[..raw.len() - 3], 1).unwrap();
        let err = LanguageModel::parse(&cut).unwrap_err();
        assert!(err.contains("truncated"), "{err}");
        let err = LanguageModel::parse(&zstd::bulk::compress(b"hello", 1).unwrap()).unwrap_err();
        assert!(
            err.contains("truncated") || err.contains("not a decant"),
            "{err}"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Scores are probabilities that sum to one, and the per-thread word cache never
        /// changes a result: a thread that has seen other text first gives the same answer
        /// as a fresh one.
        #[test]
        fn scores_are_probabilities_and_independent_of_the_cache(
            text in "(\\PC|[ \\n]){0,300}",
            before in "(\\PC|[ \\n]){0,300}",
        ) {
            let m = model();
            let fresh = {
                let t = text.clone();
                std::thread::spawn(move || model().analyse(&t)).join().unwrap()
            };
            m.analyse(&format!("{before} {text}"));
            let warm = m.analyse(&text);
            proptest::prop_assert_eq!(fresh.as_ref().map(|a| a.best), warm.as_ref().map(|a| a.best));
            if let Some(a) = warm {
                proptest::prop_assert!((0.0..=1.0 + 1e-9).contains(&a.best.score));
                let sum: f64 = (0..m.languages().len()).map(|i| a.probability(i)).sum();
                proptest::prop_assert!((sum - 1.0).abs() < 1e-6, "{}", sum);
            }
        }
    }
}
