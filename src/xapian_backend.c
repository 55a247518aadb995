/*
 * xapian_backend.c -- the Xapian backend: a cari index kept in a Xapian
 * (glass) database, written and searched through the C shim
 * (include/xapian_c.h).  Implements xapian_backend.h.  cari's own analyzer
 * and passage splitter make every term, position and passage, exactly as
 * for the native index (segment.c cari_segw_add); Xapian only stores them,
 * ranks and serves them -- locally or from xapian-tcpsrv.
 *
 * Layout (user metadata "cari.format" = 1).  One Xapian document per
 * passage:
 *
 *   terms   body     the analyzer's terms of the passage text as they are
 *                    (folded lower case; "=word" for exact forms); wdf =
 *                    occurrences; positions 1, 2, ... as the analyzer
 *                    numbers them (stopwords keep their place but are not
 *                    indexed); exact forms get wdf only, no positions, as
 *                    in the native index
 *           title    "S" + each term of the article's title, with its
 *                    positions, repeated on every passage of the article:
 *                    Xapian has no article level, so a passage carries its
 *                    title itself
 *           Q<id>#<n>  the passage's unique term (boolean)
 *           A<id>      the article term (boolean, on every passage):
 *                      replacing or deleting an article deletes by it
 *           XFIRST     on passage 0 of each article (boolean): its term
 *                      frequency counts articles, over all shards
 *           Ids longer than 200 bytes become their first 180 bytes, "#"
 *           and 16 hex digits of their FNV-1a-64 hash in Q and A terms
 *           (Xapian terms are limited to 245 bytes).  Folded terms never
 *           start with an upper-case ASCII letter, so these prefixes cannot
 *           collide with body terms.
 *   values  0 article id, 1 passage number within the article, 2 and 3
 *           the passage's start and end byte in the article text (decimal)
 *   data    u32le title length, title, u32le meta length, meta JSON, then
 *           the passage text: a hit needs no second store for its snippet
 *   metadata  cari.backend "xapian", cari.format "1", cari.analyzer (the
 *           analyzer signature: an index built by another analyzer is
 *           refused with CARI_EVERSION, as natively), cari.terms (distinct
 *           terms, body and title together, as the native count),
 *           cari.generation (commits so far), and for a shard written by
 *           cari-index --shards N (since 2026-12) cari.shard "K/N": shard K
 *           of a set of N, so that a run with another N is refused
 *           (cari_shards_check): an id goes to the shard FNV-1a-64(id)
 *           mod N, and with another N a replaced article would land in
 *           another shard while its old copy stayed
 *
 * Writing.  A writer holds a Xapian transaction from open to commit (and
 * from each commit to the next), so nothing it adds is visible before
 * cari_writer_commit() and a killed or closed writer leaves the last
 * commit as it was -- Xapian's own periodic flushes inside a transaction
 * write blocks but do not commit them.  Xapian's lock keeps a second
 * writer out (CARI_ELOCKED).
 *
 * Searching.  Any number of shards (index directories, or tcp://HOST:PORT
 * of a xapian-tcpsrv serving one) are opened one by one -- each is checked
 * for format and analyzer -- and joined into one Xapian database, so
 * document counts, lengths and term frequencies are global: one ranking,
 * not merged per-shard lists.  The query tree (query.h) maps onto Xapian
 * queries: a term in both fields is OR(term, S-term scaled by the title
 * weight); PHRASE is OP_PHRASE over a window as wide as the phrase's
 * positions (stopword gaps included); NEAR/n is OP_NEAR with window n + 1
 * (Xapian counts the span inclusively); PREFIX expands over the
 * vocabulary of all shards into the 64 most frequent words and "=forms"
 * starting with it, OR'ed as term leaves, as natively (not Xapian's
 * wildcard, which expands and weighs shard by shard, so a sharded ranking
 * would differ from the unsharded one); BOOL is AND, AND_NOT, and for
 * must + should: must AND (should OR 0 * everything) (build_bool).
 * Weighting is Xapian's BM25 with the options' k1 and b (k3 1, no length
 * floor).  Grouping (at most N passages of an article) keeps each
 * article's first N passages of a ranking read deeper than the page
 * (grouped_mset).
 * A remote shard that fails during a search is found by reconnecting to
 * each; with CARI_SHARDS_ALLOW_PARTIAL it is left out and the search runs
 * again over the others, otherwise the search fails naming it.
 */
#include "xapian_backend.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analyzer_internal.h"
#include "filter.h"
#include "passage.h"
#include "snippet.h"
#include "utf8.h"
#include "util.h"
#include "xapian_c.h"

#define FORMAT_VERSION "1"
/* "K/N": this index is shard K of a set of N (cari-index --shards N) */
#define SHARD_KEY "cari.shard"
/* room for a set id (hex, SET_ID_LEN of them when cari made it) and NUL */
#define SET_ID_LEN 32
#define SET_ID_CAP 48

/* Value slots.  SLOT_TIE (since 2026-11-30) orders passages of equal
 * score as the native ranking does (search.c better_tie): the article
 * id's 64-bit FNV-1a hash with its low bit set, 8 bytes big-endian, then
 * the id, a NUL, and the passage's number in its article, 4 bytes
 * big-endian; compared as bytes, ascending.  Indexes written before have
 * it empty everywhere: their ties fall back to docid order. */
enum { SLOT_ID = 0, SLOT_PASSAGE = 1, SLOT_START = 2, SLOT_END = 3,
       SLOT_TIE = 4 };

#define TITLE_PREFIX "S"
#define FIRST_TERM "XFIRST"
/* Ids up to this long are used in terms as they are. */
#define ID_TERM_MAX 200
#define ID_TERM_KEEP 180
/* Remote shards: each operation, and connecting, may take this long
 * before the shard counts as unreachable (Xapian's own default is 10 s
 * for both; a search of a large shard can take longer than connecting
 * should). */
#define REMOTE_TIMEOUT_MS 30000
/* A search that finds its revision discarded by a writer
 * (XC_EMODIFIED) reopens the database and runs again this many times at
 * most: one is nearly always enough, since a writer must commit twice
 * more during the search to discard the reopened revision too. */
#define MAX_REOPEN_RETRIES 3
#define CONNECT_TIMEOUT_MS 5000
/* Longest term the query builder takes (analyzer terms are <= 98 bytes). */
#define MAX_TERM 240

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

/* The shim's last message without its "xc_function: " prefix. */
static const char *xc_detail(void)
{
    const char *m = xc_last_error_message();
    if (strncmp(m, "xc_", 3) == 0) {
        const char *colon = strstr(m, ": ");
        if (colon)
            return colon + 2;
    }
    return m;
}

/* The cari code for a shim status. */
static int map_code(int xc)
{
    switch (xc) {
    case XC_OK: return CARI_OK;
    case XC_ENOMEM: return CARI_ENOMEM;
    case XC_ELOCK: return CARI_ELOCKED;
    case XC_ECORRUPT: return CARI_ECORRUPT;
    case XC_EVERSION: return CARI_EVERSION;
    case XC_ENOTFOUND: return CARI_ENOTFOUND;
    case XC_EDATABASE:    /* I/O errors, short reads */
    case XC_ENETWORK:
    case XC_ETIMEDOUT:
    case XC_EOPENING:
        return CARI_EIO;
    case XC_EINVAL: return CARI_EINVAL;
    default: return CARI_EXAPIAN;
    }
}

/* The same for a failure while reading an index: a Xapian DatabaseError
 * there (a short read, a block that does not parse) means damage. */
static int map_read_code(int xc)
{
    return xc == XC_EDATABASE ? CARI_ECORRUPT : map_code(xc);
}

static int is_network(int xc)
{
    return xc == XC_ENETWORK || xc == XC_ETIMEDOUT;
}

/* prefix + id as a term in out (cap >= ID_TERM_MAX + 32). */
static void id_term(char *out, size_t cap, const char *prefix, const char *id,
                    size_t len)
{
    if (len <= ID_TERM_MAX)
        snprintf(out, cap, "%s%.*s", prefix, (int)len, id);
    else
        snprintf(out, cap, "%s%.*s#%016" PRIx64, prefix, ID_TERM_KEEP, id,
                 cari_fnv1a64(id, len));
}

/* Sum of the sizes of the files in dir (a glass database is flat). */
static uint64_t dir_bytes(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    uint64_t sum = 0;
    if (!d)
        return 0;
    while ((de = readdir(d)) != NULL) {
        char path[4096];
        struct stat st;
        if (de->d_name[0] == '.' ||
            cari_path_join(path, sizeof path, dir, de->d_name))
            continue;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            sum += (uint64_t)st.st_size;
    }
    closedir(d);
    return sum;
}

static int has_native_index(const char *dir)
{
    char path[4096];
    struct stat st;
    return cari_path_join(path, sizeof path, dir, "MANIFEST") == 0 &&
           stat(path, &st) == 0;
}

/* Metadata value of key as a NUL-terminated string in out (empty when
 * unset); returns a shim status. */
static int get_meta(const xc_database *db, const char *key, char *out,
                    size_t cap)
{
    char *v = NULL;
    size_t len = 0;
    int rc = xc_database_get_metadata(db, key, &v, &len);
    if (rc)
        return rc;
    snprintf(out, cap, "%.*s", (int)(len < cap ? len : cap - 1), v);
    xc_free(v);
    return XC_OK;
}

static uint64_t get_meta_u64(const xc_database *db, const char *key)
{
    char buf[32];
    if (get_meta(db, key, buf, sizeof buf))
        return 0;
    return strtoull(buf, NULL, 10);
}

/* The shard record of db ("K/N" or "K/N SET", SHARD_KEY) in *shard and
 * *nshards, and its set id in set (SET_ID_CAP; may be NULL; empty for a
 * record of before the id was kept); all 0 or empty when there is none
 * (no --shards, or written before cari recorded it) or it does not parse.
 * One metadata read: a remote shard's costs one round trip.  A shim
 * status. */
static int get_shard_record(const xc_database *db, size_t *shard,
                            size_t *nshards, char *set)
{
    char buf[64], *end;
    unsigned long k, n;
    size_t i;
    int rc = get_meta(db, SHARD_KEY, buf, sizeof buf);
    *shard = *nshards = 0;
    if (set)
        *set = '\0';
    if (rc || !*buf)
        return rc;
    errno = 0;
    k = strtoul(buf, &end, 10);
    if (errno || *end != '/')
        return XC_OK;
    n = strtoul(end + 1, &end, 10);
    /* at most the count cari_shards_check takes: a damaged or edited
     * record of 2e7 shards made a search list 2e7 places not given, in
     * gigabytes (found by review) */
    if (errno || (*end && *end != ' ') || n == 0 || k >= n ||
        n > CARI_MAX_SET_SHARDS)
        return XC_OK;
    if (*end) {
        for (i = 1; end[i]; i++)
            if (!strchr("0123456789abcdef", end[i]))
                return XC_OK;
        if (i == 1 || i > SET_ID_CAP)
            return XC_OK;
        if (set)
            memcpy(set, end + 1, i);  /* with its NUL */
    }
    *shard = (size_t)k;
    *nshards = (size_t)n;
    return XC_OK;
}

/* Does loc name shard k as cari-index --shards names it, BASE.k (trailing
 * slashes ignored)?  *len is then BASE's length, else loc's without its
 * trailing slashes. */
static int shard_base(const char *loc, size_t k, size_t *len)
{
    size_t n = strlen(loc), dl;
    char end[32];
    while (n > 1 && loc[n - 1] == '/')
        n--;
    dl = (size_t)snprintf(end, sizeof end, ".%zu", k);
    *len = n;
    if (n <= dl || memcmp(loc + n - dl, end, dl) != 0)
        return 0;
    *len = n - dl;
    return 1;
}

int cari_xapian_shard_record(const char *dir, size_t *shard, size_t *nshards,
                             cari_error *err)
{
    xc_database *db = NULL;
    int xc;
    *shard = *nshards = 0;
    if (!cari_xapian_is_index(dir))
        return CARI_OK;
    xc = xc_database_open(dir, &db);
    if (!xc)
        xc = get_shard_record(db, shard, nshards, NULL);
    xc_database_free(db);
    if (xc == XC_EOPENING)
        xc = XC_ECORRUPT;  /* iamglass is there: the rest is damaged */
    if (xc)
        return cari_set_error(err, map_read_code(xc), "%s: %s", dir,
                              xc_detail());
    return CARI_OK;
}

