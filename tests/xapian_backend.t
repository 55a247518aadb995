#!/usr/bin/env bash
# xapian_backend.t -- the tools on the Xapian backend: cli.t's assertions
# (formats, exit codes, replace-by-id, --batch, locking, interrupted runs)
# on an index built with --backend xapian, the backend recorded in the
# index, Xapian's own tools on it, and agreement with the native backend:
# overlap@10 of the two rankings on corpus/ and on the FacQA test
# questions, and both MRR@10 (FacQA needs ../shared/data; that part is
# skipped with a message when it is missing).  The Xapian backend ranks
# with BM25 alone, so it is compared with the native backend's first
# stage (--rerank 0); the native second stage is reported beside them.
. "$(dirname "$0")/tap.sh"

CI=$BIN/cari-index
CS=$BIN/cari-search
"$CI" --version | grep -q xapian ||
    skip_all "cari was built without the Xapian backend (libxapian-dev not found)"
command -v python3 >/dev/null || skip_all "python3 not found: cannot check JSON and overlap"

XI=$TMP/xap
NI=$TMP/nat

# ---- index corpus/ on both backends ----
out=$("$CI" --backend xapian -i "$XI" "$ROOT/corpus" 2>"$TMP/err"); rc=$?
is "$rc" 0 "indexing corpus/ with --backend xapian exits 0"
like "$out" '^indexed 18 articles \([0-9]+ passages\) from [0-9.]+ [KM]?B in [0-9.]+ s .*; index: 18 articles, [0-9]+ distinct terms, [0-9.]+ [KM]?B$' \
    "the same one-line summary as the native backend"
is "$(cat "$TMP/err")" "" "no warnings on the sample corpus"
[ -f "$XI/iamglass" ]; ok $? "the index is a Xapian glass database"
nout=$("$CI" -i "$NI" "$ROOT/corpus")
is "$(echo "$out" | sed 's/.*(\([0-9]*\) passages).*/\1/')" \
   "$(echo "$nout" | sed 's/.*(\([0-9]*\) passages).*/\1/')" "as many passages as the native index"
is "$(echo "$out" | sed 's/.*, \([0-9]*\) distinct terms.*/\1/')" \
   "$(echo "$nout" | sed 's/.*, \([0-9]*\) distinct terms.*/\1/')" "as many distinct terms: the same analysis"

# ---- Xapian's tools read it ----
if command -v xapian-check >/dev/null; then
    xapian-check "$XI" >/dev/null 2>&1; ok $? "xapian-check finds the index sound"
    docs=$(xapian-delve "$XI" 2>/dev/null | sed -n 's/^number of documents = //p')
    is "$docs" "$(echo "$nout" | sed 's/.*(\([0-9]*\) passages).*/\1/')" "xapian-delve: one document per passage"
    n=$(xapian-delve -t Aberita-001 "$XI" 2>/dev/null | sed -n 's/.*(termfreq \([0-9]*\),.*/\1/p')
    is "$n" "$("$CS" -i "$NI" -f tsv -n 100 --group 0 'title:"Rendam Ribuan Rumah"' | cut -f3 | grep -c '^berita-001$')" \
        "xapian-delve: the article term Aberita-001 is on each of its passages"
fi

# ---- title: in a question ----
# a question's first stage gives titles no weight, but its title: words
# still search titles, as natively (found by review: they matched nothing)
is "$("$CS" -i "$XI" -f tsv -n 100 'title:rupiah?' | cut -f3 | sort -u | tr '\n' ' ')" "berita-003 " \
    "title:word in a question searches titles"
is "$("$CS" -i "$XI" -f tsv -n 100 --title-weight 0 'title:rupiah?' | wc -l)" 0 \
    "  but not with --title-weight 0"

