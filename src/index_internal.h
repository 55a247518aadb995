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
};

/* Free ix->filter_cache (filter.c). */
void cari_filter_cache_free(struct cari_index *ix);

static inline int cari_is_deleted(const cari_live_segment *s, uint32_t a)
{
    return s->deleted && (s->deleted[a >> 3] >> (a & 7) & 1);
}

#endif
