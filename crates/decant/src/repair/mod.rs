//! Document repair: salvage a scraped document instead of discarding it.
//!
//! [`Repairer::repair`] removes what a scraper added to an article and keeps every paragraph
//! that carries text of its own, in the order the copies of the article agree on:
//!
//! * **repeated blocks** (`repeated_block`): a body captured twice or more. A paragraph is a
//!   non-blank line (see [`crate::text`]); two paragraphs are the same when their
//!   [fingerprints](crate::text::fingerprint) are equal, so copies that differ only in
//!   case, quotes, dashes, spaces or a final full stop still match. A later paragraph that equals an earlier one is removed when it lies
//!   in a *run* — consecutive later paragraphs whose earlier twins come in the same order —
//!   that holds at least one paragraph of [`RepairConfig::min_content_chars`] normalized
//!   characters or more.
//! * **near repeats** (`near_repeat`): a paragraph in a later copy that sits where the
//!   copies align (right after or right before a removed repeat) and shares at least
//!   [`RepairConfig::near_similarity`] of the word pairs of the smaller of the two with the
//!   paragraph at the aligned place in the earlier copy, or, when short, lies wholly inside
//!   it (the later copy split a paragraph). The version with more words is kept, in the
//!   earlier copy's place, unless it also holds most of the next paragraph (the later copy
//!   merged two paragraphs: then the earlier ones stay).
//! * **paragraphs found only in a later copy** are moved to where the copies agree: a new
//!   paragraph that sits between two removed runs of a later copy goes right after the
//!   earlier twin of the paragraph that precedes it (the seed's extra paragraph goes after
//!   the third paragraph). One that follows the last repeat of the document stays at the
//!   end.
//! * **teasers** (`teaser`): a line marked as a teaser — it ends with an ellipsis or starts
//!   with a related-content label ("Related:", "Lesen Sie auch:") — whose words, label and
//!   ellipsis removed, are the start of a kept paragraph.
//! * **repeated headline** (`repeated_headline`): the first paragraph repeated right after
//!   itself.
//! * **boilerplate lines** (`boilerplate_line`): see [`boilerplate`].
//!
//! # Scrape artifact or legitimate repetition?
//! Repetition alone never removes a short line: a transcript's "Thank you." or "(Applause)",
//! a chorus, a recipe naming an ingredient twice all stay. What a scraper produces is a
//! *copy of text*: a run of repeated paragraphs that contains at least one real paragraph
//! (80 normalized characters by default; a chorus line or an ingredient is shorter). Inside
//! such a run, short paragraphs go with their neighbours, because they are part of the
//! copied body.
//!
//! Repair never adds text: every line of the output is a line of the input, with the
//! document's own line terminators and blank lines. A document with nothing to repair comes
//! back byte-identical (and borrowed). Repair is idempotent.

pub mod boilerplate;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::text::{self, Line};

/// Why a line was removed or moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Repeats an earlier paragraph inside a repeated run.
    RepeatedBlock,
    /// Nearly repeats the paragraph at the aligned place of another copy.
    NearRepeat,
    /// A truncated teaser of a kept paragraph.
    Teaser,
    /// The headline repeated as the first body line.
    RepeatedHeadline,
    /// A built-in boilerplate line.
    BoilerplateLine,
    /// Kept, but moved to where the copies agree.
    Moved,
}

impl Reason {
    /// The stable name used in logs and stats.
    pub fn name(self) -> &'static str {
        match self {
            Reason::RepeatedBlock => "repeated_block",
            Reason::NearRepeat => "near_repeat",
            Reason::Teaser => "teaser",
            Reason::RepeatedHeadline => "repeated_headline",
            Reason::BoilerplateLine => "boilerplate_line",
            Reason::Moved => "moved",
        }
    }
}

