#!/usr/bin/env bash
# cli.t -- the two tools end to end on temporary directories: indexing
# corpus/, searching in every format, exit codes, replace-by-id, bad
# records, locking and an interrupted run.
. "$(dirname "$0")/tap.sh"

IX=$TMP/ix
CI=$BIN/cari-index
CS=$BIN/cari-search

# ---- help and version ----
"$CI" --help >/dev/null; ok $? "cari-index --help exits 0"
"$CS" --help >/dev/null; ok $? "cari-search --help exits 0"
like "$("$CI" --version)" '^cari-index [0-9]+\.[0-9]+' "cari-index --version"
like "$("$CS" --version)" '^cari-search [0-9]+\.[0-9]+' "cari-search --version"
"$CS" --bogus >/dev/null 2>&1; is $? 2 "unknown option exits 2"
# getopt's message names the tool, as every other message does, not the
# path it was run by
is "$("$CS" --bogus 2>&1 | head -1)" "cari-search: unrecognized option '--bogus'" \
    "cari-search: an unknown option's message names the tool"
is "$("$CI" -x 2>&1 | head -1)" "cari-index: invalid option -- 'x'" \
    "cari-index: an unknown option's message names the tool"
"$CI" >/dev/null 2>&1; is $? 2 "cari-index without input exits 2"

# ---- an index path that is a file ----
# it said "FILE/LOCK: opening the lock file failed: Not a directory"
# (found by review): now the path itself, and that an index is a
# directory; the file is left as it was
echo "not an index" > "$TMP/afile"
err=$("$CI" -q -i "$TMP/afile" "$ROOT/corpus" 2>&1); rc=$?
is "$rc" 2 "cari-index -i FILE exits 2"
is "$err" "cari-index: $TMP/afile: not a directory (an index is a directory)" \
    "cari-index -i FILE: the message names the path, not its LOCK"
err=$("$CS" -i "$TMP/afile" banjir 2>&1); rc=$?
is "$rc" 2 "cari-search -i FILE exits 2"
is "$err" "cari-search: $TMP/afile: not a directory (an index is a directory)" \
    "cari-search -i FILE: the message names the path, not its MANIFEST"
if "$CI" --version | grep -q xapian; then
    err=$("$CI" -q --backend xapian -i "$TMP/afile" "$ROOT/corpus" 2>&1); rc=$?
    is "$rc:$err" "2:cari-index: $TMP/afile: not a directory (an index is a directory)" \
        "cari-index --backend xapian -i FILE: the same message"
else
    echo "# skipped the Xapian case: cari was built without the Xapian backend"
fi
is "$(cat "$TMP/afile")" "not an index" "the file is left as it was"

# ---- index the sample corpus ----
out=$("$CI" -i "$IX" "$ROOT/corpus" 2>"$TMP/err"); rc=$?
is "$rc" 0 "indexing corpus/ exits 0"
like "$out" '^indexed 18 articles \([0-9]+ passages\) from [0-9.]+ [KM]?B in [0-9.]+ s .*; index: 18 articles, [0-9]+ distinct terms, [0-9.]+ [KM]?B$' \
    "one-line summary with articles, passages, terms, sizes, seconds"
is "$(cat "$TMP/err")" "" "no warnings on the sample corpus"
ls "$IX"/MANIFEST "$IX"/seg-*.cari >/dev/null 2>&1; ok $? "index holds a manifest and a segment"
out=$("$CI" -q -i "$TMP/quiet" "$ROOT/corpus/berita.jsonl")
is "$out" "" "--quiet prints nothing"

# ---- search: text, json, tsv ----
out=$("$CS" -i "$IX" --format tsv banjir Jakarta); rc=$?
is "$rc" 0 "a query with hits exits 0"
is "$(echo "$out" | head -1 | cut -f3)" "berita-001" "banjir Jakarta: the Jakarta flood article ranks first"
is "$(echo "$out" | awk -F'\t' 'NF != 5' | wc -l)" 0 "tsv: five fields per line"
is "$(echo "$out" | head -1 | cut -f1)" 1 "tsv: rank starts at 1"
top=$("$CS" -i "$IX" -f tsv -n 1 nelayan Natuna | cut -f3)
is "$top" "artikel/nelayan-natuna.txt" "directory input: id is the path relative to the directory"
top=$("$CS" -i "$IX" -f tsv -n 1 pemain sepak bola Brasil | cut -f3)
is "$top" "artikel/olahraga/bintang-samudra-rekrut-bek-brasil.txt" "subdirectories are read"

