/*
 * xapian_shim_test.c - unit tests of the Xapian C shim (include/xapian_c.h).
 *
 * Each test gets a fresh temporary directory (mkdtemp under $TMPDIR or
 * /tmp) that its teardown removes.  Most tests index the small hand-made
 * collection below, whose BM25 scores are worked out by hand where a test
 * asserts a weight.  The remote tests start xapian-tcpsrv on 127.0.0.1.
 *
 * Run with CMOCKA_MESSAGE_OUTPUT=TAP for the prove harness.
 */
#define _XOPEN_SOURCE 700

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xapian_c.h"

/* Fails the test with the shim's message unless "call" returns XC_OK. */
#define XC_CHECK(call)                                                       \
    do {                                                                     \
        int rc_ = (call);                                                    \
        if (rc_ != XC_OK)                                                    \
            fail_msg("%s -> %d (%s): %s", #call, rc_, xc_strerror(rc_),     \
                     xc_last_error_message());                               \
    } while (0)

/* Asserts that "call" fails with exactly "code". */
#define XC_EXPECT(code, call)                                                \
    do {                                                                     \
        int rc_ = (call);                                                    \
        if (rc_ != (code))                                                   \
            fail_msg("%s -> %d (%s), expected %d (%s); message: %s", #call,  \
                     rc_, xc_strerror(rc_), (code), xc_strerror(code),       \
                     xc_last_error_message());                               \
    } while (0)

/* ------------------------------------------------------------------------
 * Fixture: a temporary directory per test
 * ------------------------------------------------------------------------ */

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

static int setup_tmpdir(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    const char *base = getenv("TMPDIR");
    if (base == NULL || *base == '\0')
        base = "/tmp";
    snprintf(f->dir, sizeof f->dir, "%s/xc_shim_test_XXXXXX", base);
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static void stop_running_servers(void);

static int teardown_tmpdir(void **state)
{
    stop_running_servers();
    fixture *f = *state;
    int rc = nftw(f->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return rc;
}

/* "<fixture dir>/<name>" into "out". */
static void path_in(void **state, const char *name, char *out, size_t size)
{
    const fixture *f = *state;
    int n = snprintf(out, size, "%s/%s", f->dir, name);
    assert_true(n > 0 && (size_t)n < size);
}

/* ------------------------------------------------------------------------
 * The test collection
 *
 * Term positions are 1-based word numbers; each document also has the
 * boolean id term "Q<id>", value slot 0 = article id, slot 1 = year, and
 * its id as data.  Document lengths (words): 6, 8, 4, 13, 3, 4 = 38.
 * ------------------------------------------------------------------------ */

#define SLOT_ARTICLE 0
#define SLOT_YEAR 1

typedef struct doc_spec {
    const char *id;
    const char *text;
    const char *article;
    const char *year;
} doc_spec;

static const doc_spec corpus[] = {
    {"d1", "kucing hitam tidur di atas kasur", "a1", "2001"},
    {"d2", "anjing dan kucing bermain bersama di taman kota", "a1", "2005"},
    {"d3", "kucing kucing kucing lucu", "a2", "2010"},
    {"d4",
     "burung terbang di atas taman kota yang sangat luas dan indah sekali "
     "sekali",
     "a2", "2015"},
    {"d5", "anjing hitam menggonggong", "a3", "2020"},
    {"d6", "ikan berenang di kolam", "a3", "2024"},
};
#define CORPUS_SIZE (sizeof corpus / sizeof corpus[0])
#define CORPUS_TOTAL_LENGTH 38

static xc_document *make_document(const doc_spec *spec)
{
    xc_document *doc = NULL;
    XC_CHECK(xc_document_new(&doc));
    char text[256];
    snprintf(text, sizeof text, "%s", spec->text);
    xc_termpos pos = 1;
    char *save = NULL;
    for (char *word = strtok_r(text, " ", &save); word != NULL;
         word = strtok_r(NULL, " ", &save))
        XC_CHECK(xc_document_add_posting(doc, word, pos++, 1));
    char id_term[64];
    snprintf(id_term, sizeof id_term, "Q%s", spec->id);
    XC_CHECK(xc_document_add_boolean_term(doc, id_term));
    XC_CHECK(xc_document_set_value(doc, SLOT_ARTICLE, spec->article,
                                   strlen(spec->article)));
    XC_CHECK(
        xc_document_set_value(doc, SLOT_YEAR, spec->year, strlen(spec->year)));
    XC_CHECK(xc_document_set_data(doc, spec->id, strlen(spec->id)));
    return doc;
}

static void add_documents(xc_writable *wdb, const doc_spec *specs, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        xc_document *doc = make_document(&specs[i]);
        XC_CHECK(xc_writable_add_document(wdb, doc, NULL));
        xc_document_free(doc);
    }
}

/* Creates (or overwrites) a database at "path" holding "specs". */
static void build_database(const char *path, const doc_spec *specs, size_t n)
{
    xc_writable *wdb = NULL;
    XC_CHECK(xc_writable_open(path, XC_DB_CREATE_OR_OVERWRITE, &wdb));
    add_documents(wdb, specs, n);
    XC_CHECK(xc_writable_commit(wdb));
    xc_writable_free(wdb);
}

static void build_corpus(void **state, const char *name, char *path,
                         size_t size)
{
    path_in(state, name, path, size);
    build_database(path, corpus, CORPUS_SIZE);
}

static xc_database *open_database(const char *path)
{
    xc_database *db = NULL;
    XC_CHECK(xc_database_open(path, &db));
    return db;
}

/* ------------------------------------------------------------------------
 * Query and result helpers
 * ------------------------------------------------------------------------ */

static xc_query *term_query(const char *term)
{
    xc_query *q = NULL;
    XC_CHECK(xc_query_term(term, 1, 0, &q));
    return q;
}

/* Combines two queries and frees them (a convenience of these tests; the
 * shim itself never consumes its inputs). */
static xc_query *combine_and_free(xc_query_op op, xc_termcount parameter,
                                  xc_query *a, xc_query *b)
{
    const xc_query *parts[2] = {a, b};
    xc_query *q = NULL;
    XC_CHECK(xc_query_combine(op, parts, 2, parameter, &q));
    xc_query_free(a);
    xc_query_free(b);
    return q;
}

static xc_query *terms_query(xc_query_op op, xc_termcount parameter,
                             const char *a, const char *b)
{
    return combine_and_free(op, parameter, term_query(a), term_query(b));
}

#define MAX_HITS 16

typedef struct hit {
    char id[32];
    xc_docid docid;
    double weight;
    int percent;
    xc_doccount collapse_count;
} hit;

typedef struct hits {
    size_t n;
    hit item[MAX_HITS];
    char ids[MAX_HITS * 8]; /* "d3,d1,d2" */
} hits;

/* Runs the enquire's current query and records every hit. */
static void collect(xc_enquire *enq, hits *out)
{
    xc_mset *mset = NULL;
    XC_CHECK(xc_enquire_get_mset(enq, 0, MAX_HITS, 0, &mset));
    memset(out, 0, sizeof *out);
    out->n = xc_mset_size(mset);
    assert_true(out->n <= MAX_HITS);
    for (size_t i = 0; i < out->n; ++i) {
        xc_mset_item item;
        XC_CHECK(xc_mset_get_item(mset, (xc_doccount)i, &item));
        assert_int_equal(item.rank, i);
        char *data = NULL;
        size_t len = 0;
        XC_CHECK(xc_mset_get_data(mset, (xc_doccount)i, &data, &len));
        assert_true(len < sizeof out->item[i].id);
        memcpy(out->item[i].id, data, len);
        xc_free(data);
        out->item[i].docid = item.docid;
        out->item[i].weight = item.weight;
        out->item[i].percent = item.percent;
        out->item[i].collapse_count = item.collapse_count;
        if (i > 0)
            strcat(out->ids, ",");
        strcat(out->ids, out->item[i].id);
    }
    xc_mset_free(mset);
}

/* Searches "db" for "query" with default BM25. */
static void search(const xc_database *db, const xc_query *query, hits *out)
{
    xc_enquire *enq = NULL;
    XC_CHECK(xc_enquire_new(db, &enq));
    XC_CHECK(xc_enquire_set_query(enq, query));
    collect(enq, out);
    xc_enquire_free(enq);
}

/* Searches and frees the query. */
static void search_and_free(const xc_database *db, xc_query *query, hits *out)
{
    search(db, query, out);
    xc_query_free(query);
}

static double weight_of(const hits *h, const char *id)
{
    for (size_t i = 0; i < h->n; ++i)
        if (strcmp(h->item[i].id, id) == 0)
            return h->item[i].weight;
    fail_msg("%s not among the hits %s", id, h->ids);
    return 0.0;
}

static void assert_close(double actual, double expected)
{
    if (fabs(actual - expected) > 1e-9 * fmax(1.0, fabs(expected)))
        fail_msg("%.17g != %.17g", actual, expected);
}

/* Xapian's BM25 (weight/bm25weight.cc in 1.4, no RSet, k2 = 0) for a
 * one-term query with wqf 1, worked out independently of the shim. */
static double bm25(double k1, double k3, double b, double min_normlen,
                   double N, double termfreq, double wdf, double doclen,
                   double avlen)
{
    double tw = (N - termfreq + 0.5) / (termfreq + 0.5);
    if (tw < 2)
        tw = tw * 0.5 + 1;
    double termweight = log(tw) * (k1 + 1);
    if (k3 != 0)
        termweight *= (k3 + 1) * 1.0 / (k3 + 1.0);
    double normlen = fmax(doclen / avlen, min_normlen);
    return termweight * wdf / (k1 * (normlen * b + (1 - b)) + wdf);
}

/* ------------------------------------------------------------------------
 * xapian-tcpsrv for the remote tests
 * ------------------------------------------------------------------------ */

typedef struct server {
    pid_t pid;
    int output; /* read end of its stdout/stderr, kept open so it never
                   gets SIGPIPE */
    unsigned port;
} server;

/* Servers still running, so a test that fails half-way does not leave
 * them behind: the fixture teardown kills them. */
#define MAX_SERVERS 4
static server *running_servers[MAX_SERVERS];

static void stop_server(server *srv);

static void stop_running_servers(void)
{
    for (size_t i = 0; i < MAX_SERVERS; ++i)
        if (running_servers[i] != NULL)
            stop_server(running_servers[i]);
}

/* Reads the child's output until a line containing "needle" (1), EOF or
 * a 10 s silence (0). */
static int wait_for_output(int fd, const char *needle)
{
    char buffer[4096];
    size_t used = 0;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int ready = poll(&p, 1, 10000);
        if (ready <= 0)
            return 0;
        ssize_t n = read(fd, buffer + used, sizeof buffer - 1 - used);
        if (n <= 0)
            return 0;
        used += (size_t)n;
        buffer[used] = '\0';
        if (strstr(buffer, needle) != NULL)
            return 1;
        if (used == sizeof buffer - 1)
            used = 0;
    }
}

/* Starts "xapian-tcpsrv --one-shot" serving "db_path" on 127.0.0.1,
 * trying ports upwards from one derived from the pid until one is free.
 * One-shot: the server handles exactly one connection in its own process,
 * so killing "pid" really drops that connection. */