# ---- the index records its backend ----
out=$("$CS" -i "$XI" -f tsv banjir Jakarta); rc=$?
is "$rc" 0 "cari-search needs no flag for a Xapian index"
"$CS" -i "$XI" --backend xapian -f tsv banjir >/dev/null; ok $? "--backend xapian agrees with the index"
err=$("$CS" -i "$XI" --backend native banjir 2>&1 >/dev/null); rc=$?
is "$rc" 2 "--backend native on a Xapian index exits 2"
like "$err" "holds a xapian index, not a native one" "and says why"
err=$("$CI" -q --backend native -i "$XI" "$ROOT/corpus/berita.jsonl" 2>&1); rc=$?
is "$rc" 2 "cari-index --backend native on a Xapian index exits 2"
err=$("$CI" -q --backend xapian -i "$NI" "$ROOT/corpus/berita.jsonl" 2>&1); rc=$?
is "$rc" 2 "cari-index --backend xapian on a native index exits 2"
like "$err" "keeps the backend it was built with" "an index keeps its backend"
"$CI" --backend lucene -i "$TMP/x" "$ROOT/corpus" >/dev/null 2>&1; is $? 2 "an unknown backend exits 2"

# ---- search: text, json, tsv (as in cli.t) ----
is "$(echo "$out" | head -1 | cut -f3)" "berita-001" "banjir Jakarta: the Jakarta flood article ranks first"
is "$(echo "$out" | awk -F'\t' 'NF != 5' | wc -l)" 0 "tsv: five fields per line"
is "$(echo "$out" | head -1 | cut -f1)" 1 "tsv: rank starts at 1"
top=$("$CS" -i "$XI" -f tsv -n 1 nelayan Natuna | cut -f3)
is "$top" "artikel/nelayan-natuna.txt" "directory input: id is the path relative to the directory"
top=$("$CS" -i "$XI" -f tsv -n 1 pemain sepak bola Brasil | cut -f3)
is "$top" "artikel/olahraga/bintang-samudra-rekrut-bek-brasil.txt" "subdirectories are read"
n=$("$CS" -i "$XI" -f tsv -n 3 --group 0 banjir | wc -l); is "$n" 3 "-n limits the hits"
a=$("$CS" -i "$XI" -f tsv -n 4 banjir | sed -n 4p)
b=$("$CS" -i "$XI" -f tsv -n 1 --offset 3 banjir | cut -f2-)
is "$b" "$(echo "$a" | cut -f2-)" "--offset pages through the same ranking"

"$CS" -i "$XI" -f json -n 5 banjir Jakarta > "$TMP/x.json"; ok $? "json output exits 0"
"$CS" -i "$NI" -f json -n 50 --group 0 banjir Jakarta > "$TMP/n.json"
python3 - "$TMP/x.json" "$TMP/n.json" <<'PY'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
native = {}
for line in open(sys.argv[2], encoding="utf-8"):
    h = json.loads(line)
    native[(h["id"], h["passage"])] = h
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
    # the same passage, title, range, snippet, highlights and meta as the
    # native backend gives for it (only the score differs)
    m = native[(h["id"], h["passage"])]
    for k in ("title", "start", "end", "snippet", "highlights", "meta"):
        assert h[k] == m[k], (k, h[k], m[k])
first = json.loads(lines[0])
assert first["meta"].get("source") and first["meta"].get("date"), first["meta"]
PY
ok $? "json: the schema, and each hit's fields equal the native backend's"

out=$("$CS" -i "$XI" --color=never --group 0 banjir Jakarta)
like "$out" '^1-10 of [0-9]+ passages for "banjir Jakarta"' "text: header with the total"
like "$out" '\[[Bb]anjir\]' "text without colour marks matches with brackets"
out=$("$CS" -i "$XI" --color=always banjir)
like "$out" $'\033\\[1;33m' "--color=always highlights with ANSI colour"
out=$("$CS" -i "$XI" --color=never 'banj*' | awk 'NR > 2 && /^$/ { exit } NR > 2')
like "$out" '\[[Bb]anjir\]' "a prefix search highlights the words it matched"

