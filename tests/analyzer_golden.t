#!/usr/bin/env bash
# analyzer_golden.t -- every case of tests/data/analyzer_golden.tsv through
# `cari-index --analyze`: the terms, their alternatives and stopword flags.
. "$(dirname "$0")/tap.sh"

render() {  # --analyze lines -> "term1 term2|alt _stop ..." (exact forms
          # "=form" only when $1 = 1); a bound form joined to the next
          # word ("non migas": nonmigas) is an alternative of the first
    awk -F'\t' -v exact="$1" '
        { if (!exact && substr($2, 1, 1) == "=") next
          if ($3 == "1") item = "_" $2; else item = $2
          joined = NR > 1 && index($1, last_surface " ") == 1
          if (NR > 1 && ($1 == last_surface || joined) && $3 == "0" && last_stop == "0" && alt_open)
              out = out "|" item
          else { out = out (NR > 1 ? " " : "") item; alt_open = 1 }
          if (!joined) { last_surface = $1; last_stop = $3 } }
        END { print out }'
}

while IFS=$'\t' read -r input expected; do
    case $input in '#'*|'') continue ;; esac
    case $expected in *=*) exact=1 ;; *) exact=0 ;; esac
    got=$(printf '%s' "$input" | "$BIN/cari-index" --analyze | render $exact)
    is "$got" "$expected" "analyze: $input"
done < "$ROOT/tests/data/analyzer_golden.tsv"
done_testing