/*
 * Is db (at location loc) a cari index this analyzer may use?  CARI_OK;
 * CARI_ENOTFOUND for a Xapian database that holds no commit of cari's
 * yet; CARI_EVERSION for another format, another analyzer or a database
 * cari did not make.
 */
static int check_index(const xc_database *db, const char *loc,
                       const cari_analyzer *an, cari_error *err)
{
    char format[32], backend[32], analyzer[512];
    xc_doccount docs = 0;
    int rc = get_meta(db, "cari.format", format, sizeof format);
    if (!rc)
        rc = get_meta(db, "cari.backend", backend, sizeof backend);
    if (!rc)
        rc = get_meta(db, "cari.analyzer", analyzer, sizeof analyzer);
    if (!rc)
        rc = xc_database_doccount(db, &docs);
    if (rc)
        return cari_set_error(err, map_read_code(rc), "%s: %s", loc,
                              xc_detail());
    if (!*format && docs == 0)
        return cari_set_error(err, CARI_ENOTFOUND,
                              "no index at %s (an empty Xapian database: "
                              "nothing was committed yet)", loc);
    if (!*format || strcmp(backend, "xapian") != 0)
        return cari_set_error(err, CARI_EVERSION,
                              "%s is a Xapian database, but not a cari "
                              "index", loc);
    if (strcmp(format, FORMAT_VERSION) != 0)
        return cari_set_error(err, CARI_EVERSION,
                              "%s: index format %s; this cari reads format "
                              "%s; rebuild the index", loc, format,
                              FORMAT_VERSION);
    if (strcmp(analyzer, cari_analyzer_signature(an)) != 0)
        return cari_set_error(
            err, CARI_EVERSION,
            "%s: index was built with another analyzer (%s); this cari uses "
            "%s; rebuild the index",
            loc, analyzer, cari_analyzer_signature(an));
    return CARI_OK;
}

/*
 * Distinct terms of the collection, counted as the native index does:
 * body and title terms together, each once.  Both lists come sorted, so
 * one merge walk over the body terms (those not starting with an
 * upper-case prefix) and the title terms (without their "S") counts the
 * union.
 */
static int count_terms(const xc_database *db, uint64_t *out)
{
    xc_termlist *body = NULL, *title = NULL;
    const char *b = NULL, *t = NULL;
    size_t bl = 0, tl = 0;
    uint64_t n = 0;
    int rb, rt, rc = XC_OK;
    *out = 0;
    rc = xc_database_allterms(db, "", &body);
    if (!rc)
        rc = xc_database_allterms(db, TITLE_PREFIX, &title);
    if (rc)
        goto done;
    rb = xc_termlist_next(body, &b, &bl);
    rt = xc_termlist_next(title, &t, &tl);
    for (;;) {
        int c;
        while (rb == XC_OK && bl && b[0] >= 'A' && b[0] <= 'Z')
            rb = xc_termlist_next(body, &b, &bl);
        if (rb < 0 || rt < 0) {
            rc = rb < 0 ? rb : rt;
            break;
        }
        if (rb == XC_END && rt == XC_END)
            break;
        if (rb == XC_END) {
            c = 1;
        } else if (rt == XC_END) {
            c = -1;
        } else {
            size_t m = bl < tl - 1 ? bl : tl - 1;
            c = memcmp(b, t + 1, m);
            if (c == 0)
                c = bl < tl - 1 ? -1 : bl > tl - 1;
        }
        n++;
        if (c <= 0)
            rb = xc_termlist_next(body, &b, &bl);
        if (c >= 0)
            rt = xc_termlist_next(title, &t, &tl);
    }
done:
    xc_termlist_free(body);
    xc_termlist_free(title);
    if (!rc)
        *out = n;
    return rc;
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */
/* ------------------------------------------------------------------ */

/* A title position that marks a metadata term (boolean). */
#define META_POSITION UINT32_MAX

/* A title term kept across the body passages' analysis. */
typedef struct title_posting {
    size_t off;        /* of its "S"-prefixed, NUL-terminated term in buf */
    uint32_t position; /* 0: no positions (an exact form) */
    unsigned wdf;      /* 0 for a stopword ("~word"): positions only */
} title_posting;

struct cari_xapian_writer {
    char *dir;
    cari_analyzer *an;
    xc_writable *wdb;
    xc_database *rdb;          /* read view of wdb: sees pending changes */
    int in_transaction;
    uint64_t generation;
    cari_passage_params pp;
    cari_spanvec spans;
    cari_tokvec tokens;
    cari_buf title_terms;      /* title_posting's strings */
    cari_buf meta_terms;       /* the article's metadata terms */
    title_posting *title;
    size_t ntitle, title_cap;
    cari_buf data;
    cari_writer_stats stats;
    size_t shard, nshards;     /* the shard record; nshards 0: none */
    int shard_declared;        /* cari_xapian_writer_set_shard was called */
    char set_id[SET_ID_CAP];   /* of the record; empty: none (yet) */
    char errmsg[512];
};

static int werror(cari_xapian_writer *w, int code, const char *fmt, ...)
    CARI_PRINTF(3, 4);

static int werror(cari_xapian_writer *w, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->errmsg, sizeof w->errmsg, fmt, ap);
    va_end(ap);
    return code;
}

/* Record a failed shim call of the writer. */
static int wfail(cari_xapian_writer *w, int xc, const char *what)
{
    int code = map_code(xc);
    if (code == CARI_ELOCKED)
        return werror(w, code, "index %s is locked by another writer",
                      w->dir);
    if (code == CARI_ECORRUPT)
        return werror(w, code, "index %s is damaged (%s): %s", w->dir,
                      xc_detail(), what);
    return werror(w, code, "%s: %s: %s", w->dir, what, xc_detail());
}

int cari_xapian_available(void)
{
    return 1;
}

int cari_xapian_is_index(const char *dir)
{
    char path[4096];
    struct stat st;
    /* a glass database announces itself with this file */
    return dir && cari_path_join(path, sizeof path, dir, "iamglass") == 0 &&
           stat(path, &st) == 0;
}

/* Lines of Xapian's check report that say all is well. */
static int routine_line(const char *line, size_t n)
{
    static const char *const ok[] = {
        "blocksize=", "B-tree checked okay", "table structure checked OK",
        "Lazily created", "No errors found", "Not present"};
    size_t i;
    if (n == 0 || line[n - 1] == ':')  /* blank, or a table's name */
        return 1;
    for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        size_t m = strlen(ok[i]);
        if (n >= m && (memcmp(line, ok[i], m) == 0 ||
                       (n > m && memcmp(line + n - m, ok[i], m) == 0)))
            return 1;
    }
    return 0;
}

int cari_xapian_check(const char *dir, cari_check_fn fn, void *ctx,
                      cari_check_stats *stats, cari_error *err)
{
    size_t errors = 0, reported = 0;
    char *report = NULL, *line, *next, msg[600];
    int xc = xc_database_check(dir, &errors, &report);
    stats->xapian = 1;
    if (xc == XC_ECORRUPT || xc == XC_EDATABASE || xc == XC_EOPENING) {
        /* too damaged for the checker to go on: that is its finding */
        snprintf(msg, sizeof msg, "%s", xc_detail());
        stats->problems++;
        if (fn)
            fn(ctx, dir, msg);
        return cari_set_error(err, CARI_ECORRUPT, "%s: 1 problem found", dir);
    }
    if (xc)
        return cari_set_error(err, map_code(xc), "%s: %s", dir, xc_detail());
    stats->files = 1;
    for (line = report; line && *line; line = next) {
        size_t n;
        next = strchr(line, '\n');
        n = next ? (size_t)(next - line) : strlen(line);
        if (next)
            next++;
        if (routine_line(line, n))
            continue;
        reported++;
        snprintf(msg, sizeof msg, "%.*s", (int)(n > 500 ? 500 : n), line);
        if (fn)
            fn(ctx, dir, msg);
    }
    xc_free(report);
    if (errors > reported && fn) {
        snprintf(msg, sizeof msg, "xapian-check counts %zu errors", errors);
        fn(ctx, dir, msg);
    }
    stats->problems = errors > reported ? errors : reported;
    if (stats->problems)
        return cari_set_error(err, CARI_ECORRUPT, "%s: %llu problem%s found",
                              dir, (unsigned long long)stats->problems,
                              stats->problems == 1 ? "" : "s");
    return CARI_OK;
}

void cari_xapian_writer_close(cari_xapian_writer *w)
{
    if (!w)
        return;
    /* whatever was not committed is dropped, as natively */
    if (w->in_transaction)
        xc_writable_cancel_transaction(w->wdb);
    xc_database_free(w->rdb);
    xc_writable_free(w->wdb);
    cari_spanvec_free(&w->spans);
    cari_tokvec_free(&w->tokens);
    cari_buf_free(&w->title_terms);
    cari_buf_free(&w->meta_terms);
    cari_buf_free(&w->data);
    free(w->title);
    free(w->dir);
    free(w);
}

int cari_xapian_writer_open(const char *dir, const cari_writer_options *o,
                            cari_analyzer *an, cari_xapian_writer **out,
                            cari_error *err)
{
    cari_passage_params pp = CARI_PASSAGE_PARAMS_INIT;
    cari_xapian_writer *w;
    cari_error check;
    int flags = XC_DB_CREATE_OR_OPEN | XC_DB_BACKEND_GLASS, rc, xc, fresh;
    *out = NULL;
    if (!dir || !*dir || !an)
        return cari_set_error(err, CARI_EINVAL, "no index directory given");
    if (has_native_index(dir))
        return cari_set_error(err, CARI_EINVAL,
                              "%s holds a native cari index; an index keeps "
                              "the backend it was built with (build a "
                              "Xapian one in another directory)", dir);
    w = calloc(1, sizeof *w);
    if (!w || !(w->dir = strdup(dir))) {
        free(w);
        return cari_set_error(err, CARI_ENOMEM, "out of memory");
    }
    w->an = an;
    w->pp = pp;
    if (o && !o->sync)
        flags |= XC_DB_NO_SYNC;
    rc = cari_mkdir_p(dir, err);
    if (rc)
        goto fail;
    xc = xc_writable_open(dir, flags, &w->wdb);
    if (!xc)
        xc = xc_writable_as_database(w->wdb, &w->rdb);
    if (xc) {
        rc = wfail(w, xc, "cannot open the Xapian database");
        cari_set_error(err, rc, "%s", w->errmsg);
        goto fail;
    }
    rc = check_index(w->rdb, dir, an, &check);
    fresh = rc == CARI_ENOTFOUND;
    if (rc && !fresh) {
        cari_set_error(err, rc, "%s", check.message);
        goto fail;
    }
    w->generation = get_meta_u64(w->rdb, "cari.generation");
    xc = get_shard_record(w->rdb, &w->shard, &w->nshards, w->set_id);
    if (xc) {
        rc = wfail(w, xc, "cannot read the index metadata");
        cari_set_error(err, rc, "%s", w->errmsg);
        goto fail;
    }
    /* everything from here to the commit is one transaction */
    xc = xc_writable_begin_transaction(w->wdb, 1);
    if (xc) {
        rc = wfail(w, xc, "cannot start a transaction");
        cari_set_error(err, rc, "%s", w->errmsg);
        goto fail;
    }
    w->in_transaction = 1;
    if (fresh) {
        const char *sig = cari_analyzer_signature(an);
        xc = xc_writable_set_metadata(w->wdb, "cari.backend", "xapian", 6);
        if (!xc)
            xc = xc_writable_set_metadata(w->wdb, "cari.format",
                                          FORMAT_VERSION,
                                          strlen(FORMAT_VERSION));
        if (!xc)
            xc = xc_writable_set_metadata(w->wdb, "cari.analyzer", sig,
                                          strlen(sig));
        if (xc) {
            rc = wfail(w, xc, "cannot write the index metadata");
            cari_set_error(err, rc, "%s", w->errmsg);
            goto fail;
        }
    }
    *out = w;
    return CARI_OK;
fail:
    cari_xapian_writer_close(w);
    return rc;
}

/* Keep the analyzed title (w->tokens) and the metadata terms of the
 * article (filter.h: "#key\x1fvalue", "@date"; boolean, no position) as
 * "S"-terms for every passage. */
