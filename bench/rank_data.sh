#!/usr/bin/env bash
# rank_data.sh -- feature dumps for training and checking the ranking
# model (bench/train_rank.c; docs/RANKING.md).
#
# usage: bench/rank_data.sh MODEL OUTDIR [DEPTH]
#
# Runs `cari-search --features` with MODEL over the mixed index of
# bench/eval.sh (bench/work/ix-mixed; build it first with bench/eval.sh)
# for the train and valid questions of tydiqa_id and facqa, and for
# known-item queries from the titles of clickid_news (gen_queries.py,
# seeds 1 and 2 for train, 3 for valid; any query also drawn by seed 42,
# the regression check's set, is dropped).  Writes OUTDIR/SET.SPLIT.{tsv,
# qrels,feat}: queries, qrels and features of the best DEPTH (300)
# passages.  RANK_SETS (default "tydiqa_id facqa ki") limits the sets.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SHARED=${CARI_SHARED:-$ROOT/../shared}
DATA=$SHARED/data
BIN=${CARI_BIN:-$ROOT/bin}
IX=${RANK_INDEX:-$ROOT/bench/work/ix-mixed}
model=$1 out=$2 depth=${3:-300}
mkdir -p "$out"
[ -f "$IX/MANIFEST" ] || { echo "rank_data: no index at $IX: run bench/eval.sh first" >&2; exit 2; }

# known-item queries (title words), once
ki() {  # ki SPLIT SEED...
    local split=$1; shift
    [ -s "$out/ki.$split.tsv" ] && return 0
    python3 "$SHARED/bench/gen_queries.py" "$DATA/corpus/clickid_news.jsonl.gz" \
        -n 1000 --seed 42 -o "$out/ki.seed42.txt" 2>/dev/null
    : > "$out/ki.$split.tsv"; : > "$out/ki.$split.qrels"
    for seed in "$@"; do
        python3 "$SHARED/bench/gen_queries.py" "$DATA/corpus/clickid_news.jsonl.gz" \
            -n 1500 --seed "$seed" -o "$out/ki.s$seed.txt" --qrels "$out/ki.s$seed.qrels" 2>/dev/null
        paste "$out/ki.s$seed.txt" <(cut -f2 "$out/ki.s$seed.qrels") |
        awk -F'\t' -v s="$seed" 'NR == FNR { drop[$0] = 1; next }
            !($1 in drop) { q = "ki" s "-" FNR; print q "\t" $1 > "'"$out/ki.$split.tsv.tmp"'";
                            print q "\t" $2 > "'"$out/ki.$split.qrels.tmp"'" }' \
            "$out/ki.seed42.txt" -
        cat "$out/ki.$split.tsv.tmp" >> "$out/ki.$split.tsv"
        cat "$out/ki.$split.qrels.tmp" >> "$out/ki.$split.qrels"
        rm -f "$out/ki.$split.tsv.tmp" "$out/ki.$split.qrels.tmp"
    done
}
sets=${RANK_SETS:-tydiqa_id facqa ki}
case " $sets " in *" ki "*) ki train 1 2; ki valid 3 ;; esac

for set in $sets; do
    [ "$set" = ki ] && continue
    for split in train valid; do
        cp "$DATA/eval/$set/queries.$split.tsv" "$out/$set.$split.tsv"
        cp "$DATA/eval/$set/qrels.tsv" "$out/$set.$split.qrels"
    done
done
for set in $sets; do for split in train valid; do
    f=$out/$set.$split.tsv
    base=${f%.tsv}
    # --no-feedback: the second stage is trained on the question's own
    # candidates (feedback's hits past the 50th carry features of the
    # expanded question)
    cut -f2 "$f" | "$BIN/cari-search" -i "$IX" --batch - --plain --features \
        --no-feedback -n "$depth" --rerank "$depth" --model "$model" > "$base.feat" &
    # two at a time
    while [ "$(jobs -r | wc -l)" -ge 2 ]; do sleep 0.2; done
done; done
wait
ls -la "$out"/*.feat | awk '{print $5, $9}'