n=$("$CS" -i "$IX" -f tsv -n 3 --group 0 banjir | wc -l); is "$n" 3 "-n limits the hits"

# ---- a question's words the index does not hold are corrected ----
out=$("$CS" -i "$IX" -n 3 "Apa penyebab banjr di Jakarta?"); rc=$?
is "$rc" 0 "a question with a misspelt word exits 0"
is "$(echo "$out" | head -1)" 'searched for "Apa penyebab banjir di Jakarta?" instead of "Apa penyebab banjr di Jakarta?" (words the index lacks, corrected; --as-written turns this off)' \
    "text: says which query was searched"
like "$out" '1-3 of [0-9]+ passages for "Apa penyebab banjir di Jakarta\?"' "text: the header names the corrected query"
out=$("$CS" -i "$IX" -n 3 -f tsv "Apa penyebab banjr di Jakarta?" 2>"$TMP/err")
is "$(echo "$out" | head -1 | cut -f3)" "berita-001" "tsv: the corrected question finds the Jakarta flood first"
is "$(echo "$out" | awk -F'\t' 'NF != 5' | wc -l)" 0 "tsv: stdout holds only hits"
like "$(cat "$TMP/err")" '^cari-search: searched for "Apa penyebab banjir di Jakarta\?"' "tsv: the note goes to stderr"
"$CS" -i "$IX" -n 3 -f tsv --as-written "Apa penyebab banjr di Jakarta?" >/dev/null 2>"$TMP/err"
is "$(cat "$TMP/err")" "" "--as-written: no correction"
"$CS" -i "$IX" -n 3 -f tsv "penyebab banjr Jakarta" >/dev/null 2>"$TMP/err"
is "$(cat "$TMP/err")" "" "a keyword query is searched as written"
a=$("$CS" -i "$IX" -f tsv -n 4 banjir | sed -n 4p)
b=$("$CS" -i "$IX" -f tsv -n 1 --offset 3 banjir | cut -f2-)
is "$b" "$(echo "$a" | cut -f2-)" "--offset pages through the same ranking"

"$CS" -i "$IX" -f json -n 5 banjir Jakarta > "$TMP/hits.json"; rc=$?
is "$rc" 0 "json output exits 0"
python3 - "$TMP/hits.json" <<'PY'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
assert len(lines) == 5, len(lines)
for n, line in enumerate(lines, 1):
    h = json.loads(line)
    for k, t in [("rank", int), ("score", float), ("id", str), ("passage", int),
                 ("title", str), ("snippet", str), ("start", int), ("end", int),
                 ("highlights", list), ("meta", dict)]:
        assert isinstance(h[k], t), (k, h)
    assert h["rank"] == n
    assert 0 <= h["start"] <= h["end"]
    snip = h["snippet"].encode("utf-8")
    for s, e in h["highlights"]:
        assert 0 <= s < e <= len(snip)
        word = snip[s:e].decode("utf-8").lower()
        assert "banjir" in word or "jakarta" in word, word
    if n > 1:
        assert h["score"] <= prev
    prev = h["score"]
first = json.loads(lines[0])
assert first["meta"].get("source") and first["meta"].get("date"), first["meta"]
PY
ok $? "json: every line parses, has the schema, highlights are matched words"

out=$("$CS" -i "$IX" --color=never --group 0 banjir Jakarta)
like "$out" '^1-10 of [0-9]+ passages for "banjir Jakarta"' "text: header with the total"
like "$out" '\[[Bb]anjir\]' "text without colour marks matches with brackets"
out=$("$CS" -i "$IX" --color=always banjir)
like "$out" $'\033\\[1;33m' "--color=always highlights with ANSI colour"
out=$("$CS" -i "$IX" banjir | cat)
if printf '%s' "$out" | grep -q $'\033'; then r=1; else r=0; fi
ok $r "no colour when stdout is not a terminal"

