//! Whole-output tests of repair, one per case, with the reasons it must give.

use super::*;

const P: [&str; 8] = [
    "The harbour authority said on Monday that the new container terminal would open in March, two months later than planned.",
    "Delays in the delivery of the cranes, which are built in Shanghai, were blamed for most of the setback, according to the authority.",
    "\"We would rather open late than open with half the equipment,\" the authority's director, Anna Lindqvist, told reporters.",
    "The terminal is expected to double the port's capacity and to create about 400 permanent jobs in the region by 2027.",
    "Shipping lines have already booked most of the first year's slots, the authority said, without naming the companies.",
    "Environmental groups have criticised the project for the dredging it requires in the estuary, home to a protected seal colony.",
    "A court challenge brought by two of the groups was dismissed last year, and an appeal is due to be heard in the autumn.",
    "The port handled 1.2 million containers last year, a record, despite a strike by dock workers that lasted eleven days.",
];
const NEW: &str = "The authority also confirmed that a second phase, with two more berths, is being studied but has not been funded yet.";

fn join(lines: &[&str]) -> String {
    lines.join("\n")
}

fn reasons(r: &Repaired) -> Vec<(&'static str, [usize; 2])> {
    r.edits.iter().map(|e| (e.reason.name(), e.lines)).collect()
}

#[track_caller]
fn check(input: &str, expected: &str, want: &[(&str, [usize; 2])]) -> Vec<Edit> {
    let r = Repairer::default().repair(input);
    assert_eq!(r.text, expected, "repaired text");
    assert_eq!(reasons(&r), want, "edits");
    let again = Repairer::default().repair(&r.text);
    assert!(!again.changed(), "not idempotent: {:?}", again.edits);
    r.edits
}

#[test]
fn seed_shaped_second_copy_with_new_paragraph() {
    // P1..P8, then a second copy from P2 with a widget line and a new paragraph after P3.
    let input = join(&[
        P[0],
        P[1],
        P[2],
        P[3],
        P[4],
        P[5],
        P[6],
        P[7],
        P[1],
        P[2],
        "More From This Section",
        NEW,
        P[3],
        P[4],
        P[5],
        P[6],
        P[7],
    ]);
    let expected = join(&[P[0], P[1], P[2], NEW, P[3], P[4], P[5], P[6], P[7]]);
    let edits = check(
        &input,
        &expected,
        &[
            ("repeated_block", [9, 10]),
            ("boilerplate_line", [11, 11]),
            ("moved", [12, 12]),
            ("repeated_block", [13, 17]),
        ],
    );
    assert_eq!(edits[0].repeat_of, Some([2, 3]));
    assert_eq!(edits[0].text, join(&[P[1], P[2]]));
    assert_eq!(edits[1].rule, Some("phrase"));
    assert_eq!(edits[2].after, Some(3));
    assert_eq!(edits[3].repeat_of, Some([4, 8]));
}

#[test]
fn the_seed_itself() {
    let Ok(raw) = std::fs::read_to_string("../../../shared/fixtures/seed/raw.txt") else {
        panic!("../shared/fixtures/seed/raw.txt must be beside the repo");
    };
    let want = std::fs::read_to_string("../../../shared/fixtures/seed/repaired.txt").unwrap();
    let r = Repairer::default().repair(&raw);
    let paras = |t: &str| t.lines().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(paras(&r.text), paras(&want));
}

#[test]
fn later_copy_shorter() {
    let input = join(&[P[0], P[1], P[2], P[3], P[4], P[0], P[1], P[2]]);
    let expected = join(&[P[0], P[1], P[2], P[3], P[4]]);
    check(&input, &expected, &[("repeated_block", [6, 8])]);
}

#[test]
fn later_copy_longer_with_new_paragraphs_at_the_end() {
    let input = join(&[P[0], P[1], P[2], P[0], P[1], P[2], P[3], P[4]]);
    let expected = join(&[P[0], P[1], P[2], P[3], P[4]]);
    check(&input, &expected, &[("repeated_block", [4, 6])]);
}

