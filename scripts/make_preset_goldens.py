#!/usr/bin/env python3
"""Golden decisions for decant's filter presets, made by datatrove itself.

For every document of ../shared/parity/visible.jsonl.gz, runs datatrove's filters chained the
way each decant preset chains them (each filter sees the text the previous one left) and
records the outcome: `id <TAB> keep <TAB> sha1 of the final text`, or `id <TAB> step/reason`.
decant's tests/presets.rs must reproduce every line.

  gopher-2021   GopherRepetitionFilter -> GopherQualityFilter
  c4-datatrove  C4QualityFilter()
  c4-tfds       C4QualityFilter(min_words_per_line=5, min_num_sentences=3)
  fineweb-2024  GopherRepetition -> GopherQuality -> C4QualityFilter(filter_no_terminal_punct=False)
                -> FineWebQualityFilter   (FineWeb's language filter is not part of it)

Usage (needs `pip install "datatrove[processing]==0.10.1"`):
  python3 scripts/make_preset_goldens.py ../shared/parity/visible.jsonl.gz crates/decant/tests/golden
"""
import gzip, hashlib, json, os, sys

from datatrove.data import Document
from datatrove.pipeline.filters import (C4QualityFilter, FineWebQualityFilter,
                                        GopherQualityFilter, GopherRepetitionFilter)

PRESETS = {
    "gopher-2021": [("gopher_repetition", GopherRepetitionFilter()),
                    ("gopher_quality", GopherQualityFilter())],
    "c4-datatrove": [("c4", C4QualityFilter())],
    "c4-tfds": [("c4", C4QualityFilter(min_words_per_line=5, min_num_sentences=3))],
    "fineweb-2024": [("gopher_repetition", GopherRepetitionFilter()),
                     ("gopher_quality", GopherQualityFilter()),
                     ("c4", C4QualityFilter(filter_no_terminal_punct=False)),
                     ("fineweb_quality", FineWebQualityFilter())],
}


def main():
    src, out_dir = sys.argv[1], sys.argv[2]
    docs = [json.loads(l) for l in gzip.open(src, "rt", encoding="utf-8")]
    os.makedirs(out_dir, exist_ok=True)
    for name, chain in PRESETS.items():
        with open(os.path.join(out_dir, name + ".tsv"), "w", encoding="utf-8") as f:
            for d in docs:
                doc = Document(text=d["text"], id=d["id"], metadata={})
                outcome = None
                for step, flt in chain:
                    r = flt.filter(doc)
                    keep, reason = (r[0], r[1]) if isinstance(r, tuple) else (bool(r), None)
                    if not keep:
                        outcome = f"{step}/{reason}"
                        break
                if outcome is None:
                    outcome = "keep\t" + hashlib.sha1(doc.text.encode("utf-8")).hexdigest()
                f.write(f"{d['id']}\t{outcome}\n")
        print(name, file=sys.stderr)


if __name__ == "__main__":
    main()
