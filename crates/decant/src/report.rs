//! Run statistics (`stats.json`) and the run report (`report.html`).
//!
//! A run counts what every stage did into a [`RunStats`] — per shard, then merged
//! ([`Histogram::merge`], [`RemovedLineCount::top`]) — and writes it as `stats.json`.
//! [`render_html`] turns it into one self-contained page: inline CSS and SVG, no script, no
//! network, no timestamp. The same stats always give the same bytes, so `decant report OUT`
//! can regenerate the page from `stats.json` alone.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// Everything a run did, as written to stats.json.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunStats {
    /// The decant version that made the run.
    pub version: String,
    /// The effective pipeline config (TOML text).
    pub config: String,
    /// One entry per input file, in input order.
    pub inputs: Vec<InputStats>,
    /// What became of the documents.
    pub documents: DocCounts,
    /// Bytes of document text read.
    pub text_bytes_in: u64,
    /// Bytes of document text written.
    pub text_bytes_out: u64,
    /// The steps, in pipeline order.
    pub steps: Vec<StepStats>,
    /// Characters per document, every document read.
    pub length_before: Histogram,
    /// Characters per document, every document kept.
    pub length_after: Histogram,
    /// Duplicate cluster size (members, the survivor included) → number of clusters.
    pub cluster_sizes: BTreeMap<u64, u64>,
    /// The most frequent removed lines, most frequent first (see [`RemovedLineCount::top`]).
    pub top_removed_lines: Vec<RemovedLineCount>,
    /// Wall seconds per stage (`"clean"`, `"dedup"`, `"write"`, `"total"`).
    pub seconds: BTreeMap<String, f64>,
}

/// What a run read from one input file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InputStats {
    /// The file as the user named it.
    pub file: String,
    /// Shards the file was read in.
    pub shards: u64,
    /// Documents read from it.
    pub documents: u64,
    /// Records that could not be parsed.
    pub errored: u64,
    /// Records skipped on purpose.
    pub skipped: u64,
    /// Bytes of the file.
    pub bytes: u64,
}

/// What became of the documents. `read = kept + rejected + errored` must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocCounts {
    /// Documents read, errored records included.
    pub read: u64,
    /// Documents written.
    pub kept: u64,
    /// Documents a step dropped.
    pub rejected: u64,
    /// Records that could not be parsed.
    pub errored: u64,
    /// Records skipped on purpose (not documents, not in `read`).
    pub skipped_records: u64,
    /// Kept documents that repair changed.
    pub repaired: u64,
    /// Kept documents whose text any step changed.
    pub edited: u64,
}

/// One step of the pipeline: documents in, out, and why the others went.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepStats {
    /// `"repair"`, `"gopher_repetition"`, `"gopher_quality"`, `"c4"`, `"fineweb_quality"`,
    /// `"dedup"`, …
    pub name: String,
    /// Documents that reached the step.
    pub documents_in: u64,
    /// Documents the step passed on.
    pub documents_out: u64,
    /// Reason → documents dropped.
    pub rejected: BTreeMap<String, u64>,
    /// Reason → lines removed from kept documents.
    pub lines_removed: BTreeMap<String, u64>,
    /// Kept documents whose text this step changed.
    pub documents_changed: u64,
}

/// A histogram on fixed power-of-two edges.
///
/// Bin `i` is `[edges[i], edges[i + 1])`; the last bin is open-ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram {
    /// Lower edges of the bins, ascending.
    pub edges: Vec<u64>,
    /// Values per bin, one per edge.
    pub counts: Vec<u64>,
}

/// How often one line was removed from kept documents, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemovedLineCount {
    /// The line, without its terminator.
    pub text: String,
    /// Why it went, as `step/reason` (`c4/no_terminal_punct`).
    pub reason: String,
    /// Times it was removed.
    pub count: u64,
}

impl Default for Histogram {
    /// Edges 0, 16, 32, 64, …, 2^24: 22 bins, from "shorter than 16" to "16 M and more".
    fn default() -> Self {
        let mut edges = vec![0];
        edges.extend((4..=24).map(|p| 1u64 << p));
        let counts = vec![0; edges.len()];
        Histogram { edges, counts }
    }
}

impl Histogram {
    /// The bin `value` falls in: the last edge not above it (bin 0 for values below the
    /// first edge).
    pub fn bin(&self, value: u64) -> usize {
        self.edges
            .partition_point(|&e| e <= value)
            .saturating_sub(1)
    }

    /// Counts `value` once.
    pub fn add(&mut self, value: u64) {
        self.add_n(value, 1);
    }

    /// Counts `value` `n` times.
    pub fn add_n(&mut self, value: u64, n: u64) {
        let i = self.bin(value);
        if self.counts.len() <= i {
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] = self.counts[i].saturating_add(n);
    }

    /// Adds `other`'s counts. Histograms on the same edges add bin by bin; on other edges
    /// each of `other`'s bins is counted at its lower edge.
    pub fn merge(&mut self, other: &Histogram) {
        if self.edges == other.edges {
            if self.counts.len() < other.counts.len() {
                self.counts.resize(other.counts.len(), 0);
            }
            for (c, o) in self.counts.iter_mut().zip(&other.counts) {
                *c = c.saturating_add(*o);
            }
        } else {
            for (i, &n) in other.counts.iter().enumerate() {
                let lower = other.edges.get(i).or(other.edges.last()).copied();
                self.add_n(lower.unwrap_or(0), n);
            }
        }
    }

    /// Values counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().fold(0, |a, &c| a.saturating_add(c))
    }
}

impl RemovedLineCount {
    /// The `n` most frequent lines, equal `(text, reason)` entries summed; most frequent
    /// first, ties by reason then text, so the list is the same however the run was sharded.
    ///
    /// Feed it every line's full count (per-shard lists merged before truncation): a list
    /// cut to `n` per shard can miss lines frequent overall.
    pub fn top(
        lines: impl IntoIterator<Item = RemovedLineCount>,
        n: usize,
    ) -> Vec<RemovedLineCount> {
        let mut sums: BTreeMap<(String, String), u64> = BTreeMap::new();
        for line in lines {
            let count = sums.entry((line.reason, line.text)).or_default();
            *count = count.saturating_add(line.count);
        }
        let mut top: Vec<_> = sums
            .into_iter()
            .map(|((reason, text), count)| RemovedLineCount {
                text,
                reason,
                count,
            })
            .collect();
        top.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.reason.cmp(&b.reason))
                .then_with(|| a.text.cmp(&b.text))
        });
        top.truncate(n);
        top
    }
}

impl DocCounts {
    /// Whether `read = kept + rejected + errored`.
    pub fn conservation_holds(&self) -> bool {
        u128::from(self.read)
            == u128::from(self.kept) + u128::from(self.rejected) + u128::from(self.errored)
    }
}

impl StepStats {
    /// Documents dropped, all reasons.
    pub fn rejected_total(&self) -> u64 {
        sum(self.rejected.values())
    }

    /// Lines removed from kept documents, all reasons.
    pub fn lines_removed_total(&self) -> u64 {
        sum(self.lines_removed.values())
    }
}

impl RunStats {
    /// Seconds for the whole run: `seconds["total"]`, else the sum of the stages.
    pub fn total_seconds(&self) -> Option<f64> {
        match self.seconds.get("total") {
            Some(&t) => t.is_finite().then_some(t),
            None if self.seconds.is_empty() => None,
            None => {
                let t: f64 = self.seconds.values().sum();
                t.is_finite().then_some(t)
            }
        }
    }