#[test]
fn later_copy_starts_part_way_with_two_new_paragraphs() {
    let new2 = "Port officials declined to say whether the delay would affect the fees charged to shipping lines.";
    let input = join(&[
        P[0], P[1], P[2], P[3], P[4], P[5], P[2], P[3], NEW, new2, P[4], P[5],
    ]);
    let expected = join(&[P[0], P[1], P[2], P[3], NEW, new2, P[4], P[5]]);
    check(
        &input,
        &expected,
        &[
            ("repeated_block", [7, 8]),
            ("moved", [9, 9]),
            ("moved", [10, 10]),
            ("repeated_block", [11, 12]),
        ],
    );
}

#[test]
fn three_copies() {
    let input = join(&[
        P[0],
        P[1],
        P[2],
        P[3],
        "Read more",
        P[0],
        P[1],
        P[2],
        P[3],
        "Related Articles",
        P[1],
        P[2],
        NEW,
        P[3],
    ]);
    let expected = join(&[P[0], P[1], P[2], NEW, P[3]]);
    check(
        &input,
        &expected,
        &[
            ("boilerplate_line", [5, 5]),
            ("repeated_block", [6, 9]),
            ("boilerplate_line", [10, 10]),
            ("repeated_block", [11, 12]),
            ("moved", [13, 13]),
            ("repeated_block", [14, 14]),
        ],
    );
}

#[test]
fn copies_that_differ_only_in_typography() {
    let a = "\"We would rather open late than open with half the equipment,\" the director said - and she meant it.";
    let b = "\u{201C}We would rather open late than open with half the equipment,\u{201D} the director said \u{2014} and she meant it.  ";
    let c = "THE TERMINAL IS EXPECTED TO DOUBLE THE PORT'S CAPACITY\u{00A0}AND TO CREATE ABOUT 400 PERMANENT JOBS IN THE REGION BY 2027.";
    let input = join(&[P[0], a, P[3], P[0], b, c]);
    let expected = join(&[P[0], a, P[3]]);
    check(&input, &expected, &[("repeated_block", [4, 6])]);
}

#[test]
fn blank_line_paragraphs_and_crlf_keep_their_separators() {
    let input = format!(
        "{}\r\n\r\n{}\r\n\r\n{}\r\n\r\nAdvertisement\r\n\r\n{}\r\n\r\n{}\r\n\r\n{}\r\n",
        P[0], P[1], P[2], P[0], P[1], P[2]
    );
    let expected = format!("{}\r\n\r\n{}\r\n\r\n{}\r\n", P[0], P[1], P[2]);
    check(
        &input,
        &expected,
        &[("boilerplate_line", [7, 7]), ("repeated_block", [9, 13])],
    );
}

#[test]
fn near_repeat_keeps_the_fuller_version_in_place() {
    let edited = "Delays in the delivery of the cranes, which are built in Shanghai, were blamed for much of the setback, according to the authority.";
    let longer = format!(
        "{} A spokesman said the cranes had now left the factory.",
        P[2]
    );
    let input = join(&[P[0], P[1], P[2], P[3], P[0], edited, &longer, P[3]]);
    let expected = join(&[P[0], P[1], &longer, P[3]]);
    let edits = check(
        &input,
        &expected,
        &[
            ("near_repeat", [3, 3]),
            ("repeated_block", [5, 5]),
            ("near_repeat", [6, 6]),
            ("repeated_block", [8, 8]),
        ],
    );
    assert_eq!(edits[0].repeat_of, Some([7, 7]));
    assert_eq!(edits[2].repeat_of, Some([2, 2]));
    let s = edits[2].similarity.unwrap();
    assert!((0.8..1.0).contains(&s), "{s}");
}

#[test]
fn teasers_of_kept_paragraphs() {
    let input = join(&[
        "Harbour terminal delayed to March",
        P[0],
        "Related: Delays in the delivery of the cranes, which are built in Shan…",
        P[1],
        "Lesen Sie auch: The terminal is expected to double the port's capacity...",
        P[3],
    ]);
    let expected = join(&["Harbour terminal delayed to March", P[0], P[1], P[3]]);
    let edits = check(&input, &expected, &[("teaser", [3, 3]), ("teaser", [5, 5])]);
    assert_eq!(edits[0].repeat_of, Some([4, 4]));
    assert_eq!(edits[1].repeat_of, Some([6, 6]));
}

