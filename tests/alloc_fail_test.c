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
 * Smaller scenarios (struct scenario) start from an index or input made
 * with no allocation failing, and fail only the allocations of the step
 * under test (the searches that verify it are not counted, so their
 * allocations, swept above, do not multiply the runs): an explicit merge
 * of four segments with deletions, a commit whose automatic merge takes
 * four segments (one and two writer threads), cari_reader on a directory
 * (.txt, .md, a link, .jsonl.gz, .ndjson, 70 other files), and what
 * cari-search --batch calls on that four-segment index (cari_ranker_load,
 * cari_index_open_shards of one directory, a query after another on one
 * handle, ids only, then with explain and a filter; a query that does not
 * parse searched again as plain words).
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
#include <dirent.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

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

/* Count allocations from 0 and fail the k-th (from now on). */
static void arm_failure(unsigned long k)
{
    atomic_store(&alloc_count, 0);
    atomic_store(&fired, 0);
    atomic_store(&fail_at, k);
    atomic_store(&counting, 1);
}

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

/* The calls of libc that allocate for libcari (a directory stream, a
 * stdio stream, a mapping): out of memory, they fail with ENOMEM. */
DIR *__real_opendir(const char *name);
FILE *__real_fopen(const char *path, const char *mode);
FILE *__real_fdopen(int fd, const char *mode);
void *__real_mmap(void *addr, size_t n, int prot, int flags, int fd,
                  off_t offset);

DIR *__wrap_opendir(const char *name);
FILE *__wrap_fopen(const char *path, const char *mode);
FILE *__wrap_fdopen(int fd, const char *mode);
void *__wrap_mmap(void *addr, size_t n, int prot, int flags, int fd,
                  off_t offset);

DIR *__wrap_opendir(const char *name)
{
    if (fail_now()) {
        errno = ENOMEM;
        return NULL;
    }
    return __real_opendir(name);
}

FILE *__wrap_fopen(const char *path, const char *mode)
{
    if (fail_now()) {
        errno = ENOMEM;
        return NULL;
    }
    return __real_fopen(path, mode);
}

FILE *__wrap_fdopen(int fd, const char *mode)
{
    if (fail_now()) {
        errno = ENOMEM;
        return NULL;
    }
    return __real_fdopen(fd, mode);
}

