/*
 * search.c -- evaluates a query tree (query.h) over every segment of an
 * index and ranks passages.
 *
 * Scoring.  Every term leaf scores BM25 in two fields, the passage text and
 * its article's title, with collection-wide statistics:
 *   body(t, p)  = idf_p(t) tf (k1 + 1) / (tf + k1 (1 - b + b len_p / avg_p))
 *   title(t, a) = idf_a(t) tf (k1t + 1) / (tf + k1t (1 - bt + bt len_a / avg_a))
 *   leaf(t, p)  = weight (body(t, p) + title_weight title(t, article(p)))
 *   idf_x(t)    = ln(1 + (N_x - df_x + 0.5) / (df_x + 0.5))
 * N_p counts passages and N_a articles, deleted ones included until a
 * merge removes them, as df does.  A phrase or NEAR group scores as
 * the sum of its terms where it matches; a boolean node sums its matching
 * children.  The title field is stored once per article and its postings
 * are walked in passage order, so every passage of an article gets its
 * title's score.
 *
 * Evaluation.  Each segment gets a tree of matchers (document-at-a-time
 * iterators over passage numbers with seek and score).  A query that is a
 * flat OR of terms -- the free-text case -- instead runs MaxScore over the
 * term cursors: cursors whose score bounds cannot lift a passage into the
 * current top k are only probed for passages the others found.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "filter.h"
#include "hits.h"
#include "index_internal.h"
#include "query.h"
#include "rank.h"
#include "snippet.h"
#include "stem.h"
#include "util.h"
#include "xapian_backend.h"

/* Positions decoded per term and passage for phrase checks. */
#define MAX_POSITIONS 4096

/* ------------------------------------------------------------------ */
/* Query-wide state                                                    */
/* ------------------------------------------------------------------ */

/* Collection statistics of one distinct term of the query. */
typedef struct termstat {
    const char *term;
    size_t len;
    uint64_t df[CARI_NFIELDS];
    double idf[CARI_NFIELDS];
} termstat;

/* A query's dictionary lookups, remembered: the statistics, the first
 * stage's cursors (one per field) and the second stage's lists (the term
 * and its exact form) look the same terms up in the same segments, about
 * five lookups per term and segment, each a binary search and a block
 * scan of the dictionary. */
typedef struct memo_entry {
    const cari_segment *s;  /* NULL: empty */
    const char *term;       /* in the query arena */
    size_t len;
    uint64_t h;
    int found;
    cari_term_info info;
} memo_entry;

typedef struct qctx {
    cari_index *ix;
    cari_search_options o;
    cari_arena *qarena;     /* lives for the whole query: stats, expansions */
    cari_arena *arena;      /* per segment: matchers, skip tables */
    termstat *stats;
    size_t nstats, stats_cap;
    memo_entry *memo;       /* open addressing, memo_cap a power of 2 */
    size_t memo_n, memo_cap;
    struct open_entry *opens; /* lists opened, as at their first doc */
    size_t opens_n, opens_cap;
    double avg[CARI_NFIELDS];
    /* the title weight of a word or phrase the query restricts to titles
     * (title:): the title weight, or 1 when the model's is 0 (a class
     * whose first stage ignores titles still searches title: words) */
    double title_only_weight;
    int error;
} qctx;

static uint64_t memo_hash(const cari_segment *s, const char *term,
                          size_t len)
{
    return cari_hash64(term, len) ^
           ((uint64_t)(uintptr_t)s * 0x9e3779b97f4a7c15ull);
}

/* cari_segment_lookup through the query's memo. */
static int lookup(qctx *c, const cari_segment *s, const char *term,
                  size_t len, cari_term_info *info)
{
    uint64_t h = memo_hash(s, term, len);
    size_t i;
    memo_entry *e;
    int found;
    if ((c->memo_n + 1) * 2 > c->memo_cap) {
        size_t cap = c->memo_cap ? c->memo_cap * 2 : 64, k;
        memo_entry *m = cari_arena_alloc(c->qarena, cap * sizeof *m);
        if (!m)
            return cari_segment_lookup(s, term, len, info);
        memset(m, 0, cap * sizeof *m);
        for (k = 0; k < c->memo_cap; k++) {
            if (!c->memo[k].s)
                continue;
            for (i = c->memo[k].h & (cap - 1); m[i].s; i = (i + 1) & (cap - 1))
                ;
            m[i] = c->memo[k];
        }
        c->memo = m;
        c->memo_cap = cap;
    }
    for (i = h & (c->memo_cap - 1); c->memo[i].s; i = (i + 1) & (c->memo_cap - 1)) {
        e = &c->memo[i];
        if (e->s == s && e->h == h && e->len == len &&
            memcmp(e->term, term, len) == 0) {
            *info = e->info;
            return e->found;
        }
    }
    found = cari_segment_lookup(s, term, len, info);
    if (found < 0)
        return found;
    e = &c->memo[i];
    e->term = cari_arena_strndup(c->qarena, term, len);
    if (!e->term)
        return found;  /* not remembered: no harm */
    e->s = s;
    e->len = len;
    e->h = h;
    e->found = found;
    e->info = *info;
    c->memo_n++;
    return found;
}

static int rank_lookup(void *ctx, const cari_segment *s, const char *term,
                       size_t len, cari_term_info *info)
{
    return lookup(ctx, s, term, len, info);
}

/* A posting list as it was opened, kept for the query: the first stage,
 * the phrase candidates and the second stage open the same lists (about
 * 34 opens a keyword query, each decoding a skip table and a block). */
struct open_entry {
    const unsigned char *key;  /* the list's bytes; NULL: empty slot */
    cari_postings *snap;       /* in the query arena, skip table too */
};

/* cari_term_open through the query's snapshots: a list opened before in
 * this query is copied, not decoded again.  A derived list's walkers
 * cannot be shared by copying (codec.h): it is opened in arena. */
static int open_list_cached(qctx *c, cari_postings *p,
                            const cari_term_info *info, int field,
                            cari_arena *arena)
{
    const unsigned char *key = info->postings[field];
    struct open_entry *e;
    size_t i;
    int rc;
    if (info->derived || !key || info->df[field] == 0)
        return cari_term_open(p, info, field, arena);
    if ((c->opens_n + 1) * 2 > c->opens_cap) {
        size_t cap = c->opens_cap ? c->opens_cap * 2 : 64, k;
        struct open_entry *m = cari_arena_alloc(c->qarena, cap * sizeof *m);
        if (!m)
            return cari_term_open(p, info, field, arena);
        memset(m, 0, cap * sizeof *m);
        for (k = 0; k < c->opens_cap; k++) {
            if (!c->opens[k].key)
                continue;
            for (i = ((uintptr_t)c->opens[k].key >> 3) & (cap - 1); m[i].key;
                 i = (i + 1) & (cap - 1))
                ;
            m[i] = c->opens[k];
        }
        c->opens = m;
        c->opens_cap = cap;
    }
    for (i = ((uintptr_t)key >> 3) & (c->opens_cap - 1); c->opens[i].key;
         i = (i + 1) & (c->opens_cap - 1)) {
        e = &c->opens[i];
        if (e->key == key) {
            memcpy(p, e->snap, sizeof *p);
            return CARI_OK;
        }
    }
    rc = cari_term_open(p, info, field, c->qarena);
    if (rc)
        return rc;
    e = &c->opens[i];
    e->snap = cari_arena_alloc(c->qarena, sizeof *e->snap);
    if (!e->snap)
        return CARI_OK;  /* not kept: no harm */
    memcpy(e->snap, p, sizeof *p);
    e->key = key;
    c->opens_n++;
    return CARI_OK;
}

static int rank_open(void *ctx, cari_postings *p, const cari_term_info *info,
                     int field, cari_arena *arena)
{
    return open_list_cached(ctx, p, info, field, arena);
}

static termstat *stat_of(qctx *c, const char *term, size_t len)
{
    size_t i, s;
    termstat *t;
    for (i = 0; i < c->nstats; i++)
        if (c->stats[i].len == len && memcmp(c->stats[i].term, term, len) == 0)
            return &c->stats[i];
    if (c->nstats == c->stats_cap) {
        size_t cap = c->stats_cap ? c->stats_cap * 2 : 16;
        termstat *p = cari_arena_alloc(c->qarena, cap * sizeof *p);
        if (!p)
            return NULL;
        if (c->nstats)
            memcpy(p, c->stats, c->nstats * sizeof *p);
        c->stats = p;
        c->stats_cap = cap;
    }
    t = &c->stats[c->nstats];
    memset(t, 0, sizeof *t);
    t->term = term;
    t->len = len;
    for (s = 0; s < c->ix->nsegs; s++) {
        cari_term_info info;
        int f, found = lookup(c, c->ix->segs[s].seg, term, len, &info);
        if (found < 0) {
            c->error = CARI_ECORRUPT;
            return NULL;
        }
        if (found)
            for (f = 0; f < CARI_NFIELDS; f++)
                t->df[f] += info.df[f];
    }
    /* df counts deleted copies until a merge: so must N */
    t->idf[CARI_FIELD_BODY] =
        log(1.0 + ((double)c->ix->stat_passages - (double)t->df[0] + 0.5) /
                      ((double)t->df[0] + 0.5));
    t->idf[CARI_FIELD_TITLE] =
        log(1.0 + ((double)c->ix->stat_articles - (double)t->df[1] + 0.5) /
                      ((double)t->df[1] + 0.5));
    if (t->idf[0] < 0)
        t->idf[0] = 0;
    if (t->idf[1] < 0)
        t->idf[1] = 0;
    c->nstats++;
    return t;
}

/* ---- prefix expansion (over every segment's vocabulary) ---- */

/* cari_segment_scan_prefix's callback: a word of the prefix. */
static int collect_term(void *ctx, const char *term, size_t len,
                        const cari_term_info *info)
{
    return cari_prefix_words_add(ctx, term, len,
                                 (uint64_t)info->df[0] + info->df[1]);
}

/* Mark the leaves of q that search titles alone (the query's title:
 * words, phrases and NEAR groups, and a title: prefix's words):
 * cari_qnode.named_title. */
static void mark_named_titles(cari_qnode *q)
{
    size_t i;
    if (!q)
        return;
    if (q->op == CARI_Q_BOOL) {
        for (i = 0; i < q->nmust; i++)
            mark_named_titles(q->must[i]);
        for (i = 0; i < q->nshould; i++)
            mark_named_titles(q->should[i]);
        for (i = 0; i < q->nmust_not; i++)
            mark_named_titles(q->must_not[i]);
        return;
    }
    q->named_title = q->fields == CARI_QF_TITLE;
}

/* Replace PREFIX nodes by BOOL(should: TERM...) of their expansions. */
static int expand_prefixes(qctx *c, cari_qnode *q)
{
    size_t i;
    int rc = CARI_OK;
    if (!q)
        return CARI_OK;
    if (q->op == CARI_Q_BOOL) {
        for (i = 0; i < q->nmust && !rc; i++)
            rc = expand_prefixes(c, q->must[i]);
        for (i = 0; i < q->nshould && !rc; i++)
            rc = expand_prefixes(c, q->should[i]);
        for (i = 0; i < q->nmust_not && !rc; i++)
            rc = expand_prefixes(c, q->must_not[i]);
        return rc;
    }
    if (q->op != CARI_Q_PREFIX)
        return CARI_OK;
    {
        cari_prefix_words e;
        char *exact = cari_arena_alloc(c->qarena, q->len + 2);
        size_t s, keep;
        if (!exact)
            return CARI_ENOMEM;
        exact[0] = '=';
        memcpy(exact + 1, q->term, q->len);
        memset(&e, 0, sizeof e);
        e.arena = c->qarena;
        for (s = 0; s < c->ix->nsegs && !rc; s++) {
            rc = cari_segment_scan_prefix(c->ix->segs[s].seg, q->term, q->len,
                                          collect_term, &e);
            if (!rc)
                rc = cari_segment_scan_prefix(c->ix->segs[s].seg, exact,
                                              q->len + 1, collect_term, &e);
        }
        if (rc) {
            cari_prefix_words_free(&e);
            return rc;
        }
        keep = cari_prefix_words_first(&e, CARI_Q_PREFIX_TERMS);
        q->op = CARI_Q_BOOL;
        q->nshould = keep;
        q->should = cari_arena_alloc(c->qarena, (keep + 1) * sizeof *q->should);
        if (!q->should) {
            cari_prefix_words_free(&e);
            return CARI_ENOMEM;
        }
        for (i = 0; i < keep; i++) {
            cari_qnode *t = cari_arena_alloc(c->qarena, sizeof *t);
            if (!t) {
                cari_prefix_words_free(&e);
                return CARI_ENOMEM;
            }
            memset(t, 0, sizeof *t);
            t->op = CARI_Q_TERM;
            t->fields = q->fields;
            t->weight = 1.0;
            t->term = e.items[i].term;
            t->len = e.items[i].len;
            q->should[i] = t;
        }
        cari_prefix_words_free(&e);
    }
    return CARI_OK;
}

/* ------------------------------------------------------------------ */
/* Matchers: iterators over a segment's passages                       */
/* ------------------------------------------------------------------ */

enum { M_CURSOR, M_DISJ, M_CONJ, M_PHRASE, M_BOOL };

typedef struct matcher matcher;

/* A term's postings in one field, walked in passage order. */
typedef struct cursor {
    int field;
    cari_postings p;
    uint32_t art_end;     /* title: the passage after the current article */
    double weight;        /* qtf-like weight * idf * (k1 + 1) [* title w] */
    double k0, kl;        /* BM25's k1 (1 - b) and k1 b / avg: the length
                             norm is k0 + kl * len, no division */
    const cari_segment *s;
} cursor;

struct matcher {
    int kind;
    int started;          /* doc is valid (composites start unpositioned) */
    uint32_t doc;         /* current passage, CARI_DOC_END past the end */
    uint32_t ord;         /* MaxScore: the cursor's place in query order */
    double max_score;     /* bound on score() anywhere */
    /* M_CURSOR */
    cursor cur;
    /* M_DISJ, M_CONJ, M_PHRASE (its term matchers), M_BOOL */
    matcher **kids;
    size_t nkids;
    /* M_PHRASE / NEAR */
    int field;            /* the field whose positions are checked */
    const uint32_t *offsets; /* PHRASE: relative positions; NULL: NEAR */
    uint32_t window;
    /* NEAR with a term twice ("rumah NEAR/1 rumah"): per term, how many
     * distinct positions of it a window needs (0: a repeat, counted with
     * the first); NULL when every term differs */
    const int *need;
    uint32_t **posbuf;    /* scratch per term */
    /* M_BOOL */
    matcher *must;        /* conjunction of the required children, or NULL */
    matcher **should;
    size_t nshould;
    matcher **must_not;
    size_t nmust_not;
};

static uint32_t m_seek(matcher *m, uint32_t target);
static double m_score(matcher *m);

/* ---- cursors ---- */

static void title_settle(cursor *c, matcher *m, uint32_t target)
{
    uint32_t a = c->p.doc, fp;
    if (a == CARI_DOC_END || a >= cari_segment_articles(c->s)) {
        m->doc = CARI_DOC_END;
        return;
    }
    fp = cari_segment_first_passage(c->s, a);
    c->art_end = fp + cari_segment_passage_count(c->s, a);
    m->doc = target > fp ? target : fp;
    if (m->doc >= c->art_end) {  /* an article without passages */
        cari_postings_next(&c->p);
        title_settle(c, m, target);
    }
}

static uint32_t cursor_seek(matcher *m, uint32_t target)
{
    cursor *c = &m->cur;
    if (m->doc >= target)
        return m->doc;
    if (c->field == CARI_FIELD_BODY)
        return m->doc = cari_postings_seek(&c->p, target);
    if (target < c->art_end)
        return m->doc = target;
    if (target >= cari_segment_passages(c->s))
        return m->doc = CARI_DOC_END;
    cari_postings_seek(&c->p, cari_segment_passage_article(c->s, target));
    title_settle(c, m, target);
    return m->doc;
}

static inline double cursor_score(const matcher *m)
{
    const cursor *c = &m->cur;
    double tf = cari_postings_tf(&c->p);
    double len = c->field == CARI_FIELD_BODY
                     ? cari_segment_body_len(c->s, m->doc)
                     : cari_segment_title_len(c->s, c->p.doc);
    return c->weight * tf / (tf + c->k0 + c->kl * len);
}

static double bm25_bound(const cursor *c, uint32_t tf, uint32_t len)
{
    return c->weight * tf /
           (tf + c->k0 + c->kl * (double)len);
}

/* The best score the cursor can give: from the skip entries, or for a short
 * list from its (already decoded) entries. */
