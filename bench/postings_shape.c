/*
 * postings_shape.c -- what the body word lists of a segment would take
 * keyed by article instead of by passage (docs/BENCHMARKS.md, "What the
 * 9 MB inverted part would take").
 *
 * usage: postings_shape SEGMENT.cari   (make build/postings_shape)
 *
 * For every body list of a word (not exact forms nor metadata terms) it
 * counts the postings by passage and by article, and the bits of their
 * doc gaps Rice-coded with each list's best parameter: by passage (the
 * gaps of today's lists, whatever their codec), by article, and by
 * passage written as the article's gap and the passage's place in its
 * article (gamma-coded).  An estimate of the entropy a codec could reach,
 * not of any codec's bytes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "segment.h"

typedef struct shape {
    const cari_segment *seg;
    uint32_t *passage_gaps, *article_gaps, *within;
    size_t cap;
    uint64_t passages, articles;
    double passage_bits, article_bits, within_bits;
    /* the tfs' and positions' side */
    uint32_t *span;            /* [passages]: positions a passage takes */
    uint32_t *offset;          /* [passages]: its start in its article */
    uint32_t *ptf, *atf;       /* [df]: tf - 1 by passage, by article */
    double ptf_bits, atf_bits, ppos_bits, apos_bits;
    uint64_t npos;
    int failed;
} shape;

/* Bits of values[0..n) Rice-coded with the best parameter for them all. */
static double rice_bits(const uint32_t *values, size_t n)
{
    double best = HUGE_VAL;
    int k;
    for (k = 0; k < 32; k++) {
        double bits = (double)n * (k + 1);
        size_t i;
        for (i = 0; i < n; i++)
            bits += values[i] >> k;
        if (bits < best)
            best = bits;
    }
    return best;
}

static double gamma_bits(const uint32_t *values, size_t n)
{
    double bits = 0;
    size_t i;
    for (i = 0; i < n; i++)
        bits += 2 * floor(log2((double)values[i] + 1)) + 1;
    return bits;
}

static int grow(shape *x, size_t n)
{
    uint32_t **a[5] = {&x->passage_gaps, &x->article_gaps, &x->within,
                       &x->ptf, &x->atf};
    int i;
    if (n <= x->cap)
        return 0;
    for (i = 0; i < 5; i++) {
        uint32_t *p = realloc(*a[i], n * sizeof *p);
        if (!p)
            return -1;
        *a[i] = p;
    }
    x->cap = n;
    return 0;
}

static int grow_one(uint32_t **a, size_t *cap, size_t n)
{
    size_t c = *cap ? *cap : 1024;
    uint32_t *p;
    if (n <= *cap)
        return 0;
    while (c < n)
        c *= 2;
    p = realloc(*a, c * sizeof *p);
    if (!p)
        return -1;
    *a = p;
    *cap = c;
    return 0;
}

/* The positions of one list: each run of 128 postings is a block. */
typedef struct posrun {
    uint32_t *vals;
    size_t n, cap, postings;
    double bits;
} posrun;

static int posrun_add(posrun *r, const uint32_t *v, size_t n)
{
    if (grow_one(&r->vals, &r->cap, r->n + n))
        return -1;
    memcpy(r->vals + r->n, v, n * sizeof *v);
    r->n += n;
    return 0;
}

/* Count the open block's bits (and its k byte), if it has postings. */
static void posrun_flush(posrun *r)
{
    if (r->postings) {
        r->bits += rice_bits(r->vals, r->n) + 8;
        r->n = 0;
        r->postings = 0;
    }
}

/* A posting's positions are in: a block ends after 128. */
static void posrun_end_posting(posrun *r)
{
    if (++r->postings == CARI_BLOCK)
        posrun_flush(r);
}

/* Room for the positions of a posting (a passage's length is below
 * 2^16 tokens). */
#define MAX_TF 65536
static uint32_t pos[MAX_TF], vals[MAX_TF];

/* First pass: how many positions each passage takes. */
static int spans(void *ctx, const char *term, size_t len,
                 const cari_term_info *info)
{
    shape *x = ctx;
    cari_postings p;
    cari_arena arena = {0};
    if (!info->df[CARI_FIELD_BODY] || !cari_term_positional(term, len))
        return 0;
    if (cari_term_open(&p, info, CARI_FIELD_BODY, &arena) != CARI_OK) {
        x->failed = 1;
        return 1;
    }
    while (p.doc != CARI_DOC_END) {
        int n = cari_postings_positions(&p, pos, MAX_TF);
        if (n < 0) {
            x->failed = 1;
            break;
        }
        if (n && pos[n - 1] + 1 > x->span[p.doc])
            x->span[p.doc] = pos[n - 1] + 1;
        cari_postings_next(&p);
    }
    cari_arena_free(&arena);
    return x->failed;
}

