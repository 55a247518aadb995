/*
 * analyzer_internal.h -- the analyzer's interface inside libcari: the term
 * stream used by the indexer, the query parser and the snippet maker.
 */
#ifndef CARI_ANALYZER_INTERNAL_H
#define CARI_ANALYZER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "cari.h"

extern const char *const cari_stopwords[];
extern const size_t cari_stopword_count;

/* One analyzed token.  term points into the analyzer's cache and stays
 * valid until the next cari_analyzer_run() on the same analyzer. */
typedef struct cari_term_token {
    const char *term;
    uint32_t term_len;
    uint32_t position;
    uint32_t start, end;  /* byte offsets in the analyzed text */
    /* The term's number in the analyzer's cache, from 1 (0 for none:
     * stopwords, and tokens not from the cache): the inverter keeps the
     * term id it found for it in a table of its own, indexed by this
     * number, so a word seen before is not hashed again.  The numbers
     * are those of the cache's generation (cari_tokvec.gen). */
    uint32_t slot;
    uint8_t stop;         /* stopword: position only, not indexed (but
                             in titles: below); term is then the folded
                             form */
    uint8_t alternative;  /* extra term at the previous token's position */
    uint8_t joined;       /* an alternative that is a bound form written
                             apart joined to the next word ("non migas":
                             nonmigas); its range spans both words */
} cari_term_token;

/* A title's stopwords are indexed as "~" and the folded word, with
 * positions and without length (segment.c, and xapian_backend.c alike;
 * rank.c's title_phrase), when the word has at most this many bytes;
 * passage text keeps none. */
#define CARI_TITLE_STOP_MAX 30

typedef struct cari_tokvec {
    cari_term_token *items;
    size_t len, cap;
    /* The generation of the word cache its tokens' slots number: set by
     * every run and append; never 0, and never the same for two caches,
     * nor for one cache before and after it is cleared. */
    uint32_t gen;
} cari_tokvec;

void cari_tokvec_free(cari_tokvec *v);

/*
 * Analyze text[0..len) into out (cleared first).  Positions start at
 * first_position; each surface token takes one position.  Returns the
 * number of positions used (>= 0) or CARI_ENOMEM.
 */
long cari_analyzer_run(cari_analyzer *a, const char *text, size_t len,
                       uint32_t first_position, cari_tokvec *out);

/* The same, appending to out, and leaving the word cache as it is:
 * the tokens of earlier runs point into it, and stay valid until
 * cari_analyzer_bound() (segment.c cari_segw_analyze: an article's
 * tokens are all kept until they are inverted, possibly by another
 * thread).  With CARI_ANALYZE_NO_STOPS, stopwords give no token (their
 * positions are still counted): what the indexer wants of passage text,
 * which keeps none of them. */
#define CARI_ANALYZE_NO_STOPS 1u
long cari_analyzer_append(cari_analyzer *a, const char *text, size_t len,
                          uint32_t first_position, unsigned flags,
                          cari_tokvec *out);
/* Whether the word cache is past its bound, and trim it if it is (what
 * every cari_analyzer_run() does first); tokens analyzed before then must
 * no longer be used. */
int cari_analyzer_over(const cari_analyzer *a);
void cari_analyzer_bound(cari_analyzer *a);

/* Give back the word cache's memory (it fills again as words come): the
 * writer does so before a merge, whose memory would otherwise add to the
 * cache's (tens of MB) in its peak. */
void cari_analyzer_drop_cache(cari_analyzer *a);
/* The word cache's memory in bytes, and a bound on it (0: none, the
 * default; the cache is still cleared at 2^18 words): once past it, the
 * next run starts with an empty cache.  An indexing thread's cache counts
 * in its share of --memory. */
size_t cari_analyzer_memory(const cari_analyzer *a);
void cari_analyzer_set_cache_bytes(cari_analyzer *a, size_t bytes);

/* Benchmarks only: stem with bare Snowball instead of cari's stemmer (the
 * baseline of `make bench-stem`).  Changes the signature, so an index can
 * never be built or read this way by accident. */
int cari_analyzer_use_snowball_only(cari_analyzer *a);

#endif
