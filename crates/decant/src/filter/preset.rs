//! Named, versioned rule sets, and the TOML file that adjusts them.
//!
//! A preset name says exactly which rules run, in which order, with which thresholds; a
//! preset never changes meaning (a changed rule set gets a new name):
//!
//! | preset | steps |
//! |---|---|
//! | `gopher-2021` | Gopher repetition, then Gopher quality (datatrove defaults) |
//! | `c4-datatrove` | datatrove's `C4QualityFilter()`: 3 words per line, 5 sentences per document, terminal punctuation required |
//! | `c4-tfds` | the TFDS reference rules: 5 words per line, 3 sentences per document |
//! | `fineweb-2024` | datatrove's FineWeb example after text extraction: language (English above 0.65), Gopher repetition, Gopher quality, C4 without the terminal-punctuation rule, FineWeb quality |
//!
//! FineWeb's language step runs fastText's `lid.176`; decant's runs its embedded model
//! ([`crate::lang`]) with the same threshold (see [`super::language`]).
//! `c4-tfds` counts sentences per line with the same sentencizer as the rest (TFDS runs NLTK's
//! punkt over the page).
//!
//! A rules file (TOML) starts from a preset or lists its own steps, and overrides any setting:
//!
//! ```toml
//! preset = "fineweb-2024"          # optional; or: steps = ["gopher_quality", "c4"]
//! [gopher_quality]
//! min_doc_words = 30
//! [c4]
//! filter_no_terminal_punct = true
//! ```

use serde::{Deserialize, Serialize};

use super::{C4Quality, FineWebQuality, GopherQuality, GopherRepetition, LanguageFilter};
use crate::step::{Filter, Filters};
use crate::{Error, Result};

/// The rule families, by the step names used in stats, rejects and rules files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleName {
    /// [`LanguageFilter`].
    Language,
    /// [`GopherRepetition`].
    GopherRepetition,
    /// [`GopherQuality`].
    GopherQuality,
    /// [`C4Quality`].
    C4,
    /// [`FineWebQuality`].
    FinewebQuality,
}

impl RuleName {
    /// Every rule family.
    pub const ALL: [RuleName; 5] = [
        RuleName::Language,
        RuleName::GopherRepetition,
        RuleName::GopherQuality,
        RuleName::C4,
        RuleName::FinewebQuality,
    ];

    /// The step name.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleName::Language => "language",
            RuleName::GopherRepetition => "gopher_repetition",
            RuleName::GopherQuality => "gopher_quality",
            RuleName::C4 => "c4",
            RuleName::FinewebQuality => "fineweb_quality",
        }
    }
}

/// The named rule sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Preset {
    /// Gopher repetition, then Gopher quality.
    #[serde(rename = "gopher-2021")]
    Gopher2021,
    /// datatrove's C4 quality filter with its defaults.
    #[serde(rename = "c4-datatrove")]
    C4Datatrove,
    /// The TFDS reference C4 rules.
    #[serde(rename = "c4-tfds")]
    C4Tfds,
    /// FineWeb's language and quality rules in FineWeb's order.
    #[serde(rename = "fineweb-2024")]
    FineWeb2024,
}

impl Preset {
    /// Every preset.
    pub const ALL: [Preset; 4] = [
        Preset::Gopher2021,
        Preset::C4Datatrove,
        Preset::C4Tfds,
        Preset::FineWeb2024,
    ];

    /// The preset's name.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Gopher2021 => "gopher-2021",
            Preset::C4Datatrove => "c4-datatrove",
            Preset::C4Tfds => "c4-tfds",
            Preset::FineWeb2024 => "fineweb-2024",
        }
    }

    /// The preset by name.
    pub fn from_name(name: &str) -> Result<Preset> {
        Preset::ALL
            .into_iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Preset::ALL.iter().map(|p| p.name()).collect();
                Error::Config(format!(
                    "unknown preset {name:?}; the presets are {}",
                    names.join(", ")
                ))
            })
    }

    /// The preset's full configuration.
    pub fn config(self) -> FilterConfig {
        use RuleName as R;
        let steps = match self {
            Preset::Gopher2021 => vec![R::GopherRepetition, R::GopherQuality],
            Preset::C4Datatrove | Preset::C4Tfds => vec![R::C4],
            Preset::FineWeb2024 => vec![
                R::Language,
                R::GopherRepetition,
                R::GopherQuality,
                R::C4,
                R::FinewebQuality,
            ],
        };
        let c4 = match self {
            Preset::C4Tfds => C4Quality {
                min_words_per_line: 5,
                min_num_sentences: 3,
                ..C4Quality::default()
            },
            Preset::FineWeb2024 => C4Quality {
                filter_no_terminal_punct: false,
                ..C4Quality::default()
            },
            _ => C4Quality::default(),
        };
        FilterConfig {
            preset: Some(self),
            steps,
            language: LanguageFilter::default(),
            gopher_repetition: GopherRepetition::default(),
            gopher_quality: GopherQuality::default(),
            c4,
            fineweb_quality: FineWebQuality::default(),
        }
    }
}

