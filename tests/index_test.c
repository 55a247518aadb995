/*
 * index_test.c -- the index directory through the public API (cari.h):
 * writing, committing and reopening, replace and delete by id within a
 * session and across commits, repeated ids reported with their tags
 * (cari_writer_add_tagged), uncommitted work, a failed commit, the
 * writer lock, flushing into several segments (same ranking as one
 * segment), searching (OR and ALL, paging, totals, snippets,
 * stopword-only queries) and damaged or missing indexes.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>

#include <zlib.h>

#include "cari.h"
#include "index_internal.h"
#include "test_util.h"

typedef test_index_fixture fixture;

/* the shared index fixture (test_util.h) under the names used below */
#define setup test_index_setup
#define teardown test_index_teardown

/* ---- helpers ---- */

static int writer_threads = 1; /* a known segment layout by default */
/* the stored text's deflate level; 0: the default (ISA-L's igzip).  The
 * tests that compare the bytes of segments built on different threads
 * take libdeflate's level 6: inside cari, igzip now and then writes
 * another valid stream for the same block (docs/ROBUSTNESS.md), which
 * would fail them at random; the threads are what they test. */
static int writer_level = 0;

static cari_writer *writer_open(const char *dir, size_t memory_mb)
{
    cari_writer_options o = CARI_WRITER_OPTIONS_INIT;
    cari_writer *w = NULL;
    cari_error err;
    o.sync = 0; /* durability is not under test; speed is welcome */
    o.threads = writer_threads;
    if (writer_level)
        o.compression_level = writer_level;
    if (memory_mb)
        o.memory_mb = memory_mb;
    memset(&err, 0, sizeof err);
    if (cari_writer_open(dir, &o, &w, &err) != CARI_OK)
        fail_msg("cari_writer_open(%s): %s", dir, err.message);
    return w;
}

static void del(cari_writer *w, const char *id)
{
    assert_int_equal(cari_writer_delete(w, id, strlen(id)), CARI_OK);
}

static void commit(cari_writer *w)
{
    if (cari_writer_commit(w) != CARI_OK)
        fail_msg("commit: %s", cari_writer_errmsg(w));
}

static cari_index *index_open(const char *dir)
{
    cari_index *ix = NULL;
    cari_error err;
    if (cari_index_open(dir, &ix, &err) != CARI_OK)
        fail_msg("cari_index_open(%s): %s", dir, err.message);
    return ix;
}

static cari_index_stats stats_of(const char *dir)
{
    cari_index *ix = index_open(dir);
    cari_index_stats st;
    cari_index_get_stats(ix, &st);
    cari_index_close(ix);
    return st;
}

/* Run a query; returns its hits (NULL and *rc set on failure). */
static cari_hits *search(cari_index *ix, const char *q, unsigned flags,
                         size_t limit, size_t offset, int *rc_out)
{
    cari_search_options o = CARI_SEARCH_OPTIONS_INIT;
    cari_hits *h = (cari_hits *)1;
    int rc;
    o.group = 0;  /* every passage: these tests count and page them */
    o.flags = flags;
    o.limit = limit;
    o.offset = offset;
    rc = cari_search(ix, q, strlen(q), &o, &h);
    if (rc_out)
        *rc_out = rc;
    else if (rc != CARI_OK)
        fail_msg("search '%s': %s (%s)", q, cari_strerror(rc),
                 cari_index_errmsg(ix));
    if (rc != CARI_OK)
        assert_null(h);
    return h;
}

/* Ids of the hits joined with spaces ("" for none). */
static const char *hit_ids(const cari_hits *h, char *buf, size_t cap)
{
    size_t i, n = 0;
    buf[0] = '\0';
    for (i = 0; i < cari_hits_count(h); i++) {
        cari_hit hit;
        assert_int_equal(cari_hits_get(h, i, &hit), CARI_OK);
        n += (size_t)snprintf(buf + n, cap - n, "%s%.*s", i ? " " : "",
                              (int)hit.id_len, hit.id);
        assert_true(n < cap);
    }
    return buf;
}

/* The ids (sorted, space-joined) of all hits of q. */
static const char *all_ids(cari_index *ix, const char *q, char *buf,
                           size_t cap)
{
    cari_hits *h = search(ix, q, 0, 1000, 0, NULL);
    char tmp[4096], *words[256], *save = NULL, *p;
    size_t n = 0, i, j, len = 0;
    hit_ids(h, tmp, sizeof tmp);
    for (p = strtok_r(tmp, " ", &save); p && n < 256;
         p = strtok_r(NULL, " ", &save))
        words[n++] = p;
    for (i = 1; i < n; i++) /* insertion sort, n is small */
        for (j = i; j > 0 && strcmp(words[j - 1], words[j]) > 0; j--) {
            char *t = words[j];
            words[j] = words[j - 1];
            words[j - 1] = t;
        }
    buf[0] = '\0';
    for (i = 0; i < n; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? " " : "",
                                words[i]);
    cari_hits_free(h);
    return buf;
}

#define EXPECT_IDS(ix, q, want)                                            \
    do {                                                                   \
        char b_[4096];                                                     \
        assert_string_equal(all_ids(ix, q, b_, sizeof b_), want);          \
    } while (0)

/* The directory's entries other than LOCK, sorted, space-joined. */
static const char *dir_files(const char *dir, char *buf, size_t cap)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char *names[64];
    size_t n = 0, i, j, len = 0;
    assert_non_null(d);
    while ((de = readdir(d)) != NULL && n < 64) {
        if (de->d_name[0] == '.' || !strcmp(de->d_name, "LOCK"))
            continue;
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    for (i = 1; i < n; i++)
        for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    buf[0] = '\0';
    for (i = 0; i < n; i++) {
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? " " : "",
                                names[i]);
        free(names[i]);
    }
    return buf;
}

#define EXPECT_FILES(dir, want)                                            \
    do {                                                                   \
        char b_[4096];                                                     \
        assert_string_equal(dir_files(dir, b_, sizeof b_), want);          \
    } while (0)

/* ------------------------------------------------------------------ */

/* Options out of their ranges are refused, naming the range, and write
 * nothing; 0 is the default (found by review: compression_level 99
 * wrote level 2 without a word). */
static void test_writer_option_ranges(void **state)
{
    fixture *f = *state;
    static const struct {
        int level, threads;
        size_t memory;
        const char *says;
    } bad[] = {
        {99, 0, 0, "compression_level 99: 1 to 12"},
        {-1, 0, 0, "compression_level -1: 1 to 12"},
        {0, -1, 0, "threads -1"},
        {0, 0, 15, "memory_mb 15: 16 to 1048576"},
        {0, 0, ((size_t)1 << 20) + 1, "memory_mb 1048577: 16 to 1048576"},
    };
    cari_writer_options o = CARI_WRITER_OPTIONS_INIT;
    cari_writer *w = NULL;
    cari_writer_stats ws;
    cari_error err;
    struct stat st;
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o.compression_level = bad[i].level;
        o.threads = bad[i].threads;
        o.memory_mb = bad[i].memory;
        memset(&err, 0, sizeof err);
        assert_int_equal(cari_writer_open(f->ix, &o, &w, &err), CARI_EINVAL);
        assert_null(w);
        assert_non_null(strstr(err.message, bad[i].says));
        assert_int_not_equal(stat(f->ix, &st), 0); /* nothing made */
    }
    /* 0 for each: the defaults */
    o.compression_level = 0;
    o.threads = 0;
    o.memory_mb = 0;
    o.sync = 0;
    assert_int_equal(cari_writer_open(f->ix, &o, &w, &err), CARI_OK);
    commit(w);
    cari_writer_get_stats(w, &ws);
    assert_int_equal(ws.total_articles, 0);
    cari_writer_close(w);
}

static void test_write_commit_reopen(void **state)
{
    fixture *f = *state;
    cari_writer *w = writer_open(f->ix, 0);
    cari_writer_stats ws;
    cari_index_stats st;
    cari_index *ix;
    char id[32], text[256];
    int k;
    for (k = 0; k < 30; k++) {
        snprintf(id, sizeof id, "doc-%02d", k);
        snprintf(text, sizeof text,
                 "Artikel nomor %d tentang kopi dan petani.\n\nParagraf "
                 "kedua membahas harga %d rupiah.",
                 k, 1000 + k);
        test_add(w, id, "Judul kopi", text);
    }
    cari_writer_get_stats(w, &ws);
    assert_int_equal(ws.articles, 30);
    assert_true(ws.input_bytes > 30 * 60);
    assert_int_equal(ws.total_articles, 0); /* nothing committed yet */
    /* nothing is visible before the commit */
    {
        cari_index *none = (cari_index *)1;
        cari_error err;
        assert_int_equal(cari_index_open(f->ix, &none, &err), CARI_ENOTFOUND);
        assert_null(none);
    }
    commit(w);
    /* passages are counted as workers analyze: complete after the commit */
    cari_writer_get_stats(w, &ws);
    assert_int_equal(ws.passages, 30); /* the short paragraphs merge */
    cari_writer_get_stats(w, &ws);
    assert_int_equal(ws.total_articles, 30);
    assert_true(ws.terms > 30);
    assert_true(ws.index_bytes > 0);
    cari_writer_close(w);
    ix = index_open(f->ix);
    cari_index_get_stats(ix, &st);
    assert_int_equal(st.articles, 30);
    assert_int_equal(st.passages, 30);
    assert_int_equal(st.deleted, 0);
    assert_int_equal(st.segments, 1);
    assert_int_equal(st.generation, 1);
    assert_int_equal(st.terms, ws.terms);
    assert_int_equal(st.bytes, ws.index_bytes);
    assert_non_null(cari_index_errmsg(ix));
    EXPECT_IDS(ix, "1007", "doc-07");
    cari_index_close(ix);
    cari_index_close(NULL);
    cari_writer_close(NULL);
    EXPECT_FILES(f->ix, "MANIFEST seg-000001.cari");
}

