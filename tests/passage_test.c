/*
 * passage_test.c -- article text -> passages (src/passage.c): paragraphs at
 * blank lines, long paragraphs cut at sentence ends near the target, endless
 * sentences cut at word boundaries, short passages merged, trimmed ranges,
 * empty text, and abbreviations that do not end sentences.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "cari.h"
#include "passage.h"
#include "test_util.h"

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

static int words_in(const char *s, size_t start, size_t end)
{
    int n = 0, in = 0;
    size_t i;
    for (i = start; i < end; i++) {
        if (is_ws(s[i]))
            in = 0;
        else if (!in) {
            in = 1;
            n++;
        }
    }
    return n;
}

/*
 * The invariants of every split: spans in order, inside the text, not
 * overlapping, trimmed, and together covering every non-blank byte.
 */
static void check_invariants(const char *text, size_t len,
                             const cari_spanvec *v)
{
    size_t k, covered = 0, i;
    assert_true(v->len >= 1);
    if (v->len == 1 && v->items[0].start == 0 && v->items[0].end == 0) {
        for (i = 0; i < len; i++)
            assert_true(is_ws(text[i])); /* only blank text gives (0, 0) */
        return;
    }
    for (k = 0; k < v->len; k++) {
        size_t s = v->items[k].start, e = v->items[k].end;
        assert_true(s < e);
        assert_true(e <= len);
        assert_false(is_ws(text[s]));
        assert_false(is_ws(text[e - 1]));
        if (k)
            assert_true(s >= v->items[k - 1].end);
        for (i = s; i < e; i++)
            covered += !is_ws(text[i]);
    }
    for (i = 0; i < len; i++)
        covered -= !is_ws(text[i]);
    assert_int_equal(covered, 0);
}

static void split(const char *text, size_t len, const cari_passage_params *p,
                  cari_spanvec *v)
{
    assert_int_equal(cari_split_passages(text, len, p, v), CARI_OK);
    check_invariants(text, len, v);
}

/* The text of span k, for messages and comparisons. */
static const char *span_text(const char *text, const cari_spanvec *v,
                             size_t k, char *buf, size_t cap)
{
    size_t n = v->items[k].end - v->items[k].start;
    assert_true(n < cap);
    memcpy(buf, text + v->items[k].start, n);
    buf[n] = '\0';
    return buf;
}

#define EXPECT_SPAN(text, v, k, want)                                      \
    do {                                                                   \
        char b_[4096];                                                     \
        assert_string_equal(span_text(text, v, k, b_, sizeof b_), want);   \
    } while (0)

static const cari_passage_params no_merge = {100, 150, 1};

static void test_paragraphs(void **state)
{
    cari_spanvec v = {0};
    const char *t;
    (void)state;
    t = "Paragraf satu di sini.\n\nParagraf dua.\nMasih paragraf dua.";
    split(t, strlen(t), &no_merge, &v);
    assert_int_equal(v.len, 2);
    assert_int_equal(v.items[0].start, 0);
    assert_int_equal(v.items[0].end, 22);
    assert_int_equal(v.items[1].start, 24);
    assert_int_equal(v.items[1].end, strlen(t));
    t = "Satu.\r\n\r\nDua.\r\n\r\n\r\nTiga.\r\n";
    split(t, strlen(t), &no_merge, &v);
    assert_int_equal(v.len, 3);
    EXPECT_SPAN(t, &v, 0, "Satu.");
    EXPECT_SPAN(t, &v, 1, "Dua.");
    EXPECT_SPAN(t, &v, 2, "Tiga.");
    /* blank lines holding spaces and tabs */
    t = "  Satu.  \n   \t \nDua.\n \r\n\tTiga.\n\n\n\n";
    split(t, strlen(t), &no_merge, &v);
    assert_int_equal(v.len, 3);
    EXPECT_SPAN(t, &v, 0, "Satu.");
    EXPECT_SPAN(t, &v, 1, "Dua.");
    EXPECT_SPAN(t, &v, 2, "Tiga.");
    /* a single newline does not end a paragraph */
    t = "baris satu\nbaris dua\r\nbaris tiga";
    split(t, strlen(t), &no_merge, &v);
    assert_int_equal(v.len, 1);
    assert_int_equal(v.items[0].end, strlen(t));
    cari_spanvec_free(&v);
}