static double cursor_bound(const cursor *c)
{
    double best = 0;
    uint32_t i;
    if (c->p.nblocks) {
        for (i = 0; i < c->p.nblocks; i++) {
            double v = bm25_bound(c, c->p.skips[i].max_tf, c->p.skips[i].min_len);
            if (v > best)
                best = v;
        }
        return best;
    }
    for (i = 0; i < c->p.n; i++) {
        uint32_t len = c->field == CARI_FIELD_BODY
                           ? cari_segment_body_len(c->s, c->p.docs[i])
                           : cari_segment_title_len(c->s, c->p.docs[i]);
        double v = bm25_bound(c, c->p.tfs[i], len);
        if (v > best)
            best = v;
    }
    return best;
}

static matcher *new_matcher(cari_arena *a, int kind)
{
    matcher *m = cari_arena_alloc(a, sizeof *m);
    if (m) {
        memset(m, 0, sizeof *m);
        m->kind = kind;
    }
    return m;
}

/* A cursor for (term, field) in segment s, or NULL when absent there (or
 * when the first stage ignores titles); named_title: the leaf is one the
 * query restricts to titles (cari_qnode.named_title). */
static int open_cursor(qctx *c, const cari_segment *s, const termstat *t,
                       int field, int named_title, double weight,
                       matcher **out)
{
    cari_term_info info;
    matcher *m;
    double k1, b, title_weight = named_title ? c->title_only_weight
                                             : c->o.title_weight;
    int rc, found;
    *out = NULL;
    if (field == CARI_FIELD_TITLE && title_weight <= 0)
        return CARI_OK;
    found = lookup(c, s, t->term, t->len, &info);
    if (found < 0)
        return CARI_ECORRUPT;
    if (!found || info.df[field] == 0)
        return CARI_OK;
    m = new_matcher(c->arena, M_CURSOR);
    if (!m)
        return CARI_ENOMEM;
    m->started = 1;
    m->cur.field = field;
    m->cur.s = s;
    rc = open_list_cached(c, &m->cur.p, &info, field, c->arena);
    if (rc)
        return rc;
    k1 = field == CARI_FIELD_BODY ? c->o.k1 : c->o.title_k1;
    b = field == CARI_FIELD_BODY ? c->o.b : c->o.title_b;
    m->cur.k0 = k1 * (1.0 - b);
    m->cur.kl = k1 * b / c->avg[field];
    m->cur.weight = weight * t->idf[field] * (k1 + 1.0);
    if (field == CARI_FIELD_TITLE)
        m->cur.weight *= title_weight;
    if (field == CARI_FIELD_BODY) {
        m->doc = m->cur.p.doc;
    } else {
        m->cur.art_end = 0;
        title_settle(&m->cur, m, 0);
    }
    m->max_score = cursor_bound(&m->cur);
    *out = m;
    return CARI_OK;
}

/* ---- disjunction and conjunction ---- */

static uint32_t disj_seek(matcher *m, uint32_t target)
{
    uint32_t best = CARI_DOC_END;
    size_t i;
    for (i = 0; i < m->nkids; i++) {
        uint32_t d = m_seek(m->kids[i], target);
        if (d < best)
            best = d;
    }
    return m->doc = best;
}

static double sum_at(matcher **kids, size_t n, uint32_t doc)
{
    double s = 0;
    size_t i;
    for (i = 0; i < n; i++)
        if (kids[i]->doc == doc)
            s += m_score(kids[i]);
    return s;
}

static uint32_t conj_seek(matcher *m, uint32_t target)
{
    size_t i = 0, agree = 0;
    uint32_t t = target;
    if (m->nkids == 0)
        return m->doc = CARI_DOC_END;
    while (agree < m->nkids) {
        uint32_t d = m_seek(m->kids[i], t);
        if (d == CARI_DOC_END)
            return m->doc = CARI_DOC_END;
        if (d == t) {
            agree++;
        } else {
            t = d;
            agree = 1;
        }
        i = (i + 1) % m->nkids;
    }
    return m->doc = t;
}

/* ---- phrase and NEAR: a conjunction of cursors in one field plus a
 * positions check ---- */

static int positions_of(matcher *k, uint32_t *out)
{
    int n = cari_postings_positions(&k->cur.p, out, MAX_POSITIONS);
    return n;
}

/* Do the n terms' decoded positions pos[i][0..counts[i]) hold a phrase:
 * a start p of term 0 such that term i occurs at p + offsets[i] -
 * offsets[0]? */
static int holds_phrase(uint32_t *const *pos, const int *counts, size_t n,
                        const uint32_t *offsets)
{
    size_t i, j;
    for (j = 0; j < (size_t)counts[0]; j++) {
        uint32_t p0 = pos[0][j];
        for (i = 1; i < n; i++) {
            uint32_t want = p0 + offsets[i] - offsets[0];
            if (!cari_positions_within(pos[i], counts[i], want, want))
                break;
        }
        if (i == n)
            return 1;
    }
    return 0;
}

/* How many of pos[0..n), ascending, lie in [lo, hi]? */
static int positions_in(const uint32_t *pos, int n, uint32_t lo, uint32_t hi)
{
    int i, k = 0;
    for (i = 0; i < n && pos[i] <= hi; i++)
        k += pos[i] >= lo;
    return k;
}

/* Do the decoded positions hold the phrase (offsets) or a NEAR group
 * (all terms within window)? */
static int phrase_holds(matcher *m, int *counts)
{
    size_t i, j;
    if (m->offsets)
        return holds_phrase(m->posbuf, counts, m->nkids, m->offsets);
    /* NEAR: some occurrence of each term inside one window; a term the
     * group names twice needs two of its occurrences there, not the one
     * that opened the window counted again */
    for (i = 0; i < m->nkids; i++)
        for (j = 0; j < (size_t)counts[i]; j++) {
            uint32_t lo = m->posbuf[i][j], hi = lo + m->window;
            size_t t;
            for (t = 0; t < m->nkids; t++) {
                if (m->need && m->need[t] != 1) {
                    if (m->need[t] && positions_in(m->posbuf[t], counts[t],
                                                   lo, hi) < m->need[t])
                        break;
                } else if (t != i && !cari_positions_within(m->posbuf[t],
                                                            counts[t], lo,
                                                            hi)) {
                    break;
                }
            }
            if (t == m->nkids)
                return 1;
        }
    return 0;
}

/* The first of q's terms that is the same as term i (i when none before
 * it is). */
static size_t first_same(const cari_qnode *q, size_t i)
{
    size_t k;
    for (k = 0; k < i; k++)
        if (q->lens[k] == q->lens[i] &&
            memcmp(q->terms[k], q->terms[i], q->lens[i]) == 0)
            break;
    return k;
}

/* The need array of a NEAR group that names a term more than once (see
 * struct matcher), in *out; NULL when its terms all differ. */
static int near_needs(qctx *c, const cari_qnode *q, const int **out)
{
    int *need = NULL;
    size_t i, k;
    *out = NULL;
    for (i = 1; i < q->nterms; i++) {
        k = first_same(q, i);
        if (k == i)
            continue;
        if (!need) {
            size_t t;
            need = cari_arena_alloc(c->arena, q->nterms * sizeof *need);
            if (!need)
                return CARI_ENOMEM;
            for (t = 0; t < q->nterms; t++)
                need[t] = 1;
        }
        need[k]++;
        need[i] = 0;
    }
    *out = need;
    return CARI_OK;
}

static uint32_t phrase_seek(matcher *m, uint32_t target)
{
    int counts[CARI_Q_MAX_POSITIONAL];
    for (;;) {
        uint32_t d = conj_seek(m, target);
        size_t i;
        int ok = 1;
        if (d == CARI_DOC_END)
            return d;
        for (i = 0; i < m->nkids; i++) {
            counts[i] = positions_of(m->kids[i], m->posbuf[i]);
            if (counts[i] <= 0)
                ok = 0;
        }
        if (ok && phrase_holds(m, counts))
            return m->doc = d;
        target = d + 1;
    }
}

/* ---- boolean ---- */

static uint32_t bool_seek(matcher *m, uint32_t target)
{
    for (;;) {
        uint32_t d;
        size_t i;
        int excluded = 0;
        d = m->must ? m_seek(m->must, target) : disj_seek(m, target);
        if (d == CARI_DOC_END)
            return m->doc = d;
        for (i = 0; i < m->nmust_not && !excluded; i++)
            if (m_seek(m->must_not[i], d) == d)
                excluded = 1;
        if (!excluded)
            return m->doc = d;
        target = d + 1;
    }
}

static double bool_score(matcher *m)
{
    double s = 0;
    size_t i;
    if (m->must) {
        s = m_score(m->must);
        for (i = 0; i < m->nshould; i++) {
            matcher *k = m->should[i];
            if (m_seek(k, m->doc) == m->doc)
                s += m_score(k);
        }
        return s;
    }
    return sum_at(m->kids, m->nkids, m->doc);
}

static uint32_t m_seek(matcher *m, uint32_t target)
{
    if (m->started && m->doc >= target)
        return m->doc;
    m->started = 1;
    switch (m->kind) {
    case M_CURSOR: return cursor_seek(m, target);
    case M_DISJ: return disj_seek(m, target);
    case M_CONJ: return conj_seek(m, target);
    case M_PHRASE: return phrase_seek(m, target);
    default: return bool_seek(m, target);
    }
}

static double m_score(matcher *m)
{
    switch (m->kind) {
    case M_CURSOR: return cursor_score(m);
    case M_BOOL: return bool_score(m);
    default: return sum_at(m->kids, m->nkids, m->doc);
    }
}

/* ---- building matchers from the query tree ---- */

static matcher *combine(qctx *c, int kind, matcher **kids, size_t n)
{
    matcher *m;
    size_t i;
    if (n == 1 && kind != M_PHRASE)
        return kids[0];
    m = new_matcher(c->arena, kind);
    if (!m)
        return NULL;
    m->kids = kids;
    m->nkids = n;
    for (i = 0; i < n; i++)
        m->max_score += kids[i]->max_score;
    return m;
}

static int build(qctx *c, const cari_segment *s, const cari_qnode *q,
                 matcher **out);

/* A term in both fields: the disjunction of its cursors (NULL: absent). */
static int build_term(qctx *c, const cari_segment *s, const char *term,
                      size_t len, unsigned fields, int named_title,
                      double weight, matcher **out)
{
    matcher **kids = cari_arena_alloc(c->arena, 2 * sizeof *kids);
    const termstat *t = stat_of(c, term, len);
    size_t n = 0;
    int f, rc;
    *out = NULL;
    if (!kids || !t)
        return c->error ? c->error : CARI_ENOMEM;
    for (f = 0; f < CARI_NFIELDS; f++) {
        matcher *m;
        if (!(fields & (f == CARI_FIELD_BODY ? CARI_QF_BODY : CARI_QF_TITLE)))
            continue;
        rc = open_cursor(c, s, t, f, named_title, weight, &m);
        if (rc)
            return rc;
        if (m)
            kids[n++] = m;
    }
    if (n == 0)
        return CARI_OK;
    *out = combine(c, M_DISJ, kids, n);
    return *out ? CARI_OK : CARI_ENOMEM;
}

/* A phrase or NEAR group: per field, the conjunction of its terms' cursors
 * with a positions check; the fields' matchers are OR'ed. */
static int build_positional(qctx *c, const cari_segment *s,
                            const cari_qnode *q, matcher **out)
{
    matcher **fields = cari_arena_alloc(c->arena, 2 * sizeof *fields);
    const int *need = NULL;
    size_t nf = 0, i;
    int f, rc;
    *out = NULL;
    if (!fields)
        return CARI_ENOMEM;
    if (q->op == CARI_Q_NEAR && (rc = near_needs(c, q, &need)))
        return rc;
    for (f = 0; f < CARI_NFIELDS; f++) {
        matcher *m, **kids;
        int missing = 0;
        if (!(q->fields & (f == CARI_FIELD_BODY ? CARI_QF_BODY : CARI_QF_TITLE)))
            continue;
        if (q->nterms > CARI_Q_MAX_POSITIONAL)
            return CARI_EINVAL;  /* the parser refuses them */
        kids = cari_arena_alloc(c->arena, q->nterms * sizeof *kids);
        m = new_matcher(c->arena, M_PHRASE);
        if (!kids || !m)
            return CARI_ENOMEM;
        m->posbuf = cari_arena_alloc(c->arena, q->nterms * sizeof *m->posbuf);
        if (!m->posbuf)
            return CARI_ENOMEM;
        for (i = 0; i < q->nterms && !missing; i++) {
            const termstat *t = stat_of(c, q->terms[i], q->lens[i]);
            if (!t)
                return c->error ? c->error : CARI_ENOMEM;
            rc = open_cursor(c, s, t, f, q->named_title, q->weight,
                             &kids[i]);
            if (rc)
                return rc;
            if (!kids[i])
                missing = 1;
            m->posbuf[i] = cari_arena_alloc(c->arena,
                                            MAX_POSITIONS * sizeof(uint32_t));
            if (!m->posbuf[i])
                return CARI_ENOMEM;
        }
        if (missing)
            continue;
        m->kids = kids;
        m->nkids = q->nterms;
        m->field = f;
        m->offsets = q->op == CARI_Q_PHRASE ? q->positions : NULL;
        m->window = q->window;
        m->need = need;
        for (i = 0; i < q->nterms; i++)
            m->max_score += kids[i]->max_score;
        fields[nf++] = m;
    }
    if (nf == 0)
        return CARI_OK;
    *out = combine(c, M_DISJ, fields, nf);
    return *out ? CARI_OK : CARI_ENOMEM;
}

static int build_list(qctx *c, const cari_segment *s, cari_qnode **items,
                      size_t n, matcher ***out, size_t *nout, int all_needed)
{
    matcher **kids = cari_arena_alloc(c->arena, (n + 1) * sizeof *kids);
    size_t i, k = 0;
    *out = NULL;
    *nout = 0;
    if (!kids)
        return CARI_ENOMEM;
    for (i = 0; i < n; i++) {
        matcher *m;
        int rc = build(c, s, items[i], &m);
        if (rc)
            return rc;
        if (!m) {
            if (all_needed)
                return CARI_OK;  /* a required part cannot match here */
            continue;
        }
        kids[k++] = m;
    }
    *out = kids;
    *nout = k;
    return CARI_OK;
}

static int build(qctx *c, const cari_segment *s, const cari_qnode *q,
                 matcher **out)
{
    int rc;
    *out = NULL;
    switch (q->op) {
    case CARI_Q_TERM:
        return build_term(c, s, q->term, q->len, q->fields, q->named_title,
                          q->weight, out);
    case CARI_Q_PHRASE:
    case CARI_Q_NEAR:
        return build_positional(c, s, q, out);
    case CARI_Q_PREFIX:
        return CARI_OK;  /* expanded before */
    case CARI_Q_BOOL: {
        matcher *m, **must = NULL, **should = NULL, **must_not = NULL;
        size_t nmust = 0, nshould = 0, nmust_not = 0, i;
        if (q->nmust) {
            rc = build_list(c, s, q->must, q->nmust, &must, &nmust, 1);
            if (rc)
                return rc;
            if (nmust < q->nmust)
                return CARI_OK;
        }
        rc = build_list(c, s, q->should, q->nshould, &should, &nshould, 0);
        if (!rc)
            rc = build_list(c, s, q->must_not, q->nmust_not, &must_not,
                            &nmust_not, 0);
        if (rc)
            return rc;
        if (nmust == 0 && nshould == 0)
            return CARI_OK;
        m = new_matcher(c->arena, M_BOOL);
        if (!m)
            return CARI_ENOMEM;
        if (nmust) {
            m->must = combine(c, M_CONJ, must, nmust);
            if (!m->must)
                return CARI_ENOMEM;
            m->max_score = m->must->max_score;
        }
        m->should = should;
        m->nshould = nshould;
        m->kids = should;
        m->nkids = nshould;
        for (i = 0; i < nshould; i++)
            m->max_score += should[i]->max_score;
        m->must_not = must_not;
        m->nmust_not = nmust_not;
        if (!nmust && !nmust_not)
            m->kind = M_DISJ;
        *out = m;
        return CARI_OK;
    }
    }
    return CARI_EINVAL;
}

/* ------------------------------------------------------------------ */
/* Top k                                                               */
/* ------------------------------------------------------------------ */

typedef struct scored {
    double score;
    uint32_t seg, passage;
    uint64_t key;         /* cari_segment_tie_key() | 1, or 0 until a tie
                             needs it (better() fills it in) */
} scored;

/* The segments whose passages are being ranked: ties compare id hashes. */
static _Thread_local const cari_index *tie_index;

/* s's tie key, looked up the first time a tie needs it (the entries are
 * never const underneath: heap slots and locals). */
