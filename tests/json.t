#!/usr/bin/env bash
# json.t -- every line cari-search prints with --format json checked against
# the schema documented in docs/JSON.md (its tables are read here, so the
# document and the tool cannot drift apart): hits of plain, operator,
# filtered and paged searches, --batch with qno, --fields, the
# --did-you-mean record and --stats.
. "$(dirname "$0")/tap.sh"

command -v python3 >/dev/null || skip_all "python3 not found"
CS=$BIN/cari-search
IX=$TMP/ix
"$BIN/cari-index" -q -i "$IX" "$ROOT/corpus" || skip_all "cannot index corpus/"

# check KIND [ARGS...]: the JSON lines of a run, checked as KIND records
# (hits, suggestion+hits, stats) by check.py; prints its verdict.
cat > "$TMP/check.py" <<'PY'
import json, re, sys

doc = open(sys.argv[1], encoding="utf-8").read()
kind, out = sys.argv[2], sys.argv[3]
opts = sys.argv[4:]

def schema(title):
    """The table under '## <title>' as [(path, type, present)]."""
    sec = re.search(r"^## " + re.escape(title) + r"\n(.*?)(?=^## |\Z)", doc,
                    re.S | re.M).group(1)
    rows = []
    for line in sec.splitlines():
        m = re.match(r"\| `([^`]+)` \| (\w+(?: or \w+)*) \| ([^|]+?) \|", line)
        if m:
            rows.append((m.group(1), m.group(2), m.group(3).strip()))
    assert rows, "no table under " + title
    return rows

TYPES = {
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
    "spans": lambda v: isinstance(v, list) and all(
        isinstance(p, list) and len(p) == 2 and all(
            isinstance(x, int) and not isinstance(x, bool) for x in p)
        for p in v),
}

def check_object(obj, rows, prefix, present_ok, order=True):
    """Check obj's keys at one level (rows whose path is prefix + key)."""
    level = [(p[len(prefix):], t, w) for p, t, w in rows
             if p.startswith(prefix) and "." not in p[len(prefix):]]
    names = [n for n, _, _ in level]
    for k in obj:
        assert k in names, "undocumented key %r in %r" % (prefix + k, obj)
    for n, t, w in level:
        if n in obj:
            assert any(TYPES[u](obj[n]) for u in t.split(" or ")), \
                "%s%s: not %s: %r" % (prefix, n, t, obj[n])
            if t == "array" and any(p.startswith(prefix + n + "[].")
                                    for p, _, _ in rows):
                for item in obj[n]:
                    assert isinstance(item, dict), item
                    check_object(item, rows, prefix + n + "[].", present_ok)
        elif present_ok(w):
            raise AssertionError("missing %s%s in %r" % (prefix, n, obj))
    if order:
        seen = [k for k in obj]
        want = [n for n in names if n in obj]
        assert seen == want, "key order %r, documented %r" % (seen, want)

def opt(name):
    for i, o in enumerate(opts):
        if o.startswith(name + "="):
            return o.split("=", 1)[1]
        if o == name and i + 1 < len(opts):
            return opts[i + 1]
    return None

hits_rows = schema("Hit record")
fields = opt("--fields")
batch = "--batch" in opts
offset = int(opt("--offset") or 0)
lines = open(out, encoding="utf-8").read().splitlines()
assert lines, "no output"
objs = [json.loads(l) for l in lines]

if kind == "stats":
    assert len(objs) == 1, objs
    check_object(objs[0], schema("Stats record"), "", lambda w: w == "always")
    sys.exit(0)

if kind == "suggestion":
    sug = objs.pop(0)
    check_object(sug, schema("Suggestion record"), "", lambda w: w == "always")
    q = sug["query"].encode("utf-8")
    for w in sug["words"]:
        assert q[w["start"]:w["end"]].decode("utf-8") == w["word"], w
        for s in w["suggestions"]:
            assert s["distance"] in (1, 2) and s["df"] > w["df"], s
    assert sug["did_you_mean"] != sug["query"]
    assert objs, "no hits after the suggestion"

def present(w):
    if w == "always":
        return fields is None
    if w == "--batch":
        return batch and fields is None
    return False

