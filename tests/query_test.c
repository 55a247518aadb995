/*
 * query_test.c -- the query parser (src/query.c): the tree each piece of
 * the README's query language becomes, written by cari_query_describe(),
 * and the syntax errors with their columns.  search.c evaluates these
 * trees; tests/query.t checks what they find on corpus/.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "query.h"
#include "test_util.h"

typedef struct fixture {
    cari_analyzer *an;
    cari_arena arena;
    cari_buf out;
    cari_error err;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || cari_analyzer_new(&f->an, NULL) != CARI_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    cari_analyzer_free(f->an);
    cari_arena_free(&f->arena);
    cari_buf_free(&f->out);
    free(f);
    return 0;
}

/* The tree of text (all: CARI_SEARCH_ALL) as cari_query_describe() writes
 * it, "(nothing)" when no searchable word is left, or "error: MESSAGE". */
static const char *tree(fixture *f, const char *text, int all)
{
    cari_qnode *q = NULL;
    int rc;
    cari_arena_reset(&f->arena);
    f->out.len = 0;
    rc = cari_query_parse(f->an, text, strlen(text), all, &f->arena, &q,
                          &f->err);
    if (rc) {
        assert_int_equal(rc, CARI_ESYNTAX);
        assert_null(q);
        assert_int_equal(cari_buf_append(&f->out, "error: ", 7), CARI_OK);
        assert_int_equal(cari_buf_append(&f->out, f->err.message,
                                         strlen(f->err.message)), CARI_OK);
    } else {
        assert_int_equal(cari_query_describe(q, &f->out), CARI_OK);
    }
    assert_int_equal(cari_buf_append(&f->out, "", 1), CARI_OK);
    return (const char *)f->out.data;
}

#define EXPECT(text, want)                                                 \
    assert_string_equal(tree(*state, text, 0), want)
#define EXPECT_ALL(text, want)                                             \
    assert_string_equal(tree(*state, text, 1), want)

/* Free words, signs and the operators as they were before the fixes
 * below: these must not move. */
static void test_basics(void **state)
{
    EXPECT("banjir", "banjir");
    EXPECT("banjir rob", "BOOL((banjir rob))");
    EXPECT_ALL("banjir rob", "BOOL(+(banjir rob))");
    EXPECT("+gempa rumah", "BOOL(+(gempa) (rumah))");
    EXPECT("banjir -rob", "BOOL((banjir) -(rob))");
    EXPECT("banjir NOT rob", "BOOL((banjir) -(rob))");
    EXPECT("banjir AND rob", "BOOL(+(banjir rob))");
    EXPECT("banjir OR rob", "BOOL((banjir rob))");
    EXPECT("a1 OR b1 AND c1", "BOOL((a1 BOOL(+(b1 c1))))");
    EXPECT("(banjir OR gempa) AND NOT rob",
           "BOOL(+(BOOL((banjir gempa))) -(rob))");
    EXPECT("-(banjir OR gempa) rumah",
           "BOOL((rumah) -(BOOL((banjir gempa))))");
    EXPECT("-banjir", "(nothing)");
    EXPECT("yang dan", "(nothing)");
    EXPECT("\"kereta cepat\"", "\"kereta@0 cepat@1\"");
    EXPECT("rumah NEAR/3 rusak", "NEAR/3(rumah rusak)");
    EXPECT("AND banjir",
           "error: query error at column 1: an operator needs a word before it");
    EXPECT("banjir AND",
           "error: query error at column 11: a word is missing at the end");
}

/* A sign (-, NOT, +) belongs to its own operand, never to the whole AND
 * chain around it (found by review: "banjir AND -rob" required rob,
 * "-rob AND banjir" excluded banjir too). */