/// One removal (or move) made by repair, with the lines it concerns (1-based, inclusive,
/// counted in the input text).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Edit {
    /// Why.
    pub reason: Reason,
    /// First and last line removed (or moved).
    pub lines: [usize; 2],
    /// The text removed (or moved), lines joined by `\n`.
    pub text: String,
    /// For repeats, teasers and headlines: the kept lines this text repeats.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_of: Option<[usize; 2]>,
    /// For near repeats: the share of shared word pairs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f64>,
    /// For boilerplate lines: which built-in rule matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<&'static str>,
    /// For moves: the line the text now follows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<usize>,
}

/// The result of repairing one text.
#[derive(Debug, Clone, PartialEq)]
pub struct Repaired<'a> {
    /// The repaired text; borrowed when nothing changed.
    pub text: Cow<'a, str>,
    /// What was removed or moved, in input line order.
    pub edits: Vec<Edit>,
}

impl Repaired<'_> {
    /// Whether repair changed the text.
    pub fn changed(&self) -> bool {
        matches!(self.text, Cow::Owned(_))
    }
}

/// Settings of repair; the defaults are what `decant repair` uses.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RepairConfig {
    /// A repeated run is a scrape artifact when one of its paragraphs has at least this many
    /// normalized characters.
    pub min_content_chars: usize,
    /// Minimum share of word pairs (of the smaller paragraph) for a near repeat.
    pub near_similarity: f64,
    /// Minimum normalized characters of a teaser's words.
    pub min_teaser_chars: usize,
    /// Remove built-in boilerplate lines.
    pub boilerplate: bool,
}

impl Default for RepairConfig {
    fn default() -> Self {
        RepairConfig {
            min_content_chars: 80,
            near_similarity: 0.8,
            min_teaser_chars: 20,
            boilerplate: true,
        }
    }
}

/// Repairs documents; cheap to share across threads.
#[derive(Debug, Clone, Default)]
pub struct Repairer {
    config: RepairConfig,
}

#[derive(Debug, Clone, Copy)]
enum RepKind {
    Exact,
    Near(f64),
}

#[derive(Debug, Clone, Copy)]
struct Rep {
    of: usize,
    kind: RepKind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fate {
    Keep,
    /// Removed with a reason; `of` is the unit it repeats, if any.
    Remove(Reason, Option<usize>),
    /// A longer near repeat that takes the place of unit `of` (which is removed).
    Replaces(usize),
}

struct Unit {
    line: Line,
    /// The line's fingerprint; `None` for a line without words (never a repeat).
    key: Option<u64>,
    nchars: usize,
    boilerplate: Option<&'static str>,
}

impl Repairer {
    /// A repairer with the given settings.
    pub fn new(config: RepairConfig) -> Self {
        Repairer { config }
    }

    /// The settings in use.
    pub fn config(&self) -> &RepairConfig {
        &self.config
    }

    /// Repairs one text; see the [module docs](self).
    #[allow(clippy::too_many_lines)]
    pub fn repair<'a>(&self, doc: &'a str) -> Repaired<'a> {
        let cfg = &self.config;
        let mut norm = String::new();
        let units: Vec<Unit> = text::lines(doc)
            .filter(|l| !text::is_blank(l.text(doc)))
            .map(|line| {
                norm.clear();
                text::normalize_into(line.text(doc), &mut norm);
                let nchars = text::char_count(&norm);
                let boilerplate = if cfg.boilerplate && nchars <= 600 {
                    boilerplate::match_line(&norm)
                } else {
                    None
                };
                Unit {
                    line,
                    key: text::fingerprint(&norm),
                    nchars,
                    boilerplate,
                }
            })
            .collect();
        let n = units.len();
        let ut = |i: usize| units[i].line.text(doc);
        let long = |i: usize| units[i].nchars >= cfg.min_content_chars;

        // Content units (not boilerplate), in order, and each unit's place among them.
        let content: Vec<usize> = (0..n).filter(|&i| units[i].boilerplate.is_none()).collect();
        let mut pos = vec![usize::MAX; n];
        for (k, &i) in content.iter().enumerate() {
            pos[i] = k;
        }

