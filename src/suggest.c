/*
 * suggest.c -- "did you mean": corrections for the words of a query, from
 * the index's own vocabulary.
 *
 * The query's searched words are found by a light lexer that skips what
 * the parser (query.c) treats as operators, excluded atoms and prefixes,
 * then analyzed like the query (folding, stemming) to learn whether the
 * index holds them.  A word held at most max_df times is compared with
 * every word of the vocabulary: each segment's terms, where a term "=w" (the
 * exact form of an inflected word) stands for w, since people type words,
 * not stems.  The comparison is the optimal-string-alignment variant of
 * Damerau-Levenshtein distance (a transposition counts as one edit) on
 * code points, bounded: a row whose minimum exceeds the limit stops it, and
 * words whose lengths differ by more than the limit are not compared.  One
 * pass over the vocabulary serves every word of the query; on clickid_news
 * (125k terms) a pass takes a few milliseconds (docs/SUGGEST.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer_internal.h"
#include "codec.h"
#include "index_internal.h"
#include "query.h"
#include "rank.h"
#include "stem.h"
#include "utf8.h"
#include "util.h"

/* Words shorter than this (in code points) get no corrections: one edit
 * away from a 3-letter word is almost any other 3-letter word. */
#define MIN_LETTERS 4
/* Longest word compared (code points). */
#define MAX_LETTERS 48
/* Corrections kept per word. */
#define MAX_ALTERNATIVES 5

typedef struct candidate {
    char *word;
    size_t len;
    uint64_t df;           /* the larger of the two below (finish) */
    uint64_t df_word;      /* its term "word", summed over segments */
    uint64_t df_exact;     /* its term "=word", summed over segments */
    int distance;
    int live;              /* an article not deleted holds it */
} candidate;

typedef struct qword {
    size_t start, end;     /* in the query */
    const char *text;      /* its copy, NUL-terminated (the public view) */
    int32_t cps[MAX_LETTERS];
    int ncp;
    uint32_t set;          /* letters(), for a quick bound */
    int max_distance;
    uint64_t df;
    candidate *cands;
    size_t ncands, cap;
    /* the public view, filled at the end */
    const char **alts;
    size_t *alt_lens;
    uint64_t *alt_dfs;
    int *dists;
    size_t nalts;
} qword;

struct cari_suggestions {
    cari_arena arena;
    const char *query;     /* a copy of the query */
    size_t query_len;
    qword *words;
    size_t n, cap;
    char *corrected;
    size_t corrected_len;
};

typedef struct ctx {
    cari_index *ix;
    cari_suggestions *s;
    uint64_t max_df;
    cari_tokvec tv;
    size_t seg;            /* the segment being scanned */
    int error;
} ctx;

/* ---- distance ---- */

/* Optimal string alignment distance between a and b, or limit + 1 when it
 * exceeds limit. */
static int osa_distance(const int32_t *a, int n, const int32_t *b, int m,
                        int limit)
{
    int rows[3][MAX_LETTERS + 1];
    int *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    int i, j;
    if (abs(n - m) > limit)
        return limit + 1;
    for (j = 0; j <= m; j++)
        prev[j] = j;
    for (i = 1; i <= n; i++) {
        int best = cur[0] = i;
        for (j = 1; j <= m; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = prev[j - 1] + cost;
            if (prev[j] + 1 < v)
                v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
                a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < v)
                v = prev2[j - 2] + 1;
            cur[j] = v;
            if (v < best)
                best = v;
        }
        if (best > limit)
            return limit + 1;
        {
            int *t = prev2;
            prev2 = prev;
            prev = cur;
            cur = t;
        }
    }
    return prev[m] > limit ? limit + 1 : prev[m];
}

/* Decode s[0, n) into at most MAX_LETTERS code points; -1 if longer or
 * invalid. */
static int decode(const char *s, size_t n, int32_t *out)
{
    size_t i = 0;
    int k = 0;
    while (i < n) {
        int len;
        if (k == MAX_LETTERS)  /* before out[k] is written */
            return -1;
        len = cari_utf8_decode((const unsigned char *)s + i, n - i, &out[k]);
        if (len < 0)
            return -1;
        i += (size_t)len;
        k++;
    }
    return k;
}