static void test_sign_binds_to_its_operand(void **state)
{
    EXPECT("banjir AND -rob", "BOOL(+(banjir) -(rob))");
    EXPECT("banjir AND NOT rob", "BOOL(+(banjir) -(rob))");
    EXPECT("-rob AND banjir", "BOOL(+(banjir) -(rob))");
    EXPECT("NOT rob AND banjir", "BOOL(+(banjir) -(rob))");
    EXPECT("+banjir AND rob", "BOOL(+(banjir rob))");
    EXPECT("banjir AND -rob AND gempa", "BOOL(+(banjir gempa) -(rob))");
    EXPECT("-rob AND -pasang", "(nothing)");
    EXPECT("gempa -rob AND banjir",
           "BOOL((gempa BOOL(+(banjir) -(rob))))");
    EXPECT_ALL("gempa -rob AND banjir",
               "BOOL(+(gempa BOOL(+(banjir) -(rob))))");
    /* AND binds tighter than OR: the exclusion stays in its AND */
    EXPECT("gempa OR banjir AND NOT rob",
           "BOOL((gempa BOOL(+(banjir) -(rob))))");
    EXPECT("NOT rob AND banjir OR gempa",
           "BOOL((BOOL(+(banjir) -(rob)) gempa))");
}

/* An exclusion in brackets excludes where the brackets stand (found by
 * review: "banjir AND (NOT rob)" dropped it). */
static void test_exclusion_in_brackets(void **state)
{
    EXPECT("banjir AND (NOT rob)", "BOOL(+(banjir) -(rob))");
    EXPECT("banjir AND (-rob)", "BOOL(+(banjir) -(rob))");
    EXPECT("(NOT rob) AND banjir", "BOOL(+(banjir) -(rob))");
    EXPECT("banjir AND (NOT rob NOT pasang)", "BOOL(+(banjir) -(rob pasang))");
    EXPECT("banjir (NOT rob)", "BOOL((banjir) -(rob))");
    EXPECT("(banjir NOT rob)", "BOOL((banjir) -(rob))");
    EXPECT("(NOT rob)", "(nothing)");
    EXPECT("NOT (banjir AND rob) gempa",
           "BOOL((gempa) -(BOOL(+(banjir rob))))");
}

/* NOT or '-' as one side of OR is refused with its column: "banjir OR NOT
 * rob" would literally be every passage but those with only rob, which
 * nobody means (it searched the word "not" before). */
static void test_negation_in_or(void **state)
{
    EXPECT("banjir OR NOT rob",
           "error: query error at column 11: NOT or '-' cannot be one side "
           "of OR: write 'a -b' to exclude b");
    EXPECT("banjir OR -rob",
           "error: query error at column 11: NOT or '-' cannot be one side "
           "of OR: write 'a -b' to exclude b");
    EXPECT("-rob OR banjir",
           "error: query error at column 1: NOT or '-' cannot be one side "
           "of OR: write 'a -b' to exclude b");
    EXPECT("banjir OR (NOT rob)",
           "error: query error at column 11: NOT or '-' cannot be one side "
           "of OR: write 'a -b' to exclude b");
    EXPECT("(banjir OR gempa) -rob",
           "BOOL((BOOL((banjir gempa))) -(rob))");
}

/* An operator word where a word should be is an error at its column
 * (found by review: "a OR OR b" searched the word "or", "(NOT)" blamed
 * brackets that match). */
static void test_operator_as_operand(void **state)
{
    EXPECT("banjir OR OR rob",
           "error: query error at column 11: OR stands where a word should "
           "be (write or in lower case to search for it)");
    EXPECT("banjir AND AND rob",
           "error: query error at column 12: AND stands where a word should "
           "be (write and in lower case to search for it)");
    EXPECT("banjir AND NOT NOT rob",
           "error: query error at column 16: NOT stands where a word should "
           "be (write not in lower case to search for it)");
    EXPECT("banjir NEAR/3 OR rob",
           "error: query error at column 15: OR stands where a word should "
           "be (write or in lower case to search for it)");
    EXPECT("(NOT)", "error: query error at column 5: a word is missing here");
    EXPECT("(banjir AND)",
           "error: query error at column 12: a word is missing here");
    EXPECT("banjir AND )",
           "error: query error at column 12: ')' without a matching '('");
    EXPECT("banjir NOT",
           "error: query error at column 11: a word is missing at the end");
    EXPECT("banjir or rob", "BOOL((banjir or rob))");
}

/* Numbers, dates and codes match as written, as the README says (found by
 * review: "14/9/2019" matched any passage with a 9, "COVID-19" any with a
 * 19); a compound of letters still finds its parts. */
static void test_numbers_as_written(void **state)
{
    EXPECT("14/9/2019", "14/9/2019");
    EXPECT("COVID-19", "covid-19");
    EXPECT("2020-an", "2020-an");
    EXPECT("G20", "g20");
    EXPECT("10:30", "10.30");
    EXPECT("Rp200.000", "\"rp@0 200000@1\"");
    EXPECT("bolak-balik", "BOOL((bolak-balik bolak balik))");
    EXPECT("14/9/2019 orang", "BOOL((14/9/2019 orang))");
}

