/*
 * alloc_fail_test.c -- a failing allocator: every allocation k of a small
 * index-and-search run fails in turn, and the run must end in a clean
 * error (CARI_ENOMEM with a message), never a crash, a wrong result, a
 * damaged index or a leak.
 *
 * The Makefile links this test with -Wl,--wrap for malloc, calloc,
 * realloc, strdup, strndup and posix_memalign (every allocation function
 * libcari's code calls), so each allocation made by libcari's objects goes
 * through __wrap_*.  Allocations inside the shared libraries (jansson,
 * zlib, libstemmer, utf8proc, libc's own stdio and directory streams) are
 * not counted and never fail in the sweep; test_jansson_out_of_memory
 * fails jansson's first allocation of a parse (see json_malloc_failing).
 *
 * Exactly one allocation fails per run (the k-th, counted from the start
 * of the run by an atomic counter, since the writer's workers allocate
 * too); every later one succeeds.  Failing one allocation, not all from k
 * on, lets the run go on after the failure and show what a caller would
 * see next: that the index holds exactly the previous commit (or none),
 * passes cari_index_check(), that a new writer or a repeated search
 * succeeds, and that a call which returned CARI_OK despite the failure
 * (a cache that does without) gave exactly the fault-free results.
 *
 * The run: write an index from a JSON Lines file through cari_reader
 * (several articles, titles, metadata, several passages each), commit;
 * a second writer adds, replaces and deletes, commits; then open the
 * index, search (free words, a phrase, a prefix, NEAR, a title field,
 * metadata filters, snippets and highlights, explain, a question with
 * feedback), suggest, and check
 * it; a third writer merges the index into one segment
 * (cari_writer_merge), commits, and the index is searched and checked
 * again.  Once with one writer thread and once with two (workers and the
 * batch queue).  When a step fails it is repeated (with a new writer for
 * a writer step), after verifying what is on disk.
 *
 * All k up to SAMPLE_ALL are tried, then every STRIDE-th; CARI_SLOW_TESTS=1
 * tries every k.  Under make check (ASan), LeakSanitizer is asked after
 * every k whether anything leaked, so a leak names its k.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <execinfo.h>
#include <jansson.h>
#include <stdatomic.h>

#include "cari.h"
#include "test_util.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define HAVE_LSAN 1
#endif

/* ---- the failing allocator ---- */

static atomic_int counting;          /* 1 during a run */
static atomic_ulong alloc_count;     /* allocations counted in this run */
static atomic_ulong fail_at;         /* the one to fail (0: none) */
static atomic_int fired;             /* it has failed */