        // 1. Exact repeats (equal fingerprints) of the first occurrence.
        let mut rep: Vec<Option<Rep>> = vec![None; n];
        let mut first: HashMap<u64, usize> = HashMap::with_capacity(content.len());
        for &i in &content {
            let Some(key) = units[i].key else { continue };
            match first.get(&key) {
                Some(&j) if text::same_fingerprint(ut(i), ut(j)) => {
                    rep[i] = Some(Rep {
                        of: j,
                        kind: RepKind::Exact,
                    });
                }
                Some(_) => {}
                None => {
                    first.insert(key, i);
                }
            }
        }

        // 2. Near repeats, only where copies align next to a long repeat.
        let anchor = |rep: &[Option<Rep>], i: usize| -> Option<usize> {
            rep[i]
                .filter(|r| long(i) || matches!(r.kind, RepKind::Near(_)))
                .map(|r| r.of)
        };
        // A paragraph that a later one repeats belongs to an earlier copy: never a near
        // repeat itself.
        let mut repeated = vec![false; n];
        for r in rep.iter().flatten() {
            repeated[r.of] = true;
        }
        for k in 0..content.len() {
            let i = content[k];
            if rep[i].is_some() || repeated[i] {
                continue;
            }
            let usable = |c: &usize| *c < i && rep[*c].is_none() && long(*c);
            // Where the copies align: after the twin of the previous repeat (or on that twin,
            // when the previous line is itself a piece of it), or before the twin of the next.
            let prev = k.checked_sub(1).map(|p| content[p]);
            let prev_of = prev.and_then(|p| anchor(&rep, p));
            let candidates = [
                prev_of.and_then(|of| content.get(pos[of] + 1).copied()),
                prev.filter(|&p| {
                    matches!(
                        rep[p],
                        Some(Rep {
                            kind: RepKind::Near(_),
                            ..
                        })
                    )
                })
                .and(prev_of),
                content
                    .get(k + 1)
                    .and_then(|&nx| anchor(&rep, nx))
                    .and_then(|of| pos[of].checked_sub(1).map(|p| content[p])),
            ];
            for c in candidates.into_iter().flatten().filter(usable) {
                // A long paragraph is compared by shared word pairs; a short one (a piece of
                // a paragraph that the later copy split in two) must lie wholly inside it.
                let sim = if long(i) {
                    similarity(ut(i), ut(c))
                } else if text::words(ut(i)).nth(MIN_PIECE_WORDS - 1).is_some()
                    && text::normalize(ut(c)).contains(&text::normalize(ut(i)))
                {
                    1.0
                } else {
                    0.0
                };
                if sim >= cfg.near_similarity {
                    rep[i] = Some(Rep {
                        of: c,
                        kind: RepKind::Near(sim),
                    });
                    break;
                }
            }
        }

