#!/usr/bin/env python3
"""tree_rank.py -- would trees rank better than the linear model?

usage: bench/tree_rank.py DUMPDIR [DEPTH...]

Needs Debian's python3-xgboost and python3-pandas (run it with
/usr/bin/python3 if another python3 comes first in PATH).

Fits gradient-boosted trees (XGBoost; objectives
rank:pairwise and rank:ndcg, 0.05 learning rate, 100-600 trees of the
given depths, default 3 and 5) on the question-class features of
bench/rank_data.sh's train dumps in DUMPDIR (tydiqa_id and facqa; for each
query its relevant candidates and the 300 best by the shipped model), and
scores each on the valid dumps' full candidate lists next to the shipped
linear model (src/ranking.model), as bench/train_rank.c scores: MRR@10 and
R@100 by article.  Offline experiment (docs/RANKING.md); cari ships the
linear model.
"""
import os
import sys

import numpy as np
import pandas as pd
import xgboost as xgb

FEATS = ["body", "exact", "title", "article", "coverage", "article_coverage",
         "title_coverage", "proximity", "window", "pairs", "lead", "entity",
         "rarest", "length", "position", "first_stage"]

def model_weights():
    here = os.path.dirname(os.path.abspath(__file__))
    w, section = {}, None
    with open(os.path.join(here, "..", "src", "ranking.model")) as f:
        for line in f:
            line = line.split("#")[0].strip()
            if line.startswith("["):
                section = line.strip("[]")
            elif line.startswith("weight.") and section in (None, "question"):
                k, v = line.split()[:2]
                w[k[len("weight."):]] = float(v)
    return w

def load(d, name, split):
    f = pd.read_csv(f"{d}/{name}.{split}.feat", sep="\t")
    f = f.rename(columns={"#qno": "qno"})
    f = f[f.question == 1]
    qs = pd.read_csv(f"{d}/{name}.{split}.tsv", sep="\t", header=None,
                     names=["qid", "q"], quoting=3)
    qr = pd.read_csv(f"{d}/{name}.{split}.qrels", sep="\t", header=None,
                     usecols=[0, 1], names=["qid", "doc"], quoting=3)
    rel = set(zip(qr.qid, qr.doc))
    qid = qs.qid.values[f.qno.values - 1]
    art = f["id#passage"].str.split("#").str[0].values
    f = f.assign(rel=[(a, b) in rel for a, b in zip(qid, art)], art=art, set=name)
    return f

def evaluate(df, score, label):
    df = df.assign(s=score)
    res = []
    for name, g in df.groupby("set", sort=False):
        mrr, r100 = [], []
        for _, h in g.groupby("qno", sort=False):
            h = h.sort_values("s", ascending=False, kind="stable")
            seen, rank, got = set(), 0, 0
            for a, r in zip(h.art.values, h.rel.values):
                if a in seen:
                    continue
                seen.add(a)
                rank += 1
                if r:
                    got = rank
                    break
            mrr.append(1 / got if 0 < got <= 10 else 0)
            r100.append(1 if 0 < got <= 100 else 0)
        res.append((name, np.mean(mrr), np.mean(r100)))
    print(f"{label:22s}", "  ".join(f"{n} MRR@10 {m:.4f} R@100 {r:.4f}" for n, m, r in res),
          f"  objective {np.mean([m for _, m, _ in res]):.4f}", flush=True)

def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    d = sys.argv[1]
    depths = [int(x) for x in sys.argv[2:]] or [3, 5]
    sets = ["tydiqa_id", "facqa"]
    tr = pd.concat([load(d, s, "train") for s in sets])
    va = pd.concat([load(d, s, "valid") for s in sets])
    w = model_weights()
    linear = lambda f: sum(f[k].values * v for k, v in w.items() if k in f)
    evaluate(va, linear(va), "linear (shipped)")
    tr = tr.assign(lin=linear(tr))
    tr["rk"] = tr.groupby(["set", "qno"]).lin.rank(ascending=False, method="first")
    tr = tr[(tr.rk <= 300) | tr.rel]
    tr = tr[tr.groupby(["set", "qno"]).rel.transform("any")]
    tr = tr.sort_values(["set", "qno"], kind="stable")
    dt = xgb.DMatrix(tr[FEATS].values, label=tr.rel.values.astype(float))
    dt.set_group(tr.groupby(["set", "qno"], sort=False).size().values)
    dv = xgb.DMatrix(va[FEATS].values)
    for obj in ["rank:pairwise", "rank:ndcg"]:
        for depth in depths:
            p = dict(objective=obj, eta=0.05, max_depth=depth, min_child_weight=20,
                     subsample=0.8, colsample_bytree=0.8, tree_method="hist", nthread=2)
            b = xgb.train(p, dt, num_boost_round=600)
            for n in [100, 200, 400, 600]:
                evaluate(va, b.predict(dv, iteration_range=(0, n)), f"{obj} d{depth} {n} trees")

if __name__ == "__main__":
    main()
