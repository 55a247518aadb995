/*
 * query_fuzz.c -- the query parser and the search behind it.
 *
 * Input: byte 0 chooses the options (plain / all / snippets / a limit and
 * offset), the rest is the query.  It is searched on a small index built
 * at start-up.  Asserts: cari_search returns OK, ESYNTAX (with a message),
 * ENOTERMS or EINVAL, never another error; every hit is well formed.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_util.h"

static cari_index *ix;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char path[300];
    cari_error err;
    (void)argc;
    (void)argv;
    snprintf(path, sizeof path, "%s/ix", fuzz_scratch());
    fuzz_build_index(path, 300);
    if (cari_index_open(path, &ix, &err) != CARI_OK)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cari_search_options o = CARI_SEARCH_OPTIONS_INIT;
    cari_hits *hits = NULL;
    size_t i;
    int rc;
    if (size < 1)
        return 0;
    o.flags = 0;
    if (data[0] & 1)
        o.flags |= CARI_SEARCH_PLAIN;
    if (data[0] & 2)
        o.flags |= CARI_SEARCH_ALL;
    if (data[0] & 4)
        o.flags |= CARI_SEARCH_SNIPPETS | CARI_SEARCH_STORED;
    o.limit = (size_t)(data[0] >> 3 & 3) * 7;
    o.offset = (size_t)(data[0] >> 5 & 1) * 3;
    o.snippet_words = data[0] & 0x40 ? 1 : 30;
    /* the query is not NUL-terminated: the library must not need it to be */
    rc = cari_search(ix, (const char *)data + 1, size - 1, &o, &hits);
    if (rc == CARI_ESYNTAX && !*cari_index_errmsg(ix))
        abort();
    if (rc != CARI_OK && rc != CARI_ESYNTAX && rc != CARI_ENOTERMS &&
        rc != CARI_EINVAL)
        abort();
    for (i = 0; rc == CARI_OK && i < cari_hits_count(hits); i++) {
        cari_hit h;
        size_t k;
        if (cari_hits_get(hits, i, &h) != CARI_OK || !h.id || !h.id_len ||
            h.start > h.end || h.snippet_len > 100000)
            abort();
        for (k = 0; k < h.highlight_count; k++)
            if (h.highlights[k].start >= h.highlights[k].end ||
                h.highlights[k].end > h.snippet_len)
                abort();
    }
    cari_hits_free(hits);
    return 0;
}
