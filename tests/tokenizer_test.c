/*
 * tokenizer_test.c -- raw token boundaries, byte offsets and flags
 * (src/tokenizer.c): ASCII, accented and non-Latin text, hyphens,
 * apostrophes, numbers, invalid UTF-8, empty input and a 1 MB token.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tokenizer.h"
#include "test_util.h"

#define MAXTOK 64

typedef struct toks {
    size_t n;
    cari_rawtoken t[MAXTOK];
} toks;

static void tokenize(const char *text, size_t len, toks *out)
{
    size_t pos = 0, last_end = 0;
    out->n = 0;
    while (cari_tokenize_next(text, len, &pos, &out->t[out->n])) {
        const cari_rawtoken *t = &out->t[out->n];
        /* tokens are non-empty, in order, inside the text, and pos moves
         * to the token's end */
        assert_true(t->start < t->end);
        assert_true(t->start >= last_end);
        assert_true(t->end <= len);
        assert_int_equal(pos, t->end);
        last_end = t->end;
        out->n++;
        assert_true(out->n < MAXTOK);
    }
    assert_int_equal(pos, len);
}

/* Check that text splits into exactly the NULL-terminated list of surface
 * strings, at the byte offsets where they occur (searched left to right). */
static void expect_tokens(const char *text, const char *const *want)
{
    toks got;
    size_t i, from = 0, len = strlen(text);
    tokenize(text, len, &got);
    for (i = 0; want[i]; i++) {
        const char *at;
        size_t wl = strlen(want[i]);
        assert_true(i < got.n);
        at = strstr(text + from, want[i]);
        assert_non_null(at);
        assert_int_equal(got.t[i].start, (size_t)(at - text));
        assert_int_equal(got.t[i].end, (size_t)(at - text) + wl);
        from = got.t[i].end;
    }
    assert_int_equal(got.n, i);
}

#define EXPECT(text, ...)                                                  \
    do {                                                                   \
        static const char *const want_[] = {__VA_ARGS__, NULL};            \
        expect_tokens(text, want_);                                        \
    } while (0)

static void test_ascii(void **state)
{
    toks t;
    const char *s = "Halo, dunia!  Apa kabar?";
    (void)state;
    tokenize(s, strlen(s), &t);
    assert_int_equal(t.n, 4);
    assert_int_equal(t.t[0].start, 0);
    assert_int_equal(t.t[0].end, 4);
    assert_int_equal(t.t[1].start, 6);
    assert_int_equal(t.t[1].end, 11);
    assert_int_equal(t.t[2].start, 14);
    assert_int_equal(t.t[2].end, 17);
    assert_int_equal(t.t[3].start, 18);
    assert_int_equal(t.t[3].end, 23);
    assert_int_equal(t.t[0].flags, CARI_TOK_LETTER | CARI_TOK_UPPER |
                                       CARI_TOK_LOWER);
    assert_int_equal(t.t[1].flags, CARI_TOK_LETTER | CARI_TOK_LOWER);
    EXPECT("  (Presiden) \"Jokowi\"\tdan\nwakilnya;", "Presiden", "Jokowi",
           "dan", "wakilnya");
    EXPECT("G20 KTT-G20 abc123", "G20", "KTT-G20", "abc123");
    /* starting in the middle: the first token at or after *pos */
    {
        size_t pos = 3;
        cari_rawtoken tok;
        assert_int_equal(cari_tokenize_next(s, strlen(s), &pos, &tok), 1);
        assert_int_equal(tok.start, 3); /* "o" of Halo */
        assert_int_equal(tok.end, 4);
    }
}

static void test_accented_and_non_latin(void **state)
{
    toks t;
    const char *s = "Café naïve ÉCOLE";
    (void)state;
    tokenize(s, strlen(s), &t);
    assert_int_equal(t.n, 3);
    assert_int_equal(t.t[0].start, 0);
    assert_int_equal(t.t[0].end, 5); /* é is two bytes */
    assert_int_equal(t.t[1].start, 6);
    assert_int_equal(t.t[1].end, 12);
    assert_int_equal(t.t[2].start, 13);
    assert_int_equal(t.t[2].end, 19);
    assert_true(t.t[0].flags & CARI_TOK_NONASCII);
    assert_true(t.t[2].flags & CARI_TOK_UPPER);
    assert_false(t.t[2].flags & CARI_TOK_LOWER);
    EXPECT("Привет, мир!", "Привет", "мир");
    /* Han and Kana: a character a token (analyzer 5); a combining mark
     * stays with its character; Hangul is written with spaces and stays
     * a run */
    EXPECT("日本語 テスト。한국어", "日", "本", "語", "テ", "ス", "ト", "한국어");
    EXPECT("Tokyo東京 カ\xe3\x82\x99", "Tokyo", "東", "京", "カ\xe3\x82\x99");
    EXPECT("مرحبا بالعالم", "مرحبا", "بالعالم");
    /* a combining mark stays with its word; one that starts nothing is
     * skipped */
    EXPECT("e\xcc\x81te \xcc\x81" "abc", "e\xcc\x81te", "abc");
    /* non-ASCII digits are digits */
    EXPECT("\xd9\xa1\xd9\xa2 \xef\xbc\x91\xef\xbc\x90", "\xd9\xa1\xd9\xa2",
           "\xef\xbc\x91\xef\xbc\x90");
    tokenize("\xef\xbc\x91\xef\xbc\x90", 6, &t);
    assert_true(t.t[0].flags & CARI_TOK_DIGIT);
    /* non-ASCII punctuation and spaces separate */
    EXPECT("satu\xe2\x80\x94" "dua\xc2\xa0tiga\xe3\x80\x82"
           "\xc2\xab" "empat\xc2\xbb",
           "satu", "dua", "tiga", "empat");
}