static uint64_t tie_key(const scored *s)
{
    scored *w = (scored *)s;  /* a cache in the entry: see scored.key */
    if (!w->key)
        w->key = cari_segment_tie_key(tie_index->segs[s->seg].seg, s->passage) | 1;
    return w->key;
}

/*
 * Is a better than b?  Higher score first; on a tie, the smaller hash of
 * the article id (cari_segment_tie_key), then the smaller id, then the
 * earlier passage of that article: an order that does not
 * depend on how the collection was split into segments (threads, flushes,
 * merges).
 */
static int better_tie(const scored *a, const scored *b);

static inline __attribute__((always_inline)) int better(const scored *a,
                                                        const scored *b)
{
    /* the scores decide nearly always: only a tie takes the call */
    if (a->score != b->score)
        return a->score > b->score;
    return better_tie(a, b);
}

static int better_tie(const scored *a, const scored *b)
{
    const cari_segment *sa, *sb;
    uint32_t aa, ab;
    const char *ia, *ib;
    size_t la, lb;
    int c;
    if (a->seg == b->seg && a->passage == b->passage)
        return 0;
    sa = tie_index->segs[a->seg].seg;
    sb = tie_index->segs[b->seg].seg;
    {
        /* the hash of the article id first: ties are common at the bottom
         * of a deep top k (equal tf and length), and this reads no id */
        uint64_t ka = tie_key(a), kb = tie_key(b);
        if (ka != kb)
            return ka < kb;
    }
    aa = cari_segment_passage_article(sa, a->passage);
    ab = cari_segment_passage_article(sb, b->passage);
    if (sa == sb && aa == ab)  /* passages of one article: the commonest */
        return a->passage < b->passage;
    ia = cari_segment_id(sa, aa, &la);
    ib = cari_segment_id(sb, ab, &lb);
    c = cari_bytes_cmp(ia, la, ib, lb);
    if (c)
        return c < 0;
    return a->passage - cari_segment_first_passage(sa, aa) <
           b->passage - cari_segment_first_passage(sb, ab);
}

/* Candidates that wait for the filter (see heap_push). */
#define PENDING 128

/* Min-heap of the best k: heap[0] is the worst kept.  With a filter
 * (metadata conditions, filter.h; NULL: none) only passages that pass
 * enter; the threshold comes from them alone, so pruning stays safe. */
typedef struct topk {
    scored *heap;
    size_t n, k;
    cari_filter *filter;
    /* the matches that pass the filter, counted while every one's verdict
     * is known from its segment's metadata terms (unknown: one was not) */
    uint64_t passing;
    int unknown;
    /* the current segment's (cari_filter_verdicts), fetched at its first
     * match; first_stage resets it for each segment */
    const unsigned char *verdicts;
    scored pending[PENDING];  /* good enough for the heap, not checked yet */
    size_t npending;
} topk;

/* Returns 0 when s cannot enter (the heap is full of better ones). */
static int heap_insert(topk *h, const scored *s)
{
    size_t i;
    if (h->n < h->k) {
        i = h->n++;
        while (i > 0 && better(&h->heap[(i - 1) / 2], s)) {
            h->heap[i] = h->heap[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        h->heap[i] = *s;
        return 1;
    }
    if (!better(s, &h->heap[0]))
        return 0;
    i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const scored *best = s;
        if (l < h->n && better(best, &h->heap[l]))
            m = l, best = &h->heap[l];
        if (r < h->n && better(best, &h->heap[r]))
            m = r;
        if (m == i)
            break;
        h->heap[i] = h->heap[m];
        i = m;
    }
    h->heap[i] = *s;
    return 1;
}

static int cmp_scored(const void *x, const void *y);

/* Check the pending candidates against the filter, best first: those that
 * pass enter the heap, and once the heap is full the rest, which can no
 * longer enter it, are dropped without being looked at. */
static void heap_settle(topk *h)
{
    size_t i;
    qsort(h->pending, h->npending, sizeof *h->pending, cmp_scored);
    for (i = 0; i < h->npending; i++) {
        const scored *s = &h->pending[i];
        if (h->n == h->k && !better(s, &h->heap[0]))
            break;
        if (cari_filter_pass(h->filter, s->seg, s->passage))
            (void)heap_insert(h, s);
    }
    h->npending = 0;
}

/*
 * Offer a passage to the top k.  With a filter, reading an article's
 * metadata is the expensive part (an inflated block, docs/FILTERS.md), so
 * candidates wait in `pending` and are checked best first when it fills
 * up (and at the end): a candidate that better ones push out of the top k
 * meanwhile is never read.  Returns 0 when s cannot enter the top k (it
 * is full of better ones), 1 when it entered or waits.
 */
static int heap_push(topk *h, const scored *s)
{
    if (!h->filter)
        return heap_insert(h, s);
    if (h->k == 0) {
        (void)cari_filter_pass(h->filter, s->seg, s->passage);
        return 1;  /* counted */
    }
    if (h->n == h->k && !better(s, &h->heap[0]))
        return 0;
    if (h->npending == PENDING)
        heap_settle(h);
    h->pending[h->npending++] = *s;
    return 1;
}

/* The score a passage must beat to enter the heap. */
static double threshold(const topk *h)
{
    return h->n < h->k ? -1.0 : h->heap[0].score;
}

static int cmp_scored(const void *x, const void *y)
{
    const scored *a = x, *b = y;
    return better(a, b) ? -1 : better(b, a) ? 1 : 0;
}

static int live(const cari_live_segment *ls, uint32_t passage)
{
    return !ls->deleted ||
           !cari_is_deleted(ls, cari_segment_passage_article(ls->seg, passage));
}

/*
 * Count the matching passages d..next-1 (one article's) that pass the
 * filter.  Only those that would enter the top k are checked as they
 * come, so an exhaustive run's filtered total was the checked ones plus
 * an estimate of the rest, from a sample of articles taken by their
 * place in the index: the same articles in another order (a merge after
 * replacements) gave another total (`saat AND saya --where
 * source=tempo.co`: 495 and 469 for 465 matches; found by review,
 * 2026-12-01).  A verdict the metadata terms decided costs a byte.
 */
static inline void count_passing(topk *h, const cari_live_segment *ls,
                                 uint32_t si, uint32_t d, uint32_t next)
{
    unsigned v;
    if (!h->filter || h->unknown)
        return;
    if (!h->verdicts) {
        h->verdicts = cari_filter_verdicts(h->filter, si);
        if (!h->verdicts) {
            h->unknown = 1;
            return;
        }
    }
    v = h->verdicts[cari_segment_passage_article(ls->seg, d)];
    if (v == CARI_VERDICT_UNSEEN)
        h->unknown = 1;
    else if (v == CARI_VERDICT_PASSES)
        h->passing += next - d;
}

/* Exhaustive DAAT over a matcher tree. */
static uint64_t run_generic(matcher *m, const cari_live_segment *ls,
                            uint32_t si, topk *heap)
{
    uint64_t matched = 0;
    uint32_t d = m_seek(m, 0);
    while (d != CARI_DOC_END) {
        if (live(ls, d)) {
            scored sc;
            sc.score = m_score(m);
            sc.seg = si;
            sc.passage = d;
            sc.key = 0;
            matched++;
            count_passing(heap, ls, si, d, d + 1);
            (void)heap_push(heap, &sc);
        }
        d = m_seek(m, d + 1);
    }
    return matched;
}

static int cmp_bound(const void *x, const void *y)
{
    const matcher *a = *(matcher *const *)x, *b = *(matcher *const *)y;
    return a->max_score < b->max_score ? -1 : a->max_score > b->max_score;
}

/* MaxScore keeps its essential cursors in a heap by passage from this many
 * cursors on (index_internal.h; run_maxscore_heap).  Measured with
 * callgrind on clickid_news (2026-12-01, first stage only): 300 title
 * queries with prefixes took 17.8G instructions scanning, 3.50G with the
 * heap from 16 cursors on, 3.51G from 32; the 1000 plain title queries (at
 * most 16 cursors: four words, each with its exact form, in two fields)
 * took 2.5% more with the heap from 8 on, and the same from 16 on as from
 * 32.  32 keeps every plain query of up to 8 such words on the scan. */
size_t cari_search_heap_min = 32;

/* An essential cursor in run_maxscore's heap: its passage, its place in
 * cur. */
typedef struct essential {
    uint32_t doc;
    uint32_t i;
} essential;

/* Move h[i] down to its place.  h[n] holds CARI_DOC_END, so that a last
 * child has a sibling to compare with: the smaller child is picked
 * without a branch (the heap's moves were a fifth of the time of "a*"). */
static void essential_down(essential *h, size_t n, size_t i)
{
    essential x = h[i];
    size_t k;
    while ((k = 2 * i + 1) < n) {
        k += h[k + 1].doc < h[k].doc;
        if (h[k].doc >= x.doc)
            break;
        h[i] = h[k];
        i = k;
    }
    h[i] = x;
}

/* Insertion sort, ascending (a handful of places at a time). */
static void sort_places(uint32_t *a, size_t n)
{
    size_t i, j;
    for (i = 1; i < n; i++) {
        uint32_t x = a[i];
        for (j = i; j > 0 && a[j - 1] > x; j--)
            a[j] = a[j - 1];
        a[j] = x;
    }
}

/* run_maxscore's scratch, room for n cursors each. */
typedef struct maxscore_scratch {
    matcher **cur;        /* the cursors by bound */
    double *prefix;       /* prefix[i]: the sum of cur[0..i)'s bounds */
    /* run_maxscore_heap */
    essential *heap;      /* the essential cursors by passage (n + 1) */
    size_t *pos;          /* places in heap of those at d */
    uint32_t *at;         /* their places in cur */
    uint32_t *ords;       /* places in canon of all the cursors at d */
} maxscore_scratch;

/* The cursors by bound (cur) and the sums of their bounds (prefix). */
static void maxscore_order(matcher **canon, size_t n,
                           const maxscore_scratch *w)
{
    size_t i;
    memcpy(w->cur, canon, n * sizeof *w->cur);
    qsort(w->cur, n, sizeof *w->cur, cmp_bound);
    w->prefix[0] = 0;
    for (i = 0; i < n; i++)
        w->prefix[i + 1] = w->prefix[i] + w->cur[i]->max_score;
}

/* Where the run of title-only passages from d ends, as far as cursors
 * cur[from..to) tell (at most `end`): a cursor past d ends it at its
 * doc, one at d (or not looked at) at its article's end. */
static inline uint32_t title_run_end(matcher **cur, size_t from, size_t to,
                                     uint32_t d, uint32_t end)
{
    size_t i;
    for (i = from; i < to; i++) {
        uint32_t e = cur[i]->doc > d ? cur[i]->doc : cur[i]->cur.art_end;
        if (e < end)
            end = e;
    }
    return end;
}

/* MaxScore's non-essential cursors cur[0..first_essential), highest bound
 * first, sought to d and scored into *score while they can still lift the
 * passage over theta.  Returns 0 when all were sought (the score is
 * complete), else the first that was: cur[probed..first_essential). */
static size_t probe_nonessential(matcher **cur, size_t first_essential,
                                 const double *prefix, double theta,
                                 uint32_t d, double *score, int *title_only)
{
    size_t i;
    for (i = first_essential; i-- > 0;) {
        if (*score + prefix[i + 1] < theta)
            return i + 1;
        if (cursor_seek(cur[i], d) == d) {
            *score += cursor_score(cur[i]);
            *title_only &= cur[i]->cur.field == CARI_FIELD_TITLE;
        }
    }
    return 0;
}

/*
 * MaxScore over independent scoring cursors (a flat OR).  Cursors sorted by
 * bound; the lowest ones whose bounds together cannot beat the threshold are
 * "non-essential": candidates come from the essential ones only, and the
 * others are probed for a candidate only while it can still make the heap.
 * A passage that makes the heap is scored again over the cursors in query
 * order (canon), so its score does not depend on how a segment sorted its
 * bounds: the same collection split into other segments ranks the same.
 * Returns the number of matching passages when nothing was skipped (the
 * total is then exact), or UINT64_MAX when cursors were pruned.
 */
static uint64_t run_maxscore(matcher **canon, size_t n,
                             const cari_live_segment *ls, uint32_t si,
                             topk *heap, const maxscore_scratch *w)
{
    matcher **cur = w->cur;
    const double *prefix = w->prefix;
    size_t first_essential = 0, i;
    uint64_t matched = 0;
    int pruned = 0;
    maxscore_order(canon, n, w);
    for (;;) {
        uint32_t d = CARI_DOC_END, next;
        double score = 0, theta = threshold(heap);
        size_t probed;     /* cur[probed..) have been sought to d */
        int complete = 1, title_only = 1;
        /* a passage scoring exactly theta may still win its tie (by id), and
         * sums in another order differ in the last bits: prune only below
         * theta by a margin */
        theta -= 1e-9 * (1.0 + fabs(theta));
        while (first_essential < n && prefix[first_essential + 1] < theta) {
            first_essential++;
            pruned = 1;
        }
        if (first_essential >= n)
            break;
        for (i = first_essential; i < n; i++)
            if (cur[i]->doc < d)
                d = cur[i]->doc;
        if (d == CARI_DOC_END)
            break;
        for (i = first_essential; i < n; i++)
            if (cur[i]->doc == d) {
                score += cursor_score(cur[i]);
                title_only &= cur[i]->cur.field == CARI_FIELD_TITLE;
            }
        probed = probe_nonessential(cur, first_essential, prefix, theta, d,
                                    &score, &title_only);
        complete = probed == 0;
        /*
         * Only titles match at d: the passages after it up to the next
         * posting of any cursor looked at, within the article, match the
         * same titles and nothing else, so they score as d does and sort
         * after it (ties go to the earlier passage).  They are taken as a
         * run, with d: nearly all candidates of a title query are such
         * passages.  Cursors not looked at (not `probed`) only bound a
         * pruned d, whose run they bound the same way.
         */
        next = title_only ? title_run_end(cur, probed, n, d, CARI_DOC_END)
                          : d + 1;
        if (complete && live(ls, d)) {
            matched += next - d;
            count_passing(heap, ls, si, d, next);
            if (score >= theta) {
                scored sc;
                sc.score = 0;
                for (i = 0; i < n; i++)
                    if (canon[i]->doc == d)
                        sc.score += cursor_score(canon[i]);
                sc.seg = si;
                sc.key = 0;
                for (sc.passage = d; sc.passage < next; sc.passage++)
                    if (!heap_push(heap, &sc))
                        break;  /* nor will the rest of the run */
            }
        }
        for (i = first_essential; i < n; i++)
            if (cur[i]->doc == d)
                cursor_seek(cur[i], next);
    }
    return pruned ? UINT64_MAX : matched;
}

/*
 * run_maxscore for many cursors (cari_search_heap_min; a prefix's 64
 * words are 128): the essential cursors wait in a heap by passage, so that
 * a passage costs the cursors at it, not a scan of them all.  The same
 * steps in the same order otherwise: the cursors at a passage are scored
 * in the order of cur, and a candidate's again in query order, so both
 * functions sum the same numbers in the same order, prune alike and rank
 * alike to the last bit.
 */
static uint64_t run_maxscore_heap(matcher **canon, size_t n,
                                  const cari_live_segment *ls, uint32_t si,
                                  topk *heap, const maxscore_scratch *w)
{
    matcher **cur = w->cur;
    const double *prefix = w->prefix;
    essential *eh = w->heap;
    size_t *pos = w->pos;
    uint32_t *at = w->at, *ords = w->ords;
    size_t first_essential = 0, heaped = SIZE_MAX, neh = 0, npos, i, k;
    uint64_t matched = 0;
    int pruned = 0;
    for (i = 0; i < n; i++)
        canon[i]->ord = (uint32_t)i;
    maxscore_order(canon, n, w);
    for (;;) {
        uint32_t d, next, rest;  /* rest: the first essential passage after d */
        double score = 0, theta = threshold(heap);
        size_t probed;     /* cur[probed..) have been sought to d */
        int complete = 1, title_only = 1;
        theta -= 1e-9 * (1.0 + fabs(theta));  /* as run_maxscore */
        while (first_essential < n && prefix[first_essential + 1] < theta) {
            first_essential++;
            pruned = 1;
        }
        if (first_essential >= n)
            break;
        if (heaped != first_essential) {
            neh = 0;
            for (i = first_essential; i < n; i++) {
                eh[neh].doc = cur[i]->doc;
                eh[neh].i = (uint32_t)i;
                neh++;
            }
            eh[neh].doc = CARI_DOC_END;  /* see essential_down */
            eh[neh].i = 0;
            for (i = neh / 2; i-- > 0;)
                essential_down(eh, neh, i);
            heaped = first_essential;
        }
        d = eh[0].doc;
        if (d == CARI_DOC_END)
            break;
        /* the entries at d make a subtree at the root: breadth first,
         * their places in the heap ascend; the first of the others is a
         * child of one of them */
        pos[0] = 0;
        rest = CARI_DOC_END;
        for (npos = 1, k = 0; k < npos; k++) {
            size_t c = 2 * pos[k] + 1, e = c + 2;
            for (; c < e && c < neh; c++) {
                if (eh[c].doc == d)
                    pos[npos++] = c;
                else if (eh[c].doc < rest)
                    rest = eh[c].doc;
            }
        }
        for (k = 0; k < npos; k++)
            at[k] = eh[pos[k]].i;
        sort_places(at, npos);
        for (k = 0; k < npos; k++) {
            score += cursor_score(cur[at[k]]);
            title_only &= cur[at[k]]->cur.field == CARI_FIELD_TITLE;
        }
        probed = probe_nonessential(cur, first_essential, prefix, theta, d,
                                    &score, &title_only);
        complete = probed == 0;
        /* the run of title-only passages, as run_maxscore takes it: the
         * essential cursors not at d are bounded by rest */
        next = d + 1;
        if (title_only) {
            next = title_run_end(cur, probed, first_essential, d, rest);
            for (k = 0; k < npos; k++)
                if (cur[at[k]]->cur.art_end < next)
                    next = cur[at[k]]->cur.art_end;
        }
        if (complete && live(ls, d)) {
            matched += next - d;
            count_passing(heap, ls, si, d, next);
            if (score >= theta) {
                /* every cursor was sought to d (complete): those at d, in
                 * query order */
                size_t nords = 0;
                scored sc;
                for (k = 0; k < npos; k++)
                    ords[nords++] = cur[at[k]]->ord;
                for (i = 0; i < first_essential; i++)
                    if (cur[i]->doc == d)
                        ords[nords++] = cur[i]->ord;
                sort_places(ords, nords);
                sc.score = 0;
                for (k = 0; k < nords; k++)
                    sc.score += cursor_score(canon[ords[k]]);
                sc.seg = si;
                sc.key = 0;
                for (sc.passage = d; sc.passage < next; sc.passage++)
                    if (!heap_push(heap, &sc))
                        break;  /* nor will the rest of the run */
            }
        }
        for (k = 0; k < npos; k++)
            cursor_seek(cur[at[k]], next);
        /* back into the heap where they stand, the deepest first: below
         * each, the heap holds again when it moves down */
        for (k = npos; k-- > 0;) {
            eh[pos[k]].doc = cur[eh[pos[k]].i]->doc;
            essential_down(eh, neh, pos[k]);
        }
    }
    return pruned ? UINT64_MAX : matched;
}

/* Is q a flat OR of terms, possibly nested (MaxScore applies)? */
static int flat_or(const cari_qnode *q)
{
    size_t i;
    if (q->op == CARI_Q_TERM)
        return 1;
    if (q->op != CARI_Q_BOOL || q->nmust || q->nmust_not)
        return 0;
    for (i = 0; i < q->nshould; i++)
        if (!flat_or(q->should[i]))
            return 0;
    return 1;
}

/* Number of term leaves under q. */
static size_t count_terms(const cari_qnode *q)
{
    size_t i, n = 0;
    if (q->op != CARI_Q_BOOL)
        return q->op == CARI_Q_TERM ? 1 : q->nterms;
    for (i = 0; i < q->nmust; i++)
        n += count_terms(q->must[i]);
    for (i = 0; i < q->nshould; i++)
        n += count_terms(q->should[i]);
    for (i = 0; i < q->nmust_not; i++)
        n += count_terms(q->must_not[i]);
    return n;
}

/* Did a cursor under m meet data that does not decode?  (A damaged list
 * ends its cursor early: without this the search would return what it
 * found before, a partial result.) */
static int tree_corrupt(const matcher *m)
{
    size_t i;
    if (!m)
        return 0;
    if (m->kind == M_CURSOR)
        return m->cur.p.corrupt;
    for (i = 0; i < m->nkids; i++)
        if (tree_corrupt(m->kids[i]))
            return 1;
    for (i = 0; i < m->nshould; i++)
        if (tree_corrupt(m->should[i]))
            return 1;
    for (i = 0; i < m->nmust_not; i++)
        if (tree_corrupt(m->must_not[i]))
            return 1;
    return tree_corrupt(m->must);
}

/* Collect the cursors (M_CURSOR leaves) under m. */
static void gather_cursors(matcher *m, matcher **out, size_t *n)
{
    size_t i;
    if (m->kind == M_CURSOR) {
        out[(*n)++] = m;
        return;
    }
    for (i = 0; i < m->nkids; i++)
        gather_cursors(m->kids[i], out, n);
}

/* ------------------------------------------------------------------ */
/* Estimating the number of matches                                    */
/* ------------------------------------------------------------------ */

/* Fraction of passages q matches, assuming independent terms. */
static double match_fraction(qctx *c, const cari_qnode *q)
{
    double n = c->ix->stat_passages ? (double)c->ix->stat_passages : 1.0;
    size_t i;
    double p;
    switch (q->op) {
    case CARI_Q_TERM: {
        const termstat *t = stat_of(c, q->term, q->len);
        double body = t ? (double)t->df[0] / n : 0;
        double title = t && (q->fields & CARI_QF_TITLE) && c->ix->stat_articles
                           ? (double)t->df[1] / (double)c->ix->stat_articles
                           : 0;
        if (!(q->fields & CARI_QF_BODY))
            body = 0;
        p = 1 - (1 - body) * (1 - title);
        return p > 1 ? 1 : p;
    }
    case CARI_Q_PHRASE:
    case CARI_Q_NEAR:
        p = 1;
        for (i = 0; i < q->nterms; i++) {
            const termstat *t = stat_of(c, q->terms[i], q->lens[i]);
            p *= t ? (double)t->df[0] / n : 0;
        }
        return p;
    case CARI_Q_BOOL:
        if (q->nmust) {
            p = 1;
            for (i = 0; i < q->nmust; i++)
                p *= match_fraction(c, q->must[i]);
        } else {
            double none = 1;
            for (i = 0; i < q->nshould; i++)
                none *= 1 - match_fraction(c, q->should[i]);
            p = 1 - none;
        }
        for (i = 0; i < q->nmust_not; i++)
            p *= 1 - match_fraction(c, q->must_not[i]);
        return p;
    default:
        return 0;
    }
}

/* ------------------------------------------------------------------ */
/* Hits                                                                */
/* ------------------------------------------------------------------ */

static int fill_hit(cari_index *ix, cari_hits *h, const scored *sc,
                    const cari_termlist *tl, const cari_search_options *o,
                    cari_tokvec *scratch, cari_hit *hit)
{
    cari_live_segment *ls = &ix->segs[sc->seg];
    uint32_t art = cari_segment_passage_article(ls->seg, sc->passage);
    uint32_t start, end;
    const char *id;
    size_t id_len;
    cari_stored st;
    int rc;
    memset(hit, 0, sizeof *hit);
    rc = cari_segment_passage_range(ls->seg, sc->passage, &start, &end);
    if (rc)
        return rc;
    hit->score = sc->score;
    hit->passage = sc->passage - cari_segment_first_passage(ls->seg, art);
    hit->start = start;
    hit->end = end;
    id = cari_segment_id(ls->seg, art, &id_len);
    hit->id = cari_arena_strndup(&h->arena, id, id_len);
    hit->id_len = id_len;
    hit->title = "";
    if (!hit->id)
        return CARI_ENOMEM;
    if (!(o->flags & (CARI_SEARCH_STORED | CARI_SEARCH_SNIPPETS)))
        return CARI_OK;
    rc = cari_segment_article(ls->seg, art, &st);
    if (rc)
        return rc;
    if (start > end || end > st.text_len)
        return CARI_ECORRUPT;
    hit->title = cari_arena_strndup(&h->arena, st.title, st.title_len);
    hit->title_len = st.title_len;
    hit->meta = st.meta_len ? cari_arena_strndup(&h->arena, st.meta,
                                                 st.meta_len)
                            : NULL;
    hit->meta_len = st.meta_len;
    if (!hit->title || (st.meta_len && !hit->meta))
        return CARI_ENOMEM;
    if (o->flags & CARI_SEARCH_SNIPPETS) {
        char *snip;
        cari_span *hl;
        hit->text = cari_arena_strndup(&h->arena, st.text + start, end - start);
        hit->text_len = end - start;
        if (!hit->text)
            return CARI_ENOMEM;
        rc = cari_snippet(ix->analyzer, hit->text, hit->text_len, tl,
                          o->snippet_words, scratch, &h->arena, &snip,
                          &hit->snippet_len, &hl, &hit->highlight_count);
        if (rc)
            return rc;
        hit->snippet = snip;
        hit->highlights = hl;
    }
    return CARI_OK;
}

/* The parts of a hit's score (CARI_SEARCH_EXPLAIN): the model's features
 * with their weights when it reranked, else the first stage's BM25 per
 * field.  Items of weight 0 are for information; a last item makes up
 * any difference (a passage past the rerank depth; BM25 leaves that
 * the query's operators left out), so value * weight always sums to the
 * score. */
static int fill_explain(cari_hits *h, const cari_candidate *cd,
                        const cari_rank_params *rp, int reranked, int qclass,
                        double title_weight, cari_hit *hit)
{
    cari_explain *e = cari_arena_alloc(&h->arena,
                                       (CARI_NFEATURES + 4) * sizeof *e);
    size_t n = 0;
    double sum = 0;
    int i;
    if (!e)
        return CARI_ENOMEM;
    if (reranked) {
        for (i = 0; i < CARI_NFEATURES; i++) {
            e[n].name = cari_feature_names[i];
            e[n].value = cd->f[i];
            e[n].weight = rp->weight[i];
            sum += e[n].value * e[n].weight;
            n++;
        }
        e[n].name = "first_stage";
        e[n].value = cd->first;
        e[n].weight = 0;
        n++;
    } else {
        e[n].name = "bm25.body";
        e[n].value = cd->bm25_body;
        e[n].weight = 1;
        sum += e[n].value;
        n++;
        e[n].name = "bm25.title";
        e[n].value = cd->bm25_title;
        e[n].weight = title_weight;
        sum += e[n].value * title_weight;
        n++;
    }
    e[n].name = "question";
    e[n].value = qclass == CARI_QCLASS_QUESTION;
    e[n].weight = 0;
    n++;
    if (fabs(cd->score - sum) > 1e-9 * (1 + fabs(sum))) {
        e[n].name = cd->feedback ? "feedback"
                    : reranked    ? "past_depth"
                                  : "operators";
        e[n].value = cd->score - sum;
        e[n].weight = 1;
        n++;
    }
    hit->explain = e;
    hit->explain_count = n;
    return CARI_OK;
}

/* The parts of a Xapian hit's score (CARI_SEARCH_EXPLAIN): Xapian's BM25
 * is all of it (no second stage), one item, so that value * weight sums
 * to the score there too (it gave none: found by review). */
static int xapian_explain(cari_hits *h)
{
    size_t i;
    for (i = 0; i < h->n; i++) {
        cari_explain *e = cari_arena_alloc(&h->arena, sizeof *e);
        if (!e)
            return CARI_ENOMEM;
        e->name = "xapian_bm25";
        e->value = h->items[i].score;
        e->weight = 1;
        h->items[i].explain = e;
        h->items[i].explain_count = 1;
    }
    return CARI_OK;
}

/* ------------------------------------------------------------------ */
/* Entry point                                                         */
/* ------------------------------------------------------------------ */

static int fail(cari_index *ix, int rc, const char *fmt, ...)
    CARI_PRINTF(3, 4);

static int fail(cari_index *ix, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ix->errmsg, sizeof ix->errmsg, fmt, ap);
    va_end(ap);
    return rc;
}

