/*
 * xapian_backend_test.c -- unit tests of the Xapian backend
 * (src/xapian_backend.c) through libcari's public API: what a hit carries,
 * commit and replace semantics, the query operators against the native
 * backend on the same articles, shards with global statistics, and the
 * error paths (locked, missing, empty, foreign, damaged, another analyzer,
 * an unreachable remote shard, partial opens).  The shim's own tests are
 * in xapian_shim_test.c; the tools are tested in xapian_backend.t and
 * shards.t.
 */
#define _XOPEN_SOURCE 700

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cari.h"
#include "xapian_c.h"

/* ---- fixture: a temporary directory per test ---- */

typedef struct fixture {
    char dir[PATH_MAX];
} fixture;

static int remove_entry(const char *path, const struct stat *st, int type,
                        struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    const char *base = getenv("TMPDIR");
    if (!f)
        return -1;
    if (!base || !*base)
        base = "/tmp";
    snprintf(f->dir, sizeof f->dir, "%s/cari_xapian_test_XXXXXX", base);
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    int rc = nftw(f->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return rc;
}

static void path_in(void **state, const char *name, char *out, size_t cap)
{
    const fixture *f = *state;
    int n = snprintf(out, cap, "%s/%s", f->dir, name);
    assert_true(n > 0 && (size_t)n < cap);
}

/* ---- the articles ---- */

typedef struct article_spec {
    const char *id, *title, *text, *meta;
} article_spec;

static const article_spec articles[] = {
    {"a1", "Banjir rendam Jakarta Timur",
     "Hujan deras mengguyur Jakarta sejak malam.\n\nBanjir merendam ribuan "
     "rumah di Kampung Melayu dan Cawang.\n\nWarga mengungsi ke masjid dan "
     "sekolah terdekat.",
     "{\"source\":\"uji\",\"date\":\"2024-01-02\"}"},
    {"a2", "Nelayan Natuna keluhkan kapal asing",
     "Para nelayan di Natuna mengeluhkan kapal asing yang mencuri ikan.\n\n"
     "Harga solar yang mahal membuat nelayan jarang melaut.",
     NULL},
    {"a3", "Banjir rob di pesisir Semarang",
     "Banjir rob kembali menggenangi pesisir Semarang.\n\nPenurunan muka "
     "tanah membuat banjir rob makin sering datang ke kampung nelayan.",
     "{\"source\":\"uji\"}"},
    {"a4", "Festival batik di Solo",
     "Festival batik dan gamelan memeriahkan kota Solo.\n\nPengrajin batik "
     "dari berbagai daerah memamerkan karya mereka.",
     NULL},
    {"a5", "Harga beras naik",
     "Harga beras di pasar naik tajam.\n\nPemerintah menyiapkan operasi "
     "pasar untuk menahan harga beras.\n\nPetani di Jawa Tengah menyebut "
     "panen gagal karena banjir.",
     NULL},
};
#define NARTICLES (sizeof articles / sizeof articles[0])

static cari_article to_article(const article_spec *s)
{
    cari_article a;
    a.id = s->id;
    a.id_len = strlen(s->id);
    a.title = s->title;
    a.title_len = strlen(s->title);
    a.text = s->text;
    a.text_len = strlen(s->text);
    a.meta = s->meta;
    a.meta_len = s->meta ? strlen(s->meta) : 0;
    return a;
}

/* Index articles[lo..hi) (every k-th of them from first, k >= 1) into dir
 * with backend. */
static void build_some(const char *dir, const char *backend, size_t first,
                       size_t step)
{
    cari_writer_options wo = CARI_WRITER_OPTIONS_INIT;
    cari_writer *w = NULL;
    cari_error err;
    size_t i;
    wo.backend = backend;
    wo.sync = 0;
    if (cari_writer_open(dir, &wo, &w, &err))
        fail_msg("cari_writer_open(%s): %s", dir, err.message);
    for (i = first; i < NARTICLES; i += step) {
        cari_article a = to_article(&articles[i]);
        assert_int_equal(cari_writer_add(w, &a), CARI_OK);
    }
    if (cari_writer_commit(w))
        fail_msg("commit: %s", cari_writer_errmsg(w));
    cari_writer_close(w);
}

static void build(const char *dir, const char *backend)
{
    build_some(dir, backend, 0, 1);
}

static cari_index *open_ok(const char *dir)
{
    cari_index *ix = NULL;
    cari_error err;
    if (cari_index_open(dir, &ix, &err))
        fail_msg("cari_index_open(%s): %s", dir, err.message);
    return ix;
}

static cari_hits *search_ok(cari_index *ix, const char *q, size_t limit)
{
    cari_search_options so = CARI_SEARCH_OPTIONS_INIT;
    cari_hits *h = NULL;
    int rc;
    so.limit = limit;
    rc = cari_search(ix, q, strlen(q), &so, &h);
    if (rc)
        fail_msg("search '%s': %d %s", q, rc, cari_index_errmsg(ix));
    return h;
}

/* "id#passage" of every hit, sorted, as one string. */
static void hit_set(const cari_hits *h, char *out, size_t cap)
{
    char items[64][64];
    size_t n = cari_hits_count(h), i, j;
    assert_true(n <= 64);
    for (i = 0; i < n; i++) {
        cari_hit hit;
        cari_hits_get(h, i, &hit);
        snprintf(items[i], sizeof items[i], "%.*s#%u", (int)hit.id_len,
                 hit.id, hit.passage);
    }
    for (i = 1; i < n; i++)
        for (j = i; j > 0 && strcmp(items[j - 1], items[j]) > 0; j--) {
            char t[64];
            memcpy(t, items[j], sizeof t);
            memcpy(items[j], items[j - 1], sizeof t);
            memcpy(items[j - 1], t, sizeof t);
        }
    out[0] = '\0';
    for (i = 0; i < n; i++) {
        strncat(out, items[i], cap - strlen(out) - 1);
        strncat(out, " ", cap - strlen(out) - 1);
    }
}

/* ---- tests ---- */

static void test_available(void **state)
{
    (void)state;
    assert_true(cari_backend_available("xapian"));
    assert_true(cari_backend_available("native"));
    assert_false(cari_backend_available("lucene"));
    assert_false(cari_backend_available(NULL));
}

/* A hit carries what a native hit does, and the same bytes. */
static void test_hits_match_native(void **state)
{
    char xdir[PATH_MAX], ndir[PATH_MAX];
    cari_index *xi, *ni;
    cari_hits *xh, *nh;
    cari_index_stats xs, ns;
    size_t i, j;
    path_in(state, "x", xdir, sizeof xdir);
    path_in(state, "n", ndir, sizeof ndir);
    build(xdir, "xapian");
    build(ndir, NULL);
    xi = open_ok(xdir);
    ni = open_ok(ndir);
    assert_string_equal(cari_index_backend(xi), "xapian");
    assert_string_equal(cari_index_backend(ni), "native");
    cari_index_get_stats(xi, &xs);
    cari_index_get_stats(ni, &ns);
    assert_int_equal(xs.articles, NARTICLES);
    assert_int_equal(xs.passages, ns.passages);
    assert_int_equal(xs.terms, ns.terms);  /* the same analysis */
    assert_int_equal(xs.segments, 1);
    assert_true(xs.bytes > 0);
    xh = search_ok(xi, "banjir nelayan", 50);
    nh = search_ok(ni, "banjir nelayan", 50);
    assert_int_equal(cari_hits_count(xh), cari_hits_count(nh));
    assert_int_equal(cari_hits_total(xh), cari_hits_count(xh));
    for (i = 0; i < cari_hits_count(xh); i++) {
        cari_hit x, n;
        int found = 0;
        cari_hits_get(xh, i, &x);
        if (i > 0) {
            cari_hit prev;
            cari_hits_get(xh, i - 1, &prev);
            assert_true(prev.score >= x.score);
        }
        for (j = 0; j < cari_hits_count(nh) && !found; j++) {
            cari_hits_get(nh, j, &n);
            found = n.id_len == x.id_len && memcmp(n.id, x.id, x.id_len) == 0 &&
                    n.passage == x.passage;
        }
        assert_true(found);
        assert_true(x.score > 0);
        assert_int_equal(x.start, n.start);
        assert_int_equal(x.end, n.end);
        assert_int_equal(x.title_len, n.title_len);
        assert_memory_equal(x.title, n.title, x.title_len);
        assert_int_equal(x.meta_len, n.meta_len);
        if (x.meta_len)
            assert_memory_equal(x.meta, n.meta, x.meta_len);
        assert_int_equal(x.text_len, n.text_len);
        assert_memory_equal(x.text, n.text, x.text_len);
        assert_int_equal(x.snippet_len, n.snippet_len);
        assert_memory_equal(x.snippet, n.snippet, x.snippet_len);
        assert_int_equal(x.highlight_count, n.highlight_count);
        assert_memory_equal(x.highlights, n.highlights,
                            x.highlight_count * sizeof *x.highlights);
        /* the passage is the article's bytes start..end */
        {
            const article_spec *a = NULL;
            size_t k;
            for (k = 0; k < NARTICLES; k++)
                if (strlen(articles[k].id) == x.id_len &&
                    memcmp(articles[k].id, x.id, x.id_len) == 0)
                    a = &articles[k];
            assert_non_null(a);
            assert_true(x.end <= strlen(a->text));
            assert_memory_equal(x.text, a->text + x.start, x.end - x.start);
        }
    }
    cari_hits_free(xh);
    cari_hits_free(nh);
    cari_index_close(xi);
    cari_index_close(ni);
}

/* Without STORED and SNIPPETS a hit is id, passage, range and score. */
static void test_lean_hits(void **state)
{
    char dir[PATH_MAX];
    cari_search_options so = CARI_SEARCH_OPTIONS_INIT;
    cari_index *ix;
    cari_hits *h = NULL;
    cari_hit hit;
    path_in(state, "x", dir, sizeof dir);
    build(dir, "xapian");
    ix = open_ok(dir);
    so.flags = 0;
    assert_int_equal(cari_search(ix, "batik", 5, &so, &h), CARI_OK);
    assert_true(cari_hits_count(h) >= 1);
    cari_hits_get(h, 0, &hit);
    assert_int_equal(hit.id_len, 2);
    assert_memory_equal(hit.id, "a4", 2);
    assert_int_equal(hit.title_len, 0);
    assert_null(hit.snippet);
    assert_null(hit.text);
    assert_true(hit.end > hit.start);
    cari_hits_free(h);
    /* paging: offset 1 gives the second hit of the full list */
    {
        cari_hits *all = search_ok(ix, "banjir", 10), *page = NULL;
        cari_hit a, b;
        so.flags = CARI_SEARCH_STORED;
        so.offset = 1;
        so.limit = 1;
        assert_int_equal(cari_search(ix, "banjir", 6, &so, &page), CARI_OK);
        assert_int_equal(cari_hits_count(page), 1);
        cari_hits_get(all, 1, &a);
        cari_hits_get(page, 0, &b);
        assert_int_equal(a.id_len, b.id_len);
        assert_memory_equal(a.id, b.id, a.id_len);
        assert_int_equal(a.passage, b.passage);
        assert_true(fabs(a.score - b.score) < 1e-9);
        cari_hits_free(all);
        cari_hits_free(page);
    }
    cari_index_close(ix);
}

/* CARI_SEARCH_EXPLAIN: each hit says how its score was made, its items'
 * value * weight summing to the score, on Xapian too (found by review: a
 * Xapian hit had none, and --explain showed nothing). */
static void test_explain(void **state)
{
    char dir[PATH_MAX];
    cari_search_options so = CARI_SEARCH_OPTIONS_INIT;
    cari_index *ix;
    cari_hits *h = NULL;
    size_t i, k;
    path_in(state, "x", dir, sizeof dir);
    build(dir, "xapian");
    ix = open_ok(dir);
    so.flags |= CARI_SEARCH_EXPLAIN;
    so.group = 0;
    assert_int_equal(cari_search(ix, "banjir rob", 10, &so, &h), CARI_OK);
    assert_true(cari_hits_count(h) >= 2);
    for (i = 0; i < cari_hits_count(h); i++) {
        cari_hit hit;
        double sum = 0;
        cari_hits_get(h, i, &hit);
        assert_true(hit.explain_count >= 1);
        for (k = 0; k < hit.explain_count; k++) {
            assert_non_null(hit.explain[k].name);
            sum += hit.explain[k].value * hit.explain[k].weight;
        }
        assert_true(fabs(sum - hit.score) <= 1e-9 * (1 + fabs(hit.score)));
    }
    cari_hits_free(h);
    /* without the flag, none */
    so.flags &= ~CARI_SEARCH_EXPLAIN;
    assert_int_equal(cari_search(ix, "banjir rob", 10, &so, &h), CARI_OK);
    for (i = 0; i < cari_hits_count(h); i++) {
        cari_hit hit;
        cari_hits_get(h, i, &hit);
        assert_null(hit.explain);
        assert_int_equal(hit.explain_count, 0);
    }
    cari_hits_free(h);
    cari_index_close(ix);
}

/* The query operators match the same passages on both backends. */
static void test_operators_match_native(void **state)
{
    static const char *const queries[] = {
        "banjir",
        "\"banjir rob\"",
        "\"rumah di Kampung Melayu\"",
        "banjir AND nelayan",
        "+banjir -Jakarta",
        "banjir AND NOT rob",
        "nelayan NEAR/3 ikan",
        "nelayan NEAR/1 ikan",
        "kapal NEAR/4 ikan",
        "kapal NEAR/3 ikan",
        "\"asing yang mencuri\"",
        "\"mencuri ikan\"",
        "title:banjir",
        "body:banjir",
        "title:\"banjir rob\"",
        "harga OR festival",
        "(banjir OR batik) AND (Solo OR Semarang)",
        "=merendam",
        "merendam",
        "peng*",
        "title:fest*",
        "Natuna -\"kapal asing\"",
    };
    char xdir[PATH_MAX], ndir[PATH_MAX], xs[4096], ns[4096];
    cari_index *xi, *ni;
    size_t i;
    path_in(state, "x", xdir, sizeof xdir);
    path_in(state, "n", ndir, sizeof ndir);
    build(xdir, "xapian");
    build(ndir, "native");
    xi = open_ok(xdir);
    ni = open_ok(ndir);
    for (i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        cari_hits *xh = search_ok(xi, queries[i], 64);
        cari_hits *nh = search_ok(ni, queries[i], 64);
        hit_set(xh, xs, sizeof xs);
        hit_set(nh, ns, sizeof ns);
        if (strcmp(xs, ns) != 0)
            fail_msg("query '%s': xapian [%s] native [%s]", queries[i], xs,
                     ns);
        assert_int_equal(cari_hits_total(xh), cari_hits_count(xh));
        cari_hits_free(xh);
        cari_hits_free(nh);
    }
    /* a prefix search highlights the words it matched */
    {
        cari_hits *h = search_ok(xi, "memeri*", 5);
        cari_hit hit;
        assert_int_equal(cari_hits_count(h), 1);
        cari_hits_get(h, 0, &hit);
        assert_int_equal(hit.highlight_count, 1);
        assert_int_equal(hit.highlights[0].end - hit.highlights[0].start,
                         strlen("memeriahkan"));
        cari_hits_free(h);
    }
    /* title weight 0: titles are not searched, as natively */
    {
        cari_search_options so = CARI_SEARCH_OPTIONS_INIT;
        cari_hits *h = NULL;
        so.title_weight = 0;
        assert_int_equal(cari_search(xi, "title:Timur", 11, &so, &h), CARI_OK);
        assert_int_equal(cari_hits_count(h), 0);
        cari_hits_free(h);
    }
    cari_index_close(xi);
    cari_index_close(ni);
}

/* Nothing is visible before commit; closing drops it; replace and delete
 * by id take every passage of the article. */
static void test_commit_replace_delete(void **state)
{
    char dir[PATH_MAX];
    cari_writer_options wo = CARI_WRITER_OPTIONS_INIT;
    cari_writer *w = NULL;
    cari_writer_stats ws;
    cari_index *ix;
    cari_hits *h;
    cari_error err;
    cari_article a = to_article(&articles[0]);
    path_in(state, "x", dir, sizeof dir);
    build(dir, "xapian");
    wo.sync = 0;
    /* an uncommitted replacement is dropped by close */
    assert_int_equal(cari_writer_open(dir, &wo, &w, &err), CARI_OK);
    a.text = "Seekor zebra lepas dari kebun binatang.";
    a.text_len = strlen(a.text);
    assert_int_equal(cari_writer_add(w, &a), CARI_OK);
    ix = open_ok(dir);
    h = search_ok(ix, "zebra", 10);
    assert_int_equal(cari_hits_count(h), 0);
    cari_hits_free(h);
    cari_index_close(ix);
    cari_writer_close(w);
    ix = open_ok(dir);
    h = search_ok(ix, "Cawang", 10);
    assert_int_equal(cari_hits_count(h), 1);
    cari_hits_free(h);
    cari_index_close(ix);
    /* a committed one replaces all three passages of a1 */
    assert_int_equal(cari_writer_open(dir, &wo, &w, &err), CARI_OK);
    assert_int_equal(cari_writer_add(w, &a), CARI_OK);
    assert_int_equal(cari_writer_add(w, &a), CARI_OK);  /* twice: one copy */
    assert_int_equal(cari_writer_commit(w), CARI_OK);
    cari_writer_get_stats(w, &ws);
    assert_int_equal(ws.articles, 2);
    assert_int_equal(ws.total_articles, NARTICLES);
    assert_true(ws.terms > 0 && ws.index_bytes > 0);
    /* delete another, in the same writer, after a commit */
    assert_int_equal(cari_writer_delete(w, "a4", 2), CARI_OK);
    assert_int_equal(cari_writer_delete(w, "nope", 4), CARI_OK);
    assert_int_equal(cari_writer_delete(w, "a4", 2), CARI_OK);  /* again */
    cari_writer_get_stats(w, &ws);
    assert_int_equal(ws.deleted, 1);    /* only a4 was live */
    assert_int_equal(ws.not_found, 2);
    /* an article added and deleted before the commit was live */
    a.id = "baru";
    a.id_len = 4;
    assert_int_equal(cari_writer_add(w, &a), CARI_OK);
    assert_int_equal(cari_writer_delete(w, "baru", 4), CARI_OK);
    cari_writer_get_stats(w, &ws);
    assert_int_equal(ws.deleted, 2);
    assert_int_equal(ws.not_found, 2);
    assert_int_equal(cari_writer_commit(w), CARI_OK);
    cari_writer_get_stats(w, &ws);
    assert_int_equal(ws.total_articles, NARTICLES - 1);
    cari_writer_close(w);
    ix = open_ok(dir);
    h = search_ok(ix, "zebra", 10);
    assert_int_equal(cari_hits_count(h), 1);
    cari_hits_free(h);
    h = search_ok(ix, "Cawang OR mengungsi OR batik", 10);
    assert_int_equal(cari_hits_count(h), 0);
    cari_hits_free(h);
    cari_index_close(ix);
}

static void test_bad_articles(void **state)
{
    char dir[PATH_MAX];
    cari_writer_options wo = CARI_WRITER_OPTIONS_INIT;
    cari_writer *w = NULL;
    cari_error err;
    cari_article a = to_article(&articles[1]);
    char longid[400];
    path_in(state, "x", dir, sizeof dir);
    wo.backend = "xapian";
    wo.sync = 0;
    assert_int_equal(cari_writer_open(dir, &wo, &w, &err), CARI_OK);
    a.id = "bad\nid";
    a.id_len = 6;
    assert_int_equal(cari_writer_add(w, &a), CARI_EINPUT);
    assert_non_null(strstr(cari_writer_errmsg(w), "id"));
    a = to_article(&articles[1]);
    a.text = "teks \xff rusak";
    a.text_len = strlen(a.text);
    assert_int_equal(cari_writer_add(w, &a), CARI_EINPUT);
    assert_non_null(strstr(cari_writer_errmsg(w), "UTF-8"));
    /* the checks of writer.c's own say why too, not the Xapian writer's
     * last message (found by review: metadata that is not an object said
     * "invalid UTF-8", the message before) */
    a = to_article(&articles[1]);
    a.meta = "[1,2]";
    a.meta_len = 5;
    assert_int_equal(cari_writer_add(w, &a), CARI_EINPUT);
    assert_non_null(strstr(cari_writer_errmsg(w), "not a JSON object"));
    assert_int_equal(cari_writer_delete(w, "", 0), CARI_EINVAL);
    assert_non_null(strstr(cari_writer_errmsg(w), "empty id"));
    a = to_article(&articles[1]);
    a.text = "teks \xff rusak";
    a.text_len = strlen(a.text);
    assert_int_equal(cari_writer_add(w, &a), CARI_EINPUT);
    assert_non_null(strstr(cari_writer_errmsg(w), "UTF-8"));
    /* the writer stays usable; a very long id still works */
    memset(longid, 'k', sizeof longid);
    a = to_article(&articles[1]);
    a.id = longid;
    a.id_len = sizeof longid;
    assert_int_equal(cari_writer_add(w, &a), CARI_OK);
    assert_int_equal(cari_writer_add(w, &a), CARI_OK);  /* replaces */
    assert_int_equal(cari_writer_commit(w), CARI_OK);
    cari_writer_close(w);
    {
        cari_index *ix = open_ok(dir);
        cari_hits *h = search_ok(ix, "solar", 10);
        cari_hit hit;
        assert_int_equal(cari_hits_count(h), 1);
        cari_hits_get(h, 0, &hit);
        assert_int_equal(hit.id_len, sizeof longid);
        cari_hits_free(h);
        cari_index_close(ix);
    }
}

/* cari_writer_add_tagged says when the writer already took the id since
 * its last commit, as natively -- by a plain cari_writer_add too (found
 * by review: on Xapian only tagged adds were remembered). */
static void test_add_tagged(void **state)
{
    char dir[PATH_MAX];
    cari_writer_options wo = CARI_WRITER_OPTIONS_INIT;
    cari_writer *w = NULL;
    cari_error err;
    cari_article a = to_article(&articles[0]);
    int repeated = -1;
    uint64_t previous = 99;
    path_in(state, "x", dir, sizeof dir);
    wo.backend = "xapian";
    wo.sync = 0;
    assert_int_equal(cari_writer_open(dir, &wo, &w, &err), CARI_OK);
    assert_int_equal(cari_writer_add(w, &a), CARI_OK);
    assert_int_equal(cari_writer_add_tagged(w, &a, 5, &repeated, &previous),
                     CARI_OK);
    assert_int_equal(repeated, 1);
    assert_int_equal(previous, 0);
    assert_int_equal(cari_writer_add_tagged(w, &a, 6, &repeated, &previous),
                     CARI_OK);
    assert_int_equal(repeated, 1);
    assert_int_equal(previous, 5);
    a = to_article(&articles[1]);
    assert_int_equal(cari_writer_add_tagged(w, &a, 7, &repeated, &previous),
                     CARI_OK);
    assert_int_equal(repeated, 0);
    assert_int_equal(cari_writer_commit(w), CARI_OK);
    /* a new session */
    assert_int_equal(cari_writer_add_tagged(w, &a, 8, &repeated, &previous),
                     CARI_OK);
    assert_int_equal(repeated, 0);
    cari_writer_close(w);
}

/* Shards searched as one rank exactly like the unsharded index. */
static void test_shards_global_statistics(void **state)
{
    char one[PATH_MAX], s0[PATH_MAX], s1[PATH_MAX];
    const char *locs[2];
    cari_index *ix = NULL, *all;
    cari_error err;
    static const char *const queries[] = {"banjir", "banjir nelayan Solo",
                                          "\"banjir rob\"", "harga beras"};
    size_t q, i;
    path_in(state, "one", one, sizeof one);
    path_in(state, "s0", s0, sizeof s0);
    path_in(state, "s1", s1, sizeof s1);
    build(one, "xapian");
    build_some(s0, "xapian", 0, 2);
    build_some(s1, "xapian", 1, 2);
    locs[0] = s0;
    locs[1] = s1;
    assert_int_equal(cari_index_open_shards(locs, 2, 0, &ix, &err), CARI_OK);
    assert_int_equal(cari_index_shard_count(ix), 2);
    assert_string_equal(cari_index_shard(ix, 1, NULL), s1);
    assert_null(cari_index_shard(ix, 2, NULL));
    all = open_ok(one);
    for (q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        cari_hits *a = search_ok(all, queries[q], 50);
        cari_hits *b = search_ok(ix, queries[q], 50);
        assert_int_equal(cari_hits_count(a), cari_hits_count(b));
        for (i = 0; i < cari_hits_count(a); i++) {
            cari_hit x, y;
            cari_hits_get(a, i, &x);
            cari_hits_get(b, i, &y);
            assert_true(fabs(x.score - y.score) < 1e-9);
        }
        cari_hits_free(a);
        cari_hits_free(b);
    }
    cari_index_close(all);
    cari_index_close(ix);
}

static unsigned unused_port(void)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&addr, &len), 0);
    close(s);
    return ntohs(addr.sin_port);
}

