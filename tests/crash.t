#!/usr/bin/env bash
# crash.t -- a failed or killed writer leaves the last completed commit.
#
# cari-index is stopped at every point of a run, for a fresh index and for
# updates of an existing one (adds, replacements and deletions; --merge,
# also of segments large enough that the merge streams through temporary
# files; an automatic merge of CARI_MERGE_FACTOR segments of one tier):
#   (a) the k-th file operation (open for writing, write, fsync, rename,
#       unlink) fails with EIO, then with ENOSPC that stays (a full disk),
#       for k = 1, 2, ... until the run gets through;
#   (b) SIGKILL just before the k-th operation, same k; and SIGKILL after
#       random delays while a larger run indexes;
# using the fault-injection build of cari-index (src/io.h; make builds it
# as $CARI_FAULT_BIN/cari-index).  After each stop: cari-index exited 2
# with a clear message (or was killed), the index opens, passes --check,
# and cari-search --batch returns exactly the results of the last
# completed commit -- before the run, or after it once MANIFEST was
# renamed (for a kill, the switch happens at one k and never back).
# Then the same run again, undisturbed, must give the results of a clean
# run: what the stopped run left behind does not get in the way (every
# third point; every point with CARI_SLOW_TESTS=1).
# (c) a real full disk: a 2 MB tmpfs (skipped where mount is not allowed).
#
# CARI_SLOW_TESTS=1 also runs every k with a sticky ENOSPC, reruns after
# every point, and kills at more random moments.
. "$(dirname "$0")/tap.sh"

CI=$BIN/cari-index
CS=$BIN/cari-search
FI=${CARI_FAULT_BIN:-$ROOT/build/fault}/cari-index
[ -x "$FI" ] || skip_all "no fault-injection build of cari-index ($FI); run make test"
SLOW=${CARI_SLOW_TESTS:-0}

Q=$TMP/queries
printf '%s\n' 'banjir Jakarta' '"harga beras"' 'nelayan*' 'title:banjir' \
    'pemerintah -warga' 'zebra' 'warga NEAR/3 banjir' 'kopi Gayo' 'laut' \
    'sepak bola' > "$Q"

# The results of the query set on index $1 (with snippets: stored text is
# read too), or "NO COMMIT" when it holds none: no index, or the empty
# MANIFEST (generation 0) a new index gets before its first segment file.
results() {
    local out rc
    out=$("$CS" -i "$1" --batch "$Q" -f json -n 8 2>"$TMP/search.err"); rc=$?
    if [ "$rc" -le 1 ] && [ -z "$out" ] &&
       "$CI" -i "$1" --stats 2>/dev/null | grep -qx 'generation 0'; then
        echo "NO COMMIT"
    elif [ "$rc" -le 1 ]; then
        printf '%s\n' "$out"
    elif grep -q "no index here" "$TMP/search.err"; then
        echo "NO COMMIT"
    else
        echo "SEARCH FAILED ($rc): $(cat "$TMP/search.err")"
    fi
}

# --check must pass, or (no commit yet) say there is no index.
check_ok() {
    local out rc
    out=$("$CI" -q -i "$1" --check 2>&1); rc=$?
    [ "$rc" -eq 0 ] && return 0
    printf '%s' "$out" | grep -q "no index here" && [ ! -e "$1/MANIFEST" ] && return 0
    echo "# --check: $out"
    return 1
}

# ---- inputs ----
mkdir -p "$TMP/in"
cp "$ROOT/corpus/berita.jsonl" "$TMP/in/base.jsonl"
{
    # replacements, new articles, and one id twice
    printf '%s\n' '{"id":"berita-001","title":"Zebra lepas","text":"Seekor zebra lepas dari kebun binatang Ragunan pagi ini.\n\nPetugas mencari zebra itu sampai sore."}'
    printf '%s\n' '{"id":"baru-1","title":"Kopi Gayo naik daun","text":"Harga kopi Gayo di pasar dunia naik tajam tahun ini."}'
    printf '%s\n' '{"id":"baru-2","title":"Laut dan nelayan","text":"Nelayan di pesisir utara mengeluhkan cuaca laut yang buruk."}'
    printf '%s\n' '{"id":"baru-1","title":"Kopi Gayo naik daun lagi","text":"Harga kopi Gayo di pasar dunia naik tajam lagi tahun ini."}'
} > "$TMP/in/update.jsonl"
for i in $(seq 1 13); do
    printf '{"id":"kecil-%d","title":"Berita kecil %d","text":"Warga desa %d membersihkan sungai dari sampah plastik."}\n' "$i" "$i" "$i"
