//! Language filter: keeps documents written in one of the wanted languages, as datatrove
//! 0.10.1's `LanguageFilter` (`pipeline/filters/language_filter.py`) does with fastText's
//! `lid.176` model, here with decant's embedded model ([`crate::lang`], 75 languages, no
//! download).
//!
//! Every document with letters that it sees gets `metadata.language` (the most likely
//! language, ISO 639-1) and `metadata.language_score` (its probability) in JSONL and Parquet
//! output, as datatrove sets them (text output has no metadata), and in the rejects record
//! of a document it or a later rule drops, whose `value` is the wanted-language probability.
//! A text with no letters, or only letters of scripts none of the 75 languages uses, gets
//! none and scores 0.
//!
//! | reason | measured | default |
//! |---|---|---|
//! | `language_score` | the highest probability among the wanted languages (any language when the list is empty); 0 for a text without letters | ≤ 0.65 drops (datatrove keeps a score strictly above) |
//!
//! FineWeb (Penedo et al. 2024) keeps English above 0.65. The probabilities are the embedded
//! model's, not fastText's: the same threshold keeps nearly the same documents on clean text,
//! but the two models disagree on borderline (mixed-language, list-like) pages.

use serde::{Deserialize, Serialize};

use super::Doc;
use crate::step::{measured, Filter, Rejection, Verdict};

/// Settings of the language filter. The defaults are FineWeb's (datatrove's own default
/// keeps any language; its empty list keeps nothing, decant's keeps any language).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LanguageFilter {
    /// ISO 639-1 codes of the languages to keep; empty keeps any language.
    pub languages: Vec<String>,
    /// A document is kept when a wanted language's probability is above this.
    pub language_threshold: f64,
}

impl Default for LanguageFilter {
    fn default() -> Self {
        LanguageFilter {
            languages: vec!["en".to_owned()],
            language_threshold: 0.65,
        }
    }
}

const STEP: &str = "language";

impl LanguageFilter {
    /// Checks that every wanted language is one the model knows and that the threshold is a
    /// number.
    pub fn validate(&self) -> Result<(), String> {
        if !self.language_threshold.is_finite() {
            return Err(format!(
                "[language] language_threshold must be a number, not {}",
                self.language_threshold
            ));
        }
        let model = crate::lang::model();
        for code in &self.languages {
            if model.index_of(code).is_none() {
                return Err(format!(
                    "[language] languages: {code:?} is not one of the model's languages ({})",
                    model.languages().join(", ")
                ));
            }
        }
        Ok(())
    }
}

impl Filter for LanguageFilter {
    fn name(&self) -> &'static str {
        STEP
    }

    fn check(&self, doc: &mut Doc<'_, '_>) -> Verdict {
        let model = crate::lang::model();
        let value = match model.analyse(doc.text()) {
            None => 0.0,
            Some(a) => {
                doc.annotate("language", a.best.language.into());
                doc.annotate("language_score", round4(a.best.score).into());
                if self.languages.is_empty() {
                    a.best.score
                } else {
                    self.languages
                        .iter()
                        .filter_map(|code| model.index_of(code))
                        .map(|i| a.probability(i))
                        .fold(0.0, f64::max)
                }
            }
        };
        let threshold = self.language_threshold;
        if measured(STEP, "language_score", value, threshold, value <= threshold) {
            return Verdict::Drop(Rejection::new(STEP, "language_score", value, threshold));
        }
        Verdict::Keep
    }
}

/// Scores are written rounded to 4 decimals, which keeps outputs short.
fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::Scratch;
    use crate::step::Filters;

    fn judge(f: LanguageFilter, text: &str) -> crate::step::Outcome {
        Filters::new(vec![Box::new(f)]).judge(text, &mut Scratch::default())
    }

    #[test]
    fn english_is_kept_with_its_language_in_metadata() {
        let out = judge(
            LanguageFilter::default(),
            "The committee will publish its report on the proposed changes next week.",
        );
        assert_eq!(out.rejection, None);
        assert_eq!(out.metadata[0], ("language", "en".into()));
        let score = out.metadata[1].1.as_f64().unwrap();
        assert_eq!(out.metadata[1].0, "language_score");
        assert!(score > 0.9 && score <= 1.0, "{score}");
    }

    #[test]
    fn other_languages_are_dropped_with_the_english_probability() {
        let out = judge(
            LanguageFilter::default(),
            "Der Ausschuss wird seinen Bericht nächste Woche veröffentlichen.",
        );
        let r = out.rejection.expect("dropped");
        assert_eq!((r.step, r.reason.as_ref()), ("language", "language_score"));
        assert!(r.value < 0.05, "{}", r.value);
        assert!((r.threshold - 0.65).abs() < 1e-12);
        // The detected language is still recorded.
        assert_eq!(out.metadata[0], ("language", "de".into()));
    }

    #[test]
    fn a_list_of_languages_and_an_empty_list() {
        let de = "Der Ausschuss wird seinen Bericht nächste Woche veröffentlichen.";
        let keep_de = LanguageFilter {
            languages: vec!["en".into(), "de".into()],
            ..LanguageFilter::default()
        };
        assert_eq!(judge(keep_de, de).rejection, None);
        let any = LanguageFilter {
            languages: Vec::new(),
            ..LanguageFilter::default()
        };
        assert_eq!(judge(any, de).rejection, None);
    }

    #[test]
    fn text_without_letters_scores_zero() {
        let r = judge(LanguageFilter::default(), "1234 5678 -- 90")
            .rejection
            .expect("dropped");
        assert!(r.value.abs() < f64::EPSILON, "{}", r.value);
    }

    #[test]
    fn mixed_text_falls_below_the_threshold() {
        let (en, de) = (crate::lang::EN_SENTENCE, crate::lang::DE_SENTENCE);
        let r = judge(LanguageFilter::default(), &format!("{en} {de}"))
            .rejection
            .expect("dropped");
        assert!(r.value > 0.2 && r.value < 0.65, "{}", r.value);
    }

    #[test]
    fn unknown_language_codes_are_refused() {
        let f = LanguageFilter {
            languages: vec!["xx".into()],
            ..LanguageFilter::default()
        };
        let err = f.validate().unwrap_err();
        assert!(err.contains("\"xx\""), "{err}");
        assert!(LanguageFilter::default().validate().is_ok());
    }
}
