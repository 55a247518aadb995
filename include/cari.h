/*
 * cari.h -- the public interface of libcari, a full-text search engine for
 * Indonesian article collections.
 *
 * This header is the manual.  Conventions used throughout:
 *
 *  - Every function that can fail returns an int: CARI_OK (0) on success or
 *    a negative CARI_E* code.  cari_strerror() names every code.  Handles
 *    keep a detail message of their last failure (cari_*_errmsg()); functions
 *    that create a handle take an optional cari_error * that receives the
 *    code and the detail message when they fail.
 *  - Output parameters come last, as `T **out`; *out is set to NULL on
 *    failure.  Every *_free / *_close function accepts NULL.
 *  - The library never prints, never exits and never aborts on bad input or
 *    damaged index data: it returns CARI_EINPUT / CARI_ECORRUPT and says why.
 *  - Strings are UTF-8 and come with explicit lengths; returned strings are
 *    also NUL-terminated for convenience.  Pointers returned by the library
 *    are borrowed: each says which handle owns it and until when it stays
 *    valid.
 *  - Options structs carry a `version` field; initialise them with their
 *    *_INIT macro and then set the fields you care about.
 *  - Handles are not thread-safe; a cari_index may be used by one thread at
 *    a time.  Distinct handles may be used from distinct threads.
 */
#ifndef CARI_H
#define CARI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define CARI_API __attribute__((visibility("default")))
#else
#define CARI_API
#endif

#define CARI_VERSION_STRING "0.1.0"
#define CARI_VERSION_MAJOR 0
#define CARI_VERSION_MINOR 1
#define CARI_VERSION_PATCH 0

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

enum {
    CARI_OK = 0,
    CARI_ENOMEM = -1,     /* out of memory */
    CARI_EIO = -2,        /* a read, write, fsync or rename failed */
    CARI_ECORRUPT = -3,   /* index data is damaged (checksum, structure) */
    CARI_EVERSION = -4,   /* index format or analyzer settings differ */
    CARI_ESYNTAX = -5,    /* the query cannot be parsed */
    CARI_ENOTFOUND = -6,  /* no index at that path, or no such article */
    CARI_EINVAL = -7,     /* a bad argument */
    CARI_ELOCKED = -8,    /* another writer holds the index lock */
    CARI_EINPUT = -9,     /* a bad input record (malformed JSON, bad UTF-8) */
    CARI_EXAPIAN = -10,   /* an error reported by the Xapian backend */
    CARI_EUNSUPPORTED = -11, /* a feature that was not built in */
    CARI_ENOSPACE = -12,  /* the disk is full */
    CARI_ENOTERMS = -13,  /* the query holds no searchable term */
    CARI_ENOTDURABLE = -14 /* a commit is visible, but syncing the index
                              directory afterwards failed: it may not
                              survive a power loss */
};

/* Detail of a failed handle-creating call. */
typedef struct cari_error {
    int code;
    char message[512];
} cari_error;

/* A static, never-NULL description of an error code. */
CARI_API const char *cari_strerror(int code);

/* The library version, e.g. "0.1.0". */
CARI_API const char *cari_version(void);

/* ------------------------------------------------------------------ */
/* Articles and input readers                                          */
/* ------------------------------------------------------------------ */

/* One article.  All strings are borrowed from whoever filled the struct.
 * meta is a JSON object text of the extra fields (may be NULL/0). */
typedef struct cari_article {
    const char *id;
    size_t id_len;
    const char *title;
    size_t title_len;
    const char *text;
    size_t text_len;
    const char *meta;
    size_t meta_len;
} cari_article;

typedef struct cari_reader cari_reader;

/* Called once for every record a reader skips: the file it came from, the
 * 1-based line (0 when the problem is not tied to a line) and why. */
typedef void (*cari_warning_fn)(void *ctx, const char *file, long line,
                                const char *message);
/* The message of the warning that ends a gzip file at damage or a cut
 * (its last warning), so that a caller that shows only some of a file's
 * warnings can still show this one. */
#define CARI_WARNING_GZIP_DAMAGED \
    "damaged or truncated gzip data; rest of file skipped"
/* The same for bytes after a gzip file's last member that are no member
 * (a plain file appended to a gzip one): its last warning too. */
#define CARI_WARNING_GZIP_TRAILING \
    "bytes after the last gzip member are not gzip data; rest of file skipped"

/*
 * Open an input: a ".jsonl" or ".jsonl.gz" file of {"id","title","text",...}
 * objects, one per line; a directory, read recursively in name order (its
 * ".txt", ".md" and ".markdown" files are articles whose first line is the
 * title and whose id is the path relative to the directory;
 * ".jsonl"/".jsonl.gz" files inside it are read as above, and so are
 * ".json" and ".ndjson" files, gzip'd or not; suffixes match in any case;
 * names that start with "." are passed over, links to directories are not
 * followed);
 * or "-" for JSON Lines on standard input.  A path that is not a directory
 * is read as JSON Lines whatever its name, unless it ends in ".txt", ".md"
 * or ".markdown" (one article, whose id is the path without a leading
 * "./").  An
 * id that is a JSON integer is taken as its decimal text.
 * Records that cannot be used are reported to warn (may be NULL) and skipped.
 */
