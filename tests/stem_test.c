/*
 * stem_test.c -- unit tests of the Indonesian stemmer (src/stem.c): every
 * rule with hand-written words (none taken from the gold files), the
 * hyphenated-word terms, and the edges of the interface (empty input, very
 * long words, non-ASCII bytes, output buffers too small).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stem.h"
#include "utf8.h"

typedef struct stem_case {
    const char *word, *root;
} stem_case;

static int setup(void **state)
{
    cari_stemmer *s = NULL;
    if (cari_stemmer_new(&s) != 0)
        return -1;
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    cari_stemmer_free(*state);
    return 0;
}

static void check_cases(cari_stemmer *s, const stem_case *cases, size_t n)
{
    char out[128];
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = cari_stemmer_stem(s, cases[i].word, strlen(cases[i].word), out, sizeof out);
        if (len != strlen(out) || strcmp(out, cases[i].root) != 0) {
            print_error("%s: expected %s, got %s\n", cases[i].word, cases[i].root, out);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

#define CHECK(s, cases) check_cases((s), (cases), sizeof(cases) / sizeof((cases)[0]))

/* Roots stay whole, however much they look affixed. */
static void test_roots_not_cut(void **state)
{
    static const stem_case cases[] = {
        {"berita", "berita"}, {"masalah", "masalah"}, {"sekolah", "sekolah"},
        {"pemilu", "pemilu"}, {"karyawan", "karyawan"}, {"makan", "makan"},
        {"kalah", "kalah"}, {"pendidikan", "didik"}, /* not a root: cut */
        {"perdana", "perdana"}, {"teman", "teman"}, {"dian", "dian"},
    };
    CHECK(*state, cases);
}

/* meN- with its sound changes undone. */
static void test_men_restoration(void **state)
{
    static const stem_case cases[] = {
        {"menulis", "tulis"}, {"menyapu", "sapu"}, {"memukul", "pukul"},
        {"mengupas", "kupas"}, {"mengambil", "ambil"}, {"membangun", "bangun"},
        {"mencari", "cari"}, {"mendengar", "dengar"}, {"menggali", "gali"},
        {"melipat", "lipat"}, {"meraih", "raih"}, {"menyanyi", "nyanyi"},
        {"mengebom", "bom"}, {"mengubah", "ubah"}, {"menanam", "tanam"},
    };
    CHECK(*state, cases);
}

/* peN- and peN-...-an alike. */
static void test_pen_restoration(void **state)
{
    static const stem_case cases[] = {
        {"pengiriman", "kirim"}, {"penulis", "tulis"}, {"pemukul", "pukul"},
        {"penyapu", "sapu"}, {"penerimaan", "terima"}, {"pembangunan", "bangun"},
        {"pengambilan", "ambil"}, {"penyanyi", "nyanyi"}, {"pencarian", "cari"},
    };
    CHECK(*state, cases);
}

/* di-, ber-, ter-, per-, ke-. */
static void test_plain_prefixes(void **state)
{
    static const stem_case cases[] = {
        {"ditulis", "tulis"}, {"dibuang", "buang"}, {"bermain", "main"},
        {"berjalan", "jalan"}, {"terbesar", "besar"}, {"terjatuh", "jatuh"},
        {"bekerja", "kerja"}, {"berambut", "rambut"}, {"perumahan", "rumah"},
    };
    CHECK(*state, cases);
}

/* Two prefixes: the second stripped when a root is left. */
static void test_second_prefix(void **state)
{
    static const stem_case cases[] = {
        {"mempercepat", "cepat"}, {"diperkuat", "kuat"}, {"memberdayakan", "daya"},
        {"keberhasilan", "hasil"}, {"pemberdayaan", "daya"}, {"diperbaiki", "baik"},
        {"dipertahankan", "tahan"},
    };
    CHECK(*state, cases);
}