static void test_empty_and_blank(void **state)
{
    static const char *const blanks[] = {"", " ", "\n\n\n", " \t\r\n \n "};
    cari_passage_params dp = CARI_PASSAGE_PARAMS_INIT;
    cari_spanvec v = {0};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof blanks / sizeof *blanks; i++) {
        split(blanks[i], strlen(blanks[i]), &dp, &v);
        assert_int_equal(v.len, 1);
        assert_int_equal(v.items[0].start, 0);
        assert_int_equal(v.items[0].end, 0);
    }
    /* the output is cleared first */
    split("a", 1, &dp, &v);
    assert_int_equal(v.len, 1);
    assert_int_equal(v.items[0].end, 1);
    cari_spanvec_free(&v);
}

/* A paragraph of `sentences` sentences of `words` words each. */
static char *sentences_text(int sentences, int words)
{
    size_t cap = (size_t)sentences * (size_t)words * 12 + 1, n = 0;
    char *t = malloc(cap);
    int s, w;
    assert_non_null(t);
    for (s = 0; s < sentences; s++)
        for (w = 0; w < words; w++)
            n += (size_t)snprintf(t + n, cap - n, "%s%s%d%s",
                                  s || w ? " " : "", w ? "kata" : "Kalimat",
                                  s, w == words - 1 ? "." : "");
    return t;
}

static void test_long_paragraph_cut_at_sentences(void **state)
{
    cari_passage_params dp = CARI_PASSAGE_PARAMS_INIT; /* 100 / 150 / 20 */
    cari_spanvec v = {0};
    char *t;
    size_t k;
    (void)state;
    /* 20 sentences of 10 words: cut at the first sentence end at or after
     * 100 words, twice */
    t = sentences_text(20, 10);
    split(t, strlen(t), &dp, &v);
    assert_int_equal(v.len, 2);
    for (k = 0; k < v.len; k++) {
        assert_int_equal(words_in(t, v.items[k].start, v.items[k].end), 100);
        assert_int_equal(t[v.items[k].end - 1], '.');
    }
    assert_memory_equal(t + v.items[1].start, "Kalimat10 ", 10);
    free(t);
    /* 7 sentences of 40 words (280 words): cuts at 120 and 240 words */
    t = sentences_text(7, 40);
    split(t, strlen(t), &dp, &v);
    assert_int_equal(v.len, 3);
    assert_int_equal(words_in(t, v.items[0].start, v.items[0].end), 120);
    assert_int_equal(words_in(t, v.items[1].start, v.items[1].end), 120);
    assert_int_equal(words_in(t, v.items[2].start, v.items[2].end), 40);
    free(t);
    /* 4 sentences of 80 words: past 150 words the cut goes back to the
     * last sentence end (80 words) */
    t = sentences_text(4, 80);
    split(t, strlen(t), &dp, &v);
    assert_int_equal(v.len, 4);
    for (k = 0; k < v.len; k++) {
        assert_int_equal(words_in(t, v.items[k].start, v.items[k].end), 80);
        assert_int_equal(t[v.items[k].end - 1], '.');
    }
    free(t);
    /* exactly max_words words: not cut */
    t = sentences_text(15, 10);
    split(t, strlen(t), &dp, &v);
    assert_int_equal(v.len, 1);
    free(t);
    cari_spanvec_free(&v);
}