CARI_API int cari_reader_open(const char *path, cari_warning_fn warn,
                              void *warn_ctx, cari_reader **out,
                              cari_error *err);

/*
 * Read the next article into *article.  Returns 1 when an article was read,
 * 0 at the end of input, or a negative code on an error that ends the input
 * (e.g. CARI_EIO when a read fails, or when a signal whose handler was set
 * without SA_RESTART interrupts it: a program can stop a reader waiting on
 * a pipe so).  The article's strings are owned by the
 * reader and stay valid until the next call or cari_reader_close().
 */
CARI_API int cari_reader_next(cari_reader *reader, cari_article *article);

/* Where the last article came from: file name and 1-based line.  Borrowed
 * from the reader, valid until the next call. */
CARI_API const char *cari_reader_file(const cari_reader *reader);
CARI_API long cari_reader_line(const cari_reader *reader);
/* Input bytes consumed so far (uncompressed), and records skipped (JSON
 * Lines records and .txt/.md files, each one article, that got a
 * warning). */
CARI_API uint64_t cari_reader_bytes(const cari_reader *reader);
CARI_API uint64_t cari_reader_skipped(const cari_reader *reader);
/* The other warnings: about a directory (not readable, nested too deep),
 * a path that cannot be examined, a JSON Lines file not read (cannot be
 * opened, compressed otherwise than with gzip) or not read to its end
 * (CARI_WARNING_GZIP_DAMAGED, CARI_WARNING_GZIP_TRAILING).  The records
 * such inputs held are not counted: they were never read. */
CARI_API uint64_t cari_reader_file_warnings(const cari_reader *reader);
CARI_API const char *cari_reader_errmsg(const cari_reader *reader);
CARI_API void cari_reader_close(cari_reader *reader);

/* ------------------------------------------------------------------ */
/* The analyzer                                                        */
/* ------------------------------------------------------------------ */

typedef struct cari_analyzer cari_analyzer;

/* One token.  surface is the text as written (start/end are byte offsets in
 * the analyzed text); term is the indexed form.  A token may yield several
 * terms at the same position (e.g. a compound and its parts): they are
 * reported as consecutive tokens with the same position, the first one with
 * alternative == 0.  Strings are borrowed until the callback returns. */
typedef struct cari_token {
    const char *term;
    size_t term_len;
    size_t start, end;
    uint32_t position;
    int stop;        /* 1: a stopword: has a position, is not indexed */
    int alternative; /* 1: an extra term at the previous token's position */
} cari_token;

/* Return non-zero from the callback to stop early (that value is returned). */
typedef int (*cari_token_fn)(void *ctx, const cari_token *token);

CARI_API int cari_analyzer_new(cari_analyzer **out, cari_error *err);
CARI_API void cari_analyzer_free(cari_analyzer *analyzer);

/* Analyze text (len bytes of UTF-8; invalid bytes are treated as
 * separators) and call fn for every token in order. */
CARI_API int cari_analyze(cari_analyzer *analyzer, const char *text,
                          size_t len, cari_token_fn fn, void *ctx);

/* The analyzer's settings as a string; an index stores it and refuses to be
 * opened by an analyzer with different settings. */
CARI_API const char *cari_analyzer_signature(const cari_analyzer *analyzer);

/* ------------------------------------------------------------------ */
/* Writing an index                                                    */
/* ------------------------------------------------------------------ */

typedef struct cari_writer cari_writer;

typedef struct cari_writer_options {
    int version;            /* CARI_WRITER_OPTIONS_VERSION */
    size_t memory_mb;       /* what indexing holds (segments being built,
                               word caches, the session's ids): a thread
                               flushes its segment when its share is used;
                               16..1048576, 0: the default (256) */
    int compression_level;  /* deflate level for stored text, 1..12: 1..3
                               ISA-L's igzip, 4..12 libdeflate; 0: the
                               default (2) */
    int sync;               /* 1: fsync files at commit (default); 0: don't */
    int threads;            /* indexing threads; 0: one per core;
                               negative: CARI_EINVAL */
    const char *backend;    /* a new index: "native" (NULL) or "xapian"; an
                               existing index keeps the backend it has */
} cari_writer_options;

#define CARI_WRITER_OPTIONS_VERSION 1
#define CARI_WRITER_OPTIONS_INIT {CARI_WRITER_OPTIONS_VERSION, 256, 2, 1, 0, NULL}