#[test]
fn repeated_headline_is_removed_once() {
    let input = join(&[
        "Harbour terminal delayed to March",
        "Published March 3, 2025",
        "HARBOUR TERMINAL DELAYED TO MARCH",
        P[0],
        P[1],
    ]);
    let expected = join(&["Harbour terminal delayed to March", P[0], P[1]]);
    let edits = check(
        &input,
        &expected,
        &[("boilerplate_line", [2, 2]), ("repeated_headline", [3, 3])],
    );
    assert_eq!(edits[0].rule, Some("dateline"));
    assert_eq!(edits[1].repeat_of, Some([1, 1]));
}

#[test]
fn boilerplate_lines_in_seven_languages() {
    let cases: [(&str, &[&str]); 7] = [
        (
            "en",
            &[
                "Skip to main content",
                "Advertisement",
                "Share this article",
                "Sign up for our newsletter to get the latest news delivered to your inbox.",
            ],
        ),
        (
            "de",
            &[
                "Zum Inhalt springen",
                "Anzeige",
                "Artikel teilen",
                "Mehr aus diesem Ressort",
            ],
        ),
        (
            "fr",
            &[
                "Aller au contenu principal",
                "Publicité",
                "Partager cet article",
                "Lire la suite",
            ],
        ),
        (
            "es",
            &[
                "Saltar al contenido",
                "Publicidad",
                "Compartir este artículo",
                "Leer más",
            ],
        ),
        (
            "it",
            &[
                "Vai al contenuto",
                "Pubblicità",
                "Condividi questo articolo",
                "Leggi anche",
            ],
        ),
        (
            "pt",
            &[
                "Pular para o conteúdo",
                "Publicidade",
                "Compartilhe este artigo",
                "Leia mais",
            ],
        ),
        (
            "nl",
            &[
                "Ga naar de inhoud",
                "Advertentie",
                "Deel dit artikel",
                "Lees verder",
            ],
        ),
    ];
    for (lang, bp) in cases {
        let input = join(&[bp[0], P[0], bp[1], P[1], bp[2], P[2], bp[3]]);
        let expected = join(&[P[0], P[1], P[2]]);
        let r = Repairer::default().repair(&input);
        assert_eq!(r.text, expected, "{lang}");
        assert_eq!(
            reasons(&r),
            [1, 3, 5, 7].map(|l| ("boilerplate_line", [l, l])),
            "{lang}"
        );
    }
}

#[test]
fn clean_article_is_byte_identical() {
    for input in [
        join(&P),
        format!("{}\n", join(&P)),
        format!("\n\n{}\r\n\r\n{}\r\n", P[0], P[1]),
        P.join("\n\n"),
        String::new(),
        "\n \n".to_owned(),
    ] {
        let r = Repairer::default().repair(&input);
        assert!(matches!(r.text, Cow::Borrowed(_)));
        assert_eq!(r.text, input);
        assert!(r.edits.is_empty());
    }
}

#[test]
fn legitimate_short_repeats_stay() {
    let transcript = join(&[
        "MODERATOR: Please welcome our first speaker.",
        "(Applause)",
        "SPEAKER: Thank you.",
        "Thank you.",
        "It is a pleasure to be here in Lisbon, where this conference began twelve years ago in a much smaller room.",
        "(Applause)",
        "Thank you.",
        "(Laughter)",
        "Thank you.",
    ]);
    let recipe = join(&[
        "Ingredients",
        "2 eggs",
        "200 g flour",
        "1 cup sugar",
        "Method",
        "Beat the eggs with the sugar until pale, then fold in the flour a spoonful at a time.",
        "2 eggs",
        "Brush the top with the remaining egg before baking for 25 minutes.",
    ]);
    let song = join(&[
        "Oh the river runs and the river sings",
        "And it carries all my wandering things",
        "Verse two begins with a different line",
        "Oh the river runs and the river sings",
        "And it carries all my wandering things",
    ]);
    for input in [transcript, recipe, song] {
        let r = Repairer::default().repair(&input);
        assert_eq!(r.text, input);
        assert!(r.edits.is_empty(), "{:?}", r.edits);
    }
}

