#!/usr/bin/env bash
# known_item.sh -- the keyword-search regression check of issue 4 and its
# latency: known-item title queries over the news.
#
# usage: bench/known_item.sh [-n K] [-- extra cari-search options]
#
# Indexes corpus/clickid_news of ../shared/data alone (bench/work/ix-news;
# KI_REUSE=1 keeps the last one), draws 1000 queries from its titles with
# ../shared/bench/gen_queries.py (seed 42; the target of a query is the
# article its words came from), runs them through
#   cari-search --batch -n K (default 10) --latency
# three times and prints success@10 (= R@10 of ir_eval.py with one target)
# and MRR@10 of the first pass, and the p50 / p95 / mean latency of the
# fastest pass (microseconds per query: search and ranking, not start-up).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SHARED=${CARI_SHARED:-$ROOT/../shared}
DATA=$SHARED/data
BIN=${CARI_BIN:-$ROOT/bin}
WORK=${EVAL_WORK:-$ROOT/bench/work}
n=10
extra=()
while [ $# -gt 0 ]; do
    case $1 in
    -n) n=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
done
news=$DATA/corpus/clickid_news.jsonl.gz
[ -r "$news" ] || { echo "known_item: $news is missing: the check needs ../shared/data" >&2; exit 2; }
mkdir -p "$WORK/ki"
ix=$WORK/ix-news
if [ "${KI_REUSE:-0}" != 1 ] || [ ! -f "$ix/MANIFEST" ]; then
    rm -rf "$ix"
    "$BIN/cari-index" -q --no-sync -i "$ix" "$news"
fi
q=$WORK/ki/q.txt
[ -s "$q" ] || python3 "$SHARED/bench/gen_queries.py" "$news" -n 1000 --seed 42 \
    -o "$q" --qrels "$WORK/ki/q.qrels" 2>/dev/null
for pass in 1 2 3; do
    "$BIN/cari-search" -i "$ix" --batch "$q" -n "$n" --latency "$WORK/ki/lat.$pass" \
        "${extra[@]}" > "$WORK/ki/run.$pass"
done
python3 "$SHARED/bench/ir_eval.py" "$WORK/ki/run.1" "$WORK/ki/q.qrels" |
    awk -F'\t' '$1 == "R@10" { s = $2 } $1 == "MRR@10" { m = $2 }
                END { printf "success@10 %s  MRR@10 %s\n", s, m }'
python3 - "$WORK"/ki/lat.[123] <<'PY'
import sys
best = None
for path in sys.argv[1:]:
    v = sorted(float(l.split()[1]) for l in open(path))
    s = (v[len(v) // 2], v[int(len(v) * 0.95)], sum(v) / len(v))
    best = s if best is None or s[0] < best[0] else best
print("latency p50 %.0f us  p95 %.0f us  mean %.0f us (fastest of 3 passes)" % best)
PY
