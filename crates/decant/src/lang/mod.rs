//! Language identification with an embedded model: 75 languages, no download, no network.
//!
//! **Model.** A character n-gram model (orders 1–5) per language, distilled from lingua-rs
//! 1.3.0's models (Apache-2.0, trained on the Leipzig Wortschatz corpora) by
//! `crates/langid-model` into `model.bin.zst` (5 MB, decompressed and indexed on first use:
//! about 24 MB in memory). Each stored value is ln P(last letter | the letters before it), quantized to 1/8
//! nat; see the builder for what was pruned.
//!
//! **Index.** One open-addressing table of 8-byte slots (a 32-bit fingerprint of the
//! n-gram's hash and a 32-bit payload). A unigram's or bigram's payload, and that of a longer
//! n-gram held by at least 8 languages (`ROW_MIN_ENTRIES`), names a *row*: every language's
//! value of its longest suffix that the language holds (80 bytes), so that a letter's values
//! start as one copied row rather than a scatter of entries. Another 3- to 5-gram's one or two
//! entries sit in the slot itself (82–88 % of them; one cache miss instead of two); the rest
//! point to a list of entries. Each letter reads its n-grams' home slots together with the
//! rest of its word's (16 letters at a time), so that their cache misses overlap.
//!
//! **Scoring.** A text is lowercased and split into words (runs of alphabetic characters).
//! At each letter, each language is scored with its longest n-gram (up to 5 letters, within
//! the word) ending at that letter that its model holds — except that when no language has
//! the trigram (or the 4-gram) ending there, longer n-grams are not looked up (4.6 % of the stored 4- and
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
//! accuracy (lingua's high-accuracy mode: 96.0 %; low-accuracy: 94.0 %), at 11–19 MB/s on one
//! thread of a shared 2-core machine (interleaved runs: about 2.1× the 5–9 MB/s of the
//! previous layout, before rows, inline entries and batched reads). Loading the model takes
//! 0.24–0.33 s there (a one-document `decant filter` run with the language step, 6 runs
//! alternating with the build before: 0.33–0.40 s), most of it decompressing, sorting the
//! n-grams by home slot (so that the table is written from start to end, see `place`)
//! and building the rows.

use std::sync::OnceLock;

static MODEL_BYTES: &[u8] = include_bytes!("model.bin.zst");

/// Cost (nats) of each n-gram order a language backs off from.
pub const BACKOFF: f64 = 1.0;
/// Cost (nats) of a letter no n-gram of a language covers, besides the back-off costs.
pub const FLOOR: f64 = 12.0;
/// Multiplies the mean log-likelihood per letter before the softmax that gives the score.
pub const TEMPERATURE: f64 = 7.0;
/// A text whose best-explaining language pays more than this many nats per letter on average
/// is in none of the model's languages: a letter no n-gram covers costs [`FLOOR`] plus four
/// [`BACKOFF`]s, 17; on lingua's 75,000 test sentences the most is 15.5 (a Chinese sentence of
/// rare characters), the median 3.9.
pub const UNEXPLAINED: f64 = 16.5;
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
    /// Open-addressing table: per slot, the n-gram hash's high 32 bits and a 32-bit payload
    /// (see [`TAG_ROW`] and the tags after it); 0 is an empty slot.
    slots: Vec<u64>,
    mask: usize,
    /// Per unigram, bigram and 3- to 5-gram with at least [`ROW_MIN_ENTRIES`] entries: each
    /// language's value ([`value`]) of the n-gram's longest suffix that it holds, [`NONE`] when
    /// it holds none. Row 0 is all [`NONE`].
    rows: Vec<[u8; LANES]>,
    /// Entries of the 3- to 5-grams too many or too large to sit in their slot: language
    /// index << 9 | value.
    entries: Vec<u16>,
    /// Per character below U+10000: its lowercase form, 0 when it is not a letter,
    /// [`LOWER_SLOW`] when its lowercase form is outside the table's range.
    lower: Box<[u16]>,
}