/// Which rules run, in order, and the settings of each family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterConfig {
    /// The preset this started from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<Preset>,
    /// The steps, in order.
    pub steps: Vec<RuleName>,
    /// Language filter settings.
    #[serde(default)]
    pub language: LanguageFilter,
    /// Gopher repetition settings.
    #[serde(default)]
    pub gopher_repetition: GopherRepetition,
    /// Gopher quality settings.
    #[serde(default)]
    pub gopher_quality: GopherQuality,
    /// C4 settings.
    #[serde(default)]
    pub c4: C4Quality,
    /// FineWeb settings.
    #[serde(default)]
    pub fineweb_quality: FineWebQuality,
}

/// A rules file as written: everything optional.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    preset: Option<String>,
    steps: Option<Vec<RuleName>>,
    language: Option<toml::Table>,
    gopher_repetition: Option<toml::Table>,
    gopher_quality: Option<toml::Table>,
    c4: Option<toml::Table>,
    fineweb_quality: Option<toml::Table>,
}

fn overlay<T: Serialize + for<'de> Deserialize<'de>>(
    base: &T,
    table: Option<toml::Table>,
    section: &str,
) -> Result<T> {
    let Some(table) = table else {
        return Ok(toml::Value::try_from(base)
            .expect("settings serialize")
            .try_into()
            .expect("settings round-trip through TOML"));
    };
    let mut merged = toml::Table::try_from(base).expect("settings serialize to a table");
    for (k, v) in table {
        if !merged.contains_key(&k) {
            return Err(Error::Config(format!(
                "[{section}] has no setting {k:?}; it has {}",
                merged.keys().cloned().collect::<Vec<_>>().join(", ")
            )));
        }
        merged.insert(k, v);
    }
    toml::Value::Table(merged)
        .try_into()
        .map_err(|e| Error::Config(format!("[{section}]: {e}")))
}

impl FilterConfig {
    /// The configuration from a preset (if given) adjusted by a rules file's text (if given).
    /// A preset named in the file and one given here must agree.
    pub fn resolve(preset: Option<Preset>, rules_toml: Option<&str>) -> Result<FilterConfig> {
        let file: Option<RulesFile> = rules_toml
            .map(|t| toml::from_str(t).map_err(|e| Error::Config(format!("rules file: {e}"))))
            .transpose()?;
        let file_preset = file
            .as_ref()
            .and_then(|f| f.preset.as_deref())
            .map(Preset::from_name)
            .transpose()?;
        let base = match (preset, file_preset) {
            (Some(a), Some(b)) if a != b => {
                return Err(Error::Config(format!(
                    "the rules file starts from preset {} but {} was asked for",
                    b.name(),
                    a.name()
                )))
            }
            (Some(p), _) | (None, Some(p)) => p.config(),
            (None, None) => {
                let has_steps = file.as_ref().is_some_and(|f| f.steps.is_some());
                if !has_steps {
                    return Err(Error::Config(
                        "name a preset, or list the steps in the rules file".into(),
                    ));
                }
                FilterConfig {
                    preset: None,
                    steps: Vec::new(),
                    language: LanguageFilter::default(),
                    gopher_repetition: GopherRepetition::default(),
                    gopher_quality: GopherQuality::default(),
                    c4: C4Quality::default(),
                    fineweb_quality: FineWebQuality::default(),
                }
            }
        };
        let Some(file) = file else { return Ok(base) };
        let cfg = Self::overlaid(base, file)?;
        if cfg.steps.contains(&RuleName::Language) {
            cfg.language.validate().map_err(Error::Config)?;
        }
        let mut stops = cfg.gopher_quality.stop_words.clone();
        stops.sort();
        stops.dedup();
        if stops.len() > 64 {
            return Err(Error::Config(format!(
                "[gopher_quality] stop_words holds {} distinct words; at most 64 are supported",
                stops.len()
            )));
        }
        Ok(cfg)
    }

    fn overlaid(base: FilterConfig, file: RulesFile) -> Result<FilterConfig> {
        let changed = file.steps.is_some()
            || file.language.is_some()
            || file.gopher_repetition.is_some()
            || file.gopher_quality.is_some()
            || file.c4.is_some()
            || file.fineweb_quality.is_some();
        Ok(FilterConfig {
            // An adjusted preset is no longer that preset.
            preset: if changed { None } else { base.preset },
            steps: file.steps.unwrap_or(base.steps),
            language: overlay(&base.language, file.language, "language")?,
            gopher_repetition: overlay(
                &base.gopher_repetition,
                file.gopher_repetition,
                "gopher_repetition",
            )?,
            gopher_quality: overlay(&base.gopher_quality, file.gopher_quality, "gopher_quality")?,
            c4: overlay(&base.c4, file.c4, "c4")?,
            fineweb_quality: overlay(
                &base.fineweb_quality,
                file.fineweb_quality,
                "fineweb_quality",
            )?,
        })
    }

