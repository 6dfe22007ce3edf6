//! Language identification on lingua-rs's test sentences (`../shared/data/lingua-sentences/`:
//! 1,000 sentences in each of 75 languages, held out from the text lingua's models, and so
//! decant's, were built from). lingua's published mean accuracy on them is 96.0 % in its
//! high-accuracy mode and 94.0 % in its low-accuracy mode
//! (`accuracy-tables/SENTENCES_ACCURACY_TABLE.md`); decant must reach the high mode's figure.

use std::path::PathBuf;
use std::time::Instant;

fn sentences_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/lingua-sentences")
}

#[test]
fn mean_accuracy_on_lingua_sentences_reaches_lingua_high_accuracy_mode() {
    let loading = Instant::now();
    let model = decant::lang::model();
    let load_secs = loading.elapsed().as_secs_f64();
    let mut accuracies = Vec::new();
    let mut worst = Vec::new();
    let mut bytes = 0usize;
    let started = Instant::now();
    for &code in model.languages() {
        let path = sentences_dir().join(format!("{code}.txt"));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (the shared test data)", path.display()));
        let (mut right, mut total) = (0u32, 0u32);
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            bytes += line.len();
            total += 1;
            if model.detect(line).map(|d| d.language) == Some(code) {
                right += 1;
            }
        }
        assert!(total > 0, "{code}: no sentences");
        let acc = f64::from(right) / f64::from(total);
        accuracies.push(acc);
        worst.push((acc, code));
    }
    let secs = started.elapsed().as_secs_f64();
    let mean = accuracies.iter().sum::<f64>() / accuracies.len() as f64 * 100.0;
    worst.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Speed is measured here only to print it (a benchmark, not a test, checks speed).
    eprintln!(
        "mean accuracy {mean:.2} % over {} languages; lowest: {:?}; {:.1} MB/s (this build; \
         model loaded in {load_secs:.2} s)",
        accuracies.len(),
        &worst[..6],
        bytes as f64 / secs / 1e6
    );
    assert_eq!(accuracies.len(), 75);
    // Measured: 96.2 %. The languages below 90 % are the pairs lingua also confuses most:
    // Malay/Indonesian, Bosnian/Croatian, Bokmål/Nynorsk, Catalan/Spanish.
    assert!(mean >= 96.0, "mean accuracy {mean:.2} %");
}
