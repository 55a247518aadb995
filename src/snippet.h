/*
 * snippet.h -- the best window of a passage for a query, with the matched
 * words highlighted.  Internal to libcari.
 */
#ifndef CARI_SNIPPET_H
#define CARI_SNIPPET_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer_internal.h"
#include "util.h"

/* A phrase or a NEAR group of the query: its words are highlighted only
 * where they match together.  The arrays are borrowed (the query's). */
typedef struct cari_termgroup {
    const char *const *terms;
    const size_t *lens;
    size_t n;                /* at most 64 */
    const uint32_t *offsets; /* phrase: the terms' positions; NULL: NEAR */
    uint32_t window;         /* NEAR: the largest distance */
} cari_termgroup;

/* The query's terms, as the analyzer produced them: terms[] match
 * anywhere, groups[] where their phrase or NEAR holds. */
typedef struct cari_termlist {
    const char **terms;
    const size_t *lens;
    size_t n;
    const cari_termgroup *groups;
    size_t ngroups, groups_cap;
} cari_termlist;

/* Append term to tl, its arrays growing in arena (*cap: their room; start
 * with tl zeroed and *cap 0).  CARI_ENOMEM. */
int cari_termlist_push(cari_termlist *tl, cari_arena *arena, size_t *cap,
                       const char *term, size_t len);

/* Append a copy of the group g to tl (its arrays stay borrowed), growing in
 * arena.  CARI_ENOMEM. */
int cari_termlist_group(cari_termlist *tl, cari_arena *arena,
                        const cari_termgroup *g);

/*
 * Make a snippet of text[0..len) of about `words` words around the query's
 * matches: white space runs become one space, "…" marks a cut, and every
 * word whose term is a query term is highlighted, a group's term only
 * where its phrase or NEAR group holds.  The snippet and the
 * highlight array are allocated in arena.  Returns CARI_OK or CARI_ENOMEM.
 */
int cari_snippet(cari_analyzer *an, const char *text, size_t len,
                 const cari_termlist *q, int words, cari_tokvec *scratch,
                 cari_arena *arena, char **snippet, size_t *snippet_len,
                 cari_span **highlights, size_t *nhighlights);

#endif
