#!/usr/bin/env python3
"""decant's default pipeline (preset fineweb-2024 without language ID, then
MinHash dedup) expressed in datatrove 0.10.1, local executor.

  stage 1  filter      JsonlReader -> GopherRepetitionFilter -> GopherQualityFilter
                       -> C4QualityFilter(filter_no_terminal_punct=False)
                       -> FineWebQualityFilter -> JsonlWriter (gzip, datatrove's default)
  stage 2  signatures  JsonlReader(stage 1 output) -> MinhashDedupSignature
  stage 3  buckets     MinhashDedupBuckets           tasks = num_buckets (14)
  stage 4  cluster     MinhashDedupCluster           tasks = 1 (datatrove requires it)
  stage 5  dedup       JsonlReader(stage 1 output) -> MinhashDedupFilter
                       -> JsonlWriter (no compression)

Filters use datatrove's defaults (English word tokenizer: spaCy blank "en")
except C4's terminal-punctuation line rule, which is off (as in decant's
fineweb-2024 preset).  MinhashConfig as in datatrove's FineWeb example:
5-gram shingles, 14 buckets x 8 hashes, 64-bit xxhash.

Stages 1, 2 and 5 run with tasks = workers = --workers.  datatrove shards
reader work by file, so with a single input file only one of those tasks has
data (the others log "No files found" and exit); pass a directory of *.jsonl
shards to spread stage 1 (and hence stages 2 and 5) over several processes.
Stage 3 runs 14 tasks on --workers processes.

The work folder is wiped first, so no task is skipped as already completed.
Prints one JSON line: docs in, after filters, after dedup, wall and CPU
(user+sys) seconds per stage and in total (the line counting after the last
stage is not timed), and the wall seconds datatrove logged per pipeline step.

CPU accounting: LocalPipelineExecutor starts its pool workers from a
"forkserver" process, which reaps them; that server normally outlives the main
process's wait, so `time`/getrusage of the whole process would miss all the
workers' CPU.  The script therefore stops the forkserver (and waits for it)
after every stage; a new one is started on demand by the next stage.

Usage: datatrove_pipeline.py CORPUS --work DIR [--workers 2]
Standalone: python3 standard library + datatrove[processing] (and spaCy).
"""
import argparse
import glob
import gzip
import importlib.metadata
import json
import os
import resource
import shutil
import time

from datatrove.executor.local import LocalPipelineExecutor
from datatrove.pipeline.dedup import (
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)
from datatrove.pipeline.dedup.minhash import MinhashConfig
from datatrove.pipeline.filters import (
    C4QualityFilter,
    FineWebQualityFilter,
    GopherQualityFilter,
    GopherRepetitionFilter,
)
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers.jsonl import JsonlWriter
from datatrove.utils.hashing import HashConfig


def count_lines(path):
    """(lines, bytes read) of a JSONL file, gzip-compressed or not."""
    n = b = 0
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rb") as f:
        while True:
            buf = f.read(1 << 24)
            if not buf:
                break
            n += buf.count(b"\n")
            b += len(buf)
    return n, b


def cpu_seconds():
    """user+sys CPU of this process and of all reaped descendants."""
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def stop_forkserver():
    """Stop multiprocess's forkserver and wait for it, so that the CPU time of
    the pool workers it reaped is accounted to this process."""
    from multiprocess import forkserver

    forkserver._forkserver._stop()


def step_seconds(logging_dir):
    """Wall seconds datatrove logged per pipeline step (summed over tasks)."""
    try:
        with open(f"{logging_dir}/stats.json") as f:
            steps = [s for s in json.load(f) if "time_stats" in s]
    except (OSError, ValueError):
        return {}
    # names look like "<emoji> - FILTER: <emoji> Gopher Repetition": keep the ASCII words
    return {
        " ".join("".join(ch for ch in s["name"] if ch.isascii()).split()).lstrip("- "): round(s["time_stats"]["total"], 2)
        for s in steps
    }


