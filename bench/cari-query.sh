#!/usr/bin/env bash
# cari-query.sh [cari-search options] OUTDIR QUERIES -- bench.sh's QUERY_CMD
# for cari: top 10 passages per query line, latency to $LATENCY_FILE.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: cari-query.sh [options] OUTDIR QUERIES" >&2; exit 2; }
queries=${*: -1}
ix=${*: -2:1}
bin=${CARI_BIN:-$(cd "$(dirname "$0")/.." && pwd)/bin}
exec "$bin/cari-search" -i "$ix" -n 10 --batch "$queries" \
    --latency "${LATENCY_FILE:-/dev/stderr}" "${@:1:$#-2}"