/* Clitics: ku- kau-, -nya -ku -mu, -lah -kah -pun -tah. */
static void test_clitics(void **state)
{
    static const stem_case cases[] = {
        {"bukunya", "buku"}, {"rumahku", "rumah"}, {"bajumu", "baju"},
        {"hancurlah", "hancur"}, {"benarkah", "benar"}, {"kubaca", "baca"},
        {"kaupukul", "pukul"}, {"mobilnyalah", "mobil"}, {"dimakannya", "makan"},
    };
    CHECK(*state, cases);
}

/* -kan, -an, -i, and ke-...-an. */
static void test_suffixes(void **state)
{
    static const stem_case cases[] = {
        {"makanan", "makan"}, {"tuliskan", "tulis"}, {"datangi", "datang"},
        {"berikan", "beri"}, {"mainan", "main"}, {"kebersihan", "bersih"},
        {"kesehatan", "sehat"}, {"keamanan", "aman"}, {"kemerdekaan", "merdeka"},
        {"menjalankan", "jalan"}, {"didatangi", "datang"},
    };
    CHECK(*state, cases);
}

/* Frozen function words and ordinals keep their affixes. */
static void test_frozen(void **state)
{
    static const stem_case cases[] = {
        {"adalah", "adalah"}, {"sebagai", "sebagai"}, {"setelah", "setelah"},
        {"terhadap", "terhadap"}, {"kedua", "kedua"}, {"ketiga", "ketiga"},
        {"merupakan", "merupakan"},
    };
    CHECK(*state, cases);
}

static void check_terms(cari_stemmer *s, const char *word, cari_stem_hyphen_kind kind, const char *const *terms)
{
    cari_stem_terms t;
    assert_int_equal(cari_stemmer_hyphenated(s, word, strlen(word), &t), 0);
    size_t n = 0;
    while (terms[n])
        n++;
    for (size_t i = 0; i < t.count; i++)
        print_message("# %s term %zu: %s\n", word, i, t.buf + t.term[i].offset);
    assert_int_equal(t.count, n);
    assert_int_equal(t.kind, kind);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(t.buf + t.term[i].offset, terms[i]);
        assert_int_equal(t.term[i].len, strlen(terms[i]));
    }
}

static void test_reduplication_full(void **state)
{
    check_terms(*state, "anak-anak", CARI_STEM_REDUPLICATION, (const char *[]){"anak", NULL});
    check_terms(*state, "perusahaan-perusahaan", CARI_STEM_REDUPLICATION, (const char *[]){"usaha", NULL});
    check_terms(*state, "buku-buku", CARI_STEM_REDUPLICATION, (const char *[]){"buku", NULL});
}

static void test_reduplication_affixed(void **state)
{
    check_terms(*state, "anak-anaknya", CARI_STEM_REDUPLICATION, (const char *[]){"anak", NULL});
    check_terms(*state, "berbalas-balasan", CARI_STEM_REDUPLICATION, (const char *[]){"balas", NULL});
    check_terms(*state, "terus-menerus", CARI_STEM_REDUPLICATION, (const char *[]){"terus", NULL});
    check_terms(*state, "malaikat-malaikat-nya", CARI_STEM_REDUPLICATION, (const char *[]){"malaikat", NULL});
}

static void test_reduplication_partial(void **state)
{
    check_terms(*state, "sehari-hari", CARI_STEM_REDUPLICATION, (const char *[]){"hari", NULL});
    check_terms(*state, "meniru-nirukan", CARI_STEM_REDUPLICATION, (const char *[]){"tiru", NULL});
    check_terms(*state, "menyebut-nyebut", CARI_STEM_REDUPLICATION, (const char *[]){"sebut", NULL});
    check_terms(*state, "kehati-hatian", CARI_STEM_REDUPLICATION, (const char *[]){"hati", NULL});
}