# ---- exit codes ----
"$CS" -i "$IX" zzqxwvzz >/dev/null; is $? 1 "no hits exits 1"
err=$("$CS" -i "$IX" yang dan di 2>&1 >/dev/null); rc=$?
is "$rc" 1 "a query of stopwords only exits 1"
like "$err" "no searchable word" "and says why"
err=$("$CS" -i "$TMP/nothing" banjir 2>&1); rc=$?
is "$rc" 2 "a missing index exits 2"
like "$err" "cari-index" "and says how to build one"
"$CS" -i "$IX" -n abc banjir >/dev/null 2>&1; is $? 2 "a bad number exits 2"
printf 'banjir\n' > "$TMP/one.txt"
err=$("$CS" -i "$IX" --batch "$TMP/one.txt" --features -f json 2>&1 >/dev/null); rc=$?
is "$rc" 2 "--features with --format json: an error (the features were left out)"
like "$err" "--features prints its own columns" "  and says so"
"$CS" -i "$IX" --snippets banjir >/dev/null 2>&1
is $? 2 "--snippets without --batch: an error, as --latency and --features"
if [ -w /dev/full ]; then
    # a full disk or a closed pipe: exit 2 with a message, not silently
    err=$("$CS" -i "$IX" banjir 2>&1 >/dev/full); rc=$?
    is "$rc" 2 "output that cannot be written (/dev/full) exits 2"
    like "$err" "write error on standard output: No space left" "  and says why"
    err=$("$CS" -i "$IX" --stats 2>&1 >/dev/full)
    like "$err" "write error on standard output" "  --stats too"
    err=$("$CI" -i "$IX" --stats 2>&1 >/dev/full)
    like "$err" "write error on standard output" "  cari-index --stats too"
    # found by review: --help and --version exited 0 whatever became of
    # their text
    for t in "$CS" "$CI"; do
        for o in --help --version; do
            err=$("$t" $o 2>&1 >/dev/full); rc=$?
            is "$rc" 2 "$(basename "$t") $o to /dev/full exits 2"
            like "$err" "write error on standard output" "  and says so"
        done
    done
else
    echo "# skipped the output-error cases: /dev/full is not writable here"
fi
err=$("$CS" -i "$IX" --batch "$TMP" 2>&1 >/dev/null); rc=$?
is "$rc" 2 "--batch FILE that cannot be read (a directory) exits 2, not 1"
like "$err" "Is a directory" "  and says why"

# ---- --analyze ----
out=$(printf 'Anak-anak bermain dan menulis di Jakarta.' | "$CI" --analyze)
like "$out" $'^Anak-anak\tanak\t0' "--analyze: reduplication becomes the root"
like "$out" $'dan\tdan\t1' "--analyze: stopwords are flagged"
like "$out" $'Jakarta\tjakarta\t0' "--analyze: case is folded"

# ---- replace by id ----
printf '%s\n' '{"id":"berita-001","title":"Zebra lepas dari kebun binatang","text":"Seekor zebra lepas dari kebun binatang Ragunan pagi ini."}' > "$TMP/replace.jsonl"
out=$("$CI" -i "$IX" "$TMP/replace.jsonl"); ok $? "re-indexing an id exits 0"
like "$out" 'index: 18 articles' "replacing keeps the article count"
top=$("$CS" -i "$IX" -f tsv -n 1 zebra | cut -f3)
is "$top" "berita-001" "the new text is searchable"
n=$("$CS" -i "$IX" -f tsv -n 100 Kampung Melayu | cut -f3 | grep -c '^berita-001$')
is "$n" 0 "the old text of the replaced article is gone"

# ---- standard input ----
printf '%s\n' '{"id":"stdin-1","title":"Dari masukan standar","text":"Kalimat tentang komodo dari pipa."}' |
    "$CI" -q -i "$IX" -; ok $? "indexing from standard input"
is "$("$CS" -i "$IX" -f tsv komodo pipa | head -1 | cut -f3)" "stdin-1" "the stdin article is searchable"