    /// Every way the counts disagree with each other, in words; empty when they add up.
    /// The first check is the conservation law `read = kept + rejected + errored`.
    pub fn inconsistencies(&self) -> Vec<String> {
        let d = &self.documents;
        let mut problems = Vec::new();
        if !d.conservation_holds() {
            problems.push(format!(
                "read ({}) ≠ kept + rejected + errored ({} + {} + {} = {})",
                int(d.read),
                int(d.kept),
                int(d.rejected),
                int(d.errored),
                int(d.kept.saturating_add(d.rejected).saturating_add(d.errored)),
            ));
        }
        for s in &self.steps {
            let dropped = s.rejected_total();
            if u128::from(s.documents_in) != u128::from(s.documents_out) + u128::from(dropped) {
                problems.push(format!(
                    "step {}: in ({}) ≠ out ({}) + rejected ({})",
                    s.name,
                    int(s.documents_in),
                    int(s.documents_out),
                    int(dropped)
                ));
            }
        }
        for w in self.steps.windows(2) {
            if w[0].documents_out != w[1].documents_in {
                problems.push(format!(
                    "step {} passes on {} documents but step {} receives {}",
                    w[0].name,
                    int(w[0].documents_out),
                    w[1].name,
                    int(w[1].documents_in)
                ));
            }
        }
        if !self.steps.is_empty() {
            let dropped = self
                .steps
                .iter()
                .map(StepStats::rejected_total)
                .fold(0, u64::saturating_add);
            if dropped != d.rejected {
                problems.push(format!(
                    "the steps rejected {} documents, the run counts {} rejected",
                    int(dropped),
                    int(d.rejected)
                ));
            }
        }
        let after = self.length_after.total();
        if after != 0 && after != d.kept {
            problems.push(format!(
                "the length histogram of kept documents holds {} documents, {} were kept",
                int(after),
                int(d.kept)
            ));
        }
        problems
    }
}

fn sum<'a>(values: impl Iterator<Item = &'a u64>) -> u64 {
    values.fold(0, |a, &v| a.saturating_add(v))
}

// ---------------------------------------------------------------------------------------
// The page
// ---------------------------------------------------------------------------------------

/// Writing to a `String` cannot fail.
macro_rules! put {
    ($out:expr, $($arg:tt)*) => {{
        let _ = write!($out, $($arg)*);
    }};
}

/// Size buckets of the cluster chart: 2, 3, …, `CLUSTER_CAP - 1`, then "≥ CLUSTER_CAP".
const CLUSTER_CAP: u64 = 32;
/// Removed lines are shown up to this many characters.
const LINE_CHARS: usize = 160;
/// Rows of the rejection chart before the rest are summed into one.
const REJECTION_BARS: usize = 24;
/// Rows of the long tables before the rest are summarised.
const TABLE_ROWS: usize = 500;

/// Step colours, in pipeline order (Okabe–Ito and Tableau hues, readable on white).
const PALETTE: [&str; 8] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#b07aa1", "#9c755f", "#edc948",
];
const COLOR_BEFORE: &str = "#a5b4c8";
const COLOR_AFTER: &str = "#2f6fb3";