        // 3. Runs of repeats; a run with a long paragraph is a copy and goes, and so does a
        // run of short ones that continues such a copy across at most MAX_NEW_BETWEEN new
        // paragraphs (the copy goes on with the very next paragraph of the earlier copy).
        let mut runs: Vec<(usize, usize, bool)> = Vec::new(); // content range, removable
        let mut k = 0;
        while k < content.len() {
            if rep[content[k]].is_none() {
                k += 1;
                continue;
            }
            let start = k;
            k += 1;
            while k < content.len()
                && rep[content[k]]
                    .zip(rep[content[k - 1]])
                    .is_some_and(|(r, p)| r.of > p.of)
            {
                k += 1;
            }
            let removable = content[start..k].iter().any(|&i| long(i));
            runs.push((start, k, removable));
        }
        let of_at = |k: usize| rep[content[k]].map_or(usize::MAX, |r| pos[r.of]);
        let continues = |a: (usize, usize, bool), b: (usize, usize, bool)| {
            b.0 - a.1 <= MAX_NEW_BETWEEN && of_at(b.0) == of_at(a.1 - 1).wrapping_add(1)
        };
        for r in 1..runs.len() {
            if runs[r - 1].2 && !runs[r].2 && continues(runs[r - 1], runs[r]) {
                runs[r].2 = true;
            }
        }
        for r in (0..runs.len().saturating_sub(1)).rev() {
            if runs[r + 1].2 && !runs[r].2 && continues(runs[r], runs[r + 1]) {
                runs[r].2 = true;
            }
        }
        let mut fate = vec![Fate::Keep; n];
        let mut replaced_by: Vec<Option<usize>> = vec![None; n];
        for &(start, end, removable) in &runs {
            let run = &content[start..end];
            if !removable {
                for &i in run {
                    rep[i] = None;
                }
                continue;
            }
            for &i in run {
                let r = rep[i].expect("runs hold repeats");
                match r.kind {
                    RepKind::Exact => {
                        fate[i] = Fate::Remove(Reason::RepeatedBlock, Some(r.of));
                    }
                    RepKind::Near(_) => {
                        // The fuller version wins, unless it merges the next paragraph
                        // too (which stays on its own).
                        let merges_next = content
                            .get(pos[r.of] + 1)
                            .is_some_and(|&nx| similarity(ut(i), ut(nx)) >= 0.5);
                        // A line marked as a teaser never takes a paragraph's place.
                        if replaced_by[r.of].is_none()
                            && !merges_next
                            && text::words(ut(i)).count() > text::words(ut(r.of)).count()
                            && !(maybe_teaser(ut(i)) && teaser_core(ut(i), false).is_some())
                        {
                            fate[i] = Fate::Replaces(r.of);
                            fate[r.of] = Fate::Remove(Reason::NearRepeat, Some(i));
                            replaced_by[r.of] = Some(i);
                        } else {
                            fate[i] = Fate::Remove(Reason::NearRepeat, Some(r.of));
                        }
                    }
                }
            }
        }

        // 4. Teasers of kept paragraphs, and boilerplate lines.
        let mut norms: Option<Vec<String>> = None;
        for i in 0..n {
            if fate[i] != Fate::Keep {
                continue;
            }
            let core = if units[i].boilerplate == Some("related_link") || maybe_teaser(ut(i)) {
                teaser_core(ut(i), units[i].boilerplate.is_some())
            } else {
                None
            };
            if let Some(core) = core {
                if text::char_count(&core) >= cfg.min_teaser_chars {
                    let norms = norms
                        .get_or_insert_with(|| (0..n).map(|j| text::normalize(ut(j))).collect());
                    let labelled = units[i].boilerplate == Some("related_link")
                        || teaser_label(&norms[i]).is_some();
                    let target = (0..n).find(|&j| {
                        j != i
                            && units[j].boilerplate.is_none()
                            && matches!(fate[j], Fate::Keep | Fate::Replaces(_))
                            && starts_with_words(&norms[j], &core, labelled)
                            && teaser_core(ut(j), false).is_none()
                    });
                    if let Some(j) = target {
                        fate[i] = Fate::Remove(Reason::Teaser, Some(j));
                        continue;
                    }
                }
            }
            if units[i].boilerplate.is_some() {
                fate[i] = Fate::Remove(Reason::BoilerplateLine, None);
            }
        }

