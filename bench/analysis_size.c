/*
 * analysis_size.c -- what articles' analyses take in memory: the tokens
 * a pair's feeder hands its worker (docs/DESIGN.md, "An article's tokens
 * take...").
 *
 * usage: analysis_size CORPUS   (make build/analysis_size)
 *
 * Analyzes every article as a pair's feeder does (cari_segw_analyze)
 * and prints the tokens per KB of text, the tokens' bytes per byte of
 * text, and the analyses of a batch as writer.c counts them for a
 * pair's budget (analysis_bytes: the vectors' capacity), over batches
 * cut as writer.c cuts them (BATCH_BYTES of text or BATCH_ARTICLES).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer_internal.h"
#include "segment.h"

/* writer.c's batch */
#define BATCH_BYTES (256u << 10)
#define BATCH_ARTICLES 512

int main(int argc, char **argv)
{
    cari_passage_params pp = CARI_PASSAGE_PARAMS_INIT;
    cari_analysis *ax = calloc(BATCH_ARTICLES, sizeof *ax);
    cari_analyzer *an;
    cari_reader *r;
    cari_article a;
    cari_error err;
    uint64_t tokens = 0, text = 0, batch_text = 0, batches = 0;
    double sum = 0, max = 0;
    size_t n = 0, i;
    int rc;
    if (argc != 2) {
        fprintf(stderr, "usage: analysis_size CORPUS\n");
        return 2;
    }
    if (!ax || cari_analyzer_new(&an, &err) != CARI_OK ||
        cari_reader_open(argv[1], NULL, NULL, &r, &err) != CARI_OK) {
        fprintf(stderr, "analysis_size: %s\n", argv[1]);
        return 2;
    }
    for (;;) {
        rc = cari_reader_next(r, &a);
        if (rc == 1) {
            if (cari_segw_analyze(an, &pp, &a, &ax[n]) != CARI_OK) {
                fprintf(stderr, "analysis_size: cannot analyze\n");
                return 2;
            }
            tokens += ax[n].tokens.len;
            text += a.title_len + a.text_len;
            batch_text += a.title_len + a.text_len;
            n++;
        }
        if (n && (rc != 1 || batch_text >= BATCH_BYTES ||
                  n == BATCH_ARTICLES)) {
            double bytes = (double)n * sizeof *ax;
            for (i = 0; i < n; i++) {
                bytes += ax[i].tokens.cap * sizeof *ax[i].tokens.items +
                         ax[i].spans.cap * sizeof *ax[i].spans.items +
                         ax[i].ends_cap * sizeof *ax[i].ends;
                cari_analysis_free(&ax[i]);
            }
            sum += bytes;
            if (bytes > max)
                max = bytes;
            batches++;
            batch_text = 0;
            n = 0;
        }
        if (rc != 1)
            break;
    }
    if (rc < 0 || !text) {
        fprintf(stderr, "analysis_size: %s: no articles read\n", argv[1]);
        return 2;
    }
    printf("%llu tokens (%zu bytes each) for %llu bytes of text: %.1f "
           "tokens a KB, %.2f bytes of tokens a byte of text\n",
           (unsigned long long)tokens, sizeof(cari_term_token),
           (unsigned long long)text, (double)tokens * 1024 / (double)text,
           (double)tokens * sizeof(cari_term_token) / (double)text);
    printf("%llu batches: analyses %.2f MB each on average, %.2f MB at "
           "most\n",
           (unsigned long long)batches, sum / (double)batches / 1e6,
           max / 1e6);
    cari_reader_close(r);
    cari_analyzer_free(an);
    free(ax);
    return 0;
}