prev = {}
for h in objs:
    assert "did_you_mean" not in h, "a second suggestion record"
    if fields is not None:
        want = []
        for f in fields.split(","):
            if f not in want and not (f == "qno" and not batch):
                want.append(f)
        assert list(h) == want, (list(h), want)
    check_object(h, hits_rows, "", present, order=fields is None)
    if fields is not None:
        continue
    q = h.get("qno", 0)
    if q != prev.get("q"):
        prev = {"q": q, "rank": offset}
    assert h["rank"] == prev["rank"] + 1, (h["rank"], prev)
    if "score" in prev:
        assert h["score"] <= prev["score"], "not in score order"
    assert h["total"] >= h["rank"] - offset, h
    if "total" in prev:
        assert h["total"] == prev["total"], "total differs within a query"
    prev.update(rank=h["rank"], score=h["score"], total=h["total"])
    assert 0 <= h["start"] <= h["end"] and h["passage"] >= 0, h
    snip = h["snippet"].encode("utf-8")
    last = 0
    for s, e in h["highlights"]:
        assert last <= s < e <= len(snip), (s, e, len(snip), h["highlights"])
        snip[s:e].decode("utf-8")  # never inside a UTF-8 sequence
        last = e
    if "text" in h:
        assert len(h["text"].encode("utf-8")) == h["end"] - h["start"], h
for h in objs:
    if "explain" in h and "score" in h:
        # the parts add up to the score (docs/JSON.md)
        parts = sum(p["contribution"] for p in h["explain"].values())
        assert abs(parts - h["score"]) <= 1e-9 * max(1, abs(h["score"])), \
            (parts, h["score"])
PY

check() {  # check KIND DESCRIPTION CARI-SEARCH-ARGS...
    local kind=$1 desc=$2; shift 2
    "$CS" -i "$IX" --format json "$@" > "$TMP/out" 2>"$TMP/err"
    local rc=$?
    if [ $rc -ne 0 ]; then
        ok 1 "$desc (exit $rc: $(head -c 200 "$TMP/err"))"
        return
    fi
    local why
    why=$(python3 "$TMP/check.py" "$ROOT/docs/JSON.md" "$kind" "$TMP/out" "$@" 2>&1)
    ok $? "$desc"
    [ -z "$why" ] || printf '%s\n' "$why" | tail -3 | sed 's/^/# /'
}

check hits "free words" banjir Jakarta
check hits "all words, 20 hits" -n 20 --all banjir rumah
check hits "phrase and exclusion" -- '"kereta cepat"' -bandung
check hits "boolean, groups, NEAR, prefix, field, exact" \
    '(banjir OR gempa) AND NOT title:semarang' 'rumah NEAR/5 rusak' 'pemil*' '=menulis'
check hits "paging: --offset" --offset 3 -n 4 --group 0 banjir
check hits "filters: --where, --since, --until" \
    --where source=kabar-nusantara --since 2019-01-01 --until 2023-12-31 banjir rupiah kuota
check hits "a passage with non-ASCII text (byte offsets)" "Jakarta–Bandung"
check hits "--snippet-words 5" --snippet-words 5 banjir Jakarta
check hits "--plain" --plain 'apa penyebab "banjir" (rob) di Semarang?'
check hits "--explain: an explain object" --explain banjir Jakarta
check hits "--explain, a question" --explain -n 3 'Apa penyebab banjir di Jakarta?'
check hits "--fields id,score,title" --fields id,score,title banjir
check hits "--fields text,start,end,id" --fields text,start,end,id banjir
check hits "--fields repeated names count once" --fields id,id,rank banjir
check hits "--fields qno outside --batch prints nothing for it" --fields qno,id banjir
check hits "--fields naming explain: the explain object, --explain or not" --fields id,score,explain -n 5 banjir Jakarta
check hits "--fields naming explain, a question" --fields explain,score --explain -n 3 'Apa penyebab banjir di Jakarta?'

printf '%s\n' 'banjir Jakarta' 'yang dan' 'kereta cepat' 'gempa "Sumbawa' 'zzqxwvzz' 'harga beras' > "$TMP/batch.txt"
check hits "--batch: every line has qno" --batch "$TMP/batch.txt" -n 3
check hits "--batch --fields qno,rank,id" --batch "$TMP/batch.txt" -n 2 --fields qno,rank,id
python3 - "$TMP/out" <<'PY'
import json, sys
qnos = sorted({json.loads(l)["qno"] for l in open(sys.argv[1])})
assert qnos == [1, 3, 4, 6], qnos  # 2: stopwords, 5: nothing
PY
ok $? "--batch: qno is the line number; stopword and empty queries print nothing"

check suggestion "--did-you-mean: a suggestion record, then the corrected query's hits" --did-you-mean banjr jakrta
check suggestion "--did-you-mean: a word the index lacks beside one it has" --did-you-mean kereta cepet
check suggestion "--did-you-mean: a query holding a byte that is not UTF-8 (as U+FFFD; the record keeps query and did_you_mean)" --did-you-mean banjr $'\xff'
check stats "--stats" --stats
if "$BIN/cari-index" --version | grep -q xapian &&
   "$BIN/cari-index" -q --shards 2 -i "$TMP/sh" "$ROOT/corpus"; then
    # not check(): its -i and --shard do not go together
    "$CS" --format json --stats --shard "$TMP/sh.0" --shard "$TMP/sh.1" > "$TMP/out" 2>"$TMP/err"
    why=$(python3 "$TMP/check.py" "$ROOT/docs/JSON.md" stats "$TMP/out" --stats 2>&1)
    ok $? "--stats over two shards (index: their locations)"
    [ -z "$why" ] || printf '%s\n' "$why" | tail -3 | sed 's/^/# /'
