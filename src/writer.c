/*
 * writer.c -- adding, replacing and deleting articles, and committing.
 *
 * A writer holds the directory's lock (flock on LOCK, so a dead writer's
 * lock is released by the kernel; the file names the holder's pid).
 * Articles are analyzed and inverted by workers, one segment writer each:
 * with one thread the caller does the work itself; with several, articles
 * are copied into batches that the workers take from a bounded queue, and
 * threads go in pairs: a feeder analyzes a batch, its worker inverts it
 * while a storer stores its text (struct worker).  A worker writes its
 * segment to a file when its share of the memory budget is used; nothing
 * is visible until the commit names the files in a new MANIFEST (index.c
 * documents the commit protocol).
 *
 * Replacement and deletion are sequenced: every add and delete gets a
 * sequence number, and a session table keeps, per id, the last add and the
 * last delete.  At commit, an article written in this session is live only
 * if it is its id's last add and no delete came after it; every article of
 * an older segment whose id the session touched is deleted.  So the result
 * does not depend on which worker took which article.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* malloc_trim */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "filter.h"
#include "index_internal.h"
#include "io.h"
#include "utf8.h"
#include "util.h"
#include "xapian_backend.h"

/* Give malloc's free pages back to the system (glibc keeps them, in an
 * arena per thread).  Not under a sanitizer, whose allocator replaces
 * glibc's: there malloc_trim walks arenas that were never set up, and a
 * worker thread's call crashes. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CARI_NO_MALLOC_TRIM 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define CARI_NO_MALLOC_TRIM 1
#endif
#endif
#if defined(__GLIBC__) && !defined(CARI_NO_MALLOC_TRIM)
#include <malloc.h>
static void trim_heap(void) { malloc_trim(0); }
#else
static void trim_heap(void) {}
#endif

/* A batch is handed to a worker once it holds this much text: large enough
 * that queue traffic is negligible, small enough to keep workers even. */
#define BATCH_BYTES (256u << 10)
#define BATCH_ARTICLES 512
/* Threads beyond this are not used (the queue and the merge do not scale
 * further on the machines this was measured on). */
#define MAX_THREADS 32
/* ... nor beyond one per this many MB of --memory (start_workers). */
#define MIN_SHARE_MB 8
/* Threads pair up when each pair's share of --memory is at least this. */
#define PAIR_MIN_SHARE_MB 64

typedef struct job {
    cari_article a;       /* strings in the batch's arena */
    uint64_t seq;
} job;

typedef struct batch {
    cari_arena arena;
    job *jobs;
    size_t n, cap;
    size_t bytes;
    cari_analysis *ax;    /* per job: analyzed by a feeder (NULL: not) */
    size_t nanalyzed;     /* ax[0..nanalyzed): the rest are large, or
                             after one, and the worker analyzes them */
    int mark;             /* a feeder's word to its worker: MARK_* */
    cari_segment_writer *segw; /* whose stored text it goes to (storer) */
    int refs;             /* threads yet to finish with it, under w->mu */
    uint64_t no;          /* its number in its segment (a pair's) */
    size_t ids_bytes;     /* the session's ids table when it was queued */
    size_t analyzer_bytes; /* its feeder's word cache once it was analyzed */
    size_t held;          /* its text and analyses */
    struct batch *next;
} batch;

/* What a feeder hands its worker (and a worker its storer) besides
 * analyzed batches. */
#define MARK_FLUSH 1
#define MARK_STOP 2
/* Analyzed batches a feeder may hold ahead of its worker; batches a
 * worker may hold ahead of its storer, which can lag for a while: the
 * stored text's word list is learned from the first megabytes, then
 * those are coded at once (docstore.c). */
#define PIPE_DEPTH 2
#define STORE_LAG 64
/* An article this large (title and text) is not analyzed ahead: its
 * tokens would take about 4.4 times its text; the worker analyzes it a
 * passage at a time, as one thread does, while the feeder waits. */
#define PIPE_ARTICLE_MAX ((size_t)1 << 20)

/* A segment written by this session, not yet committed. */
typedef struct pending_segment {
    uint32_t number, articles, passages;
    uint64_t *seqs;       /* per article */
} pending_segment;

typedef struct worker {
    struct cari_writer *w;
    pthread_t thread;
    int started;
    cari_analyzer *analyzer;
    cari_segment_writer *segw;
    uint64_t *seqs;       /* per article of segw */
    size_t nseqs, seqs_cap;
    int flush_done;       /* acknowledges a flush request */
    uint64_t flush_gen;
    /* A piped worker is three threads: its feeder takes batches from the
     * queue and analyzes them (cari_segw_analyze), this one inverts them
     * into its segment (cari_segw_add_analyzed) while its storer adds
     * their text to the segment's stored text (cari_segw_store).  So two
     * cores build one segment (docs/DESIGN.md).  Under w->mu: */
    int piped;
    pthread_t feeder, storer;
    int feeder_started, storer_started;
    batch *pipe_head, *pipe_tail;  /* analyzed, for this thread */
    size_t piped_batches;  /* in the pipe or being added */
    size_t pipe_len;       /* in the pipe */
    /* For the budget, what the stored text held after batch j of the
     * segment (the storer's word) and the text of batches 0..j, at
     * [j % (STORE_LAG + 1)]: the worker reads them STORE_LAG batches
     * back, which the storer has always finished (piped_add). */
    size_t store_at[STORE_LAG + 1];
    uint64_t text_at[STORE_LAG + 1];
    uint64_t nbatches, text_total;  /* of the segment */
    pthread_cond_t pipe;   /* the pipe changed */
    batch *store_head, *store_tail;  /* being added, for the storer */
    size_t store_pending;  /* batches the storer has yet to finish */
    int storer_quit;       /* no batch will come: the worker failed */
    pthread_cond_t stored; /* the storer's queue changed */
    batch marks[2];        /* MARK_FLUSH, MARK_STOP: never allocated */
} worker;

/* id -> the sequence numbers of its last add and last delete.  The
 * session's ids are entries in the order first met, their bytes in one
 * buffer, found through an open-addressing table of entry numbers (4 bytes
 * a slot): about 70 bytes an id with its bytes, where a table of pointers
 * to copies of their own took about 130.  An entry also keeps the tag of
 * its last add (cari_writer_add_tagged), so that cari-index can say where
 * a repeated id came from without a table of its own. */
typedef struct id_entry {
    uint64_t last_add, last_del;
    uint64_t off;      /* of its bytes in ids_text */
    uint32_t len;
    uint32_t hash;     /* the low half of cari_hash64 */
    uint64_t tag;      /* the caller's tag of the last add */
} id_entry;

struct cari_writer {
    char *dir;
    cari_xapian_writer *xapian;  /* the Xapian backend, or NULL */
    int lock_fd;
    cari_writer_options opts;
    cari_passage_params pp;
    cari_analyzer *analyzer;     /* checks and signature */
    cari_manifest m;             /* the last commit */
    int no_manifest;             /* a new index: MANIFEST not written yet
                                    (under mu) */
    cari_live_segment *segs;     /* its segments, open */
    /* workers */
    worker *workers;
    int nworkers;
    int threaded;
    size_t seq_bytes;            /* the pending sequence numbers' part of
                                    session_bytes (under mu) */
    size_t session_bytes;        /* the session's tables (ids, pending
                                    sequence numbers): under mu */
    batch *open_batch;           /* being filled by cari_writer_add */
    pthread_mutex_t mu;
    pthread_cond_t has_work, has_room, idle;
    batch *queue_head, *queue_tail;
    size_t queued, busy;
    int stop;
    uint64_t flush_gen;          /* bumped to ask workers to flush */
    int error;                   /* first error of a worker */
    char worker_errmsg[512];
    /* the session */
    pending_segment *pending;
    size_t npending, pending_cap;
    id_entry *ids;               /* nids of ids_cap */
    size_t nids, ids_cap;
    uint32_t *id_slots;          /* entry + 1, or 0; id_nslots of them */
    size_t id_nslots;
    cari_buf ids_text;
    uint64_t seq;
    unsigned merge_target;       /* cari_writer_merge(): 0 = automatic */
    cari_writer_stats stats;
    char errmsg[512];
    char warning[640];           /* the last commit's (cari_writer_warning) */
};

static int writer_error(cari_writer *w, int code, const char *fmt, ...)
    CARI_PRINTF(3, 4);
static void forget_ids(cari_writer *w);

static int writer_error(cari_writer *w, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->errmsg, sizeof w->errmsg, fmt, ap);
    va_end(ap);
    return code;
}

/* A call into the Xapian writer returned rc: on failure, its message is
 * the last failure's (errmsg). */
static int xapian_result(cari_writer *w, int rc)
{
    if (rc)
        snprintf(w->errmsg, sizeof w->errmsg, "%s",
                 cari_xapian_writer_errmsg(w->xapian));
    return rc;
}

/* ------------------------------------------------------------------ */
/* The directory                                                       */
/* ------------------------------------------------------------------ */

static int take_lock(const char *dir, int *fd_out, cari_error *err)
{
    char path[4096], buf[32];
    int fd;
    ssize_t n, wrote = -1;
    *fd_out = -1;
    if (cari_path_join(path, sizeof path, dir, "LOCK"))
        return cari_set_error(err, CARI_EINVAL, "index path too long");
    /* never through a symbolic link: the pid would be written over
     * whatever file it names, outside the index (found by review) */
    fd = cari_io_open_write(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
                            0644);
    if (fd < 0 && errno == ELOOP)
        return cari_set_error(err, CARI_EIO, "%s: is a symbolic link, not "
                              "the index's lock file; remove it", path);
    if (fd < 0)
        return cari_io_error(err, path, "opening the lock file");
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        long pid = 0;
        n = pread(fd, buf, sizeof buf - 1, 0);
        if (n > 0) {
            buf[n] = '\0';
            pid = strtol(buf, NULL, 10);
        }
        close(fd);
        if (pid > 0)
            return cari_set_error(err, CARI_ELOCKED,
                                  "index %s is locked by pid %ld (another "
                                  "writer is running)",
                                  dir, pid);
        return cari_set_error(err, CARI_ELOCKED,
                              "index %s is locked by another writer", dir);
    }
    /* the lock is ours: a lock file left by a dead process holds no flock,
     * so it is taken over here */
    n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || (wrote = pwrite(fd, buf, (size_t)n, 0)) != n) {
        int rc;
        if (wrote >= 0)  /* a short write: no room for the rest */
            errno = ENOSPC;
        /* a full disk says so (found by review: a new index on a full
         * disk said "cannot write lock file") */
        rc = cari_io_error(err, path, "writing the lock file");
        close(fd);
        return rc;
    }
    *fd_out = fd;
    return CARI_OK;
}

/* Remove the file dir/name (a path too long is none of the index's). */
static void unlink_in(const char *dir, const char *name)
{
    char path[4096];
    if (!cari_path_join(path, sizeof path, dir, name))
        cari_io_unlink(path);
}

/* Remove dir/name if it is an index file that m does not name. */
static void unlink_unnamed(const char *dir, const cari_manifest *m,
                           const char *name)
{
    if (cari_index_file_named(m, name) == 0)
        unlink_in(dir, name);
}