static int keep_title(cari_xapian_writer *w, const cari_article *a)
{
    size_t i, count;
    w->ntitle = 0;
    w->title_terms.len = 0;
    if (cari_meta_terms(a->meta, a->meta_len, &w->meta_terms, &count))
        return CARI_ENOMEM;
    {
        const char *p = (const char *)w->meta_terms.data;
        for (i = 0; i < count; i++) {
            size_t l = strlen(p);
            if (w->ntitle == w->title_cap) {
                size_t cap = w->title_cap ? w->title_cap * 2 : 32;
                title_posting *q = realloc(w->title, cap * sizeof *q);
                if (!q)
                    return CARI_ENOMEM;
                w->title = q;
                w->title_cap = cap;
            }
            w->title[w->ntitle].off = w->title_terms.len;
            w->title[w->ntitle].position = META_POSITION;
            w->title[w->ntitle].wdf = 1;
            if (cari_buf_append(&w->title_terms, TITLE_PREFIX, 1) ||
                cari_buf_append(&w->title_terms, p, l) ||
                cari_buf_putc(&w->title_terms, '\0'))
                return CARI_ENOMEM;
            w->ntitle++;
            p += l + 1;
        }
    }
    for (i = 0; i < w->tokens.len; i++) {
        const cari_term_token *t = &w->tokens.items[i];
        /* a stopword as the native index keeps it in titles ("~word",
         * segment.c), with no weight: the same terms in both backends,
         * and the same document lengths as before */
        int stop = t->stop != 0;
        if (t->term_len > (stop ? CARI_TITLE_STOP_MAX : MAX_TERM))
            continue;
        if (w->ntitle == w->title_cap) {
            size_t cap = w->title_cap ? w->title_cap * 2 : 32;
            title_posting *p = realloc(w->title, cap * sizeof *p);
            if (!p)
                return CARI_ENOMEM;
            w->title = p;
            w->title_cap = cap;
        }
        w->title[w->ntitle].off = w->title_terms.len;
        w->title[w->ntitle].position = t->term[0] == '=' ? 0 : t->position;
        w->title[w->ntitle].wdf = !stop;
        if (cari_buf_append(&w->title_terms, TITLE_PREFIX, 1) ||
            (stop && cari_buf_putc(&w->title_terms, '~')) ||
            cari_buf_append(&w->title_terms, t->term, t->term_len) ||
            cari_buf_putc(&w->title_terms, '\0'))
            return CARI_ENOMEM;
        w->ntitle++;
    }
    return CARI_OK;
}

/* Add the analyzed passage (w->tokens) to doc as body terms. */
static int add_body(cari_xapian_writer *w, xc_document *doc)
{
    char term[MAX_TERM + 2];
    size_t i;
    for (i = 0; i < w->tokens.len; i++) {
        const cari_term_token *t = &w->tokens.items[i];
        int xc;
        if (t->stop || t->term_len > MAX_TERM)
            continue;
        memcpy(term, t->term, t->term_len);
        term[t->term_len] = '\0';
        /* exact forms: wdf only, as the native index keeps them */
        if (term[0] == '=')
            xc = xc_document_add_term(doc, term, 1);
        else
            xc = xc_document_add_posting(doc, term, t->position, 1);
        if (xc)
            return xc;
    }
    return XC_OK;
}

static int set_uint_value(xc_document *doc, xc_valueno slot, uint64_t v)
{
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%" PRIu64, v);
    return xc_document_set_value(doc, slot, buf, (size_t)n);
}

/* SLOT_TIE's value for passage n of the article with this id. */
static int set_tie_value(xc_document *doc, const char *id, size_t len,
                         uint32_t n)
{
    uint64_t h = cari_fnv1a64(id, len) | 1;
    unsigned char *buf = malloc(len + 13), *p;
    int i, xc;
    if (!buf)
        return XC_ENOMEM;
    p = buf;
    for (i = 7; i >= 0; i--)
        *p++ = (unsigned char)(h >> (8 * i));
    memcpy(p, id, len);
    p += len;
    *p++ = 0;
    for (i = 3; i >= 0; i--)
        *p++ = (unsigned char)(n >> (8 * i));
    xc = xc_document_set_value(doc, SLOT_TIE, (const char *)buf, len + 13);
    free(buf);
    return xc;
}

/* One passage's document: body, title and id terms, values and data. */
static int add_passage(cari_xapian_writer *w, const cari_article *a,
                       const char *article_term, uint32_t n, cari_span32 sp)
{
    char qterm[ID_TERM_MAX + 64], num[16];
    unsigned char len4[4];
    xc_document *doc = NULL;
    size_t i;
    long npos;
    int xc;
    npos = cari_analyzer_run(w->an, a->text + sp.start, sp.end - sp.start, 1,
                             &w->tokens);
    if (npos < 0)
        return werror(w, (int)npos, "out of memory");
    xc = xc_document_new(&doc);
    if (!xc)
        xc = add_body(w, doc);
    for (i = 0; i < w->ntitle && !xc; i++) {
        const char *t = (const char *)w->title_terms.data + w->title[i].off;
        xc = w->title[i].position == META_POSITION
                 ? xc_document_add_boolean_term(doc, t)
                 : w->title[i].position
                 ? xc_document_add_posting(doc, t, w->title[i].position,
                                           w->title[i].wdf)
                 : xc_document_add_term(doc, t, 1);
    }
    if (!xc) {
        id_term(qterm, sizeof qterm - sizeof num, "Q", a->id, a->id_len);
        snprintf(num, sizeof num, "#%" PRIu32, n);
        strcat(qterm, num);
        xc = xc_document_add_boolean_term(doc, qterm);
    }
    if (!xc)
        xc = xc_document_add_boolean_term(doc, article_term);
    if (!xc && n == 0)
        xc = xc_document_add_boolean_term(doc, FIRST_TERM);
    if (!xc)
        xc = xc_document_set_value(doc, SLOT_ID, a->id, a->id_len);
    if (!xc)
        xc = set_uint_value(doc, SLOT_PASSAGE, n);
    if (!xc)
        xc = set_uint_value(doc, SLOT_START, sp.start);
    if (!xc)
        xc = set_uint_value(doc, SLOT_END, sp.end);
    if (!xc)
        xc = set_tie_value(doc, a->id, a->id_len, n);
    if (!xc) {
        int rc = 0;
        w->data.len = 0;
        cari_put_u32(len4, (uint32_t)a->title_len);
        rc |= cari_buf_append(&w->data, len4, 4);
        rc |= cari_buf_append(&w->data, a->title, a->title_len);
        cari_put_u32(len4, (uint32_t)(a->meta ? a->meta_len : 0));
        rc |= cari_buf_append(&w->data, len4, 4);
        if (a->meta)
            rc |= cari_buf_append(&w->data, a->meta, a->meta_len);
        rc |= cari_buf_append(&w->data, a->text + sp.start, sp.end - sp.start);
        xc = rc ? XC_ENOMEM : xc_document_set_data(doc, w->data.data,
                                                   w->data.len);
    }
    if (!xc)
        xc = xc_writable_add_document(w->wdb, doc, NULL);
    xc_document_free(doc);
    if (xc)
        return wfail(w, xc, "cannot add a passage");
    return CARI_OK;
}

int cari_xapian_writer_add(cari_xapian_writer *w, const cari_article *a)
{
    char aterm[ID_TERM_MAX + 64];
    size_t bad, k;
    long n;
    int xc, rc;
    if (!w || !a)
        return CARI_EINVAL;
    if (!w->in_transaction)
        return werror(w, CARI_EINVAL, "the writer failed earlier; open a "
                      "new one");
    if (a->id_len == 0 || memchr(a->id, '\0', a->id_len) ||
        memchr(a->id, '\n', a->id_len))
        return werror(w, CARI_EINPUT,
                      "article id is empty or holds NUL/newline");
    if (!cari_utf8_valid(a->id, a->id_len, &bad) ||
        !cari_utf8_valid(a->title, a->title_len, &bad) ||
        !cari_utf8_valid(a->text, a->text_len, &bad) ||
        (a->meta && !cari_utf8_valid(a->meta, a->meta_len, &bad)))
        return werror(w, CARI_EINPUT, "article %.*s: invalid UTF-8",
                      (int)(a->id_len > 80 ? 80 : a->id_len), a->id);
    if (a->text_len > (1u << 30) || a->title_len > (1u << 20))
        return werror(w, CARI_EINPUT, "article %.*s: %s",
                      (int)(a->id_len > 80 ? 80 : a->id_len), a->id,
                      a->title_len > (1u << 20) ? "title longer than 1 MiB"
                                                : "text longer than 1 GiB");
    if (w->nshards && !w->shard_declared) {
        /* an article belongs to the shard its id hashes to: added to this
         * one by hand, it could be there and in its own shard too.  The
         * set's base named (found by review: "-i sh.0 --shards 2", the
         * hint followed with the -i kept, made a second set sh.0.*) */
        size_t bl;
        (void)shard_base(w->dir, w->shard, &bl);
        return werror(w, CARI_EINVAL, "%s is shard %zu of %zu (cari-index "
                      "--shards %zu made it): add articles to the set with "
                      "cari-index --shards %zu -i %.*s", w->dir, w->shard,
                      w->nshards, w->nshards, w->nshards, (int)bl, w->dir);
    }
    if (w->nshards &&
        cari_shard_of(a->id, a->id_len, w->nshards) != w->shard)
        /* declared, the place holds: an article in another shard than
         * its id's would be there and, once added so, in its own too
         * (found by review: a program could put it anywhere) */
        return werror(w, CARI_EINPUT, "article %.*s belongs to shard %zu "
                      "of %zu (cari_shard_of), not to shard %zu",
                      (int)(a->id_len > 80 ? 80 : a->id_len), a->id,
                      cari_shard_of(a->id, a->id_len, w->nshards),
                      w->nshards, w->shard);
    if (cari_split_passages(a->text, a->text_len, &w->pp, &w->spans))
        return werror(w, CARI_ENOMEM, "out of memory");
    n = cari_analyzer_run(w->an, a->title, a->title_len, 1, &w->tokens);
    if (n < 0 || keep_title(w, a))
        return werror(w, CARI_ENOMEM, "out of memory");
    /* an earlier copy of the article, committed or added this session */
    id_term(aterm, sizeof aterm, "A", a->id, a->id_len);
    xc = xc_writable_delete_document_by_term(w->wdb, aterm);
    if (xc)
        return wfail(w, xc, "cannot replace an article");
    for (k = 0; k < w->spans.len; k++) {
        rc = add_passage(w, a, aterm, (uint32_t)k, w->spans.items[k]);
        if (rc) {
            /* no half article: drop the passages already added */
            xc_writable_delete_document_by_term(w->wdb, aterm);
            return rc;
        }
    }
    w->stats.articles++;
    w->stats.passages += w->spans.len;
    w->stats.input_bytes += a->title_len + a->text_len;
    return CARI_OK;
}

int cari_xapian_writer_set_shard(cari_xapian_writer *w, size_t shard,
                                 size_t nshards)
{
    char buf[64];
    int xc, n;
    if (!w || nshards == 0 || shard >= nshards)
        return CARI_EINVAL;
    if (nshards > CARI_MAX_SET_SHARDS)
        return werror(w, CARI_EINVAL, "a set of %zu shards: at most %zu",
                      nshards, CARI_MAX_SET_SHARDS);
    if (!w->in_transaction)
        return werror(w, CARI_EINVAL, "the writer failed earlier; open a "
                      "new one");
    if (w->nshards && (w->nshards != nshards || w->shard != shard))
        return werror(w, CARI_EINVAL, "%s is shard %zu of %zu (cari-index "
                      "--shards %zu made it), not shard %zu of %zu", w->dir,
                      w->shard, w->nshards, w->nshards, shard, nshards);
    w->shard_declared = 1;
    if (w->nshards)
        return CARI_OK;
    /* a new shard, or one written before the record was kept: record it
     * with this run's commit (nothing is written if the run fails) */
    n = snprintf(buf, sizeof buf, "%zu/%zu", shard, nshards);
    xc = xc_writable_set_metadata(w->wdb, SHARD_KEY, buf, (size_t)n);
    if (xc)
        return wfail(w, xc, "cannot write the index metadata");
    w->shard = shard;
    w->nshards = nshards;
    return CARI_OK;
}

const char *cari_xapian_writer_shard_set(const cari_xapian_writer *w)
{
    return w ? w->set_id : "";
}