/* A remote shard nobody serves: an error naming it, or with
 * ALLOW_PARTIAL the other shards and a note of which was left out. */
static void test_remote_unreachable(void **state)
{
    char dir[PATH_MAX], remote[64], missing[PATH_MAX];
    const char *locs[3];
    cari_index *ix = NULL;
    cari_error err;
    const char *why;
    cari_hits *h;
    path_in(state, "x", dir, sizeof dir);
    path_in(state, "missing", missing, sizeof missing);
    build(dir, "xapian");
    snprintf(remote, sizeof remote, "tcp://127.0.0.1:%u", unused_port());
    locs[0] = dir;
    locs[1] = remote;
    locs[2] = missing;
    assert_int_equal(cari_index_open_shards(locs, 2, 0, &ix, &err), CARI_EIO);
    assert_null(ix);
    assert_non_null(strstr(err.message, remote));
    assert_non_null(strstr(err.message, "unreachable"));
    assert_int_equal(cari_index_open_shards(locs, 3,
                                            CARI_SHARDS_ALLOW_PARTIAL, &ix,
                                            &err),
                     CARI_OK);
    assert_string_equal(cari_index_backend(ix), "xapian");
    assert_non_null(strstr(cari_index_errmsg(ix), "left out"));
    assert_string_equal(cari_index_shard(ix, 0, &why), dir);
    assert_null(why);
    assert_string_equal(cari_index_shard(ix, 1, &why), remote);
    assert_non_null(why);
    assert_non_null(strstr(why, "unreachable"));
    assert_string_equal(cari_index_shard(ix, 2, &why), missing);
    assert_non_null(why);
    h = search_ok(ix, "banjir", 10);
    assert_true(cari_hits_count(h) > 0);
    cari_hits_free(h);
    cari_index_close(ix);
    /* nothing left to search is still an error */
    locs[0] = remote;
    assert_int_equal(cari_index_open_shards(locs, 1,
                                            CARI_SHARDS_ALLOW_PARTIAL, &ix,
                                            &err),
                     CARI_EIO);
    assert_non_null(strstr(err.message, "no shard"));
    /* malformed remote locations */
    locs[0] = "tcp://127.0.0.1";
    assert_int_equal(cari_index_open_shards(locs, 1, 0, &ix, &err),
                     CARI_EINVAL);
    locs[0] = "tcp://:80";
    assert_int_equal(cari_index_open_shards(locs, 1, 0, &ix, &err),
                     CARI_EINVAL);
    locs[0] = "tcp://127.0.0.1:99999";
    assert_int_equal(cari_index_open_shards(locs, 1, 0, &ix, &err),
                     CARI_EINVAL);
}