/* Run the first stage over every segment: the best heap->k passages by
 * BM25 into heap, *total the number of matches (counted or estimated). */
static int first_stage(qctx *c, cari_qnode *q, topk *heap, uint64_t *total)
{
    cari_index *ix = c->ix;
    uint64_t exact_total = 0;
    int exhaustive = 1, rc = CARI_OK;
    size_t i;
    heap->n = 0;
    heap->passing = 0;
    heap->unknown = 0;
    for (i = 0; i < ix->nsegs && !rc; i++) {
        matcher *m;
        heap->verdicts = NULL;
        rc = build(c, ix->segs[i].seg, q, &m);
        if (!rc && m) {
            if (flat_or(q) && heap->k > 0) {
                size_t n = 0, leaves = 2 * count_terms(q) + 2;
                uint64_t matched;
                matcher **canon = cari_arena_alloc(c->arena, leaves * sizeof *canon);
                maxscore_scratch w;
                memset(&w, 0, sizeof w);
                w.cur = cari_arena_alloc(c->arena, leaves * sizeof *w.cur);
                w.prefix = cari_arena_alloc(c->arena,
                                            (leaves + 1) * sizeof *w.prefix);
                if (!canon || !w.cur || !w.prefix) {
                    rc = CARI_ENOMEM;
                    break;
                }
                gather_cursors(m, canon, &n);
                if (n >= cari_search_heap_min) {
                    w.heap = cari_arena_alloc(c->arena,
                                              (n + 1) * sizeof *w.heap);
                    w.pos = cari_arena_alloc(c->arena, n * sizeof *w.pos);
                    w.at = cari_arena_alloc(c->arena, n * sizeof *w.at);
                    w.ords = cari_arena_alloc(c->arena, n * sizeof *w.ords);
                    if (!w.heap || !w.pos || !w.at || !w.ords) {
                        rc = CARI_ENOMEM;
                        break;
                    }
                }
                matched = n >= cari_search_heap_min
                              ? run_maxscore_heap(canon, n, &ix->segs[i],
                                                  (uint32_t)i, heap, &w)
                              : run_maxscore(canon, n, &ix->segs[i],
                                             (uint32_t)i, heap, &w);
                if (matched == UINT64_MAX)
                    exhaustive = 0;
                else
                    exact_total += matched;
                for (size_t k = 0; k < n; k++)
                    if (w.cur[k]->cur.p.corrupt)
                        rc = CARI_ECORRUPT;
            } else {
                exact_total += run_generic(m, &ix->segs[i], (uint32_t)i, heap);
                if (tree_corrupt(m))
                    rc = CARI_ECORRUPT;
            }
        }
        if (c->error)
            rc = c->error;
        if (!rc)
            rc = cari_filter_error(heap->filter);
        cari_arena_reset(c->arena);
        if (rc == CARI_ECORRUPT)
            cari_index_damaged(ix, i, cari_filter_error(heap->filter)
                                   ? "stored text does not inflate"
                                   : "the dictionary or a posting list does "
                                     "not decode");
    }
    if (rc)
        return rc;
    heap_settle(heap);  /* the candidates still waiting for the filter */
    if (cari_filter_error(heap->filter) == CARI_ECORRUPT)
        return fail(ix, CARI_ECORRUPT,
                    "%s: the stored text of an article does not inflate",
                    ix->dir);
    if (cari_filter_error(heap->filter))
        return fail(ix, cari_filter_error(heap->filter),
                    "metadata filter: %s",
                    cari_strerror(cari_filter_error(heap->filter)));
    if (exhaustive && heap->filter && !heap->unknown)
        *total = heap->passing;
    else if (exhaustive)
        *total = cari_filter_total(heap->filter, exact_total);
    else {
        double est = match_fraction(c, q) * (double)ix->passages *
                     cari_filter_pass_rate(heap->filter);
        *total = (uint64_t)(est + 0.5);
        if (*total < heap->n)
            *total = heap->n;
    }
    qsort(heap->heap, heap->n, sizeof *heap->heap, cmp_scored);
    return CARI_OK;
}

/* A new filter for h, for a pass of the first stage: it counts what it
 * is asked. */
static int renew_filter(qctx *c, topk *h)
{
    cari_filter_free(h->filter);
    h->filter = NULL;
    return cari_filter_new(c->ix, &c->o, &h->filter, c->ix->errmsg,
                           sizeof c->ix->errmsg);
}

/* cand[0..h->n) from the first stage's sorted heap h: first-stage scores,
 * no features yet. */
static void candidates_of(const topk *h, cari_candidate *cand)
{
    size_t i;
    for (i = 0; i < h->n; i++) {
        memset(&cand[i], 0, sizeof cand[i]);
        cand[i].seg = h->heap[i].seg;
        cand[i].passage = h->heap[i].passage;
        cand[i].first = h->heap[i].score;
        cand[i].first_rank = (uint32_t)i;
        cand[i].score = h->heap[i].score;
    }
}

/* ------------------------------------------------------------------ */
/* Compound words                                                      */
/* ------------------------------------------------------------------ */

/* Parts of a compound are words of the dictionary of at least this many
 * bytes; the compound itself at least twice that. */
