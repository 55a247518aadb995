#!/usr/bin/env bash
# merge_full_disk.t -- an automatic merge that does not fit on the disk is
# skipped, not the commit.
#
# A commit that brings CARI_MERGE_FACTOR segments of the last commit into
# one tier merges them.  When that merge meets a full disk (ENOSPC), the
# commit must still land the new segment: exit 0, a warning that says the
# merge was skipped and why, the partial merge removed, --check sound,
# the new articles found and nothing indexed before lost; and the next
# commit merges.  (Before 2026-12-01 the commit failed, and on a disk with
# room for the new segment but not for the merge every later commit
# failed too.)  A full disk while writing the new segment itself, or in a
# merge asked for with --merge, still fails the run with "disk full" and
# leaves the index as it was.  When statvfs says the file system has less
# free space than the merge's sources' live bytes, the automatic merge is
# skipped the same way without being started (since 2026-12-01: before,
# every commit wrote it until the disk was full).
#
# The fault-injection build of cari-index (src/io.h) makes the k-th file
# operation fail with ENOSPC once, for every operation of the merge, and
# answers CARI_FAULT_FREE for statvfs; then a real tmpfs with room for
# the new segment but not for the merge (skipped where mount is not
# allowed).
. "$(dirname "$0")/tap.sh"

CI=$BIN/cari-index
CS=$BIN/cari-search
FI=${CARI_FAULT_BIN:-$ROOT/build/fault}/cari-index
[ -x "$FI" ] || skip_all "no fault-injection build of cari-index ($FI); run make test"

Q=$TMP/queries
printf '%s\n' 'warga' 'sungai plastik' 'kopi Gayo' 'desa 2' 'title:kecil' \
    > "$Q"
# the results of the query set on index $1
results() {
    "$CS" -i "$1" --batch "$Q" -f json -n 10 2>&1
}
# the ids that match query $2 on index $1, sorted, on one line
ids() {
    "$CS" -i "$1" -f json -n 100 "$2" 2>/dev/null |
        python3 -c 'import json, sys
print(" ".join(sorted(json.loads(l)["id"] for l in sys.stdin if l.strip() and "id" in json.loads(l))))'
}
segments() {
    "$CI" -i "$1" --stats | awk '/^segments/ {print $2}'
}
# --check passes and finds no file MANIFEST does not name
sound() {
    local out
    out=$("$CI" -i "$1" --check 2>&1) || { echo "# --check: $out"; return 1; }
    if printf '%s' "$out" | grep -q 'not in MANIFEST'; then
        echo "# --check: $out"; return 1
    fi
    return 0
}

mkdir -p "$TMP/in"
for i in 1 2 3 4; do
    printf '{"id":"kecil-%d","title":"Berita kecil %d","text":"Warga desa %d membersihkan sungai dari sampah plastik."}\n' "$i" "$i" "$i" \
        > "$TMP/in/one-$i.jsonl"
done
printf '%s\n' '{"id":"baru-1","title":"Kopi Gayo naik daun","text":"Harga kopi Gayo di pasar dunia naik tajam tahun ini. Warga petani senang."}' \
    > "$TMP/in/new.jsonl"
# four one-article commits: the next commit merges them by tier
BASE=$TMP/base
for i in 1 2 3 4; do
    "$CI" -q -j1 -i "$BASE" "$TMP/in/one-$i.jsonl"
done
is "$(segments "$BASE")" 4 "the base has 4 segments"
before=$(results "$BASE")