/* Shard k of n as cari-index --shards writes it: the articles whose id
 * hashes to k, and the record -- with a set id when set is given (the
 * writers of the whole set, cari_writers_set_shards), else "K/N" alone
 * (cari_writer_set_shard: as shards were recorded before the set id). */
static void build_shards(char dirs[][PATH_MAX], size_t n, int with_set)
{
    cari_writer_options wo = CARI_WRITER_OPTIONS_INIT;
    cari_writer *w[4];
    cari_error err;
    size_t i, k, failed;
    wo.backend = "xapian";
    wo.sync = 0;
    assert_true(n <= 4);
    for (k = 0; k < n; k++)
        if (cari_writer_open(dirs[k], &wo, &w[k], &err))
            fail_msg("cari_writer_open(%s): %s", dirs[k], err.message);
    if (with_set)
        assert_int_equal(cari_writers_set_shards(w, n, &failed), CARI_OK);
    else
        for (k = 0; k < n; k++)
            assert_int_equal(cari_writer_set_shard(w[k], k, n), CARI_OK);
    for (i = 0; i < NARTICLES; i++) {
        cari_article a = to_article(&articles[i]);
        k = cari_shard_of(a.id, a.id_len, n);
        /* in another shard than its id's: refused, the writer usable
         * (found by review: a program could put it anywhere) */
        if (n > 1) {
            size_t other = (k + 1) % n;
            assert_int_equal(cari_writer_add(w[other], &a), CARI_EINPUT);
            assert_non_null(strstr(cari_writer_errmsg(w[other]),
                                   "belongs to shard"));
        }
        assert_int_equal(cari_writer_add(w[k], &a), CARI_OK);
    }
    for (k = 0; k < n; k++) {
        if (cari_writer_commit(w[k]))
            fail_msg("commit: %s", cari_writer_errmsg(w[k]));
        cari_writer_close(w[k]);
    }
}

