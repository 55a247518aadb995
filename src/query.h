/*
 * query.h -- the query language: text -> query tree.  Internal to libcari;
 * both backends evaluate the same tree.
 *
 *   query  := or*                          juxtaposed clauses: OR (ranked),
 *                                          or AND with CARI_SEARCH_ALL
 *   or     := and ("OR" and)*              no side only negated
 *   and    := unary ("AND" unary)*
 *   unary  := ["+" | "-" | "NOT"] near     the sign is the operand's alone
 *   near   := atom ("NEAR" ["/" n] atom)*  words only, of one field
 *   atom   := "(" query ")" | [field ":"] (word | '"' words '"')
 *   word   := text | text "*" | "=" text   prefix, exact (unstemmed) form
 *   field  := "title" | "body" | "text"
 *
 * A sign where an atom or a word starts (after NEAR, a field or "=") is a
 * syntax error: the analyzer would drop it as punctuation.
 * An excluded operand takes its passages away from the AND chain or the
 * clause list it stands in ("banjir AND (NOT rob)" too); as a side of OR
 * it is a syntax error.  Operators are upper case (lower-case "and"/"or"
 * are words; an upper-case one where a word should be is an error).
 * Every word goes through the index's analyzer: stopwords drop out
 * (keeping their place in phrases), and a word the analyzer splits into
 * several tokens ("Rp10.000") becomes a phrase.
 */
#ifndef CARI_QUERY_H
#define CARI_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer_internal.h"
#include "snippet.h"
#include "util.h"

/* Terms of one PHRASE or NEAR at most: the positional matcher's bound
 * (search.c); the parser refuses longer ones with a syntax error. */
#define CARI_Q_MAX_POSITIONAL 64

/* A PREFIX leaf stands for at most this many terms, the most frequent
 * first (both backends expand it so; the parser counts a prefix as this
 * many against its limit of terms): bounds the cost of "a*". */
#define CARI_Q_PREFIX_TERMS 64

/* Fields a leaf may match (bit mask). */
#define CARI_QF_BODY 1u
#define CARI_QF_TITLE 2u
#define CARI_QF_ALL (CARI_QF_BODY | CARI_QF_TITLE)

typedef enum cari_qop {
    CARI_Q_TERM,    /* one term */
    CARI_Q_PHRASE,  /* terms at fixed relative positions */
    CARI_Q_NEAR,    /* terms within `window` positions of one another */
    CARI_Q_PREFIX,  /* every term starting with `term` */
    CARI_Q_BOOL     /* must / should / must_not children */
} cari_qop;

typedef struct cari_qnode cari_qnode;

struct cari_qnode {
    cari_qop op;
    unsigned fields;          /* leaves: CARI_QF_* */
    double weight;            /* multiplies the node's score */
    /* TERM, PREFIX: the analyzed term (PREFIX: the folded prefix) */
    const char *term;
    size_t len;
    /* TERM from a word whose exact form differs from its term: that form
     * ("=menulis" for menulis -> tulis), which ranking weighs above the
     * stem; NULL otherwise */
    const char *exact;
    size_t exact_len;
    /* TERM of a plain word: 1 + its position in the query text (words
     * next to each other differ by 1); 0 for any other node */
    uint32_t qpos;
    /* PHRASE, NEAR: the terms, and for PHRASE their positions */
    const char **terms;
    size_t *lens;
    uint32_t *positions;
    size_t nterms;
    uint32_t window;          /* NEAR: largest distance */
    /* BOOL */
    cari_qnode **must, **should, **must_not;
    size_t nmust, nshould, nmust_not;
    /* TERM, PHRASE, NEAR: set by search.c on the leaves the query itself
     * restricts to titles (title:), which search titles even when the
     * first stage of the query's class gives titles no weight */
    int named_title;
};

/*
 * Parse text with the analyzer an; the tree is allocated in arena.
 * all: juxtaposed clauses are required (CARI_SEARCH_ALL).  Returns CARI_OK
 * and *out (NULL when no searchable term is left: only stopwords),
 * CARI_ESYNTAX with a message naming the column in err, or CARI_ENOMEM.
 */
