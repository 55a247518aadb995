#!/usr/bin/env bash
# hostile.t -- odd and hostile input: every bad record gets a warning
# naming its file (and line, where there is one), the rest is indexed,
# nothing crashes, memory stays bounded, and the index passes --check.
#
# Inputs are made here, on the fly.  The big ones are scaled down unless
# CARI_SLOW_TESTS=1: then a 100 MB single-line article, a 10 MB single
# token and a million tiny articles (with their time and peak memory in
# the TAP comments).
. "$(dirname "$0")/tap.sh"

CI=$BIN/cari-index
CS=$BIN/cari-search
SLOW=${CARI_SLOW_TESTS:-0}
IN=$TMP/in
mkdir -p "$IN"

# run_index NAME ARGS...: index into $TMP/NAME, stdout in $OUT, stderr in
# $ERR, exit status in $RC, peak memory (KB) in $RSS, seconds in $SECS
TIMEV=$(command -v /usr/bin/time)
run_index() {
    local name=$1
    shift
    if [ -n "$TIMEV" ]; then
        "$TIMEV" -f '%M %e' -o "$TMP/time.out" "$CI" -i "$TMP/$name" "$@" \
            >"$TMP/out" 2>"$TMP/err"
        RC=$?
        read -r RSS SECS < "$TMP/time.out"
    else
        "$CI" -i "$TMP/$name" "$@" >"$TMP/out" 2>"$TMP/err"
        RC=$?
        RSS=0 SECS=0
    fi
    OUT=$(cat "$TMP/out")
    ERR=$(cat "$TMP/err")
}

checked() {  # checked NAME: --check passes
    "$CI" -q -i "$TMP/$1" --check >/dev/null 2>&1
}

# ---- broken records among good ones, one JSON Lines file ----
python3 - "$IN/mixed.jsonl" <<'PY'
import json, sys
lines = [
    json.dumps({"id": "baik-1", "title": "Durian", "text": "Durian montong dari Medan."}),
    '{"id":"utf8","title":"x","text":"kopi \xff\xfe rusak"}',           # invalid UTF-8 (raw)
    '{"id":"nul-escape","title":"x","text":"ab\\u0000cd"}',            # NUL as \u0000
    '{"id":"nul-raw","title":"x","text":"ab\x00cd"}',                  # a raw NUL byte
    'bukan JSON sama sekali',                                            # not JSON
    '[1, 2, 3]',                                                         # not an object
    '{"id":"deep","text":"x","meta":' + '[' * 100000 + ']' * 100000 + '}',  # 100k deep
    '{"id":"deep-object","text":"x","m":' + '{"a":' * 5000 + '1' + '}' * 5000 + '}',
    '{"title":"tanpa id","text":"durian"}',                              # no id
    '{"id":"","title":"id kosong","text":"durian"}',                     # empty id
    '{"id":"teks-angka","title":"x","text":12}',                         # text not a string
    '{"id":"tidak-tertutup","title":"x","text":"durian',                 # cut short
    json.dumps({"id": "kosong", "title": "", "text": ""}),               # empty title and text
    json.dumps({"id": "judul-saja", "title": "Hanya judul durian", "text": ""}),
    json.dumps({"id": "besar-meta", "title": "Meta besar", "text": "durian dan meta",
                **{"k%d" % i: i for i in range(50000)}}),               # huge JSON
    json.dumps({"id": "ganda", "title": "Pertama", "text": "Durian pertama."}),
    json.dumps({"id": "ganda", "title": "Kedua", "text": "Durian kedua."}),  # duplicate id
    json.dumps({"id": "baik-2", "title": "Rambutan", "text": "Rambutan dan durian dari Binjai."}),
    json.dumps({"id": "spasi", "title": "Hanya spasi", "text": "  \n\n \t "}),  # white space alone
]
with open(sys.argv[1], "wb") as f:
    for l in lines:
        f.write(l.encode("utf-8", "surrogateescape") if isinstance(l, str) else l)
        f.write(b"\n")