/* cari_index_open_shards checks the shards given against their records:
 * each set whole, each place once; places not given are an error, or
 * left out under ALLOW_PARTIAL (found by review: two shards of
 * three were searched as if they were all). */
static void test_shard_records(void **state)
{
    char old[2][PATH_MAX], a[2][PATH_MAX], b[2][PATH_MAX], plain[PATH_MAX];
    char remote[64];
    const char *locs[3], *why;
    cari_writer_options wo = CARI_WRITER_OPTIONS_INIT;
    cari_writer *w[2];
    cari_index *ix = NULL;
    cari_error err;
    size_t k, failed = 9;
    for (k = 0; k < 2; k++) {
        char name[16];
        snprintf(name, sizeof name, "old.%zu", k);
        path_in(state, name, old[k], sizeof old[k]);
        snprintf(name, sizeof name, "a.%zu", k);
        path_in(state, name, a[k], sizeof a[k]);
        snprintf(name, sizeof name, "b.%zu", k);
        path_in(state, name, b[k], sizeof b[k]);
    }
    path_in(state, "plain", plain, sizeof plain);
    build_shards(old, 2, 0);
    build_shards(a, 2, 1);
    build_shards(b, 2, 1);
    build(plain, "xapian");
    /* the whole set: as before */
    locs[0] = old[1];
    locs[1] = old[0];
    assert_int_equal(cari_index_open_shards(locs, 2, 0, &ix, &err), CARI_OK);
    assert_int_equal(cari_index_shard_count(ix), 2);
    cari_index_close(ix);
    /* a place not given, named after the given shard */
    assert_int_equal(cari_index_open_shards(locs, 1, 0, &ix, &err),
                     CARI_ENOTFOUND);
    assert_null(ix);
    assert_non_null(strstr(err.message, old[0]));
    assert_non_null(strstr(err.message, "is missing"));
    /* ... or with ALLOW_PARTIAL, left out as an unreachable shard is */
    assert_int_equal(cari_index_open_shards(locs, 1,
                                            CARI_SHARDS_ALLOW_PARTIAL, &ix,
                                            &err),
                     CARI_OK);
    assert_int_equal(cari_index_shard_count(ix), 2);
    assert_string_equal(cari_index_shard(ix, 0, &why), old[1]);
    assert_null(why);
    assert_string_equal(cari_index_shard(ix, 1, &why), old[0]);
    assert_non_null(why);
    assert_non_null(strstr(why, "was not given"));
    assert_non_null(strstr(cari_index_errmsg(ix), "left out"));
    cari_index_close(ix);
    /* an unreachable shard may be the missing place: not counted twice */
    snprintf(remote, sizeof remote, "tcp://127.0.0.1:%u", unused_port());
    locs[1] = remote;
    assert_int_equal(cari_index_open_shards(locs, 2,
                                            CARI_SHARDS_ALLOW_PARTIAL, &ix,
                                            &err),
                     CARI_OK);
    assert_int_equal(cari_index_shard_count(ix), 2);
    cari_index_close(ix);
    /* one place twice: two sets' shard 0 with no set id to tell */
    locs[0] = old[0];
    locs[1] = old[1];
    locs[2] = a[0];
    assert_int_equal(cari_index_open_shards(locs, 3, 0, &ix, &err),
                     CARI_EINVAL);
    assert_non_null(strstr(err.message, "again"));
    assert_non_null(strstr(err.message, a[0]));
    /* a record without a set id is of the set of its count given */
    locs[0] = old[0];
    locs[1] = a[1];
    assert_int_equal(cari_index_open_shards(locs, 2, 0, &ix, &err), CARI_OK);
    cari_index_close(ix);
    /* two set ids are two sets, each judged on its own: each a place
     * short here */
    locs[0] = a[0];
    locs[1] = b[1];
    assert_int_equal(cari_index_open_shards(locs, 2, 0, &ix, &err),
                     CARI_ENOTFOUND);
    assert_non_null(strstr(err.message, "is missing"));
    assert_non_null(strstr(err.message, a[1]));
    /* ... and both whole: searched together (two collections) */
    {
        const char *both[4];
        both[0] = a[0];
        both[1] = b[1];
        both[2] = b[0];
        both[3] = a[1];
        assert_int_equal(cari_index_open_shards(both, 4, 0, &ix, &err),
                         CARI_OK);
        assert_int_equal(cari_index_shard_count(ix), 4);
        cari_index_close(ix);
    }
    /* an index with no record is not judged; cari_index_open neither */
    locs[0] = a[0];
    locs[1] = a[1];
    locs[2] = plain;
    assert_int_equal(cari_index_open_shards(locs, 3, 0, &ix, &err), CARI_OK);
    cari_index_close(ix);
    cari_index_close(open_ok(a[1]));
    /* the writers of a set that mixes two sets' shards refuse it */
    wo.backend = "xapian";
    wo.sync = 0;
    assert_int_equal(cari_writer_open(a[0], &wo, &w[0], &err), CARI_OK);
    assert_int_equal(cari_writer_open(b[1], &wo, &w[1], &err), CARI_OK);
    assert_int_equal(cari_writers_set_shards(w, 2, &failed), CARI_EINVAL);
    assert_int_equal(failed, 1);
    assert_non_null(strstr(cari_writer_errmsg(w[1]), "another shard set"));
    cari_writer_close(w[0]);
    cari_writer_close(w[1]);
}

