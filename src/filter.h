/*
 * filter.h -- metadata filters of a search: the options' where, since and
 * until conditions, evaluated on the stored metadata of each candidate
 * article while a query matches (so top-k, paging and totals count only
 * the passages that pass).  Internal to libcari.
 */
#ifndef CARI_FILTER_H
#define CARI_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "cari.h"

typedef struct cari_filter cari_filter;

/*
 * The filter that the options o ask for, over the segments of the native
 * index ix.  *out is NULL when o holds no condition (nothing to check).
 * CARI_EINVAL, with a message in errmsg (cap bytes), for a malformed
 * condition: a where entry without "=" or with an empty key, a date that
 * is not YYYY-MM-DD; CARI_ENOMEM.
 */
int cari_filter_new(cari_index *ix, const cari_search_options *o,
                    cari_filter **out, char *errmsg, size_t cap);

/* 1 when o holds a where, since or until condition. */
int cari_filter_wanted(const cari_search_options *o);

/*
 * Does the article of passage p in segment seg (an index into ix->segs)
 * pass?  1 or 0.  The answer is computed the first time an article is
 * asked about (its stored metadata is read and parsed) and kept for the
 * rest of the query.  Damaged stored data makes it 0 and sets the sticky
 * cari_filter_error().
 */
int cari_filter_check(cari_filter *f, uint32_t seg, uint32_t p);

/* The hook search.c calls where it accepts a passage: f may be NULL. */
static inline int cari_filter_pass(cari_filter *f, uint32_t seg, uint32_t p)
{
    return !f || cari_filter_check(f, seg, p);
}

/* CARI_OK, or the first error met while checking (CARI_ECORRUPT). */
int cari_filter_error(const cari_filter *f);

/* Fraction of the articles checked so far that passed: scales estimated
 * totals (1 when f is NULL, 0 when nothing was checked). */
double cari_filter_pass_rate(const cari_filter *f);

void cari_filter_free(cari_filter *f);

#endif