static void test_endless_sentence(void **state)
{
    cari_passage_params dp = CARI_PASSAGE_PARAMS_INIT;
    cari_spanvec v = {0};
    size_t n = 0, k, cap = 400 * 12;
    char *t = malloc(cap);
    int w;
    (void)state;
    assert_non_null(t);
    for (w = 0; w < 400; w++)
        n += (size_t)snprintf(t + n, cap - n, "%skata%d", w ? " " : "", w);
    split(t, n, &dp, &v);
    assert_int_equal(v.len, 3);
    assert_int_equal(words_in(t, v.items[0].start, v.items[0].end), 150);
    assert_int_equal(words_in(t, v.items[1].start, v.items[1].end), 150);
    assert_int_equal(words_in(t, v.items[2].start, v.items[2].end), 100);
    for (k = 0; k < v.len; k++) {
        /* cut at word boundaries */
        size_t s = v.items[k].start, e = v.items[k].end;
        assert_true(s == 0 || t[s - 1] == ' ');
        assert_true(e == n || t[e] == ' ');
        assert_memory_equal(t + s, "kata", 4);
    }
    /* smaller limits */
    {
        cari_passage_params p = {5, 7, 1};
        split(t, n, &p, &v);
        assert_int_equal(v.len, (400 + 6) / 7);
        for (k = 0; k + 1 < v.len; k++)
            assert_int_equal(words_in(t, v.items[k].start, v.items[k].end),
                             7);
    }
    free(t);
    cari_spanvec_free(&v);
}

static void test_merge_short(void **state)
{
    cari_passage_params dp = CARI_PASSAGE_PARAMS_INIT; /* min 20 words */
    cari_spanvec v = {0};
    char *long1 = sentences_text(1, 30), *long2 = sentences_text(1, 25);
    char t[4096];
    (void)state;
    /* a short paragraph joins the next one */
    snprintf(t, sizeof t, "Judul kecil.\n\n%s\n\n%s", long1, long2);
    split(t, strlen(t), &dp, &v);
    assert_int_equal(v.len, 2);
    assert_int_equal(v.items[0].start, 0);
    assert_int_equal(words_in(t, v.items[0].start, v.items[0].end), 32);
    assert_int_equal(words_in(t, v.items[1].start, v.items[1].end), 25);
    /* a short last paragraph joins the previous one */
    snprintf(t, sizeof t, "%s\n\n%s\n\nFoto: Antara.", long1, long2);
    split(t, strlen(t), &dp, &v);
    assert_int_equal(v.len, 2);
    assert_int_equal(v.items[1].end, strlen(t));
    assert_int_equal(words_in(t, v.items[1].start, v.items[1].end), 27);
    /* several short ones in a row join until they are long enough */
    snprintf(t, sizeof t,
             "a b c.\n\nd e f.\n\ng h i.\n\nj k l.\n\nm n o.\n\np q r.\n\n"
             "s t u.\n\nv w x.\n\n%s",
             long1);
    split(t, strlen(t), &dp, &v);
    assert_int_equal(v.len, 2);
    assert_int_equal(words_in(t, v.items[0].start, v.items[0].end), 21);
    /* several short ones at the end join each other, and then the
     * passage before them (found by review: they stayed short) */
    snprintf(t, sizeof t, "%s\n\na b c.\n\nd e f.\n\ng h i.", long1);
    split(t, strlen(t), &dp, &v);
    assert_int_equal(v.len, 1);
    assert_int_equal(v.items[0].end, strlen(t));
    assert_int_equal(words_in(t, v.items[0].start, v.items[0].end), 39);
    /* one short paragraph alone stays */
    split("Pendek saja.", 12, &dp, &v);
    assert_int_equal(v.len, 1);
    assert_int_equal(v.items[0].end, 12);
    free(long1);
    free(long2);
    cari_spanvec_free(&v);
}