/// Slot payload tag (bits 30–31) of an n-gram with a row (every unigram and bigram): the rest
/// is its row in `rows`.
const TAG_ROW: u32 = 0;
/// Slot payload tag of a 3- to 5-gram with one entry inline (bits 0–13: language << 7 |
/// value).
const TAG_ONE: u32 = 1;
/// Slot payload tag of a 3- to 5-gram with two entries inline (bits 0–13 and 14–27).
const TAG_TWO: u32 = 2;
/// Slot payload tag of a 3- to 5-gram whose entries are in `entries`: first entry << 8 |
/// count.
const TAG_SPILL: u32 = 3;
/// A 3- to 5-gram with at least this many entries has a row of its own (3 instead: no faster
/// measurably, and 2.4 times the rows' memory).
const ROW_MIN_ENTRIES: usize = 8;
/// An entry stored inline holds a language and a value below this.
const INLINE_LIMIT: u16 = 1 << 7;

/// The value a letter costs a language whose longest n-gram ending there has `order` letters
/// and quantized −ln p `q`: `q` plus [`BACKOFF`] for each order below [`MAX_ORDER`]. (The cost
/// the module doc describes counts back-off only below the longest order the word allows at
/// that letter; the difference is the same for every language, so it never changes a
/// probability.)
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
const fn value(order: usize, q: u16) -> u16 {
    q + (BACKOFF * SCALE) as u16 * (MAX_ORDER - order) as u16
}

/// The value of a letter no n-gram of a language covers.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
const NONE: u8 = ((FLOOR * SCALE) as u16 + value(0, 0)) as u8;

/// A lowercase-table marker: look the character up the slow way.
const LOWER_SLOW: u16 = 0xFFFF;

/// The embedded model, decompressed and indexed on first use.
pub fn model() -> &'static LanguageModel {
    static MODEL: OnceLock<LanguageModel> = OnceLock::new();
    MODEL.get_or_init(|| {
        LanguageModel::parse(MODEL_BYTES).expect("the embedded language model is well formed")
    })
}

