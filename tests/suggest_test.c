/*
 * suggest_test.c -- spelling suggestions (cari_suggest) through the public
 * API: which words of a query are considered (operators, excluded words,
 * prefixes, short words and numbers are not), the distance bounds
 * (transpositions count once), ranking (nearest, then most frequent), the
 * max_df threshold, capitalisation and the corrected query, and several
 * segments counted as one vocabulary (the same corrections and counts as
 * one segment of the same articles).
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "cari.h"
#include "test_util.h"

typedef struct fixture {
    char dir[256];
    char ix[300];
    cari_index *index;
} fixture;

static void add(cari_writer *w, const char *id, const char *text)
{
    cari_article a;
    memset(&a, 0, sizeof a);
    a.id = id;
    a.id_len = strlen(id);
    a.title = "";
    a.text = text;
    a.text_len = strlen(text);
    if (cari_writer_add(w, &a) != CARI_OK)
        fail_msg("cari_writer_add(%s): %s", id, cari_writer_errmsg(w));
}

/* Two commits, two segments: "jakarta" 4 times, "jakarda" once (a typo in
 * the collection), "banjir" 3 times, "banjar" once, "menulis" (indexed as
 * tulis and =menulis) twice, "kapal" once (and no "kapan"), "ibukita"
 * and "ibu kota" once (and no "ibukota"). */