#define COMPOUND_MIN_PART 3

static cari_qnode *term_leaf(qctx *c, const char *term, size_t len,
                             double weight)
{
    cari_qnode *t = cari_query_node(c->qarena, CARI_Q_TERM);
    if (t) {
        t->weight = weight;
        t->term = term;
        t->len = len;
    }
    return t;
}

/* A PHRASE of n words next to each other (positions 0..n-1) in fields,
 * weighted weight; its terms[] and lens[] are the caller's to fill. */
static cari_qnode *phrase_leaf(qctx *c, size_t n, unsigned fields,
                               double weight)
{
    cari_qnode *t = cari_query_node(c->qarena, CARI_Q_PHRASE);
    size_t i;
    if (!t)
        return NULL;
    t->fields = fields;
    t->weight = weight;
    t->nterms = n;
    t->terms = cari_arena_alloc(c->qarena, n * sizeof *t->terms);
    t->lens = cari_arena_alloc(c->qarena, n * sizeof *t->lens);
    t->positions = cari_arena_alloc(c->qarena, n * sizeof *t->positions);
    if (!t->terms || !t->lens || !t->positions)
        return NULL;
    for (i = 0; i < n; i++)
        t->positions[i] = (uint32_t)i;
    return t;
}

/* A BOOL of should[0..n): any of them (the tree's OR). */
static cari_qnode *or_node(qctx *c, cari_qnode **should, size_t n)
{
    cari_qnode *b = cari_query_node(c->qarena, CARI_Q_BOOL);
    if (b) {
        b->should = should;
        b->nshould = n;
    }
    return b;
}

/* Passages whose text holds term a right before term b, counted up to
 * need (*n; deleted articles count, as in df). */
static int pair_df(qctx *c, const char *a, size_t alen, const char *b,
                   size_t blen, uint64_t need, uint64_t *n)
{
    cari_qnode *pair = phrase_leaf(c, 2, CARI_QF_BODY, 1.0);
    size_t s;
    int rc = CARI_OK;
    *n = 0;
    if (!pair)
        return CARI_ENOMEM;
    pair->terms[0] = a;
    pair->terms[1] = b;
    pair->lens[0] = alen;
    pair->lens[1] = blen;
    for (s = 0; s < c->ix->nsegs && *n < need && !rc; s++) {
        matcher *m;
        uint32_t d;
        rc = build_positional(c, c->ix->segs[s].seg, pair, &m);
        if (!rc && m) {
            for (d = m_seek(m, 0); d != CARI_DOC_END && *n < need;
                 d = m_seek(m, d + 1))
                (*n)++;
            if (tree_corrupt(m))
                rc = CARI_ECORRUPT;
        }
        if (!rc && c->error)
            rc = c->error;
        cari_arena_reset(c->arena);
    }
    return rc;
}

/* A TERM leaf of a plain word (not an =exact form, not one field). */
static int plain_word(const cari_qnode *q)
{
    return q->op == CARI_Q_TERM && q->qpos && q->fields == CARI_QF_ALL &&
           q->len && q->term[0] != '=' &&
           !cari_rank_is_question_term(q->term, q->len);
}

/* The one term the analyzer makes of text (arena copy in *term), or 0
 * when it makes none or several, or a stopword. */
static int single_term(qctx *c, cari_tokvec *tv, const char *text, size_t len,
                       const char **term, size_t *tlen)
{
    size_t i, n = 0;
    long got = cari_analyzer_run(c->ix->analyzer, text, len, 0, tv);
    if (got < 0)
        return (int)got;
    *term = NULL;
    for (i = 0; i < tv->len; i++) {
        if (tv->items[i].alternative)
            continue;
        if (tv->items[i].stop || n++)
            return 0;
        *term = cari_arena_strndup(c->qarena, tv->items[i].term,
                                   tv->items[i].term_len);
        if (!*term)
            return CARI_ENOMEM;
        *tlen = tv->items[i].term_len;
    }
    return *term ? 1 : 0;
}

/* A ranked query's list of optional words in *list (n of them): the
 * query itself when it is one word, a BOOL's should children when it
 * has no required or excluded part; 0 for any other query (+word, -word,
 * --all, a phrase), which the expansions leave alone. */
static int optional_words(cari_qnode **qp, cari_qnode ***list, size_t *n)
{
    cari_qnode *q = *qp;
    if (q->op == CARI_Q_TERM) {
        *list = qp;
        *n = 1;
        return 1;
    }
    if (q->op == CARI_Q_BOOL && !q->nmust && !q->nmust_not) {
        *list = q->should;
        *n = q->nshould;
        return 1;
    }
    return 0;
}

/* The optional words of *qp (optional_words) become out[0..n): the BOOL's
 * new children, or a BOOL of them in place of the one word. */
static int set_optional_words(qctx *c, cari_qnode **qp, cari_qnode **out,
                              size_t n)
{
    if ((*qp)->op == CARI_Q_TERM)
        return (*qp = or_node(c, out, n)) ? CARI_OK : CARI_ENOMEM;
    (*qp)->should = out;
    (*qp)->nshould = n;
    return CARI_OK;
}

/* Is term already a leaf of list (so adding it again would only weigh
 * it twice)? */
static int in_list(cari_qnode **list, size_t n, const char *term, size_t len)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (list[i]->op == CARI_Q_TERM && list[i]->len == len &&
            memcmp(list[i]->term, term, len) == 0)
            return 1;
    return 0;
}

/*
 * Where term splits into a compound the collection writes as two words:
 * two words of the root dictionary (ibukota: ibu + kota) that at least
 * ratio times as many passages hold as a pair as hold the term (and at
 * least one).  A root is its own term (stem.c keeps dictionary roots),
 * and a stopword part is never indexed, so no pair of it is found.
 * Returns the split point (the first that holds), 0 for none, or an error
 * (< 0).
 */
static long compound_split(qctx *c, const char *term, size_t len,
                           double ratio)
{
    size_t i;
    uint64_t need;
    const termstat *t;
    if (len < 2 * COMPOUND_MIN_PART)
        return 0;
    for (i = 0; i < len; i++)
        if ((unsigned char)term[i] < 'a' || (unsigned char)term[i] > 'z')
            return 0;  /* letters only: no numbers, no exact forms */
    i = cari_stemmer_root_split(term, len, COMPOUND_MIN_PART, 0);
    if (!i)
        return 0;
    if (!(t = stat_of(c, term, len)))
        return c->error ? c->error : CARI_ENOMEM;
    need = (uint64_t)ceil(ratio * (double)t->df[CARI_FIELD_BODY]);
    if (need < 1)
        need = 1;
    for (; i; i = cari_stemmer_root_split(term, len, COMPOUND_MIN_PART, i)) {
        const termstat *part;
        uint64_t n;
        int rc, k;
        /* the pair is in no more passages than either part: when one
         * part is too rare, nothing to count (stat_of may move the
         * statistics: each part is read before the next lookup) */
        for (k = 0; k < 2; k++) {
            part = k ? stat_of(c, term + i, len - i) : stat_of(c, term, i);
            if (!part)
                return c->error ? c->error : CARI_ENOMEM;
            if (part->df[CARI_FIELD_BODY] < need)
                break;
        }
        if (k < 2)
            continue;
        rc = pair_df(c, term, i, term + i, len - i, need, &n);
        if (rc)
            return rc;
        if (n >= need)
            return (long)i;
    }
    return 0;
}

int cari_search_compound(cari_index *ix, const char *term, size_t len)
{
    cari_arena qa = {0}, sa = {0};
    qctx c;
    long at;
    if (!ix || ix->xapian || !term)
        return 0;
    memset(&c, 0, sizeof c);
    c.ix = ix;
    c.qarena = &qa;
    c.arena = &sa;
    c.avg[CARI_FIELD_BODY] = c.avg[CARI_FIELD_TITLE] = 1.0;  /* no scores */
    at = compound_split(&c, term, len, 0);
    cari_arena_free(&qa);
    cari_arena_free(&sa);
    return at < 0 ? (int)at : at > 0;
}

/* Add to out[*nout] the parts of term split at `at`, weighted weight:
 * two terms, or with pair set one phrase of them (no part that list or
 * out already holds as a term: it would only weigh twice). */
static int add_parts(qctx *c, const char *term, size_t len, size_t at,
                     double weight, int pair, cari_qnode **list, size_t n,
                     cari_qnode **out, size_t *nout)
{
    const char *part[2];
    size_t plen[2], k;
    part[0] = term;
    plen[0] = at;
    part[1] = term + at;
    plen[1] = len - at;
    if (pair) {
        cari_qnode *t = phrase_leaf(c, 2, CARI_QF_ALL, weight);
        if (!t)
            return CARI_ENOMEM;
        for (k = 0; k < 2; k++) {
            t->terms[k] = part[k];
            t->lens[k] = plen[k];
        }
        out[(*nout)++] = t;
        return CARI_OK;
    }
    for (k = 0; k < 2; k++) {
        cari_qnode *t;
        if (in_list(list, n, part[k], plen[k]) ||
            in_list(out, *nout, part[k], plen[k]))
            continue;
        t = term_leaf(c, part[k], plen[k], weight);
        if (!t)
            return CARI_ENOMEM;
        out[(*nout)++] = t;
    }
    return CARI_OK;
}

/* The surface form of a plain word's leaf: its exact form, else its term
 * (which then is the form). */
static const char *surface(const cari_qnode *q, size_t *len)
{
    if (q->exact) {
        *len = q->exact_len - 1;
        return q->exact + 1;
    }
    *len = q->len;
    return q->term;
}

/*
 * Compound words, both ways, in a ranked query's list of words (a BOOL of
 * should leaves, or one word): a word the collection mostly writes as two
 * ("ibukota": "ibu kota") is also searched as its two parts, and two
 * adjacent words whose joined form is a term of at least two passages
 * ("sepak bola": "sepakbola") also as that term.  The added leaves are
 * plain terms, so a query stays a flat OR (MaxScore); the second stage
 * sees them as terms with their weights, and its pair and window features
 * reward the parts next to each other.  With rp->cp_phrase the parts are
 * one phrase instead: only the pair matches (the keyword class, whose
 * title features would otherwise put a title holding one part first).
 * Indonesian writes many compounds both ways (KBBI prescribes "ibu kota";
 * the news mostly writes it so, questions mostly "ibukota").  And with
 * rp->exact_form, a word whose exact form differs from its term
 * ("dirancang": rancang) is also searched as that form ("=dirancang"), so
 * that the text holding the query's own forms ranks above the text that
 * holds others of the same stem (the keyword class: a headline's words).
 * A query with required or excluded words (+word, -word, --all) is left
 * alone.
 */
static int expand_compounds(qctx *c, cari_qnode **qp,
                            const cari_rank_params *rp, cari_tokvec *tv)
{
    cari_qnode *q = *qp, **list, **out;
    size_t n, nout = 0, i;
    int rc;
    if (!q || (rp->cp_split <= 0 && rp->cp_join <= 0 && rp->exact_form <= 0) ||
        !optional_words(qp, &list, &n))
        return CARI_OK;
    /* at most two parts and an exact form per word, one join per pair */
    out = cari_arena_alloc(c->qarena, (5 * n + 1) * sizeof *out);
    if (!out)
        return CARI_ENOMEM;
    for (i = 0; i < n; i++) {
        cari_qnode *w = list[i];
        out[nout++] = w;
        if (!plain_word(w))
            continue;
        if (rp->exact_form > 0 && w->exact &&
            !in_list(list, n, w->exact, w->exact_len) &&
            !in_list(out, nout, w->exact, w->exact_len)) {
            /* the first stage matches it in titles alone: in the passage
             * text it cost 7 us a query and found nothing the title and
             * the second stage did not (docs/RANKING.md) */
            if (!(out[nout] = term_leaf(c, w->exact, w->exact_len,
                                        w->weight * rp->exact_form)))
                return CARI_ENOMEM;
            out[nout]->fields = CARI_QF_TITLE;
            nout++;
        }
        if (rp->cp_split > 0) {
            double weight = w->weight * rp->cp_split;
            long at = compound_split(c, w->term, w->len, rp->cp_ratio);
            if (at < 0)
                return (int)at;
            if (at > 0) {
                rc = add_parts(c, w->term, w->len, (size_t)at, weight,
                               rp->cp_phrase, list, n, out, &nout);
                if (rc)
                    return rc;
                w->weight *= rp->cp_keep;
            }
        }
        if (rp->cp_join > 0 && i + 1 < n && plain_word(list[i + 1]) &&
            list[i + 1]->qpos == w->qpos + 1) {
            char buf[128];
            const char *x, *y, *term = NULL;
            size_t xl, yl, tl = 0;
            const termstat *t;
            x = surface(w, &xl);
            y = surface(list[i + 1], &yl);
            if (xl + yl > sizeof buf)
                continue;
            memcpy(buf, x, xl);
            memcpy(buf + xl, y, yl);
            rc = single_term(c, tv, buf, xl + yl, &term, &tl);
            if (rc < 0)
                return rc;
            if (rc == 0 || in_list(list, n, term, tl) ||
                in_list(out, nout, term, tl))
                continue;
            t = stat_of(c, term, tl);
            if (!t)
                return c->error ? c->error : CARI_ENOMEM;
            if (t->df[CARI_FIELD_BODY] + t->df[CARI_FIELD_TITLE] < 2)
                continue;
            if (!(out[nout] = term_leaf(c, term, tl,
                                        (w->weight < list[i + 1]->weight
                                             ? w->weight
                                             : list[i + 1]->weight) *
                                            rp->cp_join)))
                return CARI_ENOMEM;
            nout++;
        }
    }
    return nout == n ? CARI_OK : set_optional_words(c, qp, out, nout);
}

/* ------------------------------------------------------------------ */
/* The second stage                                                    */
/* ------------------------------------------------------------------ */

/* Multiply the weight of question-word leaves ("siapa", "kapan"...) by w:
 * they say what kind of answer is wanted, not what it is about. */
static void weigh_question_words(cari_qnode *q, double w)
{
    size_t i;
    if (!q || w == 1.0)
        return;
    if (q->op == CARI_Q_TERM) {
        if (cari_rank_is_question_term(q->term, q->len))
            q->weight *= w;
        return;
    }
    if (q->op != CARI_Q_BOOL)
        return;
    for (i = 0; i < q->nmust; i++)
        weigh_question_words(q->must[i], w);
    for (i = 0; i < q->nshould; i++)
        weigh_question_words(q->should[i], w);
}

/* --all on a question: every word but its question words (siapa, kapan,
 * berapa...), which the answer seldom holds, is required (found by
 * review: "Siapa presiden Indonesia?" with --all found nothing).  They
 * move from q's required words to its optional ones. */
static int unrequire_question_words(cari_qnode *q, cari_arena *arena)
{
    size_t i, k = 0, moved = 0;
    cari_qnode **should;
    if (!q || q->op != CARI_Q_BOOL)
        return CARI_OK;
    for (i = 0; i < q->nmust; i++)
        moved += q->must[i]->op == CARI_Q_TERM &&
                 cari_rank_is_question_term(q->must[i]->term, q->must[i]->len);
    if (!moved || moved == q->nmust)
        return CARI_OK;  /* none, or nothing else to require */
    should = cari_arena_alloc(arena, (q->nshould + moved) * sizeof *should);
    if (!should)
        return CARI_ENOMEM;
    if (q->nshould)
        memcpy(should, q->should, q->nshould * sizeof *should);
    for (i = 0; i < q->nmust; i++) {
        cari_qnode *m = q->must[i];
        if (m->op == CARI_Q_TERM && cari_rank_is_question_term(m->term, m->len))
            should[q->nshould++] = m;
        else
            q->must[k++] = m;
    }
    q->nmust = k;
    q->should = should;
    return CARI_OK;
}

typedef struct rank_terms {
    cari_rank_term *items;
    size_t n, cap;
} rank_terms;

/* The rank term `term` of rt, or NULL. */
static cari_rank_term *find_rank_term(const rank_terms *rt, const char *term,
                                      size_t len)
{
    size_t i;
    for (i = 0; i < rt->n; i++)
        if (rt->items[i].len == len && memcmp(rt->items[i].term, term, len) == 0)
            return &rt->items[i];
    return NULL;
}