static void start_server(const char *db_path, int writable, server *srv)
{
    unsigned first = 20000u + (unsigned)getpid() % 20000u;
    for (unsigned port = first; port < first + 200; ++port) {
        int pipefd[2];
        assert_int_equal(pipe(pipefd), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            char port_text[16];
            snprintf(port_text, sizeof port_text, "%u", port);
            dup2(pipefd[1], STDOUT_FILENO);
            dup2(pipefd[1], STDERR_FILENO);
            close(pipefd[0]);
            close(pipefd[1]);
            char *argv[10];
            int argc = 0;
            argv[argc++] = (char *)"xapian-tcpsrv";
            argv[argc++] = (char *)"--one-shot";
            argv[argc++] = (char *)"--interface";
            argv[argc++] = (char *)"127.0.0.1";
            argv[argc++] = (char *)"--port";
            argv[argc++] = port_text;
            if (writable)
                argv[argc++] = (char *)"--writable";
            argv[argc++] = (char *)db_path;
            argv[argc] = NULL;
            execvp(argv[0], argv);
            _exit(127);
        }
        close(pipefd[1]);
        if (wait_for_output(pipefd[0], "Listening")) {
            srv->pid = pid;
            srv->output = pipefd[0];
            srv->port = port;
            for (size_t i = 0; i < MAX_SERVERS; ++i) {
                if (running_servers[i] == NULL) {
                    running_servers[i] = srv;
                    return;
                }
            }
            fail_msg("more than %d servers at once", MAX_SERVERS);
        }
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        close(pipefd[0]);
    }
    fail_msg("could not start xapian-tcpsrv on any port from %u", first);
}

static void stop_server(server *srv)
{
    for (size_t i = 0; i < MAX_SERVERS; ++i)
        if (running_servers[i] == srv)
            running_servers[i] = NULL;
    if (srv->pid <= 0)
        return;
    kill(srv->pid, SIGKILL);
    waitpid(srv->pid, NULL, 0);
    close(srv->output);
    srv->pid = 0;
}

/* A port on 127.0.0.1 that was free a moment ago (bind to port 0). */
static unsigned unused_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s, (struct sockaddr *)&addr, sizeof addr), 0);
    socklen_t len = sizeof addr;
    assert_int_equal(getsockname(s, (struct sockaddr *)&addr, &len), 0);
    close(s);
    return ntohs(addr.sin_port);
}

/* ------------------------------------------------------------------------
 * Tests: basics
 * ------------------------------------------------------------------------ */

static void test_version_and_strerror(void **state)
{
    (void)state;
    assert_string_equal(xc_version(), "1.4.22");
    const int codes[] = {
        XC_OK,        XC_END,       XC_EINVAL,       XC_ENOMEM,
        XC_EUNKNOWN,  XC_ELOCK,     XC_ECORRUPT,     XC_EVERSION,
        XC_ENOTFOUND, XC_EOPENING,  XC_EMODIFIED,    XC_ECLOSED,
        XC_ECREATE,   XC_EDATABASE, XC_ETIMEDOUT,    XC_ENETWORK,
        XC_ENODOC,    XC_EFEATURE,  XC_EINTERNAL,    XC_EQUERYPARSER,
        XC_ERANGE,    XC_ESERIALISE, XC_EWILDCARD,   XC_ERUNTIME,
        XC_EASSERT,   XC_EINVALARG, XC_EINVALOP,     XC_EUNIMPL,
        XC_ELOGIC,    XC_EXAPIAN,
    };
    const char *unknown = xc_strerror(-12345);
    assert_string_equal(unknown, "unknown xapian_c status code");
    size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; ++i) {
        const char *text = xc_strerror(codes[i]);
        assert_non_null(text);
        assert_true(strlen(text) > 0);
        assert_string_not_equal(text, unknown);
        for (size_t j = 0; j < i; ++j) {
            assert_int_not_equal(codes[i], codes[j]);
            assert_string_not_equal(text, xc_strerror(codes[j]));
        }
    }
    xc_clear_error();
    assert_int_equal(xc_last_error_code(), XC_OK);
    assert_string_equal(xc_last_error_message(), "");
}

static void test_null_arguments(void **state)
{
    (void)state;
    xc_database *db = (xc_database *)&db; /* poisoned: must be reset */
    XC_EXPECT(XC_EINVAL, xc_database_open(NULL, &db));
    assert_null(db);
    assert_int_equal(xc_last_error_code(), XC_EINVAL);
    assert_non_null(strstr(xc_last_error_message(), "xc_database_open"));
    assert_non_null(strstr(xc_last_error_message(), "path"));
    XC_EXPECT(XC_EINVAL, xc_database_open("/nonexistent", NULL));
    XC_EXPECT(XC_EINVAL, xc_database_open_remote(NULL, 1, 0, 0, &db));
    XC_EXPECT(XC_EINVAL, xc_database_open_remote("127.0.0.1", 0, 0, 0, &db));
    XC_EXPECT(XC_EINVAL, xc_database_new(NULL));
    XC_EXPECT(XC_EINVAL, xc_database_add_local(NULL, "x"));
    XC_EXPECT(XC_EINVAL, xc_database_add_database(NULL, NULL));
    XC_EXPECT(XC_EINVAL, xc_database_reopen(NULL, NULL));
    XC_EXPECT(XC_EINVAL, xc_database_close(NULL));

    xc_doccount count = 99;
    XC_EXPECT(XC_EINVAL, xc_database_doccount(NULL, &count));
    assert_int_equal(count, 0);
    XC_EXPECT(XC_EINVAL, xc_database_termfreq(NULL, "a", &count));

    xc_writable *wdb = NULL;
    XC_EXPECT(XC_EINVAL, xc_writable_open(NULL, XC_DB_CREATE_OR_OPEN, &wdb));
    XC_EXPECT(XC_EINVAL, xc_writable_commit(NULL));
    XC_EXPECT(XC_EINVAL, xc_writable_add_document(NULL, NULL, NULL));
    XC_EXPECT(XC_EINVAL,
              xc_writable_replace_document_by_term(NULL, "Q", NULL, NULL));
    XC_EXPECT(XC_EINVAL, xc_writable_delete_document_by_term(NULL, NULL));
    XC_EXPECT(XC_EINVAL, xc_writable_set_metadata(NULL, "k", "v", 1));

    xc_document *doc = NULL;
    XC_CHECK(xc_document_new(&doc));
    XC_EXPECT(XC_EINVAL, xc_document_add_term(doc, NULL, 1));
    XC_EXPECT(XC_EINVAL, xc_document_add_posting(NULL, "a", 1, 1));
    XC_EXPECT(XC_EINVAL, xc_document_set_data(doc, NULL, 3));
    XC_CHECK(xc_document_set_data(doc, NULL, 0));
    XC_EXPECT(XC_EINVAL, xc_document_set_value(doc, XC_BAD_VALUENO, "x", 1));
    char *data = (char *)&data;
    size_t len = 7;
    XC_EXPECT(XC_EINVAL, xc_document_get_data(doc, &data, NULL));
    assert_null(data);
    assert_int_equal(len, 7); /* untouched: it was not passed */
    XC_EXPECT(XC_EINVAL, xc_document_get_data(NULL, &data, &len));
    assert_int_equal(len, 0);
    xc_document_free(doc);

    xc_query *q = NULL;
    XC_EXPECT(XC_EINVAL, xc_query_term(NULL, 1, 0, &q));
    XC_EXPECT(XC_EINVAL, xc_query_combine(XC_OP_AND, NULL, 2, 0, &q));
    XC_EXPECT(XC_EINVAL, xc_query_combine2(XC_OP_AND, NULL, NULL, &q));
    XC_EXPECT(XC_EINVAL, xc_query_scale_weight(NULL, 2.0, &q));
    XC_EXPECT(XC_EINVAL, xc_query_value_range(0, NULL, 0, NULL, 0, &q));
    XC_EXPECT(XC_EINVAL, xc_query_wildcard(NULL, 0, XC_WILDCARD_LIMIT_ERROR,
                                           XC_OP_SYNONYM, &q));
    XC_EXPECT(XC_EINVAL, xc_query_describe(NULL, &data));
    assert_null(q);

    xc_enquire *enq = NULL;
    XC_EXPECT(XC_EINVAL, xc_enquire_new(NULL, &enq));
    XC_EXPECT(XC_EINVAL, xc_enquire_set_query(NULL, NULL));
    XC_EXPECT(XC_EINVAL, xc_enquire_set_weighting_bm25(NULL, 1, 0, 1, 0.5,
                                                       0.5));
    XC_EXPECT(XC_EINVAL, xc_enquire_get_mset(NULL, 0, 10, 0, NULL));

    xc_mset_item item;
    xc_mset_info info;
    assert_int_equal(xc_mset_size(NULL), 0);
    XC_EXPECT(XC_EINVAL, xc_mset_get_item(NULL, 0, &item));
    XC_EXPECT(XC_EINVAL, xc_mset_get_info(NULL, &info));
    XC_EXPECT(XC_EINVAL, xc_mset_get_data(NULL, 0, &data, &len));

    xc_docid docid = 5;
    XC_EXPECT(XC_EINVAL, xc_postlist_next(NULL, &docid));
    assert_int_equal(docid, 0);
    XC_EXPECT(XC_EINVAL, xc_positionlist_next(NULL, NULL));
    XC_EXPECT(XC_EINVAL, xc_termlist_next(NULL, NULL, NULL));
    XC_EXPECT(XC_EINVAL, xc_termlist_skip_to(NULL, "a", NULL, NULL));

    /* Every free function accepts NULL. */
    xc_free(NULL);
    xc_database_free(NULL);
    xc_writable_free(NULL);
    xc_document_free(NULL);
    xc_query_free(NULL);
    xc_enquire_free(NULL);
    xc_mset_free(NULL);
    xc_postlist_free(NULL);
    xc_positionlist_free(NULL);
    xc_termlist_free(NULL);
}

static void test_bad_flags_and_parameters(void **state)
{
    char path[PATH_MAX];
    path_in(state, "db", path, sizeof path);
    xc_writable *wdb = NULL;
    XC_EXPECT(XC_EINVAL, xc_writable_open(path, 0x8000, &wdb));
    XC_EXPECT(XC_EINVAL, xc_writable_open(path, 0x200 /* chert */, &wdb));
    XC_EXPECT(XC_EINVAL,
              xc_writable_open_remote("127.0.0.1", 1, 0, 0, XC_DB_NO_SYNC,
                                      &wdb));
    assert_null(wdb);

    build_database(path, corpus, CORPUS_SIZE);
    xc_database *db = open_database(path);
    xc_enquire *enq = NULL;
    XC_CHECK(xc_enquire_new(db, &enq));
    XC_EXPECT(XC_EINVAL, xc_enquire_set_weighting_bm25(enq, -1, 0, 1, 0.5,
                                                       0.5));
    XC_EXPECT(XC_EINVAL, xc_enquire_set_weighting_bm25(enq, 1, 0, 1, 1.5,
                                                       0.5));
    XC_EXPECT(XC_EINVAL, xc_enquire_set_weighting_bm25(enq, NAN, 0, 1, 0.5,
                                                       0.5));
    XC_EXPECT(XC_EINVAL, xc_enquire_set_weighting_bm25plus(enq, 1, 0, 1, 0.5,
                                                           0.5, -1));
    XC_EXPECT(XC_EINVALARG, xc_enquire_set_weighting_tfidf(enq, "zzz"));
    XC_EXPECT(XC_EINVAL, xc_enquire_set_docid_order(enq, (xc_docid_order)7));
    XC_EXPECT(XC_EINVAL, xc_enquire_set_collapse_key(enq, 0, 0));
    XC_EXPECT(XC_EINVAL, xc_enquire_set_cutoff(enq, 101, 0));
    XC_EXPECT(XC_EINVAL, xc_enquire_set_sort(enq, (xc_sort)9, 0, 0));
    XC_EXPECT(XC_EINVAL,
              xc_enquire_set_sort(enq, XC_SORT_VALUE, XC_BAD_VALUENO, 0));

    xc_query *q = NULL;
    xc_query *a = term_query("kucing");
    const xc_query *parts[1] = {a};
    XC_EXPECT(XC_EINVAL, xc_query_combine((xc_query_op)42, parts, 1, 0, &q));
    XC_EXPECT(XC_EINVAL, xc_query_combine(XC_OP_AND, parts, 1, 3, &q));
    XC_EXPECT(XC_EINVALARG, xc_query_scale_weight(a, -1.0, &q));
    XC_EXPECT(XC_EINVAL, xc_query_wildcard("k", 0, (xc_wildcard_limit)5,
                                           XC_OP_SYNONYM, &q));
    XC_EXPECT(XC_EINVAL, xc_query_wildcard("k", 0, XC_WILDCARD_LIMIT_ERROR,
                                           XC_OP_AND, &q));
    assert_null(q);
    xc_query_free(a);

    xc_document *doc = NULL;
    XC_CHECK(xc_document_new(&doc));
    XC_EXPECT(XC_EINVALARG, xc_document_add_term(doc, "", 1));
    XC_EXPECT(XC_EINVALARG, xc_document_remove_term(doc, "absent"));
    xc_document_free(doc);

    xc_enquire_free(enq);
    xc_database_free(db);
}

