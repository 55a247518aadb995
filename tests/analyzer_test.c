/*
 * analyzer_test.c -- the term stream (src/analyzer.c): folding, stopwords,
 * reduplication, compounds, acronyms, numbers, Snowball stems, offsets,
 * the word cache (including its reset past 256k word types) and the
 * signature.  Both the public cari_analyze() and the internal
 * cari_analyzer_run() are exercised.
 *
 * The stems asserted here are what cari's stemmer (src/stem.c, Snowball
 * guarded by the hunspell-id dictionary) gives today, exact forms
 * ("=menulis") included: a change to them must be on purpose.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "analyzer_internal.h"
#include "test_util.h"

/* ---- rendering a term stream as "term@pos" words ---- */

typedef struct render {
    char buf[8192];
    size_t len;
} render;

static void render_token(render *r, const char *term, size_t term_len,
                         uint32_t position, int stop, int alternative)
{
    int n = snprintf(r->buf + r->len, sizeof r->buf - r->len, "%s%.*s@%u%s%s",
                     r->len ? " " : "", (int)term_len, term, position,
                     stop ? "S" : "", alternative ? "+" : "");
    assert_true(n > 0 && (size_t)n < sizeof r->buf - r->len);
    r->len += (size_t)n;
}

/* cari_analyzer_run() into a rendered string. */
static const char *run(cari_analyzer *a, const char *text, render *r)
{
    cari_tokvec v = {0};
    size_t i;
    long n = cari_analyzer_run(a, text, strlen(text), 0, &v);
    assert_true(n >= 0);
    r->len = 0;
    r->buf[0] = '\0';
    for (i = 0; i < v.len; i++)
        render_token(r, v.items[i].term, v.items[i].term_len,
                     v.items[i].position, v.items[i].stop,
                     v.items[i].alternative);
    cari_tokvec_free(&v);
    return r->buf;
}

static int render_cb(void *ctx, const cari_token *t)
{
    render_token(ctx, t->term, t->term_len, t->position, t->stop,
                 t->alternative);
    return 0;
}

/* The public cari_analyze() into a rendered string. */
static const char *analyze(cari_analyzer *a, const char *text, render *r)
{
    r->len = 0;
    r->buf[0] = '\0';
    assert_int_equal(cari_analyze(a, text, strlen(text), render_cb, r),
                     CARI_OK);
    return r->buf;
}

static int setup(void **state)
{
    cari_analyzer *a;
    if (cari_analyzer_new(&a, NULL) != CARI_OK)
        return -1;
    *state = a;
    return 0;
}

static int teardown(void **state)
{
    cari_analyzer_free(*state);
    return 0;
}

#define EXPECT_RUN(text, want)                                             \
    do {                                                                   \
        render r_;                                                         \
        assert_string_equal(run(a, text, &r_), want);                      \
    } while (0)
#define EXPECT_PUBLIC(text, want)                                          \
    do {                                                                   \
        render r_;                                                         \
        assert_string_equal(analyze(a, text, &r_), want);                  \
    } while (0)

/* ------------------------------------------------------------------ */

static void test_folding(void **state)
{
    cari_analyzer *a = *state;
    EXPECT_PUBLIC("Café", "cafe@0");
    EXPECT_PUBLIC("ÉCOLE", "ecole@0");
    EXPECT_PUBLIC("naïve Straße", "naive@0 strasse@1");
    EXPECT_PUBLIC("\xef\xac\x81le", "file@0");                /* ﬁ ligature */
    EXPECT_PUBLIC("\xef\xbc\xa1\xef\xbc\xa2\xef\xbc\xa3", "abc@0"); /* ＡＢＣ */
    EXPECT_PUBLIC("ПРИВЕТ мир", "привет@0 мир@1");
    EXPECT_PUBLIC("e\xcc\x81te", "ete@0"); /* combining acute stripped */
    EXPECT_RUN("JAKARTA Jakarta jakarta", "jakarta@0 jakarta@1 jakarta@2");
    /* apostrophes vanish from the term */
    EXPECT_RUN("Jum'at Jum\xe2\x80\x99" "at JUM'AT", "jumat@0 jumat@1 jumat@2");
    EXPECT_RUN("rock'n'roll", "rocknroll@0");
}

