#!/usr/bin/env bash
# relevance_mixed.t -- relevance floors of the ranking (issue 4) on the
# valid questions of tydiqa_id and facqa in the mixed setting: their
# passages indexed together with the news of corpus/clickid_news and
# corpus/indosum_dev as distractors (as bench/eval.sh does), and the
# keyword-search regression check: known-item queries drawn from news
# titles (gen_queries.py, seed 42).  The floors sit a little below what
# the shipped model measures (docs/RANKING.md), so a change that breaks
# ranking fails here.  Needs ../shared/data; says so and skips when it
# is missing.  CARI_SLOW_TESTS=0 skips it too (it indexes ~53 MB).
. "$(dirname "$0")/tap.sh"

DATA=$SHARED/data
for f in eval/tydiqa_id/passages.jsonl eval/facqa/passages.jsonl \
         corpus/clickid_news.jsonl.gz corpus/indosum_dev.jsonl.gz; do
    [ -r "$DATA/$f" ] || skip_all "../shared/data/$f not found: mixed relevance floors not checked"
done
command -v python3 >/dev/null || skip_all "python3 not found: cannot score"
[ "${CARI_SLOW_TESTS:-1}" = 0 ] && skip_all "CARI_SLOW_TESTS=0"

"$BIN/cari-index" -q --no-sync -i "$TMP/ix" "$DATA/eval/tydiqa_id/passages.jsonl" \
    "$DATA/eval/facqa/passages.jsonl" "$DATA/corpus/clickid_news.jsonl.gz" \
    "$DATA/corpus/indosum_dev.jsonl.gz"
ok $? "index the mixed collection"

metric() {  # metric SCORES NAME
    echo "$1" | awk -F'\t' -v n="$2" '$1 == n {print $2}'
}
at_least() {  # at_least VALUE FLOOR DESCRIPTION
    awk -v v="$1" -v f="$2" 'BEGIN { exit !(v >= f) }'; ok $? "$3 $1 >= $2"
}

# set MRR@10-floor R@100-floor
while read -r set mrr_floor r100_floor; do
    q=$DATA/eval/$set/queries.valid.tsv
    cut -f2 "$q" > "$TMP/$set.q"
    "$BIN/cari-search" -i "$TMP/ix" --batch "$TMP/$set.q" -n 100 --plain > "$TMP/$set.run"
    ok $? "$set: batch search of the valid questions"
    scores=$(python3 "$SHARED/bench/ir_eval.py" "$TMP/$set.run" "$DATA/eval/$set/qrels.tsv" "$q")
    echo "$scores" | sed "s/^/# $set /"
    at_least "$(metric "$scores" MRR@10)" "$mrr_floor" "$set valid MRR@10"
    at_least "$(metric "$scores" R@100)" "$r100_floor" "$set valid R@100"
done <<'FLOORS'
tydiqa_id 0.76 0.95
facqa 0.78 0.965
FLOORS
# R@100 on this index (2026-11-30): 0.9627 / 0.9795 with feedback,
# 0.9577 / 0.9536 with --no-feedback, so feedback that stops working
# fails facqa's floor; tydiqa_id 0.9602 since rare words are searched as
# written (docs/SUGGEST.md; MRR@10 0.7930, facqa 0.8052 / 0.9795)

python3 "$SHARED/bench/gen_queries.py" "$DATA/corpus/clickid_news.jsonl.gz" -n 1000 \
    --seed 42 -o "$TMP/ki.q" --qrels "$TMP/ki.qrels" 2>/dev/null
"$BIN/cari-search" -i "$TMP/ix" --batch "$TMP/ki.q" -n 10 > "$TMP/ki.run"
ok $? "known-item title queries"
scores=$(python3 "$SHARED/bench/ir_eval.py" "$TMP/ki.run" "$TMP/ki.qrels")
echo "$scores" | sed "s/^/# known-item /"
# BM25 alone (before the model) measured success@10 0.704, MRR@10 0.550
# here; the model 0.785 / 0.628 without the words' exact forms as terms
# (exact_form 0), 0.801 / 0.652 with them (2026-11-30, 4b44c5f); with
# title phrases 0.845 / 0.736, the feature alone (first.phrase_articles
# 0) 0.815 / 0.717 (2026-11-30, 8a6d703): the floors fail if either
# stops working
at_least "$(metric "$scores" R@10)" 0.83 "known-item success@10"
at_least "$(metric "$scores" MRR@10)" 0.725 "known-item MRR@10"
done_testing
