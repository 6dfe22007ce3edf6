//! Properties of repair, checked on generated documents: it never adds text, it is
//! idempotent, every removal is explained, and no unique paragraph that is not a
//! boilerplate line is lost.

use std::collections::{HashMap, HashSet};

use decant::repair::{boilerplate, Reason, Repairer};
use decant::text::{fingerprint, normalize};

/// What decant counts as the same paragraph: the same fingerprint (or, for lines without
/// words, the same normalized text).
fn same(l: &str) -> String {
    let n = normalize(l);
    fingerprint(&n).map_or(n, |f| format!("#{f:x}"))
}
use proptest::prelude::*;

/// Long, mutually dissimilar paragraphs (no teaser marks), short lines that legitimately
/// repeat, widget lines, and typographic variants of a paragraph.
const LONG: &[&str] = &[
    "The harbour authority said on Monday that the new container terminal would open in March, two months later than planned.",
    "Delays in the delivery of the cranes, which are built in Shanghai, were blamed for most of the setback, according to officials.",
    "Environmental groups have criticised the project for the dredging it requires in the estuary, home to a protected seal colony.",
    "A court challenge brought by two of the groups was dismissed last year, and an appeal is due to be heard in the autumn.",
    "Die Stadtverwaltung kündigte am Dienstag an, dass die Bibliothek nach zweijähriger Renovierung im Frühjahr wieder öffnen werde.",
    "Le conseil municipal a voté jeudi soir un budget de quatre millions d'euros pour la rénovation complète de la piscine olympique.",
    "\u{201C}We would rather open late than open with half the equipment,\u{201D} the director said \u{2014} and she meant every word of it.",
];
const SHORT: &[&str] = &[
    "Thank you.",
    "(Applause)",
    "2 eggs",
    "Kerry said.",
    "Chorus:",
    "Yes.",
];
const WIDGETS: &[&str] = &[
    "Advertisement",
    "More From This Section",
    "Share this article",
    "Weiterlesen",
    "Lire la suite",
    "Copyright \u{00A9} 2024 The Daily Courier. All rights reserved.",
];

fn variant(s: &str, v: u8) -> String {
    match v % 4 {
        0 => s.to_owned(),
        1 => s.to_uppercase(),
        2 => format!("{s}  "),
        _ => s
            .replace(['\u{201C}', '\u{201D}'], "\"")
            .replace('\u{2014}', "-"),
    }
}

#[derive(Debug, Clone)]
enum Piece {
    Long(usize, u8),
    Short(usize),
    Widget(usize),
    /// A copy of the pieces so far, from `start` (fraction) for `len` pieces.
    Copy(u8, u8),
    /// A teaser of a long paragraph: a label, its first `n` characters, an ellipsis.
    Teaser(usize, u8),
    /// A long paragraph with one word changed (a near repeat when it sits in a copy).
    Edited(usize),
    /// The first or second half of a long paragraph (a later copy that split it).
    Half(usize, bool),
}

fn piece() -> impl Strategy<Value = Piece> {
    prop_oneof![
        4 => (0..LONG.len(), any::<u8>()).prop_map(|(i, v)| Piece::Long(i, v)),
        2 => (0..SHORT.len()).prop_map(Piece::Short),
        1 => (0..WIDGETS.len()).prop_map(Piece::Widget),
        1 => (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Piece::Copy(a, b)),
        1 => (0..LONG.len(), any::<u8>()).prop_map(|(i, n)| Piece::Teaser(i, n)),
        1 => (0..LONG.len()).prop_map(Piece::Edited),
        1 => (0..LONG.len(), any::<bool>()).prop_map(|(i, h)| Piece::Half(i, h)),
    ]
}

fn document() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(piece(), 0..24),
        0..4usize,
        any::<bool>(),
    )
        .prop_map(|(pieces, sep, end)| {
            let mut lines: Vec<String> = Vec::new();
            for p in pieces {
                match p {
                    Piece::Long(i, v) => lines.push(variant(LONG[i], v)),
                    Piece::Short(i) => lines.push(SHORT[i].to_owned()),
                    Piece::Widget(i) => lines.push(WIDGETS[i].to_owned()),
                    Piece::Copy(a, b) if !lines.is_empty() => {
                        let start = usize::from(a) % lines.len();
                        let len = 1 + usize::from(b) % (lines.len() - start);
                        let copy: Vec<String> = lines[start..start + len].to_vec();
                        lines.extend(copy);
                    }
                    Piece::Copy(..) => {}
                    Piece::Teaser(i, n) => {
                        let cut: String = LONG[i].chars().take(10 + usize::from(n) % 60).collect();
                        lines.push(format!("Related: {cut}\u{2026}"));
                    }
                    Piece::Edited(i) => lines.push(LONG[i].replacen(" the ", " a ", 1)),
                    Piece::Half(i, first) => {
                        let words: Vec<&str> = LONG[i].split(' ').collect();
                        let (a, b) = words.split_at(words.len() / 2);
                        lines.push(if first { a.join(" ") } else { b.join(" ") });
                    }
                }
            }
            let sep = ["\n", "\r\n", "\n\n", "\r\n\r\n"][sep];
            let mut doc = lines.join(sep);
            if end {
                doc.push_str(sep);
            }
            doc
        })
}