static void test_stopwords(void **state)
{
    cari_analyzer *a = *state;
    size_t i;
    /* flagged, not dropped: every word keeps its position */
    EXPECT_PUBLIC("Sang Pemimpin dan yang lain di rumah",
                  "sang@0 pimpin@1 =pemimpin@1+ dan@2S yang@3S lain@4 di@5S rumah@6");
    EXPECT_RUN("DAN Yang ini itu", "dan@0S yang@1S ini@2S itu@3S");
    EXPECT_RUN("ini", "ini@0S");
    /* every word of the shipped list, in any case, is a stopword */
    for (i = 0; i < cari_stopword_count; i++) {
        char upper[64], want[80];
        size_t k, n = strlen(cari_stopwords[i]);
        render r;
        assert_true(n < sizeof upper);
        for (k = 0; k <= n; k++)
            upper[k] = (char)(cari_stopwords[i][k] >= 'a' &&
                                      cari_stopwords[i][k] <= 'z'
                                  ? cari_stopwords[i][k] - 32
                                  : cari_stopwords[i][k]);
        snprintf(want, sizeof want, "%s@0S", cari_stopwords[i]);
        assert_string_equal(run(a, cari_stopwords[i], &r), want);
        assert_string_equal(run(a, upper, &r), want);
    }
    assert_true(cari_stopword_count > 50);
}

/* CARI_ANALYZE_NO_STOPS (the indexer's passages): the tokens of a full
 * run but the stopwords', each as it was (its position included), and
 * the same count of positions; joined bound forms and exact forms kept. */
static void test_no_stops(void **state)
{
    cari_analyzer *a = *state;
    static const char *const texts[] = {
        "Sang Pemimpin dan yang lain di rumah",
        "DAN Yang ini itu",
        "yang non migas dan antar kan di menulis, ditulis yang tulisan",
        "Harga 26-nya di KPK dan e-KTP yang bolak-balik itu",
        ""};
    size_t i;
    for (i = 0; i < sizeof texts / sizeof *texts; i++) {
        cari_tokvec all = {0}, some = {0};
        size_t len = strlen(texts[i]), j, k = 0;
        long n = cari_analyzer_run(a, texts[i], len, 3, &all), m;
        assert_true(n >= 0);
        m = cari_analyzer_append(a, texts[i], len, 3, CARI_ANALYZE_NO_STOPS,
                                 &some);
        assert_int_equal(m, n);
        for (j = 0; j < all.len; j++) {
            const cari_term_token *t = &all.items[j], *u;
            if (t->stop)
                continue;
            assert_true(k < some.len);
            u = &some.items[k++];
            assert_int_equal(u->term_len, t->term_len);
            assert_memory_equal(u->term, t->term, t->term_len);
            assert_int_equal(u->position, t->position);
            assert_int_equal(u->start, t->start);
            assert_int_equal(u->end, t->end);
            assert_int_equal(u->alternative, t->alternative);
            assert_int_equal(u->joined, t->joined);
            assert_int_equal(u->stop, 0);
            assert_int_equal(u->slot, t->slot);
        }
        assert_int_equal(k, some.len);
        cari_tokvec_free(&all);
        cari_tokvec_free(&some);
    }
}