int cari_xapian_writer_set_shard_set(cari_xapian_writer *w, const char *set)
{
    char buf[2 * 20 + 2 + SET_ID_CAP];
    size_t len = set ? strlen(set) : 0, i;
    int xc, n;
    if (!w || len == 0 || len >= SET_ID_CAP)
        return CARI_EINVAL;
    for (i = 0; i < len; i++)
        if (!strchr("0123456789abcdef", set[i]))
            return werror(w, CARI_EINVAL, "a shard set id is hex digits");
    if (!w->shard_declared)
        return werror(w, CARI_EINVAL, "%s: no shard declared", w->dir);
    if (strcmp(w->set_id, set) == 0)
        return CARI_OK;
    if (*w->set_id)
        /* a shard of another set put in this one's place (copied over it):
         * its articles are not this set's */
        return werror(w, CARI_EINVAL, "%s is shard %zu of %zu of another "
                      "shard set than the others (set %s, not %s): was it "
                      "copied from another set?", w->dir, w->shard,
                      w->nshards, w->set_id, set);
    if (!w->in_transaction)
        return werror(w, CARI_EINVAL, "the writer failed earlier; open a "
                      "new one");
    /* written with this run's commit, as the count is */
    n = snprintf(buf, sizeof buf, "%zu/%zu %s", w->shard, w->nshards, set);
    if (n < 0 || (size_t)n >= sizeof buf)
        return werror(w, CARI_EINVAL, "shard record too long");
    xc = xc_writable_set_metadata(w->wdb, SHARD_KEY, buf, (size_t)n);
    if (xc)
        return wfail(w, xc, "cannot write the index metadata");
    memcpy(w->set_id, set, len + 1);
    return CARI_OK;
}

int cari_xapian_writer_delete(cari_xapian_writer *w, const char *id,
                              size_t len)
{
    char aterm[ID_TERM_MAX + 64];
    xc_doccount passages = 0;
    int xc;
    if (!w || !id || len == 0)
        return CARI_EINVAL;
    if (!w->in_transaction)
        return werror(w, CARI_EINVAL, "the writer failed earlier; open a "
                      "new one");
    id_term(aterm, sizeof aterm, "A", id, len);
    /* live: its passages hold the id term (the transaction's own adds
     * and deletes included: Xapian's writable database counts them) */
    xc = xc_database_termfreq(w->rdb, aterm, &passages);
    if (!xc)
        xc = xc_writable_delete_document_by_term(w->wdb, aterm);
    if (xc)
        return wfail(w, xc, "cannot delete an article");
    if (passages)
        w->stats.deleted++;
    else
        w->stats.not_found++;
    return CARI_OK;
}

int cari_xapian_writer_commit(cari_xapian_writer *w)
{
    char buf[32];
    uint64_t terms = 0;
    xc_doccount articles = 0;
    int xc, n;
    if (!w)
        return CARI_EINVAL;
    if (!w->in_transaction)
        return werror(w, CARI_EINVAL, "the writer failed earlier; open a "
                      "new one");
    xc = count_terms(w->rdb, &terms);
    if (xc)
        return wfail(w, xc, "cannot count the terms");
    n = snprintf(buf, sizeof buf, "%" PRIu64, terms);
    xc = xc_writable_set_metadata(w->wdb, "cari.terms", buf, (size_t)n);
    n = snprintf(buf, sizeof buf, "%" PRIu64, w->generation + 1);
    if (!xc)
        xc = xc_writable_set_metadata(w->wdb, "cari.generation", buf,
                                      (size_t)n);
    if (xc)
        return wfail(w, xc, "cannot write the index metadata");
    xc = xc_writable_commit_transaction(w->wdb);
    if (xc) {
        /* Xapian ends the transaction either way; the last commit stays */
        w->in_transaction = 0;
        return wfail(w, xc, "commit failed");
    }
    w->generation++;
    w->in_transaction = 0;
    xc = xc_writable_begin_transaction(w->wdb, 1);
    if (xc)
        return wfail(w, xc, "cannot start a transaction after the commit");
    w->in_transaction = 1;
    xc = xc_database_termfreq(w->rdb, FIRST_TERM, &articles);
    if (xc)
        return wfail(w, xc, "cannot read the index statistics");
    w->stats.terms = terms;
    w->stats.total_articles = articles;
    w->stats.index_bytes = dir_bytes(w->dir);
    return CARI_OK;
}

void cari_xapian_writer_stats(const cari_xapian_writer *w,
                              cari_writer_stats *out)
{
    memset(out, 0, sizeof *out);
    if (w)
        *out = w->stats;
}

const char *cari_xapian_writer_errmsg(const cari_xapian_writer *w)
{
    return w ? w->errmsg : "";
}

/* ------------------------------------------------------------------ */
/* Opening shards                                                      */
/* ------------------------------------------------------------------ */

typedef struct xshard {
    char *location;        /* as given */
    char *host;            /* tcp:// shards: host and port, else NULL */
    unsigned port;
    xc_database *db;       /* NULL when left out */
    char *left_out;        /* why it is not searched, or NULL */
    uint64_t terms, generation, bytes;
    size_t rk, rn;         /* its record: shard rk of rn (rn 0: none) */
    char set_id[SET_ID_CAP];  /* the record's set; empty: not recorded */
} xshard;

struct cari_xapian_index {
    cari_analyzer *an;
    unsigned flags;
    xshard *shards;
    size_t n;
    xc_database *db;       /* the searched shards as one */
};

/* Split "tcp://HOST:PORT" (HOST may be a bracketed IPv6 address). */
static int parse_remote(const char *loc, char **host, unsigned *port)
{
    const char *h = loc + 6, *colon, *end;
    char *e;
    unsigned long p;
    size_t hl;
    *host = NULL;
    if (*h == '[') {
        end = strchr(h, ']');
        if (!end || end[1] != ':')
            return CARI_EINVAL;
        h++;
        hl = (size_t)(end - h);
        colon = end + 1;
    } else {
        colon = strrchr(h, ':');
        if (!colon)
            return CARI_EINVAL;
        hl = (size_t)(colon - h);
    }
    if (hl == 0)
        return CARI_EINVAL;
    errno = 0;
    p = strtoul(colon + 1, &e, 10);
    if (errno || *e || e == colon + 1 || p == 0 || p > 65535)
        return CARI_EINVAL;
    *host = malloc(hl + 1);
    if (!*host)
        return CARI_ENOMEM;
    memcpy(*host, h, hl);
    (*host)[hl] = '\0';
    *port = (unsigned)p;
    return CARI_OK;
}

/* Open shard s (its db was NULL) and check it; CARI_EIO with "shard ...
 * unreachable" for a remote one that cannot be reached. */
static int open_shard(xshard *s, const cari_analyzer *an, cari_error *err)
{
    int xc, rc;
    if (s->host) {
        xc = xc_database_open_remote(s->host, s->port, REMOTE_TIMEOUT_MS,
                                     CONNECT_TIMEOUT_MS, &s->db);
        if (xc == XC_EOPENING)
            return cari_set_error(err, CARI_EIO,
                                  "shard %s: the server cannot open its "
                                  "database: %s", s->location, xc_detail());
        if (xc)
            return cari_set_error(err,
                                  is_network(xc) ? CARI_EIO : map_code(xc),
                                  "shard %s unreachable: %s", s->location,
                                  xc_detail());
    } else {
        if (!cari_xapian_is_index(s->location)) {
            if (has_native_index(s->location))
                return cari_set_error(err, CARI_EINVAL,
                                      "%s holds a native cari index; only "
                                      "Xapian indexes can be searched as "
                                      "shards", s->location);
            return cari_set_error(err, CARI_ENOTFOUND, "no index at %s",
                                  s->location);
        }
        xc = xc_database_open(s->location, &s->db);
        if (xc == XC_EOPENING)
            xc = XC_ECORRUPT;  /* iamglass is there: the rest is damaged */
        if (xc)
            return cari_set_error(err, map_read_code(xc), "%s: %s",
                                  s->location, xc_detail());
        s->bytes = dir_bytes(s->location);
    }
    rc = check_index(s->db, s->location, an, err);
    if (rc) {
        xc_database_free(s->db);
        s->db = NULL;
        return rc;
    }
    s->terms = get_meta_u64(s->db, "cari.terms");
    s->generation = get_meta_u64(s->db, "cari.generation");
    /* its place in a set, for check_set: one metadata read */
    xc = get_shard_record(s->db, &s->rk, &s->rn, s->set_id);
    if (xc) {
        xc_database_free(s->db);
        s->db = NULL;
        if (s->host && is_network(xc))
            return cari_set_error(err, CARI_EIO, "shard %s unreachable: %s",
                                  s->location, xc_detail());
        return cari_set_error(err, map_read_code(xc), "%s: %s", s->location,
                              xc_detail());
    }
    return CARI_OK;
}

/* After x->db moved to the newest commit (a search met a discarded
 * revision): the shards' own records move with it.  Joined, a shard's
 * handle shares its revision with x->db, so its metadata is the new
 * commit's (found by review: the stats gave the new commit's articles
 * with the opened commit's generation). */
static void refresh_shards(cari_xapian_index *x)
{
    size_t i;
    for (i = 0; i < x->n; i++) {
        xshard *s = &x->shards[i];
        if (!s->db)
            continue;
        s->terms = get_meta_u64(s->db, "cari.terms");
        s->generation = get_meta_u64(s->db, "cari.generation");
        if (!s->host)
            s->bytes = dir_bytes(s->location);
    }
}

/* Join the shards still searched into x->db. */
static int join_shards(cari_xapian_index *x, cari_error *err)
{
    size_t i;
    int xc;
    xc_database_free(x->db);
    x->db = NULL;
    xc = xc_database_new(&x->db);
    for (i = 0; i < x->n && !xc; i++)
        if (x->shards[i].db)
            xc = xc_database_add_database(x->db, x->shards[i].db);
    if (xc)
        return cari_set_error(err, map_code(xc), "%s", xc_detail());
    return CARI_OK;
}

/* No database twice (by its Xapian UUID: the same directory however
 * written, or served and local): joined twice, each of its passages
 * would be found twice and its statistics counted twice. */
static int distinct_shards(cari_xapian_index *x, cari_error *err)
{
    char **uuid = calloc(x->n, sizeof *uuid);
    size_t i, j;
    int rc = CARI_OK;
    if (!uuid)
        return cari_set_error(err, CARI_ENOMEM, "out of memory");
    for (i = 0; i < x->n && !rc; i++) {
        int xc;
        if (!x->shards[i].db)
            continue;
        xc = xc_database_uuid(x->shards[i].db, &uuid[i]);
        if (xc)
            rc = cari_set_error(err, map_read_code(xc), "%s: %s",
                                x->shards[i].location, xc_detail());
        for (j = 0; j < i && !rc; j++)
            if (uuid[i] && uuid[j] && *uuid[i] &&
                strcmp(uuid[i], uuid[j]) == 0)
                rc = cari_set_error(err, CARI_EINVAL,
                                    "shard %s is the same index as shard %s; "
                                    "give each shard once",
                                    x->shards[i].location,
                                    x->shards[j].location);
    }
    for (i = 0; i < x->n; i++)
        xc_free(uuid[i]);
    free(uuid);
    return rc;
}

/* The name of place k of the set that shard `of` holds place of->rk of:
 * its location with the ".rk" ending made ".k" (cari-index --shards
 * names the shards BASE.K), or "shard K of N" when its name does not say
 * (a remote shard, or one renamed). */
static void place_name(const xshard *of, size_t k, char *out, size_t cap)
{
    size_t bl;
    if (!of->host && shard_base(of->location, of->rk, &bl))
        snprintf(out, cap, "%.*s.%zu", (int)bl, of->location, k);
    else
        snprintf(out, cap, "shard %zu of %zu", k, of->rn);
}

/* The places of the set of `of` that have[] lacks, named, in out. */
static void missing_places(const xshard *of, const unsigned char *have,
                           char *out, size_t cap)
{
    size_t k, named = 0, len = 0, more = 0;
    char name[4096];
    *out = '\0';
    for (k = 0; k < of->rn; k++) {
        if (have[k])
            continue;
        place_name(of, k, name, sizeof name);
        if (named < 8 && len + strlen(name) + 64 < cap) {
            len += (size_t)snprintf(out + len, cap - len, "%s%s",
                                    named ? ", " : "", name);
            named++;
        } else
            more++;
    }
    if (more)
        snprintf(out + len, cap - len, " and %zu more", more);
}

