#!/usr/bin/env python3
"""Score `decant repair` on a corpus from ../shared/bench/gen_corpus.py.

usage: score_repair.py CORPUS.jsonl TRUTH.json REPAIRED.jsonl

Reports, against the generator's labels:
  * repeated-body documents whose repaired body lines equal the expected repair exactly;
  * boilerplate lines removed (recall) and body lines lost outside repeated-body documents
    (a line counts as kept when a line with the same text, ignoring case, spaces, quotes,
    dashes and a final full stop, is in the output: decant's notion of the same paragraph);
  * documents changed although they had nothing to repair.
"""
import json
import re
import sys

QUOTES_DASHES = re.compile("[\\s\"'`\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u00ab\u00bb\u2010-\u2015\u2212-]")


def key(line):
    """decant's paragraph fingerprint, roughly: no case, spaces, quotes, dashes or final stop."""
    return QUOTES_DASHES.sub("", line.lower()).rstrip(".,:;")


def main(corpus, truth, repaired):
    t = json.load(open(truth))
    sep = t["params"]["sep"]
    docs = {d["id"]: d for d in t["docs"]}
    orig = {}
    with open(corpus) as f:
        for line in f:
            r = json.loads(line)
            orig[r["id"]] = r["text"]
    out = {}
    with open(repaired) as f:
        for line in f:
            r = json.loads(line)
            out[r["id"]] = r["text"]
    rep_ok = rep_n = 0
    bp_total = bp_removed = 0
    body_lost = 0
    lost_examples = []
    rep_bad = []
    clean_n = clean_changed = 0
    for id_, d in docs.items():
        lines = orig[id_].split(sep)
        got = [l for l in out[id_].split(sep) if l.strip()]
        got_set = set(got)
        got_keys = {key(l) for l in got}
        bp = set(d.get("bp", []))
        for i in bp:
            bp_total += 1
            if lines[i] not in got_set:
                bp_removed += 1
        if d["kind"] == "repeated":
            rep_n += 1
            want = [lines[i] for i in d["repair"]]
            body = [l for l in got if l in set(want)]
            if body == want:
                rep_ok += 1
            else:
                rep_bad.append(id_)
        else:
            if not bp:
                clean_n += 1
                clean_changed += out[id_] != orig[id_]
            for i, l in enumerate(lines):
                if i not in bp and l.strip() and key(l) not in got_keys:
                    body_lost += 1
                    if len(lost_examples) < 5:
                        lost_examples.append((id_, l[:100]))
    print(f"repeated-body documents repaired exactly: {rep_ok}/{rep_n}")
    print(f"boilerplate lines removed: {bp_removed}/{bp_total} ({bp_removed / max(bp_total, 1):.1%})")
    print(f"body lines lost in other documents: {body_lost}")
    print(f"documents without boilerplate or repeats changed: {clean_changed}/{clean_n}")
    for e in lost_examples:
        print("  lost:", e)
    if rep_bad:
        print("  not exact:", rep_bad[:10])


if __name__ == "__main__":
    main(*sys.argv[1:4])