static int setup(void **state)
{
    static const char *const first[] = {
        "banjir melanda jakarta", "banjir besar di jakarta utara",
        "anak menulis surat", "kota banjar di jawa barat"};
    static const char *const second[] = {
        "jakarta macet lagi", "jakarta dan banjir", "ibu menulis buku",
        "jakarda salah ketik", "pemilu 2019 digelar",
        "kapal tenggelam di laut", "ibukita dekat ibu kota"};
    fixture *f = calloc(1, sizeof *f);
    cari_writer_options o = CARI_WRITER_OPTIONS_INIT;
    cari_writer *w;
    cari_error err;
    char id[16];
    size_t i;
    int round;
    if (!f || test_mkdtemp(f->dir, sizeof f->dir) != 0)
        return -1;
    snprintf(f->ix, sizeof f->ix, "%s/index", f->dir);
    o.sync = 0;
    for (round = 0; round < 2; round++) {
        const char *const *texts = round ? second : first;
        size_t n = round ? 7 : 4;
        if (cari_writer_open(f->ix, &o, &w, &err) != CARI_OK)
            return -1;
        for (i = 0; i < n; i++) {
            snprintf(id, sizeof id, "%d-%zu", round, i);
            add(w, id, texts[i]);
        }
        if (round) {
            /* a title's stopwords are indexed as "~word" (segment.c) */
            cari_article a;
            memset(&a, 0, sizeof a);
            a.id = "titled";
            a.id_len = 6;
            a.title = "Banjir dengan Longsor untuk Warga";
            a.title_len = strlen(a.title);
            a.text = "warga mengungsi";
            a.text_len = strlen(a.text);
            if (cari_writer_add(w, &a) != CARI_OK)
                return -1;
        }
        if (cari_writer_commit(w) != CARI_OK)
            return -1;
        cari_writer_close(w);
    }
    if (cari_index_open(f->ix, &f->index, &err) != CARI_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    cari_index_close(f->index);
    test_rmtree(f->dir);
    free(f);
    return 0;
}

/* The corrected query for q ("" when none), and the number of words
 * considered in *n. */
static const char *fix(fixture *f, const char *q, unsigned flags,
                       uint64_t max_df, size_t *n, char *buf, size_t cap)
{
    cari_suggestions *s = NULL;
    const char *c;
    size_t len;
    assert_int_equal(cari_suggest(f->index, q, strlen(q), flags, max_df, &s),
                     CARI_OK);
    c = cari_suggestions_query(s, &len);
    snprintf(buf, cap, "%.*s", c ? (int)len : 0, c ? c : "");
    if (n)
        *n = cari_suggestions_count(s);
    cari_suggestions_free(s);
    return buf;
}

static void test_words_considered(void **state)
{
    fixture *f = *state;
    char buf[256];
    size_t n;
    assert_string_equal(fix(f, "jakrta", 0, 0, &n, buf, sizeof buf),
                        "jakarta");
    assert_int_equal(n, 1);
    assert_string_equal(fix(f, "banjir jakrta", 0, 0, &n, buf, sizeof buf),
                        "banjir jakarta");
    assert_int_equal(n, 1);  /* banjir is in the index */
    assert_string_equal(fix(f, "-jakrta banjir", 0, 0, &n, buf, sizeof buf),
                        "");
    assert_int_equal(n, 0);
    assert_string_equal(fix(f, "banjir NOT jakrta", 0, 0, &n, buf, sizeof buf),
                        "");
    assert_string_equal(fix(f, "banjir -(jakrta OR bnajir)", 0, 0, &n, buf,
                            sizeof buf), "");
    assert_string_equal(fix(f, "jakrta*", 0, 0, &n, buf, sizeof buf), "");
    assert_string_equal(fix(f, "title:jakrta", 0, 0, &n, buf, sizeof buf),
                        "title:jakarta");
    assert_string_equal(fix(f, "(banjir AND jakrta) OR =jakrta", 0, 0, &n, buf,
                            sizeof buf), "(banjir AND jakarta) OR =jakarta");
    assert_string_equal(fix(f, "banjir NEAR/3 jakrta", 0, 0, &n, buf,
                            sizeof buf), "banjir NEAR/3 jakarta");
    assert_string_equal(fix(f, "\"banjir di jakrta\"", 0, 0, &n, buf,
                            sizeof buf), "\"banjir di jakarta\"");
    /* with PLAIN, operators are words: "-jakrta" is a word */
    assert_string_equal(fix(f, "-jakrta", CARI_SEARCH_PLAIN, 0, &n, buf,
                            sizeof buf), "-jakarta");
    /* short words and numbers are left alone */
    assert_string_equal(fix(f, "kta 2091 jkt", 0, 0, &n, buf, sizeof buf), "");
    assert_int_equal(n, 0);
    /* stopwords too */
    assert_string_equal(fix(f, "yang dan", 0, 0, &n, buf, sizeof buf), "");
    assert_int_equal(n, 0);
}

static void test_distance_and_ranking(void **state)
{
    fixture *f = *state;
    cari_suggestions *s = NULL;
    cari_suggestion w;
    char buf[256];
    /* a transposition is one edit */
    assert_string_equal(fix(f, "jakatra", 0, 0, NULL, buf, sizeof buf),
                        "jakarta");
    /* two edits for a long word, none beyond */
    assert_string_equal(fix(f, "jkrta", 0, 0, NULL, buf, sizeof buf),
                        "jakarta");
    assert_string_equal(fix(f, "jkrtaa", 0, 0, NULL, buf, sizeof buf), "");
    /* a 4-letter word gets one edit only: "bnjr" is two from "banjir" */
    assert_string_equal(fix(f, "bnjr", 0, 0, NULL, buf, sizeof buf), "");
    /* the exact form of an inflected word, not its stem */
    assert_string_equal(fix(f, "menulsi", 0, 0, NULL, buf, sizeof buf),
                        "menulis");
    /* nearest first, then most frequent: banjir (3) before banjar (1) at
     * distance 1 from "banjor" */
    assert_int_equal(cari_suggest(f->index, "banjor", 6, 0, 0, &s), CARI_OK);
    assert_int_equal(cari_suggestions_count(s), 1);
    assert_int_equal(cari_suggestions_get(s, 0, &w), CARI_OK);
    assert_int_equal(w.start, 0);
    assert_int_equal(w.end, 6);
    assert_int_equal(w.df, 0);
    assert_true(w.count >= 2);
    assert_string_equal(w.alternatives[0], "banjir");
    assert_string_equal(w.alternatives[1], "banjar");
    assert_int_equal(w.distance[0], 1);
    assert_true(w.alternative_df[0] > w.alternative_df[1]);
    assert_int_equal(cari_suggestions_get(s, 1, &w), CARI_EINVAL);
    cari_suggestions_free(s);
}

static void test_max_df_and_case(void **state)
{
    fixture *f = *state;
    char buf[256];
    size_t n;
    /* "jakarda" is in the index once: not considered with max_df 0 */
    assert_string_equal(fix(f, "jakarda", 0, 0, &n, buf, sizeof buf), "");
    assert_int_equal(n, 0);
    /* with max_df 1 it is, and "jakarta" (4) occurs more often */
    assert_string_equal(fix(f, "jakarda", 0, 1, &n, buf, sizeof buf),
                        "jakarta");
    /* but a frequent word is never "corrected" to a rarer one */
    assert_string_equal(fix(f, "jakarta", 0, 10, &n, buf, sizeof buf), "");
    /* capitalisation follows the query */
    assert_string_equal(fix(f, "Jakrta BANJIRR", 0, 0, &n, buf, sizeof buf),
                        "Jakarta BANJIR");
    assert_int_equal(n, 2);
}

/* The query cari_search searched: NULL when as written. */
static const char *searched(fixture *f, const char *q, unsigned flags,
                            size_t *nhits)
{
    static char buf[256];
    cari_search_options o = CARI_SEARCH_OPTIONS_INIT;
    cari_hits *h = NULL;
    const char *s;
    size_t len;
    o.flags |= flags;
    if (cari_search(f->index, q, strlen(q), &o, &h) != CARI_OK)
        fail_msg("cari_search(%s): %s", q, cari_index_errmsg(f->index));
    *nhits = cari_hits_count(h);
    s = cari_hits_query(h, &len);
    if (s) {
        assert_true(len < sizeof buf);
        memcpy(buf, s, len);
        buf[len] = '\0';
    }
    cari_hits_free(h);
    return s ? buf : NULL;
}

/* cari_search corrects a question's words the index does not hold (the
 * built-in model says so for questions), not the words it holds, however
 * rarely and however few passages match; never a keyword query's, nor
 * with CARI_SEARCH_AS_WRITTEN. */
static void test_search_corrects_questions(void **state)
{
    fixture *f = *state;
    size_t n;
    const char *q;
    q = searched(f, "apa yang melanda jakrta", 0, &n);
    assert_non_null(q);
    assert_string_equal(q, "apa yang melanda jakarta");
    assert_true(n >= 4);
    assert_null(searched(f, "apa yang melanda jakrta", CARI_SEARCH_AS_WRITTEN,
                         &n));
    assert_int_equal(n, 1); /* "melanda" alone */
    assert_null(searched(f, "melanda jakrta", 0, &n));
    assert_null(searched(f, "apa yang melanda jakarta", 0, &n));
    /* "jakarda" is in the index once: searched as written even when it
     * is all the question asks for (--did-you-mean still suggests
     * "jakarta" then: test_max_df_and_case) */
    assert_null(searched(f, "apa itu jakarda", 0, &n));
    assert_int_equal(n, 1);
    assert_null(searched(f, "apa itu jakarda di jakarta saat banjir", 0, &n));
    assert_true(n >= 5);
    /* a question word is never corrected, held or not ("kapan" is not
     * in the index; "kapal" is) */
    assert_null(searched(f, "kapan kapal tenggelam", 0, &n));
    q = searched(f, "kapan kapal tenggelm", 0, &n);
    assert_non_null(q);
    assert_string_equal(q, "kapan kapal tenggelam");
    /* nor a word of the language the index lacks ("kapak", a root of the
     * dictionary, is not a typo of "kapal") */
    assert_null(searched(f, "apa itu kapak", 0, &n));
    /* nor two of them written as one where the index holds them as a
     * pair ("ibukota": ibu kota, not a typo of "ibukita"); a typo that
     * splits into roots the index does not pair ("jakatra": jaka + tra)
     * is corrected (test_distance_and_ranking) */
    assert_null(searched(f, "apa itu ibukota", 0, &n));
    q = searched(f, "apa itu ibukoto", 0, &n);
    assert_non_null(q);
    assert_string_equal(q, "apa itu ibukita");
}

/* The "~word" terms of titles' stopwords are no words to suggest. */
static void test_no_title_stopwords(void **state)
{
    fixture *f = *state;
    static const char *const words[] = {"xdengan", "kuntuk", "dengann"};
    size_t q, i, k;
    for (q = 0; q < sizeof words / sizeof *words; q++) {
        cari_suggestions *s = NULL;
        assert_int_equal(cari_suggest(f->index, words[q], strlen(words[q]),
                                      0, 0, &s),
                         CARI_OK);
        for (i = 0; i < cari_suggestions_count(s); i++) {
            cari_suggestion x;
            assert_int_equal(cari_suggestions_get(s, i, &x), CARI_OK);
            for (k = 0; k < x.count; k++)
                if (x.alternative_len[k] && x.alternatives[k][0] == '~')
                    fail_msg("'%s' -> '%.*s'", words[q],
                             (int)x.alternative_len[k], x.alternatives[k]);
        }
        cari_suggestions_free(s);
    }
}

/* Words of more than 48 letters (suggest.c's MAX_LETTERS) are never
 * compared: neither such a query word nor such a word of the index.  The
 * query fuzzer found the first code point past the limit written one
 * past the end of a stack array (make check: AddressSanitizer). */
static void test_long_words(void **state)
{
    fixture *f = *state;
    cari_writer_options o = CARI_WRITER_OPTIONS_INIT;
    cari_writer *w;
    cari_index *ix;
    cari_suggestions *s = NULL;
    cari_error err;
    char dir[320], word[64], q[128];
    size_t i, len;
    const char *c;
    for (i = 0; i < 49; i++)
        word[i] = "zyxw"[i % 4];
    word[49] = '\0';
    snprintf(dir, sizeof dir, "%s/long", f->dir);
    o.sync = 0;
    assert_int_equal(cari_writer_open(dir, &o, &w, &err), CARI_OK);
    add(w, "long", word);
    assert_int_equal(cari_writer_commit(w), CARI_OK);
    cari_writer_close(w);
    assert_int_equal(cari_index_open(dir, &ix, &err), CARI_OK);
    /* a query word of 50 and of 60 letters: not considered */
    snprintf(q, sizeof q, "%sq", word);
    assert_int_equal(cari_suggest(ix, q, strlen(q), 0, 0, &s), CARI_OK);
    assert_int_equal(cari_suggestions_count(s), 0);
    cari_suggestions_free(s);
    snprintf(q, sizeof q, "%s%.11s", word, word);
    assert_int_equal(cari_suggest(ix, q, strlen(q), 0, 0, &s), CARI_OK);
    assert_int_equal(cari_suggestions_count(s), 0);
    cari_suggestions_free(s);
    /* a word of 47 letters, 2 edits from the index's 49: considered, and
     * the index's word is no candidate */
    snprintf(q, sizeof q, "%.47s", word);
    assert_int_equal(cari_suggest(ix, q, strlen(q), 0, 0, &s), CARI_OK);
    assert_int_equal(cari_suggestions_count(s), 1);
    c = cari_suggestions_query(s, &len);
    assert_null(c);
    cari_suggestions_free(s);
    cari_index_close(ix);
}

/* The same articles in one segment or in two get the same corrections
 * and counts.  Found by review: a candidate was compared with the query
 * word's count one segment at a time ("banjar", once in each of two
 * segments, was no correction of "banjr", held once), and a word that is
 * both a stem (berkerjasama -> kerjasama) and an exact form (kerjasama ->
 * rjasama, =kerjasama) had its two counts combined in segment order (4
 * instead of 6). */
static void build(const char *dir, int commits)
{
    static const char *const texts[] = {
        "banjr di kota", "kota banjar", "kerjasama warga",
        "berkerjasama dengan desa", "berkerjasama lagi", "berkerjasama terus",
        "kota banjar lagi", "kerjasama lagi", "berkerjasama besok",
        "berkerjasama lusa", "berkerjasama pagi"};
    cari_writer_options o = CARI_WRITER_OPTIONS_INIT;
    cari_writer *w;
    cari_error err;
    char id[16];
    size_t i;
    o.sync = 0;
    assert_int_equal(cari_writer_open(dir, &o, &w, &err), CARI_OK);
    for (i = 0; i < 11; i++) {
        snprintf(id, sizeof id, "t%zu", i);
        add(w, id, texts[i]);
        if (commits == 2 && i == 5) {
            assert_int_equal(cari_writer_commit(w), CARI_OK);
        }
    }
    assert_int_equal(cari_writer_commit(w), CARI_OK);
    cari_writer_close(w);
}

static void test_segments_count_as_one(void **state)
{
    fixture *f = *state;
    int commits;
    for (commits = 1; commits <= 2; commits++) {
        cari_index *ix;
        cari_index_stats st;
        cari_suggestions *s = NULL;
        cari_suggestion w;
        cari_error err;
        char dir[320];
        snprintf(dir, sizeof dir, "%s/split%d", f->dir, commits);
        build(dir, commits);
        assert_int_equal(cari_index_open(dir, &ix, &err), CARI_OK);
        cari_index_get_stats(ix, &st);
        assert_int_equal(st.segments, (uint64_t)commits);
        /* "banjr" is held once: "banjar" (twice) occurs more often */
        assert_int_equal(cari_suggest(ix, "banjr", 5, 0, 1, &s), CARI_OK);
        assert_int_equal(cari_suggestions_get(s, 0, &w), CARI_OK);
        assert_int_equal(w.df, 1);
        assert_int_equal(w.count, 1);
        assert_string_equal(w.alternatives[0], "banjar");
        assert_int_equal(w.alternative_df[0], 2);
        cari_suggestions_free(s);
        /* kerjasama: 6 as a stem (berkerjasama), 2 as =kerjasama */
        assert_int_equal(cari_suggest(ix, "kerjasma", 8, 0, 0, &s), CARI_OK);
        assert_int_equal(cari_suggestions_get(s, 0, &w), CARI_OK);
        assert_true(w.count >= 1);
        assert_string_equal(w.alternatives[0], "kerjasama");
        assert_int_equal(w.alternative_df[0], 6);
        cari_suggestions_free(s);
        cari_index_close(ix);
    }
}

/* A word that only deleted articles hold is not in the index: no
 * correction (found by review: "pegunugan" was corrected to "pegunungan",
 * which only a deleted article held, and the corrected question matched
 * nothing); a query word that only they hold ("jakarda") is corrected as
 * one the index lacks.  The same as once a merge has dropped them. */
static void test_deleted_articles(void **state)
{
    static const char *const texts[] = {
        "teh manis hangat", "kopi gayo", "jakarta macet", "kota bogor",
        "kereta cepat", "sawah hijau", "gunung tinggi"};
    fixture *f = *state;
    cari_writer_options o = CARI_WRITER_OPTIONS_INIT;
    cari_writer *w;
    cari_index *ix;
    cari_index_stats st;
    cari_error err;
    char dir[320], buf[128], id[16];
    size_t i, n;
    int merged;
    snprintf(dir, sizeof dir, "%s/deleted", f->dir);
    o.sync = 0;
    assert_int_equal(cari_writer_open(dir, &o, &w, &err), CARI_OK);
    add(w, "gone", "pegunungan jakarda");
    for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        snprintf(id, sizeof id, "t%zu", i);
        add(w, id, texts[i]);
    }
    assert_int_equal(cari_writer_commit(w), CARI_OK);
    cari_writer_close(w);
    for (merged = 0; merged < 2; merged++) {
        assert_int_equal(cari_writer_open(dir, &o, &w, &err), CARI_OK);
        if (merged)
            assert_int_equal(cari_writer_merge(w, 1), CARI_OK);
        else
            assert_int_equal(cari_writer_delete(w, "gone", 4), CARI_OK);
        assert_int_equal(cari_writer_commit(w), CARI_OK);
        cari_writer_close(w);
        assert_int_equal(cari_index_open(dir, &ix, &err), CARI_OK);
        cari_index_get_stats(ix, &st);
        /* the deletion is still in the segment, then merged away */
        assert_int_equal(st.deleted, merged ? 0 : 1);
        cari_index_close(f->index);
        f->index = ix;
        assert_string_equal(fix(f, "pegunugan", 0, 0, &n, buf, sizeof buf),
                            "");
        assert_int_equal(n, 1);
        assert_string_equal(fix(f, "jakarda", 0, 0, &n, buf, sizeof buf),
                            "jakarta");
    }
}