static void test_replace_across_commits(void **state)
{
    fixture *f = *state;
    cari_writer *w = writer_open(f->ix, 0);
    cari_index_stats st;
    cari_index *ix;
    int k;
    test_add(w, "a", "Satu", "teks lama alfaqz");
    test_add(w, "b", "Dua", "teks lama betaqz");
    test_add(w, "c", "Tiga", "teks lama gamaqz");
    /* others, so that the deletions below stay under the share that makes
     * a commit merge (CARI_AUTO_MERGE_DELETED) */
    for (k = 0; k < 20; k++) {
        char id[16], text[32];
        snprintf(id, sizeof id, "isi-%d", k);
        snprintf(text, sizeof text, "isian nomor%d", k);
        test_add(w, id, "Isian", text);
    }
    commit(w);
    cari_writer_close(w);
    w = writer_open(f->ix, 0);
    test_add(w, "b", "Dua baru", "teks baru betaqzbaru");
    commit(w);
    cari_writer_close(w);
    st = stats_of(f->ix);
    assert_int_equal(st.articles, 23);
    assert_int_equal(st.deleted, 1);
    assert_int_equal(st.segments, 2);
    assert_int_equal(st.generation, 2);
    ix = index_open(f->ix);
    EXPECT_IDS(ix, "betaqz", "");
    EXPECT_IDS(ix, "betaqzbaru", "b");
    EXPECT_IDS(ix, "teks", "a b c");
    EXPECT_IDS(ix, "lama", "a c");
    cari_index_close(ix);
    /* replace again: the copy in the second segment goes */
    w = writer_open(f->ix, 0);
    test_add(w, "b", "Dua lagi", "teks ketiga betaqzlagi");
    del(w, "a");
    commit(w);
    cari_writer_close(w);
    ix = index_open(f->ix);
    EXPECT_IDS(ix, "teks", "b c");
    EXPECT_IDS(ix, "betaqzbaru betaqz", "");
    EXPECT_IDS(ix, "betaqzlagi", "b");
    cari_index_close(ix);
    st = stats_of(f->ix);
    assert_int_equal(st.articles, 22);
    /* the second segment held only "b": it is dropped, not kept empty */
    assert_int_equal(st.segments, 2);
    EXPECT_FILES(f->ix, "MANIFEST seg-000001.cari seg-000001.del-000003 "
                        "seg-000003.cari");
}

/* cari_writer_add_tagged says when an id comes again within a session,
 * with the tag of its last add; a commit starts afresh. */
static void tagged(cari_writer *w, const char *id, uint64_t tag, int want,
                   uint64_t want_prev)
{
    cari_article a = test_article(id, "", "teks berlabel");
    int again = -1;
    uint64_t prev = 0;
    assert_int_equal(cari_writer_add_tagged(w, &a, tag, &again, &prev),
                     CARI_OK);
    assert_int_equal(again, want);
    if (want)
        assert_int_equal(prev, want_prev);
}

static void test_add_tagged(void **state)
{
    fixture *f = *state;
    cari_writer *w = writer_open(f->ix, 0);
    cari_index *ix;
    tagged(w, "x", 7, 0, 0);
    tagged(w, "y", 8, 0, 0);
    tagged(w, "x", 9, 1, 7);
    tagged(w, "x", 10, 1, 9);
    del(w, "y");
    tagged(w, "y", 11, 1, 8);
    commit(w);
    tagged(w, "x", 12, 0, 0);
    commit(w);
    cari_writer_close(w);
    ix = index_open(f->ix);
    EXPECT_IDS(ix, "berlabel", "x y");
    cari_index_close(ix);
}

/* Deletes are counted as found only when their id was live: committed
 * and not deleted or replaced since, or added by this writer after its
 * last delete (found by review: cari-index said "1 ids deleted" for an
 * id the index did not hold). */
static void expect_deletes(cari_writer *w, uint64_t deleted,
                           uint64_t not_found)
{
    cari_writer_stats ws;
    cari_writer_get_stats(w, &ws);
    assert_int_equal(ws.deleted, deleted);
    assert_int_equal(ws.not_found, not_found);
}

static void test_delete_counts(void **state)
{
    fixture *f = *state;
    cari_writer *w = writer_open(f->ix, 0);
    cari_index *ix;
    test_add(w, "a", "Satu", "teks satu");
    test_add(w, "b", "Dua", "teks dua");
    test_add(w, "c", "Tiga", "teks tiga");
    expect_deletes(w, 0, 0);
    commit(w);
    cari_writer_close(w);
    w = writer_open(f->ix, 0);
    del(w, "a");                 /* committed */
    expect_deletes(w, 1, 0);
    del(w, "a");                 /* again */
    expect_deletes(w, 1, 1);
    del(w, "tidak-ada");         /* never there */
    expect_deletes(w, 1, 2);
    test_add(w, "baru", "Baru", "teks baru");
    del(w, "baru");              /* added, not committed */
    expect_deletes(w, 2, 2);
    del(w, "baru");
    expect_deletes(w, 2, 3);
    test_add(w, "a", "Satu lagi", "teks satu lagi");
    del(w, "a");                 /* deleted, added again, deleted */
    expect_deletes(w, 3, 3);
    test_add(w, "b", "Dua baru", "teks dua baru");
    del(w, "b");                 /* replaced, then deleted: one article */
    expect_deletes(w, 4, 3);
    commit(w);
    del(w, "b");                 /* deleted by the last commit */
    del(w, "c");                 /* still there after it */
    expect_deletes(w, 5, 4);
    commit(w);
    cari_writer_close(w);
    ix = index_open(f->ix);
    EXPECT_IDS(ix, "teks", "");
    cari_index_close(ix);
}

/* A commit that fails leaves the previous commit and fails the writer
 * (cari.h): a second try could not commit a session whose ids it gave
 * back before its merges. */
static void test_failed_commit(void **state)
{
    fixture *f = *state;
    cari_writer *w = writer_open(f->ix, 0);
    cari_article a;
    char path[600];
    cari_index *ix;
    test_add(w, "a", "Satu", "teks lama alfaqz");
    commit(w);
    cari_writer_close(w);
    w = writer_open(f->ix, 0);
    test_add(w, "a", "Satu baru", "teks baru alfaqzbaru");
    test_add(w, "b", "Dua", "teks betaqz");
    assert_int_equal(cari_writer_flush(w), CARI_OK);
    /* the flushed segment, damaged: the commit reads it back */
    snprintf(path, sizeof path, "%s/seg-000002.cari", f->ix);
    assert_int_equal(truncate(path, 100), 0);
    assert_int_not_equal(cari_writer_commit(w), CARI_OK);
    assert_true(*cari_writer_errmsg(w) != '\0');
    a = test_article("c", "", "teks gamaqz");
    assert_int_not_equal(cari_writer_add(w, &a), CARI_OK);
    assert_int_not_equal(cari_writer_commit(w), CARI_OK);
    cari_writer_close(w);
    ix = index_open(f->ix);
    EXPECT_IDS(ix, "teks", "a");
    EXPECT_IDS(ix, "alfaqz", "a");
    EXPECT_IDS(ix, "alfaqzbaru betaqz", "");
    cari_index_close(ix);
    /* a new writer commits */
    w = writer_open(f->ix, 0);
    test_add(w, "b", "Dua", "teks betaqz");
    commit(w);
    cari_writer_close(w);
    ix = index_open(f->ix);
    EXPECT_IDS(ix, "teks", "a b");
    cari_index_close(ix);
}

static void test_replace_within_session(void **state)
{
    fixture *f = *state;
    cari_writer *w = writer_open(f->ix, 0);
    cari_index *ix;
    cari_index_stats st;
    /* add X, delete X alone in a session: its segment is not kept */
    test_add(w, "tmp", "X", "sementara");
    del(w, "tmp");
    commit(w);
    assert_int_equal(stats_of(f->ix).segments, 0);
    EXPECT_FILES(f->ix, "MANIFEST");
    /* add X, add X again: one copy, the second */
    test_add(w, "x1", "X", "pertama qzsatu");
    test_add(w, "x1", "X", "kedua qzdua");
    /* add X, delete X: none */
    test_add(w, "x2", "X", "dihapus qztiga");
    del(w, "x2");
    /* add X, delete X, add X: one */
    test_add(w, "x3", "X", "awal qzempat");
    del(w, "x3");
    test_add(w, "x3", "X", "akhir qzlima");
    /* deleting what is not there is fine */
    del(w, "tidak-ada");
    del(w, "tidak-ada");
    commit(w);
    cari_writer_close(w);
    st = stats_of(f->ix);
    assert_int_equal(st.articles, 2);
    ix = index_open(f->ix);
    EXPECT_IDS(ix, "qzsatu", "");
    EXPECT_IDS(ix, "qzdua", "x1");
    EXPECT_IDS(ix, "qztiga", "");
    EXPECT_IDS(ix, "qzempat", "");
    EXPECT_IDS(ix, "qzlima", "x3");
    EXPECT_IDS(ix, "qzsatu qzdua qztiga qzempat qzlima", "x1 x3");
    cari_index_close(ix);
    /* the same across a later session: delete x1, re-add x2 */
    w = writer_open(f->ix, 0);
    del(w, "x1");
    test_add(w, "x2", "X", "kembali qzenam");
    test_add(w, "x2", "X", "kembali lagi qztujuh");
    commit(w);
    cari_writer_close(w);
    ix = index_open(f->ix);
    EXPECT_IDS(ix, "qzdua qzenam qztujuh qzlima", "x2 x3");
    EXPECT_IDS(ix, "qzenam", "");
    cari_index_close(ix);
    /* everything deleted: an empty but valid index */
    w = writer_open(f->ix, 0);
    del(w, "x2");
    del(w, "x3");
    commit(w);
    cari_writer_close(w);
    st = stats_of(f->ix);
    assert_int_equal(st.articles, 0);
    assert_int_equal(st.segments, 0);
    EXPECT_FILES(f->ix, "MANIFEST");
    ix = index_open(f->ix);
    EXPECT_IDS(ix, "kembali", "");
    cari_index_close(ix);
}