static void test_reduplication(void **state)
{
    cari_analyzer *a = *state;
    EXPECT_PUBLIC("anak-anak", "anak@0 =anak-anak@0+");
    EXPECT_RUN("Anak-Anak bermain", "anak@0 =anak-anak@0+ main@1 =bermain@1+");
    EXPECT_RUN("buku-buku kupu-kupu rumah-rumah kata-kata",
               "buku@0 =buku-buku@0+ kupu-kupu@1 kupu@1+ rumah@2 =rumah-rumah@2+ kata@3 =kata-kata@3+");
    EXPECT_RUN("kupu-kupu-kupu", "kupu-kupu-kupu@0 kupu@0+");
    /* a different second part: the whole form plus the stemmed part */
    EXPECT_RUN("berlari-larian", "lari@0 =berlari-larian@0+");
    EXPECT_RUN("anak-anaknya", "anak@0 =anak-anaknya@0+");
    /* U+2010 HYPHEN and U+2011 NON-BREAKING HYPHEN are hyphens */
    EXPECT_RUN("anak\xe2\x80\x90" "anak", "anak@0 =anak-anak@0+");
    EXPECT_RUN("Anak\xe2\x80\x91" "anak", "anak@0 =anak-anak@0+");
    EXPECT_RUN("bolak\xe2\x80\x90" "balik",
               "bolak-balik@0 bolak@0+ balik@0+");
}

static void test_compounds(void **state)
{
    cari_analyzer *a = *state;
    cari_tokvec v = {0};
    const char *text = "Pemilik e-KTP bolak-balik ke kantor";
    size_t i;
    EXPECT_PUBLIC(text, "milik@0 =pemilik@0+ e-ktp@1 ktp@1+ ektp@1+ "
                        "bolak-balik@2 bolak@2+ balik@2+ ke@3S kantor@4");
    EXPECT_RUN("covid-19 tahun 2023-2024",
               "covid-19@0 covid@0+ 19@0+ tahun@1 2023-2024@2 2023@2+ "
               "2024@2+");
    EXPECT_RUN("tua-muda sebagai-mana", "tua-muda@0 tua@0+ muda@0+ "
                                        "sebagai-mana@1 mana@1+");
    /* a stopword part adds nothing; the whole form is still a term */
    EXPECT_RUN("di-rumah dan-lain", "rumah@0 =di-rumah@0+ dan-lain@1 lain@1+");
    /* alternatives share the surface token's position and byte range */
    assert_int_equal(cari_analyzer_run(a, text, strlen(text), 0, &v), 5);
    for (i = 0; i < v.len; i++) {
        const cari_term_token *t = &v.items[i];
        if (t->alternative) {
            assert_true(i > 0);
            assert_int_equal(t->position, v.items[i - 1].position);
            assert_int_equal(t->start, v.items[i - 1].start);
            assert_int_equal(t->end, v.items[i - 1].end);
        }
    }
    assert_int_equal(v.items[2].start, 8);  /* e-KTP (after =pemilik) */
    assert_int_equal(v.items[2].end, 13);
    assert_int_equal(v.items[5].start, 14); /* bolak-balik */
    assert_int_equal(v.items[5].end, 25);
    cari_tokvec_free(&v);
}

static void test_acronyms(void **state)
{
    cari_analyzer *a = *state;
    /* all capitals, 2..5 letters: kept as is, and beside it the stem of
     * its lower case when that differs (analyzer 4: UJIAN and ujian
     * meet); otherwise stemmed */
    EXPECT_RUN("UJIAN ujian Ujian",
               "ujian@0 uji@0+ uji@1 =ujian@1+ uji@2 =ujian@2+");
    EXPECT_RUN("OBATI obati", "obati@0 obat@0+ obat@1 =obati@1+");
    EXPECT_RUN("KPK PHK AS", "kpk@0 phk@1 as@2");
    EXPECT_RUN("IBUMU ibumu", "ibumu@0 ibu@0+ ibu@1 =ibumu@1+");
    /* letters, not bytes: an accented capital still makes 5 letters */
    EXPECT_RUN("\xc3\x9aJIAN \xc3\xbajian",
               "ujian@0 uji@0+ uji@1 =ujian@1+");
    /* six letters is a word in capitals, stemmed like any word */
    EXPECT_RUN("MEMBACA", "baca@0 =membaca@0+");
    /* one capital alone is not an acronym (and too short to stem) */
    EXPECT_RUN("A X", "a@0 x@1");
}