static void test_abbreviations(void **state)
{
    cari_passage_params p = {3, 8, 1};
    cari_spanvec v = {0};
    const char *t;
    (void)state;
    /* "Rp." after four words would be a cut if it ended a sentence */
    t = "Harga naik menjadi Rp. 5 ribu. Lalu turun lagi minggu ini.";
    split(t, strlen(t), &p, &v);
    assert_int_equal(v.len, 2);
    EXPECT_SPAN(t, &v, 0, "Harga naik menjadi Rp. 5 ribu.");
    EXPECT_SPAN(t, &v, 1, "Lalu turun lagi minggu ini.");
    t = "Rumah di Jl. Sudirman No. 3 rusak. Warga mengungsi ke balai desa.";
    split(t, strlen(t), &p, &v);
    assert_int_equal(v.len, 2);
    EXPECT_SPAN(t, &v, 0, "Rumah di Jl. Sudirman No. 3 rusak.");
    /* numbers: "10.000" holds no sentence end */
    t = "Harga beras kini 10.000 per kilo di pasar. Naik lagi besok pagi.";
    split(t, strlen(t), &p, &v);
    assert_int_equal(v.len, 2);
    EXPECT_SPAN(t, &v, 0, "Harga beras kini 10.000 per kilo di pasar.");
    /* a one-letter word is an abbreviation at the start of the text too */
    {
        const char *a = "A. Yani pergi ke pasar pagi tadi sekali.";
        const char *b = " A. Yani pergi ke pasar pagi tadi sekali.";
        cari_passage_params q = {1, 5, 1};
        cari_spanvec w = {0};
        size_t k;
        split(a, strlen(a), &q, &v);
        split(b, strlen(b), &q, &w);
        assert_int_equal(v.len, w.len);
        for (k = 0; k < v.len; k++) {
            assert_int_equal(v.items[k].start + 1, w.items[k].start);
            assert_int_equal(v.items[k].end + 1, w.items[k].end);
        }
        EXPECT_SPAN(a, &v, 0, "A. Yani pergi ke pasar");
        cari_spanvec_free(&w);
    }
    cari_spanvec_free(&v);
}

static void test_sentence_end_marks(void **state)
{
    cari_passage_params p = {3, 6, 1};
    cari_spanvec v = {0};
    const char *t;
    (void)state;
    t = "Dia berkata \"Saya pulang sekarang.\" Lalu dia pergi jauh sekali.";
    split(t, strlen(t), &p, &v);
    assert_int_equal(v.len, 2);
    EXPECT_SPAN(t, &v, 0, "Dia berkata \"Saya pulang sekarang.\"");
    t = "Dia berkata \xe2\x80\x9cSaya pulang sekarang.\xe2\x80\x9d Lalu dia "
        "pergi jauh sekali.";
    split(t, strlen(t), &p, &v);
    assert_int_equal(v.len, 2);
    EXPECT_SPAN(t, &v, 0, "Dia berkata \xe2\x80\x9cSaya pulang sekarang."
                          "\xe2\x80\x9d");
    t = "Benarkah itu terjadi kemarin?! Tidak ada yang tahu pasti.";
    split(t, strlen(t), &p, &v);
    assert_int_equal(v.len, 2);
    EXPECT_SPAN(t, &v, 0, "Benarkah itu terjadi kemarin?!");
    /* a dot inside a word is not a sentence end */
    t = "Kunjungi situs detik.com untuk berita terbaru hari ini ya.";
    split(t, strlen(t), &p, &v);
    EXPECT_SPAN(t, &v, 0, "Kunjungi situs detik.com untuk berita terbaru");
    cari_spanvec_free(&v);
}

/* Random texts of words, punctuation, newlines and blank lines: the
 * invariants hold for every parameter set. */