static void test_locked(void **state)
{
    char dir[PATH_MAX];
    cari_writer_options wo = CARI_WRITER_OPTIONS_INIT;
    cari_writer *w1 = NULL, *w2 = NULL;
    cari_error err;
    path_in(state, "x", dir, sizeof dir);
    build(dir, "xapian");
    assert_int_equal(cari_writer_open(dir, &wo, &w1, &err), CARI_OK);
    assert_int_equal(cari_writer_open(dir, &wo, &w2, &err), CARI_ELOCKED);
    assert_null(w2);
    assert_non_null(strstr(err.message, "locked by another writer"));
    cari_writer_close(w1);
    assert_int_equal(cari_writer_open(dir, &wo, &w2, &err), CARI_OK);
    cari_writer_close(w2);
}

/* Backends are fixed by the index; a native index is no shard. */
static void test_backend_conflicts(void **state)
{
    char xdir[PATH_MAX], ndir[PATH_MAX];
    cari_writer_options wo = CARI_WRITER_OPTIONS_INIT;
    cari_writer *w = NULL;
    cari_index *ix = NULL;
    cari_error err;
    const char *locs[2];
    path_in(state, "x", xdir, sizeof xdir);
    path_in(state, "n", ndir, sizeof ndir);
    build(xdir, "xapian");
    build(ndir, "native");
    wo.backend = "xapian";
    assert_int_equal(cari_writer_open(ndir, &wo, &w, &err), CARI_EINVAL);
    assert_non_null(strstr(err.message, "native"));
    wo.backend = "native";
    assert_int_equal(cari_writer_open(xdir, &wo, &w, &err), CARI_EINVAL);
    wo.backend = NULL;  /* an existing Xapian index needs no flag */
    assert_int_equal(cari_writer_open(xdir, &wo, &w, &err), CARI_OK);
    cari_writer_close(w);
    locs[0] = xdir;
    locs[1] = ndir;
    assert_int_equal(cari_index_open_shards(locs, 2, 0, &ix, &err),
                     CARI_EINVAL);
    assert_non_null(strstr(err.message, "native"));
}