        // 5. Order: kept units in place, except those a later copy places elsewhere. A
        // new paragraph of a later copy waits until the next repeat shows where that copy
        // is; it then goes right before the earlier twin of that repeat when the copies
        // agree on the place.
        let mut list = Slots::new(n);
        let mut moved: Vec<usize> = Vec::new();
        let mut cursor: Option<usize> = None;
        let mut pending: Vec<usize> = Vec::new();
        for &i in &content {
            let repeat_of = match fate[i] {
                Fate::Remove(Reason::RepeatedBlock | Reason::NearRepeat, Some(of))
                    if rep[i].is_some() =>
                {
                    Some(of)
                }
                Fate::Replaces(of) => Some(of),
                _ => None,
            };
            if let Some(of) = repeat_of {
                // The copies agree on a place only when the repeats around the waiting
                // paragraphs are close in the earlier copy and in the same order (P3 … new
                // … P4, or P2 … new … P4 where the later copy replaced P3); a copy that
                // jumps elsewhere says nothing, and the paragraphs stay in order.
                let agreed = cursor.filter(|&c| {
                    list.contains(c)
                        && list.contains(of)
                        && pos[of] > pos[c]
                        && pos[of] - pos[c] <= 1 + MAX_NEW_BETWEEN
                });
                for p in pending.drain(..) {
                    if agreed.is_some() {
                        list.insert_before(of, p);
                        moved.push(p);
                    } else {
                        list.push_back(p);
                    }
                }
                cursor = Some(of);
            } else if fate[i] == Fate::Keep || replaced_by[i].is_some() {
                if cursor.is_some() {
                    pending.push(i);
                } else {
                    list.push_back(i);
                }
            }
        }
        for p in pending {
            list.push_back(p);
        }
        // 6. The headline repeated as the first body line, judged in output order: the
        // first paragraph again within the next three, with only short lines (a byline, a
        // date) between. A line kept a third time anywhere is not a scraped headline but
        // spam or style, and stays for the quality rules to judge.
        let kept: Vec<usize> = list.iter().collect();
        let shown = |slot: usize| replaced_by[slot].unwrap_or(slot);
        if let Some((&h, rest)) = kept.split_first() {
            let same = |a: usize, b: usize| {
                let (a, b) = (shown(a), shown(b));
                units[a].key.is_some()
                    && units[a].key == units[b].key
                    && text::same_fingerprint(ut(a), ut(b))
            };
            let limit = rest.len().min(MAX_HEADLINE_GAP + 1);
            if let Some(k) = (0..limit).find(|&k| same(h, rest[k])) {
                let i = rest[k];
                // Lines between are a byline or a date: short and found only once. (A chorus
                // repeats its first line after others that repeat too.)
                let between_short = rest[..k]
                    .iter()
                    .all(|&x| !long(shown(x)) && !kept.iter().any(|&y| y != x && same(x, y)));
                let elsewhere = rest.iter().any(|&x| x != i && same(h, x));
                if fate[i] == Fate::Keep && between_short && !elsewhere {
                    fate[i] = Fate::Remove(Reason::RepeatedHeadline, Some(shown(h)));
                    list.remove(i);
                    moved.retain(|&p| p != i);
                }
            }
        }
        let moves: Vec<(usize, usize)> = moved.iter().map(|&p| (p, list.prev[p])).collect();
        let display = |slot: usize| replaced_by[slot].unwrap_or(slot);

