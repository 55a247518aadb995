#!/usr/bin/env python3
"""grow_corpus.py SOURCE.jsonl[.gz] FACTOR OUT.jsonl [--seed N]

Writes FACTOR times the articles of SOURCE: the originals, then FACTOR - 1
rounds of new articles made by recombining real paragraphs.  A new article
takes the title of a random original and as many paragraphs as another
random original has, each drawn at random from all the paragraphs of the
collection; its id is "<original id>~<round>".  So vocabulary, paragraph
lengths and term statistics stay those of real Indonesian news, and the
index grows as it would with more of it (for the cost-growth benchmark).
Deterministic for a given seed (default 7).
"""
import gzip
import json
import random
import sys


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--seed")]
    seed = 7
    for i, a in enumerate(sys.argv):
        if a == "--seed":
            seed = int(sys.argv[i + 1])
            args.remove(sys.argv[i + 1])
    if len(args) != 3:
        sys.exit(__doc__)
    src, factor, out = args[0], int(args[1]), args[2]
    opener = gzip.open if src.endswith(".gz") else open
    articles = []
    with opener(src, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                articles.append(json.loads(line))
    paragraphs = [p for a in articles for p in a.get("text", "").split("\n\n") if p.strip()]
    counts = [max(1, len([p for p in a.get("text", "").split("\n\n") if p.strip()])) for a in articles]
    rng = random.Random(seed)
    with open(out, "w", encoding="utf-8") as o:
        for a in articles:
            o.write(json.dumps({"id": a["id"], "title": a.get("title", ""), "text": a.get("text", "")},
                               ensure_ascii=False) + "\n")
        for r in range(1, factor):
            for a in articles:
                n = rng.choice(counts)
                text = "\n\n".join(rng.choice(paragraphs) for _ in range(n))
                title = rng.choice(articles).get("title", "")
                o.write(json.dumps({"id": f"{a['id']}~{r}", "title": title, "text": text},
                                   ensure_ascii=False) + "\n")


main()