/*
 * Open the index directory dir for writing, creating it if needed, and take
 * its writer lock (CARI_ELOCKED, with the holder's pid in the message, when
 * another live process holds it).  Nothing is visible to readers until
 * cari_writer_commit().  A "tcp://" location (a served index, which
 * searching takes) is CARI_EINVAL: indexes are written to directories;
 * so are options out of their ranges (above), with the range in the
 * message.
 *
 * Indexing writes some 100 MB of tables all over: on glibc, a program
 * started with GLIBC_TUNABLES=glibc.malloc.hugetlb=1:glibc.malloc.arena_max=1
 * has them in transparent huge pages (cari-index restarts itself so; on
 * clickid_news 12-16% less time, none at 10x; docs/DESIGN.md).  A
 * library cannot set that for its host program: it is the program's
 * choice.
 */
CARI_API int cari_writer_open(const char *dir,
                              const cari_writer_options *options,
                              cari_writer **out, cari_error *err);

/* Add an article.  An article whose id is already in the index (or was
 * already added by this writer) replaces the earlier one at commit.  The
 * article's strings are copied.  CARI_EINPUT for an article the index cannot
 * take (empty id, invalid UTF-8, a title over 1 MiB, a text over 1 GiB);
 * the writer stays usable.  Any other error
 * (CARI_ENOMEM, CARI_EIO...) fails the writer: later adds and the commit
 * return it, and the previous commit stays intact; close the writer. */
CARI_API int cari_writer_add(cari_writer *writer, const cari_article *article);

/* cari_writer_add for callers that report repeated ids.  tag is any value
 * the caller gives this add (cari-index: the file and line of the record).
 * When this writer already took an article with the same id since its last
 * commit (which this one replaces), *repeated is set to 1 and *previous
 * (may be NULL) gets the tag of that add; else *repeated is 0.  repeated
 * may be NULL (then this is cari_writer_add). */
CARI_API int cari_writer_add_tagged(cari_writer *writer,
                                    const cari_article *article, uint64_t tag,
                                    int *repeated, uint64_t *previous);

/* Delete the article with this id at commit (no error if absent: the
 * writer's stats count deletes that found a live article, and those that
 * did not). */
CARI_API int cari_writer_delete(cari_writer *writer, const char *id,
                                size_t id_len);

/*
 * Make everything added so far durable and visible, atomically: new files
 * are written and fsynced, then the manifest is renamed into place and the
 * directory fsynced.  On failure (CARI_EIO, CARI_ENOSPACE when the disk is
 * full, CARI_ENOMEM, ...) the previous commit stays intact and readable,
 * nothing of this one is visible, and the files it wrote are removed
 * (those it could not remove, the next writer does); the writer has
 * failed (later calls return the error): close it, and open a new one to
 * try again.  The one exception
 * is CARI_ENOTDURABLE: the rename was done, so readers see the new
 * commit, but the directory's fsync failed and the commit may not survive
 * a power loss.
 *
 * A commit's automatic merge (see cari_writer_merge) that finds the disk
 * full (ENOSPC, EDQUOT) is skipped, not the commit: the partial merge is
 * removed, the segments it was to merge are committed as they are (the
 * new articles searchable, nothing lost), CARI_OK is returned, and
 * cari_writer_warning() says so; the next commit tries the merge again.
 * Such a merge is skipped so without being started when the file system
 * has less free space (statvfs f_bavail) than its segments' live bytes.
 * A merge asked for with cari_writer_merge() that does not fit fails the
 * commit with CARI_ENOSPACE, as does a full disk anywhere else.
 */
CARI_API int cari_writer_commit(cari_writer *writer);

/*
 * Ask the next commit to merge segments until at most max_segments remain
 * (1: everything into one segment, which also drops deleted articles from
 * the files and the statistics).  Without this call a commit merges by
 * itself: by tiers, once CARI_MERGE_FACTOR segments of the last commit
 * are of about the same size (their live bytes in the same power of the
 * factor, counted from CARI_MERGE_FLOOR_MB; smaller ones all in the first
 * tier); once at least CARI_AUTO_MERGE_DELETED percent of the index's
 * articles are deleted, every segment that holds deleted articles; and
 * when more than CARI_AUTO_MERGE_SEGMENTS segments would be live, the
 * smallest ones.  Merging copies the live articles' stored text and
 * postings into one new segment, streamed (its memory grows with the
 * passages, not with the text; docs/DESIGN.md).  A commit's automatic
 * merge takes at most CARI_MERGE_MAX_SOURCES segments into one (more
 * when that would leave more than CARI_AUTO_MERGE_SEGMENTS): a session
 * that flushed many segments gets several merged segments, and its
 * commit's memory stays near that of a smaller session.
 */
