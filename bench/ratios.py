#!/usr/bin/env python3
"""ratios.py RESULTS_DIR -- the speed issue's comparisons from one bench.sh run.

Reads RESULTS_DIR/summary.tsv (written by ../shared/bench/bench_report.py)
and prints, for each cari row, the ratios against the peers measured in the
same run, next to the goal each ratio is held to.  Rows missing from the run
are reported as such.  When RESULTS_DIR/index_runs.tsv holds repeated builds
(bench/index_repeat.sh), the indexing ratios are also given from the median
build times, and those are the ones held to the goals.
"""
import csv
import sys
from statistics import median


def load(path):
    with open(path, encoding="utf-8") as f:
        return {r["engine"]: r for r in csv.DictReader(f, delimiter="\t")}


def num(row, key):
    try:
        return float(row[key])
    except (KeyError, TypeError, ValueError):
        return None


def builds(path):
    """engine -> the wall times of its builds, from index_runs.tsv"""
    runs = {}
    try:
        with open(path, encoding="utf-8") as f:
            for r in csv.DictReader(f, delimiter="\t"):
                runs.setdefault(r["engine"], []).append(float(r["index_s"]))
    except FileNotFoundError:
        pass
    return runs


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    rows = load(sys.argv[1] + "/summary.tsv")
    runs = {e: t for e, t in builds(sys.argv[1] + "/index_runs.tsv").items() if len(t) > 1}
    out = []
    if runs:
        out.append("index builds (s; the first is bench.sh's), median:")
        for e, t in runs.items():
            out.append(f"  {e:<16} {' '.join(f'{x:.2f}' for x in t):<44} {median(t):.2f}")

    def line(what, value, goal, ok):
        mark = "" if ok is None else ("  ok" if ok else "  MISSED")
        out.append(f"  {what:<58} {value:>10}   goal {goal}{mark}")

    def ratio(a, ka, b, kb):
        if a not in rows or b not in rows:
            return None
        x, y = num(rows[a], ka), num(rows[b], kb)
        if x is None or not y:
            return None
        return x / y

    for cari in [e for e in rows if e.startswith("cari")]:
        out.append(f"{cari}:")
        r = rows[cari]
        out.append(f"  index {r['MB/s']} MB/s, {r['index_MB']} MB ({r['index/raw %']}% of the text), "
                   f"peak RSS {r['peak_rss_MB']} MB, p50 {r['q_p50_ms']} ms, p95 {r['q_p95_ms']} ms")
        if cari in ("cari", "cari-j1"):
            want = 1.5 if cari == "cari-j1" else 2.5
            peers = [("fts5-stem", want, "{:.2f}x")]
            if cari == "cari-j1":
                peers.append(("xapian", 20, "{:.1f}x"))
            for peer, goal, fmt in peers:
                v = ratio(cari, "MB/s", peer, "MB/s")
                both = cari in runs and peer in runs
                if v is not None:
                    line(f"indexing MB/s vs {peer}" + (", one build each" if both else ""),
                         fmt.format(v), f">= {goal}x", None if both else v >= goal)
                if both:
                    v = median(runs[peer]) / median(runs[cari])
                    line(f"indexing MB/s vs {peer}, medians of {len(runs[cari])} / {len(runs[peer])} builds",
                         fmt.format(v), f">= {goal}x", v >= goal)
            v = ratio(cari, "index_MB", "fts5-stem", "index_MB")
            if v is not None:
                line("index size vs fts5-stem (which stores no text)", f"{v:.2f}x", "<= 1x", v <= 1)
        if cari in ("cari", "cari-j1", "cari-xapian"):
            for k in ("q_p50_ms", "q_p95_ms"):
                v = ratio(cari, k, "xapian-passages", k)
                if v is not None:
                    line(f"{k} vs xapian-passages", f"{v:.2f}x", "<= 0.33x", v <= 1 / 3)
            v = ratio(cari, "q_p50_ms", "xapian", "q_p50_ms")
            if v is not None:
                line("q_p50_ms vs xapian (articles)", f"{v:.2f}x", "< 1x", v < 1)
        if cari == "cari-snippets":
            v = ratio(cari, "q_p50_ms", "xapian-passages", "q_p50_ms")
            if v is not None:
                line("q_p50_ms with snippets vs xapian-passages", f"{v:.2f}x", "< 1x", v < 1)
        if cari == "cari-xapian":
            v = ratio("cari", "MB/s", "cari-xapian", "MB/s")
            if v is not None:
                line("native indexing MB/s vs the Xapian backend", f"{v:.1f}x", "(reference)", None)
            v = ratio("cari", "q_p50_ms", "cari-xapian", "q_p50_ms")
            if v is not None:
                line("native p50 vs the Xapian backend", f"{v:.2f}x", "(reference)", None)
    missing = [e for e in ("fts5-stem", "xapian", "xapian-passages") if e not in rows]
    if missing:
        out.append("not in this run: " + ", ".join(missing) + " (their ratios are left out)")
    print("\n".join(out))


main()