/* Remove the files of manifest old that m does not name (what a commit
 * superseded), by name: reading the directory takes memory, which may
 * be short, and these files can be as large as the index. */
static void remove_superseded(const char *dir, const cari_manifest *old,
                              const cari_manifest *m)
{
    char name[64];
    size_t i;
    for (i = 0; i < old->n; i++) {
        const cari_manifest_entry *e = &old->entries[i];
        cari_segment_file_name(name, sizeof name, e->number);
        unlink_unnamed(dir, m, name);
        if (e->deletes_gen) {
            cari_deletes_file_name(name, sizeof name, e->number,
                                   e->deletes_gen);
            unlink_unnamed(dir, m, name);
        }
    }
}

/* Remove files that the manifest does not name (left by crashed writers or
 * superseded by the last commit). */
static void remove_unreferenced(const char *dir, const cari_manifest *m)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    if (!d)
        return;
    while ((de = readdir(d)) != NULL)
        unlink_unnamed(dir, m, de->d_name);
    closedir(d);
}

/* ------------------------------------------------------------------ */
/* Workers                                                             */
/* ------------------------------------------------------------------ */

static void batch_free(batch *b)
{
    size_t i;
    if (!b)
        return;
    if (b->ax)
        for (i = 0; i < b->n; i++)
            cari_analysis_free(&b->ax[i]);
    free(b->ax);
    cari_arena_free(&b->arena);
    free(b->jobs);
    free(b);
}

/* Take the first batch off a list (head and tail; non-empty). */
static batch *pop_batch(batch **head, batch **tail)
{
    batch *b = *head;
    *head = b->next;
    if (!*head)
        *tail = NULL;
    return b;
}

/* Record a worker's failure (the first one wins). */
static void worker_fail(cari_writer *w, int code, const char *msg)
{
    pthread_mutex_lock(&w->mu);
    if (!w->error) {
        w->error = code;
        snprintf(w->worker_errmsg, sizeof w->worker_errmsg, "%s", msg);
    }
    pthread_mutex_unlock(&w->mu);
}

/* A new index gets an empty MANIFEST (generation 0, no segments), as
 * durable as a commit's, before its first segment file: segment files
 * with no MANIFEST beside them are then a lost MANIFEST, never the
 * leftovers of a killed first run (index.c). */
static int create_manifest(cari_writer *w, cari_error *err)
{
    cari_manifest empty;
    int rc = CARI_OK;
    pthread_mutex_lock(&w->mu);
    if (w->no_manifest) {
        memset(&empty, 0, sizeof empty);
        empty.next_segment = 1;
        memcpy(empty.analyzer, w->m.analyzer, sizeof empty.analyzer);
        rc = cari_manifest_write(w->dir, &empty, w->opts.sync, err);
        if (!rc && w->opts.sync)
            rc = cari_fsync_dir(w->dir, err);
        if (!rc)
            w->no_manifest = 0;
    }
    pthread_mutex_unlock(&w->mu);
    return rc;
}

/* Write the worker's segment to a file and list it as pending. */
static int worker_flush(worker *k)
{
    cari_writer *w = k->w;
    char name[64], path[4096];
    pending_segment p;
    cari_error err;
    uint64_t terms;
    int rc;
    if (!k->segw || cari_segw_articles(k->segw) == 0)
        return CARI_OK;
    pthread_mutex_lock(&w->mu);
    while (k->store_pending)  /* the stored text complete */
        pthread_cond_wait(&k->stored, &w->mu);
    k->nbatches = k->text_total = 0;
    p.number = w->m.next_segment++;
    pthread_mutex_unlock(&w->mu);
    p.articles = cari_segw_articles(k->segw);
    p.passages = cari_segw_passages(k->segw);
    p.seqs = k->seqs;
    cari_segment_file_name(name, sizeof name, p.number);
    if (cari_path_join(path, sizeof path, w->dir, name)) {
        worker_fail(w, CARI_EINVAL, "index path too long");
        return CARI_EINVAL;
    }
    rc = create_manifest(w, &err);
    if (rc) {
        worker_fail(w, rc, err.message);
        return rc;
    }
    cari_io_unlink(path);  /* a leftover of a crashed run */
    rc = cari_segw_write(k->segw, path, w->opts.sync, &terms, &err);
    if (rc) {
        worker_fail(w, rc, err.message);
        return rc;
    }
    pthread_mutex_lock(&w->mu);
    if (w->npending == w->pending_cap) {
        size_t cap = w->pending_cap ? w->pending_cap * 2 : 8;
        pending_segment *q = realloc(w->pending, cap * sizeof *q);
        if (!q) {
            pthread_mutex_unlock(&w->mu);
            cari_io_unlink(path);
            worker_fail(w, CARI_ENOMEM, "out of memory");
            return CARI_ENOMEM;
        }
        w->pending = q;
        w->pending_cap = cap;
    }
    w->pending[w->npending++] = p;
    w->session_bytes += k->seqs_cap * sizeof *p.seqs; /* as allocated */
    w->seq_bytes += k->seqs_cap * sizeof *p.seqs;
    pthread_mutex_unlock(&w->mu);
    k->seqs = NULL;
    k->nseqs = k->seqs_cap = 0;
    cari_segw_free(k->segw);
    k->segw = NULL;
    /* the segment's many buffers went back to malloc, which keeps them;
     * give the pages back, or the process's memory would be the budget
     * plus what malloc holds free */
    trim_heap();
    return CARI_OK;
}

/* A worker's share of --memory (under w->mu): what the session's tables
 * leave, split between the workers; its segment, its analyzer's word cache
 * and its sequence numbers count in it.  The tables take half at most:
 * past that, memory grows with them (docs/DESIGN.md). */
static size_t share_of(const cari_writer *w, size_t held)
{
    size_t total = w->opts.memory_mb << 20;
    if (held > total / 2)
        held = total / 2;
    return (total - held) / (size_t)w->nworkers;
}

static size_t worker_share(const cari_writer *w)
{
    return share_of(w, w->session_bytes);
}

/* A pair's share after batch b (under w->mu): with the ids table as it
 * was when b was queued, not as the reader has grown it since, so that
 * it does not depend on how far ahead the reader is. */
static size_t pair_share(const cari_writer *w, const batch *b)
{
    return share_of(w, b->ids_bytes + w->seq_bytes);
}

/* Give the worker a segment writer if it has none (b: the batch a pair
 * is about to add). */
static int worker_segw(worker *k, const batch *b)
{
    cari_writer *w = k->w;
    size_t budget;
    int rc;
    if (k->segw)
        return CARI_OK;
    rc = cari_segw_new(w->opts.compression_level, &w->pp, &k->segw);
    if (rc)
        return rc;
    pthread_mutex_lock(&w->mu);
    budget = b ? pair_share(w, b) : worker_share(w);
    pthread_mutex_unlock(&w->mu);
    cari_segw_set_budget(k->segw, budget);
    /* a pair writes on two threads: its storer is done by then, and at a
     * commit its feeder is idle too */
    cari_segw_set_threads(k->segw, k->piped ? 2 : 1);
    return CARI_OK;
}

/* The worker's memory past its share: time to flush (under w->mu). */
static int worker_full(const worker *k)
{
    size_t held = cari_segw_memory(k->segw) + cari_analyzer_memory(k->analyzer);
    return held + k->seqs_cap * sizeof *k->seqs > worker_share(k->w);
}

/* The same for a pair, after batch b, from what the articles so far
 * determine, not from how far its threads have got, so that the segments
 * it writes (and so the index) are the same in every run: the word cache
 * as b's analysis left it, b and the batches the pipe may hold beside it,
 * and the stored text as it was after batch `at` of the segment (the
 * storer's word; at < 0: before its first), plus the text of the batches
 * since (under w->mu). */
static size_t pair_held(const worker *k, const batch *b, int64_t at)
{
    size_t i = at >= 0 ? (size_t)((uint64_t)at % (STORE_LAG + 1)) : 0;
    size_t stored = at >= 0 ? k->store_at[i] : 0;
    uint64_t since = k->text_total - (at >= 0 ? k->text_at[i] : 0);
    return cari_segw_index_memory(k->segw) + b->analyzer_bytes +
           (size_t)(PIPE_DEPTH + 2) * b->held + stored + (size_t)since +
           k->seqs_cap * sizeof *k->seqs;
}

/* Whether the pair flushes after batch b (under w->mu, which it may
 * wait on).  First with the stored text as it was STORE_LAG batches
 * back, which the storer has always finished (piped_add), plus all the
 * text since; only if that is past the share, with the stored text after
 * b itself, waiting for the storer to finish b: a flush needs both.
 * Both are the same in every run, so is the answer. */
static int pair_full(worker *k, const batch *b)
{
    cari_writer *w = k->w;
    size_t share = pair_share(w, b);
    if (pair_held(k, b, (int64_t)b->no - STORE_LAG) <= share)
        return 0;
    while (k->store_pending)
        pthread_cond_wait(&k->stored, &w->mu);
    return pair_held(k, b, (int64_t)b->no) > share;
}

/* Analyze, invert and store one article in the worker's segment; for a
 * piped worker (x: the article as its feeder analyzed it), only invert,
 * and let the caller check the budget once a batch (piped_add). */
static int worker_add(worker *k, const cari_article *a, uint64_t seq,
                      const cari_analysis *x)
{
    cari_writer *w = k->w;
    uint32_t art, before;
    int rc, full;
    if ((rc = worker_segw(k, NULL)))
        return rc;
    if (k->nseqs == k->seqs_cap) {
        size_t cap = k->seqs_cap ? k->seqs_cap * 2 : 1024;
        uint64_t *p = realloc(k->seqs, cap * sizeof *p);
        if (!p)
            return CARI_ENOMEM;
        k->seqs = p;
        k->seqs_cap = cap;
    }
    before = cari_segw_passages(k->segw);
    /* a pair's storer stores: its worker inverts, what its feeder
     * analyzed or (too large for that) the article itself */
    rc = x           ? cari_segw_add_analyzed(k->segw, a, x, &art)
         : k->piped ? cari_segw_add_unstored(k->segw, k->analyzer, a, &art)
                    : cari_segw_add(k->segw, k->analyzer, a, &art);
    if (rc)
        return rc;
    k->seqs[k->nseqs++] = seq;
    pthread_mutex_lock(&w->mu);
    w->stats.passages += cari_segw_passages(k->segw) - before;
    full = !k->piped && worker_full(k);
    pthread_mutex_unlock(&w->mu);
    return full ? worker_flush(k) : CARI_OK;
}

/* Add a batch's articles (analyzed by a feeder, or not). */
static void worker_add_batch(worker *k, batch *b)
{
    cari_writer *w = k->w;
    size_t i;
    for (i = 0; i < b->n; i++) {
        int rc;
        if (w->error)
            break;  /* the run failed: drain without work */
        rc = worker_add(k, &b->jobs[i].a, b->jobs[i].seq,
                        b->ax && i < b->nanalyzed ? &b->ax[i] : NULL);
        if (rc && rc != CARI_EINPUT) {
            char msg[160];
            snprintf(msg, sizeof msg, "cannot add article: %s",
                     cari_strerror(rc));
            worker_fail(w, rc, msg);
        }
    }
}

