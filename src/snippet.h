/*
 * snippet.h -- the best window of a passage for a query, with the matched
 * words highlighted.  Internal to libcari.
 */
#ifndef CARI_SNIPPET_H
#define CARI_SNIPPET_H

#include <stddef.h>

#include "analyzer_internal.h"
#include "util.h"

/* The query's terms, as the analyzer produced them. */
typedef struct cari_termlist {
    const char **terms;
    const size_t *lens;
    size_t n;
} cari_termlist;

/* Append term to tl, its arrays growing in arena (*cap: their room; start
 * with tl zeroed and *cap 0).  CARI_ENOMEM. */
int cari_termlist_push(cari_termlist *tl, cari_arena *arena, size_t *cap,
                       const char *term, size_t len);

/*
 * Make a snippet of text[0..len) of about `words` words around the query's
 * matches: white space runs become one space, "…" marks a cut, and every
 * word whose term is a query term is highlighted.  The snippet and the
 * highlight array are allocated in arena.  Returns CARI_OK or CARI_ENOMEM.
 */
int cari_snippet(cari_analyzer *an, const char *text, size_t len,
                 const cari_termlist *q, int words, cari_tokvec *scratch,
                 cari_arena *arena, char **snippet, size_t *snippet_len,
                 cari_span **highlights, size_t *nhighlights);

#endif