static void test_bad_articles(void **state)
{
    fixture *f = *state;
    cari_writer *w = writer_open(f->ix, 0);
    cari_article a;
    memset(&a, 0, sizeof a);
    a.id = "";
    a.id_len = 0;
    assert_int_equal(cari_writer_add(w, &a), CARI_EINPUT);
    assert_true(strlen(cari_writer_errmsg(w)) > 0);
    a.id = "a\0b";
    a.id_len = 3;
    assert_int_equal(cari_writer_add(w, &a), CARI_EINPUT);
    a.id = "baris\nbaru";
    a.id_len = 10;
    assert_int_equal(cari_writer_add(w, &a), CARI_EINPUT);
    a.id = "utf8";
    a.id_len = 4;
    a.text = "rusak \xff\xfe";
    a.text_len = 8;
    assert_int_equal(cari_writer_add(w, &a), CARI_EINPUT);
    a.text = NULL;
    a.text_len = 5;
    assert_int_equal(cari_writer_add(w, &a), CARI_EINVAL);
    assert_int_equal(cari_writer_add(w, NULL), CARI_EINVAL);
    assert_int_equal(cari_writer_add(NULL, &a), CARI_EINVAL);
    assert_int_equal(cari_writer_delete(w, "", 0), CARI_EINVAL);
    /* metadata: a JSON object, and a length needs bytes (found by review:
     * these were taken, and --check then called the index damaged; NULL
     * with a length crashed) */
    a.text = NULL;
    a.text_len = 0;
    a.meta = "[1,2,3]";
    a.meta_len = 7;
    assert_int_equal(cari_writer_add(w, &a), CARI_EINPUT);
    assert_non_null(strstr(cari_writer_errmsg(w), "not a JSON object"));
    a.meta = "{broken";
    assert_int_equal(cari_writer_add(w, &a), CARI_EINPUT);
    a.meta = "\"str\"";
    a.meta_len = 5;
    assert_int_equal(cari_writer_add(w, &a), CARI_EINPUT);
    a.meta = NULL;
    assert_int_equal(cari_writer_add(w, &a), CARI_EINVAL);
    a.meta_len = 0;
    /* the writer stays usable; an article without title or text is fine */
    a.text = NULL;
    a.text_len = 0;
    assert_int_equal(cari_writer_add(w, &a), CARI_OK);
    test_add(w, "ok", "Baik", "artikel yang baik qzbaik");
    commit(w);
    cari_writer_close(w);
    assert_int_equal(stats_of(f->ix).articles, 2);
}

static void test_uncommitted_writer(void **state)
{
    fixture *f = *state;
    cari_writer *w = writer_open(f->ix, 0);
    cari_index *before, *after;
    char path[400];
    int k;
    test_add(w, "a", "Satu", "tetap tersimpan qzsatu");
    test_add(w, "b", "Dua", "tetap tersimpan qzdua");
    commit(w);
    cari_writer_close(w);
    before = index_open(f->ix);
    /* a writer that adds, deletes and flushes a segment, then is closed
     * without a commit */
    w = writer_open(f->ix, 16);
    del(w, "a");
    test_add(w, "b", "Dua", "diganti qzganti");
    for (k = 0; k < 400; k++) {
        char id[32], text[20000];
        size_t n = 0;
        int j;
        snprintf(id, sizeof id, "isi-%d", k);
        for (j = 0; j < 1500; j++)
            n += (size_t)snprintf(text + n, sizeof text - n, "%d ",
                                  k * 1500 + j);
        test_add(w, id, "Isi", text);
    }
    /* the flushed segment is on disk, not in the manifest */
    assert_true(test_count_entries(f->ix, "seg-") >= 2);
    cari_writer_close(w);
    EXPECT_FILES(f->ix, "MANIFEST seg-000001.cari");
    /* leftovers of a crashed writer are removed by the next one */
    snprintf(path, sizeof path, "%s/seg-000099.cari", f->ix);
    assert_int_equal(test_write_str(path, "sisa"), 0);
    snprintf(path, sizeof path, "%s/seg-000001.del-000042", f->ix);
    assert_int_equal(test_write_str(path, "sisa"), 0);
    snprintf(path, sizeof path, "%s/MANIFEST.tmp", f->ix);
    assert_int_equal(test_write_str(path, "sisa"), 0);
    snprintf(path, sizeof path, "%s/catatan.txt", f->ix);
    assert_int_equal(test_write_str(path, "bukan milik indeks"), 0);
    w = writer_open(f->ix, 0);
    EXPECT_FILES(f->ix, "MANIFEST catatan.txt seg-000001.cari");
    cari_writer_close(w);
    /* the previous commit is unchanged, for old and new readers */
    after = index_open(f->ix);
    EXPECT_IDS(before, "tetap", "a b");
    EXPECT_IDS(after, "tetap", "a b");
    EXPECT_IDS(after, "qzganti", "");
    EXPECT_IDS(after, "100", "");
    assert_int_equal(stats_of(f->ix).generation, 1);
    cari_index_close(before);
    cari_index_close(after);
}

/* A directory with segment files and no MANIFEST has lost its MANIFEST
 * (a writer writes an empty one before its first segment file): readers,
 * the checker and writers call it damage, and the writer removes nothing
 * (found by review: the next writer took the segments for a killed first
 * run's leftovers, started a new index and removed them). */
static void test_lost_manifest(void **state)
{
    fixture *f = *state;
    cari_writer *w = writer_open(f->ix, 0), *w2 = (cari_writer *)1;
    cari_index *ix = (cari_index *)1;
    cari_check_stats st;
    cari_error err;
    char path[400], files[4096];
    test_add(w, "a", "Satu", "teks satu");
    commit(w);
    test_add(w, "b", "Dua", "teks dua");
    commit(w);
    cari_writer_close(w);
    snprintf(path, sizeof path, "%s/MANIFEST", f->ix);
    assert_int_equal(unlink(path), 0);
    EXPECT_FILES(f->ix, "seg-000001.cari seg-000002.cari");
    memset(&err, 0, sizeof err);
    assert_int_equal(cari_writer_open(f->ix, NULL, &w2, &err),
                     CARI_ECORRUPT);
    assert_null(w2);
    assert_non_null(strstr(err.message, "/MANIFEST: missing but segment "
                                        "files present (seg-00000"));
    assert_non_null(strstr(err.message, ".cari and 1 more): the list of "
                                        "the index's segments is lost"));
    assert_non_null(strstr(err.message, f->ix));
    EXPECT_FILES(f->ix, "seg-000001.cari seg-000002.cari");
    memset(&err, 0, sizeof err);
    assert_int_equal(cari_index_open(f->ix, &ix, &err), CARI_ECORRUPT);
    assert_null(ix);
    assert_non_null(strstr(err.message, "MANIFEST: missing but segment "
                                        "files present"));
    memset(&err, 0, sizeof err);
    assert_int_equal(cari_index_check(f->ix, NULL, NULL, &st, &err),
                     CARI_ECORRUPT);
    assert_non_null(strstr(err.message, "MANIFEST: missing but segment "
                                        "files present"));
    /* a deletion file alone is an index's too */
    snprintf(path, sizeof path, "%s/seg-000001.cari", f->ix);
    assert_int_equal(unlink(path), 0);
    snprintf(path, sizeof path, "%s/seg-000002.cari", f->ix);
    assert_int_equal(unlink(path), 0);
    snprintf(path, sizeof path, "%s/seg-000001.del-000002", f->ix);
    assert_int_equal(test_write_str(path, "sisa"), 0);
    dir_files(f->ix, files, sizeof files);
    w2 = (cari_writer *)1;
    assert_int_equal(cari_writer_open(f->ix, NULL, &w2, &err),
                     CARI_ECORRUPT);
    assert_non_null(strstr(err.message, "(seg-000001.del-000002): the list"));
    EXPECT_FILES(f->ix, files);
    /* the files moved away: a new index */
    assert_int_equal(unlink(path), 0);
    w = writer_open(f->ix, 0);
    test_add(w, "d", "Empat", "teks empat");
    commit(w);
    cari_writer_close(w);
    assert_int_equal(stats_of(f->ix).articles, 1);
}

/* A new index gets an empty MANIFEST (generation 0) before its first
 * segment file: a first run killed after writing a segment leaves an
 * index of no articles and an unreferenced file, which the next writer
 * removes. */
static void test_killed_first_run(void **state)
{
    fixture *f = *state;
    cari_writer *w = writer_open(f->ix, 0);
    cari_index *ix;
    cari_index_stats st;
    cari_check_stats cs;
    cari_error err;
    cari_hits *h;
    char path[400];
    unsigned char *seg;
    size_t len = 0;
    test_add(w, "a", "Satu", "teks satu");
    test_add(w, "b", "Dua", "teks dua");
    assert_int_equal(cari_writer_flush(w), CARI_OK);
    EXPECT_FILES(f->ix, "MANIFEST seg-000001.cari");
    ix = index_open(f->ix);
    cari_index_get_stats(ix, &st);
    assert_int_equal(st.articles, 0);
    assert_int_equal(st.segments, 0);
    assert_int_equal(st.generation, 0);
    h = search(ix, "teks", 0, 10, 0, NULL);
    assert_int_equal(cari_hits_count(h), 0);
    cari_hits_free(h);
    cari_index_close(ix);
    memset(&err, 0, sizeof err);
    assert_int_equal(cari_index_check(f->ix, NULL, NULL, &cs, &err), CARI_OK);
    assert_int_equal(cs.unreferenced, 1);
    /* killed here: the segment stays (a closed writer removes it) */
    snprintf(path, sizeof path, "%s/seg-000001.cari", f->ix);
    seg = test_read_file(path, &len);
    assert_non_null(seg);
    cari_writer_close(w);
    assert_int_equal(test_write_file(path, seg, len), 0);
    free(seg);
    EXPECT_FILES(f->ix, "MANIFEST seg-000001.cari");
    /* the next run removes it and commits */
    w = writer_open(f->ix, 0);
    EXPECT_FILES(f->ix, "MANIFEST");
    test_add(w, "b", "Dua", "teks dua");
    commit(w);
    cari_writer_close(w);
    st = stats_of(f->ix);
    assert_int_equal(st.articles, 1);
    assert_int_equal(st.generation, 1);
    ix = index_open(f->ix);
    EXPECT_IDS(ix, "teks", "b");
    cari_index_close(ix);
}

/* A reader keeps the commit it opened, even when a later commit drops
 * the files it reads. */
static void test_reader_snapshot(void **state)
{
    fixture *f = *state;
    cari_writer *w = writer_open(f->ix, 0);
    cari_index *old;
    cari_index_stats st;
    test_add(w, "a", "Satu", "sungai meluap qzsungai");
    test_add(w, "b", "Dua", "sungai surut");
    commit(w);
    old = index_open(f->ix);
    del(w, "a");
    del(w, "b");
    test_add(w, "c", "Tiga", "laut tenang");
    commit(w);
    cari_writer_close(w);
    EXPECT_FILES(f->ix, "MANIFEST seg-000002.cari");
    EXPECT_IDS(old, "sungai", "a b");
    {
        int rc;
        cari_hits *h = search(old, "qzsungai", CARI_SEARCH_SNIPPETS, 10, 0,
                              &rc);
        cari_hit hit;
        assert_int_equal(rc, CARI_OK);
        assert_int_equal(cari_hits_get(h, 0, &hit), CARI_OK);
        assert_string_equal(hit.text, "sungai meluap qzsungai");
        cari_hits_free(h);
    }
    cari_index_get_stats(old, &st);
    assert_int_equal(st.generation, 1);
    cari_index_close(old);
    st = stats_of(f->ix);
    assert_int_equal(st.generation, 2);
    assert_int_equal(st.articles, 1);
}

