/*
 * rank_test.c -- the second ranking stage (src/rank.c): the model file
 * format and its errors, the built-in model, query classes, and through
 * the public API: --explain's parts add up to the score, --group keeps
 * the best passages of each article and nothing else changes, the model
 * can be switched off or replaced, rankings page consistently, and
 * feedback changes only the hits past its keep; compound words are found
 * written either way.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "cari.h"
#include "rank.h"
#include "test_util.h"

/* ---- the model format ---- */

static cari_ranker *parse_ok(const char *text)
{
    cari_ranker *r = NULL;
    cari_error err;
    memset(&err, 0, sizeof err);
    if (cari_ranker_parse(text, strlen(text), &r, &err) != CARI_OK)
        fail_msg("parse: %s", err.message);
    assert_non_null(r);
    return r;
}

static void parse_bad(const char *text, const char *want)
{
    cari_ranker *r = (cari_ranker *)1;
    cari_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(cari_ranker_parse(text, strlen(text), &r, &err),
                     CARI_EINPUT);
    assert_null(r);
    if (!strstr(err.message, want))
        fail_msg("message '%s' lacks '%s'", err.message, want);
}

static void test_model_format(void **state)
{
    cari_ranker *r;
    (void)state;
    r = parse_ok("cari-ranker 1\n"
                 "# both classes\n"
                 "body.k1 0.9   # a comment after a value\n"
                 "weight.article 2.5\n"
                 "\n"
                 "[keyword]\n"
                 "depth 40\n"
                 "weight.title -1\n"
                 "[question]\n"
                 "depth 300\n"
                 "question_words 0\n");
    assert_true(r->cls[CARI_QCLASS_KEYWORD].body_k1 == 0.9);
    assert_true(r->cls[CARI_QCLASS_QUESTION].body_k1 == 0.9);
    assert_true(r->cls[CARI_QCLASS_QUESTION].weight[CARI_F_ARTICLE] == 2.5);
    assert_int_equal(r->cls[CARI_QCLASS_KEYWORD].depth, 40);
    assert_int_equal(r->cls[CARI_QCLASS_QUESTION].depth, 300);
    assert_true(r->cls[CARI_QCLASS_KEYWORD].weight[CARI_F_TITLE] == -1);
    assert_true(r->cls[CARI_QCLASS_QUESTION].weight[CARI_F_TITLE] == 0);
    assert_true(r->cls[CARI_QCLASS_QUESTION].question_words == 0);
    assert_true(r->cls[CARI_QCLASS_KEYWORD].question_words == 1);
    /* unset values keep the defaults: BM25 alone */
    assert_true(r->cls[CARI_QCLASS_KEYWORD].weight[CARI_F_BODY] == 1);
    assert_true(r->cls[CARI_QCLASS_KEYWORD].k1 == 1.2);
    cari_ranker_free(r);

    parse_bad("", "not a ranking model");
    parse_bad("# only a comment\n", "not a ranking model");
    parse_bad("depth 3\n", "line 1: the first line must be");
    parse_bad("cari-ranker 2\n", "line 1");
    parse_bad("cari-ranker 1\nweight.nonsense 1\n", "line 2: unknown key");
    parse_bad("cari-ranker 1\n\nbody.b 1.5\n", "line 3: value out of range");
    parse_bad("cari-ranker 1\ndepth 2.5\n", "out of range");
    parse_bad("cari-ranker 1\ndepth\n", "want \"key number\"");
    parse_bad("cari-ranker 1\ndepth 3 4\n", "want \"key number\"");
    parse_bad("cari-ranker 1\n[other]\n", "unknown section");
    cari_ranker_free(NULL);
}

/* The model shipped in src/ranking.model: it parses (built in and as a
 * file), both classes rerank, and every weight it names is a feature. */
static void test_builtin_model(void **state)
{
    const cari_ranker *b = cari_ranker_builtin();
    cari_ranker *f = NULL;
    cari_error err;
    int c;
    (void)state;
    assert_non_null(b);
    assert_ptr_equal(b, cari_ranker_builtin());  /* parsed once */
    memset(&err, 0, sizeof err);
    if (cari_ranker_load("src/ranking.model", &f, &err) != CARI_OK)
        fail_msg("src/ranking.model: %s", err.message);
    assert_memory_equal(b, f, sizeof *f);
    for (c = 0; c < CARI_NQCLASSES; c++)
        assert_true(b->cls[c].depth > 0);
    cari_ranker_free(f);
    assert_int_equal(cari_ranker_load("no/such/model", &f, &err),
                     CARI_ENOTFOUND);
    assert_null(f);
    assert_non_null(strstr(err.message, "no/such/model"));
}