/* Metadata written behind cari's back, through the shim. */
static void set_metadata(const char *dir, const char *key, const char *value)
{
    xc_writable *w = NULL;
    if (xc_writable_open(dir, XC_DB_OPEN, &w) ||
        xc_writable_set_metadata(w, key, value, strlen(value)) ||
        xc_writable_commit(w))
        fail_msg("metadata: %s", xc_last_error_message());
    xc_writable_free(w);
}

static void test_version_and_foreign(void **state)
{
    char dir[PATH_MAX], foreign[PATH_MAX], empty[PATH_MAX];
    cari_writer_options wo = CARI_WRITER_OPTIONS_INIT;
    cari_writer *w = NULL;
    cari_index *ix = NULL;
    cari_error err;
    xc_writable *x = NULL;
    xc_document *doc = NULL;
    path_in(state, "x", dir, sizeof dir);
    path_in(state, "foreign", foreign, sizeof foreign);
    path_in(state, "empty", empty, sizeof empty);
    build(dir, "xapian");
    set_metadata(dir, "cari.analyzer", "another-analyzer-v0");
    assert_int_equal(cari_index_open(dir, &ix, &err), CARI_EVERSION);
    assert_non_null(strstr(err.message, "another analyzer"));
    assert_non_null(strstr(err.message, "another-analyzer-v0"));
    assert_int_equal(cari_writer_open(dir, &wo, &w, &err), CARI_EVERSION);
    set_metadata(dir, "cari.format", "99");
    assert_int_equal(cari_index_open(dir, &ix, &err), CARI_EVERSION);
    assert_non_null(strstr(err.message, "format 99"));
    /* a Xapian database that cari did not make */
    assert_int_equal(xc_writable_open(foreign, XC_DB_CREATE, &x), XC_OK);
    assert_int_equal(xc_document_new(&doc), XC_OK);
    assert_int_equal(xc_document_add_term(doc, "hello", 1), XC_OK);
    assert_int_equal(xc_writable_add_document(x, doc, NULL), XC_OK);
    assert_int_equal(xc_writable_commit(x), XC_OK);
    xc_document_free(doc);
    xc_writable_free(x);
    assert_int_equal(cari_index_open(foreign, &ix, &err), CARI_EVERSION);
    assert_non_null(strstr(err.message, "not a cari index"));
    assert_int_equal(cari_writer_open(foreign, &wo, &w, &err), CARI_EVERSION);
    /* an empty one (a first run that never committed): no index yet */
    assert_int_equal(xc_writable_open(empty, XC_DB_CREATE, &x), XC_OK);
    xc_writable_free(x);
    assert_int_equal(cari_index_open(empty, &ix, &err), CARI_ENOTFOUND);
    assert_int_equal(cari_writer_open(empty, &wo, &w, &err), CARI_OK);
    cari_writer_close(w);
}