# ---- exit codes ----
"$CS" -i "$XI" zzqxwvzz >/dev/null; is $? 1 "no hits exits 1"
err=$("$CS" -i "$XI" yang dan di 2>&1 >/dev/null); rc=$?
is "$rc" 1 "a query of stopwords only exits 1"
like "$err" "no searchable word" "and says why"
err=$("$CS" -i "$XI" '"banjir' 2>&1 >/dev/null); rc=$?
is "$rc" 2 "a query syntax error exits 2"
like "$err" "column" "and names the column"
"$CS" -i "$XI" -n abc banjir >/dev/null 2>&1; is $? 2 "a bad number exits 2"

# ---- --batch ----
printf 'banjir Jakarta\nyang dan\nnelayan Natuna\n"tanpa penutup\n' > "$TMP/batch.txt"
"$CS" -i "$XI" -n 3 --batch "$TMP/batch.txt" --latency "$TMP/lat" > "$TMP/b.x" 2>"$TMP/b.err"; rc=$?
is "$rc" 0 "--batch exits 0"
is "$(awk -F'\t' 'NF != 4 || $3 !~ /#[0-9]+$/' "$TMP/b.x" | wc -l)" 0 "--batch: qno, rank, id#passage, score"
is "$(cut -f1 "$TMP/b.x" | sort -u | tr '\n' ' ')" "1 3 4 " "--batch: queries numbered by line; stopwords-only gives no hits"
like "$(cat "$TMP/b.err")" "query 4: .*searched as plain words" "--batch: a syntax error falls back to plain words"
is "$(wc -l < "$TMP/lat")" 4 "--latency: one line per query"
"$CS" -i "$NI" -n 3 --rerank 0 --group 0 --batch "$TMP/batch.txt" > "$TMP/b.n" 2>/dev/null
is "$(awk -F'\t' '$1 == 1 && $2 == 1 {print $3}' "$TMP/b.x")" \
   "$(awk -F'\t' '$1 == 1 && $2 == 1 {print $3}' "$TMP/b.n")" "--batch: the same first hit as native for banjir Jakarta"
"$CS" -i "$XI" -n 2 -f json --batch "$TMP/batch.txt" 2>/dev/null | python3 -c '
import json, sys
hits = [json.loads(l) for l in sys.stdin]
assert hits and all("qno" in h and h["snippet"] for h in hits), hits' ; ok $? "--batch --format json: hits with qno and snippets"

# ---- --batch while a writer commits: a discarded revision is reopened ----
# Xapian discards the revision a reader holds after two more commits
# (DatabaseModifiedError); the search reopens the database and runs again.
# Measured: without that, this batch failed 3 times in 3.
"$CI" -q --backend xapian -i "$TMP/race" "$ROOT/corpus"
for i in $(seq 4800); do
    printf 'banjir Jakarta\nnelayan Natuna\npemerintah\nban*\n'
done > "$TMP/race.txt"
( for i in $(seq 10); do
      "$CI" -q -i "$TMP/race" "$ROOT/corpus/berita.jsonl"; sleep 0.1
  done ) &
writer=$!
"$CS" -i "$TMP/race" -n 3 --batch "$TMP/race.txt" > "$TMP/race.out" 2>"$TMP/race.err"; rc=$?
wait $writer
is "$rc" 0 "--batch while a writer commits ten times exits 0"
is "$(head -1 "$TMP/race.err")" "" "and reports no error"
is "$(cut -f1 "$TMP/race.out" | sort -u | wc -l)" 19200 "every query of the batch answered"