static void test_compounds(void **state)
{
    check_terms(*state, "bolak-balik", CARI_STEM_COMPOUND, (const char *[]){"bolak-balik", "bolak", "balik", NULL});
    check_terms(*state, "kupu-kupu", CARI_STEM_COMPOUND, (const char *[]){"kupu-kupu", "kupu", NULL});
    /* a word after one letter: also joined, as it is as often written */
    check_terms(*state, "e-ktp", CARI_STEM_COMPOUND, (const char *[]){"e-ktp", "ktp", "ektp", NULL});
    check_terms(*state, "e-mail", CARI_STEM_COMPOUND, (const char *[]){"e-mail", "mail", "email", NULL});
    check_terms(*state, "e-mailnya", CARI_STEM_COMPOUND, (const char *[]){"e-mail", "mail", "email", NULL});
    check_terms(*state, "covid-19", CARI_STEM_COMPOUND, (const char *[]){"covid-19", "covid", "19", NULL});
    check_terms(*state, "besar-kecilnya", CARI_STEM_COMPOUND, (const char *[]){"besar-kecil", "besar", "kecil", NULL});
    check_terms(*state, "ke-2", CARI_STEM_COMPOUND, (const char *[]){"ke-2", "2", NULL});
}

static void test_hyphenated_prefix_and_clitic(void **state)
{
    check_terms(*state, "di-phk", CARI_STEM_PREFIXED, (const char *[]){"phk", NULL});
    check_terms(*state, "se-indonesia", CARI_STEM_PREFIXED, (const char *[]){"indonesia", NULL});
    check_terms(*state, "allah-lah", CARI_STEM_SINGLE, (const char *[]){"allah", NULL});
    check_terms(*state, "rumah-ku", CARI_STEM_SINGLE, (const char *[]){"rumah", NULL});
}

static void test_hyphenated_edges(void **state)
{
    cari_stemmer *s = *state;
    cari_stem_terms t;
    assert_int_equal(cari_stemmer_hyphenated(s, "", 0, &t), 0);
    assert_int_equal(t.count, 0);
    assert_int_equal(cari_stemmer_hyphenated(s, "---", 3, &t), 0);
    assert_int_equal(t.count, 0);
    check_terms(s, "anak-", CARI_STEM_SINGLE, (const char *[]){"anak", NULL});
    check_terms(s, "a--b-c", CARI_STEM_COMPOUND, (const char *[]){"a-b-c", NULL});
    /* more parts than terms: the whole only */
    check_terms(s, "a-b-c-d-e-f-g-h-i-j", CARI_STEM_COMPOUND, (const char *[]){"a-b-c-d-e-f-g-h-i-j", NULL});
    /* longer than the buffer: one term, cut */
    char big[600];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = i % 7 == 6 ? '-' : 'a';
    assert_int_equal(cari_stemmer_hyphenated(s, big, sizeof big, &t), 0);
    assert_int_equal(t.count, 1);
    assert_int_equal(t.term[0].len, CARI_STEM_TERMS_BYTES - 1);
    assert_int_equal(strlen(t.buf), CARI_STEM_TERMS_BYTES - 1);
    /* every part a long word: terms that do not fit are left out, never overflow */
    char longparts[250];
    for (size_t i = 0; i < sizeof longparts; i++)
        longparts[i] = i % 60 == 59 ? '-' : (char)('a' + i % 26);
    assert_int_equal(cari_stemmer_hyphenated(s, longparts, sizeof longparts, &t), 0);
    assert_true(t.count >= 1 && t.count <= CARI_STEM_MAX_TERMS);
    for (size_t i = 0; i < t.count; i++)
        assert_true(t.term[i].offset + t.term[i].len < CARI_STEM_TERMS_BYTES);
    /* a part past CARI_STEM_MAX_WORD is cut at a character's start, and
     * so is a word past the buffer (analyzer_fuzz: a term cut inside
     * "\xc3\xa4" was not UTF-8) */
    {
        char mixed[200], wide[300];
        size_t n = 0, i, bad;
        memcpy(mixed, "kata-ka", 7);
        n = 7;
        for (i = 0; i < 27; i++) /* the cut at 64 falls inside an "ä" */
            mixed[n++] = '0';
        for (i = 0; i < 40; i++) {
            mixed[n++] = '\xc3';
            mixed[n++] = '\xa4';
        }
        assert_int_equal(cari_stemmer_hyphenated(s, mixed, n, &t), 0);
        for (i = 0; i < t.count; i++) {
            assert_true(cari_utf8_valid(t.buf + t.term[i].offset,
                                        t.term[i].len, &bad));
            assert_true(t.term[i].len <= CARI_STEM_MAX_WORD ||
                        t.term[i].len == n);
        }
        assert_true(t.count >= 2);
        for (i = 0; i < sizeof wide; i += 2) {
            wide[i] = '\xc3';
            wide[i + 1] = '\xa4';
        }
        wide[0] = 'a'; /* odd: a cut at 255 bytes would split a character */
        wide[1] = '-';
        assert_int_equal(cari_stemmer_hyphenated(s, wide, sizeof wide, &t), 0);
        assert_int_equal(t.count, 1);
        assert_true(cari_utf8_valid(t.buf, t.term[0].len, &bad));
        assert_int_equal(t.term[0].len, CARI_STEM_TERMS_BYTES - 2);
    }
    assert_int_equal(cari_stemmer_hyphenated(s, NULL, 3, &t), -1);
    assert_int_equal(cari_stemmer_hyphenated(s, "a-b", 3, NULL), -1);
}