static void test_hyphens(void **state)
{
    toks t;
    (void)state;
    EXPECT("anak-anak bermain", "anak-anak", "bermain");
    EXPECT("e-KTP", "e-KTP");
    EXPECT("-abc-", "abc");
    EXPECT("--abc--def--", "abc", "def");
    EXPECT("a--b", "a", "b");
    EXPECT("abc- def", "abc", "def");
    EXPECT("abc -def", "abc", "def");
    EXPECT("tahun 2023-2024", "tahun", "2023-2024");
    EXPECT("covid-19 12-an", "covid-19", "12-an");
    EXPECT("kupu-kupu-kupu", "kupu-kupu-kupu");
    /* U+2010 and U+2011 join like '-'; an en dash separates */
    EXPECT("anak\xe2\x80\x90" "anak bolak\xe2\x80\x91" "balik",
           "anak\xe2\x80\x90" "anak", "bolak\xe2\x80\x91" "balik");
    EXPECT("2020\xe2\x80\x93" "2021", "2020", "2021");
    tokenize("e-KTP", 5, &t);
    assert_int_equal(t.t[0].flags, CARI_TOK_LETTER | CARI_TOK_LOWER |
                                       CARI_TOK_UPPER | CARI_TOK_HYPHEN);
    tokenize("abc", 3, &t);
    assert_false(t.t[0].flags & CARI_TOK_HYPHEN);
    /* a non-ASCII joiner makes the token non-ASCII (the analyzer copies
     * tokens without that flag byte for byte, without folding) */
    tokenize("anak\xe2\x80\x90" "anak", 11, &t);
    assert_int_equal(t.t[0].flags, CARI_TOK_LETTER | CARI_TOK_LOWER |
                                       CARI_TOK_HYPHEN | CARI_TOK_NONASCII);
    tokenize("jum\xe2\x80\x99" "at", 8, &t);
    assert_true(t.t[0].flags & CARI_TOK_NONASCII);
}

static void test_apostrophes(void **state)
{
    toks t;
    (void)state;
    EXPECT("hari Jum'at pagi", "hari", "Jum'at", "pagi");
    EXPECT("hari Jum\xe2\x80\x99" "at pagi", "hari", "Jum\xe2\x80\x99" "at",
           "pagi");
    EXPECT("Jum\xca\xbc" "at", "Jum\xca\xbc" "at"); /* U+02BC */
    EXPECT("'kutip'", "kutip");
    EXPECT("\xe2\x80\x98kutip\xe2\x80\x99", "kutip");
    EXPECT("rock'n'roll", "rock'n'roll");
    EXPECT("90's", "90", "s"); /* joins letters only */
    EXPECT("a''b", "a", "b");
    tokenize("Jum'at", 6, &t);
    assert_true(t.t[0].flags & CARI_TOK_APOSTROPHE);
    assert_int_equal(t.t[0].end, 6);
}

static void test_numbers(void **state)
{
    toks t;
    (void)state;
    EXPECT("Rp 10.000 per kg", "Rp", "10.000", "per", "kg");
    EXPECT("setinggi 1,5 meter", "setinggi", "1,5", "meter");
    EXPECT("pukul 10.30 WIB", "pukul", "10.30", "WIB");
    EXPECT("1.234.567,89", "1.234.567,89");
    /* a dot or comma at the end of a number is punctuation */
    EXPECT("nomor 3.", "nomor", "3");
    EXPECT("nomor 3. Lalu", "nomor", "3", "Lalu");
    EXPECT("ada 5, 6, dan 7.", "ada", "5", "6", "dan", "7");
    EXPECT(".5 5.", "5", "5");
    EXPECT("3.a", "3", "a"); /* '.' joins digits only */
    EXPECT("a.b", "a", "b");
    tokenize("nomor 3.", 8, &t);
    assert_int_equal(t.t[1].start, 6);
    assert_int_equal(t.t[1].end, 7);
    tokenize("10.000", 6, &t);
    assert_int_equal(t.n, 1);
    assert_int_equal(t.t[0].flags, CARI_TOK_DIGIT | CARI_TOK_NUMSEP);
}