/// One step of an n-gram's hash: the hash is its letters folded in from last to first
/// (starting from [`SEED`]), so that at each position the n-grams ending there are hashed by
/// extending one letter at a time, and the steps of one n-gram's hash are its suffixes'.
#[inline]
fn mix(h: u64, c: char) -> u64 {
    let x = (h ^ u64::from(u32::from(c))).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^ (x >> 29)
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

/// [`lowercase`] of every character below U+10000, as a table.
fn lower_table() -> Box<[u16]> {
    (0..0x1_0000u32)
        .map(|u| match char::from_u32(u).and_then(lowercase) {
            None => 0,
            Some(l) => u16::try_from(u32::from(l))
                .ok()
                .filter(|&l| l != 0 && l != LOWER_SLOW)
                .unwrap_or(LOWER_SLOW),
        })
        .collect()
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
        // One call when the frame says its size (the model's does), else as a stream.
        let raw = match zstd::zstd_safe::get_frame_content_size(compressed) {
            Ok(Some(size)) if size < 1 << 32 => {
                zstd::bulk::decompress(compressed, usize::try_from(size).expect("below 4 GiB"))
            }
            _ => zstd::stream::decode_all(compressed),
        }
        .map_err(|e| e.to_string())?;
        let mut cur = Cursor { bytes: &raw, at: 0 };
        if cur.take(16)? != b"decant-langid 1\n" {
            return Err("not a decant language model".into());
        }
        let n_langs = usize::from(cur.u8()?);
        if n_langs > LANES {
            return Err(format!(
                "{n_langs} languages; at most {LANES} are supported"
            ));
        }
        let mut languages = Vec::with_capacity(n_langs);
        for _ in 0..n_langs {
            let code = std::str::from_utf8(cur.take(2)?).map_err(|e| e.to_string())?;
            // A handful of two-letter strings, leaked once for the life of the process.
            languages.push(&*Box::leak(code.to_owned().into_boxed_str()));
        }
        let n_ngrams = u32::from_le_bytes(cur.take(4)?.try_into().expect("4 bytes")) as usize;
        // Every n-gram is noted with its home slot and what its slot will hold until its
        // payload is set (its fingerprint and record offset), and the n-grams that get a
        // row with their suffixes' hashes.
        if n_ngrams >= 1 << 30 {
            return Err(format!("{n_ngrams} n-grams; at most 2^30 are supported"));
        }
        let cap = (n_ngrams * 2).next_power_of_two().max(16);
        let mask = cap - 1;
        let mut placed: Vec<(u64, u64)> = Vec::with_capacity(n_ngrams);
        let mut candidates = Vec::new();
        let first = cur.at;
        for _ in 0..n_ngrams {
            let at = cur.at;
            let len = usize::from(cur.u8()?);
            let bytes = cur.take(len)?;
            let mut letters = ['\0'; MAX_ORDER];
            let order = decode_letters(bytes, &mut letters).ok_or_else(|| {
                format!("n-gram {bytes:?} at byte {at} is not 1 to {MAX_ORDER} letters of UTF-8")
            })?;
            let count = usize::from(cur.u8()?);
            if count == 0 {
                return Err(format!("n-gram {bytes:?} at byte {at} has no entries"));
            }
            for pair in cur.take(2 * count)?.chunks(2) {
                if usize::from(pair[0]) >= n_langs {
                    return Err(format!(
                        "n-gram {bytes:?} at byte {at} names language {}",
                        pair[0]
                    ));
                }
            }
            let mut suffixes = [0u64; MAX_ORDER];
            let mut hash = SEED;
            for (k, &letter) in letters[..order].iter().rev().enumerate() {
                hash = mix(hash, letter);
                suffixes[k] = hash;
            }
            // The record's offset, for `build_rows`: replaced by `set_payloads`.
            let word = (hash & FINGERPRINT) | u64::try_from(at).expect("fits");
            if word == 0 {
                return Err("an n-gram at offset 0".into());
            }
            let index = placed.len() as u64;
            placed.push(((hash & mask as u64) << 32 | index, word));
            if order <= 2 || count >= ROW_MIN_ENTRIES {
                candidates.push((placed.len() - 1, at, order, suffixes));
            }
        }
        let (mut slots, slot_of) = place(placed, cap);
        if cur.at != raw.len() {
            return Err(format!(
                "{} bytes after the last n-gram",
                raw.len() - cur.at
            ));
        }
        if raw.len() >= 1 << 32 {
            return Err("the model is too large".into());
        }
        let (rows, row_of) = build_rows(&raw, &slots, &candidates, slot_of.len())?;
        let entries = set_payloads(&raw, first, &slot_of, &mut slots, &row_of)?;
        Ok(LanguageModel {
            languages,
            slots,
            mask,
            rows,
            entries,
            lower: lower_table(),
        })
    }

    /// The ISO 639-1 codes of the languages the model knows, in its order.
    pub fn languages(&self) -> &[&'static str] {
        &self.languages
    }

    /// The lowercase form of `c` if it is a letter.
    #[inline]
    fn lower(&self, c: char) -> Option<char> {
        match self.lower.get(c as usize) {
            Some(0) => None,
            Some(&l) if l != LOWER_SLOW => char::from_u32(u32::from(l)),
            _ => lowercase(c),
        }
    }

    /// The payload of the n-gram with hash `h`, whose home slot holds `home`; 0 when the
    /// model does not hold it.
    #[inline]
    fn find(&self, h: u64, home: u64) -> u32 {
        #[allow(clippy::cast_possible_truncation)]
        let mut slot = (h as usize) & self.mask;
        let mut w = home;
        loop {
            if w == 0 {
                return 0;
            }
            if w & FINGERPRINT == h & FINGERPRINT {
                #[allow(clippy::cast_possible_truncation)]
                return w as u32;
            }
            slot = (slot + 1) & self.mask;
            w = self.slots[slot];
        }
    }

    /// Scores `text`'s letters into `st`, word by word, after composing it (NFC) if it holds
    /// combining accents (U+0300–U+036F, whose UTF-8 starts with 0xCC or 0xCD): the model
    /// knows `ệ`, not `e` followed by two marks, which would also split the word.
    fn score_into(&self, text: &str, st: &mut State) {
        if memchr::memchr2(0xCC, 0xCD, text.as_bytes()).is_some() {
            use unicode_normalization::UnicodeNormalization;
            let composed: String = text.nfc().collect();
            self.score_words(&composed, st);
        } else {
            self.score_words(text, st);
        }
    }

    /// [`LanguageModel::score_into`] on a text as it is.
    fn score_words(&self, text: &str, st: &mut State) {
        WORDS.with_borrow_mut(|cache| {
            let mut word = std::mem::take(&mut cache.word);
            word.clear();
            for c in text.chars() {
                if let Some(c) = self.lower(c) {
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
        let key = word_key(word);
        let row = if let Some(&(row, at)) = cache.index.get(&key) {
            let (start, len) = (at as usize >> 5, at as usize & 31);
            if cache.letters[start..start + len] != *word {
                // Another word with the same key: not cached.
                self.word_cost(word, &mut st.chunk);
                return;
            }
            row as usize
        } else {
            let mut cost = [0u32; LANES];
            self.word_cost(word, &mut cost);
            if cache.costs.len() >= CACHED_WORDS {
                cache.index.clear();
                cache.costs.clear();
                cache.letters.clear();
            }
            let row = cache.costs.len();
            // At most MAX_CACHED_LETTERS letters of at most 511 each: fits u16.
            cache
                .costs
                .push(cost.map(|c| u16::try_from(c).unwrap_or(u16::MAX)));
            // At most CACHED_WORDS × MAX_CACHED_LETTERS < 2^27 letters, words of at
            // most 31 letters: fits u32.
            let at = u32::try_from(cache.letters.len() << 5 | word.len()).expect("fits");
            cache.letters.extend_from_slice(word);
            cache
                .index
                .insert(key, (u32::try_from(row).expect("fits"), at));
            row
        };
        for (a, &x) in st.chunk.iter_mut().zip(&cache.costs[row]) {
            *a += u32::from(x);
        }
    }

    /// Adds the cost of each letter of `word` (lowercase letters) to `cost`.
    fn word_cost(&self, word: &[char], cost: &mut [u32; LANES]) {
        for first in (0..word.len()).step_by(BLOCK) {
            let end = (first + BLOCK).min(word.len());
            let letters = end - first;
            // Every home slot of the block's n-grams is read first: the loads are
            // independent, so their cache misses overlap instead of following one another.
            let mut hashes = [[0u64; MAX_ORDER]; BLOCK];
            let mut home = [[0u64; MAX_ORDER]; BLOCK];
            for (i, at) in (first..end).enumerate() {
                let mut h = SEED;
                for k in 0..(at + 1).min(MAX_ORDER) {
                    h = mix(h, word[at - k]);
                    hashes[i][k] = h;
                    #[allow(clippy::cast_possible_truncation)]
                    let slot = (h as usize) & self.mask;
                    home[i][k] = self.slots[slot];
                }
            }
            // Then every payload, and the first spilled entry of each (for the same reason).
            // Per letter: the row of its longest n-gram that has one, and the entry payloads
            // of the longer n-grams up to the first absent 3- to 5-gram.
            let mut rows = [0usize; BLOCK];
            let mut payloads = [[0u32; MAX_ORDER]; BLOCK];
            let mut counts = [0usize; BLOCK];
            let mut touch = 0u16;
            for (i, at) in (first..end).enumerate() {
                let top = (at + 1).min(MAX_ORDER);
                let mut k = 0;
                for n in 1..=top {
                    let p = self.find(hashes[i][n - 1], home[i][n - 1]);
                    if p == 0 {
                        // No language has this n-gram. When it has 3 letters or more,
                        // longer n-grams ending here are not looked up (see the module doc).
                        if n >= 3 {
                            break;
                        }
                        continue;
                    }
                    if p >> 30 == TAG_ROW {
                        rows[i] = (p & 0x3FFF_FFFF) as usize;
                        k = 0;
                    } else {
                        if p >> 30 == TAG_SPILL {
                            touch ^= self.entries[(p >> 8 & 0x3F_FFFF) as usize];
                        }
                        payloads[i][k] = p;
                        k += 1;
                    }
                }
                counts[i] = k;
                touch ^= u16::from(self.rows[rows[i]][0]);
            }
            std::hint::black_box(touch);
            // At most BLOCK letters of at most 511 each: fits u16.
            let mut block = [0u16; LANES];
            for ((&row, payloads), &count) in rows.iter().zip(&payloads).zip(&counts).take(letters)
            {
                let mut v = [0u16; LANES];
                for (x, &r) in v.iter_mut().zip(&self.rows[row]) {
                    *x = u16::from(r);
                }
                // Then each language's value of its longest n-gram, lowest order first.
                for &p in &payloads[..count] {
                    let mut set = |e: u32| {
                        if let Some(x) = v.get_mut((e >> 7 & 0x7F) as usize) {
                            #[allow(clippy::cast_possible_truncation)]
                            let q = (e & 0x7F) as u16;
                            *x = q;
                        }
                    };
                    match p >> 30 {
                        TAG_ONE => set(p),
                        TAG_TWO => {
                            set(p);
                            set(p >> 14);
                        }
                        TAG_SPILL => {
                            let start = (p >> 8 & 0x3F_FFFF) as usize;
                            for &e in &self.entries[start..start + (p & 0xFF) as usize] {
                                if let Some(x) = v.get_mut(usize::from(e >> 9)) {
                                    *x = e & 0x1FF;
                                }
                            }
                        }
                        _ => break,
                    }
                }
                for (a, x) in block.iter_mut().zip(v) {
                    *a += x;
                }
            }
            for (c, b) in cost.iter_mut().zip(block) {
                *c += u32::from(b);
            }
        }
    }

    /// The index of a language in [`LanguageModel::languages`].
    pub fn index_of(&self, code: &str) -> Option<usize> {
        self.languages.iter().position(|&l| l == code)
    }

    /// The most likely language of `text` and its probability; `None` when the text has no
    /// letters, or only letters of scripts none of the model's languages is written in.
    pub fn detect(&self, text: &str) -> Option<Detection> {
        self.analyse(text).map(|a| a.best)
    }

    /// The most likely language of `text`, and every language's probability; `None` when the
    /// text has no letters, or only letters of scripts none of the model's languages is
    /// written in.
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
        // Letters of a script none of the languages is written in cost every language about
        // the floor: no language explains the text.
        if st.best_cost as f64 / (SCALE * letters) > UNEXPLAINED {
            return None;
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

/// An English sentence for tests (here and in the language filter's).
#[cfg(test)]
pub(crate) const EN_SENTENCE: &str = "The committee will publish its report on the proposed \
    changes next week, and the minister has said that she expects a long debate in parliament.";
/// The same sentence in German.
#[cfg(test)]
pub(crate) const DE_SENTENCE: &str = "Der Ausschuss wird seinen Bericht über die geplanten \
    Änderungen nächste Woche veröffentlichen, und die Ministerin erwartet eine lange Debatte \
    im Parlament.";

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
    /// A word's [`word_key`] to its row in `costs` and where its letters are in `letters`
    /// (start << 5 | length).
    index: rustc_hash::FxHashMap<u64, (u32, u32)>,
    costs: Vec<[u16; LANES]>,
    letters: Vec<char>,
    word: Vec<char>,
}

/// A 64-bit hash of a word, the cache's key (a hit is checked against the word's letters).
fn word_key(word: &[char]) -> u64 {
    word.iter().fold(0, |h: u64, &c| {
        (h.rotate_left(5) ^ u64::from(u32::from(c))).wrapping_mul(0x517C_C1B7_2722_0A95)
    })
}

/// Letters whose n-grams' home slots are read together.
const BLOCK: usize = 16;

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
    /// Sum over finished chunks of the cost of the language that explains the chunk best.
    best_cost: u64,
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
            best_cost: 0,
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
        self.best_cost += u64::from(min);
        let scale = TEMPERATURE / (SCALE * f64::from(self.chunk_letters));
        let mut weights = [0.0f64; LANES];
        for (w, &c) in weights.iter_mut().zip(chunk) {
            let x = f64::from(c - min) * scale;
            // Below e^-40 a weight is too small to change the sum (which is at least 1) or
            // any probability to a precision that matters: it is taken as 0.
            *w = if x < 40.0 { (-x).exp() } else { 0.0 };
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

/// The n-gram's bytes and the (language, q) pairs of the record at `at` in a model that
/// [`LanguageModel::parse`] has checked.
/// Decodes `bytes` as UTF-8 into `out`: the number of characters, or `None` if it is not
/// UTF-8 or holds no character or more than `out` does. (Per n-gram, `str::from_utf8` and
/// `chars` cost a fifth of the model's load; overlong three- and four-byte forms, which no
/// model holds, are let through as the characters they spell.)
fn decode_letters(bytes: &[u8], out: &mut [char; MAX_ORDER]) -> Option<usize> {
    let (mut n, mut i) = (0, 0);
    while i < bytes.len() {
        let lead = bytes[i];
        let (width, bits) = match lead {
            0x00..=0x7F => (1, u32::from(lead)),
            0xC2..=0xDF => (2, u32::from(lead & 0x1F)),
            0xE0..=0xEF => (3, u32::from(lead & 0x0F)),
            0xF0..=0xF4 => (4, u32::from(lead & 0x07)),
            _ => return None,
        };
        let tail = bytes.get(i + 1..i + width)?;
        let mut cp = bits;
        for &b in tail {
            if b & 0xC0 != 0x80 {
                return None;
            }
            cp = cp << 6 | u32::from(b & 0x3F);
        }
        *out.get_mut(n)? = char::from_u32(cp)?;
        n += 1;
        i += width;
    }
    (n > 0).then_some(n)
}

/// A linear-probing table of `cap` slots (a power of two) holding each `(home << 32 |
/// index, word)` of `placed` (`word` non-zero, indexes 0, 1, … in order), and the slot of
/// each index. The words are placed in the order of their home slots, each in the first free
/// slot from its home on: the table a probe from each home would build (the same occupied
/// slots; a run of slots holds its words in home order), written from start to end instead
/// of at a random slot per word, which made loading the model wait on a cache miss per
/// n-gram.
fn place(placed: Vec<(u64, u64)>, cap: usize) -> (Vec<u64>, Vec<u32>) {
    let placed = sort_by_home(placed, cap.trailing_zeros());
    let mask = cap - 1;
    let mut slots = vec![0u64; cap];
    let mut slot_of = vec![0u32; placed.len()];
    let mut next = 0;
    let mut wrapped = Vec::new();
    for &(key, word) in &placed {
        #[allow(clippy::cast_possible_truncation)] // both halves hold 32 bits
        let (home, index) = ((key >> 32) as usize, key as u32 as usize);
        let slot = home.max(next);
        if slot < cap {
            slots[slot] = word;
            #[allow(clippy::cast_possible_truncation)] // cap is far below 2^32
            let slot32 = slot as u32;
            slot_of[index] = slot32;
            next = slot + 1;
        } else {
            wrapped.push((index, word));
        }
    }
    // A run that reaches the end goes on from slot 0.
    for (index, word) in wrapped {
        let mut slot = 0;
        while slots[slot] != 0 {
            slot = (slot + 1) & mask;
        }
        slots[slot] = word;
        #[allow(clippy::cast_possible_truncation)] // cap is far below 2^32
        let slot32 = slot as u32;
        slot_of[index] = slot32;
    }
    (slots, slot_of)
}

/// `placed` (see `place`) in the order of its keys, whose indexes are already in order: a
/// stable sort on the homes' `bits` low bits, 11 at a time (a radix sort: the comparison
/// sort it replaced took a fifth of the load).
fn sort_by_home(mut placed: Vec<(u64, u64)>, bits: u32) -> Vec<(u64, u64)> {
    const DIGIT: u32 = 11;
    let mut out = vec![(0, 0); placed.len()];
    let mut shift = 32;
    while shift < 32 + bits {
        let digit = |key: u64| ((key >> shift) & ((1 << DIGIT) - 1)) as usize;
        let mut start = [0usize; 1 << DIGIT];
        for &(key, _) in &placed {
            start[digit(key)] += 1;
        }
        let mut sum = 0;
        for s in &mut start {
            (*s, sum) = (sum, sum + *s);
        }
        for &item in &placed {
            let d = digit(item.0);
            out[start[d]] = item;
            start[d] += 1;
        }
        std::mem::swap(&mut placed, &mut out);
        shift += DIGIT;
    }
    placed
}

fn record(raw: &[u8], at: usize) -> (&[u8], &[u8]) {
    let len = usize::from(raw[at]);
    let count = usize::from(raw[at + 1 + len]);
    (
        &raw[at + 1..at + 1 + len],
        &raw[at + 2 + len..at + 2 + len + 2 * count],
    )
}

/// The rows (see [`LanguageModel`]'s `rows`) of the `candidates` (record number, record
/// offset, order, hashes of the last 1, 2, … letters): each language's value of the n-gram's
/// longest suffix it holds; and by record number (of `records`), its row or 0 for none.
/// `slots` hold the records' offsets in `raw`.
#[allow(clippy::type_complexity)]
fn build_rows(
    raw: &[u8],
    slots: &[u64],
    candidates: &[(usize, usize, usize, [u64; MAX_ORDER])],
    records: usize,
) -> Result<(Vec<[u8; LANES]>, Vec<u32>), String> {
    let mask = slots.len() - 1;
    let find = |hash: u64| {
        #[allow(clippy::cast_possible_truncation)]
        let mut slot = (hash as usize) & mask;
        loop {
            let w = slots[slot];
            if w == 0 {
                return None;
            }
            if w & FINGERPRINT == hash & FINGERPRINT {
                #[allow(clippy::cast_possible_truncation)]
                return Some((w & 0xFFFF_FFFF) as usize);
            }
            slot = (slot + 1) & mask;
        }
    };
    let mut rows = vec![[NONE; LANES]];
    // Row 0 is the empty row, never a candidate's: 0 says "no row".
    let mut row_of = vec![0u32; records];
    for &(index, _, order, suffixes) in candidates {
        let mut values = [NONE; LANES];
        let mut fits = true;
        for (k, &hash) in suffixes.iter().enumerate().take(order) {
            let Some(suffix) = find(hash) else {
                continue;
            };
            for pair in record(raw, suffix).1.chunks(2) {
                match u8::try_from(value(k + 1, u16::from(pair[1]))) {
                    Ok(v) => values[usize::from(pair[0])] = v,
                    Err(_) => fits = false,
                }
            }
        }
        if !fits {
            if order <= 2 {
                return Err(format!("a {order}-gram value is too large"));
            }
            // Its entries are spilled instead.
            continue;
        }
        row_of[index] = u32::try_from(rows.len()).map_err(|e| e.to_string())?;
        rows.push(values);
    }
    if rows.len() >= 1 << 30 {
        return Err("too many rows".into());
    }
    Ok((rows, row_of))
}

/// Replaces each slot's record offset with its final payload (`first`: the first record's
/// offset; `slot_of`: each record's slot, `row_of`: its row or 0, in the file's order); returns the
/// spilled entries.
fn set_payloads(
    raw: &[u8],
    first: usize,
    slot_of: &[u32],
    slots: &mut [u64],
    row_of: &[u32],
) -> Result<Vec<u16>, String> {
    let inline = |e: u16| {
        (e >> 9 < INLINE_LIMIT && e & 0x1FF < INLINE_LIMIT)
            .then(|| u32::from(e >> 9) << 7 | u32::from(e & 0x1FF))
    };
    let mut entries: Vec<u16> = Vec::new();
    let mut at = first;
    for (&slot, &row) in slot_of.iter().zip(row_of) {
        let (ngram, pairs) = record(raw, at);
        let next = at + 2 + ngram.len() + pairs.len();
        // Letters: the bytes that do not continue a UTF-8 sequence (the text is checked).
        let order = ngram.iter().filter(|&&b| b & 0xC0 != 0x80).count();
        let entry = |pair: &[u8]| u16::from(pair[0]) << 9 | value(order, u16::from(pair[1]));
        let one = |j: usize| inline(entry(&pairs[2 * j..2 * j + 2]));
        let payload = match (row, pairs.len() / 2) {
            (1.., _) => TAG_ROW << 30 | row,
            (_, 1) if one(0).is_some() => TAG_ONE << 30 | one(0).expect("inline"),
            (_, 2) if one(0).is_some() && one(1).is_some() => {
                TAG_TWO << 30 | one(1).expect("inline") << 14 | one(0).expect("inline")
            }
            (_, count) => {
                let start = u32::try_from(entries.len()).map_err(|e| e.to_string())?;
                if start >= 1 << 22 {
                    return Err("too many entries".into());
                }
                entries.extend(pairs.chunks(2).map(entry));
                TAG_SPILL << 30 | start << 8 | u32::try_from(count).expect("a u8")
            }
        };
        let slot = slot as usize;
        slots[slot] = (slots[slot] & FINGERPRINT) | u64::from(payload);
        at = next;
    }
    Ok(entries)
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
    fn n_gram_letters_decode_as_utf8() {
        let mut out = ['\0'; MAX_ORDER];
        for s in ["a", "ab", "é", "日本", "ьяб", "𝒜x", "abcde"] {
            let n = decode_letters(s.as_bytes(), &mut out);
            assert_eq!(n, Some(s.chars().count()), "{s}");
            assert!(out.iter().zip(s.chars()).all(|(a, b)| *a == b), "{s}");
        }
        for bad in [
            &b""[..],
            b"abcdef",
            b"\xC3",
            b"\xC3a",
            b"\x80",
            b"\xED\xA0\x80",
            b"\xF5\x80\x80\x80",
        ] {
            assert_eq!(decode_letters(bad, &mut out), None, "{bad:?}");
        }
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
        let (en, de) = (EN_SENTENCE, DE_SENTENCE);
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
    fn scripts_no_language_is_written_in_have_no_language() {
        // Burmese and Amharic (Ethiopic script): none of the 75 languages.
        assert_eq!(model().detect("မြန်မာနိုင်ငံ၏ မြို့တော်သည် နေပြည်တော် ဖြစ်သည်။"), None);
        assert_eq!(model().detect("ኢትዮጵያ በአፍሪካ ቀንድ የምትገኝ አገር ናት።"), None);
        // With some English among it, English is found, with a score that says how little
        // of the text it explains.
        let (lang, score) = lang("မြန်မာနိုင်ငံ၏ မြို့တော်သည် နေပြည်တော် ဖြစ်သည်။ The capital city");
        assert_eq!(lang, "en");
        assert!(score < 0.6, "{score}");
    }

    #[test]
    fn decomposed_accents_are_composed_first() {
        use unicode_normalization::UnicodeNormalization;
        let nfc: String = "Hà Nội là thủ đô của nước Cộng hòa xã hội chủ nghĩa Việt Nam."
            .nfc()
            .collect();
        // The same sentence with every accent as a combining mark (NFD).
        let nfd: String = nfc.nfd().collect();
        assert!(nfd.len() > nfc.len() + 10);
        let (a, b) = (model().detect(&nfc).unwrap(), model().detect(&nfd).unwrap());
        assert_eq!(a.language, "vi");
        assert_eq!(a, b);
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
    fn the_lowercase_table_agrees_with_the_unicode_tables() {
        let m = model();
        for c in (0..0x11_0000).filter_map(char::from_u32) {
            assert_eq!(m.lower(c), lowercase(c), "{c:?}");
        }
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
        /// The table `place` writes from start to end is one probing would build: every
        /// word in its slot, reached from its home without an empty slot on the way (a
        /// run at the end goes on at slot 0), and a run's words in the order of their
        /// homes, then of their indexes.
        #[test]
        fn placing_in_home_order_builds_a_probing_table(
            homes in proptest::collection::vec(
                proptest::prop_oneof![0usize..64, 56usize..64, 0usize..4],
                0..32,
            ),
        ) {
            let cap = 64;
            let placed = homes
                .iter()
                .enumerate()
                .map(|(i, &h)| ((h as u64) << 32 | i as u64, 1000 + i as u64))
                .collect();
            let (slots, slot_of) = place(placed, cap);
            proptest::prop_assert_eq!(slot_of.len(), homes.len());
            proptest::prop_assert_eq!(slots.iter().filter(|&&w| w != 0).count(), homes.len());
            for (i, &home) in homes.iter().enumerate() {
                let slot = slot_of[i] as usize;
                proptest::prop_assert_eq!(slots[slot], 1000 + i as u64);
                let mut k = home;
                while k != slot {
                    proptest::prop_assert!(slots[k] != 0, "an empty slot between home and slot");
                    // Nothing placed after `i` with a home at or before `i`'s comes first
                    // (unless it wrapped around).
                    let j = usize::try_from(slots[k] - 1000).unwrap();
                    proptest::prop_assert!(
                        homes[j] < home || (homes[j] == home && j < i) || k < home,
                        "{} at {} before {} at {}", j, k, i, slot
                    );
                    k = (k + 1) % cap;
                }
            }
        }
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