/* ------------------------------------------------------------------------
 * Tests: writing and reading back
 * ------------------------------------------------------------------------ */

static void test_create_commit_reopen_readonly(void **state)
{
    char path[PATH_MAX];
    path_in(state, "db", path, sizeof path);

    xc_writable *wdb = NULL;
    XC_CHECK(xc_writable_open(path, XC_DB_CREATE, &wdb));
    add_documents(wdb, corpus, CORPUS_SIZE);

    /* Data and values are byte strings: NULs survive. */
    static const char blob[] = {'i', 'd', '\0', 't', 'a', 'i', 'l'};
    static const char value[] = {'\0', '\x01', '\0'};
    xc_document *doc = NULL;
    XC_CHECK(xc_document_new(&doc));
    XC_CHECK(xc_document_add_term(doc, "biner", 2));
    XC_CHECK(xc_document_set_data(doc, blob, sizeof blob));
    XC_CHECK(xc_document_set_value(doc, 7, value, sizeof value));
    xc_docid docid = 0;
    XC_CHECK(xc_writable_add_document(wdb, doc, &docid));
    assert_int_equal(docid, CORPUS_SIZE + 1);
    xc_document_free(doc);
    XC_CHECK(xc_writable_commit(wdb));
    XC_CHECK(xc_writable_close(wdb));
    xc_writable_free(wdb);

    xc_database *db = open_database(path);
    xc_doccount count = 0;
    XC_CHECK(xc_database_doccount(db, &count));
    assert_int_equal(count, CORPUS_SIZE + 1);
    size_t shards = 0;
    XC_CHECK(xc_database_shard_count(db, &shards));
    assert_int_equal(shards, 1);

    XC_CHECK(xc_database_get_document(db, docid, &doc));
    xc_docid got_id = 0;
    XC_CHECK(xc_document_get_docid(doc, &got_id));
    assert_int_equal(got_id, docid);
    char *out = NULL;
    size_t len = 0;
    XC_CHECK(xc_document_get_data(doc, &out, &len));
    assert_int_equal(len, sizeof blob);
    assert_memory_equal(out, blob, sizeof blob);
    assert_int_equal(out[len], '\0');
    xc_free(out);
    XC_CHECK(xc_document_get_value(doc, 7, &out, &len));
    assert_int_equal(len, sizeof value);
    assert_memory_equal(out, value, sizeof value);
    xc_free(out);
    XC_CHECK(xc_document_get_value(doc, 8, &out, &len)); /* unset slot */
    assert_int_equal(len, 0);
    assert_string_equal(out, "");
    xc_free(out);
    xc_document_free(doc);

    XC_CHECK(xc_database_get_document(db, 3, &doc));
    XC_CHECK(xc_document_get_data(doc, &out, &len));
    assert_string_equal(out, "d3");
    xc_free(out);
    XC_CHECK(xc_document_get_value(doc, SLOT_YEAR, &out, &len));
    assert_string_equal(out, "2010");
    xc_free(out);
    xc_document_free(doc);

    XC_EXPECT(XC_ENODOC, xc_database_get_document(db, 999, &doc));
    assert_null(doc);
    assert_non_null(strstr(xc_last_error_message(), "DocNotFoundError"));
    xc_database_free(db);
}

static void test_writable_open_modes(void **state)
{
    char path[PATH_MAX];
    path_in(state, "db", path, sizeof path);
    xc_writable *wdb = NULL;
    XC_EXPECT(XC_ENOTFOUND, xc_writable_open(path, XC_DB_OPEN, &wdb));
    assert_null(wdb);

    XC_CHECK(xc_writable_open(path, XC_DB_CREATE | XC_DB_NO_SYNC, &wdb));
    add_documents(wdb, corpus, 2);
    XC_CHECK(xc_writable_commit(wdb));
    xc_writable_free(wdb);

    XC_EXPECT(XC_ECREATE, xc_writable_open(path, XC_DB_CREATE, &wdb));
    assert_non_null(strstr(xc_last_error_message(), "DatabaseCreateError"));

    XC_CHECK(xc_writable_open(path, XC_DB_CREATE_OR_OPEN, &wdb));
    xc_database *view = NULL;
    XC_CHECK(xc_writable_as_database(wdb, &view));
    xc_doccount count = 0;
    XC_CHECK(xc_database_doccount(view, &count));
    assert_int_equal(count, 2);
    /* The view is live: it sees uncommitted changes. */
    add_documents(wdb, corpus + 2, 1);
    XC_CHECK(xc_database_doccount(view, &count));
    assert_int_equal(count, 3);
    xc_database_free(view);
    xc_writable_free(wdb); /* implicit commit */

    XC_CHECK(xc_writable_open(path, XC_DB_CREATE_OR_OVERWRITE, &wdb));
    XC_CHECK(xc_writable_as_database(wdb, &view));
    XC_CHECK(xc_database_doccount(view, &count));
    assert_int_equal(count, 0);
    xc_database_free(view);
    xc_writable_free(wdb);

    /* Without termlists, asking for one is a clean error. */
    XC_CHECK(xc_writable_open(path, XC_DB_CREATE_OR_OVERWRITE |
                                        XC_DB_NO_TERMLIST,
                              &wdb));
    add_documents(wdb, corpus, 1);
    XC_CHECK(xc_writable_commit(wdb));
    xc_writable_free(wdb);
    xc_database *db = open_database(path);
    xc_termlist *tl = NULL;
    XC_EXPECT(XC_EFEATURE, xc_database_termlist(db, 1, &tl));
    assert_null(tl);
    xc_database_free(db);

    /* The in-memory backend needs no path. */
    XC_CHECK(xc_writable_open(NULL, XC_DB_BACKEND_INMEMORY, &wdb));
    add_documents(wdb, corpus, CORPUS_SIZE);
    XC_CHECK(xc_writable_as_database(wdb, &view));
    hits h;
    search_and_free(view, term_query("kucing"), &h);
    assert_string_equal(h.ids, "d3,d1,d2");
    XC_EXPECT(XC_EUNIMPL, xc_writable_begin_transaction(wdb, 1));
    xc_database_free(view);
    xc_writable_free(wdb);
}

static void test_transactions(void **state)
{
    char path[PATH_MAX];
    build_corpus(state, "db", path, sizeof path);
    xc_writable *wdb = NULL;
    XC_CHECK(xc_writable_open(path, XC_DB_OPEN, &wdb));
    xc_database *view = NULL;
    XC_CHECK(xc_writable_as_database(wdb, &view));
    xc_doccount count = 0;

    XC_EXPECT(XC_EINVALOP, xc_writable_commit_transaction(wdb));
    XC_EXPECT(XC_EINVALOP, xc_writable_cancel_transaction(wdb));

    XC_CHECK(xc_writable_begin_transaction(wdb, 1));
    XC_EXPECT(XC_EINVALOP, xc_writable_begin_transaction(wdb, 1));
    XC_EXPECT(XC_EINVALOP, xc_writable_commit(wdb));
    add_documents(wdb, corpus, 2);
    XC_CHECK(xc_writable_cancel_transaction(wdb));
    XC_CHECK(xc_database_doccount(view, &count));
    assert_int_equal(count, CORPUS_SIZE);

    XC_CHECK(xc_writable_begin_transaction(wdb, 1));
    add_documents(wdb, corpus, 2);
    XC_CHECK(xc_writable_commit_transaction(wdb));
    xc_database *reader = open_database(path); /* flushed: on disk now */
    XC_CHECK(xc_database_doccount(reader, &count));
    assert_int_equal(count, CORPUS_SIZE + 2);
    xc_database_free(reader);

    xc_database_free(view);
    xc_writable_free(wdb);
}

static void test_replace_and_delete_by_term(void **state)
{
    char path[PATH_MAX];
    build_corpus(state, "db", path, sizeof path);
    xc_writable *wdb = NULL;
    XC_CHECK(xc_writable_open(path, XC_DB_OPEN, &wdb));
    xc_database *view = NULL;
    XC_CHECK(xc_writable_as_database(wdb, &view));

    /* Replacing an existing id keeps its docid and the count. */
    doc_spec changed = {"d1", "harimau besar", "a1", "2001"};
    xc_document *doc = make_document(&changed);
    xc_docid docid = 0;
    XC_CHECK(xc_writable_replace_document_by_term(wdb, "Qd1", doc, &docid));
    xc_document_free(doc);
    assert_int_equal(docid, 1);
    xc_doccount count = 0;
    XC_CHECK(xc_database_doccount(view, &count));
    assert_int_equal(count, CORPUS_SIZE);
    xc_doccount freq = 0;
    XC_CHECK(xc_database_termfreq(view, "harimau", &freq));
    assert_int_equal(freq, 1);
    XC_CHECK(xc_database_termfreq(view, "tidur", &freq));
    assert_int_equal(freq, 0); /* only d1 had it */
    xc_termcount length = 0;
    XC_CHECK(xc_database_doclength(view, 1, &length));
    assert_int_equal(length, 2);

    /* A new id is added. */
    doc_spec fresh = {"d9", "kucing oranye", "a9", "2023"};
    doc = make_document(&fresh);
    XC_CHECK(xc_writable_replace_document_by_term(wdb, "Qd9", doc, &docid));
    xc_document_free(doc);
    assert_int_equal(docid, CORPUS_SIZE + 1);
    XC_CHECK(xc_database_termfreq(view, "Qd9", &freq));
    assert_int_equal(freq, 1);

    /* Delete by unique term. */
    XC_CHECK(xc_writable_delete_document_by_term(wdb, "Qd2"));
    XC_CHECK(xc_writable_delete_document_by_term(wdb, "Qabsent"));
    XC_CHECK(xc_writable_commit(wdb));
    XC_CHECK(xc_database_termfreq(view, "Qd2", &freq));
    assert_int_equal(freq, 0);
    int exists = 1;
    XC_CHECK(xc_database_term_exists(view, "Qd2", &exists));
    assert_int_equal(exists, 0);
    XC_CHECK(xc_database_doccount(view, &count));
    assert_int_equal(count, CORPUS_SIZE);
    XC_EXPECT(XC_ENODOC, xc_database_get_document(view, 2, &doc));

    /* Delete and replace by docid. */
    XC_CHECK(xc_writable_delete_document(wdb, 5));
    XC_EXPECT(XC_ENODOC, xc_writable_delete_document(wdb, 5));
    doc = make_document(&corpus[4]);
    XC_CHECK(xc_writable_replace_document(wdb, 5, doc));
    xc_document_free(doc);
    XC_CHECK(xc_writable_commit(wdb));

    xc_database *reader = open_database(path);
    hits h;
    search_and_free(reader, term_query("kucing"), &h);
    assert_string_equal(h.ids, "d3,d9");
    search_and_free(reader, term_query("menggonggong"), &h);
    assert_string_equal(h.ids, "d5");
    assert_int_equal(h.item[0].docid, 5);
    xc_database_free(reader);
    xc_database_free(view);
    xc_writable_free(wdb);
}

