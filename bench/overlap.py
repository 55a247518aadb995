#!/usr/bin/env python3
"""Agreement of two ranked runs: mean overlap@K of their top K results.

usage: overlap.py RUN_A RUN_B [K]

RUN_A, RUN_B  lines `qid<TAB>rank<TAB>docid[<TAB>...]` (cari-search --batch
              output), best first.
K             depth (default 10).

For each query that either run answers, overlap@K = |top K of A & top K of
B| / max(|top K of A|, |top K of B|) -- 1.0 when both return the same set
of passages in their first K, whatever their order.  Prints
`queries<TAB>N` and `overlap@K<TAB>mean`, then with -v one line per query.
"""
import sys


def load(path, k):
    runs = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 3 or not fields[1].isdigit():
                continue
            if int(fields[1]) <= k:
                runs.setdefault(fields[0], set()).add(fields[2])
    return runs


def main():
    args = [a for a in sys.argv[1:] if a != "-v"]
    verbose = "-v" in sys.argv[1:]
    if len(args) not in (2, 3):
        sys.exit(__doc__)
    k = int(args[2]) if len(args) == 3 else 10
    a, b = load(args[0], k), load(args[1], k)
    qids = sorted(set(a) | set(b), key=lambda q: (len(q), q))
    per = {}
    for q in qids:
        x, y = a.get(q, set()), b.get(q, set())
        per[q] = len(x & y) / max(len(x), len(y))
    mean = sum(per.values()) / len(per) if per else 0.0
    print(f"queries\t{len(per)}")
    print(f"overlap@{k}\t{mean:.4f}")
    if verbose:
        for q in qids:
            print(f"{q}\t{per[q]:.2f}")


if __name__ == "__main__":
    main()