/* Count one allocation; 1 when it is the one to fail. */
static int fail_now(void)
{
    unsigned long n;
    if (!atomic_load(&counting))
        return 0;
    n = atomic_fetch_add(&alloc_count, 1) + 1;
    if (n == atomic_load(&fail_at)) {
        atomic_store(&fired, 1);
        if (getenv("CARI_ALLOC_BACKTRACE")) {  /* debugging: who failed */
            void *frames[32];
            fprintf(stderr, "# allocation %lu fails here:\n", n);
            backtrace_symbols_fd(frames, backtrace(frames, 32), 2);
        }
        return 1;
    }
    return 0;
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
int __real_posix_memalign(void **p, size_t align, size_t n);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
int __wrap_posix_memalign(void **p, size_t align, size_t n);

void *__wrap_malloc(size_t n)
{
    if (fail_now()) {
        errno = ENOMEM;
        return NULL;
    }
    return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    if (fail_now()) {
        errno = ENOMEM;
        return NULL;
    }
    return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    if (fail_now()) {
        errno = ENOMEM;
        return NULL;
    }
    return __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    if (fail_now()) {
        errno = ENOMEM;
        return NULL;
    }
    return __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    if (fail_now()) {
        errno = ENOMEM;
        return NULL;
    }
    return __real_strndup(s, n);
}

int __wrap_posix_memalign(void **p, size_t align, size_t n)
{
    if (fail_now())
        return ENOMEM;
    return __real_posix_memalign(p, align, n);
}

/* jansson's allocations: not failed by the sweep (jansson reports an
 * allocation that fails while it reads a string as a syntax error, "invalid
 * token", which no caller can tell from bad input), only by
 * test_jansson_out_of_memory, at its first allocation of a parse (which
 * jansson reports with no error text). */
static atomic_ulong json_count, json_fail_at;

static void *json_malloc_failing(size_t n)
{
    if (atomic_fetch_add(&json_count, 1) + 1 == atomic_load(&json_fail_at))
        return NULL;
    return __real_malloc(n);
}

/* ---- the articles ---- */

static const char input_a[] =
    "{\"id\": \"a1\", \"title\": \"Banjir Rendam Ribuan Rumah di Jakarta\", "
    "\"text\": \"Hujan deras yang mengguyur Jakarta sejak Rabu malam "
    "menyebabkan banjir di sejumlah wilayah ibu kota. Air setinggi satu "
    "meter merendam ribuan rumah.\\n\\nBadan Meteorologi mencatat curah "
    "hujan mencapai 377 milimeter per hari, salah satu yang tertinggi.\\n\\n"
    "Pemerintah berjanji memperbaiki pompa air yang rusak dan mengeruk "
    "sungai.\", \"source\": \"kabar\", \"date\": \"2020-01-02\"}\n"
    "{\"id\": \"a2\", \"title\": \"Harga Beras Naik di Pasar\", "
    "\"text\": \"Harga beras medium di pasar tradisional terus naik dalam "
    "sebulan terakhir.\\n\\nPedagang mengeluhkan pasokan dari petani yang "
    "berkurang setelah banjir merusak sawah.\", \"source\": \"warta\", "
    "\"date\": \"14 September 2019\"}\n"
    "{\"id\": \"a3\", \"title\": \"Gempa Guncang Sumbawa\", "
    "\"text\": \"Gempa magnitudo 5,9 mengguncang Sumbawa pada Kamis pagi. "
    "Sedikitnya 120 rumah rusak berat.\\n\\nWarga mengungsi ke tenda "
    "darurat dan petugas masih mendata kerusakan.\\n\\nPemilu daerah "
    "ditunda sepekan.\", \"source\": \"kabar\", \"date\": \"2021-03-05\", "
    "\"tags\": [\"bencana\", \"gempa\"]}\n"
    "{\"id\": \"a4\", \"title\": \"Kereta Cepat Mulai Diuji\", "
    "\"text\": \"Kereta cepat Jakarta Bandung mulai diuji coba.\\n\\n"
    "Penumpang dapat menikmati perjalanan 45 menit.\"}\n";

typedef struct article_def {
    const char *id, *title, *text, *meta;
} article_def;

/* The second session: a new article, a replacement of a2; a4 deleted. */
static const article_def session_b[] = {
    {"a5", "Warga Bersihkan Sungai Setelah Banjir",
     "Ratusan warga Jakarta membersihkan sungai dari sampah setelah banjir "
     "surut.\n\nRelawan membagikan air bersih dan makanan kepada pengungsi.",
     "{\"source\": \"warta\", \"date\": \"2021-01-10\"}"},
    {"a2", "Harga Beras Turun Lagi",
     "Harga beras kembali turun setelah panen raya.\n\nOperasi pasar "
     "dihentikan karena pasokan dari petani cukup.",
     "{\"source\": \"warta\", \"date\": \"2021-05-01\"}"},
};

/* ---- one run ---- */

typedef struct run {
    const char *ix;          /* the index directory */
    const char *input;       /* input_a as a file */
    int threads;
    char *out;               /* the transcript of results */
    size_t len, cap;
    int failed;              /* a call returned an error */
    char where[160];         /* which call, and what it said */
} run;

static void say(run *r, const char *fmt, ...) CMOCKA_PRINTF_ATTRIBUTE(2, 3);

static void say(run *r, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(r->out + r->len, r->cap - r->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= r->cap - r->len)
        fail_msg("transcript too long");
    r->len += (size_t)n;
}

/* A call's result: CARI_OK, or CARI_ENOMEM with a message while the
 * injected failure has happened; anything else fails the test. */
static int outcome(run *r, int rc, const char *call, const char *msg)
{
    if (rc == CARI_OK)
        return 0;
    if (rc != CARI_ENOMEM || !atomic_load(&fired))
        fail_msg("k=%lu threads=%d: %s returned %d (%s): %s",
                 (unsigned long)atomic_load(&fail_at), r->threads, call, rc,
                 cari_strerror(rc), msg ? msg : "(no message)");
    if (!msg || !*msg)
        fail_msg("k=%lu threads=%d: %s returned CARI_ENOMEM without a "
                 "message", (unsigned long)atomic_load(&fail_at), r->threads,
                 call);
    if (r->failed)
        fail_msg("k=%lu: a second failure (%s) after %s",
                 (unsigned long)atomic_load(&fail_at), call, r->where);
    r->failed = 1;
    snprintf(r->where, sizeof r->where, "%s: %s", call, msg);
    return 1;
}

static cari_writer *open_writer(run *r, const char *step)
{
    cari_writer_options o = CARI_WRITER_OPTIONS_INIT;
    cari_writer *w = NULL;
    cari_error err;
    char call[64];
    o.sync = 0;  /* durability is tested by crash.t */
    o.threads = r->threads;
    memset(&err, 0, sizeof err);
    snprintf(call, sizeof call, "%s: cari_writer_open", step);
    if (outcome(r, cari_writer_open(r->ix, &o, &w, &err), call, err.message)) {
        assert_null(w);
        return NULL;
    }
    assert_non_null(w);
    return w;
}

/* Session A: every article of the input file.  0 when committed. */
static int write_a(run *r)
{
    cari_writer *w = open_writer(r, "A");
    cari_reader *rd = NULL;
    cari_error err;
    cari_article a;
    int rc, bad = 0;
    if (!w)
        return -1;
    memset(&err, 0, sizeof err);
    if (outcome(r, cari_reader_open(r->input, NULL, NULL, &rd, &err),
                "A: cari_reader_open", err.message)) {
        cari_writer_close(w);
        return -1;
    }
    while ((rc = cari_reader_next(rd, &a)) == 1) {
        if (outcome(r, cari_writer_add(w, &a), "A: cari_writer_add",
                    cari_writer_errmsg(w))) {
            bad = 1;
            break;
        }
    }
    if (rc < 0 && outcome(r, rc, "A: cari_reader_next",
                          cari_reader_errmsg(rd)))
        bad = 1;
    if (!bad && cari_reader_skipped(rd) != 0)
        fail_msg("k=%lu: the reader skipped a record",
                 (unsigned long)atomic_load(&fail_at));
    cari_reader_close(rd);
    if (!bad && outcome(r, cari_writer_commit(w), "A: cari_writer_commit",
                        cari_writer_errmsg(w)))
        bad = 1;
    cari_writer_close(w);
    return bad ? -1 : 0;
}

/* Session B: add, replace, delete.  0 when committed. */
static int write_b(run *r)
{
    cari_writer *w = open_writer(r, "B");
    size_t i;
    if (!w)
        return -1;
    for (i = 0; i < sizeof session_b / sizeof session_b[0]; i++) {
        cari_article a;
        memset(&a, 0, sizeof a);
        a.id = session_b[i].id;
        a.id_len = strlen(a.id);
        a.title = session_b[i].title;
        a.title_len = strlen(a.title);
        a.text = session_b[i].text;
        a.text_len = strlen(a.text);
        a.meta = session_b[i].meta;
        a.meta_len = strlen(a.meta);
        if (outcome(r, cari_writer_add(w, &a), "B: cari_writer_add",
                    cari_writer_errmsg(w)))
            goto fail;
    }
    if (outcome(r, cari_writer_delete(w, "a4", 2), "B: cari_writer_delete",
                cari_writer_errmsg(w)) ||
        outcome(r, cari_writer_commit(w), "B: cari_writer_commit",
                cari_writer_errmsg(w)))
        goto fail;
    cari_writer_close(w);
    return 0;
fail:
    cari_writer_close(w);
    return -1;
}

/* Session C: merge everything into one segment.  0 when committed. */
static int write_c(run *r)
{
    cari_writer *w = open_writer(r, "C");
    int bad;
    if (!w)
        return -1;
    bad = outcome(r, cari_writer_merge(w, 1), "C: cari_writer_merge",
                  cari_writer_errmsg(w)) ||
          outcome(r, cari_writer_commit(w), "C: cari_writer_commit",
                  cari_writer_errmsg(w));
    cari_writer_close(w);
    return bad ? -1 : 0;
}

static int write_session(run *r, int s)
{
    return s == 1 ? write_a(r) : s == 2 ? write_b(r) : write_c(r);
}

typedef struct query_def {
    const char *q;
    unsigned flags;          /* added to the defaults */
    const char *where, *since;
    int feedback;            /* 20 hits ranked by fb_model */
} query_def;

/* A model whose questions get feedback past their first hit (parsed in
 * main, before any allocation is made to fail). */
static cari_ranker *fb_model;

static const query_def queries[] = {
    {"banjir Jakarta", 0, NULL, NULL, 0},
    {"\"curah hujan\" -rob", 0, NULL, NULL, 0},
    {"warga OR beras", 0, "source=warta", "2020-06-01", 0},
    {"pemil* OR title:harga", CARI_SEARCH_EXPLAIN, NULL, NULL, 0},
    {"rumah NEAR/3 rusak", CARI_SEARCH_ALL, NULL, NULL, 0},
    {"tags:gempa sumbawa", 0, "tags=bencana", NULL, 0},
    {"kapan banjir melanda Jakarta?", CARI_SEARCH_EXPLAIN, NULL, NULL, 1},
};

/* One query into the transcript; 1 when it failed (cleanly). */
static int search_one(run *r, cari_index *ix, const query_def *d)
{
    cari_search_options o = CARI_SEARCH_OPTIONS_INIT;
    const char *where[1];
    cari_hits *h = (cari_hits *)1;
    size_t i, fed = 0;
    o.flags |= d->flags;
    if (d->where) {
        where[0] = d->where;
        o.where = where;
        o.nwhere = 1;
    }
    o.since = d->since;
    if (d->feedback) {
        o.ranker = fb_model;
        o.limit = 20;
    }
    if (outcome(r, cari_search(ix, d->q, strlen(d->q), &o, &h), "cari_search",
                cari_index_errmsg(ix))) {
        assert_null(h);
        return 1;
    }
    say(r, "query %s: %zu of %llu\n", d->q, cari_hits_count(h),
        (unsigned long long)cari_hits_total(h));
    for (i = 0; i < cari_hits_count(h); i++) {
        cari_hit hit;
        size_t j;
        assert_int_equal(cari_hits_get(h, i, &hit), CARI_OK);
        for (j = 0; j < hit.explain_count; j++)
            fed += strcmp(hit.explain[j].name, "feedback") == 0;
        say(r, " %.*s#%u %.6f [%zu,%zu) %.*s | %.*s | %.*s |", (int)hit.id_len,
            hit.id, hit.passage, hit.score, hit.start, hit.end,
            (int)hit.title_len, hit.title, (int)hit.snippet_len, hit.snippet,
            (int)hit.meta_len, hit.meta ? hit.meta : "");
        for (j = 0; j < hit.highlight_count; j++)
            say(r, " %zu-%zu", hit.highlights[j].start, hit.highlights[j].end);
        for (j = 0; j < hit.explain_count; j++)
            say(r, " %s=%.4f", hit.explain[j].name, hit.explain[j].value);
        say(r, "\n");
    }
    cari_hits_free(h);
    /* the feedback query reaches feedback (and so its failures) */
    if (d->feedback && !fed)
        fail_msg("k=%lu: no hit placed by feedback for '%s'",
                 (unsigned long)atomic_load(&fail_at), d->q);
    return 0;
}

/* "Did you mean" into the transcript; 1 when it failed. */
static int suggest(run *r, cari_index *ix)
{
    const char *q = "banjr jakrta beras";
    cari_suggestions *s = (cari_suggestions *)1;
    const char *fixed;
    size_t i, len = 0;
    if (outcome(r, cari_suggest(ix, q, strlen(q), 0, 0, &s), "cari_suggest",
                cari_index_errmsg(ix))) {
        assert_null(s);
        return 1;
    }
    fixed = cari_suggestions_query(s, &len);
    say(r, "suggest: %.*s\n", (int)len, fixed ? fixed : "");
    for (i = 0; i < cari_suggestions_count(s); i++) {
        cari_suggestion g;
        size_t j;
        assert_int_equal(cari_suggestions_get(s, i, &g), CARI_OK);
        say(r, " %.*s:", (int)g.word_len, g.word);
        for (j = 0; j < g.count; j++)
            say(r, " %.*s/%d", (int)g.alternative_len[j], g.alternatives[j],
                g.distance[j]);
        say(r, "\n");
    }
    cari_suggestions_free(s);
    return 0;
}

/* Open the index and search it into the transcript, each call repeated
 * once when it failed (the repeat must succeed: the failure is spent).
 * CARI_ENOTFOUND (no index yet) is written as such, and so is an index
 * of no commit (generation 0). */
static void search_all(run *r)
{
    cari_index *ix = (cari_index *)1;
    cari_index_stats st;
    cari_error err;
    size_t i;
    int rc, tries;
    for (tries = 0;; tries++) {
        memset(&err, 0, sizeof err);
        rc = cari_index_open(r->ix, &ix, &err);
        if (rc == CARI_ENOTFOUND) {
            assert_null(ix);
            say(r, "no index\n");
            return;
        }
        if (!outcome(r, rc, "cari_index_open", err.message))
            break;
        assert_null(ix);
        assert_int_equal(tries, 0);
    }
    cari_index_get_stats(ix, &st);
    if (st.generation == 0) {
        /* the empty MANIFEST a new index gets before its first segment
         * file, left by a first session that failed: no commit yet */
        assert_int_equal(st.articles, 0);
        say(r, "no index\n");
        cari_index_close(ix);
        return;
    }
    say(r, "articles %llu passages %llu deleted %llu segments %llu terms "
        "%llu\n", (unsigned long long)st.articles,
        (unsigned long long)st.passages, (unsigned long long)st.deleted,
        (unsigned long long)st.segments, (unsigned long long)st.terms);
    for (i = 0; i < sizeof queries / sizeof queries[0]; i++)
        for (tries = 0; search_one(r, ix, &queries[i]); tries++)
            assert_int_equal(tries, 0);
    for (tries = 0; suggest(r, ix); tries++)
        assert_int_equal(tries, 0);
    cari_index_close(ix);
}

/* cari_index_check() must call the index sound (or absent). */
static void check_index(run *r)
{
    cari_check_stats st;
    cari_error err;
    int rc, tries;
    for (tries = 0;; tries++) {
        memset(&err, 0, sizeof err);
        rc = cari_index_check(r->ix, NULL, NULL, &st, &err);
        if (rc == CARI_ENOTFOUND)
            return;
        if (!outcome(r, rc, "cari_index_check", err.message))
            break;
        assert_int_equal(tries, 0);
    }
    if (st.problems != 0)
        fail_msg("k=%lu: cari_index_check found %llu problems after %s",
                 (unsigned long)atomic_load(&fail_at),
                 (unsigned long long)st.problems, r->where);
}

/* What the index must look like after each commit, from a fault-free
 * run: [0] none, [1] after session A, [2] after session B, [3] after
 * session C (merged). */
#define NSTATES 4
typedef struct reference {
    char state[NSTATES][16384];
} reference;

/* Fail with the first line where got and want differ. */
static void same_or_fail(const char *got, const char *want, const char *what)
{
    size_t i = 0, line;
    if (strcmp(got, want) == 0)
        return;
    while (got[i] && got[i] == want[i])
        i++;
    while (i > 0 && got[i - 1] != '\n')
        i--;
    line = strcspn(want + i, "\n");
    fail_msg("%s:\n  got:  %.*s\n  want: %.*s", what,
             (int)strcspn(got + i, "\n"), got + i, (int)line, want + i);
}

/* The index on disk must equal reference state s. */
static void verify_state(run *r, const reference *ref, int s)
{
    char buf[16384], what[300];
    run v = *r;
    v.out = buf;
    v.len = 0;
    v.cap = sizeof buf;
    v.failed = 1;  /* no failure may happen now */
    search_all(&v);
    check_index(&v);
    snprintf(what, sizeof what, "k=%lu threads=%d: after %s the index is "
             "not the previous commit", (unsigned long)atomic_load(&fail_at),
             r->threads, r->where);
    same_or_fail(buf, ref->state[s], what);
}

/* What one run with a failure did. */
typedef struct outcome_stats {
    unsigned long allocations;  /* counted in the run */
    int fired;                  /* the k-th allocation happened (and failed) */
    int failed;                 /* a call reported it */
    char where[160];
} outcome_stats;

/* The whole run with allocation k failing (0: none), the transcript of
 * each state into got, compared with ref when there is one. */
static void one_run(const char *dir, int threads, unsigned long k,
                    const reference *ref, reference *got, outcome_stats *os)
{
    char ix[300], input[300];
    run r;
    int s;
    snprintf(ix, sizeof ix, "%s/index", dir);
    snprintf(input, sizeof input, "%s/a.jsonl", dir);
    if (test_write_str(input, input_a) != 0)
        fail_msg("cannot write %s", input);
    memset(&r, 0, sizeof r);
    r.ix = ix;
    r.input = input;
    r.threads = threads;

    atomic_store(&alloc_count, 0);
    atomic_store(&fired, 0);
    atomic_store(&fail_at, k);
    atomic_store(&counting, 1);
    for (s = 0; s < NSTATES; s++) {
        r.out = got->state[s];
        r.cap = sizeof got->state[s];
        r.len = 0;
        r.out[0] = '\0';
        if (s > 0 && write_session(&r, s)) {
            /* the failed session left the previous commit; a new writer
             * then succeeds */
            if (ref)
                verify_state(&r, ref, s - 1);
            assert_int_equal(write_session(&r, s), 0);
        }
        search_all(&r);
        if (s >= 2)
            check_index(&r);
    }
    atomic_store(&counting, 0);
    os->allocations = atomic_load(&alloc_count);
    os->fired = atomic_load(&fired);
    os->failed = r.failed;
    snprintf(os->where, sizeof os->where, "%s", r.where);
    if (ref)
        for (s = 0; s < NSTATES; s++) {
            char what[300];
            snprintf(what, sizeof what, "k=%lu threads=%d: state %d differs "
                     "from the fault-free run (failure: %s)", k, threads, s,
                     r.failed ? r.where : "none reported");
            same_or_fail(got->state[s], ref->state[s], what);
        }
    test_rmtree(ix);
    remove(input);
}

#define SAMPLE_ALL 2000   /* every k up to here */
#define STRIDE 7          /* then every STRIDE-th */

static void sweep(int threads)
{
    static reference ref, got;
    outcome_stats os;
    char dir[256];
    unsigned long k, n, last, tried = 0, reported = 0, absorbed = 0;
    int slow = getenv("CARI_SLOW_TESTS") && !strcmp(getenv("CARI_SLOW_TESTS"),
                                                      "1");
    assert_int_equal(test_mkdtemp(dir, sizeof dir), 0);
    one_run(dir, threads, 0, NULL, &ref, &os);
    n = os.allocations;
    assert_false(os.failed);
    assert_true(strstr(ref.state[0], "no index") != NULL);
    assert_true(strstr(ref.state[1], "a3#") != NULL);
    assert_true(strstr(ref.state[2], "a5#") != NULL);
    assert_true(strstr(ref.state[3], "a5#") != NULL);
    assert_true(strstr(ref.state[3], "segments 1 ") != NULL);
    assert_true(strstr(ref.state[2], "segments 1 ") == NULL);
    /* with threads, the count varies a little from run to run: go on
     * until a run completes without reaching k */
    k = getenv("CARI_ALLOC_FROM") ? strtoul(getenv("CARI_ALLOC_FROM"), NULL, 10)
                                  : 1;  /* debugging: start at k */
    for (k = k ? k : 1;; k += (!slow && k >= SAMPLE_ALL) ? STRIDE : 1) {
        one_run(dir, threads, k, &ref, &got, &os);
        if (!os.fired) {
            last = os.allocations;
            break;
        }
        tried++;
        if (os.failed)
            reported++;
        else
            absorbed++;
#ifdef HAVE_LSAN
        if (__lsan_do_recoverable_leak_check())
            fail_msg("k=%lu threads=%d: a leak after %s", k, threads,
                     os.failed ? os.where : "an absorbed failure");
#endif
    }
    /* the first run of the process also parses the built-in ranking
     * model, once (kept until exit): one allocation more than later runs */
    print_message("# threads=%d: %lu allocations per run (%lu in the "
                  "process's first); %lu failure points tried (%s), %lu "
                  "reported as CARI_ENOMEM, %lu absorbed with identical "
                  "results; leak check %s\n",
                  threads, last, n, tried,
                  slow ? "every k" : "every k to 2000, then every 7th",
                  reported, absorbed,
#ifdef HAVE_LSAN
                  "after every k"
#else
                  "off (no ASan: make check)"
#endif
                  );
    test_rmtree(dir);
}

/* A record that needs jansson (a3 has an array) while jansson's first
 * allocation fails: CARI_ENOMEM with a message, not a skipped record;
 * then the same for the writer's check of metadata that needs jansson. */
static void test_jansson_out_of_memory(void **state)
{
    char dir[256], input[300], ix[300];
    cari_reader *rd = NULL;
    cari_writer *w = NULL;
    cari_index *index = NULL;
    cari_writer_options o = CARI_WRITER_OPTIONS_INIT;
    cari_article a;
    cari_error err;
    int rc, n = 0;
    (void)state;
    assert_int_equal(test_mkdtemp(dir, sizeof dir), 0);
    snprintf(input, sizeof input, "%s/a.jsonl", dir);
    snprintf(ix, sizeof ix, "%s/index", dir);
    assert_int_equal(test_write_str(input, input_a), 0);
    assert_int_equal(cari_reader_open(input, NULL, NULL, &rd, &err), CARI_OK);
    while ((rc = cari_reader_next(rd, &a)) == 1) {
        n++;
        if (n == 2) {  /* a3 is next */
            atomic_store(&json_count, 0);
            atomic_store(&json_fail_at, 1);
        }
    }
    atomic_store(&json_fail_at, 0);
    assert_int_equal(n, 2);
    assert_int_equal(rc, CARI_ENOMEM);
    assert_true(strstr(cari_reader_errmsg(rd), "out of memory") != NULL);
    assert_int_equal(cari_reader_skipped(rd), 0);
    cari_reader_close(rd);

    o.threads = 1;
    o.sync = 0;
    assert_int_equal(cari_writer_open(ix, &o, &w, &err), CARI_OK);
    memset(&a, 0, sizeof a);
    a.id = session_b[0].id;
    a.id_len = strlen(a.id);
    a.text = session_b[0].text;
    a.text_len = strlen(a.text);
    /* an array: jansson reads it (flat metadata such as session_b's is
     * read by cari_meta_is_object's own scanner, which allocates nothing) */
    a.meta = "{\"source\": \"warta\", \"tags\": [\"banjir\"]}";
    a.meta_len = strlen(a.meta);
    atomic_store(&json_count, 0);
    atomic_store(&json_fail_at, 1);
    rc = cari_writer_add(w, &a);
    atomic_store(&json_fail_at, 0);
    assert_int_equal(rc, CARI_ENOMEM);
    assert_true(*cari_writer_errmsg(w) != '\0');
    /* the writer failed: the commit says so and writes nothing */
    assert_int_equal(cari_writer_commit(w), CARI_ENOMEM);
    cari_writer_close(w);
    assert_int_equal(cari_index_open(ix, &index, &err), CARI_ENOTFOUND);
    test_rmtree(dir);
}

/* A segment of 1024 terms or more, written by a pair of threads: the
 * second codes half of the terms after finishing the stored text, and a
 * failure there must come back with a message too (found by review: an
 * allocation that failed in the stored text's finish, under ulimit -v,
 * ended the run with "commit failed: ; the previous index is intact").
 * Every allocation of the commit fails in turn. */
static void test_pair_many_terms(void **state)
{
    char dir[256], ix[300], *text, *t;
    cari_writer_options o = CARI_WRITER_OPTIONS_INIT;
    cari_error err;
    unsigned long k, tried = 0, failed = 0;
    size_t i;
    (void)state;
    assert_int_equal(test_mkdtemp(dir, sizeof dir), 0);
    snprintf(ix, sizeof ix, "%s/index", dir);
    /* 1500 distinct words of letters (baaa, baab, ...), in paragraphs */
    text = t = malloc(1500 * 8);
    assert_non_null(text);
    for (i = 0; i < 1500; i++) {
        t += sprintf(t, "b%c%c%c%s", 'a' + (int)(i / 676 % 26),
                     'a' + (int)(i / 26 % 26), 'a' + (int)(i % 26),
                     i % 40 == 39 ? ".\n\n" : " ");
    }
    o.threads = 2;
    o.sync = 0;
    for (k = 1;; k++) {
        cari_writer *w = NULL;
        cari_index *index = NULL;
        cari_article a;
        int rc;
        test_rmtree(ix);
        assert_int_equal(cari_writer_open(ix, &o, &w, &err), CARI_OK);
        memset(&a, 0, sizeof a);
        a.id = "banyak";
        a.id_len = 6;
        a.title = "Banyak kata";
        a.title_len = strlen(a.title);
        a.text = text;
        a.text_len = strlen(text);
        assert_int_equal(cari_writer_add(w, &a), CARI_OK);
        atomic_store(&alloc_count, 0);
        atomic_store(&fired, 0);
        atomic_store(&fail_at, k);
        atomic_store(&counting, 1);
        rc = cari_writer_commit(w);
        atomic_store(&counting, 0);
        atomic_store(&fail_at, 0);
        if (!atomic_load(&fired)) {
            assert_int_equal(rc, CARI_OK);
            cari_writer_close(w);
            break;
        }
        tried++;
        if (rc != CARI_OK) {
            failed++;
            if (rc != CARI_ENOMEM || !*cari_writer_errmsg(w))
                fail_msg("k=%lu: the commit returned %d (%s) with the "
                         "message '%s'", k, rc, cari_strerror(rc),
                         cari_writer_errmsg(w));
        }
        cari_writer_close(w);
        rc = cari_index_open(ix, &index, &err);
        if (rc == CARI_OK)
            cari_index_close(index);
        else if (rc != CARI_ENOTFOUND)
            fail_msg("k=%lu: after the commit the index does not open: %s",
                     k, err.message);
#ifdef HAVE_LSAN
        if (__lsan_do_recoverable_leak_check())
            fail_msg("k=%lu: a leak after the pair's commit", k);
#endif
    }
    print_message("# a pair's commit of 1500 terms: %lu failure points, "
                  "%lu reported as CARI_ENOMEM\n", tried, failed);
    assert_true(failed > 0);
    free(text);
    test_rmtree(dir);
}

static void test_one_thread(void **state)
{
    (void)state;
    sweep(1);
}

static void test_two_threads(void **state)
{
    (void)state;
    sweep(2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jansson_out_of_memory),
        cmocka_unit_test(test_pair_many_terms),
        cmocka_unit_test(test_one_thread),
        cmocka_unit_test(test_two_threads),
    };
    static const char model[] = "cari-ranker 1\n[question]\ndepth 50\n"
                                "feedback.keep 1\nfeedback.docs 2\n"
                                "feedback.terms 4\nfeedback.weight 0.8\n"
                                "feedback.fuse 2\n";
    cari_error err;
    int rc;
    if (cari_ranker_parse(model, sizeof model - 1, &fb_model, &err) !=
        CARI_OK) {
        fprintf(stderr, "the feedback model: %s\n", err.message);
        return 1;
    }
    json_set_alloc_funcs(json_malloc_failing, free);
    TEST_FILTER_FROM_ENV();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    cari_ranker_free(fb_model);
    return rc;
}