static void test_metadata(void **state)
{
    char path[PATH_MAX];
    build_corpus(state, "db", path, sizeof path);
    xc_writable *wdb = NULL;
    XC_CHECK(xc_writable_open(path, XC_DB_OPEN, &wdb));
    static const char analyzer[] = {'v', '1', '\0', 'x'};
    XC_CHECK(xc_writable_set_metadata(wdb, "cari.backend", "xapian", 6));
    XC_CHECK(xc_writable_set_metadata(wdb, "cari.analyzer", analyzer,
                                      sizeof analyzer));
    XC_CHECK(xc_writable_set_metadata(wdb, "other", "1", 1));
    XC_CHECK(xc_writable_set_metadata(wdb, "gone", "1", 1));
    XC_CHECK(xc_writable_set_metadata(wdb, "gone", NULL, 0));
    XC_EXPECT(XC_EINVALARG, xc_writable_set_metadata(wdb, "", "x", 1));
    XC_CHECK(xc_writable_commit(wdb));
    xc_writable_free(wdb);

    xc_database *db = open_database(path);
    char *value = NULL;
    size_t len = 0;
    XC_CHECK(xc_database_get_metadata(db, "cari.backend", &value, &len));
    assert_int_equal(len, 6);
    assert_string_equal(value, "xapian");
    xc_free(value);
    XC_CHECK(xc_database_get_metadata(db, "cari.analyzer", &value, &len));
    assert_int_equal(len, sizeof analyzer);
    assert_memory_equal(value, analyzer, sizeof analyzer);
    xc_free(value);
    XC_CHECK(xc_database_get_metadata(db, "missing", &value, &len));
    assert_non_null(value);
    assert_int_equal(len, 0);
    xc_free(value);
    XC_CHECK(xc_database_get_metadata(db, "gone", &value, &len));
    assert_int_equal(len, 0);
    xc_free(value);
    XC_EXPECT(XC_EINVALARG, xc_database_get_metadata(db, "", &value, &len));
    assert_null(value);

    xc_termlist *keys = NULL;
    XC_CHECK(xc_database_metadata_keys(db, "cari.", &keys));
    const char *key = NULL;
    XC_CHECK(xc_termlist_next(keys, &key, &len));
    assert_string_equal(key, "cari.analyzer");
    XC_CHECK(xc_termlist_next(keys, &key, &len));
    assert_string_equal(key, "cari.backend");
    assert_int_equal(len, strlen("cari.backend"));
    XC_EXPECT(XC_END, xc_termlist_next(keys, &key, &len));
    assert_null(key);
    xc_termlist_free(keys);

    char *uuid = NULL;
    XC_CHECK(xc_database_uuid(db, &uuid));
    assert_int_equal(strlen(uuid), 36); /* 8-4-4-4-12 */
    xc_database *again = open_database(path);
    char *uuid2 = NULL;
    XC_CHECK(xc_database_uuid(again, &uuid2));
    assert_string_equal(uuid, uuid2);
    xc_free(uuid);
    xc_free(uuid2);
    xc_database_free(again);
    xc_database_free(db);
}

static void test_statistics(void **state)
{
    char path[PATH_MAX];
    build_corpus(state, "db", path, sizeof path);
    xc_database *db = open_database(path);

    xc_doccount count = 0;
    XC_CHECK(xc_database_doccount(db, &count));
    assert_int_equal(count, 6);
    xc_docid last = 0;
    XC_CHECK(xc_database_lastdocid(db, &last));
    assert_int_equal(last, 6);
    xc_totallength total = 0;
    XC_CHECK(xc_database_total_length(db, &total));
    assert_int_equal(total, CORPUS_TOTAL_LENGTH);
    double average = 0;
    XC_CHECK(xc_database_average_length(db, &average));
    assert_close(average, CORPUS_TOTAL_LENGTH / 6.0);

    xc_doccount freq = 0;
    XC_CHECK(xc_database_termfreq(db, "kucing", &freq));
    assert_int_equal(freq, 3);
    XC_CHECK(xc_database_termfreq(db, "tidak-ada", &freq));
    assert_int_equal(freq, 0);
    xc_termcount cf = 0;
    XC_CHECK(xc_database_collection_freq(db, "kucing", &cf));
    assert_int_equal(cf, 5);
    XC_CHECK(xc_database_collection_freq(db, "sekali", &cf));
    assert_int_equal(cf, 2);
    xc_termcount bound = 0;
    XC_CHECK(xc_database_wdf_upper_bound(db, "kucing", &bound));
    assert_true(bound >= 3 && bound <= 5);

    xc_termcount length = 0;
    XC_CHECK(xc_database_doclength(db, 3, &length));
    assert_int_equal(length, 4);
    XC_CHECK(xc_database_doclength(db, 4, &length));
    assert_int_equal(length, 13);
    XC_EXPECT(XC_ENODOC, xc_database_doclength(db, 77, &length));
    xc_termcount unique = 0;
    XC_CHECK(xc_database_unique_terms(db, 3, &unique));
    assert_int_equal(unique, 3); /* kucing, lucu, Qd3 */

    xc_termcount lower = 0, upper = 0;
    XC_CHECK(xc_database_doclength_bounds(db, &lower, &upper));
    assert_true(lower >= 1 && lower <= 3);
    assert_true(upper >= 13);

    int positions = 0;
    XC_CHECK(xc_database_has_positions(db, &positions));
    assert_int_equal(positions, 1);
    xc_database_free(db);

    /* Without postings there are no positions. */
    char plain[PATH_MAX];
    path_in(state, "plain", plain, sizeof plain);
    xc_writable *wdb = NULL;
    XC_CHECK(xc_writable_open(plain, XC_DB_CREATE, &wdb));
    xc_document *doc = NULL;
    XC_CHECK(xc_document_new(&doc));
    XC_CHECK(xc_document_add_term(doc, "a", 3));
    XC_CHECK(xc_writable_add_document(wdb, doc, NULL));
    xc_document_free(doc);
    XC_CHECK(xc_writable_commit(wdb));
    xc_writable_free(wdb);
    db = open_database(plain);
    XC_CHECK(xc_database_has_positions(db, &positions));
    assert_int_equal(positions, 0);
    XC_CHECK(xc_database_doclength(db, 1, &length));
    assert_int_equal(length, 3);
    xc_database_free(db);
}

/* ------------------------------------------------------------------------
 * Tests: iteration
 * ------------------------------------------------------------------------ */

static void test_postlist(void **state)
{
    char path[PATH_MAX];
    build_corpus(state, "db", path, sizeof path);
    xc_database *db = open_database(path);

    xc_postlist *pl = NULL;
    XC_CHECK(xc_database_postlist(db, "kucing", &pl));
    xc_termcount wdf = 0;
    XC_EXPECT(XC_EINVAL, xc_postlist_wdf(pl, &wdf)); /* not started */
    static const xc_docid ids[] = {1, 2, 3};
    static const xc_termcount wdfs[] = {1, 1, 3};
    static const xc_termcount lengths[] = {6, 8, 4};
    xc_docid docid = 0;
    for (size_t i = 0; i < 3; ++i) {
        XC_CHECK(xc_postlist_next(pl, &docid));
        assert_int_equal(docid, ids[i]);
        xc_docid current = 0;
        XC_CHECK(xc_postlist_docid(pl, &current));
        assert_int_equal(current, ids[i]);
        XC_CHECK(xc_postlist_wdf(pl, &wdf));
        assert_int_equal(wdf, wdfs[i]);
        xc_termcount length = 0;
        XC_CHECK(xc_postlist_doclength(pl, &length));
        assert_int_equal(length, lengths[i]);
    }
    /* Positions straight from the posting. */
    xc_positionlist *positions = NULL;
    XC_CHECK(xc_postlist_positionlist(pl, &positions));
    xc_termpos pos = 0;
    for (xc_termpos expected = 1; expected <= 3; ++expected) {
        XC_CHECK(xc_positionlist_next(positions, &pos));
        assert_int_equal(pos, expected);
    }
    XC_EXPECT(XC_END, xc_positionlist_next(positions, &pos));
    xc_positionlist_free(positions);

    XC_EXPECT(XC_END, xc_postlist_next(pl, &docid));
    assert_int_equal(docid, 0);
    XC_EXPECT(XC_END, xc_postlist_next(pl, &docid)); /* stays at end */
    XC_EXPECT(XC_EINVAL, xc_postlist_wdf(pl, &wdf));
    xc_postlist_free(pl);

    /* skip_to from the start, forwards, and past the end. */
    XC_CHECK(xc_database_postlist(db, "di", &pl));
    XC_CHECK(xc_postlist_skip_to(pl, 3, &docid));
    assert_int_equal(docid, 4); /* "di" is in 1, 2, 4, 6 */
    XC_CHECK(xc_postlist_skip_to(pl, 2, &docid));
    assert_int_equal(docid, 4); /* never backwards */
    XC_CHECK(xc_postlist_next(pl, &docid));
    assert_int_equal(docid, 6);
    XC_EXPECT(XC_END, xc_postlist_skip_to(pl, 100, &docid));
    xc_postlist_free(pl);

    /* Unknown term: empty.  Empty term: every document. */
    XC_CHECK(xc_database_postlist(db, "tidak-ada", &pl));
    XC_EXPECT(XC_END, xc_postlist_next(pl, NULL));
    xc_postlist_free(pl);
    XC_CHECK(xc_database_postlist(db, "", &pl));
    size_t n = 0;
    while (xc_postlist_next(pl, NULL) == XC_OK)
        ++n;
    assert_int_equal(n, CORPUS_SIZE);
    xc_postlist_free(pl);

    /* The iterator outlives the database handle. */
    XC_CHECK(xc_database_postlist(db, "anjing", &pl));
    xc_database_free(db);
    XC_CHECK(xc_postlist_next(pl, &docid));
    assert_int_equal(docid, 2);
    XC_CHECK(xc_postlist_next(pl, &docid));
    assert_int_equal(docid, 5);
    xc_postlist_free(pl);
}