#define CARI_MERGE_FACTOR 4
#define CARI_MERGE_MAX_SOURCES 16
#define CARI_MERGE_FLOOR_MB 1
#define CARI_AUTO_MERGE_DELETED 20
#define CARI_AUTO_MERGE_SEGMENTS 12
CARI_API int cari_writer_merge(cari_writer *writer, unsigned max_segments);

/* Filled whole by cari_writer_get_stats(): fields are only ever added at
 * the end, and each addition raises the shared library's soname
 * (libcari.so.N), so a program built with an older cari.h fails to load
 * until it is rebuilt instead of having this struct overrun. */
typedef struct cari_writer_stats {
    uint64_t articles;       /* articles added by this writer */
    uint64_t passages;       /* passages made from them (with threads,
                                complete only after a commit) */
    uint64_t input_bytes;    /* bytes of title + text added */
    uint64_t terms;          /* distinct terms after commit, summed over
                                segments (as cari_index_stats's: a term in
                                two segments counts twice until a merge) */
    uint64_t index_bytes;    /* size of the committed index files */
    uint64_t total_articles; /* live articles in the index after commit */
    /* cari_writer_delete calls by this writer whose id was live: in the
     * last commit and not deleted or replaced since, or added by this
     * writer after its last delete (so deleting an id twice counts once
     * here, once in not_found) */
    uint64_t deleted;
    uint64_t not_found;      /* the other cari_writer_delete calls */
} cari_writer_stats;

CARI_API void cari_writer_get_stats(const cari_writer *writer,
                                    cari_writer_stats *out);
CARI_API const char *cari_writer_errmsg(const cari_writer *writer);
/* What the last successful commit did not do although it would have (an
 * automatic merge skipped because the disk was full, and why), or "" when
 * nothing.  The library does not print it: show it as a warning.  Owned
 * by the writer, valid until its next commit or close. */
CARI_API const char *cari_writer_warning(const cari_writer *writer);

/* Release the writer and its lock; whatever was not committed is dropped. */
CARI_API void cari_writer_close(cari_writer *writer);

/* ------------------------------------------------------------------ */
/* Searching                                                           */
/* ------------------------------------------------------------------ */

typedef struct cari_index cari_index;

/* Open the index in dir for reading.  It sees the commit that was current
 * when it was opened -- on the Xapian backend while Xapian keeps that
 * revision: after a writer's second commit past it, a search may find it
 * gone and then runs on the newest commit, which the handle keeps from
 * then on (cari_index_get_stats follows it).  CARI_ENOTFOUND when there
 * is no index, CARI_ECORRUPT when it is damaged, CARI_EVERSION when it
 * was built by an incompatible version or analyzer.  dir may be
 * "tcp://HOST:PORT" of a xapian-tcpsrv serving one index (Xapian
 * backend).  One shard of a set opens as the index it is: the set check
 * is cari_index_open_shards'. */
CARI_API int cari_index_open(const char *dir, cari_index **out,
                             cari_error *err);
/*
 * Open several indexes as one: their passages are ranked together with
 * collection-wide statistics (one ranking, not merged lists).  A location
 * is an index directory or, on the Xapian backend, "tcp://HOST:PORT" of a
 * xapian-tcpsrv serving one.  With CARI_SHARDS_ALLOW_PARTIAL, shards that
 * cannot be reached are left out (cari_index_errmsg() says which) instead
 * of failing the open.
 *
 * The shards that record their place in a set (cari-index --shards:
 * shard K of N, and since 2026-12 the set's id) are judged set by set
 * (several sets may be searched together: two collections, each
 * sharded), local or remote alike (one metadata read each): each set
 * whole, each place once.  CARI_EINVAL naming the shard when a place is
 * given twice (the same index under two names is refused by its Xapian
 * UUID already), naming both when two shards of one set id record
 * different counts (a record without a set id is of the first set of
 * its count given); CARI_ENOTFOUND naming the places no shard was given
 * for -- or, with CARI_SHARDS_ALLOW_PARTIAL, those places
 * are left out as an unreachable shard is: they follow the given shards
 * in cari_index_shard_count() and cari_index_shard(), named BASE.K when
 * the set's first shard given is a local BASE.k (else "shard K of N"),
 * with why they are left out.  As many missing places as there are
 * shards left out unreachable are taken to be theirs.  Shards without a
 * record are not judged; one given as a local BASE.K beside a set's
 * BASE.k is taken to be its place K.
 */
#define CARI_SHARDS_ALLOW_PARTIAL 1u
CARI_API int cari_index_open_shards(const char *const *locations, size_t n,
                                    unsigned flags, cari_index **out,
                                    cari_error *err);
CARI_API void cari_index_close(cari_index *index);
/* "native" or "xapian". */
CARI_API const char *cari_index_backend(const cari_index *index);
CARI_API const char *cari_index_errmsg(const cari_index *index);

/* 1 when this libcari can read and write indexes of the named backend:
 * "native" always, "xapian" when it was built with libxapian; else 0. */