static int add_rank_term(qctx *c, rank_terms *rt, const char *term,
                         size_t len, const char *exact, size_t exact_len,
                         double weight)
{
    const termstat *t;
    cari_rank_term *r = find_rank_term(rt, term, len);
    if (r) {
        r->weight += weight;
        return CARI_OK;
    }
    if (rt->n == rt->cap) {
        size_t cap = rt->cap ? rt->cap * 2 : 16;
        cari_rank_term *p = cari_arena_alloc(c->qarena, cap * sizeof *p);
        if (!p)
            return CARI_ENOMEM;
        if (rt->n)
            memcpy(p, rt->items, rt->n * sizeof *p);
        rt->items = p;
        rt->cap = cap;
    }
    r = &rt->items[rt->n];
    memset(r, 0, sizeof *r);
    r->term = term;
    r->len = len;
    r->weight = weight;
    t = stat_of(c, term, len);
    if (!t)
        return c->error ? c->error : CARI_ENOMEM;
    r->idf_body = t->idf[CARI_FIELD_BODY];
    r->idf_title = t->idf[CARI_FIELD_TITLE];
    r->idf_exact = r->idf_body;
    if (exact) {
        t = stat_of(c, exact, exact_len);
        if (!t)
            return c->error ? c->error : CARI_ENOMEM;
        r->exact = exact;
        r->exact_len = exact_len;
        r->idf_exact = t->idf[CARI_FIELD_BODY];
    }
    rt->n++;
    return CARI_OK;
}

/* The distinct terms of q's positive leaves, in query order. */
static int collect_rank_terms(qctx *c, const cari_qnode *q, rank_terms *rt)
{
    size_t i;
    int rc = CARI_OK;
    switch (q->op) {
    case CARI_Q_TERM:
        return add_rank_term(c, rt, q->term, q->len, q->exact, q->exact_len,
                             q->weight);
    case CARI_Q_PHRASE:
    case CARI_Q_NEAR:
        for (i = 0; i < q->nterms && !rc; i++)
            rc = add_rank_term(c, rt, q->terms[i], q->lens[i], NULL, 0,
                               q->weight);
        return rc;
    case CARI_Q_BOOL:
        for (i = 0; i < q->nmust && !rc; i++)
            rc = collect_rank_terms(c, q->must[i], rt);
        for (i = 0; i < q->nshould && !rc; i++)
            rc = collect_rank_terms(c, q->should[i], rt);
        return rc;
    default:
        return CARI_OK;
    }
}

/* Mark the rank terms that the query writes capitalised after its first
 * word ("kapan nabi Musa diangkat"): names, which a passage about
 * something else rarely holds. */
static int mark_entities(cari_index *ix, const char *text, size_t len,
                         rank_terms *rt, cari_tokvec *tv)
{
    size_t i;
    long n = cari_analyzer_run(ix->analyzer, text, len, 0, tv);
    if (n < 0)
        return (int)n;
    for (i = 0; i < tv->len; i++) {
        const cari_term_token *t = &tv->items[i];
        unsigned char c = (unsigned char)text[t->start];
        cari_rank_term *r;
        if (t->stop || t->start == 0 || !(c >= 'A' && c <= 'Z'))
            continue;
        if ((r = find_rank_term(rt, t->term, t->term_len)))
            r->entity = 1;
    }
    return CARI_OK;
}

/* Is the token text[start, end) a word of the query syntax (query.h):
 * AND, OR, NOT, NEAR and the distance of NEAR/n, or a field name before
 * ':'? */
static int syntax_word(const char *text, size_t len, uint32_t start,
                       uint32_t end)
{
    size_t n = end - start;
    const char *w = text + start;
    if (end > len || start >= end)
        return 0;
    if (end < len && text[end] == ':')
        return 1;
    if (start > 0 && text[start - 1] == '/' && start >= 5 &&
        memcmp(text + start - 5, "NEAR", 4) == 0)
        return 1;  /* the n of NEAR/n */
    return (n == 3 && (memcmp(w, "AND", 3) == 0 || memcmp(w, "NOT", 3) == 0)) ||
           (n == 2 && memcmp(w, "OR", 2) == 0) ||
           (n == 4 && memcmp(w, "NEAR", 4) == 0);
}

/* The query's words in order for the title_phrase feature (rank.h):
 * each position of tv (text, the query q was parsed from, analyzed by
 * mark_entities) as its word's rank term, or as the title term "~word"
 * of a stopword, which titles index so (segment.c).  The query syntax's
 * own words (AND, OR, NOT, a field name) are left out; any other word
 * that is no rank term (an excluded word, a prefix) breaks the sequence
 * (-1), so that the words on either side are not taken for neighbours. */
static int title_words(qctx *c, const rank_terms *rt, const char *text,
                       size_t len, const cari_tokvec *tv, cari_rank_query *rq)
{
    int *seq;
    const char **stops;
    size_t *stop_lens;
    size_t i, k, n = 0, ns = 0;
    if (tv->len == 0)
        return CARI_OK;
    seq = cari_arena_alloc(c->qarena, tv->len * sizeof *seq);
    stops = cari_arena_alloc(c->qarena, tv->len * sizeof *stops);
    stop_lens = cari_arena_alloc(c->qarena, tv->len * sizeof *stop_lens);
    if (!seq || !stops || !stop_lens)
        return CARI_ENOMEM;
    for (i = 0; i < tv->len; i++) {
        const cari_term_token *t = &tv->items[i];
        const cari_rank_term *r;
        if (t->alternative)
            continue;  /* a word's first term stands for it */
        if (t->stop) {
            char *w;
            for (k = 0; k < ns; k++)
                if (stop_lens[k] == t->term_len + 1 &&
                    memcmp(stops[k] + 1, t->term, t->term_len) == 0)
                    break;
            if (k == ns) {
                w = cari_arena_alloc(c->qarena, t->term_len + 1);
                if (!w)
                    return CARI_ENOMEM;
                w[0] = '~';
                memcpy(w + 1, t->term, t->term_len);
                stops[ns] = w;
                stop_lens[ns++] = t->term_len + 1;
            }
            seq[n++] = -2 - (int)k;
            continue;
        }
        {
            /* as a phrase takes the word (found by review: "KTT ASEAN
             * dibuka" took the whole acronym, and the title "KTT Asean
             * dibuka" met half the phrase) */
            const cari_term_token *p = cari_query_phrase_token(tv, i);
            r = find_rank_term(rt, p->term, p->term_len);
            if (!r && p != t)
                r = find_rank_term(rt, t->term, t->term_len);
        }
        if (r)
            seq[n++] = (int)(r - rt->items);
        else if (!syntax_word(text, len, t->start, t->end))
            seq[n++] = -1;
    }
    rq->seq = seq;
    rq->nseq = n;
    rq->stops = stops;
    rq->stop_lens = stop_lens;
    rq->nstops = ns;
    return CARI_OK;
}

/* The query's words (rq->seq, stopwords included) as a phrase of the
 * title, in *out; NULL when a word is none of the query's terms (a word
 * it excludes) or the query has one word. */
static int title_phrase_node(qctx *c, const rank_terms *rt,
                             const cari_rank_query *rq, cari_qnode **out)
{
    cari_qnode *ph;
    size_t i, n = rq->nseq;
    *out = NULL;
    if (n < 2 || n > CARI_Q_MAX_POSITIONAL)
        return CARI_OK;
    for (i = 0; i < n; i++)
        if (rq->seq[i] == -1)
            return CARI_OK;
    if (!(ph = phrase_leaf(c, n, CARI_QF_TITLE, 1.0)))
        return CARI_ENOMEM;
    for (i = 0; i < n; i++) {
        int x = rq->seq[i];
        if (x >= 0) {
            ph->terms[i] = rt->items[x].term;
            ph->lens[i] = rt->items[x].len;
        } else {
            ph->terms[i] = rq->stops[-2 - x];
            ph->lens[i] = rq->stop_lens[-2 - x];
        }
    }
    *out = ph;
    return CARI_OK;
}

/*
 * The first stage ranks a query like "ke istana" by its one indexed word,
 * and the article titled "... Diundang ke Istana" may be far down among
 * the thousands that hold "istana".  So the articles whose title holds
 * the whole query as a phrase (ph: its words in order, stopwords
 * included), at most cap of them (the best by the title BM25 of the
 * phrase's words), join the reranked passages: each as its first passage,
 * scored by the first stage's query q, in out[0..*added), unless the
 * article has a passage in cand[0..n) already.  The titles' lists are
 * intersected directly, article by article, driven by the rarest word
 * (the phrase matcher, build_positional, walks a title match passage by
 * passage: 11 us a query against 5), and checked as the matcher checks
 * a phrase (holds_phrase).
 */
static int phrase_candidates(qctx *c, cari_qnode *q, cari_qnode *ph,
                             size_t cap, const cari_candidate *cand, size_t n,
                             cari_candidate *out, size_t *added)
{
    cari_index *ix = c->ix;
    size_t nt = ph->nterms, i, j;
    topk best = {0};
    cari_postings *pl = cari_arena_alloc(c->qarena, nt * sizeof *pl);
    uint32_t **pos = cari_arena_alloc(c->qarena, nt * sizeof *pos);
    int *npos = cari_arena_alloc(c->qarena, nt * sizeof *npos);
    double *idf = cari_arena_alloc(c->qarena, nt * sizeof *idf);
    double k1 = c->o.title_k1, b = c->o.title_b;
    int rc = CARI_OK;
    *added = 0;
    best.k = cap;
    best.heap = cari_arena_alloc(c->qarena, cap * sizeof *best.heap);
    if (!best.heap || !pl || !pos || !npos || !idf)
        return CARI_ENOMEM;
    for (i = 0; i < nt; i++) {
        const termstat *t = stat_of(c, ph->terms[i], ph->lens[i]);
        pos[i] = cari_arena_alloc(c->qarena,
                                  CARI_TITLE_POSITIONS * sizeof **pos);
        if (!t || !pos[i])
            return c->error ? c->error : CARI_ENOMEM;
        idf[i] = t->idf[CARI_FIELD_TITLE];
    }
    for (i = 0; i < ix->nsegs && !rc; i++) {
        const cari_live_segment *ls = &ix->segs[i];
        size_t rare = 0;
        uint32_t a;
        for (j = 0; j < nt && !rc; j++) {
            cari_term_info info;
            int found = lookup(c, ls->seg, ph->terms[j], ph->lens[j], &info);
            if (found < 0)
                rc = CARI_ECORRUPT;
            else if (!found || info.df[CARI_FIELD_TITLE] == 0)
                break;
            else
                rc = open_list_cached(c, &pl[j], &info, CARI_FIELD_TITLE,
                                      c->arena);
            if (!rc && pl[j].df < pl[rare].df)
                rare = j;
        }
        if (rc || j < nt) {
            cari_arena_reset(c->arena);
            continue;  /* a word no title of this segment holds */
        }
        a = pl[rare].doc;
        while (a != CARI_DOC_END) {
            /* every list at a, or a moves on to the first that is not */
            for (j = 0; j < nt; j++) {
                if (pl[j].doc < a)
                    cari_postings_seek(&pl[j], a);
                if (pl[j].doc != a)
                    break;
            }
            if (j < nt) {
                uint32_t next = pl[j].doc;
                if (next == CARI_DOC_END)
                    break;
                if (pl[rare].doc < next)
                    cari_postings_seek(&pl[rare], next);
                a = pl[rare].doc;
                continue;
            }
            for (j = 0; j < nt; j++) {
                int got = cari_postings_positions(&pl[j], pos[j],
                                                  CARI_TITLE_POSITIONS);
                npos[j] = got > 0 ? got : 0;
            }
            if (holds_phrase(pos, npos, nt, ph->positions)) {
                uint32_t first = cari_segment_first_passage(ls->seg, a);
                if (live(ls, first)) {
                    double len = cari_segment_title_len(ls->seg, a);
                    scored cur = {0, (uint32_t)i, first, 0};
                    for (j = 0; j < nt; j++)
                        cur.score += idf[j] *
                                     cari_bm25(npos[j], k1, b, len,
                                               c->avg[CARI_FIELD_TITLE]);
                    /* the best cap, ties in the first stage's order (by
                     * the article id's hash), so that which articles
                     * join does not depend on how the collection is
                     * split into segments */
                    (void)heap_insert(&best, &cur);
                }
            }
            a = cari_postings_next(&pl[rare]);
        }
        for (j = 0; j < nt; j++)
            if (pl[j].corrupt)
                rc = CARI_ECORRUPT;
        cari_arena_reset(c->arena);
    }
    qsort(best.heap, best.n, sizeof *best.heap, cmp_scored);
    for (i = 0; i < best.n && !rc; i++) {
        const scored *bi = &best.heap[i];
        const cari_segment *s = ix->segs[bi->seg].seg;
        uint32_t a = cari_segment_passage_article(s, bi->passage);
        matcher *m;
        for (j = 0; j < n; j++)
            if (cand[j].seg == bi->seg &&
                cari_segment_passage_article(s, cand[j].passage) == a)
                break;
        if (j < n)
            continue;
        /* q must match it (it may exclude a word of the article, or want
         * a field): its first-stage score, as the first stage gives */
        rc = build(c, s, q, &m);
        if (!rc && m && m_seek(m, bi->passage) == bi->passage) {
            cari_candidate *cd = &out[(*added)++];
            memset(cd, 0, sizeof *cd);
            cd->seg = bi->seg;
            cd->passage = bi->passage;
            cd->first = m_score(m);
            cd->score = cd->first;
        }
        if (!rc && m && tree_corrupt(m))
            rc = CARI_ECORRUPT;
        cari_arena_reset(c->arena);
    }
    if (!rc && c->error)
        rc = c->error;
    if (rc == CARI_ECORRUPT)
        fail(ix, rc, "%s: a posting list of a query word does not decode",
             ix->dir);
    return rc;
}

/*
 * The Xapian backend has no second stage, so the title phrase (a keyword
 * query's words, stopwords included, as one run of a title's words) is a
 * clause of its query instead: OR'ed into a query of optional words,
 * weighted rp->xapian_phrase, it adds the title's BM25 of those words
 * again where the title holds the whole query (the "~word" terms of
 * stopwords weigh nothing: wdf 0).  OR'ed, it matches nothing q does
 * not.
 */
static int xapian_title_phrase(qctx *c, cari_qnode **q,
                               const cari_rank_params *rp, const char *text,
                               size_t len, cari_tokvec *tv)
{
    rank_terms rt = {NULL, 0, 0};
    cari_rank_query rq;
    cari_qnode *ph = NULL, **list, **out;
    size_t nwords;
    long n;
    int rc;
    double w = rp->xapian_phrase;
    if (!text || w <= 0 || c->o.title_weight <= 0 ||
        cari_filter_wanted(&c->o) || !optional_words(q, &list, &nwords))
        return CARI_OK;
    memset(&rq, 0, sizeof rq);
    rc = collect_rank_terms(c, *q, &rt);
    if (rc)
        return rc;
    n = cari_analyzer_run(c->ix->analyzer, text, len, 0, tv);
    if (n < 0)
        return (int)n;
    rc = title_words(c, &rt, text, len, tv, &rq);
    if (!rc)
        rc = title_phrase_node(c, &rt, &rq, &ph);
    if (rc || !ph)
        return rc;
    ph->weight = w;
    out = cari_arena_alloc(c->qarena, (nwords + 1) * sizeof *out);
    if (!out)
        return CARI_ENOMEM;
    memcpy(out, list, nwords * sizeof *out);
    out[nwords] = ph;
    return set_optional_words(c, q, out, nwords + 1);
}

/* Best first: the model's score, then the first stage's order. */
static int cmp_candidate(const void *x, const void *y)
{
    const cari_candidate *a = x, *b = y;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->first_rank < b->first_rank ? -1 : a->first_rank > b->first_rank;
}

/* Is there room for cd's article in a list of at most `group` passages an
 * article (group 0: no limit)?  Counts it when there is: acount[] by
 * article, over the key table akeys. */
static int group_room(const cari_index *ix, uint64_t *akeys, size_t anslots,
                      uint32_t *acount, const cari_candidate *cd,
                      size_t group)
{
    uint64_t key;
    size_t slot;
    if (!group)
        return 1;
    key = (uint64_t)cd->seg << 32 |
          cari_segment_passage_article(ix->segs[cd->seg].seg, cd->passage);
    slot = cari_key_slot(akeys, anslots, key);
    if (akeys[slot] == UINT64_MAX) {
        akeys[slot] = key;
        acount[slot] = 0;
    }
    return acount[slot] < group ? (acount[slot]++, 1) : 0;
}

/* Keep at most `group` passages per article of cand[0..n) (in order);
 * returns how many are left, compacted to the front (count_only: leaves
 * cand as it is, and only counts them); *prefix_kept (when not NULL):
 * how many of the first `prefix` are left. */