static void test_positionlist_and_termlist(void **state)
{
    char path[PATH_MAX];
    build_corpus(state, "db", path, sizeof path);
    xc_database *db = open_database(path);

    xc_positionlist *positions = NULL;
    XC_CHECK(xc_database_positionlist(db, 4, "sekali", &positions));
    xc_termpos pos = 0;
    XC_CHECK(xc_positionlist_next(positions, &pos));
    assert_int_equal(pos, 12);
    XC_CHECK(xc_positionlist_next(positions, &pos));
    assert_int_equal(pos, 13);
    XC_EXPECT(XC_END, xc_positionlist_next(positions, &pos));
    xc_positionlist_free(positions);
    XC_CHECK(xc_database_positionlist(db, 4, "di", &positions));
    XC_CHECK(xc_positionlist_skip_to(positions, 2, &pos));
    assert_int_equal(pos, 3);
    XC_EXPECT(XC_END, xc_positionlist_skip_to(positions, 4, &pos));
    xc_positionlist_free(positions);
    XC_CHECK(xc_database_positionlist(db, 4, "kucing", &positions));
    XC_EXPECT(XC_END, xc_positionlist_next(positions, NULL));
    xc_positionlist_free(positions);

    /* Document termlist, in byte order ('Q' sorts before lower case). */
    xc_termlist *tl = NULL;
    XC_CHECK(xc_database_termlist(db, 3, &tl));
    static const char *const terms[] = {"Qd3", "kucing", "lucu"};
    static const xc_termcount wdfs[] = {0, 3, 1};
    static const xc_doccount freqs[] = {1, 3, 1};
    const char *term = NULL;
    size_t len = 0;
    for (size_t i = 0; i < 3; ++i) {
        XC_CHECK(xc_termlist_next(tl, &term, &len));
        assert_string_equal(term, terms[i]);
        assert_int_equal(len, strlen(terms[i]));
        const char *again = NULL;
        XC_CHECK(xc_termlist_term(tl, &again, NULL));
        assert_string_equal(again, terms[i]);
        xc_termcount wdf = 99;
        XC_CHECK(xc_termlist_wdf(tl, &wdf));
        assert_int_equal(wdf, wdfs[i]);
        xc_doccount freq = 0;
        XC_CHECK(xc_termlist_termfreq(tl, &freq));
        assert_int_equal(freq, freqs[i]);
    }
    XC_EXPECT(XC_END, xc_termlist_next(tl, &term, &len));
    assert_null(term);
    XC_EXPECT(XC_EINVAL, xc_termlist_term(tl, &term, NULL));
    xc_termlist_free(tl);

    XC_CHECK(xc_database_termlist(db, 1, &tl));
    XC_CHECK(xc_termlist_skip_to(tl, "k", &term, NULL));
    assert_string_equal(term, "kasur");
    XC_CHECK(xc_termlist_skip_to(tl, "kz", &term, NULL));
    assert_string_equal(term, "tidur");
    XC_EXPECT(XC_END, xc_termlist_skip_to(tl, "zzz", &term, NULL));
    xc_termlist_free(tl);
    XC_EXPECT(XC_ENODOC, xc_database_termlist(db, 42, &tl));
    assert_null(tl);

    /* Vocabulary by prefix, with term frequencies. */
    XC_CHECK(xc_database_allterms(db, "k", &tl));
    static const char *const k_terms[] = {"kasur", "kolam", "kota",
                                          "kucing"};
    static const xc_doccount k_freqs[] = {1, 1, 2, 3};
    for (size_t i = 0; i < 4; ++i) {
        XC_CHECK(xc_termlist_next(tl, &term, NULL));
        assert_string_equal(term, k_terms[i]);
        xc_doccount freq = 0;
        XC_CHECK(xc_termlist_termfreq(tl, &freq));
        assert_int_equal(freq, k_freqs[i]);
    }
    XC_EXPECT(XC_END, xc_termlist_next(tl, NULL, NULL));
    xc_termlist_free(tl);
    XC_CHECK(xc_database_allterms(db, "", &tl));
    size_t vocabulary = 0;
    while (xc_termlist_next(tl, NULL, NULL) == XC_OK)
        ++vocabulary;
    assert_int_equal(vocabulary, 24 + 6); /* distinct words + id terms */
    xc_termlist_free(tl);
    XC_CHECK(xc_database_allterms(db, "k", &tl));
    XC_CHECK(xc_termlist_next(tl, NULL, NULL));
    xc_termcount wdf = 0;
    XC_EXPECT(XC_EINVALOP, xc_termlist_wdf(tl, &wdf));
    xc_termlist_free(tl);

    /* A new document's own termlist, with its positions; it stays valid
     * after the document handle is freed. */
    xc_document *doc = NULL;
    XC_CHECK(xc_document_new(&doc));
    XC_CHECK(xc_document_add_posting(doc, "b", 5, 1));
    XC_CHECK(xc_document_add_posting(doc, "a", 2, 1));
    XC_CHECK(xc_document_add_posting(doc, "a", 9, 1));
    XC_CHECK(xc_document_add_term(doc, "c", 4));
    XC_CHECK(xc_document_termlist(doc, &tl));
    xc_document_free(doc);
    XC_CHECK(xc_termlist_next(tl, &term, NULL));
    assert_string_equal(term, "a");
    XC_CHECK(xc_termlist_wdf(tl, &wdf));
    assert_int_equal(wdf, 2);
    XC_CHECK(xc_termlist_positionlist(tl, &positions));
    XC_CHECK(xc_positionlist_next(positions, &pos));
    assert_int_equal(pos, 2);
    XC_CHECK(xc_positionlist_next(positions, &pos));
    assert_int_equal(pos, 9);
    XC_EXPECT(XC_END, xc_positionlist_next(positions, &pos));
    xc_positionlist_free(positions);
    XC_CHECK(xc_termlist_next(tl, &term, NULL));
    assert_string_equal(term, "b");
    XC_CHECK(xc_termlist_next(tl, &term, NULL));
    assert_string_equal(term, "c");
    XC_CHECK(xc_termlist_wdf(tl, &wdf));
    assert_int_equal(wdf, 4);
    XC_EXPECT(XC_END, xc_termlist_next(tl, &term, NULL));
    xc_termlist_free(tl);

    /* remove_term and clear_terms. */
    XC_CHECK(xc_document_new(&doc));
    XC_CHECK(xc_document_add_term(doc, "x", 1));
    XC_CHECK(xc_document_add_term(doc, "y", 1));
    XC_CHECK(xc_document_remove_term(doc, "x"));
    XC_CHECK(xc_document_termlist(doc, &tl));
    XC_CHECK(xc_termlist_next(tl, &term, NULL));
    assert_string_equal(term, "y");
    XC_EXPECT(XC_END, xc_termlist_next(tl, NULL, NULL));
    xc_termlist_free(tl);
    XC_CHECK(xc_document_clear_terms(doc));
    XC_CHECK(xc_document_termlist(doc, &tl));
    XC_EXPECT(XC_END, xc_termlist_next(tl, NULL, NULL));
    xc_termlist_free(tl);
    xc_document_free(doc);

    xc_database_free(db);
}

/* ------------------------------------------------------------------------
 * Tests: ranking and queries
 * ------------------------------------------------------------------------ */

static void test_bm25_ranking(void **state)
{
    char path[PATH_MAX];
    build_corpus(state, "db", path, sizeof path);
    xc_database *db = open_database(path);
    const double avlen = CORPUS_TOTAL_LENGTH / 6.0;
    xc_query *kucing = term_query("kucing");
    xc_enquire *enq = NULL;
    XC_CHECK(xc_enquire_new(db, &enq));
    XC_CHECK(xc_enquire_set_query(enq, kucing));
    hits h;

    /* Defaults: d3 (wdf 3) first, then the shorter d1 before d2. */
    collect(enq, &h);
    assert_string_equal(h.ids, "d3,d1,d2");
    assert_close(weight_of(&h, "d3"), bm25(1, 1, 0.5, 0.5, 6, 3, 3, 4, avlen));
    assert_close(weight_of(&h, "d1"), bm25(1, 1, 0.5, 0.5, 6, 3, 1, 6, avlen));
    assert_close(weight_of(&h, "d2"), bm25(1, 1, 0.5, 0.5, 6, 3, 1, 8, avlen));
    assert_true(weight_of(&h, "d1") > weight_of(&h, "d2"));
    assert_int_equal(h.item[0].percent, 100);
    const double default_d3 = weight_of(&h, "d3");

    /* Explicit parameters reach Xapian. */
    XC_CHECK(xc_enquire_set_weighting_bm25(enq, 2.0, 0, 1, 0.75, 0.5));
    collect(enq, &h);
    assert_string_equal(h.ids, "d3,d1,d2");
    assert_close(weight_of(&h, "d3"),
                 bm25(2, 1, 0.75, 0.5, 6, 3, 3, 4, avlen));
    assert_true(fabs(weight_of(&h, "d3") - default_d3) > 1e-6);

    /* b = 0: length no longer matters, d1 and d2 tie (docid order). */
    XC_CHECK(xc_enquire_set_weighting_bm25(enq, 1, 0, 1, 0, 0.5));
    collect(enq, &h);
    assert_string_equal(h.ids, "d3,d1,d2");
    assert_close(weight_of(&h, "d1"), weight_of(&h, "d2"));

    /* k1 = 0: wdf no longer matters either, all three tie. */
    XC_CHECK(xc_enquire_set_weighting_bm25(enq, 0, 0, 1, 0.5, 0.5));
    collect(enq, &h);
    assert_string_equal(h.ids, "d1,d2,d3");
    assert_close(weight_of(&h, "d3"), weight_of(&h, "d1"));
    assert_close(weight_of(&h, "d3"), log(1.5));

    /* A two-term query: the rare "ikan" outweighs the common "kucing". */
    xc_query *either = terms_query(XC_OP_OR, 0, "kucing", "ikan");
    XC_CHECK(xc_enquire_set_weighting_bm25(enq, XC_BM25_DEFAULT_K1,
                                           XC_BM25_DEFAULT_K2,
                                           XC_BM25_DEFAULT_K3,
                                           XC_BM25_DEFAULT_B,
                                           XC_BM25_DEFAULT_MIN_NORMLEN));
    XC_CHECK(xc_enquire_set_query(enq, either));
    collect(enq, &h);
    assert_string_equal(h.ids, "d6,d3,d1,d2");
    xc_query_free(either);

    /* BM25+ adds delta to every matching term's share. */
    XC_CHECK(xc_enquire_set_query(enq, kucing));
    XC_CHECK(xc_enquire_set_weighting_bm25plus(enq, 1, 0, 1, 0.5, 0.5, 1.0));
    collect(enq, &h);
    assert_string_equal(h.ids, "d3,d1,d2");
    assert_true(weight_of(&h, "d3") > default_d3 + 1e-6);

    /* TF-IDF "ntn": wdf * log(N / termfreq). */
    XC_CHECK(xc_enquire_set_weighting_tfidf(enq, NULL));
    collect(enq, &h);
    assert_string_equal(h.ids, "d3,d1,d2");
    assert_close(weight_of(&h, "d3"), 3 * log(6.0 / 3.0));
    assert_close(weight_of(&h, "d1"), log(6.0 / 3.0));

    /* Boolean: no weights, docid order. */
    XC_CHECK(xc_enquire_set_weighting_bool(enq));
    collect(enq, &h);
    assert_string_equal(h.ids, "d1,d2,d3");
    assert_close(weight_of(&h, "d3"), 0.0);

    /* Descending docid order breaks the ties the other way. */
    XC_CHECK(xc_enquire_set_docid_order(enq, XC_DOCID_DESCENDING));
    collect(enq, &h);
    assert_string_equal(h.ids, "d3,d2,d1");

    xc_query_free(kucing);
    xc_enquire_free(enq);
    xc_database_free(db);
}

static void test_phrase_and_near(void **state)
{
    char path[PATH_MAX];
    build_corpus(state, "db", path, sizeof path);
    xc_database *db = open_database(path);
    hits h;

    search_and_free(db, terms_query(XC_OP_PHRASE, 0, "di", "atas"), &h);
    assert_string_equal(h.ids, "d1,d4");
    search_and_free(db, terms_query(XC_OP_PHRASE, 0, "atas", "di"), &h);
    assert_int_equal(h.n, 0);
    search_and_free(db, terms_query(XC_OP_AND, 0, "atas", "di"), &h);
    assert_int_equal(h.n, 2);

    /* d2: "kucing" at 3, "taman" at 7: five positions from first to last. */
    search_and_free(db, terms_query(XC_OP_NEAR, 4, "kucing", "taman"), &h);
    assert_int_equal(h.n, 0);
    search_and_free(db, terms_query(XC_OP_NEAR, 5, "kucing", "taman"), &h);
    assert_string_equal(h.ids, "d2");
    search_and_free(db, terms_query(XC_OP_NEAR, 5, "taman", "kucing"), &h);
    assert_string_equal(h.ids, "d2"); /* NEAR ignores order */
    search_and_free(db, terms_query(XC_OP_PHRASE, 5, "taman", "kucing"), &h);
    assert_int_equal(h.n, 0); /* PHRASE does not */
    search_and_free(db, terms_query(XC_OP_PHRASE, 5, "kucing", "taman"), &h);
    assert_string_equal(h.ids, "d2");

    /* Three-term phrase built with an n-ary combine. */
    xc_query *parts[3] = {term_query("taman"), term_query("kota"),
                          term_query("yang")};
    xc_query *phrase = NULL;
    XC_CHECK(xc_query_combine(XC_OP_PHRASE, (const xc_query *const *)parts,
                              3, 0, &phrase));
    for (size_t i = 0; i < 3; ++i)
        xc_query_free(parts[i]);
    search_and_free(db, phrase, &h);
    assert_string_equal(h.ids, "d4");

    /* PHRASE over a non-term subquery is refused. */
    xc_query *inner = terms_query(XC_OP_AND, 0, "di", "atas");
    xc_query *bad = NULL;
    xc_query *first = term_query("tidur");
    XC_EXPECT(XC_EUNIMPL, xc_query_combine2(XC_OP_PHRASE, first, inner, &bad));
    assert_null(bad);
    assert_non_null(strstr(xc_last_error_message(), "xc_query_combine2"));
    xc_query_free(first);
    xc_query_free(inner);
    xc_database_free(db);
}