/* Flush the worker's segment as asked, and say so. */
static void worker_flush_asked(worker *k)
{
    cari_writer *w = k->w;
    int failed;
    pthread_mutex_lock(&w->mu);
    failed = w->error;
    pthread_mutex_unlock(&w->mu);
    if (!failed)  /* a failed add may have left part of an article in the
                     segment: never written */
        worker_flush(k);
    pthread_mutex_lock(&w->mu);
    k->flush_done = 1;
    pthread_cond_broadcast(&w->idle);
    pthread_mutex_unlock(&w->mu);
}

/* Under w->mu: wait for the next batch of the queue (NULL: none, and a
 * flush was asked (*flush set) or the workers are stopping). */
static batch *take_batch(worker *k, int *flush)
{
    cari_writer *w = k->w;
    batch *b;
    *flush = 0;
    while (!w->queue_head && !w->stop && k->flush_gen == w->flush_gen)
        pthread_cond_wait(&w->has_work, &w->mu);
    if (!w->queue_head) {
        if (k->flush_gen != w->flush_gen) {
            /* asked to flush (the queue is drained) */
            k->flush_gen = w->flush_gen;
            *flush = 1;
        }
        return NULL;
    }
    b = pop_batch(&w->queue_head, &w->queue_tail);
    w->queued--;
    w->busy++;
    pthread_cond_signal(&w->has_room);
    return b;
}

/* Under w->mu: a batch is done. */
static void batch_done(cari_writer *w)
{
    w->busy--;
    pthread_cond_broadcast(&w->idle);
}

static void *worker_main(void *arg)
{
    worker *k = arg;
    cari_writer *w = k->w;
    cari_thread_name("cari-worker");
    for (;;) {
        batch *b;
        int flush;
        pthread_mutex_lock(&w->mu);
        b = take_batch(k, &flush);
        pthread_mutex_unlock(&w->mu);
        if (!b) {
            if (!flush)
                break;  /* stop */
            worker_flush_asked(k);
            continue;
        }
        worker_add_batch(k, b);
        batch_free(b);
        pthread_mutex_lock(&w->mu);
        batch_done(w);
        pthread_mutex_unlock(&w->mu);
    }
    return NULL;
}

/* The memory of b's analyses. */
static size_t analysis_bytes(const batch *b)
{
    size_t i, n = 0;
    if (!b->ax)
        return 0;
    for (i = 0; i < b->n; i++)
        n += b->ax[i].tokens.cap * sizeof *b->ax[i].tokens.items +
             b->ax[i].spans.cap * sizeof *b->ax[i].spans.items +
             b->ax[i].ends_cap * sizeof *b->ax[i].ends;
    return n + b->n * sizeof *b->ax;
}

/* Under w->mu: hand b to the feeder's worker, waiting while the pipe is
 * full (a mark always goes in). */
static void pipe_put(worker *k, batch *b)
{
    cari_writer *w = k->w;
    while (!b->mark && k->pipe_len >= PIPE_DEPTH)
        pthread_cond_wait(&k->pipe, &w->mu);
    b->next = NULL;
    if (k->pipe_tail)
        k->pipe_tail->next = b;
    else
        k->pipe_head = b;
    k->pipe_tail = b;
    k->pipe_len++;
    if (!b->mark)
        k->piped_batches++;
    pthread_cond_broadcast(&k->pipe);
}

/* Under w->mu: pass a mark on (one of the worker's own: a flush must not
 * fail for want of memory). */
static void pipe_mark(worker *k, int mark)
{
    batch *b = &k->marks[mark - 1];
    memset(b, 0, sizeof *b);
    b->mark = mark;
    pipe_put(k, b);
}

/* A piped worker's feeder: analyzes the queue's batches for its worker.
 * The tokens point into its analyzer's word cache, so the cache is only
 * trimmed (cari_analyzer_bound) when the worker holds no batch of it. */
static void *feeder_main(void *arg)
{
    worker *k = arg;
    cari_writer *w = k->w;
    cari_thread_name("cari-feed");
    for (;;) {
        batch *b;
        int flush, handed, rc = CARI_OK;
        size_t i;
        pthread_mutex_lock(&w->mu);
        b = take_batch(k, &flush);
        if (!b) {
            pipe_mark(k, flush ? MARK_FLUSH : MARK_STOP);
            pthread_mutex_unlock(&w->mu);
            if (!flush)
                break;
            continue;
        }
        if (cari_analyzer_over(k->analyzer)) {
            while (k->piped_batches)
                pthread_cond_wait(&k->pipe, &w->mu);
            pthread_mutex_unlock(&w->mu);
            cari_analyzer_bound(k->analyzer);
        } else {
            pthread_mutex_unlock(&w->mu);
        }
        if (!w->error) {
            b->ax = calloc(b->n ? b->n : 1, sizeof *b->ax);
            if (!b->ax)
                rc = CARI_ENOMEM;
            for (i = 0; i < b->n && !rc; i++) {
                const cari_article *a = &b->jobs[i].a;
                if (a->title_len + a->text_len > PIPE_ARTICLE_MAX)
                    break;  /* the worker's, from here on */
                rc = cari_segw_analyze(k->analyzer, &w->pp, a, &b->ax[i]);
            }
            b->nanalyzed = i;
            if (rc) {
                char msg[160];
                snprintf(msg, sizeof msg, "cannot analyze article: %s",
                         cari_strerror(rc));
                worker_fail(w, rc, msg);
            }
        }
        b->held = b->bytes + analysis_bytes(b);
        b->analyzer_bytes = cari_analyzer_memory(k->analyzer);
        handed = b->ax && b->nanalyzed < b->n;
        pthread_mutex_lock(&w->mu);
        pipe_put(k, b);
        if (handed)
            /* the worker uses the analyzer for the rest: wait for it */
            while (k->piped_batches)
                pthread_cond_wait(&k->pipe, &w->mu);
        pthread_mutex_unlock(&w->mu);
    }
    return NULL;
}

/* Under w->mu: hand b to the worker's storer. */
static void store_put(worker *k, batch *b)
{
    b->next = NULL;
    if (k->store_tail)
        k->store_tail->next = b;
    else
        k->store_head = b;
    k->store_tail = b;
    if (!b->mark)
        k->store_pending++;
    pthread_cond_broadcast(&k->stored);
}

/* A thread is done with b: the last one frees it. */
static void batch_release(cari_writer *w, batch *b)
{
    int refs;
    pthread_mutex_lock(&w->mu);
    refs = --b->refs;
    pthread_mutex_unlock(&w->mu);
    if (refs <= 0)
        batch_free(b);
}

/* A piped worker's storer: adds the text of the batches its worker is
 * inverting to their segment's stored text, in the same order. */
static void *storer_main(void *arg)
{
    worker *k = arg;
    cari_writer *w = k->w;
    cari_thread_name("cari-store");
    for (;;) {
        batch *b;
        size_t i;
        pthread_mutex_lock(&w->mu);
        while (!k->store_head && !k->storer_quit)
            pthread_cond_wait(&k->stored, &w->mu);
        if (!k->store_head) {  /* its worker never started */
            pthread_mutex_unlock(&w->mu);
            break;
        }
        b = pop_batch(&k->store_head, &k->store_tail);
        pthread_mutex_unlock(&w->mu);
        if (b->mark)  /* stop */
            break;
        for (i = 0; i < b->n && !w->error; i++) {
            int rc = cari_segw_store(b->segw, &b->jobs[i].a);
            if (rc) {
                char msg[160];
                snprintf(msg, sizeof msg, "cannot store article: %s",
                         cari_strerror(rc));
                worker_fail(w, rc, msg);
            }
        }
        pthread_mutex_lock(&w->mu);
        k->store_at[b->no % (STORE_LAG + 1)] = cari_segw_store_memory(b->segw);
        k->store_pending--;
        pthread_cond_broadcast(&k->stored);
        pthread_mutex_unlock(&w->mu);
        batch_release(w, b);
    }
    return NULL;
}

/* Invert an analyzed batch while the storer stores it; flush after it if
 * the budget is used. */
static void piped_add(worker *k, batch *b)
{
    cari_writer *w = k->w;
    int rc = worker_segw(k, b), full;
    cari_analysis *ax;
    size_t i;
    if (rc) {
        worker_fail(w, rc, "cannot add article: out of memory");
        return;
    }
    pthread_mutex_lock(&w->mu);
    /* the storer lags: at most STORE_LAG batches (pair_full counts on it) */
    while (k->store_pending >= STORE_LAG)
        pthread_cond_wait(&k->stored, &w->mu);
    b->segw = k->segw;
    b->refs = 2;
    b->no = k->nbatches++;
    k->text_total += b->bytes;
    k->text_at[b->no % (STORE_LAG + 1)] = k->text_total;
    store_put(k, b);
    pthread_mutex_unlock(&w->mu);
    worker_add_batch(k, b);
    /* the analysis is done with (the storer reads the text only) */
    ax = b->ax;
    pthread_mutex_lock(&w->mu);
    b->ax = NULL;
    full = !w->error && pair_full(k, b);
    pthread_mutex_unlock(&w->mu);
    for (i = 0; i < b->n; i++)
        cari_analysis_free(&ax[i]);
    free(ax);
    if (full)
        worker_flush(k);
}

/* A piped worker: inverts what its feeder analyzed. */
static void *piped_main(void *arg)
{
    worker *k = arg;
    cari_writer *w = k->w;
    cari_thread_name("cari-invert");
    for (;;) {
        batch *b;
        pthread_mutex_lock(&w->mu);
        while (!k->pipe_head)
            pthread_cond_wait(&k->pipe, &w->mu);
        b = pop_batch(&k->pipe_head, &k->pipe_tail);
        k->pipe_len--;
        pthread_cond_broadcast(&k->pipe);
        if (b->mark == MARK_STOP) {
            store_put(k, b);  /* the storer stops too */
            pthread_mutex_unlock(&w->mu);
            break;
        }
        pthread_mutex_unlock(&w->mu);
        if (b->mark) {
            worker_flush_asked(k);
            continue;
        }
        if (b->ax && !w->error)  /* ax NULL: the run failed before */
            piped_add(k, b);
        batch_release(w, b);
        pthread_mutex_lock(&w->mu);
        k->piped_batches--;
        pthread_cond_broadcast(&k->pipe);
        batch_done(w);
        pthread_mutex_unlock(&w->mu);
    }
    return NULL;
}