PY
# the raw bytes: \xff\xfe and \x00 above went in as code points; write them
# as bytes
python3 - "$IN/mixed.jsonl" <<'PY'
import sys
p = sys.argv[1]
d = open(p, "rb").read()
d = d.replace("\xff\xfe".encode("utf-8"), b"\xff\xfe").replace("ab\x00cd".encode("utf-8"), b"ab\x00cd")
open(p, "wb").write(d)
PY
run_index mixed "$IN/mixed.jsonl"
is "$RC" 0 "bad records do not fail the run"
for want in 'mixed.jsonl:2: ' 'mixed.jsonl:3: .*\\u0000' 'mixed.jsonl:4: ' \
            'mixed.jsonl:5: malformed JSON' 'mixed.jsonl:6: not a JSON object' \
            'mixed.jsonl:7: malformed JSON .*depth' 'mixed.jsonl:8: malformed JSON .*depth' \
            'mixed.jsonl:9: no "id"' 'mixed.jsonl:10: ' 'mixed.jsonl:11: .*must be strings' \
            'mixed.jsonl:12: malformed JSON' \
            'mixed.jsonl:17: id "ganda" again \(also at .*mixed.jsonl:16\); this record replaces that one'; do
    like "$ERR" "warning: .*$want" "warned: $want"
done
is "$(printf '%s\n' "$ERR" | grep -c 'mixed.jsonl:1[3-5]:\|mixed.jsonl:1[689]:\|mixed.jsonl:1:')" 0 \
    "no warning for the good records (empty title and text, white space alone, huge metadata included)"
like "$OUT" 'indexed 8 articles.* 11 records skipped' "the 8 usable records are indexed, 11 skipped"
hits=$("$CS" -i "$TMP/mixed" -f tsv -n 20 durian | cut -f3 | sort | tr '\n' ' ')
is "$hits" "baik-1 baik-2 besar-meta ganda judul-saja " "the good records are found"
is "$("$CS" -i "$TMP/mixed" -f tsv kedua | cut -f3)" "ganda" "a duplicate id: the later record wins"
checked mixed; ok $? "the index passes --check (a text of white space alone makes one empty passage)"

# ---- a gzip file cut in the middle of a line ----
# read up to the cut, which gets one warning (the cut line is not
# reported a second time as malformed JSON)
python3 - "$IN/potong.jsonl.gz" <<'PY'
import gzip, sys
b = gzip.compress(''.join('{"id":"r%d","text":"banjir %s"}\n' % (i, 'kota ' * i)
                          for i in range(1, 200)).encode())