void *__wrap_mmap(void *addr, size_t n, int prot, int flags, int fd,
                  off_t offset)
{
    if (fail_now()) {
        errno = ENOMEM;
        return MAP_FAILED;
    }
    return __real_mmap(addr, n, prot, flags, fd, offset);
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
    const char *dir;         /* the sweep's directory, kept across runs */
    char base[300];          /* the run's directory in it */
    char ix[320];            /* the index directory in it */
    char input[400];         /* what session A reads */
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
    /* "out of memory", strerror's "Cannot allocate memory" */
    if (!strstr(msg, "memory"))
        fail_msg("k=%lu threads=%d: %s returned CARI_ENOMEM with a message "
                 "that does not say so: %s",
                 (unsigned long)atomic_load(&fail_at), r->threads, call, msg);
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

/* A session of articles given as strings: add each of add[0..nadd),
 * delete each id of del[0..ndel), ask for a merge into merge segments
 * (0: none, the commit merges by itself), and commit.  0 when committed. */
static int write_articles(run *r, const char *step, const article_def *add,
                          size_t nadd, const char *const *del, size_t ndel,
                          unsigned merge)
{
    cari_writer *w = open_writer(r, step);
    char call[64];
    size_t i;
    if (!w)
        return -1;
    for (i = 0; i < nadd; i++) {
        cari_article a;
        memset(&a, 0, sizeof a);
        a.id = add[i].id;
        a.id_len = strlen(a.id);
        a.title = add[i].title;
        a.title_len = a.title ? strlen(a.title) : 0;
        a.text = add[i].text;
        a.text_len = strlen(a.text);
        a.meta = add[i].meta;
        a.meta_len = a.meta ? strlen(a.meta) : 0;
        snprintf(call, sizeof call, "%s: cari_writer_add", step);
        if (outcome(r, cari_writer_add(w, &a), call, cari_writer_errmsg(w)))
            goto fail;
    }
    for (i = 0; i < ndel; i++) {
        snprintf(call, sizeof call, "%s: cari_writer_delete", step);
        if (outcome(r, cari_writer_delete(w, del[i], strlen(del[i])), call,
                    cari_writer_errmsg(w)))
            goto fail;
    }
    snprintf(call, sizeof call, "%s: cari_writer_merge", step);
    if (merge && outcome(r, cari_writer_merge(w, merge), call,
                         cari_writer_errmsg(w)))
        goto fail;
    snprintf(call, sizeof call, "%s: cari_writer_commit", step);
    if (outcome(r, cari_writer_commit(w), call, cari_writer_errmsg(w)))
        goto fail;
    cari_writer_close(w);
    return 0;
fail:
    cari_writer_close(w);
    return -1;
}

static const char *const session_b_deletes[] = {"a4"};

/* Session B: add, replace, delete (a2 and a4 are a third of the articles:
 * the commit's automatic merge rewrites the first segment without them). */
static int write_b(run *r)
{
    return write_articles(r, "B", session_b, 2, session_b_deletes, 1, 0);
}

/* Session C: merge everything into one segment.  0 when committed. */
static int write_c(run *r)
{
    return write_articles(r, "C", NULL, 0, NULL, 0, 1);
}

typedef struct query_def {
    const char *q;
    unsigned flags;          /* added to the defaults */
    const char *where, *since;
    int feedback;            /* 20 hits ranked by fb_model */
} query_def;

/* A model whose questions get feedback past their first hit (parsed in
 * main, before any allocation is made to fail; read from a file by the
 * batch scenario, as cari-search --model does). */
static const char model[] = "cari-ranker 1\n[question]\ndepth 50\n"
                            "feedback.keep 1\nfeedback.docs 2\n"
                            "feedback.terms 4\nfeedback.weight 0.8\n"
                            "feedback.fuse 2\n";
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
static void search_queries(run *r, size_t nqueries)
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
    for (i = 0; i < nqueries; i++)
        for (tries = 0; search_one(r, ix, &queries[i]); tries++)
            assert_int_equal(tries, 0);
    for (tries = 0; suggest(r, ix); tries++)
        assert_int_equal(tries, 0);
    cari_index_close(ix);
}

static void search_all(run *r)
{
    search_queries(r, sizeof queries / sizeof queries[0]);
}

/* The same without the feedback question (the last), which needs a hit
 * placed by feedback, and so input_a's articles. */
static void search_no_feedback(run *r)
{
    search_queries(r, sizeof queries / sizeof queries[0] - 1);
}

/* cari_index_check() must call the index sound (or absent), with no file
 * it does not name. */
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
    /* no writer is open: a failed one took what it wrote with it */
    if (st.unreferenced != 0)
        fail_msg("k=%lu: %llu files that MANIFEST does not name are left "
                 "after %s", (unsigned long)atomic_load(&fail_at),
                 (unsigned long long)st.unreferenced, r->where);
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

/* ---- the scenarios ---- */

/* What a sweep runs: setup (not counted: nothing fails in it) makes the
 * starting state 0 (inputs, an index); then, counted, each session
 * s = 1 .. nstates-1 (a writer's work, 0 when committed) and after each
 * state the transcript of the index (counted when count_transcript,
 * else only the sessions' allocations are failed), and from state
 * check_from on, cari_index_check. */
typedef struct scenario {
    const char *name;
    int nstates;
    void (*setup)(run *r);
    int (*session)(run *r, int s);
    void (*transcript)(run *r);
    int count_transcript;
    int check_from;
    void (*check_reference)(const reference *ref);  /* the fault-free run */
} scenario;

/* The transcript of the index (and its check), failing no allocation
 * unless the scenario counts them. */
static void transcribe(run *r, const scenario *sc, int check)
{
    int was = atomic_load(&counting);
    if (!sc->count_transcript)
        atomic_store(&counting, 0);
    sc->transcript(r);
    if (check)
        check_index(r);
    atomic_store(&counting, was);
}