static void test_stems(void **state)
{
    cari_analyzer *a = *state;
    /* what Snowball Indonesian gives today, odd ones included */
    EXPECT_PUBLIC("menulis", "tulis@0 =menulis@0+");
    EXPECT_RUN("Pemilik setinggi", "milik@0 =pemilik@0+ setinggi@1");
    EXPECT_RUN("membaca dibaca pembacaan bacaan",
               "baca@0 =membaca@0+ baca@1 =dibaca@1+ baca@2 =pembacaan@2+ baca@3 =bacaan@3+");
    EXPECT_RUN("rumahnya bukunya kedua mempermainkan pemimpin berlari",
               "rumah@0 =rumahnya@0+ buku@1 =bukunya@1+ kedua@2 main@3 =mempermainkan@3+ pimpin@4 =pemimpin@4+ lari@5 =berlari@5+");
    EXPECT_RUN("lukai obati ujian aduan ajari ikuti abadi bajuku ayahmu",
               "luka@0 =lukai@0+ obat@1 =obati@1+ uji@2 =ujian@2+ adu@3 =aduan@3+ ajar@4 =ajari@4+ ikut@5 =ikuti@5+ abadi@6 baju@7 =bajuku@7+ ayah@8 =ayahmu@8+");
    EXPECT_RUN("usaha aneka jakarta", "usaha@0 aneka@1 jakarta@2");
    EXPECT_RUN("berabcdean", "abcde@0 =berabcdean@0+");
}

static void test_numbers(void **state)
{
    cari_analyzer *a = *state;
    EXPECT_PUBLIC("Rp 10.000 per kg", "rp@0 10000@1 per@2 kg@3");
    /* "setingg": Snowball's stem today */
    EXPECT_RUN("setinggi 1,5 meter pukul 10.30", "setinggi@0 1,5@1 meter@2 pukul@3 10.30@4");
    EXPECT_RUN("nomor 3.", "nomor@0 3@1");
    EXPECT_RUN("Rp5.000 G20 3M", "rp@0 5000@1 g20@2 3m@3");
    EXPECT_RUN("1.234.567,89", "1234567,89@0");
}

/* Byte offsets, first_position, and the count of positions used. */
static void test_offsets_and_positions(void **state)
{
    cari_analyzer *a = *state;
    const char *text = "  Café di\xff Jakarta, 1,5 m.";
    static const uint32_t starts[] = {2, 8, 12, 21, 25};
    static const uint32_t ends[] = {7, 10, 19, 24, 26};
    cari_tokvec v = {0};
    size_t i;
    long n = cari_analyzer_run(a, text, strlen(text), 100, &v);
    assert_int_equal(n, 5);
    assert_int_equal(v.len, 5);
    for (i = 0; i < v.len; i++) {
        assert_int_equal(v.items[i].start, starts[i]);
        assert_int_equal(v.items[i].end, ends[i]);
        assert_int_equal(v.items[i].position, 100 + i);
    }
    assert_int_equal(v.items[1].stop, 1);
    /* the out vector is cleared by each run */
    assert_int_equal(cari_analyzer_run(a, "", 0, 7, &v), 0);
    assert_int_equal(v.len, 0);
    assert_int_equal(cari_analyzer_run(a, "!?", 2, 7, &v), 0);
    assert_int_equal(v.len, 0);
    /* compounds use one position: e-ktp, ktp, ektp, then the stopword */
    assert_int_equal(cari_analyzer_run(a, "e-KTP dan", 9, 0, &v), 2);
    assert_int_equal(v.len, 4);
    cari_tokvec_free(&v);
    EXPECT_PUBLIC("abc\xff" "def \xc3\x28 ghi", "abc@0 def@1 ghi@2");
}