static void test_empty_and_null(void **state)
{
    cari_stemmer *s = *state;
    char out[8] = "xxxxxxx";
    assert_int_equal(cari_stemmer_stem(s, "", 0, out, sizeof out), 0);
    assert_string_equal(out, "");
    assert_int_equal(cari_stemmer_stem(s, NULL, 0, out, sizeof out), 0);
    assert_int_equal(cari_stemmer_stem(NULL, "buku", 4, out, sizeof out), 0);
    assert_string_equal(out, "");
    assert_int_equal(cari_stemmer_stem(s, "buku", 4, NULL, 0), 4);
}

static void test_very_long_word(void **state)
{
    cari_stemmer *s = *state;
    static char word[1000], out[1001];
    for (size_t i = 0; i < sizeof word; i++)
        word[i] = "menulis"[i % 7];
    memcpy(word, "meng", 4);
    assert_int_equal(cari_stemmer_stem(s, word, sizeof word, out, sizeof out), sizeof word);
    assert_memory_equal(out, word, sizeof word);
    assert_int_equal(out[sizeof word], '\0');
    /* just over the limit: unchanged too */
    char edge[CARI_STEM_MAX_WORD + 1];
    memset(edge, 'a', sizeof edge);
    memcpy(edge, "di", 2);
    assert_int_equal(cari_stemmer_stem(s, edge, sizeof edge, out, sizeof out), sizeof edge);
    /* a long affixed word within the limit is stemmed */
    const char *w = "ketidakbertanggungjawabannya";
    assert_true(cari_stemmer_stem(s, w, strlen(w), out, sizeof out) < strlen(w));
}

static void test_non_ascii(void **state)
{
    cari_stemmer *s = *state;
    char out[64];
    const char *w = "m\xc3\xa9nulis"; /* an accent the analyzer should have folded */
    assert_int_equal(cari_stemmer_stem(s, w, strlen(w), out, sizeof out), strlen(w));
    assert_string_equal(out, w);
    const char *cjk = "\xe6\x97\xa5\xe6\x9c\xac"; /* 日本 */
    assert_int_equal(cari_stemmer_stem(s, cjk, strlen(cjk), out, sizeof out), strlen(cjk));
    assert_string_equal(out, cjk);
    const char *bad = "\xff\xfe\x80"; /* not even UTF-8: still no crash, unchanged */
    assert_int_equal(cari_stemmer_stem(s, bad, 3, out, sizeof out), 3);
    assert_memory_equal(out, bad, 3);
}