CARI_API int cari_backend_available(const char *backend);

/*
 * The shards of an index: the locations it was opened with, in order (1
 * for cari_index_open: its directory), then the places of its set that
 * were not given (CARI_SHARDS_ALLOW_PARTIAL, above).  cari_index_shard()
 * returns the i-th location (borrowed from the index, valid until
 * cari_index_close; NULL when i >= the count) and sets *left_out (may be
 * NULL) to NULL while that shard is searched, or to why it is not: with
 * CARI_SHARDS_ALLOW_PARTIAL, a shard that cannot be reached at open, or
 * that fails during a search, is left out and the others searched.  Check
 * after each cari_search() to tell users their results are partial.
 */
CARI_API size_t cari_index_shard_count(const cari_index *index);
CARI_API const char *cari_index_shard(const cari_index *index, size_t i,
                                      const char **left_out);

/* Which of nshards shards (0 .. nshards-1; 0 when nshards is 0) the article
 * with this id belongs to: a stable hash of the id (64-bit FNV-1a modulo
 * nshards), the same on every platform and in every run, so that an
 * article added again, or deleted, goes to the shard that holds it.
 * cari-index --shards assigns articles with it. */
CARI_API size_t cari_shard_of(const char *id, size_t id_len, size_t nshards);

/*
 * A shard set as cari-index --shards N -i BASE writes it: the Xapian
 * indexes BASE.0 ... BASE.(N-1), each recording that it is shard K of N
 * (cari_writer_set_shard).  cari_shards_check(base, n) says whether the
 * set at base (trailing slashes ignored) can be used as one of n shards
 * -- none of it there yet, or all of it with that count -- before anything
 * is opened: CARI_EINVAL, naming the set's own count and the given one,
 * when a shard records another count or place, when BASE.n is there (a
 * larger set), or, for a set made before the count was recorded, when
 * only BASE.0 ... BASE.(M-1) are there; CARI_ENOTFOUND when a shard is
 * missing from a set that is otherwise there.  A shard that cannot be
 * read is not judged here: opening it reports that.
 */
CARI_API int cari_shards_check(const char *base, size_t nshards,
                               cari_error *err);

/*
 * The writer (on the Xapian backend) writes shard `shard` of a set of
 * nshards: call it after cari_writer_open and before adding.  The record
 * is written with the next commit.  CARI_EINVAL when the index records
 * another place, or is native.  A writer on an index that records a shard
 * refuses articles (CARI_EINVAL) until this is called with that place:
 * an article belongs to the shard its id hashes to (cari_shard_of), and
 * one of another shard is CARI_EINPUT (the writer stays usable).
 */
CARI_API int cari_writer_set_shard(cari_writer *writer, size_t shard,
                                   size_t nshards);

/*
 * The n writers (on the Xapian backend) write the shards 0 ... n-1 of one
 * set, in that order: cari_writer_set_shard(writers[k], k, n) for each,
 * and the set's id with the record ("K/N SET", SET 32 hex digits), so
 * that cari_index_open_shards tells two sets apart (two builds of one
 * collection too).  The id is the one a shard already records, or a new
 * random one (a set made before the id was kept gets it now).  On failure
 * *failed (may be NULL) is the k whose writer says why
 * (cari_writer_errmsg): the codes of cari_writer_set_shard, and
 * CARI_EINVAL when two shards record different sets.
 */
CARI_API int cari_writers_set_shards(cari_writer *const *writers, size_t n,
                                     size_t *failed);

typedef struct cari_index_stats {
    uint64_t articles;  /* live articles */
    uint64_t passages;  /* live passages */
    uint64_t deleted;   /* deleted articles not yet merged away */
    uint64_t segments;
    uint64_t terms;     /* distinct terms summed over segments */
    uint64_t bytes;     /* size of the index files: of the local shards
                           only (a remote shard's server does not report
                           its size; cari-search --stats says unknown) */
    uint64_t generation;
} cari_index_stats;

CARI_API void cari_index_get_stats(const cari_index *index,
                                   cari_index_stats *out);

/*
 * Ranking happens in two stages.  The first ranks every matching passage
 * with BM25 over the passage text and its article's title (exact top k,
 * with early termination).  The second takes the first stage's best
 * `rerank` passages and orders them by a ranking model: a weighted sum of
 * features (per-field BM25, the article's own BM25, query-term coverage,
 * proximity, passage length and position...; docs/RANKING.md).  A model
 * has parameters per query class: questions ("siapa ...?", "kapan ...",
 * "berapa ...") and keyword queries are weighed differently.  The model
 * built into the library was trained on the train splits of the
 * evaluation sets; cari_ranker_load() reads another one.
 */
typedef struct cari_ranker cari_ranker;