/* Terms are capped (MAX_KEY bytes of folded text): a 1 MB token gives a
 * short term and nothing breaks. */
static void test_megabyte_token(void **state)
{
    cari_analyzer *a = *state;
    size_t n = 1u << 20, i;
    char *s = malloc(n + 1);
    char first[200];
    cari_tokvec v = {0};
    assert_non_null(s);
    for (i = 0; i < n; i++)
        s[i] = (char)('a' + i % 26);
    assert_int_equal(cari_analyzer_run(a, s, n, 0, &v), 1);
    assert_int_equal(v.len, 1);
    assert_int_equal(v.items[0].start, 0);
    assert_int_equal(v.items[0].end, n);
    assert_true(v.items[0].term_len > 0 && v.items[0].term_len <= 96);
    assert_memory_equal(v.items[0].term, s, 26); /* the start of the word */
    memcpy(first, v.items[0].term, v.items[0].term_len);
    /* another 1 MB word with the same first 200 bytes: the same term */
    s[n - 1] = 'q';
    s[n / 2] = 'z';
    assert_int_equal(cari_analyzer_run(a, s, n, 0, &v), 1);
    assert_memory_equal(v.items[0].term, first, v.items[0].term_len);
    /* non-ASCII: é folds to e */
    for (i = 0; i + 1 < n; i += 2) {
        s[i] = '\xc3';
        s[i + 1] = '\x89'; /* É */
    }
    assert_int_equal(cari_analyzer_run(a, s, n, 0, &v), 1);
    assert_true(v.items[0].term_len > 0 && v.items[0].term_len <= 96);
    for (i = 0; i < v.items[0].term_len; i++)
        assert_int_equal(v.items[0].term[i], 'e');
    /* hyphenated */
    for (i = 0; i < n; i++)
        s[i] = i % 3 == 2 ? '-' : 'k';
    assert_int_equal(cari_analyzer_run(a, s, n - 1, 0, &v), 1);
    assert_true(v.len >= 1 && v.len <= 8);
    for (i = 0; i < v.len; i++)
        assert_true(v.items[i].term_len <= 96);
    cari_tokvec_free(&v);
    free(s);
}

/* The same word always gives the same term: twice in one text, in later
 * texts, and in a fresh analyzer. */
static void test_bound_forms(void **state)
{
    cari_analyzer *a = *state;
    cari_tokvec v = {0};
    const char *text = "ekspor non migas";
    /* a bound form hyphenated or apart also gives the two joined, as
     * written joined (analyzer 5); apart, at the bound form's position,
     * its range spanning both words */
    EXPECT_RUN("non-migas nonmigas", "non-migas@0 non@0+ migas@0+ nonmigas@0+ "
                                     "nonmigas@1");
    EXPECT_RUN(text, "ekspor@0 non@1 nonmigas@1+ migas@2");
    EXPECT_RUN("non\nmigas", "non@0 nonmigas@0+ migas@1");  /* a wrapped line */
    EXPECT_RUN("non\n\nmigas non. migas non 17 pasca-2019",
               "non@0 migas@1 non@2 migas@3 non@4 17@5 pasca-2019@6 "
               "pasca@6+ 2019@6+");
    EXPECT_RUN("anti yang", "anti@0 yang@1S");  /* a stopword binds nothing */
    assert_int_equal(cari_analyzer_run(a, text, strlen(text), 0, &v), 3);
    assert_int_equal(v.len, 4);
    assert_true(v.items[2].joined && v.items[2].alternative);
    assert_int_equal(v.items[2].start, 7);
    assert_int_equal(v.items[2].end, 16);
    assert_false(v.items[1].joined || v.items[3].joined);
    cari_tokvec_free(&v);
}