open(sys.argv[1], 'wb').write(b[:len(b) // 2])
PY
run_index cut_gz "$IN/potong.jsonl.gz"
is "$RC" 0 "a cut gzip file does not fail the run"
like "$ERR" 'potong.jsonl.gz:[0-9]+: damaged or truncated gzip data; rest of file skipped' \
    "the cut is reported with file and line"
is "$(printf '%s\n' "$ERR" | grep -c 'warning:')" 1 "one warning for one cut"
like "$OUT" 'indexed [0-9]+ articles.*; 1 input not read in full$' \
    "the cut is counted as an input not read in full, not as a record (found by review: \"1 records skipped\")"
checked cut_gz; ok $? "the index passes --check"

# the cut is shown even after a file's first 99 warnings (past which the
# others are only counted): 150 bad lines come before it here
python3 - "$IN/banyak.jsonl.gz" <<'PY'
import gzip, sys
b = gzip.compress((''.join('bukan JSON %d\n' % i for i in range(150)) +
                   ''.join('{"id":"r%d","text":"banjir %d"}\n' % (i, i * 2654435761 % 2**32)
                           for i in range(3000))).encode())
open(sys.argv[1], 'wb').write(b[:len(b) * 3 // 4])
PY
run_index many_gz "$IN/banyak.jsonl.gz"
is "$RC" 0 "a cut gzip file with many bad lines does not fail the run"
like "$ERR" 'banyak.jsonl.gz: more than 99 warnings' "the bad lines' warnings stop after 99"
like "$ERR" 'banyak.jsonl.gz:[0-9]+: damaged or truncated gzip data; rest of file skipped' \
    "the cut is still reported"
like "$OUT" 'indexed [0-9]+ articles.*; 150 records skipped; 1 input not read in full$' \
    "150 bad lines skipped, the cut counted apart"

# a plain file appended to a gzip one: its lines are not read, and that
# is said, at the line they start on (they were dropped in silence)
printf '{"id":"gz-1","text":"durian satu"}\n{"id":"gz-2","text":"durian dua"}\n' |
    gzip -c > "$IN/tambah.jsonl.gz"
printf '{"id":"polos-1","text":"durian tiga"}\n' >> "$IN/tambah.jsonl.gz"
run_index appended_gz "$IN/tambah.jsonl.gz"
is "$RC" 0 "bytes after the last gzip member do not fail the run"
like "$ERR" 'tambah.jsonl.gz:3: bytes after the last gzip member are not gzip data; rest of file skipped' \
    "bytes after the last gzip member: warned, with the line they start on"
like "$OUT" 'indexed 2 articles.*; 1 input not read in full$' \
    "the members' records are indexed, the rest counted as an input not read in full"

# a title longer than 1 MiB: the warning says what is too large (it said
# "too large", of a record far below the 512 MB a record may be)
python3 -c '
import json
print(json.dumps({"id": "judul-besar", "title": "judul " * 200000, "text": "durian"}))
print(json.dumps({"id": "judul-biasa", "title": "biasa", "text": "durian"}))' > "$IN/judul.jsonl"
run_index big_title "$IN/judul.jsonl"
is "$RC" 0 "a title longer than 1 MiB does not fail the run"
like "$ERR" 'judul.jsonl:1: article judul-besar: title longer than 1 MiB' \
    "a title longer than 1 MiB: the warning says so"
like "$OUT" 'indexed 1 article \(.*; 1 record skipped$' "the other record is indexed"

# ---- what the input holds is not sent to the terminal in warnings ----
# (escape sequences in a line that does not parse, in an id given twice,
# a line break in a file's name: they reached standard error as they
# were)
E=$IN/kendali
mkdir -p "$E"
printf '\033]0;judul\007\n{"id":"esc\\u001b[2J","text":"durian"}\n{"id":"esc\\u001b[2J","text":"durian lagi"}\n' \
    > "$E/kendali.jsonl"
printf 'Judul\n\nisi\n' > "$E/baris
baru.txt"
run_index control "$E"
is "$RC" 0 "control characters in the input do not fail the run"
is "$(printf '%s' "$ERR" | tr -d '\n' | LC_ALL=C grep -c "$(printf '[\001-\037\177]')")" 0 \
    "no control character of the input reaches standard error"
is "$(printf '%s\n' "$ERR" | grep -c 'warning:')" "$(printf '%s\n' "$ERR" | wc -l)" \
    "each warning is one line (a file name's line break too)"
like "$ERR" 'kendali.jsonl:1: malformed JSON' "the bad line is still warned about"
like "$ERR" 'kendali.jsonl:3: id "esc.*\[2J" again' "the id given twice is still named"

# ---- a directory: binary, unreadable, symbolic links, odd names ----
D=$IN/dir
mkdir -p "$D/sub" "$D/secret"
printf 'Judul baik\n\nIsi tentang durian dan rambutan.\n' > "$D/baik.txt"
printf '# Judul markdown\n\nDurian di pasar.\n' > "$D/sub/catatan.md"
# (random bytes after an "x": never the first bytes of gzip, xz, UTF-16...,
# which are known by them and said so)
{ printf x; head -c 20000 /dev/urandom; } > "$D/acak.txt"    # binary in a text folder
{ printf x; head -c 200000 /dev/urandom; } > "$D/acak.jsonl" # binary as JSON Lines
printf 'Judul\n\nteks \xc3\x28 rusak\n' > "$D/utf8.txt"      # invalid UTF-8
: > "$D/kosong.txt"                                         # empty file
printf 'Rahasia\n\ndurian rahasia\n' > "$D/terkunci.txt"
printf 'Rahasia\n\ndurian\n' > "$D/secret/dalam.txt"
ln -s a.txt "$D/b.txt"; ln -s b.txt "$D/a.txt"              # a loop of links
ln -s . "$D/sub/ini"                                        # a link to a directory
ln -s /tidak/ada.txt "$D/hilang.txt"                        # a dangling link
mkfifo "$D/pipa.txt"                                        # not a regular file
run_index dir "$D"
is "$RC" 0 "a directory of odd files indexes"
like "$ERR" "acak.txt:[0-9]+: binary data" "binary .txt: warned, with its line"
like "$ERR" "acak.jsonl:[0-9]+: malformed JSON" "binary .jsonl: warned per line"
like "$ERR" "acak.jsonl: more than 99 warnings; the rest of this file's are not shown" \
    "a file's warnings stop after 100"
like "$ERR" "utf8.txt:3: invalid UTF-8" "invalid UTF-8 in a text file: file and line"
like "$ERR" "a.txt: cannot follow the symbolic link: Too many levels" "a loop of links: warned"
like "$ERR" "hilang.txt: cannot follow the symbolic link: No such file" "a dangling link: warned"
like "$OUT" "indexed [0-9]+ articles" "the rest is indexed"
is "$("$CS" -i "$TMP/dir" -f tsv durian | cut -f3 | sort | tr '\n' ' ')" \
   "baik.txt secret/dalam.txt sub/catatan.md terkunci.txt " "the good files are found, once each"
checked dir; ok $? "the index passes --check"

# unreadable files and directories: only a user other than root sees them
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    chmod 000 "$D/terkunci.txt" "$D/secret"
    chmod 755 "$TMP" "$IN"
    mkdir -p "$TMP/nobody" && chmod 777 "$TMP/nobody"
    err=$(setpriv --reuid=nobody --regid=nogroup --clear-groups \
          "$CI" -i "$TMP/nobody/ix" "$D" 2>&1 >/dev/null); rc=$?
    is "$rc" 0 "unreadable files: the run goes on"
    like "$err" "terkunci.txt: cannot open: Permission denied" "an unreadable file: warned"
    like "$err" "secret: cannot read directory: Permission denied" "an unreadable directory: warned"
    chmod 755 "$D/secret"; chmod 644 "$D/terkunci.txt"
elif [ "$(id -u)" != 0 ]; then
    chmod 000 "$D/terkunci.txt"
    run_index unreadable "$D"
    is "$RC" 0 "unreadable files: the run goes on"
    like "$ERR" "terkunci.txt: cannot open: Permission denied" "an unreadable file: warned"
    chmod 644 "$D/terkunci.txt"
else
    echo "# skipped the unreadable-file tests: root without setpriv"
fi

# ---- big: one long line, one long token, many tiny articles ----
if [ "$SLOW" = 1 ]; then MB=100; TOKMB=10; TINY=1000000; else MB=5; TOKMB=2; TINY=20000; fi
python3 - "$IN/long.jsonl" "$MB" <<'PY'
import json, random, sys
random.seed(1)
words = ("banjir warga sungai pemerintah harga beras pasar nelayan laut ikan "
         "sekolah guru jalan kereta desa kota hujan gunung api petani").split()
n, out, limit = 0, [], int(sys.argv[2]) << 20
while n < limit:
    w = random.choice(words)
    out.append(w)
    n += len(w) + 1
with open(sys.argv[1], "w") as f:
    f.write(json.dumps({"id": "panjang", "title": "Satu baris panjang", "text": " ".join(out)}) + "\n")
    f.write(json.dumps({"id": "pendek", "title": "Pendek", "text": "durian"}) + "\n")
PY
run_index long "$IN/long.jsonl"
is "$RC" 0 "a ${MB} MB single-line article indexes"
echo "# ${MB} MB single-line article: ${SECS} s, peak RSS ${RSS} KB"
[ "$RSS" -lt $(( (MB * 6 + 120) * 1024 )) ]; ok $? "memory stays bounded (${RSS} KB for ${MB} MB)"
out=$("$CS" -i "$TMP/long" -n 2 banjir warga); rc=$?
is "$rc" 0 "a passage of the long article is found"
like "$out" "panjang #[0-9]+" "with its passage number"
checked long; ok $? "the index passes --check"

python3 - "$IN/token.jsonl" "$TOKMB" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    f.write(json.dumps({"id": "token", "title": "Satu kata panjang",
                        "text": "awal " + "a" * (int(sys.argv[2]) << 20) + " akhir"}) + "\n")
PY
run_index token "$IN/token.jsonl"
is "$RC" 0 "a ${TOKMB} MB single token indexes"
echo "# ${TOKMB} MB single token: ${SECS} s, peak RSS ${RSS} KB"
is "$("$CS" -i "$TMP/token" -f tsv akhir | cut -f3)" "token" "the words around it are found"
checked token; ok $? "the index passes --check"

python3 - "$IN/tiny.jsonl" "$TINY" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        f.write('{"id":"t%d","title":"","text":"kata%d"}\n' % (i, i % 1000))
PY
run_index tiny "$IN/tiny.jsonl"
is "$RC" 0 "$TINY tiny articles index"
echo "# $TINY tiny articles: ${SECS} s, peak RSS ${RSS} KB"
like "$OUT" "index: $TINY articles" "all of them"
[ "$RSS" -lt $(( 600 * 1024 )) ]; ok $? "memory stays bounded (${RSS} KB)"
is "$("$CS" -i "$TMP/tiny" -f tsv -n 1000 kata7 | wc -l)" "$((TINY / 1000))" "they are found"
checked tiny; ok $? "the index passes --check"

# ---- standard input that is not JSON Lines at all ----
err=$({ printf x; head -c 50000 /dev/urandom; } | "$CI" -i "$TMP/stdin" - 2>&1 >/dev/null); rc=$?
is "$rc" 0 "binary data on standard input: the run goes on"
like "$err" "standard input.*:[0-9]+: " "and each bad line is warned with its number"

done_testing
