#!/usr/bin/env bash
# valgrind.t -- the tools under valgrind's memcheck: reads of memory that
# was never written (which AddressSanitizer does not see, and MemorySanitizer
# cannot check here: the Debian libraries are not instrumented).  Indexing
# (two threads, replacements, deletions, a merge, a .gz input), --check,
# and searches of each kind, each run must report no error.  It found
# ISA-L's deflate reading fields of its stream that its init leaves
# unset: the stored text's bytes then depended on the stack, and a merge
# wrote other bytes than a fresh run once in a while (docs/ROBUSTNESS.md).
# Skips without valgrind (Debian: apt-get install valgrind) and under
# make check (sanitized binaries do not run under valgrind).
. "$(dirname "$0")/tap.sh"

CI=$BIN/cari-index
CS=$BIN/cari-search

command -v valgrind >/dev/null ||
    skip_all "valgrind not found (apt-get install valgrind)"
case "${CARI_CC:-}" in
*-fsanitize*) skip_all "sanitized binaries (make check): valgrind runs under make test" ;;
esac
ldd "$CI" 2>/dev/null | grep -q 'libasan\|libubsan' &&
    skip_all "$CI is built with a sanitizer: valgrind runs under make test"

vg() {  # vg DESCRIPTION COMMAND...: the command under memcheck, no error
    local what=$1; shift
    valgrind -q --error-exitcode=99 --leak-check=no --track-origins=yes \
        --log-file="$TMP/vg.log" "$@" >"$TMP/vg.out" 2>"$TMP/vg.err"
    local rc=$?
    if [ "$rc" = 99 ] || [ -s "$TMP/vg.log" ]; then
        sed 's/^/# /' "$TMP/vg.log" | head -40
        ok 1 "$what: no memcheck error"
    else
        ok 0 "$what: no memcheck error (exit $rc)"
    fi
}

# over 64 KiB of text (a word list for the stored text), lists of 128
# and more (blocks), metadata, and replacements in the second batch
python3 "$ROOT/tests/gen_batches.py" "$TMP" 11 2 300 30 2
gzip -c "$TMP/2.jsonl" > "$TMP/2.jsonl.gz"

IX=$TMP/ix
vg "index, two threads" "$CI" -q --no-sync -j 2 -i "$IX" "$TMP/1.jsonl" "$ROOT/corpus"
vg "index a .gz, replacing 30 ids" "$CI" -q --no-sync -j 2 -i "$IX" "$TMP/2.jsonl.gz"
vg "--delete-from" "$CI" -q --no-sync -i "$IX" --delete-from "$TMP/delete"
vg "--merge" "$CI" -q --no-sync -i "$IX" --merge
vg "--check" "$CI" -q -i "$IX" --check
vg "--stats" "$CS" -i "$IX" --stats
vg "a keyword query, text" "$CS" -i "$IX" --color=always banjir jakarta
vg "a question with feedback, json" "$CS" -i "$IX" -f json -n 100 "Di mana warga mengungsi saat banjir?"
vg "phrase, NEAR, prefix, field, exact form" "$CS" -i "$IX" -f tsv -- '"harga beras" OR (rumah NEAR/3 jalan) OR pemb* OR title:nelayan OR =menulis'
vg "--where, --since, --explain" "$CS" -i "$IX" --where source=tempo --since 2020-03-01 --explain -n 3 sungai
vg "--did-you-mean" "$CS" -i "$IX" -f json --did-you-mean banjr jakrta
printf 'banjir\nkapal ikan\nSiapa menteri yang membangun jembatan?\n"air bersih"\n' > "$TMP/q.txt"
vg "--batch" "$CS" -i "$IX" --batch "$TMP/q.txt" -n 20

if "$CS" --version | grep -q xapian; then
    vg "index, Xapian backend" "$CI" -q --no-sync --backend xapian -i "$TMP/xix" "$ROOT/corpus"
    vg "a query, Xapian backend" "$CS" -i "$TMP/xix" -f json banjir jakarta
fi

done_testing