static void test_query_operators(void **state)
{
    char path[PATH_MAX];
    build_corpus(state, "db", path, sizeof path);
    xc_database *db = open_database(path);
    hits h, plain;
    xc_query *q = NULL;

    search_and_free(db, terms_query(XC_OP_AND_NOT, 0, "kucing", "hitam"), &h);
    assert_string_equal(h.ids, "d3,d2");
    search_and_free(db, terms_query(XC_OP_XOR, 0, "kucing", "anjing"), &h);
    assert_int_equal(h.n, 3); /* d1, d3, d5; d2 has both */
    assert_null(strstr(h.ids, "d2"));
    search_and_free(db, terms_query(XC_OP_AND_MAYBE, 0, "kucing", "hitam"),
                    &h);
    assert_string_equal(h.ids, "d1,d3,d2"); /* d1 boosted by "hitam" */

    search_and_free(db, term_query("kucing"), &plain);
    search_and_free(db, terms_query(XC_OP_FILTER, 0, "kucing", "Qd2"), &h);
    assert_string_equal(h.ids, "d2");
    assert_close(h.item[0].weight, weight_of(&plain, "d2"));

    search_and_free(db, terms_query(XC_OP_SYNONYM, 0, "kucing", "anjing"), &h);
    assert_int_equal(h.n, 4);
    search_and_free(db, terms_query(XC_OP_MAX, 0, "kucing", "anjing"), &h);
    assert_int_equal(h.n, 4);
    search_and_free(db, terms_query(XC_OP_ELITE_SET, 1, "kucing", "ikan"), &h);
    assert_string_equal(h.ids, "d6"); /* only the best term survives */

    /* Scaling doubles every weight. */
    xc_query *base = term_query("kucing");
    XC_CHECK(xc_query_scale_weight(base, 2.0, &q));
    search_and_free(db, q, &h);
    assert_string_equal(h.ids, plain.ids);
    for (size_t i = 0; i < h.n; ++i)
        assert_close(h.item[i].weight, 2 * plain.item[i].weight);

    /* Inputs are not consumed: "base" serves two parents, is freed, and
     * both parents still work. */
    xc_query *other = term_query("ikan");
    xc_query *or_query = NULL, *and_query = NULL;
    XC_CHECK(xc_query_combine2(XC_OP_OR, base, other, &or_query));
    XC_CHECK(xc_query_combine2(XC_OP_AND, base, other, &and_query));
    xc_query_free(base);
    xc_query_free(other);
    search_and_free(db, or_query, &h);
    assert_int_equal(h.n, 4);
    search_and_free(db, and_query, &h);
    assert_int_equal(h.n, 0);

    /* MatchAll, MatchNothing, empty combination. */
    XC_CHECK(xc_query_match_all(&q));
    search_and_free(db, q, &h);
    assert_int_equal(h.n, CORPUS_SIZE);
    assert_close(h.item[0].weight, 0.0);
    XC_CHECK(xc_query_match_nothing(&q));
    search_and_free(db, q, &h);
    assert_int_equal(h.n, 0);
    XC_CHECK(xc_query_combine(XC_OP_OR, NULL, 0, 0, &q));
    search_and_free(db, q, &h);
    assert_int_equal(h.n, 0);

    /* Value ranges over the year slot. */
    XC_CHECK(xc_query_value_range(SLOT_YEAR, "2005", 4, "2015", 4, &q));
    search_and_free(db, q, &h);
    assert_string_equal(h.ids, "d2,d3,d4");
    XC_CHECK(xc_query_value_range(SLOT_YEAR, "2020", 4, NULL, 0, &q));
    search_and_free(db, q, &h);
    assert_string_equal(h.ids, "d5,d6");
    XC_CHECK(xc_query_value_range(SLOT_YEAR, NULL, 0, "2001", 4, &q));
    search_and_free(db, q, &h);
    assert_string_equal(h.ids, "d1");

    /* Wildcards: k* is kasur, kolam, kota, kucing. */
    XC_CHECK(xc_query_wildcard("k", 0, XC_WILDCARD_LIMIT_ERROR, XC_OP_SYNONYM,
                               &q));
    search_and_free(db, q, &h);
    assert_int_equal(h.n, 5); /* all but d5 */
    assert_null(strstr(h.ids, "d5"));
    XC_CHECK(xc_query_wildcard("k", 2, XC_WILDCARD_LIMIT_FIRST, XC_OP_OR, &q));
    search_and_free(db, q, &h);
    assert_string_equal(h.ids, "d6,d1"); /* kolam, kasur only; d6 shorter */
    XC_CHECK(xc_query_wildcard("k", 1, XC_WILDCARD_LIMIT_MOST_FREQUENT,
                               XC_OP_SYNONYM, &q));
    search_and_free(db, q, &h);
    assert_int_equal(h.n, 3); /* kucing only */
    XC_CHECK(xc_query_wildcard("k", 0, XC_WILDCARD_LIMIT_ERROR, XC_OP_MAX,
                               &q));
    search_and_free(db, q, &h);
    assert_int_equal(h.n, 5);
    /* Refused: leaks inside Xapian 1.4.22 (see the header). */
    XC_EXPECT(XC_EINVAL, xc_query_wildcard("k", 1,
                                           XC_WILDCARD_LIMIT_MOST_FREQUENT,
                                           XC_OP_MAX, &q));
    assert_non_null(strstr(xc_last_error_message(), "leaks"));
    XC_CHECK(xc_query_wildcard("k", 2, XC_WILDCARD_LIMIT_ERROR, XC_OP_SYNONYM,
                               &q));
    xc_enquire *enq = NULL;
    XC_CHECK(xc_enquire_new(db, &enq));
    XC_CHECK(xc_enquire_set_query(enq, q));
    xc_mset *mset = NULL;
    XC_EXPECT(XC_EWILDCARD, xc_enquire_get_mset(enq, 0, 10, 0, &mset));
    assert_null(mset);
    assert_non_null(strstr(xc_last_error_message(), "WildcardError"));
    xc_enquire_free(enq);
    xc_query_free(q);

    /* describe */
    q = terms_query(XC_OP_OR, 0, "kucing", "ikan");
    char *text = NULL;
    XC_CHECK(xc_query_describe(q, &text));
    assert_string_equal(text, "Query((kucing OR ikan))");
    xc_free(text);
    xc_query_free(q);

    xc_database_free(db);
}

static void test_mset_details(void **state)
{
    char path[PATH_MAX];
    build_corpus(state, "db", path, sizeof path);
    xc_database *db = open_database(path);
    xc_enquire *enq = NULL;
    XC_CHECK(xc_enquire_new(db, &enq));
    xc_query *q = terms_query(XC_OP_OR, 0, "kucing", "hitam");
    XC_CHECK(xc_enquire_set_query(enq, q));
    xc_query_free(q); /* the enquire keeps its own reference */

    /* Without check_at_least the matcher may stop early and only bound the
     * count of matches (d1, d2, d3, d5); with it, the count is exact. */
    xc_mset *mset = NULL;
    XC_CHECK(xc_enquire_get_mset(enq, 1, 2, 0, &mset));
    xc_mset_info info;
    XC_CHECK(xc_mset_get_info(mset, &info));
    assert_true(info.matches_lower_bound <= 4);
    assert_true(info.matches_upper_bound >= 4);
    xc_mset_free(mset);
    XC_CHECK(xc_enquire_get_mset(enq, 1, 2, 10, &mset));
    XC_CHECK(xc_mset_get_info(mset, &info));
    assert_int_equal(info.first, 1);
    assert_int_equal(info.size, 2);
    assert_int_equal(xc_mset_size(mset), 2);
    assert_int_equal(info.matches_lower_bound, 4);
    assert_int_equal(info.matches_upper_bound, 4);
    assert_int_equal(info.matches_estimated, 4);
    assert_int_equal(info.uncollapsed_estimated, 4);
    assert_true(info.max_possible >= info.max_attained);
    assert_true(info.max_attained > 0);

    xc_mset_item item;
    XC_CHECK(xc_mset_get_item(mset, 0, &item));
    assert_int_equal(item.rank, 1);
    XC_EXPECT(XC_EINVAL, xc_mset_get_item(mset, 2, &item));
    assert_non_null(strstr(xc_last_error_message(), "out of range"));

    char *value = NULL;
    size_t len = 0;
    XC_CHECK(xc_mset_get_value(mset, 0, SLOT_ARTICLE, &value, &len));
    assert_int_equal(len, 2);
    xc_free(value);
    xc_document *doc = NULL;
    XC_CHECK(xc_mset_fetch(mset)); /* first == 1: crashed in plain Xapian */
    XC_CHECK(xc_mset_get_document(mset, 1, &doc));
    xc_docid docid = 0;
    XC_CHECK(xc_document_get_docid(doc, &docid));
    xc_mset_item second;
    XC_CHECK(xc_mset_get_item(mset, 1, &second));
    assert_int_equal(docid, second.docid);
    xc_document_free(doc);

    /* Prefetching a page that starts at rank 0, then reading it. */
    xc_mset *top = NULL;
    XC_CHECK(xc_enquire_get_mset(enq, 0, 4, 0, &top));
    XC_CHECK(xc_mset_fetch(top));
    assert_int_equal(xc_mset_size(top), 4);
    static const char *const top_ids[] = {"d1", "d5", "d3", "d2"};
    for (xc_doccount i = 0; i < 4; ++i) {
        char *id = NULL;
        XC_CHECK(xc_mset_get_data(top, i, &id, &len));
        assert_string_equal(id, top_ids[i]);
        xc_free(id);
    }
    xc_mset_free(top);

    /* Matching terms of d1: without query positions in byte order... */
    xc_termlist *tl = NULL;
    XC_CHECK(xc_enquire_matching_terms(enq, 1, &tl));
    const char *term = NULL;
    XC_CHECK(xc_termlist_next(tl, &term, NULL));
    assert_string_equal(term, "hitam");
    XC_CHECK(xc_termlist_next(tl, &term, NULL));
    assert_string_equal(term, "kucing");
    XC_EXPECT(XC_END, xc_termlist_next(tl, &term, NULL));
    xc_termlist_free(tl);

    /* ... with positions in query order; the enquire may go first. */
    xc_query *positioned[3] = {NULL, NULL, NULL};
    XC_CHECK(xc_query_term("kucing", 1, 1, &positioned[0]));
    XC_CHECK(xc_query_term("hitam", 1, 2, &positioned[1]));
    XC_CHECK(xc_query_term("ikan", 1, 3, &positioned[2]));
    XC_CHECK(xc_query_combine(XC_OP_OR,
                              (const xc_query *const *)positioned, 3, 0, &q));
    for (size_t i = 0; i < 3; ++i)
        xc_query_free(positioned[i]);
    XC_CHECK(xc_enquire_set_query(enq, q));
    xc_query_free(q);
    XC_CHECK(xc_enquire_matching_terms(enq, 1, &tl));
    xc_enquire_free(enq);
    XC_CHECK(xc_termlist_next(tl, &term, NULL));
    assert_string_equal(term, "kucing");
    XC_CHECK(xc_termlist_next(tl, &term, NULL));
    assert_string_equal(term, "hitam");
    XC_EXPECT(XC_END, xc_termlist_next(tl, &term, NULL));
    xc_termlist_free(tl);

    /* The mset outlives the enquire and the database. */
    xc_database_free(db);
    char *data = NULL;
    XC_CHECK(xc_mset_get_data(mset, 0, &data, &len));
    assert_int_equal(len, 2);
    xc_free(data);
    xc_mset_free(mset);
}

