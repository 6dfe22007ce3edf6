//! Golden tests of the presets: each preset, run over the 2,511 parity documents, must give
//! the outcome datatrove 0.10.1 gives with the same filters chained the same way, document
//! by document: the same step and reason for a drop, the same final text for a keep.
//! The goldens (`tests/golden/*.tsv`: id, then `keep` and the SHA-1 of the final text, or
//! `step/reason`) come from `scripts/make_preset_goldens.py`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use decant::filter::{Preset, RuleName, Scratch};
use decant::step::FilterStats;

fn texts() -> HashMap<String, String> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/parity/visible.jsonl.gz");
    let file = std::fs::File::open(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (the shared test data)", path.display()));
    BufReader::new(flate2::read::GzDecoder::new(file))
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(&l.unwrap()).unwrap();
            (
                v["id"].as_str().unwrap().to_string(),
                v["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn presets_match_datatrove_chains() {
    let texts = texts();
    let mut scratch = Scratch::default();
    for preset in Preset::ALL {
        let golden = std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join(format!("tests/golden/{}.tsv", preset.name())),
        )
        .unwrap();
        // datatrove's chains were recorded without FineWeb's language step (fastText); the
        // language filter is tested on its own (tests/langid.rs, filter/language.rs).
        let mut config = preset.config();
        config.steps.retain(|s| *s != RuleName::Language);
        let filters = config.build();
        let mut stats = FilterStats::default();
        let mut differ = Vec::new();
        for line in golden.lines() {
            let mut f = line.split('\t');
            let (id, want) = (f.next().unwrap(), f.next().unwrap());
            let text = &texts[id];
            let out = filters.run(text, &mut scratch, &mut stats);
            let got = match &out.rejection {
                Some(r) => format!("{}/{}", r.step, r.reason),
                None => "keep".to_string(),
            };
            let same = if want == "keep" {
                let final_text = out.text.as_deref().unwrap_or(text);
                got == "keep"
                    && sha1_smol::Sha1::from(final_text).digest().to_string() == f.next().unwrap()
            } else {
                got == want
            };
            if !same {
                differ.push(format!("{id}: decant {got}, datatrove {want}"));
            }
        }
        assert_eq!(stats.seen, 2511);
        assert!(
            differ.is_empty(),
            "{}: {} differences:\n{}",
            preset.name(),
            differ.len(),
            differ.join("\n")
        );
    }
}