# ---- bad records: warned with file and line, skipped, the rest indexed ----
{
    printf '%s\n' '{"id":"ok-1","title":"Baik","text":"Artikel pertama tentang kopi Gayo."}'
    printf '%s\n' '{"id":"bad-json","title":"Rusak","text":"tanpa penutup'
    printf '%s\n' '{"title":"Tanpa id","text":"Artikel tanpa id."}'
    printf '{"id":"bad-utf8","title":"x","text":"kopi \xff\xfe rusak"}\n'
    printf '%s\n' '[1, 2, 3]'
    printf '%s\n' '{"id":"ok-2","title":"Baik juga","text":"Artikel kedua tentang kopi Toraja."}'
} > "$TMP/bad.jsonl"
out=$("$CI" -i "$TMP/badix" "$TMP/bad.jsonl" 2>"$TMP/err"); rc=$?
is "$rc" 0 "bad records do not fail the run"
err=$(cat "$TMP/err")
like "$err" 'bad.jsonl:2: malformed JSON' "malformed JSON: warning names file and line"
like "$err" 'bad.jsonl:3: no "id"' "missing id: warning names file and line"
like "$err" 'bad.jsonl:4: ' "invalid UTF-8: warning names file and line"
like "$err" 'bad.jsonl:5: not a JSON object' "non-object: warning names file and line"
like "$out" 'indexed 2 articles.*4 records skipped' "the good records are indexed, the bad counted"
is "$("$CS" -i "$TMP/badix" -f tsv kopi | cut -f3 | sort | tr '\n' ' ')" "ok-1 ok-2 " "both good records are searchable"
mkdir -p "$TMP/txtdir/sub"
printf 'Judul\n\nIsi artikel tentang durian.\n' > "$TMP/txtdir/a.txt"
printf 'Judul\n\nteks \xc3\x28 rusak\n' > "$TMP/txtdir/sub/b.txt"
printf 'bin\000ary' > "$TMP/txtdir/c.txt"
out=$("$CI" -i "$TMP/txtix" "$TMP/txtdir" 2>"$TMP/err"); rc=$?
is "$rc" 0 "a directory with bad files still indexes"
like "$(cat "$TMP/err")" 'sub/b.txt:3: invalid UTF-8' "invalid UTF-8 in a text file: file and line"
like "$(cat "$TMP/err")" 'c.txt:1: binary data' "binary file: reported"
like "$out" 'indexed 1 article \(.*; 2 records skipped$' "the good text file is indexed, the 2 bad ones counted"
# warnings about inputs that are not one record are counted apart (found
# by review: "records skipped" counted a directory nested too deep)
mkdir -p "$TMP/deepdir"
printf 'Judul\n\nIsi artikel tentang durian.\n' > "$TMP/deepdir/a.txt"
d=$TMP/deepdir; for k in $(seq 70); do d=$d/d; done; mkdir -p "$d"
printf 'Dalam\n\nTerlalu dalam.\n' > "$d/b.txt"
printf '\xfd7zXZ\000rest' > "$TMP/deepdir/x.jsonl"
out=$("$CI" -i "$TMP/deepix" "$TMP/deepdir" 2>"$TMP/err"); rc=$?
is "$rc" 0 "a directory nested too deep and an xz file do not fail the run"
like "$(cat "$TMP/err")" 'deeper than' "  the deep directory is reported"
like "$out" 'indexed 1 article \(.*; 2 inputs not read in full$' "  and counted as an input not read, not as records skipped"

# ---- deletes, merge, stats ----
"$CI" -q -i "$TMP/delix" "$ROOT/corpus"
before=$("$CS" -i "$TMP/delix" -f tsv -n 50 harga beras | cut -f3 | sort -u)
like "$before" "berita-002" "before: berita-002 is found"
out=$("$CI" -i "$TMP/delix" --delete berita-002); ok $? "--delete exits 0"
like "$out" "index: 17 articles.*; 1 id deleted$" "the summary counts the deletion"
out=$("$CI" -i "$TMP/delix" --delete tidak-ada --delete berita-002)
like "$out" "index: 17 articles, [^;]*; 2 ids not found$" \
    "an id not in the index, or deleted already, is not counted deleted (found by review: \"1 ids deleted\")"
"$CI" -q -i "$TMP/delix2" "$ROOT/corpus"
out=$(printf 'berita-003\nberita-003\n' | "$CI" -i "$TMP/delix2" --delete-from -)
like "$out" "index: 17 articles.*; 1 id deleted; 1 id not found$" "  an id listed twice is deleted once"
after=$("$CS" -i "$TMP/delix" -f tsv -n 50 harga beras | cut -f3 | sort -u)
if printf '%s' "$after" | grep -q berita-002; then r=1; else r=0; fi
ok $r "the deleted article is no longer found"
like "$("$CI" -i "$TMP/delix" --stats)" "deleted +1 " "--stats shows the deletion until a merge"
like "$("$CS" -i "$TMP/delix" --stats)" "deleted +1 article \\(until a merge\\)" \
    "cari-search --stats: '1 article' deleted, not '1 articles' (found by review)"
