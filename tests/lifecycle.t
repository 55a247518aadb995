#!/usr/bin/env bash
# lifecycle.t -- an index updated by many runs answers as a fresh index of
# what those runs left live: no replaced or deleted text is ever found,
# every live article is, each once.
#
# A model (below, in Python) writes runs of JSON Lines: new articles,
# replacements of live ones, ids repeated within a file, deletions
# (--delete-from, applied before the run's adds: some of the deleted ids
# are added again in the same run, and one id the index never held), and
# now and then --merge.  The runs alternate -j 1 and -j 2, --memory 16 and
# the default, so segments are flushed, merged by tiers and by the share
# of deleted articles, in varied ways.  Every version of an article holds
# a word of its own (zqv000123x).  After each run: --check passes, and
# each version's word finds its article's id exactly once when the
# version is live, and nothing when it was replaced or deleted.  At the
# end, --merge, and the query set ranks exactly as on a fresh index of
# the live articles (before the merge, deleted articles still count in
# the statistics: docs/DESIGN.md).
#
# The other tests compare fixed scenarios (merge.t: -j 1 runs and one
# delete list; crash.t: a stopped run); this one walks through many
# states of one index.  CARI_LIFECYCLE_SEEDS=N runs N seeds (default 2).
. "$(dirname "$0")/tap.sh"

CI=$BIN/cari-index
CS=$BIN/cari-search
SEEDS=${CARI_LIFECYCLE_SEEDS:-2}

# model.py OUT SEED RUNS: OUT/N.jsonl and OUT/N.del for each run N, its
# cari-index options in OUT/N.opts; after run N, OUT/N.words (every
# version word so far) and OUT/N.expect (its article's id when that
# version is live, else -); OUT/final.jsonl (the live articles) and
# OUT/queries
cat > "$TMP/model.py" <<'PY'
import json, os, random, sys
out, seed, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
words = ("banjir jakarta warga pemerintah sungai hujan rumah jalan kota "
         "menteri rakyat petani beras harga pasar nelayan laut ikan kapal "
         "sekolah murid guru desa listrik air bersih pembangunan jembatan "
         "mengungsi ditulis menulis tulisan penulis dibangun membangun "
         "gempa bumi pantai gunung api kereta stasiun bandara pesawat").split()
os.makedirs(out, exist_ok=True)
live = {}       # id -> (word, article)
owner = {}      # version word -> id
serial = [0, 0]

def version(i):
    serial[0] += 1
    w = "zqv%06dx" % serial[0]
    paras = ["%s." % " ".join(rng.choice(words)
                              for _ in range(rng.randint(5, 60)))
             for _ in range(rng.randint(1, 5))]
    paras.insert(rng.randrange(len(paras) + 1), w)
    a = {"id": i, "title": " ".join(rng.choice(words) for _ in range(4)),
         "text": "\n\n".join(paras)}
    owner[w] = i
    return w, a