def count_dir(d):
    return sum(count_lines(p)[0] for p in sorted(glob.glob(f"{d}/*")) if os.path.isfile(p))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", help="a JSONL file, or a directory of *.jsonl shards")
    ap.add_argument("--work", required=True, help="scratch folder (wiped first)")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()

    if os.path.isdir(a.corpus):
        data_dir, pattern = os.path.abspath(a.corpus), "*.jsonl"
    else:
        data_dir, pattern = os.path.dirname(os.path.abspath(a.corpus)), os.path.basename(a.corpus)
    inputs = sorted(glob.glob(os.path.join(data_dir, pattern)))
    if not inputs:
        raise SystemExit(f"no input matches {data_dir}/{pattern}")
    w = os.path.abspath(a.work)
    shutil.rmtree(w, ignore_errors=True)
    os.makedirs(w)
    nw = a.workers
    cfg = MinhashConfig(
        hash_config=HashConfig(precision=64),
        num_buckets=14,
        hashes_per_bucket=8,
        n_grams=5,
    )

    filtered = f"{w}/filtered"  # stage 1 output, gzip (JsonlWriter's default)
    stages = {
        "filter": LocalPipelineExecutor(
            pipeline=[
                JsonlReader(data_dir, glob_pattern=pattern, text_key="text", id_key="id", compression=None),
                GopherRepetitionFilter(),
                GopherQualityFilter(),
                C4QualityFilter(filter_no_terminal_punct=False),
                FineWebQualityFilter(),
                JsonlWriter(filtered),
            ],
            tasks=nw, workers=nw, logging_dir=f"{w}/logs/filter"),
        "signatures": LocalPipelineExecutor(
            pipeline=[
                JsonlReader(filtered),
                MinhashDedupSignature(output_folder=f"{w}/signatures", config=cfg),
            ],
            tasks=nw, workers=nw, logging_dir=f"{w}/logs/signatures"),
        "buckets": LocalPipelineExecutor(
            pipeline=[MinhashDedupBuckets(input_folder=f"{w}/signatures", output_folder=f"{w}/buckets", config=cfg)],
            tasks=cfg.num_buckets, workers=nw, logging_dir=f"{w}/logs/buckets"),
        "cluster": LocalPipelineExecutor(
            pipeline=[MinhashDedupCluster(input_folder=f"{w}/buckets", output_folder=f"{w}/remove_ids", config=cfg)],
            tasks=1, workers=1, logging_dir=f"{w}/logs/cluster"),
        "dedup": LocalPipelineExecutor(
            pipeline=[
                JsonlReader(filtered),
                MinhashDedupFilter(input_folder=f"{w}/remove_ids"),
                JsonlWriter(f"{w}/output", compression=None),
            ],
            tasks=nw, workers=nw, logging_dir=f"{w}/logs/dedup"),
    }

    secs, cpu = {}, {}
    t0, c0 = time.perf_counter(), cpu_seconds()
    for name, ex in stages.items():  # run in order (equivalent to a depends= chain)
        ts, cs = time.perf_counter(), cpu_seconds()
        ex.run()
        stop_forkserver()
        secs[name] = round(time.perf_counter() - ts, 3)
        cpu[name] = round(cpu_seconds() - cs, 2)
    total = round(time.perf_counter() - t0, 3)
    total_cpu = round(cpu_seconds() - c0, 2)

    docs_in = in_bytes = 0
    for p in inputs:
        n, b = count_lines(p)
        docs_in += n
        in_bytes += b
    out = {
        "tool": f"datatrove {importlib.metadata.version('datatrove')}",
        "job": "GopherRepetition -> GopherQuality -> C4Quality(no terminal punct) -> FineWebQuality"
               " -> MinHash dedup (4 stages)",
        "corpus": a.corpus,
        "input_files": len(inputs),
        "mb": round(in_bytes / 1e6, 2),
        "workers": nw,
        "minhash": str(cfg),
        "docs_in": docs_in,
        "docs_after_filters": count_dir(filtered),
        "docs_after_dedup": count_dir(f"{w}/output"),
        "seconds": secs,
        "cpu_seconds": cpu,
        "total_s": total,
        "total_cpu_s": total_cpu,
        "filter_step_seconds": step_seconds(f"{w}/logs/filter"),
        "mb_per_s": round(in_bytes / 1e6 / total, 3) if total else None,
        "peak_rss_mb_self": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "peak_rss_mb_children": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
    }
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