static void test_damaged(void **state)
{
    char dir[PATH_MAX], file[PATH_MAX + 32], junk[16384];
    cari_index *ix = NULL;
    cari_hits *h = NULL;
    cari_error err;
    int fd, rc;
    path_in(state, "x", dir, sizeof dir);
    build(dir, "xapian");
    snprintf(file, sizeof file, "%s/postlist.glass", dir);
    fd = open(file, O_WRONLY);
    assert_true(fd >= 0);
    memset(junk, 0x5a, sizeof junk);
    assert_int_equal(pwrite(fd, junk, sizeof junk, 0), (ssize_t)sizeof junk);
    close(fd);
    /* damage shows at open or at the first search, as CARI_ECORRUPT */
    rc = cari_index_open(dir, &ix, &err);
    if (rc == CARI_OK) {
        rc = cari_search(ix, "banjir", 6, NULL, &h);
        assert_non_null(strstr(cari_index_errmsg(ix), "damaged"));
        cari_index_close(ix);
    }
    assert_int_equal(rc, CARI_ECORRUPT);
    assert_null(h);
    /* a missing one */
    path_in(state, "nothing", dir, sizeof dir);
    assert_int_equal(cari_index_open_shards((const char *[]){dir, dir}, 2, 0,
                                            &ix, &err),
                     CARI_ENOTFOUND);
}

/* A passage whose stored record does not fit its values, in one shard of
 * two: the error names that shard (found by review: a damaged remote
 * shard among others was not named). */