/* The number of code points of s[0, n), and in *set the set of its
 * characters folded into 32 bits (a-z their own bit, others shared). */
static int letters(const char *s, size_t n, uint32_t *set)
{
    size_t i;
    int k = 0;
    uint32_t m = 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        k += (c & 0xc0) != 0x80;
        m |= c >= 'a' && c <= 'z' ? 1u << (c - 'a') : 1u << (26 + c % 6);
    }
    *set = m;
    return k;
}

static int popcount32(uint32_t x)
{
    int n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
}

static int has_digit(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (s[i] >= '0' && s[i] <= '9')
            return 1;
    return 0;
}

/* ---- the query's words ---- */

/*
 * Does an article of ls that is not deleted hold term (which ls's
 * dictionary has), in a passage or its title?  1 yes, 0 no (only deleted
 * articles do), <0 an error.  The counts (df) are the dictionary's, deleted articles
 * included until a merge (docs/DESIGN.md), but a word that only deleted
 * articles hold is not in the index: found by review, "pegunugan" was
 * corrected to "pegunungan", held by a deleted article only, and the
 * corrected question matched nothing.
 */
static int held_live(const cari_live_segment *ls, const char *term,
                     size_t len)
{
    cari_term_info info;
    int f, found;
    if (!ls->ndeleted)
        return 1;
    found = cari_segment_lookup(ls->seg, term, len, &info);
    if (found <= 0)
        return found < 0 ? CARI_ECORRUPT : 0;
    for (f = 0; f < CARI_NFIELDS; f++) {
        cari_postings p;
        cari_arena arena = {0};
        int rc;
        if (!info.df[f])
            continue;
        rc = cari_term_open(&p, &info, f, &arena);
        while (!rc && p.doc != CARI_DOC_END) {
            /* body lists hold passages, title lists articles */
            uint32_t a = f == CARI_FIELD_BODY
                             ? cari_segment_passage_article(ls->seg, p.doc)
                             : p.doc;
            if (!cari_is_deleted(ls, a)) {
                cari_arena_free(&arena);
                return 1;
            }
            cari_postings_next(&p);
        }
        if (!rc && p.corrupt)
            rc = CARI_ECORRUPT;
        cari_arena_free(&arena);
        if (rc)
            return rc;
    }
    return 0;
}

/* Occurrences of term in the index (passages and titles); 0 when only
 * deleted articles hold it. */
static int term_df(cari_index *ix, const char *term, size_t len,
                   uint64_t *df)
{
    size_t s;
    int live = 0;
    *df = 0;
    for (s = 0; s < ix->nsegs; s++) {
        cari_term_info info;
        int found = cari_segment_lookup(ix->segs[s].seg, term, len, &info);
        if (found < 0)
            return CARI_ECORRUPT;
        if (!found)
            continue;
        *df += (uint64_t)info.df[0] + info.df[1];
        if (!live) {
            live = held_live(&ix->segs[s], term, len);
            if (live < 0)
                return live;
        }
    }
    if (!live)
        *df = 0;
    return CARI_OK;
}

/* Analyze query[a, b), a searched word or phrase, and keep its words that
 * the index holds at most max_df times. */