static int start_workers(cari_writer *w, cari_error *err)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int n = w->opts.threads > 0 ? w->opts.threads : (int)(cores > 0 ? cores : 1);
    int i, rc, nw, paired;
    if (n > MAX_THREADS)
        n = MAX_THREADS;
    /* threads go in pairs, a feeder and a worker (and a storer), each
     * pair building one segment; an odd one out is a worker alone.  Only
     * when a pair's share is PAIR_MIN_SHARE_MB at least: its pipeline
     * holds ~7 MB of analyses and up to 16 MB of text (pair_full), which
     * a smaller share would spend on tiny segments; then every thread is
     * a worker alone, with a segment of its own. */
    nw = (n + 1) / 2;
    paired = n > 1 && w->opts.memory_mb / (size_t)nw >= PAIR_MIN_SHARE_MB;
    if (!paired)
        nw = n;
    /* a worker's share is MIN_SHARE_MB at least: below, its word cache
     * (a quarter of the share) would be cleared at every article, and its
     * segments would be tiny */
    if ((size_t)nw > w->opts.memory_mb / MIN_SHARE_MB)
        nw = (int)(w->opts.memory_mb / MIN_SHARE_MB);
    if (nw < 1)
        nw = 1;
    if (!paired)
        n = nw;
    w->workers = calloc((size_t)nw, sizeof *w->workers);
    if (!w->workers)
        return cari_set_error(err, CARI_ENOMEM, "out of memory");
    /* the lock also guards the statistics and the pending list, so it
     * exists with one worker too */
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->has_work, NULL);
    pthread_cond_init(&w->has_room, NULL);
    pthread_cond_init(&w->idle, NULL);
    w->nworkers = nw;
    w->threaded = n > 1;
    for (i = 0; i < nw; i++) {
        pthread_cond_init(&w->workers[i].pipe, NULL);
        pthread_cond_init(&w->workers[i].stored, NULL);
    }
    for (i = 0; i < nw; i++) {
        worker *k = &w->workers[i];
        k->w = w;
        k->piped = paired && 2 * i + 1 < n;
        rc = cari_analyzer_new(&k->analyzer, err);
        if (rc)
            return rc;
        /* the word cache takes a quarter of the thread's share at most */
        cari_analyzer_set_cache_bytes(k->analyzer, worker_share(w) / 4);
    }
    if (!w->threaded)
        return CARI_OK;
    for (i = 0; i < nw; i++) {
        worker *k = &w->workers[i];
        if (k->piped) {
            if (pthread_create(&k->storer, NULL, storer_main, k) != 0)
                return cari_set_error(err, CARI_ENOMEM,
                                      "cannot start indexing threads");
            k->storer_started = 1;
        }
        if (pthread_create(&k->thread, NULL,
                           k->piped ? piped_main : worker_main, k) != 0)
            return cari_set_error(err, CARI_ENOMEM,
                                  "cannot start indexing threads");
        k->started = 1;
        if (!k->piped)
            continue;
        if (pthread_create(&k->feeder, NULL, feeder_main, k) != 0)
            return cari_set_error(err, CARI_ENOMEM,
                                  "cannot start indexing threads");
        k->feeder_started = 1;
    }
    return CARI_OK;
}

/* Hand the open batch to the workers (waiting while the queue is full). */
static void submit_batch(cari_writer *w)
{
    batch *b = w->open_batch;
    if (!b)
        return;
    w->open_batch = NULL;
    pthread_mutex_lock(&w->mu);
    b->ids_bytes = w->session_bytes - w->seq_bytes;
    while (w->queued >= 2 * (size_t)w->nworkers && !w->error)
        pthread_cond_wait(&w->has_room, &w->mu);
    b->next = NULL;
    if (w->queue_tail)
        w->queue_tail->next = b;
    else
        w->queue_head = b;
    w->queue_tail = b;
    w->queued++;
    pthread_cond_signal(&w->has_work);
    pthread_mutex_unlock(&w->mu);
}

/* Wait until every queued article is in a segment file. */
static int flush_all(cari_writer *w)
{
    int i, rc;
    if (w->error)  /* a failed run is never flushed (see cari_writer_add) */
        return writer_error(w, w->error, "%s", w->worker_errmsg);
    if (!w->threaded) {
        rc = worker_flush(&w->workers[0]);
        return rc ? writer_error(w, rc, "%s", w->worker_errmsg) : CARI_OK;
    }
    submit_batch(w);
    pthread_mutex_lock(&w->mu);
    while (w->queue_head || w->busy)
        pthread_cond_wait(&w->idle, &w->mu);
    w->flush_gen++;
    for (i = 0; i < w->nworkers; i++)
        w->workers[i].flush_done = 0;
    pthread_cond_broadcast(&w->has_work);
    for (i = 0; i < w->nworkers; i++)
        while (!w->workers[i].flush_done)
            pthread_cond_wait(&w->idle, &w->mu);
    rc = w->error;
    pthread_mutex_unlock(&w->mu);
    return rc ? writer_error(w, rc, "%s", w->worker_errmsg) : CARI_OK;
}

int cari_writer_flush(cari_writer *w)
{
    return w ? flush_all(w) : CARI_EINVAL;
}

static void stop_workers(cari_writer *w)
{
    int i;
    if (!w->workers)
        return;
    if (w->threaded) {
        pthread_mutex_lock(&w->mu);
        w->stop = 1;
        w->error = w->error ? w->error : CARI_EINVAL; /* drop queued work */
        pthread_cond_broadcast(&w->has_work);
        pthread_cond_broadcast(&w->has_room);
        for (i = 0; i < w->nworkers; i++) {
            worker *k = &w->workers[i];
            if (!k->piped || k->feeder_started)
                continue;
            /* a thread of the pipe never started: stop the others */
            if (k->started) {
                pipe_mark(k, MARK_STOP);
            } else {
                k->storer_quit = 1;
                pthread_cond_broadcast(&k->stored);
            }
        }
        pthread_mutex_unlock(&w->mu);
        for (i = 0; i < w->nworkers; i++) {
            if (w->workers[i].feeder_started)
                pthread_join(w->workers[i].feeder, NULL);
            if (w->workers[i].started)
                pthread_join(w->workers[i].thread, NULL);
            if (w->workers[i].storer_started)
                pthread_join(w->workers[i].storer, NULL);
        }
        while (w->queue_head) {
            batch *b = w->queue_head;
            w->queue_head = b->next;
            batch_free(b);
        }
    }
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->has_work);
    pthread_cond_destroy(&w->has_room);
    pthread_cond_destroy(&w->idle);
    batch_free(w->open_batch);
    for (i = 0; i < w->nworkers; i++) {
        worker *k = &w->workers[i];
        while (k->pipe_head) {  /* none when all its threads ran */
            batch *b = k->pipe_head;
            k->pipe_head = b->next;
            if (!b->mark)
                batch_free(b);
        }
        pthread_cond_destroy(&k->pipe);
        pthread_cond_destroy(&k->stored);
        cari_segw_free(k->segw);
        free(k->seqs);
        cari_analyzer_free(k->analyzer);
    }
    free(w->workers);
    w->workers = NULL;
}

/* ------------------------------------------------------------------ */
/* Opening and closing                                                 */
/* ------------------------------------------------------------------ */

void cari_writer_close(cari_writer *w)
{
    size_t i;
    if (!w)
        return;
    cari_xapian_writer_close(w->xapian);
    stop_workers(w);
    /* drop uncommitted segment files */
    for (i = 0; i < w->npending; i++) {
        char name[64];
        cari_segment_file_name(name, sizeof name, w->pending[i].number);
        unlink_in(w->dir, name);
        free(w->pending[i].seqs);
    }
    free(w->pending);
    forget_ids(w);
    if (w->segs)
        cari_close_segments(w->segs, w->m.n);
    cari_manifest_free(&w->m);
    cari_analyzer_free(w->analyzer);
    if (w->lock_fd >= 0)
        close(w->lock_fd);
    free(w->dir);
    free(w);
}

/* The writer reads its segments' ids, not their text (a merge loads a
 * source's word list while it copies it), and never ranks: a segment it
 * holds keeps neither its word list nor its tie-break keys. */
static void writer_holds(cari_segment *s)
{
    cari_segment_drop_words(s);
    cari_segment_drop_rank_tables(s);
}

static void writer_holds_all(cari_live_segment *segs, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        writer_holds(segs[i].seg);
}

