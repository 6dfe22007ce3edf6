#!/usr/bin/env python3
"""Score paragraph dedup's learned boilerplate against a gen_corpus.py truth file.

usage: score_boilerplate.py TRUTH LOG
  LOG is the --log of `decant dedup --mode paragraph --boilerplate-docs K ...` on that
  corpus. Every `learned_boilerplate` removal is checked against the document's labelled
  boilerplate lines (truth["docs"][i]["bp"], 0-based indices of text.split("\\n")).
Prints how many removals are labelled boilerplate (precision) and how many of all labelled
boilerplate lines were removed (recall), with the kinds of documents of any other removal.
"""
import json
import sys

truth = json.load(open(sys.argv[1]))
docs = {d["id"]: d for d in truth["docs"]}
tp = fp = 0
fp_kinds = {}
for line in open(sys.argv[2]):
    r = json.loads(line)
    d = docs[r["id"]]
    for e in r.get("paragraphs", []):
        if e["reason"] != "learned_boilerplate":
            continue
        if e["lines"][0] - 1 in d["bp"]:
            tp += 1
        else:
            fp += 1
            fp_kinds[d["kind"]] = fp_kinds.get(d["kind"], 0) + 1
total = sum(len(d["bp"]) for d in truth["docs"])
print(f"learned_boilerplate removals: {tp + fp}; labelled boilerplate among them: {tp} "
      f"({tp / max(1, tp + fp):.4f}); labelled boilerplate lines removed: {tp}/{total} "
      f"({tp / max(1, total):.3f}); other removals by document kind: {fp_kinds}")
