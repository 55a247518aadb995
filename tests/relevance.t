#!/usr/bin/env bash
# relevance.t -- a relevance floor: MRR@10 on the FacQA test questions
# over the FacQA passages must stay at or above 0.75 (measured 0.81 when
# this test was written).  Needs ../shared/data (the evaluation data is not
# part of this repository); says so and skips when it is missing.
. "$(dirname "$0")/tap.sh"

D=$SHARED/data/eval/facqa
[ -r "$D/passages.jsonl" ] && [ -r "$D/queries.test.tsv" ] ||
    skip_all "../shared/data/eval/facqa not found: relevance floor not checked"
command -v python3 >/dev/null || skip_all "python3 not found: cannot score"

"$BIN/cari-index" -q -i "$TMP/ix" "$D/passages.jsonl"; ok $? "index the FacQA passages"
cut -f2 "$D/queries.test.tsv" > "$TMP/q.txt"
"$BIN/cari-search" -i "$TMP/ix" --batch "$TMP/q.txt" -n 100 --plain > "$TMP/run"; ok $? "batch search of the test questions"
scores=$(python3 "$SHARED/bench/ir_eval.py" "$TMP/run" "$D/qrels.tsv" "$D/queries.test.tsv")
echo "$scores" | sed 's/^/# /'
mrr=$(echo "$scores" | awk -F'\t' '$1 == "MRR@10" {print $2}')
awk -v m="$mrr" 'BEGIN { exit !(m >= 0.75) }'; ok $? "FacQA test MRR@10 $mrr >= 0.75"
done_testing