    /// The configuration as a rules file that reproduces it.
    pub fn to_toml(&self) -> String {
        let mut t = toml::Table::try_from(self).expect("config serializes");
        t.remove("preset");
        let body = toml::to_string(&t).expect("config serializes");
        match self.preset {
            Some(p) => format!("# preset {}\n{body}", p.name()),
            None => body,
        }
    }

    /// The filters to run.
    pub fn build(&self) -> Filters {
        let filters: Vec<Box<dyn Filter>> = self
            .steps
            .iter()
            .map(|s| -> Box<dyn Filter> {
                match s {
                    RuleName::Language => Box::new(self.language.clone()),
                    RuleName::GopherRepetition => Box::new(self.gopher_repetition.clone()),
                    RuleName::GopherQuality => Box::new(self.gopher_quality.clone()),
                    RuleName::C4 => Box::new(self.c4.clone()),
                    RuleName::FinewebQuality => Box::new(self.fineweb_quality.clone()),
                }
            })
            .collect();
        Filters::new(filters)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_name_their_rules() {
        assert_eq!(
            Preset::FineWeb2024.config().build().names(),
            [
                "language",
                "gopher_repetition",
                "gopher_quality",
                "c4",
                "fineweb_quality"
            ]
        );
        assert!(!Preset::FineWeb2024.config().c4.filter_no_terminal_punct);
        let tfds = Preset::C4Tfds.config().c4;
        assert_eq!((tfds.min_words_per_line, tfds.min_num_sentences), (5, 3));
        assert_eq!(
            Preset::from_name("c4-datatrove").unwrap(),
            Preset::C4Datatrove
        );
        assert!(Preset::from_name("c4").is_err());
    }

    #[test]
    fn rules_file_overrides_one_setting() {
        let cfg = FilterConfig::resolve(
            Some(Preset::Gopher2021),
            Some("[gopher_quality]\nmin_doc_words = 30\n"),
        )
        .unwrap();
        assert_eq!(cfg.gopher_quality.min_doc_words, 30);
        assert_eq!(cfg.gopher_quality.max_doc_words, 100_000);
        assert_eq!(cfg.preset, None);
        assert_eq!(cfg.steps, Preset::Gopher2021.config().steps);
    }

    #[test]
    fn rules_file_lists_steps_and_rejects_typos() {
        let cfg = FilterConfig::resolve(
            None,
            Some("steps = [\"c4\"]\n[c4]\nmin_num_sentences = -1\n"),
        )
        .unwrap();
        assert_eq!(cfg.steps, [RuleName::C4]);
        assert_eq!(cfg.c4.min_num_sentences, -1);
        let err =
            FilterConfig::resolve(Some(Preset::C4Datatrove), Some("[c4]\nmin_sentences = 2\n"))
                .unwrap_err()
                .to_string();
        assert!(err.contains("min_sentences"), "{err}");
        assert!(FilterConfig::resolve(None, None).is_err());
    }

    #[test]
    fn language_settings_are_read_and_checked() {
        let cfg = FilterConfig::resolve(
            Some(Preset::FineWeb2024),
            Some("[language]\nlanguages = [\"de\", \"fr\"]\nlanguage_threshold = 0.5\n"),
        )
        .unwrap();
        assert_eq!(cfg.language.languages, ["de", "fr"]);
        assert!((cfg.language.language_threshold - 0.5).abs() < 1e-12);
        let err = FilterConfig::resolve(
            Some(Preset::FineWeb2024),
            Some("[language]\nlanguages = [\"english\"]\n"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("\"english\" is not one of"), "{err}");
    }

    #[test]
    fn too_many_stop_words_are_refused() {
        let words: Vec<String> = (0..65).map(|i| format!("\"w{i}\"")).collect();
        let rules = format!("[gopher_quality]\nstop_words = [{}]\n", words.join(", "));
        let err = FilterConfig::resolve(Some(Preset::Gopher2021), Some(&rules))
            .unwrap_err()
            .to_string();
        assert!(err.contains("65 distinct words"), "{err}");
    }

    #[test]
    fn printed_config_reads_back() {
        let cfg = Preset::FineWeb2024.config();
        let again = FilterConfig::resolve(None, Some(&cfg.to_toml())).unwrap();
        assert_eq!(
            FilterConfig {
                preset: cfg.preset,
                ..again
            },
            cfg
        );
    }
}