static void test_lock(void **state)
{
    fixture *f = *state;
    cari_writer *w1 = writer_open(f->ix, 0), *w2 = (cari_writer *)1;
    cari_error err;
    char want[64];
    memset(&err, 0, sizeof err);
    assert_int_equal(cari_writer_open(f->ix, NULL, &w2, &err), CARI_ELOCKED);
    assert_null(w2);
    assert_int_equal(err.code, CARI_ELOCKED);
    snprintf(want, sizeof want, "locked by pid %ld", (long)getpid());
    if (!strstr(err.message, want))
        fail_msg("'%s' does not say '%s'", err.message, want);
    /* the failed open did not disturb the holder */
    test_add(w1, "a", "A", "dikunci");
    commit(w1);
    cari_writer_close(w1);
    /* released: a new writer gets in */
    w2 = NULL;
    assert_int_equal(cari_writer_open(f->ix, NULL, &w2, &err), CARI_OK);
    cari_writer_close(w2);
    assert_int_equal(stats_of(f->ix).articles, 1);
}

static void test_missing_and_damaged(void **state)
{
    fixture *f = *state;
    cari_index *ix = (cari_index *)1;
    cari_error err;
    char path[400], nothing[400];
    unsigned char *data;
    size_t len = 0, at;
    cari_writer *w;
    /* no index: an empty directory and a path that does not exist */
    assert_int_equal(cari_index_open(f->dir, &ix, &err), CARI_ENOTFOUND);
    assert_null(ix);
    assert_true(strlen(err.message) > 0);
    snprintf(nothing, sizeof nothing, "%s/tidak/ada", f->dir);
    assert_int_equal(cari_index_open(nothing, &ix, &err), CARI_ENOTFOUND);
    assert_int_equal(cari_index_open(NULL, &ix, &err), CARI_EINVAL);
    {
        /* a NULL location among the shards (found by review: crashed) */
        const char *none[1] = {NULL};
        assert_int_equal(cari_index_open_shards(none, 1, 0, &ix, &err),
                         CARI_EINVAL);
    }
    /* a damaged MANIFEST */
    w = writer_open(f->ix, 0);
    test_add(w, "a", "Satu", "isi");
    test_add(w, "b", "Dua", "isi");
    commit(w);
    cari_writer_close(w);
    snprintf(path, sizeof path, "%s/MANIFEST", f->ix);
    data = test_read_file(path, &len);
    assert_non_null(data);
    assert_int_equal(data[len - 1], '\n');
    for (at = 0; at + 1 < len; at++) { /* every byte but the final newline */
        int rc, way;
        for (way = 0; way < 2; way++) {
            data[at] ^= way ? 0x80 : 0x01;
            assert_int_equal(test_write_file(path, data, len), 0);
            rc = cari_index_open(f->ix, &ix, &err);
            if (rc != CARI_ECORRUPT)
                fail_msg("MANIFEST byte %zu changed: open returned %d (%s)",
                         at, rc, err.message);
            assert_null(ix);
            /* a writer refuses it too */
            if (at % 16 == 0) {
                cari_writer *w2 = (cari_writer *)1;
                assert_int_equal(cari_writer_open(f->ix, NULL, &w2, &err),
                                 CARI_ECORRUPT);
                assert_null(w2);
            }
            data[at] ^= way ? 0x80 : 0x01;
        }
    }
    assert_int_equal(test_write_file(path, data, len), 0);
    ix = index_open(f->ix);
    cari_index_close(ix);
    /* a MANIFEST cut short */
    assert_int_equal(test_write_file(path, data, len / 2), 0);
    assert_int_equal(cari_index_open(f->ix, &ix, &err), CARI_ECORRUPT);
    assert_int_equal(test_write_file(path, data, 0), 0);
    assert_int_equal(cari_index_open(f->ix, &ix, &err), CARI_ECORRUPT);
    /* bytes after the checksum line (found by review: ignored, and
     * --check passed): a byte, a newline, NULs, a whole segment line */
    {
        static const char *const extra[] = {"x", "\n", "1",
                                            "segment 9 1 1 0 0\n"};
        unsigned char *longer = malloc(len + 32);
        size_t k;
        assert_non_null(longer);
        for (k = 0; k < 5; k++) {
            size_t n = k < 4 ? strlen(extra[k]) : 4;
            memcpy(longer, data, len);
            if (k < 4)
                memcpy(longer + len, extra[k], n);
            else
                memset(longer + len, 0, n);
            assert_int_equal(test_write_file(path, longer, len + n), 0);
            assert_int_equal(cari_index_open(f->ix, &ix, &err), CARI_ECORRUPT);
            assert_non_null(strstr(err.message, "MANIFEST"));
            assert_int_equal(cari_index_check(f->ix, NULL, NULL, NULL, &err),
                             CARI_ECORRUPT);
        }
        free(longer);
    }
    assert_int_equal(test_write_file(path, data, len), 0);
    /* a damaged segment */
    {
        size_t slen = 0;
        unsigned char *seg;
        snprintf(path, sizeof path, "%s/seg-000001.cari", f->ix);
        seg = test_read_file(path, &slen);
        assert_non_null(seg);
        seg[slen / 2] ^= 0x10;
        assert_int_equal(test_write_file(path, seg, slen), 0);
        assert_int_equal(cari_index_open(f->ix, &ix, &err), CARI_ECORRUPT);
        seg[slen / 2] ^= 0x10;
        assert_int_equal(test_write_file(path, seg, slen), 0);
        /* a segment the manifest names is missing: damage, not "no
         * index here" */
        unlink(path);
        assert_int_equal(cari_index_open(f->ix, &ix, &err), CARI_ECORRUPT);
        assert_non_null(strstr(err.message, "seg-000001.cari"));
        assert_int_equal(cari_writer_open(f->ix, NULL, &w, &err),
                         CARI_ECORRUPT);
        assert_null(w);
        assert_int_equal(test_write_file(path, seg, slen), 0);
        free(seg);
    }
    ix = index_open(f->ix);
    cari_index_close(ix);
    free(data);
}

/* Rewrite MANIFEST with one line replaced and a valid checksum. */
static void rewrite_manifest(const char *ixdir, const char *prefix,
                             const char *line)
{
    char path[400], out[8192];
    size_t len = 0, n = 0;
    unsigned char *data;
    char *p, *save = NULL;
    snprintf(path, sizeof path, "%s/MANIFEST", ixdir);
    data = test_read_file(path, &len);
    assert_non_null(data);
    for (p = strtok_r((char *)data, "\n", &save); p;
         p = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(p, "checksum ", 9))
            break;
        n += (size_t)snprintf(out + n, sizeof out - n, "%s\n",
                              strncmp(p, prefix, strlen(prefix)) ? p : line);
    }
    n += (size_t)snprintf(out + n, sizeof out - n, "checksum %08x\n",
                          (unsigned)crc32(0, (const unsigned char *)out,
                                          (uInt)n));
    assert_int_equal(test_write_file(path, out, n), 0);
    free(data);
}

static void test_version_mismatch(void **state)
{
    fixture *f = *state;
    cari_writer *w = writer_open(f->ix, 0), *w2;
    cari_index *ix = NULL;
    cari_error err;
    test_add(w, "a", "Satu", "isi");
    commit(w);
    cari_writer_close(w);
    /* the checksum is right, the content says another analyzer */
    rewrite_manifest(f->ix, "analyzer ", "analyzer cari-analyzer/0 lain");
    assert_int_equal(cari_index_open(f->ix, &ix, &err), CARI_EVERSION);
    assert_non_null(strstr(err.message, "analyzer"));
    assert_int_equal(cari_writer_open(f->ix, NULL, &w2, &err), CARI_EVERSION);
    /* another format */
    rewrite_manifest(f->ix, "cari-index ", "cari-index 99");
    assert_int_equal(cari_index_open(f->ix, &ix, &err), CARI_EVERSION);
    assert_null(ix);
    /* a line it does not know is damage */
    rewrite_manifest(f->ix, "cari-index ", "cari-index 1\nbogus line");
    assert_int_equal(cari_index_open(f->ix, &ix, &err), CARI_ECORRUPT);
}

/* A MANIFEST whose checksum is right but whose lines disagree with each
 * other is damage to readers and writers, as to --check (found by review:
 * a segment listed twice was searched twice and written on). */