/* Read a ranking model file (the text format of docs/RANKING.md).
 * CARI_ENOTFOUND when there is no such file, CARI_EIO when it cannot be
 * read otherwise, CARI_EINPUT (line and reason in err) when it does not
 * parse. */
CARI_API int cari_ranker_load(const char *path, cari_ranker **out,
                              cari_error *err);
/* The same from text in memory (len bytes). */
CARI_API int cari_ranker_parse(const char *text, size_t len,
                               cari_ranker **out, cari_error *err);
CARI_API void cari_ranker_free(cari_ranker *ranker);

/* ------------------------------------------------------------------ */
/* Checking an index                                                   */
/* ------------------------------------------------------------------ */

/* Called once for every problem found: the file (a path under the index
 * directory) and what is wrong with it.  Both strings are borrowed until
 * the callback returns. */
typedef void (*cari_check_fn)(void *ctx, const char *file,
                              const char *problem);

/* Filled whole by cari_index_check(): fields are only ever added at the
 * end (as cari_writer_stats's). */
typedef struct cari_check_stats {
    uint64_t files;        /* files checked */
    uint64_t bytes;        /* their size */
    uint64_t segments;
    uint64_t articles;     /* stored articles, deleted ones included */
    uint64_t passages;
    uint64_t terms;        /* dictionary entries, summed over segments */
    uint64_t postings;     /* (term, field, doc) entries decoded */
    uint64_t positions;    /* positions decoded */
    uint64_t unreferenced; /* files MANIFEST does not name (left by an
                              interrupted writer; the next one removes
                              them): not damage */
    uint64_t problems;     /* problems reported */
    int xapian;            /* 1: a Xapian index, checked by Xapian's own
                              checker (the counts stay 0) */
    uint64_t deleted;      /* of articles: those deleted or replaced,
                              until a merge (articles - deleted are the
                              live ones, as cari_index_stats counts) */
    uint64_t deleted_passages; /* of passages: those of deleted articles */
} cari_check_stats;

/*
 * Verify everything in the index in dir, as a reader never does in full:
 * the manifest and every file it names; every checksum; then what a
 * checksum cannot vouch for -- the dictionary (terms strictly ascending,
 * every entry decodes, offsets add up), every posting list (decodes to
 * its end, doc ids ascending and in range, df, skip entries), every
 * position stream, every stored text block (inflates, each article's
 * record parses, passage ranges fit the text), the id tables, deletion
 * bitmaps against the manifest, and that no id is live twice.  Every
 * problem goes to fn (may be NULL) -- all of them, not just the first
 * (at most 50 per file are itemised, the rest counted) -- and is
 * counted in stats (may be NULL).
 *
 * Returns CARI_OK when the index is sound; CARI_ECORRUPT when problems
 * were found; CARI_ENOTFOUND when dir holds no index; CARI_EVERSION when
 * it was built by an incompatible version or analyzer; CARI_EIO or
 * CARI_ENOMEM when the check itself could not run (err says why).  A
 * Xapian index is checked with Xapian's own checker (xapian-check);
 * CARI_EUNSUPPORTED when this libcari has no Xapian backend.
 */
CARI_API int cari_index_check(const char *dir, cari_check_fn fn, void *ctx,
                              cari_check_stats *stats, cari_error *err);

/* The analyzer signature the index was built with (an index built with
 * other analyzer settings does not open: see cari_index_open()).
 * Borrowed from the index, valid until cari_index_close(). */
CARI_API const char *cari_index_analyzer(const cari_index *index);

/* The on-disk format versions of a native index: its MANIFEST's and its
 * segment files'.  Both 0 on the Xapian backend (or for NULL). */
CARI_API void cari_index_format_version(const cari_index *index,
                                        int *manifest, int *segment);