        // The edit log, in input order; consecutive lines of one repeated block (repeating
        // consecutive lines) make one edit.
        let mut edits: Vec<Edit> = Vec::new();
        let mut last: Option<(usize, Option<usize>)> = None; // (unit, of) of the last edit's end
        for i in 0..n {
            let Fate::Remove(mut reason, mut of) = fate[i] else {
                last = None;
                continue;
            };
            // The copy of a teaser is a teaser of the same paragraph.
            if let Some(Fate::Remove(Reason::Teaser, target)) = of.map(|o| fate[o]) {
                reason = Reason::Teaser;
                of = target;
            }
            let similarity = rep[i]
                .or_else(|| replaced_by[i].and_then(|l| rep[l]))
                .and_then(|r| match r.kind {
                    RepKind::Near(s) => Some(s),
                    RepKind::Exact => None,
                });
            let line = units[i].line.number;
            let of_line = of.map(|o| units[o].line.number);
            if let (Some((lu, lof)), Some(e)) = (last, edits.last_mut()) {
                let continues_of = match (lof, of) {
                    (Some(a), Some(b)) => {
                        pos[a] != usize::MAX && content.get(pos[a] + 1) == Some(&b)
                    }
                    (None, None) => true,
                    _ => false,
                };
                if lu + 1 == i
                    && e.reason == reason
                    && reason == Reason::RepeatedBlock
                    && continues_of
                {
                    e.lines[1] = line;
                    e.text.push('\n');
                    e.text.push_str(ut(i));
                    if let (Some(r), Some(ol)) = (e.repeat_of.as_mut(), of_line) {
                        r[1] = ol;
                    }
                    last = Some((i, of));
                    continue;
                }
            }
            edits.push(Edit {
                reason,
                lines: [line, line],
                text: ut(i).to_owned(),
                repeat_of: of_line.map(|l| [l, l]),
                similarity,
                rule: units[i]
                    .boilerplate
                    .filter(|_| reason == Reason::BoilerplateLine),
                after: None,
            });
            last = Some((i, of));
        }
        for &(u, at) in &moves {
            edits.push(Edit {
                reason: Reason::Moved,
                lines: [units[u].line.number; 2],
                text: ut(u).to_owned(),
                repeat_of: None,
                similarity: None,
                rule: None,
                after: Some(units[display(at)].line.number),
            });
        }
        edits.sort_by_key(|e| e.lines[0]);

        if edits.is_empty() {
            return Repaired {
                text: Cow::Borrowed(doc),
                edits,
            };
        }

        // 7. Render: each kept line with the gap that followed it in the input.
        let gap_after = |u: usize| -> &str {
            if u + 1 < n {
                &doc[units[u].line.end..units[u + 1].line.start]
            } else if u > 0 {
                &doc[units[u - 1].line.end..units[u].line.start]
            } else {
                "\n"
            }
        };
        let mut out = String::with_capacity(doc.len());
        if list.head != usize::MAX {
            out.push_str(&doc[..units[0].line.start]);
        }
        let mut slot = list.head;
        while slot != usize::MAX {
            let u = display(slot);
            out.push_str(ut(u));
            if list.next[slot] == usize::MAX {
                out.push_str(&doc[units[n - 1].line.end..]);
            } else {
                out.push_str(gap_after(u));
            }
            slot = list.next[slot];
        }
        Repaired {
            text: Cow::Owned(out),
            edits,
        }
    }
}

/// How many new paragraphs a later copy may insert between two parts of itself for a run of
/// short repeats after them to still count as part of that copy.
const MAX_NEW_BETWEEN: usize = 3;

/// A short line of a later copy must have at least this many words to count as a piece of
/// the aligned paragraph.
const MIN_PIECE_WORDS: usize = 4;

/// How many short lines (byline, date) may stand between a headline and its repeat.
const MAX_HEADLINE_GAP: usize = 2;

/// A doubly linked list over unit indices: the output order.
struct Slots {
    next: Vec<usize>,
    prev: Vec<usize>,
    head: usize,
    tail: usize,
}

impl Slots {
    const NONE: usize = usize::MAX;

    fn new(n: usize) -> Self {
        Slots {
            next: vec![Self::NONE; n],
            prev: vec![Self::NONE; n],
            head: Self::NONE,
            tail: Self::NONE,
        }
    }

    fn contains(&self, u: usize) -> bool {
        self.head == u || self.prev[u] != Self::NONE
    }

    fn push_back(&mut self, u: usize) {
        debug_assert!(!self.contains(u));
        self.prev[u] = self.tail;
        if self.tail == Self::NONE {
            self.head = u;
        } else {
            self.next[self.tail] = u;
        }
        self.tail = u;
    }