/* A bound form joined to the next word adds a term at its own position:
 * never one the bound form has there already.  "antar kan" joins to
 * "antarkan", whose stem is "antar": the position was indexed twice for
 * "antar", which `cari-index --check` then reported as damage ("the
 * positions of doc N are not ascending").  Found by indexing synthetic
 * text (2026-12-01). */
static void test_bound_join_repeats_no_term(void **state)
{
    static const char *const bound[] = {"non", "anti", "pasca", "pra",
                                        "antar", "multi", "sub", "nir"};
    static const char *const next[] = {"kan", "an", "i", "nya", "lah",
                                       "kah", "pun", "in", "isasi"};
    cari_analyzer *a = *state;
    cari_tokvec v = {0};
    size_t i, j, x, y;
    EXPECT_RUN("antar kan", "antar@0 kan@1");
    for (i = 0; i < sizeof bound / sizeof *bound; i++)
        for (j = 0; j < sizeof next / sizeof *next; j++) {
            char text[64];
            snprintf(text, sizeof text, "%s %s", bound[i], next[j]);
            assert_true(cari_analyzer_run(a, text, strlen(text), 0, &v) >= 0);
            for (x = 0; x < v.len; x++)
                for (y = x + 1; y < v.len; y++)
                    if (v.items[x].position == v.items[y].position &&
                        !v.items[x].stop && !v.items[y].stop &&
                        v.items[x].term_len == v.items[y].term_len &&
                        memcmp(v.items[x].term, v.items[y].term,
                               v.items[x].term_len) == 0)
                        fail_msg("\"%s\": %.*s twice at %u", text,
                                 (int)v.items[x].term_len, v.items[x].term,
                                 (unsigned)v.items[x].position);
        }
    cari_tokvec_free(&v);
}

static void test_cache_consistency(void **state)
{
    cari_analyzer *a = *state, *b;
    const char *text = "Membaca buku membaca BUKU membaca Membaca e-KTP "
                       "e-KTP dan dan";
    render r1, r2, r3;
    cari_tokvec v = {0};
    assert_int_equal(cari_analyzer_new(&b, NULL), CARI_OK);
    run(a, text, &r1);
    run(a, text, &r2);
    run(b, text, &r3);
    assert_string_equal(r1.buf, "baca@0 =membaca@0+ buku@1 baca@2 "
                                "=membaca@2+ buku@3 baca@4 =membaca@4+ "
                                "baca@5 =membaca@5+ e-ktp@6 ktp@6+ ektp@6+ "
                                "e-ktp@7 ktp@7+ ektp@7+ dan@8S dan@9S");
    assert_string_equal(r1.buf, r2.buf);
    assert_string_equal(r1.buf, r3.buf);
    /* terms are NUL-terminated and stay valid for the whole run */
    assert_true(cari_analyzer_run(a, text, strlen(text), 0, &v) > 0);
    assert_string_equal(v.items[0].term, "baca");
    assert_string_equal(v.items[1].term, "=membaca");
    assert_string_equal(v.items[2].term, "buku");
    assert_string_equal(v.items[3].term, "baca");
    cari_tokvec_free(&v);
    cari_analyzer_free(b);
}

/* Word i of the cache test: distinct for every i, Indonesian-looking. */
static size_t cache_word(uint32_t i, char *out)
{
    static const char *const prefixes[] = {"me", "ber", "di", "", "pe"};
    static const char *const suffixes[] = {"", "kan", "nya", "an", "i"};
    size_t n = 0, k;
    uint32_t x = i;
    const char *p = prefixes[i % 5], *s = suffixes[(i / 5) % 5];
    memcpy(out, p, strlen(p));
    n = strlen(p);
    for (k = 0; k < 5; k++) {
        out[n++] = (char)('a' + x % 26);
        x /= 26;
    }
    out[n++] = (char)('a' + (i / 25) % 26); /* keeps (prefix, suffix) apart */
    memcpy(out + n, s, strlen(s));
    n += strlen(s);
    return n;
}