static void test_classify(void **state)
{
    static const char *const questions[] = {
        "Siapa presiden pertama Indonesia?", "kapan candi borobudur dibangun",
        "Berapa jumlah penduduk Jakarta", "di mana letak danau toba",
        "Dimanakah Douwes Dekker meninggal", "mengapa langit biru",
        "Apakah ikan paus mamalia", "harimau sumatera?",
        "Bagaimana cara membuat tempe", "Kenapa harga beras naik"};
    static const char *const keywords[] = {
        "banjir jakarta", "menikah", "harga beras", "pemilu 2019",
        "apakabar", "Anies Baswedan", ""};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof questions / sizeof *questions; i++)
        if (cari_rank_classify(questions[i], strlen(questions[i])) !=
            CARI_QCLASS_QUESTION)
            fail_msg("'%s' is a question", questions[i]);
    for (i = 0; i < sizeof keywords / sizeof *keywords; i++) {
        if (cari_rank_classify(keywords[i], strlen(keywords[i])) !=
            CARI_QCLASS_KEYWORD)
            fail_msg("'%s': wrong class", keywords[i]);
    }
    assert_true(cari_rank_is_question_term("siapa", 5));
    assert_true(cari_rank_is_question_term("apa", 3));  /* mengapa -> apa */
    assert_false(cari_rank_is_question_term("banjir", 6));
}

/* ---- through the public API ---- */

typedef struct fixture {
    char dir[256];
    char ix[300];
    cari_index *index;
} fixture;

/* A small collection: articles of several passages (paragraphs) about a
 * few topics, some with the query words in the title. */