    fn remove(&mut self, u: usize) {
        let (pv, nx) = (self.prev[u], self.next[u]);
        if pv == Self::NONE {
            self.head = nx;
        } else {
            self.next[pv] = nx;
        }
        if nx == Self::NONE {
            self.tail = pv;
        } else {
            self.prev[nx] = pv;
        }
        self.prev[u] = Self::NONE;
        self.next[u] = Self::NONE;
    }

    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors((self.head != Self::NONE).then_some(self.head), |&u| {
            (self.next[u] != Self::NONE).then_some(self.next[u])
        })
    }

    fn insert_after(&mut self, at: usize, u: usize) {
        debug_assert!(!self.contains(u) && self.contains(at));
        let nx = self.next[at];
        self.prev[u] = at;
        self.next[u] = nx;
        self.next[at] = u;
        if nx == Self::NONE {
            self.tail = u;
        } else {
            self.prev[nx] = u;
        }
    }

    fn insert_before(&mut self, at: usize, u: usize) {
        debug_assert!(!self.contains(u) && self.contains(at));
        let pv = self.prev[at];
        if pv == Self::NONE {
            self.prev[u] = Self::NONE;
            self.next[u] = at;
            self.prev[at] = u;
            self.head = u;
        } else {
            self.insert_after(pv, u);
        }
    }
}

/// A cheap look at the raw line: could it carry a teaser mark at all?
fn maybe_teaser(line: &str) -> bool {
    let t = line.trim_end();
    t.ends_with('…')
        || t.ends_with("...")
        || t.ends_with("…»")
        || line.as_bytes().iter().take(48).any(|&b| b == b':')
}

/// The related-content label a normalized line starts with ("related: …"), if any.
fn teaser_label(norm: &str) -> Option<&str> {
    let (label, rest) = norm.split_once(':')?;
    boilerplate::RELATED_LABELS
        .contains(&boilerplate::strip_decoration(label))
        .then_some(rest)
}

/// Whether the words of `teaser` begin the words of `para`; the teaser's last word may be
/// cut short ("… with Russ…"). An unlabelled teaser must be shorter than the paragraph.
fn starts_with_words(para: &str, teaser: &str, labelled: bool) -> bool {
    let t: Vec<&str> = text::words(teaser).collect();
    let Some((last, head)) = t.split_last() else {
        return false;
    };
    let mut p = text::words(para);
    for w in head {
        if p.next() != Some(*w) {
            return false;
        }
    }
    let Some(pw) = p.next() else {
        return false;
    };
    if !pw.starts_with(last) {
        return false;
    }
    labelled || pw.len() > last.len() || p.next().is_some()
}

/// The words of a teaser line, label and ellipsis removed, normalized; `None` when the
/// line carries no teaser mark.
fn teaser_core(line: &str, related_link: bool) -> Option<String> {
    let norm = text::normalize(line);
    let mut s = norm.as_str();
    let mut marked = false;
    if let Some(rest) = teaser_label(&norm) {
        s = rest.trim();
        marked = true;
    }
    let trimmed =
        s.trim_end_matches(|c: char| c == '.' || c.is_whitespace() || c == '»' || c == '>');
    if s.ends_with("...") {
        marked = true;
    }
    if !marked && !related_link {
        return None;
    }
    Some(trimmed.to_owned())
}

/// Share of the word pairs of the smaller paragraph found in the other (overlap
/// coefficient over sets of normalized word bigrams).
fn similarity(a: &str, b: &str) -> f64 {
    fn pairs(s: &str) -> HashSet<u64> {
        let words: Vec<u64> = text::words(&text::normalize(s))
            .map(text::hash_str)
            .collect();
        words
            .windows(2)
            .map(|w| w[0].rotate_left(17) ^ w[1].wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect()
    }
    let (pa, pb) = (pairs(a), pairs(b));
    let smaller = pa.len().min(pb.len());
    if smaller < 4 {
        return 0.0;
    }
    let shared = pa.intersection(&pb).count();
    shared as f64 / smaller as f64
}

#[cfg(test)]
mod tests;