/* A set among the shards given: the shard that first named it and one
 * that records its id (indexes of x->shards, which may move; named is
 * NO_SHARD while none of its shards records an id), and which of its
 * places are given. */
#define NO_SHARD SIZE_MAX
typedef struct given_set {
    size_t first, named;
    unsigned char *have;
    size_t missing;
} given_set;

/* Is shard s (with a record) of set g?  By the set id when both have one;
 * else (a record of before the id was kept) by the count: such a shard is
 * taken to be of the first set of its count given. */
static int of_set(const cari_xapian_index *x, const given_set *g,
                  const xshard *s)
{
    if (g->named != NO_SHARD && *s->set_id)
        return strcmp(x->shards[g->named].set_id, s->set_id) == 0;
    return x->shards[g->first].rn == s->rn;
}

/*
 * Is each shard set among the shards given whole, each place once, as
 * the shards' records say (cari.shard: shard K of N of set S)?  Found by
 * review: a set of 3 searched with two of its shards answered for two
 * thirds of the collection as if for all, and a shard given twice (two
 * copies of it: their Xapian UUIDs differ once one is compacted or
 * rebuilt) counted its articles twice.  Several sets may be searched
 * together (two collections, each sharded), each judged on its own
 * (of_set; two whole builds of one collection are two sets, and count
 * its articles twice).  Shards without a record (made before cari kept
 * one, or not by --shards) are not judged, but one named as a place of
 * a set given is taken for it (below).  Places no shard was given for
 * are an error, or, with CARI_SHARDS_ALLOW_PARTIAL, shards left out like
 * those that cannot be reached: appended to x->shards as not given, so
 * that every program that reports left-out shards reports them.  A
 * shard left out at open has no record read: as many missing places as
 * there are of them may be theirs.
 */
static int check_set(cari_xapian_index *x, cari_error *err)
{
    given_set *sets;
    size_t i, j, g, k, nsets = 0, n0 = x->n, missing = 0, unread = 0;
    size_t extra;
    char list[1024], name[4096];
    xshard *grown;
    int rc = CARI_OK;
    sets = calloc(n0, sizeof *sets);
    if (!sets)
        return cari_set_error(err, CARI_ENOMEM, "out of memory");
    for (i = 0; i < n0 && !rc; i++) {
        const xshard *s = &x->shards[i], *f;
        if (!s->db) {
            unread++;
            continue;
        }
        if (!s->rn)
            continue;
        for (g = 0; g < nsets; g++)
            if (of_set(x, &sets[g], s))
                break;
        if (g == nsets) {
            sets[g].first = i;
            sets[g].named = NO_SHARD;
            sets[g].have = calloc(s->rn, 1);
            if (!sets[g].have) {
                rc = cari_set_error(err, CARI_ENOMEM, "out of memory");
                break;
            }
            nsets++;
        }
        f = &x->shards[sets[g].first];
        if (s->rn != f->rn) {
            rc = cari_set_error(err, CARI_EINVAL,
                                "shards %s and %s are of one set but "
                                "record different counts: %s records "
                                "shard %zu of %zu, %s shard %zu of %zu; "
                                "was one copied from another build?",
                                f->location, s->location, f->location,
                                f->rk, f->rn, s->location, s->rk, s->rn);
            break;
        }
        if (*s->set_id && sets[g].named == NO_SHARD)
            sets[g].named = i;
        if (sets[g].have[s->rk]) {
            for (j = 0; j < i; j++) {
                const xshard *o = &x->shards[j];
                if (o->db && o->rn && o->rk == s->rk && of_set(x, &sets[g], o))
                    break;
            }
            rc = cari_set_error(err, CARI_EINVAL,
                                "shard %s is shard %zu of %zu again (as "
                                "shard %s is): its articles would be "
                                "counted twice; give each shard once",
                                s->location, s->rk, s->rn,
                                j < i ? x->shards[j].location : "another");
            break;
        }
        sets[g].have[s->rk] = 1;
    }
    if (rc)
        goto done;
    /* A shard given without a record (restored from before the records,
     * or one whose commit failed in the run that recorded the others) is
     * the place its name says, BASE.K beside a given BASE.k of a set
     * (found by review: it was called not given, and with --allow-partial
     * also listed as a place left out). */
    for (i = 0; i < n0; i++) {
        const xshard *u = &x->shards[i];
        size_t len, d;
        if (!u->db || u->rn || u->host)
            continue;
        len = strlen(u->location);
        while (len > 1 && u->location[len - 1] == '/')
            len--;
        for (d = len; d > 0 && u->location[d - 1] >= '0' &&
                       u->location[d - 1] <= '9';
             d--)
            ;
        if (d == len || d < 2 || u->location[d - 1] != '.' || len - d > 7)
            continue;
        k = (size_t)strtoul(u->location + d, NULL, 10);
        for (g = 0; g < nsets; g++) {
            const xshard *f = &x->shards[sets[g].first];
            if (k >= f->rn || sets[g].have[k])
                continue;
            place_name(f, k, name, sizeof name);
            if (strlen(name) == len && memcmp(name, u->location, len) == 0) {
                sets[g].have[k] = 1;
                break;
            }
        }
    }
    for (g = 0; g < nsets; g++) {
        const xshard *f = &x->shards[sets[g].first];
        for (k = 0; k < f->rn; k++)
            sets[g].missing += !sets[g].have[k];
        missing += sets[g].missing;
    }
    if (!missing || missing <= unread)
        goto done; /* all there, or perhaps the ones left out */
    if (!(x->flags & CARI_SHARDS_ALLOW_PARTIAL)) {
        for (g = 0; !sets[g].missing; g++)
            ;
        {
            const xshard *f = &x->shards[sets[g].first];
            missing_places(f, sets[g].have, list, sizeof list);
            rc = cari_set_error(err, CARI_ENOTFOUND,
                                "the shard set of %s (shard %zu of %zu) is "
                                "not all given: %s %s missing; give every "
                                "shard, or --allow-partial to search these",
                                f->location, f->rk, f->rn, list,
                                sets[g].missing == 1 ? "is" : "are");
        }
        goto done;
    }
    extra = missing - unread;
    grown = realloc(x->shards, (n0 + extra) * sizeof *grown);
    if (!grown) {
        rc = cari_set_error(err, CARI_ENOMEM, "out of memory");
        goto done;
    }
    x->shards = grown;
    memset(grown + n0, 0, extra * sizeof *grown);
    for (g = 0; g < nsets && x->n < n0 + extra; g++) {
        /* by index: grown moved the shards (their strings stay) */
        size_t fi = sets[g].first, rn = x->shards[fi].rn;
        if (!sets[g].missing)
            continue;
        missing_places(&x->shards[fi], sets[g].have, list, sizeof list);
        for (k = 0; k < rn && x->n < n0 + extra; k++) {
            xshard *s = &x->shards[x->n];
            const xshard *f = &x->shards[fi];
            char why[6144];
            if (sets[g].have[k])
                continue;
            place_name(f, k, name, sizeof name);
            if (unread)
                snprintf(why, sizeof why, "shard %s: %zu of the shards of "
                         "the sets given were not given (%s of this one; "
                         "the shards that cannot be reached hold the "
                         "others)", name, extra, list);
            else
                snprintf(why, sizeof why, "shard %s (shard %zu of the set "
                         "of %zu that %s is in) was not given", name, k, rn,
                         f->location);
            s->location = strdup(name);
            s->left_out = strdup(why);
            x->n++;  /* freed with the others from here on */
            if (!s->location || !s->left_out) {
                rc = cari_set_error(err, CARI_ENOMEM, "out of memory");
                goto done;
            }
        }
    }
done:
    for (g = 0; g < nsets; g++)
        free(sets[g].have);
    free(sets);
    return rc;
}

/* May a shard that failed to open with rc be left out (and not fail the
 * whole open) under CARI_SHARDS_ALLOW_PARTIAL?  Unreachable or missing
 * shards may; one that is damaged or of another analyzer may not. */
static int may_leave_out(int rc)
{
    return rc == CARI_EIO || rc == CARI_ENOTFOUND;
}

void cari_xapian_index_close(cari_xapian_index *x)
{
    size_t i;
    if (!x)
        return;
    xc_database_free(x->db);
    for (i = 0; i < x->n; i++) {
        xc_database_free(x->shards[i].db);
        free(x->shards[i].location);
        free(x->shards[i].host);
        free(x->shards[i].left_out);
    }
    free(x->shards);
    free(x);
}

int cari_xapian_index_open(const char *const *locations, size_t n,
                           unsigned flags, cari_analyzer *an,
                           cari_xapian_index **out, cari_error *err)
{
    cari_xapian_index *x;
    cari_error first = {CARI_OK, ""};
    size_t i, live = 0;
    int rc = CARI_OK;
    *out = NULL;
    if (!locations || n == 0 || !an)
        return cari_set_error(err, CARI_EINVAL, "no index given");
    x = calloc(1, sizeof *x);
    if (!x || !(x->shards = calloc(n, sizeof *x->shards))) {
        free(x);
        return cari_set_error(err, CARI_ENOMEM, "out of memory");
    }
    x->an = an;
    x->flags = flags;
    x->n = n;
    for (i = 0; i < n; i++) {
        xshard *s = &x->shards[i];
        cari_error e;
        if (!locations[i] || !*locations[i]) {
            rc = cari_set_error(err, CARI_EINVAL, "an empty shard location");
            goto fail;
        }
        s->location = strdup(locations[i]);
        if (!s->location) {
            rc = cari_set_error(err, CARI_ENOMEM, "out of memory");
            goto fail;
        }
        if (strncmp(s->location, "tcp://", 6) == 0) {
            rc = parse_remote(s->location, &s->host, &s->port);
            if (rc) {
                cari_set_error(err, rc, "%s: a remote shard is "
                               "tcp://HOST:PORT", s->location);
                goto fail;
            }
        }
        rc = open_shard(s, an, &e);
        if (rc == CARI_OK) {
            live++;
            continue;
        }
        if (!(flags & CARI_SHARDS_ALLOW_PARTIAL) || !may_leave_out(rc)) {
            /* damage found at open: "shard LOC: ...", as found while
             * searching (name_damaged_shard) */
            if (rc == CARI_ECORRUPT && n > 1 &&
                strncmp(e.message, s->location, strlen(s->location)) == 0)
                cari_set_error(err, rc, "shard %s", e.message);
            else
                cari_set_error(err, rc, "%s", e.message);
            goto fail;
        }
        s->left_out = strdup(e.message);
        if (!s->left_out) {
            rc = cari_set_error(err, CARI_ENOMEM, "out of memory");
            goto fail;
        }
        if (first.code == CARI_OK)
            first = e;
        rc = CARI_OK;
    }
    if (live == 0) {
        rc = cari_set_error(err, first.code, "no shard could be searched: %s",
                            first.message);
        goto fail;
    }
    rc = distinct_shards(x, err);
    if (rc)
        goto fail;
    if (flags & CARI_XAPIAN_CHECK_SET) {
        rc = check_set(x, err);
        if (rc)
            goto fail;
    }
    rc = join_shards(x, err);
    if (rc)
        goto fail;
    *out = x;
    return CARI_OK;
fail:
    cari_xapian_index_close(x);
    return rc;
}

/* Passages and articles over the searched shards; terms summed over them
 * (as natively over segments); bytes of the local shards only (a server
 * does not say); segments = shards searched. */
void cari_xapian_index_stats(const cari_xapian_index *x,
                             cari_index_stats *out)
{
    xc_doccount docs = 0, articles = 0;
    size_t i;
    memset(out, 0, sizeof *out);
    if (!x || !x->db)
        return;
    if (xc_database_doccount(x->db, &docs) == XC_OK)
        out->passages = docs;
    if (xc_database_termfreq(x->db, FIRST_TERM, &articles) == XC_OK)
        out->articles = articles;
    for (i = 0; i < x->n; i++) {
        const xshard *s = &x->shards[i];
        if (!s->db)
            continue;
        out->segments++;
        out->terms += s->terms;
        out->bytes += s->bytes;
        if (s->generation > out->generation)
            out->generation = s->generation;
    }
}