/* A phrase of more than 64 words is a syntax error at its quote (found by
 * review: the search failed with a bare "invalid argument"). */
static void test_long_phrase(void **state)
{
    fixture *f = *state;
    char text[1024];
    size_t n = 0, i;
    n += (size_t)snprintf(text + n, sizeof text - n, "banjir \"");
    for (i = 0; i < 64; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "%sk%zu",
                              i ? " yang " : "", i);
    snprintf(text + n, sizeof text - n, "\"");
    assert_int_equal(strncmp(tree(f, text, 0), "BOOL((banjir \"k0@0 k1@2 ", 24),
                     0);
    snprintf(text + n, sizeof text - n, " k64\"");
    EXPECT(text, "error: query error at column 8: a phrase holds at most 64 "
                 "words");
    EXPECT("title:\"a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 a12 a13 a14 a15 a16 "
           "a17 a18 a19 a20 a21 a22 a23 a24 a25 a26 a27 a28 a29 a30 a31 a32 "
           "a33 a34 a35 a36 a37 a38 a39 a40 a41 a42 a43 a44 a45 a46 a47 a48 "
           "a49 a50 a51 a52 a53 a54 a55 a56 a57 a58 a59 a60 a61 a62 a63 a64 "
           "a65\"",
           "error: query error at column 7: a phrase holds at most 64 words");
    /* one word of 65 parts, searched as their phrase: its error points at
     * the word, with no quote before it (found by query_fuzz: at column 1
     * the error's offset was -1, and the parser crashed) */
    n = 0;
    for (i = 0; i < 65; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "%sk%zu",
                              i ? "," : "", i);
    EXPECT(text, "error: query error at column 1: a word of more than 64 "
                 "parts is too long (its parts are searched as a phrase, of "
                 "at most 64 words)");
    memmove(text + 7, text, n + 1);
    memcpy(text, "banjir ", 7);
    EXPECT(text, "error: query error at column 8: a word of more than 64 "
                 "parts is too long (its parts are searched as a phrase, of "
                 "at most 64 words)");
    text[7 + n - 4] = '\0';  /* k0..k63: 64 parts, a phrase of them */
    assert_int_equal(strncmp(tree(f, text, 0), "BOOL((banjir \"k0@0 k1@1 ",
                             24), 0);
}

/* NEAR/n takes a whole number, nothing glued to it (found by review:
 * "NEAR/3x" was NEAR/3 of rumah and x). */
static void test_near_distance(void **state)
{
    EXPECT("rumah NEAR/3x rusak",
           "error: query error at column 11: NEAR/n wants n from 1 to 1000");
    EXPECT("rumah NEAR/3.5 rusak",
           "error: query error at column 11: NEAR/n wants n from 1 to 1000");
    EXPECT("(rumah NEAR/3)",
           "error: query error at column 14: a word is missing here");
    EXPECT("rumah NEAR/ rusak",
           "error: query error at column 11: NEAR/n wants n from 1 to 1000");
    EXPECT("rumah NEAR/3 rusak", "NEAR/3(rumah rusak)");
    EXPECT("rumah NEAR/3(rusak)", "NEAR/3(rumah rusak)");
    EXPECT("(rumah NEAR/3 rusak)", "NEAR/3(rumah rusak)");
    EXPECT("rumah NEAR rusak", "NEAR/10(rumah rusak)");
}

/* A sign belongs before a NEAR group, a field or an exact form, not
 * inside them (found by review: "rusak NEAR/3 -rumah" and "banjir
 * title:-rob" dropped the '-' and searched rumah and rob, ranking first
 * what was to be left out). */
