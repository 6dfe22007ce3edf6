//! Builds decant's embedded language-identification model (`crates/decant/src/lang/model.bin.zst`)
//! from the character n-gram models of lingua-rs 1.3.0 (Apache-2.0; text from the Leipzig
//! Wortschatz corpora).
//!
//! Each lingua model crate (`lingua-<language>-language-model` 1.3.0 on crates.io) holds
//! `models/ngrams.fst`: for every n-gram of 1–5 letters seen in that language's training
//! text, the natural log of its conditional probability given its first n−1 letters (for
//! unigrams, its share of all letters). This tool keeps every unigram and bigram, and the
//! trigrams, 4-grams and 5-grams whose joint probability (the product of the conditionals
//! along the n-gram) reaches e^-11, e^-12 and e^-13: 2.0 million (language, n-gram) values
//! of the 21 million, which costs 0.3 points of accuracy on lingua's test sentences (96.5 →
//! 96.2 %) and makes the model small enough to embed. Log-probabilities are stored
//! quantized to 1/8 nat.
//!
//! Usage: `cargo run --release -p decant-langid-model -- DIR [OUT]` where DIR holds the
//! unpacked `lingua-*-language-model-1.3.0` crates (after any build that depends on them,
//! e.g. `cargo add lingua` in a scratch crate and `cargo fetch`, they are under
//! `$CARGO_HOME/registry/src/index.crates.io-*/`).
//!
//! Format (all integers little-endian), then zstd-compressed:
//! `b"decant-langid 1\n"`, `u8` language count, each language as its 2-letter ISO 639-1
//! code, `u32` n-gram count, then per n-gram (sorted by bytes): `u8` byte length, the UTF-8
//! bytes, `u8` entry count, entries of (`u8` language index, `u8` −log-probability × 8).

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use fst::{Map, Streamer};

/// The languages, as lingua names its model crates, with their ISO 639-1 codes. The order is
/// the model's language index.
const LANGUAGES: &[(&str, &str)] = &[
    ("af", "afrikaans"),
    ("sq", "albanian"),
    ("ar", "arabic"),
    ("hy", "armenian"),
    ("az", "azerbaijani"),
    ("eu", "basque"),
    ("be", "belarusian"),
    ("bn", "bengali"),
    ("nb", "bokmal"),
    ("bs", "bosnian"),
    ("bg", "bulgarian"),
    ("ca", "catalan"),
    ("zh", "chinese"),
    ("hr", "croatian"),
    ("cs", "czech"),
    ("da", "danish"),
    ("nl", "dutch"),
    ("en", "english"),
    ("eo", "esperanto"),
    ("et", "estonian"),
    ("fi", "finnish"),
    ("fr", "french"),
    ("lg", "ganda"),
    ("ka", "georgian"),
    ("de", "german"),
    ("el", "greek"),
    ("gu", "gujarati"),
    ("he", "hebrew"),
    ("hi", "hindi"),
    ("hu", "hungarian"),
    ("is", "icelandic"),
    ("id", "indonesian"),
    ("ga", "irish"),
    ("it", "italian"),
    ("ja", "japanese"),
    ("kk", "kazakh"),
    ("ko", "korean"),
    ("la", "latin"),
    ("lv", "latvian"),
    ("lt", "lithuanian"),
    ("mk", "macedonian"),
    ("ms", "malay"),
    ("mi", "maori"),
    ("mr", "marathi"),
    ("mn", "mongolian"),
    ("nn", "nynorsk"),
    ("fa", "persian"),
    ("pl", "polish"),
    ("pt", "portuguese"),
    ("pa", "punjabi"),
    ("ro", "romanian"),
    ("ru", "russian"),
    ("sr", "serbian"),
    ("sn", "shona"),
    ("sk", "slovak"),
    ("sl", "slovene"),
    ("so", "somali"),
    ("st", "sotho"),
    ("es", "spanish"),
    ("sw", "swahili"),
    ("sv", "swedish"),
    ("tl", "tagalog"),
    ("ta", "tamil"),
    ("te", "telugu"),
    ("th", "thai"),
    ("ts", "tsonga"),
    ("tn", "tswana"),
    ("tr", "turkish"),
    ("uk", "ukrainian"),
    ("ur", "urdu"),
    ("vi", "vietnamese"),
    ("cy", "welsh"),
    ("xh", "xhosa"),
    ("yo", "yoruba"),
    ("zu", "zulu"),
];