static void test_damaged_shard_named(void **state)
{
    char s0[PATH_MAX], s1[PATH_MAX];
    const char *shards[2];
    cari_search_options o = CARI_SEARCH_OPTIONS_INIT;
    xc_writable *wdb = NULL;
    xc_database *db = NULL;
    cari_index *ix = NULL;
    cari_hits *h = NULL;
    cari_error err;
    xc_docid d;
    path_in(state, "s0", s0, sizeof s0);
    path_in(state, "s1", s1, sizeof s1);
    build_some(s0, "xapian", 0, 2);
    build_some(s1, "xapian", 1, 2);
    assert_int_equal(xc_writable_open(s1, XC_DB_OPEN | XC_DB_NO_SYNC, &wdb),
                     0);
    assert_int_equal(xc_writable_as_database(wdb, &db), 0);
    for (d = 1;; d++) {
        xc_document *doc = NULL;
        if (xc_database_get_document(db, d, &doc) != 0)
            break;
        assert_int_equal(xc_document_set_data(doc, "x", 1), 0);
        assert_int_equal(xc_writable_replace_document(wdb, d, doc), 0);
        xc_document_free(doc);
    }
    assert_true(d > 2);
    xc_database_free(db);
    assert_int_equal(xc_writable_commit(wdb), 0);
    assert_int_equal(xc_writable_close(wdb), 0);
    xc_writable_free(wdb);
    shards[0] = s0;
    shards[1] = s1;
    assert_int_equal(cari_index_open_shards(shards, 2, 0, &ix, &err), CARI_OK);
    o.flags = CARI_SEARCH_SNIPPETS;
    o.group = 0;
    assert_int_equal(cari_search(ix, "banjir nelayan", 14, &o, &h),
                     CARI_ECORRUPT);
    assert_null(h);
    if (!strstr(cari_index_errmsg(ix), s1) ||
        !strstr(cari_index_errmsg(ix), "does not match its values"))
        fail_msg("the message does not name %s: %s", s1,
                 cari_index_errmsg(ix));
    cari_index_close(ix);
}

/* Distinct handles may be used from distinct threads (cari.h).  A query
 * "+must optional" is built with xc_query_match_all, which copied Xapian's
 * static Query::MatchAll: its reference count is not atomic, so two
 * threads building such queries at once lost counts until the static
 * query was freed under them (SIGSEGV or "double free" within a few
 * hundred thousand calls on two cores). */
#define MATCH_ALL_CALLS 4000000
static void *match_all_loop(void *arg)
{
    long i, bad = 0;
    (void)arg;
    for (i = 0; i < MATCH_ALL_CALLS; i++) {
        xc_query *q = NULL, *copy = NULL;
        if (xc_query_match_all(&q) != 0 ||
            xc_query_scale_weight(q, 0.0, &copy) != 0)
            bad++;
        xc_query_free(copy);
        xc_query_free(q);
    }
    return (void *)bad;
}

static void test_match_all_in_threads(void **state)
{
    pthread_t t[2];
    void *bad[2];
    char *desc = NULL;
    xc_query *q = NULL;
    int i;
    (void)state;
    for (i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, match_all_loop, NULL), 0);
    for (i = 0; i < 2; i++) {
        assert_int_equal(pthread_join(t[i], &bad[i]), 0);
        assert_null(bad[i]);
    }
    /* still the query it was */
    assert_int_equal(xc_query_match_all(&q), 0);
    assert_int_equal(xc_query_describe(q, &desc), 0);
    assert_string_equal(desc, "Query(<alldocuments>)");
    xc_free(desc);
    xc_query_free(q);
}

/* A handle whose revision writers have since discarded (Xapian keeps the
 * last two commits) moves to the newest commit at its next search
 * instead of failing (cari.h): its statistics move with it, the
 * generation too (found by review: the articles were the new commit's,
 * the generation still the opened one's). */
#define REVISION_ARTICLES 600
static void revision_round(cari_writer *w, int add)
{
    char id[32];
    size_t i;
    for (i = 0; i < REVISION_ARTICLES; i++) {
        cari_article a = to_article(&articles[i % NARTICLES]);
        snprintf(id, sizeof id, "r%zu", i);
        a.id = id;
        a.id_len = strlen(id);
        if (add)
            assert_int_equal(cari_writer_add(w, &a), CARI_OK);
        else
            assert_int_equal(cari_writer_delete(w, a.id, a.id_len), CARI_OK);
    }
    assert_int_equal(cari_writer_commit(w), CARI_OK);
}

static void test_reader_follows_discarded_revision(void **state)
{
    char dir[PATH_MAX];
    cari_writer_options wo = CARI_WRITER_OPTIONS_INIT;
    cari_writer *w = NULL;
    cari_index_stats before, after;
    cari_index *ix;
    cari_hits *h;
    cari_error err;
    int round;
    path_in(state, "x", dir, sizeof dir);
    wo.backend = "xapian";
    wo.sync = 0;
    assert_int_equal(cari_writer_open(dir, &wo, &w, &err), CARI_OK);
    revision_round(w, 1);
    ix = open_ok(dir);
    cari_index_get_stats(ix, &before);
    assert_int_equal(before.articles, REVISION_ARTICLES);
    /* five more commits, deleting and adding every article in turn: the
     * opened revision's blocks are reused */
    for (round = 0; round < 5; round++)
        revision_round(w, round % 2);
    cari_writer_close(w);
    h = search_ok(ix, "banjir", 10);
    assert_int_equal(cari_hits_count(h), 0); /* the newest: none live */
    cari_hits_free(h);
    cari_index_get_stats(ix, &after);
    assert_int_equal(after.articles, 0);
    assert_int_equal(after.generation, before.generation + 5);
    cari_index_close(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_available),
        cmocka_unit_test(test_match_all_in_threads),
        cmocka_unit_test_setup_teardown(test_hits_match_native, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lean_hits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_explain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_operators_match_native, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reader_follows_discarded_revision,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_replace_delete, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bad_articles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_tagged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shards_global_statistics, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_remote_unreachable, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_shard_records, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_locked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backend_conflicts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_version_and_foreign, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_damaged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_shard_named, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