static int add_span(ctx *c, size_t a, size_t b)
{
    cari_suggestions *s = c->s;
    long n = cari_analyzer_run(c->ix->analyzer, s->query + a, b - a, 0,
                               &c->tv);
    size_t i, m;
    if (n < 0)
        return (int)n;
    for (i = 0; i < c->tv.len; i++) {
        const cari_term_token *t = &c->tv.items[i], *form = t;
        qword *w;
        uint64_t df;
        int rc;
        /* question words ("kapan", "siapa") say what kind of answer is
         * wanted; a small index may lack them, and "kapan" is no typo
         * of "kapal" */
        if (t->alternative || t->stop ||
            cari_rank_is_question_term(t->term, t->term_len))
            continue;
        for (m = i + 1; m < c->tv.len && c->tv.items[m].alternative; m++)
            if (c->tv.items[m].term[0] == '=')
                form = &c->tv.items[m];
        {
            const char *f = form->term + (form != t);
            size_t flen = form->term_len - (form != t);
            int32_t cps[MAX_LETTERS];
            int ncp = decode(f, flen, cps);
            if (ncp < MIN_LETTERS || has_digit(f, flen))
                continue;
            rc = term_df(c->ix, t->term, t->term_len, &df);
            if (rc)
                return rc;
            if (df > c->max_df)
                continue;
            /* a word whose stem is a root of the dictionary (melanda ->
             * landa) is a word of the language, not a typo, even where
             * the index lacks it: a small index would "correct" it into
             * whatever it holds nearby (belanja) */
            if (cari_stemmer_is_root(NULL, t->term, t->term_len))
                continue;
            /* nor are two of them written as one where the collection
             * writes them apart (ibukota: ibu kota), which the search
             * finds as its parts (search.c expand_compounds) */
            rc = cari_search_compound(c->ix, t->term, t->term_len);
            if (rc < 0)
                return rc;
            if (rc)
                continue;
            if (s->n == s->cap) {
                size_t cap = s->cap ? 2 * s->cap : 8;
                qword *p = realloc(s->words, cap * sizeof *p);
                if (!p)
                    return CARI_ENOMEM;
                s->words = p;
                s->cap = cap;
            }
            w = &s->words[s->n++];
            memset(w, 0, sizeof *w);
            memcpy(w->cps, cps, (size_t)ncp * sizeof *cps);
            w->ncp = ncp;
            letters(f, flen, &w->set);
            w->max_distance = ncp <= MIN_LETTERS ? 1 : 2;
            w->df = df;
            w->start = a + t->start;
            w->end = a + t->end;
        }
    }
    return CARI_OK;
}

static int is_word(const char *w, size_t n, const char *op)
{
    return strlen(op) == n && memcmp(w, op, n) == 0;
}

/*
 * Find the searched words of the query (the grammar is query.h's): skip
 * brackets, + and -, the operators AND, OR, NOT, NEAR[/n], field names,
 * "=" and the atom after - or NOT (a word, a phrase or a bracketed group);
 * prefix words ("word*") are not corrected.
 */
static int lex(ctx *c, int plain)
{
    const char *q = c->s->query;
    size_t n = c->s->query_len, i = 0;
    int negate = 0, rc = CARI_OK;
    while (i < n && !rc) {
        size_t e, w = cari_query_space_at(q, n, i);
        /* white space and quotes as the parser reads them (found by
         * review: a word of an excluded phrase in curly quotes was
         * corrected) */
        if (w) {
            i += w;
            continue;
        }
        if (plain) {
            for (e = i; e < n && !cari_query_space_at(q, n, e); e++)
                ;
            rc = add_span(c, i, e);
            i = e;
            continue;
        }
        if (q[i] == '(' && negate) {
            int depth = 0;
            for (; i < n; i++) {
                depth += q[i] == '(';
                depth -= q[i] == ')';
                if (depth == 0)
                    break;
            }
            negate = 0;
            i++;
            continue;
        }
        if (q[i] == '(' || q[i] == ')' || q[i] == '+' || q[i] == '=') {
            i++;
            continue;
        }
        if (q[i] == '-') {
            negate = 1;
            i++;
            continue;
        }
        if ((w = cari_query_quote_at(q, n, i)) > 0) {
            for (e = i + w; e < n && !cari_query_quote_at(q, n, e); e++)
                ;
            if (!negate)
                rc = add_span(c, i + w, e);
            negate = 0;
            i = e < n ? e + cari_query_quote_at(q, n, e) : n;
            continue;
        }
        for (e = i; e < n && !cari_query_space_at(q, n, e) && q[e] != '(' &&
                    q[e] != ')' && !cari_query_quote_at(q, n, e);
             e++)
            ;
        if (is_word(q + i, e - i, "AND") || is_word(q + i, e - i, "OR") ||
            (e - i >= 4 && memcmp(q + i, "NEAR", 4) == 0 &&
             (e - i == 4 || q[i + 4] == '/'))) {
            i = e;
            continue;
        }
        if (is_word(q + i, e - i, "NOT")) {
            negate = 1;
            i = e;
            continue;
        }
        {
            static const char *const fields[] = {"title:", "body:", "text:"};
            size_t f, skip = 0;
            for (f = 0; f < 3 && !skip; f++) {
                size_t fl = strlen(fields[f]);
                if (e - i >= fl && i + fl < n &&
                    !cari_query_space_at(q, n, i + fl) &&
                    memcmp(q + i, fields[f], fl) == 0)
                    skip = fl;
            }
            if (skip) {
                i += skip;  /* the word or phrase after it, next round */
                continue;
            }
        }
        if (!negate && q[e - 1] != '*')
            rc = add_span(c, i, e);
        negate = 0;
        i = e;
    }
    return rc;
}