static void test_sign_inside(void **state)
{
    EXPECT("rusak NEAR/3 -rumah",
           "error: query error at column 14: a sign cannot stand inside "
           "NEAR: '-' or '+' before its first word applies to the group");
    EXPECT("rusak NEAR +rumah",
           "error: query error at column 12: a sign cannot stand inside "
           "NEAR: '-' or '+' before its first word applies to the group");
    EXPECT("rusak NEAR/3 -(rumah)",
           "error: query error at column 14: a sign cannot stand inside "
           "NEAR: '-' or '+' before its first word applies to the group");
    EXPECT("banjir title:-rob",
           "error: query error at column 14: a sign goes before the field "
           "or '=': write -title:word, -=word");
    EXPECT("banjir =+rob",
           "error: query error at column 9: a sign goes before the field "
           "or '=': write -title:word, -=word");
    EXPECT("-rumah NEAR/3 rusak", "(nothing)");
    EXPECT("gempa -rumah NEAR/3 rusak",
           "BOOL((gempa) -(NEAR/3(rumah rusak)))");
    EXPECT("banjir -title:rob", "BOOL((banjir) -(title:rob))");
    EXPECT("banjir --rob", "BOOL((banjir) -(rob))");
}

/* Lucene's boosts and fuzzy words are not supported (README), and say
 * so (found by review: "banjir^2" and "banjir~2" searched the phrase
 * "banjir 2" and found nothing, exit 1; '"kereta cepat"~3' added the
 * word 3).  Quoted, or with no word before them, they are text. */
static void test_boost_fuzzy(void **state)
{
    EXPECT("banjir^2",
           "error: query error at column 7: boosts (^) are not supported: "
           "remove it, or quote the text to search it as written");
    EXPECT("banjir^0.5 jakarta",
           "error: query error at column 7: boosts (^) are not supported: "
           "remove it, or quote the text to search it as written");
    EXPECT("\"kereta cepat\"^2",
           "error: query error at column 15: boosts (^) are not supported: "
           "remove it, or quote the text to search it as written");
    EXPECT("(banjir OR rob)^2",
           "error: query error at column 16: boosts (^) are not supported: "
           "remove it, or quote the text to search it as written");
    EXPECT("banjir~",
           "error: query error at column 7: fuzzy words and phrase slop (~) "
           "are not supported (NEAR/n allows a distance)");
    EXPECT("banjir~2",
           "error: query error at column 7: fuzzy words and phrase slop (~) "
           "are not supported (NEAR/n allows a distance)");
    EXPECT("\"kereta cepat\"~3",
           "error: query error at column 15: fuzzy words and phrase slop (~) "
           "are not supported (NEAR/n allows a distance)");
    /* not an operator: numbers, a sign in the middle, quoted text */
    EXPECT("10^6", "\"10@0 6@1\"");
    EXPECT("\"x^2\"", "\"x@0 2@1\"");
    EXPECT("a~b", "\"a@0 b@1\"");
}

/* A query's terms past the parser's limit (1024) are not searched, and a
 * prefix counts as the 64 terms it expands to (found by review: prefixes
 * were never cut, so a 300 KB query of "a* a* ..." expanded 100,000
 * prefixes of 64 terms each, for minutes and gigabytes; then 300 of them,
 * each counted as one, still took 11 s). */
static void test_term_limit(void **state)
{
    fixture *f = *state;
    static char text[40000];
    const char *d;
    size_t n = 0, i, stars = 0, words = 0;
    for (i = 0; i < 3000; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "p%zu* ", i);
    for (d = tree(f, text, 0); *d; d++)
        stars += *d == '*';
    assert_int_equal(stars, 16);  /* each counts as its 64 expansions */
    /* words and prefixes share the limit: 1000 words leave room for
     * 0 prefixes of 64, 960 for 1 */
    n = 0;
    for (i = 0; i < 960; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "w%zu ", i);
    n += (size_t)snprintf(text + n, sizeof text - n, "pa* pb*");
    stars = 0;
    for (d = tree(f, text, 0); *d; d++)
        stars += *d == '*';
    assert_int_equal(stars, 1);
    n = 0;
    for (i = 0; i < 3000; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "w%zu ", i);
    for (d = tree(f, text, 0); *d; d++)
        words += *d == 'w';
    assert_int_equal(words, 1024);
}

/* Punctuation after a prefix's '*' ends it as it ends a word (found by
 * review: "pemil*?" searched the word "pemil"). */
static void test_prefix_before_punctuation(void **state)
{
    EXPECT("pemil*", "pemil*");
    EXPECT("pemil*?", "pemil*");
    EXPECT("title:pemil*.", "title:pemil*");
    EXPECT("pemil*, banjir", "BOOL((pemil* banjir))");
    EXPECT("pemil*?!", "pemil*");
}