int cari_writer_open(const char *dir, const cari_writer_options *opts,
                     cari_writer **out, cari_error *err)
{
    cari_writer *w;
    cari_writer_options defaults = CARI_WRITER_OPTIONS_INIT;
    cari_passage_params pp = CARI_PASSAGE_PARAMS_INIT;
    int rc;
    if (!out)
        return cari_set_error(err, CARI_EINVAL, "no handle to open into");
    *out = NULL;
    if (!dir || !*dir)
        return cari_set_error(err, CARI_EINVAL, "no index directory given");
    /* searched as a remote index (xapian-tcpsrv), never written as a
     * local directory named "tcp:" */
    if (strncmp(dir, "tcp://", 6) == 0)
        return cari_set_error(err, CARI_EINVAL, "%s is a remote index: "
                              "indexes are written to a directory (serve "
                              "it with xapian-tcpsrv)", dir);
    if (opts && opts->version != CARI_WRITER_OPTIONS_VERSION)
        return cari_set_error(err, CARI_EINVAL, "unknown options version");
    /* out of range is an error, not the default taken quietly (found by
     * review: compression_level 99 wrote level 2); 0 is the default */
    if (opts && (opts->compression_level < 0 || opts->compression_level > 12))
        return cari_set_error(err, CARI_EINVAL, "compression_level %d: 1 to "
                              "12 (0: the default, %d)",
                              opts->compression_level,
                              defaults.compression_level);
    if (opts && opts->memory_mb &&
        (opts->memory_mb < 16 || opts->memory_mb > (size_t)1 << 20))
        return cari_set_error(err, CARI_EINVAL, "memory_mb %zu: 16 to "
                              "1048576 (0: the default, %zu)",
                              opts->memory_mb, defaults.memory_mb);
    if (opts && opts->threads < 0)
        return cari_set_error(err, CARI_EINVAL, "threads %d: 0 (one per "
                              "core) or more", opts->threads);
    w = calloc(1, sizeof *w);
    if (!w || !(w->dir = strdup(dir))) {
        free(w);
        return cari_set_error(err, CARI_ENOMEM, "out of memory");
    }
    w->lock_fd = -1;
    w->opts = opts ? *opts : defaults;
    if (w->opts.compression_level == 0)
        w->opts.compression_level = defaults.compression_level;
    if (w->opts.memory_mb == 0)
        w->opts.memory_mb = defaults.memory_mb;
    /* in bytes (<< 20) it must not wrap: 2^44 MB wrapped to 0, and the
     * writer flushed a segment per article (found by review).  2^20 MB
     * (above) fits a 64-bit size_t; a 32-bit one holds less */
    if (w->opts.memory_mb > SIZE_MAX >> 21)
        w->opts.memory_mb = SIZE_MAX >> 21;
    w->pp = pp;
    if ((w->opts.backend && strcmp(w->opts.backend, "xapian") == 0) ||
        cari_xapian_is_index(dir)) {
        if (w->opts.backend && strcmp(w->opts.backend, "native") == 0) {
            rc = cari_set_error(err, CARI_EINVAL, "%s holds a Xapian index; "
                                "it cannot be written as native", dir);
            goto fail;
        }
        rc = cari_analyzer_new(&w->analyzer, err);
        if (!rc)
            rc = cari_xapian_writer_open(dir, &w->opts, w->analyzer,
                                         &w->xapian, err);
        if (rc)
            goto fail;
        *out = w;
        return CARI_OK;
    }
    if (w->opts.backend && strcmp(w->opts.backend, "native") != 0) {
        rc = cari_set_error(err, CARI_EINVAL, "unknown backend '%s' (native "
                            "or xapian)", w->opts.backend);
        goto fail;
    }
    rc = cari_mkdir_p(dir, err);
    if (rc)
        goto fail;
    rc = take_lock(dir, &w->lock_fd, err);
    if (rc)
        goto fail;
    rc = cari_analyzer_new(&w->analyzer, err);
    if (rc)
        goto fail;
    rc = cari_manifest_read(dir, &w->m, err);
    if (rc == CARI_ENOTFOUND) {  /* no segment files either: a new index */
        memset(&w->m, 0, sizeof w->m);
        w->no_manifest = 1;
        w->m.next_segment = 1;
        snprintf(w->m.analyzer, sizeof w->m.analyzer, "%s",
                 cari_analyzer_signature(w->analyzer));
        rc = CARI_OK;
    } else if (rc) {
        goto fail;
    } else {
        rc = cari_check_analyzer(dir, &w->m, w->analyzer, err);
        if (rc)
            goto fail;
    }
    w->segs = calloc(w->m.n ? w->m.n : 1, sizeof *w->segs);
    if (!w->segs) {
        rc = cari_set_error(err, CARI_ENOMEM, "out of memory");
        goto fail;
    }
    rc = cari_open_segments(dir, &w->m, NULL, w->segs, err);
    if (rc == CARI_ENOTFOUND) /* the lock keeps commits out: damage */
        rc = cari_missing_file(err, dir);
    if (rc)
        goto fail;
    writer_holds_all(w->segs, w->m.n);
    remove_unreferenced(dir, &w->m);
    rc = start_workers(w, err);
    if (rc)
        goto fail;
    *out = w;
    return CARI_OK;
fail:
    cari_writer_close(w);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The session's ids                                                   */
/* ------------------------------------------------------------------ */

/* The entry of id (hash: cari_hash64's low half), or NULL; *slot gets
 * its slot, or the empty one where it would go. */
static id_entry *find_id(const cari_writer *w, const char *id, size_t len,
                         uint32_t hash, size_t *slot)
{
    size_t mask = w->id_nslots - 1, i = hash & mask;
    *slot = 0;
    if (!w->id_nslots)
        return NULL;
    for (; w->id_slots[i]; i = (i + 1) & mask) {
        id_entry *e = &w->ids[w->id_slots[i] - 1];
        if (e->hash == hash && e->len == len &&
            memcmp(w->ids_text.data + e->off, id, len) == 0) {
            *slot = i;
            return e;
        }
    }
    *slot = i;
    return NULL;
}

/* The session's tables took `bytes` more (workers read the total). */
static void session_grew(cari_writer *w, size_t bytes)
{
    if (w->xapian)
        return;  /* no workers, no lock, no budget to share */
    pthread_mutex_lock(&w->mu);
    w->session_bytes += bytes;
    pthread_mutex_unlock(&w->mu);
}

/* Room for one more id: entries, slots (half full at most) and bytes. */
static int reserve_id(cari_writer *w, size_t len)
{
    size_t text_cap = w->ids_text.cap, i;
    if (w->nids == w->ids_cap) {
        size_t cap = w->ids_cap ? w->ids_cap * 2 : 512;
        id_entry *p = realloc(w->ids, cap * sizeof *p);
        if (!p)
            return CARI_ENOMEM;
        w->ids = p;
        session_grew(w, (cap - w->ids_cap) * sizeof *p);
        w->ids_cap = cap;
    }
    if ((w->nids + 1) * 2 > w->id_nslots) {
        size_t n = w->id_nslots ? w->id_nslots * 2 : 1024;
        uint32_t *slots = cari_calloc_touched(n, sizeof *slots);
        if (!slots || w->nids >= UINT32_MAX) {
            free(slots);
            return CARI_ENOMEM;
        }
        for (i = 0; i < w->nids; i++) {
            size_t j = w->ids[i].hash & (n - 1);
            while (slots[j])
                j = (j + 1) & (n - 1);
            slots[j] = (uint32_t)i + 1;
        }
        free(w->id_slots);
        w->id_slots = slots;
        session_grew(w, (n - w->id_nslots) * sizeof *slots);
        w->id_nslots = n;
    }
    if (cari_buf_reserve(&w->ids_text, len))
        return CARI_ENOMEM;
    if (w->ids_text.cap != text_cap)
        session_grew(w, w->ids_text.cap - text_cap);
    return CARI_OK;
}

/* The session entry of id, created if new; NULL when out of memory. */
static id_entry *remember_id(cari_writer *w, const char *id, size_t len)
{
    uint32_t h = (uint32_t)cari_hash64(id, len);
    size_t slot;
    id_entry *e;
    if (reserve_id(w, len))
        return NULL;
    e = find_id(w, id, len, h, &slot);
    if (!e) {
        e = &w->ids[w->nids];
        e->off = w->ids_text.len;
        e->len = (uint32_t)len;
        e->hash = h;
        e->last_add = e->last_del = 0;
        e->tag = 0;
        memcpy(w->ids_text.data + w->ids_text.len, id, len);
        w->ids_text.len += len;
        w->id_slots[slot] = (uint32_t)++w->nids;
    }
    return e;
}

static void forget_ids(cari_writer *w)
{
    free(w->ids);
    free(w->id_slots);
    cari_buf_free(&w->ids_text);
    w->ids = NULL;
    w->id_slots = NULL;
    w->nids = w->ids_cap = w->id_nslots = 0;
}

/* ------------------------------------------------------------------ */
/* Adding and deleting                                                 */
/* ------------------------------------------------------------------ */

static char *copy_str(cari_arena *a, const char *s, size_t n)
{
    return n ? cari_arena_strndup(a, s, n) : (char *)"";
}

/* Copy the article into the open batch (threads: workers analyze it). */
static int enqueue(cari_writer *w, const cari_article *a, uint64_t seq)
{
    batch *b = w->open_batch;
    job *j;
    if (!b) {
        b = calloc(1, sizeof *b);
        if (!b)
            return CARI_ENOMEM;
        w->open_batch = b;
    }
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        job *p = realloc(b->jobs, cap * sizeof *p);
        if (!p)
            return CARI_ENOMEM;
        b->jobs = p;
        b->cap = cap;
    }
    j = &b->jobs[b->n];
    j->seq = seq;
    j->a.id = copy_str(&b->arena, a->id, a->id_len);
    j->a.id_len = a->id_len;
    j->a.title = copy_str(&b->arena, a->title, a->title_len);
    j->a.title_len = a->title_len;
    j->a.text = copy_str(&b->arena, a->text, a->text_len);
    j->a.text_len = a->text_len;
    j->a.meta = a->meta_len ? copy_str(&b->arena, a->meta, a->meta_len) : NULL;
    j->a.meta_len = a->meta_len;
    if (!j->a.id || !j->a.title || !j->a.text || (a->meta_len && !j->a.meta))
        return CARI_ENOMEM;
    b->n++;
    b->bytes += a->title_len + a->text_len;
    if (b->bytes >= BATCH_BYTES || b->n >= BATCH_ARTICLES)
        submit_batch(w);
    return CARI_OK;
}

int cari_writer_add(cari_writer *w, const cari_article *a)
{
    return cari_writer_add_tagged(w, a, 0, NULL, NULL);
}

/* An add of the session entry s, tagged tag: say whether the id was added
 * before and with what tag (cari_writer_add_tagged). */
static void note_add(id_entry *s, uint64_t tag, int *repeated,
                     uint64_t *previous)
{
    if (repeated && s->last_add) {
        *repeated = 1;
        if (previous)
            *previous = s->tag;
    }
    s->tag = tag;
}

int cari_writer_add_tagged(cari_writer *w, const cari_article *a, uint64_t tag,
                           int *repeated, uint64_t *previous)
{
    id_entry *s;
    size_t bad;
    int rc;
    if (repeated)
        *repeated = 0;
    if (!w)
        return CARI_EINVAL;
    if (!a || !a->id || (!a->title && a->title_len) ||
        (!a->text && a->text_len) || (!a->meta && a->meta_len))
        return writer_error(w, CARI_EINVAL, "%s",
                            !a ? "no article (NULL)"
                               : "an article string is NULL with a length "
                                 "(or the id is NULL)");
    if (a->meta_len) {
        /* the header's promise, which filters, JSON output and --check
         * read it by: a JSON object (found by review: "[1,2]" and "{"
         * were taken, and --check then called the index damaged) */
        int oom;
        int object = cari_meta_is_object(a->meta, a->meta_len, &oom);
        if (oom) {
            /* as any add that ran out of memory: the writer fails */
            if (!w->xapian)
                worker_fail(w, CARI_ENOMEM, "out of memory");
            return writer_error(w, CARI_ENOMEM, "out of memory");
        }
        if (!object)
            return writer_error(w, CARI_EINPUT,
                                "article %.*s: metadata is not a JSON object",
                                (int)(a->id_len > 80 ? 80 : a->id_len), a->id);
    }
    if (w->xapian) {
        /* the session's ids, for the tags alone: of every add, so that
         * an add_tagged after a plain add of the same id says so, as
         * natively (found by review: only tagged adds were noted) */
        rc = xapian_result(w, cari_xapian_writer_add(w->xapian, a));
        if (rc)
            return rc;
        if (!(s = remember_id(w, a->id, a->id_len)))
            return CARI_OK;  /* no memory to tell: not an error */
        note_add(s, tag, repeated, previous);
        s->last_add = 1;
        return CARI_OK;
    }
    if (w->error)
        return writer_error(w, w->error, "%s", w->worker_errmsg);
    if (a->id_len == 0 || memchr(a->id, '\0', a->id_len) ||
        memchr(a->id, '\n', a->id_len))
        return writer_error(w, CARI_EINPUT,
                            "article id is empty or holds NUL/newline");
    if (!cari_utf8_valid(a->id, a->id_len, &bad) ||
        !cari_utf8_valid(a->title, a->title_len, &bad) ||
        !cari_utf8_valid(a->text, a->text_len, &bad) ||
        (a->meta && !cari_utf8_valid(a->meta, a->meta_len, &bad)))
        return writer_error(w, CARI_EINPUT, "article %.*s: invalid UTF-8",
                            (int)(a->id_len > 80 ? 80 : a->id_len), a->id);
    if (a->text_len > (1u << 30) || a->title_len > (1u << 20))
        return writer_error(w, CARI_EINPUT, "article %.*s: %s",
                            (int)(a->id_len > 80 ? 80 : a->id_len), a->id,
                            a->title_len > (1u << 20)
                                ? "title longer than 1 MiB"
                                : "text longer than 1 GiB");
    s = remember_id(w, a->id, a->id_len);
    if (!s)
        return writer_error(w, CARI_ENOMEM, "out of memory");
    note_add(s, tag, repeated, previous);
    s->last_add = ++w->seq;
    if (w->threaded)
        rc = enqueue(w, a, s->last_add);
    else
        rc = worker_add(&w->workers[0], a, s->last_add, NULL);
    if (rc) {
        if (!w->threaded && w->error)
            return writer_error(w, w->error, "%s", w->worker_errmsg);
        if (!w->threaded && rc != CARI_EINPUT) {
            /* the segment may hold part of the article: the run failed */
            char msg[160];
            snprintf(msg, sizeof msg, "cannot add article: %s",
                     cari_strerror(rc));
            worker_fail(w, rc, msg);
        }
        return writer_error(w, rc, "cannot add article: %s",
                            cari_strerror(rc));
    }
    w->stats.articles++;
    w->stats.input_bytes += a->title_len + a->text_len;
    return CARI_OK;
}