fi

"$CS" -i "$IX" --format json --did-you-mean banjir Jakarta > "$TMP/out"
is "$(grep -c did_you_mean "$TMP/out")" 0 "--did-you-mean: no record when every word is known"

# The default line is written directly (search_output.c, output_json_line),
# a --fields line through jansson: naming every default field must give
# the same bytes, here over corpus/ and over articles whose strings need
# escapes (quotes, backslashes, control characters, non-ASCII) and whose
# metadata has nested values and reals.
ALL=qno,rank,score,id,passage,title,snippet,start,end,highlights,meta,total
same_as_fields() {  # same_as_fields DESC INDEX ARGS...
    local desc=$1 ix=$2
    shift 2
    "$CS" -i "$ix" --format json "$@" > "$TMP/direct" 2>/dev/null
    "$CS" -i "$ix" --format json --fields "$ALL" "$@" > "$TMP/fields" 2>/dev/null
    [ -s "$TMP/direct" ] && cmp -s "$TMP/direct" "$TMP/fields"
    ok $? "$desc"
}
same_as_fields "default line = every field through jansson: --batch" "$IX" --batch "$TMP/batch.txt" -n 10
same_as_fields "default line = every field through jansson: one query" "$IX" -n 20 banjir Jakarta
python3 - "$TMP/hostile.jsonl" <<'PY'
import json, sys
arts = [{"id": "a1", "title": "Banjir \"besar\" di Jakarta \\ tab\there",
         "text": "Banjir melanda Jakarta. \u0001 Kontrol \u001f dan \u007f. "
                 "Emoji \U0001F600 dan \u00e9 \u4e2d\u6587 banjir.\n\nBanjir "
                 "\"kutip\" \\ garis / miring \u2028 pisah.",
         "source": "tes", "tags": ["x", "y"], "n": 3, "f": 1.5e20,
         "g": -0.0, "nested": {"a": [1, 2, {"b": None}]}},
        {"id": "a2 \"q\"", "title": "Gempa\u0002 banjir",
         "text": "Gempa dan banjir terjadi. " * 30}]
with open(sys.argv[1], "w", encoding="utf-8") as f:
    for a in arts:
        f.write(json.dumps(a, ensure_ascii=False) + "\n")
PY
"$BIN/cari-index" -q -i "$TMP/hix" "$TMP/hostile.jsonl"
same_as_fields "default line = every field through jansson: escapes, metadata" "$TMP/hix" -n 10 banjir

# start/end index the article's text as docs/JSON.md says: for a .txt or
# .md file, what follows its title line and the empty lines right after
# it (found by review: it said "after its title line", so a script's
# slice was off by the blank line every file of corpus/ has there).
mkdir -p "$TMP/txt/sub"
printf '\xef\xbb\xbf\n# Judul Dua Baris Kosong\r\n\r\n\r\nBanjir pertama di sini.\r\n\r\nBanjir kedua, paragraf lain yang cukup panjang untuk berdiri sendiri.\r\n' > "$TMP/txt/sub/crlf.md"
cp "$ROOT/corpus/artikel/bencana/banjir-rob-semarang.txt" "$TMP/txt/"
"$BIN/cari-index" -q -i "$TMP/tix" "$TMP/txt"
"$CS" -i "$TMP/tix" --format json --fields id,start,end,text --group 0 -n 50 banjir > "$TMP/out"
python3 - "$ROOT/docs/JSON.md" "$TMP/txt" "$TMP/out" <<'PY'
import json, re, sys
doc = re.sub(r"\s+", " ", open(sys.argv[1], encoding="utf-8").read())
assert "after its title line and the empty lines right after it" in doc, \
    "docs/JSON.md does not say what a .txt file's text is"
n = 0
for line in open(sys.argv[3], encoding="utf-8"):
    h = json.loads(line)
    data = open(sys.argv[2] + "/" + h["id"], "rb").read()
    if data.startswith(b"\xef\xbb\xbf"):  # a byte order mark, blank
        data = data[3:]                      # lines: before the title
    rest = data.lstrip(b"\r\n \t").split(b"\n", 1)[1].lstrip(b"\r\n")
    assert rest[h["start"]:h["end"]] == h["text"].encode("utf-8"), (h["id"], h["start"])
    n += 1
assert n >= 4, n
PY
ok $? "start/end index a .txt/.md file's text: after its title line and the empty lines after it"

done_testing