/* A digest of the terms of a run (FNV-1a over term bytes and flags). */
static uint64_t run_digest(cari_analyzer *a, const char *text, size_t len,
                           long want_positions)
{
    cari_tokvec v = {0};
    uint64_t h = 1469598103934665603ull;
    size_t i, k;
    assert_int_equal(cari_analyzer_run(a, text, len, 0, &v), want_positions);
    for (i = 0; i < v.len; i++) {
        for (k = 0; k < v.items[i].term_len; k++)
            h = (h ^ (unsigned char)v.items[i].term[k]) * 1099511628211ull;
        h = (h ^ (uint64_t)(v.items[i].stop * 2 + v.items[i].alternative +
                            4 * v.items[i].position)) *
            1099511628211ull;
    }
    cari_tokvec_free(&v);
    return h;
}

/* More than a million distinct words (the cache limit is 1 << 20 word
 * types) make the analyzer clear its cache; the terms stay the same. */
static void test_cache_reset(void **state)
{
    cari_analyzer *a = *state, *fresh;
    enum { PROBES = 3000, BATCH = 2000, TOTAL = 300000 };
    static const char sample[] = "membaca dibaca kedua e-KTP anak-anak";
    char *text = malloc(BATCH * 24);
    char *probes = malloc(PROBES * 24);
    render r;
    uint64_t before;
    uint32_t i;
    size_t len = 0;
    assert_true(text && probes);
    assert_int_equal(cari_analyzer_new(&fresh, NULL), CARI_OK);
    for (i = 0; i < PROBES; i++) {
        len += cache_word(i * 383u, probes + len);
        probes[len++] = ' ';
    }
    before = run_digest(a, probes, len, PROBES);
    assert_string_equal(run(a, sample, &r),
                        "baca@0 =membaca@0+ baca@1 =dibaca@1+ kedua@2 e-ktp@3 ktp@3+ ektp@3+ anak@4 =anak-anak@4+");
    /* the flood: TOTAL distinct words, BATCH per run, checked against a
     * fresh analyzer now and then */
    for (i = 0; i < TOTAL; i += BATCH) {
        uint32_t k;
        size_t n = 0;
        uint64_t d;
        for (k = i; k < i + BATCH; k++) {
            n += cache_word(k * 7u + 1u, text + n);
            text[n++] = ' ';
        }
        d = run_digest(a, text, n, BATCH);
        if (i % (BATCH * 50) == 0)
            assert_int_equal(d, run_digest(fresh, text, n, BATCH));
    }
    /* after the reset: the same terms as before, and as a fresh analyzer */
    assert_int_equal(run_digest(a, probes, len, PROBES), before);
    cari_analyzer_free(fresh);
    assert_int_equal(cari_analyzer_new(&fresh, NULL), CARI_OK);
    assert_int_equal(run_digest(fresh, probes, len, PROBES), before);
    assert_string_equal(run(a, sample, &r),
                        "baca@0 =membaca@0+ baca@1 =dibaca@1+ kedua@2 e-ktp@3 ktp@3+ ektp@3+ anak@4 =anak-anak@4+");
    cari_analyzer_free(fresh);
    free(text);
    free(probes);
}

/* A bound on the cache's bytes (an indexing thread's share): past it, the
 * next run starts with an empty cache and a table cut to a quarter of the
 * bound, so memory stays within the bound and one run's words; the terms
 * are those of a fresh analyzer. */
