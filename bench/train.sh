#!/usr/bin/env bash
# train.sh -- trains cari's ranking model (docs/RANKING.md).
#
# usage: bench/train.sh BASE OUT [WORKDIR]
#
# BASE is a model file that sets the parameters (first stage, depth, the
# BM25 features' k1/b); its weights are replaced.  Steps: feature dumps
# of the train and valid queries over the mixed index
# (bench/rank_data.sh), coordinate ascent on MRR@10 over the train dumps
# per query class (bench/train_rank.c: questions on tydiqa_id + facqa
# train, keyword queries on known-item title queries, seeds 1 and 2),
# then the valid dumps scored with the result.  OUT gets BASE with the
# new weights and a comment naming the run.  RANK_SETS limits the sets
# (e.g. "tydiqa_id facqa" to train the question class only; the other
# class keeps BASE's weights); RANK_DEPTH sets the depth of the dumps
# (default: BASE's last depth line).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
base=$1 out=$2 work=${3:-$ROOT/bench/work/train}
mkdir -p "$ROOT/build" "$work"
cc -O2 -Wall -Wextra -o "$ROOT/build/train_rank" "$HERE/train_rank.c" -lm
T=$ROOT/build/train_rank
sets=${RANK_SETS:-tydiqa_id facqa ki}
depth=${RANK_DEPTH:-$(awk '$1 == "depth" { d = $2 } END { print d ? d : 300 }' "$base")}
"$HERE/rank_data.sh" "$base" "$work" "$depth" >/dev/null
# more of a match must never lower a score: match features weigh >= 0
nonneg=body,exact,title,article,coverage,article_coverage,title_coverage,proximity,window,pairs,lead,entity,rarest,title_phrase
spec() { echo "$work/$1.$2.feat:$work/$1.$2.tsv:$work/$1.$2.qrels"; }
train_class() {  # train_class CLASS SET...
    local cls=$1; shift
    local tr=() va=() s
    for s in "$@"; do tr+=("$(spec "$s" train)"); va+=("$(spec "$s" valid)"); done
    "$T" --class "$cls" --nonneg "$nonneg" --init "$base" ${TRAIN_OPTS:-} "${tr[@]}" \
        > "$work/$cls.weights" 2> "$work/$cls.log"
    {
        echo "cari-ranker 1"; echo "[$cls]"; cat "$work/$cls.weights"
    } > "$work/$cls.model"
    "$T" --eval --class "$cls" --init "$work/$cls.model" "${va[@]}" 2>&1 |
        sed -n 's/^start:/valid:/p' > "$work/$cls.valid"
    echo "$cls: $(grep '^end' "$work/$cls.log" | sed 's/^end:/train:/')"
    echo "$cls: $(cat "$work/$cls.valid")"
}
q=() k=()
for s in $sets; do if [ "$s" = ki ]; then k+=(ki); else q+=("$s"); fi; done
[ ${#q[@]} -gt 0 ] && train_class question "${q[@]}"
[ ${#k[@]} -gt 0 ] && train_class keyword "${k[@]}"
python3 "$HERE/merge_model.py" "$base" "$work" "$(date +%Y-%m-%d)" "$sets" > "$out"
echo "wrote $out"
