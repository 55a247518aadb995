#!/usr/bin/env bash
# xapian_compare.sh -- the native and the Xapian backend side by side (see
# docs/BENCHMARKS.md, "Xapian backend").
#
# usage: bench/xapian_compare.sh [--quick]
#
# 1. Index time and size of both backends on corpus/ and, unless --quick,
#    on ../shared/data/corpus/clickid_news.jsonl.gz (one run each, --no-sync,
#    wall-clock seconds; size = bytes of the index directory).
# 2. Agreement and relevance on the FacQA test questions over the FacQA
#    passages (as tests/relevance.t): MRR@10 of each backend
#    (../shared/bench/ir_eval.py) and the mean overlap@10 of the two
#    rankings (bench/overlap.py); the same overlap on tests/data's corpus/
#    queries.
# Prints markdown tables.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SHARED=${CARI_SHARED:-$ROOT/../shared}
DATA=$SHARED/data
BIN=${CARI_BIN:-$ROOT/bin}
WORK=${BENCH_WORK:-$ROOT/bench/work/xapian}
quick=0
[ "${1:-}" = --quick ] && quick=1
"$BIN/cari-index" --version | grep -q xapian ||
    { echo "xapian_compare: cari was built without the Xapian backend" >&2; exit 2; }
rm -rf "$WORK" && mkdir -p "$WORK"

now() { date +%s.%N; }
index_row() {  # NAME INPUT: one table row per backend
    local name=$1 input=$2 backend t0 t1 bytes
    for backend in native xapian; do
        t0=$(now)
        "$BIN/cari-index" -q --no-sync --backend $backend -i "$WORK/$name.$backend" "$input"
        t1=$(now)
        bytes=$(du -sb "$WORK/$name.$backend" | cut -f1)
        printf '| %s | %s | %.2f | %.3f |\n' "$name" $backend \
            "$(echo "$t1 - $t0" | bc)" "$(echo "$bytes / 1000000" | bc -l)"
    done
}

echo "| input | backend | index time (s) | index size (MB) |"
echo "| --- | --- | --- | --- |"
index_row corpus "$ROOT/corpus"
if [ $quick = 0 ] && [ -r "$DATA/corpus/clickid_news.jsonl.gz" ]; then
    index_row clickid_news "$DATA/corpus/clickid_news.jsonl.gz"
fi
echo

Q=$ROOT/tests/data/corpus_queries.txt
"$BIN/cari-search" -i "$WORK/corpus.native" --batch "$Q" -n 10 > "$WORK/corpus.native.run" 2>/dev/null || true
"$BIN/cari-search" -i "$WORK/corpus.xapian" --batch "$Q" -n 10 > "$WORK/corpus.xapian.run" 2>/dev/null || true
cov=$(python3 "$HERE/overlap.py" "$WORK/corpus.native.run" "$WORK/corpus.xapian.run" | awk -F'\t' '$1 == "overlap@10" {print $2}')

D=$DATA/eval/facqa
if [ -r "$D/passages.jsonl" ]; then
    cut -f2 "$D/queries.test.tsv" > "$WORK/facqa.q"
    for backend in native xapian; do
        "$BIN/cari-index" -q --no-sync --backend $backend -i "$WORK/facqa.$backend" "$D/passages.jsonl"
        "$BIN/cari-search" -i "$WORK/facqa.$backend" --batch "$WORK/facqa.q" -n 100 --plain > "$WORK/facqa.$backend.run"
    done
    mrr() { python3 "$SHARED/bench/ir_eval.py" "$1" "$D/qrels.tsv" "$D/queries.test.tsv" | awk -F'\t' '$1 == "MRR@10" {print $2}'; }
    fov=$(python3 "$HERE/overlap.py" "$WORK/facqa.native.run" "$WORK/facqa.xapian.run" | awk -F'\t' '$1 == "overlap@10" {print $2}')
    echo "| set | queries | MRR@10 native | MRR@10 xapian | overlap@10 |"
    echo "| --- | --- | --- | --- | --- |"
    echo "| corpus/ (tests/data/corpus_queries.txt) | $(wc -l < "$Q") | - | - | $cov |"
    echo "| FacQA test, FacQA passages | $(wc -l < "$WORK/facqa.q") | $(mrr "$WORK/facqa.native.run") | $(mrr "$WORK/facqa.xapian.run") | $fov |"
else
    echo "| set | queries | overlap@10 |"
    echo "| --- | --- | --- |"
    echo "| corpus/ | $(wc -l < "$Q") | $cov |"
    echo "(../shared/data/eval/facqa not found: FacQA not measured)"
fi