/// Non-blank lines, as decant defines lines.
fn content_lines(s: &str) -> Vec<&str> {
    all_lines(s)
        .into_iter()
        .filter(|l| !l.trim().is_empty())
        .collect()
}

fn all_lines(s: &str) -> Vec<&str> {
    decant::text::lines(s).map(|l| l.text(s)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn repair_never_adds_text(doc in document()) {
        let r = Repairer::default().repair(&doc);
        let input: HashSet<&str> = all_lines(&doc).into_iter().collect();
        for l in content_lines(&r.text) {
            prop_assert!(input.contains(l), "added line {l:?}");
        }
        prop_assert!(r.text.len() <= doc.len());
        if !r.changed() {
            prop_assert_eq!(r.text.as_ref(), doc.as_str());
            prop_assert!(r.edits.is_empty());
        }
    }

    #[test]
    fn repair_is_idempotent(doc in document()) {
        let once = Repairer::default().repair(&doc);
        let twice = Repairer::default().repair(&once.text);
        prop_assert!(!twice.changed(), "second pass changed it: {:?}", twice.edits);
    }

    #[test]
    fn every_removal_is_explained_and_no_unique_paragraph_is_lost(doc in document()) {
        let r = Repairer::default().repair(&doc);
        let kept: HashSet<String> = content_lines(&r.text).into_iter().map(same).collect();
        let lines: Vec<&str> = all_lines(&doc);
        let mut why: HashMap<usize, (Reason, Option<[usize; 2]>)> = HashMap::new();
        for e in &r.edits {
            // The logged text is exactly the lines it names.
            let named: Vec<&str> = (e.lines[0]..=e.lines[1])
                .map(|n| lines[n - 1])
                .filter(|l| !l.trim().is_empty())
                .collect();
            prop_assert_eq!(named.join("\n"), e.text.clone());
            for n in e.lines[0]..=e.lines[1] {
                why.insert(n, (e.reason, e.repeat_of));
            }
        }
        let mut count: HashMap<String, usize> = HashMap::new();
        for l in content_lines(&doc) {
            *count.entry(same(l)).or_default() += 1;
        }
        for (i, l) in lines.iter().enumerate() {
            if l.trim().is_empty() || kept.contains(&same(l)) {
                continue;
            }
            // A line whose text is not in the output must have been removed with a reason.
            let Some(&(reason, of)) = why.get(&(i + 1)) else {
                return Err(TestCaseError::fail(format!("line {} lost silently: {l:?}", i + 1)));
            };
            match reason {
                Reason::BoilerplateLine => prop_assert!(boilerplate::is_boilerplate(l)),
                Reason::Moved => prop_assert!(false, "a moved line must be in the output"),
                _ => {
                    let of = of.expect("repeats name what they repeat");
                    // The lines repeated are kept (a boilerplate line may sit between them).
                    for n in of[0]..=of[1] {
                        let t = lines[n - 1];
                        let bp = why.get(&n).is_some_and(|w| w.0 == Reason::BoilerplateLine);
                        prop_assert!(t.trim().is_empty() || bp || kept.contains(&same(t)),
                            "line {} removed as repeat of line {n}, which is gone too", i + 1);
                    }
                }
            }
            // Unique paragraphs that are not boilerplate always survive, unless they are a
            // teaser or a near repeat of a paragraph that is kept.
            prop_assert!(
                count[&same(l)] > 1
                    || boilerplate::is_boilerplate(l)
                    || matches!(reason, Reason::Teaser | Reason::NearRepeat),
                "unique paragraph lost: {l:?}"
            );
        }
    }

    #[test]
    fn arbitrary_text_does_not_break_repair(doc in "[a-c \n\r\u{a0}…:.]{0,200}") {
        let once = Repairer::default().repair(&doc);
        let input: HashSet<&str> = all_lines(&doc).into_iter().collect();
        for l in content_lines(&once.text) {
            prop_assert!(input.contains(l));
        }
        prop_assert!(!Repairer::default().repair(&once.text).changed());
    }
}