/* ---- the vocabulary ---- */

/* A word's counts are summed over the segments, each of its two terms
 * apart (a stem that is also an exact form counts as the larger, finish):
 * so that the same collection in any number of segments gets the same
 * corrections (found by review: a candidate was compared with the query
 * word's count one segment at a time, and its two terms were combined in
 * segment order). */
static int add_candidate(qword *w, const char *word, size_t len, uint64_t df,
                         int distance, int exact, int live)
{
    size_t i;
    candidate *cd;
    for (i = 0; i < w->ncands; i++) {
        cd = &w->cands[i];
        if (cd->len == len && memcmp(cd->word, word, len) == 0) {
            if (exact)
                cd->df_exact += df;
            else
                cd->df_word += df;
            cd->live |= live;
            return CARI_OK;
        }
    }
    if (w->ncands == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 8;
        candidate *p = realloc(w->cands, cap * sizeof *p);
        if (!p)
            return CARI_ENOMEM;
        w->cands = p;
        w->cap = cap;
    }
    cd = &w->cands[w->ncands];
    cd->word = malloc(len + 1);
    if (!cd->word)
        return CARI_ENOMEM;
    memcpy(cd->word, word, len);
    cd->word[len] = '\0';
    cd->len = len;
    cd->df = 0;
    cd->df_word = exact ? 0 : df;
    cd->df_exact = exact ? df : 0;
    cd->distance = distance;
    cd->live = live;
    w->ncands++;
    return CARI_OK;
}

static int visit_term(void *arg, const char *term, size_t len,
                      const cari_term_info *info)
{
    ctx *c = arg;
    cari_suggestions *s = c->s;
    int exact = len > 0 && term[0] == '=';
    const char *word = term + exact;
    size_t wlen = len - (size_t)exact, i;
    uint64_t df = (uint64_t)info->df[0] + info->df[1];
    int32_t cps[MAX_LETTERS];
    int ncp = -2, live = -2;
    uint32_t set;
    int nletters;
    /* a title's stopword ("~dengan") and metadata terms ("#", "@") are
     * no words a query could mean */
    if (len > 0 && (term[0] == '~' || term[0] == '#' || term[0] == '@'))
        return 0;
    nletters = letters(word, wlen, &set);
    for (i = 0; i < s->n; i++) {
        qword *w = &s->words[i];
        int d;
        /* an edit adds or removes at most one character of each set, so
         * the sets differ in at most 2 characters per edit; whether the
         * word occurs more often than the query's is known once every
         * segment has been read (finish) */
        if (abs(nletters - w->ncp) > w->max_distance ||
            popcount32(set ^ w->set) > 2 * w->max_distance)
            continue;
        if (ncp == -2)
            ncp = has_digit(word, wlen) ? -1 : decode(word, wlen, cps);
        if (ncp < 0)
            return 0;
        d = osa_distance(w->cps, w->ncp, cps, ncp, w->max_distance);
        if (d == 0 || d > w->max_distance)
            continue;
        if (live == -2) {
            live = held_live(&c->ix->segs[c->seg], term, len);
            if (live < 0)
                return live;
        }
        if (add_candidate(w, word, wlen, df, d, exact, live))
            return CARI_ENOMEM;
    }
    return 0;
}