static void test_manifest_invariants(void **state)
{
    fixture *f = *state;
    cari_writer *w = writer_open(f->ix, 0), *w2;
    cari_index *ix = NULL;
    cari_error err;
    char path[400], seg[128], line[300], id[8];
    unsigned num, arts, pass, gen, ndel;
    unsigned char *orig;
    size_t len = 0, k;
    const char *at;
    for (k = 0; k < 10; k++) {
        snprintf(id, sizeof id, "a%zu", k);
        test_add(w, id, "Judul", "isi berita");
    }
    commit(w);
    del(w, "a3");
    commit(w);
    cari_writer_close(w);
    snprintf(path, sizeof path, "%s/MANIFEST", f->ix);
    orig = test_read_file(path, &len);
    assert_non_null(orig);
    at = strstr((const char *)orig, "\nsegment 1 ");
    assert_non_null(at);
    assert_int_equal(sscanf(at + 1, "segment %u %u %u %u %u", &num, &arts,
                            &pass, &gen, &ndel), 5);
    assert_int_equal(gen, 2);
    assert_int_equal(ndel, 1);
    snprintf(seg, sizeof seg, "segment %u %u %u %u %u", num, arts, pass, gen,
             ndel);
    for (k = 0; k < 3; k++) {
        const char *want;
        assert_int_equal(test_write_file(path, orig, len), 0);
        if (k == 0) {
            snprintf(line, sizeof line, "%s\n%s", seg, seg);
            rewrite_manifest(f->ix, "segment 1 ", line);
            want = "listed twice";
        } else if (k == 1) {
            rewrite_manifest(f->ix, "generation ", "generation 1");
            want = "after the index's generation";
        } else {
            snprintf(line, sizeof line, "segment %u %u %u 0 %u", num, arts,
                     pass, ndel);
            rewrite_manifest(f->ix, "segment 1 ", line);
            want = "no deletion file";
        }
        assert_int_equal(cari_index_open(f->ix, &ix, &err), CARI_ECORRUPT);
        assert_null(ix);
        if (!strstr(err.message, want) || !strstr(err.message, "MANIFEST"))
            fail_msg("case %zu: %s", k, err.message);
        assert_int_equal(cari_writer_open(f->ix, NULL, &w2, &err),
                         CARI_ECORRUPT);
        assert_null(w2);
        assert_int_equal(cari_index_check(f->ix, NULL, NULL, NULL, &err),
                         CARI_ECORRUPT);
    }
    /* each line as the writer makes it (found by review: sscanf took
     * these) */
    {
        static const char *const lines[][2] = {
            {"generation ", "generation 2x"},
            {"generation ", "generation +2"},
            {"generation ", "generation  2"},
            {"generation ", "generation 2\ngeneration 2"},
            {"generation ", "generation 2\n"},
            {"cari-index ", "cari-index 1\ncari-index 1"},
            {"next-segment ", "next-segment 99999999999"},
        };
        for (k = 0; k < sizeof lines / sizeof lines[0] + 2; k++) {
            assert_int_equal(test_write_file(path, orig, len), 0);
            if (k < sizeof lines / sizeof lines[0]) {
                rewrite_manifest(f->ix, lines[k][0], lines[k][1]);
            } else {
                if (k == sizeof lines / sizeof lines[0])
                    snprintf(line, sizeof line, "%s 0", seg);
                else
                    snprintf(line, sizeof line, "segment %u -%u %u %u %u",
                             num, arts, pass, gen, ndel);
                rewrite_manifest(f->ix, "segment 1 ", line);
            }
            assert_int_equal(cari_index_open(f->ix, &ix, &err), CARI_ECORRUPT);
            if (!strstr(err.message, "MANIFEST"))
                fail_msg("line case %zu: %s", k, err.message);
            assert_int_equal(cari_writer_open(f->ix, NULL, &w2, &err),
                             CARI_ECORRUPT);
        }
    }
    assert_int_equal(test_write_file(path, orig, len), 0);
    ix = index_open(f->ix);
    cari_index_close(ix);
    free(orig);
}

/* ------------------------------------------------------------------ */
/* searching                                                           */
/* ------------------------------------------------------------------ */

static const char *const small_corpus[][3] = {
    {"banjir-1", "Banjir di Jakarta",
     "Banjir merendam ribuan rumah warga di Jakarta Timur."},
    {"banjir-2", "Hujan deras", "Hujan deras menyebabkan banjir di Bekasi."},
    {"kopi-1", "Kopi Gayo", "Petani kopi di Aceh menikmati harga tinggi."},
    {"campur", "Banjir dan kopi",
     "Banjir merusak kebun kopi milik petani di lereng gunung."},
    {"beras", "Harga beras", "Harga beras naik menjelang hari raya."},
    {"kosong", "", ""},
};
#define NSMALL (sizeof small_corpus / sizeof *small_corpus)

static cari_index *small_index(fixture *f)
{
    cari_writer *w = writer_open(f->ix, 0);
    size_t k;
    for (k = 0; k < NSMALL; k++)
        test_add(w, small_corpus[k][0], small_corpus[k][1], small_corpus[k][2]);
    commit(w);
    cari_writer_close(w);
    return index_open(f->ix);
}

/* cari.h: "Handles keep a detail message of their last failure".  A bad
 * argument (CARI_EINVAL) left the message of an earlier, other failure
 * (found by review: after a stopword-only query, cari_search with a NULL
 * query said "the query holds no searchable word"; the writer's NULL
 * article said "invalid UTF-8"). */
static void test_errmsg_is_last_failure(void **state)
{
    fixture *f = *state;
    cari_index *ix = small_index(f);
    cari_writer *w;
    cari_hits *h = NULL;
    cari_suggestions *sg = NULL;
    cari_article a;
    char earlier[512];
#define EXPECT_NEW_MESSAGE(call, msg)                                      \
    do {                                                                   \
        snprintf(earlier, sizeof earlier, "%s", msg);                      \
        assert_int_equal(call, CARI_EINVAL);                               \
        assert_true(strlen(msg) > 0);                                      \
        assert_string_not_equal(msg, earlier);                             \
    } while (0)
    assert_int_equal(cari_search(ix, "yang", 4, NULL, &h), CARI_ENOTERMS);
    EXPECT_NEW_MESSAGE(cari_search(ix, NULL, 3, NULL, &h),
                       cari_index_errmsg(ix));
    assert_null(h);
    assert_int_equal(cari_search(ix, "yang", 4, NULL, &h), CARI_ENOTERMS);
    EXPECT_NEW_MESSAGE(cari_search(ix, "kopi", 4, NULL, NULL),
                       cari_index_errmsg(ix));
    assert_int_equal(cari_search(ix, "yang", 4, NULL, &h), CARI_ENOTERMS);
    EXPECT_NEW_MESSAGE(cari_suggest(ix, NULL, 3, 0, 0, &sg),
                       cari_index_errmsg(ix));
    assert_null(sg);
    assert_int_equal(cari_search(ix, "yang", 4, NULL, &h), CARI_ENOTERMS);
    EXPECT_NEW_MESSAGE(cari_suggest(ix, "kopi", 4, 0, 0, NULL),
                       cari_index_errmsg(ix));
    cari_index_close(ix);

    w = writer_open(f->ix, 0);
    memset(&a, 0, sizeof a);
    a.id = "utf8";
    a.id_len = 4;
    a.text = "rusak \xff";
    a.text_len = 7;
    assert_int_equal(cari_writer_add(w, &a), CARI_EINPUT);
    EXPECT_NEW_MESSAGE(cari_writer_add(w, NULL), cari_writer_errmsg(w));
    assert_int_equal(cari_writer_add(w, &a), CARI_EINPUT);
    a.text = NULL;
    EXPECT_NEW_MESSAGE(cari_writer_add(w, &a), cari_writer_errmsg(w));
    a.text = "rusak \xff";
    assert_int_equal(cari_writer_add(w, &a), CARI_EINPUT);
    EXPECT_NEW_MESSAGE(cari_writer_delete(w, NULL, 3), cari_writer_errmsg(w));
    assert_int_equal(cari_writer_add(w, &a), CARI_EINPUT);
    EXPECT_NEW_MESSAGE(cari_writer_merge(w, 0), cari_writer_errmsg(w));
#undef EXPECT_NEW_MESSAGE
    cari_writer_close(w);
}

/* The largest memory budget counts in bytes without wrapping (found by
 * review: 2^44 MB wrapped to 0 bytes, and every article became a
 * segment of its own; larger than 2^20 MB is refused now, as
 * test_writer_option_ranges checks). */
static void test_huge_memory_budget(void **state)
{
    fixture *f = *state;
    cari_writer *w;
    char id[32], text[128];
    int k;
    if (sizeof(size_t) < 8)
        skip();
    w = writer_open(f->ix, (size_t)1 << 20);
    for (k = 0; k < 300; k++) {
        snprintf(id, sizeof id, "m%d", k);
        snprintf(text, sizeof text, "artikel nomor %d tentang banjir dan "
                 "warga kota", k);
        test_add(w, id, "Judul", text);
    }
    commit(w);
    cari_writer_close(w);
    assert_int_equal(stats_of(f->ix).segments, 1);
    assert_int_equal(stats_of(f->ix).articles, 300);
}

/* Every call that creates a handle refuses a NULL out with CARI_EINVAL,
 * as cari_index_open_shards and cari_search do (found by review: the
 * others wrote *out and crashed). */
static void test_null_out(void **state)
{
    fixture *f = *state;
    cari_error err;
    cari_index *ix = small_index(f);
    cari_index_close(ix);
    memset(&err, 0, sizeof err);
    assert_int_equal(cari_index_open(f->ix, NULL, &err), CARI_EINVAL);
    assert_int_equal(err.code, CARI_EINVAL);
    assert_int_equal(cari_index_open(f->ix, NULL, NULL), CARI_EINVAL);
    assert_int_equal(cari_writer_open(f->ix, NULL, NULL, &err), CARI_EINVAL);
    assert_int_equal(cari_reader_open(f->ix, NULL, NULL, NULL, &err),
                     CARI_EINVAL);
    assert_int_equal(cari_analyzer_new(NULL, &err), CARI_EINVAL);
    assert_int_equal(cari_ranker_parse("cari-ranker 1\n", 14, NULL, &err),
                     CARI_EINVAL);
    assert_int_equal(cari_ranker_load("/nonexistent", NULL, &err),
                     CARI_EINVAL);
    assert_int_equal(err.code, CARI_EINVAL);
    /* and the writer's lock was not taken */
    {
        cari_writer *w = writer_open(f->ix, 0);
        cari_writer_get_stats(w, NULL);  /* nowhere to put them: nothing */
        cari_writer_close(w);
    }
    ix = index_open(f->ix);
    cari_index_get_stats(ix, NULL);
    cari_index_close(ix);
}

static void test_search_or_all(void **state)
{
    fixture *f = *state;
    cari_index *ix = small_index(f);
    cari_hits *h;
    char buf[1024];
    h = search(ix, "banjir kopi", 0, 10, 0, NULL);
    assert_int_equal(cari_hits_total(h), 4);
    assert_int_equal(cari_hits_count(h), 4);
    /* the article holding both words ranks first */
    assert_memory_equal(hit_ids(h, buf, sizeof buf), "campur ", 7);
    cari_hits_free(h);
    h = search(ix, "banjir kopi", CARI_SEARCH_ALL, 10, 0, NULL);
    assert_int_equal(cari_hits_total(h), 1);
    assert_string_equal(hit_ids(h, buf, sizeof buf), "campur");
    cari_hits_free(h);
    /* ALL with a word no article has: nothing */
    h = search(ix, "banjir qzqzqz", CARI_SEARCH_ALL, 10, 0, NULL);
    assert_int_equal(cari_hits_total(h), 0);
    assert_int_equal(cari_hits_count(h), 0);
    cari_hits_free(h);
    h = search(ix, "banjir qzqzqz", 0, 10, 0, NULL);
    assert_int_equal(cari_hits_total(h), 3);
    cari_hits_free(h);
    /* a title match counts: "Hujan" is in banjir-2's title and text,
     * "deras" too; "Gayo" only in a title */
    EXPECT_IDS(ix, "Gayo", "kopi-1");
    /* stems and case: "rusak" finds "merusak", "BERAS" beras */
    EXPECT_IDS(ix, "BERAS", "beras");
    EXPECT_IDS(ix, "rusak", "campur");
    /* stopwords in a query are ignored, the rest still searched */
    EXPECT_IDS(ix, "di dan yang beras", "beras");
    cari_index_close(ix);
}

