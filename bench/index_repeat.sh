#!/usr/bin/env bash
# index_repeat.sh RESULTS_DIR ENGINE... -- more index builds of the
# engines bench.sh has just timed once, for medians (bench/run.sh).
#
# bench.sh builds each engine's index once; on a shared machine one build
# moves by about 15% from run to run (docs/BENCHMARKS.md), as much as the
# gap to some of the speed issue's goals.  This builds the engines of the
# indexing ratios again: cari, cari-j1 and fts5-stem INDEX_REPEAT - 1 more
# times (default 5 in all), xapian XAPIAN_REPEAT - 1 more (default 3: a
# build takes about 40 s), round-robin, so that a slow moment of the
# machine falls on all of them alike.  Each build is timed as bench.sh
# times it (wall clock of the index command bench.sh recorded in the
# engine's meta.tsv, on the plain corpus, into a fresh directory, then
# sync); bench.sh's own build is the first sample.
# Writes RESULTS_DIR/index_runs.tsv (engine, run, seconds), from which
# ratios.py takes the medians.
set -euo pipefail
out=$1
shift
repeat=${INDEX_REPEAT:-5}
xrepeat=${XAPIAN_REPEAT:-3}
corpus=$(awk -F'\t' '$1 == "corpus" { print $2 }' "$out/run_info.tsv")
[ -r "$corpus" ] || { echo "index_repeat: no corpus in $out/run_info.tsv" >&2; exit 2; }
idx=$(mktemp -d "${TMPDIR:-/tmp}/cari-index-repeat.XXXXXX")
trap 'rm -rf "$idx"' EXIT

meta() {  # meta ENGINE KEY: a line of the engine's meta.tsv (bench.sh)
    awk -F'\t' -v k="$2" '$1 == k { print $2 }' "$out/$1/meta.tsv" 2>/dev/null
}

runs=$out/index_runs.tsv
printf 'engine\trun\tindex_s\n' > "$runs"
engines=()
for e in "$@"; do
    case $e in cari|cari-j1|fts5-stem|xapian) ;; *) continue ;; esac
    s=$(meta "$e" index_s)
    [ -n "$s" ] || continue  # its build failed in bench.sh
    printf '%s\t1\t%s\n' "$e" "$s" >> "$runs"
    engines+=("$e")
done
[ ${#engines[@]} -gt 0 ] || exit 0
max=$repeat
[ "$xrepeat" -gt "$max" ] && max=$xrepeat
for ((r = 2; r <= max; r++)); do
    for e in "${engines[@]}"; do
        want=$repeat
        [ "$e" = xapian ] && want=$xrepeat
        [ "$r" -le "$want" ] || continue
        rm -rf "$idx/ix"
        echo "index_repeat: [$e] build $r of $want" >&2
        t0=$(date +%s%N)
        if ! bash -c "$(meta "$e" index_cmd) \"\$@\"" bench "$corpus" "$idx/ix" \
                > "$idx/log" 2>&1; then
            echo "index_repeat: [$e] build $r failed:" >&2
            tail -5 "$idx/log" >&2
            exit 1
        fi
        t1=$(date +%s%N)
        sync
        awk -v e="$e" -v r="$r" -v a="$t0" -v b="$t1" \
            'BEGIN { printf "%s\t%d\t%.3f\n", e, r, (b - a) / 1e9 }' >> "$runs"
    done
done
rm -rf "$idx/ix"