static void test_collapse_cutoff_sort(void **state)
{
    char path[PATH_MAX];
    build_corpus(state, "db", path, sizeof path);
    xc_database *db = open_database(path);
    xc_enquire *enq = NULL;
    XC_CHECK(xc_enquire_new(db, &enq));
    xc_query *all = NULL;
    XC_CHECK(xc_query_match_all(&all));
    XC_CHECK(xc_enquire_set_query(enq, all));
    xc_query_free(all);
    hits h;

    /* One passage per article: d1 (a1), d3 (a2), d5 (a3). */
    XC_CHECK(xc_enquire_set_collapse_key(enq, SLOT_ARTICLE, 1));
    collect(enq, &h);
    assert_string_equal(h.ids, "d1,d3,d5");
    for (size_t i = 0; i < h.n; ++i)
        assert_int_equal(h.item[i].collapse_count, 1);
    XC_CHECK(xc_enquire_set_collapse_key(enq, SLOT_ARTICLE, 2));
    collect(enq, &h);
    assert_int_equal(h.n, 6);
    XC_CHECK(xc_enquire_set_collapse_key(enq, XC_BAD_VALUENO, 0));
    collect(enq, &h);
    assert_int_equal(h.n, 6);
    assert_int_equal(h.item[0].collapse_count, 0);

    /* Collapsing a ranked list keeps the best of each article.  Ranking
     * without collapsing: d2 (both terms), d3, d4, d1. */
    xc_query *q = terms_query(XC_OP_OR, 0, "kucing", "taman");
    XC_CHECK(xc_enquire_set_query(enq, q));
    xc_query_free(q);
    collect(enq, &h);
    assert_string_equal(h.ids, "d2,d3,d4,d1");
    XC_CHECK(xc_enquire_set_collapse_key(enq, SLOT_ARTICLE, 1));
    collect(enq, &h);
    assert_string_equal(h.ids, "d2,d3"); /* a1 (d1, d2), a2 (d3, d4) */
    assert_int_equal(h.item[0].collapse_count, 1);
    assert_int_equal(h.item[1].collapse_count, 1);
    XC_CHECK(xc_enquire_set_collapse_key(enq, XC_BAD_VALUENO, 0));

    /* Percent cutoff: only the best match scores 100%. */
    XC_CHECK(xc_enquire_set_cutoff(enq, 100, 0));
    collect(enq, &h);
    assert_string_equal(h.ids, "d2");
    XC_CHECK(xc_enquire_set_cutoff(enq, 0, 0));

    /* Sort by year, newest first. */
    XC_CHECK(xc_enquire_set_sort(enq, XC_SORT_VALUE, SLOT_YEAR, 1));
    collect(enq, &h);
    assert_string_equal(h.ids, "d4,d3,d2,d1");
    XC_CHECK(xc_enquire_set_sort(enq, XC_SORT_RELEVANCE, XC_BAD_VALUENO, 0));
    collect(enq, &h);
    assert_string_equal(h.ids, "d2,d3,d4,d1");

    /* Relevance, then a value for ties: the weights still decide first
     * ... */
    XC_CHECK(xc_enquire_set_sort(enq, XC_SORT_RELEVANCE_THEN_VALUE, SLOT_YEAR,
                                 1));
    collect(enq, &h);
    assert_string_equal(h.ids, "d2,d3,d4,d1");
    /* ... and among equal weights (all 0 for match-all) the value orders,
     * ascending unless reversed, then the docid (cari's tie key,
     * xapian_backend.c SLOT_TIE) */
    XC_CHECK(xc_query_match_all(&all));
    XC_CHECK(xc_enquire_set_query(enq, all));
    xc_query_free(all);
    XC_CHECK(xc_enquire_set_sort(enq, XC_SORT_RELEVANCE_THEN_VALUE,
                                 SLOT_ARTICLE, 1));
    collect(enq, &h);
    assert_string_equal(h.ids, "d5,d6,d3,d4,d1,d2");
    XC_CHECK(xc_enquire_set_sort(enq, XC_SORT_RELEVANCE_THEN_VALUE, SLOT_YEAR,
                                 1));
    collect(enq, &h);
    assert_string_equal(h.ids, "d6,d5,d4,d3,d2,d1");
    XC_CHECK(xc_enquire_set_sort(enq, XC_SORT_RELEVANCE_THEN_VALUE, SLOT_YEAR,
                                 0));
    collect(enq, &h);
    assert_string_equal(h.ids, "d1,d2,d3,d4,d5,d6");
    XC_CHECK(xc_enquire_set_sort(enq, XC_SORT_RELEVANCE, XC_BAD_VALUENO, 0));

    xc_enquire_free(enq);
    xc_database_free(db);
}

/* ------------------------------------------------------------------------
 * Tests: several shards as one
 * ------------------------------------------------------------------------ */

/* Shard A holds d1, d3, d5 and shard B d2, d4, d6, so the combined ids
 * ((local - 1) * 2 + shard + 1) equal the single database's ids. */
static const doc_spec shard_a[] = {
    {"d1", "kucing hitam tidur di atas kasur", "a1", "2001"},
    {"d3", "kucing kucing kucing lucu", "a2", "2010"},
    {"d5", "anjing hitam menggonggong", "a3", "2020"},
};
static const doc_spec shard_b[] = {
    {"d2", "anjing dan kucing bermain bersama di taman kota", "a1", "2005"},
    {"d4",
     "burung terbang di atas taman kota yang sangat luas dan indah sekali "
     "sekali",
     "a2", "2015"},
    {"d6", "ikan berenang di kolam", "a3", "2024"},
};

/* Asserts that "combined" ranks and weighs exactly like "single". */
static void assert_same_search(const xc_database *single,
                               const xc_database *combined)
{
    xc_doccount n1 = 0, n2 = 0;
    XC_CHECK(xc_database_doccount(single, &n1));
    XC_CHECK(xc_database_doccount(combined, &n2));
    assert_int_equal(n1, n2);
    double av1 = 0, av2 = 0;
    XC_CHECK(xc_database_average_length(single, &av1));
    XC_CHECK(xc_database_average_length(combined, &av2));
    assert_close(av1, av2);
    xc_doccount tf1 = 0, tf2 = 0;
    XC_CHECK(xc_database_termfreq(single, "kucing", &tf1));
    XC_CHECK(xc_database_termfreq(combined, "kucing", &tf2));
    assert_int_equal(tf1, tf2);

    static const char *const pairs[][2] = {
        {"kucing", "taman"}, {"hitam", "di"}, {"sekali", "kota"}};
    for (size_t p = 0; p < 3; ++p) {
        hits a, b;
        search_and_free(single,
                        terms_query(XC_OP_OR, 0, pairs[p][0], pairs[p][1]),
                        &a);
        search_and_free(combined,
                        terms_query(XC_OP_OR, 0, pairs[p][0], pairs[p][1]),
                        &b);
        assert_true(a.n > 1);
        assert_string_equal(a.ids, b.ids);
        for (size_t i = 0; i < a.n; ++i) {
            assert_close(b.item[i].weight, a.item[i].weight);
            assert_int_equal(b.item[i].docid, a.item[i].docid);
        }
    }
}

static void test_sharded_global_statistics(void **state)
{
    char all[PATH_MAX], a[PATH_MAX], b[PATH_MAX];
    build_corpus(state, "all", all, sizeof all);
    path_in(state, "shard_a", a, sizeof a);
    path_in(state, "shard_b", b, sizeof b);
    build_database(a, shard_a, 3);
    build_database(b, shard_b, 3);
    xc_database *single = open_database(all);

    /* Built from paths. */
    xc_database *combined = NULL;
    XC_CHECK(xc_database_new(&combined));
    xc_doccount count = 99;
    XC_CHECK(xc_database_doccount(combined, &count));
    assert_int_equal(count, 0);
    xc_enquire *enq = NULL;
    XC_EXPECT(XC_EINVALARG, xc_enquire_new(combined, &enq));
    XC_CHECK(xc_database_add_local(combined, a));
    XC_CHECK(xc_database_add_local(combined, b));
    size_t shards = 0;
    XC_CHECK(xc_database_shard_count(combined, &shards));
    assert_int_equal(shards, 2);
    assert_same_search(single, combined);

    /* Each shard alone would score differently: the statistics really
     * are global. */
    xc_database *only_a = open_database(a);
    hits local, global;
    search_and_free(only_a, term_query("kucing"), &local);
    search_and_free(combined, term_query("kucing"), &global);
    assert_true(fabs(weight_of(&local, "d1") - weight_of(&global, "d1")) >
                1e-6);

    /* Built from handles. */
    xc_database *joined = NULL;
    XC_CHECK(xc_database_new(&joined));
    XC_CHECK(xc_database_add_database(joined, only_a));
    xc_database *only_b = open_database(b);
    XC_CHECK(xc_database_add_database(joined, only_b));
    xc_database_free(only_a);
    xc_database_free(only_b);
    assert_same_search(single, joined);

    char *uuid = NULL;
    XC_CHECK(xc_database_uuid(joined, &uuid));
    assert_int_equal(strlen(uuid), 36 + 1 + 36);
    assert_int_equal(uuid[36], ':');
    xc_free(uuid);

    XC_EXPECT(XC_ENOTFOUND, xc_database_add_local(joined, "/nonexistent/x"));
    XC_CHECK(xc_database_shard_count(joined, &shards));
    assert_int_equal(shards, 2);

    xc_database_free(joined);
    xc_database_free(combined);
    xc_database_free(single);
}

/* ------------------------------------------------------------------------
 * Tests: lifecycle and error paths
 * ------------------------------------------------------------------------ */

static void test_reopen_and_close(void **state)
{
    char path[PATH_MAX];
    build_corpus(state, "db", path, sizeof path);
    xc_database *reader = open_database(path);

    xc_writable *wdb = NULL;
    XC_CHECK(xc_writable_open(path, XC_DB_OPEN, &wdb));
    doc_spec extra = {"d7", "kucing baru", "a4", "2025"};
    add_documents(wdb, &extra, 1);
    XC_CHECK(xc_writable_commit(wdb));

    xc_doccount count = 0;
    XC_CHECK(xc_database_doccount(reader, &count));
    assert_int_equal(count, CORPUS_SIZE); /* still the old revision */
    int changed = 0;
    XC_CHECK(xc_database_reopen(reader, &changed));
    assert_int_equal(changed, 1);
    XC_CHECK(xc_database_doccount(reader, &count));
    assert_int_equal(count, CORPUS_SIZE + 1);
    XC_CHECK(xc_database_reopen(reader, NULL));

    /* Closing makes later use fail cleanly. */
    XC_CHECK(xc_database_close(reader));
    XC_CHECK(xc_database_close(reader)); /* twice is harmless */
    xc_doccount freq = 0;
    XC_EXPECT(XC_ECLOSED, xc_database_termfreq(reader, "kucing", &freq));
    XC_EXPECT(XC_ECLOSED, xc_database_reopen(reader, &changed));
    xc_enquire *enq = NULL;
    XC_CHECK(xc_enquire_new(reader, &enq));
    xc_query *q = term_query("kucing");
    XC_CHECK(xc_enquire_set_query(enq, q));
    xc_mset *mset = NULL;
    XC_EXPECT(XC_ECLOSED, xc_enquire_get_mset(enq, 0, 10, 0, &mset));
    xc_query_free(q);
    xc_enquire_free(enq);
    xc_database_free(reader);

    XC_CHECK(xc_writable_close(wdb));
    xc_document *doc = make_document(&extra);
    XC_EXPECT(XC_ECLOSED, xc_writable_add_document(wdb, doc, NULL));
    xc_document_free(doc);
    xc_writable_free(wdb);
}