static void test_search_no_terms(void **state)
{
    fixture *f = *state;
    cari_index *ix = small_index(f);
    static const char *const queries[] = {"yang dan di", "", "  ,.!? ",
                                          "ini itu ke dari"};
    size_t i;
    for (i = 0; i < sizeof queries / sizeof *queries; i++) {
        int rc;
        cari_hits *h = search(ix, queries[i], 0, 10, 0, &rc);
        assert_int_equal(rc, CARI_ENOTERMS);
        assert_null(h);
        assert_true(strlen(cari_index_errmsg(ix)) > 0);
    }
    {
        cari_hits *h = (cari_hits *)1;
        cari_search_options o = CARI_SEARCH_OPTIONS_INIT;
        assert_int_equal(cari_search(ix, NULL, 3, NULL, &h), CARI_EINVAL);
        /* nowhere to put the hits (found by review: crashed) */
        assert_int_equal(cari_search(ix, "kopi", 4, NULL, NULL), CARI_EINVAL);
        assert_null(h);
        o.version = 999;
        assert_int_equal(cari_search(ix, "kopi", 4, &o, &h), CARI_EINVAL);
        o.version = CARI_SEARCH_OPTIONS_VERSION;
        o.b = 1.5;
        assert_int_equal(cari_search(ix, "kopi", 4, &o, &h), CARI_EINVAL);
        /* the query's length is its end, NUL or not: "kopi NEAR/" of
         * "kopi NEAR/5" has no distance (strtol read the 5 past the end;
         * found by query_fuzz under ASan) */
        assert_int_equal(cari_search(ix, "kopi NEAR/5 teh", 10, NULL, &h),
                         CARI_ESYNTAX);
        assert_null(h);
        /* NEAR groups of two distances: a syntax error (they made a group
         * of a NULL term and the last word; found by query_fuzz) */
        assert_int_equal(cari_search(ix, "kopi NEAR/3 teh NEAR/2 gula", 27,
                                     NULL, &h), CARI_ESYNTAX);
        assert_null(h);
        assert_non_null(strstr(cari_index_errmsg(ix), "one distance"));
        /* a prefix no term has: no hits (it qsorted a NULL array, found
         * by clang's UBSan under make fuzz-check) */
        assert_int_equal(cari_search(ix, "zzqx*", 5, NULL, &h), CARI_OK);
        assert_int_equal(cari_hits_count(h), 0);
        cari_hits_free(h);
        assert_int_equal(cari_search(ix, "kopi", 4, NULL, &h), CARI_OK);
        assert_int_equal(cari_hits_count(h), 2);
        {
            cari_hit hit;
            assert_int_equal(cari_hits_get(h, 2, &hit), CARI_EINVAL);
            assert_int_equal(cari_hits_get(NULL, 0, &hit), CARI_EINVAL);
        }
        cari_hits_free(h);
        cari_hits_free(NULL);
        assert_int_equal(cari_hits_count(NULL), 0);
        assert_int_equal(cari_hits_total(NULL), 0);
    }
    cari_index_close(ix);
}

/* Snippets: every highlight is a query word of the snippet. */
static int term_of(void *ctx, const cari_token *t)
{
    char *out = ctx;
    if (!t->alternative && !t->stop && t->term_len < 64) {
        memcpy(out, t->term, t->term_len);
        out[t->term_len] = '\0';
    }
    return 0;
}

static void test_search_snippets(void **state)
{
    fixture *f = *state;
    cari_index *ix = small_index(f);
    cari_analyzer *an;
    cari_hits *h;
    size_t i, j, highlighted = 0;
    double prev = 0;
    assert_int_equal(cari_analyzer_new(&an, NULL), CARI_OK);
    h = search(ix, "banjir petani Jakarta", CARI_SEARCH_SNIPPETS, 10, 0,
               NULL);
    assert_true(cari_hits_count(h) >= 4);
    for (i = 0; i < cari_hits_count(h); i++) {
        cari_hit hit;
        assert_int_equal(cari_hits_get(h, i, &hit), CARI_OK);
        assert_non_null(hit.snippet);
        assert_int_equal(strlen(hit.snippet), hit.snippet_len);
        assert_non_null(hit.text);
        assert_int_equal(hit.end - hit.start, hit.text_len);
        assert_true(hit.highlight_count >= 1);
        assert_true(hit.score > 0);
        if (i)
            assert_true(hit.score <= prev);
        prev = hit.score;
        for (j = 0; j < hit.highlight_count; j++) {
            const cari_span *s = &hit.highlights[j];
            char term[64] = "";
            assert_true(s->start < s->end && s->end <= hit.snippet_len);
            if (j)
                assert_true(s->start >= hit.highlights[j - 1].end);
            assert_int_equal(cari_analyze(an, hit.snippet + s->start,
                                          s->end - s->start, term_of, term),
                             CARI_OK);
            if (strcmp(term, "banjir") && strcmp(term, "tani") &&
                strcmp(term, "jakarta"))
                fail_msg("highlight '%.*s' (term '%s') is not a query word",
                         (int)(s->end - s->start), hit.snippet + s->start,
                         term);
            highlighted++;
        }
    }
    assert_true(highlighted >= 5);
    cari_hits_free(h);
    /* without SNIPPETS there is no text */
    h = search(ix, "banjir", 0, 10, 0, NULL);
    {
        cari_hit hit;
        assert_int_equal(cari_hits_get(h, 0, &hit), CARI_OK);
        assert_null(hit.snippet);
        assert_int_equal(hit.highlight_count, 0);
        assert_true(hit.id_len > 0);
    }
    cari_hits_free(h);
    cari_analyzer_free(an);
    cari_index_close(ix);
}

/* Replaced articles stay in their old segment (deleted) until a merge,
 * and their postings still count in df.  Re-indexing part of a collection
 * twice must not turn the ranking upside down: scores stay positive and
 * the passages matching both query words rank above the one matching
 * one. */
static void test_search_after_replacements(void **state)
{
    fixture *f = *state;
    cari_writer *w;
    cari_index *ix;
    cari_hits *h;
    cari_index_stats st;
    int round, k;
    size_t i;
    for (round = 0; round < 3; round++) {
        w = writer_open(f->ix, 0);
        for (k = 0; k < 10; k++) {
            char id[16], text[64];
            snprintf(id, sizeof id, "a%d", k);
            snprintf(text, sizeof text, "alfaqz betaqz unik%d", k);
            test_add(w, id, "Judul", text);
        }
        if (round == 0) {
            test_add(w, "keep", "Judul", "alfaqz");
            /* others, so that the replaced articles stay under the share
             * of deletions that makes a commit merge */
            for (k = 0; k < 100; k++) {
                char id[16], text[32];
                snprintf(id, sizeof id, "isi-%d", k);
                snprintf(text, sizeof text, "isian nomor%d", k);
                test_add(w, id, "Isian", text);
            }
        }
        commit(w);
        cari_writer_close(w);
    }
    st = stats_of(f->ix);
    assert_int_equal(st.articles, 111);
    /* the first segment keeps its 10 replaced articles as deletions; the
     * second one, emptied by the third commit, is dropped */
    assert_int_equal(st.deleted, 10);
    assert_int_equal(st.segments, 2);
    ix = index_open(f->ix);
    h = search(ix, "alfaqz betaqz", 0, 20, 0, NULL);
    assert_int_equal(cari_hits_count(h), 11);
    for (i = 0; i < cari_hits_count(h); i++) {
        cari_hit hit;
        assert_int_equal(cari_hits_get(h, i, &hit), CARI_OK);
        if (!(hit.score > 0))
            fail_msg("hit %zu (%s) scores %g", i, hit.id, hit.score);
        if (i < 10)
            assert_memory_equal(hit.id, "a", 1);
        else
            assert_string_equal(hit.id, "keep");
    }
    cari_hits_free(h);
    cari_index_close(ix);
}

/* ---- a bigger synthetic collection ---- */

static const char *const topic_words[] = {
    "banjir", "jakarta", "harga", "beras", "kopi", "petani", "nelayan",
    "laut", "sungai", "hujan", "gempa", "rumah", "warga", "pasar",
    "sekolah", "guru", "listrik", "jalan", "kereta", "bandara"};
#define NTOPIC (sizeof topic_words / sizeof *topic_words)

/* Article k of the big collection: mostly distinct numbers (each a term
 * of its own, cheap to analyze), some topic words, a few paragraphs. */
static void big_article(uint32_t k, char *id, size_t idcap, char *text,
                        size_t cap)
{
    test_rng rng = {k * 7919u + 1};
    size_t n = 0, words = 250 + (size_t)rng_below(&rng, 150), i;
    snprintf(id, idcap, "big-%05u", k);
    for (i = 0; i < words; i++) {
        if (i && rng_below(&rng, 60) == 0)
            n += (size_t)snprintf(text + n, cap - n, ".\n\n");
        if (rng_below(&rng, 10) < 3)
            n += (size_t)snprintf(text + n, cap - n, "%s ",
                                  topic_words[rng_below(&rng, NTOPIC)]);
        else
            n += (size_t)snprintf(text + n, cap - n, "%u ",
                                  (unsigned)rng_below(&rng, 3000000));
        assert_true(n + 64 < cap);
    }
}

static void build_big(const char *dir, size_t memory_mb, uint32_t n)
{
    cari_writer *w = writer_open(dir, memory_mb);
    char id[32], *text = malloc(8192);
    uint32_t k;
    assert_non_null(text);
    for (k = 0; k < n; k++) {
        big_article(k, id, sizeof id, text, 8192);
        test_add(w, id, topic_words[k % NTOPIC], text);
    }
    commit(w);
    cari_writer_close(w);
    free(text);
}

/* The hits of query q from two indexes of the same articles: as many,
 * the same passages in the same order, scores within 1e-9 (sums of the
 * same numbers in another order). */