#[test]
fn sentences_that_mention_widgets_stay() {
    let input = join(&[
        "Read more about the history of the harbour in our archive, which goes back to 1850.",
        "Follow the money, the investigators said, and you will find the contractors.",
        "Share prices of the operator rose 3% after the announcement.",
        "The advertisement ran for three weeks before the regulator ordered it withdrawn.",
    ]);
    let r = Repairer::default().repair(&input);
    assert_eq!(r.text, input);
}

#[test]
fn short_paragraphs_inside_a_copied_body_go_with_it() {
    let input = join(&[P[0], "Kerry said.", P[1], P[0], "Kerry said.", P[1]]);
    let expected = join(&[P[0], "Kerry said.", P[1]]);
    check(&input, &expected, &[("repeated_block", [4, 6])]);
}

#[test]
fn only_boilerplate() {
    let r = Repairer::default().repair("Advertisement\nShare this article\n");
    assert_eq!(r.text, "");
    assert_eq!(r.edits.len(), 2);
}

#[test]
fn boilerplate_can_be_kept() {
    let input = join(&[P[0], "Advertisement", P[1], P[0], P[1]]);
    let r = Repairer::new(RepairConfig {
        boilerplate: false,
        ..RepairConfig::default()
    })
    .repair(&input);
    assert_eq!(r.text, join(&[P[0], "Advertisement", P[1]]));
}

#[test]
fn short_paragraph_that_continues_a_copy_after_a_new_one_goes_with_the_copy() {
    // Found on the generated corpus: the copy's last paragraph is short, and a new
    // paragraph separates it from the rest of the copy.
    let short = "Generate a SIGABRT signal to the current process.";
    let input = join(&[
        P[0],
        P[1],
        P[2],
        short,
        P[1],
        P[2],
        "Continue reading",
        NEW,
        short,
    ]);
    let expected = join(&[P[0], P[1], P[2], NEW, short]);
    check(
        &input,
        &expected,
        &[
            ("repeated_block", [5, 6]),
            ("boilerplate_line", [7, 7]),
            ("moved", [8, 8]),
            ("repeated_block", [9, 9]),
        ],
    );
}

#[test]
fn a_line_repeated_three_times_is_not_a_headline() {
    for input in [
        join(&["Buy now!", "Buy now!", "Buy now!", P[0]]),
        join(&["Buy now!", "Buy now!", P[0], "Buy now!", P[1]]),
    ] {
        let r = Repairer::default().repair(&input);
        assert_eq!(r.text, input);
    }
}

#[test]
fn headline_repeated_after_a_byline() {
    let input = join(&[
        "Harbour terminal delayed to March",
        "By Anna Berg",
        "Harbour terminal delayed to March.",
        P[0],
        P[1],
    ]);
    let expected = join(&[
        "Harbour terminal delayed to March",
        "By Anna Berg",
        P[0],
        P[1],
    ]);
    check(&input, &expected, &[("repeated_headline", [3, 3])]);
}

#[test]
fn copies_with_different_dashes_and_quote_spacing() {
    let a = "Le directeur a dit \u{AB} nous ouvrirons en mars \u{BB} -- et il le pensait vraiment, selon ses proches collaborateurs.";
    let b = "Le directeur a dit \"nous ouvrirons en mars\"\u{2014}et il le pensait vraiment, selon ses proches collaborateurs.";
    let input = join(&[P[0], a, P[0], b]);
    check(&input, &join(&[P[0], a]), &[("repeated_block", [3, 4])]);
}

#[test]
fn teaser_with_different_punctuation_and_a_cut_word() {
    let input = join(&[
        P[1],
        "READ MORE: Delays in the delivery of the cranes -- which are built in Shang...",
        P[2],
    ]);
    let edits = check(&input, &join(&[P[1], P[2]]), &[("teaser", [2, 2])]);
    assert_eq!(edits[0].repeat_of, Some([1, 1]));
}

