#!/usr/bin/env bash
# cari-build.sh [cari-index options] CORPUS OUTDIR -- bench.sh's INDEX_CMD
# for cari: builds an index of CORPUS in OUTDIR (no fsync, like the peers).
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: cari-build.sh [options] CORPUS OUTDIR" >&2; exit 2; }
out=${*: -1}
corpus=${*: -2:1}
bin=${CARI_BIN:-$(cd "$(dirname "$0")/.." && pwd)/bin}
exec "$bin/cari-index" -q --no-sync "${@:1:$#-2}" -i "$out" "$corpus"