/* The index on disk must equal reference state s. */
static void verify_state(run *r, const scenario *sc, const reference *ref,
                         int s)
{
    char buf[16384], what[300];
    run v = *r;
    v.out = buf;
    v.len = 0;
    v.cap = sizeof buf;
    v.failed = 1;  /* no failure may happen now */
    transcribe(&v, sc, 0);
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

/* The whole run of sc with allocation k failing (0: none), in dir/run,
 * the transcript of each state into got, compared with ref when there is
 * one. */
static void one_run(const scenario *sc, const char *dir, int threads,
                    unsigned long k, const reference *ref, reference *got,
                    outcome_stats *os)
{
    run r;
    int s;
    memset(&r, 0, sizeof r);
    r.dir = dir;
    snprintf(r.base, sizeof r.base, "%s/run", dir);
    snprintf(r.ix, sizeof r.ix, "%s/index", r.base);
    assert_int_equal(mkdir(r.base, 0755), 0);
    r.threads = threads;
    r.out = got->state[0];  /* setup writes nothing, but has somewhere to */
    r.cap = sizeof got->state[0];
    if (sc->setup)
        sc->setup(&r);

    arm_failure(k);
    for (s = 0; s < sc->nstates; s++) {
        r.out = got->state[s];
        r.cap = sizeof got->state[s];
        r.len = 0;
        r.out[0] = '\0';
        if (s > 0 && sc->session(&r, s)) {
            /* the failed session left the previous commit; a new writer
             * then succeeds */
            if (ref)
                verify_state(&r, sc, ref, s - 1);
            assert_int_equal(sc->session(&r, s), 0);
        }
        transcribe(&r, sc, s >= sc->check_from);
    }
    atomic_store(&counting, 0);
    os->allocations = atomic_load(&alloc_count);
    os->fired = atomic_load(&fired);
    os->failed = r.failed;
    snprintf(os->where, sizeof os->where, "%s", r.where);
    if (ref)
        for (s = 0; s < sc->nstates; s++) {
            char what[300];
            snprintf(what, sizeof what, "k=%lu threads=%d %s: state %d "
                     "differs from the fault-free run (failure: %s)", k,
                     threads, sc->name, s,
                     r.failed ? r.where : "none reported");
            same_or_fail(got->state[s], ref->state[s], what);
        }
    test_rmtree(r.base);
}

#define SAMPLE_ALL 2000   /* every k up to here */
#define STRIDE 7          /* then every STRIDE-th */

static void sweep(const scenario *sc, int threads)
{
    static reference ref, got;
    outcome_stats os;
    char dir[256];
    unsigned long k, n, last, tried = 0, reported = 0, absorbed = 0;
    int slow = getenv("CARI_SLOW_TESTS") && !strcmp(getenv("CARI_SLOW_TESTS"),
                                                      "1");
    assert_int_equal(test_mkdtemp(dir, sizeof dir), 0);
    one_run(sc, dir, threads, 0, NULL, &ref, &os);
    n = os.allocations;
    assert_false(os.failed);
    if (getenv("CARI_ALLOC_SHOW"))  /* debugging: the reference */
        for (k = 0; k < (unsigned long)sc->nstates; k++)
            fprintf(stderr, "# state %lu:\n%s", k, ref.state[k]);
    sc->check_reference(&ref);
    /* with threads, the count varies a little from run to run: go on
     * until a run completes without reaching k */
    k = getenv("CARI_ALLOC_FROM") ? strtoul(getenv("CARI_ALLOC_FROM"), NULL, 10)
                                  : 1;  /* debugging: start at k */
    for (k = k ? k : 1;; k += (!slow && k >= SAMPLE_ALL) ? STRIDE : 1) {
        one_run(sc, dir, threads, k, &ref, &got, &os);
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
            fail_msg("k=%lu threads=%d %s: a leak after %s", k, threads,
                     sc->name, os.failed ? os.where : "an absorbed failure");
#endif
    }
    /* the first run of the process also parses the built-in ranking
     * model, once (kept until exit): one allocation more than later runs */
    print_message("# %s, threads=%d: %lu allocations per run (%lu in the "
                  "process's first); %lu failure points tried (%s), %lu "
                  "reported as CARI_ENOMEM, %lu absorbed with identical "
                  "results; leak check %s\n",
                  sc->name, threads, last, n, tried,
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

/* The whole run's input: input_a as a file. */
static void setup_input(run *r)
{
    snprintf(r->input, sizeof r->input, "%s/a.jsonl", r->base);
    if (test_write_str(r->input, input_a) != 0)
        fail_msg("cannot write %s", r->input);
}

/* ---- the merge scenarios ---- */

/* An index of four segments of three articles, two of them with deleted
 * articles (m2, and m5 replaced), 2 of 11 dead: below the share that
 * makes a commit merge by itself. */
static const article_def merge_articles[] = {
    {"m1", "Banjir Kembali Melanda Jakarta Timur",
     "Banjir setinggi lutut merendam rumah warga Jakarta Timur.\n\nCurah "
     "hujan tinggi sejak sore.", "{\"source\": \"kabar\", \"date\": "
     "\"2021-02-01\"}"},
    {"m2", "Harga Cabai Melonjak",
     "Harga cabai di pasar naik dua kali lipat.", NULL},
    {"m3", "Gempa Kecil di Sumbawa",
     "Gempa kecil terasa di Sumbawa, tidak ada rumah rusak.",
     "{\"source\": \"warta\", \"tags\": [\"gempa\"]}"},
    {"m4", "Warga Membangun Tanggul",
     "Warga membangun tanggul agar banjir tidak masuk kampung.\n\nRelawan "
     "ikut membantu.", "{\"source\": \"warta\", \"date\": \"2021-03-01\"}"},
    {"m5", "Pasar Beras Ramai",
     "Pasar beras ramai menjelang hari raya.", NULL},
    {"m6", "Pemilu Ditunda",
     "Pemilu daerah ditunda karena banjir merusak gudang logistik.", NULL},
    {"m7", "Kereta Cepat Beroperasi",
     "Kereta cepat Jakarta Bandung beroperasi penuh.", NULL},
    {"m8", "Rumah Rusak Diterjang Angin",
     "Puluhan rumah rusak diterjang angin kencang.\n\nWarga mengungsi.",
     "{\"source\": \"kabar\", \"tags\": [\"bencana\"]}"},
    {"m9", "Curah Hujan Ekstrem",
     "Curah hujan ekstrem diperkirakan berlanjut sepekan.", NULL},
    {"m10", "Harga Beras Stabil",
     "Harga beras stabil setelah operasi pasar.",
     "{\"source\": \"warta\", \"date\": \"2021-06-01\"}"},
    {"m5", "Pasar Beras Sepi",
     "Pasar beras sepi setelah harga turun.\n\nPedagang mengeluh.",
     "{\"source\": \"warta\", \"date\": \"2021-07-01\"}"},
    {"m11", "Gempa Guncang Sumbawa Lagi",
     "Gempa kembali mengguncang Sumbawa, beberapa rumah rusak ringan.",
     "{\"source\": \"kabar\", \"tags\": [\"gempa\", \"bencana\"]}"},
};
static const char *const merge_setup_deletes[] = {"m2"};
static const char *const merge_deletes[] = {"m8"};

/* Four commits, four segments (a commit's tiers count the segments of
 * the commit before it: the fourth sees three). */
static void setup_merge(run *r)
{
    int i;
    for (i = 0; i < 4; i++)
        assert_int_equal(write_articles(r, "setup", merge_articles + 3 * i,
                                        i < 3 ? 3 : 2,
                                        merge_setup_deletes, i < 3 ? 0 : 1,
                                        0), 0);
}

/* Delete m8 and merge the four segments and their deletions into one. */
static int merge_all(run *r, int s)
{
    (void)s;
    return write_articles(r, "M", NULL, 0, merge_deletes, 1, 1);
}

/* Add m11: the last commit's four segments fill the first tier, so the
 * commit merges them (and drops their two dead articles) by itself.  (A
 * delete too would make the dead articles a fifth of the index: the
 * segments holding them would be merged for that, and count as one in
 * the tier, which then is not full.) */
static int merge_auto(run *r, int s)
{
    (void)s;
    return write_articles(r, "M", merge_articles + 11, 1, NULL, 0, 0);
}

/* ---- the directory reader ---- */

/* A directory of articles: .txt and .md files (the first line is the
 * title) in nested directories, a hidden file that is passed over, a link
 * to a file, and JSON Lines among them (input_a gzipped, one record in
 * an .ndjson); and files that are not articles, more of them than the
 * first list of a directory's names holds. */
static void setup_directory(run *r)
{
    static const struct {
        const char *path, *text;
    } files[] = {
        {"banjir.txt", "Banjir Rendam Jakarta Utara\nHujan deras sejak "
                       "malam membuat banjir di Jakarta Utara.\n\nWarga "
                       "mengungsi ke masjid.\n"},
        {"pasar/beras.md", "Harga Beras di Pasar Induk\n\nHarga beras di "
                           "pasar induk turun setelah panen.\n"},
        {"pasar/.draft.txt", "Draf\nbelum selesai\n"},
        {"pasar/kabar/cabai.txt", "Cabai Mahal\nHarga cabai rawit "
                                  "melonjak di pasar tradisional.\n"},
        {"z/gempa.md", "Gempa di Sumbawa\nGempa mengguncang Sumbawa; "
                       "rumah rusak berat di dua desa.\n"},
    };
    static const char session_b_line[] =
        "{\"id\": \"a5\", \"title\": \"Warga Bersihkan Sungai\", "
        "\"text\": \"Ratusan warga membersihkan sungai setelah banjir.\"}\n";
    char path[600], sub[600];
    struct stat st;
    gzFile gz;
    size_t i;
    /* made once a sweep: only the index changes from run to run */
    snprintf(r->input, sizeof r->input, "%s/articles", r->dir);
    if (stat(r->input, &st) == 0)
        return;
    assert_int_equal(mkdir(r->input, 0755), 0);
    for (i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *slash;
        snprintf(path, sizeof path, "%s/%s", r->input, files[i].path);
        /* make the directories on the way */
        snprintf(sub, sizeof sub, "%s", path);
        for (slash = strchr(sub + strlen(r->input) + 1, '/'); slash;
             slash = strchr(slash + 1, '/')) {
            *slash = '\0';
            if (mkdir(sub, 0755) != 0 && errno != EEXIST)
                fail_msg("cannot make %s", sub);
            *slash = '/';
        }
        assert_int_equal(test_write_str(path, files[i].text), 0);
    }
    /* more names in one directory than its first list holds (64) */
    for (i = 0; i < 70; i++) {
        snprintf(path, sizeof path, "%s/z/gambar-%02zu.png", r->input, i);
        assert_int_equal(test_write_str(path, "bukan artikel\n"), 0);
    }
    snprintf(path, sizeof path, "%s/pasar/lain.jsonl.gz", r->input);
    gz = gzopen(path, "wb");
    assert_non_null(gz);
    assert_int_equal(gzwrite(gz, input_a, sizeof input_a - 1),
                     (int)(sizeof input_a - 1));
    assert_int_equal(gzclose(gz), Z_OK);
    snprintf(path, sizeof path, "%s/z/lagi.ndjson", r->input);
    assert_int_equal(test_write_str(path, session_b_line), 0);
    /* a link to a file is followed (an article of its own id) */
    snprintf(path, sizeof path, "%s/z/tautan.txt", r->input);
    assert_int_equal(symlink("../banjir.txt", path), 0);
}

/* ---- batch searching ---- */

/* cari-search --batch is a loop in the CLI over cari_search() on one
 * handle, with the same options for every query: without snippets and
 * stored fields (ids only), or with explain (--features); a query that
 * does not parse is searched again as plain words.  Here: the library
 * calls that loop makes, each query repeated once when it failed (the
 * CLI would stop; the handle must still give the same results). */
static const char *const batch_queries[] = {
    "banjir Jakarta",
    "harga beras",
    "\"curah hujan\" -rob",
    "kapan \"banjir melanda Jakarta?",   /* a stray quote: plain words */
    "yang dan di",                       /* stopwords only */
    "gemp* OR title:kereta",
    "banjir Jakarta",                    /* again: whatever it cached */
    "rumah NEAR/3 rusak",
    "kapan banjir melanda Jakarta?",     /* a question: feedback */
};

/* One pass of the batch queries with these options into the transcript. */
static void batch_pass(run *r, cari_index *ix, const cari_search_options *so)
{
    size_t q, i, j;
    for (q = 0; q < sizeof batch_queries / sizeof batch_queries[0]; q++) {
        const char *line = batch_queries[q];
        cari_hits *h = NULL;
        int rc, tries, plain_words = 0;
        for (tries = 0;; tries++) {
            rc = cari_search(ix, line, strlen(line), so, &h);
            if (rc == CARI_ESYNTAX) {
                cari_search_options plain = *so;
                plain.flags |= CARI_SEARCH_PLAIN;
                plain_words = 1;
                rc = cari_search(ix, line, strlen(line), &plain, &h);
            }
            if (rc == CARI_ENOTERMS) {
                assert_null(h);
                say(r, "query %zu: no terms\n", q + 1);
                break;
            }
            if (!outcome(r, rc, "batch: cari_search", cari_index_errmsg(ix)))
                break;
            assert_null(h);
            assert_int_equal(tries, 0);
        }
        if (plain_words)
            say(r, "query %zu: plain words\n", q + 1);
        if (!h)
            continue;
        for (i = 0; i < cari_hits_count(h); i++) {
            cari_hit hit;
            assert_int_equal(cari_hits_get(h, i, &hit), CARI_OK);
            say(r, "%zu\t%zu\t%.*s#%u\t%.6f", q + 1, i + 1, (int)hit.id_len,
                hit.id, hit.passage, hit.score);
            for (j = 0; j < hit.explain_count; j++)
                say(r, "\t%.6g", hit.explain[j].value);
            say(r, "\n");
        }
        cari_hits_free(h);
    }
}

/* The batch run as cari-search --model FILE --shard DIR -p --batch makes
 * it: load the model, open the index (one native shard: cari_index_open
 * underneath), then the queries with the batch options, then again with
 * explain and a filter (--features --where). */
static void batch(run *r)
{
    cari_search_options so = CARI_SEARCH_OPTIONS_INIT;
    const char *where[1] = {"source=warta"};
    const char *shard[1] = {r->ix};
    cari_ranker *ranker = NULL;
    cari_index *ix = NULL;
    cari_error err;
    int tries;
    for (tries = 0;; tries++) {
        memset(&err, 0, sizeof err);
        if (!outcome(r, cari_ranker_load(r->input, &ranker, &err),
                     "batch: cari_ranker_load", err.message))
            break;
        assert_null(ranker);
        assert_int_equal(tries, 0);
    }
    for (tries = 0;; tries++) {
        memset(&err, 0, sizeof err);
        if (!outcome(r, cari_index_open_shards(shard, 1,
                                               CARI_SHARDS_ALLOW_PARTIAL, &ix,
                                               &err),
                     "batch: cari_index_open_shards", err.message))
            break;
        assert_null(ix);
        assert_int_equal(tries, 0);
    }
    so.ranker = ranker;
    so.flags &= ~(CARI_SEARCH_SNIPPETS | CARI_SEARCH_STORED);
    batch_pass(r, ix, &so);
    so.flags |= CARI_SEARCH_EXPLAIN;
    so.where = where;
    so.nwhere = 1;
    batch_pass(r, ix, &so);
    cari_index_close(ix);
    cari_ranker_free(ranker);
}

/* The index the batch searches (the merge scenarios': four segments,
 * two with deleted articles), and the model. */
static void setup_batch(run *r)
{
    setup_merge(r);
    /* the model file */
    snprintf(r->input, sizeof r->input, "%s/model", r->base);
    assert_int_equal(test_write_str(r->input, model), 0);
}

static int write_session(run *r, int s)
{
    return s == 1 ? write_a(r) : s == 2 ? write_b(r) : write_c(r);
}

static void check_whole_run(const reference *ref)
{
    assert_true(strstr(ref->state[0], "no index") != NULL);
    assert_true(strstr(ref->state[1], "a3#") != NULL);
    assert_true(strstr(ref->state[2], "a5#") != NULL);
    assert_true(strstr(ref->state[3], "a5#") != NULL);
    assert_true(strstr(ref->state[3], "segments 1 ") != NULL);
    assert_true(strstr(ref->state[2], "segments 1 ") == NULL);
    /* session B's commit merged the first segment (a third of it dead) */
    assert_true(strstr(ref->state[2], "deleted 0 ") != NULL);
}

/* Index, update, merge, each state searched: every allocation counted. */
static const scenario whole_run = {
    "index and search", NSTATES, setup_input, write_session, search_all, 1,
    2, check_whole_run,
};

static void check_merge(const reference *ref)
{
    assert_true(strstr(ref->state[0], "segments 4 ") != NULL);
    assert_true(strstr(ref->state[0], "deleted 2 ") != NULL);
    assert_true(strstr(ref->state[0], "m8#") != NULL);
    assert_true(strstr(ref->state[1], "segments 1 ") != NULL);
    assert_true(strstr(ref->state[1], "deleted 0 ") != NULL);
    assert_true(strstr(ref->state[1], "m8#") == NULL);
}

/* cari_writer_merge of four segments and three deletion files. */
static const scenario merge_scenario = {
    "merge", 2, setup_merge, merge_all, search_no_feedback, 0, 1,
    check_merge,
};

static void check_auto_merge(const reference *ref)
{
    assert_true(strstr(ref->state[0], "segments 4 ") != NULL);
    assert_true(strstr(ref->state[1], "segments 2 ") != NULL);
    assert_true(strstr(ref->state[1], "deleted 0 ") != NULL);
    assert_true(strstr(ref->state[1], "m11#") != NULL);
}

/* A commit that merges by itself. */
static const scenario auto_merge_scenario = {
    "automatic merge", 2, setup_merge, merge_auto, search_no_feedback, 0, 1,
    check_auto_merge,
};

static int read_directory(run *r, int s)
{
    (void)s;
    return write_a(r);
}

static void check_directory(const reference *ref)
{
    assert_true(strstr(ref->state[0], "no index") != NULL);
    /* the four files, the link, input_a's four articles and a5; not the
     * hidden file */
    assert_true(strstr(ref->state[1], "articles 10 ") != NULL);
    assert_true(strstr(ref->state[1], "z/tautan.txt#") != NULL);
    assert_true(strstr(ref->state[1], "a5#") != NULL);
    assert_true(strstr(ref->state[1], "z/gempa.md#") != NULL);
    assert_true(strstr(ref->state[1], "a3#") != NULL);
}

/* cari_reader on a directory of .txt, .md and .jsonl files. */
static const scenario directory_scenario = {
    "directory", 2, setup_directory, read_directory, search_no_feedback, 0,
    1, check_directory,
};

static void check_batch(const reference *ref)
{
    assert_true(strstr(ref->state[0], "query 4: plain words") != NULL);
    assert_true(strstr(ref->state[0], "query 5: no terms") != NULL);
    assert_true(strstr(ref->state[0], "m5#") != NULL);
    assert_true(strstr(ref->state[0], "m2#") == NULL);  /* deleted */
}

/* The calls of cari-search --batch. */
static const scenario batch_scenario = {
    "batch", 1, setup_batch, NULL, batch, 1, 99, check_batch,
};


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
        arm_failure(k);
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

/* An index of three merge_articles in a new directory dir, for r (one
 * thread). */
static void small_index(run *r, char *dir, size_t cap)
{
    assert_int_equal(test_mkdtemp(dir, cap), 0);
    memset(r, 0, sizeof *r);
    r->dir = dir;
    r->threads = 1;
    snprintf(r->ix, sizeof r->ix, "%s/index", dir);
    assert_int_equal(write_articles(r, "setup", merge_articles, 3, NULL, 0,
                                    0), 0);
}

/* A directory whose MANIFEST is lost (segment files and no MANIFEST) is
 * damage, never a new index or no index, even when listing it runs out
 * of memory: each allocation of cari_writer_open and of cari_index_open
 * there fails in turn, and each must return CARI_ECORRUPT or
 * CARI_ENOMEM, and leave the segment files. */
static void test_lost_manifest(void **state)
{
    char dir[256], manifest[400];
    unsigned long k, tried = 0;
    int step, segs;
    run r;
    (void)state;
    small_index(&r, dir, sizeof dir);
    snprintf(manifest, sizeof manifest, "%s/MANIFEST", r.ix);
    assert_int_equal(remove(manifest), 0);
    segs = test_count_entries(r.ix, "seg-");
    assert_true(segs > 0);
    for (step = 0; step < 2; step++)
        for (k = 1;; k++) {
            cari_writer_options o = CARI_WRITER_OPTIONS_INIT;
            cari_writer *w = NULL;
            cari_index *ix = NULL;
            cari_error err;
            int rc;
            o.threads = 1;
            o.sync = 0;
            memset(&err, 0, sizeof err);
            arm_failure(k);
            rc = step == 0 ? cari_writer_open(r.ix, &o, &w, &err)
                           : cari_index_open(r.ix, &ix, &err);
            atomic_store(&counting, 0);
            cari_writer_close(w);
            cari_index_close(ix);
            if (rc != CARI_ECORRUPT &&
                !(rc == CARI_ENOMEM && atomic_load(&fired)))
                fail_msg("k=%lu: %s on a lost MANIFEST returned %d (%s): %s",
                         k, step == 0 ? "cari_writer_open" : "cari_index_open",
                         rc, cari_strerror(rc), err.message);
            assert_int_equal(test_count_entries(r.ix, "seg-"), segs);
            if (!atomic_load(&fired))
                break;
            tried++;
        }
    print_message("# a lost MANIFEST: %lu failure points of the writer's "
                  "and the reader's open\n", tried);
    test_rmtree(dir);
}

/* cari_index_check() on an index beside a file its MANIFEST does not
 * name: each failing allocation gives CARI_ENOMEM, or a check that
 * counts the file (found by review: a listing of the directory out of
 * memory counted none, as of a clean directory). */
static void test_check_listing(void **state)
{
    char dir[256], stray[400];
    unsigned long k, tried = 0;
    run r;
    (void)state;
    small_index(&r, dir, sizeof dir);
    snprintf(stray, sizeof stray, "%s/seg-000099.cari", r.ix);
    assert_int_equal(test_write_str(stray, "left by a crashed writer"), 0);
    for (k = 1;; k++) {
        cari_check_stats st;
        cari_error err;
        int rc;
        memset(&st, 0, sizeof st);
        memset(&err, 0, sizeof err);
        arm_failure(k);
        rc = cari_index_check(r.ix, NULL, NULL, &st, &err);
        atomic_store(&counting, 0);
        if (rc == CARI_ENOMEM && atomic_load(&fired)) {
            if (!strstr(err.message, "memory"))
                fail_msg("k=%lu: CARI_ENOMEM says '%s'", k, err.message);
        } else if (rc != CARI_OK || st.unreferenced != 1 || st.problems) {
            fail_msg("k=%lu: cari_index_check returned %d (%s), %llu files "
                     "MANIFEST does not name (1 is), %llu problems: %s",
                     k, rc, cari_strerror(rc),
                     (unsigned long long)st.unreferenced,
                     (unsigned long long)st.problems, err.message);
        }
        if (!atomic_load(&fired))
            break;
        tried++;
    }
    print_message("# --check beside a stray file: %lu failure points\n",
                  tried);
    test_rmtree(dir);
}

static void test_one_thread(void **state)
{
    (void)state;
    sweep(&whole_run, 1);
}

static void test_two_threads(void **state)
{
    (void)state;
    sweep(&whole_run, 2);
}

static void test_merge(void **state)
{
    (void)state;
    sweep(&merge_scenario, 1);
}

static void test_automatic_merge(void **state)
{
    (void)state;
    sweep(&auto_merge_scenario, 1);
    sweep(&auto_merge_scenario, 2);
}

static void test_directory(void **state)
{
    (void)state;
    sweep(&directory_scenario, 1);
}

static void test_batch(void **state)
{
    (void)state;
    sweep(&batch_scenario, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jansson_out_of_memory),
        cmocka_unit_test(test_pair_many_terms),
        cmocka_unit_test(test_one_thread),
        cmocka_unit_test(test_two_threads),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_automatic_merge),
        cmocka_unit_test(test_directory),
        cmocka_unit_test(test_batch),
        cmocka_unit_test(test_lost_manifest),
        cmocka_unit_test(test_check_listing),
    };
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
