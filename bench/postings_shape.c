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
    uint32_t **a[3] = {&x->passage_gaps, &x->article_gaps, &x->within};
    int i;
    if (n <= x->cap)
        return 0;
    for (i = 0; i < 3; i++) {
        uint32_t *p = realloc(*a[i], n * sizeof *p);
        if (!p)
            return -1;
        *a[i] = p;
    }
    x->cap = n;
    return 0;
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
            prev_article = a;
        } else {
            x->within[np] = (uint32_t)(p.doc - prev - 1);
        }
        prev = p.doc;
        np++;
        cari_postings_next(&p);
    }
    if (p.corrupt)
        x->failed = 1;
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
    cari_segment_close(seg);
    free(x.passage_gaps);
    free(x.article_gaps);
    free(x.within);
    return 0;
}