static void assert_same_hits(const char *q, const cari_hits *ha,
                             const cari_hits *hb)
{
    size_t i;
    assert_int_equal(cari_hits_count(ha), cari_hits_count(hb));
    for (i = 0; i < cari_hits_count(ha); i++) {
        cari_hit x, y;
        assert_int_equal(cari_hits_get(ha, i, &x), CARI_OK);
        assert_int_equal(cari_hits_get(hb, i, &y), CARI_OK);
        assert_int_equal(x.id_len, y.id_len);
        assert_memory_equal(x.id, y.id, x.id_len);
        assert_int_equal(x.passage, y.passage);
        if (fabs(x.score - y.score) > 1e-9)
            fail_msg("'%s' hit %zu: score %.17g vs %.17g", q, i, x.score,
                     y.score);
    }
}

/* memory_mb 16 splits the collection into several segments; the ranking
 * is the one a single segment gives (collection statistics are global). */
static void test_segments_rank_like_one(void **state)
{
    fixture *f = *state;
    char one[400];
    cari_index *a, *b;
    cari_index_stats sa, sb;
    static const char *const queries[] = {
        "banjir", "banjir jakarta", "harga beras petani", "kereta bandara",
        "sungai hujan rumah warga", "jalan 2999999 1234567"};
    size_t q;
    const uint32_t n = 1100;
    snprintf(one, sizeof one, "%s/one", f->dir);
    build_big(f->ix, 16, n);
    build_big(one, 4096, n);
    a = index_open(f->ix);
    b = index_open(one);
    cari_index_get_stats(a, &sa);
    cari_index_get_stats(b, &sb);
    assert_true(sa.segments >= 3);
    assert_int_equal(sb.segments, 1);
    assert_int_equal(sa.articles, n);
    assert_int_equal(sb.articles, n);
    assert_int_equal(sa.passages, sb.passages);
    for (q = 0; q < sizeof queries / sizeof *queries; q++) {
        int all;
        for (all = 0; all < 2; all++) {
            unsigned flags = all ? CARI_SEARCH_ALL : 0;
            cari_hits *ha = search(a, queries[q], flags, 200, 0, NULL);
            cari_hits *hb = search(b, queries[q], flags, 200, 0, NULL);
            assert_int_equal(cari_hits_total(ha), cari_hits_total(hb));
            if (!all || q < 2)
                assert_true(cari_hits_count(ha) > 0);
            assert_same_hits(queries[q], ha, hb);
            cari_hits_free(ha);
            cari_hits_free(hb);
        }
    }
    cari_index_close(a);
    cari_index_close(b);
}

/* A session that flushed many segments: its commit merges them in
 * groups of at most CARI_MERGE_MAX_SOURCES, each into a segment of its
 * own (40 flushed: the 35 smallest merged, as three segments, and 5
 * kept), and the index holds and ranks the same as one segment. */
static void test_merge_fanin(void **state)
{
    fixture *f = *state;
    char one[400], id[32], *text = malloc(8192);
    cari_writer *w = writer_open(f->ix, 0);
    cari_index *a, *b;
    cari_index_stats sa, sb;
    static const char *const queries[] = {"banjir", "harga beras petani",
                                          "sungai hujan rumah warga"};
    const uint32_t n = 200, per_flush = 5;
    uint32_t k;
    size_t q;
    assert_non_null(text);
    for (k = 0; k < n; k++) {
        big_article(k, id, sizeof id, text, 8192);
        test_add(w, id, topic_words[k % NTOPIC], text);
        if ((k + 1) % per_flush == 0)
            assert_int_equal(cari_writer_flush(w), CARI_OK);
    }
    commit(w);
    cari_writer_close(w);
    free(text);
    snprintf(one, sizeof one, "%s/one", f->dir);
    build_big(one, 4096, n);
    a = index_open(f->ix);
    b = index_open(one);
    cari_index_get_stats(a, &sa);
    cari_index_get_stats(b, &sb);
    assert_true(n / per_flush - (CARI_AUTO_MERGE_SEGMENTS / 2 - 1) >
                2 * CARI_MERGE_MAX_SOURCES);
    assert_int_equal(sa.segments, CARI_AUTO_MERGE_SEGMENTS / 2 - 1 + 3);
    assert_int_equal(sa.articles, n);
    assert_int_equal(sa.passages, sb.passages);
    {
        cari_error err;
        memset(&err, 0, sizeof err);
        if (cari_index_check(f->ix, NULL, NULL, NULL, &err) != CARI_OK)
            fail_msg("cari_index_check: %s", err.message);
    }
    for (q = 0; q < sizeof queries / sizeof *queries; q++) {
        cari_hits *ha = search(a, queries[q], 0, 100, 0, NULL);
        cari_hits *hb = search(b, queries[q], 0, 100, 0, NULL);
        assert_true(cari_hits_count(ha) > 0);
        assert_int_equal(cari_hits_total(ha), cari_hits_total(hb));
        assert_same_hits(queries[q], ha, hb);
        cari_hits_free(ha);
        cari_hits_free(hb);
    }
    cari_index_close(a);
    cari_index_close(b);
}

/* Word w of the prefix collection: two to four syllables, so that a
 * prefix of one or two syllables stands for many words. */
static const char *syllable_word(uint32_t w, char *buf, size_t cap)
{
    static const char *const syl[] = {"ba", "ka", "la", "ma", "na", "ra",
                                      "sa", "ta", "pe", "me", "ber", "ter",
                                      "di", "ke", "lu", "ri"};
    size_t n = 0, k = 2 + w % 3, i;
    test_rng rng = {w * 2654435761u + 3};
    for (i = 0; i < k; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s",
                              syl[rng_below(&rng, sizeof syl / sizeof *syl)]);
    return buf;
}

/* Article k of the prefix collection: skewed picks from 3000 words (a few
 * very frequent, most rare), a title of three of them, a few paragraphs. */
static void prefix_article(uint32_t k, char *id, size_t idcap, char *title,
                           char *text, size_t cap)
{
    test_rng rng = {k * 104729u + 7};
    size_t n = 0, words = 20 + (size_t)rng_below(&rng, 120), i;
    char w[32];
    snprintf(id, idcap, "pre-%05u", k);
    title[0] = '\0';
    for (i = 0; i < 3; i++) {
        syllable_word((uint32_t)rng_below(&rng, i ? 3000 : 300), w, sizeof w);
        strcat(strcat(title, w), " ");
    }
    for (i = 0; i < words; i++) {
        uint32_t pick = (uint32_t)rng_below(&rng, 1 + rng_below(&rng, 3000));
        if (i && rng_below(&rng, 25) == 0)
            n += (size_t)snprintf(text + n, cap - n, ".\n\n");
        n += (size_t)snprintf(text + n, cap - n, "%s ",
                              syllable_word(pick, w, sizeof w));
        assert_true(n + 64 < cap);
    }
}

/* Prefix queries expand to 64 words, 100 and more cursors, which MaxScore
 * keeps in a heap by passage (cari_search_heap_min): they rank exactly as
 * the scan of every cursor ranks them (same passages, same order, same
 * scores to the last bit, same totals), over two segments with deleted
 * articles, alone, mixed with words and with a small and a deep top k. */
static void test_prefix_heap_ranks_like_scan(void **state)
{
    fixture *f = *state;
    static const char *const queries[] = {
        "ba*", "ka*", "me*", "ber*", "s*", "t*", "di* ke*", "mabe* rita*",
        "ter* lu* ri*", "baka* sa", "pe* ma* na*", "kama", "ka* -baba"};
    static const size_t limits[] = {5, 50, 1000};
    char id[32], title[128], *text = malloc(8192);
    size_t saved = cari_search_heap_min, q, l;
    cari_index *ix;
    uint32_t k;
    int session;
    assert_non_null(text);
    for (session = 0; session < 2; session++) {
        cari_writer *w = writer_open(f->ix, 0);
        for (k = session * 300u; k < session * 300u + 300u; k++) {
            prefix_article(k, id, sizeof id, title, text, 8192);
            test_add(w, id, title, text);
        }
        for (k = 0; session && k < 300; k += 37) {
            snprintf(id, sizeof id, "pre-%05u", k);
            del(w, id);
        }
        commit(w);
        cari_writer_close(w);
    }
    free(text);
    ix = index_open(f->ix);
    {
        cari_index_stats st;
        cari_index_get_stats(ix, &st);
        assert_int_equal(st.segments, 2);
    }
    for (q = 0; q < sizeof queries / sizeof *queries; q++)
        for (l = 0; l < sizeof limits / sizeof *limits; l++) {
            cari_hits *scan, *heap;
            size_t i;
            cari_search_heap_min = SIZE_MAX;
            scan = search(ix, queries[q], 0, limits[l], 0, NULL);
            cari_search_heap_min = 0;
            heap = search(ix, queries[q], 0, limits[l], 0, NULL);
            cari_search_heap_min = saved;
            assert_true(cari_hits_count(scan) > 0);
            assert_int_equal(cari_hits_total(scan), cari_hits_total(heap));
            assert_int_equal(cari_hits_count(scan), cari_hits_count(heap));
            for (i = 0; i < cari_hits_count(scan); i++) {
                cari_hit x, y;
                assert_int_equal(cari_hits_get(scan, i, &x), CARI_OK);
                assert_int_equal(cari_hits_get(heap, i, &y), CARI_OK);
                if (x.id_len != y.id_len || memcmp(x.id, y.id, x.id_len) ||
                    x.passage != y.passage || x.score != y.score)
                    fail_msg("'%s' -n %zu hit %zu: %.*s#%u %.17g (scan) vs "
                             "%.*s#%u %.17g (heap)", queries[q], limits[l], i,
                             (int)x.id_len, x.id, (unsigned)x.passage,
                             x.score, (int)y.id_len, y.id,
                             (unsigned)y.passage, y.score);
            }
            cari_hits_free(scan);
            cari_hits_free(heap);
        }
    cari_index_close(ix);
}

/* Several indexing threads split the articles between segments in an
 * order that depends on timing; the index and its ranking are the same as
 * one thread's: same articles, same hits in the same order, same scores
 * (within 1e-9: sums of the same numbers), replacements resolved alike. */