opts = ["-j 1", "-j 2", "-j 1 --memory 16", "-j 2 --memory 16"]
for r in range(1, runs + 1):
    dels = []
    if live and r > 1:
        dels = rng.sample(sorted(live), rng.randint(1, max(1, len(live) // 25)))
    ids = []
    for _ in range(rng.randint(40, 160)):
        serial[1] += 1
        ids.append("art-%d" % serial[1])
    if live:
        ids += rng.sample(sorted(live), rng.randint(0, len(live) // 12))
    ids += dels[:len(dels) // 3]                  # deleted, then added again
    ids += rng.sample(ids, min(len(ids), rng.randint(0, 8)))  # twice in a file
    rng.shuffle(ids)
    for d in dels:
        live.pop(d, None)
    with open("%s/%d.jsonl" % (out, r), "w", encoding="utf-8") as f:
        for i in ids:
            w, a = version(i)
            live[i] = (w, a)
            f.write(json.dumps(a, ensure_ascii=False) + "\n")
    with open("%s/%d.del" % (out, r), "w") as f:
        f.write("".join(d + "\n" for d in dels + (["never-held"] if dels else [])))
    with open("%s/%d.opts" % (out, r), "w") as f:
        f.write(opts[(r + seed) % len(opts)] +
                (" --merge" if r % 5 == 0 else "") + "\n")
    ws = sorted(owner)
    lw = {v[0] for v in live.values()}
    with open("%s/%d.words" % (out, r), "w") as f:
        f.write("".join(w + "\n" for w in ws))
    with open("%s/%d.expect" % (out, r), "w") as f:
        f.write("".join((owner[w] if w in lw else "-") + "\n" for w in ws))
with open(out + "/final.jsonl", "w", encoding="utf-8") as f:
    for i in sorted(live):
        f.write(json.dumps(live[i][1], ensure_ascii=False) + "\n")
qs = set()
while len(qs) < 120:
    qs.add(" ".join(rng.sample(words, rng.randint(1, 3))))
qs = sorted(qs) + ['"%s %s"' % tuple(rng.sample(words, 2)) for _ in range(20)]
qs += ["title:%s" % w for w in words[:10]] + ["pe*", "men*", "ke*"]
open(out + "/queries", "w").write("\n".join(qs) + "\n")
PY

# The ids each version word finds, one line a word ("-" for none),
# against EXPECT: prints the first few words that differ.
cat > "$TMP/found.py" <<'PY'
import sys
expect = [l.rstrip("\n") for l in open(sys.argv[1])]
found = {}
for line in sys.stdin:
    qno, _, hit, _ = line.rstrip("\n").split("\t")
    found.setdefault(int(qno), []).append(hit.rsplit("#", 1)[0])
bad = 0
for q, e in enumerate(expect, 1):
    want = [] if e == "-" else [e]
    if found.get(q, []) != want:
        bad += 1
        if bad <= 3:
            print("word %d: expected %s, found %s" % (q, want, found.get(q, [])))
print("%d of %d wrong" % (bad, len(expect)))
PY

RUNS=12
for seed in $(seq 1 "$SEEDS"); do
    d=$TMP/s$seed ix=$TMP/s$seed/ix
    python3 "$TMP/model.py" "$d" "$seed" "$RUNS"
    failed_check="" failed_words=""
    for r in $(seq 1 "$RUNS"); do
        # shellcheck disable=SC2046
        if ! "$CI" -q --no-sync -i "$ix" $(cat "$d/$r.opts") \
                --delete-from "$d/$r.del" "$d/$r.jsonl" 2>/dev/null; then
            failed_check="$failed_check run $r: cari-index failed;"
            break
        fi
        "$CI" -i "$ix" --check > "$d/check" ||
            failed_check="$failed_check run $r: $(head -1 "$d/check");"
        out=$("$CS" -i "$ix" --batch "$d/$r.words" -f tsv -n 3 --group 0 |
              python3 "$TMP/found.py" "$d/$r.expect")
        case $out in
        "0 of "*) ;;
        *) failed_words="$failed_words run $r ($(cat "$d/$r.opts")): $out;" ;;
        esac
    done
    is "$failed_check" "" "seed $seed: $RUNS runs, --check passes after each"
    is "$failed_words" "" "seed $seed: after each run, every live version is found once, replaced and deleted ones never ($(wc -l < "$d/$RUNS.words") versions)"
    "$CI" -q --no-sync -i "$ix" --merge
    "$CI" -q --no-sync -i "$d/fresh" "$d/final.jsonl"
    is "$("$CS" -i "$ix" --batch "$d/queries" -f tsv -n 20 | md5sum)" \
       "$("$CS" -i "$d/fresh" --batch "$d/queries" -f tsv -n 20 | md5sum)" \
       "seed $seed: merged, it ranks as a fresh index of its $(wc -l < "$d/final.jsonl") live articles"
done

done_testing