static size_t group_by_article(cari_index *ix, cari_candidate *cand, size_t n,
                               size_t group, int count_only,
                               cari_arena *arena, size_t prefix,
                               size_t *prefix_kept)
{
    size_t nslots, i, kept = 0;
    uint64_t *keys = cari_key_table(arena, n, &nslots);
    uint32_t *counts = keys ? cari_arena_alloc(arena, nslots * sizeof *counts)
                            : NULL;
    if (!keys || !counts)
        return SIZE_MAX;
    for (i = 0; i < n; i++) {
        if (group_room(ix, keys, nslots, counts, &cand[i], group)) {
            if (!count_only)
                cand[kept] = cand[i];
            kept++;
        }
        if (prefix_kept && i + 1 == prefix)
            *prefix_kept = kept;
    }
    if (prefix_kept && prefix >= n)
        *prefix_kept = kept;
    return kept;
}

/* ------------------------------------------------------------------ */
/* Pseudo-relevance feedback                                           */
/* ------------------------------------------------------------------ */

/* RRF's constant (Cormack, Clarke & Buettcher 2009). */
#define FB_RRF_K 60.0
/* Distinct words collected from the feedback passages (more are not). */
#define FB_MAX_WORDS 2048

typedef struct fb_word {
    char *term;     /* NULL: empty slot */
    size_t len;
    double w;       /* sum over the feedback passages: weight tf / length */
} fb_word;

static int cmp_fb_word(const void *x, const void *y)
{
    const fb_word *a = x, *b = y;
    if (a->w != b->w)
        return a->w > b->w ? -1 : 1;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return memcmp(a->term, b->term, a->len);
}

/*
 * The expansion words of a query from its best passages cand[0..ndocs)
 * (in model order), RM3-style (Lavrenko & Croft 2001): a word's weight is
 *   sum_d exp(score_d - score_0) tf(w, d) / |d|  *  idf_body(w)
 * over words of 3+ bytes that are not the query's, stopwords, question
 * words or numbers, nor in more than max_df_share of the passages (when
 * > 0).  The best nwords go to out[0..*nout) (query arena), best first.
 */
static int feedback_words(qctx *c, const rank_terms *rt,
                          const cari_candidate *cand, size_t ndocs,
                          size_t nwords, double max_df_share, cari_tokvec *tv,
                          fb_word *out, size_t *nout)
{
    cari_index *ix = c->ix;
    size_t nslots = 2 * FB_MAX_WORDS, used = 0, d, i, k, m;
    double idf_max, max_df;
    fb_word *tab = cari_arena_alloc(c->qarena, nslots * sizeof *tab);
    *nout = 0;
    if (!tab)
        return CARI_ENOMEM;
    memset(tab, 0, nslots * sizeof *tab);
    for (d = 0; d < ndocs; d++) {
        cari_segment *s = ix->segs[cand[d].seg].seg;
        uint32_t art = cari_segment_passage_article(s, cand[d].passage);
        uint32_t start, end;
        cari_stored st;
        double wd = exp(cand[d].score - cand[0].score);
        long npos;
        int rc = cari_segment_passage_range(s, cand[d].passage, &start, &end);
        if (!rc)
            rc = cari_segment_article(s, art, &st);
        if (rc)
            return rc;
        if (start > end || end > st.text_len)
            return CARI_ECORRUPT;
        npos = cari_analyzer_run(ix->analyzer, st.text + start, end - start,
                                 0, tv);
        if (npos < 0)
            return (int)npos;
        if (npos == 0)
            continue;
        for (i = 0; i < tv->len; i++) {
            const cari_term_token *t = &tv->items[i];
            size_t slot;
            if (t->stop || t->alternative || t->term_len < 3 ||
                t->term[0] == '=' || (t->term[0] >= '0' && t->term[0] <= '9'))
                continue;
            slot = (size_t)cari_hash64(t->term, t->term_len) & (nslots - 1);
            while (tab[slot].term && !(tab[slot].len == t->term_len &&
                                       memcmp(tab[slot].term, t->term,
                                              t->term_len) == 0))
                slot = (slot + 1) & (nslots - 1);
            if (!tab[slot].term) {
                if (used == FB_MAX_WORDS)
                    continue;
                tab[slot].term = cari_arena_strndup(c->qarena, t->term,
                                                    t->term_len);
                if (!tab[slot].term)
                    return CARI_ENOMEM;
                tab[slot].len = t->term_len;
                used++;
            }
            tab[slot].w += wd / (double)npos;
        }
    }
    /* times idf over the whole index, as the first stage counts it; the
     * words taken by falling w, and none looked up once even the largest
     * idf (df 1) cannot lift w above the nwords-th best: the same words,
     * without a dictionary lookup for most */
    for (i = k = 0; i < nslots; i++)
        if (tab[i].term)
            tab[k++] = tab[i];
    qsort(tab, k, sizeof *tab, cmp_fb_word);
    idf_max = log(1.0 + ((double)ix->stat_passages - 0.5) / 1.5);
    max_df = max_df_share > 0 ? max_df_share * (double)ix->stat_passages
                              : HUGE_VAL;
    for (i = 0, m = 0; i < k && nwords > 0; i++) {
        const termstat *t;
        size_t at;
        fb_word x = tab[i];
        if (m == nwords && x.w * idf_max < out[m - 1].w)
            break;
        /* the query's own words and question words: once a word, not
         * once a token */
        if (find_rank_term(rt, x.term, x.len) ||
            cari_rank_is_question_term(x.term, x.len))
            continue;
        /* the query's statistics: the expanded query finds them there */
        if (!(t = stat_of(c, x.term, x.len)))
            return c->error ? c->error : CARI_ENOMEM;
        if (t->df[CARI_FIELD_BODY] == 0 ||
            (double)t->df[CARI_FIELD_BODY] > max_df)
            continue;
        x.w *= t->idf[CARI_FIELD_BODY];
        /* into out[0..m), best first */
        for (at = m; at > 0 && cmp_fb_word(&x, &out[at - 1]) < 0; at--)
            ;
        if (at == nwords)
            continue;
        if (m < nwords)
            m++;
        memmove(&out[at + 1], &out[at], (m - 1 - at) * sizeof *out);
        out[at] = x;
    }
    *nout = m;
    return CARI_OK;
}

typedef struct fb_item {
    cari_candidate cd;
    double rrf;
    size_t r1, r2;   /* 0-based ranks in the two lists (SIZE_MAX: absent) */
    size_t slot;     /* its passage's slot in the fusion's key table */
} fb_item;

static int cmp_fb_item(const void *x, const void *y)
{
    const fb_item *a = x, *b = y;
    if (a->rrf != b->rrf)
        return a->rrf > b->rrf ? -1 : 1;
    if (a->r1 != b->r1)
        return a->r1 < b->r1 ? -1 : 1;
    return a->r2 < b->r2 ? -1 : a->r2 > b->r2;
}

/*
 * Pseudo-relevance feedback for the hits past the first rp->fb_keep of
 * cand[0..*np) (ranked by the model, its first m the model's pool, m >
 * fb_keep, at most `group` passages an article when group > 0; depth is
 * the model's rerank depth, the same whatever the number of hits asked
 * for).  The query q plus rp->fb_terms words of its
 * rp->fb_docs best passages (each weighted rp->fb_weight) runs through
 * both stages; past the first fb_keep, the pool's first m places go to
 * the two rankings fused by reciprocal rank
 *   1 / (60 + rank) + fb_fuse / (60 + rank in the expanded ranking)
 * so that passages which share the best passages' vocabulary but not
 * the query's words ("Cipto" for "Tjipto") can enter the list; the rest
 * of the list follows in its order.  Only the pool is fused, not the
 * passages past it, which are there when more hits are asked for than
 * the pool holds: so pages of any size agree.  The first fb_keep hits
 * are never changed, each article keeps at most `group` passages, and
 * the list keeps its length (no more hits than the query alone has).
 * The scores past fb_keep continue below the last kept hit's.
 */
static int feedback(qctx *c, cari_qnode *q, const cari_rank_params *rp,
                    const cari_rank_query *rq, const rank_terms *rt,
                    size_t depth, cari_candidate *cand, size_t *np, size_t m,
                    size_t group, cari_arena *seg_arena, cari_tokvec *tv)
{
    size_t n = *np;
    cari_index *ix = c->ix;
    size_t keep = (size_t)rp->fb_keep, nw = 0, n2, i, j, nf;
    size_t ndocs = (size_t)rp->fb_docs, nslots;
    fb_word *words = cari_arena_alloc(c->qarena,
                                      (size_t)rp->fb_terms * sizeof *words);
    rank_terms rt2 = *rt;
    cari_rank_query rq2 = *rq;
    cari_qnode *q2, **should;
    cari_candidate *cand2;
    fb_item *items;
    uint64_t *keys, *akeys, total2 = 0;
    size_t *where, anslots, nout, rest;
    uint32_t *acount;
    unsigned char *taken;
    cari_candidate *out;
    double floor_score, top, first_rest = 0;
    int rc;
    if (!words)
        return CARI_ENOMEM;
    rc = feedback_words(c, rt, cand, ndocs < n ? ndocs : n,
                        (size_t)rp->fb_terms, rp->fb_max_df, tv, words, &nw);
    if (rc || nw == 0)
        return rc;
    /* q OR the words, and the rank terms with them */
    should = cari_arena_alloc(c->qarena, (nw + 1) * sizeof *should);
    rt2.items = cari_arena_alloc(c->qarena, (rt->n + nw) * sizeof *rt2.items);
    q2 = should ? or_node(c, should, nw + 1) : NULL;
    if (!q2 || !rt2.items)
        return CARI_ENOMEM;
    if (rt->n)
        memcpy(rt2.items, rt->items, rt->n * sizeof *rt2.items);
    rt2.cap = rt->n + nw;
    should[0] = q;
    for (i = 0; i < nw; i++) {
        if (!(should[i + 1] = term_leaf(c, words[i].term, words[i].len,
                                        rp->fb_weight)))
            return CARI_ENOMEM;
        rc = add_rank_term(c, &rt2, words[i].term, words[i].len, NULL, 0,
                           rp->fb_weight);
        if (rc)
            return rc;
    }
    rq2.terms = rt2.items;
    rq2.nterms = rt2.n;
    /* both stages over the expanded query, to the model's depth (at most
     * the question's own rerank depth: not its k, which grows with the
     * hits asked for; found by review: with --rerank 60, ranks 51.. of
     * -n 70 and of -n 100 differed), in a heap of its own */
    {
        size_t d2 = (size_t)(rp->fb_depth > 0 ? rp->fb_depth : rp->depth);
        topk h2;
        memset(&h2, 0, sizeof h2);
        h2.k = d2 < depth ? d2 : depth;
        h2.heap = cari_arena_alloc(c->qarena,
                                   (h2.k ? h2.k : 1) * sizeof *h2.heap);
        cand2 = cari_arena_alloc(c->qarena, (h2.k ? h2.k : 1) * sizeof *cand2);
        rc = h2.heap && cand2 ? renew_filter(c, &h2) : CARI_ENOMEM;
        if (!rc)
            rc = first_stage(c, q2, &h2, &total2);
        cari_filter_free(h2.filter);
        if (rc)
            return rc;
        n2 = h2.n;
        candidates_of(&h2, cand2);
    }
    rc = cari_rank_features(ix, &rq2, cand2, n2, seg_arena);
    cari_arena_reset(seg_arena);
    if (rc)
        return rc;
    qsort(cand2, n2, sizeof *cand2, cmp_candidate);
    /* fuse: every passage of either list once, by its reciprocal ranks
     * (of the list, its first m: the model's pool) */
    keys = cari_key_table(c->qarena, m + n2, &nslots);
    where = keys ? cari_arena_alloc(c->qarena, nslots * sizeof *where) : NULL;
    items = cari_arena_alloc(c->qarena, (m + n2) * sizeof *items);
    out = cari_arena_alloc(c->qarena, n * sizeof *out);
    taken = where ? cari_arena_alloc(c->qarena, nslots) : NULL;
    akeys = cari_key_table(c->qarena, n + n2, &anslots);
    acount = akeys ? cari_arena_alloc(c->qarena, anslots * sizeof *acount)
                   : NULL;
    if (!keys || !where || !items || !out || !taken || !acount)
        return CARI_ENOMEM;
    memset(taken, 0, nslots);  /* by key slot: in the fused part */
    for (i = nf = 0; i < m + n2; i++) {
        const cari_candidate *cd = i < m ? &cand[i] : &cand2[i - m];
        uint64_t key = (uint64_t)cd->seg << 32 | cd->passage;
        size_t slot = cari_key_slot(keys, nslots, key);
        if (keys[slot] == UINT64_MAX) {
            keys[slot] = key;
            where[slot] = nf;
            items[nf].cd = *cd;
            items[nf].rrf = 0;
            items[nf].r1 = items[nf].r2 = SIZE_MAX;
            items[nf].slot = slot;
            nf++;
        }
        j = where[slot];
        if (i < m) {
            items[j].r1 = i;
            items[j].rrf += 1.0 / (FB_RRF_K + (double)(i + 1));
        } else {
            items[j].r2 = i - m;
            items[j].rrf += rp->fb_fuse / (FB_RRF_K + (double)(i - m + 1));
        }
    }
    /* the kept hits stay first, in their order (they are items[0..keep)) */
    qsort(items + keep, nf - keep, sizeof *items, cmp_fb_item);
    floor_score = cand[keep - 1].score;
    top = items[keep].rrf;
    /* the list: the fused ranking's first m (at most `group` passages an
     * article), then the rest of cand in its order (what the pool lost
     * to the fusion, then the passages past the pool), each passage
     * once: n long, as the question's own list */
    for (i = nout = 0; i < nf && nout < m; i++) {
        if (!group_room(c->ix, akeys, anslots, acount, &items[i].cd, group))
            continue;
        taken[items[i].slot] = 1;
        out[nout] = items[i].cd;
        if (i >= keep) {
            out[nout].feedback = 1;
            /* below the last kept hit by less than 1: floor - (1 - rrf /
             * top) (never above floor, as floor - 1 + rrf / top could
             * round) */
            out[nout].score = floor_score - (1.0 - (top > 0 ? items[i].rrf / top
                                                            : 0));
        }
        nout++;
    }
    rest = nout;
    for (i = 0; i < n && nout < n; i++) {
        uint64_t key = (uint64_t)cand[i].seg << 32 | cand[i].passage;
        size_t slot = cari_key_slot(keys, nslots, key);
        if (keys[slot] != UINT64_MAX && taken[slot])
            continue;
        if (!group_room(c->ix, akeys, anslots, acount, &cand[i], group))
            continue;
        if (nout == rest)
            first_rest = cand[i].score;
        out[nout] = cand[i];
        /* below the fused ones, in their order */
        out[nout].score = out[rest - 1].score - 1.0 -
                          (first_rest - cand[i].score);
        nout++;
    }
    memcpy(cand, out, nout * sizeof *cand);
    *np = nout;
    return CARI_OK;
}

/* ------------------------------------------------------------------ */
/* Entry point                                                         */
/* ------------------------------------------------------------------ */

/* A first-stage option: the caller's value, or the model's when negative. */
static double pick(double given, double model)
{
    return given < 0 ? model : given;
}

/* buf grown to hold n bytes (contents not kept); NULL when out of memory. */
static void *grow(void **buf, size_t *cap, size_t n)
{
    if (n > *cap) {
        void *p = malloc(n);
        if (!p)
            return NULL;
        free(*buf);
        *buf = p;
        *cap = n;
    }
    return *buf;
}

void cari_search_scratch_free(cari_index *ix)
{
    cari_arena_free(&ix->scratch.qa);
    cari_arena_free(&ix->scratch.seg);
    cari_tokvec_free(&ix->scratch.tv);
    free(ix->scratch.heap);
    free(ix->scratch.cand);
    memset(&ix->scratch, 0, sizeof ix->scratch);
}