static int setup(void **state)
{
    static const char *const topics[] = {"banjir", "harga beras",
                                         "gempa bumi", "kereta api"};
    static const char *const places[] = {"Jakarta", "Bandung", "Padang",
                                         "Medan", "Surabaya"};
    fixture *f = calloc(1, sizeof *f);
    cari_writer_options o = CARI_WRITER_OPTIONS_INIT;
    cari_writer *w = NULL;
    cari_error err;
    char id[32], title[128], text[4096];
    int a, p;
    if (!f || test_mkdtemp(f->dir, sizeof f->dir) != 0)
        return -1;
    snprintf(f->ix, sizeof f->ix, "%s/index", f->dir);
    o.sync = 0;
    if (cari_writer_open(f->ix, &o, &w, &err) != CARI_OK)
        return -1;
    for (a = 0; a < 40; a++) {
        size_t n = 0;
        const char *topic = topics[a % 4], *place = places[a % 5];
        snprintf(id, sizeof id, "art-%02d", a);
        if (a % 3)
            snprintf(title, sizeof title, "%s melanda %s", topic, place);
        else
            snprintf(title, sizeof title, "Berita hari ini %d", a);
        for (p = 0; p < 1 + a % 5; p++)
            n += (size_t)snprintf(text + n, sizeof text - n,
                                  "%sParagraf %d tentang %s di %s. Warga %s "
                                  "mengatakan %s terjadi pada tahun %d dan "
                                  "petugas datang ke lokasi kejadian.",
                                  p ? "\n\n" : "", p, topic, place, place,
                                  p % 2 ? topic : "peristiwa itu", 2000 + a + p);
        test_add(w, id, title, text);
    }
    test_add(w, "tanya-1", "", "Gempa bumi besar melanda Padang pada tahun 2009.");
    /* for feedback: a passage with the words of the best ones for "kapan
     * gempa melanda Padang?" and none of the question's own */
    test_add(w, "lindu-1", "", "Gempa bumi melanda Padang: lindu dahsyat "
             "mengguncang kota, ribuan rumah roboh dan jembatan runtuh.");
    test_add(w, "lindu-2", "", "Lindu dahsyat mengguncang Sumatera Barat; "
             "ribuan rumah roboh, jembatan runtuh.");
    if (cari_writer_commit(w) != CARI_OK)
        return -1;
    cari_writer_close(w);
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

static cari_hits *run(cari_index *ix, const char *q, cari_search_options *o)
{
    cari_hits *h = NULL;
    int rc = cari_search(ix, q, strlen(q), o, &h);
    if (rc != CARI_OK)
        fail_msg("search '%s': %s (%s)", q, cari_strerror(rc),
                 cari_index_errmsg(ix));
    return h;
}

/* A writer on a new index ix (dir/index) in a new directory dir. */
static cari_writer *temp_writer(char *dir, size_t dcap, char *ix, size_t icap)
{
    cari_writer_options wo = CARI_WRITER_OPTIONS_INIT;
    cari_writer *w = NULL;
    cari_error err;
    assert_int_equal(test_mkdtemp(dir, dcap), 0);
    snprintf(ix, icap, "%s/index", dir);
    wo.sync = 0;
    assert_int_equal(cari_writer_open(ix, &wo, &w, &err), CARI_OK);
    return w;
}

/* Commit w, close it and open its index ix for searching. */
static cari_index *commit_and_open(cari_writer *w, const char *ix)
{
    cari_index *index = NULL;
    cari_error err;
    assert_int_equal(cari_writer_commit(w), CARI_OK);
    cari_writer_close(w);
    assert_int_equal(cari_index_open(ix, &index, &err), CARI_OK);
    return index;
}

static const char *const queries[] = {
    "banjir Jakarta", "harga beras Medan", "kapan gempa bumi melanda Padang?",
    "kereta", "\"kereta api\" Surabaya", "Siapa petugas yang datang ke lokasi?"};
#define NQUERIES (sizeof queries / sizeof *queries)

/* Explain: the parts of every hit's score sum to it, reranked or not. */
static void test_explain_sums(void **state)
{
    fixture *f = *state;
    size_t q, i, k;
    long rerank;
    for (rerank = -1; rerank <= 0; rerank++)
        for (q = 0; q < NQUERIES; q++) {
            cari_search_options o = CARI_SEARCH_OPTIONS_INIT;
            cari_hits *h;
            o.flags = CARI_SEARCH_EXPLAIN;
            o.limit = 50;
            o.rerank = rerank;
            h = run(f->index, queries[q], &o);
            assert_true(cari_hits_count(h) > 0);
            for (i = 0; i < cari_hits_count(h); i++) {
                cari_hit hit;
                double sum = 0;
                int named = 0;
                assert_int_equal(cari_hits_get(h, i, &hit), CARI_OK);
                assert_non_null(hit.explain);
                assert_true(hit.explain_count > 2);
                for (k = 0; k < hit.explain_count; k++) {
                    assert_non_null(hit.explain[k].name);
                    assert_true(isfinite(hit.explain[k].value));
                    sum += hit.explain[k].value * hit.explain[k].weight;
                    if (strcmp(hit.explain[k].name,
                               rerank ? "article" : "bm25.body") == 0)
                        named = 1;
                }
                assert_true(named);
                if (fabs(sum - hit.score) > 1e-9 * (1 + fabs(hit.score)))
                    fail_msg("'%s' hit %zu: parts sum to %.17g, score %.17g",
                             queries[q], i, sum, hit.score);
            }
            cari_hits_free(h);
        }
    /* without the flag, no explanation */
    {
        cari_search_options o = CARI_SEARCH_OPTIONS_INIT;
        cari_hits *h = run(f->index, "banjir", &o);
        cari_hit hit;
        assert_int_equal(cari_hits_get(h, 0, &hit), CARI_OK);
        assert_null(hit.explain);
        assert_int_equal(hit.explain_count, 0);
        cari_hits_free(h);
    }
}

/* --group N: at most N passages per article; the grouped ranking is the
 * ungrouped one with the extra passages left out. */
static void test_group(void **state)
{
    fixture *f = *state;
    size_t q, group;
    for (q = 0; q < NQUERIES; q++)
        for (group = 1; group <= 2; group++) {
            cari_search_options o = CARI_SEARCH_OPTIONS_INIT;
            cari_hits *all, *grouped;
            size_t i, j = 0, k, limit = 7;
            o.flags = 0;
            o.limit = 1000;
            o.group = 0;
            all = run(f->index, queries[q], &o);
            o.limit = limit;
            o.group = group;
            grouped = run(f->index, queries[q], &o);
            for (i = 0; i < cari_hits_count(grouped); i++) {
                cari_hit g, a;
                size_t same = 0;
                assert_int_equal(cari_hits_get(grouped, i, &g), CARI_OK);
                /* the next hit of the full ranking whose article has
                 * fewer than `group` hits so far */
                for (;;) {
                    size_t seen = 0;
                    assert_true(j < cari_hits_count(all));
                    cari_hits_get(all, j++, &a);
                    for (k = 0; k < i; k++) {
                        cari_hit p;
                        cari_hits_get(grouped, k, &p);
                        seen += strcmp(p.id, a.id) == 0;
                    }
                    if (seen < group)
                        break;
                }
                assert_string_equal(g.id, a.id);
                assert_int_equal(g.passage, a.passage);
                assert_true(g.score == a.score);
                for (k = 0; k <= i; k++) {
                    cari_hit p;
                    cari_hits_get(grouped, k, &p);
                    same += strcmp(p.id, g.id) == 0;
                }
                assert_true(same <= group);
            }
            /* as many hits as asked for, while there are articles */
            assert_int_equal(cari_hits_count(grouped), limit);
            cari_hits_free(all);
            cari_hits_free(grouped);
        }
}

/* Hit i of a is hit j of b: the same passage, the same score. */
static void assert_same_hit(const cari_hits *a, size_t i, const cari_hits *b,
                            size_t j)
{
    cari_hit x, y;
    assert_int_equal(cari_hits_get(a, i, &x), CARI_OK);
    assert_int_equal(cari_hits_get(b, j, &y), CARI_OK);
    assert_string_equal(x.id, y.id);
    assert_int_equal(x.passage, y.passage);
    assert_true(x.score == y.score);
}

/* The scores of h never increase. */
static void assert_scores_fall(const cari_hits *h)
{
    size_t i;
    for (i = 1; i < cari_hits_count(h); i++) {
        cari_hit x, y;
        cari_hits_get(h, i - 1, &x);
        cari_hits_get(h, i, &y);
        assert_true(x.score >= y.score);
    }
}

/* Pages of `page` hits of q (options o, any offset and limit) put
 * together give full, q's whole ranking. */
static void assert_pages_agree(cari_index *ix, const char *q,
                               cari_search_options o, const cari_hits *full,
                               size_t page)
{
    size_t i, off;
    for (off = 0; off < cari_hits_count(full); off += page) {
        cari_hits *h;
        o.limit = page;
        o.offset = off;
        h = run(ix, q, &o);
        for (i = 0; i < cari_hits_count(h); i++)
            assert_same_hit(h, i, full, off + i);
        cari_hits_free(h);
    }
}

/* Pages of a reranked ranking, also past the rerank depth, put together
 * give the whole ranking, with scores that never increase. */
static void test_rerank_paging(void **state)
{
    fixture *f = *state;
    cari_search_options o = CARI_SEARCH_OPTIONS_INIT;
    cari_hits *full;
    o.flags = 0;
    o.limit = 1000;
    o.rerank = 5;   /* shallower than the ranking */
    full = run(f->index, "banjir Jakarta tahun", &o);
    assert_true(cari_hits_count(full) > 20);
    assert_scores_fall(full);
    assert_pages_agree(f->index, "banjir Jakarta tahun", o, full, 3);
    cari_hits_free(full);
}

/* rerank 0 is the first stage alone: BM25 with the model's first-stage
 * parameters; a model given in the options replaces the built-in one. */
static void test_rerank_off_and_custom_model(void **state)
{
    fixture *f = *state;
    cari_search_options o = CARI_SEARCH_OPTIONS_INIT;
    cari_ranker *r;
    cari_hits *h, *g;
    size_t i;
    /* a model that ranks by passage position only */
    r = parse_ok("cari-ranker 1\ndepth 100\nweight.body 0\n"
                 "weight.position 1\n");
    o.flags = 0;
    o.limit = 20;
    o.group = 0;  /* the built-in model's keyword group, below, is 1 */
    o.ranker = r;
    h = run(f->index, "banjir", &o);
    for (i = 1; i < cari_hits_count(h); i++) {
        cari_hit x, y;
        cari_hits_get(h, i - 1, &x);
        cari_hits_get(h, i, &y);
        assert_true(x.score >= y.score);
        assert_true(x.passage <= y.passage);
    }
    cari_hits_free(h);
    /* with rerank 0 the same model orders by BM25 */
    o.rerank = 0;
    o.k1 = 1.2;
    o.b = 0.75;
    o.title_weight = 1;
    h = run(f->index, "banjir", &o);
    o.ranker = NULL;
    g = run(f->index, "banjir", &o);
    assert_int_equal(cari_hits_count(h), cari_hits_count(g));
    for (i = 0; i < cari_hits_count(h); i++) {
        cari_hit x, y;
        cari_hits_get(h, i, &x);
        cari_hits_get(g, i, &y);
        assert_string_equal(x.id, y.id);
        assert_true(x.score == y.score);
    }
    cari_hits_free(h);
    cari_hits_free(g);
    cari_ranker_free(r);
}

/* Feedback (a model with feedback.keep 3): the hits up to keep, their
 * number and the total are the question's own; past keep, a passage that holds none
 * of the question's words but the words of its best passages comes in;
 * pages agree with the whole ranking, scores never increase, --explain
 * says which hits feedback placed, and CARI_SEARCH_NO_FEEDBACK or a
 * keyword query leaves feedback out. */
static int has_id(const cari_hits *h, const char *id, size_t *at)
{
    size_t i;
    for (i = 0; i < cari_hits_count(h); i++) {
        cari_hit x;
        cari_hits_get(h, i, &x);
        if (strcmp(x.id, id) == 0) {
            if (at)
                *at = i;
            return 1;
        }
    }
    return 0;
}

static void test_feedback(void **state)
{
    fixture *f = *state;
    const char *q = "kapan gempa melanda Padang?";
    cari_search_options o = CARI_SEARCH_OPTIONS_INIT;
    cari_ranker *r;
    cari_hits *fb, *plain, *h;
    size_t i, at, keep = 3;
    r = parse_ok("cari-ranker 1\n[question]\ndepth 100\nfeedback.keep 3\n"
                 "feedback.docs 2\nfeedback.terms 6\nfeedback.depth 50\n"
                 "feedback.weight 0.8\nfeedback.fuse 2\n");
    assert_int_equal(r->cls[CARI_QCLASS_QUESTION].fb_keep, 3);
    assert_int_equal(r->cls[CARI_QCLASS_KEYWORD].fb_keep, 0);
    o.ranker = r;
    o.limit = 1000;
    o.flags = CARI_SEARCH_EXPLAIN;
    fb = run(f->index, q, &o);
    o.flags = CARI_SEARCH_EXPLAIN | CARI_SEARCH_NO_FEEDBACK;
    plain = run(f->index, q, &o);
    assert_true(cari_hits_count(plain) > keep);
    assert_int_equal(cari_hits_count(fb), cari_hits_count(plain));
    assert_int_equal(cari_hits_total(fb), cari_hits_total(plain));
    for (i = 0; i < keep; i++)
        assert_same_hit(fb, i, plain, i);
    /* lindu-2 shares no word with the question: only feedback finds it,
     * past keep, and says so */
    assert_false(has_id(plain, "lindu-2", NULL));
    assert_true(has_id(fb, "lindu-2", &at));
    assert_true(at >= keep);
    {
        cari_hit x;
        size_t k, named = 0;
        cari_hits_get(fb, at, &x);
        for (k = 0; k < x.explain_count; k++)
            named += strcmp(x.explain[k].name, "feedback") == 0;
        assert_int_equal(named, 1);
    }
    assert_scores_fall(fb);
    /* pages of 2, across keep, put together give the whole ranking */
    o.flags = 0;
    assert_pages_agree(f->index, q, o, fb, 2);
    /* a keyword query has no feedback in this model */
    o.offset = 0;
    o.limit = 1000;
    o.group = 0;
    h = run(f->index, "gempa Padang", &o);
    assert_false(has_id(h, "lindu-2", NULL));
    cari_hits_free(h);
    cari_hits_free(fb);
    cari_hits_free(plain);
    cari_ranker_free(r);
    parse_bad("cari-ranker 1\nfeedback.keep 2.5\n", "out of range");
    parse_bad("cari-ranker 1\nfeedback.docs 101\n", "out of range");
    parse_bad("cari-ranker 1\nfeedback.weight -1\n", "out of range");
}

/* The number of hits of q. */
static size_t count_of(cari_index *ix, const char *q, cari_search_options *o)
{
    cari_hits *h = run(ix, q, o);
    size_t n = cari_hits_count(h);
    cari_hits_free(h);
    return n;
}

/* Compound words: "ibukota" finds "ibu kota" when the collection writes it
 * so, "sepak bola" finds "sepakbola"; nothing is split without the pair in
 * the collection, nor joined across a stopword or out of order.  And a
 * word's exact form as a term of its own (exact_form). */
static void test_compounds(void **state)
{
    char dir[256], ix[300];
    cari_search_options o = CARI_SEARCH_OPTIONS_INIT;
    cari_writer *w = NULL;
    cari_index *index = NULL;
    cari_ranker *off;
    cari_hits *h;
    (void)state;
    w = temp_writer(dir, sizeof dir, ix, sizeof ix);
    test_add(w, "kota-1", "", "Banjir merendam ibu kota sejak pagi.");
    test_add(w, "kota-2", "", "Ibu kota provinsi itu dipindahkan ke timur.");
    test_add(w, "solo", "Kota Solo", "Festival batik digelar di kota Solo.");
    test_add(w, "ibu-1", "", "Seorang ibu melahirkan di rumah sakit.");
    test_add(w, "bola-1", "", "Pertandingan sepakbola berakhir imbang.");
    test_add(w, "bola-2", "", "Pemain sepakbola muda berlatih di lapangan.");
    test_add(w, "wali-1", "", "Wali murid datang ke sekolah di kota.");
    test_add(w, "desain-1", "Gedung dirancang", "Gedung baru dirancang arsitek.");
    test_add(w, "desain-2", "Gedung merancang", "Gedung baru merancang arsitek.");
    index = commit_and_open(w, ix);
    o.limit = 100;
    o.group = 0;

    /* a keyword query: the parts count only next to each other */
    h = run(index, "ibukota", &o);
    assert_int_equal(cari_hits_count(h), 2);
    assert_true(has_id(h, "kota-1", NULL) && has_id(h, "kota-2", NULL));
    cari_hits_free(h);
    /* a question: the parts count apart too, the pair ranks first */
    h = run(index, "apa ibukota provinsi itu?", &o);
    assert_true(cari_hits_count(h) >= 2);
    {
        cari_hit x;
        cari_hits_get(h, 0, &x);
        assert_string_equal(x.id, "kota-2");
    }
    assert_true(has_id(h, "kota-1", NULL));
    cari_hits_free(h);
    /* two words written as one in the collection */
    h = run(index, "sepak bola", &o);
    assert_int_equal(cari_hits_count(h), 2);
    assert_true(has_id(h, "bola-1", NULL) && has_id(h, "bola-2", NULL));
    cari_hits_free(h);
    /* ... only when next to each other, in this order */
    assert_int_equal(count_of(index, "sepak dan bola", &o), 0);
    assert_int_equal(count_of(index, "bola sepak", &o), 0);
    /* "wali" and "kota" are in the collection, never as a pair */
    assert_int_equal(count_of(index, "walikota", &o), 0);
    /* the model can turn it off */
    off = parse_ok("cari-ranker 1\ncompound.split 0\ncompound.join 0\n");
    o.ranker = off;
    assert_int_equal(count_of(index, "ibukota", &o), 0);
    assert_int_equal(count_of(index, "sepak bola", &o), 0);
    /* the exact form as a term of its own (in the first stage, of the
     * title): the article with the query's own form first, by the first
     * stage alone (depth 0); without it the two score alike */
    {
        cari_ranker *ex = parse_ok("cari-ranker 1\nexact_form 1\n");
        cari_hit x, y;
        o.ranker = ex;
        h = run(index, "dirancang", &o);
        assert_int_equal(cari_hits_count(h), 2);
        cari_hits_get(h, 0, &x);
        cari_hits_get(h, 1, &y);
        assert_string_equal(x.id, "desain-1");
        assert_true(x.score > y.score);
        cari_hits_free(h);
        cari_ranker_free(ex);
        o.ranker = off;
        h = run(index, "dirancang", &o);
        assert_int_equal(cari_hits_count(h), 2);
        cari_hits_get(h, 0, &x);
        cari_hits_get(h, 1, &y);
        assert_true(x.score == y.score);
        cari_hits_free(h);
    }
    parse_bad("cari-ranker 1\ncompound.phrase 2\n", "out of range");
    parse_bad("cari-ranker 1\ncompound.split -1\n", "out of range");
    parse_bad("cari-ranker 1\nexact_form -1\n", "out of range");
    cari_ranker_free(off);
    cari_index_close(index);
    test_rmtree(dir);
}

/* The value of feature `name` in a hit's explanation (-1: none). */
static double explained(const cari_hit *x, const char *name)
{
    size_t k;
    for (k = 0; k < x->explain_count; k++)
        if (strcmp(x->explain[k].name, name) == 0)
            return x->explain[k].value;
    return -1;
}

/* The title_phrase value of the hit of id for query q, and in *at its
 * rank; fails the test when id is not a hit. */
static double phrase_of(cari_index *ix, const char *q, const char *id,
                        cari_search_options *o, size_t *at)
{
    cari_hits *h = run(ix, q, o);
    cari_hit x;
    double v;
    size_t i = 0;
    if (!has_id(h, id, &i))
        fail_msg("'%s': no hit %s", q, id);
    cari_hits_get(h, i, &x);
    v = explained(&x, "title_phrase");
    cari_hits_free(h);
    if (at)
        *at = i;
    return v;
}

/* The title as a phrase of the query, stopwords included: the feature
 * (title_phrase) and the articles whose title holds the whole query
 * joining the reranked passages (first.phrase_articles). */
static void test_title_phrase(void **state)
{
    char dir[256], ix[300], id[32], title[64];
    cari_search_options o = CARI_SEARCH_OPTIONS_INIT;
    cari_writer *w = NULL;
    cari_index *index = NULL;
    cari_ranker *with, *without;
    cari_hits *h;
    cari_hit x;
    size_t at = 0, i;
    (void)state;
    w = temp_writer(dir, sizeof dir, ix, sizeof ix);
    /* eight articles about the palace, each far above the target in the
     * first stage (the word in the title and three times in the text) */
    for (i = 0; i < 8; i++) {
        snprintf(id, sizeof id, "istana-%zu", i);
        snprintf(title, sizeof title, "Istana Negara Dibuka %zu", i);
        test_add(w, id, title,
                 "Istana negara dibuka. Pengunjung istana antre di depan "
                 "gerbang istana sejak pagi.");
    }
    test_add(w, "dari", "Presiden Pulang dari Istana",
             "Presiden kembali ke rumah setelah rapat.");
    test_add(w, "target", "Pemenang Lomba Diundang ke Istana",
             "Para pemenang lomba menerima piala dari presiden.");
    index = commit_and_open(w, ix);
    o.limit = 20;
    o.group = 0;
    o.flags = CARI_SEARCH_EXPLAIN;
    /* three passages reranked: the target is not among them by the first
     * stage; as a title holding "ke istana" it joins them, and ranks
     * first */
    with = parse_ok("cari-ranker 1\ndepth 3\nweight.title_phrase 8\n"
                    "first.phrase_articles 10\n");
    without = parse_ok("cari-ranker 1\ndepth 3\nweight.title_phrase 8\n");
    o.ranker = with;
    h = run(index, "ke istana", &o);
    assert_int_equal(cari_hits_count(h), 10);
    cari_hits_get(h, 0, &x);
    assert_string_equal(x.id, "target");
    assert_true(explained(&x, "title_phrase") == 1.0);
    /* "dari istana" is no "ke istana" */
    assert_true(has_id(h, "dari", &at));
    cari_hits_get(h, at, &x);
    assert_true(explained(&x, "title_phrase") == 0);
    cari_hits_free(h);
    o.ranker = without;
    h = run(index, "ke istana", &o);
    assert_int_equal(cari_hits_count(h), 10);
    assert_true(has_id(h, "target", &at));
    assert_true(at >= 3);
    cari_hits_free(h);
    /* words out of the title's order make no run; a run of some of the
     * query's words counts as its share (4 of the 6 words here) */
    o.ranker = with;
    assert_true(phrase_of(index, "istana ke", "target", &o, NULL) == 0);
    assert_true(fabs(phrase_of(index, "lomba diundang ke istana hari ini",
                               "target", &o, &at) -
                     4.0 / 6.0) < 1e-12);
    assert_int_equal(at, 0);
    /* a word between two others keeps them apart, even one that is no
     * term of its own (a prefix); the syntax's own words do not */
    assert_true(phrase_of(index, "lomba pi* diundang", "target", &o, NULL) ==
                0);
    assert_true(phrase_of(index, "lomba OR diundang", "target", &o, NULL) ==
                1.0);
    /* an article the query excludes never joins (the excluded word breaks
     * the phrase, and a candidate must match the query) */
    h = run(index, "ke istana -piala", &o);
    assert_false(has_id(h, "target", NULL));
    cari_hits_free(h);
    parse_bad("cari-ranker 1\nfirst.phrase_articles 1.5\n", "out of range");
    parse_bad("cari-ranker 1\nxapian.title_phrase -1\n", "out of range");
    cari_ranker_free(with);
    cari_ranker_free(without);
    cari_index_close(index);
    test_rmtree(dir);
}

/* Bad options are refused, not misread. */
/* The "article" feature counts the query word over its article's
 * passages, and nothing else: two articles of the same length holding
 * "kopi" three times in all, spread otherwise over three passages, give
 * every passage of either the same value, whatever the hits before them
 * (an article before both holds it five times). */
static double article_feature(const cari_hit *hit)
{
    size_t k;
    for (k = 0; k < hit->explain_count; k++)
        if (strcmp(hit->explain[k].name, "article") == 0)
            return hit->explain[k].value;
    fail_msg("hit of %.*s has no article feature", (int)hit->id_len, hit->id);
    return 0;
}

static void test_article_feature(void **state)
{
    /* three paragraphs of 70 words, "kopi" 1, 2, 0 and 2, 0, 1 times */
    static const int kopi[2][3] = {{1, 2, 0}, {2, 0, 1}};
    static const char *const ids[] = {"a", "c"};
    char dir[256], ix[300], text[8192];
    cari_search_options o = CARI_SEARCH_OPTIONS_INIT;
    cari_writer *w = NULL;
    cari_index *index = NULL;
    cari_hits *h;
    double want = -1, other = -1;
    size_t i, n;
    int x, p, k, seen = 0;
    (void)state;
    w = temp_writer(dir, sizeof dir, ix, sizeof ix);
    test_add(w, "b", "", "Kopi kopi kopi kopi kopi dari kebun di lereng gunung.");
    for (x = 0; x < 2; x++) {
        n = 0;
        for (p = 0; p < 3; p++) {
            if (p)
                n += (size_t)snprintf(text + n, sizeof text - n, "\n\n");
            for (k = 0; k < 70; k++)
                n += (size_t)snprintf(
                    text + n, sizeof text - n, "%s%s", k ? " " : "",
                    k < kopi[x][p] ? "kopi" : k % 2 ? "petani" : "ladang");
            n += (size_t)snprintf(text + n, sizeof text - n, ".");
        }
        test_add(w, ids[x], "", text);
    }
    for (k = 0; k < 5; k++)
        test_add(w, k % 2 ? "teh-1" : "teh-2", "", "Teh dari kebun di lereng.");
    index = commit_and_open(w, ix);
    o.flags = CARI_SEARCH_EXPLAIN;
    o.limit = 50;
    o.group = 0;
    h = run(index, "kopi", &o);
    for (i = 0; i < cari_hits_count(h); i++) {
        cari_hit hit;
        double v;
        assert_int_equal(cari_hits_get(h, i, &hit), CARI_OK);
        v = article_feature(&hit);
        if (hit.id_len == 1 && hit.id[0] == 'b') {
            other = v;
            continue;
        }
        assert_true(hit.id_len == 1 && (hit.id[0] == 'a' || hit.id[0] == 'c'));
        if (want < 0)
            want = v;
        if (v != want)
            fail_msg("passage %u of %c: article feature %.17g, not %.17g",
                     hit.passage, hit.id[0], v, want);
        seen++;
    }
    /* a's and c's passages with the word: 2 each; b's single passage */
    assert_int_equal(seen, 4);
    assert_true(want > 0 && other > 0 && other != want);
    cari_hits_free(h);
    cari_index_close(index);
    test_rmtree(dir);
}

static void test_bad_options(void **state)
{
    fixture *f = *state;
    cari_search_options o = CARI_SEARCH_OPTIONS_INIT;
    cari_hits *h = (cari_hits *)1;
    o.rerank = 1000000;
    assert_int_equal(cari_search(f->index, "banjir", 6, &o, &h), CARI_EINVAL);
    assert_null(h);
    o = (cari_search_options)CARI_SEARCH_OPTIONS_INIT;
    o.version = 1;
    assert_int_equal(cari_search(f->index, "banjir", 6, &o, &h), CARI_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_format),
        cmocka_unit_test(test_builtin_model),
        cmocka_unit_test(test_classify),
        cmocka_unit_test_setup_teardown(test_explain_sums, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rerank_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rerank_off_and_custom_model,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_feedback, setup, teardown),
        cmocka_unit_test(test_article_feature),
        cmocka_unit_test_setup_teardown(test_bad_options, setup, teardown),
        cmocka_unit_test(test_compounds),
        cmocka_unit_test(test_title_phrase),
    };
    TEST_FILTER_FROM_ENV();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