typedef struct cari_search_options {
    int version;          /* CARI_SEARCH_OPTIONS_VERSION */
    /* Out of the ranges below: CARI_EINVAL, "search options out of
     * range". */
    size_t limit;         /* hits to return (default 10), at most 2^24 */
    size_t offset;        /* hits to skip first (paging), at most 2^24 */
    unsigned flags;       /* CARI_SEARCH_* */
    int snippet_words;    /* snippet window in words (default 30), 1..10000 */
    /* First-stage BM25: parameters of the passage text, the weight of the
     * title field and its parameters.  A negative value (the default)
     * takes the model's tuned value for the query's class; k1 and
     * title_k1 at most 1000, b and title_b at most 1, title_weight at
     * most 1e6, none NaN. */
    double k1, b;
    double title_weight;
    double title_k1, title_b;
    /* Passages the second stage reorders: -1 (default) the model's
     * depth, 0 none (first-stage BM25 only), at most 100000.  Passages
     * past the depth follow in first-stage order, scored below the
     * reordered ones. */
    long rerank;
    /* At most this many passages of one article in the hits (0: no
     * limit).  The best ones are kept; the others leave the ranking.
     * CARI_GROUP_MODEL (the default) takes the model's value for the
     * query's class: 1 for keyword queries, no limit for questions. */
    size_t group;
    /* The ranking model; NULL: the built-in one.  Borrowed for the call. */
    const cari_ranker *ranker;
    /* Metadata filters (all NULL / 0: none).  A passage is a hit only when
     * its article's metadata (the extra JSONL fields) passes every one;
     * top k, paging and totals count only such passages.
     *  where[0..nwhere): "KEY=VALUE" strings.  Conditions on the same KEY
     *    are alternatives, different keys must all hold.  A condition holds
     *    when field KEY (byte for byte: keys are not folded) is a string
     *    equal to VALUE ignoring case and accents, a number equal to it as
     *    a number, true/false, or an array with such an element.  A
     *    missing field fails.
     *  since, until: "YYYY-MM-DD", inclusive bounds on the date in the
     *    "date" field, which may be written as news sites write dates
     *    (2019-09-14, 14/09/2019, 14 September 2019, Sep 14, 2019...:
     *    docs/FILTERS.md); an article without such a date fails them.
     * A malformed condition, a NULL one, or where NULL with nwhere > 0
     * gives CARI_EINVAL (message in cari_index_errmsg()); the Xapian
     * backend gives CARI_EUNSUPPORTED.
     * The strings are borrowed for the duration of the call. */
    const char *const *where;
    size_t nwhere;
    const char *since, *until;
} cari_search_options;

#define CARI_SEARCH_SNIPPETS 1u  /* passage text, snippets, highlights */
#define CARI_SEARCH_ALL 2u       /* every query term must match */
#define CARI_SEARCH_PLAIN 4u     /* no query operators: all words are text */
#define CARI_SEARCH_STORED 8u    /* title and meta of each hit (without it
                                    and without SNIPPETS a hit carries only
                                    id, passage, range and score: fastest) */
#define CARI_SEARCH_EXPLAIN 16u  /* each hit says how its score was made
                                    (cari_hit.explain) */
#define CARI_SEARCH_AS_WRITTEN 32u /* never correct the query's words (see
                                      cari_search) */
#define CARI_SEARCH_NO_FEEDBACK 64u /* no pseudo-relevance feedback past
                                       the model's feedback.keep hits (see
                                       cari_search) */

#define CARI_SEARCH_OPTIONS_VERSION 2
/* cari_search_options.group: the model's value for the query's class. */
#define CARI_GROUP_MODEL ((size_t)-1)
/* Defaults; where each value came from is documented in the model file
 * (src/ranking.model) and docs/RANKING.md. */
#define CARI_SEARCH_OPTIONS_INIT                                          \
    {CARI_SEARCH_OPTIONS_VERSION, 10, 0,                                 \
     CARI_SEARCH_SNIPPETS | CARI_SEARCH_STORED, 30, -1, -1, -1, -1, -1,  \
     -1, CARI_GROUP_MODEL, NULL, NULL, 0, NULL, NULL}

typedef struct cari_hits cari_hits;

/* A byte range [start, end). */
typedef struct cari_span {
    size_t start, end;
} cari_span;

/* One ranked passage.  All pointers are owned by the cari_hits they came
 * from and stay valid until cari_hits_free(). */
typedef struct cari_hit {
    double score;
    const char *id;         /* article id */
    size_t id_len;
    uint32_t passage;       /* 0-based passage number within the article */
    const char *title;
    size_t title_len;
    size_t start, end;      /* the passage's byte range in the article text */
    const char *text;       /* the passage text (only with SNIPPETS) */
    size_t text_len;
    const char *snippet;    /* best window of the passage (only with SNIPPETS) */
    size_t snippet_len;
    const cari_span *highlights; /* matched words, byte ranges in snippet */
    size_t highlight_count;
    const char *meta;       /* extra fields of the article, JSON object */
    size_t meta_len;
    /* With CARI_SEARCH_EXPLAIN: what the score is made of.  score is the
     * sum of value * weight over the items (weight 0: shown for
     * information, e.g. the first-stage score when a model reranked). */
    const struct cari_explain *explain;
    size_t explain_count;
} cari_hit;

/* One part of a hit's score.  name is a static string. */
typedef struct cari_explain {
    const char *name;
    double value;
    double weight;
} cari_explain;