done > "$TMP/in/small.jsonl"

# a larger input: several segments per run
python3 - "$TMP/in/big.jsonl" <<'PY'
import json, random, sys
random.seed(7)
words = ("banjir warga sungai pemerintah harga beras pasar nelayan laut ikan "
         "sekolah guru jalan kereta desa kota hujan gunung api petani").split()
with open(sys.argv[1], "w") as f:
    for i in range(6000):
        paras = []
        for p in range(random.randint(1, 6)):
            paras.append(" ".join(random.choice(words) for _ in range(random.randint(20, 90))) + ".")
        f.write(json.dumps({"id": "besar-%d" % (i % 4500), "title": "Artikel %d" % i,
                            "text": "\n\n".join(paras)}) + "\n")
PY
# A base index (and so the "before" state) for each scenario.
mkdir -p "$TMP/base"
BASE_FRESH=$TMP/base/fresh        # no index yet
mkdir -p "$BASE_FRESH"
BASE_UPD=$TMP/base/upd            # three commits: three segments
"$CI" -q -j1 -i "$BASE_UPD" "$ROOT/corpus/artikel"
"$CI" -q -j1 -i "$BASE_UPD" "$TMP/in/base.jsonl"
"$CI" -q -j1 -i "$BASE_UPD" --delete berita-005 "$TMP/in/small.jsonl"
BASE_AUTO=$TMP/base/auto          # 4 one-article commits (CARI_MERGE_FACTOR):
for i in $(seq 1 4); do           # the next commit merges them by tier
    sed -n "${i}p" "$TMP/in/small.jsonl" > "$TMP/one.jsonl"
    "$CI" -q -j1 -i "$BASE_AUTO" "$TMP/one.jsonl"
done
is "$("$CI" -i "$BASE_AUTO" --stats | awk '/^segments/ {print $2}')" 4 \
    "the automatic-merge base has 4 segments"
BASE_BIG=$TMP/base/big            # the 4,500 distinct ids of big.jsonl in
head -n 4500 "$TMP/in/big.jsonl" > "$TMP/in/distinct.jsonl"  # three runs:
split -n l/3 -d "$TMP/in/distinct.jsonl" "$TMP/in/bigpart."  # merging them
for p in "$TMP"/in/bigpart.0*; do  # streams the stored text and the
    "$CI" -q -j1 -i "$BASE_BIG" "$p"  # positions through temporary files
done
is "$("$CI" -i "$BASE_BIG" --stats | awk '/^segments/ {print $2}')" 3 \
    "the big-merge base has 3 segments"

# Scenario: name, base dir, cari-index arguments (-i DIR is added).
# One thread, so that the k-th operation is the same in every run; the
# last scenario has two, several segments per run, and stops at every
# fifth operation (their order varies: the expected state comes from
# what cari-index says).
SCENARIOS=(
    "fresh|$BASE_FRESH|-j1 $ROOT/corpus"
    "update|$BASE_UPD|-j1 --delete berita-002 --delete artikel/nelayan-natuna.txt $TMP/in/update.jsonl"
    "merge|$BASE_UPD|-j1 --merge"
    "automerge|$BASE_AUTO|-j1 --delete kecil-3 $TMP/in/update.jsonl"
    "threads|$BASE_UPD|-j2 --memory 16 --delete berita-004 $TMP/in/big.jsonl"
    "bigmerge|$BASE_BIG|-j1 --delete besar-7 --merge"
)

points=0; failures=0; kill_points=0; RERUNS=0
RERUN_EVERY=3; [ "$SLOW" = 1 ] && RERUN_EVERY=1
W=$TMP/work

