/*
 * fuzz_util.h -- what the fuzz targets share: a scratch directory made
 * once per process, and a small index of the sample corpus's kind built
 * in it.  Targets are libFuzzer programs (make fuzz); each one's comment
 * says what input it takes and what it asserts beyond "no crash, no
 * sanitizer report".
 */
#ifndef CARI_FUZZ_UTIL_H
#define CARI_FUZZ_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cari.h"
#include "../test_article.h"
#include "../test_file.h"

/* A directory of this process's own, removed at exit. */
static char fuzz_dir[256];

static inline void fuzz_cleanup(void)
{
    if (fuzz_dir[0])
        test_rmtree(fuzz_dir);
}

static inline const char *fuzz_scratch(void)
{
    if (!fuzz_dir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(fuzz_dir, sizeof fuzz_dir, "%s/cari-fuzz.XXXXXX",
                 base && *base ? base : "/tmp");
        if (!mkdtemp(fuzz_dir))
            abort();
        atexit(fuzz_cleanup);
    }
    return fuzz_dir;
}

static inline void fuzz_add(cari_writer *w, const char *id, const char *title,
                            const char *text)
{
    cari_article a = test_article(id, title, text);
    a.meta = "{\"source\":\"fuzz\"}";
    a.meta_len = strlen(a.meta);
    if (cari_writer_add(w, &a) != CARI_OK)
        abort();
}

/* Build a small index at dir: a few articles with phrases, repeated
 * words (posting lists long enough for 128-doc blocks) and titles. */
static inline void fuzz_build_index(const char *dir, int narticles)
{
    static const char *const words[] = {
        "banjir", "jakarta", "warga", "pemerintah", "hujan", "sungai",
        "nelayan", "laut", "ikan", "harga", "beras", "pasar", "kereta",
        "anak-anak", "menulis", "Rp5.000", "2024", "COVID-19", "yang", "di"};
    cari_writer_options o = CARI_WRITER_OPTIONS_INIT;
    cari_writer *w;
    cari_error err;
    char id[32], title[64], text[2048];
    int i, k;
    unsigned r = 12345;
    o.sync = 0;
    o.threads = 1;
    if (cari_writer_open(dir, &o, &w, &err) != CARI_OK)
        abort();
    for (i = 0; i < narticles; i++) {
        size_t n = 0;
        snprintf(id, sizeof id, "a%d", i);
        r = r * 1103515245u + 12345u;
        snprintf(title, sizeof title, "Berita %s %s", words[(r >> 8) % 20],
                 words[(r >> 16) % 20]);
        for (k = 0; k < 40 + (int)(r % 60); k++) {
            r = r * 1103515245u + 12345u;
            n += (size_t)snprintf(text + n, sizeof text - n, "%s%s",
                                  words[(r >> 8) % 20],
                                  k % 9 == 8 ? ".\n\n" : " ");
        }
        fuzz_add(w, id, title, text);
    }
    if (cari_writer_commit(w) != CARI_OK)
        abort();
    cari_writer_close(w);
}

#endif
