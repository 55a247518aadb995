/*
 * search.c -- runs a query over every segment of an index: analyzes it
 * with the index's analyzer, scores passages with BM25 over two fields
 * (the passage text, and its article's title) using collection-wide
 * statistics, keeps the top k in a heap, then fetches the stored text and
 * makes snippets for the hits.
 *
 * Scoring (per query term t with query frequency qtf):
 *   body(t, p)  = idf_p(t) * tf (k1 + 1) / (tf + k1 (1 - b + b len_p / avg_p))
 *   title(t, a) = idf_a(t) * tf (k1t + 1) / (tf + k1t (1 - bt + bt len_a / avg_a))
 *   score(p)    = sum_t qtf (body(t, p) + title_weight * title(t, article(p)))
 *   idf_x(t)    = ln(1 + (N_x - df_x + 0.5) / (df_x + 0.5))
 * where N_p counts passages and N_a articles, deleted ones included until
 * a merge removes them, as df does.  The title field is stored
 * once per article and its postings are walked in passage order, so every
 * passage of an article gets its title's score.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "index_internal.h"
#include "snippet.h"
#include "util.h"

struct cari_hits {
    cari_arena arena;
    cari_hit *items;
    size_t n;
    uint64_t total;
};

typedef struct qterm {
    const char *term;
    size_t len;
    uint32_t qtf;
    uint64_t df[CARI_NFIELDS];
    double idf[CARI_NFIELDS];
} qterm;

typedef struct cursor {
    int field;
    int qt;                /* index of its query term */
    cari_postings p;
    uint32_t cur;          /* current passage */
    uint32_t art_end;      /* title: first passage after the article */
    double weight;         /* qtf * idf * (k1 + 1) [* title weight] */
    double k1, b, avg;
} cursor;

typedef struct scored {
    double score;
    uint32_t seg, passage;
} scored;

/* Is a better than b (higher score; ties: earlier segment and passage)? */
static int better(const scored *a, const scored *b)
{
    if (a->score != b->score)
        return a->score > b->score;
    if (a->seg != b->seg)
        return a->seg < b->seg;
    return a->passage < b->passage;
}

/* Min-heap of the best k results: heap[0] is the worst kept. */
typedef struct topk {
    scored *heap;
    size_t n, k;
} topk;