# ---- replace by id ----
printf '%s\n' '{"id":"berita-001","title":"Zebra lepas dari kebun binatang","text":"Seekor zebra lepas dari kebun binatang Ragunan pagi ini."}' > "$TMP/replace.jsonl"
out=$("$CI" -i "$XI" "$TMP/replace.jsonl"); ok $? "re-indexing an id exits 0 (no --backend needed)"
like "$out" 'index: 18 articles' "replacing keeps the article count"
top=$("$CS" -i "$XI" -f tsv -n 1 zebra | cut -f3)
is "$top" "berita-001" "the new text is searchable"
n=$("$CS" -i "$XI" -f tsv -n 100 Kampung Melayu | cut -f3 | grep -c '^berita-001$')
is "$n" 0 "the old text of the replaced article is gone (all its passages)"

# ---- standard input ----
printf '%s\n' '{"id":"stdin-1","title":"Dari masukan standar","text":"Kalimat tentang komodo dari pipa."}' |
    "$CI" -q -i "$XI" -; ok $? "indexing from standard input"
is "$("$CS" -i "$XI" -f tsv komodo pipa | head -1 | cut -f3)" "stdin-1" "the stdin article is searchable"

# ---- a second writer is refused while the first holds the lock ----
start_slow_writer() {  # DIR DELAY_BEFORE DELAY_AFTER; sets WPID and PPID_
    rm -f "$TMP/fifo"; mkfifo "$TMP/fifo"
    "$CI" -q -i "$1" - < "$TMP/fifo" 2>"$TMP/err" &
    WPID=$!
    (sleep "$2"; cat "$ROOT/corpus/berita.jsonl"; exec sleep "$3") > "$TMP/fifo" &
    PPID_=$!
}
start_slow_writer "$XI" 2 0
sleep 1
err=$("$CI" -q -i "$XI" "$ROOT/corpus/berita.jsonl" 2>&1); rc=$?
is "$rc" 2 "a second writer exits 2"
like "$err" "locked by another writer" "and says the index is locked"
wait $WPID; ok $? "the first writer finishes"
wait $PPID_ 2>/dev/null

# ---- an interrupted run leaves the previous commit usable ----
before=$("$CS" -i "$XI" -f tsv banjir)
start_slow_writer "$XI" 0 30
sleep 1
kill -KILL $WPID 2>/dev/null; wait $WPID 2>/dev/null
kill $PPID_ 2>/dev/null; wait $PPID_ 2>/dev/null
after=$("$CS" -i "$XI" -f tsv banjir); rc=$?
is "$rc" 0 "after SIGKILL mid-run the index still opens"
is "$after" "$before" "and returns exactly what it did before"
start_slow_writer "$XI" 0 30
sleep 1
kill -TERM $WPID; wait $WPID; rc=$?
kill $PPID_ 2>/dev/null; wait $PPID_ 2>/dev/null
is "$rc" 130 "SIGTERM stops the writer with status 130"
like "$(cat "$TMP/err")" "nothing was committed" "and says nothing was committed"
is "$("$CS" -i "$XI" -f tsv banjir)" "$before" "the index is unchanged after SIGTERM"

# ---- damage and absence ----
cp -r "$XI" "$TMP/bad"
size=$(wc -c < "$TMP/bad/postlist.glass")
head -c "$size" /dev/zero | tr '\0' 'Z' > "$TMP/bad/postlist.glass"
err=$("$CS" -i "$TMP/bad" banjir 2>&1 >/dev/null); rc=$?
is "$rc" 2 "a damaged Xapian index exits 2"
like "$err" "damaged" "and says it is damaged"
mkdir "$TMP/empty" && touch "$TMP/empty/iamglass"
"$CS" -i "$TMP/empty" banjir >/dev/null 2>&1; is $? 2 "a broken database directory exits 2"
# ---- --group: at most N passages of an article, as natively ----
all=$("$CS" -i "$XI" -f tsv -n 100 --group 0 banjir | cut -f3)
one=$("$CS" -i "$XI" -f tsv -n 100 --group 1 banjir | cut -f3)
is "$(echo "$one" | sort | uniq -d | wc -l)" 0 "--group 1: each article once"
is "$(echo "$one" | sort | tr '\n' ' ')" "$(echo "$all" | sort -u | tr '\n' ' ')" \
   "--group 1: the articles of every passage, each once"