# run_point ARGS BASE SPEC BEFORE AFTER KIND EXPECT: one stopped run and
# its checks.  KIND: fail or kill; EXPECT: the state it must leave
# (before, after, or any).  Sets DONE=1 when the run got through.
run_point() {
    local args=$1 base=$2 spec=$3 before=$4 after=$5 kind=$6 expect=$7
    local rc err got why= state
    rm -rf "$W"; cp -r "$base" "$W"
    # (in a subshell: bash's own "Killed" notice goes nowhere)
    # shellcheck disable=SC2086
    ( CARI_FAULT=$spec "$FI" -q -i "$W" $args >/dev/null 2>"$TMP/run.err"; exit $? ) 2>/dev/null
    rc=$?
    err=$(cat "$TMP/run.err")
    DONE=0
    points=$((points + 1))
    [ "$kind" = kill ] && kill_points=$((kill_points + 1))
    got=$(results "$W")
    if [ "$got" = "$after" ]; then state=after
    elif [ "$got" = "$before" ]; then state=before
    else state="neither ($(printf '%s' "$got" | head -c 200))"; fi
    if [ "$rc" -eq 0 ]; then
        DONE=1
    elif [ "$kind" = kill ] && [ "$rc" -ne 137 ]; then
        why="exit $rc, not killed: $err"
    elif [ "$kind" = fail ] && [ "$rc" -ne 2 ]; then
        why="exit $rc: $err"
    elif [ "$kind" = fail ] &&
         ! printf '%s' "$err" | grep -Eq '^cari-index: .*(disk full|failed)'; then
        why="no clear message: $err"
    elif [ "$kind" = fail ] &&
         ! printf '%s' "$err" | grep -Eq 'intact|as it was|may not survive a power loss'; then
        why="does not say what became of the index: $err"
    fi
    if [ "$kind" = fail ] && [ "$expect" = any ]; then
        # what cari-index said decides: the new commit is in place when the
        # run got through, or failed after the rename
        if [ "$rc" -eq 0 ] || printf '%s' "$err" | grep -q "may not survive"; then
            expect=after
        else
            expect=before
        fi
    fi
    if [ -z "$why" ] && [ "$expect" != any ] && [ "$state" != "$expect" ]; then
        why="left the state $state, expected $expect (exit $rc: $err)"
    elif [ -z "$why" ] && [ "$expect" = any ] && [ "${state%% *}" = neither ]; then
        why="left the state $state"
    fi
    if [ -z "$why" ] && ! check_ok "$W"; then
        why="--check fails"
    fi
    # the same run, undisturbed, on what the stopped one left (every
    # RERUN_EVERY-th point)
    RERUNS=$((RERUNS + 1))
    if [ -z "$why" ] && [ "$DONE" = 0 ] && [ $((RERUNS % RERUN_EVERY)) = 0 ]; then
        # shellcheck disable=SC2086
        if ! "$CI" -q -i "$W" $args >/dev/null 2>"$TMP/rerun.err"; then
            why="the rerun fails: $(cat "$TMP/rerun.err")"
        elif [ "$(results "$W")" != "$after" ]; then
            why="the rerun does not give the clean run's results"
        else
            out=$("$CI" -i "$W" --check 2>&1)
            if [ $? -ne 0 ]; then
                why="--check fails after the rerun: $out"
            elif printf '%s' "$out" | grep -q 'not in MANIFEST'; then
                why="the rerun left unreferenced files"
            fi
        fi
    fi
    if [ -n "$why" ]; then
        failures=$((failures + 1))
        echo "# $SCEN $spec ($(sed -n "${K_AT:-0}p" "$TMP/ops" 2>/dev/null | cut -d' ' -f2-)): $why"
    fi
}

