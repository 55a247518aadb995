/*
 * index_fuzz.c -- the writer: analysis, inversion (exact forms coded
 * against their base terms, title stopwords, joined bound forms) and the
 * segment write, on articles of arbitrary text.
 *
 * Input: articles separated by 0x01 bytes, each a title line and then
 * its text (an article the writer refuses, such as one with invalid
 * UTF-8, is left out).  They are indexed twice into fresh directories:
 * by one thread, and by two (a pair: one thread analyzes while the other
 * inverts, a third stores the text, and the segment is written on two).
 * Asserts: both commits succeed; the checker finds the one-thread index
 * sound (cari_index_check: every list, position stream, the dictionary
 * and the stored text); and the two indexes' segment files are the same
 * bytes, as the writer promises (the stored text deflated by libdeflate,
 * as index_test's pair tests do).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARTICLES 16

static void no_problem(void *ctx, const char *file, const char *problem)
{
    (void)ctx;
    fprintf(stderr, "index_fuzz: %s: %s\n", file, problem);
    abort();
}

/* Index the articles of data[0..size) into dir (made afresh) with this
 * many threads; the number of articles taken. */
static int build(const char *dir, const uint8_t *data, size_t size,
                 int threads)
{
    cari_writer_options o = CARI_WRITER_OPTIONS_INIT;
    cari_writer *w;
    cari_error err;
    char id[16];
    size_t at = 0;
    int n = 0, k = 0;
    if (test_rmtree(dir) != 0 && errno != ENOENT)
        abort();
    o.sync = 0;
    o.threads = threads;
    /* libdeflate, which always writes the same stream for a block: igzip
     * (the default) now and then writes another valid one inside cari
     * (docs/ROBUSTNESS.md), and the threads are what is compared */
    o.compression_level = 6;
    if (cari_writer_open(dir, &o, &w, &err) != CARI_OK)
        abort();
    while (at <= size && k < MAX_ARTICLES) {
        const uint8_t *p = data + at, *end = memchr(p, 1, size - at);
        size_t len = end ? (size_t)(end - p) : size - at;
        const uint8_t *nl = memchr(p, '\n', len);
        cari_article a;
        int rc;
        memset(&a, 0, sizeof a);
        snprintf(id, sizeof id, "a%d", k++);
        a.id = id;
        a.id_len = strlen(id);
        a.title = (const char *)p;
        a.title_len = nl ? (size_t)(nl - p) : len;
        a.text = nl ? (const char *)nl + 1 : "";
        a.text_len = nl ? len - a.title_len - 1 : 0;
        rc = cari_writer_add(w, &a);
        if (rc == CARI_OK)
            n++;
        else if (rc != CARI_EINPUT)
            abort();
        at += len + 1;
    }
    if (cari_writer_commit(w) != CARI_OK)
        abort();
    cari_writer_close(w);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char one[300], two[300], a[400], b[400];
    cari_check_stats st;
    cari_error err;
    unsigned char *x, *y;
    size_t xn = 0, yn = 0;
    int n;
    snprintf(one, sizeof one, "%s/one", fuzz_scratch());
    snprintf(two, sizeof two, "%s/two", fuzz_scratch());
    n = build(one, data, size, 1);
    if (build(two, data, size, 2) != n)
        abort();
    if (cari_index_check(one, no_problem, NULL, &st, &err) != CARI_OK ||
        st.problems)
        abort();
    if (!n)
        return 0;
    snprintf(a, sizeof a, "%s/seg-000001.cari", one);
    snprintf(b, sizeof b, "%s/seg-000001.cari", two);
    x = test_read_file(a, &xn);
    y = test_read_file(b, &yn);
    if (!x || !y || xn != yn || memcmp(x, y, xn) != 0) {
        fprintf(stderr, "index_fuzz: one thread and two wrote other bytes\n");
        abort();
    }
    free(x);
    free(y);
    return 0;
}
