#!/usr/bin/env python3
"""answer_match.py -- how much of a question set's MRR@10 shortfall is
label noise: passages that hold the answer but are not in the qrels.

usage: bench/answer_match.py SET SPLIT [WORK]

Reads WORK/SET.SPLIT.run (bench/eval.sh writes it; WORK defaults to
bench/work) and ../shared/data/eval/SET.  Prints MRR@10 three ways:
  qrels          as ../shared/bench/ir_eval.py scores it
  near-duplicate also counting an unlabeled passage of the set whose word
                 set is >= 80% (Jaccard) that of a labeled one
  answer-string  also counting any hit that holds an answer text
                 (punctuation and case ignored), the DPR-style criterion;
                 loose for short answers ("10")
Analysis only: nothing in cari reads the qrels or the answers.
"""
import collections
import json
import os
import re
import sys

def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    name, split = sys.argv[1], sys.argv[2]
    here = os.path.dirname(os.path.abspath(__file__))
    work = sys.argv[3] if len(sys.argv) > 3 else os.path.join(here, "work")
    shared = os.environ.get("CARI_SHARED", os.path.join(here, "..", "..", "shared"))
    ev = os.path.join(shared, "data", "eval", name)
    if not os.path.isdir(ev):
        sys.exit(f"answer_match: {ev} is missing (needs ../shared)")
    norm = lambda s: re.sub(r"\W+", "", s.lower())
    words = lambda s: set(re.findall(r"\w+", s.lower()))
    text = {}
    with open(os.path.join(ev, "passages.jsonl"), encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            text[d["id"]] = d["text"]
    flat = {k: norm(v) for k, v in text.items()}
    with open(os.path.join(ev, f"queries.{split}.tsv"), encoding="utf-8") as f:
        qids = [line.split("\t")[0] for line in f]
    rel, ans = collections.defaultdict(set), collections.defaultdict(set)
    with open(os.path.join(ev, "qrels.tsv"), encoding="utf-8") as f:
        for line in f:
            a = line.rstrip("\n").split("\t")
            rel[a[0]].add(a[1])
            if norm(a[3]):
                ans[a[0]].add(norm(a[3]))
    run = collections.defaultdict(list)  # qno -> article ids, best first
    with open(os.path.join(work, f"{name}.{split}.run"), encoding="utf-8") as f:
        for line in f:
            q, _, hit, _ = line.split("\t")
            art = hit.split("#")[0]
            if art not in run[int(q)]:
                run[int(q)].append(art)

    def first(hits, ok):
        return next((k + 1 for k, d in enumerate(hits) if ok(d)), None)

    tot = [0.0, 0.0, 0.0]
    moved = [0, 0]
    for qno, qid in enumerate(qids, 1):
        hits = run[qno][:10]
        labeled = [words(text[d]) for d in rel[qid] if d in text]

        def dup(d):
            if d not in text:
                return False
            w = words(text[d])
            return any(len(w & x) / max(1, len(w | x)) >= 0.8 for x in labeled)

        r = [first(hits, lambda d: d in rel[qid]),
             first(hits, lambda d: d in rel[qid] or dup(d)),
             first(hits, lambda d: d in rel[qid] or
                   (d in flat and any(a in flat[d] for a in ans[qid])))]
        for i in range(3):
            tot[i] += 1 / r[i] if r[i] else 0
        for i in (1, 2):
            if r[i] and (not r[0] or r[i] < r[0]):
                moved[i - 1] += 1
    n = len(qids)
    print(f"{name} {split} ({n} questions) MRR@10: qrels {tot[0] / n:.4f}, "
          f"near-duplicate {tot[1] / n:.4f} ({moved[0]} questions up), "
          f"answer-string {tot[2] / n:.4f} ({moved[1]} up)")

if __name__ == "__main__":
    main()
