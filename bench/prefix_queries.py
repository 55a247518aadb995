#!/usr/bin/env python3
"""Prefix variants of a query set, for timing and comparing prefix queries.

  prefix_queries.py QUERIES.txt [--seed 7] > STARRED.txt
  prefix_queries.py --single > SINGLE.txt

Each query gets a '*' after one or more of its words (how many and which:
random), and half of the starred words longer than 3 characters are cut
first to a random length of 2 or more ("pemeran" -> "pemera*", "dal*").
--single prints 30 one- to three-letter prefixes ("a*", "ke*", "ber*"...),
the costliest: each stands for 64 frequent words.  Same input and seed =>
same output (docs/BENCHMARKS.md, "Prefix queries").
"""
import argparse, random, sys

SINGLE = ("a* ke* pe* ber* men* s* b* m* di* ter* se* per* k* p* t* me* "
          "mem* pen* ka* ba* ma* sa* la* ha* in* i* j* n* r* u*").split()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("queries", nargs="?")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--single", action="store_true")
    a = ap.parse_args()
    if a.single:
        print("\n".join(SINGLE))
        return
    if not a.queries:
        ap.error("QUERIES.txt is needed (or --single)")
    r = random.Random(a.seed)
    out = []
    with open(a.queries, encoding="utf-8") as f:
        for q in f:
            w = q.split()
            if not w:
                continue
            starred = set(r.sample(range(len(w)), r.randint(1, len(w))))
            nw = []
            for i, x in enumerate(w):
                if i in starred:
                    if len(x) > 3 and r.random() < 0.5:
                        x = x[:r.randint(2, len(x) - 1)]
                    x += "*"
                nw.append(x)
            out.append(" ".join(nw))
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
