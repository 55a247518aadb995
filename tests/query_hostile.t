#!/usr/bin/env bash
# query_hostile.t -- odd and hostile queries and options: each gets a
# clear message (exit 2 for a query or option that cannot be used, 1 when
# nothing can match) or a sensible result -- never a crash or a hang.
. "$(dirname "$0")/tap.sh"

CI=$BIN/cari-index
CS=$BIN/cari-search
IX=$TMP/ix
"$CI" -q -i "$IX" "$ROOT/corpus"

# q EXPECTED-EXIT MESSAGE-REGEX DESCRIPTION -- QUERY...: one search, under
# a time limit
q() {
    local want=$1 msg=$2 what=$3 err rc
    shift 4
    err=$(timeout 20 "$CS" -i "$IX" -f tsv -n 5 -- "$@" 2>&1 >/dev/null); rc=$?
    is "$rc" "$want" "$what: exit $want"
    [ -n "$msg" ] && like "$err" "$msg" "$what: says why"
}

NOWORD='no searchable word'
q 1 "$NOWORD" "an empty query" -- ""
q 1 "$NOWORD" "only spaces" -- "   "
q 1 "$NOWORD" "only stopwords" -- "yang dan di dari untuk"
q 1 "$NOWORD" "only punctuation" -- '!!! ??? ... ,,, ;:'
q 1 "$NOWORD" "only an excluded word" -- "-banjir"
q 1 "$NOWORD" "empty quotes" -- '"" ""'
q 2 "quote is never closed" "an unbalanced quote" -- '"banjir Jakarta'
q 2 "never closed" "an unclosed bracket" -- '((banjir'
q 2 "without a matching" "a stray closing bracket" -- 'banjir)'
q 2 "nested too deeply" "brackets 100 deep" -- "$(printf '%.0s(' $(seq 100))banjir$(printf '%.0s)' $(seq 100))"
q 2 "NEAR/n wants n from 1 to 1000" "NEAR/99999999999" -- 'banjir NEAR/99999999999 warga'
q 2 "NEAR/n wants n" "NEAR/0" -- 'banjir NEAR/0 warga'
q 2 "needs a word before it" "NEAR with nothing before it" -- 'NEAR/3 banjir'
# found by query_fuzz: a group of a lost NULL term and the last word
q 2 "one NEAR group has one distance" "NEAR/3 then NEAR/2 in one group" -- 'banjir NEAR/3 warga NEAR/2 sungai'
q 0 "" "NEAR/10 throughout: one group" -- 'banjir NEAR/10 warga NEAR/10 Jakarta'
q 2 "operator needs a word" "only operators" -- 'AND OR NOT'
# found by review: a bare "invalid argument" from the search
q 2 "column 1: a phrase holds at most 64 words" "a phrase of 65 words" -- "\"$(seq -s ' ' 101 165)\""
q 0 "" "a phrase of 64 words" -- "\"$(seq -s ' ' 101 164)\" banjir"
# found by query_fuzz: a crash (the error pointed before the query)
q 2 "column 1: a word of more than 64 parts is too long" "a word of 65 parts" -- "$(printf 'k%d,' $(seq 101 164))k165"
q 2 "missing at the end" "an operator at the end" -- 'banjir AND'
q 2 "must be followed by a word" "a lone +" -- '+'
q 2 "needs the start of a word" "a lone *" -- '*'
q 0 "" "a one-letter prefix" -- 'b*'
q 0 "" "a word in invalid UTF-8 among good ones" -- "$(printf 'banjir \xff\xfe')"

# 10,000 words: a sensible result, quickly (terms past the parser's limit
# are not searched)
words=$(python3 -c "
import random
random.seed(3)
w = 'banjir warga sungai pemerintah harga beras pasar nelayan laut ikan sekolah guru'.split()
print(' '.join(random.choice(w) + ('' if i % 3 == 0 else str(i % 97)) for i in range(10000)))")
out=$(timeout 20 "$CS" -i "$IX" -f tsv -n 3 "$words"); rc=$?
is "$rc" 0 "10,000 words: results"
is "$(printf '%s\n' "$out" | wc -l)" 3 "10,000 words: three hits, as asked"

# --batch: a 1 MB line, an empty line, a line with a stray quote, NULs
python3 - "$TMP/batch" <<'PY'
import sys
with open(sys.argv[1], "wb") as f:
    f.write(b"banjir " * 150000 + b"\n")       # about 1 MB
    f.write(b"\n")
    f.write(b'"banjir Jakarta\n')              # a stray quote: searched as words
    f.write(b"yang dan di\n")                  # no searchable word: skipped
    f.write(b"banjir\x00Jakarta\n")            # a NUL joins two words (like
                                               # a hyphen): no hit here
    f.write(b"nelayan Natuna\n")
PY
out=$(timeout 60 "$CS" -i "$IX" --batch "$TMP/batch" -n 2 2>"$TMP/err"); rc=$?
is "$rc" 0 "--batch with a 1 MB line and odd lines: exit 0"
is "$(printf '%s\n' "$out" | cut -f1 | sort -u | tr '\n' ' ')" "1 3 6 " \
    "--batch: results for the lines that have words, by line number"
like "$(cat "$TMP/err")" "query 3: .*searched as plain words" "--batch: a stray quote is said and searched as words"

# options out of range: a message, exit 2
o() {  # o DESCRIPTION OPTION...
    local what=$1 err rc
    shift
    err=$(timeout 20 "$CS" -i "$IX" "$@" banjir 2>&1 >/dev/null); rc=$?
    is "$rc" 2 "$what: exit 2"
    like "$err" "wants" "$what: says what it wants"
}
o "a huge -n" -n 99999999999999999999
o "a negative -n" -n -1
o "a huge --offset" --offset 18446744073709551617
o "a giant --snippet-words" --snippet-words 99999999
o "--snippet-words 0" --snippet-words 0
o "--k1 1e308" --k1 1e308
o "--b nan" --b nan
o "--title-weight -1" --title-weight -1
o "-n that is not a number" -n 12abc
out=$(timeout 20 "$CS" -i "$IX" -f tsv -n 1000000 --offset 1000000 banjir); rc=$?
is "$rc" 1 "the largest -n and --offset: no hits past the end, exit 1"
out=$(timeout 20 "$CS" -i "$IX" -f json -n 1 --snippet-words 10000 banjir); rc=$?
is "$rc" 0 "the largest --snippet-words: a result"
like "$out" '"snippet":' "with a snippet"

# cari-index: numbers out of range
for args in "--memory 99999999999999999999" "--memory 1" "--threads 0" \
            "--threads 100000" "--compression 13" "--shards 0"; do
    # shellcheck disable=SC2086
    err=$("$CI" -i "$TMP/x" $args "$ROOT/corpus" 2>&1); rc=$?
    is "$rc" 2 "cari-index $args: exit 2"
    like "$err" "wants" "cari-index $args: says what it wants"
done

done_testing