is "$(echo "$one" | head -1)" "$(echo "$all" | head -1)" "--group 1: the best passage's article first"
[ "$(echo "$all" | wc -l)" -gt "$(echo "$one" | wc -l)" ]; ok $? "some article has more than one passage about banjir"
max=$("$CS" -i "$XI" -f tsv -n 100 --group 2 banjir | cut -f3 | sort | uniq -c | awk '{print $1}' | sort -n | tail -1)
is "$max" 2 "--group 2: at most two passages of an article"
is "$("$CS" -i "$XI" -f tsv -n 100 banjir | cut -f3)" "$one" "a keyword query shows each article once by default (the model's group 1)"
is "$("$CS" -i "$XI" -f tsv -n 2 --offset 2 banjir | cut -f2-)" \
   "$("$CS" -i "$XI" -f tsv -n 4 banjir | sed -n '3,4p' | cut -f2-)" "--offset pages through the grouped ranking"
like "$("$CS" -i "$XI" --color=never -n 100 banjir | head -1)" "^1-$(echo "$one" | wc -l) of $(echo "$one" | wc -l) passages" \
   "every match seen: the total is the grouped count, as natively"
# a small result set: the depth read holds every match, so the total is
# the grouped count even when a page fills before the last match is read
for n in 3 10; do
    for q in banjir 'banjir Jakarta' Jakarta; do
        is "$("$CS" -i "$XI" --color=never -n $n "$q" | head -1 | sed 's/ for .*//')" \
           "$("$CS" -i "$NI" --color=never -n $n "$q" | head -1 | sed 's/ for .*//')" \
           "-n $n $q: the grouped total as natively"
    done
done
# -n 0 counts every matching passage, as natively (found by review: it
# printed Xapian's estimate, "14 passages match" for banjir against 9)
for q in banjir 'banjir Jakarta' 'banjir -rob' 'rumah NEAR/5 rusak' 'harga OR beras'; do
    is "$("$CS" -i "$XI" -n 0 -- "$q")" "$("$CS" -i "$NI" -n 0 -- "$q")" "-n 0 $q: the count as natively"
done

# a page past the end shows no hit and the total as natively (found by
# review: the total was lifted to the offset, "no passages from 101 on:
# 100 passages for" where 2 articles match)
for a in "--offset 3" "--offset 100" "--offset 100 --group 0" "--offset 12 -n 3 --group 2"; do
    is "$("$CS" -i "$XI" --color=never $a banjir)" "$("$CS" -i "$NI" --color=never $a banjir)" \
       "$a banjir, past the end: the total as natively"
done

# ---- a keyword query as one run of a title's words (title phrases) ----
python3 - "$TMP/palace.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(30):  # so that "istana" is not in every article
        f.write(json.dumps({"id": "lain-%d" % i, "title": "Harga Cabai Naik %d" % i,
                            "text": "Harga cabai di pasar naik lagi pekan ini."}) + "\n")
    for i in range(8):
        f.write(json.dumps({"id": "istana-%d" % i, "title": "Istana Negara Dibuka %d" % i,
                            "text": "Istana negara dibuka. Pengunjung istana antre di depan "
                                    "gerbang istana sejak pagi."}) + "\n")
    f.write(json.dumps({"id": "dari", "title": "Presiden Pulang dari Istana",
                        "text": "Presiden kembali ke rumah setelah rapat."}) + "\n")
    f.write(json.dumps({"id": "target", "title": "Pemenang Lomba Diundang ke Istana",
                        "text": "Para pemenang lomba menerima piala dari presiden."}) + "\n")