st=$("$CI" -i "$TMP/delix" --stats | awk '$1 ~ /^(articles|passages|deleted)$/ {printf "%s ", $2}')
chk=$("$CI" -i "$TMP/delix" --check | sed -E 's/.* ([0-9]+) articles?, ([0-9]+) passages?, ([0-9]+) articles? deleted \(until a merge\).*/\1 \2 \3 /')
is "$chk" "$st" "--check counts live articles, live passages and deleted articles as --stats does (found by review: 18 articles)"
e=$("$CI" -i "$TMP/delix" --delete '' 2>&1); rc=$?
is "$rc" 2 "--delete '': exit 2"
like "$e" "an empty id cannot be deleted" "  with a message (it was empty)"
printf 'berita-003\n\nartikel/nelayan-natuna.txt\n' > "$TMP/ids.txt"
"$CI" -q -i "$TMP/delix" --delete-from "$TMP/ids.txt"; ok $? "--delete-from exits 0"
like "$("$CI" -i "$TMP/delix" --stats)" "articles +15" "--delete-from deletes every listed id"
# a list saved with a byte order mark and CRLF line ends (found by
# review: the mark was part of the first id, which then matched nothing,
# and the summary still counted it)
cp -R "$TMP/delix" "$TMP/bomix"
printf '\357\273\277berita-004\r\nberita-005\r\n' > "$TMP/ids-bom.txt"
"$CI" -q -i "$TMP/bomix" --delete-from "$TMP/ids-bom.txt"; ok $? "--delete-from a list with a BOM exits 0"
like "$("$CI" -i "$TMP/bomix" --stats)" "articles +13" "  and deletes its first id too"
cp -R "$TMP/delix" "$TMP/stdinix"
err=$(printf 'berita-001\n' | "$CI" -q -i "$TMP/stdinix" --delete-from - - 2>&1); rc=$?
is "$rc" 2 "--delete-from - with the input -: an error (stdin cannot be both)"
like "$err" "standard input is read once" "  and says so"
err=$("$CI" -q -i "$TMP/delix" --delete-from "$TMP" 2>&1); rc=$?
is "$rc" 2 "--delete-from FILE that cannot be read (a directory) exits 2, not 0"
like "$err" "Is a directory" "  and says why"
# found by review: a mistyped -i made an empty index and "deleted"
err=$("$CI" -q -i "$TMP/delix-typo" --delete berita-001 2>&1); rc=$?
is "$rc" 2 "--delete on no index: exit 2"
like "$err" "no index at .*delix-typo: nothing to delete from" "  and says so"
ok "$([ ! -e "$TMP/delix-typo" ] && echo 0 || echo 1)" "  and makes none"
err=$("$CI" -q -i "$TMP/delix-typo" --merge 2>&1); rc=$?
is "$rc" 2 "--merge on no index: exit 2"
like "$err" "nothing to merge" "  and says so"
ranked=$("$CS" -i "$TMP/delix" -f tsv -n 20 pemerintah warga)
"$CI" -q -i "$TMP/delix" --merge; ok $? "--merge exits 0"
st=$("$CI" -i "$TMP/delix" --stats)
like "$st" "deleted +0 " "after --merge nothing deleted is left"
like "$st" "segments +1" "after --merge one segment"
is "$(ls "$TMP/delix" | grep -c '\.del-')" 0 "no deletion files after --merge"
merged=$("$CS" -i "$TMP/delix" -f tsv -n 20 pemerintah warga)
is "$(printf '%s\n' "$merged" | cut -f3,4 | sort)" "$(printf '%s\n' "$ranked" | cut -f3,4 | sort)" \
    "--merge keeps the same hits (scores move: deleted copies left the statistics)"
# a merged index ranks exactly like one built from the live articles only
mkdir -p "$TMP/live/artikel"
grep -v -e '"berita-002"' -e '"berita-003"' "$ROOT/corpus/berita.jsonl" > "$TMP/live/berita.jsonl"
cp -r "$ROOT/corpus/artikel/." "$TMP/live/artikel/"
rm "$TMP/live/artikel/nelayan-natuna.txt"
"$CI" -q -j1 -i "$TMP/fresh" "$TMP/live"
is "$merged" "$("$CS" -i "$TMP/fresh" -f tsv -n 20 pemerintah warga)" \
    "a merged index ranks exactly like a fresh one of the live articles"
# once 20% of the index is deleted (CARI_AUTO_MERGE_DELETED) the commit
# rewrites the segments holding deletions; below that they wait for a merge
"$CI" -q -i "$TMP/delix" --delete berita-004 --delete berita-005
st=$("$CI" -i "$TMP/delix" --stats)
like "$st" "deleted +2 " "2 of 15 deleted (13%): the segment keeps them until a merge"
"$CI" -q -i "$TMP/delix" --delete berita-006
st=$("$CI" -i "$TMP/delix" --stats)
like "$st" "deleted +0 " "3 of 15 deleted (20%): the commit rewrote the segment"
like "$st" "articles +12" "... with the 12 live articles"
is "$(ls "$TMP/delix" | grep -c '\.del-')" 0 "... and no deletion file"
"$CI" -i "$TMP/nothing-here" --stats >/dev/null 2>&1; is $? 2 "--stats on a missing index exits 2"
# --stats --check printed the stats and exit 0 without checking anything
err=$("$CI" -i "$TMP/delix" --stats --check 2>&1 >/dev/null); rc=$?
is "$rc" 2 "--stats --check: an error (one action a run), not the stats alone"
like "$err" "separate runs" "  and says so"
printf 'x' | "$CI" -i "$TMP/delix" --analyze --check >/dev/null 2>&1
is $? 2 "--analyze --check: an error, not the analysis alone"