/* Run a query (the query language is described in the README and in
 * src/query.h: words, "phrases", +must, -exclude, AND/OR/NOT, (groups),
 * prefix*, title:word, NEAR/n, =exact).  Free words are ranked with BM25
 * (OR semantics unless CARI_SEARCH_ALL).  CARI_ESYNTAX when the query cannot
 * be parsed (cari_index_errmsg() names the column); CARI_ENOTERMS when it
 * holds no searchable term (e.g. only stopwords).  options may be NULL for
 * the defaults.
 *
 * When the ranking model says so for the query's class (the built-in model:
 * for questions, not for keyword queries; docs/RANKING.md) and
 * CARI_SEARCH_AS_WRITTEN is not in the flags, the query is searched as
 * written and then, if cari_suggest has corrections for it (max_df 0: the
 * words the index does not hold, however few passages matched as written;
 * a word it holds is searched as written, however rarely), as corrected
 * ("banjr" as "banjir"), and the corrected query's hits are returned;
 * cari_hits_query() then gives the query that was searched.  Native
 * backend only.
 *
 * When the model has feedback for the query's class (the built-in model:
 * questions) and hits past its feedback.keep (50) are asked for, those
 * hits are the query's ranking fused with that of the query plus words
 * of its best passages (pseudo-relevance feedback, docs/RANKING.md); they
 * may hold none of the query's words.  The hits before, the number of
 * hits and the total are the query's own (no feedback when at most
 * feedback.keep passages match).  CARI_SEARCH_NO_FEEDBACK leaves it out. */
CARI_API int cari_search(cari_index *index, const char *query,
                         size_t query_len, const cari_search_options *options,
                         cari_hits **out);
/* The query the hits are for when cari_search corrected it (owned by hits;
 * *len gets its length), or NULL when it searched the query as given. */
CARI_API const char *cari_hits_query(const cari_hits *hits, size_t *len);

CARI_API size_t cari_hits_count(const cari_hits *hits);
/* An estimate of how many passages matched in all. */
CARI_API uint64_t cari_hits_total(const cari_hits *hits);
/* Fill *out with hit i (0-based, < cari_hits_count); CARI_EINVAL if out of
 * range. */
CARI_API int cari_hits_get(const cari_hits *hits, size_t i, cari_hit *out);
CARI_API void cari_hits_free(cari_hits *hits);

/* ------------------------------------------------------------------ */
/* Spelling suggestions ("did you mean")                               */
/* ------------------------------------------------------------------ */

typedef struct cari_suggestions cari_suggestions;

/* One query word that looked misspelt, and what the index has instead.
 * Pointers are owned by the cari_suggestions and valid until
 * cari_suggestions_free(). */
typedef struct cari_suggestion {
    const char *word;        /* the word as written in the query */
    size_t word_len;
    size_t start, end;       /* its byte range in the query */
    uint64_t df;             /* passages and titles holding it (0: none) */
    const char *const *alternatives; /* corrections, best first (folded,
                                        with the word's capitalisation) */
    const size_t *alternative_len;
    const uint64_t *alternative_df;
    const int *distance;     /* edit distance of each correction */
    size_t count;            /* corrections (may be 0) */
} cari_suggestion;

/*
 * Suggest corrections for the words of a query from the index's own
 * vocabulary.  The words considered are those the query searches for (not
 * operators, excluded words or prefixes; with CARI_SEARCH_PLAIN in flags,
 * every word), of 4 or more letters, without digits, whose term occurs at
 * most max_df times (0: words the index does not hold at all).  For each,
 * the corrections are the vocabulary's words (stems and the exact forms
 * of inflected words) within Damerau-Levenshtein distance 1 (words of 4
 * letters) or 2 (longer words) that occur more often than it: nearest
 * first, then most frequent; at most 5.  CARI_EUNSUPPORTED on the Xapian
 * backend; CARI_ENOMEM; CARI_ECORRUPT.
 */
/* The max_df that cari-search --did-you-mean asks for: CARI_SUGGEST_RARE_DF
 * when the query as written matched fewer than CARI_SUGGEST_FEW_HITS
 * passages (a typo that happens to be in a large collection once or
 * twice), else 0.  cari_search's own corrections of questions ask with 0:
 * a word held once or twice is more often the real word the answer
 * holds. */
#define CARI_SUGGEST_FEW_HITS 5
#define CARI_SUGGEST_RARE_DF 2
#define CARI_SUGGEST_MAX_DF(total)                                        \
    ((total) < CARI_SUGGEST_FEW_HITS ? CARI_SUGGEST_RARE_DF : 0)

CARI_API int cari_suggest(cari_index *index, const char *query,
                          size_t query_len, unsigned flags, uint64_t max_df,
                          cari_suggestions **out);
/* Number of words considered, and word i (CARI_EINVAL if out of range). */
CARI_API size_t cari_suggestions_count(const cari_suggestions *s);
CARI_API int cari_suggestions_get(const cari_suggestions *s, size_t i,
                                  cari_suggestion *out);
/* The query with every word that has a correction replaced by its best
 * one, or NULL when none has.  Owned by s. */
CARI_API const char *cari_suggestions_query(const cari_suggestions *s,
                                            size_t *len);
CARI_API void cari_suggestions_free(cari_suggestions *s);

#ifdef __cplusplus
}
#endif

#endif /* CARI_H */