PY
"$CI" -q --backend xapian -i "$TMP/px" "$TMP/palace.jsonl"
"$CI" -q -i "$TMP/pn" "$TMP/palace.jsonl"
is "$("$CS" -i "$TMP/px" -f tsv -n 1 ke istana | cut -f3)" target \
   "Xapian: the title holding the query as written ranks first"
is "$("$CS" -i "$TMP/pn" -f tsv -n 1 ke istana | cut -f3)" target "native: the same"
printf 'cari-ranker 1\nxapian.title_phrase 0\n' > "$TMP/nophrase.model"
[ "$("$CS" -i "$TMP/px" -f tsv -n 1 --model "$TMP/nophrase.model" ke istana | cut -f3)" != target ]
ok $? "Xapian: not without the title phrase (xapian.title_phrase 0)"
is "$("$CS" -i "$TMP/px" -f tsv -n 100 ke istana | wc -l)" 10 "Xapian: the clause adds no match"
is "$("$CS" -i "$TMP/px" -f tsv -n 100 --model "$TMP/nophrase.model" ke istana | cut -f3 | sort)" \
   "$("$CS" -i "$TMP/px" -f tsv -n 100 ke istana | cut -f3 | sort)" "Xapian: nor loses one"
is "$("$CS" -i "$TMP/px" -f tsv -n 100 'ke istana -piala' | grep -c target)" 0 \
   "Xapian: an excluded word still excludes"

# ---- required and optional words: the page is the ranking's top ----
# "+jalan kpps" was OP_AND_MAYBE, whose pruning in Xapian 1.4 skips a
# passage holding both words once the optional word's postings run ahead
# of the required one's (found by review: here the last article, d399,
# was missing from -n 10 but ranked 10th of -n 1000).
python3 - "$TMP/maybe.jsonl" <<'PY'
import json, random, sys
r = random.Random(3)
common = "kota warga jalan rumah pasar".split()
rare = "pemilu kpps banjir gempa".split()
filler = "ada yang sudah akan bisa hari tahun baru lama besar kecil".split()
with open(sys.argv[1], "w") as f:
    for i in range(400):
        tw = [r.choice(filler) for _ in range(3)]
        if r.random() < 0.15: tw.append(r.choice(rare))
        if r.random() < 0.3: tw.append(r.choice(common))
        body = [r.choice(filler) for _ in range(r.randint(10, 40))]
        for _ in range(r.randint(0, 3)): body.insert(r.randrange(len(body) + 1), r.choice(common))
        if r.random() < 0.1: body.insert(r.randrange(len(body) + 1), r.choice(rare))
        f.write(json.dumps({"id": "d%d" % i, "title": " ".join(tw), "text": " ".join(body)}) + "\n")
PY
"$CI" -q --backend xapian -i "$TMP/maybe" "$TMP/maybe.jsonl"
is "$("$CS" -i "$TMP/maybe" --group 0 -f tsv --fields id -n 10 '+jalan kpps' | tail -1)" d399 \
   "+jalan kpps -n 10: the 10th passage is d399, as in -n 1000"
bad=""
for a in kota warga jalan rumah pasar; do
    for b in pemilu kpps banjir gempa; do
        deep=$("$CS" -i "$TMP/maybe" --group 0 -f tsv --fields id,score -n 1000 "+$a $b")
        for n in 1 3 10; do
            [ "$("$CS" -i "$TMP/maybe" --group 0 -f tsv --fields id,score -n $n "+$a $b")" = \
              "$(echo "$deep" | head -$n)" ] || bad="$bad '+$a $b' -n $n;"
        done
    done
done
is "$bad" "" "+required optional: -n 1, 3 and 10 are the top of -n 1000 (20 queries)"