for s in "${SCENARIOS[@]}"; do
    IFS='|' read -r SCEN base args <<< "$s"
    before=$(results "$base")
    # a clean run, logging its file operations: the points to stop at
    rm -rf "$W" "$TMP/ops"; cp -r "$base" "$W"
    # shellcheck disable=SC2086
    CARI_FAULT_LOG=$TMP/ops "$FI" -q -i "$W" $args >/dev/null 2>&1
    after=$(results "$W")
    [ "$before" != "$after" ]; ok $? "$SCEN: the run changes the results"
    nops=$(wc -l < "$TMP/ops")
    # the operation that makes the commit visible
    R=$(awk '$2 == "rename" && $3 ~ /\/MANIFEST$/ {print $1}' "$TMP/ops" | tail -1)
    echo "# $SCEN: $nops file operations, MANIFEST renamed at $R:" \
        "$(awk '{print $2}' "$TMP/ops" | sort | uniq -c | tr -s ' \n' ' ')"
    f0=$failures; p0=$points; kp0=$kill_points
    step=1; [ "$SCEN" = threads ] && [ "$SLOW" != 1 ] && step=5
    [ "$SCEN" = bigmerge ] && [ "$SLOW" != 1 ] && step=3
    for k in $(seq 1 "$step" $((nops + 1))); do
        K_AT=$k
        kind_k=$(sed -n "${k}p" "$TMP/ops" | cut -d' ' -f2)
        # killed before operation k: the rename is done iff k > R
        if [ "$k" -gt "$R" ]; then exp=after; else exp=before; fi
        # operation k fails: an unlink's failure is ignored (the run goes
        # on); a failing fsync of the directory after the rename leaves
        # the new commit in place
        if [ "$SCEN" = threads ]; then
            run_point "$args" "$base" "any:$k:kill" "$before" "$after" kill any
            run_point "$args" "$base" "any:$k:eio" "$before" "$after" fail any
            continue
        fi
        run_point "$args" "$base" "any:$k:kill" "$before" "$after" kill "$exp"
        [ "$kind_k" = unlink ] && exp=after
        run_point "$args" "$base" "any:$k:eio" "$before" "$after" fail "$exp"
        if [ "$SLOW" = 1 ]; then
            run_point "$args" "$base" "any:$k:enospc:sticky" "$before" "$after" fail any
        fi
    done
    K_AT=
    # the k-th write, fsync, rename, open with ENOSPC that stays (a disk
    # that is full from then on)
    for kind in open write fsync rename; do
        for k in 1 2 3 5 8 13; do
            run_point "$args" "$base" "$kind:$k:enospc:sticky" "$before" "$after" fail any
            [ "$DONE" = 1 ] && break
        done
    done
    is "$((failures - f0))" 0 "$SCEN: stopped at each of $nops operations (killed; EIO) and by full disks: $((points - p0)) runs ($((kill_points - kp0)) killed, $((points - p0 - kill_points + kp0)) with an injected error), each left the last commit, a sound index and a clean rerun"
done

# ---- a first run killed after its first segment file ----
# A new index gets an empty MANIFEST before its first segment file, so
# what the killed run leaves (that MANIFEST, of no commit, and the
# segment) is not a lost MANIFEST: the next run removes the segment and
# commits.
rm -rf "$W" "$TMP/ops" "$TMP/clean"
CARI_FAULT_LOG=$TMP/ops "$FI" -q -j1 -i "$TMP/clean" "$ROOT/corpus" >/dev/null 2>&1
clean=$(results "$TMP/clean")
m=$(awk '$2 == "rename" && $3 ~ /\/MANIFEST$/ {print $1; exit}' "$TMP/ops")
s=$(awk '$2 == "fsync" && $3 ~ /\/seg-[0-9]+\.cari$/ {print $1; exit}' "$TMP/ops")
[ -n "$m" ] && [ -n "$s" ] && [ "$m" -lt "$s" ]
ok $? "a new index: MANIFEST is renamed in place (operation $m) before the first segment is synced ($s)"
mkdir -p "$W"
( CARI_FAULT=any:$((s + 1)):kill "$FI" -q -j1 -i "$W" "$ROOT/corpus" >/dev/null 2>&1; exit $? ) 2>/dev/null
is "$?" 137 "a first run killed after its first segment file"
[ -e "$W/MANIFEST" ] && [ -e "$W/seg-000001.cari" ]
ok $? "  left MANIFEST and the segment"
is "$(results "$W")" "NO COMMIT" "  which readers see as an index of no commit"
out=$("$CI" -i "$W" --check 2>&1); rc=$?
is "$rc" 0 "  that passes --check"
like "$out" "; 1 files not in MANIFEST" "  with the segment unreferenced"
"$CI" -q -j1 -i "$W" "$ROOT/corpus"; ok $? "  the next run goes through"
is "$(results "$W")" "$clean" "  and gives the results of a clean run"
is "$("$CI" -i "$W" --check 2>&1 | grep -c 'not in MANIFEST')" 0 "  leaving no unreferenced file"

# ---- (b) SIGKILL after random delays, on a larger run ----
base=$BASE_UPD
big_args="--memory 16 -j2 $TMP/in/big.jsonl"
before=$(results "$base")
rm -rf "$W"; cp -r "$base" "$W"
t0=$(date +%s%N)
# shellcheck disable=SC2086
"$CI" -q -i "$W" $big_args 2>"$TMP/big.err"
rc=$?
t1=$(date +%s%N)
is "$rc" 0 "the larger run completes"
# big.jsonl repeats 1500 of its ids: cari-index warns for the first 99,
# then says that the rest of the file's warnings are not shown
is "$(grep -c '^cari-index: warning: .*big\.jsonl:[0-9]*: id "besar-[0-9]*" again (also at .*big\.jsonl:[0-9]*); this record replaces that one$' "$TMP/big.err")" 99 \
    "the larger run warns for the first 99 of its 1500 repeated ids"
