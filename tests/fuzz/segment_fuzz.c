/*
 * segment_fuzz.c -- the segment reader, the search over it, and the
 * checker, on segment files that get past the checksums.
 *
 * Input: a segment file (seeds: small segments written by cari).  Its
 * section checksums and table checksum are recomputed first, so the
 * mutations reach the structure behind them -- what a crc collision or a
 * writer bug would leave.  If the reader opens it, a MANIFEST naming it
 * is written and the index is checked (cari_index_check) and searched
 * with a few queries, with snippets, and it is merged into a new segment
 * (cari_segment_merge, what a commit's merge runs, its word list dropped
 * first as the writer drops it), which is opened.
 * Asserts: open, check, search and merge return OK or CARI_ECORRUPT
 * (ENOTERMS/EVERSION where they apply) -- and when the checker calls the
 * index sound, searching it reports no damage and its merge succeeds and
 * opens.
 */
#include <stddef.h>
#include <stdint.h>

#include <sys/stat.h>

#include <zlib.h>

#include "fuzz_util.h"
#include "segment.h"
#include "../seg_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(p, 1, n, f) == n;
    if (f && fclose(f) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

static const char *const queries[] = {
    "banjir jakarta", "\"harga beras\"", "ik*", "title:berita",
    "laut -ikan", "warga NEAR/3 sungai", "+pasar kereta", "=menulis",
    "(hujan OR sungai) AND nelayan"};

/* Merge the segment at path into a new segment, as a commit's merge
 * does, and open what it wrote. */
static void copy_segment(const char *path, int sound)
{
    static const cari_passage_params pp = CARI_PASSAGE_PARAMS_INIT;
    char out[420];
    cari_segment *s, *t;
    cari_merge_result res;
    cari_error err;
    int rc;
    if (cari_segment_open(path, &s, &err) != CARI_OK)
        abort();  /* it opened a moment ago */
    /* as the writer holds its segments: the word list dropped, loaded
     * again by the merge's reads; a small budget's sample */
    cari_segment_drop_words(s);
    snprintf(out, sizeof out, "%s.copy", path);
    remove(out);
    rc = cari_segment_merge(&s, NULL, 1, 4, &pp, (size_t)4 << 20, out, 0,
                            &res, &err);
    if (rc != CARI_OK && (rc != CARI_ECORRUPT || sound))
        abort();  /* a sound segment merges */
    if (rc == CARI_OK && res.articles > 0) {
        if (cari_segment_open(out, &t, &err) != CARI_OK)
            abort();  /* what the merge wrote opens */
        if (cari_segment_articles(t) != cari_segment_articles(s))
            abort();
        cari_segment_close(t);
    }
    remove(out);
    cari_segment_close(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char dir[300], seg[400], manifest[400], *sig;
    unsigned char *d;
    cari_segment *s;
    cari_error err;
    cari_index *ix;
    cari_check_stats st;
    char text[1024];
    int n, rc, sound;
    size_t q;
    if (!sig) {
        cari_analyzer *an;
        if (cari_analyzer_new(&an, &err) != CARI_OK)
            abort();
        sig = strdup(cari_analyzer_signature(an));
        cari_analyzer_free(an);
        snprintf(dir, sizeof dir, "%s/ix", fuzz_scratch());
        snprintf(seg, sizeof seg, "%s/seg-000001.cari", dir);
        snprintf(manifest, sizeof manifest, "%s/MANIFEST", dir);
        if (mkdir(dir, 0755) != 0)
            abort();
    }
    d = malloc(size ? size : 1);
    if (!d)
        abort();
    memcpy(d, data, size);
    seg_image_fix_crcs(d, size);
    if (write_file(seg, d, size) != 0)
        abort();
    free(d);
    rc = cari_segment_open(seg, &s, &err);
    if (rc != CARI_OK) {
        if (rc != CARI_ECORRUPT && rc != CARI_ENOMEM)
            abort();
        return 0;
    }
    n = snprintf(text, sizeof text,
                 "cari-index 1\ngeneration 1\nnext-segment 2\nanalyzer %s\n"
                 "segment 1 %u %u 0 0\n",
                 sig, cari_segment_articles(s), cari_segment_passages(s));
    cari_segment_close(s);
    n += snprintf(text + n, sizeof text - (size_t)n, "checksum %08x\n",
                  (unsigned)crc32(0, (const unsigned char *)text, (uInt)n));
    if (write_file(manifest, text, (size_t)n) != 0)
        abort();
    rc = cari_index_check(dir, NULL, NULL, &st, &err);
    if (rc != CARI_OK && rc != CARI_ECORRUPT)
        abort();
    sound = rc == CARI_OK;
    rc = cari_index_open(dir, &ix, &err);
    if (rc != CARI_OK) {
        if (rc != CARI_ECORRUPT || sound)
            abort();
        return 0;
    }
    for (q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        cari_hits *hits = NULL;
        rc = cari_search(ix, queries[q], strlen(queries[q]), NULL, &hits);
        if (rc != CARI_OK && rc != CARI_ENOTERMS &&
            (rc != CARI_ECORRUPT || sound))
            abort();  /* a sound index (says the checker) is searchable */
        cari_hits_free(hits);
    }
    cari_index_close(ix);
    copy_segment(seg, sound);
    return 0;
}