# ---- the query changes of 2026-12-01 hold on Xapian ----
# curly quotes, Unicode spaces, NEAR with a hyphenated word, acronyms in
# phrases and NEAR, amounts' prefixes, email/e-mail, highlights where a
# phrase or NEAR holds, title: words: the same passages and the same
# highlights on both backends (the order may differ: the scores do)
cat > "$TMP/today.jsonl" <<'EOF2'
{"id": "kereta", "title": "A", "text": "Kereta cepat melaju, cepat sekali kereta itu."}
{"id": "gempa", "title": "B", "text": "Rumah rusak berat, rumah sakit penuh dan banyak jalan rusak."}
{"id": "banjir", "title": "C", "text": "Jakarta diguyur hujan. Banjir di Jakarta meluas ke Jakarta Utara."}
{"id": "amount1", "title": "Harga", "text": "Harga Rp1.000 per kilo."}
{"id": "amount2", "title": "Harga", "text": "Harga Rp100 per biji, Rp2.500 per kilo."}
{"id": "ektp", "title": "Berita", "text": "Program e-KTP dan kartu bolak-balik dicetak."}
{"id": "caps", "title": "KTT ASEAN dibuka", "text": "KTT ASEAN digelar di Jakarta."}
{"id": "ktt", "title": "Berita", "text": "Presiden hadir di KTT Asean kemarin."}
{"id": "hyph", "title": "Surat", "text": "Kirim lewat e-mail dan bawa e-KTP."}
{"id": "join", "title": "Surat", "text": "Kirim lewat email dan bawa ektp."}
{"id": "beras", "title": "Harga beras naik", "text": "Pedagang bilang harga beras dan harga gula naik."}
EOF2
"$CI" -q -i "$TMP/tn" "$TMP/today.jsonl"
"$CI" -q --backend xapian -i "$TMP/tx" "$TMP/today.jsonl"
# hits IX QUERY: each hit's id and highlighted words, sorted
hits() { "$CS" -i "$1" -f json --group 0 --fields id,highlights,snippet -- "$2" | python3 -c '
import json, sys
for l in sys.stdin:
    h = json.loads(l)
    s = h["snippet"].encode()
    print(h["id"], "|".join("%s@%d" % (s[a:b].decode(), a) for a, b in h["highlights"]))' | sort; }
NBSP=$'\xc2\xa0' THIN=$'\xe2\x80\x89' IDEO=$'\xe3\x80\x80'
for q in '“kereta cepat”' '„kereta cepat“' '“cepat kereta”' 'cepat "kereta cepat"' \
         "banjir${NBSP}Jakarta" "banjir${THIN}Jakarta" "banjir${IDEO}Jakarta" \
         'rumah NEAR/1 rusak' 'rumah NEAR/10 rusak' 'e-KTP NEAR/3 program' \
         'kartu NEAR/2 bolak-balik' 'e-KTP NEAR/2 bawa' '"KTT ASEAN"' '"ktt asean"' \
         'ASEAN NEAR/2 KTT' 'title:"KTT ASEAN"' 'Rp1.00*' 'Rp2.5*' 'email' 'e-mail' \
         'ektp' '"lewat email"' '"lewat e-mail"' 'title:"harga beras"' \
         'title:"harga beras" OR body:harga' 'Kapan “KTT ASEAN” digelar?'; do
    is "$(hits "$TMP/tx" "$q")" "$(hits "$TMP/tn" "$q")" "$q: the passages and highlights of the native backend"
done

# ---- agreement with the native backend on corpus/ ----
# (both take --group 0: every passage, as the first stage ranks them)
Q=$ROOT/tests/data/corpus_queries.txt
rm -rf "$XI" && "$CI" -q --backend xapian -i "$XI" "$ROOT/corpus"
"$CS" -i "$NI" --batch "$Q" -n 10 --rerank 0 --group 0 > "$TMP/run.n" 2>/dev/null
"$CS" -i "$XI" --batch "$Q" -n 10 --group 0 > "$TMP/run.x" 2>/dev/null
ov=$(python3 "$ROOT/bench/overlap.py" "$TMP/run.n" "$TMP/run.x" | awk -F'\t' '$1 == "overlap@10" {print $2}')
echo "# corpus/: $(wc -l < "$Q") queries, overlap@10 native vs xapian = $ov"
# measured 0.98 when this test was written
awk -v o="$ov" 'BEGIN { exit !(o >= 0.90) }'; ok $? "corpus/: overlap@10 $ov >= 0.90"
# First hits at title weight 1: Xapian weighs a title match by scaling
# its part of one BM25 over the whole document's length, cari by a
# separate title BM25, so the two drift apart as the title weight grows
# (the keyword default is 2: 27 of 35 first hits the same, at 1: 31).
"$CS" -i "$NI" --batch "$Q" -n 1 --rerank 0 --group 0 --title-weight 1 > "$TMP/run1.n" 2>/dev/null
"$CS" -i "$XI" --batch "$Q" -n 1 --group 0 --title-weight 1 > "$TMP/run1.x" 2>/dev/null
t1=$(awk -F'\t' '$2 == 1 {print $1, $3}' "$TMP/run1.n" | sort)
t2=$(awk -F'\t' '$2 == 1 {print $1, $3}' "$TMP/run1.x" | sort)
same=$(comm -12 <(echo "$t1") <(echo "$t2") | wc -l)
echo "# corpus/: the same first hit for $same of $(echo "$t1" | wc -l) queries"
awk -v s="$same" -v n="$(echo "$t1" | wc -l)" 'BEGIN { exit !(s >= 0.8 * n) }'; ok $? "corpus/: the same first hit for >= 80% of the queries"

# ---- agreement and relevance on FacQA ----
D=$SHARED/data/eval/facqa
if [ -r "$D/passages.jsonl" ] && [ -r "$D/queries.test.tsv" ]; then
    "$CI" -q -i "$TMP/fn" "$D/passages.jsonl"
    "$CI" -q --backend xapian -i "$TMP/fx" "$D/passages.jsonl"; ok $? "index the FacQA passages on Xapian"
    cut -f2 "$D/queries.test.tsv" > "$TMP/fq.txt"
    "$CS" -i "$TMP/fn" --batch "$TMP/fq.txt" -n 100 --plain --rerank 0 > "$TMP/f.n"
    "$CS" -i "$TMP/fn" --batch "$TMP/fq.txt" -n 100 --plain > "$TMP/f.r"
    "$CS" -i "$TMP/fx" --batch "$TMP/fq.txt" -n 100 --plain > "$TMP/f.x"; ok $? "batch search of the FacQA test questions"
    mrr() { python3 "$SHARED/bench/ir_eval.py" "$1" "$D/qrels.tsv" "$D/queries.test.tsv" | awk -F'\t' '$1 == "MRR@10" {print $2}'; }
    mn=$(mrr "$TMP/f.n"); mx=$(mrr "$TMP/f.x"); mr=$(mrr "$TMP/f.r")
    fov=$(python3 "$ROOT/bench/overlap.py" "$TMP/f.n" "$TMP/f.x" | awk -F'\t' '$1 == "overlap@10" {print $2}')
    echo "# FacQA test ($(wc -l < "$TMP/fq.txt") questions): MRR@10 native BM25 $mn, xapian $mx; overlap@10 $fov; native with its second stage $mr"
    # measured: native 0.8116, xapian 0.8002, overlap 0.957
    awk -v o="$fov" 'BEGIN { exit !(o >= 0.85) }'; ok $? "FacQA: overlap@10 $fov >= 0.85"
    awk -v x="$mx" -v n="$mn" 'BEGIN { exit !(x >= n - 0.03) }'; ok $? "FacQA: xapian MRR@10 $mx within 0.03 of native $mn"
    awk -v x="$mx" 'BEGIN { exit !(x >= 0.75) }'; ok $? "FacQA: xapian MRR@10 $mx >= 0.75 (the native floor)"
else
    echo "# ../shared/data/eval/facqa not found: FacQA agreement and MRR not checked"
fi

done_testing
