#!/usr/bin/env bash
# cari-build.sh CORPUS OUTDIR [cari-index options] -- bench.sh's INDEX_CMD
# for cari: builds an index of CORPUS in OUTDIR (no fsync, like the peers).
set -euo pipefail
corpus=$1 out=$2; shift 2
bin=${CARI_BIN:-$(cd "$(dirname "$0")/.." && pwd)/bin}
exec "$bin/cari-index" -q --no-sync "$@" -i "$out" "$corpus"
