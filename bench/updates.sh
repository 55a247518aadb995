#!/usr/bin/env bash
# updates.sh -- query speed as updates accumulate: clickid_news added in
# STEPS commits (one `cari-index` run each), every commit after the first
# also replacing REPLACE% of the articles already in (the same ids again,
# so that deletions pile up in the older segments until a merge drops
# them), against one index of the same final content built in one run.
#
# usage: bench/updates.sh [--steps N] [--replace PCT] [--threads N] [--record]
#
# After each commit: segments, deleted (not yet merged away) articles,
# index size, the commit's time, and top-10 p50/p95 of the 1000 title
# queries of `make bench` (the second of two passes), also as a ratio to
# an index of the same content built in one run.  The automatic merge (by
# tiers, writer.c choose_tiers; docs/DESIGN.md) is what keeps the ratio
# flat.  Writes bench/results/updates.tsv; --record adds the table to
# docs/BENCHMARKS.md.  Defaults: 24 steps, 5%, 1 thread (one segment per
# commit: the worst case for the segment count).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SHARED=${CARI_SHARED:-$ROOT/../shared}
WORK=${BENCH_WORK_DIR:-$HERE/work}
BIN=${CARI_BIN:-$ROOT/bin}
. "$HERE/lib.sh"
steps=24 replace=5 threads=1 record=0
while [ $# -gt 0 ]; do
    case $1 in
    --steps) steps=$2; shift 2 ;;
    --replace) replace=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --record) record=1; shift ;;
    *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
done
src=$SHARED/data/corpus/clickid_news.jsonl.gz
[ -r "$src" ] || { echo "updates: $src is missing: the benchmark needs ../shared/data" >&2; exit 2; }
mkdir -p "$WORK/updates" "$HERE/results"
q=$WORK/q1000.txt
[ -s "$q" ] || python3 "$SHARED/bench/gen_queries.py" "$src" -n 1000 --seed 42 \
    -o "$q" --qrels "${q%.txt}.qrels" >&2

# the batches: articles in file order, cut into `steps` runs; batch k > 1
# also repeats replace% of the articles of batches 1..k-1 (drawn with a
# fixed seed); all.jsonl is the final content, for the one-run index
python3 - "$src" "$WORK/updates" "$steps" "$replace" <<'PY'
import gzip, json, random, sys
src, out, steps, pct = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
lines = [l for l in gzip.open(src, "rt", encoding="utf-8") if l.strip()]
rng = random.Random(42)
per = (len(lines) + steps - 1) // steps
final = {}
for k in range(steps):
    batch = lines[k * per:(k + 1) * per]
    done = lines[:k * per]
    again = rng.sample(done, int(len(done) * pct / 100)) if k else []
    with open(f"{out}/batch-{k + 1:02d}.jsonl", "w", encoding="utf-8") as f:
        for l in batch + again:
            f.write(l)
            final[json.loads(l)["id"]] = l
    with open(f"{out}/all-{k + 1:02d}.jsonl", "w", encoding="utf-8") as f:
        f.writelines(final.values())
PY

latency() {  # latency INDEX -> "p50 p95" in ms (second of two passes)
    local pass
    for pass in 1 2; do
        "$BIN/cari-search" -i "$1" -n 10 --batch "$q" --latency "$WORK/updates/lat" > /dev/null
    done
    latency_ms "$WORK/updates/lat"
}
stat() { "$BIN/cari-index" -i "$1" --stats | awk -v k="$2" '$1 == k {print $2}'; }

one=$WORK/updates/ix-one
ix=$WORK/updates/ix
rm -rf "$ix"
tsv=$HERE/results/updates.tsv
printf 'commit\tarticles\tsegments\tdeleted\tindex_MB\tone_run_MB\tcommit_s\tp50_ms\tp95_ms\tp50_vs_one_run\tp95_vs_one_run\n' > "$tsv"
for k in $(seq 1 "$steps"); do
    b=$WORK/updates/batch-$(printf %02d "$k").jsonl
    t0=$(date +%s.%N)
    "$BIN/cari-index" -q --no-sync -j "$threads" -i "$ix" "$b"
    t1=$(date +%s.%N)
    read -r p50 p95 < <(latency "$ix")
    # the same content in one run
    rm -rf "$one"
    "$BIN/cari-index" -q --no-sync -j "$threads" -i "$one" "$WORK/updates/all-$(printf %02d "$k").jsonl"
    read -r one50 one95 < <(latency "$one")
    printf '%s\t%s\t%s\t%s\t%.1f\t%.1f\t%.2f\t%s\t%s\t%.2f\t%.2f\n' "$k" "$(stat "$ix" articles)" \
        "$(stat "$ix" segments)" "$(stat "$ix" deleted)" \
        "$(echo "$(du -sb "$ix" | cut -f1) / 1000000" | bc -l)" \
        "$(echo "$(du -sb "$one" | cut -f1) / 1000000" | bc -l)" "$(echo "$t1 - $t0" | bc -l)" \
        "$p50" "$p95" "$(echo "$p50 / $one50" | bc -l)" "$(echo "$p95 / $one95" | bc -l)" >> "$tsv"
done
column -t -s$'\t' "$tsv"
awk -F'\t' 'NR > 1 { n++; s += $7; r50 += $10; r95 += $11; if ($10 > m) m = $10 }
    END { printf "mean p50 ratio %.2f (max %.2f), mean p95 ratio %.2f; commits took %.1f s in all\n", r50 / n, m, r95 / n, s }' "$tsv"
rm -rf "$ix" "$one"
if [ $record = 1 ]; then
    python3 "$HERE/record_table.py" "$ROOT/docs/BENCHMARKS.md" "$tsv" \
        "query speed as updates accumulate" \
        "Command: \`bench/updates.sh --steps $steps --replace $replace --threads $threads\` (part of \`make bench\`); \`one_run\`: the same content indexed in one run."
    echo "recorded in docs/BENCHMARKS.md" >&2
fi