#[test]
fn an_ellipsis_line_that_is_not_a_teaser_stays() {
    let input = join(&[
        P[0],
        "And then the harbour authority said...",
        "We waited for the next announcement...",
    ]);
    let r = Repairer::default().repair(&input);
    assert_eq!(r.text, input);
}

#[test]
fn a_long_line_repeated_all_over_the_page_is_kept_once() {
    let input = join(&[P[0], P[5], P[1], P[5], P[2], P[5], P[3]]);
    check(
        &input,
        &join(&[P[0], P[5], P[1], P[2], P[3]]),
        &[("repeated_block", [4, 4]), ("repeated_block", [6, 6])],
    );
}

#[test]
fn a_pull_quote_repeated_once_goes() {
    let input = join(&[P[0], P[2], P[1], P[2], P[3]]);
    check(
        &input,
        &join(&[P[0], P[2], P[1], P[3]]),
        &[("repeated_block", [4, 4])],
    );
}

#[test]
fn a_later_copy_that_splits_a_paragraph_adds_nothing() {
    let (s1, s2) = P[2].split_at(P[2].find(" the authority's").unwrap());
    let s2 = s2.trim_start();
    let input = join(&[P[0], P[1], P[2], P[3], P[0], P[1], s1, s2, P[3]]);
    let expected = join(&[P[0], P[1], P[2], P[3]]);
    let edits = check(
        &input,
        &expected,
        &[
            ("repeated_block", [5, 6]),
            ("near_repeat", [7, 7]),
            ("near_repeat", [8, 8]),
            ("repeated_block", [9, 9]),
        ],
    );
    assert_eq!(edits[1].repeat_of, Some([3, 3]));
    assert_eq!(edits[2].repeat_of, Some([3, 3]));
}

#[test]
fn a_later_copy_that_merges_two_paragraphs_keeps_them_apart() {
    let merged = format!("{} {}", P[1], P[2]);
    let input = join(&[P[0], P[1], P[2], P[3], P[0], &merged, P[3]]);
    let expected = join(&[P[0], P[1], P[2], P[3]]);
    check(
        &input,
        &expected,
        &[
            ("repeated_block", [5, 5]),
            ("near_repeat", [6, 6]),
            ("repeated_block", [7, 7]),
        ],
    );
}

/// Found by `cargo fuzz run repair` (fuzz/regressions/repair/idempotence-teaser-replaces.txt):
/// a longer near repeat that ends in an ellipsis took the earlier paragraph's place, and the
/// second pass then removed it as a teaser.
#[test]
fn fuzz_idempotence_teaser_replaces() {
    let input = "The Riverside library reopened its doors on Saturday after a two-year restoration of the old building.\nThe restored reading room keeps its original oak shelves, but the roof, the heating and the wiring are new.\nThe Riverside public library reopened its doors on Saturday after a two-year restoration of the old building\u{2026}\nThe restored reading room keeps its original oak shelves, but the roof, the heating and the wiring are new.\nThe Riverside public library reopened its doors on Saturday after a two-year restoration of the old building, the mayor said.\n";
    let lines: Vec<&str> = input.lines().collect();
    let expected = format!("{}\n{}\n{}\n", lines[0], lines[1], lines[4]);
    check(
        input,
        &expected,
        &[("near_repeat", [3, 3]), ("repeated_block", [4, 4])],
    );
}

#[test]
fn a_later_copy_that_replaces_a_paragraph_puts_the_new_one_in_its_place() {
    // The later copy drops P3 and has a new paragraph where it stood.
    let input = join(&[
        P[0],
        P[1],
        P[2],
        P[3],
        P[4],
        "Read more",
        P[0],
        P[1],
        NEW,
        P[3],
        P[4],
    ]);
    let expected = join(&[P[0], P[1], P[2], NEW, P[3], P[4]]);
    check(
        &input,
        &expected,
        &[
            ("boilerplate_line", [6, 6]),
            ("repeated_block", [7, 8]),
            ("moved", [9, 9]),
            ("repeated_block", [10, 11]),
        ],
    );
}
