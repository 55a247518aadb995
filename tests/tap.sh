# tap.sh -- a few TAP helpers for the shell tests (sourced, not run).
# Each test script prints "1..N" at the end (done_testing) and "ok"/"not ok"
# lines; prove counts them.
set -u
TAP_N=0
TAP_FAILED=0
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${CARI_BIN:-$ROOT/bin}
SHARED=${CARI_SHARED:-$ROOT/../shared}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cari-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

ok() {  # ok CONDITION-EXIT-STATUS DESCRIPTION
    TAP_N=$((TAP_N + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $TAP_N - $2"
    else
        echo "not ok $TAP_N - $2"
        TAP_FAILED=$((TAP_FAILED + 1))
    fi
}

is() {  # is GOT EXPECTED DESCRIPTION
    TAP_N=$((TAP_N + 1))
    if [ "$1" = "$2" ]; then
        echo "ok $TAP_N - $3"
    else
        echo "not ok $TAP_N - $3"
        echo "#   got:      '$1'"
        echo "#   expected: '$2'"
        TAP_FAILED=$((TAP_FAILED + 1))
    fi
}

like() {  # like TEXT REGEX DESCRIPTION
    TAP_N=$((TAP_N + 1))
    if printf '%s' "$1" | grep -Eq -- "$2"; then
        echo "ok $TAP_N - $3"
    else
        echo "not ok $TAP_N - $3"
        echo "#   '$(printf '%s' "$1" | head -c 300)'"
        echo "#   does not match /$2/"
        TAP_FAILED=$((TAP_FAILED + 1))
    fi
}

skip_one() {  # skip_one DESCRIPTION: one test not run here (TAP's SKIP)
    TAP_N=$((TAP_N + 1))
    echo "ok $TAP_N # SKIP $1"
}

skip_all() {
    echo "1..0 # SKIP $1"
    exit 0
}

done_testing() {
    echo "1..$TAP_N"
    [ "$TAP_FAILED" -eq 0 ]
}
