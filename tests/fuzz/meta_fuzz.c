/*
 * meta_fuzz.c -- an article's metadata as the indexer reads it
 * (filter.c): the scanner for flat objects against jansson.
 *
 * Input: the bytes of a metadata text.  Its terms (cari_meta_terms, the
 * scanner first) must be those jansson's reading gives
 * (cari_meta_terms_jansson), byte for byte and in the same order, and
 * cari_meta_is_object (the writer's check, the scanner first) must say
 * what jansson says.
 */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "filter.h"
#include <stdlib.h>
#include <string.h>
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *meta = (const char *)data;
    cari_buf a = {0}, b = {0};
    size_t na = 0, nb = 0;
    int oom, object;
    json_t *v;
    if (cari_meta_terms(meta, size, &a, &na) != CARI_OK ||
        cari_meta_terms_jansson(meta, size, &b, &nb) != CARI_OK)
        abort();
    if (na != nb || a.len != b.len || (a.len && memcmp(a.data, b.data, a.len)))
        abort();
    object = cari_meta_is_object(meta, size, &oom);
    v = json_loadb(meta, size, 0, NULL);
    if (oom || object != json_is_object(v))
        abort();
    json_decref(v);
    cari_buf_free(&a);
    cari_buf_free(&b);
    return 0;
}