size_t cari_xapian_index_shard_count(const cari_xapian_index *x)
{
    return x ? x->n : 0;
}

const char *cari_xapian_index_shard(const cari_xapian_index *x, size_t i,
                                    const char **left_out)
{
    if (left_out)
        *left_out = NULL;
    if (!x || i >= x->n)
        return NULL;
    if (left_out)
        *left_out = x->shards[i].left_out;
    return x->shards[i].location;
}

/*
 * After a network error: reconnect every remote shard that is to be
 * searched, so a server that went away is found (the connections of the
 * others may be mid-exchange and are replaced too).  Returns CARI_OK when
 * every shard answered or the unreachable ones could be left out
 * (*dropped counts them), else CARI_EIO naming the first unreachable
 * shard in msg.
 */
static int reconnect(cari_xapian_index *x, size_t *dropped, char *msg,
                     size_t cap)
{
    size_t i, live = 0;
    int rc = CARI_OK;
    cari_error e;
    *dropped = 0;
    for (i = 0; i < x->n; i++) {
        xshard *s = &x->shards[i];
        int r;
        if (s->left_out)
            continue;
        if (!s->host) {
            live++;
            continue;
        }
        xc_database_free(s->db);
        s->db = NULL;
        r = open_shard(s, x->an, &e);
        if (r == CARI_OK) {
            live++;
            continue;
        }
        if ((x->flags & CARI_SHARDS_ALLOW_PARTIAL) && may_leave_out(r)) {
            s->left_out = strdup(e.message);
            if (!s->left_out && rc == CARI_OK) {
                snprintf(msg, cap, "out of memory");
                rc = CARI_ENOMEM;
            }
            (*dropped)++;
            continue;
        }
        if (rc == CARI_OK) {
            snprintf(msg, cap, "%s", e.message);
            rc = r;
        }
    }
    if (rc == CARI_OK && live == 0) {
        for (i = 0; i < x->n && !x->shards[i].left_out; i++)
            ;
        snprintf(msg, cap, "no shard could be searched: %s",
                 i < x->n ? x->shards[i].left_out : "");
        rc = CARI_EIO;
    }
    if (rc == CARI_OK) {
        rc = join_shards(x, &e);
        if (rc)
            snprintf(msg, cap, "%s", e.message);
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* Queries                                                             */
/* ------------------------------------------------------------------ */

typedef struct qbuild {
    const cari_search_options *o;
    double title_only_weight;  /* title weight of title: leaves */
    const xc_database *db;     /* whose vocabulary expands prefixes */
    cari_arena *arena;         /* the expansions live here */
    cari_termlist extra;       /* expansions of positive PREFIX leaves: */
    size_t extra_cap;          /* highlighted like the query's terms */
    int negated;               /* building under a must_not */
} qbuild;

/* prefix + term[0..len) as a one-term query (match-nothing when the term
 * is too long to be in the index). */
static int term_query(const char *prefix, const char *term, size_t len,
                      xc_termpos pos, xc_query **out)
{
    char buf[MAX_TERM + 4];
    size_t pl = strlen(prefix);
    if (len > MAX_TERM)
        return xc_query_match_nothing(out);
    memcpy(buf, prefix, pl);
    memcpy(buf + pl, term, len);
    buf[pl + len] = '\0';
    return xc_query_term(buf, 1, pos, out);
}

/* Combine two optional subqueries with OR; either may be NULL.  Consumes
 * both handles. */
static int or2(xc_query *a, xc_query *b, xc_query **out)
{
    int xc;
    *out = NULL;
    if (!a || !b) {
        *out = a ? a : b;
        return *out ? XC_OK : xc_query_match_nothing(out);
    }
    xc = xc_query_combine2(XC_OP_OR, a, b, out);
    xc_query_free(a);
    xc_query_free(b);
    return xc;
}

/* Scale q by factor, consuming q. */
static int scaled(xc_query *q, double factor, xc_query **out)
{
    int xc;
    if (factor == 1.0) {
        *out = q;
        return XC_OK;
    }
    xc = xc_query_scale_weight(q, factor, out);
    xc_query_free(q);
    return xc;
}

/* The title part of a leaf counts title_weight times; with weight 0 the
 * title is not searched at all (as natively), but for a leaf the query
 * restricts to titles (fields: its CARI_QF_*), which counts
 * title_only_weight times. */
static int title_part(const qbuild *b, unsigned fields, xc_query *q,
                      xc_query **out)
{
    double w = fields == CARI_QF_TITLE ? b->title_only_weight
                                       : b->o->title_weight;
    if (w <= 0) {
        xc_query_free(q);
        *out = NULL;
        return XC_OK;
    }
    return scaled(q, w, out);
}

static int build_term(const qbuild *b, const cari_qnode *q, xc_query **out)
{
    xc_query *body = NULL, *title = NULL, *t = NULL;
    int xc = XC_OK;
    if (q->fields & CARI_QF_BODY)
        xc = term_query("", q->term, q->len, 0, &body);
    if (!xc && (q->fields & CARI_QF_TITLE)) {
        xc = term_query(TITLE_PREFIX, q->term, q->len, 0, &t);
        if (!xc)
            xc = title_part(b, q->fields, t, &title);
    }
    if (xc) {
        xc_query_free(body);
        return xc;
    }
    return or2(body, title, out);
}

/* PHRASE or NEAR over the terms with this prefix (one field). */
static int build_positional_field(const cari_qnode *q, const char *prefix,
                                  xc_query **out)
{
    xc_query **terms = calloc(q->nterms ? q->nterms : 1, sizeof *terms);
    xc_termcount window;
    size_t i;
    int xc = XC_OK;
    *out = NULL;
    if (!terms)
        return XC_ENOMEM;
    for (i = 0; i < q->nterms && !xc; i++)
        xc = term_query(prefix, q->terms[i], q->lens[i], (xc_termpos)(i + 1),
                        &terms[i]);
    if (q->op == CARI_Q_PHRASE)
        /* in order, as wide as the phrase's positions (gaps of dropped
         * stopwords included) */
        window = q->positions[q->nterms - 1] - q->positions[0] + 1;
    else
        window = q->window + 1;  /* Xapian counts the span inclusively */
    if (window < q->nterms)
        window = (xc_termcount)q->nterms;
    if (!xc)
        xc = xc_query_combine(q->op == CARI_Q_PHRASE ? XC_OP_PHRASE
                                                     : XC_OP_NEAR,
                              (const xc_query *const *)terms, q->nterms,
                              window, out);
    for (i = 0; i < q->nterms; i++)
        xc_query_free(terms[i]);
    free(terms);
    return xc;
}

static int build_positional(const qbuild *b, const cari_qnode *q,
                            xc_query **out)
{
    xc_query *body = NULL, *title = NULL, *t = NULL;
    int xc = XC_OK;
    if (q->nterms == 0)
        return xc_query_match_nothing(out);
    if (q->fields & CARI_QF_BODY)
        xc = build_positional_field(q, "", &body);
    if (!xc && (q->fields & CARI_QF_TITLE)) {
        xc = build_positional_field(q, TITLE_PREFIX, &t);
        if (!xc)
            xc = title_part(b, q->fields, t, &title);
    }
    if (xc) {
        xc_query_free(body);
        return xc;
    }
    return or2(body, title, out);
}

/* Add the terms of db starting with start (their field prefix of skip
 * bytes removed) to w, summing the frequencies of a word seen before. */
static int collect(const xc_database *db, const char *start, size_t skip,
                   cari_prefix_words *w)
{
    xc_termlist *tl = NULL;
    const char *t;
    size_t len, sl = strlen(start);
    int r, xc = xc_database_allterms(db, start, &tl);
    if (xc)
        return xc;
    while ((r = xc_termlist_next(tl, &t, &len)) == XC_OK) {
        xc_doccount df = 0;
        int added;
        if (len < sl || memcmp(t, start, sl) != 0)
            break;
        r = xc_termlist_termfreq(tl, &df);
        if (r)
            break;
        added = cari_prefix_words_add(w, t + skip, len - skip, df);
        if (added == CARI_ENOMEM) {
            r = XC_ENOMEM;
            break;
        }
        if (added) { /* CARI_Q_PREFIX_GATHER words: as natively */
            r = XC_END;
            break;
        }
    }
    xc_termlist_free(tl);
    return r == XC_END ? XC_OK : r;
}

/*
 * A PREFIX leaf, expanded as the native backend expands it: the
 * CARI_Q_PREFIX_TERMS terms of the vocabulary (words and "=forms", in the
 * leaf's fields) that start with the prefix and occur in the most
 * documents, OR'ed as ordinary term leaves.  Expanding here rather than
 * with Xapian's wildcard keeps the statistics of every expanded term
 * global over shards (a wildcard expands and weighs shard by shard).
 */
static int build_prefix(qbuild *b, const cari_qnode *q, xc_query **out)
{
    char start[MAX_TERM + 4];
    cari_prefix_words e;
    xc_query **kids = NULL;
    size_t keep = 0, i;
    int xc = XC_OK, field;
    *out = NULL;
    if (q->len > MAX_TERM)
        return xc_query_match_nothing(out);
    memset(&e, 0, sizeof e);
    e.arena = b->arena;
    for (field = 0; field < 2 && !xc; field++) {
        const char *fp = field ? TITLE_PREFIX : "";
        if (!(q->fields & (field ? CARI_QF_TITLE : CARI_QF_BODY)))
            continue;
        snprintf(start, sizeof start, "%s%.*s", fp, (int)q->len, q->term);
        xc = collect(b->db, start, strlen(fp), &e);
        snprintf(start, sizeof start, "%s=%.*s", fp, (int)q->len, q->term);
        if (!xc)
            xc = collect(b->db, start, strlen(fp), &e);
    }
    if (!xc && e.n == 0)
        xc = xc_query_match_nothing(out);
    if (xc || e.n == 0)
        goto done;
    keep = cari_prefix_words_first(&e, CARI_Q_PREFIX_TERMS);
    kids = calloc(keep, sizeof *kids);
    if (!kids) {
        xc = XC_ENOMEM;
        goto done;
    }
    for (i = 0; i < keep && !xc; i++) {
        cari_qnode leaf;
        memset(&leaf, 0, sizeof leaf);
        leaf.op = CARI_Q_TERM;
        leaf.fields = q->fields;
        leaf.weight = 1.0;
        leaf.term = e.items[i].term;
        leaf.len = e.items[i].len;
        xc = build_term(b, &leaf, &kids[i]);
        if (!xc && !b->negated &&
            cari_termlist_push(&b->extra, b->arena, &b->extra_cap,
                               leaf.term, leaf.len))
            xc = XC_ENOMEM;
    }
    if (!xc)
        xc = xc_query_combine(XC_OP_OR, (const xc_query *const *)kids, keep,
                              0, out);
done:
    if (kids)
        for (i = 0; i < keep; i++)
            xc_query_free(kids[i]);
    free(kids);
    cari_prefix_words_free(&e);
    return xc;
}

static int build(qbuild *b, const cari_qnode *q, xc_query **out);

/* op over the built children (n >= 1). */
static int build_list(qbuild *b, cari_qnode **items, size_t n, xc_query_op op,
                      xc_query **out)
{
    xc_query **kids = calloc(n, sizeof *kids);
    size_t i;
    int xc = XC_OK;
    *out = NULL;
    if (!kids)
        return XC_ENOMEM;
    for (i = 0; i < n && !xc; i++)
        xc = build(b, items[i], &kids[i]);
    if (!xc && n == 1) {
        *out = kids[0];
        kids[0] = NULL;
    } else if (!xc) {
        xc = xc_query_combine(op, (const xc_query *const *)kids, n, 0, out);
    }
    for (i = 0; i < n; i++)
        xc_query_free(kids[i]);
    free(kids);
    return xc;
}

static int build_bool(qbuild *b, const cari_qnode *q, xc_query **out)
{
    xc_query *must = NULL, *should = NULL, *excluded = NULL, *r = NULL;
    int xc = XC_OK;
    *out = NULL;
    if (q->nmust)
        xc = build_list(b, q->must, q->nmust, XC_OP_AND, &must);
    if (!xc && q->nshould)
        xc = build_list(b, q->should, q->nshould, XC_OP_OR, &should);
    if (!xc && q->nmust_not) {
        b->negated++;
        xc = build_list(b, q->must_not, q->nmust_not, XC_OP_OR, &excluded);
        b->negated--;
    }
    if (xc)
        goto done;
    if (must && should) {
        /* the required part matches; the optional part adds weight:
         * must AND (should OR 0 * everything), not OP_AND_MAYBE, which
         * Xapian 1.4 gets wrong -- pruning, its AND_MAYBE skips a passage
         * that holds both parts, and it can add the weight of an optional
         * phrase that does not match (wrong scores, different again over
         * shards) */
        xc_query *every = NULL, *none = NULL, *opt = NULL;
        xc = xc_query_match_all(&every);
        if (!xc)
            xc = xc_query_scale_weight(every, 0.0, &none);
        if (!xc)
            xc = xc_query_combine2(XC_OP_OR, should, none, &opt);
        if (!xc)
            xc = xc_query_combine2(XC_OP_AND, must, opt, &r);
        xc_query_free(every);
        xc_query_free(none);
        xc_query_free(opt);
    } else {
        r = must ? must : should;
        if (r == must)
            must = NULL;
        else
            should = NULL;
        if (!r)
            xc = xc_query_match_nothing(&r);
    }
    if (!xc && excluded) {
        xc_query *keep = r;
        r = NULL;
        xc = xc_query_combine2(XC_OP_AND_NOT, keep, excluded, &r);
        xc_query_free(keep);
    }
done:
    xc_query_free(must);
    xc_query_free(should);
    xc_query_free(excluded);
    if (xc) {
        xc_query_free(r);
        return xc;
    }
    *out = r;
    return XC_OK;
}

static int build(qbuild *b, const cari_qnode *q, xc_query **out)
{
    xc_query *r = NULL;
    int xc;
    *out = NULL;
    switch (q->op) {
    case CARI_Q_TERM: xc = build_term(b, q, &r); break;
    case CARI_Q_PHRASE:
    case CARI_Q_NEAR: xc = build_positional(b, q, &r); break;
    case CARI_Q_PREFIX: xc = build_prefix(b, q, &r); break;
    case CARI_Q_BOOL: xc = build_bool(b, q, &r); break;
    default: return XC_EINVAL;
    }
    if (xc)
        return xc;
    if (q->weight != 1.0 && q->weight >= 0)
        return scaled(r, q->weight, out);
    *out = r;
    return XC_OK;
}

/* ------------------------------------------------------------------ */
/* Search                                                              */
/* ------------------------------------------------------------------ */

static int parse_u32(const char *s, size_t len, uint32_t *out)
{
    uint64_t v = 0;
    size_t i;
    if (len == 0 || len > 10)
        return -1;
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > UINT32_MAX)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* A value of doc copied into the hits' arena; *xc gets the shim status. */
static char *value_of(xc_document *doc, xc_valueno slot, cari_arena *arena,
                      size_t *len, int *xc)
{
    char *v = NULL, *copy;
    *xc = xc_document_get_value(doc, slot, &v, len);
    if (*xc)
        return NULL;
    copy = cari_arena_strndup(arena, v, *len);
    xc_free(v);
    if (!copy)
        *xc = XC_ENOMEM;
    return copy;
}

typedef struct search_state {
    cari_xapian_index *x;
    const cari_qnode *q;
    const cari_search_options *o;
    double title_only_weight;
    cari_tokvec scratch;
    char *errmsg;
    size_t errcap;
} search_state;

/* How many shards x->db joins (those left out not counted). */
static size_t searched_shards(const cari_xapian_index *x)
{
    size_t i, n = 0;
    for (i = 0; i < x->n; i++)
        if (x->shards[i].db)
            n++;
    return n;
}

/* The location of the shard that holds docid of the joined database
 * (join_shards: Xapian interleaves the docids of its n databases, the
 * k-th holding those with (docid - 1) % n == k), or NULL. */
static const char *shard_of_docid(const cari_xapian_index *x, xc_docid docid)
{
    size_t i, n = searched_shards(x), k;
    if (n == 0 || docid == 0)
        return NULL;
    k = (size_t)((docid - 1) % n);
    for (i = 0; i < x->n; i++)
        if (x->shards[i].db && k-- == 0)
            return x->shards[i].location;
    return NULL;
}

/* Fill hit (item i of mset) as search.c's fill_hit does for a native
 * hit.  Returns a cari code; a shim failure is reported through *xc. */
static int fill_hit(search_state *st, cari_hits *h, const xc_mset *mset,
                    xc_doccount i, const cari_termlist *tl, cari_hit *hit,
                    int *xc)
{
    const cari_search_options *o = st->o;
    xc_mset_item item;
    xc_document *doc = NULL;
    char *v, *data = NULL;
    size_t len, dlen = 0;
    uint32_t passage, start, end, tlen, mlen;
    int rc = CARI_OK;
    memset(hit, 0, sizeof *hit);
    *xc = xc_mset_get_item(mset, i, &item);
    if (!*xc)
        *xc = xc_mset_get_document(mset, i, &doc);
    if (*xc)
        return map_read_code(*xc);
    hit->score = item.weight;
    hit->title = "";
    hit->id = value_of(doc, SLOT_ID, &h->arena, &hit->id_len, xc);
    if (!*xc) {
        v = value_of(doc, SLOT_PASSAGE, &h->arena, &len, xc);
        if (!*xc && parse_u32(v, len, &passage))
            rc = CARI_ECORRUPT;
    }
    if (!*xc && !rc) {
        v = value_of(doc, SLOT_START, &h->arena, &len, xc);
        if (!*xc && parse_u32(v, len, &start))
            rc = CARI_ECORRUPT;
    }
    if (!*xc && !rc) {
        v = value_of(doc, SLOT_END, &h->arena, &len, xc);
        if (!*xc && parse_u32(v, len, &end))
            rc = CARI_ECORRUPT;
    }
    if (*xc || rc)
        goto done;
    if (hit->id_len == 0 || start > end) {
        rc = CARI_ECORRUPT;
        goto done;
    }
    hit->passage = passage;
    hit->start = start;
    hit->end = end;
    if (!(o->flags & (CARI_SEARCH_STORED | CARI_SEARCH_SNIPPETS)))
        goto done;
    *xc = xc_document_get_data(doc, &data, &dlen);
    if (*xc)
        goto done;
    /* title, meta, passage text (see the top of the file) */
    if (dlen < 8 || (tlen = cari_get_u32((unsigned char *)data)) > dlen - 8 ||
        (mlen = cari_get_u32((unsigned char *)data + 4 + tlen)) >
            dlen - 8 - tlen ||
        dlen - 8 - tlen - mlen != (size_t)(end - start)) {
        rc = CARI_ECORRUPT;
        goto done;
    }
    hit->title = cari_arena_strndup(&h->arena, data + 4, tlen);
    hit->title_len = tlen;
    hit->meta = mlen ? cari_arena_strndup(&h->arena, data + 8 + tlen, mlen)
                     : NULL;
    hit->meta_len = mlen;
    if (!hit->title || (mlen && !hit->meta)) {
        rc = CARI_ENOMEM;
        goto done;
    }
    if (o->flags & CARI_SEARCH_SNIPPETS) {
        char *snip;
        cari_span *hl;
        hit->text = cari_arena_strndup(&h->arena, data + 8 + tlen + mlen,
                                       end - start);
        hit->text_len = end - start;
        if (!hit->text) {
            rc = CARI_ENOMEM;
            goto done;
        }
        rc = cari_snippet(st->x->an, hit->text, hit->text_len, tl,
                          o->snippet_words, &st->scratch, &h->arena, &snip,
                          &hit->snippet_len, &hl, &hit->highlight_count);
        if (rc)
            goto done;
        hit->snippet = snip;
        hit->highlights = hl;
    }
done:
    xc_free(data);
    xc_document_free(doc);
    if (*xc)
        return map_read_code(*xc);
    if (!rc && !hit->id)
        rc = CARI_ENOMEM;
    return rc;
}

/*
 * Near ties.  A passage's weight is the sum of its terms' weights, which
 * each shard adds up in the order of its own postlist tree: passages that
 * tie in one index can differ in their last bits over shards (or the
 * reverse), and Xapian then orders them by weight, not by the tie key
 * (SLOT_TIE) -- shards ranked them apart from one index.  Weights within
 * TIE_EPS (relative) of the first of a run count as that weight, and the
 * run is ordered by SLOT_TIE, as exact ties are.
 */
#define TIE_EPS 1e-12

static int near_tie(double a, double b)
{
    double m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
    return fabs(a - b) <= TIE_EPS * (m > 1.0 ? m : 1.0);
}

typedef struct tie_item {
    xc_doccount i;
    char *key;
    size_t len;
} tie_item;

static int cmp_tie(const void *x, const void *y)
{
    const tie_item *a = x, *b = y;
    int c = cari_bytes_cmp(a->key, a->len, b->key, b->len);
    return c ? c : (a->i > b->i) - (a->i < b->i);
}

/* The n items of mset in rank order: *order holds their numbers in the
 * mset, near ties ordered by SLOT_TIE; (*score)[i] is item i's weight,
 * the first of its run's for a near tie.  *open: where the run of the
 * last item starts (it may go on past the mset). */
static int rank_order(const xc_mset *mset, size_t n, cari_arena *arena,
                      xc_doccount **order, double **score, size_t *open)
{
    size_t i, j, k;
    int xc = XC_OK;
    *order = cari_arena_alloc(arena, (n + 1) * sizeof **order);
    *score = cari_arena_alloc(arena, (n + 1) * sizeof **score);
    if (!*order || !*score)
        return XC_ENOMEM;
    for (i = 0; i < n && !xc; i++) {
        xc_mset_item item;
        xc = xc_mset_get_item(mset, (xc_doccount)i, &item);
        (*order)[i] = (xc_doccount)i;
        (*score)[i] = item.weight;
    }
    *open = n;
    for (i = 0; i < n && !xc; i = j) {
        double w = (*score)[i];
        int exact = 1;
        tie_item *t;
        for (j = i + 1; j < n && near_tie(w, (*score)[j]); j++)
            if ((*score)[j] != w)
                exact = 0;
        if (j == n)
            *open = i;
        if (exact)
            continue;  /* Xapian ordered them by the key */
        t = calloc(j - i, sizeof *t);
        if (!t)
            return XC_ENOMEM;
        for (k = i; k < j && !xc; k++) {
            t[k - i].i = (xc_doccount)k;
            xc = xc_mset_get_value(mset, (xc_doccount)k, SLOT_TIE,
                                   &t[k - i].key, &t[k - i].len);
        }
        if (!xc) {
            qsort(t, j - i, sizeof *t, cmp_tie);
            for (k = i; k < j; k++) {
                (*order)[k] = t[k - i].i;
                (*score)[k] = w;
            }
        }
        for (k = i; k < j; k++)
            xc_free(t[k - i].key);
        free(t);
    }
    return xc;
}

/* The first *depth items of the ranking (*depth capped at what an mset
 * can hold) into *mset, with *info and rank_order's *order, *score and
 * *open.  count_all: look at every match, so that info->matches_estimated
 * is their exact number. */
static int read_ranking(xc_enquire *enq, size_t *depth, int count_all,
                        cari_arena *arena, xc_mset **mset,
                        xc_mset_info *info, xc_doccount **order,
                        double **score, size_t *open)
{
    int xc;
    if (*depth > 0xFFFFFFFFu)
        *depth = 0xFFFFFFFFu;
    /* Xapian caps check_at_least at the document count */
    xc = xc_enquire_get_mset(enq, 0, (xc_doccount)*depth,
                             count_all ? 0xFFFFFFFFu : 0, mset);
    if (!xc)
        xc = xc_mset_get_info(*mset, info);
    if (!xc)
        xc = rank_order(*mset, (size_t)info->size, arena, order, score, open);
    return xc;
}

/* The ranking read from its start to the page's end and one more (deeper
 * while a run of near ties may go on past what was read): *order, *n and
 * *score as rank_order makes them.  -n 0 (limit 0) counts every match, as
 * natively: Xapian's estimate of a total was no count (found by review,
 * 2026-12-01: banjir on corpus/ "14 passages match" against 9, and
 * rumah NEAR/5 rusak 3 against 4). */
static int ranked_mset(xc_enquire *enq, const cari_search_options *o,
                       int count_all, cari_arena *arena, xc_mset **mset,
                       xc_doccount **order, size_t *n, double **score)
{
    size_t want = o->offset + o->limit, depth = want + 1;
    for (;;) {
        xc_mset_info info;
        size_t open = 0;
        int xc = read_ranking(enq, &depth, count_all || o->limit == 0, arena,
                              mset, &info, order, score, &open);
        if (xc)
            return xc;
        *n = info.size;
        if (info.size < depth || open >= want || depth == 0xFFFFFFFFu)
            return XC_OK;
        xc_mset_free(*mset);
        *mset = NULL;
        depth *= 2;
    }
}

/*
 * At most o->group passages of an article (search.c's grouping): the
 * ranking read deep enough that, keeping each article's first o->group
 * passages in rank order, offset + limit are left (or everything
 * matching was read).  *pick: the kept items' numbers in *mset, *npick
 * of them; *all: every match was read.  Xapian's own collapsing
 * (Enquire::set_collapse_key) would do it, but reads the article id of
 * every candidate it weighs: known-item queries took 1.9 times as long.
 */
static int grouped_mset(xc_enquire *enq, const cari_search_options *o,
                        int count_all, cari_arena *arena, xc_mset **mset,
                        xc_doccount **pick, size_t *npick, int *all,
                        double **score)
{
    size_t want = o->offset + o->limit, depth = 3 * want + 10;
    int xc;
    for (;;) {
        xc_mset_info info;
        uint64_t *keys;
        uint32_t *counts;
        xc_doccount *order = NULL;
        size_t nslots, i, open = 0, last = 0;
        xc = read_ranking(enq, &depth, count_all, arena, mset, &info, &order,
                          score, &open);
        if (xc)
            return xc;
        xc_mset_fetch(*mset);  /* one round trip per remote shard */
        keys = cari_key_table(arena, (size_t)info.size, &nslots);
        counts = keys ? cari_arena_alloc(arena, nslots * sizeof *counts)
                      : NULL;
        *pick = cari_arena_alloc(arena, ((size_t)info.size + 1) *
                                            sizeof **pick);
        if (!keys || !counts || !*pick)
            return XC_ENOMEM;
        *npick = 0;
        for (i = 0; i < info.size && (*npick < want || info.size < depth);
             i++) {
            xc_document *doc = NULL;
            char *id = NULL;
            size_t len = 0, slot;
            uint64_t key;
            xc = xc_mset_get_document(*mset, order[i], &doc);
            if (!xc)
                xc = xc_document_get_value(doc, SLOT_ID, &id, &len);
            xc_document_free(doc);
            if (xc)
                return xc;
            /* the id's hash stands for the article (never UINT64_MAX,
             * an empty slot) */
            key = cari_hash64(id, len) >> 1;
            xc_free(id);
            slot = cari_key_slot(keys, nslots, key);
            if (keys[slot] == UINT64_MAX) {
                keys[slot] = key;
                counts[slot] = 0;
            }
            if (counts[slot]++ < o->group) {
                (*pick)[(*npick)++] = order[i];
                last = i;
            }
        }
        /* the mset holds every match, and all were grouped */
        *all = info.size < depth && i == info.size;
        /* done, unless the last item kept is in a run of near ties that
         * may go on past the mset */
        if (((*npick >= want && (info.size < depth || open > last)) ||
             *all || depth == 0xFFFFFFFFu))
            return XC_OK;
        xc_mset_free(*mset);
        *mset = NULL;
        depth *= 2;
    }
}

/* One search over x->db.  On a shim failure *xc holds its status and the
 * message is in errmsg. */
static int run_search(search_state *st, cari_hits **out, int *xc)
{
    const cari_search_options *o = st->o;
    qbuild b;
    xc_query *query = NULL;
    xc_enquire *enq = NULL;
    xc_mset *mset = NULL;
    xc_mset_info info;
    cari_hits *h = NULL;
    cari_termlist base = {0};
    size_t cap = 0, i, npick = 0, first = 0;
    xc_doccount *pick = NULL;  /* the items in rank order (grouped: kept) */
    double *score = NULL;      /* by item: its weight, near ties evened */
    int rc = CARI_OK, all = 0, grouped = o->group > 0 && o->limit > 0;
    /* Over several databases Xapian 1.4's matcher, once its mset is
     * full, can skip a match that belongs in it (found by review,
     * 2026-12-01: `dalam pemberantasan korupsi` -n 60 over three shards
     * of 3,000 clickid_news articles lost the one index's rank 47;
     * reproduced with libxapian alone, and only check_at_least of every
     * match avoided it).  So shards look at every match: the pages and
     * totals are the one index's, for about 18% more time there (2,500
     * queries: 1.71 -> 2.02 s). */
    int shards = searched_shards(st->x) > 1;
    *out = NULL;
    *xc = XC_OK;
    h = cari_hits_new();
    if (!h)
        return CARI_ENOMEM;
    memset(&b, 0, sizeof b);
    b.o = o;
    b.title_only_weight = st->title_only_weight;
    b.db = st->x->db;
    b.arena = &h->arena;
    *xc = build(&b, st->q, &query);
    if (!*xc)
        *xc = xc_enquire_new(st->x->db, &enq);
    if (!*xc)
        *xc = xc_enquire_set_query(enq, query);
    if (!*xc)
        *xc = xc_enquire_set_weighting_bm25(enq, o->k1, 0.0, 1.0, o->b, 0.0);
    /* ties as natively (SLOT_TIE), so shards rank as one index; an empty
     * slot (an older index) sorts first and leaves docid order */
    if (!*xc)
        *xc = xc_enquire_set_sort(enq, XC_SORT_RELEVANCE_THEN_VALUE,
                                  SLOT_TIE, 0);
    if (!*xc)
        *xc = grouped ? grouped_mset(enq, o, shards, &h->arena, &mset, &pick,
                                     &npick, &all, &score)
                      : ranked_mset(enq, o, shards, &h->arena, &mset, &pick,
                                    &npick, &score);
    if (!*xc)
        *xc = xc_mset_get_info(mset, &info);
    if (*xc) {
        rc = map_read_code(*xc);
        goto done;
    }
    h->total = info.matches_estimated;
    /* every match seen: the grouped count, as natively */
    if (grouped && all)
        h->total = npick;
    /* the page of the ranking (read from its start) */
    first = o->offset < npick ? o->offset : npick;
    info.size = (xc_doccount)(npick - first);
    if (info.size > o->limit)
        info.size = (xc_doccount)o->limit;
    /* no fewer than the ranks shown; a page past the end shows none, so
     * the offset alone says nothing of the total (found by review:
     * --offset 100 banjir said "100 passages for" where 2 match) */
    if (h->total < first + info.size)
        h->total = first + info.size;
    if (info.size == 0)
        goto done;
    /* what the snippets highlight: the query's terms and the prefixes'
     * expansions, as natively */
    rc = cari_query_terms(st->q, &h->arena, &base, &cap);
    for (i = 0; i < b.extra.n && !rc; i++)
        rc = cari_termlist_push(&base, &h->arena, &cap, b.extra.terms[i],
                                b.extra.lens[i]);
    if (!rc)
        rc = cari_hits_reserve(h, info.size);
    if (!rc && o->offset == 0 && !grouped)
        xc_mset_fetch(mset);  /* one round trip per remote shard */
    for (i = 0; i < info.size && !rc; i++) {
        rc = fill_hit(st, h, mset, pick[first + i], &base, &h->items[i], xc);
        h->items[i].score = score[pick[first + i]];
    }
    if (rc == CARI_ECORRUPT && !*xc) {
        /* name the shard that holds it (found by review: a damaged
         * remote shard among others was not named) */
        xc_mset_item item;
        const char *where = NULL;
        if (xc_mset_get_item(mset, pick[first + i - 1], &item) == 0)
            where = shard_of_docid(st->x, item.docid);
        snprintf(st->errmsg, st->errcap,
                 "%s%sthe stored passage does not match its values",
                 where ? where : "", where ? ": " : "");
    }
done:
    if (*xc)
        snprintf(st->errmsg, st->errcap, "%s", xc_detail());
    xc_mset_free(mset);
    xc_enquire_free(enq);
    xc_query_free(query);
    if (rc) {
        cari_hits_free(h);
        return rc;
    }
    *out = h;
    return CARI_OK;
}

static int has_remote(const cari_xapian_index *x)
{
    size_t i;
    for (i = 0; i < x->n; i++)
        if (x->shards[i].host && !x->shards[i].left_out)
            return 1;
    return 0;
}

/*
 * A search failed on damage that Xapian reported for the joined database
 * (a block of one shard's table that does not parse, met while matching):
 * its message does not say whose, and a user with N shards on N machines
 * needs to know which to rebuild (found by review: "index is damaged
 * (DatabaseCorruptError: dir_end invalid in block 1)").  Run the search
 * again on each shard alone -- an error path only -- and put the first
 * whose search fails on damage in front of the message; if none does
 * (damage met only through the joined view), say that Xapian did not
 * tell, and how to find it.
 */
static void name_damaged_shard(search_state *st)
{
    cari_xapian_index *x = st->x;
    char detail[512], probe_msg[512];
    size_t i, found = x->n, live = searched_shards(x);
    snprintf(detail, sizeof detail, "%s", st->errmsg);
    for (i = 0; i < x->n && found == x->n; i++) {
        cari_xapian_index one;
        search_state ps;
        cari_hits *h = NULL;
        int pxc = XC_OK;
        if (!x->shards[i].db)
            continue;
        if (live == 1) {
            found = i;  /* the only one searched: no need to ask */
            break;
        }
        one = *x;
        one.shards = &x->shards[i];
        one.n = 1;
        one.db = x->shards[i].db;
        ps = *st;
        ps.x = &one;
        memset(&ps.scratch, 0, sizeof ps.scratch);
        ps.errmsg = probe_msg;
        ps.errcap = sizeof probe_msg;
        if (run_search(&ps, &h, &pxc) == CARI_ECORRUPT)
            found = i;
        cari_hits_free(h);
        cari_tokvec_free(&ps.scratch);
    }
    if (found < x->n)
        snprintf(st->errmsg, st->errcap, "shard %s: %s",
                 x->shards[found].location, detail);
    else
        snprintf(st->errmsg, st->errcap, "%s; Xapian does not say in "
                 "which of the %zu shards (cari-index --check on each "
                 "finds it)", detail, live);
}

int cari_xapian_search(cari_xapian_index *x, const cari_qnode *q,
                       const cari_search_options *o, double title_only_weight,
                       cari_hits **out, char *errmsg, size_t errcap)
{
    search_state st;
    int rc, xc = XC_OK, attempt, reopened = 0;
    *out = NULL;
    if (!x || !q || !o || !x->db)
        return CARI_EINVAL;
    memset(&st, 0, sizeof st);
    st.x = x;
    st.q = q;
    st.o = o;
    st.title_only_weight = title_only_weight;
    st.errmsg = errmsg;
    st.errcap = errcap;
    for (attempt = 0;; attempt++) {
        size_t dropped = 0;
        rc = run_search(&st, out, &xc);
        /* a writer committed twice since the database was opened and the
         * revision being read is gone: read the newest one, a bounded
         * number of times (a writer committing without pause could
         * otherwise keep a search from ever finishing) */
        if (rc != CARI_OK && xc == XC_EMODIFIED &&
            reopened < MAX_REOPEN_RETRIES) {
            reopened++;
            attempt--;
            errmsg[0] = '\0';
            xc = xc_database_reopen(x->db, NULL);
            if (xc == XC_OK) {
                refresh_shards(x);
                continue;
            }
            rc = map_code(xc);
            snprintf(errmsg, errcap, "%s", xc_detail());
            break;
        }
        if (rc == CARI_OK || !is_network(xc) || !has_remote(x) || attempt > 0)
            break;
        /* which shard went away?  With ALLOW_PARTIAL, search the rest */
        rc = reconnect(x, &dropped, errmsg, errcap);
        if (rc)
            break;
    }
    /* damage the shim reported (not fill_hit's own finding, which
     * names its shard) */
    if (rc == CARI_ECORRUPT && xc != XC_OK && x->n > 1)
        name_damaged_shard(&st);
    if (rc && is_network(xc) && errmsg[0] &&
        strncmp(errmsg, "shard ", 6) != 0) {
        char detail[512];
        snprintf(detail, sizeof detail, "%s", errmsg);
        snprintf(errmsg, errcap, "a remote shard failed: %s", detail);
    }
    cari_tokvec_free(&st.scratch);
    return rc;
}