like "$(tail -1 "$TMP/big.err")" '^cari-index: warning: .*big\.jsonl: more than 99 warnings; the rest of this file.s are not shown$' \
    "then says the rest are not shown"
is "$(wc -l < "$TMP/big.err")" 100 "and prints nothing else on standard error"
after=$(results "$W")
dur_ms=$(( (t1 - t0) / 1000000 ))
echo "# the larger run takes $dur_ms ms"
ntimed=25; [ "$SLOW" = 1 ] && ntimed=100
tf0=$failures; seen_before=0; seen_after=0
RANDOM=11
for i in $(seq 1 $ntimed); do
    delay=$(( RANDOM % (dur_ms + 200) ))
    rm -rf "$W"; cp -r "$base" "$W"
    # shellcheck disable=SC2086
    "$CI" -q -i "$W" $big_args >/dev/null 2>&1 &
    pid=$!
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    points=$((points + 1)); kill_points=$((kill_points + 1))
    got=$(results "$W")
    if [ "$got" = "$before" ]; then seen_before=$((seen_before + 1))
    elif [ "$got" = "$after" ]; then seen_after=$((seen_after + 1))
    else failures=$((failures + 1)); echo "# killed after $delay ms: neither before nor after"; continue; fi
    if ! check_ok "$W"; then failures=$((failures + 1)); echo "# killed after $delay ms: --check fails"; fi
done
is "$((failures - tf0))" 0 "killed at $ntimed random moments: before ($seen_before) or after ($seen_after), sound"

# ---- (c) a real full disk ----
MNT=$TMP/mnt
mkdir -p "$MNT"
if mount -t tmpfs -o size=2m tmpfs "$MNT" 2>/dev/null; then
    trap 'umount "$MNT" 2>/dev/null; rm -rf "$TMP"' EXIT
    "$CI" -q -j1 -i "$MNT/ix" "$ROOT/corpus"; ok $? "full disk: a small index fits"
    before=$(results "$MNT/ix")
    out=$("$CI" -q -j1 -i "$MNT/ix" "$TMP/in/big.jsonl" 2>&1); rc=$?
    is "$rc" 2 "full disk: the run ends with exit 2"
    like "$out" "disk full" "full disk: and says the disk is full"
    like "$out" "as it was|intact" "full disk: and that the index is as it was"
    is "$(results "$MNT/ix")" "$before" "full disk: the previous commit is intact"
    check_ok "$MNT/ix"; ok $? "full disk: the index passes --check"
    # the next writer clears what the failed run left, on the same disk
    "$CI" -q -j1 -i "$MNT/ix" --delete berita-001 >/dev/null 2>&1; ok $? "full disk: a small update still fits after the failed run"
    is "$("$CI" -q -i "$MNT/ix" --check | grep -c 'not in MANIFEST')" 0 "full disk: no leftovers after it"
    # a disk filled to the last byte: even MANIFEST.tmp cannot be written
    dd if=/dev/zero of="$MNT/filler" bs=4k 2>/dev/null
    before=$(results "$MNT/ix")
    out=$("$CI" -q -j1 -i "$MNT/ix" --delete berita-002 2>&1); rc=$?
    is "$rc" 2 "disk filled to the last byte: exit 2"
    like "$out" "disk full" "disk filled to the last byte: says so"
    is "$(results "$MNT/ix")" "$before" "disk filled to the last byte: the index is as it was"
    # a new index there: not even its LOCK can be written (found by
    # review: it said "cannot write lock file")
    out=$("$CI" -q -j1 -i "$MNT/new" "$ROOT/corpus" 2>&1); rc=$?
    is "$rc" 2 "a new index on a disk filled to the last byte: exit 2"
    like "$out" "^cari-index: .*/LOCK: disk full .*; the index is as it was$" \
        "a new index on a disk filled to the last byte: says the disk is full"
    [ ! -e "$MNT/new/MANIFEST" ]; ok $? "a new index on a disk filled to the last byte: no MANIFEST"
    umount "$MNT"
    trap 'rm -rf "$TMP"' EXIT
else
    echo "# skipped the full-disk tests: mount -t tmpfs is not permitted here"
fi

echo "# kill and failure points tried: $points ($kill_points kills); failures: $failures"
is "$failures" 0 "every stopped run left a usable index with the last commit"
done_testing