W=$TMP/w
# a clean run logs its file operations; its results are the reference
rm -rf "$W"; cp -r "$BASE" "$W"
CARI_FAULT_LOG=$TMP/ops "$FI" -q -j1 -i "$W" "$TMP/in/new.jsonl"
ok $? "the clean run succeeds"
is "$(segments "$W")" 2 "the clean run merges the 4 old segments (2 left)"
after=$(results "$W")
[ "$after" != "$before" ]; ok $? "the clean run changes the results"
# the new segment is the first one written, the merge's output the next
new_seg=$(awk '$2 == "open" && $3 ~ /seg-[0-9]+\.cari$/ {print $3; exit}' "$TMP/ops")
merge_seg=$(awk '$2 == "open" && $3 ~ /seg-[0-9]+\.cari$/ {n++; if (n == 2) {print $3; exit}}' "$TMP/ops")
merge_seg=${merge_seg##*/}; new_seg=${new_seg##*/}
is "$new_seg $merge_seg" "seg-000005.cari seg-000006.cari" \
    "the run writes seg-000005 (new) then seg-000006 (the merge)"
merge_ops=$(awk -v m="$merge_seg" '$3 ~ m && $2 != "unlink" {print $1}' "$TMP/ops")
new_ops=$(awk -v m="$new_seg" '$3 ~ m && $2 != "unlink" {print $1}' "$TMP/ops")
[ "$(echo "$merge_ops" | wc -w)" -gt 3 ]; ok $? "the merge has file operations to stop ($(echo "$merge_ops" | wc -w))"

# ---- ENOSPC at each operation of the automatic merge ----
# full_at K: a fresh copy of the index, then the new articles indexed
# with "disk full" at file operation K; sets rc and err (its stderr)
full_at() {
    rm -rf "$W"; cp -r "$BASE" "$W"
    CARI_FAULT=any:$1:enospc "$FI" -q -j1 -i "$W" "$TMP/in/new.jsonl" \
        >/dev/null 2>"$TMP/err"
    rc=$?; err=$(cat "$TMP/err")
}
failures=0; runs=0
for k in $merge_ops; do
    runs=$((runs + 1))
    full_at "$k"; why=
    if [ "$rc" -ne 0 ]; then
        why="exit $rc: $err"
    elif ! printf '%s' "$err" | grep -Eq '^cari-index: warning: automatic merge of 4 segments skipped \(.*disk full.*\); they were committed unmerged, and a later commit tries again$'; then
        why="no warning: '$err'"
    elif [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ]; then
        why="more than the warning on stderr: '$err'"
    elif [ "$(segments "$W")" != 5 ]; then
        why="$(segments "$W") segments, not 5 (unmerged)"
    elif ! sound "$W"; then
        why="--check fails"
    elif [ -e "$W/$merge_seg" ] || ls "$W" | grep -q tmp; then
        why="the partial merge is left: $(ls "$W" | tr '\n' ' ')"
    elif [ "$(results "$W")" != "$after" ]; then
        why="the results are not the clean run's"
    fi
    if [ -n "$why" ]; then
        failures=$((failures + 1))
        echo "# ENOSPC at operation $k ($(sed -n "${k}p" "$TMP/ops" | cut -d' ' -f2-)): $why"
    fi
done
is "$failures" 0 "ENOSPC at each of the merge's $runs operations: the commit lands unmerged, with a warning, sound, the clean run's results"

# the last of those runs: the next commit merges
"$CI" -q -j1 -i "$W" --delete nothing-to-delete 2>"$TMP/err"
ok $? "the next commit succeeds"
is "$(cat "$TMP/err")" "" "and warns of nothing"
is "$(segments "$W")" 1 "and merges the 5 segments it met"
sound "$W"; ok $? "and the index is sound"
is "$(ids "$W" warga)" "baru-1 kecil-1 kecil-2 kecil-3 kecil-4" \
    "and every article is found"

# ---- with a deletion: the skipped merge's segments keep their deletions ----
# (the first of the four segments holds two articles, one deleted now)
BASE2=$TMP/base2
printf '%s\n' '{"id":"kecil-5","title":"Berita kecil 5","text":"Warga desa 5 menanam pohon di tepi sungai."}' \
    | cat "$TMP/in/one-1.jsonl" - > "$TMP/in/two.jsonl"
"$CI" -q -j1 -i "$BASE2" "$TMP/in/two.jsonl"
for i in 2 3 4; do
    "$CI" -q -j1 -i "$BASE2" "$TMP/in/one-$i.jsonl"
done
rm -rf "$W"; cp -r "$BASE2" "$W"
CARI_FAULT_LOG=$TMP/ops2 "$FI" -q -j1 -i "$W" --delete kecil-5 "$TMP/in/new.jsonl"
ok $? "a clean run with a deletion succeeds"
is "$(segments "$W")" 2 "and merges the 4 old segments"
after_del=$(results "$W")
# its merge's first write
k=$(awk -v m="$merge_seg" '$3 ~ m && $2 == "write" {print $1; exit}' "$TMP/ops2")
rm -rf "$W"; cp -r "$BASE2" "$W"
CARI_FAULT=any:$k:enospc "$FI" -q -j1 -i "$W" \
    --delete kecil-5 "$TMP/in/new.jsonl" 2>"$TMP/err"
ok $? "ENOSPC in the merge of a run with a deletion: exit 0"
like "$(cat "$TMP/err")" "warning: automatic merge of 4 segments skipped" \
    "with the warning"
ls "$W"/seg-000001.del-* >/dev/null 2>&1; ok $? "a deletion file is written"
is "$(ids "$W" warga)" "baru-1 kecil-1 kecil-2 kecil-3 kecil-4" \
    "the deleted article is gone, the others are there"
is "$(segments "$W")" 5 "the segments are kept unmerged"
sound "$W"; ok $? "the index is sound"
"$CI" -q -j1 -i "$W" --delete nothing-to-delete
is "$(results "$W")" "$after_del" "the next commit merges: the clean run's results"

# ---- the new segment itself does not fit: the run fails ----
failures=0; runs=0
for k in $new_ops; do
    runs=$((runs + 1))
    full_at "$k"; why=
    if [ "$rc" -ne 2 ]; then
        why="exit $rc: $err"
    elif ! printf '%s' "$err" | grep -q '^cari-index: commit failed: .*disk full.*; the previous index is intact$'; then
        why="no clear message: $err"
    elif [ "$(results "$W")" != "$before" ]; then
        why="the index changed"
    elif ! "$CI" -q -i "$W" --check >/dev/null 2>&1; then
        why="--check fails"
    fi
    if [ -n "$why" ]; then
        failures=$((failures + 1))
        echo "# ENOSPC at operation $k: $why"
    fi
done
is "$failures" 0 "ENOSPC at each of the new segment's $runs operations: exit 2, disk full, the index as it was"

# ---- too little free space: the merge is not even started ----
# (found by review: while the disk stayed too small, every commit wrote
# the merge until the disk was full, then threw it away.)  The
# fault-injection build's CARI_FAULT_FREE stands for statvfs's answer.
rm -rf "$W"; cp -r "$BASE" "$W"; rm -f "$TMP/ops4"
CARI_FAULT_FREE=1000 CARI_FAULT_LOG=$TMP/ops4 "$FI" -q -j1 -i "$W" \
    "$TMP/in/new.jsonl" 2>"$TMP/err"
ok $? "1000 bytes free: the commit succeeds"
like "$(cat "$TMP/err")" '^cari-index: warning: automatic merge of 4 segments skipped \(disk full: 1000 bytes free, the merge needs about [0-9]+\); they were committed unmerged, and a later commit tries again$' \
    "  and warns that the merge was skipped, with the free space and the estimate"
is "$(awk '$2 == "open" && $3 ~ /seg-[0-9]+\.cari$/' "$TMP/ops4" | wc -l)" 1 \
    "  writing the new segment only, not the merge"
is "$(segments "$W")" 5 "  the segments unmerged"
sound "$W"; ok $? "  the index sound"
is "$(results "$W")" "$after" "  the clean run's results"
# the estimate: the sources' live bytes (here their sizes, nothing deleted)
need=$(sed -n 's/.*the merge needs about \([0-9]*\)).*/\1/p' "$TMP/err")
size=$(stat -c %s "$BASE"/seg-00000[1-4].cari | awk '{s += $1} END {print s}')
is "$need" "$size" "  the estimate is the 4 segments' size"
rm -rf "$W"; cp -r "$BASE" "$W"
CARI_FAULT_FREE=$need "$FI" -q -j1 -i "$W" "$TMP/in/new.jsonl" 2>"$TMP/err"
is "$?:$(cat "$TMP/err"):$(segments "$W")" "0::2" \
    "as many bytes free as the estimate: the merge is made"
# a merge asked for is tried whatever the free space (and fits here)
rm -rf "$W"; cp -r "$BASE" "$W"
CARI_FAULT_FREE=1000 "$FI" -q -j1 -i "$W" --merge 2>"$TMP/err"
is "$?:$(cat "$TMP/err"):$(segments "$W")" "0::1" \
    "--merge with 1000 bytes free: tried, and made (the disk has room)"

# ---- a merge asked for (--merge) that does not fit fails ----
rm -rf "$W"; cp -r "$BASE" "$W"
rm -f "$TMP/ops3"
CARI_FAULT_LOG=$TMP/ops3 "$FI" -q -j1 -i "$W" --merge
k=$(awk '$2 == "write" {print $1; exit}' "$TMP/ops3")
rm -rf "$W"; cp -r "$BASE" "$W"
out=$(CARI_FAULT=any:$k:enospc "$FI" -q -j1 -i "$W" --merge 2>&1); rc=$?
is "$rc" 2 "--merge on a full disk: exit 2"
like "$out" "disk full.*intact" "--merge on a full disk: says so, and that the index is intact"
is "$(segments "$W")" 4 "--merge on a full disk: the index is as it was"

# ---- a real full disk ----
MNT=$TMP/mnt
mkdir -p "$MNT"
if mount -t tmpfs -o size=8m tmpfs "$MNT" 2>/dev/null; then
    trap 'umount "$MNT" 2>/dev/null; rm -rf "$TMP"' EXIT
    python3 - "$TMP/in" <<'PY'
import json, random, sys
random.seed(3)
words = ("banjir warga sungai pemerintah harga beras pasar nelayan laut ikan "
         "sekolah guru jalan kereta desa kota hujan gunung api petani").split()
for part in range(5):
    with open("%s/part-%d.jsonl" % (sys.argv[1], part), "w") as f:
        for i in range(300):
            text = " ".join(random.choice(words) + str(random.randint(0, 999))
                            for _ in range(200))
            f.write(json.dumps({"id": "p%d-%d" % (part, i),
                                "title": "Bagian %d nomor %d" % (part, i),
                                "text": text}) + "\n")
PY
    for p in 0 1 2 3; do
        "$CI" -q -j1 -i "$MNT/ix" "$TMP/in/part-$p.jsonl"
    done
    is "$(segments "$MNT/ix")" 4 "full disk: the base has 4 segments"
    base_kb=$(du -sk "$MNT/ix" | cut -f1)
    "$CI" -q -j1 -i "$TMP/scratch" "$TMP/in/part-4.jsonl"
    new_kb=$(du -sk "$TMP/scratch" | cut -f1)
    # room for the new segment and half the merge's output
    free_kb=$(df -k --output=avail "$MNT" | tail -1)
    fill_kb=$((free_kb - new_kb - base_kb / 2))
    dd if=/dev/zero of="$MNT/filler" bs=1k count="$fill_kb" 2>/dev/null
    echo "# tmpfs: base $base_kb KB, new segment $new_kb KB, $(df -k --output=avail "$MNT" | tail -1) KB free"
    # told there is room, the merge is tried and meets the full disk
    out=$(CARI_FAULT_FREE=1000000000000 "$FI" -q -j1 -i "$MNT/ix" \
          "$TMP/in/part-4.jsonl" 2>&1); rc=$?
    is "$rc" 0 "full disk: the commit succeeds"
    like "$out" "^cari-index: warning: automatic merge of 4 segments skipped \(merging: .*disk full.*\)" \
        "full disk: and warns that the merge was skipped"
    is "$(segments "$MNT/ix")" 5 "full disk: the segments are unmerged"
    sound "$MNT/ix"; ok $? "full disk: the index is sound, nothing left over"
    is "$("$CS" -i "$MNT/ix" --stats | awk '/^articles/ {print $2}')" 1500 \
        "full disk: every article is in the index"
    is "$(ids "$MNT/ix" '"Bagian 4 nomor 17"' | tr ' ' '\n' | grep -c '^p4-17$')" 1 \
        "full disk: a new article is found"
    # a second commit on the same disk: the merge is skipped again; the
    # commit lands (before: every commit failed), and without writing
    # the merge first (statvfs says it cannot fit)
    rm -f "$TMP/ops5"
    out=$(CARI_FAULT_LOG=$TMP/ops5 "$FI" -q -j1 -i "$MNT/ix" --delete p0-1 2>&1); rc=$?
    is "$rc" 0 "full disk: a later commit succeeds too"
    like "$out" "warning: automatic merge of 5 segments skipped \(disk full: [0-9]+ bytes free, the merge needs about [0-9]+\)" \
        "full disk: the merge skipped again, for lack of free space"
    is "$(awk '$2 == "open" && $3 ~ /seg-[0-9]+\.cari$/' "$TMP/ops5" | wc -l)" 0 \
        "full disk: and not written first"
    rm -f "$MNT/filler"
    out=$("$CI" -q -j1 -i "$MNT/ix" --delete p0-2 2>&1); rc=$?
    is "$rc $out" "0 " "with room again, the next commit succeeds without a warning"
    is "$(segments "$MNT/ix")" 1 "and merges"
    sound "$MNT/ix"; ok $? "and the index is sound"
    is "$("$CS" -i "$MNT/ix" --stats | awk '/^articles/ {print $2}')" 1498 \
        "and holds every article but the two deleted"
    umount "$MNT"
    trap 'rm -rf "$TMP"' EXIT
else
    echo "# skipped the full-disk tests: mount -t tmpfs is not permitted here"
fi

done_testing