static int visit(void *ctx, const char *term, size_t len,
                 const cari_term_info *info)
{
    shape *x = ctx;
    cari_postings p;
    cari_arena arena = {0};
    uint32_t df = info->df[CARI_FIELD_BODY];
    size_t np = 0, na = 0;
    int64_t prev = -1, prev_article = -1;
    posrun pr = {0}, ar = {0};
    uint32_t atf = 0, alast = 0;
    if (!df || !cari_term_positional(term, len))
        return 0;
    if (grow(x, df) ||
        cari_term_open(&p, info, CARI_FIELD_BODY, &arena) != CARI_OK) {
        x->failed = 1;
        return 1;
    }
    while (p.doc != CARI_DOC_END) {
        uint32_t a = cari_segment_passage_article(x->seg, p.doc);
        x->passage_gaps[np] = (uint32_t)(p.doc - prev - 1);
        if ((int64_t)a != prev_article) {
            x->article_gaps[na++] = (uint32_t)(a - prev_article - 1);
            x->within[np] = p.doc - cari_segment_first_passage(x->seg, a);
            if (prev_article >= 0) {
                x->atf[na - 2] = atf - 1;
                posrun_end_posting(&ar);
            }
            atf = 0;
            prev_article = a;
        } else {
            x->within[np] = (uint32_t)(p.doc - prev - 1);
        }
        {
            int n = cari_postings_positions(&p, pos, MAX_TF), i;
            if (n < 1) {
                x->failed = 1;
                break;
            }
            x->ptf[np] = (uint32_t)cari_postings_tf(&p) - 1;
            for (i = 0; i < n; i++)
                vals[i] = i ? pos[i] - pos[i - 1] : pos[0];
            if (posrun_add(&pr, vals, (size_t)n)) {
                x->failed = 1;
                break;
            }
            posrun_end_posting(&pr);
            for (i = 0; i < n; i++) {
                uint32_t at = x->offset[p.doc] + pos[i];
                vals[i] = atf + i ? at - alast : at;
                alast = at;
            }
            if (posrun_add(&ar, vals, (size_t)n)) {
                x->failed = 1;
                break;
            }
            atf += (uint32_t)cari_postings_tf(&p);
            x->npos += (uint64_t)n;
        }
        prev = p.doc;
        np++;
        cari_postings_next(&p);
    }
    if (p.corrupt)
        x->failed = 1;
    if (na) {
        x->atf[na - 1] = atf - 1;
        posrun_end_posting(&ar);
    }
    posrun_flush(&ar);
    posrun_flush(&pr);
    x->ppos_bits += pr.bits;
    x->apos_bits += ar.bits;
    free(pr.vals);
    free(ar.vals);
    x->ptf_bits += gamma_bits(x->ptf, np);
    x->atf_bits += gamma_bits(x->atf, na);
    x->passages += np;
    x->articles += na;
    x->passage_bits += rice_bits(x->passage_gaps, np);
    x->article_bits += rice_bits(x->article_gaps, na);
    x->within_bits += gamma_bits(x->within, np);
    cari_arena_free(&arena);
    return x->failed;
}

int main(int argc, char **argv)
{
    cari_segment *seg;
    cari_error err;
    shape x;
    if (argc != 2) {
        fprintf(stderr, "usage: postings_shape SEGMENT.cari\n");
        return 2;
    }
    if (cari_segment_open(argv[1], &seg, &err) != CARI_OK) {
        fprintf(stderr, "postings_shape: %s\n", err.message);
        return 2;
    }
    memset(&x, 0, sizeof x);
    x.seg = seg;
    x.span = calloc(cari_segment_passages(seg) + 1, sizeof *x.span);
    x.offset = calloc(cari_segment_passages(seg) + 1, sizeof *x.offset);
    if (!x.span || !x.offset) {
        fprintf(stderr, "postings_shape: out of memory\n");
        return 2;
    }
    if (cari_segment_scan_prefix(seg, "", 0, spans, &x) != CARI_OK ||
        x.failed) {
        fprintf(stderr, "postings_shape: %s: cannot read its lists\n",
                argv[1]);
        return 2;
    }
    {
        uint32_t a, p;
        for (a = 0; a < cari_segment_articles(seg); a++) {
            uint32_t first = cari_segment_first_passage(seg, a), at = 0;
            for (p = first; p < first + cari_segment_passage_count(seg, a);
                 p++) {
                x.offset[p] = at;
                at += x.span[p];
            }
        }
    }
    if (cari_segment_scan_prefix(seg, "", 0, visit, &x) != CARI_OK ||
        x.failed) {
        fprintf(stderr, "postings_shape: %s: cannot read its lists\n",
                argv[1]);
        return 2;
    }
    printf("body word lists of %s\n", argv[1]);
    printf("  by passage: %llu postings, doc gaps %.2f MB (Rice)\n",
           (unsigned long long)x.passages, x.passage_bits / 8e6);
    printf("  by article: %llu postings (%.2fx fewer), doc gaps %.2f MB "
           "(Rice)\n",
           (unsigned long long)x.articles,
           x.articles ? (double)x.passages / (double)x.articles : 0,
           x.article_bits / 8e6);
    printf("  by passage as article gap + place in the article: %.2f + "
           "%.2f = %.2f MB\n",
           x.article_bits / 8e6, x.within_bits / 8e6,
           (x.article_bits + x.within_bits) / 8e6);
    printf("  tfs (gamma): by passage %.2f MB, by article %.2f MB\n",
           x.ptf_bits / 8e6, x.atf_bits / 8e6);
    printf("  %llu positions (Rice, blocks of 128 postings): by passage "
           "%.2f MB, by article %.2f MB\n",
           (unsigned long long)x.npos, x.ppos_bits / 8e6,
           x.apos_bits / 8e6);
    printf("  all three: by passage %.2f MB, by article %.2f MB\n",
           (x.passage_bits + x.ptf_bits + x.ppos_bits) / 8e6,
           (x.article_bits + x.atf_bits + x.apos_bits) / 8e6);
    cari_segment_close(seg);
    free(x.span);
    free(x.offset);
    free(x.ptf);
    free(x.atf);
    free(x.passage_gaps);
    free(x.article_gaps);
    free(x.within);
    return 0;
}