/// Minimum joint natural-log probability kept, by order (1-based; unigrams and bigrams are
/// all kept).
const MIN_JOINT: [f64; 6] = [
    0.0,
    f64::NEG_INFINITY,
    f64::NEG_INFINITY,
    -11.0,
    -12.0,
    -13.0,
];

/// Quantization: stored value = round(−ln p × SCALE), at most 255.
const SCALE: f64 = 8.0;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        bail!("usage: decant-langid-model DIR [OUT]");
    };
    let out = args
        .next()
        .unwrap_or_else(|| "crates/decant/src/lang/model.bin.zst".to_owned());

    // n-gram -> (language index, quantized value)
    let mut table: HashMap<String, Vec<(u8, u8)>> = HashMap::new();
    let mut kept = [0usize; 6];
    for (index, (_, name)) in LANGUAGES.iter().enumerate() {
        let path = Path::new(&dir).join(format!(
            "lingua-{name}-language-model-1.3.0/models/ngrams.fst"
        ));
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let map = Map::new(bytes).with_context(|| format!("{} is not an FST", path.display()))?;
        let mut by_order: Vec<Vec<(String, f64)>> = vec![Vec::new(); 6];
        let mut stream = map.stream();
        while let Some((key, value)) = stream.next() {
            let ngram = std::str::from_utf8(key)?.to_owned();
            let order = ngram.chars().count();
            if (1..=5).contains(&order) {
                by_order[order].push((ngram, f64::from_bits(value)));
            }
        }
        // Joint probabilities, built up order by order from each n-gram's prefix.
        let mut joint: HashMap<String, f64> = HashMap::new();
        for (order, ngrams) in by_order.iter().enumerate().skip(1) {
            for (ngram, ln_p) in ngrams {
                let j = if order == 1 {
                    *ln_p
                } else {
                    let prefix: String = ngram.chars().take(order - 1).collect();
                    joint.get(&prefix).copied().unwrap_or(f64::NEG_INFINITY) + ln_p
                };
                if order < 5 {
                    joint.insert(ngram.clone(), j);
                }
                if j >= MIN_JOINT[order] {
                    kept[order] += 1;
                    let q = (-ln_p * SCALE).round().clamp(0.0, 255.0);
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    table
                        .entry(ngram.clone())
                        .or_default()
                        .push((u8::try_from(index)?, q as u8));
                }
            }
        }
    }

    let mut ngrams: Vec<(String, Vec<(u8, u8)>)> = table.into_iter().collect();
    ngrams.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut raw = Vec::new();
    raw.extend_from_slice(b"decant-langid 1\n");
    raw.push(u8::try_from(LANGUAGES.len())?);
    for (iso, _) in LANGUAGES {
        raw.extend_from_slice(iso.as_bytes());
    }
    raw.extend_from_slice(&u32::try_from(ngrams.len())?.to_le_bytes());
    for (ngram, entries) in &ngrams {
        raw.push(u8::try_from(ngram.len())?);
        raw.extend_from_slice(ngram.as_bytes());
        raw.push(u8::try_from(entries.len())?);
        for (lang, q) in entries {
            raw.push(*lang);
            raw.push(*q);
        }
    }
    let compressed = zstd::bulk::compress(&raw, 19)?;
    std::fs::write(&out, &compressed).with_context(|| format!("writing {out}"))?;
    eprintln!(
        "kept by order {:?}; {} n-grams; {} bytes raw, {} compressed -> {out}",
        &kept[1..],
        ngrams.len(),
        raw.len(),
        compressed.len()
    );
    Ok(())
}
