#!/usr/bin/env python3
"""gen_batches.py -- generated articles in batches, for the shell tests.

usage: tests/gen_batches.py OUTDIR SEED BATCHES PER_BATCH REPLACE DELETE

Writes OUTDIR/1.jsonl .. OUTDIR/BATCHES.jsonl: PER_BATCH articles each
("gen-N", a title of 5 words, 1-6 paragraphs of 8-60 words from one
vocabulary of 34 words, so that common words have long posting lists,
and "source" and "date" metadata); every batch after the first also
replaces REPLACE articles of the earlier ones; and OUTDIR/delete, DELETE
ids of them.  The same arguments give the same files.
"""
import json
import os
import random
import sys

out, seed, batches, per, replace, delete = sys.argv[1], *map(int, sys.argv[2:7])
os.makedirs(out, exist_ok=True)
rng = random.Random(seed)
words = ("banjir jakarta warga pemerintah sungai hujan rumah jalan kota "
         "menteri rakyat petani beras harga pasar nelayan laut ikan kapal "
         "sekolah murid guru desa listrik air bersih pembangunan jembatan "
         "mengungsi ditulis menulis tulisan penulis dibangun membangun").split()


def para():
    return " ".join(rng.choice(words) for _ in range(rng.randint(8, 60))) + "."


for b in range(batches):
    with open(f"{out}/{b + 1}.jsonl", "w", encoding="utf-8") as f:
        for k in range(per):
            n = b * per + k
            a = {"id": f"gen-{n}", "title": " ".join(rng.choice(words) for _ in range(5)),
                 "text": "\n\n".join(para() for _ in range(rng.randint(1, 6))),
                 "source": rng.choice(["tempo", "kompas"]),
                 "date": f"2020-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"}
            f.write(json.dumps(a, ensure_ascii=False) + "\n")
        if b:   # replacements of earlier articles
            for n in rng.sample(range(b * per), replace):
                a = {"id": f"gen-{n}", "title": "ganti " + rng.choice(words), "text": para()}
                f.write(json.dumps(a) + "\n")
with open(f"{out}/delete", "w") as f:
    f.write("".join(f"gen-{n}\n" for n in rng.sample(range(batches * per), delete)))
