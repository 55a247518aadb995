#!/usr/bin/env bash
# scale.sh -- cost growth: cari on 1x, 3x and 10x clickid_news (the larger
# ones recombine real paragraphs: bench/grow_corpus.py), same queries.
#
# usage: bench/scale.sh [--factors "1 3 10"] [--memory MB] [--record]
#
# For each size: index time and MB/s (default threads), peak RSS (GNU time),
# index size, and query p50/p95 (median of the third of three passes) of the
# 1000 title queries of `make bench`; then the time and peak RSS of
# `cari-index --merge` into one segment.  The larger corpora are written once to
# bench/work (the 10x one is ~470 MB).  Prints a table, writes
# bench/results/scale.tsv and plots docs/scale.png (python3 with matplotlib;
# skipped with a message without it).  --record puts the table into
# docs/BENCHMARKS.md.  --memory (default 256) is the flush threshold: peak
# RSS should not grow with the corpus, indexing or merging.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SHARED=${CARI_SHARED:-$ROOT/../shared}
WORK=${BENCH_WORK_DIR:-$HERE/work}
BIN=${CARI_BIN:-$ROOT/bin}
. "$HERE/lib.sh"
factors="1 3 10" memory=256 record=0
while [ $# -gt 0 ]; do
    case $1 in
    --factors) factors=$2; shift 2 ;;
    --memory) memory=$2; shift 2 ;;
    --record) record=1; shift ;;
    *) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
done
src=$SHARED/data/corpus/clickid_news.jsonl.gz
[ -r "$src" ] || { echo "scale: $src is missing: the benchmark needs ../shared/data" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "scale: GNU time is needed (apt-get install time)" >&2; exit 2; }
mkdir -p "$WORK" "$HERE/results"
q=$WORK/q1000.txt
[ -s "$q" ] || python3 "$SHARED/bench/gen_queries.py" "$src" -n 1000 --seed 42 \
    -o "$q" --qrels "${q%.txt}.qrels" >&2
tsv=$HERE/results/scale.tsv
printf 'factor\tarticles\ttext_MB\tindex_s\tMB_per_s\tpeak_rss_MB\tindex_MB\tsegments\tp50_ms\tp95_ms\tmerge_s\tmerge_peak_rss_MB\n' > "$tsv"
for f in $factors; do
    corpus=$WORK/clickid_x$f.jsonl
    [ -s "$corpus" ] || python3 "$HERE/grow_corpus.py" "$src" "$f" "$corpus"
    ix=$WORK/scale-ix-$f
    rm -rf "$ix"
    /usr/bin/time -f '%e %M' -o "$WORK/scale.time" \
        "$BIN/cari-index" -q --no-sync --memory "$memory" -i "$ix" "$corpus"
    read -r secs rss_kb < "$WORK/scale.time"
    text_bytes=$(python3 -c "
import json,sys
n=0;b=0
for l in open(sys.argv[1],encoding='utf-8'):
    d=json.loads(l); n+=1; b+=len(d['title'].encode())+len(d['text'].encode())
print(n,b)" "$corpus")
    read -r arts bytes <<< "$text_bytes"
    size=$(du -sb "$ix" | cut -f1)
    segs=$("$BIN/cari-index" -i "$ix" --stats | awk '$1 == "segments" {print $2}')
    for pass in 1 2 3; do
        "$BIN/cari-search" -i "$ix" -n 10 --batch "$q" --latency "$WORK/scale.lat" > /dev/null
    done
    read -r p50 p95 < <(latency_ms "$WORK/scale.lat")
    # then everything merged into one segment, under the same --memory
    /usr/bin/time -f '%e %M' -o "$WORK/scale.time" \
        "$BIN/cari-index" -q --no-sync --memory "$memory" -i "$ix" --merge
    read -r msecs mrss_kb < "$WORK/scale.time"
    printf '%s\t%s\t%.1f\t%.2f\t%.1f\t%.1f\t%.1f\t%s\t%s\t%s\t%.2f\t%.1f\n' "$f" "$arts" \
        "$(echo "$bytes / 1000000" | bc -l)" "$secs" "$(echo "$bytes / 1000000 / $secs" | bc -l)" \
        "$(echo "$rss_kb / 1000" | bc -l)" "$(echo "$size / 1000000" | bc -l)" "$segs" "$p50" "$p95" \
        "$msecs" "$(echo "$mrss_kb / 1000" | bc -l)" >> "$tsv"
    rm -rf "$ix"
done
column -t -s$'\t' "$tsv"
if python3 -c 'import matplotlib' 2>/dev/null || /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
    py=python3
    python3 -c 'import matplotlib' 2>/dev/null || py=/usr/bin/python3
    "$py" - "$tsv" "$ROOT/docs/scale.png" <<'PY'
import csv, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
x = [float(r["text_MB"]) for r in rows]
fig, ax = plt.subplots(1, 3, figsize=(12, 3.6))
ax[0].plot(x, [float(r["index_s"]) for r in rows], "o-", label="index time (s)")
ax[0].plot(x, [float(r["peak_rss_MB"]) / 100 for r in rows], "s--", label="peak RSS (100 MB)")
ax[0].plot(x, [float(r["merge_peak_rss_MB"]) / 100 for r in rows], "^:", label="--merge peak RSS (100 MB)")
ax[0].set_xlabel("text (MB)"); ax[0].legend(); ax[0].set_title("indexing")
ax[1].plot(x, [float(r["index_MB"]) for r in rows], "o-")
ax[1].set_xlabel("text (MB)"); ax[1].set_ylabel("MB"); ax[1].set_title("index size")
ax[2].plot(x, [float(r["p50_ms"]) for r in rows], "o-", label="p50")
ax[2].plot(x, [float(r["p95_ms"]) for r in rows], "s-", label="p95")
ax[2].set_xlabel("text (MB)"); ax[2].set_ylabel("ms"); ax[2].legend(); ax[2].set_title("top-10 query latency")
fig.suptitle("cari at 1x, 3x, 10x clickid_news")
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=90)
PY
    echo "plot: docs/scale.png" >&2
else
    echo "scale: no matplotlib: docs/scale.png not drawn (apt-get install python3-matplotlib)" >&2
fi
if [ $record = 1 ]; then
    python3 "$HERE/record_table.py" "$ROOT/docs/BENCHMARKS.md" "$tsv" "cost growth" \
        "Command: \`bench/scale.sh --memory $memory\` (part of \`make bench\`); plot: \`docs/scale.png\`."
    echo "recorded in docs/BENCHMARKS.md" >&2
fi