/* Is id live in committed segment ls, deleted[] marking its deleted
 * articles: 1 with its article in *a, 0, or an error code (in errmsg). */
static int find_committed(cari_writer *w, const cari_live_segment *ls,
                          const char *id, size_t len,
                          const unsigned char *deleted, uint32_t *a)
{
    int found = cari_segment_find_id(ls->seg, id, len, deleted, a);
    if (found == CARI_ENOMEM)
        return writer_error(w, CARI_ENOMEM, "out of memory");
    if (found < 0)
        return writer_error(w, CARI_ECORRUPT,
                            "%s/seg-%06u.cari: the ids table does not decode",
                            w->dir, ls->number);
    return found;
}

/* Is id live in the last commit: 1, 0, or an error code? */
static int committed_live(cari_writer *w, const char *id, size_t len)
{
    size_t i;
    for (i = 0; i < w->m.n; i++) {
        uint32_t a;
        int found = find_committed(w, &w->segs[i], id, len,
                                   w->segs[i].deleted, &a);
        if (found)
            return found;
    }
    return 0;
}

int cari_writer_set_shard(cari_writer *w, size_t shard, size_t nshards)
{
    if (!w)
        return CARI_EINVAL;
    if (nshards == 0 || shard >= nshards)
        return writer_error(w, CARI_EINVAL, "shard %zu of %zu: no such "
                            "shard", shard, nshards);
    if (!w->xapian)
        return writer_error(w, CARI_EINVAL, "%s is a native index; shards "
                            "are Xapian indexes", w->dir);
    return xapian_result(w, cari_xapian_writer_set_shard(w->xapian, shard,
                                                         nshards));
}

/* A new shard set id: 32 hex digits, random, so that two sets made
 * anywhere (two builds of one collection too) are told apart by
 * cari_index_open_shards.  /dev/urandom; should it fail, the time, the
 * process and an address, hashed: the id only has to differ from other
 * sets', it guards nothing. */