static void test_threads_rank_like_one(void **state)
{
    fixture *f = *state;
    char one[400];
    cari_index *a, *b;
    cari_index_stats sa, sb;
    static const char *const queries[] = {
        "banjir", "banjir jakarta", "harga beras petani", "kereta bandara",
        "sungai hujan rumah warga"};
    size_t q;
    const uint32_t n = 3000;
    snprintf(one, sizeof one, "%s/one", f->dir);
    writer_threads = 3;
    build_big(f->ix, 16, n);
    /* replace a few articles in the threaded index, twice over */
    {
        cari_writer *w = writer_open(f->ix, 16);
        test_add(w, "big-00007", "Ganti", "Teks pengganti tentang kereta bandara.");
        test_add(w, "big-00007", "Ganti lagi", "Teks kedua tentang kereta cepat.");
        assert_int_equal(cari_writer_delete(w, "big-00011", 9), CARI_OK);
        commit(w);
        cari_writer_close(w);
    }
    writer_threads = 1;
    build_big(one, 4096, n);
    {
        /* the same operations: deleted copies count in the statistics
         * until a merge, so they must match too */
        cari_writer *w = writer_open(one, 16);
        test_add(w, "big-00007", "Ganti", "Teks pengganti tentang kereta bandara.");
        test_add(w, "big-00007", "Ganti lagi", "Teks kedua tentang kereta cepat.");
        assert_int_equal(cari_writer_delete(w, "big-00011", 9), CARI_OK);
        commit(w);
        cari_writer_close(w);
    }
    /* the threaded index may have merged segments by itself (dropping
     * deleted copies from the statistics): merge both fully to compare */
    {
        cari_writer *w = writer_open(f->ix, 4096);
        assert_int_equal(cari_writer_merge(w, 1), CARI_OK);
        commit(w);
        cari_writer_close(w);
        w = writer_open(one, 4096);
        assert_int_equal(cari_writer_merge(w, 1), CARI_OK);
        commit(w);
        cari_writer_close(w);
    }
    a = index_open(f->ix);
    b = index_open(one);
    cari_index_get_stats(a, &sa);
    cari_index_get_stats(b, &sb);
    assert_int_equal(sa.segments, 1);
    assert_int_equal(sb.segments, 1);
    assert_int_equal(sa.deleted, 0);
    assert_int_equal(sb.deleted, 0);
    assert_int_equal(sa.articles, n - 1);
    assert_int_equal(sb.articles, n - 1);
    assert_int_equal(sa.passages, sb.passages);
    for (q = 0; q < sizeof queries / sizeof *queries; q++) {
        cari_hits *ha = search(a, queries[q], 0, 50, 0, NULL);
        cari_hits *hb = search(b, queries[q], 0, 50, 0, NULL);
        assert_same_hits(queries[q], ha, hb);
        cari_hits_free(ha);
        cari_hits_free(hb);
    }
    cari_index_close(a);
    cari_index_close(b);
}

/* Files a and b hold the same bytes. */
static void assert_same_file(const char *a, const char *b)
{
    unsigned char *da, *db;
    size_t la = 0, lb = 0;
    da = test_read_file(a, &la);
    db = test_read_file(b, &lb);
    if (!da || !db || la != lb || memcmp(da, db, la) != 0)
        fail_msg("%s and %s differ", a, b);
    free(da);
    free(db);
}

/* Indexes a and b are one segment each, the same bytes. */
static void assert_same_one_segment(const char *a, const char *b)
{
    char pa[500], pb[500];
    EXPECT_FILES(a, "MANIFEST seg-000001.cari");
    EXPECT_FILES(b, "MANIFEST seg-000001.cari");
    snprintf(pa, sizeof pa, "%s/seg-000001.cari", a);
    snprintf(pb, sizeof pb, "%s/seg-000001.cari", b);
    assert_same_file(pa, pb);
}

/* Two threads are a pair (writer.c: a feeder analyzes, its worker
 * inverts, a storer stores, and the segment is written on two threads):
 * they build one segment, byte for byte the one a single thread builds. */
static void test_pair_builds_one_threads_segment(void **state)
{
    fixture *f = *state;
    char one[400], path[500];
    size_t len;
    unsigned char *data;
    snprintf(one, sizeof one, "%s/one", f->dir);
    writer_level = 6;
    writer_threads = 2;
    build_big(f->ix, 4096, 3000);
    writer_threads = 1;
    build_big(one, 4096, 3000);
    writer_level = 0;
    assert_same_one_segment(f->ix, one);
    snprintf(path, sizeof path, "%s/seg-000001.cari", one);
    data = test_read_file(path, &len);
    assert_non_null(data);
    assert_true(len > (1u << 20));  /* many batches, a long dictionary */
    free(data);
}

/* An article too large to analyze ahead (over 1 MiB) is analyzed by the
 * pair's worker itself, a passage at a time: still one thread's bytes. */
static void build_with_large(const char *dir)
{
    cari_writer *w = writer_open(dir, 0);
    char id[32], *text = malloc(8192), *large = malloc(3u << 20);
    size_t n = 0;
    uint32_t k;
    assert_non_null(text);
    assert_non_null(large);
    while (n < (3u << 20) - 64)
        n += (size_t)snprintf(large + n, (3u << 20) - n, "%s%s",
                              topic_words[n % NTOPIC],
                              n % 7 == 0 ? ".\n\n" : " ");
    for (k = 0; k < 600; k++) {
        big_article(k, id, sizeof id, text, 8192);
        test_add(w, id, topic_words[k % NTOPIC], text);
        if (k == 300)
            test_add(w, "besar", "Satu artikel besar", large);
    }
    commit(w);
    cari_writer_close(w);
    free(text);
    free(large);
}

static void test_pair_large_article(void **state)
{
    fixture *f = *state;
    char one[400];
    snprintf(one, sizeof one, "%s/one", f->dir);
    writer_level = 6;
    writer_threads = 2;
    build_with_large(f->ix);
    writer_threads = 1;
    build_with_large(one);
    writer_level = 0;
    assert_same_one_segment(f->ix, one);
}

/* A pair that flushes as its share fills writes the same segments in
 * every run (writer.c pair_full: the flush points do not depend on how
 * far its threads have got): four runs here. */
static void test_pair_flushes_alike(void **state)
{
    fixture *f = *state;
    char dir[400], pa[800], pb[800];
    const uint32_t n = 3000;
    int run, segs;
    writer_level = 6;
    writer_threads = 2;
    build_big(f->ix, 64, n);
    segs = test_count_entries(f->ix, "seg-");
    assert_true(segs >= 2);  /* it flushed */
    for (run = 1; run < 4; run++) {
        DIR *d;
        struct dirent *e;
        int same = 0;
        snprintf(dir, sizeof dir, "%s/run%d", f->dir, run);
        build_big(dir, 64, n);
        assert_int_equal(test_count_entries(dir, "seg-"), segs);
        d = opendir(f->ix);
        assert_non_null(d);
        while ((e = readdir(d)) != NULL) {
            if (strncmp(e->d_name, "seg-", 4) != 0)
                continue;
            snprintf(pa, sizeof pa, "%s/%s", f->ix, e->d_name);
            snprintf(pb, sizeof pb, "%s/%s", dir, e->d_name);
            assert_same_file(pa, pb);
            same++;
        }
        closedir(d);
        assert_int_equal(same, segs);
    }
    writer_threads = 1;
    writer_level = 0;
}

/* Pages of any size put together give the full ranking. */
/* cari_shard_of is 64-bit FNV-1a modulo n: pinned, because indexes built
 * with --shards depend on it staying the same; and it spreads ids evenly. */
static void test_shard_of(void **state)
{
    size_t count[4] = {0}, k;
    char id[32];
    (void)state;
    assert_int_equal(cari_shard_of("a", 1, 7), 5);  /* 0xaf63dc4c8601ec8c */
    assert_int_equal(cari_shard_of("kompas-2024-001", 15, 3), 1);
    assert_int_equal(cari_shard_of("a", 1, 1), 0);
    assert_int_equal(cari_shard_of("a", 1, 0), 0);
    for (k = 0; k < 4000; k++) {
        int n = snprintf(id, sizeof id, "berita-%zu", k);
        count[cari_shard_of(id, (size_t)n, 4)]++;
    }
    for (k = 0; k < 4; k++) {
        assert_true(count[k] > 850);
        assert_true(count[k] < 1150);
    }
}

static void test_search_paging(void **state)
{
    fixture *f = *state;
    cari_index *ix;
    cari_hits *full;
    size_t total, page;
    build_big(f->ix, 0, 120);
    ix = index_open(f->ix);
    full = search(ix, "banjir harga", 0, 10000, 0, NULL);
    total = cari_hits_count(full);
    assert_int_equal(cari_hits_total(full), total);
    assert_true(total > 40);
    for (page = 1; page <= 17; page += 4) {
        size_t off;
        for (off = 0; off < total + page; off += page) {
            cari_hits *h = search(ix, "banjir harga", 0, page, off, NULL);
            size_t i, want = off >= total ? 0
                             : total - off < page ? total - off
                                                  : page;
            /* a page may prune (MaxScore): its total is then an
             * estimate, never below what the pages have shown */
            assert_true(cari_hits_total(h) >= (off < total ? off + want
                                                            : total));
            assert_int_equal(cari_hits_count(h), want);
            for (i = 0; i < want; i++) {
                cari_hit x, y;
                assert_int_equal(cari_hits_get(h, i, &x), CARI_OK);
                assert_int_equal(cari_hits_get(full, off + i, &y), CARI_OK);
                assert_string_equal(x.id, y.id);
                assert_int_equal(x.passage, y.passage);
                assert_true(x.score == y.score);
            }
            cari_hits_free(h);
        }
    }
    /* scores never increase down the ranking */
    {
        size_t i;
        for (i = 1; i < total; i++) {
            cari_hit x, y;
            cari_hits_get(full, i - 1, &x);
            cari_hits_get(full, i, &y);
            assert_true(x.score >= y.score);
        }
    }
    /* limit 0: nothing returned, the total still counted */
    {
        cari_hits *h = search(ix, "banjir harga", 0, 0, 0, NULL);
        assert_int_equal(cari_hits_count(h), 0);
        assert_int_equal(cari_hits_total(h), total);
        cari_hits_free(h);
    }
    cari_hits_free(full);
    cari_index_close(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_writer_option_ranges, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_write_commit_reopen, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_replace_across_commits, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_replace_within_session, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_failed_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_tagged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_articles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errmsg_is_last_failure, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_huge_memory_budget, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_null_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uncommitted_writer, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_lost_manifest, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_killed_first_run, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reader_snapshot, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_and_damaged, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_version_mismatch, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_manifest_invariants, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_search_or_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_no_terms, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_search_snippets, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_search_after_replacements, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_prefix_heap_ranks_like_scan,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_segments_rank_like_one, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_pair_builds_one_threads_segment,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_pair_large_article, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_pair_flushes_alike, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_threads_rank_like_one, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_search_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_fanin, setup, teardown),
        cmocka_unit_test(test_shard_of),
    };
    TEST_FILTER_FROM_ENV();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
