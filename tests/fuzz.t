#!/usr/bin/env bash
# fuzz.t -- every libFuzzer target (tests/fuzz/*_fuzz.c) briefly: built
# with clang, ASan and UBSan into build-fuzz/ (make fuzz-build), each
# seed of tests/fuzz/seeds/TARGET run once (the reproducers of fixed bugs
# are among them), then each target fuzzed for CARI_FUZZ_SECONDS (5)
# seconds.  A crash leaves its input in build-fuzz/crash-test-TARGET-*
# and is shown here in hex.  Needs clang and libFuzzer (Debian:
# apt-get install clang libclang-rt-14-dev); skips, saying which is
# missing, without them.  CARI_FUZZ_SECONDS=0 runs the seeds only.
#
# The build is a make of its own (the variables of an outer make test or
# make check do not reach it) and holds a lock on build-fuzz/, so that
# two test runs at once do not build over each other.
. "$(dirname "$0")/tap.sh"

SECONDS_EACH=${CARI_FUZZ_SECONDS:-5}
FUZZ_CC=${FUZZ_CC:-clang}
FUZZ=$ROOT/build-fuzz
TARGETS=$(cd "$ROOT/tests/fuzz" && ls ./*_fuzz.c | sed 's|^\./||; s|_fuzz\.c$||')

command -v "$FUZZ_CC" >/dev/null ||
    skip_all "$FUZZ_CC not found: the fuzz targets need clang (apt-get install clang libclang-rt-14-dev)"
command -v flock >/dev/null || skip_all "flock (util-linux) not found"
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' > "$TMP/probe.c"
"$FUZZ_CC" -fsanitize=fuzzer,address,undefined -o "$TMP/probe" "$TMP/probe.c" 2>"$TMP/probe.err" ||
    skip_all "$FUZZ_CC cannot link -fsanitize=fuzzer,address,undefined (libFuzzer and the sanitizer runtimes: apt-get install libclang-rt-14-dev): $(head -1 "$TMP/probe.err")"

# warnings are errors here too when the outer make says so (CI)
werror=0
case " ${MAKEFLAGS:-} " in *" WERROR=1 "*) werror=1 ;; esac

mkdir -p "$FUZZ"
exec 9>"$FUZZ/.test-lock"
flock 9

env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u CFLAGS -u LDFLAGS \
    make -C "$ROOT" fuzz-build FUZZ_CC="$FUZZ_CC" WERROR=$werror \
    >"$TMP/build.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || sed 's/^/# /' "$TMP/build.log" | tail -20
is "$rc" 0 "make fuzz-build builds the targets: $(echo $TARGETS)"
[ "$rc" -eq 0 ] || { done_testing; exit 1; }

for t in $TARGETS; do
    bin=$FUZZ/fuzz/${t}_fuzz
    seeds=$ROOT/tests/fuzz/seeds/$t
    nseeds=$(find "$seeds" -type f 2>/dev/null | wc -l)
    [ "$nseeds" -gt 0 ]; ok $? "$t: has seeds in tests/fuzz/seeds/$t ($nseeds)"
    [ -x "$bin" ]; ok $? "$t: built ($bin)"
    [ -x "$bin" ] || continue

    # every seed once
    "$bin" -runs=0 "$seeds" >"$TMP/$t.seeds" 2>&1
    rc=$?
    [ "$rc" -eq 0 ] || grep -E 'ERROR|runtime error|SUMMARY|Test unit' "$TMP/$t.seeds" | head -10 | sed 's/^/# /'
    is "$rc" 0 "$t: every seed runs clean"

    [ "$SECONDS_EACH" -gt 0 ] || continue
    # new inputs go to a scratch corpus; a crash is kept in build-fuzz/
    mkdir -p "$TMP/corpus-$t"
    rm -f "$FUZZ/crash-test-$t-"*
    "$bin" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
        -artifact_prefix="$FUZZ/crash-test-$t-" \
        "$TMP/corpus-$t" "$seeds" >"$TMP/$t.log" 2>&1
    rc=$?
    execs=$(awk '/^stat::number_of_executed_units/ {print $NF}' "$TMP/$t.log")
    if [ "$rc" -ne 0 ]; then
        grep -E 'ERROR|runtime error|SUMMARY|Test unit written' "$TMP/$t.log" | head -10 | sed 's/^/# /'
        for c in "$FUZZ/crash-test-$t-"*; do
            [ -f "$c" ] && echo "# $c: $(head -c 256 "$c" | od -An -tx1 | tr -d '\n' | tr -s ' ')"
        done
    fi
    is "$rc" 0 "$t: fuzzed for $SECONDS_EACH s (${execs:-?} executions), no crash"
done

done_testing