static void test_random_texts(void **state)
{
    static const char *const pieces[] = {
        "kata", "Rp.", "10.000", "ini.", "itu?", "ya!", "\"kutip.\"", "a.",
        " ", " ", " ", "\n", "\n\n", "\r\n\r\n", "\n \t\n", "\t", "x",
        "panjangsekali", "\xe2\x80\x9d", "Dr.", "...", "1,5"};
    static const cari_passage_params params[] = {
        {100, 150, 20}, {3, 5, 2}, {1, 1, 1}, {10, 12, 0}, {5, 40, 30}};
    test_rng rng = {77};
    char t[3000];
    cari_spanvec v = {0};
    int round;
    (void)state;
    for (round = 0; round < 2000; round++) {
        size_t n = 0, np = (size_t)rng_below(&rng, 400);
        while (np-- > 0) {
            const char *piece = pieces[rng_below(&rng, sizeof pieces /
                                                           sizeof *pieces)];
            size_t l = strlen(piece);
            if (n + l + 1 >= sizeof t)
                break;
            memcpy(t + n, piece, l);
            n += l;
            if (rng_below(&rng, 2))
                t[n++] = ' ';
        }
        split(t, n, &params[round % 5], &v);
        if (params[round % 5].max_words >= 1) {
            size_t k;
            /* no passage longer than max_words unless merged: merging adds
             * at most one short passage */
            for (k = 0; k < v.len; k++)
                assert_true(words_in(t, v.items[k].start, v.items[k].end) <=
                            params[round % 5].max_words +
                                2 * params[round % 5].min_words + 1);
        }
    }
    cari_spanvec_free(&v);
}

/* Word counts decide merges and cuts at their thresholds exactly,
 * whatever white space separates the words and whatever other bytes
 * (control bytes next to \t..\r, 0x7f, bytes above 0x7f) the words hold:
 * the splitter counts words 16 bytes at a time, so the counts are checked
 * at random alignments against words_in. */
static void random_words(test_rng *rng, char *t, size_t *n, int words)
{
    static const char *const seps[] = {" ",  "\t", "\v",    "\f",
                                       "\r", "  ", " \t\r ", "\n"};
    static const unsigned char chars[] = {'a',  'Z',  '5',  '-',  0x08,
                                          0x0e, 0x1f, 0x7f, 0x85, 0xa0,
                                          0xff, '(',  '"'};
    int w;
    for (w = 0; w < words; w++) {
        size_t l = 1 + (size_t)rng_below(rng, 12), k;
        if (w) {
            const char *sep = seps[rng_below(rng, sizeof seps / sizeof *seps)];
            memcpy(t + *n, sep, strlen(sep));
            *n += strlen(sep);
        }
        for (k = 0; k < l; k++)
            t[(*n)++] = (char)chars[rng_below(rng, sizeof chars)];
    }
}

static void test_word_counts_at_thresholds(void **state)
{
    static const cari_passage_params merge = {100, 150, 20}, cut = {100, 30, 1};
    test_rng rng = {4242};
    char t[2000];
    cari_spanvec v = {0};
    int round;
    (void)state;
    for (round = 0; round < 4000; round++) {
        int wa = (round & 1) ? 20 : 19;
        size_t n = (size_t)rng_below(&rng, 17), a_end;
        memset(t, ' ', n);  /* shifts the words against 16-byte blocks */
        random_words(&rng, t, &n, wa);
        a_end = n;
        memcpy(t + n, "\n\n", 2);
        n += 2;
        random_words(&rng, t, &n, 25);
        assert_int_equal(words_in(t, 0, a_end), wa);
        /* a paragraph of 19 words joins the next; one of 20 stays */
        split(t, n, &merge, &v);
        assert_int_equal(v.len, wa == 20 ? 2 : 1);
        /* a paragraph of 30 words (no sentence end) stays whole; one of
         * 31 is cut */
        n = (size_t)rng_below(&rng, 17);
        memset(t, ' ', n);
        random_words(&rng, t, &n, (round & 1) ? 30 : 31);
        split(t, n, &cut, &v);
        assert_int_equal(v.len, (round & 1) ? 1 : 2);
    }
    cari_spanvec_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paragraphs),
        cmocka_unit_test(test_empty_and_blank),
        cmocka_unit_test(test_long_paragraph_cut_at_sentences),
        cmocka_unit_test(test_endless_sentence),
        cmocka_unit_test(test_merge_short),
        cmocka_unit_test(test_abbreviations),
        cmocka_unit_test(test_sentence_end_marks),
        cmocka_unit_test(test_random_texts),
        cmocka_unit_test(test_word_counts_at_thresholds),
    };
    TEST_FILTER_FROM_ENV();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