const STYLE: &str = r#"
:root{color-scheme:light}
*{box-sizing:border-box}
body{margin:0;background:#eef1f4;color:#1f2328;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif}
main{max-width:1040px;margin:0 auto;padding:28px 36px 56px;background:#fff;min-height:100vh}
h1{font-size:26px;margin:0 0 2px;font-weight:650}
h2{font-size:19px;margin:40px 0 10px;padding-bottom:4px;border-bottom:1px solid #d8dee4;font-weight:650}
a{color:#0b5cad;text-decoration:none}
a:hover{text-decoration:underline}
.meta{color:#59636e;margin:0 0 10px;font-size:14px}
nav{font-size:14px;margin:0 0 18px;color:#59636e}
nav a{margin-right:14px;white-space:nowrap}
.summary{font-size:16.5px;margin:8px 0}
.summary b{font-variant-numeric:tabular-nums}
.summary span,.sub span{white-space:nowrap}
.sub{color:#3d444d;margin:4px 0}
.note{color:#59636e;font-size:13.5px;margin:4px 0}
.check{margin:12px 0;padding:8px 12px;border-radius:6px;font-variant-numeric:tabular-nums}
.check.ok{background:#dafbe1;border:1px solid #9fdfae;color:#116329}
.check.bad{background:#ffebe9;border:1px solid #ff8182;color:#a40e26;font-weight:600}
.check ul{margin:4px 0 0;padding-left:0;list-style:none;font-weight:400}
.empty{color:#59636e;font-style:italic}
.legend{font-size:13.5px;color:#3d444d;margin:4px 0}
.legend i{display:inline-block;width:12px;height:12px;border-radius:2px;margin:0 5px -1px 12px}
.legend i:first-child{margin-left:0}
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:14px}
table.narrow{width:auto;min-width:480px}
th,td{padding:4px 8px;border-bottom:1px solid #e6e9ec;text-align:left;vertical-align:baseline}
th{background:#f6f8fa;font-weight:600;border-bottom:1px solid #d0d7de}
.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.t{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px;white-space:pre-wrap;overflow-wrap:anywhere}
td.f{overflow-wrap:anywhere}
tr.total td{font-weight:600;border-top:2px solid #d0d7de;border-bottom:none}
td.sep{border-top:2px solid #d0d7de}
details{margin:6px 0}
summary{cursor:pointer;color:#0b5cad;font-size:14px}
svg{display:block;max-width:100%;height:auto;margin:10px 0}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif;font-size:12px;fill:#1f2328;font-variant-numeric:tabular-nums}
svg text.m{fill:#59636e}
svg text.s{font-size:11px}
svg .grid{stroke:#e3e7eb;stroke-width:1}
svg .axis{stroke:#8c959f;stroke-width:1}
pre{background:#f6f8fa;border:1px solid #d8dee4;border-radius:6px;padding:12px 14px;overflow:auto;font-size:13px;line-height:1.45}
footer{margin-top:40px;color:#6e7781;font-size:13px}
"#;

/// The report as one self-contained HTML page (inline CSS and SVG; no script, no network,
/// no external font). Everything that comes from the data is escaped.
pub fn render_html(stats: &RunStats) -> String {
    let mut out = String::with_capacity(64 * 1024);
    head(&mut out, stats);
    summary(&mut out, stats);
    funnel(&mut out, stats);
    rejections(&mut out, stats);
    lines_removed(&mut out, stats);
    lengths(&mut out, stats);
    clusters(&mut out, stats);
    top_lines(&mut out, stats);
    inputs(&mut out, stats);
    timing(&mut out, stats);
    config(&mut out, stats);
    put!(
        out,
        "<footer>Written by decant{}{} from stats.json.</footer>\n</main>\n</body>\n</html>\n",
        if stats.version.is_empty() { "" } else { " " },
        esc(&stats.version)
    );
    out
}

fn head(out: &mut String, stats: &RunStats) {
    put!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <title>decant run report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n\
         <h1>decant run report</h1>\n"
    );
    let version = if stats.version.is_empty() {
        "decant (version not recorded)".to_owned()
    } else {
        format!("decant {}", esc(&stats.version))
    };
    let inputs = stats.inputs.len();
    put!(
        out,
        "<p class=\"meta\">{version} · {} input file{}</p>\n",
        int(inputs as u64),
        if inputs == 1 { "" } else { "s" }
    );
    out.push_str("<nav>");
    for (id, name) in [
        ("funnel", "Funnel"),
        ("rejections", "Rejections"),
        ("lines", "Lines removed"),
        ("lengths", "Lengths"),
        ("duplicates", "Duplicates"),
        ("top-lines", "Top removed lines"),
        ("inputs", "Inputs"),
        ("timing", "Timing"),
        ("config", "Config"),
    ] {
        put!(out, "<a href=\"#{id}\">{name}</a>");
    }
    out.push_str("</nav>\n");
}

fn summary(out: &mut String, stats: &RunStats) {
    let d = &stats.documents;
    put!(
        out,
        "<p class=\"summary\"><span><b>{}</b> documents read</span> → <span><b>{}</b> kept ({})</span> · \
         <span><b>{}</b> rejected ({})</span> · <span><b>{}</b> errored ({})</span>",
        int(d.read),
        int(d.kept),
        pct(d.kept, d.read),
        int(d.rejected),
        pct(d.rejected, d.read),
        int(d.errored),
        pct(d.errored, d.read),
    );
    put!(
        out,
        " · <span>{} skipped record{}</span></p>\n",
        int(d.skipped_records),
        if d.skipped_records == 1 { "" } else { "s" }
    );
    put!(
        out,
        "<p class=\"sub\"><span>Text <b>{}</b> → <b>{}</b> ({})</span> · <span>",
        bytes(stats.text_bytes_in),
        bytes(stats.text_bytes_out),
        pct(stats.text_bytes_out, stats.text_bytes_in)
    );
    match stats.total_seconds() {
        Some(t) => put!(
            out,
            "<b>{}</b> at {} of text</span>",
            secs(t),
            rate(stats.text_bytes_in, t)
        ),
        None => out.push_str("time not recorded</span>"),
    }
    put!(
        out,
        " · <span>of the kept documents {} repaired ({}),</span> <span>{} edited ({})</span></p>\n",
        int(d.repaired),
        pct(d.repaired, d.kept),
        int(d.edited),
        pct(d.edited, d.kept)
    );
    let problems = stats.inconsistencies();
    let total = d.kept.saturating_add(d.rejected).saturating_add(d.errored);
    if d.conservation_holds() {
        put!(
            out,
            "<div class=\"check ok\">✓ read = kept + rejected + errored: {} = {} + {} + {}",
            int(d.read),
            int(d.kept),
            int(d.rejected),
            int(d.errored)
        );
    } else {
        let diff = d.read.abs_diff(total);
        put!(
            out,
            "<div class=\"check bad\">✗ read ≠ kept + rejected + errored: {} ≠ {} + {} + {} = {} (off by {})",
            int(d.read),
            int(d.kept),
            int(d.rejected),
            int(d.errored),
            int(total),
            int(diff)
        );
    }
    let others: Vec<_> = problems
        .iter()
        .skip(usize::from(!d.conservation_holds()))
        .collect();
    if !others.is_empty() {
        out.push_str("<ul class=\"bad\">");
        for p in others {
            put!(out, "<li>⚠ {}</li>", esc(p));
        }
        out.push_str("</ul>");
    }
    out.push_str("</div>\n");
}

fn funnel(out: &mut String, stats: &RunStats) {
    out.push_str("<h2 id=\"funnel\">Funnel</h2>\n");
    if stats.steps.is_empty() {
        out.push_str("<p class=\"empty\">No steps recorded.</p>\n");
        return;
    }
    put!(
        out,
        "<p class=\"legend\"><i style=\"background:#cfd8e3\"></i>documents in\
         <i style=\"background:{COLOR_AFTER}\"></i>documents out\
         <span class=\"note\"> — scale: the largest step input</span></p>\n"
    );
    let scale = stats
        .steps
        .iter()
        .map(|s| s.documents_in.max(s.documents_out))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let (row, label_right, bar_x, bar_w) = (30.0, 170.0, 178.0, 470.0);
    let height = row * stats.steps.len() as f64 + 8.0;
    svg_open(out, CHART_W, height, "Documents in and out of each step");
    for (i, s) in stats.steps.iter().enumerate() {
        let y = 4.0 + row * i as f64;
        let w_in = bar_w * s.documents_in as f64 / scale;
        let w_out = bar_w * s.documents_out as f64 / scale;
        let dropped = s.documents_in.saturating_sub(s.documents_out);
        put!(
            out,
            "<g><title>{}: {} in, {} out, {} dropped ({})</title>",
            esc(&s.name),
            int(s.documents_in),
            int(s.documents_out),
            int(dropped),
            pct(dropped, s.documents_in)
        );
        put!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            px(label_right),
            px(y + 18.0),
            esc(&clip(&s.name, 24))
        );
        put!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"22\" rx=\"2\" fill=\"#cfd8e3\"/>",
            px(bar_x),
            px(y + 2.0),
            px(w_in)
        );
        put!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"22\" rx=\"2\" fill=\"{COLOR_AFTER}\"/>",
            px(bar_x),
            px(y + 2.0),
            px(w_out)
        );
        put!(
            out,
            "<text x=\"{}\" y=\"{}\">{} → {}</text>",
            px(bar_x + bar_w + 12.0),
            px(y + 18.0),
            int(s.documents_in),
            int(s.documents_out)
        );
        let change = if dropped == 0 {
            "no drops".to_owned()
        } else {
            format!("−{} ({})", int(dropped), pct(dropped, s.documents_in))
        };
        put!(
            out,
            "<text class=\"m\" x=\"{}\" y=\"{}\">{change}</text></g>\n",
            px(CHART_W - 150.0),
            px(y + 18.0)
        );
    }
    out.push_str("</svg>\n");
}

/// `(step index, step, reason, documents)` for every rejection reason, largest first.
fn rejection_rows(stats: &RunStats) -> Vec<(usize, &str, &str, u64)> {
    let mut rows: Vec<_> = stats
        .steps
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            s.rejected
                .iter()
                .map(move |(r, &n)| (i, s.name.as_str(), r.as_str(), n))
        })
        .filter(|r| r.3 > 0)
        .collect();
    rows.sort_by(|a, b| b.3.cmp(&a.3).then(a.0.cmp(&b.0)).then(a.2.cmp(b.2)));
    rows
}

fn rejections(out: &mut String, stats: &RunStats) {
    out.push_str("<h2 id=\"rejections\">Rejections</h2>\n");
    let rows = rejection_rows(stats);
    if rows.is_empty() {
        out.push_str("<p class=\"empty\">No documents were rejected.</p>\n");
        return;
    }
    let read = stats.documents.read;
    rejection_chart(out, stats, &rows);
    out.push_str(
        "<table><thead><tr><th>Step</th><th>Reason</th><th class=\"n\">Documents</th>\
         <th class=\"n\">% of step input</th><th class=\"n\">% of read</th></tr></thead><tbody>\n",
    );
    let mut total = 0u64;
    for &(i, step, reason, n) in &rows {
        total = total.saturating_add(n);
        put!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
            esc(step),
            esc(reason),
            int(n),
            pct(n, stats.steps[i].documents_in),
            pct(n, read)
        );
    }
    put!(
        out,
        "<tr class=\"total\"><td>All steps</td><td></td><td class=\"n\">{}</td><td></td><td class=\"n\">{}</td></tr>\n</tbody></table>\n",
        int(total),
        pct(total, read)
    );
}

/// One bar of the rejection chart.
struct Bar {
    /// Index of the step (its colour); `None` for the sum of the rest.
    step: Option<usize>,
    label: String,
    title: String,
    documents: u64,
}

fn rejection_chart(out: &mut String, stats: &RunStats, rows: &[(usize, &str, &str, u64)]) {
    let mut bars: Vec<Bar> = rows
        .iter()
        .take(REJECTION_BARS)
        .map(|&(i, step, reason, documents)| Bar {
            step: Some(i),
            label: bar_label(step, reason),
            title: format!("{step} · {reason}"),
            documents,
        })
        .collect();
    if rows.len() > REJECTION_BARS {
        let rest = &rows[REJECTION_BARS..];
        let label = format!("{} other reasons", rest.len());
        bars.push(Bar {
            step: None,
            title: label.clone(),
            label,
            documents: rest.iter().fold(0u64, |a, r| a.saturating_add(r.3)),
        });
    }
    out.push_str("<p class=\"legend\">");
    for (i, s) in stats.steps.iter().enumerate() {
        if s.rejected_total() > 0 {
            put!(
                out,
                "<i style=\"background:{}\"></i>{}",
                PALETTE[i % PALETTE.len()],
                esc(&s.name)
            );
        }
    }
    out.push_str("</p>\n");
    let max = bars.iter().map(|b| b.documents).max().unwrap_or(0).max(1) as f64;
    let (row, label_right, bar_x, bar_w) = (24.0, 356.0, 364.0, 410.0);
    let height = row * bars.len() as f64 + 8.0;
    svg_open(
        out,
        CHART_W,
        height,
        "Documents rejected per step and reason",
    );
    for (k, bar) in bars.iter().enumerate() {
        let y = 4.0 + row * k as f64;
        let color = bar.step.map_or("#8c959f", |i| PALETTE[i % PALETTE.len()]);
        let width = bar_w * bar.documents as f64 / max;
        put!(
            out,
            "<g><title>{}: {} documents</title><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            esc(&bar.title),
            int(bar.documents),
            px(label_right),
            px(y + 15.0),
            esc(&bar.label)
        );
        put!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"17\" rx=\"2\" fill=\"{color}\"/>",
            px(bar_x),
            px(y + 2.0),
            px(width.max(1.0))
        );
        put!(
            out,
            "<text x=\"{}\" y=\"{}\">{} <tspan class=\"m\">({} of read)</tspan></text></g>\n",
            px(bar_x + width + 8.0),
            px(y + 15.0),
            int(bar.documents),
            pct(bar.documents, stats.documents.read)
        );
    }
    out.push_str("</svg>\n");
}

/// `"step · reason"` in at most 52 characters: a long step name gives way first, the
/// reason being what the reader looks for.
fn bar_label(step: &str, reason: &str) -> String {
    let step = clip(step, 18);
    let room = 52 - 3 - step.chars().count();
    format!("{step} · {}", clip(reason, room))
}

fn lines_removed(out: &mut String, stats: &RunStats) {
    out.push_str("<h2 id=\"lines\">Lines removed from kept documents</h2>\n");
    let steps: Vec<_> = stats
        .steps
        .iter()
        .filter(|s| s.lines_removed_total() > 0 || s.documents_changed > 0)
        .collect();
    if steps.is_empty() {
        out.push_str("<p class=\"empty\">No step changed the text of a kept document.</p>\n");
        return;
    }
    out.push_str(
        "<table><thead><tr><th>Step</th><th class=\"n\">Documents changed</th><th>Reason</th>\
         <th class=\"n\">Lines removed</th><th class=\"n\">Share of step</th></tr></thead><tbody>\n",
    );
    let mut total = 0u64;
    for s in steps {
        let mut reasons: Vec<_> = s.lines_removed.iter().filter(|r| *r.1 > 0).collect();
        reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let step_total = s.lines_removed_total();
        total = total.saturating_add(step_total);
        let span = reasons.len().max(1);
        put!(
            out,
            "<tr><td class=\"sep\" rowspan=\"{span}\">{}</td><td class=\"n sep\" rowspan=\"{span}\">{}</td>",
            esc(&s.name),
            int(s.documents_changed)
        );
        if reasons.is_empty() {
            out.push_str(
                "<td class=\"sep empty\">text changed, no lines counted</td><td class=\"n sep\">–</td><td class=\"n sep\"></td></tr>\n",
            );
        }
        for (k, (reason, &n)) in reasons.into_iter().enumerate() {
            let sep = if k == 0 { " sep" } else { "" };
            if k > 0 {
                out.push_str("<tr>");
            }
            put!(
                out,
                "<td class=\"{sep}\">{}</td><td class=\"n{sep}\">{}</td><td class=\"n{sep}\">{}</td></tr>\n",
                esc(reason),
                int(n),
                pct(n, step_total)
            );
        }
    }
    put!(
        out,
        "<tr class=\"total\"><td>All steps</td><td class=\"n\">{}</td><td></td><td class=\"n\">{}</td><td></td></tr>\n</tbody></table>\n",
        int(stats.documents.edited),
        int(total)
    );
    out.push_str("<p class=\"note\">The “All steps” documents figure is the run's count of edited documents (a document changed by two steps counts once).</p>\n");
}

fn lengths(out: &mut String, stats: &RunStats) {
    out.push_str("<h2 id=\"lengths\">Document length</h2>\n");
    // Both series on the edges of `length_before` (the default edges if it has none).
    let edges = if stats.length_before.edges.is_empty() {
        Histogram::default().edges
    } else {
        stats.length_before.edges.clone()
    };
    let mut before = Histogram {
        counts: vec![0; edges.len()],
        edges: edges.clone(),
    };
    before.merge(&stats.length_before);
    let mut after = Histogram {
        counts: vec![0; edges.len()],
        edges,
    };
    after.merge(&stats.length_after);
    let bins = before.edges.len();
    let nonzero = |i: &usize| {
        before.counts.get(*i).copied().unwrap_or(0) > 0
            || after.counts.get(*i).copied().unwrap_or(0) > 0
    };
    let (Some(first), Some(last)) = ((0..bins).find(nonzero), (0..bins).rev().find(nonzero)) else {
        out.push_str("<p class=\"empty\">No documents.</p>\n");
        return;
    };
    let labels: Vec<String> = (first..=last)
        .map(|i| bin_label(&before.edges, i))
        .collect();
    let get = |h: &Histogram| -> Vec<u64> {
        (first..=last)
            .map(|i| h.counts.get(i).copied().unwrap_or(0))
            .collect()
    };
    let (b, a) = (get(&before), get(&after));
    put!(
        out,
        "<p class=\"legend\"><i style=\"background:{COLOR_BEFORE}\"></i>read ({} documents)\
         <i style=\"background:{COLOR_AFTER}\"></i>kept ({} documents)</p>\n",
        int(stats.length_before.total()),
        int(stats.length_after.total())
    );
    column_chart(
        out,
        &Columns {
            labels: &labels,
            series: &[("read", COLOR_BEFORE, &b), ("kept", COLOR_AFTER, &a)],
            log: false,
            value_labels: false,
            x_title: "characters per document (log-scale bins; k = 1,024, M = 1,048,576)",
            y_title: "documents",
            aria: "Document length before and after",
        },
    );
    out.push_str(
        "<details><summary>Counts per bin</summary><table><thead><tr><th>Characters</th>\
         <th class=\"n\">Read</th><th class=\"n\">Kept</th><th class=\"n\">Kept / read</th></tr></thead><tbody>\n",
    );
    for ((label, &nb), &na) in labels.iter().zip(&b).zip(&a) {
        put!(
            out,
            "<tr><td>{label}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
            int(nb),
            int(na),
            pct(na, nb)
        );
    }
    out.push_str("</tbody></table></details>\n");
}

fn clusters(out: &mut String, stats: &RunStats) {
    out.push_str("<h2 id=\"duplicates\">Duplicate clusters</h2>\n");
    let sizes: Vec<(u64, u64)> = stats
        .cluster_sizes
        .iter()
        .filter(|&(_, &n)| n > 0)
        .map(|(&s, &n)| (s, n))
        .collect();
    if sizes.is_empty() {
        out.push_str("<p class=\"empty\">No duplicates: no cluster was found.</p>\n");
        return;
    }
    let clusters = sum(sizes.iter().map(|(_, n)| n));
    let members = sizes
        .iter()
        .fold(0u64, |a, &(s, n)| a.saturating_add(s.saturating_mul(n)));
    let removed = sizes.iter().fold(0u64, |a, &(s, n)| {
        a.saturating_add(s.saturating_sub(1).saturating_mul(n))
    });
    let largest = sizes.last().map_or(0, |s| s.0);
    put!(
        out,
        "<p><b>{}</b> clusters holding <b>{}</b> documents; <b>{}</b> documents removed as duplicates \
         ({} of read), one survivor kept per cluster.</p>\n",
        int(clusters),
        int(members),
        int(removed),
        pct(removed, stats.documents.read),
    );
    // The largest clusters by name: a few huge ones are usually templates worth a look.
    let largest_sizes: Vec<String> = sizes
        .iter()
        .rev()
        .take(8)
        .map(|&(size, n)| {
            if n == 1 {
                int(size)
            } else {
                format!("{} (×{})", int(size), int(n))
            }
        })
        .collect();
    put!(
        out,
        "<p class=\"note\">Largest clusters: {} documents.</p>\n",
        largest_sizes.join(" · ")
    );
    let lo = sizes[0].0.min(2);
    let hi = largest.min(CLUSTER_CAP - 1);
    let mut labels: Vec<String> = (lo..=hi).map(int).collect();
    let mut counts: Vec<u64> = (lo..=hi)
        .map(|s| stats.cluster_sizes.get(&s).copied().unwrap_or(0))
        .collect();
    if largest >= CLUSTER_CAP {
        labels.push(format!("≥{CLUSTER_CAP}"));
        counts.push(sum(stats
            .cluster_sizes
            .range(CLUSTER_CAP..)
            .map(|(_, n)| n)));
    }
    column_chart(
        out,
        &Columns {
            labels: &labels,
            series: &[("clusters", PALETTE[0], &counts)],
            log: true,
            value_labels: true,
            x_title: "cluster size (documents)",
            y_title: "clusters (log scale)",
            aria: "Duplicate clusters by size",
        },
    );
}

fn top_lines(out: &mut String, stats: &RunStats) {
    out.push_str("<h2 id=\"top-lines\">Top removed lines</h2>\n");
    if stats.top_removed_lines.is_empty() {
        out.push_str("<p class=\"empty\">No lines removed.</p>\n");
        return;
    }
    out.push_str(
        "<table><thead><tr><th class=\"n\">#</th><th class=\"n\">Count</th><th>Reason</th><th>Line</th></tr></thead><tbody>\n",
    );
    for (i, l) in stats.top_removed_lines.iter().take(TABLE_ROWS).enumerate() {
        let clipped = clip(&l.text, LINE_CHARS);
        // A cut line shows the rest on hover (up to a limit: the page must stay small).
        let title = if clipped.len() < l.text.len() {
            format!(" title=\"{}\"", esc(&clip(&l.text, 4 * LINE_CHARS)))
        } else {
            String::new()
        };
        let shown = if l.text.trim().is_empty() {
            "<span class=\"empty\">(blank line)</span>".to_owned()
        } else {
            esc(&clipped)
        };
        put!(
            out,
            "<tr><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"t\"{title}>{shown}</td></tr>\n",
            i + 1,
            int(l.count),
            esc(&l.reason)
        );
    }
    out.push_str("</tbody></table>\n");
    more_rows(out, stats.top_removed_lines.len());
}

fn inputs(out: &mut String, stats: &RunStats) {
    out.push_str("<h2 id=\"inputs\">Inputs</h2>\n");
    if stats.inputs.is_empty() {
        out.push_str("<p class=\"empty\">No inputs recorded.</p>\n");
        return;
    }
    out.push_str(
        "<table><thead><tr><th>File</th><th class=\"n\">Shards</th><th class=\"n\">Documents</th>\
         <th class=\"n\">Errored</th><th class=\"n\">Skipped</th><th class=\"n\">Bytes</th></tr></thead><tbody>\n",
    );
    let row = |out: &mut String, class: &str, name: &str, i: &InputStats| {
        put!(
            out,
            "<tr{class}><td class=\"f\">{name}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\" title=\"{} bytes\">{}</td></tr>\n",
            int(i.shards),
            int(i.documents),
            int(i.errored),
            int(i.skipped),
            int(i.bytes),
            bytes(i.bytes)
        );
    };
    let mut total = InputStats::default();
    for (k, i) in stats.inputs.iter().enumerate() {
        if k < TABLE_ROWS {
            row(out, "", &esc(&i.file), i);
        }
        total.shards = total.shards.saturating_add(i.shards);
        total.documents = total.documents.saturating_add(i.documents);
        total.errored = total.errored.saturating_add(i.errored);
        total.skipped = total.skipped.saturating_add(i.skipped);
        total.bytes = total.bytes.saturating_add(i.bytes);
    }
    if stats.inputs.len() > TABLE_ROWS {
        put!(
            out,
            "<tr><td colspan=\"6\" class=\"empty\">… and {} more files</td></tr>\n",
            int((stats.inputs.len() - TABLE_ROWS) as u64)
        );
    }
    if stats.inputs.len() > 1 {
        let name = format!("All {} files", int(stats.inputs.len() as u64));
        row(out, " class=\"total\"", &name, &total);
    }
    out.push_str("</tbody></table>\n");
}

fn timing(out: &mut String, stats: &RunStats) {
    out.push_str("<h2 id=\"timing\">Timing</h2>\n");
    if stats.seconds.is_empty() {
        out.push_str("<p class=\"empty\">No timings recorded.</p>\n");
        return;
    }
    // Known stages in pipeline order, then the others by name, the total last.
    let order = ["read", "repair", "clean", "filter", "dedup", "write"];
    let rank = |name: &str| order.iter().position(|&o| o == name).unwrap_or(order.len());
    let mut stages: Vec<_> = stats
        .seconds
        .iter()
        .filter(|(name, _)| name.as_str() != "total")
        .collect();
    stages.sort_by(|a, b| rank(a.0).cmp(&rank(b.0)).then(a.0.cmp(b.0)));
    let total = stats.total_seconds();
    out.push_str(
        "<table class=\"narrow\"><thead><tr><th>Stage</th><th class=\"n\">Seconds</th><th class=\"n\">% of total</th></tr></thead><tbody>\n",
    );
    for (name, &s) in stages {
        let share = match total {
            Some(t) if t > 0.0 && s.is_finite() => format!("{:.1}%", 100.0 * s / t),
            _ => "–".to_owned(),
        };
        put!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{share}</td></tr>\n",
            esc(name),
            secs(s)
        );
    }
    if let Some(t) = total {
        put!(
            out,
            "<tr class=\"total\"><td>total</td><td class=\"n\">{}</td><td class=\"n\"></td></tr>\n",
            secs(t)
        );
    }
    out.push_str("</tbody></table>\n");
    if let Some(t) = total {
        let files = sum(stats.inputs.iter().map(|i| &i.bytes));
        put!(
            out,
            "<p class=\"note\">Throughput: {} of document text",
            rate(stats.text_bytes_in, t)
        );
        if files > 0 {
            put!(out, ", {} of input files", rate(files, t));
        }
        out.push_str(" (1 MB = 10⁶ bytes).</p>\n");
    }
}

fn config(out: &mut String, stats: &RunStats) {
    out.push_str("<h2 id=\"config\">Config</h2>\n");
    if stats.config.trim().is_empty() {
        out.push_str("<p class=\"empty\">No config recorded.</p>\n");
    } else {
        put!(out, "<pre>{}</pre>\n", esc(stats.config.trim_end()));
    }
}

fn more_rows(out: &mut String, rows: usize) {
    if rows > TABLE_ROWS {
        put!(
            out,
            "<p class=\"note\">… and {} more not shown.</p>\n",
            int((rows - TABLE_ROWS) as u64)
        );
    }
}

// ---------------------------------------------------------------------------------------
// Charts
// ---------------------------------------------------------------------------------------

/// A column chart: one group of bars per label, one bar per series.
struct Columns<'a> {
    labels: &'a [String],
    /// `(name, colour, values)`, each as long as `labels`.
    series: &'a [(&'a str, &'a str, &'a [u64])],
    /// Heights on a log(1 + count) scale, gridlines at powers of ten.
    log: bool,
    /// The count written above each bar.
    value_labels: bool,
    x_title: &'a str,
    y_title: &'a str,
    aria: &'a str,
}

const CHART_W: f64 = 960.0;
const PLOT_LEFT: f64 = 64.0;
const PLOT_RIGHT: f64 = 12.0;
const PLOT_TOP: f64 = 18.0;
const PLOT_H: f64 = 230.0;

/// Where a column chart's parts go.
struct ColumnLayout {
    /// Width of one label's group of bars.
    group: f64,
    /// Labels too wide for their group are slanted.
    slant: bool,
    height: f64,
    /// The baseline.
    bottom: f64,
    ticks: Vec<u64>,
    /// The value at the top of the plot.
    top_value: u64,
    log: bool,
}

impl ColumnLayout {
    fn new(chart: &Columns) -> Self {
        let group = (CHART_W - PLOT_LEFT - PLOT_RIGHT) / chart.labels.len().max(1) as f64;
        // About 6.6 px per character at 11 px.
        let widest = chart
            .labels
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(1) as f64;
        let slant = widest * 6.6 + 4.0 > group;
        let label_height = if slant { widest * 4.4 + 14.0 } else { 20.0 };
        let bottom = PLOT_TOP + PLOT_H;
        let max = chart
            .series
            .iter()
            .flat_map(|s| s.2.iter().copied())
            .max()
            .unwrap_or(0);
        let (ticks, top_value) = if chart.log {
            log_ticks(max)
        } else {
            linear_ticks(max)
        };
        ColumnLayout {
            group,
            slant,
            height: bottom + label_height + 24.0,
            bottom,
            ticks,
            top_value,
            log: chart.log,
        }
    }

    /// The height of a bar for `value`; at least one pixel when the value is not zero.
    fn bar_height(&self, value: u64) -> f64 {
        let (value_f, top) = if self.log {
            ((value as f64).ln_1p(), (self.top_value as f64).ln_1p())
        } else {
            (value as f64, self.top_value as f64)
        };
        if top <= 0.0 || value == 0 {
            0.0
        } else {
            (PLOT_H * value_f / top).max(1.0)
        }
    }
}

fn column_chart(out: &mut String, chart: &Columns) {
    let layout = ColumnLayout::new(chart);
    svg_open(out, CHART_W, layout.height, chart.aria);
    for &tick in &layout.ticks {
        let y = layout.bottom - layout.bar_height(tick);
        put!(
            out,
            "<line class=\"grid\" x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/>\
             <text class=\"m s\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n",
            px(PLOT_LEFT),
            px(CHART_W - PLOT_RIGHT),
            px(y),
            px(y),
            px(PLOT_LEFT - 6.0),
            px(y + 4.0),
            compact(tick)
        );
    }
    put!(
        out,
        "<line class=\"axis\" x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/>\n",
        px(PLOT_LEFT),
        px(CHART_W - PLOT_RIGHT),
        px(layout.bottom),
        px(layout.bottom)
    );
    for (i, label) in chart.labels.iter().enumerate() {
        column_group(out, chart, &layout, i, label);
    }
    let middle = PLOT_TOP + PLOT_H / 2.0;
    put!(
        out,
        "<text class=\"m\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n\
         <text class=\"m\" x=\"14\" y=\"{}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {})\">{}</text>\n</svg>\n",
        px(PLOT_LEFT + (CHART_W - PLOT_LEFT - PLOT_RIGHT) / 2.0),
        px(layout.height - 8.0),
        esc(chart.x_title),
        px(middle),
        px(middle),
        esc(chart.y_title)
    );
}

/// The bars of label `i`, their tooltip and the label.
fn column_group(out: &mut String, chart: &Columns, layout: &ColumnLayout, i: usize, label: &str) {
    let left = PLOT_LEFT + layout.group * i as f64;
    let tip: Vec<String> = chart
        .series
        .iter()
        .map(|s| format!("{} {}", s.0, int(s.2.get(i).copied().unwrap_or(0))))
        .collect();
    put!(out, "<g><title>{}: {}</title>", esc(label), tip.join(" · "));
    let pad = (layout.group * 0.14).max(2.0);
    let bar = ((layout.group - 2.0 * pad) / chart.series.len().max(1) as f64).max(1.0);
    for (j, (_, color, values)) in chart.series.iter().enumerate() {
        let value = values.get(i).copied().unwrap_or(0);
        let height = layout.bar_height(value);
        let x = left + pad + bar * j as f64;
        put!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{color}\"/>",
            px(x),
            px(layout.bottom - height),
            px(bar - 1.0),
            px(height)
        );
        if chart.value_labels && value > 0 {
            put!(
                out,
                "<text class=\"s\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                px(x + bar / 2.0),
                px(layout.bottom - height - 4.0),
                compact(value)
            );
        }
    }
    let center = left + layout.group / 2.0;
    let y = layout.bottom + 15.0;
    if layout.slant {
        put!(
            out,
            "<text class=\"s\" x=\"{}\" y=\"{}\" text-anchor=\"end\" transform=\"rotate(-40 {} {})\">{}</text></g>\n",
            px(center + 4.0),
            px(y),
            px(center + 4.0),
            px(y),
            esc(label)
        );
    } else {
        put!(
            out,
            "<text class=\"s\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text></g>\n",
            px(center),
            px(y),
            esc(label)
        );
    }
}

fn svg_open(out: &mut String, w: f64, h: f64, label: &str) {
    put!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{}\">\n",
        px(w),
        px(h),
        px(w),
        px(h),
        esc(label)
    );
}

/// Gridline values and the axis top for counts up to `max`: a 1-2-5 step, at most 5 steps.
fn linear_ticks(max: u64) -> (Vec<u64>, u64) {
    let mut magnitude = 1u64;
    let step = loop {
        let fits = [1, 2, 5]
            .map(|m| magnitude.saturating_mul(m))
            .into_iter()
            .find(|&step| max.div_ceil(step) <= 5);
        if let Some(step) = fits {
            break step;
        }
        magnitude = magnitude.saturating_mul(10);
    };
    let top = max.div_ceil(step).max(1).saturating_mul(step);
    let ticks = (0..=top / step).map(|k| k * step).collect();
    (ticks, top)
}

/// Powers of ten up to the first at or above `max`.
fn log_ticks(max: u64) -> (Vec<u64>, u64) {
    let mut ticks = vec![1];
    let mut t = 1u64;
    while t < max {
        t = t.saturating_mul(10);
        ticks.push(t);
    }
    (ticks, t.max(1))
}

/// An SVG coordinate: one decimal, never NaN or infinite.
fn px(v: f64) -> String {
    if v.is_finite() {
        let s = format!("{v:.1}");
        match s.strip_suffix(".0") {
            Some(whole) if whole != "-0" => whole.to_owned(),
            Some(_) => "0".to_owned(),
            None => s,
        }
    } else {
        "0".to_owned()
    }
}

/// `"lo–hi"` for bin `i`, `"≥ lo"` for the last.
fn bin_label(edges: &[u64], i: usize) -> String {
    let lo = edges.get(i).copied().unwrap_or(0);
    match edges.get(i + 1) {
        Some(&hi) => format!("{}–{}", chars(lo), chars(hi)),
        None => format!("≥ {}", chars(lo)),
    }
}

/// A character count on a power-of-two edge: `512`, `1k`, `16M`.
fn chars(v: u64) -> String {
    const K: u64 = 1 << 10;
    const M: u64 = 1 << 20;
    if v >= M && v.is_multiple_of(M) {
        format!("{}M", v / M)
    } else if v >= K && v.is_multiple_of(K) {
        format!("{}k", v / K)
    } else {
        int(v)
    }
}

// ---------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------

/// HTML-escapes `s` for text and attribute values. Control characters other than tab and
/// line ends, which HTML does not allow, are shown as `\x1b`.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_ascii_control() => put!(out, "\\x{:02x}", u32::from(c)),
            c => out.push(c),
        }
    }
    out
}

/// `s` cut to `max` characters, an ellipsis marking the cut.
fn clip(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max.saturating_sub(1)) {
        Some((end, _)) if s[end..].chars().nth(1).is_some() => {
            Cow::Owned(format!("{}…", &s[..end]))
        }
        _ => Cow::Borrowed(s),
    }
}

/// `1234567` → `"1,234,567"`.
fn int(v: u64) -> String {
    let digits = v.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// A count in three significant figures at most: `950`, `12.3k`, `4.5M`.
fn compact(v: u64) -> String {
    let units = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")];
    let x = v as f64;
    for (i, &(size, unit)) in units.iter().enumerate() {
        if x >= size {
            let scaled = x / size;
            let s = if scaled < 10.0 {
                format!("{scaled:.1}")
            } else {
                format!("{scaled:.0}")
            };
            // 999,950 would print as "1000k": move up a unit.
            if s == "1000" && i > 0 {
                return format!("1{}", units[i - 1].1);
            }
            return format!("{}{unit}", s.strip_suffix(".0").unwrap_or(&s));
        }
    }
    v.to_string()
}

/// `part` as a percentage of `whole`; never "100.0%" unless equal, "–" when `whole` is 0.
fn pct(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "–".to_owned();
    }
    let p = 100.0 * part as f64 / whole as f64;
    if part == 0 {
        "0%".to_owned()
    } else if p < 0.1 {
        "<0.1%".to_owned()
    } else if part < whole && p >= 99.95 {
        ">99.9%".to_owned()
    } else {
        format!("{p:.1}%")
    }
}

/// Bytes in decimal units: `812 B`, `1.02 GB`.
fn bytes(v: u64) -> String {
    let units = [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")];
    let x = v as f64;
    for &(size, unit) in &units {
        if x >= size {
            let scaled = x / size;
            return if scaled < 100.0 {
                format!("{scaled:.2} {unit}")
            } else {
                format!("{scaled:.0} {unit}")
            };
        }
    }
    format!("{v} B")
}

fn secs(s: f64) -> String {
    if !s.is_finite() || s < 0.0 {
        return "–".to_owned();
    }
    let base = if s < 1.0 {
        format!("{s:.2} s")
    } else {
        format!("{s:.1} s")
    };
    if s >= 60.0 {
        let whole = s.round();
        let minutes = (whole / 60.0).floor();
        let rest = whole - 60.0 * minutes;
        format!("{base} ({minutes:.0} min {rest:02.0} s)")
    } else {
        base
    }
}

/// `bytes` over `seconds` in MB/s.
fn rate(bytes: u64, seconds: f64) -> String {
    if seconds.is_finite() && seconds > 0.0 {
        format!("{:.1} MB/s", bytes as f64 / 1e6 / seconds)
    } else {
        "– MB/s".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(name: &str, documents_in: u64, rejected: &[(&str, u64)]) -> StepStats {
        let rejected: BTreeMap<String, u64> =
            rejected.iter().map(|&(r, n)| (r.to_owned(), n)).collect();
        let dropped: u64 = rejected.values().sum();
        StepStats {
            name: name.to_owned(),
            documents_in,
            documents_out: documents_in - dropped,
            rejected,
            ..StepStats::default()
        }
    }

    fn lines(step: &mut StepStats, changed: u64, removed: &[(&str, u64)]) {
        step.documents_changed = changed;
        step.lines_removed = removed.iter().map(|&(r, n)| (r.to_owned(), n)).collect();
    }

    /// The filters of a run over a 1 GB crawl, starting from `documents` documents.
    fn sample_filters(documents: u64) -> Vec<StepStats> {
        let mut repair = step("repair", documents, &[]);
        lines(
            &mut repair,
            183_562,
            &[
                ("boilerplate_line", 412_907),
                ("repeated_block", 96_221),
                ("teaser", 8_410),
            ],
        );
        let repetition = step(
            "gopher_repetition",
            repair.documents_out,
            &[
                ("dup_line_frac", 61_204),
                ("dup_para_frac", 18_733),
                ("dup_line_char_frac", 9_115),
                ("dup_para_char_frac", 4_870),
                ("top_2_gram", 7_342),
                ("top_3_gram", 3_101),
                ("top_4_gram", 2_212),
                ("duplicated_5_n_grams", 6_840),
                ("duplicated_10_n_grams", 1_018),
            ],
        );
        let quality = step(
            "gopher_quality",
            repetition.documents_out,
            &[
                ("gopher_short_doc", 148_225),
                ("gopher_below_alpha_threshold", 52_418),
                ("gopher_enough_stop_words", 40_113),
                ("gopher_too_many_end_ellipsis", 9_871),
                ("gopher_too_many_bullets", 6_430),
                ("gopher_below_avg_threshold", 2_114),
                ("gopher_above_avg_threshold", 1_209),
                ("gopher_too_many_hashes", 311),
                ("gopher_long_doc", 12),
            ],
        );
        let mut c4 = step(
            "c4",
            quality.documents_out,
            &[
                ("too_few_sentences", 38_200),
                ("curly_bracket", 4_410),
                ("lorem_ipsum", 61),
            ],
        );
        lines(
            &mut c4,
            402_118,
            &[
                ("no_terminal_punct", 2_911_402),
                ("too_few_words", 1_220_311),
                ("policy", 44_120),
                ("javascript", 18_204),
                ("too_long_word", 3_310),
            ],
        );
        let fineweb = step(
            "fineweb_quality",
            c4.documents_out,
            &[
                ("line_punct_ratio", 21_330),
                ("short_line_ratio", 17_204),
                ("char_dup_ratio", 8_803),
                ("list_ratio", 3_120),
            ],
        );
        vec![repair, repetition, quality, c4, fineweb]
    }

    fn sample_clusters() -> BTreeMap<u64, u64> {
        let mut cluster_sizes = BTreeMap::new();
        for (size, n) in [
            (2, 30_112),
            (3, 7_904),
            (4, 3_391),
            (5, 1_702),
            (6, 988),
            (7, 611),
            (8, 402),
            (9, 266),
            (10, 190),
            (11, 131),
            (12, 97),
            (14, 51),
            (16, 30),
            (19, 14),
            (23, 8),
            (29, 4),
            (31, 2),
            (40, 3),
            (57, 2),
            (120, 1),
            (418, 1),
            (1_203, 1),
        ] {
            cluster_sizes.insert(size, n);
        }
        cluster_sizes
    }

    fn sample_top_lines() -> Vec<RemovedLineCount> {
        let mut top = vec![
            ("repair/boilerplate_line", "Advertisement", 96_412),
            ("c4/no_terminal_punct", "Share this article", 48_211),
            ("c4/no_terminal_punct", "Related Articles", 31_100),
            ("c4/too_few_words", "Home", 27_500),
            ("c4/too_few_words", "Menu", 22_804),
            ("c4/no_terminal_punct", "Skip to content", 19_960),
            (
                "c4/javascript",
                "Please enable JavaScript to view the comments powered by Disqus.",
                12_044,
            ),
            (
                "c4/policy",
                "By using this site you agree to our Privacy Policy and Terms of Use.",
                9_833,
            ),
            (
                "repair/boilerplate_line",
                "Sign up for our newsletter",
                8_120,
            ),
            (
                "c4/javascript",
                "<script>window.dataLayer = window.dataLayer || [];</script>",
                4_210,
            ),
            ("c4/no_terminal_punct", "   ", 3_002),
            (
                "c4/no_terminal_punct",
                "Copyright \u{a9} 2024 Example Media Group \u{1b}[0m",
                2_871,
            ),
        ];
        let long = "Cookies help us deliver our services. By using our services, you agree to our use of cookies, including for analytics, personalisation and ads, as described in our cookie policy and our privacy notice";
        top.push(("c4/policy", long, 2_650));
        RemovedLineCount::top(
            top.into_iter()
                .map(|(reason, text, count)| RemovedLineCount {
                    text: text.to_owned(),
                    reason: reason.to_owned(),
                    count,
                }),
            100,
        )
    }

    fn sample_inputs(read: u64, errored: u64) -> Vec<InputStats> {
        let files = 12;
        (0..files)
            .map(|i| {
                let documents = if i + 1 == files {
                    read - (files - 1) * (read / files)
                } else {
                    read / files
                };
                InputStats {
                    file: format!("data/crawl-2024-10/CC-MAIN-20241003-part-{i:05}.jsonl.zst"),
                    shards: 4,
                    documents,
                    errored: if i == 3 { errored } else { 0 },
                    skipped: if i == 7 { 37 } else { 0 },
                    bytes: 89_478_485 + i * 1_021,
                }
            })
            .collect()
    }

    /// A run over a 1 GB crawl: every count adds up.
    fn sample() -> RunStats {
        let (read, errored) = (1_204_331, 212);
        let mut steps = sample_filters(read - errored);
        let cluster_sizes = sample_clusters();
        let removed = cluster_sizes.iter().map(|(s, n)| (s - 1) * n).sum();
        let dedup = step("dedup", steps[4].documents_out, &[("duplicate", removed)]);
        steps.push(dedup);
        let kept = steps.last().unwrap().documents_out;
        let rejected = steps.iter().map(StepStats::rejected_total).sum();

        let length_before = Histogram {
            counts: vec![
                8_210, 6_900, 14_300, 31_800, 66_200, 118_400, 187_300, 236_900, 224_500, 158_700,
                89_400, 39_600, 14_200, 5_300, 1_720, 480, 88, 19, 2, 0, 0, 0,
            ],
            ..Histogram::default()
        };
        let mut length_after = Histogram {
            counts: vec![
                0, 0, 0, 0, 0, 4_100, 61_800, 142_300, 0, 103_200, 61_900, 27_400, 9_700, 3_100,
                640, 71, 9, 1, 0, 0, 0, 0,
            ],
            ..Histogram::default()
        };
        length_after.counts[8] = kept - length_after.total();

        let top_removed_lines = sample_top_lines();
        let inputs = sample_inputs(read, errored);
        RunStats {
            version: "0.1.0".to_owned(),
            config: "preset = \"fineweb-2024\"\nsteps = [\"gopher_repetition\", \"gopher_quality\", \"c4\", \"fineweb_quality\"]\n\n[repair]\nboilerplate = true\n\n[c4]\nfilter_no_terminal_punct = true\nmin_num_sentences = 3\n\n[dedup]\nthreshold = 0.8\nkeep = \"first\"\n".to_owned(),
            inputs,
            documents: DocCounts {
                read,
                kept,
                rejected,
                errored,
                skipped_records: 37,
                repaired: 183_562,
                edited: 511_204,
            },
            text_bytes_in: 998_579_000,
            text_bytes_out: 604_120_331,
            steps,
            length_before,
            length_after,
            cluster_sizes,
            top_removed_lines,
            seconds: [("clean", 61.4), ("dedup", 22.9), ("write", 6.1), ("total", 92.7)]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        }
    }

    #[test]
    fn the_sample_adds_up() {
        assert_eq!(sample().inconsistencies(), Vec::<String>::new());
    }

    #[test]
    fn histogram_bins_at_the_edges() {
        let mut h = Histogram::default();
        assert_eq!(h.edges.len(), 22);
        assert_eq!(h.counts, vec![0; 22]);
        assert_eq!((h.edges[0], h.edges[1], h.edges[21]), (0, 16, 1 << 24));
        for (value, bin) in [
            (0, 0),
            (15, 0),
            (16, 1),
            (31, 1),
            (32, 2),
            ((1 << 24) - 1, 20),
            (1 << 24, 21),
            (u64::MAX, 21),
        ] {
            assert_eq!(h.bin(value), bin, "{value}");
            h.add(value);
        }
        assert_eq!(h.counts[0], 2);
        assert_eq!(h.counts[1], 2);
        assert_eq!(h.counts[20], 1);
        assert_eq!(h.counts[21], 2);
        assert_eq!(h.total(), 8);
    }

    #[test]
    fn histograms_merge() {
        let mut a = Histogram::default();
        let mut b = Histogram::default();
        a.add(3);
        a.add(5_000);
        b.add(7);
        b.add_n(1 << 30, 4);
        a.merge(&b);
        assert_eq!(a.counts[0], 2);
        assert_eq!(a.counts[a.bin(5_000)], 1);
        assert_eq!(a.counts[21], 4);
        assert_eq!(a.total(), 7);
        // Other edges: each bin counts at its lower edge.
        let coarse = Histogram {
            edges: vec![0, 1_000],
            counts: vec![5, 6],
        };
        let mut c = Histogram::default();
        c.merge(&coarse);
        assert_eq!(c.counts[0], 5);
        assert_eq!(c.counts[c.bin(1_000)], 6);
        assert_eq!(c.total(), 11);
    }

    #[test]
    fn top_lines_sum_and_order() {
        let line = |text: &str, reason: &str, count| RemovedLineCount {
            text: text.to_owned(),
            reason: reason.to_owned(),
            count,
        };
        let top = RemovedLineCount::top(
            [
                line("Menu", "c4/too_few_words", 3),
                line("Home", "c4/too_few_words", 2),
                line("Menu", "c4/too_few_words", 2),
                line("Home", "c4/no_terminal_punct", 5),
                line("Rare", "c4/policy", 1),
            ],
            3,
        );
        assert_eq!(
            top,
            [
                line("Home", "c4/no_terminal_punct", 5),
                line("Menu", "c4/too_few_words", 5),
                line("Home", "c4/too_few_words", 2),
            ]
        );
    }

    #[test]
    fn stats_round_trip_through_json() {
        let stats = sample();
        let json = serde_json::to_string_pretty(&stats).unwrap();
        assert!(
            json.contains("\"2\": 30112"),
            "cluster sizes are string keys"
        );
        let back: RunStats = serde_json::from_str(&json).unwrap();
        assert_eq!(back, stats);
        let empty: RunStats =
            serde_json::from_str(&serde_json::to_string(&RunStats::default()).unwrap()).unwrap();
        assert_eq!(empty, RunStats::default());
    }

    #[test]
    fn everything_from_the_data_is_escaped() {
        let evil = "<script>alert(\"x&y\")</script>";
        let mut stats = sample();
        stats.version = evil.to_owned();
        stats.config = evil.to_owned();
        stats.inputs[0].file = evil.to_owned();
        stats.steps[1].name = evil.to_owned();
        stats.steps[1].rejected.insert(evil.to_owned(), 0);
        stats.steps[1].rejected.insert(format!("{evil}2"), 5);
        stats.steps[1].documents_in += 5;
        stats.steps[3].lines_removed.insert(evil.to_owned(), 9);
        stats.top_removed_lines[0].text = format!("{evil}\u{0}");
        stats.top_removed_lines[1].reason = evil.to_owned();
        stats.seconds.insert(evil.to_owned(), 1.0);
        let html = render_html(&stats);
        assert!(!html.to_lowercase().contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;"));
        assert!(html.contains("&lt;/script&gt;\\x00"));
    }

    #[test]
    fn empty_stats_render_without_nan_or_infinity() {
        let zero = RunStats {
            steps: vec![step("gopher_quality", 0, &[]), step("dedup", 0, &[])],
            seconds: [("total".to_owned(), 0.0)].into(),
            cluster_sizes: [(2, 0)].into(),
            ..RunStats::default()
        };
        for stats in [RunStats::default(), zero] {
            let html = render_html(&stats);
            for bad in ["NaN", "inf\"", "Infinity", "=\"-"] {
                assert!(!html.contains(bad), "{bad} in {html}");
            }
            assert!(html.contains("No duplicates"));
            assert!(html.contains("No documents."));
            assert!(html.contains("check ok"), "0 = 0 + 0 + 0 holds");
        }
    }

    #[test]
    fn the_sample_renders_every_section_and_chart() {
        let html = render_html(&sample());
        for heading in [
            "<h1>decant run report</h1>",
            ">Funnel</h2>",
            ">Rejections</h2>",
            ">Lines removed from kept documents</h2>",
            ">Document length</h2>",
            ">Duplicate clusters</h2>",
            ">Top removed lines</h2>",
            ">Inputs</h2>",
            ">Timing</h2>",
            ">Config</h2>",
        ] {
            assert!(html.contains(heading), "{heading}");
        }
        // Funnel, rejections, lengths, clusters.
        assert_eq!(html.matches("<svg").count(), 4);
        assert_eq!(html.matches("</svg>").count(), 4);
        assert!(html.contains("<b>1,204,331</b> documents read"));
        assert!(html.contains("check ok"));
        assert!(html.contains("1k–2k"));
        assert!(html.contains(">≥32<"));
        for bad in ["NaN", "inf\"", "Infinity"] {
            assert!(!html.contains(bad), "{bad}");
        }
        assert!(
            !html.contains("http://") || html.matches("http://").count() == 4,
            "only the SVG namespace"
        );
        assert!(!html.contains("https://"));
    }

    #[test]
    fn a_broken_conservation_law_is_flagged() {
        let mut stats = sample();
        stats.documents.kept -= 3;
        let html = render_html(&stats);
        assert!(html.contains("check bad"));
        assert!(html.contains("(off by 3)"));
        assert!(!html.contains("check ok"));
    }

    #[test]
    fn rendering_is_deterministic() {
        let stats = sample();
        let json = serde_json::to_string(&stats).unwrap();
        let back: RunStats = serde_json::from_str(&json).unwrap();
        assert_eq!(render_html(&stats), render_html(&stats.clone()));
        assert_eq!(render_html(&stats), render_html(&back));
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(int(0), "0");
        assert_eq!(int(999), "999");
        assert_eq!(int(1_000), "1,000");
        assert_eq!(int(1_204_331), "1,204,331");
        assert_eq!(int(u64::MAX), "18,446,744,073,709,551,615");
        assert_eq!(compact(950), "950");
        assert_eq!(compact(12_345), "12k");
        assert_eq!(compact(1_500), "1.5k");
        assert_eq!(compact(999_950), "1M");
        assert_eq!(pct(1, 3), "33.3%");
        assert_eq!(pct(0, 0), "–");
        assert_eq!(pct(9_999, 10_000), ">99.9%");
        assert_eq!(pct(1, 10_000), "<0.1%");
        assert_eq!(bytes(998_579_000), "999 MB");
        assert_eq!(bytes(1_073_741_824), "1.07 GB");
        let edges = Histogram::default().edges;
        assert_eq!(bin_label(&edges, 0), "0–16");
        assert_eq!(bin_label(&edges, 7), "1k–2k");
        assert_eq!(bin_label(&edges, 20), "8M–16M");
        assert_eq!(bin_label(&edges, 21), "≥ 16M");
        assert_eq!(linear_ticks(0), (vec![0, 1], 1));
        assert_eq!(linear_ticks(236_900).1, 250_000);
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abcd", 4), "abcd");
        assert_eq!(px(f64::NAN), "0");
        assert_eq!(px(-0.01), "0");
    }

    /// Writes the sample report for a look in a browser:
    /// `cargo test -p decant --lib report::tests::write_sample -- --ignored`.
    #[test]
    #[ignore = "writes /tmp/report-sample/report.html"]
    fn write_sample() {
        let dir = std::path::Path::new("/tmp/report-sample");
        std::fs::create_dir_all(dir).unwrap();
        let stats = sample();
        std::fs::write(dir.join("report.html"), render_html(&stats)).unwrap();
        // Counts that do not add up, long names, a tiny run without clusters.
        let mut broken = stats.clone();
        broken.documents.kept -= 3;
        broken.steps[2].name = "a_custom_step_with_a_rather_long_name_indeed".to_owned();
        broken.steps[2].rejected.insert(
            "a_very_long_reason_name_that_goes_on_and_on_for_a_while".to_owned(),
            1,
        );
        broken.cluster_sizes.clear();
        broken.inputs.truncate(1);
        broken.inputs[0].file = format!(
            "/data/{}/shard.jsonl.gz",
            "very-long-directory-name".repeat(8)
        );
        std::fs::write(dir.join("broken.html"), render_html(&broken)).unwrap();
        std::fs::write(dir.join("empty.html"), render_html(&RunStats::default())).unwrap();
        std::fs::write(
            dir.join("stats.json"),
            serde_json::to_string_pretty(&stats).unwrap(),
        )
        .unwrap();
    }
}
