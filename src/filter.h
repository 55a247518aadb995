/*
 * filter.h -- metadata filters of a search: the options' where, since and
 * until conditions, evaluated on the stored metadata of candidate articles
 * while a query matches, so that top k, paging and totals count only the
 * passages that pass.  Internal to libcari.
 */
#ifndef CARI_FILTER_H
#define CARI_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cari.h"
#include "util.h"

typedef struct cari_filter cari_filter;

/*
 * json_loadb() of len bytes that tells running out of memory apart from
 * text that does not parse: NULL with *oom = 1 when an allocation failed
 * (jansson reports some of those with no error at all), NULL with *oom = 0
 * and error (may be NULL) filled when the text is not JSON.
 */
json_t *cari_json_load(const char *text, size_t len, json_error_t *error,
                       int *oom);

/* 1 when o holds a where, since or until condition. */
int cari_filter_wanted(const cari_search_options *o);

/*
 * The filter that the options o ask for, over the segments of the native
 * index ix.  *out is NULL when o holds no condition (nothing to check).
 * CARI_EINVAL, with a message in errmsg (cap bytes), for a malformed
 * condition: a where entry without "=" or with an empty key, a date that
 * is not YYYY-MM-DD; CARI_ENOMEM.
 */
int cari_filter_new(cari_index *ix, const cari_search_options *o,
                    cari_filter **out, char *errmsg, size_t cap);

/*
 * Does the article of passage p in segment seg (an index into ix->segs)
 * pass?  1 or 0.  The answer is computed the first time an article is
 * asked about (its stored metadata is read and parsed) and kept for the
 * rest of the query; calls and passes are counted for the totals.
 * Damaged stored data makes it 0 and sets the sticky cari_filter_error().
 */
int cari_filter_check(cari_filter *f, uint32_t seg, uint32_t p);

/*
 * The verdicts on segment seg's articles, a byte each, as far as its
 * metadata terms decide them (CARI_VERDICT_UNSEEN where only the stored
 * record can tell), without reading any record; NULL on an error (then
 * in cari_filter_error()).  Not counted in the calls and passes: search.c
 * counts with them the matches that pass, for an exact total, reading a
 * byte a match inline (a call a match was 6% more instructions for
 * filtered queries).
 */
enum {
    CARI_VERDICT_UNSEEN = 0,
    CARI_VERDICT_PASSES = 1,
    CARI_VERDICT_FAILS = 2
};
const unsigned char *cari_filter_verdicts(cari_filter *f, uint32_t seg);

/* The hook search.c calls where a passage would enter the top k: f may be
 * NULL (no filter: everything passes). */
static inline int cari_filter_pass(cari_filter *f, uint32_t seg, uint32_t p)
{
    return !f || cari_filter_check(f, seg, p);
}

/*
 * The index-time terms of an article's metadata (a JSON object text), as
 * NUL-terminated strings one after another in out (cleared first); *count
 * gets their number.  A top-level field K whose value is a string (or an
 * array holding strings) gives "#K\x1fV" with V folded as where values
 * are; a boolean "#K\x1ftrue"/"false"; a number "#K\x1eN" with N printed
 * "%.17g", -0 as 0 (older segments hold "-0" for -0.0); a "date" field
 * that parses also "@YYYY-MM-DD".  The indexer stores them in the title
 * field without positions (analysis never makes a term starting with '#'
 * or '@'), so a filter reads postings instead of stored text.  Malformed
 * metadata gives no term.
 */
int cari_meta_terms(const char *meta, size_t len, cari_buf *out,
                    size_t *count);
/* The same, read by jansson alone, which flat metadata skips (a scanner
 * of filter.c's own reads it): the tests' and fuzzer's reference. */
int cari_meta_terms_jansson(const char *meta, size_t len, cari_buf *out,
                            size_t *count);

/* Is meta[0, len) a JSON object (what cari_writer_add requires of an
 * article's metadata)?  *oom is set when that could not be found out for
 * lack of memory. */
int cari_meta_is_object(const char *meta, size_t len, int *oom);

/* CARI_OK, or the first error met while checking (CARI_ECORRUPT,
 * CARI_ENOMEM). */
int cari_filter_error(const cari_filter *f);

/* The share of the index's articles that pass, estimated on a fixed
 * sample of them (computed on the first call): scales estimated totals.
 * 1 when f is NULL. */
double cari_filter_pass_rate(cari_filter *f);

/* How many of `candidates` matching passages pass: exact when the filter
 * was asked about every one (search asks about each passage at most
 * once), else the passes seen plus the rest scaled by the pass rate.
 * candidates itself when f is NULL. */
uint64_t cari_filter_total(cari_filter *f, uint64_t candidates);

void cari_filter_free(cari_filter *f);

/* cari_filter_cache_free(), which cari_index_close() calls, is declared in
 * index_internal.h. */

#endif