static void test_invalid_utf8(void **state)
{
    toks t;
    (void)state;
    EXPECT("abc\xff" "def", "abc", "def");
    EXPECT("ab\xe2\x80" "cd", "ab", "cd");       /* truncated sequence */
    EXPECT("x\xc0\xaf" "y", "x", "y");           /* overlong '/' */
    EXPECT("\xed\xa0\x80z", "z");                /* UTF-16 surrogate */
    EXPECT("\xf8\x88\x80\x80\x80w", "w");        /* 5-byte form */
    EXPECT("\x80\x80\x80" "abc\xc3", "abc");     /* stray continuation, cut
                                                    lead byte at the end */
    EXPECT("caf\xc3\xa9\xc3", "caf\xc3\xa9");
    /* a hyphen or dot followed by a bad byte does not join */
    EXPECT("a-\xff" "b", "a", "b");
    EXPECT("1.\xff" "2", "1", "2");
    tokenize("\xff\xfe\xfd", 3, &t);
    assert_int_equal(t.n, 0);
}

static void test_empty(void **state)
{
    size_t pos = 0;
    cari_rawtoken tok;
    toks t;
    (void)state;
    assert_int_equal(cari_tokenize_next("", 0, &pos, &tok), 0);
    assert_int_equal(pos, 0);
    tokenize(" \t\n.,;!?-'", 10, &t);
    assert_int_equal(t.n, 0);
    /* the text is bounded by len, not by a NUL */
    tokenize("abc def", 3, &t);
    assert_int_equal(t.n, 1);
    assert_int_equal(t.t[0].end, 3);
    tokenize("ab\0cd", 5, &t);
    assert_int_equal(t.n, 2);
    assert_int_equal(t.t[1].start, 3);
    /* past the end */
    pos = 10;
    assert_int_equal(cari_tokenize_next("abc", 3, &pos, &tok), 0);
    assert_int_equal(pos, 3);
}

static void test_megabyte_token(void **state)
{
    size_t n = 1u << 20, i;
    char *s = malloc(n + 2);
    toks t;
    (void)state;
    assert_non_null(s);
    for (i = 0; i < n; i++)
        s[i] = (char)('a' + i % 26);
    s[n] = '.';
    tokenize(s, n + 1, &t);
    assert_int_equal(t.n, 1);
    assert_int_equal(t.t[0].start, 0);
    assert_int_equal(t.t[0].end, n);
    /* hyphen-joined and non-ASCII megabyte tokens */
    for (i = 0; i < n; i++)
        s[i] = i % 3 == 2 ? '-' : 'x';
    s[n - 1] = 'x';
    tokenize(s, n, &t);
    assert_int_equal(t.n, 1);
    assert_int_equal(t.t[0].end, n);
    for (i = 0; i + 1 < n; i += 2) {
        s[i] = '\xc3';
        s[i + 1] = '\xa9'; /* é */
    }
    tokenize(s, n, &t);
    assert_int_equal(t.n, 1);
    assert_int_equal(t.t[0].end, n);
    assert_true(t.t[0].flags & CARI_TOK_NONASCII);
    free(s);
}

/* Runs of lowercase letters of every length up to 40 at every offset
 * up to 17, ending at the text's end or at a byte that ends them (the
 * bytes just outside a..z, a capital, a digit, a letter outside ASCII, a
 * hyphen and an apostrophe between letters): the tokenizer reads such
 * runs 16 bytes at a time, and a run's end must not depend on where it
 * falls in those 16. */
static void test_lowercase_runs(void **state)
{
    static const struct {
        const char *tail;
        size_t extra;    /* tail bytes inside the token */
        unsigned flags;  /* flags beyond LETTER | LOWER */
    } tails[] = {
        {"", 0, 0},
        {"`", 0, 0},
        {"{", 0, 0},
        {" kata", 0, 0},
        {"A", 1, CARI_TOK_UPPER},
        {"9", 1, CARI_TOK_DIGIT},
        {"\xc3\xa9", 2, CARI_TOK_NONASCII},
        {"-an", 3, CARI_TOK_HYPHEN},
        {"'s", 2, CARI_TOK_APOSTROPHE},
    };
    size_t t, run, off;
    (void)state;
    for (t = 0; t < sizeof tails / sizeof tails[0]; t++)
        for (run = 1; run <= 40; run++)
            for (off = 0; off <= 17; off++) {
                size_t tl = strlen(tails[t].tail), len = off + run + tl, k;
                char *text = malloc(len);  /* no NUL after it */
                toks got;
                assert_non_null(text);
                memset(text, ' ', off);
                for (k = 0; k < run; k++)
                    text[off + k] = (char)('a' + (k * 7 + off) % 26);
                memcpy(text + off + run, tails[t].tail, tl);
                tokenize(text, len, &got);
                assert_true(got.n >= 1);
                assert_int_equal(got.t[0].start, off);
                assert_int_equal(got.t[0].end, off + run + tails[t].extra);
                assert_int_equal(got.t[0].flags, CARI_TOK_LETTER |
                                                     CARI_TOK_LOWER |
                                                     tails[t].flags);
                free(text);
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii),
        cmocka_unit_test(test_accented_and_non_latin),
        cmocka_unit_test(test_hyphens),
        cmocka_unit_test(test_apostrophes),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_megabyte_token),
        cmocka_unit_test(test_lowercase_runs),
    };
    TEST_FILTER_FROM_ENV();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
