#!/usr/bin/env bash
# cari-query.sh OUTDIR QUERIES [cari-search options] -- bench.sh's QUERY_CMD
# for cari: top 10 passages per query line, latency to $LATENCY_FILE.
set -euo pipefail
ix=$1 queries=$2; shift 2
bin=${CARI_BIN:-$(cd "$(dirname "$0")/.." && pwd)/bin}
exec "$bin/cari-search" -i "$ix" -n 10 --batch "$queries" \
    --latency "${LATENCY_FILE:-/dev/stderr}" "$@"