static void test_small_buffer(void **state)
{
    cari_stemmer *s = *state;
    char out[16];
    memset(out, 'Z', sizeof out);
    /* "tulis" needs 6 bytes: only 2 + NUL are written, the length is still 5 */
    assert_int_equal(cari_stemmer_stem(s, "menulis", 7, out, 3), 5);
    assert_string_equal(out, "tu");
    assert_int_equal(out[3], 'Z');
    memset(out, 'Z', sizeof out);
    assert_int_equal(cari_stemmer_stem(s, "menulis", 7, out, 1), 5);
    assert_int_equal(out[0], '\0');
    assert_int_equal(out[1], 'Z');
    assert_int_equal(cari_stemmer_stem(s, "menulis", 7, out, 0), 5);
    assert_int_equal(out[0], '\0');
    /* exactly enough */
    assert_int_equal(cari_stemmer_stem(s, "menulis", 7, out, 6), 5);
    assert_string_equal(out, "tulis");
    /* the word is not NUL-terminated: only len bytes are read */
    assert_int_equal(cari_stemmer_stem(s, "bukunyaXYZ", 7, out, sizeof out), 4);
    assert_string_equal(out, "buku");
}

static void test_dictionary_and_signature(void **state)
{
    cari_stemmer *s = *state;
    assert_true(cari_stemmer_is_root(s, "tulis", 5));
    assert_true(cari_stemmer_is_root(s, "berita", 6));
    assert_true(cari_stemmer_is_root(s, "kupu-kupu", 9));
    assert_false(cari_stemmer_is_root(s, "menulis", 7)); /* a form, not a root */
    assert_false(cari_stemmer_is_root(s, "phk", 3));
    assert_false(cari_stemmer_is_root(s, "", 0));
    assert_false(cari_stemmer_is_root(s, NULL, 0));
    const char *sig = cari_stemmer_signature(s);
    assert_non_null(sig);
    assert_non_null(strstr(sig, "cari-stem-"));
    assert_true(strlen(sig) > 20); /* version and dictionary checksum */
    cari_stemmer_free(NULL);
    /* two stemmers agree */
    cari_stemmer *t = NULL;
    assert_int_equal(cari_stemmer_new(&t), 0);
    assert_string_equal(cari_stemmer_signature(t), sig);
    char a[32], b[32];
    cari_stemmer_stem(s, "pengiriman", 10, a, sizeof a);
    cari_stemmer_stem(t, "pengiriman", 10, b, sizeof b);
    assert_string_equal(a, b);
    cari_stemmer_free(t);
    assert_int_equal(cari_stemmer_new(NULL), -1);
}

/* Stemming is idempotent on what it produces for ordinary words. */
static void test_idempotent(void **state)
{
    static const char *const words[] = {"pengiriman", "menulis", "mempercepat", "keberhasilan",
                                        "bukunya", "perumahan", "ditulis", "penerimaan"};
    cari_stemmer *s = *state;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        char a[64], b[64];
        size_t n = cari_stemmer_stem(s, words[i], strlen(words[i]), a, sizeof a);
        size_t m = cari_stemmer_stem(s, a, n, b, sizeof b);
        assert_int_equal(n, m);
        assert_string_equal(a, b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roots_not_cut),
        cmocka_unit_test(test_men_restoration),
        cmocka_unit_test(test_pen_restoration),
        cmocka_unit_test(test_plain_prefixes),
        cmocka_unit_test(test_second_prefix),
        cmocka_unit_test(test_clitics),
        cmocka_unit_test(test_suffixes),
        cmocka_unit_test(test_frozen),
        cmocka_unit_test(test_reduplication_full),
        cmocka_unit_test(test_reduplication_affixed),
        cmocka_unit_test(test_reduplication_partial),
        cmocka_unit_test(test_compounds),
        cmocka_unit_test(test_hyphenated_prefix_and_clitic),
        cmocka_unit_test(test_hyphenated_edges),
        cmocka_unit_test(test_empty_and_null),
        cmocka_unit_test(test_very_long_word),
        cmocka_unit_test(test_non_ascii),
        cmocka_unit_test(test_small_buffer),
        cmocka_unit_test(test_dictionary_and_signature),
        cmocka_unit_test(test_idempotent),
    };
    return cmocka_run_group_tests_name("stem", tests, setup, teardown);
}
