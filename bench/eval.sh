#!/usr/bin/env bash
# eval.sh -- relevance evaluation of cari on the question sets in
# ../shared/data/eval (see docs/EVAL.md for results).
#
# usage: bench/eval.sh [--split test|valid|train] [--alone] [--record]
#                      [-- extra cari-search options]
#
# The "mixed" setting (default) indexes the passages of eval/tydiqa_id and
# eval/facqa together with every article of corpus/clickid_news and
# corpus/indosum_dev as distractors (and eval/squad_id_mt's passages, whose
# questions are scored on their valid split); --alone indexes each set's
# passages on their own.  Each question set runs through
#   cari-search --batch -n 100
# and ../shared/bench/ir_eval.py scores it: MRR@10, R@10, R@100, nDCG@10.
# --record prepends the table, the date and the command to docs/EVAL.md.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SHARED=${CARI_SHARED:-$ROOT/../shared}
DATA=$SHARED/data
BIN=${CARI_BIN:-$ROOT/bin}
WORK=${EVAL_WORK:-$ROOT/bench/work}
split=test setting=mixed record=0
extra=()
while [ $# -gt 0 ]; do
    case $1 in
    --split) split=$2; shift 2 ;;
    --alone) setting=alone; shift ;;
    --record) record=1; shift ;;
    --) shift; extra=("$@"); break ;;
    *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
done
for f in eval/tydiqa_id/passages.jsonl eval/facqa/passages.jsonl \
         eval/squad_id_mt/passages.jsonl corpus/clickid_news.jsonl.gz \
         corpus/indosum_dev.jsonl.gz; do
    [ -r "$DATA/$f" ] || { echo "eval: $DATA/$f is missing: the evaluation needs ../shared/data" >&2; exit 2; }
done
command -v python3 >/dev/null || { echo "eval: python3 is needed to score" >&2; exit 2; }
mkdir -p "$WORK"

index_of() {  # index_of NAME INPUT... : (re)build an index, print its dir
    local name=$1; shift
    local dir=$WORK/ix-$name
    rm -rf "$dir"
    "$BIN/cari-index" -q --no-sync -i "$dir" "$@" >&2
    echo "$dir"
}

if [ $setting = mixed ] && [ "${EVAL_REUSE:-0}" = 1 ] && [ -f "$WORK/ix-mixed/MANIFEST" ]; then
    mixed=$WORK/ix-mixed   # EVAL_REUSE=1: keep the index of the last run
elif [ $setting = mixed ]; then
    mixed=$(index_of mixed "$DATA/eval/tydiqa_id/passages.jsonl" \
        "$DATA/eval/facqa/passages.jsonl" "$DATA/eval/squad_id_mt/passages.jsonl" \
        "$DATA/corpus/clickid_news.jsonl.gz" "$DATA/corpus/indosum_dev.jsonl.gz")
fi

table="| set | split | queries | MRR@10 | R@10 | R@100 | nDCG@10 |
| --- | --- | --- | --- | --- | --- | --- |"
for set in tydiqa_id facqa squad_id_mt; do
    s=$split
    [ $set = squad_id_mt ] && s=valid   # the only split it has
    q=$DATA/eval/$set/queries.$s.tsv
    [ -r "$q" ] || continue
    if [ $setting = mixed ]; then ix=$mixed; else
        ix=$(index_of "$set" "$DATA/eval/$set/passages.jsonl"); fi
    cut -f2 "$q" > "$WORK/$set.$s.q"
    "$BIN/cari-search" -i "$ix" --batch "$WORK/$set.$s.q" -n 100 --plain "${extra[@]}" > "$WORK/$set.$s.run" || true
    read -r nq mrr r10 r100 ndcg < <(python3 "$SHARED/bench/ir_eval.py" "$WORK/$set.$s.run" \
        "$DATA/eval/$set/qrels.tsv" "$q" | cut -f2 | tr '\n' ' '; echo)
    table+=$'\n'"| $set | $s | $nq | $mrr | $r10 | $r100 | $ndcg |"
done
echo "setting: $setting"
echo "$table"
if [ $record = 1 ]; then
    doc=$ROOT/docs/EVAL.md
    flag=""
    if [ $setting = alone ]; then flag=" --alone"; fi
    cmd="bench/eval.sh --split $split$flag${extra[*]:+ -- ${extra[*]}}"
    entry="## $(date +%Y-%m-%d) — $setting, $split split (cari $("$BIN/cari-search" --version | cut -d' ' -f2), $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'))

Command: \`$cmd\`

$table
"
    if [ -f "$doc" ]; then
        head=$(sed -n '1,/^<!-- results -->$/p' "$doc")
        tail=$(sed '1,/^<!-- results -->$/d' "$doc")
        printf '%s\n\n%s\n%s\n' "$head" "$entry" "$tail" > "$doc"
    else
        printf '# Relevance evaluation\n\n<!-- results -->\n\n%s\n' "$entry" > "$doc"
    fi
    echo "recorded in docs/EVAL.md"
fi
