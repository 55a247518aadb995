/*
 * hits.c -- the result list: what cari_search() returns, whichever backend
 * produced it.  Everything a hit points to lives in the list's arena.
 */
#include "hits.h"

#include <stdlib.h>
#include <string.h>

cari_hits *cari_hits_new(void)
{
    return calloc(1, sizeof(cari_hits));
}

int cari_hits_reserve(cari_hits *h, size_t n)
{
    h->items = cari_arena_alloc(&h->arena, (n ? n : 1) * sizeof *h->items);
    if (!h->items)
        return CARI_ENOMEM;
    memset(h->items, 0, (n ? n : 1) * sizeof *h->items);
    h->n = n;
    return CARI_OK;
}

size_t cari_hits_count(const cari_hits *h)
{
    return h ? h->n : 0;
}

uint64_t cari_hits_total(const cari_hits *h)
{
    return h ? h->total : 0;
}

const char *cari_hits_query(const cari_hits *h, size_t *len)
{
    if (len)
        *len = h && h->query ? h->query_len : 0;
    return h ? h->query : NULL;
}

int cari_hits_get(const cari_hits *h, size_t i, cari_hit *out)
{
    if (!h || !out || i >= h->n)
        return CARI_EINVAL;
    *out = h->items[i];
    return CARI_OK;
}

void cari_hits_free(cari_hits *h)
{
    if (!h)
        return;
    cari_arena_free(&h->arena);
    free(h);
}