# A writer that reads standard input from a FIFO fed by a slow producer:
# start_slow_writer DIR DELAY_BEFORE DELAY_AFTER; sets WPID and PPID_
start_slow_writer() {
    rm -f "$TMP/fifo"; mkfifo "$TMP/fifo"
    "$CI" -q -i "$1" - < "$TMP/fifo" 2>"$TMP/err" &
    WPID=$!
    (sleep "$2"; cat "$ROOT/corpus/berita.jsonl"; exec sleep "$3") > "$TMP/fifo" &
    PPID_=$!
}

# ---- a second writer is refused while the first holds the lock ----
start_slow_writer "$TMP/lockix" 2 0
sleep 1
err=$("$CI" -q -i "$TMP/lockix" "$ROOT/corpus/berita.jsonl" 2>&1); rc=$?
is "$rc" 2 "a second writer exits 2"
like "$err" "locked by pid $WPID" "and names the lock holder"
wait $WPID; ok $? "the first writer finishes"
wait $PPID_ 2>/dev/null

# ---- a LOCK that is a symbolic link is not followed ----
# (found by review: the writer truncated the file it named, anywhere,
# and wrote its pid there)
rm -rf "$TMP/symix"; cp -r "$IX" "$TMP/symix"
printf 'precious\n' > "$TMP/victim"
rm -f "$TMP/symix/LOCK"; ln -s ../victim "$TMP/symix/LOCK"
err=$("$CI" -q -i "$TMP/symix" --delete berita-002 2>&1); rc=$?
is "$rc" 2 "a LOCK that is a symbolic link: exit 2"
like "$err" "LOCK: is a symbolic link" "  and says so"
is "$(cat "$TMP/victim")" "precious" "  the file it names is untouched"
rm -f "$TMP/symix/LOCK"
"$CI" -q -i "$TMP/symix" --delete berita-002; ok $? "  once it is removed, the writer runs"

# ---- an interrupted run leaves the previous commit usable ----
before=$("$CS" -i "$IX" -f tsv banjir)
start_slow_writer "$IX" 0 30
sleep 1
kill -KILL $WPID 2>/dev/null; wait $WPID 2>/dev/null
kill $PPID_ 2>/dev/null; wait $PPID_ 2>/dev/null
after=$("$CS" -i "$IX" -f tsv banjir); rc=$?
is "$rc" 0 "after SIGKILL mid-run the index still opens"
is "$after" "$before" "and returns exactly what it did before"
start_slow_writer "$IX" 0 30
sleep 1
kill -TERM $WPID; wait $WPID; rc=$?
kill $PPID_ 2>/dev/null; wait $PPID_ 2>/dev/null
is "$rc" 130 "SIGTERM stops the writer with status 130"
like "$(cat "$TMP/err")" "nothing was committed" "and says nothing was committed"
is "$("$CS" -i "$IX" -f tsv banjir)" "$before" "the index is unchanged after SIGTERM"
"$CI" -q -i "$IX" "$ROOT/corpus/berita.jsonl"; ok $? "a later writer takes over after a killed one"

# ---- SIGTERM while standard input is quiet ----
# (the read went on after the signal: the writer stopped only once more
# input came, or never)
mkfifo "$TMP/pipa"
sleep 60 > "$TMP/pipa" & SPID=$!
"$CI" -q -i "$TMP/sepi" - < "$TMP/pipa" 2>"$TMP/err" & WPID=$!
for _ in $(seq 1 100); do [ -e "$TMP/sepi/LOCK" ] && break; sleep 0.1; done
sleep 0.3
kill -TERM $WPID
for _ in $(seq 1 50); do kill -0 $WPID 2>/dev/null || break; sleep 0.1; done
if kill -0 $WPID 2>/dev/null; then
    ok 1 "SIGTERM stops a writer waiting on standard input"
    kill -KILL $WPID; wait $WPID 2>/dev/null