static int search_once(cari_index *ix, const char *text, size_t len,
                       const cari_search_options *opts, cari_hits **out)
{
    cari_search_options defaults = CARI_SEARCH_OPTIONS_INIT;
    cari_hits *h = NULL;
    cari_arena qa = {0}, seg_arena = {0};
    cari_qnode *q = NULL, *phrase = NULL;
    cari_error err;
    qctx c;
    topk heap = {0};
    size_t i, want, ncand = 0, nhits = 0;
    int rc = CARI_OK, qclass, explain;
    uint64_t total = 0;
    long depth;
    const cari_ranker *model;
    const cari_rank_params *rp;
    cari_candidate *cand = NULL;
    rank_terms rt = {NULL, 0, 0};
    cari_rank_query rq;
    cari_tokvec tv = {0};
    *out = NULL;
    if (!ix)
        return CARI_EINVAL;
    if (!text && len)
        return fail(ix, CARI_EINVAL, "no query text (NULL) for a query of "
                    "%zu bytes", len);
    memset(&c, 0, sizeof c);
    c.ix = ix;
    tie_index = ix;
    c.o = opts ? *opts : defaults;
    if (opts && opts->version != CARI_SEARCH_OPTIONS_VERSION)
        return fail(ix, CARI_EINVAL, "unknown search options version");
    if (c.o.limit > (1u << 24) || c.o.offset > (1u << 24) ||
        !(c.o.k1 <= 1000) || !(c.o.b <= 1) || !(c.o.title_k1 <= 1000) ||
        !(c.o.title_b <= 1) || !(c.o.title_weight <= 1e6) ||
        c.o.rerank > 100000 || c.o.snippet_words < 1 ||
        c.o.snippet_words > 10000)
        return fail(ix, CARI_EINVAL, "search options out of range");
    /* found by review: where NULL with nwhere > 0 searched unfiltered */
    if (c.o.nwhere && !c.o.where)
        return fail(ix, CARI_EINVAL, "%zu metadata conditions, but where is "
                    "NULL", c.o.nwhere);
    for (i = 0; i < c.o.nwhere; i++)
        if (!c.o.where[i])
            return fail(ix, CARI_EINVAL, "where[%zu] is NULL (a condition "
                        "is \"KEY=VALUE\")", i);
    model = c.o.ranker ? c.o.ranker : cari_ranker_builtin();
    if (!model)
        return fail(ix, CARI_ENOMEM, "the built-in ranking model did not load");
    ix->errmsg[0] = '\0';
    /* the handle's scratch, given back at done (no return until then) */
    qa = ix->scratch.qa;
    seg_arena = ix->scratch.seg;
    tv = ix->scratch.tv;
    c.qarena = &qa;
    c.arena = &seg_arena;
    if (c.o.flags & CARI_SEARCH_PLAIN)
        rc = cari_query_parse_plain(ix->analyzer, text ? text : "", len,
                                    (c.o.flags & CARI_SEARCH_ALL) != 0, &qa,
                                    &q, &err);
    else
        rc = cari_query_parse(ix->analyzer, text ? text : "", len,
                              (c.o.flags & CARI_SEARCH_ALL) != 0, &qa, &q,
                              &err);
    if (rc) {
        fail(ix, rc, "%s", err.message);
        goto done;
    }
    if (!q) {
        rc = fail(ix, CARI_ENOTERMS,
                  "the query holds no searchable word (only stopwords, "
                  "punctuation, symbols such as emoji, or excluded words)");
        goto done;
    }
    if (ix->xapian && cari_filter_wanted(&c.o)) {
        rc = fail(ix, CARI_EUNSUPPORTED, "metadata filters (where, since, "
                  "until) are not supported on the Xapian backend");
        goto done;
    }
    /* the query's class picks the model's parameters */
    qclass = cari_rank_classify(text ? text : "", len);
    rp = &model->cls[qclass];
    if ((c.o.flags & CARI_SEARCH_ALL) && qclass == CARI_QCLASS_QUESTION &&
        (rc = unrequire_question_words(q, &qa))) {
        fail(ix, rc, "out of memory");
        goto done;
    }
    c.o.k1 = pick(c.o.k1, rp->k1);
    c.o.b = pick(c.o.b, rp->b);
    c.o.title_weight = pick(c.o.title_weight, rp->title_weight);
    /* title: words are searched in titles even when the class's first
     * stage ignores them (found by review: "title:Habibie?", a question,
     * matched nothing); --title-weight 0 still turns titles off */
    c.title_only_weight = c.o.title_weight > 0 ? c.o.title_weight
                          : opts && opts->title_weight >= 0 ? 0
                                                            : 1.0;
    c.o.title_k1 = pick(c.o.title_k1, rp->title_k1);
    c.o.title_b = pick(c.o.title_b, rp->title_b);
    depth = c.o.rerank < 0 ? rp->depth : c.o.rerank;
    if (c.o.group == CARI_GROUP_MODEL)
        c.o.group = (size_t)rp->group;
    explain = (c.o.flags & CARI_SEARCH_EXPLAIN) != 0;
    if (ix->xapian) {
        rc = xapian_title_phrase(&c, &q, rp, text, len, &tv);
        if (!rc)
            rc = cari_xapian_search(ix->xapian, q, &c.o, c.title_only_weight,
                                    &h, ix->errmsg, sizeof ix->errmsg);
        if (!rc && explain)
            rc = xapian_explain(h);
        goto done;
    }
    c.avg[CARI_FIELD_BODY] =
        ix->stat_passages ? (double)ix->total_len[0] / (double)ix->stat_passages
                          : 1.0;
    c.avg[CARI_FIELD_TITLE] =
        ix->stat_articles ? (double)ix->total_len[1] / (double)ix->stat_articles
                          : 1.0;
    for (i = 0; i < CARI_NFIELDS; i++)
        if (!(c.avg[i] > 0))
            c.avg[i] = 1.0;
    weigh_question_words(q, rp->question_words);
    rc = expand_prefixes(&c, q);
    if (!rc) {
        mark_named_titles(q);  /* before the leaves expansions add */
        rc = expand_compounds(&c, &q, rp, &tv);  /* counts with the cursors */
    }
    if (rc)
        goto done;
    h = cari_hits_new();
    if (!h) {
        rc = CARI_ENOMEM;
        goto done;
    }
    want = c.o.offset + c.o.limit;
    if (c.o.limit == 0)
        depth = 0;  /* nothing to rank: count the matches only */
    if (depth > 0 || explain) {
        memset(&rq, 0, sizeof rq);
        rc = collect_rank_terms(&c, q, &rt);
        if (!rc && text)
            rc = mark_entities(ix, text, len, &rt, &tv);
        if (!rc && text &&
            (rp->weight[CARI_F_TITLE_PHRASE] != 0 || rp->phrase_articles > 0 ||
             explain))
            rc = title_words(&c, &rt, text, len, &tv, &rq);
        /* not where a metadata filter would have to judge the articles
         * it adds, nor without titles in the first stage */
        if (!rc && depth > 0 && rp->phrase_articles > 0 &&
            c.o.title_weight > 0 && !cari_filter_wanted(&c.o))
            rc = title_phrase_node(&c, &rt, &rq, &phrase);
        if (rc)
            goto done;
        rq.p = rp;
        rq.lookup = rank_lookup;
        rq.lookup_ctx = &c;
        rq.open = rank_open;
        rq.terms = rt.items;
        rq.nterms = rt.n;
        rq.avg_body = c.avg[CARI_FIELD_BODY];
        rq.avg_title = c.avg[CARI_FIELD_TITLE];
        rq.avg_article = ix->stat_articles ? (double)ix->total_len[0] /
                                                 (double)ix->stat_articles
                                           : 1.0;
        if (!(rq.avg_article > 0))
            rq.avg_article = 1.0;
        rq.first_k1 = c.o.k1;
        rq.first_b = c.o.b;
        rq.first_title_k1 = c.o.title_k1;
        rq.first_title_b = c.o.title_b;
    }
    heap.k = want > (size_t)depth ? want : (size_t)depth;
    for (;;) {
        size_t pool;
        double last_first;
        heap.heap = grow(&ix->scratch.heap, &ix->scratch.heap_cap,
                         (heap.k ? heap.k : 1) * sizeof *heap.heap);
        cand = grow(&ix->scratch.cand, &ix->scratch.cand_cap,
                    ((heap.k ? heap.k : 1) +
                     (phrase ? (size_t)rp->phrase_articles : 0)) *
                        sizeof *cand);
        if (!heap.heap || !cand) {
            rc = CARI_ENOMEM;
            goto done;
        }
        rc = renew_filter(&c, &heap);
        if (!rc)
            rc = first_stage(&c, q, &heap, &total);
        if (rc)
            goto done;
        ncand = heap.n;
        candidates_of(&heap, cand);
        /* grouping will leave too few, and the first stage may have
         * more: go deeper before the second stage's work (its own check
         * below is for what the second stage adds) */
        if (c.o.group > 0 && heap.n == heap.k && heap.k < ix->passages) {
            size_t kept = group_by_article(ix, cand, ncand, c.o.group, 1,
                                           &seg_arena, 0, NULL);
            cari_arena_reset(&seg_arena);
            if (kept == SIZE_MAX) {
                rc = CARI_ENOMEM;
                goto done;
            }
            if (kept < want) {
                heap.k = heap.k * 2 > ix->passages ? (size_t)ix->passages
                                                   : heap.k * 2;
                continue;
            }
        }
        pool = ncand < (size_t)depth ? ncand : (size_t)depth;
        last_first = pool ? cand[pool - 1].first : 0;
        if (phrase) {
            /* the phrase's articles join the pool, before the rest */
            size_t added = 0;
            cari_candidate *extra = cari_arena_alloc(
                &qa, (size_t)rp->phrase_articles * sizeof *extra);
            if (!extra) {
                rc = CARI_ENOMEM;
                goto done;
            }
            rc = phrase_candidates(&c, q, phrase,
                                   (size_t)rp->phrase_articles, cand, pool,
                                   extra, &added);
            if (rc)
                goto done;
            /* the first stage's rest loses the passages that joined */
            if (added) {
                size_t k, kept = pool;
                for (i = pool; i < ncand; i++) {
                    for (k = 0; k < added; k++)
                        if (extra[k].seg == cand[i].seg &&
                            extra[k].passage == cand[i].passage)
                            break;
                    if (k == added)
                        cand[kept++] = cand[i];
                }
                ncand = kept;
            }
            memmove(cand + pool + added, cand + pool,
                    (ncand - pool) * sizeof *cand);
            memcpy(cand + pool, extra, added * sizeof *cand);
            for (i = pool; i < ncand + added; i++)
                cand[i].first_rank = (uint32_t)i;  /* after the pool's */
            pool += added;
            ncand += added;
        }
        if (depth > 0 || explain) {
            /* past the pool, features only to be shown */
            rc = cari_rank_features(ix, &rq, cand, explain ? ncand : pool,
                                    &seg_arena);
            cari_arena_reset(&seg_arena);
            if (rc == CARI_ECORRUPT)
                fail(ix, rc, "%s: a posting list of a query word does not "
                     "decode", ix->dir);
            if (rc)
                goto done;
        }
        if (depth > 0) {
            /* the first `depth` passages by the model (and the phrase's
             * articles); any past them follow in first-stage order,
             * scored below the pool's lowest by how far their first-stage
             * score is below the first stage's last in the pool, so that
             * pages of any size agree */
            double floor_score;
            qsort(cand, pool, sizeof *cand, cmp_candidate);
            floor_score = pool ? cand[pool - 1].score : 0;
            for (i = pool; i < ncand; i++)
                cand[i].score = floor_score - (last_first - cand[i].first);
        } else {
            for (i = 0; i < ncand; i++)
                cand[i].score = cand[i].first;
        }
        /* grouped before feedback, so that the hits feedback keeps and
         * the list it fills are the grouped ones (grouped after, its
         * first hits came from past the ones it keeps, and the number
         * of hits changed) */
        if (c.o.group > 0) {
            size_t kept = group_by_article(ix, cand, ncand, c.o.group, 0,
                                           &seg_arena, pool, &pool);
            cari_arena_reset(&seg_arena);
            if (kept == SIZE_MAX) {
                rc = CARI_ENOMEM;
                goto done;
            }
            /* too few left, and the first stage may have more: go deeper */
            if (kept < want && heap.n == heap.k && heap.k < ix->passages) {
                heap.k = heap.k * 2 > ix->passages ? (size_t)ix->passages
                                                   : heap.k * 2;
                continue;
            }
            ncand = kept;
        }
        /* hits asked for past the model's feedback.keep, and more
         * candidates than that: feedback.  The hits before are the same
         * whether it runs or not, and it reorders only the model's pool
         * (cand[0..pool), the same whatever the number of hits asked
         * for), so pages of any size agree */
        if (depth > 0 && rp->fb_keep > 0 && want > (size_t)rp->fb_keep &&
            ncand > (size_t)rp->fb_keep && pool > (size_t)rp->fb_keep &&
            rp->fb_terms > 0 && rp->fb_docs > 0 &&
            !(c.o.flags & CARI_SEARCH_NO_FEEDBACK) && flat_or(q)) {
            rc = feedback(&c, q, rp, &rq, &rt, (size_t)depth, cand, &ncand,
                          pool, c.o.group, &seg_arena, &tv);
            if (rc == CARI_ECORRUPT)
                fail(ix, rc, "%s: a posting list or the stored text of a "
                     "passage does not decode", ix->dir);
            if (rc)
                goto done;
        }
        break;
    }
    if (c.o.group > 0 && total > ncand && heap.n < heap.k)
        total = ncand;  /* everything matching was seen and grouped */
    h->total = total;
    if (ncand > c.o.offset) {
        cari_termlist tl = {0};
        size_t cap = 0;
        nhits = ncand - c.o.offset < c.o.limit ? ncand - c.o.offset : c.o.limit;
        rc = cari_query_terms(q, &h->arena, &tl, &cap);
        if (rc)
            goto done;
        rc = cari_hits_reserve(h, nhits);
        if (rc)
            goto done;
        for (i = 0; i < h->n; i++) {
            const cari_candidate *cd = &cand[c.o.offset + i];
            scored sc;
            sc.score = cd->score;
            sc.seg = cd->seg;
            sc.passage = cd->passage;
            sc.key = 0;
            rc = fill_hit(ix, h, &sc, &tl, &c.o, &tv, &h->items[i]);
            if (!rc && explain)
                rc = fill_explain(h, cd, rp, depth > 0, qclass, c.o.title_weight,
                                  &h->items[i]);
            if (rc) {
                if (rc == CARI_ECORRUPT)
                    cari_index_damaged(ix, sc.seg, "the stored text or the "
                                       "passage ranges do not decode");
                goto done;
            }
        }
    }
done:
    cari_filter_free(heap.filter);
    /* the scratch goes back to the handle for the next query */
    cari_arena_reset(&qa);
    cari_arena_reset(&seg_arena);
    tv.len = 0;
    ix->scratch.qa = qa;
    ix->scratch.seg = seg_arena;
    ix->scratch.tv = tv;
    if (rc) {
        cari_hits_free(h);
        if (!ix->errmsg[0])  /* the many places that only run out of memory */
            fail(ix, rc, "%s", cari_strerror(rc));
        return rc;
    }
    *out = h;
    return CARI_OK;
}

/* The query as written, or, when the model corrects the query's class,
 * with the words the index does not hold replaced by their best
 * correction (cari_suggest with max_df 0).  Not the words it holds
 * rarely, which --did-you-mean also suggests corrections for: those are
 * mostly real words that only the answer holds ("Apa itu glikoprotein?";
 * docs/SUGGEST.md).  A correction that cannot be made (no candidate, or
 * cari_suggest fails) leaves the hits of the query as written. */
int cari_search(cari_index *ix, const char *text, size_t len,
                const cari_search_options *opts, cari_hits **out)
{
    cari_search_options o = CARI_SEARCH_OPTIONS_INIT;
    const cari_ranker *model;
    cari_suggestions *sg = NULL;
    cari_hits *fixed_hits = NULL;
    const char *fixed;
    size_t flen;
    int rc;
    if (!out)  /* (search_once writes *out) */
        return ix ? fail(ix, CARI_EINVAL, "nowhere to put the hits (out is "
                         "NULL)")
                  : CARI_EINVAL;
    if (!ix || (!text && len) || ix->xapian ||
        (opts && (opts->version != CARI_SEARCH_OPTIONS_VERSION ||
                  (opts->flags & CARI_SEARCH_AS_WRITTEN))))
        return search_once(ix, text, len, opts, out);
    model = opts && opts->ranker ? opts->ranker : cari_ranker_builtin();
    if (!model || !model->cls[cari_rank_classify(text ? text : "", len)].correct)
        return search_once(ix, text, len, opts, out);
    rc = search_once(ix, text, len, opts, out);
    if (rc != CARI_OK)
        return rc;
    if (opts)
        o = *opts;
    if (cari_suggest(ix, text ? text : "", len, o.flags & CARI_SEARCH_PLAIN, 0,
                     &sg) != CARI_OK ||
        !(fixed = cari_suggestions_query(sg, &flen))) {
        cari_suggestions_free(sg);
        ix->errmsg[0] = '\0';
        return CARI_OK;
    }
    o.flags |= CARI_SEARCH_AS_WRITTEN;
    rc = search_once(ix, fixed, flen, &o, &fixed_hits);
    if (rc == CARI_OK) {
        fixed_hits->query = cari_arena_strndup(&fixed_hits->arena, fixed, flen);
        fixed_hits->query_len = flen;
        if (fixed_hits->query) {
            cari_hits_free(*out);
            *out = fixed_hits;
            fixed_hits = NULL;
        }
    }
    /* a correction that fails to search leaves the query's own hits */
    cari_hits_free(fixed_hits);
    cari_suggestions_free(sg);
    ix->errmsg[0] = '\0';
    return CARI_OK;
}