static void test_cache_bound(void **state)
{
    cari_analyzer *a = *state, *fresh;
    enum { BATCH = 2000, TOTAL = 120000 };
    const size_t bound = (size_t)2 << 20;
    char *text = malloc(BATCH * 24);
    size_t peak = 0;
    uint32_t i;
    assert_non_null(text);
    assert_int_equal(cari_analyzer_new(&fresh, NULL), CARI_OK);
    cari_analyzer_set_cache_bytes(a, bound);
    for (i = 0; i < TOTAL; i += BATCH) {
        uint32_t k;
        size_t n = 0, m;
        uint64_t d;
        for (k = i; k < i + BATCH; k++) {
            n += cache_word(k * 11u + 3u, text + n);
            text[n++] = ' ';
        }
        d = run_digest(a, text, n, BATCH);
        m = cari_analyzer_memory(a);
        if (m > peak)
            peak = m;
        assert_true(m <= bound + ((size_t)1 << 20));
        assert_int_equal(d, run_digest(fresh, text, n, BATCH));
    }
    /* the flood was larger than the bound: the unbounded cache holds more */
    assert_true(peak > bound / 2);
    assert_true(cari_analyzer_memory(fresh) > bound * 2);
    /* dropped (before a merge): back to an empty cache */
    cari_analyzer_drop_cache(a);
    assert_true(cari_analyzer_memory(a) < bound / 4);
    cari_analyzer_free(fresh);
    free(text);
}

static void test_signature(void **state)
{
    cari_analyzer *a = *state, *b;
    const char *sa = cari_analyzer_signature(a);
    char copy[256];
    render r;
    assert_int_equal(cari_analyzer_new(&b, NULL), CARI_OK);
    assert_non_null(sa);
    assert_true(strlen(sa) > 10);
    assert_true(strlen(sa) < sizeof copy);
    assert_memory_equal(sa, "cari-analyzer/", 14);
    assert_string_equal(sa, cari_analyzer_signature(b));
    strcpy(copy, sa);
    run(a, "analisis tidak mengubah tanda tangan", &r);
    assert_string_equal(cari_analyzer_signature(a), copy);
    assert_string_equal(cari_analyzer_signature(NULL), "");
    cari_analyzer_free(b);
}

typedef struct counter {
    int calls, stop_after;
} counter;

static int count_cb(void *ctx, const cari_token *t)
{
    counter *c = ctx;
    (void)t;
    c->calls++;
    return c->calls == c->stop_after ? 42 : 0;
}

static void test_public_api(void **state)
{
    cari_analyzer *a = *state;
    counter c = {0, 2};
    cari_error err;
    /* the callback's non-zero value stops the walk and is returned */
    assert_int_equal(cari_analyze(a, "satu dua tiga empat", 19, count_cb, &c),
                     42);
    assert_int_equal(c.calls, 2);
    c.calls = 0;
    c.stop_after = 0;
    assert_int_equal(cari_analyze(a, "satu dua tiga empat", 19, count_cb, &c),
                     CARI_OK);
    assert_int_equal(c.calls, 4);
    c.calls = 0;
    assert_int_equal(cari_analyze(a, NULL, 0, count_cb, &c), CARI_OK);
    assert_int_equal(c.calls, 0);
    assert_int_equal(cari_analyze(a, NULL, 3, count_cb, &c), CARI_EINVAL);
    assert_int_equal(cari_analyze(NULL, "a", 1, count_cb, &c), CARI_EINVAL);
    assert_int_equal(cari_analyze(a, "a", 1, NULL, &c), CARI_EINVAL);
    cari_analyzer_free(NULL);
    memset(&err, 0, sizeof err);
    {
        cari_analyzer *b = NULL;
        assert_int_equal(cari_analyzer_new(&b, &err), CARI_OK);
        assert_non_null(b);
        cari_analyzer_free(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_folding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stopwords, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_stops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reduplication, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_acronyms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bound_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bound_join_repeats_no_term, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_stems, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_offsets_and_positions, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_megabyte_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_consistency, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cache_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signature, setup, teardown),
        cmocka_unit_test_setup_teardown(test_public_api, setup, teardown),
    };
    TEST_FILTER_FROM_ENV();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