static void heap_push(topk *h, const scored *s)
{
    size_t i;
    if (h->k == 0)
        return;
    if (h->n < h->k) {
        i = h->n++;
        while (i > 0 && better(&h->heap[(i - 1) / 2], s)) {
            h->heap[i] = h->heap[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        h->heap[i] = *s;
        return;
    }
    if (!better(s, &h->heap[0]))
        return;
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
}

static int cmp_scored(const void *x, const void *y)
{
    const scored *a = x, *b = y;
    return better(a, b) ? -1 : better(b, a) ? 1 : 0;
}

/* ---- query analysis ---- */

typedef struct query {
    qterm *terms;
    size_t n;
} query;

static int analyze_query(cari_index *ix, const char *text, size_t len,
                         cari_arena *arena, query *q)
{
    cari_tokvec tv = {0};
    long n = cari_analyzer_run(ix->analyzer, text, len, 0, &tv);
    size_t i, j;
    if (n < 0)
        return (int)n;
    q->terms = cari_arena_alloc(arena, (tv.len ? tv.len : 1) * sizeof *q->terms);
    q->n = 0;
    if (!q->terms) {
        cari_tokvec_free(&tv);
        return CARI_ENOMEM;
    }
    for (i = 0; i < tv.len; i++) {
        const cari_term_token *t = &tv.items[i];
        if (t->stop)
            continue;
        for (j = 0; j < q->n; j++)
            if (q->terms[j].len == t->term_len &&
                memcmp(q->terms[j].term, t->term, t->term_len) == 0)
                break;
        if (j < q->n) {
            q->terms[j].qtf++;
            continue;
        }
        memset(&q->terms[q->n], 0, sizeof q->terms[q->n]);
        q->terms[q->n].term = cari_arena_strndup(arena, t->term, t->term_len);
        if (!q->terms[q->n].term) {
            cari_tokvec_free(&tv);
            return CARI_ENOMEM;
        }
        q->terms[q->n].len = t->term_len;
        q->terms[q->n].qtf = 1;
        q->n++;
    }
    cari_tokvec_free(&tv);
    return CARI_OK;
}

static double idf(uint64_t n, uint64_t df)
{
    return log(1.0 + ((double)n - (double)df + 0.5) / ((double)df + 0.5));
}

/* ---- cursors ---- */

static void title_settle(cursor *c, const cari_segment *s, uint32_t target)
{
    /* position on the first passage >= target of the current article */
    uint32_t a = c->p.doc;
    uint32_t fp;
    if (a == CARI_DOC_END || a >= cari_segment_articles(s)) {
        c->cur = CARI_DOC_END;
        return;
    }
    fp = cari_segment_first_passage(s, a);
    c->art_end = fp + cari_segment_passage_count(s, a);
    c->cur = target > fp ? target : fp;
}

static void cursor_seek(cursor *c, const cari_segment *s, uint32_t target)
{
    if (c->cur >= target)
        return;
    if (c->field == CARI_FIELD_BODY) {
        c->cur = cari_postings_seek(&c->p, target);
        return;
    }
    if (target < c->art_end) {
        c->cur = target;
        return;
    }
    if (target >= cari_segment_passages(s)) {
        c->cur = CARI_DOC_END;
        return;
    }
    cari_postings_seek(&c->p, cari_segment_passage_article(s, target));
    title_settle(c, s, target);
}

static double cursor_score(const cursor *c, const cari_segment *s)
{
    double tf = cari_postings_tf(&c->p);
    double len = c->field == CARI_FIELD_BODY
                     ? cari_segment_body_len(s, c->cur)
                     : cari_segment_title_len(s, c->p.doc);
    return c->weight * tf /
           (tf + c->k1 * (1.0 - c->b + c->b * len / c->avg));
}

/* Score every passage of segment si that matches, into the heap. */
static int search_segment(cari_index *ix, size_t si, const query *q,
                          const cari_search_options *o, cari_arena *arena,
                          topk *heap, uint64_t *total)
{
    const cari_live_segment *ls = &ix->segs[si];
    const cari_segment *s = ls->seg;
    cursor *cur;
    size_t nc = 0, i;
    int rc = CARI_OK;
    int *seen = NULL;
    double avg[CARI_NFIELDS];
    avg[CARI_FIELD_BODY] =
        ix->stat_passages ? (double)ix->total_len[CARI_FIELD_BODY] /
                                (double)ix->stat_passages : 1.0;
    avg[CARI_FIELD_TITLE] =
        ix->stat_articles ? (double)ix->total_len[CARI_FIELD_TITLE] /
                                (double)ix->stat_articles : 1.0;
    for (i = 0; i < CARI_NFIELDS; i++)
        if (avg[i] <= 0)
            avg[i] = 1.0;
    cur = cari_arena_alloc(arena, (2 * q->n + 1) * sizeof *cur);
    seen = cari_arena_alloc(arena, (q->n + 1) * sizeof *seen);
    if (!cur || !seen)
        return CARI_ENOMEM;
    for (i = 0; i < q->n; i++) {
        cari_term_info info;
        int f, found = cari_segment_lookup(s, q->terms[i].term,
                                           q->terms[i].len, &info);
        if (found < 0)
            return CARI_ECORRUPT;
        if (!found)
            continue;
        for (f = 0; f < CARI_NFIELDS; f++) {
            cursor *c = &cur[nc];
            if (info.df[f] == 0)
                continue;
            if (f == CARI_FIELD_TITLE && o->title_weight <= 0)
                continue;
            c->field = f;
            c->qt = (int)i;
            rc = cari_postings_open(&c->p, info.postings[f],
                                    info.postings_len[f], info.positions[f],
                                    info.positions_len[f], info.df[f], arena);
            if (rc)
                return rc;
            c->k1 = f == CARI_FIELD_BODY ? o->k1 : o->title_k1;
            c->b = f == CARI_FIELD_BODY ? o->b : o->title_b;
            c->avg = avg[f];
            c->weight = q->terms[i].qtf * q->terms[i].idf[f] * (c->k1 + 1.0);
            if (f == CARI_FIELD_TITLE)
                c->weight *= o->title_weight;
            if (f == CARI_FIELD_BODY) {
                c->cur = c->p.doc;
            } else {
                c->art_end = 0;
                title_settle(c, s, 0);
            }
            nc++;
        }
    }
    for (;;) {
        uint32_t doc = CARI_DOC_END;
        scored sc;
        size_t matched = 0;
        for (i = 0; i < nc; i++)
            if (cur[i].cur < doc)
                doc = cur[i].cur;
        if (doc == CARI_DOC_END)
            break;
        sc.score = 0;
        memset(seen, 0, q->n * sizeof *seen);
        for (i = 0; i < nc; i++) {
            if (cur[i].cur != doc)
                continue;
            sc.score += cursor_score(&cur[i], s);
            if (!seen[cur[i].qt]++)
                matched++;
        }
        for (i = 0; i < nc; i++)
            if (cur[i].cur == doc)
                cursor_seek(&cur[i], s, doc + 1);
        if (cari_is_deleted(ls, cari_segment_passage_article(s, doc)))
            continue;
        if ((o->flags & CARI_SEARCH_ALL) && matched < q->n)
            continue;
        (*total)++;
        sc.seg = (uint32_t)si;
        sc.passage = doc;
        heap_push(heap, &sc);
    }
    for (i = 0; i < nc; i++)
        if (cur[i].p.corrupt)
            return CARI_ECORRUPT;
    return CARI_OK;
}

/* ---- hits ---- */

static int fill_hit(cari_index *ix, cari_hits *h, const scored *sc,
                    const query *q, const cari_search_options *o,
                    cari_tokvec *scratch, cari_hit *hit)
{
    cari_live_segment *ls = &ix->segs[sc->seg];
    uint32_t art = cari_segment_passage_article(ls->seg, sc->passage);
    uint32_t start, end;
    cari_stored st;
    int rc;
    memset(hit, 0, sizeof *hit);
    rc = cari_segment_article(ls->seg, art, &st);
    if (rc)
        return rc;
    cari_segment_passage_range(ls->seg, sc->passage, &start, &end);
    if (start > end || end > st.text_len)
        return CARI_ECORRUPT;
    hit->score = sc->score;
    hit->passage = sc->passage - cari_segment_first_passage(ls->seg, art);
    hit->start = start;
    hit->end = end;
    hit->id = cari_arena_strndup(&h->arena, st.id, st.id_len);
    hit->id_len = st.id_len;
    hit->title = cari_arena_strndup(&h->arena, st.title, st.title_len);
    hit->title_len = st.title_len;
    hit->meta = st.meta_len ? cari_arena_strndup(&h->arena, st.meta,
                                                 st.meta_len)
                            : NULL;
    hit->meta_len = st.meta_len;
    if (!hit->id || !hit->title || (st.meta_len && !hit->meta))
        return CARI_ENOMEM;
    if (o->flags & CARI_SEARCH_SNIPPETS) {
        const char **terms;
        size_t *lens, i;
        cari_termlist tl;
        char *snip;
        cari_span *hl;
        hit->text = cari_arena_strndup(&h->arena, st.text + start, end - start);
        hit->text_len = end - start;
        terms = cari_arena_alloc(&h->arena, (q->n + 1) * sizeof *terms);
        lens = cari_arena_alloc(&h->arena, (q->n + 1) * sizeof *lens);
        if (!hit->text || !terms || !lens)
            return CARI_ENOMEM;
        for (i = 0; i < q->n; i++) {
            terms[i] = q->terms[i].term;
            lens[i] = q->terms[i].len;
        }
        tl.terms = terms;
        tl.lens = lens;
        tl.n = q->n;
        rc = cari_snippet(ix->analyzer, hit->text, hit->text_len, &tl,
                          o->snippet_words, scratch, &h->arena, &snip,
                          &hit->snippet_len, &hl, &hit->highlight_count);
        if (rc)
            return rc;
        hit->snippet = snip;
        hit->highlights = hl;
    }
    return CARI_OK;
}

int cari_search(cari_index *ix, const char *text, size_t len,
                const cari_search_options *opts, cari_hits **out)
{
    cari_search_options o = CARI_SEARCH_OPTIONS_INIT;
    cari_hits *h;
    cari_arena scratch = {0};
    query q = {NULL, 0};
    topk heap = {0};
    size_t i, f;
    int rc;
    cari_tokvec tv = {0};
    *out = NULL;
    if (!ix || (!text && len))
        return CARI_EINVAL;
    if (opts) {
        if (opts->version != CARI_SEARCH_OPTIONS_VERSION)
            return CARI_EINVAL;
        o = *opts;
    }
    if (o.limit > (1u << 24) || o.offset > (1u << 24) || o.k1 < 0 ||
        o.b < 0 || o.b > 1 || o.title_k1 < 0 || o.title_b < 0 ||
        o.title_b > 1 || !(o.title_weight >= 0) || o.snippet_words < 1 ||
        o.snippet_words > 10000) {
        snprintf(ix->errmsg, sizeof ix->errmsg, "search options out of range");
        return CARI_EINVAL;
    }
    h = calloc(1, sizeof *h);
    if (!h)
        return CARI_ENOMEM;
    rc = analyze_query(ix, text ? text : "", len, &h->arena, &q);
    if (rc)
        goto fail;
    if (q.n == 0) {
        snprintf(ix->errmsg, sizeof ix->errmsg,
                 "the query holds no searchable word (only stopwords or "
                 "punctuation)");
        rc = CARI_ENOTERMS;
        goto fail;
    }
    /* collection statistics */
    for (i = 0; i < q.n; i++) {
        size_t s;
        for (s = 0; s < ix->nsegs; s++) {
            cari_term_info info;
            int found = cari_segment_lookup(ix->segs[s].seg, q.terms[i].term,
                                            q.terms[i].len, &info);
            if (found < 0) {
                rc = CARI_ECORRUPT;
                goto fail;
            }
            if (found)
                for (f = 0; f < CARI_NFIELDS; f++)
                    q.terms[i].df[f] += info.df[f];
        }
        /* df counts deleted copies until a merge: so must N */
        q.terms[i].idf[CARI_FIELD_BODY] =
            idf(ix->stat_passages, q.terms[i].df[CARI_FIELD_BODY]);
        q.terms[i].idf[CARI_FIELD_TITLE] =
            idf(ix->stat_articles, q.terms[i].df[CARI_FIELD_TITLE]);
    }
    heap.k = o.offset + o.limit;
    heap.heap = malloc((heap.k ? heap.k : 1) * sizeof *heap.heap);
    if (!heap.heap) {
        rc = CARI_ENOMEM;
        goto fail;
    }
    for (i = 0; i < ix->nsegs && !rc; i++) {
        rc = search_segment(ix, i, &q, &o, &scratch, &heap, &h->total);
        cari_arena_reset(&scratch);
    }
    if (rc) {
        if (rc == CARI_ECORRUPT)
            snprintf(ix->errmsg, sizeof ix->errmsg,
                     "index is damaged (segment %u postings)",
                     ix->segs[i - 1].number);
        goto fail;
    }
    qsort(heap.heap, heap.n, sizeof *heap.heap, cmp_scored);
    if (heap.n > o.offset) {
        h->n = heap.n - o.offset;
        h->items = cari_arena_alloc(&h->arena, h->n * sizeof *h->items);
        if (!h->items) {
            rc = CARI_ENOMEM;
            goto fail;
        }
        for (i = 0; i < h->n; i++) {
            rc = fill_hit(ix, h, &heap.heap[o.offset + i], &q, &o, &tv,
                          &h->items[i]);
            if (rc) {
                if (rc == CARI_ECORRUPT)
                    snprintf(ix->errmsg, sizeof ix->errmsg,
                             "index is damaged (segment %u stored text)",
                             ix->segs[heap.heap[o.offset + i].seg].number);
                goto fail;
            }
        }
    }
    free(heap.heap);
    cari_arena_free(&scratch);
    cari_tokvec_free(&tv);
    *out = h;
    return CARI_OK;
fail:
    free(heap.heap);
    cari_arena_free(&scratch);
    cari_tokvec_free(&tv);
    cari_hits_free(h);
    return rc;
}

size_t cari_hits_count(const cari_hits *h)
{
    return h ? h->n : 0;
}

uint64_t cari_hits_total(const cari_hits *h)
{
    return h ? h->total : 0;
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