/* cari.h: returned strings are NUL-terminated.  A suggestion's word
 * pointed into the query, so it ran on to the query's end (found by
 * review: "jakrta bnajir" gave the word "jakrta bnajir"). */
static void test_strings_nul_terminated(void **state)
{
    fixture *f = *state;
    cari_suggestions *s = NULL;
    cari_suggestion g;
    const char *q = "jakrta bnajir", *c;
    size_t i, k, len;
    assert_int_equal(cari_suggest(f->index, q, strlen(q), 0, 0, &s), CARI_OK);
    assert_int_equal(cari_suggestions_count(s), 2);
    for (i = 0; i < 2; i++) {
        assert_int_equal(cari_suggestions_get(s, i, &g), CARI_OK);
        assert_int_equal(g.word[g.word_len], '\0');
        assert_int_equal(strlen(g.word), g.word_len);
        assert_memory_equal(g.word, q + g.start, g.word_len);
        for (k = 0; k < g.count; k++)
            assert_int_equal(g.alternatives[k][g.alternative_len[k]], '\0');
    }
    assert_int_equal(cari_suggestions_get(s, 0, &g), CARI_OK);
    assert_string_equal(g.word, "jakrta");
    c = cari_suggestions_query(s, &len);
    assert_non_null(c);
    assert_int_equal(c[len], '\0');
    cari_suggestions_free(s);
}

static void test_bad_arguments(void **state)
{
    fixture *f = *state;
    cari_suggestions *s = (cari_suggestions *)1;
    assert_int_equal(cari_suggest(NULL, "x", 1, 0, 0, &s), CARI_EINVAL);
    assert_null(s);
    assert_int_equal(cari_suggest(f->index, NULL, 3, 0, 0, &s), CARI_EINVAL);
    assert_int_equal(cari_suggest(f->index, "", 0, 0, 0, &s), CARI_OK);
    assert_int_equal(cari_suggestions_count(s), 0);
    assert_null(cari_suggestions_query(s, NULL));
    cari_suggestions_free(s);
    cari_suggestions_free(NULL);
    assert_int_equal(cari_suggestions_count(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_words_considered, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_distance_and_ranking, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_max_df_and_case, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_search_corrects_questions, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_no_title_stopwords, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_long_words, setup, teardown),
        cmocka_unit_test_setup_teardown(test_segments_count_as_one, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_deleted_articles, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_strings_nul_terminated, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
    };
    TEST_FILTER_FROM_ENV();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
