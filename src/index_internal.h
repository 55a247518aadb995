/*
 * index_internal.h -- the open index as the search module sees it: its
 * segments, their deletions and the collection statistics.
 */
#ifndef CARI_INDEX_INTERNAL_H
#define CARI_INDEX_INTERNAL_H

#include "analyzer_internal.h"
#include "segment.h"

typedef struct cari_live_segment {
    cari_segment *seg;
    uint32_t number;          /* segment number in the file name */
    unsigned char *deleted;   /* bitmap over articles, NULL if none */
    uint32_t ndeleted;
    uint32_t deletes_gen;     /* generation of its deletion file, 0 none */
} cari_live_segment;

struct cari_xapian_index;

struct cari_index {
    char *dir;
    struct cari_xapian_index *xapian;  /* the Xapian backend, or NULL */
    cari_analyzer *analyzer;
    cari_live_segment *segs;
    size_t nsegs;
    uint64_t generation;
    /* collection statistics over all segments */
    uint64_t passages, articles, deleted;  /* live ones (stats) */
    /* for scoring: every passage and article the postings and total_len
     * count, deleted ones included, so N, df and lengths agree */
    uint64_t stat_passages, stat_articles;
    uint64_t total_len[CARI_NFIELDS];
    uint64_t bytes, terms;
    char errmsg[512];
    /* filter.c: what metadata filters learnt, kept between queries */
    struct cari_filter_cache *filter_cache;
    /* search.c: scratch memory kept between queries (reset, not freed), so
     * that a query does not return memory to the system for the next one
     * to take back (brk, page faults) */
    struct cari_search_scratch {
        cari_arena qa, seg;
        cari_tokvec tv;
        void *heap, *cand;
        size_t heap_cap, cand_cap;  /* bytes */
    } scratch;
};

/* Free ix->scratch (search.c). */
void cari_search_scratch_free(cari_index *ix);

/* Free ix->filter_cache (filter.c). */
void cari_filter_cache_free(struct cari_index *ix);

/* ---- the directory's files (index.c), shared by readers and the writer ---- */

typedef struct cari_manifest_entry {
    uint32_t number, articles, passages, deletes_gen, ndeleted;
} cari_manifest_entry;

typedef struct cari_manifest {
    uint64_t generation;
    uint32_t next_segment;
    char analyzer[256];
    cari_manifest_entry *entries;
    size_t n, cap;
} cari_manifest;

void cari_manifest_free(cari_manifest *m);
int cari_manifest_push(cari_manifest *m, const cari_manifest_entry *e);
/* CARI_ENOTFOUND when dir holds no MANIFEST (and no segment files: with
 * them, MANIFEST was lost, CARI_ECORRUPT). */
int cari_manifest_read(const char *dir, cari_manifest *m, cari_error *err);
/* Write MANIFEST.tmp, (fsync,) rename over MANIFEST.  The commit is
 * visible once this returns CARI_OK; the caller fsyncs the directory. */
int cari_manifest_write(const char *dir, const cari_manifest *m, int sync,
                        cari_error *err);
void cari_segment_file_name(char *out, size_t cap, uint32_t number);
/* Is name (a file in an index directory) one that m names?  1 yes; 0 an
 * index file m does not name (a segment, a deletion file, MANIFEST.tmp:
 * left by an interrupted or superseded writer); -1 not an index file. */
int cari_index_file_named(const cari_manifest *m, const char *name);
void cari_deletes_file_name(char *out, size_t cap, uint32_t number,
                            uint32_t gen);
int cari_deletes_read(const char *path, uint32_t articles,
                      unsigned char **out, cari_error *err);
int cari_deletes_write(const char *path, const unsigned char *bitmap,
                       uint32_t articles, int sync, cari_error *err);
uint32_t cari_count_bits(const unsigned char *bitmap, uint32_t n);
/* Open every segment (and deletion bitmap) m names into segs[0..m->n).
 * A segment have[i] holds open already (have may be NULL) is taken as it
 * is, not opened and checksummed again: segs[i].seg = have[i], which the
 * caller then owns twice over (it keeps one of the two, and on failure
 * must not close segs[i].seg). */
int cari_open_segments(const char *dir, const cari_manifest *m,
                       cari_segment *const *have, cari_live_segment *segs,
                       cari_error *err);
void cari_close_segments(cari_live_segment *segs, size_t n);
/* A file the manifest names is missing: CARI_ECORRUPT naming it. */
int cari_missing_file(cari_error *err, const char *dir);
/* Record in ix->errmsg that live segment i is damaged, as
 * "DIR/seg-NNNNNN.cari: what"; returns CARI_ECORRUPT. */
int cari_index_damaged(cari_index *ix, size_t i, const char *what);
int cari_check_analyzer(const char *dir, const cari_manifest *m,
                        const cari_analyzer *an, cari_error *err);

/* Write every article the writer has taken so far into segment files
 * now, as a full --memory would (tests: many segments from a small
 * input).  CARI_OK or the writer's error. */
int cari_writer_flush(cari_writer *w);

/* MaxScore keeps a query's essential cursors in a heap by passage when it
 * has at least this many cursors, else scans them (search.c; 32); both
 * rank alike to the last bit.  Tests set it to run one query both ways. */
extern size_t cari_search_heap_min;

/* Does ix's collection write term (an analyzed word) as two words of the
 * root dictionary, next to each other in some passage (ibukota: "ibu
 * kota")?  1 yes, 0 no (and for the Xapian backend), < 0 an error.
 * search.c; suggest.c does not correct such a word. */
int cari_search_compound(cari_index *ix, const char *term, size_t len);

static inline int cari_is_deleted(const cari_live_segment *s, uint32_t a)
{
    return s->deleted && (s->deleted[a >> 3] >> (a & 7) & 1);
}

#endif