static void test_missing_database(void **state)
{
    char path[PATH_MAX];
    path_in(state, "no-such-db", path, sizeof path);
    xc_database *db = (xc_database *)&db;
    XC_EXPECT(XC_ENOTFOUND, xc_database_open(path, &db));
    assert_null(db);
    assert_int_equal(xc_last_error_code(), XC_ENOTFOUND);
    assert_non_null(strstr(xc_last_error_message(), "DatabaseNotFoundError"));
    assert_non_null(strstr(xc_last_error_message(), path));

    /* An existing directory that is no database. */
    const fixture *f = *state;
    XC_EXPECT(XC_ENOTFOUND, xc_database_open(f->dir, &db));

    /* A glass database with a table missing cannot be opened. */
    char broken[PATH_MAX], table[PATH_MAX + 32];
    build_corpus(state, "broken", broken, sizeof broken);
    snprintf(table, sizeof table, "%s/postlist.glass", broken);
    assert_int_equal(unlink(table), 0);
    XC_EXPECT(XC_EOPENING, xc_database_open(broken, &db));
    assert_non_null(strstr(xc_last_error_message(), "postlist.glass"));
}

static void test_locked_database(void **state)
{
    char path[PATH_MAX];
    build_corpus(state, "db", path, sizeof path);
    xc_writable *first = NULL, *second = (xc_writable *)&second;
    XC_CHECK(xc_writable_open(path, XC_DB_OPEN, &first));
    XC_EXPECT(XC_ELOCK, xc_writable_open(path, XC_DB_OPEN, &second));
    assert_null(second);
    assert_non_null(strstr(xc_last_error_message(), "lock"));
    assert_non_null(strstr(xc_last_error_message(), "DatabaseLockError"));
    assert_non_null(strstr(xc_last_error_message(), "xc_writable_open"));

    /* Readers are not blocked by the writer. */
    xc_database *reader = open_database(path);
    xc_database_free(reader);

    /* Closing releases the lock. */
    XC_CHECK(xc_writable_close(first));
    XC_CHECK(xc_writable_open(path, XC_DB_OPEN, &second));
    xc_writable_free(second);
    xc_writable_free(first);
}

/* Opens "path" and runs a search; returns the first error code. */
static int open_and_search(const char *path)
{
    xc_database *db = NULL;
    int rc = xc_database_open(path, &db);
    if (rc != XC_OK)
        return rc;
    xc_enquire *enq = NULL;
    xc_query *q = NULL;
    xc_mset *mset = NULL;
    rc = xc_enquire_new(db, &enq);
    if (rc == XC_OK)
        rc = xc_query_term("kucing", 1, 0, &q);
    if (rc == XC_OK)
        rc = xc_enquire_set_query(enq, q);
    if (rc == XC_OK)
        rc = xc_enquire_get_mset(enq, 0, 10, 0, &mset);
    for (xc_doccount i = 0; rc == XC_OK && i < xc_mset_size(mset); ++i) {
        char *data = NULL;
        size_t len = 0;
        rc = xc_mset_get_data(mset, i, &data, &len);
        xc_free(data);
    }
    xc_mset_free(mset);
    xc_query_free(q);
    xc_enquire_free(enq);
    xc_database_free(db);
    return rc;
}

/* Overwrites the whole of "file" with a fixed byte pattern, keeping its
 * size. */
static void scribble_over(const char *file)
{
    int fd = open(file, O_RDWR);
    assert_true(fd >= 0);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    assert_true(st.st_size > 0);
    unsigned char block[512];
    for (off_t done = 0; done < st.st_size; done += (off_t)sizeof block) {
        for (size_t i = 0; i < sizeof block; ++i)
            block[i] = (unsigned char)((size_t)done + i * 37 + 11);
        size_t n = (size_t)(st.st_size - done) < sizeof block
                       ? (size_t)(st.st_size - done)
                       : sizeof block;
        assert_int_equal(pwrite(fd, block, n, done), (ssize_t)n);
    }
    close(fd);
}

static void test_corrupt_database(void **state)
{
    char path[PATH_MAX], table[PATH_MAX + 32];
    build_corpus(state, "db", path, sizeof path);
    assert_int_equal(open_and_search(path), XC_OK);

    snprintf(table, sizeof table, "%s/postlist.glass", path);
    scribble_over(table);
    XC_EXPECT(XC_ECORRUPT, open_and_search(path));
    assert_non_null(strstr(xc_last_error_message(), "DatabaseCorruptError"));
    xc_writable *wdb = NULL;
    XC_EXPECT(XC_ECORRUPT, xc_writable_open(path, XC_DB_OPEN, &wdb));
    assert_null(wdb);

    /* The same for the document data table, and for the version file. */
    build_corpus(state, "db", path, sizeof path);
    snprintf(table, sizeof table, "%s/docdata.glass", path);
    scribble_over(table);
    XC_EXPECT(XC_ECORRUPT, open_and_search(path));

    build_corpus(state, "db", path, sizeof path);
    snprintf(table, sizeof table, "%s/iamglass", path);
    scribble_over(table);
    XC_EXPECT(XC_ECORRUPT, open_and_search(path));

    /* A truncated table is a plain database (I/O) error. */
    build_corpus(state, "db", path, sizeof path);
    snprintf(table, sizeof table, "%s/postlist.glass", path);
    assert_int_equal(truncate(table, 0), 0);
    XC_EXPECT(XC_EDATABASE, open_and_search(path));
    assert_non_null(strstr(xc_last_error_message(), "EOF"));
}

/* ------------------------------------------------------------------------
 * Tests: remote databases through xapian-tcpsrv
 * ------------------------------------------------------------------------ */

static void test_remote_search_and_server_death(void **state)
{
    char all[PATH_MAX], a[PATH_MAX], b[PATH_MAX];
    build_corpus(state, "all", all, sizeof all);
    path_in(state, "shard_a", a, sizeof a);
    path_in(state, "shard_b", b, sizeof b);
    build_database(a, shard_a, 3);
    build_database(b, shard_b, 3);
    xc_database *single = open_database(all);

    /* A local shard plus a remote one behave like one database. */
    server srv;
    start_server(b, 0, &srv);
    xc_database *combined = open_database(a);
    XC_CHECK(xc_database_add_remote(combined, "127.0.0.1", srv.port, 2000,
                                    2000));
    XC_CHECK(xc_database_keep_alive(combined));
    assert_same_search(single, combined);
    xc_database_free(combined); /* the one-shot server exits */
    stop_server(&srv);

    /* A purely remote database, then the server dies under it. */
    start_server(all, 0, &srv);
    xc_database *remote = NULL;
    XC_CHECK(xc_database_open_remote("127.0.0.1", srv.port, 2000, 2000,
                                     &remote));
    xc_enquire *enq = NULL;
    XC_CHECK(xc_enquire_new(remote, &enq));
    xc_query *q = term_query("kucing");
    XC_CHECK(xc_enquire_set_query(enq, q));
    xc_query_free(q);
    hits h;
    collect(enq, &h);
    assert_string_equal(h.ids, "d3,d1,d2");

    stop_server(&srv);
    xc_mset *mset = NULL;
    XC_EXPECT(XC_ENETWORK, xc_enquire_get_mset(enq, 0, 10, 0, &mset));
    assert_null(mset);
    assert_non_null(strstr(xc_last_error_message(), "NetworkError"));
    assert_non_null(strstr(xc_last_error_message(), "remote:tcp(127.0.0.1"));
    /* Still no crash on further use of the dead connection. */
    xc_document *doc = NULL;
    XC_EXPECT(XC_ENETWORK, xc_database_get_document(remote, 1, &doc));
    XC_EXPECT(XC_ENETWORK, xc_database_reopen(remote, NULL));
    xc_enquire_free(enq);
    xc_database_free(remote);
    xc_database_free(single);

    /* Nobody listening: connection refused. */
    XC_EXPECT(XC_ENETWORK, xc_database_open_remote("127.0.0.1", unused_port(),
                                                   500, 500, &remote));
    assert_null(remote);
}

static void test_remote_timeouts(void **state)
{
    char path[PATH_MAX];
    build_corpus(state, "db", path, sizeof path);

    /* A server that stops answering mid-session. */
    server srv;
    start_server(path, 0, &srv);
    xc_database *remote = NULL;
    XC_CHECK(xc_database_open_remote("127.0.0.1", srv.port, 300, 2000,
                                     &remote));
    hits h;
    search_and_free(remote, term_query("kucing"), &h);
    assert_int_equal(h.n, 3);
    assert_int_equal(kill(srv.pid, SIGSTOP), 0);
    xc_enquire *enq = NULL;
    XC_CHECK(xc_enquire_new(remote, &enq));
    xc_query *q = term_query("kucing");
    XC_CHECK(xc_enquire_set_query(enq, q));
    xc_query_free(q);
    xc_mset *mset = NULL;
    XC_EXPECT(XC_ETIMEDOUT, xc_enquire_get_mset(enq, 0, 10, 0, &mset));
    assert_non_null(strstr(xc_last_error_message(), "Timeout"));
    xc_enquire_free(enq);
    xc_database_free(remote);
    stop_server(&srv); /* SIGKILL works on a stopped process */

    /* A listener that accepts nothing: the greeting never comes. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(listen(s, 4), 0);
    socklen_t len = sizeof addr;
    assert_int_equal(getsockname(s, (struct sockaddr *)&addr, &len), 0);
    XC_EXPECT(XC_ETIMEDOUT, xc_database_open_remote("127.0.0.1",
                                                    ntohs(addr.sin_port), 300,
                                                    300, &remote));
    assert_null(remote);
    close(s);
}

static void test_remote_writable(void **state)
{
    char path[PATH_MAX];
    build_corpus(state, "db", path, sizeof path);
    server srv;
    start_server(path, 1, &srv);
    xc_writable *wdb = NULL;
    XC_CHECK(xc_writable_open_remote("127.0.0.1", srv.port, 5000, 2000, 0,
                                     &wdb));
    doc_spec extra = {"d7", "kucing jauh", "a4", "2025"};
    xc_document *doc = make_document(&extra);
    xc_docid docid = 0;
    XC_CHECK(xc_writable_replace_document_by_term(wdb, "Qd7", doc, &docid));
    assert_int_equal(docid, CORPUS_SIZE + 1);
    xc_document_free(doc);
    XC_CHECK(xc_writable_set_metadata(wdb, "cari.backend", "xapian", 6));
    XC_CHECK(xc_writable_commit(wdb));
    XC_CHECK(xc_writable_close(wdb));
    xc_writable_free(wdb);
    stop_server(&srv);

    xc_database *db = open_database(path);
    xc_doccount freq = 0;
    XC_CHECK(xc_database_termfreq(db, "Qd7", &freq));
    assert_int_equal(freq, 1);
    char *value = NULL;
    size_t len = 0;
    XC_CHECK(xc_database_get_metadata(db, "cari.backend", &value, &len));
    assert_string_equal(value, "xapian");
    xc_free(value);
    xc_database_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define TMP_TEST(name)                                                       \
    cmocka_unit_test_setup_teardown(name, setup_tmpdir, teardown_tmpdir)
        cmocka_unit_test(test_version_and_strerror),
        cmocka_unit_test(test_null_arguments),
        TMP_TEST(test_bad_flags_and_parameters),
        TMP_TEST(test_create_commit_reopen_readonly),
        TMP_TEST(test_writable_open_modes),
        TMP_TEST(test_transactions),
        TMP_TEST(test_replace_and_delete_by_term),
        TMP_TEST(test_metadata),
        TMP_TEST(test_statistics),
        TMP_TEST(test_postlist),
        TMP_TEST(test_positionlist_and_termlist),
        TMP_TEST(test_bm25_ranking),
        TMP_TEST(test_phrase_and_near),
        TMP_TEST(test_query_operators),
        TMP_TEST(test_mset_details),
        TMP_TEST(test_collapse_cutoff_sort),
        TMP_TEST(test_sharded_global_statistics),
        TMP_TEST(test_reopen_and_close),
        TMP_TEST(test_missing_database),
        TMP_TEST(test_locked_database),
        TMP_TEST(test_corrupt_database),
        TMP_TEST(test_remote_search_and_server_death),
        TMP_TEST(test_remote_timeouts),
        TMP_TEST(test_remote_writable),
#undef TMP_TEST
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