else
    wait $WPID; is $? 130 "SIGTERM stops a writer waiting on standard input (status 130)"
fi
kill $SPID 2>/dev/null; wait $SPID 2>/dev/null
is "$(cat "$TMP/err")" "cari-index: interrupted; nothing was committed, the index is as it was" \
    "and says only that it was interrupted"
# a FIFO given as INPUT that no one writes to: the open waits; SIGTERM
# ends it with that one message too (it also warned "cannot open:
# Interrupted system call; file skipped")
mkfifo "$TMP/pipa2"
"$CI" -q -i "$TMP/sepi2" "$TMP/pipa2" 2>"$TMP/err" & WPID=$!
for _ in $(seq 1 100); do [ -e "$TMP/sepi2/LOCK" ] && break; sleep 0.1; done
sleep 0.3
kill -TERM $WPID
for _ in $(seq 1 50); do kill -0 $WPID 2>/dev/null || break; sleep 0.1; done
if kill -0 $WPID 2>/dev/null; then
    ok 1 "SIGTERM stops a writer waiting to open a FIFO"
    kill -KILL $WPID; wait $WPID 2>/dev/null
else
    wait $WPID; is $? 130 "SIGTERM stops a writer waiting to open a FIFO (status 130)"
fi
is "$(cat "$TMP/err")" "cari-index: interrupted; nothing was committed, the index is as it was" \
    "  and says only that it was interrupted"

# ---- "-" with standard input closed ----
# (the writer's LOCK took its number, and "-" read it: "malformed JSON
# near '<pid>'", exit 0, an empty index)
"$CI" -q -i "$TMP/zu" - <&- 2>"$TMP/err"; rc=$?
is "$rc" 2 "the input - with standard input closed exits 2"
like "$(cat "$TMP/err")" "standard input is closed; nothing was indexed" "  and says so"
[ ! -e "$TMP/zu" ]; ok $? "  and makes no index"
"$CI" -q -i "$IX" --delete-from - <&- 2>"$TMP/err"; rc=$?
is "$rc" 2 "--delete-from - with standard input closed exits 2"

# standard input that cannot be read (a directory): the message says why
"$CI" -q -i "$TMP/zu" - < "$TMP" 2>"$TMP/err"; rc=$?
is "$rc" 2 "the input - that cannot be read exits 2"
like "$(cat "$TMP/err")" "cannot read standard input: Is a directory" "  and says why"

# ---- a missing INPUT fails the run before any input is read ----
# (it failed the run only once it was reached, after the inputs before
# it had been read, and left a new index directory holding LOCK alone)
before=$("$CS" -i "$IX" -f tsv banjir)
printf '{"id":"baru","title":"Banjir baru","text":"banjir lagi"}\n' > "$TMP/baru.jsonl"
"$CI" -q -i "$IX" "$TMP/baru.jsonl" "$TMP/tidak-ada.jsonl" 2>"$TMP/err"; rc=$?
is "$rc" 2 "a missing INPUT exits 2"
like "$(cat "$TMP/err")" "tidak-ada.jsonl: No such file or directory; nothing was indexed" \
    "and names it, saying nothing was indexed"
is "$("$CS" -i "$IX" -f tsv banjir)" "$before" "the index is as it was"
"$CI" -q -i "$TMP/belum-ada" "$ROOT/corpus" "$TMP/tidak-ada.jsonl" 2>/dev/null
[ ! -e "$TMP/belum-ada" ]; ok $? "no index directory is made for a run that fails so"

# ---- an empty -i is no directory ----
# (found by review: "cari-index --shards 2 -i ''" wrote the shards ".0"
# and ".1", hidden, into the current directory; "cari-search -i ''" said
# ": no index here" and advised "cari-index -i  INPUT...")
mkdir -p "$TMP/cwd"
(cd "$TMP/cwd" && "$CI" -q --shards 2 -i '' "$ROOT/corpus/berita.jsonl") 2>"$TMP/err"; rc=$?
is "$rc" 2 "cari-index --shards 2 -i '' exits 2"
is "$(ls -A "$TMP/cwd")" "" "  and writes no shard into the current directory"
like "$(cat "$TMP/err")" "^cari-index: -i wants an index directory, not ''" "  and says why"
(cd "$TMP/cwd" && "$CI" -q -i '' "$ROOT/corpus/berita.jsonl") 2>"$TMP/err"; rc=$?
is "$rc" 2 "cari-index -i '' exits 2"
like "$(cat "$TMP/err")" "^cari-index: -i wants an index directory, not ''" "  and says why"
"$CS" -i '' banjir 2>"$TMP/err"; rc=$?
is "$rc" 2 "cari-search -i '' exits 2"
like "$(cat "$TMP/err")" "^cari-search: -i wants an index directory, not ''" "  and says why"
"$CS" --shard '' banjir 2>"$TMP/err"; rc=$?
is "$rc" 2 "cari-search --shard '' exits 2"
like "$(cat "$TMP/err")" "^cari-search: --shard wants an index directory or tcp://HOST:PORT, not ''" "  and says why"