/* A NEAR group's words are in one field, the one all of them allow
 * (found by review: the group took its first word's field, so
 * "rumah NEAR/3 title:rusak" matched rusak in passage text). */
static void test_near_fields(void **state)
{
    EXPECT("title:rumah NEAR/3 rusak", "title:NEAR/3(rumah rusak)");
    EXPECT("rumah NEAR/3 title:rusak", "title:NEAR/3(rumah rusak)");
    EXPECT("body:rumah NEAR/3 rusak NEAR/3 body:roboh",
           "body:NEAR/3(rumah rusak roboh)");
    EXPECT("rumah NEAR/3 rusak NEAR/3 title:roboh",
           "title:NEAR/3(rumah rusak roboh)");
    EXPECT("body:rumah NEAR/3 title:rusak",
           "error: query error at column 12: NEAR joins words of one field");
    EXPECT("yang NEAR/3 title:rusak", "title:rusak");
}

/* A prefix's words (both backends gather them so): each word once, its
 * frequencies summed; the most frequent kept, ties in byte order
 * whatever order they came in; gathering stops at its bound. */
static void test_prefix_words(void **state)
{
    fixture *f = *state;
    cari_prefix_words w;
    char word[32];
    size_t i, keep;
    int rc = CARI_OK;
    memset(&w, 0, sizeof w);
    w.arena = &f->arena;
    /* met in two segments (or fields, shards): 3 + 4 */
    assert_int_equal(cari_prefix_words_add(&w, "banjir", 6, 3), CARI_OK);
    assert_int_equal(cari_prefix_words_add(&w, "bantu", 5, 5), CARI_OK);
    assert_int_equal(cari_prefix_words_add(&w, "=banjir", 7, 2), CARI_OK);
    assert_int_equal(cari_prefix_words_add(&w, "bank", 4, 5), CARI_OK);
    assert_int_equal(cari_prefix_words_add(&w, "banjir", 6, 4), CARI_OK);
    assert_int_equal(w.n, 4);
    keep = cari_prefix_words_first(&w, 3);
    assert_int_equal(keep, 3);
    assert_string_equal(w.items[0].term, "banjir");
    assert_int_equal(w.items[0].df, 7);
    assert_string_equal(w.items[1].term, "bank"); /* 5, before bantu */
    assert_string_equal(w.items[2].term, "bantu");
    cari_prefix_words_free(&w);
    /* many words (the hash grows), the same frequency: byte order */
    memset(&w, 0, sizeof w);
    w.arena = &f->arena;
    for (i = 1000; i-- > 0;) {
        snprintf(word, sizeof word, "kata%04zu", i);
        assert_int_equal(cari_prefix_words_add(&w, word, strlen(word), 1),
                         CARI_OK);
    }
    assert_int_equal(cari_prefix_words_add(&w, "kata0500", 8, 1), CARI_OK);
    assert_int_equal(w.n, 1000);
    keep = cari_prefix_words_first(&w, CARI_Q_PREFIX_TERMS);
    assert_int_equal(keep, CARI_Q_PREFIX_TERMS);
    assert_string_equal(w.items[0].term, "kata0500"); /* met twice */
    for (i = 1; i < keep; i++) {
        snprintf(word, sizeof word, "kata%04zu", i - 1);
        assert_string_equal(w.items[i].term, word);
    }
    cari_prefix_words_free(&w);
    /* the bound */
    memset(&w, 0, sizeof w);
    w.arena = &f->arena;
    for (i = 0; i < CARI_Q_PREFIX_GATHER && rc == CARI_OK; i++) {
        snprintf(word, sizeof word, "w%zu", i);
        rc = cari_prefix_words_add(&w, word, strlen(word), 1);
    }
    assert_int_equal(rc, 1);
    assert_int_equal(w.n, CARI_Q_PREFIX_GATHER);
    cari_prefix_words_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_basics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sign_binds_to_its_operand, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_exclusion_in_brackets, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_negation_in_or, setup, teardown),
        cmocka_unit_test_setup_teardown(test_operator_as_operand, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_numbers_as_written, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_long_phrase, setup, teardown),
        cmocka_unit_test_setup_teardown(test_near_distance, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sign_inside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_boost_fuzzy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_term_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_near_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prefix_before_punctuation, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_prefix_words, setup, teardown),
    };
    TEST_FILTER_FROM_ENV();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
