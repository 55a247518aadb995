/*
 * analyzer_bench.c -- throughput of the whole analyzer (tokenizing,
 * folding, stopwords, stemming through the word cache) on a real corpus,
 * with cari's stemmer and with bare Snowball, measured in one run.
 *
 * usage: analyzer_bench CORPUS.jsonl[.gz] [ROUNDS]
 * Prints MB/s for each (median of ROUNDS, alternating) and the time ratio.
 * The corpus is read into memory first: input I/O is not measured.  Each
 * round uses a fresh analyzer, so the cache starts cold every time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer_internal.h"
#include "cari.h"
#include "util.h"

typedef struct text { char *s; size_t n; } text;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double run(text *t, size_t nt, int snowball, size_t *tokens)
{
    cari_analyzer *an;
    cari_error err;
    cari_tokvec tv = {0};
    double t0;
    size_t i;
    if (cari_analyzer_new(&an, &err)) {
        fprintf(stderr, "analyzer: %s\n", err.message);
        exit(1);
    }
    if (snowball && cari_analyzer_use_snowball_only(an)) {
        fprintf(stderr, "no Snowball\n");
        exit(1);
    }
    *tokens = 0;
    t0 = cari_now();
    for (i = 0; i < nt; i++) {
        if (cari_analyzer_run(an, t[i].s, t[i].n, 0, &tv) < 0) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
        *tokens += tv.len;
    }
    t0 = cari_now() - t0;
    cari_tokvec_free(&tv);
    cari_analyzer_free(an);
    return t0;
}

int main(int argc, char **argv)
{
    cari_reader *r;
    cari_article a;
    cari_error err;
    text *t = NULL;
    size_t nt = 0, cap = 0, bytes = 0, i, tok_c = 0, tok_s = 0;
    int rounds = argc > 2 ? atoi(argv[2]) : 5, k;
    double *tc, *ts, mc, ms;
    if (argc < 2) {
        fprintf(stderr, "usage: analyzer_bench CORPUS [ROUNDS]\n");
        return 2;
    }
    if (cari_reader_open(argv[1], NULL, NULL, &r, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return 2;
    }
    while (cari_reader_next(r, &a) == 1) {
        size_t n = a.title_len + 1 + a.text_len;
        if (nt == cap) {
            cap = cap ? cap * 2 : 1024;
            t = realloc(t, cap * sizeof *t);
        }
        t[nt].s = malloc(n);
        memcpy(t[nt].s, a.title, a.title_len);
        t[nt].s[a.title_len] = '\n';
        memcpy(t[nt].s + a.title_len + 1, a.text, a.text_len);
        t[nt].n = n;
        bytes += n;
        nt++;
    }
    cari_reader_close(r);
    if (rounds < 1)
        rounds = 1;
    tc = calloc((size_t)rounds, sizeof *tc);
    ts = calloc((size_t)rounds, sizeof *ts);
    for (k = 0; k < rounds; k++) {
        tc[k] = run(t, nt, 0, &tok_c);
        ts[k] = run(t, nt, 1, &tok_s);
    }
    qsort(tc, (size_t)rounds, sizeof *tc, cmp_double);
    qsort(ts, (size_t)rounds, sizeof *ts, cmp_double);
    mc = tc[rounds / 2];
    ms = ts[rounds / 2];
    printf("analyzer on %zu articles, %.1f MB, %zu tokens; median of %d rounds:\n",
           nt, bytes / 1e6, tok_c, rounds);
    printf("  snowball only  %6.1f MB/s\n", bytes / 1e6 / ms);
    printf("  cari           %6.1f MB/s\n", bytes / 1e6 / mc);
    printf("  time ratio cari/snowball %.2f (goal <= 1.5)\n", mc / ms);
    for (i = 0; i < nt; i++)
        free(t[i].s);
    free(t);
    free(tc);
    free(ts);
    (void)tok_s;
    return 0;
}