static void new_set_id(char out[33])
{
    unsigned char b[16];
    size_t got = 0, i;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t r;
        while (got < sizeof b &&
               ((r = read(fd, b + got, sizeof b - got)) > 0 ||
                (r < 0 && errno == EINTR)))
            got += r > 0 ? (size_t)r : 0;
        close(fd);
    }
    if (got < sizeof b) {
        struct timespec ts;
        char seed[128];
        uint64_t h1, h2;
        int n;
        clock_gettime(CLOCK_REALTIME, &ts);
        n = snprintf(seed, sizeof seed, "%lld.%ld/%ld/%p",
                     (long long)ts.tv_sec, ts.tv_nsec, (long)getpid(),
                     (void *)b);
        h1 = cari_fnv1a64(seed, (size_t)n);
        seed[0] ^= 0x5a;
        h2 = cari_fnv1a64(seed, (size_t)n);
        for (i = 0; i < 8; i++) {
            b[i] = (unsigned char)(h1 >> (8 * i));
            b[8 + i] = (unsigned char)(h2 >> (8 * i));
        }
    }
    for (i = 0; i < sizeof b; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

int cari_writers_set_shards(cari_writer *const *w, size_t n, size_t *failed)
{
    char fresh[33];
    const char *set = NULL;
    size_t k;
    int rc;
    if (failed)
        *failed = 0;
    if (!w || n == 0)
        return CARI_EINVAL;
    for (k = 0; k < n; k++) {
        if (failed)
            *failed = k;
        rc = cari_writer_set_shard(w[k], k, n);
        if (rc)
            return rc;
        /* the set's id, as a shard of it records it: a set made before
         * the id was kept gets one now, for all its shards */
        if (!set && *cari_xapian_writer_shard_set(w[k]->xapian))
            set = cari_xapian_writer_shard_set(w[k]->xapian);
    }
    if (!set) {
        new_set_id(fresh);
        set = fresh;
    }
    for (k = 0; k < n; k++) {
        if (failed)
            *failed = k;
        rc = xapian_result(w[k], cari_xapian_writer_set_shard_set(
                                     w[k]->xapian, set));
        if (rc)
            return rc;
    }
    return CARI_OK;
}

int cari_writer_delete(cari_writer *w, const char *id, size_t len)
{
    id_entry *s;
    size_t slot;
    int live;
    if (!w)
        return CARI_EINVAL;
    if (!id)
        return writer_error(w, CARI_EINVAL, "no id to delete (NULL)");
    if (len == 0)
        return writer_error(w, CARI_EINVAL, "an empty id cannot be deleted "
                                            "(no article has one)");
    if (w->xapian)
        return xapian_result(w, cari_xapian_writer_delete(w->xapian, id,
                                                          len));
    /* live: added by this session since its last delete, or, when the
     * session has not touched the id, in the last commit (found by
     * review: cari-index counted the ids asked for as deleted) */
    s = find_id(w, id, len, (uint32_t)cari_hash64(id, len), &slot);
    if (s)
        live = s->last_add > s->last_del;
    else if ((live = committed_live(w, id, len)) < 0)
        return live;
    s = remember_id(w, id, len);
    if (!s)
        return writer_error(w, CARI_ENOMEM, "out of memory");
    s->last_del = ++w->seq;
    if (live)
        w->stats.deleted++;
    else
        w->stats.not_found++;
    return CARI_OK;
}

/* ------------------------------------------------------------------ */
/* Commit                                                              */
/* ------------------------------------------------------------------ */

static void set_bit(unsigned char *bitmap, uint32_t i)
{
    bitmap[i >> 3] |= (unsigned char)(1u << (i & 7));
}

/* Deletion bitmaps of the session's own segments: an article lives only if
 * it is its id's last add and no delete followed.  bitmaps[i] stays NULL
 * when segment i keeps everything.  segs[i] gets segment i, open (its
 * structure checked; its checksums were computed as it was written); the
 * caller closes them. */
static int pending_deletions(cari_writer *w, unsigned char **bitmaps,
                             cari_segment **segs)
{
    size_t i;
    for (i = 0; i < w->npending; i++) {
        pending_segment *p = &w->pending[i];
        char name[64], path[4096];
        cari_segment *seg;
        cari_error err;
        uint32_t a;
        int rc;
        cari_segment_file_name(name, sizeof name, p->number);
        if (cari_path_join(path, sizeof path, w->dir, name))
            return writer_error(w, CARI_EINVAL, "index path too long");
        rc = cari_segment_open_written(path, &seg, &err);
        if (rc)
            return writer_error(w, rc, "%s", err.message);
        writer_holds(seg);
        segs[i] = seg;
        for (a = 0; a < p->articles; a++) {
            size_t len;
            const char *id = cari_segment_id(seg, a, &len);
            size_t slot;
            const id_entry *s = find_id(w, id, len,
                                        (uint32_t)cari_hash64(id, len), &slot);
            if (s && p->seqs[a] == s->last_add && s->last_add > s->last_del)
                continue;
            if (!bitmaps[i]) {
                bitmaps[i] = calloc(((size_t)p->articles + 7) / 8, 1);
                if (!bitmaps[i])
                    return writer_error(w, CARI_ENOMEM, "out of memory");
            }
            set_bit(bitmaps[i], a);
        }
    }
    return CARI_OK;
}

/* Deletions in the committed segments: every live article whose id this
 * session added or deleted.  newdel[i] stays NULL when segment i has no new
 * deletion. */
static int old_deletions(cari_writer *w, unsigned char **newdel)
{
    size_t i, j;
    for (j = 0; j < w->nids; j++) {
        const id_entry *s = &w->ids[j];
        const char *id = (const char *)w->ids_text.data + s->off;
        for (i = 0; i < w->m.n; i++) {
            cari_live_segment *ls = &w->segs[i];
            uint32_t a, n = cari_segment_articles(ls->seg);
            const unsigned char *cur = newdel[i] ? newdel[i] : ls->deleted;
            int found = find_committed(w, ls, id, s->len, cur, &a);
            if (found < 0)
                return found;
            if (!found)
                continue;
            if (!newdel[i]) {
                newdel[i] = calloc(((size_t)n + 7) / 8, 1);
                if (!newdel[i])
                    return writer_error(w, CARI_ENOMEM, "out of memory");
                if (ls->deleted)
                    memcpy(newdel[i], ls->deleted, ((size_t)n + 7) / 8);
            }
            set_bit(newdel[i], a);
        }
    }
    return CARI_OK;
}

/* A segment that survives into the next commit. */
typedef struct survivor {
    cari_manifest_entry e;
    cari_segment *seg;              /* open (borrowed or owned) */
    int owned;                      /* seg opened here: close it */
    const unsigned char *deleted;   /* final bitmap, or NULL */
    int new_deletes;                /* deleted changed: a new file */
    uint32_t live;
    int merge;                      /* chosen to be merged */
} survivor;

static int cmp_live(const void *x, const void *y)
{
    const survivor *a = *(survivor *const *)x, *b = *(survivor *const *)y;
    if (a->live != b->live)
        return a->live < b->live ? -1 : 1;
    return a->e.number < b->e.number ? -1 : a->e.number > b->e.number;
}

/* A segment's live bytes, estimated: its file's share of live articles. */
static uint64_t live_bytes(const survivor *v)
{
    uint64_t size = cari_segment_file_size(v->seg);
    return v->e.articles ? size / v->e.articles * v->live : size;
}

/* The tier of a segment of `bytes` live bytes: 0 below
 * CARI_MERGE_FACTOR * CARI_MERGE_FLOOR_MB, then one more for each factor. */
static unsigned tier_of(uint64_t bytes)
{
    uint64_t x = bytes / ((uint64_t)CARI_MERGE_FLOOR_MB << 20);
    unsigned t = 0;
    while (x >= CARI_MERGE_FACTOR) {
        x /= CARI_MERGE_FACTOR;
        t++;
    }
    return t;
}

/* Tiered merging (a log-structured policy, like Lucene's): once
 * CARI_MERGE_FACTOR segments of the last commit share a tier, they are
 * merged into one, which lands a tier or more higher, where it may fill
 * that tier too (then that tier joins the same merge).  So the segment
 * count stays near CARI_MERGE_FACTOR - 1 per tier, the tiers growing by
 * the factor, and an article is rewritten about once per tier.  Only the
 * last commit's segments count: this session's own are split by the
 * writer's threads in a way that varies from run to run, and a merge
 * drops the deleted articles from the statistics, so the choice must not
 * depend on them (docs/DESIGN.md).  They are sv[0..nold); those already
 * chosen join the merge first. */
static void choose_tiers(survivor *sv, size_t nold)
{
    uint64_t merged = 0;
    int any = 0;
    size_t i;
    for (i = 0; i < nold; i++)
        if (sv[i].merge) {
            merged += live_bytes(&sv[i]);
            any = 1;
        }
    for (;;) {
        size_t count[64] = {0};
        unsigned t, full = 64;
        for (i = 0; i < nold; i++)
            if (!sv[i].merge)
                count[tier_of(live_bytes(&sv[i]))]++;
        if (any)
            count[tier_of(merged)]++;
        for (t = 0; t < 64 && full == 64; t++)
            if (count[t] >= CARI_MERGE_FACTOR)
                full = t;
        if (full == 64)
            return;
        /* at least CARI_MERGE_FACTOR - 1 of them are not yet chosen */
        for (i = 0; i < nold; i++)
            if (!sv[i].merge && tier_of(live_bytes(&sv[i])) == full) {
                sv[i].merge = 1;
                merged += live_bytes(&sv[i]);
                any = 1;
            }
    }
}

/* Mark the segments to merge: for an automatic merge, once deleted
 * articles are CARI_AUTO_MERGE_DELETED percent of the index, every segment
 * that holds any: dead articles still cost every query that meets them
 * (postings, statistics) and take space.  The share is the whole index's,
 * not a segment's, so the outcome does not depend on how the writer's
 * threads happened to split the articles: after such a commit the
 * statistics count live articles only, whatever the split
 * (docs/DESIGN.md).  Then the tiers (choose_tiers); and last the smallest
 * segments, enough to leave at most `target` (a merged group counts as
 * one). */
static int choose_merge(survivor *sv, size_t n, size_t nold, size_t target,
                        int automatic)
{
    survivor **order;
    size_t i, k;
    uint64_t all = 0, dead = 0;
    for (i = 0; automatic && i < n; i++) {
        all += sv[i].e.articles;
        dead += sv[i].e.articles - sv[i].live;
    }
    if (dead && dead * 100 >= all * CARI_AUTO_MERGE_DELETED)
        for (i = 0; i < n; i++)
            if (sv[i].live < sv[i].e.articles)
                sv[i].merge = 1;
    if (automatic)
        choose_tiers(sv, nold);
    if (target < 1)
        target = 1;
    if (n <= target)
        return CARI_OK;
    order = malloc(n * sizeof *order);
    if (!order)  /* an automatic merge can wait for the next commit; a
                    merge asked for cannot be skipped in silence */
        return automatic ? CARI_OK : CARI_ENOMEM;
    for (i = 0; i < n; i++)
        order[i] = &sv[i];
    qsort(order, n, sizeof *order, cmp_live);
    k = n - target + 1;
    for (i = 0; i < k; i++)
        order[i]->merge = 1;
    free(order);
    return CARI_OK;
}

/*
 * Split the survivors an automatic merge marked into groups, each merged
 * into a segment of its own: at most CARI_MERGE_MAX_SOURCES a group (or
 * more, so that the commit leaves at most CARI_AUTO_MERGE_SEGMENTS
 * segments), balanced, in segment order.  A merge's memory grows with
 * its sources (their tables and mapped pages, the output's tables), so
 * a session that flushed many segments no longer merges them all at
 * once: at 10x clickid_news with --memory 64, the merge of 75 sources
 * was the run's peak (160 MB); with five merges of 15 the run peaks at
 * 119 MB (bench/scale.sh, docs/DESIGN.md).  sv[i].merge becomes the
 * group's number (1..); returns how many.
 */
static int group_merges(survivor *sv, size_t n)
{
    size_t marked = 0, kept, groups, room, k = 0, i;
    for (i = 0; i < n; i++)
        marked += sv[i].merge != 0;
    kept = n - marked;
    if (marked <= CARI_MERGE_MAX_SOURCES)
        return marked ? 1 : 0;
    groups = (marked + CARI_MERGE_MAX_SOURCES - 1) / CARI_MERGE_MAX_SOURCES;
    room = kept < CARI_AUTO_MERGE_SEGMENTS ? CARI_AUTO_MERGE_SEGMENTS - kept
                                           : 1;
    if (groups > room)
        groups = room;
    for (i = 0; i < n; i++)
        if (sv[i].merge)
            sv[i].merge = 1 + (int)(k++ * groups / marked);
    return (int)groups;
}

/*
 * Merge the survivors marked `group` into one new segment: every live article of
 * theirs (stored text, passage tables, postings: cari_segment_merge, no
 * analysis), in segment order.  The merge streams its output: its memory
 * grows with the passages, not with the text (segment.h).  The merged
 * segment has no deletions.
 */
static int merge_marked(cari_writer *w, survivor *sv, size_t n,
                        cari_manifest *next, int group)
{
    cari_segment **segs = calloc(n ? n : 1, sizeof *segs);
    const unsigned char **del = calloc(n ? n : 1, sizeof *del);
    char name[64], path[4096];
    cari_manifest_entry e;
    cari_merge_result res;
    cari_error err;
    size_t i, k = 0;
    int rc;
    if (!segs || !del) {
        free(segs);
        free(del);
        return writer_error(w, CARI_ENOMEM, "out of memory");
    }
    for (i = 0; i < (size_t)w->nworkers; i++)
        cari_analyzer_drop_cache(w->workers[i].analyzer);
    /* the workers' buffers were freed into their threads' malloc arenas,
     * which glibc keeps; give that memory back before the merge takes its
     * own, so that indexing and merging do not add up */
    trim_heap();
    for (i = 0; i < n; i++)
        if (sv[i].merge == group) {
            segs[k] = sv[i].seg;
            del[k++] = sv[i].deleted;
        }
    e.number = w->m.next_segment;
    cari_segment_file_name(name, sizeof name, e.number);
    if (cari_path_join(path, sizeof path, w->dir, name)) {
        rc = writer_error(w, CARI_EINVAL, "index path too long");
        goto out;
    }
    cari_io_unlink(path);
    rc = cari_segment_merge(segs, del, k, w->opts.compression_level, &w->pp,
                            w->opts.memory_mb << 20, path, w->opts.sync,
                            &res, &err);
    if (rc == CARI_ECORRUPT && res.bad >= 0) {
        /* name the damaged source */
        for (i = 0; i < n; i++)
            if (sv[i].seg == segs[res.bad])
                break;
        rc = writer_error(w, rc, "%s/seg-%06u.cari: does not decode (while "
                          "merging: %s)", w->dir,
                          i < n ? sv[i].e.number : 0, err.message);
        goto out;
    }
    if (rc) {
        rc = writer_error(w, rc, "merging: %s", err.message);
        goto out;
    }
    if (res.articles == 0)
        goto out;  /* nothing live: no segment */
    w->m.next_segment++;
    next->next_segment = w->m.next_segment;
    e.articles = res.articles;
    e.passages = res.passages;
    e.deletes_gen = 0;
    e.ndeleted = 0;
    if (cari_manifest_push(next, &e))
        rc = writer_error(w, CARI_ENOMEM, "out of memory");
out:
    free(segs);
    free(del);
    return rc;
}

/* Write a deletion file for e (its bitmap is final). */
static int write_deletions(cari_writer *w, cari_manifest_entry *e,
                           const unsigned char *bitmap, uint64_t generation)
{
    char name[64], path[4096];
    cari_error err;
    int rc;
    e->ndeleted = cari_count_bits(bitmap, e->articles);
    e->deletes_gen = (uint32_t)generation;
    cari_deletes_file_name(name, sizeof name, e->number, e->deletes_gen);
    if (cari_path_join(path, sizeof path, w->dir, name))
        return writer_error(w, CARI_EINVAL, "index path too long");
    rc = cari_deletes_write(path, bitmap, e->articles, w->opts.sync, &err);
    if (rc)
        return writer_error(w, rc, "%s", err.message);
    return CARI_OK;
}

static int cmp_number(const void *x, const void *y)
{
    const cari_manifest_entry *a = x, *b = y;
    return a->number < b->number ? -1 : a->number > b->number;
}

/*
 * The automatic merge of the survivors marked `group` found the disk full
 * (its error is in errmsg).  It is skipped, not the commit: its output is
 * gone (cari_segment_merge removes a file it could not finish, and its
 * temporary files have no name), so its segments go into the commit as
 * they are, their new deletions written, and the writer's warning says
 * why.  Nothing is lost and the new articles are searchable; the next
 * commit's choice meets the same segments and tries again.  A failure
 * here (the disk is too full even for a deletion file) fails the commit.
 * skipped counts the segments whose merges were skipped in this commit.
 * next's entries are put back in segment order, the order a commit
 * without the merge would give them (the order the next merge takes its
 * sources in).
 */
static int skip_merge(cari_writer *w, survivor *sv, size_t n,
                      cari_manifest *next, int group, size_t *skipped)
{
    size_t i;
    char why[sizeof w->errmsg];
    int rc;
    snprintf(why, sizeof why, "%s", w->errmsg);
    for (i = 0; i < n; i++) {
        cari_manifest_entry e = sv[i].e;
        if (sv[i].merge != group)
            continue;
        ++*skipped;
        if (sv[i].new_deletes) {
            rc = write_deletions(w, &e, sv[i].deleted, next->generation);
            if (rc)
                return rc;
        }
        if (cari_manifest_push(next, &e))
            return writer_error(w, CARI_ENOMEM, "out of memory");
    }
    qsort(next->entries, next->n, sizeof *next->entries, cmp_number);
    w->errmsg[0] = '\0';
    snprintf(w->warning, sizeof w->warning,
             "automatic merge of %zu segments skipped (%s); they were "
             "committed unmerged, and a later commit tries again",
             *skipped, why);
    return CARI_OK;
}

/*
 * A commit failed before its rename: remove what it wrote, its merged
 * segments (numbered from first_merged up to the next number free) and
 * the survivors' new deletion files (of its generation).  The next writer
 * would remove them too (they are named by no MANIFEST), but until then a
 * merged segment can be as large as the index; the session's own
 * segments go when the writer is closed.  Files that were never written
 * are passed over.
 */
static void remove_failed_commit(const cari_writer *w, const survivor *sv,
                                 size_t n, uint32_t first_merged,
                                 uint64_t generation)
{
    char name[64];
    uint32_t number;
    size_t i;
    for (number = first_merged; number < w->m.next_segment; number++) {
        cari_segment_file_name(name, sizeof name, number);
        unlink_in(w->dir, name);
    }
    for (i = 0; sv && i < n; i++) {
        if (!sv[i].new_deletes)
            continue;
        cari_deletes_file_name(name, sizeof name, sv[i].e.number,
                               (uint32_t)generation);
        unlink_in(w->dir, name);
    }
}

/*
 * Is there room for the automatic merge of the survivors marked `group`?
 * Its output holds their live articles, so it is estimated at their live
 * bytes (live_bytes; the merged segment comes out smaller, since the
 * sources' dictionaries overlap: 77% of the estimate for the five
 * 300-article segments of tests/merge_full_disk.t).  When the file system
 * has less than that free, the merge would fill the disk and fail after
 * writing all it could, at every commit while the disk stays full
 * (found by review); it is not started: 0, with the numbers in errmsg for
 * skip_merge.  When statvfs fails, the merge is tried (1).
 */
static int merge_fits(cari_writer *w, const survivor *sv, size_t n, int group)
{
    uint64_t need = 0, free_bytes;
    size_t i;
    for (i = 0; i < n; i++)
        if (sv[i].merge == group)
            need += live_bytes(&sv[i]);
    if (cari_io_free_bytes(w->dir, &free_bytes) != 0 || free_bytes >= need)
        return 1;
    snprintf(w->errmsg, sizeof w->errmsg, "disk full: %" PRIu64 " bytes "
             "free, the merge needs about %" PRIu64, free_bytes, need);
    return 0;
}

int cari_writer_merge(cari_writer *w, unsigned max_segments)
{
    if (!w)
        return CARI_EINVAL;
    if (max_segments == 0)
        return writer_error(w, CARI_EINVAL, "a merge leaves at least one "
                            "segment (max_segments 0)");
    if (w->xapian)
        return CARI_OK;  /* Xapian merges by itself (xapian-compact) */
    w->merge_target = max_segments;
    return CARI_OK;
}

/* seg is one of have[0..n) (a commit's segments taken over, open) */
static int taken_over(cari_segment *const *have, size_t n,
                      const cari_segment *seg)
{
    size_t i;
    for (i = 0; have && seg && i < n; i++)
        if (have[i] == seg)
            return 1;
    return 0;
}

int cari_writer_commit(cari_writer *w)
{
    cari_manifest next, previous;
    cari_live_segment *nextsegs = NULL;  /* next's segments, open */
    unsigned char **newdel = NULL, **pendel = NULL;
    cari_segment **penseg = NULL;  /* the pending segments, open */
    cari_segment **have = NULL;    /* next's segments open already */
    survivor *sv = NULL;
    size_t i, nsv = 0, nold, target;
    uint32_t first_merged;  /* the number of this commit's first merge */
    int rc, merging = 0, unsynced = CARI_OK;
    cari_error err;
    if (!w)
        return CARI_EINVAL;
    w->warning[0] = '\0';
    if (w->xapian) {
        forget_ids(w);
        return xapian_result(w, cari_xapian_writer_commit(w->xapian));
    }
    rc = flush_all(w);
    if (rc) {
        worker_fail(w, rc, cari_writer_errmsg(w));
        return rc;
    }
    memset(&next, 0, sizeof next);
    first_merged = w->m.next_segment;
    next.generation = w->m.generation + 1;
    next.next_segment = w->m.next_segment;
    memcpy(next.analyzer, w->m.analyzer, sizeof next.analyzer);
    newdel = calloc(w->m.n + 1, sizeof *newdel);
    pendel = calloc(w->npending + 1, sizeof *pendel);
    penseg = calloc(w->npending + 1, sizeof *penseg);
    sv = calloc(w->m.n + w->npending + 1, sizeof *sv);
    if (!newdel || !pendel || !penseg || !sv) {
        rc = writer_error(w, CARI_ENOMEM, "out of memory");
        goto done;
    }
    rc = pending_deletions(w, pendel, penseg);
    if (!rc)
        rc = old_deletions(w, newdel);
    /* the session's ids are done with (their deletions are in pendel and
     * newdel): given back before the merges, the commit's peak, which
     * they grew with the session (about 70 bytes an id: 17 MB for
     * 250,000).  A second try of a failed commit would not know them: a
     * failed commit fails the writer (cari.h). */
    if (!rc)
        forget_ids(w);
    /* the survivors: old segments (with their deletions), then pending */
    for (i = 0; i < w->m.n && !rc; i++) {
        survivor *v = &sv[nsv];
        v->e = w->m.entries[i];
        v->seg = w->segs[i].seg;
        v->deleted = newdel[i] ? newdel[i] : w->segs[i].deleted;
        v->new_deletes = newdel[i] != NULL;
        v->live = v->e.articles - cari_count_bits(v->deleted, v->e.articles);
        if (v->live)
            nsv++;
    }
    nold = nsv;
    for (i = 0; i < w->npending && !rc; i++) {
        pending_segment *p = &w->pending[i];
        survivor *v = &sv[nsv];
        cari_manifest_entry e = {p->number, p->articles, p->passages, 0, 0};
        v->e = e;
        v->deleted = pendel[i];
        v->new_deletes = pendel[i] != NULL;
        v->live = e.articles - cari_count_bits(v->deleted, e.articles);
        if (!v->live)
            continue;
        v->seg = penseg[i];  /* the survivor closes it now */
        penseg[i] = NULL;
        v->owned = 1;
        nsv++;
    }
    /* merges: asked for, or past the automatic limit */
    if (!rc) {
        target = w->merge_target ? w->merge_target
                 : nsv > CARI_AUTO_MERGE_SEGMENTS ? CARI_AUTO_MERGE_SEGMENTS / 2
                                                  : nsv;
        if (choose_merge(sv, nsv, nold, target, !w->merge_target))
            rc = writer_error(w, CARI_ENOMEM, "out of memory");
        /* a full merge of one segment drops its deleted articles */
        if (w->merge_target == 1 && nsv == 1 && sv[0].deleted)
            sv[0].merge = 1;
        for (i = 0; i < nsv; i++)
            merging |= sv[i].merge;
    }
    for (i = 0; i < nsv && !rc; i++) {
        cari_manifest_entry e = sv[i].e;
        if (sv[i].merge)
            continue;
        if (sv[i].new_deletes) {
            rc = write_deletions(w, &e, sv[i].deleted, next.generation);
            if (rc)
                break;
        }
        if (cari_manifest_push(&next, &e))
            rc = writer_error(w, CARI_ENOMEM, "out of memory");
    }
    if (!rc && merging) {
        /* a merge asked for makes one segment of what it chose */
        int groups = w->merge_target ? 1 : group_merges(sv, nsv), g;
        size_t skipped = 0;
        for (g = 1; g <= groups && !rc; g++) {
            /* an automatic merge that does not fit waits: the commit
             * lands without it; a merge asked for is tried, and fails
             * the commit if it does not fit */
            if (!w->merge_target && !merge_fits(w, sv, nsv, g)) {
                rc = skip_merge(w, sv, nsv, &next, g, &skipped);
                continue;
            }
            rc = merge_marked(w, sv, nsv, &next, g);  /* trims first */
            if (rc == CARI_ENOSPACE && !w->merge_target)
                rc = skip_merge(w, sv, nsv, &next, g, &skipped);
        }
        trim_heap();  /* the last merge's buffers, before the segments open */
    }
    if (!rc && w->opts.sync) {
        rc = cari_fsync_dir(w->dir, &err);
        if (rc)
            writer_error(w, rc, "%s", err.message);
    }
    /* the writer's view of the new commit is opened before it is made
     * visible: a failure here leaves the previous commit */
    if (!rc && (!(nextsegs = calloc(next.n ? next.n : 1, sizeof *nextsegs)) ||
                !(have = calloc(next.n ? next.n : 1, sizeof *have))))
        rc = writer_error(w, CARI_ENOMEM, "out of memory");
    /* a segment that goes on unmerged is open already (an old one in
     * w->segs, a new one from pending_deletions): taken over, not opened
     * and checksummed again (a commit of a few articles to a large index
     * read all of it) */
    for (i = 0; !rc && i < next.n; i++) {
        size_t j;
        for (j = 0; j < nsv; j++)
            if (!sv[j].merge && sv[j].e.number == next.entries[i].number) {
                have[i] = sv[j].seg;
                break;
            }
    }
    if (!rc) {
        rc = cari_open_segments(w->dir, &next, have, nextsegs, &err);
        if (rc)
            writer_error(w, rc, "opening the new segments: %s", err.message);
        else
            writer_holds_all(nextsegs, next.n);
    }
    if (!rc) {
        rc = cari_manifest_write(w->dir, &next, w->opts.sync, &err);
        if (rc)
            writer_error(w, rc, "%s", err.message);
    }
    /* the rename made the commit visible: a failing fsync of the directory
     * now cannot undo it, only leave its durability in doubt */
    if (!rc && w->opts.sync && cari_fsync_dir(w->dir, &err) != CARI_OK)
        unsynced = writer_error(w, CARI_ENOTDURABLE,
                                "the commit is in place, but syncing the "
                                "index directory failed (%s); it may not "
                                "survive a power loss",
                                err.message);
done:
    if (rc)
        remove_failed_commit(w, sv, nsv, first_merged, next.generation);
    for (i = 0; sv && i < nsv; i++)
        if (sv[i].owned && (rc || !taken_over(have, next.n, sv[i].seg)))
            cari_segment_close(sv[i].seg);
    free(sv);
    for (i = 0; penseg && i < w->npending; i++)
        cari_segment_close(penseg[i]);
    free(penseg);
    for (i = 0; newdel && i < w->m.n; i++)
        free(newdel[i]);
    for (i = 0; pendel && i < w->npending; i++)
        free(pendel[i]);
    free(newdel);
    free(pendel);
    if (rc) {
        w->warning[0] = '\0';
        if (nextsegs) {
            for (i = 0; have && i < next.n; i++)
                if (have[i])
                    nextsegs[i].seg = NULL;  /* still sv's or w->segs' */
            cari_close_segments(nextsegs, next.n);
        }
        free(have);
        cari_manifest_free(&next);
        worker_fail(w, rc, cari_writer_errmsg(w));
        return rc;
    }
    /* committed: the new manifest becomes the base for what follows */
    w->merge_target = 0;
    for (i = 0; i < w->m.n; i++)
        if (taken_over(have, next.n, w->segs[i].seg))
            w->segs[i].seg = NULL;  /* nextsegs' now */
    free(have);
    cari_close_segments(w->segs, w->m.n);
    w->segs = NULL;
    previous = w->m;
    w->m = next;
    for (i = 0; i < w->npending; i++)
        free(w->pending[i].seqs);
    w->npending = 0;
    forget_ids(w);
    pthread_mutex_lock(&w->mu);
    w->session_bytes = w->seq_bytes = 0;
    w->no_manifest = 0;  /* a commit wrote it */
    pthread_mutex_unlock(&w->mu);
    /* the files of the previous commit stay until the new one is durable
     * (after a crash its MANIFEST may come back); those it named go even
     * when the directory cannot be read */
    if (!unsynced) {
        remove_superseded(w->dir, &previous, &w->m);
        remove_unreferenced(w->dir, &w->m);
    }
    cari_manifest_free(&previous);
    w->segs = nextsegs;
    w->stats.terms = 0;
    w->stats.index_bytes = 0;
    w->stats.total_articles = 0;
    for (i = 0; i < w->m.n; i++) {
        w->stats.terms += cari_segment_terms(w->segs[i].seg);
        w->stats.index_bytes += cari_segment_file_size(w->segs[i].seg);
        w->stats.total_articles +=
            cari_segment_articles(w->segs[i].seg) - w->segs[i].ndeleted;
    }
    return unsynced;
}

void cari_writer_get_stats(const cari_writer *w, cari_writer_stats *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    if (w && w->xapian)
        cari_xapian_writer_stats(w->xapian, out);
    else if (w)
        *out = w->stats;
}

const char *cari_writer_errmsg(const cari_writer *w)
{
    return w ? w->errmsg : "";
}

const char *cari_writer_warning(const cari_writer *w)
{
    return w ? w->warning : "";
}
