/*
 * hits.h -- the result list both backends fill (internal to libcari).
 */
#ifndef CARI_HITS_H
#define CARI_HITS_H

#include "cari.h"
#include "util.h"

struct cari_hits {
    cari_arena arena;     /* every string and array of the hits */
    cari_hit *items;
    size_t n;
    uint64_t total;       /* matches, exact or estimated */
    const char *query;    /* the query searched when cari_search corrected
                             it (in the arena), else NULL */
    size_t query_len;
};

/* An empty result list (calloc'd); NULL when out of memory. */
cari_hits *cari_hits_new(void);

/* Room for n hits in h->items (zeroed); CARI_ENOMEM. */
int cari_hits_reserve(cari_hits *h, size_t n);

#endif