# ---- the query echoed: control characters as U+FFFD, as the text's ----
# (found by review: the header, the corrections and the error's copy of
# the query sent its line breaks and escape sequences out raw)
out=$("$CS" -i "$IX" --color=never -n 1 $'banjir \e]0;judul\a\nJakarta' | head -1)
like "$out" $'^1-1 of [0-9]+ passages for "banjir \uFFFD]0;judul\uFFFD Jakarta"$' \
    "text header: the query's escape sequence as U+FFFD, its line break as a space"
out=$("$CS" -i "$IX" -n 0 $'banjir \e[2J')
like "$out" $'^[0-9]+ passages match "banjir \uFFFD\\[2J" \\(-n 0: none shown\\)$' "  so with -n 0"
out=$("$CS" -i "$IX" $'zzqxwvzz\e[2J')
is "$out" $'no passages match "zzqxwvzz\uFFFD[2J"' "  and when nothing matches"
out=$("$CS" -i "$IX" --did-you-mean -n 1 $'banjr\tjakrta\e[2J' | head -1)
is "$out" $'no passages match "banjr jakrta\uFFFD[2J"; showing passages for "banjir jakarta\uFFFD[2J"' \
    "  --did-you-mean: both queries"
out=$("$CS" -i "$IX" -n 1 $'Apa penyebab banjr di Jakarta?\e[2J' | head -1)
like "$out" $'^searched for "Apa penyebab banjir di Jakarta\\?\uFFFD\\[2J" instead of "Apa penyebab banjr di Jakarta\\?\uFFFD\\[2J"' \
    "  a question's corrected words: both queries"
err=$("$CS" -i "$IX" $'gempa \e[2J"Sumbawa' 2>&1)
is "$err" $'cari-search: query error at column 11: this quote is never closed\n  gempa \uFFFD[2J"Sumbawa\n            ^' \
    "  a query error: the query so, the caret under its column"

# ---- tsv --fields: a field a hit lacks is an empty column ----
# (found by review: qno outside --batch took its column away, so the
# columns after it moved one to the left)
out=$("$CS" -i "$IX" -f tsv --fields qno,id,passage -n 3 --group 0 banjir)
is "$(printf '%s\n' "$out" | awk -F'\t' 'NF != 3 || $1 != "" || $3 !~ /^[0-9]+$/' | wc -l)" 0 \
    "tsv --fields qno,id,passage outside --batch: three columns, the first empty"
is "$(printf '%s\n' "$out" | wc -l)" 3 "  one line a hit"
printf 'banjir\n' > "$TMP/qno.txt"
out=$("$CS" -i "$IX" -f tsv --fields qno,id,passage -n 3 --group 0 --batch "$TMP/qno.txt")
is "$(printf '%s\n' "$out" | awk -F'\t' 'NF != 3 || $1 != 1' | wc -l)" 0 "  with --batch, qno fills it"
out=$("$CS" -i "$IX" -f tsv --fields id,explain -n 1 banjir)
like "$out" $'^[^\t]+\t\\{"body":\\{"value":' "tsv --fields id,explain: the explain object as compact JSON"

# ---- tsv: DEL and C1 inside a JSON column as U+FFFD too ----
# (found by review: meta and the other JSON columns went out as jansson
# writes them, which escapes C0 but not DEL or C1, a CSI among them)
printf '{"id":"m1","title":"Meta","text":"kata sinyal","source":"a\\u009b31mb\\u007fc\\u001bd","tags":["x\\u0085y"]}\n' > "$TMP/meta.jsonl"
"$CI" -q -i "$TMP/mix" "$TMP/meta.jsonl"
out=$("$CS" -i "$TMP/mix" -f tsv --fields id,meta sinyal)
is "$out" $'m1\t{"source":"a\uFFFD31mb\uFFFDc\\u001Bd","tags":["x\uFFFDy"]}' \
    "tsv --fields id,meta: the metadata's DEL and C1 as U+FFFD, its ESC escaped by JSON"

done_testing