int cari_query_parse(cari_analyzer *an, const char *text, size_t len, int all,
                     cari_arena *arena, cari_qnode **out, cari_error *err);

/* The same, with no operators at all: every word of text is a search word
 * (quotes, brackets and signs are punctuation; AND/OR/NOT are words, mostly
 * stopwords).  Used for natural-language questions. */
int cari_query_parse_plain(cari_analyzer *an, const char *text, size_t len,
                           int all, cari_arena *arena, cari_qnode **out,
                           cari_error *err);

/* Bytes of the white space character (ASCII's or Unicode's: U+00A0,
 * U+2009...) at s[i] of s[0..len), or 0: what parts query words. */
size_t cari_query_space_at(const char *s, size_t len, size_t i);

/* Bytes of the double quote ('"', U+201C, U+201D, U+201E) at s[i] of
 * s[0..len), or 0: what opens and closes a phrase. */
size_t cari_query_quote_at(const char *s, size_t len, size_t i);

/* Append to tl the terms of every positive leaf that may match passage
 * text (what snippets highlight: not a title: leaf's;
 * a phrase's or a NEAR group's as a group, highlighted where it holds);
 * arrays grow in arena, *cap tracks their room (start with tl zeroed and
 * *cap = 0).  PREFIX leaves add nothing: expand them first. */
int cari_query_terms(const cari_qnode *q, cari_arena *arena,
                     cari_termlist *tl, size_t *cap);

/* A node of op in arena, empty but for op, both fields and weight 1 (the
 * parser's nodes; search.c builds its expansions with it too); NULL when
 * out of memory. */
cari_qnode *cari_query_node(cari_arena *arena, cari_qop op);

/* The token a phrase takes for the word whose primary token is tv[i]: an
 * acronym's lower-case stem (every spelling of it holds that), a
 * hyphenated word's joined form (both spellings hold it), else tv[i].
 * The parser's phrases and NEAR groups and the ranking's title phrase
 * take a word so. */
const cari_term_token *cari_query_phrase_token(const cari_tokvec *tv,
                                               size_t i);

/*
 * The words a PREFIX leaf may stand for, as both backends gather them:
 * each word once, its document frequencies summed over the segments,
 * fields and shards it was met in; then the CARI_Q_PREFIX_TERMS most
 * frequent kept.  Start zeroed, with arena set (the words are copied
 * there); free with cari_prefix_words_free.
 */
typedef struct cari_prefix_word {
    char *term;
    size_t len;
    uint64_t df;
} cari_prefix_word;

typedef struct cari_prefix_words {
    cari_arena *arena;
    cari_prefix_word *items;
    size_t n, cap;
    /* items by term, open addressing: 1 + the item's index, 0 empty;
     * nslots a power of 2 (a list searched from the start for every word
     * made "a*" quadratic in the words starting with "a") */
    size_t *slots;
    size_t nslots;
} cari_prefix_words;

/* Gathering stops this far past what is kept: a bound on memory for
 * prefixes like "a*". */
#define CARI_Q_PREFIX_GATHER 100000

/* Add df to word term[0..len), added if new: CARI_OK, CARI_ENOMEM, or 1
 * when CARI_Q_PREFIX_GATHER words are held (stop gathering). */
int cari_prefix_words_add(cari_prefix_words *w, const char *term, size_t len,
                          uint64_t df);

/* Move the first `keep` words to items[0..): the most frequent first,
 * equally frequent ones in byte order (so which of them are kept does not
 * depend on the order segments or shards were read in); returns how many
 * that is. */
size_t cari_prefix_words_first(cari_prefix_words *w, size_t keep);

void cari_prefix_words_free(cari_prefix_words *w);

/* Append a readable form of the tree to out (for --explain and tests). */
int cari_query_describe(const cari_qnode *q, cari_buf *out);

#endif