static int cmp_candidate(const void *x, const void *y)
{
    const candidate *a = x, *b = y;
    if (a->distance != b->distance)
        return a->distance - b->distance;
    if (a->df != b->df)
        return a->df > b->df ? -1 : 1;
    return strcmp(a->word, b->word);
}

/* The correction written the way the query wrote the word: "Jakarta" for
 * "Jakrta", "KPK" for "KPJ" (ASCII letters only). */
static char *with_case(cari_arena *a, const char *orig, size_t olen,
                       const char *word, size_t len)
{
    char *out = cari_arena_strndup(a, word, len);
    size_t i, upper = 0, alpha = 0;
    if (!out)
        return NULL;
    for (i = 0; i < olen; i++) {
        char ch = orig[i];
        alpha += (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
        upper += ch >= 'A' && ch <= 'Z';
    }
    if (alpha > 1 && upper == alpha) {
        for (i = 0; i < len; i++)
            if (out[i] >= 'a' && out[i] <= 'z')
                out[i] = (char)(out[i] - 32);
    } else if (olen && orig[0] >= 'A' && orig[0] <= 'Z' && out[0] >= 'a' &&
               out[0] <= 'z') {
        out[0] = (char)(out[0] - 32);
    }
    return out;
}

static int finish(cari_suggestions *s)
{
    cari_buf q = {0};
    size_t i, j, pos = 0;
    int changed = 0;
    for (i = 0; i < s->n; i++) {
        qword *w = &s->words[i];
        size_t k;
        /* a correction occurs more often than the word, in the whole
         * index, and not only in deleted articles */
        for (j = k = 0; j < w->ncands; j++) {
            candidate *cd = &w->cands[j];
            cd->df = cd->df_word > cd->df_exact ? cd->df_word : cd->df_exact;
            if (cd->df > w->df && cd->live)
                w->cands[k++] = *cd;
            else
                free(cd->word);
        }
        w->ncands = k;
        k = w->ncands < MAX_ALTERNATIVES ? w->ncands : MAX_ALTERNATIVES;
        if (w->ncands > 1)
            qsort(w->cands, w->ncands, sizeof *w->cands, cmp_candidate);
        w->alts = cari_arena_alloc(&s->arena, (k + 1) * sizeof *w->alts);
        w->alt_lens = cari_arena_alloc(&s->arena, (k + 1) * sizeof *w->alt_lens);
        w->alt_dfs = cari_arena_alloc(&s->arena, (k + 1) * sizeof *w->alt_dfs);
        w->dists = cari_arena_alloc(&s->arena, (k + 1) * sizeof *w->dists);
        /* the word on its own, NUL-terminated as cari.h promises (it
         * pointed into the query: found by review) */
        w->text = cari_arena_strndup(&s->arena, s->query + w->start,
                                     w->end - w->start);
        if (!w->alts || !w->alt_lens || !w->alt_dfs || !w->dists || !w->text)
            return CARI_ENOMEM;
        for (j = 0; j < k; j++) {
            const candidate *cd = &w->cands[j];
            w->alts[j] = with_case(&s->arena, s->query + w->start,
                                   w->end - w->start, cd->word, cd->len);
            if (!w->alts[j])
                return CARI_ENOMEM;
            w->alt_lens[j] = cd->len;
            w->alt_dfs[j] = cd->df;
            w->dists[j] = cd->distance;
        }
        w->nalts = k;
    }
    /* the corrected query; words are in query order, not overlapping */
    for (i = 0; i < s->n; i++) {
        qword *w = &s->words[i];
        if (!w->nalts || w->start < pos)
            continue;
        if (cari_buf_append(&q, s->query + pos, w->start - pos) ||
            cari_buf_append(&q, w->alts[0], w->alt_lens[0])) {
            cari_buf_free(&q);
            return CARI_ENOMEM;
        }
        pos = w->end;
        changed = 1;
    }
    if (changed) {
        if (cari_buf_append(&q, s->query + pos, s->query_len - pos)) {
            cari_buf_free(&q);
            return CARI_ENOMEM;
        }
        s->corrected = cari_arena_strndup(&s->arena, (const char *)q.data,
                                          q.len);
        s->corrected_len = q.len;
        cari_buf_free(&q);
        if (!s->corrected)
            return CARI_ENOMEM;
    }
    return CARI_OK;
}

int cari_suggest(cari_index *ix, const char *query, size_t len,
                 unsigned flags, uint64_t max_df, cari_suggestions **out)
{
    cari_suggestions *s;
    ctx c;
    size_t i;
    int rc = CARI_OK;
    if (out)
        *out = NULL;
    if (!ix)
        return CARI_EINVAL;
    if (!out || (!query && len)) {
        /* the handle's message is its last failure's: this one */
        if (!out)
            snprintf(ix->errmsg, sizeof ix->errmsg,
                     "nowhere to put the suggestions (out is NULL)");
        else
            snprintf(ix->errmsg, sizeof ix->errmsg,
                     "no query text (NULL) for a query of %zu bytes", len);
        return CARI_EINVAL;
    }
    if (ix->xapian) {
        snprintf(ix->errmsg, sizeof ix->errmsg,
                 "spelling suggestions are not supported on the Xapian "
                 "backend");
        return CARI_EUNSUPPORTED;
    }
    s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(ix->errmsg, sizeof ix->errmsg, "out of memory");
        return CARI_ENOMEM;
    }
    s->query = cari_arena_strndup(&s->arena, query ? query : "", len);
    s->query_len = len;
    memset(&c, 0, sizeof c);
    c.ix = ix;
    c.s = s;
    c.max_df = max_df;
    if (!s->query)
        rc = CARI_ENOMEM;
    if (!rc)
        rc = lex(&c, (flags & CARI_SEARCH_PLAIN) != 0);
    for (i = 0; i < ix->nsegs && s->n && !rc; i++) {
        c.seg = i;
        rc = cari_segment_scan_prefix(ix->segs[i].seg, "", 0, visit_term, &c);
    }
    if (!rc)
        rc = finish(s);
    cari_tokvec_free(&c.tv);
    if (rc) {
        snprintf(ix->errmsg, sizeof ix->errmsg, "%s",
                 rc == CARI_ECORRUPT ? "the term dictionary does not decode"
                                     : cari_strerror(rc));
        cari_suggestions_free(s);
        return rc;
    }
    *out = s;
    return CARI_OK;
}

size_t cari_suggestions_count(const cari_suggestions *s)
{
    return s ? s->n : 0;
}

int cari_suggestions_get(const cari_suggestions *s, size_t i,
                         cari_suggestion *out)
{
    const qword *w;
    if (!s || !out || i >= s->n)
        return CARI_EINVAL;
    w = &s->words[i];
    out->word = w->text;
    out->word_len = w->end - w->start;
    out->start = w->start;
    out->end = w->end;
    out->df = w->df;
    out->alternatives = w->alts;
    out->alternative_len = w->alt_lens;
    out->alternative_df = w->alt_dfs;
    out->distance = w->dists;
    out->count = w->nalts;
    return CARI_OK;
}

const char *cari_suggestions_query(const cari_suggestions *s, size_t *len)
{
    if (len)
        *len = s && s->corrected ? s->corrected_len : 0;
    return s ? s->corrected : NULL;
}

void cari_suggestions_free(cari_suggestions *s)
{
    size_t i, j;
    if (!s)
        return;
    for (i = 0; i < s->n; i++) {
        for (j = 0; j < s->words[i].ncands; j++)
            free(s->words[i].cands[j].word);
        free(s->words[i].cands);
    }
    free(s->words);
    cari_arena_free(&s->arena);
    free(s);
}
