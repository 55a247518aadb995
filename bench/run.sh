#!/usr/bin/env bash
# run.sh -- `make bench`: cari against its Xapian backend and the peer
# engines that can be built here, in one run, on one corpus, with the same
# queries; then the table with the ratios the speed issue asks about.
#
# usage: bench/run.sh [--corpus FILE.jsonl[.gz]] [--queries N] [--engines LIST]
#                     [--record]
#
# Defaults: ../shared/data/corpus/clickid_news.jsonl.gz, 1000 title queries
# (../shared/bench/gen_queries.py, seed 42), engines: cari cari-j1
# cari-snippets cari-xapian xapian xapian-passages fts5-stem fts5 lucene
# (peers whose driver does not build are left out, and said so).
# The peers' drivers are copied from ../shared/bench into bench/work/peers
# and built there (../shared is read-only).  Results go to
# bench/results/<stamp>; --record prepends the table to docs/BENCHMARKS.md.
# Env: PASSES (3), as for bench.sh; INDEX_REPEAT (5) and XAPIAN_REPEAT (3):
# the builds of cari, cari-j1 and fts5-stem, and of xapian, whose median
# times the indexing ratios are held to (bench/index_repeat.sh).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SHARED=${CARI_SHARED:-$ROOT/../shared}
WORK=${BENCH_WORK_DIR:-$HERE/work}
corpus=$SHARED/data/corpus/clickid_news.jsonl.gz
nq=1000 record=0
engines="cari cari-j1 cari-snippets cari-xapian xapian xapian-passages fts5-stem fts5 lucene"
while [ $# -gt 0 ]; do
    case $1 in
    --corpus) corpus=$2; shift 2 ;;
    --queries) nq=$2; shift 2 ;;
    --engines) engines=$2; shift 2 ;;
    --record) record=1; shift ;;
    *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
done
[ -r "$SHARED/bench/bench.sh" ] || { echo "bench: ../shared/bench is missing: the peer benchmark needs it" >&2; exit 2; }
[ -r "$corpus" ] || { echo "bench: $corpus is missing" >&2; exit 2; }
command -v python3 >/dev/null || { echo "bench: python3 is needed" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: GNU time is needed (apt-get install time)" >&2; exit 2; }

mkdir -p "$WORK"
# the peers, built once
if [ ! -d "$WORK/peers" ] || [ "$SHARED/bench/bench.sh" -nt "$WORK/peers/bench.sh" ]; then
    rm -rf "$WORK/peers"
    cp -r "$SHARED/bench" "$WORK/peers"
    chmod -R u+w "$WORK/peers"
fi
make -C "$WORK/peers" -k corpus_stats xapian_peer fts5_peer groonga_peer lucene_peer \
    >"$WORK/peers/build.log" 2>&1 || true
[ -x "$WORK/peers/corpus_stats" ] || { echo "bench: cannot build corpus_stats (see $WORK/peers/build.log)" >&2; exit 2; }

q=$WORK/q$nq.txt
[ -s "$q" ] || python3 "$SHARED/bench/gen_queries.py" "$corpus" -n "$nq" --seed 42 \
    -o "$q" --qrels "${q%.txt}.qrels" >&2

B=$HERE
specs=()
for e in $engines; do
    case $e in
    cari) specs+=("cari|$B/cari-build.sh|$B/cari-query.sh") ;;
    cari-j1) specs+=("cari-j1|$B/cari-build.sh -j1|$B/cari-query.sh") ;;
    cari-snippets) specs+=("cari-snippets|$B/cari-build.sh|$B/cari-query.sh --snippets") ;;
    cari-xapian)
        if "$ROOT/bin/cari-search" --version | grep -q xapian; then
            specs+=("cari-xapian|$B/cari-build.sh --backend xapian|$B/cari-query.sh")
        else
            echo "bench: cari was built without Xapian: cari-xapian left out" >&2
        fi ;;
    xapian|xapian-passages|xapian-compact) [ -x "$WORK/peers/xapian_peer" ] && specs+=("$e") || echo "bench: $e left out (driver did not build)" >&2 ;;
    fts5|fts5-stem) [ -x "$WORK/peers/fts5_peer" ] && specs+=("$e") || echo "bench: $e left out (driver did not build)" >&2 ;;
    groonga|groonga-nostem) [ -x "$WORK/peers/groonga_peer" ] && specs+=("$e") || echo "bench: $e left out (driver did not build)" >&2 ;;
    lucene) [ -x "$WORK/peers/lucene_peer" ] && specs+=("$e") || echo "bench: $e left out (driver did not build)" >&2 ;;
    *) echo "bench: unknown engine $e" >&2; exit 2 ;;
    esac
done

stamp=$(date +%Y%m%d-%H%M%S)
out=$HERE/results/$stamp
mkdir -p "$out"
BENCH_WORK=$WORK/bench BENCH_OUT=$out KEEP_INDEX=0 \
    "$WORK/peers/bench.sh" "$corpus" "$q" "${specs[@]}" >&2
# one build each moves by ~15% between runs: more builds, for medians
"$HERE/index_repeat.sh" "$out" $engines ||
    echo "bench: a repeated build failed: the ratios use the builds that ran" >&2
python3 "$HERE/ratios.py" "$out" | tee "$out/ratios.txt"

if [ $record = 1 ]; then
    doc=$ROOT/docs/BENCHMARKS.md
    rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')
    entry=$(printf '## %s — %s (cari %s)\n\nCommand: `make bench` (bench/run.sh), corpus `%s`, %s title queries (seed 42), %s\n\n```\n%s\n\n%s\n```\n' \
        "$(date +%Y-%m-%d)" "$(basename "$corpus")" "$rev" "$(basename "$corpus")" "$nq" \
        "$(nproc) cores" "$(cat "$out/table.txt")" "$(cat "$out/ratios.txt")")
    python3 "$HERE/record_table.py" --entry "$doc" "$entry"
    echo "recorded in docs/BENCHMARKS.md" >&2
fi
